#pragma once
/// @file A QA comparison result file (automatic vs manual scores) as the GUI reads it.
#include <QString>
#include <QStringList>
#include <vector>

namespace her2::models {

/// One slide where the automatic and the manual score differ.
struct DiscordantCase {
    QString slide;        ///< as written in the file
    QString slidePath;    ///< resolved against the file's folder; empty when not found
    QString automatic;    ///< "0", "1+", ...
    QString manual;
    QString overlay;      ///< as written
    QString overlayPath;  ///< resolved; empty when not found
};

/// Keys: n, agreement, kappa, weighted_kappa, confusion, discordant[{slide, auto, manual, overlay}].
struct QaResult {
    int n = 0;
    double agreement = 0;      ///< fraction [0, 1] (values above 1 are read as percent)
    double kappa = 0;
    double weightedKappa = 0;
    QStringList labels;        ///< confusion row/column labels ("0", "1+", "2+", "3+" by default)
    std::vector<std::vector<int>> confusion;  ///< rows: automatic, columns: manual
    std::vector<DiscordantCase> discordant;
    QString file;

    /// Parses a QA JSON file. Throws core::InputError / core::ParseError.
    static QaResult load(const QString& path);
    /// Parses QA JSON text; `baseDir` resolves relative slide and overlay paths.
    static QaResult parse(const QByteArray& json, const QString& file, const QString& baseDir);
};

}  // namespace her2::models
