// ExampleHost.h — runs one built-in example (examples/) for the GUI: its own
// engine::Loop on a std::thread, with pause / step / resume / slow motion,
// reporting the example's log lines and every loop pass to the GUI thread.
//
// What it does: start() launches the thread, which constructs the example
// (examples::startExample) in a Loop of its own and runs it pass by pass
// until it is done or stop() is called. An observer on that Loop records
// each pass — what each dispatcher answered to readable()/writable(), what
// came back ready, the hooks in order — and hands it to the GUI thread as a
// `passDone` signal (queued); log lines arrive as `logLine`. While paused the
// thread waits; step() lets passes run until one of them dispatches
// something (an idle pass that times out is not a step). Slow motion waits
// `delay` ms after each busy pass.
// What it owns: its thread, and through it the example's Loop and
// dispatchers (created, run and destroyed on that thread).
// Threads: public methods on the GUI thread; signals arrive there too.
#pragma once
#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace ui {

/// One hook that ran, named the way the example names its classes.
struct ExampleHook {
    QString pythonClass;  ///< "EchoHandler"
    QString hook;         ///< "found_terminator"
    quint64 dispatcher = 0;  ///< engine::Dispatcher::id()
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
    explicit ExampleHost(QObject* parent = nullptr);
    ~ExampleHost() override;  ///< stop()s and joins.

    /// Starts `name` (stopping any example still running). False, with
    /// `error` set, if it could not start (a port in use, a bad name).
    bool start(const QString& name, bool paused, QString* error = nullptr);
    void stop();
    bool isRunning() const noexcept { return m_running; }
    QString name() const { return m_name; }
    /// The port the example's server listens on (0: none).
    quint16 port() const noexcept { return m_port; }

    void pause();
    void resume();
    void step();
    /// Slow motion: `ms` after each busy pass (0: off).
    void setDelay(int ms);
    bool isPaused() const;
    /// Passes reported so far.
    quint64 passes() const noexcept { return m_passes; }

signals:
    void logLine(const QString& line);
    void passDone(const ui::ExamplePass& pass);
    /// The example is over (client finished or server done); `ok` as the
    /// example judges it.
    void finished(bool ok);

private:

    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_paused = false;
    int m_steps = 0;
    int m_delayMs = 0;
    bool m_stop = false;
    std::atomic<bool> m_running{false};
    std::atomic<quint16> m_port{0};
    quint64 m_passes = 0;
    QString m_name;
};

}  // namespace ui

Q_DECLARE_METATYPE(ui::ExamplePass)
