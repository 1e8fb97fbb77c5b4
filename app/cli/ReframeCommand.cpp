// ReframeCommand.cpp — `linewright-cli reframe`: a recorded stream framed
// again, offline, with another terminator.
#include "app/cli/ToolCommands.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/Reframer.h"
#include "engine/program/Presets.h"
#include "engine/program/ProgramFramer.h"

#include <algorithm>
#include <memory>

namespace cli {

int runPresets(const ToolOptions&, std::FILE* out, std::FILE* err) {
    const auto dir = engine::program::userPresetDir();
    const auto presets = engine::program::listPresets(dir);
    std::size_t width = 4;
    for (const auto& p : presets) width = std::max(width, p.name.size());
    int status = 0;
    for (const auto& p : presets) {
        std::string line = engine::terminalSafe(p.name);
        line.append(width + 2 - std::min(width, p.name.size()), ' ');
        if (!p.error.empty()) {
            line += "[does not parse] " + engine::terminalSafe(p.error);
            status = 1;
        } else {
            line += engine::terminalSafe(p.description);
        }
        if (p.user) line += "  (" + engine::terminalSafe(p.source) + (p.replacesBuiltin ? "; replaces the built-in one)" : ")");
        std::fprintf(out, "%s\n", line.c_str());
    }
    std::fflush(out);
    sayTo(err, "user presets: " + (dir.empty() ? std::string("(no folder: neither HOME nor LINEWRIGHT_PRESETS is set)")
                                               : engine::terminalSafe(dir.string())) +
                   " (*.lwp; LINEWRIGHT_PRESETS names another folder)");
    return status;
}

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

    if (!o.reframeTerminator) {
        // A protocol program: the runner switches the terminator inside found_terminator.
        std::vector<std::shared_ptr<const engine::program::Program>> programs;
        std::string error;
        if (!o.reframePreset.empty()) {
            auto p = engine::program::loadPreset(o.reframePreset, engine::program::userPresetDir(), &error);
            if (!p) {
                sayTo(err, "--preset: " + engine::terminalSafe(error));
                return 2;
            }
            programs.push_back(std::move(p));
        }
        for (const std::string& f : o.reframePrograms) {
            auto p = engine::program::loadProgramFile(f, &error);
            if (!p) {
                sayTo(err, engine::terminalSafe(error));
                return 2;
            }
            programs.push_back(std::move(p));
        }
        // Who sent these bytes: the recorded channel's peer for what it received.
        const bool clientChannel = c->role == engine::ChannelRole::Client;
        const bool fromServer = d == &c->serverToClient() || (d == &c->in && clientChannel) ||
                                (d == &c->out && !clientChannel);
        engine::program::ProgramFramer framer(programs,
                                              fromServer ? engine::program::Sender::Server
                                                         : engine::program::Sender::Client);
        // A program that tells the other direction something (`tell`, POP3)
        // needs the other direction's bytes too, framed beside these in the
        // recorded order (by the events' seq).
        const engine::StreamDirection* other = d == &c->in ? &c->out : &c->in;
        std::unique_ptr<engine::program::ProgramFramer> otherFramer;
        if (framer.runner().tells() && other->recorded) {
            otherFramer = std::make_unique<engine::program::ProgramFramer>(
                programs, fromServer ? engine::program::Sender::Client : engine::program::Sender::Server);
            otherFramer->setKeepMessages(false);
            otherFramer->runner().shareNotes(framer.runner().notes());
        }
        auto chunkOf = [](const engine::StreamDirection& dir, const engine::StreamChunk& ch) {
            return std::string_view(dir.bytes).substr(static_cast<std::size_t>(ch.offset),
                                                      static_cast<std::size_t>(ch.size));
        };
        std::size_t j = 0;
        for (const engine::StreamChunk& ch : d->chunks) {
            if (otherFramer)
                for (; j < other->chunks.size() && other->chunks[j].seq < ch.seq; ++j)
                    otherFramer->feed(chunkOf(*other, other->chunks[j]));
            framer.feed(chunkOf(*d, ch));
        }
        framer.finish();
        std::uint64_t groups = 0, lastGroup = 0;
        std::size_t terminated = 0;
        for (const auto& m : framer.messages()) {
            std::string line = "< ";
            if (m.terminated) {
                ++terminated;
                if (m.group != lastGroup) ++groups;
                lastGroup = m.group;
                line = "[" + std::to_string(m.group) + "] < ";
            }
            engine::appendEscaped(line, m.body);
            if (!m.terminated) line += "  [unterminated]";
            if (!m.rule.empty()) line += "  (" + engine::terminalSafe(m.rule) + ")";
            if (!m.mark.empty()) line += "  mark: " + engine::terminalSafe(m.mark);
            for (const auto& r : m.replies) {
                line += "  reply: ";
                engine::appendEscaped(line, r);
            }
            std::fprintf(out, "%s\n", line.c_str());
        }
        std::fflush(out);
        for (const auto& e : framer.errors()) sayTo(err, "warning: " + engine::terminalSafe(e));
        sayTo(err, std::to_string(framer.messages().size()) + " messages in " + std::to_string(groups) +
                       " groups from the " + std::to_string(d->bytes.size()) + " bytes " + which + " channel " +
                       std::to_string(c->channel) + " with " +
                       (o.reframePreset.empty() ? std::string("the program") : "the preset " + engine::terminalSafe(o.reframePreset)) +
                       " (" + std::to_string(terminated) + " terminated)");
        return 0;
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
