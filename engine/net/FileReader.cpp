// FileReader.cpp — see FileReader.h.
#include "engine/net/FileReader.h"

#include <cerrno>
#include <cstdio>

#if !defined(_WIN32)
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#endif

namespace engine {

#if defined(_WIN32)

FileReader::FileReader() = default;

FileReader::~FileReader() {
    if (m_file) std::fclose(static_cast<std::FILE*>(m_file));
}

std::error_code FileReader::open(const std::string& path) {
    errno = 0;
    m_file = std::fopen(path.c_str(), "rb");
    if (!m_file) return {errno ? errno : EIO, std::generic_category()};
    return {};
}

FileReader::Result FileReader::read(char* buf, std::size_t n) {
    Result r;
    if (!m_file || m_cancelled.load()) {
        r.end = true;
        r.cancelled = m_cancelled.load();
        return r;
    }
    auto* f = static_cast<std::FILE*>(m_file);
    r.bytes = std::fread(buf, 1, n, f);
    if (r.bytes < n) {
        r.end = true;
        if (std::ferror(f)) r.error = std::error_code(errno ? errno : EIO, std::generic_category());
    }
    return r;
}

void FileReader::cancel() noexcept { m_cancelled = true; }

#else

FileReader::FileReader() {
    if (::pipe(m_stop) != 0) m_stop[0] = m_stop[1] = -1;
    for (int fd : m_stop)
        if (fd >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

FileReader::~FileReader() {
    if (m_fd >= 0) ::close(m_fd);
    for (int fd : m_stop)
        if (fd >= 0) ::close(fd);
}

std::error_code FileReader::open(const std::string& path) {
    m_fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (m_fd < 0) return {errno, std::generic_category()};
    return {};
}

FileReader::Result FileReader::read(char* buf, std::size_t n) {
    Result r;
    while (m_fd >= 0 && !m_cancelled.load()) {
        pollfd fds[2] = {{m_fd, POLLIN, 0}, {m_stop[0], POLLIN, 0}};
        if (::poll(fds, m_stop[0] >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            r.error = std::error_code(errno, std::generic_category());
            r.end = true;
            return r;
        }
        if (m_cancelled.load()) break;
        const ssize_t got = ::read(m_fd, buf, n);
        if (got > 0) {
            r.bytes = static_cast<std::size_t>(got);
            return r;
        }
        if (got == 0) {
            r.end = true;
            return r;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        r.error = std::error_code(errno, std::generic_category());
        r.end = true;
        return r;
    }
    r.end = true;
    r.cancelled = true;
    return r;
}

void FileReader::cancel() noexcept {
    m_cancelled = true;
    if (m_stop[1] >= 0) {
        const char c = 0;
        [[maybe_unused]] const ssize_t w = ::write(m_stop[1], &c, 1);
    }
}

#endif

}  // namespace engine
