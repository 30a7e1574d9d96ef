#include "her2/imaging/SlideSource.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>

#include <opencv2/imgproc.hpp>

#include "slide/ChannelStackSource.hpp"
#include "slide/ChannelTiff.hpp"
#include "slide/ImageFileSource.hpp"
#include "slide/OpenSlideSource.hpp"
#include "slide/SlideChannelStack.hpp"
#include "slide/SlideDetail.hpp"

namespace her2::imaging {

// ---- SlideSource ---------------------------------------------------------------------------

int SlideSource::bestLevelForDownsample(double downsample) const {
    const auto& L = levels();
    int best = 0;
    for (std::size_t i = 0; i < L.size(); ++i)
        if (L[i].downsample <= downsample * (1 + 1e-9)) best = static_cast<int>(i);
    return best;
}

core::PixelCalibration SlideSource::calibration() const {
    if (!m_hasOverride) return nativeCalibration();
    core::PixelCalibration c = m_override;
    if (!c.objectivePower) c.objectivePower = nativeCalibration().objectivePower;
    return c;
}

std::vector<cv::Mat> SlideSource::readChannels(const core::RectI& rect, int level) const {
    std::vector<cv::Mat> planes;
    cv::split(readRegion(rect, level), planes);
    return planes;
}

std::vector<std::string> SlideSource::channelNames() const {
    return {"R", "G", "B"};
}

cv::Mat SlideSource::readAssociatedImage(const std::string& name) const {
    detail::fail(path(), "no associated image named \"" + name + "\"");
}

cv::Mat SlideSource::thumbnail(int maxSide) const {
    if (maxSide < 1) detail::fail(path(), "thumbnail size must be at least 1 pixel");
    const double longSide = static_cast<double>(std::max(width(), height()));
    const double want = std::max(1.0, longSide / maxSide);
    const int level = bestLevelForDownsample(want);
    cv::Mat image = readRegion({0, 0, width(), height()}, level);
    const double scale = std::min(1.0, static_cast<double>(maxSide) / std::max(image.cols, image.rows));
    if (scale < 1.0) {
        const cv::Size size(std::max(1, static_cast<int>(std::lround(image.cols * scale))),
                            std::max(1, static_cast<int>(std::lround(image.rows * scale))));
        cv::resize(image, image, size, 0, 0, cv::INTER_AREA);
    }
    return image;
}

// ---- back-end table ------------------------------------------------------------------------

namespace {

struct BackEnd {
    const char* name;
    std::function<bool(const std::filesystem::path&)> detect;
    std::function<std::unique_ptr<SlideSource>(const std::filesystem::path&, const SlideOpenOptions&)> open;
};

bool isPlainImage(const std::filesystem::path& path) {
    switch (detail::sniffSignature(path)) {
        case detail::FileSignature::Png:
        case detail::FileSignature::Jpeg:
        case detail::FileSignature::Tiff:
        case detail::FileSignature::BigTiff:
            return true;
        default:
            return false;
    }
}

/// Tried in this order; the first whose detect() accepts and whose open() succeeds wins.
/// Channel TIFFs come first: OpenSlide would take a tiled grey multi-page TIFF as a generic
/// TIFF and show only its first page.
const std::vector<BackEnd>& backEnds() {
    static const std::vector<BackEnd> table = {
        {"tiff-channels", [](const auto& p) { return isChannelTiff(p); },
         [](const auto& p, const auto&) { return openChannelTiff(p); }},
        {"openslide", [](const auto& p) { return OpenSlideSource::detectVendor(p).has_value(); },
         [](const auto& p, const auto& o) -> std::unique_ptr<SlideSource> {
             return std::make_unique<OpenSlideSource>(p, o);
         }},
        {"image", [](const auto& p) { return isPlainImage(p); },
         [](const auto& p, const auto&) -> std::unique_ptr<SlideSource> {
             return std::make_unique<ImageFileSource>(p);
         }},
    };
    return table;
}

/// Throws InputError unless `path` is a non-empty readable regular file.
void checkFile(const std::filesystem::path& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || status.type() == std::filesystem::file_type::not_found) {
        if (ec && ec != std::errc::no_such_file_or_directory)
            detail::fail(path, "cannot access the file (" + ec.message() + ")");
        detail::fail(path, "no such file");
    }
    if (status.type() == std::filesystem::file_type::directory)
        detail::fail(path, "is a directory, not a slide or image file");
    if (status.type() != std::filesystem::file_type::regular) detail::fail(path, "is not a regular file");
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) detail::fail(path, "cannot read the file size (" + ec.message() + ")");
    if (size == 0) detail::fail(path, "file is empty (0 bytes)");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        detail::fail(path, std::string("cannot open the file for reading (") + std::strerror(errno) + ")");
}

}  // namespace

std::vector<std::string> slideBackEndNames() {
    std::vector<std::string> names;
    for (const BackEnd& b : backEnds()) names.emplace_back(b.name);
    return names;
}

std::unique_ptr<SlideSource> openSlide(const std::filesystem::path& path) {
    return openSlide(path, {});
}

std::unique_ptr<SlideSource> openSlide(const std::filesystem::path& path, const SlideOpenOptions& options) {
    checkFile(path);
    std::optional<core::InputError> firstError;
    for (const BackEnd& b : backEnds()) {
        if (!b.detect(path)) continue;
        try {
            return b.open(path, options);
        } catch (const core::InputError& e) {
            if (!firstError) firstError = e;
        }
    }
    if (firstError) throw *firstError;
    if (detail::sniffSignature(path) == detail::FileSignature::Text)
        detail::fail(path, "not a slide or image: the file contains text");
    detail::fail(
        path, "unrecognised file format (not a whole-slide format OpenSlide reads, nor TIFF, PNG or JPEG)");
}

// ---- channel stack -------------------------------------------------------------------------

std::unique_ptr<SlideSource> openChannelStack(const std::vector<std::filesystem::path>& paths,
                                              const std::vector<std::string>& names) {
    if (paths.empty()) throw core::InputError("(channel stack)", "no channel files given");
    if (!names.empty() && names.size() != paths.size())
        throw core::InputError(detail::oneLine(paths.front().string()),
                               "channel stack has " + std::to_string(paths.size()) + " files but " +
                                   std::to_string(names.size()) + " names");
    // Whole slides (pyramids, e.g. one NDPI per probe) are read region by region; plain
    // images are decoded once and held in memory.
    checkFile(paths.front());
    if (const auto sig = detail::sniffSignature(paths.front());
        sig != detail::FileSignature::Png && sig != detail::FileSignature::Jpeg) {
        auto first = openSlide(paths.front());
        if (first->levels().size() > 1) {
            std::vector<std::unique_ptr<SlideSource>> slides;
            slides.push_back(std::move(first));
            for (std::size_t i = 1; i < paths.size(); ++i) {
                checkFile(paths[i]);
                slides.push_back(openSlide(paths[i]));
            }
            std::vector<std::string> stackNames = names;
            return std::make_unique<SlideChannelStack>(std::move(slides), std::move(stackNames));
        }
    }
    std::vector<cv::Mat> channels;
    std::vector<std::string> channelNames;
    core::PixelCalibration calibration = core::PixelCalibration::uncalibrated();
    for (std::size_t i = 0; i < paths.size(); ++i) {
        checkFile(paths[i]);
        DecodedImage d = decodePlainImage(paths[i]);
        cv::Mat grey = d.pixels;
        if (grey.channels() == 3) {
            std::vector<cv::Mat> planes;
            cv::split(grey, planes);
            grey = detail::maxOfPlanes(planes);
        }
        if (i == 0) {
            calibration = d.calibration();
        } else if (grey.size() != channels.front().size()) {
            detail::fail(paths[i], "channel image is " + std::to_string(grey.cols) + "x" +
                                       std::to_string(grey.rows) + " but " +
                                       detail::oneLine(paths.front().filename().string()) + " is " +
                                       std::to_string(channels.front().cols) + "x" +
                                       std::to_string(channels.front().rows));
        }
        channels.push_back(grey);
        channelNames.push_back(names.empty() ? paths[i].stem().string() : names[i]);
    }
    return std::make_unique<ChannelStackSource>(paths.front(), "channel-stack", std::move(channels),
                                                std::move(channelNames), calibration);
}

// ---- folder walk ---------------------------------------------------------------------------

bool looksLikeSlide(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) == 0 || ec)
        return false;
    switch (detail::sniffSignature(path)) {
        case detail::FileSignature::Tiff:
        case detail::FileSignature::BigTiff:
        case detail::FileSignature::Jpeg:
        case detail::FileSignature::Png:
            return true;
        default:
            break;
    }
    if (OpenSlideSource::detectVendor(path)) return true;
    // Index files of multi-file formats whose own content carries no image magic.
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static const std::array<const char*, 4> indexFormats = {".mrxs", ".vms", ".vmu", ".svslide"};
    return std::find(indexFormats.begin(), indexFormats.end(), ext) != indexFormats.end();
}

}  // namespace her2::imaging
