#pragma once
// Checks that turn unusable input into an explicit "not scorable" with a reason, instead
// of a score computed from the wrong kind of image (private to her2_imaging).
#include <string>

#include <opencv2/core.hpp>

#include "her2/core/Params.hpp"
#include "her2/imaging/IhcAnalyzer.hpp"

namespace her2::imaging::detail {

/// True when a low-resolution RGB image has a dark background, as a fluorescence (dark-field)
/// image does: the median over pixels of the brightest channel is below 80 of 255. Bright-field
/// tissue, even dense 3+ DAB, keeps its least-absorbed channel well above that.
bool isDarkField(const cv::Mat& rgb);

/// True when a low-resolution RGB image has no colour: fewer than 2% of its tissue pixels
/// (`tissue`, CV_8U, non-zero) have channels 8 or more grey levels apart (a greyscale scan or
/// export).
bool isGrey(const cv::Mat& rgb, const cv::Mat& tissue);

/// Empty when `rgb` can be a bright-field IHC image (not dark field, not grey on `tissue`);
/// otherwise the reason it cannot.
std::string brightFieldProblem(const cv::Mat& rgb, const cv::Mat& tissue);

/// Empty when the tissue's stains look like a DAB IHC; otherwise the reason ("no DAB stain
/// found ..."). A HER2 0 slide (hematoxylin only, no eosin) passes: it is scored 0, not refused.
std::string stainProblem(const IhcRegionStats& stats, const core::IhcParams& params);

}  // namespace her2::imaging::detail
