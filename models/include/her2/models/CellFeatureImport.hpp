#pragma once
/// @file Cells read back from a QuPath-style GeoJSON (a batch's <name>.cells.geojson or a
/// QuPath detection export) into the column store the viewer draws from.
#include <string>
#include <vector>

#include "her2/core/CellTable.hpp"
#include "her2/core/GeoJson.hpp"

namespace her2::models {

/// Converts parsed features to cells: the centroid and outline come from the geometry,
/// the nucleus from nucleusGeometry; "HER2 0".."HER2 3+" set the class, "Stroma",
/// "Immune cells"/"Lymphocyte" exclude the cell. Measurements are matched by the names
/// HER2Scope writes ("Membrane: DAB OD mean", ...) or by the CSV column names
/// ("membrane_od_mean", ...); intensity and pattern are derived from them with the
/// default thresholds when absent. Features with another objectType than cell or
/// detection are skipped. Pure function.
core::CellTable cellTableFromFeatures(const std::vector<core::CellFeature>& features);

/// Reads a GeoJSON file of cells. Throws core::InputError when it cannot be read and
/// core::ParseError when it is not GeoJSON or holds no polygon feature.
core::CellTable loadCellGeoJson(const std::string& path);

}  // namespace her2::models
