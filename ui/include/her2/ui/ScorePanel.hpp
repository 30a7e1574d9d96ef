#pragma once
/// @file The score a pathologist signs out and what it rests on: score, status, the reason
/// sentence, class percentages and the membrane OD histogram (or the FISH counts).
#include <QWidget>
#include <vector>

#include "her2/core/CellTable.hpp"
#include "her2/core/ScoreReport.hpp"

class QLabel;
class QProgressBar;
class QFormLayout;
class QGroupBox;

namespace her2::imaging {
struct SlideAnalysis;
}

namespace her2::ui {

/// Counts of a value per bin: edges.size() == counts.size() + 1.
struct Histogram {
    std::vector<double> edges;
    std::vector<double> counts;
    bool empty() const noexcept { return counts.empty(); }
};

/// Histogram of the mean membrane DAB OD of tumour cells over [0, maxOd] (values above
/// go to the last bin).
Histogram membraneOdHistogram(const core::CellTable& cells, int bins = 40, double maxOd = 1.0);

/// Bar chart of a Histogram with optional vertical threshold lines.
class HistogramWidget : public QWidget {
    Q_OBJECT
public:
    explicit HistogramWidget(QWidget* parent = nullptr);
    void setHistogram(Histogram histogram);
    /// Marks thresholds (e.g. faint and strong OD) with labelled lines.
    void setThresholds(std::vector<std::pair<double, QString>> thresholds);
    const Histogram& histogram() const noexcept { return m_histogram; }
    QSize sizeHint() const override { return {260, 130}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    Histogram m_histogram;
    std::vector<std::pair<double, QString>> m_thresholds;
};

/// Read-only panel. GUI-thread widget.
class ScorePanel : public QWidget {
    Q_OBJECT
public:
    explicit ScorePanel(QWidget* parent = nullptr);

    /// Shows a finished analysis (report, histogram from its cells).
    void showAnalysis(const imaging::SlideAnalysis& analysis);
    /// Shows a report read from a file, with an optional histogram.
    void showReport(const core::ScoreReport& report, const Histogram& histogram = {});
    void clear();

    /// The texts shown, for tests: "3+" (or "FISH group 1", "—"), "positive", the reason.
    QString scoreText() const;
    QString statusText() const;
    QString reasonText() const;
    /// Percent of tumour cells per class as displayed, in [0, 100].
    std::vector<double> classPercents() const;
    HistogramWidget* histogramWidget() const noexcept { return m_histogram; }

private:
    QLabel* m_score = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_low = nullptr;
    QLabel* m_rule = nullptr;
    QLabel* m_reason = nullptr;
    QLabel* m_counts = nullptr;
    QLabel* m_warnings = nullptr;
    QGroupBox* m_classBox = nullptr;
    std::vector<QProgressBar*> m_bars;
    QGroupBox* m_histBox = nullptr;
    HistogramWidget* m_histogram = nullptr;
    QGroupBox* m_fishBox = nullptr;
    QLabel* m_fish = nullptr;
};

}  // namespace her2::ui
