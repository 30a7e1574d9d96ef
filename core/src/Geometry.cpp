#include "her2/core/Geometry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace her2::core {

RectI RectI::intersected(const RectI& o) const noexcept {
    const std::int64_t x0 = std::max(x, o.x), y0 = std::max(y, o.y);
    const std::int64_t x1 = std::min(right(), o.right()), y1 = std::min(bottom(), o.bottom());
    if (x1 <= x0 || y1 <= y0) return {x0, y0, 0, 0};
    return {x0, y0, x1 - x0, y1 - y0};
}

double ringArea(const Ring& ring) noexcept {
    double twice = 0;
    for (std::size_t i = 0, n = ring.size(); i < n; ++i) {
        const PointD& a = ring[i];
        const PointD& b = ring[(i + 1) % n];
        twice += a.x * b.y - b.x * a.y;
    }
    return std::abs(twice) * 0.5;
}

bool ringContains(const Ring& ring, double px, double py) noexcept {
    bool inside = false;
    for (std::size_t i = 0, n = ring.size(), j = n - 1; i < n; j = i++) {
        const PointD& a = ring[i];
        const PointD& b = ring[j];
        if ((a.y > py) != (b.y > py) && px < (b.x - a.x) * (py - a.y) / (b.y - a.y) + a.x) inside = !inside;
    }
    return inside;
}

namespace {
RectI boundsOf(const Ring& ring) noexcept {
    if (ring.empty()) return {};
    double x0 = std::numeric_limits<double>::max(), y0 = x0, x1 = std::numeric_limits<double>::lowest(), y1 = x1;
    for (const PointD& p : ring) {
        x0 = std::min(x0, p.x);
        y0 = std::min(y0, p.y);
        x1 = std::max(x1, p.x);
        y1 = std::max(y1, p.y);
    }
    const auto fx = static_cast<std::int64_t>(std::floor(x0)), fy = static_cast<std::int64_t>(std::floor(y0));
    return {fx, fy, static_cast<std::int64_t>(std::ceil(x1)) - fx, static_cast<std::int64_t>(std::ceil(y1)) - fy};
}

RectI unite(const RectI& a, const RectI& b) noexcept {
    if (a.empty()) return b;
    if (b.empty()) return a;
    const std::int64_t x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
    return {x0, y0, std::max(a.right(), b.right()) - x0, std::max(a.bottom(), b.bottom()) - y0};
}
}  // namespace

bool Polygon::contains(double px, double py) const noexcept {
    if (!ringContains(outer, px, py)) return false;
    for (const Ring& h : holes)
        if (ringContains(h, px, py)) return false;
    return true;
}

double Polygon::area() const noexcept {
    double a = ringArea(outer);
    for (const Ring& h : holes) a -= ringArea(h);
    return std::max(0.0, a);
}

RectI Polygon::bounds() const noexcept { return boundsOf(outer); }

bool MultiPolygon::contains(double px, double py) const noexcept {
    return std::any_of(polygons.begin(), polygons.end(), [&](const Polygon& p) { return p.contains(px, py); });
}

double MultiPolygon::area() const noexcept {
    double a = 0;
    for (const Polygon& p : polygons) a += p.area();
    return a;
}

RectI MultiPolygon::bounds() const noexcept {
    RectI r;
    for (const Polygon& p : polygons) r = unite(r, p.bounds());
    return r;
}

}  // namespace her2::core
