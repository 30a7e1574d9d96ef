#pragma once
/// @file Fluorescence source over whole slides, one file per probe (e.g. one NDPI per channel).
#include <memory>
#include <string>
#include <vector>

#include "her2/imaging/SlideSource.hpp"

namespace her2::imaging {

/// Channels read region by region from one whole slide per probe, so that a slide of any size
/// is never held in memory. All slides must have the same level sizes. Each slide contributes
/// one grey channel: its only channel, or the per-pixel maximum of its R, G and B (a grey
/// fluorescence scan that the reader returns as RGB, or a pseudo-coloured one).
/// Thread-safe as far as the wrapped sources are.
class SlideChannelStack final : public SlideSource {
public:
    /// Throws core::InputError naming the first slide whose level sizes differ.
    SlideChannelStack(std::vector<std::unique_ptr<SlideSource>> slides, std::vector<std::string> names);

    std::string vendor() const override { return "channel-stack:" + m_slides.front()->vendor(); }
    const std::vector<LevelInfo>& levels() const override { return m_slides.front()->levels(); }
    /// Display composite: 8-bit channels as they are, 16-bit ones scaled by 1/257, tinted by name.
    cv::Mat readRegion(const core::RectI& rect, int level) const override;
    std::vector<cv::Mat> readChannels(const core::RectI& rect, int level) const override;
    std::vector<std::string> channelNames() const override { return m_names; }
    ImageKind kind() const override { return ImageKind::Fluorescence; }
    cv::Vec3b backgroundColour() const override { return {0, 0, 0}; }
    std::map<std::string, std::string> properties() const override;

protected:
    core::PixelCalibration nativeCalibration() const override { return m_slides.front()->calibration(); }

private:
    std::vector<std::unique_ptr<SlideSource>> m_slides;
    std::vector<std::string> m_names;
};

}  // namespace her2::imaging
