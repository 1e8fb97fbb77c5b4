// ScriptHighlighter.h — colours a conversation script (docs/scripts.md) as
// it is edited: statements, their words, quoted text with its escapes and
// ${VAR} references, numbers and comments.
//
// What it does: a QSyntaxHighlighter over the script pane's editor. Each
// line is read as the parser reads it (engine/script/Script.cpp): the first
// word a statement (connect, send, expect, …; an unknown one in the error
// colour), later bare words the statement's keywords (raw, prefix, regex,
// as, within, tls, insecure, cafile, smtp, …), "…" strings with their
// escapes (\r \n \xNN) set apart, ${VAR} inside them, '#' outside quotes
// starting a comment. The colours come from ViewColors for the palette in
// force (readable in light and dark themes); setPalette() re-reads them.
// What it owns: its formats.
// Threads: GUI thread.
#pragma once

#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace ui {

class ScriptHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
public:
    explicit ScriptHighlighter(QTextDocument* document);
    /// Re-reads the colours (a theme change) and highlights again.
    void setPalette(const QPalette& palette);

    /// The statements the parser knows (the first word of a line).
    static bool isStatement(const QString& word);

protected:
    void highlightBlock(const QString& text) override;

private:
    QTextCharFormat m_statement;
    QTextCharFormat m_unknown;
    QTextCharFormat m_keyword;
    QTextCharFormat m_string;
    QTextCharFormat m_escape;
    QTextCharFormat m_variable;
    QTextCharFormat m_number;
    QTextCharFormat m_comment;
};

}  // namespace ui
