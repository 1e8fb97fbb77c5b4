// CliSession.h — one run of linewright-cli: a Reactor, its events, and the
// exit status.
//
// What it does: opens the outputs (--json on stdout, --record FILE through a
// SessionRecorder, which encodes and writes on a thread of its own), starts
// a Reactor at the event level the outputs need (every event for --json or
// --record, messages for the human output, lifecycle only for --quiet, where
// the hot path just counts), opens the client or the listener, pushes --send
// data, pumps stdin (telling the pump about high water and about the
// reactor's answers to pushes, which pace it: StdinPump.h; with a client's
// built-in STARTTLS dialogue, --send and stdin wait for the TLS handshake),
// and then
// consumes events batch by batch until the reactor has stopped. It decides when to stop — a client's connection
// closed, --count reached (queued replies are sent first), --timeout, a
// signal, an output that cannot be written — and what the exit status is:
// 0 success, 1 a runtime failure with exactly one line on stderr saying why.
// What it owns: the Reactor, the writers, the stdin pump, the signal watcher.
// Threads: run() on the main thread; the stdin pump and the signal watcher
// call into it from their own threads only through thread-safe paths (the
// Reactor's commands and the mutex-guarded set of live channels).
#pragma once

#include "app/cli/CliOptions.h"
#include "app/cli/EventPrinter.h"
#include "app/cli/SessionOutputs.h"
#include "app/cli/StopClock.h"

#include "engine/reactor/Reactor.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace engine::tls {
class LocalCa;
}

namespace cli {

class StdinPump;

class CliSession {
public:
    CliSession(CliOptions options, std::FILE* out, std::FILE* err);
    ~CliSession();
    CliSession(const CliSession&) = delete;
    CliSession& operator=(const CliSession&) = delete;

    /// Runs to the end; returns the exit status (0, 1, or 2 for an
    /// unwritable --record file).
    int run();

private:
    bool human() const { return !m_o.quiet && !m_o.json; }
    void say(const std::string& line);
    void handle(const std::vector<engine::Event>& batch);
    void onEvent(const engine::Event& e);
    void pushSends(engine::ChannelId ch);
    void startStdin();
    void beginFinish();
    void requestStop();
    std::size_t onStdinLine(std::string bytes);
    /// proxy --commands: one line of stdin (pump thread).
    void proxyCommand(std::string line);
    void onStdinEof();
    void printStats(std::chrono::steady_clock::duration elapsed);
    int conclude();

    CliOptions m_o;
    std::FILE* m_out;
    std::FILE* m_err;
    EventPrinter m_printer;
    SessionOutputs m_outputs;
    std::unique_ptr<engine::Reactor> m_reactor;
    /// proxy --tls / --starttls without --cert/--key: the local CA, held for the run
    /// (the reactor's TLS contexts open the same one: engine::tls::LocalCa::open).
    std::shared_ptr<engine::tls::LocalCa> m_localCa;
    std::unique_ptr<StdinPump> m_pump;

    engine::ChannelId m_main = 0;  // the client, or the listener
    std::mutex m_liveMutex;
    std::set<engine::ChannelId> m_live;  // guarded by m_liveMutex: accepted channels (listen) still open
    std::map<engine::ChannelId, engine::ChannelId> m_pairs;  // guarded by m_liveMutex: proxy, accepted leg → upstream leg
    std::set<engine::ChannelId> m_aboveHighWater;

    /// connect --starttls PROTO: --send and stdin wait for the handshake.
    bool m_holdUntilTls = false;
    bool m_connected = false;
    /// The main channel has closed (read by the stdin pump's thread).
    std::atomic<bool> m_mainClosed{false};
    bool m_limitReached = false;
    bool m_finishing = false;
    bool m_stopped = false;
    std::atomic<int> m_signal{0};
    StopClock m_clock;
    std::string m_failure;
};

}  // namespace cli
