#include "ihc/Morphology.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace her2::imaging::detail {

namespace {

// Frames of the last image, kept per thread (see kKeptScratchPixels); larger images get frames
// of their own.

/// A CV_32F rows x cols frame for slot 0 or 1; reused unless a caller still holds a view of it.
cv::Mat frameFor(int slot, int rows, int cols) {
    thread_local cv::Mat kept[2];
    return reusedImage(kept[slot], cv::Size(cols, rows), CV_32F);
}

/// Vincent's reconstruction on frames whose interior rows `fill(y, j, m)` writes (j: marker
/// clamped to the mask, m: mask; row y of the image).
template <class Fill>
cv::Mat reconstructFramed(int w, int h, Fill fill) {
    // Vincent's hybrid algorithm (IEEE TIP 1993): one raster and one anti-raster pass settle
    // most pixels, a FIFO queue finishes the rest. Same result as dilating to stability, in
    // a few passes instead of one full-image dilation per pixel of the longest geodesic path.
    // Working copies framed by one pixel of -inf in both: a frame pixel never raises a
    // neighbour and, equal to its own limit, is never raised or queued, so neighbours are
    // plain index offsets with no bounds tests. The result is a view of the interior.
    constexpr float kLow = -std::numeric_limits<float>::infinity();
    const int stride = w + 2;
    cv::Mat jFrame = frameFor(0, h + 2, stride), mFrame = frameFor(1, h + 2, stride);
    float* j = jFrame.ptr<float>();
    float* m = mFrame.ptr<float>();
    std::fill_n(j, stride, kLow);
    std::fill_n(m, stride, kLow);
    std::fill_n(j + static_cast<std::size_t>(h + 1) * stride, stride, kLow);
    std::fill_n(m + static_cast<std::size_t>(h + 1) * stride, stride, kLow);
    for (int y = 0; y < h; ++y) {
        float* jr = j + static_cast<std::size_t>(y + 1) * stride;
        float* mr = m + static_cast<std::size_t>(y + 1) * stride;
        jr[0] = mr[0] = jr[w + 1] = mr[w + 1] = kLow;
        fill(y, jr + 1, mr + 1);
    }

    // Raster pass: neighbours above and to the left. The row above is folded in first, so
    // the chain from one pixel to the next is a single max and min. That chain is a latency
    // bound, so kRows rows run as a wavefront, each two pixels behind the row above it (whose
    // pixel x + 1 it reads): independent chains, the very same operations per pixel.
    constexpr int kRows = 4;
    for (int y0 = 1; y0 <= h; y0 += kRows) {
        const int rows = std::min(kRows, h + 1 - y0);
        float prev[kRows];
        for (int r = 0; r < rows; ++r) prev[r] = j[(y0 + r) * stride];
        auto step = [&](int r, int x) {
            float* jr = j + (y0 + r) * stride;
            const float* up = jr - stride;
            const float u = std::max(std::max(jr[x], up[x - 1]), std::max(up[x], up[x + 1]));
            prev[r] = std::min(std::max(u, prev[r]), m[(y0 + r) * stride + x]);
            jr[x] = prev[r];
        };
        const int lag = 2 * (rows - 1);
        for (int t = 1; t <= w + lag; ++t) {
            if (rows == kRows && t > lag && t <= w) {  // every row inside: no bounds tests
                step(0, t);
                step(1, t - 2);
                step(2, t - 4);
                step(3, t - 6);
                continue;
            }
            for (int r = 0; r < rows; ++r)
                if (const int x = t - 2 * r; x >= 1 && x <= w) step(r, x);
        }
    }
    // Anti-raster pass: neighbours below and to the right; pixels that could still raise a
    // neighbour of that half go to the queue. The same wavefront, mirrored: a pixel is tested
    // once its right neighbour and the three below are final, as in row order, so the same
    // pixels are queued (in another order, which the unique result does not depend on).
    thread_local std::vector<int> queue;
    queue.clear();
    auto lowerThan = [&](int q, float v) { return j[q] < v && j[q] < m[q]; };
    for (int y0 = h; y0 >= 1; y0 -= kRows) {
        const int rows = std::min(kRows, y0);
        float next[kRows];
        for (int r = 0; r < rows; ++r) next[r] = j[(y0 - r) * stride + w + 1];
        auto step = [&](int r, int x) {
            const int i = (y0 - r) * stride + x;
            const float* dn = j + i + stride;
            const float u = std::max(std::max(j[i], dn[1]), std::max(dn[0], dn[-1]));
            const float v = std::min(std::max(u, next[r]), m[i]);
            j[i] = v;
            next[r] = v;
            if (lowerThan(i + 1, v) || lowerThan(i + stride, v) || lowerThan(i + stride + 1, v) ||
                lowerThan(i + stride - 1, v))
                queue.push_back(i);
        };
        const int lag = 2 * (rows - 1);
        for (int t = 1; t <= w + lag; ++t) {
            const int x = w + 1 - t;
            if (rows == kRows && t > lag && t <= w) {
                step(0, x);
                step(1, x + 2);
                step(2, x + 4);
                step(3, x + 6);
                continue;
            }
            for (int r = 0; r < rows; ++r)
                if (const int xr = x + 2 * r; xr >= 1 && xr <= w) step(r, xr);
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
    if (static_cast<std::size_t>(w) * static_cast<std::size_t>(h) > kKeptScratchPixels)
        std::vector<int>().swap(queue);
    return jFrame(cv::Rect(1, 1, w, h));
}

}  // namespace

cv::Mat reconstructByDilation(const cv::Mat& marker, const cv::Mat& mask) {
    CV_Assert(marker.type() == CV_32F && mask.type() == CV_32F && marker.size() == mask.size());
    const int w = marker.cols, h = marker.rows;
    if (w == 0 || h == 0) return cv::min(marker, mask);
    return reconstructFramed(w, h, [&](int y, float* jr, float* mr) {
        const float* a = marker.ptr<float>(y);
        const float* b = mask.ptr<float>(y);
        for (int x = 0; x < w; ++x) {
            jr[x] = std::min(a[x], b[x]);
            mr[x] = b[x];
        }
    });
}

cv::Mat reconstructByDilation(const cv::Mat& mask, float depth) {
    CV_Assert(mask.type() == CV_32F);
    const int w = mask.cols, h = mask.rows;
    if (w == 0 || h == 0) return mask.clone();
    return reconstructFramed(w, h, [&](int y, float* jr, float* mr) {
        const float* b = mask.ptr<float>(y);
        for (int x = 0; x < w; ++x) {
            jr[x] = std::min(b[x] - depth, b[x]);
            mr[x] = b[x];
        }
    });
}

void fillHoles(cv::Mat& mask, double maxHoleArea) {
    CV_Assert(mask.type() == CV_8U);
    const int w = mask.cols, h = mask.rows;
    if (w == 0 || h == 0) return;
    // A hole is a 4-connected background component with no pixel on the image border. The
    // background comes in horizontal runs; runs of adjacent rows that share a column are
    // joined (union-find), each component keeping its area and whether it reaches the
    // border. Same holes as labelling every background pixel, in work per run.
    struct Run {
        int y, x0, x1;  // [x0, x1) of row y
    };
    thread_local std::vector<Run> runs;
    thread_local std::vector<int> parent;
    thread_local std::vector<std::int64_t> area;  // of the component, at its root
    thread_local std::vector<unsigned char> border;
    runs.clear();
    parent.clear();
    area.clear();
    border.clear();
    auto find = [&](int r) {
        while (parent[static_cast<std::size_t>(r)] != r) {
            const int up = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(r)])];
            parent[static_cast<std::size_t>(r)] = up;
            r = up;
        }
        return r;
    };
    std::size_t prevBegin = 0, prevEnd = 0;
    for (int y = 0; y < h; ++y) {
        const unsigned char* m = mask.ptr<unsigned char>(y);
        const std::size_t rowBegin = runs.size();
        std::size_t p = prevBegin;
        int x = 0;
        while (x < w) {
            while (x < w && m[x]) ++x;
            if (x == w) break;
            const int start = x;
            // Background runs are long: eight pixels at a time while they are all zero.
            std::uint64_t word = 0;
            while (x + 8 <= w && (std::memcpy(&word, m + x, 8), word == 0)) x += 8;
            while (x < w && !m[x]) ++x;
            const int r = static_cast<int>(runs.size());
            runs.push_back({y, start, x});
            parent.push_back(r);
            area.push_back(x - start);
            border.push_back(start == 0 || x == w || y == 0 || y == h - 1);
            while (p < prevEnd && runs[p].x1 <= start) ++p;
            for (std::size_t q = p; q < prevEnd && runs[q].x0 < x; ++q) {
                const int a = find(r), b = find(static_cast<int>(q));
                if (a == b) continue;
                const int root = std::min(a, b), other = std::max(a, b);
                parent[static_cast<std::size_t>(other)] = root;
                area[static_cast<std::size_t>(root)] += area[static_cast<std::size_t>(other)];
                border[static_cast<std::size_t>(root)] |= border[static_cast<std::size_t>(other)];
            }
        }
        prevBegin = rowBegin;
        prevEnd = runs.size();
    }
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const auto root = static_cast<std::size_t>(find(static_cast<int>(r)));
        if (border[root] || static_cast<double>(area[root]) >= maxHoleArea) continue;
        unsigned char* m = mask.ptr<unsigned char>(runs[r].y);
        std::fill(m + runs[r].x0, m + runs[r].x1, static_cast<unsigned char>(255));
    }
    if (static_cast<std::size_t>(w) * static_cast<std::size_t>(h) > kKeptScratchPixels) {
        std::vector<Run>().swap(runs);
        std::vector<int>().swap(parent);
        std::vector<std::int64_t>().swap(area);
        std::vector<unsigned char>().swap(border);
    }
}

namespace {

// The column pass of distanceTransformPrecise by rows: distance to the nearest zero above
// (cap: none) from the row above, ...
__attribute__((target_clones("avx2", "default"))) void zeroAbove(const unsigned char* __restrict s,
                                                                 const int* __restrict prev,
                                                                 int* __restrict up, int w, int cap) {
    for (int x = 0; x < w; ++x) up[x] = s[x] ? std::min(prev[x] + 1, cap) : 0;
}

// ... and, bottom-up, to the nearest zero below, then OpenCV's column value: the squared
// distance to the nearest zero (exact in float below 4096) or 1e15 where there is none.
__attribute__((target_clones("avx2", "default"))) void columnDistance(const unsigned char* __restrict s,
                                                                      int* __restrict down,
                                                                      const int* __restrict up,
                                                                      float* __restrict f, int w, int cap) {
    for (int x = 0; x < w; ++x) {
        down[x] = s[x] ? std::min(down[x] + 1, cap) : 0;
        const int c = std::min(up[x], down[x]);
        const float cf = static_cast<float>(c);
        f[x] = c < cap ? cf * cf : 1e15f;
    }
}

}  // namespace

void distanceTransformPrecise(const cv::Mat& mask, cv::Mat& dst) {
    CV_Assert(mask.type() == CV_8U);
    const cv::Mat src = mask;  // a header of its own: dst may be the same object
    const int w = src.cols, h = src.rows;
    // Up to 2048 px, the sums of squares below are exact in float, which the argument for
    // running the envelope by runs needs; larger images go to OpenCV.
    if (w == 0 || h == 0 || w > 2048 || h > 2048) {
        cv::distanceTransform(src, dst, cv::DIST_L2, cv::DIST_MASK_PRECISE);
        return;
    }
    dst.create(src.size(), CV_32F);
    // Stage 1, OpenCV's column pass by rows: the squared distance to the nearest zero of the
    // column, or OpenCV's 1e15 where the column has none. The distance to the nearest zero
    // above (h: none) is parked in dst as int; the bottom-up sweep completes each row and
    // runs stage 2 on it while it is in cache.
    {
        const unsigned char* s = src.ptr<unsigned char>(0);
        int* up = reinterpret_cast<int*>(dst.ptr<float>(0));
        for (int x = 0; x < w; ++x) up[x] = s[x] ? h : 0;
    }
    for (int y = 1; y < h; ++y)
        zeroAbove(src.ptr<unsigned char>(y), reinterpret_cast<const int*>(dst.ptr<float>(y - 1)),
                  reinterpret_cast<int*>(dst.ptr<float>(y)), w, h);
    thread_local std::vector<int> downBuf, sites;
    thread_local std::vector<float> fBuf, bounds, sqrBuf, invBuf;
    downBuf.assign(static_cast<std::size_t>(w), h);
    fBuf.resize(static_cast<std::size_t>(w));
    sites.resize(static_cast<std::size_t>(w) + 1);
    bounds.resize(static_cast<std::size_t>(w) + 2);
    sqrBuf.resize(static_cast<std::size_t>(std::max(w, h)));
    invBuf.resize(static_cast<std::size_t>(w));
    for (std::size_t i = 0; i < sqrBuf.size(); ++i) sqrBuf[i] = static_cast<float>(i * i);
    for (int i = 1; i < w; ++i) invBuf[static_cast<std::size_t>(i)] = static_cast<float>(0.5 / i);
    int* down = downBuf.data();
    float* f = fBuf.data();
    int* v = sites.data();
    float* z = bounds.data();
    const float* sqr = sqrBuf.data();
    const float* inv = invBuf.data();
    constexpr float kInf = 1e15f;
    for (int y = h - 1; y >= 0; --y) {
        const unsigned char* s = src.ptr<unsigned char>(y);
        float* d = dst.ptr<float>(y);
        columnDistance(s, down, reinterpret_cast<const int*>(d), f, w, h);
        // Stage 2. A zero pixel's parabola is never removed from OpenCV's envelope by a later
        // one (their intersection lies beyond it) and hides every earlier one beyond it, so
        // the envelope over a run of nonzero pixels depends only on the sites from the zero
        // before the run to the zero after it: the same operations as over the whole row.
        for (int a = 0; a < w;) {
            if (!s[a]) {  // sqrt(0 + 0); zero runs are long, eight pixels at a time
                int b = a + 1;
                std::uint64_t word = 0;
                while (b + 8 <= w && (std::memcpy(&word, s + b, 8), word == 0)) b += 8;
                while (b < w && !s[b]) ++b;
                std::fill(d + a, d + b, 0.f);
                a = b;
                continue;
            }
            int b = a + 1;
            while (b < w && s[b]) ++b;
            const int first = a > 0 ? a - 1 : 0, last = b < w ? b : w - 1;
            int k = 0;
            v[0] = first;
            z[0] = -kInf;
            z[1] = kInf;
            for (int q = first + 1; q <= last; ++q) {
                const float fq = f[q];
                for (;; --k) {
                    const int p = v[k];
                    const float t = (fq + sqr[q] - f[p] - sqr[p]) * inv[q - p];
                    if (t > z[k]) {
                        ++k;
                        v[k] = q;
                        z[k] = t;
                        z[k + 1] = kInf;
                        break;
                    }
                }
            }
            k = 0;
            for (int q = a; q < b; ++q) {
                while (z[k + 1] < static_cast<float>(q)) ++k;
                const int p = v[k];
                d[q] = std::sqrt(sqr[std::abs(q - p)] + f[p]);
            }
            a = b;
        }
    }
}

namespace {

// Element-wise min and max of rows; exact in any vector width, so they are built for AVX2
// too and picked at load time.
__attribute__((target_clones("avx2", "default"))) void minOf(float* __restrict out, const float* __restrict a,
                                                             const float* __restrict b, int n) {
    for (int i = 0; i < n; ++i) out[i] = std::min(a[i], b[i]);
}
__attribute__((target_clones("avx2", "default"))) void maxOf(float* __restrict out, const float* __restrict a,
                                                             const float* __restrict b, int n) {
    for (int i = 0; i < n; ++i) out[i] = std::max(a[i], b[i]);
}
__attribute__((target_clones("avx2", "default"))) void minInto(float* __restrict a, const float* __restrict b,
                                                               int n) {
    for (int i = 0; i < n; ++i) a[i] = std::min(a[i], b[i]);
}
__attribute__((target_clones("avx2", "default"))) void maxInto(float* __restrict a, const float* __restrict b,
                                                               int n) {
    for (int i = 0; i < n; ++i) a[i] = std::max(a[i], b[i]);
}

struct Min {
    static constexpr float kPad = std::numeric_limits<float>::infinity();
    static void of(float* out, const float* a, const float* b, int n) { minOf(out, a, b, n); }
    static void into(float* a, const float* b, int n) { minInto(a, b, n); }
};
struct Max {
    static constexpr float kPad = -std::numeric_limits<float>::infinity();
    static void of(float* out, const float* a, const float* b, int n) { maxOf(out, a, b, n); }
    static void into(float* a, const float* b, int n) { maxInto(a, b, n); }
};

/// Min (Op = Min) or max over the (2r + 1)^2 window clipped to the image, src to dst
/// (CV_32F, distinct). Both are exact in any order, so the window is covered by doubling:
/// after the pass of span s every value covers 2s pixels, and two overlapping windows of the
/// largest power of two p <= 2r + 1 cover the window; first along rows, then along columns,
/// on copies padded by r with a value that never wins.
template <class Op>
void rectExtremum(const cv::Mat& src, cv::Mat& dst, int r) {
    const int w = src.cols, h = src.rows, k = 2 * r + 1;
    int p = 1;
    while (2 * p <= k) p *= 2;
    const int stride = w, rows = h + 2 * r;
    thread_local std::vector<float> padded, line, spare;
    padded.resize(static_cast<std::size_t>(rows) * stride);
    line.resize(static_cast<std::size_t>(w + 2 * r));
    spare.resize(static_cast<std::size_t>(w + 2 * r));
    float* t = padded.data();
    std::fill_n(t, static_cast<std::size_t>(r) * stride, Op::kPad);
    std::fill_n(t + static_cast<std::size_t>(r + h) * stride, static_cast<std::size_t>(r) * stride, Op::kPad);
    const int len = w + 2 * r;
    for (int y = 0; y < h; ++y) {
        float* a = line.data();
        float* b = spare.data();
        std::fill_n(a, r, Op::kPad);
        std::copy_n(src.ptr<float>(y), w, a + r);
        std::fill_n(a + r + w, r, Op::kPad);
        int valid = len;  // a[x] covers [x, x + span) for x < valid
        for (int span = 1; span < p; span *= 2) {
            valid -= span;
            Op::of(b, a, a + span, valid);
            std::swap(a, b);
        }
        Op::of(t + static_cast<std::size_t>(y + r) * stride, a, a + (k - p), w);
    }
    // Columns: the same doubling on whole rows, in place (row y only reads rows below it).
    int valid = rows;
    for (int span = 1; span < p; span *= 2) {
        valid -= span;
        for (int y = 0; y < valid; ++y) {
            float* row = t + static_cast<std::size_t>(y) * stride;
            Op::into(row, row + static_cast<std::size_t>(span) * stride, w);
        }
    }
    dst.create(src.size(), CV_32F);
    for (int y = 0; y < h; ++y) {
        const float* row = t + static_cast<std::size_t>(y) * stride;
        Op::of(dst.ptr<float>(y), row, row + static_cast<std::size_t>(k - p) * stride, w);
    }
    if (padded.size() > kKeptScratchPixels) std::vector<float>().swap(padded);
}

}  // namespace

void openRect(const cv::Mat& src, cv::Mat& dst, int radius) {
    CV_Assert(src.type() == CV_32F && radius >= 0);
    if (src.empty()) {
        dst.create(src.size(), CV_32F);
        return;
    }
    thread_local cv::Mat eroded;
    const ScratchRelease scratch(src.total(), {&eroded});
    rectExtremum<Min>(src, eroded, radius);
    rectExtremum<Max>(eroded, dst, radius);
}

void outerContour(const cv::Mat& labels, int label, cv::Point start, std::vector<cv::Point>& contour) {
    CV_Assert(labels.type() == CV_32S);
    // Suzuki's border following as OpenCV runs it on the outer border of a component: the
    // same start, the same initial search (clockwise from the left neighbour) and the same
    // counter-clockwise neighbour scan, on the label test instead of a cropped 0/1 mask.
    // Directions 0..7: right, up-right, up, up-left, left, down-left, down, down-right.
    static constexpr int kDx[8] = {1, 1, 0, -1, -1, -1, 0, 1};
    static constexpr int kDy[8] = {0, -1, -1, -1, 0, 1, 1, 1};
    const int w = labels.cols, h = labels.rows;
    const auto step = static_cast<std::ptrdiff_t>(labels.step1());
    const int* base = labels.ptr<int>();
    auto inside = [&](int x, int y) {
        return static_cast<unsigned>(x) < static_cast<unsigned>(w) &&
               static_cast<unsigned>(y) < static_cast<unsigned>(h) && base[y * step + x] == label;
    };
    contour.clear();
    int s = 4;
    do {
        s = (s - 1) & 7;
        if (inside(start.x + kDx[s], start.y + kDy[s])) break;
    } while (s != 4);
    if (s == 4) {  // a single pixel: the start's left neighbour is never in the region
        contour.push_back(start);
        return;
    }
    const cv::Point second(start.x + kDx[s], start.y + kDy[s]);
    cv::Point p = start;
    for (;;) {
        const int sEnd = s;
        cv::Point q;
        do {
            s = (s + 1) & 7;
            q = {p.x + kDx[s], p.y + kDy[s]};
        } while (!inside(q.x, q.y) && s != sEnd);
        contour.push_back(p);
        if (q == start && p == second) break;
        p = q;
        s = (s + 4) & 7;
    }
}

double clearRadius(const cv::Mat& labels, int label, cv::Point2d centre, double reach) {
    CV_Assert(labels.type() == CV_32SC1);
    const double cx = centre.x, cy = centre.y;
    const int px0 = static_cast<int>(std::lround(cx)), py0 = static_cast<int>(std::lround(cy));
    double best2 = std::numeric_limits<double>::infinity();
    auto visit = [&](int x, int y) {
        if (x >= 0 && y >= 0 && x < labels.cols && y < labels.rows && labels.ptr<int>(y)[x] == label) return;
        best2 = std::min(best2, (x - cx) * (x - cx) + (y - cy) * (y - cy));
    };
    // Square rings around the centre's pixel: ring d lies at least d - 0.5 from the centre,
    // so the search ends once that exceeds the nearest distance found.
    const double last = std::floor(std::max(0.0, reach)) + 2;
    visit(px0, py0);
    for (int d = 1; d <= last && (d - 0.5) * (d - 0.5) <= best2; ++d) {
        for (int x = px0 - d; x <= px0 + d; ++x) {
            visit(x, py0 - d);
            visit(x, py0 + d);
        }
        for (int y = py0 - d + 1; y < py0 + d; ++y) {
            visit(px0 - d, y);
            visit(px0 + d, y);
        }
    }
    return std::sqrt(best2);
}

}  // namespace her2::imaging::detail
