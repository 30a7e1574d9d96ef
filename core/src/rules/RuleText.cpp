#include "rules/RuleText.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "her2/core/Errors.hpp"

namespace her2::core::detail {
namespace {
constexpr double kTolerance = 1e-9;
}  // namespace

Comparator parseComparator(std::string_view text, std::string_view key) {
    if (text == ">") return Comparator::Greater;
    if (text == ">=") return Comparator::GreaterOrEqual;
    throw ParameterError("parameter " + std::string(key) + " = \"" + std::string(text) +
                         "\" is not one of: >, >=");
}

std::string_view toString(Comparator c) noexcept {
    return c == Comparator::Greater ? ">" : ">=";
}

bool passes(double value, double threshold, Comparator c) noexcept {
    if (c == Comparator::Greater) return value > threshold + kTolerance;
    return value >= threshold - kTolerance;
}

bool atLeast(double value, double threshold) noexcept {
    return value >= threshold - kTolerance;
}

std::string withThousands(std::size_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string fixed(double value, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

std::string shortest(double value, int minDecimals) {
    for (int d = minDecimals; d < 9; ++d) {
        const std::string s = fixed(value, d);
        if (std::abs(std::strtod(s.c_str(), nullptr) - value) <= kTolerance * std::max(1.0, std::abs(value)))
            return s;
    }
    return fixed(value, 9);
}

std::string agreeing(double value, int decimals, double threshold1, Comparator c1, double threshold2,
                     Comparator c2) {
    const bool decision1 = passes(value, threshold1, c1), decision2 = passes(value, threshold2, c2);
    for (int d = decimals; d <= 6; ++d) {
        const std::string s = fixed(value, d);
        const double printed = std::strtod(s.c_str(), nullptr);
        if (passes(printed, threshold1, c1) == decision1 && passes(printed, threshold2, c2) == decision2)
            return s;
    }
    return fixed(value, 6);
}

std::string agreeing(double value, int decimals, double threshold, Comparator c) {
    return agreeing(value, decimals, threshold, c, threshold, c);
}

double percentOf(std::size_t part, std::size_t whole) noexcept {
    return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace her2::core::detail
