// her2scope demo [-o OUTDIR]: generate the demo slides once, score them, print the table.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "Commands.hpp"
#include "her2/imaging/BatchRunner.hpp"
#include "her2/imaging/FishPhantom.hpp"

namespace her2::cli {
namespace {

namespace fs = std::filesystem;

std::string expectedOf(const imaging::DemoItem& item, core::RuleSetId rules, core::Specimen specimen) {
    if (item.assay == core::Assay::Fish) {
        const auto t = imaging::readFishTruthJson(item.truth);
        return t.expectedFirst20.group ? "group " + std::to_string(*t.expectedFirst20.group) : "not scorable";
    }
    const auto t = imaging::readIhcTruthJson(item.truth);
    const auto* e = t.expectedFor(rules, specimen);
    return e && e->score ? std::string(core::toString(*e->score)) : "not scorable";
}

}  // namespace

void addDemoCommand(CLI::App& app, int& exitCode) {
    struct Options {
        std::string out = "out/demo";
        int threads = 0;
    };
    auto opts = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("demo", "Generate the demo phantom slides (once) and score them");
    cmd->add_option("-o,--out", opts->out, "Demo folder: slides/ and results/ are made inside");
    cmd->add_option("--threads", opts->threads, "Threads (0: all cores)")->check(CLI::Range(0, 256));
    cmd->callback([opts, &exitCode] {
        const auto start = std::chrono::steady_clock::now();
        const fs::path slides = fs::path(opts->out) / "slides";
        const fs::path results = fs::path(opts->out) / "results";
        const int threads = opts->threads > 0
                                ? opts->threads
                                : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        std::fprintf(stderr, "demo: preparing phantom slides in %s\n", slides.string().c_str());
        const auto items = imaging::generateDemoSet(slides, nullptr, threads);

        std::vector<fs::path> paths;
        std::vector<std::string> names;
        imaging::BatchSummary summary;
        int mismatches = 0;
        std::printf("%-20s %-5s %-8s %-13s %-13s %-12s %s\n", "slide", "assay", "rule", "expected",
                    "measured", "status", "match");
        for (const auto& item : items) {
            imaging::ScoreOptions options;
            options.params.tiling.threads = threads;
            if (item.assay == core::Assay::Ihc) {
                const auto c = imaging::findIhcCase(item.name);
                options.params.rules.ruleSet =
                    std::string(core::toString(c ? c->ruleSet : core::RuleSetId::Breast));
                options.params.rules.specimen =
                    std::string(core::toString(c ? c->specimen : core::Specimen::Resection));
                options.assay = imaging::AssayRequest::Ihc;
            } else {
                options.assay = imaging::AssayRequest::Fish;
            }
            core::NullProgress quiet;
            core::CancelToken cancel;
            std::string measured, status, expected;
            try {
                const auto a = imaging::analyseSlide(item.image, options, quiet, cancel);
                auto source = imaging::openSlide(item.image);
                imaging::writeSlideOutputs(a, *source, results, item.name);
                measured = a.report.score       ? std::string(core::toString(*a.report.score))
                           : a.report.ish.group ? "group " + std::to_string(*a.report.ish.group)
                                                : "none";
                status = std::string(core::toString(a.report.status));
                expected = expectedOf(item, a.report.ruleSet, a.report.specimen);
            } catch (const std::exception& e) {
                measured = "error";
                status = e.what();
            }
            const bool match = measured == expected;
            mismatches += match ? 0 : 1;
            std::printf("%-20s %-5s %-8s %-13s %-13s %-12s %s\n", item.name.c_str(),
                        item.assay == core::Assay::Ihc ? "ihc" : "fish", options.params.rules.ruleSet.c_str(),
                        expected.c_str(), measured.c_str(), status.c_str(), match ? "yes" : "NO");
            std::fflush(stdout);
            paths.push_back(item.image);
            names.push_back(item.name);
        }
        imaging::writeBatchSummary(results, paths, names, summary);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("\n%zu slides, %d not as expected, %.1f s\nsummary: %s\nreport:  %s\n", items.size(),
                    mismatches, seconds, summary.summaryCsv.string().c_str(),
                    summary.reportHtml.string().c_str());
        exitCode = 0;  // a mismatch is a finding to read, not a failure of the demo run
    });
}

}  // namespace her2::cli
