#include "her2/imaging/TileGrid.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "her2/imaging/SlideSource.hpp"

namespace her2::imaging {

TileGrid::TileGrid(const core::RectI& region, const core::RectI& bounds, std::int64_t coreSize,
                   std::int64_t halo, int level) {
    if (coreSize < 1) throw std::invalid_argument("TileGrid: core size must be at least 1 pixel");
    if (halo < 0) throw std::invalid_argument("TileGrid: halo must not be negative");
    m_region = region.intersected(bounds);
    if (m_region.empty()) {
        m_region = {m_region.x, m_region.y, 0, 0};
        return;
    }
    const std::int64_t cols = (m_region.width + coreSize - 1) / coreSize;
    const std::int64_t rows = (m_region.height + coreSize - 1) / coreSize;
    if (cols * rows > 1 << 28)
        throw std::invalid_argument("TileGrid: too many tiles; use a larger core size");
    m_columns = static_cast<int>(cols);
    m_rows = static_cast<int>(rows);
    m_tiles.reserve(static_cast<std::size_t>(cols * rows));
    for (int r = 0; r < m_rows; ++r) {
        for (int c = 0; c < m_columns; ++c) {
            Tile t;
            t.index = r * m_columns + c;
            t.column = c;
            t.row = r;
            t.level = level;
            const std::int64_t x = m_region.x + c * coreSize, y = m_region.y + r * coreSize;
            t.core = core::RectI{x, y, std::min(coreSize, m_region.right() - x),
                                 std::min(coreSize, m_region.bottom() - y)};
            t.read = core::RectI{t.core.x - halo, t.core.y - halo, t.core.width + 2 * halo,
                                 t.core.height + 2 * halo}
                         .intersected(bounds);
            m_tiles.push_back(t);
        }
    }
}

TileGrid TileGrid::forSlide(const SlideSource& slide, std::int64_t coreSize, std::int64_t halo) {
    const core::RectI all{0, 0, slide.width(), slide.height()};
    return TileGrid(all, all, coreSize, halo, 0);
}

TileGrid TileGrid::forRegion(const SlideSource& slide, const core::RectI& region, std::int64_t coreSize,
                             std::int64_t halo) {
    return TileGrid(region, {0, 0, slide.width(), slide.height()}, coreSize, halo, 0);
}

TileGrid TileGrid::forLevel(const SlideSource& slide, int level, std::int64_t coreSize, std::int64_t halo) {
    if (level < 0 || level >= static_cast<int>(slide.levels().size()))
        throw std::invalid_argument("TileGrid: level " + std::to_string(level) + " does not exist");
    const double ds = slide.levels()[static_cast<std::size_t>(level)].downsample;
    const core::RectI all{0, 0, slide.width(), slide.height()};
    return TileGrid(all, all, std::max<std::int64_t>(1, std::llround(coreSize * ds)), std::llround(halo * ds),
                    level);
}

std::size_t TileGrid::keepTilesWithTissue(const cv::Mat& mask, double maskDownsample, double minFraction) {
    if (mask.type() != CV_8UC1) throw std::invalid_argument("TileGrid: tissue mask must be CV_8UC1");
    if (!(maskDownsample > 0)) throw std::invalid_argument("TileGrid: mask downsample must be positive");
    std::vector<Tile> kept;
    for (const Tile& t : m_tiles) {
        const auto x0 =
            static_cast<int>(std::clamp<double>(std::floor(t.core.x / maskDownsample), 0, mask.cols));
        const auto y0 =
            static_cast<int>(std::clamp<double>(std::floor(t.core.y / maskDownsample), 0, mask.rows));
        const auto x1 =
            static_cast<int>(std::clamp<double>(std::ceil(t.core.right() / maskDownsample), 0, mask.cols));
        const auto y1 =
            static_cast<int>(std::clamp<double>(std::ceil(t.core.bottom() / maskDownsample), 0, mask.rows));
        if (x1 <= x0 || y1 <= y0) continue;
        const cv::Mat cell = mask(cv::Rect(x0, y0, x1 - x0, y1 - y0));
        const int on = cv::countNonZero(cell);
        const double fraction = static_cast<double>(on) / static_cast<double>(cell.total());
        if (on > 0 && fraction >= minFraction) kept.push_back(t);
    }
    m_tiles = std::move(kept);
    return m_tiles.size();
}

}  // namespace her2::imaging
