#pragma once
/// @file Per-cell membrane classes from the measured membrane DAB optical density and the
/// stained fraction of the circumference. The thresholds are IhcParams fields (ihc.*);
/// the slide-level rules that roll these classes up live in ScoringRules.hpp.
#include "her2/core/Params.hpp"
#include "her2/core/Types.hpp"

namespace her2::core {

/// Intensity class of one cell's membrane.
///
/// @param membraneOdMean mean DAB OD of the cell's stained membrane pixels (those at or
///        above ihc.stained_od); 0 when no pixel is stained.
/// @param completeness   stained fraction of the circumference, [0, 1].
/// @return Negative when the membrane is unstained (completeness below
///         ihc.min_stained_fraction or mean OD below ihc.stained_od); otherwise Faint below
///         ihc.faint_od, WeakModerate below ihc.strong_od, Strong at or above it.
///         A NaN measurement is Negative: an unmeasurable membrane never raises a score.
/// Pure function; thread-safe; never throws.
IntensityClass classifyIntensity(double membraneOdMean, double completeness,
                                 const IhcParams& params) noexcept;

/// Pattern of one cell's membrane from its stained fraction of the circumference.
///
/// @param completeness stained fraction of the circumference, [0, 1].
/// @return None below ihc.min_stained_fraction, Complete at or above
///         ihc.complete_fraction, LateralBasolateral (U-shaped) at or above
///         ihc.lateral_fraction, Incomplete in between. NaN is None.
/// Pure function; thread-safe; never throws.
MembranePattern classifyPattern(double completeness, const IhcParams& params) noexcept;

}  // namespace her2::core
