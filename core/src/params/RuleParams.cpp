#include "her2/core/Params.hpp"

namespace her2::core {

const std::vector<ParamField<RuleParams>>& RuleParams::fields() {
    using P = RuleParams;
    static const std::vector<ParamField<P>> f{
        {{"rules.rule_set", "Rule set", "", "Guideline applied to the cells or nuclei.", 0, 0,
          {"breast", "gastric", "nsclc"}},
         &P::ruleSet},
        {{"rules.specimen", "Specimen", "", "Resection or biopsy (gastric/NSCLC biopsy uses cohesive clusters).", 0, 0,
          {"auto", "resection", "biopsy"}},
         &P::specimen},
        {{"rules.min_tumour_cells", "Minimum tumour cells", "", "Fewer tumour cells: not scorable.", 1, 1000000},
         &P::minTumourCells},
        {{"rules.min_ish_nuclei", "Minimum ISH nuclei", "", "ASCO/CAP: at least 20 evaluable nuclei.", 1, 10000},
         &P::minIshNuclei},
    };
    return f;
}

}  // namespace her2::core
