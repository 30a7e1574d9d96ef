// Cohesive clusters for the gastric/NSCLC biopsy rule ("a cluster of >= 5 cohesive
// cells"): connected components of the graph that joins cells whose centroids are at
// most a distance d apart.
//
// Neighbour search uses a uniform grid of d x d squares, so every neighbour of a point
// lies in its own square or one of the 8 around it. The points are counting-sorted by
// square (directly indexed when the grid is compact, hashed into about one bucket per
// point otherwise), which keeps memory at O(n) for any slide extent and the expected
// cost at O(n). Components come from a union-find with path halving and union by size.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>

#include "her2/core/Errors.hpp"
#include "her2/core/ScoringRules.hpp"

namespace her2::core {
namespace {

/// Union-find with path halving, linking the larger root index under the smaller (so
/// the result does not depend on the order of the joins). No size array: on a slide the
/// memory, not the tree depth, is what costs.
class DisjointSets {
public:
    explicit DisjointSets(std::size_t n) : m_parent(std::make_unique_for_overwrite<std::uint32_t[]>(n)) {
        std::iota(m_parent.get(), m_parent.get() + n, std::uint32_t{0});
    }
    std::uint32_t find(std::uint32_t i) noexcept {
        while (m_parent[i] != i) {
            m_parent[i] = m_parent[m_parent[i]];
            i = m_parent[i];
        }
        return i;
    }
    void unite(std::uint32_t a, std::uint32_t b) noexcept {
        a = find(a);
        b = find(b);
        if (a == b) return;
        if (a < b) std::swap(a, b);
        m_parent[a] = b;
    }

private:
    std::unique_ptr<std::uint32_t[]> m_parent;
};

std::uint64_t squareHash(std::int64_t gx, std::int64_t gy) noexcept {
    // Multiply-xorshift mix of both square coordinates.
    std::uint64_t h = static_cast<std::uint64_t>(gx) * 0x9E3779B97F4A7C15ULL;
    h ^= static_cast<std::uint64_t>(gy) * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return h;
}

}  // namespace

std::size_t CohesiveClusters::largest() const noexcept {
    return sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
}

CohesiveClusters findCohesiveClusters(std::span<const double> xUm, std::span<const double> yUm,
                                      double distanceUm) {
    if (xUm.size() != yUm.size())
        throw ParameterError("cohesive clusters: " + std::to_string(xUm.size()) + " x but " +
                             std::to_string(yUm.size()) + " y coordinates");
    if (!std::isfinite(distanceUm) || distanceUm <= 0)
        throw ParameterError("cohesive clusters: the cohesion distance must be positive, got " +
                             std::to_string(distanceUm) + " µm");
    const std::size_t n = xUm.size();
    if (n >= std::numeric_limits<std::uint32_t>::max())
        throw ParameterError("cohesive clusters: too many points (" + std::to_string(n) + ")");

    CohesiveClusters out;
    out.label.resize(n);
    if (n == 0) return out;

    // Grid squares of side d. A point with a non-finite coordinate, or one beyond ±2^52
    // squares (integer precision; not a slide), gets no square and stays alone.
    const double inv = 1.0 / distanceUm;
    constexpr double kMaxSquare = 4.5e15;
    auto squareOf = [inv](double x, double y, std::int64_t& gx, std::int64_t& gy) {
        const double fx = std::floor(x * inv), fy = std::floor(y * inv);
        if (!(std::abs(fx) < kMaxSquare && std::abs(fy) < kMaxSquare)) return false;  // NaN fails too
        gx = static_cast<std::int64_t>(fx);
        gy = static_cast<std::int64_t>(fy);
        return true;
    };

    // Buckets. When the occupied grid is compact (at most kDenseSquaresPerPoint squares
    // per point in its bounding box, the usual case for a slide full of cells) every
    // square is its own bucket, numbered row by row: no collisions, and the 9 squares
    // around a point are 3 runs of memory that the sweep below reads in order. A sparse
    // layout (scattered biopsy fragments on a large slide) hashes the squares instead, so
    // memory stays O(n) whatever the extent; a collision there only costs a distance test.
    constexpr double kDenseSquaresPerPoint = 4;
    std::int64_t minX = std::numeric_limits<std::int64_t>::max(), minY = minX;
    std::int64_t maxX = std::numeric_limits<std::int64_t>::min(), maxY = maxX;
    std::size_t placed = 0;
    for (std::size_t i = 0; i < n; ++i) {
        std::int64_t gx, gy;
        if (!squareOf(xUm[i], yUm[i], gx, gy)) continue;
        ++placed;
        minX = std::min(minX, gx);
        maxX = std::max(maxX, gx);
        minY = std::min(minY, gy);
        maxY = std::max(maxY, gy);
    }
    const double width = placed ? static_cast<double>(maxX - minX) + 1 : 0;
    const double height = placed ? static_cast<double>(maxY - minY) + 1 : 0;
    const bool dense = placed && width * height <= kDenseSquaresPerPoint * static_cast<double>(placed) + 64;
    const std::size_t buckets =
        dense ? static_cast<std::size_t>(width * height) : std::bit_ceil(std::max<std::size_t>(placed, 1));
    const std::uint64_t mask = buckets - 1;
    const auto w = static_cast<std::int64_t>(width), h = static_cast<std::int64_t>(height);
    // Bucket of a square; -1 for a square outside the dense grid (it holds no point).
    auto bucketOf = [&](std::int64_t gx, std::int64_t gy) -> std::int64_t {
        if (!dense) return static_cast<std::int64_t>(squareHash(gx, gy) & mask);
        gx -= minX;
        gy -= minY;
        if (gx < 0 || gy < 0 || gx >= w || gy >= h) return -1;
        return gx + gy * w;
    };

    // Counting sort of the points by bucket: bucket b holds positions start[b] .. start[b+1].
    // Buffers that are fully written before being read are left uninitialised: on a
    // million cells, zeroing memory costs more than the search.
    std::vector<std::uint32_t> start(buckets + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        std::int64_t gx, gy;
        if (squareOf(xUm[i], yUm[i], gx, gy)) ++start[static_cast<std::size_t>(bucketOf(gx, gy)) + 1];
    }
    std::partial_sum(start.begin(), start.end(), start.begin());
    // Sorted copies keep the inner loop on contiguous memory.
    auto order = std::make_unique_for_overwrite<std::uint32_t[]>(placed);
    auto sx = std::make_unique_for_overwrite<double[]>(placed);
    auto sy = std::make_unique_for_overwrite<double[]>(placed);
    {
        auto fill = std::make_unique_for_overwrite<std::uint32_t[]>(buckets);
        std::copy(start.begin(), start.end() - 1, fill.get());
        for (std::size_t i = 0; i < n; ++i) {
            std::int64_t gx, gy;
            if (!squareOf(xUm[i], yUm[i], gx, gy)) continue;
            const std::uint32_t p = fill[static_cast<std::size_t>(bucketOf(gx, gy))]++;
            order[p] = static_cast<std::uint32_t>(i);
            sx[p] = xUm[i];
            sy[p] = yUm[i];
        }
    }

    // A relative tolerance so that a neighbour placed exactly at d (as a pathologist
    // would measure it) is not lost to rounding in the squared distance.
    const double d2 = distanceUm * distanceUm * (1 + 1e-12);
    DisjointSets sets(placed);
    for (std::size_t p = 0; p < placed; ++p) {
        std::int64_t gx = 0, gy = 0;
        squareOf(sx[p], sy[p], gx, gy);
        std::int64_t seen[9];
        int nSeen = 0;
        for (std::int64_t dy = -1; dy <= 1; ++dy) {
            for (std::int64_t dx = -1; dx <= 1; ++dx) {
                const std::int64_t b = bucketOf(gx + dx, gy + dy);
                if (b < 0) continue;
                // Two of the 9 squares may share a hash bucket; scan it once.
                if (!dense) {
                    if (std::find(seen, seen + nSeen, b) != seen + nSeen) continue;
                    seen[nSeen++] = b;
                }
                // Each pair is tested once, from its later point.
                const std::uint32_t first = start[static_cast<std::size_t>(b)];
                const std::uint32_t end = std::min<std::uint32_t>(start[static_cast<std::size_t>(b) + 1],
                                                                  static_cast<std::uint32_t>(p));
                for (std::uint32_t q = first; q < end; ++q) {
                    const double ex = sx[q] - sx[p], ey = sy[q] - sy[p];
                    if (ex * ex + ey * ey <= d2) sets.unite(static_cast<std::uint32_t>(p), q);
                }
            }
        }
    }

    // Dense labels in order of first appearance (original point order), so the result
    // does not depend on the bucketing. out.label first holds each point's root.
    constexpr std::uint32_t kUnset = std::numeric_limits<std::uint32_t>::max();
    std::fill(out.label.begin(), out.label.end(), kUnset);
    for (std::size_t p = 0; p < placed; ++p) out.label[order[p]] = sets.find(static_cast<std::uint32_t>(p));
    std::vector<std::uint32_t> rootLabel(placed, kUnset);
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t lbl;
        const std::uint32_t root = out.label[i];
        if (root == kUnset) {  // no square: alone
            lbl = static_cast<std::uint32_t>(out.sizes.size());
            out.sizes.push_back(0);
        } else {
            if (rootLabel[root] == kUnset) {
                rootLabel[root] = static_cast<std::uint32_t>(out.sizes.size());
                out.sizes.push_back(0);
            }
            lbl = rootLabel[root];
        }
        out.label[i] = lbl;
        ++out.sizes[lbl];
    }
    return out;
}

}  // namespace her2::core
