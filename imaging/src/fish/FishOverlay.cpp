#include "her2/imaging/FishOverlay.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/imgproc.hpp>

#include "her2/core/Errors.hpp"

namespace her2::imaging {

namespace {

const char* shortReason(core::NucleusExclusion e) {
    switch (e) {
        case core::NucleusExclusion::Overlapping:
            return "ov";
        case core::NucleusExclusion::EdgeCut:
            return "edge";
        case core::NucleusExclusion::TooSmall:
            return "small";
        case core::NucleusExclusion::TooLarge:
            return "large";
        case core::NucleusExclusion::MissingSignal:
            return "nosig";
        default:
            return "";
    }
}

}  // namespace

cv::Mat renderFishOverlay(const cv::Mat& rgbBase, const FishResult& result, double scale,
                          core::PointD origin) {
    if (rgbBase.type() != CV_8UC3) throw core::InputError("FISH overlay", "base image must be 8-bit RGB");
    if (!(scale > 0)) throw core::InputError("FISH overlay", "scale must be positive");
    cv::Mat out = rgbBase.clone();
    // Sub-pixel drawing (fixed point, 4 fractional bits) keeps small spots where they are.
    constexpr int shift = 4;
    constexpr double one = 1 << shift;
    auto pt = [&](double x, double y) {
        return cv::Point(static_cast<int>(std::lround((x - origin.x) * scale * one)),
                         static_cast<int>(std::lround((y - origin.y) * scale * one)));
    };
    const int thick = std::max(1, static_cast<int>(std::lround(std::min(2.0, 1.5 * scale))));
    for (const core::FishNucleus& n : result.nuclei) {
        if (n.outline.size() < 2) continue;
        std::vector<cv::Point> poly;
        for (const core::PointD& p : n.outline) poly.push_back(pt(p.x, p.y));
        const std::vector<std::vector<cv::Point>> polys{poly};
        if (n.counted()) {
            cv::polylines(out, polys, true, cv::Scalar(255, 255, 255), thick, cv::LINE_AA, shift);
        } else if (n.exclusion == core::NucleusExclusion::NotSelected) {
            cv::polylines(out, polys, true, cv::Scalar(120, 170, 255), 1, cv::LINE_AA, shift);
        } else {
            // Dashed: every other segment, so an excluded nucleus never looks counted.
            for (std::size_t i = 0; i < poly.size(); i += 2)
                cv::line(out, poly[i], poly[(i + 1) % poly.size()], cv::Scalar(150, 150, 150), 1, cv::LINE_AA,
                         shift);
            const cv::Point c = pt(n.x, n.y);
            cv::putText(out, shortReason(n.exclusion), cv::Point(c.x >> shift, c.y >> shift),
                        cv::FONT_HERSHEY_PLAIN, std::max(0.6, 0.8 * scale), cv::Scalar(170, 170, 170), 1,
                        cv::LINE_AA);
        }
    }
    const int spotRadius = static_cast<int>(std::lround(std::max(3.0, 6.0 * scale) * one));
    for (const core::FishSpot& s : result.spots) {
        const cv::Scalar colour =
            s.channel == core::FishChannel::Her2 ? cv::Scalar(255, 60, 60) : cv::Scalar(60, 255, 60);
        const cv::Point c = pt(s.x, s.y);
        if (s.cluster) {
            const int r = static_cast<int>(spotRadius * std::sqrt(std::max(1.0f, s.copies)) * 0.6);
            cv::circle(out, c, r, cv::Scalar(255, 230, 0), thick, cv::LINE_AA, shift);
            cv::putText(out, std::to_string(static_cast<int>(std::lround(s.copies))),
                        cv::Point((c.x + r) >> shift, (c.y - r) >> shift), cv::FONT_HERSHEY_PLAIN,
                        std::max(0.7, 0.9 * scale), cv::Scalar(255, 230, 0), 1, cv::LINE_AA);
        } else {
            cv::circle(out, c, spotRadius, colour, 1, cv::LINE_AA, shift);
        }
    }
    return out;
}

}  // namespace her2::imaging
