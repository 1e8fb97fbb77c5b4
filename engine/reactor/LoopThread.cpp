// LoopThread.cpp — the thread's life: make the Loop there, run passes, tear
// down there; the door's queue under one short lock.
#include "engine/reactor/LoopThread.h"

#include "engine/asyncore/Waker.h"

#include <algorithm>
#include <stdexcept>

namespace engine {

LoopThread::LoopThread(Backend backend) : m_backend(backend) {}

LoopThread::~LoopThread() {
    quit();
    join();
}

void LoopThread::start(Hooks hooks) {
    assert(!isInLoopThread());
    if (m_launched) throw std::logic_error("LoopThread::start: the thread was started already");
    m_launched = true;
    m_hooks = std::move(hooks);
    std::promise<void> started;
    std::future<void> ready = started.get_future();
    // The thread owns the promise: it may still be inside set_value() when
    // this function returns.
    m_thread = std::thread([this, p = std::move(started)]() mutable { run(p); });
    try {
        ready.get();
    } catch (...) {
        m_thread.join();
        throw;
    }
}

bool LoopThread::tryStart(Hooks hooks, std::string* error) {
    try {
        start(std::move(hooks));
    } catch (const std::exception& e) {
        if (error) *error = e.what();
        return false;
    }
    return true;
}

bool LoopThread::post(Task task) {
    MutexLock lock(m_mutex);
    return enqueueLocked(task);
}

bool LoopThread::enqueueLocked(Task& task) {
    if (m_doorClosed) return false;
    m_tasks.push_back(std::move(task));
    if (m_holding) m_posted.notify_one();
    if (!m_wakePending && m_doorWaker) {
        m_wakePending = true;
        m_doorWaker->wake();
    }
    return true;
}

void LoopThread::wake() {
    MutexLock lock(m_mutex);
    if (m_wakePending || !m_doorWaker) return;
    m_wakePending = true;
    m_doorWaker->wake();
}

void LoopThread::quit() {
    if (isInLoopThread()) {
        m_quit = true;
        return;
    }
    post([this] { m_quit = true; });
}

void LoopThread::join() {
    assert(!isInLoopThread() && "LoopThread: the loop thread cannot join itself");
    if (m_thread.joinable()) m_thread.join();
}

bool LoopThread::wait(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(m_mutex);
    while (!m_finished)
        if (lock.waitUntil(m_ended, deadline) == std::cv_status::timeout) break;
    return m_finished;
}

bool LoopThread::finished() const {
    MutexLock lock(m_mutex);
    return m_finished;
}

// --- The loop thread -----------------------------------------------------------------------------

void LoopThread::run(std::promise<void>& started) {
    m_threadId.store(std::this_thread::get_id(), std::memory_order_relaxed);
    bool up = false;
    try {
        m_loop = std::make_unique<Loop>();
        m_waker = std::make_unique<Waker>(*m_loop);
        {
            MutexLock lock(m_mutex);
            m_doorWaker = m_waker.get();
        }
        if (m_hooks.started) m_hooks.started();
        up = true;
    } catch (...) {
        started.set_exception(std::current_exception());
    }
    if (up) {
        started.set_value();
        try {
            passes();
        } catch (...) {
            if (m_hooks.failed) m_hooks.failed(std::current_exception());
        }
        if (m_hooks.stopping) m_hooks.stopping();
    }
    end();
}

void LoopThread::passes() {
    for (;;) {
        runPosted();
        if (m_quit) return;
        if (m_hooks.beforeWait) m_hooks.beforeWait();
        if (m_quit) return;
        if (m_hooks.hold) {
            if (const std::optional<std::chrono::milliseconds> limit = m_hooks.hold()) {
                holdFor(*limit);
                continue;
            }
        }
        std::optional<double> timeout;  // none: until the Waker or a socket
        if (const auto next = m_timers.nextDeadline()) {
            // Whole milliseconds, rounded up (poll and epoll_wait truncate):
            // a wait that ends before the deadline would spin until it.
            const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - TimerQueue::Clock::now()).count();
            timeout = ms <= 0 ? 0.0 : (static_cast<double>(ms) + 0.5) / 1000.0;
        }
        m_loop->poll(timeout, backend());
        m_timers.runExpired(TimerQueue::Clock::now());
        if (m_hooks.afterPass) m_hooks.afterPass();
    }
}

void LoopThread::runPosted() {
    {
        MutexLock lock(m_mutex);
        m_running.swap(m_tasks);
        m_wakePending = false;  // a task posted from now on wakes the loop again
    }
    // Index, not iterators: a throwing task leaves the rest to end(), which
    // destroys them unrun.
    for (std::size_t i = 0; i < m_running.size(); ++i) m_running[i]();
    m_running.clear();
}

void LoopThread::holdFor(std::chrono::milliseconds limit) {
    MutexLock lock(m_mutex);
    m_holding = true;
    if (limit == kUntilPosted) {
        while (m_tasks.empty()) lock.wait(m_posted);
    } else {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (m_tasks.empty())
            if (lock.waitUntil(m_posted, deadline) == std::cv_status::timeout) break;
    }
    m_holding = false;
}

void LoopThread::end() {
    std::vector<Task> unrun;
    {
        MutexLock lock(m_mutex);
        m_doorClosed = true;
        m_doorWaker = nullptr;
        unrun.swap(m_tasks);
    }
    // Destroyed here, unlocked and on the loop thread, before the Loop their
    // captures may refer to.
    unrun.clear();
    m_running.clear();
    m_timers = TimerQueue();
    m_waker.reset();
    m_loop.reset();
    m_hooks = Hooks();  // what the hooks captured goes on this thread too
    m_threadId.store(std::thread::id(), std::memory_order_relaxed);
    {
        MutexLock lock(m_mutex);
        m_finished = true;
    }
    m_ended.notify_all();
}

}  // namespace engine
