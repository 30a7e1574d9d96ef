#pragma once
// Number formatting and threshold comparison shared by the rule sets, so every reason
// sentence prints numbers the same way and agrees with the decision it explains.
#include <cstddef>
#include <string>
#include <string_view>

namespace her2::core::detail {

/// A percentage threshold comparison: "more than" (ASCO/CAP breast) or "at least" (gastric).
enum class Comparator { Greater, GreaterOrEqual };

/// Parses ">" or ">="; throws ParameterError naming `key` otherwise.
Comparator parseComparator(std::string_view text, std::string_view key);
std::string_view toString(Comparator c) noexcept;

/// value (comparator) threshold. Computed percentages and means of whole counts are
/// exact at the boundary (100 * 1000 / 10000 is exactly 10), so the tolerance only
/// absorbs rounding in user-entered thresholds; it is far below one cell in a million.
bool passes(double value, double threshold, Comparator c) noexcept;
/// value >= threshold with the same tolerance.
bool atLeast(double value, double threshold) noexcept;

/// 18204 -> "18,204".
std::string withThousands(std::size_t n);
/// Fixed-point text with `decimals` decimals.
std::string fixed(double value, int decimals);
/// Shortest text with at least minDecimals decimals that reads back as `value`
/// (10 -> "10", 2 -> "2.0" with minDecimals 1, 0.5 -> "0.5").
std::string shortest(double value, int minDecimals = 0);
/// `value` with `decimals` decimals, or more (up to 6) when rounding would print a
/// number on the other side of the threshold than the decision (10.01 > 10 prints
/// "10.01", not "10.0").
std::string agreeing(double value, int decimals, double threshold, Comparator c);
/// The same against two thresholds at once.
std::string agreeing(double value, int decimals, double threshold1, Comparator c1, double threshold2,
                     Comparator c2);

/// 100 * part / whole, 0 when whole is 0.
double percentOf(std::size_t part, std::size_t whole) noexcept;

}  // namespace her2::core::detail
