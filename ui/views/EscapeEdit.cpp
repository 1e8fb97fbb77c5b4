// EscapeEdit.cpp — single-line byte editor with in-place error marks.
#include "ui/views/EscapeEdit.h"

#include "ui/views/ViewColors.h"

#include <QFontDatabase>
#include <QKeyEvent>
#include <QMimeData>
#include <QSyntaxHighlighter>
#include <QTextDocument>

namespace ui {

class EscapeHighlighter final : public QSyntaxHighlighter {
public:
    explicit EscapeHighlighter(QTextDocument* doc) : QSyntaxHighlighter(doc) {}

    ByteSyntax syntax = ByteSyntax::Escaped;
    ViewColors colors = ViewColors::current();

protected:
    void highlightBlock(const QString& text) override {
        if (syntax == ByteSyntax::Escaped) {
            QTextCharFormat esc;
            esc.setForeground(colors.escape);
            esc.setFontWeight(QFont::DemiBold);
            for (const TextSpan& s : escapeSpans(text)) setFormat(s.start, s.length, esc);
        }
        const ParsedBytes p = parseBytes(text, syntax);
        if (!p.ok() && p.errorStart >= 0) {
            QTextCharFormat bad;
            bad.setUnderlineStyle(QTextCharFormat::WaveUnderline);
            bad.setUnderlineColor(colors.error);
            bad.setForeground(colors.error);
            bad.setBackground(colors.errorBg);
            bad.setToolTip(p.error);
            setFormat(p.errorStart, qMax(1, p.errorLength), bad);
        }
    }
};

EscapeEdit::EscapeEdit(QWidget* parent) : QPlainTextEdit(parent) {
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setWordWrapMode(QTextOption::NoWrap);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setTabChangesFocus(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    document()->setDocumentMargin(3);
    setCenterOnScroll(false);
    m_highlighter = new EscapeHighlighter(document());
    connect(this, &QPlainTextEdit::textChanged, this, &EscapeEdit::revalidate);
    setFixedHeight(sizeHint().height());
}

EscapeEdit::~EscapeEdit() = default;

void EscapeEdit::setMultiLine(bool on) {
    if (m_multiLine == on) return;
    m_multiLine = on;
    if (on) {
        connect(document(), &QTextDocument::blockCountChanged, this, &EscapeEdit::fitHeight);
    } else {
        disconnect(document(), &QTextDocument::blockCountChanged, this, &EscapeEdit::fitHeight);
        setText(text());  // the line breaks become escapes
    }
    fitHeight();
}

int EscapeEdit::heightForLines(int lines) const {
    return sizeHint().height() + (lines - 1) * fontMetrics().lineSpacing();
}

void EscapeEdit::fitHeight() {
    const int lines = m_multiLine ? qBound(1, blockCount(), kMaxVisibleLines) : 1;
    setVerticalScrollBarPolicy(m_multiLine && blockCount() > kMaxVisibleLines ? Qt::ScrollBarAsNeeded
                                                                               : Qt::ScrollBarAlwaysOff);
    const int h = heightForLines(lines);
    if (h != height() || minimumHeight() != h) setFixedHeight(h);
    ensureCursorVisible();
}

void EscapeEdit::setSyntax(ByteSyntax syntax) {
    if (m_syntax == syntax) return;
    m_syntax = syntax;
    m_highlighter->syntax = syntax;
    m_highlighter->rehighlight();
    revalidate();
}

QString EscapeEdit::text() const {
    return toPlainText();
}

void EscapeEdit::setText(const QString& text) {
    QString line = text;
    if (!m_multiLine) line.replace(u'\n', QStringLiteral("\\n"));
    setPlainText(line);
    moveCursor(QTextCursor::End);
}

QStringList EscapeEdit::lines() const {
    if (!m_multiLine) return {toPlainText()};
    return toPlainText().split(u'\n');
}

QList<ParsedBytes> EscapeEdit::parsedLines() const {
    QList<ParsedBytes> out;
    for (const QString& line : lines()) out.append(parseBytes(line, m_syntax));
    return out;
}

ParsedBytes EscapeEdit::parsed() const {
    if (!m_multiLine) return parseBytes(toPlainText(), m_syntax);
    const QList<ParsedBytes> each = parsedLines();
    ParsedBytes joined;
    QByteArray bytes;
    int offset = 0;  // of the line in toPlainText()
    const QStringList texts = lines();
    for (qsizetype i = 0; i < each.size(); ++i) {
        const ParsedBytes& p = each.at(i);
        if (!p.ok()) {
            ParsedBytes bad = p;
            if (bad.errorStart >= 0) bad.errorStart += offset;
            if (each.size() > 1) bad.error = tr("Line %1: %2").arg(i + 1).arg(p.error);
            return bad;
        }
        if (i > 0) bytes.append('\n');
        bytes.append(*p.bytes);
        offset += static_cast<int>(texts.at(i).size()) + 1;
    }
    joined.bytes = bytes;
    return joined;
}

QSize EscapeEdit::sizeHint() const {
    const int line = fontMetrics().lineSpacing();
    const int margin = static_cast<int>(2 * document()->documentMargin());
    const int frame = 2 * frameWidth();
    const QMargins cm = contentsMargins();
    const int h = line + margin + frame + (cm.top() + cm.bottom() - 2 * frameWidth()) + 2;
    return {fontMetrics().horizontalAdvance(QLatin1Char('x')) * 40 + margin + frame, h};
}

QSize EscapeEdit::minimumSizeHint() const {
    const QSize s = sizeHint();
    return {fontMetrics().horizontalAdvance(QLatin1Char('x')) * 8, s.height()};
}

bool EscapeEdit::event(QEvent* event) {
    // A text edit claims many Ctrl chords (Ctrl+K deletes to the end of the
    // line on X11). In a one-line field only the usual editing chords are
    // worth more than the window's shortcuts, so leave every other chord to
    // them.
    if (event->type() == QEvent::ShortcutOverride) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier)) {
            static const QKeySequence::StandardKey kEditing[] = {
                QKeySequence::Copy,           QKeySequence::Cut,
                QKeySequence::Paste,          QKeySequence::Undo,
                QKeySequence::Redo,           QKeySequence::SelectAll,
                QKeySequence::MoveToNextWord, QKeySequence::MoveToPreviousWord,
                QKeySequence::SelectNextWord, QKeySequence::SelectPreviousWord,
                QKeySequence::DeleteEndOfWord, QKeySequence::DeleteStartOfWord,
                QKeySequence::MoveToStartOfLine, QKeySequence::MoveToEndOfLine,
                QKeySequence::SelectStartOfLine, QKeySequence::SelectEndOfLine,
                QKeySequence::MoveToStartOfDocument, QKeySequence::MoveToEndOfDocument,
                QKeySequence::SelectStartOfDocument, QKeySequence::SelectEndOfDocument,
            };
            bool editing = false;
            for (const QKeySequence::StandardKey k : kEditing) editing = editing || key->matches(k);
            if (!editing) {
                event->ignore();
                return false;
            }
        }
    }
    return QPlainTextEdit::event(event);
}

void EscapeEdit::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
    case Qt::Key_Return:
    case Qt::Key_Enter:
        if (m_multiLine && (event->modifiers() & ~Qt::KeypadModifier) == Qt::ShiftModifier) {
            textCursor().insertBlock();  // Shift+Enter: a new line
            event->accept();
            return;
        }
        if (event->modifiers() & ~(Qt::KeypadModifier)) break;
        emit submitted();
        event->accept();
        return;
    case Qt::Key_Up:
        if (event->modifiers() != Qt::NoModifier) break;
        if (m_multiLine && textCursor().blockNumber() > 0) break;  // moves up a line
        emit historyRequested(-1);
        event->accept();
        return;
    case Qt::Key_Down:
        if (event->modifiers() != Qt::NoModifier) break;
        if (m_multiLine && textCursor().blockNumber() < blockCount() - 1) break;
        emit historyRequested(+1);
        event->accept();
        return;
    case Qt::Key_PageUp:
    case Qt::Key_PageDown:
        event->ignore();
        return;
    default:
        break;
    }
    // Ctrl+Return and friends are for the window (e.g. shortcuts), not a new line.
    if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) {
        event->ignore();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

bool EscapeEdit::canInsertFromMimeData(const QMimeData* source) const {
    return source->hasText();
}

void EscapeEdit::insertFromMimeData(const QMimeData* source) {
    if (!source->hasText()) return;
    const QString in = source->text();
    QString out;
    out.reserve(in.size());
    char16_t prev = 0;
    for (const QChar c : in) {
        const char16_t u = c.unicode();
        if (m_multiLine && (u == u'\r' || u == u'\n')) {
            // A line break is a new line ("\r\n" and a lone "\r" too).
            if (u == u'\r' || prev != u'\r') out.append(u'\n');
            prev = u;
            continue;
        }
        prev = u;
        if (m_syntax == ByteSyntax::Hex) {
            out.append(u < 0x20 ? QChar(u' ') : c);
            continue;
        }
        switch (u) {
        case u'\r': out += QStringLiteral("\\r"); break;
        case u'\n': out += QStringLiteral("\\n"); break;
        case u'\t': out += QStringLiteral("\\t"); break;
        case u'\0': out += QStringLiteral("\\0"); break;
        default:
            if (u < 0x20 || u == 0x7f)
                out += QStringLiteral("\\x%1").arg(static_cast<int>(u), 2, 16, QLatin1Char('0'));
            else
                out.append(c);
        }
    }
    // One line break at the very end is the end of the last line, not an empty line after it.
    if (m_multiLine && out.endsWith(u'\n')) out.chop(1);
    insertPlainText(out);
    const int pasted = static_cast<int>(out.count(u'\n')) + 1;
    if (m_multiLine && pasted > 1) emit pastedLines(pasted);
}

void EscapeEdit::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) {
        m_highlighter->colors = ViewColors::forPalette(palette());
        m_highlighter->rehighlight();
    } else if (event->type() == QEvent::FontChange) {
        fitHeight();
    }
    QPlainTextEdit::changeEvent(event);
}

void EscapeEdit::revalidate() {
    const ParsedBytes p = parsed();
    const bool valid = p.ok();
    const bool changed = valid != m_valid;
    m_valid = valid;
    m_error = valid ? QString() : p.error;
    setToolTip(m_error);
    emit edited();
    if (changed) emit validityChanged(valid);
}

}  // namespace ui
