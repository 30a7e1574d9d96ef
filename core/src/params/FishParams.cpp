#include "her2/core/Params.hpp"

namespace her2::core {

const std::vector<ParamField<FishParams>>& FishParams::fields() {
    using P = FishParams;
    static const std::vector<ParamField<P>> f{
        {{"fish.channel_map", "RGB channel map", "", "Which colour of an RGB composite holds each probe.", 0,
          0},
         &P::channelMap},
        {{"fish.nucleus_min_area_um2", "Minimum nucleus area", "µm²", "Smaller DAPI objects are debris.", 1,
          500},
         &P::nucleusMinAreaUm2},
        {{"fish.nucleus_max_area_um2", "Maximum nucleus area", "µm²", "Larger DAPI objects are clumps.", 10,
          3000},
         &P::nucleusMaxAreaUm2},
        {{"fish.spot_sigma_um", "Spot size (sigma)", "µm", "Gaussian sigma of a diffraction-limited signal.",
          0.05, 2},
         &P::spotSigmaUm},
        {{"fish.spot_threshold_mad", "Spot threshold", "MAD",
          "Detection threshold in robust noise units (median absolute deviation).", 1, 50},
         &P::spotThresholdMad},
        {{"fish.merge_distance_spots", "Merge distance", "spot diameters",
          "Two signals closer than this count as one (kit convention: one signal diameter).", 0, 5},
         &P::mergeDistanceSpots},
        {{"fish.nuclei_to_count", "Nuclei to count", "", "First N evaluable nuclei; 0 counts all.", 0,
          100000},
         &P::nucleiToCount},
        {{"fish.nucleus_mpp", "Nucleus analysis pixel size", "µm/px",
          "DAPI is segmented at this pixel size; 0.5 µm resolves a 10 µm nucleus at a fraction of the "
          "full-resolution "
          "cost.",
          0.05, 2},
         &P::nucleusMpp},
        {{"fish.nucleus_threshold_mad", "Nucleus threshold floor", "MAD",
          "The DAPI threshold is at least this many robust noise units above the background, so an empty "
          "field "
          "yields no nuclei.",
          1, 100},
         &P::nucleusThresholdMad},
        {{"fish.nucleus_split_um", "Nucleus split depth", "µm",
          "Touching nuclei are split where their distance map dips by at least this much.", 0.1, 5},
         &P::nucleusSplitUm},
        {{"fish.nucleus_min_solidity", "Minimum nucleus solidity", "",
          "Objects less convex than this (area / convex hull area) are clumps that could not be separated.",
          0, 1},
         &P::nucleusMinSolidity},
        {{"fish.overlap_intensity", "Overlap DAPI ratio", "",
          "Overlapping nuclei add their DAPI: pixels above this multiple of the nucleus median are overlap.",
          1, 5},
         &P::overlapIntensity},
        {{"fish.overlap_fraction", "Overlap area fraction", "",
          "A nucleus with at least this fraction of overlap pixels is excluded as overlapping.", 0, 1},
         &P::overlapFraction},
        {{"fish.nucleus_max_area_ratio", "Nucleus size limit", "× median",
          "A nucleus larger than this multiple of the median area of the field's evaluable nuclei is taken "
          "for two overlapping nuclei and not counted (0: off).",
          0, 10},
         &P::nucleusMaxAreaRatio},
        {{"fish.background_radius_um", "Probe background radius", "µm",
          "Radius of the opening that estimates the probe background; larger than a signal cluster.", 0.5,
          20},
         &P::backgroundRadiusUm},
        {{"fish.cluster_min_copies", "Cluster threshold", "single signals",
          "A signal whose integrated intensity is at least this many median single-signal intensities is a "
          "cluster, counted as intensity / single-signal intensity.",
          1.5, 50},
         &P::clusterMinCopies},
        {{"fish.min_signal_fraction", "Faint speck limit", "single signals",
          "A spot whose integrated intensity is below this fraction of the median single-signal intensity "
          "is a non-specific speck and is not counted: signals of one probe are of like brightness, and "
          "counting guides say to ignore faint non-specific dots.",
          0, 1},
         &P::minSignalFraction},
    };
    return f;
}

}  // namespace her2::core
