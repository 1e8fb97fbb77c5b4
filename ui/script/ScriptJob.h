// ScriptJob.h — one run of a conversation script for the window, on a
// thread of its own, reported back to the GUI thread as Qt events.
//
// What it does: start() runs engine::script::ScriptRunner::run() on a
// std::thread of its own (the runner makes and drives its own engine Loop
// there: the GUI thread never waits on the network). What the run does comes
// back as queued calls on the GUI thread, in batches: stepBegun() as a step
// starts, stepPassed() as it passes with the session events it produced
// (connecting, push, sent, collect, found_terminator, … — the runner's
// `--record` events), held() when stepping stops before a step, and
// finished() once with the result and the last events. step() lets one more
// step start (start(…, stepping = true) begins with none allowed but the
// first); resume() lets the rest run; stop() fails the step running as
// "interrupted" (within 100 ms). Destroying the job stops the run and joins
// its thread; calls queued for a destroyed job are dropped by Qt.
// What it owns: the thread, the Script being run, the recorded events not
// yet handed over.
// Threads: every member on the GUI thread (the object's); the signals come
// on it too.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/script/ScriptRunner.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace ui {

class ScriptJob : public QObject {
    Q_OBJECT
public:
    /// A step that passed, as the GUI shows it.
    struct Passed {
        std::size_t index = 0;  ///< in the script's steps, 0-based
        std::size_t line = 0;
        double ms = 0;
        QString detail;  ///< the message matched (escaped), "to ADDRESS", the TLS version, …
    };

    explicit ScriptJob(QObject* parent = nullptr);
    ~ScriptJob() override;

    /// Runs `script` (false if a run is going on). `options`' cancel,
    /// stepBudget, callbacks and record are the job's own.
    bool start(engine::script::Script script, engine::script::RunOptions options, bool stepping);
    bool running() const noexcept { return m_thread.has_value(); }
    void step();
    void resume();
    void stop();

signals:
    void stepBegun(qulonglong index);
    void stepPassed(const ui::ScriptJob::Passed& step, const std::vector<engine::Event>& events);
    void held(qulonglong index);
    void finished(const engine::script::RunResult& result, const std::vector<engine::Event>& events);

private:
    void join();

    std::unique_ptr<engine::script::Script> m_script;
    std::optional<std::thread> m_thread;
    std::atomic<bool> m_cancel{false};
    std::atomic<std::uint64_t> m_budget{std::numeric_limits<std::uint64_t>::max()};
};

}  // namespace ui

Q_DECLARE_METATYPE(ui::ScriptJob::Passed)
