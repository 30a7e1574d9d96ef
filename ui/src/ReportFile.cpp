#include "her2/ui/ReportFile.hpp"

#include <QFile>
#include <nlohmann/json.hpp>

#include "her2/core/Errors.hpp"
#include "her2/core/JsonText.hpp"
#include "her2/core/ScoringRules.hpp"

namespace her2::ui {
namespace {

using nlohmann::json;

std::string text(const json& doc, const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double number(const json& doc, const char* key, double fallback = 0) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_number() ? it->get<double>() : fallback;
}

}  // namespace

ReportFileContents parseReportJson(const QByteArray& bytes, const QString& file) {
    const std::string name = file.toStdString();
    const json doc = core::detail::parseJsonText<json>(
        std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())), name);
    if (!doc.is_object()) throw core::ParseError(name, 0, 0, "a report must be a JSON object");
    ReportFileContents out;
    core::ScoreReport& r = out.report;
    out.slide = QString::fromStdString(text(doc, "slide"));
    out.slidePath = QString::fromStdString(text(doc, "path"));
    if (const auto a = core::parseAssay(text(doc, "assay"))) r.assay = *a;
    if (const auto rs = core::parseRuleSet(text(doc, "rule"))) r.ruleSet = *rs;
    r.ruleVersion = text(doc, "rule_version");
    if (const auto s = core::parseSpecimen(text(doc, "specimen"))) r.specimen = *s;
    if (const auto s = core::parseHer2Score(text(doc, "score"))) r.score = *s;
    const std::string status = text(doc, "status");
    for (const auto s : {core::Her2Status::Negative, core::Her2Status::Equivocal, core::Her2Status::Positive,
                         core::Her2Status::NotScorable})
        if (core::toString(s) == status) r.status = s;
    const std::string low = text(doc, "her2_low_category");
    for (const auto c :
         {core::Her2LowCategory::ZeroNull, core::Her2LowCategory::ZeroUltralow, core::Her2LowCategory::One,
          core::Her2LowCategory::Two, core::Her2LowCategory::Three})
        if (core::toString(c) == low) r.her2Low = c;
    r.reason = text(doc, "reason");
    r.comparator = text(doc, "comparator");
    r.thresholdPercent = number(doc, "threshold_percent", r.thresholdPercent);
    r.ihc.tumourCells = static_cast<std::size_t>(number(doc, "tumor_cells"));
    r.ihc.excludedCells = static_cast<std::size_t>(number(doc, "excluded_cells"));
    if (const auto p = doc.find("percent"); p != doc.end() && p->is_object()) {
        const char* keys[] = {"0", "1+", "2+", "3+"};
        for (std::size_t i = 0; i < 4; ++i) {
            r.ihc.percent[i] = number(*p, keys[i]);
            r.ihc.counts[i] =
                static_cast<std::size_t>(std::llround(r.ihc.percent[i] * r.ihc.tumourCells / 100.0));
        }
    }
    if (const auto h = doc.find("membrane_od_histogram"); h != doc.end() && h->is_object()) {
        try {
            out.histogram.edges = h->value("edges", std::vector<double>{});
            out.histogram.counts = h->value("counts", std::vector<double>{});
            if (out.histogram.edges.size() != out.histogram.counts.size() + 1) out.histogram = {};
        } catch (const json::exception&) {
            out.histogram = {};
        }
    }
    r.ish.nucleiCounted = static_cast<std::size_t>(number(doc, "nuclei_counted"));
    r.ish.meanHer2 = number(doc, "mean_her2");
    r.ish.meanCep17 = number(doc, "mean_cep17");
    r.ish.ratio = number(doc, "ratio");
    r.ish.totalHer2 = number(doc, "total_her2");
    r.ish.totalCep17 = number(doc, "total_cep17");
    if (const auto g = doc.find("group"); g != doc.end() && g->is_number()) r.ish.group = g->get<int>();
    r.ish.workup = text(doc, "workup");
    return out;
}

ReportFileContents loadReportJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) throw core::InputError(path.toStdString(), "cannot be read");
    return parseReportJson(f.readAll(), path);
}

}  // namespace her2::ui
