#include "her2/ui/TileLoader.hpp"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QSet>
#include <QThread>
#include <algorithm>
#include <cmath>
#include <deque>
#include <mutex>
#include <opencv2/imgproc.hpp>

namespace her2::ui {

TilePyramid::TilePyramid(std::int64_t width, std::int64_t height) : m_width(width), m_height(height) {
    // Enough levels that the whole slide fits in one tile at the coarsest.
    m_levels = 1;
    while (std::max(width, height) / (std::int64_t{1} << (m_levels - 1)) > kTileSize && m_levels < 30)
        ++m_levels;
}

int TilePyramid::levelForScale(double scale) const noexcept {
    if (scale <= 0) return m_levels - 1;
    const double wanted = 1.0 / scale;
    int level = 0;
    while (level + 1 < m_levels && downsample(level + 1) <= wanted * 1.0001) ++level;
    return level;
}

int TilePyramid::columns(int level) const noexcept {
    const double span = kTileSize * downsample(level);
    return static_cast<int>(std::ceil(double(m_width) / span));
}

int TilePyramid::rows(int level) const noexcept {
    const double span = kTileSize * downsample(level);
    return static_cast<int>(std::ceil(double(m_height) / span));
}

core::RectI TilePyramid::tileRect(const TileKey& key) const noexcept {
    const std::int64_t span = std::int64_t{kTileSize} << key.level;
    const core::RectI r{key.col * span, key.row * span, span, span};
    return r.intersected({0, 0, m_width, m_height});
}

QImage matToImage(const cv::Mat& mat) {
    if (mat.empty()) return {};
    cv::Mat m8;
    if (mat.depth() == CV_16U) {
        double maxValue = 0;
        cv::minMaxLoc(mat.reshape(1), nullptr, &maxValue);
        mat.convertTo(m8, CV_8U, maxValue > 0 ? 255.0 / maxValue : 1.0);
    } else {
        m8 = mat;
    }
    QImage::Format format = QImage::Format_RGB888;
    if (m8.channels() == 1) {
        format = QImage::Format_Grayscale8;
    } else if (m8.channels() == 4) {
        cv::cvtColor(m8, m8, cv::COLOR_RGBA2RGB);
    } else if (m8.channels() != 3) {
        return {};
    }
    QImage image(m8.cols, m8.rows, format);
    const std::size_t rowBytes = static_cast<std::size_t>(m8.cols) * m8.elemSize();
    for (int r = 0; r < m8.rows; ++r) std::memcpy(image.scanLine(r), m8.ptr(r), rowBytes);
    return image;
}

QImage readTileImage(const imaging::SlideSource& source, const TilePyramid& pyramid, const TileKey& key) {
    const core::RectI rect = pyramid.tileRect(key);
    if (rect.empty()) return {};
    const double ds = TilePyramid::downsample(key.level);
    const int outW = static_cast<int>(std::ceil(double(rect.width) / ds));
    const int outH = static_cast<int>(std::ceil(double(rect.height) / ds));
    const int srcLevel = source.bestLevelForDownsample(ds);
    const double srcDs = source.levels()[static_cast<std::size_t>(srcLevel)].downsample;

    if (ds / srcDs < 1.5) {
        cv::Mat m = source.readRegion(rect, srcLevel);
        if (m.cols != outW || m.rows != outH) cv::resize(m, m, cv::Size(outW, outH), 0, 0, cv::INTER_AREA);
        return matToImage(m);
    }
    // The file has no level near this downsample: read it in chunks of ~2048 source px
    // and reduce each, so memory stays bounded however coarse the tile is.
    const std::int64_t step = static_cast<std::int64_t>(ds);
    const std::int64_t chunk =
        std::max<std::int64_t>(step, static_cast<std::int64_t>(2048 * srcDs) / step * step);
    cv::Mat out(outH, outW, CV_8UC3, cv::Scalar::all(255));
    for (std::int64_t y = rect.y; y < rect.bottom(); y += chunk) {
        for (std::int64_t x = rect.x; x < rect.right(); x += chunk) {
            const core::RectI part = core::RectI{x, y, chunk, chunk}.intersected(rect);
            cv::Mat m = source.readRegion(part, srcLevel);
            if (m.channels() == 1) cv::cvtColor(m, m, cv::COLOR_GRAY2RGB);
            const int ox = static_cast<int>((part.x - rect.x) / step),
                      oy = static_cast<int>((part.y - rect.y) / step);
            const int pw = std::min<int>(outW - ox, static_cast<int>((part.width + step - 1) / step));
            const int ph = std::min<int>(outH - oy, static_cast<int>((part.height + step - 1) / step));
            if (pw <= 0 || ph <= 0 || m.empty()) continue;
            cv::Mat reduced;
            cv::resize(m, reduced, cv::Size(pw, ph), 0, 0, cv::INTER_AREA);
            if (reduced.type() == out.type()) reduced.copyTo(out(cv::Rect(ox, oy, pw, ph)));
        }
    }
    return matToImage(out);
}

/// State shared between the GUI thread and the workers; the workers keep it alive.
struct TileLoader::Shared {
    std::mutex mutex;
    std::deque<TileKey> queue;
    QSet<TileKey> inFlight;
    std::uint64_t generation = 0;
    std::shared_ptr<const imaging::SlideSource> source;
    TilePyramid pyramid;
    int running = 0;
    bool stop = false;
};

TileLoader::TileLoader(QObject* parent) : QObject(parent), m_shared(std::make_shared<Shared>()) {
    m_cache.setMaxCost(static_cast<qsizetype>(m_cacheLimit >> 10));
    m_pool.setMaxThreadCount(std::clamp(QThread::idealThreadCount(), 2, 4));
    m_pool.setExpiryTimeout(5000);
}

TileLoader::~TileLoader() {
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->stop = true;
        m_shared->queue.clear();
    }
    m_pool.waitForDone();
}

void TileLoader::setWorkerCount(int n) {
    m_pool.setMaxThreadCount(std::max(1, n));
}

void TileLoader::setSource(std::shared_ptr<const imaging::SlideSource> source) {
    m_source = std::move(source);
    m_pyramid = m_source ? TilePyramid(m_source->width(), m_source->height()) : TilePyramid();
    m_cache.clear();
    m_failed = false;
    std::lock_guard lock(m_shared->mutex);
    ++m_shared->generation;
    m_shared->queue.clear();
    m_shared->inFlight.clear();
    m_shared->source = m_source;
    m_shared->pyramid = m_pyramid;
}

const QPixmap* TileLoader::tile(const TileKey& key) const {
    return m_cache.object(key);
}

void TileLoader::request(const std::vector<TileKey>& keys) {
    if (!m_source || m_failed) return;
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->queue.clear();
        for (const TileKey& k : keys)
            if (!m_cache.contains(k) && !m_shared->inFlight.contains(k)) m_shared->queue.push_back(k);
    }
    startWorkers();
}

void TileLoader::startWorkers() {
    std::lock_guard lock(m_shared->mutex);
    const int wanted = std::min<int>(m_pool.maxThreadCount(), static_cast<int>(m_shared->queue.size()));
    for (; m_shared->running < wanted; ++m_shared->running) {
        std::shared_ptr<Shared> shared = m_shared;
        m_pool.start([shared, this] {
            for (;;) {
                TileKey key;
                std::uint64_t generation = 0;
                std::shared_ptr<const imaging::SlideSource> source;
                TilePyramid pyramid;
                {
                    std::lock_guard lock(shared->mutex);
                    if (shared->stop || shared->queue.empty()) {
                        --shared->running;
                        return;
                    }
                    key = shared->queue.front();
                    shared->queue.pop_front();
                    shared->inFlight.insert(key);
                    generation = shared->generation;
                    source = shared->source;
                    pyramid = shared->pyramid;
                }
                QImage image;
                QString error;
                try {
                    if (source) image = readTileImage(*source, pyramid, key);
                } catch (const std::exception& e) {
                    error = QString::fromStdString(e.what());
                }
                // Queued: the pixmap is made and cached on the GUI thread.
                QMetaObject::invokeMethod(
                    this,
                    [this, generation, key, image = std::move(image), error] {
                        deliver(generation, key, image, error);
                    },
                    Qt::QueuedConnection);
            }
        });
    }
}

void TileLoader::deliver(std::uint64_t generation, TileKey key, QImage image, QString error) {
    {
        std::lock_guard lock(m_shared->mutex);
        if (generation != m_shared->generation) return;
        m_shared->inFlight.remove(key);
        if (!error.isEmpty()) {
            m_shared->queue.clear();
        }
    }
    if (!error.isEmpty()) {
        if (!m_failed) {
            m_failed = true;
            emit loadFailed(error);
        }
        return;
    }
    if (image.isNull()) return;
    auto* pixmap = new QPixmap(QPixmap::fromImage(std::move(image)));
    const qsizetype cost = std::max<qsizetype>(1, qsizetype(pixmap->width()) * pixmap->height() * 4 / 1024);
    m_cache.insert(key, pixmap, cost);  // QCache owns it (and deletes it if it cannot fit)
    emit tileReady(key);
}

bool TileLoader::idle() const {
    std::lock_guard lock(m_shared->mutex);
    return m_shared->queue.empty() && m_shared->inFlight.isEmpty();
}

bool TileLoader::waitForIdle(int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    while (!idle()) {
        if (deadline.hasExpired()) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(2);
    }
    QCoreApplication::processEvents();
    return true;
}

void TileLoader::setCacheLimit(std::int64_t bytes) {
    m_cacheLimit = std::max<std::int64_t>(bytes, 1 << 20);
    m_cache.setMaxCost(static_cast<qsizetype>(m_cacheLimit >> 10));
}

std::int64_t TileLoader::cacheBytes() const noexcept {
    return std::int64_t{m_cache.totalCost()} << 10;
}

}  // namespace her2::ui
