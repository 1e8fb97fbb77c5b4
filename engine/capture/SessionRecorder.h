// SessionRecorder.h — writes a session file (JSON Lines) on a thread of its
// own, from the event batches a consumer hands it.
//
// What it does: open() creates the file and writes the header line at once
// (so a file that cannot be created is reported to the caller, not later);
// append() hands over a batch of events and returns at once; a writer thread
// encodes each batch (EventJson.h) and writes it with one write and one
// flush, so the file on disk trails the session by at most the batches in
// flight. A process killed with kill -9 therefore leaves a file that ends
// after its last written batch — at worst in the middle of a line, which
// SessionReader accepts and reports. close() writes what is left, flushes,
// closes the file and joins the thread.
// Backpressure: events queued but not yet written are bounded
// (maxQueuedBytes); append() waits while the queue is over the bound, which
// slows the consumer down — the Reactor then stops reading from its
// channels until the consumer catches up, so memory stays bounded end to end.
// A consumer that must not wait asks backlogged() first and holds back.
// The first write error is kept (error()); nothing is written after it.
// What it owns: the file, the writer thread, the queued events.
// Threads: every public method may be called from any thread; calls must
// not overlap with the destructor. The GUI calls append() from its UI thread
// with the batches it drained; the encoding and the disk I/O never run there.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/capture/EventJson.h"
#include "engine/capture/OutputFile.h"
#include "engine/net/ThreadSafety.h"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace engine {

class SessionRecorder {
public:
    struct Options {
        /// Events waiting to be written (approximate bytes) above which
        /// append() waits for the writer: 64 MiB.
        std::size_t maxQueuedBytes = std::size_t{64} << 20;
        /// append() never waits: the bound is the consumer's to keep, by
        /// asking backlogged() before each batch (a GUI thread must not
        /// block on the disk).
        bool neverWait = false;
    };

    SessionRecorder();
    explicit SessionRecorder(Options options);
    /// close()s.
    ~SessionRecorder();
    SessionRecorder(const SessionRecorder&) = delete;
    SessionRecorder& operator=(const SessionRecorder&) = delete;

    /// Creates `path` (OutputFile.h: mode 0600, never through a symbolic
    /// link, an existing file only with `file.overwrite`), writes `header`,
    /// starts the writer thread. False with `error` ("cannot write 'PATH': No
    /// such file or directory", "'PATH' already exists; it is not
    /// overwritten") if the file cannot be created or written. Only once per
    /// recorder.
    bool open(const std::string& path, const SessionHeader& header, std::string* error = nullptr,
              const OutputFileOptions& file = {}) LW_EXCLUDES(m_mutex);

    /// Queues a batch (in order). Returns at once unless the queue is over
    /// its bound. Ignored when not open or after a write error.
    void append(const std::vector<Event>& events) LW_EXCLUDES(m_mutex);
    void append(std::vector<Event>&& events) LW_EXCLUDES(m_mutex);

    /// Blocks until every event appended so far is written and flushed to
    /// the operating system. False if a write failed.
    bool flush() LW_EXCLUDES(m_mutex);
    /// Writes what is queued, flushes, closes the file, joins the writer.
    /// False if any write failed. Idempotent.
    bool close() LW_EXCLUDES(m_mutex);

    bool isOpen() const LW_EXCLUDES(m_mutex);
    /// True while the queue is over its bound, i.e. while append() would
    /// wait. A consumer that must never block (a GUI thread) asks first and
    /// holds its batches back instead.
    bool backlogged() const LW_EXCLUDES(m_mutex);
    bool failed() const LW_EXCLUDES(m_mutex);
    /// The first write error, "" if none.
    std::string error() const LW_EXCLUDES(m_mutex);
    const std::string& path() const noexcept { return m_path; }
    /// Events and bytes written so far (the header line included in bytes).
    std::uint64_t eventsWritten() const LW_EXCLUDES(m_mutex);
    std::uint64_t bytesWritten() const LW_EXCLUDES(m_mutex);

    /// Writes a complete session file at once (the GUI's "save as" of a
    /// session it holds in memory), on the calling thread.
    /// The file is opened as open() opens it.
    static bool writeFile(const std::string& path, const SessionHeader& header, const std::vector<Event>& events,
                          std::string* error = nullptr, const OutputFileOptions& file = {});

private:
    static std::size_t weight(const Event& e) noexcept;
    void enqueue(std::vector<Event>&& events, std::size_t bytes) LW_EXCLUDES(m_mutex);
    void run() LW_EXCLUDES(m_mutex);
    bool writeOut(const std::string& text) LW_REQUIRES(m_mutex);  // open()

    Options m_options;
    std::string m_path;
    std::FILE* m_file = nullptr;  // written by the writer thread only once it runs
    std::thread m_thread;

    mutable Mutex m_mutex;
    std::condition_variable m_wake;     // the writer: work or stop
    std::condition_variable m_written;  // appenders and flush(): progress
    std::vector<std::vector<Event>> m_queue LW_GUARDED_BY(m_mutex);
    std::size_t m_queuedBytes LW_GUARDED_BY(m_mutex) = 0;
    std::uint64_t m_appended LW_GUARDED_BY(m_mutex) = 0;  // batches appended
    std::uint64_t m_done LW_GUARDED_BY(m_mutex) = 0;      // batches written
    std::uint64_t m_events LW_GUARDED_BY(m_mutex) = 0;
    std::uint64_t m_bytes LW_GUARDED_BY(m_mutex) = 0;
    bool m_open LW_GUARDED_BY(m_mutex) = false;
    bool m_stop LW_GUARDED_BY(m_mutex) = false;
    std::string m_error LW_GUARDED_BY(m_mutex);
};

}  // namespace engine
