// HostedWorkRunner.cpp — hosted work: the factory, the taps on its
// dispatchers, and the end of the work.
#include "engine/reactor/HostedWorkRunner.h"

#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/DispatcherTap.h"
#include "engine/asyncore/Waker.h"
#include "engine/net/Address.h"
#include "engine/net/SocketOps.h"
#include "engine/reactor/Channel.h"
#include "engine/reactor/CurrentException.h"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace engine {

namespace {
constexpr std::uint64_t kTickOwner = ~std::uint64_t{0};  // the tick timer's owner: never a channel id
}  // namespace

// The tap the runner installs on each dispatcher of hosted work: it turns
// what the dispatcher does into the events a Channel would emit, through a
// ChannelReporter of its own.
class HostedTap final : public DispatcherTap {
public:
    HostedTap(HostedWorkRunner& runner, ChannelContext& ctx, Dispatcher& d, ChannelId id, HostId host,
              ChannelRole role, ChannelId parent)
        : m_runner(runner), m_report(ctx, id, role, parent), m_d(&d), m_host(host), m_class(d.pythonClassName()),
          m_chat(dynamic_cast<AsyncChat*>(&d)) {}

    std::uint32_t traceId() const override { return m_report.id(); }
    void listening(const Dispatcher& d) override {
        std::error_code ec;
        const Address local = sockops::localAddress(d.socketHandle(), ec);
        m_report.listening(ec ? std::string() : local.toString(), ec ? 0 : local.port());
    }
    void connecting(const Dispatcher&, const Address& a) override { m_report.connecting(a); }
    void connected(const Dispatcher& d) override {
        std::error_code ec;
        std::string peer = sockops::peerAddress(d.socketHandle(), ec).toString();
        m_report.connected(std::move(peer), sockops::localAddress(d.socketHandle(), ec).toString());
    }
    void accepted(const Dispatcher&, const Address&) override { m_runner.noteAccept(m_report.id()); }
    void received(const Dispatcher&, std::string_view bytes) override {
        if (bytes.empty()) {
            m_peerEof = true;
            return;
        }
        m_report.received(bytes.size());
        if (!m_chat) m_report.receivedBytes(bytes);  // an async_chat's `collect` says it
    }
    void sent(const Dispatcher&, std::string_view bytes) override { m_report.sent(bytes); }
    void collected(const Dispatcher&, std::string_view data) override { m_report.collected(data); }
    void terminatorFound(const Dispatcher&, const Terminator& matched) override {
        // As for a Channel: get_terminator() inside the call, so a count
        // terminator reads count 0 (R8); `size` is the message's length.
        m_report.terminatorFound(matched);
    }
    void error(const Dispatcher&) override {
        int code = 0;
        const std::string what = currentExceptionMessage(code, "unknown exception");
        m_error = what;
        m_errno = code;
        m_report.error(code, m_class + ": " + what);
    }
    void closed(const Dispatcher&) override { reportClosed(m_error.empty() ? "close" : m_error); }
    void destroyed(const Dispatcher&) override {
        // Called from ~Dispatcher: the subclass parts are gone, ask them nothing.
        m_chat = nullptr;
        m_d = nullptr;
        reportClosed("destroyed");
    }

    /// `closed` with the final counters, once.
    void reportClosed(std::string detail) {
        if (m_closed) return;
        m_closed = true;
        const CloseReason reason = !m_error.empty() ? CloseReason::Error : m_peerEof ? CloseReason::Peer : CloseReason::Local;
        ChannelState last = m_report.state(ChannelPhase::Closed);
        if (m_chat) last.terminator = m_chat->getTerminator();
        m_report.closed(reason, m_errno, std::move(detail), std::move(last));
    }

    ChannelState snapshot() const {
        if (!m_d || m_closed) return m_report.state(ChannelPhase::Closed);
        Dispatcher& d = *m_d;
        ChannelState st = m_report.state(d.accepting     ? ChannelPhase::Listening
                                         : d.connected  ? ChannelPhase::Connected
                                         : d.connecting ? ChannelPhase::Connecting
                                                        : ChannelPhase::Closed);
        std::error_code ec;
        if (d.socketHandle() != kInvalidSocket) {
            st.local = sockops::localAddress(d.socketHandle(), ec).toString();
            if (!d.accepting) st.peer = sockops::peerAddress(d.socketHandle(), ec).toString();
        }
        st.readable = d.readable();
        st.writable = d.writable();
        ChannelReporter::describe(st, d);
        return st;
    }

    ChannelReporter& reporter() noexcept { return m_report; }
    Dispatcher* dispatcher() const noexcept { return m_d; }
    ChannelId id() const noexcept { return m_report.id(); }
    HostId host() const noexcept { return m_host; }
    const std::string& className() const noexcept { return m_class; }
    bool isClosed() const noexcept { return m_closed; }

private:
    HostedWorkRunner& m_runner;
    ChannelReporter m_report;
    Dispatcher* m_d;
    const HostId m_host;
    const std::string m_class;
    const AsyncChat* m_chat;  // nullptr once destroyed
    bool m_peerEof = false;
    bool m_closed = false;
    std::string m_error;
    int m_errno = 0;
};

HostedWorkRunner::HostedWorkRunner(ChannelContext& ctx, LoopThread& thread, std::atomic<ChannelId>& nextId)
    : m_ctx(ctx), m_thread(thread), m_nextId(nextId) {
    m_thread.assertInLoopThread();
}

HostedWorkRunner::~HostedWorkRunner() {
    // The tick timers name us (off the loop thread the loop has ended: no timer runs again).
    if (m_thread.isInLoopThread()) m_thread.timers().cancelOwner(kTickOwner);
    if (!active() && m_pendingAdds.empty()) return;  // the usual case: stopAll() ran
    m_thread.assertInLoopThread();
    while (!m_hosts.empty()) endHost(m_hosts.begin()->first);
    for (auto& [id, t] : m_taps)
        if (Dispatcher* d = t->dispatcher()) d->setTap(nullptr);
    if (m_thread.loop().registry() == this) m_thread.loop().setRegistry(nullptr);
}

HostedTap* HostedWorkRunner::tap(ChannelId id) const {
    auto it = m_taps.find(id);
    return it == m_taps.end() ? nullptr : it->second.get();
}

void HostedWorkRunner::hostedEvent(HostPhase phase, HostId host, std::string info, std::int64_t size) {
    Event& e = m_ctx.events.emplace(EventKind::Hosted, kReactorChannel);
    e.sub = static_cast<std::uint8_t>(phase);
    e.count = host;
    e.info = std::move(info);
    e.size = size;
}

void HostedWorkRunner::added(Dispatcher& d) {
    m_thread.assertInLoopThread();
    m_pendingAdds.push_back(&d);
}

void HostedWorkRunner::removed(Dispatcher& d) {
    m_thread.assertInLoopThread();
    // A dispatcher that leaves the map before we looked at it (closed, or
    // destroyed) is forgotten: the pointer may not stay valid.
    std::erase(m_pendingAdds, &d);
}

void HostedWorkRunner::start(HostId host, const std::string& label, const HostFactory& factory) {
    m_thread.assertInLoopThread();
    Loop& loop = m_thread.loop();
    loop.setRegistry(this);
    m_currentHost = host;
    std::unique_ptr<HostedWork> work;
    std::string failure;
    try {
        if (!factory) throw std::invalid_argument("nothing to host");
        work = factory(loop);
        if (!work) throw std::invalid_argument("the factory made nothing");
    } catch (const std::exception& e) {
        failure = e.what();
    } catch (...) {
        failure = "unknown exception";
    }
    if (!failure.empty()) {
        // Whatever it registered before throwing is not ours to keep.
        m_pendingAdds.clear();
        m_currentHost = 0;
        hostedEvent(HostPhase::Failed, host, label + ": " + failure);
        if (!active()) loop.setRegistry(nullptr);
        return;
    }
    hostedEvent(HostPhase::Started, host, label, work->port());
    m_hosts.emplace(host, HostRec{label, std::move(work)});
    adoptPending();
    m_currentHost = 0;
}

void HostedWorkRunner::stop(HostId host) {
    m_thread.assertInLoopThread();
    auto it = m_hosts.find(host);
    if (it == m_hosts.end()) {
        Event& e = m_ctx.events.emplace(EventKind::Error, kReactorChannel);
        e.info = "cannot stop hosted work " + std::to_string(host) + ": it is not running";
        return;
    }
    hostedEvent(HostPhase::Stopped, host, it->second.label);
    endHost(host);
}

void HostedWorkRunner::stopAll() {
    m_thread.assertInLoopThread();
    // Hosted work first: its dispatchers live in the Loop and report through us.
    while (!m_hosts.empty()) {
        const HostId id = m_hosts.begin()->first;
        hostedEvent(HostPhase::Stopped, id, m_hosts.begin()->second.label);
        endHost(id);
    }
    for (auto& [id, t] : m_taps)
        if (Dispatcher* d = t->dispatcher()) {
            d->closeNoThrow();
            d->setTap(nullptr);
        }
    m_taps.clear();
    m_thread.loop().setRegistry(nullptr);
    m_pendingAdds.clear();
}

void HostedWorkRunner::settleNow() {
    m_thread.assertInLoopThread();
    adoptPending();  // what the pass's hooks made (as before ticks existed)
    tickHosts();     // adopts what each tick makes as that work's
    checkHosts();
}

void HostedWorkRunner::tickHosts() {
    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> next;
    for (auto& [id, h] : m_hosts) {
        if (!h.work) continue;
        m_currentHost = id;  // what its tick makes (a connect) is its own
        if (auto t = h.work->tick(m_paused)) next = next ? std::min(*next, *t) : *t;
        adoptPending();
    }
    m_currentHost = 0;
    if (!next) return;
    const auto now = Clock::now();
    if (m_tickArmed && *m_tickArmed > now && *m_tickArmed <= *next) return;  // an earlier one is on its way
    m_tickArmed = *next;
    m_thread.timers().add(*next, kTickOwner, [this] { m_tickArmed.reset(); });
}

void HostedWorkRunner::adoptPending() {
    if (m_pendingAdds.empty()) {
        m_lastAcceptor = 0;
        return;
    }
    const std::vector<Dispatcher*> pending = std::exchange(m_pendingAdds, {});
    const HostedTap* acceptor = tap(m_lastAcceptor);
    m_lastAcceptor = 0;
    const Dispatcher* waker = m_thread.waker();
    for (Dispatcher* d : pending) {
        if (d->tap() || dynamic_cast<Channel*>(d) || d->fileno() == kInvalidSocket) continue;
        if (d == waker) continue;
        HostId host = m_currentHost;
        if (acceptor) host = acceptor->host();
        if (host == 0 && !m_hosts.empty()) host = m_hosts.rbegin()->first;  // made by a hook of hosted work
        if (host == 0 || !m_hosts.count(host)) continue;                    // not ours
        const ChannelId id = m_nextId++;
        const ChannelRole role = d->accepting               ? ChannelRole::Listener
                                 : acceptor && d->connected ? ChannelRole::Accepted
                                                            : ChannelRole::Client;
        const ChannelId parent = role == ChannelRole::Accepted ? acceptor->id() : 0;
        auto owned = std::make_unique<HostedTap>(*this, m_ctx, *d, id, host, role, parent);
        HostedTap& t = *owned;
        m_taps.emplace(id, std::move(owned));
        d->setTap(&t);
        // What it already did before we saw it, as the event that opens a channel.
        ChannelReporter& report = t.reporter();
        std::error_code ec;
        const NativeSocket fd = d->socketHandle();
        if (role == ChannelRole::Listener) {
            const Address local = sockops::localAddress(fd, ec);
            report.listening(ec ? std::string() : local.toString(), ec ? 0 : local.port());
        } else if (role == ChannelRole::Accepted) {
            report.accepted(d->addr.toString(), sockops::localAddress(fd, ec).toString());
        } else if (d->connecting) {
            report.connecting(d->addr);
        } else if (d->connected) {
            report.connected(d->addr.toString(), sockops::localAddress(fd, ec).toString());
        }
        Event& h = report.emit(EventKind::Hosted);
        h.sub = static_cast<std::uint8_t>(HostPhase::Dispatcher);
        h.count = host;
        h.info = t.className();
        h.aux = m_hosts[host].label;
        h.parent = parent;
    }
}

void HostedWorkRunner::checkHosts() {
    std::vector<HostId> finished;
    for (auto& [id, h] : m_hosts)
        if (h.work && h.work->done()) finished.push_back(id);
    for (const HostId id : finished) {
        auto it = m_hosts.find(id);
        hostedEvent(HostPhase::Done, id, it->second.label, it->second.work->ok() ? 1 : 0);
        endHost(id);
    }
    // Dispatchers destroyed on their own (an adopted handler that closed).
    std::erase_if(m_taps, [](const auto& kv) { return kv.second->dispatcher() == nullptr; });
    if (!active()) {
        m_thread.loop().setRegistry(nullptr);
        m_pendingAdds.clear();
    }
}

void HostedWorkRunner::endHost(HostId id) {
    auto it = m_hosts.find(id);
    if (it == m_hosts.end()) return;
    for (auto t = m_taps.begin(); t != m_taps.end();) {
        if (t->second->host() != id) {
            ++t;
            continue;
        }
        if (Dispatcher* d = t->second->dispatcher()) {
            d->closeNoThrow();  // `closed` through the tap
            d->setTap(nullptr);
        }
        t = m_taps.erase(t);
    }
    std::unique_ptr<HostedWork> work = std::move(it->second.work);
    m_hosts.erase(it);
    work.reset();  // its dispatchers are closed and untapped: destroying them says nothing
}

bool HostedWorkRunner::close(ChannelId id) {
    m_thread.assertInLoopThread();
    HostedTap* t = tap(id);
    if (!t || !t->dispatcher() || t->isClosed()) return false;
    t->dispatcher()->closeNoThrow();
    return true;
}

bool HostedWorkRunner::snapshot(ChannelId id) {
    m_thread.assertInLoopThread();
    HostedTap* t = tap(id);
    if (!t) return false;
    if (!t->isClosed()) t->reporter().snapshot(t->snapshot());
    return true;
}

void HostedWorkRunner::snapshotAll() {
    m_thread.assertInLoopThread();
    for (auto& [id, t] : m_taps)
        if (!t->isClosed()) t->reporter().snapshot(t->snapshot());
}

const std::string* HostedWorkRunner::openClassName(ChannelId id) const {
    m_thread.assertInLoopThread();
    const HostedTap* t = tap(id);
    return t && !t->isClosed() ? &t->className() : nullptr;
}

}  // namespace engine
