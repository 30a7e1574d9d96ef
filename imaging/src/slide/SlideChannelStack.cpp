#include "slide/SlideChannelStack.hpp"

#include <opencv2/core.hpp>

#include "her2/core/Errors.hpp"
#include "slide/ChannelStackSource.hpp"
#include "slide/SlideDetail.hpp"

namespace her2::imaging {

SlideChannelStack::SlideChannelStack(std::vector<std::unique_ptr<SlideSource>> slides,
                                     std::vector<std::string> names)
    : SlideSource(slides.empty() ? std::filesystem::path() : slides.front()->path()),
      m_slides(std::move(slides)),
      m_names(std::move(names)) {
    if (m_slides.empty()) throw core::InputError("(channel stack)", "no channel files given");
    const auto& first = m_slides.front()->levels();
    for (const auto& s : m_slides) {
        const auto& l = s->levels();
        bool same = l.size() == first.size();
        for (std::size_t i = 0; same && i < l.size(); ++i)
            same = l[i].width == first[i].width && l[i].height == first[i].height;
        if (!same)
            detail::fail(s->path(), "channel slide is " + std::to_string(s->width()) + "x" +
                                        std::to_string(s->height()) + " with " + std::to_string(l.size()) +
                                        " levels, unlike " + m_slides.front()->path().filename().string() +
                                        " (" + std::to_string(first.front().width) + "x" +
                                        std::to_string(first.front().height) + ", " +
                                        std::to_string(first.size()) + " levels)");
    }
    m_names.resize(m_slides.size());
    for (std::size_t i = 0; i < m_names.size(); ++i)
        if (m_names[i].empty()) m_names[i] = m_slides[i]->path().stem().string();
}

std::vector<cv::Mat> SlideChannelStack::readChannels(const core::RectI& rect, int level) const {
    detail::checkRegionRequest(*this, rect, level);
    std::vector<cv::Mat> out;
    out.reserve(m_slides.size());
    for (const auto& s : m_slides) out.push_back(detail::maxOfPlanes(s->readChannels(rect, level)));
    return out;
}

cv::Mat SlideChannelStack::readRegion(const core::RectI& rect, int level) const {
    const std::vector<cv::Mat> planes = readChannels(rect, level);
    cv::Mat sum(planes.front().size(), CV_32FC3, cv::Scalar::all(0));
    cv::Mat scaled;
    for (std::size_t i = 0; i < planes.size(); ++i) {
        planes[i].convertTo(scaled, CV_32F, planes[i].depth() == CV_16U ? 1.0 / 257.0 : 1.0);
        ChannelStackSource::addTinted(sum, scaled, ChannelStackSource::tintFor(m_names[i], i));
    }
    cv::Mat out;
    sum.convertTo(out, CV_8UC3);  // saturates
    return out;
}

std::map<std::string, std::string> SlideChannelStack::properties() const {
    std::map<std::string, std::string> p = m_slides.front()->properties();
    p["channels.count"] = std::to_string(m_slides.size());
    for (std::size_t i = 0; i < m_slides.size(); ++i) {
        const std::string key = "channels[" + std::to_string(i) + "].";
        p[key + "name"] = m_names[i];
        p[key + "file"] = m_slides[i]->path().filename().string();
    }
    return p;
}

}  // namespace her2::imaging
