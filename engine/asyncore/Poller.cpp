// Poller.cpp — the select, poll and epoll backends.
#include "engine/asyncore/Poller.h"

#include "engine/net/SocketOps.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <string>
#include <system_error>
#include <thread>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <poll.h>
#include <sys/select.h>
#endif
#if defined(__linux__)
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>
#endif

namespace engine::detail {
namespace {

bool nothingWanted(const std::vector<PollEntry>& entries) {
    return std::none_of(entries.begin(), entries.end(), [](const PollEntry& e) { return e.want != 0; });
}

// With nothing to wait for, a pass just lets `timeout` go by (asyncore's
// time.sleep in poll(), poll() with no fds in poll2()). Without a timeout
// CPython would raise (select) or block forever (poll); we refuse both.
void idleWait(std::optional<double> timeout) {
    if (!timeout)
        throw BackendError("loop pass with nothing to wait for and no timeout would block forever");
    if (*timeout > 0) std::this_thread::sleep_for(std::chrono::duration<double>(*timeout));
}

// poll()/epoll_wait() take whole milliseconds: int(timeout * 1000), truncated
// as in asyncore.poll2; a negative timeout counts as 0.
int timeoutMs(std::optional<double> timeout) {
    if (!timeout) return -1;
    const double ms = std::floor(*timeout * 1000.0);
    if (ms <= 0) return 0;
    if (ms > 2147483647.0) return 2147483647;
    return static_cast<int>(ms);
}

class SelectPoller final : public Poller {
public:
    std::size_t wait(std::vector<PollEntry>& entries, std::optional<double> timeout) override {
        for (PollEntry& e : entries) e.ready = 0;
        if (nothingWanted(entries)) {
            idleWait(timeout);
            return 0;
        }
        fd_set r, w, x;
        FD_ZERO(&r);
        FD_ZERO(&w);
        FD_ZERO(&x);
        NativeSocket maxFd = 0;
#if defined(_WIN32)
        std::size_t counts[3] = {0, 0, 0};
#endif
        for (const PollEntry& e : entries) {
            if (e.want == 0) continue;
#if defined(_WIN32)
            // Winsock fd_sets hold at most FD_SETSIZE sockets of any value.
            const bool in = (e.want & kReadyIn) != 0, out = (e.want & kReadyOut) != 0,
                       pri = (e.want & kReadyPri) != 0;
            if ((in && counts[0] >= FD_SETSIZE) || (out && counts[1] >= FD_SETSIZE) ||
                (pri && counts[2] >= FD_SETSIZE))
                throw BackendError("select() can wait on at most " + std::to_string(FD_SETSIZE) +
                                   " sockets; use the poll backend");
            counts[0] += in;
            counts[1] += out;
            counts[2] += pri;
#else
            // FD_SET past FD_SETSIZE writes outside the fd_set: refuse instead.
            if (e.fd < 0 || e.fd >= FD_SETSIZE)
                throw BackendError("select() cannot wait on file descriptor " + std::to_string(e.fd) +
                                   " (FD_SETSIZE is " + std::to_string(FD_SETSIZE) +
                                   "); use the poll or epoll backend");
#endif
            if (e.want & kReadyIn) FD_SET(e.fd, &r);
            if (e.want & kReadyOut) FD_SET(e.fd, &w);
            if (e.want & kReadyPri) FD_SET(e.fd, &x);
            maxFd = std::max(maxFd, e.fd);
        }
        using Clock = std::chrono::steady_clock;
        const Clock::time_point deadline =
            timeout ? Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*timeout))
                    : Clock::time_point::max();
        for (;;) {
            fd_set rr = r, ww = w, xx = x;
            timeval tv{};
            timeval* tvp = nullptr;
            if (timeout) {
                const Clock::duration left = std::max(Clock::duration::zero(), deadline - Clock::now());
                const auto us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
                tv.tv_sec = static_cast<decltype(tv.tv_sec)>(us / 1000000);
                tv.tv_usec = static_cast<decltype(tv.tv_usec)>(us % 1000000);
                tvp = &tv;
            }
#if defined(_WIN32)
            const int n = ::select(0, &rr, &ww, &xx, tvp);
            if (n == SOCKET_ERROR) throw std::system_error(sockops::lastError(), "select");
#else
            const int n = ::select(maxFd + 1, &rr, &ww, &xx, tvp);
            if (n < 0) {
                if (errno == EINTR) continue;  // PEP 475: retried with the time left
                throw std::system_error(sockops::lastError(), "select");
            }
#endif
            std::size_t readyCount = 0;
            if (n > 0) {
                for (PollEntry& e : entries) {
                    if (e.want == 0) continue;
                    if (FD_ISSET(e.fd, &rr)) e.ready |= kReadyIn;
                    if (FD_ISSET(e.fd, &ww)) e.ready |= kReadyOut;
                    if (FD_ISSET(e.fd, &xx)) e.ready |= kReadyPri;
                    readyCount += e.ready != 0;
                }
            }
            return readyCount;
        }
    }
};

#if defined(_WIN32)
using PollFd = WSAPOLLFD;
inline int sysPoll(PollFd* fds, std::size_t n, int ms) { return ::WSAPoll(fds, static_cast<ULONG>(n), ms); }
// WSAPoll rejects POLLPRI in `events`; out-of-band data is not supported there.
constexpr short kPollIn = POLLRDNORM;
constexpr short kPollPri = 0;
constexpr short kPollOut = POLLWRNORM;
#else
using PollFd = pollfd;
inline int sysPoll(PollFd* fds, std::size_t n, int ms) { return ::poll(fds, static_cast<nfds_t>(n), ms); }
constexpr short kPollIn = POLLIN;
constexpr short kPollPri = POLLPRI;
constexpr short kPollOut = POLLOUT;
#endif

class PollPoller final : public Poller {
public:
    std::size_t wait(std::vector<PollEntry>& entries, std::optional<double> timeout) override {
        m_fds.clear();
        m_index.clear();
        for (std::size_t i = 0; i < entries.size(); ++i) {
            PollEntry& e = entries[i];
            e.ready = 0;
            if (e.want == 0) continue;
            short ev = 0;
            if (e.want & kReadyIn) ev = static_cast<short>(ev | kPollIn);
            if (e.want & kReadyPri) ev = static_cast<short>(ev | kPollPri);
            if (e.want & kReadyOut) ev = static_cast<short>(ev | kPollOut);
            PollFd p{};
            p.fd = e.fd;
            p.events = ev;
            m_fds.push_back(p);
            m_index.push_back(i);
        }
        if (m_fds.empty()) {
            idleWait(timeout);
            return 0;
        }
        int n;
        for (;;) {
            n = sysPoll(m_fds.data(), m_fds.size(), timeoutMs(timeout));
#if !defined(_WIN32)
            if (n < 0 && errno == EINTR) continue;  // retried; the wait restarts (bounded by the timeout)
#endif
            break;
        }
        if (n < 0) throw std::system_error(sockops::lastError(), "poll");
        std::size_t readyCount = 0;
        for (std::size_t k = 0; k < m_fds.size() && n > 0; ++k) {
            const short re = m_fds[k].revents;
            if (!re) continue;
            entries[m_index[k]].ready = sockops::readyFromPoll(re);
            ++readyCount;
        }
        return readyCount;
    }

private:
    std::vector<PollFd> m_fds;
    std::vector<std::size_t> m_index;
};

#if defined(__linux__)
class EpollPoller final : public Poller {
public:
    EpollPoller() : m_ep(::epoll_create1(EPOLL_CLOEXEC)) {
        if (m_ep < 0) throw std::system_error(sockops::lastError(), "epoll_create1");
    }
    ~EpollPoller() override { ::close(m_ep); }

    std::size_t wait(std::vector<PollEntry>& entries, std::optional<double> timeout) override {
        // Bring the kernel's interest set in line with this pass.
        for (std::size_t i = 0; i < entries.size(); ++i) {
            PollEntry& e = entries[i];
            e.ready = 0;
            const auto fd = static_cast<std::size_t>(e.fd);
            if (fd >= m_registered.size()) {
                m_registered.resize(fd + 1, 0);
                m_slot.resize(fd + 1, kNoSlot);
            }
            m_slot[fd] = i;
            std::uint32_t ev = 0;
            if (e.want & kReadyIn) ev |= EPOLLIN;
            if (e.want & kReadyPri) ev |= EPOLLPRI;
            if (e.want & kReadyOut) ev |= EPOLLOUT;
            const std::uint32_t have = m_registered[fd];
            if (ev == have) continue;
            epoll_event reg{};
            reg.events = ev;
            reg.data.fd = e.fd;
            int rc;
            if (have == 0) {
                rc = ::epoll_ctl(m_ep, EPOLL_CTL_ADD, e.fd, &reg);
                if (rc != 0 && errno == EEXIST) rc = ::epoll_ctl(m_ep, EPOLL_CTL_MOD, e.fd, &reg);
            } else if (ev == 0) {
                // Unregistered fds get no error/hangup reports, as in poll2.
                rc = ::epoll_ctl(m_ep, EPOLL_CTL_DEL, e.fd, &reg);
            } else {
                rc = ::epoll_ctl(m_ep, EPOLL_CTL_MOD, e.fd, &reg);
            }
            if (rc != 0) {
                if (have != 0) --m_live;  // whatever failed, it is no longer registered
                m_registered[fd] = 0;
                if (errno == EPERM) {
                    // A regular file (file_dispatcher on a file): epoll refuses
                    // it, poll() reports it always ready. Do the same.
                    m_registered[fd] = 0;
                    e.ready = e.want & (kReadyIn | kReadyOut);
                    continue;
                }
                // The fd is not valid (closed behind asyncore's back): report it
                // the way poll() does, with POLLNVAL.
                if (errno == EBADF || errno == ENOENT) {
                    m_registered[fd] = 0;
                    if (ev != 0) e.ready = kReadyNval;
                    continue;
                }
                throw std::system_error(sockops::lastError(), "epoll_ctl");
            }
            m_registered[fd] = ev;
            m_live += (have == 0 && ev != 0) ? 1 : 0;
            m_live -= (have != 0 && ev == 0) ? 1 : 0;
        }
        std::size_t readyCount = 0;
        for (const PollEntry& e : entries) readyCount += e.ready != 0;
        if (readyCount > 0) timeout = 0.0;  // report the invalid fds now
        if (m_live == 0 && readyCount == 0) {
            clearSlots(entries);
            idleWait(timeout);
            return 0;
        }
        m_events.resize(std::max<std::size_t>(m_live, 16));
        int n;
        for (;;) {
            n = ::epoll_wait(m_ep, m_events.data(), static_cast<int>(m_events.size()), timeoutMs(timeout));
            if (n < 0 && errno == EINTR) continue;
            break;
        }
        if (n < 0) {
            clearSlots(entries);
            throw std::system_error(sockops::lastError(), "epoll_wait");
        }
        if (n == 0 && readyCount == 0 && timeoutMs(timeout) != 0) {
            // The kernel silently drops a registration when its descriptor is
            // closed behind the loop's back, where poll() would say POLLNVAL
            // (L10). An idle timeout is the cheap moment to look: one fcntl
            // per channel, never on a busy loop.
            for (PollEntry& e : entries) {
                if (e.want != 0 && ::fcntl(e.fd, F_GETFD) == -1 && errno == EBADF) {
                    e.ready = kReadyNval;
                    std::uint32_t& reg = m_registered[static_cast<std::size_t>(e.fd)];
                    if (reg != 0) --m_live;
                    reg = 0;
                    ++readyCount;
                }
            }
        }
        for (int k = 0; k < n; ++k) {
            const epoll_event& ev = m_events[static_cast<std::size_t>(k)];
            const auto fd = static_cast<std::size_t>(ev.data.fd);
            if (fd >= m_slot.size() || m_slot[fd] == kNoSlot) continue;
            unsigned bits = 0;
            if (ev.events & EPOLLIN) bits |= kReadyIn;
            if (ev.events & EPOLLPRI) bits |= kReadyPri;
            if (ev.events & EPOLLOUT) bits |= kReadyOut;
            if (ev.events & EPOLLERR) bits |= kReadyErr;
            if (ev.events & EPOLLHUP) bits |= kReadyHup;
            PollEntry& e = entries[m_slot[fd]];
            if (e.ready == 0 && bits != 0) ++readyCount;
            e.ready |= bits;
        }
        clearSlots(entries);
        return readyCount;
    }

    void forget(NativeSocket fd) override {
        const auto i = static_cast<std::size_t>(fd);
        if (fd < 0 || i >= m_registered.size() || m_registered[i] == 0) return;
        epoll_event reg{};
        ::epoll_ctl(m_ep, EPOLL_CTL_DEL, fd, &reg);  // ENOENT/EBADF: already gone, fine
        m_registered[i] = 0;
        --m_live;
    }

private:
    static constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);
    void clearSlots(const std::vector<PollEntry>& entries) {
        for (const PollEntry& e : entries) m_slot[static_cast<std::size_t>(e.fd)] = kNoSlot;
    }

    int m_ep;
    std::vector<std::uint32_t> m_registered;  // by fd: events registered, 0 = none
    std::vector<std::size_t> m_slot;          // by fd: index into this pass's entries
    std::vector<epoll_event> m_events;
    std::size_t m_live = 0;
};
#endif

}  // namespace

std::unique_ptr<Poller> makePoller(Backend b) {
    switch (b) {
    case Backend::Select:
        return std::make_unique<SelectPoller>();
    case Backend::Poll:
        return std::make_unique<PollPoller>();
    case Backend::Epoll:
#if defined(__linux__)
        return std::make_unique<EpollPoller>();
#else
        throw BackendError("the epoll backend exists only on Linux; use poll");
#endif
    }
    throw BackendError("unknown backend");
}

}  // namespace engine::detail
