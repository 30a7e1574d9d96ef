#pragma once
/// @file A grid of analysis tiles with a halo, in level-0 pixels.
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/core/Geometry.hpp"

namespace her2::imaging {

class SlideSource;

/// One tile. `core` rects tile the region without overlap; `read` is the core grown by the
/// halo and clipped to the slide. Level-0 pixels.
struct Tile {
    int index = 0;   ///< row * columns + column in the full grid (stable under filtering)
    int column = 0;
    int row = 0;
    int level = 0;   ///< pyramid level to read at
    core::RectI core;
    core::RectI read;
};

/// Row-major tiles over a region, deterministic for given inputs. Immutable after
/// construction except for filtering; safe to share between threads for reading.
class TileGrid {
public:
    /// Covers `region` ∩ `bounds` with cores of coreSize x coreSize (the last row/column may be
    /// smaller) and halos of `halo`, all in level-0 px. Throws std::invalid_argument if
    /// coreSize < 1 or halo < 0.
    TileGrid(const core::RectI& region, const core::RectI& bounds, std::int64_t coreSize, std::int64_t halo,
             int level = 0);

    /// The whole slide (or `region` of it), sizes in level-0 px, tiles read at level 0.
    static TileGrid forSlide(const SlideSource& slide, std::int64_t coreSize, std::int64_t halo);
    static TileGrid forRegion(const SlideSource& slide, const core::RectI& region, std::int64_t coreSize,
                              std::int64_t halo);
    /// The whole slide read at `level`: coreSize and halo are in that level's pixels.
    static TileGrid forLevel(const SlideSource& slide, int level, std::int64_t coreSize, std::int64_t halo);

    const std::vector<Tile>& tiles() const noexcept { return m_tiles; }
    std::size_t size() const noexcept { return m_tiles.size(); }
    bool empty() const noexcept { return m_tiles.empty(); }
    int columns() const noexcept { return m_columns; }
    int rows() const noexcept { return m_rows; }
    const core::RectI& region() const noexcept { return m_region; }

    /// Drops tiles whose core covers less than `minFraction` non-zero mask pixels (any
    /// non-zero pixel when minFraction is 0). `mask`: CV_8UC1, one pixel per `maskDownsample`
    /// level-0 px, origin at level-0 (0,0). Returns the number of tiles kept. Throws
    /// std::invalid_argument for a wrong mask type or downsample <= 0.
    std::size_t keepTilesWithTissue(const cv::Mat& mask, double maskDownsample, double minFraction = 0);

private:
    core::RectI m_region;
    int m_columns = 0;
    int m_rows = 0;
    std::vector<Tile> m_tiles;
};

}  // namespace her2::imaging
