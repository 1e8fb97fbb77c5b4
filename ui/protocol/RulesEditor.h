// RulesEditor.h — writes a rules program (docs/presets.md) for a live
// channel: the text with its syntax highlighted, checked by the engine's
// own parser as it is typed, and applied with one button.
//
// What it does: a plain-text editor with a highlighter (statements and
// keywords, quoted strings and their escapes, $N captures, {{macros}},
// comments); every edit parses the text (engine::program::Program::parse,
// named "rules") and either shows how many rules it has or the parser's
// one-line error, with the line it names marked in the editor and the
// cursor's line number beside it. Open… and Save… read and write .lwp
// files. Apply (enabled while the text parses) emits applyRequested() with
// the parsed program, or a null one when the text is empty (no rules).
// What it owns: its child widgets and the program last parsed.
// Threads: GUI thread only.
#pragma once

#include <QString>
#include <QWidget>

#include <memory>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace engine::program {
class Program;
}

namespace ui {

class RulesEditor : public QWidget {
    Q_OBJECT
public:
    explicit RulesEditor(QWidget* parent = nullptr);

    void setText(const QString& text);
    QString text() const;
    /// The program the text parses to (null: empty text, or it does not parse).
    std::shared_ptr<const engine::program::Program> program() const { return m_program; }
    /// The parser's error ("" when the text parses, or is empty).
    QString error() const { return m_error; }
    /// The line the error names (1-based; 0: none).
    int errorLine() const { return m_errorLine; }
    /// Whether Apply may be pressed: the text parses or is empty.
    bool isValid() const { return m_error.isEmpty(); }

    QPlainTextEdit* editor() const { return m_edit; }
    QPushButton* applyButton() const { return m_apply; }
    QLabel* statusLabel() const { return m_status; }

signals:
    /// Apply: the program to run (null: no rules).
    void applyRequested(std::shared_ptr<const engine::program::Program> program);
    /// The text was parsed again (check isValid()).
    void validityChanged();

private:
    void reparse();
    void markErrorLine();
    void openFile();
    void saveFile();

    QPlainTextEdit* m_edit = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_apply = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_save = nullptr;
    std::shared_ptr<const engine::program::Program> m_program;
    QString m_error;
    int m_errorLine = 0;
};

}  // namespace ui
