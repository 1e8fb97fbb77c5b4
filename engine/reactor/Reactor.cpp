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
#include "engine/reactor/Reactor.h"

#include "engine/reactor/Channel.h"
#include "engine/asyncore/DispatcherTap.h"
#include "engine/asyncore/DispatcherWithSend.h"
#include "engine/reactor/EventQueue.h"
#include "engine/asyncore/FileProducer.h"
#include "engine/reactor/LoopTracer.h"
#include "engine/asyncore/RepeatProducer.h"
#include "engine/net/Resolver.h"
#include "engine/net/SocketOps.h"
#include "engine/asyncore/TimerQueue.h"
#include "engine/asyncore/Waker.h"

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

class HostedTap;

class Reactor::Impl final : public ChannelHost, public LoopRegistry {
public:
    explicit Impl(ReactorOptions options);
    ~Impl() override;

    void start();
    ChannelId post(Command command);
    HostId postHost(std::string label, HostFactory factory);
    void postResolved(Resolved r);
    void wake();

    // ChannelHost (loop thread)
    void acceptConnection(Channel& listener, Socket sock, const Address& peer) override;
    void channelClosed(Channel& channel) override;

    // LoopRegistry (loop thread; installed while work is hosted)
    void added(Dispatcher& d) override;
    void removed(Dispatcher& d) override;

    /// The id traces and events give `d`: a Channel's, a hosted dispatcher's, else 0.
    static ChannelId idOf(const Dispatcher& d);

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
    /// Waits for a command; `preview`: at most a short while (the preview is
    /// refreshed, so that bytes a peer sends meanwhile show up).
    void waitForTask(bool preview = false);
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
    void execute(cmd::Host& c);
    void execute(cmd::StopHost& c);
    void execute(Resolved& r);

    // --- Hosted work (loop thread) ---
    friend class HostedTap;
    struct HostRec {
        std::string label;
        std::unique_ptr<HostedWork> work;
    };
    /// Makes channels of the dispatchers registered since the last call.
    void adoptPending();
    /// Reports and ends hosted work that is done; frees the taps of dead dispatchers.
    void checkHosts();
    /// Closes every dispatcher of `id`, detaches their taps and destroys the work.
    void endHost(HostId id);
    HostedTap* hostedTap(ChannelId id) const;
    /// While paused with the trace on: what is waiting, and what the next step does.
    void emitPreview();
    void emitHostedSnapshot(HostedTap& t);

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
    std::atomic<HostId> m_nextHost{1};

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

    std::map<HostId, HostRec> m_hosts;
    std::map<ChannelId, std::unique_ptr<HostedTap>> m_taps;  // hosted dispatchers by channel id
    std::vector<Dispatcher*> m_pendingAdds;  // registered, not yet looked at
    HostId m_currentHost = 0;                // the host whose factory is running
    ChannelId m_lastAcceptor = 0;            // a hosted listener accepted since adoptPending()
    std::shared_ptr<const LoopTrace> m_lastPreview;
};

// --- Hosted dispatchers ----------------------------------------------------------------------
namespace {
/// "20 queued bytes", "20 queued bytes and 1 producer", "1 producer (asked for more)".
std::string queuedText(const Fifo& fifo) {
    std::size_t producers = 0;
    for (const Fifo::Entry& e : fifo)
        if (e.kind == Fifo::Entry::Kind::Producer) ++producers;
    const std::size_t bytes = fifo.queuedBytes();
    std::string out;
    if (bytes || !producers) out = std::to_string(bytes) + " queued bytes";
    if (producers) {
        out += (out.empty() ? "" : " and ") + std::to_string(producers) + (producers == 1 ? " producer" : " producers");
        if (!bytes) out += " (its more() gives the next piece)";
    }
    return out;
}
}  // namespace

// The tap the Reactor installs on each dispatcher of hosted work: it turns
// what the dispatcher does into the events a Channel would emit.
class HostedTap final : public DispatcherTap {
public:
    HostedTap(Reactor::Impl& r, Dispatcher& d, ChannelId id, HostId host, ChannelRole role, ChannelId parent)
        : m_r(r), m_d(&d), m_id(id), m_host(host), m_role(role), m_parent(parent),
          m_class(d.pythonClassName()), m_chat(dynamic_cast<AsyncChat*>(&d)) {}

    std::uint32_t traceId() const override { return m_id; }
    void listening(const Dispatcher& d) override {
        Event& e = emit(EventKind::Listening);
        std::error_code ec;
        const Address local = sockops::localAddress(d.socketHandle(), ec);
        e.size = ec ? 0 : local.port();
        e.info = ec ? std::string() : local.toString();
    }
    void connecting(const Dispatcher&, const Address& a) override {
        Event& e = emit(EventKind::Connecting);
        e.size = a.port();
        e.info = a.toString();
    }
    void connected(const Dispatcher& d) override {
        Event& e = emit(EventKind::Connected);
        std::error_code ec;
        e.info = sockops::peerAddress(d.socketHandle(), ec).toString();
        e.aux = sockops::localAddress(d.socketHandle(), ec).toString();
    }
    void accepted(const Dispatcher&, const Address&) override { m_r.m_lastAcceptor = m_id; }
    void received(const Dispatcher&, std::string_view bytes) override {
        if (bytes.empty()) {
            m_peerEof = true;
            return;
        }
        m_bytesIn += bytes.size();
        m_r.m_ctx.totals.bytesIn += bytes.size();
        if (m_chat || m_r.m_ctx.level < EventLevel::Full) return;  // async_chat: collect says it
        Event& e = emit(EventKind::Received);
        e.size = static_cast<std::int64_t>(bytes.size());
        e.data.assign(bytes);
    }
    void sent(const Dispatcher&, std::string_view bytes) override {
        m_bytesOut += bytes.size();
        m_r.m_ctx.totals.bytesOut += bytes.size();
        if (bytes.empty() || m_r.m_ctx.level < EventLevel::Full) return;
        Event& e = emit(EventKind::Sent);
        e.size = static_cast<std::int64_t>(bytes.size());
        e.data.assign(bytes);
    }
    void collected(const Dispatcher&, std::string_view data) override {
        m_pending += data.size();
        if (m_r.m_ctx.level < EventLevel::Messages) return;
        Event& e = emit(EventKind::Collect);
        e.size = static_cast<std::int64_t>(data.size());
        e.data.assign(data);
    }
    void terminatorFound(const Dispatcher&, const Terminator& matched) override {
        ++m_messagesIn;
        ++m_r.m_ctx.totals.messagesIn;
        const std::uint64_t size = std::exchange(m_pending, 0);
        if (m_r.m_ctx.level < EventLevel::Messages) return;
        Event& e = emit(EventKind::FoundTerminator);
        e.size = static_cast<std::int64_t>(size);
        // As for a Channel: get_terminator() inside the call, so a count
        // terminator reads count 0 (R8); `size` is the message's length.
        e.setTerminator(matched.isCount() ? Terminator::count(0) : matched);
    }
    void error(const Dispatcher&) override {
        int code = 0;
        std::string what = "unknown exception";
        if (auto ep = std::current_exception()) {
            try {
                std::rethrow_exception(ep);
            } catch (const std::system_error& x) {
                code = x.code().value();
                what = x.what();
            } catch (const std::exception& x) {
                what = x.what();
            } catch (...) {
            }
        }
        m_error = what;
        m_errno = code;
        Event& e = emit(EventKind::Error);
        e.error = code;
        e.info = m_class + ": " + what;
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
        Event& e = emit(EventKind::Closed);
        const CloseReason reason = !m_error.empty() ? CloseReason::Error : m_peerEof ? CloseReason::Peer : CloseReason::Local;
        e.sub = static_cast<std::uint8_t>(reason);
        e.error = m_errno;
        e.info = std::move(detail);
        auto st = std::make_shared<ChannelState>();
        st->role = m_role;
        st->phase = ChannelPhase::Closed;
        st->parent = m_parent;
        st->bytesIn = m_bytesIn;
        st->bytesOut = m_bytesOut;
        st->messagesIn = m_messagesIn;
        if (m_chat) st->terminator = m_chat->getTerminator();
        e.state = std::move(st);
    }

    ChannelState snapshot() const {
        ChannelState st;
        st.role = m_role;
        st.parent = m_parent;
        st.bytesIn = m_bytesIn;
        st.bytesOut = m_bytesOut;
        st.messagesIn = m_messagesIn;
        if (!m_d || m_closed) {
            st.phase = ChannelPhase::Closed;
            return st;
        }
        Dispatcher& d = *m_d;
        st.phase = d.accepting ? ChannelPhase::Listening
                   : d.connected ? ChannelPhase::Connected
                   : d.connecting ? ChannelPhase::Connecting
                                  : ChannelPhase::Closed;
        std::error_code ec;
        if (d.socketHandle() != kInvalidSocket) {
            st.local = sockops::localAddress(d.socketHandle(), ec).toString();
            if (!d.accepting) st.peer = sockops::peerAddress(d.socketHandle(), ec).toString();
        }
        st.readable = d.readable();
        st.writable = d.writable();
        st.pendingMessage = m_pending;
        if (m_chat) {
            st.terminator = m_chat->getTerminator();
            st.inBufferSize = m_chat->acInBufferSize;
            st.outBufferSize = m_chat->acOutBufferSize;
            st.residue.assign(m_chat->inputBuffer());
            st.queuedBytes = m_chat->producerFifo().queuedBytes();
            st.fifoEntries = m_chat->producerFifo().size();
        } else if (const auto* ws = dynamic_cast<const DispatcherWithSend*>(&d)) {
            st.terminator = Terminator::none();
            st.queuedBytes = ws->outBuffer.size();
            st.fifoEntries = ws->outBuffer.empty() ? 0 : 1;
        } else {
            st.terminator = Terminator::none();
        }
        return st;
    }

    /// What the next pass will do with this dispatcher, given readiness `bits`.
    std::string nextStep(bool r, bool w, unsigned bits, std::uint64_t waiting) const {
        if (!m_d) return {};
        const Dispatcher& d = *m_d;
        std::string out;
        auto add = [&](std::string s) {
            if (!out.empty()) out += "; then ";
            out += std::move(s);
        };
        const bool in = r && (bits & (kReadyIn | kReadyHup | kReadyErr));
        const bool wr = w && (bits & kReadyOut);
        if (in) {
            if (d.accepting)
                add("handle_accept: a connection is waiting");
            else if (d.connecting && !d.connected)
                add("handle_connect_event → handle_connect");
            else if (waiting == 0)
                add("handle_read: recv returns b'' (the peer closed) → handle_close");
            else if (m_chat)
                add("handle_read: recv up to " + std::to_string(m_chat->acInBufferSize) + " of " +
                    std::to_string(waiting) + " waiting bytes");
            else
                add("handle_read: " + std::to_string(waiting) + " bytes waiting for recv");
        }
        if (wr) {
            if (d.connecting && !d.connected && !in)
                add("handle_connect_event → handle_connect, then handle_write");
            else if (m_chat)
                add("handle_write: initiate_send " + queuedText(m_chat->producerFifo()) + " (one send of at most " +
                    std::to_string(m_chat->acOutBufferSize) + ")");
            else if (const auto* ws = dynamic_cast<const DispatcherWithSend*>(&d))
                add("handle_write: initiate_send " + std::to_string(ws->outBuffer.size()) + " queued bytes");
            else
                add("handle_write");
        }
        if (out.empty()) {
            if (r && waiting == 0 && !d.accepting) out = "nothing waiting: handle_read when bytes arrive";
            else if (d.accepting) out = "no connection waiting";
            else if (!r && !w) out = "neither readable() nor writable(): not waited on";
        }
        return out;
    }

    Dispatcher* dispatcher() const noexcept { return m_d; }
    ChannelId id() const noexcept { return m_id; }
    HostId host() const noexcept { return m_host; }
    const std::string& className() const noexcept { return m_class; }
    bool isClosed() const noexcept { return m_closed; }
    bool isChat() const noexcept { return m_chat != nullptr; }

private:
    Event& emit(EventKind kind) { return m_r.m_events.emplace(kind, m_id); }

    Reactor::Impl& m_r;
    Dispatcher* m_d;
    const ChannelId m_id;
    const HostId m_host;
    const ChannelRole m_role;
    const ChannelId m_parent;
    const std::string m_class;
    const AsyncChat* m_chat;  // nullptr once destroyed
    bool m_peerEof = false;
    bool m_closed = false;
    std::string m_error;
    int m_errno = 0;
    std::uint64_t m_pending = 0;
    std::uint64_t m_bytesIn = 0;
    std::uint64_t m_bytesOut = 0;
    std::uint64_t m_messagesIn = 0;
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

HostId Reactor::Impl::postHost(std::string label, HostFactory factory) {
    const HostId id = m_nextHost++;
    post(cmd::Host{id, std::move(label), std::move(factory)});
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

        if (!m_hosts.empty() || !m_taps.empty()) {
            adoptPending();
            checkHosts();
        }
        const bool previewing = m_paused && m_steps == 0 && m_loop->observer() != nullptr;
        if (previewing) emitPreview();
        publish();  // what the commands produced, before waiting
        if (m_paused && m_steps == 0) {
            waitForTask(previewing);
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
        if (!m_hosts.empty() || !m_taps.empty()) {
            adoptPending();
            checkHosts();
        }
        m_timers.runExpired(TimerQueue::Clock::now());
        m_graveyard.clear();
        publish();
    }
}

void Reactor::Impl::teardown() {
    // Hosted work first: its dispatchers live in the Loop and report through us.
    while (!m_hosts.empty()) {
        const HostId id = m_hosts.begin()->first;
        Event& e = m_events.emplace(EventKind::Hosted, kReactorChannel);
        e.sub = static_cast<std::uint8_t>(HostPhase::Stopped);
        e.count = id;
        e.info = m_hosts.begin()->second.label;
        endHost(id);
    }
    for (auto& [id, tap] : m_taps)
        if (Dispatcher* d = tap->dispatcher()) {
            d->closeNoThrow();
            d->setTap(nullptr);
        }
    m_taps.clear();
    m_loop->setRegistry(nullptr);
    m_pendingAdds.clear();
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

void Reactor::Impl::waitForTask(bool preview) {
    std::unique_lock<std::mutex> lock(m_taskMutex);
    if (preview)
        m_taskCv.wait_for(lock, std::chrono::milliseconds(200), [this] { return !m_tasks.empty(); });
    else
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
    if (HostedTap* t = hostedTap(id); t && !t->isClosed()) {
        emitError(id, 0,
                  "cannot " + std::string(what) + ": channel " + std::to_string(id) + " is the example's " +
                      t->className() + ", which runs its own code (Close and snapshots work)");
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
    if (HostedTap* t = hostedTap(c.channel); t && t->dispatcher() && !t->isClosed()) {
        t->dispatcher()->closeNoThrow();
        return;
    }
    if (Channel* ch = find(c.channel, "close")) ch->closeLocally("close");
}

void Reactor::Impl::execute(cmd::Snapshot& c) {
    if (c.channel == kAllChannels) {
        for (auto& [id, ch] : m_channels) emitSnapshot(*ch);
        for (auto& [id, t] : m_taps)
            if (!t->isClosed()) emitHostedSnapshot(*t);
        return;
    }
    if (HostedTap* t = hostedTap(c.channel)) {
        if (!t->isClosed()) emitHostedSnapshot(*t);
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

void Reactor::Impl::execute(cmd::SetLoopTrace& c) {
    m_loop->setObserver(c.on ? m_tracer.get() : nullptr);
    if (!c.on) m_lastPreview.reset();
}

void Reactor::Impl::execute(cmd::SetMessageLimit& c) {
    m_ctx.messageLimit = c.messages;
    m_ctx.limitReported = false;
    if (c.messages != 0 && m_ctx.totals.messagesIn >= c.messages) {
        m_ctx.limitReported = true;
        m_events.emplace(EventKind::LimitReached, kReactorChannel).count = static_cast<std::int64_t>(c.messages);
    }
}

void Reactor::Impl::execute(cmd::Shutdown&) { m_stopping = true; }

// --- Hosted work -----------------------------------------------------------------------------------

ChannelId Reactor::Impl::idOf(const Dispatcher& d) {
    if (const DispatcherTap* t = d.tap()) return t->traceId();
    const auto* c = dynamic_cast<const Channel*>(&d);
    return c ? c->channelId() : 0;
}

HostedTap* Reactor::Impl::hostedTap(ChannelId id) const {
    auto it = m_taps.find(id);
    return it == m_taps.end() ? nullptr : it->second.get();
}

void Reactor::Impl::added(Dispatcher& d) { m_pendingAdds.push_back(&d); }

void Reactor::Impl::removed(Dispatcher& d) {
    // A dispatcher that leaves the map before we looked at it (closed, or
    // destroyed) is forgotten: the pointer may not stay valid.
    std::erase(m_pendingAdds, &d);
}

void Reactor::Impl::execute(cmd::Host& c) {
    m_loop->setRegistry(this);
    m_currentHost = c.host;
    std::unique_ptr<HostedWork> work;
    std::string failure;
    try {
        if (!c.factory) throw std::invalid_argument("nothing to host");
        work = c.factory(*m_loop);
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
        Event& e = m_events.emplace(EventKind::Hosted, kReactorChannel);
        e.sub = static_cast<std::uint8_t>(HostPhase::Failed);
        e.count = c.host;
        e.info = c.label + ": " + failure;
        if (m_hosts.empty() && m_taps.empty()) m_loop->setRegistry(nullptr);
        return;
    }
    Event& e = m_events.emplace(EventKind::Hosted, kReactorChannel);
    e.sub = static_cast<std::uint8_t>(HostPhase::Started);
    e.count = c.host;
    e.info = c.label;
    e.size = work->port();
    m_hosts.emplace(c.host, HostRec{c.label, std::move(work)});
    adoptPending();
    m_currentHost = 0;
}

void Reactor::Impl::execute(cmd::StopHost& c) {
    auto it = m_hosts.find(c.host);
    if (it == m_hosts.end()) {
        emitError(kReactorChannel, 0, "cannot stop hosted work " + std::to_string(c.host) + ": it is not running");
        return;
    }
    Event& e = m_events.emplace(EventKind::Hosted, kReactorChannel);
    e.sub = static_cast<std::uint8_t>(HostPhase::Stopped);
    e.count = c.host;
    e.info = it->second.label;
    endHost(c.host);
}

void Reactor::Impl::adoptPending() {
    if (m_pendingAdds.empty()) {
        m_lastAcceptor = 0;
        return;
    }
    const std::vector<Dispatcher*> pending = std::exchange(m_pendingAdds, {});
    const HostedTap* acceptor = hostedTap(m_lastAcceptor);
    m_lastAcceptor = 0;
    for (Dispatcher* d : pending) {
        if (d->tap() || dynamic_cast<Channel*>(d) || d->fileno() == kInvalidSocket) continue;
        if (m_waker && d == static_cast<Dispatcher*>(m_waker.get())) continue;
        HostId host = m_currentHost;
        if (acceptor) host = acceptor->host();
        if (host == 0 && !m_hosts.empty()) host = m_hosts.rbegin()->first;  // made by a hook of hosted work
        if (host == 0 || !m_hosts.count(host)) continue;  // not ours
        const ChannelId id = m_nextId++;
        const ChannelRole role = d->accepting               ? ChannelRole::Listener
                                 : acceptor && d->connected ? ChannelRole::Accepted
                                                            : ChannelRole::Client;
        const ChannelId parent = role == ChannelRole::Accepted ? acceptor->id() : 0;
        auto tap = std::make_unique<HostedTap>(*this, *d, id, host, role, parent);
        HostedTap& t = *tap;
        m_taps.emplace(id, std::move(tap));
        d->setTap(&t);
        // What it already did before we saw it, as the event that opens a channel.
        std::error_code ec;
        const NativeSocket fd = d->socketHandle();
        if (role == ChannelRole::Listener) {
            Event& e = m_events.emplace(EventKind::Listening, id);
            const Address local = sockops::localAddress(fd, ec);
            e.size = ec ? 0 : local.port();
            e.info = ec ? std::string() : local.toString();
        } else if (role == ChannelRole::Accepted) {
            Event& e = m_events.emplace(EventKind::Accepted, id);
            e.parent = parent;
            e.info = d->addr.toString();
            e.aux = sockops::localAddress(fd, ec).toString();
        } else if (d->connecting) {
            Event& e = m_events.emplace(EventKind::Connecting, id);
            e.size = d->addr.port();
            e.info = d->addr.toString();
        } else if (d->connected) {
            Event& e = m_events.emplace(EventKind::Connected, id);
            e.info = d->addr.toString();
            e.aux = sockops::localAddress(fd, ec).toString();
        }
        Event& h = m_events.emplace(EventKind::Hosted, id);
        h.sub = static_cast<std::uint8_t>(HostPhase::Dispatcher);
        h.count = host;
        h.info = t.className();
        h.aux = m_hosts[host].label;
        h.parent = parent;
    }
}

void Reactor::Impl::checkHosts() {
    std::vector<HostId> finished;
    for (auto& [id, h] : m_hosts)
        if (h.work && h.work->done()) finished.push_back(id);
    for (const HostId id : finished) {
        auto it = m_hosts.find(id);
        Event& e = m_events.emplace(EventKind::Hosted, kReactorChannel);
        e.sub = static_cast<std::uint8_t>(HostPhase::Done);
        e.count = id;
        e.info = it->second.label;
        e.size = it->second.work->ok() ? 1 : 0;
        endHost(id);
    }
    // Dispatchers destroyed on their own (an adopted handler that closed).
    std::erase_if(m_taps, [](const auto& kv) { return kv.second->dispatcher() == nullptr; });
    if (m_hosts.empty() && m_taps.empty()) {
        m_loop->setRegistry(nullptr);
        m_pendingAdds.clear();
    }
}

void Reactor::Impl::endHost(HostId id) {
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

void Reactor::Impl::emitHostedSnapshot(HostedTap& t) {
    m_events.emplace(EventKind::ChannelState, t.id()).state = std::make_shared<const ChannelState>(t.snapshot());
}

void Reactor::Impl::emitPreview() {
    auto trace = std::make_shared<LoopTrace>();
    trace->pass = m_loop->passes() + 1;
    trace->backend = m_opts.backend;
    for (Dispatcher* d : m_loop->channels()) {
        const ChannelId id = idOf(*d);
        if (id == 0) continue;
        const NativeSocket fd = d->fileno();
        if (fd == kInvalidSocket) continue;
        const bool r = d->readable();
        const bool w = d->writable();
        trace->polled.push_back({id, r, w});
        std::error_code ec;
        const unsigned bits = (r || w) ? sockops::readinessNow(fd, r, w, ec) : 0;
        if (bits) trace->ready.push_back({id, bits});
        LoopTrace::Waiting wt;
        wt.channel = id;
        wt.bytes = d->accepting ? 0 : sockops::bytesAvailable(fd, ec);
        wt.readable = r;
        wt.writable = w;
        wt.bits = bits;
        if (const DispatcherTap* tap = d->tap()) {
            wt.next = static_cast<const HostedTap*>(tap)->nextStep(r, w, bits, wt.bytes);
        } else if (auto* ch = dynamic_cast<Channel*>(d)) {
            const bool in = r && (bits & (kReadyIn | kReadyHup | kReadyErr));
            const bool out = w && (bits & kReadyOut);
            std::string next;
            if (in)
                next = d->accepting ? "handle_accept: a connection is waiting"
                       : wt.bytes == 0 ? "handle_read: recv returns b'' (the peer closed) → handle_close"
                                       : "handle_read: recv up to " + std::to_string(ch->acInBufferSize) + " of " +
                                             std::to_string(wt.bytes) + " waiting bytes";
            if (out)
                next += (next.empty() ? "" : "; then ") +
                        std::string(d->connecting && !d->connected ? "handle_connect_event → handle_connect"
                                                                   : "handle_write: initiate_send " +
                                                                         queuedText(ch->producerFifo()));
            wt.next = std::move(next);
        }
        trace->waiting.push_back(std::move(wt));
    }
    if (m_lastPreview && m_lastPreview->polled == trace->polled && m_lastPreview->ready == trace->ready &&
        m_lastPreview->waiting == trace->waiting && m_lastPreview->pass == trace->pass)
        return;  // nothing changed since the last one
    m_lastPreview = trace;
    m_events.emplace(EventKind::Preview, kReactorChannel).trace = std::move(trace);
}

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
HostId Reactor::host(std::string label, HostFactory factory) { return m_impl->postHost(std::move(label), std::move(factory)); }
void Reactor::stopHost(HostId host) { post(cmd::StopHost{host}); }

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
