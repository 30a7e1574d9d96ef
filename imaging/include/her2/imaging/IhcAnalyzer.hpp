#pragma once
/// @file IHC analysis of one image region: stains, nuclei, cells, membranes, per-cell classes.
#include <opencv2/core.hpp>

#include "her2/core/CellTable.hpp"
#include "her2/core/Geometry.hpp"
#include "her2/core/Params.hpp"
#include "her2/core/Types.hpp"
#include "her2/imaging/StainSeparation.hpp"

namespace her2::imaging {

/// Stain totals over the tissue pixels of one region (the keep rectangle only, so tiles sum
/// without double counting). The pipeline adds them up to judge whether a slide carries DAB
/// at all and whether it looks like H&E.
struct IhcRegionStats {
    double tissuePixels = 0;
    double hematoxylinSum = 0;  ///< sum of hematoxylin OD over tissue pixels
    double dabSum = 0;          ///< sum of DAB OD over tissue pixels
    /// Sum of eosin OD: the residual of the reference H-E-DAB matrix, whatever the slide's
    /// stain vectors (a hematoxylin or DAB vector fitted to an H&E slide takes up part of its
    /// eosin and would hide it).
    double residualSum = 0;
    double dabPixels = 0;  ///< tissue pixels with DAB OD >= ihc.stainedOd
    double eosinPixels =
        0;  ///< tissue pixels with eosin OD (as residualSum) >= 0.1 and >= half their reference DAB
    void add(const IhcRegionStats& o) noexcept {
        eosinPixels += o.eosinPixels;
        tissuePixels += o.tissuePixels;
        hematoxylinSum += o.hematoxylinSum;
        dabSum += o.dabSum;
        residualSum += o.residualSum;
        dabPixels += o.dabPixels;
    }
};

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

    /// The tile form used by the pipeline: only cells whose nucleus centroid lies in `keep`
    /// (pixels of `rgb`) are measured and returned, so a cell seen by two overlapping tiles is
    /// reported once. `stats` (optional) receives the stain totals of the tissue in `keep`.
    /// Cells come in raster order of their nucleus's first pixel: deterministic.
    core::CellTable analyze(const cv::Mat& rgb, core::PointD origin, double scale, const cv::Rect& keep,
                            IhcRegionStats* stats, cv::Mat* nucleusLabels = nullptr,
                            cv::Mat* cellLabels = nullptr) const;

    const StainSeparation& stains() const noexcept { return m_stains; }

    double mpp() const noexcept { return m_mpp; }

    /// Why cells were excluded by excludeNonTumour().
    struct ExclusionCounts {
        std::size_t lymphocyte = 0;  ///< small, round, dark nucleus
        std::size_t spindle = 0;     ///< elongated (spindle) nucleus: stroma
        std::size_t isolated = 0;    ///< no cohesive neighbours: stroma
    };

    /// Marks non-tumour cells of a whole slide (needs all cells, so run after merging; cells
    /// already excluded stay so). Lymphocyte: nucleus area <= ihc.lymphocyteMaxAreaUm2,
    /// circularity >= 0.75, membrane below weak-to-moderate, and either darker than
    /// ihc.lymphocyteDarkerThan of the larger nuclei or at most ihc.lymphocyteAreaFraction of
    /// their median area and of median darkness (docs/ihc-method.md §9). Stroma: nucleus
    /// elongation (major/minor axis from the second moments of its outline) >=
    /// ihc.stromaMinElongation, or a cell with fewer than 2 other candidate tumour cells within
    /// 2 * ihc.maxCellRadiusUm (tumour cells grow in cohesive nests; stromal cells lie apart).
    /// The neighbour search uses a grid hash: O(cells).
    static ExclusionCounts excludeNonTumour(core::CellTable& cells, const core::IhcParams& params,
                                            double mppLevel0);

private:
    core::IhcParams m_params;
    core::RuleSetId m_rules;
    double m_mpp;
    StainSeparation m_stains;
    StainSeparation m_reference;  ///< the reference H-E-DAB matrix, for the eosin statistics
    double m_backgroundOd;
};

}  // namespace her2::imaging
