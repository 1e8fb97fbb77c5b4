// StdinPump.cpp — a detached line reader with a stop gate and a throttle.
#include "app/cli/StdinPump.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace cli {

struct StdinPump::State {
    std::mutex mutex;
    std::condition_variable cv;
    bool stopped = false;    // guarded by mutex
    bool throttled = false;  // guarded by mutex
    std::string ending;
    LineCallback onLine;
    EofCallback onEof;
};

StdinPump::StdinPump(std::string ending, LineCallback onLine, EofCallback onEof) : m_state(std::make_shared<State>()) {
    m_state->ending = std::move(ending);
    m_state->onLine = std::move(onLine);
    m_state->onEof = std::move(onEof);
}

StdinPump::~StdinPump() { stop(); }

void StdinPump::start() {
    std::thread([state = m_state] {
        std::string line;
        char buf[4096];
        for (;;) {
            if (!std::fgets(buf, sizeof buf, stdin)) break;
            line += buf;
            if (line.empty() || line.back() != '\n') {
                if (!std::feof(stdin)) continue;  // a line longer than the buffer
            } else {
                line.pop_back();
                if (!line.empty() && line.back() == '\r') line.pop_back();
            }
            std::unique_lock<std::mutex> lock(state->mutex);
            state->cv.wait(lock, [&] { return state->stopped || !state->throttled; });
            if (state->stopped) return;
            state->onLine(line + state->ending);
            line.clear();
        }
        if (!line.empty()) {  // a last line without its newline
            std::unique_lock<std::mutex> lock(state->mutex);
            if (state->stopped) return;
            state->onLine(line + state->ending);
        }
        std::lock_guard<std::mutex> lock(state->mutex);
        if (!state->stopped && state->onEof) state->onEof();
    }).detach();
}

void StdinPump::setThrottled(bool on) {
    {
        std::lock_guard<std::mutex> lock(m_state->mutex);
        m_state->throttled = on;
    }
    m_state->cv.notify_all();
}

void StdinPump::stop() {
    {
        std::lock_guard<std::mutex> lock(m_state->mutex);
        m_state->stopped = true;
        m_state->onLine = nullptr;
        m_state->onEof = nullptr;
    }
    m_state->cv.notify_all();
}

}  // namespace cli
