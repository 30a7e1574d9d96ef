#include "her2/models/SlideListModel.hpp"

#include <QColor>
#include <QDir>
#include <QFileInfo>

#include "her2/core/Errors.hpp"
#include "her2/models/CsvTable.hpp"

namespace her2::models {

SlideListModel::SlideListModel(QObject* parent) : QAbstractTableModel(parent) {}

QString SlideListModel::existing(const QString& dir, const QString& file) {
    const QString path = QDir(dir).filePath(file);
    return QFileInfo::exists(path) ? QFileInfo(path).absoluteFilePath() : QString();
}

void SlideListModel::load(const QString& path) {
    QFileInfo info(path);
    if (!info.exists()) throw core::InputError(path.toStdString(), "does not exist");
    const QString csvPath = info.isDir() ? QDir(path).filePath(QStringLiteral("summary.csv")) : path;
    if (!QFileInfo::exists(csvPath)) throw core::InputError(path.toStdString(), "no summary.csv in this folder");
    const CsvTable table = CsvTable::load(csvPath.toStdString());
    const int slideColumn = table.column("slide");
    if (slideColumn < 0) throw core::ParseError(csvPath.toStdString(), 1, 0, "no 'slide' column in the header");
    const int pathColumn = table.column("path");

    // Build into locals first so the model is untouched if anything throws.
    const QString outDir = QFileInfo(csvPath).absolutePath();
    QStringList header;
    for (const auto& h : table.header()) header << QString::fromStdString(h);
    std::vector<Row> rows;
    rows.reserve(table.rowCount());
    for (const auto& fields : table.rows()) {
        Row row;
        for (const auto& f : fields) row.fields << QString::fromStdString(f);
        const QString slide = row.fields[slideColumn];
        row.name = QFileInfo(slide).completeBaseName();
        QStringList candidates;
        if (pathColumn >= 0) candidates << row.fields[pathColumn];
        candidates << slide;
        for (const QString& c : candidates) {
            if (c.isEmpty()) continue;
            const QFileInfo fi(QDir(outDir), c);
            if (fi.exists() && fi.isFile()) {
                row.slidePath = fi.absoluteFilePath();
                break;
            }
        }
        row.reportJson = existing(outDir, row.name + QStringLiteral(".her2.json"));
        row.cellsGeoJson = existing(outDir, row.name + QStringLiteral(".cells.geojson"));
        row.overlayPng = existing(outDir, row.name + QStringLiteral(".overlay.png"));
        rows.push_back(std::move(row));
    }

    beginResetModel();
    m_outputDir = outDir;
    m_header = std::move(header);
    m_rows = std::move(rows);
    m_slideColumn = slideColumn;
    m_scoreColumn = table.column("score");
    m_statusColumn = table.column("status");
    endResetModel();
}

void SlideListModel::clear() {
    beginResetModel();
    m_outputDir.clear();
    m_header.clear();
    m_rows.clear();
    m_slideColumn = m_scoreColumn = m_statusColumn = -1;
    endResetModel();
}

int SlideListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int SlideListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_header.size());
}

QColor SlideListModel::scoreColour(const QString& score) {
    const QString s = score.trimmed();
    if (s == QLatin1String("0")) return QColor(40, 90, 220);
    if (s == QLatin1String("1+") || s == QLatin1String("1")) return QColor(230, 200, 0);
    if (s == QLatin1String("2+") || s == QLatin1String("2")) return QColor(245, 140, 0);
    if (s == QLatin1String("3+") || s == QLatin1String("3")) return QColor(220, 30, 30);
    return {};
}

QVariant SlideListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Row& row = m_rows[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
    case Qt::ToolTipRole:
        if (role == Qt::ToolTipRole && index.column() == m_slideColumn)
            return row.slidePath.isEmpty() ? tr("slide file not found") : row.slidePath;
        return index.column() < row.fields.size() ? row.fields[index.column()] : QString();
    case Qt::DecorationRole:
        if (index.column() == m_scoreColumn && m_scoreColumn >= 0) {
            const QColor c = scoreColour(row.fields[m_scoreColumn]);
            if (c.isValid()) return c;
        }
        return {};
    case SlidePathRole: return row.slidePath;
    case SlideNameRole: return row.name;
    case ReportJsonRole: return row.reportJson;
    case CellsGeoJsonRole: return row.cellsGeoJson;
    case OverlayPngRole: return row.overlayPng;
    case ScoreRole: return m_scoreColumn >= 0 ? row.fields[m_scoreColumn] : QString();
    case StatusRole: return m_statusColumn >= 0 ? row.fields[m_statusColumn] : QString();
    default: return {};
    }
}

QVariant SlideListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (orientation == Qt::Horizontal) return section >= 0 && section < m_header.size() ? m_header[section] : QVariant();
    return section + 1;
}

QHash<int, QByteArray> SlideListModel::roleNames() const {
    auto names = QAbstractTableModel::roleNames();
    names.insert(SlidePathRole, "slidePath");
    names.insert(SlideNameRole, "slideName");
    names.insert(ReportJsonRole, "reportJson");
    names.insert(CellsGeoJsonRole, "cellsGeoJson");
    names.insert(OverlayPngRole, "overlayPng");
    names.insert(ScoreRole, "score");
    names.insert(StatusRole, "status");
    return names;
}

}  // namespace her2::models
