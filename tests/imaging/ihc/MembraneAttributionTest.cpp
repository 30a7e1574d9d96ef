// Side attribution between neighbours on hand-built traces: which cell a shared membrane
// belongs to when one cell shows no membrane of its own.
#include <gtest/gtest.h>

#include <vector>

#include "her2/core/Params.hpp"
#include "her2/imaging/MembraneAnalyzer.hpp"

using namespace her2;
using imaging::MembraneAnalyzer;
using imaging::MembraneRay;
using imaging::MembraneTrace;
using imaging::RayUse;

namespace {

constexpr double kMpp = 0.5;
constexpr double kStrongOd = 0.8;

/// A trace of 108 rays (36 sectors x 3): rays [begin, end) face `neighbour`, and rays in
/// `stained` read a strong membrane (both readings).
struct Arc {
    std::size_t begin, end;
    int neighbour;
    bool stained;
};

MembraneTrace makeTrace(const std::vector<Arc>& arcs) {
    MembraneTrace t;
    t.rays.resize(108);
    for (std::size_t k = 0; k < t.rays.size(); ++k) t.rays[k].edge = t.rays[k].cut.radius = 20;
    for (const Arc& a : arcs)
        for (std::size_t k = a.begin; k < a.end; ++k) {
            MembraneRay& ray = t.rays[k];
            ray.neighbour = a.neighbour;
            if (!a.stained) continue;
            MembraneRay::Reading r;
            r.peak = static_cast<float>(kStrongOd);
            r.radius = 20;
            r.memberSum = static_cast<float>(3 * kStrongOd);
            r.memberCount = 3;
            r.widthUm = 1.5f;
            ray.full = ray.cut = r;
        }
    return t;
}

/// Cell 1 has no membrane of its own: its free side (rays 54-107, facing the unstained cell
/// 4) is bare, and its other half borders cells 2 and 3, whose membranes run on along their
/// own free sides (facing the unstained cell 5). The stain on cell 1's rays 0-53 is theirs.
std::vector<MembraneTrace> borrowedScene(bool cellOneFreeSideStained) {
    std::vector<MembraneTrace> traces(6);
    traces[1] = makeTrace({{0, 36, 2, true}, {36, 54, 3, true}, {54, 108, 4, cellOneFreeSideStained}});
    traces[2] = makeTrace({{0, 36, 1, true}, {36, 72, 5, true}, {72, 108, 5, false}});
    traces[3] = makeTrace({{0, 18, 1, true}, {18, 60, 5, true}, {60, 108, 5, false}});
    traces[4] = makeTrace({{0, 54, 1, false}, {54, 108, 5, false}});
    traces[5] = makeTrace({{0, 108, 4, false}});
    return traces;
}

/// Cell 1's attribution in a scene: which cells show their own membrane, and cell 1's rays.
struct CellOne {
    std::vector<unsigned char> own;  ///< OwnMembranes::own of the scene
    std::vector<RayUse> use;
    imaging::MembraneMeasures measures;
};

CellOne attributeCellOne(const std::vector<MembraneTrace>& traces) {
    const core::IhcParams p;
    const MembraneAnalyzer analyzer(p, kMpp);
    CellOne c;
    const imaging::OwnMembranes owners = analyzer.ownMembranes(traces);
    c.own = owners.own;
    c.use = analyzer.attribute(1, traces, owners);
    c.measures = analyzer.summarize(traces[1], c.use);
    return c;
}

}  // namespace

TEST(Ihc_MembraneAttribution, a_cell_without_its_own_membrane_does_not_borrow_its_neighbours) {
    const auto traces = borrowedScene(false);
    const CellOne c = attributeCellOne(traces);
    EXPECT_FALSE(c.own[1]);
    EXPECT_TRUE(c.own[2]);
    EXPECT_TRUE(c.own[3]);
    EXPECT_FALSE(c.own[4]);
    for (std::size_t k = 0; k < 54; ++k) EXPECT_EQ(c.use[k], RayUse::Drop) << "ray " << k;
    EXPECT_EQ(c.measures.completeness, 0.0);
    EXPECT_EQ(c.measures.odMean, 0.0);

    // Without the evidence of its free side (every cell taken as showing its own membrane),
    // the same cell would read half its outline as stained.
    const core::IhcParams p;
    const MembraneAnalyzer analyzer(p, kMpp);
    const std::size_t n = traces.size();
    const imaging::OwnMembranes allOwn{std::vector<unsigned char>(n, 1), std::vector<unsigned char>(n, 0),
                                       std::vector<unsigned char>(n, 0)};
    const auto borrowed = analyzer.summarize(traces[1], analyzer.attribute(1, traces, allOwn));
    EXPECT_GT(borrowed.completeness, 0.4);
}

TEST(Ihc_MembraneAttribution, a_cell_stained_on_its_free_side_keeps_the_shared_membrane) {
    const CellOne c = attributeCellOne(borrowedScene(true));
    EXPECT_TRUE(c.own[1]);
    for (std::size_t k = 0; k < 54; ++k) EXPECT_NE(c.use[k], RayUse::Drop) << "ray " << k;
    EXPECT_GT(c.measures.completeness, 0.95);
}

TEST(Ihc_MembraneAttribution, stain_at_a_junction_with_a_stained_cell_is_not_free_evidence) {
    auto traces = borrowedScene(false);
    // Cell 1's rays 60-65 face the unstained cell 4 but peak next to cell 2's territory (a
    // corner of cell 2's membrane): they must not count as cell 1's own membrane.
    for (std::size_t k = 60; k < 66; ++k) {
        traces[1].rays[k].cut = traces[1].rays[k].full = traces[1].rays[0].cut;
        traces[1].rays[k].near = {4, 2, 0};
    }
    const CellOne c = attributeCellOne(traces);
    EXPECT_FALSE(c.own[1]);
    for (std::size_t k = 60; k < 66; ++k) EXPECT_EQ(c.use[k], RayUse::Drop) << "ray " << k;
    EXPECT_EQ(c.measures.completeness, 0.0);
}

TEST(Ihc_MembraneAttribution, an_own_arc_on_this_side_of_the_border_stays) {
    // Cell 1 is unstained on its free side but has a short arc of its own (read on its side of
    // the mid-line) on its border with cell 2. Cell 2 shows its own membrane elsewhere, and
    // that membrane does not run on into the shared border: the arc stays cell 1's.
    std::vector<MembraneTrace> traces(6);
    traces[1] = makeTrace({{0, 18, 2, true}, {18, 108, 4, false}});
    traces[2] = makeTrace({{0, 21, 5, true}, {21, 54, 5, false}, {54, 72, 1, false}, {72, 108, 5, false}});
    traces[4] = makeTrace({{0, 108, 1, false}});
    traces[5] = makeTrace({{0, 108, 2, false}});
    const CellOne c = attributeCellOne(traces);
    EXPECT_TRUE(c.own[2]);
    for (std::size_t k = 0; k < 18; ++k) EXPECT_NE(c.use[k], RayUse::Drop) << "ray " << k;
    EXPECT_NEAR(c.measures.completeness, 6.0 / 36.0, 1e-9);
}

TEST(Ihc_MembraneAttribution, inside_a_stained_sheet_too_few_free_rays_leave_the_membrane) {
    // Cell 1 borders stained cells on all but a tenth of its outline, and that tenth is
    // unstained: too little free outline to judge, so its ring stays.
    std::vector<MembraneTrace> traces(6);
    traces[1] = makeTrace({{0, 50, 2, true}, {50, 97, 3, true}, {97, 108, 4, false}});
    traces[2] = makeTrace({{0, 54, 1, true}, {54, 108, 5, true}});
    traces[3] = makeTrace({{0, 54, 1, true}, {54, 108, 5, true}});
    traces[4] = makeTrace({{0, 108, 1, false}});
    traces[5] = makeTrace({{0, 108, 2, false}});
    const CellOne c = attributeCellOne(traces);
    EXPECT_TRUE(c.own[1]);
    EXPECT_TRUE(c.own[2]);  // stained on its free side: the rule would apply, were cell 1 judged
    for (std::size_t k = 0; k < 97; ++k) EXPECT_NE(c.use[k], RayUse::Drop) << "ray " << k;
    EXPECT_GT(c.measures.completeness, 0.85);
}

TEST(Ihc_MembraneAttribution, a_cell_clipped_by_the_tile_edge_is_left_to_the_pairwise_rules) {
    // The borrowed scene again, but cell 1's outline runs off the tile: its unseen rays are no
    // evidence of a bare membrane.
    auto traces = borrowedScene(false);
    traces[1].clipped = true;
    const CellOne c = attributeCellOne(traces);
    EXPECT_TRUE(c.own[1]);
    EXPECT_GT(c.measures.completeness, 0.4);
}

namespace {

/// Gives rays [begin, end) of `t` an unstained mid-line reading and a whole reading that
/// finds a strong band at `radius`, with the cut ending at `cutLimit`: the band lies across
/// the border, on the neighbour's side.
void bandAcrossTheBorder(MembraneTrace& t, std::size_t begin, std::size_t end, float radius, float cutLimit) {
    for (std::size_t k = begin; k < end; ++k) {
        MembraneRay& ray = t.rays[k];
        ray.cut = MembraneRay::Reading{};
        ray.cut.radius = 10;
        ray.full.peak = static_cast<float>(kStrongOd);
        ray.full.radius = radius;
        ray.full.memberSum = static_cast<float>(3 * kStrongOd);
        ray.full.memberCount = 3;
        ray.full.widthUm = 1.5f;
        ray.cutLimit = cutLimit;
    }
}

}  // namespace

TEST(Ihc_MembraneAttribution, a_u_shaped_cell_keeps_its_open_side_where_the_neighbours_arc_runs_on) {
    // Cell 1: a U-shaped arc of its own (rays 0-59, 20 of 36 sectors) and an open side (rays
    // 60-107). Rays 72-99 of the open side face cell 2, whose own arc runs on along their
    // shared border (its rays on both flanks are stained); their whole readings find cell
    // 2's band. The rest of cell 1's outline is stained, but its flanks of that border are
    // not: the band is cell 2's, and cell 1 stays U-shaped.
    std::vector<MembraneTrace> traces(6);
    traces[1] = makeTrace({{0, 60, 4, true}, {60, 72, 5, false}, {72, 100, 2, false}, {100, 108, 5, false}});
    bandAcrossTheBorder(traces[1], 72, 100, 20, 18.5f);
    traces[2] = makeTrace({{0, 30, 1, true}, {30, 60, 3, true}, {60, 96, 3, false}, {96, 108, 3, true}});
    traces[3] = makeTrace({{0, 108, 2, true}});
    traces[4] = makeTrace({{0, 108, 1, true}});
    traces[5] = makeTrace({{0, 108, 1, false}});
    const CellOne c = attributeCellOne(traces);
    for (std::size_t k = 72; k < 100; ++k) EXPECT_EQ(c.use[k], RayUse::Drop) << "ray " << k;
    EXPECT_NEAR(c.measures.completeness, 20.0 / 36.0, 1e-9);
}

TEST(Ihc_MembraneAttribution, a_band_well_past_the_mid_line_does_not_complete_the_outline) {
    // Cells 1 and 2 are both stained elsewhere and both arcs run on into their border (rays
    // 0-17 of cell 1 face cell 2), so neither continuity rule decides. Rays 0-17 lose the
    // band at the mid-line. Where the whole reading peaks within a membrane width (1.5 µm =
    // 3 px) of the cut's end, the two bands merge into one ridge and the ray completes the
    // outline; 4 px past it, the band is the neighbour's alone.
    auto scene = [](float peakRadius) {
        std::vector<MembraneTrace> traces(6);
        traces[1] =
            makeTrace({{0, 18, 2, false}, {18, 54, 4, true}, {54, 105, 4, false}, {105, 108, 4, true}});
        bandAcrossTheBorder(traces[1], 0, 18, peakRadius, 18.5f);
        traces[2] = makeTrace({{0, 18, 1, false}, {18, 60, 5, true}, {60, 108, 5, false}});
        traces[4] = makeTrace({{0, 108, 1, true}});
        traces[5] = makeTrace({{0, 108, 2, true}});
        return traces;
    };
    const CellOne merged = attributeCellOne(scene(21.0f));
    const CellOne apart = attributeCellOne(scene(22.5f));
    for (std::size_t k = 0; k < 18; ++k) {
        EXPECT_EQ(merged.use[k], RayUse::Completion) << "ray " << k;
        EXPECT_EQ(apart.use[k], RayUse::Cut) << "ray " << k;
    }
    EXPECT_NEAR(merged.measures.completeness - apart.measures.completeness, 6.0 / 36.0, 1e-9);
}
