// SummaryCommand.cpp — `linewright-cli summary`: what a session file holds.
#include "app/cli/ToolCommands.h"

#include "engine/asyncore/Escape.h"

#include <cstdio>

namespace cli {

namespace {
std::string secondsText(std::int64_t us) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(us) / 1e6);
    return buf;
}
}  // namespace

int runSummary(const ToolOptions& o, std::FILE* out, std::FILE* err) {
    auto session = loadSession(o.input, err);
    if (!session) return 1;
    const engine::SessionHeader& h = session->header;
    const engine::SessionSummary& s = session->summary;
    // Everything quoted from the file (and its name) is escaped, one line each.
    const auto safe = [](const std::string& v) { return engine::terminalSafe(v); };
    std::string text;
    text += "session: " + safe(o.input) + "\n";
    text += "format: linewright-session v" + std::to_string(h.version) + ", written by " + safe(h.tool) + " " +
            safe(h.toolVersion) + (h.level.empty() ? "" : ", level " + safe(h.level)) +
            (h.backend.empty() ? "" : ", backend " + safe(h.backend)) + "\n";
    text += "started: " + safe(h.start) + "\n";
    text += "duration: " + secondsText(s.durationUs()) + " s\n";
    text += "events: " + std::to_string(s.events) +
            (s.stopped ? " (complete: it ends with 'stopped')"
                       : session->truncation.empty() ? " (incomplete: no 'stopped' event)"
                                                     : " (incomplete: the file was cut short)") +
            "\n";
    text += "channels: " + std::to_string(s.channels) + " (" + std::to_string(s.listeners) + " listening, " +
            std::to_string(s.connections) + " connections)\n";
    text += "bytes: " + std::to_string(s.bytesIn) + " received, " + std::to_string(s.bytesOut) + " sent\n";
    text += "messages: " + std::to_string(s.messagesIn) + " received (found_terminator), " +
            std::to_string(s.messagesOut) + " sent (push)\n";
    text += "errors: " + std::to_string(s.errors) + ", warnings: " + std::to_string(s.warnings) + "\n";
    const auto conversations = engine::extractConversations(session->events, h.level);
    for (const engine::Conversation& c : conversations) {
        std::string end;
        if (!c.closed) {
            end = "still open at the end";
        } else if (c.closeReason == engine::CloseReason::Peer) {
            end = "closed by peer (" + safe(c.closeDetail) + ")";
        } else if (c.closeReason == engine::CloseReason::Local) {
            end = "closed locally (" + safe(c.closeDetail) + ")";
        } else {
            end = "failed: " + safe(c.closeDetail);
        }
        std::size_t found = 0;
        for (const engine::StreamMessage& m : c.in.messages)
            if (m.terminated) ++found;
        text += "  #" + std::to_string(c.channel) + " " + std::string(engine::channelRoleName(c.role)) + ": client " +
                (c.clientAddress().empty() ? "?" : safe(c.clientAddress())) + ", server " +
                (c.serverAddress().empty() ? "?" : safe(c.serverAddress())) + "; " + std::to_string(c.in.bytes.size()) +
                " bytes received in " + std::to_string(found) + " messages, " + std::to_string(c.out.bytes.size()) +
                " bytes sent in " + std::to_string(c.out.messages.size()) + " pushes; " + end + "\n";
    }
    std::fputs(text.c_str(), out);
    std::fflush(out);
    return 0;
}

}  // namespace cli
