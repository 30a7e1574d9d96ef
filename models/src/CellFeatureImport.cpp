#include "her2/models/CellFeatureImport.hpp"

#include <QFile>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>

#include "her2/core/CellClassification.hpp"
#include "her2/core/Errors.hpp"

namespace her2::models {
namespace {

std::string normalised(std::string_view s) {
    std::string out;
    for (const char c : s)
        if (std::isalnum(static_cast<unsigned char>(c)))
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

/// Centroid of a ring by the shoelace formula (vertex mean for a degenerate ring).
core::PointD centroid(const core::Ring& ring) {
    double a = 0, cx = 0, cy = 0;
    for (std::size_t i = 0, n = ring.size(); i < n; ++i) {
        const auto& p = ring[i];
        const auto& q = ring[(i + 1) % n];
        const double cross = p.x * q.y - q.x * p.y;
        a += cross;
        cx += (p.x + q.x) * cross;
        cy += (p.y + q.y) * cross;
    }
    if (std::abs(a) < 1e-9) {
        core::PointD m;
        for (const auto& p : ring) {
            m.x += p.x / static_cast<double>(ring.size());
            m.y += p.y / static_cast<double>(ring.size());
        }
        return m;
    }
    return {cx / (3 * a), cy / (3 * a)};
}

}  // namespace

core::CellTable cellTableFromFeatures(const std::vector<core::CellFeature>& features) {
    core::CellTable table;
    table.reserve(features.size());
    const core::IhcParams defaults;
    for (const auto& f : features) {
        if (f.objectType != "cell" && f.objectType != "detection") continue;
        if (f.geometry.outer.size() < 3) continue;
        core::CellRecord r;
        const core::PointD c = centroid(f.geometry.outer);
        r.x = static_cast<float>(c.x);
        r.y = static_cast<float>(c.y);
        r.outline = f.geometry.outer;
        if (f.nucleus) r.nucleusOutline = f.nucleus->outer;

        bool haveIntensity = false;
        for (const auto& [name, value] : f.measurements) {
            const std::string k = normalised(name);
            const float v = static_cast<float>(value);
            if (k == "membranedabodmean" || k == "membraneodmean")
                r.membraneOdMean = v;
            else if (k == "membranedabodmax" || k == "membraneodmax")
                r.membraneOdMax = v;
            else if (k == "membranethicknessum")
                r.membraneThicknessUm = v;
            else if (k == "membranecompleteness" || k == "completeness")
                r.completeness = v;
            else if (k == "cytoplasmdabodmean" || k == "cytoplasmod")
                r.cytoplasmOd = v;
            else if (k == "cellareaum2")
                r.cellAreaUm2 = v;
            else if (k == "nucleusareaum2")
                r.nucleusAreaUm2 = v;
            else if (k == "nucleushematoxylinodmean" || k == "nucleushematoxylinod")
                r.nucleusHematoxylinOd = v;
            else if (k == "nucleuscircularity")
                r.nucleusCircularity = v;
            else if (k == "intensity") {
                r.intensity = static_cast<core::IntensityClass>(std::clamp(static_cast<int>(value), 0, 3));
                haveIntensity = true;
            }
        }
        if (!haveIntensity) r.intensity = core::classifyIntensity(r.membraneOdMean, r.completeness, defaults);
        r.pattern = core::classifyPattern(r.completeness, defaults);

        const std::string cls = normalised(f.className);
        if (cls == "her20")
            r.score = core::CellScore::Zero;
        else if (cls == "her21")
            r.score = core::CellScore::One;
        else if (cls == "her22")
            r.score = core::CellScore::Two;
        else if (cls == "her23")
            r.score = core::CellScore::Three;
        else if (cls == "stroma")
            r.exclusion = core::CellExclusion::Stroma;
        else if (cls == "immunecells" || cls == "lymphocyte" || cls == "lymphocytes")
            r.exclusion = core::CellExclusion::Lymphocyte;
        else if (cls == "artefact" || cls == "artifact" || cls == "ignore")
            r.exclusion = core::CellExclusion::Artefact;
        else if (cls.empty() || cls == "tumor" || cls == "tumour") {
            r.score = static_cast<core::CellScore>(r.intensity);  // unclassified: by intensity
        } else {
            r.exclusion = core::CellExclusion::Artefact;
        }
        table.append(r);
    }
    return table;
}

core::CellTable loadCellGeoJson(const std::string& path) {
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly)) throw core::InputError(path, "cannot be read");
    const QByteArray bytes = file.readAll();
    const auto features = core::parseCellFeatures(
        std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())), path);
    core::CellTable table = cellTableFromFeatures(features);
    if (table.empty()) throw core::ParseError(path, 0, 0, "no cell polygons found");
    return table;
}

}  // namespace her2::models
