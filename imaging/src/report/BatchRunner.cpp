#include "her2/imaging/BatchRunner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "her2/core/Csv.hpp"
#include "her2/core/Errors.hpp"
#include "her2/imaging/AtomicFile.hpp"
#include "her2/imaging/SlideHash.hpp"
#include "report/HtmlReport.hpp"

namespace her2::imaging {
namespace fs = std::filesystem;
using nlohmann::json;

std::string_view toString(SlideOutcome o) {
    switch (o) {
        case SlideOutcome::Scored:
            return "scored";
        case SlideOutcome::NotScorable:
            return "not-scorable";
        case SlideOutcome::Failed:
            return "failed";
        case SlideOutcome::Skipped:
            return "skipped";
    }
    return "failed";
}

SlideAnalysis analyseSlide(const fs::path& path, const ScoreOptions& options, core::ProgressSink& progress,
                           const core::CancelToken& cancel, const std::vector<fs::path>& channelFiles) {
    std::unique_ptr<SlideSource> source =
        channelFiles.size() > 1 ? openChannelStack(channelFiles, {"DAPI", "HER2", "CEP17"}) : openSlide(path);
    // A pixel size given for a file that has its own is used, and the report says so: a
    // wrong one changes what counts as a nucleus or a signal.
    const core::PixelCalibration own = source->calibration();
    if (options.mpp) source->setCalibration(core::PixelCalibration(*options.mpp, *options.mpp, "user"));
    SlideAnalysis a =
        AnalysisPipeline::run(*source, options.params, options.roi, progress, cancel, options.assay);
    if (options.mpp && own.calibrated() && std::abs(own.mpp() / *options.mpp - 1) > 0.01) {
        std::ostringstream w;
        w << "--mpp " << *options.mpp << " µm/px overrides the file's " << own.mpp() << " µm/px";
        a.warnings.push_back(w.str());
    }
    if (a.slideName.empty()) a.slideName = path.stem().string();
    if (a.slidePath.empty()) a.slidePath = path.string();
    return a;
}

namespace {

const std::vector<std::string>& slideExtensions() {
    static const std::vector<std::string> e{".svs", ".ndpi", ".tif",     ".tiff", ".mrxs", ".scn", ".bif",
                                            ".vms", ".vmu",  ".svslide", ".png",  ".jpg",  ".jpeg"};
    return e;
}

bool isOwnOutput(const std::string& name) {
    for (const char* suffix :
         {".overlay.png", ".thumb.jpg", ".her2.json", ".cells.csv", ".cells.geojson", ".truth.json"})
        if (name.size() > std::strlen(suffix) && name.ends_with(suffix)) return true;
    return false;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::string relativeKey(const fs::path& p, const fs::path& root) {
    std::error_code ec;
    auto rel = fs::relative(p, root, ec);
    return (ec || rel.empty() ? p : rel).generic_string();
}

/// The slide's report, or nullopt when missing or unreadable (then the slide is redone).
std::optional<json> readReport(const fs::path& p) {
    std::ifstream in(p);
    if (!in) return std::nullopt;
    try {
        return json::parse(in);
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

std::string oneLine(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    std::replace(s.begin(), s.end(), '\r', ' ');
    return s;
}

BatchSlideResult resultFromReport(const json& j) {
    BatchSlideResult r;
    r.status = j.value("status", "error");
    if (r.status == "error") {
        r.outcome = SlideOutcome::Failed;
        r.error = j.value("error", "");
    } else {
        r.outcome = r.status == "not-scorable" ? SlideOutcome::NotScorable : SlideOutcome::Scored;
    }
    if (j.contains("score") && j["score"].is_string()) r.score = j["score"].get<std::string>();
    if (j.contains("group") && j["group"].is_number())
        r.score = "group " + std::to_string(j["group"].get<int>());
    r.seconds = j.value("seconds", 0.0);
    return r;
}

std::string csvCell(std::string_view s) {
    return core::csvEscape(s);
}

std::string jsonField(const json& j, const char* key) {
    if (!j.contains(key) || j[key].is_null()) return "";
    const auto& v = j[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    if (v.is_number()) {
        std::ostringstream s;
        s << v.get<double>();
        return s.str();
    }
    return v.dump();
}

std::string percentField(const json& j, const char* cls) {
    if (!j.contains("percent") || !j["percent"].contains(cls)) return "";
    std::ostringstream s;
    s << j["percent"][cls].get<double>();
    return s.str();
}

}  // namespace

std::vector<fs::path> findSlides(const fs::path& dir, const fs::path& skipDir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw core::InputError(dir.string(), "not a folder");
    std::vector<fs::path> out;
    const fs::path skip = skipDir.empty() ? fs::path() : fs::weakly_canonical(skipDir, ec);
    auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) throw core::InputError(dir.string(), "cannot list the folder: " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const auto& entry = *it;
        const std::string name = entry.path().filename().string();
        if (!name.empty() && name[0] == '.') {
            if (entry.is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        if (entry.is_directory(ec)) {
            if (!skip.empty() && fs::weakly_canonical(entry.path(), ec) == skip)
                it.disable_recursion_pending();
            continue;
        }
        if (!entry.is_regular_file(ec) || isOwnOutput(name) || isTemporaryName(entry.path())) continue;
        const std::string ext = lower(entry.path().extension().string());
        const bool byExtension =
            std::find(slideExtensions().begin(), slideExtensions().end(), ext) != slideExtensions().end();
        if (byExtension || looksLikeSlide(entry.path())) out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<fs::path> shardSlides(const std::vector<fs::path>& slides, const fs::path& root, int k, int n) {
    if (n < 1 || k < 1 || k > n) throw core::ParameterError("shard must be K/N with 1 <= K <= N");
    std::vector<fs::path> out;
    for (const auto& s : slides)
        if (static_cast<int>(fnv1a(relativeKey(s, root)) % static_cast<std::uint64_t>(n)) == k - 1)
            out.push_back(s);
    return out;
}

std::vector<std::string> outputNames(const std::vector<fs::path>& slides, const fs::path& root) {
    // The plain stem where it is unique; else the relative path; else that plus the extension.
    auto count = [](const std::vector<std::string>& v) {
        std::map<std::string, int> uses;
        for (const auto& n : v) ++uses[n];
        return uses;
    };
    std::vector<std::string> names;
    for (const auto& s : slides) names.push_back(s.stem().string());
    for (int round = 0; round < 2; ++round) {
        const auto uses = count(names);
        for (std::size_t i = 0; i < slides.size(); ++i) {
            if (uses.at(names[i]) < 2) continue;
            const auto rel = fs::path(relativeKey(slides[i], root));
            std::string n = (rel.parent_path() / rel.stem()).generic_string();
            if (round == 1)
                n += "_" + lower(rel.extension().string().substr(rel.extension().empty() ? 0 : 1));
            std::replace(n.begin(), n.end(), '/', '_');
            names[i] = n;
        }
    }
    for (auto& n : names) n = safeOutputName(n);
    return names;
}

void writeBatchSummary(const fs::path& outDir, const std::vector<fs::path>& slides,
                       const std::vector<std::string>& names, BatchSummary& summary) {
    std::ostringstream csv;
    csv << "slide,path,assay,rule,specimen,score,status,her2_low_category,tumor_cells,pct_0,pct_1,pct_2,pct_"
           "3,"
           "nuclei_counted,mean_her2,mean_cep17,ratio,group,params_hash,slide_hash,overlay,report,seconds,"
           "error\n";
    std::vector<HtmlSlide> cards;
    for (std::size_t i = 0; i < slides.size(); ++i) {
        const fs::path report = reportPathFor(outDir, names[i]);
        const auto j = readReport(report);
        if (!j) continue;  // another shard's slide, not done yet
        const bool failed = j->value("status", "error") == "error";
        const std::string overlay = failed ? "" : names[i] + ".overlay.png";
        csv << csvCell(names[i]) << ',' << csvCell(slides[i].string()) << ','
            << csvCell(jsonField(*j, "assay")) << ',' << csvCell(jsonField(*j, "rule")) << ','
            << csvCell(jsonField(*j, "specimen")) << ',' << csvCell(jsonField(*j, "score")) << ','
            << csvCell(jsonField(*j, "status")) << ',' << csvCell(jsonField(*j, "her2_low_category")) << ','
            << jsonField(*j, "tumor_cells") << ',' << percentField(*j, "0") << ',' << percentField(*j, "1+")
            << ',' << percentField(*j, "2+") << ',' << percentField(*j, "3+") << ','
            << jsonField(*j, "nuclei_counted") << ',' << jsonField(*j, "mean_her2") << ','
            << jsonField(*j, "mean_cep17") << ',' << jsonField(*j, "ratio") << ',' << jsonField(*j, "group")
            << ',' << csvCell(jsonField(*j, "params_hash")) << ',' << csvCell(jsonField(*j, "slide_hash"))
            << ',' << csvCell(overlay) << ',' << csvCell(report.filename().string()) << ','
            << jsonField(*j, "seconds") << ',' << csvCell(oneLine(jsonField(*j, "error"))) << '\n';
        cards.push_back({names[i], slides[i].string(), *j});
    }
    summary.summaryCsv = outDir / "summary.csv";
    summary.reportHtml = outDir / "report.html";
    writeFileAtomic(summary.summaryCsv, csv.str());
    writeFileAtomic(summary.reportHtml, renderBatchHtml(cards));
}

BatchSummary runBatch(const BatchOptions& options, BatchObserver* observer, const core::CancelToken& cancel) {
    std::error_code ec;
    fs::create_directories(options.outDir, ec);
    if (ec || !fs::is_directory(options.outDir, ec))
        throw core::InputError(options.outDir.string(), "cannot create the output folder");
    const auto all = findSlides(options.input, options.outDir);
    const auto allNames = outputNames(all, options.input);
    std::map<fs::path, std::string> nameOf;
    for (std::size_t i = 0; i < all.size(); ++i) nameOf[all[i]] = allNames[i];
    const auto mine = shardSlides(all, options.input, options.shardIndex, options.shardCount);

    BatchSummary summary;
    summary.results.resize(mine.size());
    if (observer) observer->started(mine.size());
    const std::string paramsHash = options.score.params.hash();
    std::atomic<std::size_t> next{0}, done{0};
    const int jobs = std::clamp(options.jobs, 1, 64);
    ScoreOptions perSlide = options.score;
    if (perSlide.params.tiling.threads == 0) {
        // Share the cores between the slides in flight.
        const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        perSlide.params.tiling.threads = std::max(1, cores / jobs);
    }

    auto work = [&] {
        core::NullProgress quiet;
        for (std::size_t i; (i = next.fetch_add(1)) < mine.size();) {
            if (cancel.cancelled()) return;
            const fs::path& path = mine[i];
            BatchSlideResult r;
            r.path = path;
            r.name = nameOf[path];
            const fs::path report = reportPathFor(options.outDir, r.name);
            const auto start = std::chrono::steady_clock::now();
            bool skipped = false;
            if (options.resume) {
                if (auto j = readReport(report); j && j->value("status", "error") != "error" &&
                                                 j->value("params_hash", "") == paramsHash) {
                    try {
                        skipped = j->value("slide_hash", "") == slideHash(path);
                    } catch (const std::exception&) {
                        skipped = false;
                    }
                    if (skipped) {
                        r = resultFromReport(*j);
                        r.path = path;
                        r.name = nameOf[path];
                        r.outcome = SlideOutcome::Skipped;
                    }
                }
            }
            if (!skipped) {
                try {
                    const SlideAnalysis a = analyseSlide(path, perSlide, quiet, cancel);
                    auto source = openSlide(path);
                    writeSlideOutputs(a, *source, options.outDir, r.name);
                    r.outcome = a.report.status == core::Her2Status::NotScorable ? SlideOutcome::NotScorable
                                                                                 : SlideOutcome::Scored;
                    r.status = std::string(core::toString(a.report.status));
                    if (a.report.score) r.score = std::string(core::toString(*a.report.score));
                    if (a.report.ish.group) r.score = "group " + std::to_string(*a.report.ish.group);
                    if (r.outcome == SlideOutcome::NotScorable) r.error = a.report.reason;
                } catch (const core::CancelledError&) {
                    return;
                } catch (const std::exception& e) {
                    r.outcome = SlideOutcome::Failed;
                    r.status = "error";
                    r.error = oneLine(e.what());
                    json j{{"slide", r.name},
                           {"path", path.string()},
                           {"status", "error"},
                           {"error", r.error},
                           {"params_hash", paramsHash}};
                    try {
                        writeFileAtomic(report, j.dump(2) + "\n");
                    } catch (const std::exception&) {
                        // The summary still lists the slide from this run's results.
                    }
                }
                r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            }
            summary.results[i] = r;
            const std::size_t d = ++done;
            if (observer) observer->finished(summary.results[i], d, mine.size());
        }
    };
    std::vector<std::jthread> pool;
    for (int t = 1; t < jobs && static_cast<std::size_t>(t) < mine.size(); ++t) pool.emplace_back(work);
    work();
    pool.clear();
    if (cancel.cancelled()) throw core::CancelledError();

    for (const auto& r : summary.results) {
        switch (r.outcome) {
            case SlideOutcome::Scored:
                ++summary.scored;
                break;
            case SlideOutcome::NotScorable:
                ++summary.notScorable;
                break;
            case SlideOutcome::Failed:
                ++summary.failed;
                break;
            case SlideOutcome::Skipped:
                ++summary.skipped;
                if (r.status == "not-scorable") ++summary.notScorable;
                break;
        }
    }
    writeBatchSummary(options.outDir, all, allNames, summary);
    return summary;
}

}  // namespace her2::imaging
