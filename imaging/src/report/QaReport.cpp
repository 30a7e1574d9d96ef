#include "her2/imaging/QaReport.hpp"
#include "report/HtmlReport.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <system_error>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "her2/core/Errors.hpp"
#include "her2/imaging/AtomicFile.hpp"
#include "her2/imaging/Version.hpp"

namespace her2::imaging {
namespace {

namespace fs = std::filesystem;
constexpr int kThumbEdge = 240;  ///< longest thumbnail edge, px

std::string esc(std::string_view in) {
    return htmlEscape(in);
}

/// A relative path as a URL path: every byte outside the unreserved set and '/' is
/// percent-encoded, so '#', '?', '%' and spaces in slide names do not break the link.
std::string urlPath(std::string_view path) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

std::string fixed(double v, int digits = 3) {
    if (!std::isfinite(v)) return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string percent(double fraction) {
    return std::isfinite(fraction) ? fixed(100 * fraction, 1) + "%" : "n/a";
}

std::string ci(const core::Interval& i) {
    if (!std::isfinite(i.low) || !std::isfinite(i.high)) return "";
    return " <span class=\"ci\">(95% CI " + fixed(i.low) + " to " + fixed(i.high) + ")</span>";
}

/// Heat map of a confusion matrix: rows automatic, columns manual, shade by count.
std::string heatMap(const std::vector<std::string>& labels, const core::ConfusionMatrix& m,
                    const std::string& title) {
    const std::size_t k = m.size();
    const int cell = 56, left = 90, top = 58;
    const int width = left + static_cast<int>(k) * cell + 10, height = top + static_cast<int>(k) * cell + 10;
    std::size_t maxCount = 0;
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) maxCount = std::max(maxCount, m.at(i, j));
    std::ostringstream s;
    s << "<svg class=\"heat\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\""
      << height << "\" viewBox=\"0 0 " << width << ' ' << height << "\" role=\"img\" aria-label=\""
      << esc(title) << "\">";
    s << "<text x=\"" << left + static_cast<int>(k) * cell / 2
      << "\" y=\"14\" text-anchor=\"middle\">manual</text>";
    s << "<text x=\"14\" y=\"" << top + static_cast<int>(k) * cell / 2
      << "\" text-anchor=\"middle\" transform=\"rotate(-90 14 " << top + static_cast<int>(k) * cell / 2
      << ")\">automatic</text>";
    for (std::size_t j = 0; j < k; ++j)
        s << "<text x=\"" << left + static_cast<int>(j) * cell + cell / 2 << "\" y=\"" << top - 10
          << "\" text-anchor=\"middle\">" << esc(labels[j]) << "</text>";
    for (std::size_t i = 0; i < k; ++i) {
        const int y = top + static_cast<int>(i) * cell;
        s << "<text x=\"" << left - 8 << "\" y=\"" << y + cell / 2 + 5 << "\" text-anchor=\"end\">"
          << esc(labels[i]) << "</text>";
        for (std::size_t j = 0; j < k; ++j) {
            const int x = left + static_cast<int>(j) * cell;
            const std::size_t c = m.at(i, j);
            const double t = maxCount ? static_cast<double>(c) / static_cast<double>(maxCount) : 0.0;
            // Blue for agreement, red for disagreement, so the eye finds off-diagonal mass.
            const int light = static_cast<int>(std::lround(245 - 165 * t));
            const std::string shade = std::to_string(light);
            const std::string fill =
                i == j ? "rgb(" + shade + "," + shade + ",255)" : "rgb(255," + shade + "," + shade + ")";
            s << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << cell - 2 << "\" height=\""
              << cell - 2 << "\" fill=\"" << fill << "\"" << (i == j ? " stroke=\"#335\"" : "")
              << "><title>auto " << esc(labels[i]) << ", manual " << esc(labels[j]) << ": " << c
              << "</title></rect>";
            s << "<text x=\"" << x + cell / 2 - 1 << "\" y=\"" << y + cell / 2 + 5
              << "\" text-anchor=\"middle\" class=\"count\">" << c << "</text>";
        }
    }
    s << "</svg>";
    return s.str();
}

/// Bland-Altman plot: mean of the two measurements against their difference (auto - manual),
/// with the bias and the 95% limits of agreement.
std::string blandAltmanPlot(const core::ContinuousAgreement& c, const std::string& what) {
    const core::BlandAltman& b = c.blandAltman;
    if (b.n == 0) return "";
    const int width = 460, height = 300, left = 56, right = 96, top = 16, bottom = 42;
    double xMin = std::numeric_limits<double>::infinity(), xMax = -xMin, yMin = xMin, yMax = -xMin;
    for (std::size_t i = 0; i < b.n; ++i) {
        const double x = 0.5 * (c.automatic[i] + c.manual[i]), y = c.automatic[i] - c.manual[i];
        xMin = std::min(xMin, x);
        xMax = std::max(xMax, x);
        yMin = std::min(yMin, y);
        yMax = std::max(yMax, y);
    }
    for (const double v : {b.bias, b.lowerLimit, b.upperLimit, 0.0})
        if (std::isfinite(v)) {
            yMin = std::min(yMin, v);
            yMax = std::max(yMax, v);
        }
    const double xPad = std::max(0.05 * (xMax - xMin), 0.1), yPad = std::max(0.08 * (yMax - yMin), 0.1);
    xMin -= xPad;
    xMax += xPad;
    yMin -= yPad;
    yMax += yPad;
    const double plotW = width - left - right, plotH = height - top - bottom;
    auto px = [&](double x) { return left + (x - xMin) / (xMax - xMin) * plotW; };
    auto py = [&](double y) { return top + (yMax - y) / (yMax - yMin) * plotH; };
    std::ostringstream s;
    s << "<svg class=\"ba\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\""
      << height << "\" viewBox=\"0 0 " << width << ' ' << height
      << "\" role=\"img\" aria-label=\"Bland-Altman plot of " << esc(what) << "\">";
    s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plotW << "\" height=\"" << plotH
      << "\" fill=\"#fafafa\" stroke=\"#999\"/>";
    auto hline = [&](double y, const char* style, const std::string& label) {
        if (!std::isfinite(y)) return;
        s << "<line x1=\"" << left << "\" x2=\"" << left + plotW << "\" y1=\"" << py(y) << "\" y2=\"" << py(y)
          << "\" " << style << "/><text x=\"" << left + plotW + 4 << "\" y=\"" << py(y) + 4
          << "\" class=\"small\">" << esc(label) << "</text>";
    };
    hline(0, "stroke=\"#bbb\"", "0");
    hline(b.bias, "stroke=\"#2255aa\" stroke-width=\"1.5\"", "bias " + fixed(b.bias, 2));
    hline(b.upperLimit, "stroke=\"#aa3322\" stroke-dasharray=\"5 4\"", "+1.96 SD " + fixed(b.upperLimit, 2));
    hline(b.lowerLimit, "stroke=\"#aa3322\" stroke-dasharray=\"5 4\"", "-1.96 SD " + fixed(b.lowerLimit, 2));
    for (std::size_t i = 0; i < b.n; ++i) {
        const double x = 0.5 * (c.automatic[i] + c.manual[i]), y = c.automatic[i] - c.manual[i];
        s << "<circle cx=\"" << px(x) << "\" cy=\"" << py(y)
          << "\" r=\"4\" fill=\"#2255aa\" fill-opacity=\"0.7\"><title>" << esc(c.slides[i]) << ": auto "
          << fixed(c.automatic[i], 2) << ", manual " << fixed(c.manual[i], 2) << "</title></circle>";
    }
    for (int t = 0; t <= 4; ++t) {
        const double xv = xMin + (xMax - xMin) * t / 4, yv = yMin + (yMax - yMin) * t / 4;
        s << "<text x=\"" << px(xv) << "\" y=\"" << top + plotH + 16
          << "\" text-anchor=\"middle\" class=\"small\">" << fixed(xv, 2) << "</text>";
        s << "<text x=\"" << left - 6 << "\" y=\"" << py(yv) + 4 << "\" text-anchor=\"end\" class=\"small\">"
          << fixed(yv, 2) << "</text>";
    }
    s << "<text x=\"" << left + plotW / 2 << "\" y=\"" << height - 6
      << "\" text-anchor=\"middle\">mean of auto and manual " << esc(what) << "</text>";
    s << "<text x=\"14\" y=\"" << top + plotH / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 14 "
      << top + plotH / 2 << ")\">auto - manual</text>";
    s << "</svg>";
    return s.str();
}

std::string categoryRow(const std::string& name, const core::CategoryAgreement& c) {
    return "<tr><td>" + esc(name) + "</td><td>" + std::to_string(c.n) + "</td><td>" + percent(c.agreement) +
           "</td><td>" + fixed(c.kappa) + "</td></tr>";
}

std::string continuousRow(const std::string& name, const core::ContinuousAgreement& c) {
    const core::BlandAltman& b = c.blandAltman;
    return "<tr><td>" + esc(name) + "</td><td>" + std::to_string(b.n) + "</td><td>" + fixed(b.bias) +
           "</td><td>" + fixed(b.sd) + "</td><td>" + fixed(b.lowerLimit) + " to " + fixed(b.upperLimit) +
           "</td><td>" + fixed(c.icc) + "</td></tr>";
}

std::string nameList(const std::vector<std::string>& names) {
    if (names.empty()) return "<p class=\"none\">none</p>";
    std::string s = "<ul class=\"names\">";
    for (const auto& n : names) s += "<li>" + esc(n) + "</li>";
    return s + "</ul>";
}

constexpr const char* kStyle = R"(<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f3f3f3}.ci{color:#666}.none{color:#888}.small{font-size:11px}
svg text{font:12px system-ui,sans-serif}svg .count{font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ccc;padding:8px;width:250px}
.card img{max-width:240px;max-height:240px;display:block}.names{columns:3}
.flex{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
</style>)";

}  // namespace

std::string qaThumbnailName(std::size_t index, std::string_view slide) {
    std::string name = std::to_string(index) + "-";
    for (const char c : slide) {
        const auto u = static_cast<unsigned char>(c);
        name.push_back(std::isalnum(u) || c == '-' || c == '_' || c == '.' ? c : '_');
    }
    return name + ".jpg";
}

std::string qaReportHtml(const core::QaComparison& qa, const fs::path& qaDir,
                         const core::CalibrationResult* calibration, const fs::path& thumbsDir) {
    std::ostringstream s;
    s << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>HER2Scope QA</title>"
      << kStyle << "</head><body>\n";
    s << "<h1>QA: automatic against manual HER2 scores</h1>\n";
    s << "<p>Automatic: <code>" << esc(qa.autoFile) << "</code><br>Manual: <code>" << esc(qa.manualFile)
      << "</code><br>HER2Scope " << esc(version()) << "</p>\n";

    s << "<h2>IHC</h2>\n";
    if (qa.n == 0) {
        s << "<p class=\"none\">No slide has an IHC score on both sides.</p>\n";
    } else {
        s << "<div class=\"flex\"><div><table>";
        s << "<tr><th>slides compared</th><td>" << qa.n << "</td></tr>";
        s << "<tr><th>agreement</th><td>" << percent(qa.agreement) << "</td></tr>";
        s << "<tr><th>Cohen's kappa</th><td>" << fixed(qa.kappa) << ci(qa.kappaCi) << "</td></tr>";
        s << "<tr><th>quadratic-weighted kappa</th><td>" << fixed(qa.weightedKappa) << ci(qa.weightedKappaCi)
          << "</td></tr>";
        s << "<tr><th>linear-weighted kappa</th><td>" << fixed(qa.linearKappa) << "</td></tr>";
        s << "</table><p class=\"small\">Intervals: percentile bootstrap, " << qa.bootstrap.replicates
          << " resamples of slides, seed " << qa.bootstrap.seed << ".</p>";
        s << "<table><tr><th>grouping</th><th>n</th><th>agreement</th><th>kappa</th></tr>"
          << categoryRow("clinical: negative (0, 1+) / equivocal (2+) / positive (3+)", qa.clinical)
          << categoryRow("HER2-low: 0 vs 1+ (slides both sides call 0 or 1+)", qa.her2Low)
          << "</table></div>";
        s << "<div>"
          << heatMap({"0", "1+", "2+", "3+"}, qa.confusion, "confusion matrix of IHC scores, rows automatic")
          << "</div></div>\n";
    }

    s << "<h2>Discordant slides (" << qa.discordant.size() << ")</h2>\n";
    if (qa.discordant.empty()) s << "<p class=\"none\">none</p>\n";
    s << "<div class=\"cards\">";
    for (std::size_t i = 0; i < qa.discordant.size(); ++i) {
        const core::DiscordantSlide& d = qa.discordant[i];
        const std::string overlay = core::relativeLink(d.overlay, qaDir);
        const std::string report = core::relativeLink(d.report, qaDir);
        s << "<div class=\"card\"><div><b>" << esc(d.slide) << "</b></div><div>auto "
          << esc(core::toString(d.automatic)) << " &middot; manual " << esc(core::toString(d.manual))
          << "</div>";
        std::string thumb;
        if (!thumbsDir.empty()) {
            std::error_code ec;
            const fs::path t = thumbsDir / qaThumbnailName(i, d.slide);
            if (fs::is_regular_file(qaDir / t, ec)) thumb = t.generic_string();
        }
        if (!overlay.empty()) {
            const std::string img = thumb.empty() ? overlay : thumb;
            s << "<a href=\"" << esc(urlPath(overlay)) << "\"><img src=\"" << esc(urlPath(img))
              << "\" alt=\"overlay of " << esc(d.slide) << "\" loading=\"lazy\"></a>";
        } else {
            s << "<div class=\"none\">no overlay</div>";
        }
        if (!report.empty()) s << "<div><a href=\"" << esc(urlPath(report)) << "\">report</a></div>";
        s << "</div>";
    }
    s << "</div>\n";

    const bool ish =
        qa.ratio.blandAltman.n || qa.meanHer2.blandAltman.n || qa.meanCep17.blandAltman.n || qa.ishGroup.n;
    s << "<h2>ISH</h2>\n";
    if (!ish) {
        s << "<p class=\"none\">No slide has an ISH result on both sides.</p>\n";
    } else {
        s << "<table><tr><th>measure</th><th>n</th><th>bias (auto - manual)</th><th>SD</th><th>95% limits of "
             "agreement</th><th>ICC(A,1)</th></tr>"
          << continuousRow("HER2/CEP17 ratio", qa.ratio)
          << continuousRow("mean HER2 signals per cell", qa.meanHer2)
          << continuousRow("mean CEP17 signals per cell", qa.meanCep17) << "</table>";
        s << "<p class=\"small\">ICC(A,1): two-way random effects, absolute agreement, single rater (McGraw "
             "and "
             "Wong 1996; Shrout and Fleiss ICC(2,1)).</p>";
        s << "<table><tr><th>grouping</th><th>n</th><th>agreement</th><th>kappa</th></tr>"
          << categoryRow("ISH group 1-5", qa.ishGroup) << "</table>";
        s << "<div class=\"flex\">" << blandAltmanPlot(qa.ratio, "HER2/CEP17 ratio")
          << blandAltmanPlot(qa.meanHer2, "mean HER2 per cell");
        if (qa.ishGroup.n)
            s << heatMap(qa.ishGroup.labels, qa.ishGroup.confusion, "ISH group confusion matrix");
        s << "</div>\n";
    }

    if (calibration) {
        const core::CalibrationResult& c = *calibration;
        s << "<h2>Calibration of the cell thresholds</h2>\n<table>";
        s << "<tr><th>faint OD</th><td>" << fixed(c.faintOd) << "</td></tr><tr><th>strong OD</th><td>"
          << fixed(c.strongOd) << "</td></tr><tr><th>complete fraction</th><td>" << fixed(c.completeFraction)
          << "</td></tr>";
        s << "<tr><th>training slides</th><td>" << c.trainSlides.size()
          << "</td></tr><tr><th>held-out kappa (" << c.folds << "-fold cross-validation)</th><td>"
          << fixed(c.crossValidatedKappa) << "</td></tr>";
        s << "<tr><th>training kappa (fitted / base thresholds)</th><td>" << fixed(c.trainKappa) << " / "
          << fixed(c.baselineTrainKappa) << "</td></tr>";
        if (c.testKappa)
            s << "<tr><th>test split kappa, " << c.testSlides.size() << " slides (fitted / base)</th><td>"
              << fixed(*c.testKappa) << " / " << fixed(c.baselineTestKappa.value_or(std::nan("")))
              << "</td></tr>";
        s << "</table><p class=\"small\">Quadratic-weighted kappa. The test split is never used to "
             "fit.</p>\n";
    }

    s << "<h2>Not compared</h2>\n<h3>In the automatic summary only (" << qa.unmatchedAuto.size() << ")</h3>"
      << nameList(qa.unmatchedAuto) << "<h3>In the manual file only (" << qa.unmatchedManual.size()
      << ")</h3>" << nameList(qa.unmatchedManual) << "<h3>Matched, but a score is missing ("
      << qa.skipped.size() << ")</h3>";
    if (qa.skipped.empty()) {
        s << "<p class=\"none\">none</p>";
    } else {
        s << "<table><tr><th>slide</th><th>reason</th></tr>";
        for (const auto& k : qa.skipped)
            s << "<tr><td>" << esc(k.slide) << "</td><td>" << esc(k.reason) << "</td></tr>";
        s << "</table>";
    }
    s << "\n</body></html>\n";
    return s.str();
}

QaReportFiles writeQaReport(const core::QaComparison& qa, const fs::path& qaDir,
                            const core::CalibrationResult* calibration) {
    std::error_code ec;
    fs::create_directories(qaDir, ec);
    if (ec || !fs::is_directory(qaDir)) throw core::InputError(qaDir.string(), "cannot create the folder");
    QaReportFiles files;
    const fs::path thumbs = "thumbs";
    for (std::size_t i = 0; i < qa.discordant.size(); ++i) {
        const std::string& overlay = qa.discordant[i].overlay;
        if (overlay.empty() || !fs::is_regular_file(overlay, ec)) continue;
        const cv::Mat image = cv::imread(overlay, cv::IMREAD_COLOR);
        if (image.empty()) continue;  // the page then shows the overlay itself
        const double scale =
            std::min(1.0, static_cast<double>(kThumbEdge) / std::max(image.cols, image.rows));
        cv::Mat small;
        cv::resize(image, small, cv::Size(), scale, scale, cv::INTER_AREA);
        fs::create_directories(qaDir / thumbs, ec);
        writeImageAtomic(qaDir / thumbs / qaThumbnailName(i, qa.discordant[i].slide), small);
        ++files.thumbnails;
    }
    files.json = qaDir / "qa.json";
    files.html = qaDir / "qa.html";
    writeFileAtomic(files.json, qa.toJson(qaDir) + "\n");
    writeFileAtomic(files.html, qaReportHtml(qa, qaDir, calibration, thumbs));
    return files;
}

}  // namespace her2::imaging
