// ScriptRunner.h — runs a conversation Script against a live server, on an
// async_chat channel, and reports the first step that fails.
//
// What it does: run() runs the script once; runLoad() runs it on `parallel`
// connections at once, `iterations` times each, and measures the time each
// expect took (from the step's start — right after the sends before it — to
// its match). Both run an engine::Loop of their own on the calling thread
// (every connection in that one loop) until the script is done or fails.
// Each connection is an AsyncChat whose own terminator is None: it collects
// what arrives, and the runner frames it by the script's terminator (or
// preset program) when an expect reads it — so a `terminator` statement
// applies to the bytes already received, as asynchat's re-read terminator
// does inside found_terminator. A `terminator count N` frames the next
// message only; the terminator before it is back after.
// An expect reads the next framed message (or one of the next `within`),
// matches it with the reply rules' matcher (ProgramRunner::matchMessage),
// and stores its captures in variables. It fails on a message that does not
// match (the last of `within`), when its timeout passes, or when the peer
// closes first; the failure says the step, its line, what was expected,
// what came instead (escaped, cut at 200 bytes) and how long it waited.
// Bounded memory: at most maxMessage bytes of one message; a peer that
// sends more without the terminator fails the step ("no terminator in the
// first N bytes"); while no expect is waiting the connection stops reading
// once maxMessage bytes wait unread, so a flooding peer is held back by TCP.
// A send waits (the script pauses) while more than 1 MiB it queued has not
// gone out, and fails when the timeout passes: a peer that does not read
// cannot make the runner queue without bound.
// TLS: `connect … tls` runs the handshake as part of the connect step (the
// step passes with the version and cipher); `starttls` runs a built-in
// dialogue (engine/tls/StartTlsDialog) or upgrades at once, after what was
// queued has gone out; unread bytes at that point fail the step. The TLS
// contexts are made once per step (engine/tls/TlsContext) and kept for the
// iterations of a load.
// Stepping: RunOptions::stepBudget holds the run before each step past it.
// Hosted: HostedRun runs the script as HostedWork in a Reactor's loop (the
// window's: its connection is then a channel of that Reactor, and pausing,
// stepping and tracing the loop apply to it); what it does comes out as
// reports, taken in batches by another thread.
// What it owns: the loop and the connections of a run (made and destroyed in run()/runLoad()).
// Threads: one thread (the caller's); the Script is shared read-only.
// HostedRun: see its own comment.
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/net/ThreadSafety.h"
#include "engine/reactor/Event.h"
#include "engine/reactor/HostedWork.h"
#include "engine/script/Script.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace engine::script {

struct RunOptions {
    /// --to: replaces every connect's target ("" keeps the script's).
    std::string host;
    std::uint16_t port = 0;
    /// An expect's (and a connect's) timeout until a `timeout` statement.
    std::int64_t defaultTimeoutMs = 5000;
    /// The largest message an expect reads.
    std::size_t maxMessage = 1u << 20;
    Backend backend = defaultBackend();
    /// Set (from any thread) to stop: the step running fails as "interrupted"
    /// within 100 ms. Null: never.
    const std::atomic<bool>* cancel = nullptr;
    /// run() only, for stepping (the window's Step button): the number of
    /// steps the run may start; the run waits (its connection still
    /// served, reads held back by TCP) before the step past it until the
    /// value grows. Set from any thread; seen within 100 ms (cancel must be
    /// set too, for the short polls). Null: no limit.
    const std::atomic<std::uint64_t>* stepBudget = nullptr;
    /// run() only: called on the run's thread as each step starts (its
    /// index in the script, 0-based), for marking the current step.
    std::function<void(std::size_t)> onBegin;
    /// run() only: called on the run's thread when stepBudget holds the run
    /// before the step at this index (0-based).
    std::function<void(std::size_t)> onHeld;
    /// run() only: where to put the run as session events (connecting,
    /// connected, push, sent, collect, found_terminator, closed, stopped;
    /// docs/session-format.md), for `run --record`. Null: not recorded.
    std::vector<Event>* record = nullptr;
};

/// Why a step failed.
struct StepFailure {
    std::size_t step = 0;      ///< the statement's index in the script, 1-based
    std::size_t line = 0;
    std::string statement;     ///< as written, printable
    std::string reason;        ///< "timed out after 1000 ms", "the peer closed the connection", …
    std::string expected;      ///< printable ("prefix '+OK'")
    std::string got;           ///< escaped ("nothing" when nothing came)
    double waitedMs = 0;
};

/// One step done (for --json and progress output).
struct StepDone {
    std::size_t step = 0;
    std::size_t line = 0;
    const Step* statement = nullptr;
    double ms = 0;
    std::string detail;  ///< Expect: the message it matched (escaped, cut); Connect: "to ADDRESS"
    /// Where the step's bytes are in its connection's streams, for finding
    /// them in another record of the same connection (the window's channel):
    /// the connection (1 for the script's first connect, 2 for the next …;
    /// 0 before any), the offset of what a send pushed in the bytes sent on
    /// it and of the message an expect matched in the bytes received
    /// (plaintext; -1: none).
    std::size_t connection = 0;
    std::int64_t outOffset = -1;
    std::int64_t inOffset = -1;
};

struct RunResult {
    bool passed = false;
    std::optional<StepFailure> failure;
    std::uint64_t stepsRun = 0;
    double elapsedMs = 0;
    std::uint64_t bytesSent = 0;
    std::uint64_t bytesReceived = 0;
    std::chrono::system_clock::time_point startedAt;  ///< t_us 0 of the recorded events
};

struct LoadResult {
    std::uint64_t iterationsPassed = 0;
    std::uint64_t iterationsFailed = 0;
    std::uint64_t expects = 0;           ///< expects that matched
    double elapsedMs = 0;
    std::vector<std::uint32_t> expectUs;  ///< each matched expect's wait, µs (sorted)
    std::optional<StepFailure> firstFailure;
};

class ScriptRunner {
public:
    ScriptRunner(const Script& script, RunOptions options);
    ~ScriptRunner();

    /// Runs the script once; `onStep` hears each step that passes.
    RunResult run(const std::function<void(const StepDone&)>& onStep = {});
    /// `parallel` connections, each running the script `iterations` times.
    LoadResult runLoad(std::size_t parallel, std::size_t iterations);

    /// The percentile `p` (0 … 100) of sorted values (0 for none).
    static std::uint32_t percentile(const std::vector<std::uint32_t>& sorted, double p);

    class Session;

private:
    const Script& m_script;
    RunOptions m_options;
};

/// One run of a script hosted in a Reactor's loop (Reactor::host(factory())):
/// how the window runs scripts. The script's connection is a dispatcher of
/// that loop, so the Reactor reports it as a channel of its own (connecting,
/// sent, collect, closed … in the window's conversation), and pausing the
/// Reactor pauses the script: nothing runs but what a stepped pass reads and
/// writes, and its timeouts do not run out (the paused time is taken off
/// every deadline: HostedWork::tick). What the run does comes out as
/// reports (a step begun, held, passed with its session events, the end),
/// queued under a lock; `notify` hears on the loop thread when the queue
/// goes from empty to not empty, and take() swaps the lot out.
/// step() / resume() / stop() act as RunOptions::stepBudget / cancel do;
/// the caller then wakes the loop (Reactor::wake()). If the Reactor ends
/// the work first (stopHost, shutdown) the last report says so.
/// What it owns: the Script and options (shared with the work in the loop),
/// the reports not yet taken.
/// Threads: step(), resume(), stop(), take(), setNotify(): any thread; the
/// factory and the work it makes: the Reactor's loop thread.
class HostedRun {
public:
    struct Report {
        enum class Kind { Begun, Held, Passed, Finished };
        Kind kind = Kind::Begun;
        std::size_t index = 0;      ///< the step's index in the script, 0-based
        StepDone step;              ///< Passed (statement: the script's, alive as long as the HostedRun)
        std::vector<Event> events;  ///< Passed, Finished: the run's session events since the last report
        RunResult result;           ///< Finished
    };

    HostedRun(Script script, RunOptions options, bool stepping);
    ~HostedRun();
    HostedRun(const HostedRun&) = delete;
    HostedRun& operator=(const HostedRun&) = delete;

    const Script& script() const noexcept;
    /// For Reactor::host(): makes the run in the Reactor's loop (once).
    HostFactory factory();
    /// Called on the loop thread, under the queue's lock, when reports
    /// become available; must be quick. Empty: no one hears.
    void setNotify(std::function<void()> notify);
    /// Moves the reports queued so far into `out` (cleared first).
    void take(std::vector<Report>& out);
    /// One more step may start (stepping).
    void step();
    /// No more holding.
    void resume();
    /// The step running fails as "interrupted".
    void stop();

    struct Shared;

private:
    std::shared_ptr<Shared> m_shared;
};

}  // namespace engine::script
