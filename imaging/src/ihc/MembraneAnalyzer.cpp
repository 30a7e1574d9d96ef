#include "her2/imaging/MembraneAnalyzer.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace her2::imaging {
namespace {

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

int labelAt(const cv::Mat& labels, double x, double y) {
    const int xi = static_cast<int>(std::lround(x)), yi = static_cast<int>(std::lround(y));
    if (xi < 0 || yi < 0 || xi >= labels.cols || yi >= labels.rows) return -1;
    return labels.at<int>(yi, xi);
}

}  // namespace

MembraneMeasures MembraneAnalyzer::measure(const cv::Mat& dab, const cv::Mat& cells, const cv::Mat& nuclei,
                                           int label, cv::Point2d centre,
                                           const std::vector<cv::Point2d>* centres) const {
    MembraneMeasures out;
    const int sectors = std::max(1, m_params.sectors);
    constexpr int kRaysPerSector = 3;
    const int rays = sectors * kRaysPerSector;
    const double px = 1.0 / m_mpp;
    const double step = 0.5;                                           // px along a ray
    const double band = std::max(1.0, m_params.membraneWidthUm * px);  // px
    const double rMax = m_params.maxCellRadiusUm * px + band + 2;
    const double stained = m_params.stainedOd;
    // 0.5 µm: the mid-line between nuclei is only an estimate of the cell border; two stained
    // neighbours' bands meet within this of it, a lone neighbour's band lies beyond it.
    const double sideTolerance = 0.5 * px;

    std::vector<double> radius(static_cast<std::size_t>(rays), 0);
    std::vector<char> rayStained(static_cast<std::size_t>(rays), 0);
    double sumMembrane = 0, sumCyto = 0, sumWidth = 0;
    std::size_t nMembrane = 0, nCyto = 0, nStained = 0;
    std::vector<float> profile;
    std::vector<double> radii;
    for (int k = 0; k < rays; ++k) {
        const double theta = 2 * std::numbers::pi * (k + 0.5) / rays;
        const double dx = std::cos(theta), dy = std::sin(theta);
        // Leave the nucleus.
        double r = 0;
        while (r < rMax && labelAt(nuclei, centre.x + r * dx, centre.y + r * dy) == label) r += step;
        const double rNucleus = r;
        // Walk through the territory to `band` beyond its edge.
        double rEdge = rNucleus;
        profile.clear();
        radii.clear();
        int neighbour = 0;
        for (; r < rMax; r += step) {
            const double x = centre.x + r * dx, y = centre.y + r * dy;
            const int l = labelAt(cells, x, y);
            if (l == -1) break;
            if (l == label) {
                rEdge = r;
            } else {
                if (neighbour == 0 && l > 0) neighbour = l;
                if (r > rEdge + band) break;
            }
            profile.push_back(bilinear(dab, x, y));
            radii.push_back(r);
        }
        // Side attribution: DAB between this cell and a neighbouring cell belongs to this cell
        // only up to sideTolerance past the mid-line between the two nuclei. A stained cell's membrane
        // precipitate lies inside its own outline, so an unstained neighbour does not borrow it, while two
        // stained cells each keep theirs (their bands meet at the mid-line). Samples past that limit are cut
        // off the profile.
        if (neighbour > 0 && centres && static_cast<std::size_t>(neighbour) < centres->size()) {
            const cv::Point2d& other = (*centres)[static_cast<std::size_t>(neighbour)];
            std::size_t keepN = profile.size();
            for (std::size_t i = 0; i < profile.size(); ++i) {
                const double x = centre.x + radii[i] * dx, y = centre.y + radii[i] * dy;
                const double theirs = std::hypot(x - other.x, y - other.y);
                if (0.5 * (theirs - radii[i]) < -sideTolerance) {
                    keepN = i;
                    break;
                }
            }
            if (keepN < profile.size()) {
                // Cut at the limit: DAB still rising there is the flank of the neighbour's
                // membrane, not a ridge of this cell's. Strip it back to the last local
                // maximum, so that only a membrane peaking on this side counts.
                while (keepN >= 2 && profile[keepN - 1] >= profile[keepN - 2]) --keepN;
            }
            profile.resize(keepN);
            radii.resize(keepN);
        }
        if (profile.empty()) {
            radius[k] = rEdge;
            continue;
        }
        const auto peakIt = std::max_element(profile.begin(), profile.end());
        const auto peak = static_cast<std::size_t>(peakIt - profile.begin());
        const float peakOd = *peakIt;
        out.odMax = std::max(out.odMax, static_cast<double>(peakOd));
        if (peakOd >= stained) {
            rayStained[k] = 1;
            radius[k] = radii[peak];
            // Full width at half maximum around the peak; its samples are the stained membrane.
            const float half = 0.5f * peakOd;
            std::size_t lo = peak, hi = peak;
            while (lo > 0 && profile[lo - 1] >= half) --lo;
            while (hi + 1 < profile.size() && profile[hi + 1] >= half) ++hi;
            for (std::size_t i = lo; i <= hi; ++i) {
                if (profile[i] < stained) continue;
                sumMembrane += profile[i];
                ++nMembrane;
            }
            sumWidth += (static_cast<double>(hi - lo) + 1) * step * m_mpp;
            ++nStained;
            for (std::size_t i = 0; i < profile.size() && radii[i] < radii[peak] - band; ++i) {
                sumCyto += profile[i];
                ++nCyto;
            }
        } else {
            radius[k] = std::min(rEdge, radii.back());
            for (std::size_t i = 0; i < profile.size() && radii[i] < rEdge - band; ++i) {
                sumCyto += profile[i];
                ++nCyto;
            }
        }
    }
    int stainedSectors = 0;
    for (int s = 0; s < sectors; ++s) {
        int n = 0;
        for (int j = 0; j < kRaysPerSector; ++j)
            n += rayStained[static_cast<std::size_t>(s * kRaysPerSector + j)];
        if (2 * n > kRaysPerSector) ++stainedSectors;
    }
    out.completeness = static_cast<double>(stainedSectors) / sectors;
    out.odMean = nMembrane ? sumMembrane / static_cast<double>(nMembrane) : 0;
    out.thicknessUm = nStained ? sumWidth / static_cast<double>(nStained) : 0;
    out.cytoplasmOd = nCyto ? sumCyto / static_cast<double>(nCyto) : 0;
    // Outline: circular median of three radii, one point per ray.
    out.outline.reserve(radius.size());
    for (int k = 0; k < rays; ++k) {
        double a = radius[static_cast<std::size_t>((k + rays - 1) % rays)],
               b = radius[static_cast<std::size_t>(k)], c = radius[static_cast<std::size_t>((k + 1) % rays)];
        const double med = std::max(std::min(a, b), std::min(std::max(a, b), c));
        const double theta = 2 * std::numbers::pi * (k + 0.5) / rays;
        out.outline.emplace_back(centre.x + med * std::cos(theta), centre.y + med * std::sin(theta));
    }
    return out;
}

}  // namespace her2::imaging
