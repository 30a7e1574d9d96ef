// her2scope accuracy fish: the standard FISH phantoms scored against their truth.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "Commands.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/ScoringRules.hpp"
#include "her2/imaging/AtomicFile.hpp"
#include "her2/imaging/FishAnalysis.hpp"
#include "her2/imaging/FishPhantom.hpp"
#include "her2/imaging/SlideSource.hpp"

namespace her2::cli {

namespace {

namespace fs = std::filesystem;
using imaging::FishPhantomCase;
using imaging::FishPhantomTruth;

// Targets of the FISH accuracy issue.
constexpr double kMaxRatioErrorPercent = 5;
constexpr double kMinExactPercent = 95;

struct CaseResult {
    std::string name;
    std::optional<int> truthGroup, measuredGroup;
    double truthRatio = 0, measuredRatio = 0, ratioErrorPercent = 0;
    double truthMeanHer2 = 0, measuredMeanHer2 = 0;
    int nucleiCounted = 0;
    int nonClusterCompared = 0, nonClusterExact = 0, evaluableTruth = 0, found = 0;
    double clusterMeanErrorPercent = 0;
    int clusterNuclei = 0;
    std::string reason, error;
    double exactPercent() const {
        return nonClusterCompared ? 100.0 * nonClusterExact / nonClusterCompared : 0;
    }
    bool ok() const {
        return error.empty() && truthGroup && measuredGroup && *truthGroup == *measuredGroup &&
               ratioErrorPercent <= kMaxRatioErrorPercent && exactPercent() >= kMinExactPercent;
    }
};

/// Generates the case's files unless a readable truth for the same spec is already there.
FishPhantomTruth ensureCase(const FishPhantomCase& c, const fs::path& dir) {
    const fs::path base = dir / c.name;
    const fs::path tif = fs::path(base).concat(".tif"), truth = fs::path(base).concat(".truth.json");
    if (fs::exists(tif) && fs::exists(truth)) {
        try {
            FishPhantomTruth t = imaging::readFishTruthJson(truth);
            if (t.spec.seed == c.spec.seed && t.spec.width == c.spec.width &&
                t.spec.height == c.spec.height && t.spec.nuclei == c.spec.nuclei &&
                t.spec.her2.mean == c.spec.her2.mean && t.spec.cep17.mean == c.spec.cep17.mean &&
                t.spec.clusterFraction == c.spec.clusterFraction && t.spec.bitDepth == c.spec.bitDepth)
                return t;
        } catch (const core::Error&) {
            // Stale or damaged: generate again.
        }
    }
    imaging::writeFishPhantom(c.spec, base, c.name);
    return imaging::readFishTruthJson(truth);
}

CaseResult runCase(const FishPhantomCase& c, const fs::path& dir, const core::AnalysisParams& base) {
    CaseResult r;
    r.name = c.name;
    const FishPhantomTruth truth = ensureCase(c, dir);
    r.truthGroup = truth.expectedFirst20.group;
    r.truthRatio = truth.expectedFirst20.ratio;
    r.truthMeanHer2 = truth.expectedFirst20.meanHer2;

    const auto source = imaging::openSlide(fs::path(dir / c.name).concat(".tif"));
    core::AnalysisParams params = base;
    core::NullProgress progress;
    core::CancelToken cancel;
    const imaging::FishResult result =
        imaging::analyzeFish(*source, params.fish, std::nullopt, progress, cancel);
    const core::ScoreReport report = core::scoreIsh(result.nuclei, params.rules);
    r.reason = result.notScorableReason.empty() ? report.reason : result.notScorableReason;
    r.measuredGroup = report.ish.group;
    r.measuredRatio = report.ish.ratio;
    r.measuredMeanHer2 = report.ish.meanHer2;
    r.nucleiCounted = static_cast<int>(report.ish.nucleiCounted);
    r.ratioErrorPercent =
        r.truthRatio > 0 ? 100.0 * std::abs(r.measuredRatio - r.truthRatio) / r.truthRatio : 100;

    // Per nucleus: each evaluable truth nucleus against the detected nucleus at its centre.
    double clusterErr = 0;
    for (const imaging::FishTruthNucleus& t : truth.nuclei) {
        if (!t.evaluable()) continue;
        ++r.evaluableTruth;
        int best = -1;
        double bestD = 0.5 * t.semiMinorPx;
        for (std::size_t i = 0; i < result.nuclei.size(); ++i) {
            const double d = std::hypot(result.nuclei[i].x - t.x, result.nuclei[i].y - t.y);
            if (d < bestD) bestD = d, best = static_cast<int>(i);
        }
        if (best < 0) continue;
        const core::FishNucleus& n = result.nuclei[static_cast<std::size_t>(best)];
        if (n.exclusion != core::NucleusExclusion::None && n.exclusion != core::NucleusExclusion::NotSelected)
            continue;
        ++r.found;
        if (t.her2Cluster) {
            ++r.clusterNuclei;
            clusterErr += std::abs(n.her2Count - t.her2Copies) / std::max(1, t.her2Copies);
        } else {
            ++r.nonClusterCompared;
            r.nonClusterExact += n.her2Count == t.her2Copies && n.cep17Count == t.cep17Copies;
        }
    }
    r.clusterMeanErrorPercent = r.clusterNuclei ? 100 * clusterErr / r.clusterNuclei : 0;
    return r;
}

std::string groupText(const std::optional<int>& g) {
    return g ? std::to_string(*g) : "-";
}

}  // namespace

int runFishAccuracy(const std::string& outDir, int threads, const core::AnalysisParams& base) {
    const fs::path dir(outDir);
    fs::create_directories(dir);
    const std::vector<FishPhantomCase> cases = imaging::standardFishCases();
    std::vector<CaseResult> results(cases.size());
    // Cases run in parallel, each on one thread (OpenCV's own threads would only compete).
    const int oldThreads = cv::getNumThreads();
    cv::setNumThreads(1);
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    const int n = std::max(1, std::min<int>(threads, static_cast<int>(cases.size())));
    for (int t = 0; t < n; ++t)
        pool.emplace_back([&] {
            for (std::size_t i = next++; i < cases.size(); i = next++) {
                try {
                    results[i] = runCase(cases[i], dir, base);
                } catch (const std::exception& e) {
                    results[i].name = cases[i].name;
                    results[i].error = e.what();
                }
            }
        });
    for (std::thread& t : pool) t.join();
    cv::setNumThreads(oldThreads);

    std::printf("%-22s %6s %8s %7s %9s %7s %8s %7s %9s  %s\n", "case", "truth", "measured", "ratio",
                "measured", "err %", "exact %", "found", "cluster%", "result");
    bool allOk = true;
    nlohmann::json cj = nlohmann::json::array();
    for (const CaseResult& r : results) {
        allOk = allOk && r.ok();
        if (!r.error.empty()) {
            std::printf("%-22s error: %s\n", r.name.c_str(), r.error.c_str());
        } else {
            char cluster[16] = "-";
            if (r.clusterNuclei) std::snprintf(cluster, sizeof cluster, "%.1f", r.clusterMeanErrorPercent);
            std::printf("%-22s %6s %8s %7.3f %9.3f %7.2f %8.1f %3d/%-3d %9s  %s\n", r.name.c_str(),
                        groupText(r.truthGroup).c_str(), groupText(r.measuredGroup).c_str(), r.truthRatio,
                        r.measuredRatio, r.ratioErrorPercent, r.exactPercent(), r.found, r.evaluableTruth,
                        cluster, r.ok() ? "ok" : "MISSED");
        }
        nlohmann::json j = {{"case", r.name},
                            {"truth_ratio", r.truthRatio},
                            {"measured_ratio", r.measuredRatio},
                            {"ratio_error_percent", r.ratioErrorPercent},
                            {"truth_mean_her2", r.truthMeanHer2},
                            {"measured_mean_her2", r.measuredMeanHer2},
                            {"nuclei_counted", r.nucleiCounted},
                            {"non_cluster_nuclei_compared", r.nonClusterCompared},
                            {"non_cluster_nuclei_exact", r.nonClusterExact},
                            {"exact_count_percent", r.exactPercent()},
                            {"evaluable_truth_nuclei", r.evaluableTruth},
                            {"evaluable_nuclei_found", r.found},
                            {"cluster_nuclei", r.clusterNuclei},
                            {"cluster_her2_mean_error_percent", r.clusterMeanErrorPercent},
                            {"reason", r.reason},
                            {"ok", r.ok()}};
        j["truth_group"] = r.truthGroup ? nlohmann::json(*r.truthGroup) : nlohmann::json(nullptr);
        j["measured_group"] = r.measuredGroup ? nlohmann::json(*r.measuredGroup) : nlohmann::json(nullptr);
        if (!r.error.empty()) j["error"] = r.error;
        cj.push_back(j);
    }
    const nlohmann::json report = {{"assay", "fish"},
                                   {"targets",
                                    {{"group", "right on every case"},
                                     {"max_ratio_error_percent", kMaxRatioErrorPercent},
                                     {"min_exact_count_percent", kMinExactPercent}}},
                                   {"cases", cj},
                                   {"all_targets_met", allOk}};
    imaging::writeFileAtomic(dir / "fish-accuracy.json", report.dump(2));
    std::printf("FISH accuracy: %s (report %s)\n", allOk ? "all targets met" : "targets MISSED",
                (dir / "fish-accuracy.json").string().c_str());
    return allOk ? 0 : 1;
}

}  // namespace her2::cli
