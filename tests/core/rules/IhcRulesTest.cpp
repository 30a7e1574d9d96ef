#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "RuleTestUtil.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/ScoringRules.hpp"

using namespace her2::core;
using her2::test::CellGroup;
using her2::test::makeCells;

namespace {

using IC = IntensityClass;
using MP = MembranePattern;
using S = Her2Score;
using St = Her2Status;
using L = Her2LowCategory;

CellGroup neg(std::size_t n) {
    return {n, IC::Negative, MP::None};
}
CellGroup strongComplete(std::size_t n) {
    return {n, IC::Strong, MP::Complete};
}
CellGroup weakComplete(std::size_t n) {
    return {n, IC::WeakModerate, MP::Complete};
}
CellGroup faintPartial(std::size_t n) {
    return {n, IC::Faint, MP::Incomplete};
}
CellGroup cells(std::size_t n, IC in, MP pa, CellExclusion ex = CellExclusion::None) {
    return {n, in, pa, ex};
}

struct IhcCase {
    std::string name;
    std::string ruleSet;
    std::string specimen;
    std::string comparator;  // empty: the rule set's default
    std::vector<CellGroup> groups;
    std::optional<S> score;
    St status;
    std::optional<L> low;
    std::string reasonPart;  // must appear in the reason
    int minTumourCells = 100;
};

RuleParams paramsFor(const IhcCase& c) {
    RuleParams p;
    p.ruleSet = c.ruleSet;
    p.specimen = c.specimen;
    p.minTumourCells = c.minTumourCells;
    if (!c.comparator.empty()) {
        p.breastComparator = c.comparator;
        p.gastricComparator = c.comparator;
        p.nsclcComparator = c.comparator;
    }
    return p;
}

class Rules_IhcBoundary : public ::testing::TestWithParam<IhcCase> {};

TEST_P(Rules_IhcBoundary, scoreStatusCategoryAndReason) {
    const IhcCase& c = GetParam();
    const ScoreReport r = scoreIhc(makeCells(c.groups), PixelCalibration(0.25, 0.25, "test"), paramsFor(c));
    EXPECT_EQ(r.score, c.score) << r.reason;
    EXPECT_EQ(r.status, c.status) << r.reason;
    EXPECT_EQ(r.her2Low, c.low) << r.reason;
    EXPECT_NE(r.reason.find(c.reasonPart), std::string::npos)
        << "reason: " << r.reason << "\nwanted: " << c.reasonPart;
    EXPECT_EQ(r.assay, Assay::Ihc);
    EXPECT_EQ(std::string(toString(r.ruleSet)), c.ruleSet);
    EXPECT_EQ(r.ruleVersion, ruleVersion(r.ruleSet));
}

std::string caseName(const ::testing::TestParamInfo<IhcCase>& info) {
    return info.param.name;
}

// N = 10,000 tumour cells unless stated: 1,000 cells are exactly 10.0%, 1,001 are 10.01%.
INSTANTIATE_TEST_SUITE_P(
    Breast, Rules_IhcBoundary,
    ::testing::Values(
        IhcCase{"intense_10_01_is_3plus",
                "breast",
                "auto",
                "",
                {strongComplete(1001), neg(8999)},
                S::Three,
                St::Positive,
                L::Three,
                "3+: 10.01% of 10,000 tumour cells show complete intense staining (>10%)"},
        IhcCase{"intense_10_00_is_2plus",
                "breast",
                "auto",
                "",
                {strongComplete(1000), neg(9000)},
                S::Two,
                St::Equivocal,
                L::Two,
                "2+ (unusual pattern): intense complete staining in 10.0% of 10,000"},
        IhcCase{"intense_10_00_with_ge_is_3plus",
                "breast",
                "auto",
                ">=",
                {strongComplete(1000), neg(9000)},
                S::Three,
                St::Positive,
                L::Three,
                "3+: 10.0% of 10,000 tumour cells show complete intense staining (>=10%)"},
        IhcCase{"weak_complete_10_01_is_2plus",
                "breast",
                "auto",
                "",
                {weakComplete(1001), neg(8999)},
                S::Two,
                St::Equivocal,
                L::Two,
                "2+: 10.01% of 10,000 tumour cells show complete staining of at least"},
        IhcCase{"weak_complete_10_00_is_0",
                "breast",
                "auto",
                "",
                {weakComplete(1000), neg(9000)},
                S::Zero,
                St::Negative,
                L::ZeroUltralow,
                "0 (ultralow): 10.0% of 10,000 tumour cells show membrane staining (>0%, at most 10%)"},
        IhcCase{"weak_complete_10_00_with_ge_is_2plus",
                "breast",
                "auto",
                ">=",
                {weakComplete(1000), neg(9000)},
                S::Two,
                St::Equivocal,
                L::Two,
                "(>=10%)"},
        IhcCase{"faint_10_01_is_1plus",
                "breast",
                "auto",
                "",
                {faintPartial(1001), neg(8999)},
                S::One,
                St::Negative,
                L::One,
                "1+: 10.01% of 10,000 tumour cells show at least faint membrane staining (>10%)"},
        IhcCase{"faint_10_00_is_0_ultralow",
                "breast",
                "auto",
                "",
                {faintPartial(1000), neg(9000)},
                S::Zero,
                St::Negative,
                L::ZeroUltralow,
                "0 (ultralow)"},
        IhcCase{"faint_10_00_with_ge_is_1plus",
                "breast",
                "auto",
                ">=",
                {faintPartial(1000), neg(9000)},
                S::One,
                St::Negative,
                L::One,
                "(>=10%)"},
        IhcCase{"no_staining_is_0_null",
                "breast",
                "auto",
                "",
                {neg(10000)},
                S::Zero,
                St::Negative,
                L::ZeroNull,
                "0 (null): none of 10,000 tumour cells shows membrane staining"},
        IhcCase{"one_faint_cell_is_0_ultralow",
                "breast",
                "auto",
                "",
                {faintPartial(1), neg(9999)},
                S::Zero,
                St::Negative,
                L::ZeroUltralow,
                "0 (ultralow): 0.01% of 10,000"},
        IhcCase{"u_shaped_10_01_is_2plus",
                "breast",
                "auto",
                "",
                {cells(1001, IC::WeakModerate, MP::LateralBasolateral), neg(8999)},
                S::Two,
                St::Equivocal,
                L::Two,
                "2+ (unusual pattern): 10.01% of 10,000 tumour cells show moderate-to-intense incomplete"},
        IhcCase{"u_shaped_10_00_is_0",
                "breast",
                "auto",
                "",
                {cells(1000, IC::WeakModerate, MP::LateralBasolateral), neg(9000)},
                S::Zero,
                St::Negative,
                L::ZeroUltralow,
                "at most 10%"},
        IhcCase{"weak_partial_10_01_is_2plus",
                "breast",
                "auto",
                "",
                {cells(1001, IC::WeakModerate, MP::Incomplete), neg(8999)},
                S::Two,
                St::Equivocal,
                L::Two,
                "(unusual pattern)"},
        IhcCase{"intense_partial_10_01_is_2plus",
                "breast",
                "auto",
                "",
                {cells(1001, IC::Strong, MP::Incomplete), neg(8999)},
                S::Two,
                St::Equivocal,
                L::Two,
                "(unusual pattern)"},
        IhcCase{"intense_lateral_10_01_is_2plus_not_3plus",
                "breast",
                "auto",
                "",
                {cells(1001, IC::Strong, MP::LateralBasolateral), neg(8999)},
                S::Two,
                St::Equivocal,
                L::Two,
                "(unusual pattern)"},
        // The guard on intense complete staining in <= 10%: 1% and 10 cells.
        IhcCase{"intense_0_99_percent_is_below_guard",
                "breast",
                "auto",
                "",
                {strongComplete(99), faintPartial(2000), neg(7901)},
                S::One,
                St::Negative,
                L::One,
                "intense complete staining in 99 cells is below the 2+ minimum of 1% and 10 cells"},
        IhcCase{"intense_1_00_percent_is_2plus",
                "breast",
                "auto",
                "",
                {strongComplete(100), faintPartial(2000), neg(7900)},
                S::Two,
                St::Equivocal,
                L::Two,
                "2+ (unusual pattern): intense complete staining in 1.0% of 10,000 tumour cells (100 cells"},
        IhcCase{"intense_9_cells_is_below_guard",
                "breast",
                "auto",
                "",
                {strongComplete(9), neg(491)},
                S::Zero,
                St::Negative,
                L::ZeroUltralow,
                "below the 2+ minimum"},
        IhcCase{"intense_10_cells_is_2plus",
                "breast",
                "auto",
                "",
                {strongComplete(10), neg(490)},
                S::Two,
                St::Equivocal,
                L::Two,
                "(10 cells;"},
        IhcCase{"complete_and_u_shaped_add_up_to_2plus",
                "breast",
                "auto",
                "",
                {weakComplete(600), cells(401, IC::WeakModerate, MP::LateralBasolateral), neg(8999)},
                S::Two,
                St::Equivocal,
                L::Two,
                "2+: 10.01% of 10,000 tumour cells show complete weak-to-moderate or intense"},
        IhcCase{"classes_add_up_to_1plus",
                "breast",
                "auto",
                "",
                {cells(500, IC::Faint, MP::Complete), faintPartial(501), neg(8999)},
                S::One,
                St::Negative,
                L::One,
                "1+: 10.01%"},
        IhcCase{"biopsy_uses_the_same_rule",
                "breast",
                "biopsy",
                "",
                {strongComplete(1001), neg(8999)},
                S::Three,
                St::Positive,
                L::Three,
                "3+: 10.01%"},
        IhcCase{"excluded_cells_do_not_count",
                "breast",
                "auto",
                "",
                {cells(5000, IC::Strong, MP::Complete, CellExclusion::Stroma), neg(1000)},
                S::Zero,
                St::Negative,
                L::ZeroNull,
                "none of 1,000 tumour cells"},
        IhcCase{"99_tumour_cells_not_scorable",
                "breast",
                "auto",
                "",
                {strongComplete(99)},
                std::nullopt,
                St::NotScorable,
                std::nullopt,
                "not scorable: 99 tumour cells, fewer than the 100 needed"},
        IhcCase{"100_tumour_cells_scorable",
                "breast",
                "auto",
                "",
                {strongComplete(100)},
                S::Three,
                St::Positive,
                L::Three,
                "3+: 100.0% of 100 tumour cells"},
        IhcCase{"no_tumour_cells_not_scorable",
                "breast",
                "auto",
                "",
                {cells(500, IC::Strong, MP::Complete, CellExclusion::Lymphocyte)},
                std::nullopt,
                St::NotScorable,
                std::nullopt,
                "not scorable: no tumour cells (at least 100 needed)"}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    GastricResection, Rules_IhcBoundary,
    ::testing::Values(
        IhcCase{
            "strong_10_00_is_3plus",
            "gastric",
            "auto",
            "",
            {strongComplete(1000), neg(9000)},
            S::Three,
            St::Positive,
            L::Three,
            "3+: 10.0% of 10,000 tumour cells show strong complete or lateral/basolateral staining (>=10%)"},
        IhcCase{"strong_9_99_is_0",
                "gastric",
                "auto",
                "",
                {strongComplete(999), neg(9001)},
                S::Zero,
                St::Negative,
                L::ZeroUltralow,
                "9.99% of 10,000 tumour cells show membrane staining (>0%, below 10%)"},
        IhcCase{"strong_lateral_counts_as_complete",
                "gastric",
                "resection",
                "",
                {cells(1000, IC::Strong, MP::LateralBasolateral), neg(9000)},
                S::Three,
                St::Positive,
                L::Three,
                "3+"},
        IhcCase{"weak_lateral_is_2plus",
                "gastric",
                "resection",
                "",
                {cells(1000, IC::WeakModerate, MP::LateralBasolateral), neg(9000)},
                S::Two,
                St::Equivocal,
                L::Two,
                "2+: 10.0% of 10,000 tumour cells show at least weak-to-moderate complete or "
                "lateral/basolateral"},
        IhcCase{"faint_10_00_is_1plus",
                "gastric",
                "auto",
                "",
                {faintPartial(1000), neg(9000)},
                S::One,
                St::Negative,
                L::One,
                "1+: 10.0%"},
        IhcCase{"faint_9_99_is_0",
                "gastric",
                "auto",
                "",
                {faintPartial(999), neg(9001)},
                S::Zero,
                St::Negative,
                L::ZeroUltralow,
                "0 (ultralow)"},
        IhcCase{"strong_partial_is_1plus",
                "gastric",
                "auto",
                "",
                {cells(1000, IC::Strong, MP::Incomplete), neg(9000)},
                S::One,
                St::Negative,
                L::One,
                "1+"},
        IhcCase{"comparator_gt_10_00_is_0",
                "gastric",
                "auto",
                ">",
                {strongComplete(1000), neg(9000)},
                S::Zero,
                St::Negative,
                L::ZeroUltralow,
                "at most 10%"},
        IhcCase{"comparator_gt_10_01_is_3plus",
                "gastric",
                "auto",
                ">",
                {strongComplete(1001), neg(8999)},
                S::Three,
                St::Positive,
                L::Three,
                "(>10%)"},
        IhcCase{"no_intense_minority_rule",
                "gastric",
                "auto",
                "",
                {strongComplete(500), neg(9500)},
                S::Zero,
                St::Negative,
                L::ZeroUltralow,
                "0 (ultralow)"},
        IhcCase{"no_staining_is_0_null",
                "gastric",
                "auto",
                "",
                {neg(200)},
                S::Zero,
                St::Negative,
                L::ZeroNull,
                "0 (null)"}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    NsclcResection, Rules_IhcBoundary,
    ::testing::Values(IhcCase{"strong_4_cells_is_not_3plus",
                              "nsclc",
                              "resection",
                              "",
                              {strongComplete(4), neg(36)},
                              S::One,
                              St::Negative,
                              L::One,
                              "3+ staining in 4 cells, fewer than the 5 NSCLC needs",
                              20},
                      IhcCase{"strong_5_cells_is_3plus",
                              "nsclc",
                              "resection",
                              "",
                              {strongComplete(5), neg(45)},
                              S::Three,
                              St::Positive,
                              L::Three,
                              "3+: 10.0% of 50 tumour cells (5 cells) show strong complete or "
                              "lateral/basolateral staining (>=10%, at least 5 cells)",
                              20},
                      IhcCase{"weak_4_cells_is_not_2plus",
                              "nsclc",
                              "resection",
                              "",
                              {weakComplete(4), neg(36)},
                              S::One,
                              St::Negative,
                              L::One,
                              "2+ staining in 4 cells",
                              20},
                      IhcCase{"weak_5_cells_is_2plus",
                              "nsclc",
                              "resection",
                              "",
                              {weakComplete(5), neg(45)},
                              S::Two,
                              St::Equivocal,
                              L::Two,
                              "2+: 10.0% of 50",
                              20},
                      IhcCase{"faint_needs_no_minimum",
                              "nsclc",
                              "resection",
                              "",
                              {faintPartial(2), neg(18)},
                              S::One,
                              St::Negative,
                              L::One,
                              "1+: 10.0% of 20",
                              20},
                      IhcCase{"comparator_gt",
                              "nsclc",
                              "resection",
                              ">",
                              {strongComplete(100), neg(900)},
                              S::Zero,
                              St::Negative,
                              L::ZeroUltralow,
                              "at most 10%"}),
    caseName);

TEST(Rules_Ihc, reasonReadsAsThePathologistsSentence) {
    // 4,260 of 18,204 = 23.40%.
    const auto t = makeCells({strongComplete(4260), neg(18204 - 4260)});
    const ScoreReport r = scoreIhc(t, PixelCalibration(0.25, 0.25, "test"), RuleParams{});
    EXPECT_EQ(r.reason, "3+: 23.4% of 18,204 tumour cells show complete intense staining (>10%)");
    EXPECT_EQ(r.comparator, ">");
    EXPECT_DOUBLE_EQ(r.thresholdPercent, 10);
    EXPECT_EQ(r.ruleVersion, "ASCO/CAP 2018 (2023 reporting), rules r1");
    EXPECT_EQ(r.specimen, Specimen::Resection);
}

TEST(Rules_Ihc, summaryHoldsTheCountsAndPercentages) {
    const auto t = makeCells({strongComplete(300), weakComplete(200),
                              cells(100, IC::WeakModerate, MP::LateralBasolateral), faintPartial(400),
                              neg(1000), cells(77, IC::Strong, MP::Complete, CellExclusion::Stroma)});
    const ScoreReport r = scoreIhc(t, PixelCalibration(0.25, 0.25, "test"), RuleParams{});
    EXPECT_EQ(r.ihc.tumourCells, 2000u);
    EXPECT_EQ(r.ihc.excludedCells, 77u);
    EXPECT_EQ(r.ihc.counts, (std::array<std::size_t, 4>{1000, 400, 300, 300}));
    EXPECT_DOUBLE_EQ(r.ihc.percent[3], 15.0);
    EXPECT_DOUBLE_EQ(r.ihc.percent[2], 15.0);
    EXPECT_DOUBLE_EQ(r.ihc.percentAtLeast[1], 50.0);
    EXPECT_DOUBLE_EQ(r.ihc.percentAtLeast[0], 100.0);
    EXPECT_EQ(r.ihc.unusualCells, 100u);
    EXPECT_DOUBLE_EQ(r.ihc.percentUnusual, 5.0);
    EXPECT_EQ(r.ihc.stainedCells, 1000u);
    EXPECT_EQ(r.score, S::Three);
}

TEST(Rules_Ihc, ruleSetsScoreTheSameCellsDifferently) {
    // U-shaped intense staining: 2+ (unusual) in breast, 3+ in gastric (counts as complete).
    const auto t = makeCells({cells(2000, IC::Strong, MP::LateralBasolateral), neg(8000)});
    RuleParams p;
    EXPECT_EQ(scoreIhc(t, PixelCalibration(0.25, 0.25, "t"), p).score, S::Two);
    p.ruleSet = "gastric";
    EXPECT_EQ(scoreIhc(t, PixelCalibration(0.25, 0.25, "t"), p).score, S::Three);
}

TEST(Rules_Ihc, cellScoreColumnIsIgnored) {
    auto t = makeCells({strongComplete(50), neg(150)});
    for (auto& s : t.score) s = CellScore::Zero;  // stale column from another rule set
    EXPECT_EQ(scoreIhc(t, PixelCalibration(0.25, 0.25, "t"), RuleParams{}).score, S::Three);
}

TEST(Rules_Ihc, thresholdPercentAndGuardsAreParameters) {
    const auto t = makeCells({strongComplete(150), neg(850)});  // 15%
    RuleParams p;
    p.breastPercent = 20;
    ScoreReport r = scoreIhc(t, PixelCalibration(0.25, 0.25, "t"), p);
    EXPECT_EQ(r.score, S::Two);  // intense complete in <= 20%
    EXPECT_NE(r.reason.find("at most 20%"), std::string::npos) << r.reason;
    p.breastIntenseMinPercent = 16;
    r = scoreIhc(t, PixelCalibration(0.25, 0.25, "t"), p);
    EXPECT_EQ(r.score, S::Zero);
    EXPECT_EQ(r.her2Low, L::ZeroUltralow);
    p.ultralowMinPercent = 15;  // 15% stained is not above it
    r = scoreIhc(t, PixelCalibration(0.25, 0.25, "t"), p);
    EXPECT_EQ(r.score, S::Zero);
    EXPECT_EQ(r.her2Low, L::ZeroNull);
    EXPECT_NE(r.reason.find("0 (null): 15.0% of 1,000 tumour cells show membrane staining (at most 15%"),
              std::string::npos)
        << r.reason;
}

TEST(Rules_Ihc, unknownNamesThrowParameterError) {
    const auto t = makeCells({neg(200)});
    RuleParams p;
    p.ruleSet = "lung";
    EXPECT_THROW(scoreIhc(t, PixelCalibration(), p), ParameterError);
    p = {};
    p.specimen = "cytology";
    EXPECT_THROW(scoreIhc(t, PixelCalibration(), p), ParameterError);
    p = {};
    p.breastComparator = "<";
    EXPECT_THROW(scoreIhc(t, PixelCalibration(), p), ParameterError);
}

TEST(Rules_Ihc, specimenAutoResolvesByRuleSet) {
    RuleParams p;
    EXPECT_EQ(resolveSpecimen(p), Specimen::Resection);
    p.ruleSet = "gastric";
    EXPECT_EQ(resolveSpecimen(p), Specimen::Resection);
    p.ruleSet = "nsclc";
    EXPECT_EQ(resolveSpecimen(p), Specimen::Biopsy);
    p.specimen = "resection";
    EXPECT_EQ(resolveSpecimen(p), Specimen::Resection);
    p.ruleSet = "breast";
    p.specimen = "biopsy";
    EXPECT_EQ(resolveSpecimen(p), Specimen::Biopsy);
}

TEST(Rules_Ihc, everyRuleSetHasAVersion) {
    EXPECT_NE(ruleVersion(RuleSetId::Breast).find("ASCO/CAP 2018"), std::string::npos);
    EXPECT_NE(ruleVersion(RuleSetId::Gastric).find("2016"), std::string::npos);
    EXPECT_NE(ruleVersion(RuleSetId::Nsclc).find("gastric criteria"), std::string::npos);
}

TEST(Rules_Ihc, mismatchedColumnsThrow) {
    auto t = makeCells({neg(200)});
    t.intensity.pop_back();
    EXPECT_THROW(scoreIhc(t, PixelCalibration(), RuleParams{}), Error);
}

}  // namespace
