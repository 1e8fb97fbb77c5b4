// lw_raw_echo: the floor for docs/performance.md. A minimal single-threaded
// epoll echo server with no framing at all: whatever arrives goes straight
// back. With --discard it only reads and throws the bytes away (the floor
// for the 1 GiB count: scenario).
//
//   lw_raw_echo PORT [--discard] [--host 127.0.0.1] [--buf BYTES]
//
// Binds HOST:PORT (PORT 0 picks one), prints the bound port on stdout as a
// line of its own, then serves until SIGINT/SIGTERM. Each connection gets a
// buffer of --buf bytes (default 65536, asynchat's ac_in_buffer_size); when
// the peer is slow to read, the server stops reading from it until the
// pending bytes are written (back-pressure, no unbounded queue).

#include "bench_common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

using bench::raiseFdLimit;

volatile sig_atomic_t g_stop = 0;

void onSignal(int) { g_stop = 1; }

struct Conn {
    int fd = -1;
    std::unique_ptr<char[]> buf;
    size_t pending = 0; // bytes in buf not yet written back
    size_t offset = 0;  // first unwritten byte
    bool wantOut = false;
};

[[noreturn]] void die(const char* what)
{
    std::fprintf(stderr, "lw_raw_echo: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

} // namespace

[[noreturn]] void bench::usage(const char* why)
{
    std::fprintf(stderr, "lw_raw_echo: %s\nusage: lw_raw_echo PORT [--discard] [--host ADDR] [--buf BYTES]\n", why);
    std::exit(2);
}

int main(int argc, char** argv)
{
    std::string host = "127.0.0.1";
    long port = -1;
    bool discard = false;
    size_t bufSize = 65536;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--discard") {
            discard = true;
        } else if (a == "--host" && i + 1 < argc) {
            host = argv[++i];
        } else if (a == "--buf" && i + 1 < argc) {
            bufSize = std::strtoul(argv[++i], nullptr, 10);
            if (bufSize == 0)
                bench::usage("bad --buf");
        } else if (port < 0 && !a.empty() && a[0] != '-') {
            char* end = nullptr;
            port = std::strtol(argv[i], &end, 10);
            if (*end != '\0' || port < 0 || port > 65535)
                bench::usage("bad PORT");
        } else {
            bench::usage("unknown option");
        }
    }
    if (port < 0)
        bench::usage("no PORT");

    raiseFdLimit();
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa{};
    sa.sa_handler = onSignal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    const int lfd = bench::listenPrintingPort(host, port);
    if (lfd < 0)
        die("listen");

    const int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = lfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

    std::unordered_map<int, Conn> conns;
    std::unique_ptr<char[]> sink(new char[bufSize]); // --discard reads here
    std::vector<epoll_event> events(1024);

    auto closeConn = [&](int fd) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        conns.erase(fd);
    };
    auto setOut = [&](Conn& c, bool out) {
        if (c.wantOut == out)
            return;
        c.wantOut = out;
        epoll_event e{};
        e.events = out ? EPOLLOUT : EPOLLIN;
        e.data.fd = c.fd;
        epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &e);
    };
    // Write what is pending; true when the connection is still usable.
    auto flush = [&](Conn& c) {
        while (c.pending > 0) {
            const ssize_t n = send(c.fd, c.buf.get() + c.offset, c.pending, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    setOut(c, true);
                    return true;
                }
                return false;
            }
            c.pending -= static_cast<size_t>(n);
            c.offset += static_cast<size_t>(n);
        }
        c.offset = 0;
        setOut(c, false);
        return true;
    };

    while (!g_stop) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; ++i) {
            const int fd = events[static_cast<size_t>(i)].data.fd;
            const uint32_t what = events[static_cast<size_t>(i)].events;
            if (fd == lfd) {
                for (;;) {
                    const int cfd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (cfd < 0)
                        break; // EAGAIN, or EMFILE: retried on the next wakeup
                    bench::setNoDelay(cfd);
                    Conn& c = conns[cfd];
                    c.fd = cfd;
                    if (!discard)
                        c.buf.reset(new char[bufSize]);
                    epoll_event e{};
                    e.events = EPOLLIN;
                    e.data.fd = cfd;
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &e);
                }
                continue;
            }
            auto it = conns.find(fd);
            if (it == conns.end())
                continue;
            Conn& c = it->second;
            if (c.wantOut) {
                if (!flush(c))
                    closeConn(fd);
                continue;
            }
            if (!(what & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            const ssize_t r = recv(fd, discard ? sink.get() : c.buf.get(), bufSize, 0);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                closeConn(fd);
                continue;
            }
            if (r < 0 || discard)
                continue;
            c.pending = static_cast<size_t>(r);
            c.offset = 0;
            if (!flush(c))
                closeConn(fd);
        }
    }
    for (auto& [fd, c] : conns)
        close(fd);
    close(ep);
    close(lfd);
    return 0;
}
