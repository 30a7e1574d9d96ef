// ISH rule sets: ASCO/CAP 2018 breast dual probe (groups 1-5 and their IHC work-up),
// single probe, gastric/NSCLC dual probe (ToGA), and the combined IHC + ISH call.
#include <initializer_list>

#include "her2/core/Errors.hpp"
#include "her2/core/ScoringRules.hpp"
#include "rules/RuleText.hpp"

namespace her2::core {
namespace {

using detail::atLeast;
using detail::Comparator;
using detail::fixed;
using detail::shortest;
using detail::withThousands;

/// `value` with 2 decimals, or more when 2 would print it on the other side of one of
/// `thresholds` (1.995 against 2.0 prints "1.995", not "2.00").
std::string valueText(double value, std::initializer_list<double> thresholds) {
    for (int d = 2; d <= 6; ++d) {
        const std::string s = fixed(value, d);
        const double printed = std::strtod(s.c_str(), nullptr);
        bool agrees = true;
        for (double t : thresholds) agrees = agrees && atLeast(printed, t) == atLeast(value, t);
        if (agrees) return s;
    }
    return fixed(value, 6);
}

/// "(>=2.0)" or "(<2.0)" for value against threshold.
std::string sideText(double value, double threshold) {
    return std::string(atLeast(value, threshold) ? "(>=" : "(<") + shortest(threshold, 1) + ")";
}

std::string nucleiText(std::size_t n) {
    return withThousands(n) + (n == 1 ? " nucleus" : " nuclei");
}

void scoreBreastDual(ScoreReport& r, const RuleParams& p) {
    IshSummary& s = r.ish;
    const int group = breastIshGroup(s.ratio, s.meanHer2, p);
    s.group = group;
    s.workup = ishWorkup(group);
    std::string verdict;
    switch (group) {
        case 1:
            r.status = Her2Status::Positive;
            verdict = "positive";
            break;
        case 5:
            r.status = Her2Status::Negative;
            verdict = "negative";
            break;
        default:
            // No equivocal ISH category exists: the final call of groups 2-4 depends on the
            // concurrent IHC (combineIhcIsh), which this report does not know.
            r.status = Her2Status::Equivocal;
            verdict = "needs IHC work-up";
            break;
    }
    std::string mean =
        "mean HER2 " + valueText(s.meanHer2, {p.ishHer2Lower, p.ishHer2Upper}) + " signals/cell ";
    if (group == 4)
        mean += "(>=" + shortest(p.ishHer2Lower, 1) + " and <" + shortest(p.ishHer2Upper, 1) + ")";
    else if (group == 3)
        mean += sideText(s.meanHer2, p.ishHer2Upper);
    else
        mean += sideText(s.meanHer2, p.ishHer2Lower);
    r.reason = "ISH group " + std::to_string(group) + " (" + verdict + "): HER2/CEP17 ratio " +
               valueText(s.ratio, {p.ishRatio}) + " " + sideText(s.ratio, p.ishRatio) + " and " + mean +
               " in " + nucleiText(s.nucleiCounted);
}

void scoreGastricDual(ScoreReport& r, const RuleParams& p) {
    IshSummary& s = r.ish;
    const std::string tail = " in " + nucleiText(s.nucleiCounted) + ", mean HER2 " + fixed(s.meanHer2, 2) +
                             " and mean CEP17 " + fixed(s.meanCep17, 2) + " signals/cell";
    const std::string ratio = "HER2/CEP17 ratio " + valueText(s.ratio, {p.gastricIshRatio}) + " " +
                              sideText(s.ratio, p.gastricIshRatio);
    if (atLeast(s.ratio, p.gastricIshRatio)) {
        r.status = Her2Status::Positive;
        r.reason = "ISH positive: " + ratio + tail;
        s.workup = "No work-up: HER2 amplified.";
    } else if (p.gastricIshCopyNumberOption && atLeast(s.meanHer2, p.gastricIshHer2)) {
        r.status = Her2Status::Positive;
        r.reason = "ISH positive (copy-number option): " + ratio + " with mean HER2 " +
                   valueText(s.meanHer2, {p.gastricIshHer2}) + " signals/cell " +
                   sideText(s.meanHer2, p.gastricIshHer2) + " in " + nucleiText(s.nucleiCounted);
        s.workup = "No work-up: HER2 amplified by the laboratory's copy-number option.";
    } else {
        r.status = Her2Status::Negative;
        r.reason = "ISH negative: " + ratio + tail;
        s.workup = "No work-up: HER2 not amplified.";
    }
}

void scoreSingle(ScoreReport& r, const RuleParams& p) {
    IshSummary& s = r.ish;
    const std::string mean = "mean HER2 " +
                             valueText(s.meanHer2, {p.singleProbeNegative, p.singleProbePositive}) +
                             " signals/cell ";
    const std::string in = " in " + nucleiText(s.nucleiCounted);
    if (atLeast(s.meanHer2, p.singleProbePositive)) {
        r.status = Her2Status::Positive;
        r.reason = "single-probe ISH positive: " + mean + sideText(s.meanHer2, p.singleProbePositive) + in;
        s.workup = "No work-up: HER2 amplified.";
    } else if (!atLeast(s.meanHer2, p.singleProbeNegative)) {
        r.status = Her2Status::Negative;
        r.reason = "single-probe ISH negative: " + mean + sideText(s.meanHer2, p.singleProbeNegative) + in;
        s.workup = "No work-up: HER2 not amplified.";
    } else {
        r.status = Her2Status::Equivocal;
        r.reason = "single-probe ISH needs work-up: " + mean + "(>=" + shortest(p.singleProbeNegative, 1) +
                   " and <" + shortest(p.singleProbePositive, 1) + ")" + in;
        s.workup =
            "Review the concurrent IHC or test with a dual probe: IHC 3+ positive, IHC 0 or 1+ negative, IHC "
            "2+ "
            "needs dual-probe ISH.";
    }
}

std::string probeOf(const RuleParams& p) {
    if (p.ishProbe == "dual" || p.ishProbe == "single") return p.ishProbe;
    throw ParameterError("parameter rules.ish_probe = \"" + p.ishProbe + "\" is not one of: dual, single");
}

// Comments to report with a negative (or recount-dependent) breast call, after the
// ASCO/CAP 2018 wording.
constexpr const char* kCommentGroup2 =
    "Evidence on the efficacy of HER2-targeted therapy is limited when the HER2/CEP17 ratio is >=2.0 with a "
    "mean "
    "HER2 copy number <4.0 signals/cell.";
constexpr const char* kCommentGroup3 =
    "There are insufficient data on the efficacy of HER2-targeted therapy with a HER2/CEP17 ratio <2.0 and a "
    "mean "
    "HER2 copy number >=6.0 signals/cell without protein overexpression; with IHC 0 or 1+ the case is HER2 "
    "negative.";
constexpr const char* kCommentGroup4 =
    "It is uncertain whether patients with a mean of >=4.0 and <6.0 HER2 signals/cell and a HER2/CEP17 ratio "
    "<2.0 "
    "benefit from HER2-targeted therapy without protein overexpression (IHC 3+).";

}  // namespace

int breastIshGroup(double ratio, double meanHer2, const RuleParams& p) noexcept {
    if (atLeast(ratio, p.ishRatio)) return atLeast(meanHer2, p.ishHer2Lower) ? 1 : 2;
    if (atLeast(meanHer2, p.ishHer2Upper)) return 3;
    if (atLeast(meanHer2, p.ishHer2Lower)) return 4;
    return 5;
}

std::string ishWorkup(int group) {
    switch (group) {
        case 1:
            return "No work-up: ISH group 1 is HER2 positive.";
        case 2:
            return "Review the concurrent IHC: IHC 3+ positive; IHC 2+ needs a recount of at least 20 cells "
                   "by an "
                   "observer blinded to the first count, negative with comment if still group 2; IHC 0 or 1+ "
                   "negative with comment.";
        case 3:
            return "Review the concurrent IHC: IHC 3+ positive; IHC 2+ needs a recount of at least 20 cells "
                   "by an "
                   "observer blinded to the first count, positive if still group 3; IHC 0 or 1+ negative "
                   "with "
                   "comment.";
        case 4:
            return "Review the concurrent IHC: IHC 3+ positive; otherwise negative with comment.";
        case 5:
            return "No work-up: ISH group 5 is HER2 negative.";
        default:
            throw ParameterError("ISH group " + std::to_string(group) + " is not one of 1-5");
    }
}

ScoreReport scoreIsh(const std::vector<FishNucleus>& nuclei, const RuleParams& params) {
    const RuleSetId rules = resolveRuleSet(params);
    ScoreReport r;
    r.assay = Assay::Fish;
    r.ruleSet = rules;
    r.ruleVersion = ruleVersion(rules);
    r.specimen = resolveSpecimen(params);
    r.thresholdPercent = 0;  // no percentage rule in ISH
    IshSummary& s = r.ish;
    s.probe = probeOf(params);
    s.nucleiDetected = nuclei.size();
    for (const FishNucleus& n : nuclei) {
        if (!n.counted()) continue;
        ++s.nucleiCounted;
        s.totalHer2 += n.her2Count;
        s.totalCep17 += n.cep17Count;
        if (n.her2Cluster) ++s.clusteredNuclei;
    }
    if (s.nucleiCounted > 0) {
        s.meanHer2 = s.totalHer2 / static_cast<double>(s.nucleiCounted);
        s.meanCep17 = s.totalCep17 / static_cast<double>(s.nucleiCounted);
    }
    const bool dual = s.probe == "dual";
    // The ratio of the totals (not the mean of per-cell ratios), as the kits count it.
    if (dual && s.totalCep17 > 0) s.ratio = s.totalHer2 / s.totalCep17;

    const auto minNuclei = static_cast<std::size_t>(std::max(1, params.minIshNuclei));
    if (s.nucleiCounted < minNuclei) {
        r.status = Her2Status::NotScorable;
        r.reason = "not scorable: fewer than " + withThousands(minNuclei) + " evaluable nuclei (" +
                   withThousands(s.nucleiCounted) + " counted)";
        return r;
    }
    if (!dual) {
        scoreSingle(r, params);
        return r;
    }
    if (!(s.totalCep17 > 0)) {
        r.status = Her2Status::NotScorable;
        r.reason = "not scorable: no CEP17 signal in " + nucleiText(s.nucleiCounted) +
                   ", so the HER2/CEP17 ratio is undefined";
        return r;
    }
    if (rules == RuleSetId::Breast)
        scoreBreastDual(r, params);
    else
        scoreGastricDual(r, params);  // NSCLC follows the gastric criteria
    return r;
}

ScoreReport scoreIshSingleProbe(const std::vector<FishNucleus>& nuclei, const RuleParams& params) {
    RuleParams p = params;
    p.ishProbe = "single";
    return scoreIsh(nuclei, p);
}

FinalCall combineIhcIsh(Her2Score ihc, const ScoreReport& ish) {
    if (ish.assay != Assay::Fish)
        throw ParameterError("combineIhcIsh: the second report is an IHC report, not an ISH result");
    FinalCall f;
    f.ihcScore = ihc;
    f.ishGroup = ish.ish.group;
    const std::string ihcText = "IHC " + std::string(toString(ihc));
    const bool low = ihc == Her2Score::One || ihc == Her2Score::Two;
    auto finish = [&](Her2Status status, std::string text, std::string comment = {}) {
        f.status = status;
        f.text = std::move(text);
        f.comment = std::move(comment);
        // HER2-low (DESTINY-Breast04): IHC 1+, or IHC 2+ with negative ISH.
        f.her2Low = status == Her2Status::Negative && low;
        return f;
    };

    std::string ishText;
    if (ish.ish.group)
        ishText = "ISH group " + std::to_string(*ish.ish.group);
    else
        ishText = std::string(ish.ish.probe == "single" ? "single-probe ISH " : "ISH ") +
                  (ish.status == Her2Status::Positive    ? "positive"
                   : ish.status == Her2Status::Negative  ? "negative"
                   : ish.status == Her2Status::Equivocal ? "mean HER2 4.0 to <6.0"
                                                         : "not scorable");

    if (ihc == Her2Score::Three)
        return finish(Her2Status::Positive, "HER2 positive: " + ihcText + " (" + ishText + ")");
    if (ish.status == Her2Status::NotScorable) {
        if (ihc == Her2Score::Two)
            return finish(
                Her2Status::NotScorable,
                "not scorable: IHC 2+ needs ISH and the ISH is not scorable; repeat ISH or test another "
                "specimen");
        return finish(Her2Status::Negative, "HER2 negative: " + ihcText + " (ISH not scorable)");
    }

    if (ish.ish.probe == "single") {
        if (ish.status == Her2Status::Positive)
            return finish(Her2Status::Positive, "HER2 positive: " + ishText + " with " + ihcText);
        if (ish.status == Her2Status::Negative)
            return finish(Her2Status::Negative, "HER2 negative: " + ishText + " with " + ihcText);
        if (ihc == Her2Score::Two)
            return finish(Her2Status::Equivocal,
                          "equivocal: " + ishText + " with IHC 2+; test with a dual probe");
        return finish(Her2Status::Negative, "HER2 negative: " + ishText + " with " + ihcText);
    }

    if (ish.ruleSet != RuleSetId::Breast) {
        // Gastric/NSCLC: positive is IHC 3+, or IHC 2+ with positive ISH. IHC 0/1+ with
        // amplification stays negative (ToGA: no benefit in that group) but is flagged.
        if (ihc == Her2Score::Two)
            return finish(
                ish.status == Her2Status::Positive ? Her2Status::Positive : Her2Status::Negative,
                std::string(ish.status == Her2Status::Positive ? "HER2 positive: " : "HER2 negative: ") +
                    ihcText + " with " + ishText);
        return finish(
            Her2Status::Negative, "HER2 negative: " + ihcText + " (" + ishText + ")",
            ish.status == Her2Status::Positive
                ? "HER2 amplified by ISH without IHC 2+ or 3+: review the discordance; gastric HER2 "
                  "positivity rests on IHC 3+ or IHC 2+ with positive ISH."
                : "");
    }

    const int group = ish.ish.group.value_or(0);
    switch (group) {
        case 1:
            return finish(Her2Status::Positive, "HER2 positive: ISH group 1 with " + ihcText);
        case 5:
            return finish(Her2Status::Negative, "HER2 negative: ISH group 5 with " + ihcText);
        case 2:
            if (ihc == Her2Score::Two) {
                f.recountRequired = true;
                return finish(
                    Her2Status::Negative,
                    "HER2 negative with comment: ISH group 2 with IHC 2+, if a blinded recount of at "
                    "least 20 cells is still group 2",
                    kCommentGroup2);
            }
            return finish(Her2Status::Negative, "HER2 negative with comment: ISH group 2 with " + ihcText,
                          kCommentGroup2);
        case 3:
            if (ihc == Her2Score::Two) {
                f.recountRequired = true;
                return finish(
                    Her2Status::Positive,
                    "HER2 positive: ISH group 3 with IHC 2+, if a blinded recount of at least 20 cells is "
                    "still group 3");
            }
            return finish(Her2Status::Negative, "HER2 negative with comment: ISH group 3 with " + ihcText,
                          kCommentGroup3);
        case 4:
            return finish(Her2Status::Negative, "HER2 negative with comment: ISH group 4 with " + ihcText,
                          kCommentGroup4);
        default:
            throw ParameterError("combineIhcIsh: breast dual-probe ISH report without a group");
    }
}

}  // namespace her2::core
