// Placeholder until FISH analysis lands; every entry point refuses loudly.
#include "her2/imaging/FishAnalysis.hpp"

#include <stdexcept>

namespace her2::imaging {
FishResult analyzeFishField(const cv::Mat&, const cv::Mat&, const cv::Mat&, const core::PixelCalibration&,
                            const core::FishParams&, core::PointD) {
    throw std::logic_error("analyzeFishField: not built yet");
}
FishResult analyzeFish(const SlideSource&, const core::FishParams&, const std::optional<core::MultiPolygon>&,
                       core::ProgressSink&, const core::CancelToken&) {
    throw std::logic_error("analyzeFish: not built yet");
}
}  // namespace her2::imaging
