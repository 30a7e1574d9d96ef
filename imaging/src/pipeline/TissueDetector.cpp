#include "her2/imaging/TissueDetector.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "her2/core/Errors.hpp"
#include "her2/imaging/StainSeparation.hpp"
#include "ihc/Morphology.hpp"

namespace her2::imaging {
namespace {

/// Per-channel glass intensity: the 99.5th percentile of each channel, clamped to [200, 255].
/// A slide fully covered by tissue has no glass to measure; the clamp keeps its estimate
/// near white instead of calling the palest tissue glass.
cv::Vec3d glassColour(const cv::Mat& rgb) {
    cv::Vec3d out(255, 255, 255);
    if (rgb.empty()) return out;
    for (int c = 0; c < 3; ++c) {
        int hist[256] = {};
        for (int y = 0; y < rgb.rows; ++y) {
            const auto* p = rgb.ptr<cv::Vec3b>(y);
            for (int x = 0; x < rgb.cols; ++x) ++hist[p[x][c]];
        }
        const double target = 0.995 * static_cast<double>(rgb.total());
        double acc = 0;
        int v = 0;
        for (; v < 255; ++v) {
            acc += hist[v];
            if (acc >= target) break;
        }
        out[c] = std::clamp(static_cast<double>(v), 200.0, 255.0);
    }
    return out;
}

/// Marker ink on a low-resolution image, from its per-channel OD against the glass colour
/// (blurred in place): red absorbed clearly more than green. Hematoxylin absorbs red at 0.93
/// of green (0.94-1.06 measured on the DeepLIIF scans), DAB at 0.47 and eosin at 0.07;
/// green and blue-green pens at 1.5-4. The colours are averaged over about 8 µm first, so
/// that a 3+ membrane under the ink (which alone stays below the test) does not break a
/// stroke into cell-sized pieces on a finely sampled map. A pen stroke is large: patches
/// under 2500 µm² (50 x 50 µm) are the colour fringes of a scanner's optics along tissue
/// edges. A hematoxylin with a red/green OD ratio above about 1.2 would be taken for ink on
/// dense nuclei.
cv::Mat markerInk(cv::Mat& odRed, cv::Mat& odGreen, double umPerPx) {
    const double sigma = std::max(0.5, 4.0 / umPerPx);
    for (cv::Mat* m : {&odRed, &odGreen}) cv::GaussianBlur(*m, *m, cv::Size(), sigma);
    cv::Mat ink = (odRed >= 0.15f) & (odRed > 1.2f * odGreen + 0.05f);
    if (cv::countNonZero(ink) == 0) return ink;
    cv::Mat labels, stats, centroids;
    cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
    const double minPx = 2500 / (umPerPx * umPerPx);
    for (int y = 0; y < ink.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        unsigned char* k = ink.ptr<unsigned char>(y);
        for (int x = 0; x < ink.cols; ++x)
            if (k[x] && stats.at<int>(l[x], cv::CC_STAT_AREA) < minPx) k[x] = 0;
    }
    return ink;
}

/// The mask pixel under a level-0 point, 0 outside the mask.
bool maskAt(const cv::Mat& mask, double downsample, double x, double y) noexcept {
    if (mask.empty() || downsample <= 0) return false;
    const auto j = static_cast<int>(std::floor(x / downsample));
    const auto i = static_cast<int>(std::floor(y / downsample));
    if (i < 0 || j < 0 || i >= mask.rows || j >= mask.cols) return false;
    return mask.at<unsigned char>(i, j) != 0;
}

}  // namespace

bool TissueMap::contains(double x, double y) const noexcept {
    return maskAt(mask, downsample, x, y);
}

bool TissueMap::onInk(double x, double y) const noexcept {
    return maskAt(ink, downsample, x, y);
}

core::MultiPolygon maskToPolygons(const cv::Mat& mask, double scale, core::PointD origin) {
    core::MultiPolygon out;
    if (mask.empty()) return out;
    std::vector<std::vector<cv::Point>> contours;
    std::vector<cv::Vec4i> hierarchy;
    cv::Mat padded;
    // A 1 px border so outlines of tissue touching the edge close on the image edge.
    cv::copyMakeBorder(mask, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, 0);
    cv::findContours(padded, contours, hierarchy, cv::RETR_CCOMP, cv::CHAIN_APPROX_SIMPLE);
    auto toRing = [&](const std::vector<cv::Point>& c) {
        core::Ring r;
        r.reserve(c.size());
        // Contours run through pixel centres; pixel (i) covers [i, i+1) * scale.
        for (const auto& p : c)
            r.push_back({origin.x + (p.x - 1 + 0.5) * scale, origin.y + (p.y - 1 + 0.5) * scale});
        return r;
    };
    for (std::size_t i = 0; i < contours.size(); ++i) {
        if (hierarchy[i][3] >= 0) continue;  // a hole: added with its parent
        core::Polygon poly;
        poly.outer = toRing(contours[i]);
        if (poly.outer.size() < 3) {
            // A one- or two-pixel blob: its pixel square.
            const cv::Rect b = cv::boundingRect(contours[i]);
            const double x0 = origin.x + (b.x - 1) * scale, y0 = origin.y + (b.y - 1) * scale;
            const double x1 = x0 + b.width * scale, y1 = y0 + b.height * scale;
            poly.outer = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}};
        }
        for (int child = hierarchy[i][2]; child >= 0; child = hierarchy[static_cast<std::size_t>(child)][0])
            if (contours[static_cast<std::size_t>(child)].size() >= 3)
                poly.holes.push_back(toRing(contours[static_cast<std::size_t>(child)]));
        out.polygons.push_back(std::move(poly));
    }
    return out;
}

TissueMap TissueDetector::detect(const cv::Mat& rgb, double downsample,
                                 const core::PixelCalibration& calibration) const {
    TissueMap map;
    map.rgb = rgb;
    map.downsample = downsample;
    map.mask = cv::Mat::zeros(rgb.size(), CV_8U);
    if (rgb.empty()) return map;
    if (rgb.type() != CV_8UC3) throw core::ParameterError("tissue detection needs 8-bit RGB");

    // OD sum relative to the glass colour, so a tinted or grey background reads as 0.
    const cv::Vec3d glass = glassColour(rgb);
    cv::Mat od(rgb.size(), CV_32F);
    float lut[3][256];
    for (int c = 0; c < 3; ++c)
        for (int v = 0; v < 256; ++v)
            lut[c][v] = static_cast<float>(std::max(0.0, -std::log10(std::max(v, 1) / glass[c])));
    cv::Mat odRed(rgb.size(), CV_32F), odGreen(rgb.size(), CV_32F);
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* p = rgb.ptr<cv::Vec3b>(y);
        float* o = od.ptr<float>(y);
        float *r = odRed.ptr<float>(y), *g = odGreen.ptr<float>(y);
        for (int x = 0; x < rgb.cols; ++x) {
            r[x] = lut[0][p[x][0]];
            g[x] = lut[1][p[x][1]];
            o[x] = r[x] + g[x] + lut[2][p[x][2]];
        }
    }
    cv::GaussianBlur(od, od, cv::Size(), 1.0);

    // Otsu on the OD sum (0..2.55 in 0.01 steps), clamped to [floor, 2.5 * floor]: the lower
    // bound keeps noise on a blank slide from becoming tissue; the upper bound stops Otsu from
    // splitting pale from dark tissue when the image holds little glass.
    cv::Mat od8;
    od.convertTo(od8, CV_8U, 100.0);
    cv::Mat binary;
    const double otsu = cv::threshold(od8, binary, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU) / 100.0;
    const double floorOd = m_params.tissueMinOd;
    map.thresholdOd = std::clamp(otsu, floorOd, 2.5 * floorOd);
    cv::Mat mask = od >= map.thresholdOd;
    // Marker ink (see markerInk). Cells within a cell radius (12 µm) of it may lie partly
    // under it: that much margin.
    const double umPerPx = calibration.mpp() * downsample;
    cv::Mat ink = markerInk(odRed, odGreen, umPerPx);
    const int inkPixels = cv::countNonZero(ink);
    if (inkPixels > 0) {
        const int r = std::max(1, static_cast<int>(std::lround(12.0 / umPerPx)));
        cv::dilate(ink, ink, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 1, 2 * r + 1)));
        mask.setTo(0, ink);
    }

    // Smooth the outline: closing then opening of about 2 mask pixels.
    const cv::Mat k = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5));
    cv::morphologyEx(mask, mask, cv::MORPH_CLOSE, k);
    cv::morphologyEx(mask, mask, cv::MORPH_OPEN, k);

    // Fragments below the minimum area are debris; holes below it are filled (lumen and
    // tears inside tissue are still excluded cell by cell at full resolution). A small field
    // of view (a PNG crop) would be all "fragment": the floor is at most 5% of the image.
    const double imageUm2 = static_cast<double>(rgb.total()) * umPerPx * umPerPx;
    const double minAreaPx = std::min(m_params.tissueMinAreaUm2, 0.05 * imageUm2) / (umPerPx * umPerPx);
    detail::fillHoles(mask, minAreaPx);
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
    std::vector<unsigned char> keep(static_cast<std::size_t>(n), 0);
    for (int i = 1; i < n; ++i)
        keep[static_cast<std::size_t>(i)] = stats.at<int>(i, cv::CC_STAT_AREA) >= minAreaPx;
    for (int y = 0; y < mask.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        unsigned char* m = mask.ptr<unsigned char>(y);
        for (int x = 0; x < mask.cols; ++x) m[x] = keep[static_cast<std::size_t>(l[x])] ? 255 : 0;
    }
    // Again after the holes are filled: an ink patch inside tissue is a hole of it.
    if (inkPixels > 0) mask.setTo(0, ink);
    map.mask = mask;
    map.areaUm2 = cv::countNonZero(mask) * umPerPx * umPerPx;
    if (inkPixels > 0) {
        map.ink = ink;
        map.inkAreaUm2 = cv::countNonZero(ink) * umPerPx * umPerPx;
    }
    map.polygons = maskToPolygons(mask, downsample);
    return map;
}

cv::Mat TissueDetector::readLowResolution(const SlideSource& source, double downsample,
                                          const core::CancelToken* cancel) {
    const std::int64_t W = source.width(), H = source.height();
    const int outW =
        static_cast<int>(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(W / downsample))));
    const int outH =
        static_cast<int>(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(H / downsample))));
    cv::Mat out(outH, outW, CV_8UC3);
    const int level = source.bestLevelForDownsample(downsample);
    const double levelDs = source.levels()[static_cast<std::size_t>(level)].downsample;
    // Strips of about 16 MP at the read level bound memory whatever the slide size.
    const double levelWidth = static_cast<double>(W) / levelDs;
    const double rowsPerStripAtLevel = std::max(1.0, 16e6 / std::max(1.0, levelWidth));
    const int outRowsPerStrip = std::max(1, static_cast<int>(rowsPerStripAtLevel * levelDs / downsample));
    for (int r0 = 0; r0 < outH; r0 += outRowsPerStrip) {
        if (cancel && cancel->cancelled()) throw core::CancelledError();
        const int r1 = std::min(outH, r0 + outRowsPerStrip);
        const auto y0 = static_cast<std::int64_t>(std::floor(r0 * downsample));
        const auto y1 = std::min<std::int64_t>(H, static_cast<std::int64_t>(std::ceil(r1 * downsample)));
        if (y1 <= y0) {
            out.rowRange(r0, r1).setTo(cv::Scalar(255, 255, 255));
            continue;
        }
        const cv::Mat strip = source.readRegion({0, y0, W, y1 - y0}, level);
        cv::Mat dst = out.rowRange(r0, r1);
        cv::resize(strip, dst, dst.size(), 0, 0, cv::INTER_AREA);
    }
    return out;
}

TissueMap TissueDetector::detect(const SlideSource& source, const core::CancelToken* cancel) const {
    const core::PixelCalibration cal = source.calibration();
    // Map pixel of tiling.tissueMpp, but at least 256 px on the long side so a small field of
    // view still gets a usable map.
    double downsample = std::max(1.0, m_params.tissueMpp / cal.mpp());
    const double longSide = static_cast<double>(std::max(source.width(), source.height()));
    downsample = std::max(1.0, std::min(downsample, longSide / 256.0));
    const cv::Mat low = readLowResolution(source, downsample, cancel);
    return detect(low, downsample, cal);
}

void TissueDetector::applyRoi(TissueMap& map, const core::MultiPolygon& roi,
                              const core::PixelCalibration& calibration) {
    if (map.mask.empty()) return;
    const core::RectI b = roi.bounds();
    // Ink outside the ROI is no part of the analysis either.
    for (cv::Mat* layer : {&map.mask, &map.ink}) {
        if (layer->empty()) continue;
        for (int i = 0; i < layer->rows; ++i) {
            unsigned char* m = layer->ptr<unsigned char>(i);
            const double y = (i + 0.5) * map.downsample;
            for (int j = 0; j < layer->cols; ++j) {
                if (!m[j]) continue;
                const double x = (j + 0.5) * map.downsample;
                if (!b.contains(x, y) || !roi.contains(x, y)) m[j] = 0;
            }
        }
    }
    const double umPerPx = calibration.mpp() * map.downsample;
    map.areaUm2 = cv::countNonZero(map.mask) * umPerPx * umPerPx;
    if (!map.ink.empty()) map.inkAreaUm2 = cv::countNonZero(map.ink) * umPerPx * umPerPx;
    map.polygons = maskToPolygons(map.mask, map.downsample);
}

}  // namespace her2::imaging
