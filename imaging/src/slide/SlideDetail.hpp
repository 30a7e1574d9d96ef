#pragma once
/// @file Helpers shared by the slide back ends (private to her2_imaging).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/core/Errors.hpp"
#include "her2/core/Geometry.hpp"
#include "her2/imaging/SlideSource.hpp"

namespace her2::imaging::detail {

/// Collapses line breaks and trims, so an error message stays on one line.
std::string oneLine(const std::string& text);

/// Throws core::InputError(path, oneLine(problem)).
[[noreturn]] void fail(const std::filesystem::path& path, const std::string& problem);

/// Size in level pixels of a level-0 rect read at `downsample` (rounded up).
cv::Size levelSize(const core::RectI& rect, double downsample);

/// Throws InputError unless 0 <= level < levels.size() and the output fits in memory.
void checkRegionRequest(const SlideSource& source, const core::RectI& rect, int level);

/// First bytes of a file classified by magic number.
enum class FileSignature { Unknown, Tiff, BigTiff, Jpeg, Png, Text };
FileSignature sniffSignature(const std::filesystem::path& path);

/// µm per pixel from a TIFF resolution (pixels per unit; unit 2 inch, 3 centimetre). 0 when the
/// unit is "none", the value is missing, or the result is not a microscope pixel (> 50 µm).
double mppFromResolution(double pixelsPerUnit, int unit);

/// Converts a 1/3/4-channel 8/16-bit image (RGB order) to CV_8UC3 RGB; alpha is composited
/// over `background`.
cv::Mat toRgb8(const cv::Mat& image, const cv::Vec3b& background);

/// One grey channel from the planes of one probe's image: the only plane, or the per-pixel
/// maximum (a grey scan read as RGB, or a pseudo-coloured export: the signal is the brightest).
cv::Mat maxOfPlanes(const std::vector<cv::Mat>& planes);

}  // namespace her2::imaging::detail
