#include "her2/imaging/CellSegmenter.hpp"

#include <algorithm>
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

struct Item {
    int index;
    int label;
};

}  // namespace

void floodWatershed(cv::Mat& markers, const cv::Mat& elevation, const cv::Mat& allowed,
                    const std::vector<cv::Point2d>& centres, double maxRadius) {
    CV_Assert(markers.type() == CV_32S && elevation.type() == CV_32F && markers.size() == elevation.size());
    CV_Assert(markers.isContinuous());
    const int w = markers.cols, h = markers.rows;
    if (w == 0 || h == 0) return;
    cv::Mat elevC = elevation.isContinuous() ? elevation : elevation.clone();
    int* lab = markers.ptr<int>();
    const float* elev = elevC.ptr<float>();
    cv::Mat allowedC;
    if (!allowed.empty()) allowedC = allowed.isContinuous() ? allowed : allowed.clone();
    const unsigned char* ok = allowedC.empty() ? nullptr : allowedC.ptr<unsigned char>();
    const double r2 = maxRadius * maxRadius;
    const bool limit = maxRadius > 0 && !centres.empty();

    double lo = 0, hi = 0;
    cv::minMaxLoc(elevC, &lo, &hi);
    const double scale = hi > lo ? (kLevels - 1) / (hi - lo) : 0;
    auto levelOf = [&](int i) { return static_cast<int>((elev[i] - lo) * scale); };

    // queued: 1 once a pixel sits in a bucket, so each pixel is queued at most once (its
    // label is that of the first neighbour that reached it, as in Meyer's flooding).
    std::vector<std::uint8_t> queued(static_cast<std::size_t>(w) * h, 0);
    std::vector<std::vector<Item>> buckets(kLevels);
    int current = 0;
    auto tryPush = [&](int x, int y, int label) {
        if (x < 0 || y < 0 || x >= w || y >= h) return;
        const int i = y * w + x;
        if (lab[i] != 0 || queued[static_cast<std::size_t>(i)] || (ok && !ok[i])) return;
        if (limit) {
            const auto& c = centres[static_cast<std::size_t>(label)];
            const double dx = x - c.x, dy = y - c.y;
            if (dx * dx + dy * dy > r2) return;
        }
        queued[static_cast<std::size_t>(i)] = 1;
        buckets[static_cast<std::size_t>(std::max(current, levelOf(i)))].push_back({i, label});
    };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int l = lab[y * w + x];
            if (l <= 0) continue;
            tryPush(x - 1, y, l);
            tryPush(x + 1, y, l);
            tryPush(x, y - 1, l);
            tryPush(x, y + 1, l);
        }
    for (current = 0; current < kLevels; ++current) {
        auto& bucket = buckets[static_cast<std::size_t>(current)];
        // The bucket may grow while it is drained (pixels at or below the current level).
        for (std::size_t k = 0; k < bucket.size(); ++k) {
            const Item item = bucket[k];
            lab[item.index] = item.label;
            const int x = item.index % w, y = item.index / w;
            tryPush(x - 1, y, item.label);
            tryPush(x + 1, y, item.label);
            tryPush(x, y - 1, item.label);
            tryPush(x, y + 1, item.label);
        }
        std::vector<Item>().swap(bucket);
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
    for (int y = 0; y < cells.rows; ++y) {
        const int* l = cells.ptr<int>(y);
        for (int x = 0; x < cells.cols; ++x)
            if (l[x] > 0) {
                centres[static_cast<std::size_t>(l[x])] += cv::Point2d(x, y);
                n[static_cast<std::size_t>(l[x])] += 1;
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
    cv::min(elevation, 1.0, elevation);
    cv::Mat dist;
    cv::Mat notNucleus = nuclei.labels == 0;
    cv::distanceTransform(notNucleus, dist, cv::DIST_L2, cv::DIST_MASK_3);
    elevation += dist * (0.01 / px);

    cv::Mat ok;
    if (!allowed.empty()) ok = allowed | (nuclei.labels > 0);
    floodWatershed(cells, elevation, ok, centres, m_params.maxCellRadiusUm * px);
    return cells;
}

}  // namespace her2::imaging
