// lw_loadgen: the load generator for docs/performance.md. One process, one
// thread, Linux epoll; it speaks plain TCP to any line-echo server, so the
// same client measures linewright-cli, CPython's asynchat and lw_raw_echo.
//
//   lw_loadgen pipeline --port P [--conns 50] [--lines 20000] [--size 64] [--window 1024]
//   lw_loadgen pingpong --port P [--lines 20000] [--size 64] [--warmup 200]
//   lw_loadgen fanout   --port P [--conns 10000] [--size 64] [--connect-window 512] [--graceful-close]
//   lw_loadgen bulk     --port P --bytes N [--prefix-line TEXT] [--wait close|sent]
//   common: [--host 127.0.0.1] [--timeout SECONDS (default 120)] [--no-verify]
//
// A "line" is --size bytes including its "\r\n": size-2 printable bytes, then
// CR LF. Echoed bytes are checked against what was sent (unless --no-verify):
// a server that loses, adds or reorders bytes fails the run.
//
//   pipeline  every connection sends its lines back to back, with at most
//             --window lines sent but not yet echoed; done when every echoed
//             byte is back.
//   pingpong  one connection, one line at a time: round trips/s, p50/p99.
//   fanout    opens --conns connections at once (at most --connect-window
//             handshakes in progress), each sends one line as soon as it is
//             connected and waits for its echo; every connection stays open
//             until all are served or failed, so the server holds all of
//             them at the end. Raises RLIMIT_NOFILE itself. Afterwards the
//             connections are reset (SO_LINGER 0) so that no TIME_WAIT
//             sockets pile up between runs; --graceful-close closes them
//             normally instead.
//   bulk      one connection: sends the optional prefix line ("TEXT\r\n"),
//             then --bytes bytes as fast as the socket takes them, then
//             shuts down its write side. With --wait close (default) the
//             time runs until the server closes the connection, i.e. until
//             it has read everything; bytes the server sends back are read
//             and counted, never checked.
//
// Prints one JSON object on stdout. Exit status: 0 when the run completed
// and verified, 1 when it failed or timed out (the JSON says why), 2 on bad
// usage.

#include "bench_common.h"

#include <signal.h>
#include <sys/time.h>

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

[[noreturn]] void bench::usage(const char* why)
{
    std::fprintf(stderr,
        "lw_loadgen: %s\n"
        "usage: lw_loadgen pipeline|pingpong|fanout|bulk --port P [options]\n"
        "  pipeline: --conns N --lines M --size B --window W\n"
        "  pingpong: --lines M --size B --warmup K\n"
        "  fanout:   --conns N --size B --connect-window W --graceful-close\n"
        "  bulk:     --bytes N [--prefix-line TEXT] [--wait close|sent]\n"
        "  common:   --host ADDR --timeout S --no-verify\n",
        why);
    std::exit(2);
}

namespace {

using namespace bench;

struct Options {
    std::string mode;
    std::string host = "127.0.0.1";
    long port = -1;
    uint64_t conns = 0; // 0: the mode's default
    uint64_t lines = 20000;
    uint64_t size = 64;
    uint64_t window = 1024;
    uint64_t warmup = 200;
    uint64_t connectWindow = 512;
    uint64_t bytes = 0;
    std::string prefixLine;
    bool hasPrefix = false;
    bool waitClose = true;
    bool verify = true;
    bool gracefulClose = false;
    double timeout = 120.0;
};

Options parse(int argc, char** argv)
{
    if (argc < 2)
        usage("no mode");
    Options o;
    o.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string_view a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc)
                usage("option needs a value");
            return argv[++i];
        };
        if (a == "--host") o.host = next();
        else if (a == "--port") o.port = static_cast<long>(parseCount(next()));
        else if (a == "--conns") o.conns = parseCount(next());
        else if (a == "--lines") o.lines = parseCount(next());
        else if (a == "--size") o.size = parseCount(next());
        else if (a == "--window") o.window = parseCount(next());
        else if (a == "--warmup") o.warmup = parseCount(next());
        else if (a == "--connect-window") o.connectWindow = parseCount(next());
        else if (a == "--bytes") o.bytes = parseCount(next());
        else if (a == "--prefix-line") { o.prefixLine = next(); o.hasPrefix = true; }
        else if (a == "--wait") {
            const std::string_view w = next();
            if (w == "close") o.waitClose = true;
            else if (w == "sent") o.waitClose = false;
            else usage("--wait takes close or sent");
        }
        else if (a == "--timeout") o.timeout = std::strtod(next(), nullptr);
        else if (a == "--no-verify") o.verify = false;
        else if (a == "--graceful-close") o.gracefulClose = true;
        else usage("unknown option");
    }
    if (o.port <= 0 || o.port > 65535)
        usage("--port is required");
    if (o.size < 2)
        usage("--size must be at least 2 (the line ends in \\r\\n)");
    if (o.window == 0 || o.connectWindow == 0)
        usage("windows must be positive");
    if (o.timeout <= 0)
        usage("bad --timeout");
    return o;
}

// ---- sockets -------------------------------------------------------------

// ---- pipeline ------------------------------------------------------------

int runPipeline(const Options& o)
{
    const uint64_t nconns = o.conns ? o.conns : 50;
    const uint64_t total = o.lines * o.size; // bytes each way per connection
    const uint64_t windowBytes = o.window * o.size;
    const std::string block = makeBlock(o.size, kBlockLines);
    Json j;
    j.str("mode", "pipeline").integer("conns", nconns).integer("lines_per_conn", o.lines)
        .integer("size", o.size).integer("window_lines", o.window);

    struct Conn {
        int fd = -1;
        uint64_t sent = 0;
        uint64_t recvd = 0;
        bool done = false;
    };
    std::vector<Conn> conns(nconns);
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    for (uint64_t i = 0; i < nconns; ++i) {
        const int fd = connectNow();
        if (fd < 0)
            return j.finish(std::string("connect: ") + std::strerror(errno));
        conns[i].fd = fd;
        watch(ep, fd, i);
    }

    std::vector<char> rbuf(256 * 1024);
    std::vector<epoll_event> events(std::max<uint64_t>(nconns, 1));
    uint64_t remaining = nconns;
    std::string error;
    const auto t0 = Clock::now();
    const auto deadline = deadlineFrom(t0, o.timeout);

    auto pump = [&](Conn& c) -> bool { // false: the connection failed
        // Read everything there is.
        for (;;) {
            const ssize_t n = recv(c.fd, rbuf.data(), rbuf.size(), 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                error = std::string("recv: ") + std::strerror(errno);
                return false;
            }
            if (n == 0) {
                if (c.recvd < total) {
                    error = "server closed the connection early";
                    return false;
                }
                break;
            }
            const auto got = static_cast<uint64_t>(n);
            if (c.recvd + got > c.sent) {
                error = "server sent more bytes than it was sent";
                return false;
            }
            if (o.verify && !matches(block, c.recvd, rbuf.data(), static_cast<size_t>(n))) {
                error = "echoed bytes differ from the bytes sent (at stream offset " + std::to_string(c.recvd) + ")";
                return false;
            }
            c.recvd += got;
        }
        // Send as much as the window and the socket allow.
        while (c.sent < total && c.sent - c.recvd < windowBytes) {
            const uint64_t pos = c.sent % block.size();
            const uint64_t len = std::min({block.size() - pos, total - c.sent, windowBytes - (c.sent - c.recvd)});
            const ssize_t n = send(c.fd, block.data() + pos, static_cast<size_t>(len), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                error = std::string("send: ") + std::strerror(errno);
                return false;
            }
            c.sent += static_cast<uint64_t>(n);
        }
        if (!c.done && c.recvd == total) {
            c.done = true;
            --remaining;
        }
        return true;
    };

    for (auto& c : conns)
        if (!pump(c)) break;
    while (remaining > 0 && error.empty()) {
        const int n = waitReady(ep, events, deadline, error);
        for (int i = 0; i < n && error.empty(); ++i)
            pump(conns[events[static_cast<size_t>(i)].data.u64]);
    }
    const double secs = secondsSince(t0);
    uint64_t echoed = 0;
    for (auto& c : conns) {
        echoed += c.recvd;
        close(c.fd);
    }
    close(ep);
    const double lines = static_cast<double>(echoed) / static_cast<double>(o.size);
    j.integer("lines", echoed / o.size).integer("bytes_echoed", echoed).num("seconds", secs)
        .num("lines_per_s", lines / secs).num("mb_per_s", static_cast<double>(echoed) / 1e6 / secs)
        .boolean("verified", o.verify);
    return j.finish(error);
}

// ---- pingpong ------------------------------------------------------------

int runPingpong(const Options& o)
{
    const std::string block = makeBlock(o.size, kBlockLines);
    Json j;
    j.str("mode", "pingpong").integer("lines", o.lines).integer("size", o.size).integer("warmup", o.warmup);
    const int fd = connectBlocking();
    if (fd < 0) {
        return j.finish(std::string("connect: ") + std::strerror(errno));
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(o.timeout);
    tv.tv_usec = static_cast<suseconds_t>((o.timeout - static_cast<double>(tv.tv_sec)) * 1e6);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    std::vector<char> rbuf(o.size);
    std::vector<double> lat;
    lat.reserve(o.lines);
    std::string error;
    uint64_t off = 0; // stream offset into the pattern
    const auto deadline = deadlineFrom(Clock::now(), o.timeout);
    auto roundTrip = [&]() -> bool {
        const uint64_t pos = off % block.size(); // lines never straddle the block end
        size_t done = 0;
        while (done < o.size) {
            const ssize_t n = send(fd, block.data() + pos + done, o.size - done, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                error = std::string("send: ") + std::strerror(errno);
                return false;
            }
            done += static_cast<size_t>(n);
        }
        done = 0;
        while (done < o.size) {
            const ssize_t n = recv(fd, rbuf.data() + done, o.size - done, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                error = (errno == EAGAIN || errno == EWOULDBLOCK) ? std::string("timeout")
                                                                  : std::string("recv: ") + std::strerror(errno);
                return false;
            }
            if (n == 0) {
                error = "server closed the connection";
                return false;
            }
            done += static_cast<size_t>(n);
        }
        if (o.verify && std::memcmp(rbuf.data(), block.data() + pos, o.size) != 0) {
            error = "echo differs from the line sent";
            return false;
        }
        off += o.size;
        return true;
    };
    for (uint64_t i = 0; i < o.warmup && error.empty(); ++i)
        roundTrip();
    const auto t0 = Clock::now();
    for (uint64_t i = 0; i < o.lines && error.empty(); ++i) {
        const auto t = Clock::now();
        if (!roundTrip())
            break;
        lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
        if ((i & 1023) == 0 && Clock::now() >= deadline)
            error = "timeout";
    }
    const double secs = secondsSince(t0);
    close(fd);
    double mean = 0;
    for (double v : lat) mean += v;
    mean = lat.empty() ? 0 : mean / static_cast<double>(lat.size());
    const uint64_t trips = lat.size();
    j.integer("round_trips", trips).num("seconds", secs)
        .num("round_trips_per_s", static_cast<double>(trips) / secs).num("mean_us", mean)
        .num("p50_us", percentile(lat, 50)).num("p99_us", percentile(lat, 99))
        .num("max_us", lat.empty() ? 0 : lat.back()).boolean("verified", o.verify);
    return j.finish(error);
}

// ---- fanout --------------------------------------------------------------

bool raiseFdLimit(uint64_t need, std::string& why)
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        why = "getrlimit failed";
        return false;
    }
    if (rl.rlim_cur >= need)
        return true;
    if (rl.rlim_max < need) {
        rlimit want{need, need};
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            return true;
        why = "RLIMIT_NOFILE hard limit " + std::to_string(rl.rlim_max) + " is below the " + std::to_string(need)
            + " descriptors needed";
        return false;
    }
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        why = "setrlimit failed";
        return false;
    }
    return true;
}

int runFanout(const Options& o)
{
    const uint64_t n = o.conns ? o.conns : 10000;
    Json j;
    j.str("mode", "fanout").integer("conns", n).integer("size", o.size).integer("connect_window", o.connectWindow);
    std::string why;
    if (!raiseFdLimit(n + 64, why)) {
        return j.integer("served", 0).finish(why);
    }
    const std::string block = makeBlock(o.size, 1);

    enum class State : uint8_t { Idle, Connecting, Sending, Waiting, Served, Failed };
    struct Conn {
        int fd = -1;
        State state = State::Idle;
        uint32_t sent = 0;
        uint32_t got = 0;
        Clock::time_point t0;
    };
    std::vector<Conn> conns(n);
    std::vector<char> rbuf(o.size + 1);
    std::vector<double> lat;
    lat.reserve(n);
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    uint64_t next = 0, connecting = 0, served = 0, failed = 0, open = 0, peakOpen = 0;
    std::string firstError;

    auto fail = [&](Conn& c, const std::string& e) {
        if (c.state == State::Connecting)
            --connecting;
        c.state = State::Failed;
        ++failed;
        if (firstError.empty())
            firstError = e;
        if (c.fd >= 0) {
            epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
            close(c.fd);
            c.fd = -1;
            --open;
        }
    };
    auto progress = [&](Conn& c) {
        if (c.state == State::Connecting) {
            const int err = connectState(c.fd);
            if (err > 0)
                return fail(c, std::string("connect: ") + std::strerror(err));
            if (err < 0)
                return; // not connected yet (a spurious wakeup)
            --connecting;
            c.state = State::Sending;
        }
        if (c.state == State::Sending) {
            while (c.sent < o.size) {
                const ssize_t r = send(c.fd, block.data() + c.sent, o.size - c.sent, MSG_NOSIGNAL);
                if (r < 0) {
                    if (errno == EINTR) continue;
                    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
                    return fail(c, std::string("send: ") + std::strerror(errno));
                }
                c.sent += static_cast<uint32_t>(r);
            }
            c.state = State::Waiting;
        }
        if (c.state == State::Waiting) {
            for (;;) {
                const ssize_t r = recv(c.fd, rbuf.data(), rbuf.size(), 0);
                if (r < 0) {
                    if (errno == EINTR) continue;
                    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
                    return fail(c, std::string("recv: ") + std::strerror(errno));
                }
                if (r == 0)
                    return fail(c, "server closed the connection before echoing");
                const auto got = static_cast<uint32_t>(r);
                if (c.got + got > o.size)
                    return fail(c, "server sent more than the line");
                if (o.verify && std::memcmp(rbuf.data(), block.data() + c.got, got) != 0)
                    return fail(c, "echo differs from the line sent");
                c.got += got;
                if (c.got == o.size) {
                    c.state = State::Served;
                    ++served;
                    lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - c.t0).count());
                    return; // stays open until the run ends
                }
            }
        }
    };
    auto startSome = [&]() {
        while (next < n && connecting < o.connectWindow) {
            Conn& c = conns[next];
            c.t0 = Clock::now();
            c.fd = connectStart();
            c.state = State::Connecting;
            ++connecting;
            const uint64_t idx = next++;
            if (c.fd < 0) {
                fail(c, std::string("connect: ") + std::strerror(errno));
                continue;
            }
            ++open;
            peakOpen = std::max(peakOpen, open);
            watch(ep, c.fd, idx); // also reports a connect that completed at once
        }
    };

    const auto t0 = Clock::now();
    const auto deadline = deadlineFrom(t0, o.timeout);
    const bool timedOut = !driveConnections(
        ep, deadline, firstError, [&] { return served + failed >= n; },
        [&](uint64_t key) { progress(conns[key]); }, startSome);
    const double secs = secondsSince(t0);
    // The measured interval is over. Abort the connections (RST) unless
    // --graceful-close: 10,000 client sockets in TIME_WAIT per run would
    // slow the next runs' port allocation and skew the comparison.
    for (auto& c : conns) {
        if (c.fd < 0)
            continue;
        if (!o.gracefulClose)
            resetOnClose(c.fd);
        close(c.fd);
    }
    close(ep);
    const bool ok = served == n;
    j.integer("served", served).integer("failed", failed).integer("peak_open", peakOpen).num("seconds", secs)
        .num("served_per_s", static_cast<double>(served) / secs)
        .num("latency_p50_ms", percentile(lat, 50)).num("latency_p99_ms", percentile(lat, 99))
        .num("latency_max_ms", lat.empty() ? 0 : lat.back()).boolean("verified", o.verify);
    return j.finishMany(ok, timedOut, n - served - failed, firstError);
}

// ---- bulk ----------------------------------------------------------------

int runBulk(const Options& o)
{
    Json j;
    j.str("mode", "bulk").integer("bytes", o.bytes).boolean("prefix_line", o.hasPrefix)
        .str("wait", o.waitClose ? "close" : "sent");
    const int fd = connectBlocking();
    if (fd < 0) {
        return j.finish(std::string("connect: ") + std::strerror(errno));
    }
    setNonBlocking(fd);
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);

    const std::string prefix = o.hasPrefix ? o.prefixLine + "\r\n" : std::string();
    const std::string chunk = makeBlock(64, 16384); // 1 MiB of line-shaped bytes
    std::vector<char> rbuf(256 * 1024);
    uint64_t prefixSent = 0, sent = 0, received = 0;
    bool shut = false, eof = false;
    std::string error;
    double sentAt = 0;
    const auto t0 = Clock::now();
    const auto deadline = deadlineFrom(t0, o.timeout);

    auto pump = [&]() {
        while (!eof) {
            const ssize_t n = recv(fd, rbuf.data(), rbuf.size(), 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                if (shut && (errno == ECONNRESET)) { eof = true; break; } // closed with data unread
                error = std::string("recv: ") + std::strerror(errno);
                return;
            }
            if (n == 0) {
                eof = true;
                break;
            }
            received += static_cast<uint64_t>(n);
        }
        while (!shut) {
            ssize_t n;
            if (prefixSent < prefix.size()) {
                n = send(fd, prefix.data() + prefixSent, prefix.size() - prefixSent, MSG_NOSIGNAL);
            } else if (sent < o.bytes) {
                const uint64_t pos = sent % chunk.size();
                const uint64_t len = std::min<uint64_t>(chunk.size() - pos, o.bytes - sent);
                n = send(fd, chunk.data() + pos, static_cast<size_t>(len), MSG_NOSIGNAL);
            } else {
                sentAt = secondsSince(t0);
                shutdown(fd, SHUT_WR);
                shut = true;
                break;
            }
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                error = std::string("send: ") + std::strerror(errno);
                return;
            }
            if (prefixSent < prefix.size())
                prefixSent += static_cast<uint64_t>(n);
            else
                sent += static_cast<uint64_t>(n);
        }
        if (eof && !shut)
            error = "server closed the connection after " + std::to_string(sent) + " bytes";
    };
    pump();
    std::vector<epoll_event> events(1);
    while (error.empty() && !(shut && (eof || !o.waitClose))) {
        if (waitReady(ep, events, deadline, error,
                      shut ? "timeout waiting for the server to close" : "timeout while sending") < 0)
            break;
        pump();
    }
    const double secs = o.waitClose ? secondsSince(t0) : sentAt;
    close(fd);
    close(ep);
    j.integer("sent", sent).integer("received", received).num("seconds", secs).num("send_seconds", sentAt)
        .num("mb_per_s", static_cast<double>(sent) / 1e6 / secs)
        .num("gbit_per_s", static_cast<double>(sent) * 8 / 1e9 / secs);
    return j.finish(error);
}

} // namespace

int main(int argc, char** argv)
{
    const Options o = parse(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    resolve(o.host, o.port);
    if (o.mode == "pipeline") return runPipeline(o);
    if (o.mode == "pingpong") return runPingpong(o);
    if (o.mode == "fanout") return runFanout(o);
    if (o.mode == "bulk") {
        if (o.bytes == 0)
            usage("bulk needs --bytes");
        return runBulk(o);
    }
    usage("unknown mode");
}
