// FISH phantom: layout of nuclei and signals, rendering, truth and expected scores.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "her2/core/Errors.hpp"
#include "her2/core/ScoringRules.hpp"
#include "her2/imaging/FishPhantom.hpp"
#include "phantom/FishPhantomDetail.hpp"
#include "phantom/PhantomRandom.hpp"

namespace her2::imaging {

namespace {

using detail::SplitMix;

constexpr double kTwoPi = 2 * std::numbers::pi;
constexpr int kOutlinePoints = 64;

void require(bool ok, const std::string& what) {
    if (!ok) throw core::ParameterError("FISH phantom: " + what);
}

void checkCopies(const CopyNumberSpec& c, const char* name) {
    const std::string n(name);
    require(std::isfinite(c.mean) && c.mean >= 0 && c.mean <= 100, n + " mean must be in [0, 100]");
    require(std::isfinite(c.spread) && c.spread >= 0 && c.spread <= 50, n + " spread must be in [0, 50]");
    require(c.minCopies >= 0 && c.maxCopies >= c.minCopies && c.maxCopies <= 200,
            n + " copies need 0 <= min <= max <= 200");
}

void checkSpec(const FishPhantomSpec& s) {
    require(s.width >= 16 && s.height >= 16 && s.width <= 16384 && s.height <= 16384,
            "width and height must be in [16, 16384] px");
    require(std::isfinite(s.mpp) && s.mpp >= 0.02 && s.mpp <= 2, "mpp must be in [0.02, 2] µm/px");
    require(s.nuclei >= 0 && s.nuclei <= 100000, "nuclei must be in [0, 100000]");
    require(std::isfinite(s.nucleusDiameterUm) && s.nucleusDiameterUm >= 3 && s.nucleusDiameterUm <= 40,
            "nucleus diameter must be in [3, 40] µm");
    checkCopies(s.her2, "HER2");
    checkCopies(s.cep17, "CEP17");
    auto fraction = [](double f) { return std::isfinite(f) && f >= 0 && f <= 1; };
    require(fraction(s.clusterFraction), "cluster fraction must be in [0, 1]");
    require(fraction(s.touchingFraction), "touching fraction must be in [0, 1]");
    require(fraction(s.overlappingFraction), "overlapping fraction must be in [0, 1]");
    require(fraction(s.splitSignalFraction), "split-signal fraction must be in [0, 1]");
    require(s.touchingFraction + s.overlappingFraction <= 1, "touching + overlapping fractions must be <= 1");
    require(s.clusterCopiesMin >= 2 && s.clusterCopiesMax >= s.clusterCopiesMin && s.clusterCopiesMax <= 100,
            "cluster copies need 2 <= min <= max <= 100");
    require(std::isfinite(s.spotSigmaUm) && s.spotSigmaUm >= 0.05 && s.spotSigmaUm <= 1,
            "spot sigma must be in [0.05, 1] µm");
    require(std::isfinite(s.spotMinDistanceUm) && s.spotMinDistanceUm >= 2 * s.spotSigmaUm &&
                s.spotMinDistanceUm <= 10,
            "spot minimum distance must be in [2 spot sigma, 10] µm");
    require(fraction(s.background) && s.background <= 0.5, "background must be in [0, 0.5]");
    require(std::isfinite(s.noiseSigma) && s.noiseSigma >= 0 && s.noiseSigma <= 0.2,
            "noise must be in [0, 0.2]");
    require(s.bitDepth == 8 || s.bitDepth == 16, "bit depth must be 8 or 16");
}

int sampleCopies(SplitMix& rng, const CopyNumberSpec& c) {
    const double v = std::round(c.mean + c.spread * rng.normal());
    return static_cast<int>(
        std::clamp(v, static_cast<double>(c.minCopies), static_cast<double>(c.maxCopies)));
}

/// An ellipse: centre, semi-axes and orientation, px.
struct Ellipse {
    double x = 0, y = 0, a = 0, b = 0, angle = 0;
    /// Normalised radius of a point: < 1 inside, 1 on the outline.
    double rho(double px, double py) const noexcept {
        const double c = std::cos(angle), s = std::sin(angle);
        const double dx = px - x, dy = py - y;
        const double u = (dx * c + dy * s) / a, v = (-dx * s + dy * c) / b;
        return std::sqrt(u * u + v * v);
    }
    core::PointD at(double t, double scale = 1) const noexcept {
        const double c = std::cos(angle), s = std::sin(angle);
        const double u = scale * a * std::cos(t), v = scale * b * std::sin(t);
        return {x + u * c - v * s, y + u * s + v * c};
    }
    /// Smallest normalised radius (in `other`) of this ellipse's outline.
    double deepestIn(const Ellipse& other) const noexcept {
        double m = 1e9;
        for (int i = 0; i < 96; ++i) {
            const core::PointD p = at(kTwoPi * i / 96);
            m = std::min(m, other.rho(p.x, p.y));
        }
        // The other ellipse's centre may lie inside this one (deep overlap).
        return rho(other.x, other.y) < 1 ? 0 : m;
    }
};

/// Distance along `theta` from `anchor` at which `e` (moved there) reaches `depth` in anchor
/// (deepestIn == depth), by bisection: deepestIn grows with the distance.
Ellipse placeAgainst(const Ellipse& anchor, Ellipse e, double theta, double depth) {
    double lo = 0, hi = 2.5 * (anchor.a + e.a);
    for (int it = 0; it < 40; ++it) {
        const double mid = 0.5 * (lo + hi);
        e.x = anchor.x + mid * std::cos(theta);
        e.y = anchor.y + mid * std::sin(theta);
        if (e.deepestIn(anchor) < depth)
            lo = mid;
        else
            hi = mid;
    }
    e.x = anchor.x + hi * std::cos(theta);
    e.y = anchor.y + hi * std::sin(theta);
    return e;
}

}  // namespace

namespace detail {

double spotAmplitude(core::FishChannel channel) noexcept {
    // HER2 probes (SpectrumOrange and the like) are usually brighter than CEP17 (green).
    return channel == core::FishChannel::Her2 ? 0.16 : 0.12;
}

double spotGain(std::uint64_t seed, std::size_t drawnIndex) noexcept {
    return 0.8 + 0.4 * unit(hash(seed, 0x5107, drawnIndex));
}

double nucleusGain(std::uint64_t seed, std::int32_t id) noexcept {
    return 0.75 + 0.5 * unit(hash(seed, 0xda91, static_cast<std::uint64_t>(id)));
}

}  // namespace detail

FishPhantom::FishPhantom(FishPhantomSpec spec) {
    checkSpec(spec);
    m_truth.spec = spec;
    const FishPhantomSpec& s = m_truth.spec;
    SplitMix rng(detail::mix64(s.seed ^ 0xf15c0ffeeULL));
    const double px = 1.0 / s.mpp;
    const double W = s.width, H = s.height;
    // Outline positions within this band of a field edge would make "cut by the edge"
    // ambiguous; they are avoided so the truth is unambiguous.
    const double edgeBand = 1.5 * px;
    const double gap = 1.0 * px;        // free nuclei keep at least this much glass between them
    const double minRowGap = 0.5 * px;  // reading order must not hinge on a sub-pixel centroid

    std::vector<Ellipse> shapes;
    std::vector<int> kind;  // 0 free, 1 touching, 2 overlapping
    std::vector<int> partner;

    auto clearOfOthers = [&](const Ellipse& e, int except) {
        for (std::size_t j = 0; j < shapes.size(); ++j) {
            if (static_cast<int>(j) == except) continue;
            const double d = std::hypot(e.x - shapes[j].x, e.y - shapes[j].y);
            if (d < e.a + shapes[j].a + gap) return false;
            if (std::abs(e.y - shapes[j].y) < minRowGap) return false;
        }
        return true;
    };
    auto edgeOk = [&](const Ellipse& e) {
        double minX = 1e18, maxX = -1e18, minY = 1e18, maxY = -1e18;
        for (int i = 0; i < kOutlinePoints; ++i) {
            const core::PointD p = e.at(kTwoPi * i / kOutlinePoints);
            minX = std::min(minX, p.x), maxX = std::max(maxX, p.x);
            minY = std::min(minY, p.y), maxY = std::max(maxY, p.y);
        }
        auto near = [&](double v, double edge) { return std::abs(v - edge) < edgeBand; };
        if (near(minX, 0) || near(maxX, W) || near(minY, 0) || near(maxY, H)) return false;
        // The centre stays in the field, so every nucleus is at least half visible.
        return e.x >= 0 && e.x < W && e.y >= 0 && e.y < H;
    };
    auto inside = [&](const Ellipse& e) {
        for (int i = 0; i < kOutlinePoints; ++i) {
            const core::PointD p = e.at(kTwoPi * i / kOutlinePoints);
            if (p.x < 0 || p.y < 0 || p.x > W || p.y > H) return false;
        }
        return true;
    };

    for (int n = 0; n < s.nuclei; ++n) {
        Ellipse e;
        const double d = s.nucleusDiameterUm * px;
        e.a = 0.5 * d * rng.uniform(0.8, 1.2);
        e.b = 0.5 * d * rng.uniform(0.8, 1.2);
        if (e.b > e.a) std::swap(e.a, e.b);
        e.angle = rng.uniform(0, std::numbers::pi);
        const double roll = rng.uniform();
        int want = roll < s.overlappingFraction                        ? 2
                   : roll < s.overlappingFraction + s.touchingFraction ? 1
                                                                       : 0;
        bool placed = false;
        for (int attempt = 0; attempt < 400 && !placed; ++attempt) {
            if (want != 0) {
                // Pair with a free nucleus that is fully inside the field.
                std::vector<int> anchors;
                for (std::size_t j = 0; j < shapes.size(); ++j)
                    if (kind[j] == 0 && inside(shapes[j])) anchors.push_back(static_cast<int>(j));
                if (anchors.empty() || attempt > 200) {
                    want = 0;
                    continue;
                }
                const int j =
                    anchors[static_cast<std::size_t>(rng.uniform() * anchors.size()) % anchors.size()];
                // Touching: outlines meet with a sliver of contact; overlapping: one reaches deep
                // into the other, so the overlap cannot be attributed to either nucleus.
                const double depth = want == 1 ? 0.94 : rng.uniform(0.15, 0.4);
                const Ellipse c =
                    placeAgainst(shapes[static_cast<std::size_t>(j)], e, rng.uniform(0, kTwoPi), depth);
                if (!inside(c) || !clearOfOthers(c, j)) continue;
                if (std::abs(c.y - shapes[static_cast<std::size_t>(j)].y) < minRowGap) continue;
                shapes.push_back(c);
                kind.push_back(want);
                partner.push_back(j);
                kind[static_cast<std::size_t>(j)] = want;
                partner[static_cast<std::size_t>(j)] = static_cast<int>(shapes.size() - 1);
                placed = true;
            } else {
                e.x = rng.uniform(-0.3 * e.a, W + 0.3 * e.a);
                e.y = rng.uniform(-0.3 * e.a, H + 0.3 * e.a);
                if (!edgeOk(e) || !clearOfOthers(e, -1)) continue;
                shapes.push_back(e);
                kind.push_back(0);
                partner.push_back(-1);
                placed = true;
            }
        }
    }

    // Reading order: top to bottom, then left to right.
    std::vector<std::size_t> order(shapes.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t l, std::size_t r) {
        return shapes[l].y != shapes[r].y ? shapes[l].y < shapes[r].y : shapes[l].x < shapes[r].x;
    });

    const double sigmaPx = s.spotSigmaUm * px;
    const double minDist = s.spotMinDistanceUm * px;
    for (std::size_t rank = 0; rank < order.size(); ++rank) {
        const Ellipse& e = shapes[order[rank]];
        FishTruthNucleus t;
        t.id = static_cast<std::int32_t>(rank);
        t.x = e.x, t.y = e.y;
        t.semiMajorPx = e.a, t.semiMinorPx = e.b, t.angleRad = e.angle;
        for (int i = 0; i < kOutlinePoints; ++i) t.polygon.push_back(e.at(kTwoPi * i / kOutlinePoints));
        t.touching = kind[order[rank]] == 1;
        t.overlapping = kind[order[rank]] == 2;
        t.edgeCut = !inside(e);

        // Signals sit in the inner 80 % of the nucleus: in a section the probes hybridise in
        // the nucleus body, and a signal on the outline could not be attributed.
        auto randomInside = [&](double scale) {
            const double r = std::sqrt(rng.uniform()) * scale, phi = rng.uniform(0, kTwoPi);
            const double c = std::cos(e.angle), sn = std::sin(e.angle);
            const double u = r * e.a * std::cos(phi), v = r * e.b * std::sin(phi);
            return core::PointD{e.x + u * c - v * sn, e.y + u * sn + v * c};
        };
        for (core::FishChannel ch : {core::FishChannel::Her2, core::FishChannel::Cep17}) {
            const bool her2 = ch == core::FishChannel::Her2;
            int copies = sampleCopies(rng, her2 ? s.her2 : s.cep17);
            std::vector<core::PointD> taken;
            std::vector<double> takenRadius;
            int placedCopies = 0;
            if (her2 && s.clusterFraction > 0 && rng.uniform() < s.clusterFraction) {
                const int c = s.clusterCopiesMin +
                              static_cast<int>(rng.uniform() * (s.clusterCopiesMax - s.clusterCopiesMin + 1));
                const double radius = 0.25 * std::sqrt(static_cast<double>(c)) * px;
                const core::PointD centre = randomInside(0.45);
                FishTruthSpot spot;
                spot.x = centre.x, spot.y = centre.y;
                spot.channel = ch;
                spot.copies = std::min(c, s.clusterCopiesMax);
                spot.cluster = true;
                spot.nucleus = t.id;
                m_truth.spots.push_back(spot);
                taken.push_back(centre);
                takenRadius.push_back(radius);
                placedCopies += spot.copies;
                t.her2Cluster = true;
            }
            for (int k = 0; k < copies; ++k) {
                bool ok = false;
                core::PointD p;
                for (int attempt = 0; attempt < 300 && !ok; ++attempt) {
                    p = randomInside(0.8);
                    ok = true;
                    for (std::size_t q = 0; q < taken.size() && ok; ++q)
                        ok = std::hypot(p.x - taken[q].x, p.y - taken[q].y) >= minDist + takenRadius[q];
                }
                if (!ok) break;  // the nucleus is full: the truth keeps what was drawn
                taken.push_back(p);
                takenRadius.push_back(0);
                ++placedCopies;
                if (s.splitSignalFraction > 0 && rng.uniform() < s.splitSignalFraction) {
                    // Two halves closer than one signal diameter (4 sigma): one signal by convention.
                    const double sep = rng.uniform(0.45, 0.85) * 4 * sigmaPx, phi = rng.uniform(0, kTwoPi);
                    for (int half = 0; half < 2; ++half) {
                        FishTruthSpot spot;
                        const double sgn = half == 0 ? -0.5 : 0.5;
                        spot.x = p.x + sgn * sep * std::cos(phi);
                        spot.y = p.y + sgn * sep * std::sin(phi);
                        spot.channel = ch;
                        spot.copies = half == 0 ? 1 : 0;
                        spot.split = true;
                        spot.nucleus = t.id;
                        m_truth.spots.push_back(spot);
                    }
                } else {
                    FishTruthSpot spot;
                    spot.x = p.x, spot.y = p.y;
                    spot.channel = ch;
                    spot.nucleus = t.id;
                    m_truth.spots.push_back(spot);
                }
            }
            (her2 ? t.her2Copies : t.cep17Copies) = placedCopies;
        }
        m_truth.nuclei.push_back(std::move(t));
    }
}

std::vector<core::FishNucleus> truthFishNuclei(const FishPhantomTruth& truth) {
    std::vector<core::FishNucleus> out;
    out.reserve(truth.nuclei.size());
    const double mpp = truth.spec.mpp;
    for (const FishTruthNucleus& t : truth.nuclei) {
        core::FishNucleus n;
        n.id = t.id;
        n.x = t.x, n.y = t.y;
        n.areaUm2 = std::numbers::pi * t.semiMajorPx * t.semiMinorPx * mpp * mpp;
        n.outline = t.polygon;
        n.her2Count = t.her2Copies;
        n.cep17Count = t.cep17Copies;
        n.her2Cluster = t.her2Cluster;
        n.exclusion = t.overlapping ? core::NucleusExclusion::Overlapping
                      : t.edgeCut   ? core::NucleusExclusion::EdgeCut
                                    : core::NucleusExclusion::None;
        out.push_back(std::move(n));
    }
    for (const FishTruthSpot& s : truth.spots) {
        if (s.nucleus < 0 || static_cast<std::size_t>(s.nucleus) >= out.size()) continue;
        core::FishNucleus& n = out[static_cast<std::size_t>(s.nucleus)];
        if (s.copies == 0) continue;  // second half of a split signal
        (s.channel == core::FishChannel::Her2 ? n.her2Spots : n.cep17Spots) += 1;
    }
    return out;
}

namespace {

ExpectedIshScore expectedOf(const std::vector<core::FishNucleus>& nuclei) {
    core::RuleParams rules;
    rules.ruleSet = "breast";
    const core::ScoreReport r = core::scoreIsh(nuclei, rules);
    ExpectedIshScore e;
    e.nucleiCounted = static_cast<int>(r.ish.nucleiCounted);
    e.meanHer2 = r.ish.meanHer2;
    e.meanCep17 = r.ish.meanCep17;
    e.ratio = r.ish.ratio;
    e.group = r.ish.group;
    e.status = r.status;
    return e;
}

}  // namespace

FishPhantomTruth FishPhantom::truth(const std::string& name) const {
    FishPhantomTruth t = m_truth;
    t.name = name;
    std::vector<core::FishNucleus> nuclei = truthFishNuclei(t);
    t.expectedAll = expectedOf(nuclei);
    int kept = 0;
    for (core::FishNucleus& n : nuclei)
        if (n.counted() && ++kept > 20) n.exclusion = core::NucleusExclusion::NotSelected;
    t.expectedFirst20 = expectedOf(nuclei);
    return t;
}

}  // namespace her2::imaging
