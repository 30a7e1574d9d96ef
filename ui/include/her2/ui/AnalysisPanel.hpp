#pragma once
/// @file Choices for one analysis run (assay, rule set, specimen, region) with Run, Cancel
/// and a progress bar.
#include <QWidget>

#include "her2/core/Params.hpp"
#include "her2/imaging/AnalysisPipeline.hpp"

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace her2::ui {

/// Which part of the slide to analyse.
enum class RegionMode { DrawnRoi, VisibleRegion, WholeSlide };

/// GUI-thread widget; the main window connects runRequested/cancelRequested to the
/// AnalysisController and feeds progress back.
class AnalysisPanel : public QWidget {
    Q_OBJECT
public:
    explicit AnalysisPanel(QWidget* parent = nullptr);

    imaging::AssayRequest assay() const;
    RegionMode regionMode() const;
    void setRegionMode(RegionMode mode);
    /// The base parameters with the chosen rule set and specimen applied.
    core::AnalysisParams params() const;
    void setBaseParams(const core::AnalysisParams& params) { m_base = params; }
    const core::AnalysisParams& baseParams() const noexcept { return m_base; }
    /// Chooses a rule set ("breast", "gastric", "nsclc") and specimen ("auto", ...).
    void setRules(const QString& ruleSet, const QString& specimen);
    /// Whether a drawn ROI exists (enables the "Drawn ROI" choice).
    void setRoiAvailable(bool available);

    void setRunning(bool running);
    void setProgress(double fraction, const QString& message);
    /// Shows the outcome line under the progress bar.
    void setStatusText(const QString& text);

    QPushButton* runButton() const noexcept { return m_run; }
    QPushButton* cancelButton() const noexcept { return m_cancel; }
    QProgressBar* progressBar() const noexcept { return m_progress; }

signals:
    void runRequested();
    void cancelRequested();
    void editParametersRequested();

private:
    core::AnalysisParams m_base;
    QComboBox* m_assay = nullptr;
    QComboBox* m_rules = nullptr;
    QComboBox* m_specimen = nullptr;
    QComboBox* m_region = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
};

}  // namespace her2::ui
