#pragma once
// Field parsers shared by the QA readers (summary, manual scores, cells): every fault names
// the file, line and column through CsvDocument::fail().
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "her2/core/Csv.hpp"
#include "her2/core/Errors.hpp"
#include "her2/core/Types.hpp"

namespace her2::core {
std::string slideKey(std::string_view name);
}

namespace her2::core::detail {

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

inline std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "cannot be read");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

/// Empty, "NA" and "N/A" mean "not given".
inline bool isMissing(std::string_view s) {
    const std::string l = lower(trim(s));
    return l.empty() || l == "na" || l == "n/a";
}

inline std::string slideField(const CsvDocument& doc, std::size_t r, std::size_t c) {
    std::string key = slideKey(csvUnprotect(trim(doc.row(r)[c])));
    if (key.empty()) doc.fail(r, c, "empty slide name");
    return key;
}

inline std::optional<Her2Score> scoreField(const CsvDocument& doc, std::size_t r, std::size_t c) {
    const std::string_view s = trim(doc.row(r)[c]);
    if (isMissing(s)) return std::nullopt;
    if (auto v = parseHer2Score(s)) return v;
    doc.fail(r, c, "unknown IHC score '" + std::string(s) + "' (expected 0, 1+, 2+, 3+ or empty)");
}

inline std::optional<double> parseNumber(std::string_view s) {
    double v = 0;
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

inline std::optional<double> numberField(const CsvDocument& doc, std::size_t r, std::size_t c) {
    const std::string_view s = trim(doc.row(r)[c]);
    if (isMissing(s)) return std::nullopt;
    if (auto v = parseNumber(s)) return v;
    doc.fail(r, c, "'" + std::string(s) + "' is not a number");
}

inline std::optional<int> groupField(const CsvDocument& doc, std::size_t r, std::size_t c) {
    const std::string_view s = trim(doc.row(r)[c]);
    if (isMissing(s)) return std::nullopt;
    const auto v = parseNumber(s);
    if (!v || *v != std::floor(*v) || *v < 1 || *v > 5)
        doc.fail(r, c, "unknown ISH group '" + std::string(s) + "' (expected 1 to 5 or empty)");
    return static_cast<int>(*v);
}

/// Refuses a slide listed twice: the second occurrence is the error, naming the first line.
class DuplicateGuard {
public:
    void check(const CsvDocument& doc, std::size_t r, std::size_t c, const std::string& slide) {
        const auto [it, inserted] = m_seen.emplace(slide, doc.lineOf(r));
        if (!inserted)
            doc.fail(r, c,
                     "duplicate slide '" + slide + "' (already on line " + std::to_string(it->second) + ")");
    }

private:
    std::map<std::string, std::size_t> m_seen;
};

}  // namespace her2::core::detail
