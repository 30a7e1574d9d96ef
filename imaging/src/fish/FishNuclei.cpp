// FISH nuclei from DAPI: segmented at about 0.5 µm/px (a 10 µm nucleus is 20 px across,
// plenty for its outline) so a 2048 x 2048 field costs a few milliseconds.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include <opencv2/imgproc.hpp>

#include "Select.hpp"
#include "fish/FishDetail.hpp"

namespace her2::imaging::fish {

namespace {

int findRoot(std::vector<int>& parent, int i) {
    while (parent[static_cast<std::size_t>(i)] != i) {
        parent[static_cast<std::size_t>(i)] =
            parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(i)])];
        i = parent[static_cast<std::size_t>(i)];
    }
    return i;
}

/// Fills holes of a binary mask (background components not connected to the border).
void fillHoles(cv::Mat& mask) {
    cv::Mat inv = mask == 0;
    cv::Mat lab;
    const int n = cv::connectedComponents(inv, lab, 4, CV_32S);
    std::vector<char> border(static_cast<std::size_t>(n), 0);
    const int W = mask.cols, H = mask.rows;
    for (int x = 0; x < W; ++x) {
        border[static_cast<std::size_t>(lab.at<int>(0, x))] = 1;
        border[static_cast<std::size_t>(lab.at<int>(H - 1, x))] = 1;
    }
    for (int y = 0; y < H; ++y) {
        border[static_cast<std::size_t>(lab.at<int>(y, 0))] = 1;
        border[static_cast<std::size_t>(lab.at<int>(y, W - 1))] = 1;
    }
    for (int y = 0; y < H; ++y) {
        const int* l = lab.ptr<int>(y);
        std::uint8_t* m = mask.ptr<std::uint8_t>(y);
        for (int x = 0; x < W; ++x)
            if (!m[x] && !border[static_cast<std::size_t>(l[x])]) m[x] = 255;
    }
}

/// Smallest distance-map value on the straight segment between two pixels.
float saddleOnSegment(const cv::Mat& dt, cv::Point a, cv::Point b) {
    const int steps = std::max(1, static_cast<int>(std::ceil(std::hypot(b.x - a.x, b.y - a.y))));
    float m = std::numeric_limits<float>::max();
    for (int i = 0; i <= steps; ++i) {
        const double t = static_cast<double>(i) / steps;
        const int x = static_cast<int>(std::lround(a.x + t * (b.x - a.x)));
        const int y = static_cast<int>(std::lround(a.y + t * (b.y - a.y)));
        m = std::min(m, dt.at<float>(y, x));
    }
    return m;
}

}  // namespace

int NucleusSegmentation::objectAt(double x, double y) const noexcept {
    if (labels.empty()) return -1;
    const int lx = static_cast<int>(std::floor((x + 0.5) / fx));
    const int ly = static_cast<int>(std::floor((y + 0.5) / fy));
    if (lx < 0 || ly < 0 || lx >= labels.cols || ly >= labels.rows) return -1;
    return labels.at<int>(ly, lx) - 1;
}

std::vector<std::uint8_t> NucleusSegmentation::insideOnGrid(int first, int step, int endX, int endY) const {
    // The label column of each grid column, computed once (as objectAt computes it).
    std::vector<int> cols;
    for (int x = first; x < endX; x += step) cols.push_back(static_cast<int>(std::floor((x + 0.5) / fx)));
    std::vector<std::uint8_t> out;
    for (int y = first; y < endY; y += step) {
        const int ly = static_cast<int>(std::floor((y + 0.5) / fy));
        const int* row = !labels.empty() && ly >= 0 && ly < labels.rows ? labels.ptr<int>(ly) : nullptr;
        for (const int lx : cols) out.push_back(row && lx >= 0 && lx < labels.cols && row[lx] > 0 ? 1 : 0);
    }
    return out;
}

NucleusSegmentation segmentNuclei(const cv::Mat& dapi, double mpp, const core::FishParams& params) {
    NucleusSegmentation seg;
    const int W = dapi.cols, H = dapi.rows;
    const int f = std::max(1, static_cast<int>(std::lround(params.nucleusMpp / mpp)));
    const cv::Size lowSize(std::max(1, W / f), std::max(1, H / f));
    seg.fx = static_cast<double>(W) / lowSize.width;
    seg.fy = static_cast<double>(H) / lowSize.height;
    const double lowMpp = mpp * 0.5 * (seg.fx + seg.fy);
    const double full = fullScale(dapi);

    // Area averaging keeps the photon count; 8-bit data keeps the fractional part of the
    // average (the noise estimate below needs it).
    const cv::Mat low = areaDownscale(dapi, lowSize);
    cv::Mat smooth;
    cv::GaussianBlur(low, smooth, cv::Size(0, 0), std::max(0.5, 0.5 / lowMpp));

    // Background: the lowest 4 µm block average within about 12 µm, smoothed. Glass or
    // cytoplasm lies within that reach of every nucleus, even in a crowded field.
    const int g = std::max(1, static_cast<int>(std::lround(4.0 / lowMpp)));
    cv::Mat coarse, bg;
    cv::resize(smooth, coarse, cv::Size(std::max(1, lowSize.width / g), std::max(1, lowSize.height / g)), 0,
               0, cv::INTER_AREA);
    const int r = std::max(1, static_cast<int>(std::ceil(12.0 / (lowMpp * g))));
    cv::erode(coarse, coarse, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * r + 1, 2 * r + 1)),
              cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
    cv::GaussianBlur(coarse, coarse, cv::Size(0, 0), std::max(0.5, 0.5 * r));
    cv::resize(coarse, bg, lowSize, 0, 0, cv::INTER_LINEAR);
    cv::Mat corr = smooth - bg;

    // Threshold: halfway between the background and Otsu's level (below the Otsu level, so a
    // dim nucleus keeps its full outline), but never within nucleusThresholdMad robust noise
    // units of the background, so an empty field gives no nuclei.
    CV_Assert(corr.isContinuous());  // a fresh image: its pixels are one array
    const float* const values = corr.ptr<float>();
    const std::size_t count = corr.total();
    std::vector<float> sample(values, values + count);
    const double hi = detail::selectNth(sample.data(), sample.size(),
                                        static_cast<std::size_t>(0.999 * (sample.size() - 1)));
    if (!(hi > 0)) return seg;
    cv::Mat corr8;
    corr.convertTo(corr8, CV_8U, 255.0 / hi);
    cv::Mat otsuMask;
    const double otsu =
        cv::threshold(corr8, otsuMask, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU) * hi / 255.0;
    std::vector<float> below;
    below.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        if (values[i] < otsu) below.push_back(values[i]);
    auto [bgMedian, bgSigma] = detail::medianAndSpread(below);
    // Quantisation floor: an 8-bit field has no information below about a third of a level.
    bgSigma = std::max(bgSigma, 0.3 / full / f);
    const double threshold =
        std::max(bgMedian + 0.5 * (otsu - bgMedian), bgMedian + params.nucleusThresholdMad * bgSigma);

    cv::Mat mask = corr > threshold;
    fillHoles(mask);

    // Split touching nuclei: maxima of the distance map are markers, merged when the map
    // between them dips by less than nucleusSplitUm (h-maxima); pixels then flow from the
    // markers downhill on the distance map.
    cv::Mat dt;
    cv::distanceTransform(mask, dt, cv::DIST_L2, cv::DIST_MASK_5);
    cv::Mat dts;
    cv::GaussianBlur(dt, dts, cv::Size(0, 0), 1.0);
    const double minRadiusPx = std::sqrt(params.nucleusMinAreaUm2 / std::numbers::pi) / lowMpp;
    const int wr = std::max(1, static_cast<int>(std::lround(0.5 * minRadiusPx)));
    cv::Mat dil;
    cv::dilate(dts, dil, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * wr + 1, 2 * wr + 1)));
    cv::Mat cand = (dts >= dil - 1e-5f) & (dt > 1.0f);
    cv::Mat candLab, candStats, candCentroids;
    const int nCand = cv::connectedComponentsWithStats(cand, candLab, candStats, candCentroids, 8, CV_32S);
    cv::Mat blobLab;
    cv::connectedComponents(mask, blobLab, 8, CV_32S);
    struct Marker {
        cv::Point p;
        int blob;
    };
    std::vector<Marker> markers;
    for (int i = 1; i < nCand; ++i) {
        // The candidate pixel nearest the plateau's centroid, on the plateau itself.
        const cv::Point c(static_cast<int>(std::lround(candCentroids.at<double>(i, 0))),
                          static_cast<int>(std::lround(candCentroids.at<double>(i, 1))));
        cv::Point best(-1, -1);
        double bestD = 1e18;
        const int x0 = candStats.at<int>(i, cv::CC_STAT_LEFT), y0 = candStats.at<int>(i, cv::CC_STAT_TOP);
        for (int y = y0; y < y0 + candStats.at<int>(i, cv::CC_STAT_HEIGHT); ++y)
            for (int x = x0; x < x0 + candStats.at<int>(i, cv::CC_STAT_WIDTH); ++x)
                if (candLab.at<int>(y, x) == i) {
                    const double d = (x - c.x) * (x - c.x) + (y - c.y) * (y - c.y);
                    if (d < bestD) bestD = d, best = {x, y};
                }
        markers.push_back({best, blobLab.at<int>(best)});
    }
    const double h = params.nucleusSplitUm / lowMpp;
    std::vector<int> parent(markers.size());
    std::iota(parent.begin(), parent.end(), 0);
    for (std::size_t i = 0; i < markers.size(); ++i)
        for (std::size_t j = i + 1; j < markers.size(); ++j) {
            if (markers[i].blob != markers[j].blob) continue;
            const float di = dt.at<float>(markers[i].p), dj = dt.at<float>(markers[j].p);
            if (saddleOnSegment(dt, markers[i].p, markers[j].p) >= std::min(di, dj) - h)
                parent[static_cast<std::size_t>(findRoot(parent, static_cast<int>(i)))] =
                    findRoot(parent, static_cast<int>(j));
        }

    // Marker-controlled flooding on the distance map with a bucket queue (quarter-pixel levels).
    cv::Mat labels(lowSize, CV_32S, cv::Scalar(0));
    std::vector<int> rootLabel(markers.size(), 0);
    int nextLabel = 0;
    double maxDt = 0;
    cv::minMaxLoc(dt, nullptr, &maxDt);
    const int levels = static_cast<int>(maxDt * 4) + 2;
    std::vector<std::vector<int>> buckets(static_cast<std::size_t>(levels));
    auto levelOf = [&](int idx) { return static_cast<int>(dt.ptr<float>()[idx] * 4); };
    for (std::size_t i = 0; i < markers.size(); ++i) {
        const int root = findRoot(parent, static_cast<int>(i));
        if (!rootLabel[static_cast<std::size_t>(root)])
            rootLabel[static_cast<std::size_t>(root)] = ++nextLabel;
        const int idx = markers[i].p.y * lowSize.width + markers[i].p.x;
        labels.ptr<int>()[idx] = rootLabel[static_cast<std::size_t>(root)];
        buckets[static_cast<std::size_t>(levelOf(idx))].push_back(idx);
    }
    const std::uint8_t* m = mask.ptr<std::uint8_t>();
    int* lab = labels.ptr<int>();
    const int LW = lowSize.width, LH = lowSize.height;
    for (int level = levels - 1; level >= 0; --level) {
        auto& bucket = buckets[static_cast<std::size_t>(level)];
        while (!bucket.empty()) {
            const int idx = bucket.back();
            bucket.pop_back();
            const int x = idx % LW, y = idx / LW;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    const int nx = x + dx, ny = y + dy;
                    if ((!dx && !dy) || nx < 0 || ny < 0 || nx >= LW || ny >= LH) continue;
                    const int q = ny * LW + nx;
                    if (!m[q] || lab[q]) continue;
                    lab[q] = lab[idx];
                    buckets[static_cast<std::size_t>(std::min(level, levelOf(q)))].push_back(q);
                }
        }
    }
    // Mask pieces without a marker (thinner than 2 px) become objects of their own.
    for (int y = 0; y < LH; ++y)
        for (int x = 0; x < LW; ++x) {
            const int idx = y * LW + x;
            if (!m[idx] || lab[idx]) continue;
            const int id = ++nextLabel;
            std::vector<int> stack{idx};
            lab[idx] = id;
            while (!stack.empty()) {
                const int p = stack.back();
                stack.pop_back();
                const int px = p % LW, py = p / LW;
                for (int dy = -1; dy <= 1; ++dy)
                    for (int dx = -1; dx <= 1; ++dx) {
                        const int nx = px + dx, ny = py + dy;
                        if (nx < 0 || ny < 0 || nx >= LW || ny >= LH) continue;
                        const int q = ny * LW + nx;
                        if (m[q] && !lab[q]) lab[q] = id, stack.push_back(q);
                    }
            }
        }

    // Refine splits by shape: within a blob split into several nuclei, each pixel goes to
    // the nucleus in whose moment ellipse it lies deepest (smallest Mahalanobis radius). The
    // distance-map flooding puts the cut between nuclei of unequal size into the smaller one;
    // the ellipse rule puts it where the outlines meet.
    {
        std::vector<int> blobOfLabel(static_cast<std::size_t>(nextLabel) + 1, 0);
        const int* bl = blobLab.ptr<int>();
        int maxBlob = 0;
        for (int i = 0; i < LW * LH; ++i) maxBlob = std::max(maxBlob, bl[i]);
        std::vector<int> firstLabel(static_cast<std::size_t>(maxBlob) + 1, 0);
        std::vector<char> multi(static_cast<std::size_t>(maxBlob) + 1, 0);
        for (int i = 0; i < LW * LH; ++i) {
            if (!lab[i]) continue;
            int& f0 = firstLabel[static_cast<std::size_t>(bl[i])];
            if (!f0)
                f0 = lab[i];
            else if (f0 != lab[i])
                multi[static_cast<std::size_t>(bl[i])] = 1;
        }
        for (int iter = 0; iter < 2; ++iter) {
            struct Mom {
                double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
                double mx = 0, my = 0, ixx = 0, ixy = 0, iyy = 0;
            };
            std::vector<Mom> mom(static_cast<std::size_t>(nextLabel) + 1);
            bool any = false;
            for (int y = 0; y < LH; ++y)
                for (int x = 0; x < LW; ++x) {
                    const int i = y * LW + x;
                    if (!lab[i] || !multi[static_cast<std::size_t>(bl[i])]) continue;
                    Mom& mm = mom[static_cast<std::size_t>(lab[i])];
                    mm.n += 1, mm.sx += x, mm.sy += y, mm.sxx += double(x) * x, mm.sxy += double(x) * y,
                        mm.syy += double(y) * y;
                    blobOfLabel[static_cast<std::size_t>(lab[i])] = bl[i];
                    any = true;
                }
            if (!any) break;
            for (Mom& mm : mom) {
                if (mm.n < 3) continue;
                mm.mx = mm.sx / mm.n, mm.my = mm.sy / mm.n;
                const double cxx = mm.sxx / mm.n - mm.mx * mm.mx + 0.1,
                             cyy = mm.syy / mm.n - mm.my * mm.my + 0.1;
                const double cxy = mm.sxy / mm.n - mm.mx * mm.my;
                const double det = cxx * cyy - cxy * cxy;
                if (det <= 0) {
                    mm.n = 0;
                    continue;
                }
                mm.ixx = cyy / det, mm.iyy = cxx / det, mm.ixy = -cxy / det;
            }
            std::vector<std::vector<int>> blobLabels(static_cast<std::size_t>(maxBlob) + 1);
            for (int l = 1; l <= nextLabel; ++l)
                if (mom[static_cast<std::size_t>(l)].n >= 3 && blobOfLabel[static_cast<std::size_t>(l)] > 0)
                    blobLabels[static_cast<std::size_t>(blobOfLabel[static_cast<std::size_t>(l)])].push_back(
                        l);
            std::vector<int> next(lab, lab + LW * LH);
            for (int y = 0; y < LH; ++y)
                for (int x = 0; x < LW; ++x) {
                    const int i = y * LW + x;
                    if (!lab[i] || !multi[static_cast<std::size_t>(bl[i])]) continue;
                    double best = 1e300;
                    for (int l : blobLabels[static_cast<std::size_t>(bl[i])]) {
                        const Mom& mm = mom[static_cast<std::size_t>(l)];
                        const double dx = x - mm.mx, dy = y - mm.my;
                        const double d = dx * dx * mm.ixx + 2 * dx * dy * mm.ixy + dy * dy * mm.iyy;
                        if (d < best) best = d, next[static_cast<std::size_t>(i)] = l;
                    }
                }
            std::copy(next.begin(), next.end(), lab);
        }
    }

    // Measures per label.
    struct Acc {
        std::int64_t n = 0;
        double sx = 0, sy = 0;
        int x0 = INT32_MAX, y0 = INT32_MAX, x1 = -1, y1 = -1;
        bool border = false;
        std::vector<float> dapi;
    };
    std::vector<Acc> acc(static_cast<std::size_t>(nextLabel) + 1);
    for (int y = 0; y < LH; ++y) {
        const float* c = corr.ptr<float>(y);
        for (int x = 0; x < LW; ++x) {
            const int l = lab[y * LW + x];
            if (!l) continue;
            Acc& a = acc[static_cast<std::size_t>(l)];
            ++a.n;
            a.sx += x, a.sy += y;
            a.x0 = std::min(a.x0, x), a.y0 = std::min(a.y0, y), a.x1 = std::max(a.x1, x),
            a.y1 = std::max(a.y1, y);
            a.border = a.border || x == 0 || y == 0 || x == LW - 1 || y == LH - 1;
            a.dapi.push_back(c[x]);
        }
    }
    const double pxArea = lowMpp * lowMpp;
    std::vector<int> objectOf(acc.size(), 0);
    for (int l = 1; l <= nextLabel; ++l) {
        Acc& a = acc[static_cast<std::size_t>(l)];
        const double area = static_cast<double>(a.n) * pxArea;
        // Specks far below the smallest nucleus are noise or debris, not nuclei to report.
        if (a.n == 0 || area < 0.25 * params.nucleusMinAreaUm2) continue;
        NucleusObject o;
        o.areaUm2 = area;
        o.x = (a.sx / static_cast<double>(a.n) + 0.5) * seg.fx - 0.5;
        o.y = (a.sy / static_cast<double>(a.n) + 0.5) * seg.fy - 0.5;
        const cv::Rect box(a.x0 - 1, a.y0 - 1, a.x1 - a.x0 + 3, a.y1 - a.y0 + 3);
        cv::Mat local(box.size(), CV_8U, cv::Scalar(0));
        for (int y = std::max(0, box.y); y < std::min(LH, box.y + box.height); ++y)
            for (int x = std::max(0, box.x); x < std::min(LW, box.x + box.width); ++x)
                if (lab[y * LW + x] == l) local.at<std::uint8_t>(y - box.y, x - box.x) = 255;
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(local, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE, box.tl());
        double solidity = 1;
        if (!contours.empty()) {
            const auto& c =
                *std::max_element(contours.begin(), contours.end(),
                                  [](const auto& p, const auto& q) { return p.size() < q.size(); });
            for (const cv::Point& p : c)
                o.outline.push_back({(p.x + 0.5) * seg.fx - 0.5, (p.y + 0.5) * seg.fy - 0.5});
            std::vector<cv::Point> hull;
            cv::convexHull(c, hull);
            // Areas of pixel-centre polygons; half a perimeter restores the pixel area.
            const double hullArea = cv::contourArea(hull) + 0.5 * cv::arcLength(hull, true);
            if (hullArea > 0) solidity = static_cast<double>(a.n) / hullArea;
        }
        // Overlapping nuclei add their DAPI: a sizeable area well above the nucleus median.
        std::vector<float>& d = a.dapi;
        const auto mid = d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2);
        std::nth_element(d.begin(), mid, d.end());
        const float median = *mid;
        const auto bright =
            std::count_if(d.begin(), d.end(), [&](float v) { return v > params.overlapIntensity * median; });
        const double brightFraction = static_cast<double>(bright) / static_cast<double>(d.size());

        if (a.border)
            o.exclusion = core::NucleusExclusion::EdgeCut;
        else if (area < params.nucleusMinAreaUm2)
            o.exclusion = core::NucleusExclusion::TooSmall;
        else if (area > params.nucleusMaxAreaUm2)
            o.exclusion = core::NucleusExclusion::TooLarge;
        else if (solidity < params.nucleusMinSolidity || brightFraction >= params.overlapFraction)
            o.exclusion = core::NucleusExclusion::Overlapping;
        seg.objects.push_back(std::move(o));
        objectOf[static_cast<std::size_t>(l)] = static_cast<int>(seg.objects.size());
    }
    for (int i = 0; i < LW * LH; ++i) lab[i] = objectOf[static_cast<std::size_t>(lab[i])];
    seg.labels = labels;
    // Two nuclei lying over each other evenly can pass the DAPI and shape tests as one outline;
    // one well over the field's usual nucleus size (fish.nucleus_max_area_ratio times the
    // median of the evaluable ones) is taken for such a pair. A field has nuclei to spare.
    std::vector<double> areas;
    for (const NucleusObject& o : seg.objects)
        if (o.exclusion == core::NucleusExclusion::None) areas.push_back(o.areaUm2);
    if (areas.size() >= 10 && params.nucleusMaxAreaRatio > 0) {
        const auto mid = areas.begin() + static_cast<std::ptrdiff_t>(areas.size() / 2);
        std::nth_element(areas.begin(), mid, areas.end());
        const double limit = params.nucleusMaxAreaRatio * *mid;
        for (NucleusObject& o : seg.objects)
            if (o.exclusion == core::NucleusExclusion::None && o.areaUm2 > limit)
                o.exclusion = core::NucleusExclusion::Overlapping;
    }
    return seg;
}

}  // namespace her2::imaging::fish
