// ExampleHost.h — runs one built-in example (examples/) for the GUI in the
// main window's engine: hosted in the Reactor's own loop (Reactor::host), so
// its dispatchers are channels like any other (channel list, conversation,
// Loop inspector), and pause / step / resume / slow motion are the loop's.
//
// What it does: start() posts the example to the EngineBridge's Reactor
// (paused first, with the loop trace on, when asked). From the bridge's event
// batches it learns the example's port and its dispatchers (`hosted` events:
// channel id → Python class name), turns each traced loop pass that touched
// them into an ExamplePass (`passDone`: readable()/writable(), ready, the
// hooks in order, named "EchoHandler#7"), and reports the end (`finished`
// with ok()); then the loop goes back to what it did before the example
// (a loop that ran runs again). The example's log lines (its logging sink runs on the loop
// thread) are queued under a lock and handed over as `logLine` with the next
// batch. stop() stops the hosted work, which closes its dispatchers.
// What it owns: the slow-motion timer and the log queue; not the bridge, and
// not the example (the Reactor hosts it).
// Threads: GUI thread (the log sink alone is called on the loop thread).
#pragma once
#include "engine/reactor/Event.h"
#include "engine/reactor/HostedWork.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

class QTimer;

namespace engine {
class Reactor;
}

namespace ui {

class EngineBridge;

/// One hook that ran, named the way the example names its classes.
struct ExampleHook {
    QString pythonClass;  ///< "EchoHandler"
    QString hook;         ///< "found_terminator"
    quint64 dispatcher = 0;  ///< the channel id the Reactor gave the dispatcher
};

struct ExamplePass {
    quint64 pass = 0;
    QString backend;
    QStringList readable;  ///< "EchoHandler#3"
    QStringList writable;
    QStringList ready;     ///< "EchoHandler#3 (in)"
    QList<ExampleHook> hooks;
    bool idle() const { return ready.isEmpty() && hooks.isEmpty(); }
};

class ExampleHost : public QObject {
    Q_OBJECT

public:
    explicit ExampleHost(EngineBridge* bridge, QObject* parent = nullptr);
    ~ExampleHost() override;  ///< stop()s.

    /// Starts `name` in the bridge's Reactor (stopping any example still
    /// running), pausing the loop first when `paused`. False, with `error`
    /// set, for an unknown name; a failure in the loop (a port in use)
    /// arrives as a log line and `finished(false)`.
    bool start(const QString& name, bool paused, QString* error = nullptr);
    /// Stops the example, and the loop goes back to what it did before the
    /// example (running, or paused). So does the example's own end.
    void stop();
    bool isRunning() const noexcept { return m_running; }
    QString name() const { return m_name; }
    /// The port the example's server listens on (0: none, or not known yet).
    quint16 port() const noexcept { return m_port; }
    /// The Python class of hosted channel `id` ("" if it is not the example's).
    QString classOf(engine::ChannelId id) const { return m_labels.value(id); }
    /// The example's channels, in the order they appeared.
    std::vector<engine::ChannelId> channels() const { return m_order; }

    void pause();
    void resume();
    void step();
    /// Slow motion: pause and step every `ms` (0: off).
    void setDelay(int ms);
    bool isPaused() const noexcept { return m_paused; }
    /// Passes reported so far.
    quint64 passes() const noexcept { return m_passes; }

signals:
    void logLine(const QString& line);
    void passDone(const ui::ExamplePass& pass);
    /// The server is listening on `port` (0: the example has no server).
    void started(quint16 port);
    /// The example is over (client finished or server done); `ok` as the
    /// example judges it. Not emitted when stopped.
    void finished(bool ok);

private:
    struct LogQueue;
    void onBatch(const std::vector<engine::Event>& batch);
    void flushLog();
    QString label(engine::ChannelId id) const;
    void stopHosted();
    void restoreLoop();

    bool m_pausedBefore = false;    // the loop was paused before the example started
    bool m_restorePending = false;  // ... and that state comes back when it ends
    QPointer<EngineBridge> m_bridge;  // the window may destroy it before us: check before using m_reactor
    engine::Reactor* m_reactor;       // the bridge's
    QTimer* m_slow;
    std::shared_ptr<LogQueue> m_log;
    engine::HostId m_hostId = 0;
    bool m_running = false;
    bool m_paused = false;
    quint16 m_port = 0;
    quint64 m_passes = 0;
    QString m_name;
    QHash<engine::ChannelId, QString> m_labels;
    std::vector<engine::ChannelId> m_order;
};

}  // namespace ui

Q_DECLARE_METATYPE(ui::ExamplePass)
