#include "her2/imaging/CellSegmenter.hpp"

#include <cmath>
#include <cstdint>
#include <queue>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace her2::imaging {
namespace {

struct FloodItem {
    float elevation;
    std::uint32_t order;
    int index;
    int label;
    bool operator<(const FloodItem& o) const noexcept {
        // std::priority_queue pops the largest: lowest elevation first, then earliest.
        if (elevation != o.elevation) return elevation > o.elevation;
        return order > o.order;
    }
};

}  // namespace

void floodWatershed(cv::Mat& markers, const cv::Mat& elevation, const cv::Mat& allowed,
                    const std::vector<cv::Point2d>& centres, double maxRadius) {
    CV_Assert(markers.type() == CV_32S && elevation.type() == CV_32F && markers.size() == elevation.size());
    CV_Assert(markers.isContinuous() && elevation.isContinuous());
    const int w = markers.cols, h = markers.rows;
    int* lab = markers.ptr<int>();
    const float* elev = elevation.ptr<float>();
    cv::Mat allowedC;
    if (!allowed.empty()) allowedC = allowed.isContinuous() ? allowed : allowed.clone();
    const unsigned char* ok = allowedC.empty() ? nullptr : allowedC.ptr<unsigned char>();
    const double r2 = maxRadius * maxRadius;
    const bool limit = maxRadius > 0 && !centres.empty();

    std::priority_queue<FloodItem> queue;
    std::uint32_t order = 0;
    auto tryPush = [&](int x, int y, int label) {
        if (x < 0 || y < 0 || x >= w || y >= h) return;
        const int i = y * w + x;
        if (lab[i] != 0 || (ok && !ok[i])) return;
        if (limit) {
            const auto& c = centres[static_cast<std::size_t>(label)];
            const double dx = x - c.x, dy = y - c.y;
            if (dx * dx + dy * dy > r2) return;
        }
        queue.push({elev[i], order++, i, label});
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
    while (!queue.empty()) {
        const FloodItem item = queue.top();
        queue.pop();
        if (lab[item.index] != 0) continue;
        lab[item.index] = item.label;
        const int x = item.index % w, y = item.index / w;
        tryPush(x - 1, y, item.label);
        tryPush(x + 1, y, item.label);
        tryPush(x, y - 1, item.label);
        tryPush(x, y + 1, item.label);
    }
}

cv::Mat CellSegmenter::segment(const NucleusLabels& nuclei, const cv::Mat& dab, const cv::Mat& allowed) const {
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
                centres[l[x]] += cv::Point2d(x, y);
                n[l[x]] += 1;
            }
    }
    for (std::size_t i = 1; i < centres.size(); ++i)
        if (n[i] > 0) centres[i] *= 1.0 / n[i];

    // Elevation: smoothed DAB plus 0.01 OD per µm from the nearest nucleus.
    cv::Mat elevation;
    cv::GaussianBlur(dab, elevation, cv::Size(), std::max(0.5, 0.5 * px));
    cv::Mat dist;
    cv::Mat notNucleus = nuclei.labels == 0;
    cv::distanceTransform(notNucleus, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    elevation += dist * (0.01 / px);

    cv::Mat ok;
    if (!allowed.empty()) ok = allowed | (nuclei.labels > 0);
    floodWatershed(cells, elevation, ok, centres, m_params.maxCellRadiusUm * px);
    return cells;
}

}  // namespace her2::imaging
