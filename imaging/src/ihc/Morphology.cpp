#include "ihc/Morphology.hpp"

#include <vector>

#include <opencv2/imgproc.hpp>

namespace her2::imaging::detail {

cv::Mat reconstructByDilation(const cv::Mat& marker, const cv::Mat& mask) {
    cv::Mat cur = cv::min(marker, mask);
    cv::Mat next;
    const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3));
    for (int it = 0; it < 10000; ++it) {
        cv::dilate(cur, next, kernel);
        next = cv::min(next, mask);
        if (cv::countNonZero(next != cur) == 0) break;
        std::swap(cur, next);
    }
    return next;
}

void fillHoles(cv::Mat& mask, double maxHoleArea) {
    cv::Mat inv = mask == 0;
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(inv, labels, stats, centroids, 4, CV_32S);
    std::vector<unsigned char> fill(static_cast<std::size_t>(n), 0);
    for (int i = 1; i < n; ++i) {
        const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
        const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
        const bool border = x == 0 || y == 0 || x + w == mask.cols || y + h == mask.rows;
        fill[i] = !border && stats.at<int>(i, cv::CC_STAT_AREA) < maxHoleArea;
    }
    for (int y = 0; y < mask.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        unsigned char* m = mask.ptr<unsigned char>(y);
        for (int x = 0; x < mask.cols; ++x)
            if (l[x] > 0 && fill[l[x]]) m[x] = 255;
    }
}

}  // namespace her2::imaging::detail
