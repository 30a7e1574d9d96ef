#pragma once
/// @file QA comparison of automatic scores (a batch's summary.csv) against manual scores
/// (a pathologist's CSV): pairs by slide name, agreement statistics and discordant cases.
///
/// Manual CSV: a `slide` column plus any of `ihc_score` (0, 1+, 2+, 3+; empty when not
/// scored), `ish_ratio`, `mean_her2`, `mean_cep17`, `ish_group` (1-5). Slide names match
/// without their extension and folder ("a/case 1.svs" matches "case 1"). Every slide that
/// cannot be compared is listed with the reason, never silently dropped.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "her2/core/QaStatistics.hpp"
#include "her2/core/Types.hpp"

namespace her2::core {

/// One row of a batch summary.csv (docs/formats.md), as the QA needs it.
struct AutoScoreRow {
    std::string slide;     ///< name without extension, as matched
    std::size_t line = 0;  ///< line in the summary file
    std::string assay;     ///< "ihc", "fish" or empty
    std::string rule, specimen, status;
    std::optional<Her2Score> score;  ///< empty when not scorable, FISH, or failed
    std::optional<double> ratio, meanHer2, meanCep17;
    std::optional<int> group;
    std::string overlay;  ///< relative to the summary's folder, as written
    std::string report;   ///< relative to the summary's folder, as written
    std::string error;    ///< the slide's failure message, empty when it ran
};

/// One row of a manual scores file.
struct ManualScoreRow {
    std::string slide;  ///< name without extension, as matched
    std::size_t line = 0;
    std::optional<Her2Score> ihc;
    std::optional<double> ratio, meanHer2, meanCep17;
    std::optional<int> group;
    std::string split;  ///< optional `split` column: "train" or "test" (calibration only)
};

/// The slide name used for matching: folder and a known slide/image extension removed,
/// surrounding spaces trimmed ("dir/Case 1.svs" -> "Case 1", "x.ome.tiff" -> "x").
std::string slideKey(std::string_view name);

/// Reads a batch summary.csv. Throws InputError when unreadable; ParseError naming line and
/// column for malformed CSV, a missing `slide` column, an unknown score ("4+"), a bad number,
/// or a slide listed twice (naming both lines).
std::vector<AutoScoreRow> readAutoScores(const std::string& path);
/// Same, from text (for tests); `file` names the source in messages.
std::vector<AutoScoreRow> parseAutoScores(std::string_view text, const std::string& file);

/// Reads a manual scores CSV. Errors as readAutoScores(); a file with none of the score
/// columns is an error too.
std::vector<ManualScoreRow> readManualScores(const std::string& path);
std::vector<ManualScoreRow> parseManualScores(std::string_view text, const std::string& file);

/// Agreement on a categorical grouping (clinical categories, 0 vs 1+, ISH group).
struct CategoryAgreement {
    std::vector<std::string> labels;
    ConfusionMatrix confusion;  ///< rows automatic, columns manual
    std::size_t n = 0;
    double agreement = 0;  ///< fraction [0, 1]; NaN when n == 0
    double kappa = 0;      ///< unweighted Cohen's kappa; NaN when undefined
};

/// One slide where automatic and manual IHC scores differ.
struct DiscordantSlide {
    std::string slide;
    Her2Score automatic = Her2Score::Zero;
    Her2Score manual = Her2Score::Zero;
    std::string overlay;  ///< summary folder / overlay, or empty when the summary has none
    std::string report;   ///< summary folder / report, or empty
};

/// A matched slide that could not enter a statistic, and why.
struct SkippedSlide {
    std::string slide;
    std::string reason;
};

/// Bland-Altman and ICC of one continuous ISH measure.
struct ContinuousAgreement {
    BlandAltman blandAltman;
    double icc = 0;                         ///< ICC(A,1) = Shrout-Fleiss ICC(2,1), absolute agreement
    std::vector<double> automatic, manual;  ///< the pairs, for plots
    std::vector<std::string> slides;
};

/// Everything `her2scope qa` reports.
struct QaComparison {
    std::string autoFile, manualFile;
    BootstrapOptions bootstrap;

    // IHC (0 / 1+ / 2+ / 3+), over slides with a score on both sides.
    std::size_t n = 0;
    ConfusionMatrix confusion{4};  ///< rows automatic, columns manual
    double agreement = 0;
    double kappa = 0, weightedKappa = 0, linearKappa = 0;  ///< weightedKappa is quadratic
    Interval kappaCi, weightedKappaCi;
    double kappaSe = 0;                       ///< asymptotic SE of kappa, for comparison
    CategoryAgreement clinical;               ///< negative (0, 1+), equivocal (2+), positive (3+)
    CategoryAgreement her2Low;                ///< 0 vs 1+, over slides both sides scored 0 or 1+
    std::vector<DiscordantSlide> discordant;  ///< in order of the manual file

    // ISH, over slides with the value on both sides.
    ContinuousAgreement ratio, meanHer2, meanCep17;
    CategoryAgreement ishGroup;  ///< groups 1-5

    std::vector<std::string> unmatchedAuto;    ///< in the summary, not in the manual file
    std::vector<std::string> unmatchedManual;  ///< in the manual file, not in the summary
    std::vector<SkippedSlide> skipped;         ///< matched, but a score missing on one side

    /// Compares. `summaryDir` prefixes the summary's relative overlay/report paths.
    /// Never throws for disagreement or empty statistics (NaN values instead).
    static QaComparison compare(const std::vector<AutoScoreRow>& automatic,
                                const std::vector<ManualScoreRow>& manual,
                                const std::filesystem::path& summaryDir = {},
                                const BootstrapOptions& bootstrap = {});

    /// The JSON object of `her2scope qa --json` and qa.json. Keys: n, agreement, kappa,
    /// kappa_ci [low, high], weighted_kappa (quadratic), weighted_kappa_ci, linear_kappa,
    /// kappa_se, confusion {labels, matrix, rows:"auto", columns:"manual"}, clinical,
    /// her2_low, discordant [{slide, auto, manual, overlay, report}], ish {n, ratio,
    /// mean_her2, mean_cep17 {n, bias, sd, loa [low, high], icc}, group}, unmatched_auto[],
    /// unmatched_manual[], skipped [{slide, reason}], bootstrap {replicates, seed, level},
    /// icc_form, auto_file, manual_file. NaN is written as null. Paths of overlays and
    /// reports are rewritten relative to `linkBase` when it is given (qa.json beside qa.html).
    std::string toJson(const std::filesystem::path& linkBase = {}) const;
};

/// Path `target` as seen from folder `base` (both made absolute against the current folder);
/// `target` unchanged when `base` is empty or `target` is empty.
std::string relativeLink(const std::string& target, const std::filesystem::path& base);

}  // namespace her2::core
