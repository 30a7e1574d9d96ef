#include "slide/ImageFileSource.hpp"

#include <array>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "slide/SlideDetail.hpp"
#include "slide/TiffFile.hpp"

namespace her2::imaging {

namespace {

std::uint32_t bigEndian32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void checkPixelCount(const std::filesystem::path& path, std::int64_t w, std::int64_t h) {
    if (w <= 0 || h <= 0)
        detail::fail(path,
                     "image header gives an invalid size " + std::to_string(w) + "x" + std::to_string(h));
    if (w * h > kMaxPlainImagePixels)
        detail::fail(path, "image is " + std::to_string(w) + "x" + std::to_string(h) +
                               " pixels, more than the " + std::to_string(kMaxPlainImagePixels) +
                               "-pixel limit for untiled images; convert it to a tiled pyramidal TIFF");
}

/// PNG: size from IHDR, calibration from pHYs (pixels per metre). Throws on a bad header.
cv::Vec2d checkPngHeader(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 33> head{};
    in.read(reinterpret_cast<char*>(head.data()), head.size());
    if (in.gcount() < static_cast<std::streamsize>(head.size()) ||
        std::string(head.begin() + 12, head.begin() + 16) != "IHDR")
        detail::fail(path, "truncated or corrupt PNG header");
    checkPixelCount(path, bigEndian32(&head[16]), bigEndian32(&head[20]));
    // Walk the chunks before IDAT for pHYs.
    for (int guard = 0; guard < 64 && in; ++guard) {
        std::array<unsigned char, 8> chunk{};
        in.read(reinterpret_cast<char*>(chunk.data()), chunk.size());
        if (in.gcount() < 8) break;
        const std::uint32_t length = bigEndian32(chunk.data());
        const std::string type(chunk.begin() + 4, chunk.end());
        if (type == "IDAT" || type == "IEND") break;
        if (type == "pHYs" && length == 9) {
            std::array<unsigned char, 9> p{};
            in.read(reinterpret_cast<char*>(p.data()), p.size());
            if (in.gcount() == 9 && p[8] == 1) {  // unit: metre
                const double mx = detail::mppFromResolution(bigEndian32(&p[0]) / 100.0, 3);
                const double my = detail::mppFromResolution(bigEndian32(&p[4]) / 100.0, 3);
                if (mx > 0 && my > 0) return {mx, my};
            }
            break;
        }
        in.seekg(static_cast<std::streamoff>(length) + 4, std::ios::cur);
    }
    return {0, 0};
}

/// JPEG: size from the first SOFn marker.
void checkJpegHeader(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(2);
    for (int guard = 0; guard < 100000 && in; ++guard) {
        int c = in.get();
        if (c != 0xFF) continue;
        int marker = in.get();
        while (marker == 0xFF) marker = in.get();
        if (marker < 0) break;
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;
        if (marker == 0xD9 || marker == 0xDA) break;  // end of image / start of scan before any SOF
        std::array<unsigned char, 2> len{};
        in.read(reinterpret_cast<char*>(len.data()), 2);
        const int length = (len[0] << 8) | len[1];
        if (length < 2) break;
        const bool sof =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sof) {
            std::array<unsigned char, 5> s{};
            in.read(reinterpret_cast<char*>(s.data()), 5);
            if (in.gcount() < 5) break;
            checkPixelCount(path, (s[3] << 8) | s[4], (s[1] << 8) | s[2]);
            return;
        }
        in.seekg(length - 2, std::ios::cur);
    }
    detail::fail(path, "truncated or corrupt JPEG: no frame header before the image data");
}

cv::Mat decodeWithOpenCv(const std::filesystem::path& path, const std::string& format) {
    cv::Mat m;
    try {
        m = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        detail::fail(path, "cannot decode " + format + " image (" + e.err + ")");
    }
    if (m.empty()) detail::fail(path, "cannot decode " + format + " image (corrupt or truncated)");
    if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
    if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2RGBA);
    return m;
}

/// Grey stays grey; grey+alpha, RGBA become RGB over white; other channel counts are refused.
cv::Mat normaliseChannels(const std::filesystem::path& path, cv::Mat m) {
    if (m.depth() != CV_8U && m.depth() != CV_16U) {
        if (m.depth() == CV_8S || m.depth() == CV_16S)
            m.convertTo(m, m.depth() == CV_8S ? CV_8U : CV_16U);
        else
            detail::fail(path, "unsupported sample type (only 8- and 16-bit unsigned images)");
    }
    if (m.channels() == 1 || m.channels() == 3) return m;
    if (m.channels() == 2 || m.channels() == 4) {
        if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
        return detail::toRgb8(m, {255, 255, 255});
    }
    detail::fail(path, "image has " + std::to_string(m.channels()) +
                           " samples per pixel; plain images must be grey or RGB");
}

}  // namespace

DecodedImage decodePlainImage(const std::filesystem::path& path) {
    DecodedImage out;
    switch (detail::sniffSignature(path)) {
        case detail::FileSignature::Png:
            out.format = "png";
            out.mpp = checkPngHeader(path);
            out.pixels = decodeWithOpenCv(path, "PNG");
            break;
        case detail::FileSignature::Jpeg:
            out.format = "jpeg";
            checkJpegHeader(path);
            out.pixels = decodeWithOpenCv(path, "JPEG");
            break;
        case detail::FileSignature::Tiff:
        case detail::FileSignature::BigTiff: {
            out.format = "tiff";
            TiffFile tiff(path);
            checkPixelCount(path, tiff.width(), tiff.height());
            out.mpp = tiff.micronsPerPixel();
            out.pixels = tiff.readImage();
            break;
        }
        default:
            detail::fail(path, "not a PNG, JPEG or TIFF image");
    }
    out.pixels = normaliseChannels(path, out.pixels);
    return out;
}

cv::Mat cropWithFill(const cv::Mat& image, const core::RectI& rect, const cv::Scalar& fill) {
    cv::Mat out(static_cast<int>(rect.height), static_cast<int>(rect.width), image.type(), fill);
    const core::RectI inside = rect.intersected({0, 0, image.cols, image.rows});
    if (inside.empty()) return out;
    const cv::Rect src(static_cast<int>(inside.x), static_cast<int>(inside.y), static_cast<int>(inside.width),
                       static_cast<int>(inside.height));
    const cv::Rect dst(static_cast<int>(inside.x - rect.x), static_cast<int>(inside.y - rect.y), src.width,
                       src.height);
    image(src).copyTo(out(dst));
    return out;
}

ImageFileSource::ImageFileSource(const std::filesystem::path& path) : SlideSource(path) {
    DecodedImage d = decodePlainImage(path);
    m_native = d.pixels;
    m_format = d.format;
    m_mpp = d.mpp;
    m_rgb = detail::toRgb8(m_native, backgroundColour());
    m_levels.push_back({m_native.cols, m_native.rows, 1.0});
}

cv::Mat ImageFileSource::readRegion(const core::RectI& rect, int level) const {
    detail::checkRegionRequest(*this, rect, level);
    const cv::Vec3b bg = backgroundColour();
    return cropWithFill(m_rgb, rect, cv::Scalar(bg[0], bg[1], bg[2]));
}

std::vector<cv::Mat> ImageFileSource::readChannels(const core::RectI& rect, int level) const {
    detail::checkRegionRequest(*this, rect, level);
    const cv::Mat crop =
        cropWithFill(m_native, rect, cv::Scalar::all(m_native.depth() == CV_16U ? 65535 : 255));
    std::vector<cv::Mat> planes;
    cv::split(crop, planes);
    return planes;
}

std::vector<std::string> ImageFileSource::channelNames() const {
    if (m_native.channels() == 1) return {"Grey"};
    return {"R", "G", "B"};
}

std::map<std::string, std::string> ImageFileSource::properties() const {
    return {{"image.format", m_format},
            {"image.bits-per-sample", m_native.depth() == CV_16U ? "16" : "8"},
            {"image.channels", std::to_string(m_native.channels())}};
}

core::PixelCalibration DecodedImage::calibration() const {
    if (mpp[0] > 0 && mpp[1] > 0)
        return core::PixelCalibration(mpp[0], mpp[1], format == "png" ? "png-phys" : "tiff-resolution");
    return core::PixelCalibration::uncalibrated();
}

core::PixelCalibration ImageFileSource::nativeCalibration() const {
    return DecodedImage{cv::Mat(), m_format, m_mpp}.calibration();
}

}  // namespace her2::imaging
