#include "slide/OpenSlideSource.hpp"

#include <cmath>
#include <cstdlib>
#include <vector>

#include <openslide.h>

#include "slide/SlideDetail.hpp"

namespace her2::imaging {

namespace {

std::optional<double> parseNumber(const std::map<std::string, std::string>& p, const std::string& key) {
    const auto it = p.find(key);
    if (it == p.end() || it->second.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || !std::isfinite(v)) return std::nullopt;
    return v;
}

core::PixelCalibration calibrationFrom(const std::map<std::string, std::string>& p) {
    core::PixelCalibration c = core::PixelCalibration::uncalibrated();
    const auto mx = parseNumber(p, OPENSLIDE_PROPERTY_NAME_MPP_X);
    const auto my = parseNumber(p, OPENSLIDE_PROPERTY_NAME_MPP_Y);
    if (mx && my && *mx > 0 && *my > 0) {
        c = core::PixelCalibration(*mx, *my, "openslide.mpp");
    } else {
        // OpenSlide 3.4.1 does not calibrate generic TIFF: use the resolution tags.
        const auto unitIt = p.find("tiff.ResolutionUnit");
        const std::string unit = unitIt == p.end() ? "" : unitIt->second;
        const int code = unit == "inch" ? 2 : unit == "centimeter" ? 3 : 0;
        const auto xr = parseNumber(p, "tiff.XResolution");
        const auto yr = parseNumber(p, "tiff.YResolution");
        if (code && xr && yr) {
            const double px = detail::mppFromResolution(*xr, code), py = detail::mppFromResolution(*yr, code);
            if (px > 0 && py > 0) c = core::PixelCalibration(px, py, "tiff-resolution");
        }
    }
    auto power = parseNumber(p, OPENSLIDE_PROPERTY_NAME_OBJECTIVE_POWER);
    if (!power) power = parseNumber(p, "aperio.AppMag");
    if (power && *power > 0) c.objectivePower = *power;
    return c;
}

}  // namespace

void OpenSlideSource::Closer::operator()(_openslide* osr) const noexcept {
    openslide_close(osr);
}

std::optional<std::string> OpenSlideSource::detectVendor(const std::filesystem::path& path) {
    const char* vendor = openslide_detect_vendor(path.c_str());
    if (!vendor) return std::nullopt;
    return std::string(vendor);
}

OpenSlideSource::OpenSlideSource(const std::filesystem::path& path, const SlideOpenOptions& options)
    : SlideSource(path) {
    m_vendor = detectVendor(path).value_or("unknown");
    m_osr.reset(openslide_open(path.c_str()));
    if (!m_osr) detail::fail(path, "OpenSlide does not recognise the file (" + m_vendor + ")");
    if (const char* err = openslide_get_error(m_osr.get()))
        detail::fail(path, std::string("OpenSlide cannot open it: ") + err);

    const std::int32_t count = openslide_get_level_count(m_osr.get());
    if (count < 1) detail::fail(path, "OpenSlide reports no pyramid levels");
    for (std::int32_t l = 0; l < count; ++l) {
        LevelInfo info;
        openslide_get_level_dimensions(m_osr.get(), l, &info.width, &info.height);
        info.downsample = openslide_get_level_downsample(m_osr.get(), l);
        if (info.width <= 0 || info.height <= 0 || !(info.downsample > 0))
            detail::fail(path, "OpenSlide reports an invalid size for level " + std::to_string(l));
        m_levels.push_back(info);
    }
    for (const char* const* n = openslide_get_property_names(m_osr.get()); n && *n; ++n) {
        const char* v = openslide_get_property_value(m_osr.get(), *n);
        m_properties[*n] = v ? v : "";
    }
    for (const char* const* n = openslide_get_associated_image_names(m_osr.get()); n && *n; ++n)
        m_associated.emplace_back(*n);
    throwIfError("reading its metadata");

    const auto bg = m_properties.find(OPENSLIDE_PROPERTY_NAME_BACKGROUND_COLOR);
    if (bg != m_properties.end() && bg->second.size() == 6) {
        char* end = nullptr;
        const unsigned long rgb = std::strtoul(bg->second.c_str(), &end, 16);
        if (end && *end == '\0')
            m_background = cv::Vec3b(static_cast<std::uint8_t>(rgb >> 16),
                                     static_cast<std::uint8_t>(rgb >> 8), static_cast<std::uint8_t>(rgb));
    }
    m_calibration = calibrationFrom(m_properties);

    // Fast path: every level is a plain tiled RGB/JPEG directory that libtiff can decode.
    if (options.fastTiffTiles && (m_vendor == "aperio" || m_vendor == "generic-tiff")) {
        auto reader = TiffTileReader::open(path);
        std::vector<int> map;
        for (const LevelInfo& L : m_levels) {
            const int i = reader ? reader->findLevel(L.width, L.height) : -1;
            if (i < 0) break;
            map.push_back(i);
        }
        if (reader && map.size() == m_levels.size()) {
            m_fast = std::move(reader);
            m_fastLevel = std::move(map);
        }
    }
}

OpenSlideSource::~OpenSlideSource() = default;

void OpenSlideSource::throwIfError(const std::string& during) const {
    if (const char* err = openslide_get_error(m_osr.get()))
        detail::fail(path(), "OpenSlide failed " + during + ": " + err);
}

void OpenSlideSource::argbToRgb(const std::uint32_t* argb, cv::Mat& rgb, int row0, int rows) const {
    const int bgR = m_background[0], bgG = m_background[1], bgB = m_background[2];
    for (int r = 0; r < rows; ++r) {
        auto* d = rgb.ptr<cv::Vec3b>(row0 + r);
        const std::uint32_t* s = argb + static_cast<std::size_t>(r) * rgb.cols;
        for (int x = 0; x < rgb.cols; ++x) {
            const std::uint32_t p = s[x];
            const int a = static_cast<int>(p >> 24);
            const int R = static_cast<int>((p >> 16) & 0xFF), G = static_cast<int>((p >> 8) & 0xFF),
                      B = static_cast<int>(p & 0xFF);
            if (a == 255) {
                d[x] = cv::Vec3b(static_cast<std::uint8_t>(R), static_cast<std::uint8_t>(G),
                                 static_cast<std::uint8_t>(B));
            } else if (a == 0) {
                d[x] = m_background;
            } else {
                // Premultiplied colour over the background: c + bg * (1 - alpha).
                const int k = 255 - a;
                d[x] = cv::Vec3b(static_cast<std::uint8_t>(std::min(255, R + (bgR * k + 127) / 255)),
                                 static_cast<std::uint8_t>(std::min(255, G + (bgG * k + 127) / 255)),
                                 static_cast<std::uint8_t>(std::min(255, B + (bgB * k + 127) / 255)));
            }
        }
    }
}

cv::Mat OpenSlideSource::readRegion(const core::RectI& rect, int level) const {
    detail::checkRegionRequest(*this, rect, level);
    const double ds = m_levels[static_cast<std::size_t>(level)].downsample;
    const cv::Size size = detail::levelSize(rect, ds);
    cv::Mat rgb(size, CV_8UC3);

    if (m_fast) {
        rgb.setTo(cv::Scalar(m_background[0], m_background[1], m_background[2]));
        const auto lx = static_cast<std::int64_t>(std::floor(static_cast<double>(rect.x) / ds));
        const auto ly = static_cast<std::int64_t>(std::floor(static_cast<double>(rect.y) / ds));
        m_fast->read(m_fastLevel[static_cast<std::size_t>(level)], lx, ly, rgb);
        return rgb;
    }

    // Read in bands so the ARGB buffer stays below ~64 MiB for large requests.
    const int bandRows = std::max(1, std::min(size.height, (16 << 20) / std::max(1, size.width)));
    std::vector<std::uint32_t> argb(static_cast<std::size_t>(size.width) * bandRows);
    for (int row0 = 0; row0 < size.height; row0 += bandRows) {
        const int rows = std::min(bandRows, size.height - row0);
        const auto y0 = rect.y + static_cast<std::int64_t>(std::llround(row0 * ds));
        throwIfError("before reading");
        openslide_read_region(m_osr.get(), argb.data(), rect.x, y0, level, size.width, rows);
        throwIfError("reading region " + std::to_string(rect.x) + "," + std::to_string(rect.y) + " " +
                     std::to_string(rect.width) + "x" + std::to_string(rect.height) + " at level " +
                     std::to_string(level));
        argbToRgb(argb.data(), rgb, row0, rows);
    }
    return rgb;
}

cv::Mat OpenSlideSource::readAssociatedImage(const std::string& name) const {
    if (std::find(m_associated.begin(), m_associated.end(), name) == m_associated.end())
        detail::fail(path(), "no associated image named \"" + name + "\"");
    std::int64_t w = 0, h = 0;
    openslide_get_associated_image_dimensions(m_osr.get(), name.c_str(), &w, &h);
    throwIfError("reading associated image \"" + name + "\"");
    if (w <= 0 || h <= 0 || w * h > kMaxPlainImagePixels)
        detail::fail(path(), "associated image \"" + name + "\" has an invalid size");
    std::vector<std::uint32_t> argb(static_cast<std::size_t>(w * h));
    openslide_read_associated_image(m_osr.get(), name.c_str(), argb.data());
    throwIfError("reading associated image \"" + name + "\"");
    cv::Mat rgb(static_cast<int>(h), static_cast<int>(w), CV_8UC3);
    argbToRgb(argb.data(), rgb, 0, rgb.rows);
    return rgb;
}

}  // namespace her2::imaging
