#include "her2/core/Params.hpp"

namespace her2::core {

const std::vector<ParamField<RuleParams>>& RuleParams::fields() {
    using P = RuleParams;
    static const std::vector<ParamField<P>> f{
        {{"rules.rule_set",
          "Rule set",
          "",
          "Guideline applied to the cells or nuclei.",
          0,
          0,
          {"breast", "gastric", "nsclc"}},
         &P::ruleSet},
        {{"rules.specimen",
          "Specimen",
          "",
          "Resection or biopsy (gastric/NSCLC biopsy uses cohesive clusters); auto: breast and gastric "
          "resection, "
          "NSCLC biopsy.",
          0,
          0,
          {"auto", "resection", "biopsy"}},
         &P::specimen},
        {{"rules.min_tumour_cells", "Minimum tumour cells", "", "Fewer tumour cells: not scorable.", 1,
          1000000},
         &P::minTumourCells},
        {{"rules.min_ish_nuclei", "Minimum ISH nuclei", "", "ASCO/CAP: at least 20 evaluable nuclei.", 1,
          10000},
         &P::minIshNuclei},

        {{"rules.breast_comparator",
          "Breast percentage comparator",
          "",
          "How the breast percentage is compared with its threshold: ASCO/CAP 2018 says more than 10% "
          "(\">\").",
          0,
          0,
          {">", ">="}},
         &P::breastComparator},
        {{"rules.breast_percent", "Breast percentage threshold", "%",
          "Share of invasive tumour cells for 1+, 2+ and 3+ (ASCO/CAP 2018: 10%).", 0, 100},
         &P::breastPercent},
        {{"rules.breast_intense_min_percent", "Breast intense-staining minimum", "%",
          "Intense complete staining in at most the threshold share makes 2+ only from this share of tumour "
          "cells "
          "on: below it the cells are within the per-cell classifier's error, not a population.",
          0, 100},
         &P::breastIntenseMinPercent},
        {{"rules.breast_intense_min_cells", "Breast intense-staining minimum cells", "",
          "Intense complete staining in at most the threshold share makes 2+ only from this many cells on, "
          "so a "
          "small specimen is not called 2+ on one or two cells.",
          0, 1000000},
         &P::breastIntenseMinCells},
        {{"rules.ultralow_min_percent", "0-ultralow minimum", "%",
          "A score-0 case is 0-ultralow when more than this share of tumour cells has membrane staining, "
          "else "
          "0-null (ASCO/CAP 2023: more than 0%).",
          0, 100},
         &P::ultralowMinPercent},

        {{"rules.gastric_comparator",
          "Gastric percentage comparator",
          "",
          "How the gastric percentage is compared with its threshold: the HercepTest/ToGA tables say at "
          "least "
          "10% (\">=\"), some checklists more than 10%.",
          0,
          0,
          {">", ">="}},
         &P::gastricComparator},
        {{"rules.gastric_percent", "Gastric percentage threshold", "%",
          "Share of tumour cells for 1+, 2+ and 3+ in a gastric resection (10%).", 0, 100},
         &P::gastricPercent},
        {{"rules.nsclc_comparator",
          "NSCLC percentage comparator",
          "",
          "How the NSCLC percentage is compared with its threshold; NSCLC follows the gastric criteria "
          "(\">=\").",
          0,
          0,
          {">", ">="}},
         &P::nsclcComparator},
        {{"rules.nsclc_percent", "NSCLC percentage threshold", "%",
          "Share of tumour cells for 1+, 2+ and 3+ in an NSCLC resection (gastric criteria: 10%).", 0, 100},
         &P::nsclcPercent},
        {{"rules.nsclc_min_stained_cells", "NSCLC minimum stained cells", "",
          "NSCLC 2+ and 3+ each also need at least this many stained tumour cells.", 0, 1000000},
         &P::nsclcMinStainedCells},
        {{"rules.cluster_min_cells", "Biopsy cluster size", "",
          "Gastric/NSCLC biopsy: a score needs a cluster of at least this many cohesive cells (5).", 1, 1000},
         &P::clusterMinCells},
        {{"rules.cohesion_distance_um", "Cohesion distance", "µm",
          "Biopsy: cells whose centroids are at most this far apart touch. Carcinoma cells are 10-18 µm "
          "across, so touching neighbours of the largest still count, while cells with a cell-sized gap "
          "between them (centroids 25 µm or more apart) do not.",
          1, 200},
         &P::cohesionDistanceUm},

        {{"rules.ish_probe",
          "ISH probe",
          "",
          "Dual probe (HER2 and CEP17) or single probe (HER2 only).",
          0,
          0,
          {"dual", "single"}},
         &P::ishProbe},
        {{"rules.ish_ratio", "ISH ratio threshold", "",
          "Breast dual probe: HER2/CEP17 ratio at or above which groups 1 and 2 apply (2.0).", 0.1, 20},
         &P::ishRatio},
        {{"rules.ish_her2_lower", "ISH mean HER2 threshold", "signals/cell",
          "Breast dual probe: mean HER2 signals per cell at or above which group 1 (ratio high) or 4 (ratio "
          "low) "
          "applies (4.0).",
          0.1, 50},
         &P::ishHer2Lower},
        {{"rules.ish_her2_upper", "ISH group 3 mean HER2", "signals/cell",
          "Breast dual probe: mean HER2 signals per cell at or above which a low ratio is group 3 (6.0).",
          0.1, 50},
         &P::ishHer2Upper},
        {{"rules.single_probe_negative", "Single probe negative below", "signals/cell",
          "Single probe: mean HER2 signals per cell below this is negative (4.0).", 0.1, 50},
         &P::singleProbeNegative},
        {{"rules.single_probe_positive", "Single probe positive from", "signals/cell",
          "Single probe: mean HER2 signals per cell at or above this is positive (6.0).", 0.1, 50},
         &P::singleProbePositive},
        {{"rules.gastric_ish_ratio", "Gastric ISH ratio threshold", "",
          "Gastric/NSCLC ISH: positive at or above this HER2/CEP17 ratio, irrespective of copy number (ToGA: "
          "2.0).",
          0.1, 20},
         &P::gastricIshRatio},
        {{"rules.gastric_ish_copy_number_option", "Gastric ISH copy-number option", "",
          "Lab option, off by default: a ratio below the threshold with a high mean HER2 counts as positive.",
          0, 0},
         &P::gastricIshCopyNumberOption},
        {{"rules.gastric_ish_her2", "Gastric ISH mean HER2 (option)", "signals/cell",
          "Mean HER2 signals per cell that makes a low ratio positive when the copy-number option is on "
          "(6.0).",
          0.1, 50},
         &P::gastricIshHer2},
    };
    return f;
}

}  // namespace her2::core
