// SignalWatcher.cpp — sigwait() on POSIX, SetConsoleCtrlHandler on Windows.
#include "app/cli/SignalWatcher.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#else
#include <csignal>
#include <pthread.h>
#endif

namespace cli {

#if defined(_WIN32)

namespace {
std::mutex g_mutex;
std::function<void(int)>* g_callback = nullptr;
std::atomic<int>* g_seen = nullptr;

std::condition_variable g_released;

// Ctrl-C and Ctrl-Break: the callback starts a clean stop and the process
// goes on. Closing the console window, logging off or shutting down: Windows
// ends the process as soon as this handler returns (and after 5 s at the
// latest), so the handler waits for the clean stop to finish, that is for
// the SignalWatcher to be destroyed at the end of main, up to 4.5 s.
BOOL WINAPI onConsoleEvent(DWORD type) {
    const bool closing = type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT;
    if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT && !closing) return FALSE;
    std::unique_lock<std::mutex> lock(g_mutex);
    if (!g_callback) return FALSE;
    if (++*g_seen > 1 && !closing) std::_Exit(130);
    (*g_callback)(type == CTRL_C_EVENT ? 2 : 15);
    if (closing) g_released.wait_for(lock, std::chrono::milliseconds(4500), [] { return g_callback == nullptr; });
    return TRUE;
}
}  // namespace

void SignalWatcher::blockSignals() {}

SignalWatcher::SignalWatcher(std::function<void(int)> onSignal) : m_onSignal(std::move(onSignal)) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_callback = &m_onSignal;
    g_seen = &m_seen;
    SetConsoleCtrlHandler(onConsoleEvent, TRUE);
}

SignalWatcher::~SignalWatcher() {
    SetConsoleCtrlHandler(onConsoleEvent, FALSE);
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_callback = nullptr;
        g_seen = nullptr;
    }
    g_released.notify_all();  // a console-close handler waiting for the clean stop may return now
}

#else

namespace {
sigset_t watchedSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}
}  // namespace

void SignalWatcher::blockSignals() {
    const sigset_t set = watchedSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatcher::SignalWatcher(std::function<void(int)> onSignal) : m_onSignal(std::move(onSignal)) {
    m_thread = std::thread([this] {
        const sigset_t set = watchedSignals();
        for (;;) {
            int sig = 0;
            if (sigwait(&set, &sig) != 0) continue;
            if (m_stopping.load()) return;
            if (++m_seen > 1) std::_Exit(128 + sig);  // a second signal: no more waiting
            m_onSignal(sig);
        }
    });
}

SignalWatcher::~SignalWatcher() {
    m_stopping = true;
    // SIGTERM is blocked everywhere, so this one stays pending for the
    // watcher thread and ends its sigwait().
    pthread_kill(m_thread.native_handle(), SIGTERM);
    m_thread.join();
}

#endif

}  // namespace cli
