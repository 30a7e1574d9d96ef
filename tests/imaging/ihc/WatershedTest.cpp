// floodWatershed against a plain reference flooding on random images: the optimised flood
// must give the very same labels, ties and radius limits included.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <queue>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "her2/imaging/CellSegmenter.hpp"

namespace {

constexpr int kLevels = 1024;

/// Meyer flooding as specified: levels quantised over the elevation range, one FIFO per
/// level, a pixel takes the label of the first neighbour (left, right, up, down) to reach
/// it, is queued at the larger of its level and the level being flooded, and with a radius
/// limit only joins a label within maxRadius of its centre.
cv::Mat referenceFlood(const cv::Mat& markers, const cv::Mat& elevation, const cv::Mat& allowed,
                       const std::vector<cv::Point2d>& centres, double maxRadius) {
    const int w = markers.cols, h = markers.rows;
    double lo = 0, hi = 0;
    cv::minMaxLoc(elevation, &lo, &hi);
    const double scale = hi > lo ? (kLevels - 1) / (hi - lo) : 0;
    const bool limit = maxRadius > 0 && !centres.empty();
    constexpr int kBlocked = -1, kFree = 0;
    cv::Mat state(h, w, CV_32S);
    std::vector<int> queuedFor(static_cast<std::size_t>(w) * h, 0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int m = markers.at<int>(y, x);
            state.at<int>(y, x) =
                m > 0 ? m : (!allowed.empty() && !allowed.at<uchar>(y, x) ? kBlocked : kFree);
        }
    std::array<std::queue<cv::Point>, kLevels> queues;
    int current = 0;
    auto push = [&](int x, int y, int label) {
        if (x < 0 || y < 0 || x >= w || y >= h || state.at<int>(y, x) != kFree) return;
        if (limit) {
            const cv::Point2d c = centres[static_cast<std::size_t>(label)];
            if ((x - c.x) * (x - c.x) + (y - c.y) * (y - c.y) > maxRadius * maxRadius) return;
        }
        state.at<int>(y, x) = kBlocked;  // queued: taken by this label
        queuedFor[static_cast<std::size_t>(y) * w + x] = label;
        const double v = (elevation.at<float>(y, x) - lo) * scale;
        const int level = v >= 0 && v < kLevels ? static_cast<int>(v) : (v >= kLevels ? kLevels - 1 : 0);
        queues[static_cast<std::size_t>(std::max(current, level))].push({x, y});
    };
    auto pushNeighbours = [&](cv::Point p, int label) {
        push(p.x - 1, p.y, label);
        push(p.x + 1, p.y, label);
        push(p.x, p.y - 1, label);
        push(p.x, p.y + 1, label);
    };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (const int l = state.at<int>(y, x); l > 0) pushNeighbours({x, y}, l);
    for (current = 0; current < kLevels; ++current) {
        auto& q = queues[static_cast<std::size_t>(current)];
        while (!q.empty()) {
            const cv::Point p = q.front();
            q.pop();
            const int label = queuedFor[static_cast<std::size_t>(p.y) * w + p.x];
            state.at<int>(p.y, p.x) = label;
            pushNeighbours(p, label);
        }
    }
    return cv::max(state, 0);
}

struct Scene {
    cv::Mat markers, elevation, allowed;
    std::vector<cv::Point2d> centres;
};

/// Random seeds (single pixels and small blocks), an elevation with many plateaus (few
/// distinct values, so FIFO order decides ties) and optionally a random allowed mask.
Scene randomScene(std::mt19937& rng, cv::Size size, int labels, int distinctElevations, bool mask) {
    Scene s;
    s.markers = cv::Mat::zeros(size, CV_32S);
    s.elevation.create(size, CV_32F);
    std::uniform_int_distribution<int> value(0, distinctElevations - 1);
    for (int y = 0; y < size.height; ++y)
        for (int x = 0; x < size.width; ++x)
            s.elevation.at<float>(y, x) = static_cast<float>(value(rng)) * 0.37f - 3.f;
    std::uniform_int_distribution<int> px(0, size.width - 1), py(0, size.height - 1), side(1, 3);
    s.centres.assign(static_cast<std::size_t>(labels) + 1, {});
    for (int l = 1; l <= labels; ++l) {
        const int x = px(rng), y = py(rng), b = side(rng);
        s.markers(cv::Rect(x, y, b, b) & cv::Rect({}, size)).setTo(l);
        s.centres[static_cast<std::size_t>(l)] = {x + 0.5 * (b - 1), y + 0.5 * (b - 1)};
    }
    if (mask) {
        s.allowed.create(size, CV_8U);
        std::bernoulli_distribution open(0.85);
        for (int y = 0; y < size.height; ++y)
            for (int x = 0; x < size.width; ++x) s.allowed.at<uchar>(y, x) = open(rng) ? 255 : 0;
    }
    return s;
}

void expectSameAsReference(const Scene& s, double maxRadius) {
    cv::Mat got = s.markers.clone();
    her2::imaging::floodWatershed(got, s.elevation, s.allowed, s.centres, maxRadius);
    const cv::Mat want = referenceFlood(s.markers, s.elevation, s.allowed, s.centres, maxRadius);
    ASSERT_EQ(cv::countNonZero(got != want), 0);
}

}  // namespace

TEST(Ihc_Watershed, matches_reference_on_random_images) {
    std::mt19937 rng(20240611);
    const std::array<cv::Size, 4> sizes{cv::Size(1, 1), cv::Size(7, 3), cv::Size(64, 48), cv::Size(151, 97)};
    for (const cv::Size size : sizes)
        for (const int distinct : {1, 3, 40, 5000})
            for (const bool mask : {false, true})
                for (const double radius : {0.0, 2.5, 9.0}) {
                    SCOPED_TRACE(::testing::Message() << size << " distinct " << distinct << " mask " << mask
                                                      << " radius " << radius);
                    const int labels = std::max(1, size.area() / 150);
                    expectSameAsReference(randomScene(rng, size, labels, distinct, mask), radius);
                }
}

TEST(Ihc_Watershed, reuses_buffers_across_sizes) {
    // A large image, then smaller ones, then a large one again: kept buffers hold stale
    // state from earlier calls that must not leak into later ones.
    std::mt19937 rng(7);
    for (const cv::Size size : {cv::Size(300, 200), cv::Size(20, 30), cv::Size(199, 301), cv::Size(300, 200)})
        expectSameAsReference(randomScene(rng, size, size.area() / 200, 50, true), 12.0);
}

TEST(Ihc_Watershed, ignores_non_positive_markers_and_submatrix_strides) {
    std::mt19937 rng(3);
    Scene s = randomScene(rng, {90, 70}, 30, 20, true);
    s.markers.at<int>(10, 10) = -5;
    const cv::Rect roi(5, 7, 61, 50);
    Scene sub{s.markers(roi).clone(), s.elevation(roi), s.allowed(roi), s.centres};
    for (auto& c : sub.centres) c -= cv::Point2d(roi.tl());
    expectSameAsReference(sub, 8.0);
    expectSameAsReference(sub, 0.0);
}

TEST(Ihc_ChamferDistance, matches_opencv_bit_for_bit) {
    std::mt19937 rng(11);
    const std::array<cv::Size, 6> sizes{cv::Size(1, 1),   cv::Size(5, 1),     cv::Size(1, 9),
                                        cv::Size(37, 23), cv::Size(640, 480), cv::Size(2100, 1900)};
    for (const cv::Size size : sizes)
        for (const double zeros : {0.0, 1e-5, 0.02, 0.5, 1.0}) {
            SCOPED_TRACE(::testing::Message() << size << " zeros " << zeros);
            cv::Mat src(size, CV_8U);
            std::bernoulli_distribution zero(zeros);
            for (int y = 0; y < size.height; ++y)
                for (int x = 0; x < size.width; ++x) src.at<uchar>(y, x) = zero(rng) ? 0 : 1 + x % 200;
            if (zeros > 0) src.at<uchar>(size.height / 3, size.width / 2) = 0;  // at least one
            cv::Mat want, got;
            cv::distanceTransform(src, want, cv::DIST_L2, cv::DIST_MASK_3);
            her2::imaging::detail::chamferDistanceL2Mask3(src, got);
            ASSERT_EQ(got.type(), CV_32F);
            ASSERT_EQ(got.size(), size);
            for (int y = 0; y < size.height; ++y)
                ASSERT_EQ(std::memcmp(got.ptr(y), want.ptr(y), size.width * sizeof(float)), 0) << "row " << y;
        }
}

TEST(Ihc_ChamferDistance, matches_opencv_on_drawn_shapes_and_submatrices) {
    cv::Mat big(300, 400, CV_8U, cv::Scalar(255));
    cv::RNG rng(5);
    for (int i = 0; i < 60; ++i)
        cv::circle(big, {rng.uniform(0, 400), rng.uniform(0, 300)}, rng.uniform(2, 12), cv::Scalar(0),
                   cv::FILLED);
    const cv::Mat src = big(cv::Rect(13, 7, 350, 280));
    cv::Mat want, got;
    cv::distanceTransform(src, want, cv::DIST_L2, cv::DIST_MASK_3);
    her2::imaging::detail::chamferDistanceL2Mask3(src, got);
    EXPECT_EQ(cv::countNonZero(got != want), 0);
    EXPECT_EQ(std::memcmp(got.data, want.data, want.total() * sizeof(float)), 0);
}

TEST(Ihc_Watershed, range_and_area_variant_matches_the_plain_flood) {
    // The variant with a caller's elevation range, a separate output and area counts gives
    // the same labels, and areas that count them.
    std::mt19937 rng(19);
    for (const double radius : {0.0, 9.0}) {
        const Scene s = randomScene(rng, {151, 97}, 60, 40, true);
        double lo = 0, hi = 0;
        cv::minMaxLoc(s.elevation, &lo, &hi);
        cv::Mat got;
        std::vector<int> area(61, 0);
        her2::imaging::detail::floodWatershed(s.markers, got, s.elevation, lo, hi, s.allowed, s.centres,
                                              radius, area.data());
        const cv::Mat want = referenceFlood(s.markers, s.elevation, s.allowed, s.centres, radius);
        ASSERT_EQ(cv::countNonZero(got != want), 0);
        for (int l = 1; l <= 60; ++l)
            EXPECT_EQ(area[static_cast<std::size_t>(l)], cv::countNonZero(want == l));
    }
}
