#pragma once
/// @file Plain geometry in level-0 pixel coordinates (x right, y down).
#include <cstdint>
#include <vector>

namespace her2::core {

struct PointD {
    double x = 0;
    double y = 0;
    friend bool operator==(const PointD&, const PointD&) = default;
};

/// Axis-aligned integer rectangle, level-0 pixels; [x, x+width) x [y, y+height).
struct RectI {
    std::int64_t x = 0;
    std::int64_t y = 0;
    std::int64_t width = 0;
    std::int64_t height = 0;
    bool empty() const noexcept { return width <= 0 || height <= 0; }
    std::int64_t right() const noexcept { return x + width; }
    std::int64_t bottom() const noexcept { return y + height; }
    bool contains(double px, double py) const noexcept {
        return px >= x && py >= y && px < right() && py < bottom();
    }
    RectI intersected(const RectI& o) const noexcept;
    friend bool operator==(const RectI&, const RectI&) = default;
};

using Ring = std::vector<PointD>;  ///< closed implicitly: last point joins the first

/// A polygon with holes (GeoJSON Polygon).
struct Polygon {
    Ring outer;
    std::vector<Ring> holes;
    bool contains(double px, double py) const noexcept;  ///< even-odd, holes excluded
    double area() const noexcept;                        ///< outer minus holes, px²
    RectI bounds() const noexcept;
};

/// A region of interest (GeoJSON Polygon or MultiPolygon).
struct MultiPolygon {
    std::vector<Polygon> polygons;
    bool empty() const noexcept { return polygons.empty(); }
    bool contains(double px, double py) const noexcept;
    double area() const noexcept;
    RectI bounds() const noexcept;
};

double ringArea(const Ring& ring) noexcept;  ///< absolute shoelace area
bool ringContains(const Ring& ring, double px, double py) noexcept;

}  // namespace her2::core
