#pragma once
// The batch report page: one card per slide, built from the slides' report JSON.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace her2::imaging {

struct HtmlSlide {
    std::string name;  ///< output stem: images are <name>.thumb.jpg and <name>.overlay.png
    std::string path;
    nlohmann::json report;
};

/// A self-contained page (inline CSS and SVG; images by relative path).
std::string renderBatchHtml(const std::vector<HtmlSlide>& slides);

/// Escapes & < > " ' for HTML text and attribute values.
std::string htmlEscape(std::string_view s);

}  // namespace her2::imaging
