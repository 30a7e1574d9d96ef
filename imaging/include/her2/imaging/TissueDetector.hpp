#pragma once
/// @file Tissue versus glass on a low-resolution image, intersected with a region of interest.
#include <optional>

#include <opencv2/core.hpp>

#include "her2/core/Geometry.hpp"
#include "her2/core/Params.hpp"
#include "her2/core/PixelCalibration.hpp"
#include "her2/core/Progress.hpp"
#include "her2/imaging/SlideSource.hpp"

namespace her2::imaging {

/// A low-resolution tissue map. mask pixel (i, j) covers level-0 [j*downsample, (j+1)*downsample)
/// horizontally, likewise vertically.
struct TissueMap {
    cv::Mat rgb;                  ///< the low-resolution RGB image the map was made from
    cv::Mat mask;                 ///< CV_8U, 255 = tissue (and inside the ROI if one was applied)
    double downsample = 1;        ///< level-0 px per mask px
    double thresholdOd = 0;       ///< OD-sum threshold used between glass and tissue
    core::MultiPolygon polygons;  ///< outline of the mask, level-0 px
    double areaUm2 = 0;           ///< tissue area of the mask
    /// CV_8U, 255 = coloured marker ink (green, blue-green), widened by a cell radius (12 µm);
    /// left out of `mask`. Empty when there is none.
    cv::Mat ink;
    double inkAreaUm2 = 0;  ///< area of `ink`
    bool empty() const noexcept { return areaUm2 <= 0; }
    /// True when the level-0 point lies on a mask pixel.
    bool contains(double x, double y) const noexcept;
    /// True when the level-0 point lies on marker ink.
    bool onInk(double x, double y) const noexcept;
};

/// Finds tissue: OD sum of the smoothed image, Otsu threshold with floor tiling.tissueMinOd,
/// closing and opening of about 2 mask pixels, holes below the minimum area filled,
/// fragments below tiling.tissueMinAreaUm2 dropped. Marker ink that absorbs red more than
/// green (green and blue-green pens; hematoxylin, DAB and eosin all absorb green more than
/// red) is left out. Thread-safe (no state beyond params).
class TissueDetector {
public:
    explicit TissueDetector(const core::TilingParams& params) : m_params(params) {}

    /// From an RGB image already at low resolution. `downsample` is level-0 px per image px.
    TissueMap detect(const cv::Mat& rgb, double downsample, const core::PixelCalibration& calibration) const;

    /// Reads the slide at about tiling.tissueMpp (strip by strip from the best level, so
    /// memory stays bounded) and detects tissue. Throws core::InputError on read failure,
    /// core::CancelledError when cancelled.
    TissueMap detect(const SlideSource& source, const core::CancelToken* cancel = nullptr) const;

    /// Reads the whole slide at `downsample` (level-0 px per output px), bounded memory.
    static cv::Mat readLowResolution(const SlideSource& source, double downsample,
                                     const core::CancelToken* cancel = nullptr);

    /// Keeps only mask and ink pixels whose centre lies in `roi` (polygons with holes);
    /// updates polygons and areas.
    static void applyRoi(TissueMap& map, const core::MultiPolygon& roi,
                         const core::PixelCalibration& calibration);

private:
    core::TilingParams m_params;
};

/// Outline polygons (with holes) of a binary mask, scaled by `scale` into level-0 px.
core::MultiPolygon maskToPolygons(const cv::Mat& mask, double scale, core::PointD origin = {});

}  // namespace her2::imaging
