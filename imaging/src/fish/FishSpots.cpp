// FISH signals of one probe channel: DoG detection with a noise-adaptive threshold, merge of
// split signals, integration of each signal's footprint, cluster estimation.
//
// Speed (target: a 2048 x 2048 field, three channels, in 250 ms on one core): no image at
// full resolution is allocated. Filling a fresh 16 MB buffer costs more in first-touch page
// faults than the filtering that writes it, so the DoG is computed in bands of rows into small
// reused buffers, in one pass that gathers the noise sample, the local maxima and the
// background's low-resolution image; the smoothed image a footprint is flooded over is
// computed again in a window around its signal, and footprint ownership is looked up through
// a coarse grid instead of a field-sized label image. The results are the same as computing
// on the whole field.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>

#include <opencv2/imgproc.hpp>

#include "Select.hpp"
#include "fish/FishDetail.hpp"

namespace her2::imaging::fish {

namespace {

/// Rows per DoG band: large enough that the halo the blurs need stays a small overhead,
/// small enough that the band buffers stay in cache.
constexpr int kBandRows = 64;

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

int oddKernel(double sigma) {
    return 2 * static_cast<int>(std::ceil(3 * sigma)) + 1;
}

struct Peak {
    double x = 0, y = 0;
    double amplitude = 0;  ///< smoothed value above the local background
};

/// Bilinear sample of a low-resolution map at a field pixel.
class LowResMap {
public:
    LowResMap(cv::Mat map, double fx, double fy) : m_map(std::move(map)), m_fx(fx), m_fy(fy) {}
    double at(double x, double y) const noexcept {
        const double lx = std::clamp((x + 0.5) / m_fx - 0.5, 0.0, m_map.cols - 1.0);
        const double ly = std::clamp((y + 0.5) / m_fy - 0.5, 0.0, m_map.rows - 1.0);
        const int x0 = static_cast<int>(lx), y0 = static_cast<int>(ly);
        const int x1 = std::min(x0 + 1, m_map.cols - 1), y1 = std::min(y0 + 1, m_map.rows - 1);
        const double tx = lx - x0, ty = ly - y0;
        const double a = m_map.at<float>(y0, x0), b = m_map.at<float>(y0, x1);
        const double c = m_map.at<float>(y1, x0), d = m_map.at<float>(y1, x1);
        return (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }

private:
    cv::Mat m_map;
    double m_fx, m_fy;
};

template <typename T>
void loadReflectedAs(const cv::Mat& channel, cv::Rect area, float scale, cv::Mat& dst) {
    const int W = channel.cols, H = channel.rows;
    const int in0 = std::clamp(area.x, 0, W), in1 = std::clamp(area.x + area.width, 0, W);
    for (int r = 0; r < area.height; ++r) {
        const T* s = channel.ptr<T>(cv::borderInterpolate(area.y + r, H, cv::BORDER_REFLECT));
        float* d = dst.ptr<float>(r) - area.x;  // indexed by field column
        for (int x = area.x; x < in0; ++x)
            d[x] = static_cast<float>(s[cv::borderInterpolate(x, W, cv::BORDER_REFLECT)]) * scale;
        for (int x = in0; x < in1; ++x) d[x] = static_cast<float>(s[x]) * scale;
        for (int x = in1; x < area.x + area.width; ++x)
            d[x] = static_cast<float>(s[cv::borderInterpolate(x, W, cv::BORDER_REFLECT)]) * scale;
    }
}

/// The channel over `area` (which may reach past the field) as float times `scale`, pixels
/// outside the field mirrored as cv::BORDER_REFLECT mirrors them: what a blur of the whole
/// field reads there. dst must be CV_32F of area's size.
void loadReflected(const cv::Mat& channel, cv::Rect area, float scale, cv::Mat& dst) {
    if (channel.depth() == CV_8U)
        loadReflectedAs<std::uint8_t>(channel, area, scale, dst);
    else
        loadReflectedAs<std::uint16_t>(channel, area, scale, dst);
}

/// Gaussian kernels of the DoG, as cv::GaussianBlur builds them for a float image.
struct DogKernels {
    explicit DogKernels(double s)
        : sigma(s),
          k1(cv::getGaussianKernel(oddKernel(s), s, CV_32F)),
          k2(cv::getGaussianKernel(oddKernel(2 * s), 2 * s, CV_32F)) {}
    int radius1() const noexcept { return k1.rows / 2; }
    int radius2() const noexcept { return k2.rows / 2; }
    double sigma;  ///< of k1, px; k2 has twice this
    cv::Mat k1, k2;
};

/// Blur of `padded(inner)` where the margins of `padded` around `inner` hold at least the
/// kernel radius of field (or mirrored) pixels. OpenCV reads pixels around a region of
/// interest as its surroundings (only as far as the kernel radius, so what lies in the buffer
/// beyond the margins does not matter): the result equals that of blurring the whole field.
void blurInside(const cv::Mat& padded, cv::Rect inner, const cv::Mat& kernel, cv::Mat& dst) {
    cv::sepFilter2D(padded(inner), dst, CV_32F, kernel, kernel, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
}

/// One band of the DoG of a channel.
struct DogBand {
    int y0 = 0, y1 = 0;  ///< field rows of the band
    int first = 0;       ///< field row of row 0 of g1 and dog: y0 - 1, or 0 at the top
    cv::Mat img;         ///< field rows y0 .. y1 - 1 as float (1 = full scale)
    cv::Mat g1, dog;     ///< the band and one row of context above and below (within the field)
};

/// The DoG band-pass of a channel, produced in bands of kBandRows rows into reused buffers.
class DogBands {
public:
    DogBands(const cv::Mat& channel, const DogKernels& kernels, float scale)
        : m_channel(channel), m_kernels(kernels), m_scale(scale), m_pad(kernels.radius2()) {
        const int rows = kBandRows + 2;  // one row of context above and below for the 3 x 3 peaks
        m_padded.create(rows + 2 * m_pad, channel.cols + 2 * m_pad, CV_32F);
        m_g1.create(rows, channel.cols, CV_32F);
        m_dog.create(rows, channel.cols, CV_32F);
    }

    /// Calls visit(const DogBand&) for the bands top to bottom.
    template <class Visit>
    void forEach(Visit&& visit) {
        const int W = m_channel.cols, H = m_channel.rows;
        for (int y0 = 0; y0 < H; y0 += kBandRows) {
            const int y1 = std::min(H, y0 + kBandRows);
            const int o0 = std::max(0, y0 - 1), o1 = std::min(H, y1 + 1);
            const cv::Rect area(-m_pad, o0 - m_pad, W + 2 * m_pad, o1 - o0 + 2 * m_pad);
            cv::Mat padded = m_padded(cv::Rect(0, 0, area.width, area.height));
            loadReflected(m_channel, area, m_scale, padded);
            const cv::Rect inner(m_pad, m_pad, W, o1 - o0);
            cv::Mat g1 = m_g1.rowRange(0, o1 - o0), dog = m_dog.rowRange(0, o1 - o0);
            blurInside(padded, inner, m_kernels.k1, g1);
            blurInside(padded, inner, m_kernels.k2, dog);
            cv::subtract(g1, dog, dog);
            visit(DogBand{y0, y1, o0, padded(cv::Rect(m_pad, m_pad + y0 - o0, W, y1 - y0)), g1, dog});
        }
    }

private:
    const cv::Mat& m_channel;
    const DogKernels& m_kernels;
    float m_scale;
    int m_pad;
    cv::Mat m_padded, m_g1, m_dog;
};

/// Area-average downscaling as cv::INTER_AREA does it (each destination pixel the mean of the
/// source over its footprint, border pixels weighted by the fraction covered), fed one source
/// row at a time so the source never has to exist as a whole float image. The sums run in
/// cv::resize's order, so for a non-integer scale the result is the same to the bit.
class AreaDownscaler {
public:
    AreaDownscaler(cv::Size src, cv::Size dst)
        : m_x(spans(src.width, dst.width)),
          m_y(spans(src.height, dst.height)),
          m_row(static_cast<std::size_t>(dst.width)),
          m_dst(dst, CV_32F, cv::Scalar(0)) {
        // Per source row, the destination rows it adds to, in order.
        for (int d = 0; d < dst.height; ++d) {
            const Span& sp = m_y.spans[static_cast<std::size_t>(d)];
            for (int k = 0; k < sp.count; ++k)
                m_rowTaps.push_back({d, sp.src + k, m_y.weights[static_cast<std::size_t>(sp.weights + k)]});
        }
        std::stable_sort(m_rowTaps.begin(), m_rowTaps.end(),
                         [](const RowTap& a, const RowTap& b) { return a.src < b.src; });
    }

    /// Source rows must come in order, each once.
    void addRow(int y, const float* src) {
        for (std::size_t d = 0; d < m_row.size(); ++d) {
            const Span& sp = m_x.spans[d];
            const float* s = src + sp.src;
            const float* w = m_x.weights.data() + sp.weights;
            float acc = 0;
            for (int k = 0; k < sp.count; ++k) acc += s[k] * w[k];
            m_row[d] = acc;
        }
        for (; m_next < m_rowTaps.size() && m_rowTaps[m_next].src == y; ++m_next) {
            float* d = m_dst.ptr<float>(m_rowTaps[m_next].dst);
            const float w = m_rowTaps[m_next].weight;
            const float* row = m_row.data();
            for (int x = 0; x < m_dst.cols; ++x) d[x] += w * row[x];
        }
    }
    const cv::Mat& result() const noexcept { return m_dst; }

private:
    /// The source pixels src .. src + count - 1 one destination pixel covers.
    struct Span {
        int src = 0, count = 0, weights = 0;  ///< weights: index of the first weight
    };
    struct Spans {
        std::vector<Span> spans;  ///< per destination pixel
        std::vector<float> weights;
    };
    struct RowTap {
        int dst = 0, src = 0;
        float weight = 0;
    };
    /// Weights sum to one per destination pixel; slivers below a thousandth of a pixel are
    /// dropped, as OpenCV drops them.
    static Spans spans(int srcLen, int dstLen) {
        Spans out;
        const double scale = static_cast<double>(srcLen) / dstLen;
        for (int d = 0; d < dstLen; ++d) {
            const double a = d * scale, b = a + scale;
            const double cell = std::min(scale, srcLen - a);
            int s1 = static_cast<int>(std::ceil(a)), s2 = static_cast<int>(std::floor(b));
            s2 = std::min(s2, srcLen - 1);
            s1 = std::min(s1, s2);
            Span sp{s1, 0, static_cast<int>(out.weights.size())};
            if (s1 - a > 1e-3) {
                --sp.src;
                out.weights.push_back(static_cast<float>((s1 - a) / cell));
            }
            for (int s = s1; s < s2; ++s) out.weights.push_back(static_cast<float>(1.0 / cell));
            if (b - s2 > 1e-3)
                out.weights.push_back(static_cast<float>(std::min(std::min(b - s2, 1.0), cell) / cell));
            sp.count = static_cast<int>(out.weights.size()) - sp.weights;
            out.spans.push_back(sp);
        }
        return out;
    }

    Spans m_x, m_y;
    std::vector<RowTap> m_rowTaps;  ///< sorted by source row
    std::vector<float> m_row;
    cv::Mat m_dst;
    std::size_t m_next = 0;
};

/// hit[x] = 1 where row[x] is a local maximum of the 3 x 3 neighbourhood above `floor`, for
/// x in 1 .. width - 2: above its neighbours before it in raster order, at least those after
/// it (ties go to the first). Branch-free and written as maxima so the compiler vectorises it;
/// the arguments are values so no store through `hit` can alias them.
void markLocalMaxima(const float* up, const float* row, const float* dn, int width, float floor,
                     std::uint8_t* hit) noexcept {
    for (int x = 1; x < width - 1; ++x) {
        float before = up[x - 1] > up[x] ? up[x - 1] : up[x];
        before = before > up[x + 1] ? before : up[x + 1];
        before = before > row[x - 1] ? before : row[x - 1];
        before = before > floor ? before : floor;
        float after = row[x + 1] > dn[x - 1] ? row[x + 1] : dn[x - 1];
        after = after > dn[x] ? after : dn[x];
        after = after > dn[x + 1] ? after : dn[x + 1];
        hit[x] =
            static_cast<std::uint8_t>(static_cast<int>(row[x] > before) & static_cast<int>(row[x] >= after));
    }
}

/// A structuring element whose rows are single runs (an ellipse), for the binary dilations
/// of footprint masks: stamping runs is far cheaper than cv::dilate's setup on masks this small.
class RunElement {
public:
    explicit RunElement(const cv::Mat& element) {
        const cv::Point anchor(element.cols / 2, element.rows / 2);
        for (int y = 0; y < element.rows; ++y) {
            const std::uint8_t* e = element.ptr<std::uint8_t>(y);
            int c0 = -1, c1 = -1;
            for (int x = 0; x < element.cols; ++x)
                if (e[x]) c1 = x, c0 = c0 < 0 ? x : c0;
            if (c0 >= 0) m_rows.push_back({y - anchor.y, c0 - anchor.x, c1 - anchor.x});
        }
    }

    /// dst = dilation of the 0/255 mask src (same size and type CV_8U), as cv::dilate with
    /// this element and nothing outside the image.
    void dilate(const cv::Mat& src, cv::Mat& dst) const {
        dst.create(src.size(), CV_8U);
        dst.setTo(0);
        for (int y = 0; y < src.rows; ++y) {
            const std::uint8_t* s = src.ptr<std::uint8_t>(y);
            for (int x = 0; x < src.cols;) {
                if (!s[x]) {
                    ++x;
                    continue;
                }
                const int a = x;
                while (x < src.cols && s[x]) ++x;
                // dst(p) is set when src(p + offset) is, for an offset of the element.
                for (const Row& r : m_rows) {
                    const int ty = y - r.dy;
                    if (ty < 0 || ty >= dst.rows) continue;
                    const int from = std::max(0, a - r.dx1), to = std::min(dst.cols, x - r.dx0);
                    if (from < to)
                        std::memset(dst.ptr<std::uint8_t>(ty) + from, 255,
                                    static_cast<std::size_t>(to - from));
                }
            }
        }
    }

private:
    struct Row {
        int dy = 0, dx0 = 0, dx1 = 0;  ///< offsets of the run from the anchor
    };
    std::vector<Row> m_rows;
};

/// The pixels one flood from a signal claimed, and what is measured over them.
struct Footprint {
    cv::Rect box;                    ///< bounding box of the pixels, field px
    std::vector<std::uint8_t> mask;  ///< box-sized, row major: 1 where the footprint owns the pixel
    std::vector<std::size_t> signals;
    int area = 0;  ///< pixels the flood claimed
    double background = 0;
    double intensity = 0;
    double cx = 0, cy = 0;
};

/// Footprints listed by the cells of a coarse grid their boxes overlap, so which footprint
/// owns a pixel is found locally instead of in a field-sized label image.
class FootprintIndex {
public:
    FootprintIndex(cv::Size field, int cell)
        : m_cell(cell),
          m_cols((field.width + cell - 1) / cell),
          m_cells(static_cast<std::size_t>(m_cols) *
                  static_cast<std::size_t>((field.height + cell - 1) / cell)) {}

    void add(int id, cv::Rect box) {
        forEachCell(box, [&](std::vector<int>& c) { c.push_back(id); });
        m_seen.push_back(0);
    }

    /// Paints id + 1 of every footprint over the pixels it owns in `area` into `owner`
    /// (CV_32S, area's size, zeroed by the caller).
    void paint(const std::vector<Footprint>& prints, cv::Rect area, cv::Mat& owner) {
        ++m_stamp;
        forEachCell(area, [&](std::vector<int>& c) {
            for (int id : c) {
                auto& seen = m_seen[static_cast<std::size_t>(id)];
                if (seen == m_stamp) continue;
                seen = m_stamp;
                const Footprint& fp = prints[static_cast<std::size_t>(id)];
                const cv::Rect r = fp.box & area;
                for (int y = r.y; y < r.y + r.height; ++y) {
                    const std::uint8_t* m =
                        fp.mask.data() + static_cast<std::ptrdiff_t>(y - fp.box.y) * fp.box.width - fp.box.x;
                    int* o = owner.ptr<int>(y - area.y) - area.x;
                    for (int x = r.x; x < r.x + r.width; ++x)
                        if (m[x]) o[x] = id + 1;
                }
            }
        });
    }

private:
    template <class F>
    void forEachCell(cv::Rect r, F&& f) {
        if (r.width <= 0 || r.height <= 0) return;
        for (int cy = r.y / m_cell; cy <= (r.y + r.height - 1) / m_cell; ++cy)
            for (int cx = r.x / m_cell; cx <= (r.x + r.width - 1) / m_cell; ++cx)
                f(m_cells[static_cast<std::size_t>(cy) * static_cast<std::size_t>(m_cols) +
                          static_cast<std::size_t>(cx)]);
    }

    int m_cell, m_cols;
    std::vector<std::vector<int>> m_cells;
    std::vector<std::uint32_t> m_seen;  ///< per footprint: stamp of the last paint that drew it
    std::uint32_t m_stamp = 0;
};

/// A detected signal: merged peaks, weighted by amplitude.
struct Signal {
    double x = 0, y = 0, weight = 0, amplitude = 0;
};

/// Floods a footprint from each signal, brightest first, over the smoothed image above
/// floorLevel over the local background; a signal whose seed is already in a footprint joins
/// it. Each footprint is added to `index`.
std::vector<Footprint> floodFootprints(const cv::Mat& channel, float scale, const DogKernels& kernels,
                                       double mpp, const std::vector<Signal>& signals,
                                       const LowResMap& background, double floorLevel,
                                       FootprintIndex& index) {
    const int W = channel.cols, H = channel.rows;
    const cv::Rect field(0, 0, W, H);
    std::vector<std::size_t> byAmp(signals.size());
    std::iota(byAmp.begin(), byAmp.end(), 0);
    std::sort(byAmp.begin(), byAmp.end(),
              [&](std::size_t a, std::size_t b) { return signals[a].amplitude > signals[b].amplitude; });
    std::vector<Footprint> prints;
    const int maxReach = static_cast<int>(std::ceil(4.0 / mpp));  // no footprint is wider than 8 µm
    // Most footprints are a few pixels across: the smoothed image is computed in a window of
    // this reach first, and again out to maxReach only when the flood gets to its edge.
    const int firstReach = std::min(maxReach, static_cast<int>(std::ceil(6 * kernels.sigma)) + 1);
    const int side = 2 * maxReach + 1;
    const int r1 = kernels.radius1();
    // Window buffers, reused: the smoothed image, its padded input and the owners around a seed.
    cv::Mat paddedBuf(side + 2 * r1, side + 2 * r1, CV_32F), smoothBuf(side, side, CV_32F),
        ownerBuf(side, side, CV_32S);
    std::vector<int> queue;
    for (std::size_t si : byAmp) {
        const Signal& s = signals[si];
        const int sx = std::clamp(static_cast<int>(std::lround(s.x)), 0, W - 1);
        const int sy = std::clamp(static_cast<int>(std::lround(s.y)), 0, H - 1);
        // The flood never leaves maxReach of the seed, nor the field.
        const cv::Rect allowed = cv::Rect(sx - maxReach, sy - maxReach, side, side) & field;
        const int id = static_cast<int>(prints.size()) + 1;
        const float level = static_cast<float>(background.at(sx, sy) + floorLevel);
        cv::Rect win;
        int joined = 0;
        for (const int reach : {firstReach, maxReach}) {
            win = cv::Rect(sx - reach, sy - reach, 2 * reach + 1, 2 * reach + 1) & field;
            // Views into the reused buffers: rows are not contiguous, so index by row.
            cv::Mat owner = ownerBuf(cv::Rect(0, 0, win.width, win.height));
            owner.setTo(0);
            index.paint(prints, win, owner);
            if ((joined = owner.at<int>(sy - win.y, sx - win.x))) break;
            cv::Mat padded = paddedBuf(cv::Rect(0, 0, win.width + 2 * r1, win.height + 2 * r1));
            loadReflected(channel, cv::Rect(win.x - r1, win.y - r1, padded.cols, padded.rows), scale, padded);
            cv::Mat smooth = smoothBuf(cv::Rect(0, 0, win.width, win.height));
            blurInside(padded, cv::Rect(r1, r1, win.width, win.height), kernels.k1, smooth);
            queue.assign(1, (sy - win.y) * win.width + (sx - win.x));
            owner.at<int>(sy - win.y, sx - win.x) = id;
            bool clipped = false;
            for (std::size_t k = 0; k < queue.size() && !clipped; ++k) {
                const int px = queue[k] % win.width, py = queue[k] / win.width;
                const int nb[4][2] = {{px - 1, py}, {px + 1, py}, {px, py - 1}, {px, py + 1}};
                for (const auto& q : nb) {
                    if (!allowed.contains({win.x + q[0], win.y + q[1]})) continue;
                    if (q[0] < 0 || q[1] < 0 || q[0] >= win.width || q[1] >= win.height) {
                        clipped = true;  // the window is too small for this footprint
                        break;
                    }
                    int& o = owner.ptr<int>(q[1])[q[0]];
                    if (o || smooth.ptr<float>(q[1])[q[0]] <= level) continue;
                    o = id;
                    queue.push_back(q[1] * win.width + q[0]);
                }
            }
            if (!clipped) break;
        }
        if (joined) {
            prints[static_cast<std::size_t>(joined - 1)].signals.push_back(si);
            continue;
        }
        Footprint fp;
        fp.background = background.at(sx, sy);
        fp.signals.push_back(si);
        int x0 = win.width, y0 = win.height, x1 = -1, y1 = -1;
        for (int p : queue) {
            const int px = p % win.width, py = p / win.width;
            x0 = std::min(x0, px), y0 = std::min(y0, py), x1 = std::max(x1, px), y1 = std::max(y1, py);
        }
        fp.box = cv::Rect(win.x + x0, win.y + y0, x1 - x0 + 1, y1 - y0 + 1);
        fp.area = static_cast<int>(queue.size());
        fp.mask.assign(static_cast<std::size_t>(fp.box.area()), 0);
        for (int p : queue)
            fp.mask[static_cast<std::size_t>((p / win.width - y0) * fp.box.width + p % win.width - x0)] = 1;
        index.add(static_cast<int>(prints.size()), fp.box);
        prints.push_back(std::move(fp));
    }
    return prints;
}

/// Integrated intensity of each footprint over the footprint grown by 2 sigma (the PSF tails
/// below the flood level), not counting pixels of other footprints, above the median of a
/// ring just outside it; and its intensity-weighted centroid. The ring median is an unbiased
/// local background; the grey opening used for the flood level sits below the noise floor,
/// and over a footprint's area that bias would inflate single signals more than clusters.
void integrateFootprints(const cv::Mat& channel, float scale, double sigma,
                         const std::vector<Signal>& signals, std::vector<Footprint>& prints,
                         FootprintIndex& index) {
    const cv::Rect field(0, 0, channel.cols, channel.rows);
    const int grow = std::max(1, static_cast<int>(std::ceil(2 * sigma)));
    const int ringWidth = std::max(2, static_cast<int>(std::ceil(sigma)));
    const RunElement disc(cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1)));
    const RunElement ringDisc(
        cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * ringWidth + 1, 2 * ringWidth + 1)));
    std::vector<float> ring;
    cv::Mat owner, values, own, local, outer;
    for (std::size_t i = 0; i < prints.size(); ++i) {
        Footprint& fp = prints[i];
        const int pad = grow + ringWidth;
        const cv::Rect box =
            cv::Rect(fp.box.x - pad, fp.box.y - pad, fp.box.width + 2 * pad, fp.box.height + 2 * pad) & field;
        owner.create(box.size(), CV_32S);
        owner.setTo(0);
        index.paint(prints, box, owner);
        values.create(box.size(), CV_32F);
        loadReflected(channel, box, scale, values);
        const int id = static_cast<int>(i) + 1;
        own.create(box.size(), CV_8U);
        for (int y = 0; y < box.height; ++y) {
            const int* o = owner.ptr<int>(y);
            std::uint8_t* l = own.ptr<std::uint8_t>(y);
            for (int x = 0; x < box.width; ++x) l[x] = o[x] == id ? 255 : 0;
        }
        disc.dilate(own, local);
        ringDisc.dilate(local, outer);
        ring.clear();
        for (int y = 0; y < box.height; ++y) {
            const std::uint8_t* l = local.ptr<std::uint8_t>(y);
            const std::uint8_t* o2 = outer.ptr<std::uint8_t>(y);
            const float* v = values.ptr<float>(y);
            const int* o = owner.ptr<int>(y);
            for (int x = 0; x < box.width; ++x)
                if (o2[x] && !l[x] && !o[x]) ring.push_back(v[x]);
        }
        if (ring.size() >= 8) {
            const auto mid = ring.begin() + static_cast<std::ptrdiff_t>(ring.size() / 2);
            std::nth_element(ring.begin(), mid, ring.end());
            fp.background = *mid;
        }
        double sum = 0, sx = 0, sy = 0, sw = 0;
        for (int y = 0; y < box.height; ++y) {
            const std::uint8_t* l = local.ptr<std::uint8_t>(y);
            const float* v = values.ptr<float>(y);
            const int* o = owner.ptr<int>(y);
            for (int x = 0; x < box.width; ++x) {
                if (!l[x] || (o[x] && o[x] != id)) continue;
                const double val = v[x] - fp.background;
                sum += val;
                if (o[x] == id && val > 0) sx += val * (box.x + x), sy += val * (box.y + y), sw += val;
            }
        }
        fp.intensity = sum;
        if (sw > 0) {
            fp.cx = sx / sw, fp.cy = sy / sw;
        } else {
            fp.cx = signals[fp.signals.front()].x, fp.cy = signals[fp.signals.front()].y;
        }
    }
}

}  // namespace

void openBySymmetricRuns(const cv::Mat& src, cv::Mat& dst, const cv::Mat& element) {
    CV_Assert(src.type() == CV_32FC1 && element.type() == CV_8UC1);
    const int R = element.rows / 2;
    std::vector<int> half;  // half-width of element row dy + R, or -1 for an empty row
    bool runs = element.rows % 2 == 1 && element.cols % 2 == 1;
    for (int i = 0; runs && i < element.rows; ++i) {
        const std::uint8_t* e = element.ptr<std::uint8_t>(i);
        int c0 = -1, c1 = -1, set = 0;
        for (int x = 0; x < element.cols; ++x)
            if (e[x]) c1 = x, c0 = c0 < 0 ? x : c0, ++set;
        runs = c0 < 0 || (c0 + c1 == element.cols - 1 && set == c1 - c0 + 1);
        half.push_back(c0 < 0 ? -1 : element.cols / 2 - c0);
    }
    const int maxHalf = half.empty() ? -1 : *std::max_element(half.begin(), half.end());
    if (!runs || src.empty() || maxHalf < 0) {
        cv::morphologyEx(src, dst, cv::MORPH_OPEN, element, cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
        return;
    }
    const int W = src.cols, H = src.rows;
    std::vector<cv::Mat> ext(static_cast<std::size_t>(maxHalf) + 1);
    auto pass = [&](const cv::Mat& in, cv::Mat& out, auto pick) {
        // ext[h](y, x): the extreme of in(y, x - h .. x + h), columns clamped.
        ext[0] = in;
        for (int h = 1; h <= maxHalf; ++h) {
            cv::Mat& e = ext[static_cast<std::size_t>(h)];
            e.create(H, W, CV_32F);
            for (int y = 0; y < H; ++y) {
                const float* p = ext[static_cast<std::size_t>(h - 1)].ptr<float>(y);
                float* o = e.ptr<float>(y);
                if (W == 1) {
                    o[0] = p[0];
                    continue;
                }
                if (h == 1) {
                    o[0] = pick(p[0], p[1]);
                    for (int x = 1; x < W - 1; ++x) o[x] = pick(pick(p[x - 1], p[x]), p[x + 1]);
                    o[W - 1] = pick(p[W - 2], p[W - 1]);
                } else {
                    // [x - h, x + h] is [x - 1 - (h - 1), ...] joined with [x + 1 - (h - 1), ...];
                    // at the edges the clamped windows give the same sets.
                    o[0] = p[1];
                    for (int x = 1; x < W - 1; ++x) o[x] = pick(p[x - 1], p[x + 1]);
                    o[W - 1] = p[W - 2];
                }
            }
        }
        out.create(H, W, CV_32F);
        for (int y = 0; y < H; ++y) {
            float* o = out.ptr<float>(y);
            bool first = true;
            for (int dy = -R; dy <= R; ++dy) {
                const int h = half[static_cast<std::size_t>(dy + R)];
                if (h < 0) continue;
                const float* p = ext[static_cast<std::size_t>(h)].ptr<float>(std::clamp(y + dy, 0, H - 1));
                if (first)
                    std::copy(p, p + W, o);
                else
                    for (int x = 0; x < W; ++x) o[x] = pick(o[x], p[x]);
                first = false;
            }
        }
    };
    cv::Mat eroded;
    pass(src, eroded, [](float a, float b) { return std::min(a, b); });
    pass(eroded, dst, [](float a, float b) { return std::max(a, b); });
}

cv::Mat areaDownscale(const cv::Mat& grey, cv::Size size) {
    const double full = fullScale(grey);
    const bool wide = grey.depth() == CV_16U;
    AreaDownscaler down(grey.size(), size);
    cv::Mat row(1, grey.cols, CV_32F);
    for (int y = 0; y < grey.rows; ++y) {
        grey.row(y).convertTo(row, CV_32F, wide ? 1.0 : 1.0 / full);
        down.addRow(y, row.ptr<float>());
    }
    if (!wide) return down.result();
    cv::Mat rounded, out;
    down.result().convertTo(rounded, CV_16U);
    rounded.convertTo(out, CV_32F, 1.0 / full);
    return out;
}

SpotDetection detectSpots(const cv::Mat& channel, core::FishChannel which, double mpp,
                          const core::FishParams& params, const NucleusSegmentation& nuclei) {
    SpotDetection out;
    const int W = channel.cols, H = channel.rows;
    const double full = fullScale(channel);
    // As convertTo(CV_32F, 1 / full) scales: a float product per pixel.
    const float scale = static_cast<float>(1.0 / full);

    // DoG at the signal scale (sigma and 2 sigma): a band-pass that keeps diffraction-limited
    // spots and drops the smooth nuclear background.
    const double sigma = params.spotSigmaUm / mpp;
    const DogKernels kernels(sigma);
    DogBands bands(channel, kernels, scale);

    // Noise: robust sigma (MAD) of the DoG at every third pixel inside nuclei, where signals
    // are counted; the whole field when there is too little nucleus.
    const std::vector<std::uint8_t> inNucleus = nuclei.insideOnGrid(1, 3, W - 1, H - 1);
    const auto nucleusPoints = static_cast<std::size_t>(std::count(inNucleus.begin(), inNucleus.end(), 1));
    const bool wholeField = nucleusPoints < 2000;
    const int pointsPerRow = W > 2 ? (W - 3) / 3 + 1 : 0;

    // Probe background: grey opening at about 0.5 µm/px with a disc larger than any cluster.
    // Its low-resolution image is gathered in the same pass over the field.
    const double f = std::max(1.0, std::round(params.nucleusMpp / mpp));
    const cv::Size lowSize(std::max(1, static_cast<int>(W / f)), std::max(1, static_cast<int>(H / f)));
    AreaDownscaler downscale(channel.size(), lowSize);

    // Local maxima of the DoG (ties broken in raster order) are gathered in the same pass,
    // above a floor the threshold cannot go below, and thresholded once the noise is known:
    // holding the DoG of the whole field, or computing it twice, would cost more.
    // (The noise has a floor of 0.05 / full below; half that leaves room for rounding.)
    const float candidateFloor = params.spotThresholdMad > 0
                                     ? static_cast<float>(0.5 * params.spotThresholdMad * 0.05 / full)
                                     : -std::numeric_limits<float>::infinity();
    struct Candidate {
        double x = 0, y = 0;  ///< sub-pixel position
        int ix = 0, iy = 0;   ///< pixel
        float dog = 0, g1 = 0;
    };
    std::vector<Candidate> candidates;
    std::vector<std::uint8_t> isMax(static_cast<std::size_t>(W) + 8);
    std::vector<float> samples;
    samples.reserve(wholeField ? inNucleus.size() : nucleusPoints);
    // The smoothed image at the same points, for the background's offset and spread.
    struct SmoothSample {
        int x, y;
        float value;
    };
    std::vector<SmoothSample> smoothSamples;
    smoothSamples.reserve(samples.capacity());
    bands.forEach([&](const DogBand& b) {
        for (int y = b.y0; y < b.y1; ++y) {
            downscale.addRow(y, b.img.ptr<float>(y - b.y0));
            if (y < 1 || y >= H - 1) continue;
            const float* up = b.dog.ptr<float>(y - 1 - b.first);
            const float* row = b.dog.ptr<float>(y - b.first);
            const float* dn = b.dog.ptr<float>(y + 1 - b.first);
            if ((y - 1) % 3 == 0) {
                const std::uint8_t* in =
                    inNucleus.data() + static_cast<std::ptrdiff_t>((y - 1) / 3) * pointsPerRow;
                const float* smooth = b.g1.ptr<float>(y - b.first);
                for (int x = 1, i = 0; x < W - 1; x += 3, ++i)
                    if (wholeField || in[i]) {
                        samples.push_back(row[x]);
                        smoothSamples.push_back({x, y, smooth[x]});
                    }
            }
            std::uint8_t* hit = isMax.data();
            markLocalMaxima(up, row, dn, W, candidateFloor, hit);
            const float* g1 = b.g1.ptr<float>(y - b.first);
            // Hits are a few per cent of the pixels: skip eight flags at a time (the flags
            // outside 1 .. W - 2 are never set).
            for (int x8 = 0; x8 < W; x8 += 8) {
                std::uint64_t eight = 0;
                std::memcpy(&eight, hit + x8, sizeof eight);
                if (!eight) continue;
                for (int x = x8; x < x8 + 8; ++x) {
                    if (!hit[x]) continue;
                    // Sub-pixel by a parabola through the neighbours.
                    const float v = row[x];
                    const double dxd = row[x - 1] - 2.0 * v + row[x + 1];
                    const double dyd = up[x] - 2.0 * v + dn[x];
                    Candidate c;
                    c.x = x + (dxd < 0 ? std::clamp(0.5 * (row[x - 1] - row[x + 1]) / dxd, -0.5, 0.5) : 0.0);
                    c.y = y + (dyd < 0 ? std::clamp(0.5 * (up[x] - dn[x]) / dyd, -0.5, 0.5) : 0.0);
                    c.ix = x, c.iy = y, c.dog = v, c.g1 = g1[x];
                    candidates.push_back(c);
                }
            }
        }
    });
    double noise = detail::medianAndSpread(samples).second;
    // Quantisation floor: below a fraction of one grey level there is no information.
    noise = std::max(noise, 0.05 / full);
    const float threshold = static_cast<float>(params.spotThresholdMad * noise);

    const double lowMpp = mpp * W / lowSize.width;
    const int r = std::max(1, static_cast<int>(std::ceil(params.backgroundRadiusUm / lowMpp)));
    cv::Mat bgLow;
    openBySymmetricRuns(downscale.result(), bgLow,
                        cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 1, 2 * r + 1)));
    cv::GaussianBlur(bgLow, bgLow, cv::Size(0, 0), std::max(0.5, 0.5 * r));
    // The opening sits below the background it follows, the more so the noisier and more
    // textured the background is; inside nuclei, where the signals are, the smoothed image
    // stands above it by its median offset (signals cover too little of a nucleus to move a
    // median), give or take its spread. The map is raised by the offset, and the spread bounds
    // the flood level below: on a dim probe over a bright, textured nuclear background a
    // level under the background's own variation floods whole nuclei as one signal's
    // footprint, and every signal then reads as a cluster of several copies.
    double backgroundSpread = 0;
    {
        const LowResMap opening(bgLow, static_cast<double>(W) / lowSize.width,
                                static_cast<double>(H) / lowSize.height);
        std::vector<float> offset;
        offset.reserve(smoothSamples.size());
        for (const SmoothSample& q : smoothSamples)
            offset.push_back(static_cast<float>(q.value - opening.at(q.x, q.y)));
        const auto [med, spread] = detail::medianAndSpread(offset);
        backgroundSpread = spread;
        bgLow += std::max(0.0, med);
    }
    const LowResMap background(bgLow, static_cast<double>(W) / lowSize.width,
                               static_cast<double>(H) / lowSize.height);

    // Peaks: the local maxima above the threshold.
    std::vector<Peak> peaks;
    for (const Candidate& c : candidates)
        if (c.dog > threshold) peaks.push_back({c.x, c.y, c.g1 - background.at(c.ix, c.iy)});
    if (peaks.empty()) return out;

    // Merge peaks closer than the merge distance (one signal diameter = 4 sigma by default):
    // by the counting convention two such signals are one.
    const double mergeDist = params.mergeDistanceSpots * 4.0 * sigma;
    std::vector<int> parent(peaks.size());
    std::iota(parent.begin(), parent.end(), 0);
    auto root = [&](int i) {
        while (parent[static_cast<std::size_t>(i)] != i)
            i = parent[static_cast<std::size_t>(i)] =
                parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(i)])];
        return i;
    };
    if (mergeDist > 0) {
        std::vector<std::size_t> order(peaks.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return peaks[a].x < peaks[b].x; });
        for (std::size_t i = 0; i < order.size(); ++i)
            for (std::size_t j = i + 1; j < order.size() && peaks[order[j]].x - peaks[order[i]].x < mergeDist;
                 ++j) {
                const Peak& a = peaks[order[i]];
                const Peak& b = peaks[order[j]];
                if (std::hypot(a.x - b.x, a.y - b.y) < mergeDist)
                    parent[static_cast<std::size_t>(root(static_cast<int>(order[i])))] =
                        root(static_cast<int>(order[j]));
            }
    }
    std::vector<Signal> signals;
    std::vector<int> signalOf(peaks.size(), -1);
    for (std::size_t i = 0; i < peaks.size(); ++i) {
        const int rt = root(static_cast<int>(i));
        if (signalOf[static_cast<std::size_t>(rt)] < 0) {
            signalOf[static_cast<std::size_t>(rt)] = static_cast<int>(signals.size());
            signals.emplace_back();
        }
        Signal& s = signals[static_cast<std::size_t>(signalOf[static_cast<std::size_t>(rt)])];
        const double w = std::max(peaks[i].amplitude, 1e-9);
        s.x += w * peaks[i].x, s.y += w * peaks[i].y, s.weight += w;
        s.amplitude = std::max(s.amplitude, peaks[i].amplitude);
    }
    for (Signal& s : signals) s.x /= s.weight, s.y /= s.weight;

    // Footprints: flood from each signal (brightest first) over the smoothed image above a
    // quarter of the typical signal amplitude; signals that land in one footprint form one
    // object (a cluster, or adjacent signals).
    // Signals inside nuclei only, when there are enough: outside them, non-specific specks
    // (debris, mounting medium) can outnumber the signals and pull a field-wide median down.
    constexpr std::size_t kMinInside = 10;
    std::vector<double> amps, ampsInside;
    for (const Signal& s : signals) {
        amps.push_back(s.amplitude);
        if (nuclei.objectAt(s.x, s.y) >= 0) ampsInside.push_back(s.amplitude);
    }
    const double typical = median(ampsInside.size() >= kMinInside ? ampsInside : amps);
    const double floorLevel = std::max({0.25 * typical, 3.0 * noise, 3.0 * backgroundSpread});
    FootprintIndex index(channel.size(), 32);
    std::vector<Footprint> prints =
        floodFootprints(channel, scale, kernels, mpp, signals, background, floorLevel, index);
    integrateFootprints(channel, scale, sigma, signals, prints, index);

    // Single-signal intensity: median over footprints holding one signal inside a nucleus (of
    // the whole field when fewer than kMinInside are), recomputed twice without those above
    // twice the estimate (unresolved clusters would pull it up) and those below
    // fish.min_signal_fraction of it (faint non-specific specks would pull it down, and every
    // real signal would then read as several copies).
    struct Single {
        double intensity, peak, density;
    };
    auto peakOf = [&](const Footprint& fp) {
        double peak = 0;
        for (std::size_t si : fp.signals) peak = std::max(peak, signals[si].amplitude);
        return peak;
    };
    // Light per flooded pixel.
    auto densityOf = [](const Footprint& fp) { return fp.intensity / std::max(1, fp.area); };
    std::vector<Single> singles, singlesAnywhere;
    for (const Footprint& fp : prints) {
        if (fp.signals.size() != 1 || fp.intensity <= 0) continue;
        singlesAnywhere.push_back({fp.intensity, peakOf(fp), densityOf(fp)});
        if (nuclei.objectAt(fp.cx, fp.cy) >= 0) singles.push_back(singlesAnywhere.back());
    }
    if (singles.size() < kMinInside) singles = std::move(singlesAnywhere);
    auto medianOf = [&](auto field, double lo, double hi) {
        std::vector<double> v;
        for (const Single& one : singles)
            if (one.intensity >= lo && one.intensity < hi) v.push_back(one.*field);
        return median(std::move(v));
    };
    const double inf = std::numeric_limits<double>::infinity();
    double single = medianOf(&Single::intensity, -inf, inf);
    for (int round = 0; round < 2 && single > 0; ++round) {
        const double next = medianOf(&Single::intensity, params.minSignalFraction * single, 2 * single);
        if (next <= 0) break;
        single = next;
    }
    out.singleIntensity = single;
    // A cluster's copies lie too close to be resolved: their light adds up at its peak and
    // packs its pixels at least as densely as one signal's does. A footprint holding many
    // single intensities that falls short of the single signals' median peak or density is
    // background its flood took in (a glowing overlap of two nuclei, a bright nuclear patch),
    // its light spread thin over many pixels, and counts its signals one by one.
    const double singlePeak = medianOf(&Single::peak, params.minSignalFraction * single, 2 * single);
    const double singleDensity = medianOf(&Single::density, params.minSignalFraction * single, 2 * single);

    for (const Footprint& fp : prints) {
        const int n = static_cast<int>(fp.signals.size());
        const double ratio = single > 0 ? fp.intensity / single : 0;
        // Far fainter than one signal: a non-specific speck, not a gene copy.
        if (single > 0 && ratio < params.minSignalFraction) continue;
        if (single > 0 && ratio >= params.clusterMinCopies && peakOf(fp) >= singlePeak &&
            densityOf(fp) >= singleDensity) {
            core::FishSpot spot;
            spot.x = fp.cx, spot.y = fp.cy;
            spot.channel = which;
            spot.intensity = static_cast<float>(fp.intensity);
            spot.copies = static_cast<float>(std::max<double>(n, std::round(ratio)));
            spot.cluster = true;
            spot.nucleus = nuclei.objectAt(spot.x, spot.y);
            out.spots.push_back(spot);
            out.signals.push_back(n);
            continue;
        }
        for (std::size_t si : fp.signals) {
            core::FishSpot spot;
            spot.x = signals[si].x, spot.y = signals[si].y;
            spot.channel = which;
            spot.intensity = static_cast<float>(fp.intensity / n);
            spot.copies = 1;
            spot.nucleus = nuclei.objectAt(spot.x, spot.y);
            out.spots.push_back(spot);
            out.signals.push_back(1);
        }
    }
    return out;
}

}  // namespace her2::imaging::fish
