#pragma once
/// @file Rule sets: ASCO/CAP breast, gastric, NSCLC, for IHC and ISH. Pure functions of
/// the per-cell / per-nucleus records and the rule parameters.
///
/// Every threshold is a RuleParams field whose default is the guideline value
/// (docs: her2-rules.md); a report names its rule set and version (ruleVersion()).
/// All functions are pure and reentrant: safe to call from any thread concurrently.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
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
///
/// Negative intensity or no stained membrane: 0. Faint: 1+ (any pattern).
/// Breast: complete weak-moderate 2+, complete strong 3+; the unusual pattern
/// (weak-moderate or strong but not complete) 2+. Gastric/NSCLC: complete or
/// lateral/basolateral weak-moderate 2+, strong 3+; partial (below ihc.lateral_fraction)
/// 1+. Never throws.
CellScore cellScore(IntensityClass intensity, MembranePattern pattern, RuleSetId rules) noexcept;

/// True for the breast "unusual pattern" cells: moderate-to-intense incomplete staining
/// (weak-moderate or strong, partial or lateral/basolateral). Never throws.
bool isUnusualBreastPattern(IntensityClass intensity, MembranePattern pattern) noexcept;

/// Scores the tumour cells of `cells` (exclusion == None). Biopsy clusters use the cell
/// centroids, converted to µm by `calibration`. Never throws for too few cells: the
/// report says NotScorable with the reason.
///
/// Per-cell classes are recomputed from the intensity and pattern columns under
/// params.ruleSet (the score column may hold another rule set's classes).
/// Breast: percentages against rules.breast_percent with rules.breast_comparator, for
/// any specimen. Gastric/NSCLC resection: percentages with their comparator (NSCLC 2+
/// and 3+ also need rules.nsclc_min_stained_cells cells). Gastric/NSCLC biopsy: the
/// largest cluster of cells at class >= k whose centroids chain within
/// rules.cohesion_distance_um (findCohesiveClusters) must reach rules.cluster_min_cells.
/// Throws ParameterError for a rule set, specimen or comparator name it does not know,
/// Error when the table's x, y, intensity, pattern and exclusion columns differ in length.
ScoreReport scoreIhc(const CellTable& cells, const PixelCalibration& calibration, const RuleParams& params);

/// Scores counted FISH nuclei (exclusion == None) under params.ruleSet.
///
/// Breast dual probe: ASCO/CAP 2018 group 1-5 with the work-up text; status Positive
/// (group 1), Negative (group 5) or Equivocal (groups 2-4: the final call needs the
/// concurrent IHC, see combineIhcIsh()). params.ishProbe == "single": single-probe
/// thresholds (any rule set). Gastric and NSCLC dual probe: positive at ratio >= 2.0,
/// optionally also at mean HER2 >= 6.0. NotScorable below params.minIshNuclei counted
/// nuclei or with no CEP17 signal (dual probe). Throws ParameterError for unknown names.
ScoreReport scoreIsh(const std::vector<FishNucleus>& nuclei, const RuleParams& params);

/// scoreIsh() with params.ishProbe forced to "single": HER2 signals per cell only.
ScoreReport scoreIshSingleProbe(const std::vector<FishNucleus>& nuclei, const RuleParams& params);

/// ASCO/CAP 2018 breast dual-probe group (1-5) of a ratio and a mean HER2 copy number
/// per cell, with the thresholds of `params` (ish_ratio, ish_her2_lower, ish_her2_upper).
/// A boundary value belongs to the upper side (ratio 2.00 is ">= 2.0"). Never throws.
int breastIshGroup(double ratio, double meanHer2, const RuleParams& params) noexcept;

/// What a breast dual-probe group requires next (the ASCO/CAP work-up), one sentence.
/// Throws ParameterError for a group outside 1-5.
std::string ishWorkup(int group);

/// The final HER2 call from the IHC score and an ISH report of the same tumour (from
/// scoreIsh()), by the rule set and probe of the ISH report: breast dual-probe groups
/// with their IHC work-up (IHC 2+ with group 2 or 3 sets recountRequired and gives the
/// call that stands when the blinded recount gives the same group), single probe, or
/// gastric/NSCLC (IHC 3+, or IHC 2+ with positive ISH). Assign the result to the
/// report's finalCall. Throws ParameterError when `ish` is not an ISH report.
FinalCall combineIhcIsh(Her2Score ihc, const ScoreReport& ish);

/// The version string of a rule set, e.g. "ASCO/CAP 2018 (2023 reporting)".
std::string ruleVersion(RuleSetId rules);

/// params.ruleSet parsed; throws ParameterError for an unknown name.
RuleSetId resolveRuleSet(const RuleParams& params);

/// params.specimen resolved: "auto" is resection for breast and gastric, biopsy for NSCLC
/// (NSCLC HER2 testing is mostly done on small biopsies). Throws ParameterError for an
/// unknown name.
Specimen resolveSpecimen(const RuleParams& params);

/// Connected components of points joined when their distance is at most distanceUm.
struct CohesiveClusters {
    std::vector<std::uint32_t> label;  ///< per point: its cluster, 0..sizes.size()-1
    std::vector<std::uint32_t> sizes;  ///< points per cluster
    std::size_t largest() const noexcept;
};

/// Groups points (µm) into cohesive clusters: two points are neighbours when their
/// Euclidean distance is <= distanceUm; clusters are the connected components of that
/// graph. Uses a uniform grid hashed into about one bucket per point, so the expected
/// cost is O(n) (1,000,000 cells in a fraction of a second). A point with a non-finite
/// coordinate is a cluster of its own. Throws ParameterError when the spans differ in
/// length, distanceUm is not positive and finite, or there are 2^32 points or more.
CohesiveClusters findCohesiveClusters(std::span<const double> xUm, std::span<const double> yUm,
                                      double distanceUm);

}  // namespace her2::core
