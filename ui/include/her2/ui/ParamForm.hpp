#pragma once
/// @file A parameter form generated from core::AnalysisParams::specs(): one editor per
/// parameter, grouped by section, with the label, unit, range and help the spec declares.
#include <QWidget>

#include "her2/core/Params.hpp"

namespace her2::ui {

/// Edits a copy of AnalysisParams. Every change is range-checked by AnalysisParams::set;
/// a rejected value is shown in red with the error as its tool tip. GUI-thread widget.
class ParamForm : public QWidget {
    Q_OBJECT
public:
    explicit ParamForm(QWidget* parent = nullptr);
    void setParams(const core::AnalysisParams& params);
    const core::AnalysisParams& params() const noexcept { return m_params; }
    /// Number of editors (one per spec).
    int editorCount() const noexcept { return m_editors; }

signals:
    void paramsChanged();

private:
    void rebuild();
    core::AnalysisParams m_params;
    int m_editors = 0;
};

}  // namespace her2::ui
