#include "her2/imaging/IhcAnalyzer.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <unordered_map>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "her2/core/ScoringRules.hpp"
#include "her2/imaging/CellSegmenter.hpp"
#include "her2/imaging/MembraneAnalyzer.hpp"
#include "her2/imaging/NucleusSegmenter.hpp"
#include "ihc/CellClasses.hpp"
#include "ihc/Morphology.hpp"

namespace her2::imaging {
namespace {

/// Per-label accumulators of one pass over the label images.
struct LabelStats {
    double nArea = 0, nSumX = 0, nSumY = 0, nSumH = 0;
    double cArea = 0, cSumX = 0, cSumY = 0;
    int x0 = INT32_MAX, y0 = INT32_MAX, x1 = -1, y1 = -1;  ///< nucleus bounding box
    int first = -1;                                        ///< raster index of the first nucleus pixel
    int cfirst = -1;                                       ///< raster index of the first cell pixel
};

/// Tissue pixels (CV_8U 255/0): the OD sum, smoothed over 0.5 µm (in place), at or above the
/// background OD. Glass and empty lumen belong to no cell.
cv::Mat tissueFromOdSum(cv::Mat& sum, double mpp, double backgroundOd) {
    cv::GaussianBlur(sum, sum, cv::Size(), std::max(0.5, 0.5 / mpp));
    return sum >= backgroundOd;
}

/// Elongation (major/minor axis) of a polygon from its second moments.
double polygonElongation(const float* xy, std::size_t n) {
    if (n < 3) return 1;
    std::vector<cv::Point2f> pts(n);
    for (std::size_t i = 0; i < n; ++i) pts[i] = {xy[2 * i], xy[2 * i + 1]};
    const cv::Moments m = cv::moments(pts);
    if (std::abs(m.m00) < 1e-9) return 1;
    const double mu20 = m.mu20 / m.m00, mu02 = m.mu02 / m.m00, mu11 = m.mu11 / m.m00;
    const double common = std::sqrt(std::max(0.0, 0.25 * (mu20 - mu02) * (mu20 - mu02) + mu11 * mu11));
    const double l1 = 0.5 * (mu20 + mu02) + common, l2 = 0.5 * (mu20 + mu02) - common;
    if (l2 <= 1e-12) return 20;
    return std::sqrt(l1 / l2);
}

}  // namespace

IhcAnalyzer::IhcAnalyzer(const core::IhcParams& params, core::RuleSetId rules, double mpp,
                         const StainVectors& stains, double backgroundOd)
    : m_params(params), m_rules(rules), m_mpp(mpp), m_stains(stains), m_backgroundOd(backgroundOd) {}

core::CellTable IhcAnalyzer::analyze(const cv::Mat& rgb, core::PointD origin, double scale) const {
    return analyze(rgb, origin, scale, cv::Rect(0, 0, rgb.cols, rgb.rows), nullptr);
}

core::CellTable IhcAnalyzer::analyze(const cv::Mat& rgb, core::PointD origin, double scale,
                                     cv::Mat* nucleusLabels, cv::Mat* cellLabels) const {
    return analyze(rgb, origin, scale, cv::Rect(0, 0, rgb.cols, rgb.rows), nullptr, nucleusLabels,
                   cellLabels);
}

core::CellTable IhcAnalyzer::analyze(const cv::Mat& rgb, core::PointD origin, double scale,
                                     const cv::Rect& keepIn, IhcRegionStats* stats, cv::Mat* nucleusLabels,
                                     cv::Mat* cellLabels) const {
    core::CellTable table;
    if (rgb.empty()) return table;
    const cv::Rect keep = keepIn & cv::Rect(0, 0, rgb.cols, rgb.rows);
    // Stains and the OD sum of the tissue mask in one pass; the residual is only needed for
    // the statistics of tissue pixels and is computed there. Per-thread images (see
    // detail::kKeptScratchPixels).
    thread_local cv::Mat hematoxylin, dab, odSum;
    const detail::ScratchRelease scratch(rgb.total(), {&hematoxylin, &dab, &odSum});
    m_stains.separateWithOdSum(rgb, hematoxylin, dab, odSum);
    const cv::Mat tissue = tissueFromOdSum(odSum, m_mpp, m_backgroundOd);

    if (stats) {
        IhcRegionStats s;
        for (int y = keep.y; y < keep.y + keep.height; ++y) {
            const unsigned char* t = tissue.ptr<unsigned char>(y);
            const float* h = hematoxylin.ptr<float>(y);
            const float* d = dab.ptr<float>(y);
            const auto* p = rgb.ptr<cv::Vec3b>(y);
            for (int x = keep.x; x < keep.x + keep.width; ++x) {
                if (!t[x]) continue;
                const float r = m_reference.residual(p[x]);
                s.tissuePixels += 1;
                s.hematoxylinSum += h[x];
                s.dabSum += d[x];
                s.residualSum += r;
                if (d[x] >= m_params.stainedOd) s.dabPixels += 1;
                // Eosin, not the eosin reading of a dark or reddish DAB (about a fifth of its
                // OD for a DAB 8 degrees towards eosin): at least half the reference DAB.
                if (r >= 0.1f && r >= 0.5f * m_reference.dab(p[x])) s.eosinPixels += 1;
            }
        }
        *stats = s;
    }

    const NucleusSegmenter nucleusSegmenter(m_params, m_mpp);
    // Nuclei from hematoxylin alone. Adding the compact part of the DAB would find nuclei
    // under dense brown, but where two 3+ membranes meet the DAB is as thick as a small
    // nucleus and would seed false cells: HER2 is a membrane stain.
    const NucleusLabels nuclei = nucleusSegmenter.segment(hematoxylin, tissue);
    const CellSegmenter cellSegmenter(m_params, m_mpp);
    const cv::Mat cells = cellSegmenter.segment(nuclei, dab, tissue);
    if (nucleusLabels) *nucleusLabels = nuclei.labels;
    if (cellLabels) *cellLabels = cells;
    if (nuclei.count == 0) return table;

    // Labels come in horizontal runs: one update per run instead of per pixel. The sums of
    // integer coordinates are exact in double, so they equal the pixel-by-pixel sums.
    std::vector<LabelStats> ls(static_cast<std::size_t>(nuclei.count) + 1);
    const int cols = rgb.cols;
    // Calls f(stats, first, end) for each run [first, end) of one positive label in a row.
    auto forRuns = [&](const int* labels, auto&& f) {
        for (int x = 0; x < cols;) {
            const int l = labels[x];
            int e = x + 1;
            while (e < cols && labels[e] == l) ++e;
            if (l > 0) f(ls[static_cast<std::size_t>(l)], x, e);
            x = e;
        }
    };
    for (int y = 0; y < rgb.rows; ++y) {
        const float* h = hematoxylin.ptr<float>(y);
        forRuns(nuclei.labels.ptr<int>(y), [&](LabelStats& s, int x, int e) {
            const double n = e - x;
            s.nArea += n;
            s.nSumX += n * (x + e - 1) / 2;
            s.nSumY += n * y;
            for (int k = x; k < e; ++k) s.nSumH += h[k];
            s.x0 = std::min(s.x0, x);
            s.y0 = std::min(s.y0, y);
            s.x1 = std::max(s.x1, e - 1);
            s.y1 = std::max(s.y1, y);
            if (s.first < 0) s.first = y * cols + x;
        });
        forRuns(cells.ptr<int>(y), [&](LabelStats& s, int x, int e) {
            const double n = e - x;
            s.cArea += n;
            s.cSumX += n * (x + e - 1) / 2;
            s.cSumY += n * y;
            if (s.cfirst < 0) s.cfirst = y * cols + x;
        });
    }

    // Labels come from a raster scan, so label order is raster order of first pixels.
    const MembraneAnalyzer membranes(m_params, m_mpp);
    const double pxArea = m_mpp * m_mpp;
    const double epsilon = std::max(0.5, 0.25 / m_mpp);  // outline simplification, px
    auto toLevel0 = [&](double px, double py) {
        return core::PointD{origin.x + (px + 0.5) * scale, origin.y + (py + 0.5) * scale};
    };
    table.reserve(static_cast<std::size_t>(nuclei.count));
    std::vector<cv::Point2d> centres(ls.size());
    for (std::size_t l = 1; l < ls.size(); ++l)
        if (ls[l].nArea > 0) centres[l] = {ls[l].nSumX / ls[l].nArea, ls[l].nSumY / ls[l].nArea};
    // Trace every kept cell, then two rings of the cells their rays meet or peak next to, so
    // that the membrane two cells share is attributed from the evidence of both outlines and
    // of the cells around each (MembraneAnalyzer::ownMembranes). Halo cells further out are
    // never traced: a third of the tracing work on a default tile.
    std::vector<MembraneTrace> traces(ls.size());
    auto traceCell = [&](int l) {
        auto& t = traces[static_cast<std::size_t>(l)];
        if (t.empty() && ls[static_cast<std::size_t>(l)].nArea > 0)
            t = membranes.trace(dab, cells, nuclei.labels, l, centres[static_cast<std::size_t>(l)], &centres);
    };
    std::vector<int> kept;
    for (int l = 1; l <= nuclei.count; ++l) {
        if (ls[static_cast<std::size_t>(l)].nArea <= 0) continue;
        const cv::Point2d& c = centres[static_cast<std::size_t>(l)];
        if (keep.contains(cv::Point(static_cast<int>(std::floor(c.x)), static_cast<int>(std::floor(c.y))))) {
            kept.push_back(l);
            traceCell(l);
        }
    }
    std::vector<int> ring = kept;
    for (int round = 0; round < 2; ++round) {
        std::vector<int> next;
        auto reach = [&](int n) {
            if (n <= 0 || n > nuclei.count || !traces[static_cast<std::size_t>(n)].empty()) return;
            traceCell(n);
            next.push_back(n);
        };
        for (const int l : ring)
            for (const MembraneRay& ray : traces[static_cast<std::size_t>(l)].rays) {
                reach(ray.neighbour);
                for (const int n : ray.near) reach(n);
            }
        ring = std::move(next);
    }
    const OwnMembranes owners = membranes.ownMembranes(traces);
    std::vector<cv::Point> contour, cellContour;
    for (int l = 1; l <= nuclei.count; ++l) {
        const LabelStats& s = ls[static_cast<std::size_t>(l)];
        if (s.nArea <= 0) continue;
        const cv::Point2d centre(s.nSumX / s.nArea, s.nSumY / s.nArea);
        if (!keep.contains(
                cv::Point(static_cast<int>(std::floor(centre.x)), static_cast<int>(std::floor(centre.y)))))
            continue;

        // Nucleus outline and circularity from its contour, in the coordinates of its box with
        // a 1 px margin. A label is one 8-connected region (grown from one marker), so its
        // outer border is the one findContours finds on the label's own mask.
        const cv::Rect box(s.x0 - 1, s.y0 - 1, s.x1 - s.x0 + 3, s.y1 - s.y0 + 3);
        detail::outerContour(nuclei.labels, l, {s.first % cols, s.first / cols}, contour);
        for (auto& p : contour) p -= box.tl();
        const double perimeter = contour.size() > 1 ? cv::arcLength(contour, true) : 0;
        const double circularity =
            perimeter > 0 ? std::min(1.0, 4 * std::numbers::pi * s.nArea / (perimeter * perimeter)) : 0;

        const MembraneMeasures mm =
            membranes.summarize(traces[static_cast<std::size_t>(l)], membranes.attribute(l, traces, owners));

        core::CellRecord r;
        const double cx = s.cArea > 0 ? s.cSumX / s.cArea : centre.x;
        const double cy = s.cArea > 0 ? s.cSumY / s.cArea : centre.y;
        const core::PointD c0 = toLevel0(cx, cy);
        r.x = static_cast<float>(c0.x);
        r.y = static_cast<float>(c0.y);
        r.cellAreaUm2 = static_cast<float>(s.cArea * pxArea);
        r.nucleusAreaUm2 = static_cast<float>(s.nArea * pxArea);
        r.nucleusHematoxylinOd = static_cast<float>(s.nSumH / s.nArea);
        r.nucleusCircularity = static_cast<float>(circularity);
        r.membraneOdMean = static_cast<float>(mm.odMean);
        r.membraneOdMax = static_cast<float>(mm.odMax);
        r.membraneThicknessUm = static_cast<float>(mm.thicknessUm);
        r.cytoplasmOd = static_cast<float>(mm.cytoplasmOd);
        r.completeness = static_cast<float>(mm.completeness);
        r.intensity = detail::intensityOf(mm.odMean, mm.completeness, m_params);
        r.pattern = detail::patternOf(mm.completeness, m_params);
        r.score = core::cellScore(r.intensity, r.pattern, m_rules);

        std::vector<cv::Point2f> simplified;
        if (contour.size() >= 3) {
            std::vector<cv::Point2f> f(contour.begin(), contour.end());
            cv::approxPolyDP(f, simplified, epsilon, true);
            r.nucleusOutline.reserve(simplified.size());
            for (const auto& p : simplified) r.nucleusOutline.push_back(toLevel0(p.x + box.x, p.y + box.y));
        }
        // Cell outline: the territory's contour. The watershed put it on the DAB ridges, so it
        // runs along the stained membrane and, elsewhere, half-way between nuclei.
        cellContour.clear();
        if (s.cfirst >= 0) detail::outerContour(cells, l, {s.cfirst % cols, s.cfirst / cols}, cellContour);
        if (cellContour.size() >= 3) {
            std::vector<cv::Point2f> f(cellContour.begin(), cellContour.end());
            cv::approxPolyDP(f, simplified, epsilon, true);
            r.outline.reserve(simplified.size());
            for (const auto& p : simplified) r.outline.push_back(toLevel0(p.x, p.y));
        } else if (mm.outline.size() >= 3) {
            for (const auto& p : mm.outline) r.outline.push_back(toLevel0(p.x, p.y));
        }
        table.append(r);
    }
    return table;
}

IhcAnalyzer::ExclusionCounts IhcAnalyzer::excludeNonTumour(core::CellTable& cells,
                                                           const core::IhcParams& params, double mppLevel0) {
    ExclusionCounts counts;
    const std::size_t n = cells.size();
    if (n == 0) return counts;
    // Lymphocytes and stromal nuclei cut across are told from the tumour nuclei around them,
    // those too large to be lymphocytes (whichever cells outnumber the others): a small round
    // nucleus is one when it is darker than the ihc.lymphocyte_darker_than fraction of them
    // (condensed chromatin), or when its area is at most ihc.lymphocyte_area_fraction of
    // their median and it is at least as dark as the median nucleus. A small tumour nucleus of
    // a low-grade or lobular carcinoma is neither. With fewer than kMinReference large nuclei,
    // only darkness against all nuclei counts.
    constexpr std::size_t kMinReference = 20;
    std::vector<float> all, largeH, largeArea;
    all.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        all.push_back(cells.nucleusHematoxylinOd[i]);
        if (cells.nucleusAreaUm2[i] > params.lymphocyteMaxAreaUm2) {
            largeH.push_back(cells.nucleusHematoxylinOd[i]);
            largeArea.push_back(cells.nucleusAreaUm2[i]);
        }
    }
    // The element of rank fraction * size, as std::nth_element places it (v is reordered).
    auto quantile = [](std::vector<float>& v, double fraction) {
        const auto k =
            std::min(v.size() - 1, static_cast<std::size_t>(fraction * static_cast<double>(v.size())));
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
        return v[k];
    };
    const bool byLarge = largeH.size() >= kMinReference;
    const float darkH = quantile(byLarge ? largeH : all, params.lymphocyteDarkerThan);
    const float medianH = quantile(all, 0.5);
    const float smallArea =
        byLarge ? static_cast<float>(params.lymphocyteAreaFraction) * quantile(largeArea, 0.5) : 0.f;

    // Nucleus rules first: they need no neighbours.
    std::vector<char> candidate(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        if (cells.exclusion[i] != core::CellExclusion::None) continue;
        // Immune cells do not express HER2: a small round nucleus inside a membrane stained
        // weak-to-moderate or more belongs to a tumour cell (often one whose nucleus is partly
        // hidden under the brown), not to a lymphocyte.
        const bool lymph =
            cells.nucleusAreaUm2[i] <= params.lymphocyteMaxAreaUm2 && cells.nucleusCircularity[i] >= 0.75f &&
            (cells.nucleusHematoxylinOd[i] > darkH ||
             (cells.nucleusAreaUm2[i] <= smallArea && cells.nucleusHematoxylinOd[i] >= medianH)) &&
            cells.intensity[i] < core::IntensityClass::WeakModerate;
        if (lymph) {
            cells.exclusion[i] = core::CellExclusion::Lymphocyte;
            ++counts.lymphocyte;
            continue;
        }
        const std::size_t a = cells.nucleusStart[i], b = cells.nucleusStart[i + 1];
        const double elongation = polygonElongation(cells.nucleusXY.data() + 2 * a, b - a);
        if (elongation >= params.stromaMinElongation) {
            cells.exclusion[i] = core::CellExclusion::Stroma;
            ++counts.spindle;
            continue;
        }
        candidate[i] = 1;
    }

    // Cohesion: candidate tumour cells with fewer than two candidate neighbours within
    // 2 * maxCellRadius lie apart from any nest.
    const double radius = 2 * params.maxCellRadiusUm / mppLevel0;  // level-0 px
    const double r2 = radius * radius;
    auto key = [&](double x, double y) {
        const auto gx = static_cast<std::int64_t>(std::floor(x / radius));
        const auto gy = static_cast<std::int64_t>(std::floor(y / radius));
        return (gx << 32) ^ (gy & 0xffffffff);
    };
    std::unordered_map<std::int64_t, std::vector<std::uint32_t>> grid;
    grid.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        if (candidate[i]) grid[key(cells.x[i], cells.y[i])].push_back(static_cast<std::uint32_t>(i));
    std::vector<std::size_t> isolated;
    for (std::size_t i = 0; i < n; ++i) {
        if (!candidate[i]) continue;
        int neighbours = 0;
        const double x = cells.x[i], y = cells.y[i];
        for (int dy = -1; dy <= 1 && neighbours < 2; ++dy)
            for (int dx = -1; dx <= 1 && neighbours < 2; ++dx) {
                const auto it = grid.find(key(x + dx * radius, y + dy * radius));
                if (it == grid.end()) continue;
                for (const std::uint32_t j : it->second) {
                    if (j == i) continue;
                    const double ex = cells.x[j] - x, ey = cells.y[j] - y;
                    if (ex * ex + ey * ey <= r2 && ++neighbours >= 2) break;
                }
            }
        if (neighbours < 2) isolated.push_back(i);
    }
    for (const std::size_t i : isolated) {
        cells.exclusion[i] = core::CellExclusion::Stroma;
        ++counts.isolated;
    }
    return counts;
}

}  // namespace her2::imaging
