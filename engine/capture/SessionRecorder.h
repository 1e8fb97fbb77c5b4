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

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <mutex>
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

    /// Creates (truncates) `path`, writes `header`, starts the writer thread.
    /// False with `error` ("cannot write 'PATH': No such file or directory")
    /// if the file cannot be created or written. Only once per recorder.
    bool open(const std::string& path, const SessionHeader& header, std::string* error = nullptr);

    /// Queues a batch (in order). Returns at once unless the queue is over
    /// its bound. Ignored when not open or after a write error.
    void append(const std::vector<Event>& events);
    void append(std::vector<Event>&& events);

    /// Blocks until every event appended so far is written and flushed to
    /// the operating system. False if a write failed.
    bool flush();
    /// Writes what is queued, flushes, closes the file, joins the writer.
    /// False if any write failed. Idempotent.
    bool close();

    bool isOpen() const;
    /// True while the queue is over its bound, i.e. while append() would
    /// wait. A consumer that must never block (a GUI thread) asks first and
    /// holds its batches back instead.
    bool backlogged() const;
    bool failed() const;
    /// The first write error, "" if none.
    std::string error() const;
    const std::string& path() const noexcept { return m_path; }
    /// Events and bytes written so far (the header line included in bytes).
    std::uint64_t eventsWritten() const;
    std::uint64_t bytesWritten() const;

    /// Writes a complete session file at once (the GUI's "save as" of a
    /// session it holds in memory), on the calling thread.
    static bool writeFile(const std::string& path, const SessionHeader& header, const std::vector<Event>& events,
                          std::string* error = nullptr);

private:
    static std::size_t weight(const Event& e) noexcept;
    void enqueue(std::vector<Event>&& events, std::size_t bytes);
    void run();
    bool writeOut(const std::string& text);  // writer thread (and open())

    Options m_options;
    std::string m_path;
    std::FILE* m_file = nullptr;  // written by the writer thread only once it runs
    std::thread m_thread;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;     // the writer: work or stop
    std::condition_variable m_written;  // appenders and flush(): progress
    std::vector<std::vector<Event>> m_queue;  // guarded by m_mutex
    std::size_t m_queuedBytes = 0;            // guarded by m_mutex
    std::uint64_t m_appended = 0;             // batches appended; guarded by m_mutex
    std::uint64_t m_done = 0;                 // batches written; guarded by m_mutex
    std::uint64_t m_events = 0;               // guarded by m_mutex
    std::uint64_t m_bytes = 0;                // guarded by m_mutex
    bool m_open = false;                      // guarded by m_mutex
    bool m_stop = false;                      // guarded by m_mutex
    std::string m_error;                      // guarded by m_mutex
};

}  // namespace engine
