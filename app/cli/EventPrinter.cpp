// EventPrinter.cpp — events → stdout messages and stderr status lines.
#include "app/cli/EventPrinter.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/TlsText.h"

#include <algorithm>

namespace cli {

using engine::Event;
using engine::EventKind;

EventPrinter::EventPrinter(std::FILE* out, std::FILE* err, bool listen, bool framed)
    : m_out(out), m_err(err), m_listen(listen), m_framedDefault(framed) {}

const EventPrinter::Leg* EventPrinter::legOf(engine::ChannelId ch) const {
    if (!m_proxy) return nullptr;
    auto it = m_legs.find(ch);
    return it == m_legs.end() ? nullptr : &it->second;
}

std::string EventPrinter::channelTag(engine::ChannelId ch) const {
    if (const Leg* leg = legOf(ch)) return "#" + std::to_string(leg->connection) + (leg->upstream ? " upstream: " : " ");
    return m_listen ? "#" + std::to_string(ch) + " " : std::string();
}

void EventPrinter::message(engine::ChannelId ch, std::string_view bytes, const char* note, std::string_view more) {
    if (const Leg* leg = legOf(ch)) {
        m_outBuf += "#" + std::to_string(leg->connection) + (leg->upstream ? " < " : " > ");
    } else {
        m_outBuf += channelTag(ch);
        m_outBuf += "< ";
    }
    engine::appendEscaped(m_outBuf, bytes);
    engine::appendEscaped(m_outBuf, more);
    if (note) {
        m_outBuf += "  [";
        m_outBuf += note;
        m_outBuf += "]";
    }
    m_outBuf += '\n';
    if (m_outBuf.size() >= kFlushAt) flushOut();
}

void EventPrinter::collectPart(engine::ChannelId ch, std::string_view data) {
    std::string& part = m_partial[ch];
    // A message that reaches a piece is printed as it comes: held, it would
    // grow with whatever a peer sends before its terminator.
    while (part.size() + data.size() >= kPrintChunk) {
        const std::size_t take = kPrintChunk - part.size();
        message(ch, part, "continues", data.substr(0, take));
        m_continued.insert(ch);
        m_held -= part.size();
        part.clear();
        data.remove_prefix(take);
    }
    part.append(data);
    m_held += data.size();
    m_peakHeld = std::max(m_peakHeld, m_held);
}

void EventPrinter::endMessage(engine::ChannelId ch, const char* note, bool always) {
    auto it = m_partial.find(ch);
    const bool continued = m_continued.erase(ch) != 0;
    const std::string_view held = it == m_partial.end() ? std::string_view() : std::string_view(it->second);
    // After a "[continues]" piece the message's last line comes even when it
    // holds nothing more: it says how the message ended.
    if (always || continued || !held.empty()) message(ch, held, note);
    if (it != m_partial.end()) {
        m_held -= it->second.size();
        it->second.clear();
    }
}

void EventPrinter::flushOut() {
    if (m_outBuf.empty()) return;
    if (std::fwrite(m_outBuf.data(), 1, m_outBuf.size(), m_out) != m_outBuf.size() || std::fflush(m_out) != 0)
        m_outFailed = true;
    m_outBuf.clear();
}

void EventPrinter::status(engine::ChannelId ch, const std::string& text) {
    // A status line may quote what a peer, a name server or an argument said
    // (an address, an error): escaped as every other line, one line.
    m_errBuf += "linewright-cli: " + (ch ? channelTag(ch) : std::string()) + engine::terminalSafe(text) + "\n";
}

void EventPrinter::print(const std::vector<Event>& events) {
    for (const Event& e : events) one(e);
    flushOut();
    if (!m_errBuf.empty()) {
        std::fwrite(m_errBuf.data(), 1, m_errBuf.size(), m_err);
        std::fflush(m_err);
        m_errBuf.clear();
    }
}

void EventPrinter::one(const Event& e) {
    const engine::ChannelId ch = e.channel;
    switch (e.kind) {
    case EventKind::Collect: {
        auto f = m_framed.find(ch);
        const bool framed = f == m_framed.end() ? m_framedDefault.load() : f->second;
        if (framed)
            collectPart(ch, e.data);
        else
            message(ch, e.data);
        break;
    }
    case EventKind::FoundTerminator: endMessage(ch, nullptr, true); break;
    case EventKind::TerminatorSet:
        m_framed[ch] = e.terminator().framesInput();
        // A proxy's terminators change by command (proxy --commands): say when each took effect.
        if (m_proxy) status(ch, "terminator set to '" + engine::terminatorSpec(e.terminator()) + "'");
        break;
    case EventKind::Connected:
        status(legOf(ch) ? ch : 0, "connected to " + e.info + " (from " + e.aux + ")");
        break;
    case EventKind::Accepted:
        if (m_proxy && e.upstream() != 0) {
            m_legs[ch] = Leg{ch, false};
            m_legs[e.upstream()] = Leg{ch, true};
            m_framed[e.upstream()] = m_serverFramed;
        }
        status(ch, "accepted from " + e.info);
        break;
    case EventKind::HalfClosed: status(ch, "sent end-of-file (half-closed); still reading"); break;
    case EventKind::Closed: {
        endMessage(ch, "unterminated", false);
        m_partial.erase(ch);
        m_framed.erase(ch);
        m_closed.insert(ch);
        if (!m_listen) {
            // A client's failures (refused, reset, …) end the run; the
            // session reports them in its one final line.
            if (e.closeReason() == engine::CloseReason::Peer && e.error == 0)
                status(0, "connection closed by peer");
            else if (e.closeReason() == engine::CloseReason::Local)
                status(0, "connection closed (" + e.info + ")");
            break;
        }
        std::string line;
        switch (e.closeReason()) {
        case engine::CloseReason::Peer: line = "closed by peer (" + e.info + ")"; break;
        case engine::CloseReason::Local: line = "closed (" + e.info + ")"; break;
        case engine::CloseReason::Error: line = "closed on error (" + e.info + ")"; break;
        }
        if (e.state && e.state->role != engine::ChannelRole::Listener && e.closeReason() != engine::CloseReason::Error)
            line += ", " + std::to_string(e.state->bytesIn) + " bytes in, " + std::to_string(e.state->bytesOut) +
                    " out";
        status(ch, line);
        m_legs.erase(ch);
        break;
    }
    case EventKind::Error:
        // After a channel's `closed`, errors about it come from our own
        // commands racing with the close (a stdin line, end of stdin): not
        // worth a line. In connect mode the message reads exactly like the
        // final failure line, which is then not repeated.
        if (ch != 0 && m_closed.count(ch)) break;
        status(ch, (m_listen ? "error: " : "") + e.info);
        m_said.insert(e.info);
        break;
    case EventKind::Warning:
        if (e.warningCode() == engine::WarningCode::NoTerminator)
            endMessage(ch, "no terminator within the message limit", false);
        if (e.warningCode() == engine::WarningCode::Residue) {
            status(ch, "warning: " + e.info + ": " + engine::renderEscaped(e.data));
        } else if (e.warningCode() != engine::WarningCode::Unterminated) {
            // (an unterminated message is printed with its bytes instead)
            status(ch, "warning: " + e.info);
        }
        break;
    case EventKind::HighWater:
        status(ch, "backpressure: " + std::to_string(e.size) + " bytes queued (mark " + std::to_string(e.count) + ")");
        break;
    case EventKind::LowWater: status(ch, "backpressure over"); break;
    case EventKind::StartTls:
    case EventKind::TlsClose: status(ch, engine::tlsEventText(e)); break;
    case EventKind::TlsHandshake:
        // (TlsText.h escapes what the peer's certificate says)
        status(ch, engine::tlsEventText(e));
        if (const engine::TlsHandshakeInfo* t = e.tlsInfo())
            for (std::size_t i = 0; i < t->peerChain.size(); ++i)
                status(ch, "  " + engine::certificateText(t->peerChain[i], i));
        break;
    default: break;
    }
}

}  // namespace cli
