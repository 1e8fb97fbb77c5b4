// Replayer.cpp — the replay thread (a LoopThread: its Loop, and its timer
// queue for pacing and timeouts), one AsyncChat connection, and the
// comparison of replies.
#include "engine/replay/Replayer.h"

#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Escape.h"
#include "engine/asyncore/Pattern.h"
#include "engine/net/EnumNames.h"
#include "engine/net/SocketOps.h"
#include "engine/asyncore/TimerQueue.h"
#include "engine/reactor/LoopThread.h"
#include "engine/tls/PlainTap.h"
#include "engine/tls/TlsContext.h"
#include "engine/tls/TlsLayer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace engine {

namespace {
constexpr std::array<std::string_view, 3> kPacingNames = {"original", "fast", "lockstep"};
}  // namespace

LW_ENUM_NAMES(Pacing, pacingName, parsePacing, kPacingNames)

std::string_view divergenceKindName(Divergence::Kind k) noexcept {
    switch (k) {
    case Divergence::Kind::Different: return "different";
    case Divergence::Kind::Missing: return "missing";
    case Divergence::Kind::Unexpected: return "unexpected";
    case Divergence::Kind::ClosedEarly: return "closed_early";
    case Divergence::Kind::NotClosed: return "not_closed";
    }
    return "?";
}

std::string_view replayStatusName(ReplayResult::Status s) noexcept {
    switch (s) {
    case ReplayResult::Status::Passed: return "passed";
    case ReplayResult::Status::Diverged: return "diverged";
    case ReplayResult::Status::Failed: return "failed";
    case ReplayResult::Status::Cancelled: return "cancelled";
    }
    return "?";
}

namespace {

std::string seconds(std::int64_t us) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(us) / 1e6);
    return buf;
}

// The escaped bytes around `offset`: at most 32 bytes before it and 48
// after; `caret` is set to the column of the byte at `offset`.
std::string excerpt(std::string_view bytes, std::size_t offset, std::size_t& caret) {
    offset = std::min(offset, bytes.size());
    const std::size_t from = offset > 32 ? offset - 32 : 0;
    const std::size_t to = std::min(bytes.size(), offset + 48);
    std::string s = from ? "..." : "";
    appendEscaped(s, bytes.substr(from, offset - from));
    caret = s.size();
    appendEscaped(s, bytes.substr(offset, to - offset));
    if (to < bytes.size()) s += "...";
    return s;
}

}  // namespace

std::string Divergence::report() const {
    std::string out = summary + "\n";
    if (kind == Kind::ClosedEarly || kind == Kind::NotClosed) return out;
    std::size_t caret = 0;
    const std::string exp = expected.empty() ? std::string("(nothing)") : excerpt(expected, offset, caret);
    const std::string got = received.empty() ? std::string("(nothing)") : excerpt(received, offset, caret);
    out += "  expected: " + exp + "\n";
    out += "  received: " + got + "\n";
    if (!received.empty() && kind != Kind::Unexpected)
        out += std::string(12 + caret, ' ') + "^ byte " + std::to_string(offset) + "\n";
    return out;
}

std::string ReplayResult::summary() const {
    std::string s = std::to_string(requestsSent) + " of " + std::to_string(requestsTotal) + " requests sent, " +
                    std::to_string(repliesMatched) + " of " + std::to_string(repliesExpected) + " replies matched";
    if (repliesReceived > repliesExpected)
        s += " (" + std::to_string(repliesReceived - repliesExpected) + " unexpected)";
    s += ", " + std::to_string(divergences.size()) + (divergences.size() == 1 ? " divergence" : " divergences");
    s += ", in " + seconds(elapsedUs) + " s";
    return s;
}

// --- Comparison with ignore rules -------------------------------------------------------------

namespace {

struct Rule {
    std::size_t reply = 0;
    Pattern pattern;
};

// How much of a reply a divergence keeps past its first difference: the
// report shows 48 bytes after it, a side-by-side view a screenful. Bounds
// what a long run of divergences holds (keepGoing).
constexpr std::size_t kKeptAfterOffset = 64 * 1024;

std::string keptPart(std::string_view bytes, std::size_t offset) {
    if (offset >= bytes.size() || bytes.size() - offset <= kKeptAfterOffset) return std::string(bytes);
    return std::string(bytes.substr(0, offset + kKeptAfterOffset));
}

std::vector<std::pair<std::size_t, std::size_t>> clipped(std::vector<std::pair<std::size_t, std::size_t>> ranges,
                                                         std::size_t size) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (auto& [b, e] : ranges)
        if (b < size) out.emplace_back(b, std::min(e, size));
    return out;
}

// Byte ranges of `s` that the applicable rules match, sorted and merged.
std::vector<std::pair<std::size_t, std::size_t>> ignoredRanges(std::string_view s, const std::vector<Rule>& rules,
                                                               std::size_t reply) {
    std::vector<std::pair<std::size_t, std::size_t>> r;
    for (const Rule& rule : rules) {
        if (rule.reply != 0 && rule.reply != reply) continue;
        for (const ByteRange& m : rule.pattern.findAll(s)) r.push_back(m);
    }
    std::sort(r.begin(), r.end());
    std::vector<std::pair<std::size_t, std::size_t>> merged;
    for (const auto& p : r) {
        if (!merged.empty() && p.first <= merged.back().second)
            merged.back().second = std::max(merged.back().second, p.second);
        else
            merged.push_back(p);
    }
    return merged;
}

// A message as literal runs separated by ignored parts.
struct Token {
    bool ignored = false;
    std::size_t begin = 0;
    std::size_t end = 0;
};

std::vector<Token> tokenize(std::size_t size, const std::vector<std::pair<std::size_t, std::size_t>>& ranges) {
    std::vector<Token> t;
    std::size_t at = 0;
    for (const auto& [b, e] : ranges) {
        if (b > at) t.push_back({false, at, b});
        t.push_back({true, b, e});
        at = e;
    }
    if (at < size || t.empty()) t.push_back({false, at, size});
    return t;
}

// nullopt when `expected` and `received` match (ignored parts aside), else
// the offset in `received` of the first difference.
std::optional<std::size_t> firstDifference(std::string_view expected, std::string_view received,
                                           const std::vector<Rule>& rules, std::size_t reply) {
    bool anyRule = false;
    for (const Rule& r : rules) anyRule = anyRule || r.reply == 0 || r.reply == reply;
    if (!anyRule) {
        const auto [e, g] = std::mismatch(expected.begin(), expected.end(), received.begin(), received.end());
        if (e == expected.end() && g == received.end()) return std::nullopt;
        return static_cast<std::size_t>(g - received.begin());
    }
    const auto te = tokenize(expected.size(), ignoredRanges(expected, rules, reply));
    const auto tg = tokenize(received.size(), ignoredRanges(received, rules, reply));
    std::size_t i = 0;
    for (; i < te.size() && i < tg.size(); ++i) {
        if (te[i].ignored != tg[i].ignored) return tg[i].begin;
        if (te[i].ignored) continue;
        const std::string_view a = expected.substr(te[i].begin, te[i].end - te[i].begin);
        const std::string_view b = received.substr(tg[i].begin, tg[i].end - tg[i].begin);
        const auto [x, y] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
        if (x != a.end() || y != b.end()) return tg[i].begin + static_cast<std::size_t>(y - b.begin());
    }
    if (i < te.size() || i < tg.size()) return i < tg.size() ? tg[i].begin : received.size();
    return std::nullopt;
}

}  // namespace

std::optional<std::size_t> replyDifference(std::string_view expected, std::string_view received,
                                           const std::vector<IgnoreRule>& rules, std::size_t reply,
                                           const PatternLimits& limits) {
    std::vector<Rule> compiled;
    for (const IgnoreRule& r : rules) {
        if (r.reply != 0 && r.reply != reply) continue;
        std::string why;
        auto p = Pattern::compile(r.pattern, &why, limits);
        if (!p) throw std::invalid_argument("--ignore " + r.pattern + ": " + why);
        compiled.push_back({r.reply, std::move(*p)});
    }
    return firstDifference(expected, received, compiled, reply);
}

// --- The replay --------------------------------------------------------------------------------

class Replayer::Impl {
public:
    Impl(ReplayScript script, ReplayOptions options);
    ~Impl();

    void start(Observer observer);
    void cancel();
    bool wait(std::chrono::milliseconds timeout);
    bool finished() const;
    ReplayResult result() const;

private:
    class Client;
    friend class Client;
    using Clock = std::chrono::steady_clock;
    enum class Phase { Connecting, Running, WaitingForClose, Done };

    void begin();  // the loop thread's first step: resolve, connect
    void emit(ReplayEvent e);
    void emitConnected(std::shared_ptr<const TlsHandshakeInfo> tls);  // Connected, to the client's address
    void connectNext();
    void onConnected(std::shared_ptr<const TlsHandshakeInfo> tls);
    void onUpgraded(std::shared_ptr<const TlsHandshakeInfo> tls);
    bool blocked() const noexcept;  // a STARTTLS upgrade holds the next request back
    void maybeUpgrade();
    void sendDue();
    void onTlsStarted();
    void onTlsFailure(const std::string& why);
    void onTransportFailure(const std::string& why);
    void onCollect(std::string_view data);
    void onReplyTooLong(std::size_t size);
    std::size_t replyLimit(std::size_t j) const;
    void afterRead();
    void onReply(std::string body, std::string terminator, bool terminated);
    void onServerClosed(const std::string& how);
    void sendRequest(std::size_t i);
    void maybeHalfClose();
    void pump();
    void maybeEnd();
    void armWatchdog();
    void onWatchdog();
    void diverge(Divergence d);
    void finish(ReplayResult::Status status, std::string error = {});
    std::int64_t elapsedUs() const;
    std::string expectedWire(std::size_t j) const { return m_script.replies[j].message.wire(); }

    ReplayScript m_script;
    ReplayOptions m_options;
    std::vector<Rule> m_rules;
    Observer m_observer;

    // The replay thread, its Loop and timers; what follows is its state.
    LoopThread m_loop;
    std::shared_ptr<tls::TlsContext> m_tlsContext;  // made by begin() when options.tls asks for TLS
    enum class Upgrade { None, Waiting, Handshaking, Done };
    Upgrade m_upgrade = Upgrade::None;      // STARTTLS at the script's startTls point
    std::size_t m_due = 0;                  // original pacing: requests whose time has come
    std::unique_ptr<Client> m_client;
    std::vector<Address> m_addresses;
    std::size_t m_nextAddress = 0;
    std::string m_lastConnectError;
    Phase m_phase = Phase::Connecting;
    Clock::time_point m_started;
    std::size_t m_nextRequest = 0;
    std::size_t m_repliesDone = 0;          // complete replies received
    bool m_halfClosed = false;              // the half-close was asked for
    std::string m_partial;                  // the body of the reply in progress
    bool m_partialDiverged = false;         // an early mismatch was already reported for it
    bool m_earlyMismatch = false;           // the reply in progress already differs (not reported yet)
    TimerQueue::TimerId m_watchdog = 0;
    std::uint64_t m_bytesSent = 0;
    std::uint64_t m_bytesReceived = 0;
    std::size_t m_divergenceCount = 0;     // divergences so far (their copies are in m_result)
    std::size_t m_matched = 0;

    std::atomic<bool> m_launched{false};
    mutable std::mutex m_mutex;
    std::condition_variable m_doneCv;
    bool m_finished = false;     // guarded by m_mutex
    ReplayResult m_result;       // guarded by m_mutex
};

// The connection: asynchat framing with the script's reply framing.
class Replayer::Impl::Client final : public AsyncChat, private tls::TlsLayer::Listener {
public:
    Client(Impl& owner, Loop* loop) : AsyncChat(loop), m_owner(owner) {
        acInBufferSize = std::max<std::size_t>(owner.m_options.inBufferSize, 1);
        acOutBufferSize = 65536;
        setTerminator(owner.m_script.replyFraming.forMessage(0));
    }

    bool readable() override { return !m_eof; }
    void collectIncomingData(std::string_view data) override { m_owner.onCollect(data); }
    void foundTerminator() override {
        const Terminator inForce = getTerminator();
        ++m_found;
        setTerminator(m_owner.m_script.replyFraming.forMessage(m_found));
        m_owner.onReply(std::move(m_owner.m_partial), inForce.isBytes() ? inForce.bytesValue() : std::string(), true);
    }
    void handleConnect() override {
        m_connected = true;
        if (m_owner.m_tlsContext && m_owner.m_options.tls.enabled) {
            startTls(false);
            return;
        }
        m_owner.onConnected(nullptr);
    }
    void handleWrite() override {
        AsyncChat::handleWrite();
        tryUpgrade();
        maybeHalfClose();
    }
    void handleRead() override {
        AsyncChat::handleRead();
        m_owner.afterRead();
    }
    void handleClose() override {
        if (!m_connected) {
            const std::error_code ec = lastError();
            closeNoThrow();
            m_owner.onTransportFailure(ec ? sockops::describe(ec) : std::string("connection failed"));
            return;
        }
        if (m_closeHandled) return;
        if (handshaking()) {
            const std::string how = m_eof ? std::string("the server closed the connection") : "the server reset the connection (" + m_how + ")";
            m_eof = true;
            closeNoThrow();
            m_owner.onTlsFailure("TLS handshake failed: " + how);
            return;
        }
        if (m_tls && !m_eof) {
            drainTls();  // may end in a handleClose() of its own, at the end of the stream
            if (m_closeHandled) return;
        }
        m_closeHandled = true;
        const std::string how = m_eof ? std::string("closed the connection") : "reset the connection (" + m_how + ")";
        m_eof = true;
        closeNoThrow();
        m_owner.onServerClosed(how);
    }
    void handleError() override {
        std::error_code ec;
        std::string what = "unknown error";
        try {
            if (auto p = std::current_exception()) std::rethrow_exception(p);
        } catch (const std::system_error& e) {
            ec = e.code();
            what = sockops::describe(ec);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        closeNoThrow();
        if (!m_connected) {
            m_owner.onTransportFailure(what);
            return;
        }
        if (handshaking()) {
            m_eof = true;
            m_owner.onTlsFailure(m_tlsFailure.empty() ? "TLS handshake failed: " + what : m_tlsFailure);
            return;
        }
        m_eof = true;
        m_owner.onServerClosed("failed (" + what + ")");
    }
    void requestHalfClose() {
        m_halfClose = true;
        maybeHalfClose();
    }
    /// STARTTLS: the TLS client handshake, once what was queued before (the
    /// upgrade command) has gone out.
    void upgradeWhenFlushed() {
        m_upgradeQueued = true;
        tryUpgrade();
    }
    /// Bytes received but not delivered: asynchat's held-back terminator prefix.
    std::string residue() const { return std::string(inputBuffer()); }
    void abandon() { closeNoThrow(); }

protected:
    std::string_view className() const override { return "Replayer"; }
    void onSent(std::string_view written) override { m_owner.m_bytesSent += written.size(); }
    std::size_t rawRecv(void* buf, std::size_t len, std::error_code& ec) override {
        const std::size_t n = AsyncChat::rawRecv(buf, len, ec);
        if (ec) {
            if (!sockops::isWouldBlock(ec)) {
                m_how = sockops::describe(ec);
                m_error = ec;
            }
        } else if (m_tls) {
            // Ciphertext: the plaintext is counted, and its end seen, by the layer (PlainTap).
        } else if (n == 0 && len > 0) {
            m_eof = true;
        } else {
            m_owner.m_bytesReceived += n;
        }
        return n;
    }

private:
    bool handshaking() const noexcept { return m_tls && !m_tls->handshakeDone(); }
    // A hangup (POLLHUP: the server closed, after this end's half-close)
    // can come while TLS still holds replies: asynchat reads a record at a
    // time, and the socket or the layer may have more. They are read before
    // the close is taken as it is — as long as reading brings something.
    void drainTls() {
        for (int i = 0; i < 4096 && !m_eof && !m_closeHandled && connected; ++i) {
            const std::uint64_t before = m_owner.m_bytesReceived;
            handleRead();
            if (m_owner.m_bytesReceived == before) break;
        }
    }
    void tryUpgrade() {
        if (!m_upgradeQueued || !producerFifo().empty() || !connected) return;
        m_upgradeQueued = false;
        startTls(true);
    }
    // The TLS client handshake, once TCP is up (or at the STARTTLS point):
    // the requests wait for it.
    void startTls(bool upgrade) {
        std::unique_ptr<tls::TlsLayer> layer;
        try {
            layer = std::make_unique<tls::TlsLayer>(m_owner.m_tlsContext, m_owner.m_options.host,
                                                   static_cast<tls::TlsLayer::Listener*>(this));
        } catch (const std::exception& e) {
            closeNoThrow();
            m_owner.onTlsFailure(std::string("cannot start TLS: ") + e.what());
            return;
        }
        layer->setStartTls(upgrade);
        m_tls = layer.get();
        setLayer(std::make_unique<tls::PlainTap>(std::move(layer), [this](std::size_t n) {
            if (n == 0)
                m_eof = true;
            else
                m_owner.m_bytesReceived += n;
        }));
        if (!upgrade) m_owner.onTlsStarted();
    }
    // tls::TlsLayer::Listener: called from inside the layer's calls.
    void handshakeDone(const TlsHandshakeInfo& info) override {
        auto shared = std::make_shared<const TlsHandshakeInfo>(info);
        if (info.startTls)
            m_owner.onUpgraded(std::move(shared));
        else
            m_owner.onConnected(std::move(shared));
    }
    void failed(const std::string& reason) override { m_tlsFailure = reason; }

    std::error_code lastError() {
        if (m_error) return m_error;
        std::error_code ec;
        const int err = rawPendingError(ec);
        return err ? sockops::errorFromNative(err) : std::error_code();
    }
    void maybeHalfClose() {
        if (!m_halfClose || m_halfClosed || !producerFifo().empty() || !connected) return;
        m_halfClosed = true;
        if (StreamLayer* l = layer()) {
            l->shutdownWrite();  // close_notify, then the socket's write side once it is flushed
            return;
        }
        std::error_code ec;
        sockops::shutdownWrite(socketHandle(), ec);
    }

    Impl& m_owner;
    std::size_t m_found = 0;
    bool m_connected = false;
    bool m_eof = false;
    bool m_halfClose = false;
    bool m_halfClosed = false;
    std::error_code m_error;
    std::string m_how = "error";
    tls::TlsLayer* m_tls = nullptr;  // inside the PlainTap the dispatcher owns; null without TLS
    std::string m_tlsFailure;        // the layer's reason, when it failed
    bool m_closeHandled = false;     // the connected client's close was reported
    bool m_upgradeQueued = false;    // STARTTLS: start TLS once the fifo is empty
};

Replayer::Impl::Impl(ReplayScript script, ReplayOptions options)
    : m_script(std::move(script)), m_options(std::move(options)), m_loop(m_options.backend) {
    if (auto why = Replayer::checkOptions(m_options)) throw std::invalid_argument(*why);
    for (const IgnoreRule& r : m_options.ignore)
        m_rules.push_back({r.reply, *Pattern::compile(r.pattern, nullptr, m_options.patternLimits)});
    m_result.requestsTotal = m_script.requests.size();
    m_result.repliesExpected = m_script.replies.size();
}

Replayer::Impl::~Impl() {
    cancel();
    m_loop.join();  // the client left the Loop on the loop thread (`stopping`)
}

void Replayer::Impl::start(Observer observer) {
    if (m_launched.exchange(true)) return;
    m_observer = std::move(observer);
    m_started = Clock::now();
    LoopThread::Hooks hooks;
    hooks.started = [this] { begin(); };
    hooks.beforeWait = [this] {
        if (m_phase == Phase::Done) m_loop.quit();
    };
    hooks.failed = [this](std::exception_ptr e) {
        std::string what = "unknown error";
        try {
            std::rethrow_exception(std::move(e));
        } catch (const std::exception& x) {
            what = x.what();
        } catch (...) {
        }
        finish(ReplayResult::Status::Failed, what);
    };
    hooks.stopping = [this] {
        // The client leaves the Loop before the Loop goes, on its thread.
        if (m_client) m_client->abandon();
        m_client.reset();
    };
    // The thread could not start (its Waker's descriptors): it has ended,
    // so finishing here races with nothing.
    if (std::string why; !m_loop.tryStart(std::move(hooks), &why)) finish(ReplayResult::Status::Failed, why);
}

void Replayer::Impl::cancel() {
    // Runs after what the loop thread is doing: a replay that is over already stays as it ended.
    m_loop.post([this] {
        if (m_phase != Phase::Done) finish(ReplayResult::Status::Cancelled);
    });
}

bool Replayer::Impl::wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(m_mutex);
    return m_doneCv.wait_for(lock, timeout, [this] { return m_finished; });
}

bool Replayer::Impl::finished() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_finished;
}

ReplayResult Replayer::Impl::result() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_result;
}

std::int64_t Replayer::Impl::elapsedUs() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - m_started).count();
}

void Replayer::Impl::emit(ReplayEvent e) {
    e.elapsedUs = elapsedUs();
    if (m_observer) m_observer(e);
}

void Replayer::Impl::begin() {
    // Then the LoopThread polls (until a timer is due, or without limit: a
    // cancel() is a posted task, which wakes it) and runs the due timers,
    // until finish() (beforeWait quits once the phase is Done).
    if (m_options.tls.startTls != StartTlsProtocol::None) {
        if (!m_script.startTls) {
            finish(ReplayResult::Status::Failed,
                   "the recorded connection was not upgraded with STARTTLS (its recording has no starttls event): "
                   "replay it without STARTTLS, or with TLS from the first byte");
            return;
        }
        m_upgrade = Upgrade::Waiting;
    }
    if (m_options.tls.wanted()) {
        try {
            m_tlsContext = tls::TlsContext::create(m_options.tls, tls::TlsRole::Client);
        } catch (const std::exception& e) {
            finish(ReplayResult::Status::Failed, std::string("cannot replay with TLS: ") + e.what());
            return;
        }
    }
    std::string resolveError;
    m_addresses = Address::resolve(m_options.host, m_options.port, m_options.family, resolveError);
    if (m_addresses.empty()) {
        finish(ReplayResult::Status::Failed, resolveError);
    } else {
        connectNext();
    }
}

void Replayer::Impl::connectNext() {
    if (m_nextAddress >= m_addresses.size()) {
        finish(ReplayResult::Status::Failed, m_lastConnectError);
        return;
    }
    const Address a = m_addresses[m_nextAddress++];
    if (!m_client) m_client = std::make_unique<Client>(*this, &m_loop.loop());
    ReplayEvent e;
    e.kind = ReplayEvent::Kind::Connecting;
    e.text = a.toString();
    emit(std::move(e));
    try {
        m_client->createSocket(a.family());
        armWatchdog();
        m_client->connect(a);
    } catch (const std::system_error& ex) {
        m_client->abandon();
        onTransportFailure(sockops::describe(ex.code()));
    }
}

void Replayer::Impl::onTransportFailure(const std::string& why) {
    if (m_phase != Phase::Connecting) return;
    const Address& tried = m_addresses[m_nextAddress - 1];
    m_lastConnectError = "connect to " + tried.toString() + ": " + why;
    connectNext();
}

void Replayer::Impl::onTlsStarted() {
    // The handshake's time is the layer's (tls.handshakeTimeoutMs): it fails
    // the connection with its own words when it passes.
    if (m_watchdog) m_loop.timers().cancel(m_watchdog);
    m_watchdog = 0;
}

void Replayer::Impl::onTlsFailure(const std::string& why) {
    if (m_phase == Phase::Done) return;
    // A handshake that failed is not retried at the next address: the
    // server answered, and what it said (or did not prove) is the outcome.
    const std::string where = m_addresses[m_nextAddress - 1].toString();
    if (m_phase == Phase::Connecting) {
        finish(ReplayResult::Status::Failed, "connect to " + where + ": " + why);
        return;
    }
    finish(ReplayResult::Status::Failed, "STARTTLS with " + where + " (after " + std::to_string(m_nextRequest) + " of " +
                                             std::to_string(m_script.requests.size()) + " requests): " + why);
}

bool Replayer::Impl::blocked() const noexcept {
    return (m_upgrade == Upgrade::Waiting || m_upgrade == Upgrade::Handshaking) &&
           m_nextRequest >= m_script.startTls->requests;
}

void Replayer::Impl::maybeUpgrade() {
    // The recording's starttls event came after these requests and replies:
    // the plaintext dialogue has been replayed (and its replies compared),
    // and the handshake starts once the last of it has gone out.
    if (m_upgrade != Upgrade::Waiting || m_phase != Phase::Running) return;
    if (m_nextRequest < m_script.startTls->requests || m_repliesDone < m_script.startTls->replies) return;
    m_upgrade = Upgrade::Handshaking;
    if (m_watchdog) m_loop.timers().cancel(m_watchdog);  // the handshake's time is the layer's
    m_watchdog = 0;
    m_client->upgradeWhenFlushed();
}

void Replayer::Impl::onUpgraded(std::shared_ptr<const TlsHandshakeInfo> tls) {
    if (m_phase != Phase::Running || m_upgrade != Upgrade::Handshaking) return;
    m_upgrade = Upgrade::Done;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_result.tls = tls;
    }
    // Connected again, now over TLS (tls->startTls says it was an upgrade).
    emitConnected(std::move(tls));
    if (m_options.pacing == Pacing::Fast)
        while (m_nextRequest < m_script.requests.size() && m_phase == Phase::Running) sendRequest(m_nextRequest++);
    else if (m_options.pacing == Pacing::Original)
        sendDue();
    pump();
}

void Replayer::Impl::emitConnected(std::shared_ptr<const TlsHandshakeInfo> tls) {
    ReplayEvent e;
    e.kind = ReplayEvent::Kind::Connected;
    e.text = m_client->addr.toString();
    e.tls = std::move(tls);
    emit(std::move(e));
}

void Replayer::Impl::sendDue() {
    while (m_phase == Phase::Running && m_nextRequest < m_due && !blocked()) sendRequest(m_nextRequest++);
    maybeUpgrade();
}

void Replayer::Impl::onConnected(std::shared_ptr<const TlsHandshakeInfo> tls) {
    if (m_phase != Phase::Connecting) return;
    m_phase = Phase::Running;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_result.target = m_client->addr.toString();
        m_result.tls = tls;
    }
    emitConnected(std::move(tls));
    const auto now = Clock::now();
    switch (m_options.pacing) {
    case Pacing::Fast:
        while (m_nextRequest < m_script.requests.size() && m_phase == Phase::Running && !blocked())
            sendRequest(m_nextRequest++);
        break;
    case Pacing::Original:
        for (std::size_t i = 0; i < m_script.requests.size(); ++i) {
            const std::int64_t delay = std::max<std::int64_t>(0, m_script.requests[i].tUs - m_script.connectedUs);
            const auto at = now + std::chrono::microseconds(static_cast<std::int64_t>(
                                      std::llround(static_cast<double>(delay) / m_options.speed)));
            m_loop.timers().add(at, 1, [this, i] {
                if (m_phase == Phase::Running) {
                    m_due = std::max(m_due, i + 1);
                    sendDue();
                    maybeEnd();
                    armWatchdog();
                }
            });
        }
        break;
    case Pacing::Lockstep: break;
    }
    pump();
}

void Replayer::Impl::sendRequest(std::size_t i) {
    const ScriptRequest& r = m_script.requests[i];
    m_client->push(std::string_view(r.bytes));
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_result.requestsSent = i + 1;
    }
    ReplayEvent e;
    e.kind = ReplayEvent::Kind::RequestSent;
    e.index = i + 1;
    e.bytes = r.bytes;
    emit(std::move(e));
    maybeHalfClose();
}

void Replayer::Impl::maybeHalfClose() {
    // After the last request — and, unless the pace is fast, once the replies
    // that came before the recorded half-close are in (a server that closes
    // at end of file would otherwise drop replies it had not sent yet).
    if (!m_script.clientHalfCloses || m_halfClosed || !m_client) return;
    if (m_nextRequest < m_script.requests.size()) return;
    if (m_upgrade == Upgrade::Waiting || m_upgrade == Upgrade::Handshaking) return;  // not before the upgrade
    if (m_options.pacing != Pacing::Fast && m_repliesDone < m_script.halfCloseAfter) return;
    m_halfClosed = true;
    m_client->requestHalfClose();
}

void Replayer::Impl::pump() {
    if (m_phase != Phase::Running) return;
    maybeUpgrade();
    if (m_options.pacing == Pacing::Lockstep) {
        while (m_phase == Phase::Running && m_nextRequest < m_script.requests.size() && !blocked() &&
               m_repliesDone >= m_script.requests[m_nextRequest].repliesBefore)
            sendRequest(m_nextRequest++);
    }
    maybeUpgrade();
    maybeHalfClose();
    maybeEnd();
    armWatchdog();
}

void Replayer::Impl::maybeEnd() {
    if (m_phase != Phase::Running) return;
    if (m_upgrade == Upgrade::Waiting || m_upgrade == Upgrade::Handshaking) return;  // the upgrade comes first
    if (m_nextRequest < m_script.requests.size() || m_repliesDone < m_script.replies.size()) return;
    if (m_script.serverCloses) {
        m_phase = Phase::WaitingForClose;
        armWatchdog();
        return;
    }
    finish(m_divergenceCount == 0 ? ReplayResult::Status::Passed : ReplayResult::Status::Diverged);
}

void Replayer::Impl::armWatchdog() {
    if (m_watchdog) m_loop.timers().cancel(m_watchdog);
    m_watchdog = 0;
    if (m_phase == Phase::Done) return;
    if (m_upgrade == Upgrade::Handshaking) return;  // the TLS layer bounds its handshake
    // Running: only while something is due — a reply the next request waits
    // for, or (everything sent) the remaining replies.
    if (m_phase == Phase::Running) {
        const bool allSent = m_nextRequest >= m_script.requests.size();
        const bool waitingForReply =
            allSent ? m_repliesDone < m_script.replies.size()
                    : (m_options.pacing == Pacing::Lockstep &&
                       m_repliesDone < m_script.requests[m_nextRequest].repliesBefore);
        if (!waitingForReply) return;
    }
    m_watchdog = m_loop.timers().add(Clock::now() + m_options.timeout, 2, [this] {
        m_watchdog = 0;
        onWatchdog();
    });
}

void Replayer::Impl::onWatchdog() {
    const std::string limit = seconds(std::chrono::duration_cast<std::chrono::microseconds>(m_options.timeout).count());
    switch (m_phase) {
    case Phase::Connecting: {
        const Address& tried = m_addresses[m_nextAddress - 1];
        m_lastConnectError = "connect to " + tried.toString() + ": no answer within " + limit + " s";
        if (m_client) m_client->abandon();
        connectNext();
        return;
    }
    case Phase::Running: {
        // The recorded stream ended in an unterminated tail (no terminator
        // ever framed it): received in full, it is complete by definition.
        if (m_repliesDone < m_script.replies.size() && !m_script.replies[m_repliesDone].message.terminated) {
            std::string tail = m_partial + (m_client ? m_client->residue() : std::string());
            if (!firstDifference(m_script.replies[m_repliesDone].message.body, tail, m_rules, m_repliesDone + 1)) {
                m_partial.clear();
                onReply(std::move(tail), std::string(), false);
                return;
            }
        }
        Divergence d;
        d.kind = Divergence::Kind::Missing;
        d.reply = m_repliesDone + 1;
        d.requestsSent = m_nextRequest;
        const std::string expected = expectedWire(m_repliesDone);
        d.offset = firstDifference(expected, m_partial, m_rules, d.reply).value_or(m_partial.size());
        d.expected = keptPart(expected, d.offset);
        d.received = keptPart(m_partial, d.offset);
        d.summary = "reply " + std::to_string(d.reply) + " of " + std::to_string(m_script.replies.size()) +
                    (m_partial.empty() ? " did not come within " : " did not end within ") + limit + " s (after " +
                    std::to_string(d.requestsSent) + " of " + std::to_string(m_script.requests.size()) +
                    " requests)" +
                    (m_partial.empty() ? std::string()
                                       : "; only part of it arrived: " + std::to_string(m_partial.size()) + " bytes");
        diverge(std::move(d));
        finish(ReplayResult::Status::Diverged);
        return;
    }
    case Phase::WaitingForClose: {
        Divergence d;
        d.kind = Divergence::Kind::NotClosed;
        d.requestsSent = m_nextRequest;
        d.summary = "the server did not close the connection within " + limit +
                    " s after the last reply; the recording shows it closing";
        diverge(std::move(d));
        finish(ReplayResult::Status::Diverged);
        return;
    }
    case Phase::Done: return;
    }
}

void Replayer::Impl::onCollect(std::string_view data) {
    if (m_phase == Phase::Done) return;
    // A reply that never ends is cut at the limit (the memory it may take),
    // and its time is bounded by the watchdog, which progress does not push
    // back: a server that keeps streaming is stopped either way.
    if (data.size() > replyLimit(m_repliesDone) - std::min(m_partial.size(), replyLimit(m_repliesDone))) {
        onReplyTooLong(m_partial.size() + data.size());
        return;
    }
    m_partial.append(data);
    // A reply that has already gone wrong need not be waited for (only when
    // no ignore rule could make it match in the end): afterRead() reports it
    // unless the same read completes it (then onReply() reports it whole).
    if (m_partialDiverged || m_earlyMismatch || m_repliesDone >= m_script.replies.size()) return;
    const std::size_t reply = m_repliesDone + 1;
    for (const Rule& r : m_rules)
        if (r.reply == 0 || r.reply == reply) return;
    const FramedMessage& exp = m_script.replies[m_repliesDone].message;
    const std::string_view body = exp.body;
    // Only the bytes this call added need checking: the earlier ones matched.
    const std::size_t from = m_partial.size() - data.size();
    const std::size_t to = std::min(body.size(), m_partial.size());
    const bool prefixDiffers =
        from < to && std::string_view(m_partial).substr(from, to - from) != body.substr(from, to - from);
    const bool tooLong = exp.terminated && m_partial.size() > body.size();
    m_earlyMismatch = prefixDiffers || tooLong;
}

std::size_t Replayer::Impl::replyLimit(std::size_t j) const {
    // A recorded reply longer than the limit may come back as long.
    const std::size_t recorded = j < m_script.replies.size() ? m_script.replies[j].message.body.size() : 0;
    return std::max(m_options.maxReplyBytes, recorded);
}

void Replayer::Impl::onReplyTooLong(std::size_t size) {
    const std::size_t j = m_repliesDone;
    const bool recorded = j < m_script.replies.size();
    const std::string_view body = recorded ? std::string_view(m_script.replies[j].message.body) : std::string_view();
    Divergence d;
    d.kind = recorded ? Divergence::Kind::Different : Divergence::Kind::Unexpected;
    d.reply = j + 1;
    d.requestsSent = m_nextRequest;
    const auto where = std::mismatch(body.begin(), body.end(), m_partial.begin(), m_partial.end());
    d.offset = static_cast<std::size_t>(where.second - m_partial.begin());
    if (recorded) d.expected = keptPart(m_script.replies[j].message.wire(), d.offset);
    d.received = keptPart(m_partial, d.offset);
    m_partial.clear();
    m_partial.shrink_to_fit();
    d.summary = "reply " + std::to_string(j + 1) + (recorded ? " of " + std::to_string(m_script.replies.size()) : "") +
                " exceeds the limit of " + std::to_string(replyLimit(j)) + " bytes: " + std::to_string(size) +
                " bytes came without its end (after " + std::to_string(d.requestsSent) + " of " +
                std::to_string(m_script.requests.size()) + " requests)";
    diverge(std::move(d));
    finish(ReplayResult::Status::Diverged);
}

void Replayer::Impl::afterRead() {
    if (!m_earlyMismatch || m_phase == Phase::Done) return;
    m_earlyMismatch = false;
    m_partialDiverged = true;
    const std::size_t reply = m_repliesDone + 1;
    const FramedMessage& exp = m_script.replies[m_repliesDone].message;
    const std::string_view body = exp.body;
    Divergence d;
    d.kind = Divergence::Kind::Different;
    d.reply = reply;
    d.requestsSent = m_nextRequest;
    const auto where = std::mismatch(body.begin(), body.end(), m_partial.begin(), m_partial.end());
    d.offset = static_cast<std::size_t>(where.second - m_partial.begin());
    d.expected = keptPart(exp.wire(), d.offset);
    d.received = keptPart(m_partial, d.offset);
    d.summary = "reply " + std::to_string(reply) + " of " + std::to_string(m_script.replies.size()) +
                " differs from the recording at byte " + std::to_string(d.offset) + " (after " +
                std::to_string(d.requestsSent) + " of " + std::to_string(m_script.requests.size()) +
                " requests; its end has not come yet)";
    diverge(std::move(d));
    if (!m_options.keepGoing) finish(ReplayResult::Status::Diverged);
}

void Replayer::Impl::onReply(std::string body, std::string terminator, bool terminated) {
    if (m_phase == Phase::Done) return;
    m_partial.clear();
    const bool alreadyReported = std::exchange(m_partialDiverged, false);
    m_earlyMismatch = false;
    const std::size_t j = m_repliesDone++;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_result.repliesReceived = m_repliesDone;
    }
    std::string wire = body + terminator;
    if (j >= m_script.replies.size()) {
        Divergence d;
        d.kind = Divergence::Kind::Unexpected;
        d.reply = j + 1;
        d.requestsSent = m_nextRequest;
        d.received = keptPart(wire, 0);
        d.summary = "reply " + std::to_string(j + 1) + " was not expected: the recording has " +
                    std::to_string(m_script.replies.size()) + (m_script.replies.size() == 1 ? " reply" : " replies");
        diverge(std::move(d));
        if (!m_options.keepGoing) finish(ReplayResult::Status::Diverged);
        return;
    }
    const FramedMessage& exp = m_script.replies[j].message;
    std::optional<std::size_t> diff;
    if (terminated != exp.terminated || terminator != exp.terminatorBytes) {
        diff = firstDifference(exp.body, body, m_rules, j + 1).value_or(body.size());
    } else {
        diff = firstDifference(exp.body, body, m_rules, j + 1);
    }
    if (!diff) {
        ++m_matched;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_result.repliesMatched = m_matched;
        }
        ReplayEvent e;
        e.kind = ReplayEvent::Kind::ReplyMatched;
        e.index = j + 1;
        e.bytes = std::move(wire);
        emit(std::move(e));
    } else if (!alreadyReported) {
        Divergence d;
        d.kind = Divergence::Kind::Different;
        d.reply = j + 1;
        d.requestsSent = m_nextRequest;
        d.offset = *diff;
        d.expected = keptPart(exp.wire(), d.offset);
        d.received = keptPart(wire, d.offset);
        d.ignoredExpected = clipped(ignoredRanges(exp.body, m_rules, j + 1), d.expected.size());
        d.ignoredReceived = clipped(ignoredRanges(body, m_rules, j + 1), d.received.size());
        d.summary = "reply " + std::to_string(j + 1) + " of " + std::to_string(m_script.replies.size()) +
                    " differs from the recording at byte " + std::to_string(*diff) + " (after " +
                    std::to_string(d.requestsSent) + " of " + std::to_string(m_script.requests.size()) + " requests)";
        if (!terminated && exp.terminated) d.summary += "; the connection ended before its terminator";
        diverge(std::move(d));
        if (!m_options.keepGoing) {
            finish(ReplayResult::Status::Diverged);
            return;
        }
    }
    pump();
}

void Replayer::Impl::onServerClosed(const std::string& how) {
    if (m_phase == Phase::Done) return;
    // What was received but never framed is the last (unterminated) reply.
    std::string tail = std::move(m_partial);
    if (m_client) tail += m_client->residue();
    m_partial.clear();
    if (!tail.empty()) {
        onReply(std::move(tail), std::string(), false);
        if (m_phase == Phase::Done) return;
    }
    if (m_repliesDone < m_script.replies.size()) {
        Divergence d;
        d.kind = Divergence::Kind::Missing;
        d.reply = m_repliesDone + 1;
        d.requestsSent = m_nextRequest;
        d.expected = expectedWire(m_repliesDone);
        d.summary = "the server " + how + " before reply " + std::to_string(d.reply) + " of " +
                    std::to_string(m_script.replies.size()) + " (after " + std::to_string(d.requestsSent) + " of " +
                    std::to_string(m_script.requests.size()) + " requests)";
        diverge(std::move(d));
        finish(ReplayResult::Status::Diverged);
        return;
    }
    if (m_nextRequest < m_script.requests.size()) {
        Divergence d;
        d.kind = Divergence::Kind::ClosedEarly;
        d.requestsSent = m_nextRequest;
        d.summary = "the server " + how + " before request " + std::to_string(m_nextRequest + 1) + " of " +
                    std::to_string(m_script.requests.size()) + " was sent; the recording shows it open until then";
        diverge(std::move(d));
        finish(ReplayResult::Status::Diverged);
        return;
    }
    finish(m_divergenceCount == 0 ? ReplayResult::Status::Passed : ReplayResult::Status::Diverged);
}

void Replayer::Impl::diverge(Divergence d) {
    const bool last = ++m_divergenceCount >= m_options.maxDivergences;
    if (last && m_options.keepGoing)
        d.summary += "; that makes " + std::to_string(m_options.maxDivergences) +
                     " divergences, the limit: the replay stops here";
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_result.divergences.push_back(d);
    }
    ReplayEvent e;
    e.kind = ReplayEvent::Kind::Diverged;
    e.index = d.reply;
    e.text = d.summary;
    e.divergence = std::move(d);
    emit(std::move(e));
    if (last) finish(ReplayResult::Status::Diverged);
}

void Replayer::Impl::finish(ReplayResult::Status status, std::string error) {
    if (m_phase == Phase::Done) return;
    m_phase = Phase::Done;
    if (m_client) m_client->abandon();
    ReplayResult copy;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_result.status = status;
        m_result.error = std::move(error);
        m_result.bytesSent = m_bytesSent;
        m_result.bytesReceived = m_bytesReceived;
        m_result.elapsedUs = elapsedUs();
        copy = m_result;
    }
    ReplayEvent e;
    e.kind = ReplayEvent::Kind::Finished;
    e.text = copy.status == ReplayResult::Status::Failed ? copy.error : copy.summary();
    emit(std::move(e));
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_finished = true;
    }
    m_doneCv.notify_all();
}

// --- Replayer --------------------------------------------------------------------------------

Replayer::Replayer(ReplayScript script, ReplayOptions options)
    : m_impl(std::make_unique<Impl>(std::move(script), std::move(options))) {}

Replayer::~Replayer() = default;

std::optional<std::string> Replayer::checkOptions(const ReplayOptions& options) {
    if (!(options.speed > 0) || !std::isfinite(options.speed))
        return "the speed must be a number greater than 0, got " + std::to_string(options.speed);
    if (options.timeout.count() <= 0) return std::string("the timeout must be greater than 0");
    if (options.maxReplyBytes == 0) return std::string("the reply size limit must be at least 1 byte");
    if (options.maxDivergences == 0) return std::string("the divergence limit must be at least 1");
    if (options.tls.enabled && options.tls.startTls != StartTlsProtocol::None)
        return std::string("TLS from the first byte and a STARTTLS upgrade exclude each other");
    for (const IgnoreRule& r : options.ignore) {
        std::string why;
        if (!Pattern::compile(r.pattern, &why, options.patternLimits))
            return "the ignore pattern '" + Pattern::excerpt(r.pattern) + "' is not a valid regular expression: " + why;
    }
    return std::nullopt;
}

void Replayer::start(Observer observer) { m_impl->start(std::move(observer)); }
void Replayer::cancel() { m_impl->cancel(); }
bool Replayer::wait(std::chrono::milliseconds timeout) { return m_impl->wait(timeout); }
bool Replayer::finished() const { return m_impl->finished(); }
ReplayResult Replayer::result() const { return m_impl->result(); }

ReplayResult Replayer::run(Observer observer) {
    start(std::move(observer));
    while (!wait(std::chrono::hours(1))) {
    }
    return result();
}

}  // namespace engine
