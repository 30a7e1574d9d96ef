// The HER2Scope desktop viewer.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStyleFactory>

#include "her2/ui/AnalysisController.hpp"
#include "her2/ui/MainWindow.hpp"
#include "her2/ui/SlideViewer.hpp"

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("HER2Scope"));
    QApplication::setApplicationName(QStringLiteral("her2scope-gui"));
    QApplication::setApplicationVersion(QStringLiteral(HER2_VERSION));
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("HER2Scope slide viewer"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"),
                                 QStringLiteral("slide, batch folder, qa.json or GeoJSON to open"));
    QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                  QStringLiteral("render the window to <png> after loading and exit"),
                                  QStringLiteral("png"));
    QCommandLineOption cells(QStringLiteral("cells"), QStringLiteral("load cells from <geojson>"),
                             QStringLiteral("geojson"));
    QCommandLineOption roi(QStringLiteral("roi"), QStringLiteral("load an ROI from <geojson>"),
                           QStringLiteral("geojson"));
    QCommandLineOption run(QStringLiteral("run"), QStringLiteral("run the analysis after opening"));
    parser.addOptions({screenshot, cells, roi, run});
    parser.process(app);

    her2::ui::MainWindow window;
    const QByteArray state = QSettings().value(QStringLiteral("windowState")).toByteArray();
    if (!parser.isSet(screenshot) && !state.isEmpty()) window.restoreState(state);
    window.show();
    for (const QString& f : parser.positionalArguments()) {
        if (QFileInfo(f).isDir() || f.endsWith(QLatin1String(".json")) || f.endsWith(QLatin1String(".csv"))) {
            if (QFileInfo(f).fileName() == QLatin1String("qa.json") ||
                QFileInfo::exists(QDir(f).filePath(QStringLiteral("qa.json"))))
                window.loadQa(f);
            else
                window.openBatch(f);
        } else {
            window.openSlide(f);
        }
    }
    if (parser.isSet(cells)) window.loadCells(parser.value(cells), true);
    if (parser.isSet(roi)) window.loadRoi(parser.value(roi));
    if (parser.isSet(run)) {
        window.runAnalysis();
        window.analysisController()->waitForFinished(600000);
    }
    if (parser.isSet(screenshot)) {
        // Let layouts settle and tiles arrive, then grab the real window.
        for (int i = 0; i < 20; ++i) QApplication::processEvents();
        window.viewer()->waitForTiles(15000);
        for (int i = 0; i < 5; ++i) QApplication::processEvents();
        return window.grab().save(parser.value(screenshot)) ? 0 : 1;
    }
    return QApplication::exec();
}
