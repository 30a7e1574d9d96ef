// RFC 4180 reader edge cases and the writer's formula guard.
#include <gtest/gtest.h>

#include "her2/core/Csv.hpp"
#include "her2/core/Errors.hpp"

using namespace her2::core;

namespace {

/// Parses and returns the ParseError, failing the test when none is thrown.
ParseError parseError(std::string_view text) {
    try {
        CsvDocument::parse(text, "t.csv");
    } catch (const ParseError& e) {
        return e;
    }
    ADD_FAILURE() << "no ParseError for: " << text;
    return ParseError("t.csv", 0, 0, "none");
}

}  // namespace

TEST(Qa_Csv, bomCrlfAndQuotedCommasAndNewlines) {
    const std::string text =
        "\xEF\xBB\xBFslide,note\r\n"
        "\"a, b\",\"said \"\"hi\"\"\"\r\n"
        "c,\"two\r\nlines\"\r\n"
        "\r\n"
        "d,\r\n";
    const CsvDocument doc = CsvDocument::parse(text, "t.csv");
    ASSERT_EQ(doc.header().size(), 2u);
    EXPECT_EQ(doc.header()[0], "slide");  // BOM removed
    ASSERT_EQ(doc.rowCount(), 3u);
    EXPECT_EQ(doc.row(0)[0], "a, b");
    EXPECT_EQ(doc.row(0)[1], "said \"hi\"");
    EXPECT_EQ(doc.row(1)[1], "two\nlines");
    EXPECT_EQ(doc.row(2)[1], "");
    EXPECT_EQ(doc.lineOf(0), 2u);
    EXPECT_EQ(doc.lineOf(1), 3u);
    EXPECT_EQ(doc.lineOf(2), 6u);  // the quoted line break and the blank line count
    EXPECT_EQ(doc.column(" NOTE "), 1u);
    EXPECT_FALSE(doc.column("missing"));
}

TEST(Qa_Csv, lfAndCrOnlyAndNoFinalNewline) {
    EXPECT_EQ(CsvDocument::parse("a,b\n1,2\n3,4", "t").rowCount(), 2u);
    const CsvDocument cr = CsvDocument::parse("a,b\r1,2\r3,4\r", "t");
    EXPECT_EQ(cr.rowCount(), 2u);
    EXPECT_EQ(cr.lineOf(1), 3u);
}

TEST(Qa_Csv, raggedRowNamesLineAndColumn) {
    const ParseError longRow = parseError("a,b,c\n1,2,3\n4,5,6,7\n");
    EXPECT_EQ(longRow.line(), 3u);
    EXPECT_EQ(longRow.column(), 4u);
    EXPECT_NE(std::string(longRow.what()).find("t.csv: line 3, column 4: expected 3 fields"),
              std::string::npos)
        << longRow.what();
    const ParseError shortRow = parseError("a,b,c\r\n1,2,3\r\n\r\n4,5\r\n");
    EXPECT_EQ(shortRow.line(), 4u);
    EXPECT_EQ(shortRow.column(), 3u);
}

TEST(Qa_Csv, quoteFaults) {
    const ParseError open = parseError("a,b\n1,\"never closed\n2,3\n");
    EXPECT_EQ(open.line(), 2u);
    EXPECT_EQ(open.column(), 2u);
    EXPECT_NE(std::string(open.what()).find("unterminated"), std::string::npos);
    const ParseError stray = parseError("a,b\n1,x\"y\n");
    EXPECT_EQ(stray.line(), 2u);
    EXPECT_EQ(stray.column(), 2u);
    const ParseError after = parseError("a,b\n\"x\"y,1\n");
    EXPECT_EQ(after.line(), 2u);
    EXPECT_EQ(after.column(), 1u);
}

TEST(Qa_Csv, headerFaults) {
    EXPECT_EQ(parseError("").line(), 1u);
    EXPECT_EQ(parseError("\xEF\xBB\xBF\r\n\r\n").line(), 1u);
    const ParseError dup = parseError("slide,score,Slide\n");
    EXPECT_EQ(dup.column(), 3u);
    EXPECT_NE(std::string(dup.what()).find("duplicate column"), std::string::npos);
    EXPECT_EQ(parseError("slide,,score\n").column(), 2u);
}

TEST(Qa_Csv, missingColumnAndFail) {
    const CsvDocument doc = CsvDocument::parse("slide,score\nx,1+\n", "m.csv");
    EXPECT_THROW(doc.requireColumn("ihc_score"), ParseError);
    try {
        doc.fail(0, 1, "bad");
        FAIL();
    } catch (const ParseError& e) {
        EXPECT_STREQ(e.what(), "m.csv: line 2, column 2: bad");
    }
}

TEST(Qa_Csv, loadMissingFileIsInputError) {
    EXPECT_THROW(CsvDocument::load("/nonexistent/her2/summary.csv"), InputError);
}

TEST(Qa_Csv, writerQuotesAndGuardsFormulas) {
    EXPECT_EQ(csvEscape("plain"), "plain");
    EXPECT_EQ(csvEscape("a,b"), "\"a,b\"");
    EXPECT_EQ(csvEscape("say \"x\""), "\"say \"\"x\"\"\"");
    EXPECT_EQ(csvEscape("line\nbreak"), "\"line\nbreak\"");
    EXPECT_EQ(csvEscape("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    EXPECT_EQ(csvEscape("+1"), "'+1");
    EXPECT_EQ(csvEscape("-2"), "'-2");
    EXPECT_EQ(csvEscape("@SUM(A1)"), "'@SUM(A1)");
    EXPECT_EQ(csvEscape(""), "");
    EXPECT_EQ(csvRecord({"a", csvEscape("b,c")}), "a,\"b,c\"\n");
    EXPECT_EQ(csvUnprotect("'=x"), "=x");
    EXPECT_EQ(csvUnprotect("'plain"), "'plain");
    // A written record reads back as the original text (after unprotect).
    const std::string nasty = "=cmd|' /C calc'!A0, \"q\"";
    const CsvDocument doc = CsvDocument::parse("v\n" + csvRecord({csvEscape(nasty)}), "t");
    EXPECT_EQ(csvUnprotect(doc.row(0)[0]), nasty);
}
