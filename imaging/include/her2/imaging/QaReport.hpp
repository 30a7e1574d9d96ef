#pragma once
/// @file The QA report folder of `her2scope qa`: qa.html (self-contained, inline SVG
/// confusion heat map and Bland-Altman plots, discordant slides with thumbnails that link to
/// their overlays) and qa.json (QaComparison::toJson() with links relative to the folder,
/// the file models::QaResult reads).
#include <filesystem>
#include <string>
#include <string_view>

#include "her2/core/QaCalibration.hpp"
#include "her2/core/QaComparison.hpp"

namespace her2::imaging {

/// What writeQaReport() wrote.
struct QaReportFiles {
    std::filesystem::path html;
    std::filesystem::path json;
    std::size_t thumbnails = 0;  ///< discordant overlays that could be read and shrunk
};

/// Writes `<qaDir>/qa.html`, `<qaDir>/qa.json` and, for each discordant slide whose overlay
/// image can be read, a small JPEG under `<qaDir>/thumbs/`. Creates `qaDir`. Every file is
/// written atomically. `calibration`, when given, adds its section to the page.
/// Throws core::InputError when the folder or a file cannot be written; an unreadable
/// overlay only loses its thumbnail (the page then links the overlay itself).
/// Not thread-safe for the same `qaDir`.
QaReportFiles writeQaReport(const core::QaComparison& qa, const std::filesystem::path& qaDir,
                            const core::CalibrationResult* calibration = nullptr);

/// The page itself. Links are relative to `qaDir`; `thumbsDir` (relative to `qaDir`) holds the
/// thumbnails named by qaThumbnailName(), where present. Pure function.
std::string qaReportHtml(const core::QaComparison& qa, const std::filesystem::path& qaDir,
                         const core::CalibrationResult* calibration = nullptr,
                         const std::filesystem::path& thumbsDir = {});

/// File name of the thumbnail of the i-th discordant slide: "<i>-<slide with unsafe
/// characters as _>.jpg".
std::string qaThumbnailName(std::size_t index, std::string_view slide);

}  // namespace her2::imaging
