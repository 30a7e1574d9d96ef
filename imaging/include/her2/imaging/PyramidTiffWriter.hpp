#pragma once
/// @file Streaming writer of pyramidal tiled TIFF files (a generic tiled TIFF that
/// OpenSlide opens as "generic-tiff"): level 0 in the first IFD, every lower level in the
/// next IFD, each tiled with the same tile size and compression.
///
/// Level 0 is accepted tile by tile (or tile row by tile row) in row order; each lower
/// level is reduced incrementally from the rows above it, so peak memory is a few tile
/// rows whatever the slide size. Lower levels are spooled to temporary files next to the
/// output and appended (compressed tiles copied verbatim) by finish(). The result is
/// written under a temporary name and renamed over `path` only when finish() succeeds.
///
/// Not thread-safe: one thread feeds one writer. Errors throw core::InputError naming the
/// output file.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

namespace her2::imaging {

enum class TiffCompression { Jpeg, Deflate, None };
/// Colour space of JPEG tiles: YCbCr (4:2:0, smaller) or RGB (no chroma subsampling).
enum class JpegColorSpace { YCbCr, Rgb };

struct PyramidTiffOptions {
    int tileSize = 256;                  ///< 256 or 512 (any multiple of 16 is accepted)
    TiffCompression compression = TiffCompression::Jpeg;
    JpegColorSpace jpegColor = JpegColorSpace::YCbCr;
    int jpegQuality = 90;                ///< 1-100
    double mpp = 0.25;                   ///< µm per level-0 pixel; written as px/cm resolution tags
    double appMag = 40;                  ///< objective power stated in the description
    std::string description;             ///< ImageDescription of level 0; empty: a default naming mpp and AppMag
    int downsampleStep = 2;              ///< 2 or 4: each level is this much smaller than the one above
    std::int64_t minLevelSide = 1024;    ///< stop adding levels once the long side is below this
};

/// Writes one RGB pyramid. Feed exactly ceil(height / tileSize) tile rows (or the tiles of
/// those rows, left to right), then call finish().
class PyramidTiffWriter {
public:
    /// Opens `<path>.partial` for writing. Throws core::InputError if it cannot, or if the
    /// size or options are invalid.
    PyramidTiffWriter(std::filesystem::path path, std::int64_t width, std::int64_t height,
                      PyramidTiffOptions options = {});
    /// Without finish(), removes the temporary files and leaves `path` untouched.
    ~PyramidTiffWriter();
    PyramidTiffWriter(const PyramidTiffWriter&) = delete;
    PyramidTiffWriter& operator=(const PyramidTiffWriter&) = delete;

    /// One level-0 tile (CV_8UC3, RGB order), the next in row order. Its size is
    /// tileSize × tileSize, or smaller at the right and bottom edges (the exact remaining size).
    void writeTile(const cv::Mat& rgbTile);
    /// One level-0 tile row: CV_8UC3 RGB, width × min(tileSize, remaining rows).
    void writeTileRow(const cv::Mat& rgbRow);
    /// Writes the remaining levels and renames the file into place. Throws if not all of
    /// level 0 was given.
    void finish();

    /// Number of levels the file will have (known from the size and options).
    int levelCount() const noexcept;
    const PyramidTiffOptions& options() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Convenience: writes an in-memory RGB image (CV_8UC3) as a pyramid.
void writePyramidTiff(const std::filesystem::path& path, const cv::Mat& rgb, const PyramidTiffOptions& options = {});

}  // namespace her2::imaging
