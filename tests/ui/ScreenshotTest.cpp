// The rendered view of a known slide matches its reference picture. Runs offscreen in the
// unit suite and under a real X server (xvfb-run) as its own ctest entry.
#include <gtest/gtest.h>

#include <QImage>
#include <cstdlib>

#include "UiTestSupport.hpp"
#include "her2/imaging/SlideSource.hpp"
#include "her2/ui/SlideViewer.hpp"

using namespace her2;

TEST(Screenshot, boxesTiffMatchesBoxesPng) {
    her2test::app();
    const QImage reference(her2test::testData("slides/boxes.png"));
    ASSERT_FALSE(reference.isNull());
    ui::SlideViewer viewer;
    viewer.resize(reference.size());
    viewer.setHudVisible(false);
    viewer.show();  // a real window under X: paints through the platform plugin
    viewer.setSlide(imaging::openSlide(her2test::testData("slides/boxes.tiff").toStdString()));
    viewer.setView(QPointF(reference.width() / 2.0, reference.height() / 2.0), 1.0);
    ASSERT_TRUE(viewer.waitForTiles(20000));
    ASSERT_EQ(viewer.size(), reference.size());
    // grab() goes through the widget's paint event, as the screen would.
    const QImage shot = viewer.grab().toImage().convertToFormat(QImage::Format_RGB32);
    const QImage want = reference.convertToFormat(QImage::Format_RGB32);
    ASSERT_EQ(shot.size(), want.size());
    if (const char* dir = std::getenv("HER2_SCREENSHOT_DIR"))
        shot.save(QString::fromLocal8Bit(dir) + "/boxes-view.png");
    long long sum = 0;
    int worst = 0;
    for (int y = 0; y < want.height(); ++y)
        for (int x = 0; x < want.width(); ++x) {
            const QRgb a = shot.pixel(x, y), b = want.pixel(x, y);
            const int d = std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)),
                                    std::abs(qBlue(a) - qBlue(b))});
            sum += d;
            worst = std::max(worst, d);
        }
    const double mean = double(sum) / (want.width() * want.height());
    EXPECT_LT(mean, 2.0) << "mean channel difference";
    EXPECT_LE(worst, 40) << "largest channel difference";
}
