// bench_common.h — what the benchmark tools (lw_loadgen, lw_tls_floor,
// lw_raw_echo) share: the clock and deadlines, the JSON line they print, the
// IPv4 loopback address and its sockets, the line-shaped byte pattern and its
// check, percentiles, and one bounded epoll wait of a client's loop.
//
// Header only, for single-file programs over POSIX and Linux epoll (no Qt,
// no engine). A tool that includes it defines bench::usage(), which the
// helpers call on bad input (exit status 2).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

/// Prints why and the tool's usage on stderr, exits 2 (defined by each tool).
[[noreturn]] void usage(const char* why);

// ---- time ----------------------------------------------------------------

using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

inline Clock::time_point deadlineFrom(Clock::time_point t0, double seconds)
{
    return t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

/// Milliseconds to wait at most: until the deadline, and never over 1 s.
inline int remainingMs(Clock::time_point deadline)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1000));
}

// ---- command line --------------------------------------------------------

/// A non-negative decimal count; usage() on anything else.
inline uint64_t parseCount(const char* s)
{
    char* end = nullptr;
    errno = 0;
    if (s[0] == '-')
        usage("bad number");
    const unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        usage("bad number");
    return v;
}

// ---- JSON output ---------------------------------------------------------

/// One JSON object, built key by key, printed as one line on stdout.
class Json {
public:
    Json& str(const char* k, std::string_view v)
    {
        key(k);
        out_ += '"';
        for (char c : v) {
            if (c == '"' || c == '\\') { out_ += '\\'; out_ += c; }
            else if (static_cast<unsigned char>(c) < 0x20) out_ += ' ';
            else out_ += c;
        }
        out_ += '"';
        return *this;
    }
    Json& num(const char* k, double v)
    {
        key(k);
        char b[64];
        std::snprintf(b, sizeof b, "%.6g", v);
        out_ += b;
        return *this;
    }
    Json& integer(const char* k, uint64_t v)
    {
        key(k);
        out_ += std::to_string(v);
        return *this;
    }
    Json& boolean(const char* k, bool v)
    {
        key(k);
        out_ += v ? "true" : "false";
        return *this;
    }
    void print() const { std::printf("{%s}\n", out_.c_str()); std::fflush(stdout); }

    /// The end of a run: "ok" (and "error" unless `error` is empty), printed;
    /// returns the exit status (0 ok, 1 failed).
    int finish(const std::string& error)
    {
        boolean("ok", error.empty());
        if (!error.empty())
            str("error", error);
        print();
        return error.empty() ? 0 : 1;
    }

    /// The end of a run over many connections: "ok", and the error (the
    /// timeout with how many were unfinished, else the first failure's);
    /// printed; returns the exit status.
    int finishMany(bool ok, bool timedOut, uint64_t unfinished, const std::string& firstError)
    {
        boolean("ok", ok);
        if (timedOut)
            str("error", "timeout with " + std::to_string(unfinished) + " connections unfinished");
        else if (!firstError.empty())
            str("error", firstError);
        print();
        return ok ? 0 : 1;
    }

private:
    void key(const char* k)
    {
        if (!out_.empty())
            out_ += ", ";
        out_ += '"';
        out_ += k;
        out_ += "\": ";
    }
    std::string out_;
};

// ---- sockets -------------------------------------------------------------

/// The server the clients connect to (resolve()).
inline sockaddr_in g_addr{};

/// HOST:PORT into an IPv4 address; usage() unless HOST is one.
inline sockaddr_in ipv4Address(const std::string& host, long port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1)
        usage("--host must be an IPv4 address");
    return a;
}

inline void resolve(const std::string& host, long port) { g_addr = ipv4Address(host, port); }

inline void setNoDelay(int fd)
{
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

inline void setNonBlocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/// A non-blocking listening socket on HOST:PORT (PORT 0 picks one) whose
/// port is then printed on stdout as a line of its own; -1 with errno on
/// failure. usage() unless HOST is an IPv4 address.
inline int listenPrintingPort(const std::string& host, long port)
{
    sockaddr_in addr = ipv4Address(host, port);
    const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0)
        return -1;
    const int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, SOMAXCONN) != 0) {
        const int e = errno;
        close(lfd);
        errno = e;
        return -1;
    }
    socklen_t alen = sizeof addr;
    getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen);
    std::printf("%u\n", static_cast<unsigned>(ntohs(addr.sin_port)));
    std::fflush(stdout);
    return lfd;
}

/// A blocking connect to g_addr, TCP_NODELAY; -1 with errno on failure.
inline int connectBlocking()
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&g_addr), sizeof g_addr) != 0) {
        const int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    setNoDelay(fd);
    return fd;
}

/// connectBlocking(), then non-blocking.
inline int connectNow()
{
    const int fd = connectBlocking();
    if (fd >= 0)
        setNonBlocking(fd);
    return fd;
}

/// A non-blocking socket with connect() to g_addr started; -1 with errno on
/// failure.
inline int connectStart()
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setNoDelay(fd);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&g_addr), sizeof g_addr) != 0 && errno != EINPROGRESS) {
        const int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/// Where a connect() started by connectStart() stands: 0 connected, -1 still
/// in progress, else its error (an errno value).
inline int connectState(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0)
        return err;
    sockaddr_in peer{};
    socklen_t plen = sizeof peer;
    return getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0 ? 0 : -1;
}

/// Raises the soft RLIMIT_NOFILE to the hard limit (servers with many
/// connections).
inline void raiseFdLimit()
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

// ---- epoll ---------------------------------------------------------------

/// Adds fd to ep, edge-triggered for input and output, under `key`.
inline void watch(int ep, int fd, uint64_t key)
{
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
    ev.data.u64 = key;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/// One wait of a client's loop, bounded by the deadline: the number of ready
/// events (0 when interrupted), or -1 with `error` set — `timeoutWhy` once
/// the deadline has passed, else epoll_wait's failure.
inline int waitReady(int ep, std::vector<epoll_event>& events, Clock::time_point deadline, std::string& error,
                     const char* timeoutWhy = "timeout")
{
    if (Clock::now() >= deadline) {
        error = timeoutWhy;
        return -1;
    }
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), remainingMs(deadline));
    if (n >= 0)
        return n;
    if (errno == EINTR)
        return 0;
    error = std::string("epoll_wait: ") + std::strerror(errno);
    return -1;
}

/// The loop of a client whose connections open over time: refill() (start
/// more), then until finished(): wait (bounded by the deadline), onReady(key)
/// for each ready event's key, refill(). Returns false when the deadline
/// passed; an epoll_wait failure ends it too, into `error` unless set.
template <class Finished, class OnReady, class Refill>
bool driveConnections(int ep, Clock::time_point deadline, std::string& error, Finished finished, OnReady onReady,
                      Refill refill)
{
    std::vector<epoll_event> events(4096);
    refill();
    while (!finished()) {
        std::string waitError;
        const int k = waitReady(ep, events, deadline, waitError);
        if (k < 0) {
            if (waitError == "timeout")
                return false;
            if (error.empty())
                error = waitError;
            return true;
        }
        for (int i = 0; i < k; ++i)
            onReady(events[static_cast<size_t>(i)].data.u64);
        refill();
    }
    return true;
}

/// Makes close(fd) reset the connection (SO_LINGER 0): no TIME_WAIT sockets
/// pile up between runs.
inline void resetOnClose(int fd)
{
    const linger abortive{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
}

// ---- the byte pattern ----------------------------------------------------

/// kBlockLines lines of `size` bytes; line k is printable bytes starting at a
/// k-dependent letter, then "\r\n". Streams repeat this block.
constexpr uint64_t kBlockLines = 1024;

inline std::string makeBlock(uint64_t size, uint64_t lines)
{
    std::string b;
    b.reserve(size * lines);
    for (uint64_t k = 0; k < lines; ++k) {
        for (uint64_t j = 0; j + 2 < size; ++j)
            b += static_cast<char>('!' + (k + j) % 94);
        b += "\r\n";
    }
    return b;
}

/// Does data[0..n) equal the pattern `block` repeated, starting at stream
/// offset `off`?
inline bool matches(const std::string& block, uint64_t off, const char* data, size_t n)
{
    const uint64_t blen = block.size();
    while (n > 0) {
        const uint64_t pos = off % blen;
        const size_t take = static_cast<size_t>(std::min<uint64_t>(blen - pos, n));
        if (std::memcmp(block.data() + pos, data, take) != 0)
            return false;
        data += take;
        n -= take;
        off += take;
    }
    return true;
}

/// The p-th percentile (nearest rank) of v, which it sorts; 0 when empty.
inline double percentile(std::vector<double>& v, double p)
{
    if (v.empty())
        return 0.0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
    return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

} // namespace bench
