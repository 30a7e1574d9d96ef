#pragma once
/// @file Draws what an analysis produced over the slide: cells coloured by class, a class
/// density heat map, the ROI, FISH nuclei and spots. It never computes measurements.
///
/// Level of detail keeps a million cells smooth: cell outlines when few cells are on
/// screen and they are large enough to read, centroid dots in between, and a precomputed
/// class-density image when zoomed out. Only cells the spatial index returns for the
/// viewport are visited.
#include <QColor>
#include <QImage>
#include <QRectF>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "her2/core/CellTable.hpp"
#include "her2/core/FishTypes.hpp"
#include "her2/core/Geometry.hpp"
#include "her2/models/CellSpatialIndex.hpp"
#include "her2/ui/ViewTransform.hpp"

class QPainter;

namespace her2::ui {

/// How the cell layer was drawn in the last frame.
enum class CellDrawMode { None, HeatMap, Dots, Outlines };

/// Which layers are drawn and how strongly. Value type.
struct OverlaySettings {
    bool cells = true;    ///< outlines / dots of IHC cells
    bool heatMap = true;  ///< class density when zoomed out
    bool roi = true;
    bool fishNuclei = true;
    bool her2Spots = true;
    bool cep17Spots = true;
    bool excludedCells = true;  ///< stroma, lymphocytes, ... in grey
    bool imageOverlay = true;   ///< an overlay picture (QA review)
    double opacity = 0.8;       ///< 0-1, applied to every layer but the ROI
    /// Outlines are drawn only when at most this many cells are in view ...
    std::size_t maxOutlineCells = 5000;
    /// ... and a cell is at least this wide on screen (px).
    double minOutlinePixels = 7;
    /// Dots are drawn up to this many cells in view; beyond that, the heat map.
    std::size_t maxDotCells = 150000;
};

/// Counters of the last frame, for tests and the benchmark.
struct OverlayFrameStats {
    CellDrawMode mode = CellDrawMode::None;
    std::size_t cellsDrawn = 0;
};

/// Holds the overlay data and renders it. Not a QObject; used on the GUI thread (or any
/// one thread at a time).
class OverlayRenderer {
public:
    OverlayRenderer();

    /// Sets IHC cells (may be null); builds the spatial index and the heat map: O(n).
    void setCells(std::shared_ptr<const core::CellTable> cells);
    const std::shared_ptr<const core::CellTable>& cells() const noexcept { return m_cells; }
    const models::CellSpatialIndex& cellIndex() const noexcept { return m_index; }

    void setFish(std::vector<core::FishNucleus> nuclei, std::vector<core::FishSpot> spots);
    const std::vector<core::FishNucleus>& nuclei() const noexcept { return m_nuclei; }
    const std::vector<core::FishSpot>& spots() const noexcept { return m_spots; }

    void setRoi(core::MultiPolygon roi) { m_roi = std::move(roi); }
    const core::MultiPolygon& roi() const noexcept { return m_roi; }

    /// A picture stretched over a level-0 rectangle (the batch overlay PNG of a QA case).
    void setImageOverlay(QImage image, QRectF slideRect);
    bool hasImageOverlay() const noexcept { return !m_overlayImage.isNull(); }

    void setSelectedCell(std::optional<std::size_t> cell) { m_selected = cell; }
    std::optional<std::size_t> selectedCell() const noexcept { return m_selected; }

    OverlaySettings& settings() noexcept { return m_settings; }
    const OverlaySettings& settings() const noexcept { return m_settings; }

    bool hasContent() const noexcept;
    void clear();

    /// Draws every enabled layer onto `target` (ARGB32 premultiplied, viewport-sized).
    OverlayFrameStats render(QImage& target, const ViewTransform& view) const;

    /// The cell under a level-0 point: the one whose outline contains it, else the nearest
    /// centroid within `radius` level-0 px.
    std::optional<std::size_t> cellAt(double x, double y, double radius) const;

    /// Display colour of a cell class (0, 1+, 2+, 3+) and of excluded cells.
    static QColor classColour(core::CellScore score);
    static QColor excludedColour();

private:
    void buildHeatMap();
    void drawHeatMap(QPainter& p, const ViewTransform& view) const;
    std::size_t drawDots(QImage& target, const ViewTransform& view, const QRectF& visible) const;
    std::size_t drawOutlines(QPainter& p, const ViewTransform& view, const QRectF& visible) const;
    void drawFish(QPainter& p, const ViewTransform& view, const QRectF& visible) const;
    void drawRoi(QPainter& p, const ViewTransform& view) const;

    std::shared_ptr<const core::CellTable> m_cells;
    models::CellSpatialIndex m_index;
    double m_meanCellDiameter = 0;  ///< level-0 px
    QImage m_heatMap;               ///< one pixel per bucket, premultiplied
    double m_heatBucket = 1;        ///< level-0 px per heat-map pixel

    std::vector<core::FishNucleus> m_nuclei;
    std::vector<core::FishSpot> m_spots;
    std::vector<float> m_nucleusX, m_nucleusY;
    models::CellSpatialIndex m_nucleusIndex;

    core::MultiPolygon m_roi;
    QImage m_overlayImage;
    QRectF m_overlayRect;
    std::optional<std::size_t> m_selected;
    OverlaySettings m_settings;
};

}  // namespace her2::ui
