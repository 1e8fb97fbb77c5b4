// ProtocolChooser.h — picks a channel's protocol programs: a preset (built
// in or the user's, engine/program/Presets.h) and, optionally, a rules file.
//
// What it does: a combo box of "None" then every preset (its description as
// the tooltip; a user preset says so, and one that does not parse is shown
// disabled with its error), and a rules file field with Browse…. Each change
// loads what is chosen at once (the engine's parser), so problem() says what
// is wrong ("FILE:LINE: …") before the dialog's OK is pressed, and choice()
// returns the loaded programs ready for engine::ChannelOptions::programs.
// The Connect and Listen dialogs hold one; the Protocol dialog of a live
// channel holds one without the file row (its rules are typed in the RulesEditor).
// What it owns: its child widgets and the programs last loaded.
// Threads: GUI thread only.
#pragma once

#include "ui/model/ChannelParams.h"

#include <QString>
#include <QWidget>

#include <filesystem>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace ui {

class ProtocolChooser : public QWidget {
    Q_OBJECT
public:
    /// `userDir`: the user's presets folder (default: engine::program::userPresetDir()).
    explicit ProtocolChooser(QWidget* parent = nullptr, std::filesystem::path userDir = {});

    /// Selects `c.preset` (if listed) and `c.rulesFile`, and loads them.
    void setChoice(const ProtocolChoice& c);
    /// The preset and the rules file with their programs (none when problem() is not empty).
    ProtocolChoice choice() const;
    /// Why the choice cannot be used ("" when it can).
    QString problem() const { return m_problem; }
    /// Show or hide the rules file row (hidden in the live Protocol dialog).
    void setRulesFileVisible(bool on);
    /// Lists the presets again (a user file may have been added).
    void reloadPresets();

    QComboBox* presetBox() const { return m_presets; }
    QLineEdit* rulesEdit() const { return m_rules; }
    QLabel* noteLabel() const { return m_note; }

signals:
    /// The choice changed (and was loaded: check problem()).
    void changed();

private:
    void load();

    std::filesystem::path m_userDir;
    QComboBox* m_presets = nullptr;
    QLineEdit* m_rules = nullptr;
    QPushButton* m_browse = nullptr;
    QWidget* m_rulesRow = nullptr;
    QLabel* m_note = nullptr;
    ProtocolChoice m_loaded;
    QString m_problem;
};

}  // namespace ui
