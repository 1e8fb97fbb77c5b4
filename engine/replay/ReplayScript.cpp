// ReplayScript.cpp — requests, replies and their order from a Conversation.
#include "engine/replay/ReplayScript.h"

#include "engine/asyncore/Escape.h"

#include <algorithm>

namespace engine {

std::uint64_t ReplayScript::requestBytes() const noexcept {
    std::uint64_t n = 0;
    for (const ScriptRequest& r : requests) n += r.bytes.size();
    return n;
}

std::uint64_t ReplayScript::replyBytes() const noexcept {
    std::uint64_t n = 0;
    for (const ScriptReply& r : replies) n += r.message.wireSize();
    return n;
}

namespace {

std::string quoted(const Terminator& t) {
    if (t.isBytes()) return "'" + renderEscaped(t.bytesValue()) + "'";
    if (t.isCount()) return "count:" + std::to_string(t.countValue());
    return "none";
}

// The framing a recorded found_terminator sequence used, message by message.
TerminatorSchedule recordedSchedule(const Conversation& c) {
    std::vector<Terminator> list;
    for (const StreamMessage& m : c.in.messages)
        if (m.terminated) list.push_back(m.terminator);
    Terminator after = c.inputTerminator ? *c.inputTerminator : (list.empty() ? Terminator::none() : list.back());
    if (after.isCount() && !list.empty() && list.back().isCount()) after = list.back();
    return TerminatorSchedule(std::move(list), std::move(after));
}

// Every message ends with `t` — and, when `alone`, holds it nowhere else
// (framing by `t` then gives back exactly these messages; otherwise it may
// cut one into several, which is fine for replies, compared framed alike on
// both sides, but not for requests, each of which a mock answers).
bool endsEach(const Terminator& t, const std::vector<std::string_view>& messages, bool alone) {
    if (!t.isBytes() || t.bytesValue().empty() || messages.empty()) return false;
    const std::string& tb = t.bytesValue();
    for (std::string_view m : messages) {
        if (m.size() < tb.size() || m.substr(m.size() - tb.size()) != tb) return false;
        if (alone && findTerminator(m, tb) != m.size() - tb.size()) return false;
    }
    return true;
}

TerminatorSchedule bySizes(const std::vector<std::string_view>& messages) {
    std::vector<Terminator> list;
    list.reserve(messages.size());
    for (std::string_view m : messages) list.push_back(Terminator::count(static_cast<long long>(m.size())));
    return TerminatorSchedule(std::move(list), Terminator::none());
}

// How one direction's messages are framed, and where that framing comes
// from: the given terminator; else, when the recording's side framed them
// (`framedBy`, "client" or "server"; null when it did not), the terminators
// it framed them with; else the channel's terminator when it ends each
// message (and, when `alone`, each only there: see endsEach()); else their
// recorded sizes.
void chooseFraming(const std::optional<Terminator>& given, const char* framedBy, const Conversation& c,
                   const std::vector<std::string_view>& messages, bool alone, const char* what,
                   TerminatorSchedule& framing, std::string& source) {
    if (given) {
        framing = TerminatorSchedule(*given);
        source = "the given terminator " + quoted(*given);
    } else if (framedBy) {
        framing = recordedSchedule(c);
        source = "the terminators the " + std::string(framedBy) + " framed them with (" + framing.describe() + ")";
    } else if (c.inputTerminator && endsEach(*c.inputTerminator, messages, alone)) {
        framing = TerminatorSchedule(*c.inputTerminator);
        source = "the channel's terminator " + quoted(*c.inputTerminator);
    } else {
        framing = bySizes(messages);
        source = "the sizes of the recorded " + std::string(what);
    }
}

// See the header: runs of requests sent back to back get one reply each.
void dealOutPipelinedReplies(ReplayScript& s) {
    std::size_t i = 0;
    while (i < s.requests.size()) {
        std::size_t k = 1;  // requests i … i+k-1 went out with no reply between them
        while (i + k < s.requests.size() && s.requests[i + k].repliesBefore == s.requests[i].repliesBefore) ++k;
        if (k >= 2) {
            const std::size_t first = s.requests[i].repliesBefore;
            std::size_t end = first;
            while (end < s.replies.size() && s.replies[end].requestsBefore == i + k) ++end;
            const std::size_t m = end - first;
            const std::size_t greeting = (i == 0 && first == 0 && m > k) ? m - k : 0;
            for (std::size_t j = first; j < end; ++j) {
                const std::size_t n = j - first;
                if (n < greeting)
                    s.replies[j].answers = 0;
                else
                    s.replies[j].answers = n - greeting < k - 1 ? i + 1 + (n - greeting) : i + k;
            }
        }
        i += k;
    }
}

// See the header: a typed-ahead conversation whose greeting crossed the first
// request (it arrived after that request went out, before the next one) is a
// greeting and one reply per request, when the counts and the order allow it.
void takeACrossedGreeting(ReplayScript& s) {
    const std::size_t q = s.requests.size();
    if (q < 2 || s.replies.size() != q + 1) return;
    bool pipelined = false, greeted = false;
    for (std::size_t i = 1; i < q; ++i) pipelined |= s.requests[i].repliesBefore == s.requests[i - 1].repliesBefore;
    for (const ScriptReply& r : s.replies) greeted |= r.answers == 0;
    if (!pipelined || greeted) return;
    for (std::size_t j = 1; j <= q; ++j)
        if (s.replies[j].requestsBefore < j) return;  // reply j came before request j went out
    for (std::size_t j = 0; j <= q; ++j) s.replies[j].answers = j;
}

}  // namespace

std::optional<ReplayScript> ReplayScript::build(const Conversation& c, const ReplayScriptOptions& options,
                                                std::string* error) {
    const std::string who = "channel " + std::to_string(c.channel);
    const StreamDirection& c2s = c.clientToServer();
    const StreamDirection& s2c = c.serverToClient();
    if (!c.out.recorded) {
        if (error)
            *error = who + ": what it sent is not in the session (it was recorded below level 'full', without "
                           "'sent' events); record with --record or --json to replay it";
        return std::nullopt;
    }
    if (!c.in.recorded) {
        if (error)
            *error = who + ": what it received is not in the session (it was recorded at level 'lifecycle', "
                           "without 'collect' events)";
        return std::nullopt;
    }
    if (!c.hasTraffic()) {
        if (error) *error = who + ": the connection carried no bytes; there is nothing to replay";
        return std::nullopt;
    }

    ReplayScript s;
    s.channel = c.channel;
    s.recordedAsClient = c.localIsClient();
    s.clientAddress = c.clientAddress();
    s.serverAddress = c.serverAddress();
    s.connectedUs = c.connectedUs >= 0 ? c.connectedUs : c.firstUs;
    s.clientHalfCloses = c.localIsClient() && c.halfClosedUs >= 0;
    s.serverCloses = c.serverClosed();

    // Requests.
    std::vector<std::string_view> requestViews;
    for (const StreamMessage& m : c2s.messages) {
        ScriptRequest r;
        r.bytes.assign(c2s.messageBytes(m));
        if (s.recordedAsClient && m.wireUs >= 0) {
            r.tUs = m.wireUs;
            r.position = m.wireSeq;
        } else {
            r.tUs = m.tUs;
            r.position = m.seq;
        }
        s.requests.push_back(std::move(r));
    }
    for (const ScriptRequest& r : s.requests) requestViews.emplace_back(r.bytes);

    // What the server produced, piece by piece, in the recording's order.
    if (s.recordedAsClient) {
        for (const StreamChunk& ch : s2c.chunks)
            s.serverChunks.push_back({s2c.bytes.substr(static_cast<std::size_t>(ch.offset), static_cast<std::size_t>(ch.size)),
                                      ch.tUs, ch.seq});
    } else {
        for (const StreamMessage& m : s2c.messages)
            s.serverChunks.push_back({std::string(s2c.messageBytes(m)), m.tUs, m.seq});
    }

    // Reply framing.
    std::vector<std::string_view> replyViews;
    for (const StreamMessage& m : s2c.messages) replyViews.push_back(s2c.messageBytes(m));
    chooseFraming(options.replyTerminator, s.recordedAsClient ? "client" : nullptr, c, replyViews, false, "replies",
                  s.replyFraming, s.replyFramingSource);

    // Request framing (what a mock frames the client's messages with).
    chooseFraming(options.requestTerminator, s.recordedAsClient ? nullptr : "server", c, requestViews, true, "requests",
                  s.requestFraming, s.requestFramingSource);

    // The expected replies: the server's stream through asynchat's framing,
    // chunk by chunk so each reply knows when it was complete.
    Reframer framer(s.replyFraming);
    for (const ScriptChunk& ch : s.serverChunks) framer.feed(ch.bytes, ch.tUs, ch.position);
    framer.finish();
    for (FramedMessage& m : framer.takeMessages()) s.replies.push_back({std::move(m), 0});

    // Cross-references.
    std::size_t j = 0;
    for (ScriptRequest& r : s.requests) {
        while (j < s.replies.size() && s.replies[j].message.tag < r.position) ++j;
        r.repliesBefore = j;
    }
    std::size_t i = 0;
    for (ScriptReply& r : s.replies) {
        while (i < s.requests.size() && s.requests[i].position < r.message.tag) ++i;
        r.requestsBefore = i;
        r.answers = i;
    }
    if (s.recordedAsClient) {
        dealOutPipelinedReplies(s);
        takeACrossedGreeting(s);
    }
    if (s.clientHalfCloses)
        for (const ScriptReply& r : s.replies)
            if (r.message.tag < c.halfClosedSeq) ++s.halfCloseAfter;
    for (const TlsMark& m : c.tls) {
        if (m.kind != EventKind::StartTls) continue;
        ReplayScript::StartTlsPoint p;
        for (const ScriptRequest& r : s.requests)
            if (r.position < m.seq) ++p.requests;
        for (const ScriptReply& r : s.replies)
            if (r.message.tag < m.seq) ++p.replies;
        s.startTls = p;
        break;
    }
    return s;
}

}  // namespace engine
