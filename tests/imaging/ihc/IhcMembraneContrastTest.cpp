// Membrane versus cytoplasm: a pathologist scores only membranous DAB. Cells whose brown fills
// the cytoplasm evenly must not count as membrane-stained; the same DAB on the membrane must.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "her2/core/Params.hpp"
#include "her2/core/ScoringRules.hpp"
#include "her2/imaging/IhcAnalyzer.hpp"
#include "her2/imaging/MembraneAnalyzer.hpp"
#include "her2/imaging/StainSeparation.hpp"

using namespace her2;

namespace {

constexpr double kMpp = 0.5;
constexpr int kSpacing = 28;  // px between nuclei: 14 µm cells
constexpr int kCells = 6;     // per side
constexpr int kMargin = 14;   // px of tissue around the lattice
constexpr float kDabOd = 0.5f;

enum class Dab { Membrane, Cytoplasm };

/// Bright-field RGB of a square lattice of cells (Beer-Lambert with the default stain
/// vectors): hematoxylin nuclei (radius 7 px, 0.45 OD) on a 0.05 OD counterstained cytoplasm,
/// and DAB of kDabOd either on the 1.5 µm wide borders between cells or filling the cytoplasm
/// evenly with a fine grain (not on the nuclei).
cv::Mat drawTissue(Dab where) {
    const int side = 2 * kMargin + kCells * kSpacing;
    cv::Mat h(side, side, CV_32F, cv::Scalar(0.05)), d(side, side, CV_32F, cv::Scalar(0.0));
    if (where == Dab::Membrane) {
        for (int i = 0; i <= kCells; ++i) {
            const int at = kMargin + i * kSpacing;
            cv::line(d, {at, kMargin}, {at, side - kMargin}, cv::Scalar(kDabOd), 3);
            cv::line(d, {kMargin, at}, {side - kMargin, at}, cv::Scalar(kDabOd), 3);
        }
    } else {
        // Granular, as cytoplasmic precipitate is (about 0.01 OD after smoothing): a perfectly
        // flat profile would hide where a ray's peak falls.
        cv::Mat grain(side, side, CV_32F);
        cv::RNG rng(7);
        rng.fill(grain, cv::RNG::NORMAL, 0.0, 0.04);
        cv::GaussianBlur(grain, grain, cv::Size(), 1.0);
        const cv::Rect lattice(kMargin, kMargin, kCells * kSpacing, kCells * kSpacing);
        d(lattice).setTo(cv::Scalar(kDabOd));
        d(lattice) += grain(lattice);
    }
    for (int i = 0; i < kCells; ++i)
        for (int j = 0; j < kCells; ++j) {
            const cv::Point c(kMargin + kSpacing / 2 + i * kSpacing, kMargin + kSpacing / 2 + j * kSpacing);
            cv::circle(h, c, 7, cv::Scalar(0.45), cv::FILLED);
            cv::circle(d, c, 7, cv::Scalar(0.0), cv::FILLED);
        }
    cv::GaussianBlur(h, h, cv::Size(), 0.7);
    cv::GaussianBlur(d, d, cv::Size(), 0.7);
    const auto hv = imaging::StainVectors::defaultHDab().hematoxylin;
    const auto dv = imaging::StainVectors::defaultHDab().dab;
    cv::Mat rgb(side, side, CV_8UC3);
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
            const double ho = h.at<float>(y, x), doo = d.at<float>(y, x);
            cv::Vec3b& px = rgb.at<cv::Vec3b>(y, x);
            for (int c = 0; c < 3; ++c)
                px[c] = cv::saturate_cast<unsigned char>(245.0 * std::pow(10.0, -(ho * hv[c] + doo * dv[c])));
        }
    return rgb;
}

struct Tally {
    int cells = 0, membranePositive = 0, complete = 0;
    double cytoplasmOd = 0;
};

/// Cells whose centroid lies at least one cell inside the lattice edge (whole neighbours all
/// round), analysed by IhcAnalyzer.
Tally analyse(const cv::Mat& rgb, const core::IhcParams& params) {
    const imaging::IhcAnalyzer analyzer(params, core::RuleSetId::Breast, kMpp);
    const core::CellTable cells = analyzer.analyze(rgb);
    Tally t;
    const double lo = kMargin + kSpacing, hi = kMargin + (kCells - 1) * kSpacing;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (cells.x[i] < lo || cells.x[i] > hi || cells.y[i] < lo || cells.y[i] > hi) continue;
        ++t.cells;
        t.membranePositive += cells.intensity[i] != core::IntensityClass::Negative;
        t.complete += cells.pattern[i] == core::MembranePattern::Complete;
        t.cytoplasmOd += cells.cytoplasmOd[i];
    }
    if (t.cells) t.cytoplasmOd /= t.cells;
    return t;
}

/// One drawn cell for MembraneAnalyzer alone: nucleus radius 8 px, territory radius 20 px,
/// DAB `cyto` inside the territory off the nucleus and `ring` on a 3 px ring at radius 18.
imaging::MembraneMeasures drawnCell(const core::IhcParams& p, float cyto, float ring) {
    const cv::Size size(80, 80);
    const cv::Point c(40, 40);
    cv::Mat dab(size, CV_32F, cv::Scalar(0.01)), cells = cv::Mat::zeros(size, CV_32S),
                                                 nuclei = cv::Mat::zeros(size, CV_32S);
    cv::circle(cells, c, 20, cv::Scalar(1), cv::FILLED);
    cv::circle(nuclei, c, 8, cv::Scalar(1), cv::FILLED);
    cv::circle(dab, c, 20, cv::Scalar(cyto), cv::FILLED);
    cv::circle(dab, c, 8, cv::Scalar(0.01), cv::FILLED);
    if (ring > 0) cv::circle(dab, c, 18, cv::Scalar(ring), 3, cv::LINE_8);
    return imaging::MembraneAnalyzer(p, kMpp).measure(dab, cells, nuclei, 1, cv::Point2d(40, 40));
}

}  // namespace

TEST(Ihc_MembraneContrast, membrane_dab_is_membrane_positive_and_complete) {
    const core::IhcParams p;
    const Tally t = analyse(drawTissue(Dab::Membrane), p);
    ASSERT_GE(t.cells, 12);
    EXPECT_EQ(t.membranePositive, t.cells);
    EXPECT_GE(t.complete, t.cells * 9 / 10);
    EXPECT_LT(t.cytoplasmOd, 0.1);
}

TEST(Ihc_MembraneContrast, cytoplasmic_dab_is_not_membrane_staining) {
    const core::IhcParams p;
    const Tally t = analyse(drawTissue(Dab::Cytoplasm), p);
    ASSERT_GE(t.cells, 12);
    EXPECT_EQ(t.membranePositive, 0);
    // The brown is measured, and reported as cytoplasm.
    EXPECT_NEAR(t.cytoplasmOd, kDabOd, 0.1);
}

TEST(Ihc_MembraneContrast, without_the_contrast_test_cytoplasmic_dab_reads_as_membrane) {
    // The failure the contrast test prevents: with ihc.membrane_contrast_od = 0 every ray's
    // peak in the brown cytoplasm counts as a stained membrane.
    core::IhcParams p;
    p.membraneContrastOd = 0;
    const Tally t = analyse(drawTissue(Dab::Cytoplasm), p);
    ASSERT_GE(t.cells, 12);
    EXPECT_GT(t.membranePositive, t.cells / 2);
}

TEST(Ihc_MembraneContrast, membrane_above_brown_cytoplasm_still_counts) {
    core::IhcParams p;
    // 0.45 OD membrane over 0.2 OD cytoplasm: accentuated, complete, strong.
    const auto m = drawnCell(p, 0.2f, 0.45f);
    EXPECT_NEAR(m.cytoplasmOd, 0.2, 0.03);
    EXPECT_GE(m.completeness, 0.9);
    EXPECT_GE(m.odMean, 0.35);
    // Flat 0.3 OD cytoplasm up to the territory edge: no membrane.
    const auto flat = drawnCell(p, 0.3f, 0.0f);
    EXPECT_NEAR(flat.cytoplasmOd, 0.3, 0.03);
    EXPECT_LT(flat.completeness, p.minStainedFraction);
    // A membrane only slightly above its cytoplasm (less than the contrast) is not stained.
    const auto weak = drawnCell(p, 0.3f, 0.33f);
    EXPECT_LT(weak.completeness, p.minStainedFraction);
    // The contrast is a parameter: lowered below that step, the same membrane counts.
    p.membraneContrastOd = 0.01;
    const auto lowered = drawnCell(p, 0.3f, 0.33f);
    EXPECT_GE(lowered.completeness, 0.9);
}
