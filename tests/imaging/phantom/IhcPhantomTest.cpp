// IHC phantom: determinism, tile independence, exact counts, truth against pixels, files.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "PhantomTestUtil.hpp"
#include "her2/core/Errors.hpp"
#include "her2/imaging/IhcPhantom.hpp"
#include "her2/imaging/SlideSource.hpp"
#include "her2/imaging/StainSeparation.hpp"

namespace {

using namespace her2;
using imaging::IhcPhantom;
using imaging::IhcPhantomSpec;

IhcPhantomSpec smallSpec(std::uint64_t seed = 7) {
    IhcPhantomSpec s;
    s.seed = seed;
    s.width = 1000;
    s.height = 1000;
    s.classes[1] = {0.2, {0.3, 0.3, 0.4}};
    s.classes[2] = {0.2, {0.5, 0.3, 0.2}};
    s.classes[3] = {0.2, {0.6, 0.2, 0.2}};
    s.heterogeneity = 0.5;
    return s;
}

std::uint64_t fnv(const cv::Mat& m) {
    std::uint64_t h = 1469598103934665603ULL;
    for (int y = 0; y < m.rows; ++y) {
        const auto* p = m.ptr<std::uint8_t>(y);
        for (std::size_t k = 0; k < m.cols * m.elemSize(); ++k) h = (h ^ p[k]) * 1099511628211ULL;
    }
    return h;
}

bool equalMats(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.type() != b.type()) return false;
    cv::Mat diff;
    cv::absdiff(a.reshape(1), b.reshape(1), diff);
    return cv::countNonZero(diff) == 0;
}

/// Perimeter walk of a convex polygon: points every `step` px with the inward unit normal.
struct PerimeterSample {
    double x, y, nx, ny;
};
std::vector<PerimeterSample> walk(const std::vector<core::PointD>& poly, double step) {
    double cx = 0, cy = 0;
    for (const auto& p : poly) {
        cx += p.x;
        cy += p.y;
    }
    cx /= static_cast<double>(poly.size());
    cy /= static_cast<double>(poly.size());
    std::vector<PerimeterSample> out;
    for (std::size_t e = 0; e < poly.size(); ++e) {
        const auto& a = poly[e];
        const auto& b = poly[(e + 1) % poly.size()];
        const double len = std::hypot(b.x - a.x, b.y - a.y);
        double nx = -(b.y - a.y) / len, ny = (b.x - a.x) / len;
        if (nx * (cx - a.x) + ny * (cy - a.y) < 0) {
            nx = -nx;
            ny = -ny;
        }
        for (double t = step / 2; t < len; t += step)
            out.push_back({a.x + (b.x - a.x) * t / len, a.y + (b.y - a.y) * t / len, nx, ny});
    }
    return out;
}

float bilinear(const cv::Mat& m, double x, double y) {
    const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
    const double fx = x - x0, fy = y - y0;
    auto at = [&](int xx, int yy) {
        xx = std::clamp(xx, 0, m.cols - 1);
        yy = std::clamp(yy, 0, m.rows - 1);
        return static_cast<double>(m.at<float>(yy, xx));
    };
    return static_cast<float>((at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) +
                              (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy);
}

bool inside(const std::vector<core::PointD>& poly, double margin, double w, double h) {
    for (const auto& p : poly)
        if (p.x < margin || p.y < margin || p.x > w - margin || p.y > h - margin) return false;
    return true;
}

TEST(IhcPhantom, deterministic_for_a_seed) {
    const auto spec = smallSpec();
    const core::RectI r{0, 0, 600, 500};
    const auto a = IhcPhantom(spec).render(r);
    const auto b = IhcPhantom(spec).render(r);
    ASSERT_EQ(a.type(), CV_8UC3);
    EXPECT_EQ(fnv(a), fnv(b));
    auto other = spec;
    other.seed = 8;
    EXPECT_NE(fnv(a), fnv(IhcPhantom(other).render(r)));
    const auto ta = IhcPhantom(spec).truth(), tb = IhcPhantom(spec).truth();
    ASSERT_EQ(ta.cells.size(), tb.cells.size());
    for (std::size_t k = 0; k < ta.cells.size(); ++k) {
        EXPECT_EQ(ta.cells[k].id, tb.cells[k].id);
        EXPECT_EQ(ta.cells[k].completeness, tb.cells[k].completeness);
    }
}

TEST(IhcPhantom, tile_alone_equals_crop_of_larger_render) {
    const IhcPhantom ph(smallSpec());
    const core::RectI big{0, 0, 1000, 1000};
    const auto whole = ph.render(big);
    const auto wholeOd = ph.renderOd(big);
    for (const core::RectI r :
         {core::RectI{512, 512, 256, 256}, core::RectI{37, 411, 301, 97}, core::RectI{900, 0, 100, 1000}}) {
        const cv::Rect cr(static_cast<int>(r.x), static_cast<int>(r.y), static_cast<int>(r.width),
                          static_cast<int>(r.height));
        EXPECT_TRUE(equalMats(ph.render(r), whole(cr))) << r.x << "," << r.y;
        EXPECT_TRUE(equalMats(ph.renderOd(r), wholeOd(cr))) << r.x << "," << r.y;
    }
    // Beyond the slide: glass.
    const auto outside = ph.render({-300, -300, 64, 64});
    cv::Scalar mean = cv::mean(outside);
    EXPECT_GT(mean[0], 225);
    EXPECT_GT(mean[2], 225);
}

TEST(IhcPhantom, class_counts_are_exact) {
    for (double f : {0.0, 0.08, 0.12, 0.37}) {
        auto spec = smallSpec(11);
        spec.mpp = 0.5;  // layout only: 500 x 500 µm
        spec.classes[1] = {f, {0, 0, 1}};
        spec.classes[2] = {f / 2, {1, 0, 0}};
        spec.classes[3] = {0.1, {0, 1, 0}};
        const auto t = IhcPhantom(spec).truth();
        ASSERT_GT(t.tumourCells, 200u);
        const double n = static_cast<double>(t.tumourCells);
        EXPECT_EQ(t.classCounts[1], static_cast<std::size_t>(std::llround(f * n)));
        EXPECT_EQ(t.classCounts[2], static_cast<std::size_t>(std::llround(f / 2 * n)));
        EXPECT_EQ(t.classCounts[3], static_cast<std::size_t>(std::llround(0.1 * n)));
        EXPECT_EQ(t.classCounts[0] + t.classCounts[1] + t.classCounts[2] + t.classCounts[3], t.tumourCells);
        std::array<std::size_t, 4> seen{};
        for (const auto& c : t.cells)
            if (c.isTumour()) {
                ++seen[static_cast<std::size_t>(c.intensity)];
                if (c.intensity == core::IntensityClass::Faint) {
                    EXPECT_EQ(c.pattern, core::MembranePattern::Incomplete);
                    EXPECT_GE(c.completeness, 0.15 - 1e-6);
                    EXPECT_LE(c.completeness, 0.45 + 1e-6);
                }
                if (c.intensity == core::IntensityClass::Strong) {
                    EXPECT_EQ(c.pattern, core::MembranePattern::LateralBasolateral);
                    EXPECT_GE(c.completeness, 0.55 - 1e-6);
                    EXPECT_LE(c.completeness, 0.80 + 1e-6);
                }
            }
        EXPECT_EQ(seen, t.classCounts);
    }
}

// The stained fraction of each truth outline, sampled on the noise-free DAB OD just inside
// the outline at the rendered resolution, matches the truth completeness.
TEST(IhcPhantom, completeness_matches_pixels) {
    const auto spec = smallSpec(21);
    const IhcPhantom ph(spec);
    const auto truth = ph.truth();
    const cv::Mat od = ph.renderOd({0, 0, spec.width, spec.height});
    std::vector<cv::Mat> ch;
    cv::split(od, ch);
    const cv::Mat& dab = ch[1];
    int checked = 0, bad = 0;
    double worst = 0;
    for (const auto& c : truth.cells) {
        if (!c.isTumour() || !inside(c.polygon, 8, 1000, 1000)) continue;
        const double inset = std::max(c.membraneWidthUm, 0.3) / spec.mpp / 2;
        const auto samples = walk(c.polygon, 0.5);
        int stained = 0;
        for (const auto& s : samples)
            if (bilinear(dab, s.x + s.nx * inset, s.y + s.ny * inset) >= 0.05) ++stained;
        const double frac = static_cast<double>(stained) / static_cast<double>(samples.size());
        const double err = std::abs(frac - c.completeness);
        worst = std::max(worst, err);
        if (err > 0.06) ++bad;
        ++checked;
    }
    ASSERT_GT(checked, 100);
    EXPECT_LE(bad, checked / 100) << "worst " << worst;
    EXPECT_LT(worst, 0.12);
}

TEST(IhcPhantom, cytoplasm_blush_stays_below_stained_threshold) {
    auto spec = smallSpec(5);
    spec.classes[1] = {};
    spec.classes[2] = {};
    spec.classes[3] = {0.9, {1, 0, 0}};
    spec.cytoplasmBlush = 1.0;  // the most blush the spec allows
    const IhcPhantom ph(spec);
    const auto truth = ph.truth();
    const cv::Mat od = ph.renderOd({0, 0, spec.width, spec.height});
    std::vector<cv::Mat> ch;
    cv::split(od, ch);
    cv::Mat mask(od.size(), CV_8U, cv::Scalar(0)), nuclei(od.size(), CV_8U, cv::Scalar(0));
    for (const auto& c : truth.cells) {
        if (!c.isTumour() || c.intensity != core::IntensityClass::Strong) continue;
        // Cytoplasm: deeper inside the polygon than the membrane band and the blur.
        std::vector<cv::Point> pts;
        for (const auto& p : c.polygon)
            pts.emplace_back(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
        const cv::Rect roi =
            (cv::boundingRect(pts) + cv::Size(4, 4) - cv::Point(2, 2)) & cv::Rect(0, 0, od.cols, od.rows);
        cv::Mat local(roi.size(), CV_8U, cv::Scalar(0));
        cv::fillPoly(local, std::vector<std::vector<cv::Point>>{pts}, cv::Scalar(255), cv::LINE_8, 0,
                     -roi.tl());
        cv::Mat depth;
        cv::distanceTransform(local, depth, cv::DIST_L2, 3);
        const double minDepth = (c.membraneWidthUm + 0.8) / spec.mpp;
        cv::Mat deep = depth > minDepth;
        mask(roi).setTo(255, deep);
        std::vector<cv::Point> np;
        for (const auto& p : c.nucleusOutline)
            np.emplace_back(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
        cv::fillPoly(nuclei, std::vector<std::vector<cv::Point>>{np}, cv::Scalar(255));
    }
    cv::dilate(nuclei, nuclei, cv::Mat(), cv::Point(-1, -1), 2);
    mask.setTo(0, nuclei);
    ASSERT_GT(cv::countNonZero(mask), 10000);
    double maxOd = 0;
    cv::Point where;
    cv::minMaxLoc(ch[1], nullptr, &maxOd, nullptr, &where, mask);
    EXPECT_LT(maxOd, 0.05) << where;
}

TEST(IhcPhantom, stain_vectors_jittered_around_ruifrok_johnston) {
    const auto a = IhcPhantom(smallSpec(1)).stains();
    const auto b = IhcPhantom(smallSpec(2)).stains();
    EXPECT_NE(a.dab, b.dab);
    const auto ref = imaging::StainVectors::defaultHDab();
    auto angle = [](const std::array<double, 3>& u, const std::array<double, 3>& v) {
        const double nu = std::sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
        const double nv = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        return std::acos(std::clamp((u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (nu * nv), -1.0, 1.0)) * 180 /
               M_PI;
    };
    for (const auto& s : {a, b}) {
        EXPECT_LT(angle(s.hematoxylin, ref.hematoxylin), 10);
        EXPECT_LT(angle(s.dab, ref.dab), 10);
        EXPECT_GT(s.background[0], 230);
    }
}

TEST(IhcPhantom, bad_spec_is_a_parameter_error) {
    auto bad = [](auto change) {
        auto s = smallSpec();
        change(s);
        return s;
    };
    EXPECT_THROW(IhcPhantom(bad([](IhcPhantomSpec& s) { s.width = 0; })), core::ParameterError);
    EXPECT_THROW(IhcPhantom(bad([](IhcPhantomSpec& s) { s.mpp = -1; })), core::ParameterError);
    EXPECT_THROW(IhcPhantom(bad([](IhcPhantomSpec& s) { s.classes[3].fraction = 0.7; })),
                 core::ParameterError);
    EXPECT_THROW(IhcPhantom(bad([](IhcPhantomSpec& s) {
                     s.classes[2].patterns = {0, 0, 0};
                 })),
                 core::ParameterError);
    EXPECT_THROW(IhcPhantom(bad([](IhcPhantomSpec& s) { s.heterogeneity = 2; })), core::ParameterError);
    EXPECT_THROW(IhcPhantom(bad([](IhcPhantomSpec& s) {
                     s.biopsyClusterCells = 5;
                     s.biopsyClusterClass = core::IntensityClass::Negative;
                 })),
                 core::ParameterError);
    EXPECT_THROW(IhcPhantom(bad([](IhcPhantomSpec& s) { s.tileSize = 100; })), core::ParameterError);
    EXPECT_THROW(IhcPhantom(smallSpec()).render({0, 0, 0, 10}), core::ParameterError);
}

TEST(IhcPhantom, truth_json_round_trip) {
    her2test::TempDir dir("ihc-json");
    const auto truth = IhcPhantom(smallSpec(3)).truth("round-trip");
    const auto path = dir.path() / "t.truth.json";
    imaging::writeTruthJson(truth, path);
    const auto back = imaging::readIhcTruthJson(path);
    EXPECT_EQ(back.name, "round-trip");
    EXPECT_EQ(back.spec.seed, truth.spec.seed);
    EXPECT_EQ(back.spec.width, truth.spec.width);
    EXPECT_DOUBLE_EQ(back.spec.classes[2].fraction, truth.spec.classes[2].fraction);
    EXPECT_EQ(back.tumourCells, truth.tumourCells);
    EXPECT_EQ(back.classCounts, truth.classCounts);
    EXPECT_EQ(back.stains.dab, truth.stains.dab);
    ASSERT_EQ(back.expected.size(), truth.expected.size());
    for (std::size_t k = 0; k < truth.expected.size(); ++k) {
        EXPECT_EQ(back.expected[k].ruleSet, truth.expected[k].ruleSet);
        EXPECT_EQ(back.expected[k].specimen, truth.expected[k].specimen);
        EXPECT_EQ(back.expected[k].score, truth.expected[k].score);
        EXPECT_EQ(back.expected[k].status, truth.expected[k].status);
        EXPECT_EQ(back.expected[k].her2Low, truth.expected[k].her2Low);
    }
    ASSERT_EQ(back.cells.size(), truth.cells.size());
    for (std::size_t k = 0; k < truth.cells.size(); ++k) {
        const auto &a = truth.cells[k], &b = back.cells[k];
        EXPECT_EQ(a.id, b.id);
        EXPECT_EQ(a.type, b.type);
        EXPECT_EQ(a.intensity, b.intensity);
        EXPECT_EQ(a.pattern, b.pattern);
        EXPECT_NEAR(a.completeness, b.completeness, 1e-6);
        EXPECT_NEAR(a.membraneOd, b.membraneOd, 1e-6);
        EXPECT_NEAR(a.x, b.x, 1e-3);
        ASSERT_EQ(a.polygon.size(), b.polygon.size());
        for (std::size_t p = 0; p < a.polygon.size(); ++p) EXPECT_NEAR(a.polygon[p].y, b.polygon[p].y, 1e-3);
        EXPECT_EQ(a.nucleusOutline.size(), b.nucleusOutline.size());
    }
    // No temporary file is left behind.
    int files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
    EXPECT_EQ(files, 1);

    EXPECT_THROW(imaging::readIhcTruthJson(dir.path() / "missing.json"), core::InputError);
    const auto broken = dir.path() / "broken.json";
    std::ofstream(broken) << "{\"format\": \"her2scope-ihc-phantom-truth\",\n \"version\": 1,, }";
    EXPECT_THROW(imaging::readIhcTruthJson(broken), core::ParseError);
    const auto wrong = dir.path() / "wrong.json";
    std::ofstream(wrong) << "{\"format\": \"something-else\"}";
    EXPECT_THROW(imaging::readIhcTruthJson(wrong), core::ParseError);
}

TEST(IhcPhantom, standard_cases_give_their_intended_scores) {
    const auto cases = imaging::standardIhcCases();
    std::vector<std::string> names;
    for (const auto& c : cases) names.push_back(c.name);
    for (const char* required :
         {"breast-0-null", "breast-0-ultralow", "breast-1plus", "breast-2plus", "breast-2plus-unusual",
          "breast-3plus", "breast-near-8pct", "breast-near-12pct", "gastric-1plus", "gastric-2plus",
          "gastric-3plus", "gastric-biopsy-4", "gastric-biopsy-6", "breast-heterogeneous"})
        EXPECT_NE(std::find(names.begin(), names.end(), required), names.end()) << required;
    for (const auto& c : cases) {
        const auto truth = IhcPhantom(c.spec).truth(c.name);
        const auto* e = truth.expectedFor(c.ruleSet, c.specimen);
        ASSERT_NE(e, nullptr) << c.name;
        ASSERT_TRUE(e->score.has_value()) << c.name << ": " << e->reason;
        EXPECT_EQ(*e->score, c.intendedScore) << c.name << ": " << e->reason;
        if (c.intendedHer2Low) {
            ASSERT_TRUE(e->her2Low.has_value()) << c.name;
            EXPECT_EQ(*e->her2Low, *c.intendedHer2Low) << c.name << ": " << e->reason;
        }
    }
    ASSERT_TRUE(imaging::findIhcCase("gastric-biopsy-6").has_value());
    EXPECT_FALSE(imaging::findIhcCase("no-such-case").has_value());
}

/// One written slide shared by the file tests (rendering it is the slow part).
class IhcPhantomFile : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_dir = std::make_unique<her2test::TempDir>("ihc-file");
        IhcPhantomSpec spec;
        spec.seed = 42;
        spec.width = 2100;
        spec.height = 1100;
        spec.tileSize = 256;
        spec.heterogeneity = 1;
        spec.heterogeneityScaleUm = 250;
        spec.tumourFraction = 0.75;
        spec.classes[1] = {0.25, {1, 0, 0}};
        spec.classes[2] = {0.25, {1, 0, 0}};
        spec.classes[3] = {0.25, {1, 0, 0}};
        s_path = s_dir->path() / "slide.tif";
        s_truth = imaging::writeIhcPhantom(spec, s_path, "file-test", 2);
    }
    static void TearDownTestSuite() { s_dir.reset(); }
    static std::unique_ptr<her2test::TempDir> s_dir;
    static std::filesystem::path s_path;
    static imaging::IhcPhantomTruth s_truth;
};
std::unique_ptr<her2test::TempDir> IhcPhantomFile::s_dir;
std::filesystem::path IhcPhantomFile::s_path;
imaging::IhcPhantomTruth IhcPhantomFile::s_truth;

TEST_F(IhcPhantomFile, opens_with_mpp_and_levels) {
    const auto slide = imaging::openSlide(s_path);
    EXPECT_EQ(slide->width(), 2100);
    EXPECT_EQ(slide->height(), 1100);
    ASSERT_EQ(slide->levels().size(), 3u);
    EXPECT_EQ(slide->levels()[1].width, 1050);
    const auto cal = slide->calibration();
    ASSERT_TRUE(cal.calibrated());
    EXPECT_NEAR(cal.mppX(), 0.25, 1e-3);
    EXPECT_TRUE(std::filesystem::exists(imaging::truthPathFor(s_path)));
    EXPECT_EQ(imaging::truthPathFor(s_path).filename(), "slide.truth.json");
    const auto back = imaging::readIhcTruthJson(imaging::truthPathFor(s_path));
    EXPECT_EQ(back.cells.size(), s_truth.cells.size());
    // The JPEG tiles stay close to the in-memory render.
    const IhcPhantom ph(s_truth.spec);
    const core::RectI r{700, 300, 256, 256};
    cv::Mat diff;
    cv::absdiff(slide->readRegion(r, 0), ph.render(r), diff);
    EXPECT_LT(cv::mean(diff)[0], 4.0);
}

// Per-class membrane OD as an analyser at 0.5 µm/px sees it: JPEG tiles read back, reduced
// to 0.5 µm/px, deconvolved with the default Ruifrok-Johnston vectors, stained pixels
// (>= 0.05) in a band of +-1.5 µm around each complete truth outline.
TEST_F(IhcPhantomFile, membrane_od_per_class_at_half_micron) {
    const auto slide = imaging::openSlide(s_path);
    const cv::Mat rgb = slide->readRegion({0, 0, 2100, 1100}, 0);
    cv::Mat half;
    cv::resize(rgb, half, cv::Size(1050, 550), 0, 0, cv::INTER_AREA);
    const imaging::StainSeparation sep;
    const cv::Mat dab = sep.separate(half).dab;
    std::array<std::vector<double>, 4> perCell;
    cv::Mat band(half.size(), CV_8U);
    // Cells next to a cell of another class see its membrane in their band too; the class
    // check uses cells among their own kind.
    std::vector<const imaging::IhcTruthCell*> tumour;
    for (const auto& c : s_truth.cells)
        if (c.isTumour()) tumour.push_back(&c);
    auto mixedNeighbourhood = [&](const imaging::IhcTruthCell& c) {
        for (const auto* o : tumour)
            if (o != &c && o->intensity != c.intensity &&
                std::hypot(o->x - c.x, o->y - c.y) < 1.6 * 15 / 0.25)
                return true;
        return false;
    };
    for (const auto& c : s_truth.cells) {
        if (!c.isTumour() || !inside(c.polygon, 20, 2100, 1100) || mixedNeighbourhood(c)) continue;
        if (c.intensity != core::IntensityClass::Negative && c.pattern != core::MembranePattern::Complete)
            continue;
        // Outline in half-resolution pixels (a full pixel centre x maps to (x - 0.5) / 2),
        // with 2 bits of sub-pixel precision.
        std::vector<cv::Point> pts;
        for (const auto& p : c.polygon)
            pts.emplace_back(static_cast<int>(std::lround((p.x - 0.5) * 2)),
                             static_cast<int>(std::lround((p.y - 0.5) * 2)));
        cv::Rect roi = cv::boundingRect(pts);
        roi = cv::Rect(roi.x / 4 - 6, roi.y / 4 - 6, roi.width / 4 + 12, roi.height / 4 + 12) &
              cv::Rect(0, 0, half.cols, half.rows);
        band(roi).setTo(0);
        cv::polylines(band, std::vector<std::vector<cv::Point>>{pts}, true, cv::Scalar(255), 7, cv::LINE_8,
                      2);
        double sum = 0;
        int n = 0;
        for (int y = roi.y; y < roi.y + roi.height; ++y)
            for (int x = roi.x; x < roi.x + roi.width; ++x)
                if (band.at<std::uint8_t>(y, x) && dab.at<float>(y, x) >= 0.05f) {
                    sum += dab.at<float>(y, x);
                    ++n;
                }
        perCell[static_cast<std::size_t>(c.intensity)].push_back(n ? sum / n : 0.0);
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.empty() ? 0.0 : v[v.size() / 2];
    };
    const double faint = median(perCell[1]), moderate = median(perCell[2]), strong = median(perCell[3]);
    std::cout << "[ measured  ] membrane DAB OD at 0.5 um/px (median of per-cell stained means): faint "
              << faint << " (" << perCell[1].size() << " cells), weak-moderate " << moderate << " ("
              << perCell[2].size() << "), strong " << strong << " (" << perCell[3].size() << ")\n";
    RecordProperty("faint_od", std::to_string(faint));
    RecordProperty("moderate_od", std::to_string(moderate));
    RecordProperty("strong_od", std::to_string(strong));
    ASSERT_GT(perCell[1].size(), 20u);
    ASSERT_GT(perCell[2].size(), 20u);
    ASSERT_GT(perCell[3].size(), 20u);
    // Well inside the class ranges (faint 0.05-0.18, weak-moderate 0.18-0.45, strong >= 0.45).
    EXPECT_GT(faint, 0.08);
    EXPECT_LT(faint, 0.15);
    EXPECT_GT(moderate, 0.23);
    EXPECT_LT(moderate, 0.38);
    EXPECT_GT(strong, 0.55);
    // Nearly every cell lands in its own class.
    auto within = [](const std::vector<double>& v, double lo, double hi) {
        return static_cast<double>(
                   std::count_if(v.begin(), v.end(), [&](double x) { return x >= lo && x < hi; })) /
               static_cast<double>(v.size());
    };
    EXPECT_GT(within(perCell[1], 0.05, 0.18), 0.9);
    EXPECT_GT(within(perCell[2], 0.18, 0.45), 0.9);
    EXPECT_GT(within(perCell[3], 0.45, 10), 0.9);
}

}  // namespace
