#include "slide/TiffFile.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>

#include "slide/SlideDetail.hpp"

namespace her2::imaging {

namespace {

struct OptionsDeleter {
    void operator()(TIFFOpenOptions* o) const noexcept { TIFFOpenOptionsFree(o); }
};

}  // namespace

int TiffFile::onError(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
    char buffer[512];
    std::vsnprintf(buffer, sizeof buffer, fmt, ap);
    auto* self = static_cast<TiffFile*>(user);
    if (self && self->m_error.empty())
        self->m_error =
            detail::oneLine((module && *module ? std::string(module) + ": " : std::string()) + buffer);
    return 1;  // handled: libtiff must not print
}

int TiffFile::onWarning(TIFF*, void*, const char*, const char*, va_list) {
    return 1;
}

bool TiffFile::openInternal(const std::filesystem::path& path) {
    m_path = path;
    std::unique_ptr<TIFFOpenOptions, OptionsDeleter> options(TIFFOpenOptionsAlloc());
    TIFFOpenOptionsSetErrorHandlerExtR(options.get(), &TiffFile::onError, this);
    TIFFOpenOptionsSetWarningHandlerExtR(options.get(), &TiffFile::onWarning, this);
    // "rm": read-only without memory mapping, so a truncated file cannot fault on access.
    m_tiff.reset(TIFFOpenExt(path.c_str(), "rm", options.get()));
    return m_tiff != nullptr;
}

TiffFile::TiffFile(const std::filesystem::path& path) {
    if (!openInternal(path)) raise("not a readable TIFF");
}

std::unique_ptr<TiffFile> TiffFile::tryOpen(const std::filesystem::path& path) {
    std::unique_ptr<TiffFile> file(new TiffFile());
    if (!file->openInternal(path)) return nullptr;
    return file;
}

void TiffFile::raise(const std::string& what) const {
    detail::fail(m_path, m_error.empty() ? what : what + " (" + m_error + ")");
}

int TiffFile::directoryCount() const {
    return static_cast<int>(TIFFNumberOfDirectories(m_tiff.get()));
}

void TiffFile::setDirectory(int index) {
    if (index == m_directory && static_cast<int>(TIFFCurrentDirectory(m_tiff.get())) == index) return;
    if (!TIFFSetDirectory(m_tiff.get(), static_cast<tdir_t>(index)))
        raise("cannot read TIFF directory " + std::to_string(index));
    m_directory = index;
}

std::uint32_t TiffFile::width() const {
    std::uint32_t v = 0;
    TIFFGetField(m_tiff.get(), TIFFTAG_IMAGEWIDTH, &v);
    return v;
}

std::uint32_t TiffFile::height() const {
    std::uint32_t v = 0;
    TIFFGetField(m_tiff.get(), TIFFTAG_IMAGELENGTH, &v);
    return v;
}

std::uint16_t TiffFile::samplesPerPixel() const {
    std::uint16_t v = 1;
    TIFFGetFieldDefaulted(m_tiff.get(), TIFFTAG_SAMPLESPERPIXEL, &v);
    return v;
}

std::uint16_t TiffFile::bitsPerSample() const {
    std::uint16_t v = 1;
    TIFFGetFieldDefaulted(m_tiff.get(), TIFFTAG_BITSPERSAMPLE, &v);
    return v;
}

std::uint16_t TiffFile::photometric() const {
    std::uint16_t v = 0xFFFF;
    TIFFGetField(m_tiff.get(), TIFFTAG_PHOTOMETRIC, &v);
    return v;
}

std::uint16_t TiffFile::compression() const {
    std::uint16_t v = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(m_tiff.get(), TIFFTAG_COMPRESSION, &v);
    return v;
}

std::uint16_t TiffFile::planarConfig() const {
    std::uint16_t v = PLANARCONFIG_CONTIG;
    TIFFGetFieldDefaulted(m_tiff.get(), TIFFTAG_PLANARCONFIG, &v);
    return v;
}

std::uint16_t TiffFile::sampleFormat() const {
    std::uint16_t v = SAMPLEFORMAT_UINT;
    TIFFGetFieldDefaulted(m_tiff.get(), TIFFTAG_SAMPLEFORMAT, &v);
    return v;
}

bool TiffFile::isTiled() const {
    return TIFFIsTiled(m_tiff.get()) != 0;
}

std::string TiffFile::stringField(std::uint32_t tag) const {
    const char* v = nullptr;
    if (TIFFGetField(m_tiff.get(), tag, &v) && v) return v;
    return {};
}

cv::Vec2d TiffFile::micronsPerPixel() const {
    float xres = 0, yres = 0;
    std::uint16_t unit = RESUNIT_INCH;
    if (!TIFFGetField(m_tiff.get(), TIFFTAG_XRESOLUTION, &xres)) return {0, 0};
    if (!TIFFGetField(m_tiff.get(), TIFFTAG_YRESOLUTION, &yres)) yres = xres;
    TIFFGetFieldDefaulted(m_tiff.get(), TIFFTAG_RESOLUTIONUNIT, &unit);
    const double mx = detail::mppFromResolution(xres, unit);
    const double my = detail::mppFromResolution(yres, unit);
    if (mx <= 0 || my <= 0) return {0, 0};
    return {mx, my};
}

cv::Mat TiffFile::readImage() {
    TIFF* tif = m_tiff.get();
    const std::uint32_t w = width(), h = height();
    const int spp = samplesPerPixel();
    const int bps = bitsPerSample();
    const std::uint16_t photo = photometric();
    if (w == 0 || h == 0) raise("TIFF image has no pixels");
    if (static_cast<std::int64_t>(w) * h > kMaxPlainImagePixels)
        raise("image is " + std::to_string(w) + "x" + std::to_string(h) + " pixels, more than the " +
              std::to_string(kMaxPlainImagePixels) + "-pixel limit for untiled images");
    if (!TIFFIsCODECConfigured(compression()))
        raise("unsupported TIFF compression " + std::to_string(compression()));
    const bool direct =
        (bps == 8 || bps == 16) && sampleFormat() == SAMPLEFORMAT_UINT && spp >= 1 && spp <= CV_CN_MAX &&
        (photo == PHOTOMETRIC_MINISBLACK || photo == 0xFFFF || photo == PHOTOMETRIC_MINISWHITE ||
         (photo == PHOTOMETRIC_RGB && (spp == 3 || spp == 4)) ||
         (photo == PHOTOMETRIC_YCBCR && compression() == COMPRESSION_JPEG && spp == 3 && bps == 8));
    if (!direct) {
        cv::Mat rgba(static_cast<int>(h), static_cast<int>(w), CV_8UC4);
        if (!TIFFReadRGBAImageOriented(tif, w, h, rgba.ptr<std::uint32_t>(), ORIENTATION_TOPLEFT, 0))
            raise("cannot decode TIFF image");
        // libtiff packs ABGR into a uint32 (R in the low byte): on little endian that is RGBA in memory.
        return rgba;
    }
    if (photo == PHOTOMETRIC_YCBCR) TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    const int depth = bps == 8 ? CV_8U : CV_16U;
    const std::size_t bytes = static_cast<std::size_t>(bps / 8);
    cv::Mat out(static_cast<int>(h), static_cast<int>(w), CV_MAKETYPE(depth, spp));
    const bool planar = planarConfig() == PLANARCONFIG_SEPARATE && spp > 1;
    const int planes = planar ? spp : 1;
    const int chunkSamples = planar ? 1 : spp;
    std::vector<std::uint8_t> buffer;
    auto copyBlock = [&](const std::uint8_t* src, std::uint32_t x0, std::uint32_t y0, std::uint32_t bw,
                         std::uint32_t bh, int plane) {
        const std::uint32_t cw = std::min(bw, w - x0), ch = std::min(bh, h - y0);
        for (std::uint32_t r = 0; r < ch; ++r) {
            const std::uint8_t* s = src + static_cast<std::size_t>(r) * bw * chunkSamples * bytes;
            std::uint8_t* d =
                out.ptr<std::uint8_t>(static_cast<int>(y0 + r)) + static_cast<std::size_t>(x0) * spp * bytes;
            if (!planar) {
                std::memcpy(d, s, static_cast<std::size_t>(cw) * spp * bytes);
            } else {
                for (std::uint32_t c = 0; c < cw; ++c)
                    std::memcpy(d + (static_cast<std::size_t>(c) * spp + plane) * bytes, s + c * bytes,
                                bytes);
            }
        }
    };
    if (isTiled()) {
        std::uint32_t tw = 0, th = 0;
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
        if (tw == 0 || th == 0) raise("TIFF tile size is zero");
        buffer.resize(static_cast<std::size_t>(TIFFTileSize(tif)));
        for (int p = 0; p < planes; ++p)
            for (std::uint32_t y = 0; y < h; y += th)
                for (std::uint32_t x = 0; x < w; x += tw) {
                    if (TIFFReadTile(tif, buffer.data(), x, y, 0, static_cast<std::uint16_t>(p)) < 0)
                        raise("cannot decode TIFF tile at " + std::to_string(x) + "," + std::to_string(y));
                    copyBlock(buffer.data(), x, y, tw, th, p);
                }
    } else {
        std::uint32_t rps = h;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
        rps = std::min(std::max<std::uint32_t>(rps, 1), h);
        buffer.resize(static_cast<std::size_t>(w) * rps * chunkSamples * bytes);
        const std::uint32_t stripsPerPlane = (h + rps - 1) / rps;
        for (int p = 0; p < planes; ++p)
            for (std::uint32_t s = 0; s < stripsPerPlane; ++s) {
                const std::uint32_t y = s * rps;
                const std::uint32_t rows = std::min(rps, h - y);
                const tmsize_t want =
                    static_cast<tmsize_t>(static_cast<std::size_t>(w) * rows * chunkSamples * bytes);
                const tstrip_t strip =
                    static_cast<tstrip_t>(s + static_cast<std::uint32_t>(p) * stripsPerPlane);
                if (TIFFReadEncodedStrip(tif, strip, buffer.data(), want) < 0)
                    raise("cannot decode TIFF strip " + std::to_string(strip));
                copyBlock(buffer.data(), 0, y, w, rows, p);
            }
    }
    if (photo == PHOTOMETRIC_MINISWHITE) cv::bitwise_not(out, out);
    return out;
}

}  // namespace her2::imaging
