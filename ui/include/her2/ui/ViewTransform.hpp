#pragma once
/// @file The mapping between level-0 slide pixels and widget pixels.
#include <QPointF>
#include <QRectF>
#include <QSizeF>

namespace her2::ui {

/// screen = (slide - center) * scale + viewport centre. Value type, cheap to copy.
struct ViewTransform {
    QPointF center;    ///< level-0 point at the middle of the viewport
    double scale = 1;  ///< screen px per level-0 px
    QSizeF viewport;   ///< widget size, px

    QPointF toScreen(QPointF slide) const noexcept {
        return {(slide.x() - center.x()) * scale + viewport.width() / 2.0,
                (slide.y() - center.y()) * scale + viewport.height() / 2.0};
    }
    QPointF toSlide(QPointF screen) const noexcept {
        return {(screen.x() - viewport.width() / 2.0) / scale + center.x(),
                (screen.y() - viewport.height() / 2.0) / scale + center.y()};
    }
    QRectF toScreen(const QRectF& slide) const noexcept {
        return {toScreen(slide.topLeft()), toScreen(slide.bottomRight())};
    }
    /// The level-0 rectangle the viewport shows.
    QRectF visibleSlideRect() const noexcept {
        return {toSlide({0, 0}), toSlide({viewport.width(), viewport.height()})};
    }
};

}  // namespace her2::ui
