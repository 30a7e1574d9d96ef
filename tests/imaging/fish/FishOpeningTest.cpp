// The probe background's grey opening against OpenCV's, value for value.
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "fish/FishDetail.hpp"

namespace {

cv::Mat randomImage(int rows, int cols, unsigned seed) {
    cv::Mat m(rows, cols, CV_32F);
    cv::RNG rng(seed);
    rng.fill(m, cv::RNG::UNIFORM, 0.0, 1.0);
    // Plateaus and ties as well as noise: a quantised copy in one corner.
    const cv::Rect corner(0, 0, (cols + 1) / 2, (rows + 1) / 2);
    cv::Mat q = m(corner) * 8;
    q.convertTo(q, CV_32S);
    q.convertTo(m(corner), CV_32F, 1.0 / 8);
    return m;
}

void expectSameAsOpenCv(const cv::Mat& src, const cv::Mat& element, const std::string& what) {
    cv::Mat want, got;
    cv::morphologyEx(src, want, cv::MORPH_OPEN, element, cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
    her2::imaging::fish::openBySymmetricRuns(src, got, element);
    ASSERT_EQ(got.size(), want.size()) << what;
    ASSERT_EQ(got.type(), want.type()) << what;
    EXPECT_EQ(cv::countNonZero(got != want), 0) << what;
}

}  // namespace

TEST(FishOpening, ellipses_match_opencv_on_random_images_of_any_shape) {
    unsigned seed = 1;
    for (const cv::Size size :
         {cv::Size(97, 61), cv::Size(1, 40), cv::Size(40, 1), cv::Size(2, 2), cv::Size(7, 300)})
        for (int r = 1; r <= 7; ++r) {
            const cv::Mat element =
                cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 1, 2 * r + 1));
            expectSameAsOpenCv(randomImage(size.height, size.width, seed++), element,
                               "ellipse r " + std::to_string(r) + " on " + std::to_string(size.width) + "x" +
                                   std::to_string(size.height));
        }
}

TEST(FishOpening, other_elements_match_opencv) {
    const cv::Mat src = randomImage(50, 70, 99);
    expectSameAsOpenCv(src, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(5, 3)), "rect 5x3");
    expectSameAsOpenCv(src, cv::getStructuringElement(cv::MORPH_CROSS, cv::Size(7, 7)), "cross 7");
    expectSameAsOpenCv(src, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(9, 5)), "ellipse 9x5");
    // An empty row is skipped; rows that are not centred runs and an even size go to OpenCV.
    cv::Mat lopsided = (cv::Mat_<unsigned char>(3, 3) << 1, 1, 0, 0, 1, 1, 1, 0, 1);
    expectSameAsOpenCv(src, lopsided, "lopsided");
    cv::Mat gap = (cv::Mat_<unsigned char>(3, 3) << 0, 0, 0, 1, 1, 1, 0, 1, 0);
    expectSameAsOpenCv(src, gap, "empty top row");
    expectSameAsOpenCv(src, cv::Mat::ones(4, 4, CV_8U), "even");
}
