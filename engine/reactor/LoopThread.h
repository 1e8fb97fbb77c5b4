// LoopThread.h — one thread that runs one Loop, and the door other threads
// reach it through.
//
// What it does: in the spirit of muduo's EventLoopThread. start() starts a
// std::thread that makes the Loop and its Waker *on that thread* (everything
// that touches the Loop happens there, as Loop.h asks), runs the `started`
// hook there, and returns once that is done, rethrowing what failed. The
// thread then runs passes until quit():
//   1. posted tasks — swapped out of the queue under the lock and run
//      unlocked, in the order they were posted;
//   2. the `beforeWait` hook;
//   3. wait and dispatch — one Loop::poll() pass, waiting at most until the
//      next timer is due (rounded up to the millisecond, so that the wait
//      never ends just before it and spins), else without limit (a post()
//      or wake() ends the wait through the Waker). When the `hold` hook asks for it, the thread
//      instead waits without polling for a posted task, at most as long as
//      the hook says (a paused Reactor);
//   4. the timers that are due;
//   5. the `afterPass` hook.
// post() queues a task under a short lock and wakes the loop (a wake is sent
// only if none is on its way since the last swap, so a burst of posts costs
// one wakeup); it may be called before start() — the tasks then run first
// thing. quit() ends the loop once the tasks posted before it have run.
// A task, hook, timer or poll that throws ends the loop too, and the `failed`
// hook gets the exception. When the loop has ended, the `stopping` hook runs
// (the Loop still exists), then the door closes — post() returns false from
// then on, and the tasks still queued are destroyed unrun — and last the
// timers, the Waker and the Loop are destroyed, on the loop thread; wait()
// and finished() then report the end.
// Owners whose hooks use their own members quit() and join() in their
// destructor, before those members go.
// The backend can change while the thread runs (setBackend(), taken at the
// next pass).
// What it owns: the std::thread, the Loop, its Waker, the TimerQueue, the
// queued tasks and the hooks.
// Threads: post(), postMade(), wake(), quit(), wait(), finished(),
// isInLoopThread() and assertInLoopThread(): any thread. start(), join() and
// the destructor: the owner's thread, never the loop thread. loop(),
// timers() and the hooks: the loop thread only — assertInLoopThread() checks
// it in debug builds (an assert; nothing in release builds).
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/asyncore/TimerQueue.h"
#include "engine/net/ThreadSafety.h"

#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace engine {

class Waker;

class LoopThread {
public:
    using Task = std::function<void()>;
    /// What `hold` returns to wait for a posted task without a time limit.
    static constexpr std::chrono::milliseconds kUntilPosted = std::chrono::milliseconds::max();

    /// What the owner does on the loop thread; every hook is optional.
    struct Hooks {
        /// Once, before the first pass, with the Loop made. May throw:
        /// start() rethrows it and the thread ends (`stopping` does not run).
        std::function<void()> started;
        /// Each pass, after the posted tasks, before the wait.
        std::function<void()> beforeWait;
        /// Each pass, after `beforeWait`: nullopt to poll as usual; a
        /// duration to skip the poll and the timers this pass and wait for a
        /// posted task instead, that long at most (kUntilPosted: no limit).
        std::function<std::optional<std::chrono::milliseconds>()> hold;
        /// Each pass, after the poll and the timers.
        std::function<void()> afterPass;
        /// A task, hook, timer or poll threw (an ExitNow too); the loop ends.
        std::function<void(std::exception_ptr)> failed;
        /// Once, after the last pass, while the Loop still exists: close and
        /// destroy what lives in it. Posted tasks are no longer run.
        std::function<void()> stopping;
    };

    explicit LoopThread(Backend backend = defaultBackend());
    /// quit() and join().
    ~LoopThread();
    LoopThread(const LoopThread&) = delete;
    LoopThread& operator=(const LoopThread&) = delete;

    /// Starts the thread (once). Returns when the Loop, the Waker and the
    /// `started` hook are done; throws what they threw (std::system_error if
    /// the Waker's descriptors cannot be made), the thread having ended.
    void start(Hooks hooks = {});
    /// start() for a caller that reports rather than throws: false, with
    /// what was thrown in `error` (if given), when the thread did not start.
    bool tryStart(Hooks hooks, std::string* error);

    /// Queues `task` for the loop thread and wakes it. Never blocks beyond a
    /// short lock. False once the loop has ended (the task is destroyed).
    bool post(Task task) LW_EXCLUDES(m_mutex);
    /// post(), with the task made by `make()` under the queue's lock, so that
    /// what it hands out (the Reactor's channel ids) follows the queue's
    /// order. `make` runs even when the door is closed; keep it short.
    template <class Make>
    bool postMade(Make&& make) LW_EXCLUDES(m_mutex) {
        Task task;  // destroyed (if refused) after the lock is released
        MutexLock lock(m_mutex);
        task = std::forward<Make>(make)();
        return enqueueLocked(task);
    }
    /// Ends the loop's current (or next) poll without queueing anything, so
    /// that `beforeWait` runs again after this call before the loop waits
    /// (coalesced like post()'s wakes). A holding loop is not woken.
    void wake() LW_EXCLUDES(m_mutex);
    /// Ends the loop: from another thread, once the tasks posted before
    /// (by that thread) have run, as a posted task would; from the loop
    /// thread, at the end of the current step. Never blocks.
    void quit();
    /// Waits for the thread to end (it ends after quit(), or on a failure).
    void join();
    /// Waits up to `timeout` for the thread to end. True once it has.
    bool wait(std::chrono::milliseconds timeout) const LW_EXCLUDES(m_mutex);
    /// The thread has run to its end (or failed to start).
    bool finished() const LW_EXCLUDES(m_mutex);

    bool isInLoopThread() const noexcept { return m_threadId.load(std::memory_order_relaxed) == std::this_thread::get_id(); }
    void assertInLoopThread() const noexcept {
        assert(isInLoopThread() && "LoopThread: loop-thread-only code called from another thread");
    }

    // --- Loop thread only ------------------------------------------------------------------------
    Loop& loop() noexcept {
        assertInLoopThread();
        return *m_loop;
    }
    const Loop& loop() const noexcept {
        assertInLoopThread();
        return *m_loop;
    }
    TimerQueue& timers() noexcept {
        assertInLoopThread();
        return m_timers;
    }
    /// The Waker, to tell it apart from other dispatchers in the Loop.
    const Waker* waker() const noexcept {
        assertInLoopThread();
        return m_waker.get();
    }
    /// The backend the passes wait in (any thread).
    Backend backend() const noexcept { return m_backend.load(std::memory_order_relaxed); }
    /// Waits in `b` from the next pass on (any thread; the owner checks that
    /// `b` is available and can watch the loop's descriptors).
    void setBackend(Backend b) noexcept { m_backend.store(b, std::memory_order_relaxed); }

private:
    void run(std::promise<void>& started);
    void passes();
    void runPosted() LW_EXCLUDES(m_mutex);
    void holdFor(std::chrono::milliseconds limit) LW_EXCLUDES(m_mutex);
    void end() LW_EXCLUDES(m_mutex);
    bool enqueueLocked(Task& task) LW_REQUIRES(m_mutex);

    std::atomic<Backend> m_backend;  // read each pass; setBackend() from any thread
    Hooks m_hooks;  // set by start() before the thread exists; read by it only
    std::thread m_thread;
    bool m_launched = false;  // the owner's thread
    std::atomic<std::thread::id> m_threadId{};

    // The door (any thread).
    mutable Mutex m_mutex;
    std::condition_variable m_posted;  // a task came (for a holding loop)
    mutable std::condition_variable m_ended;
    std::vector<Task> m_tasks LW_GUARDED_BY(m_mutex);
    Waker* m_doorWaker LW_GUARDED_BY(m_mutex) = nullptr;  // set while the Waker exists and the door is open
    bool m_doorClosed LW_GUARDED_BY(m_mutex) = false;
    bool m_wakePending LW_GUARDED_BY(m_mutex) = false;  // a wake is on its way since the last swap
    bool m_holding LW_GUARDED_BY(m_mutex) = false;      // the loop waits on m_posted
    bool m_finished LW_GUARDED_BY(m_mutex) = false;

    // Loop-thread state.
    std::unique_ptr<Loop> m_loop;
    std::unique_ptr<Waker> m_waker;
    TimerQueue m_timers;
    std::vector<Task> m_running;  // the tasks being run (swapped with m_tasks)
    bool m_quit = false;
};

}  // namespace engine
