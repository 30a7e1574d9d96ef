// Which cells are left out of the tumour percentages: lymphocytes are small, round and darker
// than the tumour nuclei; a carcinoma whose nuclei are as small as a lymphocyte's (lobular,
// low grade) must not lose its unstained cells to that rule, or the stained share inflates.
#include <cmath>
#include <cstddef>
#include <numbers>

#include <gtest/gtest.h>

#include "her2/core/CellTable.hpp"
#include "her2/core/Params.hpp"
#include "her2/imaging/IhcAnalyzer.hpp"

using namespace her2;

namespace {

constexpr double kMpp = 0.25;           // level-0 µm/px
constexpr double kPitchPx = 15 / kMpp;  // 15 µm between cells: one cohesive nest

/// A round nucleus of `areaUm2` at lattice position (i, j), unstained.
core::CellRecord roundCell(int i, int j, double areaUm2, double hematoxylin) {
    core::CellRecord r;
    r.x = static_cast<float>(i * kPitchPx);
    r.y = static_cast<float>(j * kPitchPx);
    r.nucleusAreaUm2 = static_cast<float>(areaUm2);
    r.nucleusHematoxylinOd = static_cast<float>(hematoxylin);
    r.nucleusCircularity = 0.95f;
    r.cellAreaUm2 = 200;
    const double radiusPx = std::sqrt(areaUm2 / std::numbers::pi) / kMpp;
    for (int k = 0; k < 16; ++k) {
        const double a = 2 * std::numbers::pi * k / 16;
        r.nucleusOutline.push_back({r.x + radiusPx * std::cos(a), r.y + radiusPx * std::sin(a)});
    }
    return r;
}

/// Hematoxylin spread evenly over [0.35, 0.45] OD along the lattice, as tumour nuclei vary.
double tumourHematoxylin(int i, int j, int side) {
    return 0.35 + 0.1 * (j * side + i) / (side * side - 1.0);
}

std::size_t lymphocytes(const core::CellTable& cells) {
    std::size_t n = 0;
    for (const auto e : cells.exclusion) n += e == core::CellExclusion::Lymphocyte;
    return n;
}

}  // namespace

TEST(NonTumour, SmallTumourNucleiAreNotLymphocytes) {
    // Every nucleus 40 µm² (7 µm across), as in a lobular carcinoma: at most the darkest tenth
    // may be taken for lymphocytes (half were, against the median of all nuclei).
    constexpr int side = 20;
    core::CellTable cells;
    for (int j = 0; j < side; ++j)
        for (int i = 0; i < side; ++i) cells.append(roundCell(i, j, 40, tumourHematoxylin(i, j, side)));
    const core::IhcParams params;
    imaging::IhcAnalyzer::excludeNonTumour(cells, params, kMpp);
    EXPECT_LE(lymphocytes(cells), cells.size() / 10);
}

TEST(NonTumour, SmallTumourNucleiAmongLargeOnesStayTumour) {
    // Half the nuclei 40 µm², half 70 µm², both stained over the same range: the small ones
    // are judged against the large ones, and only those darker than nine in ten of them may
    // be taken for lymphocytes (half were, against the median of all nuclei).
    constexpr int side = 20;
    core::CellTable cells;
    int small = 0, large = 0;
    for (int j = 0; j < side; ++j)
        for (int i = 0; i < side; ++i) {
            const bool isSmall = (i + j) % 2 == 1;
            int& k = isSmall ? small : large;
            const double h = 0.35 + 0.1 * ((k++ * 37) % 100) / 99.0;
            cells.append(roundCell(i, j, isSmall ? 40 : 70, h));
        }
    const core::IhcParams params;
    imaging::IhcAnalyzer::excludeNonTumour(cells, params, kMpp);
    EXPECT_LE(lymphocytes(cells), static_cast<std::size_t>(small / 10 + 1));
}

TEST(NonTumour, DarkSmallRoundNucleiAreLymphocytes) {
    // Tumour nuclei of 70 µm² with lymphocytes of 35 µm² at 0.65 OD among them, every fifth
    // cell: each lymphocyte is excluded, no tumour cell is.
    constexpr int side = 20;
    core::CellTable cells;
    for (int j = 0; j < side; ++j)
        for (int i = 0; i < side; ++i) {
            const bool lymphocyte = (j * side + i) % 5 == 0;
            cells.append(lymphocyte ? roundCell(i, j, 35, 0.65)
                                    : roundCell(i, j, 70, tumourHematoxylin(i, j, side)));
        }
    const core::IhcParams params;
    imaging::IhcAnalyzer::excludeNonTumour(cells, params, kMpp);
    for (std::size_t k = 0; k < cells.size(); ++k) {
        const bool lymphocyte = k % 5 == 0;
        EXPECT_EQ(cells.exclusion[k] == core::CellExclusion::Lymphocyte, lymphocyte) << "cell " << k;
    }
}

TEST(NonTumour, StainedSmallNucleusStaysTumour) {
    // Immune cells do not express HER2: a dark small nucleus inside a weak-to-moderate
    // membrane is a tumour cell whose nucleus is partly hidden under the brown.
    constexpr int side = 10;
    core::CellTable cells;
    for (int j = 0; j < side; ++j)
        for (int i = 0; i < side; ++i) {
            core::CellRecord r = i == 5 && j == 5 ? roundCell(i, j, 35, 0.65) : roundCell(i, j, 70, 0.4);
            if (i == 5 && j == 5) r.intensity = core::IntensityClass::WeakModerate;
            cells.append(r);
        }
    const core::IhcParams params;
    imaging::IhcAnalyzer::excludeNonTumour(cells, params, kMpp);
    EXPECT_EQ(cells.exclusion[55], core::CellExclusion::None);
}

TEST(NonTumour, MuchSmallerNucleiOfMedianDarknessAreNotTumour) {
    // Tumour nuclei of 70 µm² and, every fifth cell, round nuclei of 30 µm² (under half their
    // area) no darker than the tumour's typical nucleus: stromal nuclei cut across or pale
    // lymphocytes, not tumour cells. The same nuclei at 40 µm² stay tumour cells.
    constexpr int side = 20;
    for (const double smallArea : {30.0, 40.0}) {
        core::CellTable cells;
        for (int j = 0; j < side; ++j)
            for (int i = 0; i < side; ++i) {
                const bool small = (j * side + i) % 5 == 0;
                cells.append(
                    roundCell(i, j, small ? smallArea : 70, small ? 0.42 : tumourHematoxylin(i, j, side)));
            }
        const core::IhcParams params;
        imaging::IhcAnalyzer::excludeNonTumour(cells, params, kMpp);
        EXPECT_EQ(lymphocytes(cells), smallArea <= 35 ? cells.size() / 5 : 0u) << smallArea << " µm²";
    }
}
