// FISH phantom: pixels of the three channels from the layout.
#include <algorithm>
#include <cmath>
#include <numbers>

#include <opencv2/imgproc.hpp>

#include "her2/imaging/FishPhantom.hpp"
#include "phantom/FishPhantomDetail.hpp"
#include "phantom/PhantomRandom.hpp"

namespace her2::imaging {

namespace {

constexpr double kDapiLevel = 0.45;         // mean nucleus DAPI, fraction of full scale
constexpr double kNuclearProbeLevel = 0.4;  // probe autofluorescence in nuclei, x background

cv::Mat quantise(const cv::Mat& f, int bitDepth) {
    cv::Mat out;
    const double full = bitDepth == 8 ? 255.0 : 65535.0;
    cv::Mat clipped;
    cv::min(cv::max(f, 0.0), 1.0, clipped);
    clipped.convertTo(out, bitDepth == 8 ? CV_8U : CV_16U, full);
    return out;
}

}  // namespace

namespace detail {

void addSpot(cv::Mat& img, double x, double y, double sigma, double amplitude) {
    const int r = static_cast<int>(std::ceil(4 * sigma));
    const int x0 = std::max(0, static_cast<int>(std::floor(x)) - r),
              x1 = std::min(img.cols - 1, static_cast<int>(x) + r + 1);
    const int y0 = std::max(0, static_cast<int>(std::floor(y)) - r),
              y1 = std::min(img.rows - 1, static_cast<int>(y) + r + 1);
    const double k = -0.5 / (sigma * sigma);
    for (int yy = y0; yy <= y1; ++yy) {
        float* row = img.ptr<float>(yy);
        const double dy2 = (yy - y) * (yy - y);
        for (int xx = x0; xx <= x1; ++xx)
            row[xx] += static_cast<float>(amplitude * std::exp(k * ((xx - x) * (xx - x) + dy2)));
    }
}

}  // namespace detail

FishPhantomImages FishPhantom::render(bool noiseFree) const {
    const FishPhantomSpec& s = m_truth.spec;
    const double px = 1.0 / s.mpp;
    cv::Mat dapi(s.height, s.width, CV_32F, cv::Scalar(s.background));
    cv::Mat her2(s.height, s.width, CV_32F, cv::Scalar(s.background));
    cv::Mat cep17(s.height, s.width, CV_32F, cv::Scalar(s.background));

    // Nuclei: a domed ellipse with a soft (0.25 µm) edge and two scales of chromatin texture.
    // Overlapping nuclei add up, as fluorescence does.
    const double edgeWidth = 0.25 * px;
    for (const FishTruthNucleus& n : m_truth.nuclei) {
        const double gain = detail::nucleusGain(s.seed, n.id) * kDapiLevel;
        const double c = std::cos(n.angleRad), sn = std::sin(n.angleRad);
        const double reach = n.semiMajorPx + 4 * edgeWidth;
        const int x0 = std::max(0, static_cast<int>(n.x - reach)),
                  x1 = std::min(s.width - 1, static_cast<int>(n.x + reach));
        const int y0 = std::max(0, static_cast<int>(n.y - reach)),
                  y1 = std::min(s.height - 1, static_cast<int>(n.y + reach));
        const double radius = std::sqrt(n.semiMajorPx * n.semiMinorPx);
        const std::uint64_t texSeed = detail::hash(s.seed, 0x7e57, static_cast<std::uint64_t>(n.id));
        for (int y = y0; y <= y1; ++y) {
            float* d = dapi.ptr<float>(y);
            float* h = her2.ptr<float>(y);
            float* g = cep17.ptr<float>(y);
            for (int x = x0; x <= x1; ++x) {
                const double dx = x - n.x, dy = y - n.y;
                const double u = (dx * c + dy * sn) / n.semiMajorPx, v = (-dx * sn + dy * c) / n.semiMinorPx;
                const double rho = std::sqrt(u * u + v * v);
                const double sd = (1 - rho) * radius;  // ~ signed distance to the outline, px
                if (sd < -4 * edgeWidth) continue;
                const double edge = 1.0 / (1.0 + std::exp(-sd / edgeWidth));
                const double dome = 0.8 + 0.2 * std::sqrt(std::max(0.0, 1 - rho * rho));
                const double xu = x * s.mpp, yu = y * s.mpp;
                const double tex = 1 + 0.22 * detail::smoothField(texSeed, xu, yu, 1.5) +
                                   0.1 * detail::smoothField(texSeed ^ 0x55, xu, yu, 0.5);
                d[x] += static_cast<float>(gain * dome * tex * edge);
                const float probe = static_cast<float>(kNuclearProbeLevel * s.background * edge);
                h[x] += probe;
                g[x] += probe;
            }
        }
    }

    const double sigma = s.spotSigmaUm * px;
    for (std::size_t i = 0; i < m_truth.spots.size(); ++i) {
        const FishTruthSpot& spot = m_truth.spots[i];
        cv::Mat& img = spot.channel == core::FishChannel::Her2 ? her2 : cep17;
        const double amp = detail::spotAmplitude(spot.channel);
        if (spot.cluster) {
            // Copies packed in a disc whose area grows with their number: a bright blob whose
            // integrated intensity is `copies` single signals.
            const double radius = 0.25 * std::sqrt(static_cast<double>(spot.copies)) * px;
            for (int k = 0; k < spot.copies; ++k) {
                const std::uint64_t h = detail::hash(s.seed, 0xc1u, i, static_cast<std::uint64_t>(k));
                const double r = radius * std::sqrt(detail::unit(h));
                const double phi = 2 * std::numbers::pi * detail::unit(detail::mix64(h));
                detail::addSpot(img, spot.x + r * std::cos(phi), spot.y + r * std::sin(phi), sigma,
                                amp * detail::spotGain(s.seed, i * 131 + static_cast<std::size_t>(k)));
            }
        } else {
            // A split signal's halves are each a little dimmer than a whole signal.
            const double gain = detail::spotGain(s.seed, i) * (spot.split ? 0.6 : 1.0);
            detail::addSpot(img, spot.x, spot.y, sigma, amp * gain);
        }
    }

    if (!noiseFree && s.noiseSigma > 0) {
        cv::Mat* planes[3] = {&dapi, &her2, &cep17};
        for (int ch = 0; ch < 3; ++ch)
            for (int y = 0; y < s.height; ++y) {
                float* row = planes[ch]->ptr<float>(y);
                for (int x = 0; x < s.width; ++x)
                    row[x] += static_cast<float>(
                        s.noiseSigma * detail::gaussian(detail::hash(
                                           s.seed, 0x9015e + static_cast<std::uint64_t>(ch),
                                           static_cast<std::uint64_t>(x), static_cast<std::uint64_t>(y))));
            }
    }
    FishPhantomImages out;
    out.dapi = quantise(dapi, s.bitDepth);
    out.her2 = quantise(her2, s.bitDepth);
    out.cep17 = quantise(cep17, s.bitDepth);
    return out;
}

cv::Mat FishPhantomImages::composite() const {
    auto to8 = [](const cv::Mat& m) {
        cv::Mat o;
        m.convertTo(o, CV_8U, m.depth() == CV_16U ? 1.0 / 257.0 : 1.0);
        return o;
    };
    cv::Mat rgb;
    cv::merge(std::vector<cv::Mat>{to8(her2), to8(cep17), to8(dapi)}, rgb);
    return rgb;
}

}  // namespace her2::imaging
