#include "ihc/Morphology.hpp"

#include <algorithm>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace her2::imaging::detail {

cv::Mat reconstructByDilation(const cv::Mat& marker, const cv::Mat& mask) {
    CV_Assert(marker.type() == CV_32F && mask.type() == CV_32F && marker.size() == mask.size());
    // Vincent's hybrid algorithm (IEEE TIP 1993): one raster and one anti-raster pass settle
    // most pixels, a FIFO queue finishes the rest. Same result as dilating to stability, in
    // a few passes instead of one full-image dilation per pixel of the longest geodesic path.
    cv::Mat out = cv::min(marker, mask);
    const cv::Mat lim = mask.isContinuous() ? mask : mask.clone();
    const int w = out.cols, h = out.rows;
    if (w == 0 || h == 0) return out;
    float* j = out.ptr<float>();
    const float* m = lim.ptr<float>();

    // Raster pass: neighbours above and to the left.
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int i = y * w + x;
            float v = j[i];
            if (x > 0) v = std::max(v, j[i - 1]);
            if (y > 0) {
                v = std::max(v, j[i - w]);
                if (x > 0) v = std::max(v, j[i - w - 1]);
                if (x + 1 < w) v = std::max(v, j[i - w + 1]);
            }
            j[i] = std::min(v, m[i]);
        }
    // Anti-raster pass: neighbours below and to the right; pixels that could still raise a
    // neighbour of that half go to the queue.
    std::vector<int> queue;
    auto lowerThan = [&](int q, float v) { return j[q] < v && j[q] < m[q]; };
    for (int y = h - 1; y >= 0; --y)
        for (int x = w - 1; x >= 0; --x) {
            const int i = y * w + x;
            float v = j[i];
            if (x + 1 < w) v = std::max(v, j[i + 1]);
            if (y + 1 < h) {
                v = std::max(v, j[i + w]);
                if (x + 1 < w) v = std::max(v, j[i + w + 1]);
                if (x > 0) v = std::max(v, j[i + w - 1]);
            }
            v = std::min(v, m[i]);
            j[i] = v;
            const bool push = (x + 1 < w && lowerThan(i + 1, v)) ||
                              (y + 1 < h && (lowerThan(i + w, v) || (x + 1 < w && lowerThan(i + w + 1, v)) ||
                                             (x > 0 && lowerThan(i + w - 1, v))));
            if (push) queue.push_back(i);
        }
    // Propagation in FIFO order over all eight neighbours.
    for (std::size_t k = 0; k < queue.size(); ++k) {
        const int i = queue[k];
        const int x = i % w, y = i / w;
        const float v = j[i];
        for (int dy = -1; dy <= 1; ++dy) {
            if (y + dy < 0 || y + dy >= h) continue;
            for (int dx = -1; dx <= 1; ++dx) {
                if ((dx == 0 && dy == 0) || x + dx < 0 || x + dx >= w) continue;
                const int q = i + dy * w + dx;
                if (j[q] < v && m[q] != j[q]) {
                    j[q] = std::min(v, m[q]);
                    queue.push_back(q);
                }
            }
        }
    }
    return out;
}

void fillHoles(cv::Mat& mask, double maxHoleArea) {
    cv::Mat inv = mask == 0;
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(inv, labels, stats, centroids, 4, CV_32S);
    std::vector<unsigned char> fill(static_cast<std::size_t>(n), 0);
    for (int i = 1; i < n; ++i) {
        const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
        const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
        const bool border = x == 0 || y == 0 || x + w == mask.cols || y + h == mask.rows;
        fill[i] = !border && stats.at<int>(i, cv::CC_STAT_AREA) < maxHoleArea;
    }
    for (int y = 0; y < mask.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        unsigned char* m = mask.ptr<unsigned char>(y);
        for (int x = 0; x < mask.cols; ++x)
            if (l[x] > 0 && fill[l[x]]) m[x] = 255;
    }
}

}  // namespace her2::imaging::detail
