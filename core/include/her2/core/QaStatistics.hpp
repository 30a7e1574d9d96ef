#pragma once
/// @file Agreement statistics between two raters (automatic and manual scoring): confusion
/// matrix, percent agreement, Cohen's kappa (unweighted, linear, quadratic), seeded bootstrap
/// confidence intervals, Bland-Altman limits of agreement and the intraclass correlation.
///
/// Pure functions of their arguments: thread-safe, no I/O. Undefined statistics (no pairs,
/// or chance agreement of 1 so that kappa is 0/0) are returned as NaN, as scikit-learn does;
/// writers print NaN as JSON null.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace her2::core {

/// Counts of (rater A category i, rater B category j). Rows are rater A (automatic), columns
/// rater B (manual). Categories are 0..size()-1 and ordered (for the weighted kappas).
class ConfusionMatrix {
public:
    ConfusionMatrix() = default;
    explicit ConfusionMatrix(std::size_t categories)
        : m_k(categories), m_counts(categories * categories, 0) {}
    /// Tallies the pairs (a[i], b[i]). Throws std::invalid_argument when the spans differ in
    /// length or a value lies outside [0, categories).
    static ConfusionMatrix fromPairs(std::span<const int> a, std::span<const int> b, std::size_t categories);

    std::size_t size() const noexcept { return m_k; }
    std::size_t at(std::size_t row, std::size_t col) const { return m_counts.at(row * m_k + col); }
    void add(std::size_t row, std::size_t col, std::size_t count = 1) {
        m_counts.at(row * m_k + col) += count;
    }
    std::size_t total() const noexcept;
    std::size_t diagonal() const noexcept;

private:
    std::size_t m_k = 0;
    std::vector<std::size_t> m_counts;
};

/// Disagreement weights of Cohen's kappa. Linear: |i-j|/(k-1); quadratic: ((i-j)/(k-1))^2.
enum class KappaWeights : std::uint8_t { None, Linear, Quadratic };

/// Fraction of pairs on the diagonal, in [0, 1]; NaN for an empty matrix.
double percentAgreement(const ConfusionMatrix& m);

/// Cohen's kappa, 1 - sum(w*observed) / sum(w*expected) with expected from the marginals
/// (Cohen 1960 for None, Cohen 1968 for the weighted forms). Equals scikit-learn's
/// cohen_kappa_score(a, b, labels=range(k), weights=None|"linear"|"quadratic").
/// NaN when undefined (no pairs, or all expected disagreement is zero).
double cohenKappa(const ConfusionMatrix& m, KappaWeights weights = KappaWeights::None);

/// Large-sample standard error of unweighted kappa under the alternative (Fleiss, Cohen and
/// Everitt 1969); a cross-check for the bootstrap. NaN when undefined.
double kappaStandardError(const ConfusionMatrix& m);

/// A two-sided confidence interval; NaN bounds when it could not be estimated.
struct Interval {
    double low = 0;
    double high = 0;
};

/// Settings of the percentile bootstrap. The generator is a fixed splitmix64 stream, so the
/// same seed gives the same interval on every platform and compiler.
struct BootstrapOptions {
    std::size_t replicates = 2000;
    std::uint64_t seed = 20181;  ///< any fixed value; reported with the result
    double level = 0.95;
};

/// Percentile bootstrap interval of cohenKappa() over the pairs (a[i], b[i]), resampling
/// pairs with replacement. Replicates where kappa is undefined are left out; NaN bounds if
/// fewer than half remain. Throws std::invalid_argument as ConfusionMatrix::fromPairs().
Interval bootstrapKappa(std::span<const int> a, std::span<const int> b, std::size_t categories,
                        KappaWeights weights, const BootstrapOptions& options = {});

/// Bland-Altman agreement of two measurements of the same quantity, differences a - b.
struct BlandAltman {
    std::size_t n = 0;
    double bias = 0;        ///< mean difference a - b
    double sd = 0;          ///< sample standard deviation of the differences (n - 1)
    double lowerLimit = 0;  ///< bias - 1.96 sd
    double upperLimit = 0;  ///< bias + 1.96 sd
};
/// Throws std::invalid_argument when the spans differ in length. NaN fields when n < 2
/// (bias is defined for n == 1).
BlandAltman blandAltman(std::span<const double> a, std::span<const double> b);

/// ICC(A,1) of McGraw and Wong (1996) = ICC(2,1) of Shrout and Fleiss (1979): two-way random
/// effects, absolute agreement, single measurement. `ratings` holds n subjects x k raters,
/// row-major (subject i, rater j at i*k + j). NaN when n < 2 or k < 2 or all values equal.
/// Throws std::invalid_argument when ratings.size() is not a multiple of k.
double iccAbsoluteAgreement(std::span<const double> ratings, std::size_t raters);
/// ICC(3,1) of Shrout and Fleiss (two-way mixed, consistency, single measurement), reported
/// alongside for comparison with older papers. Same layout and NaN rules.
double iccConsistency(std::span<const double> ratings, std::size_t raters);
/// ICC(A,1) of two raters given as two columns.
double iccAbsoluteAgreement(std::span<const double> a, std::span<const double> b);

/// Deterministic 64-bit generator (splitmix64) shared by the bootstrap and the calibration's
/// fold split, so results do not depend on the standard library's distributions.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) noexcept : m_state(seed) {}
    std::uint64_t next() noexcept;
    /// Uniform integer in [0, n) by rejection (no modulo bias). n must be > 0.
    std::uint64_t below(std::uint64_t n) noexcept;

private:
    std::uint64_t m_state;
};

}  // namespace her2::core
