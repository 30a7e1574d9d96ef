#pragma once
/// @file The slide viewer: tiled multi-resolution rendering of any SlideSource, smooth
/// zoom and pan that never wait for the disk, overlays, ROI drawing and cell picking.
#include <QElapsedTimer>
#include <QImage>
#include <QPointer>
#include <QVariantAnimation>
#include <QWidget>
#include <memory>
#include <optional>

#include "her2/core/Geometry.hpp"
#include "her2/imaging/SlideSource.hpp"
#include "her2/ui/OverlayRenderer.hpp"
#include "her2/ui/TileLoader.hpp"
#include "her2/ui/ViewTransform.hpp"

class QFileSystemWatcher;

namespace her2::ui {

class MiniMap;

/// What a left-button drag does.
enum class ViewerTool { Pan, Rectangle, Polygon };

/// GUI-thread widget. Tiles are read on worker threads by a TileLoader; painting only uses
/// what is cached (a coarser tile or the thumbnail stands in for a missing one).
class SlideViewer : public QWidget {
    Q_OBJECT
public:
    explicit SlideViewer(QWidget* parent = nullptr);
    ~SlideViewer() override;

    /// Shows a slide (null: none) fitted to the window. The viewer shares ownership so
    /// worker threads can finish reading after the slide is replaced.
    void setSlide(std::shared_ptr<const imaging::SlideSource> slide);
    const std::shared_ptr<const imaging::SlideSource>& slide() const noexcept { return m_slide; }
    bool hasSlide() const noexcept { return static_cast<bool>(m_slide); }

    /// The overlay layers; call overlayChanged() after modifying them.
    OverlayRenderer& overlay() noexcept { return m_overlay; }
    const OverlayRenderer& overlay() const noexcept { return m_overlay; }
    void overlayChanged();
    const OverlayFrameStats& lastOverlayStats() const noexcept { return m_lastStats; }

    ViewTransform viewTransform() const;
    double scale() const noexcept { return m_scale; }
    QPointF center() const noexcept { return m_center; }
    /// Sets the view at once (no animation); clamps scale and keeps the slide in reach.
    void setView(QPointF center, double scale);
    /// Objective magnification the current zoom corresponds to (e.g. 10 for 10x).
    double magnification() const;
    /// Magnification of level 0: the objective power, else 10 µm / mpp (0.25 µm: 40x).
    double nativeMagnification() const;
    /// Zooms so that level 0 is shown at `mag` (e.g. 40 for 40x), around the centre.
    void setMagnification(double mag);
    double fitScale() const;
    double minScale() const;
    double maxScale() const;

    ViewerTool tool() const noexcept { return m_tool; }
    void setTool(ViewerTool tool);
    /// Shows or hides the scale bar, magnification and minimap (on by default); off gives
    /// a picture of the slide alone, as for a reference comparison.
    void setHudVisible(bool on);
    bool hudVisible() const noexcept { return m_hudVisible; }
    /// Turns smooth (animated) zoom off, e.g. for tests.
    void setAnimationsEnabled(bool on) { m_animate = on; }

    /// The level-0 rectangle in view, clipped to the slide, as a polygon ROI.
    core::MultiPolygon visibleRegion() const;

    /// Loads every tile the current view needs and waits for them (bounded by timeoutMs).
    bool waitForTiles(int timeoutMs = 10000);
    /// Renders the current view (tiles, overlay when asked, scale bar) into an image of the
    /// widget's size; cached tiles only.
    QImage renderView(bool withOverlay, bool withHud) const;

    TileLoader& tileLoader() noexcept { return *m_loader; }
    MiniMap* miniMap() const noexcept { return m_miniMap; }
    /// True when the slide file disappeared while open (cached tiles are still shown).
    bool slideGone() const noexcept { return m_slideGone; }
    /// The frame time of the last paint, ms.
    double lastFrameMs() const noexcept { return m_lastFrameMs; }

public slots:
    void zoomIn();
    void zoomOut();
    /// Multiplies the scale by `factor` keeping the slide point under `anchor` (widget px) fixed.
    void zoomAt(double factor, QPointF anchor, bool animated);
    void fitToWindow();
    void panBy(QPointF screenDelta);
    /// Centres a level-0 point, keeping the zoom.
    void centerOn(QPointF slidePoint);
    void cancelDrawing();

signals:
    void viewChanged();
    /// A rectangle or polygon ROI was completed (level-0 px).
    void roiDrawn(const her2::core::MultiPolygon& roi);
    void cellClicked(std::size_t cell);
    /// A click that hit no cell.
    void emptyClicked(QPointF slidePoint);
    void cursorMoved(QPointF slidePoint);
    /// Tiles could not be read (corrupt data) or the file vanished: one message per slide.
    void slideError(const QString& message);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void paintView(QPainter& p, const ViewTransform& view, bool withOverlay, bool withHud,
                   bool requestMissing) const;
    void paintTiles(QPainter& p, const ViewTransform& view, bool requestMissing) const;
    void paintHud(QPainter& p, const ViewTransform& view) const;
    void paintDrawing(QPainter& p, const ViewTransform& view) const;
    std::vector<TileKey> neededTiles(const ViewTransform& view, int level) const;
    void clampView();
    void finishPolygon();
    void onSlideFileChanged(const QString& path);
    void loadThumbnail();

    std::shared_ptr<const imaging::SlideSource> m_slide;
    QPointer<TileLoader> m_loader;
    OverlayRenderer m_overlay;
    QPointF m_center;
    double m_scale = 1;
    bool m_fitPending = true;

    // Thumbnail under everything so an unloaded area is never blank.
    QImage m_thumbnail;
    std::uint64_t m_thumbnailGeneration = 0;

    // Overlay layer cache: re-rendered only when the view or the data changes.
    mutable QImage m_overlayLayer;
    mutable ViewTransform m_overlayView;
    mutable bool m_overlayDirty = true;
    mutable OverlayFrameStats m_lastStats;

    QVariantAnimation* m_zoomAnimation = nullptr;
    double m_zoomStart = 1;
    double m_zoomTarget = 1;
    QPointF m_zoomAnchorScreen, m_zoomAnchorSlide;
    bool m_animate = true;
    bool m_hudVisible = true;

    ViewerTool m_tool = ViewerTool::Pan;
    bool m_dragging = false;
    bool m_moved = false;
    QPointF m_pressPos, m_lastPos;
    Qt::MouseButton m_dragButton = Qt::NoButton;
    QPointF m_rectStart, m_rectEnd;  ///< level-0
    std::vector<QPointF> m_polygon;  ///< level-0 vertices of the polygon being drawn
    QPointF m_hoverSlide;
    bool m_hover = false;

    MiniMap* m_miniMap = nullptr;
    QFileSystemWatcher* m_watcher = nullptr;
    bool m_slideGone = false;
    mutable double m_lastFrameMs = 0;
};

/// Small overview in a corner of the viewer with the viewport rectangle; click or drag
/// to move the view there.
class MiniMap : public QWidget {
    Q_OBJECT
public:
    explicit MiniMap(SlideViewer* viewer);
    void setThumbnail(const QImage& image);
    /// Widget rectangle the thumbnail is drawn in.
    QRectF imageRect() const;

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    void navigate(QPointF pos);
    SlideViewer* m_viewer;
    QPixmap m_pixmap;
};

}  // namespace her2::ui
