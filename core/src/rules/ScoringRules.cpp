// IHC rule sets: ASCO/CAP 2018 breast (with the 2023 reporting fields), gastric
// (CAP/ASCP/ASCO 2016) and NSCLC (gastric criteria). See docs her2-rules.md.
#include "her2/core/ScoringRules.hpp"

#include <algorithm>
#include <array>

#include "her2/core/Errors.hpp"
#include "rules/RuleText.hpp"

namespace her2::core {
namespace {

using detail::agreeing;
using detail::Comparator;
using detail::passes;
using detail::percentOf;
using detail::shortest;
using detail::withThousands;

/// The percentage rule of one rule set as the parameters set it.
struct PercentRule {
    Comparator cmp = Comparator::Greater;
    double percent = 10;
    std::size_t minStainedCells = 0;  ///< NSCLC: 2+ and 3+ each need this many cells
};

PercentRule percentRule(RuleSetId rules, const RuleParams& p) {
    switch (rules) {
        case RuleSetId::Breast:
            return {detail::parseComparator(p.breastComparator, "rules.breast_comparator"), p.breastPercent,
                    0};
        case RuleSetId::Gastric:
            return {detail::parseComparator(p.gastricComparator, "rules.gastric_comparator"),
                    p.gastricPercent, 0};
        case RuleSetId::Nsclc:
            return {detail::parseComparator(p.nsclcComparator, "rules.nsclc_comparator"), p.nsclcPercent,
                    static_cast<std::size_t>(std::max(0, p.nsclcMinStainedCells))};
    }
    throw ParameterError("unknown rule set");
}

/// "(>10%)"-style text of a passed comparison.
std::string passedText(const PercentRule& r) {
    return std::string(detail::toString(r.cmp)) + shortest(r.percent) + "%";
}
/// The wording of a failed comparison: "at most 10%" for ">", "below 10%" for ">=".
std::string failedText(const PercentRule& r) {
    return (r.cmp == Comparator::Greater ? "at most " : "below ") + shortest(r.percent) + "%";
}
std::string pct(double value, const PercentRule& r) {
    return agreeing(value, 1, r.percent, r.cmp) + "%";
}

/// Counts of the tumour cells a slide score rests on.
struct Tally {
    std::size_t tumour = 0;
    std::size_t excluded = 0;
    std::array<std::size_t, 4> counts{};   ///< per cell class
    std::array<std::size_t, 4> atLeast{};  ///< at class >= k
    std::size_t unusual = 0;               ///< breast unusual-pattern cells
    std::size_t completeAtLeast2 = 0;      ///< breast: complete membrane, weak-moderate or strong
};

void checkColumns(const CellTable& cells) {
    const std::size_t n = cells.size();
    if (cells.y.size() != n || cells.intensity.size() != n || cells.pattern.size() != n ||
        cells.exclusion.size() != n)
        throw Error(
            "scoreIhc: the cell table's x, y, intensity, pattern and exclusion columns differ in length");
}

Tally tally(const CellTable& cells, RuleSetId rules, std::vector<std::uint8_t>& cellClass) {
    Tally t;
    const std::size_t n = cells.size();
    cellClass.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        if (!cells.isTumour(i)) {
            ++t.excluded;
            continue;
        }
        ++t.tumour;
        const IntensityClass in = cells.intensity[i];
        const MembranePattern pa = cells.pattern[i];
        const auto c = static_cast<std::uint8_t>(cellScore(in, pa, rules));
        cellClass[i] = c;
        ++t.counts[c];
        if (rules == RuleSetId::Breast) {
            if (isUnusualBreastPattern(in, pa)) ++t.unusual;
            if (pa == MembranePattern::Complete && c >= 2) ++t.completeAtLeast2;
        }
    }
    for (int k = 3; k >= 0; --k) t.atLeast[k] = t.counts[k] + (k < 3 ? t.atLeast[k + 1] : 0);
    return t;
}

void fillSummary(ScoreReport& r, const Tally& t) {
    r.ihc.tumourCells = t.tumour;
    r.ihc.excludedCells = t.excluded;
    r.ihc.counts = t.counts;
    for (int k = 0; k < 4; ++k) {
        r.ihc.percent[k] = percentOf(t.counts[k], t.tumour);
        r.ihc.percentAtLeast[k] = percentOf(t.atLeast[k], t.tumour);
    }
    r.ihc.unusualCells = t.unusual;
    r.ihc.percentUnusual = percentOf(t.unusual, t.tumour);
    r.ihc.stainedCells = t.atLeast[1];
}

void setScore(ScoreReport& r, Her2Score s) {
    r.score = s;
    switch (s) {
        case Her2Score::Zero:
        case Her2Score::One:
            r.status = Her2Status::Negative;
            break;
        case Her2Score::Two:
            r.status = Her2Status::Equivocal;
            break;
        case Her2Score::Three:
            r.status = Her2Status::Positive;
            break;
    }
    if (s == Her2Score::One) r.her2Low = Her2LowCategory::One;
    if (s == Her2Score::Two) r.her2Low = Her2LowCategory::Two;
    if (s == Her2Score::Three) r.her2Low = Her2LowCategory::Three;
}

/// Score 0 with its 2023 reporting field: 0-null when no tumour cell shows membrane
/// staining (above rules.ultralow_min_percent), 0-ultralow otherwise. The same split is
/// applied to gastric and NSCLC cases so their reports carry the field too.
void setZero(ScoreReport& r, const Tally& t, const RuleParams& p, const PercentRule& rule, std::string why) {
    setScore(r, Her2Score::Zero);
    const std::string of = withThousands(t.tumour) + " tumour cells";
    const double stained = percentOf(t.atLeast[1], t.tumour);
    if (t.atLeast[1] == 0) {
        r.her2Low = Her2LowCategory::ZeroNull;
        r.reason = "0 (null): none of " + of + " shows membrane staining";
        return;
    }
    const PercentRule ultra{Comparator::Greater, p.ultralowMinPercent, 0};
    const bool ultralow = passes(stained, p.ultralowMinPercent, Comparator::Greater);
    r.her2Low = ultralow ? Her2LowCategory::ZeroUltralow : Her2LowCategory::ZeroNull;
    // The printed share must agree with both thresholds it is read against.
    const std::string share = agreeing(stained, 1, ultra.percent, ultra.cmp, rule.percent, rule.cmp) + "%";
    r.reason = std::string(ultralow ? "0 (ultralow): " : "0 (null): ") + share + " of " + of +
               " show membrane staining (" + (ultralow ? passedText(ultra) : failedText(ultra)) +
               (why.empty() ? ", " + failedText(rule) : ", " + why) + ")";
}

void scoreBreast(ScoreReport& r, const Tally& t, const RuleParams& p, const PercentRule& rule) {
    const std::string of = " of " + withThousands(t.tumour) + " tumour cells";
    const double p3 = percentOf(t.counts[3], t.tumour);
    if (passes(p3, rule.percent, rule.cmp)) {
        setScore(r, Her2Score::Three);
        r.reason = "3+: " + pct(p3, rule) + of + " show complete intense staining (" + passedText(rule) + ")";
        return;
    }
    const double pComplete = percentOf(t.completeAtLeast2, t.tumour);
    if (passes(pComplete, rule.percent, rule.cmp)) {
        setScore(r, Her2Score::Two);
        r.reason = "2+: " + pct(pComplete, rule) + of +
                   " show complete staining of at least weak-to-moderate intensity (" + passedText(rule) +
                   "), " + pct(p3, rule) + " intense";
        return;
    }
    const double pUnusual = percentOf(t.unusual, t.tumour);
    if (passes(pUnusual, rule.percent, rule.cmp)) {
        setScore(r, Her2Score::Two);
        r.reason = "2+ (unusual pattern): " + pct(pUnusual, rule) + of +
                   " show moderate-to-intense incomplete (lateral/basolateral) staining (" +
                   passedText(rule) + ")";
        return;
    }
    const double p2 = percentOf(t.atLeast[2], t.tumour);
    if (passes(p2, rule.percent, rule.cmp)) {
        setScore(r, Her2Score::Two);
        r.reason =
            "2+: " + pct(p2, rule) + of +
            " show complete weak-to-moderate or intense, or incomplete moderate-to-intense staining (" +
            passedText(rule) + ")";
        return;
    }
    // ASCO/CAP makes intense complete staining in <= 10% of cells 2+ (a heterogeneous
    // case goes to ISH). Read literally, one misclassified cell among 18,000 would do it:
    // a per-cell classifier always calls a few cells per thousand strong and complete
    // through edge, crush or retraction artefacts, while a real intensely stained
    // subpopulation is a focus a pathologist sees. So the intense cells must reach both
    // rules.breast_intense_min_percent of the tumour cells (the classifier's error, 1%)
    // and rules.breast_intense_min_cells (so 1% of a tiny specimen is not one cell).
    const auto minCells = static_cast<std::size_t>(std::max(0, p.breastIntenseMinCells));
    const bool intenseFocus =
        t.counts[3] > 0 && t.counts[3] >= minCells && detail::atLeast(p3, p.breastIntenseMinPercent);
    if (intenseFocus) {
        setScore(r, Her2Score::Two);
        r.reason = "2+ (unusual pattern): intense complete staining in " + pct(p3, rule) + of + " (" +
                   withThousands(t.counts[3]) + " cells; " + failedText(rule) + ", at least " +
                   shortest(p.breastIntenseMinPercent) + "% and " + withThousands(minCells) + " cells)";
        return;
    }
    const std::string belowGuard =
        t.counts[3] == 0 ? std::string()
                         : "; intense complete staining in " + withThousands(t.counts[3]) +
                               " cells is below the 2+ minimum of " + shortest(p.breastIntenseMinPercent) +
                               "% and " + withThousands(minCells) + " cells";
    const double p1 = percentOf(t.atLeast[1], t.tumour);
    if (passes(p1, rule.percent, rule.cmp)) {
        setScore(r, Her2Score::One);
        r.reason = "1+: " + pct(p1, rule) + of + " show at least faint membrane staining (" +
                   passedText(rule) + ")" + belowGuard;
        return;
    }
    setZero(r, t, p, rule, {});
    r.reason += belowGuard;
}

void scoreGastricResection(ScoreReport& r, const Tally& t, const RuleParams& p, const PercentRule& rule) {
    const std::string of = " of " + withThousands(t.tumour) + " tumour cells";
    const bool nsclc = r.ruleSet == RuleSetId::Nsclc;
    const std::string cellsNeeded = ", at least " + withThousands(rule.minStainedCells) + " cells";
    std::string shortfall;  // NSCLC: a level whose percentage passed without enough cells
    struct Level {
        int k;
        Her2Score score;
        const char* what;
    };
    static constexpr std::array<Level, 3> kLevels{{
        {3, Her2Score::Three, "strong complete or lateral/basolateral staining"},
        {2, Her2Score::Two, "at least weak-to-moderate complete or lateral/basolateral staining"},
        {1, Her2Score::One, "at least faint membrane staining"},
    }};
    for (const Level& level : kLevels) {
        const std::size_t n = t.atLeast[level.k];
        const double share = percentOf(n, t.tumour);
        if (!passes(share, rule.percent, rule.cmp)) continue;
        // The review behind the NSCLC rule set: 2+ and 3+ each need >= 5 stained cells.
        const bool needsCells = nsclc && level.k >= 2;
        if (needsCells && n < rule.minStainedCells) {
            if (shortfall.empty())
                shortfall = "; " + std::string(toString(static_cast<Her2Score>(level.k))) + " staining in " +
                            withThousands(n) + " cells, fewer than the " +
                            withThousands(rule.minStainedCells) + " NSCLC needs";
            continue;
        }
        setScore(r, level.score);
        r.reason = std::string(toString(level.score)) + ": " + pct(share, rule) + of +
                   (needsCells ? " (" + withThousands(n) + " cells)" : std::string()) + " show " +
                   level.what + " (" + passedText(rule) + (needsCells ? cellsNeeded : std::string()) + ")" +
                   shortfall;
        return;
    }
    setZero(r, t, p, rule, {});
    r.reason += shortfall;
}

void scoreBiopsy(ScoreReport& r, const Tally& t, const RuleParams& p, const PercentRule& rule,
                 const CellTable& cells, const PixelCalibration& cal,
                 const std::vector<std::uint8_t>& cellClass) {
    const double d = p.cohesionDistanceUm;
    r.ihc.cohesionDistanceUm = d;
    const auto minCluster = static_cast<std::size_t>(std::max(1, p.clusterMinCells));
    std::vector<double> xs, ys;
    xs.reserve(t.tumour);
    ys.reserve(t.tumour);
    // Class 0 (every tumour cell) plays no part in the rule; leaving it out saves the
    // largest of the four searches on a big slide.
    for (int k = 1; k < 4; ++k) {
        xs.clear();
        ys.clear();
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (!cells.isTumour(i) || cellClass[i] < k) continue;
            xs.push_back(static_cast<double>(cells.x[i]) * cal.mppX());
            ys.push_back(static_cast<double>(cells.y[i]) * cal.mppY());
        }
        r.ihc.largestCluster[k] = findCohesiveClusters(xs, ys, d).largest();
    }
    const bool nsclc = r.ruleSet == RuleSetId::Nsclc;
    const std::string within = " cohesive tumour cells (centroids within " + shortest(d) + " µm)";
    static constexpr std::array<const char*, 4> kWhat{
        "", "at least faint membrane staining",
        "at least weak-to-moderate complete or lateral/basolateral staining",
        "strong complete or lateral/basolateral staining"};
    for (int k = 3; k >= 1; --k) {
        const std::size_t largest = r.ihc.largestCluster[k];
        if (largest < minCluster) continue;
        if (nsclc && k >= 2 && t.atLeast[k] < rule.minStainedCells) continue;
        const auto s = static_cast<Her2Score>(k);
        setScore(r, s);
        r.reason = std::string(toString(s)) + ": a cluster of " + withThousands(largest) + within +
                   " shows " + kWhat[k] + " (at least " + withThousands(minCluster) + " cells), " +
                   pct(percentOf(t.atLeast[k], t.tumour), rule) + " of " + withThousands(t.tumour) +
                   " tumour cells";
        return;
    }
    setZero(r, t, p, rule,
            "largest cohesive cluster of stained cells " + withThousands(r.ihc.largestCluster[1]) +
                ", fewer than " + withThousands(minCluster));
}

}  // namespace

bool isUnusualBreastPattern(IntensityClass intensity, MembranePattern pattern) noexcept {
    // "Moderate-to-intense but incomplete (lateral/basolateral, U-shaped)" staining. The
    // intensity class sets a cell's level (faint 1+, weak-moderate 2+, strong 3+), and in
    // breast a membrane must be complete to count at its level; a weak-moderate or strong
    // membrane that is not complete is the unusual pattern, whatever its arc. The
    // weak-moderate class cannot tell weak from moderate, so this errs towards 2+ and an
    // ISH reflex rather than calling a possibly moderate U-shaped membrane 1+; faint
    // incomplete staining stays 1+, as the guideline defines it.
    const bool incomplete =
        pattern == MembranePattern::Incomplete || pattern == MembranePattern::LateralBasolateral;
    return incomplete && (intensity == IntensityClass::WeakModerate || intensity == IntensityClass::Strong);
}

CellScore cellScore(IntensityClass intensity, MembranePattern pattern, RuleSetId rules) noexcept {
    if (intensity == IntensityClass::Negative || pattern == MembranePattern::None) return CellScore::Zero;
    if (intensity == IntensityClass::Faint) return CellScore::One;
    const bool strong = intensity == IntensityClass::Strong;
    if (pattern == MembranePattern::Complete) return strong ? CellScore::Three : CellScore::Two;
    if (rules == RuleSetId::Breast)
        return isUnusualBreastPattern(intensity, pattern) ? CellScore::Two : CellScore::One;
    // Gastric and NSCLC: lateral/basolateral counts as complete.
    if (pattern == MembranePattern::LateralBasolateral) return strong ? CellScore::Three : CellScore::Two;
    return CellScore::One;
}

std::string ruleVersion(RuleSetId rules) {
    // The guideline edition and the revision of this encoding; bump the revision when
    // the code's reading of a rule changes.
    switch (rules) {
        case RuleSetId::Breast:
            return "ASCO/CAP 2018 (2023 reporting), rules r1";
        case RuleSetId::Gastric:
            return "CAP/ASCP/ASCO 2016 gastroesophageal, rules r1";
        case RuleSetId::Nsclc:
            return "gastric criteria (CAP/ASCP/ASCO 2016), 2+/3+ need 5 stained cells, rules r1";
    }
    throw ParameterError("unknown rule set");
}

RuleSetId resolveRuleSet(const RuleParams& params) {
    if (const auto r = parseRuleSet(params.ruleSet)) return *r;
    throw ParameterError("parameter rules.rule_set = \"" + params.ruleSet +
                         "\" is not one of: breast, gastric, nsclc");
}

Specimen resolveSpecimen(const RuleParams& params) {
    if (params.specimen == "auto")
        return resolveRuleSet(params) == RuleSetId::Nsclc ? Specimen::Biopsy : Specimen::Resection;
    if (const auto s = parseSpecimen(params.specimen)) return *s;
    throw ParameterError("parameter rules.specimen = \"" + params.specimen +
                         "\" is not one of: auto, resection, biopsy");
}

ScoreReport scoreIhc(const CellTable& cells, const PixelCalibration& calibration, const RuleParams& params) {
    const RuleSetId rules = resolveRuleSet(params);
    const Specimen specimen = resolveSpecimen(params);
    const PercentRule rule = percentRule(rules, params);
    checkColumns(cells);

    ScoreReport r;
    r.assay = Assay::Ihc;
    r.ruleSet = rules;
    r.ruleVersion = ruleVersion(rules);
    r.specimen = specimen;
    r.comparator = std::string(detail::toString(rule.cmp));
    r.thresholdPercent = rule.percent;

    std::vector<std::uint8_t> cellClass;
    const Tally t = tally(cells, rules, cellClass);
    fillSummary(r, t);

    const auto minCells = static_cast<std::size_t>(std::max(1, params.minTumourCells));
    if (t.tumour < minCells) {
        r.status = Her2Status::NotScorable;
        r.reason = t.tumour == 0
                       ? "not scorable: no tumour cells (at least " + withThousands(minCells) + " needed)"
                       : "not scorable: " + withThousands(t.tumour) + " tumour cells, fewer than the " +
                             withThousands(minCells) + " needed";
        return r;
    }
    if (rules == RuleSetId::Breast)
        scoreBreast(r, t, params, rule);  // breast criteria do not depend on the specimen
    else if (specimen == Specimen::Biopsy)
        scoreBiopsy(r, t, params, rule, cells, calibration, cellClass);
    else
        scoreGastricResection(r, t, params, rule);
    return r;
}

}  // namespace her2::core
