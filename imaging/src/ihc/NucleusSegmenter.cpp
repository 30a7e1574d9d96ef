#include "her2/imaging/NucleusSegmenter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "her2/imaging/CellSegmenter.hpp"
#include "ihc/Morphology.hpp"

namespace her2::imaging {
namespace {

/// Joins 4-adjacent labels of `labels` that are both narrower than `maxWidthPx` (twice their
/// largest value of `dist`). Returns each label's representative (itself when not joined);
/// the representative's entry of `area` then holds the joined area.
std::vector<int> joinSpindlePieces(const cv::Mat& labels, const cv::Mat& dist, std::vector<int>& area,
                                   double maxWidthPx) {
    const std::size_t n = area.size();
    std::vector<int> root(n);
    std::iota(root.begin(), root.end(), 0);
    if (maxWidthPx <= 0) return root;
    std::vector<float> peak(n, 0.f);
    auto rootOf = [&](int l) -> int& { return root[static_cast<std::size_t>(l)]; };
    auto peakOf = [&](int l) -> float& { return peak[static_cast<std::size_t>(l)]; };
    for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        const float* d = dist.ptr<float>(y);
        for (int x = 0; x < labels.cols; ++x)
            if (l[x] > 0) peakOf(l[x]) = std::max(peakOf(l[x]), d[x]);
    }
    const auto halfWidth = static_cast<float>(0.5 * maxWidthPx);
    auto find = [&](int l) {
        while (rootOf(l) != l) l = rootOf(l) = rootOf(rootOf(l));  // path halving
        return l;
    };
    auto join = [&](int a, int b) {
        if (a <= 0 || b <= 0 || a == b || peakOf(a) >= halfWidth || peakOf(b) >= halfWidth) return;
        a = find(a);
        b = find(b);
        if (a == b) return;
        if (b < a) std::swap(a, b);  // the lower label represents: raster order is kept
        rootOf(b) = a;
        area[static_cast<std::size_t>(a)] += area[static_cast<std::size_t>(b)];
    };
    for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        const int* below = y + 1 < labels.rows ? labels.ptr<int>(y + 1) : nullptr;
        for (int x = 0; x < labels.cols; ++x) {
            if (l[x] <= 0) continue;
            if (x + 1 < labels.cols && l[x + 1] != l[x]) join(l[x], l[x + 1]);
            if (below && below[x] != l[x]) join(l[x], below[x]);
        }
    }
    for (int l = 1; l < static_cast<int>(n); ++l) rootOf(l) = find(l);
    return root;
}

}  // namespace

NucleusLabels NucleusSegmenter::segment(const cv::Mat& hematoxylin, const cv::Mat& allowed) const {
    NucleusLabels out;
    if (hematoxylin.empty()) {
        out.labels = cv::Mat::zeros(hematoxylin.size(), CV_32S);
        return out;
    }
    const double px = 1.0 / m_mpp;  // pixels per µm
    // Per-thread images (see detail::kKeptScratchPixels).
    thread_local cv::Mat smooth, background, mask, dist, peaks, elevation, markers;
    const detail::ScratchRelease scratch(hematoxylin.total(),
                                         {&smooth, &background, &mask, &dist, &peaks, &elevation, &markers});

    // Smooth (sigma 0.5 µm), then subtract the local background: an opening larger than a nucleus.
    const double sigma = std::max(0.5, 0.5 * px);
    cv::GaussianBlur(hematoxylin, smooth, cv::Size(), sigma);
    const int bgRadius = std::max(2, static_cast<int>(std::lround(m_params.backgroundRadiusUm * px)));
    detail::openRect(smooth, background, bgRadius);
    // Foreground threshold and tissue mask in one pass, without the foreground image.
    mask.create(hematoxylin.size(), CV_8U);
    const float threshold = static_cast<float>(m_params.nucleusThresholdOd);
    for (int y = 0; y < mask.rows; ++y) {
        const float* s = smooth.ptr<float>(y);
        const float* b = background.ptr<float>(y);
        const unsigned char* ok = allowed.empty() ? nullptr : allowed.ptr<unsigned char>(y);
        unsigned char* o = mask.ptr<unsigned char>(y);
        for (int x = 0; x < mask.cols; ++x) o[x] = s[x] - b[x] >= threshold ? (ok ? ok[x] : 255) : 0;
    }

    // Fill small holes (pale nuclear centres) and remove one-pixel bridges.
    const double minAreaPx = m_params.nucleusMinAreaUm2 * px * px;
    detail::fillHoles(mask, minAreaPx);
    const int openRadius = std::max(1, static_cast<int>(std::lround(0.5 * px)));
    cv::morphologyEx(
        mask, mask, cv::MORPH_OPEN,
        cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * openRadius + 1, 2 * openRadius + 1)));

    // Distance map and h-maxima markers: one marker per dome deeper than nucleusSplitUm.
    detail::distanceTransformPrecise(mask, dist);
    const float h = static_cast<float>(std::max(0.5, m_params.nucleusSplitUm * px));
    const cv::Mat rec = detail::reconstructByDilation(dist, h);
    // Peaks (dome dist - rec of full depth, inside the mask), the watershed elevation and
    // its range in one pass.
    peaks.create(dist.size(), CV_8U);
    elevation.create(dist.size(), CV_32F);
    const float minDome = h - 1e-3f;
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (int y = 0; y < dist.rows; ++y) {
        const float* d = dist.ptr<float>(y);
        const float* r = rec.ptr<float>(y);
        const unsigned char* mk = mask.ptr<unsigned char>(y);
        unsigned char* p = peaks.ptr<unsigned char>(y);
        float* e = elevation.ptr<float>(y);
        for (int x = 0; x < dist.cols; ++x) {
            p[x] = d[x] - r[x] >= minDome ? mk[x] : 0;
            e[x] = 0.f - d[x];  // as -dist: +0 where dist is 0
        }
        detail::foldMinMax(elevation.ptr<float>(y), dist.cols, lo, hi);
    }
    const int markerCount = cv::connectedComponents(peaks, markers, 8, CV_32S);

    // Split along the valleys of the distance map: every marker keeps its label, so the
    // labels run up to markerCount - 1. The flood counts the areas as it writes the labels.
    std::vector<int> area(static_cast<std::size_t>(std::max(markerCount, 1)), 0);
    detail::floodWatershed(markers, markers, elevation, lo, hi, mask, {}, 0, area.data());

    // Spindle nuclei stay whole: along a thin nucleus the distance map rises and falls with
    // its width, and the split would cut it into round pieces that pass for tumour cells.
    // Touching pieces whose widest point (twice the largest distance) is narrower than
    // ihc.spindle_max_width_um are joined.
    std::vector<int> root = joinSpindlePieces(markers, dist, area, m_params.spindleMaxWidthUm * px);

    // Area filter and consecutive relabelling.
    const double maxAreaPx = m_params.nucleusMaxAreaUm2 * px * px;
    std::vector<int> remap(area.size(), 0);
    int next = 0;
    for (std::size_t i = 1; i < area.size(); ++i)
        if (root[i] == static_cast<int>(i) && area[i] >= minAreaPx && area[i] <= maxAreaPx) remap[i] = ++next;
    for (std::size_t i = 1; i < area.size(); ++i) remap[i] = remap[static_cast<std::size_t>(root[i])];
    out.labels.create(markers.size(), CV_32S);
    for (int y = 0; y < markers.rows; ++y) {
        const int* m = markers.ptr<int>(y);
        int* o = out.labels.ptr<int>(y);
        for (int x = 0; x < markers.cols; ++x) o[x] = m[x] > 0 ? remap[m[x]] : 0;
    }
    out.count = next;
    return out;
}

}  // namespace her2::imaging
