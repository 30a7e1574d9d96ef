#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "her2/core/CellClassification.hpp"
#include "her2/core/ScoringRules.hpp"

using namespace her2::core;

namespace {

using IC = IntensityClass;
using MP = MembranePattern;

struct IntensityCase {
    double od;
    double completeness;
    IC expected;
};

class Rules_ClassifyIntensity : public ::testing::TestWithParam<IntensityCase> {};

TEST_P(Rules_ClassifyIntensity, boundary) {
    const auto& c = GetParam();
    EXPECT_EQ(classifyIntensity(c.od, c.completeness, IhcParams{}), c.expected)
        << "od " << c.od << ", completeness " << c.completeness;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

INSTANTIATE_TEST_SUITE_P(Defaults, Rules_ClassifyIntensity,
                         ::testing::Values(IntensityCase{0.0, 1.0, IC::Negative},         //
                                           IntensityCase{0.0499, 1.0, IC::Negative},      // stained OD 0.05
                                           IntensityCase{0.05, 1.0, IC::Faint},           //
                                           IntensityCase{0.1799, 1.0, IC::Faint},         // faint < 0.18
                                           IntensityCase{0.18, 1.0, IC::WeakModerate},    //
                                           IntensityCase{0.4499, 1.0, IC::WeakModerate},  // strong >= 0.45
                                           IntensityCase{0.45, 1.0, IC::Strong},          //
                                           IntensityCase{2.0, 1.0, IC::Strong},           //
                                           IntensityCase{0.6, 0.0999, IC::Negative},      // min stained 0.10
                                           IntensityCase{0.6, 0.10, IC::Strong},          //
                                           IntensityCase{0.3, 0.10, IC::WeakModerate},    //
                                           IntensityCase{kNaN, 1.0, IC::Negative},        //
                                           IntensityCase{0.6, kNaN, IC::Negative}));

struct PatternCase {
    double completeness;
    MP expected;
};

class Rules_ClassifyPattern : public ::testing::TestWithParam<PatternCase> {};

TEST_P(Rules_ClassifyPattern, boundary) {
    const auto& c = GetParam();
    EXPECT_EQ(classifyPattern(c.completeness, IhcParams{}), c.expected) << "completeness " << c.completeness;
}

INSTANTIATE_TEST_SUITE_P(Defaults, Rules_ClassifyPattern,
                         ::testing::Values(PatternCase{0.0, MP::None},                   //
                                           PatternCase{0.0999, MP::None},                //
                                           PatternCase{0.10, MP::Incomplete},            //
                                           PatternCase{0.4999, MP::Incomplete},          //
                                           PatternCase{0.5, MP::LateralBasolateral},     //
                                           PatternCase{0.8499, MP::LateralBasolateral},  //
                                           PatternCase{0.85, MP::Complete},              //
                                           PatternCase{1.0, MP::Complete},               //
                                           PatternCase{kNaN, MP::None}));

TEST(Rules_Classify, followsTheParameters) {
    IhcParams p;
    p.faintOd = 0.25;
    p.strongOd = 0.6;
    p.completeFraction = 0.9;
    p.lateralFraction = 0.4;
    EXPECT_EQ(classifyIntensity(0.2, 1, p), IC::Faint);
    EXPECT_EQ(classifyIntensity(0.5, 1, p), IC::WeakModerate);
    EXPECT_EQ(classifyIntensity(0.6, 1, p), IC::Strong);
    EXPECT_EQ(classifyPattern(0.88, p), MP::LateralBasolateral);
    EXPECT_EQ(classifyPattern(0.4, p), MP::LateralBasolateral);
    EXPECT_EQ(classifyPattern(0.9, p), MP::Complete);
}

// Per-cell class under each rule set: every intensity x pattern.
struct CellScoreCase {
    IC intensity;
    MP pattern;
    CellScore breast;
    CellScore gastric;  // NSCLC uses the same per-cell classes
    bool unusual;       // breast unusual pattern
};

class Rules_CellScore : public ::testing::TestWithParam<CellScoreCase> {};

TEST_P(Rules_CellScore, perRuleSet) {
    const auto& c = GetParam();
    const std::string what = std::string(toString(c.intensity)) + " " + std::string(toString(c.pattern));
    EXPECT_EQ(cellScore(c.intensity, c.pattern, RuleSetId::Breast), c.breast) << what;
    EXPECT_EQ(cellScore(c.intensity, c.pattern, RuleSetId::Gastric), c.gastric) << what;
    EXPECT_EQ(cellScore(c.intensity, c.pattern, RuleSetId::Nsclc), c.gastric) << what;
    EXPECT_EQ(isUnusualBreastPattern(c.intensity, c.pattern), c.unusual) << what;
}

using CS = CellScore;
INSTANTIATE_TEST_SUITE_P(
    AllClasses, Rules_CellScore,
    ::testing::Values(CellScoreCase{IC::Negative, MP::None, CS::Zero, CS::Zero, false},
                      CellScoreCase{IC::Negative, MP::Complete, CS::Zero, CS::Zero, false},
                      CellScoreCase{IC::Strong, MP::None, CS::Zero, CS::Zero, false},
                      CellScoreCase{IC::Faint, MP::Incomplete, CS::One, CS::One, false},
                      CellScoreCase{IC::Faint, MP::LateralBasolateral, CS::One, CS::One, false},
                      CellScoreCase{IC::Faint, MP::Complete, CS::One, CS::One, false},
                      CellScoreCase{IC::WeakModerate, MP::Incomplete, CS::Two, CS::One, true},
                      // breast: U-shaped is the unusual 2+ pattern; gastric: counts as complete
                      CellScoreCase{IC::WeakModerate, MP::LateralBasolateral, CS::Two, CS::Two, true},
                      CellScoreCase{IC::WeakModerate, MP::Complete, CS::Two, CS::Two, false},
                      CellScoreCase{IC::Strong, MP::Incomplete, CS::Two, CS::One, true},
                      CellScoreCase{IC::Strong, MP::LateralBasolateral, CS::Two, CS::Three, true},
                      CellScoreCase{IC::Strong, MP::Complete, CS::Three, CS::Three, false}));

}  // namespace
