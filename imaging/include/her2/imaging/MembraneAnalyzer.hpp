#pragma once
/// @file Per-cell membrane measures: stained-membrane DAB OD, thickness and completeness.
#include <algorithm>
#include <array>
#include <limits>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/core/Params.hpp"

namespace her2::imaging {

/// One cell's membrane, in the pixel frame of the images passed to MembraneAnalyzer.
struct MembraneMeasures {
    double odMean = 0;                 ///< mean DAB OD of the stained membrane pixels (0 if none)
    double odMax = 0;                  ///< max DAB OD on the membrane
    double thicknessUm = 0;            ///< mean full width at half maximum of stained membrane, µm
    double cytoplasmOd = 0;            ///< median DAB OD between nucleus and membrane
    double completeness = 0;           ///< stained fraction of the ihc.sectors angular sectors, [0, 1]
    std::vector<cv::Point2d> outline;  ///< membrane line (cell outline), px, one point per ray
};

/// What one ray found, read two ways: `full` takes the whole profile up to
/// ihc.membraneWidthUm beyond the territory edge; `cut` stops 0.5 µm past the mid-line
/// between this nucleus and the neighbour the ray runs into (see MembraneAnalyzer::measure).
struct MembraneRay {
    struct Reading {
        float peak = 0;       ///< DAB maximum, OD
        float radius = 0;     ///< where, px from the nucleus centroid
        float memberSum = 0;  ///< sum of the stained membrane samples (the peak's band)
        int memberCount = 0;  ///< their number
        float widthUm = 0;    ///< full width at half height of the peak above the cytoplasm
    };
    Reading full, cut;
    int neighbour = 0;  ///< first other cell label the ray entered, 0 if none
    /// Other cells' labels within two ihc.membraneWidthUm of a stained cut reading's peak (0:
    /// none; always none for an unstained ray): at a junction of three cells the stain may be
    /// a third cell's membrane.
    std::array<int, 3> near{};
    float edge = 0;  ///< last radius inside the cell's own territory, px
    /// Where the cut reading ends (0.5 µm past the mid-line, before a rising flank is
    /// stripped), px; infinity when the mid-line is not reached.
    float cutLimit = std::numeric_limits<float>::infinity();
};

/// Every ray of one cell, and the cytoplasm level its membrane is judged against.
struct MembraneTrace {
    cv::Point2d centre;
    std::vector<MembraneRay> rays;  ///< ihc.sectors * 3, in angle order
    double cytoplasmMedian = 0;     ///< median DAB OD between nucleus and membrane
    bool clipped = false;           ///< a ray left the image before the territory's edge
    bool empty() const noexcept { return rays.empty(); }
};

/// How a ray's reading enters the cell's measures (see MembraneAnalyzer::summarize).
enum class RayUse : unsigned char {
    Cut,         ///< the mid-line reading (no evidence about the neighbour)
    Full,        ///< the whole profile: the membrane between the two cells is this cell's
    Drop,        ///< the membrane between the two cells is the neighbour's: unstained here
    Completion,  ///< stained (there is membrane) but its intensity is the neighbour's
};

/// Which cells show a membrane of their own, per label (indexed like the traces).
struct OwnMembranes {
    /// 1 where the cell shows a membrane of its own or gives no evidence (not traced, or
    /// clipped by the tile edge); 0 where it shows none or only its neighbours' stain.
    std::vector<unsigned char> own;
    /// 1 where the cell's free rays, judged against `own`, are unstained: it takes no stain
    /// from a neighbour that is `shown`.
    std::vector<unsigned char> bare;
    /// 1 where the cell is traced whole, `own`, and its free rays, judged against `own`, are
    /// stained.
    std::vector<unsigned char> shown;
};

/// Casts rays (3 per sector) from the nucleus centroid through the cell territory to
/// ihc.membraneWidthUm beyond its edge, and takes each ray's DAB peak beyond the nucleus as
/// the membrane. A ray is stained when the peak is >= ihc.stainedOd and stands at least
/// ihc.membraneContrastOd above the cell's cytoplasm (diffuse cytoplasmic DAB is not
/// membrane staining); a sector is stained when most of its rays are. The outline follows
/// the stained peaks and the territory edge elsewhere. Immutable: thread-safe.
class MembraneAnalyzer {
public:
    MembraneAnalyzer(const core::IhcParams& params, double mpp);

    /// dab: CV_32F OD; cells, nuclei: CV_32S labels; label: the cell; centre: nucleus centroid px.
    /// centres (optional): nucleus centroids indexed by label. With them, a ray that runs into a
    /// neighbouring cell only takes DAB up to 0.5 µm past the mid-line between the two nuclei,
    /// and not a flank still rising where it is cut: a stained cell's membrane lies inside its
    /// own outline, so an unstained neighbour must not borrow it. Same as
    /// summarize(trace(...)) with every ray read RayUse::Cut.
    MembraneMeasures measure(const cv::Mat& dab, const cv::Mat& cells, const cv::Mat& nuclei, int label,
                             cv::Point2d centre, const std::vector<cv::Point2d>* centres = nullptr) const;

    /// The rays of one cell, both readings, for a later decision between neighbours.
    MembraneTrace trace(const cv::Mat& dab, const cv::Mat& cells, const cv::Mat& nuclei, int label,
                        cv::Point2d centre, const std::vector<cv::Point2d>* centres = nullptr) const;

    /// Measures of a traced cell; `use` (one per ray, empty: all Cut) says which reading each
    /// ray contributes.
    MembraneMeasures summarize(const MembraneTrace& t, const std::vector<RayUse>& use = {}) const;

    /// Stained test of one reading against the cell's cytoplasm level.
    bool stained(const MembraneRay::Reading& r, double cytoplasm) const noexcept {
        return r.peak >= m_params.stainedOd && r.peak - cytoplasm >= m_params.membraneContrastOd;
    }

    /// Side attribution between stained neighbours: for each ray of `self` that runs into a
    /// neighbour, which reading to use, from the evidence of the rest of both outlines.
    /// `traces` is indexed by label, `label` is the cell's own (an empty trace: not known, the
    /// rays facing it are read Cut). A cell whose rest of the outline is stained (a quarter of
    /// the rays that do not face the neighbour) owns the shared membrane against a neighbour
    /// whose rest is not; two stained cells both keep it, a ridge more than twice as bright as
    /// a cell's own membrane next to a brighter neighbour only completing its outline; two
    /// unstained rests leave the mid-line reading.
    /// `owners` (from ownMembranes) says which cells show a membrane of their own: a cell whose
    /// free rays (facing no cell or only cells without one) are unstained, next to a neighbour
    /// whose free rays are stained, leaves the membrane between them to the neighbour, even
    /// where other stained neighbours would lend it an outline of borrowed stain.
    std::vector<RayUse> attribute(int label, const std::vector<MembraneTrace>& traces,
                                  const OwnMembranes& owners) const;

    /// The own-membrane evidence of every traced cell, once per tile (see OwnMembranes).
    OwnMembranes ownMembranes(const std::vector<MembraneTrace>& traces) const;

private:
    /// Stained fraction of a cell's free rays: those whose neighbour and nearby cells are all
    /// unstained in `stainedCells` (labels beyond it count as stained); -1 when fewer than a
    /// quarter of the rays are free.
    double freeFraction(const MembraneTrace& t, const std::vector<unsigned char>& stainedCells) const;

    /// How far a ray reads beyond its territory's edge, and how far past the mid-line a band
    /// still merges: ihc.membraneWidthUm in px, at least 1.
    double bandPx() const noexcept { return std::max(1.0, m_params.membraneWidthUm * (1.0 / m_mpp)); }

    core::IhcParams m_params;
    double m_mpp;
    /// Distance between samples along a ray, px: 0.5 µm (a quarter of a 2 µm 3+ band; a
    /// blurred faint membrane still spans two samples or more), but no more than a pixel, so
    /// that the label walk skips none, and no less than half a pixel, below which bilinear
    /// samples add nothing. 1 px at the default 0.5 µm/px.
    double m_step;
    std::vector<double> m_cos, m_sin;  ///< ray directions, computed once
};

}  // namespace her2::imaging
