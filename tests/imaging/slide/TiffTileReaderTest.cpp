// The decoded-tile cache of the direct TIFF reader: same pixels with and without it, each
// file tile decoded once for overlapping reads, and a budget that is kept.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "ImagingTestUtil.hpp"
#include "her2/imaging/TiffTileReader.hpp"

using namespace her2::imaging;
using her2test::maxAbsDiff;

namespace {

std::filesystem::path aperio() {
    return std::filesystem::path(HER2_TESTDATA_DIR) / "slides" / "cmu-1-small-region.svs";
}

cv::Mat readAt(const TiffTileReader& r, std::int64_t x, std::int64_t y, int w, int h) {
    cv::Mat m(h, w, CV_8UC3, cv::Scalar(1, 2, 3));
    r.read(0, x, y, m);
    return m;
}

}  // namespace

TEST(Slide_TiffTileCache, cached_reads_equal_uncached_reads) {
    const auto cached = TiffTileReader::open(aperio());
    const auto plain = TiffTileReader::open(aperio());
    ASSERT_TRUE(cached && plain);
    plain->setCacheBytes(0);
    // Overlapping rectangles across the 240 px tile borders, and one over the level's edge.
    for (int i = 0; i < 12; ++i) {
        const std::int64_t x = 100 + 170 * i, y = 200 + 130 * (i % 5);
        const cv::Mat a = readAt(*cached, x, y, 300, 260);
        const cv::Mat b = readAt(*plain, x, y, 300, 260);
        EXPECT_EQ(maxAbsDiff(a, b), 0.0) << x << "," << y;
    }
    const auto& L = cached->levels()[0];
    EXPECT_EQ(maxAbsDiff(readAt(*cached, L.width - 50, L.height - 40, 120, 100),
                         readAt(*plain, L.width - 50, L.height - 40, 120, 100)),
              0.0);
    EXPECT_LT(cached->tilesDecoded(), plain->tilesDecoded());
}

TEST(Slide_TiffTileCache, overlapping_reads_decode_each_tile_once) {
    const auto r = TiffTileReader::open(aperio());
    ASSERT_TRUE(r);
    const auto& L = r->levels()[0];
    // A 3 x 3 block of tiles read as four overlapping quarters with a halo.
    const int side = 3 * L.tileWidth;
    for (int qy = 0; qy < 2; ++qy)
        for (int qx = 0; qx < 2; ++qx)
            readAt(*r, qx * (side / 2 - 20), qy * (side / 2 - 20), side / 2 + 20, side / 2 + 20);
    EXPECT_EQ(r->tilesDecoded(), 9u);
}

TEST(Slide_TiffTileCache, a_small_budget_evicts_and_still_reads_right) {
    const auto small = TiffTileReader::open(aperio());
    const auto plain = TiffTileReader::open(aperio());
    ASSERT_TRUE(small && plain);
    const auto& L = small->levels()[0];
    const std::size_t tileBytes = static_cast<std::size_t>(L.tileWidth) * L.tileHeight * 3;
    small->setCacheBytes(2 * tileBytes);  // two tiles: every 2 x 2 read evicts
    plain->setCacheBytes(0);
    for (int pass = 0; pass < 2; ++pass)
        for (int i = 0; i < 6; ++i) {
            const std::int64_t x = 60 + 200 * i, y = 90 + 150 * i;
            EXPECT_EQ(maxAbsDiff(readAt(*small, x, y, 260, 250), readAt(*plain, x, y, 260, 250)), 0.0);
        }
    // Evicted tiles were decoded again on the second pass.
    EXPECT_GT(small->tilesDecoded(), plain->tilesDecoded() / 2);
}

TEST(Slide_TiffTileCache, concurrent_readers_share_the_cache) {
    const auto r = TiffTileReader::open(aperio());
    const auto plain = TiffTileReader::open(aperio());
    ASSERT_TRUE(r && plain);
    plain->setCacheBytes(0);
    std::vector<cv::Mat> a(16), b(16);
    auto work = [&](std::vector<cv::Mat>& out, bool reverse) {
        for (int k = 0; k < 16; ++k) {
            const int i = reverse ? 15 - k : k;
            out[static_cast<std::size_t>(i)] = readAt(*r, 37 * i, 53 * i, 300, 300);
        }
    };
    std::thread t1(work, std::ref(a), false), t2(work, std::ref(b), true);
    t1.join();
    t2.join();
    for (int i = 0; i < 16; ++i) {
        const cv::Mat ref = readAt(*plain, 37 * i, 53 * i, 300, 300);
        EXPECT_EQ(maxAbsDiff(a[static_cast<std::size_t>(i)], ref), 0.0);
        EXPECT_EQ(maxAbsDiff(b[static_cast<std::size_t>(i)], ref), 0.0);
    }
}
