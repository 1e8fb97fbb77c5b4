// FileProducer.h — a producer that streams a file from disk.
//
// What it does: checks the path when constructed (a stat, no open: a missing
// file or a directory is reported at push time, as a std::system_error), then
// opens and reads the file on a reader thread of its own, never on the loop
// thread, so that a slow disk or a named pipe (FIFO) that waits for its
// writer never stalls the loop. The reader reads ahead at most kReadAhead
// chunks of `chunkSize` bytes (the channel's ac_out_buffer_size at push
// time; a pipe may give shorter ones) and calls `notify` each time a chunk
// (or the end) is ready; until then ready() is false and async_chat leaves
// the producer at the head of its fifo (see Producer::ready()). more() hands
// out the chunks in order, then "" once the file has ended. An open or read
// error ends the producer early; openError() / error() then say why, so that
// the channel can report it (an open error as "cannot read '<path>': ...").
// What it owns: the reader thread and its FileReader (the open file), and
// the chunks read ahead.
// Threads: the constructor, more(), ready(), remaining(), the error getters
// and the destructor run on the loop thread of its channel (like every
// producer); the reader thread runs run() and calls `notify` (so `notify`
// must be callable from any thread, e.g. a wake of the loop, and must not
// call back into the producer). The destructor stops the reader (cancelling
// a read or an open that waits on a FIFO) and joins it.
#pragma once

#include "engine/asyncore/Producer.h"
#include "engine/net/FileReader.h"
#include "engine/net/ThreadSafety.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <string>
#include <system_error>
#include <thread>

namespace engine {

class FileProducer : public Producer {
public:
    /// Chunks the reader may read before more() takes them.
    static constexpr std::size_t kReadAhead = 4;
    using Notify = std::function<void()>;

    /// Checks `path` (a stat) and starts the reader. Throws std::system_error
    /// (whose what() names the path) if it does not exist or is a directory.
    FileProducer(const std::string& path, std::size_t chunkSize, Notify notify = {});
    ~FileProducer() override;
    FileProducer(const FileProducer&) = delete;
    FileProducer& operator=(const FileProducer&) = delete;

    /// The next chunk read ahead; "" once the file has ended. Called before
    /// ready() (not the way async_chat calls it), it waits for the reader.
    std::string more() override;
    bool ready() const override;
    std::string_view kind() const override { return "file"; }
    long long remaining() const override;

    const std::string& path() const noexcept { return m_path; }
    /// The file's size at push time, -1 if it has none (a pipe, a device).
    long long size() const noexcept { return m_size; }
    /// The read error that ended the producer early, if any (set once more()
    /// returned "").
    const std::error_code& error() const noexcept { return m_error; }
    /// The error that kept the file from opening, if any (set once more()
    /// returned "").
    const std::error_code& openError() const noexcept { return m_openError; }

private:
    void run();  // the reader thread

    std::string m_path;
    std::size_t m_chunk;
    Notify m_notify;
    long long m_size = -1;
    long long m_taken = 0;  // bytes more() handed out (loop thread)
    std::error_code m_error;      // loop thread, copied from m_readError at the end
    std::error_code m_openError;  // loop thread, copied from m_openFailed at the end
    FileReader m_reader;          // open()/read(): reader thread; cancel(): the destructor

    mutable Mutex m_mutex;
    std::condition_variable m_space;  // more() took a chunk, or stop: the reader may read on
    std::condition_variable m_filled; // the reader added a chunk or ended (for a more() before ready())
    std::deque<std::string> m_chunks LW_GUARDED_BY(m_mutex);
    bool m_ended LW_GUARDED_BY(m_mutex) = false;  // the reader is done: no chunk comes after m_chunks
    bool m_stop LW_GUARDED_BY(m_mutex) = false;   // the destructor asks the reader to end
    std::error_code m_readError LW_GUARDED_BY(m_mutex);
    std::error_code m_openFailed LW_GUARDED_BY(m_mutex);
    // !m_chunks.empty() || m_ended, for ready() without the lock (asked on
    // every writable() pass): written under m_mutex, read by the loop thread.
    // Only the reader makes it true and only more() (loop thread) false, so
    // the loop thread never sees a stale true.
    std::atomic<bool> m_ready{false};

    std::thread m_thread;  // last: started once everything above exists
};

}  // namespace engine
