// LoopInspector.h — the Loop inspector: the loop's passes, live, with
// pause / step / resume / slow motion.
//
// What it does: shows one row per loop pass from the Reactor's `loop` events
// (the loop trace): its number, its time, the backend, which channels
// answered readable() and writable(), which came back ready (with the
// readiness bits), and the hooks that ran, in order (handle_read →
// collect_incoming_data → found_terminator, handle_write → initiate_send →
// send, handle_accepted, handle_connect, handle_close, …). Idle passes
// (nothing ready, no hook) fold into one row that counts them, so the view
// stays readable at full speed; at most kMaxRows rows are kept.
// Pause, Step (exactly one pass), Resume and Slow motion (paused, stepped by a
// timer every `delay` ms) act on the Reactor; while paused the text above the
// passes says what waits (the Reactor's `preview`: bytes in each socket,
// readable()/writable(), readiness) and what the next step will do with it.
// Channels of a hosted example are named by their Python class
// ("EchoHandler#7"): the examples run in this same loop. A channel whose TLS
// layer wants the socket while the application's readable()/writable() says
// no or is held back (a handshake, a partial record) is listed as "(TLS wants read)" /
// "(TLS wants write)", with a tool tip that says why. The trace is switched on only while the
// inspector is visible (setTracing), so with the inspector closed the engine
// records nothing and pays nothing.
// Above the rows, the LoopPicture draws one pass (the latest that did
// something, or the row selected) as boxes: readable()/writable() → what the backend reported →
// the hooks → what the pass left (terminator, held-back bytes, fifo). A
// pass's key moments (a terminator found, set_terminator() inside a hook, a
// channel closed) are ★ rows under its row and in the picture. The backend
// chooser (select / poll / epoll) switches the Reactor's backend live
// (Reactor::setBackend); the next passes show it.
// What it owns: its widgets and actions; not the bridge.
// Threads: GUI thread.
#pragma once
#include "engine/reactor/Event.h"

#include <QPointer>
#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

class QAction;
class QComboBox;
class QLabel;
class QSpinBox;
class QTimer;
class QToolBar;
class QTreeWidget;
class QTreeWidgetItem;

namespace ui {

class EngineBridge;
class LoopPicture;

class LoopInspector : public QWidget {
    Q_OBJECT

public:
    static constexpr int kMaxRows = 5000;

    explicit LoopInspector(EngineBridge* bridge, QWidget* parent = nullptr);

    QAction* pauseAction() const { return m_pause; }
    QAction* stepAction() const { return m_step; }
    QAction* resumeAction() const { return m_resume; }
    QAction* slowMotionAction() const { return m_slow; }
    QToolBar* toolBar() const { return m_toolBar; }
    LoopPicture* picture() const { return m_picture; }
    /// The backend chooser (select, poll, epoll: those available here).
    QComboBox* backendChooser() const { return m_backend; }

    /// Turns the Reactor's loop trace on or off (the dock does this as it is
    /// shown and hidden).
    void setTracing(bool on);
    bool isTracing() const noexcept { return m_tracing; }
    bool isPaused() const noexcept { return m_paused; }
    /// Slow motion's delay per pass, in milliseconds.
    void setSlowMotionDelay(int ms);

    /// Rows in the view (a folded run of idle passes is one row).
    int rowCount() const;
    /// Loop passes seen so far (idle ones included).
    std::uint64_t passesSeen() const noexcept { return m_passesSeen; }
    /// The text of row `row`, columns joined by " | " (for tests).
    QString rowText(int row) const;
    /// The ★ rows under pass row `row` (its key moments), for tests.
    QStringList keyMomentRows(int row) const;
    /// Shows pass row `row` in the picture (as selecting it does).
    void selectRow(int row);
    /// The "next step" text shown while paused.
    QString nextStepText() const;
    /// Its part from the Reactor's `preview` (per channel: bytes waiting in
    /// the socket, readable()/writable(), readiness, what the next step does).
    QString previewText() const;

public slots:
    void pause();
    void step();
    void resume();
    void setSlowMotion(bool on);
    void clear();
    /// Waits in `backend` from the next pass on (the chooser does this).
    void setBackend(engine::Backend backend);

signals:
    /// A traced pass ran `hook` on `channel` (for the example pane).
    void hookRan(engine::ChannelId channel, engine::Hook hook);

private:
    void onBatch(const std::vector<engine::Event>& batch);
    void addPass(const engine::Event& e);
    void updateState();
    QString channelName(engine::ChannelId id) const;
    /// The readable / writable columns of a pass: the channels that said
    /// True, and those whose TLS layer wants the socket, though the
    /// application does not or is held back by the handshake, marked
    /// ("#2 client (TLS wants read)").
    struct PolledSets {
        QStringList readable, writable;
        bool layerRead = false, layerWrite = false;  ///< Some entry is a TLS layer's want.
    };
    PolledSets polledSets(const std::vector<engine::LoopTrace::Polled>& polled) const;
    QString shortName(engine::ChannelId id) const;  ///< "#3", or "EchoHandler#3" for an example's

    EngineBridge* m_bridge;
    QToolBar* m_toolBar;
    QAction* m_pause;
    QAction* m_step;
    QAction* m_resume;
    QAction* m_slow;
    QSpinBox* m_delay;
    QComboBox* m_backend;
    LoopPicture* m_picture;
    QLabel* m_status;
    QTreeWidget* m_view;
    QTimer* m_slowTimer;
    QTreeWidgetItem* m_idleRow = nullptr;  // the open run of idle passes
    std::uint64_t m_idleFirst = 0;
    std::uint64_t m_idleCount = 0;
    std::uint64_t m_passesSeen = 0;
    bool m_tracing = false;
    bool m_paused = false;
    bool m_follow = true;
    std::shared_ptr<const engine::LoopTrace> m_last;
    // The traces of the rows still in the view, by pass (the picture of a
    // selected row; an idle run shows its last pass).
    std::map<std::uint64_t, std::shared_ptr<const engine::LoopTrace>> m_traces;
    std::shared_ptr<const engine::LoopTrace> m_preview;  // the latest `preview` while paused
    // While paused: the latest snapshot of each channel (asked for after
    // each pass), to say what is waiting and what the next step will do.
    std::map<engine::ChannelId, std::shared_ptr<const engine::ChannelState>> m_states;
};

}  // namespace ui
