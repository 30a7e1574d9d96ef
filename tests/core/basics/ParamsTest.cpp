#include <gtest/gtest.h>

#include <set>

#include "her2/core/Errors.hpp"
#include "her2/core/Params.hpp"

using namespace her2::core;

TEST(Core_Params, everySpecHasKeyLabelAndHelpAndUniqueKey) {
    std::set<std::string> keys;
    for (const auto& s : AnalysisParams::specs()) {
        EXPECT_FALSE(s.label.empty()) << s.key;
        EXPECT_FALSE(s.help.empty()) << s.key;
        EXPECT_NE(s.key.find('.'), std::string::npos) << s.key << " has no section";
        EXPECT_TRUE(keys.insert(s.key).second) << "duplicate key " << s.key;
    }
    EXPECT_GT(keys.size(), 10u);
}

TEST(Core_Params, defaultsAreValid) { EXPECT_NO_THROW(AnalysisParams{}.validate()); }

TEST(Core_Params, jsonRoundTripKeepsEveryValue) {
    AnalysisParams p;
    p.set("ihc.faint_od", 0.2);
    p.set("rules.rule_set", std::string("gastric"));
    p.set("ihc.sectors", 48);
    const AnalysisParams q = AnalysisParams::fromJson(p.toJson());
    EXPECT_DOUBLE_EQ(q.ihc.faintOd, 0.2);
    EXPECT_EQ(q.rules.ruleSet, "gastric");
    EXPECT_EQ(q.ihc.sectors, 48);
    EXPECT_EQ(p.hash(), q.hash());
}

TEST(Core_Params, hashChangesWithAnyValue) {
    AnalysisParams a, b;
    b.set("ihc.strong_od", 0.46);
    EXPECT_NE(a.hash(), b.hash());
    EXPECT_EQ(a.hash().size(), 16u);
}

TEST(Core_Params, unknownKeyIsAnErrorNamingTheKey) {
    try {
        AnalysisParams::fromJson(R"({"params":{"ihc.faint_odd":0.1}})", "p.json");
        FAIL() << "accepted an unknown key";
    } catch (const ParseError& e) {
        EXPECT_NE(std::string(e.what()).find("ihc.faint_odd"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("p.json"), std::string::npos) << e.what();
    }
}

TEST(Core_Params, outOfRangeAndWrongTypeAreRejectedAndLeaveValue) {
    AnalysisParams p;
    EXPECT_THROW(p.set("ihc.complete_fraction", 1.5), ParameterError);
    EXPECT_DOUBLE_EQ(p.ihc.completeFraction, 0.85);
    EXPECT_THROW(p.set("ihc.sectors", 2.5), ParameterError);
    EXPECT_THROW(p.set("rules.rule_set", std::string("lung")), ParameterError);
    EXPECT_THROW(p.set("ihc.faint_od", std::string("x")), ParameterError);
    EXPECT_THROW((void)p.get("nope.key"), ParameterError);
}

TEST(Core_Params, malformedJsonGivesLineAndColumn) {
    try {
        AnalysisParams::fromJson("{\n  \"params\": {\n    \"ihc.faint_od\": ,\n  }\n}", "bad.json");
        FAIL();
    } catch (const ParseError& e) {
        EXPECT_EQ(e.line(), 3u) << e.what();
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
}

TEST(Core_Params, flatDocumentWithoutParamsSectionIsAccepted) {
    const auto p = AnalysisParams::fromJson(R"({"ihc.strong_od": 0.5, "tiling.threads": 2})");
    EXPECT_DOUBLE_EQ(p.ihc.strongOd, 0.5);
    EXPECT_EQ(p.tiling.threads, 2);
}

TEST(Core_Params, missingProtocolFileIsInputError) {
    EXPECT_THROW(AnalysisParams::load("/nonexistent/protocol.json"), InputError);
}
