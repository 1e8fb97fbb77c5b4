// FileDispatcher.cpp — asyncore.file_wrapper and asyncore.file_dispatcher.
#include "engine/asyncore/FileDispatcher.h"

#if !defined(_WIN32)

#include "engine/net/SocketOps.h"

#include <cerrno>
#include <fcntl.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace engine {

FileWrapper::FileWrapper(int fd) : m_fd(::dup(fd)) {
    if (m_fd < 0) throw std::system_error(sockops::lastError(), "dup");
    ::fcntl(m_fd, F_SETFD, FD_CLOEXEC);
}

FileWrapper::~FileWrapper() {
    if (m_fd >= 0) ::close(m_fd);
}

namespace {

// Runs a read() or write() again while a signal interrupts it: the bytes it
// moved, or 0 with `ec` set.
template <class Io>
std::size_t retryingIo(Io io, std::error_code& ec) {
    ec.clear();
    for (;;) {
        const ssize_t r = io();
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            ec = sockops::lastError();
            return 0;
        }
        return static_cast<std::size_t>(r);
    }
}

}  // namespace

std::size_t FileWrapper::recvInto(void* buf, std::size_t n, std::error_code& ec) {
    return retryingIo([&] { return ::read(m_fd, buf, n); }, ec);
}

std::size_t FileWrapper::sendFrom(const void* data, std::size_t n, std::error_code& ec) {
    return retryingIo([&] { return ::write(m_fd, data, n); }, ec);
}

std::string FileWrapper::recv(std::size_t n) {
    std::string out(n, '\0');
    std::error_code ec;
    out.resize(recvInto(out.data(), n, ec));
    if (ec) throw std::system_error(ec, "read");
    return out;
}

std::size_t FileWrapper::send(std::string_view data) {
    std::error_code ec;
    const std::size_t n = sendFrom(data.data(), data.size(), ec);
    if (ec) throw std::system_error(ec, "write");
    return n;
}

int FileWrapper::getsockopt(int level, int optname) const {
    if (level == SOL_SOCKET && optname == SO_ERROR) return 0;
    throw std::logic_error("Only asyncore specific behaviour implemented.");
}

void FileWrapper::close() {
    if (m_fd < 0) return;
    const int fd = m_fd;
    m_fd = -1;
    if (::close(fd) != 0) throw std::system_error(sockops::lastError(), "close");
}

FileDispatcher::FileDispatcher(int fd, Loop* map) : Dispatcher(map), m_file(fd) {
    connected = true;
    // The duplicate is what the map knows; the original is made non-blocking
    // (the flag lives in the shared open file description, so both see it).
    std::error_code ec;
    sockops::setNonBlocking(fd, true, ec);
    if (ec) throw std::system_error(ec, "set_blocking(False)");
    m_socket = Socket(m_file.fileno());  // registered under the duplicate
    addChannel();
    (void)m_socket.release();  // the FileWrapper owns the descriptor, not Socket
}

std::size_t FileDispatcher::rawSend(const void* data, std::size_t len, std::error_code& ec) {
    return m_file.sendFrom(data, len, ec);
}

std::size_t FileDispatcher::rawRecv(void* buf, std::size_t len, std::error_code& ec) {
    if (m_file.fileno() < 0) {
        ec = std::make_error_code(std::errc::bad_file_descriptor);
        return 0;
    }
    return m_file.recvInto(buf, len, ec);
}

int FileDispatcher::rawPendingError(std::error_code& ec) {
    ec.clear();
    return m_file.getsockopt(SOL_SOCKET, SO_ERROR);
}

void FileDispatcher::rawClose(std::error_code& ec) {
    ec.clear();
    try {
        m_file.close();
    } catch (const std::system_error& e) {
        ec = e.code();
    }
}

}  // namespace engine

#endif  // !_WIN32
