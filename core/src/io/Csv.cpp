#include "her2/core/Csv.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "her2/core/Errors.hpp"

namespace her2::core {
namespace {

std::string lowerTrimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return out;
}

/// Character-level scanner. Keeps the physical line and the character position so that
/// syntax faults can be reported where an editor shows them.
class Scanner {
public:
    Scanner(std::string_view text, const std::string& file) : m_text(text), m_file(file) {
        if (m_text.size() >= 3 && static_cast<unsigned char>(m_text[0]) == 0xEF &&
            static_cast<unsigned char>(m_text[1]) == 0xBB && static_cast<unsigned char>(m_text[2]) == 0xBF)
            m_text.remove_prefix(3);
    }

    /// Reads the next record into `fields`; false at the end of the text. Blank lines are
    /// skipped. `line` receives the line on which the record starts.
    bool next(std::vector<std::string>& fields, std::size_t& line) {
        fields.clear();
        // Skip blank lines: they carry no record (a trailing newline, an empty last line).
        while (m_pos < m_text.size() && isLineEnd(m_text[m_pos])) consumeLineEnd();
        if (m_pos >= m_text.size()) return false;
        line = m_line;
        std::string field;
        for (;;) {
            field.clear();
            const std::size_t fieldNo = fields.size() + 1;
            if (m_pos < m_text.size() && m_text[m_pos] == '"') {
                const std::size_t openLine = m_line, openChar = charColumn();
                ++m_pos;
                bool closed = false;
                while (m_pos < m_text.size()) {
                    const char c = m_text[m_pos];
                    if (c == '"') {
                        if (m_pos + 1 < m_text.size() && m_text[m_pos + 1] == '"') {
                            field.push_back('"');
                            m_pos += 2;
                            continue;
                        }
                        ++m_pos;
                        closed = true;
                        break;
                    }
                    if (isLineEnd(c)) {
                        // A line break inside quotes is data; keep it as LF whatever the file used.
                        consumeLineEnd();
                        field.push_back('\n');
                        continue;
                    }
                    field.push_back(c);
                    ++m_pos;
                }
                if (!closed)
                    throw ParseError(
                        m_file, openLine, fieldNo,
                        "unterminated quoted field (opened at character " + std::to_string(openChar) + ")");
                if (m_pos < m_text.size() && m_text[m_pos] != ',' && !isLineEnd(m_text[m_pos]))
                    throw ParseError(m_file, m_line, fieldNo,
                                     "unexpected text after a closing quote (character " +
                                         std::to_string(charColumn()) + ")");
            } else {
                while (m_pos < m_text.size() && m_text[m_pos] != ',' && !isLineEnd(m_text[m_pos])) {
                    if (m_text[m_pos] == '"')
                        throw ParseError(m_file, m_line, fieldNo,
                                         "quote inside an unquoted field (character " +
                                             std::to_string(charColumn()) +
                                             "); quote the whole field and double the quote");
                    field.push_back(m_text[m_pos]);
                    ++m_pos;
                }
            }
            fields.push_back(field);
            if (m_pos < m_text.size() && m_text[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_text.size()) consumeLineEnd();
            return true;
        }
    }

private:
    static bool isLineEnd(char c) { return c == '\n' || c == '\r'; }
    void consumeLineEnd() {
        if (m_text[m_pos] == '\r' && m_pos + 1 < m_text.size() && m_text[m_pos + 1] == '\n') ++m_pos;
        ++m_pos;
        ++m_line;
        m_lineStart = m_pos;
    }
    std::size_t charColumn() const { return m_pos - m_lineStart + 1; }

    std::string_view m_text;
    const std::string& m_file;
    std::size_t m_pos = 0;
    std::size_t m_line = 1;
    std::size_t m_lineStart = 0;
};

}  // namespace

CsvDocument CsvDocument::parse(std::string_view text, const std::string& file) {
    CsvDocument doc;
    doc.m_file = file;
    Scanner scanner(text, doc.m_file);
    std::vector<std::string> fields;
    std::size_t line = 0;
    if (!scanner.next(fields, line)) throw ParseError(file, 1, 0, "empty file: no header row");
    doc.m_headerLine = line;
    doc.m_header = fields;
    for (std::size_t i = 0; i < doc.m_header.size(); ++i) {
        const std::string name = lowerTrimmed(doc.m_header[i]);
        if (name.empty()) throw ParseError(file, line, i + 1, "empty column name in the header");
        for (std::size_t j = 0; j < i; ++j)
            if (lowerTrimmed(doc.m_header[j]) == name)
                throw ParseError(file, line, i + 1,
                                 "duplicate column name '" + doc.m_header[i] + "' (also column " +
                                     std::to_string(j + 1) + ")");
    }
    const std::size_t width = doc.m_header.size();
    while (scanner.next(fields, line)) {
        if (fields.size() != width) {
            // Point at the first field that should not be there, or the first one missing.
            const std::size_t column = fields.size() > width ? width + 1 : fields.size() + 1;
            throw ParseError(file, line, column,
                             "expected " + std::to_string(width) + " fields as in the header, found " +
                                 std::to_string(fields.size()));
        }
        doc.m_rows.push_back(fields);
        doc.m_lines.push_back(line);
    }
    return doc;
}

CsvDocument CsvDocument::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "cannot be read");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) throw InputError(path, "read failed");
    return parse(buffer.str(), path);
}

std::optional<std::size_t> CsvDocument::column(std::string_view name) const noexcept {
    const std::string wanted = lowerTrimmed(name);
    for (std::size_t i = 0; i < m_header.size(); ++i)
        if (lowerTrimmed(m_header[i]) == wanted) return i;
    return std::nullopt;
}

std::size_t CsvDocument::requireColumn(std::string_view name) const {
    if (auto c = column(name)) return *c;
    throw ParseError(m_file, m_headerLine, 0, "missing column '" + std::string(name) + "' in the header");
}

void CsvDocument::fail(std::size_t i, std::size_t field, const std::string& problem) const {
    throw ParseError(m_file, lineOf(i), field + 1, problem);
}

std::string csvEscape(std::string_view text) {
    std::string value;
    if (!text.empty() && (text.front() == '=' || text.front() == '+' || text.front() == '-' ||
                          text.front() == '@' || text.front() == '\t' || text.front() == '\r'))
        value.push_back('\'');
    value.append(text);
    if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
    std::string quoted = "\"";
    for (const char c : value) {
        if (c == '"') quoted.push_back('"');
        quoted.push_back(c);
    }
    quoted.push_back('"');
    return quoted;
}

std::string csvRecord(const std::vector<std::string>& escapedFields) {
    std::string out;
    for (std::size_t i = 0; i < escapedFields.size(); ++i) {
        if (i) out.push_back(',');
        out += escapedFields[i];
    }
    out.push_back('\n');
    return out;
}

std::string csvUnprotect(std::string_view field) {
    if (field.size() >= 2 && field.front() == '\'') {
        const char c = field[1];
        if (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r')
            return std::string(field.substr(1));
    }
    return std::string(field);
}

}  // namespace her2::core
