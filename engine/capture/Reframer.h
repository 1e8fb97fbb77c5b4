// Reframer.h — frames a recorded byte stream offline, with the real asynchat
// code, as a live channel with a given terminator would have framed it.
//
// What it does: a Reframer feeds bytes (one chunk per recorded read, or the
// whole stream at once) through AsyncChat::handleRead() — the very framing
// loop live channels run — on an in-memory transport instead of a socket, and
// collects the messages that come out: each `collect_incoming_data()` run
// joined into a body, ended by `found_terminator()` or, at finish(), by the
// end of the stream. Because it is asynchat's own loop, everything asynchat
// does is reproduced exactly: a terminator split across chunks, the partial
// terminator held back at the end of the input (R10, kept as the residue),
// count terminators counting down over several reads. Framing does not
// depend on how the stream is cut into chunks (R11); only the optional
// collect hooks see the cuts.
// The terminator for each message comes from a TerminatorSchedule: one
// terminator for the whole stream, or one per message (what a recorded
// session shows when the terminator changed along the way). A count
// terminator frames one record per message; the schedule sets it again for
// the next one, as the Reactor's channels do (asynchat alone would fall back
// to "collect everything", R8).
// Used for: "how would this stream frame with another terminator?" (the
// `reframe` command), the expected replies of a replay, the framing of an
// imported capture into collect/found_terminator events.
// What it owns: its AsyncChat (with a private Loop it never runs), the
// messages framed so far.
// Threads: one thread at a time; it touches no socket and no shared state.
#pragma once

#include "engine/asyncore/Terminator.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace engine {

/// Which terminator frames each message of a stream.
class TerminatorSchedule {
public:
    /// None for every message (no framing: one message, ended by the stream's end).
    TerminatorSchedule() = default;
    /// The same terminator for every message.
    explicit TerminatorSchedule(Terminator constant) : m_after(std::move(constant)) {}
    /// `perMessage[i]` frames message i; messages past the list use `after`.
    TerminatorSchedule(std::vector<Terminator> perMessage, Terminator after)
        : m_list(std::move(perMessage)), m_after(std::move(after)) {}

    /// The terminator of message `index` (0-based).
    const Terminator& forMessage(std::size_t index) const noexcept {
        return index < m_list.size() ? m_list[index] : m_after;
    }
    /// True when every message uses the same terminator.
    bool isConstant() const noexcept;
    /// "'\r\n'", "count:5", "none", or "per message: '\n' ×3, then count:4 …" (short).
    std::string describe() const;

    friend bool operator==(const TerminatorSchedule&, const TerminatorSchedule&) = default;

private:
    std::vector<Terminator> m_list;
    Terminator m_after;
};

/// One message as framed.
struct FramedMessage {
    std::uint64_t offset = 0;     ///< Stream offset of its first byte.
    std::string body;             ///< What collect_incoming_data() received for it, joined.
    std::string terminatorBytes;  ///< The bytes a bytes terminator consumed ("" for count and none).
    /// found_terminator() ended it. False for the tail the stream ended in
    /// (its body then includes any held-back partial terminator).
    bool terminated = false;
    /// The schedule's terminator for it (count:N for a record of N bytes).
    Terminator terminator;
    std::int64_t tUs = 0;         ///< Time of the chunk that completed it.
    std::uint64_t tag = 0;        ///< Tag of the chunk that completed it (callers use event seqs).
    std::int64_t startUs = 0;     ///< Time of the chunk holding its first byte.
    std::uint64_t startTag = 0;   ///< Tag of the chunk holding its first byte.

    /// Bytes on the wire: body plus terminator.
    std::uint64_t wireSize() const noexcept { return body.size() + terminatorBytes.size(); }
    std::string wire() const { return body + terminatorBytes; }
};

class Reframer {
public:
    /// Observers of the asynchat calls, for callers that turn them into
    /// events. `foundTerminator` gets get_terminator() as asynchat has it in
    /// the call (count 0 for a count terminator, R8) and the message's body size.
    struct Hooks {
        std::function<void(std::string_view data)> collect;
        std::function<void(const Terminator& inForce, std::uint64_t bodySize)> foundTerminator;
    };

    /// `readSize` is ac_in_buffer_size: the most one handleRead() takes of a
    /// chunk (framing is the same whatever it is; the collect hooks are not).
    explicit Reframer(TerminatorSchedule schedule, std::size_t readSize = 65536);
    ~Reframer();
    Reframer(const Reframer&) = delete;
    Reframer& operator=(const Reframer&) = delete;

    void setHooks(Hooks hooks);
    /// Whether messages() keeps the messages (default true). Callers that only
    /// want the hooks turn it off to save memory.
    void setKeepMessages(bool keep) noexcept { m_keep = keep; }

    /// Feeds one chunk that arrived at `tUs`, tagged `tag`.
    void feed(std::string_view bytes, std::int64_t tUs = 0, std::uint64_t tag = 0);
    /// The stream ends: a message in progress (and the residue) becomes an
    /// unterminated last message. Feeding after finish() is an error (ignored).
    void finish();

    const std::vector<FramedMessage>& messages() const noexcept { return m_messages; }
    std::vector<FramedMessage> takeMessages() { return std::exchange(m_messages, {}); }
    /// Messages ended by found_terminator() so far.
    std::uint64_t terminatedCount() const noexcept { return m_found; }
    /// Bytes held back as a possible start of the terminator (ac_in_buffer).
    std::string_view residue() const;
    /// Bytes collected since the last found_terminator().
    std::uint64_t pendingBytes() const noexcept { return m_pendingSize; }
    /// The terminator that will frame the next message.
    const Terminator& currentTerminator() const noexcept { return m_schedule.forMessage(m_found); }
    /// Bytes fed so far.
    std::uint64_t bytesFed() const noexcept { return m_fed; }
    bool finished() const noexcept { return m_finished; }

    /// Frames a whole stream at once.
    static std::vector<FramedMessage> frame(std::string_view stream, const TerminatorSchedule& schedule);

private:
    class Chat;
    friend class Chat;
    void onCollect(std::string_view data);
    void onFound();
    /// The message in progress starts here (offset, time, tag of the chunk).
    void markStart();
    /// Appends the message in progress to m_messages with these parts.
    void keepMessage(std::string body, std::string terminatorBytes, bool terminated, const Terminator& t);

    TerminatorSchedule m_schedule;
    std::unique_ptr<Chat> m_chat;
    Hooks m_hooks;
    bool m_keep = true;
    bool m_finished = false;
    std::int64_t m_chunkUs = 0;
    std::uint64_t m_chunkTag = 0;
    std::uint64_t m_fed = 0;
    std::uint64_t m_delivered = 0;  // bytes delivered as bodies or terminators
    std::uint64_t m_found = 0;
    std::string m_pending;          // the body of the message in progress (when kept)
    std::uint64_t m_pendingSize = 0;
    bool m_started = false;         // the message in progress has a first byte
    std::uint64_t m_msgOffset = 0;
    std::int64_t m_msgStartUs = 0;
    std::uint64_t m_msgStartTag = 0;
    std::vector<FramedMessage> m_messages;
};

}  // namespace engine
