// TestSupport.h — small helpers shared by the engine tests.
//
// socketPair(): a connected pair of stream sockets (RAII).
// runUntil(): drives a Loop until a condition holds or a deadline passes —
// tests never sleep to wait.
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/net/Socket.h"
#include "engine/net/SocketOps.h"

#include <chrono>
#include <functional>
#include <stdexcept>
#include <utility>

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

}  // namespace lwtest
