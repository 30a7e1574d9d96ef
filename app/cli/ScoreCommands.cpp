// her2scope score SLIDE ... and her2scope batch INPUT_DIR -o OUTDIR ...: headless scoring.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>

#include <unistd.h>

#include "Commands.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/GeoJson.hpp"
#include "her2/imaging/BatchRunner.hpp"
#include "her2/imaging/SlideReport.hpp"

namespace her2::cli {
namespace {

namespace fs = std::filesystem;

/// Options shared by score and batch.
struct CommonOptions {
    std::string assay = "auto";
    std::string rule;
    std::string specimen;
    std::string roi;
    std::string params;
    int threads = 0;
    double mpp = 0;
};

void addCommonOptions(CLI::App* cmd, CommonOptions& o) {
    cmd->add_option("--assay", o.assay, "auto (bright field or fluorescence), ihc or fish")
        ->check(CLI::IsMember({"auto", "ihc", "fish"}));
    cmd->add_option("--rule", o.rule, "Rule set: breast, gastric or nsclc (default: the protocol's, breast)")
        ->check(CLI::IsMember({"breast", "gastric", "nsclc"}));
    cmd->add_option("--specimen", o.specimen, "resection or biopsy (default: by rule set)")
        ->check(CLI::IsMember({"auto", "resection", "biopsy"}));
    cmd->add_option("--roi", o.roi,
                    "Region of interest: GeoJSON polygon(s) in level-0 pixels (QuPath export)");
    cmd->add_option("--params", o.params, "Protocol JSON (see --dump-params)");
    cmd->add_option("--threads", o.threads, "Analysis threads per slide (0: all cores)")
        ->check(CLI::Range(0, 256));
    cmd->add_option("--mpp", o.mpp, "Pixel size in µm for slides without calibration")
        ->check(CLI::Range(0.01, 100.0));
}

imaging::ScoreOptions toScoreOptions(const CommonOptions& o) {
    imaging::ScoreOptions s;
    s.params = protocolOrDefaults(o.params);
    if (!o.rule.empty()) s.params.set("rules.rule_set", o.rule);
    if (!o.specimen.empty()) s.params.set("rules.specimen", o.specimen);
    if (o.threads > 0) s.params.set("tiling.threads", o.threads);
    s.assay = o.assay == "ihc"    ? imaging::AssayRequest::Ihc
              : o.assay == "fish" ? imaging::AssayRequest::Fish
                                  : imaging::AssayRequest::Auto;
    if (!o.roi.empty()) s.roi = core::loadRoiGeoJson(o.roi);
    if (o.mpp > 0) s.mpp = o.mpp;
    return s;
}

bool stderrIsTerminal() {
    return ::isatty(STDERR_FILENO) == 1;
}

/// Progress of one slide on a terminal; nothing when stderr is redirected.
class ConsoleProgress final : public core::ProgressSink {
public:
    void progress(double fraction, std::string_view message) override {
        if (!m_tty) return;
        std::lock_guard lock(m_mutex);
        const int pct = static_cast<int>(fraction * 100);
        if (pct == m_last) return;
        m_last = pct;
        std::fprintf(stderr, "\r%-12.*s %3d%%", static_cast<int>(message.size()), message.data(), pct);
        std::fflush(stderr);
    }
    ~ConsoleProgress() override {
        if (m_tty && m_last >= 0) std::fprintf(stderr, "\r%*s\r", 20, "");
    }

private:
    bool m_tty = stderrIsTerminal();
    int m_last = -1;
    std::mutex m_mutex;
};

std::string formatSeconds(double s) {
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s / 3600), static_cast<int>(s / 60) % 60);
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
    else
        std::snprintf(buf, sizeof buf, "%.0fs", s);
    return buf;
}

/// A progress bar with ETA on a terminal, plain lines otherwise (logs of a scheduler).
class BatchConsole final : public imaging::BatchObserver {
public:
    void started(std::size_t total) override {
        m_start = std::chrono::steady_clock::now();
        if (!m_tty) std::fprintf(stderr, "batch: %zu slides\n", total);
    }
    void finished(const imaging::BatchSlideResult& r, std::size_t done, std::size_t total) override {
        std::lock_guard lock(m_mutex);
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
        const double eta = done ? elapsed / static_cast<double>(done) * static_cast<double>(total - done) : 0;
        std::string what = std::string(imaging::toString(r.outcome));
        if (!r.score.empty()) what += " " + r.score;
        if (!r.status.empty() && r.status != "error") what += " (" + r.status + ")";
        if (!r.error.empty()) what += ": " + r.error;
        if (m_tty) {
            constexpr int kWidth = 30;
            const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
            std::fprintf(stderr, "\r\033[K%s %s\n", r.name.c_str(), what.c_str());
            std::fprintf(stderr, "[%.*s%*s] %zu/%zu  elapsed %s  ETA %s", filled,
                         "##############################", kWidth - filled, "", done, total,
                         formatSeconds(elapsed).c_str(), formatSeconds(eta).c_str());
            if (done == total) std::fprintf(stderr, "\n");
        } else {
            std::fprintf(stderr, "[%zu/%zu] %s: %s (%.1f s, ETA %s)\n", done, total, r.name.c_str(),
                         what.c_str(), r.seconds, formatSeconds(eta).c_str());
        }
        std::fflush(stderr);
    }

private:
    bool m_tty = stderrIsTerminal();
    std::chrono::steady_clock::time_point m_start;
    std::mutex m_mutex;
};

void printTextReport(const imaging::SlideAnalysis& a) {
    const auto& r = a.report;
    std::cout << a.slideName << ": " << core::toString(a.assay) << ", " << core::toString(r.ruleSet) << " ("
              << r.ruleVersion << ")\n";
    if (a.assay == core::Assay::Ihc) {
        std::cout << "  score   " << (r.score ? std::string(core::toString(*r.score)) : std::string("none"))
                  << "  (" << core::toString(r.status) << ")";
        if (r.her2Low) std::cout << "  HER2-low field: " << core::toString(*r.her2Low);
        std::cout << "\n  cells   " << r.ihc.tumourCells << " tumour, " << r.ihc.excludedCells
                  << " excluded\n";
        std::printf("  percent 0: %.1f  1+: %.1f  2+: %.1f  3+: %.1f\n", r.ihc.percent[0], r.ihc.percent[1],
                    r.ihc.percent[2], r.ihc.percent[3]);
        std::fflush(stdout);
    } else {
        std::cout << "  status  " << core::toString(r.status);
        if (r.ish.group) std::cout << "  (ISH group " << *r.ish.group << ")";
        std::printf("\n  nuclei  %zu counted, mean HER2 %.2f, mean CEP17 %.2f, ratio %.2f\n",
                    r.ish.nucleiCounted, r.ish.meanHer2, r.ish.meanCep17, r.ish.ratio);
        std::fflush(stdout);
    }
    std::cout << "  reason  " << r.reason << '\n';
    for (const auto& w : a.warnings) std::cout << "  warning " << w << '\n';
}

}  // namespace

void addScoreCommands(CLI::App& app, int& exitCode) {
    // ---- score ----
    struct ScoreCli {
        CommonOptions common;
        std::string slide;
        std::string out;
        std::vector<std::string> channels;
        bool json = false;
        bool dumpParams = false;
    };
    auto so = std::make_shared<ScoreCli>();
    auto* score = app.add_subcommand("score", "Score one slide or field (IHC or FISH)");
    score->add_option("SLIDE", so->slide, "Slide, image or first channel file");
    addCommonOptions(score, so->common);
    score->add_option("-o,--out", so->out,
                      "Write the report, cells CSV/GeoJSON and overlay into this folder");
    score
        ->add_option("--channels", so->channels,
                     "FISH with one file per channel: DAPI,HER2,CEP17 files (replaces SLIDE)")
        ->delimiter(',');
    score->add_flag("--json", so->json, "Print the report as one JSON object");
    score->add_flag("--dump-params", so->dumpParams, "Print the default protocol (every parameter) and exit");
    score->callback([so, &exitCode] {
        if (so->dumpParams) {
            std::cout << protocolOrDefaults(so->common.params).toJson() << '\n';
            exitCode = 0;
            return;
        }
        if (so->slide.empty() && so->channels.empty())
            throw CLI::ValidationError("SLIDE", "a slide is required");
        if (!so->channels.empty() && so->channels.size() != 3)
            throw CLI::ValidationError("--channels", "give three files: DAPI,HER2,CEP17");
        auto options = toScoreOptions(so->common);
        std::vector<fs::path> channelFiles(so->channels.begin(), so->channels.end());
        const fs::path slide = channelFiles.empty() ? fs::path(so->slide) : channelFiles.front();
        if (!channelFiles.empty()) options.assay = imaging::AssayRequest::Fish;
        ConsoleProgress progress;
        core::CancelToken cancel;
        const auto analysis = imaging::analyseSlide(slide, options, progress, cancel, channelFiles);
        if (!so->out.empty()) {
            auto source = channelFiles.empty()
                              ? imaging::openSlide(slide)
                              : imaging::openChannelStack(channelFiles, {"DAPI", "HER2", "CEP17"});
            imaging::writeSlideOutputs(analysis, *source, so->out, analysis.slideName);
        }
        if (so->json)
            std::cout << imaging::reportJson(analysis) << '\n';
        else
            printTextReport(analysis);
        if (analysis.report.status == core::Her2Status::NotScorable) {
            // Rule reasons already start with "not scorable"; pipeline reasons do not.
            const std::string& why = analysis.report.reason;
            std::cerr << "her2scope: " << slide.string() << ": "
                      << (why.starts_with("not scorable") ? "" : "not scorable: ") << why << '\n';
            exitCode = 1;
        } else {
            exitCode = 0;
        }
    });

    // ---- batch ----
    struct BatchCli {
        CommonOptions common;
        std::string input;
        std::string out;
        int jobs = 1;
        bool resume = false;
        std::string shard;
    };
    auto bo = std::make_shared<BatchCli>();
    auto* batch =
        app.add_subcommand("batch", "Score every slide under a folder; writes summary.csv and report.html");
    batch->add_option("INPUT_DIR", bo->input, "Folder searched recursively for slides")->required();
    batch->add_option("-o,--out", bo->out, "Output folder")->required();
    addCommonOptions(batch, bo->common);
    batch->add_option("--jobs", bo->jobs, "Slides scored at once")->check(CLI::Range(1, 64));
    batch->add_flag("--resume", bo->resume,
                    "Skip slides already scored with the same parameters and slide file");
    batch->add_option("--shard", bo->shard,
                      "K/N: score only the K-th of N deterministic shares (job arrays)");
    batch->callback([bo, &exitCode] {
        imaging::BatchOptions options;
        options.input = bo->input;
        options.outDir = bo->out;
        options.score = toScoreOptions(bo->common);
        options.jobs = bo->jobs;
        options.resume = bo->resume;
        if (!bo->shard.empty()) {
            int k = 0, n = 0;
            char extra = 0;
            if (std::sscanf(bo->shard.c_str(), "%d/%d%c", &k, &n, &extra) != 2 || n < 1 || k < 1 || k > n)
                throw CLI::ValidationError("--shard",
                                           "expected K/N with 1 <= K <= N, got \"" + bo->shard + "\"");
            options.shardIndex = k;
            options.shardCount = n;
        }
        BatchConsole console;
        core::CancelToken cancel;
        const auto summary = imaging::runBatch(options, &console, cancel);
        std::fprintf(stderr, "batch: %zu scored, %zu skipped (already done), %zu not scorable, %zu failed\n",
                     summary.scored, summary.skipped, summary.notScorable, summary.failed);
        std::cout << summary.summaryCsv.string() << '\n' << summary.reportHtml.string() << '\n';
        exitCode = summary.exitCode();
    });
}

}  // namespace her2::cli
