#pragma once
/// @file GeoJSON geometry: regions of interest in, cell and nucleus outlines out.
///
/// Coordinates are level-0 pixels (x right, y down), as QuPath writes them. The cell
/// writer produces the QuPath 0.4+ object format: one Feature per cell whose "geometry"
/// is the cell polygon, "nucleusGeometry" the nucleus polygon and "properties" hold
/// objectType, classification {name, color} and a measurements object. Only geometry
/// and those properties are read back; nothing here knows about images.
///
/// All functions are reentrant. Errors throw core::ParseError ("file: line L, column C:
/// problem") or core::InputError for a file that cannot be opened.
#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "her2/core/Geometry.hpp"

namespace her2::core {

/// Reads every Polygon and MultiPolygon of a GeoJSON document into one region: a bare
/// geometry, a GeometryCollection, a Feature, a FeatureCollection or a bare array of
/// Features (QuPath's default annotation export). Point and line geometries are skipped. A closing point equal to the
/// first is dropped. Throws ParseError for text that is not JSON, not GeoJSON, has a
/// malformed ring (fewer than 3 distinct points, non-numeric or non-finite coordinates),
/// or holds no polygon at all. `file` names the source in messages.
MultiPolygon parseRoiGeoJson(std::string_view text, const std::string& file = "GeoJSON");
/// Reads a file with parseRoiGeoJson; InputError when it cannot be opened.
MultiPolygon loadRoiGeoJson(const std::string& path);

/// One detection object: a cell (outline plus nucleus) or a nucleus alone.
struct CellFeature {
    Polygon geometry;                   ///< cell outline (for a nucleus-only object: the nucleus)
    std::optional<Polygon> nucleus;     ///< written as "nucleusGeometry"
    std::string objectType = "cell";    ///< "cell", "detection", "annotation"
    std::string className;              ///< classification name; empty: unclassified
    std::array<std::uint8_t, 3> color{128, 128, 128};  ///< classification colour, RGB
    std::vector<std::pair<std::string, double>> measurements;  ///< in order; NaN written as null
};

/// Streams a FeatureCollection so millions of cells never sit in one JSON tree.
/// Not thread-safe; one writer per stream. Call finish() once after the last add().
class CellFeatureWriter {
public:
    explicit CellFeatureWriter(std::ostream& out);
    CellFeatureWriter(const CellFeatureWriter&) = delete;
    CellFeatureWriter& operator=(const CellFeatureWriter&) = delete;
    /// Appends one Feature. Coordinates are written with 2 decimals and rings are closed.
    void add(const CellFeature& feature);
    /// Closes the collection. Without it the output is not valid JSON.
    void finish();
    std::size_t count() const noexcept { return m_count; }

private:
    std::ostream& m_out;
    std::size_t m_count = 0;
    bool m_finished = false;
};

/// Reads the Features of a FeatureCollection (or one Feature, or an array of Features) written by CellFeatureWriter
/// or by QuPath (measurements as an object, or as the older [{name, value}] list). Features
/// without a polygonal geometry are skipped; a MultiPolygon keeps its first polygon.
std::vector<CellFeature> parseCellFeatures(std::string_view text, const std::string& file = "GeoJSON");

/// The text of `s` as a JSON string literal, quotes included (control characters escaped).
std::string jsonQuote(std::string_view s);

}  // namespace her2::core
