// Placeholder until the rule sets land; every entry point refuses loudly.
#include "her2/core/ScoringRules.hpp"

#include <stdexcept>

namespace her2::core {
CellScore cellScore(IntensityClass, MembranePattern, RuleSetId) { throw std::logic_error("cellScore: not built yet"); }
ScoreReport scoreIhc(const CellTable&, const PixelCalibration&, const RuleParams&) {
    throw std::logic_error("scoreIhc: not built yet");
}
ScoreReport scoreIsh(const std::vector<FishNucleus>&, const RuleParams&) {
    throw std::logic_error("scoreIsh: not built yet");
}
std::string ruleVersion(RuleSetId) { throw std::logic_error("ruleVersion: not built yet"); }
}  // namespace her2::core
