#pragma once
/// @file Direct libtiff reader for tiled 8-bit RGB TIFF pyramids (Aperio SVS with JPEG tiles,
/// generic tiled TIFF): the fast path under SlideSource, giving the same pixels as OpenSlide.
#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <opencv2/core.hpp>

namespace her2::imaging {

class TiffFile;

/// Reads tiles of the eligible directories of one TIFF file. Thread-safe: each reading thread
/// borrows its own libtiff handle from a pool.
///
/// Decoded tiles are kept in a byte-bounded LRU cache: analysis tiles overlap by their halo and
/// rarely line up with the file's tiles, so without it a 608 px read of 512 px JPEG tiles
/// decodes nine file tiles (six times its own pixels), and its neighbours decode most of them
/// again.
class TiffTileReader {
public:
    /// Default cache budget: three rows of 512 px tiles of a 40 000 px wide level, so that
    /// a raster of analysis tiles decodes each file tile about once.
    static constexpr std::size_t kDefaultCacheBytes = std::size_t{96} << 20;

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

    /// Bytes of decoded tiles kept (0: none); shrinking evicts at once.
    void setCacheBytes(std::size_t bytes);
    /// Tiles decoded so far (each decode, cached or not): for tests and benchmarks.
    std::uint64_t tilesDecoded() const;

private:
    using TileBytes = std::shared_ptr<const std::vector<std::uint8_t>>;
    struct CacheEntry {
        std::uint64_t key;
        TileBytes bytes;
    };

    /// A pooled libtiff handle, given back to the pool when the lease ends (a decode that
    /// throws too).
    class Lease {
    public:
        Lease(const TiffTileReader& reader, std::unique_ptr<TiffFile> file);
        ~Lease();
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        TiffFile& operator*() const noexcept { return *m_file; }
        TiffFile* operator->() const noexcept { return m_file.get(); }

    private:
        const TiffTileReader& m_reader;
        std::unique_ptr<TiffFile> m_file;
    };

    explicit TiffTileReader(std::filesystem::path path);
    Lease borrow() const;
    void giveBack(std::unique_ptr<TiffFile> file) const;
    /// The decoded tile `index` of levels()[level], from the cache or decoded (and cached).
    TileBytes tile(int level, std::uint32_t index, std::int64_t tx, std::int64_t ty) const;
    void evictLocked() const;

    std::filesystem::path m_path;
    std::vector<Level> m_levels;
    mutable std::mutex m_poolMutex;
    mutable std::vector<std::unique_ptr<TiffFile>> m_pool;

    mutable std::mutex m_cacheMutex;
    std::size_t m_cacheBytes = kDefaultCacheBytes;
    mutable std::size_t m_cachedBytes = 0;
    mutable std::list<CacheEntry> m_lru;  ///< most recently used first
    mutable std::unordered_map<std::uint64_t, std::list<CacheEntry>::iterator> m_cache;
    mutable std::uint64_t m_decoded = 0;
};

}  // namespace her2::imaging
