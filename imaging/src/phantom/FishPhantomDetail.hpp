#pragma once
/// @file Internal: brightness constants and per-object gains shared by the FISH phantom's
/// layout and renderer (pure functions of the seed, so nothing is stored per object).
#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>

#include "her2/core/FishTypes.hpp"

namespace her2::imaging::detail {

/// Peak of a single signal above background, fraction of full scale, before its gain.
double spotAmplitude(core::FishChannel channel) noexcept;
/// Per drawn spot brightness factor in [0.8, 1.2).
double spotGain(std::uint64_t seed, std::size_t drawnIndex) noexcept;
/// Per nucleus DAPI brightness factor in [0.75, 1.25).
double nucleusGain(std::uint64_t seed, std::int32_t id) noexcept;
/// Adds a diffraction-limited spot (Gaussian of `sigma` px, peak `amplitude`) centred at
/// (x, y) to a CV_32F image, out to 4 sigma.
void addSpot(cv::Mat& img, double x, double y, double sigma, double amplitude);

}  // namespace her2::imaging::detail
