// Reactor.h — the engine on its own thread: asynchat channels driven by
// commands, reporting events.
//
// What it does: a Reactor runs a Loop on a LoopThread of its own
// (LoopThread.h: the thread, the Loop, its Waker and timers, and the queue
// of posted tasks). Every other thread reaches it through one door: a
// command is posted (Reactor::post() or the typed helpers, which never block
// beyond a short lock) and the loop is woken (a Waker: eventfd, pipe, or
// socket pair).
// Events leave in batches through an EventQueue: drain() swaps out everything
// published so far; the optional "events available" notifier runs on the
// loop thread whenever the queue goes from empty to non-empty. The loop
// thread never waits for a consumer: when undrained events pile up past a
// budget, channels stop reading until the consumer catches up.
//
// One loop iteration: run the posted commands; wait in the backend and
// dispatch (one Loop::poll() pass) — unless paused; run due timers; delete
// the channels that closed; publish the pass's events and counters.
// Channels (see Channel.h) are clients (names resolved on a helper thread,
// every address tried in turn, IPv4 and IPv6), listeners (loopback by
// default), and the connections a listener accepts, which inherit its
// terminator, buffer sizes and limits, and share its input budget (past
// ChannelOptions::maxBuffered of unframed input, its largest holders stop
// reading: InputBudget.h), and UDP channels (DatagramChannel.h: bound, or
// connected to one peer; a datagram is a message). Ids are small integers handed out by
// the Reactor, never reused; commands naming a channel that is gone produce
// an `error` event, never a crash.
// For teaching, the loop can be paused, stepped one pass at a time, and
// traced (a `loop` event per pass); all of it costs nothing while off. The
// backend can be changed while it runs (setBackend). While
// paused with the trace on, a `preview` event says, per channel, how many
// bytes wait in its socket (FIONREAD), what readable()/writable() and a
// zero-timeout poll answer, and what the next step will do (refreshed when
// commands arrive and every 200 ms, sent only when something changed).
// host() runs other code's dispatchers (the built-in examples) in the same
// Loop, reported as channels (HostedWork.h, HostedWorkRunner.h); Channels and
// hosted dispatchers report through the same ChannelReporter, and the paused
// preview is LoopPreview.h.
// What it owns: its LoopThread (and so the thread, the Loop, the timers and
// the queued commands), every channel, the resolver, the hosted work (its
// HostedWorkRunner), and the events not yet drained.
// Threads: every public method is safe to call from any thread, except that
// the Reactor must not be destroyed while another thread still calls it.
#pragma once

#include "engine/reactor/Command.h"
#include "engine/reactor/Event.h"
#include "engine/reactor/HostedWork.h"
#include "engine/asyncore/Loop.h"
#include "engine/reactor/ReactorStats.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace engine {

struct ReactorOptions {
    /// The readiness backend.
    Backend backend = defaultBackend();
    /// What is reported (see EventLevel); counters are kept at every level.
    EventLevel level = EventLevel::Full;
    /// Start with the loop trace on.
    bool traceLoop = false;
    /// Bytes of undrained events above which channels stop reading (0: no limit).
    std::size_t eventBacklogLimit = 64u << 20;
    /// Called on the loop thread when events become available (the queue
    /// went from empty to non-empty). Must return quickly and never block.
    std::function<void()> eventsAvailable;
};

class Reactor {
public:
    /// Starts the loop thread. Throws std::system_error if the loop cannot
    /// be set up (the waker's descriptors), BackendError if the backend is
    /// not available here.
    explicit Reactor(ReactorOptions options = {});
    /// Shuts down (closing every channel) and joins the loop thread.
    ~Reactor();
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    // --- Commands (any thread; never block) -----------------------------------------
    /// Queues `command` and wakes the loop. For OpenClient / OpenServer with
    /// id 0 an id is assigned; returns the channel the command concerns (0
    /// for reactor-wide commands).
    ChannelId post(Command command);

    ChannelId openClient(std::string host, std::uint16_t port, ChannelOptions options = {}, int family = 0);
    ChannelId openServer(std::string host, std::uint16_t port, ChannelOptions options = {},
                         int backlog = cmd::OpenServer::kDefaultBacklog);
    /// A UDP channel (cmd::OpenDatagram): bound (Mode::Bind) or connected to one peer.
    ChannelId openDatagram(cmd::OpenDatagram::Mode mode, std::string host, std::uint16_t port,
                           DatagramOptions options = {}, int family = 0);
    /// One datagram from UDP channel `channel` to `to` (numeric "HOST:PORT").
    void pushTo(ChannelId channel, std::string data, std::string to);
    void push(ChannelId channel, std::string data);
    void pushFile(ChannelId channel, std::string path);
    void pushRepeat(ChannelId channel, std::string data, std::uint64_t copies,
                    std::chrono::milliseconds interval = std::chrono::milliseconds(0));
    void setTerminator(ChannelId channel, Terminator terminator);
    /// A proxying listener: the server → client terminator of the
    /// connections it accepts from now on (cmd::SetProxyServerTerminator).
    void setProxyServerTerminator(ChannelId listener, Terminator terminator);
    /// Intercept on a framing proxy (cmd::SetIntercept): a proxying listener
    /// (all its pairs) or a leg (its pair).
    void setIntercept(ChannelId channel, bool on);
    /// A held message of proxy leg `channel` (cmd::ReleaseHeld; message 0: all).
    void releaseHeld(ChannelId channel, std::uint64_t message, cmd::ReleaseHeld::Action action, std::string data = {});
    /// The channel's protocol programs from now on (cmd::SetPrograms; empty: none).
    void setPrograms(ChannelId channel, std::vector<std::shared_ptr<const program::Program>> programs);
    void setBufferSizes(ChannelId channel, std::size_t inBufferSize, std::size_t outBufferSize);
    void setLimits(ChannelId channel, std::size_t maxMessage, std::size_t highWater);
    void closeWhenDone(ChannelId channel);
    void halfClose(ChannelId channel);
    void discardBuffers(ChannelId channel);
    void close(ChannelId channel);
    void snapshot(ChannelId channel = kAllChannels);
    void pause();
    void resume();
    void step();
    void setLoopTrace(bool on);
    /// Waits in `backend` from the next pass on (cmd::SetBackend): a teacher
    /// shows select, poll and epoll on the same channels. Refused with an
    /// `error` event if not available or (select) a descriptor is past FD_SETSIZE.
    void setBackend(Backend backend);
    void setMessageLimit(std::uint64_t messages);
    /// Runs `factory` on the loop thread, in the Reactor's Loop, and hosts
    /// what it makes until it is done() or stopHost(): every dispatcher it
    /// registers there that is not a Channel — those the factory makes and
    /// those they make later, such as accepted connections — becomes a
    /// channel with an id of its own and reports through a DispatcherTap:
    /// `hosted` (phase dispatcher, its Python class name), then the usual
    /// listening / accepted / connecting / connected, collect,
    /// found_terminator, received, sent, error and closed events; the loop
    /// trace names it, and pause / step / slow motion apply to it. `hosted`
    /// events with channel 0 say when the work started (with its port), is
    /// done (with ok()), was stopped, or failed (the factory threw). Returns
    /// the work's id.
    HostId host(std::string label, HostFactory factory);
    /// Closes the dispatchers of hosted work `host` and destroys it.
    void stopHost(HostId host);
    /// Runs a pass's hooks again, also while paused, without a command: the
    /// hosted work is ticked (HostedWork::tick) and sees what another thread
    /// asked of it through its own atomics (a script's Step, Stop).
    void wake();
    /// Closes every channel and stops the loop thread; `stopped` is the last
    /// event. Returns at once; the destructor (or finished()) tells when done.
    void shutdown();

    // --- Events (any thread) -------------------------------------------------------------
    /// Moves every event published so far into `out` (cleared first).
    void drain(std::vector<Event>& out);
    /// drain(), waiting up to `timeout` for at least one event. False if none came.
    bool waitAndDrain(std::vector<Event>& out, std::chrono::milliseconds timeout);
    /// True once the loop thread has stopped and every event has been drained.
    bool finished() const;

    // --- Inspection (any thread) ----------------------------------------------------------
    /// Totals as of the end of the last loop pass (final once `stopped` is out).
    ReactorStats stats() const;
    /// The wall-clock time of t_us = 0.
    std::chrono::system_clock::time_point startedAt() const noexcept;
    /// The backend the loop waits in now (setBackend() changes it once it ran).
    Backend backend() const noexcept;
    EventLevel level() const noexcept;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace engine
