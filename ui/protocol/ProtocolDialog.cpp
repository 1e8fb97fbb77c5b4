// ProtocolDialog.cpp — preset and rules of a live channel.
#include "ui/protocol/ProtocolDialog.h"

#include "ui/dialogs/DialogFit.h"
#include "ui/protocol/ProtocolChooser.h"
#include "ui/protocol/RulesEditor.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace ui {

ProtocolDialog::ProtocolDialog(engine::ChannelId channel, const QString& title, bool listener, QWidget* parent)
    : QDialog(parent), m_channel(channel) {
    setWindowTitle(tr("Protocol — %1").arg(title));
    m_chooser = new ProtocolChooser(this);
    m_chooser->setRulesFileVisible(false);
    m_rules = new RulesEditor(this);
    m_rules->setToolTip(tr("Rules run after the preset: they answer, mark or close (docs/presets.md)"));

    auto* intro = new QLabel(listener ? tr("For every connection this listener accepts from now on "
                                           "(those already accepted keep theirs).")
                                      : tr("From the next message on; the preset's starting terminator replaces "
                                           "the one in force."),
                             this);
    intro->setWordWrap(true);
    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    m_problem->setTextFormat(Qt::PlainText);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Apply and c&lose"));

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->addRow(tr("&Preset:"), m_chooser);
    auto* col = new QVBoxLayout(this);
    col->addWidget(intro);
    col->addLayout(form);
    auto* rulesLabel = new QLabel(tr("&Rules (optional):"), this);
    rulesLabel->setBuddy(m_rules->editor());
    col->addWidget(rulesLabel);
    col->addWidget(m_rules, 1);
    col->addWidget(m_problem);
    col->addWidget(m_buttons);

    connect(m_chooser, &ProtocolChooser::changed, this, &ProtocolDialog::validate);
    connect(m_rules, &RulesEditor::validityChanged, this, &ProtocolDialog::validate);
    connect(m_rules, &RulesEditor::applyRequested, this, [this] { apply(); });
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!problem().isEmpty()) return;
        apply();
        accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
    resize(dialogfit::boundedToScreen(this, QSize(qMax(sizeHint().width(), 560), qMax(sizeHint().height(), 420))));
}

void ProtocolDialog::setChoice(const ProtocolChoice& c) {
    m_chooser->setChoice(c);
    m_rules->setText(c.rulesText);
    validate();
}

ProtocolChoice ProtocolDialog::choice() const {
    ProtocolChoice c = m_chooser->choice();
    c.rulesFile.clear();
    if (m_rules->program()) {
        c.rulesText = m_rules->text();
        c.programs.push_back(m_rules->program());
    }
    return c;
}

QString ProtocolDialog::problem() const {
    if (!m_chooser->problem().isEmpty()) return tr("The preset cannot be used: %1").arg(m_chooser->problem());
    if (!m_rules->isValid()) return tr("The rules do not parse: %1").arg(m_rules->error());
    return {};
}

void ProtocolDialog::validate() {
    const QString why = problem();
    // The rules' own error is under the editor already: only the preset's is said here.
    m_problem->setText(m_chooser->problem().isEmpty() ? QString() : why);
    m_problem->setVisible(!m_problem->text().isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setToolTip(why);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(why.isEmpty());
    m_rules->applyButton()->setEnabled(why.isEmpty());
}

void ProtocolDialog::apply() {
    if (!problem().isEmpty()) return;
    emit applyRequested(m_channel, choice());
}

}  // namespace ui
