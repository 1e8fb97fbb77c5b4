// SignalWatcher.h — SIGINT/SIGTERM (Ctrl-C, Ctrl-Break on Windows) as a
// callback on an ordinary thread.
//
// What it does: on POSIX, blockSignals() blocks SIGINT, SIGTERM and SIGHUP
// in the calling thread before any other thread exists, so every thread
// inherits the mask and no signal interrupts the reactor; a SignalWatcher
// thread then takes them with sigwait() and calls the callback, where
// anything may be done (a signal handler could do next to nothing). A second
// signal exits at once (status 130), for when a clean stop hangs. On Windows
// a console control handler does the same for Ctrl-C and Ctrl-Break; when
// the console window closes (or the user logs off) it starts the same clean
// stop and holds Windows' kill back until the watcher is destroyed (4.5 s
// at most), so the session file is complete.
// What it owns: its thread (POSIX).
// Threads: construct and destroy on the main thread; the callback runs on
// the watcher's thread.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace cli {

class SignalWatcher {
public:
    /// Call first thing in main(), before any thread starts.
    static void blockSignals();

    explicit SignalWatcher(std::function<void(int signal)> onSignal);
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

private:
    std::function<void(int)> m_onSignal;
    std::atomic<bool> m_stopping{false};
    std::atomic<int> m_seen{0};
    std::thread m_thread;
};

}  // namespace cli
