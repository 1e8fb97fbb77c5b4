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
// that step sent or matched in that view. The current step's line is marked
// in the editor; a failing or bad line in the error colour.
// Run and Step parse the editor's text (a bad script: the line named in the
// status, nothing runs) and hand it to a ScriptJob: the runner works on a
// thread of its own and reports back as events, so the window never waits.
// Step starts a run that holds before every step until Step is pressed
// again; Run lets a stepped run go on to the end; Stop fails the step
// running ("interrupted").
// Make from channel turns a recorded connection into a script (engine
// ScriptMaker: requests become sends, replies expects, changing digits
// regexes): the window gives the events it holds and the selected channel
// through setEventSource().
// What it owns: its widgets, the job, the run's event store and model.
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"
#include "ui/model/EventLogStore.h"

#include <QString>
#include <QWidget>

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

    /// Jumps the conversation to the message of a result row; false when it has none.
    bool jumpTo(QTreeWidgetItem* result);

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
    bool m_stepping = false;
};

}  // namespace ui
