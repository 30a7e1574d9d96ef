// FISH field analysis does not depend on how the field lies in memory or where a signal
// falls in the rows the spot detection processes together.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "FishTestUtil.hpp"
#include "phantom/FishPhantomDetail.hpp"

using namespace her2::imaging;
using her2::core::NucleusExclusion;
using her2::imaging::detail::addSpot;
using her2test::fish::analyse;

namespace {

void expectSameResult(const FishResult& a, const FishResult& b) {
    EXPECT_EQ(a.notScorableReason, b.notScorableReason);
    EXPECT_EQ(a.singleSpotIntensity, b.singleSpotIntensity);
    ASSERT_EQ(a.nuclei.size(), b.nuclei.size());
    for (std::size_t i = 0; i < a.nuclei.size(); ++i) {
        const auto &p = a.nuclei[i], &q = b.nuclei[i];
        EXPECT_EQ(p.x, q.x) << "nucleus " << i;
        EXPECT_EQ(p.y, q.y) << "nucleus " << i;
        EXPECT_EQ(p.exclusion, q.exclusion) << "nucleus " << i;
        EXPECT_EQ(p.her2Count, q.her2Count) << "nucleus " << i;
        EXPECT_EQ(p.cep17Count, q.cep17Count) << "nucleus " << i;
    }
    ASSERT_EQ(a.spots.size(), b.spots.size());
    for (std::size_t i = 0; i < a.spots.size(); ++i) {
        const auto &p = a.spots[i], &q = b.spots[i];
        EXPECT_EQ(p.x, q.x) << "spot " << i;
        EXPECT_EQ(p.y, q.y) << "spot " << i;
        EXPECT_EQ(p.copies, q.copies) << "spot " << i;
        EXPECT_EQ(p.intensity, q.intensity) << "spot " << i;
        EXPECT_EQ(p.nucleus, q.nucleus) << "spot " << i;
    }
}

cv::Mat toSixteenBit(const cv::Mat& f, cv::RNG& rng) {
    cv::Mat noise(f.size(), CV_32F);
    rng.fill(noise, cv::RNG::NORMAL, 0.0, 0.006);
    cv::Mat out;
    cv::Mat(f + noise).convertTo(out, CV_16U, 65535.0);
    return out;
}

}  // namespace

TEST(FishAnalysis, FieldViewMatchesItsCopy) {
    // A region of a larger image (rows with a stride, pixels outside that must not be read)
    // gives the same result as the same pixels on their own.
    FishPhantomSpec s;
    s.seed = 41;
    s.width = 900;
    s.height = 700;
    s.nuclei = 30;
    s.clusterFraction = 0.3;
    s.her2 = {5, 1.5, 1, 10};
    const FishPhantomImages img = FishPhantom(s).render();
    const cv::Rect roi(13, 7, 811, 650);
    FishPhantomImages view{img.dapi(roi), img.her2(roi), img.cep17(roi)};
    FishPhantomImages copy{view.dapi.clone(), view.her2.clone(), view.cep17.clone()};
    ASSERT_FALSE(view.dapi.isContinuous());
    const FishResult a = analyse(view, s.mpp);
    const FishResult b = analyse(copy, s.mpp);
    ASSERT_TRUE(a.notScorableReason.empty()) << a.notScorableReason;
    ASSERT_GE(a.nuclei.size(), 10u);
    expectSameResult(a, b);
}

TEST(FishSpots, SignalsOnAnyRowAreCounted) {
    // Spots on the first rows of 64-row blocks and on the rows just before them, where the
    // detection joins the blocks it filters, and elsewhere: each is counted once.
    const double mpp = 0.15, psf = 0.2 / mpp;
    const cv::Size size(256, 256);
    cv::Mat dapi(size, CV_32F, cv::Scalar(0.02)), her2(size, CV_32F, cv::Scalar(0.02)),
        cep17(size, CV_32F, cv::Scalar(0.02));
    cv::circle(dapi, {70, 64}, 40, cv::Scalar(0.4), cv::FILLED);
    cv::circle(dapi, {180, 128}, 40, cv::Scalar(0.4), cv::FILLED);
    for (auto [x, y] : {std::pair{55.0, 63.0}, {85.0, 64.0}, {70.0, 40.3}}) addSpot(her2, x, y, psf, 0.3);
    for (auto [x, y] : {std::pair{60.0, 80.0}, {82.0, 64.5}}) addSpot(cep17, x, y, psf, 0.3);
    for (auto [x, y] : {std::pair{165.0, 127.0}, {195.0, 128.0}, {180.0, 150.5}})
        addSpot(her2, x, y, psf, 0.3);
    for (auto [x, y] : {std::pair{180.0, 111.0}, {168.0, 142.0}}) addSpot(cep17, x, y, psf, 0.3);
    cv::RNG rng(7);
    const FishPhantomImages img{toSixteenBit(dapi, rng), toSixteenBit(her2, rng), toSixteenBit(cep17, rng)};
    const FishResult r = analyse(img, mpp);
    ASSERT_TRUE(r.notScorableReason.empty()) << r.notScorableReason;
    ASSERT_EQ(r.nuclei.size(), 2u);
    for (const auto& n : r.nuclei) {
        EXPECT_EQ(n.exclusion, NucleusExclusion::None);
        EXPECT_EQ(n.her2Count, 3) << "nucleus at " << n.x << ", " << n.y;
        EXPECT_EQ(n.cep17Count, 2) << "nucleus at " << n.x << ", " << n.y;
    }
}
