#include "her2/imaging/AnalysisPipeline.hpp"

#include <malloc.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <opencv2/imgproc.hpp>

#include "her2/core/Errors.hpp"
#include "her2/core/ScoringRules.hpp"
#include "her2/imaging/FishAnalysis.hpp"
#include "her2/imaging/IhcAnalyzer.hpp"
#include "her2/imaging/SlideHash.hpp"
#include "her2/imaging/StainSeparation.hpp"
#include "her2/imaging/TileGrid.hpp"
#include "her2/imaging/TissueDetector.hpp"
#include "her2/imaging/Version.hpp"
#include "pipeline/SlideChecks.hpp"

namespace her2::imaging {
namespace {

core::RuleSetId ruleSetOf(const core::AnalysisParams& params) {
    const auto r = core::parseRuleSet(params.rules.ruleSet);
    if (!r) throw core::ParameterError("rules.rule_set: unknown rule set '" + params.rules.ruleSet + "'");
    return *r;
}

/// Tiles allocate and free images of a few MB each, thousands of times per slide. glibc's
/// defaults return such blocks to the kernel at once (mmap, heap trimming), and every new
/// tile then page-faults its memory back in: a quarter of the analysis time on a VM. Keeping
/// freed blocks in the heap costs at most the trim threshold of resident memory.
///
/// The thresholds alone do not cover the tile workers: a thread's arena is a chain of 64 MB
/// heaps, and glibc unmaps the top heap once it is empty, whatever the trim threshold, unless
/// the heap below it lacks the top pad in free room (five times the page faults at 512 µm
/// tiles). A top pad of a whole heap keeps every heap mapped; it only reserves address space
/// in the main heap. One arena for all threads would also do, but costs lock contention with
/// two workers, and arenas made before this call would still be handed out.
void keepTileBuffersInHeap() {
    static std::once_flag once;
    std::call_once(once, [] {
        ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
        ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
        ::mallopt(M_TOP_PAD, 64 << 20);
    });
}

int threadCount(const core::TilingParams& tiling) {
    if (tiling.threads > 0) return tiling.threads;
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

/// An assumed pixel size as the messages give it, e.g. "0.25".
std::string assumedMpp(const core::PixelCalibration& c) {
    return std::to_string(c.mpp()).substr(0, 4);
}

void fillCommon(SlideAnalysis& out, const SlideSource& source, const core::AnalysisParams& params) {
    out.slidePath = source.path().string();
    out.slideName = source.path().stem().string();
    out.calibration = source.calibration();
    out.width = source.width();
    out.height = source.height();
    out.paramsHash = params.hash();
    out.version = version();
    std::error_code ec;
    if (std::filesystem::is_regular_file(source.path(), ec)) out.slideHash = slideHash(source.path());
    if (!out.calibration.calibrated())
        out.warnings.push_back("slide is uncalibrated: assumed " + assumedMpp(out.calibration) + " µm/px");
}

/// A report that refuses to score, with the reason.
core::ScoreReport notScorable(core::Assay assay, core::RuleSetId rules, const std::string& reason) {
    core::ScoreReport r;
    r.assay = assay;
    r.ruleSet = rules;
    r.status = core::Her2Status::NotScorable;
    r.reason = reason;
    try {
        r.ruleVersion = core::ruleVersion(rules);
    } catch (const std::logic_error&) {
        // Rule versions come from core; a build without them still reports the refusal.
    }
    return r;
}

/// Runs `work(tileIndex)` for every tile on `threads` workers and hands the results to
/// `merge` strictly in tile order on the calling thread. At most `window` results wait for
/// merging, so memory is bounded by tiles in flight, not by slide size.
template <class Result, class Work, class Merge>
void runOrdered(std::size_t count, int threads, const core::CancelToken& cancel, Work work, Merge merge) {
    std::mutex mutex;
    std::condition_variable cv;
    std::map<std::size_t, Result> ready;
    std::size_t nextTake = 0, nextMerge = 0;
    const std::size_t window = static_cast<std::size_t>(threads) * 3 + 2;
    std::exception_ptr error;
    bool stop = false;

    auto worker = [&] {
        for (;;) {
            std::size_t index;
            {
                std::unique_lock lock(mutex);
                cv.wait(lock, [&] { return stop || nextTake >= count || nextTake < nextMerge + window; });
                if (stop || nextTake >= count) return;
                index = nextTake++;
            }
            if (cancel.cancelled()) {
                std::lock_guard lock(mutex);
                stop = true;
                cv.notify_all();
                return;
            }
            try {
                Result r = work(index);
                std::lock_guard lock(mutex);
                ready.emplace(index, std::move(r));
            } catch (...) {
                std::lock_guard lock(mutex);
                if (!error) error = std::current_exception();
                stop = true;
            }
            cv.notify_all();
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    try {
        while (nextMerge < count) {
            Result r;
            {
                std::unique_lock lock(mutex);
                cv.wait(lock, [&] { return stop || ready.count(nextMerge) > 0; });
                if (stop) break;
                auto it = ready.find(nextMerge);
                r = std::move(it->second);
                ready.erase(it);
            }
            merge(nextMerge, std::move(r));
            {
                std::lock_guard lock(mutex);
                ++nextMerge;
            }
            cv.notify_all();
        }
    } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
        stop = true;
        cv.notify_all();
    }
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    if (cancel.cancelled()) throw core::CancelledError();
}

struct TileResult {
    core::CellTable cells;
    IhcRegionStats stats;
};

/// Stain vectors for the slide: the defaults, a Macenko estimate, or the defaults with the
/// slide's own hematoxylin, from up to 8 tissue tiles spread over the slide (read at the
/// analysis level).
StainVectors slideStains(const SlideSource& source, const core::IhcParams& ihc, const TileGrid& grid,
                         int level, double ds) {
    if (ihc.stainVectors == "default" || grid.empty()) return StainVectors::defaultHDab();
    std::vector<cv::Mat> samples;
    const std::size_t n = grid.size();
    const std::size_t want = std::min<std::size_t>(8, n);
    for (std::size_t k = 0; k < want; ++k) {
        const Tile& t = grid.tiles()[k * n / want];
        cv::Mat img = source.readRegion(t.core, level);
        const double levelDs = source.levels()[static_cast<std::size_t>(level)].downsample;
        if (std::abs(levelDs - ds) > 1e-6) {
            const cv::Size size(std::max(1, static_cast<int>(std::lround(t.core.width / ds))),
                                std::max(1, static_cast<int>(std::lround(t.core.height / ds))));
            cv::resize(img, img, size, 0, 0, cv::INTER_AREA);
        }
        samples.push_back(img.reshape(3, 1));
    }
    cv::Mat all;
    cv::hconcat(samples, all);
    return ihc.stainVectors == "estimated" ? StainSeparation::estimate(all)
                                           : StainSeparation::estimateHematoxylin(all);
}

SlideAnalysis runIhc(const SlideSource& source, const core::AnalysisParams& params,
                     const std::optional<core::MultiPolygon>& roi, core::ProgressSink& progress,
                     const core::CancelToken& cancel) {
    SlideAnalysis out;
    out.assay = core::Assay::Ihc;
    fillCommon(out, source, params);
    const core::RuleSetId rules = ruleSetOf(params);
    const core::PixelCalibration cal = out.calibration;
    if (roi) out.roi = *roi;

    progress.progress(0.0, "tissue");
    const TissueDetector detector(params.tiling);
    TissueMap map = detector.detect(source, &cancel);
    if (const std::string why = detail::brightFieldProblem(map.rgb, map.mask); !why.empty()) {
        out.report = notScorable(core::Assay::Ihc, rules, why);
        return out;
    }
    if (roi) TissueDetector::applyRoi(map, *roi, cal);
    out.tissue = map.polygons;
    if (map.empty()) {
        out.report = notScorable(core::Assay::Ihc, rules,
                                 roi ? "no tissue found inside the region of interest" : "no tissue found");
        return out;
    }
    out.analysedAreaMm2 = map.areaUm2 * 1e-6;
    if (map.inkAreaUm2 > 0) {
        char text[96];
        std::snprintf(text, sizeof text, "marker ink over %.2f mm² left out of the analysis",
                      map.inkAreaUm2 * 1e-6);
        out.warnings.emplace_back(text);
    }

    // Analysis scale: ihc.analysisMpp, never finer than the slide itself.
    const double mpp0 = cal.mpp();
    const double analysisMpp = std::max(params.ihc.analysisMpp, mpp0);
    const double ds = analysisMpp / mpp0;  // level-0 px per analysis px
    const int level = source.bestLevelForDownsample(ds);
    const double levelDs = source.levels()[static_cast<std::size_t>(level)].downsample;

    // Tiles over the tissue (∩ ROI). The halo holds a whole cell of a nucleus on the core's
    // edge plus the membrane band: at least maxCellRadius + 2 membrane widths.
    const double haloUm =
        std::max(params.tiling.haloUm, params.ihc.maxCellRadiusUm + 2 * params.ihc.membraneWidthUm + 2);
    const auto coreSize = std::max<std::int64_t>(16, std::llround(params.tiling.tileSizeUm / mpp0));
    const auto halo = std::llround(haloUm / mpp0);
    const core::RectI slideRect{0, 0, source.width(), source.height()};
    const core::RectI region = map.polygons.empty() ? slideRect : map.polygons.bounds();
    TileGrid grid(region, slideRect, coreSize, halo, level);
    cv::Mat tileMask;
    // One mask pixel of margin: cells near the (coarse) tissue edge still get a tile.
    cv::dilate(map.mask, tileMask, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
    grid.keepTilesWithTissue(tileMask, map.downsample);

    const StainVectors stains = slideStains(source, params.ihc, grid, level, ds);
    out.stains = stains;
    if (stains.source == "estimated")
        out.warnings.push_back("stain vectors estimated from the slide (Macenko)");
    const IhcAnalyzer analyzer(params.ihc, rules, analysisMpp, stains);

    const int threads = std::max(1, std::min<int>(threadCount(params.tiling),
                                                  static_cast<int>(std::max<std::size_t>(1, grid.size()))));
    const std::size_t count = grid.size();
    IhcRegionStats slideStats;
    progress.progress(0.02, "tiles");
    auto work = [&](std::size_t i) {
        const Tile& t = grid.tiles()[i];
        cv::Mat img = source.readRegion(t.read, t.level);
        // Level pixels -> analysis pixels.
        const cv::Size want(std::max(1, static_cast<int>(std::lround(t.read.width / ds))),
                            std::max(1, static_cast<int>(std::lround(t.read.height / ds))));
        if (img.size() != want)
            cv::resize(img, img, want, 0, 0, levelDs < ds ? cv::INTER_AREA : cv::INTER_LINEAR);
        const double sx = static_cast<double>(t.read.width) / img.cols;
        const double sy = static_cast<double>(t.read.height) / img.rows;
        const double scale = 0.5 * (sx + sy);
        const cv::Rect keep(static_cast<int>(std::floor((t.core.x - t.read.x) / sx)),
                            static_cast<int>(std::floor((t.core.y - t.read.y) / sy)),
                            static_cast<int>(std::ceil(t.core.width / sx)),
                            static_cast<int>(std::ceil(t.core.height / sy)));
        TileResult r;
        core::CellTable cells = analyzer.analyze(
            img, {static_cast<double>(t.read.x), static_cast<double>(t.read.y)}, scale, keep, &r.stats);
        if (roi || !map.ink.empty()) {
            // Only cells whose centroid lies in the ROI (holes excluded) and off marker ink are
            // part of the analysis: ink reads as stain.
            core::CellTable inside;
            inside.reserve(cells.size());
            for (std::size_t k = 0; k < cells.size(); ++k)
                if ((!roi || roi->contains(cells.x[k], cells.y[k])) && !map.onInk(cells.x[k], cells.y[k]))
                    inside.append(cells.row(k));
            cells = std::move(inside);
        }
        r.cells = std::move(cells);
        return r;
    };
    auto merge = [&](std::size_t i, TileResult&& r) {
        out.cells.append(r.cells);
        slideStats.add(r.stats);
        progress.progress(0.02 + 0.93 * static_cast<double>(i + 1) / static_cast<double>(count), "tiles");
    };
    runOrdered<TileResult>(count, threads, cancel, work, merge);

    progress.progress(0.96, "scoring");
    if (const std::string why = detail::stainProblem(slideStats, params.ihc); !why.empty()) {
        out.report = notScorable(core::Assay::Ihc, rules, why);
        return out;
    }
    if (params.ihc.excludeNonTumour) {
        const auto ex = IhcAnalyzer::excludeNonTumour(out.cells, params.ihc, mpp0);
        (void)ex;
    }
    out.report = core::scoreIhc(out.cells, cal, params.rules);
    progress.progress(1.0, "done");
    return out;
}

SlideAnalysis runFish(const SlideSource& source, const core::AnalysisParams& params,
                      const std::optional<core::MultiPolygon>& roi, core::ProgressSink& progress,
                      const core::CancelToken& cancel) {
    SlideAnalysis out;
    out.assay = core::Assay::Fish;
    fillCommon(out, source, params);
    if (roi) out.roi = *roi;
    const core::RuleSetId rules = ruleSetOf(params);
    FishResult r = analyzeFish(source, params.fish, roi, progress, cancel);
    out.nuclei = std::move(r.nuclei);
    out.spots = std::move(r.spots);
    if (!r.notScorableReason.empty()) {
        out.report = notScorable(core::Assay::Fish, rules, r.notScorableReason);
        return out;
    }
    out.report = core::scoreIsh(out.nuclei, params.rules);
    if (roi)
        out.analysedAreaMm2 = out.calibration.areaToUm2(roi->area()) * 1e-6;
    else
        out.analysedAreaMm2 = out.calibration.areaToUm2(static_cast<double>(out.width) * out.height) * 1e-6;
    return out;
}

}  // namespace

SlideAnalysis AnalysisPipeline::run(const SlideSource& source, const core::AnalysisParams& params,
                                    const std::optional<core::MultiPolygon>& roi,
                                    core::ProgressSink& progress, const core::CancelToken& cancel,
                                    AssayRequest assay) {
    const auto start = std::chrono::steady_clock::now();
    params.validate();
    if (cancel.cancelled()) throw core::CancelledError();
    keepTileBuffersInHeap();
    core::Assay which = core::Assay::Ihc;
    if (assay == AssayRequest::Fish)
        which = core::Assay::Fish;
    else if (assay == AssayRequest::Auto)
        which = detectAssay(source);
    SlideAnalysis out = which == core::Assay::Fish ? runFish(source, params, roi, progress, cancel)
                                                   : runIhc(source, params, roi, progress, cancel);
    // Sizes in µm decide what a nucleus and a signal are: on an image without a pixel size,
    // a refusal may come from the assumed one, and the one-line reason says so.
    if (out.report.status == core::Her2Status::NotScorable && !out.calibration.calibrated())
        out.report.reason +=
            " (the image has no pixel size: " + assumedMpp(out.calibration) + " µm/px assumed; give --mpp)";
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

core::Assay AnalysisPipeline::detectAssay(const SlideSource& source) {
    if (source.kind() == ImageKind::Fluorescence) return core::Assay::Fish;
    const double longSide = static_cast<double>(std::max(source.width(), source.height()));
    const cv::Mat low = TissueDetector::readLowResolution(source, std::max(1.0, longSide / 512.0));
    return detail::isDarkField(low) ? core::Assay::Fish : core::Assay::Ihc;
}

}  // namespace her2::imaging
