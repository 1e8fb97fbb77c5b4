// Loop.cpp — the channel map and one loop pass.
//
// A pass, in order (Loop::poll):
//   1. reap    — delete adopted dispatchers closed since the last pass;
//   2. ask     — snapshot the map in insertion order and call readable() and
//                writable() once per channel (asyncore's poll()/poll2());
//   3. wait    — the backend waits for the wanted readiness, at most `timeout`;
//   4. dispatch— select: reads, then writes, then exceptional conditions, over
//                the whole snapshot; poll/epoll: every flag of one channel, then
//                the next (readwrite()). Each dispatch first checks that the
//                channel is still registered under the same serial;
//   5. reap    — as in 1, so hooks can close themselves safely.
#include "engine/asyncore/Loop.h"

#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/Poller.h"
#include "engine/net/EnumNames.h"
#include "engine/net/SocketOps.h"

#include "engine/asyncore/StreamLayer.h"

#include <array>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <system_error>

namespace engine {

namespace {
constexpr std::array<std::string_view, 3> kBackendNames = {"select", "poll", "epoll"};
}  // namespace

LW_ENUM_NAMES(Backend, backendName, parseBackend, kBackendNames)

bool backendAvailable(Backend b) noexcept {
#if defined(__linux__)
    (void)b;
    return true;
#else
    return b != Backend::Epoll;
#endif
}

Backend defaultBackend() noexcept {
    return backendAvailable(Backend::Epoll) ? Backend::Epoll : Backend::Poll;
}

std::string_view hookName(Hook h) noexcept {
    switch (h) {
    case Hook::HandleReadEvent: return "handle_read_event";
    case Hook::HandleWriteEvent: return "handle_write_event";
    case Hook::HandleExptEvent: return "handle_expt_event";
    case Hook::HandleConnectEvent: return "handle_connect_event";
    case Hook::HandleRead: return "handle_read";
    case Hook::HandleWrite: return "handle_write";
    case Hook::HandleExpt: return "handle_expt";
    case Hook::HandleConnect: return "handle_connect";
    case Hook::HandleAccept: return "handle_accept";
    case Hook::HandleAccepted: return "handle_accepted";
    case Hook::HandleClose: return "handle_close";
    case Hook::HandleError: return "handle_error";
    case Hook::CollectIncomingData: return "collect_incoming_data";
    case Hook::FoundTerminator: return "found_terminator";
    case Hook::InitiateSend: return "initiate_send";
    case Hook::Send: return "send";
    case Hook::Recv: return "recv";
    }
    return "?";
}

Loop::Loop() = default;

Loop::~Loop() {
    m_graveyard.clear();
    // Owned dispatchers leave the map in their destructors.
    auto owned = std::move(m_owned);
    owned.clear();
    m_graveyard.clear();
    // Anything still registered belongs to someone else: detach it so its
    // destructor does not touch this Loop.
    for (Slot& s : m_order) {
        if (!s.d) continue;
        s.d->m_serial = 0;
        s.d->m_fileno = kInvalidSocket;
        s.d->m_map = nullptr;
    }
}

void Loop::checkThread() noexcept {
#ifndef NDEBUG
    const std::thread::id me = std::this_thread::get_id();
    if (m_thread == std::thread::id()) m_thread = me;
    assert(m_thread == me && "Loop: used from another thread than the one that runs it (see Loop.h)");
#endif
}

Loop& Loop::threadDefault() {
    static thread_local Loop map;
    return map;
}

Dispatcher* Loop::get(NativeSocket fd) const noexcept {
    auto it = m_index.find(fd);
    return it == m_index.end() ? nullptr : m_order[it->second].d;
}

std::vector<Dispatcher*> Loop::channels() const {
    std::vector<Dispatcher*> out;
    out.reserve(m_count);
    for (const Slot& s : m_order)
        if (s.d) out.push_back(s.d);
    return out;
}

std::uint64_t Loop::addChannel(Dispatcher* d, NativeSocket fd) {
    checkThread();
    auto it = m_index.find(fd);
    if (it != m_index.end()) {
        // asyncore's map[fd] = self silently replaces an earlier object (D4).
        Slot& old = m_order[it->second];
        if (old.d) {
            Dispatcher* const replaced = old.d;
            old.d->m_serial = 0;
            old.d = nullptr;
            --m_count;
            if (m_registry) m_registry->removed(*replaced);
        }
        m_index.erase(it);
    }
    // A closed adopted dispatcher that registers again (a reconnect) lives on.
    if (auto g = m_graveyardIndex.find(d); g != m_graveyardIndex.end()) {
        m_owned.emplace(d, std::move(m_graveyard[g->second]));
        m_graveyardIndex.erase(g);
    }
    const std::uint64_t serial = m_nextSerial++;
    m_order.push_back(Slot{d, fd, serial});
    m_index.emplace(fd, m_order.size() - 1);
    ++m_count;
    if (m_registry) m_registry->added(*d);
    return serial;
}

void Loop::delChannel(NativeSocket fd, std::uint64_t serial) {
    checkThread();
    auto it = m_index.find(fd);
    if (it == m_index.end()) return;
    Slot& s = m_order[it->second];
    if (s.serial != serial) return;
    for (auto& p : m_pollers)
        if (p) p->forget(fd);
    Dispatcher* const d = s.d;
    s.d = nullptr;
    m_index.erase(it);
    --m_count;
    if (m_registry && d) m_registry->removed(*d);
}

void Loop::retire(Dispatcher* d) {
    auto it = m_owned.find(d);
    if (it == m_owned.end()) return;
    m_graveyardIndex.emplace(d, m_graveyard.size());
    m_graveyard.push_back(std::move(it->second));
    m_owned.erase(it);
}

bool Loop::stillRegistered(NativeSocket fd, std::uint64_t serial) const noexcept {
    auto it = m_index.find(fd);
    return it != m_index.end() && m_order[it->second].serial == serial;
}

void Loop::adoptImpl(std::unique_ptr<Dispatcher> d) {
    Dispatcher* raw = d.get();
    const bool closed = raw->m_serial == 0 && raw->m_closed;
    m_owned.emplace(raw, std::move(d));
    if (closed) retire(raw);
}

void Loop::reap() {
    if (m_depth > 0) return;
    while (!m_graveyard.empty()) {
        auto dead = std::move(m_graveyard);
        m_graveyard.clear();
        m_graveyardIndex.clear();
        dead.clear();  // destructors may close more channels; loop until quiet
    }
    // Compact the insertion-order vector once it is mostly holes.
    if (m_order.size() > 64 && m_count < m_order.size() / 2) {
        std::vector<Slot> compact;
        compact.reserve(m_count * 2);
        for (const Slot& s : m_order)
            if (s.d) compact.push_back(s);
        m_order = std::move(compact);
        m_index.clear();
        for (std::size_t i = 0; i < m_order.size(); ++i) m_index.emplace(m_order[i].fd, i);
    }
}

detail::Poller& Loop::poller(Backend b) {
    auto& p = m_pollers[static_cast<std::size_t>(b)];
    if (!p) p = detail::makePoller(b);
    return *p;
}

void Loop::loop(std::optional<double> timeout, Backend backend, std::optional<long long> count) {
    if (!count) {
        while (!empty()) poll(timeout, backend);
        return;
    }
    for (long long n = *count; n > 0 && !empty(); --n) poll(timeout, backend);
}

// Runs a hook on behalf of the loop: ExitNow leaves, anything else goes to
// the channel's handleError(). If handleError() itself throws, the channel is
// closed and the failure written to stderr: nothing a hook does escapes.
template <class F>
void Loop::guarded(Dispatcher& d, NativeSocket fd, std::uint64_t serial, F&& f) {
    try {
        f();
    } catch (const ExitNow&) {
        throw;
    } catch (...) {
        handleError(d, fd, serial);
    }
}

void Loop::handleError(Dispatcher& d, NativeSocket fd, std::uint64_t serial) {
    // Called from inside a catch handler: current_exception() is the error.
    if (d.m_tap) d.m_tap->error(d);
    try {
        d.trace(Hook::HandleError);
        d.handleError();
    } catch (const ExitNow&) {
        throw;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "linewright: handle_error of %s raised: %s; closing the channel\n", d.repr().c_str(),
                     e.what());
        if (stillRegistered(fd, serial)) d.closeNoThrow();
    } catch (...) {
        std::fprintf(stderr, "linewright: handle_error of %s raised; closing the channel\n", d.repr().c_str());
        if (stillRegistered(fd, serial)) d.closeNoThrow();
    }
}

void Loop::poll(std::optional<double> timeout, Backend backend) {
    checkThread();
    reap();
    if (empty()) return;
    detail::Poller& p = poller(backend);  // throws BackendError if unavailable
    const std::uint64_t pass = ++m_pass;
    LoopObserver* const obs = m_observer;
    if (obs) obs->passBegin(pass, backend);

    struct DepthGuard {
        Loop& l;
        explicit DepthGuard(Loop& loop) : l(loop) { ++l.m_depth; }
        ~DepthGuard() {
            --l.m_depth;
            l.reap();
        }
    } depth(*this);

    // Ask every channel, in insertion order, what it wants. Channels added by
    // these calls wait for the next pass.
    m_pending.clear();
    m_layered.clear();
    bool anyPending = false;
    std::optional<StreamLayer::Clock::time_point> nearest;
    const std::size_t n0 = m_order.size();
    for (std::size_t i = 0; i < n0; ++i) {
        const Slot s = m_order[i];
        if (!s.d) continue;
        bool r = false, w = false;
        guarded(*s.d, s.fd, s.serial, [&] {
            r = s.d->readable();
            w = s.d->writable();
        });
        if (!stillRegistered(s.fd, s.serial)) continue;
        if (obs) obs->polled(*s.d, r, w);
        // A stream layer (TLS) on a connected channel: its own wants are ORed
        // in; while it blocks the application (handshake) only they count.
        StreamLayer* const layer = (s.d->connected && !s.d->accepting) ? s.d->layer() : nullptr;
        bool lr = false, lw = false, pending = false;
        if (layer) {
            guarded(*s.d, s.fd, s.serial, [&] {
                if (layer->applicationBlocked()) r = w = false;
                lr = layer->wantsRead();
                lw = layer->wantsWrite();
                pending = r && layer->pendingInput() > 0;
                if (auto dl = layer->deadline(); dl && (!nearest || *dl < *nearest)) nearest = dl;
            });
            if (!stillRegistered(s.fd, s.serial)) continue;
            if (obs) obs->layerWants(*s.d, lr && !r, lw && !w);
        }
        unsigned want = 0;
        const bool canWrite = w && !s.d->accepting;
        if (backend == Backend::Select) {
            if (r) want |= kReadyIn;
            if (canWrite) want |= kReadyOut;
            if (r || w) want |= kReadyPri;  // the `e` list (L2)
        } else {
            if (r) want |= kReadyIn | kReadyPri;
            if (canWrite) want |= kReadyOut;
        }
        detail::PollEntry e{s.d, s.fd, s.serial, want, 0};
        if (layer) {
            e.app = want;
            e.layer = (lr ? kReadyIn : 0u) | (lw ? kReadyOut : 0u);
            e.want = want | e.layer;
            e.pending = pending;
            anyPending = anyPending || pending;
            m_layered.push_back(m_pending.size());
        }
        m_pending.push_back(e);
    }

    // Input waiting inside a layer: do not block. A layer deadline: wake for it.
    std::optional<double> wait = timeout;
    if (anyPending) {
        wait = 0.0;
    } else if (nearest) {
        const auto left = std::chrono::duration<double>(*nearest - StreamLayer::Clock::now()).count();
        const double until = left > 0 ? left : 0.0;
        if (!wait || until < *wait) wait = until;
    }

    const auto t0 = obs ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    std::size_t ready = p.wait(m_pending, wait);
    std::uint64_t waited = 0;
    if (obs) {
        waited = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
        for (const detail::PollEntry& e : m_pending)
            if (e.ready && stillRegistered(e.fd, e.serial)) obs->ready(*e.d, e.ready);
    }
    if (!m_layered.empty()) ready += serveLayers(backend);
    if (ready > 0) {
        if (backend == Backend::Select)
            dispatchSelect();
        else
            dispatchPoll();
    }
    if (obs) obs->passEnd(pass, waited);
}

// The stream layers' part of a pass, before any application hook: expired
// deadlines, then the readiness each layer asked for. Afterwards each layered
// entry keeps only the bits its application asked for (plus a read when the
// layer holds input, and hangups/errors). Returns how many entries became
// ready for the application only through pending input.
std::size_t Loop::serveLayers(Backend backend) {
    std::size_t extra = 0;
    const auto now = StreamLayer::Clock::now();
    for (const std::size_t i : m_layered) {
        detail::PollEntry& e = m_pending[i];
        if (!stillRegistered(e.fd, e.serial)) continue;
        Dispatcher& d = *e.d;
        auto step = [&](auto&& f) {
            if (backend == Backend::Select)
                guarded(d, e.fd, e.serial, f);
            else
                guardedPoll(d, e.fd, e.serial, f);
        };
        if (StreamLayer* l = d.layer()) {
            if (auto dl = l->deadline(); dl && *dl <= now) step([&] { l->onDeadline(); });
        }
        if (!stillRegistered(e.fd, e.serial)) continue;
        const unsigned trouble = kReadyHup | kReadyErr | kReadyNval;
        if (StreamLayer* l = d.layer(); l && (e.ready & (e.layer | trouble)) && e.layer) {
            const bool rd = (e.ready & (kReadyIn | trouble)) && (e.layer & kReadyIn);
            const bool wr = (e.ready & kReadyOut) && (e.layer & kReadyOut);
            if (rd || wr) step([&] { l->onReady(rd, wr); });
        }
        const bool before = e.ready != 0;
        e.ready &= e.app | trouble;
        if (e.pending) e.ready |= kReadyIn;
        if (e.ready && !before) ++extra;
    }
    return extra;
}

template <class F>
void Loop::guardedPoll(Dispatcher& d, NativeSocket fd, std::uint64_t serial, F&& f) {
    try {
        f();
    } catch (const ExitNow&) {
        throw;
    } catch (const std::system_error& e) {
        if (sockops::isDisconnect(e.code())) {
            if (stillRegistered(fd, serial)) {
                guarded(d, fd, serial, [&] {
                    d.trace(Hook::HandleClose);
                    d.handleClose();
                });
            }
        } else {
            handleError(d, fd, serial);
        }
    } catch (...) {
        handleError(d, fd, serial);
    }
}

void Loop::dispatchSelect() {
    // asyncore.poll(): all reads, then all writes, then all exceptional
    // conditions; every exception goes to handle_error (L4, L5).
    static constexpr unsigned kPhases[3] = {kReadyIn, kReadyOut, kReadyPri};
    for (unsigned bit : kPhases) {
        for (const detail::PollEntry& e : m_pending) {
            if (!(e.ready & bit) || !stillRegistered(e.fd, e.serial)) continue;
            Dispatcher& d = *e.d;
            guarded(d, e.fd, e.serial, [&] {
                if (bit == kReadyIn) {
                    d.trace(Hook::HandleReadEvent);
                    d.handleReadEvent();
                } else if (bit == kReadyOut) {
                    d.trace(Hook::HandleWriteEvent);
                    d.handleWriteEvent();
                } else {
                    d.trace(Hook::HandleExptEvent);
                    d.handleExptEvent();
                }
            });
        }
    }
}

void Loop::dispatchPoll() {
    for (const detail::PollEntry& e : m_pending) {
        if (e.ready && stillRegistered(e.fd, e.serial)) readwrite(*e.d, e.fd, e.serial, e.ready);
    }
}

// asyncore.readwrite(obj, flags) (L7), except that it stops as soon as the
// channel has left the map, so handle_close runs once (L8 fixed).
void Loop::readwrite(Dispatcher& d, NativeSocket fd, std::uint64_t serial, unsigned bits) {
    guardedPoll(d, fd, serial, [&] {
        if (bits & kReadyIn) {
            d.trace(Hook::HandleReadEvent);
            d.handleReadEvent();
        }
        if ((bits & kReadyOut) && stillRegistered(fd, serial)) {
            d.trace(Hook::HandleWriteEvent);
            d.handleWriteEvent();
        }
        if ((bits & kReadyPri) && stillRegistered(fd, serial)) {
            d.trace(Hook::HandleExptEvent);
            d.handleExptEvent();
        }
        if ((bits & (kReadyHup | kReadyErr | kReadyNval)) && stillRegistered(fd, serial)) {
            d.trace(Hook::HandleClose);
            d.handleClose();
        }
    });
}

void Loop::closeAll(bool ignoreAll) {
    for (Dispatcher* d : channels()) {
        if (!get(d->fileno())) continue;
        try {
            d->close();
        } catch (const ExitNow&) {
            throw;
        } catch (const std::system_error& e) {
            if (e.code() == std::errc::bad_file_descriptor) continue;
            if (!ignoreAll) throw;
        } catch (...) {
            if (!ignoreAll) throw;
        }
    }
    // map.clear(): anything a custom close() left behind is dropped too.
    for (Slot& s : m_order) {
        if (!s.d) continue;
        s.d->m_serial = 0;
        s.d->m_fileno = kInvalidSocket;
        s.d = nullptr;
    }
    m_index.clear();
    m_order.clear();
    m_count = 0;
    reap();
}

void loop(std::optional<double> timeout, Backend backend, Loop* map, std::optional<long long> count) {
    (map ? *map : Loop::threadDefault()).loop(timeout, backend, count);
}

}  // namespace engine
