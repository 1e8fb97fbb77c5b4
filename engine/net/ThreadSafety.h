// ThreadSafety.h — Clang's thread-safety annotations, and a mutex that
// carries them.
//
// What it does: the LW_* macros below expand to Clang's thread-safety
// attributes (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html) and to
// nothing on other compilers, so GCC and MSVC builds are unchanged. With
// -Wthread-safety (on for Clang in cmake/CompilerWarnings.cmake) Clang then
// checks at compile time that every member marked LW_GUARDED_BY(m) is only
// touched with `m` held, and that functions marked LW_REQUIRES(m) are only
// called with it held. std::mutex and std::lock_guard carry no annotations in
// libstdc++, so the locked state of the engine uses the two small wrappers
// here instead:
//   Mutex      a std::mutex declared as a capability;
//   MutexLock  its scoped lock (std::unique_lock underneath), which can be
//              released and taken again, and waits on a
//              std::condition_variable (wait() releases the mutex while it
//              blocks and holds it again when it returns, so for the
//              analysis the mutex stays held). Write the wait's condition as
//              a loop around wait(): a predicate lambda is a function of its
//              own, and the analysis does not know the lock is held in it.
// What it owns: Mutex owns its std::mutex; MutexLock owns the lock it holds.
// Threads: a Mutex is shared between threads by design; a MutexLock belongs
// to the thread that made it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define LW_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define LW_THREAD_ANNOTATION(x)
#endif

/// A class whose objects are capabilities (a mutex).
#define LW_CAPABILITY(x) LW_THREAD_ANNOTATION(capability(x))
/// A class whose objects hold a capability for their lifetime (a lock).
#define LW_SCOPED_CAPABILITY LW_THREAD_ANNOTATION(scoped_lockable)
/// A member that may only be read or written with `x` held.
#define LW_GUARDED_BY(x) LW_THREAD_ANNOTATION(guarded_by(x))
/// A pointer member whose pointee may only be used with `x` held.
#define LW_PT_GUARDED_BY(x) LW_THREAD_ANNOTATION(pt_guarded_by(x))
/// A function that must be called with the capabilities held.
#define LW_REQUIRES(...) LW_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
/// A function that must be called without the capabilities held (it takes them).
#define LW_EXCLUDES(...) LW_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
/// A function that takes the capabilities (and returns holding them).
#define LW_ACQUIRE(...) LW_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
/// A function that gives the capabilities up.
#define LW_RELEASE(...) LW_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
/// A function that tries to take the capability; the first argument is the
/// return value that means it succeeded.
#define LW_TRY_ACQUIRE(...) LW_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
/// A function that returns the capability (a getter of the mutex).
#define LW_RETURN_CAPABILITY(x) LW_THREAD_ANNOTATION(lock_returned(x))
/// This mutex is always taken before / after those.
#define LW_ACQUIRED_BEFORE(...) LW_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define LW_ACQUIRED_AFTER(...) LW_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
/// Turns the analysis off for one function (say why where it is used).
#define LW_NO_THREAD_SAFETY_ANALYSIS LW_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace engine {

class LW_CAPABILITY("mutex") Mutex {
public:
    Mutex() = default;
    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    void lock() LW_ACQUIRE() { m_mutex.lock(); }
    void unlock() LW_RELEASE() { m_mutex.unlock(); }
    bool try_lock() LW_TRY_ACQUIRE(true) { return m_mutex.try_lock(); }

private:
    friend class MutexLock;
    std::mutex m_mutex;
};

class LW_SCOPED_CAPABILITY MutexLock {
public:
    explicit MutexLock(Mutex& mutex) LW_ACQUIRE(mutex) : m_lock(mutex.m_mutex) {}
    ~MutexLock() LW_RELEASE() {}
    MutexLock(const MutexLock&) = delete;
    MutexLock& operator=(const MutexLock&) = delete;

    /// Gives the mutex up before the end of the scope, and takes it again.
    void unlock() LW_RELEASE() { m_lock.unlock(); }
    void lock() LW_ACQUIRE() { m_lock.lock(); }

    /// Blocks until `cv` is notified (or a spurious wakeup); the mutex is
    /// released meanwhile and held again on return.
    void wait(std::condition_variable& cv) { cv.wait(m_lock); }
    /// wait(), until `deadline` at the latest.
    template <class Clock, class Duration>
    std::cv_status waitUntil(std::condition_variable& cv, const std::chrono::time_point<Clock, Duration>& deadline) {
        return cv.wait_until(m_lock, deadline);
    }
    /// wait(), for `timeout` at the longest.
    template <class Rep, class Period>
    std::cv_status waitFor(std::condition_variable& cv, const std::chrono::duration<Rep, Period>& timeout) {
        return cv.wait_for(m_lock, timeout);
    }

private:
    std::unique_lock<std::mutex> m_lock;
};

}  // namespace engine
