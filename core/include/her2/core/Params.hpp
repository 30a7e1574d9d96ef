#pragma once
/// @file Analysis parameters. Every parameter is declared once, with key, label, unit,
/// range and default; the GUI form, the CLI flags, the saved protocol and the params hash
/// all come from that one list. Lengths are in microns, never pixels.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace her2::core {

using ParamValue = std::variant<double, int, bool, std::string>;

struct ParamSpec {
    std::string key;      ///< "section.name", e.g. "ihc.faint_od"
    std::string label;    ///< for a form: "Faint membrane OD"
    std::string unit;     ///< "µm", "OD", "%", "" ...
    std::string help;     ///< one sentence: what it does and why this default
    double minValue = 0;  ///< range for numbers (ignored for bool/string)
    double maxValue = 0;
    std::vector<std::string> choices = {};  ///< allowed values of a string parameter
};

/// A typed field of a parameter section S, bound by member pointer.
template <class S>
struct ParamField {
    ParamSpec spec;
    std::variant<double S::*, int S::*, bool S::*, std::string S::*> member;
};

/// Whole-slide tiling.
struct TilingParams {
    /// Tile core edge. 384 µm: 1.27x the core's pixels with the halo (1.41x at 256 µm), and a
    /// tile's images still fit the per-thread scratch kept between tiles.
    double tileSizeUm = 384;
    double haloUm = 24;  ///< overlap so cells on tile borders are whole
    int threads = 0;     ///< 0: all cores
    double tissueMinAreaUm2 = 20000;
    double tissueMpp = 8;       ///< pixel size of the low-resolution tissue map, µm
    double tissueMinOd = 0.06;  ///< floor of the tissue OD-sum threshold (glass is below)
    static const std::vector<ParamField<TilingParams>>& fields();
};

/// IHC segmentation and membrane measures (see docs/ihc-method.md).
struct IhcParams {
    /// "slide-hematoxylin" (Ruifrok-Johnston DAB, hematoxylin measured on the slide's nuclei),
    /// "default" (Ruifrok-Johnston) or "estimated" (Macenko)
    std::string stainVectors = "slide-hematoxylin";
    double nucleusMinAreaUm2 = 12;
    double nucleusMaxAreaUm2 = 250;
    double maxCellRadiusUm = 12;
    double membraneWidthUm = 1.5;       ///< half-width of the band sampled along the outline
    double stainedOd = 0.05;            ///< membrane pixel counts as stained at or above this DAB OD
    double membraneContrastOd = 0.05;   ///< membrane peak must stand this far above the cytoplasm DAB
    double faintOd = 0.18;              ///< faint below, weak-moderate at or above
    double strongOd = 0.45;             ///< strong at or above
    double completeFraction = 0.85;     ///< complete at or above this fraction of the circumference
    double lateralFraction = 0.5;       ///< lateral/basolateral from here up to complete
    double minStainedFraction = 0.10;   ///< below this a membrane counts as unstained
    int sectors = 36;                   ///< angular sectors for completeness
    double analysisMpp = 0.5;           ///< pixel size the cells are analysed at, µm
    double nucleusThresholdOd = 0.12;   ///< hematoxylin OD above local background that is nucleus
    double backgroundRadiusUm = 8;      ///< radius of the hematoxylin background estimate
    double nucleusSplitUm = 0.4;        ///< h-maxima depth of the distance map that splits nuclei
    double spindleMaxWidthUm = 4.5;     ///< touching nucleus pieces both narrower than this stay one nucleus
    double lymphocyteMaxAreaUm2 = 50;   ///< small round dark nuclei up to this area are lymphocytes
    double lymphocyteDarkerThan = 0.9;  ///< ... and darker than this fraction of the larger nuclei
    double lymphocyteAreaFraction = 0.5;  ///< ... or at most this fraction of their median area
    double stromaMinElongation = 2.4;     ///< nuclei at least this elongated are stroma (spindle cells)
    double eosinRatio = 0.6;              ///< eosin / hematoxylin OD above this: H&E, not IHC
    bool excludeNonTumour = true;         ///< exclude stroma and lymphocytes by the nucleus rule
    static const std::vector<ParamField<IhcParams>>& fields();
};

/// FISH nuclei and spot detection.
struct FishParams {
    std::string channelMap = "dapi=blue,her2=red,cep17=green";  ///< for RGB composites
    double nucleusMinAreaUm2 = 20;
    double nucleusMaxAreaUm2 = 300;
    double spotSigmaUm = 0.25;         ///< expected spot radius (LoG scale)
    double spotThresholdMad = 6;       ///< detection threshold in robust noise units
    double mergeDistanceSpots = 1.0;   ///< merge spots closer than this many spot diameters
    int nucleiToCount = 20;            ///< first N evaluable nuclei; 0 counts all
    double nucleusMpp = 0.5;           ///< pixel size nuclei are segmented at, µm
    double nucleusThresholdMad = 6;    ///< DAPI threshold floor above background, robust noise units
    double nucleusSplitUm = 1.0;       ///< distance-map dip that separates touching nuclei, µm
    double nucleusMinSolidity = 0.88;  ///< less convex DAPI objects are unseparated clumps (overlapping)
    double overlapIntensity = 1.5;     ///< DAPI above this multiple of the nucleus median marks an overlap
    double overlapFraction = 0.08;     ///< nucleus area fraction that bright before it counts as overlapping
    double nucleusMaxAreaRatio = 2.0;  ///< nuclei over this multiple of the median area are overlapping pairs
    double backgroundRadiusUm = 2.5;   ///< probe background: opening radius, larger than a cluster
    double clusterMinCopies = 2.5;   ///< a signal of at least this many single-spot intensities is a cluster
    double minSignalFraction = 0.3;  ///< fainter than this many single signals: a speck
    static const std::vector<ParamField<FishParams>>& fields();
};

/// Scoring thresholds; each defaults to the guideline value of its rule set
/// (docs: her2-rules.md). The two guards that are not guideline values say so.
struct RuleParams {
    std::string ruleSet = "breast";  ///< breast, gastric, nsclc
    std::string specimen = "auto";   ///< auto (breast/gastric: resection, nsclc: biopsy), resection, biopsy
    int minTumourCells = 100;        ///< fewer: not scorable
    int minIshNuclei = 20;

    // IHC, breast (ASCO/CAP 2018).
    std::string breastComparator = ">";  ///< percentage vs threshold: ">" (ASCO/CAP) or ">="
    double breastPercent = 10;           ///< % of tumour cells for 1+, 2+, 3+
    /// Guard, not a guideline value: intense complete staining in <= breastPercent makes
    /// 2+ only from this % of tumour cells and breastIntenseMinCells cells on.
    double breastIntenseMinPercent = 1.0;
    int breastIntenseMinCells = 10;
    double ultralowMinPercent = 0;  ///< 0-ultralow when stained % is above this (guideline: > 0%)

    // IHC, gastric (CAP/ASCP/ASCO 2016) and NSCLC (gastric criteria).
    std::string gastricComparator = ">=";  ///< HercepTest/ToGA tables: >= 10%
    double gastricPercent = 10;
    std::string nsclcComparator = ">=";
    double nsclcPercent = 10;
    int nsclcMinStainedCells = 5;  ///< NSCLC 2+ and 3+ each need this many stained tumour cells
    int clusterMinCells = 5;       ///< biopsy: a cohesive cluster of at least this many cells
    /// Biopsy: cells whose centroids are at most this far apart (µm) touch. About 1.5
    /// diameters of a gastric/lung carcinoma cell (10-12 µm): touching neighbours, also
    /// diagonal ones (1.41 diameters) and with segmentation jitter, are in; two cells with
    /// a cell-sized gap between them (2 diameters, 20-24 µm) are out.
    double cohesionDistanceUm = 20;

    // ISH.
    std::string ishProbe = "dual";     ///< dual (HER2 + CEP17) or single (HER2 only)
    double ishRatio = 2.0;             ///< breast dual probe: HER2/CEP17 ratio threshold
    double ishHer2Lower = 4.0;         ///< breast dual probe: mean HER2/cell threshold of groups 2, 4, 5
    double ishHer2Upper = 6.0;         ///< breast dual probe: mean HER2/cell threshold of group 3
    double singleProbeNegative = 4.0;  ///< single probe: mean HER2/cell below this is negative
    double singleProbePositive = 6.0;  ///< single probe: at or above this is positive
    double gastricIshRatio = 2.0;      ///< gastric/NSCLC ISH: positive at or above this ratio
    /// Lab option, off by default: ratio < 2 with mean HER2 >= gastricIshHer2 is positive.
    bool gastricIshCopyNumberOption = false;
    double gastricIshHer2 = 6.0;

    static const std::vector<ParamField<RuleParams>>& fields();
};

/// Everything one analysis depends on. Its hash identifies results (resume, provenance).
struct AnalysisParams {
    TilingParams tiling;
    IhcParams ihc;
    FishParams fish;
    RuleParams rules;

    /// Every parameter's spec, in declaration order.
    static std::vector<ParamSpec> specs();
    /// Current value of a parameter by key; throws ParameterError for an unknown key.
    ParamValue get(std::string_view key) const;
    /// Sets a value after a range/choice check; throws ParameterError naming the key.
    void set(std::string_view key, const ParamValue& value);
    /// Checks every value against its spec; throws ParameterError on the first bad one.
    void validate() const;

    /// Protocol JSON: {"format":"her2scope-protocol","version":1,"params":{key:value}}.
    std::string toJson() const;
    /// Unknown keys and wrong types are errors naming the key; file is used in messages.
    static AnalysisParams fromJson(std::string_view text, const std::string& file = "protocol");
    static AnalysisParams load(const std::string& path);  ///< throws InputError/ParseError
    /// Stable 16-hex-digit hash of every value that can change a result (FNV-1a over the
    /// canonical JSON); tiling.threads is left out since output does not depend on it.
    std::string hash() const;
};

}  // namespace her2::core
