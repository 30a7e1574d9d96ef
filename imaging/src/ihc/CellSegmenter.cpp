#include "her2/imaging/CellSegmenter.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace her2::imaging {
namespace {

// Elevations are quantised into this many levels for a bucket queue: O(pixels) instead of a
// heap's O(pixels log pixels), and ties inside a level stay first-in first-out, so the
// result does not depend on anything but the inputs.
constexpr int kLevels = 1024;

}  // namespace

void floodWatershed(cv::Mat& markers, const cv::Mat& elevation, const cv::Mat& allowed,
                    const std::vector<cv::Point2d>& centres, double maxRadius) {
    CV_Assert(markers.type() == CV_32S && elevation.type() == CV_32F && markers.size() == elevation.size());
    CV_Assert(allowed.empty() || (allowed.type() == CV_8U && allowed.size() == markers.size()));
    const int w = markers.cols, h = markers.rows;
    if (w == 0 || h == 0) return;
    const double r2 = maxRadius * maxRadius;
    const bool limit = maxRadius > 0 && !centres.empty();

    double lo = 0, hi = 0;
    cv::minMaxLoc(elevation, &lo, &hi);
    const double scale = hi > lo ? (kLevels - 1) / (hi - lo) : 0;

    // State on a copy framed by one blocked pixel, so that neighbours are index offsets with
    // no bounds tests: kBlocked (frame, not allowed), 0 (free), L > 0 (labelled), and
    // -2 - L while queued for label L (each pixel is queued at most once; its label is that
    // of the first neighbour that reached it, as in Meyer's flooding).
    constexpr int kBlocked = -1;
    const int stride = w + 2;
    const std::size_t n = static_cast<std::size_t>(stride) * static_cast<std::size_t>(h + 2);
    std::vector<int> state(n, kBlocked);
    std::vector<std::uint16_t> level(n, 0);
    for (int y = 0; y < h; ++y) {
        const int* m = markers.ptr<int>(y);
        const float* e = elevation.ptr<float>(y);
        const unsigned char* ok = allowed.empty() ? nullptr : allowed.ptr<unsigned char>(y);
        int* s = state.data() + static_cast<std::size_t>(y + 1) * stride + 1;
        std::uint16_t* lv = level.data() + static_cast<std::size_t>(y + 1) * stride + 1;
        for (int x = 0; x < w; ++x) {
            s[x] = m[x] > 0 ? m[x] : (ok && !ok[x] ? kBlocked : 0);
            // Range-checked before the cast: a NaN elevation lands in level 0, never in UB.
            const double v = (e[x] - lo) * scale;
            lv[x] = v >= 0 && v < kLevels ? static_cast<std::uint16_t>(static_cast<int>(v))
                                          : static_cast<std::uint16_t>(v >= kLevels ? kLevels - 1 : 0);
        }
    }

    // One FIFO per level, linked through `next`: no allocation while flooding.
    std::vector<int> next(n, -1);
    std::array<int, kLevels> head, tail;
    head.fill(-1);
    tail.fill(-1);
    const double invStride = 1.0 / stride;
    int current = 0;
    auto push = [&](int i, int label) {
        if (state[static_cast<std::size_t>(i)] != 0) return;
        if (limit) {
            // Exact: (i + 0.5) / stride never lies within rounding error of an integer.
            const int y = static_cast<int>((i + 0.5) * invStride);
            const int x = i - y * stride;
            const auto& c = centres[static_cast<std::size_t>(label)];
            const double dx = x - 1 - c.x, dy = y - 1 - c.y;
            if (dx * dx + dy * dy > r2) return;
        }
        state[static_cast<std::size_t>(i)] = -2 - label;
        const int l = std::max<int>(current, level[static_cast<std::size_t>(i)]);
        if (tail[static_cast<std::size_t>(l)] < 0)
            head[static_cast<std::size_t>(l)] = i;
        else
            next[static_cast<std::size_t>(tail[static_cast<std::size_t>(l)])] = i;
        tail[static_cast<std::size_t>(l)] = i;
    };
    auto pushNeighbours = [&](int i, int label) {
        push(i - 1, label);
        push(i + 1, label);
        push(i - stride, label);
        push(i + stride, label);
    };
    for (int y = 1; y <= h; ++y)
        for (int x = 1; x <= w; ++x) {
            const int i = y * stride + x;
            if (const int l = state[static_cast<std::size_t>(i)]; l > 0) pushNeighbours(i, l);
        }
    for (current = 0; current < kLevels; ++current) {
        // The list may grow while it is drained (pixels at or below the current level), so
        // the successor is read after the pixel's neighbours are queued.
        for (int i = head[static_cast<std::size_t>(current)]; i >= 0; i = next[static_cast<std::size_t>(i)]) {
            const int label = -2 - state[static_cast<std::size_t>(i)];
            state[static_cast<std::size_t>(i)] = label;
            pushNeighbours(i, label);
        }
    }
    for (int y = 0; y < h; ++y) {
        int* m = markers.ptr<int>(y);
        const int* s = state.data() + static_cast<std::size_t>(y + 1) * stride + 1;
        for (int x = 0; x < w; ++x) m[x] = std::max(s[x], 0);
    }
}

cv::Mat CellSegmenter::segment(const NucleusLabels& nuclei, const cv::Mat& dab,
                               const cv::Mat& allowed) const {
    cv::Mat cells = nuclei.labels.clone();
    if (nuclei.count == 0) return cells;
    const double px = 1.0 / m_mpp;

    // Nucleus centroids bound the territory.
    std::vector<cv::Point2d> centres(static_cast<std::size_t>(nuclei.count) + 1);
    std::vector<double> n(centres.size(), 0);
    // One update per horizontal run of a label: sums of integer coordinates are exact in
    // double, so they equal the pixel-by-pixel sums.
    for (int y = 0; y < cells.rows; ++y) {
        const int* l = cells.ptr<int>(y);
        for (int x = 0; x < cells.cols;) {
            int e = x + 1;
            while (e < cells.cols && l[e] == l[x]) ++e;
            if (l[x] > 0) {
                const double len = e - x;
                centres[static_cast<std::size_t>(l[x])] += cv::Point2d(len * (x + e - 1) / 2, len * y);
                n[static_cast<std::size_t>(l[x])] += len;
            }
            x = e;
        }
    }
    for (std::size_t i = 1; i < centres.size(); ++i)
        if (n[i] > 0) centres[i] *= 1.0 / n[i];

    // Elevation: smoothed DAB plus 0.01 OD per µm from the nearest nucleus. The DAB term puts
    // the borders on the stained membranes; the distance term breaks the flat plateaus of
    // unstained cytoplasm so that, without DAB, cells meet half-way between nuclei.
    cv::Mat elevation;
    cv::GaussianBlur(dab, elevation, cv::Size(), std::max(0.5, 0.5 * px));
    // Membranes stronger than 3+ add nothing to the border position; clipping keeps the
    // quantised elevation fine where it matters.
    cv::Mat dist;
    cv::Mat notNucleus = nuclei.labels == 0;
    cv::distanceTransform(notNucleus, dist, cv::DIST_L2, cv::DIST_MASK_3);
    // Clipping, the distance term and the allowed mask (tissue or nucleus) in one pass; the
    // float operations are those of cv::min, Mat * double and +=.
    const float perPx = static_cast<float>(0.01 / px);
    cv::Mat ok;
    if (!allowed.empty()) ok.create(allowed.size(), CV_8U);
    for (int y = 0; y < elevation.rows; ++y) {
        float* e = elevation.ptr<float>(y);
        const float* d = dist.ptr<float>(y);
        for (int x = 0; x < elevation.cols; ++x) e[x] = std::min(e[x], 1.f) + d[x] * perPx;
        if (ok.empty()) continue;
        const unsigned char* a = allowed.ptr<unsigned char>(y);
        const unsigned char* free = notNucleus.ptr<unsigned char>(y);
        unsigned char* o = ok.ptr<unsigned char>(y);
        for (int x = 0; x < ok.cols; ++x) o[x] = free[x] ? a[x] : 255;
    }
    floodWatershed(cells, elevation, ok, centres, m_params.maxCellRadiusUm * px);
    return cells;
}

}  // namespace her2::imaging
