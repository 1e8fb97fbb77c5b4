// RulesEditor.cpp — rules text, highlighted, parsed as typed, applied.
#include "ui/protocol/RulesEditor.h"

#include "engine/program/Program.h"

#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSyntaxHighlighter>
#include <QTextBlock>
#include <QVBoxLayout>

namespace ui {
namespace {

constexpr qint64 kMaxFile = 4 << 20;  // as engine::program::loadProgramFile

// Colours from the palette's roles, so light and dark palettes both read.
class RulesHighlighter : public QSyntaxHighlighter {
public:
    explicit RulesHighlighter(QTextDocument* doc, const QPalette& pal) : QSyntaxHighlighter(doc) {
        const bool dark = pal.color(QPalette::Base).lightness() < 128;
        m_keyword.setForeground(dark ? QColor(0x8a, 0xb4, 0xf8) : QColor(0x1a, 0x47, 0xa8));
        m_keyword.setFontWeight(QFont::Bold);
        m_string.setForeground(dark ? QColor(0xa5, 0xd6, 0x7f) : QColor(0x2e, 0x7d, 0x32));
        m_capture.setForeground(dark ? QColor(0xff, 0xb7, 0x4d) : QColor(0xb2, 0x55, 0x00));
        m_comment.setForeground(pal.color(QPalette::Disabled, QPalette::Text));
        m_comment.setFontItalic(true);
        m_keywords.setPattern(QStringLiteral(
            "\\b(name|description|terminator|max-count|rule|in|from|client|server|group|any|equals|prefix|suffix|"
            "contains|regex|next|count|none|state|open|close|reply|mark|tell|heard|dec|hex|len|u8|be16|le16|be32|le32)\\b"));
        m_captures.setPattern(QStringLiteral("\\$[0-9]+|\\{\\{[a-z]+\\}\\}"));
    }

protected:
    void highlightBlock(const QString& text) override {
        // Strings first (a '#' inside quotes is not a comment), then the rest outside them.
        QList<QPair<int, int>> strings;
        int comment = -1;
        for (int i = 0; i < text.size(); ++i) {
            const QChar c = text.at(i);
            if (c == u'#') {
                comment = i;
                break;
            }
            if (c == u'"') {
                int j = i + 1;
                while (j < text.size() && text.at(j) != u'"') j += text.at(j) == u'\\' ? 2 : 1;
                const int end = qMin<int>(j + 1, static_cast<int>(text.size()));
                strings.append({i, end - i});
                i = end - 1;
            }
        }
        const int codeEnd = comment < 0 ? static_cast<int>(text.size()) : comment;
        const auto inString = [&](int pos) {
            for (const auto& s : strings)
                if (pos >= s.first && pos < s.first + s.second) return true;
            return false;
        };
        for (auto it = m_keywords.globalMatch(text.left(codeEnd)); it.hasNext();) {
            const auto m = it.next();
            if (!inString(static_cast<int>(m.capturedStart()))) setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), m_keyword);
        }
        for (const auto& s : strings) setFormat(s.first, s.second, m_string);
        for (auto it = m_captures.globalMatch(text.left(codeEnd)); it.hasNext();) {
            const auto m = it.next();
            setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), m_capture);
        }
        if (comment >= 0) setFormat(comment, static_cast<int>(text.size()) - comment, m_comment);
    }

private:
    QTextCharFormat m_keyword, m_string, m_capture, m_comment;
    QRegularExpression m_keywords, m_captures;
};

// The line a parser error names: "rules:7: …".
int lineOf(const QString& error) {
    static const QRegularExpression re(QStringLiteral("^[^:]*:([0-9]+):"));
    const auto m = re.match(error);
    return m.hasMatch() ? m.captured(1).toInt() : 0;
}

}  // namespace

RulesEditor::RulesEditor(QWidget* parent) : QWidget(parent) {
    m_edit = new QPlainTextEdit(this);
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_edit->setTabChangesFocus(true);
    m_edit->setPlaceholderText(tr("# one rule a line, e.g.\n"
                                  "rule ping: equals \"PING\" => reply \"+PONG\\r\\n\"\n"
                                  "rule get: regex \"^GET (\\\\S+)$\" => reply \"you asked for $1\\r\\n\""));
    new RulesHighlighter(m_edit->document(), palette());

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_open = new QPushButton(tr("&Open…"), this);
    m_save = new QPushButton(tr("&Save…"), this);
    m_apply = new QPushButton(tr("&Apply rules"), this);
    m_apply->setToolTip(tr("Run these rules on the channel from its next message (after the preset)"));

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_open);
    buttons->addWidget(m_save);
    buttons->addStretch(1);
    buttons->addWidget(m_apply);
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(0, 0, 0, 0);
    col->addWidget(m_edit, 1);
    col->addWidget(m_status);
    col->addLayout(buttons);

    connect(m_edit, &QPlainTextEdit::textChanged, this, &RulesEditor::reparse);
    connect(m_edit, &QPlainTextEdit::cursorPositionChanged, this, &RulesEditor::markErrorLine);
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (isValid()) emit applyRequested(m_program);
    });
    connect(m_open, &QPushButton::clicked, this, &RulesEditor::openFile);
    connect(m_save, &QPushButton::clicked, this, &RulesEditor::saveFile);
    reparse();
}

void RulesEditor::setText(const QString& rules) { m_edit->setPlainText(rules); }

QString RulesEditor::text() const { return m_edit->toPlainText(); }

void RulesEditor::reparse() {
    const QString source = m_edit->toPlainText();
    m_program.reset();
    m_error.clear();
    m_errorLine = 0;
    if (!source.trimmed().isEmpty()) {
        std::string error;
        const QByteArray utf8 = source.toUtf8();
        auto p = engine::program::Program::parse(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())),
                                                 "rules", &error);
        if (p) {
            m_program = std::make_shared<const engine::program::Program>(std::move(*p));
        } else {
            m_error = QString::fromStdString(error);
            m_errorLine = lineOf(m_error);
        }
    }
    m_apply->setEnabled(isValid());
    markErrorLine();
    emit validityChanged();
}

void RulesEditor::markErrorLine() {
    QList<QTextEdit::ExtraSelection> marks;
    if (m_errorLine > 0) {
        const QTextBlock block = m_edit->document()->findBlockByNumber(m_errorLine - 1);
        if (block.isValid()) {
            QTextEdit::ExtraSelection sel;
            sel.cursor = QTextCursor(block);
            sel.format.setProperty(QTextFormat::FullWidthSelection, true);
            const bool dark = palette().color(QPalette::Base).lightness() < 128;
            sel.format.setBackground(dark ? QColor(0x6b, 0x1f, 0x1f) : QColor(0xff, 0xd6, 0xd6));
            marks.append(sel);
        }
    }
    m_edit->setExtraSelections(marks);
    const int line = m_edit->textCursor().blockNumber() + 1;
    QString status;
    if (!m_error.isEmpty())
        status = tr("✗ %1").arg(m_error);
    else if (m_program)
        status = tr("✓ %n rule(s); they run from the next message.", nullptr, static_cast<int>(m_program->rules().size()));
    else
        status = tr("No rules: Apply takes the channel's rules off.");
    m_status->setText(tr("Line %1 · %2").arg(line).arg(status));
}

void RulesEditor::openFile() {
    const QString f = QFileDialog::getOpenFileName(this, tr("Open rules"), QString(), tr("Protocol programs (*.lwp);;All files (*)"));
    if (f.isEmpty()) return;
    QFile file(f);
    if (!file.open(QIODevice::ReadOnly) || file.size() > kMaxFile) {
        QMessageBox::warning(this, tr("Open rules"),
                             file.size() > kMaxFile ? tr("%1 is over 4 MiB.").arg(f) : tr("Cannot read %1: %2").arg(f, file.errorString()));
        return;
    }
    setText(QString::fromUtf8(file.readAll()));
}

void RulesEditor::saveFile() {
    const QString f = QFileDialog::getSaveFileName(this, tr("Save rules"), QStringLiteral("rules.lwp"),
                                                   tr("Protocol programs (*.lwp);;All files (*)"));
    if (f.isEmpty()) return;
    QSaveFile file(f);
    if (!file.open(QIODevice::WriteOnly) || file.write(text().toUtf8()) < 0 || !file.commit())
        QMessageBox::warning(this, tr("Save rules"), tr("Cannot write %1: %2").arg(f, file.errorString()));
}

}  // namespace ui
