// EscapeEdit.h — a one-line editor for bytes, typed as escaped text or hex.
//
// What it does: a single-line text field (a QPlainTextEdit kept to one line,
// so parts of the text can be coloured) that shows escape sequences in their
// own colour and marks the first mistake in place with a wavy underline and a
// tooltip, as the user types. Enter emits submitted(); Up and Down emit
// historyRequested() for the owner to page through earlier entries. Pasted
// line breaks and other control characters become escapes instead of new
// lines.
// Multi-line (setMultiLine(true), the composer): Shift+Enter starts a new
// line, a paste keeps its line breaks as lines (other control characters
// still become escapes), the field grows to kMaxVisibleLines and then
// scrolls; each line is read as bytes on its own (lines()/parsedLines()), and
// Up/Down page the history only from the first/last line.
// What it owns: its highlighter.
// Threads: GUI thread.
#pragma once

#include "ui/views/ByteSyntax.h"

#include <QPlainTextEdit>
#include <QStringList>

namespace ui {

class EscapeHighlighter;

class EscapeEdit : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit EscapeEdit(QWidget* parent = nullptr);
    ~EscapeEdit() override;

    static constexpr int kMaxVisibleLines = 6;

    void setMultiLine(bool on);
    bool isMultiLine() const { return m_multiLine; }

    void setSyntax(ByteSyntax syntax);
    ByteSyntax syntax() const { return m_syntax; }

    /// The text (lines joined by '\n' when multi-line).
    QString text() const;
    /// Sets the text; a '\n' in it starts a new line when multi-line and is
    /// shown as the escape `\n` otherwise.
    void setText(const QString& text);
    /// The lines of the text (one entry when not multi-line).
    QStringList lines() const;

    /// The bytes the text stands for (re-read on every call). Multi-line:
    /// the first line's mistake, else the lines' bytes joined by '\n'.
    ParsedBytes parsed() const;
    /// Each line read as bytes on its own.
    QList<ParsedBytes> parsedLines() const;
    bool isValid() const { return m_valid; }
    /// The current mistake ("" when valid).
    QString errorMessage() const { return m_error; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    /// Enter or Return was pressed.
    void submitted();
    /// Up (-1) or Down (+1) was pressed.
    void historyRequested(int step);
    /// The text was edited.
    void edited();
    void validityChanged(bool valid);
    /// A paste put `lines` lines (more than one) in a multi-line field.
    void pastedLines(int lines);

protected:
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void insertFromMimeData(const QMimeData* source) override;
    bool canInsertFromMimeData(const QMimeData* source) const override;
    void changeEvent(QEvent* event) override;

private:
    void revalidate();
    void fitHeight();
    int heightForLines(int lines) const;

    EscapeHighlighter* m_highlighter = nullptr;
    ByteSyntax m_syntax = ByteSyntax::Escaped;
    bool m_multiLine = false;
    bool m_valid = true;
    QString m_error;
};

}  // namespace ui
