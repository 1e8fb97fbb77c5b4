// ProtocolChooser.cpp — the preset list and the rules file, loaded as chosen.
#include "ui/protocol/ProtocolChooser.h"

#include "engine/program/Presets.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardItemModel>
#include <QVBoxLayout>

namespace ui {

ProtocolChooser::ProtocolChooser(QWidget* parent, std::filesystem::path userDir)
    : QWidget(parent), m_userDir(userDir.empty() ? engine::program::userPresetDir() : std::move(userDir)) {
    m_presets = new QComboBox(this);
    m_presets->setToolTip(tr("A protocol preset frames the stream as the protocol does (a RESP bulk string by its "
                             "length, an HTTP body by Content-Length …); its starting terminator replaces the one above"));
    m_presets->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_presets->setMinimumContentsLength(14);

    m_rules = new QLineEdit(this);
    m_rules->setPlaceholderText(tr("rules file (optional)"));
    m_rules->setClearButtonEnabled(true);
    m_rules->setToolTip(tr("A rules file (.lwp) run after the preset: it answers, marks or closes (docs/presets.md)"));
    m_browse = new QPushButton(tr("Bro&wse…"), this);

    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    m_note->setTextFormat(Qt::PlainText);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_rulesRow = new QWidget(this);
    auto* rulesRow = new QHBoxLayout(m_rulesRow);
    rulesRow->setContentsMargins(0, 0, 0, 0);
    rulesRow->addWidget(m_rules, 1);
    rulesRow->addWidget(m_browse);

    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(0, 0, 0, 0);
    col->addWidget(m_presets);
    col->addWidget(m_rulesRow);
    col->addWidget(m_note);

    // As wide as the dialog's field column: the preset's description and the note fit on their lines.
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    m_presets->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    reloadPresets();
    connect(m_presets, &QComboBox::currentIndexChanged, this, [this] { load(); });
    connect(m_rules, &QLineEdit::textChanged, this, [this] { load(); });
    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Rules file"), m_rules->text(),
                                                       tr("Protocol programs (*.lwp);;All files (*)"));
        if (!f.isEmpty()) m_rules->setText(f);
    });
    load();
}

void ProtocolChooser::reloadPresets() {
    const QString current = m_presets->currentData().toString();
    const QSignalBlocker block(m_presets);
    m_presets->clear();
    m_presets->addItem(tr("None (the terminator alone)"), QString());
    auto* model = qobject_cast<QStandardItemModel*>(m_presets->model());
    for (const engine::program::PresetInfo& p : engine::program::listPresets(m_userDir)) {
        const QString name = QString::fromStdString(p.name);
        QString text = name;
        if (!p.description.empty()) text += QStringLiteral(" — ") + QString::fromStdString(p.description);
        if (p.user) text += tr(" (yours)");
        m_presets->addItem(text, name);
        const int row = m_presets->count() - 1;
        QString tip = QString::fromStdString(p.source);
        if (!p.error.empty()) {
            tip = QString::fromStdString(p.error);
            if (model) model->item(row)->setEnabled(false);
        }
        m_presets->setItemData(row, tip, Qt::ToolTipRole);
    }
    const int again = m_presets->findData(current);
    m_presets->setCurrentIndex(again < 0 ? 0 : again);
}

void ProtocolChooser::setRulesFileVisible(bool on) {
    m_rulesRow->setVisible(on);
    if (!on && !m_rules->text().isEmpty()) m_rules->clear();
}

void ProtocolChooser::setChoice(const ProtocolChoice& c) {
    {
        const QSignalBlocker b1(m_presets);
        const QSignalBlocker b2(m_rules);
        const int i = c.preset.isEmpty() ? 0 : m_presets->findData(c.preset);
        m_presets->setCurrentIndex(i < 0 ? 0 : i);
        m_rules->setText(c.rulesFile);
    }
    load();
    if (!c.preset.isEmpty() && m_presets->findData(c.preset) < 0) {
        m_problem = tr("There is no preset named '%1' any more.").arg(c.preset);
        m_note->setText(m_problem);
        m_note->show();
    }
}

ProtocolChoice ProtocolChooser::choice() const {
    return m_problem.isEmpty() ? m_loaded : ProtocolChoice{};
}

void ProtocolChooser::load() {
    m_loaded = ProtocolChoice{};
    m_problem.clear();
    QStringList notes;
    const QString preset = m_presets->currentData().toString();
    if (!preset.isEmpty()) {
        std::string error;
        auto p = engine::program::loadPreset(preset.toStdString(), m_userDir, &error);
        if (p) {
            m_loaded.preset = preset;
            m_loaded.programs.push_back(std::move(p));
            notes << tr("Frames as %1; starts with its own terminator.").arg(preset);
        } else {
            m_problem = QString::fromStdString(error);
        }
    }
    const QString rules = m_rules->text().trimmed();
    if (m_problem.isEmpty() && !rules.isEmpty()) {
        std::string error;
        auto p = engine::program::loadProgramFile(std::filesystem::path(rules.toStdString()), &error);
        if (p) {
            m_loaded.rulesFile = rules;
            notes << tr("%n rule(s) from %1.", nullptr, static_cast<int>(p->rules().size()))
                         .arg(QString::fromStdString(std::filesystem::path(rules.toStdString()).filename().string()));
            m_loaded.programs.push_back(std::move(p));
        } else {
            m_problem = QString::fromStdString(error);
        }
    }
    if (!m_problem.isEmpty()) m_loaded = ProtocolChoice{};
    m_note->setText(m_problem.isEmpty() ? notes.join(QLatin1Char(' ')) : tr("Cannot use it: %1").arg(m_problem));
    m_note->setVisible(!m_note->text().isEmpty());
    emit changed();
}

}  // namespace ui
