#pragma once
/// @file IHC analysis of one image region: stains, nuclei, cells, membranes, per-cell classes.
#include <opencv2/core.hpp>

#include "her2/core/CellTable.hpp"
#include "her2/core/Geometry.hpp"
#include "her2/core/Params.hpp"
#include "her2/core/Types.hpp"
#include "her2/imaging/StainSeparation.hpp"

namespace her2::imaging {

/// Analyses RGB regions at a fixed pixel size. Immutable after construction: thread-safe, one
/// instance may serve all tiles.
class IhcAnalyzer {
public:
    /// mpp: µm per pixel of the regions passed to analyze(). `backgroundOd`: OD sum below which
    /// a (smoothed) pixel is glass or lumen and belongs to no cell.
    IhcAnalyzer(const core::IhcParams& params, core::RuleSetId rules, double mpp,
                const StainVectors& stains = StainVectors::defaultHDab(), double backgroundOd = 0.06);

    /// Cells of a CV_8UC3 RGB region. Coordinates are mapped to level 0 as origin + scale * px.
    /// Every cell gets intensity, pattern and score; exclusion stays None (see excludeNonTumour).
    core::CellTable analyze(const cv::Mat& rgb, core::PointD origin = {}, double scale = 1) const;

    /// Same, also returning the nucleus and cell label images (CV_32S) for overlays and tests.
    core::CellTable analyze(const cv::Mat& rgb, core::PointD origin, double scale, cv::Mat* nucleusLabels,
                            cv::Mat* cellLabels) const;

    double mpp() const noexcept { return m_mpp; }

    /// Marks non-tumour cells of a whole slide (needs all cells, so run after merging):
    /// Lymphocyte: nucleus area <= ihc.lymphocyteMaxAreaUm2, circularity >= 0.75 and
    /// hematoxylin OD >= the slide median; Stroma: nucleus elongation >= ihc.stromaMinElongation,
    /// or a cell with fewer than 2 neighbours within 2 * ihc.maxCellRadiusUm that is not itself
    /// near a tumour cluster. Elongation is recovered from circularity (ellipse model).
    static void excludeNonTumour(core::CellTable& cells, const core::IhcParams& params, double mppLevel0);

private:
    core::IhcParams m_params;
    core::RuleSetId m_rules;
    double m_mpp;
    StainSeparation m_stains;
    double m_backgroundOd;
};

}  // namespace her2::imaging
