#pragma once
/// @file Rule sets: ASCO/CAP breast, gastric, NSCLC, for IHC and ISH. Pure functions of
/// the per-cell / per-nucleus records and the rule parameters.
#include <memory>
#include <string>
#include <vector>

#include "her2/core/CellTable.hpp"
#include "her2/core/FishTypes.hpp"
#include "her2/core/Params.hpp"
#include "her2/core/PixelCalibration.hpp"
#include "her2/core/ScoreReport.hpp"

namespace her2::core {

/// Per-cell class 0/1+/2+/3+ of a cell's membrane under a rule set (lateral/basolateral
/// counts as complete for gastric and NSCLC, as unusual for breast).
CellScore cellScore(IntensityClass intensity, MembranePattern pattern, RuleSetId rules);

/// Scores the tumour cells of `cells` (exclusion == None). Biopsy clusters use the cell
/// centroids, converted to µm by `calibration`. Never throws for too few cells: the
/// report says NotScorable with the reason.
ScoreReport scoreIhc(const CellTable& cells, const PixelCalibration& calibration, const RuleParams& params);

/// Scores counted FISH nuclei (exclusion == None) under params.ruleSet.
ScoreReport scoreIsh(const std::vector<FishNucleus>& nuclei, const RuleParams& params);

/// The version string of a rule set, e.g. "ASCO/CAP 2018 (2023 reporting)".
std::string ruleVersion(RuleSetId rules);

}  // namespace her2::core
