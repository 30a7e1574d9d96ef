#pragma once
/// @file The one analysis entry point. The CLI, the batch runner and the GUI all call
/// AnalysisPipeline::run(); nothing else decides how a slide is analysed.
#include <optional>
#include <string>
#include <vector>

#include "her2/core/CellTable.hpp"
#include "her2/core/FishTypes.hpp"
#include "her2/core/Geometry.hpp"
#include "her2/core/Params.hpp"
#include "her2/core/Progress.hpp"
#include "her2/core/ScoreReport.hpp"
#include "her2/imaging/SlideSource.hpp"
#include "her2/imaging/StainSeparation.hpp"

namespace her2::imaging {

enum class AssayRequest { Auto, Ihc, Fish };

/// Everything one run produced. Overlays and reports only draw from this.
struct SlideAnalysis {
    std::string slidePath;
    std::string slideName;  ///< file name without extension
    core::Assay assay = core::Assay::Ihc;
    core::ScoreReport report;
    core::CellTable cells;                  ///< IHC cells (tumour and excluded)
    std::vector<core::FishNucleus> nuclei;  ///< FISH
    std::vector<core::FishSpot> spots;      ///< FISH
    core::MultiPolygon roi;                 ///< the ROI used (empty: whole tissue)
    core::MultiPolygon tissue;              ///< tissue outline found at low resolution
    double analysedAreaMm2 = 0;
    core::PixelCalibration calibration;
    std::int64_t width = 0, height = 0;
    std::string paramsHash;
    std::string slideHash;  ///< of file size + head/tail bytes, cheap and stable
    std::string version;    ///< HER2Scope version
    double seconds = 0;
    std::vector<std::string> warnings;   ///< e.g. "slide is uncalibrated: assumed 0.25 µm/px"
    std::optional<StainVectors> stains;  ///< IHC: the stain vectors the cells were measured with
};

class AnalysisPipeline {
public:
    /// Analyses `roi` (or all tissue) of `source` and scores it under params.rules.
    /// Never returns a wrong score for unusable input: it returns status NotScorable with
    /// the reason ("no tissue found", "no DAB stain found", "fewer than 20 evaluable nuclei").
    /// Throws core::InputError when the slide cannot be read, core::CancelledError on cancel.
    static SlideAnalysis run(const SlideSource& source, const core::AnalysisParams& params,
                             const std::optional<core::MultiPolygon>& roi, core::ProgressSink& progress,
                             const core::CancelToken& cancel, AssayRequest assay = AssayRequest::Auto);

    /// Bright field or fluorescence, from a low-resolution look at the slide.
    static core::Assay detectAssay(const SlideSource& source);
};

}  // namespace her2::imaging
