// Mocker.cpp — the mock thread (a LoopThread): a listener and one AsyncChat
// per client, each walking its script.
#include "engine/replay/Mocker.h"

#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Pattern.h"
#include "engine/asyncore/Escape.h"
#include "engine/net/SocketOps.h"
#include "engine/net/ThreadSafety.h"
#include "engine/reactor/LoopThread.h"
#include "engine/tls/PlainTap.h"
#include "engine/tls/TlsContext.h"
#include "engine/tls/TlsLayer.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace engine {

namespace {

// The replies to send in each slot: index 0 is the greeting (on connect),
// index i the answer to request i (1-based): [first, end) of s.replies.
std::vector<std::pair<std::size_t, std::size_t>> answerRanges(const ReplayScript& s) {
    std::vector<std::pair<std::size_t, std::size_t>> r;
    std::size_t at = 0;
    for (std::size_t slot = 0; slot <= s.requests.size(); ++slot) {
        std::size_t end = at;
        while (end < s.replies.size() && (s.replies[end].answers <= slot || slot == s.requests.size())) ++end;
        r.emplace_back(at, end);
        at = end;
    }
    return r;
}

// mock --match: the distinct recorded requests of a script, each with the
// requests (1-based slots) that recorded it, in order.
struct MatchEntry {
    std::string bytes;
    std::vector<std::size_t> slots;
};
struct MatchIndex {
    std::vector<MatchEntry> entries;
    std::size_t longest = 0;
};

MatchIndex matchIndex(const ReplayScript& s) {
    MatchIndex m;
    std::unordered_map<std::string, std::size_t> at;
    for (std::size_t i = 0; i < s.requests.size(); ++i) {
        const std::string& b = s.requests[i].bytes;
        if (b.empty()) continue;
        const auto [it, added] = at.emplace(b, m.entries.size());
        if (added) m.entries.push_back({b, {}});
        m.entries[it->second].slots.push_back(i + 1);
        m.longest = std::max(m.longest, b.size());
    }
    return m;
}

std::string describeMismatch(std::string_view expected, std::string_view got) {
    const auto where = std::mismatch(expected.begin(), expected.end(), got.begin(), got.end());
    const auto offset = static_cast<std::size_t>(where.second - got.begin());
    std::string s = "differs from the recording at byte " + std::to_string(offset) + ": expected \"";
    const std::size_t from = offset > 24 ? offset - 24 : 0;
    appendEscaped(s, expected.substr(std::min(from, expected.size()), 64));
    s += "\", received \"";
    appendEscaped(s, got.substr(from, 64));
    s += "\"";
    return s;
}

}  // namespace

class Mocker::Impl {
public:
    Impl(std::vector<ReplayScript> scripts, MockOptions options);
    ~Impl();

    bool start(Observer observer, std::string* error);
    void stop();
    bool wait(std::chrono::milliseconds timeout);
    bool finished() const;
    MockStats stats() const LW_EXCLUDES(m_mutex);
    std::string address() const LW_EXCLUDES(m_mutex) {
        MutexLock lock(m_mutex);
        return m_address;
    }
    std::uint16_t port() const LW_EXCLUDES(m_mutex) {
        MutexLock lock(m_mutex);
        return m_port;
    }
    std::string tlsFingerprint() const { return m_tlsContext ? m_tlsContext->localFingerprint() : std::string(); }

private:
    class Listener;
    class Client;
    friend class Listener;
    friend class Client;

    void listen();     // the mock thread's first step; throws when it cannot listen
    void closeAll();   // its last: every client, then the listener
    void emit(MockEvent e) {
        if (m_observer) m_observer(e);
    }
    void accepted(Socket sock, const Address& peer);
    void served(Client& c, std::shared_ptr<const TlsHandshakeInfo> tls);
    void clientGone(Client& c);
    template <class F>
    void count(F&& f) LW_EXCLUDES(m_mutex) {
        MutexLock lock(m_mutex);
        f(m_stats);
    }

    std::vector<ReplayScript> m_scripts;
    std::vector<std::vector<std::pair<std::size_t, std::size_t>>> m_ranges;
    std::vector<MatchIndex> m_match;  // options.match: per script
    MockOptions m_options;
    Observer m_observer;
    std::shared_ptr<tls::TlsContext> m_tlsContext;  // made by start() when options.tls.wanted(); read-only after
    bool m_startTls = false;                         // STARTTLS at each script's recorded point
    std::optional<Pattern> m_startTlsPattern;        // tls.startTlsAfter, checked against the request there

    // The mock thread, its Loop; what follows is its state.
    LoopThread m_loop;
    std::unique_ptr<Listener> m_listener;
    std::vector<Client*> m_clients;  // open clients (owned by the Loop through adopt())
    std::uint64_t m_nextClient = 1;
    bool m_stopping = false;

    bool m_launched = false;
    mutable Mutex m_mutex;
    MockStats m_stats LW_GUARDED_BY(m_mutex);
    std::string m_address LW_GUARDED_BY(m_mutex);
    std::uint16_t m_port LW_GUARDED_BY(m_mutex) = 0;
};

class Mocker::Impl::Listener final : public Dispatcher {
public:
    Listener(Impl& owner, Loop* loop) : Dispatcher(loop), m_owner(owner) {}
    bool writable() override { return false; }
    void handleAccept() override {
        // Take every pending connection (a burst of clients costs one wakeup).
        for (int i = 0; i < 64 && accepting; ++i) {
            std::optional<Accepted> a;
            try {
                a = accept();
            } catch (const std::system_error& e) {
                MockEvent ev;
                ev.kind = MockEvent::Kind::Error;
                ev.text = "accept failed: " + sockops::describe(e.code());
                m_owner.emit(std::move(ev));
                return;
            }
            if (!a) return;
            handleAccepted(std::move(a->sock), a->addr);
        }
    }
    void handleAccepted(Socket sock, const Address& peer) override { m_owner.accepted(std::move(sock), peer); }
    void handleClose() override { closeNoThrow(); }
    void handleError() override {}  // a failed accept is reported and the listener goes on

protected:
    std::string_view className() const override { return "MockListener"; }

private:
    Impl& m_owner;
};

class Mocker::Impl::Client final : public AsyncChat, private tls::TlsLayer::Listener {
public:
    Client(Impl& owner, Socket sock, std::uint64_t number, std::size_t script, Loop* loop)
        : AsyncChat(std::move(sock), loop), m_owner(owner), m_number(number), m_scriptIndex(script),
          m_script(owner.m_scripts[script]), m_ranges(owner.m_ranges[script]), m_served(!owner.m_tlsContext || owner.m_startTls) {
        acInBufferSize = std::max<std::size_t>(owner.m_options.inBufferSize, 1);
        acOutBufferSize = 65536;
        if (owner.m_options.match) {
            // The recorded requests frame the bytes (matchRequests()): asynchat hands over all that comes.
            m_turns.assign(owner.m_match[script].entries.size(), 0);
            setTerminator(nullptr);
        } else {
            setTerminator(m_script.requestFraming.forMessage(0));
        }
        if (owner.m_startTls && m_script.startTls) {
            m_upgradeAt = m_script.startTls->requests;
            m_goAheadReplies = m_script.startTls->replies;
        }
    }

    std::uint64_t number() const noexcept { return m_number; }
    std::size_t scriptIndex() const noexcept { return m_scriptIndex; }

    void begin() {
        answer(0);  // the greeting
        if (m_upgradeAt == 0) beginUpgrade();
        maybeEnd();
    }

    /// TLS: the server handshake comes first; the client is served once it
    /// is done (handshakeDone()). False when the layer could not be made
    /// (the client is closed and reported).
    bool startTls() { return installTls(false); }

    /// The server TLS layer over this client's socket, under a PlainTap that
    /// counts the plaintext and notes its end; `upgrade`: after a plaintext
    /// STARTTLS dialogue, the bytes already read (m_stash) fed to it first.
    /// False (the client ended and reported) when it could not be made.
    bool installTls(bool upgrade) {
        std::unique_ptr<tls::TlsLayer> layer;
        try {
            layer = std::make_unique<tls::TlsLayer>(m_owner.m_tlsContext, std::string(),
                                                   static_cast<tls::TlsLayer::Listener*>(this));
        } catch (const std::exception& e) {
            m_tlsFailure = std::string("cannot start TLS: ") + e.what();
            if (upgrade) m_upgradeFailed = true;
            end();
            return false;
        }
        if (upgrade) {
            layer->setStartTls(true);
            if (!m_stash.empty()) layer->prependInput(std::exchange(m_stash, std::string()));
        }
        m_tls = layer.get();
        setLayer(std::make_unique<tls::PlainTap>(std::move(layer), [this](std::size_t n) {
            if (n == 0)
                m_eof = true;
            else
                m_owner.count([n](MockStats& s) { s.bytesIn += n; });
        }));
        return true;
    }

    bool readable() override { return !m_eof && !m_upgradeQueued; }
    void handleRead() override {
        AsyncChat::handleRead();
        tryUpgrade();
    }
    void collectIncomingData(std::string_view data) override {
        if (m_closed) return;
        if (m_upgradeQueued) {
            // STARTTLS: after the request that asked for it, the rest of
            // this read is the client's first TLS bytes (the terminator is
            // none now, so all of it comes here).
            m_stash.append(data);
            return;
        }
        const std::size_t limit = requestLimit();
        if (data.size() > limit - std::min(m_request.size(), limit)) {
            cutOff(m_request.size() + data.size(), limit);
            return;
        }
        m_request.append(data);
        if (m_owner.m_options.match) matchRequests(false);
    }
    void foundTerminator() override {
        if (m_closed) return;  // cut off earlier in the same read
        const Terminator inForce = getTerminator();
        if (inForce.isBytes()) m_request += inForce.bytesValue();
        ++m_received;
        setTerminator(m_script.requestFraming.forMessage(m_received));
        onRequest(std::exchange(m_request, std::string()));
    }
    bool writable() override { return m_closeAfterFlush || AsyncChat::writable(); }
    void handleWrite() override {
        if (m_closeAfterFlush) {
            // The close after the last answer, over TLS: its records have left the layer.
            if (StreamLayer* l = layer(); !l || !l->wantsWrite()) end();
            return;
        }
        AsyncChat::handleWrite();
        tryUpgrade();
    }
    void handleClose() override {
        if (m_closed) return;
        if (m_closeAfterFlush) {  // the peer went before the last records could
            end();
            return;
        }
        if (m_tls && m_served && !m_eof) {
            // A hangup can come while TLS still holds requests (asynchat
            // reads a record at a time): they are read first, as long as
            // reading brings something; the end of the stream calls
            // handleClose() again.
            for (int i = 0; i < 4096 && !m_eof && !m_closed && connected; ++i) {
                const std::size_t before = m_received;
                const std::size_t pending = m_request.size();
                handleRead();
                if (m_received == before && m_request.size() == pending) break;
            }
            if (m_closed) return;
        }
        if (m_eof && !m_peerEnded) {
            // End of file: what the client sent without a terminator is its
            // last request; answer it if the recording did, and close once
            // the answers are out (the client may have only half-closed).
            m_peerEnded = true;
            std::string tail = std::exchange(m_request, std::string()) + std::string(inputBuffer());
            if (m_owner.m_options.match) {
                m_request = std::move(tail);
                matchRequests(true);
            } else if (!tail.empty()) {
                ++m_received;
                onRequest(std::move(tail));
            }
            if (m_closed) return;
            if (!producerFifo().empty() && connected) {
                closeWhenDone();  // its marker calls handleClose() again, which ends
                initiateSend();
                return;
            }
        }
        if (StreamLayer* l = layer(); m_tls && l && l->wantsWrite() && connected) {
            // TLS still holds records for the socket: close once they are out.
            m_closeAfterFlush = true;
            return;
        }
        end();
    }
    void handleError() override {
        if ((!m_served || handshaking()) && m_tlsFailure.empty()) {
            m_tlsFailure = "TLS handshake failed";
            try {
                if (auto p = std::current_exception()) std::rethrow_exception(p);
            } catch (const std::system_error& e) {
                m_tlsFailure += ": " + sockops::describe(e.code());
            } catch (const std::exception& e) {
                m_tlsFailure += std::string(": ") + e.what();
            } catch (...) {
            }
        }
        end();
    }
    void shutdown() { end(); }

protected:
    std::string_view className() const override { return "MockClient"; }

    // An event of `kind` about this client and its request `index`.
    MockEvent event(MockEvent::Kind kind, std::size_t index = 0) const {
        MockEvent e;
        e.kind = kind;
        e.client = m_number;
        e.index = index;
        return e;
    }
    // "client 3 (127.0.0.1:40000": how each line about this client begins.
    std::string label() const { return "client " + std::to_string(m_number) + " (" + addr.toString(); }
    // Why its TLS failed, in words.
    std::string tlsFailureText() const {
        return m_tlsFailure.empty() ? std::string("closed before its TLS handshake was done") : m_tlsFailure;
    }
    std::size_t rawRecv(void* buf, std::size_t len, std::error_code& ec) override {
        const std::size_t n = AsyncChat::rawRecv(buf, len, ec);
        if (m_tls) return n;  // ciphertext: the PlainTap counts the plaintext and sees its end
        if (!ec && n == 0 && len > 0) m_eof = true;
        if (!ec && n > 0) m_owner.count([n](MockStats& s) { s.bytesIn += n; });
        return n;
    }
    void onSent(std::string_view written) override {
        const std::size_t n = written.size();
        if (n) m_owner.count([n](MockStats& s) { s.bytesOut += n; });
    }

private:
    using Clock = std::chrono::steady_clock;

    bool handshaking() const noexcept { return m_tls && !m_tls->handshakeDone(); }

    // STARTTLS: from the request at the recorded point on, nothing more is
    // framed as plaintext; the layer goes in once the go-ahead has left.
    void beginUpgrade() {
        m_upgradeQueued = true;
        setTerminator(nullptr);
    }
    void tryUpgrade() {
        if (!m_upgradeQueued || m_closed || m_closing || !connected || !producerFifo().empty()) return;
        m_upgradeQueued = false;
        if (!installTls(true)) return;
        setTerminator(m_script.requestFraming.forMessage(m_received));
    }

    // tls::TlsLayer::Listener: called from inside the layer's calls.
    void handshakeDone(const TlsHandshakeInfo& info) override {
        if (info.startTls) {
            MockEvent e = event(MockEvent::Kind::Upgraded, m_received);
            e.tls = std::make_shared<const TlsHandshakeInfo>(info);
            m_owner.emit(std::move(e));
            if (!m_held.empty()) {
                MockEvent a = event(MockEvent::Kind::Answered, m_received);
                a.bytes = m_held;
                push(std::exchange(m_held, std::string()));
                m_owner.emit(std::move(a));
            }
            maybeEnd();
            return;
        }
        m_served = true;
        m_owner.served(*this, std::make_shared<const TlsHandshakeInfo>(info));
    }
    void failed(const std::string& reason) override { m_tlsFailure = reason; }

    // A warning's kind, for the summaries: 0 Mismatch, 1 Unexpected.
    struct Pending {
        std::uint64_t count = 0;
        std::size_t lastIndex = 0;
    };

    // mock --match: cut m_request into requests by the recorded ones and
    // answer each. At the end of the stream (eof) what is left is a request.
    void matchRequests(bool eof) {
        const MatchIndex& index = m_owner.m_match[m_scriptIndex];
        const Terminator& delimiter = m_script.requestFraming.forMessage(0);
        while (!m_request.empty() && !m_closed) {
            const std::string_view have(m_request);
            const MatchEntry* best = nullptr;
            std::size_t bestAt = 0;
            bool couldGrow = false;  // a longer recorded request may still come
            for (std::size_t k = 0; k < index.entries.size(); ++k) {
                const std::string& r = index.entries[k].bytes;
                if (have.starts_with(r)) {
                    if (!best || r.size() > best->bytes.size()) {
                        best = &index.entries[k];
                        bestAt = k;
                    }
                } else if (r.size() > have.size() && std::string_view(r).starts_with(have)) {
                    couldGrow = true;
                }
            }
            if (couldGrow && !eof) return;
            std::size_t take = 0;
            std::size_t slot = 0;
            if (best) {
                take = best->bytes.size();
                slot = best->slots[m_turns[bestAt]];
                m_turns[bestAt] = (m_turns[bestAt] + 1) % best->slots.size();  // several occurrences: in turn
            } else if (delimiter.isBytes() && !delimiter.bytesValue().empty()) {
                const std::size_t end = have.find(delimiter.bytesValue());
                if (end == std::string_view::npos && !eof) return;
                take = end == std::string_view::npos ? have.size() : end + delimiter.bytesValue().size();
            } else {
                take = have.size();
            }
            std::string request = m_request.substr(0, take);
            m_request.erase(0, take);
            ++m_received;
            onMatched(std::move(request), slot);
        }
    }

    void onMatched(std::string request, std::size_t slot) {
        m_owner.count([](MockStats& s) { ++s.requests; });
        if (slot == 0) {
            ++m_unexpected;
            m_owner.count([](MockStats& s) { ++s.unexpected; });
            const std::size_t i = m_received;
            warn(MockEvent::Kind::Unexpected, i, request, [&] {
                std::string text = "request " + std::to_string(i) + " \"";
                appendEscaped(text, std::string_view(request).substr(0, 64));
                if (request.size() > 64) text += "…";
                return text + "\" matches no recorded request; not answered";
            });
            return;
        }
        ++m_matched;
        MockEvent e = event(MockEvent::Kind::Request, slot);
        e.bytes = request;
        m_owner.emit(std::move(e));
        answer(slot);
    }

    void onRequest(std::string request) {
        const std::size_t i = m_received;  // 1-based
        m_owner.count([](MockStats& s) { ++s.requests; });
        if (i > m_script.requests.size()) {
            ++m_unexpected;
            m_owner.count([](MockStats& s) { ++s.unexpected; });
            warn(MockEvent::Kind::Unexpected, i, std::move(request), [&] {
                return "request " + std::to_string(i) + " is not in the recording (it has " +
                       std::to_string(m_script.requests.size()) + "); not answered";
            });
            return;
        }
        MockEvent e = event(MockEvent::Kind::Request, i);
        e.bytes = request;
        m_owner.emit(std::move(e));
        if (i == m_upgradeAt && m_owner.m_startTlsPattern && !m_owner.m_startTlsPattern->contains(request)) {
            // The recording upgraded after this request; this client did not ask for it.
            std::string text = label() + "): request " + std::to_string(i) + " \"";
            appendEscaped(text, std::string_view(request).substr(0, 64));
            text += "\" does not ask for the upgrade (it does not match the STARTTLS pattern '" +
                    Pattern::excerpt(m_owner.m_options.tls.startTlsAfter) +
                    "'; the recording's STARTTLS came after it); closing the connection";
            m_cutOff = "request " + std::to_string(i) + " did not ask for STARTTLS";
            MockEvent err = event(MockEvent::Kind::Error, i);
            err.text = std::move(text);
            m_owner.emit(std::move(err));
            end();
            return;
        }
        const std::string& recorded = m_script.requests[i - 1].bytes;
        if (request != recorded) {
            ++m_mismatches;
            m_owner.count([](MockStats& s) { ++s.mismatches; });
            std::string text = "request " + std::to_string(i) + " " + describeMismatch(recorded, request);
            if (m_firstMismatch.empty()) m_firstMismatch = text;
            warn(MockEvent::Kind::Mismatch, i, std::move(request), [&] { return text; });
        }
        answer(i);
        if (i == m_upgradeAt) beginUpgrade();
        maybeEnd();
    }

    // A Mismatch or Unexpected event: one by one up to warningsPerClient,
    // then counted and summarised at most once per summaryInterval.
    template <class Text>
    void warn(MockEvent::Kind kind, std::size_t index, std::string bytes, Text&& text) {
        const MockOptions& o = m_owner.m_options;
        if (m_warned < o.warningsPerClient) {
            ++m_warned;
            if (m_warned == o.warningsPerClient) m_nextSummary = Clock::now() + o.summaryInterval;
            MockEvent e = event(kind, index);
            e.bytes = std::move(bytes);
            e.text = text();
            m_owner.emit(std::move(e));
            return;
        }
        Pending& p = m_pending[kind == MockEvent::Kind::Mismatch ? 0 : 1];
        ++p.count;
        p.lastIndex = index;
        const auto now = Clock::now();
        if (now >= m_nextSummary) {
            summarise();
            m_nextSummary = now + o.summaryInterval;
        }
    }

    void summarise() {
        for (int k = 0; k < 2; ++k) {
            Pending& p = m_pending[k];
            if (!p.count) continue;
            MockEvent e = event(k == 0 ? MockEvent::Kind::Mismatch : MockEvent::Kind::Unexpected, p.lastIndex);
            e.summarised = p.count;
            e.text = "… " + std::to_string(p.count) + " more " + (p.count == 1 ? "request " : "requests ") +
                     (k == 0 ? "differing from the recording"
                             : m_owner.m_options.match ? "matching no recorded request"
                                                       : "beyond the recording") +
                     " (the last: request " +
                     std::to_string(p.lastIndex) + ")" + (k == 0 ? "" : "; not answered");
            p = {};
            m_owner.emit(std::move(e));
        }
    }

    // The longest request kept: the limit, or the longest recorded one.
    std::size_t requestLimit() const {
        if (m_owner.m_options.match) return std::max(m_owner.m_options.maxRequestBytes, m_owner.m_match[m_scriptIndex].longest);
        const std::size_t next = m_received;  // 0-based index of the request in progress
        const std::size_t recorded = next < m_script.requests.size() ? m_script.requests[next].bytes.size() : 0;
        return std::max(m_owner.m_options.maxRequestBytes, recorded);
    }

    void cutOff(std::size_t size, std::size_t limit) {
        m_request.clear();
        m_request.shrink_to_fit();
        m_cutOff = "request " + std::to_string(m_received + 1) + " exceeds the limit of " + std::to_string(limit) +
                   " bytes";
        MockEvent e = event(MockEvent::Kind::Error, m_received + 1);
        e.text = label() + "): " + m_cutOff + " (" + std::to_string(size) + " bytes came without its terminator); closing the connection";
        m_owner.emit(std::move(e));
        end();
    }

    void answer(std::size_t slot) {
        const auto [from, to] = m_ranges[slot];
        // STARTTLS: the replies recorded after the upgrade that answer the
        // same request go out once the handshake is done.
        const std::size_t plainEnd = slot == m_upgradeAt ? std::clamp(m_goAheadReplies, from, to) : to;
        std::string out;
        for (std::size_t k = from; k < plainEnd; ++k) out += m_script.replies[k].message.wire();
        for (std::size_t k = plainEnd; k < to; ++k) m_held += m_script.replies[k].message.wire();
        if (out.empty()) return;
        MockEvent e = event(MockEvent::Kind::Answered, slot);
        e.bytes = out;
        push(std::move(out));
        m_owner.emit(std::move(e));
    }

    void maybeEnd() {
        if (m_owner.m_options.match) return;  // the client ends it
        if (m_received < m_script.requests.size() || m_closing) return;
        if (m_script.serverCloses) {
            m_closing = true;
            closeWhenDone();
            initiateSend();
        }
    }

    void end() {
        if (m_closed) return;
        m_closed = true;
        closeNoThrow();
        if (!m_served) {
            // Over TLS, a client whose handshake did not complete was never
            // served: an error line of its own, and the mock goes on.
            MockEvent e = event(MockEvent::Kind::Error);
            e.text = label() + "): " + tlsFailureText() + "; not served";
            m_owner.emit(std::move(e));
            m_owner.count([](MockStats& s) { ++s.tlsFailures; });
            m_owner.clientGone(*this);
            return;
        }
        if (m_upgradeFailed || handshaking()) {
            // STARTTLS: served in plaintext, but the upgrade did not complete.
            MockEvent e = event(MockEvent::Kind::Error);
            e.text = label() + "): STARTTLS: " + tlsFailureText();
            m_owner.emit(std::move(e));
            m_owner.count([](MockStats& s) { ++s.tlsFailures; });
        }
        summarise();  // what was not reported yet, before the client's report
        const bool match = m_owner.m_options.match;
        const bool complete = (match ? m_matched : m_received) >= m_script.requests.size();
        MockEvent e = event(MockEvent::Kind::ClientClosed);
        e.text = label() + ", conversation " + std::to_string(m_scriptIndex + 1) + "): " +
                 (match ? matchReport() : replayReport(complete));
        m_owner.emit(std::move(e));
        m_owner.count([complete](MockStats& s) {
            ++s.clientsFinished;
            if (complete) ++s.clientsCompleted;
        });
        m_owner.clientGone(*this);
    }

    // The client's report, after "client 3 (address, conversation 1): ".
    std::string matchReport() const {
        std::string report = std::to_string(m_received) + (m_received == 1 ? " request, " : " requests, ") +
                             std::to_string(m_matched) + " answered by match";
        if (m_unexpected) report += ", " + std::to_string(m_unexpected) + " matching no recorded request";
        if (!m_cutOff.empty()) report += ", closed by the mock: " + m_cutOff;
        return report;
    }
    std::string replayReport(bool complete) const {
        std::string report = std::to_string(std::min(m_received, m_script.requests.size())) + " of " +
                             std::to_string(m_script.requests.size()) + " recorded requests";
        if (m_mismatches) report += ", " + std::to_string(m_mismatches) + " differing (first: " + m_firstMismatch + ")";
        if (m_unexpected) report += ", " + std::to_string(m_unexpected) + " beyond the recording";
        if (!m_cutOff.empty())
            report += ", closed by the mock: " + m_cutOff;
        else
            report += complete ? (m_mismatches ? "" : ", as recorded") : ", closed early";
        return report;
    }

    Impl& m_owner;
    const std::uint64_t m_number;
    const std::size_t m_scriptIndex;
    const ReplayScript& m_script;
    const std::vector<std::pair<std::size_t, std::size_t>>& m_ranges;
    std::string m_request;
    std::size_t m_received = 0;
    std::size_t m_mismatches = 0;
    std::size_t m_unexpected = 0;
    std::size_t m_matched = 0;             // match: requests answered
    std::vector<std::size_t> m_turns;      // match: per MatchEntry, the occurrence that answers next
    std::string m_firstMismatch;
    std::string m_cutOff;                  // why the mock closed it ("" if it did not)
    std::size_t m_warned = 0;              // warnings reported one by one
    Pending m_pending[2];                  // warnings not reported yet: Mismatch, Unexpected
    Clock::time_point m_nextSummary{};     // the earliest time for the next summary
    bool m_eof = false;
    bool m_peerEnded = false;
    bool m_closing = false;
    bool m_closed = false;
    bool m_served;                   // false while a TLS handshake is to be done first
    bool m_closeAfterFlush = false;  // TLS: end() once the layer has sent what it holds
    tls::TlsLayer* m_tls = nullptr;  // inside the PlainTap the dispatcher owns; null without TLS
    std::string m_tlsFailure;        // why the handshake failed ("" if it did not)
    // STARTTLS (the owner's m_startTls): the upgrade follows request m_upgradeAt
    // (npos: none) once replies [0, m_goAheadReplies) are out.
    std::size_t m_upgradeAt = static_cast<std::size_t>(-1);
    std::size_t m_goAheadReplies = 0;
    bool m_upgradeQueued = false;  // the request came: read nothing more in plaintext, upgrade once flushed
    bool m_upgradeFailed = false;
    std::string m_stash;           // bytes read after that request: the client's first TLS bytes
    std::string m_held;            // replies after the recorded point answering that request
};

Mocker::Impl::Impl(std::vector<ReplayScript> scripts, MockOptions options)
    : m_scripts(std::move(scripts)), m_options(std::move(options)), m_loop(m_options.backend) {
    if (m_scripts.empty()) throw std::invalid_argument("a mock needs at least one recorded conversation");
    for (const ReplayScript& s : m_scripts) {
        m_ranges.push_back(answerRanges(s));
        if (m_options.match) m_match.push_back(matchIndex(s));
    }
}

Mocker::Impl::~Impl() {
    stop();
    m_loop.join();  // the listener and the clients went on the mock thread (closeAll())
}

bool Mocker::Impl::start(Observer observer, std::string* error) {
    if (m_launched) {
        if (error) *error = "the mock is already running";
        return false;
    }
    m_launched = true;
    m_startTls = m_options.tls.startTls != StartTlsProtocol::None;
    if (m_startTls) {
        if (m_options.match) {
            if (error) *error = "answering by match and a STARTTLS upgrade exclude each other";
            return false;
        }
        if (m_options.tls.enabled) {
            if (error) *error = "TLS from the first byte and a STARTTLS upgrade exclude each other";
            return false;
        }
        for (std::size_t i = 0; i < m_scripts.size(); ++i) {
            if (m_scripts[i].startTls) continue;
            if (error)
                *error = "conversation " + std::to_string(i + 1) + " (channel " + std::to_string(m_scripts[i].channel) +
                         ") was not upgraded with STARTTLS (its recording has no starttls event): serve it without "
                         "STARTTLS, or with TLS from the first byte";
            return false;
        }
        if (!m_options.tls.startTlsAfter.empty()) {
            std::string why;
            m_startTlsPattern = Pattern::compile(m_options.tls.startTlsAfter, &why);
            if (!m_startTlsPattern) {
                if (error) *error = "the STARTTLS pattern: " + why;
                return false;
            }
        }
    }
    if (m_options.tls.enabled || m_startTls) {
        try {
            m_tlsContext = tls::TlsContext::create(m_options.tls, tls::TlsRole::Server);
        } catch (const std::exception& e) {
            if (error) *error = std::string("cannot serve with TLS: ") + e.what();
            return false;
        }
    }
    m_observer = std::move(observer);
    LoopThread::Hooks hooks;
    hooks.started = [this] { listen(); };
    hooks.failed = [this](std::exception_ptr e) {
        MockEvent err;
        err.kind = MockEvent::Kind::Error;
        err.text = "unknown error";
        try {
            std::rethrow_exception(std::move(e));
        } catch (const std::exception& ex) {
            err.text = ex.what();
        } catch (...) {
        }
        emit(std::move(err));
    };
    hooks.stopping = [this] { closeAll(); };
    return m_loop.tryStart(std::move(hooks), error);  // returns once listening, or false with why not
}

void Mocker::Impl::listen() {
    std::string resolveError;
    const auto addresses = Address::resolve(m_options.host, m_options.port, 0, resolveError);
    std::string failure;
    if (addresses.empty())
        failure = resolveError.empty() ? "cannot listen on " + m_options.host + ": no address" : resolveError;
    for (const Address& a : addresses) {
        try {
            m_listener = std::make_unique<Listener>(*this, &m_loop.loop());
            m_listener->createSocket(a.family());
            m_listener->setReuseAddr();
            m_listener->bind(a);
            m_listener->listenUncapped(128);
            std::error_code ec;
            const Address local = sockops::localAddress(m_listener->socketHandle(), ec);
            MutexLock lock(m_mutex);
            m_address = local.toString();
            m_port = local.port();
            failure.clear();
            break;
        } catch (const std::system_error& e) {
            failure = "cannot listen on " + a.toString() + ": " + sockops::describe(e.code());
            m_listener.reset();
        }
    }
    if (!m_listener) throw std::runtime_error(failure);
    MockEvent e;
    e.kind = MockEvent::Kind::Listening;
    e.text = address();
    emit(std::move(e));
    // Then the LoopThread polls (without a time limit: stop() is a posted
    // task, which wakes it) until stop() or maxClients, and closeAll() ends.
}

void Mocker::Impl::closeAll() {
    // Shut down: every client closes (and reports), then the listener.
    m_stopping = true;
    const std::vector<Client*> open = m_clients;
    for (Client* c : open) c->shutdown();
    if (m_listener) m_listener->closeNoThrow();
    m_loop.loop().poll(0.0, m_options.backend);  // lets the loop delete the closed clients
    m_listener.reset();
    MockEvent stopped;
    stopped.kind = MockEvent::Kind::Stopped;
    emit(std::move(stopped));
}

void Mocker::Impl::accepted(Socket sock, const Address& peer) {
    if (m_stopping) return;
    const std::uint64_t number = m_nextClient++;
    const std::size_t script = static_cast<std::size_t>((number - 1) % m_scripts.size());
    Client* c = nullptr;
    try {
        c = &m_loop.loop().adopt(std::make_unique<Client>(*this, std::move(sock), number, script, &m_loop.loop()));
    } catch (const std::system_error& ex) {
        MockEvent e;
        e.kind = MockEvent::Kind::Error;
        e.text = "client " + std::to_string(number) + " (" + peer.toString() + ") was gone before it could be served: " +
                 sockops::describe(ex.code());
        emit(std::move(e));
        return;
    }
    m_clients.push_back(c);
    if (m_tlsContext && !m_startTls) {
        c->startTls();  // served() once the handshake is done
        return;
    }
    served(*c, nullptr);
}

void Mocker::Impl::served(Client& c, std::shared_ptr<const TlsHandshakeInfo> tls) {
    count([](MockStats& s) { ++s.clients; });
    MockEvent e;
    e.kind = MockEvent::Kind::Accepted;
    e.client = c.number();
    e.index = c.scriptIndex();
    e.text = c.addr.toString();
    e.tls = std::move(tls);
    emit(std::move(e));
    c.begin();
}

void Mocker::Impl::clientGone(Client& c) {
    m_clients.erase(std::remove(m_clients.begin(), m_clients.end(), &c), m_clients.end());
    if (m_options.maxClients && !m_stopping) {
        const MockStats s = stats();
        if (s.clientsFinished >= m_options.maxClients) m_loop.quit();
    }
}

void Mocker::Impl::stop() { m_loop.quit(); }

bool Mocker::Impl::wait(std::chrono::milliseconds timeout) { return m_loop.wait(timeout); }

bool Mocker::Impl::finished() const { return m_loop.finished(); }

MockStats Mocker::Impl::stats() const {
    MutexLock lock(m_mutex);
    return m_stats;
}

Mocker::Mocker(std::vector<ReplayScript> scripts, MockOptions options)
    : m_impl(std::make_unique<Impl>(std::move(scripts), std::move(options))) {}
Mocker::~Mocker() = default;
bool Mocker::start(Observer observer, std::string* error) { return m_impl->start(std::move(observer), error); }
std::string Mocker::address() const { return m_impl->address(); }
std::string Mocker::tlsFingerprint() const { return m_impl->tlsFingerprint(); }
std::uint16_t Mocker::port() const { return m_impl->port(); }
void Mocker::stop() { m_impl->stop(); }
bool Mocker::wait(std::chrono::milliseconds timeout) { return m_impl->wait(timeout); }
bool Mocker::finished() const { return m_impl->finished(); }
MockStats Mocker::stats() const { return m_impl->stats(); }

}  // namespace engine
