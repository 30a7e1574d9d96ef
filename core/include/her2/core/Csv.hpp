#pragma once
/// @file RFC 4180 CSV: a reader that names the line and column of every fault, and writer
/// helpers that keep spreadsheet programs from running a cell as a formula.
///
/// Reader rules: comma separated; the first non-blank record is the header; fields may be
/// quoted with '"' (a doubled quote inside stands for one quote, and quoted fields may hold
/// commas and line breaks); LF, CRLF or CR line ends; a leading UTF-8 byte order mark is
/// skipped; blank lines are skipped; every record must have as many fields as the header.
/// Lines are physical lines of the file, 1-based; columns are 1-based field numbers (the
/// spreadsheet column), which is what a user can find again in the file.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace her2::core {

/// A parsed CSV file held in memory. Immutable after parsing; safe to read from many threads.
class CsvDocument {
public:
    /// Parses `text`; `file` names the source in error messages.
    /// Throws ParseError(file, line, column, problem) on an unterminated quoted field, a quote
    /// inside an unquoted field, text after a closing quote, a record whose field count differs
    /// from the header's, an empty or duplicate header name, or a file without a header.
    static CsvDocument parse(std::string_view text, const std::string& file = "csv");
    /// Reads and parses a file. Throws InputError when it cannot be read, ParseError as parse().
    static CsvDocument load(const std::string& path);

    const std::string& file() const noexcept { return m_file; }
    const std::vector<std::string>& header() const noexcept { return m_header; }
    const std::vector<std::vector<std::string>>& rows() const noexcept { return m_rows; }
    std::size_t rowCount() const noexcept { return m_rows.size(); }
    const std::vector<std::string>& row(std::size_t i) const { return m_rows.at(i); }
    /// The file line (1-based) on which data row `i` starts.
    std::size_t lineOf(std::size_t i) const { return m_lines.at(i); }
    /// Index (0-based) of a header name, compared case-insensitively after trimming spaces.
    std::optional<std::size_t> column(std::string_view name) const noexcept;
    /// As column(), but throws ParseError(file, header line, 0, "missing column '<name>'").
    std::size_t requireColumn(std::string_view name) const;
    /// Throws ParseError for data row `i` and 0-based field index `field`:
    /// "<file>: line L, column C: <problem>".
    [[noreturn]] void fail(std::size_t i, std::size_t field, const std::string& problem) const;

private:
    std::string m_file;
    std::size_t m_headerLine = 1;
    std::vector<std::string> m_header;
    std::vector<std::vector<std::string>> m_rows;
    std::vector<std::size_t> m_lines;
};

/// One CSV field for writing: quoted when it holds a comma, quote, CR or LF; and prefixed
/// with "'" when it begins with = + - @ (or a tab or CR), so that a spreadsheet shows the
/// text instead of evaluating it. Use for text, not for numbers written by the program.
std::string csvEscape(std::string_view text);

/// Joins already formatted fields (each passed through csvEscape()) into one record, with
/// the trailing "\n".
std::string csvRecord(const std::vector<std::string>& escapedFields);

/// Undoes the formula guard of csvEscape(): "'=x" -> "=x"; other text is returned unchanged.
std::string csvUnprotect(std::string_view field);

}  // namespace her2::core
