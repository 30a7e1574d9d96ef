#pragma once
/// @file Ruifrok-Johnston colour deconvolution of bright-field RGB into hematoxylin, DAB and
/// residual optical densities, with default or per-slide (Macenko) stain vectors.
#include <algorithm>
#include <array>
#include <string>

#include <opencv2/core.hpp>

namespace her2::imaging {

/// Three unit OD vectors (R, G, B absorbance per unit stain). Rows of the stain matrix.
struct StainVectors {
    std::array<double, 3> hematoxylin{};
    std::array<double, 3> dab{};
    std::array<double, 3> residual{};  ///< eosin for the default H-E-DAB matrix
    /// Hematoxylin OD that one OD of DAB leaves in the hematoxylin channel, removed from it
    /// (hematoxylin - dabLeak * DAB). A lab's DAB a few degrees off the reference vector
    /// shows in the hematoxylin channel: brown cytoplasm then reads as pale nuclei. The DAB
    /// channel itself is unchanged. 0 unless measured (estimateHematoxylin).
    double dabLeak = 0;
    std::string source = "default";  ///< "default", "estimated" or "slide-hematoxylin"

    /// Ruifrok-Johnston H-E-DAB exactly as scikit-image's rgb_from_hed (the published rows,
    /// whose norms are within 0.3% of 1), so results can be checked against rgb2hed.
    static StainVectors defaultHDab();
};

/// Optical densities (CV_32F, base-10 absorbance, >= 0) of one RGB image.
struct StainImages {
    cv::Mat hematoxylin;
    cv::Mat dab;
    cv::Mat residual;
};

/// Separates RGB into stain ODs with a 256-entry -log10 table. Immutable after construction:
/// thread-safe.
class StainSeparation {
public:
    /// Throws core::ParameterError when the vectors are degenerate (not invertible).
    explicit StainSeparation(const StainVectors& vectors = StainVectors::defaultHDab());

    const StainVectors& vectors() const noexcept { return m_vectors; }

    /// Deconvolves CV_8UC3 RGB (R first). OD of 0 grey levels is taken at 1/255.
    /// Throws core::ParameterError for another type.
    StainImages separate(const cv::Mat& rgb) const;

    /// The hematoxylin and DAB images of separate() and odSum() in one pass over the pixels,
    /// without the residual image (see residual()). Outputs are (re)created as CV_32F.
    void separateWithOdSum(const cv::Mat& rgb, cv::Mat& hematoxylin, cv::Mat& dab, cv::Mat& odSum) const;

    /// The residual OD separate() gives a pixel of R, G, B values.
    float residual(const cv::Vec3b& rgb) const noexcept { return stainOd(2, rgb[0], rgb[1], rgb[2]); }

    /// The DAB OD separate() gives a pixel of R, G, B values.
    float dab(const cv::Vec3b& rgb) const noexcept { return stainOd(1, rgb[0], rgb[1], rgb[2]); }

    /// Sum of the three channel ODs per pixel (CV_32F); a stain-independent "how much tissue".
    static cv::Mat odSum(const cv::Mat& rgb);

    /// -log10(max(v, 1) / 255) for an 8-bit value.
    static float od(unsigned char value) noexcept;

    /// Macenko estimate from RGB pixels (under `mask` if not empty) whose OD norm is at least
    /// minOd: the plane of the two main eigenvectors of the OD covariance, the 1% / 99% angle
    /// percentiles as the two stains, the bluer-absorbing one (brown) as DAB. A stain more
    /// than 30 degrees from its default, or two stains closer than 10 degrees, falls back to
    /// the default vectors. Thread-safe.
    static StainVectors estimate(const cv::Mat& rgb, const cv::Mat& mask = {}, double minOd = 0.15);

    /// The default DAB and residual vectors with the hematoxylin vector measured on the
    /// image: the median OD direction of dense, hematoxylin-dominant pixels (nuclei).
    /// Hematoxylin varies from lab to lab (more or less blue) far more than DAB does, and a
    /// wrong hematoxylin vector leaks nuclear stain into the DAB channel: a few hundredths
    /// of OD on every cell, the size of a faint 1+ membrane. Falls back to the defaults with
    /// fewer than 1000 such pixels or a direction more than 25 degrees from the default.
    /// Then dabLeak: the median hematoxylin / DAB ratio of dense DAB-dominant pixels
    /// (DAB >= 0.15 OD and above the hematoxylin), when they are at least 1000 and 0.5% of
    /// the tissue pixels; 0 otherwise. Thread-safe.
    static StainVectors estimateHematoxylin(const cv::Mat& rgb, const cv::Mat& mask = {});

private:
    StainVectors m_vectors;
    std::array<std::array<std::array<float, 256>, 3>, 3> m_lut{};  ///< [stain][channel][value]

    /// OD of stain s (0 hematoxylin, 1 DAB, 2 residual) for one pixel, clipped at 0: the one
    /// formula of separate(), separateWithOdSum() and residual().
    float stainOd(int s, unsigned char r, unsigned char g, unsigned char b) const noexcept {
        const auto& l = m_lut[static_cast<std::size_t>(s)];
        return std::max(0.f, l[0][r] + l[1][g] + l[2][b]);
    }
};

}  // namespace her2::imaging
