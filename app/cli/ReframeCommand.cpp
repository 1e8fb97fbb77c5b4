// ReframeCommand.cpp — `linewright-cli reframe`: a recorded stream framed
// again, offline, with another terminator.
#include "app/cli/ToolCommands.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/Reframer.h"

namespace cli {

int runReframe(const ToolOptions& o, std::FILE* out, std::FILE* err) {
    auto session = loadSession(o.input, err);
    if (!session) return 1;
    const auto conversations = engine::extractConversations(session->events, session->header.level);
    const engine::Conversation* c = pickConversation(conversations, o, err);
    if (!c) return 1;
    const engine::StreamDirection* d = &c->in;
    std::string which = "received on";
    switch (o.direction) {
    case ReframeDirection::Received: break;
    case ReframeDirection::Sent: d = &c->out; which = "sent on"; break;
    case ReframeDirection::ClientToServer: d = &c->clientToServer(); which = "the client sent on"; break;
    case ReframeDirection::ServerToClient: d = &c->serverToClient(); which = "the server sent on"; break;
    }
    if (!d->recorded) {
        sayTo(err, o.input + ": the bytes " + which + " channel " + std::to_string(c->channel) +
                       " are not in the session (level '" + session->header.level + "')");
        return 1;
    }

    // Chunk by chunk, as they were read or written.
    engine::Reframer framer{engine::TerminatorSchedule(*o.reframeTerminator)};
    for (const engine::StreamChunk& ch : d->chunks)
        framer.feed(std::string_view(d->bytes).substr(static_cast<std::size_t>(ch.offset), static_cast<std::size_t>(ch.size)),
                    ch.tUs, ch.seq);
    framer.finish();
    std::size_t terminated = 0;
    std::uint64_t tail = 0;
    for (const engine::FramedMessage& m : framer.messages()) {
        std::string line = "< ";
        engine::appendEscaped(line, m.body);
        if (m.terminated) {
            ++terminated;
        } else {
            line += "  [unterminated]";
            tail = m.body.size();
        }
        std::fprintf(out, "%s\n", line.c_str());
    }
    std::fflush(out);

    std::size_t recordedTerminated = 0;
    for (const engine::StreamMessage& m : d->messages)
        if (m.terminated) ++recordedTerminated;
    std::string summary = std::to_string(framer.messages().size()) + " messages from the " +
                          std::to_string(d->bytes.size()) + " bytes " + which + " channel " +
                          std::to_string(c->channel) + " with " + terminatorText(*o.reframeTerminator) + " (" +
                          std::to_string(terminated) + " terminated" +
                          (tail ? ", then an unterminated tail of " + std::to_string(tail) + " bytes" : std::string()) + ")";
    const bool receivedSide = d == &c->in;
    if (receivedSide) {
        summary += "; as recorded";
        if (c->inputTerminator) summary += " (" + terminatorText(*c->inputTerminator) + ")";
        summary += ": " + std::to_string(recordedTerminated) + " found_terminator";
    } else {
        summary += "; as recorded: " + std::to_string(d->messages.size()) + " pushes";
    }
    sayTo(err, summary);
    return 0;
}

}  // namespace cli
