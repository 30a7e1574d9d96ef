// Reading summary and manual score files, matching slides, and the comparison's JSON.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "her2/core/Errors.hpp"
#include "her2/core/QaComparison.hpp"

using namespace her2::core;
using Json = nlohmann::json;

namespace {

const char* kSummary =
    "slide,path,assay,rule,specimen,score,status,her2_low_category,tumor_cells,pct_0,pct_1,pct_2,pct_3,"
    "nuclei_counted,mean_her2,mean_cep17,ratio,group,params_hash,slide_hash,overlay,report,seconds,error\n"
    "a,/s/a.svs,ihc,breast,resection,0,negative,0-null,500,90,10,0,0,,,,,,h,h,a.overlay.png,a.her2.json,1,\n"
    "b,/s/b.svs,ihc,breast,resection,1+,negative,1+,500,40,50,10,0,,,,,,h,h,b.overlay.png,b.her2.json,1,\n"
    "c,/s/c.svs,ihc,breast,resection,2+,equivocal,2+,500,10,20,60,10,,,,,,h,h,c.overlay.png,c.her2.json,1,\n"
    "d,/s/d.svs,ihc,breast,resection,3+,positive,3+,500,0,0,20,80,,,,,,h,h,d.overlay.png,d.her2.json,1,\n"
    "e,/s/e.svs,ihc,breast,resection,,not-scorable,,12,,,,,,,,,,h,h,,,1,\n"
    "f,/s/f.svs,,,,,,,,,,,,,,,,,,,,,,\"cannot open: bad, file\"\n"
    "'-g,/s/-g.svs,ihc,breast,resection,3+,positive,3+,500,0,0,0,100,,,,,,h,h,'-g.overlay.png,,1,\n"
    "h,/s/h.tif,fish,breast,,,positive,,,,,,,20,6.5,2.0,3.25,1,h,h,h.overlay.png,,1,\n"
    "i,/s/i.tif,fish,breast,,,negative,,,,,,,20,2.2,2.0,1.1,5,h,h,i.overlay.png,,1,\n";

const char* kManual =
    "slide,ihc_score,ish_ratio,mean_her2,ish_group\r\n"
    "a.svs,0,,,\r\n"
    "dir/b.svs,0,,,\r\n"
    "c,2+,,,\r\n"
    "d.SVS,2+,,,\r\n"
    "e,1+,,,\r\n"
    "-g,3+,,,\r\n"
    "h.tif,,3.0,6.0,1\r\n"
    "i.tif,,1.3,2.4,5\r\n"
    "z,1+,,,\r\n";

ParseError errorOf(auto&& f) {
    try {
        f();
    } catch (const ParseError& e) {
        return e;
    }
    ADD_FAILURE() << "no ParseError";
    return ParseError("", 0, 0, "");
}

}  // namespace

TEST(Qa_Comparison, slideKeyStripsFolderAndSlideExtensionsOnly) {
    EXPECT_EQ(slideKey("dir/Case 1.svs"), "Case 1");
    EXPECT_EQ(slideKey(" C:\\x\\y.ome.tiff "), "y");
    EXPECT_EQ(slideKey("case.12"), "case.12");
    EXPECT_EQ(slideKey("b.NDPI"), "b");
}

TEST(Qa_Comparison, matchesReportsUnmatchedAndSkipped) {
    const auto automatic = parseAutoScores(kSummary, "summary.csv");
    const auto manual = parseManualScores(kManual, "manual.csv");
    ASSERT_EQ(automatic.size(), 9u);
    EXPECT_EQ(automatic[6].slide, "-g");
    EXPECT_EQ(automatic[6].overlay, "-g.overlay.png");
    EXPECT_EQ(automatic[5].error, "cannot open: bad, file");
    const QaComparison q = QaComparison::compare(automatic, manual, "out", {500, 1, 0.95});
    EXPECT_EQ(q.n, 5u);                   // a, b, c, d, -g
    EXPECT_EQ(q.confusion.at(1, 0), 1u);  // auto 1+, manual 0
    EXPECT_EQ(q.confusion.at(3, 2), 1u);  // auto 3+, manual 2+
    EXPECT_DOUBLE_EQ(q.agreement, 3.0 / 5.0);
    ASSERT_EQ(q.discordant.size(), 2u);
    EXPECT_EQ(q.discordant[0].slide, "b");
    EXPECT_EQ(q.discordant[0].overlay, "out/b.overlay.png");
    EXPECT_EQ(q.discordant[1].slide, "d");
    EXPECT_EQ(q.unmatchedAuto, (std::vector<std::string>{"f"}));
    EXPECT_EQ(q.unmatchedManual, (std::vector<std::string>{"z"}));
    ASSERT_EQ(q.skipped.size(), 1u);
    EXPECT_EQ(q.skipped[0].slide, "e");
    EXPECT_NE(q.skipped[0].reason.find("not-scorable"), std::string::npos);
    // Clinical categories: b (1+ vs 0) agrees as negative; d (3+ vs 2+) does not.
    EXPECT_EQ(q.clinical.n, 5u);
    EXPECT_DOUBLE_EQ(q.clinical.agreement, 4.0 / 5.0);
    EXPECT_EQ(q.her2Low.n, 2u);  // a and b
    EXPECT_DOUBLE_EQ(q.her2Low.agreement, 0.5);
    // ISH.
    EXPECT_EQ(q.ratio.blandAltman.n, 2u);
    EXPECT_NEAR(q.ratio.blandAltman.bias, ((3.25 - 3.0) + (1.1 - 1.3)) / 2, 1e-12);
    EXPECT_EQ(q.ishGroup.n, 2u);
    EXPECT_DOUBLE_EQ(q.ishGroup.agreement, 1.0);
}

TEST(Qa_Comparison, jsonHasTheKeysTheGuiReads) {
    const QaComparison q =
        QaComparison::compare(parseAutoScores(kSummary, "summary.csv"),
                              parseManualScores(kManual, "manual.csv"), "out", {200, 1, 0.95});
    const Json j = Json::parse(q.toJson());
    for (const char* key :
         {"n", "agreement", "kappa", "kappa_ci", "weighted_kappa", "weighted_kappa_ci", "confusion",
          "discordant", "unmatched_auto", "unmatched_manual", "ish", "clinical", "her2_low"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["n"], 5);
    EXPECT_EQ(j["confusion"]["labels"].size(), 4u);
    EXPECT_EQ(j["confusion"]["matrix"][1][0], 1);
    EXPECT_EQ(j["kappa_ci"].size(), 2u);
    EXPECT_EQ(j["discordant"][0]["auto"], "1+");
    EXPECT_EQ(j["discordant"][0]["manual"], "0");
    EXPECT_EQ(j["discordant"][0]["overlay"], "out/b.overlay.png");
    // Links rewritten relative to a report folder.
    const Json k = Json::parse(q.toJson("qa"));
    EXPECT_EQ(k["discordant"][0]["overlay"], "../out/b.overlay.png");
}

TEST(Qa_Comparison, undefinedKappaIsNullInJson) {
    const auto automatic = parseAutoScores("slide,score\na,3+\nb,3+\n", "s.csv");
    const auto manual = parseManualScores("slide,ihc_score\na,3+\nb,3+\n", "m.csv");
    const Json j = Json::parse(QaComparison::compare(automatic, manual).toJson());
    EXPECT_TRUE(j["kappa"].is_null());
    EXPECT_EQ(j["agreement"], 1.0);
}

TEST(Qa_Comparison, unknownScoreNamesLineAndColumn) {
    const ParseError e = errorOf([] { parseManualScores("slide,ihc_score\na,1+\nb,4+\n", "m.csv"); });
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.column(), 2u);
    EXPECT_NE(std::string(e.what()).find("'4+'"), std::string::npos) << e.what();
}

TEST(Qa_Comparison, duplicateSlideNamesBothLines) {
    // "a.svs" and "a" are the same slide once the extension is removed.
    const ParseError e =
        errorOf([] { parseManualScores("slide,ihc_score\na.svs,1+\nb,0\na,2+\n", "m.csv"); });
    EXPECT_EQ(e.line(), 4u);
    EXPECT_EQ(e.column(), 1u);
    EXPECT_NE(std::string(e.what()).find("already on line 2"), std::string::npos) << e.what();
    EXPECT_EQ(errorOf([] { parseAutoScores("slide,score\nx,0\nx,1+\n", "s.csv"); }).line(), 3u);
}

TEST(Qa_Comparison, badValuesAndMissingColumns) {
    EXPECT_EQ(errorOf([] { parseManualScores("slide,ish_ratio\na,2.x\n", "m.csv"); }).column(), 2u);
    EXPECT_EQ(errorOf([] { parseManualScores("slide,ish_group\na,6\n", "m.csv"); }).line(), 2u);
    EXPECT_EQ(errorOf([] { parseManualScores("slide,ihc_score\n,1+\n", "m.csv"); }).column(), 1u);
    EXPECT_THROW(parseManualScores("slide,comment\na,x\n", "m.csv"), ParseError);
    EXPECT_THROW(parseManualScores("name,ihc_score\na,1+\n", "m.csv"), ParseError);
    EXPECT_THROW(parseAutoScores("slide,path\na,b\n", "s.csv"), ParseError);
    EXPECT_THROW(readManualScores("/nonexistent/manual.csv"), InputError);
    // Missing values are not errors.
    const auto rows = parseManualScores("slide,ihc_score,ish_ratio\na,NA,\nb, 2+ ,n/a\n", "m.csv");
    EXPECT_FALSE(rows[0].ihc);
    EXPECT_EQ(rows[1].ihc, Her2Score::Two);
}
