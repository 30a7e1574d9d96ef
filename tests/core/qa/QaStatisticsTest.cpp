// Agreement statistics against values computed independently: scikit-learn's
// cohen_kappa_score and numpy (reference/kappa_reference.json, made by
// reference/make_reference.py) and published worked examples.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "her2/core/QaStatistics.hpp"

using namespace her2::core;
using Json = nlohmann::json;

namespace {

const Json& reference() {
    static const Json j = [] {
        std::ifstream in(std::string(HER2_SOURCE_DIR) + "/tests/core/qa/reference/kappa_reference.json");
        std::stringstream s;
        s << in.rdbuf();
        return Json::parse(s.str());
    }();
    return j;
}

struct Pairs {
    std::vector<int> a, b;
    std::size_t k = 0;
};

Pairs expand(const Json& table) {
    Pairs p;
    p.k = table.size();
    for (std::size_t i = 0; i < table.size(); ++i)
        for (std::size_t j = 0; j < table[i].size(); ++j)
            for (int c = 0; c < table[i][j].get<int>(); ++c) {
                p.a.push_back(static_cast<int>(i));
                p.b.push_back(static_cast<int>(j));
            }
    return p;
}

void expectSame(const Json& expected, double actual, const std::string& what) {
    if (expected.is_null()) {
        EXPECT_TRUE(std::isnan(actual)) << what << " should be undefined, got " << actual;
    } else {
        EXPECT_NEAR(actual, expected.get<double>(), 1e-12) << what;
    }
}

}  // namespace

class Qa_KappaReference : public ::testing::TestWithParam<std::string> {};

TEST_P(Qa_KappaReference, matchesScikitLearn) {
    const Json& ref = reference()["kappa"][GetParam()];
    ASSERT_FALSE(ref.is_null()) << "no reference for " << GetParam();
    const Pairs p = expand(ref["table"]);
    const ConfusionMatrix m = ConfusionMatrix::fromPairs(p.a, p.b, p.k);
    EXPECT_EQ(m.total(), p.a.size());
    EXPECT_NEAR(percentAgreement(m), ref["agreement"].get<double>(), 1e-12);
    expectSame(ref["kappa"], cohenKappa(m, KappaWeights::None), GetParam() + " unweighted");
    expectSame(ref["linear"], cohenKappa(m, KappaWeights::Linear), GetParam() + " linear");
    expectSame(ref["quadratic"], cohenKappa(m, KappaWeights::Quadratic), GetParam() + " quadratic");
    if (!ref["se"].is_null()) {
        EXPECT_NEAR(kappaStandardError(m), ref["se"].get<double>(), 1e-12);
    }
}

INSTANTIATE_TEST_SUITE_P(Datasets, Qa_KappaReference,
                         ::testing::Values("fleiss_psychiatric", "wikipedia_grants", "her2_typical",
                                           "her2_gaps", "her2_swapped", "her2_all_three"));

// Published worked examples, with the numbers as printed.
TEST(Qa_Kappa, fleissPsychiatricTable) {
    // Fleiss, Levin & Paik 2003, Table 18.1: po = .89, pe = .66, kappa = .68.
    ConfusionMatrix m(3);
    const int t[3][3] = {{75, 1, 4}, {5, 4, 1}, {0, 0, 10}};
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j) m.add(i, j, static_cast<std::size_t>(t[i][j]));
    EXPECT_DOUBLE_EQ(percentAgreement(m), 0.89);
    EXPECT_NEAR(cohenKappa(m), (0.89 - 0.66) / (1 - 0.66), 1e-12);
    EXPECT_NEAR(cohenKappa(m), 0.68, 0.005);
}

TEST(Qa_Kappa, wikipediaGrantProposals) {
    ConfusionMatrix m(2);
    m.add(0, 0, 20);
    m.add(0, 1, 5);
    m.add(1, 0, 10);
    m.add(1, 1, 15);
    EXPECT_NEAR(cohenKappa(m), 0.4, 1e-12);
    // With two categories every weighting is the same statistic.
    EXPECT_NEAR(cohenKappa(m, KappaWeights::Quadratic), 0.4, 1e-12);
}

TEST(Qa_Kappa, perfectAgreementIsOneAndEmptyIsUndefined) {
    const std::vector<int> a{0, 1, 2, 3, 3, 2};
    const ConfusionMatrix m = ConfusionMatrix::fromPairs(a, a, 4);
    EXPECT_DOUBLE_EQ(cohenKappa(m), 1.0);
    EXPECT_DOUBLE_EQ(cohenKappa(m, KappaWeights::Quadratic), 1.0);
    EXPECT_TRUE(std::isnan(cohenKappa(ConfusionMatrix(4))));
    EXPECT_TRUE(std::isnan(percentAgreement(ConfusionMatrix(4))));
}

TEST(Qa_Kappa, rejectsOutOfRangeAndUnequalInput) {
    const std::vector<int> a{0, 4}, b{0, 1}, c{0};
    EXPECT_THROW(ConfusionMatrix::fromPairs(a, b, 4), std::invalid_argument);
    EXPECT_THROW(ConfusionMatrix::fromPairs(b, c, 4), std::invalid_argument);
}

TEST(Qa_Bootstrap, deterministicCoversEstimateAndAgreesWithAsymptoticSe) {
    const Pairs p = expand(reference()["kappa"]["her2_typical"]["table"]);
    const ConfusionMatrix m = ConfusionMatrix::fromPairs(p.a, p.b, 4);
    const BootstrapOptions opt{2000, 42, 0.95};
    const Interval ci = bootstrapKappa(p.a, p.b, 4, KappaWeights::None, opt);
    const Interval again = bootstrapKappa(p.a, p.b, 4, KappaWeights::None, opt);
    EXPECT_EQ(ci.low, again.low);
    EXPECT_EQ(ci.high, again.high);
    const double k = cohenKappa(m);
    EXPECT_LT(ci.low, k);
    EXPECT_GT(ci.high, k);
    // The percentile interval should be about +-1.96 SE wide (Fleiss-Cohen-Everitt SE).
    const double width = ci.high - ci.low, expected = 2 * 1.96 * kappaStandardError(m);
    EXPECT_NEAR(width / expected, 1.0, 0.15) << width << " vs " << expected;
    // Another seed moves the bounds a little, not a lot.
    const Interval other = bootstrapKappa(p.a, p.b, 4, KappaWeights::None, {2000, 7, 0.95});
    EXPECT_NE(other.low, ci.low);
    EXPECT_NEAR(other.low, ci.low, 0.03);
    const Interval weighted = bootstrapKappa(p.a, p.b, 4, KappaWeights::Quadratic, opt);
    EXPECT_LT(weighted.low, cohenKappa(m, KappaWeights::Quadratic));
    EXPECT_GT(weighted.high, cohenKappa(m, KappaWeights::Quadratic));
    EXPECT_LE(weighted.high, 1.0);
}

TEST(Qa_Bootstrap, undefinedForOneCategoryOnly) {
    const std::vector<int> a(9, 3);
    const Interval ci = bootstrapKappa(a, a, 4, KappaWeights::None);
    EXPECT_TRUE(std::isnan(ci.low));
    EXPECT_TRUE(std::isnan(ci.high));
}

TEST(Qa_Bootstrap, splitMixMatchesPublishedSequence) {
    // First outputs of splitmix64 seeded with 1234567 (Vigna's reference implementation).
    SplitMix64 rng(1234567);
    EXPECT_EQ(rng.next(), 6457827717110365317ULL);
    EXPECT_EQ(rng.next(), 3203168211198807973ULL);
}

TEST(Qa_BlandAltman, peakFlowExampleOf1986) {
    const Json& ref = reference()["bland_altman"]["pefr_1986"];
    const auto a = ref["a"].get<std::vector<double>>(), b = ref["b"].get<std::vector<double>>();
    const BlandAltman r = blandAltman(a, b);
    EXPECT_EQ(r.n, 17u);
    // As published: mean difference -2.1, SD 38.8 (the paper's limits use 2 SD).
    EXPECT_NEAR(r.bias, -2.1, 0.05);
    EXPECT_NEAR(r.sd, 38.8, 0.05);
    EXPECT_NEAR(r.bias - 2 * r.sd, -79.7, 0.1);
    EXPECT_NEAR(r.bias + 2 * r.sd, 75.5, 0.1);
    EXPECT_NEAR(r.bias, ref["bias"].get<double>(), 1e-9);
    EXPECT_NEAR(r.sd, ref["sd"].get<double>(), 1e-9);
    EXPECT_NEAR(r.lowerLimit, ref["lower"].get<double>(), 1e-9);
    EXPECT_NEAR(r.upperLimit, ref["upper"].get<double>(), 1e-9);
    EXPECT_NEAR(iccAbsoluteAgreement(a, b), ref["icc_a1"].get<double>(), 1e-12);
}

TEST(Qa_BlandAltman, smallSamples) {
    EXPECT_TRUE(std::isnan(blandAltman(std::vector<double>{}, std::vector<double>{}).bias));
    const BlandAltman one = blandAltman(std::vector<double>{2.5}, std::vector<double>{2.0});
    EXPECT_DOUBLE_EQ(one.bias, 0.5);
    EXPECT_TRUE(std::isnan(one.sd));
    EXPECT_THROW(blandAltman(std::vector<double>{1}, std::vector<double>{}), std::invalid_argument);
}

TEST(Qa_Icc, shroutFleissTable2) {
    const Json& ref = reference()["icc"]["shrout_fleiss_1979"];
    std::vector<double> x;
    for (const auto& row : ref["ratings"])
        for (const auto& v : row) x.push_back(v.get<double>());
    // Published: ICC(2,1) = .29, ICC(3,1) = .71.
    EXPECT_NEAR(iccAbsoluteAgreement(x, 4), 0.29, 0.005);
    EXPECT_NEAR(iccConsistency(x, 4), 0.71, 0.006);
    EXPECT_NEAR(iccAbsoluteAgreement(x, 4), ref["icc21"].get<double>(), 1e-12);
    EXPECT_NEAR(iccConsistency(x, 4), ref["icc31"].get<double>(), 1e-12);
}

TEST(Qa_Icc, absoluteAgreementPenalisesBiasConsistencyDoesNot) {
    const std::vector<double> a{1, 2, 3, 4, 5, 6}, shifted{3, 4, 5, 6, 7, 8};
    std::vector<double> x;
    for (std::size_t i = 0; i < a.size(); ++i) {
        x.push_back(a[i]);
        x.push_back(shifted[i]);
    }
    EXPECT_NEAR(iccConsistency(x, 2), 1.0, 1e-12);
    EXPECT_LT(iccAbsoluteAgreement(a, shifted), 0.8);
    EXPECT_NEAR(iccAbsoluteAgreement(a, a), 1.0, 1e-12);
    EXPECT_TRUE(std::isnan(iccAbsoluteAgreement(std::vector<double>{1.0}, std::vector<double>{1.0})));
}
