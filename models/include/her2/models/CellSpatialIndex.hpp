#pragma once
/// @file A uniform-grid spatial index over cell centroids (level-0 px), for viewport
/// queries and picking over millions of cells.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace her2::models {

/// Buckets are stored compressed (offsets + sorted indices), ~4 bytes per cell plus
/// 4 bytes per bucket. Immutable after build(); concurrent reads are safe.
class CellSpatialIndex {
public:
    /// Builds over centroids x[i], y[i]. bucketSize <= 0 picks one holding ~8 cells on average.
    void build(std::span<const float> x, std::span<const float> y, double bucketSize = 0);
    bool empty() const noexcept { return m_items.empty(); }
    std::size_t size() const noexcept { return m_items.size(); }
    double bucketSize() const noexcept { return m_bucket; }

    /// Calls f(index) for every cell whose bucket overlaps [x0, x1) x [y0, y1); cells near
    /// the border may lie slightly outside the rectangle (callers clip).
    template <class F>
    void forEachCandidate(double x0, double y0, double x1, double y1, F&& f) const {
        int c0, r0, c1, r1;
        if (!bucketRange(x0, y0, x1, y1, c0, r0, c1, r1)) return;
        for (int r = r0; r <= r1; ++r) {
            const std::size_t row = static_cast<std::size_t>(r) * static_cast<std::size_t>(m_cols);
            const std::uint32_t begin = m_start[row + static_cast<std::size_t>(c0)];
            const std::uint32_t end = m_start[row + static_cast<std::size_t>(c1) + 1];
            for (std::uint32_t k = begin; k < end; ++k) f(m_items[k]);
        }
    }
    /// Indices of cells whose centroid lies in the rectangle, in index order per bucket.
    std::vector<std::uint32_t> query(double x0, double y0, double x1, double y1) const;
    /// Upper bound on the cells in the rectangle (sum of overlapped bucket sizes): O(rows).
    std::size_t estimateCount(double x0, double y0, double x1, double y1) const;
    /// Nearest centroid within maxDistance of (x, y), if any.
    std::optional<std::uint32_t> nearest(double x, double y, double maxDistance) const;

private:
    bool bucketRange(double x0, double y0, double x1, double y1, int& c0, int& r0, int& c1, int& r1) const;

    std::span<const float> m_x, m_y;
    double m_originX = 0, m_originY = 0, m_bucket = 1;
    int m_cols = 0, m_rows = 0;
    std::vector<std::uint32_t> m_start;  ///< m_cols*m_rows + 1 offsets into m_items
    std::vector<std::uint32_t> m_items;  ///< cell indices grouped by bucket (row-major)
};

}  // namespace her2::models
