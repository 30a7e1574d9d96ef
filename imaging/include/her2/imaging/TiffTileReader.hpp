#pragma once
/// @file Direct libtiff reader for tiled 8-bit RGB TIFF pyramids (Aperio SVS with JPEG tiles,
/// generic tiled TIFF): the fast path under SlideSource, giving the same pixels as OpenSlide.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include <opencv2/core.hpp>

namespace her2::imaging {

class TiffFile;

/// Reads tiles of the eligible directories of one TIFF file. Thread-safe: each reading thread
/// borrows its own libtiff handle from a pool.
class TiffTileReader {
public:
    /// One tiled RGB directory.
    struct Level {
        int directory = 0;
        std::int64_t width = 0;   ///< pixels
        std::int64_t height = 0;  ///< pixels
        int tileWidth = 0;
        int tileHeight = 0;
    };

    /// Null unless `path` is a TIFF with at least one tiled directory of 8-bit RGB, stored as
    /// JPEG (RGB or YCbCr) or uncompressed/LZW/Deflate/ZSTD RGB. Never throws.
    static std::unique_ptr<TiffTileReader> open(const std::filesystem::path& path);
    ~TiffTileReader();
    TiffTileReader(const TiffTileReader&) = delete;
    TiffTileReader& operator=(const TiffTileReader&) = delete;

    /// Eligible directories in file order.
    const std::vector<Level>& levels() const noexcept { return m_levels; }
    /// Index into levels() of the directory of exactly width x height pixels, or -1.
    int findLevel(std::int64_t width, std::int64_t height) const noexcept;

    /// Decodes level pixels [x, x + dst.cols) x [y, y + dst.rows) of levels()[level] into `dst`
    /// (CV_8UC3 RGB, allocated by the caller); pixels outside the level are left untouched.
    /// Thread-safe. Throws core::InputError on a corrupt tile.
    void read(int level, std::int64_t x, std::int64_t y, cv::Mat& dst) const;

private:
    explicit TiffTileReader(std::filesystem::path path);
    std::unique_ptr<TiffFile> borrow() const;
    void giveBack(std::unique_ptr<TiffFile> file) const;

    std::filesystem::path m_path;
    std::vector<Level> m_levels;
    mutable std::mutex m_poolMutex;
    mutable std::vector<std::unique_ptr<TiffFile>> m_pool;
};

}  // namespace her2::imaging
