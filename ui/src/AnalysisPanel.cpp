#include "her2/ui/AnalysisPanel.hpp"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardItemModel>
#include <QVBoxLayout>

namespace her2::ui {

AnalysisPanel::AnalysisPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    auto* form = new QFormLayout;
    m_assay = new QComboBox(this);
    m_assay->addItem(tr("Automatic"), int(imaging::AssayRequest::Auto));
    m_assay->addItem(tr("IHC (DAB membrane)"), int(imaging::AssayRequest::Ihc));
    m_assay->addItem(tr("FISH (dual probe)"), int(imaging::AssayRequest::Fish));
    m_rules = new QComboBox(this);
    m_rules->addItem(tr("Breast (ASCO/CAP)"), QStringLiteral("breast"));
    m_rules->addItem(tr("Gastric / GEJ"), QStringLiteral("gastric"));
    m_rules->addItem(tr("NSCLC (gastric criteria)"), QStringLiteral("nsclc"));
    m_specimen = new QComboBox(this);
    m_specimen->addItem(tr("By rule set"), QStringLiteral("auto"));
    m_specimen->addItem(tr("Resection"), QStringLiteral("resection"));
    m_specimen->addItem(tr("Biopsy"), QStringLiteral("biopsy"));
    m_region = new QComboBox(this);
    m_region->addItem(tr("Drawn ROI"), int(RegionMode::DrawnRoi));
    m_region->addItem(tr("Visible region"), int(RegionMode::VisibleRegion));
    m_region->addItem(tr("Whole slide"), int(RegionMode::WholeSlide));
    m_region->setCurrentIndex(2);
    form->addRow(tr("Assay"), m_assay);
    form->addRow(tr("Rule set"), m_rules);
    form->addRow(tr("Specimen"), m_specimen);
    form->addRow(tr("Region"), m_region);
    layout->addLayout(form);

    auto* buttons = new QHBoxLayout;
    m_run = new QPushButton(tr("Run analysis"), this);
    m_run->setObjectName(QStringLiteral("runButton"));
    m_run->setDefault(true);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    m_cancel->setEnabled(false);
    auto* paramsButton = new QPushButton(tr("Parameters…"), this);
    buttons->addWidget(m_run, 1);
    buttons->addWidget(m_cancel);
    buttons->addWidget(paramsButton);
    layout->addLayout(buttons);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(tr("idle"));
    layout->addWidget(m_progress);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    connect(m_run, &QPushButton::clicked, this, &AnalysisPanel::runRequested);
    connect(m_cancel, &QPushButton::clicked, this, &AnalysisPanel::cancelRequested);
    connect(paramsButton, &QPushButton::clicked, this, &AnalysisPanel::editParametersRequested);
    setRoiAvailable(false);
}

imaging::AssayRequest AnalysisPanel::assay() const {
    return static_cast<imaging::AssayRequest>(m_assay->currentData().toInt());
}

RegionMode AnalysisPanel::regionMode() const {
    return static_cast<RegionMode>(m_region->currentData().toInt());
}

void AnalysisPanel::setRegionMode(RegionMode mode) {
    const int i = m_region->findData(int(mode));
    if (i >= 0) m_region->setCurrentIndex(i);
}

core::AnalysisParams AnalysisPanel::params() const {
    core::AnalysisParams p = m_base;
    p.set("rules.rule_set", m_rules->currentData().toString().toStdString());
    p.set("rules.specimen", m_specimen->currentData().toString().toStdString());
    return p;
}

void AnalysisPanel::setRules(const QString& ruleSet, const QString& specimen) {
    if (const int i = m_rules->findData(ruleSet); i >= 0) m_rules->setCurrentIndex(i);
    if (const int i = m_specimen->findData(specimen); i >= 0) m_specimen->setCurrentIndex(i);
}

void AnalysisPanel::setRoiAvailable(bool available) {
    // Disable rather than hide the choice so the user sees it exists.
    if (auto* model = qobject_cast<QStandardItemModel*>(m_region->model())) {
        if (auto* item = model->item(0)) item->setEnabled(available);
    }
    if (available) {
        setRegionMode(RegionMode::DrawnRoi);
    } else if (regionMode() == RegionMode::DrawnRoi) {
        setRegionMode(RegionMode::WholeSlide);
    }
}

void AnalysisPanel::setRunning(bool running) {
    m_run->setEnabled(!running);
    m_cancel->setEnabled(running);
    m_assay->setEnabled(!running);
    m_rules->setEnabled(!running);
    m_specimen->setEnabled(!running);
    m_region->setEnabled(!running);
    if (running) {
        m_progress->setValue(0);
        m_status->clear();
    }
}

void AnalysisPanel::setProgress(double fraction, const QString& message) {
    m_progress->setValue(static_cast<int>(fraction * 1000));
    m_progress->setFormat(QStringLiteral("%1 – %p%").arg(message));
}

void AnalysisPanel::setStatusText(const QString& text) {
    m_status->setText(text);
}

}  // namespace her2::ui
