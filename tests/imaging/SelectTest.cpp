// The radix selection against std::nth_element, on the values the analyses feed it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "Select.hpp"

namespace {

/// The element of rank k by std::nth_element, on a copy.
float reference(std::vector<float> v, std::size_t k) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

void expectSameAtEveryRank(const std::vector<float>& v, std::size_t stride) {
    for (std::size_t k = 0; k < v.size(); k += stride) {
        std::vector<float> work = v;
        const float got = her2::imaging::detail::selectNth(work.data(), work.size(), k);
        // Compared as values: -0 and +0 are one rank's value either way.
        EXPECT_EQ(got, reference(v, k)) << "rank " << k << " of " << v.size();
        EXPECT_EQ(work, v) << "the input was reordered";
    }
}

}  // namespace

TEST(Select, signed_samples_with_ties_match_nth_element_at_every_rank) {
    std::mt19937 rng(7);
    std::normal_distribution<float> noise(0.f, 0.02f);
    std::vector<float> v(5000);
    for (float& x : v) x = noise(rng);
    // Ties, zeros of both signs, and values that differ in their last bits only.
    for (std::size_t i = 0; i < v.size(); i += 7) v[i] = v[i / 2];
    for (std::size_t i = 3; i < v.size(); i += 97) v[i] = (i % 2) ? 0.f : -0.f;
    for (std::size_t i = 5; i < v.size(); i += 89) v[i] = std::nextafter(v[i - 1], 1.f);
    expectSameAtEveryRank(v, 1);
}

TEST(Select, infinities_and_a_single_value_are_selected) {
    const float inf = std::numeric_limits<float>::infinity();
    expectSameAtEveryRank({inf, -inf, 1.f, -1.f, 0.f, inf, -2.5f, 1e-30f, -1e-30f}, 1);
    expectSameAtEveryRank({3.25f}, 1);
    expectSameAtEveryRank(std::vector<float>(300, -0.125f), 1);
}

TEST(Select, many_samples_of_one_narrow_range) {
    // 10^5 values within a few ulps of each other: every pass but the last finds one bin.
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> ulps(0, 600);
    std::vector<float> v(100000);
    for (float& x : v) {
        x = 0.3f;
        for (int s = ulps(rng); s > 0; --s) x = std::nextafter(x, 1.f);
    }
    expectSameAtEveryRank(v, 997);
}

TEST(Select, a_nan_falls_back_to_nth_element) {
    std::vector<float> v{2.f, std::numeric_limits<float>::quiet_NaN(), -1.f, 4.f, 0.5f};
    const std::vector<float> copy = v;
    const float got = her2::imaging::detail::selectNth(v.data(), v.size(), 2);
    const float want = reference(copy, 2);
    EXPECT_TRUE(got == want || (std::isnan(got) && std::isnan(want)));
}

TEST(Select, median_and_robust_sigma_of_a_sample_with_an_outlier) {
    std::vector<float> v{4.f, 100.f, 1.f, 3.f, 2.f};
    const auto [median, sigma] = her2::imaging::detail::medianAndSpread(v);
    EXPECT_EQ(median, 3.0);
    EXPECT_DOUBLE_EQ(sigma, 1.4826);  // deviations 1, 97, 2, 0, 1: their median is 1
    std::vector<float> none;
    EXPECT_EQ(her2::imaging::detail::medianAndSpread(none), std::make_pair(0.0, 0.0));
}
