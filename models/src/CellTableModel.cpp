#include "her2/models/CellTableModel.hpp"

#include <QColor>
#include <algorithm>

#include "her2/core/Types.hpp"
#include "her2/models/SlideListModel.hpp"

namespace her2::models {
namespace {

QString text(std::string_view s) {
    return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size()));
}

}  // namespace

CellTableModel::CellTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void CellTableModel::setCells(std::shared_ptr<const core::CellTable> cells) {
    m_inserting = true;  // no fetchMore from modelReset handlers
    beginResetModel();
    m_cells = std::move(cells);
    m_fetched = m_cells ? static_cast<int>(std::min<std::size_t>(m_cells->size(), kFetchBatch)) : 0;
    endResetModel();
    m_inserting = false;
}

int CellTableModel::ensureRow(std::size_t cell) {
    if (!m_cells || cell >= m_cells->size()) return -1;
    if (static_cast<std::size_t>(m_fetched) <= cell) {
        if (m_inserting) return -1;
        const int last = static_cast<int>(std::min(m_cells->size(), cell + 1 + kFetchBatch)) - 1;
        m_inserting = true;
        beginInsertRows({}, m_fetched, last);
        m_fetched = last + 1;
        endInsertRows();
        m_inserting = false;
    }
    return static_cast<int>(cell);
}

QString CellTableModel::columnTitle(Column c) {
    switch (c) {
        case Column::Index:
            return tr("Cell");
        case Column::X:
            return tr("X (px)");
        case Column::Y:
            return tr("Y (px)");
        case Column::Score:
            return tr("Class");
        case Column::Intensity:
            return tr("Intensity");
        case Column::Pattern:
            return tr("Pattern");
        case Column::Exclusion:
            return tr("Excluded");
        case Column::CellArea:
            return tr("Cell area (µm²)");
        case Column::NucleusArea:
            return tr("Nucleus area (µm²)");
        case Column::NucleusHematoxylinOd:
            return tr("Nucleus H OD");
        case Column::NucleusCircularity:
            return tr("Nucleus circularity");
        case Column::MembraneOdMean:
            return tr("Membrane OD (mean)");
        case Column::MembraneOdMax:
            return tr("Membrane OD (max)");
        case Column::MembraneThickness:
            return tr("Membrane width (µm)");
        case Column::CytoplasmOd:
            return tr("Cytoplasm OD");
        case Column::Completeness:
            return tr("Completeness");
        case Column::Count:
            break;
    }
    return {};
}

QVariant CellTableModel::value(const core::CellTable& t, std::size_t i, Column c) {
    if (i >= t.size()) return {};
    auto f = [](const std::vector<float>& v, std::size_t k) -> QVariant {
        return k < v.size() ? QVariant(static_cast<double>(v[k])) : QVariant();
    };
    switch (c) {
        case Column::Index:
            return static_cast<qulonglong>(i);
        case Column::X:
            return f(t.x, i);
        case Column::Y:
            return f(t.y, i);
        case Column::Score:
            return i < t.score.size() ? text(core::toString(t.score[i])) : QVariant();
        case Column::Intensity:
            return i < t.intensity.size() ? text(core::toString(t.intensity[i])) : QVariant();
        case Column::Pattern:
            return i < t.pattern.size() ? text(core::toString(t.pattern[i])) : QVariant();
        case Column::Exclusion:
            return i < t.exclusion.size() ? text(core::toString(t.exclusion[i])) : QVariant();
        case Column::CellArea:
            return f(t.cellAreaUm2, i);
        case Column::NucleusArea:
            return f(t.nucleusAreaUm2, i);
        case Column::NucleusHematoxylinOd:
            return f(t.nucleusHematoxylinOd, i);
        case Column::NucleusCircularity:
            return f(t.nucleusCircularity, i);
        case Column::MembraneOdMean:
            return f(t.membraneOdMean, i);
        case Column::MembraneOdMax:
            return f(t.membraneOdMax, i);
        case Column::MembraneThickness:
            return f(t.membraneThicknessUm, i);
        case Column::CytoplasmOd:
            return f(t.cytoplasmOd, i);
        case Column::Completeness:
            return f(t.completeness, i);
        case Column::Count:
            break;
    }
    return {};
}

int CellTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_fetched;
}

int CellTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(Column::Count);
}

QVariant CellTableModel::data(const QModelIndex& index, int role) const {
    if (!m_cells || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto i = static_cast<std::size_t>(index.row());
    const auto column = static_cast<Column>(index.column());
    switch (role) {
        case Qt::DisplayRole: {
            QVariant v = value(*m_cells, i, column);
            if (v.typeId() == QMetaType::Double) {
                const int decimals = (column == Column::X || column == Column::Y) ? 1 : 3;
                return QString::number(v.toDouble(), 'f', decimals);
            }
            return v;
        }
        case ValueRole: {
            QVariant v = value(*m_cells, i, column);
            if (column == Column::Score && i < m_cells->score.size())
                return static_cast<int>(m_cells->score[i]);
            return v;
        }
        case CellIndexRole:
            return static_cast<qulonglong>(i);
        case Qt::TextAlignmentRole:
            return column == Column::Score || column == Column::Intensity || column == Column::Pattern ||
                           column == Column::Exclusion
                       ? QVariant(int(Qt::AlignLeft | Qt::AlignVCenter))
                       : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
        case Qt::DecorationRole:
            if (column == Column::Score && i < m_cells->score.size())
                return SlideListModel::scoreColour(text(core::toString(m_cells->score[i])));
            return {};
        default:
            return {};
    }
}

QVariant CellTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (orientation == Qt::Vertical) return section + 1;
    if (section < 0 || section >= static_cast<int>(Column::Count)) return {};
    return columnTitle(static_cast<Column>(section));
}

bool CellTableModel::canFetchMore(const QModelIndex& parent) const {
    return !parent.isValid() && !m_inserting && m_cells &&
           static_cast<std::size_t>(m_fetched) < m_cells->size();
}

void CellTableModel::fetchMore(const QModelIndex& parent) {
    if (!canFetchMore(parent)) return;
    // Re-entrant calls (a view or tester reacting to rowsInserted) wait for the next round.
    const int last =
        static_cast<int>(std::min(m_cells->size(), static_cast<std::size_t>(m_fetched) + kFetchBatch)) - 1;
    m_inserting = true;
    beginInsertRows({}, m_fetched, last);
    m_fetched = last + 1;
    endInsertRows();
    m_inserting = false;
}

}  // namespace her2::models
