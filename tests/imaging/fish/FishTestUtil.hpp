#pragma once
/// @file Helpers shared by the FISH tests: matching detected nuclei to phantom truth.
#include <cmath>
#include <filesystem>
#include <string>

#include "ImagingTestUtil.hpp"
#include "her2/core/ScoringRules.hpp"
#include "her2/imaging/FishAnalysis.hpp"
#include "her2/imaging/FishPhantom.hpp"

namespace her2test::fish {

/// The detected nucleus whose centroid is nearest a truth nucleus (within half its minor
/// semi-axis), or -1.
inline int matchNucleus(const her2::imaging::FishResult& r, const her2::imaging::FishTruthNucleus& t) {
    int best = -1;
    double bestD = 0.5 * t.semiMinorPx;
    for (std::size_t i = 0; i < r.nuclei.size(); ++i) {
        const double d = std::hypot(r.nuclei[i].x - t.x, r.nuclei[i].y - t.y);
        if (d < bestD) bestD = d, best = static_cast<int>(i);
    }
    return best;
}

inline her2::core::ScoreReport scoreBreast(const her2::imaging::FishResult& r) {
    her2::core::RuleParams rules;
    rules.ruleSet = "breast";
    return her2::core::scoreIsh(r.nuclei, rules);
}

/// Analyses a rendered phantom with the default parameters at its pixel size.
inline her2::imaging::FishResult analyse(const her2::imaging::FishPhantomImages& img, double mpp,
                                         const her2::core::FishParams& params = {}) {
    return her2::imaging::analyzeFishField(img.dapi, img.her2, img.cep17,
                                           her2::core::PixelCalibration(mpp, mpp, "test"), params);
}

}  // namespace her2test::fish
