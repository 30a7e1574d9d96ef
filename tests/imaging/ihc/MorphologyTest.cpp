// The fast grey reconstruction and hole filling against their definitions.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "ImagingTestUtil.hpp"
#include "ihc/Morphology.hpp"

using her2test::maxAbsDiff;

namespace {

cv::Mat reconstructByIteration(const cv::Mat& marker, const cv::Mat& mask) {
    cv::Mat cur = cv::min(marker, mask), next;
    const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3));
    for (;;) {
        cv::dilate(cur, next, kernel);
        next = cv::min(next, mask);
        if (cv::countNonZero(next != cur) == 0) return next;
        std::swap(cur, next);
    }
}

}  // namespace

TEST(Morphology, reconstruction_equals_iterated_dilation_on_random_images) {
    cv::RNG rng(7);
    for (const cv::Size size :
         {cv::Size(1, 1), cv::Size(1, 37), cv::Size(41, 1), cv::Size(64, 48), cv::Size(97, 131)}) {
        for (int trial = 0; trial < 4; ++trial) {
            cv::Mat mask(size, CV_32F), marker(size, CV_32F);
            rng.fill(mask, cv::RNG::UNIFORM, 0.0, 10.0);
            cv::GaussianBlur(mask, mask, cv::Size(), 1.5 + trial);  // domes and valleys
            marker = mask - 0.8f;
            if (trial % 2) rng.fill(marker, cv::RNG::UNIFORM, 0.0, 10.0);  // marker above the mask too
            const cv::Mat fast = her2::imaging::detail::reconstructByDilation(marker, mask);
            const cv::Mat slow = reconstructByIteration(marker, mask);
            EXPECT_EQ(maxAbsDiff(fast, slow), 0.0) << size << " trial " << trial;
        }
    }
}

TEST(Morphology, reconstruction_of_the_lowered_mask_equals_reconstruction_of_mask_minus_depth) {
    cv::RNG rng(9);
    cv::Mat mask(53, 71, CV_32F);
    rng.fill(mask, cv::RNG::UNIFORM, 0.0, 10.0);
    cv::GaussianBlur(mask, mask, cv::Size(), 2.0);
    for (const float depth : {0.3f, 1.2f, 4.0f}) {
        const cv::Mat lowered = mask - depth;
        const cv::Mat fast = her2::imaging::detail::reconstructByDilation(mask, depth);
        const cv::Mat slow = her2::imaging::detail::reconstructByDilation(lowered, mask);
        EXPECT_EQ(std::memcmp(fast.clone().data, slow.clone().data, mask.total() * sizeof(float)), 0)
            << depth;
    }
}

TEST(Morphology, reconstruction_floods_a_spiral_along_its_whole_length) {
    // A one-pixel corridor winding over the image: the worst case for a raster pass; the
    // queue must carry the marker to its far end.
    cv::Mat mask(60, 60, CV_32F, cv::Scalar(0));
    for (int r = 0; r < 14; ++r) cv::rectangle(mask, cv::Rect(2 * r, 2 * r, 60 - 4 * r, 60 - 4 * r), 5.0f, 1);
    for (int r = 0; r + 1 < 14; ++r) {  // links between rings, on alternate corners
        const int k = r % 2 ? 58 - 2 * r : 2 * r + 1;
        mask.at<float>(k, k) = 5.0f;
    }
    cv::Mat marker(mask.size(), CV_32F, cv::Scalar(0));
    marker.at<float>(0, 59) = 5.0f;
    const cv::Mat fast = her2::imaging::detail::reconstructByDilation(marker, mask);
    EXPECT_EQ(maxAbsDiff(fast, reconstructByIteration(marker, mask)), 0.0);
    EXPECT_EQ(fast.at<float>(26, 26), 5.0f);  // the innermost ring
}

namespace {

// Hole filling by its definition: label every 4-connected background component and fill the
// small ones whose bounding box stays off the image border.
void fillHolesByLabelling(cv::Mat& mask, double maxHoleArea) {
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(mask == 0, labels, stats, centroids, 4, CV_32S);
    for (int i = 1; i < n; ++i) {
        const cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                           stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
        const bool border = box.x == 0 || box.y == 0 || box.br().x == mask.cols || box.br().y == mask.rows;
        if (!border && stats.at<int>(i, cv::CC_STAT_AREA) < maxHoleArea) mask.setTo(255, labels == i);
    }
}

}  // namespace

TEST(Morphology, hole_filling_equals_labelling_on_random_masks) {
    cv::RNG rng(11);
    for (const cv::Size size : {cv::Size(1, 1), cv::Size(1, 23), cv::Size(29, 1), cv::Size(3, 3),
                                cv::Size(64, 48), cv::Size(131, 97)}) {
        for (int trial = 0; trial < 6; ++trial) {
            cv::Mat noise(size, CV_32F);
            rng.fill(noise, cv::RNG::UNIFORM, 0.0, 1.0);
            if (trial >= 2) cv::GaussianBlur(noise, noise, cv::Size(), 0.5 * trial);  // blobs with holes
            const cv::Mat mask = noise > (trial % 2 ? 0.45 : 0.55);
            for (const double maxArea : {0.0, 2.0, 9.0, 1e9}) {
                cv::Mat fast = mask.clone(), slow = mask.clone();
                her2::imaging::detail::fillHoles(fast, maxArea);
                fillHolesByLabelling(slow, maxArea);
                EXPECT_EQ(cv::countNonZero(fast != slow), 0)
                    << size << " trial " << trial << " area " << maxArea;
            }
        }
    }
}

TEST(Morphology, hole_filling_keeps_background_that_reaches_the_border) {
    // A ring with a gap to the border is a bay, not a hole; a closed ring's inside is a hole.
    cv::Mat mask(20, 40, CV_8U, cv::Scalar(0));
    cv::rectangle(mask, cv::Rect(2, 2, 10, 10), 255, 1);
    cv::rectangle(mask, cv::Rect(26, 2, 10, 10), 255, 1);
    mask.at<unsigned char>(6, 35) = 0;  // gap in the second ring, facing the right border
    her2::imaging::detail::fillHoles(mask, 1000);
    EXPECT_EQ(mask.at<unsigned char>(6, 6), 255);
    EXPECT_EQ(mask.at<unsigned char>(6, 30), 0);
}

TEST(Morphology, outer_contour_equals_find_contours_on_each_label) {
    // Labels of 8-connected blobs (with holes, spurs, one-pixel regions and regions on the
    // image border), neighbouring each other: the border followed on the label image must be
    // findContours' external contour of that label's mask, point for point.
    cv::RNG rng(13);
    std::vector<cv::Point> contour;
    for (const cv::Size size : {cv::Size(1, 1), cv::Size(1, 19), cv::Size(23, 1), cv::Size(5, 4),
                                cv::Size(64, 48), cv::Size(131, 97)}) {
        for (int trial = 0; trial < 6; ++trial) {
            cv::Mat noise(size, CV_32F);
            rng.fill(noise, cv::RNG::UNIFORM, 0.0, 1.0);
            if (trial >= 2) cv::GaussianBlur(noise, noise, cv::Size(), 0.4 * trial);
            cv::Mat labels;
            const int n = cv::connectedComponents(noise > (trial % 2 ? 0.4 : 0.55), labels, 8, CV_32S);
            std::vector<int> first(static_cast<std::size_t>(n), -1);
            for (int i = static_cast<int>(labels.total()) - 1; i >= 0; --i)
                first[static_cast<std::size_t>(labels.at<int>(i / size.width, i % size.width))] = i;
            for (int l = 1; l < n; ++l) {
                std::vector<std::vector<cv::Point>> expected;
                cv::findContours(labels == l, expected, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
                ASSERT_EQ(expected.size(), 1u);
                const int f = first[static_cast<std::size_t>(l)];
                her2::imaging::detail::outerContour(labels, l, {f % size.width, f / size.width}, contour);
                EXPECT_EQ(contour, expected[0]) << size << " trial " << trial << " label " << l;
            }
        }
    }
}

TEST(Morphology, precise_distance_equals_opencv_on_random_masks) {
    // Sparse and dense blobs, masks without zeros in some rows or columns, and all-zero and
    // all-nonzero masks: bit-identical to cv::distanceTransform(DIST_L2, DIST_MASK_PRECISE).
    cv::RNG rng(17);
    for (const cv::Size size : {cv::Size(1, 1), cv::Size(1, 29), cv::Size(31, 1), cv::Size(3, 3),
                                cv::Size(64, 48), cv::Size(131, 97), cv::Size(608, 608)}) {
        for (int trial = 0; trial < 8; ++trial) {
            cv::Mat noise(size, CV_32F);
            rng.fill(noise, cv::RNG::UNIFORM, 0.0, 1.0);
            if (trial >= 2) cv::GaussianBlur(noise, noise, cv::Size(), 0.7 * trial);
            const double level = trial == 6 ? -1.0 : trial == 7 ? 2.0 : (trial % 2 ? 0.4 : 0.55);
            cv::Mat mask = noise > level;
            if (trial == 5 && size.width > 2) mask.col(size.width / 2).setTo(255);  // a column with no zero
            cv::Mat fast, slow;
            her2::imaging::detail::distanceTransformPrecise(mask, fast);
            cv::distanceTransform(mask, slow, cv::DIST_L2, cv::DIST_MASK_PRECISE);
            ASSERT_EQ(fast.type(), CV_32F);
            EXPECT_EQ(std::memcmp(fast.data, slow.data, fast.total() * sizeof(float)), 0)
                << size << " trial " << trial << " max diff " << maxAbsDiff(fast, slow);
        }
    }
}

TEST(Morphology, rectangle_opening_equals_opencv_on_random_images) {
    cv::RNG rng(19);
    for (const cv::Size size : {cv::Size(1, 1), cv::Size(1, 40), cv::Size(45, 1), cv::Size(7, 5),
                                cv::Size(64, 48), cv::Size(131, 97), cv::Size(608, 608)}) {
        for (const int radius : {0, 1, 2, 5, 16, 40}) {
            cv::Mat src(size, CV_32F);
            rng.fill(src, cv::RNG::UNIFORM, -3.0, 10.0);
            if (radius % 2) cv::GaussianBlur(src, src, cv::Size(), 2.0);
            cv::Mat fast, slow;
            her2::imaging::detail::openRect(src, fast, radius);
            cv::morphologyEx(
                src, slow, cv::MORPH_OPEN,
                cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * radius + 1, 2 * radius + 1)));
            ASSERT_EQ(fast.size(), slow.size());
            EXPECT_EQ(std::memcmp(fast.data, slow.data, fast.total() * sizeof(float)), 0)
                << size << " radius " << radius << " max diff " << maxAbsDiff(fast, slow);
        }
    }
}

TEST(Morphology, min_max_fold_equals_min_max_loc_and_skips_nan) {
    cv::RNG rng(11);
    for (int n = 0; n < 40; ++n) {
        cv::Mat row(1, std::max(n, 1), CV_32F);
        rng.fill(row, cv::RNG::UNIFORM, -2.0, 3.0);
        // A NaN in every vector lane position at some length, and the running values kept.
        if (n >= 6) row.at<float>(0, n % 6) = std::numeric_limits<float>::quiet_NaN();
        float lo = std::numeric_limits<float>::infinity(), hi = -lo;
        her2::imaging::detail::foldMinMax(row.ptr<float>(), n, lo, hi);
        float wantLo = std::numeric_limits<float>::infinity(), wantHi = -wantLo;
        for (int x = 0; x < n; ++x) {
            const float v = row.at<float>(0, x);
            if (std::isnan(v)) continue;
            wantLo = std::min(wantLo, v);
            wantHi = std::max(wantHi, v);
        }
        EXPECT_EQ(lo, wantLo) << "n " << n;
        EXPECT_EQ(hi, wantHi) << "n " << n;
    }
}

TEST(Morphology, clear_radius_equals_the_nearest_other_pixel) {
    // Blobs of labels, centres inside and outside their label and near the image border:
    // the clear radius is the distance to the nearest pixel of another label or off the
    // image (a frame of such pixels around it), whenever that lies within reach.
    cv::RNG rng(29);
    for (const cv::Size size : {cv::Size(1, 1), cv::Size(7, 3), cv::Size(40, 33), cv::Size(97, 61)}) {
        for (int trial = 0; trial < 4; ++trial) {
            cv::Mat noise(size, CV_32F);
            rng.fill(noise, cv::RNG::UNIFORM, 0.0, 1.0);
            cv::GaussianBlur(noise, noise, cv::Size(), 0.8 + trial);
            cv::Mat labels;
            const int n = cv::connectedComponents(noise > 0.5, labels, 8, CV_32S);
            for (int k = 0; k < 40; ++k) {
                const cv::Point2d c(rng.uniform(-0.5, size.width - 0.5),
                                    rng.uniform(-0.5, size.height - 0.5));
                const int label = rng.uniform(0, n);
                const double reach = rng.uniform(0.0, 30.0);
                double want2 = std::numeric_limits<double>::infinity();
                const int frame = 40;
                for (int y = -frame; y < size.height + frame; ++y)
                    for (int x = -frame; x < size.width + frame; ++x) {
                        const bool inside = x >= 0 && y >= 0 && x < size.width && y < size.height;
                        if (inside && labels.at<int>(y, x) == label) continue;
                        want2 = std::min(want2, (x - c.x) * (x - c.x) + (y - c.y) * (y - c.y));
                    }
                const double want = std::sqrt(want2);
                const double got = her2::imaging::detail::clearRadius(labels, label, c, reach);
                if (want <= reach)
                    EXPECT_EQ(got, want)
                        << size << " centre " << c << " label " << label << " reach " << reach;
                else
                    EXPECT_GT(got, reach) << size << " centre " << c << " label " << label;
            }
        }
    }
}
