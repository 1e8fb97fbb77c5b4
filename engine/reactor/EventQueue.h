// EventQueue.h — how events leave the loop thread: in batches.
//
// What it does: the loop thread builds events in place in a private staging
// vector (emplace(): no lock, no allocation beyond the vector's growth and
// the event's own bytes), numbering and timestamping them, and once per loop
// pass publish() moves the whole batch to the shared side under one lock.
// Consumers take everything published so far with drain() (a swap under the
// lock) or waitAndDrain(). When the shared side goes from empty to non-empty,
// publish() calls the "events available" notifier on the loop thread; it must
// not block (the GUI posts a queued call from it).
// The loop thread never waits on a consumer. Instead, when the published but
// undrained events exceed a byte budget, backlogged() turns true and the
// Reactor stops reading from its channels (TCP flow control then slows the
// peers down) until a drain() brings the backlog down again; that drain()
// calls the relief callback, which wakes the loop.
// What it owns: the events until they are drained.
// Threads: emplace(), publish(), setStopped() and the staging accessors: loop
// thread only. drain(), waitAndDrain(), stopped(), backlogged(): any thread.
// setNotifier()/setReliefCallback(): before the loop thread starts.
#pragma once

#include "engine/net/ThreadSafety.h"
#include "engine/reactor/Event.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace engine {

class EventQueue {
public:
    using Clock = std::chrono::steady_clock;

    /// `backlogLimit`: bytes of undrained events (records plus their strings)
    /// above which backlogged() turns true. 0 means no limit.
    explicit EventQueue(std::size_t backlogLimit = 64u << 20, Clock::time_point origin = Clock::now());
    EventQueue(const EventQueue&) = delete;
    EventQueue& operator=(const EventQueue&) = delete;

    // --- Loop thread -------------------------------------------------------------
    /// A new staged event with the next sequence number and the current time;
    /// the reference is valid until the next emplace() or publish().
    Event& emplace(EventKind kind, ChannelId channel);
    /// Hands the staged events to consumers; calls the notifier if the shared
    /// side was empty. Cheap when nothing is staged.
    void publish() LW_EXCLUDES(m_mutex);
    /// Publishes, then marks the stream as finished and wakes every waiter.
    void setStopped() LW_EXCLUDES(m_mutex);
    bool hasStaged() const noexcept { return !m_staged.empty(); }
    /// Events numbered so far (the last sequence number).
    std::uint64_t lastSeq() const noexcept { return m_seq; }
    Clock::time_point origin() const noexcept { return m_origin; }

    // --- Any thread ----------------------------------------------------------------
    /// Moves every published event to `out` (which is cleared first), oldest
    /// first. Never blocks for long: one swap under the lock.
    void drain(std::vector<Event>& out) LW_EXCLUDES(m_mutex);
    /// Like drain(), but waits up to `timeout` for at least one event (or for
    /// the end of the stream). Returns false if nothing came.
    bool waitAndDrain(std::vector<Event>& out, std::chrono::milliseconds timeout) LW_EXCLUDES(m_mutex);
    /// True once setStopped() ran and every event has been drained.
    bool finished() const LW_EXCLUDES(m_mutex);
    /// True once setStopped() ran (events may remain to drain).
    bool stopped() const noexcept { return m_stopped.load(std::memory_order_acquire); }
    /// True while undrained events exceed the backlog limit.
    bool backlogged() const noexcept { return m_backlogged.load(std::memory_order_acquire); }

    // --- Setup (before the loop thread starts) -----------------------------------------
    void setNotifier(std::function<void()> f) { m_notifier = std::move(f); }
    void setReliefCallback(std::function<void()> f) { m_relief = std::move(f); }

private:
    static std::size_t footprint(const Event& e) noexcept {
        return sizeof(Event) + e.data.size() + e.info.size() + e.aux.size();
    }
    void takeLocked(std::vector<Event>& out) LW_REQUIRES(m_mutex);

    // Loop-thread state.
    std::vector<Event> m_staged;
    std::uint64_t m_seq = 0;
    Clock::time_point m_origin;
    std::size_t m_limit;
    std::function<void()> m_notifier;
    std::function<void()> m_relief;

    // Shared state.
    mutable Mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<Event> m_shared LW_GUARDED_BY(m_mutex);
    std::size_t m_sharedBytes LW_GUARDED_BY(m_mutex) = 0;
    std::atomic<bool> m_stopped{false};
    std::atomic<bool> m_backlogged{false};
};

}  // namespace engine
