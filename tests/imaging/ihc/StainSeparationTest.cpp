// Stain separation against an independent implementation: scikit-image's rgb2hed.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
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

namespace {

/// Nuclei of a given hematoxylin direction (OD 0.2-0.6) on pale cytoplasm (0.05), a share of
/// them under DAB membranes (OD 0.1-0.8, of a given DAB direction): RGB by Beer-Lambert,
/// 8-bit noise included.
cv::Mat renderHematoxylinDab(const std::array<double, 3>& hematoxylin, int size, std::uint64_t seed,
                             const std::array<double, 3>& dab = StainVectors::defaultHDab().dab) {
    StainVectors v = StainVectors::defaultHDab();
    v.dab = dab;
    cv::RNG rng(seed);
    cv::Mat rgb(size, size, CV_8UC3);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            const int cell = (y / 16) * (size / 16) + x / 16;
            const bool nucleus = std::hypot(x % 16 - 7.5, y % 16 - 7.5) < 5;
            const bool membrane = x % 16 == 0 || y % 16 == 0;
            const double h = nucleus ? 0.2 + 0.4 * ((cell * 37) % 11) / 10.0 : 0.05;
            const double d = membrane && cell % 3 ? 0.1 + 0.7 * ((cell * 13) % 7) / 6.0 : 0.0;
            for (int c = 0; c < 3; ++c) {
                const double od =
                    h * hematoxylin[static_cast<std::size_t>(c)] + d * v.dab[static_cast<std::size_t>(c)];
                rgb.at<cv::Vec3b>(y, x)[c] =
                    cv::saturate_cast<uchar>(245 * std::pow(10.0, -od) + rng.gaussian(1.5));
            }
        }
    return rgb;
}

double angleDeg(const std::array<double, 3>& a, const std::array<double, 3>& b) {
    const double dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    const double na = std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    const double nb = std::sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
    return std::acos(std::clamp(dot / (na * nb), -1.0, 1.0)) * 180.0 / 3.14159265358979;
}

}  // namespace

TEST(Ihc_StainSeparation, slide_hematoxylin_recovers_a_bluer_hematoxylin_and_removes_the_cross_talk) {
    // A hematoxylin absorbing more blue than Ruifrok's (as in many labs' scans): the default
    // vectors read part of every nucleus as DAB; the measured vector does not.
    const std::array<double, 3> bluer{0.60, 0.62, 0.50};
    const cv::Mat rgb = renderHematoxylinDab(bluer, 512, 3);
    const StainVectors est = StainSeparation::estimateHematoxylin(rgb);
    ASSERT_EQ(est.source, "slide-hematoxylin");
    EXPECT_LT(angleDeg(est.hematoxylin, bluer), 2.0);
    EXPECT_EQ(est.dab, StainVectors::defaultHDab().dab);
    // Nucleus centre of an unstained cell (cell index 1: no membrane DAB).
    const cv::Rect centre(16 + 6, 6, 4, 4);
    const double dabDefault = cv::mean(StainSeparation().separate(rgb).dab(centre))[0];
    const double dabMeasured = cv::mean(StainSeparation(est).separate(rgb).dab(centre))[0];
    EXPECT_GT(dabDefault, 0.05);
    EXPECT_LT(dabMeasured, 0.02);
}

TEST(Ihc_StainSeparation, slide_hematoxylin_keeps_the_default_when_it_is_right_or_there_are_no_nuclei) {
    const StainVectors def = StainVectors::defaultHDab();
    const StainVectors est =
        StainSeparation::estimateHematoxylin(renderHematoxylinDab(def.hematoxylin, 512, 4));
    EXPECT_LT(angleDeg(est.hematoxylin, def.hematoxylin), 1.5);
    // Pale tissue only: nothing dense enough to measure, so the defaults stay.
    const cv::Mat pale(256, 256, CV_8UC3, cv::Scalar(225, 215, 230));
    EXPECT_EQ(StainSeparation::estimateHematoxylin(pale).source, "default");
}

TEST(Ihc_StainSeparation, one_pass_with_od_sum_equals_separate_and_od_sum) {
    cv::Mat rgb(37, 53, CV_8UC3);
    cv::RNG(5).fill(rgb, cv::RNG::UNIFORM, 0, 256);
    StainVectors v = StainVectors::defaultHDab();
    v.hematoxylin = {0.6, 0.72, 0.34};  // not the default: a matrix of its own
    const StainSeparation sep(v);
    const auto st = sep.separate(rgb);
    cv::Mat h, d, sum;
    sep.separateWithOdSum(rgb, h, d, sum);
    EXPECT_EQ(cv::countNonZero(h != st.hematoxylin), 0);
    EXPECT_EQ(cv::countNonZero(d != st.dab), 0);
    EXPECT_EQ(cv::countNonZero(sum != StainSeparation::odSum(rgb)), 0);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x)
            ASSERT_EQ(sep.residual(rgb.at<cv::Vec3b>(y, x)), st.residual.at<float>(y, x)) << x << "," << y;
}

TEST(Ihc_StainSeparation, slide_hematoxylin_removes_an_off_reference_dab_from_the_hematoxylin) {
    // A DAB a quarter of the way from the reference towards hematoxylin (a darker, less
    // saturated brown): the reference matrix reads part of every membrane as hematoxylin,
    // where nuclei would then be found.
    const StainVectors def = StainVectors::defaultHDab();
    std::array<double, 3> dab{};
    for (std::size_t c = 0; c < 3; ++c) dab[c] = 0.75 * def.dab[c] + 0.25 * def.hematoxylin[c];
    const cv::Mat rgb = renderHematoxylinDab(def.hematoxylin, 512, 5, dab);
    const StainVectors est = StainSeparation::estimateHematoxylin(rgb);
    EXPECT_GT(est.dabLeak, 0.25);
    EXPECT_LT(est.dabLeak, 0.6);
    // A stained membrane (the top row of cell 34: DAB 0.22 over the 0.05 counterstain) and
    // the centre of an unstained nucleus.
    const cv::Rect membrane(32 + 4, 16, 8, 1), nucleus(16 + 6, 6, 4, 4);
    StainVectors noLeak = est;
    noLeak.dabLeak = 0;
    const auto with = StainSeparation(est).separate(rgb), without = StainSeparation(noLeak).separate(rgb);
    EXPECT_GT(cv::mean(without.hematoxylin(membrane))[0], 0.1);
    EXPECT_NEAR(cv::mean(with.hematoxylin(membrane))[0], 0.05, 0.025);
    EXPECT_NEAR(cv::mean(with.hematoxylin(nucleus))[0], cv::mean(without.hematoxylin(nucleus))[0], 0.01);
    // The DAB channel is the same either way.
    EXPECT_EQ(cv::countNonZero(with.dab != without.dab), 0);
}

TEST(Ihc_StainSeparation, dab_leak_is_small_with_the_reference_dab_and_zero_without_dab) {
    // With the reference DAB only the pale counterstain under the membranes reads as leak.
    const StainVectors def = StainVectors::defaultHDab();
    EXPECT_LT(StainSeparation::estimateHematoxylin(renderHematoxylinDab(def.hematoxylin, 512, 6)).dabLeak,
              0.15);
    // No DAB at all (HER2 0): nothing to measure.
    const cv::Mat rgb = renderHematoxylinDab(def.hematoxylin, 512, 7, {0, 0, 0});
    EXPECT_EQ(StainSeparation::estimateHematoxylin(rgb).dabLeak, 0.0);
}
