// The FISH phantom: determinism, truth against pixels, intended groups, files.
#include <gtest/gtest.h>

#include <map>

#include <opencv2/imgcodecs.hpp>

#include "FishTestUtil.hpp"
#include "her2/core/Errors.hpp"
#include "her2/imaging/SlideSource.hpp"

using namespace her2::imaging;
using her2::core::FishChannel;
using her2test::maxAbsDiff;
using her2test::TempDir;

namespace {

FishPhantomSpec smallSpec(std::uint64_t seed) {
    FishPhantomSpec s;
    s.seed = seed;
    s.width = 512;
    s.height = 512;
    s.nuclei = 12;
    s.her2 = {5, 1, 2, 8};
    s.clusterFraction = 0.3;
    s.splitSignalFraction = 0.2;
    return s;
}

}  // namespace

TEST(FishPhantom, DeterministicForASeed) {
    const FishPhantom a(smallSpec(7)), b(smallSpec(7)), c(smallSpec(8));
    const FishPhantomImages ia = a.render(), ib = b.render(), ic = c.render();
    EXPECT_EQ(maxAbsDiff(ia.dapi, ib.dapi), 0);
    EXPECT_EQ(maxAbsDiff(ia.her2, ib.her2), 0);
    EXPECT_EQ(maxAbsDiff(ia.cep17, ib.cep17), 0);
    EXPECT_GT(maxAbsDiff(ia.her2, ic.her2), 0);
    const FishPhantomTruth ta = a.truth("x"), tb = b.truth("x");
    ASSERT_EQ(ta.nuclei.size(), tb.nuclei.size());
    for (std::size_t i = 0; i < ta.nuclei.size(); ++i) {
        EXPECT_EQ(ta.nuclei[i].x, tb.nuclei[i].x);
        EXPECT_EQ(ta.nuclei[i].her2Copies, tb.nuclei[i].her2Copies);
    }
    EXPECT_EQ(ia.dapi.type(), CV_16UC1);
}

TEST(FishPhantom, RejectsInvalidSpec) {
    FishPhantomSpec s = smallSpec(1);
    s.bitDepth = 12;
    EXPECT_THROW(FishPhantom{s}, her2::core::ParameterError);
    s = smallSpec(1);
    s.mpp = 0;
    EXPECT_THROW(FishPhantom{s}, her2::core::ParameterError);
}

TEST(FishPhantom, TruthAgreesWithPixels) {
    const FishPhantom p(smallSpec(11));
    const FishPhantomTruth t = p.truth();
    const FishPhantomImages img = p.render(/*noiseFree=*/true);
    const double full = 65535, bg = t.spec.background * full;
    ASSERT_FALSE(t.nuclei.empty());
    // Reading order and copy sums.
    std::map<int, int> her2, cep17;
    for (const FishTruthSpot& s : t.spots) {
        ASSERT_GE(s.nucleus, 0);
        (s.channel == FishChannel::Her2 ? her2 : cep17)[s.nucleus] += s.copies;
        const cv::Mat& m = s.channel == FishChannel::Her2 ? img.her2 : img.cep17;
        const int x = static_cast<int>(std::lround(s.x)), y = static_cast<int>(std::lround(s.y));
        if (x < 0 || y < 0 || x >= m.cols || y >= m.rows) continue;
        // Every drawn signal stands well above the probe background where the truth puts it.
        EXPECT_GT(m.at<std::uint16_t>(y, x), bg + 0.04 * full) << "spot at " << s.x << "," << s.y;
    }
    for (std::size_t i = 0; i < t.nuclei.size(); ++i) {
        const FishTruthNucleus& n = t.nuclei[i];
        EXPECT_EQ(n.id, static_cast<int>(i));
        if (i > 0) {
            EXPECT_GE(n.y, t.nuclei[i - 1].y);
        }
        EXPECT_EQ(her2[n.id], n.her2Copies);
        EXPECT_EQ(cep17[n.id], n.cep17Copies);
        EXPECT_GE(n.her2Copies, 1);
        const int x = static_cast<int>(std::lround(n.x)), y = static_cast<int>(std::lround(n.y));
        if (x >= 0 && y >= 0 && x < img.dapi.cols && y < img.dapi.rows) {
            EXPECT_GT(img.dapi.at<std::uint16_t>(y, x), bg + 0.2 * full);
        }
        // Edge-cut flags match the outline leaving the field.
        bool outside = false;
        for (const auto& q : n.polygon) outside = outside || q.x < 0 || q.y < 0 || q.x > 512 || q.y > 512;
        EXPECT_EQ(outside, n.edgeCut);
    }
    // Glass far from every nucleus is background.
    const auto nuclei = truthFishNuclei(t);
    EXPECT_EQ(nuclei.size(), t.nuclei.size());
}

TEST(FishPhantom, StandardCasesHaveTheirGroup) {
    const auto cases = standardFishCases();
    ASSERT_GE(cases.size(), 6u);
    std::set<int> groups;
    for (const FishPhantomCase& c : cases) {
        const FishPhantomTruth t = FishPhantom(c.spec).truth(c.name);
        ASSERT_TRUE(t.expectedAll.group.has_value()) << c.name;
        EXPECT_EQ(*t.expectedAll.group, c.intendedGroup)
            << c.name << " ratio " << t.expectedAll.ratio << " her2 " << t.expectedAll.meanHer2;
        ASSERT_TRUE(t.expectedFirst20.group.has_value()) << c.name;
        EXPECT_EQ(*t.expectedFirst20.group, c.intendedGroup) << c.name;
        EXPECT_EQ(t.expectedFirst20.nucleiCounted, 20);
        EXPECT_GE(t.expectedAll.nucleiCounted, 25) << c.name;
        groups.insert(c.intendedGroup);
        int touching = 0, overlapping = 0, edge = 0;
        for (const auto& n : t.nuclei)
            touching += n.touching, overlapping += n.overlapping, edge += n.edgeCut;
        EXPECT_GT(touching, 0) << c.name;
        EXPECT_GT(overlapping, 0) << c.name;
        EXPECT_GT(edge, 0) << c.name;
    }
    EXPECT_EQ(groups, (std::set<int>{1, 2, 3, 4, 5}));
    EXPECT_TRUE(findFishCase("fish-group3").has_value());
    EXPECT_FALSE(findFishCase("nope").has_value());
}

TEST(FishPhantom, FilesRoundTrip) {
    TempDir dir("fish-files");
    const FishPhantomSpec spec = smallSpec(5);
    const FishPhantomFiles f = writeFishPhantom(spec, dir.path() / "case", "case");
    ASSERT_TRUE(std::filesystem::exists(f.channels));
    ASSERT_TRUE(std::filesystem::exists(f.composite));
    const FishPhantomTruth back = readFishTruthJson(f.truth);
    const FishPhantomTruth t = FishPhantom(spec).truth("case");
    EXPECT_EQ(back.name, "case");
    ASSERT_EQ(back.nuclei.size(), t.nuclei.size());
    ASSERT_EQ(back.spots.size(), t.spots.size());
    EXPECT_EQ(back.expectedAll.group, t.expectedAll.group);
    EXPECT_DOUBLE_EQ(back.expectedAll.ratio, t.expectedAll.ratio);
    EXPECT_EQ(back.spec.seed, spec.seed);

    // The channel TIFF reads back as a three-channel fluorescence source with the pixels.
    auto src = openSlide(f.channels);
    EXPECT_EQ(src->kind(), ImageKind::Fluorescence);
    EXPECT_EQ(src->channelNames(), (std::vector<std::string>{"DAPI", "HER2", "CEP17"}));
    EXPECT_NEAR(src->calibration().mpp(), spec.mpp, 1e-6);
    const auto ch = src->readChannels({0, 0, spec.width, spec.height}, 0);
    const FishPhantomImages img = FishPhantom(spec).render();
    ASSERT_EQ(ch.size(), 3u);
    EXPECT_EQ(maxAbsDiff(ch[1], img.her2), 0);
    // Writing never touches the caller's pixels (libtiff's predictor works in place).
    const cv::Mat before = img.her2.clone();
    writeMultiPageTiff(dir.path() / "again.tif", {img.dapi, img.her2}, {"DAPI", "HER2"}, spec.mpp);
    EXPECT_EQ(maxAbsDiff(before, img.her2), 0);
    const cv::Mat png = cv::imread(f.composite.string(), cv::IMREAD_COLOR);
    ASSERT_EQ(png.type(), CV_8UC3);
    EXPECT_THROW(readFishTruthJson(dir.path() / "missing.json"), her2::core::InputError);
}
