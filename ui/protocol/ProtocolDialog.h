// ProtocolDialog.h — Channel ▸ Protocol preset…: a live channel's preset and
// rules, changed while it runs.
//
// What it does: a ProtocolChooser (the preset; no rules file row) above a
// RulesEditor (rules typed or opened, checked as typed). Apply (the
// editor's button, or OK, which also closes) emits applyRequested() with the
// preset and the rules as one ProtocolChoice, which the window posts as
// cmd::SetPrograms. On a listener it applies to the connections accepted
// afterwards, which the dialog says. The dialog fits the screen (DialogFit).
// What it owns: its child widgets.
// Threads: GUI thread only.
#pragma once

#include "engine/reactor/Event.h"
#include "ui/model/ChannelParams.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;

namespace ui {

class ProtocolChooser;
class RulesEditor;

class ProtocolDialog : public QDialog {
    Q_OBJECT
public:
    ProtocolDialog(engine::ChannelId channel, const QString& title, bool listener, QWidget* parent = nullptr);

    engine::ChannelId channel() const { return m_channel; }
    /// What the channel runs now (the preset selected, the rules text filled in).
    void setChoice(const ProtocolChoice& c);
    /// The preset and the rules as entered (programs loaded); check problem() first.
    ProtocolChoice choice() const;
    /// Why Apply is off ("" when the choice can be applied).
    QString problem() const;

    ProtocolChooser* chooser() const { return m_chooser; }
    RulesEditor* rulesEditor() const { return m_rules; }
    QDialogButtonBox* buttons() const { return m_buttons; }

signals:
    void applyRequested(engine::ChannelId channel, const ui::ProtocolChoice& choice);

private:
    void validate();
    void apply();

    engine::ChannelId m_channel;
    ProtocolChooser* m_chooser = nullptr;
    RulesEditor* m_rules = nullptr;
    QLabel* m_problem = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

}  // namespace ui
