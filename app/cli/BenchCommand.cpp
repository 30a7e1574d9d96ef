// her2scope bench read|ihc|fish: the measurements behind docs/benchmarks.md. Each mode runs
// in its own process (scripts/bench.sh), so its peak resident memory is its own.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "Commands.hpp"
#include "her2/core/Params.hpp"
#include "her2/imaging/AnalysisPipeline.hpp"
#include "her2/imaging/FishAnalysis.hpp"
#include "her2/imaging/FishPhantom.hpp"
#include "her2/imaging/TileGrid.hpp"
#include "her2/imaging/TissueDetector.hpp"

namespace her2::cli {
namespace {

using Clock = std::chrono::steady_clock;

double peakRssMb() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

/// CPU seconds of the whole process (user + system): on a shared machine wall time also counts
/// the waits for other programs.
double cpuSeconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto sec = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
    };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

/// CPU seconds of the calling thread: what one core spent on it, whatever else runs.
double threadCpuSeconds() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

/// Reads every tissue tile of the slide at level 0 through OpenSlide alone, on `threads` threads,
/// in requests of readTileUm: a reference of its own, apart from the analysis's tile size
/// (OpenSlide 3.4.1 reads the bench slide 40% slower in 384 µm requests than in 256 µm ones).
nlohmann::json benchRead(const std::string& slide, int threads, bool openslideOnly,
                         const core::AnalysisParams& params, double readTileUm) {
    const auto source = imaging::openSlide(slide, imaging::SlideOpenOptions{!openslideOnly});
    const auto cal = source->calibration();
    const imaging::TissueDetector detector(params.tiling);
    const auto map = detector.detect(*source);
    const auto coreSize = std::max<std::int64_t>(16, std::llround(readTileUm / cal.mpp()));
    imaging::TileGrid grid = imaging::TileGrid::forSlide(*source, coreSize, 0);
    grid.keepTilesWithTissue(map.mask, map.downsample);
    std::atomic<std::size_t> next{0};
    std::atomic<std::int64_t> pixels{0};
    cv::setNumThreads(1);
    const double cpu0 = cpuSeconds();
    const auto start = Clock::now();
    auto work = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < grid.size();) {
            const auto& t = grid.tiles()[i];
            const cv::Mat m = source->readRegion(t.core, 0);
            pixels += static_cast<std::int64_t>(m.total());
        }
    };
    {
        std::vector<std::jthread> pool;
        for (int i = 1; i < threads; ++i) pool.emplace_back(work);
        work();
    }
    const double s = since(start);
    const double tileAreaMm2 = static_cast<double>(pixels.load()) * cal.mppX() * cal.mppY() * 1e-6;
    // Per tissue area, as the analysis counts it: both sides read the same tiles over the
    // same tissue, so the ratio is the ratio of their times.
    const double tissueMm2 = map.areaUm2 * 1e-6;
    return {{"mode", openslideOnly ? "read-openslide" : "read-fast-tiles"},
            {"slide", slide},
            {"threads", threads},
            {"request_um", readTileUm},
            {"seconds", s},
            {"cpu_seconds", cpuSeconds() - cpu0},
            {"megapixels", static_cast<double>(pixels.load()) * 1e-6},
            {"megapixels_per_s", static_cast<double>(pixels.load()) * 1e-6 / s},
            {"tile_area_mm2", tileAreaMm2},
            {"tissue_mm2", tissueMm2},
            {"mm2_per_s", tissueMm2 / s},
            {"peak_rss_mb", peakRssMb()}};
}

nlohmann::json benchIhc(const std::string& slide, int threads, core::AnalysisParams params) {
    const auto source = imaging::openSlide(slide);
    params.tiling.threads = threads;
    core::NullProgress quiet;
    core::CancelToken cancel;
    // Tiles are the unit of parallelism: OpenCV's own pool off, so that a thread count is a
    // core count on both sides of the ratio.
    cv::setNumThreads(1);
    const double cpu0 = cpuSeconds();
    const auto start = Clock::now();
    const auto a = imaging::AnalysisPipeline::run(*source, params, std::nullopt, quiet, cancel,
                                                  imaging::AssayRequest::Ihc);
    const double s = since(start);
    return {{"mode", "ihc"},
            {"slide", slide},
            {"threads", threads},
            {"seconds", s},
            {"cpu_seconds", cpuSeconds() - cpu0},
            {"tissue_mm2", a.analysedAreaMm2},
            {"mm2_per_s", a.analysedAreaMm2 / s},
            {"cells", a.cells.size()},
            {"score", a.report.score ? std::string(core::toString(*a.report.score)) : "none"},
            {"peak_rss_mb", peakRssMb()}};
}

nlohmann::json benchFish(int size, int repeat) {
    imaging::FishPhantomSpec spec;
    spec.width = size;
    spec.height = size;
    // Same nucleus density as the standard 1024 px fields.
    spec.nuclei = static_cast<int>(45.0 * size * size / (1024.0 * 1024.0));
    spec.her2 = {4, 1.2, 1, 30};
    const auto images = imaging::FishPhantom(spec).render();
    const core::FishParams params;
    const core::PixelCalibration cal(spec.mpp, spec.mpp, "phantom");
    cv::setNumThreads(1);  // one core, as the target is stated
    (void)imaging::analyzeFishField(images.dapi, images.her2, images.cep17, cal, params);  // warm-up
    std::vector<double> ms, cpuMs;
    std::size_t nuclei = 0;
    for (int i = 0; i < repeat; ++i) {
        const double cpu0 = threadCpuSeconds();
        const auto start = Clock::now();
        const auto r = imaging::analyzeFishField(images.dapi, images.her2, images.cep17, cal, params);
        ms.push_back(since(start) * 1000);
        cpuMs.push_back((threadCpuSeconds() - cpu0) * 1000);
        nuclei = r.nuclei.size();
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpuMs.begin(), cpuMs.end());
    return {{"mode", "fish"},
            {"size", size},
            {"threads", 1},
            {"median_ms", ms[ms.size() / 2]},
            {"min_ms", ms.front()},
            {"median_cpu_ms", cpuMs[cpuMs.size() / 2]},
            {"fields_per_s", 1000.0 / ms[ms.size() / 2]},
            {"nuclei", nuclei},
            {"peak_rss_mb", peakRssMb()}};
}

}  // namespace

void addBenchCommand(CLI::App& app, int& exitCode) {
    struct Options {
        std::string mode;
        std::string slide;
        int threads = 1;
        bool fastTiles = false;
        int size = 2048;
        int repeat = 5;
        double readTileUm = 256;
        std::string params;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand(
        "bench", "One measurement, printed as a JSON line (scripts/bench.sh runs them all)");
    cmd->add_option("MODE", o->mode,
                    "read (OpenSlide reads the tissue at level 0), ihc (whole-slide analysis), fish")
        ->required()
        ->check(CLI::IsMember({"read", "ihc", "fish"}));
    cmd->add_option("SLIDE", o->slide, "Slide for read and ihc");
    cmd->add_option("--threads", o->threads, "Threads")->check(CLI::Range(1, 256));
    cmd->add_flag("--fast-tiles", o->fastTiles, "read: decode TIFF tiles with libtiff instead of OpenSlide");
    cmd->add_option("--read-tile-um", o->readTileUm, "read: edge of each openslide_read_region request, µm")
        ->check(CLI::Range(16.0, 4096.0))
        ->capture_default_str();
    cmd->add_option("--params", o->params, "read, ihc: protocol JSON (default: the built-in protocol)");
    cmd->add_option("--size", o->size, "fish: field side in pixels")->check(CLI::Range(256, 16384));
    cmd->add_option("--repeat", o->repeat, "fish: timed repetitions")->check(CLI::Range(1, 1000));
    cmd->callback([o, &exitCode] {
        if (o->mode != "fish" && o->slide.empty())
            throw CLI::ValidationError("SLIDE", "read and ihc need a slide");
        const core::AnalysisParams params = protocolOrDefaults(o->params);
        nlohmann::json j = o->mode == "read"
                               ? benchRead(o->slide, o->threads, !o->fastTiles, params, o->readTileUm)
                           : o->mode == "ihc" ? benchIhc(o->slide, o->threads, params)
                                              : benchFish(o->size, o->repeat);
        std::cout << j.dump() << '\n';
        exitCode = 0;
    });
}

}  // namespace her2::cli
