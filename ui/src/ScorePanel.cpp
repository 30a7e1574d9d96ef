#include "her2/ui/ScorePanel.hpp"

#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPainter>
#include <QProgressBar>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "her2/imaging/AnalysisPipeline.hpp"
#include "her2/ui/OverlayRenderer.hpp"

namespace her2::ui {
namespace {

QString qs(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

QString capitalised(QString s) {
    if (!s.isEmpty()) s[0] = s[0].toUpper();
    return s;
}

QColor statusColour(core::Her2Status s) {
    switch (s) {
        case core::Her2Status::Negative:
            return {40, 110, 210};
        case core::Her2Status::Equivocal:
            return {220, 130, 0};
        case core::Her2Status::Positive:
            return {200, 30, 30};
        case core::Her2Status::NotScorable:
            return {110, 110, 110};
    }
    return Qt::gray;
}

}  // namespace

Histogram membraneOdHistogram(const core::CellTable& cells, int bins, double maxOd) {
    Histogram h;
    bins = std::max(1, bins);
    h.edges.resize(static_cast<std::size_t>(bins) + 1);
    for (int i = 0; i <= bins; ++i) h.edges[static_cast<std::size_t>(i)] = maxOd * i / bins;
    h.counts.assign(static_cast<std::size_t>(bins), 0.0);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (!cells.isTumour(i)) continue;
        const double v = cells.membraneOdMean[i];
        if (!std::isfinite(v)) continue;
        const int b = std::clamp(static_cast<int>(v / maxOd * bins), 0, bins - 1);
        h.counts[static_cast<std::size_t>(b)] += 1;
    }
    return h;
}

HistogramWidget::HistogramWidget(QWidget* parent) : QWidget(parent) {
    setMinimumHeight(110);
}

void HistogramWidget::setHistogram(Histogram histogram) {
    m_histogram = std::move(histogram);
    update();
}

void HistogramWidget::setThresholds(std::vector<std::pair<double, QString>> thresholds) {
    m_thresholds = std::move(thresholds);
    update();
}

void HistogramWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, true);
    const QRectF area = QRectF(rect()).adjusted(34, 8, -8, -22);
    p.fillRect(rect(), palette().base());
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(area);
    if (m_histogram.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(area, Qt::AlignCenter, tr("no cells"));
        return;
    }
    const double lo = m_histogram.edges.front(), hi = m_histogram.edges.back();
    const double maxCount =
        std::max(1.0, *std::max_element(m_histogram.counts.begin(), m_histogram.counts.end()));
    auto xOf = [&](double v) { return area.left() + (v - lo) / (hi - lo) * area.width(); };
    // Bars coloured by the intensity band they fall in, using the threshold lines.
    for (std::size_t i = 0; i < m_histogram.counts.size(); ++i) {
        const double x0 = xOf(m_histogram.edges[i]), x1 = xOf(m_histogram.edges[i + 1]);
        const double h = m_histogram.counts[i] / maxCount * area.height();
        const double mid = 0.5 * (m_histogram.edges[i] + m_histogram.edges[i + 1]);
        int band = 0;
        for (const auto& t : m_thresholds)
            if (mid >= t.first) ++band;
        const QColor c = OverlayRenderer::classColour(static_cast<core::CellScore>(std::min(band, 3)));
        p.fillRect(QRectF(x0 + 0.5, area.bottom() - h, std::max(1.0, x1 - x0 - 1), h), c);
    }
    QFont small = font();
    small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1.5));
    p.setFont(small);
    for (const auto& [value, label] : m_thresholds) {
        const double x = xOf(value);
        p.setPen(QPen(palette().color(QPalette::Text), 1, Qt::DashLine));
        p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
        p.drawText(QPointF(x + 3, area.top() + 11), label);
    }
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), 18), Qt::AlignLeft | Qt::AlignTop,
               QString::number(lo, 'f', 1));
    p.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), 18), Qt::AlignHCenter | Qt::AlignTop,
               tr("membrane DAB OD"));
    p.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), 18), Qt::AlignRight | Qt::AlignTop,
               QString::number(hi, 'f', 1));
    p.drawText(QRectF(0, area.top(), area.left() - 4, 14), Qt::AlignRight | Qt::AlignTop,
               QString::number(static_cast<qlonglong>(maxCount)));
    p.drawText(QRectF(0, area.bottom() - 14, area.left() - 4, 14), Qt::AlignRight | Qt::AlignBottom,
               QStringLiteral("0"));
}

ScorePanel::ScorePanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);

    auto* header = new QHBoxLayout;
    m_score = new QLabel(this);
    m_score->setObjectName(QStringLiteral("scoreLabel"));
    m_score->setAlignment(Qt::AlignCenter);
    m_score->setMinimumSize(84, 64);
    QFont big = m_score->font();
    big.setPointSizeF(26);
    big.setBold(true);
    m_score->setFont(big);
    header->addWidget(m_score);
    auto* statusColumn = new QVBoxLayout;
    m_status = new QLabel(this);
    QFont statusFont = m_status->font();
    statusFont.setPointSizeF(statusFont.pointSizeF() + 3);
    statusFont.setBold(true);
    m_status->setFont(statusFont);
    m_low = new QLabel(this);
    m_rule = new QLabel(this);
    m_rule->setWordWrap(true);
    m_rule->setStyleSheet(QStringLiteral("color: palette(mid);"));
    statusColumn->addWidget(m_status);
    statusColumn->addWidget(m_low);
    statusColumn->addWidget(m_rule);
    statusColumn->addStretch();
    header->addLayout(statusColumn, 1);
    layout->addLayout(header);

    m_reason = new QLabel(this);
    m_reason->setWordWrap(true);
    m_reason->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reason->setFrameShape(QFrame::StyledPanel);
    m_reason->setMargin(6);
    layout->addWidget(m_reason);

    m_classBox = new QGroupBox(tr("Tumour cells by class"), this);
    auto* form = new QFormLayout(m_classBox);
    const char* names[] = {"0", "1+", "2+", "3+"};
    for (int i = 0; i < 4; ++i) {
        auto* bar = new QProgressBar(m_classBox);
        bar->setRange(0, 1000);
        bar->setTextVisible(true);
        const QColor c = OverlayRenderer::classColour(static_cast<core::CellScore>(i));
        bar->setStyleSheet(
            QStringLiteral("QProgressBar { border: 1px solid palette(mid); border-radius: 3px; "
                           "text-align: center; height: 16px; } QProgressBar::chunk { background: %1; }")
                .arg(c.name()));
        form->addRow(QString::fromLatin1(names[i]), bar);
        m_bars.push_back(bar);
    }
    m_counts = new QLabel(m_classBox);
    form->addRow(m_counts);
    layout->addWidget(m_classBox);

    m_histBox = new QGroupBox(tr("Membrane OD histogram (tumour cells)"), this);
    auto* histLayout = new QVBoxLayout(m_histBox);
    m_histogram = new HistogramWidget(m_histBox);
    histLayout->addWidget(m_histogram);
    layout->addWidget(m_histBox);

    m_fishBox = new QGroupBox(tr("FISH counts"), this);
    auto* fishLayout = new QVBoxLayout(m_fishBox);
    m_fish = new QLabel(m_fishBox);
    m_fish->setTextInteractionFlags(Qt::TextSelectableByMouse);
    fishLayout->addWidget(m_fish);
    layout->addWidget(m_fishBox);

    m_warnings = new QLabel(this);
    m_warnings->setWordWrap(true);
    m_warnings->setStyleSheet(QStringLiteral("color: #b06000;"));
    layout->addWidget(m_warnings);
    layout->addStretch();
    clear();
}

void ScorePanel::clear() {
    m_score->setText(QStringLiteral("—"));
    m_score->setStyleSheet(
        QStringLiteral("QLabel#scoreLabel { background: palette(mid); color: white; border-radius: 8px; }"));
    m_status->setText(tr("No result"));
    m_low->clear();
    m_rule->setText(tr("Draw a region or choose the visible region or the whole slide, then press Run."));
    m_reason->clear();
    m_reason->hide();
    for (auto* bar : m_bars) {
        bar->setValue(0);
        bar->setFormat(QStringLiteral("–"));
    }
    m_counts->clear();
    m_histogram->setHistogram({});
    m_fishBox->hide();
    m_classBox->show();
    m_histBox->show();
    m_warnings->clear();
}

void ScorePanel::showAnalysis(const imaging::SlideAnalysis& analysis) {
    showReport(analysis.report, membraneOdHistogram(analysis.cells));
    if (!analysis.warnings.empty()) {
        QStringList w;
        for (const auto& s : analysis.warnings) w << QString::fromStdString(s);
        m_warnings->setText(tr("Warnings: %1").arg(w.join(QStringLiteral("; "))));
    }
}

void ScorePanel::showReport(const core::ScoreReport& r, const Histogram& histogram) {
    clear();
    const bool fish = r.assay == core::Assay::Fish;
    QString scoreText;
    if (fish) {
        scoreText = r.ish.group ? tr("G%1").arg(*r.ish.group) : QStringLiteral("—");
    } else {
        scoreText = r.score ? qs(core::toString(*r.score)) : QStringLiteral("—");
    }
    const QColor colour = fish || !r.score
                              ? statusColour(r.status)
                              : OverlayRenderer::classColour(static_cast<core::CellScore>(*r.score));
    m_score->setText(scoreText);
    m_score->setStyleSheet(
        QStringLiteral("QLabel#scoreLabel { background: %1; color: %2; border-radius: 8px; }")
            .arg(colour.name(),
                 colour.lightnessF() > 0.6 ? QStringLiteral("black") : QStringLiteral("white")));
    m_status->setText(capitalised(qs(core::toString(r.status))));
    m_status->setStyleSheet(QStringLiteral("color: %1;").arg(statusColour(r.status).name()));
    if (r.her2Low) m_low->setText(tr("HER2-low category: %1").arg(qs(core::toString(*r.her2Low))));
    m_rule->setText(tr("%1 rules · %2 · %3")
                        .arg(capitalised(qs(core::toString(r.ruleSet))), qs(core::toString(r.specimen)),
                             QString::fromStdString(r.ruleVersion)));
    m_reason->setText(QString::fromStdString(r.reason));
    m_reason->setVisible(!r.reason.empty());
    if (fish) {
        m_classBox->hide();
        m_histBox->hide();
        m_fishBox->show();
        m_fish->setText(tr("Nuclei counted: %1\nMean HER2 per nucleus: %2\nMean CEP17 per nucleus: %3\n"
                           "HER2/CEP17 ratio: %4\nISH group: %5\n%6")
                            .arg(r.ish.nucleiCounted)
                            .arg(r.ish.meanHer2, 0, 'f', 2)
                            .arg(r.ish.meanCep17, 0, 'f', 2)
                            .arg(r.ish.ratio, 0, 'f', 2)
                            .arg(r.ish.group ? QString::number(*r.ish.group) : QStringLiteral("—"))
                            .arg(QString::fromStdString(r.ish.workup)));
        return;
    }
    for (std::size_t i = 0; i < 4; ++i) {
        m_bars[i]->setValue(static_cast<int>(std::lround(r.ihc.percent[i] * 10)));
        m_bars[i]->setFormat(
            QStringLiteral("%1 %  (%2)").arg(r.ihc.percent[i], 0, 'f', 1).arg(r.ihc.counts[i]));
    }
    m_counts->setText(tr("%1 tumour cells, %2 excluded").arg(r.ihc.tumourCells).arg(r.ihc.excludedCells));
    m_histogram->setHistogram(histogram);
    m_histBox->setVisible(!histogram.empty());
}

QString ScorePanel::scoreText() const {
    return m_score->text();
}
QString ScorePanel::statusText() const {
    return m_status->text();
}
QString ScorePanel::reasonText() const {
    return m_reason->text();
}

std::vector<double> ScorePanel::classPercents() const {
    std::vector<double> out;
    for (auto* bar : m_bars) out.push_back(bar->value() / 10.0);
    return out;
}

}  // namespace her2::ui
