#pragma once
/// @file Back end over OpenSlide (SVS, NDPI, MRXS, SCN, generic tiled TIFF, ...). openslide.h
/// itself is included only by OpenSlideSource.cpp.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "her2/imaging/SlideSource.hpp"
#include "her2/imaging/TiffTileReader.hpp"

struct _openslide;  // openslide_t

namespace her2::imaging {

/// A slide opened by OpenSlide. Thread-safe: openslide_t allows concurrent reads, and the
/// optional libtiff fast path borrows one handle per thread.
class OpenSlideSource final : public SlideSource {
public:
    /// Opens `path`; throws core::InputError with OpenSlide's reason.
    OpenSlideSource(const std::filesystem::path& path, const SlideOpenOptions& options);
    ~OpenSlideSource() override;

    /// OpenSlide's vendor name for `path` ("aperio", "generic-tiff", ...), or nullopt. Never throws.
    static std::optional<std::string> detectVendor(const std::filesystem::path& path);

    std::string vendor() const override { return "openslide:" + m_vendor; }
    const std::vector<LevelInfo>& levels() const override { return m_levels; }
    /// Throws core::InputError when OpenSlide fails (the handle then stays in its error state).
    cv::Mat readRegion(const core::RectI& rect, int level) const override;
    std::map<std::string, std::string> properties() const override { return m_properties; }
    std::vector<std::string> associatedImages() const override { return m_associated; }
    cv::Mat readAssociatedImage(const std::string& name) const override;
    cv::Vec3b backgroundColour() const override { return m_background; }
    bool usesFastTilePath() const override { return m_fast != nullptr; }

protected:
    core::PixelCalibration nativeCalibration() const override { return m_calibration; }

private:
    void throwIfError(const std::string& during) const;
    /// Premultiplied ARGB (OpenSlide's native) → RGB over the background colour.
    void argbToRgb(const std::uint32_t* argb, cv::Mat& rgb, int row0, int rows) const;

    struct Closer {
        void operator()(_openslide* osr) const noexcept;
    };
    std::unique_ptr<_openslide, Closer> m_osr;
    std::string m_vendor;
    std::vector<LevelInfo> m_levels;
    std::map<std::string, std::string> m_properties;
    std::vector<std::string> m_associated;
    cv::Vec3b m_background{255, 255, 255};
    core::PixelCalibration m_calibration;
    std::unique_ptr<TiffTileReader> m_fast;
    std::vector<int> m_fastLevel;  ///< per slide level: index into m_fast->levels()
};

}  // namespace her2::imaging
