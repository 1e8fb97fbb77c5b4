// InputBudget.h — a listener's total budget for the input its connections
// hold but have not framed yet.
//
// What it does: every connection a listener accepts reports here, after each
// read (one recv of at most ac_in_buffer_size), how many bytes it holds as
// input not yet framed: its ac_in_buffer plus the message being collected
// (the bytes since its last terminator, which the consumer of its `collect`
// events holds too). When the total rises above the budget
// (ChannelOptions::maxBuffered) the listener stops reading from its largest
// holders — their readable() answers false — until the rest hold at most a
// quarter of the budget, and one `input_budget` warning (on the listener's
// channel, `size` the total) says so, with the figures. While over budget, a
// connection whose read makes it hold more is paused too, so the total stays
// within the budget plus one read per connection. When the total falls below
// 3/4 of the budget (messages framed, connections closed) every paused
// connection reads again and one `input_resumed` warning says so. Nothing is
// dropped and nothing is closed. So that over budget the paused connections
// cannot wait forever for one another, when no connection that still reads
// holds anything, the largest paused holder — the nearest to its terminator
// or to the message limit — reads again, alone, until it frames or passes on
// its message: the total may then exceed the bound by what that one
// connection still reads of its message (at most the message limit).
// What it owns: the figures; not the channels (each Channel joins when
// accepted and leaves when it closes or is destroyed). It is shared
// (std::shared_ptr) by the listener and its connections, so it outlives a
// listener that closes before them.
// Threads: loop thread only.
#pragma once

#include "engine/reactor/Event.h"

#include <cstddef>
#include <vector>

namespace engine {

class Channel;
struct ChannelContext;

class InputBudget {
public:
    /// The budget of listener `listener`: `limit` bytes (≥ 1).
    InputBudget(ChannelContext& ctx, ChannelId listener, std::size_t limit);
    InputBudget(const InputBudget&) = delete;
    InputBudget& operator=(const InputBudget&) = delete;

    std::size_t limit() const noexcept { return m_limit; }
    /// Below this the paused connections read again: 3/4 of the limit.
    std::size_t resumeMark() const noexcept { return m_limit - m_limit / 4; }
    /// The bytes the connections hold together now.
    std::size_t total() const noexcept { return m_total; }
    /// Over budget: some connections are paused.
    bool over() const noexcept { return m_over; }
    std::size_t members() const noexcept { return m_members.size(); }
    /// The most the connections held together at any time.
    std::size_t peak() const noexcept { return m_peak; }

    /// `c` (an accepted connection, holding nothing yet) shares the budget.
    void join(Channel& c);
    /// `c` holds `held` bytes now: the total, and who reads, follow.
    void update(Channel& c, std::size_t held);
    /// `c` is closing: what it held no longer counts, and it no longer reads
    /// by the budget's leave. Does nothing if `c` is not a member.
    void leave(Channel& c);

private:
    void crossUp();
    void resumeAll();
    void pause(Channel& c);
    /// Over budget with no reading connection holding anything: the largest
    /// paused holder reads again.
    void breakStall();

    ChannelContext& m_ctx;
    const ChannelId m_listener;
    const std::size_t m_limit;
    std::size_t m_total = 0;
    std::size_t m_peak = 0;
    std::size_t m_paused = 0;  // members paused now
    bool m_over = false;
    Channel* m_breaker = nullptr;
    std::vector<Channel*> m_members;  // each knows its index (Channel::m_budgetIndex)
};

}  // namespace engine
