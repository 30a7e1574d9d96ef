// her2scope phantom ihc|fish: synthetic slides with exact per-cell truth.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "Commands.hpp"
#include "her2/core/Errors.hpp"
#include "her2/imaging/FishPhantom.hpp"
#include "her2/imaging/IhcPhantom.hpp"

namespace her2::cli {
namespace {

struct IhcOptions {
    std::string caseName;
    bool list = false;
    std::string output;
    int threads = 2;
    std::int64_t width = 0, height = 0;
    std::uint64_t seed = 0;
    double mpp = 0;
    double faint = 0, moderate = 0, strong = 0;
    std::string pattern = "complete";
    double heterogeneity = 0;
    double tumourFraction = 0;
    int biopsyCluster = 0;
    int jpegQuality = 0;
    int tileSize = 0;
};

std::string scoreText(const imaging::ExpectedIhcScore* e) {
    if (!e) return "-";
    return e->score ? std::string(core::toString(*e->score)) : std::string(core::toString(e->status));
}

imaging::MembranePatternMix patternMix(const std::string& name) {
    if (name == "complete") return {1, 0, 0};
    if (name == "lateral") return {0, 1, 0};
    if (name == "partial") return {0, 0, 1};
    if (name == "mixed") return {0.5, 0.25, 0.25};
    throw core::ParameterError("--pattern must be complete, lateral, partial or mixed");
}

void listIhcCases() {
    for (const auto& c : imaging::standardIhcCases()) {
        std::cout << std::left << std::setw(26) << c.name << std::setw(8) << core::toString(c.ruleSet)
                  << std::setw(10) << core::toString(c.specimen) << std::setw(4)
                  << core::toString(c.intendedScore) << ' ' << c.description << '\n';
    }
}

void runIhc(const IhcOptions& o, const CLI::App& cmd) {
    imaging::IhcPhantomSpec spec;
    std::string name = "custom";
    if (!o.caseName.empty()) {
        const auto c = imaging::findIhcCase(o.caseName);
        if (!c) throw core::ParameterError("unknown IHC phantom case \"" + o.caseName + "\" (see --list)");
        spec = c->spec;
        name = c->name;
    }
    if (cmd.count("--width")) spec.width = o.width;
    if (cmd.count("--height")) spec.height = o.height;
    if (cmd.count("--seed")) spec.seed = o.seed;
    if (cmd.count("--mpp")) spec.mpp = o.mpp;
    const auto mix = patternMix(o.pattern);
    if (cmd.count("--faint")) spec.classes[1] = {o.faint, mix};
    if (cmd.count("--moderate")) spec.classes[2] = {o.moderate, mix};
    if (cmd.count("--strong")) spec.classes[3] = {o.strong, mix};
    if (cmd.count("--heterogeneity")) spec.heterogeneity = o.heterogeneity;
    if (cmd.count("--tumour-fraction")) spec.tumourFraction = o.tumourFraction;
    if (cmd.count("--biopsy-cluster")) spec.biopsyClusterCells = o.biopsyCluster;
    if (cmd.count("--jpeg-quality")) spec.jpegQuality = o.jpegQuality;
    if (cmd.count("--tile-size")) spec.tileSize = o.tileSize;

    const std::filesystem::path out(o.output);
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    const auto t0 = std::chrono::steady_clock::now();
    const auto truth = imaging::writeIhcPhantom(spec, out, name, o.threads);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double mp = static_cast<double>(spec.width) * static_cast<double>(spec.height) / 1e6;

    std::ostringstream line;
    line << std::fixed << std::setprecision(1) << "wrote " << out.string() << " (" << name << ", "
         << spec.width << "x" << spec.height << " px at " << std::setprecision(3) << spec.mpp << " um/px, "
         << truth.tumourCells << " tumour cells: " << truth.classCounts[0] << " negative, "
         << truth.classCounts[1] << " faint, " << truth.classCounts[2] << " weak-moderate, "
         << truth.classCounts[3] << " strong; expected breast "
         << scoreText(truth.expectedFor(core::RuleSetId::Breast, core::Specimen::Resection)) << ", gastric "
         << scoreText(truth.expectedFor(core::RuleSetId::Gastric, core::Specimen::Resection))
         << ", gastric biopsy "
         << scoreText(truth.expectedFor(core::RuleSetId::Gastric, core::Specimen::Biopsy)) << ") in "
         << std::setprecision(1) << secs << " s (" << mp / secs << " MP/s, " << o.threads
         << " threads); truth " << imaging::truthPathFor(out).string();
    std::cout << line.str() << '\n';
}

struct FishOptions {
    std::string caseName;
    bool list = false;
    std::string output;
    std::uint64_t seed = 0;
};

void runFish(const FishOptions& o, const CLI::App& cmd) {
    if (o.caseName.empty()) throw core::ParameterError("phantom fish needs --case NAME (see --list)");
    const auto c = imaging::findFishCase(o.caseName);
    if (!c) throw core::ParameterError("unknown FISH phantom case \"" + o.caseName + "\" (see --list)");
    auto spec = c->spec;
    if (cmd.count("--seed")) spec.seed = o.seed;
    std::filesystem::path base(o.output);
    if (base.extension() == ".tif" || base.extension() == ".tiff") base.replace_extension();
    if (base.has_parent_path()) std::filesystem::create_directories(base.parent_path());
    const auto files = imaging::writeFishPhantom(spec, base, c->name);
    std::cout << "wrote " << files.channels.string() << ", " << files.composite.string() << " and "
              << files.truth.string() << " (" << c->name << ", intended ISH group " << c->intendedGroup
              << ")\n";
}

}  // namespace

void addPhantomCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand("phantom", "Write synthetic slides with exact truth (ihc, fish)");
    cmd->require_subcommand(1);

    auto ihc = std::make_shared<IhcOptions>();
    auto* ic =
        cmd->add_subcommand("ihc", "Synthetic HER2 IHC slide: pyramidal JPEG TIFF plus <name>.truth.json");
    ic->add_option("--case", ihc->caseName, "Standard case to start from (see --list)");
    ic->add_flag("--list", ihc->list, "List the standard cases and exit");
    ic->add_option("-o,--output", ihc->output, "Output TIFF; the truth goes next to it as <stem>.truth.json");
    ic->add_option("--threads", ihc->threads, "Rendering threads")->check(CLI::Range(1, 256));
    ic->add_option("--width", ihc->width, "Width, level-0 px")->check(CLI::PositiveNumber);
    ic->add_option("--height", ihc->height, "Height, level-0 px")->check(CLI::PositiveNumber);
    ic->add_option("--seed", ihc->seed, "Random seed");
    ic->add_option("--mpp", ihc->mpp, "Pixel size, µm (0.25: 40x)");
    ic->add_option("--faint", ihc->faint, "Fraction of tumour cells with faint membranes");
    ic->add_option("--moderate", ihc->moderate, "Fraction of tumour cells with weak-to-moderate membranes");
    ic->add_option("--strong", ihc->strong, "Fraction of tumour cells with strong membranes");
    ic->add_option("--pattern", ihc->pattern,
                   "Pattern of the classes set above: complete, lateral, partial, mixed");
    ic->add_option("--heterogeneity", ihc->heterogeneity, "0: classes scattered cell by cell; 1: in patches");
    ic->add_option("--tumour-fraction", ihc->tumourFraction, "Share of the tissue in tumour nests");
    ic->add_option("--biopsy-cluster", ihc->biopsyCluster, "One cohesive cluster of this many strong cells");
    ic->add_option("--jpeg-quality", ihc->jpegQuality, "JPEG quality of the tiles, 1-100");
    ic->add_option("--tile-size", ihc->tileSize, "Tile size, px (multiple of 16)");
    ic->callback([ihc, ic, &exitCode] {
        if (ihc->list) {
            listIhcCases();
            exitCode = 0;
            return;
        }
        if (ihc->output.empty()) {
            std::cerr << "phantom ihc: -o FILE.tif is required\n";
            exitCode = 2;
            return;
        }
        runIhc(*ihc, *ic);
        exitCode = 0;
    });

    auto fish = std::make_shared<FishOptions>();
    auto* fc =
        cmd->add_subcommand("fish", "Synthetic HER2/CEP17 FISH field: channel TIFF, RGB PNG, truth JSON");
    fc->add_option("--case", fish->caseName, "Standard case (see --list)");
    fc->add_flag("--list", fish->list, "List the standard cases and exit");
    fc->add_option("-o,--output", fish->output, "Output base path (without extension)");
    fc->add_option("--seed", fish->seed, "Random seed");
    fc->callback([fish, fc, &exitCode] {
        if (fish->list) {
            for (const auto& c : imaging::standardFishCases())
                std::cout << std::left << std::setw(24) << c.name << "group " << c.intendedGroup << "  "
                          << c.description << '\n';
            exitCode = 0;
            return;
        }
        if (fish->output.empty()) {
            std::cerr << "phantom fish: -o BASE is required\n";
            exitCode = 2;
            return;
        }
        runFish(*fish, *fc);
        exitCode = 0;
    });
}

}  // namespace her2::cli
