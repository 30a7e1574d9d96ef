// Stain separation against an independent implementation: scikit-image's rgb2hed.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "her2/core/Errors.hpp"
#include "her2/imaging/StainSeparation.hpp"

using her2::imaging::StainSeparation;
using her2::imaging::StainVectors;

namespace {

cv::Mat loadRgb(const std::string& path) {
    cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
    cv::Mat rgb;
    if (!bgr.empty()) cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

nlohmann::json loadReference() {
    std::ifstream in(std::string(HER2_SOURCE_DIR) + "/tests/imaging/ihc/reference/skimage_rgb2hed.json");
    return nlohmann::json::parse(in);
}

}  // namespace

TEST(Ihc_StainSeparation, matches_skimage_rgb2hed_pixels_and_channels) {
    const cv::Mat rgb = loadRgb(std::string(HER2_TESTDATA_DIR) + "/ihc/skimage-ihc.png");
    if (rgb.empty()) GTEST_SKIP() << "test image missing";
    const nlohmann::json ref = loadReference();
    const StainSeparation sep;
    const auto st = sep.separate(rgb);
    // scikit-image works in log(rgb)/log(1e-6): 6 x that is base-10 OD.
    for (const auto& p : ref["pixels"]) {
        const int x = p["x"], y = p["y"];
        const auto px = rgb.at<cv::Vec3b>(y, x);
        ASSERT_EQ(px[0], p["rgb"][0].get<int>());
        EXPECT_NEAR(st.hematoxylin.at<float>(y, x), 6 * p["hed"][0].get<double>(), 2e-4) << x << "," << y;
        EXPECT_NEAR(st.residual.at<float>(y, x), 6 * p["hed"][1].get<double>(), 2e-4) << x << "," << y;
        EXPECT_NEAR(st.dab.at<float>(y, x), 6 * p["hed"][2].get<double>(), 2e-4) << x << "," << y;
    }
    const std::pair<const char*, const cv::Mat*> channels[] = {
        {"hematoxylin", &st.hematoxylin}, {"eosin", &st.residual}, {"dab", &st.dab}};
    for (const auto& [name, mat] : channels) {
        const double mean = cv::mean(*mat)[0];
        EXPECT_NEAR(mean, 6 * ref["channels"][name]["mean"].get<double>(), 2e-4) << name;
    }
}

TEST(Ihc_StainSeparation, estimated_vectors_stay_near_defaults_on_real_ihc) {
    const cv::Mat rgb = loadRgb(std::string(HER2_TESTDATA_DIR) + "/ihc/skimage-ihc.png");
    if (rgb.empty()) GTEST_SKIP() << "test image missing";
    const StainVectors est = StainSeparation::estimate(rgb);
    EXPECT_EQ(est.source, "estimated");
    const StainVectors def = StainVectors::defaultHDab();
    auto cosine = [](const std::array<double, 3>& a, const std::array<double, 3>& b) {
        const double na = std::hypot(a[0], a[1], a[2]), nb = std::hypot(b[0], b[1], b[2]);
        return (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (na * nb);
    };
    EXPECT_GT(cosine(est.dab, def.dab), std::cos(30 * M_PI / 180));
    EXPECT_GT(cosine(est.hematoxylin, def.hematoxylin), std::cos(30 * M_PI / 180));
    // DAB absorbs blue more than red; hematoxylin the reverse.
    EXPECT_GT(est.dab[2], est.dab[0]);
    EXPECT_GT(est.hematoxylin[0], est.hematoxylin[2]);
    // The estimated separation still puts the brown membranes in the DAB channel.
    const StainSeparation sep(est);
    const auto st = sep.separate(rgb);
    EXPECT_GT(cv::mean(st.dab)[0], cv::mean(st.hematoxylin)[0]);
}

TEST(Ihc_StainSeparation, degenerate_vectors_are_refused) {
    StainVectors v = StainVectors::defaultHDab();
    v.dab = v.hematoxylin;
    EXPECT_THROW(StainSeparation{v}, her2::core::ParameterError);
}

TEST(Ihc_StainSeparation, pure_colours_separate) {
    // A pixel made of DAB alone (OD = 0.5 x the DAB vector) reads back as DAB 0.5.
    const StainVectors v = StainVectors::defaultHDab();
    cv::Mat rgb(1, 2, CV_8UC3);
    for (int c = 0; c < 3; ++c) {
        rgb.at<cv::Vec3b>(0, 0)[c] = cv::saturate_cast<uchar>(255 * std::pow(10.0, -0.5 * v.dab[c]));
        rgb.at<cv::Vec3b>(0, 1)[c] = cv::saturate_cast<uchar>(255 * std::pow(10.0, -0.5 * v.hematoxylin[c]));
    }
    const auto st = StainSeparation().separate(rgb);
    EXPECT_NEAR(st.dab.at<float>(0, 0), 0.5, 0.02);
    EXPECT_NEAR(st.hematoxylin.at<float>(0, 0), 0.0, 0.02);
    EXPECT_NEAR(st.hematoxylin.at<float>(0, 1), 0.5, 0.02);
    EXPECT_NEAR(st.dab.at<float>(0, 1), 0.0, 0.02);
}
