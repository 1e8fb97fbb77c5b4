// PreferencesDialog.cpp — the recordings' retention, in the settings.
#include "ui/dialogs/PreferencesDialog.h"

#include "ui/dialogs/DialogFit.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace ui {
namespace {

QSpinBox* spin(int max, const QString& suffix, const QString& off) {
    auto* s = new QSpinBox;
    s->setRange(0, max);
    s->setSuffix(suffix);
    s->setSpecialValueText(off);  // 0
    s->setAccelerated(true);
    return s;
}

int inMiB(std::int64_t bytes) { return static_cast<int>(bytes / RetentionPolicy::kMiB); }

}  // namespace

PreferencesDialog::PreferencesDialog(const RetentionPolicy& policy, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Preferences"));
    setObjectName(QStringLiteral("preferencesDialog"));
    auto* fields = new QWidget;
    auto* v = new QVBoxLayout(fields);
    auto* group = new QGroupBox(tr("Recorded sessions"));
    auto* form = new QFormLayout(group);
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    const QString noLimit = tr("no limit");
    m_total = spin(1 << 24, tr(" MiB"), noLimit);
    m_total->setObjectName(QStringLiteral("maxTotal"));
    m_total->setToolTip(tr("When the sessions folder holds more, the oldest recordings are deleted"));
    m_age = spin(36500, tr(" days"), noLimit);
    m_age->setObjectName(QStringLiteral("maxAge"));
    m_age->setToolTip(tr("Recordings older than this are deleted"));
    m_warn = spin(1 << 24, tr(" MiB"), tr("never"));
    m_warn->setObjectName(QStringLiteral("warnAt"));
    m_warn->setToolTip(tr("A recording that grows past this size says so, once"));
    m_stop = spin(1 << 24, tr(" MiB"), tr("never"));
    m_stop->setObjectName(QStringLiteral("stopAt"));
    m_stop->setToolTip(tr("A recording that reaches this size stops (the file is kept; File ▸ Record session "
                          "starts it again)"));
    form->addRow(tr("Keep at most (all recordings):"), m_total);
    form->addRow(tr("Delete recordings older than:"), m_age);
    form->addRow(tr("Warn when a recording passes:"), m_warn);
    form->addRow(tr("Stop a recording at:"), m_stop);
    auto* note = new QLabel(tr("Old recordings are deleted when a window opens and when these settings change, "
                               "never while a window records into them. File ▸ Recorded sessions… lists them."));
    note->setWordWrap(true);
    form->addRow(note);
    v->addWidget(group);
    v->addStretch(1);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            [this] { setPolicy(RetentionPolicy{}); });
    auto* fit = new DialogFit(this, fields, buttons);
    setPolicy(policy);
    fit->refit();
}

RetentionPolicy PreferencesDialog::policy() const {
    RetentionPolicy p;
    p.maxTotalBytes = std::int64_t{m_total->value()} * RetentionPolicy::kMiB;
    p.maxAgeDays = m_age->value();
    p.warnBytes = std::int64_t{m_warn->value()} * RetentionPolicy::kMiB;
    p.stopBytes = std::int64_t{m_stop->value()} * RetentionPolicy::kMiB;
    return p;
}

void PreferencesDialog::setPolicy(const RetentionPolicy& p) {
    m_total->setValue(inMiB(p.maxTotalBytes));
    m_age->setValue(p.maxAgeDays);
    m_warn->setValue(inMiB(p.warnBytes));
    m_stop->setValue(inMiB(p.stopBytes));
}

void PreferencesDialog::accept() {
    const RetentionPolicy p = policy();
    p.save();
    emit policyChanged(p);
    QDialog::accept();
}

}  // namespace ui
