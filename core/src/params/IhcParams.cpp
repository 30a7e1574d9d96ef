#include "her2/core/Params.hpp"

namespace her2::core {

const std::vector<ParamField<IhcParams>>& IhcParams::fields() {
    using P = IhcParams;
    static const std::vector<ParamField<P>> f{
        {{"ihc.stain_vectors",
          "Stain vectors",
          "",
          "slide-hematoxylin: Ruifrok-Johnston DAB with the hematoxylin measured on the slide's nuclei, "
          "and the slide's DAB leak removed from the hematoxylin channel; default: Ruifrok-Johnston; "
          "estimated: both estimated per slide (Macenko).",
          0,
          0,
          {"slide-hematoxylin", "default", "estimated"}},
         &P::stainVectors},
        {{"ihc.nucleus_min_area_um2", "Minimum nucleus area", "µm²", "Smaller hematoxylin blobs are debris.",
          1, 500},
         &P::nucleusMinAreaUm2},
        {{"ihc.nucleus_max_area_um2", "Maximum nucleus area", "µm²",
          "Larger blobs are clumps, not one nucleus.", 10, 2000},
         &P::nucleusMaxAreaUm2},
        {{"ihc.max_cell_radius_um", "Maximum cell radius", "µm",
          "A cell never extends further from its nucleus.", 3, 50},
         &P::maxCellRadiusUm},
        {{"ihc.membrane_width_um", "Membrane band half-width", "µm",
          "Band sampled on each side of the cell outline; covers a 3+ membrane (about 2 µm wide).", 0.25, 5},
         &P::membraneWidthUm},
        {{"ihc.stained_od", "Stained membrane OD", "OD",
          "A membrane pixel counts as stained at or above this DAB OD.", 0, 2},
         &P::stainedOd},
        {{"ihc.membrane_contrast_od", "Membrane contrast OD", "OD",
          "A membrane counts as stained only where its DAB peak stands at least this far above the "
          "median DAB of the cell's cytoplasm: diffuse cytoplasmic DAB is not membrane staining.",
          0, 2},
         &P::membraneContrastOd},
        {{"ihc.faint_od", "Faint / weak-moderate OD", "OD",
          "Mean stained-membrane DAB OD below this is faint (1+), at or above weak-moderate.", 0, 2},
         &P::faintOd},
        {{"ihc.strong_od", "Strong OD", "OD", "Mean stained-membrane DAB OD at or above this is strong (3+).",
          0, 3},
         &P::strongOd},
        {{"ihc.complete_fraction", "Complete membrane fraction", "",
          "Stained fraction of the circumference at or above which a membrane is complete.", 0, 1},
         &P::completeFraction},
        {{"ihc.lateral_fraction", "Lateral/basolateral fraction", "",
          "Stained fraction from which an incomplete membrane counts as lateral/basolateral (U-shaped).", 0,
          1},
         &P::lateralFraction},
        {{"ihc.min_stained_fraction", "Minimum stained fraction", "",
          "Below this stained fraction of the circumference a membrane counts as unstained.", 0, 1},
         &P::minStainedFraction},
        {{"ihc.sectors", "Angular sectors", "", "Sectors around the centroid used to measure completeness.",
          8, 360},
         &P::sectors},
        {{"ihc.analysis_mpp", "Analysis pixel size", "µm/px",
          "Cells are analysed at this pixel size: 0.5 (20x) resolves 2+/3+ membranes at a quarter of the 40x "
          "cost; "
          "0.25 resolves faint 1+ membranes better.",
          0.1, 2},
         &P::analysisMpp},
        {{"ihc.nucleus_threshold_od", "Nucleus threshold", "OD",
          "Hematoxylin OD above the local background at which a pixel belongs to a nucleus.", 0.01, 2},
         &P::nucleusThresholdOd},
        {{"ihc.background_radius_um", "Hematoxylin background radius", "µm",
          "Radius of the opening that estimates the local hematoxylin background; larger than a nucleus.", 2,
          50},
         &P::backgroundRadiusUm},
        {{"ihc.nucleus_split_um", "Nucleus split depth", "µm",
          "Touching nuclei are split where their distance map dips by at least this much (h-maxima).", 0.1,
          5},
         &P::nucleusSplitUm},
        {{"ihc.spindle_max_width_um", "Spindle nucleus width", "µm",
          "Touching pieces of a nucleus that are both narrower than this (twice the distance from their "
          "centre line to their edge) are one nucleus: a spindle nucleus of a fibroblast is 2-4 µm wide and "
          "its distance map dips along its length, where the split would make round pieces that pass for "
          "tumour cells; lymphocyte and tumour nuclei are wider.",
          0, 20},
         &P::spindleMaxWidthUm},
        {{"ihc.lymphocyte_max_area_um2", "Lymphocyte maximum nucleus area", "µm²",
          "Round, dark nuclei up to this area are lymphocytes: a lymphocyte nucleus is 6-8 µm across "
          "(28-50 µm²) and segmentation at 0.5 µm/px adds about a pixel around it; tumour nuclei are larger.",
          0, 200},
         &P::lymphocyteMaxAreaUm2},
        {{"ihc.lymphocyte_darker_than", "Lymphocyte darkness", "",
          "A lymphocyte's hematoxylin OD is above this fraction of the nuclei larger than the lymphocyte "
          "area (the tumour nuclei): its condensed chromatin stains darker, while the small nuclei of a "
          "low-grade or lobular carcinoma stain like their neighbours.",
          0.5, 1},
         &P::lymphocyteDarkerThan},
        {{"ihc.lymphocyte_area_fraction", "Lymphocyte relative size", "",
          "A small round nucleus at most this fraction of the median area of the nuclei larger than the "
          "lymphocyte area, and at least as dark as the median nucleus, is a lymphocyte or a stromal nucleus "
          "cut across, not a tumour nucleus.",
          0, 1},
         &P::lymphocyteAreaFraction},
        {{"ihc.stroma_min_elongation", "Stroma nucleus elongation", "",
          "Nuclei at least this elongated (major/minor axis) are spindle stromal cells, not tumour.", 1, 20},
         &P::stromaMinElongation},
        {{"ihc.eosin_ratio", "H&E eosin ratio", "",
          "Tissue whose eosin OD exceeds this fraction of its hematoxylin OD, with no DAB, is H&E and not "
          "scored.",
          0.05, 10},
         &P::eosinRatio},
        {{"ihc.exclude_non_tumour", "Exclude stroma and lymphocytes", "",
          "Cells whose nucleus looks stromal or lymphocytic are recorded but not counted as tumour cells.", 0,
          0},
         &P::excludeNonTumour},
    };
    return f;
}

}  // namespace her2::core
