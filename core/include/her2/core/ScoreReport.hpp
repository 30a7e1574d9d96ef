#pragma once
/// @file The result of applying a rule set: what a pathologist signs out, and why.
#include <array>
#include <cstddef>
#include <optional>
#include <string>

#include "her2/core/Types.hpp"

namespace her2::core {

/// IHC part of a report: counts and percentages of tumour cells per class.
struct IhcSummary {
    std::size_t tumourCells = 0;
    std::size_t excludedCells = 0;
    std::array<std::size_t, 4> counts{};  ///< cells scored 0, 1+, 2+, 3+
    std::array<double, 4> percent{};      ///< of tumour cells, 0-100
    double percentUnusual = 0;            ///< breast: moderate/intense incomplete (U-shaped), %
    /// Biopsy: largest cohesive cluster of cells at class >= k, for k = 1..3 ([0] is not
    /// computed and stays 0).
    std::array<std::size_t, 4> largestCluster{};
    // Added with the rule sets (all additive):
    std::array<double, 4> percentAtLeast{};  ///< of tumour cells at class >= k (k = 0..3), 0-100
    std::size_t unusualCells = 0;            ///< breast: cells counted in percentUnusual
    std::size_t stainedCells = 0;            ///< tumour cells with any membrane staining (class >= 1+)
    double cohesionDistanceUm = 0;           ///< biopsy: centroid distance that made cells cohesive, µm
};

/// ISH part of a report.
struct IshSummary {
    std::size_t nucleiCounted = 0;
    double totalHer2 = 0, totalCep17 = 0;
    double meanHer2 = 0, meanCep17 = 0, ratio = 0;
    std::optional<int> group;  ///< ASCO/CAP breast dual-probe group 1-5
    std::string workup;        ///< what the group requires next (IHC work-up text)
    // Added with the rule sets (all additive):
    std::string probe = "dual";       ///< "dual" (HER2 + CEP17) or "single" (HER2 only)
    std::size_t nucleiDetected = 0;   ///< every nucleus passed in, counted or not
    std::size_t clusteredNuclei = 0;  ///< counted nuclei with a HER2 cluster
};

/// Final HER2 call from a concurrent IHC score and ISH result (breast ASCO/CAP 2018
/// groups, single probe, or gastric/NSCLC), see combineIhcIsh().
struct FinalCall {
    Her2Status status = Her2Status::NotScorable;
    Her2Score ihcScore = Her2Score::Zero;
    std::optional<int> ishGroup;   ///< breast dual probe only
    bool her2Low = false;          ///< IHC 1+, or IHC 2+ with negative ISH (final call negative)
    bool recountRequired = false;  ///< IHC 2+ with ISH group 2 or 3: blinded recount of >= 20 cells
    std::string text;              ///< one sentence: the call and what it rests on
    std::string comment;           ///< comment to report with the call (ASCO/CAP), empty if none
};

struct ScoreReport {
    Assay assay = Assay::Ihc;
    RuleSetId ruleSet = RuleSetId::Breast;
    std::string ruleVersion;  ///< e.g. "ASCO/CAP 2018 (2023 reporting)"
    Specimen specimen = Specimen::Resection;
    std::optional<Her2Score> score;  ///< IHC score; empty for FISH or not scorable
    Her2Status status = Her2Status::NotScorable;
    std::optional<Her2LowCategory> her2Low;
    std::string comparator;  ///< ">" or ">=" used against the percentage threshold
    double thresholdPercent = 10;
    std::string reason;  ///< one sentence a pathologist can check
    IhcSummary ihc;
    IshSummary ish;
    /// IHC and ISH combined, when the caller knows both (set from combineIhcIsh()).
    std::optional<FinalCall> finalCall;
};

}  // namespace her2::core
