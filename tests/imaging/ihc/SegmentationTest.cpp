// Nuclei, cells and membrane measures on drawn synthetic images with known answers.
#include <cmath>
#include <numbers>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "her2/core/Params.hpp"
#include "her2/imaging/CellSegmenter.hpp"
#include "her2/imaging/MembraneAnalyzer.hpp"
#include "her2/imaging/NucleusSegmenter.hpp"

using namespace her2;
using imaging::MembraneAnalyzer;
using imaging::NucleusSegmenter;

namespace {

constexpr double kMpp = 0.5;

/// Hematoxylin OD image with filled discs (centre, radius in px) of OD 0.4 on 0.02.
cv::Mat drawNuclei(cv::Size size, const std::vector<std::pair<cv::Point, int>>& discs) {
    cv::Mat h(size, CV_32F, cv::Scalar(0.02));
    for (const auto& [c, r] : discs) cv::circle(h, c, r, cv::Scalar(0.4), cv::FILLED, cv::LINE_8);
    cv::GaussianBlur(h, h, cv::Size(), 0.7);
    return h;
}

int labelsCount(const cv::Mat& labels) {
    double mx = 0;
    cv::minMaxLoc(labels, nullptr, &mx);
    return static_cast<int>(mx);
}

/// A round cell: nucleus label disc of radius 8 px, cell label disc of radius 20 px, and a
/// DAB ring (OD `od`, width 3 px) at radius 18 covering `arcFraction` of the circle.
struct DrawnCell {
    cv::Mat dab, cells, nuclei;
    cv::Point2d centre{40, 40};
};

DrawnCell drawCell(double arcFraction, double od) {
    DrawnCell c;
    const cv::Size size(80, 80);
    c.dab = cv::Mat(size, CV_32F, cv::Scalar(0.01));
    c.cells = cv::Mat::zeros(size, CV_32S);
    c.nuclei = cv::Mat::zeros(size, CV_32S);
    const cv::Point centre(40, 40);
    cv::circle(c.cells, centre, 20, cv::Scalar(1), cv::FILLED);
    cv::circle(c.nuclei, centre, 8, cv::Scalar(1), cv::FILLED);
    if (arcFraction > 0)
        cv::ellipse(c.dab, centre, cv::Size(18, 18), 0, 0, 360 * arcFraction, cv::Scalar(od), 3, cv::LINE_8);
    return c;
}

}  // namespace

TEST(Ihc_NucleusSegmenter, splits_two_touching_nuclei) {
    core::IhcParams p;
    const cv::Mat h = drawNuclei({100, 80}, {{{38, 40}, 9}, {{56, 40}, 9}});
    const auto n = NucleusSegmenter(p, kMpp).segment(h);
    ASSERT_EQ(n.count, 2);
    EXPECT_NE(n.labels.at<int>(40, 33), n.labels.at<int>(40, 61));
    EXPECT_GT(n.labels.at<int>(40, 33), 0);
    EXPECT_GT(n.labels.at<int>(40, 61), 0);
}

TEST(Ihc_NucleusSegmenter, keeps_a_beaded_spindle_nucleus_whole) {
    // A fibroblast nucleus 3.5 µm wide and 28 µm long whose width swells and narrows along it:
    // the distance map dips between the swellings, and the split would make round pieces,
    // each counted as a tumour cell.
    cv::Mat h(60, 100, CV_32F, cv::Scalar(0.02));
    cv::line(h, {26, 30}, {74, 30}, cv::Scalar(0.4), 2, cv::LINE_8);  // 1-1.5 µm necks
    for (int x = 26; x <= 74; x += 12) cv::circle(h, {x, 30}, 3, cv::Scalar(0.4), cv::FILLED, cv::LINE_8);
    cv::GaussianBlur(h, h, cv::Size(), 0.7);
    core::IhcParams p;
    p.spindleMaxWidthUm = 0;  // without the join: split (the test's premise)
    EXPECT_GE(NucleusSegmenter(p, kMpp).segment(h).count, 2) << "premise";
    p = core::IhcParams{};
    const auto n = NucleusSegmenter(p, kMpp).segment(h);
    EXPECT_EQ(n.count, 1);
    EXPECT_EQ(n.labels.at<int>(30, 26), n.labels.at<int>(30, 74));
}

TEST(Ihc_NucleusSegmenter, still_splits_touching_lymphocyte_sized_nuclei) {
    // Two 6 µm nuclei touching: wider than a spindle, split as before.
    core::IhcParams p;
    const cv::Mat h = drawNuclei({100, 80}, {{{40, 40}, 6}, {{51, 40}, 6}});
    const auto n = NucleusSegmenter(p, kMpp).segment(h);
    ASSERT_EQ(n.count, 2);
    EXPECT_NE(n.labels.at<int>(40, 37), n.labels.at<int>(40, 54));
}

TEST(Ihc_NucleusSegmenter, keeps_one_round_nucleus_whole_and_drops_debris) {
    core::IhcParams p;
    const cv::Mat h = drawNuclei({100, 80}, {{{40, 40}, 10}, {{80, 20}, 1}});
    const auto n = NucleusSegmenter(p, kMpp).segment(h);
    EXPECT_EQ(n.count, 1);
    EXPECT_EQ(labelsCount(n.labels), 1);
    EXPECT_EQ(n.labels.at<int>(20, 80), 0);
}

TEST(Ihc_NucleusSegmenter, blank_gives_nothing) {
    core::IhcParams p;
    const cv::Mat h(64, 64, CV_32F, cv::Scalar(0.01));
    EXPECT_EQ(NucleusSegmenter(p, kMpp).segment(h).count, 0);
}

TEST(Ihc_CellSegmenter, cells_meet_on_the_dab_membrane) {
    core::IhcParams p;
    // Two nuclei 30 px apart; a DAB membrane line at x = 45 (off the mid-line at 40).
    const cv::Mat h = drawNuclei({90, 60}, {{{25, 30}, 6}, {{55, 30}, 6}});
    const auto nuclei = NucleusSegmenter(p, kMpp).segment(h);
    ASSERT_EQ(nuclei.count, 2);
    cv::Mat dab(h.size(), CV_32F, cv::Scalar(0.01));
    cv::line(dab, {45, 0}, {45, 59}, cv::Scalar(0.6), 2);
    const cv::Mat cells = imaging::CellSegmenter(p, kMpp).segment(nuclei, dab);
    const int left = cells.at<int>(30, 25), right = cells.at<int>(30, 55);
    ASSERT_NE(left, right);
    EXPECT_EQ(cells.at<int>(30, 42), left);   // left of the membrane
    EXPECT_EQ(cells.at<int>(30, 48), right);  // right of it
}

TEST(Ihc_CellSegmenter, territory_limited_to_max_radius) {
    core::IhcParams p;
    p.maxCellRadiusUm = 6;  // 12 px
    const cv::Mat h = drawNuclei({100, 100}, {{{50, 50}, 5}});
    const auto nuclei = NucleusSegmenter(p, kMpp).segment(h);
    ASSERT_EQ(nuclei.count, 1);
    const cv::Mat dab(h.size(), CV_32F, cv::Scalar(0.0));
    const cv::Mat cells = imaging::CellSegmenter(p, kMpp).segment(nuclei, dab);
    EXPECT_EQ(cells.at<int>(50, 60), 1);
    EXPECT_EQ(cells.at<int>(50, 64), 0);
    EXPECT_EQ(cells.at<int>(5, 5), 0);
}

TEST(Ihc_CellSegmenter, result_still_held_is_not_reused) {
    // The per-thread result buffer is reused only once nobody holds the previous result.
    core::IhcParams p;
    const cv::Mat h = drawNuclei({90, 60}, {{{25, 30}, 6}, {{55, 30}, 6}});
    const auto nuclei = NucleusSegmenter(p, kMpp).segment(h);
    ASSERT_EQ(nuclei.count, 2);
    const imaging::CellSegmenter segmenter(p, kMpp);
    cv::Mat dab(h.size(), CV_32F, cv::Scalar(0.01));
    cv::line(dab, {45, 0}, {45, 59}, cv::Scalar(0.6), 2);
    const cv::Mat first = segmenter.segment(nuclei, dab);
    const cv::Mat firstCopy = first.clone();
    const cv::Mat second = segmenter.segment(nuclei, cv::Mat(h.size(), CV_32F, cv::Scalar(0.01)));
    EXPECT_NE(first.data, second.data);
    EXPECT_EQ(cv::countNonZero(first != firstCopy), 0);
    EXPECT_NE(cv::countNonZero(first != second), 0);
    const cv::Mat third = segmenter.segment(nuclei, dab);
    EXPECT_EQ(cv::countNonZero(third != firstCopy), 0);
}

TEST(Ihc_MembraneAnalyzer, full_ring_is_complete) {
    core::IhcParams p;
    const DrawnCell c = drawCell(1.0, 0.5);
    const auto m = MembraneAnalyzer(p, kMpp).measure(c.dab, c.cells, c.nuclei, 1, c.centre);
    EXPECT_NEAR(m.completeness, 1.0, 0.03);
    EXPECT_NEAR(m.odMean, 0.5, 0.1);
    EXPECT_NEAR(m.odMax, 0.5, 0.05);
    EXPECT_GT(m.thicknessUm, 0.5);
    EXPECT_LT(m.thicknessUm, 3.0);
    EXPECT_LT(m.cytoplasmOd, 0.05);
}

TEST(Ihc_MembraneAnalyzer, half_ring_is_half_complete) {
    core::IhcParams p;
    const DrawnCell c = drawCell(0.5, 0.3);
    const auto m = MembraneAnalyzer(p, kMpp).measure(c.dab, c.cells, c.nuclei, 1, c.centre);
    EXPECT_NEAR(m.completeness, 0.5, 0.06);
    EXPECT_NEAR(m.odMean, 0.3, 0.08);
}

TEST(Ihc_MembraneAnalyzer, unstained_cell_is_zero) {
    core::IhcParams p;
    const DrawnCell c = drawCell(0.0, 0.0);
    const auto m = MembraneAnalyzer(p, kMpp).measure(c.dab, c.cells, c.nuclei, 1, c.centre);
    EXPECT_EQ(m.completeness, 0.0);
    EXPECT_EQ(m.odMean, 0.0);
    EXPECT_GE(m.outline.size(), 8u);
}

TEST(Ihc_MembraneAnalyzer, quarter_ring_is_a_quarter) {
    core::IhcParams p;
    const DrawnCell c = drawCell(0.25, 0.2);
    const auto m = MembraneAnalyzer(p, kMpp).measure(c.dab, c.cells, c.nuclei, 1, c.centre);
    EXPECT_NEAR(m.completeness, 0.25, 0.06);
}
