#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "RuleTestUtil.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/ScoringRules.hpp"

using namespace her2::core;
using her2::test::makeNuclei;

namespace {

using St = Her2Status;

struct IshCase {
    std::string name;
    std::string ruleSet;
    std::string probe;
    bool copyNumberOption;
    std::size_t nuclei;
    double totalHer2, totalCep17;
    std::optional<int> group;
    St status;
    std::string reasonPart;
};

class Rules_IshBoundary : public ::testing::TestWithParam<IshCase> {};

TEST_P(Rules_IshBoundary, groupStatusAndReason) {
    const IshCase& c = GetParam();
    RuleParams p;
    p.ruleSet = c.ruleSet;
    p.ishProbe = c.probe;
    p.gastricIshCopyNumberOption = c.copyNumberOption;
    const ScoreReport r = scoreIsh(makeNuclei(c.nuclei, c.totalHer2, c.totalCep17, 7), p);
    EXPECT_EQ(r.ish.group, c.group) << r.reason;
    EXPECT_EQ(r.status, c.status) << r.reason;
    EXPECT_NE(r.reason.find(c.reasonPart), std::string::npos)
        << "reason: " << r.reason << "\nwanted: " << c.reasonPart;
    EXPECT_EQ(r.assay, Assay::Fish);
    EXPECT_FALSE(r.score.has_value());
    EXPECT_EQ(r.ish.nucleiCounted, c.nuclei);
    EXPECT_EQ(r.ish.nucleiDetected, c.nuclei + 7);
    EXPECT_DOUBLE_EQ(r.ish.totalHer2, c.totalHer2);
    EXPECT_DOUBLE_EQ(r.ish.meanHer2, c.totalHer2 / static_cast<double>(c.nuclei));
    if (c.group) {
        EXPECT_EQ(r.ish.workup, ishWorkup(*c.group));
    }
}

std::string caseName(const ::testing::TestParamInfo<IshCase>& info) {
    return info.param.name;
}

// Exact totals: ratio = HER2 / CEP17 totals, mean = HER2 total / nuclei.
INSTANTIATE_TEST_SUITE_P(
    BreastDualProbe, Rules_IshBoundary,
    ::testing::Values(
        IshCase{"ratio_2_00_mean_4_00_group1", "breast", "dual", false, 100, 400, 200, 1, St::Positive,
                "ISH group 1 (positive): HER2/CEP17 ratio 2.00 (>=2.0) and mean HER2 4.00 signals/cell "
                "(>=4.0) in 100 nuclei"},
        IshCase{"ratio_1_99_mean_7_96_group3", "breast", "dual", false, 50, 398, 200, 3, St::Equivocal,
                "ISH group 3 (needs IHC work-up): HER2/CEP17 ratio 1.99 (<2.0)"},
        IshCase{"ratio_2_00_mean_8_group1", "breast", "dual", false, 50, 400, 200, 1, St::Positive,
                "ratio 2.00 (>=2.0)"},
        IshCase{"ratio_2_00_mean_3_99_group2", "breast", "dual", false, 100, 399, 199.5, 2, St::Equivocal,
                "ISH group 2 (needs IHC work-up): HER2/CEP17 ratio 2.00 (>=2.0) and mean HER2 3.99 "
                "signals/cell (<4.0)"},
        IshCase{"ratio_low_mean_3_99_group5", "breast", "dual", false, 100, 399, 300, 5, St::Negative,
                "ISH group 5 (negative)"},
        IshCase{"ratio_low_mean_4_00_group4", "breast", "dual", false, 100, 400, 300, 4, St::Equivocal,
                "mean HER2 4.00 signals/cell (>=4.0 and <6.0)"},
        IshCase{"ratio_low_mean_5_99_group4", "breast", "dual", false, 100, 599, 400, 4, St::Equivocal,
                "mean HER2 5.99 signals/cell (>=4.0 and <6.0)"},
        IshCase{"ratio_low_mean_6_00_group3", "breast", "dual", false, 100, 600, 400, 3, St::Equivocal,
                "mean HER2 6.00 signals/cell (>=6.0)"},
        IshCase{"ratio_1_995_prints_three_decimals", "breast", "dual", false, 100, 399, 200, 5, St::Negative,
                "ratio 1.995 (<2.0)"},
        IshCase{"19_nuclei_not_scorable", "breast", "dual", false, 19, 100, 40, std::nullopt, St::NotScorable,
                "not scorable: fewer than 20 evaluable nuclei (19 counted)"},
        IshCase{"12_nuclei_not_scorable", "breast", "dual", false, 12, 100, 40, std::nullopt, St::NotScorable,
                "fewer than 20 evaluable nuclei (12 counted)"},
        IshCase{"20_nuclei_scorable", "breast", "dual", false, 20, 100, 40, 1, St::Positive, "in 20 nuclei"},
        IshCase{"no_cep17_not_scorable", "breast", "dual", false, 20, 100, 0, std::nullopt, St::NotScorable,
                "no CEP17 signal in 20 nuclei"}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    SingleProbe, Rules_IshBoundary,
    ::testing::Values(IshCase{"mean_3_99_negative", "breast", "single", false, 100, 399, 0, std::nullopt,
                              St::Negative,
                              "single-probe ISH negative: mean HER2 3.99 signals/cell (<4.0) in 100 nuclei"},
                      IshCase{"mean_4_00_needs_workup", "breast", "single", false, 100, 400, 0, std::nullopt,
                              St::Equivocal, "mean HER2 4.00 signals/cell (>=4.0 and <6.0)"},
                      IshCase{"mean_5_99_needs_workup", "breast", "single", false, 100, 599, 0, std::nullopt,
                              St::Equivocal, "5.99"},
                      IshCase{"mean_6_00_positive", "breast", "single", false, 100, 600, 0, std::nullopt,
                              St::Positive, "single-probe ISH positive: mean HER2 6.00 signals/cell (>=6.0)"},
                      IshCase{"single_probe_needs_20_nuclei", "breast", "single", false, 19, 600, 0,
                              std::nullopt, St::NotScorable, "(19 counted)"}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    GastricAndNsclc, Rules_IshBoundary,
    ::testing::Values(
        IshCase{
            "ratio_1_99_negative", "gastric", "dual", false, 50, 398, 200, std::nullopt, St::Negative,
            "ISH negative: HER2/CEP17 ratio 1.99 (<2.0) in 50 nuclei, mean HER2 7.96 and mean CEP17 4.00"},
        IshCase{"ratio_2_00_positive", "gastric", "dual", false, 100, 300, 150, std::nullopt, St::Positive,
                "ISH positive: HER2/CEP17 ratio 2.00 (>=2.0)"},
        IshCase{"mean_6_ratio_low_negative_by_default", "gastric", "dual", false, 100, 600, 400, std::nullopt,
                St::Negative, "ratio 1.50 (<2.0)"},
        IshCase{"mean_6_00_ratio_low_positive_with_option", "gastric", "dual", true, 100, 600, 400,
                std::nullopt, St::Positive,
                "ISH positive (copy-number option): HER2/CEP17 ratio 1.50 (<2.0) with mean HER2 6.00 "
                "signals/cell (>=6.0)"},
        IshCase{"mean_5_99_ratio_low_negative_with_option", "gastric", "dual", true, 100, 599, 400,
                std::nullopt, St::Negative, "ISH negative"},
        IshCase{"nsclc_uses_gastric_ratio", "nsclc", "dual", false, 100, 300, 150, std::nullopt, St::Positive,
                "ISH positive"}),
    caseName);

TEST(Rules_Ish, excludedNucleiAreNotCounted) {
    auto nuclei = makeNuclei(20, 60, 40, 0);  // ratio 1.5, mean 3.0: group 5
    for (int i = 0; i < 30; ++i) {
        FishNucleus n;
        n.her2Count = 30;
        n.cep17Count = 2;
        n.her2Cluster = true;
        n.exclusion = i % 2 ? NucleusExclusion::NotSelected : NucleusExclusion::MissingSignal;
        nuclei.push_back(n);
    }
    nuclei[0].her2Cluster = true;
    const ScoreReport r = scoreIsh(nuclei, RuleParams{});
    EXPECT_EQ(r.ish.group, 5);
    EXPECT_EQ(r.ish.nucleiCounted, 20u);
    EXPECT_EQ(r.ish.nucleiDetected, 50u);
    EXPECT_EQ(r.ish.clusteredNuclei, 1u);
    EXPECT_DOUBLE_EQ(r.ish.ratio, 1.5);
    EXPECT_DOUBLE_EQ(r.ish.meanCep17, 2.0);
    EXPECT_EQ(r.ish.probe, "dual");
    EXPECT_EQ(r.ruleVersion, ruleVersion(RuleSetId::Breast));
}

TEST(Rules_Ish, minimumNucleiIsAParameter) {
    RuleParams p;
    p.minIshNuclei = 40;
    const auto r = scoreIsh(makeNuclei(30, 200, 60), p);
    EXPECT_EQ(r.status, St::NotScorable);
    EXPECT_EQ(r.reason, "not scorable: fewer than 40 evaluable nuclei (30 counted)");
    EXPECT_DOUBLE_EQ(r.ish.meanHer2, 200.0 / 30);  // the counts are still reported
}

TEST(Rules_Ish, singleProbeEntryPointForcesTheProbe) {
    const auto r = scoreIshSingleProbe(makeNuclei(20, 130, 0), RuleParams{});
    EXPECT_EQ(r.ish.probe, "single");
    EXPECT_EQ(r.status, St::Positive);
    EXPECT_FALSE(r.ish.group.has_value());
}

struct GroupCase {
    double ratio, mean;
    int group;
};
class Rules_IshGroup : public ::testing::TestWithParam<GroupCase> {};
TEST_P(Rules_IshGroup, boundary) {
    const auto& c = GetParam();
    EXPECT_EQ(breastIshGroup(c.ratio, c.mean, RuleParams{}), c.group)
        << "ratio " << c.ratio << " mean " << c.mean;
}
INSTANTIATE_TEST_SUITE_P(Asco2018, Rules_IshGroup,
                         ::testing::Values(GroupCase{2.00, 4.00, 1}, GroupCase{1.99, 4.00, 4},
                                           GroupCase{2.00, 3.99, 2}, GroupCase{1.99, 3.99, 5},
                                           GroupCase{1.99, 5.99, 4}, GroupCase{1.99, 6.00, 3},
                                           GroupCase{2.00, 6.00, 1}, GroupCase{2.00, 5.99, 1},
                                           GroupCase{0.5, 20, 3}, GroupCase{10, 0.5, 2}));

TEST(Rules_Ish, workupTextPerGroup) {
    EXPECT_NE(ishWorkup(2).find("blinded"), std::string::npos);
    EXPECT_NE(ishWorkup(2).find("negative with comment if still group 2"), std::string::npos);
    EXPECT_NE(ishWorkup(3).find("positive if still group 3"), std::string::npos);
    EXPECT_NE(ishWorkup(4).find("otherwise negative with comment"), std::string::npos);
    EXPECT_NE(ishWorkup(1).find("positive"), std::string::npos);
    EXPECT_NE(ishWorkup(5).find("negative"), std::string::npos);
    EXPECT_THROW(ishWorkup(0), ParameterError);
    EXPECT_THROW(ishWorkup(6), ParameterError);
}

TEST(Rules_Ish, unknownProbeThrows) {
    RuleParams p;
    p.ishProbe = "triple";
    EXPECT_THROW(scoreIsh(makeNuclei(20, 40, 40), p), ParameterError);
}

// Combined IHC + ISH final call: every group against every IHC score.
struct CombinedCase {
    std::string name;
    std::size_t nuclei;
    double her2, cep17;
    std::string ruleSet, probe;
    Her2Score ihc;
    St status;
    bool her2Low, recount, comment;
    std::string textPart;
};
class Rules_CombinedCall : public ::testing::TestWithParam<CombinedCase> {};
TEST_P(Rules_CombinedCall, finalCall) {
    const auto& c = GetParam();
    RuleParams p;
    p.ruleSet = c.ruleSet;
    p.ishProbe = c.probe;
    const ScoreReport ish = scoreIsh(makeNuclei(c.nuclei, c.her2, c.cep17), p);
    const FinalCall f = combineIhcIsh(c.ihc, ish);
    EXPECT_EQ(f.status, c.status) << f.text;
    EXPECT_EQ(f.her2Low, c.her2Low) << f.text;
    EXPECT_EQ(f.recountRequired, c.recount) << f.text;
    EXPECT_EQ(!f.comment.empty(), c.comment) << f.text << " / " << f.comment;
    EXPECT_NE(f.text.find(c.textPart), std::string::npos) << "text: " << f.text << "\nwanted: " << c.textPart;
    EXPECT_EQ(f.ihcScore, c.ihc);
    EXPECT_EQ(f.ishGroup, ish.ish.group);
}
std::string combinedName(const ::testing::TestParamInfo<CombinedCase>& info) {
    return info.param.name;
}

using H = Her2Score;
// Totals for 20 nuclei: g1 ratio 2.5 mean 5; g2 ratio 2.5 mean 3; g3 ratio 1.5 mean 7;
// g4 ratio 1.5 mean 5; g5 ratio 1.5 mean 3.
INSTANTIATE_TEST_SUITE_P(
    Breast, Rules_CombinedCall,
    ::testing::Values(
        CombinedCase{"g1_ihc0", 20, 100, 40, "breast", "dual", H::Zero, St::Positive, false, false, false,
                     "HER2 positive: ISH group 1 with IHC 0"},
        CombinedCase{"g1_ihc2", 20, 100, 40, "breast", "dual", H::Two, St::Positive, false, false, false,
                     "group 1"},
        CombinedCase{"g2_ihc3", 20, 60, 24, "breast", "dual", H::Three, St::Positive, false, false, false,
                     "HER2 positive: IHC 3+ (ISH group 2)"},
        CombinedCase{"g2_ihc2", 20, 60, 24, "breast", "dual", H::Two, St::Negative, true, true, true,
                     "still group 2"},
        CombinedCase{"g2_ihc1", 20, 60, 24, "breast", "dual", H::One, St::Negative, true, false, true,
                     "HER2 negative with comment: ISH group 2 with IHC 1+"},
        CombinedCase{"g2_ihc0", 20, 60, 24, "breast", "dual", H::Zero, St::Negative, false, false, true,
                     "IHC 0"},
        CombinedCase{"g3_ihc3", 20, 140, 93.5, "breast", "dual", H::Three, St::Positive, false, false, false,
                     "IHC 3+"},
        CombinedCase{"g3_ihc2", 20, 140, 93.5, "breast", "dual", H::Two, St::Positive, false, true, false,
                     "HER2 positive: ISH group 3 with IHC 2+, if a blinded recount"},
        CombinedCase{"g3_ihc1", 20, 140, 93.5, "breast", "dual", H::One, St::Negative, true, false, true,
                     "negative with comment: ISH group 3"},
        CombinedCase{"g4_ihc3", 20, 100, 66.5, "breast", "dual", H::Three, St::Positive, false, false, false,
                     "IHC 3+"},
        CombinedCase{"g4_ihc2", 20, 100, 66.5, "breast", "dual", H::Two, St::Negative, true, false, true,
                     "negative with comment: ISH group 4 with IHC 2+"},
        CombinedCase{"g4_ihc0", 20, 100, 66.5, "breast", "dual", H::Zero, St::Negative, false, false, true,
                     "group 4"},
        CombinedCase{"g5_ihc2", 20, 60, 40, "breast", "dual", H::Two, St::Negative, true, false, false,
                     "HER2 negative: ISH group 5 with IHC 2+"},
        CombinedCase{"g5_ihc3", 20, 60, 40, "breast", "dual", H::Three, St::Positive, false, false, false,
                     "IHC 3+"},
        CombinedCase{"ish_not_scorable_ihc2", 10, 60, 40, "breast", "dual", H::Two,
                     St::NotScorable, false, false, false, "repeat ISH"},
        CombinedCase{"ish_not_scorable_ihc1", 10, 60, 40, "breast", "dual", H::One, St::Negative, true, false,
                     false, "ISH not scorable"},
        CombinedCase{"single_equivocal_ihc2", 20, 100, 0, "breast", "single", H::Two,
                     St::Equivocal, false, false, false, "test with a dual probe"},
        CombinedCase{"single_equivocal_ihc1", 20, 100, 0, "breast", "single", H::One, St::Negative,
                     true, false, false, "HER2 negative"},
        CombinedCase{"single_positive_ihc2", 20, 120, 0, "breast", "single",
                     H::Two, St::Positive, false, false, false, "single-probe ISH positive"},
        CombinedCase{"gastric_ish_pos_ihc2", 20, 100, 40, "gastric", "dual",
                     H::Two, St::Positive, false, false, false, "HER2 positive: IHC 2+ with ISH positive"},
        CombinedCase{"gastric_ish_neg_ihc2", 20, 60, 40, "gastric", "dual", H::Two, St::Negative, true, false,
                     false, "HER2 negative: IHC 2+ with ISH negative"},
        CombinedCase{"gastric_ish_pos_ihc1_flagged", 20, 100, 40, "gastric", "dual", H::One, St::Negative,
                     true, false, true, "HER2 negative: IHC 1+"}),
    combinedName);

TEST(Rules_CombinedCall, rejectsAnIhcReport) {
    ScoreReport ihc;
    ihc.assay = Assay::Ihc;
    EXPECT_THROW(combineIhcIsh(Her2Score::Two, ihc), ParameterError);
}

}  // namespace

namespace {

TEST(Rules_CombinedCall, gastricIshNotScorableWithIhc2IsNotScorable) {
    RuleParams p;
    p.ruleSet = "gastric";
    const ScoreReport ish = scoreIsh(makeNuclei(20, 60, 0), p);  // no CEP17
    ASSERT_EQ(ish.status, St::NotScorable);
    EXPECT_EQ(combineIhcIsh(Her2Score::Two, ish).status, St::NotScorable);
    EXPECT_EQ(combineIhcIsh(Her2Score::Three, ish).status, St::Positive);
    EXPECT_EQ(combineIhcIsh(Her2Score::Zero, ish).status, St::Negative);
}

TEST(Rules_CombinedCall, finalCallFitsTheReport) {
    ScoreReport ish = scoreIsh(makeNuclei(20, 60, 24), RuleParams{});  // group 2
    ish.finalCall = combineIhcIsh(Her2Score::Two, ish);
    ASSERT_TRUE(ish.finalCall.has_value());
    EXPECT_EQ(ish.finalCall->ishGroup, 2);
    EXPECT_NE(ish.finalCall->comment.find("<4.0 signals/cell"), std::string::npos);
}

}  // namespace
