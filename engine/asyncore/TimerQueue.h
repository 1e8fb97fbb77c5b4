// TimerQueue.h — deadline-ordered callbacks for one loop thread.
//
// What it does: keeps callbacks ordered by deadline (ties keep insertion
// order), tells the loop how long it may wait (nextDeadline()), and runs the
// callbacks that are due (runExpired()). Every timer has an owner tag (the
// Reactor uses the channel id) so all of a channel's timers can be cancelled
// when it closes. A callback may add or cancel timers, itself included;
// timers it adds run at the earliest on the next runExpired().
// What it owns: the callbacks.
// Threads: loop thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

namespace engine {

class TimerQueue {
public:
    using Clock = std::chrono::steady_clock;
    using TimerId = std::uint64_t;

    /// Schedules `fn` at `when`; returns an id for cancel().
    TimerId add(Clock::time_point when, std::uint64_t owner, std::function<void()> fn);
    /// Cancels one timer; unknown or already-run ids are ignored.
    void cancel(TimerId id);
    /// Cancels every timer of `owner`.
    void cancelOwner(std::uint64_t owner);
    /// The earliest deadline, if any.
    std::optional<Clock::time_point> nextDeadline() const;
    /// Runs every timer due at `now`, in deadline order; returns how many ran.
    std::size_t runExpired(Clock::time_point now);

    bool empty() const noexcept { return m_byTime.empty(); }
    std::size_t size() const noexcept { return m_byTime.size(); }

private:
    struct Entry {
        TimerId id;
        std::uint64_t owner;
        std::function<void()> fn;
    };
    using ByTime = std::multimap<std::pair<Clock::time_point, TimerId>, Entry>;
    ByTime m_byTime;
    std::unordered_map<TimerId, ByTime::iterator> m_byId;
    TimerId m_next = 1;
};

}  // namespace engine
