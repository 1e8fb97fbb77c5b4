// ReplayScript.h — a recorded conversation as a script: what the client
// said, what the server answered, and which answer came before which
// request.
//
// What it does: ReplayScript::build() turns one Conversation (Conversation.h)
// into the two sides a replay needs, whichever side the recording was made on:
//   requests  the client's messages, in order: the pushes of a recorded
//             client, or the messages a recorded server framed with
//             found_terminator (plus an unterminated tail);
//   replies   the server's byte stream framed into messages by the reply
//             framing (Reframer.h, i.e. asynchat's own loop). For a recorded
//             client that is the terminators it framed them with, message
//             by message, so the replies are exactly its found_terminator
//             messages; for a recorded server it is the channel's terminator
//             when every reply ends with it, else the recorded reply sizes;
//   serverChunks  the server's bytes as they were produced (pushes of a
//             recorded server, reads of a recorded client), in order, with
//             their positions: what the replies are framed from.
// Order between the two directions comes from the events' seq: a reply
// precedes a request when it had arrived (client side) or had been pushed
// (server side) before the request went out (client side: its first `sent`)
// or was received (server side: its found_terminator). Lockstep replay waits
// for `repliesBefore` replies before sending a request; a mock sends each
// reply after the request it `answers`.
// A server-side recording says exactly which request each reply followed. A
// client-side one cannot when the client sent several requests back to back
// (pipelined, or typed ahead): every reply then came after the last of them.
// For a mock that would stall a client waiting for each answer (or for a
// greeting), so the replies that followed such a run of k requests are dealt
// out one per request, the rest to the last; and when the run opens the
// conversation and more than k replies followed it, the first extra ones are
// taken for a greeting the server sent on its own. A greeting can also cross
// the first request of a typed-ahead client (it arrived after that request
// went out, before the next): when the requests were typed ahead, no reply
// was taken for a greeting, there is exactly one reply more than requests and
// each reply came after the request it would answer, the first reply is the
// greeting and the others answer one request each, in order.
// How the connection ended is kept too: whether the client half-closed, and
// whether the server closed it. A connection upgraded with STARTTLS keeps
// where (startTls): its requests and replies are the plaintext on both sides
// of the upgrade, the dialogue (EHLO, STARTTLS and their answers) included.
// What it owns: copies of the bytes.
// Threads: a plain value; any thread.
#pragma once

#include "engine/capture/Conversation.h"
#include "engine/capture/Reframer.h"
#include "engine/asyncore/Terminator.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace engine {

struct ScriptRequest {
    std::string bytes;              ///< As sent, terminator included.
    std::int64_t tUs = 0;           ///< When it went out (µs since the session start).
    std::uint64_t position = 0;     ///< Its place in the recording (an event seq).
    std::size_t repliesBefore = 0;  ///< Replies complete before it was sent.
};

struct ScriptReply {
    FramedMessage message;           ///< message.tag is its position (an event seq).
    std::size_t requestsBefore = 0;  ///< Requests sent before it was complete.
    /// The request it answers (1-based; 0: a greeting, sent on connect),
    /// which is what a mock sends it after. Usually requestsBefore; see build().
    std::size_t answers = 0;
};

struct ScriptChunk {
    std::string bytes;
    std::int64_t tUs = 0;
    std::uint64_t position = 0;
};

struct ReplayScriptOptions {
    /// Frame the server's replies with this instead of the recorded framing.
    std::optional<Terminator> replyTerminator;
    /// Frame the client's requests (mock) with this instead of the default.
    std::optional<Terminator> requestTerminator;
};

struct ReplayScript {
    ChannelId channel = 0;
    bool recordedAsClient = true;   ///< The recording was made on the client side.
    std::string clientAddress;      ///< As recorded ("" if unknown).
    std::string serverAddress;
    std::int64_t connectedUs = 0;   ///< When the connection was up (the base of original pacing).

    std::vector<ScriptRequest> requests;
    std::vector<ScriptReply> replies;
    std::vector<ScriptChunk> serverChunks;
    TerminatorSchedule replyFraming;
    std::string replyFramingSource;    ///< "as recorded", "the channel's terminator '\n'", …
    TerminatorSchedule requestFraming;
    std::string requestFramingSource;

    bool clientHalfCloses = false;  ///< The client shut its side down after its last request…
    std::size_t halfCloseAfter = 0; ///< …once this many replies had come.
    bool serverCloses = false;      ///< The server closed the connection at the end.

    /// Where a STARTTLS upgrade happened (the recording's first `starttls`
    /// event): after this many requests had gone out and this many replies
    /// had come; the TLS handshake followed, and the rest is inside TLS.
    struct StartTlsPoint {
        std::size_t requests = 0;
        std::size_t replies = 0;
    };
    std::optional<StartTlsPoint> startTls;

    std::uint64_t requestBytes() const noexcept;
    std::uint64_t replyBytes() const noexcept;

    /// The script of `conversation`. nullopt and `error` set when it cannot
    /// be replayed (it carried no bytes, or the session's level left out the
    /// bytes of one direction).
    static std::optional<ReplayScript> build(const Conversation& conversation, const ReplayScriptOptions& options,
                                             std::string* error);
};

}  // namespace engine
