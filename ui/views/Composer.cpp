// Composer.cpp — the message line, producers and the fifo gauge.
#include "ui/views/Composer.h"

#include "engine/asyncore/Escape.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/FlowLayout.h"
#include "ui/views/SnippetBar.h"
#include "ui/views/ViewColors.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>


namespace ui {

Composer::Composer(QWidget* parent) : QWidget(parent) {
    m_targetLabel = new QLabel(tr("No channel"), this);
    m_targetLabel->setTextFormat(Qt::PlainText);
    m_targetLabel->setToolTip(tr("The channel Enter pushes to (select one under Channels)"));
    m_targetLabel->setMaximumWidth(m_targetLabel->fontMetrics().horizontalAdvance(QStringLiteral("#00 127.0.0.1:0")));

    m_syntaxBox = new QComboBox(this);
    m_syntaxBox->addItem(tr("Text"));
    m_syntaxBox->addItem(tr("Hex"));
    m_syntaxBox->setToolTip(tr("Type escaped text (\\r \\n \\t \\0 \\\\ \\xNN) or hex bytes (0d 0a)"));

    m_edit = new EscapeEdit(this);
    m_edit->setMultiLine(true);
    m_edit->setPlaceholderText(tr("Type a message; Enter sends, Shift+Enter starts a new line"));
    m_edit->setAccessibleName(tr("Message"));

    m_appendTerm = new QCheckBox(tr("+ terminator"), this);
    m_appendTerm->setChecked(true);
    m_appendTerm->setToolTip(tr("Append the channel's terminator to what you send"));
    // Not a Tab stop: a stray Tab or Shift+Tab around the message field must
    // not leave the typing on it, where a space toggles it. The keyboard
    // reaches it through appendTerminatorAction() (Channel menu).
    m_appendTerm->setFocusPolicy(Qt::ClickFocus);
    m_appendAction = new QAction(tr("&Append the terminator to messages"), this);
    m_appendAction->setCheckable(true);
    m_appendAction->setChecked(true);
    m_appendAction->setToolTip(tr("What “+ terminator” beside the message field does"));
    connect(m_appendAction, &QAction::toggled, m_appendTerm, &QCheckBox::setChecked);
    connect(m_appendTerm, &QCheckBox::toggled, m_appendAction, &QAction::setChecked);

    m_send = new QPushButton(tr("&Send"), this);
    m_send->setToolTip(tr("Push the message (Enter)"));

    m_fileButton = new QToolButton(this);
    m_fileButton->setText(tr("Send &file…"));
    m_fileButton->setToolTip(tr("push_with_producer(file_producer): stream a file to the channel"));

    m_linesBox = new QComboBox(this);
    m_linesBox->setObjectName(QStringLiteral("linesMode"));
    m_linesBox->addItem(tr("Lines: each a message"));
    m_linesBox->addItem(tr("Lines: one message"));
    m_linesBox->setToolTip(tr("What Enter does with many lines (Shift+Enter, or a paste): push each line as a "
                              "message with the terminator, or push them as one message joined by the terminator"));
    m_linesBox->setAccessibleName(tr("Lines"));

    m_copies = new QSpinBox(this);
    m_copies->setRange(0, 99999999);
    m_copies->setValue(100);
    m_copies->setPrefix(tr("× "));
    m_copies->setSpecialValueText(tr("× until Stop"));
    m_copies->setToolTip(tr("How many copies of the message to send (0: until Stop, with an interval)"));
    m_copies->setAccessibleName(tr("Copies"));

    m_interval = new QSpinBox(this);
    m_interval->setRange(0, 600000);
    m_interval->setValue(0);
    m_interval->setSuffix(tr(" ms"));
    m_interval->setSpecialValueText(tr("at once"));
    m_interval->setPrefix(tr("every "));
    m_interval->setToolTip(tr("0: all copies at once through one repeat producer; otherwise one copy every T ms"));
    m_interval->setAccessibleName(tr("Interval"));

    m_repeatButton = new QToolButton(this);
    m_repeatButton->setText(tr("&Repeat"));
    m_repeatButton->setToolTip(tr("Send the message N times (a repeat producer), or once every T ms"));

    m_stopButton = new QToolButton(this);
    m_stopButton->setText(tr("S&top"));
    m_stopButton->setToolTip(tr("discard_buffers(): drop queued output and stop a paced repeat"));

    m_fifoBar = new QProgressBar(this);
    m_fifoBar->setRange(0, 1000);
    m_fifoBar->setValue(0);
    m_fifoBar->setTextVisible(true);
    m_fifoBar->setFormat(tr("fifo empty"));
    m_fifoBar->setToolTip(tr("The producer fifo: bytes still to send, against the most queued since it was last empty"));
    m_fifoBar->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("999.9 MiB queued · 999 entries")) + 12);
    // Fills what its line leaves (the tools wrap when the window is narrow).
    m_fifoBar->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

    m_to = new QLineEdit(this);
    m_to->setObjectName(QStringLiteral("destination"));
    m_to->setToolTip(tr("Where each datagram goes (HOST:PORT, [V6]:PORT); empty: the sender of the last datagram. "
                        "Selecting a datagram in the conversation puts its sender here."));
    m_to->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("[::ffff:127.0.0.1]:65535")) / 2 + 12);
    m_to->setMaximumWidth(fontMetrics().horizontalAdvance(QStringLiteral("[::ffff:127.0.0.1]:65535")) + 24);
    m_to->setAccessibleName(tr("Destination"));
    m_toLabel = new QLabel(tr("T&o:"), this);
    m_toLabel->setBuddy(m_to);
    m_to->setVisible(false);
    m_toLabel->setVisible(false);

    m_toAll = new QCheckBox(tr("to all"), this);
    m_toAll->setObjectName(QStringLiteral("toAll"));
    m_toAll->setToolTip(tr("The target is a listener: push to every connection it accepted that is open now"));
    m_toAll->setFocusPolicy(Qt::ClickFocus);  // as "+ terminator": no Tab stop a typed space could toggle
    m_toAll->setVisible(false);

    m_snippets = new SnippetBar(this);
    connect(m_snippets, &SnippetBar::clicked, this, [this](const QString& text) { sendText(text); });

    m_note = new QLabel(this);
    m_note->setTextFormat(Qt::PlainText);
    m_note->setWordWrap(true);
    m_note->setVisible(false);

    // Wraps too ("+ terminator" and Send go under the field) on a very narrow window.
    auto* line = new FlowLayout(nullptr, 6, 4);
    line->setContentsMargins(0, 0, 0, 0);
    line->addWidget(m_targetLabel);
    line->addWidget(m_syntaxBox);
    line->addWidget(m_toLabel);
    line->addWidget(m_to);
    line->addWidget(m_edit);  // expanding: takes what its line leaves
    line->addWidget(m_appendTerm);
    line->addWidget(m_toAll);
    line->addWidget(m_send);

    // Wraps onto more lines where the window is narrow (a small screen,
    // QT_SCALE_FACTOR=2) instead of setting the window's minimum width.
    auto* tools = new FlowLayout(nullptr, 6, 4);
    tools->setContentsMargins(0, 0, 0, 0);
    tools->addWidget(m_fileButton);
    tools->addWidget(m_linesBox);
    tools->addSpacing(8);
    tools->addWidget(m_copies);
    tools->addWidget(m_interval);
    tools->addWidget(m_repeatButton);
    tools->addWidget(m_stopButton);
    tools->addSpacing(8);
    tools->addWidget(m_fifoBar);

    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(6, 4, 6, 4);
    col->setSpacing(4);
    col->addWidget(m_snippets);
    col->addLayout(line);
    col->addWidget(m_note);
    col->addLayout(tools);

    setFocusProxy(m_edit);

    connect(m_edit, &EscapeEdit::submitted, this, [this] { send(); });
    connect(m_edit, &EscapeEdit::historyRequested, this, &Composer::navigateHistory);
    connect(m_edit, &EscapeEdit::pastedLines, this, &Composer::onPastedLines);
    connect(m_linesBox, &QComboBox::currentIndexChanged, this, [this] { m_edit->setFocus(); });
    connect(m_toAll, &QCheckBox::toggled, this, [this] {
        updatePlaceholder();
        updateActions();
    });
    connect(m_edit, &EscapeEdit::edited, this, [this] {
        if (m_edit->isValid())
            showNote({}, false);
        else
            showNote(m_edit->errorMessage(), true);
        updateActions();
    });
    connect(m_send, &QPushButton::clicked, this, [this] { send(); });
    connect(m_fileButton, &QToolButton::clicked, this, &Composer::chooseFile);
    connect(m_repeatButton, &QToolButton::clicked, this, [this] {
        repeat(static_cast<std::uint64_t>(m_copies->value()), m_interval->value());
    });
    connect(m_stopButton, &QToolButton::clicked, this, [this] {
        if (ready()) emit stopRequested();
    });
    connect(m_syntaxBox, &QComboBox::currentIndexChanged, this, [this](int index) {
        const ByteSyntax to = index == 1 ? ByteSyntax::Hex : ByteSyntax::Escaped;
        const ByteSyntax from = m_edit->syntax();
        if (from == to) return;
        // Carry the bytes over, line by line, when they read well; otherwise keep the text.
        const QList<ParsedBytes> lines = m_edit->parsedLines();
        bool ok = true;
        QStringList converted;
        for (const ParsedBytes& p : lines) {
            ok = ok && p.ok();
            if (p.ok()) converted.append(bytesToText(*p.bytes, to));
        }
        m_edit->setSyntax(to);
        if (ok) m_edit->setText(converted.join(u'\n'));
        m_edit->setFocus();
    });
    updateActions();
}

void Composer::setDestinationShown(bool shown, const QString& lastSender) {
    m_to->setVisible(shown);
    m_toLabel->setVisible(shown);
    if (!shown) {
        m_to->clear();
        return;
    }
    const QString hint = lastSender.isEmpty() ? tr("HOST:PORT") : tr("%1 (last sender)").arg(lastSender);
    if (m_to->placeholderText() != hint) m_to->setPlaceholderText(hint);
}

void Composer::setDestination(const QString& address) {
    if (!m_to->isHidden()) m_to->setText(address);
}

QString Composer::destination() const { return m_to->isHidden() ? QString() : m_to->text().trimmed(); }

void Composer::setTarget(engine::ChannelId id, const QString& label, const std::optional<engine::Terminator>& terminator,
                         bool canSend, const QString& whyNot) {
    const bool changed = id != m_target || (canSend && id != 0) != m_canSend || whyNot != m_whyNot;
    m_target = id;
    m_terminator = terminator;
    m_canSend = canSend && id != 0;
    m_whyNot = m_canSend ? QString() : whyNot;
    // A "cannot send" note was about what the target was: say what it is now, or nothing.
    if (changed && m_noteAboutTarget) {
        if (m_target != 0 && !m_canSend)
            showNote(cannotSendText(), true);
        else
            showNote({}, false);
        m_noteAboutTarget = m_target != 0 && !m_canSend;
    }
    // Capped (elided in the middle, whole in the tooltip): on a narrow window
    // the message field keeps the room, not the address.
    const QString full = id == 0 ? tr("No channel") : label;
    m_targetLabel->setText(m_targetLabel->fontMetrics().elidedText(full, Qt::ElideMiddle, m_targetLabel->maximumWidth()));
    m_targetLabel->setToolTip(full == m_targetLabel->text() ? tr("The channel Enter pushes to (select one under Channels)")
                                                            : tr("%1: the channel Enter pushes to").arg(full));
    QString term;
    if (terminator && terminator->isBytes() && !terminator->bytesValue().empty()) {
        term = QString::fromStdString(engine::renderEscaped(terminator->bytesValue()));
        m_appendTerm->setText(tr("+ %1").arg(term));
        m_appendTerm->setToolTip(tr("Append the channel's terminator (%1) to what you send").arg(term));
        m_appendTerm->setEnabled(true);
        m_appendAction->setEnabled(true);
    } else {
        m_appendTerm->setText(tr("+ terminator"));
        m_appendTerm->setToolTip(tr("The channel has no byte terminator in force; nothing would be appended"));
        m_appendTerm->setEnabled(false);
        m_appendAction->setEnabled(false);
    }
    if (changed) {
        m_listenerOpen = -1;  // the owner says again when the new target is a listener
        m_toAll->setVisible(false);
        m_toAll->setChecked(false);  // "to all" is chosen for one listener, each time
    }
    updatePlaceholder();
    if (id == 0) setFifo(0, 0);
    updateActions();
}

void Composer::updatePlaceholder() {
    const QString placeholder =
        m_target == 0 ? tr("Select a channel to send to")
        : toAll()     ? tr("Type a message; Enter sends it to all %1 connections").arg(m_listenerOpen)
        : !m_canSend  ? (m_whyNot.isEmpty() ? tr("This channel cannot send now") : m_whyNot)
                      : tr("Type a message; Enter sends, Shift+Enter starts a new line");
    if (placeholder != m_edit->placeholderText()) {
        m_edit->setPlaceholderText(placeholder);
        // QPlainTextEdit repaints only when the placeholder shows or hides,
        // not when its text changes: the old words would stay on screen.
        m_edit->viewport()->update();
    }
}

void Composer::setListenerConnections(int open) {
    if (open == m_listenerOpen) return;
    m_listenerOpen = open;
    m_toAll->setVisible(open >= 0 && m_target != 0);
    m_toAll->setText(open == 1 ? tr("to its 1 connection") : tr("to all %1 connections").arg(qMax(0, open)));
    m_toAll->setEnabled(open > 0);
    if (m_noteAboutTarget && toAll()) showNote({}, false);
    updatePlaceholder();
    updateActions();
}

bool Composer::toAll() const {
    return m_target != 0 && m_listenerOpen > 0 && !m_toAll->isHidden() && m_toAll->isChecked();
}

bool Composer::ready() const { return m_target != 0 && (m_canSend || toAll()); }

void Composer::setSnippetScope(const QString& protocol, const QString& endpoint) {
    m_snippetProtocol = protocol;
    m_snippetEndpoint = endpoint;
    m_snippets->setTarget(protocol, endpoint, ready());
}

void Composer::setFifo(std::uint64_t pendingBytes, std::uint64_t entries) {
    const QLocale locale;
    if (entries == 0 && pendingBytes == 0) {
        m_fifoPeak = 0;
        m_fifoBar->setValue(0);
        m_fifoBar->setFormat(tr("fifo empty"));
        return;
    }
    m_fifoPeak = qMax(m_fifoPeak, pendingBytes);
    const double frac = m_fifoPeak > 0 ? static_cast<double>(pendingBytes) / static_cast<double>(m_fifoPeak) : 1.0;
    m_fifoBar->setValue(static_cast<int>(frac * 1000));
    const QString queued = locale.formattedDataSize(static_cast<qint64>(pendingBytes), 1);
    m_fifoBar->setFormat(entries == 1 ? tr("%1 queued · 1 entry").arg(queued)
                                      : tr("%1 queued · %2 entries").arg(queued, locale.toString(static_cast<qulonglong>(entries))));
}

void Composer::setAppendTerminator(bool on) {
    m_appendTerm->setChecked(on);
}

bool Composer::appendTerminator() const {
    return m_appendTerm->isChecked();
}

void Composer::setSyntax(ByteSyntax syntax) {
    m_syntaxBox->setCurrentIndex(syntax == ByteSyntax::Hex ? 1 : 0);
}

ByteSyntax Composer::syntax() const {
    return m_edit->syntax();
}

void Composer::setLinesMode(LinesMode mode) {
    m_linesBox->setCurrentIndex(mode == LinesMode::OneMessage ? 1 : 0);
}

Composer::LinesMode Composer::linesMode() const {
    return m_linesBox->currentIndex() == 1 ? LinesMode::OneMessage : LinesMode::EachLine;
}

QByteArray Composer::terminatorToAppend() const {
    if (!(m_appendTerm->isChecked() && m_appendTerm->isEnabled() && m_terminator && m_terminator->isBytes())) return {};
    const std::string& t = m_terminator->bytesValue();
    return QByteArray(t.data(), static_cast<qsizetype>(t.size()));
}

void Composer::setHistory(const QStringList& history) {
    m_history = history.mid(qMax<qsizetype>(0, history.size() - kHistoryLimit));
    m_historyPos = -1;
}

std::optional<QList<QByteArray>> Composer::messages() const { return messagesFor(m_edit->parsedLines()); }

std::optional<QList<QByteArray>> Composer::messagesFor(const QList<ParsedBytes>& lines) const {
    for (const ParsedBytes& p : lines)
        if (!p.ok()) return std::nullopt;
    const QByteArray term = terminatorToAppend();
    QList<QByteArray> out;
    if (lines.size() > 1 && linesMode() == LinesMode::EachLine) {
        for (const ParsedBytes& p : lines) out.append(*p.bytes + term);
        return out;
    }
    QByteArray one;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (i > 0) one.append(term.isEmpty() ? QByteArray("\n") : term);
        one.append(*lines.at(i).bytes);
    }
    out.append(one + term);
    return out;
}

std::optional<QByteArray> Composer::message() const {
    const auto all = messages();
    if (!all) return std::nullopt;
    QByteArray out;
    for (const QByteArray& m : *all) out.append(m);
    return out;
}

bool Composer::send() {
    if (!sendMessages(messages(), m_edit->errorMessage())) {
        if (!m_edit->isValid()) m_edit->setFocus();
        return false;
    }
    addToHistory(m_edit->text());
    m_edit->setText({});
    return true;
}

bool Composer::sendText(const QString& text) {
    QList<ParsedBytes> lines;
    for (const QString& line : text.split(u'\n')) lines.append(parseBytes(line, ByteSyntax::Escaped));
    QString error;
    for (const ParsedBytes& p : lines)
        if (!p.ok() && error.isEmpty()) error = tr("The snippet does not read as bytes: %1").arg(p.error);
    return sendMessages(messagesFor(lines), error);
}

bool Composer::sendMessages(const std::optional<QList<QByteArray>>& each, const QString& errorText) {
    if (!each) {
        showNote(errorText, true);
        return false;
    }
    if (m_target == 0) {
        showNote(tr("Select a channel to send to (Channels panel, or Alt+↑/↓)."), true);
        m_noteAboutTarget = true;
        emit notice(tr("Select a channel first"));
        return false;
    }
    if (!ready()) {
        showNote(cannotSendText(), true);
        m_noteAboutTarget = true;
        return false;
    }
    qsizetype total = 0;
    for (const QByteArray& m : *each) total += m.size();
    if (total == 0) {
        showNote(tr("Nothing to send."), false);
        return false;
    }
    for (const QByteArray& m : *each) emit sendRequested(m);
    showNote({}, false);
    return true;
}

void Composer::sendFile(const QString& path) {
    if (!ready()) {
        showNote(tr("Select a connected channel before sending a file."), true);
        m_noteAboutTarget = true;
        return;
    }
    if (path.isEmpty()) return;
    emit sendFileRequested(path);
}

bool Composer::repeat(std::uint64_t copies, int intervalMs) {
    const auto bytes = message();
    if (!bytes) {
        showNote(m_edit->errorMessage(), true);
        return false;
    }
    if (!ready()) {
        showNote(tr("Select a connected channel before repeating."), true);
        m_noteAboutTarget = true;
        return false;
    }
    if (bytes->isEmpty()) {
        showNote(tr("Type the message to repeat first."), true);
        m_edit->setFocus();
        return false;
    }
    if (copies == 0 && intervalMs <= 0) {
        showNote(tr("“Until Stop” needs an interval: set “every … ms”."), true);
        return false;
    }
    if (!m_edit->text().isEmpty()) addToHistory(m_edit->text());
    emit repeatRequested(*bytes, copies, intervalMs);
    showNote(intervalMs > 0 ? tr("Repeating every %1 ms; Stop (discard_buffers) ends it.").arg(intervalMs) : QString(),
             false);
    return true;
}

void Composer::focusEditor() {
    m_edit->setFocus(Qt::ShortcutFocusReason);
    m_edit->selectAll();
}

void Composer::navigateHistory(int step) {
    if (m_history.isEmpty()) return;
    if (m_historyPos == -1) {
        if (step > 0) return;
        m_draft = m_edit->text();
        m_historyPos = static_cast<int>(m_history.size());
    }
    const int next = m_historyPos + step;
    if (next < 0) return;
    if (next >= m_history.size()) {
        m_historyPos = -1;
        m_edit->setText(m_draft);
        return;
    }
    m_historyPos = next;
    m_edit->setText(m_history.at(next));
}

void Composer::chooseFile() {
    if (!ready()) {
        showNote(tr("Select a connected channel before sending a file."), true);
        m_noteAboutTarget = true;
        return;
    }
    auto* dialog = new QFileDialog(this, tr("Send a file"));
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, &Composer::sendFile);
    // Without a window manager nobody hands the keyboard back when the dialog goes.
    connect(dialog, &QDialog::finished, this, [this] { window()->activateWindow(); });
    dialog->open();
}

void Composer::updateActions() {
    // "to all N connections": Enter, the snippets, a file, a repeat and
    // Stop all go to every open connection of the listener.
    m_send->setEnabled(ready() && m_edit->isValid());
    m_repeatButton->setEnabled(ready() && m_edit->isValid());
    m_fileButton->setEnabled(ready());
    m_stopButton->setEnabled(ready());
    m_snippets->setTarget(m_snippetProtocol, m_snippetEndpoint, ready());
}

void Composer::addToHistory(const QString& text) {
    if (text.isEmpty()) return;
    if (m_history.isEmpty() || m_history.constLast() != text) {
        m_history.append(text);
        while (m_history.size() > kHistoryLimit) m_history.removeFirst();
        emit historyChanged();
    }
    m_historyPos = -1;
    m_draft.clear();
}

QString Composer::cannotSendText() const {
    return m_whyNot.isEmpty() ? tr("This channel cannot send now (not connected, closed, or a listener).")
                              : tr("%1.").arg(m_whyNot);
}

QString Composer::noteText() const { return m_note->isHidden() ? QString() : m_note->text(); }

void Composer::showNote(const QString& text, bool error) {
    m_noteAboutTarget = false;
    m_note->setText(text);
    m_note->setVisible(!text.isEmpty());
    QPalette p;  // only the role set here is the label's own; the rest follows the window
    if (error) p.setColor(QPalette::WindowText, ViewColors::forPalette(palette()).error);
    m_note->setPalette(p);
}

void Composer::onPastedLines(int lines) {
    const auto noteFor = [this](int n) {
        showNote(linesMode() == LinesMode::EachLine
                     ? tr("Pasted %1 lines: Enter pushes them as %1 messages, each with the terminator "
                          "(“Lines” below chooses).").arg(n)
                     : tr("Pasted %1 lines: Enter pushes them as one message, joined by the terminator "
                          "(“Lines” below chooses).").arg(n),
                 false);
    };
    if (!m_askOnPaste) {
        noteFor(lines);
        return;
    }
    if (m_pasteQuestion) return;  // one question at a time; its answer covers what is in the field
    auto* box = new QMessageBox(QMessageBox::Question, tr("Paste of many lines"),
                                tr("You pasted %1 lines. How should Enter send them?").arg(lines), QMessageBox::NoButton,
                                this);
    box->setObjectName(QStringLiteral("pasteQuestion"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton* each = box->addButton(tr("As %1 messages").arg(lines), QMessageBox::AcceptRole);
    each->setObjectName(QStringLiteral("pasteEach"));
    QPushButton* one = box->addButton(tr("As one message"), QMessageBox::AcceptRole);
    one->setObjectName(QStringLiteral("pasteOne"));
    QPushButton* cancel = box->addButton(tr("Cancel the paste"), QMessageBox::RejectRole);
    cancel->setObjectName(QStringLiteral("pasteCancel"));
    box->setDefaultButton(linesMode() == LinesMode::OneMessage ? one : each);
    box->setEscapeButton(cancel);  // Escape and the close button cancel too
    auto* remember = new QCheckBox(tr("Remember my choice (Lines below keeps it)"), box);
    remember->setObjectName(QStringLiteral("pasteRemember"));
    box->setCheckBox(remember);
    m_pasteQuestion = box;
    connect(box, &QMessageBox::buttonClicked, this, [this, each, one, remember, lines, noteFor](QAbstractButton* b) {
        if (b == each || b == one) {
            setLinesMode(b == one ? LinesMode::OneMessage : LinesMode::EachLine);
            if (remember->isChecked()) {
                m_askOnPaste = false;
                emit askOnPasteChanged(false);
            }
            noteFor(lines);
        } else {
            m_edit->undo();  // the paste was one edit
            showNote(tr("Paste cancelled."), false);
        }
    });
    connect(box, &QObject::destroyed, this, [this] { m_edit->setFocus(); });
    box->open();
}

void Composer::setAskOnPaste(bool on) { m_askOnPaste = on; }

}  // namespace ui
