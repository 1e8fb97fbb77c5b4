// TestSupport.h — small helpers shared by the engine tests.
//
// socketPair(): a connected pair of stream sockets (RAII).
// runUntil(): drives a Loop until a condition holds or a deadline passes —
// tests never sleep to wait.
// NoFileLimit: the soft RLIMIT_NOFILE set for a scope (POSIX).
// mapped(): a function of each item of a list, as a vector.
// inFlightWhat(): what() of the exception being handled.
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/net/Socket.h"
#include "engine/net/SocketOps.h"

#include <chrono>
#include <functional>
#include <iterator>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if !defined(_WIN32)
#include <sys/resource.h>
#endif

namespace lwtest {

inline std::pair<engine::Socket, engine::Socket> socketPair() {
    engine::NativeSocket sv[2];
    std::error_code ec;
    if (!engine::sockops::socketPair(sv, ec))
        throw std::system_error(ec, "socketPair");
    return {engine::Socket(sv[0]), engine::Socket(sv[1])};
}

/// Runs single passes of `loop` (each waiting at most 50 ms) until `done()`
/// is true or `timeout` elapses. Returns done().
inline bool runUntil(engine::Loop& loop, const std::function<bool()>& done,
                     engine::Backend backend = engine::Backend::Poll,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        if (loop.empty()) return done();
        loop.poll(0.05, backend);
    }
    return true;
}

/// In a handler (handleError()): what() of the exception being handled; an
/// exception that is not a std::exception goes on.
inline std::string inFlightWhat() {
    try {
        throw;
    } catch (const std::exception& e) {
        return e.what();
    }
}

/// f(item) for each item of `items`, in order.
template <class Items, class F>
auto mapped(const Items& items, F f) {
    std::vector<std::decay_t<std::invoke_result_t<F&, decltype(*std::begin(items))>>> out;
    for (const auto& item : items) out.push_back(std::invoke(f, item));
    return out;
}

#if !defined(_WIN32)
/// Sets the soft RLIMIT_NOFILE to `soft` for its lifetime (lower or higher;
/// restored when it goes, or at restore()).
class NoFileLimit {
public:
    explicit NoFileLimit(rlim_t soft) {
        ::getrlimit(RLIMIT_NOFILE, &m_saved);
        rlimit l = m_saved;
        l.rlim_cur = soft;
        m_ok = ::setrlimit(RLIMIT_NOFILE, &l) == 0;
    }
    ~NoFileLimit() { restore(); }
    void restore() {
        if (m_ok) ::setrlimit(RLIMIT_NOFILE, &m_saved);
        m_ok = false;
    }
    NoFileLimit(const NoFileLimit&) = delete;
    NoFileLimit& operator=(const NoFileLimit&) = delete;

    /// A soft limit of at least `want`: the one in force when it is that
    /// high already, else `want` capped at the hard limit.
    static rlim_t atLeast(rlim_t want) {
        const rlimit l = now();
        if (l.rlim_cur >= want) return l.rlim_cur;
        return (l.rlim_max == RLIM_INFINITY || l.rlim_max >= want) ? want : l.rlim_max;
    }
    /// The limits in force now.
    static rlim_t soft() { return now().rlim_cur; }
    static rlim_t hard() { return now().rlim_max; }

private:
    static rlimit now() {
        rlimit l{};
        ::getrlimit(RLIMIT_NOFILE, &l);
        return l;
    }
    rlimit m_saved{};
    bool m_ok = false;
};
#endif

}  // namespace lwtest
