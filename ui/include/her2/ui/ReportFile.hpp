#pragma once
/// @file Reading back a slide report written by the batch runner (<name>.her2.json).
#include <QByteArray>
#include <QString>

#include "her2/core/ScoreReport.hpp"
#include "her2/ui/ScorePanel.hpp"

namespace her2::ui {

/// A report file as the score panel shows it.
struct ReportFileContents {
    core::ScoreReport report;
    Histogram histogram;  ///< membrane_od_histogram when present
    QString slide;        ///< "slide" key
    QString slidePath;    ///< "path" key
};

/// Parses report JSON (keys in docs/formats.md). Unknown keys are ignored; missing ones
/// keep their defaults. Throws core::ParseError for text that is not a JSON object.
ReportFileContents parseReportJson(const QByteArray& json, const QString& file);
/// Reads and parses a file; core::InputError when it cannot be read.
ReportFileContents loadReportJson(const QString& path);

}  // namespace her2::ui
