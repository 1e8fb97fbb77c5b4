// SocketTestSupport.h — raw-socket helpers and test-row makers shared by the
// asyncore ports (tst_Dispatcher, tst_DispatcherWithSend, tst_Loop).
//
// Rows: one per readiness backend available here (select, poll, epoll), and
// per address family where IPv6 loopback works. Raw sockets: a listener, a
// completed non-blocking connect, a connected TCP pair over loopback, a
// reset (RST) instead of an orderly close, a port that refuses connects.
// Every wait is bounded (waitFd); nothing sleeps.
// Threads: the test's thread.
#pragma once

#include "engine/net/Address.h"
#include "engine/asyncore/Loop.h"
#include "engine/net/Socket.h"
#include "engine/net/SocketOps.h"

#include <QTest>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <poll.h>
#include <sys/socket.h>
#endif

Q_DECLARE_METATYPE(engine::Backend)

namespace lwtest {

// The engine's names the asyncore ports use throughout (with `using namespace lwtest;`).
using engine::Address;
using engine::Backend;
using engine::Loop;
using engine::NativeSocket;
using engine::Socket;
namespace sockops = engine::sockops;

// --- Rows ----------------------------------------------------------------------

inline bool ipv6Available() {
    std::error_code ec;
    engine::Socket s(engine::sockops::create(engine::kAfInet6, engine::kSockStream, ec));
    if (ec) return false;
    engine::sockops::bind(s.get(), engine::Address::loopback(engine::kAfInet6, 0), ec);
    return !ec;
}

/// The readiness backends this machine has, by name.
inline std::vector<std::pair<const char*, engine::Backend>> backends() {
    std::vector<std::pair<const char*, engine::Backend>> out;
    for (auto [name, b] : {std::pair{"select", engine::Backend::Select}, std::pair{"poll", engine::Backend::Poll},
                           std::pair{"epoll", engine::Backend::Epoll}})
        if (engine::backendAvailable(b)) out.emplace_back(name, b);
    return out;
}

/// Column "backend": one row per backend.
inline void backendRows() {
    QTest::addColumn<engine::Backend>("backend");
    for (auto [name, b] : backends()) QTest::newRow(name) << b;
}

/// For a test class whose initTestCase_data() is backendRows(), so that each
/// of its tests runs once per backend: a test that does not use a loop runs
/// on the first backend only; a test of poll's dispatch rules skips select.
#define LW_BACKEND_INDEPENDENT()                                                         \
    do {                                                                                 \
        QFETCH_GLOBAL(engine::Backend, backend);                                         \
        if (backend != ::lwtest::backends().front().second)                              \
            QSKIP("does not depend on the backend: runs on the first one only");         \
    } while (false)
#define LW_SKIP_SELECT(backend)                                                          \
    do {                                                                                 \
        if ((backend) == engine::Backend::Select) QSKIP("poll and epoll only (readwrite's rules)"); \
    } while (false)

/// Columns "backend", "family": every backend over IPv4 and (where it works) IPv6.
inline void backendFamilyRows() {
    QTest::addColumn<engine::Backend>("backend");
    QTest::addColumn<int>("family");
    const bool v6 = ipv6Available();
    for (auto [name, b] : backends()) {
        QTest::addRow("%s/ipv4", name) << b << engine::kAfInet;
        if (v6) QTest::addRow("%s/ipv6", name) << b << engine::kAfInet6;
    }
}

/// Column "family": IPv4 and (where it works) IPv6.
inline void familyRows() {
    QTest::addColumn<int>("family");
    QTest::newRow("ipv4") << engine::kAfInet;
    if (ipv6Available()) QTest::newRow("ipv6") << engine::kAfInet6;
}

/// The running test's "backend" (a global row) and "family" (its own row).
inline engine::Backend rowBackend() {
    QFETCH_GLOBAL(engine::Backend, backend);
    return backend;
}
inline int rowFamily() {
    QFETCH(int, family);
    return family;
}

// --- Raw socket helpers ----------------------------------------------------------

/// Waits (bounded, no sleeping) until `fd` reports one of `events`.
inline bool waitFd(engine::NativeSocket fd, short events, int ms = 5000) {
#if defined(_WIN32)
    WSAPOLLFD p{};
    p.fd = fd;
    p.events = events;
    return ::WSAPoll(&p, 1, ms) > 0;
#else
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, ms) > 0;
#endif
}

inline void check(const std::error_code& ec, const char* what) {
    if (ec) throw std::system_error(ec, what);
}

inline engine::Address localOf(engine::NativeSocket s) {
    std::error_code ec;
    engine::Address a = engine::sockops::localAddress(s, ec);
    check(ec, "getsockname");
    return a;
}

/// A raw stream socket bound to loopback port 0 (not listening).
inline engine::Socket boundToLoopback(int family) {
    std::error_code ec;
    engine::Socket s(engine::sockops::create(family, engine::kSockStream, ec));
    check(ec, "socket");
    engine::sockops::bind(s.get(), engine::Address::loopback(family, 0), ec);
    check(ec, "bind");
    return s;
}

/// A raw listening socket on loopback.
struct RawListener {
    engine::Socket sock;
    engine::Address addr;
    explicit RawListener(int family) : sock(boundToLoopback(family)) {
        std::error_code ec;
        engine::sockops::listen(sock.get(), 16, ec);
        check(ec, "listen");
        addr = localOf(sock.get());
    }
    engine::Socket acceptOne() {
        if (!waitFd(sock.get(), POLLIN)) throw std::runtime_error("nothing to accept");
        std::error_code ec;
        engine::Socket s(engine::sockops::accept(sock.get(), nullptr, ec));
        check(ec, "accept");
        return s;
    }
};

/// A raw client socket connected (non-blocking) to `to`, connect completed.
inline engine::Socket rawConnect(const engine::Address& to) {
    std::error_code ec;
    engine::Socket c(engine::sockops::create(to.family(), engine::kSockStream, ec));
    check(ec, "socket");
    engine::sockops::connect(c.get(), to, ec);
    if (ec && !engine::sockops::isConnectInProgress(ec)) check(ec, "connect");
    if (!waitFd(c.get(), POLLOUT)) throw std::runtime_error("connect did not complete");
    return c;
}

/// Two connected TCP sockets over loopback: {client, server side}.
inline std::pair<engine::Socket, engine::Socket> tcpPair(int family = engine::kAfInet) {
    RawListener l(family);
    engine::Socket c = rawConnect(l.addr);
    return {std::move(c), l.acceptOne()};
}

inline void lingerZero(engine::NativeSocket s) {
    linger lg{};
    lg.l_onoff = 1;
    lg.l_linger = 0;
#if defined(_WIN32)
    ::setsockopt(s, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&lg), sizeof lg);
#else
    ::setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
#endif
}

/// Resets the connection: the peer sees ECONNRESET (RST), not an orderly FIN.
inline void abortSocket(engine::Socket& s) {
    lingerZero(s.get());
    s.reset();
}

/// getsockopt of an int option (0 if it fails).
inline int intOption(engine::NativeSocket s, int level, int name) {
    int v = 0;
#if defined(_WIN32)
    int len = sizeof v;
    ::getsockopt(s, level, name, reinterpret_cast<char*>(&v), &len);
#else
    socklen_t len = sizeof v;
    ::getsockopt(s, level, name, &v, &len);
#endif
    return v;
}

inline std::size_t rawSend(engine::NativeSocket s, std::string_view data) {
    std::error_code ec;
    const std::size_t n = engine::sockops::send(s, data.data(), data.size(), ec);
    check(ec, "send");
    return n;
}

/// Reads what is available now (non-blocking); "" on EOF or nothing.
inline std::string rawRecvNow(engine::NativeSocket s, std::size_t n = 65536) {
    std::string buf(n, '\0');
    std::error_code ec;
    const std::size_t got = engine::sockops::recv(s, buf.data(), n, ec);
    buf.resize(ec ? 0 : got);
    return buf;
}

/// A refused connect: a port bound on loopback but never listened on.
struct RefusingPort {
    engine::Socket sock;
    engine::Address addr;
    explicit RefusingPort(int family) : sock(boundToLoopback(family)), addr(localOf(sock.get())) {}
};

}  // namespace lwtest
