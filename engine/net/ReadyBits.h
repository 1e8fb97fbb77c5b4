// ReadyBits.h — what a wait reports about one socket: readable, writable,
// error, hang-up, in poll(2)'s terms on every backend.
//
// What it does: names the bits that SocketOps::readinessNow(), the Poller and
// the Loop's trace use. What it owns: nothing. Threads: constants; any.
#pragma once

namespace engine {

/// Readiness bits as loop() reports them (poll(2)'s meaning on every backend).
enum ReadyBits : unsigned {
    kReadyIn = 1u << 0,
    kReadyPri = 1u << 1,
    kReadyOut = 1u << 2,
    kReadyErr = 1u << 3,
    kReadyHup = 1u << 4,
    kReadyNval = 1u << 5,
};

}  // namespace engine
