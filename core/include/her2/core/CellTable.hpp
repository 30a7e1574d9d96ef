#pragma once
/// @file Per-cell IHC measurements stored column-wise: a slide can hold millions of cells.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "her2/core/Geometry.hpp"
#include "her2/core/Types.hpp"

namespace her2::core {

/// One cell's values, for appending and for reading a row back.
struct CellRecord {
    float x = 0, y = 0;              ///< centroid, level-0 px
    float cellAreaUm2 = 0;           ///< whole cell, µm²
    float nucleusAreaUm2 = 0;        ///< µm²
    float nucleusHematoxylinOd = 0;  ///< mean hematoxylin OD inside the nucleus
    float nucleusCircularity = 0;    ///< 4πA/P², 1 for a disc
    float membraneOdMean = 0;        ///< mean DAB OD of the stained membrane pixels (0 if none)
    float membraneOdMax = 0;         ///< max DAB OD along the membrane band
    float membraneThicknessUm = 0;   ///< width of the stained band, µm
    float cytoplasmOd = 0;           ///< median DAB OD inside the cell, off the membrane
    float completeness = 0;          ///< stained fraction of the circumference, [0, 1]
    MembranePattern pattern = MembranePattern::None;
    IntensityClass intensity = IntensityClass::Negative;
    CellScore score = CellScore::Zero;  ///< under the rule set the analysis ran with
    CellExclusion exclusion = CellExclusion::None;
    std::vector<PointD> outline;         ///< cell outline, level-0 px
    std::vector<PointD> nucleusOutline;  ///< nucleus outline, level-0 px
    bool isTumour() const noexcept { return exclusion == CellExclusion::None; }
};

/// Column store of CellRecord. Outlines are flattened (x, y float pairs) with offsets.
class CellTable {
public:
    std::size_t size() const noexcept { return x.size(); }
    bool empty() const noexcept { return x.empty(); }
    void reserve(std::size_t n);
    void append(const CellRecord& r);
    void append(const CellTable& other);  ///< keeps order: merge tiles in tile order
    CellRecord row(std::size_t i) const;
    std::vector<PointD> outline(std::size_t i) const;
    std::vector<PointD> nucleusOutline(std::size_t i) const;
    bool isTumour(std::size_t i) const noexcept { return exclusion[i] == CellExclusion::None; }
    std::size_t tumourCount() const noexcept;
    void clear();

    std::vector<float> x, y, cellAreaUm2, nucleusAreaUm2, nucleusHematoxylinOd, nucleusCircularity;
    std::vector<float> membraneOdMean, membraneOdMax, membraneThicknessUm, cytoplasmOd, completeness;
    std::vector<MembranePattern> pattern;
    std::vector<IntensityClass> intensity;
    std::vector<CellScore> score;
    std::vector<CellExclusion> exclusion;
    std::vector<float> outlineXY;             ///< x0, y0, x1, y1, ... of every cell outline
    std::vector<std::uint32_t> outlineStart;  ///< size()+1 offsets into outlineXY (in points)
    std::vector<float> nucleusXY;
    std::vector<std::uint32_t> nucleusStart;
};

}  // namespace her2::core
