#pragma once
/// @file A small RFC 4180 CSV reader for the batch summary (comma separated, quoted
/// fields with doubled quotes, CRLF or LF line ends). The first row is the header.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace her2::models {

class CsvTable {
public:
    /// Parses `text`; `file` names the source in error messages.
    /// Throws core::ParseError (line, column) on an unterminated quote or a row whose
    /// field count differs from the header's.
    static CsvTable parse(std::string_view text, const std::string& file = "csv");
    /// Reads and parses a file. Throws core::InputError when it cannot be read.
    static CsvTable load(const std::string& path);

    const std::vector<std::string>& header() const noexcept { return m_header; }
    const std::vector<std::vector<std::string>>& rows() const noexcept { return m_rows; }
    std::size_t rowCount() const noexcept { return m_rows.size(); }
    /// Index of a header name (case-insensitive), or -1.
    int column(std::string_view name) const noexcept;

private:
    std::vector<std::string> m_header;
    std::vector<std::vector<std::string>> m_rows;
};

}  // namespace her2::models
