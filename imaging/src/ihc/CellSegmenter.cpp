#include "her2/imaging/CellSegmenter.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "ihc/Morphology.hpp"

namespace her2::imaging {
namespace {

// Elevations are quantised into this many levels for a bucket queue: O(pixels) instead of a
// heap's O(pixels log pixels), and ties inside a level stay first-in first-out, so the
// result does not depend on anything but the inputs.
constexpr int kLevels = 1024;

// Entries per block of a level's FIFO (the last one links the next block).
constexpr int kBlock = 256;

}  // namespace

void floodWatershed(cv::Mat& markers, const cv::Mat& elevation, const cv::Mat& allowed,
                    const std::vector<cv::Point2d>& centres, double maxRadius) {
    CV_Assert(elevation.type() == CV_32F);
    double lo = 0, hi = 0;
    if (!elevation.empty()) cv::minMaxLoc(elevation, &lo, &hi);
    detail::floodWatershed(markers, markers, elevation, lo, hi, allowed, centres, maxRadius);
}

namespace detail {

void floodWatershed(const cv::Mat& seeds, cv::Mat& out, const cv::Mat& elevation, double lo, double hi,
                    const cv::Mat& allowed, const std::vector<cv::Point2d>& centres, double maxRadius,
                    int* area) {
    const cv::Mat markers = seeds;  // a header of its own: out may be the same object
    CV_Assert(markers.type() == CV_32S && elevation.type() == CV_32F && markers.size() == elevation.size());
    CV_Assert(allowed.empty() || (allowed.type() == CV_8U && allowed.size() == markers.size()));
    out.create(markers.size(), CV_32S);
    const int w = markers.cols, h = markers.rows;
    if (w == 0 || h == 0) return;
    const double r2 = maxRadius * maxRadius;
    const bool limit = maxRadius > 0 && !centres.empty();

    const double scale = hi > lo ? (kLevels - 1) / (hi - lo) : 0;

    // State on a copy framed by one blocked pixel, so that neighbours are index offsets with
    // no bounds tests: kBlocked (frame, not allowed), L > 0 (labelled or queued for label L:
    // each pixel is queued at most once and takes the label of the first neighbour that
    // reaches it, as in Meyer's flooding), and -2 - level for a free pixel. The level is only
    // ever read when the pixel is queued, so it shares the state word: one 4-byte record
    // per pixel, as the flood visits pixels level by level all over the tile and every
    // separate array would cost a cache miss.
    constexpr int kBlocked = -1;
    const int stride = w + 2;
    const std::size_t n = static_cast<std::size_t>(stride) * static_cast<std::size_t>(h + 2);
    // Flood buffers kept per thread, as the tile scratch images are (detail::kKeptScratchPixels).
    thread_local std::vector<int> keptState, keptQueue;
    std::vector<int> ownState, ownQueue;
    const bool keep = n <= detail::kKeptScratchPixels;
    std::vector<int>& stateBuf = keep ? keptState : ownState;
    std::vector<int>& queueBuf = keep ? keptQueue : ownQueue;
    if (stateBuf.size() < n) stateBuf.resize(n);
    // Each level's FIFO is a chain of blocks of kBlock entries whose last entry holds the
    // offset of the next block: appends and the drain both run sequentially through memory.
    // Blocks are taken in increasing address order; a pixel is queued at most once, so at
    // most n entries plus one partly used block per level.
    const std::size_t queueSize = n + n / (kBlock - 1) + static_cast<std::size_t>(kLevels + 1) * kBlock;
    if (queueBuf.size() < queueSize) queueBuf.resize(queueSize);
    int* const st = stateBuf.data();
    int* const pool = queueBuf.data();
    int* nextBlock = pool;
    std::array<int, kLevels> head;
    std::array<int*, kLevels> write, blockEnd;
    for (int l = 0; l < kLevels; ++l) write[l] = blockEnd[l] = &head[static_cast<std::size_t>(l)];

    int current = 0;
    auto enqueue = [&](int i, int level, int label) {
        st[i] = label;
        const auto l = static_cast<std::size_t>(std::max(current, level));
        if (write[l] == blockEnd[l]) {
            *write[l] = static_cast<int>(nextBlock - pool);
            write[l] = nextBlock;
            blockEnd[l] = nextBlock + (kBlock - 1);
            nextBlock += kBlock;
        }
        *write[l]++ = i;
    };
    // Queues the free 4-neighbours of pixel i in the order left, right, up, down; with a
    // radius limit, only those within it. Queuing one neighbour changes no other's state,
    // so all four are read first.
    const double invStride = 1.0 / stride;
    auto pushNeighbours = [&](int i, int label) {
        const int sl = st[i - 1], sr = st[i + 1], su = st[i - stride], sd = st[i + stride];
        if (!limit) {
            if (sl < kBlocked) enqueue(i - 1, -2 - sl, label);
            if (sr < kBlocked) enqueue(i + 1, -2 - sr, label);
            if (su < kBlocked) enqueue(i - stride, -2 - su, label);
            if (sd < kBlocked) enqueue(i + stride, -2 - sd, label);
            return;
        }
        // Exact: (i + 0.5) / stride never lies within rounding error of an integer.
        const int y = static_cast<int>((i + 0.5) * invStride);
        const int x = i - y * stride;
        // The same operations as a per-neighbour (x - 1 - c.x), (y - 1 - c.y) test.
        const auto& c = centres[static_cast<std::size_t>(label)];
        const double dxl = x - 2 - c.x, dx = x - 1 - c.x, dxr = x - c.x;
        const double dyu = y - 2 - c.y, dy = y - 1 - c.y, dyd = y - c.y;
        const double dx2 = dx * dx, dy2 = dy * dy;
        if (sl < kBlocked && dxl * dxl + dy2 <= r2) enqueue(i - 1, -2 - sl, label);
        if (sr < kBlocked && dxr * dxr + dy2 <= r2) enqueue(i + 1, -2 - sr, label);
        if (su < kBlocked && dx2 + dyu * dyu <= r2) enqueue(i - stride, -2 - su, label);
        if (sd < kBlocked && dx2 + dyd * dyd <= r2) enqueue(i + stride, -2 - sd, label);
    };

    // Rows are filled one row ahead of the seeding scan, which needs the row below and
    // touches nothing further: one pass, in the raster order of a separate scan.
    auto blockRow = [&](int y) { std::fill_n(st + static_cast<std::size_t>(y) * stride, stride, kBlocked); };
    auto fillRow = [&](int y) {  // framed row y, 1..h
        const int* m = markers.ptr<int>(y - 1);
        const float* e = elevation.ptr<float>(y - 1);
        const unsigned char* ok = allowed.empty() ? nullptr : allowed.ptr<unsigned char>(y - 1);
        int* s = st + static_cast<std::size_t>(y) * stride;
        s[0] = s[w + 1] = kBlocked;
        ++s;
        // The level is computed for every pixel, so that both variants vectorise (a
        // conditional float operation does not): levelOf is (e - lo) * scale truncated
        // into [0, kLevels - 1], NaN to 0.
        auto freeState = [lo, scale](float e) {
            double v = (e - lo) * scale;
            v = v > 0 ? v : 0.0;
            v = v < kLevels - 1 ? v : kLevels - 1.0;
            return -2 - static_cast<int>(v);
        };
        if (ok) {
            for (int x = 0; x < w; ++x) {
                const int f = freeState(e[x]);
                const int a = ok[x] ? f : kBlocked;
                s[x] = m[x] > 0 ? m[x] : a;
            }
        } else {
            for (int x = 0; x < w; ++x) {
                const int f = freeState(e[x]);
                s[x] = m[x] > 0 ? m[x] : f;
            }
        }
    };
    blockRow(0);
    fillRow(1);
    for (int y = 1; y <= h; ++y) {
        if (y < h)
            fillRow(y + 1);
        else
            blockRow(h + 1);
        // Seeds from the markers: a queued pixel is labelled in the state already. Most
        // seeds lie inside a seed region, with no free neighbour: those are skipped before
        // their position and distances are worked out.
        const int* m = markers.ptr<int>(y - 1);
        const int row = y * stride;
        for (int x = 1; x <= w; ++x) {
            const int l = m[x - 1];
            if (l <= 0) continue;
            const int i = row + x;
            if (std::min(std::min(st[i - 1], st[i + 1]), std::min(st[i - stride], st[i + stride])) < kBlocked)
                pushNeighbours(i, l);
        }
    }

    constexpr int kAhead = 6;
    for (current = 0; current < kLevels; ++current) {
        const auto c = static_cast<std::size_t>(current);
        if (write[c] == &head[c]) continue;
        // The list may grow while it is drained (pixels at or below the current level).
        const int* r = pool + head[c];
        const int* end = r + (kBlock - 1);
        while (r != write[c]) {
            if (r == end) {
                r = pool + *r;
                end = r + (kBlock - 1);
                continue;
            }
            // Pixels queued a whole wave earlier are mostly out of cache by now: the record
            // and the rows above and below of a pixel a few entries ahead are fetched while
            // this one is handled.
            if (r + kAhead < end && r + kAhead < write[c]) {
                const int s = r[kAhead];
                __builtin_prefetch(st + s);
                __builtin_prefetch(st + s - stride);
                __builtin_prefetch(st + s + stride);
            }
            const int i = *r++;
            pushNeighbours(i, st[i]);
        }
    }
    for (int y = 0; y < h; ++y) {
        int* m = out.ptr<int>(y);
        const int* s = st + static_cast<std::size_t>(y + 1) * stride + 1;
        if (area) {
            for (int x = 0; x < w; ++x) {
                m[x] = std::max(s[x], 0);
                if (m[x] > 0) ++area[m[x]];
            }
        } else {
            for (int x = 0; x < w; ++x) m[x] = std::max(s[x], 0);
        }
    }
}

void chamferDistanceL2Mask3(const cv::Mat& image, cv::Mat& dst) {
    CV_Assert(image.type() == CV_8U);
    const cv::Mat src = image;  // a header of its own: dst may be the same object
    const int w = src.cols, h = src.rows;
    // OpenCV's two raster passes in the same fixed point (16 fractional bits), reordered: the
    // terms from the row above (below) are independent and vectorise; only the left (right)
    // neighbour forms a chain. With a zero pixel and w + h <= 4096, every distance stays
    // below 4096 diagonal steps, under both OpenCV's frame value and ours, so the frame never
    // wins a minimum and the results agree bit for bit. Other images go to OpenCV.
    if (w == 0 || h == 0 || w + h > 4096) {
        cv::distanceTransform(src, dst, cv::DIST_L2, cv::DIST_MASK_3);
        return;
    }
    const int hv = cvRound(0.955f * (1 << 16));
    const int diag = cvRound(1.3693f * (1 << 16));
    const float scale = 1.f / (1 << 16);
    constexpr int kFar = 1 << 30;
    dst.create(src.size(), CV_32F);
    // Rows 0 and h + 1 and columns 0 and w + 1 are the frame.
    const int stride = w + 2;
    thread_local std::vector<int> kept;
    std::vector<int> own;
    std::vector<int>& t = static_cast<std::size_t>(stride) * (h + 2) <= kKeptScratchPixels ? kept : own;
    if (t.size() < static_cast<std::size_t>(stride) * (h + 2))
        t.resize(static_cast<std::size_t>(stride) * (h + 2));
    std::fill_n(t.begin(), stride, kFar);
    std::fill_n(t.begin() + static_cast<std::ptrdiff_t>(h + 1) * stride, stride, kFar);
    bool anyZero = false;
    for (int y = 1; y <= h; ++y) {
        const unsigned char* s = src.ptr<unsigned char>(y - 1);
        const int* up = t.data() + static_cast<std::size_t>(y - 1) * stride + 1;
        int* row = t.data() + static_cast<std::size_t>(y) * stride + 1;
        row[-1] = row[w] = kFar;
        for (int x = 0; x < w; ++x) {
            const int v = std::min({up[x - 1] + diag, up[x] + hv, up[x + 1] + diag});
            row[x] = s[x] ? v : 0;
        }
        int left = kFar;
        for (int x = 0; x < w; ++x) row[x] = left = std::min(row[x], left + hv);
        anyZero = anyZero || std::find(s, s + w, 0) != s + w;
    }
    if (!anyZero) {
        cv::distanceTransform(src, dst, cv::DIST_L2, cv::DIST_MASK_3);
        return;
    }
    // OpenCV skips a pixel at or below one step here; taking the minimum anyway changes
    // nothing, as every other term is at least one step.
    for (int y = h; y >= 1; --y) {
        const int* down = t.data() + static_cast<std::size_t>(y + 1) * stride + 1;
        int* row = t.data() + static_cast<std::size_t>(y) * stride + 1;
        for (int x = 0; x < w; ++x)
            row[x] = std::min({row[x], down[x + 1] + diag, down[x] + hv, down[x - 1] + diag});
        float* d = dst.ptr<float>(y - 1);
        int right = kFar;
        for (int x = w - 1; x >= 0; --x) {
            row[x] = right = std::min(row[x], right + hv);
            d[x] = static_cast<float>(right) * scale;
        }
    }
}

}  // namespace detail

cv::Mat CellSegmenter::segment(const NucleusLabels& nuclei, const cv::Mat& dab,
                               const cv::Mat& allowed) const {
    const cv::Mat& labels = nuclei.labels;
    if (nuclei.count == 0) return labels.clone();
    const double px = 1.0 / m_mpp;

    // Nucleus centroids bound the territory.
    std::vector<cv::Point2d> centres(static_cast<std::size_t>(nuclei.count) + 1);
    std::vector<double> n(centres.size(), 0);
    // One update per horizontal run of a label: sums of integer coordinates are exact in
    // double, so they equal the pixel-by-pixel sums.
    for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        for (int x = 0; x < labels.cols;) {
            int e = x + 1;
            while (e < labels.cols && l[e] == l[x]) ++e;
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
    // Per-thread images (see detail::kKeptScratchPixels).
    thread_local cv::Mat elevation, dist, notNucleus, ok;
    const detail::ScratchRelease scratch(labels.total(), {&elevation, &dist, &notNucleus, &ok});
    cv::GaussianBlur(dab, elevation, cv::Size(), std::max(0.5, 0.5 * px));
    // Membranes stronger than 3+ add nothing to the border position; clipping keeps the
    // quantised elevation fine where it matters.
    cv::compare(labels, 0, notNucleus, cv::CMP_EQ);
    detail::chamferDistanceL2Mask3(notNucleus, dist);
    // Clipping, the distance term, the elevation range and the allowed mask (tissue or
    // nucleus) in one pass; the float operations are those of cv::min, Mat * double and +=.
    const float perPx = static_cast<float>(0.01 / px);
    if (allowed.empty())
        ok.release();
    else
        ok.create(allowed.size(), CV_8U);
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (int y = 0; y < elevation.rows; ++y) {
        float* e = elevation.ptr<float>(y);
        const float* d = dist.ptr<float>(y);
        for (int x = 0; x < elevation.cols; ++x) e[x] = std::min(e[x], 1.f) + d[x] * perPx;
        detail::foldMinMax(e, elevation.cols, lo, hi);
        if (ok.empty()) continue;
        const unsigned char* a = allowed.ptr<unsigned char>(y);
        const unsigned char* free = notNucleus.ptr<unsigned char>(y);
        unsigned char* o = ok.ptr<unsigned char>(y);
        for (int x = 0; x < ok.cols; ++x) o[x] = free[x] ? a[x] : 255;
    }
    // The result of the previous tile is reused once its holders let go of it: a fresh
    // tile-sized allocation page-faults its memory back in on every tile.
    thread_local cv::Mat kept;
    cv::Mat cells = detail::reusedImage(kept, labels.size(), CV_32S);
    detail::floodWatershed(labels, cells, elevation, lo, hi, ok, centres, m_params.maxCellRadiusUm * px);
    return cells;
}

}  // namespace her2::imaging
