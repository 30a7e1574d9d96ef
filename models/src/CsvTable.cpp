#include "her2/models/CsvTable.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "her2/core/Errors.hpp"

namespace her2::models {

CsvTable CsvTable::parse(std::string_view text, const std::string& file) {
    CsvTable table;
    std::vector<std::string> row;
    std::string field;
    bool inQuotes = false;
    bool fieldQuoted = false;
    std::size_t line = 1;
    std::size_t column = 1;
    std::size_t quoteLine = 0;
    std::size_t quoteColumn = 0;
    bool rowHasContent = false;

    auto endRow = [&](std::size_t rowLine) {
        row.push_back(std::move(field));
        field.clear();
        fieldQuoted = false;
        const bool blank = !rowHasContent && row.size() == 1 && row.front().empty();
        if (!blank) {
            if (table.m_header.empty()) {
                table.m_header = std::move(row);
            } else {
                if (row.size() != table.m_header.size())
                    throw core::ParseError(file, rowLine, 0,
                                           "expected " + std::to_string(table.m_header.size()) + " fields, found " +
                                               std::to_string(row.size()));
                table.m_rows.push_back(std::move(row));
            }
        }
        row.clear();
        rowHasContent = false;
    };

    std::size_t rowLine = 1;
    if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
        static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
        text.remove_prefix(3);

    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inQuotes) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field.push_back('"');
                    ++i;
                    ++column;
                } else {
                    inQuotes = false;
                }
            } else {
                field.push_back(c);
                if (c == '\n') {
                    ++line;
                    column = 0;
                }
            }
        } else if (c == '"') {
            if (!field.empty() || fieldQuoted)
                throw core::ParseError(file, line, column, "quote inside an unquoted field");
            inQuotes = true;
            fieldQuoted = true;
            rowHasContent = true;
            quoteLine = line;
            quoteColumn = column;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
            fieldQuoted = false;
            rowHasContent = true;
        } else if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            endRow(rowLine);
            ++line;
            rowLine = line;
            column = 0;
        } else {
            field.push_back(c);
            rowHasContent = true;
        }
        ++column;
    }
    if (inQuotes) throw core::ParseError(file, quoteLine, quoteColumn, "unterminated quoted field");
    if (rowHasContent || !field.empty()) endRow(rowLine);
    if (table.m_header.empty()) throw core::ParseError(file, 1, 0, "empty file: no header row");
    return table;
}

CsvTable CsvTable::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::InputError(path, "cannot be read");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return parse(buffer.str(), path);
}

int CsvTable::column(std::string_view name) const noexcept {
    auto lower = [](std::string_view s) {
        std::string out(s);
        std::transform(out.begin(), out.end(), out.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        return out;
    };
    const std::string wanted = lower(name);
    for (std::size_t i = 0; i < m_header.size(); ++i)
        if (lower(m_header[i]) == wanted) return static_cast<int>(i);
    return -1;
}

}  // namespace her2::models
