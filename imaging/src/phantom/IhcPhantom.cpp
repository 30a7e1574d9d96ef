// The IHC phantom: layout of cells on a jittered hexagonal lattice (Voronoi polygons),
// tumour nests and stroma from a smooth random field, exact per-class cell counts, and a
// per-rectangle renderer of Beer-Lambert optical density.
#include "her2/imaging/IhcPhantom.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>

#include <opencv2/imgproc.hpp>

#include "her2/core/Errors.hpp"
#include "her2/core/PixelCalibration.hpp"
#include "her2/core/ScoringRules.hpp"
#include "phantom/IhcPhantomDetail.hpp"
#include "phantom/PhantomRandom.hpp"

namespace her2::imaging {

namespace {

using detail::ConvexCell;
using detail::hash;
using detail::key;
using detail::unit;

constexpr double kJitter = 0.2;      ///< lattice jitter, fraction of the spacing (each axis)
constexpr double kHalfGapUm = 0.15;  ///< half the intercellular space between tumour cells
/// Cytoplasmic blush is capped so that, with its texture (at most +50 %), it stays under the
/// 0.05 OD at which a membrane pixel counts as stained.
constexpr double kMaxBlushOd = 0.03;
constexpr int kTexSize = 512;  ///< periodic texture tables (power of two)
constexpr int kFibreSize = 1024;
constexpr int kLutSize = 16384;  ///< OD -> intensity table over [0, kLutMaxOd)
constexpr double kLutMaxOd = 4.0;

/// How each membrane class is drawn: band OD range (before blur, at full resolution) and
/// precipitate width (Scheel et al. 2018). The ODs are chosen so that an analyser working
/// at 0.5 µm/px, after optical blur and JPEG, measures a stained-pixel mean well inside
/// its class range (faint 0.05-0.18, weak-moderate 0.18-0.45, strong >= 0.45): the narrow
/// faint and moderate bands lose contrast to partial-volume averaging at that resolution.
struct ClassLook {
    double odLo, odHi, widthUm;
};
constexpr std::array<ClassLook, 4> kLook{{
    {0, 0, 0},
    {0.17, 0.21, 0.64},
    {0.45, 0.54, 1.0},
    {0.85, 1.10, 2.1},
}};

enum class SiteKind : std::uint8_t { Glass, Stroma, Tumour, Spindle, Lymphocyte };

struct Site {
    float x = 0, y = 0;
    SiteKind kind = SiteKind::Glass;
    core::IntensityClass intensity = core::IntensityClass::Negative;
    core::MembranePattern pattern = core::MembranePattern::None;
    std::uint8_t arcs = 0;
    float arcStart[2]{};
    float arcLen[2]{};
    float od = 0;
    float widthPx = 0;
};

struct Ellipse {
    double cx = 0, cy = 0, a = 0, b = 0, theta = 0, od = 0;
    std::vector<core::PointD> outline(int points, double grow = 0) const {
        std::vector<core::PointD> out;
        out.reserve(static_cast<std::size_t>(points));
        const double c = std::cos(theta), s = std::sin(theta);
        for (int k = 0; k < points; ++k) {
            const double t = 2 * std::numbers::pi * k / points;
            const double ex = (a + grow) * std::cos(t), ey = (b + grow) * std::sin(t);
            out.push_back({cx + ex * c - ey * s, cy + ex * s + ey * c});
        }
        return out;
    }
};

void check(bool ok, const std::string& what) {
    if (!ok) throw core::ParameterError("IHC phantom: " + what);
}

void validate(const IhcPhantomSpec& s) {
    check(s.width > 0 && s.height > 0, "width and height must be positive");
    check(s.width <= 1'000'000 && s.height <= 1'000'000, "width and height must be at most 1000000 px");
    check(std::isfinite(s.mpp) && s.mpp >= 0.05 && s.mpp <= 4, "mpp must be in [0.05, 4] µm");
    double sum = 0;
    for (std::size_t k = 1; k < 4; ++k) {
        const auto& c = s.classes[k];
        check(std::isfinite(c.fraction) && c.fraction >= 0 && c.fraction <= 1,
              "class fractions must be in [0, 1]");
        sum += c.fraction;
        const auto& p = c.patterns;
        check(p.complete >= 0 && p.lateral >= 0 && p.partial >= 0, "pattern weights must not be negative");
        check(c.fraction == 0 || p.complete + p.lateral + p.partial > 0,
              "a class in use needs a pattern weight");
    }
    check(sum <= 1 + 1e-9, "class fractions sum above 1");
    check(s.heterogeneity >= 0 && s.heterogeneity <= 1, "heterogeneity must be in [0, 1]");
    check(s.heterogeneityScaleUm > 0 && s.nestScaleUm > 0, "field scales must be positive");
    check(s.tumourFraction >= 0 && s.tumourFraction <= 1, "tumourFraction must be in [0, 1]");
    check(s.tissueMarginUm >= 0, "tissueMarginUm must not be negative");
    check(s.cellDiameterUm >= 10 && s.cellDiameterUm <= 30, "cellDiameterUm must be in [10, 30]");
    check(s.cellDiameterUm / s.mpp >= 6, "cells must be at least 6 px across (raise mpp resolution)");
    check(s.lymphocyteFraction >= 0 && s.lymphocyteFraction <= 1, "lymphocyteFraction must be in [0, 1]");
    check(s.stromaCellDensity >= 0 && s.stromaCellDensity <= 1, "stromaCellDensity must be in [0, 1]");
    check(s.biopsyClusterCells >= 0 && s.biopsyClusterCells <= 10000,
          "biopsyClusterCells must be in [0, 10000]");
    if (s.biopsyClusterCells > 0) {
        check(s.biopsyClusterClass != core::IntensityClass::Negative,
              "a biopsy cluster needs a stained class");
        check(s.biopsyClusterPattern != core::MembranePattern::None,
              "a biopsy cluster needs a membrane pattern");
    }
    check(s.stainJitter >= 0 && s.stainJitter <= 0.2, "stainJitter must be in [0, 0.2]");
    check(s.cytoplasmBlush >= 0 && s.cytoplasmBlush <= 1, "cytoplasmBlush must be in [0, 1]");
    check(s.blurSigmaUm >= 0 && s.blurSigmaUm <= 3, "blurSigmaUm must be in [0, 3]");
    check(s.noiseSigma >= 0 && s.noiseSigma <= 50, "noiseSigma must be in [0, 50]");
    check(s.jpegQuality >= 1 && s.jpegQuality <= 100, "jpegQuality must be in [1, 100]");
    check(s.tileSize >= 64 && s.tileSize <= 4096 && s.tileSize % 16 == 0,
          "tileSize must be a multiple of 16 in [64, 4096]");
}

std::array<double, 3> normalised(std::array<double, 3> v) {
    const double n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    for (auto& x : v) x /= n;
    return v;
}

/// Separable Gaussian blur of a periodic table (wrap-around), in place.
void blurPeriodic(std::vector<float>& t, int size, double sx, double sy) {
    auto kernel = [](double sigma) {
        const int r = std::max(1, static_cast<int>(std::ceil(3 * sigma)));
        std::vector<float> k(static_cast<std::size_t>(2 * r + 1));
        double sum = 0;
        for (int i = -r; i <= r; ++i)
            sum += k[static_cast<std::size_t>(i + r)] =
                static_cast<float>(std::exp(-0.5 * i * i / (sigma * sigma)));
        for (auto& v : k) v = static_cast<float>(v / sum);
        return k;
    };
    const int mask = size - 1;
    std::vector<float> tmp(t.size());
    const auto kx = kernel(sx);
    const int rx = static_cast<int>(kx.size() / 2);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            float acc = 0;
            for (int i = -rx; i <= rx; ++i)
                acc += kx[static_cast<std::size_t>(i + rx)] *
                       t[static_cast<std::size_t>(y * size + ((x + i) & mask))];
            tmp[static_cast<std::size_t>(y * size + x)] = acc;
        }
    const auto ky = kernel(sy);
    const int ry = static_cast<int>(ky.size() / 2);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            float acc = 0;
            for (int i = -ry; i <= ry; ++i)
                acc += ky[static_cast<std::size_t>(i + ry)] *
                       tmp[static_cast<std::size_t>(((y + i) & mask) * size + x)];
            t[static_cast<std::size_t>(y * size + x)] = acc;
        }
}

/// Smooth periodic noise with zero mean and unit standard deviation.
std::vector<float> noiseTexture(std::uint64_t seed, int size, double sigmaPx) {
    std::vector<float> t(static_cast<std::size_t>(size) * size);
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(detail::gaussian(hash(seed, i)));
    blurPeriodic(t, size, std::max(0.5, sigmaPx), std::max(0.5, sigmaPx));
    double mean = 0, sq = 0;
    for (float v : t) mean += v;
    mean /= static_cast<double>(t.size());
    for (float v : t) sq += (v - mean) * (v - mean);
    const double sd = std::sqrt(sq / static_cast<double>(t.size()));
    for (auto& v : t) v = static_cast<float>((v - mean) / sd);
    return t;
}

/// Collagen fibres: wavy antialiased curves in a periodic table, values in [0, 1].
std::vector<float> fibreTexture(std::uint64_t seed, double mpp) {
    cv::Mat canvas(kFibreSize, kFibreSize, CV_8UC1, cv::Scalar(0));
    detail::SplitMix rng(seed);
    const double pxPerUm = 1.0 / mpp;
    const double areaUm2 = (kFibreSize * mpp) * (kFibreSize * mpp);
    const int curves = static_cast<int>(areaUm2 / 260.0);
    for (int k = 0; k < curves; ++k) {
        double x = rng.uniform(0, kFibreSize), y = rng.uniform(0, kFibreSize);
        // Fibres run in bundles: the direction follows a smooth field of the start point.
        double angle =
            std::numbers::pi * detail::smoothField(seed ^ 0x77, x, y, 120 * pxPerUm) + rng.normal() * 0.25;
        const double lengthPx = rng.uniform(30, 110) * pxPerUm;
        const int steps = std::max(4, static_cast<int>(lengthPx / (3 * pxPerUm)));
        const double step = lengthPx / steps;
        const double bend = rng.normal() * 0.06;
        std::vector<cv::Point> pts;
        pts.reserve(static_cast<std::size_t>(steps + 1));
        for (int s = 0; s <= steps; ++s) {
            pts.emplace_back(static_cast<int>(std::lround(x * 16)), static_cast<int>(std::lround(y * 16)));
            angle += bend + rng.normal() * 0.05;
            x += step * std::cos(angle);
            y += step * std::sin(angle);
        }
        const int value = static_cast<int>(rng.uniform(90, 255));
        const int thickness = std::max(1, static_cast<int>(std::lround(rng.uniform(0.4, 1.0) * pxPerUm)));
        for (int oy = -1; oy <= 1; ++oy)
            for (int ox = -1; ox <= 1; ++ox) {
                std::vector<cv::Point> shifted(pts);
                for (auto& p : shifted) p += cv::Point(ox * kFibreSize * 16, oy * kFibreSize * 16);
                cv::polylines(canvas, shifted, false, cv::Scalar(value), thickness, cv::LINE_AA, 4);
            }
    }
    std::vector<float> t(static_cast<std::size_t>(kFibreSize) * kFibreSize);
    for (int y = 0; y < kFibreSize; ++y)
        for (int x = 0; x < kFibreSize; ++x)
            t[static_cast<std::size_t>(y * kFibreSize + x)] = canvas.at<std::uint8_t>(y, x) / 255.0f;
    return t;
}

std::size_t largestRemainderSplit(std::size_t n, const std::array<double, 3>& w,
                                  std::array<std::size_t, 3>& out) {
    const double sum = w[0] + w[1] + w[2];
    std::array<double, 3> exact{};
    std::size_t given = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        exact[k] = sum > 0 ? static_cast<double>(n) * w[k] / sum : 0;
        out[k] = static_cast<std::size_t>(std::floor(exact[k]));
        given += out[k];
    }
    while (given < n) {
        std::size_t best = 0;
        double rem = -1;
        for (std::size_t k = 0; k < 3; ++k)
            if (w[k] > 0 && exact[k] - static_cast<double>(out[k]) > rem) {
                rem = exact[k] - static_cast<double>(out[k]);
                best = k;
            }
        ++out[best];
        exact[best] -= 1;  // do not pick the same remainder twice
        ++given;
    }
    return given;
}

}  // namespace

struct IhcPhantom::Impl {
    IhcPhantomSpec spec;
    IhcStainModel stains;
    double spacing = 0, rowH = 0, halfGap = 0, marginPx = 0, edgeScale = 0, reach = 0;
    std::int64_t i0 = 0, j0 = 0, cols = 0, rows = 0;
    std::uint64_t seedPos = 0, seedEdge = 0, seedNest = 0, seedCell = 0, seedNoise = 0, seedOrient = 0;
    std::vector<Site> sites;
    std::vector<float> chromatin, cyto, fibre, gaussTable;
    std::array<std::vector<float>, 3> lut;
    std::vector<float> blurKernel;
    int blurRadius = 0;

    explicit Impl(IhcPhantomSpec s) : spec(std::move(s)) {
        validate(spec);
        const std::uint64_t seed = spec.seed;
        seedPos = hash(seed, 11);
        seedEdge = hash(seed, 12);
        seedNest = hash(seed, 13);
        seedCell = hash(seed, 14);
        seedNoise = hash(seed, 15);
        seedOrient = hash(seed, 16);
        spacing = spec.cellDiameterUm / spec.mpp;
        rowH = spacing * std::sqrt(3.0) / 2;
        halfGap = kHalfGapUm / spec.mpp;
        marginPx = spec.tissueMarginUm / spec.mpp;
        edgeScale = 150 / spec.mpp;
        reach = std::max(1.25 * spacing, 12 / spec.mpp + 0.45 * spacing) + 2;
        i0 = -3;
        j0 = -3;
        cols = static_cast<std::int64_t>(std::ceil(static_cast<double>(spec.width) / spacing)) + 7;
        rows = static_cast<std::int64_t>(std::ceil(static_cast<double>(spec.height) / rowH)) + 7;
        check(cols * rows <= 40'000'000,
              "slide too large for the cell layout (over 40 million lattice sites)");
        makeStains();
        makeTables();
        layout();
    }

    // ---- stains and tables -------------------------------------------------------------

    void makeStains() {
        detail::SplitMix rng(hash(spec.seed, 21));
        std::array<double, 3> h{0.65, 0.70, 0.29}, d{0.27, 0.57, 0.78};
        for (auto& v : h) v = std::max(0.01, v + spec.stainJitter * rng.normal());
        for (auto& v : d) v = std::max(0.01, v + spec.stainJitter * rng.normal());
        stains.hematoxylin = normalised(h);
        stains.dab = normalised(d);
        const double base = rng.uniform(240, 248);
        stains.background = {base + rng.uniform(-2, 2), base + rng.uniform(-2, 2),
                             std::min(254.0, base + rng.uniform(0, 4))};
    }

    void makeTables() {
        chromatin = noiseTexture(hash(spec.seed, 31), kTexSize, 0.3 / spec.mpp);
        cyto = noiseTexture(hash(spec.seed, 32), kTexSize, 1.2 / spec.mpp);
        fibre = fibreTexture(hash(spec.seed, 33), spec.mpp);
        gaussTable.resize(65536);
        for (std::size_t i = 0; i < gaussTable.size(); ++i)
            gaussTable[i] = static_cast<float>(detail::gaussian(hash(spec.seed, 34, i)));
        for (int c = 0; c < 3; ++c) {
            lut[c].resize(kLutSize);
            for (int i = 0; i < kLutSize; ++i)
                lut[c][i] =
                    static_cast<float>(stains.background[c] * std::pow(10.0, -kLutMaxOd * i / kLutSize));
        }
        const double sigma = spec.blurSigmaUm / spec.mpp;
        if (sigma >= 0.05) {
            blurRadius = std::max(1, static_cast<int>(std::ceil(3 * sigma)));
            blurKernel.resize(static_cast<std::size_t>(2 * blurRadius + 1));
            double sum = 0;
            for (int i = -blurRadius; i <= blurRadius; ++i)
                sum += blurKernel[static_cast<std::size_t>(i + blurRadius)] =
                    static_cast<float>(std::exp(-0.5 * i * i / (sigma * sigma)));
            for (auto& v : blurKernel) v = static_cast<float>(v / sum);
        }
    }

    // ---- geometry ----------------------------------------------------------------------

    core::PointD latticePoint(std::int64_t i, std::int64_t j) const noexcept {
        const double jx = (unit(hash(seedPos, key(i), key(j), 1)) - 0.5) * 2 * kJitter;
        const double jy = (unit(hash(seedPos, key(i), key(j), 2)) - 0.5) * 2 * kJitter;
        return {(static_cast<double>(i) + 0.5 * static_cast<double>(j & 1) + jx) * spacing,
                static_cast<double>(j) * rowH + jy * spacing};
    }

    std::size_t index(std::int64_t i, std::int64_t j) const noexcept {
        return static_cast<std::size_t>((j - j0) * cols + (i - i0));
    }
    bool inLattice(std::int64_t i, std::int64_t j) const noexcept {
        return i >= i0 && i < i0 + cols && j >= j0 && j < j0 + rows;
    }
    std::int64_t latticeI(std::size_t idx) const noexcept {
        return static_cast<std::int64_t>(idx) % cols + i0;
    }
    std::int64_t latticeJ(std::size_t idx) const noexcept {
        return static_cast<std::int64_t>(idx) / cols + j0;
    }

    /// The six hexagonal neighbours (rows of odd j are shifted right by half a spacing).
    std::array<std::pair<std::int64_t, std::int64_t>, 6> neighbours(std::int64_t i,
                                                                    std::int64_t j) const noexcept {
        const std::int64_t s = (j & 1) ? 0 : -1;
        return {
            {{i - 1, j}, {i + 1, j}, {i + s, j - 1}, {i + s + 1, j - 1}, {i + s, j + 1}, {i + s + 1, j + 1}}};
    }

    /// Signed distance to the tissue edge (px, positive in tissue).
    double tissueEdge(double x, double y) const noexcept {
        const double w = static_cast<double>(spec.width - 1), h = static_cast<double>(spec.height - 1);
        const double border = std::min(std::min(x, y), std::min(w - x, h - y));
        if (marginPx <= 0) return border + 0.5;
        if (border > 1.75 * marginPx + 2) return border;
        return border - marginPx * (1 + 0.6 * detail::smoothField(seedEdge, x, y, edgeScale));
    }

    /// Voronoi polygon of a lattice site, shrunk by half the intercellular gap.
    ConvexCell cellPolygon(std::int64_t i, std::int64_t j) const {
        const core::PointD s = latticePoint(i, j);
        const double r = 1.6 * spacing;
        std::vector<core::PointD> poly{
            {s.x - r, s.y - r}, {s.x + r, s.y - r}, {s.x + r, s.y + r}, {s.x - r, s.y + r}};
        for (std::int64_t dj = -2; dj <= 2; ++dj)
            for (std::int64_t di = -2; di <= 2; ++di) {
                if (di == 0 && dj == 0) continue;
                const core::PointD q = latticePoint(i + di, j + dj);
                const double dx = q.x - s.x, dy = q.y - s.y, l = std::hypot(dx, dy);
                const double nx = dx / l, ny = dy / l;
                poly = detail::clipPolygon(poly, {nx, ny, nx * s.x + ny * s.y + l / 2 - halfGap});
            }
        return detail::makeConvexCell(std::move(poly));
    }

    Ellipse tumourNucleus(std::size_t idx, const ConvexCell& cell, double bandPx) const {
        Ellipse e;
        const double a = (4.3 + 1.1 * unit(hash(seedCell, idx, 1))) / spec.mpp;
        const double b = a * (0.78 + 0.17 * unit(hash(seedCell, idx, 2)));
        e.theta = std::numbers::pi * unit(hash(seedCell, idx, 3));
        const double clear = cell.insideDepth(cell.centroid.x, cell.centroid.y) - bandPx - 1.0 / spec.mpp;
        const double scale = clear < a ? std::max(0.35, clear / a) : 1.0;
        e.a = a * scale;
        e.b = b * scale;
        // A small off-centre shift, kept inside the clearance.
        const double room = std::max(0.0, clear - e.a) * 0.5;
        const double ang = 2 * std::numbers::pi * unit(hash(seedCell, idx, 4));
        const double rr = room * unit(hash(seedCell, idx, 5));
        e.cx = cell.centroid.x + rr * std::cos(ang);
        e.cy = cell.centroid.y + rr * std::sin(ang);
        e.od = 0.30 + 0.18 * unit(hash(seedCell, idx, 6));
        return e;
    }

    Ellipse stromaNucleus(std::size_t idx, const Site& site) const {
        Ellipse e;
        const double off = 0.25 * spacing;
        e.cx = site.x + off * (2 * unit(hash(seedCell, idx, 11)) - 1);
        e.cy = site.y + off * (2 * unit(hash(seedCell, idx, 12)) - 1);
        if (site.kind == SiteKind::Lymphocyte) {
            e.a = (2.9 + 0.5 * unit(hash(seedCell, idx, 13))) / spec.mpp;
            e.b = e.a * (0.88 + 0.12 * unit(hash(seedCell, idx, 14)));
            e.theta = std::numbers::pi * unit(hash(seedCell, idx, 15));
            e.od = 0.85 + 0.2 * unit(hash(seedCell, idx, 16));
        } else {
            e.a = (6 + 3 * unit(hash(seedCell, idx, 13))) / spec.mpp;
            e.b = (1.3 + 0.6 * unit(hash(seedCell, idx, 14))) / spec.mpp;
            // Spindle cells line up with the local fibre direction.
            e.theta = std::numbers::pi * detail::smoothField(seedOrient, e.cx, e.cy, 80 / spec.mpp) +
                      0.3 * (unit(hash(seedCell, idx, 15)) - 0.5);
            e.od = 0.55 + 0.17 * unit(hash(seedCell, idx, 16));
        }
        return e;
    }

    // ---- layout ------------------------------------------------------------------------

    void layout() {
        const std::size_t n = static_cast<std::size_t>(cols * rows);
        sites.resize(n);
        std::vector<std::uint32_t> tissue;
        for (std::int64_t j = j0; j < j0 + rows; ++j)
            for (std::int64_t i = i0; i < i0 + cols; ++i) {
                const std::size_t idx = index(i, j);
                const core::PointD p = latticePoint(i, j);
                Site& s = sites[idx];
                s.x = static_cast<float>(p.x);
                s.y = static_cast<float>(p.y);
                if (p.x >= 0 && p.y >= 0 && p.x < static_cast<double>(spec.width) &&
                    p.y < static_cast<double>(spec.height) && tissueEdge(p.x, p.y) > 0) {
                    s.kind = SiteKind::Stroma;
                    tissue.push_back(static_cast<std::uint32_t>(idx));
                }
            }

        // Tumour nests: the tissue sites highest in a smooth field, in exactly the asked share.
        const double nestScale = spec.nestScaleUm / spec.mpp;
        auto byField = [&](std::vector<std::uint32_t>& list, auto&& value) {
            std::vector<std::pair<double, std::uint32_t>> v;
            v.reserve(list.size());
            for (auto idx : list) v.emplace_back(value(idx), idx);
            std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
                return a.first != b.first ? a.first > b.first : a.second < b.second;
            });
            for (std::size_t k = 0; k < v.size(); ++k) list[k] = v[k].second;
        };
        byField(tissue, [&](std::uint32_t idx) {
            return detail::smoothField(seedNest, sites[idx].x, sites[idx].y, nestScale) +
                   0.12 * (unit(hash(seedNest, idx, 1)) - 0.5);
        });
        const auto nTumour =
            static_cast<std::size_t>(std::llround(spec.tumourFraction * static_cast<double>(tissue.size())));
        std::vector<std::uint32_t> tumour(tissue.begin(),
                                          tissue.begin() + static_cast<std::ptrdiff_t>(nTumour));
        std::vector<std::uint32_t> stromaCells;
        for (std::size_t k = 0; k < tissue.size(); ++k) {
            Site& s = sites[tissue[k]];
            if (k < nTumour) {
                s.kind = SiteKind::Tumour;
            } else if (unit(hash(seedCell, tissue[k], 100)) < spec.stromaCellDensity) {
                s.kind = SiteKind::Spindle;
                stromaCells.push_back(tissue[k]);
            }
        }
        std::sort(tumour.begin(), tumour.end());
        std::sort(stromaCells.begin(), stromaCells.end());

        // Lymphocytes gather in patches: rank the stroma cells by a field plus chance.
        byField(stromaCells, [&](std::uint32_t idx) {
            return 0.6 * detail::smoothField(seedNest ^ 0x1111, sites[idx].x, sites[idx].y, 60 / spec.mpp) +
                   0.4 * unit(hash(seedCell, idx, 101));
        });
        const auto nLymph = static_cast<std::size_t>(
            std::llround(spec.lymphocyteFraction * static_cast<double>(stromaCells.size())));
        for (std::size_t k = 0; k < nLymph; ++k) sites[stromaCells[k]].kind = SiteKind::Lymphocyte;

        assignClasses(tumour);
    }

    void assignClasses(std::vector<std::uint32_t> tumour) {
        std::vector<std::uint32_t> cluster;
        std::vector<char> inRing(sites.size(), 0);
        if (spec.biopsyClusterCells > 0) {
            cluster = biopsyCluster(tumour);
            for (auto idx : cluster) {
                for (auto [ni, nj] : neighbours(latticeI(idx), latticeJ(idx)))
                    if (inLattice(ni, nj)) inRing[index(ni, nj)] = 1;
            }
            for (auto idx : cluster) inRing[idx] = 2;
        }
        std::vector<std::uint32_t> rest;
        rest.reserve(tumour.size());
        for (auto idx : tumour)
            if (inRing[idx] != 2) rest.push_back(idx);

        // Rank: a blend of a smooth field (patches) and chance (scattered cells). The cells
        // next to a biopsy cluster rank last, so they never extend the cluster.
        const double h = spec.heterogeneity;
        const double hetScale = spec.heterogeneityScaleUm / spec.mpp;
        std::vector<std::pair<double, std::uint32_t>> fieldRank;
        fieldRank.reserve(rest.size());
        for (auto idx : rest)
            fieldRank.emplace_back(
                detail::smoothField(seedNest ^ 0x2222, sites[idx].x, sites[idx].y, hetScale), idx);
        std::sort(fieldRank.begin(), fieldRank.end());
        std::vector<std::pair<double, std::uint32_t>> keyed;
        keyed.reserve(rest.size());
        const double denom = std::max<double>(1, static_cast<double>(rest.size()) - 1);
        for (std::size_t k = 0; k < fieldRank.size(); ++k) {
            const auto idx = fieldRank[k].second;
            double v = h * (static_cast<double>(k) / denom) + (1 - h) * unit(hash(seedCell, idx, 200));
            if (inRing[idx] == 1) v -= 2;
            keyed.emplace_back(v, idx);
        }
        std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });

        const double nRest = static_cast<double>(rest.size());
        std::array<std::size_t, 4> counts{};
        std::size_t given = 0;
        for (int k = 3; k >= 1; --k) {
            auto c = static_cast<std::size_t>(
                std::llround(spec.classes[static_cast<std::size_t>(k)].fraction * nRest));
            c = std::min(c, rest.size() - given);
            counts[static_cast<std::size_t>(k)] = c;
            given += c;
        }
        std::array<std::vector<std::uint32_t>, 4> members;
        std::size_t pos = 0;
        for (int k = 3; k >= 1; --k)
            for (std::size_t m = 0; m < counts[static_cast<std::size_t>(k)]; ++m)
                members[static_cast<std::size_t>(k)].push_back(keyed[pos++].second);

        for (std::size_t k = 1; k < 4; ++k) {
            auto& list = members[k];
            // Patterns are dealt in a random order within the class.
            std::sort(list.begin(), list.end(), [&](std::uint32_t a, std::uint32_t b) {
                return hash(seedCell, a, 300) < hash(seedCell, b, 300);
            });
            const auto& p = spec.classes[k].patterns;
            std::array<std::size_t, 3> split{};
            largestRemainderSplit(list.size(), {p.complete, p.lateral, p.partial}, split);
            std::size_t m = 0;
            for (std::size_t q = 0; q < 3; ++q)
                for (std::size_t c = 0; c < split[q]; ++c, ++m) {
                    const auto pattern = q == 0   ? core::MembranePattern::Complete
                                         : q == 1 ? core::MembranePattern::LateralBasolateral
                                                  : core::MembranePattern::Incomplete;
                    stain(list[m], static_cast<core::IntensityClass>(k), pattern);
                }
        }
        for (auto idx : cluster) stain(idx, spec.biopsyClusterClass, spec.biopsyClusterPattern);
    }

    /// Exactly biopsyClusterCells neighbouring tumour cells, grown from the tumour cell
    /// nearest the slide centre, nearest first. Each added cell has a cluster neighbour
    /// whose centroid is well within the rules' cohesion distance, so the rules see one
    /// cohesive cluster of exactly this size.
    std::vector<std::uint32_t> biopsyCluster(const std::vector<std::uint32_t>& tumour) const {
        const auto want = static_cast<std::size_t>(spec.biopsyClusterCells);
        check(!tumour.empty(), "no tumour cells for the biopsy cluster");
        const double linkMax = 0.9 * core::RuleParams{}.cohesionDistanceUm / spec.mpp;
        const double cx = static_cast<double>(spec.width) / 2, cy = static_cast<double>(spec.height) / 2;
        auto centroid = [&](std::uint32_t idx) {
            const ConvexCell c = cellPolygon(latticeI(idx), latticeJ(idx));
            return c.empty() ? core::PointD{sites[idx].x, sites[idx].y} : c.centroid;
        };
        std::uint32_t seedIdx = tumour.front();
        double best = std::numeric_limits<double>::max();
        for (auto idx : tumour) {
            const double d = std::hypot(sites[idx].x - cx, sites[idx].y - cy);
            if (d < best) {
                best = d;
                seedIdx = idx;
            }
        }
        std::vector<std::uint32_t> cluster{seedIdx};
        std::vector<core::PointD> centres{centroid(seedIdx)};
        std::vector<char> in(sites.size(), 0);
        in[seedIdx] = 1;
        const core::PointD s0 = centres.front();
        while (cluster.size() < want) {
            std::uint32_t next = 0;
            core::PointD nextC;
            double nd = std::numeric_limits<double>::max();
            for (std::size_t m = 0; m < cluster.size(); ++m)
                for (auto [ni, nj] : neighbours(latticeI(cluster[m]), latticeJ(cluster[m]))) {
                    if (!inLattice(ni, nj)) continue;
                    const auto q = static_cast<std::uint32_t>(index(ni, nj));
                    if (in[q] || sites[q].kind != SiteKind::Tumour) continue;
                    const core::PointD c = centroid(q);
                    if (std::hypot(c.x - centres[m].x, c.y - centres[m].y) > linkMax) continue;
                    const double d = std::hypot(c.x - s0.x, c.y - s0.y);
                    if (d < nd || (d == nd && q < next)) {
                        nd = d;
                        next = q;
                        nextC = c;
                    }
                }
            check(nd < std::numeric_limits<double>::max(),
                  "the tumour nest is too small for the biopsy cluster");
            cluster.push_back(next);
            centres.push_back(nextC);
            in[next] = 1;
        }
        return cluster;
    }

    void stain(std::uint32_t idx, core::IntensityClass cls, core::MembranePattern pattern) {
        Site& s = sites[idx];
        const auto& look = kLook[static_cast<std::size_t>(cls)];
        s.intensity = cls;
        s.pattern = pattern;
        s.od = static_cast<float>(look.odLo + (look.odHi - look.odLo) * unit(hash(seedCell, idx, 400)));
        s.widthPx =
            static_cast<float>(look.widthUm * (0.9 + 0.2 * unit(hash(seedCell, idx, 401))) / spec.mpp);
        const double r1 = unit(hash(seedCell, idx, 402)), r2 = unit(hash(seedCell, idx, 403)),
                     r3 = unit(hash(seedCell, idx, 404)), r4 = unit(hash(seedCell, idx, 405));
        switch (pattern) {
            case core::MembranePattern::Complete:
                s.arcs = 1;
                s.arcStart[0] = 0;
                s.arcLen[0] = 1;
                break;
            case core::MembranePattern::LateralBasolateral: {
                const double len = 0.55 + 0.25 * r1;
                // The unstained (apical) side faces a non-tumour neighbour when there is one.
                double gapCentre = r2;
                const auto i = latticeI(idx), j = latticeJ(idx);
                std::vector<std::pair<std::int64_t, std::int64_t>> open;
                for (auto [ni, nj] : neighbours(i, j))
                    if (!inLattice(ni, nj) || sites[index(ni, nj)].kind != SiteKind::Tumour)
                        open.emplace_back(ni, nj);
                const ConvexCell cell = cellPolygon(i, j);
                if (!open.empty() && !cell.empty()) {
                    const auto [ni, nj] =
                        open[static_cast<std::size_t>(r3 * static_cast<double>(open.size()))];
                    const core::PointD q = latticePoint(ni, nj);
                    const double dx = q.x - s.x, dy = q.y - s.y;
                    std::size_t bestE = 0;
                    double bestDot = -1e300;
                    for (std::size_t e = 0; e < cell.size(); ++e) {
                        const double dot = cell.nx[e] * dx + cell.ny[e] * dy;
                        if (dot > bestDot) {
                            bestDot = dot;
                            bestE = e;
                        }
                    }
                    gapCentre = (cell.cum[bestE] + cell.len[bestE] / 2) / cell.perimeter;
                }
                double start = gapCentre + (1 - len) / 2;
                start -= std::floor(start);
                s.arcs = 1;
                s.arcStart[0] = static_cast<float>(start);
                s.arcLen[0] = static_cast<float>(len);
                break;
            }
            case core::MembranePattern::Incomplete: {
                const double total = 0.15 + 0.30 * r1;
                if (r2 < 0.6) {
                    s.arcs = 1;
                    s.arcStart[0] = static_cast<float>(r3);
                    s.arcLen[0] = static_cast<float>(total);
                } else {
                    const double l1 = total * (0.35 + 0.3 * r4);
                    const double gapRoom = 1 - total - 0.2;  // >= 0.35: two gaps of at least 0.1
                    const double g1 = 0.1 + gapRoom * unit(hash(seedCell, idx, 406));
                    double s2 = r3 + l1 + g1;
                    s2 -= std::floor(s2);
                    s.arcs = 2;
                    s.arcStart[0] = static_cast<float>(r3);
                    s.arcLen[0] = static_cast<float>(l1);
                    s.arcStart[1] = static_cast<float>(s2);
                    s.arcLen[1] = static_cast<float>(total - l1);
                }
                break;
            }
            case core::MembranePattern::None:
                s.arcs = 0;
                break;
        }
    }

    // ---- rendering ---------------------------------------------------------------------

    float tex(const std::vector<float>& t, std::int64_t x, std::int64_t y, std::uint64_t off) const noexcept {
        const auto ox = static_cast<std::int64_t>(off & 0xffff),
                   oy = static_cast<std::int64_t>((off >> 16) & 0xffff);
        return t[static_cast<std::size_t>(((y + oy) & (kTexSize - 1)) * kTexSize +
                                          ((x + ox) & (kTexSize - 1)))];
    }

    /// Unblurred optical densities of rectangle r into h and d (row-major, r.width wide).
    void paint(const core::RectI& r, float* hOd, float* dOd) const {
        const int w = static_cast<int>(r.width), hgt = static_cast<int>(r.height);
        // Background: glass, or stroma matrix with collagen fibres.
        const std::uint64_t fibreOff = hash(spec.seed, 41);
        const auto fox = static_cast<std::int64_t>(fibreOff & 0xffff),
                   foy = static_cast<std::int64_t>((fibreOff >> 16) & 0xffff);
        for (int yy = 0; yy < hgt; ++yy) {
            const std::int64_t y = r.y + yy;
            for (int xx = 0; xx < w; ++xx) {
                const std::int64_t x = r.x + xx;
                const double edge = tissueEdge(static_cast<double>(x), static_cast<double>(y));
                const double t = std::clamp(edge + 0.5, 0.0, 1.0);
                const float f = fibre[static_cast<std::size_t>(((y + foy) & (kFibreSize - 1)) * kFibreSize +
                                                               ((x + fox) & (kFibreSize - 1)))];
                hOd[yy * w + xx] = static_cast<float>(t * (0.022 + 0.075 * f));
                dOd[yy * w + xx] = static_cast<float>(t * 0.004 * f);
            }
        }

        // Sites whose drawing can reach the rectangle, in index order (same order for every rect).
        const auto jLo = std::max(
            j0, static_cast<std::int64_t>(std::floor((static_cast<double>(r.y) - reach) / rowH)) - 1);
        const auto jHi = std::min(
            j0 + rows - 1,
            static_cast<std::int64_t>(std::ceil((static_cast<double>(r.bottom()) + reach) / rowH)) + 1);
        const auto iLo = std::max(
            i0, static_cast<std::int64_t>(std::floor((static_cast<double>(r.x) - reach) / spacing)) - 2);
        const auto iHi = std::min(
            i0 + cols - 1,
            static_cast<std::int64_t>(std::ceil((static_cast<double>(r.right()) + reach) / spacing)) + 2);
        for (std::int64_t j = jLo; j <= jHi; ++j)
            for (std::int64_t i = iLo; i <= iHi; ++i) {
                const std::size_t idx = index(i, j);
                const Site& s = sites[idx];
                if (s.kind == SiteKind::Tumour)
                    paintTumour(r, hOd, dOd, idx, i, j);
                else if (s.kind == SiteKind::Spindle || s.kind == SiteKind::Lymphocyte)
                    paintNucleus(r, hOd, dOd, idx, stromaNucleus(idx, s),
                                 s.kind == SiteKind::Lymphocyte ? 0.12 : 0.2);
            }
    }

    void paintTumour(const core::RectI& r, float* hOd, float* dOd, std::size_t idx, std::int64_t i,
                     std::int64_t j) const {
        const Site& s = sites[idx];
        const ConvexCell cell = cellPolygon(i, j);
        if (cell.empty()) return;
        double minX = 1e300, minY = 1e300, maxX = -1e300, maxY = -1e300;
        for (const auto& p : cell.v) {
            minX = std::min(minX, p.x);
            minY = std::min(minY, p.y);
            maxX = std::max(maxX, p.x);
            maxY = std::max(maxY, p.y);
        }
        const std::int64_t x0 = std::max(r.x, static_cast<std::int64_t>(std::floor(minX)) - 1);
        const std::int64_t x1 = std::min(r.right() - 1, static_cast<std::int64_t>(std::ceil(maxX)) + 1);
        const std::int64_t y0 = std::max(r.y, static_cast<std::int64_t>(std::floor(minY)) - 1);
        const std::int64_t y1 = std::min(r.bottom() - 1, static_cast<std::int64_t>(std::ceil(maxY)) + 1);
        if (x0 > x1 || y0 > y1) return;

        const double band = s.arcs ? s.widthPx : 0.0;
        const double hBand = std::max(band, 0.6 / spec.mpp);
        const Ellipse nuc = tumourNucleus(idx, cell, std::max(band, hBand));
        const double cosT = std::cos(nuc.theta), sinT = std::sin(nuc.theta);
        const double invA = 1 / nuc.a, invB = 1 / nuc.b;
        const double cytoH = 0.055 + 0.03 * unit(hash(seedCell, idx, 500));
        const double blush = std::min(kMaxBlushOd, s.od * spec.cytoplasmBlush * 0.1);
        const std::uint64_t off = hash(seedCell, idx, 501);
        const std::size_t ne = cell.size();
        const int w = static_cast<int>(r.width);

        for (std::int64_t y = y0; y <= y1; ++y) {
            const double py = static_cast<double>(y);
            for (std::int64_t x = x0; x <= x1; ++x) {
                const double px = static_cast<double>(x);
                double dmax = -1e300;
                std::size_t eMax = 0;
                bool outside = false;
                for (std::size_t e = 0; e < ne; ++e) {
                    const double d = cell.nx[e] * px + cell.ny[e] * py - cell.c[e];
                    if (d >= 0.5) {
                        outside = true;
                        break;
                    }
                    if (d > dmax) {
                        dmax = d;
                        eMax = e;
                    }
                }
                if (outside) continue;
                const double cov = std::min(1.0, 0.5 - dmax);
                const double depth = -dmax;
                const double tc = tex(chromatin, x, y, off);
                const double ty = tex(cyto, x, y, off >> 32);
                double hv = cytoH * (1 + 0.25 * ty);
                double dv = blush * (1 + 0.25 * std::clamp(ty, -2.0, 2.0));
                if (depth < hBand + 0.5) hv += 0.03 * std::clamp(hBand - depth + 0.5, 0.0, 1.0);
                if (s.arcs && depth < band + 0.5) {
                    const double f = cell.perimeterFraction(eMax, px, py);
                    bool on = detail::onArc(f, s.arcStart[0], s.arcLen[0]);
                    if (!on && s.arcs > 1) on = detail::onArc(f, s.arcStart[1], s.arcLen[1]);
                    if (on) {
                        const double bc = std::clamp(band - depth + 0.5, 0.0, 1.0);
                        dv = dv * (1 - bc) + s.od * (1 + 0.12 * tc) * bc;
                    }
                }
                const double dx = px - nuc.cx, dy = py - nuc.cy;
                const double qx = (dx * cosT + dy * sinT) * invA, qy = (-dx * sinT + dy * cosT) * invB;
                const double rr = qx * qx + qy * qy;
                const double lim = 1 + 1.5 * invB;
                if (rr < lim * lim) {
                    const double rad = std::sqrt(rr);
                    const double nc = std::clamp((1 - rad) * nuc.b + 0.5, 0.0, 1.0);
                    // Chromatin texture, a darker nuclear rim.
                    const double nh = nuc.od * (1 + 0.3 * tc) * (rad > 0.8 ? 1.2 : 1.0);
                    hv = hv * (1 - nc) + std::max(0.0, nh) * nc;
                    dv *= 1 - nc;
                }
                const std::size_t p = static_cast<std::size_t>((y - r.y) * w + (x - r.x));
                hOd[p] = static_cast<float>(hOd[p] * (1 - cov) + hv * cov);
                dOd[p] = static_cast<float>(dOd[p] * (1 - cov) + std::max(0.0, dv) * cov);
            }
        }
    }

    void paintNucleus(const core::RectI& r, float* hOd, float* dOd, std::size_t idx, const Ellipse& e,
                      double texture) const {
        const double cosT = std::cos(e.theta), sinT = std::sin(e.theta);
        // Half extents of the rotated ellipse, plus the antialiasing fringe.
        const double ex = std::sqrt(e.a * e.a * cosT * cosT + e.b * e.b * sinT * sinT) + 2;
        const double ey = std::sqrt(e.a * e.a * sinT * sinT + e.b * e.b * cosT * cosT) + 2;
        const std::int64_t x0 = std::max(r.x, static_cast<std::int64_t>(std::floor(e.cx - ex)));
        const std::int64_t x1 = std::min(r.right() - 1, static_cast<std::int64_t>(std::ceil(e.cx + ex)));
        const std::int64_t y0 = std::max(r.y, static_cast<std::int64_t>(std::floor(e.cy - ey)));
        const std::int64_t y1 = std::min(r.bottom() - 1, static_cast<std::int64_t>(std::ceil(e.cy + ey)));
        if (x0 > x1 || y0 > y1) return;
        const double invA = 1 / e.a, invB = 1 / e.b;
        const double lim = 1 + 1.5 * invB;
        const std::uint64_t off = hash(seedCell, idx, 601);
        const int w = static_cast<int>(r.width);
        for (std::int64_t y = y0; y <= y1; ++y)
            for (std::int64_t x = x0; x <= x1; ++x) {
                const double dx = static_cast<double>(x) - e.cx, dy = static_cast<double>(y) - e.cy;
                const double qx = (dx * cosT + dy * sinT) * invA, qy = (-dx * sinT + dy * cosT) * invB;
                const double rr = qx * qx + qy * qy;
                if (rr >= lim * lim) continue;
                const double nc = std::clamp((1 - std::sqrt(rr)) * e.b + 0.5, 0.0, 1.0);
                if (nc <= 0) continue;
                const double nh = std::max(0.0, e.od * (1 + texture * tex(chromatin, x, y, off)));
                const std::size_t p = static_cast<std::size_t>((y - r.y) * w + (x - r.x));
                hOd[p] = static_cast<float>(hOd[p] * (1 - nc) + nh * nc);
                dOd[p] = static_cast<float>(dOd[p] * (1 - nc));
            }
    }

    /// Blurred ODs of `rect` (CV_32FC2). The halo is painted too, so the result does not
    /// depend on where the rectangle sits in a larger render.
    cv::Mat odOf(const core::RectI& rect) const {
        check(!rect.empty() && rect.width <= 65536 && rect.height <= 65536,
              "render rectangle must be 1-65536 px a side");
        const int hr = blurRadius;
        const core::RectI big{rect.x - hr, rect.y - hr, rect.width + 2 * hr, rect.height + 2 * hr};
        const int bw = static_cast<int>(big.width), bh = static_cast<int>(big.height);
        // Per-thread scratch buffers: fresh megabyte allocations per tile cost more in page
        // faults than the painting itself.
        thread_local std::vector<float> h, d, th, td;
        h.resize(static_cast<std::size_t>(bw) * bh);
        d.resize(h.size());
        paint(big, h.data(), d.data());
        const int w = static_cast<int>(rect.width), ht = static_cast<int>(rect.height);
        cv::Mat out(ht, w, CV_32FC2);
        if (hr == 0) {
            for (int y = 0; y < ht; ++y) {
                auto* o = out.ptr<float>(y);
                for (int x = 0; x < w; ++x) {
                    o[2 * x] = h[static_cast<std::size_t>(y * bw + x)];
                    o[2 * x + 1] = d[static_cast<std::size_t>(y * bw + x)];
                }
            }
            return out;
        }
        // Separable blur in plain loops: the same arithmetic for every pixel wherever the
        // rectangle starts, so tiles match a larger render bit for bit.
        const float* k = blurKernel.data();
        const int kn = 2 * hr + 1;
        th.resize(static_cast<std::size_t>(w) * bh);
        td.resize(th.size());
        for (int y = 0; y < bh; ++y) {
            const float* hs = h.data() + static_cast<std::size_t>(y) * bw;
            const float* ds = d.data() + static_cast<std::size_t>(y) * bw;
            float* ho = th.data() + static_cast<std::size_t>(y) * w;
            float* dov = td.data() + static_cast<std::size_t>(y) * w;
            for (int x = 0; x < w; ++x) {
                float a = 0, b = 0;
                for (int t = 0; t < kn; ++t) {
                    a += k[t] * hs[x + t];
                    b += k[t] * ds[x + t];
                }
                ho[x] = a;
                dov[x] = b;
            }
        }
        for (int y = 0; y < ht; ++y) {
            auto* o = out.ptr<float>(y);
            for (int x = 0; x < w; ++x) {
                float a = 0, b = 0;
                for (int t = 0; t < kn; ++t) {
                    a += k[t] * th[static_cast<std::size_t>((y + t) * w + x)];
                    b += k[t] * td[static_cast<std::size_t>((y + t) * w + x)];
                }
                o[2 * x] = a;
                o[2 * x + 1] = b;
            }
        }
        return out;
    }

    cv::Mat rgbOf(const core::RectI& rect) const {
        const cv::Mat od = odOf(rect);
        cv::Mat out(od.rows, od.cols, CV_8UC3);
        const auto& H = stains.hematoxylin;
        const auto& D = stains.dab;
        const float scale = static_cast<float>(kLutSize / kLutMaxOd);
        const float sigma = static_cast<float>(spec.noiseSigma);
        for (int y = 0; y < od.rows; ++y) {
            const float* o = od.ptr<float>(y);
            auto* px = out.ptr<std::uint8_t>(y);
            const std::uint64_t rowKey =
                seedNoise ^ (static_cast<std::uint64_t>(rect.y + y) * 0xC2B2AE3D27D4EB4FULL);
            for (int x = 0; x < od.cols; ++x) {
                const float hv = o[2 * x], dv = o[2 * x + 1];
                std::uint64_t nz = 0;
                if (sigma > 0)
                    nz = detail::mix64(rowKey ^
                                       (static_cast<std::uint64_t>(rect.x + x) * 0x9E3779B97F4A7C15ULL));
                for (int c = 0; c < 3; ++c) {
                    const float odc = hv * static_cast<float>(H[static_cast<std::size_t>(c)]) +
                                      dv * static_cast<float>(D[static_cast<std::size_t>(c)]);
                    int li = static_cast<int>(odc * scale + 0.5f);
                    li = std::clamp(li, 0, kLutSize - 1);
                    float v = lut[static_cast<std::size_t>(c)][static_cast<std::size_t>(li)];
                    if (sigma > 0)
                        v += sigma * gaussTable[static_cast<std::size_t>((nz >> (16 * c)) & 0xffff)];
                    px[3 * x + c] = static_cast<std::uint8_t>(std::clamp(static_cast<int>(v + 0.5f), 0, 255));
                }
            }
        }
        return out;
    }

    // ---- truth -------------------------------------------------------------------------

    IhcPhantomTruth makeTruth(const std::string& name) const {
        IhcPhantomTruth t;
        t.name = name;
        t.spec = spec;
        t.stains = stains;
        for (std::size_t idx = 0; idx < sites.size(); ++idx) {
            const Site& s = sites[idx];
            if (s.kind == SiteKind::Glass || s.kind == SiteKind::Stroma) continue;
            IhcTruthCell c;
            c.id = static_cast<std::int64_t>(idx);
            if (s.kind == SiteKind::Tumour) {
                const ConvexCell cell = cellPolygon(latticeI(idx), latticeJ(idx));
                if (cell.empty()) continue;
                const double band = s.arcs ? s.widthPx : 0.0;
                const Ellipse nuc = tumourNucleus(idx, cell, std::max(band, 0.6 / spec.mpp));
                c.type = PhantomCellType::Tumour;
                c.x = cell.centroid.x;
                c.y = cell.centroid.y;
                c.intensity = s.intensity;
                c.pattern = s.pattern;
                double comp = 0;
                for (int a = 0; a < s.arcs; ++a) comp += s.arcLen[a];
                c.completeness = std::min(1.0, comp);
                c.membraneOd = s.arcs ? s.od : 0;
                c.membraneWidthUm = s.arcs ? s.widthPx * spec.mpp : 0;
                c.nucleusX = nuc.cx;
                c.nucleusY = nuc.cy;
                c.polygon = cell.v;
                c.nucleusOutline = nuc.outline(16);
                ++t.tumourCells;
                ++t.classCounts[static_cast<std::size_t>(s.intensity)];
            } else {
                const Ellipse nuc = stromaNucleus(idx, s);
                c.type =
                    s.kind == SiteKind::Lymphocyte ? PhantomCellType::Lymphocyte : PhantomCellType::Stroma;
                c.x = nuc.cx;
                c.y = nuc.cy;
                c.nucleusX = nuc.cx;
                c.nucleusY = nuc.cy;
                c.polygon = nuc.outline(16, 1.0 / spec.mpp);
                c.nucleusOutline = nuc.outline(16);
            }
            t.cells.push_back(std::move(c));
        }
        const core::PixelCalibration cal(spec.mpp, spec.mpp, "phantom");
        const std::array<std::pair<core::RuleSetId, core::Specimen>, 4> combos{{
            {core::RuleSetId::Breast, core::Specimen::Resection},
            {core::RuleSetId::Gastric, core::Specimen::Resection},
            {core::RuleSetId::Gastric, core::Specimen::Biopsy},
            {core::RuleSetId::Nsclc, core::Specimen::Resection},
        }};
        for (const auto& [rules, specimen] : combos) {
            const core::CellTable table = truthCellTable(t, rules);
            core::RuleParams params;
            params.ruleSet = std::string(core::toString(rules));
            params.specimen = std::string(core::toString(specimen));
            const core::ScoreReport rep = core::scoreIhc(table, cal, params);
            ExpectedIhcScore e;
            e.ruleSet = rules;
            e.specimen = specimen;
            e.score = rep.score;
            e.status = rep.status;
            e.her2Low = rep.her2Low;
            e.reason = rep.reason;
            e.percent = rep.ihc.percent;
            t.expected.push_back(std::move(e));
        }
        return t;
    }
};

// ---- public API ----------------------------------------------------------------------------

const ExpectedIhcScore* IhcPhantomTruth::expectedFor(core::RuleSetId rules,
                                                     core::Specimen specimen) const noexcept {
    for (const auto& e : expected)
        if (e.ruleSet == rules && e.specimen == specimen) return &e;
    return nullptr;
}

core::CellTable truthCellTable(const IhcPhantomTruth& truth, core::RuleSetId rules) {
    core::CellTable table;
    table.reserve(truth.cells.size());
    const double mpp = truth.spec.mpp;
    for (const auto& c : truth.cells) {
        core::CellRecord r;
        r.x = static_cast<float>(c.x);
        r.y = static_cast<float>(c.y);
        r.cellAreaUm2 = static_cast<float>(core::ringArea(c.polygon) * mpp * mpp);
        r.nucleusAreaUm2 = static_cast<float>(core::ringArea(c.nucleusOutline) * mpp * mpp);
        double per = 0;
        for (std::size_t k = 0; k < c.nucleusOutline.size(); ++k) {
            const auto& a = c.nucleusOutline[k];
            const auto& b = c.nucleusOutline[(k + 1) % c.nucleusOutline.size()];
            per += std::hypot(b.x - a.x, b.y - a.y);
        }
        const double nArea = core::ringArea(c.nucleusOutline);
        r.nucleusCircularity =
            per > 0 ? static_cast<float>(4 * std::numbers::pi * nArea / (per * per)) : 0.0f;
        r.membraneOdMean = static_cast<float>(c.membraneOd);
        r.membraneOdMax = static_cast<float>(c.membraneOd);
        r.membraneThicknessUm = static_cast<float>(c.membraneWidthUm);
        r.cytoplasmOd =
            static_cast<float>(std::min(kMaxBlushOd, c.membraneOd * truth.spec.cytoplasmBlush * 0.1));
        r.completeness = static_cast<float>(c.completeness);
        r.pattern = c.pattern;
        r.intensity = c.intensity;
        switch (c.type) {
            case PhantomCellType::Tumour:
                r.exclusion = core::CellExclusion::None;
                r.score = core::cellScore(c.intensity, c.pattern, rules);
                break;
            case PhantomCellType::Stroma:
                r.exclusion = core::CellExclusion::Stroma;
                break;
            case PhantomCellType::Lymphocyte:
                r.exclusion = core::CellExclusion::Lymphocyte;
                break;
        }
        r.outline = c.polygon;
        r.nucleusOutline = c.nucleusOutline;
        table.append(r);
    }
    return table;
}

IhcPhantom::IhcPhantom(IhcPhantomSpec spec) : m_impl(std::make_unique<Impl>(std::move(spec))) {}
IhcPhantom::~IhcPhantom() = default;
IhcPhantom::IhcPhantom(IhcPhantom&&) noexcept = default;
IhcPhantom& IhcPhantom::operator=(IhcPhantom&&) noexcept = default;

const IhcPhantomSpec& IhcPhantom::spec() const noexcept {
    return m_impl->spec;
}
const IhcStainModel& IhcPhantom::stains() const noexcept {
    return m_impl->stains;
}

cv::Mat IhcPhantom::render(const core::RectI& rect) const {
    return m_impl->rgbOf(rect);
}
cv::Mat IhcPhantom::renderOd(const core::RectI& rect) const {
    return m_impl->odOf(rect);
}
IhcPhantomTruth IhcPhantom::truth(const std::string& name) const {
    return m_impl->makeTruth(name);
}

cv::Mat renderIhcRegion(const IhcPhantomSpec& spec, const core::RectI& rect) {
    return IhcPhantom(spec).render(rect);
}

}  // namespace her2::imaging
