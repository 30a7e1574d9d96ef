#pragma once
// Parsing JSON text with errors that name the line and column, for every JSON file the
// project reads. Templated on the JSON type so that core itself exposes no JSON library.
#include <string>
#include <string_view>

#include "her2/core/Errors.hpp"

namespace her2::core::detail {

/// Parses `text` as J (nlohmann::json or ordered_json). Throws ParseError "file: line L,
/// column C: not valid JSON" where nlohmann reports only a byte offset.
template <class J>
J parseJsonText(std::string_view text, const std::string& file) {
    try {
        return J::parse(text);
    } catch (const typename J::parse_error& e) {
        std::size_t line = 1, col = 1;
        for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        throw ParseError(file, line, col, "not valid JSON");
    }
}

}  // namespace her2::core::detail
