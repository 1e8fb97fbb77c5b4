// Reactor.cpp — the loop thread, its command door and its channels.
//
// The loop thread runs, until a Shutdown command:
//   1. commands — swap the posted tasks out under the lock, run them unlocked;
//   2. wait and dispatch — one Loop::poll() pass, waiting at most until the
//      next timer (or without limit; the Waker ends the wait when a command
//      arrives). While paused, the thread waits for commands instead, and a
//      Step lets exactly one pass through;
//   3. timers — paced repeats;
//   4. reap — destroy the channels that closed during 1–3 (never during a
//      pass: hooks may still be running on them);
//   5. publish — one lock hands the pass's events to consumers; another
//      copies the counters for stats(). (Events from step 1 are published
//      before the wait.)
// Then every channel is closed (reason local, "shutdown"), `stopped` is
// emitted, and the door is closed before the Waker is destroyed, so a late
// post() is dropped instead of touching freed memory.
#include "engine/Reactor.h"

#include "engine/Channel.h"
#include "engine/EventQueue.h"
#include "engine/FileProducer.h"
#include "engine/LoopTracer.h"
#include "engine/RepeatProducer.h"
#include "engine/Resolver.h"
#include "engine/SocketOps.h"
#include "engine/TimerQueue.h"
#include "engine/Waker.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <variant>

namespace engine {

namespace {

// What the resolver hands back, as a task for the loop thread.
struct Resolved {
    std::uint64_t ticket = 0;
    std::vector<Address> addresses;
    std::string error;
};
using Task = std::variant<Command, Resolved>;

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

}  // namespace

class Reactor::Impl final : public ChannelHost {
public:
    explicit Impl(ReactorOptions options);
    ~Impl() override;

    void start();
    ChannelId post(Command command);
    void postResolved(Resolved r);
    void wake();

    // ChannelHost (loop thread)
    void acceptConnection(Channel& listener, Socket sock, const Address& peer) override;
    void channelClosed(Channel& channel) override;

    ReactorOptions m_opts;
    const std::chrono::system_clock::time_point m_wallStart = std::chrono::system_clock::now();
    EventQueue m_events;

    mutable std::mutex m_statsMutex;
    ReactorStats m_published;  // guarded by m_statsMutex

private:
    struct PendingResolve {
        ChannelId id = 0;
        std::string host;
        int backlog = 0;  // listeners
    };
    struct RepeatJob {
        ChannelId id = 0;
        std::string data;
        std::uint64_t copies = 0;  // 0: until stopped
        std::uint64_t sent = 0;
        std::chrono::milliseconds interval{0};
    };

    void run();
    void mainLoop();
    void teardown();
    bool runTasks();
    void waitForTask();
    std::optional<double> waitTimeout() const;
    void publish();

    void execute(cmd::OpenClient& c);
    void execute(cmd::OpenServer& c);
    void execute(cmd::Push& c);
    void execute(cmd::PushFile& c);
    void execute(cmd::PushRepeat& c);
    void execute(cmd::SetTerminator& c);
    void execute(cmd::SetBufferSizes& c);
    void execute(cmd::SetLimits& c);
    void execute(cmd::CloseWhenDone& c);
    void execute(cmd::HalfClose& c);
    void execute(cmd::DiscardBuffers& c);
    void execute(cmd::Close& c);
    void execute(cmd::Snapshot& c);
    void execute(cmd::Pause& c);
    void execute(cmd::Resume& c);
    void execute(cmd::Step& c);
    void execute(cmd::SetLoopTrace& c);
    void execute(cmd::SetMessageLimit& c);
    void execute(cmd::Shutdown& c);
    void execute(Resolved& r);

    Channel& addChannel(std::unique_ptr<Channel> ch);
    /// The live channel `id`, or nullptr after an `error` event saying why
    /// `what` cannot be done.
    Channel* find(ChannelId id, std::string_view what);
    /// The live channel `id` if it can send, else nullptr after an `error`.
    Channel* findSender(ChannelId id, std::string_view what);
    void emitError(ChannelId channel, int error, std::string message);
    void emitSnapshot(Channel& ch);
    void scheduleRepeat(std::shared_ptr<RepeatJob> job);

    // The door (any thread).
    std::mutex m_taskMutex;
    std::condition_variable m_taskCv;
    std::vector<Task> m_tasks;   // guarded by m_taskMutex
    bool m_doorClosed = false;   // guarded by m_taskMutex
    bool m_wakePending = false;  // guarded by m_taskMutex: a wake is already on its way
    std::atomic<ChannelId> m_nextId{1};

    std::thread m_thread;
    std::promise<void> m_ready;

    // Loop-thread state.
    ChannelContext m_ctx;
    std::unique_ptr<Loop> m_loop;
    std::unique_ptr<Waker> m_waker;
    std::unique_ptr<LoopTracer> m_tracer;
    std::unique_ptr<Resolver> m_resolver;
    TimerQueue m_timers;
    std::map<ChannelId, std::unique_ptr<Channel>> m_channels;
    std::vector<std::unique_ptr<Channel>> m_graveyard;
    std::unordered_map<std::uint64_t, PendingResolve> m_resolving;
    std::uint64_t m_nextTicket = 1;
    bool m_paused = false;
    unsigned m_steps = 0;
    bool m_stopping = false;
    bool m_backlogWarned = false;
};

// --- Construction and the door -------------------------------------------------------------

Reactor::Impl::Impl(ReactorOptions options)
    : m_opts(std::move(options)), m_events(m_opts.eventBacklogLimit), m_ctx(m_events, *this) {
    m_ctx.backend = m_opts.backend;
    m_ctx.level = m_opts.level;
    m_events.setNotifier(m_opts.eventsAvailable);
    m_events.setReliefCallback([this] { wake(); });
}

Reactor::Impl::~Impl() {
    {
        std::lock_guard<std::mutex> lock(m_taskMutex);
        if (!m_doorClosed) m_tasks.emplace_back(Command(cmd::Shutdown{}));
        m_taskCv.notify_all();
        if (!m_doorClosed && m_waker) m_waker->wake();
    }
    if (m_thread.joinable()) m_thread.join();
}

void Reactor::Impl::start() {
    if (!backendAvailable(m_opts.backend))
        throw BackendError("the " + std::string(backendName(m_opts.backend)) + " backend is not available here");
    ensureNetworkInitialized();
    auto ready = m_ready.get_future();
    m_thread = std::thread([this] { run(); });
    try {
        ready.get();
    } catch (...) {
        m_thread.join();
        throw;
    }
}

ChannelId Reactor::Impl::post(Command command) {
    ChannelId id = 0;
    std::lock_guard<std::mutex> lock(m_taskMutex);
    // Ids are taken under the lock, so commands about a new channel can never
    // overtake the command that opens it.
    if (auto* c = std::get_if<cmd::OpenClient>(&command); c && c->id == 0) c->id = m_nextId++;
    if (auto* s = std::get_if<cmd::OpenServer>(&command); s && s->id == 0) s->id = m_nextId++;
    id = std::visit(CommandChannel{}, command);
    if (m_doorClosed) return id;  // the reactor has stopped: nothing will run it
    m_tasks.emplace_back(std::move(command));
    m_taskCv.notify_one();
    if (!m_wakePending) {
        m_wakePending = true;
        m_waker->wake();
    }
    return id;
}

void Reactor::Impl::postResolved(Resolved r) {
    std::lock_guard<std::mutex> lock(m_taskMutex);
    if (m_doorClosed) return;
    m_tasks.emplace_back(std::move(r));
    m_taskCv.notify_one();
    if (!m_wakePending) {
        m_wakePending = true;
        m_waker->wake();
    }
}

void Reactor::Impl::wake() {
    std::lock_guard<std::mutex> lock(m_taskMutex);
    if (m_doorClosed || m_wakePending || !m_waker) return;
    m_wakePending = true;
    m_waker->wake();
}

// --- The loop thread --------------------------------------------------------------------------

void Reactor::Impl::run() {
    try {
        m_loop = std::make_unique<Loop>();
        m_waker = std::make_unique<Waker>(*m_loop);
        m_tracer = std::make_unique<LoopTracer>(m_events);
        m_resolver = std::make_unique<Resolver>(
            [this](std::uint64_t ticket, std::vector<Address> addresses, std::string error) {
                postResolved(Resolved{ticket, std::move(addresses), std::move(error)});
            });
        std::error_code ec;
        m_ctx.reserve = Socket(sockops::create(kAfInet, kSockStream, ec));
        if (m_opts.traceLoop) m_loop->setObserver(m_tracer.get());
    } catch (...) {
        m_ready.set_exception(std::current_exception());
        return;
    }
    m_ready.set_value();
    try {
        mainLoop();
    } catch (const std::exception& e) {
        emitError(kReactorChannel, 0, std::string("the reactor stopped on an internal error: ") + e.what());
    }
    teardown();
}

void Reactor::Impl::mainLoop() {
    for (;;) {
        runTasks();
        if (m_stopping) return;

        m_ctx.inputPaused = m_events.backlogged();
        if (m_ctx.inputPaused && !m_backlogWarned) {
            m_backlogWarned = true;
            Event& e = m_events.emplace(EventKind::Warning, kReactorChannel);
            e.sub = static_cast<std::uint8_t>(WarningCode::Backlog);
            e.info = "events are not being drained fast enough; reading is paused until the consumer catches up";
        } else if (!m_ctx.inputPaused) {
            m_backlogWarned = false;
        }

        publish();  // what the commands produced, before waiting
        if (m_paused && m_steps == 0) {
            waitForTask();
            continue;
        }
        try {
            m_loop->poll(waitTimeout(), m_opts.backend);
        } catch (const BackendError& e) {
            emitError(kReactorChannel, 0, e.what());
            return;
        } catch (const ExitNow&) {
            return;
        }
        ++m_ctx.totals.passes;
        if (m_steps > 0) --m_steps;
        m_timers.runExpired(TimerQueue::Clock::now());
        m_graveyard.clear();
        publish();
    }
}

void Reactor::Impl::teardown() {
    std::vector<ChannelId> ids;
    ids.reserve(m_channels.size());
    for (const auto& [id, ch] : m_channels) ids.push_back(id);
    for (const ChannelId id : ids)
        if (auto it = m_channels.find(id); it != m_channels.end()) it->second->closeLocally("shutdown");
    m_graveyard.clear();
    m_channels.clear();
    m_timers = TimerQueue();
    m_loop->setObserver(nullptr);
    m_resolver.reset();  // no resolver callback runs after this
    m_events.emplace(EventKind::Stopped, kReactorChannel);
    {
        std::lock_guard<std::mutex> lock(m_taskMutex);
        m_doorClosed = true;
        m_tasks.clear();
    }
    m_tracer.reset();
    m_waker.reset();
    m_ctx.reserve.reset();
    m_loop.reset();
    {
        std::lock_guard<std::mutex> lock(m_statsMutex);
        m_published = m_ctx.totals;
        m_published.events = m_events.lastSeq();
    }
    m_events.setStopped();
}

bool Reactor::Impl::runTasks() {
    std::vector<Task> tasks;
    {
        std::lock_guard<std::mutex> lock(m_taskMutex);
        tasks.swap(m_tasks);
        m_wakePending = false;  // a command posted from now on wakes the loop again
    }
    for (Task& t : tasks) {
        if (auto* c = std::get_if<Command>(&t))
            std::visit([this](auto& command) { execute(command); }, *c);
        else
            execute(std::get<Resolved>(t));
    }
    m_graveyard.clear();
    return !tasks.empty();
}

void Reactor::Impl::waitForTask() {
    std::unique_lock<std::mutex> lock(m_taskMutex);
    m_taskCv.wait(lock, [this] { return !m_tasks.empty(); });
}

std::optional<double> Reactor::Impl::waitTimeout() const {
    const auto next = m_timers.nextDeadline();
    if (!next) return std::nullopt;  // the Waker ends the wait when a command comes
    const auto left = *next - TimerQueue::Clock::now();
    return std::max(0.0, std::chrono::duration<double>(left).count());
}

void Reactor::Impl::publish() {
    {
        std::lock_guard<std::mutex> lock(m_statsMutex);
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
    const ChannelId id = m_nextId++;
    std::unique_ptr<Channel> ch;
    try {
        ch = std::make_unique<Channel>(m_ctx, *m_loop, id, listener.channelId(), listener.options(), std::move(sock));
    } catch (const std::system_error& e) {
        Event& w = m_events.emplace(EventKind::Warning, listener.channelId());
        w.sub = static_cast<std::uint8_t>(WarningCode::AcceptFailed);
        w.info = "the connection from " + peer.toString() + " was gone before it could be used: " +
                 sockops::describe(e.code());
        return;
    }
    Event& e = m_events.emplace(EventKind::Accepted, id);
    e.parent = listener.channelId();
    e.info = ch->peerAddress().empty() ? peer.toString() : ch->peerAddress();
    e.aux = ch->localAddress();
    ++m_ctx.totals.accepted;
    addChannel(std::move(ch));
}

void Reactor::Impl::channelClosed(Channel& channel) {
    const ChannelId id = channel.channelId();
    m_timers.cancelOwner(id);
    auto it = m_channels.find(id);
    if (it == m_channels.end()) return;
    m_graveyard.push_back(std::move(it->second));  // destroyed after the pass
    m_channels.erase(it);
    --m_ctx.totals.channelsOpen;
}

Channel* Reactor::Impl::find(ChannelId id, std::string_view what) {
    if (auto it = m_channels.find(id); it != m_channels.end()) return it->second.get();
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
    e.info = std::move(message);
}

void Reactor::Impl::emitSnapshot(Channel& ch) {
    m_events.emplace(EventKind::ChannelState, ch.channelId()).state =
        std::make_shared<const ChannelState>(ch.snapshot());
}

// --- Commands -------------------------------------------------------------------------------------

void Reactor::Impl::execute(cmd::OpenClient& c) {
    ++m_ctx.totals.channelsOpened;
    Channel& ch = addChannel(std::make_unique<Channel>(m_ctx, *m_loop, c.id, ChannelRole::Client, c.options));
    if (c.host.empty()) {
        ch.resolveFailed("cannot connect: no host given");
        return;
    }
    if (c.port == 0) {
        ch.resolveFailed("cannot connect to " + c.host + ": port 0 is not a port one can connect to");
        return;
    }
    if (auto numeric = Address::fromNumeric(stripBrackets(c.host), c.port)) {
        if (c.family != 0 && numeric->family() != c.family) {
            ch.resolveFailed("cannot connect to " + c.host + ": not an address of the requested family");
            return;
        }
        ch.connectTo({*numeric}, c.host);
        return;
    }
    const std::uint64_t ticket = m_nextTicket++;
    m_resolving.emplace(ticket, PendingResolve{c.id, c.host, 0});
    m_resolver->resolve(ticket, c.host, c.port, c.family);
}

void Reactor::Impl::execute(cmd::OpenServer& c) {
    ++m_ctx.totals.channelsOpened;
    Channel& ch = addChannel(std::make_unique<Channel>(m_ctx, *m_loop, c.id, ChannelRole::Listener, c.options));
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

void Reactor::Impl::execute(cmd::Push& c) {
    if (Channel* ch = findSender(c.channel, "push")) ch->pushBytes(c.data);
}

void Reactor::Impl::execute(cmd::PushFile& c) {
    Channel* ch = findSender(c.channel, "push a file");
    if (!ch) return;
    std::unique_ptr<FileProducer> producer;
    try {
        producer = std::make_unique<FileProducer>(c.path, ch->acOutBufferSize);
    } catch (const std::system_error& e) {
        emitError(c.channel, e.code().value(), e.what());
        return;
    }
    const long long size = producer->size();
    ch->pushProducer(std::move(producer), ProducerKind::File, size, 1, c.path);
}

void Reactor::Impl::execute(cmd::PushRepeat& c) {
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
    auto job = std::make_shared<RepeatJob>();
    job->id = c.channel;
    job->data = std::move(c.data);
    job->copies = c.copies;
    job->interval = c.interval;
    scheduleRepeat(std::move(job));
}

void Reactor::Impl::scheduleRepeat(std::shared_ptr<RepeatJob> job) {
    // One copy now, the next one `interval` later (no catching up after a pause).
    auto it = m_channels.find(job->id);
    if (it == m_channels.end() || it->second->isClosed() || it->second->isHalfClosed()) return;
    ++job->sent;
    it->second->pushBytes(job->data, ProducerKind::Repeat, static_cast<std::int64_t>(job->sent));
    if (job->copies != 0 && job->sent >= job->copies) return;
    const auto when = TimerQueue::Clock::now() + job->interval;
    const ChannelId owner = job->id;
    m_timers.add(when, owner, [this, job = std::move(job)]() mutable { scheduleRepeat(std::move(job)); });
}

void Reactor::Impl::execute(cmd::SetTerminator& c) {
    if (Channel* ch = find(c.channel, "set the terminator")) ch->applyTerminator(c.terminator);
}

void Reactor::Impl::execute(cmd::SetBufferSizes& c) {
    Channel* ch = find(c.channel, "set the buffer sizes");
    if (!ch) return;
    if (c.inBufferSize == 0 || c.outBufferSize == 0) {
        emitError(c.channel, 0, "cannot set the buffer sizes: both must be at least 1 byte");
        return;
    }
    ch->applyBufferSizes(c.inBufferSize, c.outBufferSize);
}

void Reactor::Impl::execute(cmd::SetLimits& c) {
    Channel* ch = find(c.channel, "set the limits");
    if (!ch) return;
    if (c.maxMessage == 0 || c.highWater == 0) {
        emitError(c.channel, 0, "cannot set the limits: both must be at least 1 byte");
        return;
    }
    ch->applyLimits(c.maxMessage, c.highWater);
}

void Reactor::Impl::execute(cmd::CloseWhenDone& c) {
    Channel* ch = find(c.channel, "close when done");
    if (!ch) return;
    if (ch->role() == ChannelRole::Listener)
        ch->closeLocally("close_when_done");  // a listener has nothing to send: close now
    else
        ch->requestCloseWhenDone();
}

void Reactor::Impl::execute(cmd::HalfClose& c) {
    Channel* ch = find(c.channel, "half-close");
    if (!ch) return;
    if (ch->role() == ChannelRole::Listener) {
        emitError(c.channel, 0, "cannot half-close: channel " + std::to_string(c.channel) + " is a listener");
        return;
    }
    ch->requestHalfClose();
}

void Reactor::Impl::execute(cmd::DiscardBuffers& c) {
    Channel* ch = find(c.channel, "discard the buffers");
    if (!ch) return;
    m_timers.cancelOwner(c.channel);  // paced repeats stop too
    ch->discard();
}

void Reactor::Impl::execute(cmd::Close& c) {
    if (Channel* ch = find(c.channel, "close")) ch->closeLocally("close");
}

void Reactor::Impl::execute(cmd::Snapshot& c) {
    if (c.channel == kAllChannels) {
        for (auto& [id, ch] : m_channels) emitSnapshot(*ch);
        return;
    }
    // A snapshot is a query, often racing with the channel's close: for a
    // channel that existed and has closed, its `closed` event already carried
    // the final state, so there is nothing to report. An id that never
    // existed is still an error.
    if (auto it = m_channels.find(c.channel); it != m_channels.end()) {
        emitSnapshot(*it->second);
    } else if (c.channel == 0 || c.channel >= m_nextId.load()) {
        find(c.channel, "take a snapshot");
    }
}

void Reactor::Impl::execute(cmd::Pause&) {
    if (m_paused) return;
    m_paused = true;
    m_steps = 0;
    m_events.emplace(EventKind::Paused, kReactorChannel);
}

void Reactor::Impl::execute(cmd::Resume&) {
    if (!m_paused) return;
    m_paused = false;
    m_steps = 0;
    m_events.emplace(EventKind::Resumed, kReactorChannel);
}

void Reactor::Impl::execute(cmd::Step&) {
    if (!m_paused) {
        emitError(kReactorChannel, 0, "cannot step: the loop is not paused");
        return;
    }
    ++m_steps;
}

void Reactor::Impl::execute(cmd::SetLoopTrace& c) { m_loop->setObserver(c.on ? m_tracer.get() : nullptr); }

void Reactor::Impl::execute(cmd::SetMessageLimit& c) {
    m_ctx.messageLimit = c.messages;
    m_ctx.limitReported = false;
    if (c.messages != 0 && m_ctx.totals.messagesIn >= c.messages) {
        m_ctx.limitReported = true;
        m_events.emplace(EventKind::LimitReached, kReactorChannel).count = static_cast<std::int64_t>(c.messages);
    }
}

void Reactor::Impl::execute(cmd::Shutdown&) { m_stopping = true; }

// --- Reactor ---------------------------------------------------------------------------------------

Backend defaultBackend() noexcept {
    return backendAvailable(Backend::Epoll) ? Backend::Epoll : Backend::Poll;
}

Reactor::Reactor(ReactorOptions options) : m_impl(std::make_unique<Impl>(std::move(options))) { m_impl->start(); }

Reactor::~Reactor() = default;

ChannelId Reactor::post(Command command) { return m_impl->post(std::move(command)); }

ChannelId Reactor::openClient(std::string host, std::uint16_t port, ChannelOptions options, int family) {
    return post(cmd::OpenClient{0, std::move(host), port, family, std::move(options)});
}

ChannelId Reactor::openServer(std::string host, std::uint16_t port, ChannelOptions options, int backlog) {
    return post(cmd::OpenServer{0, std::move(host), port, backlog, std::move(options)});
}

void Reactor::push(ChannelId channel, std::string data) { post(cmd::Push{channel, std::move(data)}); }
void Reactor::pushFile(ChannelId channel, std::string path) { post(cmd::PushFile{channel, std::move(path)}); }
void Reactor::pushRepeat(ChannelId channel, std::string data, std::uint64_t copies, std::chrono::milliseconds interval) {
    post(cmd::PushRepeat{channel, std::move(data), copies, interval});
}
void Reactor::setTerminator(ChannelId channel, Terminator terminator) {
    post(cmd::SetTerminator{channel, std::move(terminator)});
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
void Reactor::setMessageLimit(std::uint64_t messages) { post(cmd::SetMessageLimit{messages}); }
void Reactor::shutdown() { post(cmd::Shutdown{}); }

void Reactor::drain(std::vector<Event>& out) { m_impl->m_events.drain(out); }
bool Reactor::waitAndDrain(std::vector<Event>& out, std::chrono::milliseconds timeout) {
    return m_impl->m_events.waitAndDrain(out, timeout);
}
bool Reactor::finished() const { return m_impl->m_events.finished(); }

ReactorStats Reactor::stats() const {
    std::lock_guard<std::mutex> lock(m_impl->m_statsMutex);
    return m_impl->m_published;
}

std::chrono::system_clock::time_point Reactor::startedAt() const noexcept { return m_impl->m_wallStart; }
Backend Reactor::backend() const noexcept { return m_impl->m_opts.backend; }
EventLevel Reactor::level() const noexcept { return m_impl->m_opts.level; }

}  // namespace engine
