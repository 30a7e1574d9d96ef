#include "her2/models/CsvTable.hpp"

#include <cctype>

#include "her2/core/Csv.hpp"

namespace her2::models {

// The reader lives in core so that the headless CLI (which links no Qt) parses CSV exactly
// as the viewer does; this class keeps the models' API over it.

CsvTable CsvTable::parse(std::string_view text, const std::string& file) {
    const core::CsvDocument doc = core::CsvDocument::parse(text, file);
    CsvTable table;
    table.m_header = doc.header();
    table.m_rows = doc.rows();
    return table;
}

CsvTable CsvTable::load(const std::string& path) {
    const core::CsvDocument doc = core::CsvDocument::load(path);
    CsvTable table;
    table.m_header = doc.header();
    table.m_rows = doc.rows();
    return table;
}

int CsvTable::column(std::string_view name) const noexcept {
    // Same matching as core (case-insensitive, spaces trimmed) without building a document.
    auto norm = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        std::string out(s);
        for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return out;
    };
    const std::string wanted = norm(name);
    for (std::size_t i = 0; i < m_header.size(); ++i)
        if (norm(m_header[i]) == wanted) return static_cast<int>(i);
    return -1;
}

}  // namespace her2::models
