#pragma once
// Per-cell intensity and pattern classes. The rules live in core (CellClassification.hpp);
// this header only forwards to them, with the documented defaults as a stand-in while a
// build lacks that header.
#include "her2/core/Params.hpp"
#include "her2/core/Types.hpp"

#if __has_include("her2/core/CellClassification.hpp")
#include "her2/core/CellClassification.hpp"
namespace her2::imaging::detail {
inline core::IntensityClass intensityOf(double od, double completeness, const core::IhcParams& p) {
    return core::classifyIntensity(od, completeness, p);
}
inline core::MembranePattern patternOf(double completeness, const core::IhcParams& p) {
    return core::classifyPattern(completeness, p);
}
}  // namespace her2::imaging::detail
#else
namespace her2::imaging::detail {
inline core::IntensityClass intensityOf(double od, double completeness, const core::IhcParams& p) {
    if (completeness < p.minStainedFraction || od < p.stainedOd) return core::IntensityClass::Negative;
    if (od < p.faintOd) return core::IntensityClass::Faint;
    if (od < p.strongOd) return core::IntensityClass::WeakModerate;
    return core::IntensityClass::Strong;
}
inline core::MembranePattern patternOf(double completeness, const core::IhcParams& p) {
    if (completeness < p.minStainedFraction) return core::MembranePattern::None;
    if (completeness >= p.completeFraction) return core::MembranePattern::Complete;
    if (completeness >= p.lateralFraction) return core::MembranePattern::LateralBasolateral;
    return core::MembranePattern::Incomplete;
}
}  // namespace her2::imaging::detail
#endif
