#pragma once
/// @file Slide properties: size, levels, calibration, vendor and the file's own metadata.
#include <QWidget>

#include "her2/imaging/SlideSource.hpp"

class QTreeWidget;

namespace her2::ui {

/// GUI-thread widget.
class PropertiesPanel : public QWidget {
    Q_OBJECT
public:
    explicit PropertiesPanel(QWidget* parent = nullptr);
    /// Fills the panel from a slide (null clears it). Never throws: unreadable fields
    /// are shown as such.
    void setSlide(const imaging::SlideSource* slide);
    /// Number of rows shown (top-level and children), for tests.
    int rowCount() const;

private:
    QTreeWidget* m_tree = nullptr;
};

}  // namespace her2::ui
