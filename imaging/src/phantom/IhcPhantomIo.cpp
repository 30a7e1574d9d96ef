// Writing an IHC phantom slide (tiles rendered on worker threads, written in order by the
// calling thread through the streaming pyramid writer) and its truth JSON.
#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "her2/core/Errors.hpp"
#include "her2/core/JsonText.hpp"
#include "her2/imaging/AtomicFile.hpp"
#include "her2/imaging/IhcPhantom.hpp"
#include "her2/imaging/PyramidTiffWriter.hpp"

namespace her2::imaging {

namespace {

using nlohmann::json;

constexpr const char* kFormat = "her2scope-ihc-phantom-truth";

std::string_view typeName(PhantomCellType t) {
    switch (t) {
        case PhantomCellType::Tumour:
            return "tumour";
        case PhantomCellType::Stroma:
            return "stroma";
        case PhantomCellType::Lymphocyte:
            return "lymphocyte";
    }
    return "?";
}

/// Parses a name produced by core::toString for an enum with `count` values.
template <class E>
E parseEnum(const std::string& text, int count, const std::string& file, const char* what) {
    for (int k = 0; k < count; ++k)
        if (core::toString(static_cast<E>(k)) == text) return static_cast<E>(k);
    throw core::ParseError(file, 0, 0, std::string("unknown ") + what + " \"" + text + "\"");
}

PhantomCellType parseType(const std::string& text, const std::string& file) {
    for (auto t : {PhantomCellType::Tumour, PhantomCellType::Stroma, PhantomCellType::Lymphocyte})
        if (typeName(t) == text) return t;
    throw core::ParseError(file, 0, 0, "unknown cell type \"" + text + "\"");
}

json specJson(const IhcPhantomSpec& s) {
    json classes = json::array();
    for (const auto& c : s.classes)
        classes.push_back({{"fraction", c.fraction},
                           {"complete", c.patterns.complete},
                           {"lateral", c.patterns.lateral},
                           {"partial", c.patterns.partial}});
    return {{"seed", s.seed},
            {"width", s.width},
            {"height", s.height},
            {"mpp", s.mpp},
            {"classes", classes},
            {"heterogeneity", s.heterogeneity},
            {"heterogeneity_scale_um", s.heterogeneityScaleUm},
            {"tumour_fraction", s.tumourFraction},
            {"nest_scale_um", s.nestScaleUm},
            {"tissue_margin_um", s.tissueMarginUm},
            {"cell_diameter_um", s.cellDiameterUm},
            {"lymphocyte_fraction", s.lymphocyteFraction},
            {"stroma_cell_density", s.stromaCellDensity},
            {"biopsy_cluster_cells", s.biopsyClusterCells},
            {"biopsy_cluster_class", core::toString(s.biopsyClusterClass)},
            {"biopsy_cluster_pattern", core::toString(s.biopsyClusterPattern)},
            {"stain_jitter", s.stainJitter},
            {"cytoplasm_blush", s.cytoplasmBlush},
            {"blur_sigma_um", s.blurSigmaUm},
            {"noise_sigma", s.noiseSigma},
            {"jpeg_quality", s.jpegQuality},
            {"tile_size", s.tileSize}};
}

IhcPhantomSpec specFrom(const json& j, const std::string& file) {
    IhcPhantomSpec s;
    s.seed = j.at("seed").get<std::uint64_t>();
    s.width = j.at("width").get<std::int64_t>();
    s.height = j.at("height").get<std::int64_t>();
    s.mpp = j.at("mpp").get<double>();
    const auto& classes = j.at("classes");
    if (!classes.is_array() || classes.size() != 4)
        throw core::ParseError(file, 0, 0, "spec.classes must hold 4 classes");
    for (std::size_t k = 0; k < 4; ++k) {
        s.classes[k].fraction = classes[k].at("fraction").get<double>();
        s.classes[k].patterns.complete = classes[k].at("complete").get<double>();
        s.classes[k].patterns.lateral = classes[k].at("lateral").get<double>();
        s.classes[k].patterns.partial = classes[k].at("partial").get<double>();
    }
    s.heterogeneity = j.at("heterogeneity").get<double>();
    s.heterogeneityScaleUm = j.at("heterogeneity_scale_um").get<double>();
    s.tumourFraction = j.at("tumour_fraction").get<double>();
    s.nestScaleUm = j.at("nest_scale_um").get<double>();
    s.tissueMarginUm = j.at("tissue_margin_um").get<double>();
    s.cellDiameterUm = j.at("cell_diameter_um").get<double>();
    s.lymphocyteFraction = j.at("lymphocyte_fraction").get<double>();
    s.stromaCellDensity = j.value("stroma_cell_density", s.stromaCellDensity);
    s.biopsyClusterCells = j.at("biopsy_cluster_cells").get<int>();
    s.biopsyClusterClass = parseEnum<core::IntensityClass>(j.at("biopsy_cluster_class").get<std::string>(), 4,
                                                           file, "intensity class");
    s.biopsyClusterPattern = parseEnum<core::MembranePattern>(
        j.at("biopsy_cluster_pattern").get<std::string>(), 4, file, "pattern");
    s.stainJitter = j.at("stain_jitter").get<double>();
    s.cytoplasmBlush = j.at("cytoplasm_blush").get<double>();
    s.blurSigmaUm = j.at("blur_sigma_um").get<double>();
    s.noiseSigma = j.at("noise_sigma").get<double>();
    s.jpegQuality = j.at("jpeg_quality").get<int>();
    s.tileSize = j.at("tile_size").get<int>();
    return s;
}

/// Appends a number in the shortest form that reads back within 1e-4 px / OD units; the
/// cell list of a large slide has millions of numbers, so this avoids a JSON DOM.
void appendNumber(std::string& out, double v, int decimals) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    // Trim trailing zeros of the fraction ("12.50000" -> "12.5", "3.000" -> "3").
    char* end = r.ptr;
    if (std::find(buf, end, '.') != end) {
        while (end > buf && end[-1] == '0') --end;
        if (end > buf && end[-1] == '.') --end;
    }
    if (end - buf == 2 && buf[0] == '-' && buf[1] == '0') {
        out += '0';
        return;
    }
    out.append(buf, end);
}

void appendPoints(std::string& out, const std::vector<core::PointD>& pts) {
    out += '[';
    for (std::size_t k = 0; k < pts.size(); ++k) {
        if (k) out += ',';
        out += '[';
        appendNumber(out, pts[k].x, 3);
        out += ',';
        appendNumber(out, pts[k].y, 3);
        out += ']';
    }
    out += ']';
}

void appendCell(std::string& out, const IhcTruthCell& c) {
    out += "{\"id\":";
    out += std::to_string(c.id);
    out += ",\"x\":";
    appendNumber(out, c.x, 3);
    out += ",\"y\":";
    appendNumber(out, c.y, 3);
    out += ",\"type\":\"";
    out += typeName(c.type);
    out += "\",\"intensity\":\"";
    out += core::toString(c.intensity);
    out += "\",\"pattern\":\"";
    out += core::toString(c.pattern);
    out += "\",\"completeness\":";
    appendNumber(out, c.completeness, 6);
    out += ",\"membrane_od\":";
    appendNumber(out, c.membraneOd, 6);
    out += ",\"membrane_width_um\":";
    appendNumber(out, c.membraneWidthUm, 4);
    out += ",\"nucleus\":[";
    appendNumber(out, c.nucleusX, 3);
    out += ',';
    appendNumber(out, c.nucleusY, 3);
    out += "],\"polygon\":";
    appendPoints(out, c.polygon);
    out += ",\"nucleus_outline\":";
    appendPoints(out, c.nucleusOutline);
    out += '}';
}

json headerJson(const IhcPhantomTruth& t) {
    json j;
    j["format"] = kFormat;
    j["version"] = 1;
    j["name"] = t.name;
    j["spec"] = specJson(t.spec);
    j["stains"] = {
        {"hematoxylin", t.stains.hematoxylin}, {"dab", t.stains.dab}, {"background", t.stains.background}};
    j["tumour_cells"] = t.tumourCells;
    j["class_counts"] = {{"negative", t.classCounts[0]},
                         {"faint", t.classCounts[1]},
                         {"weak-moderate", t.classCounts[2]},
                         {"strong", t.classCounts[3]}};
    json expected = json::array();
    for (const auto& e : t.expected) {
        json x;
        x["rule_set"] = core::toString(e.ruleSet);
        x["specimen"] = core::toString(e.specimen);
        x["score"] = e.score ? json(core::toString(*e.score)) : json(nullptr);
        x["status"] = core::toString(e.status);
        x["her2_low"] = e.her2Low ? json(core::toString(*e.her2Low)) : json(nullptr);
        x["reason"] = e.reason;
        x["percent"] = e.percent;
        expected.push_back(std::move(x));
    }
    j["expected"] = std::move(expected);
    return j;
}

std::vector<core::PointD> pointsFrom(const json& j) {
    std::vector<core::PointD> out;
    out.reserve(j.size());
    for (const auto& p : j) out.push_back({p.at(0).get<double>(), p.at(1).get<double>()});
    return out;
}

IhcPhantomTruth truthFrom(const json& j, const std::string& file) {
    if (!j.is_object() || j.value("format", std::string()) != kFormat)
        throw core::ParseError(file, 0, 0, std::string("not a ") + kFormat + " file");
    if (j.value("version", 0) != 1) throw core::ParseError(file, 0, 0, "unsupported truth version");
    IhcPhantomTruth t;
    t.name = j.value("name", std::string());
    t.spec = specFrom(j.at("spec"), file);
    const auto& st = j.at("stains");
    t.stains.hematoxylin = st.at("hematoxylin").get<std::array<double, 3>>();
    t.stains.dab = st.at("dab").get<std::array<double, 3>>();
    t.stains.background = st.at("background").get<std::array<double, 3>>();
    t.tumourCells = j.at("tumour_cells").get<std::size_t>();
    const auto& cc = j.at("class_counts");
    t.classCounts = {cc.at("negative").get<std::size_t>(), cc.at("faint").get<std::size_t>(),
                     cc.at("weak-moderate").get<std::size_t>(), cc.at("strong").get<std::size_t>()};
    for (const auto& x : j.at("expected")) {
        ExpectedIhcScore e;
        auto rules = core::parseRuleSet(x.at("rule_set").get<std::string>());
        auto specimen = core::parseSpecimen(x.at("specimen").get<std::string>());
        if (!rules || !specimen)
            throw core::ParseError(file, 0, 0, "unknown rule set or specimen in expected");
        e.ruleSet = *rules;
        e.specimen = *specimen;
        if (!x.at("score").is_null()) {
            auto s = core::parseHer2Score(x.at("score").get<std::string>());
            if (!s) throw core::ParseError(file, 0, 0, "unknown score in expected");
            e.score = *s;
        }
        e.status = parseEnum<core::Her2Status>(x.at("status").get<std::string>(), 4, file, "status");
        if (!x.at("her2_low").is_null())
            e.her2Low = parseEnum<core::Her2LowCategory>(x.at("her2_low").get<std::string>(), 5, file,
                                                         "HER2-low category");
        e.reason = x.value("reason", std::string());
        e.percent = x.at("percent").get<std::array<double, 4>>();
        t.expected.push_back(std::move(e));
    }
    const auto& cells = j.at("cells");
    t.cells.reserve(cells.size());
    for (const auto& c : cells) {
        IhcTruthCell cell;
        cell.id = c.at("id").get<std::int64_t>();
        cell.x = c.at("x").get<double>();
        cell.y = c.at("y").get<double>();
        cell.type = parseType(c.at("type").get<std::string>(), file);
        cell.intensity =
            parseEnum<core::IntensityClass>(c.at("intensity").get<std::string>(), 4, file, "intensity class");
        cell.pattern =
            parseEnum<core::MembranePattern>(c.at("pattern").get<std::string>(), 4, file, "pattern");
        cell.completeness = c.at("completeness").get<double>();
        cell.membraneOd = c.at("membrane_od").get<double>();
        cell.membraneWidthUm = c.at("membrane_width_um").get<double>();
        cell.nucleusX = c.at("nucleus").at(0).get<double>();
        cell.nucleusY = c.at("nucleus").at(1).get<double>();
        cell.polygon = pointsFrom(c.at("polygon"));
        cell.nucleusOutline = pointsFrom(c.at("nucleus_outline"));
        t.cells.push_back(std::move(cell));
    }
    return t;
}

}  // namespace

std::filesystem::path truthPathFor(const std::filesystem::path& imagePath) {
    return imagePath.parent_path() / (imagePath.stem().string() + ".truth.json");
}

void writeTruthJson(const IhcPhantomTruth& truth, const std::filesystem::path& path) {
    std::string text = headerJson(truth).dump();
    text.pop_back();  // reopen the object to append the cell list
    text += ",\"cells\":[";
    AtomicFile file(path);
    std::ostream& out = file.stream();
    out << text;
    std::string chunk;
    for (std::size_t k = 0; k < truth.cells.size(); ++k) {
        if (k) chunk += ",\n";
        appendCell(chunk, truth.cells[k]);
        if (chunk.size() > (1u << 20)) {
            out << chunk;
            chunk.clear();
        }
    }
    chunk += "]}\n";
    out << chunk;
    file.commit();
}

IhcPhantomTruth readIhcTruthJson(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw core::InputError(file, "no such truth file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::InputError(file, "cannot read");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    const json j = core::detail::parseJsonText<json>(text, file);
    try {
        return truthFrom(j, file);
    } catch (const json::exception& e) {
        throw core::ParseError(file, 0, 0, std::string("unexpected truth content: ") + e.what());
    }
}

IhcPhantomTruth writeIhcPhantom(const IhcPhantomSpec& spec, const std::filesystem::path& tiffPath,
                                const std::string& name, int threads, core::ProgressSink* progress,
                                const core::CancelToken* cancel) {
    const IhcPhantom phantom(spec);
    IhcPhantomTruth truth = phantom.truth(name);

    PyramidTiffOptions options;
    options.tileSize = spec.tileSize;
    options.compression = TiffCompression::Jpeg;
    options.jpegQuality = spec.jpegQuality;
    options.mpp = spec.mpp;
    options.appMag = 10.0 / spec.mpp;
    PyramidTiffWriter writer(tiffPath, spec.width, spec.height, options);

    const int ts = spec.tileSize;
    const std::int64_t across = (spec.width + ts - 1) / ts;
    const std::int64_t down = (spec.height + ts - 1) / ts;
    const std::int64_t total = across * down;
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = static_cast<int>(std::min<std::int64_t>(threads, total));

    // Workers render tiles in row order into a ring of tile-row buffers; this thread writes
    // each row as soon as it is complete. The ring bounds memory to kRing tile rows.
    constexpr std::int64_t kRing = 2;
    std::array<cv::Mat, kRing> ring;
    std::array<std::int64_t, kRing> done{};
    std::mutex mutex;
    std::condition_variable changed;
    std::int64_t next = 0, written = 0;
    bool stop = false;
    std::exception_ptr failure;

    auto rowHeight = [&](std::int64_t r) {
        return static_cast<int>(std::min<std::int64_t>(ts, spec.height - r * ts));
    };
    for (auto& m : ring) m.create(ts, static_cast<int>(spec.width), CV_8UC3);

    auto worker = [&] {
        for (;;) {
            std::int64_t task;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return stop || next >= total || next / across < written + kRing; });
                if (stop || next >= total) return;
                task = next++;
            }
            const std::int64_t r = task / across, c = task % across;
            try {
                if (cancel && cancel->cancelled()) throw core::CancelledError();
                const core::RectI rect{c * ts, r * ts, std::min<std::int64_t>(ts, spec.width - c * ts),
                                       rowHeight(r)};
                const cv::Mat tile = phantom.render(rect);
                tile.copyTo(ring[static_cast<std::size_t>(r % kRing)](
                    cv::Rect(static_cast<int>(rect.x), 0, tile.cols, tile.rows)));
            } catch (...) {
                std::lock_guard lock(mutex);
                if (!failure) failure = std::current_exception();
                stop = true;
                changed.notify_all();
                return;
            }
            std::lock_guard lock(mutex);
            ++done[static_cast<std::size_t>(r % kRing)];
            changed.notify_all();
        }
    };

    struct Joiner {
        std::vector<std::thread> pool;
        std::mutex& mutex;
        std::condition_variable& changed;
        bool& stop;
        ~Joiner() {
            {
                std::lock_guard lock(mutex);
                stop = true;
            }
            changed.notify_all();
            for (auto& t : pool) t.join();
        }
    } joiner{{}, mutex, changed, stop};
    for (int t = 0; t < threads; ++t) joiner.pool.emplace_back(worker);

    for (std::int64_t r = 0; r < down; ++r) {
        const auto slot = static_cast<std::size_t>(r % kRing);
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return failure || done[slot] == across; });
            if (failure) std::rethrow_exception(failure);
        }
        writer.writeTileRow(ring[slot].rowRange(0, rowHeight(r)));
        {
            std::lock_guard lock(mutex);
            done[slot] = 0;
            ++written;
        }
        changed.notify_all();
        if (progress) progress->progress(static_cast<double>(r + 1) / static_cast<double>(down), "phantom");
    }
    if (cancel && cancel->cancelled()) throw core::CancelledError();
    writer.finish();
    writeTruthJson(truth, truthPathFor(tiffPath));
    return truth;
}

}  // namespace her2::imaging
