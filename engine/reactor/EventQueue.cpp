// EventQueue.cpp — staging on the loop thread, one lock per published batch.
#include "engine/reactor/EventQueue.h"

#include <iterator>

namespace engine {

EventQueue::EventQueue(std::size_t backlogLimit, Clock::time_point origin) : m_origin(origin), m_limit(backlogLimit) {
    m_staged.reserve(256);
}

Event& EventQueue::emplace(EventKind kind, ChannelId channel) {
    Event& e = m_staged.emplace_back();
    e.seq = ++m_seq;
    e.tUs = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - m_origin).count();
    e.kind = kind;
    e.channel = channel;
    return e;
}

void EventQueue::publish() {
    if (m_staged.empty()) return;
    std::size_t bytes = 0;
    if (m_limit)
        for (const Event& e : m_staged) bytes += footprint(e);
    bool wasEmpty = false;
    {
        MutexLock lock(m_mutex);
        wasEmpty = m_shared.empty();
        if (wasEmpty) {
            // The common case: hand the whole vector over, keep its twin's capacity.
            m_shared.swap(m_staged);
        } else {
            m_shared.insert(m_shared.end(), std::make_move_iterator(m_staged.begin()),
                            std::make_move_iterator(m_staged.end()));
        }
        m_sharedBytes += bytes;
        if (m_limit && m_sharedBytes > m_limit) m_backlogged.store(true, std::memory_order_release);
    }
    m_staged.clear();
    if (wasEmpty) {
        m_cv.notify_all();
        if (m_notifier) m_notifier();
    }
}

void EventQueue::setStopped() {
    publish();
    {
        MutexLock lock(m_mutex);
        m_stopped.store(true, std::memory_order_release);
    }
    m_cv.notify_all();
}

void EventQueue::takeLocked(std::vector<Event>& out) {
    out.clear();
    out.swap(m_shared);
    m_sharedBytes = 0;
}

void EventQueue::drain(std::vector<Event>& out) {
    bool relieved = false;
    {
        MutexLock lock(m_mutex);
        takeLocked(out);
        relieved = m_backlogged.exchange(false, std::memory_order_acq_rel);
    }
    if (relieved && m_relief) m_relief();
}

bool EventQueue::waitAndDrain(std::vector<Event>& out, std::chrono::milliseconds timeout) {
    bool relieved = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    {
        MutexLock lock(m_mutex);
        while (m_shared.empty() && !m_stopped.load(std::memory_order_acquire))
            if (lock.waitUntil(m_cv, deadline) == std::cv_status::timeout) break;
        takeLocked(out);
        relieved = m_backlogged.exchange(false, std::memory_order_acq_rel);
    }
    if (relieved && m_relief) m_relief();
    return !out.empty();
}

bool EventQueue::finished() const {
    MutexLock lock(m_mutex);
    return m_stopped.load(std::memory_order_acquire) && m_shared.empty();
}

}  // namespace engine
