// HostedWorkRunner.h — the Reactor's hosting of other code's dispatchers
// (the built-in examples), reported as channels.
//
// What it does: start() runs a HostFactory in the Reactor's Loop (see
// Reactor::host() and HostedWork.h) and reports `hosted started` (or
// `hosted failed` when the factory throws or makes nothing). While work is
// hosted the runner is the Loop's LoopRegistry: it notes every dispatcher
// registered in the Loop, and settle() — called once per loop pass, before
// the wait — makes each new one that is not a Channel (nor the Waker) a
// channel: an id of its own, a DispatcherTap that turns what asyncore does on
// it into the events a Channel emits (through the same ChannelReporter), the
// event that opens it (listening, accepted, connecting or connected) and a
// `hosted dispatcher` event with its Python class name. settle() also ends
// the work whose done() turned true (`hosted done`, with ok()), closing its
// dispatchers, and forgets the taps of dispatchers destroyed on their own.
// Before that, settle() ticks each piece of work (HostedWork::tick, with
// whether the Reactor is paused: setPaused()) and arms a loop timer for the
// earliest time it asked for, so the loop's wait ends then.
// stop() ends one piece of work by command (`hosted stopped`), stopAll() all
// of them (the Reactor's shutdown). Commands that name a hosted dispatcher
// are answered here: close() closes it, snapshot() reports its state; the
// others are refused (openClassName() says why).
// What it owns: the hosted work (and through it its dispatchers) and the
// taps on those dispatchers.
// Threads: loop thread only (the Reactor's); every entry point asserts it in
// debug builds.
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/reactor/ChannelReporter.h"
#include "engine/reactor/HostedWork.h"
#include "engine/reactor/LoopThread.h"

#include <atomic>
#include <map>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace engine {

class HostedTap;

class HostedWorkRunner final : public LoopRegistry {
public:
    /// `nextId`: where the Reactor's channel ids come from (shared with its
    /// own channels). Made and used on `thread`'s loop thread.
    HostedWorkRunner(ChannelContext& ctx, LoopThread& thread, std::atomic<ChannelId>& nextId);
    /// Ends whatever is still hosted, without events (stopAll() reports it).
    ~HostedWorkRunner() override;
    HostedWorkRunner(const HostedWorkRunner&) = delete;
    HostedWorkRunner& operator=(const HostedWorkRunner&) = delete;

    /// Runs `factory` in the Loop and hosts what it makes as work `host`.
    void start(HostId host, const std::string& label, const HostFactory& factory);
    /// Ends work `host` (`hosted stopped`); an `error` if it is not running.
    void stop(HostId host);
    /// Ends every piece of work (`hosted stopped` each) and untaps every
    /// dispatcher: the Reactor's shutdown.
    void stopAll();
    /// Once per loop pass: adopt the dispatchers registered since the last
    /// call, end the work that is done. Costs one test when nothing is hosted.
    void settle() {
        if (active()) settleNow();
    }
    bool active() const noexcept { return !m_hosts.empty() || !m_taps.empty(); }
    /// The Reactor is paused (or not): passed to HostedWork::tick().
    void setPaused(bool paused) noexcept { m_paused = paused; }

    // --- Commands naming a hosted dispatcher -----------------------------------------------------
    /// If `id` is an open hosted dispatcher: closes it (true).
    bool close(ChannelId id);
    /// If `id` is (or was, not yet forgotten) a hosted dispatcher: true, and
    /// its `channel_state` if it is still open.
    bool snapshot(ChannelId id);
    /// `channel_state` of every open hosted dispatcher.
    void snapshotAll();
    /// The Python class name of open hosted dispatcher `id`, or nullptr.
    const std::string* openClassName(ChannelId id) const;

    // LoopRegistry
    void added(Dispatcher& d) override;
    void removed(Dispatcher& d) override;

    /// Called by a tap: `listener` (channel `id`) accepted a connection.
    void noteAccept(ChannelId id) noexcept { m_lastAcceptor = id; }

private:
    struct HostRec {
        std::string label;
        std::unique_ptr<HostedWork> work;
    };
    void settleNow();
    /// Makes channels of the dispatchers registered since the last call.
    void adoptPending();
    /// Reports and ends hosted work that is done; frees the taps of dead dispatchers.
    void checkHosts();
    /// Ticks the work (HostedWork::tick) and arms a timer for the earliest time asked for.
    void tickHosts();
    /// Closes every dispatcher of `id`, detaches their taps and destroys the work.
    void endHost(HostId id);
    void hostedEvent(HostPhase phase, HostId host, std::string info, std::int64_t size = 0);
    HostedTap* tap(ChannelId id) const;

    ChannelContext& m_ctx;
    LoopThread& m_thread;
    std::atomic<ChannelId>& m_nextId;
    std::map<HostId, HostRec> m_hosts;
    std::map<ChannelId, std::unique_ptr<HostedTap>> m_taps;  // hosted dispatchers by channel id
    std::vector<Dispatcher*> m_pendingAdds;  // registered, not yet looked at
    HostId m_currentHost = 0;                // the host whose factory is running
    ChannelId m_lastAcceptor = 0;            // a hosted listener accepted since adoptPending()
    bool m_paused = false;                   // the Reactor is paused (tick())
    std::optional<std::chrono::steady_clock::time_point> m_tickArmed;  // the tick timer armed
};

}  // namespace engine
