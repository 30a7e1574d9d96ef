// The demo set: a few phantom slides of different scores, generated once and kept.
#include <algorithm>
#include <stdexcept>

#include "her2/core/Errors.hpp"
#include "her2/imaging/FishPhantom.hpp"

namespace her2::imaging {
namespace fs = std::filesystem;

namespace {

// Demo slides are 3000 x 3000 px at 0.25 µm (0.56 mm²): large enough for a few thousand
// cells, small enough that generation and scoring stay well under two minutes on 2 cores.
constexpr std::int64_t kDemoSide = 3000;

IhcPhantomCase ihcCase(const std::string& name) {
    auto c = findIhcCase(name);
    if (!c) throw std::logic_error("demo: no standard IHC phantom case named " + name);
    c->spec.width = kDemoSide;
    c->spec.height = kDemoSide;
    return *c;
}

FishPhantomCase fishCase(const std::string& name) {
    auto c = findFishCase(name);
    if (!c) throw std::logic_error("demo: no standard FISH phantom case named " + name);
    return *c;
}

bool truthReadable(const fs::path& truth, bool fish) {
    try {
        if (fish)
            (void)readFishTruthJson(truth);
        else
            (void)readIhcTruthJson(truth);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

std::vector<IhcPhantomCase> demoIhcCases() {
    return {ihcCase("breast-0-ultralow"), ihcCase("breast-1plus"), ihcCase("breast-2plus"),
            ihcCase("breast-3plus"), ihcCase("gastric-3plus")};
}

std::vector<FishPhantomCase> demoFishCases() {
    return {fishCase("fish-group1"), fishCase("fish-group2"), fishCase("fish-group5")};
}

std::vector<DemoItem> generateDemoSet(const fs::path& outDir, core::ProgressSink* progress, int threads) {
    std::error_code ec;
    fs::create_directories(outDir, ec);
    if (ec) throw core::InputError(outDir.string(), "cannot create the demo folder: " + ec.message());
    std::vector<DemoItem> items;
    const auto ihc = demoIhcCases();
    const auto fish = demoFishCases();
    const double total = static_cast<double>(ihc.size() + fish.size());
    std::size_t done = 0;
    for (const auto& c : ihc) {
        DemoItem item{c.name, core::Assay::Ihc, outDir / (c.name + ".tif"), {}, false};
        item.truth = truthPathFor(item.image);
        if (!fs::exists(item.image) || !truthReadable(item.truth, false)) {
            writeIhcPhantom(c.spec, item.image, c.name, threads);
            item.generated = true;
        }
        items.push_back(item);
        if (progress) progress->progress(static_cast<double>(++done) / total, c.name);
    }
    for (const auto& c : fish) {
        DemoItem item{c.name, core::Assay::Fish, outDir / (c.name + ".tif"),
                      outDir / (c.name + ".truth.json"), false};
        if (!fs::exists(item.image) || !truthReadable(item.truth, true)) {
            const auto files = writeFishPhantom(c.spec, outDir / c.name, c.name);
            // The RGB composite shows the same field again; the demo scores the channel TIFF.
            fs::remove(files.composite, ec);
            item.generated = true;
        }
        items.push_back(item);
        if (progress) progress->progress(static_cast<double>(++done) / total, c.name);
    }
    return items;
}

}  // namespace her2::imaging
