#include "her2/ui/ParamForm.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>
#include <map>

#include "her2/core/Errors.hpp"

namespace her2::ui {
namespace {

QString sectionTitle(const QString& section) {
    if (section == QLatin1String("tiling")) return ParamForm::tr("Tiling and tissue");
    if (section == QLatin1String("ihc")) return ParamForm::tr("IHC segmentation and membrane");
    if (section == QLatin1String("fish")) return ParamForm::tr("FISH");
    if (section == QLatin1String("rules")) return ParamForm::tr("Scoring rules");
    return section;
}

int decimalsFor(double lo, double hi) {
    const double span = hi - lo;
    if (span <= 2) return 3;
    if (span <= 50) return 2;
    return 1;
}

}  // namespace

ParamForm::ParamForm(QWidget* parent) : QWidget(parent) {
    new QVBoxLayout(this);
    rebuild();
}

void ParamForm::setParams(const core::AnalysisParams& params) {
    m_params = params;
    rebuild();
}

void ParamForm::rebuild() {
    auto* layout = static_cast<QVBoxLayout*>(this->layout());
    while (QLayoutItem* item = layout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_editors = 0;
    std::map<QString, QFormLayout*> forms;
    std::vector<QString> order;
    for (const core::ParamSpec& spec : core::AnalysisParams::specs()) {
        const QString key = QString::fromStdString(spec.key);
        const QString section = key.section(QLatin1Char('.'), 0, 0);
        if (!forms.count(section)) {
            auto* box = new QGroupBox(sectionTitle(section), this);
            forms[section] = new QFormLayout(box);
            layout->addWidget(box);
        }
        QFormLayout* form = forms[section];
        const core::ParamValue value = m_params.get(spec.key);
        QWidget* editor = nullptr;
        const std::string specKey = spec.key;
        auto apply = [this, specKey](QWidget* w, const core::ParamValue& v) {
            try {
                m_params.set(specKey, v);
                w->setStyleSheet({});
                w->setToolTip(w->property("help").toString());
                emit paramsChanged();
            } catch (const core::Error& e) {
                w->setStyleSheet(QStringLiteral("background: #ffd0d0;"));
                w->setToolTip(QString::fromStdString(e.what()));
            }
        };
        if (const auto* d = std::get_if<double>(&value)) {
            auto* spin = new QDoubleSpinBox(this);
            spin->setDecimals(decimalsFor(spec.minValue, spec.maxValue));
            spin->setRange(spec.minValue, spec.maxValue);
            spin->setSingleStep(std::pow(10.0, -spin->decimals() + 1));
            spin->setValue(*d);
            if (!spec.unit.empty()) spin->setSuffix(QStringLiteral(" ") + QString::fromStdString(spec.unit));
            connect(spin, &QDoubleSpinBox::valueChanged, this, [spin, apply](double v) { apply(spin, v); });
            editor = spin;
        } else if (const auto* i = std::get_if<int>(&value)) {
            auto* spin = new QSpinBox(this);
            spin->setRange(static_cast<int>(spec.minValue), static_cast<int>(spec.maxValue));
            spin->setValue(*i);
            if (!spec.unit.empty()) spin->setSuffix(QStringLiteral(" ") + QString::fromStdString(spec.unit));
            connect(spin, &QSpinBox::valueChanged, this, [spin, apply](int v) { apply(spin, v); });
            editor = spin;
        } else if (const auto* b = std::get_if<bool>(&value)) {
            auto* check = new QCheckBox(this);
            check->setChecked(*b);
            connect(check, &QCheckBox::toggled, this, [check, apply](bool v) { apply(check, v); });
            editor = check;
        } else if (const auto* s = std::get_if<std::string>(&value)) {
            auto* combo = new QComboBox(this);
            combo->setEditable(spec.choices.empty());
            for (const auto& c : spec.choices) combo->addItem(QString::fromStdString(c));
            combo->setCurrentText(QString::fromStdString(*s));
            connect(combo, &QComboBox::currentTextChanged, this,
                    [combo, apply](const QString& v) { apply(combo, v.toStdString()); });
            editor = combo;
        }
        if (!editor) continue;
        editor->setObjectName(key);
        editor->setProperty("help", QString::fromStdString(spec.help));
        editor->setToolTip(QString::fromStdString(spec.help));
        auto* label = new QLabel(QString::fromStdString(spec.label), this);
        label->setToolTip(QString::fromStdString(spec.help));
        form->addRow(label, editor);
        ++m_editors;
    }
    layout->addStretch();
}

}  // namespace her2::ui
