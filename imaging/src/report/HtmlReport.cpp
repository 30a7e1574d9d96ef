#include "report/HtmlReport.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "her2/imaging/Version.hpp"

namespace her2::imaging {
namespace {

using nlohmann::json;

const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2430;background:#f5f6f8}
h1{font-size:22px;margin:0 0 4px} .sub{color:#5b6575;margin-bottom:18px}
table.sum{border-collapse:collapse;margin-bottom:22px;background:#fff}
table.sum td,table.sum th{border:1px solid #d9dde3;padding:4px 10px;font-size:13px;text-align:left}
.card{background:#fff;border:1px solid #d9dde3;border-radius:8px;padding:14px;margin-bottom:16px;display:flex;gap:16px;flex-wrap:wrap}
.card img{max-width:300px;max-height:300px;border:1px solid #ccd;background:#fff}
.meta{min-width:320px;flex:1} .name{font-weight:600;font-size:16px} .path{color:#6b7585;font-size:12px;word-break:break-all}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff;margin:6px 0}
.positive{background:#c62828}.equivocal{background:#ef6c00}.negative{background:#1565c0}.not-scorable,.error{background:#6b6b6b}
.reason{font-size:13px;margin:6px 0} .err{color:#b00020;font-size:13px}
.legend span{display:inline-block;margin-right:10px;font-size:12px}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
)";

const char* kClassColours[4] = {"#466ee6", "#f5d728", "#f58c14", "#d7191e"};
const char* kClassNames[4] = {"0", "1+", "2+", "3+"};

std::string fmt(double v, int decimals = 1) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string percentBar(const json& pct) {
    std::ostringstream s;
    s << R"(<svg width="320" height="22" role="img" aria-label="class percentages">)";
    double x = 0;
    for (int c = 0; c < 4; ++c) {
        const double p = pct.contains(kClassNames[c]) ? pct[kClassNames[c]].get<double>() : 0.0;
        const double w = 320.0 * std::clamp(p, 0.0, 100.0) / 100.0;
        s << "<rect x=\"" << fmt(x, 2) << "\" y=\"0\" width=\"" << fmt(w, 2) << "\" height=\"22\" fill=\""
          << kClassColours[c] << "\"><title>" << kClassNames[c] << ": " << fmt(p) << "%</title></rect>";
        x += w;
    }
    s << "</svg><div class=\"legend\">";
    for (int c = 0; c < 4; ++c) {
        const double p = pct.contains(kClassNames[c]) ? pct[kClassNames[c]].get<double>() : 0.0;
        s << "<span><i class=\"sw\" style=\"background:" << kClassColours[c] << "\"></i>" << kClassNames[c]
          << " " << fmt(p) << "%</span>";
    }
    return s.str() + "</div>";
}

std::string histogram(const json& h) {
    if (!h.contains("counts") || !h.contains("edges")) return "";
    const auto counts = h["counts"].get<std::vector<double>>();
    const auto edges = h["edges"].get<std::vector<double>>();
    if (counts.empty() || edges.size() != counts.size() + 1) return "";
    const double top = std::max(1.0, *std::max_element(counts.begin(), counts.end()));
    const double W = 320, H = 90, bw = W / static_cast<double>(counts.size());
    std::ostringstream s;
    s << "<svg width=\"" << W << "\" height=\"" << H + 16
      << "\" role=\"img\" aria-label=\"membrane DAB OD histogram\"><rect width=\"" << W << "\" height=\"" << H
      << "\" fill=\"#fafbfc\" stroke=\"#d9dde3\"/>";
    for (std::size_t i = 0; i < counts.size(); ++i) {
        const double bh = H * counts[i] / top;
        s << "<rect x=\"" << fmt(i * bw + 0.5, 2) << "\" y=\"" << fmt(H - bh, 2) << "\" width=\""
          << fmt(bw - 1, 2) << "\" height=\"" << fmt(bh, 2) << "\" fill=\"#8d6e63\"><title>OD "
          << fmt(edges[i], 2) << "-" << fmt(edges[i + 1], 2) << ": " << static_cast<long long>(counts[i])
          << " cells</title></rect>";
    }
    s << "<text x=\"0\" y=\"" << H + 13 << "\" font-size=\"11\">0</text><text x=\"" << W - 60 << "\" y=\""
      << H + 13 << "\" font-size=\"11\">OD " << fmt(edges.back(), 1) << "</text></svg>";
    return "<div style=\"font-size:12px;color:#5b6575\">Membrane DAB OD of tumour cells</div>" + s.str();
}

std::string str(const json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

}  // namespace

std::string htmlEscape(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (char c : in) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string renderBatchHtml(const std::vector<HtmlSlide>& slides) {
    std::ostringstream s;
    s << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>HER2Scope batch "
         "report</title><style>"
      << kStyle << "</style></head><body><h1>HER2Scope batch report</h1><div class=\"sub\">" << slides.size()
      << " slides &middot; HER2Scope " << htmlEscape(version()) << "</div>";
    s << "<table "
         "class=\"sum\"><tr><th>slide</th><th>assay</th><th>rule</th><th>score</th><th>status</th><th>reason "
         "or error</th></tr>";
    for (const auto& sl : slides) {
        const auto& j = sl.report;
        const std::string status = str(j, "status");
        std::string score = str(j, "score");
        if (j.contains("group") && j["group"].is_number())
            score = "group " + std::to_string(j["group"].get<int>());
        s << "<tr><td><a href=\"#" << htmlEscape(sl.name) << "\">" << htmlEscape(sl.name) << "</a></td><td>"
          << htmlEscape(str(j, "assay")) << "</td><td>" << htmlEscape(str(j, "rule")) << "</td><td>"
          << htmlEscape(score) << "</td><td>" << htmlEscape(status) << "</td><td>"
          << htmlEscape(status == "error" ? str(j, "error") : str(j, "reason")) << "</td></tr>";
    }
    s << "</table>";
    for (const auto& sl : slides) {
        const auto& j = sl.report;
        const std::string status = str(j, "status");
        const std::string n = htmlEscape(sl.name);
        s << "<div class=\"card\" id=\"" << n << "\">";
        if (status != "error")
            s << "<a href=\"" << n << ".thumb.jpg\"><img src=\"" << n << ".thumb.jpg\" alt=\"thumbnail of "
              << n << "\"></a><a href=\"" << n << ".overlay.png\"><img src=\"" << n
              << ".overlay.png\" alt=\"overlay of " << n << "\"></a>";
        s << "<div class=\"meta\"><div class=\"name\">" << n << "</div><div class=\"path\">"
          << htmlEscape(sl.path) << "</div>";
        if (status == "error") {
            s << "<span class=\"badge error\">error</span><div class=\"err\">" << htmlEscape(str(j, "error"))
              << "</div></div></div>";
            continue;
        }
        std::string score = str(j, "score");
        if (j.contains("group") && j["group"].is_number())
            score = "ISH group " + std::to_string(j["group"].get<int>());
        s << "<span class=\"badge " << htmlEscape(status) << "\">"
          << htmlEscape(score.empty() ? status : score + " · " + status) << "</span>";
        s << "<div class=\"reason\">" << htmlEscape(str(j, "reason")) << "</div>";
        s << "<div style=\"font-size:12px;color:#5b6575\">" << htmlEscape(str(j, "rule")) << " &middot; "
          << htmlEscape(str(j, "rule_version")) << "</div>";
        if (str(j, "assay") == "ihc") {
            if (j.contains("her2_low_category") && j["her2_low_category"].is_string())
                s << "<div style=\"font-size:13px\">HER2-low field: "
                  << htmlEscape(str(j, "her2_low_category")) << "</div>";
            if (j.contains("tumor_cells"))
                s << "<div style=\"font-size:13px\">" << j["tumor_cells"].get<long long>()
                  << " tumour cells, " << j.value("excluded_cells", 0LL) << " excluded</div>";
            if (j.contains("percent")) s << percentBar(j["percent"]);
            if (j.contains("membrane_od_histogram")) s << histogram(j["membrane_od_histogram"]);
        } else {
            auto numOr = [&](const char* k) {
                return j.contains(k) && j[k].is_number() ? fmt(j[k].get<double>(), 2) : std::string("–");
            };
            s << "<div style=\"font-size:13px\">nuclei counted " << numOr("nuclei_counted")
              << " &middot; mean HER2 " << numOr("mean_her2") << " &middot; mean CEP17 "
              << numOr("mean_cep17") << " &middot; ratio " << numOr("ratio") << "</div>";
        }
        s << "</div></div>";
    }
    s << "</body></html>\n";
    return s.str();
}

}  // namespace her2::imaging
