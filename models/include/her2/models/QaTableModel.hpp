#pragma once
/// @file The discordant cases of a QA comparison, one row per slide.
#include <QAbstractTableModel>

#include "her2/models/QaResult.hpp"

namespace her2::models {

/// Columns: slide, automatic score, manual score, overlay. GUI-thread object.
class QaTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column { Slide, Automatic, Manual, Overlay, Count };
    enum Role { SlidePathRole = Qt::UserRole + 1, OverlayPathRole };

    explicit QaTableModel(QObject* parent = nullptr);

    void setResult(QaResult result);
    const QaResult& result() const noexcept { return m_result; }
    const DiscordantCase* caseAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QaResult m_result;
};

}  // namespace her2::models
