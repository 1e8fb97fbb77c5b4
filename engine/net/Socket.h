// Socket.h — move-only RAII owner of one native socket handle.
//
// What it does: closes the handle when destroyed unless release()d.
// What it owns: exactly one NativeSocket (or none).
// Threads: a Socket is used by one thread at a time; moving it between
// threads (e.g. handing an accepted connection to a dispatcher) is fine.
#pragma once

#include "engine/net/Platform.h"

#include <utility>

namespace engine {

class Socket {
public:
    Socket() = default;
    explicit Socket(NativeSocket s) noexcept : m_fd(s) {}
    Socket(Socket&& o) noexcept : m_fd(std::exchange(o.m_fd, kInvalidSocket)) {}
    Socket& operator=(Socket&& o) noexcept {
        if (this != &o) {
            reset();
            m_fd = std::exchange(o.m_fd, kInvalidSocket);
        }
        return *this;
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() { reset(); }

    NativeSocket get() const noexcept { return m_fd; }
    bool valid() const noexcept { return m_fd != kInvalidSocket; }
    explicit operator bool() const noexcept { return valid(); }
    /// Gives up ownership without closing.
    NativeSocket release() noexcept { return std::exchange(m_fd, kInvalidSocket); }
    /// Closes the handle now (errors ignored).
    void reset() noexcept;

private:
    NativeSocket m_fd = kInvalidSocket;
};

}  // namespace engine
