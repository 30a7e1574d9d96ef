// Placeholder until the IHC pipeline lands; every entry point refuses loudly.
#include "her2/imaging/AnalysisPipeline.hpp"

#include <stdexcept>

namespace her2::imaging {
SlideAnalysis AnalysisPipeline::run(const SlideSource&, const core::AnalysisParams&,
                                    const std::optional<core::MultiPolygon>&, core::ProgressSink&,
                                    const core::CancelToken&, AssayRequest) {
    throw std::logic_error("AnalysisPipeline::run: not built yet");
}
core::Assay AnalysisPipeline::detectAssay(const SlideSource&) { throw std::logic_error("detectAssay: not built yet"); }
}  // namespace her2::imaging
