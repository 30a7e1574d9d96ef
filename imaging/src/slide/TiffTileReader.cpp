#include "her2/imaging/TiffTileReader.hpp"

#include <algorithm>
#include <cstring>

#include "slide/SlideDetail.hpp"
#include "slide/TiffFile.hpp"

namespace her2::imaging {

namespace {

bool eligible(const TiffFile& t) {
    if (!t.isTiled() || t.bitsPerSample() != 8 || t.samplesPerPixel() != 3 ||
        t.planarConfig() != PLANARCONFIG_CONTIG || t.sampleFormat() != SAMPLEFORMAT_UINT)
        return false;
    const auto comp = t.compression();
    const auto photo = t.photometric();
    if (!TIFFIsCODECConfigured(comp)) return false;
    if (comp == COMPRESSION_JPEG) return photo == PHOTOMETRIC_RGB || photo == PHOTOMETRIC_YCBCR;
    const bool lossless = comp == COMPRESSION_NONE || comp == COMPRESSION_LZW ||
                          comp == COMPRESSION_DEFLATE || comp == COMPRESSION_ADOBE_DEFLATE ||
                          comp == COMPRESSION_ZSTD || comp == COMPRESSION_PACKBITS;
    return lossless && photo == PHOTOMETRIC_RGB;
}

/// Prepares the current directory for decoding to RGB.
void prepareDirectory(TiffFile& t) {
    if (t.compression() == COMPRESSION_JPEG && t.photometric() == PHOTOMETRIC_YCBCR)
        TIFFSetField(t.get(), TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
}

}  // namespace

TiffTileReader::TiffTileReader(std::filesystem::path path) : m_path(std::move(path)) {}

TiffTileReader::~TiffTileReader() = default;

std::unique_ptr<TiffTileReader> TiffTileReader::open(const std::filesystem::path& path) {
    try {
        auto file = TiffFile::tryOpen(path);
        if (!file) return nullptr;
        std::unique_ptr<TiffTileReader> reader(new TiffTileReader(path));
        const int count = std::min(file->directoryCount(), 4096);
        for (int d = 0; d < count; ++d) {
            file->setDirectory(d);
            if (!eligible(*file)) continue;
            std::uint32_t tw = 0, th = 0;
            TIFFGetField(file->get(), TIFFTAG_TILEWIDTH, &tw);
            TIFFGetField(file->get(), TIFFTAG_TILELENGTH, &th);
            if (tw == 0 || th == 0 || tw > 1u << 14 || th > 1u << 14) continue;
            reader->m_levels.push_back(
                {d, file->width(), file->height(), static_cast<int>(tw), static_cast<int>(th)});
        }
        if (reader->m_levels.empty()) return nullptr;
        reader->giveBack(std::move(file));
        return reader;
    } catch (const std::exception&) {
        return nullptr;
    }
}

int TiffTileReader::findLevel(std::int64_t width, std::int64_t height) const noexcept {
    for (std::size_t i = 0; i < m_levels.size(); ++i)
        if (m_levels[i].width == width && m_levels[i].height == height) return static_cast<int>(i);
    return -1;
}

TiffTileReader::Lease::Lease(const TiffTileReader& reader, std::unique_ptr<TiffFile> file)
    : m_reader(reader), m_file(std::move(file)) {}

TiffTileReader::Lease::~Lease() {
    m_reader.giveBack(std::move(m_file));
}

TiffTileReader::Lease TiffTileReader::borrow() const {
    {
        std::lock_guard lock(m_poolMutex);
        if (!m_pool.empty()) {
            auto f = std::move(m_pool.back());
            m_pool.pop_back();
            return Lease(*this, std::move(f));
        }
    }
    return Lease(*this, std::make_unique<TiffFile>(m_path));
}

void TiffTileReader::giveBack(std::unique_ptr<TiffFile> file) const {
    std::lock_guard lock(m_poolMutex);
    m_pool.push_back(std::move(file));
}

void TiffTileReader::setCacheBytes(std::size_t bytes) {
    std::lock_guard lock(m_cacheMutex);
    m_cacheBytes = bytes;
    evictLocked();
}

std::uint64_t TiffTileReader::tilesDecoded() const {
    std::lock_guard lock(m_cacheMutex);
    return m_decoded;
}

void TiffTileReader::evictLocked() const {
    while (m_cachedBytes > m_cacheBytes && !m_lru.empty()) {
        m_cachedBytes -= m_lru.back().bytes->size();
        m_cache.erase(m_lru.back().key);
        m_lru.pop_back();
    }
}

TiffTileReader::TileBytes TiffTileReader::tile(int level, std::uint32_t index, std::int64_t tx,
                                               std::int64_t ty) const {
    const std::uint64_t key = (static_cast<std::uint64_t>(level) << 40) | index;
    {
        std::lock_guard lock(m_cacheMutex);
        if (const auto it = m_cache.find(key); it != m_cache.end()) {
            m_lru.splice(m_lru.begin(), m_lru, it->second);
            return it->second->bytes;
        }
    }
    // Decoded outside the lock: two threads may decode the same tile at once, and both get
    // the same pixels.
    const Level& L = m_levels[static_cast<std::size_t>(level)];
    const Lease file = borrow();
    file->setDirectory(L.directory);
    prepareDirectory(*file);
    TIFF* tif = file->get();
    const std::size_t tileBytes = static_cast<std::size_t>(L.tileWidth) * L.tileHeight * 3;
    auto bytes = std::make_shared<std::vector<std::uint8_t>>(
        std::max<std::size_t>(tileBytes, static_cast<std::size_t>(TIFFTileSize(tif))));
    file->clearError();
    if (TIFFReadEncodedTile(tif, index, bytes->data(), static_cast<tmsize_t>(bytes->size())) < 0) {
        const std::string why = file->lastError();
        detail::fail(m_path, "cannot decode TIFF tile " + std::to_string(tx) + "," + std::to_string(ty) +
                                 " of directory " + std::to_string(L.directory) +
                                 (why.empty() ? std::string() : " (" + why + ")"));
    }
    std::lock_guard lock(m_cacheMutex);
    ++m_decoded;
    if (bytes->size() > m_cacheBytes) return bytes;
    if (const auto it = m_cache.find(key); it != m_cache.end()) {
        m_lru.splice(m_lru.begin(), m_lru, it->second);
        return it->second->bytes;
    }
    m_lru.push_front({key, bytes});
    m_cache.emplace(key, m_lru.begin());
    m_cachedBytes += bytes->size();
    evictLocked();
    return bytes;
}

void TiffTileReader::read(int level, std::int64_t x, std::int64_t y, cv::Mat& dst) const {
    if (level < 0 || level >= static_cast<int>(m_levels.size()))
        detail::fail(m_path, "TIFF tile level " + std::to_string(level) + " does not exist");
    if (dst.type() != CV_8UC3) detail::fail(m_path, "tile reads need a CV_8UC3 destination");
    const Level& L = m_levels[static_cast<std::size_t>(level)];
    const std::int64_t x0 = std::max<std::int64_t>(x, 0), y0 = std::max<std::int64_t>(y, 0);
    const std::int64_t x1 = std::min<std::int64_t>(x + dst.cols, L.width);
    const std::int64_t y1 = std::min<std::int64_t>(y + dst.rows, L.height);
    if (x1 <= x0 || y1 <= y0) return;

    // Tile layout from one handle; decoding borrows its own per tile that misses the cache.
    std::vector<std::uint32_t> indices;
    std::vector<bool> present;
    const std::int64_t tx0 = x0 / L.tileWidth, tx1 = (x1 - 1) / L.tileWidth;
    const std::int64_t ty0 = y0 / L.tileHeight, ty1 = (y1 - 1) / L.tileHeight;
    {
        const Lease file = borrow();
        file->setDirectory(L.directory);
        TIFF* tif = file->get();
        for (std::int64_t ty = ty0; ty <= ty1; ++ty)
            for (std::int64_t tx = tx0; tx <= tx1; ++tx) {
                const auto index = TIFFComputeTile(tif, static_cast<std::uint32_t>(tx * L.tileWidth),
                                                   static_cast<std::uint32_t>(ty * L.tileHeight), 0, 0);
                indices.push_back(index);
                present.push_back(TIFFGetStrileByteCount(tif, index) != 0);
            }
    }
    std::size_t k = 0;
    for (std::int64_t ty = ty0; ty <= ty1; ++ty) {
        for (std::int64_t tx = tx0; tx <= tx1; ++tx, ++k) {
            // A missing tile is transparent in OpenSlide: leave the caller's background.
            if (!present[k]) continue;
            const TileBytes bytes = tile(level, indices[k], tx, ty);
            const std::int64_t tileX = tx * L.tileWidth, tileY = ty * L.tileHeight;
            // Part of this tile inside both the request and the level.
            const std::int64_t cx0 = std::max(x0, tileX), cy0 = std::max(y0, tileY);
            const std::int64_t cx1 = std::min(x1, tileX + L.tileWidth),
                               cy1 = std::min(y1, tileY + L.tileHeight);
            for (std::int64_t r = cy0; r < cy1; ++r) {
                const std::uint8_t* s = bytes->data() + ((r - tileY) * L.tileWidth + (cx0 - tileX)) * 3;
                std::uint8_t* d = dst.ptr<std::uint8_t>(static_cast<int>(r - y)) + (cx0 - x) * 3;
                std::memcpy(d, s, static_cast<std::size_t>(cx1 - cx0) * 3);
            }
        }
    }
}

}  // namespace her2::imaging
