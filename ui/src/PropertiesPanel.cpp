#include "her2/ui/PropertiesPanel.hpp"

#include <QFileInfo>
#include <QHeaderView>
#include <QLocale>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace her2::ui {

PropertiesPanel::PropertiesPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tree = new QTreeWidget(this);
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({tr("Property"), tr("Value")});
    m_tree->setRootIsDecorated(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    layout->addWidget(m_tree);
}

void PropertiesPanel::setSlide(const imaging::SlideSource* slide) {
    m_tree->clear();
    if (!slide) return;
    const QLocale locale;
    auto add = [&](QTreeWidgetItem* parent, const QString& key, const QString& value) {
        auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_tree);
        item->setText(0, key);
        item->setText(1, value);
        item->setToolTip(1, value);
        return item;
    };
    const QFileInfo fi(QString::fromStdString(slide->path().string()));
    add(nullptr, tr("File"), fi.fileName());
    add(nullptr, tr("Folder"), fi.absolutePath());
    add(nullptr, tr("File size"), locale.formattedDataSize(fi.size()));
    try {
        add(nullptr, tr("Format"), QString::fromStdString(slide->vendor()));
        add(nullptr, tr("Dimensions"),
            tr("%1 × %2 px")
                .arg(locale.toString(qlonglong(slide->width())),
                     locale.toString(qlonglong(slide->height()))));
        const core::PixelCalibration cal = slide->calibration();
        add(nullptr, tr("Pixel size"),
            cal.calibrated() ? tr("%1 × %2 µm (%3)")
                                   .arg(cal.mppX(), 0, 'f', 4)
                                   .arg(cal.mppY(), 0, 'f', 4)
                                   .arg(QString::fromStdString(cal.source()))
                             : tr("uncalibrated (assumed %1 µm)").arg(cal.mpp()));
        add(nullptr, tr("Objective"),
            cal.objectivePower ? tr("%1×").arg(*cal.objectivePower) : tr("unknown"));
        add(nullptr, tr("Image kind"),
            slide->kind() == imaging::ImageKind::Fluorescence ? tr("fluorescence") : tr("bright field"));
        const auto names = slide->channelNames();
        QStringList channels;
        for (const auto& n : names) channels << QString::fromStdString(n);
        add(nullptr, tr("Channels"), channels.join(QStringLiteral(", ")));
        auto* levels = add(nullptr, tr("Levels"), QString::number(slide->levels().size()));
        for (std::size_t i = 0; i < slide->levels().size(); ++i) {
            const auto& l = slide->levels()[i];
            add(levels, tr("Level %1").arg(i),
                tr("%1 × %2 px, downsample %3").arg(l.width).arg(l.height).arg(l.downsample, 0, 'g', 4));
        }
        levels->setExpanded(true);
        const auto associated = slide->associatedImages();
        if (!associated.empty()) {
            QStringList a;
            for (const auto& n : associated) a << QString::fromStdString(n);
            add(nullptr, tr("Associated images"), a.join(QStringLiteral(", ")));
        }
        const auto props = slide->properties();
        if (!props.empty()) {
            auto* meta = add(nullptr, tr("Metadata"), tr("%1 entries").arg(props.size()));
            for (const auto& [k, v] : props) add(meta, QString::fromStdString(k), QString::fromStdString(v));
        }
    } catch (const std::exception& e) {
        add(nullptr, tr("Error"), QString::fromUtf8(e.what()));
    }
}

int PropertiesPanel::rowCount() const {
    int n = 0;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) n += 1 + m_tree->topLevelItem(i)->childCount();
    return n;
}

}  // namespace her2::ui
