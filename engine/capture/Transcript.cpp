// Transcript.cpp — events and conversations to escaped text lines.
#include "engine/capture/Transcript.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/TlsText.h"
#include "engine/capture/UtcTime.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>

namespace engine {

namespace {

struct Line {
    std::uint64_t seq = 0;
    int sub = 0;  // orders lines of one event
    std::int64_t tUs = 0;
    ChannelId channel = 0;
    std::string text;  // after the channel column
};

std::string quoted(const Terminator& t) {
    if (t.isBytes()) return "'" + renderEscaped(t.bytesValue()) + "'";
    if (t.isCount()) return "count:" + std::to_string(t.countValue());
    return "none";
}

std::string lifecycle(const Event& e) {
    using std::string;
    switch (e.kind) {
    case EventKind::Listening: return " listening on " + string(e.address());
    case EventKind::Accepted:
        return " accepted from " + string(e.peer()) + " on " + string(e.local()) + " (listener #" +
               std::to_string(e.listener()) + ")";
    case EventKind::Connecting:
        return " connecting to " + string(e.address()) + (e.host().empty() ? "" : " (" + string(e.host()) + ")");
    case EventKind::Connected: return " connected to " + string(e.peer()) + " from " + string(e.local());
    case EventKind::TerminatorSet: return " terminator set to " + quoted(e.terminator());
    case EventKind::HalfClosed: return " half-closed (our side is shut down; still reading)";
    case EventKind::CloseWhenDone: return " close_when_done";
    case EventKind::Discarded:
        return " discard_buffers: " + std::to_string(e.droppedBytes()) + " bytes, " +
               std::to_string(e.droppedEntries()) + " fifo entries";
    case EventKind::Closed: {
        const string detail(e.detail());
        string s = e.closeReason() == CloseReason::Peer    ? " closed by peer (" + detail + ")"
                   : e.closeReason() == CloseReason::Local ? " closed locally (" + detail + ")"
                                                           : " closed on error: " + detail;
        if (const ChannelState* state = e.channelState())
            s += ": " + std::to_string(state->bytesIn) + " bytes in, " + std::to_string(state->bytesOut) + " out";
        return s;
    }
    case EventKind::Error: return " error: " + string(e.message());
    case EventKind::Warning: return " warning: " + string(e.message());
    case EventKind::LimitReached: return " message limit reached (" + std::to_string(e.messageLimit()) + ")";
    case EventKind::Paused: return " paused";
    case EventKind::Resumed: return " resumed";
    case EventKind::Stopped: return " stopped";
    case EventKind::Hosted: return " example " + string(hostPhaseName(e.hostPhase())) + ": " + string(e.label());
    case EventKind::TlsHandshake:
    case EventKind::TlsClose:
    case EventKind::StartTls: return " " + tlsEventText(e);
    default: return {};
    }
}

// The wall-clock time of `tUs`: the header's start plus it (both from the
// file, so their sum may not fit: then formatUtc says the time is out of range).
std::string wallClock(std::int64_t startUnixUs, std::int64_t tUs) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    const std::int64_t us = tUs > 0   ? (startUnixUs > kMax - tUs ? kMax : startUnixUs + tUs)
                            : tUs < 0 ? (startUnixUs < kMin - tUs ? kMin : startUnixUs + tUs)
                                      : startUnixUs;
    return formatUtc(std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(us)));
}

}  // namespace

std::string Transcript::render(const SessionHeader& header, const std::vector<Event>& events,
                               const TranscriptOptions& options) {
    std::vector<Line> lines;
    for (const Event& e : events) {
        if (options.channel && e.channel != *options.channel && e.channel != kReactorChannel) continue;
        // Addresses, details and messages are the file's (or a peer's) text:
        // escaped, as a line (the bytes columns are escaped by renderEscaped).
        std::string text = terminalSafe(lifecycle(e));
        if (!text.empty()) lines.push_back({e.seq, 1, e.tUs, e.channel, std::move(text)});
        if (const TlsHandshakeInfo* t = e.tlsInfo())  // the peer's chain, a certificate a line
            for (std::size_t i = 0; i < t->peerChain.size(); ++i)
                lines.push_back({e.seq, static_cast<int>(2 + i), e.tUs, e.channel, "    " + certificateText(t->peerChain[i], i)});
    }
    for (const Conversation& c : extractConversations(events, header.level)) {
        if (options.channel && c.channel != *options.channel) continue;
        for (const StreamMessage& m : c.in.messages) {
            std::string text = "< ";
            appendEscaped(text, c.in.messageBytes(m));
            if (!m.terminated) text += "  [unterminated]";
            // At the event that ended it (a tail: at its last bytes).
            lines.push_back({m.seq, 0, m.tUs, c.channel, std::move(text)});
        }
        for (const StreamMessage& m : c.out.messages) {
            if (m.wireUs < 0) continue;
            std::string text = "> ";
            appendEscaped(text, c.out.messageBytes(m));
            lines.push_back({m.wireSeq, 0, m.wireUs, c.channel, std::move(text)});
        }
    }
    std::stable_sort(lines.begin(), lines.end(),
                     [](const Line& a, const Line& b) { return a.seq != b.seq ? a.seq < b.seq : a.sub < b.sub; });

    std::string out = "# linewright transcript of a session started " +
                      terminalSafe(header.start + " (" + header.tool + " " + header.toolVersion +
                                   (header.level.empty() ? "" : ", level " + header.level) + ")") +
                      "\n";
    out += "# '<' received by the channel, '>' sent by it; bytes escaped: \\r \\n \\t \\0 \\\\ \\xNN\n";
    out += options.wallClock ? "# times: UTC\n" : "# times: seconds since the start\n";
    char buf[64];
    for (const Line& l : lines) {
        if (options.wallClock) {
            out += wallClock(header.startUnixUs, l.tUs);
        } else {
            std::snprintf(buf, sizeof buf, "%12.6f", static_cast<double>(l.tUs) / 1e6);
            out += buf;
        }
        out += l.channel ? "  #" + std::to_string(l.channel) : std::string("    ");
        out += ' ';  // lifecycle texts start with a space of their own: "#2  closed …", "#2 < hello"
        out += l.text;
        out += '\n';
    }
    return out;
}

std::string Transcript::rawBytes(const Conversation& c, bool clientToServer) {
    return clientToServer ? c.clientToServer().bytes : c.serverToClient().bytes;
}

bool Transcript::writeFile(const std::string& path, std::string_view bytes, std::string* error,
                           const OutputFileOptions& file) {
    const bool toStdout = path == "-";
    std::FILE* f = toStdout ? stdout : openForWriting(path, file, error);
    if (!f) return false;
    errno = 0;
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    int err = errno;
    if (toStdout) {
        if (std::fflush(f) != 0 && ok) {
            ok = false;
            err = errno;
        }
    } else if (std::fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok && error) *error = "cannot write '" + (toStdout ? std::string("stdout") : path) + "': " + std::strerror(err ? err : EIO);
    return ok;
}

}  // namespace engine
