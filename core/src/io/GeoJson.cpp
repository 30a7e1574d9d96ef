#include "her2/core/GeoJson.hpp"

#include "her2/core/JsonText.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "her2/core/Errors.hpp"

namespace her2::core {
namespace {

using Json = nlohmann::ordered_json;  // keeps measurement order

/// Parses JSON, turning nlohmann's byte offset into a 1-based line and column.
Json parseJson(std::string_view text, const std::string& file) {
    return detail::parseJsonText<Json>(text, file);
}

[[noreturn]] void fail(const std::string& file, const std::string& problem) {
    throw ParseError(file, 0, 0, problem);
}

Ring readRing(const Json& j, const std::string& file) {
    if (!j.is_array()) fail(file, "a linear ring must be an array of positions");
    Ring ring;
    ring.reserve(j.size());
    for (const Json& pos : j) {
        if (!pos.is_array() || pos.size() < 2 || !pos[0].is_number() || !pos[1].is_number())
            fail(file, "a position must be an array of at least two numbers");
        const double x = pos[0].get<double>(), y = pos[1].get<double>();
        if (!std::isfinite(x) || !std::isfinite(y)) fail(file, "a coordinate is not finite");
        ring.push_back({x, y});
    }
    if (ring.size() > 1 && ring.front() == ring.back()) ring.pop_back();
    std::size_t distinct = 0;
    for (std::size_t i = 0; i < ring.size(); ++i)
        if (i == 0 || !(ring[i] == ring[i - 1])) ++distinct;
    if (distinct < 3) fail(file, "a linear ring needs at least 3 distinct points");
    return ring;
}

Polygon readPolygon(const Json& coords, const std::string& file) {
    if (!coords.is_array() || coords.empty()) fail(file, "a Polygon needs at least one ring");
    Polygon p;
    p.outer = readRing(coords[0], file);
    for (std::size_t i = 1; i < coords.size(); ++i) p.holes.push_back(readRing(coords[i], file));
    return p;
}

const Json& member(const Json& obj, const char* key, const std::string& file, const std::string& what) {
    const auto it = obj.find(key);
    if (it == obj.end()) fail(file, what + " has no \"" + key + "\"");
    return *it;
}

std::string typeOf(const Json& obj, const std::string& file) {
    if (!obj.is_object()) fail(file, "not a GeoJSON object");
    const auto it = obj.find("type");
    if (it == obj.end() || !it->is_string()) fail(file, "not GeoJSON: no \"type\"");
    return it->get<std::string>();
}

/// Appends the polygons of a geometry; returns false for a geometry type that has none.
void collectGeometry(const Json& g, const std::string& file, MultiPolygon& out) {
    if (g.is_null()) return;  // a Feature may have a null geometry
    const std::string type = typeOf(g, file);
    if (type == "Polygon") {
        out.polygons.push_back(readPolygon(member(g, "coordinates", file, "Polygon"), file));
    } else if (type == "MultiPolygon") {
        const Json& c = member(g, "coordinates", file, "MultiPolygon");
        if (!c.is_array()) fail(file, "MultiPolygon coordinates must be an array");
        for (const Json& poly : c) out.polygons.push_back(readPolygon(poly, file));
    } else if (type == "GeometryCollection") {
        const Json& gs = member(g, "geometries", file, "GeometryCollection");
        if (!gs.is_array()) fail(file, "\"geometries\" must be an array");
        for (const Json& sub : gs) collectGeometry(sub, file, out);
    } else if (type == "Point" || type == "MultiPoint" || type == "LineString" || type == "MultiLineString") {
        // Not an area: ignored in a region of interest.
    } else {
        fail(file, "unknown GeoJSON geometry type \"" + type + "\"");
    }
}

void collect(const Json& obj, const std::string& file, MultiPolygon& out) {
    if (obj.is_array()) {  // QuPath exports a bare array of Features unless asked for a collection
        for (const Json& f : obj) collect(f, file, out);
        return;
    }
    const std::string type = typeOf(obj, file);
    if (type == "FeatureCollection") {
        const Json& fs = member(obj, "features", file, "FeatureCollection");
        if (!fs.is_array()) fail(file, "\"features\" must be an array");
        for (const Json& f : fs) collect(f, file, out);
    } else if (type == "Feature") {
        collectGeometry(member(obj, "geometry", file, "Feature"), file, out);
    } else {
        collectGeometry(obj, file, out);
    }
}

std::vector<Json> featuresOf(const Json& doc, const std::string& file) {
    if (doc.is_array()) return doc.get<std::vector<Json>>();
    const std::string type = typeOf(doc, file);
    if (type == "Feature") return {doc};
    if (type != "FeatureCollection")
        fail(file, "expected a FeatureCollection or Feature, got \"" + type + "\"");
    const Json& fs = member(doc, "features", file, "FeatureCollection");
    if (!fs.is_array()) fail(file, "\"features\" must be an array");
    return fs.get<std::vector<Json>>();
}

std::optional<Polygon> firstPolygon(const Json& g, const std::string& file) {
    MultiPolygon mp;
    collectGeometry(g, file, mp);
    if (mp.polygons.empty()) return std::nullopt;
    return std::move(mp.polygons.front());
}

void writeNumber(std::ostream& out, double v) {
    char buf[64];
    const double r = std::round(v * 100.0) / 100.0;
    auto res = std::to_chars(buf, buf + sizeof buf, r == 0 ? 0.0 : r, std::chars_format::fixed, 2);
    // Trim trailing zeros: 12.50 -> 12.5, 3.00 -> 3.
    char* end = res.ptr;
    while (end > buf && end[-1] == '0') --end;
    if (end > buf && end[-1] == '.') --end;
    out.write(buf, end - buf);
}

void writeMeasurement(std::ostream& out, double v) {
    if (!std::isfinite(v)) {
        out << "null";
        return;
    }
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.write(buf, res.ptr - buf);
}

void writeRing(std::ostream& out, const Ring& ring) {
    out << '[';
    for (std::size_t i = 0; i <= ring.size(); ++i) {
        const PointD& p = ring[i % ring.size()];  // repeat the first point: GeoJSON rings are closed
        if (i) out << ',';
        out << '[';
        writeNumber(out, p.x);
        out << ',';
        writeNumber(out, p.y);
        out << ']';
    }
    out << ']';
}

void writePolygon(std::ostream& out, const Polygon& p) {
    out << R"({"type":"Polygon","coordinates":[)";
    writeRing(out, p.outer);
    for (const Ring& h : p.holes) {
        out << ',';
        writeRing(out, h);
    }
    out << "]}";
}

}  // namespace

std::string jsonQuote(std::string_view s) {
    return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

MultiPolygon parseRoiGeoJson(std::string_view text, const std::string& file) {
    const Json doc = parseJson(text, file);
    MultiPolygon out;
    collect(doc, file, out);
    if (out.polygons.empty()) fail(file, "no Polygon or MultiPolygon found");
    return out;
}

MultiPolygon loadRoiGeoJson(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "cannot open GeoJSON file");
    std::ostringstream os;
    os << in.rdbuf();
    return parseRoiGeoJson(os.str(), path);
}

CellFeatureWriter::CellFeatureWriter(std::ostream& out) : m_out(out) {
    m_out << "{\"type\":\"FeatureCollection\",\"features\":[";
}

void CellFeatureWriter::add(const CellFeature& f) {
    if (m_finished) throw Error("CellFeatureWriter: add() after finish()");
    if (f.geometry.outer.empty()) return;  // no geometry: nothing to draw
    m_out << (m_count ? ",\n" : "\n") << R"({"type":"Feature","geometry":)";
    writePolygon(m_out, f.geometry);
    if (f.nucleus && !f.nucleus->outer.empty()) {
        m_out << ",\"nucleusGeometry\":";
        writePolygon(m_out, *f.nucleus);
    }
    m_out << R"(,"properties":{"objectType":)" << jsonQuote(f.objectType);
    if (!f.className.empty()) {
        m_out << R"(,"classification":{"name":)" << jsonQuote(f.className) << ",\"color\":["
              << int(f.color[0]) << ',' << int(f.color[1]) << ',' << int(f.color[2]) << "]}";
    }
    m_out << ",\"measurements\":{";
    for (std::size_t i = 0; i < f.measurements.size(); ++i) {
        if (i) m_out << ',';
        m_out << jsonQuote(f.measurements[i].first) << ':';
        writeMeasurement(m_out, f.measurements[i].second);
    }
    m_out << "}}}";
    ++m_count;
}

void CellFeatureWriter::finish() {
    if (m_finished) return;
    m_out << "\n]}\n";
    m_finished = true;
}

std::vector<CellFeature> parseCellFeatures(std::string_view text, const std::string& file) {
    const Json doc = parseJson(text, file);
    std::vector<CellFeature> out;
    for (const Json& f : featuresOf(doc, file)) {
        if (typeOf(f, file) != "Feature") fail(file, "a FeatureCollection member is not a Feature");
        auto geometry = firstPolygon(member(f, "geometry", file, "Feature"), file);
        if (!geometry) continue;
        CellFeature cf;
        cf.geometry = std::move(*geometry);
        if (const auto it = f.find("nucleusGeometry"); it != f.end()) cf.nucleus = firstPolygon(*it, file);
        const auto props = f.find("properties");
        if (props != f.end() && props->is_object()) {
            cf.objectType = props->value("objectType", std::string("detection"));
            if (const auto c = props->find("classification"); c != props->end() && c->is_object()) {
                cf.className = c->value("name", std::string());
                if (const auto col = c->find("color"); col != c->end() && col->is_array() && col->size() == 3)
                    for (std::size_t k = 0; k < 3; ++k)
                        cf.color[k] = static_cast<std::uint8_t>(
                            std::clamp((*col)[k].is_number() ? (*col)[k].get<int>() : 0, 0, 255));
            }
            if (const auto m = props->find("measurements"); m != props->end()) {
                if (m->is_object()) {
                    for (const auto& [k, v] : m->items())
                        cf.measurements.emplace_back(k, v.is_number() ? v.get<double>() : std::nan(""));
                } else if (m->is_array()) {
                    for (const Json& e : *m)
                        if (e.is_object() && e.contains("name"))
                            cf.measurements.emplace_back(e["name"].get<std::string>(),
                                                         e.value("value", Json()).is_number()
                                                             ? e["value"].get<double>()
                                                             : std::nan(""));
                }
            }
        }
        out.push_back(std::move(cf));
    }
    return out;
}

}  // namespace her2::core
