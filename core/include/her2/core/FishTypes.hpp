#pragma once
/// @file FISH records: nuclei with their HER2 and CEP17 signal counts, and the spots.
#include <cstdint>
#include <string>
#include <vector>

#include "her2/core/Geometry.hpp"

namespace her2::core {

enum class FishChannel : std::uint8_t { Dapi, Her2, Cep17 };

/// Why a nucleus is not counted.
enum class NucleusExclusion : std::uint8_t {
    None,
    Overlapping,     ///< touching/overlapping nuclei that could not be separated
    EdgeCut,         ///< cut by the image edge
    TooSmall,
    TooLarge,
    MissingSignal,   ///< lacks at least one signal of each colour
    NotSelected      ///< evaluable but beyond the first N chosen
};
std::string_view toString(NucleusExclusion);
std::string_view toString(FishChannel);

/// One detected signal, level-0 px.
struct FishSpot {
    double x = 0, y = 0;
    FishChannel channel = FishChannel::Her2;
    float intensity = 0;   ///< integrated, background-subtracted
    float copies = 1;      ///< estimated copy number (>1 for a cluster)
    bool cluster = false;
    std::int32_t nucleus = -1;  ///< index into the nucleus list, -1 outside any nucleus
};

struct FishNucleus {
    std::int32_t id = 0;
    double x = 0, y = 0;        ///< centroid, level-0 px
    double areaUm2 = 0;
    std::vector<PointD> outline;
    double her2Count = 0;       ///< signals, clusters counted as their estimated copies
    double cep17Count = 0;
    int her2Spots = 0;          ///< detected spots before cluster estimation
    int cep17Spots = 0;
    bool her2Cluster = false;
    NucleusExclusion exclusion = NucleusExclusion::None;
    bool counted() const noexcept { return exclusion == NucleusExclusion::None; }
};

}  // namespace her2::core
