// TerminatorEdit.h — picks an asynchat terminator: a preset, a byte count,
// none, or custom escaped bytes.
//
// What it does: a combo box of presets (`\r\n`, `\n`, `\r\n\r\n`, `\0`), "Byte
// count" (a spin box), "None" (collect everything) and "Custom" (an
// EscapeEdit whose mistakes are marked in place), plus a one-line error note.
// terminator() is what the fields stand for, or nullopt while the custom text
// is invalid. committed() fires when the user means it, once: a preset
// chosen in the open list (click, Enter), or, after browsing the closed list
// with the arrow keys or the wheel (which only moves the choice), Enter on it
// or leaving it; Enter in the custom or count field.
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "engine/asyncore/Terminator.h"

#include <QWidget>

#include <optional>

class QBoxLayout;
class QComboBox;
class QLabel;
class QSpinBox;
class QStackedWidget;

namespace ui {

class EscapeEdit;

class TerminatorEdit : public QWidget {
    Q_OBJECT
public:
    /// The combo box entries, in order.
    enum Choice { Crlf, Lf, BlankLine, Nul, Count, None, Custom };
    Q_ENUM(Choice)

    explicit TerminatorEdit(QWidget* parent = nullptr);
    ~TerminatorEdit() override;

    std::optional<engine::Terminator> terminator() const;
    void setTerminator(const engine::Terminator& t);
    /// The spec of the current value ("\r\n", "count:5", "none"), "" if invalid.
    QString spec() const;
    bool isValid() const { return terminator().has_value(); }
    /// The current mistake, "" when valid.
    QString errorMessage() const;

    Choice choice() const;
    void setChoice(Choice c);

    /// Show the error note under the fields (on by default).
    void setErrorNoteVisible(bool visible);
    /// Put the custom / count field under the presets instead of beside
    /// them (for narrow panels).
    void setStacked(bool stacked);

    QComboBox* presetBox() const { return m_presets; }
    EscapeEdit* customEdit() const { return m_custom; }
    QSpinBox* countBox() const { return m_count; }

signals:
    /// Any field changed (the value may be invalid).
    void changed();
    /// A preset was chosen (not merely passed over with the arrow keys), or
    /// Enter pressed in the custom/count field, and the value is valid.
    void committed(const engine::Terminator& terminator);
    void validityChanged(bool valid);

protected:
    void changeEvent(QEvent* event) override;

private:
    void onPresetActivated(int index);
    void updateState();
    void commitIfValid();
    void commitBrowsed();
    bool eventFilter(QObject* watched, QEvent* event) override;

    QComboBox* m_presets = nullptr;
    QStackedWidget* m_stack = nullptr;
    EscapeEdit* m_custom = nullptr;
    QSpinBox* m_count = nullptr;
    QLabel* m_error = nullptr;
    QBoxLayout* m_row = nullptr;
    bool m_showError = true;
    bool m_lastValid = true;
    bool m_browsed = false;  // the presets were browsed to another value, not chosen yet
};

}  // namespace ui
