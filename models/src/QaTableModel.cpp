#include "her2/models/QaTableModel.hpp"

#include <QColor>
#include <QFileInfo>

#include "her2/models/SlideListModel.hpp"

namespace her2::models {

QaTableModel::QaTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void QaTableModel::setResult(QaResult result) {
    beginResetModel();
    m_result = std::move(result);
    endResetModel();
}

const DiscordantCase* QaTableModel::caseAt(int row) const {
    if (row < 0 || row >= static_cast<int>(m_result.discordant.size())) return nullptr;
    return &m_result.discordant[static_cast<std::size_t>(row)];
}

int QaTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_result.discordant.size());
}

int QaTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(Column::Count);
}

QVariant QaTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const DiscordantCase& c = m_result.discordant[static_cast<std::size_t>(index.row())];
    const auto column = static_cast<Column>(index.column());
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Column::Slide: return QFileInfo(c.slide).fileName();
        case Column::Automatic: return c.automatic;
        case Column::Manual: return c.manual;
        case Column::Overlay: return QFileInfo(c.overlay).fileName();
        case Column::Count: break;
        }
        return {};
    case Qt::ToolTipRole:
        if (column == Column::Slide) return c.slidePath.isEmpty() ? tr("%1 (not found)").arg(c.slide) : c.slidePath;
        if (column == Column::Overlay)
            return c.overlayPath.isEmpty() ? tr("%1 (not found)").arg(c.overlay) : c.overlayPath;
        return {};
    case Qt::DecorationRole: {
        if (column != Column::Automatic && column != Column::Manual) return {};
        const QColor colour = SlideListModel::scoreColour(column == Column::Automatic ? c.automatic : c.manual);
        return colour.isValid() ? QVariant(colour) : QVariant();
    }
    case SlidePathRole: return c.slidePath;
    case OverlayPathRole: return c.overlayPath;
    default: return {};
    }
}

QVariant QaTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return {};
    if (orientation == Qt::Vertical) return section + 1;
    switch (static_cast<Column>(section)) {
    case Column::Slide: return tr("Slide");
    case Column::Automatic: return tr("Automatic");
    case Column::Manual: return tr("Manual");
    case Column::Overlay: return tr("Overlay");
    case Column::Count: break;
    }
    return {};
}

}  // namespace her2::models
