// SessionRecorder.h — writes a session file (JSON Lines) on a thread of its
// own, from the event batches a consumer hands it.
//
// What it does: open() creates the file and writes the header line at once
// (so a file that cannot be created is reported to the caller, not later);
// append() hands over a batch of events and returns at once; a writer thread
// encodes the queued batches (EventJson.h; version 2 lines unless
// Options::compact is off, whatever version the header passed to open() says) and hands the text to the
// operating system (write + fflush, no fsync) every writeChunkBytes and
// whenever it has nothing more queued, so it never holds encoded text back.
// Crash safety: events appended but not yet written may span at most
// maxLag of event time (t_us); append() waits while a batch would stretch
// them further (unless neverWait; a batch that alone spans more is taken
// once everything before it is written). So the file on disk trails the
// newest appended event by at most maxLag plus one chunk, however busy the
// session — what the consumer has not appended yet (e.g. events still in
// the Reactor's queue) is its own to keep short: a process killed
// with kill -9 leaves a file (in the page cache) that ends at most that far
// before the kill — at worst in the middle of a line, which SessionReader
// accepts and reports. Nothing is fsync'ed: after a power loss or a kernel
// crash the file holds what the kernel's writeback had put on the disk
// (typically up to the last 5–30 s are lost) and may end in a torn line.
// close() writes what is left, flushes, closes the file and joins the thread.
// Backpressure: besides maxLag, events queued but not yet written are
// bounded (maxQueuedBytes); append() waits while either bound is passed,
// which slows the consumer down — the Reactor then stops reading from its
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
        /// Event time (t_us) that appended but unwritten events may span:
        /// append() waits while a batch would stretch them further
        /// (unless neverWait). Bounds how far the file trails the session.
        std::int64_t maxLagUs = 100'000;
        /// The writer writes (and flushes) at least every this many encoded bytes.
        std::size_t writeChunkBytes = std::size_t{256} << 10;
        /// Version 2 lines (the default: each line leaves out what the lines
        /// before it say; docs/session-format.md, "Version 2"), the header's
        /// version set to match; or, when false, version 1 lines with every
        /// field, their byte fields as `rendering` says.
        bool compact = true;
        /// Version 1 only: byte fields as base64 only (see
        /// docs/session-format.md "Compact files"), or with their escaped
        /// `text` rendering as well.
        eventjson::Rendering rendering = eventjson::Rendering::BytesOnly;
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
    /// True while the queue is over its byte bound (maxQueuedBytes). (The
    /// maxLag bound is not reported here: holding batches back in the
    /// consumer would not bring the file closer to the session.) A consumer that must never block (a GUI thread) asks first and
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
    /// session it holds in memory), on the calling thread, as version 1
    /// (every field on every line; `header.version` is not used).
    /// The file is opened as open() opens it.
    static bool writeFile(const std::string& path, const SessionHeader& header, const std::vector<Event>& events,
                          std::string* error = nullptr, const OutputFileOptions& file = {});

private:
    static std::size_t weight(const Event& e) noexcept;
    void enqueue(std::vector<Event>&& events, std::size_t bytes) LW_EXCLUDES(m_mutex);
    void run() LW_EXCLUDES(m_mutex);
    // Whether a batch reaching `newest` (t_us) of `bytes` may be queued now.
    bool fits(std::int64_t newest, std::size_t bytes) const LW_REQUIRES(m_mutex);
    // The writer wrote `events` (`bytes`); `next` is the first event it has
    // not written yet (nullptr: all it took from the queue).
    void noteWritten(const std::string& err, std::uint64_t events, std::size_t bytes, const Event* next)
        LW_EXCLUDES(m_mutex);
    // Writes and flushes `text` (writer thread); "" or the error.
    std::string writeChunk(const std::string& text);
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
    // t_us of the oldest appended event not yet written; -1 when all are.
    std::int64_t m_unwrittenSince LW_GUARDED_BY(m_mutex) = -1;
    std::uint64_t m_bytes LW_GUARDED_BY(m_mutex) = 0;
    bool m_open LW_GUARDED_BY(m_mutex) = false;
    bool m_stop LW_GUARDED_BY(m_mutex) = false;
    std::string m_error LW_GUARDED_BY(m_mutex);
    eventjson::CompactContext m_context;  // writer thread only (version 2 lines)
};

}  // namespace engine
