// ScriptPane.h — the window's script pane: edit a conversation script,
// run it or step it against a target, see each step's result and the
// conversation it had.
//
// What it does: an editor with the script format's highlighting
// (ScriptHighlighter), a toolbar (Open…, Save…, Run, Step, Stop, Make from
// channel, the target HOST:PORT that replaces every connect's — empty: the
// script's own), the results (one row per step run: its line, statement,
// passed / failed / running, the message it matched or, for a failure, the
// reason with what was expected and what came instead, and its time), and
// the run's conversation in a ConversationView of its own (Messages mode)
// fed with the run's session events. Clicking a result jumps to the message
// that step sent or matched in that view and, in the window, in the main
// conversation: the rows of the script's channel (setMainJump()). The
// current step's line is marked in the editor; a failing or bad line in the
// error colour.
// Run and Step parse the editor's text (a bad script: the line named in the
// status, nothing runs) and hand it to a ScriptJob, which hosts the run in
// the window's Reactor (setReactor(); a pane outside a window makes a
// Reactor of its own): the script's connection is a channel of the window,
// pausing the window's loop (Loop inspector, F8) pauses the script — its
// timeouts do not run out — and the loop's Step advances it. The window
// never waits: what the run does comes back in batches.
// Step starts a run that holds before every step until Step is pressed
// again; Run lets a stepped run go on to the end; Stop fails the step
// running ("interrupted").
// Make from channel turns a recorded connection into a script (engine
// ScriptMaker: requests become sends, replies expects, changing digits
// regexes): the window gives the selected channel's events through
// setEventSource() — channelEvents() takes that channel's rows of its log
// through an EventIndex, never a copy of the whole log.
// What it owns: its widgets, the job, the run's event store and model, and
// the Reactor of its own when it has no window's (not the window's).
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/reactor/HostedWork.h"
#include "ui/model/EventLogStore.h"

#include <QString>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QAction;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace engine {
class Reactor;
}
namespace engine::script {
struct RunResult;
class Script;
}  // namespace engine::script

namespace ui {

class ConversationView;
class EventLogModel;
class ScriptHighlighter;
class ScriptJob;

class ScriptPane : public QWidget {
    Q_OBJECT
public:
    /// The results' columns.
    enum Column { ColLine, ColStatement, ColResult, ColDetail, ColTime, ColumnCount };
    /// Item data: the seq of the event a result jumps to (0: none).
    static constexpr int kSeqRole = Qt::UserRole + 1;
    /// Item data (column ColStatement): where the step's bytes are in its
    /// connection (ScriptJob::Passed): connection, outOffset, inOffset.
    static constexpr int kConnectionRole = Qt::UserRole + 2;
    static constexpr int kOutRole = Qt::UserRole + 3;
    static constexpr int kInRole = Qt::UserRole + 4;

    explicit ScriptPane(QWidget* parent = nullptr);
    ~ScriptPane() override;

    QPlainTextEdit* editor() const { return m_editor; }
    QLineEdit* targetEdit() const { return m_target; }
    QTreeWidget* results() const { return m_results; }
    ConversationView* conversation() const { return m_conversation; }
    ScriptHighlighter* highlighter() const { return m_highlighter; }
    QString statusText() const;
    QAction* runAction() const { return m_run; }
    QAction* stepAction() const { return m_step; }
    QAction* stopAction() const { return m_stop; }
    QAction* makeAction() const { return m_make; }

    void setScriptText(const QString& text, const QString& name = QString());
    QString scriptText() const;
    bool loadFile(const QString& path);
    bool saveFile(const QString& path);

    /// Run, or (stepping) start a run held before each step; a stepped run:
    /// Run lets it go on, Step lets one more step start. False (and the
    /// reason in the status) for a bad script or target.
    bool run();
    bool step();
    void stop();
    bool running() const;

    /// Where Make from channel finds the window's recording: its events and
    /// the channel selected (nullopt: the first connection that carried bytes).
    using EventSource = std::function<std::vector<engine::Event>(std::optional<engine::ChannelId>&)>;
    void setEventSource(EventSource source) { m_source = std::move(source); }
    /// Makes a script from `events` (ScriptMaker); false with the reason in the status.
    bool makeFromEvents(const std::vector<engine::Event>& events, std::optional<engine::ChannelId> channel,
                        const QString& sourceName);
    /// Make from channel with the window's events (setEventSource).
    bool makeFromSource();
    /// The events of one connection in `store`, for Make from channel:
    /// `channel`'s (nullopt: the first connection that sent or received
    /// bytes, which `channel` is then set to) and, for a connection a
    /// proxying listener accepted, its upstream leg's. Taken through an
    /// EventIndex filtered to those channels: only their rows are copied,
    /// not the whole log. Owner (GUI) thread of the store.
    static std::vector<engine::Event> channelEvents(const EventLogStore& store, std::optional<engine::ChannelId>& channel);

    /// Jumps the conversation to the message of a result row and, with
    /// setMainJump(), the window's conversation to the same bytes in the
    /// script's channel; false when the pane's own view has nothing to show.
    bool jumpTo(QTreeWidgetItem* result);

    /// The Reactor runs are hosted in (the window's); nullptr: a Reactor of
    /// the pane's own, made at the first run. A run going on is stopped
    /// (the window calls setReactor(nullptr) before its Reactor goes).
    void setReactor(engine::Reactor* reactor);
    /// The window's loop was paused (or resumed): the status says a run waits with it.
    void setLoopPaused(bool paused);
    /// The hosted work of the run going on, or of the last run (0: none yet).
    engine::HostId lastHostId() const noexcept { return m_host; }
    /// How the window shows a step's bytes in its own conversation: the
    /// hosted work, the script's connection (1, 2, …), out (what a send
    /// pushed) or in (what an expect matched) and the offset in that stream.
    /// True when it found and showed the row.
    using MainJump = std::function<bool(engine::HostId, std::size_t connection, bool out, std::int64_t offset)>;
    void setMainJump(MainJump jump) { m_mainJump = std::move(jump); }
    /// The seq of the event in `store` (a Reactor's log) that holds a step's
    /// bytes: the `connection`-th channel hosted work `host` made, its `sent`
    /// (out) or `collect` (in) event whose bytes cover `offset` (its last
    /// one when the offset is past them); 0 when there is none. Through
    /// EventIndex filters, reading only the rows' headers and lengths.
    static std::uint64_t seqForStepBytes(const EventLogStore& store, engine::HostId host, std::size_t connection,
                                         bool out, std::int64_t offset);

signals:
    /// A run ended (passed or not).
    void runFinished(bool passed);

protected:
    void changeEvent(QEvent* event) override;

private:
    bool begin(bool stepping);
    std::optional<engine::script::Script> parseEditor();
    void setStatus(const QString& text, bool error);
    void markLine(std::size_t line, bool error);
    void appendEvents(const std::vector<engine::Event>& events, QTreeWidgetItem* item);
    void onBegun(qulonglong index);
    void onFinished(const engine::script::RunResult& result, const std::vector<engine::Event>& events);
    void updateActions();
    QTreeWidgetItem* rowFor(std::size_t index, bool create);

    QPlainTextEdit* m_editor = nullptr;
    ScriptHighlighter* m_highlighter = nullptr;
    QLineEdit* m_target = nullptr;
    QTreeWidget* m_results = nullptr;
    QLabel* m_status = nullptr;
    ConversationView* m_conversation = nullptr;
    QAction* m_open = nullptr;
    QAction* m_save = nullptr;
    QAction* m_run = nullptr;
    QAction* m_step = nullptr;
    QAction* m_stop = nullptr;
    QAction* m_make = nullptr;

    EventLogStore m_store;
    EventLogModel* m_model = nullptr;
    ScriptJob* m_job = nullptr;
    std::unique_ptr<engine::script::Script> m_script;  // the one running (for the statements of results)
    QTreeWidgetItem* m_current = nullptr;              // the result row of the step running
    std::size_t m_currentIndex = 0;
    QString m_name = QStringLiteral("script.lws");
    EventSource m_source;
    MainJump m_mainJump;
    engine::Reactor* m_reactor = nullptr;             // the window's
    std::unique_ptr<engine::Reactor> m_ownReactor;     // without a window
    engine::HostId m_host = 0;
    bool m_stepping = false;
    bool m_loopPaused = false;  // the window's loop (setLoopPaused)
};

}  // namespace ui
