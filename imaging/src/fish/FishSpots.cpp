// FISH signals of one probe channel: DoG detection with a noise-adaptive threshold, merge of
// split signals, integration of each signal's footprint, cluster estimation.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <opencv2/imgproc.hpp>

#include "fish/FishDetail.hpp"

namespace her2::imaging::fish {

namespace {

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

int oddKernel(double sigma) {
    return 2 * static_cast<int>(std::ceil(3 * sigma)) + 1;
}

struct Peak {
    double x = 0, y = 0;
    double amplitude = 0;  ///< smoothed value above the local background
};

/// Bilinear sample of a low-resolution map at a field pixel.
class LowResMap {
public:
    LowResMap(cv::Mat map, double fx, double fy) : m_map(std::move(map)), m_fx(fx), m_fy(fy) {}
    double at(double x, double y) const noexcept {
        const double lx = std::clamp((x + 0.5) / m_fx - 0.5, 0.0, m_map.cols - 1.0);
        const double ly = std::clamp((y + 0.5) / m_fy - 0.5, 0.0, m_map.rows - 1.0);
        const int x0 = static_cast<int>(lx), y0 = static_cast<int>(ly);
        const int x1 = std::min(x0 + 1, m_map.cols - 1), y1 = std::min(y0 + 1, m_map.rows - 1);
        const double tx = lx - x0, ty = ly - y0;
        const double a = m_map.at<float>(y0, x0), b = m_map.at<float>(y0, x1);
        const double c = m_map.at<float>(y1, x0), d = m_map.at<float>(y1, x1);
        return (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }

private:
    cv::Mat m_map;
    double m_fx, m_fy;
};

}  // namespace

SpotDetection detectSpots(const cv::Mat& channel, core::FishChannel which, double mpp,
                          const core::FishParams& params, const NucleusSegmentation& nuclei) {
    SpotDetection out;
    const int W = channel.cols, H = channel.rows;
    const double full = fullScale(channel);
    cv::Mat img;
    channel.convertTo(img, CV_32F, 1.0 / full);

    // DoG at the signal scale (sigma and 2 sigma): a band-pass that keeps diffraction-limited
    // spots and drops the smooth nuclear background.
    const double sigma = params.spotSigmaUm / mpp;
    cv::Mat g1, g2;
    cv::GaussianBlur(img, g1, cv::Size(oddKernel(sigma), oddKernel(sigma)), sigma, sigma, cv::BORDER_REFLECT);
    cv::GaussianBlur(img, g2, cv::Size(oddKernel(2 * sigma), oddKernel(2 * sigma)), 2 * sigma, 2 * sigma,
                     cv::BORDER_REFLECT);
    cv::Mat dog = g1 - g2;

    // Noise: robust sigma (MAD) of the DoG inside nuclei, where signals are counted; the
    // whole field when there is too little nucleus.
    std::vector<float> samples;
    samples.reserve(static_cast<std::size_t>(W) * H / 9 + 16);
    for (int y = 1; y < H - 1; y += 3) {
        const float* d = dog.ptr<float>(y);
        for (int x = 1; x < W - 1; x += 3)
            if (nuclei.objectAt(x, y) >= 0) samples.push_back(d[x]);
    }
    if (samples.size() < 2000) {
        samples.clear();
        for (int y = 1; y < H - 1; y += 3) {
            const float* d = dog.ptr<float>(y);
            for (int x = 1; x < W - 1; x += 3) samples.push_back(d[x]);
        }
    }
    double noise = 0;
    if (!samples.empty()) {
        const auto mid = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
        std::nth_element(samples.begin(), mid, samples.end());
        const float med = *mid;
        for (float& s : samples) s = std::abs(s - med);
        std::nth_element(samples.begin(), mid, samples.end());
        noise = 1.4826 * *mid;
    }
    // Quantisation floor: below a fraction of one grey level there is no information.
    noise = std::max(noise, 0.05 / full);
    const float threshold = static_cast<float>(params.spotThresholdMad * noise);

    // Probe background: grey opening at about 0.5 µm/px with a disc larger than any cluster.
    const double f = std::max(1.0, std::round(params.nucleusMpp / mpp));
    const cv::Size lowSize(std::max(1, static_cast<int>(W / f)), std::max(1, static_cast<int>(H / f)));
    cv::Mat low, bgLow;
    cv::resize(img, low, lowSize, 0, 0, cv::INTER_AREA);
    const double lowMpp = mpp * W / lowSize.width;
    const int r = std::max(1, static_cast<int>(std::ceil(params.backgroundRadiusUm / lowMpp)));
    cv::morphologyEx(low, bgLow, cv::MORPH_OPEN,
                     cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 1, 2 * r + 1)),
                     cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
    cv::GaussianBlur(bgLow, bgLow, cv::Size(0, 0), std::max(0.5, 0.5 * r));
    const LowResMap background(bgLow, static_cast<double>(W) / lowSize.width,
                               static_cast<double>(H) / lowSize.height);

    // Local maxima of the DoG above the threshold (ties broken in raster order), sub-pixel
    // by a parabola through the neighbours.
    std::vector<Peak> peaks;
    for (int y = 1; y < H - 1; ++y) {
        const float* up = dog.ptr<float>(y - 1);
        const float* row = dog.ptr<float>(y);
        const float* dn = dog.ptr<float>(y + 1);
        for (int x = 1; x < W - 1; ++x) {
            const float v = row[x];
            if (v <= threshold) continue;
            if (!(v > up[x - 1] && v > up[x] && v > up[x + 1] && v > row[x - 1] && v >= row[x + 1] &&
                  v >= dn[x - 1] && v >= dn[x] && v >= dn[x + 1]))
                continue;
            Peak p;
            const double dxd = row[x - 1] - 2.0 * v + row[x + 1];
            const double dyd = up[x] - 2.0 * v + dn[x];
            p.x = x + (dxd < 0 ? std::clamp(0.5 * (row[x - 1] - row[x + 1]) / dxd, -0.5, 0.5) : 0.0);
            p.y = y + (dyd < 0 ? std::clamp(0.5 * (up[x] - dn[x]) / dyd, -0.5, 0.5) : 0.0);
            p.amplitude = g1.at<float>(y, x) - background.at(x, y);
            peaks.push_back(p);
        }
    }
    if (peaks.empty()) return out;

    // Merge peaks closer than the merge distance (one signal diameter = 4 sigma by default):
    // by the counting convention two such signals are one.
    const double mergeDist = params.mergeDistanceSpots * 4.0 * sigma;
    std::vector<int> parent(peaks.size());
    std::iota(parent.begin(), parent.end(), 0);
    auto root = [&](int i) {
        while (parent[static_cast<std::size_t>(i)] != i)
            i = parent[static_cast<std::size_t>(i)] =
                parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(i)])];
        return i;
    };
    if (mergeDist > 0) {
        std::vector<std::size_t> order(peaks.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return peaks[a].x < peaks[b].x; });
        for (std::size_t i = 0; i < order.size(); ++i)
            for (std::size_t j = i + 1; j < order.size() && peaks[order[j]].x - peaks[order[i]].x < mergeDist;
                 ++j) {
                const Peak& a = peaks[order[i]];
                const Peak& b = peaks[order[j]];
                if (std::hypot(a.x - b.x, a.y - b.y) < mergeDist)
                    parent[static_cast<std::size_t>(root(static_cast<int>(order[i])))] =
                        root(static_cast<int>(order[j]));
            }
    }
    struct Signal {
        double x = 0, y = 0, weight = 0, amplitude = 0;
    };
    std::vector<Signal> signals;
    std::vector<int> signalOf(peaks.size(), -1);
    for (std::size_t i = 0; i < peaks.size(); ++i) {
        const int rt = root(static_cast<int>(i));
        if (signalOf[static_cast<std::size_t>(rt)] < 0) {
            signalOf[static_cast<std::size_t>(rt)] = static_cast<int>(signals.size());
            signals.emplace_back();
        }
        Signal& s = signals[static_cast<std::size_t>(signalOf[static_cast<std::size_t>(rt)])];
        const double w = std::max(peaks[i].amplitude, 1e-9);
        s.x += w * peaks[i].x, s.y += w * peaks[i].y, s.weight += w;
        s.amplitude = std::max(s.amplitude, peaks[i].amplitude);
    }
    for (Signal& s : signals) s.x /= s.weight, s.y /= s.weight;

    // Footprints: flood from each signal (brightest first) over the smoothed image above a
    // quarter of the typical signal amplitude; signals that land in one footprint form one
    // object (a cluster, or adjacent signals).
    std::vector<double> amps;
    for (const Signal& s : signals) amps.push_back(s.amplitude);
    const double typical = median(amps);
    const double floorLevel = std::max(0.25 * typical, 3.0 * noise);
    std::vector<std::size_t> byAmp(signals.size());
    std::iota(byAmp.begin(), byAmp.end(), 0);
    std::sort(byAmp.begin(), byAmp.end(),
              [&](std::size_t a, std::size_t b) { return signals[a].amplitude > signals[b].amplitude; });
    cv::Mat owner(H, W, CV_32S, cv::Scalar(0));
    struct Footprint {
        std::vector<int> pixels;
        std::vector<std::size_t> signals;
        double background = 0;
        double intensity = 0;
        double cx = 0, cy = 0;
    };
    std::vector<Footprint> prints;
    const int maxReach = static_cast<int>(std::ceil(4.0 / mpp));  // no footprint is wider than 8 µm
    int* own = owner.ptr<int>();
    for (std::size_t si : byAmp) {
        const Signal& s = signals[si];
        const int sx = std::clamp(static_cast<int>(std::lround(s.x)), 0, W - 1);
        const int sy = std::clamp(static_cast<int>(std::lround(s.y)), 0, H - 1);
        const int seed = sy * W + sx;
        if (own[seed]) {
            prints[static_cast<std::size_t>(own[seed] - 1)].signals.push_back(si);
            continue;
        }
        Footprint fp;
        fp.background = background.at(sx, sy);
        fp.signals.push_back(si);
        const int id = static_cast<int>(prints.size()) + 1;
        own[seed] = id;
        fp.pixels.push_back(seed);
        const float level = static_cast<float>(fp.background + floorLevel);
        for (std::size_t k = 0; k < fp.pixels.size(); ++k) {
            const int p = fp.pixels[k];
            const int px = p % W, py = p / W;
            const int nb[4][2] = {{px - 1, py}, {px + 1, py}, {px, py - 1}, {px, py + 1}};
            for (const auto& q : nb) {
                if (q[0] < 0 || q[1] < 0 || q[0] >= W || q[1] >= H) continue;
                if (std::abs(q[0] - sx) > maxReach || std::abs(q[1] - sy) > maxReach) continue;
                const int qi = q[1] * W + q[0];
                if (own[qi] || g1.ptr<float>()[qi] <= level) continue;
                own[qi] = id;
                fp.pixels.push_back(qi);
            }
        }
        prints.push_back(std::move(fp));
    }

    // Integrated intensity over the footprint grown by 2 sigma (the PSF tails below the flood
    // level), not counting pixels of other footprints, above the median of a ring just outside
    // it. The ring median is an unbiased local background; the grey opening used for the flood
    // level sits below the noise floor, and over a footprint's area that bias would inflate
    // single signals more than clusters.
    const int grow = std::max(1, static_cast<int>(std::ceil(2 * sigma)));
    const int ringWidth = std::max(2, static_cast<int>(std::ceil(sigma)));
    const cv::Mat disc = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1));
    const cv::Mat ringDisc =
        cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * ringWidth + 1, 2 * ringWidth + 1));
    std::vector<float> ring;
    for (std::size_t i = 0; i < prints.size(); ++i) {
        Footprint& fp = prints[i];
        int x0 = W, y0 = H, x1 = -1, y1 = -1;
        for (int p : fp.pixels) {
            const int px = p % W, py = p / W;
            x0 = std::min(x0, px), y0 = std::min(y0, py), x1 = std::max(x1, px), y1 = std::max(y1, py);
        }
        const int pad = grow + ringWidth;
        const cv::Rect box =
            cv::Rect(x0 - pad, y0 - pad, x1 - x0 + 1 + 2 * pad, y1 - y0 + 1 + 2 * pad) & cv::Rect(0, 0, W, H);
        cv::Mat local(box.size(), CV_8U, cv::Scalar(0)), outer;
        for (int p : fp.pixels) local.at<std::uint8_t>(p / W - box.y, p % W - box.x) = 255;
        cv::dilate(local, local, disc);
        cv::dilate(local, outer, ringDisc);
        const int id = static_cast<int>(i) + 1;
        ring.clear();
        for (int y = 0; y < box.height; ++y) {
            const std::uint8_t* l = local.ptr<std::uint8_t>(y);
            const std::uint8_t* o2 = outer.ptr<std::uint8_t>(y);
            const float* v = img.ptr<float>(box.y + y);
            const int* o = owner.ptr<int>(box.y + y);
            for (int x = 0; x < box.width; ++x)
                if (o2[x] && !l[x] && !o[box.x + x]) ring.push_back(v[box.x + x]);
        }
        if (ring.size() >= 8) {
            const auto mid = ring.begin() + static_cast<std::ptrdiff_t>(ring.size() / 2);
            std::nth_element(ring.begin(), mid, ring.end());
            fp.background = *mid;
        }
        double sum = 0, sx = 0, sy = 0, sw = 0;
        for (int y = 0; y < box.height; ++y) {
            const std::uint8_t* l = local.ptr<std::uint8_t>(y);
            const float* v = img.ptr<float>(box.y + y);
            const int* o = owner.ptr<int>(box.y + y);
            for (int x = 0; x < box.width; ++x) {
                if (!l[x] || (o[box.x + x] && o[box.x + x] != id)) continue;
                const double val = v[box.x + x] - fp.background;
                sum += val;
                if (o[box.x + x] == id && val > 0)
                    sx += val * (box.x + x), sy += val * (box.y + y), sw += val;
            }
        }
        fp.intensity = sum;
        if (sw > 0) {
            fp.cx = sx / sw, fp.cy = sy / sw;
        } else {
            fp.cx = signals[fp.signals.front()].x, fp.cy = signals[fp.signals.front()].y;
        }
    }

    // Single-signal intensity: median over footprints holding one signal, recomputed without
    // those above twice the first estimate (unresolved clusters would pull it up).
    std::vector<double> singles;
    for (const Footprint& fp : prints)
        if (fp.signals.size() == 1 && fp.intensity > 0) singles.push_back(fp.intensity);
    double single = median(singles);
    if (single > 0) {
        std::vector<double> kept;
        for (double v : singles)
            if (v < 2 * single) kept.push_back(v);
        single = median(kept);
    }
    out.singleIntensity = single;

    for (const Footprint& fp : prints) {
        const int n = static_cast<int>(fp.signals.size());
        const double ratio = single > 0 ? fp.intensity / single : 0;
        if (single > 0 && ratio >= params.clusterMinCopies) {
            core::FishSpot spot;
            spot.x = fp.cx, spot.y = fp.cy;
            spot.channel = which;
            spot.intensity = static_cast<float>(fp.intensity);
            spot.copies = static_cast<float>(std::max<double>(n, std::round(ratio)));
            spot.cluster = true;
            spot.nucleus = nuclei.objectAt(spot.x, spot.y);
            out.spots.push_back(spot);
            out.signals.push_back(n);
            continue;
        }
        for (std::size_t si : fp.signals) {
            core::FishSpot spot;
            spot.x = signals[si].x, spot.y = signals[si].y;
            spot.channel = which;
            spot.intensity = static_cast<float>(fp.intensity / n);
            spot.copies = 1;
            spot.nucleus = nuclei.objectAt(spot.x, spot.y);
            out.spots.push_back(spot);
            out.signals.push_back(1);
        }
    }
    return out;
}

}  // namespace her2::imaging::fish
