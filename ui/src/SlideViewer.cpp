#include "her2/ui/SlideViewer.hpp"

#include <QDir>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QFutureWatcher>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>

namespace her2::ui {
namespace {

constexpr double kWheelStep = 1.25;  ///< zoom factor per wheel notch
constexpr double kClickSlop = 4;     ///< px a press may move and still be a click

/// Rounds a level-0 rectangle to whole screen pixels so neighbouring tiles share edges.
QRect snapped(const ViewTransform& view, const QRectF& slideRect) {
    const QPointF a = view.toScreen(slideRect.topLeft()), b = view.toScreen(slideRect.bottomRight());
    const int x0 = static_cast<int>(std::lround(a.x())), y0 = static_cast<int>(std::lround(a.y()));
    const int x1 = static_cast<int>(std::lround(b.x())), y1 = static_cast<int>(std::lround(b.y()));
    return {x0, y0, std::max(1, x1 - x0), std::max(1, y1 - y0)};
}

QRectF toQRect(const core::RectI& r) {
    return {double(r.x), double(r.y), double(r.width), double(r.height)};
}

/// A "nice" scale bar length (1, 2 or 5 times a power of ten) near `target` µm.
double niceLength(double target) {
    const double p = std::pow(10.0, std::floor(std::log10(target)));
    for (const double m : {1.0, 2.0, 5.0, 10.0})
        if (m * p >= target) return m * p;
    return 10 * p;
}

}  // namespace

SlideViewer::SlideViewer(QWidget* parent) : QWidget(parent), m_loader(new TileLoader(this)) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(200, 150);
    setCursor(Qt::OpenHandCursor);
    connect(m_loader, &TileLoader::tileReady, this, [this] { update(); });
    connect(m_loader, &TileLoader::loadFailed, this, [this](const QString& message) {
        emit slideError(tr("Part of the slide could not be read: %1").arg(message));
        update();
    });
    m_zoomAnimation = new QVariantAnimation(this);
    m_zoomAnimation->setDuration(160);
    m_zoomAnimation->setEasingCurve(QEasingCurve::OutCubic);
    m_zoomAnimation->setStartValue(0.0);
    m_zoomAnimation->setEndValue(1.0);
    connect(m_zoomAnimation, &QVariantAnimation::valueChanged, this, [this](const QVariant& v) {
        const double t = v.toDouble();
        const double s =
            std::exp(std::log(m_zoomStart) + t * (std::log(m_zoomTarget) - std::log(m_zoomStart)));
        m_scale = s;
        const QPointF vc(width() / 2.0, height() / 2.0);
        m_center = m_zoomAnchorSlide - (m_zoomAnchorScreen - vc) / m_scale;
        clampView();
        emit viewChanged();
        update();
    });
    m_miniMap = new MiniMap(this);
    m_miniMap->hide();
    m_watcher = new QFileSystemWatcher(this);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &SlideViewer::onSlideFileChanged);
}

SlideViewer::~SlideViewer() {
    // Leave no running animation registered with Qt's per-thread animation timer.
    m_zoomAnimation->stop();
}

void SlideViewer::setSlide(std::shared_ptr<const imaging::SlideSource> slide) {
    m_zoomAnimation->stop();
    if (!m_watcher->files().isEmpty()) m_watcher->removePaths(m_watcher->files());
    m_slide = std::move(slide);
    m_slideGone = false;
    m_loader->setSource(m_slide);
    m_overlay.clear();
    m_overlayDirty = true;
    m_thumbnail = {};
    m_polygon.clear();
    m_miniMap->setThumbnail({});
    m_miniMap->setVisible(m_slide && m_hudVisible);
    if (m_slide) {
        const QString path = QString::fromStdString(m_slide->path().string());
        if (QFileInfo::exists(path)) m_watcher->addPath(path);
        m_fitPending = true;
        fitToWindow();
        loadThumbnail();
    }
    emit viewChanged();
    update();
}

void SlideViewer::loadThumbnail() {
    const std::uint64_t generation = ++m_thumbnailGeneration;
    auto slide = m_slide;
    auto* watcher = new QFutureWatcher<QImage>(this);
    connect(watcher, &QFutureWatcher<QImage>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_thumbnailGeneration) return;
        m_thumbnail = watcher->result();
        m_miniMap->setThumbnail(m_thumbnail);
        update();
    });
    watcher->setFuture(QtConcurrent::run([slide]() -> QImage {
        try {
            return matToImage(slide->thumbnail(1024));
        } catch (const std::exception&) {
            return {};  // tiles report the error; the thumbnail is a convenience
        }
    }));
}

void SlideViewer::onSlideFileChanged(const QString& path) {
    if (m_slideGone || !m_slide || QFileInfo::exists(path)) return;
    m_slideGone = true;
    emit slideError(tr("%1: the slide file is no longer available; only the parts already loaded are shown.")
                        .arg(QDir::toNativeSeparators(path)));
    update();
}

void SlideViewer::setHudVisible(bool on) {
    m_hudVisible = on;
    m_miniMap->setVisible(m_slide && on);
    update();
}

void SlideViewer::overlayChanged() {
    m_overlayDirty = true;
    update();
}

ViewTransform SlideViewer::viewTransform() const {
    return {m_center, m_scale, QSizeF(size())};
}

double SlideViewer::nativeMagnification() const {
    if (!m_slide) return 40;
    const core::PixelCalibration cal = m_slide->calibration();
    if (cal.objectivePower && *cal.objectivePower > 0) return *cal.objectivePower;
    return 10.0 / cal.mpp();
}

double SlideViewer::magnification() const {
    return nativeMagnification() * m_scale;
}

void SlideViewer::setMagnification(double mag) {
    zoomAt(mag / magnification(), QPointF(width() / 2.0, height() / 2.0), false);
}

double SlideViewer::fitScale() const {
    if (!m_slide) return 1;
    return 0.96 * std::min(width() / double(m_slide->width()), height() / double(m_slide->height()));
}

double SlideViewer::minScale() const {
    return std::min(fitScale() * 0.5, 0.5);
}

double SlideViewer::maxScale() const {
    return std::max(4.0, 80.0 / nativeMagnification());
}

void SlideViewer::clampView() {
    if (!m_slide) return;
    m_scale = std::clamp(m_scale, minScale(), maxScale());
    m_center.setX(std::clamp(m_center.x(), 0.0, double(m_slide->width())));
    m_center.setY(std::clamp(m_center.y(), 0.0, double(m_slide->height())));
}

void SlideViewer::setView(QPointF center, double scale) {
    m_zoomAnimation->stop();
    m_center = center;
    m_scale = scale;
    m_fitPending = false;
    clampView();
    emit viewChanged();
    update();
}

void SlideViewer::fitToWindow() {
    if (!m_slide) return;
    m_zoomAnimation->stop();
    m_center = QPointF(m_slide->width() / 2.0, m_slide->height() / 2.0);
    m_scale = fitScale();
    clampView();
    emit viewChanged();
    update();
}

void SlideViewer::zoomIn() {
    zoomAt(2.0, QPointF(width() / 2.0, height() / 2.0), m_animate);
}
void SlideViewer::zoomOut() {
    zoomAt(0.5, QPointF(width() / 2.0, height() / 2.0), m_animate);
}

void SlideViewer::zoomAt(double factor, QPointF anchor, bool animated) {
    if (!m_slide || factor <= 0) return;
    m_fitPending = false;
    const bool running = m_zoomAnimation->state() == QAbstractAnimation::Running;
    const double base = running ? m_zoomTarget : m_scale;
    const double target = std::clamp(base * factor, minScale(), maxScale());
    m_zoomAnchorScreen = anchor;
    m_zoomAnchorSlide = viewTransform().toSlide(anchor);
    if (!animated) {
        m_zoomAnimation->stop();
        m_scale = target;
        m_center = m_zoomAnchorSlide - (anchor - QPointF(width() / 2.0, height() / 2.0)) / m_scale;
        clampView();
        emit viewChanged();
        update();
        return;
    }
    // Retargeting a running animation keeps the motion continuous under fast wheel turns.
    m_zoomAnimation->stop();
    m_zoomStart = m_scale;
    m_zoomTarget = target;
    m_zoomAnimation->start();
}

void SlideViewer::panBy(QPointF screenDelta) {
    if (!m_slide) return;
    m_fitPending = false;
    if (m_zoomAnimation->state() == QAbstractAnimation::Running) {
        m_zoomAnchorScreen += screenDelta;  // the zoom keeps following the dragged point
    }
    m_center -= screenDelta / m_scale;
    clampView();
    emit viewChanged();
    update();
}

void SlideViewer::centerOn(QPointF slidePoint) {
    m_center = slidePoint;
    m_fitPending = false;
    clampView();
    emit viewChanged();
    update();
}

core::MultiPolygon SlideViewer::visibleRegion() const {
    if (!m_slide) return {};
    const QRectF r = viewTransform().visibleSlideRect().intersected(
        QRectF(0, 0, double(m_slide->width()), double(m_slide->height())));
    if (r.isEmpty()) return {};
    core::Polygon poly;
    poly.outer = {{r.left(), r.top()}, {r.right(), r.top()}, {r.right(), r.bottom()}, {r.left(), r.bottom()}};
    return core::MultiPolygon{{poly}};
}

void SlideViewer::setTool(ViewerTool tool) {
    m_tool = tool;
    m_polygon.clear();
    m_dragging = false;
    setCursor(tool == ViewerTool::Pan ? Qt::OpenHandCursor : Qt::CrossCursor);
    update();
}

void SlideViewer::cancelDrawing() {
    m_polygon.clear();
    m_dragging = false;
    update();
}

std::vector<TileKey> SlideViewer::neededTiles(const ViewTransform& view, int level) const {
    std::vector<TileKey> keys;
    const TilePyramid& pyr = m_loader->pyramid();
    const QRectF visible = view.visibleSlideRect();
    const double span = TilePyramid::kTileSize * TilePyramid::downsample(level);
    const int c0 = std::max(0, static_cast<int>(std::floor(visible.left() / span)));
    const int r0 = std::max(0, static_cast<int>(std::floor(visible.top() / span)));
    const int c1 = std::min(pyr.columns(level) - 1, static_cast<int>(std::floor(visible.right() / span)));
    const int r1 = std::min(pyr.rows(level) - 1, static_cast<int>(std::floor(visible.bottom() / span)));
    for (int r = r0; r <= r1; ++r)
        for (int c = c0; c <= c1; ++c) keys.push_back({level, c, r});
    // Nearest the centre first: what the eye looks at arrives first.
    const QPointF mid = view.center;
    std::sort(keys.begin(), keys.end(), [&](const TileKey& a, const TileKey& b) {
        auto d = [&](const TileKey& k) {
            const double cx = (k.col + 0.5) * span - mid.x(), cy = (k.row + 0.5) * span - mid.y();
            return cx * cx + cy * cy;
        };
        return d(a) < d(b);
    });
    return keys;
}

void SlideViewer::paintTiles(QPainter& p, const ViewTransform& view, bool requestMissing) const {
    const TilePyramid& pyr = m_loader->pyramid();
    const QRectF slideRect(0, 0, double(pyr.width()), double(pyr.height()));
    const QRect slideOnScreen = snapped(view, slideRect);
    p.fillRect(slideOnScreen, QColor(255, 255, 255));
    const bool smooth = m_zoomAnimation->state() != QAbstractAnimation::Running;
    p.setRenderHint(QPainter::SmoothPixmapTransform, smooth);
    if (!m_thumbnail.isNull()) p.drawImage(slideOnScreen, m_thumbnail);

    const int level = pyr.levelForScale(view.scale);
    const std::vector<TileKey> keys = neededTiles(view, level);
    std::vector<TileKey> missing;
    for (const TileKey& key : keys) {
        const QRectF tileRect = toQRect(pyr.tileRect(key));
        const QRect target = snapped(view, tileRect);
        if (const QPixmap* pm = m_loader->tile(key)) {
            p.drawPixmap(target, *pm);
            continue;
        }
        missing.push_back(key);
        // Stand in with the nearest coarser tile already cached.
        for (int up = 1; up <= 5 && level + up < pyr.levelCount(); ++up) {
            const TileKey parent{level + up, key.col >> up, key.row >> up};
            const QPixmap* pm = m_loader->tile(parent);
            if (!pm) continue;
            const QRectF parentRect = toQRect(pyr.tileRect(parent));
            const double pds = TilePyramid::downsample(parent.level);
            const QRectF source((tileRect.left() - parentRect.left()) / pds,
                                (tileRect.top() - parentRect.top()) / pds, tileRect.width() / pds,
                                tileRect.height() / pds);
            p.drawPixmap(QRectF(target), *pm, source);
            break;
        }
    }
    if (requestMissing && !m_slideGone) {
        // Also ask for the coarse overview tile so fast zoom-outs have something to show.
        const int top = pyr.levelCount() - 1;
        if (level != top && !m_loader->tile({top, 0, 0})) missing.push_back({top, 0, 0});
        m_loader->request(missing);
    }
}

void SlideViewer::paintHud(QPainter& p, const ViewTransform& view) const {
    if (!m_slide) return;
    p.setRenderHint(QPainter::Antialiasing, true);
    const double umPerPx = m_slide->calibration().mpp() / view.scale;
    const double length = niceLength(110 * umPerPx);
    const double px = length / umPerPx;
    const QString label =
        length >= 1000 ? QStringLiteral("%1 mm").arg(length / 1000.0) : QStringLiteral("%1 µm").arg(length);
    const QString mag = tr("%1×").arg(magnification(), 0, 'f', magnification() < 10 ? 1 : 0);
    QFont font = p.font();
    font.setPointSizeF(9);
    font.setBold(true);
    p.setFont(font);
    const QFontMetrics fm(font);
    const QRectF box(12, height() - 46, std::max(px, double(fm.horizontalAdvance(label))) + 20, 36);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(20, 20, 20, 170));
    p.drawRoundedRect(box, 5, 5);
    p.setPen(Qt::white);
    p.drawText(QRectF(box.left() + 10, box.top() + 3, box.width() - 20, 16), Qt::AlignLeft | Qt::AlignVCenter,
               label);
    const double y = box.bottom() - 10;
    p.setPen(QPen(Qt::white, 3, Qt::SolidLine, Qt::FlatCap));
    p.drawLine(QPointF(box.left() + 10, y), QPointF(box.left() + 10 + px, y));
    p.setPen(QPen(Qt::white, 2));
    p.drawLine(QPointF(box.left() + 10, y - 5), QPointF(box.left() + 10, y + 2));
    p.drawLine(QPointF(box.left() + 10 + px, y - 5), QPointF(box.left() + 10 + px, y + 2));

    const QString calibrated = m_slide->calibration().calibrated() ? QString() : tr(" (uncalibrated)");
    const QString magText = mag + calibrated;
    const QRectF magBox(box.right() + 8, box.top(), fm.horizontalAdvance(magText) + 20, 36);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(20, 20, 20, 170));
    p.drawRoundedRect(magBox, 5, 5);
    p.setPen(Qt::white);
    p.drawText(magBox, Qt::AlignCenter, magText);
    if (m_slideGone) {
        const QString gone = tr("Slide file no longer available");
        const QRectF warn(width() / 2.0 - fm.horizontalAdvance(gone) / 2.0 - 12, 12,
                          fm.horizontalAdvance(gone) + 24, 28);
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(180, 30, 30, 210));
        p.drawRoundedRect(warn, 5, 5);
        p.setPen(Qt::white);
        p.drawText(warn, Qt::AlignCenter, gone);
    }
}

void SlideViewer::paintDrawing(QPainter& p, const ViewTransform& view) const {
    p.setRenderHint(QPainter::Antialiasing, true);
    const QPen dark(QColor(0, 0, 0, 160), 4), bright(QColor(255, 220, 0), 2, Qt::DashLine);
    if (m_tool == ViewerTool::Rectangle && m_dragging) {
        const QRectF r = QRectF(view.toScreen(m_rectStart), view.toScreen(m_rectEnd)).normalized();
        p.setBrush(QColor(255, 230, 0, 30));
        p.setPen(dark);
        p.drawRect(r);
        p.setPen(bright);
        p.drawRect(r);
    }
    if (m_tool == ViewerTool::Polygon && !m_polygon.empty()) {
        QPolygonF poly;
        for (const QPointF& v : m_polygon) poly << view.toScreen(v);
        if (m_hover) poly << view.toScreen(m_hoverSlide);
        p.setBrush(QColor(255, 230, 0, 30));
        p.setPen(dark);
        p.drawPolygon(poly);
        p.setPen(bright);
        p.drawPolygon(poly);
        p.setBrush(QColor(255, 220, 0));
        p.setPen(Qt::black);
        for (const QPointF& v : m_polygon) p.drawEllipse(view.toScreen(v), 3.5, 3.5);
    }
}

void SlideViewer::paintView(QPainter& p, const ViewTransform& view, bool withOverlay, bool withHud,
                            bool requestMissing) const {
    p.fillRect(QRectF(QPointF(0, 0), view.viewport), QColor(48, 50, 54));
    if (!m_slide) {
        p.setPen(QColor(190, 190, 190));
        QFont font = p.font();
        font.setPointSizeF(12);
        p.setFont(font);
        p.drawText(QRectF(QPointF(0, 0), view.viewport), Qt::AlignCenter,
                   tr("Open a slide (File ▸ Open, Ctrl+O) or drop one here"));
        return;
    }
    paintTiles(p, view, requestMissing);
    if (withOverlay && m_overlay.hasContent()) {
        const QSize size = view.viewport.toSize();
        const bool same = m_overlayLayer.size() == size && m_overlayView.center == view.center &&
                          m_overlayView.scale == view.scale && m_overlayView.viewport == view.viewport;
        if (m_overlayDirty || !same) {
            if (m_overlayLayer.size() != size)
                m_overlayLayer = QImage(size, QImage::Format_ARGB32_Premultiplied);
            m_overlayLayer.fill(Qt::transparent);
            m_lastStats = m_overlay.render(m_overlayLayer, view);
            m_overlayView = view;
            m_overlayDirty = false;
        }
        p.drawImage(0, 0, m_overlayLayer);
    }
    paintDrawing(p, view);
    if (withHud) paintHud(p, view);
}

void SlideViewer::paintEvent(QPaintEvent*) {
    QElapsedTimer timer;
    timer.start();
    QPainter p(this);
    paintView(p, viewTransform(), true, m_hudVisible, true);
    m_lastFrameMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

QImage SlideViewer::renderView(bool withOverlay, bool withHud) const {
    QImage image(size(), QImage::Format_RGB32);
    QPainter p(&image);
    paintView(p, viewTransform(), withOverlay, withHud, false);
    return image;
}

bool SlideViewer::waitForTiles(int timeoutMs) {
    if (!m_slide) return true;
    m_loader->request(neededTiles(viewTransform(), m_loader->pyramid().levelForScale(m_scale)));
    return m_loader->waitForIdle(timeoutMs);
}

void SlideViewer::resizeEvent(QResizeEvent*) {
    if (m_fitPending) fitToWindow();
    clampView();
    const QSize mm = m_miniMap->size();
    m_miniMap->setGeometry(width() - mm.width() - 12, 12, mm.width(), mm.height());
    emit viewChanged();
}

void SlideViewer::wheelEvent(QWheelEvent* event) {
    double steps = event->angleDelta().y() / 120.0;
    if (steps == 0 && !event->pixelDelta().isNull()) steps = event->pixelDelta().y() / 60.0;
    if (steps != 0) zoomAt(std::pow(kWheelStep, steps), event->position(), m_animate);
    event->accept();
}

void SlideViewer::mousePressEvent(QMouseEvent* event) {
    setFocus();
    m_pressPos = m_lastPos = event->position();
    m_moved = false;
    m_dragButton = event->button();
    if (!m_slide) return;
    const QPointF slidePos = viewTransform().toSlide(event->position());
    if (event->button() == Qt::MiddleButton ||
        (event->button() == Qt::LeftButton && m_tool == ViewerTool::Pan)) {
        m_dragging = true;
        setCursor(Qt::ClosedHandCursor);
    } else if (event->button() == Qt::LeftButton && m_tool == ViewerTool::Rectangle) {
        m_dragging = true;
        m_rectStart = m_rectEnd = slidePos;
    } else if (event->button() == Qt::LeftButton && m_tool == ViewerTool::Polygon) {
        m_polygon.push_back(slidePos);
        update();
    } else if (event->button() == Qt::RightButton && m_tool == ViewerTool::Polygon) {
        finishPolygon();
    }
}

void SlideViewer::mouseMoveEvent(QMouseEvent* event) {
    const QPointF pos = event->position();
    if (m_slide) {
        m_hoverSlide = viewTransform().toSlide(pos);
        m_hover = true;
        emit cursorMoved(m_hoverSlide);
    }
    if ((pos - m_pressPos).manhattanLength() > kClickSlop) m_moved = true;
    if (m_dragging) {
        if (m_dragButton == Qt::MiddleButton || m_tool == ViewerTool::Pan) {
            panBy(pos - m_lastPos);
        } else if (m_tool == ViewerTool::Rectangle) {
            m_rectEnd = m_hoverSlide;
            update();
        }
    } else if (m_tool == ViewerTool::Polygon && !m_polygon.empty()) {
        update();
    }
    m_lastPos = pos;
}

void SlideViewer::mouseReleaseEvent(QMouseEvent* event) {
    if (!m_slide) return;
    const bool wasDragging = m_dragging;
    m_dragging = false;
    if (m_tool == ViewerTool::Pan || m_dragButton == Qt::MiddleButton)
        setCursor(m_tool == ViewerTool::Pan ? Qt::OpenHandCursor : Qt::CrossCursor);
    if (event->button() == Qt::LeftButton && m_tool == ViewerTool::Pan && !m_moved) {
        const QPointF slidePos = viewTransform().toSlide(event->position());
        if (const auto cell = m_overlay.cellAt(slidePos.x(), slidePos.y(), 8.0 / m_scale)) {
            m_overlay.setSelectedCell(cell);
            overlayChanged();
            emit cellClicked(*cell);
        } else {
            if (m_overlay.selectedCell()) {
                m_overlay.setSelectedCell(std::nullopt);
                overlayChanged();
            }
            emit emptyClicked(slidePos);
        }
    } else if (wasDragging && event->button() == Qt::LeftButton && m_tool == ViewerTool::Rectangle) {
        const QRectF slideBounds(0, 0, double(m_slide->width()), double(m_slide->height()));
        const QRectF r = QRectF(m_rectStart, m_rectEnd).normalized().intersected(slideBounds);
        update();
        if (r.width() * m_scale >= 3 && r.height() * m_scale >= 3) {
            core::Polygon poly;
            poly.outer = {
                {r.left(), r.top()}, {r.right(), r.top()}, {r.right(), r.bottom()}, {r.left(), r.bottom()}};
            emit roiDrawn(core::MultiPolygon{{poly}});
        }
    }
}

void SlideViewer::mouseDoubleClickEvent(QMouseEvent* event) {
    if (m_tool == ViewerTool::Polygon && event->button() == Qt::LeftButton) {
        finishPolygon();
    } else if (m_tool == ViewerTool::Pan && event->button() == Qt::LeftButton) {
        zoomAt(2.0, event->position(), m_animate);
    }
}

void SlideViewer::finishPolygon() {
    // A double click also delivered a press: drop vertices that repeat the last one.
    const double slop = kClickSlop / m_scale;
    while (m_polygon.size() >= 2) {
        const QPointF d = m_polygon[m_polygon.size() - 1] - m_polygon[m_polygon.size() - 2];
        if (std::abs(d.x()) > slop || std::abs(d.y()) > slop) break;
        m_polygon.pop_back();
    }
    if (m_polygon.size() >= 3) {
        core::Polygon poly;
        for (const QPointF& v : m_polygon) poly.outer.push_back({v.x(), v.y()});
        m_polygon.clear();
        update();
        emit roiDrawn(core::MultiPolygon{{poly}});
        return;
    }
    m_polygon.clear();
    update();
}

void SlideViewer::keyPressEvent(QKeyEvent* event) {
    const double step = 80;
    switch (event->key()) {
        case Qt::Key_Escape:
            cancelDrawing();
            break;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            finishPolygon();
            break;
        case Qt::Key_Backspace:
            if (!m_polygon.empty()) m_polygon.pop_back();
            update();
            break;
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            zoomIn();
            break;
        case Qt::Key_Minus:
            zoomOut();
            break;
        case Qt::Key_0:
            fitToWindow();
            break;
        case Qt::Key_Left:
            panBy({step, 0});
            break;
        case Qt::Key_Right:
            panBy({-step, 0});
            break;
        case Qt::Key_Up:
            panBy({0, step});
            break;
        case Qt::Key_Down:
            panBy({0, -step});
            break;
        default:
            QWidget::keyPressEvent(event);
    }
}

void SlideViewer::leaveEvent(QEvent*) {
    m_hover = false;
    update();
}

// ---------------------------------------------------------------------------- MiniMap

MiniMap::MiniMap(SlideViewer* viewer) : QWidget(viewer), m_viewer(viewer) {
    setCursor(Qt::PointingHandCursor);
    setFixedSize(200, 150);
    connect(viewer, &SlideViewer::viewChanged, this, qOverload<>(&QWidget::update));
}

void MiniMap::setThumbnail(const QImage& image) {
    m_pixmap = image.isNull() ? QPixmap()
                              : QPixmap::fromImage(image.scaled(QSize(400, 400), Qt::KeepAspectRatio,
                                                                Qt::SmoothTransformation));
    if (!image.isNull()) {
        const QSize s = image.size().scaled(QSize(196, 146), Qt::KeepAspectRatio);
        setFixedSize(s.width() + 4, s.height() + 4);
        move(parentWidget()->width() - width() - 12, 12);
    }
    update();
}

QRectF MiniMap::imageRect() const {
    return QRectF(2, 2, width() - 4, height() - 4);
}

void MiniMap::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::SmoothPixmapTransform, true);
    p.fillRect(rect(), QColor(20, 20, 20, 200));
    const QRectF ir = imageRect();
    if (!m_pixmap.isNull()) p.drawPixmap(ir, m_pixmap, m_pixmap.rect());
    const auto& slide = m_viewer->slide();
    if (!slide) return;
    const QRectF visible = m_viewer->viewTransform().visibleSlideRect();
    const double sx = ir.width() / double(slide->width()), sy = ir.height() / double(slide->height());
    QRectF r(ir.left() + visible.left() * sx, ir.top() + visible.top() * sy, visible.width() * sx,
             visible.height() * sy);
    r = r.intersected(ir.adjusted(-1, -1, 1, 1));
    if (r.width() < 3) r.setWidth(3);
    if (r.height() < 3) r.setHeight(3);
    p.setPen(QPen(QColor(255, 60, 60), 2));
    p.setBrush(QColor(255, 60, 60, 20));
    p.drawRect(r);
    p.setPen(QPen(QColor(90, 90, 90), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(rect().adjusted(0, 0, -1, -1));
}

void MiniMap::navigate(QPointF pos) {
    const auto& slide = m_viewer->slide();
    if (!slide) return;
    const QRectF ir = imageRect();
    m_viewer->centerOn(QPointF((pos.x() - ir.left()) / ir.width() * double(slide->width()),
                               (pos.y() - ir.top()) / ir.height() * double(slide->height())));
}

void MiniMap::mousePressEvent(QMouseEvent* event) {
    navigate(event->position());
}
void MiniMap::mouseMoveEvent(QMouseEvent* event) {
    if (event->buttons() & Qt::LeftButton) navigate(event->position());
}

}  // namespace her2::ui
