#pragma once
/// @file Read access to a slide or image, whatever its format.
///
/// Coordinates are level-0 pixels. All reads are thread-safe: several threads may call
/// readRegion() on one SlideSource at once. Every failure throws core::InputError whose
/// what() is one line naming the file and the problem.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/core/Geometry.hpp"
#include "her2/core/PixelCalibration.hpp"

namespace her2::imaging {

struct LevelInfo {
    std::int64_t width = 0;
    std::int64_t height = 0;
    double downsample = 1;
};

/// Bright field (RGB) or fluorescence (one grey channel per stain/probe).
enum class ImageKind { BrightField, Fluorescence };

class SlideSource {
public:
    virtual ~SlideSource() = default;
    SlideSource(const SlideSource&) = delete;
    SlideSource& operator=(const SlideSource&) = delete;

    const std::filesystem::path& path() const noexcept { return m_path; }
    /// Back end and vendor, e.g. "openslide:aperio", "openslide:generic-tiff", "image:png", "tiff".
    virtual std::string vendor() const = 0;
    virtual const std::vector<LevelInfo>& levels() const = 0;
    std::int64_t width() const { return levels().front().width; }
    std::int64_t height() const { return levels().front().height; }
    /// The level whose downsample is the largest not above `downsample`.
    int bestLevelForDownsample(double downsample) const;

    /// Pixel size; a user override (setCalibration) wins over the file's own.
    core::PixelCalibration calibration() const;
    void setCalibration(const core::PixelCalibration& c) {
        m_override = c;
        m_hasOverride = true;
    }

    /// RGB CV_8UC3 of the level-0 rectangle `rect` read at `level` (size rect/downsample,
    /// rounded up). Premultiplied alpha is undone; transparent and out-of-slide pixels get
    /// the background colour (white unless the slide says otherwise).
    virtual cv::Mat readRegion(const core::RectI& rect, int level) const = 0;

    /// Fluorescence: the source's grey channels (CV_8UC1 or CV_16UC1 each) for the region.
    /// A bright-field source returns its R, G, B planes.
    virtual std::vector<cv::Mat> readChannels(const core::RectI& rect, int level) const;
    /// Channel names as the file gives them ("DAPI", ...), or "R","G","B".
    virtual std::vector<std::string> channelNames() const;
    virtual ImageKind kind() const { return ImageKind::BrightField; }

    /// Key/value metadata (OpenSlide properties, TIFF tags).
    virtual std::map<std::string, std::string> properties() const { return {}; }
    /// Names of associated images (label, macro, thumbnail).
    virtual std::vector<std::string> associatedImages() const { return {}; }
    virtual cv::Mat readAssociatedImage(const std::string& name) const;

    /// A thumbnail no larger than maxSide on its long side, from the best level.
    cv::Mat thumbnail(int maxSide) const;

    /// RGB colour of transparent and out-of-slide pixels (white for bright field, black for
    /// fluorescence unless the file says otherwise).
    virtual cv::Vec3b backgroundColour() const { return {255, 255, 255}; }
    /// True when level reads bypass OpenSlide and decode TIFF tiles with libtiff directly.
    virtual bool usesFastTilePath() const { return false; }

protected:
    explicit SlideSource(std::filesystem::path path) : m_path(std::move(path)) {}
    virtual core::PixelCalibration nativeCalibration() const = 0;

private:
    std::filesystem::path m_path;
    core::PixelCalibration m_override;
    bool m_hasOverride = false;
};

/// Plain images (PNG, JPEG, strip TIFF) are decoded into memory; larger ones are refused.
inline constexpr std::int64_t kMaxPlainImagePixels = std::int64_t{1} << 28;

/// Options for openSlide().
struct SlideOpenOptions {
    /// Decode tiled JPEG/RGB TIFF pyramids (Aperio SVS, generic tiled TIFF) with libtiff
    /// instead of OpenSlide; same pixels, faster. Other formats always use OpenSlide.
    bool fastTiffTiles = true;
};

/// Opens any supported file with the first back end of the ordered table that accepts it:
/// multi-channel fluorescence TIFF, OpenSlide formats, plain images (PNG, JPEG, strip TIFF).
/// Throws core::InputError (missing, directory, empty, corrupt, unsupported, too large).
std::unique_ptr<SlideSource> openSlide(const std::filesystem::path& path);
std::unique_ptr<SlideSource> openSlide(const std::filesystem::path& path, const SlideOpenOptions& options);

/// Names of the back ends in the order openSlide() tries them.
std::vector<std::string> slideBackEndNames();

/// Combines single-channel files (one per probe) into one fluorescence source. Each file is a
/// plain grey image (8 or 16 bit), or, when the first file is a whole slide with a pyramid,
/// a whole slide read region by region (all with the same level sizes); a colour file
/// contributes its per-pixel maximum. `names`
/// may be empty (file stems are used). Throws core::InputError naming the failing file,
/// e.g. one whose size differs from the first.
std::unique_ptr<SlideSource> openChannelStack(const std::vector<std::filesystem::path>& paths,
                                              const std::vector<std::string>& names);

/// True if the file looks like something openSlide() could open (by content, then extension).
bool looksLikeSlide(const std::filesystem::path& path);

}  // namespace her2::imaging
