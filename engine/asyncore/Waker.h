// Waker.h — how another thread wakes a loop blocked in select/poll/epoll.
//
// What it does: a Dispatcher that sits in the loop's map, always readable()
// and never writable(), whose descriptor becomes readable when some thread
// calls wake(). Its handleRead() drains what the wakes wrote, so a burst of
// wakes costs one loop pass. The descriptor is an eventfd on Linux, a pipe on
// other POSIX systems, and a connected loopback socket pair on Windows (where
// select() and WSAPoll() accept only sockets).
// LoopThread (engine/reactor) coalesces wakes with a flag kept under its
// door's lock (as libuv's uv_async_send does), so wake() is called at most
// once per batch of posted tasks.
// What it owns: its descriptors (both ends of the pipe / socket pair).
// Threads: wake() is safe from any thread; everything else is loop thread only.
#pragma once

#include "engine/asyncore/Dispatcher.h"

#include <atomic>
#include <cstdint>

namespace engine {

class Waker final : public Dispatcher {
public:
    /// Creates the descriptors and registers in `loop`. Throws std::system_error.
    explicit Waker(Loop& loop);
    ~Waker() override;

    /// Makes the loop's current or next wait return. Never blocks; any thread.
    void wake() noexcept;

    bool readable() override { return true; }
    bool writable() override { return false; }
    void handleRead() override;
    /// A waker never leaves the map by itself (a hang-up cannot happen: both
    /// ends are ours).
    void handleClose() override {}
    /// A failed drain is retried at the next wake; nothing to report.
    void handleError() override {}

protected:
    std::string_view className() const override { return "Waker"; }

private:
    NativeSocket m_writeEnd = kInvalidSocket;  // == the read end for an eventfd
};

}  // namespace engine
