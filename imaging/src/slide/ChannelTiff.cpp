#include "slide/ChannelTiff.hpp"

#include <regex>

#include "slide/ChannelStackSource.hpp"
#include "slide/SlideDetail.hpp"
#include "slide/TiffFile.hpp"

namespace her2::imaging {

namespace {

constexpr int kMaxDirectories = 1024;

bool greySamples(const TiffFile& t) {
    const auto photo = t.photometric();
    const auto bps = t.bitsPerSample();
    return (bps == 8 || bps == 16) && t.sampleFormat() == SAMPLEFORMAT_UINT &&
           (photo == PHOTOMETRIC_MINISBLACK || photo == PHOTOMETRIC_MINISWHITE || photo == 0xFFFF);
}

struct Layout {
    bool multiSample = false;
    std::vector<int> pages;  ///< directories holding one channel each
};

Layout findLayout(TiffFile& t) {
    Layout layout;
    t.setDirectory(0);
    const std::uint32_t w = t.width(), h = t.height();
    if (greySamples(t) && t.samplesPerPixel() >= 2) {
        layout.multiSample = true;
        return layout;
    }
    const int count = std::min(t.directoryCount(), kMaxDirectories);
    for (int d = 0; d < count; ++d) {
        t.setDirectory(d);
        if (t.width() == w && t.height() == h && t.samplesPerPixel() == 1 && greySamples(t))
            layout.pages.push_back(d);
    }
    return layout;
}

std::vector<std::string> omeChannelNames(const std::string& description) {
    std::vector<std::string> names;
    if (description.find("<OME") == std::string::npos) return names;
    static const std::regex channel(R"re(<(?:\w+:)?Channel\b[^>]*?\bName="([^"]*)")re");
    for (auto it = std::sregex_iterator(description.begin(), description.end(), channel);
         it != std::sregex_iterator(); ++it)
        names.push_back((*it)[1].str());
    return names;
}

}  // namespace

bool isChannelTiff(const std::filesystem::path& path) {
    const auto sig = detail::sniffSignature(path);
    if (sig != detail::FileSignature::Tiff && sig != detail::FileSignature::BigTiff) return false;
    try {
        auto t = TiffFile::tryOpen(path);
        if (!t) return false;
        const Layout layout = findLayout(*t);
        return layout.multiSample || layout.pages.size() >= 2;
    } catch (const core::InputError&) {
        return false;
    }
}

std::unique_ptr<SlideSource> openChannelTiff(const std::filesystem::path& path) {
    TiffFile t(path);
    const Layout layout = findLayout(t);
    t.setDirectory(0);
    const cv::Vec2d mpp = t.micronsPerPixel();
    const std::vector<std::string> ome = omeChannelNames(t.stringField(TIFFTAG_IMAGEDESCRIPTION));
    std::vector<cv::Mat> channels;
    std::vector<std::string> names;
    if (layout.multiSample) {
        const std::int64_t samples = std::int64_t{t.width()} * t.height() * t.samplesPerPixel();
        if (samples > 4 * kMaxPlainImagePixels)
            detail::fail(path, "multi-channel image too large to hold in memory (" + std::to_string(samples) +
                                   " samples)");
        cv::split(t.readImage(), channels);
    } else {
        if (layout.pages.size() * std::int64_t{t.width()} * t.height() > 4 * kMaxPlainImagePixels)
            detail::fail(path, "multi-channel image too large to hold in memory");
        for (int d : layout.pages) {
            t.setDirectory(d);
            channels.push_back(t.readImage());
            names.push_back(detail::oneLine(t.stringField(TIFFTAG_PAGENAME)));
        }
    }
    names.resize(channels.size());
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i].empty() && i < ome.size()) names[i] = detail::oneLine(ome[i]);
    core::PixelCalibration calibration = core::PixelCalibration::uncalibrated();
    if (mpp[0] > 0 && mpp[1] > 0) calibration = core::PixelCalibration(mpp[0], mpp[1], "tiff-resolution");
    return std::make_unique<ChannelStackSource>(path, "tiff-channels", std::move(channels), std::move(names),
                                                calibration);
}

}  // namespace her2::imaging
