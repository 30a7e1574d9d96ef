#include "her2/ui/MainWindow.hpp"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QImageReader>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <sstream>

#include "her2/core/Errors.hpp"
#include "her2/core/GeoJson.hpp"
#include "her2/imaging/AtomicFile.hpp"
#include "her2/imaging/SlideReport.hpp"
#include "her2/models/CellFeatureImport.hpp"
#include "her2/models/CellTableModel.hpp"
#include "her2/models/QaTableModel.hpp"
#include "her2/models/SlideListModel.hpp"
#include "her2/ui/AnalysisController.hpp"
#include "her2/ui/AnalysisPanel.hpp"
#include "her2/ui/ErrorReporter.hpp"
#include "her2/ui/ParamForm.hpp"
#include "her2/ui/PropertiesPanel.hpp"
#include "her2/ui/ReportFile.hpp"
#include "her2/ui/ScorePanel.hpp"
#include "her2/ui/SlideViewer.hpp"

namespace her2::ui {
namespace {

constexpr int kMaxRecent = 10;

QString native(const QString& path) {
    return QDir::toNativeSeparators(path);
}

bool isImageFile(const QString& path) {
    const QString s = QFileInfo(path).suffix().toLower();
    return s == QLatin1String("png") || s == QLatin1String("jpg") || s == QLatin1String("jpeg");
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("MainWindow"));
    setAcceptDrops(true);
    resize(1400, 900);
    m_viewer = new SlideViewer(this);
    setCentralWidget(m_viewer);
    m_controller = new AnalysisController(this);
    m_slideList = new models::SlideListModel(this);
    m_cellModel = new models::CellTableModel(this);
    m_qaModel = new models::QaTableModel(this);
    m_cellLoader = new QFutureWatcher<LoadedCells>(this);
    createDocks();
    createActions();

    connect(m_viewer, &SlideViewer::roiDrawn, this, [this](const core::MultiPolygon& roi) {
        setRoi(roi);
        m_panTool->trigger();
    });
    connect(m_viewer, &SlideViewer::cellClicked, this, &MainWindow::showCell);
    connect(m_viewer, &SlideViewer::slideError, this, [this](const QString& message) {
        ErrorReporter::report(this, MessageKind::Warning, tr("Slide"), message);
    });
    connect(m_viewer, &SlideViewer::viewChanged, this, &MainWindow::updateStatus);
    connect(m_viewer, &SlideViewer::cursorMoved, this, [this](QPointF p) {
        if (!m_slide) return;
        const double mpp = m_slide->calibration().mpp();
        m_positionLabel->setText(tr("x %1  y %2 px  (%3, %4 mm)")
                                     .arg(qlonglong(p.x()))
                                     .arg(qlonglong(p.y()))
                                     .arg(p.x() * mpp / 1000, 0, 'f', 3)
                                     .arg(p.y() * mpp / 1000, 0, 'f', 3));
    });

    connect(m_analysisPanel, &AnalysisPanel::runRequested, this, &MainWindow::runAnalysis);
    connect(m_analysisPanel, &AnalysisPanel::cancelRequested, this, &MainWindow::cancelAnalysis);
    connect(m_analysisPanel, &AnalysisPanel::editParametersRequested, this, &MainWindow::editParameters);
    connect(m_controller, &AnalysisController::progressChanged, m_analysisPanel, &AnalysisPanel::setProgress);
    connect(m_controller, &AnalysisController::finished, this, &MainWindow::onAnalysisFinished);
    connect(m_controller, &AnalysisController::cancelled, this, [this] {
        m_analysisPanel->setStatusText(tr("Analysis cancelled."));
        m_analysisPanel->setProgress(0, tr("cancelled"));
    });
    connect(m_controller, &AnalysisController::failed, this, [this](const QString& message) {
        m_analysisPanel->setStatusText(tr("Analysis failed: %1").arg(message));
        m_analysisPanel->setProgress(0, tr("failed"));
        error(tr("Analysis"), message);
    });
    connect(m_controller, &AnalysisController::stopped, this, [this] { m_analysisPanel->setRunning(false); });
    connect(m_cellLoader, &QFutureWatcher<LoadedCells>::finished, this, [this] {
        QApplication::restoreOverrideCursor();
        LoadedCells loaded = m_cellLoader->result();
        if (!loaded.error.isEmpty()) {
            error(tr("Load cells"), loaded.error);
        } else if (loaded.analysis) {
            setAnalysis(std::move(loaded.analysis), false);
        }
    });

    auto* timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, &MainWindow::updateStatus);
    timer->start(500);
    updateTitle();
    updateStatus();
}

MainWindow::~MainWindow() {
    m_controller->cancel();
    m_cellLoader->waitForFinished();
}

void MainWindow::error(const QString& title, const QString& text) {
    ErrorReporter::report(this, MessageKind::Error, title, text);
}

void MainWindow::createDocks() {
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);

    // Right: analysis + score in one scrollable column.
    auto* analysisWidget = new QWidget(this);
    auto* analysisLayout = new QVBoxLayout(analysisWidget);
    analysisLayout->setContentsMargins(0, 0, 0, 0);
    m_analysisPanel = new AnalysisPanel(analysisWidget);
    m_scorePanel = new ScorePanel(analysisWidget);
    analysisLayout->addWidget(m_analysisPanel);
    analysisLayout->addWidget(m_scorePanel, 1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(analysisWidget);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* analysisDock = new QDockWidget(tr("Analysis and score"), this);
    analysisDock->setObjectName(QStringLiteral("analysisDock"));
    analysisDock->setWidget(scroll);
    analysisDock->setMinimumWidth(330);
    addDockWidget(Qt::RightDockWidgetArea, analysisDock);

    m_inspector = new QTableWidget(0, 2, this);
    m_inspector->setHorizontalHeaderLabels({tr("Measure"), tr("Value")});
    m_inspector->horizontalHeader()->setStretchLastSection(true);
    m_inspector->verticalHeader()->hide();
    m_inspector->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_inspector->setAlternatingRowColors(true);
    auto* inspectorDock = new QDockWidget(tr("Cell"), this);
    inspectorDock->setObjectName(QStringLiteral("cellDock"));
    inspectorDock->setWidget(m_inspector);
    addDockWidget(Qt::RightDockWidgetArea, inspectorDock);

    m_properties = new PropertiesPanel(this);
    auto* propertiesDock = new QDockWidget(tr("Properties"), this);
    propertiesDock->setObjectName(QStringLiteral("propertiesDock"));
    propertiesDock->setWidget(m_properties);
    addDockWidget(Qt::RightDockWidgetArea, propertiesDock);
    tabifyDockWidget(inspectorDock, propertiesDock);
    inspectorDock->raise();

    // Left: batch slides and QA review.
    m_slideProxy = new QSortFilterProxyModel(this);
    m_slideProxy->setSourceModel(m_slideList);
    m_slideView = new QTableView(this);
    m_slideView->setModel(m_slideProxy);
    m_slideView->setSortingEnabled(true);
    m_slideView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_slideView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_slideView->verticalHeader()->hide();
    m_slideView->setAlternatingRowColors(true);
    m_slidesDock = new QDockWidget(tr("Batch slides"), this);
    m_slidesDock->setObjectName(QStringLiteral("slidesDock"));
    m_slidesDock->setWidget(m_slideView);
    addDockWidget(Qt::LeftDockWidgetArea, m_slidesDock);
    m_slidesDock->hide();
    connect(m_slideView, &QTableView::activated, this, [this](const QModelIndex& proxyIndex) {
        const QModelIndex index = m_slideProxy->mapToSource(proxyIndex);
        const QString slide = index.data(models::SlideListModel::SlidePathRole).toString();
        if (slide.isEmpty()) {
            error(tr("Batch"), tr("%1: the slide file was not found")
                                   .arg(index.data(models::SlideListModel::SlideNameRole).toString()));
            return;
        }
        if (!openSlide(slide)) return;
        const QString report = index.data(models::SlideListModel::ReportJsonRole).toString();
        if (!report.isEmpty()) {
            try {
                const ReportFileContents r = loadReportJson(report);
                m_scorePanel->showReport(r.report, r.histogram);
            } catch (const std::exception& e) {
                error(tr("Report"), QString::fromUtf8(e.what()));
            }
        }
        const QString cells = index.data(models::SlideListModel::CellsGeoJsonRole).toString();
        if (!cells.isEmpty()) loadCells(cells);
    });

    auto* qaWidget = new QWidget(this);
    auto* qaLayout = new QVBoxLayout(qaWidget);
    m_qaSummary = new QLabel(qaWidget);
    m_qaSummary->setWordWrap(true);
    m_qaSummary->setTextFormat(Qt::RichText);
    qaLayout->addWidget(m_qaSummary);
    m_qaView = new QTableView(qaWidget);
    m_qaView->setModel(m_qaModel);
    m_qaView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_qaView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_qaView->verticalHeader()->hide();
    m_qaView->horizontalHeader()->setStretchLastSection(true);
    qaLayout->addWidget(m_qaView, 1);
    m_qaCase = new QLabel(qaWidget);
    m_qaCase->setWordWrap(true);
    qaLayout->addWidget(m_qaCase);
    auto* nav = new QHBoxLayout;
    auto* prev = new QPushButton(tr("◀ Previous"), qaWidget);
    auto* next = new QPushButton(tr("Next ▶"), qaWidget);
    nav->addWidget(prev);
    nav->addWidget(next);
    qaLayout->addLayout(nav);
    connect(prev, &QPushButton::clicked, this, &MainWindow::previousDiscordant);
    connect(next, &QPushButton::clicked, this, &MainWindow::nextDiscordant);
    connect(m_qaView, &QTableView::activated, this,
            [this](const QModelIndex& i) { showDiscordant(i.row()); });
    m_qaDock = new QDockWidget(tr("QA review"), this);
    m_qaDock->setObjectName(QStringLiteral("qaDock"));
    m_qaDock->setWidget(qaWidget);
    addDockWidget(Qt::LeftDockWidgetArea, m_qaDock);
    m_qaDock->hide();

    // Bottom: the cell table, lazily fetched.
    m_cellView = new QTableView(this);
    m_cellView->setModel(m_cellModel);
    m_cellView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_cellView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_cellView->verticalHeader()->setDefaultSectionSize(20);
    m_cellView->verticalHeader()->hide();
    m_cellsDock = new QDockWidget(tr("Cell table"), this);
    m_cellsDock->setObjectName(QStringLiteral("cellsDock"));
    m_cellsDock->setWidget(m_cellView);
    addDockWidget(Qt::BottomDockWidgetArea, m_cellsDock);
    m_cellsDock->hide();
    connect(m_cellView, &QTableView::activated, this, [this](const QModelIndex& index) {
        const auto cell =
            static_cast<std::size_t>(index.data(models::CellTableModel::CellIndexRole).toULongLong());
        if (!m_analysis || cell >= m_analysis->cells.size()) return;
        m_viewer->overlay().setSelectedCell(cell);
        m_viewer->overlayChanged();
        m_viewer->setView(QPointF(m_analysis->cells.x[cell], m_analysis->cells.y[cell]),
                          std::max(m_viewer->scale(), 40.0 / m_viewer->nativeMagnification()));
        showCell(cell);
    });
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open =
        file->addAction(QIcon::fromTheme(QStringLiteral("document-open")), tr("&Open slide…"), this, [this] {
            const QString path = QFileDialog::getOpenFileName(
                this, tr("Open slide"), QSettings().value(QStringLiteral("lastDir")).toString(),
                tr("Slides (*.svs *.tif *.tiff *.ndpi *.vms *.vmu *.scn *.mrxs *.svslide *.bif *.png *.jpg "
                   "*.jpeg);;All files (*)"));
            if (!path.isEmpty()) openSlide(path);
        });
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &recent"));
    file->addAction(tr("Open &batch folder…"), this,
                    [this] {
                        const QString dir =
                            QFileDialog::getExistingDirectory(this, tr("Open batch output folder"));
                        if (!dir.isEmpty()) openBatch(dir);
                    })
        ->setShortcut(QKeySequence(tr("Ctrl+B")));
    file->addAction(tr("Load &QA result…"), this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Open QA result"), {}, tr("QA result (qa.json *.json)"));
        if (!path.isEmpty()) loadQa(path);
    });
    file->addSeparator();
    file->addAction(tr("Load &cells GeoJSON…"), this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Load cells"), {}, tr("GeoJSON (*.geojson *.json)"));
        if (!path.isEmpty()) loadCells(path);
    });
    file->addAction(tr("Load R&OI GeoJSON…"), this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Load ROI"), {}, tr("GeoJSON (*.geojson *.json)"));
        if (!path.isEmpty()) loadRoi(path);
    });
    file->addSeparator();
    QMenu* exportMenu = file->addMenu(tr("&Export"));
    auto exportAction = [this, exportMenu](const QString& label, const QString& filter, const QString& suffix,
                                           bool (MainWindow::*fn)(const QString&)) {
        exportMenu->addAction(label, this, [this, filter, suffix, fn] {
            QString base =
                m_slide ? QFileInfo(QString::fromStdString(m_slide->path().string())).completeBaseName()
                        : QString();
            const QString path = QFileDialog::getSaveFileName(this, tr("Export"), base + suffix, filter);
            if (!path.isEmpty()) (this->*fn)(path);
        });
    };
    exportAction(tr("Report (JSON)…"), tr("JSON (*.json)"), QStringLiteral(".her2.json"),
                 &MainWindow::exportReportJson);
    exportAction(tr("Cells (CSV)…"), tr("CSV (*.csv)"), QStringLiteral(".cells.csv"),
                 &MainWindow::exportCellsCsv);
    exportAction(tr("Cells (GeoJSON)…"), tr("GeoJSON (*.geojson)"), QStringLiteral(".cells.geojson"),
                 &MainWindow::exportCellsGeoJson);
    exportAction(tr("View snapshot (PNG)…"), tr("PNG (*.png)"), QStringLiteral(".view.png"),
                 &MainWindow::exportSnapshot);
    file->addSeparator();
    file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* fit = view->addAction(tr("&Fit to window"), m_viewer, &SlideViewer::fitToWindow);
    fit->setShortcut(QKeySequence(tr("Ctrl+0")));
    view->addAction(tr("Zoom &in"), m_viewer, &SlideViewer::zoomIn)->setShortcut(QKeySequence::ZoomIn);
    view->addAction(tr("Zoom &out"), m_viewer, &SlideViewer::zoomOut)->setShortcut(QKeySequence::ZoomOut);
    view->addSeparator();
    view->addAction(m_slidesDock->toggleViewAction());
    view->addAction(m_qaDock->toggleViewAction());
    view->addAction(m_cellsDock->toggleViewAction());

    QMenu* overlay = menuBar()->addMenu(tr("&Overlay"));
    auto layer = [this, overlay](const QString& label, bool on) {
        QAction* a = overlay->addAction(label);
        a->setCheckable(true);
        a->setChecked(on);
        connect(a, &QAction::toggled, this, &MainWindow::applyOverlaySettings);
        return a;
    };
    m_layers.cells = layer(tr("Cell outlines"), true);
    m_layers.cells->setShortcut(QKeySequence(tr("C")));
    m_layers.heatMap = layer(tr("Class density heat map"), true);
    m_layers.excluded = layer(tr("Excluded cells"), true);
    m_layers.roi = layer(tr("Region of interest"), true);
    m_layers.nuclei = layer(tr("FISH nuclei"), true);
    m_layers.her2 = layer(tr("HER2 spots (red)"), true);
    m_layers.cep17 = layer(tr("CEP17 spots (green)"), true);
    m_layers.image = layer(tr("Overlay image"), true);

    QMenu* tools = menuBar()->addMenu(tr("&Tools"));
    auto* toolGroup = new QActionGroup(this);
    auto tool = [&](const QString& label, ViewerTool t, const QString& key) {
        QAction* a = tools->addAction(label);
        a->setCheckable(true);
        a->setShortcut(QKeySequence(key));
        toolGroup->addAction(a);
        connect(a, &QAction::triggered, this, [this, t] { m_viewer->setTool(t); });
        return a;
    };
    m_panTool = tool(tr("&Pan / select cell"), ViewerTool::Pan, QStringLiteral("H"));
    m_rectTool = tool(tr("&Rectangle ROI"), ViewerTool::Rectangle, QStringLiteral("R"));
    m_polyTool = tool(tr("P&olygon ROI"), ViewerTool::Polygon, QStringLiteral("P"));
    m_panTool->setChecked(true);
    tools->addSeparator();
    tools->addAction(tr("Clear ROI"), this, [this] { setRoi({}); });
    tools->addAction(tr("Run analysis"), this, &MainWindow::runAnalysis)
        ->setShortcut(QKeySequence(tr("Ctrl+R")));

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->addAction(open);
    bar->addSeparator();
    bar->addAction(fit);
    auto* mag = new QComboBox(bar);
    for (const int m : {1, 2, 5, 10, 20, 40}) mag->addItem(QStringLiteral("%1×").arg(m), m);
    mag->setToolTip(tr("Go to magnification"));
    connect(mag, &QComboBox::activated, this,
            [this, mag](int i) { m_viewer->setMagnification(mag->itemData(i).toInt()); });
    bar->addWidget(mag);
    bar->addSeparator();
    bar->addAction(m_panTool);
    bar->addAction(m_rectTool);
    bar->addAction(m_polyTool);
    bar->addSeparator();
    bar->addAction(m_layers.cells);
    bar->addAction(m_layers.heatMap);
    bar->addWidget(new QLabel(tr(" Opacity "), bar));
    m_opacity = new QSlider(Qt::Horizontal, bar);
    m_opacity->setRange(0, 100);
    m_opacity->setValue(80);
    m_opacity->setMaximumWidth(120);
    connect(m_opacity, &QSlider::valueChanged, this, &MainWindow::applyOverlaySettings);
    bar->addWidget(m_opacity);

    m_positionLabel = new QLabel(this);
    m_magLabel = new QLabel(this);
    m_cacheLabel = new QLabel(this);
    statusBar()->addWidget(m_positionLabel, 1);
    statusBar()->addPermanentWidget(m_magLabel);
    statusBar()->addPermanentWidget(m_cacheLabel);
    updateRecentMenu();
}

void MainWindow::applyOverlaySettings() {
    OverlaySettings& s = m_viewer->overlay().settings();
    s.cells = m_layers.cells->isChecked();
    s.heatMap = m_layers.heatMap->isChecked();
    s.roi = m_layers.roi->isChecked();
    s.fishNuclei = m_layers.nuclei->isChecked();
    s.her2Spots = m_layers.her2->isChecked();
    s.cep17Spots = m_layers.cep17->isChecked();
    s.excludedCells = m_layers.excluded->isChecked();
    s.imageOverlay = m_layers.image->isChecked();
    s.opacity = m_opacity->value() / 100.0;
    m_viewer->overlayChanged();
}

void MainWindow::editParameters() {
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Analysis parameters"));
    auto* layout = new QVBoxLayout(&dialog);
    auto* form = new ParamForm(&dialog);
    form->setParams(m_analysisPanel->baseParams());
    auto* scroll = new QScrollArea(&dialog);
    scroll->setWidget(form);
    scroll->setWidgetResizable(true);
    layout->addWidget(scroll);
    auto* buttons = new QDialogButtonBox(
        QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::Open, &dialog);
    buttons->button(QDialogButtonBox::Open)->setText(tr("Load protocol…"));
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::Open), &QPushButton::clicked, &dialog, [this, form] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Load protocol"), {}, tr("Protocol (*.json)"));
        if (path.isEmpty()) return;
        try {
            form->setParams(core::AnalysisParams::load(path.toStdString()));
        } catch (const std::exception& e) {
            error(tr("Protocol"), QString::fromUtf8(e.what()));
        }
    });
    layout->addWidget(buttons);
    dialog.resize(520, 640);
    if (dialog.exec() == QDialog::Accepted) m_analysisPanel->setBaseParams(form->params());
}

QStringList MainWindow::recentFiles() const {
    return QSettings().value(QStringLiteral("recentFiles")).toStringList();
}

void MainWindow::addRecent(const QString& path) {
    QSettings settings;
    QStringList list = settings.value(QStringLiteral("recentFiles")).toStringList();
    const QString abs = QFileInfo(path).absoluteFilePath();
    list.removeAll(abs);
    list.prepend(abs);
    while (list.size() > kMaxRecent) list.removeLast();
    settings.setValue(QStringLiteral("recentFiles"), list);
    settings.setValue(QStringLiteral("lastDir"), QFileInfo(abs).absolutePath());
    updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
    m_recentMenu->clear();
    const QStringList list = recentFiles();
    for (const QString& path : list) {
        m_recentMenu->addAction(QFileInfo(path).fileName(), this, [this, path] { openPath(path); })
            ->setToolTip(path);
    }
    m_recentMenu->setEnabled(!list.isEmpty());
    if (!list.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear list"), this, [this] {
            QSettings().remove(QStringLiteral("recentFiles"));
            updateRecentMenu();
        });
    }
}

void MainWindow::openPath(const QString& path) {
    const QFileInfo fi(path);
    const QString name = fi.fileName().toLower();
    if (fi.isDir()) {
        if (QFileInfo::exists(QDir(path).filePath(QStringLiteral("summary.csv"))))
            openBatch(path);
        else if (QFileInfo::exists(QDir(path).filePath(QStringLiteral("qa.json"))))
            loadQa(path);
        else
            error(tr("Open"),
                  tr("%1: neither a batch folder (summary.csv) nor a QA folder (qa.json)").arg(native(path)));
    } else if (name == QLatin1String("summary.csv")) {
        openBatch(path);
    } else if (name == QLatin1String("qa.json")) {
        loadQa(path);
    } else if (name.endsWith(QLatin1String(".cells.geojson"))) {
        loadCells(path);
    } else if (name.endsWith(QLatin1String(".geojson")) || name.endsWith(QLatin1String(".json"))) {
        loadRoi(path);
    } else {
        openSlide(path);
    }
}

bool MainWindow::openSlide(const QString& path) {
    std::shared_ptr<const imaging::SlideSource> slide;
    try {
        slide = imaging::openSlide(path.toStdString());
    } catch (const std::exception& e) {
        error(tr("Open slide"), QString::fromUtf8(e.what()));
        return false;
    }
    if (m_controller->isRunning()) m_controller->cancel();
    m_slide = slide;
    m_viewer->setSlide(slide);
    m_properties->setSlide(slide.get());
    m_analysis.reset();
    m_hasReport = false;
    m_roi = {};
    m_cellModel->setCells(nullptr);
    m_inspector->setRowCount(0);
    m_scorePanel->clear();
    m_analysisPanel->setRoiAvailable(false);
    m_analysisPanel->setStatusText({});
    applyOverlaySettings();
    addRecent(path);
    updateTitle();
    return true;
}

bool MainWindow::openBatch(const QString& path) {
    try {
        m_slideList->load(path);
    } catch (const std::exception& e) {
        error(tr("Open batch"), QString::fromUtf8(e.what()));
        return false;
    }
    m_slideView->resizeColumnsToContents();
    // The most useful columns first; the rest stays available by scrolling.
    const QStringList cols = m_slideList->columns();
    for (int c = 0; c < cols.size(); ++c) {
        static const QStringList keep{QStringLiteral("slide"),       QStringLiteral("assay"),
                                      QStringLiteral("score"),       QStringLiteral("status"),
                                      QStringLiteral("tumor_cells"), QStringLiteral("ratio"),
                                      QStringLiteral("error")};
        m_slideView->setColumnHidden(c, !keep.contains(cols[c], Qt::CaseInsensitive));
    }
    m_slidesDock->show();
    m_slidesDock->raise();
    addRecent(path);
    return true;
}

bool MainWindow::loadCells(const QString& path, bool wait) {
    if (m_cellLoader->isRunning()) {
        error(tr("Load cells"), tr("Cells are still being loaded."));
        return false;
    }
    if (!QFileInfo(path).isFile()) {
        error(tr("Load cells"), tr("%1: cannot be read").arg(native(path)));
        return false;
    }
    QString slidePath = m_slide ? QString::fromStdString(m_slide->path().string()) : QString();
    QApplication::setOverrideCursor(Qt::BusyCursor);
    m_cellLoader->setFuture(QtConcurrent::run([path, slidePath]() {
        LoadedCells out;
        try {
            auto analysis = std::make_shared<imaging::SlideAnalysis>();
            analysis->cells = models::loadCellGeoJson(path.toStdString());
            analysis->slidePath = slidePath.toStdString();
            analysis->slideName = QFileInfo(slidePath).completeBaseName().toStdString();
            out.analysis = std::move(analysis);
        } catch (const std::exception& e) {
            out.error = QString::fromUtf8(e.what());
        } catch (...) {
            out.error = QObject::tr("%1: cannot be loaded").arg(path);
        }
        return out;
    }));
    if (wait) {
        m_cellLoader->waitForFinished();
        QApplication::processEvents();
        QApplication::processEvents();
        return m_analysis && !m_analysis->cells.empty();
    }
    return true;
}

bool MainWindow::loadRoi(const QString& path) {
    try {
        core::MultiPolygon roi = core::loadRoiGeoJson(path.toStdString());
        setRoi(std::move(roi));
        return true;
    } catch (const std::exception& e) {
        error(tr("Load ROI"), QString::fromUtf8(e.what()));
        return false;
    }
}

void MainWindow::setRoi(core::MultiPolygon roi) {
    m_roi = std::move(roi);
    m_viewer->overlay().setRoi(m_roi);
    m_viewer->overlayChanged();
    m_analysisPanel->setRoiAvailable(!m_roi.empty());
}

bool MainWindow::loadQa(const QString& path) {
    QString file = path;
    if (QFileInfo(path).isDir()) file = QDir(path).filePath(QStringLiteral("qa.json"));
    models::QaResult result;
    try {
        result = models::QaResult::load(file);
    } catch (const std::exception& e) {
        error(tr("QA result"), QString::fromUtf8(e.what()));
        return false;
    }
    QString matrix;
    if (!result.confusion.empty()) {
        matrix = QStringLiteral(
            "<table cellspacing='0' cellpadding='3' border='1' style='border-color:#888'><tr><th>auto \\ "
            "manual</th>");
        for (const QString& l : result.labels) matrix += QStringLiteral("<th>%1</th>").arg(l);
        matrix += QStringLiteral("</tr>");
        for (std::size_t r = 0; r < result.confusion.size(); ++r) {
            matrix += QStringLiteral("<tr><th>%1</th>")
                          .arg(r < std::size_t(result.labels.size()) ? result.labels[int(r)] : QString());
            for (std::size_t c = 0; c < result.confusion[r].size(); ++c)
                matrix += QStringLiteral("<td align='right'%2>%1</td>")
                              .arg(result.confusion[r][c])
                              .arg(r == c ? QStringLiteral(" style='font-weight:bold'") : QString());
            matrix += QStringLiteral("</tr>");
        }
        matrix += QStringLiteral("</table>");
    }
    m_qaSummary->setText(tr("<b>%1 slides</b> · agreement %2 % · κ %3 · weighted κ %4<br/>%5")
                             .arg(result.n)
                             .arg(result.agreement * 100, 0, 'f', 1)
                             .arg(result.kappa, 0, 'f', 3)
                             .arg(result.weightedKappa, 0, 'f', 3)
                             .arg(matrix));
    m_qaModel->setResult(std::move(result));
    m_qaView->resizeColumnsToContents();
    m_qaDock->show();
    m_qaDock->raise();
    m_qaRow = -1;
    if (m_qaModel->rowCount() > 0)
        showDiscordant(0);
    else
        m_qaCase->setText(tr("No discordant slides."));
    return true;
}

bool MainWindow::showDiscordant(int row) {
    const models::DiscordantCase* c = m_qaModel->caseAt(row);
    if (!c) return false;
    m_qaRow = row;
    m_qaView->selectRow(row);
    m_qaCase->setText(tr("<b>%1</b>: automatic <b>%2</b>, manual <b>%3</b> (%4 of %5)")
                          .arg(QFileInfo(c->slide).fileName().toHtmlEscaped(), c->automatic.toHtmlEscaped(),
                               c->manual.toHtmlEscaped())
                          .arg(row + 1)
                          .arg(m_qaModel->rowCount()));
    bool opened = false;
    if (!c->slidePath.isEmpty()) {
        opened = openSlide(c->slidePath);
    } else if (!c->overlayPath.isEmpty() && isImageFile(c->overlayPath)) {
        // Slide not at hand: the overlay picture itself is the best view of the case.
        opened = openSlide(c->overlayPath);
        return opened;
    } else {
        error(tr("QA review"), tr("%1: the slide file was not found").arg(c->slide));
        return false;
    }
    if (!opened) return false;
    if (c->overlayPath.isEmpty()) return true;
    if (c->overlayPath.endsWith(QLatin1String(".geojson"), Qt::CaseInsensitive)) {
        return loadCells(c->overlayPath);
    }
    QImageReader reader(c->overlayPath);
    const QImage image = reader.read();
    if (image.isNull()) {
        error(tr("QA review"), tr("%1: %2").arg(native(c->overlayPath), reader.errorString()));
        return true;
    }
    m_viewer->overlay().setImageOverlay(image,
                                        QRectF(0, 0, double(m_slide->width()), double(m_slide->height())));
    m_viewer->overlayChanged();
    return true;
}

void MainWindow::nextDiscordant() {
    if (m_qaModel->rowCount() == 0) return;
    showDiscordant((m_qaRow + 1) % m_qaModel->rowCount());
}

void MainWindow::previousDiscordant() {
    const int n = m_qaModel->rowCount();
    if (n == 0) return;
    showDiscordant((m_qaRow - 1 + n) % n);
}

bool MainWindow::runAnalysis() {
    if (!m_slide) {
        error(tr("Analysis"), tr("Open a slide first."));
        return false;
    }
    if (m_controller->isRunning()) return false;
    std::optional<core::MultiPolygon> region;
    switch (m_analysisPanel->regionMode()) {
        case RegionMode::DrawnRoi:
            if (m_roi.empty()) {
                error(tr("Analysis"), tr("Draw a rectangle or polygon first, or choose another region."));
                return false;
            }
            region = m_roi;
            break;
        case RegionMode::VisibleRegion:
            region = m_viewer->visibleRegion();
            break;
        case RegionMode::WholeSlide:
            break;
    }
    core::AnalysisParams params;
    try {
        params = m_analysisPanel->params();
        params.validate();
    } catch (const std::exception& e) {
        error(tr("Analysis"), QString::fromUtf8(e.what()));
        return false;
    }
    m_analysisPanel->setRunning(true);
    if (!m_controller->start(m_slide, params, region, m_analysisPanel->assay())) {
        m_analysisPanel->setRunning(false);
        return false;
    }
    return true;
}

void MainWindow::cancelAnalysis() {
    m_controller->cancel();
    m_analysisPanel->setProgress(0, tr("cancelling"));
}

void MainWindow::onAnalysisFinished(std::shared_ptr<const imaging::SlideAnalysis> analysis) {
    if (!analysis) return;
    if (!m_slide || analysis->slidePath != m_slide->path().string()) {
        // A result for a slide that is no longer shown: keep the view as it is.
        if (m_slide && !analysis->slidePath.empty()) return;
    }
    setAnalysis(analysis, true);
    m_analysisPanel->setStatusText(
        tr("Done in %1 s: %2 cells.").arg(analysis->seconds, 0, 'f', 1).arg(analysis->cells.size()));
}

void MainWindow::setAnalysis(std::shared_ptr<const imaging::SlideAnalysis> analysis, bool fromRun) {
    m_analysis = std::move(analysis);
    m_hasReport = fromRun;
    std::shared_ptr<const core::CellTable> cells(m_analysis, &m_analysis->cells);
    OverlayRenderer& overlay = m_viewer->overlay();
    overlay.setCells(cells);
    overlay.setFish(m_analysis->nuclei, m_analysis->spots);
    if (fromRun && !m_analysis->roi.empty()) overlay.setRoi(m_analysis->roi);
    m_viewer->overlayChanged();
    m_cellModel->setCells(cells);
    if (fromRun) {
        m_scorePanel->showAnalysis(*m_analysis);
        const core::IhcParams ihc = m_analysisPanel->params().ihc;
        m_scorePanel->histogramWidget()->setThresholds(
            {{ihc.stainedOd, tr("stained")}, {ihc.faintOd, tr("1+/2+")}, {ihc.strongOd, tr("3+")}});
    }
}

void MainWindow::showCell(std::size_t cell) {
    if (!m_analysis || cell >= m_analysis->cells.size()) return;
    const auto& cells = m_analysis->cells;
    const int columns = static_cast<int>(models::CellTableModel::Column::Count);
    m_inspector->setRowCount(columns);
    for (int c = 0; c < columns; ++c) {
        const auto column = static_cast<models::CellTableModel::Column>(c);
        QVariant v = models::CellTableModel::value(cells, cell, column);
        QString text = v.typeId() == QMetaType::Double ? QString::number(v.toDouble(), 'f', 3) : v.toString();
        if (column == models::CellTableModel::Column::Exclusion && text == QLatin1String("none"))
            text = tr("no (tumour cell)");
        m_inspector->setItem(c, 0, new QTableWidgetItem(models::CellTableModel::columnTitle(column)));
        m_inspector->setItem(c, 1, new QTableWidgetItem(text));
    }
    m_inspector->resizeColumnToContents(0);
    if (auto* dock = qobject_cast<QDockWidget*>(m_inspector->parentWidget())) dock->raise();
    const int row = m_cellModel->ensureRow(cell);
    if (row >= 0 && m_cellsDock->isVisible()) m_cellView->selectRow(row);
}

QString MainWindow::cellInspectorText() const {
    QStringList lines;
    for (int r = 0; r < m_inspector->rowCount(); ++r)
        if (m_inspector->item(r, 0) && m_inspector->item(r, 1))
            lines << m_inspector->item(r, 0)->text() + QStringLiteral(": ") + m_inspector->item(r, 1)->text();
    return lines.join(QLatin1Char('\n'));
}

bool MainWindow::exportReportJson(const QString& path) {
    if (!m_analysis || !m_hasReport) {
        error(tr("Export"), tr("There is no analysis result to export; run the analysis first."));
        return false;
    }
    try {
        imaging::writeFileAtomic(path.toStdString(), imaging::reportJson(*m_analysis));
        return true;
    } catch (const std::exception& e) {
        error(tr("Export"), QString::fromUtf8(e.what()));
        return false;
    }
}

bool MainWindow::exportCellsCsv(const QString& path) {
    if (!m_analysis) {
        error(tr("Export"), tr("There are no cells to export."));
        return false;
    }
    try {
        std::ostringstream out;
        imaging::writeCellsCsv(*m_analysis, out);
        imaging::writeFileAtomic(path.toStdString(), out.str());
        return true;
    } catch (const std::exception& e) {
        error(tr("Export"), QString::fromUtf8(e.what()));
        return false;
    }
}

bool MainWindow::exportCellsGeoJson(const QString& path) {
    if (!m_analysis) {
        error(tr("Export"), tr("There are no cells to export."));
        return false;
    }
    try {
        imaging::AtomicFile file(path.toStdString());
        imaging::writeCellsGeoJson(*m_analysis, file.stream());
        file.commit();
        return true;
    } catch (const std::exception& e) {
        error(tr("Export"), QString::fromUtf8(e.what()));
        return false;
    }
}

bool MainWindow::exportSnapshot(const QString& path) {
    if (!m_slide) {
        error(tr("Export"), tr("Open a slide first."));
        return false;
    }
    m_viewer->waitForTiles(10000);
    const QImage image = m_viewer->renderView(true, true);
    if (!image.save(path, "PNG")) {
        error(tr("Export"), tr("%1: cannot be written").arg(native(path)));
        return false;
    }
    return true;
}

void MainWindow::updateStatus() {
    if (!m_slide) {
        m_magLabel->clear();
        m_cacheLabel->clear();
        return;
    }
    m_magLabel->setText(tr("%1×").arg(m_viewer->magnification(), 0, 'f', 1));
    const TileLoader& loader = m_viewer->tileLoader();
    m_cacheLabel->setText(
        tr("cache %1 / %2 MB").arg(loader.cacheBytes() >> 20).arg(loader.cacheLimit() >> 20));
}

void MainWindow::updateTitle() {
    setWindowTitle(
        m_slide
            ? tr("%1 – HER2Scope").arg(QFileInfo(QString::fromStdString(m_slide->path().string())).fileName())
            : tr("HER2Scope"));
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile()) openPath(url.toLocalFile());
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    m_controller->cancel();
    QSettings().setValue(QStringLiteral("windowState"), saveState());
    QSettings().setValue(QStringLiteral("geometry"), saveGeometry());
    QMainWindow::closeEvent(event);
}

}  // namespace her2::ui
