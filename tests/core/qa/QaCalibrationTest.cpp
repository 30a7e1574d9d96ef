// Threshold calibration on synthetic slides whose manual scores follow thresholds that differ
// from the defaults: the fit must find them, and must not look at the test split.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "her2/core/Errors.hpp"
#include "her2/core/QaCalibration.hpp"
#include "her2/core/ScoringRules.hpp"

using namespace her2::core;
namespace fs = std::filesystem;

namespace {

// The "true" protocol of the synthetic pathologist: faint below 0.25, strong from 0.58.
// Defaults (0.18 / 0.45) call the 1+ slides' cells weak-moderate and the 2+ slides' strong.
struct Level {
    double od, completeness;
};
Level cellsOf(Her2Score s) {
    switch (s) {
        case Her2Score::Zero:
            return {0.0, 0.0};
        case Her2Score::One:
            return {0.21, 0.35};
        case Her2Score::Two:
            return {0.50, 0.95};
        case Her2Score::Three:
            return {0.75, 0.97};
    }
    return {0, 0};
}

CalibrationSlide syntheticSlide(const std::string& name, Her2Score manual, unsigned salt) {
    CalibrationSlide s;
    s.slide = name;
    s.manual = manual;
    s.rules.ruleSet = "breast";
    s.rules.specimen = "resection";
    const Level l = cellsOf(manual);
    for (unsigned i = 0; i < 150; ++i) {
        CellRecord c;
        c.x = static_cast<float>(i % 15) * 40;
        c.y = static_cast<float>(i / 15) * 40;
        // 60% of cells carry the slide's staining, the rest are unstained; small deterministic jitter.
        const bool stained = (i * 7 + salt) % 10 < 6;
        const double jitter = 0.03 * (static_cast<double>((i * 13 + salt * 5) % 11) / 10.0 - 0.5);
        c.membraneOdMean = stained ? static_cast<float>(l.od + jitter) : 0.0f;
        c.completeness = stained ? static_cast<float>(l.completeness) : 0.0f;
        s.cells.append(c);
    }
    return s;
}

std::vector<CalibrationSlide> syntheticSet(std::size_t perScore) {
    std::vector<CalibrationSlide> out;
    for (int score = 0; score < 4; ++score)
        for (std::size_t i = 0; i < perScore; ++i) {
            std::string name = "s";
            name += std::to_string(score);
            name += '_';
            name += std::to_string(i);
            out.push_back(
                syntheticSlide(name, static_cast<Her2Score>(score), static_cast<unsigned>(i * 4 + score)));
        }
    return out;
}

CalibrationOptions smallGrid() {
    CalibrationOptions o;
    o.grid.faintOd = {0.10, 0.18, 0.24, 0.30};
    o.grid.strongOd = {0.45, 0.55, 0.65, 0.85};
    o.grid.completeFraction = {0.85};
    o.folds = 3;
    o.testFraction = 0.25;
    return o;
}

}  // namespace

TEST(Qa_Calibration, findsTheThresholdsBehindTheManualScores) {
    const AnalysisParams base;
    const CalibrationResult r = calibrate(syntheticSet(6), base, smallGrid());
    EXPECT_EQ(r.trainSlides.size() + r.testSlides.size(), 24u);
    EXPECT_EQ(r.testSlides.size(), 6u);
    EXPECT_EQ(r.folds, 3u);
    EXPECT_EQ(r.candidates, 16u);
    EXPECT_DOUBLE_EQ(r.faintOd, 0.24);
    EXPECT_DOUBLE_EQ(r.strongOd, 0.55);
    EXPECT_NEAR(r.trainKappa, 1.0, 1e-12);
    EXPECT_NEAR(r.crossValidatedKappa, 1.0, 1e-12);
    ASSERT_TRUE(r.testKappa);
    EXPECT_NEAR(*r.testKappa, 1.0, 1e-12);
    EXPECT_LT(r.baselineTrainKappa, 0.9);
    EXPECT_DOUBLE_EQ(r.params.ihc.faintOd, 0.24);
    EXPECT_DOUBLE_EQ(r.params.ihc.strongOd, 0.55);
    EXPECT_EQ(r.params.ihc.sectors, base.ihc.sectors);  // everything else kept
    // Stratified split: every manual score is represented in the test split.
    std::set<char> scores;
    for (const auto& s : r.testSlides) scores.insert(s[1]);
    EXPECT_EQ(scores.size(), 4u);
    const auto j = nlohmann::json::parse(r.toJson());
    EXPECT_EQ(j["cv_kappa"], 1.0);
    EXPECT_EQ(j["train"].size(), 18u);
}

TEST(Qa_Calibration, deterministicAndThreadIndependent) {
    CalibrationOptions one = smallGrid(), four = smallGrid();
    four.threads = 4;
    const CalibrationResult a = calibrate(syntheticSet(4), AnalysisParams{}, one);
    const CalibrationResult b = calibrate(syntheticSet(4), AnalysisParams{}, four);
    EXPECT_EQ(a.toJson(), b.toJson());
}

TEST(Qa_Calibration, testSplitFromTheManualFileIsNeverFitted) {
    // Mark as test the only slides that would pull the thresholds elsewhere: their manual
    // scores contradict the cells. Fitting on them would change the result.
    std::vector<CalibrationSlide> slides = syntheticSet(4);
    for (auto& s : slides) s.split = "train";
    for (int i = 0; i < 3; ++i) {
        CalibrationSlide liar = syntheticSlide("z_liar" + std::to_string(i), Her2Score::Two, 99 + i);
        liar.manual = Her2Score::Three;  // cells say 2+ under the true thresholds
        liar.split = "test";
        slides.push_back(liar);
    }
    const CalibrationResult r = calibrate(slides, AnalysisParams{}, smallGrid());
    EXPECT_EQ(r.testSlides.size(), 3u);
    EXPECT_DOUBLE_EQ(r.strongOd, 0.55);
    ASSERT_TRUE(r.testKappa);
    EXPECT_LT(*r.testKappa, 1.0);
}

TEST(Qa_Calibration, needsTrainingSlides) {
    EXPECT_THROW(calibrate({syntheticSlide("a", Her2Score::One, 1)}, AnalysisParams{}, smallGrid()), Error);
    CalibrationOptions bad = smallGrid();
    bad.grid.faintOd = {0.9};
    bad.grid.strongOd = {0.5};
    EXPECT_THROW(calibrate(syntheticSet(2), AnalysisParams{}, bad), Error);
}

TEST(Qa_Calibration, readsCellsCsvAndWritesProtocolAtomically) {
    const fs::path dir = fs::temp_directory_path() / ("her2_qa_calibration_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    {
        std::ofstream f(dir / "a.cells.csv", std::ios::binary);
        f << "id,x,y,membrane_od_mean,completeness,excluded\r\n1,10,20,0.3,0.9,\r\n2,11,21,0.5,1,stroma\r\n"
             "3,12,22,0.1,0.2,\r\n";
        std::ofstream g(dir / "b.cells.csv", std::ios::binary);
        g << "id,x,y,membrane_od_mean,completeness,excluded\n1,10,20,0.3,0.9,\n2,11,21,0.5,1,ghost\n";
    }
    const CellTable t = readCellMeasures((dir / "a.cells.csv").string());
    ASSERT_EQ(t.size(), 2u);  // the stroma cell is dropped
    EXPECT_FLOAT_EQ(t.membraneOdMean[1], 0.1f);
    EXPECT_FLOAT_EQ(t.y[0], 20.0f);
    try {
        readCellMeasures((dir / "b.cells.csv").string());
        FAIL() << "unknown exclusion accepted";
    } catch (const ParseError& e) {
        EXPECT_EQ(e.line(), 3u);
        EXPECT_EQ(e.column(), 6u);
    }
    AnalysisParams p;
    p.set("ihc.faint_od", 0.23);
    const std::string out = (dir / "cal.protocol.json").string();
    writeProtocolAtomic(out, p);
    EXPECT_DOUBLE_EQ(AnalysisParams::load(out).ihc.faintOd, 0.23);
    for (const auto& e : fs::directory_iterator(dir))
        EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos) << e.path();
    EXPECT_THROW(writeProtocolAtomic((dir / "no" / "such" / "p.json").string(), p), InputError);
    fs::remove_all(dir);
}
