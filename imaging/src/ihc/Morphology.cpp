#include "ihc/Morphology.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace her2::imaging::detail {

cv::Mat reconstructByDilation(const cv::Mat& marker, const cv::Mat& mask) {
    CV_Assert(marker.type() == CV_32F && mask.type() == CV_32F && marker.size() == mask.size());
    // Vincent's hybrid algorithm (IEEE TIP 1993): one raster and one anti-raster pass settle
    // most pixels, a FIFO queue finishes the rest. Same result as dilating to stability, in
    // a few passes instead of one full-image dilation per pixel of the longest geodesic path.
    const int w = marker.cols, h = marker.rows;
    if (w == 0 || h == 0) return cv::min(marker, mask);
    // Working copies framed by one pixel of -inf in both: a frame pixel never raises a
    // neighbour and, equal to its own limit, is never raised or queued, so neighbours are
    // plain index offsets with no bounds tests. The result is a view of the interior.
    constexpr float kLow = -std::numeric_limits<float>::infinity();
    const int stride = w + 2;
    cv::Mat jFrame(h + 2, stride, CV_32F, cv::Scalar(kLow)), mFrame(h + 2, stride, CV_32F, cv::Scalar(kLow));
    float* j = jFrame.ptr<float>();
    float* m = mFrame.ptr<float>();
    for (int y = 0; y < h; ++y) {
        const float* a = marker.ptr<float>(y);
        const float* b = mask.ptr<float>(y);
        float* jr = j + (y + 1) * stride + 1;
        float* mr = m + (y + 1) * stride + 1;
        for (int x = 0; x < w; ++x) {
            jr[x] = std::min(a[x], b[x]);
            mr[x] = b[x];
        }
    }

    // Raster pass: neighbours above and to the left. The row above is folded in first, so
    // the chain from one pixel to the next is a single max and min.
    for (int y = 1; y <= h; ++y) {
        float* jr = j + y * stride;
        const float* up = jr - stride;
        const float* mr = m + y * stride;
        float prev = jr[0];
        for (int x = 1; x <= w; ++x) {
            const float u = std::max(std::max(jr[x], up[x - 1]), std::max(up[x], up[x + 1]));
            prev = std::min(std::max(u, prev), mr[x]);
            jr[x] = prev;
        }
    }
    // Anti-raster pass: neighbours below and to the right; pixels that could still raise a
    // neighbour of that half go to the queue.
    std::vector<int> queue;
    auto lowerThan = [&](int q, float v) { return j[q] < v && j[q] < m[q]; };
    for (int y = h; y >= 1; --y) {
        float* jr = j + y * stride;
        const float* dn = jr + stride;
        const float* mr = m + y * stride;
        float next = jr[w + 1];
        for (int x = w; x >= 1; --x) {
            const float u = std::max(std::max(jr[x], dn[x + 1]), std::max(dn[x], dn[x - 1]));
            const float v = std::min(std::max(u, next), mr[x]);
            jr[x] = v;
            next = v;
            const int i = y * stride + x;
            if (lowerThan(i + 1, v) || lowerThan(i + stride, v) || lowerThan(i + stride + 1, v) ||
                lowerThan(i + stride - 1, v))
                queue.push_back(i);
        }
    }
    // Propagation in FIFO order over all eight neighbours.
    const int offsets[8] = {-stride - 1, -stride, -stride + 1, -1, 1, stride - 1, stride, stride + 1};
    for (std::size_t k = 0; k < queue.size(); ++k) {
        const int i = queue[k];
        const float v = j[i];
        for (const int d : offsets) {
            const int q = i + d;
            if (j[q] < v && m[q] != j[q]) {
                j[q] = std::min(v, m[q]);
                queue.push_back(q);
            }
        }
    }
    return jFrame(cv::Rect(1, 1, w, h));
}

void fillHoles(cv::Mat& mask, double maxHoleArea) {
    CV_Assert(mask.type() == CV_8U);
    const int w = mask.cols, h = mask.rows;
    if (w == 0 || h == 0) return;
    // A hole is a 4-connected background component with no pixel on the image border. With a
    // one-pixel background frame, the components that do touch the border are the one of the
    // frame: a span flood from the frame marks them, and what background is left are holes,
    // measured one by one. Same holes as labelling every background component, without
    // labelling the (large) outside.
    constexpr unsigned char kFree = 0, kMask = 1, kOutside = 2, kHole = 3;
    const int stride = w + 2, rows = h + 2;
    std::vector<unsigned char> state(static_cast<std::size_t>(stride) * rows, kFree);
    for (int y = 0; y < h; ++y) {
        const unsigned char* m = mask.ptr<unsigned char>(y);
        unsigned char* s = state.data() + static_cast<std::size_t>(y + 1) * stride + 1;
        for (int x = 0; x < w; ++x) s[x] = m[x] ? kMask : kFree;
    }
    std::vector<cv::Point> seeds{{0, 0}};
    while (!seeds.empty()) {
        const cv::Point p = seeds.back();
        seeds.pop_back();
        unsigned char* row = state.data() + static_cast<std::size_t>(p.y) * stride;
        if (row[p.x] != kFree) continue;
        int l = p.x, r = p.x;
        while (l > 0 && row[l - 1] == kFree) --l;
        while (r + 1 < stride && row[r + 1] == kFree) ++r;
        std::fill(row + l, row + r + 1, kOutside);
        for (const int ny : {p.y - 1, p.y + 1}) {
            if (ny < 0 || ny >= rows) continue;
            const unsigned char* n = state.data() + static_cast<std::size_t>(ny) * stride;
            for (int x = l; x <= r; ++x)
                if (n[x] == kFree && (x == l || n[x - 1] != kFree)) seeds.push_back({x, ny});
        }
    }
    // Holes never touch the frame, so their neighbours are always inside the buffer.
    std::vector<int> hole;
    const int offsets[4] = {-stride, -1, 1, stride};
    for (int y = 1; y <= h; ++y)
        for (int x = 1; x <= w; ++x) {
            const int start = y * stride + x;
            if (state[static_cast<std::size_t>(start)] != kFree) continue;
            hole.assign(1, start);
            state[static_cast<std::size_t>(start)] = kHole;
            for (std::size_t k = 0; k < hole.size(); ++k)
                for (const int d : offsets)
                    if (const int q = hole[k] + d; state[static_cast<std::size_t>(q)] == kFree) {
                        state[static_cast<std::size_t>(q)] = kHole;
                        hole.push_back(q);
                    }
            if (static_cast<double>(hole.size()) < maxHoleArea)
                for (const int i : hole) mask.at<unsigned char>(i / stride - 1, i % stride - 1) = 255;
        }
}

}  // namespace her2::imaging::detail
