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
    std::array<std::size_t, 4> largestCluster{};  ///< biopsy: largest cohesive cluster at >= class
};

/// ISH part of a report.
struct IshSummary {
    std::size_t nucleiCounted = 0;
    double totalHer2 = 0, totalCep17 = 0;
    double meanHer2 = 0, meanCep17 = 0, ratio = 0;
    std::optional<int> group;   ///< ASCO/CAP breast dual-probe group 1-5
    std::string workup;         ///< what the group requires next (IHC work-up text)
};

struct ScoreReport {
    Assay assay = Assay::Ihc;
    RuleSetId ruleSet = RuleSetId::Breast;
    std::string ruleVersion;          ///< e.g. "ASCO/CAP 2018 (2023 reporting)"
    Specimen specimen = Specimen::Resection;
    std::optional<Her2Score> score;   ///< IHC score; empty for FISH or not scorable
    Her2Status status = Her2Status::NotScorable;
    std::optional<Her2LowCategory> her2Low;
    std::string comparator;           ///< ">" or ">=" used against the percentage threshold
    double thresholdPercent = 10;
    std::string reason;               ///< one sentence a pathologist can check
    IhcSummary ihc;
    IshSummary ish;
};

}  // namespace her2::core
