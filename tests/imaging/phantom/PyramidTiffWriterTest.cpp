#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <tiffio.h>

#include <opencv2/imgproc.hpp>

#include "her2/core/Errors.hpp"
#include "her2/imaging/PyramidTiffWriter.hpp"
#include "phantom/PhantomTestUtil.hpp"

namespace fs = std::filesystem;
using namespace her2::imaging;

namespace {

cv::Mat gradientImage(int w, int h) {
    cv::Mat m(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            m.at<cv::Vec3b>(y, x) =
                cv::Vec3b(static_cast<uchar>(x * 255 / w), static_cast<uchar>(y * 255 / h),
                          static_cast<uchar>(((x / 40 + y / 40) % 2) ? 200 : 60));
    return m;
}

struct DirInfo {
    std::uint32_t width = 0, height = 0, tileW = 0, tileH = 0, subfile = 0;
    std::uint16_t compression = 0, photometric = 0, resUnit = 0;
    float xres = 0, yres = 0;
    std::string description;
};

std::vector<DirInfo> readDirs(const fs::path& p) {
    std::vector<DirInfo> out;
    TIFF* t = TIFFOpen(p.string().c_str(), "r");
    if (!t) return out;
    do {
        DirInfo d;
        TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &d.width);
        TIFFGetField(t, TIFFTAG_IMAGELENGTH, &d.height);
        TIFFGetField(t, TIFFTAG_TILEWIDTH, &d.tileW);
        TIFFGetField(t, TIFFTAG_TILELENGTH, &d.tileH);
        TIFFGetField(t, TIFFTAG_SUBFILETYPE, &d.subfile);
        TIFFGetField(t, TIFFTAG_COMPRESSION, &d.compression);
        TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &d.photometric);
        TIFFGetField(t, TIFFTAG_RESOLUTIONUNIT, &d.resUnit);
        TIFFGetField(t, TIFFTAG_XRESOLUTION, &d.xres);
        TIFFGetField(t, TIFFTAG_YRESOLUTION, &d.yres);
        char* desc = nullptr;
        if (TIFFGetField(t, TIFFTAG_IMAGEDESCRIPTION, &desc) && desc) d.description = desc;
        out.push_back(d);
    } while (TIFFReadDirectory(t));
    TIFFClose(t);
    return out;
}

/// Reads a whole directory as RGB through libtiff's RGBA interface.
cv::Mat readRgb(const fs::path& p, int dir) {
    TIFF* t = TIFFOpen(p.string().c_str(), "r");
    if (!t) return {};
    TIFFSetDirectory(t, static_cast<tdir_t>(dir));
    std::uint32_t w = 0, h = 0;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    cv::Mat rgba(static_cast<int>(h), static_cast<int>(w), CV_8UC4);
    const int ok = TIFFReadRGBAImageOriented(t, w, h, reinterpret_cast<std::uint32_t*>(rgba.data),
                                             ORIENTATION_TOPLEFT, 0);
    TIFFClose(t);
    if (!ok) return {};
    cv::Mat rgb;
    cv::cvtColor(rgba, rgb, cv::COLOR_RGBA2RGB);
    return rgb;
}

}  // namespace

TEST(Phantom_PyramidTiffWriter, levels_tags_and_pixels) {
    her2test::TempDir dir("pyr");
    const fs::path out = dir.path() / "slide.tif";
    const cv::Mat img = gradientImage(2600, 1700);
    PyramidTiffOptions o;
    o.tileSize = 256;
    o.jpegQuality = 95;
    o.mpp = 0.25;
    writePyramidTiff(out, img, o);
    ASSERT_TRUE(fs::exists(out));
    EXPECT_FALSE(fs::exists(dir.path() / "slide.tif.partial"));
    const auto dirs = readDirs(out);
    ASSERT_EQ(dirs.size(), 3u);  // 2600 -> 1300 -> 650 (< 1024)
    EXPECT_EQ(dirs[0].width, 2600u);
    EXPECT_EQ(dirs[0].height, 1700u);
    EXPECT_EQ(dirs[1].width, 1300u);
    EXPECT_EQ(dirs[1].height, 850u);
    EXPECT_EQ(dirs[2].width, 650u);
    EXPECT_EQ(dirs[2].height, 425u);
    for (std::size_t i = 0; i < dirs.size(); ++i) {
        EXPECT_EQ(dirs[i].tileW, 256u);
        EXPECT_EQ(dirs[i].compression, COMPRESSION_JPEG);
        EXPECT_EQ(dirs[i].photometric, PHOTOMETRIC_YCBCR);
        EXPECT_EQ(dirs[i].resUnit, RESUNIT_CENTIMETER);
        EXPECT_EQ(dirs[i].subfile, i == 0 ? 0u : static_cast<std::uint32_t>(FILETYPE_REDUCEDIMAGE));
    }
    EXPECT_NEAR(dirs[0].xres, 40000.0, 1.0);  // 0.25 µm/px = 40000 px/cm
    EXPECT_NEAR(dirs[1].xres, 20000.0, 1.0);
    EXPECT_NE(dirs[0].description.find("mpp=0.25"), std::string::npos);
    EXPECT_NE(dirs[0].description.find("AppMag=40"), std::string::npos);

    const cv::Mat back0 = readRgb(out, 0);
    ASSERT_FALSE(back0.empty());
    EXPECT_LT(cv::norm(back0, img, cv::NORM_L1) / img.total() / 3, 3.0);
    cv::Mat half;
    cv::resize(img, half, cv::Size(1300, 850), 0, 0, cv::INTER_AREA);
    const cv::Mat back1 = readRgb(out, 1);
    ASSERT_FALSE(back1.empty());
    EXPECT_LT(cv::norm(back1, half, cv::NORM_L1) / half.total() / 3, 5.0);
}

TEST(Phantom_PyramidTiffWriter, tile_by_tile_equals_rows_and_step4) {
    her2test::TempDir dir("pyr4");
    const cv::Mat img = gradientImage(1300, 1100);
    PyramidTiffOptions o;
    o.tileSize = 512;
    o.downsampleStep = 4;
    o.jpegColor = JpegColorSpace::Rgb;
    o.minLevelSide = 256;
    const fs::path a = dir.path() / "a.tif";
    writePyramidTiff(a, img, o);
    const fs::path b = dir.path() / "b.tif";
    {
        PyramidTiffWriter w(b, img.cols, img.rows, o);
        for (int y = 0; y < img.rows; y += 512)
            for (int x = 0; x < img.cols; x += 512)
                w.writeTile(img(cv::Rect(x, y, std::min(512, img.cols - x), std::min(512, img.rows - y))));
        w.finish();
    }
    EXPECT_EQ(her2test::fileBytes(a), her2test::fileBytes(b));
    // Same pixels at every level whether fed tile by tile or row by row.
    for (int level = 0; level < 3; ++level) {
        const cv::Mat pa = readRgb(a, level), pb = readRgb(b, level);
        ASSERT_FALSE(pa.empty());
        ASSERT_EQ(pa.size(), pb.size()) << "level " << level;
        EXPECT_EQ(cv::norm(pa, pb, cv::NORM_INF), 0.0) << "level " << level;
    }
    const auto dirs = readDirs(a);
    ASSERT_EQ(dirs.size(), 3u);  // 1300 -> 325 -> 82 (< 256)
    EXPECT_EQ(dirs[1].width, 325u);
    EXPECT_EQ(dirs[2].width, 82u);
    EXPECT_EQ(dirs[0].photometric, PHOTOMETRIC_RGB);
}

TEST(Phantom_PyramidTiffWriter, abandoned_writer_leaves_nothing) {
    her2test::TempDir dir("pyrx");
    const fs::path out = dir.path() / "x.tif";
    {
        PyramidTiffWriter w(out, 3000, 3000);
        w.writeTileRow(cv::Mat(256, 3000, CV_8UC3, cv::Scalar(200, 200, 200)));
        EXPECT_THROW(w.finish(), her2::core::InputError);
    }
    EXPECT_TRUE(fs::is_empty(dir.path()));
    EXPECT_THROW(PyramidTiffWriter(dir.path() / "nodir" / "y.tif", 100, 100), her2::core::InputError);
}
