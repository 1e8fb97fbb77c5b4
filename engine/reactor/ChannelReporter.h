// ChannelReporter.h — how a channel becomes events: one reporter for the
// Reactor's own Channels and for the dispatchers of hosted work alike.
//
// What it does: a ChannelReporter speaks for one channel id. It keeps the
// channel's counters (bytes and messages in and out, the bytes of the
// message in progress), adds to the Reactor's totals as it goes, and emits
// the events of a channel's life in one shape whoever the channel is:
// opening (listening, connecting, connected, accepted), traffic at the
// Reactor's EventLevel (collect, found_terminator, received, sent, push),
// errors and warnings, snapshots (channel_state) and the final `closed`
// with the last state. A Channel calls it from its asynchat hooks; a hosted
// dispatcher, which runs other code, through the DispatcherTap the Reactor
// installs on it (HostedWorkRunner.h). Helpers that serve both: idOf() (the
// id events and traces give any dispatcher of the Loop), describe() (what a
// snapshot shows of a dispatcher's asynchat / dispatcher_with_send buffers)
// and nextStep() (in asyncore's terms, what the next loop pass will do with
// a dispatcher: the paused preview's text, LoopPreview.h).
// ChannelContext, the state every channel of one Reactor shares, is
// declared here as well.
// What it owns: the channel's counters; not the dispatcher, not the queue.
// Threads: loop thread only.
#pragma once

#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/Terminator.h"
#include "engine/net/Socket.h"
#include "engine/reactor/Event.h"
#include "engine/reactor/EventQueue.h"
#include "engine/reactor/ReactorStats.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace engine {

class Address;
class ChannelHost;

/// State shared by all the channels of one Reactor. Loop thread only.
struct ChannelContext {
    ChannelContext(EventQueue& q, ChannelHost& h) : events(q), host(h) {}
    EventQueue& events;
    ChannelHost& host;
    Backend backend = Backend::Poll;
    EventLevel level = EventLevel::Full;
    /// The event backlog is over budget: no channel reads until it drains.
    bool inputPaused = false;
    /// Totals over every channel (the hot path adds to these directly).
    ReactorStats totals;
    /// found_terminator count at which `limit_reached` is emitted (0: never).
    std::uint64_t messageLimit = 0;
    bool limitReported = false;
    /// `limit_reached`, once, when the messages in have reached messageLimit.
    void checkMessageLimit() {
        if (messageLimit && !limitReported && totals.messagesIn >= messageLimit) {
            limitReported = true;
            events.emplace(EventKind::LimitReached, kReactorChannel).count = static_cast<std::int64_t>(messageLimit);
        }
    }
    /// A spare descriptor, given up to accept-and-close a connection when
    /// accept() fails with EMFILE (muduo's and libuv's trick).
    Socket reserve;
};

/// One channel's counters.
struct ChannelCounters {
    std::uint64_t bytesIn = 0;      ///< Bytes recv() returned.
    std::uint64_t bytesOut = 0;     ///< Bytes send() wrote.
    std::uint64_t messagesIn = 0;   ///< found_terminator() calls, but for a STARTTLS dialogue's lines.
    std::uint64_t messagesOut = 0;  ///< Pushes and echo replies.
    std::uint64_t pending = 0;      ///< Bytes collected since the last record boundary.
};

class ChannelReporter {
public:
    ChannelReporter(ChannelContext& ctx, ChannelId id, ChannelRole role, ChannelId parent)
        : m_ctx(ctx), m_id(id), m_role(role), m_parent(parent) {}

    ChannelId id() const noexcept { return m_id; }
    ChannelRole role() const noexcept { return m_role; }
    ChannelId parent() const noexcept { return m_parent; }
    EventLevel level() const noexcept { return m_ctx.level; }
    const ChannelCounters& counters() const noexcept { return m_counters; }

    /// A new event of this channel (valid until the next one).
    Event& emit(EventKind kind) { return m_ctx.events.emplace(kind, m_id); }

    // --- Opening ---------------------------------------------------------------------------------
    /// `listening`: bound to `local` (as text), port `port`; a TLS listener
    /// with a generated certificate gives its SHA-256 `fingerprint` (aux).
    void listening(std::string local, std::uint16_t port, std::string fingerprint = {});
    /// `connecting` to `to`; `host` is the name as given ("" for none); a
    /// proxy's upstream leg names the accepted leg it serves (`proxyFor`).
    void connecting(const Address& to, std::string host = {}, ChannelId proxyFor = 0);
    /// `connected`, with the peer's and our address as text.
    void connected(std::string peer, std::string local);
    /// `accepted` from `peer` by the listener parent().
    /// A proxying listener's connection names its `upstream` leg.
    void accepted(std::string peer, std::string local, ChannelId upstream = 0);

    // --- Traffic: counters always, events at the level that shows them -----------------------------
    /// recv() returned `n` bytes (no event: `collect` or `received` say it).
    void received(std::size_t n) noexcept {
        m_counters.bytesIn += n;
        m_ctx.totals.bytesIn += n;
    }
    /// `received` with the bytes (EventLevel::Full), for a dispatcher that is
    /// not an async_chat (an async_chat's `collect` says it).
    void receivedBytes(std::string_view bytes) {
        if (m_ctx.level < EventLevel::Full || bytes.empty()) return;
        Event& e = emit(EventKind::Received);
        e.size = static_cast<std::int64_t>(bytes.size());
        e.data.assign(bytes);
    }
    /// send() wrote `written`: counted, and `sent` (EventLevel::Full).
    void sent(std::string_view written) {
        if (written.empty()) return;
        m_counters.bytesOut += written.size();
        m_ctx.totals.bytesOut += written.size();
        if (m_ctx.level < EventLevel::Full) return;
        Event& e = emit(EventKind::Sent);
        e.size = static_cast<std::int64_t>(written.size());
        e.data.assign(written);
    }
    /// collect_incoming_data(data): part of the message in progress, and
    /// `collect` (EventLevel::Messages).
    void collected(std::string_view data) {
        m_counters.pending += data.size();
        if (m_ctx.level < EventLevel::Messages) return;
        Event& e = emit(EventKind::Collect);
        e.size = static_cast<std::int64_t>(data.size());
        e.data.assign(data);
    }
    /// found_terminator() with `inForce` (get_terminator() inside the call,
    /// so a count reads 0, R8): the message is counted and reported
    /// (EventLevel::Messages) with its size, and the next one starts. A line
    /// of a STARTTLS dialogue (`counted` false) is reported, not counted: it
    /// is not one of the session's messages (--count, messagesIn).
    void terminatorFound(const Terminator& inForce, bool counted = true);
    /// terminatorFound() with a protocol program's verdict on the message:
    /// its group (0: none), the rule that matched it and its mark ("": none).
    void terminatorFound(const Terminator& inForce, bool counted, std::uint64_t group, std::string_view rule,
                         std::string_view mark);
    /// UDP: one message of a datagram from `peer`, counted as a message in,
    /// and `datagram` (EventLevel::Messages); `wholeSize` the datagram's size
    /// when a terminator cut it (0: the message is the datagram).
    void datagram(std::string_view message, std::string peer, std::size_t wholeSize);
    /// UDP: a datagram sent to `peer`: its bytes and one message out counted,
    /// and `datagram_sent` (EventLevel::Full).
    void datagramSent(std::string_view bytes, std::string peer);
    /// The message in progress is over without a terminator (passed on, or discarded).
    void messageEnded() noexcept { m_counters.pending = 0; }
    /// `n` whole records found below EventLevel::Messages (Channel::takeWholeRecords):
    /// counted as n terminatorFound() calls would count them.
    void recordsCounted(std::uint64_t n) noexcept {
        m_counters.messagesIn += n;
        m_ctx.totals.messagesIn += n;
        m_counters.pending = 0;
    }
    /// `push` of `size` bytes (`copies` for a repeat, `info` a file's path),
    /// counted as `messages` messages out.
    void pushed(ProducerKind kind, std::int64_t size, std::int64_t copies, std::string_view info,
                std::uint64_t messages);
    /// Messages sent without a `push` event each (an echo's batched replies).
    void messagesSent(std::uint64_t n) noexcept {
        m_counters.messagesOut += n;
        m_ctx.totals.messagesOut += n;
    }

    // --- Trouble --------------------------------------------------------------------------------
    void error(int code, std::string message);
    void warning(WarningCode code, std::string message, std::int64_t size = 0, std::string_view data = {});

    // --- State ----------------------------------------------------------------------------------
    /// What the reporter knows of the channel: role, phase, parent, counters,
    /// the message in progress.
    ChannelState state(ChannelPhase phase) const;
    /// `channel_state` with `state`.
    void snapshot(ChannelState state);
    /// `closed`: why, the errno (0: none), the detail, the last state.
    void closed(CloseReason reason, int error, std::string detail, ChannelState last);

    // --- For any dispatcher in the Loop ---------------------------------------------------------------
    /// The id traces and events give `d`: a Channel's, a hosted dispatcher's
    /// (its tap says), 0 for anything else (a Waker).
    static ChannelId idOf(const Dispatcher& d);
    /// Fills what a snapshot shows of `d`'s buffers: for an async_chat its
    /// terminator, buffer sizes, held-back input and producer fifo (the
    /// first 64 entries listed); for a dispatcher_with_send its out_buffer;
    /// else no terminator.
    static void describe(ChannelState& st, const Dispatcher& d);
    /// What the next pass will do with `d`, which answered `readable` /
    /// `writable` and is ready with `bits` (ReadyBits) with `waiting` bytes
    /// in its socket: "handle_read: recv up to 64 of 150 waiting bytes",
    /// "handle_write: initiate_send 20 queued bytes (one send of at most 64)", …
    static std::string nextStep(const Dispatcher& d, bool readable, bool writable, unsigned bits,
                                std::uint64_t waiting);

private:
    Event* foundEvent(const Terminator& inForce, bool counted);
    ChannelContext& m_ctx;
    const ChannelId m_id;
    const ChannelRole m_role;
    const ChannelId m_parent;
    ChannelCounters m_counters;
};

}  // namespace engine
