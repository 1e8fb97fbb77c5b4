// Event.h — the one event record that leaves the Reactor: what the CLI
// prints, what a session file holds and what the GUI shows.
//
// What it does: defines Event (a sequence number, a microsecond timestamp, a
// channel id, a kind, a few small numbers and, for the kinds that have them,
// the exact bytes) plus the enums that qualify a kind, and the two larger
// attachments that only `channel_state` / `closed` (ChannelState) and `loop`
// (LoopTrace) events carry; accessors that read each kind's members by what
// they mean. EventKinds.h describes each kind once (name, fields, members);
// EventJson.h turns events into JSON Lines and back from that description;
// docs/session-format.md documents every field.
// What it owns: its strings and a shared, immutable attachment.
// Threads: a plain value type; any thread. Events are built on the loop thread
// and handed to consumers in batches (EventQueue).
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/asyncore/Terminator.h"
#include "engine/tls/TlsInfo.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engine {

/// How much a Reactor reports. Whatever the level, every channel counts its
/// bytes and messages; only the events differ.
enum class EventLevel : std::uint8_t {
    /// Connections, command acknowledgements, errors and warnings. No event
    /// per read or write: the hot path only bumps counters. An echoing
    /// channel then sends the replies of one read with a single push.
    Lifecycle,
    /// Lifecycle, plus `collect` and `found_terminator`.
    Messages,
    /// Messages, plus `sent`, `producer_exhausted`, and a `push` per echo
    /// reply (one push per found_terminator, as CPython's echo server does).
    Full,
};
std::string_view eventLevelName(EventLevel l) noexcept;

/// A channel's id: a small integer given by the Reactor, stable for the
/// session and never reused. 0 is the reactor itself.
using ChannelId = std::uint32_t;
inline constexpr ChannelId kReactorChannel = 0;

/// Every kind of event. The JSON name of each is in eventKindName().
enum class EventKind : std::uint8_t {
    Listening,          ///< "listening": a server channel is bound and listening.
    Accepted,           ///< "accepted": a listener accepted a connection (a new channel).
    Connecting,         ///< "connecting": a client channel starts connect() to one address.
    Connected,          ///< "connected": handle_connect ran.
    Collect,            ///< "collect": one collect_incoming_data() call, with its bytes.
    FoundTerminator,    ///< "found_terminator": one found_terminator() call.
    TerminatorSet,      ///< "terminator_set": set_terminator() by command.
    BuffersSet,         ///< "buffers_set": ac_in_buffer_size / ac_out_buffer_size changed.
    LimitsSet,          ///< "limits_set": max message / high-water mark changed.
    Push,               ///< "push": push() or push_with_producer().
    Sent,               ///< "sent": the bytes one send() actually wrote.
    ProducerExhausted,  ///< "producer_exhausted": a producer's more() returned empty.
    CloseWhenDone,      ///< "close_when_done": the close marker was queued.
    HalfClosed,         ///< "half_closed": shutdown(SHUT_WR) once the fifo drained.
    Discarded,          ///< "discarded": discard_buffers().
    HighWater,          ///< "high_water": queued output rose above the high-water mark.
    LowWater,           ///< "low_water": queued output fell back to half the mark.
    Closed,             ///< "closed": the channel is closed (always its last event).
    Error,              ///< "error": something failed (errno and message).
    Warning,            ///< "warning": something the user should know (see WarningCode).
    Loop,               ///< "loop": one loop pass, only with the loop trace on.
    ChannelState,       ///< "channel_state": a snapshot of one channel.
    LimitReached,       ///< "limit_reached": the message limit was reached.
    Paused,             ///< "paused": the loop stopped dispatching.
    Resumed,            ///< "resumed": the loop runs freely again.
    Stopped,            ///< "stopped": the reactor stopped; always the last event.
    // Added for hosted examples (kept after Stopped so the numbers above stay).
    Received,           ///< "received": the bytes one recv() returned, on a hosted dispatcher that is not an async_chat.
    Hosted,             ///< "hosted": hosted work started / a dispatcher of it joined / it is done / stopped (HostPhase).
    Preview,            ///< "preview": while paused, what is waiting and what the next step will do (trace attached).
    // TLS (engine/tls; kept after Preview so the numbers above stay).
    TlsHandshake,       ///< "tls_handshake": a TLS handshake finished (TlsHandshakeInfo attached).
    TlsClose,           ///< "tls_close": the TLS session ended (sub: TlsCloseKind).
    StartTls,           ///< "starttls": a STARTTLS upgrade: info = the protocol ("smtp", "after-match"); the handshake starts now.
    // UDP (DatagramChannel; kept after StartTls so the numbers above stay).
    Datagram,           ///< "datagram": one message received in a datagram (the whole datagram unless a terminator frames it), with its sender.
    DatagramSent,       ///< "datagram_sent": one datagram sent, with its destination.
    // Intercept on a framing proxy (kept after DatagramSent so the numbers above stay).
    Intercept,          ///< "intercept": a proxy leg's intercept (sub: InterceptAction): on/off, a message held, forwarded, edited, dropped; the hold queue full / with room.
};
inline constexpr std::size_t kEventKindCount = static_cast<std::size_t>(EventKind::Intercept) + 1;
std::string_view eventKindName(EventKind k) noexcept;
std::optional<EventKind> parseEventKind(std::string_view name) noexcept;

/// Who closed a channel (`closed` events).
enum class CloseReason : std::uint8_t { Peer, Local, Error };
std::string_view closeReasonName(CloseReason r) noexcept;
std::optional<CloseReason> parseCloseReason(std::string_view name) noexcept;

/// What was pushed (`push`, `producer_exhausted`).
enum class ProducerKind : std::uint8_t { Bytes, File, Repeat, Simple, Other };
std::string_view producerKindName(ProducerKind k) noexcept;
std::optional<ProducerKind> parseProducerKind(std::string_view name) noexcept;

/// What a `warning` is about.
enum class WarningCode : std::uint8_t {
    NoTerminator,   ///< "no_terminator": max message reached; the bytes went on without a terminator.
    Residue,        ///< "residue": at close, bytes held back as a partial terminator (R15), with the bytes.
    Unterminated,   ///< "unterminated": at close, a message was collected but never terminated.
    Unsent,         ///< "unsent": at close, queued output that was never sent.
    AcceptFailed,   ///< "accept_failed": accept() failed (e.g. EMFILE); the connection was dropped.
    Backlog,        ///< "backlog": consumers are slow; reading pauses until they catch up.
    Log,            ///< "log": a message asyncore would have printed (log/log_info).
    ProducerError,  ///< "producer_error": a producer stopped early (e.g. a file read error).
    InputBudget,    ///< "input_budget": a listener's connections hold more unframed input than its budget; reading paused on the largest holders.
    InputResumed,   ///< "input_resumed": that input fell below 3/4 of the budget; reading resumed.
    TlsUnverified,  ///< "tls_unverified": a TLS client did not verify the server's certificate (--insecure); info says what the check would have found.
    Oversized,      ///< "oversized": a datagram larger than the receive buffer was truncated and dropped; size = its size where known.
    Unreachable,    ///< "unreachable": ICMP port (or host) unreachable for a UDP channel's peer; the channel stays open.
    Program,        ///< "program": a protocol program's action could not be carried out ("FILE:LINE: …"); the terminator stayed.
};
std::string_view warningCodeName(WarningCode c) noexcept;
std::optional<WarningCode> parseWarningCode(std::string_view name) noexcept;

/// What a `hosted` event reports (Reactor::host).
enum class HostPhase : std::uint8_t {
    Started,     ///< "started": the factory ran; info = label, size = the server's port (0: none).
    Dispatcher,  ///< "dispatcher": a dispatcher of it became channel `channel`; info = its Python class name.
    Done,        ///< "done": the work says it is over; size = 1 if ok, else 0. Its dispatchers are closed.
    Stopped,     ///< "stopped": stopped by command before it was done; its dispatchers are closed.
    Failed,      ///< "failed": the factory threw; info = the message.
};
std::string_view hostPhaseName(HostPhase p) noexcept;
std::optional<HostPhase> parseHostPhase(std::string_view name) noexcept;

/// What an `intercept` event reports (cmd::SetIntercept, cmd::ReleaseHeld).
/// message: the held message's number on its leg (1, 2, …); held: the
/// messages the leg holds after the event; data: the bytes concerned.
enum class InterceptAction : std::uint8_t {
    On,         ///< "on": the leg holds each message it frames from now on (a listener: its pairs do).
    Off,        ///< "off": it no longer does; what it held went first, in order (data: the bytes under way, forwarded too).
    Held,       ///< "held": a message (data: its bytes, terminator included) is held, not forwarded.
    Forwarded,  ///< "forwarded": a held message went to the other leg as it was.
    Edited,     ///< "edited": a held message went as `data` instead.
    Dropped,    ///< "dropped": a held message was dropped (data: what it was).
    Full,       ///< "full": the hold queue is full: the leg reads nothing until there is room.
    Room,       ///< "room": the queue is below 3/4 of its limits again: the leg reads.
};
std::string_view interceptActionName(InterceptAction a) noexcept;
std::optional<InterceptAction> parseInterceptAction(std::string_view name) noexcept;

/// What a channel is for.
enum class ChannelRole : std::uint8_t { Client, Listener, Accepted };
std::string_view channelRoleName(ChannelRole r) noexcept;
std::optional<ChannelRole> parseChannelRole(std::string_view name) noexcept;

/// Where a channel is in its life.
enum class ChannelPhase : std::uint8_t { Resolving, Connecting, Connected, Listening, Closing, Closed };
std::string_view channelPhaseName(ChannelPhase p) noexcept;
std::optional<ChannelPhase> parseChannelPhase(std::string_view name) noexcept;

/// One entry of a channel's producer fifo, as a snapshot shows it.
struct FifoEntryState {
    std::string kind;         ///< "bytes", a producer's kind() ("file", "repeat", "simple"), or "close".
    long long remaining = 0;  ///< Bytes still to send; -1 when the producer cannot tell.
    friend bool operator==(const FifoEntryState&, const FifoEntryState&) = default;
};

/// A snapshot of one channel (the `channel_state` event; `closed` carries the
/// final one, of which the session format keeps the counters).
struct ChannelState {
    ChannelRole role = ChannelRole::Client;
    ChannelPhase phase = ChannelPhase::Closed;
    ChannelId parent = 0;          ///< The listener of an accepted channel, else 0.
    std::string peer;              ///< "127.0.0.1:7000", "" when none.
    std::string local;
    std::uint64_t bytesIn = 0;     ///< Bytes recv() returned.
    std::uint64_t bytesOut = 0;    ///< Bytes send() wrote.
    std::uint64_t messagesIn = 0;  ///< found_terminator() calls, but for a STARTTLS dialogue's lines.
    std::uint64_t messagesOut = 0; ///< push commands and echo replies.
    Terminator terminator;         ///< The terminator in force (get_terminator()).
    std::uint64_t inBufferSize = 0;
    std::uint64_t outBufferSize = 0;
    std::uint64_t maxMessage = 0;
    std::uint64_t highWater = 0;
    bool echo = false;
    bool readable = false;         ///< What readable() answers now.
    bool writable = false;         ///< What writable() answers now.
    std::string residue;           ///< AsyncChat::inputBuffer(): received, not yet delivered.
    std::uint64_t pendingMessage = 0;  ///< Bytes collected since the last found_terminator.
    std::uint64_t queuedBytes = 0;     ///< Fifo::queuedBytes().
    std::uint64_t fifoEntries = 0;     ///< Entries in the fifo.
    std::vector<FifoEntryState> fifo;  ///< The first entries (at most 64), head first.
    friend bool operator==(const ChannelState&, const ChannelState&) = default;
};

/// One loop pass, as the loop trace records it.
struct LoopTrace {
    struct Polled {
        ChannelId channel = 0;
        bool readable = false;
        bool writable = false;
        /// The channel's stream layer (TLS) waits for the socket to be
        /// readable / writable for itself while the application's
        /// readable() / writable() does not (or a handshake blocks it).
        bool layerWantsRead = false;
        bool layerWantsWrite = false;
        friend bool operator==(const Polled&, const Polled&) = default;
    };
    struct Ready {
        ChannelId channel = 0;
        unsigned bits = 0;  ///< ReadyBits.
        friend bool operator==(const Ready&, const Ready&) = default;
    };
    struct Dispatched {
        ChannelId channel = 0;
        Hook hook = Hook::HandleRead;
        friend bool operator==(const Dispatched&, const Dispatched&) = default;
    };
    /// `preview` events only: one channel, as the next step would find it.
    struct Waiting {
        ChannelId channel = 0;
        std::uint64_t bytes = 0;   ///< Bytes waiting in the socket (FIONREAD).
        bool readable = false;     ///< What readable() answers now.
        bool writable = false;     ///< What writable() answers now.
        unsigned bits = 0;         ///< Readiness now (zero-timeout poll), ReadyBits.
        bool layerWantsRead = false;   ///< As Polled::layerWantsRead, now.
        bool layerWantsWrite = false;  ///< As Polled::layerWantsWrite, now.
        std::string next;          ///< What the next step will do with it, in asyncore's terms.
        friend bool operator==(const Waiting&, const Waiting&) = default;
    };
    /// `loop` events: one channel as the pass left it (every channel of the
    /// Loop, and those that closed during the pass).
    struct After {
        ChannelId channel = 0;
        bool open = true;                ///< False: it closed during the pass.
        Terminator terminator;           ///< get_terminator() (None for a plain dispatcher).
        std::uint64_t inBuffered = 0;    ///< Bytes in the input buffer: a held-back partial terminator.
        std::string held;                ///< Its first kHeldShown bytes.
        std::uint64_t queuedBytes = 0;   ///< The producer fifo's bytes (dispatcher_with_send: out_buffer).
        std::uint64_t fifoEntries = 0;   ///< Entries in the fifo (data, producers, the close marker).
        friend bool operator==(const After&, const After&) = default;
    };
    static constexpr std::size_t kHeldShown = 32;
    /// `loop` events: a hook changed the terminator (set_terminator() inside
    /// found_terminator(), the heart of the ECHO-length and http examples).
    /// A count terminator counting down as bytes arrive is not a change.
    struct TerminatorChange {
        ChannelId channel = 0;
        Hook hook = Hook::FoundTerminator;  ///< The hook it changed in.
        std::uint64_t hookIndex = 0;        ///< That hook's place in `dispatched`.
        Terminator from;
        Terminator to;
        friend bool operator==(const TerminatorChange&, const TerminatorChange&) = default;
    };
    std::uint64_t pass = 0;        ///< `preview`: the pass the next step will be.
    Backend backend = Backend::Poll;
    std::uint64_t waitedUs = 0;
    std::vector<Polled> polled;
    std::vector<Ready> ready;
    std::vector<Dispatched> dispatched;
    std::vector<Waiting> waiting;  ///< `preview` only.
    std::vector<After> after;                          ///< `loop` only.
    std::vector<TerminatorChange> terminatorChanges;   ///< `loop` only.
    friend bool operator==(const LoopTrace&, const LoopTrace&) = default;
};

/// The names of ReadyBits in a trace: "in", "pri", "out", "err", "hup", "nval".
std::vector<std::string_view> readyBitNames(unsigned bits);
std::optional<unsigned> parseReadyBit(std::string_view name) noexcept;
std::optional<Hook> parseHook(std::string_view name) noexcept;

/// The event record: a few generic members that each kind uses for its own
/// values (unused ones stay 0 / empty). Which member holds what, kind by
/// kind, is described once, in the kind table of EventKinds.cpp (each JSON
/// field of the session format and the member it is kept in); the accessors
/// below read them by meaning (peer(), bytes(), terminator(), errorCode() …).
struct Event {
    std::uint64_t seq = 0;      ///< 1, 2, 3, … per reactor, without gaps.
    std::int64_t tUs = 0;       ///< Microseconds since the reactor started (steady clock).
    std::int64_t size = 0;      ///< A port, a byte count, a size… (see the kind table).
    std::int64_t count = 0;     ///< A second number: a count, a mark, a host id… (see the kind table).
    ChannelId channel = 0;      ///< 0: the reactor itself.
    ChannelId parent = 0;       ///< accepted, hosted: the listener.
    std::int32_t error = 0;     ///< error, closed: the system error value (errno), 0 if none.
    EventKind kind = EventKind::Warning;
    std::uint8_t sub = 0;       ///< The kind's qualifier enum, as a number (a terminator's kind, a ProducerKind…).
    std::string data;           ///< Exact bytes (collect, sent, received, residue) or a terminator's bytes.
    std::string info;           ///< A message, an address, a path, a close detail or a label.
    std::string aux;            ///< A second address, the host as given or the hosted work's label.
    std::shared_ptr<const ChannelState> state;  ///< channel_state, closed.
    std::shared_ptr<const LoopTrace> trace;     ///< loop, preview.
    std::shared_ptr<const TlsHandshakeInfo> tls;  ///< tls_handshake.

    // --- What the kind carries, by what it means -------------------------------------
    // Read events through these rather than through the generic members
    // above: each names what the value is for the kinds that have it, and
    // gives 0 / "" / nullptr for a kind that does not (the kind table says
    // which member each kind keeps it in). The enum qualifiers (closeReason(),
    // producerKind(), warningCode(), hostPhase(), terminatorKind()) only
    // convert `sub`: ask them of the kinds they qualify.

    /// collect, sent, received: the exact bytes; warning: the bytes concerned (a residue).
    std::string_view bytes() const noexcept {
        return kind == EventKind::Collect || kind == EventKind::Sent || kind == EventKind::Received ||
                       kind == EventKind::Warning || kind == EventKind::Intercept || isDatagram()
                   ? std::string_view(data)
                   : std::string_view();
    }
    /// listening: the local address; connecting: the address tried.
    std::string_view address() const noexcept {
        return kind == EventKind::Listening || kind == EventKind::Connecting ? std::string_view(info)
                                                                             : std::string_view();
    }
    /// listening with TLS and a generated self-signed certificate: its SHA-256
    /// fingerprint (as TlsHandshakeInfo::localFingerprint); else "".
    std::string_view localFingerprint() const noexcept {
        return kind == EventKind::Listening ? std::string_view(aux) : std::string_view();
    }
    /// connecting: the host as it was given (a name, or the address).
    std::string_view host() const noexcept {
        return kind == EventKind::Connecting ? std::string_view(aux) : std::string_view();
    }
    /// listening, connecting: the port; hosted (started): the server's port, 0 if none.
    std::int64_t port() const noexcept {
        return kind == EventKind::Listening || kind == EventKind::Connecting ||
                       (kind == EventKind::Hosted && hostPhase() == HostPhase::Started)
                   ? size
                   : 0;
    }
    /// accepted, connected: the remote address; datagram: its sender; datagram_sent: its destination.
    std::string_view peer() const noexcept {
        return isConnection() || isDatagram() ? std::string_view(info) : std::string_view();
    }
    /// datagram: the size of the whole datagram when a terminator cut it into
    /// several messages, else 0 (the message is the datagram).
    std::int64_t datagramSize() const noexcept { return kind == EventKind::Datagram ? count : 0; }
    /// accepted, connected: the local address.
    std::string_view local() const noexcept { return isConnection() ? std::string_view(aux) : std::string_view(); }
    /// accepted: the listener; hosted (dispatcher): the listener that accepted it, 0 if none.
    ChannelId listener() const noexcept {
        return kind == EventKind::Accepted || kind == EventKind::Hosted ? parent : ChannelId{0};
    }

    /// accepted by a proxying listener: the upstream leg of the proxied
    /// connection (a client channel the reactor connects), else 0.
    ChannelId upstream() const noexcept {
        return kind == EventKind::Accepted ? static_cast<ChannelId>(count) : ChannelId{0};
    }
    /// connecting of a proxy's upstream leg: the accepted leg it serves, else 0.
    ChannelId proxyFor() const noexcept { return kind == EventKind::Connecting ? parent : ChannelId{0}; }

    /// found_terminator: the bytes collected since the previous one.
    std::int64_t messageSize() const noexcept { return kind == EventKind::FoundTerminator ? size : 0; }
    Terminator::Kind terminatorKind() const noexcept { return static_cast<Terminator::Kind>(sub); }
    /// found_terminator, terminator_set: the terminator (a count terminator in
    /// found_terminator is count 0: asynchat's get_terminator() inside the call, R8).
    Terminator terminator() const;
    /// The same terminator's bytes when it is a bytes terminator, else "".
    std::string_view terminatorBytes() const noexcept {
        return hasTerminator() && terminatorKind() == Terminator::Kind::Bytes ? std::string_view(data)
                                                                              : std::string_view();
    }
    /// The same terminator's count when it is a count terminator, else 0.
    std::int64_t terminatorCount() const noexcept {
        return hasTerminator() && terminatorKind() == Terminator::Kind::Count ? count : 0;
    }
    /// Stores `t` in sub / count / data.
    void setTerminator(const Terminator& t);

    /// buffers_set: ac_in_buffer_size / ac_out_buffer_size.
    std::int64_t inBufferSize() const noexcept { return kind == EventKind::BuffersSet ? size : 0; }
    std::int64_t outBufferSize() const noexcept { return kind == EventKind::BuffersSet ? count : 0; }
    /// limits_set: the message limit / the high-water mark.
    std::int64_t maxMessage() const noexcept { return kind == EventKind::LimitsSet ? size : 0; }
    std::int64_t highWaterMark() const noexcept { return kind == EventKind::LimitsSet ? count : 0; }

    /// push, producer_exhausted: what was pushed.
    ProducerKind producerKind() const noexcept { return static_cast<ProducerKind>(sub); }
    /// push: its bytes, -1 when unknown (a file that is not a regular file).
    std::int64_t pushedSize() const noexcept { return kind == EventKind::Push ? size : 0; }
    /// push of a repeat producer: the copies (a paced repeat: the number of this copy).
    std::int64_t copies() const noexcept { return kind == EventKind::Push ? count : 0; }
    /// push of a file: its path.
    std::string_view path() const noexcept { return kind == EventKind::Push ? std::string_view(info) : std::string_view(); }

    /// discarded: bytes and fifo entries dropped.
    std::int64_t droppedBytes() const noexcept { return kind == EventKind::Discarded ? size : 0; }
    std::int64_t droppedEntries() const noexcept { return kind == EventKind::Discarded ? count : 0; }
    /// high_water, low_water: the queued output and the mark.
    std::int64_t queued() const noexcept { return isWater() ? size : 0; }
    std::int64_t mark() const noexcept { return isWater() ? count : 0; }

    /// closed: who closed it.
    CloseReason closeReason() const noexcept { return static_cast<CloseReason>(sub); }
    /// closed: "eof", "close_when_done", "close", "shutdown" or the error's message.
    std::string_view detail() const noexcept { return kind == EventKind::Closed ? std::string_view(info) : std::string_view(); }
    /// error, closed: the system error value (errno), 0 if none.
    std::int32_t errorCode() const noexcept { return kind == EventKind::Error || kind == EventKind::Closed ? error : 0; }
    /// error, closed: the error's portable name ("ECONNRESET"; sockops::errorName()), the same whichever
    /// platform recorded it (the number is the platform's: 104 on Linux, 10054 on Windows); "" if none
    /// or unknown, and in files written before the name was recorded.
    std::string_view errorName() const noexcept {
        return kind == EventKind::Error || kind == EventKind::Closed ? std::string_view(aux) : std::string_view();
    }
    /// error, warning: the message.
    std::string_view message() const noexcept {
        return kind == EventKind::Error || kind == EventKind::Warning ? std::string_view(info) : std::string_view();
    }
    /// warning: what it is about, and the bytes concerned (0 if it does not say).
    WarningCode warningCode() const noexcept { return static_cast<WarningCode>(sub); }
    std::int64_t warningSize() const noexcept { return kind == EventKind::Warning ? size : 0; }
    /// limit_reached: the message limit.
    std::int64_t messageLimit() const noexcept { return kind == EventKind::LimitReached ? count : 0; }

    /// hosted: the phase, the work's id, and the label (started / done /
    /// stopped: the work's name; dispatcher: its Python class name; failed: the message).
    HostPhase hostPhase() const noexcept { return static_cast<HostPhase>(sub); }
    std::int64_t hostId() const noexcept { return kind == EventKind::Hosted ? count : 0; }
    std::string_view label() const noexcept { return kind == EventKind::Hosted ? std::string_view(info) : std::string_view(); }
    /// hosted (dispatcher): the work's name.
    std::string_view hostLabel() const noexcept { return kind == EventKind::Hosted ? std::string_view(aux) : std::string_view(); }
    /// hosted (done): what the work says of itself.
    bool hostOk() const noexcept { return kind == EventKind::Hosted && hostPhase() == HostPhase::Done && size != 0; }

    /// tls_handshake: what was negotiated (nullptr if none is attached).
    const TlsHandshakeInfo* tlsInfo() const noexcept { return kind == EventKind::TlsHandshake ? tls.get() : nullptr; }
    /// tls_close: how the TLS session ended.
    TlsCloseKind tlsCloseKind() const noexcept { return static_cast<TlsCloseKind>(sub); }
    /// intercept: what happened.
    InterceptAction interceptAction() const noexcept { return static_cast<InterceptAction>(sub); }
    /// intercept: the held message concerned (0: none, for on/off/full/room).
    std::uint64_t heldMessage() const noexcept {
        return kind == EventKind::Intercept ? static_cast<std::uint64_t>(count) : 0;
    }
    /// starttls: the dialogue ("smtp", "imap", "pop3", "ftp", "after-match").
    std::string_view startTlsProtocol() const noexcept {
        return kind == EventKind::StartTls ? std::string_view(info) : std::string_view();
    }

    /// loop, preview: the pass (nullptr if none is attached).
    const LoopTrace* loopTrace() const noexcept { return trace.get(); }
    /// channel_state: the snapshot; closed: the final state (decoded from a
    /// file: its four counters only). nullptr if none is attached.
    const ChannelState* channelState() const noexcept { return state.get(); }

    /// Field-by-field equality; attachments compare by value.
    friend bool operator==(const Event& a, const Event& b);

private:
    bool isConnection() const noexcept { return kind == EventKind::Accepted || kind == EventKind::Connected; }
    bool isWater() const noexcept { return kind == EventKind::HighWater || kind == EventKind::LowWater; }
    bool isDatagram() const noexcept { return kind == EventKind::Datagram || kind == EventKind::DatagramSent; }
    bool hasTerminator() const noexcept {
        return kind == EventKind::FoundTerminator || kind == EventKind::TerminatorSet;
    }
};

}  // namespace engine
