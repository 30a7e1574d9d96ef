#include "her2/imaging/SlideReport.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <ostream>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "her2/core/Csv.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/GeoJson.hpp"
#include "her2/imaging/AtomicFile.hpp"

namespace her2::imaging {
namespace {

using nlohmann::json;

json optionalNumber(double v, bool present) {
    return present ? json(v) : json(nullptr);
}

// Four decimals are far below measurement noise and keep the files small.
double round4(double v) {
    return std::round(v * 1e4) / 1e4;
}

std::string csvCell(std::string_view s) {
    return core::csvEscape(s);
}

std::string num(double v) {
    if (!std::isfinite(v)) return "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

core::Polygon toPolygon(const std::vector<core::PointD>& pts) {
    core::Polygon p;
    p.outer = pts;
    return p;
}

/// Area centroid of cell i's nucleus outline (level-0 px); the cell centroid when the outline
/// has fewer than 3 points or no area. x, y of a cell are its territory's centroid, a few µm
/// from its nucleus when the nucleus sits off-centre.
core::PointD nucleusCentre(const core::CellTable& c, std::size_t i) {
    const std::size_t a = c.nucleusStart[i], b = c.nucleusStart[i + 1];
    double area = 0, sx = 0, sy = 0;
    for (std::size_t k = a; k < b && b - a >= 3; ++k) {
        const std::size_t j = k + 1 < b ? k + 1 : a;
        const double x0 = c.nucleusXY[2 * k], y0 = c.nucleusXY[2 * k + 1];
        const double x1 = c.nucleusXY[2 * j], y1 = c.nucleusXY[2 * j + 1];
        const double cross = x0 * y1 - x1 * y0;
        area += cross;
        sx += (x0 + x1) * cross;
        sy += (y0 + y1) * cross;
    }
    if (std::abs(area) < 1e-9) return {c.x[i], c.y[i]};
    return {sx / (3 * area), sy / (3 * area)};
}

}  // namespace

OdHistogram membraneOdHistogram(const core::CellTable& cells, int bins, double maxOd) {
    OdHistogram h;
    bins = std::max(1, bins);
    for (int i = 0; i <= bins; ++i) h.edges.push_back(maxOd * i / bins);
    h.counts.assign(static_cast<std::size_t>(bins), 0);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (!cells.isTumour(i)) continue;
        const double od = cells.membraneOdMean[i];
        const int b = std::clamp(static_cast<int>(od / maxOd * bins), 0, bins - 1);
        ++h.counts[static_cast<std::size_t>(b)];
    }
    return h;
}

std::string reportJson(const SlideAnalysis& a, int indent) {
    const auto& r = a.report;
    json j;
    j["slide"] = a.slideName;
    j["path"] = a.slidePath;
    j["assay"] = std::string(core::toString(a.assay));
    j["rule"] = std::string(core::toString(r.ruleSet));
    j["rule_version"] = r.ruleVersion;
    j["status"] = std::string(core::toString(r.status));
    j["reason"] = r.reason;
    if (a.assay == core::Assay::Ihc) {
        j["specimen"] = std::string(core::toString(r.specimen));
        j["score"] = r.score ? json(std::string(core::toString(*r.score))) : json(nullptr);
        j["her2_low_category"] = r.her2Low ? json(std::string(core::toString(*r.her2Low))) : json(nullptr);
        j["tumor_cells"] = r.ihc.tumourCells;
        j["excluded_cells"] = r.ihc.excludedCells;
        std::map<std::string, std::size_t> excluded;
        for (auto e : a.cells.exclusion)
            if (e != core::CellExclusion::None) ++excluded[std::string(core::toString(e))];
        j["excluded"] = excluded;
        if (a.stains) {
            auto vec = [](const std::array<double, 3>& v) {
                return json::array({round4(v[0]), round4(v[1]), round4(v[2])});
            };
            j["stain_vectors"] = {{"source", a.stains->source},
                                  {"hematoxylin", vec(a.stains->hematoxylin)},
                                  {"dab", vec(a.stains->dab)},
                                  {"residual", vec(a.stains->residual)},
                                  {"dab_leak", round4(a.stains->dabLeak)}};
        }
        j["percent"] = {{"0", round4(r.ihc.percent[0])},
                        {"1+", round4(r.ihc.percent[1])},
                        {"2+", round4(r.ihc.percent[2])},
                        {"3+", round4(r.ihc.percent[3])}};
        j["counts"] = {{"0", r.ihc.counts[0]},
                       {"1+", r.ihc.counts[1]},
                       {"2+", r.ihc.counts[2]},
                       {"3+", r.ihc.counts[3]}};
        j["percent_unusual"] = round4(r.ihc.percentUnusual);
        j["comparator"] = r.comparator;
        j["threshold_percent"] = r.thresholdPercent;
        const auto h = membraneOdHistogram(a.cells);
        j["membrane_od_histogram"] = {{"edges", h.edges}, {"counts", h.counts}};
    } else {
        const auto& s = r.ish;
        const bool have = s.nucleiCounted > 0;
        std::size_t detected = a.nuclei.size(), clustered = 0;
        for (const auto& n : a.nuclei)
            if (n.counted() && n.her2Cluster) ++clustered;
        j["nuclei_detected"] = detected;
        j["nuclei_counted"] = s.nucleiCounted;
        j["mean_her2"] = optionalNumber(round4(s.meanHer2), have);
        j["mean_cep17"] = optionalNumber(round4(s.meanCep17), have);
        j["ratio"] = optionalNumber(round4(s.ratio), have && s.meanCep17 > 0);
        j["group"] = s.group ? json(*s.group) : json(nullptr);
        j["workup"] = s.workup;
        j["total_her2"] = s.totalHer2;
        j["total_cep17"] = s.totalCep17;
        j["clustered_nuclei"] = clustered;
    }
    j["mpp"] = a.calibration.mpp();
    j["calibrated"] = a.calibration.calibrated();
    j["analysed_area_mm2"] = round4(a.analysedAreaMm2);
    j["width"] = a.width;
    j["height"] = a.height;
    j["params_hash"] = a.paramsHash;
    j["slide_hash"] = a.slideHash;
    j["version"] = a.version;
    j["seconds"] = std::round(a.seconds * 100) / 100;
    j["warnings"] = a.warnings;
    return j.dump(indent);
}

void writeCellsCsv(const SlideAnalysis& a, std::ostream& out) {
    if (a.assay == core::Assay::Fish) {
        out << "id,x,y,area_um2,her2,cep17,her2_spots,cep17_spots,her2_cluster,excluded\n";
        for (const auto& n : a.nuclei) {
            out << n.id << ',' << num(n.x) << ',' << num(n.y) << ',' << num(n.areaUm2) << ','
                << num(n.her2Count) << ',' << num(n.cep17Count) << ',' << n.her2Spots << ',' << n.cep17Spots
                << ',' << (n.her2Cluster ? 1 : 0) << ','
                << (n.counted() ? "" : csvCell(core::toString(n.exclusion))) << '\n';
        }
        return;
    }
    const auto& c = a.cells;
    out << "id,x,y,cell_area_um2,nucleus_area_um2,nucleus_hematoxylin_od,nucleus_circularity,membrane_od_"
           "mean,"
           "membrane_od_max,membrane_thickness_um,cytoplasm_od,completeness,pattern,intensity,score,"
           "excluded,nucleus_x,nucleus_y\n";
    for (std::size_t i = 0; i < c.size(); ++i) {
        const core::PointD n = nucleusCentre(c, i);
        out << i << ',' << num(c.x[i]) << ',' << num(c.y[i]) << ',' << num(c.cellAreaUm2[i]) << ','
            << num(c.nucleusAreaUm2[i]) << ',' << num(c.nucleusHematoxylinOd[i]) << ','
            << num(c.nucleusCircularity[i]) << ',' << num(c.membraneOdMean[i]) << ','
            << num(c.membraneOdMax[i]) << ',' << num(c.membraneThicknessUm[i]) << ',' << num(c.cytoplasmOd[i])
            << ',' << num(c.completeness[i]) << ',' << core::toString(c.pattern[i]) << ','
            << core::toString(c.intensity[i]) << ',' << csvCell(core::toString(c.score[i])) << ','
            << (c.isTumour(i) ? "" : csvCell(core::toString(c.exclusion[i]))) << ',' << num(n.x) << ','
            << num(n.y) << '\n';
    }
}

std::array<unsigned char, 3> classColour(core::CellScore s) {
    switch (s) {
        case core::CellScore::Zero:
            return {70, 110, 230};
        case core::CellScore::One:
            return {245, 215, 40};
        case core::CellScore::Two:
            return {245, 140, 20};
        case core::CellScore::Three:
            return {215, 25, 30};
    }
    return {128, 128, 128};
}

void writeCellsGeoJson(const SlideAnalysis& a, std::ostream& out) {
    core::CellFeatureWriter w(out);
    if (a.assay == core::Assay::Fish) {
        for (const auto& n : a.nuclei) {
            if (n.outline.size() < 3) continue;
            core::CellFeature f;
            f.geometry = toPolygon(n.outline);
            f.objectType = "detection";
            f.className = n.counted() ? (n.her2Cluster ? "HER2 cluster" : "Counted") : "Excluded";
            f.color = n.counted() ? std::array<std::uint8_t, 3>{40, 200, 80}
                                  : std::array<std::uint8_t, 3>{150, 150, 150};
            f.measurements = {
                {"HER2 signals", n.her2Count}, {"CEP17 signals", n.cep17Count}, {"Area um^2", n.areaUm2}};
            w.add(f);
        }
        w.finish();
        return;
    }
    const auto& c = a.cells;
    for (std::size_t i = 0; i < c.size(); ++i) {
        core::CellFeature f;
        auto outline = c.outline(i);
        auto nucleus = c.nucleusOutline(i);
        if (outline.size() < 3) outline = nucleus;
        if (outline.size() < 3) continue;
        f.geometry = toPolygon(outline);
        if (nucleus.size() >= 3) f.nucleus = toPolygon(nucleus);
        if (c.isTumour(i)) {
            f.className = "HER2 " + std::string(core::toString(c.score[i]));
            const auto col = classColour(c.score[i]);
            f.color = {col[0], col[1], col[2]};
        } else {
            f.className = c.exclusion[i] == core::CellExclusion::Lymphocyte ? "Immune cells" : "Stroma";
            f.color = {150, 150, 150};
        }
        f.measurements = {{"Membrane: DAB OD mean", c.membraneOdMean[i]},
                          {"Membrane: DAB OD max", c.membraneOdMax[i]},
                          {"Membrane: thickness um", c.membraneThicknessUm[i]},
                          {"Membrane: completeness", c.completeness[i]},
                          {"Cytoplasm: DAB OD mean", c.cytoplasmOd[i]},
                          {"Cell: area um^2", c.cellAreaUm2[i]},
                          {"Nucleus: area um^2", c.nucleusAreaUm2[i]},
                          {"Nucleus: hematoxylin OD mean", c.nucleusHematoxylinOd[i]},
                          {"Nucleus: circularity", c.nucleusCircularity[i]}};
        w.add(f);
    }
    w.finish();
}

cv::Mat renderOverlay(const SlideAnalysis& a, const cv::Mat& thumb) {
    CV_Assert(thumb.type() == CV_8UC3);
    cv::Mat out = thumb.clone();
    if (a.width <= 0 || a.height <= 0) return out;
    const double sx = static_cast<double>(thumb.cols) / static_cast<double>(a.width);
    const double sy = static_cast<double>(thumb.rows) / static_cast<double>(a.height);
    cv::Mat paint = out.clone();
    auto toPt = [&](double x, double y) {
        return cv::Point(static_cast<int>(x * sx), static_cast<int>(y * sy));
    };
    if (a.assay == core::Assay::Ihc) {
        const auto& c = a.cells;
        const double r = std::max(1.0, 5.0 / a.calibration.mpp() * sx);  // about a nucleus radius
        for (std::size_t i = 0; i < c.size(); ++i) {
            const auto col =
                c.isTumour(i) ? classColour(c.score[i]) : std::array<unsigned char, 3>{160, 160, 160};
            cv::circle(paint, toPt(c.x[i], c.y[i]), static_cast<int>(std::lround(r)),
                       cv::Scalar(col[0], col[1], col[2]), cv::FILLED, cv::LINE_8);
        }
    } else {
        for (const auto& n : a.nuclei) {
            std::vector<cv::Point> poly;
            for (const auto& p : n.outline) poly.push_back(toPt(p.x, p.y));
            const cv::Scalar col = !n.counted()    ? cv::Scalar(150, 150, 150)
                                   : n.her2Cluster ? cv::Scalar(230, 40, 40)
                                                   : cv::Scalar(60, 220, 90);
            if (poly.size() >= 3) cv::polylines(paint, poly, true, col, 1, cv::LINE_AA);
        }
        for (const auto& s : a.spots) {
            const cv::Scalar col =
                s.channel == core::FishChannel::Her2 ? cv::Scalar(255, 80, 80) : cv::Scalar(80, 255, 80);
            cv::circle(paint, toPt(s.x, s.y), s.cluster ? 3 : 1, col, cv::FILLED);
        }
    }
    cv::addWeighted(paint, 0.75, out, 0.25, 0, out);
    for (const auto& poly : a.roi.polygons) {
        std::vector<std::vector<cv::Point>> rings(1);
        for (const auto& p : poly.outer) rings[0].push_back(toPt(p.x, p.y));
        for (const auto& h : poly.holes) {
            rings.emplace_back();
            for (const auto& p : h) rings.back().push_back(toPt(p.x, p.y));
        }
        cv::polylines(out, rings, true, cv::Scalar(20, 200, 230), 2, cv::LINE_AA);
    }
    return out;
}

std::string safeOutputName(const std::string& slideName) {
    std::string s;
    for (unsigned char ch : slideName) {
        if (ch == '/' || ch == '\\' || ch < 0x20 || ch == 0x7f || ch == ':')
            s += '_';
        else
            s += static_cast<char>(ch);
    }
    // No "..", no hidden names, nothing that resolves outside the folder.
    for (std::size_t p; (p = s.find("..")) != std::string::npos;) s.replace(p, 2, "__");
    while (!s.empty() && s.front() == '.') s.front() = '_';
    if (s.empty()) s = "slide";
    return s;
}

std::filesystem::path reportPathFor(const std::filesystem::path& outDir, const std::string& name) {
    return outDir / (safeOutputName(name) + ".her2.json");
}

SlideOutputs writeSlideOutputs(const SlideAnalysis& a, const SlideSource& source,
                               const std::filesystem::path& outDir, const std::string& name) {
    std::error_code ec;
    std::filesystem::create_directories(outDir, ec);
    if (ec) throw core::InputError(outDir.string(), "cannot create output folder: " + ec.message());
    const std::string stem = safeOutputName(name);
    SlideOutputs o;
    o.report = reportPathFor(outDir, stem);
    o.cells = outDir / (stem + ".cells.csv");
    o.geojson = outDir / (stem + ".cells.geojson");
    o.overlay = outDir / (stem + ".overlay.png");
    o.thumbnail = outDir / (stem + ".thumb.jpg");

    cv::Mat thumb = source.thumbnail(1024);
    cv::Mat bgr;
    cv::cvtColor(thumb, bgr, cv::COLOR_RGB2BGR);
    writeImageAtomic(o.thumbnail, bgr, 85);
    cv::cvtColor(renderOverlay(a, thumb), bgr, cv::COLOR_RGB2BGR);
    writeImageAtomic(o.overlay, bgr);
    {
        AtomicFile f(o.cells);
        writeCellsCsv(a, f.stream());
        f.commit();
    }
    {
        AtomicFile f(o.geojson);
        writeCellsGeoJson(a, f.stream());
        f.commit();
    }
    // The report goes last: its presence means the slide's outputs are complete (resume).
    writeFileAtomic(o.report, reportJson(a) + "\n");
    return o;
}

}  // namespace her2::imaging
