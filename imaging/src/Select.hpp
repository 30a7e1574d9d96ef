#pragma once
// Order statistics of float samples shared by the IHC and FISH analyses (private to her2_imaging).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace her2::imaging::detail {

/// The value std::nth_element would place at `k` (< n) in v[0, n), without reordering v: a
/// radix select in three passes over keys that order the floats as their values do (the sign
/// bit set for positive values, all bits flipped for negative ones). Values that compare
/// equal have one key, except -0 and +0, whose selection returns a zero either way. With a NaN
/// among the values, whose order is undefined, it is std::nth_element itself (v reordered).
/// A median of 10^5 samples takes a fraction of std::nth_element's time.
inline float selectNth(float* v, std::size_t n, std::size_t k) {
    static_assert(sizeof(float) == sizeof(std::uint32_t));
    auto bitsOf = [](float f) {
        std::uint32_t u;
        std::memcpy(&u, &f, sizeof u);
        return u;
    };
    auto keyOf = [](std::uint32_t u) { return (u >> 31) ? ~u : (u | 0x80000000u); };
    constexpr std::uint32_t kAbsInf = 0x7f800000u;
    std::uint32_t hist[2048];
    std::fill(hist, hist + 2048, 0u);
    std::uint32_t nan = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t u = bitsOf(v[i]);
        nan |= static_cast<std::uint32_t>((u & 0x7fffffffu) > kAbsInf);
        ++hist[keyOf(u) >> 21];
    }
    if (nan) {
        std::nth_element(v, v + k, v + n);
        return v[k];
    }
    // The bin holding the element of this rank; the rank becomes the one within the bin.
    auto bucketOf = [](const std::uint32_t* h, std::size_t& rank) {
        std::uint32_t b = 0;
        while (rank >= h[b]) rank -= h[b++];
        return b;
    };
    std::size_t rank = k;
    const std::uint32_t top = bucketOf(hist, rank);
    thread_local std::vector<std::uint32_t> kept;
    kept.resize(hist[top]);
    std::fill(hist, hist + 2048, 0u);
    std::size_t m = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t key = keyOf(bitsOf(v[i]));
        if ((key >> 21) != top) continue;
        kept[m++] = key;
        ++hist[(key >> 10) & 0x7ff];
    }
    const std::uint32_t mid = bucketOf(hist, rank);
    std::fill(hist, hist + 1024, 0u);
    for (std::size_t i = 0; i < m; ++i)
        if (((kept[i] >> 10) & 0x7ff) == mid) ++hist[kept[i] & 0x3ff];
    const std::uint32_t low = bucketOf(hist, rank);
    const std::uint32_t key = (top << 21) | (mid << 10) | low;
    const std::uint32_t u = (key >> 31) ? (key & 0x7fffffffu) : ~key;
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

/// Median and robust sigma (1.4826 times the median absolute deviation) of v, whose values
/// are replaced by their absolute deviations; zeros when v is empty.
inline std::pair<double, double> medianAndSpread(std::vector<float>& v) {
    if (v.empty()) return {0, 0};
    const std::size_t mid = v.size() / 2;
    const float med = selectNth(v.data(), v.size(), mid);
    for (float& x : v) x = std::abs(x - med);
    return {med, 1.4826 * selectNth(v.data(), v.size(), mid)};
}

}  // namespace her2::imaging::detail
