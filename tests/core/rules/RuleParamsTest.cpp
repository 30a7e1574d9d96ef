#include <gtest/gtest.h>

#include <string>

#include "her2/core/Errors.hpp"
#include "her2/core/Params.hpp"

using namespace her2::core;

namespace {

struct DefaultCase {
    std::string key;
    ParamValue value;
};

class Rules_ParamDefaults : public ::testing::TestWithParam<DefaultCase> {};

TEST_P(Rules_ParamDefaults, guidelineValue) {
    const auto& c = GetParam();
    EXPECT_EQ(AnalysisParams{}.get(c.key), c.value) << c.key;
}

INSTANTIATE_TEST_SUITE_P(
    RuleParams, Rules_ParamDefaults,
    ::testing::Values(
        DefaultCase{"rules.breast_comparator", std::string(">")},
        DefaultCase{"rules.gastric_comparator", std::string(">=")},
        DefaultCase{"rules.nsclc_comparator", std::string(">=")}, DefaultCase{"rules.breast_percent", 10.0},
        DefaultCase{"rules.gastric_percent", 10.0}, DefaultCase{"rules.nsclc_percent", 10.0},
        DefaultCase{"rules.nsclc_min_stained_cells", 5}, DefaultCase{"rules.cluster_min_cells", 5},
        DefaultCase{"rules.cohesion_distance_um", 20.0}, DefaultCase{"rules.min_ish_nuclei", 20},
        DefaultCase{"rules.ish_ratio", 2.0}, DefaultCase{"rules.ish_her2_lower", 4.0},
        DefaultCase{"rules.ish_her2_upper", 6.0}, DefaultCase{"rules.single_probe_negative", 4.0},
        DefaultCase{"rules.single_probe_positive", 6.0}, DefaultCase{"rules.gastric_ish_ratio", 2.0},
        DefaultCase{"rules.gastric_ish_copy_number_option", false},
        DefaultCase{"rules.gastric_ish_her2", 6.0}, DefaultCase{"rules.ultralow_min_percent", 0.0},
        DefaultCase{"rules.breast_intense_min_percent", 1.0},
        DefaultCase{"rules.breast_intense_min_cells", 10},
        DefaultCase{"rules.ish_probe", std::string("dual")},
        DefaultCase{"rules.specimen", std::string("auto")}),
    [](const auto& info) {
        std::string n = info.param.key.substr(6);
        return n;
    });

TEST(Rules_Params, everyRuleKeyHasUnitHelpAndRoundTrips) {
    std::size_t n = 0;
    for (const auto& s : AnalysisParams::specs()) {
        if (s.key.rfind("rules.", 0) != 0) continue;
        ++n;
        EXPECT_FALSE(s.help.empty()) << s.key;
        EXPECT_FALSE(s.label.empty()) << s.key;
    }
    EXPECT_GE(n, 25u);
    AnalysisParams p;
    p.set("rules.breast_comparator", std::string(">="));
    p.set("rules.cohesion_distance_um", 18.5);
    p.set("rules.gastric_ish_copy_number_option", true);
    const auto q = AnalysisParams::fromJson(p.toJson());
    EXPECT_EQ(q.rules.breastComparator, ">=");
    EXPECT_DOUBLE_EQ(q.rules.cohesionDistanceUm, 18.5);
    EXPECT_TRUE(q.rules.gastricIshCopyNumberOption);
}

TEST(Rules_Params, comparatorChoicesAreChecked) {
    AnalysisParams p;
    EXPECT_THROW(p.set("rules.breast_comparator", std::string("<")), ParameterError);
    EXPECT_THROW(p.set("rules.gastric_comparator", std::string("=>")), ParameterError);
    EXPECT_THROW(p.set("rules.cohesion_distance_um", 0.0), ParameterError);
    EXPECT_THROW(p.set("rules.ish_probe", std::string("triple")), ParameterError);
    EXPECT_EQ(p.rules.breastComparator, ">");
}

}  // namespace
