#include "her2/models/CellSpatialIndex.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace her2::models {

void CellSpatialIndex::build(std::span<const float> x, std::span<const float> y, double bucketSize) {
    m_x = x;
    m_y = y;
    m_items.clear();
    m_start.clear();
    m_cols = m_rows = 0;
    const std::size_t n = std::min(x.size(), y.size());
    if (n == 0) return;
    float minX = std::numeric_limits<float>::max(), minY = minX;
    float maxX = std::numeric_limits<float>::lowest(), maxY = maxX;
    for (std::size_t i = 0; i < n; ++i) {
        minX = std::min(minX, x[i]);
        maxX = std::max(maxX, x[i]);
        minY = std::min(minY, y[i]);
        maxY = std::max(maxY, y[i]);
    }
    const double w = std::max(1.0, double(maxX) - minX), h = std::max(1.0, double(maxY) - minY);
    if (bucketSize <= 0) bucketSize = std::sqrt(w * h * 8.0 / static_cast<double>(n));
    // Keep the bucket table to at most ~4M entries.
    bucketSize = std::max({bucketSize, std::sqrt(w * h / 4.0e6), 1.0});
    m_bucket = bucketSize;
    m_originX = minX;
    m_originY = minY;
    m_cols = static_cast<int>(w / bucketSize) + 1;
    m_rows = static_cast<int>(h / bucketSize) + 1;
    const std::size_t buckets = static_cast<std::size_t>(m_cols) * static_cast<std::size_t>(m_rows);

    std::vector<std::uint32_t> bucketOf(n);
    m_start.assign(buckets + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const int c = std::clamp(static_cast<int>((x[i] - m_originX) / m_bucket), 0, m_cols - 1);
        const int r = std::clamp(static_cast<int>((y[i] - m_originY) / m_bucket), 0, m_rows - 1);
        bucketOf[i] = static_cast<std::uint32_t>(static_cast<std::size_t>(r) * m_cols + static_cast<std::size_t>(c));
        ++m_start[bucketOf[i] + 1];
    }
    for (std::size_t b = 0; b < buckets; ++b) m_start[b + 1] += m_start[b];
    std::vector<std::uint32_t> fill(m_start.begin(), m_start.end() - 1);
    m_items.resize(n);
    for (std::size_t i = 0; i < n; ++i) m_items[fill[bucketOf[i]]++] = static_cast<std::uint32_t>(i);
}

bool CellSpatialIndex::bucketRange(double x0, double y0, double x1, double y1, int& c0, int& r0, int& c1,
                                   int& r1) const {
    if (m_items.empty() || x1 < x0 || y1 < y0) return false;
    const double fc0 = std::floor((x0 - m_originX) / m_bucket), fc1 = std::floor((x1 - m_originX) / m_bucket);
    const double fr0 = std::floor((y0 - m_originY) / m_bucket), fr1 = std::floor((y1 - m_originY) / m_bucket);
    if (fc1 < 0 || fr1 < 0 || fc0 >= m_cols || fr0 >= m_rows) return false;
    c0 = static_cast<int>(std::max(0.0, fc0));
    r0 = static_cast<int>(std::max(0.0, fr0));
    c1 = static_cast<int>(std::min<double>(m_cols - 1, fc1));
    r1 = static_cast<int>(std::min<double>(m_rows - 1, fr1));
    return true;
}

std::vector<std::uint32_t> CellSpatialIndex::query(double x0, double y0, double x1, double y1) const {
    std::vector<std::uint32_t> out;
    forEachCandidate(x0, y0, x1, y1, [&](std::uint32_t i) {
        if (m_x[i] >= x0 && m_x[i] < x1 && m_y[i] >= y0 && m_y[i] < y1) out.push_back(i);
    });
    return out;
}

std::size_t CellSpatialIndex::estimateCount(double x0, double y0, double x1, double y1) const {
    int c0, r0, c1, r1;
    if (!bucketRange(x0, y0, x1, y1, c0, r0, c1, r1)) return 0;
    std::size_t total = 0;
    for (int r = r0; r <= r1; ++r) {
        const std::size_t row = static_cast<std::size_t>(r) * static_cast<std::size_t>(m_cols);
        total += m_start[row + static_cast<std::size_t>(c1) + 1] - m_start[row + static_cast<std::size_t>(c0)];
    }
    return total;
}

std::optional<std::uint32_t> CellSpatialIndex::nearest(double x, double y, double maxDistance) const {
    std::optional<std::uint32_t> best;
    double bestD2 = maxDistance * maxDistance;
    forEachCandidate(x - maxDistance, y - maxDistance, x + maxDistance, y + maxDistance, [&](std::uint32_t i) {
        const double dx = m_x[i] - x, dy = m_y[i] - y;
        const double d2 = dx * dx + dy * dy;
        if (d2 <= bestD2) {
            bestD2 = d2;
            best = i;
        }
    });
    return best;
}

}  // namespace her2::models
