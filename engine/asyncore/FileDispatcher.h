// FileDispatcher.h — asyncore.file_wrapper and asyncore.file_dispatcher
// (POSIX only, as in CPython).
//
// What it does: FileWrapper duplicates a file descriptor and offers the
// socket-like calls asyncore needs on it (recv/read → read(2),
// send/write → write(2), getsockopt(SO_ERROR) → 0, close) (F5).
// FileDispatcher lets a pipe or file take part in a Loop: it is `connected`
// from the start, wraps a dup of the descriptor, registers the dup, and makes
// the original non-blocking (F6).
// What it owns: FileWrapper owns its duplicate; FileDispatcher owns its
// FileWrapper. The caller keeps the original descriptor.
// Threads: loop thread only.
#pragma once

#include "engine/asyncore/Dispatcher.h"

#if !defined(_WIN32)

#include <cstddef>
#include <string>

namespace engine {

class FileWrapper {
public:
    /// dup()s `fd`; throws std::system_error if that fails.
    explicit FileWrapper(int fd);
    ~FileWrapper();  ///< Closes the duplicate if still open.
    FileWrapper(const FileWrapper&) = delete;
    FileWrapper& operator=(const FileWrapper&) = delete;

    int fileno() const noexcept { return m_fd; }
    /// read(2); throws std::system_error on failure (EAGAIN included).
    std::string recv(std::size_t n);
    std::string read(std::size_t n) { return recv(n); }
    /// write(2); returns bytes written, throws std::system_error on failure.
    std::size_t send(std::string_view data);
    std::size_t write(std::string_view data) { return send(data); }
    /// getsockopt(SOL_SOCKET, SO_ERROR) is 0; any other option throws
    /// std::logic_error ("NotImplementedError").
    int getsockopt(int level, int optname) const;
    /// Sets fd to -1 *before* closing; a second close() does nothing. A failing
    /// close(2) throws std::system_error.
    void close();

    // Error-code variants used by FileDispatcher's transport.
    std::size_t recvInto(void* buf, std::size_t n, std::error_code& ec);
    std::size_t sendFrom(const void* data, std::size_t n, std::error_code& ec);

private:
    int m_fd;
};

class FileDispatcher : public Dispatcher {
public:
    explicit FileDispatcher(int fd, Loop* map = nullptr);

    FileWrapper& file() noexcept { return m_file; }

protected:
    std::string_view className() const override { return "FileDispatcher"; }
    std::size_t rawSend(const void* data, std::size_t len, std::error_code& ec) override;
    std::size_t rawRecv(void* buf, std::size_t len, std::error_code& ec) override;
    int rawPendingError(std::error_code& ec) override;
    void rawClose(std::error_code& ec) override;

private:
    FileWrapper m_file;
};

}  // namespace engine

#endif  // !_WIN32
