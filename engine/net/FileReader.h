// FileReader.h — the platform part of reading a file that may never come:
// a regular file, or a named pipe (FIFO) whose writer is slow or absent.
//
// What it does: open() opens `path` for reading without waiting for a FIFO's
// writer (POSIX: O_RDONLY|O_NONBLOCK, so open() never blocks); read() then
// waits until bytes are there, the end of the file, an error, or cancel().
// A FIFO that no writer has opened yet is waited on (poll() does not report
// its end before a writer came and went, as on Linux). cancel() may be called
// from any thread, even while another thread is blocked in read(): that read
// returns at once with `cancelled`, and so does every read() after it.
// POSIX waits with poll() on the file and a stop pipe; Windows (no FIFOs)
// reads with fread and checks the cancel flag between reads.
// What it owns: the open file and, on POSIX, the stop pipe.
// Threads: open() and read(): one thread (the reader); cancel(): any thread;
// the destructor: once the reader is done (joined).
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <system_error>

namespace engine {

class FileReader {
public:
    FileReader();
    ~FileReader();
    FileReader(const FileReader&) = delete;
    FileReader& operator=(const FileReader&) = delete;

    /// Opens `path`; the system's error if it cannot (never blocks on a FIFO).
    std::error_code open(const std::string& path);

    struct Result {
        std::size_t bytes = 0;  ///< Read into the buffer.
        bool end = false;       ///< End of file (or an error, or cancelled): no more reads.
        bool cancelled = false; ///< cancel() ended it.
        std::error_code error;  ///< The read error, if one ended it.
    };
    /// Reads up to `n` bytes into `buf`, waiting for at least one (or the end).
    Result read(char* buf, std::size_t n);
    /// Ends a read() waiting now and every later one. Any thread.
    void cancel() noexcept;

private:
    std::atomic<bool> m_cancelled{false};
#if defined(_WIN32)
    void* m_file = nullptr;  // std::FILE*
#else
    int m_fd = -1;
    int m_stop[2] = {-1, -1};
#endif
};

}  // namespace engine
