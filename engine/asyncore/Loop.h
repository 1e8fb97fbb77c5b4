// Loop.h — asyncore's socket_map and loop(): the channel map of one thread
// and the function that waits for readiness and dispatches it.
//
// What it does: a Loop is a channel map (file descriptor → Dispatcher, in
// insertion order, like asyncore's `socket_map` dict) plus loop()/poll(),
// which on every pass
//   1. snapshot the map and ask each channel readable()/writable() once,
//   2. wait in the chosen backend (select, poll, or epoll on Linux),
//   3. dispatch what became ready, with that backend's asyncore rules:
//        select — every readable fd, then every writable fd, then every
//                 exceptional fd (asyncore.poll, L4); every exception from a
//                 hook goes to handleError() (L5);
//        poll / epoll — all flags of one fd before the next (asyncore.poll2 /
//                 readwrite, L7); a std::system_error whose code is one of
//                 asyncore's disconnect errnos goes to handleClose(), any
//                 other exception to handleError().
//   4. destroy the dispatchers the loop owns (adopt()) that left the map.
// Before every dispatch the channel is looked up again by fd *and*
// registration serial, so a channel closed during the pass is never
// dispatched afterwards, and a new channel that reuses a closed channel's fd
// never receives the old one's events (we fix CPython's L8/L12 here; see
// docs/conformance.md). Only ExitNow leaves loop(); anything a hook throws is
// contained in its channel.
// Two opt-in hooks, each a single pointer test when unset: a LoopObserver
// hears every pass (the loop trace), a LoopRegistry every registration.
// What it owns: the map holds non-owning pointers, except dispatchers handed
// over with adopt(), which it deletes once they are closed.
// Threads: one Loop per thread. A Loop and every dispatcher in it must be used
// only from the thread that runs it. (Reactor is the thread-safe door;
// LoopThread makes, runs and destroys a Loop on a thread of its own.) Debug
// builds check it: the first thread that registers a dispatcher or runs a
// pass owns the Loop, and registering, unregistering or polling from any
// other thread is an assertion failure.
#pragma once

#include "engine/net/Platform.h"
#include "engine/net/ReadyBits.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace engine {

class Dispatcher;

/// Which readiness primitive loop() uses. asyncore has Select (its default)
/// and Poll (`use_poll=True`); Epoll is ours, Linux only, for many channels.
enum class Backend : std::uint8_t { Select, Poll, Epoll };
std::string_view backendName(Backend b) noexcept;
/// Parses "select", "poll", "epoll"; nullopt otherwise.
std::optional<Backend> parseBackend(std::string_view name) noexcept;
/// Whether this build and platform offer the backend (Epoll: Linux only).
bool backendAvailable(Backend b) noexcept;
/// The backend the tools (Reactor, Replayer, Mocker) use unless told
/// otherwise: epoll where available (Linux), else poll. (loop()'s own
/// default stays select, as in asyncore.)
Backend defaultBackend() noexcept;

/// asyncore.ExitNow: thrown from any hook, it leaves loop() on every backend.
struct ExitNow : std::exception {
    const char* what() const noexcept override { return "ExitNow"; }
};

/// Thrown out of loop() when a channel cannot be waited on with the chosen
/// backend (a select() fd at or past FD_SETSIZE), or the backend is missing.
struct BackendError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The hooks a loop trace names, in asyncore/asynchat terms.
enum class Hook : std::uint8_t {
    HandleReadEvent, HandleWriteEvent, HandleExptEvent, HandleConnectEvent,
    HandleRead, HandleWrite, HandleExpt, HandleConnect, HandleAccept, HandleAccepted,
    HandleClose, HandleError, CollectIncomingData, FoundTerminator, InitiateSend, Send, Recv,
};
std::string_view hookName(Hook h) noexcept;  ///< "handle_read", "found_terminator", …

/// Opt-in observer of every loop pass, for teaching and debugging. With no
/// observer set the loop pays one pointer test per pass and per hook.
class LoopObserver {
public:
    virtual ~LoopObserver() = default;
    /// A pass starts; `pass` counts from 1 over the Loop's life.
    virtual void passBegin(std::uint64_t pass, Backend backend) { (void)pass; (void)backend; }
    /// What one channel answered before the wait.
    virtual void polled(const Dispatcher& d, bool readable, bool writable) { (void)d; (void)readable; (void)writable; }
    /// A channel with a stream layer (StreamLayer.h, TLS): what the layer
    /// itself wants this pass beyond the application — `read`: it waits for
    /// the socket to be readable while the application's readable() is false
    /// (or blocked by a handshake); `write` likewise for writable(). Called
    /// after polled(), only for channels with a layer.
    virtual void layerWants(const Dispatcher& d, bool read, bool write) { (void)d; (void)read; (void)write; }
    /// The wait returned this channel ready with `bits` (ReadyBits).
    virtual void ready(const Dispatcher& d, unsigned bits) { (void)d; (void)bits; }
    /// A hook is about to run on `d`.
    virtual void hook(const Dispatcher& d, Hook h) { (void)d; (void)h; }
    /// The pass ended; `waitedUs` is the time spent blocked in the backend.
    virtual void passEnd(std::uint64_t pass, std::uint64_t waitedUs) { (void)pass; (void)waitedUs; }
};

/// Hears every registration in a Loop's map (add_channel, and del_channel or
/// a replacement). `added` runs inside the registering call — for a socket
/// given to the constructor, while the dispatcher is still being constructed:
/// note the pointer, look at it later. With no registry set the map pays one
/// pointer test per registration. (The Reactor uses it to find the
/// dispatchers an example it hosts creates, e.g. for accepted connections.)
class LoopRegistry {
public:
    virtual ~LoopRegistry() = default;
    virtual void added(Dispatcher& d) = 0;
    virtual void removed(Dispatcher& d) = 0;
};

namespace detail {
class Poller;
struct PollEntry;
}  // namespace detail

class Loop {
public:
    Loop();
    ~Loop();  ///< Destroys owned dispatchers; detaches (never deletes) the others.
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    /// asyncore's module-level `socket_map`: one default map per thread, used
    /// by dispatchers constructed without a map.
    static Loop& threadDefault();

    /// asyncore.loop(timeout, use_poll, map, count): passes until the map is
    /// empty, or `count` passes when given. `timeout` in seconds; nullopt
    /// blocks. An empty map returns at once.
    void loop(std::optional<double> timeout = 30.0, Backend backend = Backend::Select,
              std::optional<long long> count = std::nullopt);
    /// One pass (asyncore.poll / poll2). With nothing to wait for it sleeps
    /// `timeout` (select: like time.sleep; poll/epoll: like poll() with no fds).
    void poll(std::optional<double> timeout, Backend backend);

    // --- The map -------------------------------------------------------------
    std::size_t size() const noexcept { return m_count; }
    bool empty() const noexcept { return m_count == 0; }
    /// The dispatcher registered under `fd`, or nullptr (map.get(fd)).
    Dispatcher* get(NativeSocket fd) const noexcept;
    /// The registered dispatchers in insertion order.
    std::vector<Dispatcher*> channels() const;
    /// asyncore.close_all(map, ignore_all): close() on each, then clear.
    /// Errors other than EBADF propagate unless `ignoreAll`; ExitNow always.
    void closeAll(bool ignoreAll = false);

    /// Hands ownership of `d` to the loop, which deletes it after it leaves the
    /// map (at the end of the pass, so `this` stays valid inside hooks). This is
    /// how Python's fire-and-forget `EchoHandler(sock)` is written in C++.
    template <class T>
    T& adopt(std::unique_ptr<T> d) {
        T& ref = *d;
        adoptImpl(std::unique_ptr<Dispatcher>(std::move(d)));
        return ref;
    }
    /// Constructs a T with (args..., this) and adopts it.
    template <class T, class... Args>
    T& make(Args&&... args) {
        return adopt(std::make_unique<T>(std::forward<Args>(args)..., this));
    }

    void setRegistry(LoopRegistry* r) noexcept { m_registry = r; }
    LoopRegistry* registry() const noexcept { return m_registry; }
    void setObserver(LoopObserver* o) noexcept { m_observer = o; }
    LoopObserver* observer() const noexcept { return m_observer; }
    std::uint64_t passes() const noexcept { return m_pass; }

private:
    friend class Dispatcher;
    struct Slot {
        Dispatcher* d = nullptr;
        NativeSocket fd = kInvalidSocket;
        std::uint64_t serial = 0;
    };
    std::uint64_t addChannel(Dispatcher* d, NativeSocket fd);  // returns the serial
    void delChannel(NativeSocket fd, std::uint64_t serial);
    void retire(Dispatcher* d);  // an adopted dispatcher closed: delete it after the pass
    bool stillRegistered(NativeSocket fd, std::uint64_t serial) const noexcept;
    void adoptImpl(std::unique_ptr<Dispatcher> d);
    void dispatchSelect();
    void dispatchPoll();
    void readwrite(Dispatcher& d, NativeSocket fd, std::uint64_t serial, unsigned bits);
    template <class F>
    void guarded(Dispatcher& d, NativeSocket fd, std::uint64_t serial, F&& f);
    template <class F>
    void guardedPoll(Dispatcher& d, NativeSocket fd, std::uint64_t serial, F&& f);  // readwrite()'s rules
    std::size_t serveLayers(Backend backend);
    void handleError(Dispatcher& d, NativeSocket fd, std::uint64_t serial);
    void reap();
    detail::Poller& poller(Backend b);
    /// Debug builds: the calling thread is the Loop's (the first to use it).
    void checkThread() noexcept;

    std::vector<Slot> m_order;  // insertion order, with holes (d == nullptr)
    std::unordered_map<NativeSocket, std::size_t> m_index;  // fd → index in m_order
    std::size_t m_count = 0;
    std::uint64_t m_nextSerial = 1;
    std::unordered_map<Dispatcher*, std::unique_ptr<Dispatcher>> m_owned;
    std::vector<std::unique_ptr<Dispatcher>> m_graveyard;  // closed, deleted after the pass
    std::unordered_map<Dispatcher*, std::size_t> m_graveyardIndex;
    std::unique_ptr<detail::Poller> m_pollers[3];
    std::vector<detail::PollEntry> m_pending;  // the current pass
    std::vector<std::size_t> m_layered;        // indices in m_pending of channels with a stream layer
    LoopObserver* m_observer = nullptr;
    LoopRegistry* m_registry = nullptr;
    std::uint64_t m_pass = 0;
    int m_depth = 0;  // > 0 while a pass is dispatching
    [[maybe_unused]] std::thread::id m_thread;  // the owning thread, once known (checked in debug builds)
};

/// asyncore.loop(timeout=30.0, use_poll=False, map=None, count=None), with the
/// backend chosen by name instead of a boolean. `map` nullptr means the
/// thread's default map.
void loop(std::optional<double> timeout = 30.0, Backend backend = Backend::Select, Loop* map = nullptr,
          std::optional<long long> count = std::nullopt);

}  // namespace engine
