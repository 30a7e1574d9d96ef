#include "her2/core/Params.hpp"

namespace her2::core {

const std::vector<ParamField<IhcParams>>& IhcParams::fields() {
    using P = IhcParams;
    static const std::vector<ParamField<P>> f{
        {{"ihc.stain_vectors", "Stain vectors", "",
          "Ruifrok-Johnston defaults, or vectors estimated per slide (Macenko).", 0, 0, {"default", "estimated"}},
         &P::stainVectors},
        {{"ihc.nucleus_min_area_um2", "Minimum nucleus area", "µm²", "Smaller hematoxylin blobs are debris.", 1, 500},
         &P::nucleusMinAreaUm2},
        {{"ihc.nucleus_max_area_um2", "Maximum nucleus area", "µm²", "Larger blobs are clumps, not one nucleus.", 10,
          2000},
         &P::nucleusMaxAreaUm2},
        {{"ihc.max_cell_radius_um", "Maximum cell radius", "µm", "A cell never extends further from its nucleus.", 3,
          50},
         &P::maxCellRadiusUm},
        {{"ihc.membrane_width_um", "Membrane band half-width", "µm",
          "Band sampled on each side of the cell outline; covers a 3+ membrane (about 2 µm wide).", 0.25, 5},
         &P::membraneWidthUm},
        {{"ihc.stained_od", "Stained membrane OD", "OD", "A membrane pixel counts as stained at or above this DAB OD.",
          0, 2},
         &P::stainedOd},
        {{"ihc.faint_od", "Faint / weak-moderate OD", "OD",
          "Mean stained-membrane DAB OD below this is faint (1+), at or above weak-moderate.", 0, 2},
         &P::faintOd},
        {{"ihc.strong_od", "Strong OD", "OD", "Mean stained-membrane DAB OD at or above this is strong (3+).", 0, 3},
         &P::strongOd},
        {{"ihc.complete_fraction", "Complete membrane fraction", "",
          "Stained fraction of the circumference at or above which a membrane is complete.", 0, 1},
         &P::completeFraction},
        {{"ihc.lateral_fraction", "Lateral/basolateral fraction", "",
          "Stained fraction from which an incomplete membrane counts as lateral/basolateral (U-shaped).", 0, 1},
         &P::lateralFraction},
        {{"ihc.min_stained_fraction", "Minimum stained fraction", "",
          "Below this stained fraction of the circumference a membrane counts as unstained.", 0, 1},
         &P::minStainedFraction},
        {{"ihc.sectors", "Angular sectors", "", "Sectors around the centroid used to measure completeness.", 8, 360},
         &P::sectors},
    };
    return f;
}

}  // namespace her2::core
