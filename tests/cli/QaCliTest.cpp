// End-to-end tests of `her2scope qa`: runs the built CLI (HER2_CLI) on files written to a
// per-test temporary folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "CliRunner.hpp"
#include "her2/core/Params.hpp"

namespace fs = std::filesystem;
using her2::testing::CliResult;
using her2::testing::runCliWords;
using Json = nlohmann::json;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void spit(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

class Cli_Qa : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir = fs::temp_directory_path() /
                ("her2_cli_qa_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
        fs::remove_all(m_dir);
        fs::create_directories(m_dir / "batch");
    }
    void TearDown() override {
        if (!HasFailure()) fs::remove_all(m_dir);
    }

    /// A batch folder: four IHC slides (two with overlays), one failed slide, two FISH slides.
    void writeBatch() const {
        spit(m_dir / "batch" / "summary.csv",
             "slide,path,assay,rule,specimen,score,status,her2_low_category,tumor_cells,pct_0,pct_1,pct_2,"
             "pct_3,"
             "nuclei_counted,mean_her2,mean_cep17,ratio,group,params_hash,slide_hash,overlay,report,seconds,"
             "error\n"
             "a,/s/a.svs,ihc,breast,resection,0,negative,0-null,500,90,10,0,0,,,,,,h,h,a.overlay.png,,1,\n"
             "b <x>,/s/b.svs,ihc,breast,resection,1+,negative,1+,500,40,50,10,0,,,,,,h,h,b "
             "<x>.overlay.png,,1,\n"
             "c,/s/c.svs,ihc,breast,resection,2+,equivocal,2+,500,10,20,60,10,,,,,,h,h,c.overlay.png,,1,\n"
             "d,/s/d.svs,ihc,breast,resection,3+,positive,3+,500,0,0,20,80,,,,,,h,h,d.overlay.png,,1,\n"
             "f,/s/f.svs,,,,,,,,,,,,,,,,,,,,,,cannot open\n"
             "h,/s/h.tif,fish,breast,,,positive,,,,,,,20,6.5,2.0,3.25,1,h,h,,,1,\n"
             "i,/s/i.tif,fish,breast,,,negative,,,,,,,20,2.2,2.0,1.1,5,h,h,,,1,\n");
        const cv::Mat red(300, 400, CV_8UC3, cv::Scalar(0, 0, 255));
        cv::imwrite((m_dir / "batch" / "b <x>.overlay.png").string(), red);
        cv::imwrite((m_dir / "batch" / "d.overlay.png").string(), red);
        spit(m_dir / "manual.csv",
             "\xEF\xBB\xBFslide,ihc_score,ish_ratio,mean_her2,ish_group\r\n"
             "a.svs,0,,,\r\n\"b "
             "<x>.svs\",0,,,\r\nc,2+,,,\r\nd,2+,,,\r\nh,,3.0,6.0,1\r\ni,,1.3,2.4,5\r\nz,1+,,,\r\n");
    }

    fs::path m_dir;
};

}  // namespace

TEST_F(Cli_Qa, writesReportAndPrintsJson) {
    writeBatch();
    const fs::path qa = m_dir / "qa";
    const CliResult r = runCliWords({"qa", "--auto", (m_dir / "batch" / "summary.csv").string(), "--manual",
                                     (m_dir / "manual.csv").string(), "-o", qa.string(), "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    const Json j = Json::parse(r.out);
    for (const char* key : {"n", "agreement", "kappa", "kappa_ci", "weighted_kappa", "weighted_kappa_ci",
                            "confusion", "discordant", "unmatched_auto", "unmatched_manual", "ish"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["n"], 4);
    EXPECT_DOUBLE_EQ(j["agreement"].get<double>(), 0.5);
    EXPECT_EQ(j["discordant"].size(), 2u);
    EXPECT_EQ(j["unmatched_manual"], Json::array({"z"}));
    EXPECT_EQ(j["unmatched_auto"], Json::array({"f"}));
    EXPECT_EQ(j["ish"]["group"]["n"], 2);
    ASSERT_TRUE(fs::exists(qa / "qa.html"));
    ASSERT_TRUE(fs::exists(qa / "qa.json"));
    // qa.json links overlays relative to its own folder, and they resolve.
    const Json file = Json::parse(slurp(qa / "qa.json"));
    EXPECT_EQ(file["discordant"][0]["overlay"], "../batch/b <x>.overlay.png");
    EXPECT_TRUE(fs::exists(qa / file["discordant"][0]["overlay"].get<std::string>()));
    const std::string html = slurp(qa / "qa.html");
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_NE(html.find("b &lt;x&gt;"), std::string::npos);  // escaped
    EXPECT_EQ(html.find("b <x>"), std::string::npos);
    EXPECT_NE(html.find("href=\"../batch/b%20%3Cx%3E.overlay.png\""), std::string::npos);
    EXPECT_NE(html.find("Bland-Altman"), std::string::npos);
    EXPECT_TRUE(fs::exists(qa / "thumbs" / "0-b__x_.jpg"));
    for (const auto& e : fs::directory_iterator(qa))
        EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos);
}

TEST_F(Cli_Qa, textOutputWithoutReportFolder) {
    writeBatch();
    const CliResult r = runCliWords({"qa", "--auto", (m_dir / "batch" / "summary.csv").string(), "--manual",
                                     (m_dir / "manual.csv").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("kappa"), std::string::npos);
    EXPECT_NE(r.out.find("only in the manual file  z"), std::string::npos) << r.out;
}

TEST_F(Cli_Qa, unknownScoreNamesFileLineAndColumn) {
    writeBatch();
    spit(m_dir / "bad.csv", "slide,ihc_score\na,1+\nb,4+\n");
    const CliResult r = runCliWords({"qa", "--auto", (m_dir / "batch" / "summary.csv").string(), "--manual",
                                     (m_dir / "bad.csv").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("bad.csv: line 3, column 2: unknown IHC score '4+'"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(Cli_Qa, raggedAndDuplicateRowsAreErrors) {
    writeBatch();
    spit(m_dir / "ragged.csv", "slide,ihc_score\r\na,1+\r\nb,0,extra\r\n");
    CliResult r = runCliWords({"qa", "--auto", (m_dir / "batch" / "summary.csv").string(), "--manual",
                               (m_dir / "ragged.csv").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("line 3, column 3"), std::string::npos) << r.err;
    spit(m_dir / "dup.csv", "slide,ihc_score\na,1+\n\"a.svs\",2+\n");
    r = runCliWords({"qa", "--auto", (m_dir / "batch" / "summary.csv").string(), "--manual",
                     (m_dir / "dup.csv").string()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("line 3, column 1: duplicate slide 'a'"), std::string::npos) << r.err;
}

TEST_F(Cli_Qa, usageErrorsExitTwo) {
    writeBatch();
    EXPECT_EQ(runCliWords({"qa", "--auto", (m_dir / "batch" / "summary.csv").string()}).code, 2);
    EXPECT_EQ(runCliWords({"qa", "--auto", (m_dir / "nope.csv").string(), "--manual",
                           (m_dir / "manual.csv").string()})
                  .code,
              2);
    EXPECT_EQ(runCliWords({"qa", "--auto", (m_dir / "batch" / "summary.csv").string(), "--manual",
                           (m_dir / "manual.csv").string(), "--calibrate"})
                  .code,
              2);
    EXPECT_EQ(runCliWords({"qa", "--auto", (m_dir / "batch" / "summary.csv").string(), "--manual",
                           (m_dir / "manual.csv").string(), "--folds", "3"})
                  .code,
              2);
}

TEST_F(Cli_Qa, calibrateWritesAProtocolTheBatchCanLoad) {
    // 16 slides whose manual scores follow faint 0.25 / strong 0.58 rather than the defaults.
    std::string summary =
        "slide,path,assay,rule,specimen,score,status,her2_low_category,tumor_cells,pct_0,pct_1,pct_2,pct_3,"
        "nuclei_counted,mean_her2,mean_cep17,ratio,group,params_hash,slide_hash,overlay,report,seconds,"
        "error\n";
    std::string manual = "slide,ihc_score\n";
    const double od[4] = {0.0, 0.21, 0.50, 0.75}, completeness[4] = {0.0, 0.35, 0.97, 0.97};
    const char* names[4] = {"0", "1+", "2+", "3+"};
    for (int s = 0; s < 4; ++s)
        for (int k = 0; k < 4; ++k) {
            const std::string slide = std::string("s") + std::to_string(s) + '_' + std::to_string(k);
            summary += slide + ",/x/" + slide + ".svs,ihc,breast,resection," + names[s] +
                       ",negative,,150,,,,,,,,,,h,h,,,1,\n";
            manual += slide + "," + names[s] + "\n";
            std::string cells =
                "id,x,y,cell_area_um2,nucleus_area_um2,nucleus_hematoxylin_od,nucleus_circularity,membrane_"
                "od_mean,"
                "membrane_od_max,membrane_thickness_um,cytoplasm_od,completeness,pattern,intensity,score,"
                "excluded\n";
            for (int i = 0; i < 150; ++i) {
                const bool stained = (i * 7 + s + k) % 10 < 6;
                const double jitter = 0.03 * (((i * 13 + k * 5) % 11) / 10.0 - 0.5);
                cells += std::to_string(i) + "," + std::to_string(i % 15 * 40) + "," +
                         std::to_string(i / 15 * 40) + ",100,30,0.3,0.9," +
                         std::to_string(stained ? od[s] + jitter : 0.0) + ",0.9,1.0,0.05," +
                         std::to_string(stained ? completeness[s] : 0.0) + ",complete,strong,3+,\n";
            }
            cells += "999,0,0,100,30,0.3,0.9,0.9,0.9,1.0,0.05,1,complete,strong,3+,stroma\n";
            spit(m_dir / "batch" / (slide + ".cells.csv"), cells);
        }
    spit(m_dir / "batch" / "summary.csv", summary);
    spit(m_dir / "manual.csv", manual);
    const fs::path protocol = m_dir / "calibrated.json";
    const CliResult r =
        runCliWords({"qa", "--auto", (m_dir / "batch" / "summary.csv").string(), "--manual",
                     (m_dir / "manual.csv").string(), "--calibrate", "--folds", "3", "--protocol-out",
                     protocol.string(), "--threads", "2", "-o", (m_dir / "qa").string(), "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    const Json j = Json::parse(r.out);
    ASSERT_TRUE(j.contains("calibration"));
    EXPECT_EQ(j["calibration"]["folds"], 3);
    EXPECT_GE(j["calibration"]["cv_kappa"].get<double>(), 0.9);
    EXPECT_EQ(j["calibration"]["test"].size(), 4u);
    const auto params = her2::core::AnalysisParams::load(protocol.string());
    EXPECT_GT(params.ihc.faintOd, 0.225);
    EXPECT_LE(params.ihc.faintOd, 0.485);
    EXPECT_GT(params.ihc.strongOd, 0.515);
    EXPECT_LE(params.ihc.strongOd, 0.735);
    EXPECT_TRUE(fs::exists(m_dir / "qa" / "calibration.json"));
    EXPECT_NE(slurp(m_dir / "qa" / "qa.html").find("Calibration"), std::string::npos);
}
