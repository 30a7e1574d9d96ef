#pragma once
/// @file Fluorescence source over in-memory grey channels (one per stain or probe).
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/imaging/SlideSource.hpp"

namespace her2::imaging {

/// Single-level fluorescence image held in memory; thread-safe (immutable after construction).
class ChannelStackSource final : public SlideSource {
public:
    /// `channels`: CV_8UC1 or CV_16UC1, all the same size. Throws core::InputError otherwise.
    ChannelStackSource(std::filesystem::path path, std::string vendor, std::vector<cv::Mat> channels,
                       std::vector<std::string> names, core::PixelCalibration calibration);

    std::string vendor() const override { return m_vendor; }
    const std::vector<LevelInfo>& levels() const override { return m_levels; }
    /// Display composite: each channel scaled to its 0.1..99.9 % range and tinted by its name
    /// (DAPI blue, FITC/green green, Cy3/TRITC/orange/red red, Cy5 magenta; else by index).
    cv::Mat readRegion(const core::RectI& rect, int level) const override;
    std::vector<cv::Mat> readChannels(const core::RectI& rect, int level) const override;
    std::vector<std::string> channelNames() const override { return m_names; }
    ImageKind kind() const override { return ImageKind::Fluorescence; }
    cv::Vec3b backgroundColour() const override { return {0, 0, 0}; }
    std::map<std::string, std::string> properties() const override;

    /// RGB tint (0..1 per component) used for a channel named `name` at position `index`.
    static cv::Vec3f tintFor(const std::string& name, std::size_t index);
    /// sum (CV_32FC3) += tint * scaled (CV_32F, display units 0..255).
    static void addTinted(cv::Mat& sum, const cv::Mat& scaled, const cv::Vec3f& tint);

protected:
    core::PixelCalibration nativeCalibration() const override;

private:
    std::string m_vendor;
    std::vector<cv::Mat> m_channels;
    std::vector<std::string> m_names;
    std::vector<cv::Vec2f> m_displayRange;  ///< low, high sample value per channel
    std::vector<cv::Vec3f> m_tints;
    core::PixelCalibration m_calibration;
    std::vector<LevelInfo> m_levels;
};

}  // namespace her2::imaging
