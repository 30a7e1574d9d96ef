// Slide readers against real files from outside the project (../shared/testdata/slides).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ImagingTestUtil.hpp"
#include "her2/core/Errors.hpp"
#include "her2/imaging/SlideSource.hpp"
#include "her2/imaging/TileGrid.hpp"

namespace fs = std::filesystem;
using her2::core::InputError;
using her2::core::RectI;
using namespace her2::imaging;
using her2test::maxAbsDiff;

namespace {

fs::path slidePath(const std::string& name) {
    return fs::path(HER2_TESTDATA_DIR) / "slides" / name;
}

fs::path tempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    auto dir = fs::temp_directory_path() / (std::string("her2-slide-") + info->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

}  // namespace

TEST(Slide_OpenSlide, aperio_small_region_dimensions_and_mpp) {
    const auto s = openSlide(slidePath("cmu-1-small-region.svs"));
    EXPECT_EQ(s->vendor(), "openslide:aperio");
    EXPECT_EQ(s->width(), 2220);
    EXPECT_EQ(s->height(), 2967);
    ASSERT_EQ(s->levels().size(), 1u);
    const auto cal = s->calibration();
    ASSERT_TRUE(cal.calibrated());
    EXPECT_NEAR(cal.mppX(), 0.499, 1e-3);
    EXPECT_NEAR(cal.mppY(), 0.499, 1e-3);
    ASSERT_TRUE(cal.objectivePower.has_value());
    EXPECT_DOUBLE_EQ(*cal.objectivePower, 20);
}

TEST(Slide_OpenSlide, ndpi_levels_and_mpp) {
    const auto s = openSlide(slidePath("fluorescence-dapi.ndpi"));
    EXPECT_EQ(s->vendor(), "openslide:hamamatsu");
    EXPECT_EQ(s->width(), 3968);
    EXPECT_EQ(s->height(), 4864);
    ASSERT_EQ(s->levels().size(), 7u);
    EXPECT_DOUBLE_EQ(s->levels()[3].downsample, 8.0);
    EXPECT_NEAR(s->calibration().mppX(), 0.2282, 1e-4);
    EXPECT_EQ(s->bestLevelForDownsample(10), 3);
    EXPECT_EQ(s->bestLevelForDownsample(0.5), 0);
    EXPECT_EQ(s->bestLevelForDownsample(1000), 6);
}

TEST(Slide_OpenSlide, jpeg2000_svs_opens_and_reads) {
    const auto s = openSlide(slidePath("tcga-cr-7395-01a-01-ts1.svs"));
    EXPECT_EQ(s->width(), 4443);
    EXPECT_EQ(s->height(), 3567);
    ASSERT_EQ(s->levels().size(), 2u);
    const cv::Mat m = s->readRegion({1000, 1000, 300, 200}, 1);
    EXPECT_EQ(m.type(), CV_8UC3);
    EXPECT_EQ(m.cols, 150);
    EXPECT_EQ(m.rows, 100);
}

TEST(Slide_OpenSlide, boxes_tiff_matches_png_at_level_0_and_downsampled_levels) {
    const auto s = openSlide(slidePath("boxes.tiff"));
    ASSERT_EQ(s->levels().size(), 4u);
    cv::Mat expected = cv::imread(slidePath("boxes.png").string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(expected.empty());
    cv::cvtColor(expected, expected, cv::COLOR_BGR2RGB);
    const cv::Mat level0 = s->readRegion({0, 0, s->width(), s->height()}, 0);
    ASSERT_EQ(level0.size(), expected.size());
    EXPECT_LE(maxAbsDiff(level0, expected), 8.0);  // JPEG-compressed tiles
    // Every lower level shows the same boxes: compare with the expected image reduced alike.
    for (int level = 1; level < static_cast<int>(s->levels().size()); ++level) {
        const cv::Mat got = s->readRegion({0, 0, s->width(), s->height()}, level);
        cv::Mat ref;
        cv::resize(expected, ref, got.size(), 0, 0, cv::INTER_AREA);
        cv::Mat diff;
        cv::absdiff(got, ref, diff);
        EXPECT_LT(cv::mean(diff)[0] + cv::mean(diff)[1] + cv::mean(diff)[2], 3 * 25.0) << "level " << level;
    }
}

TEST(Slide_OpenSlide, fast_tile_path_equals_openslide_across_tile_borders) {
    const auto fast = openSlide(slidePath("cmu-1-small-region.svs"), SlideOpenOptions{true});
    const auto slow = openSlide(slidePath("cmu-1-small-region.svs"), SlideOpenOptions{false});
    // Rectangles straddling 240-px Aperio tile borders, and one hanging over the slide edge.
    for (const RectI r : {RectI{230, 470, 300, 260}, RectI{0, 0, 257, 513}, RectI{2100, 2900, 200, 120}}) {
        const cv::Mat a = fast->readRegion(r, 0);
        const cv::Mat b = slow->readRegion(r, 0);
        ASSERT_EQ(a.size(), b.size());
        EXPECT_LE(maxAbsDiff(a, b), 2.0) << r.x << "," << r.y;
    }
}

TEST(Slide_OpenSlide, region_beyond_the_edge_is_background) {
    const auto s = openSlide(slidePath("cmu-1-small-region.svs"));
    const cv::Mat m = s->readRegion({2200, 2950, 100, 100}, 0);
    ASSERT_EQ(m.size(), cv::Size(100, 100));
    const cv::Vec3b bg = s->backgroundColour();
    EXPECT_EQ(m.at<cv::Vec3b>(99, 99), bg);
    EXPECT_EQ(m.at<cv::Vec3b>(50, 60), bg);
}

TEST(Slide_OpenSlide, concurrent_reads_give_identical_pixels) {
    const auto s = openSlide(slidePath("cmu-1-small-region.svs"));
    std::vector<RectI> rects;
    for (int i = 0; i < 24; ++i) rects.push_back({(i * 97) % 1900, (i * 131) % 2600, 256, 256});
    std::vector<cv::Mat> serial;
    for (const auto& r : rects) serial.push_back(s->readRegion(r, 0));
    std::vector<cv::Mat> a(rects.size()), b(rects.size());
    std::thread t1([&] {
        for (std::size_t i = 0; i < rects.size(); ++i) a[i] = s->readRegion(rects[i], 0);
    });
    std::thread t2([&] {
        for (std::size_t i = rects.size(); i-- > 0;) b[i] = s->readRegion(rects[i], 0);
    });
    t1.join();
    t2.join();
    for (std::size_t i = 0; i < rects.size(); ++i) {
        EXPECT_EQ(maxAbsDiff(a[i], serial[i]), 0.0);
        EXPECT_EQ(maxAbsDiff(b[i], serial[i]), 0.0);
    }
}

TEST(Slide_PlainImage, strip_tiff_and_png_open_uncalibrated) {
    const auto s = openSlide(slidePath("kidney-48-5.tif"));
    EXPECT_EQ(s->width(), 1493);
    EXPECT_EQ(s->height(), 901);
    EXPECT_EQ(s->readRegion({1400, 850, 200, 100}, 0).size(), cv::Size(200, 100));
    const auto png = openSlide(slidePath("boxes.png"));
    EXPECT_EQ(png->vendor(), "image:png");
    EXPECT_FALSE(png->calibration().calibrated());
}

TEST(Slide_Calibration, user_override_wins) {
    const auto s = openSlide(slidePath("boxes.png"));
    s->setCalibration(her2::core::PixelCalibration(0.5, 0.5, "user"));
    EXPECT_TRUE(s->calibration().calibrated());
    EXPECT_DOUBLE_EQ(s->calibration().mpp(), 0.5);
    EXPECT_EQ(s->calibration().source(), "user");
}

TEST(Slide_Thumbnail, fits_the_requested_size) {
    const auto s = openSlide(slidePath("fluorescence-dapi.ndpi"));
    const cv::Mat t = s->thumbnail(256);
    EXPECT_EQ(std::max(t.cols, t.rows), 256);
    EXPECT_EQ(t.type(), CV_8UC3);
}

// Every refused file gives one line naming the file and the problem.
class Slide_BadInput : public ::testing::TestWithParam<std::string> {};

TEST_P(Slide_BadInput, open_or_read_throws_input_error_naming_the_file) {
    const fs::path dir = tempDir();
    const std::string kind = GetParam();
    fs::path p;
    if (kind == "broken.svs" || kind == "unopenable.tiff" || kind == "unreadable.svs") {
        p = slidePath(kind);
    } else if (kind == "empty") {
        p = dir / "empty.svs";
        std::ofstream(p).close();
    } else if (kind == "text") {
        p = dir / "notes.svs";
        std::ofstream(p) << "this is not a slide\n";
    } else if (kind == "directory") {
        p = dir / "folder.svs";
        fs::create_directories(p);
    } else if (kind == "missing") {
        p = dir / "missing.svs";
    } else if (kind == "truncated-png") {
        p = dir / "cut.png";
        std::ifstream in(slidePath("boxes.png"), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        std::ofstream(p, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    }
    try {
        const auto s = openSlide(p);
        // Opened: reading its pixels must fail instead (corrupt tile data).
        (void)s->readRegion({0, 0, s->width(), s->height()}, 0);
        FAIL() << kind << ": neither open nor read failed";
    } catch (const InputError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(p.filename().string()), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
        EXPECT_FALSE(e.problem().empty());
    }
}

INSTANTIATE_TEST_SUITE_P(Files, Slide_BadInput,
                         ::testing::Values("broken.svs", "unopenable.tiff", "unreadable.svs", "empty", "text",
                                           "directory", "missing", "truncated-png"),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (auto& c : n)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n;
                         });

TEST(Slide_BadInput, png_claiming_huge_size_is_refused_before_decoding) {
    const fs::path dir = tempDir();
    // A valid PNG header announcing 100000 x 100000 RGB pixels.
    const unsigned char header[] = {0x89, 'P',  'N', 'G', '\r', '\n', 0x1a, '\n', 0,    0, 0,
                                    13,   'I',  'H', 'D', 'R',  0,    1,    0x86, 0xa0, 0, 1,
                                    0x86, 0xa0, 8,   2,   0,    0,    0,    0,    0,    0, 0};
    const fs::path p = dir / "huge.png";
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(header), sizeof header);
    try {
        (void)openSlide(p);
        FAIL() << "a 100000 x 100000 plain image was accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("huge.png"), std::string::npos);
    }
}

TEST(Slide_TileGrid, cores_cover_the_slide_once_and_halos_stay_inside) {
    const auto s = openSlide(slidePath("cmu-1-small-region.svs"));
    const TileGrid grid = TileGrid::forSlide(*s, 512, 48);
    std::int64_t area = 0;
    for (const auto& t : grid.tiles()) {
        area += t.core.width * t.core.height;
        EXPECT_GE(t.read.x, 0);
        EXPECT_GE(t.read.y, 0);
        EXPECT_LE(t.read.right(), s->width());
        EXPECT_LE(t.read.bottom(), s->height());
        EXPECT_EQ(t.read.intersected(t.core), t.core);
    }
    EXPECT_EQ(area, s->width() * s->height());
    EXPECT_EQ(grid.columns(), 5);
    EXPECT_EQ(grid.rows(), 6);
}

// One whole slide per probe (e.g. one NDPI per channel) combined into one fluorescence source.
TEST(Slide_ChannelStack, one_ndpi_per_probe_is_read_region_by_region) {
    const fs::path ndpi = slidePath("fluorescence-dapi.ndpi");
    if (!fs::exists(ndpi)) GTEST_SKIP() << "test slide missing";
    const auto stack = openChannelStack({ndpi, ndpi, ndpi}, {"DAPI", "HER2", "CEP17"});
    const auto single = openSlide(ndpi);
    EXPECT_EQ(stack->kind(), ImageKind::Fluorescence);
    EXPECT_EQ(stack->vendor().rfind("channel-stack:", 0), 0u) << stack->vendor();
    ASSERT_EQ(stack->levels().size(), single->levels().size());  // the pyramid is kept
    EXPECT_EQ(stack->width(), single->width());
    EXPECT_NEAR(stack->calibration().mpp(), single->calibration().mpp(), 1e-9);
    EXPECT_EQ(stack->channelNames(), (std::vector<std::string>{"DAPI", "HER2", "CEP17"}));

    // Each channel is the slide's grey signal: the per-pixel maximum of what it reads.
    const RectI rect{1000, 1200, 700, 500};
    const std::vector<cv::Mat> planes = single->readChannels(rect, 1);
    cv::Mat want = planes.front().clone();
    for (std::size_t i = 1; i < planes.size(); ++i) cv::max(want, planes[i], want);
    const std::vector<cv::Mat> got = stack->readChannels(rect, 1);
    ASSERT_EQ(got.size(), 3u);
    for (const cv::Mat& c : got) {
        ASSERT_EQ(c.size(), want.size());
        ASSERT_EQ(c.type(), want.type());
        EXPECT_EQ(cv::norm(c, want, cv::NORM_INF), 0.0);
    }
    EXPECT_GT(cv::norm(want, cv::NORM_INF), 0.0);  // a real region, not padding
    EXPECT_EQ(stack->readRegion(rect, 1).type(), CV_8UC3);
}

TEST(Slide_ChannelStack, slides_of_different_sizes_are_refused_naming_the_file) {
    const fs::path ndpi = slidePath("fluorescence-dapi.ndpi");
    const fs::path other = slidePath("boxes.tiff");
    if (!fs::exists(ndpi) || !fs::exists(other)) GTEST_SKIP() << "test slides missing";
    try {
        (void)openChannelStack({ndpi, other}, {});
        FAIL() << "expected an error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("boxes.tiff"), std::string::npos) << e.what();
    }
}
