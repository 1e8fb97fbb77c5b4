// TimerQueue.cpp — a multimap keyed by (deadline, id), plus an id index.
#include "engine/asyncore/TimerQueue.h"


namespace engine {

TimerQueue::TimerId TimerQueue::add(Clock::time_point when, std::uint64_t owner, std::function<void()> fn) {
    const TimerId id = m_next++;
    auto it = m_byTime.emplace(std::make_pair(when, id), Entry{id, owner, std::move(fn)});
    m_byId.emplace(id, it);
    return id;
}

void TimerQueue::cancel(TimerId id) {
    auto it = m_byId.find(id);
    if (it == m_byId.end()) return;
    m_byTime.erase(it->second);
    m_byId.erase(it);
}

void TimerQueue::cancelOwner(std::uint64_t owner) {
    for (auto it = m_byTime.begin(); it != m_byTime.end();) {
        if (it->second.owner == owner) {
            m_byId.erase(it->second.id);
            it = m_byTime.erase(it);
        } else {
            ++it;
        }
    }
}

std::optional<TimerQueue::Clock::time_point> TimerQueue::nextDeadline() const {
    if (m_byTime.empty()) return std::nullopt;
    return m_byTime.begin()->first.first;
}

std::size_t TimerQueue::runExpired(Clock::time_point now) {
    // One timer at a time, so a callback that cancels a later due timer
    // (e.g. by closing its channel) really cancels it. Timers added by the
    // callbacks (ids from `limit` on) wait for the next call.
    const TimerId limit = m_next;
    std::size_t ran = 0;
    for (;;) {
        auto it = m_byTime.begin();
        while (it != m_byTime.end() && it->first.first <= now && it->second.id >= limit) ++it;
        if (it == m_byTime.end() || it->first.first > now) break;
        Entry e = std::move(it->second);
        m_byId.erase(e.id);
        m_byTime.erase(it);
        e.fn();
        ++ran;
    }
    return ran;
}

}  // namespace engine
