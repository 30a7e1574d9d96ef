#include "her2/core/Types.hpp"

#include <array>
#include <utility>

#include "her2/core/FishTypes.hpp"

namespace her2::core {
namespace {

template <class E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

template <class E, std::size_t N>
std::string_view nameOf(const NameTable<E, N>& table, E value) {
    for (const auto& [e, name] : table)
        if (e == value) return name;
    return "?";
}

template <class E, std::size_t N>
std::optional<E> parseName(const NameTable<E, N>& table, std::string_view text) {
    for (const auto& [e, name] : table)
        if (name == text) return e;
    return std::nullopt;
}

constexpr NameTable<Assay, 2> kAssay{{{Assay::Ihc, "ihc"}, {Assay::Fish, "fish"}}};
constexpr NameTable<RuleSetId, 3> kRules{
    {{RuleSetId::Breast, "breast"}, {RuleSetId::Gastric, "gastric"}, {RuleSetId::Nsclc, "nsclc"}}};
constexpr NameTable<Specimen, 2> kSpecimen{{{Specimen::Resection, "resection"}, {Specimen::Biopsy, "biopsy"}}};
constexpr NameTable<IntensityClass, 4> kIntensity{{{IntensityClass::Negative, "negative"},
                                                   {IntensityClass::Faint, "faint"},
                                                   {IntensityClass::WeakModerate, "weak-moderate"},
                                                   {IntensityClass::Strong, "strong"}}};
constexpr NameTable<MembranePattern, 4> kPattern{{{MembranePattern::None, "none"},
                                                  {MembranePattern::Incomplete, "incomplete"},
                                                  {MembranePattern::LateralBasolateral, "lateral-basolateral"},
                                                  {MembranePattern::Complete, "complete"}}};
constexpr NameTable<CellScore, 4> kCellScore{
    {{CellScore::Zero, "0"}, {CellScore::One, "1+"}, {CellScore::Two, "2+"}, {CellScore::Three, "3+"}}};
constexpr NameTable<CellExclusion, 5> kExclusion{{{CellExclusion::None, "none"},
                                                  {CellExclusion::Stroma, "stroma"},
                                                  {CellExclusion::Lymphocyte, "lymphocyte"},
                                                  {CellExclusion::OutsideRoi, "outside-roi"},
                                                  {CellExclusion::Artefact, "artefact"}}};
constexpr NameTable<Her2Score, 4> kScore{
    {{Her2Score::Zero, "0"}, {Her2Score::One, "1+"}, {Her2Score::Two, "2+"}, {Her2Score::Three, "3+"}}};
constexpr NameTable<Her2Status, 4> kStatus{{{Her2Status::Negative, "negative"},
                                            {Her2Status::Equivocal, "equivocal"},
                                            {Her2Status::Positive, "positive"},
                                            {Her2Status::NotScorable, "not-scorable"}}};
constexpr NameTable<Her2LowCategory, 5> kLow{{{Her2LowCategory::ZeroNull, "0-null"},
                                              {Her2LowCategory::ZeroUltralow, "0-ultralow"},
                                              {Her2LowCategory::One, "1+"},
                                              {Her2LowCategory::Two, "2+"},
                                              {Her2LowCategory::Three, "3+"}}};
constexpr NameTable<NucleusExclusion, 7> kNucleus{{{NucleusExclusion::None, "none"},
                                                   {NucleusExclusion::Overlapping, "overlapping"},
                                                   {NucleusExclusion::EdgeCut, "edge-cut"},
                                                   {NucleusExclusion::TooSmall, "too-small"},
                                                   {NucleusExclusion::TooLarge, "too-large"},
                                                   {NucleusExclusion::MissingSignal, "missing-signal"},
                                                   {NucleusExclusion::NotSelected, "not-selected"}}};
constexpr NameTable<FishChannel, 3> kChannel{
    {{FishChannel::Dapi, "dapi"}, {FishChannel::Her2, "her2"}, {FishChannel::Cep17, "cep17"}}};

}  // namespace

std::string_view toString(Assay v) { return nameOf(kAssay, v); }
std::string_view toString(RuleSetId v) { return nameOf(kRules, v); }
std::string_view toString(Specimen v) { return nameOf(kSpecimen, v); }
std::string_view toString(IntensityClass v) { return nameOf(kIntensity, v); }
std::string_view toString(MembranePattern v) { return nameOf(kPattern, v); }
std::string_view toString(CellScore v) { return nameOf(kCellScore, v); }
std::string_view toString(CellExclusion v) { return nameOf(kExclusion, v); }
std::string_view toString(Her2Score v) { return nameOf(kScore, v); }
std::string_view toString(Her2Status v) { return nameOf(kStatus, v); }
std::string_view toString(Her2LowCategory v) { return nameOf(kLow, v); }
std::string_view toString(NucleusExclusion v) { return nameOf(kNucleus, v); }
std::string_view toString(FishChannel v) { return nameOf(kChannel, v); }

std::optional<Assay> parseAssay(std::string_view s) { return parseName(kAssay, s); }
std::optional<RuleSetId> parseRuleSet(std::string_view s) { return parseName(kRules, s); }
std::optional<Specimen> parseSpecimen(std::string_view s) { return parseName(kSpecimen, s); }
std::optional<Her2Score> parseHer2Score(std::string_view s) {
    if (auto v = parseName(kScore, s)) return v;
    if (s == "1") return Her2Score::One;
    if (s == "2") return Her2Score::Two;
    if (s == "3") return Her2Score::Three;
    return std::nullopt;
}

}  // namespace her2::core
