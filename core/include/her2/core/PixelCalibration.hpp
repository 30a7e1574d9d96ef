#pragma once
/// @file The only place where pixels become microns.
#include <optional>
#include <string>

namespace her2::core {

/// Level-0 pixel size. An uncalibrated slide keeps calibrated() == false and answers
/// with the fallback so analysis can still run, but reports say it is uncalibrated.
class PixelCalibration {
public:
    PixelCalibration() = default;
    PixelCalibration(double mppX, double mppY, std::string source)
        : m_mppX(mppX), m_mppY(mppY), m_source(std::move(source)), m_calibrated(mppX > 0 && mppY > 0) {}

    static PixelCalibration uncalibrated() { return {}; }

    bool calibrated() const noexcept { return m_calibrated; }
    /// µm per level-0 pixel; the 0.25 µm (40x) fallback when uncalibrated.
    double mppX() const noexcept { return m_calibrated ? m_mppX : kFallbackMpp; }
    double mppY() const noexcept { return m_calibrated ? m_mppY : kFallbackMpp; }
    double mpp() const noexcept { return 0.5 * (mppX() + mppY()); }
    /// Where the value came from: "openslide.mpp", "tiff-resolution", "user", "" when none.
    const std::string& source() const noexcept { return m_source; }

    double toMicrons(double pixels) const noexcept { return pixels * mpp(); }
    double toPixels(double microns) const noexcept { return microns / mpp(); }
    double areaToUm2(double pixels2) const noexcept { return pixels2 * mppX() * mppY(); }

    std::optional<double> objectivePower;  ///< e.g. 20 or 40 when the slide says so

    static constexpr double kFallbackMpp = 0.25;

private:
    double m_mppX = 0;
    double m_mppY = 0;
    std::string m_source;
    bool m_calibrated = false;
};

}  // namespace her2::core
