#pragma once
/// @file Internal steps of the FISH analysis: DAPI nuclei, probe spots, channel mapping.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/core/FishTypes.hpp"
#include "her2/core/Params.hpp"
#include "her2/imaging/FishAnalysis.hpp"

namespace her2::imaging::fish {

/// One DAPI object at the segmentation resolution, with its measures in field pixels.
struct NucleusObject {
    double x = 0, y = 0;  ///< centroid, field px
    double areaUm2 = 0;
    std::vector<core::PointD> outline;  ///< field px
    core::NucleusExclusion exclusion = core::NucleusExclusion::None;
};

/// Labelled nuclei of one field. labels is CV_32S at the segmentation resolution: 0 for
/// background, k + 1 for objects[k].
struct NucleusSegmentation {
    cv::Mat labels;
    double fx = 1, fy = 1;  ///< field px per label px
    std::vector<NucleusObject> objects;
    /// Index of the object under field pixel (x, y), or -1.
    int objectAt(double x, double y) const noexcept;
    /// Per point of the grid x = first, first + step, ... < endX (and likewise y), row by row:
    /// 1 where objectAt(x, y) >= 0. The same as asking objectAt point by point, in a fraction
    /// of the time.
    std::vector<std::uint8_t> insideOnGrid(int first, int step, int endX, int endY) const;
};

/// Background-corrected threshold, hole filling, split of touching nuclei (distance map,
/// marker-controlled flooding), measures and exclusions (edge, size, overlap).
NucleusSegmentation segmentNuclei(const cv::Mat& dapi, double mpp, const core::FishParams& params);

/// Detected signals of one probe channel in one field.
struct SpotDetection {
    std::vector<core::FishSpot> spots;  ///< nucleus = object index of the segmentation, or -1
    std::vector<int> signals;           ///< per spot: detected signals merged into it
    double singleIntensity = 0;         ///< median integrated intensity of a single signal
};

/// DoG detection at the spot scale with a MAD threshold, sub-pixel peaks, merging of
/// signals closer than the merge distance, integration over each signal's footprint and
/// cluster estimation by integrated intensity / median single-signal intensity.
SpotDetection detectSpots(const cv::Mat& channel, core::FishChannel which, double mpp,
                          const core::FishParams& params, const NucleusSegmentation& nuclei);

/// Full-scale value of an 8 or 16 bit image (255 or 65535).
double fullScale(const cv::Mat& m) noexcept;

/// Area-average downscale (cv::INTER_AREA) of a grey 8 or 16 bit image to CV_32F, full scale
/// 1, streamed row by row: no float copy of the whole image, whose first-touch page faults
/// would cost more than the averaging. 8-bit data is averaged in float (the fraction of a
/// grey level is information at 8 bits); 16-bit data is rounded to 16 bits after averaging,
/// as cv::resize of the 16-bit image rounds it.
cv::Mat areaDownscale(const cv::Mat& grey, cv::Size size);

/// Grey opening of a CV_32F image by a structuring element whose rows are runs symmetric
/// about its centre (an ellipse), edges replicated: the result of cv::morphologyEx(MORPH_OPEN,
/// element, centre anchor, one iteration, BORDER_REPLICATE), exactly, as a minimum or maximum
/// of the same values. OpenCV visits every point of a non-rectangular element at every pixel
/// (about 100 for the probe background's disc); here the extreme over each row half-width h is
/// built from that over h - 1 (one operation per pixel and width), then the rows are combined
/// (one per element row). Other elements go to OpenCV.
void openBySymmetricRuns(const cv::Mat& src, cv::Mat& dst, const cv::Mat& element);

/// Non-empty reason when an RGB CV_8UC3 image looks like bright field (white background,
/// no dark field), e.g. "not a fluorescence image: ...".
std::string brightFieldReason(const cv::Mat& rgb);

/// Where each probe comes from: indices into a source's channels (several: a z-stack,
/// max-projected). Empty for a missing probe.
struct ChannelPlan {
    std::vector<int> dapi, her2, cep17;
};

/// Plan for named fluorescence channels ("DAPI", "HER2-z3", "SpectrumGreen"...).
ChannelPlan planNamedChannels(const std::vector<std::string>& names);
/// Plan for an RGB composite from params.channelMap ("dapi=blue,her2=red,cep17=green").
/// Throws core::ParameterError for a malformed map.
ChannelPlan planRgbChannels(const std::string& channelMap);

/// Analysis of one field before the reading-order selection: nuclei (exclusion None,
/// edge, size, overlap or missing signal), spots, and the field's reason when not scorable.
FishResult analyzeFieldUnselected(const cv::Mat& dapi, const cv::Mat& her2, const cv::Mat& cep17,
                                  const core::PixelCalibration& calibration, const core::FishParams& params,
                                  core::PointD origin);

/// Sorts nuclei in reading order (top to bottom, then left to right), renumbers ids and
/// spot references, and marks evaluable nuclei beyond the first params.nucleiToCount as
/// NotSelected.
void selectInReadingOrder(FishResult& result, const core::FishParams& params);

}  // namespace her2::imaging::fish
