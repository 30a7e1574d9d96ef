// The fast grey reconstruction against the definition: dilate under the mask until stable.
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
