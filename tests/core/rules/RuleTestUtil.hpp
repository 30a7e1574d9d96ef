#pragma once
// Builders for rule-set tests: cell tables from (count, intensity, pattern) groups laid
// out far apart, explicit cell positions for the cluster rule, and FISH nuclei with exact
// signal totals.
#include <cstddef>
#include <vector>

#include "her2/core/CellTable.hpp"
#include "her2/core/FishTypes.hpp"
#include "her2/core/Params.hpp"

namespace her2::test {

struct CellGroup {
    std::size_t count = 0;
    core::IntensityClass intensity = core::IntensityClass::Negative;
    core::MembranePattern pattern = core::MembranePattern::None;
    core::CellExclusion exclusion = core::CellExclusion::None;
};

inline void addCell(core::CellTable& t, double x, double y, core::IntensityClass in, core::MembranePattern pa,
                    core::CellExclusion ex = core::CellExclusion::None) {
    core::CellRecord r;
    r.x = static_cast<float>(x);
    r.y = static_cast<float>(y);
    r.intensity = in;
    r.pattern = pa;
    r.exclusion = ex;
    t.append(r);
}

/// Cells in reading order on a square lattice `spacingPx` apart (default far enough that
/// no two cells are cohesive at the default distance and 0.25 µm/px).
inline core::CellTable makeCells(const std::vector<CellGroup>& groups, double spacingPx = 400) {
    core::CellTable t;
    std::size_t total = 0;
    for (const auto& g : groups) total += g.count;
    t.reserve(total);
    const std::size_t perRow = 1000;
    std::size_t i = 0;
    for (const auto& g : groups)
        for (std::size_t k = 0; k < g.count; ++k, ++i)
            addCell(t, static_cast<double>(i % perRow) * spacingPx,
                    static_cast<double>(i / perRow) * spacingPx, g.intensity, g.pattern, g.exclusion);
    return t;
}

/// `n` counted nuclei whose HER2 and CEP17 counts sum exactly to the totals (each total
/// spread as evenly as possible in quarter signals, so fractional totals stay exact).
inline std::vector<core::FishNucleus> makeNuclei(std::size_t n, double totalHer2, double totalCep17,
                                                 std::size_t excluded = 0) {
    std::vector<core::FishNucleus> out;
    auto spread = [n](double total, std::size_t i) {
        // quarter-signal units: exact in binary
        const auto units = static_cast<long long>(total * 4 + 0.5);
        const long long base = units / static_cast<long long>(n), extra = units % static_cast<long long>(n);
        return static_cast<double>(base + (static_cast<long long>(i) < extra ? 1 : 0)) / 4.0;
    };
    for (std::size_t i = 0; i < n; ++i) {
        core::FishNucleus f;
        f.id = static_cast<int>(i);
        f.her2Count = spread(totalHer2, i);
        f.cep17Count = spread(totalCep17, i);
        out.push_back(f);
    }
    for (std::size_t i = 0; i < excluded; ++i) {
        core::FishNucleus f;
        f.id = static_cast<int>(n + i);
        f.her2Count = 40;  // would change every mean if it were counted
        f.cep17Count = 1;
        f.exclusion = core::NucleusExclusion::Overlapping;
        out.push_back(f);
    }
    return out;
}

}  // namespace her2::test
