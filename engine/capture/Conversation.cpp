// Conversation.cpp — from events to per-connection byte streams.
#include "engine/capture/Conversation.h"

#include "engine/capture/TlsText.h"

#include <algorithm>
#include <deque>
#include <map>

namespace engine {

bool Conversation::serverClosed() const noexcept {
    if (!closed) return false;
    if (localIsClient()) return closeReason == CloseReason::Peer;
    // On the server side a "shutdown" close is the tool being stopped, not
    // the protocol ending the connection.
    return closeReason == CloseReason::Local && closeDetail != "shutdown";
}

bool Conversation::clientClosed() const noexcept {
    if (localIsClient())
        return halfClosedUs >= 0 || (closed && closeReason == CloseReason::Local && closeDetail != "shutdown");
    return closed && closeReason == CloseReason::Peer;
}

namespace {

struct PendingPush {
    std::int64_t size = 0;  // -1: unknown until its producer is exhausted
    std::int64_t tUs = 0;
    std::uint64_t seq = 0;
};

struct Builder {
    Conversation c;
    bool isConnection = false;         // not a listener, not the reactor
    std::uint64_t inMessageStart = 0;  // stream offset where the current in message began
    std::vector<PendingPush> pushes;
    std::deque<std::size_t> filePushes;  // pushes whose producer is a file, oldest first
    bool sawSent = false;
    bool sawPush = false;
    bool sawCollect = false;
    ChannelId upstream = 0;  // accepted by a proxying listener: its upstream leg

    void appendIn(std::string_view data, const Event& e) {
        if (data.empty()) return;
        c.in.chunks.push_back({c.in.bytes.size(), data.size(), e.tUs, e.seq});
        c.in.bytes.append(data);
    }
    void appendOut(std::string_view data, const Event& e) {
        if (data.empty()) return;
        c.out.chunks.push_back({c.out.bytes.size(), data.size(), e.tUs, e.seq});
        c.out.bytes.append(data);
    }

    void found(const Event& e) {
        const Terminator inForce = e.terminator();
        Terminator framing = inForce;
        std::uint64_t termSize = 0;
        if (inForce.isBytes()) {
            appendIn(inForce.bytesValue(), e);
            termSize = inForce.bytesValue().size();
        } else if (inForce.isCount()) {
            // asynchat reports count 0 inside found_terminator (R8): the
            // record's size is the count that framed it.
            framing = Terminator::count(e.messageSize() > 0 ? e.messageSize() : 0);
        }
        StreamMessage m;
        m.offset = inMessageStart;
        m.size = c.in.bytes.size() - inMessageStart;
        m.tUs = m.wireUs = e.tUs;
        m.seq = m.wireSeq = e.seq;
        m.terminated = true;
        m.terminator = framing;
        m.terminatorSize = termSize;
        c.in.messages.push_back(std::move(m));
        inMessageStart = c.in.bytes.size();
        c.inputTerminator = framing;
    }

    void finish() {
        // The unterminated tail of the input.
        if (c.in.bytes.size() > inMessageStart) {
            StreamMessage m;
            m.offset = inMessageStart;
            m.size = c.in.bytes.size() - inMessageStart;
            const StreamChunk& last = c.in.chunks.back();
            m.tUs = m.wireUs = last.tUs;
            m.seq = m.wireSeq = last.seq;
            m.terminated = false;
            if (c.inputTerminator) m.terminator = *c.inputTerminator;
            c.in.messages.push_back(std::move(m));
        }
        // Output messages: one per push, clipped to what was actually sent.
        const std::uint64_t total = c.out.bytes.size();
        std::uint64_t at = 0;
        for (std::size_t i = 0; i < pushes.size() && at < total; ++i) {
            const PendingPush& p = pushes[i];
            std::uint64_t size = 0;
            if (p.size >= 0) {
                size = static_cast<std::uint64_t>(p.size);
            } else {
                // Unknown and never resolved: up to the next push of known
                // size would be a guess; take the rest of what was sent.
                std::uint64_t later = 0;
                for (std::size_t j = i + 1; j < pushes.size(); ++j)
                    if (pushes[j].size > 0) later += static_cast<std::uint64_t>(pushes[j].size);
                size = total - at > later ? total - at - later : total - at;
            }
            if (size == 0) continue;  // push(b"") sends nothing
            size = std::min(size, total - at);
            StreamMessage m;
            m.offset = at;
            m.size = size;
            m.tUs = p.tUs;
            m.seq = p.seq;
            c.out.messages.push_back(std::move(m));
            at += size;
        }
        if (at < total) {
            // Bytes no push accounts for (a session written by another tool):
            // one message per sent chunk.
            for (const StreamChunk& ch : c.out.chunks) {
                if (ch.offset + ch.size <= at) continue;
                StreamMessage m;
                m.offset = std::max(ch.offset, at);
                m.size = ch.offset + ch.size - m.offset;
                m.tUs = ch.tUs;
                m.seq = ch.seq;
                c.out.messages.push_back(std::move(m));
            }
        }
        // When each message's first byte went out.
        std::size_t k = 0;
        for (StreamMessage& m : c.out.messages) {
            while (k < c.out.chunks.size() && c.out.chunks[k].offset + c.out.chunks[k].size <= m.offset) ++k;
            if (k < c.out.chunks.size()) {
                m.wireUs = c.out.chunks[k].tUs;
                m.wireSeq = c.out.chunks[k].seq;
            }
        }
    }
};

/// The addresses and the moment of an `accepted` or `connected` event.
void noteConnected(Conversation& c, const Event& e) {
    c.peer = e.peer();
    c.local = e.local();
    c.connectedUs = e.tUs;
    c.connectedSeq = e.seq;
}

/// One proxied connection from its two legs: the accepted leg `a` (the real
/// client on its far side) received what the client sent; the upstream leg
/// `u` (the real server on its far side) received what the server sent. The
/// result reads as a recording made by the client: out is the client's
/// stream as the accepted leg framed it, in the server's as the upstream leg
/// framed it, local the client's address, peer the server's.
Conversation joinProxyLegs(const Conversation& a, const Conversation& u, bool sawCollect) {
    Conversation c;
    c.channel = a.channel;
    c.proxyUpstream = u.channel;
    c.role = ChannelRole::Client;
    c.parent = a.parent;
    c.local = a.peer;
    c.peer = u.peer;
    c.proxyAddress = a.local;
    c.firstUs = a.firstUs;
    c.firstSeq = a.firstSeq;
    c.connectedUs = u.connectedUs;
    c.connectedSeq = u.connectedSeq;
    // The client's half-close reached the server as the upstream leg's.
    c.halfClosedUs = u.halfClosedUs;
    c.halfClosedSeq = u.halfClosedSeq;
    // How the server's side ended says who closed first: a `closed` by the
    // peer on the upstream leg is the server's close; a local close there
    // follows the client's.
    c.closed = u.closed || a.closed;
    const Conversation& ender = u.closed ? u : a;
    c.closeReason = ender.closeReason;
    if (!u.closed && a.closed && a.closeReason == CloseReason::Peer) c.closeReason = CloseReason::Local;
    c.closeDetail = ender.closeDetail;
    c.closeErrno = ender.closeErrno;
    c.closedUs = ender.closedUs;
    c.closedSeq = ender.closedSeq;
    c.closedBytesIn = u.closedBytesIn;
    c.closedBytesOut = a.closedBytesIn;
    c.lastUs = std::max(a.lastUs, u.lastUs);
    c.inputTerminator = u.inputTerminator;
    c.in = u.in;
    c.out = a.in;
    // What the accepted leg received is what the client sent: recorded with
    // its collect events, framed by the accepted leg's terminators.
    c.out.recorded = a.in.recorded || sawCollect;
    c.tls = u.tls;
    return c;
}

}  // namespace

std::vector<Conversation> extractConversations(const std::vector<Event>& events, std::string_view level) {
    std::map<ChannelId, std::size_t> index;
    std::vector<Builder> builders;
    auto builderFor = [&](const Event& e) -> Builder& {
        auto [it, fresh] = index.try_emplace(e.channel, builders.size());
        if (fresh) {
            builders.emplace_back();
            builders.back().c.channel = e.channel;
            builders.back().c.firstUs = e.tUs;
            builders.back().c.firstSeq = e.seq;
        }
        Builder& b = builders[it->second];
        b.c.lastUs = e.tUs;
        return b;
    };

    for (const Event& e : events) {
        if (e.channel == kReactorChannel) continue;
        Builder& b = builderFor(e);
        Conversation& c = b.c;
        switch (e.kind) {
        case EventKind::Listening: b.isConnection = false; c.role = ChannelRole::Listener; break;
        case EventKind::Accepted:
            b.isConnection = true;
            c.role = ChannelRole::Accepted;
            c.parent = e.listener();
            b.upstream = e.upstream();
            noteConnected(c, e);
            break;
        case EventKind::Connecting:
            if (c.role != ChannelRole::Accepted) {
                b.isConnection = true;
                c.role = ChannelRole::Client;
                c.peer = e.address();  // the address tried; `connected` confirms it
            }
            break;
        case EventKind::Connected:
            if (c.role != ChannelRole::Accepted) {
                b.isConnection = true;
                c.role = ChannelRole::Client;
            }
            noteConnected(c, e);
            break;
        case EventKind::Collect:
        case EventKind::Received:  // a hosted plain dispatcher: what recv() returned
            b.sawCollect = true;
            b.appendIn(e.bytes(), e);
            break;
        case EventKind::FoundTerminator:
            b.sawCollect = true;
            b.found(e);
            break;
        case EventKind::TerminatorSet: {
            Terminator t = e.terminator();
            c.inputTerminator = t;
            break;
        }
        case EventKind::Warning:
            // The partial terminator asynchat held back at end of file: bytes
            // that were received but never delivered.
            if (e.warningCode() == WarningCode::Residue) b.appendIn(e.bytes(), e);
            break;
        case EventKind::Push:
            b.sawPush = true;
            b.pushes.push_back({e.pushedSize() < 0 ? -1 : e.pushedSize(), e.tUs, e.seq});
            if (e.producerKind() == ProducerKind::File) b.filePushes.push_back(b.pushes.size() - 1);
            break;
        case EventKind::Sent:
            b.sawSent = true;
            b.appendOut(e.bytes(), e);
            break;
        case EventKind::ProducerExhausted:
            if (e.producerKind() == ProducerKind::File && !b.filePushes.empty()) {
                const std::size_t i = b.filePushes.front();
                b.filePushes.pop_front();
                if (b.pushes[i].size < 0) {
                    // Everything sent so far, minus the pushes before it.
                    std::int64_t before = 0;
                    bool known = true;
                    for (std::size_t j = 0; j < i; ++j) {
                        if (b.pushes[j].size < 0) known = false;
                        before += std::max<std::int64_t>(b.pushes[j].size, 0);
                    }
                    const auto sent = static_cast<std::int64_t>(c.out.bytes.size());
                    if (known && sent >= before) b.pushes[i].size = sent - before;
                }
            }
            break;
        case EventKind::StartTls:
        case EventKind::TlsHandshake:
        case EventKind::TlsClose: {
            TlsMark m;
            m.kind = e.kind;
            m.tUs = e.tUs;
            m.seq = e.seq;
            m.inOffset = c.in.bytes.size();
            m.outOffset = c.out.bytes.size();
            m.text = tlsEventText(e);
            if (e.kind == EventKind::TlsHandshake) m.handshake = e.tls;
            c.tls.push_back(std::move(m));
            break;
        }
        case EventKind::HalfClosed:
            c.halfClosedUs = e.tUs;
            c.halfClosedSeq = e.seq;
            break;
        case EventKind::Closed:
            c.closed = true;
            c.closeReason = e.closeReason();
            c.closeDetail = e.detail();
            c.closeErrno = e.errorCode();
            c.closedUs = e.tUs;
            c.closedSeq = e.seq;
            if (const ChannelState* state = e.channelState()) {
                c.closedBytesIn = static_cast<std::int64_t>(state->bytesIn);
                c.closedBytesOut = static_cast<std::int64_t>(state->bytesOut);
            }
            break;
        default: break;
        }
    }

    std::vector<Conversation> out;
    for (Builder& b : builders) {
        if (!b.isConnection) continue;
        b.finish();
        Conversation& c = b.c;
        if (level.empty()) {
            // Not stated: infer it from what is there.
            c.in.recorded = b.sawCollect || c.closedBytesIn <= 0;
            c.out.recorded = b.sawSent || (!b.sawPush && c.closedBytesOut <= 0);
        } else {
            c.in.recorded = level == "full" || level == "messages";
            c.out.recorded = level == "full";
        }
    }

    // Proxied connections: the accepted leg and its upstream leg become one
    // conversation between the real client and the real server.
    std::vector<bool> absorbed(builders.size(), false);
    for (std::size_t i = 0; i < builders.size(); ++i) {
        Builder& a = builders[i];
        if (!a.isConnection || a.upstream == 0) continue;
        auto it = index.find(a.upstream);
        if (it == index.end() || !builders[it->second].isConnection) continue;
        const Builder& u = builders[it->second];
        if (u.c.role != ChannelRole::Client) continue;
        a.c = joinProxyLegs(a.c, u.c, a.sawCollect);
        absorbed[it->second] = true;
    }
    for (std::size_t i = 0; i < builders.size(); ++i)
        if (builders[i].isConnection && !absorbed[i]) out.push_back(std::move(builders[i].c));
    return out;
}

const TlsHandshakeInfo* Conversation::tlsHandshake() const noexcept {
    for (auto it = tls.rbegin(); it != tls.rend(); ++it)
        if (it->handshake) return it->handshake.get();
    return nullptr;
}

const Conversation* selectConversation(const std::vector<Conversation>& conversations,
                                       std::optional<ChannelId> channel, std::string* error) {
    auto listing = [&] {
        std::string s;
        for (const Conversation& c : conversations) {
            if (!s.empty()) s += ", ";
            s += "#" + std::to_string(c.channel) + " (" + std::string(channelRoleName(c.role)) + ", " +
                 std::to_string(c.in.bytes.size() + c.out.bytes.size()) + " bytes)";
        }
        return s;
    };
    if (channel) {
        for (const Conversation& c : conversations)
            if (c.channel == *channel) return &c;
        if (error)
            *error = "the session has no connection on channel " + std::to_string(*channel) +
                     (conversations.empty() ? std::string(" (it has no connections at all)")
                                            : "; its connections are " + listing());
        return nullptr;
    }
    for (const Conversation& c : conversations)
        if (c.hasTraffic()) return &c;
    if (error)
        *error = conversations.empty() ? std::string("the session has no connections")
                                       : "no connection in the session carried any bytes (connections: " + listing() + ")";
    return nullptr;
}

}  // namespace engine
