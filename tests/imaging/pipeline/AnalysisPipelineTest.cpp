// The whole-slide IHC pipeline on small in-memory slides: tiling and merge, cancel, ROI,
// and refusals of input that is not a DAB IHC.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <memory>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "MatSource.hpp"
#include "her2/core/Errors.hpp"
#include "her2/imaging/AnalysisPipeline.hpp"
#include "her2/imaging/IhcPhantom.hpp"
#include "her2/imaging/SlideSource.hpp"
#include "her2/imaging/StainSeparation.hpp"
#include "her2/imaging/TileGrid.hpp"
#include "her2/imaging/TissueDetector.hpp"

using namespace her2;
using her2test::MatSource;
using imaging::AnalysisPipeline;
using imaging::AssayRequest;

namespace {

constexpr double kMpp = 0.25;

/// A 320 x 320 µm phantom field: strong complete membranes in most tumour cells.
const cv::Mat& phantomField() {
    static const cv::Mat rgb = [] {
        imaging::IhcPhantomSpec spec;
        spec.seed = 7;
        spec.width = 1280;
        spec.height = 1280;
        spec.mpp = kMpp;
        spec.tissueMarginUm = 10;
        spec.tumourFraction = 0.8;
        spec.classes[3] = {0.7, {1, 0, 0}};
        return imaging::renderIhcRegion(spec, {0, 0, spec.width, spec.height});
    }();
    return rgb;
}

core::AnalysisParams smallTiles(int threads) {
    core::AnalysisParams p;
    p.tiling.tileSizeUm = 96;  // several tiles on a small field
    p.tiling.threads = threads;
    return p;
}

imaging::SlideAnalysis runIhc(const imaging::SlideSource& s, const core::AnalysisParams& p,
                              const std::optional<core::MultiPolygon>& roi = std::nullopt) {
    core::NullProgress progress;
    core::CancelToken cancel;
    return AnalysisPipeline::run(s, p, roi, progress, cancel, AssayRequest::Ihc);
}

/// Cancels the token on the first tile progress report.
class CancelOnProgress final : public core::ProgressSink {
public:
    explicit CancelOnProgress(core::CancelToken& t) : m_token(t) {}
    void progress(double fraction, std::string_view stage) override {
        if (stage == "tiles" && fraction > 0.02) m_token.cancel();
    }

private:
    core::CancelToken& m_token;
};

/// Runs the IHC pipeline on `s` and expects a refusal (not scorable, no score) whose reason
/// names `why`.
void expectRefused(const imaging::SlideSource& s, const core::AnalysisParams& p, const std::string& why) {
    const auto a = runIhc(s, p);
    EXPECT_EQ(a.report.status, core::Her2Status::NotScorable);
    EXPECT_FALSE(a.report.score.has_value());
    EXPECT_NE(a.report.reason.find(why), std::string::npos) << a.report.reason;
}

/// Marker ink (RGB colour `ink`) over `rgb` where `mask` is set: 85% of the light passes
/// through the ink's colour, as through a felt-pen stroke.
void paintInk(cv::Mat& rgb, const cv::Mat& mask, const cv::Vec3d& ink) {
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x)
            if (mask.at<unsigned char>(y, x)) {
                cv::Vec3b& p = rgb.at<cv::Vec3b>(y, x);
                for (int c = 0; c < 3; ++c)
                    p[c] = cv::saturate_cast<unsigned char>(p[c] * (0.15 + 0.85 * ink[c] / 255));
            }
}

/// The slide at a path under the shared test data, with `mpp` where the file has none.
std::unique_ptr<imaging::SlideSource> testSlide(const std::string& relative, double mpp = 0.25) {
    auto s = imaging::openSlide(std::filesystem::path(HER2_TESTDATA_DIR) / relative);
    if (!s->calibration().calibrated()) s->setCalibration({mpp, mpp, "test: assumed"});
    return s;
}

}  // namespace

TEST(Pipeline_Ihc, scores_a_strong_phantom_positive) {
    const MatSource s(phantomField(), kMpp);
    const auto a = runIhc(s, smallTiles(2));
    ASSERT_GT(a.cells.size(), 200u);
    ASSERT_TRUE(a.report.score.has_value()) << a.report.reason;
    EXPECT_EQ(*a.report.score, core::Her2Score::Three) << a.report.reason;
    EXPECT_GT(a.analysedAreaMm2, 0.05);
    EXPECT_EQ(a.assay, core::Assay::Ihc);
    EXPECT_EQ(a.cells.outlineStart.size(), a.cells.size() + 1);
}

TEST(Pipeline_Ihc, tile_merge_identical_for_one_and_two_threads) {
    const MatSource s(phantomField(), kMpp);
    const auto a = runIhc(s, smallTiles(1));
    const auto b = runIhc(s, smallTiles(2));
    ASSERT_EQ(a.cells.size(), b.cells.size());
    EXPECT_EQ(a.cells.x, b.cells.x);
    EXPECT_EQ(a.cells.y, b.cells.y);
    EXPECT_EQ(a.cells.membraneOdMean, b.cells.membraneOdMean);
    EXPECT_EQ(a.cells.completeness, b.cells.completeness);
    EXPECT_EQ(a.cells.score, b.cells.score);
    EXPECT_EQ(a.cells.exclusion, b.cells.exclusion);
    EXPECT_EQ(a.cells.outlineXY, b.cells.outlineXY);
    EXPECT_EQ(a.report.ihc.percent, b.report.ihc.percent);
}

TEST(Pipeline_Ihc, no_cell_is_reported_twice_across_tiles) {
    const MatSource s(phantomField(), kMpp);
    const auto a = runIhc(s, smallTiles(2));
    const double minGap = 2.0 / kMpp;  // two nuclei are never within 2 µm
    std::size_t close = 0;
    for (std::size_t i = 0; i < a.cells.size(); ++i)
        for (std::size_t j = i + 1; j < a.cells.size(); ++j)
            if (std::hypot(a.cells.x[i] - a.cells.x[j], a.cells.y[i] - a.cells.y[j]) < minGap) ++close;
    EXPECT_EQ(close, 0u);
}

TEST(Pipeline_Ihc, cancel_throws_cancelled_error) {
    const MatSource s(phantomField(), kMpp);
    core::CancelToken cancel;
    CancelOnProgress progress(cancel);
    EXPECT_THROW(AnalysisPipeline::run(s, smallTiles(2), std::nullopt, progress, cancel, AssayRequest::Ihc),
                 core::CancelledError);
    core::CancelToken already;
    already.cancel();
    core::NullProgress quiet;
    EXPECT_THROW(AnalysisPipeline::run(s, smallTiles(1), std::nullopt, quiet, already, AssayRequest::Ihc),
                 core::CancelledError);
}

TEST(Pipeline_Ihc, roi_with_a_hole_excludes_cells_inside_it) {
    const MatSource s(phantomField(), kMpp);
    core::MultiPolygon roi;
    core::Polygon poly;
    poly.outer = {{100, 100}, {1180, 100}, {1180, 1180}, {100, 1180}};
    poly.holes.push_back({{400, 400}, {880, 400}, {880, 880}, {400, 880}});
    roi.polygons.push_back(poly);
    const auto a = runIhc(s, smallTiles(2), roi);
    ASSERT_GT(a.cells.size(), 50u);
    for (std::size_t i = 0; i < a.cells.size(); ++i) {
        const double x = a.cells.x[i], y = a.cells.y[i];
        EXPECT_TRUE(roi.contains(x, y)) << x << "," << y;
        EXPECT_FALSE(x > 400 && x < 880 && y > 400 && y < 880) << x << "," << y;
    }
    const auto all = runIhc(s, smallTiles(2));
    EXPECT_LT(a.cells.size(), all.cells.size());
    EXPECT_LT(a.analysedAreaMm2, all.analysedAreaMm2);
}

TEST(Pipeline_Ihc, blank_slide_is_not_scorable_no_tissue) {
    cv::Mat blank(800, 800, CV_8UC3, cv::Scalar(238, 236, 240));
    cv::Mat noise(blank.size(), CV_8UC3);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(2));
    blank += noise;
    const MatSource s(blank, kMpp);
    expectRefused(s, smallTiles(2), "no tissue found");
}

TEST(Pipeline_Ihc, refusal_of_an_uncalibrated_image_names_the_assumed_pixel_size) {
    // Sizes in µm decide what a nucleus is: without a pixel size in the file the refusal may
    // come from the assumed one, and its one-line reason says how to give the real one.
    cv::Mat blank(800, 800, CV_8UC3, cv::Scalar(238, 236, 240));
    const MatSource uncalibrated(blank, 0);
    expectRefused(uncalibrated, smallTiles(2), "no pixel size: 0.25 µm/px assumed; give --mpp");
    const MatSource calibrated(blank, kMpp);
    const auto a = runIhc(calibrated, smallTiles(2));
    EXPECT_EQ(a.report.reason.find("--mpp"), std::string::npos) << a.report.reason;
}

TEST(Pipeline_Ihc, fluorescence_like_image_is_not_scorable_no_dab) {
    // Dark background with bright blue nuclei and red/green dots, as a FISH composite.
    cv::Mat img(800, 800, CV_8UC3, cv::Scalar(8, 8, 10));
    cv::RNG rng(3);
    for (int i = 0; i < 120; ++i) {
        const cv::Point c(rng.uniform(20, 780), rng.uniform(20, 780));
        cv::circle(img, c, 18, cv::Scalar(20, 30, 170), cv::FILLED);  // RGB: blue DAPI
        cv::circle(img, c + cv::Point(5, 3), 2, cv::Scalar(230, 40, 40), cv::FILLED);
        cv::circle(img, c - cv::Point(4, 5), 2, cv::Scalar(40, 230, 40), cv::FILLED);
    }
    const MatSource s(img, kMpp);
    expectRefused(s, smallTiles(2), "no DAB stain found");
    EXPECT_EQ(AnalysisPipeline::detectAssay(s), core::Assay::Fish);
}

TEST(Pipeline_Ihc, he_like_slide_is_not_scorable_no_dab) {
    // Pink eosin tissue with blue-purple hematoxylin nuclei, no brown.
    cv::Mat img(800, 800, CV_8UC3, cv::Scalar(245, 245, 245));
    cv::rectangle(img, {60, 60}, {740, 740}, cv::Scalar(236, 150, 200), cv::FILLED);
    cv::RNG rng(5);
    for (int i = 0; i < 350; ++i) {
        const cv::Point c(rng.uniform(70, 730), rng.uniform(70, 730));
        cv::ellipse(img, c, {14, 11}, rng.uniform(0, 180), 0, 360, cv::Scalar(95, 60, 150), cv::FILLED);
    }
    cv::GaussianBlur(img, img, cv::Size(), 1.0);
    const MatSource s(img, kMpp);
    expectRefused(s, smallTiles(2), "no DAB stain found");
}

TEST(Pipeline_Ihc, grey_image_is_not_scorable_not_scored_zero) {
    // A greyscale export of a 3+ field: without colour, DAB and hematoxylin cannot be told
    // apart, and the deconvolution would read no DAB at all: a false 0.
    cv::Mat grey, rgb;
    cv::cvtColor(phantomField(), grey, cv::COLOR_RGB2GRAY);
    cv::cvtColor(grey, rgb, cv::COLOR_GRAY2RGB);
    const MatSource s(rgb, kMpp);
    expectRefused(s, smallTiles(2), "grey");
}

TEST(Pipeline_Ihc, marker_ink_is_left_out_and_named) {
    // A green and a blue-green pen stroke, 60 µm wide, across a 3+ field: ink reads as stain
    // (on a 0 phantom, thin green strokes over a tenth of the tissue made 3% of its cells 1+).
    // A deep blue pen is too close to hematoxylin to be told from it over tissue.
    cv::Mat inked = phantomField().clone();
    cv::Mat mask(inked.size(), CV_8U, cv::Scalar(0));
    cv::line(mask, {0, 300}, {1279, 520}, 255, 240);
    const cv::Mat green = mask.clone();
    mask.setTo(0);
    cv::line(mask, {200, 1279}, {640, 0}, 255, 240);
    const cv::Mat blueGreen = mask;
    paintInk(inked, green, {40, 150, 90});
    paintInk(inked, blueGreen, {30, 140, 160});
    const MatSource s(inked, kMpp);
    const auto a = runIhc(s, smallTiles(2));
    ASSERT_TRUE(a.report.score.has_value()) << a.report.reason;
    ASSERT_GT(a.cells.size(), 100u);
    for (std::size_t i = 0; i < a.cells.size(); ++i) {
        const int x = static_cast<int>(a.cells.x[i]), y = static_cast<int>(a.cells.y[i]);
        EXPECT_FALSE(green.at<unsigned char>(y, x) || blueGreen.at<unsigned char>(y, x)) << x << "," << y;
    }
    ASSERT_FALSE(a.warnings.empty());
    EXPECT_NE(a.warnings.back().find("marker ink"), std::string::npos) << a.warnings.back();
    // Without ink, no ink warning.
    const MatSource clean(phantomField(), kMpp);
    const auto b = runIhc(clean, smallTiles(2));
    for (const auto& w : b.warnings) EXPECT_EQ(w.find("ink"), std::string::npos) << w;
}

TEST(Pipeline_Ihc, ink_inside_the_tissue_and_outside_the_roi) {
    // A green dot 100 µm across inside the tissue: it stays out of the analysed area although
    // the tissue mask fills holes of that size; an ROI beside it leaves no ink to warn about.
    cv::Mat inked = phantomField().clone();
    cv::Mat dot(inked.size(), CV_8U, cv::Scalar(0));
    cv::circle(dot, {640, 640}, 200, 255, cv::FILLED);
    paintInk(inked, dot, {40, 150, 90});
    const MatSource s(inked, kMpp), clean(phantomField(), kMpp);
    const double dotMm2 = M_PI * 50 * 50 * 1e-6;
    const auto a = runIhc(s, smallTiles(2)), b = runIhc(clean, smallTiles(2));
    EXPECT_LT(a.analysedAreaMm2, b.analysedAreaMm2 - dotMm2);
    ASSERT_FALSE(a.warnings.empty());
    EXPECT_NE(a.warnings.back().find("marker ink"), std::string::npos);
    core::MultiPolygon roi;
    core::Polygon left;
    left.outer = {{0, 0}, {300, 0}, {300, 1280}, {0, 1280}};
    roi.polygons.push_back(left);
    const auto c = runIhc(s, smallTiles(2), roi);
    for (const auto& w : c.warnings) EXPECT_EQ(w.find("ink"), std::string::npos) << w;
}

TEST(Pipeline_Ihc, a_small_piece_of_tissue_on_dim_glass_is_not_grey) {
    // 150 µm of a 3+ field on a wide, dim (228) glass: the glass is grey, the tissue is not.
    cv::Mat canvas(4800, 4800, CV_8UC3, cv::Scalar(228, 228, 228));
    phantomField()(cv::Rect(340, 340, 600, 600)).copyTo(canvas(cv::Rect(2100, 2100, 600, 600)));
    const MatSource s(canvas, kMpp);
    const auto a = runIhc(s, smallTiles(2));
    EXPECT_EQ(a.report.reason.find("grey"), std::string::npos) << a.report.reason;
}

TEST(Pipeline_Ihc, dark_reddish_dab_is_not_taken_for_eosin) {
    // The 3+ field with its DAB 8 degrees towards eosin and twice as dark: the reference
    // matrix reads a fifth of that DAB as eosin, on much of the tissue. Still a DAB IHC.
    const imaging::StainSeparation ref;
    const auto st = ref.separate(phantomField());
    const auto v = imaging::StainVectors::defaultHDab();
    std::array<double, 3> dab{};
    double n = 0;
    for (std::size_t c = 0; c < 3; ++c) n += std::pow(dab[c] = 0.86 * v.dab[c] + 0.14 * v.residual[c], 2);
    for (auto& d : dab) d /= std::sqrt(n);
    cv::Mat rgb(phantomField().size(), CV_8UC3);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x)
            for (std::size_t c = 0; c < 3; ++c) {
                const double od = st.hematoxylin.at<float>(y, x) * v.hematoxylin[c] +
                                  st.residual.at<float>(y, x) * v.residual[c] +
                                  2 * st.dab.at<float>(y, x) * dab[c];
                rgb.at<cv::Vec3b>(y, x)[static_cast<int>(c)] =
                    cv::saturate_cast<unsigned char>(255 * std::pow(10.0, -od));
            }
    const MatSource s(rgb, kMpp);
    const auto a = runIhc(s, smallTiles(2));
    ASSERT_TRUE(a.report.score.has_value()) << a.report.reason;
    EXPECT_EQ(*a.report.score, core::Her2Score::Three);
}

TEST(Pipeline_Ihc, real_he_slides_are_refused_as_eosin_not_scored) {
    // Real H&E scans: an Aperio resection (the estimated hematoxylin vector and the DAB
    // channel take up much of its eosin) and a TCGA frozen section. Neither may get a score.
    for (const char* name : {"slides/cmu-1-small-region.svs", "slides/tcga-cr-7395-01a-01-ts1.svs"}) {
        SCOPED_TRACE(name);
        expectRefused(*testSlide(name), core::AnalysisParams{}, "eosin");
    }
}

TEST(Pipeline_Ihc, real_dab_ihc_is_not_refused_as_eosin) {
    // Real DAB IHC regions from another lab (DeepLIIF): scored, never taken for H&E.
    for (const char* name :
         {"ihc/deepliif-rois/ROI_1.png", "ihc/deepliif-rois/ROI_7.png", "ihc/deepliif-rois/ROI_127.png"}) {
        const auto s = testSlide(name);
        const auto a = runIhc(*s, core::AnalysisParams{});
        EXPECT_TRUE(a.report.score.has_value()) << name << ": " << a.report.reason;
        EXPECT_EQ(a.report.reason.find("eosin"), std::string::npos) << name << ": " << a.report.reason;
        for (const auto& w : a.warnings) EXPECT_EQ(w.find("ink"), std::string::npos) << name << ": " << w;
    }
}

TEST(Pipeline_Ihc, nuclei_of_a_real_dab_region_are_nucleus_sized_and_round) {
    // DeepLIIF ROI 1: brown cytoplasm whose DAB is a few degrees off the reference vector.
    // Read with the reference DAB, that brown shows in the hematoxylin channel and nuclei
    // grew over their cytoplasm (median circularity 0.81, 90th percentile area 146 µm²);
    // with the slide's DAB leak removed they are round and 6-7 µm across.
    const auto s = testSlide("ihc/deepliif-rois/ROI_1.png");
    const auto a = runIhc(*s, core::AnalysisParams{});
    ASSERT_GT(a.cells.size(), 500u);
    std::vector<float> area(a.cells.nucleusAreaUm2.begin(), a.cells.nucleusAreaUm2.end());
    std::vector<float> round(a.cells.nucleusCircularity.begin(), a.cells.nucleusCircularity.end());
    std::sort(area.begin(), area.end());
    std::sort(round.begin(), round.end());
    EXPECT_GE(round[round.size() / 2], 0.9f);
    EXPECT_LE(area[area.size() * 9 / 10], 100.f);
}

TEST(Pipeline_Ihc, negative_phantom_scores_zero_not_refused) {
    imaging::IhcPhantomSpec spec;
    spec.seed = 11;
    spec.width = 1280;
    spec.height = 1280;
    spec.mpp = kMpp;
    spec.tissueMarginUm = 10;
    spec.tumourFraction = 0.8;
    const MatSource s(imaging::renderIhcRegion(spec, {0, 0, spec.width, spec.height}), kMpp);
    const auto a = runIhc(s, smallTiles(2));
    ASSERT_TRUE(a.report.score.has_value()) << a.report.reason;
    EXPECT_EQ(*a.report.score, core::Her2Score::Zero);
    EXPECT_EQ(AnalysisPipeline::detectAssay(s), core::Assay::Ihc);
}

TEST(Pipeline_Tissue, blank_image_has_no_tissue_and_a_blob_has) {
    const imaging::TissueDetector det{core::TilingParams{}};
    const core::PixelCalibration cal(8, 8, "test");
    cv::Mat blank(200, 200, CV_8UC3, cv::Scalar(242, 241, 244));
    cv::Mat noise(blank.size(), CV_8UC3);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(2));
    blank += noise;
    EXPECT_TRUE(det.detect(blank, 1.0, cal).empty());
    cv::Mat tissue = blank.clone();
    cv::circle(tissue, {100, 100}, 50, cv::Scalar(190, 160, 190), cv::FILLED);
    const auto map = det.detect(tissue, 1.0, cal);
    ASSERT_FALSE(map.empty());
    EXPECT_NEAR(map.areaUm2, M_PI * 50 * 50 * 64, 0.1 * M_PI * 50 * 50 * 64);
    EXPECT_TRUE(map.contains(100, 100));
    EXPECT_FALSE(map.contains(10, 10));
    ASSERT_EQ(map.polygons.polygons.size(), 1u);
    EXPECT_TRUE(map.polygons.contains(100, 100));
}
