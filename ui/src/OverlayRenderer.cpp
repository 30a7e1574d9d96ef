#include "her2/ui/OverlayRenderer.hpp"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace her2::ui {
namespace {

constexpr int kExcludedBucket = 4;

QRgb premultiplied(const QColor& c, double alpha) {
    const int a = std::clamp(static_cast<int>(std::lround(alpha * 255)), 0, 255);
    return qRgba(c.red() * a / 255, c.green() * a / 255, c.blue() * a / 255, a);
}

QPolygonF ringToScreen(const core::Ring& ring, const ViewTransform& view) {
    QPolygonF poly;
    poly.reserve(static_cast<qsizetype>(ring.size()));
    for (const auto& p : ring) poly << view.toScreen(QPointF(p.x, p.y));
    return poly;
}

}  // namespace

OverlayRenderer::OverlayRenderer() = default;

QColor OverlayRenderer::classColour(core::CellScore score) {
    switch (score) {
        case core::CellScore::Zero:
            return {60, 110, 235};
        case core::CellScore::One:
            return {240, 210, 0};
        case core::CellScore::Two:
            return {250, 140, 0};
        case core::CellScore::Three:
            return {225, 25, 25};
    }
    return Qt::gray;
}

QColor OverlayRenderer::excludedColour() {
    return {150, 150, 150};
}

bool OverlayRenderer::hasContent() const noexcept {
    return (m_cells && !m_cells->empty()) || !m_nuclei.empty() || !m_spots.empty() || !m_roi.empty() ||
           !m_overlayImage.isNull();
}

void OverlayRenderer::clear() {
    setCells(nullptr);
    setFish({}, {});
    m_roi = {};
    m_overlayImage = {};
    m_selected.reset();
}

void OverlayRenderer::setCells(std::shared_ptr<const core::CellTable> cells) {
    m_cells = std::move(cells);
    m_selected.reset();
    m_heatMap = {};
    m_meanCellDiameter = 0;
    if (!m_cells || m_cells->empty()) {
        m_index.build({}, {});
        return;
    }
    m_index.build(m_cells->x, m_cells->y);
    // Mean diameter from the areas when known, else from the outlines' extent.
    double sum = 0;
    std::size_t counted = 0;
    const std::size_t n = m_cells->size();
    const std::size_t stride = std::max<std::size_t>(1, n / 2000);
    for (std::size_t i = 0; i < n; i += stride) {
        const auto start = m_cells->outlineStart.size() > i + 1 ? m_cells->outlineStart[i] : 0u;
        const auto end = m_cells->outlineStart.size() > i + 1 ? m_cells->outlineStart[i + 1] : 0u;
        if (end > start + 2) {
            float minX = 1e30f, maxX = -1e30f;
            for (auto k = start; k < end; ++k) {
                minX = std::min(minX, m_cells->outlineXY[2 * k]);
                maxX = std::max(maxX, m_cells->outlineXY[2 * k]);
            }
            sum += maxX - minX;
            ++counted;
        }
    }
    if (counted > 0) {
        m_meanCellDiameter = sum / static_cast<double>(counted);
    } else {
        // No outlines: spacing of the centroids.
        float minX = 1e30f, maxX = -1e30f, minY = 1e30f, maxY = -1e30f;
        for (std::size_t i = 0; i < n; ++i) {
            minX = std::min(minX, m_cells->x[i]);
            maxX = std::max(maxX, m_cells->x[i]);
            minY = std::min(minY, m_cells->y[i]);
            maxY = std::max(maxY, m_cells->y[i]);
        }
        m_meanCellDiameter = std::sqrt(std::max(1.0, double(maxX - minX) * double(maxY - minY)) / double(n));
    }
    buildHeatMap();
}

void OverlayRenderer::buildHeatMap() {
    const core::CellTable& t = *m_cells;
    const std::size_t n = t.size();
    float maxX = 0, maxY = 0;
    for (std::size_t i = 0; i < n; ++i) {
        maxX = std::max(maxX, t.x[i]);
        maxY = std::max(maxY, t.y[i]);
    }
    // About three cells per bucket edge, and never more than 2048 x 2048 buckets.
    m_heatBucket = std::max({3.0 * m_meanCellDiameter, double(maxX) / 2048.0, double(maxY) / 2048.0, 1.0});
    const int w = static_cast<int>(maxX / m_heatBucket) + 1, h = static_cast<int>(maxY / m_heatBucket) + 1;
    std::vector<std::array<std::uint32_t, 4>> counts(static_cast<std::size_t>(w) *
                                                     static_cast<std::size_t>(h));
    for (std::size_t i = 0; i < n; ++i) {
        if (!t.isTumour(i)) continue;
        const int c = std::clamp(static_cast<int>(t.x[i] / m_heatBucket), 0, w - 1);
        const int r = std::clamp(static_cast<int>(t.y[i] / m_heatBucket), 0, h - 1);
        ++counts[static_cast<std::size_t>(r) * w + c][static_cast<std::size_t>(t.score[i])];
    }
    // Density saturates at the 95th percentile of occupied buckets so one dense spot does
    // not wash out the rest.
    std::vector<std::uint32_t> totals;
    totals.reserve(counts.size());
    for (const auto& c : counts)
        if (const auto s = c[0] + c[1] + c[2] + c[3]; s > 0) totals.push_back(s);
    if (totals.empty()) return;
    std::nth_element(totals.begin(), totals.begin() + static_cast<std::ptrdiff_t>(totals.size() * 95 / 100),
                     totals.end());
    const double saturation = std::max<double>(1, totals[totals.size() * 95 / 100]);
    const std::array<QColor, 4> colours{classColour(core::CellScore::Zero), classColour(core::CellScore::One),
                                        classColour(core::CellScore::Two),
                                        classColour(core::CellScore::Three)};
    m_heatMap = QImage(w, h, QImage::Format_ARGB32_Premultiplied);
    m_heatMap.fill(Qt::transparent);
    for (int r = 0; r < h; ++r) {
        auto* line = reinterpret_cast<QRgb*>(m_heatMap.scanLine(r));
        for (int c = 0; c < w; ++c) {
            const auto& k = counts[static_cast<std::size_t>(r) * w + c];
            const double total = k[0] + k[1] + k[2] + k[3];
            if (total <= 0) continue;
            double red = 0, green = 0, blue = 0;
            for (int s = 0; s < 4; ++s) {
                red += colours[s].redF() * k[s];
                green += colours[s].greenF() * k[s];
                blue += colours[s].blueF() * k[s];
            }
            const QColor mix =
                QColor::fromRgbF(float(red / total), float(green / total), float(blue / total));
            line[c] = premultiplied(mix, 0.35 + 0.6 * std::min(1.0, total / saturation));
        }
    }
}

void OverlayRenderer::setFish(std::vector<core::FishNucleus> nuclei, std::vector<core::FishSpot> spots) {
    m_nuclei = std::move(nuclei);
    m_spots = std::move(spots);
    m_nucleusX.clear();
    m_nucleusY.clear();
    for (const auto& n : m_nuclei) {
        m_nucleusX.push_back(static_cast<float>(n.x));
        m_nucleusY.push_back(static_cast<float>(n.y));
    }
    m_nucleusIndex.build(m_nucleusX, m_nucleusY);
}

void OverlayRenderer::setImageOverlay(QImage image, QRectF slideRect) {
    m_overlayImage = std::move(image);
    m_overlayRect = slideRect;
}

OverlayFrameStats OverlayRenderer::render(QImage& target, const ViewTransform& view) const {
    OverlayFrameStats stats;
    const QRectF visible = view.visibleSlideRect();
    {
        QPainter p(&target);
        if (m_settings.imageOverlay && !m_overlayImage.isNull()) {
            p.setOpacity(m_settings.opacity);
            p.setRenderHint(QPainter::SmoothPixmapTransform, view.scale < 1);
            p.drawImage(view.toScreen(m_overlayRect), m_overlayImage);
            p.setOpacity(1);
        }
        if (m_cells && !m_cells->empty()) {
            const double cellPx = m_meanCellDiameter * view.scale;
            const std::size_t estimate =
                m_index.estimateCount(visible.left(), visible.top(), visible.right(), visible.bottom());
            if (m_settings.cells && estimate <= m_settings.maxOutlineCells &&
                cellPx >= m_settings.minOutlinePixels) {
                stats.mode = CellDrawMode::Outlines;
                stats.cellsDrawn = drawOutlines(p, view, visible);
            } else if (m_settings.cells && estimate <= m_settings.maxDotCells && cellPx >= 1.0) {
                stats.mode = CellDrawMode::Dots;
                p.end();
                stats.cellsDrawn = drawDots(target, view, visible);
                p.begin(&target);
            } else if (m_settings.heatMap && !m_heatMap.isNull()) {
                stats.mode = CellDrawMode::HeatMap;
                drawHeatMap(p, view);
            }
        }
        drawFish(p, view, visible);
        if (m_settings.roi) drawRoi(p, view);
        if (m_selected && m_cells && *m_selected < m_cells->size()) {
            const auto outline = m_cells->outline(*m_selected);
            p.setRenderHint(QPainter::Antialiasing, true);
            p.setPen(QPen(Qt::white, 3));
            p.setBrush(Qt::NoBrush);
            if (outline.size() >= 3) {
                p.drawPolygon(ringToScreen(outline, view));
            } else {
                const QPointF c = view.toScreen({m_cells->x[*m_selected], m_cells->y[*m_selected]});
                const double r = std::max(6.0, m_meanCellDiameter * view.scale / 2);
                p.drawEllipse(c, r, r);
            }
            p.setPen(QPen(Qt::black, 1));
            if (outline.size() >= 3) p.drawPolygon(ringToScreen(outline, view));
        }
    }
    return stats;
}

void OverlayRenderer::drawHeatMap(QPainter& p, const ViewTransform& view) const {
    // Only the part of the heat map in view is scaled, so cost follows the screen size.
    const QRectF visible = view.visibleSlideRect();
    const QRectF full(0, 0, m_heatMap.width() * m_heatBucket, m_heatMap.height() * m_heatBucket);
    const QRectF shown = visible.intersected(full);
    if (shown.isEmpty()) return;
    const QRect source(QPoint(static_cast<int>(std::floor(shown.left() / m_heatBucket)),
                              static_cast<int>(std::floor(shown.top() / m_heatBucket))),
                       QPoint(static_cast<int>(std::ceil(shown.right() / m_heatBucket)) - 1,
                              static_cast<int>(std::ceil(shown.bottom() / m_heatBucket)) - 1));
    const QRectF sourceSlide(source.x() * m_heatBucket, source.y() * m_heatBucket,
                             source.width() * m_heatBucket, source.height() * m_heatBucket);
    p.setOpacity(m_settings.opacity);
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(view.toScreen(sourceSlide), m_heatMap, source);
    p.setOpacity(1);
}

std::size_t OverlayRenderer::drawDots(QImage& target, const ViewTransform& view,
                                      const QRectF& visible) const {
    // Written straight into the pixels: a million QPainter calls would cost far more.
    const core::CellTable& t = *m_cells;
    std::array<QRgb, 5> colours{};
    for (int s = 0; s < 4; ++s)
        colours[s] = premultiplied(classColour(static_cast<core::CellScore>(s)), m_settings.opacity);
    colours[kExcludedBucket] = premultiplied(excludedColour(), m_settings.opacity * 0.7);
    const int radius = std::clamp(static_cast<int>(m_meanCellDiameter * view.scale / 5), 1, 3);
    const int w = target.width(), h = target.height();
    const double sx = view.scale, ox = view.viewport.width() / 2.0 - view.center.x() * sx;
    const double oy = view.viewport.height() / 2.0 - view.center.y() * sx;
    uchar* bits = target.bits();
    const qsizetype stride = target.bytesPerLine();
    std::size_t drawn = 0;
    m_index.forEachCandidate(
        visible.left(), visible.top(), visible.right(), visible.bottom(), [&](std::uint32_t i) {
            const bool tumour = t.exclusion[i] == core::CellExclusion::None;
            if (!tumour && !m_settings.excludedCells) return;
            const int cx = static_cast<int>(t.x[i] * sx + ox), cy = static_cast<int>(t.y[i] * sx + oy);
            if (cx < -radius || cy < -radius || cx >= w + radius || cy >= h + radius) return;
            const QRgb colour =
                tumour ? colours[static_cast<std::size_t>(t.score[i])] : colours[kExcludedBucket];
            const int x0 = std::max(0, cx - radius), x1 = std::min(w - 1, cx + radius);
            for (int y = std::max(0, cy - radius); y <= std::min(h - 1, cy + radius); ++y) {
                auto* line = reinterpret_cast<QRgb*>(bits + y * stride);
                for (int x = x0; x <= x1; ++x) line[x] = colour;
            }
            ++drawn;
        });
    return drawn;
}

std::size_t OverlayRenderer::drawOutlines(QPainter& p, const ViewTransform& view,
                                          const QRectF& visible) const {
    const core::CellTable& t = *m_cells;
    std::array<std::vector<std::uint32_t>, 5> buckets;
    const double margin = m_meanCellDiameter;
    m_index.forEachCandidate(visible.left() - margin, visible.top() - margin, visible.right() + margin,
                             visible.bottom() + margin, [&](std::uint32_t i) {
                                 if (t.exclusion[i] == core::CellExclusion::None)
                                     buckets[static_cast<std::size_t>(t.score[i])].push_back(i);
                                 else if (m_settings.excludedCells)
                                     buckets[kExcludedBucket].push_back(i);
                             });
    std::size_t total = 0;
    for (const auto& b : buckets) total += b.size();
    const double cellPx = m_meanCellDiameter * view.scale;
    // Antialiased or wide strokes cost tens of times more than one-pixel aliased lines,
    // so they are kept for the few-cells-large case; all edges of a class go to the
    // rasteriser in one drawLines call.
    const bool fine = total < 400;
    p.setRenderHint(QPainter::Antialiasing, fine);
    p.setBrush(Qt::NoBrush);
    const std::size_t maxPoints = cellPx < 16 ? 8 : (cellPx < 40 ? 16 : 64);
    const double sx = view.scale, ox = view.viewport.width() / 2.0 - view.center.x() * sx;
    const double oy = view.viewport.height() / 2.0 - view.center.y() * sx;
    std::vector<QLineF> lines;
    for (std::size_t b = 0; b < buckets.size(); ++b) {
        if (buckets[b].empty()) continue;
        QColor colour =
            b == kExcludedBucket ? excludedColour() : classColour(static_cast<core::CellScore>(b));
        colour.setAlphaF(static_cast<float>(m_settings.opacity));
        QPen pen(colour, fine && cellPx > 40 ? 2.0 : 0.0);  // 0: cosmetic one-pixel pen
        p.setPen(pen);
        lines.clear();
        for (const std::uint32_t i : buckets[b]) {
            const bool hasOutline = t.outlineStart.size() > i + 1;
            const std::uint32_t start = hasOutline ? t.outlineStart[i] : 0,
                                end = hasOutline ? t.outlineStart[i + 1] : 0;
            const std::uint32_t count = end - start;
            if (count < 3) {
                const double r = cellPx / 2;
                p.drawEllipse(QPointF(t.x[i] * sx + ox, t.y[i] * sx + oy), r, r);
                continue;
            }
            const std::uint32_t step =
                std::max<std::uint32_t>(1, static_cast<std::uint32_t>(count / maxPoints));
            QPointF first(t.outlineXY[2 * start] * sx + ox, t.outlineXY[2 * start + 1] * sx + oy),
                prev = first;
            for (std::uint32_t k = start + step; k < end; k += step) {
                const QPointF q(t.outlineXY[2 * k] * sx + ox, t.outlineXY[2 * k + 1] * sx + oy);
                lines.emplace_back(prev, q);
                prev = q;
            }
            lines.emplace_back(prev, first);
        }
        if (!lines.empty()) p.drawLines(lines.data(), static_cast<int>(lines.size()));
    }
    return total;
}

void OverlayRenderer::drawFish(QPainter& p, const ViewTransform& view, const QRectF& visible) const {
    if (m_nuclei.empty() && m_spots.empty()) return;
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setOpacity(m_settings.opacity);
    if (m_settings.fishNuclei && !m_nuclei.empty()) {
        const QPen counted(QColor(0, 220, 255), 1.5);
        QPen excluded(QColor(170, 170, 170), 1, Qt::DashLine);
        p.setBrush(Qt::NoBrush);
        std::size_t drawn = 0;
        m_nucleusIndex.forEachCandidate(visible.left() - 50, visible.top() - 50, visible.right() + 50,
                                        visible.bottom() + 50, [&](std::uint32_t i) {
                                            const auto& n = m_nuclei[i];
                                            if (drawn++ > 50000) return;
                                            p.setPen(n.counted() ? counted : excluded);
                                            if (n.outline.size() >= 3) {
                                                p.drawPolygon(ringToScreen(n.outline, view));
                                            } else {
                                                const double r =
                                                    std::max(2.0, std::sqrt(n.areaUm2) * view.scale * 2);
                                                p.drawEllipse(view.toScreen({n.x, n.y}), r, r);
                                            }
                                        });
    }
    const double r = std::clamp(view.scale * 2.0, 1.5, 5.0);
    p.setPen(Qt::NoPen);
    for (const auto& s : m_spots) {
        if (!visible.contains(s.x, s.y)) continue;
        if (s.channel == core::FishChannel::Her2 && !m_settings.her2Spots) continue;
        if (s.channel == core::FishChannel::Cep17 && !m_settings.cep17Spots) continue;
        const QColor c = s.channel == core::FishChannel::Her2    ? QColor(255, 40, 40)
                         : s.channel == core::FishChannel::Cep17 ? QColor(40, 255, 60)
                                                                 : QColor(80, 120, 255);
        p.setBrush(c);
        const double radius = s.cluster ? r * 1.8 : r;
        p.drawEllipse(view.toScreen({s.x, s.y}), radius, radius);
    }
    p.setOpacity(1);
}

void OverlayRenderer::drawRoi(QPainter& p, const ViewTransform& view) const {
    if (m_roi.empty()) return;
    QPainterPath path;
    path.setFillRule(Qt::OddEvenFill);
    for (const auto& poly : m_roi.polygons) {
        path.addPolygon(ringToScreen(poly.outer, view));
        path.closeSubpath();
        for (const auto& hole : poly.holes) {
            path.addPolygon(ringToScreen(hole, view));
            path.closeSubpath();
        }
    }
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setBrush(QColor(255, 230, 0, 10));
    p.setPen(QPen(QColor(0, 0, 0, 160), 4));
    p.drawPath(path);
    p.setPen(QPen(QColor(255, 220, 0), 2));
    p.drawPath(path);
}

std::optional<std::size_t> OverlayRenderer::cellAt(double x, double y, double radius) const {
    if (!m_cells || m_cells->empty()) return std::nullopt;
    const double search = std::max(radius, m_meanCellDiameter);
    std::optional<std::size_t> inside;
    m_index.forEachCandidate(x - search, y - search, x + search, y + search, [&](std::uint32_t i) {
        if (inside) return;
        const auto outline = m_cells->outline(i);
        if (outline.size() >= 3 && core::ringContains(outline, x, y)) inside = i;
    });
    if (inside) return inside;
    if (const auto n = m_index.nearest(x, y, radius)) return static_cast<std::size_t>(*n);
    return std::nullopt;
}

}  // namespace her2::ui
