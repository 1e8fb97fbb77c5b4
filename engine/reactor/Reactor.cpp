// Reactor.cpp — the Reactor's door, its loop passes, its commands and its
// channels. (Hosted work is HostedWorkRunner.cpp, the paused preview
// LoopPreview.cpp, the thread itself LoopThread.cpp.)
//
// The LoopThread runs, until a Shutdown command, passes of:
//   1. commands — the posted tasks, each carrying one Command (or a name
//      the resolver looked up), run in the order they were posted;
//   2. before the wait (beforeWait()) — destroy the channels the commands
//      closed, pause reading if the event backlog is over budget, settle the
//      hosted work (the one place per pass: dispatchers made and work
//      finished since the last settle), refresh the paused preview, publish
//      what the commands produced;
//   3. wait and dispatch — one Loop::poll() pass, waiting at most until the
//      next timer (the Waker ends the wait when a command arrives). While
//      paused (hold()), the thread waits for commands instead, and a Step
//      lets exactly one pass through;
//   4. timers — paced repeats;
//   5. after the pass (afterPass()) — count it, destroy the channels that
//      closed during 3–4 (never during a pass: hooks may still be running on
//      them), publish: one lock hands the pass's events to consumers, another
//      copies the counters for stats().
// Then (teardown()) every channel is closed (reason local, "shutdown") and
// `stopped` is emitted; the LoopThread closes the door before it destroys
// the Waker, so a late post() is dropped instead of touching freed memory.
#include "engine/reactor/Reactor.h"

#include "engine/asyncore/FileProducer.h"
#include "engine/asyncore/RepeatProducer.h"
#include "engine/asyncore/TimerQueue.h"
#include "engine/net/NetErrors.h"
#include "engine/net/Resolver.h"
#include "engine/net/SocketOps.h"
#include "engine/net/ThreadSafety.h"
#include "engine/reactor/Channel.h"
#include "engine/reactor/DatagramChannel.h"
#include "engine/reactor/EventQueue.h"
#include "engine/reactor/HostedWorkRunner.h"
#include "engine/reactor/LoopPreview.h"
#include "engine/reactor/LoopThread.h"
#include "engine/reactor/LoopTracer.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <optional>
#include <unordered_map>
#include <variant>

namespace engine {

namespace {

// The channel a command names (0 for reactor-wide commands).
struct CommandChannel {
    template <class C>
    ChannelId operator()(const C& c) const noexcept {
        if constexpr (requires { c.channel; })
            return c.channel;
        else if constexpr (requires { c.id; })
            return c.id;
        else
            return 0;
    }
};

std::string stripBrackets(const std::string& host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
    return host;
}

// While paused with the trace on, the preview is refreshed this often, so
// that bytes a peer sends meanwhile show up.
constexpr std::chrono::milliseconds kPreviewRefresh{200};

}  // namespace

class Reactor::Impl final : public ChannelHost {
public:
    explicit Impl(ReactorOptions options);
    ~Impl() override;

    void start();
    ChannelId post(Command command);
    HostId postHost(std::string label, HostFactory factory);
    /// Reactor::wake(): an empty task through the door.
    void wake() { m_thread.post([] {}); }
    ReactorStats stats() const LW_EXCLUDES(m_statsMutex);
    /// The backend the loop waits in now (any thread).
    Backend backend() const noexcept { return m_thread.backend(); }

    // ChannelHost (loop thread)
    void acceptConnection(Channel& listener, Socket sock, const Address& peer) override;
    void channelClosed(Channel& channel) override;

    const ReactorOptions m_opts;
    const std::chrono::system_clock::time_point m_wallStart = std::chrono::system_clock::now();
    EventQueue m_events;

private:
    // What the resolver hands back, as a task for the loop thread.
    struct Resolved {
        std::uint64_t ticket = 0;
        std::vector<Address> addresses;
        std::string error;
    };
    struct PendingResolve {
        ChannelId id = 0;
        std::string host;
        int backlog = 0;  // listeners
        bool datagram = false;  // a UDP channel (m_datagrams)
    };
    struct RepeatJob {
        ChannelId id = 0;
        std::string data;
        std::uint64_t copies = 0;  // 0: until stopped
        std::uint64_t sent = 0;
        std::chrono::milliseconds interval{0};
    };
    /// The job of `c` (its data moved out).
    static std::shared_ptr<RepeatJob> repeatJob(cmd::PushRepeat& c) {
        auto job = std::make_shared<RepeatJob>();
        job->id = c.channel;
        job->data = std::move(c.data);
        job->copies = c.copies;
        job->interval = c.interval;
        return job;
    }

    // The LoopThread's hooks (loop thread).
    void started();
    void beforeWait();
    std::optional<std::chrono::milliseconds> hold() const;
    void afterPass();
    void failed(std::exception_ptr error);
    void teardown();
    /// Paused, no step pending, trace on: the preview is shown.
    bool previewing() const { return m_paused && m_steps == 0 && m_thread.loop().observer() != nullptr; }
    void publish() LW_EXCLUDES(m_statsMutex);

    /// Every command enters the loop thread here.
    void run(Command& command);
    void execute(cmd::OpenClient& c);
    void execute(cmd::OpenServer& c);
    void execute(cmd::OpenDatagram& c);
    void execute(cmd::PushTo& c);
    void execute(cmd::Push& c);
    void execute(cmd::PushFile& c);
    void execute(cmd::PushRepeat& c);
    void execute(cmd::SetTerminator& c);
    void execute(cmd::SetProxyServerTerminator& c);
    void execute(cmd::SetPrograms& c);
    void execute(cmd::SetBufferSizes& c);
    void execute(cmd::SetLimits& c);
    void execute(cmd::CloseWhenDone& c);
    void execute(cmd::HalfClose& c);
    void execute(cmd::DiscardBuffers& c);
    void execute(cmd::Close& c);
    void execute(cmd::StartTls& c);
    void execute(cmd::Snapshot& c);
    void execute(cmd::Pause& c);
    void execute(cmd::Resume& c);
    void execute(cmd::Step& c);
    void execute(cmd::SetLoopTrace& c);
    void execute(cmd::SetBackend& c);
    void execute(cmd::SetMessageLimit& c);
    void execute(cmd::Shutdown& c);
    void execute(cmd::Host& c);
    void execute(cmd::StopHost& c);
    void execute(cmd::SetIntercept& c);
    void execute(cmd::ReleaseHeld& c);
    void execute(Resolved& r);

    Channel& addChannel(std::unique_ptr<Channel> ch);
    /// Connects `ch` (a client channel) to host:port: at once for a numeric
    /// address, else once the resolver has answered.
    void startConnect(Channel& ch, const std::string& host, std::uint16_t port, int family);
    /// The live channel `id`, or nullptr after an `error` event saying why
    /// `what` cannot be done.
    Channel* find(ChannelId id, std::string_view what);
    /// The live channel `id` if it can send, else nullptr after an `error`.
    Channel* findSender(ChannelId id, std::string_view what);
    void emitError(ChannelId channel, int error, std::string message);
    void emitSnapshot(Channel& ch);
    void scheduleRepeat(std::shared_ptr<RepeatJob> job);
    /// The live UDP channel `id`, or nullptr (not one).
    DatagramChannel* datagram(ChannelId id);
    /// An `error` saying `what` is not for a UDP channel, when `id` is one; true then.
    bool refuseForDatagram(ChannelId id, std::string_view what);
    /// find() for what only a TCP channel does: nullptr after an `error` when
    /// `id` is a UDP channel.
    Channel* findStream(ChannelId id, std::string_view what);
    /// findStream() for setting two sizes: nullptr after an `error` unless
    /// both are at least 1 byte.
    Channel* findToResize(ChannelId id, std::string_view what, std::size_t first, std::size_t second);
    void datagramClosed(DatagramChannel& ch);
    // A closed channel or UDP socket leaves `live` for `graveyard` (destroyed
    // after the pass), its timers cancelled.
    template <class C>
    void bury(ChannelId id, std::map<ChannelId, std::unique_ptr<C>>& live, std::vector<std::unique_ptr<C>>& graveyard);
    void scheduleDatagramRepeat(std::shared_ptr<RepeatJob> job);
    /// `again` (one of the two above) with `job`, once its interval has passed.
    void repeatAfterInterval(std::shared_ptr<RepeatJob> job, void (Impl::*again)(std::shared_ptr<RepeatJob>));

    // Any thread.
    std::atomic<ChannelId> m_nextId{1};
    std::atomic<HostId> m_nextHost{1};
    mutable Mutex m_statsMutex;
    ReactorStats m_published LW_GUARDED_BY(m_statsMutex);

    // The thread, its Loop, Waker and timers, and the door.
    LoopThread m_thread;

    // Loop-thread state.
    ChannelContext m_ctx;
    std::unique_ptr<LoopTracer> m_tracer;
    std::unique_ptr<Resolver> m_resolver;
    std::unique_ptr<HostedWorkRunner> m_hosting;
    LoopPreview m_preview;
    std::map<ChannelId, std::unique_ptr<Channel>> m_channels;
    std::vector<std::unique_ptr<Channel>> m_graveyard;
    std::map<ChannelId, std::unique_ptr<DatagramChannel>> m_datagrams;
    std::vector<std::unique_ptr<DatagramChannel>> m_datagramGraveyard;
    std::unordered_map<std::uint64_t, PendingResolve> m_resolving;
    std::uint64_t m_nextTicket = 1;
    bool m_paused = false;
    unsigned m_steps = 0;
    bool m_backlogWarned = false;
};

// --- Construction and the door -------------------------------------------------------------

Reactor::Impl::Impl(ReactorOptions options)
    : m_opts(std::move(options)), m_events(m_opts.eventBacklogLimit), m_thread(m_opts.backend),
      m_ctx(m_events, *this), m_preview(m_events) {
    m_ctx.backend = m_opts.backend;
    m_ctx.level = m_opts.level;
    m_events.setNotifier(m_opts.eventsAvailable);
    m_events.setReliefCallback([this] { m_thread.wake(); });
}

Reactor::Impl::~Impl() {
    // As a Shutdown command would: after what was posted before.
    m_thread.quit();
    m_thread.join();
}

void Reactor::Impl::start() {
    if (!backendAvailable(m_opts.backend))
        throw BackendError("the " + std::string(backendName(m_opts.backend)) + " backend is not available here");
    ensureNetworkInitialized();
    LoopThread::Hooks hooks;
    hooks.started = [this] { started(); };
    hooks.beforeWait = [this] { beforeWait(); };
    hooks.hold = [this] { return hold(); };
    hooks.afterPass = [this] { afterPass(); };
    hooks.failed = [this](std::exception_ptr e) { failed(std::move(e)); };
    hooks.stopping = [this] { teardown(); };
    m_thread.start(std::move(hooks));
}

ChannelId Reactor::Impl::post(Command command) {
    ChannelId id = 0;
    m_thread.postMade([&]() -> LoopThread::Task {
        // Ids are taken under the queue's lock, so commands about a new
        // channel can never overtake the command that opens it.
        if (auto* c = std::get_if<cmd::OpenClient>(&command); c && c->id == 0) c->id = m_nextId++;
        if (auto* s = std::get_if<cmd::OpenServer>(&command); s && s->id == 0) s->id = m_nextId++;
        if (auto* d = std::get_if<cmd::OpenDatagram>(&command); d && d->id == 0) d->id = m_nextId++;
        id = std::visit(CommandChannel{}, command);
        return [this, c = std::move(command)]() mutable { run(c); };
    });
    return id;  // also when the reactor has stopped: nothing will run it then
}

HostId Reactor::Impl::postHost(std::string label, HostFactory factory) {
    const HostId id = m_nextHost++;
    post(cmd::Host{id, std::move(label), std::move(factory)});
    return id;
}

ReactorStats Reactor::Impl::stats() const {
    MutexLock lock(m_statsMutex);
    return m_published;
}

// --- The loop thread --------------------------------------------------------------------------

void Reactor::Impl::started() {
    m_thread.assertInLoopThread();
    m_tracer = std::make_unique<LoopTracer>(m_events, m_thread.loop());
    m_resolver = std::make_unique<Resolver>([this](std::uint64_t ticket, std::vector<Address> addresses,
                                                   std::string error) {
        m_thread.post([this, r = Resolved{ticket, std::move(addresses), std::move(error)}]() mutable {
            m_thread.assertInLoopThread();
            execute(r);
        });
    });
    std::error_code ec;
    m_ctx.reserve = Socket(sockops::create(kAfInet, kSockStream, ec));
    m_hosting = std::make_unique<HostedWorkRunner>(m_ctx, m_thread, m_nextId);
    if (m_opts.traceLoop) m_thread.loop().setObserver(m_tracer.get());
}

void Reactor::Impl::run(Command& command) {
    m_thread.assertInLoopThread();
    std::visit([this](auto& c) { execute(c); }, command);
}

void Reactor::Impl::beforeWait() {
    m_graveyard.clear();  // channels the commands closed
    m_datagramGraveyard.clear();
    m_ctx.inputPaused = m_events.backlogged();
    if (m_ctx.inputPaused && !m_backlogWarned) {
        m_backlogWarned = true;
        Event& e = m_events.emplace(EventKind::Warning, kReactorChannel);
        e.sub = static_cast<std::uint8_t>(WarningCode::Backlog);
        e.info = "events are not being drained fast enough; reading is paused until the consumer catches up";
    } else if (!m_ctx.inputPaused) {
        m_backlogWarned = false;
    }
    m_hosting->settle();
    if (previewing()) m_preview.update(m_thread.loop(), m_thread.backend());
    publish();  // what the commands (and the last pass's hosted work) produced, before waiting
}

std::optional<std::chrono::milliseconds> Reactor::Impl::hold() const {
    if (!m_paused || m_steps > 0) return std::nullopt;
    // Paused: wait for a command; with the preview shown, at most a short
    // while, so that it is refreshed.
    return previewing() ? kPreviewRefresh : LoopThread::kUntilPosted;
}

void Reactor::Impl::afterPass() {
    ++m_ctx.totals.passes;
    if (m_steps > 0) --m_steps;
    m_graveyard.clear();
    m_datagramGraveyard.clear();
    publish();
}

void Reactor::Impl::failed(std::exception_ptr error) {
    try {
        std::rethrow_exception(std::move(error));
    } catch (const BackendError& e) {
        emitError(kReactorChannel, 0, e.what());
    } catch (const ExitNow&) {
        // A hook asked the loop to end: the reactor stops quietly.
    } catch (const std::exception& e) {
        emitError(kReactorChannel, 0, std::string("the reactor stopped on an internal error: ") + e.what());
    } catch (...) {
        emitError(kReactorChannel, 0, "the reactor stopped on an internal error: unknown exception");
    }
}

void Reactor::Impl::teardown() {
    m_thread.assertInLoopThread();
    // Hosted work first: its dispatchers live in the Loop and report through us.
    if (m_hosting) m_hosting->stopAll();
    m_hosting.reset();
    std::vector<ChannelId> ids;
    ids.reserve(m_channels.size());
    for (const auto& [id, ch] : m_channels) ids.push_back(id);
    for (const ChannelId id : ids)
        if (auto it = m_channels.find(id); it != m_channels.end()) it->second->closeLocally("shutdown");
    m_graveyard.clear();
    m_channels.clear();
    std::vector<ChannelId> udp;
    for (const auto& [id, ch] : m_datagrams) udp.push_back(id);
    for (const ChannelId id : udp)
        if (auto it = m_datagrams.find(id); it != m_datagrams.end()) it->second->closeLocally("shutdown");
    m_datagramGraveyard.clear();
    m_datagrams.clear();
    m_thread.timers() = TimerQueue();
    m_thread.loop().setObserver(nullptr);
    m_resolver.reset();  // no resolver callback runs after this
    m_events.emplace(EventKind::Stopped, kReactorChannel);
    m_tracer.reset();
    m_ctx.reserve.reset();
    {
        MutexLock lock(m_statsMutex);
        m_published = m_ctx.totals;
        m_published.events = m_events.lastSeq();
    }
    m_events.setStopped();
}

void Reactor::Impl::publish() {
    {
        MutexLock lock(m_statsMutex);
        m_published = m_ctx.totals;
        m_published.events = m_events.lastSeq();
    }
    m_events.publish();
}

// --- Channels -----------------------------------------------------------------------------------

Channel& Reactor::Impl::addChannel(std::unique_ptr<Channel> ch) {
    Channel& ref = *ch;
    m_channels.emplace(ch->channelId(), std::move(ch));
    ++m_ctx.totals.channelsOpen;
    m_ctx.totals.peakChannels = std::max(m_ctx.totals.peakChannels, m_ctx.totals.channelsOpen);
    return ref;
}

void Reactor::Impl::acceptConnection(Channel& listener, Socket sock, const Address& peer) {
    m_thread.assertInLoopThread();
    const ChannelId id = m_nextId++;
    std::unique_ptr<Channel> ch;
    try {
        ch = std::make_unique<Channel>(m_ctx, m_thread.loop(), id, listener.channelId(), listener.options(),
                                       std::move(sock));
    } catch (const std::system_error& e) {
        Event& w = m_events.emplace(EventKind::Warning, listener.channelId());
        w.sub = static_cast<std::uint8_t>(WarningCode::AcceptFailed);
        w.info = "the connection from " + peer.toString() + " was gone before it could be used: " +
                 sockops::describe(e.code());
        return;
    }
    const ProxyTarget& proxy = listener.options().proxy;
    const ChannelId upstreamId = proxy.wanted() ? m_nextId++ : 0;
    ch->reporter().accepted(ch->peerAddress().empty() ? peer.toString() : ch->peerAddress(), ch->localAddress(),
                            upstreamId);
    ch->joinBudget(listener.inputBudget());
    ++m_ctx.totals.accepted;
    Channel& added = addChannel(std::move(ch));
    added.inheritTls(listener);  // TLS from the first byte, or STARTTLS's server side (may close it)
    if (!proxy.wanted()) return;
    // A proxied connection: its upstream leg, framed with the server's
    // terminator, in TLS when the proxy target says so.
    ChannelOptions o = listener.options();
    o.terminator = proxy.serverTerminator;
    o.echo = false;
    o.tls = proxy.tls;
    o.proxy = ProxyTarget{};
    ++m_ctx.totals.channelsOpened;
    Channel& up = addChannel(std::make_unique<Channel>(m_ctx, m_thread.loop(), upstreamId, ChannelRole::Client, o));
    added.linkProxy(up, false);
    up.linkProxy(added, true);
    startConnect(up, proxy.host, proxy.port, proxy.family);
}

template <class C>
void Reactor::Impl::bury(ChannelId id, std::map<ChannelId, std::unique_ptr<C>>& live,
                         std::vector<std::unique_ptr<C>>& graveyard) {
    m_thread.timers().cancelOwner(id);
    auto it = live.find(id);
    if (it == live.end()) return;
    graveyard.push_back(std::move(it->second));
    live.erase(it);
    --m_ctx.totals.channelsOpen;
}

void Reactor::Impl::channelClosed(Channel& channel) {
    m_thread.assertInLoopThread();
    bury(channel.channelId(), m_channels, m_graveyard);
}

Channel* Reactor::Impl::find(ChannelId id, std::string_view what) {
    if (auto it = m_channels.find(id); it != m_channels.end()) return it->second.get();
    if (const std::string* hosted = m_hosting->openClassName(id)) {
        emitError(id, 0,
                  "cannot " + std::string(what) + ": channel " + std::to_string(id) + " is the example's " + *hosted +
                      ", which runs its own code (Close and snapshots work)");
        return nullptr;
    }
    const bool existed = id != 0 && id < m_nextId.load();
    emitError(id, 0,
              "cannot " + std::string(what) + ": " +
                  (existed ? "channel " + std::to_string(id) + " is closed"
                           : "there is no channel " + std::to_string(id)));
    return nullptr;
}

Channel* Reactor::Impl::findSender(ChannelId id, std::string_view what) {
    Channel* ch = find(id, what);
    if (!ch) return nullptr;
    if (ch->role() == ChannelRole::Listener) {
        emitError(id, 0, "cannot " + std::string(what) + ": channel " + std::to_string(id) +
                             " is a listener; push to the channels it accepts");
        return nullptr;
    }
    if (ch->isHalfClosed()) {
        emitError(id, 0, "cannot " + std::string(what) + ": channel " + std::to_string(id) +
                             " is half-closed (it can no longer send)");
        return nullptr;
    }
    return ch;
}

void Reactor::Impl::emitError(ChannelId channel, int error, std::string message) {
    Event& e = m_events.emplace(EventKind::Error, channel);
    e.error = error;
    e.aux = sockops::errorName(error);
    e.info = std::move(message);
}

void Reactor::Impl::emitSnapshot(Channel& ch) { ch.reporter().snapshot(ch.snapshot()); }

// --- Commands -------------------------------------------------------------------------------------

void Reactor::Impl::execute(cmd::OpenClient& c) {
    ++m_ctx.totals.channelsOpened;
    Channel& ch = addChannel(std::make_unique<Channel>(m_ctx, m_thread.loop(), c.id, ChannelRole::Client, c.options));
    startConnect(ch, c.host, c.port, c.family);
}

void Reactor::Impl::startConnect(Channel& ch, const std::string& host, std::uint16_t port, int family) {
    if (host.empty()) {
        ch.resolveFailed("cannot connect: no host given");
        return;
    }
    if (port == 0) {
        ch.resolveFailed("cannot connect to " + host + ": port 0 is not a port one can connect to");
        return;
    }
    if (auto numeric = Address::fromNumeric(stripBrackets(host), port)) {
        if (family != 0 && numeric->family() != family) {
            ch.resolveFailed("cannot connect to " + host + ": not an address of the requested family");
            return;
        }
        ch.connectTo({*numeric}, host);
        return;
    }
    const std::uint64_t ticket = m_nextTicket++;
    m_resolving.emplace(ticket, PendingResolve{ch.channelId(), host, 0});
    m_resolver->resolve(ticket, host, port, family);
}

void Reactor::Impl::execute(cmd::OpenServer& c) {
    ++m_ctx.totals.channelsOpened;
    Channel& ch = addChannel(std::make_unique<Channel>(m_ctx, m_thread.loop(), c.id, ChannelRole::Listener, c.options));
    const std::string host = c.host.empty() ? std::string("127.0.0.1") : c.host;
    if (auto numeric = Address::fromNumeric(stripBrackets(host), c.port)) {
        ch.listenOn(*numeric, c.backlog);
        return;
    }
    const std::uint64_t ticket = m_nextTicket++;
    m_resolving.emplace(ticket, PendingResolve{c.id, host, c.backlog});
    m_resolver->resolve(ticket, host, c.port, 0);
}

void Reactor::Impl::execute(Resolved& r) {
    auto it = m_resolving.find(r.ticket);
    if (it == m_resolving.end()) return;
    const PendingResolve pending = it->second;
    m_resolving.erase(it);
    if (pending.datagram) {
        DatagramChannel* d = datagram(pending.id);
        if (!d) return;  // closed while resolving
        if (r.addresses.empty())
            d->openFailed(r.error);
        else if (d->role() == ChannelRole::Listener)
            d->bindTo(r.addresses.front());
        else
            d->connectToPeer(r.addresses.front(), pending.host);
        return;
    }
    auto ch = m_channels.find(pending.id);
    if (ch == m_channels.end()) return;  // closed while resolving
    Channel& channel = *ch->second;
    if (r.addresses.empty()) {
        channel.resolveFailed(r.error);
        return;
    }
    if (channel.role() == ChannelRole::Listener)
        channel.listenOn(r.addresses.front(), pending.backlog);
    else
        channel.connectTo(std::move(r.addresses), pending.host);
}

// --- UDP channels ------------------------------------------------------------------------------

DatagramChannel* Reactor::Impl::datagram(ChannelId id) {
    auto it = m_datagrams.find(id);
    return it == m_datagrams.end() ? nullptr : it->second.get();
}

bool Reactor::Impl::refuseForDatagram(ChannelId id, std::string_view what) {
    if (!datagram(id)) return false;
    emitError(id, 0, "cannot " + std::string(what) + ": channel " + std::to_string(id) + " is a UDP channel");
    return true;
}

Channel* Reactor::Impl::findStream(ChannelId id, std::string_view what) {
    return refuseForDatagram(id, what) ? nullptr : find(id, what);
}

Channel* Reactor::Impl::findToResize(ChannelId id, std::string_view what, std::size_t first, std::size_t second) {
    Channel* ch = findStream(id, what);
    if (ch && (first == 0 || second == 0)) {
        emitError(id, 0, "cannot " + std::string(what) + ": both must be at least 1 byte");
        return nullptr;
    }
    return ch;
}

void Reactor::Impl::datagramClosed(DatagramChannel& ch) { bury(ch.channelId(), m_datagrams, m_datagramGraveyard); }

void Reactor::Impl::execute(cmd::OpenDatagram& c) {
    ++m_ctx.totals.channelsOpened;
    const ChannelRole role = c.mode == cmd::OpenDatagram::Mode::Bind ? ChannelRole::Listener : ChannelRole::Client;
    auto owned = std::make_unique<DatagramChannel>(m_ctx, m_thread.loop(), c.id, role, c.options,
                                                   [this](DatagramChannel& ch) { datagramClosed(ch); });
    DatagramChannel& d = *owned;
    m_datagrams.emplace(c.id, std::move(owned));
    ++m_ctx.totals.channelsOpen;
    m_ctx.totals.peakChannels = std::max(m_ctx.totals.peakChannels, m_ctx.totals.channelsOpen);
    std::string host = c.host;
    if (host.empty()) {
        if (role == ChannelRole::Client) {
            d.openFailed("cannot send over UDP: no host given");
            return;
        }
        host = c.family == kAfInet6 ? "::1" : "127.0.0.1";
    }
    if (role == ChannelRole::Client && c.port == 0) {
        d.openFailed("cannot send over UDP to " + host + ": port 0 is not a port one can send to");
        return;
    }
    if (auto numeric = Address::fromNumeric(stripBrackets(host), c.port)) {
        if (c.family != 0 && numeric->family() != c.family) {
            d.openFailed("cannot open UDP " + host + ": not an address of the requested family");
            return;
        }
        if (role == ChannelRole::Listener)
            d.bindTo(*numeric);
        else
            d.connectToPeer(*numeric, host);
        return;
    }
    const std::uint64_t ticket = m_nextTicket++;
    m_resolving.emplace(ticket, PendingResolve{c.id, host, 0, true});
    m_resolver->resolve(ticket, host, c.port, c.family);
}

void Reactor::Impl::execute(cmd::PushTo& c) {
    DatagramChannel* d = datagram(c.channel);
    if (!d) {
        if (find(c.channel, "send a datagram"))
            emitError(c.channel, 0, "cannot send a datagram: channel " + std::to_string(c.channel) + " is not a UDP channel");
        return;
    }
    std::string host, port;
    std::optional<std::uint16_t> p;
    std::optional<Address> to;
    if (splitHostPort(c.to, host, port) && (p = parsePort(port))) to = Address::fromNumeric(stripBrackets(host), *p);
    if (!to) {
        emitError(c.channel, 0, "cannot send a datagram to \"" + c.to + "\": give a numeric HOST:PORT (\"[V6]:PORT\" for IPv6)");
        return;
    }
    d->pushDatagram(std::move(c.data), *to);
}

void Reactor::Impl::scheduleDatagramRepeat(std::shared_ptr<RepeatJob> job) {
    // With an interval: one datagram now, the next `interval` later. Without
    // one: a burst per loop pass, as long as the send queue has room, so
    // that a million copies never pile up in memory.
    DatagramChannel* d = datagram(job->id);
    if (!d) return;
    const std::size_t burst = job->interval.count() > 0 ? 1 : 256;
    for (std::size_t i = 0; i < burst; ++i) {
        if (job->interval.count() <= 0 && d->queuedBytes() + job->data.size() > d->options().queueLimit / 2) break;
        ++job->sent;
        d->pushDatagram(job->data);
        if (!datagram(job->id)) return;  // closed by what it reported
        if (job->copies != 0 && job->sent >= job->copies) return;
    }
    repeatAfterInterval(std::move(job), &Impl::scheduleDatagramRepeat);
}

void Reactor::Impl::repeatAfterInterval(std::shared_ptr<RepeatJob> job,
                                        void (Impl::*again)(std::shared_ptr<RepeatJob>)) {
    const auto when = TimerQueue::Clock::now() + job->interval;
    const ChannelId owner = job->id;
    m_thread.timers().add(when, owner, [this, again, job = std::move(job)]() mutable { (this->*again)(std::move(job)); });
}

void Reactor::Impl::execute(cmd::Push& c) {
    if (DatagramChannel* d = datagram(c.channel)) {
        d->pushDatagram(std::move(c.data));
        return;
    }
    if (Channel* ch = findSender(c.channel, "push")) ch->pushBytes(std::move(c.data));
}

void Reactor::Impl::execute(cmd::PushFile& c) {
    if (refuseForDatagram(c.channel, "push a file")) return;
    Channel* ch = findSender(c.channel, "push a file");
    if (!ch) return;
    std::unique_ptr<FileProducer> producer;
    try {
        // Opened and read on the producer's own thread: each chunk it has
        // read wakes the loop, whose next pass sends it.
        producer = std::make_unique<FileProducer>(c.path, ch->acOutBufferSize, [t = &m_thread] { t->wake(); });
    } catch (const std::system_error& e) {
        emitError(c.channel, e.code().value(), e.what());
        return;
    }
    const long long size = producer->size();
    ch->pushProducer(std::move(producer), ProducerKind::File, size, 1, c.path);
}

void Reactor::Impl::execute(cmd::PushRepeat& c) {
    if (datagram(c.channel)) {
        if (c.copies == 0 && c.interval.count() <= 0) {
            emitError(c.channel, 0, "cannot push repeated data: without an interval the number of copies must be at least 1");
            return;
        }
        scheduleDatagramRepeat(repeatJob(c));
        return;
    }
    Channel* ch = findSender(c.channel, "push repeated data");
    if (!ch) return;
    if (c.data.empty()) {
        emitError(c.channel, 0, "cannot push repeated data: there is nothing to repeat");
        return;
    }
    if (c.interval.count() <= 0) {
        if (c.copies == 0) {
            emitError(c.channel, 0, "cannot push repeated data: without an interval the number of copies must be at least 1");
            return;
        }
        auto producer = std::make_unique<RepeatProducer>(c.data, c.copies, ch->acOutBufferSize);
        const auto total = static_cast<std::int64_t>(producer->total());
        ch->pushProducer(std::move(producer), ProducerKind::Repeat, total, static_cast<std::int64_t>(c.copies), {});
        return;
    }
    scheduleRepeat(repeatJob(c));
}

void Reactor::Impl::scheduleRepeat(std::shared_ptr<RepeatJob> job) {
    // One copy now, the next one `interval` later (no catching up after a pause).
    auto it = m_channels.find(job->id);
    if (it == m_channels.end() || it->second->isClosed() || it->second->isHalfClosed()) return;
    ++job->sent;
    it->second->pushBytes(job->data, ProducerKind::Repeat, static_cast<std::int64_t>(job->sent));
    if (job->copies != 0 && job->sent >= job->copies) return;
    repeatAfterInterval(std::move(job), &Impl::scheduleRepeat);
}

void Reactor::Impl::execute(cmd::SetTerminator& c) {
    if (DatagramChannel* d = datagram(c.channel)) {
        d->applyTerminator(c.terminator);
        return;
    }
    if (Channel* ch = find(c.channel, "set the terminator")) ch->applyTerminator(c.terminator);
}

void Reactor::Impl::execute(cmd::SetProxyServerTerminator& c) {
    Channel* ch = findStream(c.listener, "set a proxy's server terminator");
    if (!ch) return;
    if (ch->role() != ChannelRole::Listener || !ch->options().proxy.wanted()) {
        emitError(c.listener, 0, "cannot set a proxy's server terminator: channel " + std::to_string(c.listener) +
                                     " is not a proxying listener");
        return;
    }
    ch->setProxyServerTerminator(c.terminator);
}

void Reactor::Impl::execute(cmd::SetIntercept& c) {
    Channel* ch = findStream(c.channel, "intercept");
    if (!ch) return;
    const auto refuse = [&](const std::string& why) {
        emitError(c.channel, 0, "cannot intercept on channel " + std::to_string(c.channel) + ": " + why);
    };
    if (!ch->options().frameProxied) return refuse("its proxy does not frame messages");
    if (ch->role() == ChannelRole::Listener) {
        if (!ch->options().proxy.wanted()) return refuse("it is not a proxying listener");
        ch->setInterceptOption(c.on);
        Event& e = ch->reporter().emit(EventKind::Intercept);
        e.sub = static_cast<std::uint8_t>(c.on ? InterceptAction::On : InterceptAction::Off);
        // (Ids first: forwarding what was held may close a leg, which leaves m_channels.)
        std::vector<ChannelId> legs;
        for (const auto& [id, leg] : m_channels)
            if (leg->parentId() == c.channel && leg->proxyPeer()) legs.push_back(id);
        for (ChannelId id : legs) {
            const auto it = m_channels.find(id);
            if (it == m_channels.end()) continue;
            it->second->setIntercept(c.on);
            if (Channel* up = it->second->proxyPeer()) up->setIntercept(c.on);
        }
        return;
    }
    if (!ch->proxyPeer()) return refuse("it is not a leg of an open proxied connection");
    ch->setIntercept(c.on);
    if (Channel* other = ch->proxyPeer()) other->setIntercept(c.on);
}

void Reactor::Impl::execute(cmd::ReleaseHeld& c) {
    if (Channel* ch = findStream(c.channel, "release a held message")) ch->releaseHeld(c.message, c.action, std::move(c.data));
}

void Reactor::Impl::execute(cmd::SetPrograms& c) {
    if (Channel* ch = findStream(c.channel, "set protocol programs")) ch->applyPrograms(std::move(c.programs));
}

void Reactor::Impl::execute(cmd::SetBufferSizes& c) {
    if (Channel* ch = findToResize(c.channel, "set the buffer sizes", c.inBufferSize, c.outBufferSize))
        ch->applyBufferSizes(c.inBufferSize, c.outBufferSize);
}

void Reactor::Impl::execute(cmd::SetLimits& c) {
    if (Channel* ch = findToResize(c.channel, "set the limits", c.maxMessage, c.highWater))
        ch->applyLimits(c.maxMessage, c.highWater);
}

void Reactor::Impl::execute(cmd::CloseWhenDone& c) {
    if (DatagramChannel* d = datagram(c.channel)) {
        // What is queued usually went at once; close when the queue is empty.
        if (d->queuedDatagrams() == 0) {
            d->closeLocally("close_when_done");
            return;
        }
        const ChannelId id = c.channel;
        auto poll = std::make_shared<std::function<void()>>();
        *poll = [this, id, poll] {
            DatagramChannel* ch = datagram(id);
            if (!ch) return;
            if (ch->queuedDatagrams() == 0) {
                ch->closeLocally("close_when_done");
                return;
            }
            m_thread.timers().add(TimerQueue::Clock::now() + std::chrono::milliseconds(1), id, *poll);
        };
        (*poll)();
        return;
    }
    Channel* ch = find(c.channel, "close when done");
    if (!ch) return;
    if (ch->role() == ChannelRole::Listener)
        ch->closeLocally("close_when_done");  // a listener has nothing to send: close now
    else
        ch->requestCloseWhenDone();
}

void Reactor::Impl::execute(cmd::HalfClose& c) {
    Channel* ch = findStream(c.channel, "half-close");
    if (!ch) return;
    if (ch->role() == ChannelRole::Listener) {
        emitError(c.channel, 0, "cannot half-close: channel " + std::to_string(c.channel) + " is a listener");
        return;
    }
    ch->requestHalfClose();
}

void Reactor::Impl::execute(cmd::DiscardBuffers& c) {
    if (DatagramChannel* d = datagram(c.channel)) {
        m_thread.timers().cancelOwner(c.channel);
        d->discard();
        return;
    }
    Channel* ch = find(c.channel, "discard the buffers");
    if (!ch) return;
    m_thread.timers().cancelOwner(c.channel);  // paced repeats stop too
    ch->discard();
}

void Reactor::Impl::execute(cmd::Close& c) {
    if (m_hosting->close(c.channel)) return;
    if (DatagramChannel* d = datagram(c.channel)) {
        d->closeLocally("close");
        return;
    }
    if (Channel* ch = find(c.channel, "close")) ch->closeLocally("close");
}

void Reactor::Impl::execute(cmd::StartTls& c) {
    if (Channel* ch = findStream(c.channel, "start TLS")) ch->startTlsNow(c.tls);
}

void Reactor::Impl::execute(cmd::Snapshot& c) {
    if (c.channel == kAllChannels) {
        for (auto& [id, ch] : m_channels) emitSnapshot(*ch);
        for (auto& [id, d] : m_datagrams) d->reporter().snapshot(d->snapshot());
        m_hosting->snapshotAll();
        return;
    }
    if (m_hosting->snapshot(c.channel)) return;
    // A snapshot is a query, often racing with the channel's close: for a
    // channel that existed and has closed, its `closed` event already carried
    // the final state, so there is nothing to report. An id that never
    // existed is still an error.
    if (DatagramChannel* d = datagram(c.channel)) {
        d->reporter().snapshot(d->snapshot());
    } else if (auto it = m_channels.find(c.channel); it != m_channels.end()) {
        emitSnapshot(*it->second);
    } else if (c.channel == 0 || c.channel >= m_nextId.load()) {
        find(c.channel, "take a snapshot");
    }
}

void Reactor::Impl::execute(cmd::Pause&) {
    if (m_paused) return;
    m_paused = true;
    m_steps = 0;
    m_hosting->setPaused(true);
    m_events.emplace(EventKind::Paused, kReactorChannel);
}

void Reactor::Impl::execute(cmd::Resume&) {
    if (!m_paused) return;
    m_paused = false;
    m_steps = 0;
    m_hosting->setPaused(false);
    m_events.emplace(EventKind::Resumed, kReactorChannel);
}

void Reactor::Impl::execute(cmd::Step&) {
    if (!m_paused) {
        emitError(kReactorChannel, 0, "cannot step: the loop is not paused");
        return;
    }
    ++m_steps;
}

void Reactor::Impl::execute(cmd::SetLoopTrace& c) {
    m_thread.loop().setObserver(c.on ? m_tracer.get() : nullptr);
    if (!c.on) m_preview.reset();
}

void Reactor::Impl::execute(cmd::SetBackend& c) {
    const std::string name(backendName(c.backend));
    if (!backendAvailable(c.backend)) {
        emitError(kReactorChannel, 0, "cannot switch to " + name + ": the backend is not available here");
        return;
    }
    const std::size_t sockets = m_thread.loop().size();
    for (Dispatcher* d : m_thread.loop().channels()) {
        const NativeSocket fd = d->fileno();
        if (fd != kInvalidSocket && !backendCanWatch(c.backend, fd, sockets)) {
            emitError(kReactorChannel, 0,
                      "cannot switch to " + name + ": " + backendLimitText(c.backend, fd, sockets) +
                          "; the loop stays in " +
                          std::string(backendName(m_ctx.backend)) + " (poll and epoll have no such limit)");
            return;
        }
    }
    m_ctx.backend = c.backend;  // what new channels check their descriptors against
    m_thread.setBackend(c.backend);
}

void Reactor::Impl::execute(cmd::SetMessageLimit& c) {
    m_ctx.messageLimit = c.messages;
    m_ctx.limitReported = false;
    m_ctx.checkMessageLimit();  // already reached: at once
}

void Reactor::Impl::execute(cmd::Shutdown&) { m_thread.quit(); }

void Reactor::Impl::execute(cmd::Host& c) { m_hosting->start(c.host, c.label, c.factory); }

void Reactor::Impl::execute(cmd::StopHost& c) { m_hosting->stop(c.host); }

// --- Reactor ---------------------------------------------------------------------------------------

Reactor::Reactor(ReactorOptions options) : m_impl(std::make_unique<Impl>(std::move(options))) { m_impl->start(); }

Reactor::~Reactor() = default;

ChannelId Reactor::post(Command command) { return m_impl->post(std::move(command)); }

ChannelId Reactor::openClient(std::string host, std::uint16_t port, ChannelOptions options, int family) {
    return post(cmd::OpenClient{0, std::move(host), port, family, std::move(options)});
}

ChannelId Reactor::openServer(std::string host, std::uint16_t port, ChannelOptions options, int backlog) {
    return post(cmd::OpenServer{0, std::move(host), port, backlog, std::move(options)});
}

ChannelId Reactor::openDatagram(cmd::OpenDatagram::Mode mode, std::string host, std::uint16_t port,
                               DatagramOptions options, int family) {
    return post(cmd::OpenDatagram{0, mode, std::move(host), port, family, std::move(options)});
}

void Reactor::pushTo(ChannelId channel, std::string data, std::string to) {
    post(cmd::PushTo{channel, std::move(data), std::move(to)});
}

void Reactor::push(ChannelId channel, std::string data) { post(cmd::Push{channel, std::move(data)}); }
void Reactor::pushFile(ChannelId channel, std::string path) { post(cmd::PushFile{channel, std::move(path)}); }
void Reactor::pushRepeat(ChannelId channel, std::string data, std::uint64_t copies, std::chrono::milliseconds interval) {
    post(cmd::PushRepeat{channel, std::move(data), copies, interval});
}
void Reactor::setTerminator(ChannelId channel, Terminator terminator) {
    post(cmd::SetTerminator{channel, std::move(terminator)});
}
void Reactor::setProxyServerTerminator(ChannelId listener, Terminator terminator) {
    post(cmd::SetProxyServerTerminator{listener, std::move(terminator)});
}
void Reactor::setIntercept(ChannelId channel, bool on) { post(cmd::SetIntercept{channel, on}); }
void Reactor::releaseHeld(ChannelId channel, std::uint64_t message, cmd::ReleaseHeld::Action action, std::string data) {
    post(cmd::ReleaseHeld{channel, message, action, std::move(data)});
}
void Reactor::setPrograms(ChannelId channel, std::vector<std::shared_ptr<const program::Program>> programs) {
    post(cmd::SetPrograms{channel, std::move(programs)});
}
void Reactor::setBufferSizes(ChannelId channel, std::size_t in, std::size_t out) {
    post(cmd::SetBufferSizes{channel, in, out});
}
void Reactor::setLimits(ChannelId channel, std::size_t maxMessage, std::size_t highWater) {
    post(cmd::SetLimits{channel, maxMessage, highWater});
}
void Reactor::closeWhenDone(ChannelId channel) { post(cmd::CloseWhenDone{channel}); }
void Reactor::halfClose(ChannelId channel) { post(cmd::HalfClose{channel}); }
void Reactor::discardBuffers(ChannelId channel) { post(cmd::DiscardBuffers{channel}); }
void Reactor::close(ChannelId channel) { post(cmd::Close{channel}); }
void Reactor::snapshot(ChannelId channel) { post(cmd::Snapshot{channel}); }
void Reactor::pause() { post(cmd::Pause{}); }
void Reactor::resume() { post(cmd::Resume{}); }
void Reactor::step() { post(cmd::Step{}); }
void Reactor::setLoopTrace(bool on) { post(cmd::SetLoopTrace{on}); }
void Reactor::setBackend(Backend backend) { post(cmd::SetBackend{backend}); }
void Reactor::setMessageLimit(std::uint64_t messages) { post(cmd::SetMessageLimit{messages}); }
void Reactor::shutdown() { post(cmd::Shutdown{}); }
HostId Reactor::host(std::string label, HostFactory factory) { return m_impl->postHost(std::move(label), std::move(factory)); }
void Reactor::stopHost(HostId host) { post(cmd::StopHost{host}); }
void Reactor::wake() { m_impl->wake(); }

void Reactor::drain(std::vector<Event>& out) { m_impl->m_events.drain(out); }
bool Reactor::waitAndDrain(std::vector<Event>& out, std::chrono::milliseconds timeout) {
    return m_impl->m_events.waitAndDrain(out, timeout);
}
bool Reactor::finished() const { return m_impl->m_events.finished(); }

ReactorStats Reactor::stats() const { return m_impl->stats(); }

std::chrono::system_clock::time_point Reactor::startedAt() const noexcept { return m_impl->m_wallStart; }
Backend Reactor::backend() const noexcept { return m_impl->backend(); }
EventLevel Reactor::level() const noexcept { return m_impl->m_opts.level; }

}  // namespace engine
