// The standard IHC phantom cases: one per breast and gastric score, and the boundary
// cases the rules turn on (0-null vs 0-ultralow, 8 % vs 12 %, biopsy clusters of 4 vs 6).
#include <algorithm>

#include "her2/imaging/IhcPhantom.hpp"

namespace her2::imaging {

namespace {

using core::Her2LowCategory;
using core::Her2Score;
using core::IntensityClass;
using core::RuleSetId;
using core::Specimen;

constexpr std::size_t kFaint = 1, kModerate = 2, kStrong = 3;

MembranePatternMix complete() {
    return {1, 0, 0};
}
MembranePatternMix partial() {
    return {0, 0, 1};
}
MembranePatternMix lateral() {
    return {0, 1, 0};
}

IhcPhantomSpec base(std::uint64_t seed) {
    IhcPhantomSpec s;
    s.seed = seed;
    s.width = 3000;
    s.height = 3000;
    s.mpp = 0.25;
    s.heterogeneity = 0.6;
    s.tissueMarginUm = 40;
    return s;
}

IhcPhantomCase make(std::string name, std::string description, RuleSetId rules, Specimen specimen,
                    Her2Score score, std::optional<Her2LowCategory> low, IhcPhantomSpec spec) {
    IhcPhantomCase c;
    c.name = std::move(name);
    c.description = std::move(description);
    c.ruleSet = rules;
    c.specimen = specimen;
    c.intendedScore = score;
    c.intendedHer2Low = low;
    c.spec = spec;
    return c;
}

}  // namespace

std::vector<IhcPhantomCase> standardIhcCases() {
    std::vector<IhcPhantomCase> out;
    const auto B = RuleSetId::Breast;
    const auto G = RuleSetId::Gastric;
    const auto R = Specimen::Resection;

    {
        auto s = base(101);
        out.push_back(make("breast-0-null", "no membrane staining at all", B, R, Her2Score::Zero,
                           Her2LowCategory::ZeroNull, s));
    }
    {
        auto s = base(102);
        s.classes[kFaint] = {0.05, partial()};
        s.heterogeneity = 0.2;
        out.push_back(make("breast-0-ultralow", "faint incomplete staining in 5% of tumour cells", B, R,
                           Her2Score::Zero, Her2LowCategory::ZeroUltralow, s));
    }
    {
        auto s = base(103);
        s.classes[kFaint] = {0.55, {0.2, 0, 0.8}};
        out.push_back(make("breast-1plus", "faint, mostly incomplete staining in 55% of tumour cells", B, R,
                           Her2Score::One, Her2LowCategory::One, s));
    }
    {
        auto s = base(104);
        s.classes[kModerate] = {0.45, complete()};
        s.classes[kFaint] = {0.25, {0.3, 0, 0.7}};
        out.push_back(make("breast-2plus", "weak-to-moderate complete staining in 45% of tumour cells", B, R,
                           Her2Score::Two, Her2LowCategory::Two, s));
    }
    {
        auto s = base(105);
        s.classes[kStrong] = {0.35, lateral()};
        s.classes[kFaint] = {0.2, partial()};
        out.push_back(
            make("breast-2plus-unusual",
                 "intense lateral/basolateral (U-shaped) staining in 35%: unusual pattern, equivocal", B, R,
                 Her2Score::Two, Her2LowCategory::Two, s));
    }
    {
        auto s = base(106);
        s.classes[kStrong] = {0.6, complete()};
        s.classes[kModerate] = {0.2, complete()};
        s.classes[kFaint] = {0.1, partial()};
        out.push_back(make("breast-3plus", "intense complete staining in 60% of tumour cells", B, R,
                           Her2Score::Three, Her2LowCategory::Three, s));
    }
    {
        auto s = base(107);
        s.classes[kFaint] = {0.08, partial()};
        s.heterogeneity = 0.3;
        out.push_back(make("breast-near-8pct",
                           "faint incomplete staining in 8%: just under the 1+ threshold (>10%)", B, R,
                           Her2Score::Zero, Her2LowCategory::ZeroUltralow, s));
    }
    {
        auto s = base(108);
        s.classes[kFaint] = {0.12, partial()};
        s.heterogeneity = 0.3;
        out.push_back(make("breast-near-12pct",
                           "faint incomplete staining in 12%: just over the 1+ threshold", B, R,
                           Her2Score::One, Her2LowCategory::One, s));
    }
    {
        auto s = base(109);
        s.classes[kStrong] = {0.08, complete()};
        s.classes[kFaint] = {0.3, partial()};
        out.push_back(make("breast-3plus-near-8pct",
                           "intense complete staining in 8% (<=10%: unusual pattern, equivocal)", B, R,
                           Her2Score::Two, Her2LowCategory::Two, s));
    }
    {
        auto s = base(110);
        s.classes[kStrong] = {0.12, complete()};
        s.classes[kFaint] = {0.3, partial()};
        out.push_back(make("breast-3plus-near-12pct",
                           "intense complete staining in 12%: just over the 3+ threshold", B, R,
                           Her2Score::Three, Her2LowCategory::Three, s));
    }
    {
        auto s = base(111);
        s.heterogeneity = 1.0;
        s.heterogeneityScaleUm = 120;
        s.classes[kStrong] = {0.25, complete()};
        s.classes[kModerate] = {0.15, complete()};
        s.classes[kFaint] = {0.15, partial()};
        out.push_back(
            make("breast-heterogeneous",
                 "intense complete staining in patches holding 25% of tumour cells, the rest graded", B, R,
                 Her2Score::Three, Her2LowCategory::Three, s));
    }
    {
        auto s = base(201);
        s.classes[kFaint] = {0.07, partial()};
        out.push_back(
            make("gastric-0", "faint partial staining in 7% (<10%)", G, R, Her2Score::Zero, std::nullopt, s));
    }
    {
        auto s = base(202);
        s.classes[kFaint] = {0.4, partial()};
        out.push_back(make("gastric-1plus", "faint partial-membrane staining in 40%", G, R, Her2Score::One,
                           std::nullopt, s));
    }
    {
        auto s = base(203);
        s.classes[kModerate] = {0.35, {0.4, 0.6, 0}};
        s.classes[kFaint] = {0.2, partial()};
        out.push_back(make("gastric-2plus", "weak-to-moderate complete or basolateral staining in 35%", G, R,
                           Her2Score::Two, std::nullopt, s));
    }
    {
        auto s = base(204);
        s.classes[kStrong] = {0.3, {0.3, 0.7, 0}};
        s.classes[kModerate] = {0.15, {0.5, 0.5, 0}};
        out.push_back(make("gastric-3plus", "strong basolateral/lateral or complete staining in 30%", G, R,
                           Her2Score::Three, std::nullopt, s));
    }
    for (int n : {4, 6}) {
        auto s = base(static_cast<std::uint64_t>(300 + n));
        s.width = 2000;
        s.height = 2000;
        s.tumourFraction = 0.7;
        // Smaller cells: neighbouring centroids well within the rules' 15 µm cohesion distance.
        s.cellDiameterUm = 12;
        s.biopsyClusterCells = n;
        s.biopsyClusterClass = IntensityClass::Strong;
        s.biopsyClusterPattern = core::MembranePattern::LateralBasolateral;
        out.push_back(make("gastric-biopsy-" + std::to_string(n),
                           "biopsy: one cohesive cluster of " + std::to_string(n) +
                               " cells with strong basolateral staining, others negative",
                           G, Specimen::Biopsy, n >= 5 ? Her2Score::Three : Her2Score::Zero, std::nullopt,
                           s));
    }
    return out;
}

std::optional<IhcPhantomCase> findIhcCase(const std::string& name) {
    for (auto& c : standardIhcCases())
        if (c.name == name) return c;
    return std::nullopt;
}

}  // namespace her2::imaging
