#pragma once
/// @file Nuclei from the hematoxylin optical density.
#include <opencv2/core.hpp>

#include "her2/core/Params.hpp"

namespace her2::imaging {

/// Labelled nuclei: CV_32S image, 0 background, 1..count.
struct NucleusLabels {
    cv::Mat labels;
    int count = 0;
};

/// Background-subtracted hematoxylin threshold, distance transform, h-maxima markers and a
/// watershed to split touching nuclei, then an area filter. All sizes in µm through `mpp`.
/// Immutable: thread-safe.
class NucleusSegmenter {
public:
    /// `mpp`: µm per pixel of the images passed to segment().
    NucleusSegmenter(const core::IhcParams& params, double mpp) : m_params(params), m_mpp(mpp) {}

    /// hematoxylin: CV_32F OD. allowed: CV_8U mask of pixels that may be nucleus (empty: all).
    NucleusLabels segment(const cv::Mat& hematoxylin, const cv::Mat& allowed = {}) const;

private:
    core::IhcParams m_params;
    double m_mpp;
};

}  // namespace her2::imaging
