#pragma once
/// @file Cell territories grown from nuclei, guided by the DAB membrane.
#include <opencv2/core.hpp>

#include "her2/core/Params.hpp"
#include "her2/imaging/NucleusSegmenter.hpp"

namespace her2::imaging {

/// Marker-controlled watershed from the nuclei on an elevation of smoothed DAB OD plus a
/// small distance-to-nucleus term (0.01 OD per µm), so that cells meet on DAB membranes and,
/// where there is no DAB, on the mid-line between nuclei (a Voronoi split). A pixel joins a
/// cell only within ihc.maxCellRadiusUm of its nucleus centroid and inside `allowed`.
/// Immutable: thread-safe.
class CellSegmenter {
public:
    CellSegmenter(const core::IhcParams& params, double mpp) : m_params(params), m_mpp(mpp) {}

    /// Returns CV_32S cell labels with the same ids as the nuclei.
    cv::Mat segment(const NucleusLabels& nuclei, const cv::Mat& dab, const cv::Mat& allowed = {}) const;

private:
    core::IhcParams m_params;
    double m_mpp;
};

/// Marker-controlled priority-flood watershed (Meyer), 4-connected, ties first-in first-out.
/// markers: CV_32S, > 0 seeds, modified in place. elevation: CV_32F. allowed: CV_8U or empty.
/// centres/maxRadius: when maxRadius > 0 a pixel joins label L only within maxRadius px of
/// centres[L] (index L; entry 0 unused).
void floodWatershed(cv::Mat& markers, const cv::Mat& elevation, const cv::Mat& allowed,
                    const std::vector<cv::Point2d>& centres = {}, double maxRadius = 0);

namespace detail {
/// cv::distanceTransform(src, dst, DIST_L2, DIST_MASK_3), bit for bit, in fewer steps per
/// pixel.
void chamferDistanceL2Mask3(const cv::Mat& src, cv::Mat& dst);

/// floodWatershed from `seeds` into `out` (created CV_32S; may be seeds itself), with the
/// elevation's minimum and maximum given by the caller. With `area` (an entry per label),
/// area[L] is increased by the pixels of label L in the result, in the pass that writes it.
void floodWatershed(const cv::Mat& seeds, cv::Mat& out, const cv::Mat& elevation, double lo, double hi,
                    const cv::Mat& allowed, const std::vector<cv::Point2d>& centres = {},
                    double maxRadius = 0, int* area = nullptr);
}  // namespace detail

}  // namespace her2::imaging
