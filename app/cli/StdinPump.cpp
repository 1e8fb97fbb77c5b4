// StdinPump.cpp — a detached stdin reader with a stop gate, a throttle and
// a window of unacknowledged pushes.
#include "app/cli/StdinPump.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <cstdio>
#include <fcntl.h>
#include <io.h>
#else
#include <cerrno>
#include <unistd.h>
#endif

namespace cli {

namespace {

// The one piece of platform code here: a read of whatever stdin has (at
// most `size` bytes, at least one unless at its end) without stdio, whose
// line-oriented calls stop at NUL bytes and whose block reads wait for a
// full buffer. 0 at the end of stdin or on an error.
void binaryStdin() {
#if defined(_WIN32)
    _setmode(_fileno(stdin), _O_BINARY);  // no CRLF translation, no Ctrl-Z as the end
#endif
}

std::size_t readStdin(char* buf, std::size_t size) {
#if defined(_WIN32)
    const int n = _read(0, buf, static_cast<unsigned>(size));
    return n > 0 ? static_cast<std::size_t>(n) : 0;
#else
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, buf, size);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) return 0;
    }
#endif
}

}  // namespace

struct StdinPump::State {
    std::mutex mutex;
    std::condition_variable cv;
    bool stopped = false;    // guarded by mutex
    bool throttled = false;  // guarded by mutex
    std::deque<std::size_t> posted;  // guarded by mutex: sizes of the unacknowledged pushes, oldest first
    std::size_t postedBytes = 0;     // guarded by mutex: their sum
    std::string ending;
    LineCallback onLine;
    EofCallback onEof;

    /// Waits until `bytes` may go, then posts them. False once stopped.
    bool emit(std::string bytes) {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [&] {
            return stopped || (!throttled && postedBytes < kWindow && posted.size() < kMaxPosts);
        });
        if (stopped) return false;
        const std::size_t size = bytes.size();
        const std::size_t pushes = onLine(std::move(bytes));
        for (std::size_t i = 0; i < pushes; ++i) {
            posted.push_back(size);
            postedBytes += size;
        }
        return true;
    }

    /// Splits what was read into lines and posts them; `pending` holds the
    /// current line's bytes not yet posted. False once stopped.
    bool take(const char* data, std::size_t n, std::string& pending, bool& lineStarted) {
        while (n > 0) {
            const auto* nl = static_cast<const char*>(std::memchr(data, '\n', n));
            if (nl) {
                pending.append(data, static_cast<std::size_t>(nl - data));
                n -= static_cast<std::size_t>(nl - data) + 1;
                data = nl + 1;
                if (!pending.empty() && pending.back() == '\r') pending.pop_back();
                pending += ending;
                if (!emit(std::move(pending))) return false;
                pending.clear();
                lineStarted = false;
                continue;
            }
            // No newline: the line goes on. Its bytes are taken up to
            // kChunk at most, so that a piece is exactly kChunk (one
            // output slice, moved and not cut again downstream).
            const std::size_t take = std::min(n, kChunk - std::min(kChunk, pending.size()));
            pending.append(data, take);
            data += take;
            n -= take;
            if (pending.size() >= kChunk) {
                // A long line: what there is goes now, but a CR at its end
                // waits (it may be half of a CRLF).
                // The piece is moved out, not copied; the next one gets a
                // buffer of its own at full size (no regrowth copies).
                const bool keepCr = pending.back() == '\r';
                if (keepCr) pending.pop_back();
                std::string piece = std::exchange(pending, std::string());
                pending.reserve(kChunk);
                if (keepCr) pending.push_back('\r');
                lineStarted = true;
                if (!emit(std::move(piece))) return false;
            }
        }
        return true;
    }

    void run() {
        binaryStdin();
        std::vector<char> buf(kChunk);
        std::string pending;
        pending.reserve(kChunk);
        bool lineStarted = false;
        for (;;) {
            const std::size_t n = readStdin(buf.data(), buf.size());
            if (n == 0) break;
            if (!take(buf.data(), n, pending, lineStarted)) return;
        }
        if ((!pending.empty() || lineStarted) && !emit(pending + ending)) return;  // a last line without its newline
        std::lock_guard<std::mutex> lock(mutex);
        if (!stopped && onEof) onEof();
    }
};

StdinPump::StdinPump(std::string ending, LineCallback onLine, EofCallback onEof) : m_state(std::make_shared<State>()) {
    m_state->ending = std::move(ending);
    m_state->onLine = std::move(onLine);
    m_state->onEof = std::move(onEof);
}

StdinPump::~StdinPump() { stop(); }

void StdinPump::start() {
    std::thread([state = m_state] { state->run(); }).detach();
}

void StdinPump::setThrottled(bool on) {
    {
        std::lock_guard<std::mutex> lock(m_state->mutex);
        m_state->throttled = on;
    }
    m_state->cv.notify_all();
}

void StdinPump::acknowledge(std::size_t answers) {
    {
        std::lock_guard<std::mutex> lock(m_state->mutex);
        // Other pushes (--send, echo replies) are answered too; counting
        // them as ours only lets the pump go on a little sooner.
        for (; answers > 0 && !m_state->posted.empty(); --answers) {
            m_state->postedBytes -= m_state->posted.front();
            m_state->posted.pop_front();
        }
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
