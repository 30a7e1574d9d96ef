#pragma once
/// @file The slides of a batch output folder (OUTDIR/summary.csv), one row per slide.
#include <QAbstractTableModel>
#include <QString>
#include <QStringList>
#include <vector>

namespace her2::models {

/// Table model over summary.csv. Columns are the file's header (slide, assay, score,
/// status, ...). Custom roles give the files the batch wrote for each slide.
/// GUI-thread object; not thread-safe.
class SlideListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role {
        SlidePathRole = Qt::UserRole + 1,  ///< absolute slide path, empty when not found
        SlideNameRole,                     ///< file name without extension
        ReportJsonRole,                    ///< OUTDIR/<name>.her2.json if it exists
        CellsGeoJsonRole,                  ///< OUTDIR/<name>.cells.geojson if it exists
        OverlayPngRole,                    ///< OUTDIR/<name>.overlay.png if it exists
        ScoreRole,                         ///< the score column's text
        StatusRole                         ///< the status column's text
    };
    Q_ENUM(Role)

    explicit SlideListModel(QObject* parent = nullptr);

    /// Reads OUTDIR/summary.csv (or the CSV file itself when `path` is a file).
    /// Throws core::InputError / core::ParseError; the model is unchanged on error.
    void load(const QString& path);
    void clear();

    QString outputDirectory() const { return m_outputDir; }
    QStringList columns() const { return m_header; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    /// Colour conventionally used for a HER2 score text ("0", "1+", "2+", "3+").
    static QColor scoreColour(const QString& score);

private:
    struct Row {
        QStringList fields;
        QString slidePath, name, reportJson, cellsGeoJson, overlayPng;
    };
    static QString existing(const QString& dir, const QString& file);

    QString m_outputDir;
    QStringList m_header;
    std::vector<Row> m_rows;
    int m_slideColumn = -1;
    int m_scoreColumn = -1;
    int m_statusColumn = -1;
};

}  // namespace her2::models
