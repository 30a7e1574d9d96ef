#pragma once
/// @file Plain single-level images (PNG, JPEG, untiled TIFF) decoded into memory.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/imaging/SlideSource.hpp"

namespace her2::imaging {

/// A decoded image: native samples (1 grey or 3 RGB channels, 8 or 16 bit) and its pixel size.
struct DecodedImage {
    cv::Mat pixels;       ///< CV_8U/CV_16U, 1 or 3 channels, RGB order
    std::string format;   ///< "png", "jpeg", "tiff"
    cv::Vec2d mpp{0, 0};  ///< µm per pixel from the file, 0 when absent
    /// The file's calibration ("png-phys" / "tiff-resolution"), or uncalibrated.
    core::PixelCalibration calibration() const;
};

/// Reads the image size from the header (PNG IHDR, JPEG SOF, TIFF tags) and refuses images
/// above kMaxPlainImagePixels before decoding. Throws core::InputError.
DecodedImage decodePlainImage(const std::filesystem::path& path);

/// Single-level bright-field source over an in-memory image. Thread-safe (immutable).
class ImageFileSource final : public SlideSource {
public:
    /// Decodes `path`; throws core::InputError.
    explicit ImageFileSource(const std::filesystem::path& path);

    std::string vendor() const override { return "image:" + m_format; }
    const std::vector<LevelInfo>& levels() const override { return m_levels; }
    cv::Mat readRegion(const core::RectI& rect, int level) const override;
    std::vector<cv::Mat> readChannels(const core::RectI& rect, int level) const override;
    std::vector<std::string> channelNames() const override;
    std::map<std::string, std::string> properties() const override;

protected:
    core::PixelCalibration nativeCalibration() const override;

private:
    cv::Mat m_native;  ///< as decoded (grey or RGB, 8/16 bit)
    cv::Mat m_rgb;     ///< CV_8UC3 RGB for display reads
    std::string m_format;
    cv::Vec2d m_mpp;
    std::vector<LevelInfo> m_levels;
};

/// Copies the part of `image` under the level-0 rect into an output of rect's size filled
/// with `fill` (a region partly outside the image keeps `fill` there).
cv::Mat cropWithFill(const cv::Mat& image, const core::RectI& rect, const cv::Scalar& fill);

}  // namespace her2::imaging
