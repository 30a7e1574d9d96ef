// her2scope qa --auto SUMMARY.csv --manual MANUAL.csv [-o QADIR] [--json]
//              [--calibrate [--folds K] [--protocol-out FILE] [--protocol BASE]]
// Compares a batch's automatic scores with a pathologist's, and optionally fits the per-cell
// thresholds to those manual scores. Bad input is thrown to main(), which prints one line
// naming the file, line and column, and exits 1.
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "Commands.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/QaCalibration.hpp"
#include "her2/core/QaComparison.hpp"
#include "her2/imaging/AtomicFile.hpp"
#include "her2/imaging/QaReport.hpp"

namespace her2::cli {
namespace {

namespace fs = std::filesystem;

struct QaOptions {
    std::string autoPath;
    std::string manualPath;
    std::string outDir;
    bool json = false;
    std::size_t replicates = 2000;
    std::uint64_t seed = core::BootstrapOptions{}.seed;
    bool calibrate = false;
    std::size_t folds = 5;
    double testFraction = 0.25;
    std::string protocolOut;
    std::string protocolIn;
    std::size_t threads = 0;
};

std::string fmt(double v, int digits = 3) {
    if (!std::isfinite(v)) return "n/a";
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

std::string interval(const core::Interval& i) {
    if (!std::isfinite(i.low)) return "";
    return " (95% CI " + fmt(i.low) + " to " + fmt(i.high) + ")";
}

void printText(const core::QaComparison& q, const core::CalibrationResult* c) {
    std::cout << "IHC slides compared  " << q.n << '\n';
    if (q.n) {
        std::cout << "agreement            " << fmt(100 * q.agreement, 1) << "%\n"
                  << "kappa                " << fmt(q.kappa) << interval(q.kappaCi) << '\n'
                  << "weighted kappa (quadratic) " << fmt(q.weightedKappa) << interval(q.weightedKappaCi)
                  << '\n'
                  << "clinical categories  " << fmt(100 * q.clinical.agreement, 1) << "% agreement, kappa "
                  << fmt(q.clinical.kappa) << '\n'
                  << "0 vs 1+ (HER2-low)   n=" << q.her2Low.n << ", " << fmt(100 * q.her2Low.agreement, 1)
                  << "% agreement, kappa " << fmt(q.her2Low.kappa) << '\n';
        std::cout << "confusion (rows auto 0/1+/2+/3+, columns manual):\n";
        for (std::size_t i = 0; i < 4; ++i) {
            std::cout << "  ";
            for (std::size_t j = 0; j < 4; ++j) std::cout << std::setw(5) << q.confusion.at(i, j);
            std::cout << '\n';
        }
    }
    for (const auto& d : q.discordant)
        std::cout << "discordant  " << d.slide << ": auto " << core::toString(d.automatic) << ", manual "
                  << core::toString(d.manual) << (d.overlay.empty() ? "" : "  " + d.overlay) << '\n';
    if (q.ratio.blandAltman.n)
        std::cout << "ISH ratio   n=" << q.ratio.blandAltman.n << ", bias " << fmt(q.ratio.blandAltman.bias)
                  << ", limits " << fmt(q.ratio.blandAltman.lowerLimit) << " to "
                  << fmt(q.ratio.blandAltman.upperLimit) << ", ICC " << fmt(q.ratio.icc) << '\n';
    if (q.meanHer2.blandAltman.n)
        std::cout << "mean HER2   n=" << q.meanHer2.blandAltman.n << ", bias "
                  << fmt(q.meanHer2.blandAltman.bias) << ", limits " << fmt(q.meanHer2.blandAltman.lowerLimit)
                  << " to " << fmt(q.meanHer2.blandAltman.upperLimit) << ", ICC " << fmt(q.meanHer2.icc)
                  << '\n';
    if (q.ishGroup.n)
        std::cout << "ISH group   n=" << q.ishGroup.n << ", " << fmt(100 * q.ishGroup.agreement, 1)
                  << "% agreement, kappa " << fmt(q.ishGroup.kappa) << '\n';
    for (const auto& s : q.unmatchedAuto) std::cout << "only in the summary      " << s << '\n';
    for (const auto& s : q.unmatchedManual) std::cout << "only in the manual file  " << s << '\n';
    for (const auto& s : q.skipped) std::cout << "not compared  " << s.slide << ": " << s.reason << '\n';
    if (c) {
        std::cout << "calibrated thresholds: faint OD " << fmt(c->faintOd) << ", strong OD "
                  << fmt(c->strongOd) << ", complete fraction " << fmt(c->completeFraction) << '\n'
                  << "  held-out kappa (" << c->folds << "-fold CV on " << c->trainSlides.size()
                  << " training slides) " << fmt(c->crossValidatedKappa) << "; training kappa "
                  << fmt(c->trainKappa) << " (base thresholds " << fmt(c->baselineTrainKappa) << ")\n";
        if (c->testKappa)
            std::cout << "  test split (" << c->testSlides.size() << " slides, not used to fit) kappa "
                      << fmt(*c->testKappa) << " (base thresholds "
                      << fmt(c->baselineTestKappa.value_or(std::nan(""))) << ")\n";
        for (const auto& s : c->skipped) std::cout << "  not used  " << s.slide << ": " << s.reason << '\n';
    }
}

int run(const QaOptions& o) {
    const auto automatic = core::readAutoScores(o.autoPath);
    const auto manual = core::readManualScores(o.manualPath);
    const fs::path summaryDir = fs::path(o.autoPath).parent_path();
    core::QaComparison qa =
        core::QaComparison::compare(automatic, manual, summaryDir, {o.replicates, o.seed, 0.95});
    qa.autoFile = o.autoPath;
    qa.manualFile = o.manualPath;

    std::optional<core::CalibrationResult> calibration;
    std::string protocolPath;
    if (o.calibrate) {
        const core::AnalysisParams base = protocolOrDefaults(o.protocolIn);
        std::vector<core::SkippedSlide> skipped;
        auto slides = core::loadCalibrationSlides(o.autoPath, automatic, manual, base, skipped);
        core::CalibrationOptions options;
        options.folds = o.folds;
        options.testFraction = o.testFraction;
        options.threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
        calibration = core::calibrate(std::move(slides), base, options);
        calibration->skipped.insert(calibration->skipped.begin(), skipped.begin(), skipped.end());
        protocolPath =
            o.protocolOut.empty() ? (fs::path(o.outDir) / "protocol.json").string() : o.protocolOut;
        if (!o.outDir.empty()) fs::create_directories(o.outDir);
        core::writeProtocolAtomic(protocolPath, calibration->params);
    }

    if (!o.outDir.empty()) {
        imaging::writeQaReport(qa, o.outDir, calibration ? &*calibration : nullptr);
        if (calibration)
            imaging::writeFileAtomic(fs::path(o.outDir) / "calibration.json", calibration->toJson() + "\n");
    }

    if (o.json) {
        nlohmann::ordered_json j = nlohmann::ordered_json::parse(qa.toJson());
        if (calibration) {
            j["calibration"] = nlohmann::ordered_json::parse(calibration->toJson());
            j["calibration"]["protocol"] = protocolPath;
        }
        std::cout << j.dump(2) << '\n';
    } else {
        printText(qa, calibration ? &*calibration : nullptr);
        if (!o.outDir.empty()) std::cout << "report: " << (fs::path(o.outDir) / "qa.html").string() << '\n';
        if (calibration) std::cout << "protocol: " << protocolPath << '\n';
    }
    return 0;
}

}  // namespace

void addQaCommand(CLI::App& app, int& exitCode) {
    auto o = std::make_shared<QaOptions>();
    auto* cmd =
        app.add_subcommand("qa", "Compare automatic with manual scores; optionally calibrate the thresholds");
    cmd->add_option("--auto", o->autoPath, "The batch's summary.csv")->required()->check(CLI::ExistingFile);
    cmd->add_option(
           "--manual", o->manualPath,
           "Manual scores CSV: slide plus any of ihc_score, ish_ratio, mean_her2, mean_cep17, ish_group")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("-o,--output", o->outDir,
                    "Folder for qa.html, qa.json (and calibration.json, protocol.json)");
    cmd->add_flag("--json", o->json, "Print the result as JSON");
    cmd->add_option("--bootstrap", o->replicates, "Bootstrap resamples for the kappa intervals")
        ->check(CLI::Range(100, 100000))
        ->capture_default_str();
    cmd->add_option("--seed", o->seed, "Seed of the bootstrap (results are reproducible)")
        ->capture_default_str();
    auto* cal =
        cmd->add_flag("--calibrate", o->calibrate,
                      "Fit faint/strong OD and complete fraction to the manual IHC scores (reads each "
                      "slide's <slide>.cells.csv beside the summary)");
    cmd->add_option("--folds", o->folds, "Cross-validation folds of the calibration")
        ->check(CLI::Range(2, 50))
        ->needs(cal)
        ->capture_default_str();
    cmd->add_option("--test-fraction", o->testFraction,
                    "Share of slides held out as the test split when MANUAL has no split column (0: none)")
        ->check(CLI::Range(0.0, 0.9))
        ->needs(cal)
        ->capture_default_str();
    cmd->add_option("--protocol-out", o->protocolOut,
                    "Where to write the calibrated protocol (default QADIR/protocol.json)")
        ->needs(cal);
    cmd->add_option("--protocol", o->protocolIn,
                    "Base protocol the calibration starts from (default: built-in)")
        ->needs(cal)
        ->check(CLI::ExistingFile);
    cmd->add_option("--threads", o->threads, "Threads for the calibration (0: all cores)")->needs(cal);
    cmd->callback([o, &exitCode] {
        if (o->calibrate && o->protocolOut.empty() && o->outDir.empty())
            throw CLI::ValidationError("--calibrate", "needs --protocol-out FILE or -o QADIR");
        exitCode = run(*o);
    });
}

}  // namespace her2::cli
