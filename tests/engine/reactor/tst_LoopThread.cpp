// tst_LoopThread.cpp — engine::LoopThread: one thread running one Loop, and
// the door other threads post to.
//
// Covered: the Loop, the Waker and the `started` hook are made on the loop
// thread, and only it is isInLoopThread(); posts from many threads at once
// all run, each thread's in the order it posted them, and postMade() numbers
// tasks in the queue's order; tasks posted before start() run first; quit()
// from another thread (after what was posted before it) and from inside a
// task; what is still queued when the loop ends is destroyed unrun, on the
// loop thread, and later posts are refused; the destructor with tasks
// pending; timers (deadline order, and the poll waits for the first one
// without spinning or oversleeping); wake() ends a poll with nothing to do;
// hold() waits for posts instead of polling; a throwing task ends the loop
// through `failed` and `stopping`; a throwing `started` hook makes start()
// throw. These run under ThreadSanitizer in CI (label `threaded`). Every
// wait is on a condition with a deadline, never a sleep.
#include "engine/reactor/LoopThread.h"

#include "engine/asyncore/Loop.h"

#include <QTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using engine::LoopThread;

/// A flag one thread sets and another waits for, with a deadline.
class Latch {
public:
    void open() {
        // Notified under the lock: a waiter that sees the latch open may
        // destroy it as soon as the lock is free.
        std::lock_guard<std::mutex> lock(m_mutex);
        m_open = true;
        m_cv.notify_all();
    }
    bool wait(std::chrono::milliseconds timeout = 10s) {
        std::unique_lock<std::mutex> lock(m_mutex);
        return m_cv.wait_for(lock, timeout, [this] { return m_open; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_open = false;
};

/// Counts up to a target and says when it is reached.
class Countdown {
public:
    explicit Countdown(int target) : m_left(target) {}
    void tick() {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (--m_left == 0) m_cv.notify_all();
    }
    bool wait(std::chrono::milliseconds timeout = 20s) {
        std::unique_lock<std::mutex> lock(m_mutex);
        return m_cv.wait_for(lock, timeout, [this] { return m_left <= 0; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    int m_left;
};

/// Whose destructor says where it ran, and whether the task holding it ran.
struct Witness {
    Witness(std::atomic<int>& d, std::atomic<int>& elsewhere, const LoopThread& t)
        : destroyed(&d), destroyedElsewhere(&elsewhere), thread(&t) {}
    Witness(const Witness&) = delete;
    Witness& operator=(const Witness&) = delete;
    std::atomic<int>* destroyed = nullptr;
    std::atomic<int>* destroyedElsewhere = nullptr;  // not on the loop thread
    const LoopThread* thread = nullptr;
    ~Witness() {
        ++*destroyed;
        if (!thread->isInLoopThread()) ++*destroyedElsewhere;
    }
};

/// Posts a task that holds the loop thread until `release` opens, and waits
/// until it runs (`inside` opens): what is posted next queues behind it.
bool holdLoop(LoopThread& t, Latch& inside, Latch& release) {
    return t.post([&inside, &release] {
        inside.open();
        release.wait();
    }) && inside.wait();
}

}  // namespace

class TestLoopThread : public QObject {
    Q_OBJECT

private slots:
    void madeAndRunOnItsOwnThread();
    void postsFromManyThreadsKeepEachThreadsOrder();
    void postMadeNumbersInQueueOrder();
    void tasksPostedBeforeStartRunFirst();
    void quitFromOutsideRunsWhatCameBefore();
    void quitFromInsideATask();
    void queuedTasksAreDestroyedUnrunWhenTheLoopEnds();
    void destructorWithTasksPending();
    void neverStartedDestroysItsTasks();
    void timersRunInDeadlineOrderWithoutSpinning();
    void wakeEndsAnIdlePoll();
    void holdWaitsForAPostInsteadOfPolling();
    void throwingTaskEndsTheLoop();
    void throwingStartHookMakesStartThrow();
};

void TestLoopThread::madeAndRunOnItsOwnThread() {
    LoopThread t;
    QVERIFY(!t.isInLoopThread());
    std::thread::id hookThread, taskThread;
    bool hookInLoop = false, taskInLoop = false;
    bool loopUsable = false;
    LoopThread::Hooks h;
    h.started = [&] {
        hookThread = std::this_thread::get_id();
        hookInLoop = t.isInLoopThread();
        loopUsable = t.loop().size() == 1;  // the Waker, registered here, on this thread
    };
    t.start(std::move(h));
    // start() returned after the hook ran: what it wrote is visible here.
    QVERIFY(hookInLoop);
    QVERIFY(loopUsable);
    QVERIFY(hookThread != std::this_thread::get_id());
    Latch ran;
    QVERIFY(t.post([&] {
        taskThread = std::this_thread::get_id();
        taskInLoop = t.isInLoopThread();
        ran.open();
    }));
    QVERIFY(ran.wait());
    QVERIFY(taskInLoop);
    QCOMPARE(taskThread, hookThread);
    // Another thread is not the loop thread either.
    bool otherInLoop = true;
    std::thread([&] { otherInLoop = t.isInLoopThread(); }).join();
    QVERIFY(!otherInLoop);
    QVERIFY(!t.finished());
    t.quit();
    t.join();
    QVERIFY(t.finished());
    QVERIFY(!t.isInLoopThread());
}

void TestLoopThread::postsFromManyThreadsKeepEachThreadsOrder() {
    constexpr int kThreads = 8, kEach = 2000;
    LoopThread t;
    t.start();
    std::vector<std::pair<int, int>> seen;  // loop thread only, until `done`
    Countdown done(kThreads * kEach);
    std::vector<std::thread> posters;
    std::atomic<int> refused{0};
    for (int p = 0; p < kThreads; ++p)
        posters.emplace_back([&, p] {
            for (int i = 0; i < kEach; ++i)
                if (!t.post([&seen, &done, p, i] {
                        seen.emplace_back(p, i);
                        done.tick();
                    }))
                    ++refused;
        });
    for (std::thread& th : posters) th.join();
    QVERIFY(done.wait());
    QCOMPARE(refused.load(), 0);
    QCOMPARE(seen.size(), std::size_t(kThreads * kEach));
    std::vector<int> next(kThreads, 0);
    for (const auto& [p, i] : seen) QCOMPARE(i, next[static_cast<std::size_t>(p)]++);
    for (int n : next) QCOMPARE(n, kEach);
}

void TestLoopThread::postMadeNumbersInQueueOrder() {
    constexpr int kThreads = 4, kEach = 1000;
    LoopThread t;
    t.start();
    int ticket = 0;  // only ever touched under the queue's lock, inside make()
    std::vector<int> order;
    Countdown done(kThreads * kEach);
    std::vector<std::thread> posters;
    for (int p = 0; p < kThreads; ++p)
        posters.emplace_back([&] {
            for (int i = 0; i < kEach; ++i)
                t.postMade([&]() -> LoopThread::Task {
                    const int n = ticket++;
                    return [&order, &done, n] {
                        order.push_back(n);
                        done.tick();
                    };
                });
        });
    for (std::thread& th : posters) th.join();
    QVERIFY(done.wait());
    QCOMPARE(order.size(), std::size_t(kThreads * kEach));
    for (std::size_t i = 0; i < order.size(); ++i) QCOMPARE(order[i], static_cast<int>(i));
}

void TestLoopThread::tasksPostedBeforeStartRunFirst() {
    LoopThread t;
    std::vector<std::string> log;  // loop thread once started
    QVERIFY(t.post([&] { log.push_back("a"); }));
    QVERIFY(t.post([&] { log.push_back("b"); }));
    Latch ran;
    LoopThread::Hooks h;
    h.started = [&] { log.push_back("started"); };
    h.beforeWait = [&] { log.push_back("beforeWait"); };
    t.start(std::move(h));
    QVERIFY(t.post([&] {
        log.push_back("c");
        ran.open();
    }));
    QVERIFY(ran.wait());
    t.quit();
    t.join();
    QVERIFY(log.size() >= 5);
    QCOMPARE(log[0], std::string("started"));
    QCOMPARE(log[1], std::string("a"));
    QCOMPARE(log[2], std::string("b"));
    // The first pass: the early tasks (and "c", if it came in time), then the hook.
    const auto firstWait = std::find(log.begin(), log.end(), std::string("beforeWait"));
    QVERIFY(firstWait != log.end());
    QVERIFY(firstWait - log.begin() >= 3);
}

void TestLoopThread::quitFromOutsideRunsWhatCameBefore() {
    LoopThread t;
    std::atomic<int> stopping{0};
    std::atomic<int> afterQuitRan{0};
    LoopThread::Hooks h;
    h.stopping = [&] { ++stopping; };
    t.start(std::move(h));
    // Hold the loop in a task so that what follows queues up behind it.
    Latch inside, release;
    QVERIFY(holdLoop(t, inside, release));
    std::vector<int> ran;
    for (int i = 0; i < 100; ++i) QVERIFY(t.post([&ran, i] { ran.push_back(i); }));
    t.quit();
    release.open();
    QVERIFY(t.wait(10s));
    QCOMPARE(ran.size(), std::size_t(100));  // posted before quit(): all ran, in order
    for (int i = 0; i < 100; ++i) QCOMPARE(ran[static_cast<std::size_t>(i)], i);
    QCOMPARE(stopping.load(), 1);
    QVERIFY(!t.post([&] { ++afterQuitRan; }));  // the door is closed
    t.join();
    QCOMPARE(afterQuitRan.load(), 0);
}

void TestLoopThread::quitFromInsideATask() {
    LoopThread t;
    std::atomic<int> stopping{0};
    std::atomic<int> passesAfter{0};
    std::atomic<bool> quitting{false};
    LoopThread::Hooks h;
    h.beforeWait = [&] {
        if (quitting) ++passesAfter;
    };
    h.stopping = [&] {
        if (t.isInLoopThread()) ++stopping;
    };
    t.start(std::move(h));
    QVERIFY(t.post([&] {
        quitting = true;
        t.quit();  // on the loop thread: the loop ends after this step
    }));
    QVERIFY(t.wait(10s));
    QCOMPARE(passesAfter.load(), 0);
    QCOMPARE(stopping.load(), 1);
    t.join();
}

void TestLoopThread::queuedTasksAreDestroyedUnrunWhenTheLoopEnds() {
    constexpr int kQueued = 50;
    std::atomic<int> destroyed{0}, destroyedElsewhere{0}, ran{0};
    LoopThread t;
    t.start();
    Latch inside, release;
    QVERIFY(t.post([&] {
        t.quit();  // the loop ends once this task is done
        inside.open();
        release.wait();
    }));
    QVERIFY(inside.wait());
    for (int i = 0; i < kQueued; ++i) {
        auto w = std::make_shared<Witness>(destroyed, destroyedElsewhere, t);
        QVERIFY(t.post([w, &ran] { ++ran; }));  // queued behind the quitting task
    }
    release.open();
    QVERIFY(t.wait(10s));
    QCOMPARE(ran.load(), 0);
    QCOMPARE(destroyed.load(), kQueued);
    QCOMPARE(destroyedElsewhere.load(), 0);  // destroyed on the loop thread, before its Loop went
    // A post after the end is refused, and its task destroyed here.
    auto late = std::make_shared<Witness>(destroyed, destroyedElsewhere, t);
    QVERIFY(!t.post([late, &ran] { ++ran; }));
    late.reset();
    QCOMPARE(destroyed.load(), kQueued + 1);
    QCOMPARE(ran.load(), 0);
}

void TestLoopThread::destructorWithTasksPending() {
    constexpr int kQueued = 200;
    std::atomic<int> destroyed{0}, destroyedElsewhere{0}, ran{0}, stopping{0};
    {
        Latch inside, release;  // outlive the thread, which uses them until it is joined
        LoopThread t;
        LoopThread::Hooks h;
        h.stopping = [&] { ++stopping; };
        t.start(std::move(h));
        QVERIFY(holdLoop(t, inside, release));
        for (int i = 0; i < kQueued; ++i) {
            auto w = std::make_shared<Witness>(destroyed, destroyedElsewhere, t);
            QVERIFY(t.post([w, &ran] { ++ran; }));
        }
        release.open();
        // ~LoopThread: quit() after them, then join.
    }
    QCOMPARE(ran.load(), kQueued);
    QCOMPARE(destroyed.load(), kQueued);
    QCOMPARE(destroyedElsewhere.load(), 0);
    QCOMPARE(stopping.load(), 1);
}

void TestLoopThread::neverStartedDestroysItsTasks() {
    std::atomic<int> destroyed{0}, destroyedElsewhere{0}, ran{0};
    {
        LoopThread t;
        for (int i = 0; i < 10; ++i) {
            auto w = std::make_shared<Witness>(destroyed, destroyedElsewhere, t);
            QVERIFY(t.post([w, &ran] { ++ran; }));
        }
        QVERIFY(!t.finished());
        QVERIFY(!t.wait(1ms));
    }
    QCOMPARE(ran.load(), 0);
    QCOMPARE(destroyed.load(), 10);
}

void TestLoopThread::timersRunInDeadlineOrderWithoutSpinning() {
    using Clock = engine::TimerQueue::Clock;
    LoopThread t;
    std::atomic<int> passes{0};
    LoopThread::Hooks h;
    h.afterPass = [&] { ++passes; };
    t.start(std::move(h));
    std::vector<int> order;
    std::vector<Clock::time_point> firedAt, due;
    Latch fired;
    QVERIFY(t.post([&] {
        const auto now = Clock::now();
        due = {now + 30ms, now + 60ms, now + 90ms};
        // Added out of order: they run by deadline.
        t.timers().add(due[2], 1, [&] {
            order.push_back(3);
            firedAt.push_back(Clock::now());
            fired.open();
        });
        t.timers().add(due[0], 1, [&] {
            order.push_back(1);
            firedAt.push_back(Clock::now());
        });
        t.timers().add(due[1], 1, [&] {
            order.push_back(2);
            firedAt.push_back(Clock::now());
        });
    }));
    QVERIFY(fired.wait());
    QVERIFY(t.post([&] {}));  // a round trip: what the timers wrote is ours to read after quit/join
    t.quit();
    t.join();
    QCOMPARE(order, (std::vector<int>{1, 2, 3}));
    for (std::size_t i = 0; i < 3; ++i) QVERIFY2(firedAt[i] >= due[i], "a timer ran before its deadline");
    // The loop waited for each deadline in the poll: a handful of passes, not a spin.
    QVERIFY2(passes.load() < 50, std::to_string(passes.load()).c_str());
}

void TestLoopThread::wakeEndsAnIdlePoll() {
    LoopThread t;
    int checks = 0;  // beforeWait calls, under m
    std::mutex m;
    std::condition_variable cv;
    LoopThread::Hooks h;
    h.beforeWait = [&] {
        {
            std::lock_guard<std::mutex> lock(m);
            ++checks;
        }
        cv.notify_all();
    };
    t.start(std::move(h));
    // No timer, nothing posted: the loop sits in its poll until woken, and
    // after each wake() it runs beforeWait again before it waits.
    for (int round = 1; round <= 5; ++round) {
        int before = 0;
        {
            std::lock_guard<std::mutex> lock(m);
            before = checks;
        }
        t.wake();
        std::unique_lock<std::mutex> lock(m);
        QVERIFY(cv.wait_for(lock, 10s, [&] { return checks > before; }));
    }
    t.quit();
    t.join();
}

void TestLoopThread::holdWaitsForAPostInsteadOfPolling() {
    LoopThread t;
    std::atomic<bool> holding{true};
    std::atomic<int> polls{0}, holds{0};
    LoopThread::Hooks h;
    h.hold = [&]() -> std::optional<std::chrono::milliseconds> {
        if (!holding) return std::nullopt;
        ++holds;
        return LoopThread::kUntilPosted;
    };
    h.afterPass = [&] { ++polls; };
    t.start(std::move(h));
    // Held: posts still run (each ends the wait), and no pass polls.
    for (int i = 0; i < 5; ++i) {
        Latch ran;
        QVERIFY(t.post([&] { ran.open(); }));
        QVERIFY(ran.wait());
    }
    QCOMPARE(polls.load(), 0);
    QVERIFY(holds.load() >= 4);  // after each task but (maybe) the last, the loop held again
    QVERIFY(t.post([&] { holding = false; }));
    t.quit();
    t.join();
    // A limited hold comes back by itself: beforeWait runs again without any post.
    std::atomic<int> limited{0};
    Latch thrice;
    LoopThread u;
    std::atomic<int> waits{0};
    LoopThread::Hooks k;
    k.hold = [&]() -> std::optional<std::chrono::milliseconds> { return 20ms; };
    k.beforeWait = [&] {
        if (++waits == 3) thrice.open();
    };
    k.afterPass = [&] { ++limited; };
    u.start(std::move(k));
    QVERIFY(thrice.wait());
    u.quit();
    u.join();
    QCOMPARE(limited.load(), 0);
}

void TestLoopThread::throwingTaskEndsTheLoop() {
    LoopThread t;
    std::string failure;
    std::atomic<int> stopping{0};
    std::atomic<int> laterRan{0};
    LoopThread::Hooks h;
    h.failed = [&](std::exception_ptr e) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            failure = x.what();
        }
    };
    h.stopping = [&] { ++stopping; };
    t.start(std::move(h));
    Latch inside, release;
    QVERIFY(holdLoop(t, inside, release));
    QVERIFY(t.post([] { throw std::runtime_error("task failed"); }));
    QVERIFY(t.post([&] { ++laterRan; }));  // same batch, after the throw: dropped
    release.open();
    QVERIFY(t.wait(10s));
    t.join();
    QCOMPARE(failure, std::string("task failed"));
    QCOMPARE(stopping.load(), 1);
    QCOMPARE(laterRan.load(), 0);
}

void TestLoopThread::throwingStartHookMakesStartThrow() {
    LoopThread t;
    std::atomic<int> stopping{0};
    LoopThread::Hooks h;
    h.started = [] { throw std::runtime_error("cannot listen"); };
    h.stopping = [&] { ++stopping; };
    bool threw = false;
    try {
        t.start(std::move(h));
    } catch (const std::runtime_error& e) {
        threw = std::string(e.what()) == "cannot listen";
    }
    QVERIFY(threw);
    QVERIFY(t.finished());
    QCOMPARE(stopping.load(), 0);
    QVERIFY(!t.post([] {}));
}

QTEST_GUILESS_MAIN(TestLoopThread)
#include "tst_LoopThread.moc"
