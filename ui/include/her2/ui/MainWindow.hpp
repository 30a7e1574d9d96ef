#pragma once
/// @file The desktop viewer's main window: slide viewer in the middle; batch slides,
/// analysis and score, cell inspector, properties and QA review in docks.
#include <QFutureWatcher>
#include <QMainWindow>
#include <memory>
#include <optional>

#include "her2/core/CellTable.hpp"
#include "her2/core/Geometry.hpp"
#include "her2/imaging/AnalysisPipeline.hpp"

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QSlider;
class QTableView;
class QTableWidget;
class QSortFilterProxyModel;

namespace her2::models {
class SlideListModel;
class CellTableModel;
class QaTableModel;
}  // namespace her2::models

namespace her2::ui {

class SlideViewer;
class AnalysisController;
class AnalysisPanel;
class ScorePanel;
class PropertiesPanel;

/// GUI-thread widget. Every file operation reports failures through ErrorReporter and
/// leaves the window usable with what it showed before.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens a slide; false (and a message) when it cannot be opened.
    bool openSlide(const QString& path);
    /// Opens a batch output folder (or its summary.csv) in the Slides dock.
    bool openBatch(const QString& path);
    /// Loads cells from a GeoJSON file on a worker thread; `wait` blocks until loaded.
    bool loadCells(const QString& path, bool wait = false);
    /// Loads a region of interest from GeoJSON.
    bool loadRoi(const QString& path);
    /// Loads QADIR/qa.json (or the folder) into the QA dock and opens the first discordant slide.
    bool loadQa(const QString& path);
    /// Opens discordant case `row` of the QA result at its overlay.
    bool showDiscordant(int row);

    /// Starts the analysis with the choices of the analysis panel.
    bool runAnalysis();
    void cancelAnalysis();

    bool exportReportJson(const QString& path);
    bool exportCellsCsv(const QString& path);
    bool exportCellsGeoJson(const QString& path);
    /// PNG of the current view with the overlay and scale bar.
    bool exportSnapshot(const QString& path);

    /// The drawn ROI (empty when none).
    const core::MultiPolygon& roi() const noexcept { return m_roi; }
    void setRoi(core::MultiPolygon roi);

    SlideViewer* viewer() const noexcept { return m_viewer; }
    ScorePanel* scorePanel() const noexcept { return m_scorePanel; }
    AnalysisPanel* analysisPanel() const noexcept { return m_analysisPanel; }
    AnalysisController* analysisController() const noexcept { return m_controller; }
    PropertiesPanel* propertiesPanel() const noexcept { return m_properties; }
    models::SlideListModel* slideListModel() const noexcept { return m_slideList; }
    models::CellTableModel* cellTableModel() const noexcept { return m_cellModel; }
    models::QaTableModel* qaTableModel() const noexcept { return m_qaModel; }
    /// Current analysis (a run, or cells loaded from a file); null when none.
    const std::shared_ptr<const imaging::SlideAnalysis>& analysis() const noexcept { return m_analysis; }
    int currentDiscordant() const noexcept { return m_qaRow; }
    QStringList recentFiles() const;
    /// Text of the cell inspector (one "name: value" line per measure), for tests.
    QString cellInspectorText() const;

public slots:
    void nextDiscordant();
    void previousDiscordant();
    void showCell(std::size_t cell);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createDocks();
    void updateRecentMenu();
    void addRecent(const QString& path);
    void setAnalysis(std::shared_ptr<const imaging::SlideAnalysis> analysis, bool fromRun);
    void updateStatus();
    void updateTitle();
    void error(const QString& title, const QString& text);
    void onAnalysisFinished(std::shared_ptr<const imaging::SlideAnalysis> analysis);
    void openPath(const QString& path);
    void applyOverlaySettings();
    void editParameters();

    SlideViewer* m_viewer = nullptr;
    AnalysisController* m_controller = nullptr;
    AnalysisPanel* m_analysisPanel = nullptr;
    ScorePanel* m_scorePanel = nullptr;
    PropertiesPanel* m_properties = nullptr;
    models::SlideListModel* m_slideList = nullptr;
    QSortFilterProxyModel* m_slideProxy = nullptr;
    models::CellTableModel* m_cellModel = nullptr;
    models::QaTableModel* m_qaModel = nullptr;
    QTableView* m_slideView = nullptr;
    QTableView* m_cellView = nullptr;
    QTableView* m_qaView = nullptr;
    QTableWidget* m_inspector = nullptr;
    QLabel* m_qaSummary = nullptr;
    QLabel* m_qaCase = nullptr;
    QDockWidget* m_slidesDock = nullptr;
    QDockWidget* m_qaDock = nullptr;
    QDockWidget* m_cellsDock = nullptr;
    QMenu* m_recentMenu = nullptr;
    QSlider* m_opacity = nullptr;
    QLabel* m_positionLabel = nullptr;
    QLabel* m_magLabel = nullptr;
    QLabel* m_cacheLabel = nullptr;
    struct LayerActions {
        QAction* cells = nullptr;
        QAction* heatMap = nullptr;
        QAction* roi = nullptr;
        QAction* nuclei = nullptr;
        QAction* her2 = nullptr;
        QAction* cep17 = nullptr;
        QAction* excluded = nullptr;
        QAction* image = nullptr;
    } m_layers;
    QAction* m_panTool = nullptr;
    QAction* m_rectTool = nullptr;
    QAction* m_polyTool = nullptr;

    std::shared_ptr<const imaging::SlideSource> m_slide;
    std::shared_ptr<const imaging::SlideAnalysis> m_analysis;
    bool m_hasReport = false;
    core::MultiPolygon m_roi;
    int m_qaRow = -1;
    /// Cells read on a worker thread; an error travels as text so waiting never throws.
    struct LoadedCells {
        std::shared_ptr<imaging::SlideAnalysis> analysis;
        QString error;
    };
    QFutureWatcher<LoadedCells>* m_cellLoader = nullptr;
};

}  // namespace her2::ui
