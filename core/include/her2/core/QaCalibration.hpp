#pragma once
/// @file Calibration of the per-cell IHC thresholds (faint OD, strong OD, complete fraction)
/// against manual slide scores. The measured cells of each slide (`<slide>.cells.csv`) are
/// re-classified with candidate thresholds and re-scored with the rule set; the candidate with
/// the highest quadratic-weighted kappa on the training split wins. The estimate of how well
/// that generalises comes from k-fold cross-validation on the training split (the thresholds
/// are refitted inside each fold, the held-out fold only scores), and from the test split,
/// which is scored once with the final thresholds and never used for fitting.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "her2/core/CellTable.hpp"
#include "her2/core/Params.hpp"
#include "her2/core/PixelCalibration.hpp"
#include "her2/core/QaComparison.hpp"

namespace her2::core {

/// One slide with a manual IHC score and its measured cells.
struct CalibrationSlide {
    std::string slide;
    Her2Score manual = Her2Score::Zero;
    CellTable cells;               ///< measures used: membraneOdMean, completeness, x, y, exclusion
    PixelCalibration calibration;  ///< for biopsy clusters (µm distances)
    RuleParams rules;              ///< rule set and specimen the slide is scored under
    std::string split;             ///< "train", "test" or "" (assigned by calibrate())
};

/// Candidate values; every combination with faint < strong and complete > the base lateral
/// fraction is tried.
struct CalibrationGrid {
    std::vector<double> faintOd;
    std::vector<double> strongOd;
    std::vector<double> completeFraction;
    /// faint 0.06-0.40 step 0.02, strong 0.20-0.90 step 0.05, complete 0.55-0.95 step 0.05.
    static CalibrationGrid standard();
};

struct CalibrationOptions {
    std::size_t folds = 5;       ///< k of the cross-validation (reduced to the training size)
    double testFraction = 0.25;  ///< share held out as the test split when no `split` column is given
    std::uint64_t seed = 20181;  ///< fixes the split and the folds
    std::size_t threads = 1;     ///< candidates are evaluated on this many threads
    CalibrationGrid grid = CalibrationGrid::standard();
};

/// The fitted thresholds and how well they agree with the manual scores.
struct CalibrationResult {
    AnalysisParams params;  ///< the base parameters with the three fitted values
    double faintOd = 0, strongOd = 0, completeFraction = 0;
    std::size_t candidates = 0;
    std::size_t folds = 0;
    double trainKappa = 0;           ///< fitted thresholds on the whole training split (optimistic)
    double baselineTrainKappa = 0;   ///< base thresholds on the training split
    double crossValidatedKappa = 0;  ///< quadratic kappa of the pooled out-of-fold predictions
    std::vector<double> foldKappa;   ///< per held-out fold (NaN when a fold has one category)
    std::optional<double> testKappa, baselineTestKappa;  ///< when a test split exists
    std::vector<std::string> trainSlides, testSlides;
    std::vector<SkippedSlide> skipped;  ///< slides left out, with the reason
    /// {"faint_od", "strong_od", "complete_fraction", "train_kappa", "baseline_train_kappa",
    ///  "cv_kappa", "fold_kappa"[], "test_kappa", "baseline_test_kappa", "folds", "candidates",
    ///  "train"[], "test"[], "skipped"[{slide, reason}], "weights": "quadratic"}; NaN as null.
    std::string toJson() const;
};

/// Reads a cells.csv (docs/formats.md) into a table of its tumour cells' measures (other
/// columns are ignored; excluded cells are dropped). Throws InputError / ParseError naming the
/// line and column of a bad value or an unknown `excluded` reason.
CellTable readCellMeasures(const std::string& path);

/// Pairs the summary rows with manual IHC scores and loads `<summaryDir>/<slide>.cells.csv`
/// for each. Slides without a manual IHC score, without a cells file, or failed in the batch
/// are appended to `skipped`. The rule set and specimen come from the summary row, the rest
/// of the rule parameters and the pixel size (from the slide's report JSON `mpp` when
/// present) from `base`. Throws ParseError for a malformed cells file.
std::vector<CalibrationSlide> loadCalibrationSlides(const std::string& summaryPath,
                                                    const std::vector<AutoScoreRow>& automatic,
                                                    const std::vector<ManualScoreRow>& manual,
                                                    const AnalysisParams& base,
                                                    std::vector<SkippedSlide>& skipped);

/// Fits the thresholds. Slides with split "test" in the manual file form the test split; when
/// none is marked, a deterministic stratified share `testFraction` is held out. Folds are
/// stratified by manual score and fixed by `seed`. Needs at least two scorable training
/// slides; throws Error otherwise. Candidates are scored with classifyIntensity(),
/// classifyPattern(), cellScore() and scoreIhc(), exactly as the batch would score them.
CalibrationResult calibrate(std::vector<CalibrationSlide> slides, const AnalysisParams& base,
                            const CalibrationOptions& options = {});

/// Writes `params.toJson()` to `path` through a temporary file in the same folder renamed
/// over the target, so a reader never sees half a protocol. Throws InputError.
void writeProtocolAtomic(const std::string& path, const AnalysisParams& params);

}  // namespace her2::core
