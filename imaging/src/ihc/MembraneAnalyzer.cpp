#include "her2/imaging/MembraneAnalyzer.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "Select.hpp"
#include "ihc/Morphology.hpp"

namespace her2::imaging {
namespace {

constexpr int kRaysPerSector = 3;
constexpr double kDiag = std::numbers::sqrt2 / 2;
constexpr double kCompass[8][2] = {{1, 0},  {kDiag, kDiag},   {0, 1},  {-kDiag, kDiag},
                                   {-1, 0}, {-kDiag, -kDiag}, {0, -1}, {kDiag, -kDiag}};

/// A shared membrane brighter than this factor times a cell's own membrane elsewhere, next to
/// a neighbour whose own membrane is that much brighter too, carries the neighbour's intensity:
/// the intensity classes are a factor 2.5 apart (0.18 / 0.45 OD).
constexpr double kIntensityRatio = 2.0;

float bilinear(const cv::Mat& img, double x, double y) {
    x = std::clamp(x, 0.0, img.cols - 1.0);
    y = std::clamp(y, 0.0, img.rows - 1.0);
    const int x0 = std::min(static_cast<int>(x), img.cols - 2 < 0 ? 0 : img.cols - 2);
    const int y0 = std::min(static_cast<int>(y), img.rows - 2 < 0 ? 0 : img.rows - 2);
    const int x1 = std::min(x0 + 1, img.cols - 1), y1 = std::min(y0 + 1, img.rows - 1);
    const double fx = x - x0, fy = y - y0;
    const float* r0 = img.ptr<float>(y0);
    const float* r1 = img.ptr<float>(y1);
    return static_cast<float>((1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x1]) +
                              fy * ((1 - fx) * r1[x0] + fx * r1[x1]));
}

/// std::lround for the coordinates here (half away from zero, negative values too), without
/// the library call: a ray samples a label image several hundred times per cell.
inline int roundHalfAway(double v) noexcept {
    return v >= 0 ? static_cast<int>(v + 0.5) : -static_cast<int>(0.5 - v);
}

int labelAt(const cv::Mat& labels, double x, double y) {
    const int xi = roundHalfAway(x), yi = roundHalfAway(y);
    if (xi < 0 || yi < 0 || xi >= labels.cols || yi >= labels.rows) return -1;
    return labels.ptr<int>(yi)[xi];
}

/// Asks for the pixels of a 4-byte image in [x0, x1] x [y0, y1] (inside it) all at once. The
/// rays of a cell cross a new row every few samples and each walk waits on its label reads:
/// with the cell's disc requested up front, tracing takes a few per cent less time.
void prefetchBox(const cv::Mat& m, double x0, double y0, double x1, double y1) {
    const int c0 = static_cast<int>(x0) * 4, c1 = (static_cast<int>(x1) + 2) * 4;
    for (int y = static_cast<int>(y0), yEnd = static_cast<int>(y1) + 1; y <= yEnd; ++y) {
        const uchar* row = m.ptr(y);
        for (int c = c0; c < c1; c += 64) __builtin_prefetch(row + c);
        __builtin_prefetch(row + c1 - 1);
    }
}

/// Lookups clamped to the images, for a ray that may reach their border.
struct ClampedSampler {
    const cv::Mat &dabImg, &cells, &nuclei;
    float dab(double x, double y) const { return bilinear(dabImg, x, y); }
    int cell(double x, double y) const { return labelAt(cells, x, y); }
    int nucleus(double x, double y) const { return labelAt(nuclei, x, y); }
    /// DAB at n samples along a ray, r = r0, r0 + step, ...
    void dabRun(double cx, double cy, double dx, double dy, double r, double step, std::size_t n,
                float* out) const {
        for (std::size_t i = 0; i < n; ++i, r += step) out[i] = dab(cx + r * dx, cy + r * dy);
    }
};

/// The same lookups for a ray whose every sample lies a pixel or more inside the images:
/// bilinear and labelAt without their clamps, which are then no-ops, in the same arithmetic.
class InsideSampler {
public:
    InsideSampler(const cv::Mat& dab, const cv::Mat& cells, const cv::Mat& nuclei)
        : m_dab(dab.data),
          m_cells(cells.data),
          m_nuclei(nuclei.data),
          m_dabStep(dab.step[0]),
          m_cellStep(cells.step[0]),
          m_nucleusStep(nuclei.step[0]) {}

    float dab(double x, double y) const {
        const int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
        const double fx = x - x0, fy = y - y0;
        const float* r0 = reinterpret_cast<const float*>(m_dab + static_cast<std::size_t>(y0) * m_dabStep);
        const float* r1 = reinterpret_cast<const float*>(reinterpret_cast<const uchar*>(r0) + m_dabStep);
        return static_cast<float>((1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x0 + 1]) +
                                  fy * ((1 - fx) * r1[x0] + fx * r1[x0 + 1]));
    }
    int cell(double x, double y) const { return at(m_cells, m_cellStep, x, y); }
    int nucleus(double x, double y) const { return at(m_nuclei, m_nucleusStep, x, y); }

    /// DAB at n samples along a ray, r = r0, r0 + step, ...: dab() two samples at a time, one
    /// per lane, in the same double operations.
    void dabRun(double cx, double cy, double dx, double dy, double r, double step, std::size_t n,
                float* out) const {
        std::size_t i = 0;
#if defined(__SSE2__)
        const __m128d cxv = _mm_set1_pd(cx), cyv = _mm_set1_pd(cy), dxv = _mm_set1_pd(dx),
                      dyv = _mm_set1_pd(dy), one = _mm_set1_pd(1.0), step2 = _mm_set1_pd(2 * step);
        __m128d rv = _mm_set_pd(r + step, r);
        for (; i + 2 <= n; i += 2, r += 2 * step) {
            const __m128d x = _mm_add_pd(cxv, _mm_mul_pd(rv, dxv)), y = _mm_add_pd(cyv, _mm_mul_pd(rv, dyv));
            rv = _mm_add_pd(rv, step2);
            const __m128i xi = _mm_cvttpd_epi32(x), yi = _mm_cvttpd_epi32(y);
            const __m128d fx = _mm_sub_pd(x, _mm_cvtepi32_pd(xi)), fy = _mm_sub_pd(y, _mm_cvtepi32_pd(yi));
            const int xa = _mm_cvtsi128_si32(xi), xb = _mm_cvtsi128_si32(_mm_shuffle_epi32(xi, 1));
            const int ya = _mm_cvtsi128_si32(yi), yb = _mm_cvtsi128_si32(_mm_shuffle_epi32(yi, 1));
            const uchar* rowA = m_dab + static_cast<std::size_t>(ya) * m_dabStep;
            const uchar* rowB = m_dab + static_cast<std::size_t>(yb) * m_dabStep;
            // Each sample's two horizontal neighbours in one 8-byte load, per row.
            auto pair = [](const uchar* row, int x0) {
                return _mm_castsi128_ps(_mm_loadl_epi64(
                    reinterpret_cast<const __m128i*>(reinterpret_cast<const float*>(row) + x0)));
            };
            const __m128 top = _mm_unpacklo_ps(pair(rowA, xa), pair(rowB, xb));  // a00 b00 a01 b01
            const __m128 bottom = _mm_unpacklo_ps(pair(rowA + m_dabStep, xa), pair(rowB + m_dabStep, xb));
            const __m128d v00 = _mm_cvtps_pd(top), v01 = _mm_cvtps_pd(_mm_movehl_ps(top, top));
            const __m128d v10 = _mm_cvtps_pd(bottom), v11 = _mm_cvtps_pd(_mm_movehl_ps(bottom, bottom));
            const __m128d gx = _mm_sub_pd(one, fx), gy = _mm_sub_pd(one, fy);
            const __m128d t = _mm_add_pd(_mm_mul_pd(gx, v00), _mm_mul_pd(fx, v01));
            const __m128d u = _mm_add_pd(_mm_mul_pd(gx, v10), _mm_mul_pd(fx, v11));
            const __m128d v = _mm_add_pd(_mm_mul_pd(gy, t), _mm_mul_pd(fy, u));
            _mm_storel_pi(reinterpret_cast<__m64*>(out + i), _mm_cvtpd_ps(v));
        }
#endif
        for (; i < n; ++i, r += step) out[i] = dab(cx + r * dx, cy + r * dy);
    }

private:
    // x, y >= 0 here: roundHalfAway is v + 0.5 truncated.
    static int at(const uchar* data, std::size_t step, double x, double y) {
        const int xi = static_cast<int>(x + 0.5), yi = static_cast<int>(y + 0.5);
        return reinterpret_cast<const int*>(data + static_cast<std::size_t>(yi) * step)[xi];
    }
    const uchar *m_dab, *m_cells, *m_nuclei;
    std::size_t m_dabStep, m_cellStep, m_nucleusStep;
};

/// The peak of one profile and its band: the samples around the peak down to half its height
/// above the cytoplasm level (so diffuse cytoplasmic DAB does not widen the band), those at
/// or above `stainedOd` being the stained membrane. `last` is set to the band's last sample:
/// a shorter profile that still holds it reads the same.
MembraneRay::Reading readProfile(const float* p, const float* r, std::size_t n, double cytoplasm,
                                 double stainedOd, double stepUm, std::size_t& last) {
    MembraneRay::Reading out;
    last = 0;
    if (n == 0) return out;
    const auto peak = static_cast<std::size_t>(std::max_element(p, p + n) - p);
    out.peak = p[peak];
    out.radius = r[peak];
    const double base = std::clamp(cytoplasm, 0.0, static_cast<double>(out.peak));
    const auto half = static_cast<float>(base + 0.5 * (out.peak - base));
    std::size_t lo = peak, hi = peak;
    while (lo > 0 && p[lo - 1] >= half) --lo;
    while (hi + 1 < n && p[hi + 1] >= half) ++hi;
    for (std::size_t i = lo; i <= hi; ++i) {
        if (p[i] < stainedOd) continue;
        out.memberSum += p[i];
        ++out.memberCount;
    }
    out.widthUm = static_cast<float>((static_cast<double>(hi - lo) + 1) * stepUm);
    last = hi;
    return out;
}

}  // namespace

MembraneAnalyzer::MembraneAnalyzer(const core::IhcParams& params, double mpp)
    : m_params(params), m_mpp(mpp), m_step(std::clamp(0.5 / mpp, 0.5, 1.0)) {
    const int rays = std::max(1, m_params.sectors) * kRaysPerSector;
    m_cos.resize(static_cast<std::size_t>(rays));
    m_sin.resize(static_cast<std::size_t>(rays));
    for (int k = 0; k < rays; ++k) {
        const double theta = 2 * std::numbers::pi * (k + 0.5) / rays;
        m_cos[static_cast<std::size_t>(k)] = std::cos(theta);
        m_sin[static_cast<std::size_t>(k)] = std::sin(theta);
    }
}

MembraneTrace MembraneAnalyzer::trace(const cv::Mat& dab, const cv::Mat& cells, const cv::Mat& nuclei,
                                      int label, cv::Point2d centre,
                                      const std::vector<cv::Point2d>* centres) const {
    MembraneTrace out;
    out.centre = centre;
    const std::size_t rays = m_cos.size();
    const double px = 1.0 / m_mpp;
    const double band = bandPx();
    const double step = m_step;
    const double rMax = m_params.maxCellRadiusUm * px + band + 2;
    // 0.5 µm: the mid-line between nuclei is only an estimate of the cell border; two stained
    // neighbours' bands meet within this of it, a lone neighbour's band lies beyond it.
    const double sideTolerance = 0.5 * px;

    // All profiles first: the cytoplasm level, which every peak is judged against, needs the
    // whole cell.
    // Buffers kept per thread and sized for the longest possible rays up front: a cell's
    // samples would otherwise regrow them, and a sample costs only a few nanoseconds.
    thread_local std::vector<float> profileBuf, radiiBuf, cytoplasmBuf;
    thread_local std::vector<std::size_t> startBuf, cutEndBuf;
    const std::size_t perRay = static_cast<std::size_t>(std::max(0.0, rMax) / step) + 2;
    if (profileBuf.size() < rays * perRay) {
        profileBuf.resize(rays * perRay);
        radiiBuf.resize(rays * perRay);
        cytoplasmBuf.resize(rays * perRay);
    }
    startBuf.assign(rays + 1, 0);
    cutEndBuf.assign(rays, 0);
    float* const profile = profileBuf.data();
    float* const radii = radiiBuf.data();
    float* const cytoplasm = cytoplasmBuf.data();
    std::size_t* const start = startBuf.data();
    std::size_t* const cutEnd = cutEndBuf.data();
    std::size_t nSamples = 0, nCytoplasm = 0;
    out.rays.resize(rays);

    const double cx = centre.x, cy = centre.y;
    // Every sample closer to the centroid than its nucleus' clear radius less sqrt(1/2) (a
    // sample at r rounds to a pixel within r + sqrt(1/2) of the centroid) lies in the
    // nucleus: the rays start at the first whole step beyond that, short of rMax, and leave
    // the nucleus in a few samples instead of a dozen or more.
    double rInside = 0;
    if (nuclei.type() == CV_32SC1) {
        const double lim = detail::clearRadius(nuclei, label, centre, rMax) - std::numbers::sqrt2 / 2 - 1e-6;
        if (lim > 0) rInside = std::min(std::ceil(lim / step) * step, std::floor(rMax / step) * step);
    }
    auto castRay = [&](const auto& at, std::size_t k) {
        const double dx = m_cos[k], dy = m_sin[k];
        const std::size_t b = nSamples;
        start[k] = b;
        std::size_t e = b;
        // Leave the nucleus; the samples before rInside lie in it.
        double r = rInside;
        while (r < rMax && at.nucleus(cx + r * dx, cy + r * dy) == label) r += step;
        // Walk through the territory to `band` beyond its edge.
        double rEdge = r;
        const double rFirst = r;
        int neighbour = 0;
        for (; r < rMax; r += step) {
            const double x = cx + r * dx, y = cy + r * dy;
            const int l = at.cell(x, y);
            if (l == -1) {
                out.clipped = true;
                break;
            }
            if (l == label) {
                rEdge = r;
            } else {
                if (neighbour == 0 && l > 0) neighbour = l;
                if (r > rEdge + band) break;
            }
            radii[e] = static_cast<float>(r);
            ++e;
        }
        // The DAB samples after the walk: without its branches they pipeline.
        at.dabRun(cx, cy, dx, dy, rFirst, step, e - b, profile + b);
        nSamples = e;
        MembraneRay& ray = out.rays[k];
        ray.neighbour = neighbour;
        ray.edge = static_cast<float>(e > b ? std::min(rEdge, static_cast<double>(radii[e - 1])) : rEdge);
        for (std::size_t i = b; i < e && radii[i] < rEdge - band; ++i) cytoplasm[nCytoplasm++] = profile[i];

        // Side attribution by the mid-line: DAB between this cell and a neighbouring cell
        // belongs to this cell only up to sideTolerance past the mid-line between the two
        // nuclei.
        std::size_t keepEnd = e;
        if (neighbour > 0 && centres && static_cast<std::size_t>(neighbour) < centres->size()) {
            const cv::Point2d& other = (*centres)[static_cast<std::size_t>(neighbour)];
            // r - |p(r) - other| never decreases along a ray, so once a sample lies past the
            // mid-line every later one does.
            auto pastMidLine = [&](std::size_t i) {
                const double x = cx + radii[i] * dx - other.x, y = cy + radii[i] * dy - other.y;
                const double theirs = std::sqrt(x * x + y * y);
                return 0.5 * (theirs - radii[i]) < -sideTolerance;
            };
            // The first such sample, from a guess: with u the ray's direction, o = other - centre
            // and t = 2 sideTolerance, |r u - o| < r - t holds beyond r* = (|o|^2 - t^2) /
            // (2 u.o - 2 t) when the denominator is positive (never otherwise). The guess is then
            // moved to the exact boundary of the test itself, mostly in one or two tests with no
            // mispredicted branch, where a bisection takes five.
            const double ox = other.x - cx, oy = other.y - cy, t = 2 * sideTolerance;
            const double denominator = 2 * (dx * ox + dy * oy) - 2 * t;
            std::size_t guess = e;
            if (denominator > 0) {
                const double rStar = (ox * ox + oy * oy - t * t) / denominator;
                const double steps = std::ceil((rStar - rFirst) / step);
                if (steps <= 0)
                    guess = b;
                else if (steps < static_cast<double>(e - b))
                    guess = b + static_cast<std::size_t>(steps);
            }
            keepEnd = guess;
            while (keepEnd > b && pastMidLine(keepEnd - 1)) --keepEnd;
            while (keepEnd < e && !pastMidLine(keepEnd)) ++keepEnd;
            if (keepEnd < e) {
                ray.cutLimit = radii[keepEnd];
                // Cut at the limit: DAB still rising there is the flank of the neighbour's
                // membrane, not a ridge of this cell's. Strip it back to the last local
                // maximum, so that only a membrane peaking on this side counts.
                while (keepEnd >= b + 2 && profile[keepEnd - 1] >= profile[keepEnd - 2]) --keepEnd;
            }
        }
        cutEnd[k] = keepEnd;
    };
    // Most rays stay well inside the tile, and their lookups need no clamps: a ray's samples
    // lie on the segment from the centre to rMax along it, inside the images when both ends
    // are (with a pixel to spare for the interpolation).
    const bool uniform = dab.type() == CV_32FC1 && cells.type() == CV_32SC1 && nuclei.type() == CV_32SC1 &&
                         dab.size() == cells.size() && dab.size() == nuclei.size();
    const double xHi = dab.cols - 2.0, yHi = dab.rows - 2.0;
    auto within = [&](double x, double y) { return x >= 1 && y >= 1 && x <= xHi && y <= yHi; };
    const InsideSampler unchecked(dab, cells, nuclei);
    const ClampedSampler clamped{dab, cells, nuclei};
    const bool centreInside = uniform && within(cx, cy);
    if (centreInside && within(cx - rMax, cy - rMax) && within(cx + rMax, cy + rMax))
        for (const cv::Mat* m : {&nuclei, &cells, &dab})
            prefetchBox(*m, cx - rMax, cy - rMax, cx + rMax, cy + rMax);
    for (std::size_t k = 0; k < rays; ++k) {
        if (centreInside && within(cx + rMax * m_cos[k], cy + rMax * m_sin[k]))
            castRay(unchecked, k);
        else
            castRay(clamped, k);
    }
    start[rays] = nSamples;

    // Median, not mean: the territory may reach into the membrane band here and there.
    double cyto = 0;
    if (nCytoplasm > 0) {
        cyto = detail::selectNth(cytoplasm, nCytoplasm, nCytoplasm / 2);
    }
    out.cytoplasmMedian = cyto;

    // The near-cell probes around a peak, the peak itself first; a cell whose probes all stay
    // inside the label image reads them unchecked.
    double probe[17][2] = {{0, 0}};
    for (int d = 0; d < 16; ++d) {
        const double reach = d < 8 ? band : 2 * band;
        probe[d + 1][0] = reach * kCompass[d % 8][0];
        probe[d + 1][1] = reach * kCompass[d % 8][1];
    }
    const double probeReach = 2 * band;
    for (std::size_t k = 0; k < rays; ++k) {
        const std::size_t b = start[k];
        MembraneRay& ray = out.rays[k];
        std::size_t last = 0;
        ray.full = readProfile(profile + b, radii + b, start[k + 1] - b, cyto, m_params.stainedOd,
                               step * m_mpp, last);
        // The cut profile is a prefix of the full one: holding the full peak's band (the peak
        // is the first maximum, the band ends where it ends), it reads the same.
        ray.cut = cutEnd[k] - b > last ? ray.full
                                       : readProfile(profile + b, radii + b, cutEnd[k] - b, cyto,
                                                     m_params.stainedOd, step * m_mpp, last);
        if (start[k + 1] == b) ray.full.radius = ray.cut.radius = ray.edge;
        // Cells around a stained peak: its own pixel and eight points each one and two bands
        // away (an unstained ray needs none: it is evidence of no membrane wherever it is).
        const bool cutOn = stained(ray.cut, cyto);
        if (!cutOn && !stained(ray.full, cyto)) continue;
        const double peakR = cutOn ? ray.cut.radius : ray.full.radius;
        const double peakX = centre.x + peakR * m_cos[k], peakY = centre.y + peakR * m_sin[k];
        const bool probesInside = uniform && within(peakX - probeReach, peakY - probeReach) &&
                                  within(peakX + probeReach, peakY + probeReach);
        // All 17 labels first, then the first three distinct others among them: the lookups
        // then wait on no branch, and mostly a single other cell (or none) lies around.
        int seen[17];
        for (int d = 0; d < 17; ++d) {
            const double x = peakX + probe[d][0], y = peakY + probe[d][1];
            seen[d] = probesInside ? unchecked.cell(x, y) : labelAt(cells, x, y);
        }
        unsigned others = 0, same = 0;  // bit d: seen[d] is another cell; it is the first of them
        for (int d = 0; d < 17; ++d) others |= static_cast<unsigned>(seen[d] > 0 && seen[d] != label) << d;
        if (others == 0) continue;
        const int one = seen[std::countr_zero(others)];
        for (int d = 0; d < 17; ++d) same |= static_cast<unsigned>(seen[d] == one) << d;
        if ((others & ~same) == 0) {
            ray.near[0] = one;
            continue;
        }
        std::size_t found = 0;
        for (int d = 0; d < 17 && found < ray.near.size(); ++d) {
            const int l = seen[d];
            if (l <= 0 || l == label ||
                std::find(ray.near.begin(), ray.near.begin() + found, l) != ray.near.begin() + found)
                continue;
            ray.near[found++] = l;
        }
    }
    return out;
}

MembraneMeasures MembraneAnalyzer::summarize(const MembraneTrace& t, const std::vector<RayUse>& use) const {
    MembraneMeasures out;
    const std::size_t rays = t.rays.size();
    if (rays == 0) return out;
    const int sectors = static_cast<int>(rays) / kRaysPerSector;
    const double cyto = t.cytoplasmMedian;
    std::vector<double> radius(rays, 0);
    std::vector<char> rayStained(rays, 0);
    double sumMembrane = 0, sumWidth = 0, sumBorrowed = 0, sumBorrowedWidth = 0;
    std::size_t nMembrane = 0, nStained = 0, nBorrowed = 0, nBorrowedRays = 0;
    for (std::size_t k = 0; k < rays; ++k) {
        const MembraneRay& ray = t.rays[k];
        const RayUse u = use.empty() ? RayUse::Cut : use[k];
        const MembraneRay::Reading& r = (u == RayUse::Full || u == RayUse::Completion) ? ray.full : ray.cut;
        const bool on = u != RayUse::Drop && stained(r, cyto);
        if (u != RayUse::Drop) out.odMax = std::max(out.odMax, static_cast<double>(r.peak));
        if (!on) {
            radius[k] = ray.edge;
            continue;
        }
        rayStained[k] = 1;
        radius[k] = r.radius;
        if (u == RayUse::Completion) {
            sumBorrowed += r.memberSum;
            nBorrowed += static_cast<std::size_t>(r.memberCount);
            sumBorrowedWidth += r.widthUm;
            ++nBorrowedRays;
            continue;
        }
        sumMembrane += r.memberSum;
        nMembrane += static_cast<std::size_t>(r.memberCount);
        sumWidth += r.widthUm;
        ++nStained;
    }
    if (nStained == 0 && nBorrowedRays > 0) {
        // Only shared membrane: its intensity is all there is to measure.
        sumMembrane = sumBorrowed;
        nMembrane = nBorrowed;
        sumWidth = sumBorrowedWidth;
        nStained = nBorrowedRays;
    }
    int stainedSectors = 0;
    for (int s = 0; s < sectors; ++s) {
        int n = 0;
        for (int j = 0; j < kRaysPerSector; ++j)
            n += rayStained[static_cast<std::size_t>(s * kRaysPerSector + j)];
        if (2 * n > kRaysPerSector) ++stainedSectors;
    }
    out.completeness = sectors > 0 ? static_cast<double>(stainedSectors) / sectors : 0;
    out.odMean = nMembrane ? sumMembrane / static_cast<double>(nMembrane) : 0;
    out.thicknessUm = nStained ? sumWidth / static_cast<double>(nStained) : 0;
    out.cytoplasmOd = cyto;
    // Outline: circular median of three radii, one point per ray.
    out.outline.reserve(rays);
    for (std::size_t k = 0; k < rays; ++k) {
        const double a = radius[(k + rays - 1) % rays], b = radius[k], c = radius[(k + 1) % rays];
        const double med = std::max(std::min(a, b), std::min(std::max(a, b), c));
        out.outline.emplace_back(t.centre.x + med * m_cos[k], t.centre.y + med * m_sin[k]);
    }
    return out;
}

double MembraneAnalyzer::freeFraction(const MembraneTrace& t,
                                      const std::vector<unsigned char>& stainedCells) const {
    auto stainedCell = [&](int l) {
        return l > 0 && (static_cast<std::size_t>(l) >= stainedCells.size() ||
                         stainedCells[static_cast<std::size_t>(l)]);
    };
    std::size_t n = 0, on = 0;
    for (const MembraneRay& ray : t.rays) {
        if (stainedCell(ray.neighbour) || std::any_of(ray.near.begin(), ray.near.end(), stainedCell))
            continue;
        ++n;
        // The whole reading too: facing no stained cell, a membrane past the mid-line (a large
        // cell next to a small one) is still this cell's own.
        on += stained(ray.cut, t.cytoplasmMedian) || stained(ray.full, t.cytoplasmMedian);
    }
    // Under a quarter of the outline free: too little to judge.
    return 4 * n >= t.rays.size() && n > 0 ? static_cast<double>(on) / static_cast<double>(n) : -1.0;
}

OwnMembranes MembraneAnalyzer::ownMembranes(const std::vector<MembraneTrace>& traces) const {
    // First guess: stained where a tenth of the outline is (borrowed or not); an untraced cell
    // gives no evidence and counts as stained.
    std::vector<unsigned char> stainedAtAll(traces.size(), 1);
    for (std::size_t l = 0; l < traces.size(); ++l) {
        const MembraneTrace& t = traces[l];
        if (t.empty() || t.clipped) continue;  // part of its outline is unseen: no evidence
        std::size_t on = 0;
        for (const MembraneRay& ray : t.rays) on += stained(ray.cut, t.cytoplasmMedian);
        stainedAtAll[l] =
            static_cast<double>(on) >= m_params.minStainedFraction * static_cast<double>(t.rays.size());
    }
    // Then: a cell whose free rays are unstained only borrows its stain from its neighbours.
    OwnMembranes out;
    out.own = stainedAtAll;
    for (std::size_t l = 0; l < traces.size(); ++l) {
        if (traces[l].empty() || traces[l].clipped || !stainedAtAll[l]) continue;
        const double f = freeFraction(traces[l], stainedAtAll);
        if (f >= 0 && f < m_params.minStainedFraction) out.own[l] = 0;
    }
    // Finally, judged against that: which cells lend nothing and which take nothing.
    out.bare.assign(traces.size(), 0);
    out.shown.assign(traces.size(), 0);
    for (std::size_t l = 0; l < traces.size(); ++l) {
        if (traces[l].empty() || traces[l].clipped) continue;
        const double f = freeFraction(traces[l], out.own);
        out.bare[l] = f >= 0 && f < m_params.minStainedFraction;
        out.shown[l] = out.own[l] && f >= m_params.minStainedFraction;
    }
    return out;
}

std::vector<RayUse> MembraneAnalyzer::attribute(int label, const std::vector<MembraneTrace>& traces,
                                                const OwnMembranes& owners) const {
    const MembraneTrace& self = traces[static_cast<std::size_t>(label)];
    const std::size_t rays = self.rays.size();
    std::vector<RayUse> use(rays, RayUse::Cut);
    const double band = bandPx();
    // Own evidence of a cell, leaving out the rays that face one neighbour: the stained
    // fraction of the rest of its outline and their mean peak, from the mid-line readings.
    struct Rest {
        double fraction = 0, peak = 0;
    };
    auto restOf = [&](const MembraneTrace& t, int without) {
        std::size_t n = 0, on = 0;
        double peaks = 0;
        for (const MembraneRay& ray : t.rays) {
            if (without > 0 && ray.neighbour == without) continue;
            ++n;
            if (stained(ray.cut, t.cytoplasmMedian)) {
                ++on;
                peaks += ray.cut.peak;
            }
        }
        Rest r;
        if (n > 0) r.fraction = static_cast<double>(on) / static_cast<double>(n);
        if (on > 0) r.peak = peaks / static_cast<double>(on);
        return r;
    };
    // Continuity: the stained fraction of the rays that flank the run facing one neighbour
    // (within one sector on either side). A stained arc is continuous along its cell's
    // outline, so where it runs on into the shared border the membrane there is that cell's.
    std::vector<unsigned char> facingRing;  // rays facing the neighbour, wrapped by one sector
    auto flankOf = [&](const MembraneTrace& t, int facing) {
        const std::size_t n = t.rays.size();
        constexpr std::size_t w = kRaysPerSector;
        facingRing.assign(n + 2 * w, 0);
        for (std::size_t j = 0; j < n; ++j) facingRing[j + w] = t.rays[j].neighbour == facing;
        for (std::size_t d = 0; d < w && d < n; ++d) {
            facingRing[d] = facingRing[n + d];          // rays n-w .. n-1 before ray 0
            facingRing[n + w + d] = facingRing[w + d];  // rays 0 .. w-1 after ray n-1
        }
        std::size_t flank = 0, on = 0;
        for (std::size_t j = 0; j < n; ++j) {
            const unsigned char* f = facingRing.data() + j + w;
            if (*f) continue;
            bool near = false;
            for (std::size_t d = 1; d <= w && !near; ++d) near = f[d] || f[-static_cast<std::ptrdiff_t>(d)];
            if (!near) continue;
            ++flank;
            on += stained(t.rays[j].cut, t.cytoplasmMedian);
        }
        return flank ? static_cast<double>(on) / static_cast<double>(flank) : 0.0;
    };
    // A cell that shows no membrane of its own on its free rays takes no stain that lies
    // within reach of a neighbour that shows one, but across its border with it: at a
    // junction that stain is the neighbour's membrane, whichever territory the ray crosses.
    CV_Assert(owners.bare.size() == traces.size() && owners.shown.size() == traces.size());
    if (owners.bare[static_cast<std::size_t>(label)]) {
        auto shown = [&](int l) {
            return l > 0 && static_cast<std::size_t>(l) < traces.size() &&
                   owners.shown[static_cast<std::size_t>(l)];
        };
        std::vector<std::pair<int, bool>> runsOnMemo;
        auto runsOn = [&](int l) {
            for (const auto& [seen, on] : runsOnMemo)
                if (seen == l) return on;
            runsOnMemo.emplace_back(l, flankOf(traces[static_cast<std::size_t>(l)], label) >= 0.5);
            return runsOnMemo.back().second;
        };
        for (std::size_t k = 0; k < rays; ++k) {
            const MembraneRay& ray = self.rays[k];
            if (shown(ray.neighbour)) {
                // Facing the neighbour itself, a stain on this side of the mid-line stays this
                // cell's (an incomplete arc of its own), unless it is only read past the
                // mid-line or the neighbour's stained arc runs on into it.
                if (!stained(ray.cut, self.cytoplasmMedian) || runsOn(ray.neighbour)) use[k] = RayUse::Drop;
            } else if (std::any_of(ray.near.begin(), ray.near.end(), shown)) {
                use[k] = RayUse::Drop;
            }
        }
    }
    std::vector<int> done;
    for (std::size_t k = 0; k < rays; ++k) {
        const int nb = self.rays[k].neighbour;
        // A neighbour cut off by the tile edge (deep in the halo) shows only part of its
        // outline: its evidence is not trusted, the shared border is read at the mid-line.
        if (nb <= 0 || static_cast<std::size_t>(nb) >= traces.size() ||
            traces[static_cast<std::size_t>(nb)].empty() || traces[static_cast<std::size_t>(nb)].clipped)
            continue;
        if (std::find(done.begin(), done.end(), nb) != done.end()) continue;
        done.push_back(nb);
        const MembraneTrace& other = traces[static_cast<std::size_t>(nb)];
        const Rest mine = restOf(self, nb), theirs = restOf(other, label);
        // A cell has its own membrane when the rest of its outline is stained at all
        // (ihc.min_stained_fraction).
        const bool mineOwn = mine.fraction >= m_params.minStainedFraction;
        const bool theirsOwn = theirs.fraction >= m_params.minStainedFraction;
        const bool mineRunsOn = flankOf(self, nb) >= 0.5;
        const bool theirsRunOn = flankOf(other, label) >= 0.5;
        for (std::size_t j = k; j < rays; ++j) {
            const MembraneRay& ray = self.rays[j];
            if (ray.neighbour != nb) continue;
            if (use[j] == RayUse::Drop) {
                continue;
            } else if (theirsRunOn && !mineRunsOn) {
                // The neighbour's stained arc (or ring) runs on into the shared border and this
                // cell's outline is unstained on both sides of it: the stain between them is
                // the neighbour's, even when the rest of this cell's outline is stained (a
                // U-shaped cell whose open side faces the neighbour).
                use[j] = RayUse::Drop;
            } else if (mineRunsOn && !theirsRunOn) {
                // Conversely, this cell's arc runs on along the border: all of the stain
                // between them is this cell's.
                use[j] = RayUse::Full;
            } else if (mineOwn && theirsOwn) {
                // Both stained: their bands merge into one ridge, which the mid-line may cut
                // on the wrong side (the ray then loses its membrane) or take whole (the ray
                // then reads the brighter band). Either way there is membrane here: it
                // completes this cell's outline, but only a reading on this cell's side that is
                // not far brighter than its own membrane elsewhere, next to a brighter
                // neighbour, gives it intensity.
                // A whole reading that peaks more than a membrane width past the mid-line
                // read the neighbour's own band, wholly on its side: the two bands merge near
                // the mid-line. This cell's outline has a gap there (a U-shaped cell whose
                // open side faces a stained neighbour).
                const bool cutOn = stained(ray.cut, self.cytoplasmMedian);
                const bool brighter =
                    ray.cut.peak > kIntensityRatio * mine.peak && theirs.peak > kIntensityRatio * mine.peak;
                const bool merged = ray.full.radius <= ray.cutLimit + band;
                if (!cutOn && merged && stained(ray.full, self.cytoplasmMedian))
                    use[j] = RayUse::Completion;
                else if (cutOn && brighter)
                    use[j] = RayUse::Completion;
            }
        }
    }
    return use;
}

MembraneMeasures MembraneAnalyzer::measure(const cv::Mat& dab, const cv::Mat& cells, const cv::Mat& nuclei,
                                           int label, cv::Point2d centre,
                                           const std::vector<cv::Point2d>* centres) const {
    return summarize(trace(dab, cells, nuclei, label, centre, centres));
}

}  // namespace her2::imaging
