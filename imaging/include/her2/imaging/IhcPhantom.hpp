#pragma once
/// @file Synthetic HER2 IHC bright-field slides (DAB membrane stain on hematoxylin) with
/// exact per-cell truth and the slide score each rule set gives that truth.
///
/// Geometry is in level-0 pixels (a pixel's centre is at its integer index); biological
/// sizes in the spec are in microns and become pixels through spec.mpp.
///
/// Optical model: hematoxylin and DAB optical densities (base 10) are painted per pixel,
/// blurred by a Gaussian of blurSigmaUm, turned into RGB by Beer-Lambert with the slide's
/// jittered stain vectors and glass colour, plus sensor noise (and JPEG in the TIFF).
/// Tumour cells are convex polygons (a Voronoi tessellation of a jittered hexagonal lattice,
/// with a 0.3 µm intercellular gap); each stained cell's membrane is a band just inside its
/// polygon, on the stained arcs only, of the Scheel 2018 width of its class (faint 0.64 µm,
/// weak-moderate 1.0 µm, strong 2.1 µm, each +-10 %) and a drawn DAB OD per cell of
/// 0.17-0.21 (faint), 0.45-0.54 (weak-moderate) or 0.85-1.10 (strong). An analyser reading
/// the JPEG slide at 0.5 µm/px with the default Ruifrok-Johnston vectors measures stained
/// membrane means of about 0.12, 0.32 and 0.83 (tests/imaging/phantom/IhcPhantomTest.cpp),
/// well inside the classes faint [0.05, 0.18), weak-moderate [0.18, 0.45), strong >= 0.45.
/// Cytoplasmic blush stays below 0.05 OD.
///
/// Rendering is deterministic for a seed: any rectangle can be rendered on its own and
/// gives the same pixels as the same rectangle cut from a larger render, so a slide is
/// rendered tile by tile in bounded memory, on several threads, with identical output.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/core/CellTable.hpp"
#include "her2/core/Geometry.hpp"
#include "her2/core/Progress.hpp"
#include "her2/core/ScoreReport.hpp"
#include "her2/core/Types.hpp"

namespace her2::imaging {

/// What a phantom cell is; only tumour cells carry membrane stain.
enum class PhantomCellType : std::uint8_t { Tumour, Stroma, Lymphocyte };

/// Mix of membrane patterns within one intensity class (weights, normalised internally).
/// complete: the whole circumference; lateral: a U-shaped contiguous arc of 55-80 % of
/// the circumference (lateral/basolateral); partial: one or two arcs of 15-45 % in total.
struct MembranePatternMix {
    double complete = 1;
    double lateral = 0;
    double partial = 0;
};

/// One membrane intensity class of the tumour cells.
struct MembraneClassSpec {
    double fraction = 0;  ///< fraction of tumour cells in this class, [0, 1]
    MembranePatternMix patterns;
};

struct IhcPhantomSpec {
    std::uint64_t seed = 1;
    std::int64_t width = 3000;   ///< level-0 px
    std::int64_t height = 3000;  ///< level-0 px
    double mpp = 0.25;           ///< µm per px (0.25: 40x)

    /// Tumour-cell classes indexed by core::IntensityClass {Negative, Faint, WeakModerate,
    /// Strong}. The Negative fraction is ignored: negative is whatever remains. Class
    /// counts are exact (rounded), not sampled.
    std::array<MembraneClassSpec, 4> classes{};

    /// 0: classes scattered cell by cell; 1: classes form patches (a smooth random field
    /// of scale heterogeneityScaleUm ranks the cells); in between: a blend.
    double heterogeneity = 0;
    double heterogeneityScaleUm = 150;

    /// Fraction of the tissue area (cell lattice sites) in tumour nests; the rest is stroma.
    double tumourFraction = 0.6;
    double nestScaleUm = 90;           ///< typical size of nests and stroma bands
    double tissueMarginUm = 25;        ///< glass border around the tissue (irregular edge)
    double cellDiameterUm = 15;        ///< mean tumour cell diameter (lattice spacing), 12-18
    double lymphocyteFraction = 0.25;  ///< of stroma cells; the rest are spindle cells
    double stromaCellDensity = 0.45;   ///< fraction of stroma lattice sites that hold a cell nucleus

    /// Biopsy: when > 0, the tumour cells are all classed by `classes` except one cohesive
    /// cluster of exactly this many neighbouring tumour cells near the slide centre, which
    /// get biopsyClusterClass / biopsyClusterPattern.
    int biopsyClusterCells = 0;
    core::IntensityClass biopsyClusterClass = core::IntensityClass::Strong;
    core::MembranePattern biopsyClusterPattern = core::MembranePattern::Complete;

    double stainJitter = 0.03;    ///< per-slide random perturbation of each stain vector component
    double cytoplasmBlush = 0.3;  ///< cytoplasmic DAB OD as a fraction of the membrane OD (x0.1)
    double blurSigmaUm = 0.15;    ///< optical blur applied to optical density
    double noiseSigma = 2.0;      ///< sensor noise, grey levels (0: none)
    int jpegQuality = 90;         ///< for writeIhcPhantom
    int tileSize = 512;           ///< render and TIFF tile size, px
};

/// One phantom cell as drawn. Tumour cells have a membrane class; others are None.
struct IhcTruthCell {
    std::int64_t id = 0;  ///< stable lattice index
    double x = 0, y = 0;  ///< cell polygon centroid, level-0 px
    PhantomCellType type = PhantomCellType::Tumour;
    core::IntensityClass intensity = core::IntensityClass::Negative;
    core::MembranePattern pattern = core::MembranePattern::None;
    double completeness = 0;     ///< exact stained fraction of the polygon perimeter
    double membraneOd = 0;       ///< DAB OD drawn in the membrane band before blur (0 if none);
                                 ///< narrow bands read lower at 0.5 µm/px (see the file comment)
    double membraneWidthUm = 0;  ///< width of the drawn band
    double nucleusX = 0, nucleusY = 0;
    std::vector<core::PointD> polygon;         ///< cell outline, level-0 px
    std::vector<core::PointD> nucleusOutline;  ///< ellipse outline, level-0 px
    bool isTumour() const noexcept { return type == PhantomCellType::Tumour; }
};

/// The slide score a rule set gives to the exact truth (core::scoreIhc).
struct ExpectedIhcScore {
    core::RuleSetId ruleSet = core::RuleSetId::Breast;
    core::Specimen specimen = core::Specimen::Resection;
    std::optional<core::Her2Score> score;
    core::Her2Status status = core::Her2Status::NotScorable;
    std::optional<core::Her2LowCategory> her2Low;
    std::string reason;
    std::array<double, 4> percent{};  ///< % of tumour cells scored 0, 1+, 2+, 3+
};

/// Stain model of one slide: unit OD vectors (R, G, B) and the glass colour.
struct IhcStainModel {
    std::array<double, 3> hematoxylin{};
    std::array<double, 3> dab{};
    std::array<double, 3> background{};  ///< glass intensity per channel, 0-255
};

struct IhcPhantomTruth {
    std::string name;  ///< case name, may be empty
    IhcPhantomSpec spec;
    IhcStainModel stains;
    std::vector<IhcTruthCell> cells;  ///< every cell in tissue, sorted by id
    std::size_t tumourCells = 0;
    std::array<std::size_t, 4> classCounts{};  ///< tumour cells per IntensityClass
    /// Breast resection, gastric resection, gastric biopsy, NSCLC resection.
    std::vector<ExpectedIhcScore> expected;
    const ExpectedIhcScore* expectedFor(core::RuleSetId rules, core::Specimen specimen) const noexcept;
};

/// A CellTable of the truth cells (tumour cells with exclusion None, others Stroma or
/// Lymphocyte), with per-cell scores under `rules`.
core::CellTable truthCellTable(const IhcPhantomTruth& truth, core::RuleSetId rules);

/// Renders and explains one phantom slide. Construction lays out every cell (O(cells),
/// about 80 bytes each: 20 MB for 30000 x 30000 px); all other members are const and
/// thread-safe.
class IhcPhantom {
public:
    /// Throws core::ParameterError for an invalid spec (non-positive size or mpp, fractions
    /// summing above 1, ...).
    explicit IhcPhantom(IhcPhantomSpec spec);
    ~IhcPhantom();
    IhcPhantom(IhcPhantom&&) noexcept;
    IhcPhantom& operator=(IhcPhantom&&) noexcept;

    const IhcPhantomSpec& spec() const noexcept;
    const IhcStainModel& stains() const noexcept;

    /// RGB CV_8UC3 of a level-0 rectangle (may extend beyond the slide: glass there).
    cv::Mat render(const core::RectI& rect) const;
    /// Noise-free optical densities of the rectangle after blur: CV_32FC2 (hematoxylin, DAB).
    cv::Mat renderOd(const core::RectI& rect) const;

    /// Truth with the expected scores (calls core::scoreIhc).
    IhcPhantomTruth truth(const std::string& name = {}) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// In-memory RGB render of a level-0 rectangle, for unit tests of other modules.
cv::Mat renderIhcRegion(const IhcPhantomSpec& spec, const core::RectI& rect);

/// Renders the whole slide tile by tile on `threads` threads into a pyramidal JPEG TIFF
/// at `tiffPath`, and writes the truth to truthPathFor(tiffPath). Throws core::InputError
/// on write failure, core::CancelledError if cancelled.
IhcPhantomTruth writeIhcPhantom(const IhcPhantomSpec& spec, const std::filesystem::path& tiffPath,
                                const std::string& name = {}, int threads = 2,
                                core::ProgressSink* progress = nullptr,
                                const core::CancelToken* cancel = nullptr);

/// "<dir>/<stem>.truth.json" for an image path.
std::filesystem::path truthPathFor(const std::filesystem::path& imagePath);

/// Truth JSON ({"format":"her2scope-ihc-phantom-truth","version":1,...}).
void writeTruthJson(const IhcPhantomTruth& truth, const std::filesystem::path& path);
/// Throws core::InputError / core::ParseError for a missing or malformed file.
IhcPhantomTruth readIhcTruthJson(const std::filesystem::path& path);

/// A named case: spec plus the score it was designed to give.
struct IhcPhantomCase {
    std::string name;         ///< e.g. "breast-3plus"
    std::string description;  ///< one line
    core::RuleSetId ruleSet = core::RuleSetId::Breast;
    core::Specimen specimen = core::Specimen::Resection;
    core::Her2Score intendedScore = core::Her2Score::Zero;
    std::optional<core::Her2LowCategory> intendedHer2Low;
    IhcPhantomSpec spec;
};

/// Standard cases (mostly 3000 x 3000 px at 0.25 µm): breast-0-null, breast-0-ultralow,
/// breast-1plus, breast-2plus, breast-2plus-unusual, breast-3plus, breast-near-8pct,
/// breast-near-12pct, gastric-1plus, gastric-2plus, gastric-3plus, gastric-biopsy-4,
/// gastric-biopsy-6, breast-heterogeneous.
std::vector<IhcPhantomCase> standardIhcCases();
/// Looks a standard case up by name; std::nullopt if unknown.
std::optional<IhcPhantomCase> findIhcCase(const std::string& name);

}  // namespace her2::imaging
