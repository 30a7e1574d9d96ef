#include "her2/core/QaStatistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace her2::core {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double weight(std::size_t i, std::size_t j, std::size_t k, KappaWeights w) {
    if (w == KappaWeights::None) return i == j ? 0.0 : 1.0;
    if (k < 2) return 0.0;
    const double d = std::abs(static_cast<double>(i) - static_cast<double>(j)) / static_cast<double>(k - 1);
    return w == KappaWeights::Linear ? d : d * d;
}

/// Percentile with linear interpolation between order statistics (Hyndman-Fan type 7, the
/// default of numpy and R), on sorted data.
double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return kNaN;
    const double h = p * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

struct Anova {
    double msRows = 0, msCols = 0, msError = 0;
    std::size_t n = 0, k = 0;
    bool ok = false;
};

/// Two-way ANOVA without replication (subjects x raters) behind both ICC forms.
Anova twoWayAnova(std::span<const double> x, std::size_t k) {
    Anova a;
    if (k == 0 || x.size() % k != 0)
        throw std::invalid_argument("ICC: ratings are not a multiple of the raters");
    a.k = k;
    a.n = x.size() / k;
    if (a.n < 2 || k < 2) return a;
    const double n = static_cast<double>(a.n), kk = static_cast<double>(k);
    const double grand = std::accumulate(x.begin(), x.end(), 0.0) / (n * kk);
    double ssRows = 0, ssCols = 0, ssTotal = 0;
    for (std::size_t i = 0; i < a.n; ++i) {
        double m = 0;
        for (std::size_t j = 0; j < k; ++j) m += x[i * k + j];
        m /= kk;
        ssRows += kk * (m - grand) * (m - grand);
    }
    for (std::size_t j = 0; j < k; ++j) {
        double m = 0;
        for (std::size_t i = 0; i < a.n; ++i) m += x[i * k + j];
        m /= n;
        ssCols += n * (m - grand) * (m - grand);
    }
    for (const double v : x) ssTotal += (v - grand) * (v - grand);
    const double ssError = std::max(0.0, ssTotal - ssRows - ssCols);
    a.msRows = ssRows / (n - 1);
    a.msCols = ssCols / (kk - 1);
    a.msError = ssError / ((n - 1) * (kk - 1));
    a.ok = ssTotal > 0;
    return a;
}

}  // namespace

ConfusionMatrix ConfusionMatrix::fromPairs(std::span<const int> a, std::span<const int> b,
                                           std::size_t categories) {
    if (a.size() != b.size())
        throw std::invalid_argument("confusion matrix: the two raters differ in length");
    ConfusionMatrix m(categories);
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] < 0 || b[i] < 0 || static_cast<std::size_t>(a[i]) >= categories ||
            static_cast<std::size_t>(b[i]) >= categories)
            throw std::invalid_argument("confusion matrix: category out of range");
        m.add(static_cast<std::size_t>(a[i]), static_cast<std::size_t>(b[i]));
    }
    return m;
}

std::size_t ConfusionMatrix::total() const noexcept {
    return std::accumulate(m_counts.begin(), m_counts.end(), std::size_t{0});
}

std::size_t ConfusionMatrix::diagonal() const noexcept {
    std::size_t d = 0;
    for (std::size_t i = 0; i < m_k; ++i) d += m_counts[i * m_k + i];
    return d;
}

double percentAgreement(const ConfusionMatrix& m) {
    const std::size_t n = m.total();
    return n == 0 ? kNaN : static_cast<double>(m.diagonal()) / static_cast<double>(n);
}

double cohenKappa(const ConfusionMatrix& m, KappaWeights weights) {
    const std::size_t k = m.size();
    const double n = static_cast<double>(m.total());
    if (n == 0) return kNaN;
    std::vector<double> rows(k, 0.0), cols(k, 0.0);
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            rows[i] += static_cast<double>(m.at(i, j));
            cols[j] += static_cast<double>(m.at(i, j));
        }
    double observed = 0, expected = 0;
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            const double w = weight(i, j, k, weights);
            observed += w * static_cast<double>(m.at(i, j)) / n;
            expected += w * (rows[i] / n) * (cols[j] / n);
        }
    // Relative tolerance: with every pair in one category the expected disagreement is an exact
    // zero; sums of products of marginals can leave a few ulps instead.
    if (expected <= 1e-15) return kNaN;
    return 1.0 - observed / expected;
}

double kappaStandardError(const ConfusionMatrix& m) {
    const std::size_t k = m.size();
    const double n = static_cast<double>(m.total());
    const double kappa = cohenKappa(m);
    if (n == 0 || std::isnan(kappa)) return kNaN;
    std::vector<double> rows(k, 0.0), cols(k, 0.0);
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            rows[i] += static_cast<double>(m.at(i, j)) / n;
            cols[j] += static_cast<double>(m.at(i, j)) / n;
        }
    double pe = 0;
    for (std::size_t i = 0; i < k; ++i) pe += rows[i] * cols[i];
    // Fleiss, Cohen and Everitt (1969), as in Fleiss, Levin and Paik (2003) eq. 18.12.
    double a = 0, b = 0;
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) {
            const double p = static_cast<double>(m.at(i, j)) / n;
            if (i == j) {
                const double t = 1.0 - (rows[i] + cols[i]) * (1.0 - kappa);
                a += p * t * t;
            } else {
                const double t = cols[i] + rows[j];
                b += p * t * t;
            }
        }
    b *= (1.0 - kappa) * (1.0 - kappa);
    const double c = kappa - pe * (1.0 - kappa);
    const double var = (a + b - c * c) / (n * (1.0 - pe) * (1.0 - pe));
    return var < 0 ? 0.0 : std::sqrt(var);
}

Interval bootstrapKappa(std::span<const int> a, std::span<const int> b, std::size_t categories,
                        KappaWeights weights, const BootstrapOptions& options) {
    const ConfusionMatrix all = ConfusionMatrix::fromPairs(a, b, categories);  // validates the input
    const std::size_t n = a.size();
    if (n == 0 || options.replicates == 0) return {kNaN, kNaN};
    SplitMix64 rng(options.seed);
    std::vector<double> kappas;
    kappas.reserve(options.replicates);
    for (std::size_t r = 0; r < options.replicates; ++r) {
        ConfusionMatrix m(categories);
        for (std::size_t i = 0; i < n; ++i) {
            const auto s = static_cast<std::size_t>(rng.below(n));
            m.add(static_cast<std::size_t>(a[s]), static_cast<std::size_t>(b[s]));
        }
        const double kappa = cohenKappa(m, weights);
        if (!std::isnan(kappa)) kappas.push_back(kappa);
    }
    if (kappas.size() * 2 < options.replicates) return {kNaN, kNaN};
    std::sort(kappas.begin(), kappas.end());
    const double alpha = 1.0 - options.level;
    return {percentile(kappas, alpha / 2), percentile(kappas, 1.0 - alpha / 2)};
}

BlandAltman blandAltman(std::span<const double> a, std::span<const double> b) {
    if (a.size() != b.size()) throw std::invalid_argument("Bland-Altman: the two series differ in length");
    BlandAltman r;
    r.n = a.size();
    if (r.n == 0) return {0, kNaN, kNaN, kNaN, kNaN};
    double sum = 0;
    for (std::size_t i = 0; i < r.n; ++i) sum += a[i] - b[i];
    r.bias = sum / static_cast<double>(r.n);
    if (r.n < 2) {
        r.sd = r.lowerLimit = r.upperLimit = kNaN;
        return r;
    }
    double ss = 0;
    for (std::size_t i = 0; i < r.n; ++i) {
        const double d = a[i] - b[i] - r.bias;
        ss += d * d;
    }
    r.sd = std::sqrt(ss / static_cast<double>(r.n - 1));
    r.lowerLimit = r.bias - 1.96 * r.sd;
    r.upperLimit = r.bias + 1.96 * r.sd;
    return r;
}

double iccAbsoluteAgreement(std::span<const double> ratings, std::size_t raters) {
    const Anova a = twoWayAnova(ratings, raters);
    if (!a.ok) return kNaN;
    const double n = static_cast<double>(a.n), k = static_cast<double>(a.k);
    const double den = a.msRows + (k - 1) * a.msError + k * (a.msCols - a.msError) / n;
    return den == 0 ? kNaN : (a.msRows - a.msError) / den;
}

double iccConsistency(std::span<const double> ratings, std::size_t raters) {
    const Anova a = twoWayAnova(ratings, raters);
    if (!a.ok) return kNaN;
    const double k = static_cast<double>(a.k);
    const double den = a.msRows + (k - 1) * a.msError;
    return den == 0 ? kNaN : (a.msRows - a.msError) / den;
}

double iccAbsoluteAgreement(std::span<const double> a, std::span<const double> b) {
    if (a.size() != b.size()) throw std::invalid_argument("ICC: the two raters differ in length");
    std::vector<double> x;
    x.reserve(a.size() * 2);
    for (std::size_t i = 0; i < a.size(); ++i) {
        x.push_back(a[i]);
        x.push_back(b[i]);
    }
    return iccAbsoluteAgreement(x, 2);
}

std::uint64_t SplitMix64::next() noexcept {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t SplitMix64::below(std::uint64_t n) noexcept {
    // Reject the top partial block so every residue is equally likely.
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x = next();
    while (x >= limit) x = next();
    return x % n;
}

}  // namespace her2::core
