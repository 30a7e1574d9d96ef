#pragma once
/// @file Read-only table over a core::CellTable: one row per cell, one column per measure.
#include <QAbstractTableModel>
#include <cstddef>
#include <memory>

#include "her2/core/CellTable.hpp"

namespace her2::models {

/// Rows are exposed lazily (canFetchMore/fetchMore in batches) so a view over a million
/// cells opens at once. The table is shared and never modified. GUI-thread object.
class CellTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Column {
        Index,
        X,
        Y,
        Score,
        Intensity,
        Pattern,
        Exclusion,
        CellArea,
        NucleusArea,
        NucleusHematoxylinOd,
        NucleusCircularity,
        MembraneOdMean,
        MembraneOdMax,
        MembraneThickness,
        CytoplasmOd,
        Completeness,
        Count
    };
    /// Qt::UserRole + 1: the cell index into the table (std::size_t as qulonglong).
    static constexpr int CellIndexRole = Qt::UserRole + 1;
    /// Raw numeric value of a measure (double), for sorting proxies.
    static constexpr int ValueRole = Qt::UserRole + 2;
    static constexpr int kFetchBatch = 2000;

    explicit CellTableModel(QObject* parent = nullptr);

    void setCells(std::shared_ptr<const core::CellTable> cells);
    const std::shared_ptr<const core::CellTable>& cells() const noexcept { return m_cells; }
    /// Makes sure rows up to `cell` are fetched and returns its model row (-1 if out of range).
    int ensureRow(std::size_t cell);

    /// Column title with unit, e.g. "Membrane OD (mean)".
    static QString columnTitle(Column c);
    /// Text of a column's value for one cell (used by the cell inspector too).
    static QVariant value(const core::CellTable& cells, std::size_t i, Column c);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

private:
    std::shared_ptr<const core::CellTable> m_cells;
    int m_fetched = 0;
    bool m_inserting = false;  ///< views may call fetchMore from reset/insert handlers
};

}  // namespace her2::models
