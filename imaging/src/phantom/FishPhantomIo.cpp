// FISH phantom: multi-page TIFF, composite, truth JSON, and the standard cases.
#include <unistd.h>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "her2/core/Errors.hpp"
#include "her2/core/JsonText.hpp"
#include "her2/imaging/AtomicFile.hpp"
#include "her2/imaging/FishPhantom.hpp"
#include "phantom/TiffHandle.hpp"

namespace her2::imaging {

namespace {

using Json = nlohmann::json;
constexpr const char* kTruthFormat = "her2scope-fish-phantom-truth";

std::filesystem::path partialName(const std::filesystem::path& target) {
    static std::atomic<unsigned> counter{0};
    std::string name = ".";
    name.append(target.filename().string()).append(".").append(std::to_string(::getpid()));
    name.append("-").append(std::to_string(counter++)).append(".partial");
    return target.parent_path() / name;
}

Json copiesJson(const CopyNumberSpec& c) {
    return {{"mean", c.mean}, {"spread", c.spread}, {"min", c.minCopies}, {"max", c.maxCopies}};
}
CopyNumberSpec copiesFrom(const Json& j) {
    CopyNumberSpec c;
    c.mean = j.at("mean").get<double>();
    c.spread = j.at("spread").get<double>();
    c.minCopies = j.at("min").get<int>();
    c.maxCopies = j.at("max").get<int>();
    return c;
}

Json specJson(const FishPhantomSpec& s) {
    return {{"seed", s.seed},
            {"width", s.width},
            {"height", s.height},
            {"mpp", s.mpp},
            {"nuclei", s.nuclei},
            {"nucleus_diameter_um", s.nucleusDiameterUm},
            {"her2", copiesJson(s.her2)},
            {"cep17", copiesJson(s.cep17)},
            {"cluster_fraction", s.clusterFraction},
            {"cluster_copies_min", s.clusterCopiesMin},
            {"cluster_copies_max", s.clusterCopiesMax},
            {"touching_fraction", s.touchingFraction},
            {"overlapping_fraction", s.overlappingFraction},
            {"split_signal_fraction", s.splitSignalFraction},
            {"spot_sigma_um", s.spotSigmaUm},
            {"spot_min_distance_um", s.spotMinDistanceUm},
            {"background", s.background},
            {"noise_sigma", s.noiseSigma},
            {"bit_depth", s.bitDepth}};
}

FishPhantomSpec specFrom(const Json& j) {
    FishPhantomSpec s;
    s.seed = j.at("seed").get<std::uint64_t>();
    s.width = j.at("width").get<int>();
    s.height = j.at("height").get<int>();
    s.mpp = j.at("mpp").get<double>();
    s.nuclei = j.at("nuclei").get<int>();
    s.nucleusDiameterUm = j.at("nucleus_diameter_um").get<double>();
    s.her2 = copiesFrom(j.at("her2"));
    s.cep17 = copiesFrom(j.at("cep17"));
    s.clusterFraction = j.at("cluster_fraction").get<double>();
    s.clusterCopiesMin = j.at("cluster_copies_min").get<int>();
    s.clusterCopiesMax = j.at("cluster_copies_max").get<int>();
    s.touchingFraction = j.at("touching_fraction").get<double>();
    s.overlappingFraction = j.at("overlapping_fraction").get<double>();
    s.splitSignalFraction = j.at("split_signal_fraction").get<double>();
    s.spotSigmaUm = j.at("spot_sigma_um").get<double>();
    s.spotMinDistanceUm = j.at("spot_min_distance_um").get<double>();
    s.background = j.at("background").get<double>();
    s.noiseSigma = j.at("noise_sigma").get<double>();
    s.bitDepth = j.at("bit_depth").get<int>();
    return s;
}

Json expectedJson(const ExpectedIshScore& e) {
    Json j = {{"nuclei_counted", e.nucleiCounted},
              {"mean_her2", e.meanHer2},
              {"mean_cep17", e.meanCep17},
              {"ratio", e.ratio},
              {"status", std::string(core::toString(e.status))}};
    j["group"] = e.group ? Json(*e.group) : Json(nullptr);
    return j;
}

ExpectedIshScore expectedFrom(const Json& j) {
    ExpectedIshScore e;
    e.nucleiCounted = j.at("nuclei_counted").get<int>();
    e.meanHer2 = j.at("mean_her2").get<double>();
    e.meanCep17 = j.at("mean_cep17").get<double>();
    e.ratio = j.at("ratio").get<double>();
    if (!j.at("group").is_null()) e.group = j.at("group").get<int>();
    const std::string status = j.at("status").get<std::string>();
    for (auto st : {core::Her2Status::Negative, core::Her2Status::Equivocal, core::Her2Status::Positive,
                    core::Her2Status::NotScorable})
        if (core::toString(st) == status) e.status = st;
    return e;
}

}  // namespace

void writeMultiPageTiff(const std::filesystem::path& path, const std::vector<cv::Mat>& pages,
                        const std::vector<std::string>& pageNames, double mpp) {
    if (pages.empty()) throw core::InputError(path.string(), "no pages to write");
    for (const cv::Mat& p : pages)
        if ((p.type() != CV_8UC1 && p.type() != CV_16UC1) || p.size() != pages.front().size())
            throw core::InputError(path.string(), "pages must be grey 8 or 16 bit images of one size");
    const std::filesystem::path temp = partialName(path);
    try {
        detail::TiffHandle tif(temp, "w");
        for (std::size_t i = 0; i < pages.size(); ++i) {
            const cv::Mat page = pages[i].isContinuous() ? pages[i] : pages[i].clone();
            TIFF* t = tif.get();
            const int bits = page.depth() == CV_16U ? 16 : 8;
            tif.check(TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE), "SubfileType");
            tif.check(TIFFSetField(t, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(page.cols)),
                      "ImageWidth");
            tif.check(TIFFSetField(t, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(page.rows)),
                      "ImageLength");
            tif.check(TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, bits), "BitsPerSample");
            tif.check(TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1), "SamplesPerPixel");
            tif.check(TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK), "Photometric");
            tif.check(TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG), "PlanarConfig");
            tif.check(TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE), "Compression");
            tif.check(TIFFSetField(t, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL), "Predictor");
            const std::uint32_t rowsPerStrip = 64;
            tif.check(TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rowsPerStrip), "RowsPerStrip");
            tif.check(TIFFSetField(t, TIFFTAG_PAGENUMBER, static_cast<std::uint16_t>(i),
                                   static_cast<std::uint16_t>(pages.size())),
                      "PageNumber");
            if (i < pageNames.size() && !pageNames[i].empty())
                tif.check(TIFFSetField(t, TIFFTAG_PAGENAME, pageNames[i].c_str()), "PageName");
            if (mpp > 0) {
                const double pxPerCm = 10000.0 / mpp;
                tif.check(TIFFSetField(t, TIFFTAG_XRESOLUTION, pxPerCm), "XResolution");
                tif.check(TIFFSetField(t, TIFFTAG_YRESOLUTION, pxPerCm), "YResolution");
                tif.check(TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER), "ResolutionUnit");
            }
            tif.check(TIFFSetField(t, TIFFTAG_SOFTWARE, "HER2Scope"), "Software");
            // libtiff's predictor differences the row in place: hand it a copy, never the caller's pixels.
            std::vector<std::uint8_t> row(page.cols * page.elemSize());
            for (int y = 0; y < page.rows; ++y) {
                std::memcpy(row.data(), page.ptr<std::uint8_t>(y), row.size());
                if (TIFFWriteScanline(t, row.data(), static_cast<std::uint32_t>(y), 0) < 0)
                    tif.fail("cannot write row " + std::to_string(y));
            }
            tif.check(TIFFWriteDirectory(t), "WriteDirectory");
        }
        tif.close();
        std::error_code ec;
        std::filesystem::rename(temp, path, ec);
        if (ec)
            throw core::InputError(path.string(), "cannot rename the finished file (" + ec.message() + ")");
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(temp, ec);
        throw;
    }
}

void writeTruthJson(const FishPhantomTruth& truth, const std::filesystem::path& path) {
    Json j;
    j["format"] = kTruthFormat;
    j["version"] = 1;
    j["name"] = truth.name;
    j["spec"] = specJson(truth.spec);
    Json nuclei = Json::array();
    for (const FishTruthNucleus& n : truth.nuclei) {
        Json poly = Json::array();
        for (const core::PointD& p : n.polygon) poly.push_back({p.x, p.y});
        nuclei.push_back({{"id", n.id},
                          {"x", n.x},
                          {"y", n.y},
                          {"semi_major_px", n.semiMajorPx},
                          {"semi_minor_px", n.semiMinorPx},
                          {"angle_rad", n.angleRad},
                          {"her2", n.her2Copies},
                          {"cep17", n.cep17Copies},
                          {"her2_cluster", n.her2Cluster},
                          {"touching", n.touching},
                          {"overlapping", n.overlapping},
                          {"edge_cut", n.edgeCut},
                          {"polygon", poly}});
    }
    j["nuclei"] = nuclei;
    Json spots = Json::array();
    for (const FishTruthSpot& s : truth.spots)
        spots.push_back({{"x", s.x},
                         {"y", s.y},
                         {"channel", std::string(core::toString(s.channel))},
                         {"copies", s.copies},
                         {"cluster", s.cluster},
                         {"split", s.split},
                         {"nucleus", s.nucleus}});
    j["spots"] = spots;
    j["expected_all"] = expectedJson(truth.expectedAll);
    j["expected_first20"] = expectedJson(truth.expectedFirst20);
    writeFileAtomic(path, j.dump(1));
}

FishPhantomTruth readFishTruthJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw core::InputError(path.string(), "cannot open the truth file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    const Json j = core::detail::parseJsonText<Json>(buffer.str(), path.string());
    FishPhantomTruth t;
    try {
        if (j.value("format", "") != kTruthFormat)
            throw core::InputError(path.string(), "not a FISH phantom truth file");
        t.name = j.value("name", "");
        t.spec = specFrom(j.at("spec"));
        for (const Json& n : j.at("nuclei")) {
            FishTruthNucleus r;
            r.id = n.at("id").get<std::int32_t>();
            r.x = n.at("x").get<double>();
            r.y = n.at("y").get<double>();
            r.semiMajorPx = n.at("semi_major_px").get<double>();
            r.semiMinorPx = n.at("semi_minor_px").get<double>();
            r.angleRad = n.at("angle_rad").get<double>();
            r.her2Copies = n.at("her2").get<int>();
            r.cep17Copies = n.at("cep17").get<int>();
            r.her2Cluster = n.at("her2_cluster").get<bool>();
            r.touching = n.at("touching").get<bool>();
            r.overlapping = n.at("overlapping").get<bool>();
            r.edgeCut = n.at("edge_cut").get<bool>();
            for (const Json& p : n.at("polygon"))
                r.polygon.push_back({p.at(0).get<double>(), p.at(1).get<double>()});
            t.nuclei.push_back(std::move(r));
        }
        for (const Json& s : j.at("spots")) {
            FishTruthSpot r;
            r.x = s.at("x").get<double>();
            r.y = s.at("y").get<double>();
            const std::string ch = s.at("channel").get<std::string>();
            r.channel = ch == core::toString(core::FishChannel::Cep17)  ? core::FishChannel::Cep17
                        : ch == core::toString(core::FishChannel::Dapi) ? core::FishChannel::Dapi
                                                                        : core::FishChannel::Her2;
            r.copies = s.at("copies").get<int>();
            r.cluster = s.at("cluster").get<bool>();
            r.split = s.at("split").get<bool>();
            r.nucleus = s.at("nucleus").get<std::int32_t>();
            t.spots.push_back(r);
        }
        t.expectedAll = expectedFrom(j.at("expected_all"));
        t.expectedFirst20 = expectedFrom(j.at("expected_first20"));
    } catch (const Json::exception& e) {
        throw core::ParseError(path.string(), 0, 0, std::string("malformed FISH truth: ") + e.what());
    }
    return t;
}

FishPhantomFiles writeFishPhantom(const FishPhantomSpec& spec, const std::filesystem::path& base,
                                  const std::string& name) {
    const FishPhantom phantom(spec);
    const FishPhantomImages images = phantom.render();
    FishPhantomFiles files;
    files.channels = base;
    files.channels += ".tif";
    files.composite = base;
    files.composite += "-rgb.png";
    files.truth = base;
    files.truth += ".truth.json";
    writeMultiPageTiff(files.channels, {images.dapi, images.her2, images.cep17}, {"DAPI", "HER2", "CEP17"},
                       spec.mpp);
    cv::Mat bgr;
    cv::cvtColor(images.composite(), bgr, cv::COLOR_RGB2BGR);
    writeImageAtomic(files.composite, bgr);
    writeTruthJson(phantom.truth(name), files.truth);
    return files;
}

std::vector<FishPhantomCase> standardFishCases() {
    auto make = [](std::string name, std::string description, int group, std::uint64_t seed) {
        FishPhantomCase c;
        c.name = std::move(name);
        c.description = std::move(description);
        c.intendedGroup = group;
        c.spec.seed = seed;
        c.spec.width = 1024;
        c.spec.height = 1024;
        c.spec.mpp = 0.15;
        c.spec.nuclei = 45;
        c.spec.touchingFraction = 0.12;
        c.spec.overlappingFraction = 0.08;
        return c;
    };
    std::vector<FishPhantomCase> cases;
    {
        auto c = make("fish-group1", "amplified: ratio about 4, mean HER2 about 8", 1, 101);
        c.spec.her2 = {8, 1.5, 4, 14};
        c.spec.cep17 = {2, 0.6, 1, 4};
        c.spec.splitSignalFraction = 0.05;
        cases.push_back(c);
    }
    {
        auto c = make("fish-group2", "ratio about 2.5 with mean HER2 about 3 (monosomy 17 pattern)", 2, 202);
        c.spec.her2 = {3, 0.7, 2, 5};
        c.spec.cep17 = {1.15, 0.4, 1, 2};
        cases.push_back(c);
    }
    {
        auto c = make("fish-group3", "ratio about 1.5 with mean HER2 about 7.5 (co-amplification)", 3, 303);
        c.spec.her2 = {7.5, 1.0, 5, 11};
        c.spec.cep17 = {5, 0.8, 3, 8};
        cases.push_back(c);
    }
    {
        auto c = make("fish-group4", "ratio about 1.5 with mean HER2 about 5", 4, 404);
        c.spec.her2 = {5, 0.6, 4, 7};
        c.spec.cep17 = {3.4, 0.6, 2, 5};
        c.spec.splitSignalFraction = 0.05;
        cases.push_back(c);
    }
    {
        auto c = make("fish-group5", "not amplified: two HER2 and two CEP17 per nucleus", 5, 505);
        c.spec.her2 = {2, 0.6, 1, 4};
        c.spec.cep17 = {2, 0.5, 1, 4};
        c.spec.splitSignalFraction = 0.1;
        cases.push_back(c);
    }
    {
        auto c = make("fish-group1-clusters", "amplified with HER2 clusters of 8-16 copies in 60 % of nuclei",
                      1, 606);
        c.spec.her2 = {4, 1, 2, 8};
        c.spec.cep17 = {2, 0.5, 1, 4};
        c.spec.clusterFraction = 0.6;
        cases.push_back(c);
    }
    return cases;
}

std::optional<FishPhantomCase> findFishCase(const std::string& name) {
    for (FishPhantomCase& c : standardFishCases())
        if (c.name == name) return c;
    return std::nullopt;
}

}  // namespace her2::imaging
