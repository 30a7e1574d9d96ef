#pragma once
/// @file FISH: DAPI nuclei, HER2 and CEP17 spots, clusters, per-nucleus counts.
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/core/FishTypes.hpp"
#include "her2/core/Geometry.hpp"
#include "her2/core/Params.hpp"
#include "her2/core/PixelCalibration.hpp"
#include "her2/core/Progress.hpp"
#include "her2/imaging/SlideSource.hpp"

namespace her2::imaging {

struct FishResult {
    std::vector<core::FishNucleus> nuclei;  ///< all detected, with exclusion reasons
    std::vector<core::FishSpot> spots;
    double singleSpotIntensity = 0;         ///< median single-spot intensity used for clusters
    std::string notScorableReason;          ///< non-empty: "no nuclei found", "missing channel HER2"...
};

/// Analyses one field given its three grey channels (same size, 8 or 16 bit).
/// `origin` is the field's level-0 offset, added to every coordinate.
FishResult analyzeFishField(const cv::Mat& dapi, const cv::Mat& her2, const cv::Mat& cep17,
                            const core::PixelCalibration& calibration, const core::FishParams& params,
                            core::PointD origin = {});

/// Analyses a fluorescence source (RGB composite mapped by params.channelMap, or a
/// multi-channel source), over `roi` or the whole image, selecting the nuclei to count.
FishResult analyzeFish(const SlideSource& source, const core::FishParams& params,
                       const std::optional<core::MultiPolygon>& roi, core::ProgressSink& progress,
                       const core::CancelToken& cancel);

}  // namespace her2::imaging
