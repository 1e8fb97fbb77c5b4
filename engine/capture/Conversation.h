// Conversation.h — one recorded TCP connection, as byte streams and messages.
//
// What it does: extractConversations() walks a session's events and gives,
// for every channel that carried a connection (a client, or a connection a
// listener accepted), the two byte streams exactly as they crossed the wire
// and where the messages in them begin and end:
//   in   what the channel received: its `collect` bytes with the bytes of
//        each bytes terminator put back at every `found_terminator` (asynchat
//        consumes them), and at the end the held-back partial terminator a
//        `residue` warning reports. Messages end at each `found_terminator`;
//        what follows the last one is an unterminated tail.
//   out  what the channel sent: its `sent` bytes. Messages are the `push`
//        events, in order (a push of unknown size — a file that is not a
//        regular file — ends when its producer is exhausted).
// Each stream keeps its chunks (one per event, with time and seq), so
// exporters can rebuild packets and replay can tell which bytes of one
// direction preceded which message of the other. The protocol view (client
// to server, server to client) follows from the role: a client channel has
// the client on the local side, an accepted channel has the server there.
// A channel that ran TLS keeps its TLS events (starttls, tls_handshake,
// tls_close) as marks, each with how far each stream had got: the streams
// are the plaintext, as the channel saw it.
// What it owns: copies of the bytes; nothing else.
// Threads: plain values and pure functions; any thread.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/capture/EventJson.h"
#include "engine/asyncore/Terminator.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engine {

/// A run of stream bytes that one event carried.
struct StreamChunk {
    std::uint64_t offset = 0;  ///< Where it starts in the direction's stream.
    std::uint64_t size = 0;
    std::int64_t tUs = 0;      ///< The event's time (µs since the session start).
    std::uint64_t seq = 0;     ///< The event's seq.
};

/// A message within a direction's stream.
struct StreamMessage {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;     ///< Bytes on the wire, the terminator included.
    std::int64_t tUs = 0;       ///< `found_terminator` (in) or `push` (out) time.
    std::uint64_t seq = 0;      ///< …and its seq.
    /// When its first byte went out (out: the `sent` event that carried it;
    /// in: the same as tUs / seq). -1 / 0 when it was never sent.
    std::int64_t wireUs = -1;
    std::uint64_t wireSeq = 0;
    /// in: ended by found_terminator (false: the tail at the end). out: always true.
    bool terminated = true;
    /// in: the terminator that framed it (a count terminator as count:N of
    /// its size; asynchat's own report says count 0, R8). out: none.
    Terminator terminator;
    std::uint64_t terminatorSize = 0;  ///< Bytes of it that are terminator (bytes terminators).
};

/// One direction of a connection.
struct StreamDirection {
    /// The events that carry these bytes are in the session (its level was
    /// high enough): `collect` for in (level messages or full), `sent` for
    /// out (level full).
    bool recorded = false;
    std::string bytes;
    std::vector<StreamChunk> chunks;
    std::vector<StreamMessage> messages;

    std::string_view messageBytes(const StreamMessage& m) const {
        return std::string_view(bytes).substr(static_cast<std::size_t>(m.offset), static_cast<std::size_t>(m.size));
    }
};

/// A TLS event of a connection (starttls, tls_handshake, tls_close).
struct TlsMark {
    EventKind kind = EventKind::TlsHandshake;
    std::int64_t tUs = 0;
    std::uint64_t seq = 0;
    std::uint64_t inOffset = 0;   ///< Bytes received before it.
    std::uint64_t outOffset = 0;  ///< Bytes sent before it.
    std::string text;             ///< tlsEventText(): one line, terminal-safe.
    std::shared_ptr<const TlsHandshakeInfo> handshake;  ///< tls_handshake: what was negotiated.
};

struct Conversation {
    ChannelId channel = 0;
    ChannelRole role = ChannelRole::Client;  ///< Client or Accepted.
    ChannelId parent = 0;                    ///< Accepted: the listener.
    /// A proxied connection (both legs joined, see extractConversations):
    /// the upstream leg's channel; `channel` is the accepted leg's, role is
    /// Client (the conversation reads as recorded by the real client: local
    /// the client's address, peer the server's). 0 for any other connection.
    ChannelId proxyUpstream = 0;
    std::string proxyAddress;                ///< Proxied: the proxy's listening address the client reached.
    std::string local;                       ///< "127.0.0.1:50412", "[::1]:7000"; "" if never known.
    std::string peer;
    std::int64_t firstUs = 0;                ///< The channel's first event.
    std::uint64_t firstSeq = 0;
    /// `connected` or `accepted`; -1 when it never connected.
    std::int64_t connectedUs = -1;
    std::uint64_t connectedSeq = 0;
    /// `half_closed` (we shut our side down while still reading); -1 if not.
    std::int64_t halfClosedUs = -1;
    std::uint64_t halfClosedSeq = 0;
    bool closed = false;                     ///< A `closed` event ends it.
    CloseReason closeReason = CloseReason::Local;
    std::string closeDetail;                 ///< "eof", "close_when_done", an error message…
    int closeErrno = 0;
    std::int64_t closedUs = -1;
    std::uint64_t closedSeq = 0;
    /// The byte counters of the `closed` event; -1 when there is none.
    std::int64_t closedBytesIn = -1;
    std::int64_t closedBytesOut = -1;
    std::int64_t lastUs = 0;                 ///< The channel's last event.
    /// The terminator framing the channel's input when the session ended
    /// (the last found_terminator's or terminator_set's); nullopt if no event said.
    std::optional<Terminator> inputTerminator;
    StreamDirection in;   ///< Received by the channel.
    StreamDirection out;  ///< Sent by the channel.
    std::vector<TlsMark> tls;  ///< Its TLS events, in order.

    bool connectedEver() const noexcept { return connectedUs >= 0; }
    bool hasTraffic() const noexcept { return !in.bytes.empty() || !out.bytes.empty(); }
    /// The last TLS handshake (nullptr: the connection never ran TLS).
    const TlsHandshakeInfo* tlsHandshake() const noexcept;
    /// A client channel is the client; an accepted one is the server.
    bool localIsClient() const noexcept { return role == ChannelRole::Client; }
    const StreamDirection& clientToServer() const noexcept { return localIsClient() ? out : in; }
    const StreamDirection& serverToClient() const noexcept { return localIsClient() ? in : out; }
    const std::string& clientAddress() const noexcept { return localIsClient() ? local : peer; }
    const std::string& serverAddress() const noexcept { return localIsClient() ? peer : local; }
    /// The server closed the connection first (as far as the recording tells).
    bool serverClosed() const noexcept;
    /// The client ended its side first (a close, or a half-close).
    bool clientClosed() const noexcept;
};

/// Every connection of a session, in the order their channels appeared.
/// A proxied connection (an `accepted` naming its `upstream` leg) is one
/// conversation between the real client and the real server: the two legs'
/// received streams joined, reading as a client-side recording.
/// `level` is the header's level ("" when not recorded: then `sent` events
/// count as recorded when there are any, or when nothing was pushed).
std::vector<Conversation> extractConversations(const std::vector<Event>& events, std::string_view level = "full");

/// The conversation `channel` names, or (nullopt) the first that carried
/// bytes. nullptr and `error` set when there is none, with a message that
/// lists the channels there are.
const Conversation* selectConversation(const std::vector<Conversation>& conversations,
                                       std::optional<ChannelId> channel, std::string* error);

}  // namespace engine
