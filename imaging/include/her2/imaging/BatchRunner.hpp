#pragma once
/// @file Scoring one slide into a folder, and batches of slides over a folder tree: the
/// server side of HER2Scope. Both run AnalysisPipeline::run, as the GUI does.
///
/// A batch never stops because one slide is bad: the slide's error is recorded and the
/// batch goes on. Outputs are written atomically; a slide's `<name>.her2.json` is written
/// last, so its presence means the slide is complete (this is what --resume trusts).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "her2/core/Geometry.hpp"
#include "her2/core/Params.hpp"
#include "her2/core/Progress.hpp"
#include "her2/imaging/AnalysisPipeline.hpp"
#include "her2/imaging/SlideReport.hpp"

namespace her2::imaging {

/// How to analyse each slide.
struct ScoreOptions {
    core::AnalysisParams params;
    AssayRequest assay = AssayRequest::Auto;
    std::optional<core::MultiPolygon> roi;  ///< level-0 px; applies to every slide
    std::optional<double> mpp;              ///< µm/px for uncalibrated slides (overrides the file)
};

/// Opens `path` (or a channel stack when `channelFiles` has several files), applies the mpp
/// override and runs the pipeline. Throws core::InputError for an unreadable slide.
SlideAnalysis analyseSlide(const std::filesystem::path& path, const ScoreOptions& options,
                           core::ProgressSink& progress, const core::CancelToken& cancel,
                           const std::vector<std::filesystem::path>& channelFiles = {});

struct BatchOptions {
    std::filesystem::path input;   ///< folder searched recursively
    std::filesystem::path outDir;  ///< outputs, summary.csv and report.html
    ScoreOptions score;
    int jobs = 1;         ///< slides in flight
    bool resume = false;  ///< skip slides whose report has the same params and slide hash
    int shardIndex = 1;   ///< 1-based K of --shard K/N
    int shardCount = 1;
};

enum class SlideOutcome { Scored, NotScorable, Failed, Skipped };
std::string_view toString(SlideOutcome);

struct BatchSlideResult {
    std::filesystem::path path;
    std::string name;  ///< output stem (slide name without extension, unique in the batch)
    SlideOutcome outcome = SlideOutcome::Failed;
    std::string score;   ///< "3+", "group 2", "" ...
    std::string status;  ///< negative, equivocal, positive, not-scorable, error
    std::string error;   ///< one line, for Failed
    double seconds = 0;
};

/// Notified from worker threads (implementations must be thread-safe).
class BatchObserver {
public:
    virtual ~BatchObserver() = default;
    virtual void started(std::size_t total) = 0;
    virtual void finished(const BatchSlideResult& result, std::size_t done, std::size_t total) = 0;
};

struct BatchSummary {
    std::vector<BatchSlideResult> results;  ///< this run's share, in slide order
    std::size_t scored = 0, notScorable = 0, failed = 0;
    std::size_t skipped = 0;  ///< reused from an earlier run (also counted in notScorable when so)
    std::filesystem::path summaryCsv, reportHtml;
    /// 0 every slide scored (or skipped as already done), 1 otherwise.
    int exitCode() const noexcept { return failed + notScorable == 0 ? 0 : 1; }
};

/// Slide files under `dir`, recursively, sorted by path: by content (TIFF, JPEG, PNG,
/// OpenSlide vendor) or by a slide extension; skips hidden and temporary files, files under
/// `skipDir` (the output folder) and HER2Scope's own outputs. Throws core::InputError when
/// `dir` is not a readable folder.
std::vector<std::filesystem::path> findSlides(const std::filesystem::path& dir,
                                              const std::filesystem::path& skipDir = {});

/// The deterministic share K of N (1-based) of `slides`: by a hash of each path relative to
/// `root`, so every slide lands in exactly one share whatever machine computes it.
std::vector<std::filesystem::path> shardSlides(const std::vector<std::filesystem::path>& slides,
                                               const std::filesystem::path& root, int k, int n);

/// Output stems for `slides`: the file name without extension, or, where two slides share
/// it, their path relative to `root` with separators replaced.
std::vector<std::string> outputNames(const std::vector<std::filesystem::path>& slides,
                                     const std::filesystem::path& root);

/// Runs the batch. Throws core::InputError for an unusable input or output folder, and
/// core::CancelledError when cancelled (finished slides keep their outputs).
BatchSummary runBatch(const BatchOptions& options, BatchObserver* observer, const core::CancelToken& cancel);

/// Rewrites summary.csv and report.html of outDir from the reports of `slides` found there.
void writeBatchSummary(const std::filesystem::path& outDir, const std::vector<std::filesystem::path>& slides,
                       const std::vector<std::string>& names, BatchSummary& summary);

}  // namespace her2::imaging
