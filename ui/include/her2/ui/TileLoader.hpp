#pragma once
/// @file Asynchronous tile loading for the slide viewer: worker threads decode QImages,
/// the GUI thread turns them into QPixmaps and keeps them in a memory-bounded LRU cache.
#include <QCache>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QPixmap>
#include <QThreadPool>
#include <cstdint>
#include <memory>
#include <vector>

#include "her2/imaging/SlideSource.hpp"

namespace her2::ui {

/// One tile of the viewer's pyramid. Level k has downsample 2^k (k = 0: full resolution);
/// tile (col, row) covers level-0 pixels [col, col+1) x [row, row+1) times tileSize * 2^k.
struct TileKey {
    int level = 0;
    int col = 0;
    int row = 0;
    friend bool operator==(const TileKey&, const TileKey&) = default;
};
inline size_t qHash(const TileKey& k, size_t seed = 0) noexcept {
    return ::qHash((std::uint64_t(std::uint32_t(k.level)) << 48) ^
                       (std::uint64_t(std::uint32_t(k.col)) << 24) ^ std::uint64_t(std::uint32_t(k.row)),
                   seed);
}

/// The viewer's power-of-two pyramid over any SlideSource. Virtual levels are read from
/// the best file level at or below their downsample and reduced in bounded-size chunks,
/// so a single-level image and a 40x pyramid are browsed the same way.
class TilePyramid {
public:
    static constexpr int kTileSize = 512;  ///< tile edge, screen px at the tile's level

    TilePyramid() = default;
    TilePyramid(std::int64_t width, std::int64_t height);
    int levelCount() const noexcept { return m_levels; }
    static double downsample(int level) noexcept { return double(std::int64_t{1} << level); }
    /// Level whose downsample is the largest power of two not above 1/scale.
    int levelForScale(double scale) const noexcept;
    int columns(int level) const noexcept;
    int rows(int level) const noexcept;
    /// Level-0 rectangle of a tile, clipped to the slide.
    core::RectI tileRect(const TileKey& key) const noexcept;
    std::int64_t width() const noexcept { return m_width; }
    std::int64_t height() const noexcept { return m_height; }

private:
    std::int64_t m_width = 0, m_height = 0;
    int m_levels = 1;
};

/// Reads one tile as a QImage (RGB888): thread-safe, throws what SlideSource throws.
QImage readTileImage(const imaging::SlideSource& source, const TilePyramid& pyramid, const TileKey& key);

/// Converts an RGB CV_8UC3 (or grey CV_8UC1/CV_16UC1) matrix into a deep-copied QImage.
QImage matToImage(const cv::Mat& mat);

/// Owns the worker pool, the request queue and the pixmap cache of one open slide.
/// GUI-thread object; its signals arrive on the GUI thread.
class TileLoader : public QObject {
    Q_OBJECT
public:
    explicit TileLoader(QObject* parent = nullptr);
    ~TileLoader() override;

    /// Starts serving a new slide (null: none). Drops the cache and pending requests;
    /// tiles of the previous slide still in flight are discarded when they arrive.
    void setSource(std::shared_ptr<const imaging::SlideSource> source);
    const std::shared_ptr<const imaging::SlideSource>& source() const noexcept { return m_source; }
    const TilePyramid& pyramid() const noexcept { return m_pyramid; }

    /// The cached pixmap of a tile, or null. Marks it most recently used.
    const QPixmap* tile(const TileKey& key) const;
    /// Replaces the queue of wanted tiles (most important first). Tiles already cached or
    /// in flight are skipped; queued tiles not in the new list are dropped.
    void request(const std::vector<TileKey>& keys);
    /// Waits until no request is queued or running (tests, snapshots). Processes events.
    bool waitForIdle(int timeoutMs);
    bool idle() const;

    /// Memory bound of the pixmap cache, bytes (default 256 MB).
    void setCacheLimit(std::int64_t bytes);
    std::int64_t cacheLimit() const noexcept { return m_cacheLimit; }
    std::int64_t cacheBytes() const noexcept;
    int cachedTiles() const noexcept { return static_cast<int>(m_cache.count()); }
    void setWorkerCount(int n);
    /// When set, read failures stop further requests until the next setSource().
    bool failed() const noexcept { return m_failed; }

signals:
    void tileReady(her2::ui::TileKey key);
    /// A tile could not be read; emitted once per slide.
    void loadFailed(const QString& message);

private:
    struct Shared;
    void startWorkers();
    void deliver(std::uint64_t generation, TileKey key, QImage image, QString error);

    std::shared_ptr<const imaging::SlideSource> m_source;
    TilePyramid m_pyramid;
    std::shared_ptr<Shared> m_shared;
    mutable QCache<TileKey, QPixmap> m_cache;
    std::int64_t m_cacheLimit = 256ll << 20;
    QThreadPool m_pool;
    bool m_failed = false;
};

}  // namespace her2::ui
