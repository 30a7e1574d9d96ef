#pragma once
/// @file What one analysed slide leaves behind: the report JSON, the per-cell CSV, the
/// QuPath GeoJSON, a thumbnail and the class-map overlay. Formats: docs/formats.md.
///
/// Every file is written under a temporary name and renamed when complete (AtomicFile).
/// Functions are reentrant; errors throw core::InputError naming the file.
#include <array>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "her2/imaging/AnalysisPipeline.hpp"

namespace her2::imaging {

/// The files written for one slide, all inside the output folder.
struct SlideOutputs {
    std::filesystem::path report;     ///< <name>.her2.json
    std::filesystem::path cells;      ///< <name>.cells.csv
    std::filesystem::path geojson;    ///< <name>.cells.geojson
    std::filesystem::path overlay;    ///< <name>.overlay.png
    std::filesystem::path thumbnail;  ///< <name>.thumb.jpg
};

/// Histogram of the mean stained-membrane DAB OD of tumour cells (IHC), for reports.
struct OdHistogram {
    std::vector<double> edges;        ///< bins+1 edges, OD
    std::vector<std::size_t> counts;  ///< cells per bin (the last bin takes everything above)
};
OdHistogram membraneOdHistogram(const core::CellTable& cells, int bins = 30, double maxOd = 1.2);

/// The report as JSON text (keys in docs/formats.md), one object.
std::string reportJson(const SlideAnalysis& analysis, int indent = 2);

/// One row per cell (IHC) or nucleus (FISH), with a header row. Text cells are escaped
/// against spreadsheet formula injection.
void writeCellsCsv(const SlideAnalysis& analysis, std::ostream& out);

/// A QuPath FeatureCollection of the cells (or FISH nuclei), level-0 pixel coordinates.
void writeCellsGeoJson(const SlideAnalysis& analysis, std::ostream& out);

/// The slide's thumbnail (RGB, long side <= maxSide) with the class map drawn over it:
/// tumour cells coloured 0 / 1+ / 2+ / 3+, excluded cells grey, the ROI outlined; FISH nuclei
/// green when counted, grey when excluded, clusters red.
cv::Mat renderOverlay(const SlideAnalysis& analysis, const cv::Mat& thumbnailRgb);

/// Colour (RGB) of a per-cell class, shared by every overlay.
std::array<unsigned char, 3> classColour(core::CellScore score);

/// A file name stem that cannot leave the output folder: path separators, "..", control
/// characters and leading dots are replaced; never empty.
std::string safeOutputName(const std::string& slideName);

/// Writes all per-slide files for `analysis` into outDir (created if missing) with the stem
/// safeOutputName(name). `source` supplies the thumbnail.
SlideOutputs writeSlideOutputs(const SlideAnalysis& analysis, const SlideSource& source,
                               const std::filesystem::path& outDir, const std::string& name);

/// The report path writeSlideOutputs uses for a stem.
std::filesystem::path reportPathFor(const std::filesystem::path& outDir, const std::string& name);

}  // namespace her2::imaging
