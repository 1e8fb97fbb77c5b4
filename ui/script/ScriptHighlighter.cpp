// ScriptHighlighter.cpp — the script format's colours.
#include "ui/script/ScriptHighlighter.h"

#include "ui/views/ViewColors.h"

#include <QGuiApplication>
#include <QSet>

namespace ui {

namespace {

bool isWordChar(QChar c) { return c != QLatin1Char(' ') && c != QLatin1Char('\t') && c != QLatin1Char('"') && c != QLatin1Char(','); }

}  // namespace

ScriptHighlighter::ScriptHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {
    setPalette(QGuiApplication::palette());
}

bool ScriptHighlighter::isStatement(const QString& word) {
    static const QSet<QString> kStatements{
        QStringLiteral("connect"), QStringLiteral("starttls"), QStringLiteral("timeout"), QStringLiteral("terminator"),
        QStringLiteral("preset"),  QStringLiteral("send"),     QStringLiteral("expect"),  QStringLiteral("wait"),
        QStringLiteral("set"),     QStringLiteral("assert"),   QStringLiteral("repeat"),  QStringLiteral("close"),
        QStringLiteral("}")};
    return kStatements.contains(word);
}

void ScriptHighlighter::setPalette(const QPalette& palette) {
    const ViewColors c = ViewColors::forPalette(palette);
    const QColor text = palette.color(QPalette::Text);
    m_statement = {};
    m_statement.setForeground(c.outgoing);
    m_statement.setFontWeight(QFont::Bold);
    m_unknown = {};
    m_unknown.setForeground(c.error);
    m_unknown.setUnderlineStyle(QTextCharFormat::WaveUnderline);
    m_unknown.setUnderlineColor(c.error);
    m_keyword = {};
    m_keyword.setForeground(c.incoming);
    m_string = {};
    m_string.setForeground(ViewColors::readableOn(c.good, palette.color(QPalette::Base)));
    m_escape = {};
    m_escape.setForeground(c.escape);
    m_escape.setFontWeight(QFont::Bold);
    m_variable = {};
    m_variable.setForeground(c.terminator);
    m_variable.setBackground(c.terminatorBg);
    m_number = {};
    m_number.setForeground(text);
    m_number.setFontWeight(QFont::DemiBold);
    m_comment = {};
    m_comment.setForeground(c.muted);
    m_comment.setFontItalic(true);
    rehighlight();
}

void ScriptHighlighter::highlightBlock(const QString& text) {
    const int n = static_cast<int>(text.size());
    int i = 0;
    bool first = true;
    while (i < n) {
        const QChar ch = text.at(i);
        if (ch == QLatin1Char(' ') || ch == QLatin1Char('\t') || ch == QLatin1Char(',')) {
            ++i;
            continue;
        }
        if (ch == QLatin1Char('#')) {
            setFormat(i, n - i, m_comment);
            return;
        }
        if (ch == QLatin1Char('"')) {
            const int start = i++;
            while (i < n && text.at(i) != QLatin1Char('"')) {
                if (text.at(i) == QLatin1Char('\\') && i + 1 < n) {
                    int len = 2;
                    if (text.at(i + 1) == QLatin1Char('x')) len = std::min(4, n - i);
                    setFormat(i, len, m_escape);
                    i += len;
                    continue;
                }
                if (text.at(i) == QLatin1Char('$') && i + 1 < n && text.at(i + 1) == QLatin1Char('{')) {
                    const int close = static_cast<int>(text.indexOf(QLatin1Char('}'), i + 2));
                    const int end = close < 0 ? n : close + 1;
                    setFormat(i, end - i, m_variable);
                    i = end;
                    continue;
                }
                setFormat(i, 1, m_string);
                ++i;
            }
            if (i < n) {
                setFormat(start, 1, m_string);
                setFormat(i, 1, m_string);
                ++i;
            } else {
                setFormat(start, n - start, m_unknown);  // not closed
            }
            first = false;
            continue;
        }
        const int start = i;
        while (i < n && isWordChar(text.at(i))) ++i;
        const QString word = text.mid(start, i - start);
        if (first) {
            setFormat(start, i - start, isStatement(word) ? m_statement : m_unknown);
            first = false;
        } else if (!word.isEmpty() && (word.at(0).isDigit() || word.startsWith(QLatin1String("${")))) {
            setFormat(start, i - start, word.startsWith(QLatin1String("${")) ? m_variable : m_number);
        } else {
            setFormat(start, i - start, m_keyword);
        }
        if (i == start) ++i;  // a lone character the word reader stops at
    }
}

}  // namespace ui
