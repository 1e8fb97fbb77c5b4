// SessionReader.h — reads a session file (JSON Lines, docs/session-format.md)
// event by event.
//
// What it does: open() reads and checks the header line; next() returns one
// event per line, so a file of any size is read in constant memory (load()
// keeps them all, for views and replay). The reader is strict where a file
// is wrong and tolerant where a file was merely cut short:
//   * a line that is not valid JSON, not an event, or out of order (seq must
//     increase; nothing may follow `stopped`) is an error naming the line
//     and saying why ("line 12: invalid collect event: missing field 'size'");
//   * a last line without its newline that does not parse is what a writer
//     killed mid-write (kill -9) leaves: it is dropped, reading ends normally
//     and truncation() says so, naming the line and the byte offset;
//   * a session without `stopped` is reported as incomplete (complete()),
//     gaps in seq and negative t_us as one warning note each at the end
//     (with a count and the first line), none of them an error;
//   * the header is checked (docs/session-format.md, "Header"): a line 1
//     longer than kMaxHeaderLine, a `level` or `backend` we do not know, a
//     `start` that is not an ISO 8601 UTC time, or a string field longer
//     than kMaxHeaderField or holding control bytes is refused.
// A session file is untrusted input: error(), truncation() and notes() are
// passed through terminalSafe() (engine/asyncore/Escape.h), so what they
// quote of the file (and its name) cannot reach a terminal as control bytes.
// A running SessionSummary (connections, duration, bytes, messages) is kept
// while reading. Lines are bounded (maxLineBytes) so no input makes the
// reader allocate without limit.
// What it owns: the open file (or the buffer it was given) and a read buffer.
// Threads: one thread at a time (any thread: the GUI opens files off its UI
// thread). load() reports progress on the calling thread and can be cancelled.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/capture/EventJson.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace engine {

/// What a session holds, in numbers (the GUI's summary view, `summary`).
struct SessionSummary {
    std::uint64_t events = 0;
    std::uint64_t channels = 0;     ///< Distinct channel ids (the reactor's 0 excluded).
    std::uint64_t connections = 0;  ///< Clients and accepted connections.
    std::uint64_t listeners = 0;
    std::int64_t firstUs = 0;       ///< t_us of the first event.
    std::int64_t lastUs = 0;        ///< t_us of the last event.
    std::uint64_t bytesIn = 0;      ///< Received, over all channels.
    std::uint64_t bytesOut = 0;     ///< Sent, over all channels.
    std::uint64_t messagesIn = 0;   ///< found_terminator calls.
    std::uint64_t messagesOut = 0;  ///< Pushes.
    std::uint64_t errors = 0;       ///< `error` events.
    std::uint64_t warnings = 0;     ///< `warning` events.
    bool stopped = false;           ///< The `stopped` event is there.

    std::int64_t durationUs() const noexcept { return lastUs > firstUs ? lastUs - firstUs : 0; }
};

/// A whole session in memory.
struct LoadedSession {
    SessionHeader header;
    std::vector<Event> events;
    SessionSummary summary;
    std::string truncation;          ///< Non-empty when the last line was cut short (see SessionReader).
    std::vector<std::string> notes;  ///< Non-fatal findings (seq gaps, no `stopped`).
    bool complete() const noexcept { return summary.stopped; }
};

class SessionReader {
public:
    /// Longest line accepted by default: 512 MiB (a 4 MiB message is ~6 MiB of JSON).
    static constexpr std::size_t kDefaultMaxLine = std::size_t{512} << 20;
    /// Longest header line (line 1) accepted: a file that does not start with
    /// a header (a device, a binary file) is refused after this many bytes.
    static constexpr std::size_t kMaxHeaderLine = std::size_t{64} << 10;
    /// Longest value of a header string field (tool, tool_version, start, backend, level).
    static constexpr std::size_t kMaxHeaderField = 256;

    SessionReader();
    ~SessionReader();
    SessionReader(const SessionReader&) = delete;
    SessionReader& operator=(const SessionReader&) = delete;

    void setMaxLineBytes(std::size_t n) noexcept { m_maxLine = n ? n : 1; }

    /// Opens `path` and reads its header. False with error() set if the file
    /// cannot be read or does not start with a session header we read.
    bool open(const std::string& path);
    /// Called once if opening a named pipe waits for a writer (InputFile.h).
    void setWaitingNotice(std::function<void()> waiting) { m_waiting = std::move(waiting); }
    /// The same over bytes in memory; `name` is used in messages.
    bool openData(std::string data, std::string name = "<memory>");

    const SessionHeader& header() const noexcept { return m_header; }

    /// The next event. False at the end, or on an error (then failed()).
    bool next(Event& out);

    bool failed() const noexcept { return !m_error.empty(); }
    /// "NAME: line 12: invalid collect event: missing field 'size'".
    const std::string& error() const noexcept { return m_error; }
    /// Non-empty once the end was reached on a cut-short last line:
    /// "NAME: line 57 is incomplete (the file ends 120 bytes into it, at byte
    /// offset 48213): the session was cut short there; 55 events read".
    const std::string& truncation() const noexcept { return m_truncation; }
    /// Non-fatal findings so far: seq gaps; at the end, a missing `stopped`.
    const std::vector<std::string>& notes() const noexcept { return m_notes; }
    /// The `stopped` event has been read.
    bool complete() const noexcept { return m_summary.stopped; }
    const SessionSummary& summary() const;

    /// The line last read (1 is the header).
    std::uint64_t lineNumber() const noexcept { return m_line; }
    /// Bytes consumed so far, and the file's size (0 if unknown): for progress.
    std::uint64_t bytesRead() const noexcept { return m_consumed; }
    std::uint64_t totalBytes() const noexcept { return m_total; }

    /// Reads a whole file. `progress(done, total)` is called now and then
    /// (bytes); returning false cancels (then nullopt, error "cancelled").
    /// `waiting`: see setWaitingNotice().
    static std::optional<LoadedSession> load(const std::string& path, std::string* error,
                                             const std::function<bool(std::uint64_t, std::uint64_t)>& progress = {},
                                             std::function<void()> waiting = {});
    /// The summary of events held in memory (an imported capture, a session
    /// being recorded).
    static SessionSummary summarize(const std::vector<Event>& events);
    /// load() over bytes in memory.
    static std::optional<LoadedSession> loadData(std::string data, std::string name, std::string* error);

private:
    enum class LineResult { Line, End, Error };
    bool start();
    LineResult readLine(std::string& line, bool& hadNewline);
    bool fail(const std::string& message);
    void finish();
    void account(const Event& e);
    static std::optional<LoadedSession> drain(SessionReader& r, std::string* error,
                                              const std::function<bool(std::uint64_t, std::uint64_t)>& progress);

    struct ChannelTotals {
        std::uint64_t evIn = 0, evOut = 0, evMsgIn = 0, evMsgOut = 0;
        std::uint64_t ctrIn = 0, ctrOut = 0, ctrMsgIn = 0, ctrMsgOut = 0;
        bool connection = false;
        bool listener = false;
    };

    std::unique_ptr<std::istream> m_in;
    std::string m_name;
    std::function<void()> m_waiting;
    std::size_t m_maxLine = kDefaultMaxLine;
    std::string m_buf;         // read-ahead
    std::size_t m_bufPos = 0;
    bool m_eof = false;
    std::uint64_t m_line = 0;
    std::uint64_t m_consumed = 0;
    std::uint64_t m_total = 0;
    std::uint64_t m_lastSeq = 0;
    bool m_done = false;
    SessionHeader m_header;
    eventjson::CompactContext m_compact;  // version 2 files: what a line leaves out
    std::string m_error;
    std::string m_truncation;
    std::vector<std::string> m_notes;
    std::uint64_t m_gaps = 0;           // seq gaps, said once by finish()
    std::uint64_t m_missing = 0;        // events the gaps leave out
    std::string m_firstGap;
    std::uint64_t m_negativeTimes = 0;  // events with t_us < 0, said once by finish()
    std::string m_firstNegativeTime;
    std::map<ChannelId, ChannelTotals> m_channels;
    mutable SessionSummary m_summary;
};

}  // namespace engine
