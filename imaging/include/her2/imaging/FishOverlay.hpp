#pragma once
/// @file Overlay of a FISH result: nuclei (counted / excluded), signals by channel, clusters.
#include <opencv2/core.hpp>

#include "her2/imaging/FishAnalysis.hpp"

namespace her2::imaging {

/// Draws `result` over a copy of `rgbBase` (CV_8UC3, RGB order; returned in RGB order).
/// `scale` is base pixels per level-0 pixel (1 for a full-resolution field, 0.25 for a base
/// read at downsample 4); coordinates are shifted by -origin first (origin: the base's
/// level-0 top-left). Counted nuclei are outlined in white, excluded ones in dashed grey
/// with a short reason code, not-selected evaluable nuclei in thin light blue; HER2 signals
/// are red circles, CEP17 green circles; a cluster is outlined in yellow with its estimated
/// copy number. Draws only what the analysis produced. Thread-safe; throws
/// core::InputError if `rgbBase` is not CV_8UC3 or scale is not positive.
cv::Mat renderFishOverlay(const cv::Mat& rgbBase, const FishResult& result, double scale,
                          core::PointD origin = {});

}  // namespace her2::imaging
