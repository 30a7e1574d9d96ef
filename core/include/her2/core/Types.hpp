#pragma once
/// @file Domain enumerations and their stable text names (used in JSON, CSV, GeoJSON).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace her2::core {

enum class Assay : std::uint8_t { Ihc, Fish };
enum class RuleSetId : std::uint8_t { Breast, Gastric, Nsclc };
enum class Specimen : std::uint8_t { Resection, Biopsy };

/// Membrane staining intensity of one cell, from the mean DAB OD of its stained membrane.
enum class IntensityClass : std::uint8_t { Negative, Faint, WeakModerate, Strong };

/// How much of the circumference is stained: none, partial, lateral/basolateral (U-shaped), complete.
enum class MembranePattern : std::uint8_t { None, Incomplete, LateralBasolateral, Complete };

/// Per-cell class 0 / 1+ / 2+ / 3+ under a rule set.
enum class CellScore : std::uint8_t { Zero, One, Two, Three };

/// Why a detected cell is not counted as an invasive tumour cell.
enum class CellExclusion : std::uint8_t { None, Stroma, Lymphocyte, OutsideRoi, Artefact };

/// Slide-level score and status.
enum class Her2Score : std::uint8_t { Zero, One, Two, Three };
enum class Her2Status : std::uint8_t { Negative, Equivocal, Positive, NotScorable };

/// ASCO/CAP 2023 reporting field: 0-null, 0-ultralow, or the score itself.
enum class Her2LowCategory : std::uint8_t { ZeroNull, ZeroUltralow, One, Two, Three };

/// The stable external names ("breast", "1+", "not-scorable", "0-ultralow", ...).
std::string_view toString(Assay);
std::string_view toString(RuleSetId);
std::string_view toString(Specimen);
std::string_view toString(IntensityClass);
std::string_view toString(MembranePattern);
std::string_view toString(CellScore);
std::string_view toString(CellExclusion);
std::string_view toString(Her2Score);
std::string_view toString(Her2Status);
std::string_view toString(Her2LowCategory);

/// Parse the names above; std::nullopt for an unknown name.
std::optional<Assay> parseAssay(std::string_view);
std::optional<RuleSetId> parseRuleSet(std::string_view);
std::optional<Specimen> parseSpecimen(std::string_view);
/// Accepts "0", "1+", "2+", "3+" (and "1", "2", "3").
std::optional<Her2Score> parseHer2Score(std::string_view);

}  // namespace her2::core
