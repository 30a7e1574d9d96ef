#include "slide/ChannelStackSource.hpp"

#include <algorithm>
#include <cctype>

#include <opencv2/imgproc.hpp>

#include "slide/ImageFileSource.hpp"
#include "slide/SlideDetail.hpp"

namespace her2::imaging {

namespace {

/// Sample values at the 0.1 % and 99.9 % points of the histogram.
cv::Vec2f displayRange(const cv::Mat& channel) {
    const int bins = channel.depth() == CV_16U ? 65536 : 256;
    std::vector<std::uint64_t> hist(static_cast<std::size_t>(bins), 0);
    for (int y = 0; y < channel.rows; ++y) {
        if (channel.depth() == CV_16U) {
            const auto* p = channel.ptr<std::uint16_t>(y);
            for (int x = 0; x < channel.cols; ++x) ++hist[p[x]];
        } else {
            const auto* p = channel.ptr<std::uint8_t>(y);
            for (int x = 0; x < channel.cols; ++x) ++hist[p[x]];
        }
    }
    const auto total = static_cast<double>(channel.total());
    const double lowCount = total * 0.001, highCount = total * 0.999;
    double cum = 0;
    int low = 0, high = bins - 1;
    bool lowSet = false;
    for (int v = 0; v < bins; ++v) {
        cum += static_cast<double>(hist[static_cast<std::size_t>(v)]);
        if (!lowSet && cum > lowCount) {
            low = v;
            lowSet = true;
        }
        if (cum >= highCount) {
            high = v;
            break;
        }
    }
    if (high <= low) high = low + 1;
    return {static_cast<float>(low), static_cast<float>(high)};
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

cv::Vec3f ChannelStackSource::tintFor(const std::string& name, std::size_t index) {
    const std::string n = lower(name);
    auto has = [&](const char* key) { return n.find(key) != std::string::npos; };
    if (has("dapi") || has("hoechst") || has("blue")) return {0, 0, 1};
    if (has("fitc") || has("gfp") || has("green") || has("488") || has("cep")) return {0, 1, 0};
    if (has("cy5") || has("647") || has("far")) return {1, 0, 1};
    if (has("cy3") || has("tritc") || has("orange") || has("red") || has("555") || has("594") || has("her2"))
        return {1, 0.25f, 0};
    static const cv::Vec3f palette[] = {{0, 0, 1}, {0, 1, 0}, {1, 0, 0}, {1, 0, 1}, {0, 1, 1}, {1, 1, 0}};
    return palette[index % std::size(palette)];
}

ChannelStackSource::ChannelStackSource(std::filesystem::path path, std::string vendor,
                                       std::vector<cv::Mat> channels, std::vector<std::string> names,
                                       core::PixelCalibration calibration)
    : SlideSource(std::move(path)),
      m_vendor(std::move(vendor)),
      m_channels(std::move(channels)),
      m_names(std::move(names)),
      m_calibration(std::move(calibration)) {
    if (m_channels.empty()) detail::fail(this->path(), "no image channels");
    for (std::size_t i = 0; i < m_channels.size(); ++i) {
        const cv::Mat& c = m_channels[i];
        if (c.channels() != 1 || (c.depth() != CV_8U && c.depth() != CV_16U))
            detail::fail(this->path(), "channel " + std::to_string(i + 1) + " is not 8- or 16-bit grey");
        if (c.size() != m_channels.front().size())
            detail::fail(this->path(), "channel " + std::to_string(i + 1) + " size differs from channel 1");
        if (i >= m_names.size()) m_names.push_back("C" + std::to_string(i + 1));
        if (m_names[i].empty()) m_names[i] = "C" + std::to_string(i + 1);
        m_displayRange.push_back(displayRange(c));
        m_tints.push_back(tintFor(m_names[i], i));
    }
    m_names.resize(m_channels.size());
    m_levels.push_back({m_channels.front().cols, m_channels.front().rows, 1.0});
}

void ChannelStackSource::addTinted(cv::Mat& sum, const cv::Mat& scaled, const cv::Vec3f& tint) {
    for (int y = 0; y < sum.rows; ++y) {
        auto* d = sum.ptr<cv::Vec3f>(y);
        const float* s = scaled.ptr<float>(y);
        for (int x = 0; x < sum.cols; ++x) d[x] += tint * s[x];
    }
}

cv::Mat ChannelStackSource::readRegion(const core::RectI& rect, int level) const {
    const std::vector<cv::Mat> planes = readChannels(rect, level);
    cv::Mat sum(planes.front().size(), CV_32FC3, cv::Scalar::all(0));
    cv::Mat scaled;
    for (std::size_t i = 0; i < planes.size(); ++i) {
        const cv::Vec2f r = m_displayRange[i];
        planes[i].convertTo(scaled, CV_32F, 255.0 / (r[1] - r[0]), -r[0] * 255.0 / (r[1] - r[0]));
        cv::max(scaled, 0, scaled);
        addTinted(sum, scaled, m_tints[i]);
    }
    cv::Mat out;
    sum.convertTo(out, CV_8UC3);  // saturates
    // Out-of-image pixels: background (black), already zero in every channel.
    return out;
}

std::vector<cv::Mat> ChannelStackSource::readChannels(const core::RectI& rect, int level) const {
    detail::checkRegionRequest(*this, rect, level);
    std::vector<cv::Mat> out;
    out.reserve(m_channels.size());
    for (const cv::Mat& c : m_channels) out.push_back(cropWithFill(c, rect, cv::Scalar::all(0)));
    return out;
}

std::map<std::string, std::string> ChannelStackSource::properties() const {
    std::map<std::string, std::string> p;
    p["channels.count"] = std::to_string(m_channels.size());
    for (std::size_t i = 0; i < m_channels.size(); ++i) {
        const std::string key = "channels[" + std::to_string(i) + "].";
        p[key + "name"] = m_names[i];
        p[key + "bits-per-sample"] = m_channels[i].depth() == CV_16U ? "16" : "8";
    }
    return p;
}

core::PixelCalibration ChannelStackSource::nativeCalibration() const {
    return m_calibration;
}

}  // namespace her2::imaging
