#pragma once
/// @file Synthetic HER2/CEP17 dual-probe FISH fields with exact per-nucleus truth, and the
/// demo set of phantom slides (IHC and FISH) used by `her2scope demo`.
///
/// Coordinates are pixels of the field; sizes in the spec are microns. Deterministic for
/// a seed. All functions are thread-safe (no shared state).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/core/FishTypes.hpp"
#include "her2/core/Geometry.hpp"
#include "her2/core/Progress.hpp"
#include "her2/core/ScoreReport.hpp"
#include "her2/imaging/IhcPhantom.hpp"

namespace her2::imaging {

/// Copies per nucleus: round(normal(mean, spread)) clamped to [minCopies, maxCopies].
struct CopyNumberSpec {
    double mean = 2;
    double spread = 0.6;
    int minCopies = 1;
    int maxCopies = 30;
};

struct FishPhantomSpec {
    std::uint64_t seed = 1;
    int width = 1024;             ///< px
    int height = 1024;            ///< px
    double mpp = 0.15;            ///< µm per px
    int nuclei = 45;              ///< nuclei placed (some may be cut by the edge)
    double nucleusDiameterUm = 10;  ///< mean, ellipse axes vary 8-12 µm
    CopyNumberSpec her2{2, 0.6};
    CopyNumberSpec cep17{2, 0.5};
    /// Fraction of nuclei whose HER2 signals include one cluster: a bright blob of
    /// clusterCopies overlapping spots, counted as that many copies.
    double clusterFraction = 0;
    int clusterCopiesMin = 8;
    int clusterCopiesMax = 16;
    double touchingFraction = 0.1;     ///< nuclei placed touching a neighbour (still countable)
    double overlappingFraction = 0.05; ///< nuclei placed overlapping a neighbour (not countable)
    double splitSignalFraction = 0;    ///< fraction of single signals drawn as a split pair (counts one)
    double spotSigmaUm = 0.2;          ///< Gaussian PSF sigma of a spot
    double spotMinDistanceUm = 1.6;    ///< minimum distance between distinct spots of a nucleus
    double background = 0.02;          ///< probe background, fraction of full scale
    double noiseSigma = 0.006;         ///< Gaussian noise, fraction of full scale (0: none)
    int bitDepth = 16;                 ///< 8 or 16
};

/// One spot as drawn. A split pair is two drawn spots with one id and copies 1 in total.
struct FishTruthSpot {
    double x = 0, y = 0;    ///< px
    core::FishChannel channel = core::FishChannel::Her2;
    int copies = 1;         ///< > 1 for a cluster
    bool cluster = false;
    bool split = false;     ///< drawn as two close halves
    std::int32_t nucleus = -1;
};

struct FishTruthNucleus {
    std::int32_t id = 0;           ///< reading order (top to bottom, then left to right)
    double x = 0, y = 0;           ///< centroid, px
    double semiMajorPx = 0, semiMinorPx = 0, angleRad = 0;
    std::vector<core::PointD> polygon;
    int her2Copies = 0;            ///< clusters counted as their copies
    int cep17Copies = 0;
    bool her2Cluster = false;
    bool touching = false;         ///< touches a neighbour; still countable
    bool overlapping = false;      ///< overlaps a neighbour: excluded
    bool edgeCut = false;          ///< cut by the field edge: excluded
    bool evaluable() const noexcept { return !overlapping && !edgeCut; }
};

/// Expected ISH result on the truth (core::scoreIsh, breast dual probe).
struct ExpectedIshScore {
    int nucleiCounted = 0;   ///< 0 in the spec of the count means all evaluable
    double meanHer2 = 0, meanCep17 = 0, ratio = 0;
    std::optional<int> group;
    core::Her2Status status = core::Her2Status::NotScorable;
};

struct FishPhantomTruth {
    std::string name;
    FishPhantomSpec spec;
    std::vector<FishTruthNucleus> nuclei;
    std::vector<FishTruthSpot> spots;
    ExpectedIshScore expectedAll;      ///< all evaluable nuclei
    ExpectedIshScore expectedFirst20;  ///< the first 20 evaluable nuclei in id order
};

/// The truth nuclei as core records (counts exact; overlapping → Overlapping, edge → EdgeCut).
std::vector<core::FishNucleus> truthFishNuclei(const FishPhantomTruth& truth);

/// Grey channels of a field: CV_16UC1 (or CV_8UC1 for bitDepth 8).
struct FishPhantomImages {
    cv::Mat dapi, her2, cep17;
    /// 8-bit RGB composite: DAPI blue, HER2 red, CEP17 green.
    cv::Mat composite() const;
};

class FishPhantom {
public:
    /// Lays out nuclei and spots. Throws core::ParameterError for an invalid spec.
    explicit FishPhantom(FishPhantomSpec spec);
    const FishPhantomSpec& spec() const noexcept { return m_truth.spec; }
    /// Truth with expected scores (calls core::scoreIsh).
    FishPhantomTruth truth(const std::string& name = {}) const;
    /// Renders the channels; noiseFree drops the sensor noise (same layout).
    FishPhantomImages render(bool noiseFree = false) const;

private:
    FishPhantomTruth m_truth;  ///< layout without expected scores
};

/// Paths written for one FISH field.
struct FishPhantomFiles {
    std::filesystem::path channels;   ///< "<base>.tif": pages DAPI, HER2, CEP17 (PageName), grey
    std::filesystem::path composite;  ///< "<base>-rgb.png"
    std::filesystem::path truth;      ///< "<base>.truth.json"
};

/// Writes the three files for `spec` under `base` (a path without extension).
FishPhantomFiles writeFishPhantom(const FishPhantomSpec& spec, const std::filesystem::path& base,
                                  const std::string& name = {});

/// Writes grey pages (CV_8UC1 or CV_16UC1, equal sizes) as a multi-page TIFF with a
/// PageName per page and resolution tags from mpp. Temp name, then rename.
void writeMultiPageTiff(const std::filesystem::path& path, const std::vector<cv::Mat>& pages,
                        const std::vector<std::string>& pageNames, double mpp);

void writeTruthJson(const FishPhantomTruth& truth, const std::filesystem::path& path);
FishPhantomTruth readFishTruthJson(const std::filesystem::path& path);

struct FishPhantomCase {
    std::string name;          ///< e.g. "fish-group1"
    std::string description;
    int intendedGroup = 5;     ///< ASCO/CAP dual-probe group 1-5
    FishPhantomSpec spec;
};

/// One case per ISH group 1-5 (>= 40 nuclei, 1024 x 1024 px at 0.15 µm), plus a
/// clustered amplified case.
std::vector<FishPhantomCase> standardFishCases();
std::optional<FishPhantomCase> findFishCase(const std::string& name);

/// Demo set: a few IHC slides of different scores (4000 x 4000 px) and FISH fields.
std::vector<IhcPhantomCase> demoIhcCases();
std::vector<FishPhantomCase> demoFishCases();

struct DemoItem {
    std::string name;
    core::Assay assay = core::Assay::Ihc;
    std::filesystem::path image;  ///< IHC: "<name>.tif"; FISH: "<name>.tif" (channels)
    std::filesystem::path truth;
    bool generated = false;       ///< false: an existing file with a valid truth was kept
};

/// Writes the demo set into outDir (created if needed), skipping items whose image exists
/// and whose truth JSON reads back. Throws core::InputError on write failure.
std::vector<DemoItem> generateDemoSet(const std::filesystem::path& outDir, core::ProgressSink* progress = nullptr,
                                      int threads = 2);

}  // namespace her2::imaging
