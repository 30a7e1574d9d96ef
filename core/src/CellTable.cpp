#include "her2/core/CellTable.hpp"

#include <algorithm>

namespace her2::core {
namespace {

void appendPoints(std::vector<float>& xy, std::vector<std::uint32_t>& start, const std::vector<PointD>& pts) {
    if (start.empty()) start.push_back(0);
    for (const PointD& p : pts) {
        xy.push_back(static_cast<float>(p.x));
        xy.push_back(static_cast<float>(p.y));
    }
    start.push_back(static_cast<std::uint32_t>(xy.size() / 2));
}

std::vector<PointD> pointsAt(const std::vector<float>& xy, const std::vector<std::uint32_t>& start, std::size_t i) {
    std::vector<PointD> pts;
    if (i + 1 >= start.size()) return pts;
    pts.reserve(start[i + 1] - start[i]);
    for (std::uint32_t k = start[i]; k < start[i + 1]; ++k) pts.push_back({xy[2 * k], xy[2 * k + 1]});
    return pts;
}

template <class T>
void appendAll(std::vector<T>& to, const std::vector<T>& from) {
    to.insert(to.end(), from.begin(), from.end());
}

void appendOffsets(std::vector<float>& xy, std::vector<std::uint32_t>& start, const std::vector<float>& oxy,
                   const std::vector<std::uint32_t>& ostart, std::size_t otherRows) {
    if (start.empty()) start.push_back(0);
    const auto base = static_cast<std::uint32_t>(xy.size() / 2);
    appendAll(xy, oxy);
    if (ostart.empty()) {
        start.insert(start.end(), otherRows, base);
        return;
    }
    for (std::size_t k = 1; k < ostart.size(); ++k) start.push_back(base + ostart[k]);
}

}  // namespace

void CellTable::reserve(std::size_t n) {
    for (auto* v : {&x, &y, &cellAreaUm2, &nucleusAreaUm2, &nucleusHematoxylinOd, &nucleusCircularity,
                    &membraneOdMean, &membraneOdMax, &membraneThicknessUm, &cytoplasmOd, &completeness})
        v->reserve(n);
    pattern.reserve(n);
    intensity.reserve(n);
    score.reserve(n);
    exclusion.reserve(n);
    outlineStart.reserve(n + 1);
    nucleusStart.reserve(n + 1);
}

void CellTable::append(const CellRecord& r) {
    x.push_back(r.x);
    y.push_back(r.y);
    cellAreaUm2.push_back(r.cellAreaUm2);
    nucleusAreaUm2.push_back(r.nucleusAreaUm2);
    nucleusHematoxylinOd.push_back(r.nucleusHematoxylinOd);
    nucleusCircularity.push_back(r.nucleusCircularity);
    membraneOdMean.push_back(r.membraneOdMean);
    membraneOdMax.push_back(r.membraneOdMax);
    membraneThicknessUm.push_back(r.membraneThicknessUm);
    cytoplasmOd.push_back(r.cytoplasmOd);
    completeness.push_back(r.completeness);
    pattern.push_back(r.pattern);
    intensity.push_back(r.intensity);
    score.push_back(r.score);
    exclusion.push_back(r.exclusion);
    appendPoints(outlineXY, outlineStart, r.outline);
    appendPoints(nucleusXY, nucleusStart, r.nucleusOutline);
}

void CellTable::append(const CellTable& o) {
    const std::size_t rows = o.size();
    appendOffsets(outlineXY, outlineStart, o.outlineXY, o.outlineStart, rows);
    appendOffsets(nucleusXY, nucleusStart, o.nucleusXY, o.nucleusStart, rows);
    appendAll(x, o.x);
    appendAll(y, o.y);
    appendAll(cellAreaUm2, o.cellAreaUm2);
    appendAll(nucleusAreaUm2, o.nucleusAreaUm2);
    appendAll(nucleusHematoxylinOd, o.nucleusHematoxylinOd);
    appendAll(nucleusCircularity, o.nucleusCircularity);
    appendAll(membraneOdMean, o.membraneOdMean);
    appendAll(membraneOdMax, o.membraneOdMax);
    appendAll(membraneThicknessUm, o.membraneThicknessUm);
    appendAll(cytoplasmOd, o.cytoplasmOd);
    appendAll(completeness, o.completeness);
    appendAll(pattern, o.pattern);
    appendAll(intensity, o.intensity);
    appendAll(score, o.score);
    appendAll(exclusion, o.exclusion);
}

CellRecord CellTable::row(std::size_t i) const {
    CellRecord r;
    r.x = x[i];
    r.y = y[i];
    r.cellAreaUm2 = cellAreaUm2[i];
    r.nucleusAreaUm2 = nucleusAreaUm2[i];
    r.nucleusHematoxylinOd = nucleusHematoxylinOd[i];
    r.nucleusCircularity = nucleusCircularity[i];
    r.membraneOdMean = membraneOdMean[i];
    r.membraneOdMax = membraneOdMax[i];
    r.membraneThicknessUm = membraneThicknessUm[i];
    r.cytoplasmOd = cytoplasmOd[i];
    r.completeness = completeness[i];
    r.pattern = pattern[i];
    r.intensity = intensity[i];
    r.score = score[i];
    r.exclusion = exclusion[i];
    r.outline = outline(i);
    r.nucleusOutline = nucleusOutline(i);
    return r;
}

std::vector<PointD> CellTable::outline(std::size_t i) const { return pointsAt(outlineXY, outlineStart, i); }
std::vector<PointD> CellTable::nucleusOutline(std::size_t i) const { return pointsAt(nucleusXY, nucleusStart, i); }

std::size_t CellTable::tumourCount() const noexcept {
    return static_cast<std::size_t>(std::count(exclusion.begin(), exclusion.end(), CellExclusion::None));
}

void CellTable::clear() { *this = CellTable{}; }

}  // namespace her2::core
