#pragma once
// An in-memory single-level bright-field SlideSource for pipeline tests.
#include <utility>

#include <opencv2/core.hpp>

#include "her2/imaging/SlideSource.hpp"

namespace her2test {

class MatSource final : public her2::imaging::SlideSource {
public:
    /// rgb: CV_8UC3 in RGB order; mpp: µm per pixel (0: uncalibrated).
    MatSource(cv::Mat rgb, double mpp, std::string name = "memory.png")
        : SlideSource(std::move(name)), m_rgb(std::move(rgb)), m_mpp(mpp) {
        m_levels.push_back({m_rgb.cols, m_rgb.rows, 1.0});
    }
    std::string vendor() const override { return "memory"; }
    const std::vector<her2::imaging::LevelInfo>& levels() const override { return m_levels; }
    cv::Mat readRegion(const her2::core::RectI& rect, int) const override {
        cv::Mat out(static_cast<int>(rect.height), static_cast<int>(rect.width), CV_8UC3,
                    cv::Scalar(255, 255, 255));
        const her2::core::RectI inside = rect.intersected({0, 0, m_rgb.cols, m_rgb.rows});
        if (!inside.empty()) {
            const cv::Rect src(static_cast<int>(inside.x), static_cast<int>(inside.y),
                               static_cast<int>(inside.width), static_cast<int>(inside.height));
            m_rgb(src).copyTo(out(cv::Rect(static_cast<int>(inside.x - rect.x),
                                           static_cast<int>(inside.y - rect.y), src.width, src.height)));
        }
        return out;
    }

protected:
    her2::core::PixelCalibration nativeCalibration() const override {
        if (m_mpp <= 0) return her2::core::PixelCalibration::uncalibrated();
        return {m_mpp, m_mpp, "test"};
    }

private:
    cv::Mat m_rgb;
    double m_mpp;
    std::vector<her2::imaging::LevelInfo> m_levels;
};

}  // namespace her2test
