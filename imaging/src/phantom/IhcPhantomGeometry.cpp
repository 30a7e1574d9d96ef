#include <algorithm>
#include <cmath>
#include <limits>

#include "phantom/IhcPhantomDetail.hpp"

namespace her2::imaging::detail {

std::vector<core::PointD> clipPolygon(const std::vector<core::PointD>& poly, const HalfPlane& h) {
    std::vector<core::PointD> out;
    const std::size_t n = poly.size();
    if (n == 0) return out;
    out.reserve(n + 1);
    for (std::size_t k = 0; k < n; ++k) {
        const core::PointD& a = poly[k];
        const core::PointD& b = poly[(k + 1) % n];
        const double da = h.nx * a.x + h.ny * a.y - h.c;
        const double db = h.nx * b.x + h.ny * b.y - h.c;
        if (da <= 0) out.push_back(a);
        if ((da < 0 && db > 0) || (da > 0 && db < 0)) {
            const double t = da / (da - db);
            out.push_back({a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)});
        }
    }
    return out;
}

ConvexCell makeConvexCell(std::vector<core::PointD> poly) {
    ConvexCell cell;
    // Clipping can leave vertices a hair apart; they would make zero-length edges.
    std::vector<core::PointD> clean;
    clean.reserve(poly.size());
    for (const auto& p : poly) {
        if (!clean.empty() && std::hypot(p.x - clean.back().x, p.y - clean.back().y) < 1e-3) continue;
        clean.push_back(p);
    }
    while (clean.size() > 1 &&
           std::hypot(clean.front().x - clean.back().x, clean.front().y - clean.back().y) < 1e-3)
        clean.pop_back();
    if (clean.size() < 3) return cell;

    double a2 = 0, cx = 0, cy = 0;
    for (std::size_t k = 0; k < clean.size(); ++k) {
        const auto& p = clean[k];
        const auto& q = clean[(k + 1) % clean.size()];
        const double cr = p.x * q.y - q.x * p.y;
        a2 += cr;
        cx += (p.x + q.x) * cr;
        cy += (p.y + q.y) * cr;
    }
    if (std::abs(a2) < 1e-9) return cell;
    cell.area = std::abs(a2) / 2;
    cell.centroid = {cx / (3 * a2), cy / (3 * a2)};
    cell.v = std::move(clean);
    const std::size_t n = cell.v.size();
    cell.nx.resize(n);
    cell.ny.resize(n);
    cell.c.resize(n);
    cell.ux.resize(n);
    cell.uy.resize(n);
    cell.len.resize(n);
    cell.cum.resize(n);
    double cum = 0;
    for (std::size_t e = 0; e < n; ++e) {
        const auto& a = cell.v[e];
        const auto& b = cell.v[(e + 1) % n];
        const double l = std::hypot(b.x - a.x, b.y - a.y);
        const double ux = (b.x - a.x) / l, uy = (b.y - a.y) / l;
        double nx = uy, ny = -ux;
        // Orientation-free: the outward normal points away from the centroid.
        if (nx * (cell.centroid.x - a.x) + ny * (cell.centroid.y - a.y) > 0) {
            nx = -nx;
            ny = -ny;
        }
        cell.nx[e] = nx;
        cell.ny[e] = ny;
        cell.c[e] = nx * a.x + ny * a.y;
        cell.ux[e] = ux;
        cell.uy[e] = uy;
        cell.len[e] = l;
        cell.cum[e] = cum;
        cum += l;
    }
    cell.perimeter = cum;
    return cell;
}

core::PointD ConvexCell::pointAt(double fraction) const noexcept {
    double s = fraction * perimeter;
    for (std::size_t e = 0; e < v.size(); ++e) {
        if (s <= cum[e] + len[e] || e + 1 == v.size()) {
            const double t = std::clamp(s - cum[e], 0.0, len[e]);
            return {v[e].x + t * ux[e], v[e].y + t * uy[e]};
        }
    }
    return v.front();
}

double ConvexCell::insideDepth(double x, double y) const noexcept {
    double depth = std::numeric_limits<double>::max();
    for (std::size_t e = 0; e < v.size(); ++e) depth = std::min(depth, c[e] - (nx[e] * x + ny[e] * y));
    return depth;
}

}  // namespace her2::imaging::detail
