// her2scope info on real slides and on files it must refuse.
#include <nlohmann/json.hpp>

#include "CliRunner.hpp"

using her2::testing::quoted;
using her2::testing::runCli;
using her2::testing::testSlide;

TEST(Cli_Info, json_has_the_documented_keys) {
    const auto r = runCli("info --json " + quoted(testSlide("cmu-1-small-region.svs")));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    for (const char* key : {"vendor", "width", "height", "levels", "mpp_x", "mpp_y", "objective_power"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["width"], 2220);
    EXPECT_EQ(j["height"], 2967);
    EXPECT_NEAR(j["mpp_x"].get<double>(), 0.499, 1e-3);
    EXPECT_EQ(j["objective_power"].get<double>(), 20);
    ASSERT_EQ(j["levels"].size(), 1u);
    EXPECT_EQ(j["levels"][0]["downsample"].get<double>(), 1.0);
}

TEST(Cli_Info, ndpi_text_output_names_calibration) {
    const auto r = runCli("info " + quoted(testSlide("fluorescence-dapi.ndpi")));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("0.228"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("hamamatsu"), std::string::npos) << r.out;
}

class Cli_InfoBad : public ::testing::TestWithParam<const char*> {};

TEST_P(Cli_InfoBad, one_line_error_and_exit_code_1) {
    const auto r = runCli("info " + quoted(testSlide(GetParam())));
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(r.out.empty()) << r.out;
    ASSERT_FALSE(r.err.empty());
    EXPECT_NE(r.err.find(GetParam()), std::string::npos) << r.err;
    // One line of ours (libraries may not add more).
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
}

INSTANTIATE_TEST_SUITE_P(RefusedFiles, Cli_InfoBad,
                         ::testing::Values("broken.svs", "unopenable.tiff", "unreadable.svs"),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (auto& c : n)
                                 if (c == '.') c = '_';
                             return n;
                         });

TEST(Cli_Usage, unknown_subcommand_is_a_usage_error) {
    EXPECT_EQ(runCli("frobnicate").code, 2);
    EXPECT_EQ(runCli("info").code, 2);
}
