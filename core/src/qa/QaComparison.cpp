#include "her2/core/QaComparison.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

#include "ScoreFileParsing.hpp"
#include "her2/core/Csv.hpp"
#include "her2/core/Errors.hpp"

namespace her2::core {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 4> kScoreLabels{"0", "1+", "2+", "3+"};

Json number(double v) {
    return std::isfinite(v) ? Json(v) : Json(nullptr);
}

Json interval(const Interval& i) {
    return Json::array({number(i.low), number(i.high)});
}

Json matrixJson(const ConfusionMatrix& m) {
    Json rows = Json::array();
    for (std::size_t i = 0; i < m.size(); ++i) {
        Json row = Json::array();
        for (std::size_t j = 0; j < m.size(); ++j) row.push_back(m.at(i, j));
        rows.push_back(row);
    }
    return rows;
}

Json confusionJson(const std::vector<std::string>& labels, const ConfusionMatrix& m) {
    return Json{{"labels", labels}, {"matrix", matrixJson(m)}, {"rows", "auto"}, {"columns", "manual"}};
}

Json categoryJson(const CategoryAgreement& c) {
    return Json{{"n", c.n},
                {"agreement", number(c.agreement)},
                {"kappa", number(c.kappa)},
                {"confusion", confusionJson(c.labels, c.confusion)}};
}

Json continuousJson(const ContinuousAgreement& c) {
    const BlandAltman& b = c.blandAltman;
    return Json{{"n", b.n},
                {"bias", number(b.bias)},
                {"sd", number(b.sd)},
                {"loa", Json::array({number(b.lowerLimit), number(b.upperLimit)})},
                {"icc", number(c.icc)}};
}

CategoryAgreement categorical(std::vector<std::string> labels, const std::vector<int>& a,
                              const std::vector<int>& b) {
    CategoryAgreement c;
    c.labels = std::move(labels);
    c.confusion = ConfusionMatrix::fromPairs(a, b, c.labels.size());
    c.n = a.size();
    c.agreement = percentAgreement(c.confusion);
    c.kappa = cohenKappa(c.confusion);
    return c;
}

ContinuousAgreement continuous(std::vector<std::string> slides, std::vector<double> a,
                               std::vector<double> b) {
    ContinuousAgreement c;
    c.blandAltman = blandAltman(a, b);
    c.icc = iccAbsoluteAgreement(a, b);
    c.automatic = std::move(a);
    c.manual = std::move(b);
    c.slides = std::move(slides);
    return c;
}

int clinicalCategory(Her2Score s) {
    switch (s) {
        case Her2Score::Zero:
        case Her2Score::One:
            return 0;
        case Her2Score::Two:
            return 1;
        case Her2Score::Three:
            return 2;
    }
    return 0;
}

std::string joinPath(const std::filesystem::path& dir, const std::string& file) {
    if (file.empty()) return {};
    const std::filesystem::path p(file);
    if (p.is_absolute() || dir.empty()) return p.lexically_normal().generic_string();
    return (dir / p).lexically_normal().generic_string();
}

std::string autoReason(const AutoScoreRow& a, const char* what) {
    std::string reason = std::string("no automatic ") + what + " result";
    if (!a.error.empty())
        reason += ": " + a.error;
    else if (!a.status.empty())
        reason += " (status " + a.status + ")";
    return reason;
}

}  // namespace

std::string slideKey(std::string_view name) {
    using detail::trim;
    std::string_view s = trim(name);
    if (const auto slash = s.find_last_of("/\\"); slash != std::string_view::npos) s.remove_prefix(slash + 1);
    // Only extensions of slide and image formats are removed, so that a name with a dot of its
    // own ("case.12") keeps it on both sides.
    static constexpr std::array<std::string_view, 24> kExtensions{
        ".ome.tiff", ".ome.tif", ".svs",  ".tif",     ".tiff", ".ndpi",    ".vms", ".vmu",
        ".scn",      ".mrxs",    ".bif",  ".svslide", ".czi",  ".isyntax", ".dcm", ".qptiff",
        ".png",      ".jpg",     ".jpeg", ".bmp",     ".jp2",  ".btf",     ".zvi", ".lif"};
    for (const auto ext : kExtensions) {
        if (s.size() > ext.size()) {
            const std::string_view tail = s.substr(s.size() - ext.size());
            bool same = true;
            for (std::size_t i = 0; i < ext.size() && same; ++i)
                same = std::tolower(static_cast<unsigned char>(tail[i])) == ext[i];
            if (same) {
                s.remove_suffix(ext.size());
                break;
            }
        }
    }
    return std::string(trim(s));
}

std::vector<AutoScoreRow> parseAutoScores(std::string_view text, const std::string& file) {
    const CsvDocument doc = CsvDocument::parse(text, file);
    const std::size_t slideCol = doc.requireColumn("slide");
    const auto col = [&](std::string_view name) { return doc.column(name); };
    const auto scoreCol = col("score"), statusCol = col("status"), assayCol = col("assay"),
               ruleCol = col("rule"), specimenCol = col("specimen"), ratioCol = col("ratio"),
               her2Col = col("mean_her2"), cep17Col = col("mean_cep17"), groupCol = col("group"),
               overlayCol = col("overlay"), reportCol = col("report"), errorCol = col("error");
    if (!scoreCol && !ratioCol && !her2Col && !groupCol)
        throw ParseError(file, 1, 0,
                         "not a batch summary: none of the columns score, ratio, mean_her2, group");

    std::vector<AutoScoreRow> out;
    detail::DuplicateGuard guard;
    for (std::size_t r = 0; r < doc.rowCount(); ++r) {
        AutoScoreRow row;
        row.line = doc.lineOf(r);
        row.slide = detail::slideField(doc, r, slideCol);
        guard.check(doc, r, slideCol, row.slide);
        const auto text = [&](std::optional<std::size_t> c) {
            return c ? csvUnprotect(detail::trim(doc.row(r)[*c])) : std::string();
        };
        row.assay = text(assayCol);
        row.rule = text(ruleCol);
        row.specimen = text(specimenCol);
        row.status = text(statusCol);
        row.overlay = text(overlayCol);
        row.report = text(reportCol);
        row.error = text(errorCol);
        if (scoreCol) row.score = detail::scoreField(doc, r, *scoreCol);
        if (ratioCol) row.ratio = detail::numberField(doc, r, *ratioCol);
        if (her2Col) row.meanHer2 = detail::numberField(doc, r, *her2Col);
        if (cep17Col) row.meanCep17 = detail::numberField(doc, r, *cep17Col);
        if (groupCol) row.group = detail::groupField(doc, r, *groupCol);
        out.push_back(std::move(row));
    }
    return out;
}

std::vector<AutoScoreRow> readAutoScores(const std::string& path) {
    return parseAutoScores(detail::readText(path), path);
}

std::vector<ManualScoreRow> parseManualScores(std::string_view text, const std::string& file) {
    const CsvDocument doc = CsvDocument::parse(text, file);
    const std::size_t slideCol = doc.requireColumn("slide");
    const auto ihcCol = doc.column("ihc_score"), ratioCol = doc.column("ish_ratio"),
               her2Col = doc.column("mean_her2"), cep17Col = doc.column("mean_cep17"),
               groupCol = doc.column("ish_group"), splitCol = doc.column("split");
    if (!ihcCol && !ratioCol && !her2Col && !cep17Col && !groupCol)
        throw ParseError(
            file, 1, 0,
            "no score columns: expected any of ihc_score, ish_ratio, mean_her2, mean_cep17, ish_group");
    std::vector<ManualScoreRow> out;
    detail::DuplicateGuard guard;
    for (std::size_t r = 0; r < doc.rowCount(); ++r) {
        ManualScoreRow row;
        row.line = doc.lineOf(r);
        row.slide = detail::slideField(doc, r, slideCol);
        guard.check(doc, r, slideCol, row.slide);
        if (ihcCol) row.ihc = detail::scoreField(doc, r, *ihcCol);
        if (ratioCol) row.ratio = detail::numberField(doc, r, *ratioCol);
        if (her2Col) row.meanHer2 = detail::numberField(doc, r, *her2Col);
        if (cep17Col) row.meanCep17 = detail::numberField(doc, r, *cep17Col);
        if (groupCol) row.group = detail::groupField(doc, r, *groupCol);
        if (splitCol) {
            std::string split = detail::lower(detail::trim(doc.row(r)[*splitCol]));
            if (!split.empty() && split != "train" && split != "test")
                doc.fail(r, *splitCol, "split must be 'train', 'test' or empty, not '" + split + "'");
            row.split = std::move(split);
        }
        out.push_back(std::move(row));
    }
    return out;
}

std::vector<ManualScoreRow> readManualScores(const std::string& path) {
    return parseManualScores(detail::readText(path), path);
}

QaComparison QaComparison::compare(const std::vector<AutoScoreRow>& automatic,
                                   const std::vector<ManualScoreRow>& manual,
                                   const std::filesystem::path& summaryDir,
                                   const BootstrapOptions& bootstrap) {
    QaComparison q;
    q.bootstrap = bootstrap;
    std::map<std::string, std::size_t> autoIndex;
    for (std::size_t i = 0; i < automatic.size(); ++i) autoIndex.emplace(automatic[i].slide, i);
    std::vector<bool> autoUsed(automatic.size(), false);

    std::vector<int> ihcA, ihcM, clinA, clinM, lowA, lowM, groupA, groupM;
    std::vector<std::string> ratioS, her2S, cep17S;
    std::vector<double> ratioA, ratioM, her2A, her2M, cep17A, cep17M;
    for (const ManualScoreRow& m : manual) {
        const auto it = autoIndex.find(m.slide);
        if (it == autoIndex.end()) {
            q.unmatchedManual.push_back(m.slide);
            continue;
        }
        autoUsed[it->second] = true;
        const AutoScoreRow& a = automatic[it->second];
        const bool manualIsh = m.ratio || m.meanHer2 || m.meanCep17 || m.group;
        if (!m.ihc && !manualIsh) {
            q.skipped.push_back({m.slide, "no manual score"});
            continue;
        }
        if (m.ihc) {
            if (!a.score) {
                q.skipped.push_back({m.slide, autoReason(a, "IHC")});
            } else {
                const int sa = static_cast<int>(*a.score), sm = static_cast<int>(*m.ihc);
                ihcA.push_back(sa);
                ihcM.push_back(sm);
                clinA.push_back(clinicalCategory(*a.score));
                clinM.push_back(clinicalCategory(*m.ihc));
                if (sa <= 1 && sm <= 1) {
                    lowA.push_back(sa);
                    lowM.push_back(sm);
                }
                if (sa != sm)
                    q.discordant.push_back({m.slide, *a.score, *m.ihc, joinPath(summaryDir, a.overlay),
                                            joinPath(summaryDir, a.report)});
            }
        }
        if (manualIsh) {
            const bool autoIsh = a.ratio || a.meanHer2 || a.meanCep17 || a.group;
            if (!autoIsh) q.skipped.push_back({m.slide, autoReason(a, "ISH")});
            if (m.ratio && a.ratio) {
                ratioS.push_back(m.slide);
                ratioA.push_back(*a.ratio);
                ratioM.push_back(*m.ratio);
            }
            if (m.meanHer2 && a.meanHer2) {
                her2S.push_back(m.slide);
                her2A.push_back(*a.meanHer2);
                her2M.push_back(*m.meanHer2);
            }
            if (m.meanCep17 && a.meanCep17) {
                cep17S.push_back(m.slide);
                cep17A.push_back(*a.meanCep17);
                cep17M.push_back(*m.meanCep17);
            }
            if (m.group && a.group) {
                groupA.push_back(*a.group - 1);
                groupM.push_back(*m.group - 1);
            }
        }
    }
    for (std::size_t i = 0; i < automatic.size(); ++i)
        if (!autoUsed[i]) q.unmatchedAuto.push_back(automatic[i].slide);

    q.n = ihcA.size();
    q.confusion = ConfusionMatrix::fromPairs(ihcA, ihcM, 4);
    q.agreement = percentAgreement(q.confusion);
    q.kappa = cohenKappa(q.confusion, KappaWeights::None);
    q.weightedKappa = cohenKappa(q.confusion, KappaWeights::Quadratic);
    q.linearKappa = cohenKappa(q.confusion, KappaWeights::Linear);
    q.kappaSe = kappaStandardError(q.confusion);
    q.kappaCi = bootstrapKappa(ihcA, ihcM, 4, KappaWeights::None, bootstrap);
    q.weightedKappaCi = bootstrapKappa(ihcA, ihcM, 4, KappaWeights::Quadratic, bootstrap);
    q.clinical = categorical({"negative", "equivocal", "positive"}, clinA, clinM);
    q.her2Low = categorical({"0", "1+"}, lowA, lowM);
    q.ratio = continuous(std::move(ratioS), std::move(ratioA), std::move(ratioM));
    q.meanHer2 = continuous(std::move(her2S), std::move(her2A), std::move(her2M));
    q.meanCep17 = continuous(std::move(cep17S), std::move(cep17A), std::move(cep17M));
    q.ishGroup = categorical({"1", "2", "3", "4", "5"}, groupA, groupM);
    return q;
}

std::string relativeLink(const std::string& target, const std::filesystem::path& base) {
    if (target.empty() || base.empty()) return target;
    const std::filesystem::path t = std::filesystem::absolute(target).lexically_normal();
    const std::filesystem::path b = std::filesystem::absolute(base).lexically_normal();
    const std::filesystem::path rel = t.lexically_relative(b);
    return rel.empty() ? t.generic_string() : rel.generic_string();
}

std::string QaComparison::toJson(const std::filesystem::path& linkBase) const {
    Json discordantJson = Json::array();
    for (const auto& d : discordant)
        discordantJson.push_back({{"slide", d.slide},
                                  {"auto", toString(d.automatic)},
                                  {"manual", toString(d.manual)},
                                  {"overlay", relativeLink(d.overlay, linkBase)},
                                  {"report", relativeLink(d.report, linkBase)}});
    Json skippedJson = Json::array();
    for (const auto& s : skipped) skippedJson.push_back({{"slide", s.slide}, {"reason", s.reason}});
    const std::vector<std::string> labels(kScoreLabels.begin(), kScoreLabels.end());
    Json doc{
        {"n", n},
        {"agreement", number(agreement)},
        {"kappa", number(kappa)},
        {"kappa_ci", interval(kappaCi)},
        {"weighted_kappa", number(weightedKappa)},
        {"weighted_kappa_ci", interval(weightedKappaCi)},
        {"weights", "quadratic"},
        {"linear_kappa", number(linearKappa)},
        {"kappa_se", number(kappaSe)},
        {"confusion", confusionJson(labels, confusion)},
        {"clinical", categoryJson(clinical)},
        {"her2_low", categoryJson(her2Low)},
        {"discordant", discordantJson},
        {"ish",
         {{"n", std::max({ratio.blandAltman.n, meanHer2.blandAltman.n, meanCep17.blandAltman.n, ishGroup.n})},
          {"ratio", continuousJson(ratio)},
          {"mean_her2", continuousJson(meanHer2)},
          {"mean_cep17", continuousJson(meanCep17)},
          {"group", categoryJson(ishGroup)}}},
        {"unmatched_auto", unmatchedAuto},
        {"unmatched_manual", unmatchedManual},
        {"skipped", skippedJson},
        {"bootstrap",
         {{"replicates", bootstrap.replicates}, {"seed", bootstrap.seed}, {"level", bootstrap.level}}},
        {"icc_form", "ICC(A,1) two-way random, absolute agreement, single rater (Shrout-Fleiss ICC(2,1))"},
        {"auto_file", autoFile},
        {"manual_file", manualFile},
    };
    return doc.dump(2);
}

}  // namespace her2::core
