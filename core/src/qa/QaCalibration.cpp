#include "her2/core/QaCalibration.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include <nlohmann/json.hpp>

#include "ScoreFileParsing.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/QaStatistics.hpp"
#include "her2/core/ScoringRules.hpp"

#if __has_include("her2/core/CellClassification.hpp")
#include "her2/core/CellClassification.hpp"
#define HER2_QA_HAS_CELL_CLASSIFICATION 1
#endif

namespace her2::core {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

IntensityClass intensityOf(double od, double completeness, const IhcParams& p) {
#ifdef HER2_QA_HAS_CELL_CLASSIFICATION
    return classifyIntensity(od, completeness, p);
#else
    // Stand-in with the documented rule until the core classification header is in the build.
    if (completeness < p.minStainedFraction || od < p.stainedOd) return IntensityClass::Negative;
    if (od < p.faintOd) return IntensityClass::Faint;
    if (od < p.strongOd) return IntensityClass::WeakModerate;
    return IntensityClass::Strong;
#endif
}

MembranePattern patternOf(double completeness, const IhcParams& p) {
#ifdef HER2_QA_HAS_CELL_CLASSIFICATION
    return classifyPattern(completeness, p);
#else
    if (completeness < p.minStainedFraction) return MembranePattern::None;
    if (completeness >= p.completeFraction) return MembranePattern::Complete;
    if (completeness >= p.lateralFraction) return MembranePattern::LateralBasolateral;
    return MembranePattern::Incomplete;
#endif
}

Json number(double v) {
    return std::isfinite(v) ? Json(v) : Json(nullptr);
}

std::vector<double> steps(double from, double to, double step) {
    std::vector<double> out;
    // Integer stepping keeps the values exact to the printed precision (no drift from +=).
    const int n = static_cast<int>(std::floor((to - from) / step + 1e-9));
    for (int i = 0; i <= n; ++i) out.push_back(std::round((from + i * step) * 1e6) / 1e6);
    return out;
}

struct Candidate {
    double faint, strong, complete;
};

/// Re-classifies every cell of `work` (a copy of the slide's table) under `ihc`, then scores.
/// Returns the score as 0..3, or -1 when the slide is not scorable.
int scoreWith(const CalibrationSlide& slide, CellTable& work, const IhcParams& ihc, RuleSetId rules) {
    const std::size_t n = slide.cells.size();
    for (std::size_t i = 0; i < n; ++i) {
        const double od = slide.cells.membraneOdMean[i], c = slide.cells.completeness[i];
        const IntensityClass in = intensityOf(od, c, ihc);
        const MembranePattern pa = patternOf(c, ihc);
        work.intensity[i] = in;
        work.pattern[i] = pa;
        work.score[i] = cellScore(in, pa, rules);
    }
    const ScoreReport r = scoreIhc(work, slide.calibration, slide.rules);
    return r.score ? static_cast<int>(*r.score) : -1;
}

double kappaOf(const std::vector<int>& predicted, const std::vector<int>& manual,
               const std::vector<std::size_t>& set) {
    ConfusionMatrix m(4);
    for (const std::size_t s : set)
        if (predicted[s] >= 0)
            m.add(static_cast<std::size_t>(predicted[s]), static_cast<std::size_t>(manual[s]));
    return cohenKappa(m, KappaWeights::Quadratic);
}

/// Best candidate on `set`: highest quadratic kappa; ties go to the candidate nearest the base
/// thresholds, then to the first in grid order, so the choice never depends on thread timing.
std::size_t bestCandidate(const std::vector<std::vector<int>>& predictions, const std::vector<int>& manual,
                          const std::vector<std::size_t>& set, const std::vector<Candidate>& candidates,
                          const IhcParams& base) {
    std::size_t best = 0;
    double bestKappa = -std::numeric_limits<double>::infinity(), bestDistance = 0;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        double k = kappaOf(predictions[c], manual, set);
        if (std::isnan(k)) k = -std::numeric_limits<double>::infinity();
        const double d = std::abs(candidates[c].faint - base.faintOd) +
                         std::abs(candidates[c].strong - base.strongOd) +
                         std::abs(candidates[c].complete - base.completeFraction);
        if (k > bestKappa + 1e-12 || (std::abs(k - bestKappa) <= 1e-12 && d < bestDistance - 1e-12)) {
            best = c;
            bestKappa = k;
            bestDistance = d;
        }
    }
    return best;
}

/// Deterministic shuffle of 0..n-1 (Fisher-Yates on splitmix64).
std::vector<std::size_t> shuffled(std::size_t n, std::uint64_t seed) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    SplitMix64 rng(seed);
    for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    return order;
}

/// cells.csv writes an empty `excluded` for a tumour cell (docs/formats.md).
std::optional<CellExclusion> parseExclusion(std::string_view s) {
    if (s.empty()) return CellExclusion::None;
    for (const CellExclusion e : {CellExclusion::None, CellExclusion::Stroma, CellExclusion::Lymphocyte,
                                  CellExclusion::OutsideRoi, CellExclusion::Artefact})
        if (toString(e) == s) return e;
    return std::nullopt;
}

PixelCalibration reportCalibration(const fs::path& report) {
    std::error_code ec;
    if (report.empty() || !fs::is_regular_file(report, ec)) return PixelCalibration::uncalibrated();
    try {
        const Json j = Json::parse(detail::readText(report.string()));
        if (j.contains("mpp") && j["mpp"].is_number() && j["mpp"].get<double>() > 0) {
            const double mpp = j["mpp"].get<double>();
            return {mpp, mpp, "report"};
        }
    } catch (const std::exception&) {
        // A damaged report only costs the µm scale of biopsy clusters; the fallback is stated
        // by PixelCalibration::calibrated() == false.
    }
    return PixelCalibration::uncalibrated();
}

}  // namespace

CalibrationGrid CalibrationGrid::standard() {
    return {steps(0.06, 0.40, 0.02), steps(0.20, 0.90, 0.05), steps(0.55, 0.95, 0.05)};
}

CellTable readCellMeasures(const std::string& path) {
    const CsvDocument doc = CsvDocument::load(path);
    const std::size_t odCol = doc.requireColumn("membrane_od_mean");
    const std::size_t compCol = doc.requireColumn("completeness");
    const auto exclCol = doc.column("excluded"), xCol = doc.column("x"), yCol = doc.column("y");
    CellTable table;
    table.reserve(doc.rowCount());
    for (std::size_t r = 0; r < doc.rowCount(); ++r) {
        const auto& row = doc.row(r);
        CellRecord c;
        if (exclCol) {
            const std::string_view e = detail::trim(row[*exclCol]);
            const auto ex = parseExclusion(e);
            if (!ex) doc.fail(r, *exclCol, "unknown exclusion '" + std::string(e) + "'");
            if (*ex != CellExclusion::None) continue;
        }
        const auto number = [&](std::size_t col) {
            const auto v = detail::parseNumber(detail::trim(row[col]));
            if (!v) doc.fail(r, col, "'" + row[col] + "' is not a number");
            return static_cast<float>(*v);
        };
        c.membraneOdMean = number(odCol);
        c.completeness = number(compCol);
        if (c.completeness < 0 || c.completeness > 1) doc.fail(r, compCol, "completeness must lie in [0, 1]");
        if (xCol) c.x = number(*xCol);
        if (yCol) c.y = number(*yCol);
        table.append(c);
    }
    return table;
}

std::vector<CalibrationSlide> loadCalibrationSlides(const std::string& summaryPath,
                                                    const std::vector<AutoScoreRow>& automatic,
                                                    const std::vector<ManualScoreRow>& manual,
                                                    const AnalysisParams& base,
                                                    std::vector<SkippedSlide>& skipped) {
    const fs::path dir = fs::path(summaryPath).parent_path();
    std::map<std::string, const AutoScoreRow*> byName;
    for (const auto& a : automatic) byName.emplace(a.slide, &a);
    std::vector<CalibrationSlide> out;
    for (const ManualScoreRow& m : manual) {
        if (!m.ihc) continue;
        const auto it = byName.find(m.slide);
        if (it == byName.end()) {
            skipped.push_back({m.slide, "not in the summary"});
            continue;
        }
        const AutoScoreRow& a = *it->second;
        if (!a.error.empty()) {
            skipped.push_back({m.slide, "failed in the batch: " + a.error});
            continue;
        }
        const fs::path cells = dir / (a.slide + ".cells.csv");
        std::error_code ec;
        if (!fs::is_regular_file(cells, ec)) {
            skipped.push_back({m.slide, "no cells file " + cells.generic_string()});
            continue;
        }
        CalibrationSlide s;
        s.slide = m.slide;
        s.manual = *m.ihc;
        s.split = m.split;
        s.cells = readCellMeasures(cells.string());
        s.rules = base.rules;
        if (!a.rule.empty()) s.rules.ruleSet = a.rule;
        if (!a.specimen.empty()) s.rules.specimen = a.specimen;
        s.calibration = reportCalibration(a.report.empty() ? fs::path() : dir / a.report);
        out.push_back(std::move(s));
    }
    return out;
}

CalibrationResult calibrate(std::vector<CalibrationSlide> slides, const AnalysisParams& base,
                            const CalibrationOptions& options) {
    CalibrationResult result;
    std::sort(slides.begin(), slides.end(), [](const auto& a, const auto& b) { return a.slide < b.slide; });

    std::vector<Candidate> candidates;
    for (const double f : options.grid.faintOd)
        for (const double s : options.grid.strongOd)
            for (const double c : options.grid.completeFraction)
                if (f < s && c > base.ihc.lateralFraction && f >= base.ihc.stainedOd)
                    candidates.push_back({f, s, c});
    if (candidates.empty()) throw Error("calibration: the threshold grid has no valid combination");
    result.candidates = candidates.size();

    // Score every slide once with the base thresholds: a slide that is not scorable there
    // (too few tumour cells) is not scorable under any threshold and is left out.
    std::vector<CalibrationSlide> usable;
    std::vector<int> baseline;
    for (auto& s : slides) {
        const auto rules = parseRuleSet(s.rules.ruleSet);
        if (!rules) {
            result.skipped.push_back({s.slide, "unknown rule set '" + s.rules.ruleSet + "'"});
            continue;
        }
        CellTable work = s.cells;
        const int b = scoreWith(s, work, base.ihc, *rules);
        if (b < 0) {
            result.skipped.push_back({s.slide, "not scorable with the base protocol"});
            continue;
        }
        baseline.push_back(b);
        usable.push_back(std::move(s));
    }
    const std::size_t n = usable.size();
    std::vector<int> manual(n);
    for (std::size_t i = 0; i < n; ++i) manual[i] = static_cast<int>(usable[i].manual);

    // Split: the manual file's `split` column when it marks any test slide, otherwise a
    // stratified deterministic share. Stratified by walking the slides sorted by manual score
    // (ties in seeded random order) and taking every 1/fraction-th one.
    const std::vector<std::size_t> order = shuffled(n, options.seed);
    std::vector<std::size_t> byScore = order;
    std::stable_sort(byScore.begin(), byScore.end(),
                     [&](std::size_t a, std::size_t b) { return manual[a] < manual[b]; });
    const bool marked =
        std::any_of(usable.begin(), usable.end(), [](const auto& s) { return s.split == "test"; });
    std::vector<bool> isTest(n, false);
    if (marked) {
        for (std::size_t i = 0; i < n; ++i) isTest[i] = usable[i].split == "test";
    } else if (options.testFraction > 0) {
        const double f = std::clamp(options.testFraction, 0.0, 0.9);
        for (std::size_t i = 0; i < n; ++i)
            isTest[byScore[i]] =
                std::floor((static_cast<double>(i) + 1) * f) > std::floor(static_cast<double>(i) * f);
    }
    std::vector<std::size_t> train, test;
    for (const std::size_t i : byScore) (isTest[i] ? test : train).push_back(i);
    std::sort(train.begin(), train.end());
    std::sort(test.begin(), test.end());
    if (train.size() < 2)
        throw Error("calibration needs at least 2 scorable training slides, found " +
                    std::to_string(train.size()));
    for (const std::size_t i : train) result.trainSlides.push_back(usable[i].slide);
    for (const std::size_t i : test) result.testSlides.push_back(usable[i].slide);

    // predictions[candidate][slide]; slides outer so each thread holds one working copy of one
    // slide's table at a time.
    std::vector<std::vector<int>> predictions(candidates.size(), std::vector<int>(n, -1));
    const std::size_t threads = std::max<std::size_t>(1, std::min(options.threads, candidates.size()));
    for (std::size_t s = 0; s < n; ++s) {
        const RuleSetId rules = *parseRuleSet(usable[s].rules.ruleSet);
        std::atomic<std::size_t> next{0};
        std::exception_ptr failure;
        std::mutex failureMutex;
        auto worker = [&] {
            try {
                CellTable work = usable[s].cells;
                IhcParams ihc = base.ihc;
                for (std::size_t c = next++; c < candidates.size(); c = next++) {
                    ihc.faintOd = candidates[c].faint;
                    ihc.strongOd = candidates[c].strong;
                    ihc.completeFraction = candidates[c].complete;
                    predictions[c][s] = scoreWith(usable[s], work, ihc, rules);
                }
            } catch (...) {
                const std::lock_guard lock(failureMutex);
                if (!failure) failure = std::current_exception();
                next = candidates.size();
            }
        };
        if (threads == 1) {
            worker();
        } else {
            std::vector<std::jthread> pool;
            for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
        }
        if (failure) std::rethrow_exception(failure);
    }

    // Cross-validation on the training split: fit on k-1 folds, predict the held-out fold.
    const std::size_t k = std::clamp<std::size_t>(options.folds, 2, train.size());
    result.folds = k;
    std::vector<std::size_t> trainByScore;
    for (const std::size_t i : byScore)
        if (!isTest[i]) trainByScore.push_back(i);
    std::vector<std::size_t> fold(n, 0);
    for (std::size_t j = 0; j < trainByScore.size(); ++j) fold[trainByScore[j]] = j % k;
    std::vector<int> outOfFold(n, -1);
    for (std::size_t f = 0; f < k; ++f) {
        std::vector<std::size_t> fit, held;
        for (const std::size_t i : train) (fold[i] == f ? held : fit).push_back(i);
        const std::size_t c = bestCandidate(predictions, manual, fit, candidates, base.ihc);
        for (const std::size_t i : held) outOfFold[i] = predictions[c][i];
        result.foldKappa.push_back(kappaOf(predictions[c], manual, held));
    }
    result.crossValidatedKappa = kappaOf(outOfFold, manual, train);

    // Final fit on the whole training split; the test split is only scored.
    const std::size_t best = bestCandidate(predictions, manual, train, candidates, base.ihc);
    result.faintOd = candidates[best].faint;
    result.strongOd = candidates[best].strong;
    result.completeFraction = candidates[best].complete;
    result.trainKappa = kappaOf(predictions[best], manual, train);
    result.baselineTrainKappa = kappaOf(baseline, manual, train);
    if (!test.empty()) {
        result.testKappa = kappaOf(predictions[best], manual, test);
        result.baselineTestKappa = kappaOf(baseline, manual, test);
    }
    result.params = base;
    result.params.set("ihc.faint_od", result.faintOd);
    result.params.set("ihc.strong_od", result.strongOd);
    result.params.set("ihc.complete_fraction", result.completeFraction);
    return result;
}

std::string CalibrationResult::toJson() const {
    Json skippedJson = Json::array();
    for (const auto& s : skipped) skippedJson.push_back({{"slide", s.slide}, {"reason", s.reason}});
    Json folds = Json::array();
    for (const double v : foldKappa) folds.push_back(number(v));
    const Json doc{
        {"faint_od", faintOd},
        {"strong_od", strongOd},
        {"complete_fraction", completeFraction},
        {"weights", "quadratic"},
        {"train_kappa", number(trainKappa)},
        {"baseline_train_kappa", number(baselineTrainKappa)},
        {"cv_kappa", number(crossValidatedKappa)},
        {"fold_kappa", folds},
        {"test_kappa", testKappa ? number(*testKappa) : Json(nullptr)},
        {"baseline_test_kappa", baselineTestKappa ? number(*baselineTestKappa) : Json(nullptr)},
        {"folds", this->folds},
        {"candidates", candidates},
        {"train", trainSlides},
        {"test", testSlides},
        {"skipped", skippedJson},
    };
    return doc.dump(2);
}

void writeProtocolAtomic(const std::string& path, const AnalysisParams& params) {
    const fs::path target(path);
    const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw InputError(path, "folder does not exist");
    // A unique hidden name in the same folder, so the rename stays on one file system.
    static std::atomic<unsigned> counter{0};
    const auto stamp =
        static_cast<unsigned long long>(std::hash<std::thread::id>{}(std::this_thread::get_id()));
    std::string name(1, '.');
    name += target.filename().string();
    name += '.';
    name += std::to_string(stamp % 1000000);
    name += '-';
    name += std::to_string(counter++);
    name += ".partial";
    const fs::path temp = dir / name;
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) throw InputError(path, "cannot be written");
        out << params.toJson() << '\n';
        out.flush();
        if (!out) {
            out.close();
            fs::remove(temp, ec);
            throw InputError(path, "write failed");
        }
    }
    fs::rename(temp, target, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(temp, ignored);
        throw InputError(path, "cannot be replaced: " + ec.message());
    }
}

}  // namespace her2::core
