#pragma once
// Morphological helpers shared by the IHC segmenters (private to her2_imaging).
#include <opencv2/core.hpp>

namespace her2::imaging::detail {

/// Grey reconstruction by dilation of `marker` under `mask` (both CV_32F, marker <= mask
/// after clamping), 8-connected: the result of dilating under the mask to stability.
cv::Mat reconstructByDilation(const cv::Mat& marker, const cv::Mat& mask);

/// Fills background holes of a CV_8U mask (255/0) smaller than maxHoleArea pixels that do
/// not touch the image border.
void fillHoles(cv::Mat& mask, double maxHoleArea);

}  // namespace her2::imaging::detail
