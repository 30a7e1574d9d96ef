// her2scope accuracy ihc: the IHC pipeline against the phantom truth, and overlays of the
// real images in the shared test data for a pathologist to judge.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "Commands.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/Progress.hpp"
#include "her2/core/ScoringRules.hpp"
#include "her2/imaging/AnalysisPipeline.hpp"
#include "her2/imaging/AtomicFile.hpp"
#include "her2/imaging/IhcPhantom.hpp"
#include "her2/imaging/SlideSource.hpp"

#ifndef HER2_TESTDATA_DIR
#define HER2_TESTDATA_DIR "/work/shared/testdata"
#endif

namespace her2::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Detected-to-truth matching of one case.
struct CaseMetrics {
    std::size_t truthTumour = 0;    ///< truth tumour cells
    std::size_t matchedTumour = 0;  ///< truth tumour cells matched to a detected cell
    std::size_t compared = 0;       ///< matched truth tumour cells detected as tumour
    std::size_t agree = 0;          ///< of those, same per-cell class
    double completenessAbsSum = 0;  ///< over `compared`
    std::size_t nonTumourMatched = 0;
    std::size_t nonTumourExcluded = 0;  ///< truth stroma/lymphocytes the analysis excluded
    std::size_t tumourExcluded = 0;     ///< truth tumour cells the analysis excluded
    std::size_t missedLymphocytes = 0, missedSpindles = 0;  ///< non-tumour counted as tumour
    double missedLymphArea = 0, missedLymphCirc = 0, missedSpindleArea = 0, missedSpindleCirc = 0;
    std::array<std::array<std::size_t, 4>, 4> confusion{};  ///< [truth][measured] per-cell class
    double agreement() const { return compared ? 100.0 * agree / compared : 0; }
    double completenessMae() const { return compared ? completenessAbsSum / compared : 0; }
    double recall() const { return truthTumour ? 100.0 * matchedTumour / truthTumour : 0; }
};

/// One-to-one matching: pairs (detected, truth) closer than `radius` px, shortest first.
/// `csv` (optional) receives one row per truth cell, matched or not, with its truth and its
/// measures, to see which measure sends a cell to the wrong class.
CaseMetrics matchCells(const core::CellTable& cells, const imaging::IhcPhantomTruth& truth,
                       core::RuleSetId rules, double radius, std::FILE* csv = nullptr) {
    CaseMetrics m;
    const auto key = [&](double x, double y) {
        return (static_cast<std::int64_t>(std::floor(x / radius)) << 32) ^
               (static_cast<std::int64_t>(std::floor(y / radius)) & 0xffffffff);
    };
    std::unordered_map<std::int64_t, std::vector<std::size_t>> grid;
    for (std::size_t t = 0; t < truth.cells.size(); ++t)
        grid[key(truth.cells[t].x, truth.cells[t].y)].push_back(t);
    struct Pair {
        double d2;
        std::size_t cell, truth;
    };
    std::vector<Pair> pairs;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
                const auto it = grid.find(key(cells.x[i] + dx * radius, cells.y[i] + dy * radius));
                if (it == grid.end()) continue;
                for (std::size_t t : it->second) {
                    const double ex = truth.cells[t].x - cells.x[i], ey = truth.cells[t].y - cells.y[i];
                    const double d2 = ex * ex + ey * ey;
                    if (d2 <= radius * radius) pairs.push_back({d2, i, t});
                }
            }
    }
    std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
        return a.d2 != b.d2 ? a.d2 < b.d2 : (a.cell != b.cell ? a.cell < b.cell : a.truth < b.truth);
    });
    std::vector<char> cellUsed(cells.size(), 0), truthUsed(truth.cells.size(), 0);
    for (const auto& tc : truth.cells) m.truthTumour += tc.isTumour();
    std::vector<std::size_t> cellOf(truth.cells.size(), SIZE_MAX);
    for (const Pair& p : pairs) {
        if (cellUsed[p.cell] || truthUsed[p.truth]) continue;
        cellUsed[p.cell] = truthUsed[p.truth] = 1;
        cellOf[p.truth] = p.cell;
        const auto& tc = truth.cells[p.truth];
        const bool detectedTumour = cells.isTumour(p.cell);
        if (!tc.isTumour()) {
            ++m.nonTumourMatched;
            m.nonTumourExcluded += !detectedTumour;
            if (detectedTumour) {
                const bool lymph = tc.type == imaging::PhantomCellType::Lymphocyte;
                ++(lymph ? m.missedLymphocytes : m.missedSpindles);
                (lymph ? m.missedLymphArea : m.missedSpindleArea) += cells.nucleusAreaUm2[p.cell];
                (lymph ? m.missedLymphCirc : m.missedSpindleCirc) += cells.nucleusCircularity[p.cell];
            }
            continue;
        }
        ++m.matchedTumour;
        if (!detectedTumour) {
            ++m.tumourExcluded;
            continue;
        }
        ++m.compared;
        const auto want = core::cellScore(tc.intensity, tc.pattern, rules);
        const auto got = cells.score[p.cell];
        m.agree += want == got;
        ++m.confusion[static_cast<std::size_t>(want)][static_cast<std::size_t>(got)];
        m.completenessAbsSum += std::abs(static_cast<double>(cells.completeness[p.cell]) - tc.completeness);
    }
    if (csv) {
        std::fprintf(csv,
                     "id,x,y,type,t_int,t_pat,t_compl,t_od,t_width,t_score,matched,excl,m_int,m_pat,m_compl,"
                     "m_od,m_odmax,m_thick,m_cyto,m_score,nuc_area,cell_area\n");
        for (std::size_t t = 0; t < truth.cells.size(); ++t) {
            const auto& tc = truth.cells[t];
            const int want =
                tc.isTumour() ? static_cast<int>(core::cellScore(tc.intensity, tc.pattern, rules)) : -1;
            std::fprintf(csv, "%lld,%.1f,%.1f,%d,%d,%d,%.3f,%.3f,%.2f,%d,", static_cast<long long>(tc.id),
                         tc.x, tc.y, static_cast<int>(tc.type), static_cast<int>(tc.intensity),
                         static_cast<int>(tc.pattern), tc.completeness, tc.membraneOd, tc.membraneWidthUm,
                         want);
            const std::size_t i = cellOf[t];
            if (i == SIZE_MAX) {
                std::fprintf(csv, "0,,,,,,,,,,,\n");
                continue;
            }
            std::fprintf(csv, "1,%d,%d,%d,%.3f,%.3f,%.3f,%.2f,%.3f,%d,%.1f,%.1f\n",
                         static_cast<int>(cells.exclusion[i]), static_cast<int>(cells.intensity[i]),
                         static_cast<int>(cells.pattern[i]), cells.completeness[i], cells.membraneOdMean[i],
                         cells.membraneOdMax[i], cells.membraneThicknessUm[i], cells.cytoplasmOd[i],
                         static_cast<int>(cells.score[i]), cells.nucleusAreaUm2[i], cells.cellAreaUm2[i]);
        }
    }
    return m;
}

/// BGR colour of a per-cell class for overlays: 0 blue, 1+ yellow, 2+ orange, 3+ red;
/// excluded cells grey.
cv::Scalar classColour(const core::CellTable& cells, std::size_t i) {
    if (!cells.isTumour(i)) return {150, 150, 150};
    switch (cells.score[i]) {
        case core::CellScore::Zero:
            return {255, 120, 0};
        case core::CellScore::One:
            return {0, 230, 255};
        case core::CellScore::Two:
            return {0, 140, 255};
        case core::CellScore::Three:
            return {0, 0, 230};
    }
    return {255, 255, 255};
}

/// Draws the cells of `cells` inside the level-0 rectangle `rect` onto `bgr` (rect pixels).
void drawCells(cv::Mat& bgr, const core::CellTable& cells, const core::RectI& rect, double scale) {
    std::vector<std::vector<cv::Point>> poly(1);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (!rect.contains(cells.x[i], cells.y[i])) continue;
        auto toPx = [&](const core::PointD& p) {
            return cv::Point(static_cast<int>(std::lround((p.x - rect.x) / scale)),
                             static_cast<int>(std::lround((p.y - rect.y) / scale)));
        };
        poly[0].clear();
        for (const auto& p : cells.nucleusOutline(i)) poly[0].push_back(toPx(p));
        if (poly[0].size() >= 3) cv::polylines(bgr, poly, true, cv::Scalar(60, 60, 60), 1, cv::LINE_AA);
        poly[0].clear();
        for (const auto& p : cells.outline(i)) poly[0].push_back(toPx(p));
        if (poly[0].size() >= 3) cv::polylines(bgr, poly, true, classColour(cells, i), 1, cv::LINE_AA);
    }
}

std::string scoreText(const std::optional<core::Her2Score>& s) {
    return s ? std::string(core::toString(*s)) : std::string("-");
}

std::string realImagesDir() {
    if (const char* env = std::getenv("HER2_TESTDATA")) return std::string(env) + "/ihc";
    for (const char* c : {HER2_TESTDATA_DIR "/ihc", "../shared/testdata/ihc", "/work/shared/testdata/ihc"})
        if (fs::is_directory(c)) return c;
    return {};
}

}  // namespace

int runIhcAccuracy(const std::string& outDir, int threads, const core::AnalysisParams& base) {
    const fs::path out(outDir);
    fs::create_directories(out / "overlays");
    core::NullProgress progress;
    core::CancelToken cancel;
    json report;
    report["format"] = "her2scope-ihc-accuracy";
    report["version"] = 1;
    report["cases"] = json::array();
    bool allRight = true;
    std::size_t agreeAll = 0, comparedAll = 0;

    std::printf("%-26s %-8s %-9s %-8s %-8s %9s %9s %8s %9s %7s\n", "case", "rules", "intended", "expected",
                "measured", "agree%", "complMAE", "recall%", "excl-ok%", "sec");
    for (const imaging::IhcPhantomCase& c : imaging::standardIhcCases()) {
        try {
            const fs::path tiff = out / (c.name + ".tif");
            const fs::path truthPath = imaging::truthPathFor(tiff);
            imaging::IhcPhantomTruth truth;
            bool cached = false;
            if (fs::exists(tiff) && fs::exists(truthPath)) {
                try {
                    truth = imaging::readIhcTruthJson(truthPath);
                    cached = truth.spec.seed == c.spec.seed && truth.spec.width == c.spec.width;
                } catch (const core::Error&) {
                    cached = false;
                }
            }
            if (!cached) truth = imaging::writeIhcPhantom(c.spec, tiff, c.name, threads);

            auto source = imaging::openSlide(tiff);
            core::AnalysisParams params = base;
            params.rules.ruleSet = std::string(core::toString(c.ruleSet));
            params.rules.specimen = std::string(core::toString(c.specimen));
            params.tiling.threads = threads;
            const imaging::SlideAnalysis a = imaging::AnalysisPipeline::run(
                *source, params, std::nullopt, progress, cancel, imaging::AssayRequest::Ihc);

            const double mpp = source->calibration().mpp();
            // HER2_ACCURACY_CELLS: a per-cell CSV per case (DIR/cells/<case>.csv) for diagnosis.
            std::unique_ptr<std::FILE, int (*)(std::FILE*)> csv(nullptr, &std::fclose);
            if (std::getenv("HER2_ACCURACY_CELLS")) {
                fs::create_directories(out / "cells");
                csv.reset(std::fopen((out / "cells" / (c.name + ".csv")).string().c_str(), "w"));
            }
            const CaseMetrics m =
                matchCells(a.cells, truth, c.ruleSet, 0.5 * c.spec.cellDiameterUm / mpp, csv.get());
            const imaging::ExpectedIhcScore* exp = truth.expectedFor(c.ruleSet, c.specimen);
            const std::optional<core::Her2Score> expected =
                exp ? exp->score : std::optional<core::Her2Score>(c.intendedScore);
            const bool right = a.report.score == expected && a.report.score == c.intendedScore;
            allRight = allRight && right;
            agreeAll += m.agree;
            comparedAll += m.compared;
            const double exclOk =
                m.nonTumourMatched ? 100.0 * m.nonTumourExcluded / m.nonTumourMatched : 100.0;
            std::printf("%-26s %-8s %-9s %-8s %-8s %9.1f %9.3f %8.1f %9.1f %7.1f%s\n", c.name.c_str(),
                        std::string(core::toString(c.ruleSet)).c_str(),
                        std::string(core::toString(c.intendedScore)).c_str(), scoreText(expected).c_str(),
                        scoreText(a.report.score).c_str(), m.agreement(), m.completenessMae(), m.recall(),
                        exclOk, a.seconds, right ? "" : "  <-- WRONG");
            std::fflush(stdout);

            json jc;
            jc["case"] = c.name;
            jc["rule"] = core::toString(c.ruleSet);
            jc["specimen"] = core::toString(c.specimen);
            jc["intended"] = core::toString(c.intendedScore);
            jc["expected"] = expected ? json(core::toString(*expected)) : json(nullptr);
            jc["measured"] = a.report.score ? json(core::toString(*a.report.score)) : json(nullptr);
            jc["status"] = core::toString(a.report.status);
            jc["reason"] = a.report.reason;
            jc["right"] = right;
            jc["percent_measured"] = a.report.ihc.percent;
            if (exp) jc["percent_truth"] = exp->percent;
            jc["cell_agreement_percent"] = m.agreement();
            jc["completeness_mae"] = m.completenessMae();
            jc["cell_recall_percent"] = m.recall();
            jc["tumour_cells_truth"] = m.truthTumour;
            jc["tumour_cells_measured"] = a.report.ihc.tumourCells;
            jc["non_tumour_excluded_percent"] = exclOk;
            jc["tumour_wrongly_excluded"] = m.tumourExcluded;
            jc["confusion_truth_by_measured"] = m.confusion;
            jc["seconds"] = a.seconds;
            report["cases"].push_back(jc);

            // A crop overlay per case, to look at.
            const core::RectI crop{
                std::max<std::int64_t>(0, a.width / 2 - 600), std::max<std::int64_t>(0, a.height / 2 - 600),
                std::min<std::int64_t>(1200, a.width), std::min<std::int64_t>(1200, a.height)};
            cv::Mat rgb = source->readRegion(crop, 0), bgr;
            cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
            drawCells(bgr, a.cells, crop, 1.0);
            imaging::writeImageAtomic(out / "overlays" / (c.name + ".png"), bgr);
            if (std::getenv("HER2_ACCURACY_VERBOSE")) {
                std::printf("    confusion truth x measured:");
                for (const auto& row : m.confusion)
                    std::printf(" [%zu %zu %zu %zu]", row[0], row[1], row[2], row[3]);
                std::printf("  pct measured %.1f/%.1f/%.1f/%.1f", a.report.ihc.percent[0],
                            a.report.ihc.percent[1], a.report.ihc.percent[2], a.report.ihc.percent[3]);
                if (exp)
                    std::printf(" truth %.1f/%.1f/%.1f/%.1f", exp->percent[0], exp->percent[1],
                                exp->percent[2], exp->percent[3]);
                std::printf("  tumour %zu (truth %zu) wrongly excluded %zu\n", a.report.ihc.tumourCells,
                            m.truthTumour, m.tumourExcluded);
                std::printf(
                    "    counted as tumour: lymphocytes %zu (area %.1f circ %.2f), spindle %zu (area %.1f "
                    "circ %.2f)\n",
                    m.missedLymphocytes, m.missedLymphocytes ? m.missedLymphArea / m.missedLymphocytes : 0.0,
                    m.missedLymphocytes ? m.missedLymphCirc / m.missedLymphocytes : 0.0, m.missedSpindles,
                    m.missedSpindles ? m.missedSpindleArea / m.missedSpindles : 0.0,
                    m.missedSpindles ? m.missedSpindleCirc / m.missedSpindles : 0.0);
            }
        } catch (const std::exception& e) {
            // One failing case must not hide the others: it counts as wrong.
            allRight = false;
            std::printf("%-26s ERROR: %s\n", c.name.c_str(), e.what());
            json jc;
            jc["case"] = c.name;
            jc["error"] = e.what();
            jc["right"] = false;
            report["cases"].push_back(jc);
        }
    }
    const double agreement = comparedAll ? 100.0 * agreeAll / comparedAll : 0;
    std::printf("overall per-cell class agreement: %.1f%% (target >= 90%%); every case right: %s\n",
                agreement, allRight ? "yes" : "no");

    // Real images: overlays for visual review; their scores are printed, not judged.
    report["real"] = json::array();
    const std::string realDir = realImagesDir();
    if (!realDir.empty()) {
        fs::create_directories(out / "real");
        std::vector<fs::path> images;
        for (const auto& e : fs::recursive_directory_iterator(realDir))
            if (e.is_regular_file() && e.path().extension() == ".png") images.push_back(e.path());
        std::sort(images.begin(), images.end());
        for (const fs::path& p : images) {
            auto source = imaging::openSlide(p);
            // The PNGs carry no pixel size. scikit-image's IHC sample is a 20x field (about
            // 0.5 µm/px, judged from its nuclei); the DeepLIIF ROIs are 40x crops (0.25 µm/px).
            const double mpp = p.filename() == "skimage-ihc.png" ? 0.5 : 0.25;
            if (!source->calibration().calibrated()) source->setCalibration({mpp, mpp, "accuracy: assumed"});
            core::AnalysisParams params = base;
            params.tiling.threads = threads;
            const imaging::SlideAnalysis a = imaging::AnalysisPipeline::run(
                *source, params, std::nullopt, progress, cancel, imaging::AssayRequest::Ihc);
            cv::Mat rgb = source->readRegion({0, 0, a.width, a.height}, 0), bgr;
            cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
            drawCells(bgr, a.cells, {0, 0, a.width, a.height}, 1.0);
            const fs::path overlay = out / "real" / (p.stem().string() + ".png");
            imaging::writeImageAtomic(overlay, bgr);
            std::printf("real %-28s cells %6zu tumour %6zu score %-3s status %-12s %s\n",
                        p.filename().string().c_str(), a.cells.size(), a.report.ihc.tumourCells,
                        scoreText(a.report.score).c_str(),
                        std::string(core::toString(a.report.status)).c_str(), overlay.string().c_str());
            json jr;
            jr["image"] = p.string();
            jr["overlay"] = overlay.string();
            jr["cells"] = a.cells.size();
            jr["tumour_cells"] = a.report.ihc.tumourCells;
            jr["score"] = a.report.score ? json(core::toString(*a.report.score)) : json(nullptr);
            jr["status"] = core::toString(a.report.status);
            jr["percent"] = a.report.ihc.percent;
            report["real"].push_back(jr);
        }
    }
    report["cell_agreement_percent"] = agreement;
    report["all_scored_right"] = allRight;
    report["passed"] = allRight && agreement >= 90.0;
    imaging::writeFileAtomic(out / "ihc-accuracy.json", report.dump(1));
    return allRight && agreement >= 90.0 ? 0 : 1;
}

}  // namespace her2::cli
