// EscapeEdit.h — a one-line editor for bytes, typed as escaped text or hex.
//
// What it does: a single-line text field (a QPlainTextEdit kept to one line,
// so parts of the text can be coloured) that shows escape sequences in their
// own colour and marks the first mistake in place with a wavy underline and a
// tooltip, as the user types. Enter emits submitted(); Up and Down emit
// historyRequested() for the owner to page through earlier entries. Pasted
// line breaks and other control characters become escapes instead of new
// lines.
// What it owns: its highlighter.
// Threads: GUI thread.
#pragma once

#include "ui/views/ByteSyntax.h"

#include <QPlainTextEdit>

namespace ui {

class EscapeHighlighter;

class EscapeEdit : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit EscapeEdit(QWidget* parent = nullptr);
    ~EscapeEdit() override;

    void setSyntax(ByteSyntax syntax);
    ByteSyntax syntax() const { return m_syntax; }

    /// The text as one line.
    QString text() const;
    void setText(const QString& text);

    /// The bytes the text stands for (re-read on every call).
    ParsedBytes parsed() const;
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

protected:
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void insertFromMimeData(const QMimeData* source) override;
    bool canInsertFromMimeData(const QMimeData* source) const override;
    void changeEvent(QEvent* event) override;

private:
    void revalidate();

    EscapeHighlighter* m_highlighter = nullptr;
    ByteSyntax m_syntax = ByteSyntax::Escaped;
    bool m_valid = true;
    QString m_error;
};

}  // namespace ui
