// Waker.cpp — eventfd (Linux), pipe (other POSIX), socket pair (Windows).
#include "engine/asyncore/Waker.h"

#include "engine/net/SocketOps.h"

#include <cerrno>
#include <system_error>

#if defined(__linux__)
#include <sys/eventfd.h>
#include <unistd.h>
#elif !defined(_WIN32)
#include <fcntl.h>
#include <unistd.h>
#endif

namespace engine {

#if !defined(_WIN32)
namespace {
[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::generic_category(), what); }
}  // namespace
#endif

Waker::Waker(Loop& loop) : Dispatcher(&loop) {
#if defined(__linux__)
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) fail("eventfd");
    m_writeEnd = fd;
    setSocket(Socket(fd));
#elif !defined(_WIN32)
    int fds[2];
    if (::pipe(fds) != 0) fail("pipe");
    for (int fd : fds) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    m_writeEnd = fds[1];
    setSocket(Socket(fds[0]));
#else
    // select() and WSAPoll() take sockets only: a loopback socket pair, both
    // ends non-blocking.
    NativeSocket fds[2];
    std::error_code ec;
    if (!sockops::socketPair(fds, ec)) throw std::system_error(ec, "socketpair");
    sockops::setNonBlocking(fds[0], true, ec);
    if (!ec) sockops::setNonBlocking(fds[1], true, ec);
    if (ec) {
        std::error_code ignored;
        sockops::close(fds[0], ignored);
        sockops::close(fds[1], ignored);
        throw std::system_error(ec, "ioctlsocket(FIONBIO)");
    }
    m_writeEnd = fds[1];
    setSocket(Socket(fds[0]));
#endif
    connected = true;
}

Waker::~Waker() {
#if !defined(__linux__)
    std::error_code ignored;
    sockops::close(m_writeEnd, ignored);
#endif
}

void Waker::wake() noexcept {
#if defined(__linux__)
    const std::uint64_t one = 1;
    // EAGAIN means the counter is saturated: the loop is woken anyway.
    [[maybe_unused]] const auto n = ::write(m_writeEnd, &one, sizeof one);
#elif !defined(_WIN32)
    const char one = 1;
    // EAGAIN means the pipe is full: the loop is woken anyway.
    [[maybe_unused]] const auto n = ::write(m_writeEnd, &one, 1);
#else
    const char one = 1;
    ::send(m_writeEnd, &one, 1, 0);
#endif
}

void Waker::handleRead() {
    const NativeSocket fd = socketHandle();
#if defined(__linux__)
    std::uint64_t count = 0;
    [[maybe_unused]] const auto n = ::read(fd, &count, sizeof count);  // resets the counter
#elif !defined(_WIN32)
    char buf[256];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
#else
    char buf[256];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
#endif
}

}  // namespace engine
