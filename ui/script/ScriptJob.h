// ScriptJob.h — one run of a conversation script for the window, hosted in
// a Reactor's loop, reported back to the GUI thread in batches.
//
// What it does: start() hosts an engine::script::HostedRun in the Reactor it
// is given (Reactor::host(): the window's, so the script's connection is a
// channel of the window and the loop's pause / step / trace apply to it; see
// docs/scripts.md, In the window). The run queues reports on the loop
// thread; the first report of a batch posts one queued call to the GUI
// thread, which takes the whole batch with one swap (the door the other way:
// events leave in batches) and turns it into signals: stepBegun() as a step
// starts, stepPassed() as it passes with the session events it produced
// (connecting, push, sent, collect, found_terminator, … — the runner's
// `--record` events) and where its bytes are in the connection's streams
// (Passed::connection / outOffset / inOffset, for finding them in the
// window's channel), held() when stepping stops before a step, and
// finished() once with the result and the last events. step() lets one more
// step start (start(…, stepping = true) begins with none allowed but the
// first); resume() lets the rest run; stop() fails the step running as
// "interrupted"; each then wakes the loop (Reactor::wake()). Destroying the
// job (or detach()) stops the run: the work is stopped in the Reactor
// (stopHost) and nothing more is heard from it.
// What it owns: the HostedRun (shared with the work in the loop), the host
// id. Not the Reactor, which must outlive the job or be detach()ed from it.
// Threads: every member on the GUI thread (the object's); the signals come
// on it too.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/reactor/HostedWork.h"
#include "engine/script/ScriptRunner.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

namespace engine {
class Reactor;
}

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
        std::size_t connection = 0;  ///< engine::script::StepDone's
        std::int64_t outOffset = -1;
        std::int64_t inOffset = -1;
    };

    explicit ScriptJob(QObject* parent = nullptr);
    ~ScriptJob() override;

    /// Runs `script` in `reactor`'s loop (false if a run is going on).
    /// `options`' cancel, stepBudget, callbacks and record are the job's own.
    /// `drainReactor`: the job also drains (and drops) the Reactor's events
    /// (a Reactor of the pane's own, which nobody else drains).
    bool start(engine::Reactor& reactor, engine::script::Script script, engine::script::RunOptions options,
               bool stepping, bool drainReactor = false);
    bool running() const noexcept { return m_run != nullptr; }
    /// The hosted work's id in the Reactor (0: none running).
    engine::HostId hostId() const noexcept { return m_run ? m_host : 0; }
    void step();
    void resume();
    void stop();
    /// Stops the run without a word more (the Reactor is going away).
    void detach();

signals:
    void stepBegun(qulonglong index);
    void stepPassed(const ui::ScriptJob::Passed& step, const std::vector<engine::Event>& events);
    void held(qulonglong index);
    void finished(const engine::script::RunResult& result, const std::vector<engine::Event>& events);

private:
    void takeReports();
    void wake();

    std::unique_ptr<engine::script::HostedRun> m_run;
    engine::Reactor* m_reactor = nullptr;
    engine::HostId m_host = 0;
    bool m_drainReactor = false;
    std::vector<engine::script::HostedRun::Report> m_reports;  // reused
    std::vector<engine::Event> m_scratch;                      // the drained Reactor events (drainReactor)
};

}  // namespace ui

Q_DECLARE_METATYPE(ui::ScriptJob::Passed)
