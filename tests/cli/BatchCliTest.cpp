// her2scope score and batch end to end on real slides: mixed folders, resume, shards,
// protocols, and outputs other tools must open.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "CliRunner.hpp"
#include "her2/core/GeoJson.hpp"

namespace fs = std::filesystem;
using her2::testing::quoted;
using her2::testing::runCli;
using her2::testing::testSlide;
using her2::testing::testTempDir;

namespace {

std::vector<std::vector<std::string>> readCsv(const fs::path& p) {
    // The summary's own fields never hold quoted commas in these tests.
    std::ifstream in(p);
    std::vector<std::vector<std::string>> rows;
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> row;
        std::string cell;
        bool quoted = false;
        for (char c : line) {
            if (c == '"')
                quoted = !quoted;
            else if (c == ',' && !quoted) {
                row.push_back(cell);
                cell.clear();
            } else
                cell += c;
        }
        row.push_back(cell);
        rows.push_back(row);
    }
    return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return static_cast<std::size_t>(it - header.begin());
}

nlohmann::json readJson(const fs::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in);
}

}  // namespace

TEST(Cli_Batch, mixed_folder_scores_good_slides_and_lists_bad_ones) {
    const fs::path dir = testTempDir();
    const fs::path in = dir / "in", out = dir / "out";
    fs::create_directories(in / "sub");
    for (const char* f : {"broken.svs", "unreadable.svs", "unopenable.tiff"})
        fs::copy_file(testSlide(f), in / f);
    fs::copy_file(testSlide("boxes.png"), in / "sub" / "boxes.png");
    std::ofstream(in / "notes.txt") << "not a slide\n";
    const auto r = runCli("batch " + quoted(in) + " -o " + quoted(out) + " --jobs 2");
    EXPECT_EQ(r.code, 1) << r.err;
    const auto rows = readCsv(out / "summary.csv");
    ASSERT_EQ(rows.size(), 5u) << "header + 4 slides (notes.txt is not a slide)";
    const auto& h = rows[0];
    std::set<std::string> slides;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& row = rows[i];
        ASSERT_EQ(row.size(), h.size());
        slides.insert(row[column(h, "slide")]);
        const bool bad = row[column(h, "slide")] != "boxes";
        EXPECT_EQ(row[column(h, "status")] == "error", bad) << row[column(h, "slide")];
        if (bad) {
            EXPECT_NE(row[column(h, "error")].find(row[column(h, "slide")]), std::string::npos);
        }
    }
    EXPECT_EQ(slides, (std::set<std::string>{"boxes", "broken", "unreadable", "unopenable"}));
    EXPECT_TRUE(fs::exists(out / "report.html"));
    // Nothing half-written is left behind.
    for (const auto& e : fs::directory_iterator(out))
        EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos);
}

TEST(Cli_Batch, resume_skips_slides_done_with_the_same_parameters) {
    const fs::path dir = testTempDir();
    const fs::path in = dir / "in", out = dir / "out";
    fs::create_directories(in);
    fs::copy_file(testSlide("boxes.png"), in / "a.png");
    fs::copy_file(testSlide("small_HE_levels.tiff"), in / "b.tiff");
    ASSERT_NE(runCli("batch " + quoted(in) + " -o " + quoted(out)).code, 2);
    const auto before = fs::last_write_time(out / "a.her2.json");
    const auto again = runCli("batch " + quoted(in) + " -o " + quoted(out) + " --resume");
    EXPECT_NE(again.err.find("2 skipped"), std::string::npos) << again.err;
    EXPECT_EQ(fs::last_write_time(out / "a.her2.json"), before);
    // Other parameters: nothing is skipped.
    const auto gastric = runCli("batch " + quoted(in) + " -o " + quoted(out) + " --resume --rule gastric");
    EXPECT_NE(gastric.err.find("0 skipped"), std::string::npos) << gastric.err;
}

TEST(Cli_Batch, shards_cover_every_slide_exactly_once) {
    const fs::path dir = testTempDir();
    const fs::path in = dir / "in";
    fs::create_directories(in);
    for (int i = 0; i < 9; ++i)
        fs::copy_file(testSlide("boxes.png"), in / ("s" + std::to_string(i) + ".png"));
    std::multiset<std::string> seen;
    for (int k = 1; k <= 3; ++k) {
        const fs::path out = dir / ("out" + std::to_string(k));
        const auto r =
            runCli("batch " + quoted(in) + " -o " + quoted(out) + " --shard " + std::to_string(k) + "/3");
        ASSERT_NE(r.code, 2) << r.err;
        for (const auto& e : fs::directory_iterator(out))
            if (e.path().string().ends_with(".her2.json")) seen.insert(e.path().filename().string());
    }
    EXPECT_EQ(seen.size(), 9u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 9u);
    EXPECT_EQ(runCli("batch " + quoted(in) + " -o " + quoted(dir / "x") + " --shard 4/3").code, 2);
    EXPECT_EQ(runCli("batch " + quoted(in) + " -o " + quoted(dir / "x") + " --shard two").code, 2);
}

TEST(Cli_Batch, names_are_escaped_and_stay_inside_the_output_folder) {
    const fs::path dir = testTempDir();
    const fs::path in = dir / "in", out = dir / "out";
    fs::create_directories(in);
    fs::copy_file(testSlide("boxes.png"), in / "=HYPERLINK(1).png");
    fs::copy_file(testSlide("boxes.png"), in / "<b>bold<b>.png");
    runCli("batch " + quoted(in) + " -o " + quoted(out));
    std::ifstream csv(out / "summary.csv");
    const std::string text((std::istreambuf_iterator<char>(csv)), {});
    EXPECT_NE(text.find("'=HYPERLINK"), std::string::npos) << text;
    std::ifstream html(out / "report.html");
    const std::string page((std::istreambuf_iterator<char>(html)), {});
    EXPECT_EQ(page.find("<b>bold"), std::string::npos);
    EXPECT_NE(page.find("&lt;b&gt;bold"), std::string::npos);
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.path().string().ends_with(".her2.json")) {
            EXPECT_EQ(e.path().parent_path(), out);
        }
    }
}

TEST(Cli_Batch, missing_input_folder_is_an_error) {
    const fs::path dir = testTempDir();
    const auto r = runCli("batch " + quoted(dir / "nope") + " -o " + quoted(dir / "out"));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
}

TEST(Cli_Score, protocol_dump_round_trips_and_unknown_keys_are_named) {
    const fs::path dir = testTempDir();
    const auto dump = runCli("score --dump-params");
    ASSERT_EQ(dump.code, 0) << dump.err;
    std::ofstream(dir / "p.json") << dump.out;
    const auto again = runCli("score --dump-params --params " + quoted(dir / "p.json"));
    EXPECT_EQ(again.out, dump.out);
    auto j = nlohmann::json::parse(dump.out);
    j["params"]["ihc.no_such_knob"] = 1;
    std::ofstream(dir / "bad.json") << j.dump();
    const auto bad =
        runCli("score --params " + quoted(dir / "bad.json") + " " + quoted(testSlide("boxes.png")));
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.err.find("ihc.no_such_knob"), std::string::npos) << bad.err;
    std::ofstream(dir / "junk.json") << "{ not json";
    EXPECT_EQ(
        runCli("score --params " + quoted(dir / "junk.json") + " " + quoted(testSlide("boxes.png"))).code, 1);
}

TEST(Cli_Score, mpp_that_overrides_the_files_own_is_reported) {
    // CMU-1 carries 0.499 µm/px; --mpp 0.25 is used, and the report warns of the override.
    const auto slide = quoted(fs::path(HER2_TESTDATA_DIR) / "slides" / "cmu-1-small-region.svs");
    const auto overridden = runCli("score --assay ihc --json --mpp 0.25 " + slide);
    ASSERT_NE(overridden.code, 2) << overridden.err;
    const auto j = nlohmann::json::parse(overridden.out);
    EXPECT_NEAR(j["mpp"].get<double>(), 0.25, 1e-9);
    bool warned = false;
    for (const auto& w : j["warnings"])
        warned = warned || w.get<std::string>().find("overrides") != std::string::npos;
    EXPECT_TRUE(warned) << j["warnings"].dump();
    const auto same = nlohmann::json::parse(runCli("score --assay ihc --json --mpp 0.499 " + slide).out);
    for (const auto& w : same["warnings"])
        EXPECT_EQ(w.get<std::string>().find("overrides"), std::string::npos);
}

TEST(Cli_Score, ihc_json_keys_and_outputs_that_qupath_opens) {
    const fs::path out = testTempDir();
    const auto r = runCli("score --assay ihc --json -o " + quoted(out) + " " +
                          quoted(fs::path(HER2_TESTDATA_DIR) / "ihc" / "skimage-ihc.png") + " --mpp 0.5");
    ASSERT_NE(r.code, 2) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    for (const char* key : {"slide", "assay", "rule", "rule_version", "specimen", "score", "status", "reason",
                            "tumor_cells", "percent", "her2_low_category", "params_hash", "version"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["assay"], "ihc");
    for (const char* cls : {"0", "1+", "2+", "3+"}) EXPECT_TRUE(j["percent"].contains(cls)) << cls;
    EXPECT_EQ(readJson(out / "skimage-ihc.her2.json")["params_hash"], j["params_hash"]);
    // The GeoJSON parses, is a FeatureCollection and reads back through the ROI reader.
    const auto geo = readJson(out / "skimage-ihc.cells.geojson");
    EXPECT_EQ(geo["type"], "FeatureCollection");
    if (!geo["features"].empty()) {
        const auto roi = her2::core::loadRoiGeoJson((out / "skimage-ihc.cells.geojson").string());
        EXPECT_EQ(roi.polygons.size(), geo["features"].size());
        const auto& f = geo["features"][0];
        EXPECT_TRUE(f["properties"].contains("classification"));
        EXPECT_TRUE(f.contains("nucleusGeometry"));
    }
    EXPECT_TRUE(fs::exists(out / "skimage-ihc.overlay.png"));
    // Cells CSV: the nucleus centre comes last, within a cell radius (12 µm = 24 px) of the
    // cell's centroid, and apart from it in some cells.
    const auto rows = readCsv(out / "skimage-ihc.cells.csv");
    ASSERT_GT(rows.size(), 50u);
    ASSERT_GE(rows[0].size(), 18u);
    EXPECT_EQ(rows[0][16], "nucleus_x");
    EXPECT_EQ(rows[0][17], "nucleus_y");
    std::size_t apart = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        ASSERT_EQ(rows[i].size(), rows[0].size());
        const double d = std::hypot(std::stod(rows[i][16]) - std::stod(rows[i][1]),
                                    std::stod(rows[i][17]) - std::stod(rows[i][2]));
        EXPECT_LT(d, 24) << i;
        apart += d > 1;
    }
    EXPECT_GT(apart, 0u);
}
