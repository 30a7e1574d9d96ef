#pragma once
/// @file Per-cell membrane measures: stained-membrane DAB OD, thickness and completeness.
#include <vector>

#include <opencv2/core.hpp>

#include "her2/core/Params.hpp"

namespace her2::imaging {

/// One cell's membrane, in the pixel frame of the images passed to MembraneAnalyzer.
struct MembraneMeasures {
    double odMean = 0;                 ///< mean DAB OD of the stained membrane pixels (0 if none)
    double odMax = 0;                  ///< max DAB OD on the membrane
    double thicknessUm = 0;            ///< mean full width at half maximum of stained membrane, µm
    double cytoplasmOd = 0;            ///< mean DAB OD between nucleus and membrane
    double completeness = 0;           ///< stained fraction of the ihc.sectors angular sectors, [0, 1]
    std::vector<cv::Point2d> outline;  ///< membrane line (cell outline), px, one point per ray
};

/// Casts rays (3 per sector) from the nucleus centroid through the cell territory to
/// ihc.membraneWidthUm beyond its edge, and takes each ray's DAB peak beyond the nucleus as
/// the membrane. A ray is stained when the peak is >= ihc.stainedOd; a sector is stained
/// when most of its rays are. The outline follows the stained peaks and the territory edge
/// elsewhere. Immutable: thread-safe.
class MembraneAnalyzer {
public:
    MembraneAnalyzer(const core::IhcParams& params, double mpp) : m_params(params), m_mpp(mpp) {}

    /// dab: CV_32F OD; cells, nuclei: CV_32S labels; label: the cell; centre: nucleus centroid px.
    /// centres (optional): nucleus centroids indexed by label. With them, a ray that runs into a
    /// neighbouring cell only takes DAB up to 0.5 µm past the mid-line between the two nuclei,
    /// and not a flank still rising where it is cut: a stained cell's membrane lies inside its
    /// own outline, so an unstained neighbour must not borrow it.
    MembraneMeasures measure(const cv::Mat& dab, const cv::Mat& cells, const cv::Mat& nuclei, int label,
                             cv::Point2d centre, const std::vector<cv::Point2d>* centres = nullptr) const;

private:
    core::IhcParams m_params;
    double m_mpp;
};

}  // namespace her2::imaging
