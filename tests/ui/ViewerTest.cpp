// The slide viewer: pyramid, tile cache, zoom and pan, overlays, bad input.
#include <gtest/gtest.h>

#include <QDir>
#include <QFileInfo>
#include <QMouseEvent>
#include <QTemporaryDir>
#include <QWheelEvent>
#include <cmath>

#include "UiTestSupport.hpp"
#include "her2/imaging/SlideSource.hpp"
#include "her2/ui/OverlayRenderer.hpp"
#include "her2/ui/SlideViewer.hpp"
#include "her2/ui/TileLoader.hpp"

using namespace her2;
using her2test::app;
using her2test::testData;

namespace {

std::shared_ptr<const imaging::SlideSource> open(const char* name) {
    return imaging::openSlide(testData(name).toStdString());
}

std::shared_ptr<core::CellTable> gridCells(int side, double spacing) {
    auto t = std::make_shared<core::CellTable>();
    for (int r = 0; r < side; ++r) {
        for (int c = 0; c < side; ++c) {
            core::CellRecord rec;
            rec.x = static_cast<float>((c + 0.5) * spacing);
            rec.y = static_cast<float>((r + 0.5) * spacing);
            rec.score = static_cast<core::CellScore>((r + c) % 4);
            rec.membraneOdMean = 0.1f * static_cast<float>((r + c) % 4);
            const double h = spacing * 0.4;
            rec.outline = {{rec.x - h, rec.y - h},
                           {rec.x + h, rec.y - h},
                           {rec.x + h, rec.y + h},
                           {rec.x - h, rec.y + h}};
            t->append(rec);
        }
    }
    return t;
}

}  // namespace

TEST(Ui_TilePyramid, levelsCoverTheSlide) {
    const ui::TilePyramid p(5000, 3000);
    EXPECT_EQ(p.levelCount(), 5);  // 5000 / 16 = 312 <= 512
    EXPECT_EQ(p.columns(0), 10);
    EXPECT_EQ(p.rows(0), 6);
    EXPECT_EQ(p.columns(4), 1);
    EXPECT_EQ(p.levelForScale(1.0), 0);
    EXPECT_EQ(p.levelForScale(0.5), 1);
    EXPECT_EQ(p.levelForScale(0.3), 1);
    EXPECT_EQ(p.levelForScale(0.001), 4);
    const core::RectI last = p.tileRect({0, 9, 5});
    EXPECT_EQ(last.x, 9 * 512);
    EXPECT_EQ(last.width, 5000 - 9 * 512);
    EXPECT_EQ(last.height, 3000 - 5 * 512);
}

TEST(Ui_TileLoader, readsTilesOffThreadAndBoundsTheCache) {
    app();
    ui::TileLoader loader;
    loader.setSource(open("slides/cmu-1-small-region.svs"));
    loader.setCacheLimit(2 << 20);  // room for about two 512 px tiles
    std::vector<ui::TileKey> keys;
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) keys.push_back({0, c, r});
    loader.request(keys);
    ASSERT_TRUE(loader.waitForIdle(30000));
    EXPECT_LE(loader.cacheBytes(), loader.cacheLimit());
    EXPECT_GE(loader.cachedTiles(), 1);
    EXPECT_LT(loader.cachedTiles(), 9);
    // The most recent tile survives; its pixmap has the tile's size.
    const QPixmap* last = loader.tile(keys.back());
    ASSERT_NE(last, nullptr);
    EXPECT_EQ(last->width(), 512);
    EXPECT_FALSE(loader.failed());
}

TEST(Ui_TileLoader, coarseVirtualLevelMatchesSlideAspect) {
    const auto slide = open("slides/cmu-1-small-region.svs");
    const ui::TilePyramid p(slide->width(), slide->height());
    const QImage top = ui::readTileImage(*slide, p, {p.levelCount() - 1, 0, 0});
    ASSERT_FALSE(top.isNull());
    EXPECT_LE(std::max(top.width(), top.height()), ui::TilePyramid::kTileSize);
    EXPECT_NEAR(double(top.width()) / top.height(), double(slide->width()) / slide->height(), 0.02);
}

TEST(Ui_SlideViewer, zoomKeepsThePointUnderTheCursorAndPanMoves) {
    app();
    ui::SlideViewer viewer;
    viewer.resize(800, 600);
    viewer.setAnimationsEnabled(false);
    viewer.setSlide(open("slides/cmu-1-small-region.svs"));
    EXPECT_NEAR(viewer.scale(), viewer.fitScale(), 1e-9);
    const QPointF anchor(200, 150);
    const QPointF before = viewer.viewTransform().toSlide(anchor);
    viewer.zoomAt(3.0, anchor, false);
    EXPECT_NEAR(viewer.scale(), viewer.fitScale() * 3, 1e-9);
    const QPointF after = viewer.viewTransform().toSlide(anchor);
    EXPECT_NEAR(before.x(), after.x(), 1e-6);
    EXPECT_NEAR(before.y(), after.y(), 1e-6);

    // A wheel notch zooms in by the wheel step around the cursor.
    const double s0 = viewer.scale();
    QWheelEvent wheel(QPointF(400, 300), viewer.mapToGlobal(QPointF(400, 300)), {}, QPoint(0, 120),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(&viewer, &wheel);
    EXPECT_NEAR(viewer.scale(), s0 * 1.25, 1e-9);

    const QPointF c0 = viewer.center();
    viewer.panBy({100, -50});
    EXPECT_NEAR(viewer.center().x(), c0.x() - 100 / viewer.scale(), 1e-6);
    EXPECT_NEAR(viewer.center().y(), c0.y() + 50 / viewer.scale(), 1e-6);

    // A mouse drag pans the same way.
    const QPointF c1 = viewer.center();
    QMouseEvent press(QEvent::MouseButtonPress, QPointF(300, 300), viewer.mapToGlobal(QPointF(300, 300)),
                      Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
    QMouseEvent move(QEvent::MouseMove, QPointF(340, 320), viewer.mapToGlobal(QPointF(340, 320)),
                     Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QMouseEvent release(QEvent::MouseButtonRelease, QPointF(340, 320), viewer.mapToGlobal(QPointF(340, 320)),
                        Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&viewer, &press);
    QCoreApplication::sendEvent(&viewer, &move);
    QCoreApplication::sendEvent(&viewer, &release);
    EXPECT_NEAR(viewer.center().x(), c1.x() - 40 / viewer.scale(), 1e-6);

    // Zoom is clamped and the magnification follows the scale.
    viewer.zoomAt(1e6, anchor, false);
    EXPECT_DOUBLE_EQ(viewer.scale(), viewer.maxScale());
    viewer.setMagnification(10);
    EXPECT_NEAR(viewer.magnification(), 10, 1e-6);
    viewer.fitToWindow();
    EXPECT_NEAR(viewer.center().x(), viewer.slide()->width() / 2.0, 1e-9);
}

TEST(Ui_SlideViewer, animatedZoomEndsAtTheTargetWithoutBlocking) {
    app();
    ui::SlideViewer viewer;
    viewer.resize(640, 480);
    viewer.setSlide(open("slides/cmu-1-small-region.svs"));
    const double target = viewer.scale() * 4;
    viewer.zoomAt(4, QPointF(320, 240), true);
    // The call returns at once; the scale arrives over a few frames.
    EXPECT_LT(viewer.scale(), target);
    EXPECT_TRUE(her2test::waitUntil([&] { return std::abs(viewer.scale() - target) < 1e-9; }, 3000));
}

TEST(Ui_SlideViewer, rendersTilesAndMinimapAndScaleBar) {
    app();
    ui::SlideViewer viewer;
    viewer.resize(600, 400);
    viewer.setSlide(open("slides/cmu-1-small-region.svs"));
    viewer.zoomAt(4, QPointF(300, 200), false);
    ASSERT_TRUE(viewer.waitForTiles(30000));
    const QImage image = viewer.renderView(false, false);
    // The centre shows tissue (not the grey background, not blank white).
    int tissue = 0;
    for (int y = 100; y < 300; y += 10)
        for (int x = 150; x < 450; x += 10) {
            const QColor c = image.pixelColor(x, y);
            if (c.red() < 230 && c != QColor(48, 50, 54)) ++tissue;
        }
    EXPECT_GT(tissue, 20);
    EXPECT_NE(viewer.miniMap(), nullptr);
    const QImage withHud = viewer.renderView(false, true);
    EXPECT_NE(withHud, image);  // scale bar and magnification drawn
}

TEST(Ui_OverlayRenderer, levelOfDetailAndPicking) {
    app();
    ui::OverlayRenderer overlay;
    auto cells = gridCells(200, 40);  // 40000 cells on 8000 x 8000 px
    overlay.setCells(cells);
    QImage target(800, 600, QImage::Format_ARGB32_Premultiplied);
    target.fill(Qt::transparent);
    auto stats = overlay.render(target, {QPointF(4000, 4000), 0.02, QSizeF(800, 600)});
    EXPECT_EQ(stats.mode, ui::CellDrawMode::HeatMap);
    target.fill(Qt::transparent);
    stats = overlay.render(target, {QPointF(4000, 4000), 0.15, QSizeF(800, 600)});
    EXPECT_EQ(stats.mode, ui::CellDrawMode::Dots);
    target.fill(Qt::transparent);
    stats = overlay.render(target, {QPointF(4000, 4000), 2.0, QSizeF(800, 600)});
    EXPECT_EQ(stats.mode, ui::CellDrawMode::Outlines);
    EXPECT_GT(stats.cellsDrawn, 50u);
    EXPECT_LT(stats.cellsDrawn, 1000u);
    // A 3+ cell's outline is drawn in the 3+ colour.
    bool red = false;
    for (int y = 0; y < 600 && !red; ++y)
        for (int x = 0; x < 800 && !red; ++x) {
            const QColor c = QColor::fromRgba(target.pixel(x, y));
            red = c.alpha() > 100 && c.red() > 180 && c.green() < 80 && c.blue() < 80;
        }
    EXPECT_TRUE(red);
    // Picking: inside an outline, and nothing far away.
    const auto hit = overlay.cellAt(20 + 40 * 3, 20 + 40 * 5, 5);
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(*hit, 5u * 200 + 3);
    EXPECT_FALSE(overlay.cellAt(-500, -500, 5).has_value());
    // Layers can be switched off.
    overlay.settings().cells = false;
    overlay.settings().heatMap = false;
    target.fill(Qt::transparent);
    stats = overlay.render(target, {QPointF(4000, 4000), 2.0, QSizeF(800, 600)});
    EXPECT_EQ(stats.mode, ui::CellDrawMode::None);
}
