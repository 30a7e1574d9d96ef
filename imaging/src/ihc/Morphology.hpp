#pragma once
// Morphological helpers shared by the IHC segmenters (private to her2_imaging).
#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <vector>

#include <opencv2/core.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace her2::imaging::detail {

/// Per-thread scratch images are kept between calls for tile-sized images only (a fresh
/// tile-sized allocation page-faults its memory back in on every tile); after a larger image
/// they are released, so a one-off large image does not stay resident.
constexpr std::size_t kKeptScratchPixels = std::size_t{1} << 22;

/// A per-thread image of `size` and `type` kept in `kept` and reused, unless a caller still
/// holds the last one (create() alone would write into it); above kKeptScratchPixels a fresh
/// image, and `kept` is released.
inline cv::Mat reusedImage(cv::Mat& kept, cv::Size size, int type) {
    if (static_cast<std::size_t>(size.width) * static_cast<std::size_t>(size.height) > kKeptScratchPixels) {
        kept.release();
        return cv::Mat(size, type);
    }
    if (kept.u == nullptr || kept.u->refcount > 1 || kept.size() != size || kept.type() != type) {
        kept.release();
        kept.create(size, type);
    }
    return kept;
}

/// Releases up to eight per-thread images when it goes out of scope, if `pixels` is above
/// kKeptScratchPixels.
class ScratchRelease {
public:
    ScratchRelease(std::size_t pixels, std::initializer_list<cv::Mat*> mats)
        : m_release(pixels > kKeptScratchPixels) {
        CV_Assert(mats.size() <= m_mats.size());
        std::copy(mats.begin(), mats.end(), m_mats.begin());
    }
    ~ScratchRelease() {
        if (m_release)
            for (cv::Mat* m : m_mats)
                if (m) m->release();
    }
    ScratchRelease(const ScratchRelease&) = delete;
    ScratchRelease& operator=(const ScratchRelease&) = delete;

private:
    bool m_release;
    std::array<cv::Mat*, 8> m_mats{};
};

/// Folds the minimum and maximum of p[0..n) into lo and hi (a watershed's elevation range, in
/// the pass that writes the elevation). NaN values are skipped, as by cv::minMaxLoc.
inline void foldMinMax(const float* p, int n, float& lo, float& hi) {
    int x = 0;
#if defined(__SSE2__)
    if (n >= 4) {
        // The running values are the second operands: minps/maxps return the second operand
        // when either is NaN, so a NaN pixel is skipped as by std::min / cv::minMaxLoc.
        __m128 vlo = _mm_set1_ps(lo), vhi = _mm_set1_ps(hi);
        for (; x + 4 <= n; x += 4) {
            const __m128 v = _mm_loadu_ps(p + x);
            vlo = _mm_min_ps(v, vlo);
            vhi = _mm_max_ps(v, vhi);
        }
        alignas(16) float l[4], h[4];
        _mm_store_ps(l, vlo);
        _mm_store_ps(h, vhi);
        for (int k = 0; k < 4; ++k) {
            lo = std::min(lo, l[k]);
            hi = std::max(hi, h[k]);
        }
    }
#endif
    for (; x < n; ++x) {
        lo = std::min(lo, p[x]);
        hi = std::max(hi, p[x]);
    }
}

/// Grey reconstruction by dilation of `marker` under `mask` (both CV_32F, marker <= mask
/// after clamping), 8-connected: the result of dilating under the mask to stability.
cv::Mat reconstructByDilation(const cv::Mat& marker, const cv::Mat& mask);

/// reconstructByDilation(mask - depth, mask) without the marker image.
cv::Mat reconstructByDilation(const cv::Mat& mask, float depth);

/// Fills background holes of a CV_8U mask (255/0) smaller than maxHoleArea pixels that do
/// not touch the image border.
void fillHoles(cv::Mat& mask, double maxHoleArea);

/// cv::distanceTransform(mask, dst, DIST_L2, DIST_MASK_PRECISE) of a CV_8U mask, bit for bit:
/// the same two stages (column distances, then the lower envelope of parabolas per row) in
/// the same float arithmetic, with the row envelope run only over the runs of nonzero pixels.
void distanceTransformPrecise(const cv::Mat& mask, cv::Mat& dst);

/// cv::morphologyEx(src, dst, MORPH_OPEN, rectangle of (2 radius + 1)^2) of a CV_32F image with
/// the default border, bit for bit: min then max over the window clipped to the image.
void openRect(const cv::Mat& src, cv::Mat& dst, int radius);

/// Outer border of the region of `label` in a CV_32S label image that holds `start`, its
/// first pixel in raster order, as cv::findContours(RETR_EXTERNAL, CHAIN_APPROX_NONE) gives
/// it for the mask of that region alone (same points, same order), written to `contour`.
/// The region must be 8-connected; other pixels of the image are never read as part of it.
void outerContour(const cv::Mat& labels, int label, cv::Point start, std::vector<cv::Point>& contour);

/// Distance from `centre` to the nearest pixel (centre) of a CV_32S label image that is not
/// `label`, pixels outside the image counting as not `label`: exact when it is at most
/// `reach`, otherwise some value above `reach` (infinity when none lies within reach + 2 px).
double clearRadius(const cv::Mat& labels, int label, cv::Point2d centre, double reach);

}  // namespace her2::imaging::detail
