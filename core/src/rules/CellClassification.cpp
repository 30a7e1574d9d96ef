#include "her2/core/CellClassification.hpp"

namespace her2::core {

// The comparisons are written as !(x >= t) rather than x < t so that a NaN measurement
// (a cell whose membrane could not be sampled) falls to the lowest class instead of
// slipping through every test to the highest.

IntensityClass classifyIntensity(double membraneOdMean, double completeness, const IhcParams& p) noexcept {
    if (!(completeness >= p.minStainedFraction) || !(membraneOdMean >= p.stainedOd))
        return IntensityClass::Negative;
    if (!(membraneOdMean >= p.faintOd)) return IntensityClass::Faint;
    if (!(membraneOdMean >= p.strongOd)) return IntensityClass::WeakModerate;
    return IntensityClass::Strong;
}

MembranePattern classifyPattern(double completeness, const IhcParams& p) noexcept {
    if (!(completeness >= p.minStainedFraction)) return MembranePattern::None;
    if (completeness >= p.completeFraction) return MembranePattern::Complete;
    if (completeness >= p.lateralFraction) return MembranePattern::LateralBasolateral;
    return MembranePattern::Incomplete;
}

}  // namespace her2::core
