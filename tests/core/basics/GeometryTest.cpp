#include <gtest/gtest.h>

#include "her2/core/CellTable.hpp"
#include "her2/core/Geometry.hpp"
#include "her2/core/PixelCalibration.hpp"
#include "her2/core/Types.hpp"

using namespace her2::core;

TEST(Core_Geometry, polygonWithHoleContainsAndArea) {
    Polygon p;
    p.outer = {{0, 0}, {10, 0}, {10, 10}, {0, 10}};
    p.holes.push_back({{4, 4}, {6, 4}, {6, 6}, {4, 6}});
    EXPECT_TRUE(p.contains(1, 1));
    EXPECT_FALSE(p.contains(5, 5));
    EXPECT_FALSE(p.contains(11, 5));
    EXPECT_DOUBLE_EQ(p.area(), 96.0);
    EXPECT_EQ(p.bounds(), (RectI{0, 0, 10, 10}));
}

TEST(Core_Geometry, rectIntersection) {
    const RectI a{0, 0, 100, 50}, b{80, 40, 100, 100};
    EXPECT_EQ(a.intersected(b), (RectI{80, 40, 20, 10}));
    EXPECT_TRUE(a.intersected(RectI{200, 0, 5, 5}).empty());
}

TEST(Core_Calibration, uncalibratedFallsBackButSaysSo) {
    const auto c = PixelCalibration::uncalibrated();
    EXPECT_FALSE(c.calibrated());
    EXPECT_DOUBLE_EQ(c.mpp(), PixelCalibration::kFallbackMpp);
    const PixelCalibration d(0.5, 0.5, "openslide.mpp");
    EXPECT_TRUE(d.calibrated());
    EXPECT_DOUBLE_EQ(d.toPixels(10), 20);
    EXPECT_DOUBLE_EQ(d.areaToUm2(4), 1);
}

TEST(Core_CellTable, appendKeepsOutlinesAligned) {
    CellTable a, b;
    CellRecord r;
    r.x = 1;
    r.outline = {{0, 0}, {2, 0}, {2, 2}};
    a.append(r);
    r.x = 2;
    r.outline = {};
    r.nucleusOutline = {{5, 5}};
    b.append(r);
    r.x = 3;
    r.outline = {{7, 7}, {8, 8}};
    r.exclusion = CellExclusion::Lymphocyte;
    b.append(r);
    a.append(b);
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a.outline(0).size(), 3u);
    EXPECT_TRUE(a.outline(1).empty());
    EXPECT_EQ(a.outline(2), (std::vector<PointD>{{7, 7}, {8, 8}}));
    EXPECT_EQ(a.nucleusOutline(1), (std::vector<PointD>{{5, 5}}));
    EXPECT_FLOAT_EQ(a.row(2).x, 3);
    EXPECT_EQ(a.tumourCount(), 2u);
}

TEST(Core_Types, namesRoundTrip) {
    for (auto s : {Her2Score::Zero, Her2Score::One, Her2Score::Two, Her2Score::Three})
        EXPECT_EQ(parseHer2Score(toString(s)), s);
    EXPECT_EQ(toString(Her2Status::NotScorable), "not-scorable");
    EXPECT_EQ(toString(Her2LowCategory::ZeroUltralow), "0-ultralow");
    EXPECT_EQ(parseRuleSet("nsclc"), RuleSetId::Nsclc);
    EXPECT_FALSE(parseHer2Score("4+"));
}
