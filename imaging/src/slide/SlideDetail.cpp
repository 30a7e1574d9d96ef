#include "slide/SlideDetail.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>

namespace her2::imaging::detail {

std::string oneLine(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    bool space = false;
    for (char c : text) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
        if (c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

void fail(const std::filesystem::path& path, const std::string& problem) {
    throw core::InputError(oneLine(path.string()), oneLine(problem));
}

cv::Size levelSize(const core::RectI& rect, double downsample) {
    const auto w = static_cast<std::int64_t>(std::ceil(static_cast<double>(rect.width) / downsample - 1e-9));
    const auto h = static_cast<std::int64_t>(std::ceil(static_cast<double>(rect.height) / downsample - 1e-9));
    return {static_cast<int>(std::max<std::int64_t>(w, 1)), static_cast<int>(std::max<std::int64_t>(h, 1))};
}

void checkRegionRequest(const SlideSource& source, const core::RectI& rect, int level) {
    const auto& levels = source.levels();
    if (level < 0 || level >= static_cast<int>(levels.size()))
        fail(source.path(), "level " + std::to_string(level) + " does not exist (the slide has " +
                                std::to_string(levels.size()) + ")");
    if (rect.empty())
        fail(source.path(), "empty region " + std::to_string(rect.width) + "x" + std::to_string(rect.height));
    const double ds = levels[static_cast<std::size_t>(level)].downsample;
    const double w = std::ceil(static_cast<double>(rect.width) / ds);
    const double h = std::ceil(static_cast<double>(rect.height) / ds);
    if (w * h > static_cast<double>(kMaxPlainImagePixels) || w > 1 << 30 || h > 1 << 30)
        fail(source.path(), "region of " + std::to_string(static_cast<std::int64_t>(w)) + "x" +
                                std::to_string(static_cast<std::int64_t>(h)) +
                                " pixels is too large to read at once; read it in tiles");
}

FileSignature sniffSignature(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 512> b{};
    in.read(reinterpret_cast<char*>(b.data()), b.size());
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0) ||
                   (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42)))
        return FileSignature::Tiff;
    if (n >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 43 && b[3] == 0) ||
                   (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 43)))
        return FileSignature::BigTiff;
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return FileSignature::Jpeg;
    if (n >= 8 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G' && b[4] == '\r' && b[5] == '\n' &&
        b[6] == 0x1A && b[7] == '\n')
        return FileSignature::Png;
    if (n > 0 && std::all_of(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n), [](unsigned char c) {
            return c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c != 0x7F);
        }))
        return FileSignature::Text;
    return FileSignature::Unknown;
}

double mppFromResolution(double pixelsPerUnit, int unit) {
    if (!(pixelsPerUnit > 0) || !std::isfinite(pixelsPerUnit)) return 0;
    double mpp = 0;
    if (unit == 2)
        mpp = 25400.0 / pixelsPerUnit;
    else if (unit == 3)
        mpp = 10000.0 / pixelsPerUnit;
    else
        return 0;
    // 72 or 96 dpi defaults written by image editors are not microscope calibrations.
    return mpp <= 50.0 ? mpp : 0;
}

cv::Mat maxOfPlanes(const std::vector<cv::Mat>& planes) {
    if (planes.size() == 1) return planes.front();
    cv::Mat grey;
    cv::max(planes[0], planes[1], grey);
    for (std::size_t i = 2; i < planes.size(); ++i) cv::max(grey, planes[i], grey);
    return grey;
}

cv::Mat toRgb8(const cv::Mat& image, const cv::Vec3b& background) {
    cv::Mat eight;
    if (image.depth() == CV_8U)
        eight = image;
    else if (image.depth() == CV_16U)
        image.convertTo(eight, CV_8U, 1.0 / 257.0);
    else
        image.convertTo(eight, CV_8U);
    cv::Mat rgb(eight.size(), CV_8UC3);
    const int cn = eight.channels();
    for (int y = 0; y < eight.rows; ++y) {
        const std::uint8_t* s = eight.ptr<std::uint8_t>(y);
        auto* d = rgb.ptr<cv::Vec3b>(y);
        for (int x = 0; x < eight.cols; ++x, s += cn) {
            if (cn == 1 || cn == 2) {
                cv::Vec3b v(s[0], s[0], s[0]);
                if (cn == 2) {
                    const int a = s[1];
                    for (int c = 0; c < 3; ++c)
                        v[c] = static_cast<std::uint8_t>((v[c] * a + background[c] * (255 - a) + 127) / 255);
                }
                d[x] = v;
            } else if (cn == 3) {
                d[x] = cv::Vec3b(s[0], s[1], s[2]);
            } else {
                const int a = s[3];
                for (int c = 0; c < 3; ++c)
                    d[x][c] = static_cast<std::uint8_t>((s[c] * a + background[c] * (255 - a) + 127) / 255);
            }
        }
    }
    return rgb;
}

}  // namespace her2::imaging::detail
