#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "RuleTestUtil.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/ScoringRules.hpp"

using namespace her2::core;
using her2::test::addCell;

namespace {

using IC = IntensityClass;
using MP = MembranePattern;
using S = Her2Score;

constexpr double kMpp = 0.5;  // µm per px in these tests

struct StainedCell {
    IC intensity;
    MP pattern;
};

/// A line of stained cells `spacingUm` apart from the origin, then `background` unstained
/// tumour cells on a 100 µm lattice far to the right (never cohesive with anything).
CellTable biopsyCells(const std::vector<StainedCell>& line, double spacingUm, std::size_t background = 200) {
    CellTable t;
    for (std::size_t i = 0; i < line.size(); ++i)
        addCell(t, static_cast<double>(i) * spacingUm / kMpp, 0, line[i].intensity, line[i].pattern);
    for (std::size_t i = 0; i < background; ++i)
        addCell(t, (10000.0 + static_cast<double>(i % 20) * 100) / kMpp,
                static_cast<double>(i / 20) * 100 / kMpp, IC::Negative, MP::None);
    return t;
}

std::vector<StainedCell> repeat(std::size_t n, IC in, MP pa) {
    return std::vector<StainedCell>(n, {in, pa});
}

struct ClusterCase {
    std::string name;
    std::string ruleSet;
    std::string specimen;
    std::vector<StainedCell> line;
    double spacingUm;
    std::optional<S> score;
    std::optional<Her2LowCategory> low;
    std::string reasonPart;
};

class Rules_BiopsyCluster : public ::testing::TestWithParam<ClusterCase> {};

TEST_P(Rules_BiopsyCluster, scoresTheLargestCohesiveCluster) {
    const ClusterCase& c = GetParam();
    RuleParams p;
    p.ruleSet = c.ruleSet;
    p.specimen = c.specimen;
    const ScoreReport r = scoreIhc(biopsyCells(c.line, c.spacingUm), PixelCalibration(kMpp, kMpp, "test"), p);
    EXPECT_EQ(r.score, c.score) << r.reason;
    EXPECT_EQ(r.her2Low, c.low) << r.reason;
    EXPECT_NE(r.reason.find(c.reasonPart), std::string::npos)
        << "reason: " << r.reason << "\nwanted: " << c.reasonPart;
    if (c.specimen != "resection") {
        EXPECT_EQ(r.specimen, Specimen::Biopsy);
        EXPECT_DOUBLE_EQ(r.ihc.cohesionDistanceUm, 20.0);
    }
}

std::string caseName(const ::testing::TestParamInfo<ClusterCase>& info) {
    return info.param.name;
}

const auto kStrong = StainedCell{IC::Strong, MP::Complete};
const auto kWeak = StainedCell{IC::WeakModerate, MP::Complete};

INSTANTIATE_TEST_SUITE_P(
    GastricAndNsclc, Rules_BiopsyCluster,
    ::testing::Values(
        ClusterCase{"gastric_4_cohesive_is_0", "gastric", "biopsy", repeat(4, IC::Strong, MP::Complete), 10,
                    S::Zero, Her2LowCategory::ZeroUltralow,
                    "largest cohesive cluster of stained cells 4, fewer than 5"},
        ClusterCase{
            "gastric_5_cohesive_is_3plus", "gastric", "biopsy", repeat(5, IC::Strong, MP::Complete), 10,
            S::Three, Her2LowCategory::Three,
            "3+: a cluster of 5 cohesive tumour cells (centroids within 20 µm) shows strong complete or "
            "lateral/basolateral staining (at least 5 cells), 2.4% of 205 tumour cells"},
        ClusterCase{"gastric_5_not_cohesive_is_0", "gastric", "biopsy", repeat(5, IC::Strong, MP::Complete),
                    25, S::Zero, Her2LowCategory::ZeroUltralow,
                    "largest cohesive cluster of stained cells 1"},
        ClusterCase{"gastric_5_at_exactly_20um_is_3plus", "gastric", "biopsy",
                    repeat(5, IC::Strong, MP::Complete), 20, S::Three, Her2LowCategory::Three,
                    "a cluster of 5"},
        ClusterCase{"gastric_5_at_20_5um_is_0", "gastric", "biopsy", repeat(5, IC::Strong, MP::Complete),
                    20.5, S::Zero, Her2LowCategory::ZeroUltralow, "fewer than 5"},
        ClusterCase{"gastric_lateral_counts_as_complete", "gastric", "biopsy",
                    repeat(5, IC::WeakModerate, MP::LateralBasolateral), 10, S::Two, Her2LowCategory::Two,
                    "2+: a cluster of 5"},
        ClusterCase{"gastric_cluster_at_2plus_counts_3plus_cells",
                    "gastric",
                    "biopsy",
                    {kStrong, kWeak, kStrong, kWeak, kStrong},
                    10,
                    S::Two,
                    Her2LowCategory::Two,
                    "2+: a cluster of 5"},
        ClusterCase{"gastric_faint_cluster_is_1plus", "gastric", "biopsy",
                    repeat(5, IC::Faint, MP::Incomplete), 10, S::One, Her2LowCategory::One,
                    "1+: a cluster of 5"},
        ClusterCase{"gastric_no_staining_is_0_null",
                    "gastric",
                    "biopsy",
                    {},
                    10,
                    S::Zero,
                    Her2LowCategory::ZeroNull,
                    "0 (null): none of 200 tumour cells"},
        ClusterCase{"gastric_resection_ignores_clusters", "gastric", "resection",
                    repeat(5, IC::Strong, MP::Complete), 10, S::Zero, Her2LowCategory::ZeroUltralow,
                    "below 10%"},
        ClusterCase{"nsclc_auto_is_biopsy_4_cells", "nsclc", "auto", repeat(4, IC::Strong, MP::Complete), 10,
                    S::Zero, Her2LowCategory::ZeroUltralow, "fewer than 5"},
        ClusterCase{"nsclc_auto_is_biopsy_5_cells", "nsclc", "auto", repeat(5, IC::Strong, MP::Complete), 10,
                    S::Three, Her2LowCategory::Three, "3+: a cluster of 5"}),
    caseName);

TEST(Rules_BiopsyCluster, largestClusterPerClassIsReported) {
    RuleParams p;
    p.ruleSet = "gastric";
    p.specimen = "biopsy";
    const auto r = scoreIhc(biopsyCells({kStrong, kWeak, kStrong, kWeak, kStrong}, 12),
                            PixelCalibration(kMpp, kMpp, "t"), p);
    EXPECT_EQ(r.ihc.largestCluster[3], 1u);  // strong cells are 24 µm apart
    EXPECT_EQ(r.ihc.largestCluster[2], 5u);
    EXPECT_EQ(r.ihc.largestCluster[1], 5u);
    EXPECT_EQ(r.ihc.largestCluster[0], 0u);  // not computed
}

TEST(Rules_BiopsyCluster, cohesionUsesTheCalibration) {
    // Cells 44 px apart: 22 µm at 0.5 µm/px (apart), 11 µm uncalibrated at 0.25 (cohesive).
    CellTable t;
    for (int i = 0; i < 5; ++i) addCell(t, i * 44.0, 0, IC::Strong, MP::Complete);
    for (int i = 0; i < 200; ++i) addCell(t, 1e6 + i * 1000.0, 0, IC::Negative, MP::None);
    RuleParams p;
    p.ruleSet = "gastric";
    p.specimen = "biopsy";
    EXPECT_EQ(scoreIhc(t, PixelCalibration(0.5, 0.5, "t"), p).score, S::Zero);
    EXPECT_EQ(scoreIhc(t, PixelCalibration::uncalibrated(), p).score, S::Three);
    p.cohesionDistanceUm = 22;
    EXPECT_EQ(scoreIhc(t, PixelCalibration(0.5, 0.5, "t"), p).score, S::Three);
    p.clusterMinCells = 6;
    EXPECT_EQ(scoreIhc(t, PixelCalibration(0.5, 0.5, "t"), p).score, S::Zero);
}

TEST(Rules_BiopsyCluster, twoSmallClustersDoNotAddUp) {
    CellTable t;
    for (int i = 0; i < 3; ++i) addCell(t, i * 20.0, 0, IC::Strong, MP::Complete);
    for (int i = 0; i < 3; ++i) addCell(t, 200 + i * 20.0, 0, IC::Strong, MP::Complete);  // 80 µm away
    for (int i = 0; i < 200; ++i) addCell(t, 1e6 + i * 1000.0, 0, IC::Negative, MP::None);
    RuleParams p;
    p.ruleSet = "gastric";
    p.specimen = "biopsy";
    const auto r = scoreIhc(t, PixelCalibration(0.5, 0.5, "t"), p);
    EXPECT_EQ(r.score, S::Zero) << r.reason;
    EXPECT_EQ(r.ihc.largestCluster[3], 3u);
}

// findCohesiveClusters against a brute-force O(n²) search on random points.
std::vector<std::uint32_t> bruteForceLabels(const std::vector<double>& x, const std::vector<double>& y,
                                            double d) {
    const std::size_t n = x.size();
    std::vector<std::uint32_t> label(n, UINT32_MAX);
    std::uint32_t next = 0;
    for (std::size_t s = 0; s < n; ++s) {
        if (label[s] != UINT32_MAX) continue;
        std::vector<std::size_t> stack{s};
        label[s] = next;
        while (!stack.empty()) {
            const std::size_t i = stack.back();
            stack.pop_back();
            for (std::size_t j = 0; j < n; ++j)
                if (label[j] == UINT32_MAX && std::hypot(x[i] - x[j], y[i] - y[j]) <= d) {
                    label[j] = next;
                    stack.push_back(j);
                }
        }
        ++next;
    }
    return label;
}

// Extents 200 and 600 µm use the directly indexed grid, 2000 µm the hashed one.
TEST(Rules_CohesiveClusters, matchesBruteForceOnRandomPoints) {
    std::mt19937 rng(12345);
    for (double extent : {200.0, 600.0, 2000.0}) {
        std::uniform_real_distribution<double> u(-extent, extent);
        std::vector<double> x(2500), y(2500);
        for (std::size_t i = 0; i < x.size(); ++i) {
            x[i] = u(rng);
            y[i] = u(rng);
        }
        const auto fast = findCohesiveClusters(x, y, 15);
        const auto slow = bruteForceLabels(x, y, 15);
        // Both label in order of first appearance, so the labels must be identical.
        ASSERT_EQ(fast.label, slow) << "extent " << extent;
        EXPECT_EQ(std::accumulate(fast.sizes.begin(), fast.sizes.end(), std::size_t{0}), x.size());
    }
}

TEST(Rules_CohesiveClusters, edgeCases) {
    EXPECT_EQ(findCohesiveClusters({}, {}, 15).largest(), 0u);
    const std::vector<double> one{3.0};
    EXPECT_EQ(findCohesiveClusters(one, one, 15).largest(), 1u);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> x{0, 10, nan, 20, 1e300}, y{0, 0, 0, 0, 0};
    const auto c = findCohesiveClusters(x, y, 15);
    EXPECT_EQ(c.largest(), 3u);
    EXPECT_EQ(c.sizes.size(), 3u);
    EXPECT_EQ(c.label[2], 1u);  // NaN stays alone
    const std::vector<double> negative{-10, -25, -40, 5};
    EXPECT_EQ(findCohesiveClusters(negative, std::vector<double>(4, -7.5), 15).largest(), 4u);
    EXPECT_THROW(findCohesiveClusters(x, std::vector<double>{1}, 15), ParameterError);
    EXPECT_THROW(findCohesiveClusters(x, y, 0), ParameterError);
    EXPECT_THROW(findCohesiveClusters(x, y, nan), ParameterError);
}

TEST(Rules_CohesiveClusters, millionCellBiopsyRunsFast) {
    // 1,000 x 1,000 cells 10 µm apart with ±1 µm jitter: all cohesive at 15 µm. 5% are
    // strong complete at random, so small 3+ clusters exist somewhere.
    constexpr int kSide = 1000;
    CellTable t;
    t.reserve(static_cast<std::size_t>(kSide) * kSide);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> jitter(-1, 1);
    std::uniform_int_distribution<int> pick(0, 99);
    for (int row = 0; row < kSide; ++row)
        for (int col = 0; col < kSide; ++col) {
            const int k = pick(rng);
            const IC in = k < 5 ? IC::Strong : k < 15 ? IC::WeakModerate : k < 40 ? IC::Faint : IC::Negative;
            const MP pa = k < 15 ? MP::Complete : k < 40 ? MP::Incomplete : MP::None;
            addCell(t, (col * 10 + jitter(rng)) / kMpp, (row * 10 + jitter(rng)) / kMpp, in, pa);
        }
    RuleParams p;
    p.ruleSet = "gastric";
    p.specimen = "biopsy";
    // CPU time as well as wall time: on a shared build machine the wall time mostly
    // measures the other jobs.
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpuStart = std::clock();
    const ScoreReport r = scoreIhc(t, PixelCalibration(kMpp, kMpp, "t"), p);
    const double cpu = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    RecordProperty("cpu_seconds", std::to_string(cpu));
    std::printf("[ info ] 1,000,000-cell biopsy scored in %.3f s CPU (%.3f s wall)\n", cpu, seconds);
    EXPECT_EQ(r.ihc.tumourCells, 1000000u);
    // The whole lattice is one cohesive cluster.
    std::vector<double> xs(t.size()), ys(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        xs[i] = t.x[i] * kMpp;
        ys[i] = t.y[i] * kMpp;
    }
    EXPECT_EQ(findCohesiveClusters(xs, ys, 15).largest(), 1000000u);
    EXPECT_GE(r.ihc.largestCluster[3], 5u);
    EXPECT_LT(r.ihc.largestCluster[3], 1000u);  // 5% is far below percolation
    EXPECT_EQ(r.score, S::Three) << r.reason;
}

}  // namespace

namespace {

TEST(Rules_BiopsyCluster, nsclcNeedsFiveStainedCellsEvenWithSmallerClusters) {
    // A lab that accepts clusters of 3 still needs 5 stained cells for NSCLC 2+/3+.
    RuleParams p;
    p.ruleSet = "nsclc";
    p.clusterMinCells = 3;
    const auto four = biopsyCells(repeat(4, IC::Strong, MP::Complete), 10);
    ScoreReport r = scoreIhc(four, PixelCalibration(kMpp, kMpp, "t"), p);
    EXPECT_EQ(r.specimen, Specimen::Biopsy);
    EXPECT_EQ(r.score, S::One) << r.reason;  // 1+ has no cell minimum
    p.ruleSet = "gastric";
    p.specimen = "biopsy";
    r = scoreIhc(four, PixelCalibration(kMpp, kMpp, "t"), p);
    EXPECT_EQ(r.score, S::Three) << r.reason;
}

TEST(Rules_BiopsyCluster, cellOrderDoesNotChangeTheReport) {
    auto line = repeat(6, IC::Strong, MP::Complete);
    line.push_back({IC::Faint, MP::Incomplete});
    const CellTable t = biopsyCells(line, 10);
    // Same cells, reversed.
    CellTable rev;
    for (std::size_t i = t.size(); i-- > 0;) addCell(rev, t.x[i], t.y[i], t.intensity[i], t.pattern[i]);
    RuleParams p;
    p.ruleSet = "gastric";
    p.specimen = "biopsy";
    const auto a = scoreIhc(t, PixelCalibration(kMpp, kMpp, "t"), p);
    const auto b = scoreIhc(rev, PixelCalibration(kMpp, kMpp, "t"), p);
    EXPECT_EQ(a.reason, b.reason);
    EXPECT_EQ(a.ihc.largestCluster, b.ihc.largestCluster);
    EXPECT_EQ(a.ihc.counts, b.ihc.counts);
}

}  // namespace
