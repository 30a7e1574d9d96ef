#pragma once
/// @file Internal: counter-based random numbers for the phantoms. Every value is a pure
/// function of (seed, coordinates), so any region renders the same on its own.
#include <cmath>
#include <cstdint>
#include <numbers>

namespace her2::imaging::detail {

constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

constexpr std::uint64_t hash(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) noexcept {
    std::uint64_t h = mix64(seed ^ 0x5851f42d4c957f2dULL);
    h = mix64(h ^ a);
    h = mix64(h ^ (b * 0x2545f4914f6cdd1dULL));
    return mix64(h ^ (c * 0x9e3779b97f4a7c15ULL));
}

/// Uniform in [0, 1) from a hash.
constexpr double unit(std::uint64_t h) noexcept { return static_cast<double>(h >> 11) * 0x1.0p-53; }

/// Signed coordinates folded into the hash input.
constexpr std::uint64_t key(std::int64_t v) noexcept { return static_cast<std::uint64_t>(v); }

/// Standard normal from two hashes (Box-Muller).
inline double gaussian(std::uint64_t h) noexcept {
    const double u1 = unit(h) + 0x1.0p-54;
    const double u2 = unit(mix64(h));
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

/// Small sequential generator for layout decisions (not for pixels).
class SplitMix {
public:
    explicit SplitMix(std::uint64_t seed) noexcept : m_state(seed) {}
    std::uint64_t next() noexcept {
        m_state += 0x9e3779b97f4a7c15ULL;
        return mix64(m_state);
    }
    double uniform() noexcept { return unit(next()); }
    double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
    double normal() noexcept { return gaussian(next()); }

private:
    std::uint64_t m_state;
};

/// Value noise in [-1, 1] with quintic interpolation, lattice spacing 1 (scale the input).
inline double valueNoise(std::uint64_t seed, double x, double y) noexcept {
    const double fx = std::floor(x), fy = std::floor(y);
    const auto ix = static_cast<std::int64_t>(fx), iy = static_cast<std::int64_t>(fy);
    const double tx = x - fx, ty = y - fy;
    const double sx = tx * tx * tx * (tx * (tx * 6 - 15) + 10);
    const double sy = ty * ty * ty * (ty * (ty * 6 - 15) + 10);
    auto v = [&](std::int64_t i, std::int64_t j) { return 2.0 * unit(hash(seed, key(i), key(j), 7)) - 1.0; };
    const double a = v(ix, iy), b = v(ix + 1, iy), c = v(ix, iy + 1), d = v(ix + 1, iy + 1);
    return (a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy;
}

/// Two octaves of value noise, roughly in [-1, 1]; `scale` is the feature size in the
/// units of x and y.
inline double smoothField(std::uint64_t seed, double x, double y, double scale) noexcept {
    const double a = valueNoise(seed, x / scale, y / scale);
    const double b = valueNoise(seed ^ 0xabcdef12345ULL, 2.0 * x / scale + 17.3, 2.0 * y / scale - 5.1);
    return (a + 0.5 * b) / 1.25;
}

}  // namespace her2::imaging::detail
