#include "her2/imaging/StainSeparation.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <vector>

#include <Eigen/Dense>

#include "her2/core/Errors.hpp"

namespace her2::imaging {
namespace {

using Vec3 = std::array<double, 3>;

Vec3 normalised(const Vec3& v) {
    const double n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (n <= 0) return v;
    return {v[0] / n, v[1] / n, v[2] / n};
}

double angleDeg(const Vec3& a, const Vec3& b) {
    const Vec3 u = normalised(a), v = normalised(b);
    const double c = std::clamp(u[0] * v[0] + u[1] * v[1] + u[2] * v[2], -1.0, 1.0);
    return std::acos(c) * 180.0 / std::numbers::pi;
}

Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

/// Stain matrix with rows hematoxylin, residual, DAB as in scikit-image: OD = C * M.
Eigen::Matrix3d stainMatrix(const StainVectors& vectors) {
    Eigen::Matrix3d m;
    for (int c = 0; c < 3; ++c) {
        m(0, c) = vectors.hematoxylin[static_cast<std::size_t>(c)];
        m(1, c) = vectors.residual[static_cast<std::size_t>(c)];
        m(2, c) = vectors.dab[static_cast<std::size_t>(c)];
    }
    return m;
}

const std::array<float, 256>& odTable() {
    static const std::array<float, 256> table = [] {
        std::array<float, 256> t{};
        for (int v = 0; v < 256; ++v) t[v] = static_cast<float>(-std::log10(std::max(v, 1) / 255.0));
        return t;
    }();
    return table;
}

}  // namespace

StainVectors StainVectors::defaultHDab() {
    StainVectors v;
    v.hematoxylin = {0.65, 0.70, 0.29};
    v.residual = {0.07, 0.99, 0.11};
    v.dab = {0.27, 0.57, 0.78};
    v.source = "default";
    return v;
}

float StainSeparation::od(unsigned char value) noexcept {
    return odTable()[value];
}

StainSeparation::StainSeparation(const StainVectors& vectors) : m_vectors(vectors) {
    // C = OD * M^-1.
    const Eigen::Matrix3d m = stainMatrix(vectors);
    if (std::abs(m.determinant()) < 1e-6) throw core::ParameterError("stain vectors are not independent");
    const Eigen::Matrix3d inv = m.inverse();
    const auto& table = odTable();
    // Output stain order in m_lut: 0 hematoxylin, 1 DAB, 2 residual.
    const int stainColumn[3] = {0, 2, 1};
    for (int s = 0; s < 3; ++s)
        for (int c = 0; c < 3; ++c)
            for (int v = 0; v < 256; ++v)
                m_lut[s][c][v] = static_cast<float>(table[v] * inv(c, stainColumn[s]));
    // hematoxylin - dabLeak * DAB before the clip at 0: a linear change of the H column.
    if (vectors.dabLeak != 0)
        for (int c = 0; c < 3; ++c)
            for (int v = 0; v < 256; ++v)
                m_lut[0][c][v] = static_cast<float>(table[v] * (inv(c, 0) - vectors.dabLeak * inv(c, 2)));
}

StainImages StainSeparation::separate(const cv::Mat& rgb) const {
    if (rgb.type() != CV_8UC3) throw core::ParameterError("stain separation needs 8-bit RGB");
    StainImages out;
    out.hematoxylin.create(rgb.size(), CV_32F);
    out.dab.create(rgb.size(), CV_32F);
    out.residual.create(rgb.size(), CV_32F);
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* p = rgb.ptr<cv::Vec3b>(y);
        float* ho = out.hematoxylin.ptr<float>(y);
        float* dOut = out.dab.ptr<float>(y);
        float* ro = out.residual.ptr<float>(y);
        for (int x = 0; x < rgb.cols; ++x) {
            const auto R = p[x][0], G = p[x][1], B = p[x][2];
            ho[x] = stainOd(0, R, G, B);
            dOut[x] = stainOd(1, R, G, B);
            ro[x] = stainOd(2, R, G, B);
        }
    }
    return out;
}

void StainSeparation::separateWithOdSum(const cv::Mat& rgb, cv::Mat& hematoxylin, cv::Mat& dab,
                                        cv::Mat& odSum) const {
    if (rgb.type() != CV_8UC3) throw core::ParameterError("stain separation needs 8-bit RGB");
    hematoxylin.create(rgb.size(), CV_32F);
    dab.create(rgb.size(), CV_32F);
    odSum.create(rgb.size(), CV_32F);
    const auto& t = odTable();
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* p = rgb.ptr<cv::Vec3b>(y);
        float* ho = hematoxylin.ptr<float>(y);
        float* dOut = dab.ptr<float>(y);
        float* so = odSum.ptr<float>(y);
        for (int x = 0; x < rgb.cols; ++x) {
            const auto R = p[x][0], G = p[x][1], B = p[x][2];
            ho[x] = stainOd(0, R, G, B);
            dOut[x] = stainOd(1, R, G, B);
            so[x] = t[R] + t[G] + t[B];
        }
    }
}

cv::Mat StainSeparation::odSum(const cv::Mat& rgb) {
    if (rgb.type() != CV_8UC3) throw core::ParameterError("OD sum needs 8-bit RGB");
    cv::Mat out(rgb.size(), CV_32F);
    const auto& t = odTable();
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* p = rgb.ptr<cv::Vec3b>(y);
        float* o = out.ptr<float>(y);
        for (int x = 0; x < rgb.cols; ++x) o[x] = t[p[x][0]] + t[p[x][1]] + t[p[x][2]];
    }
    return out;
}

StainVectors StainSeparation::estimate(const cv::Mat& rgb, const cv::Mat& mask, double minOd) {
    const StainVectors defaults = StainVectors::defaultHDab();
    if (rgb.type() != CV_8UC3 || rgb.empty()) return defaults;
    const auto& t = odTable();
    // Deterministic subsample to at most ~200k pixels.
    const std::size_t total = rgb.total();
    const int step = static_cast<int>(std::max<std::size_t>(1, total / 200000));
    std::vector<Eigen::Vector3d> ods;
    ods.reserve(std::min<std::size_t>(total, 200000) + 1);
    std::size_t k = 0;
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* p = rgb.ptr<cv::Vec3b>(y);
        const unsigned char* m = mask.empty() ? nullptr : mask.ptr<unsigned char>(y);
        for (int x = 0; x < rgb.cols; ++x, ++k) {
            if (k % step) continue;
            if (m && !m[x]) continue;
            Eigen::Vector3d o(t[p[x][0]], t[p[x][1]], t[p[x][2]]);
            if (o.norm() >= minOd) ods.push_back(o);
        }
    }
    if (ods.size() < 500) return defaults;
    Eigen::Vector3d mean = Eigen::Vector3d::Zero();
    for (const auto& o : ods) mean += o;
    mean /= static_cast<double>(ods.size());
    Eigen::Matrix3d cov = Eigen::Matrix3d::Zero();
    for (const auto& o : ods) cov += (o - mean) * (o - mean).transpose();
    cov /= static_cast<double>(ods.size() - 1);
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver(cov);
    // Eigenvalues ascending: the plane is spanned by columns 2 and 1.
    Eigen::Vector3d v1 = solver.eigenvectors().col(2);
    Eigen::Vector3d v2 = solver.eigenvectors().col(1);
    if (v1.sum() < 0) v1 = -v1;
    if (v2.sum() < 0) v2 = -v2;
    std::vector<double> phi;
    phi.reserve(ods.size());
    for (const auto& o : ods) phi.push_back(std::atan2(o.dot(v2), o.dot(v1)));
    auto percentile = [&](double q) {
        std::vector<double> tmp = phi;
        const auto idx = static_cast<std::size_t>(q * static_cast<double>(tmp.size() - 1));
        std::nth_element(tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(idx), tmp.end());
        return tmp[idx];
    };
    const double lo = percentile(0.01), hi = percentile(0.99);
    Eigen::Vector3d a = v1 * std::cos(lo) + v2 * std::sin(lo);
    Eigen::Vector3d b = v1 * std::cos(hi) + v2 * std::sin(hi);
    if (a.sum() < 0) a = -a;
    if (b.sum() < 0) b = -b;
    Vec3 va = normalised({a[0], a[1], a[2]});
    Vec3 vb = normalised({b[0], b[1], b[2]});
    // DAB (brown) absorbs blue more than red; hematoxylin (blue) absorbs red more than blue.
    if (va[2] - va[0] > vb[2] - vb[0]) std::swap(va, vb);
    StainVectors est;
    est.source = "estimated";
    est.hematoxylin = angleDeg(va, defaults.hematoxylin) <= 30 ? va : normalised(defaults.hematoxylin);
    est.dab = angleDeg(vb, defaults.dab) <= 30 ? vb : normalised(defaults.dab);
    if (angleDeg(est.hematoxylin, est.dab) < 10) return defaults;
    Vec3 r = normalised(cross(est.hematoxylin, est.dab));
    if (r[0] + r[1] + r[2] < 0) r = {-r[0], -r[1], -r[2]};
    est.residual = r;
    return est;
}

namespace {

/// Calls f(od, stains) for about 400,000 pixels of `rgb` spread evenly (under `mask` if not
/// empty): the pixel's OD row and its hematoxylin, residual, DAB under `vectors`.
template <typename F>
void forSampledPixels(const cv::Mat& rgb, const cv::Mat& mask, const StainVectors& vectors, F&& f) {
    const auto& t = odTable();
    const Eigen::Matrix3d inv = stainMatrix(vectors).inverse();
    const std::size_t step = std::max<std::size_t>(1, rgb.total() / 400000);
    std::size_t k = 0;
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* p = rgb.ptr<cv::Vec3b>(y);
        const unsigned char* mk = mask.empty() ? nullptr : mask.ptr<unsigned char>(y);
        for (int x = 0; x < rgb.cols; ++x, ++k) {
            if (k % step || (mk && !mk[x])) continue;
            const Eigen::RowVector3d o(t[p[x][0]], t[p[x][1]], t[p[x][2]]);
            f(o, Eigen::RowVector3d(o * inv));
        }
    }
}

/// Median OD direction of dense pixels (OD norm >= 0.25) where `vectors` give hematoxylin
/// >= 0.15 and DAB below `maxDabRatio` times hematoxylin; nullopt with fewer than 1000.
std::optional<Vec3> nuclearDirection(const cv::Mat& rgb, const cv::Mat& mask, const StainVectors& vectors,
                                     double maxDabRatio) {
    std::array<std::vector<float>, 3> channel;
    forSampledPixels(rgb, mask, vectors, [&](const Eigen::RowVector3d& o, const Eigen::RowVector3d& c) {
        const double norm = o.norm();
        if (norm < 0.25 || c[0] < 0.15 || c[2] >= maxDabRatio * c[0]) return;
        for (std::size_t i = 0; i < 3; ++i)
            channel[i].push_back(static_cast<float>(o[static_cast<Eigen::Index>(i)] / norm));
    });
    if (channel[0].size() < 1000) return std::nullopt;
    Vec3 h{};
    for (std::size_t c = 0; c < 3; ++c) {
        auto& v = channel[c];
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
        h[c] = v[v.size() / 2];
    }
    return normalised(h);
}

/// Median hematoxylin / DAB ratio (with `vectors`) of sampled pixels whose DAB is >= 0.15 OD
/// and above their hematoxylin: outside nuclei the hematoxylin there is DAB read as
/// hematoxylin. 0 with fewer than 1000 such pixels or fewer than 0.5% of the tissue (OD
/// norm >= 0.15): a slide with little DAB has little to correct.
double dabLeakOf(const cv::Mat& rgb, const cv::Mat& mask, const StainVectors& vectors) {
    std::vector<float> ratio;
    std::size_t tissue = 0;
    forSampledPixels(rgb, mask, vectors, [&](const Eigen::RowVector3d& o, const Eigen::RowVector3d& c) {
        if (o.norm() < 0.15) return;
        ++tissue;
        if (c[2] >= 0.15 && c[2] > c[0]) ratio.push_back(static_cast<float>(std::max(0.0, c[0]) / c[2]));
    });
    if (ratio.size() < 1000 || ratio.size() * 200 < tissue) return 0;
    std::nth_element(ratio.begin(), ratio.begin() + static_cast<std::ptrdiff_t>(ratio.size() / 2),
                     ratio.end());
    return ratio[ratio.size() / 2];
}

}  // namespace

StainVectors StainSeparation::estimateHematoxylin(const cv::Mat& rgb, const cv::Mat& mask) {
    const StainVectors defaults = StainVectors::defaultHDab();
    if (rgb.type() != CV_8UC3 || rgb.empty()) return defaults;
    // Two passes. With the default vectors a bluer lab hematoxylin shows up to ~0.6 x its OD
    // as DAB, so nuclei are first taken as "more hematoxylin than DAB". That also admits
    // nuclei under a DAB membrane, which pull the direction towards DAB; the second pass,
    // with the cross-talk removed, keeps only nuclei with almost no DAB.
    StainVectors out = defaults;
    for (const double maxDabRatio : {1.0, 0.15}) {
        const std::optional<Vec3> h = nuclearDirection(rgb, mask, out, maxDabRatio);
        // A direction far from any hematoxylin, or drifting towards DAB, is not trusted.
        if (!h || angleDeg(*h, defaults.hematoxylin) > 25 || angleDeg(*h, defaults.dab) < 20) return defaults;
        out.hematoxylin = *h;
        out.source = "slide-hematoxylin";
    }
    out.dabLeak = dabLeakOf(rgb, mask, out);
    return out;
}

}  // namespace her2::imaging
