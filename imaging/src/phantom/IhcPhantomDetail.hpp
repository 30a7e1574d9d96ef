#pragma once
/// @file Internal: geometry and layout records of the IHC phantom, shared by its sources.
#include <cmath>
#include <cstdint>
#include <vector>

#include "her2/core/Geometry.hpp"

namespace her2::imaging::detail {

/// Points p with nx * p.x + ny * p.y <= c (the normal points outwards).
struct HalfPlane {
    double nx = 0, ny = 0, c = 0;
};

/// A convex cell outline with its edges prepared for signed-distance queries: for a point
/// inside, the distance to the outline is min over edges of (c - n.p), exact for a convex
/// polygon, and the nearest edge gives the arclength position used by the membrane arcs.
struct ConvexCell {
    std::vector<core::PointD> v;  ///< vertices in traversal order
    std::vector<double> nx, ny, c;
    std::vector<double> ux, uy;    ///< unit edge directions
    std::vector<double> len, cum;  ///< edge lengths and perimeter position of each start vertex
    double perimeter = 0;
    double area = 0;
    core::PointD centroid;

    std::size_t size() const noexcept { return v.size(); }
    bool empty() const noexcept { return v.size() < 3; }

    /// Perimeter position, as a fraction in [0, 1), of the point of edge e nearest to (x, y).
    double perimeterFraction(std::size_t e, double x, double y) const noexcept {
        double t = (x - v[e].x) * ux[e] + (y - v[e].y) * uy[e];
        t = t < 0 ? 0 : (t > len[e] ? len[e] : t);
        const double f = (cum[e] + t) / perimeter;
        return f >= 1 ? f - 1 : f;
    }
    /// The boundary point at a perimeter fraction in [0, 1).
    core::PointD pointAt(double fraction) const noexcept;
    /// Distance from (x, y) to the outline, positive inside.
    double insideDepth(double x, double y) const noexcept;
};

/// Sutherland-Hodgman clip of a convex polygon by one half-plane.
std::vector<core::PointD> clipPolygon(const std::vector<core::PointD>& poly, const HalfPlane& h);

/// Builds the edge tables of a convex polygon (drops near-duplicate vertices). Empty
/// result for a degenerate polygon.
ConvexCell makeConvexCell(std::vector<core::PointD> poly);

/// True when fraction f in [0, 1) lies on the arc that starts at `start` and covers `length`
/// (both fractions of the perimeter; the arc may wrap past 1).
inline bool onArc(double f, double start, double length) noexcept {
    double d = f - start;
    if (d < 0) d += 1;
    return d < length;
}

}  // namespace her2::imaging::detail
