// Composer.h — where the user types what a channel should push.
//
// What it does: one line of escaped text (`\r \n \t \0 \\ \xNN`) or hex, with
// mistakes marked in place; "append terminator" (on by default) adds the
// target channel's terminator; Enter sends; Up/Down page through the
// history. Shift+Enter starts a new line (a paste keeps its lines); a text of
// many lines goes out, as the "Lines" setting says, as one message per line
// (each with the terminator appended, one push each) or as one message (the
// lines joined by the terminator, or by "\n" without one: one push). Below it: send a file (a file producer), send N copies or one
// every T ms (a repeat producer), stop (discard_buffers), and a gauge of the
// target's producer fifo filling and draining. For a bound UDP channel a
// "To" field beside the line: the address each datagram goes to (empty: the
// sender of the last datagram received); the owner fills it with the sender
// of the datagram selected in the conversation.
// Above the line, the snippet strip (SnippetBar): saved messages, one click
// sends them as the composer sends typed text. When the target is a
// listener with open connections, "to all N connections" lets Enter and the
// snippets, Send file, Repeat and Stop go to every one of them (toAll();
// the owner fans it out). A paste of many lines asks how to send them
// (setAskOnPaste()).
// The composer only asks: its signals say what to push, the owner (the main
// window) posts it to the engine.
// What it owns: its child widgets and the history list.
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/asyncore/Terminator.h"
#include "ui/views/ByteSyntax.h"

#include <QByteArray>
#include <QPointer>
#include <QStringList>
#include <QWidget>

#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QMessageBox;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace ui {

class EscapeEdit;
class SnippetBar;

class Composer : public QWidget {
    Q_OBJECT
public:
    static constexpr int kHistoryLimit = 200;

    /// What Enter does with a text of many lines.
    enum class LinesMode { EachLine, OneMessage };

    explicit Composer(QWidget* parent = nullptr);

    /// The channel the composer sends to (0: none). `canSend` is false while
    /// the channel cannot push (not connected yet, closed, a listener);
    /// `whyNot` then says why, in the field and in the note a refused send
    /// shows. A note about the target never outlives a change of it.
    void setTarget(engine::ChannelId id, const QString& label, const std::optional<engine::Terminator>& terminator,
                   bool canSend, const QString& whyNot = QString());
    engine::ChannelId target() const { return m_target; }

    /// The target is a listener with `open` accepted connections open now
    /// (-1: the target is no listener): shows "to all N connections".
    void setListenerConnections(int open);
    /// Sends go to all the listener's open connections (the box is shown and checked).
    bool toAll() const;
    QCheckBox* toAllBox() const { return m_toAll; }

    /// The target's protocol ("" none) and endpoint, for the snippets that apply.
    void setSnippetScope(const QString& protocol, const QString& endpoint);
    SnippetBar* snippetBar() const { return m_snippets; }
    /// Sends escaped `text` (lines separated by '\n') as typed text would go
    /// (the Lines setting, "+ terminator"); what a snippet's click does. The
    /// field is left alone. False if nothing was sent.
    bool sendText(const QString& text);

    /// Shows the "To" field (a bound UDP target) or hides it (anything else).
    /// Shown, `lastSender` is its hint (where an empty field sends).
    void setDestinationShown(bool shown, const QString& lastSender = QString());
    /// Puts `address` ("HOST:PORT") in the "To" field.
    void setDestination(const QString& address);
    /// The "To" field's address, trimmed ("" when hidden or empty: the last sender).
    QString destination() const;
    QLineEdit* destinationEdit() const { return m_to; }

    /// The target's producer fifo, from its latest snapshot: the bytes still
    /// to send (buffered plus what its producers still hold) and its entries.
    /// The gauge shows them against the most seen since the fifo was last
    /// empty, so it fills as work is queued and drains as it is sent.
    void setFifo(std::uint64_t pendingBytes, std::uint64_t entries);

    void setAppendTerminator(bool on);
    /// "+ terminator" as a checkable action (for a menu: the box itself is
    /// not a Tab stop).
    QAction* appendTerminatorAction() const { return m_appendAction; }
    bool appendTerminator() const;
    void setSyntax(ByteSyntax syntax);
    ByteSyntax syntax() const;
    void setLinesMode(LinesMode mode);
    LinesMode linesMode() const;
    /// A paste of many lines asks how to send them (as many messages, as
    /// one, or cancel the paste) while this is on (the default); "Remember my
    /// choice" in that question turns it off, and a paste then follows Lines.
    void setAskOnPaste(bool on);
    bool askOnPaste() const { return m_askOnPaste; }

    QStringList history() const { return m_history; }
    void setHistory(const QStringList& history);

    /// The bytes Enter would send now (with the terminator if appended), or
    /// nullopt when the text is invalid.
    /// Many lines: all the bytes the messages add up to.
    std::optional<QByteArray> message() const;
    /// The messages Enter would send now, one push each (one entry unless
    /// the text has many lines and the mode is EachLine), or nullopt when
    /// the text is invalid.
    std::optional<QList<QByteArray>> messages() const;

    EscapeEdit* editor() const { return m_edit; }
    /// The note under the line ("" when hidden).
    QString noteText() const;
    QPushButton* sendButton() const { return m_send; }

    /// Sends the current text (what Enter does). False if nothing was sent.
    bool send();
    /// Asks to push the file at `path` (what "Send file…" does once a file is picked).
    void sendFile(const QString& path);
    /// Asks to push the current text `copies` times, one every `intervalMs` (0: all at once).
    bool repeat(std::uint64_t copies, int intervalMs);

    void focusEditor();
    /// Opens a file dialog (not blocking) and sends the file picked.
    void chooseFile();

signals:
    void sendRequested(const QByteArray& bytes);
    void sendFileRequested(const QString& path);
    void repeatRequested(const QByteArray& bytes, std::uint64_t copies, int intervalMs);
    void stopRequested();
    void historyChanged();
    /// "Remember my choice" was ticked in the paste question (off: no more asking).
    void askOnPasteChanged(bool on);
    /// A short note for the status bar ("select a connected channel first").
    void notice(const QString& text);

private:
    void navigateHistory(int step);
    void updateActions();
    void addToHistory(const QString& text);
    void showNote(const QString& text, bool error);
    QByteArray terminatorToAppend() const;
    QString cannotSendText() const;
    bool ready() const;  // a send can go now (the target, or all of a listener's connections)
    std::optional<QList<QByteArray>> messagesFor(const QList<ParsedBytes>& lines) const;
    bool sendMessages(const std::optional<QList<QByteArray>>& each, const QString& errorText);
    void updatePlaceholder();
    void onPastedLines(int lines);

    engine::ChannelId m_target = 0;
    std::optional<engine::Terminator> m_terminator;
    bool m_canSend = false;
    QString m_whyNot;
    bool m_noteAboutTarget = false;  // the note shown says the target cannot take a send

    QLabel* m_targetLabel = nullptr;
    QLabel* m_toLabel = nullptr;
    QLineEdit* m_to = nullptr;
    QComboBox* m_syntaxBox = nullptr;
    QComboBox* m_linesBox = nullptr;
    EscapeEdit* m_edit = nullptr;
    QCheckBox* m_appendTerm = nullptr;
    QAction* m_appendAction = nullptr;
    QPushButton* m_send = nullptr;
    QToolButton* m_fileButton = nullptr;
    QSpinBox* m_copies = nullptr;
    QSpinBox* m_interval = nullptr;
    QToolButton* m_repeatButton = nullptr;
    QToolButton* m_stopButton = nullptr;
    QProgressBar* m_fifoBar = nullptr;
    QLabel* m_note = nullptr;
    QCheckBox* m_toAll = nullptr;
    SnippetBar* m_snippets = nullptr;
    int m_listenerOpen = -1;
    QString m_snippetProtocol;
    QString m_snippetEndpoint;

    std::uint64_t m_fifoPeak = 0;
    QStringList m_history;
    int m_historyPos = -1;  // -1: editing a fresh line
    QString m_draft;
    bool m_askOnPaste = true;
    QPointer<QMessageBox> m_pasteQuestion;
};

}  // namespace ui
