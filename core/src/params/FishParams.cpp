#include "her2/core/Params.hpp"

namespace her2::core {

const std::vector<ParamField<FishParams>>& FishParams::fields() {
    using P = FishParams;
    static const std::vector<ParamField<P>> f{
        {{"fish.channel_map", "RGB channel map", "", "Which colour of an RGB composite holds each probe.", 0, 0},
         &P::channelMap},
        {{"fish.nucleus_min_area_um2", "Minimum nucleus area", "µm²", "Smaller DAPI objects are debris.", 1, 500},
         &P::nucleusMinAreaUm2},
        {{"fish.nucleus_max_area_um2", "Maximum nucleus area", "µm²", "Larger DAPI objects are clumps.", 10, 3000},
         &P::nucleusMaxAreaUm2},
        {{"fish.spot_sigma_um", "Spot size (sigma)", "µm", "Gaussian sigma of a diffraction-limited signal.", 0.05, 2},
         &P::spotSigmaUm},
        {{"fish.spot_threshold_mad", "Spot threshold", "MAD",
          "Detection threshold in robust noise units (median absolute deviation).", 1, 50},
         &P::spotThresholdMad},
        {{"fish.merge_distance_spots", "Merge distance", "spot diameters",
          "Two signals closer than this count as one (kit convention: one signal diameter).", 0, 5},
         &P::mergeDistanceSpots},
        {{"fish.nuclei_to_count", "Nuclei to count", "", "First N evaluable nuclei; 0 counts all.", 0, 100000},
         &P::nucleiToCount},
    };
    return f;
}

}  // namespace her2::core
