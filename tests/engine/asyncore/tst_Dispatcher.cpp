// tst_Dispatcher.cpp — engine::Dispatcher against asyncore.dispatcher
// (conformance items D1–D16 and E1–E8).
//
// The socket-level cases port the behaviours CPython's test_asyncore.py
// checks (BaseTestAPI: handle_connect, handle_accept, handle_accepted,
// handle_read, handle_write, handle_close, handle_close_after_conn_broken,
// handle_expt, handle_error, connection_attributes, create_socket, bind,
// set_reuse_addr, quick_connect; DispatcherTests: basic, repr, log, log_info,
// unhandled). Those run for every backend (select, poll, epoll) and for IPv4
// and IPv6 on loopback. Nothing sleeps: loops run bounded passes.
#include "DispatcherTestSupport.h"
#include "SocketTestSupport.h"
#include "TestSupport.h"

#include "engine/net/Address.h"
#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/DispatcherTap.h"
#include "engine/asyncore/Loop.h"
#include "engine/net/Socket.h"
#include "engine/net/SocketOps.h"

#include <QRegularExpression>
#include <QTest>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#endif


namespace {

using namespace lwtest;

/// A listening Probe on loopback:0 (BaseServer). Accepted connections become
/// Probes in `handlers` (BaseTestHandler) unless onAccepted is replaced.
struct Server {
    Loop& loop;
    Probe probe;
    Address address;
    std::vector<std::unique_ptr<Probe>> handlers;
    std::function<void(Probe&)> configure;  // runs on each new handler

    Server(Loop& l, int family) : loop(l), probe(&l, nullptr, "server") {
        probe.createSocket(family);
        probe.setReuseAddr();
        probe.bind(Address::loopback(family, 0));
        probe.listen(5);
        address = localOf(probe.socketHandle());
        probe.onAccepted = [this](Socket s, const Address&) {
            handlers.push_back(std::make_unique<Probe>(std::move(s), &loop, nullptr, "handler"));
            if (configure) configure(*handlers.back());
        };
    }
};

/// What a TestDispatcherLoop case over a family sets up first: its backend
/// and family, a Loop, and a Server listening on loopback on it. Owns the
/// loop and the server; the test's thread only.
struct ServedLoop {
    Backend backend = rowBackend();
    int family = rowFamily();
    Loop loop;
    Server server{loop, family};
};

/// `event` (&Probe::handleReadEvent or handleWriteEvent) on a Probe `name`
/// with a socket and the given connected and connecting flags, journalled
/// in `j`: the flags {connected, connecting} it leaves.
std::pair<bool, bool> eventOnSocket(Loop& loop, Journal& j, const char* name, bool connected, bool connecting,
                                    void (Probe::*event)()) {
    Probe d(&loop, &j, name);
    d.createSocket();
    d.connected = connected;
    d.connecting = connecting;
    (d.*event)();
    return {d.connected, d.connecting};
}

/// An async_chat whose handleConnect() pushes a greeting (E3).
class GreetingChat : public engine::AsyncChat {
public:
    using AsyncChat::AsyncChat;
    bool connectedInside = true;
    std::size_t queuedInside = 0;
    std::uint64_t connectPass = 0;
    void collectIncomingData(std::string_view) override {}
    void foundTerminator() override {}
    void handleConnect() override {
        connectedInside = connected;
        connectPass = map().passes();
        push("hello\r\n");
        queuedInside = producerFifo().size();
    }
};

}  // namespace

namespace tapping {
/// Records what a DispatcherTap hears, as "kind:bytes" lines.
class RecordingTap final : public engine::DispatcherTap {
public:
    std::vector<std::string> heard;
    void received(const engine::Dispatcher&, std::string_view b) override { heard.push_back("recv:" + std::string(b)); }
    void sent(const engine::Dispatcher&, std::string_view b) override { heard.push_back("sent:" + std::string(b)); }
    void collected(const engine::Dispatcher&, std::string_view b) override { heard.push_back("collect:" + std::string(b)); }
    void terminatorFound(const engine::Dispatcher&, const engine::Terminator&) override { heard.push_back("found"); }
    void closed(const engine::Dispatcher&) override { heard.push_back("closed"); }
    void destroyed(const engine::Dispatcher&) override { heard.push_back("destroyed"); }
};
/// An async_chat that answers each line with "ok\n".
class Liner final : public engine::AsyncChat {
public:
    using AsyncChat::AsyncChat;
    void collectIncomingData(std::string_view) override {}
    void foundTerminator() override { push("ok\n"); }
};
/// Hears add_channel / del_channel.
class Registry final : public engine::LoopRegistry {
public:
    int adds = 0, removals = 0;
    void added(engine::Dispatcher&) override { ++adds; }
    void removed(engine::Dispatcher&) override { ++removals; }
};
}  // namespace tapping

class TestDispatcher : public QObject {
    Q_OBJECT

private slots:
    void tapHearsWhatTheDispatcherDoes();
    // construction, map, attributes (D1–D5, D14, W4)
    void defaults();
    void defaultMapIsThreadDefault();
    void adoptConnectedSocket_data() { familyRows(); }
    void adoptConnectedSocket();
    void adoptUnconnectedSocket();
#if !defined(_WIN32)
    void adoptBrokenSocketThrowsAndLeavesMap();
#endif
    void createSocket_data() { familyRows(); }
    void createSocket();
    void setSocketRegistersWithoutConnecting();
    void addChannelReplacesSameFd();
    void delChannel();
    void bindListen_data() { familyRows(); }
    void bindListen();
    void setReuseAddr();
    // connect (D6, E3–E5)
    void connectSynchronousOnIsConn_data() { familyRows(); }
    void connectSynchronousOnIsConn();
    void connectErrorThrows();
    void handleConnectEventDirect();
    // accept (D7–D9)
    void acceptNothingPending();
    void acceptReturnsConnection_data() { familyRows(); }
    void acceptReturnsConnection();
    void defaultHandleAcceptedClosesAndWarns();
    // send / recv / close (D10–D13)
    void sendWouldBlockReturnsZero();
    void sendDisconnectCallsHandleClose();
    void sendOtherErrorThrows();
    void recvReturnsData();
    void recvEofCallsHandleClose();
    void recvResetCallsHandleClose();
    void recvWouldBlockThrows();
    void recvOtherErrorThrows();
    void disconnectErrnoSet();
    void closeResetsStateAndIsIdempotent();
    void closeWithoutSocket();
    // event layer (E1, E2, E6)
    void handleReadEventBranches();
    void handleWriteEventBranches();
    void handleExptEventBranches();
    void unhandledHooksWarn();
    // repr and logging (D15, D16)
    void reprForms();
#if !defined(_WIN32)
    void logGoesToStderr();
    void logInfoGoesToStdout();
    void unhandledGoesToStdoutOnlyWhenNotIgnored();
    void defaultHandleErrorPrintsErrorLine();
#endif
};

// The cases that go through a loop: each runs once per backend.
class TestDispatcherLoop : public QObject {
    Q_OBJECT

private slots:
    void initTestCase_data() { backendRows(); }
    // connect, accept (D6–D9, E3–E5) and read/write/close (test_asyncore BaseTestAPI)
    void handleConnect_data() { familyRows(); }
    void handleConnect();
    void pushInHandleConnectGoesOutInSameEvent();
    void handleConnectThrowsRunsAgain();
    void refusedConnect_data() { familyRows(); }
    void refusedConnect();
    void handleAccept_data() { familyRows(); }
    void handleAccept();
    void handleAccepted_data() { familyRows(); }
    void handleAccepted();
#if !defined(_WIN32)
    void acceptEmfileClosesListener();
#endif
    void quickConnect_data() { familyRows(); }
    void quickConnect();
    void handleRead_data() { familyRows(); }
    void handleRead();
    void handleWrite_data() { familyRows(); }
    void handleWrite();
    void handleClose_data() { familyRows(); }
    void handleClose();
    void handleCloseAfterConnBroken_data() { familyRows(); }
    void handleCloseAfterConnBroken();
#if !defined(_WIN32)
    void handleExpt_data() { familyRows(); }
    void handleExpt();
    void defaultHandleExptFiresAgain();
#endif
    void handleErrorInsideCatch_data() { familyRows(); }
    void handleErrorInsideCatch();
    void defaultHandleErrorLogsAndCloses();
    void connectionAttributes_data() { familyRows(); }
    void connectionAttributes();
};

// =================================================================================
// Construction, map, attributes
// =================================================================================

void TestDispatcher::defaults() {
    // test_basic, D14, D1: no socket, not registered, asyncore's defaults.
    Loop loop;
    engine::Dispatcher d(&loop);
    QVERIFY(d.readable());
    QVERIFY(d.writable());
    QVERIFY(!d.connected);
    QVERIFY(!d.accepting);
    QVERIFY(!d.connecting);
    QVERIFY(!d.debug);
    QVERIFY(d.addr.isEmpty());
    QCOMPARE(d.ignoreLogTypes, (std::set<std::string, std::less<>>{"warning"}));
    QCOMPARE(d.socketHandle(), engine::kInvalidSocket);
    QCOMPARE(d.fileno(), engine::kInvalidSocket);
    QVERIFY(loop.empty());
    QCOMPARE(&d.map(), &loop);
}

void TestDispatcher::defaultMapIsThreadDefault() {
    // D1: map=None means the module-level socket_map (one per thread here).
    Loop& def = Loop::threadDefault();
    const std::size_t before = def.size();
    engine::Dispatcher d;
    QCOMPARE(&d.map(), &def);
    d.createSocket();
    QCOMPARE(def.size(), before + 1);
    QCOMPARE(def.get(d.fileno()), &d);
    d.close();
    QCOMPARE(def.size(), before);
}

void TestDispatcher::adoptConnectedSocket() {
    // D2: dispatcher(sock) makes it non-blocking, registers it, connected=True,
    // addr=getpeername().
    QFETCH(int, family);
    auto [client, server] = tcpPair(family);
    const Address clientAddr = localOf(client.get());
    std::error_code ec;
    sockops::setNonBlocking(server.get(), false, ec);  // as from a blocking source
    QVERIFY(!ec);
    const NativeSocket fd = server.get();
    Loop loop;
    Probe d(std::move(server), &loop);
    QCOMPARE(d.socketHandle(), fd);
    QCOMPARE(d.fileno(), fd);
    QCOMPARE(loop.get(fd), &d);
    QCOMPARE(loop.size(), std::size_t{1});
    QVERIFY(d.connected);
    QVERIFY(!d.connecting);
    QVERIFY(!d.accepting);
    QVERIFY(d.addr == clientAddr);
#if !defined(_WIN32)
    QVERIFY(isNonBlocking(fd));
#endif
}

void TestDispatcher::adoptUnconnectedSocket() {
    // D2: getpeername() fails with ENOTCONN → registered but not connected.
    std::error_code ec;
    Socket s(sockops::create(engine::kAfInet, engine::kSockStream, ec));
    QVERIFY(!ec);
    const NativeSocket fd = s.get();
    Loop loop;
    Probe d(std::move(s), &loop);
    QVERIFY(!d.connected);
    QVERIFY(d.addr.isEmpty());
    QCOMPARE(loop.get(fd), &d);
}

#if !defined(_WIN32)
void TestDispatcher::adoptBrokenSocketThrowsAndLeavesMap() {
    // D2: any other getpeername() error (here ENOTSOCK on a pipe) removes the
    // object from the map and re-raises.
    int p[2];
    QCOMPARE(::pipe(p), 0);
    ::close(p[1]);
    Loop loop;
    const std::optional<std::error_code> e = thrownBy([&] { Probe d{Socket(p[0]), &loop}; });
    QVERIFY(e);
    QCOMPARE(e->value(), ENOTSOCK);
    QVERIFY(loop.empty());
    QVERIFY(loop.channels().empty());
    QVERIFY(!fdIsOpen(p[0]));  // the Socket it was given was still owned, and closed
}
#endif

void TestDispatcher::createSocket() {
    // D3 / test_create_socket: stream socket of the family, non-blocking,
    // non-inheritable, registered.
    QFETCH(int, family);
    Loop loop;
    Probe d(&loop);
    d.createSocket(family);
    QVERIFY(d.socketHandle() != engine::kInvalidSocket);
    QCOMPARE(d.fileno(), d.socketHandle());
    QCOMPARE(loop.get(d.fileno()), &d);
    QCOMPARE(intOption(d.socketHandle(), SOL_SOCKET, SO_TYPE), engine::kSockStream);
    QVERIFY(!d.connected);
#if defined(SO_DOMAIN)
    QCOMPARE(intOption(d.socketHandle(), SOL_SOCKET, SO_DOMAIN), family);
#endif
#if !defined(_WIN32)
    QVERIFY(isNonBlocking(d.socketHandle()));
    QVERIFY((::fcntl(d.socketHandle(), F_GETFD) & FD_CLOEXEC) != 0);
#endif
}

void TestDispatcher::setSocketRegistersWithoutConnecting() {
    // set_socket(): self.socket = sock; register under its fd. connected is untouched.
    auto [a, b] = lwtest::socketPair();
    const NativeSocket fd = a.get();
    Loop loop;
    Probe d(&loop);
    d.setSocket(std::move(a));
    QCOMPARE(d.fileno(), fd);
    QCOMPARE(loop.get(fd), &d);
    QVERIFY(!d.connected);
}

void TestDispatcher::addChannelReplacesSameFd() {
    // D4: map[fd] = self silently replaces an earlier object with that fd.
    Loop loop;
    Probe first(&loop, nullptr, "first");
    first.createSocket();
    const NativeSocket fd = first.fileno();
    Probe second(&loop, nullptr, "second");
    second.setSocket(Socket(fd));  // the same descriptor, registered again
    QCOMPARE(loop.get(fd), &second);
    QCOMPARE(loop.size(), std::size_t{1});
    QCOMPARE(loop.channels(), std::vector<engine::Dispatcher*>{&second});
    second.delChannel();
    QVERIFY(loop.empty());
    QCOMPARE(second.fileno(), engine::kInvalidSocket);
    (void)second.releaseSocket();  // `first` owns the descriptor
    first.close();
    QVERIFY(loop.empty());
}

void TestDispatcher::delChannel() {
    // D4: del_channel removes the entry (if present) and forgets the fd; the
    // socket stays open. add_channel registers it again.
    Loop loop;
    Probe d(&loop);
    d.createSocket();
    const NativeSocket fd = d.fileno();
    d.delChannel();
    QVERIFY(loop.empty());
    QCOMPARE(d.fileno(), engine::kInvalidSocket);
    QCOMPARE(d.socketHandle(), fd);
    d.delChannel();  // idempotent
    QVERIFY(loop.empty());
    d.addChannel();
    QCOMPARE(loop.get(fd), &d);
    QCOMPARE(d.fileno(), fd);
}

void TestDispatcher::bindListen() {
    // D5 / test_bind: bind sets addr (as given), listen sets accepting; a
    // second bind to that port fails.
    QFETCH(int, family);
    Loop loop;
    Probe s1(&loop);
    s1.createSocket(family);
    const Address want = Address::loopback(family, 0);
    s1.bind(want);
    QVERIFY(s1.addr == want);  // asyncore stores the argument, port 0 included
    QVERIFY(!s1.accepting);
    s1.listen(5);
    QVERIFY(s1.accepting);
    QVERIFY(!s1.connected);
    const std::uint16_t port = localOf(s1.socketHandle()).port();
    QVERIFY(port != 0);

    Probe s2(&loop);
    s2.createSocket(family);
    QVERIFY(thrownBy([&] { s2.bind(Address::loopback(family, port)); }) == std::errc::address_in_use);
}

void TestDispatcher::setReuseAddr() {
    // D5 / test_set_reuse_addr.
    Loop loop;
    std::error_code ec;
    Probe s(Socket(sockops::create(engine::kAfInet, engine::kSockStream, ec)), &loop);
    QCOMPARE(intOption(s.socketHandle(), SOL_SOCKET, SO_REUSEADDR), 0);
    s.close();
    s.createSocket();
    s.setReuseAddr();
    QVERIFY(intOption(s.socketHandle(), SOL_SOCKET, SO_REUSEADDR) != 0);
}

// =================================================================================
// Connect
// =================================================================================

void TestDispatcherLoop::handleConnect() {
    // test_handle_connect + D6 + E3: connect() returns at once (in progress);
    // handleConnect() runs on the first event with connected still false.
    ServedLoop t;
    Probe client(&t.loop, nullptr, "client");
    connectTo(client, t.server.address);
    QVERIFY(client.connecting);
    QVERIFY(!client.connected);
    QVERIFY(client.addr == t.server.address);
    QCOMPARE(client.n("connect"), 0);  // not synchronous for TCP
    QVERIFY(lwtest::runUntil(t.loop, [&] { return client.n("connect") > 0; }, t.backend));
    QCOMPARE(client.n("connect"), 1);
    QVERIFY(!client.connectedInConnect);  // E3: connected is set after handle_connect
    QVERIFY(client.connectingInConnect);
    QVERIFY(client.connected);
    QVERIFY(!client.connecting);
    QCOMPARE(client.n("error"), 0);
    QCOMPARE(t.server.probe.n("error"), 0);
}

void TestDispatcher::connectSynchronousOnIsConn() {
    // D6: connect_ex() == EISCONN runs handle_connect_event synchronously, so
    // handleConnect() executes inside connect() and its exceptions reach the
    // caller (CPython: verified by calling connect() twice).
    QFETCH(int, family);
    Loop loop;
    Server server(loop, family);
    Probe client(&loop);
    connectTo(client, server.address);
    QVERIFY(lwtest::runUntil(loop, [&] { return client.connected; }));
    QCOMPARE(client.n("connect"), 1);

    client.connect(server.address);  // EISCONN
    QCOMPARE(client.n("connect"), 2);
    QVERIFY(!client.connectedInConnect);
    QVERIFY(client.connected);
    QVERIFY(!client.connecting);

    client.onConnect = [] { throw std::runtime_error("from handle_connect"); };
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, client.connect(server.address));
    QCOMPARE(client.n("connect"), 3);
    QVERIFY(!client.connected);  // E4: the flags were not updated
    QVERIFY(client.connecting);
    QCOMPARE(client.n("error"), 0);  // not routed to handle_error: the caller got it
}

void TestDispatcher::connectErrorThrows() {
    // D6: any other connect_ex() result raises; connecting stays True.
    Loop loop;
    Probe d(&loop);
    d.createSocket(engine::kAfInet);
    QVERIFY(thrownBy([&] { d.connect(Address::loopback(engine::kAfInet6, 9)); }).has_value());  // wrong family
    QVERIFY(d.connecting);
    QVERIFY(!d.connected);
    QCOMPARE(d.n("connect"), 0);
}

void TestDispatcher::handleConnectEventDirect() {
    // E3: SO_ERROR == 0 → handleConnect() first, then connected/connecting.
    Loop loop;
    Probe ok(&loop);
    ok.createSocket();
    ok.connecting = true;
    ok.handleConnectEvent();
    QCOMPARE(ok.n("connect"), 1);
    QVERIFY(!ok.connectedInConnect);
    QVERIFY(ok.connected);
    QVERIFY(!ok.connecting);

    // SO_ERROR != 0 → raises OSError(err); handleConnect() is not called.
    RefusingPort refusing(engine::kAfInet);
    Probe bad(&loop);
    QVERIFY(connectRefused(bad, refusing));
    QVERIFY(thrownBy([&] { bad.handleConnectEvent(); }) == std::errc::connection_refused);
    QCOMPARE(bad.n("connect"), 0);
    QVERIFY(!bad.connected);
    QVERIFY(bad.connecting);
}

void TestDispatcherLoop::pushInHandleConnectGoesOutInSameEvent() {
    // E3 (most surprising #4): inside handle_connect `connected` is False, so a
    // push() there only queues; the handle_write that follows in the same
    // event sends it.
    QFETCH_GLOBAL(Backend, backend);
    Loop loop;
    RawListener listener(engine::kAfInet);
    GreetingChat chat(&loop);
    connectTo(chat, listener.addr);
    Socket peer = listener.acceptOne();
    for (int i = 0; i < 100 && chat.connectPass == 0; ++i) loop.poll(0.05, backend);
    QVERIFY(chat.connectPass != 0);
    QCOMPARE(loop.passes(), chat.connectPass);  // we stopped right after that pass
    QVERIFY(!chat.connectedInside);
    QCOMPARE(chat.queuedInside, std::size_t{1});  // queued, not sent, inside the hook
    QVERIFY(chat.connected);
    QVERIFY(chat.producerFifo().empty());  // sent within the same pass
    QVERIFY(waitFd(peer.get(), POLLIN));  // on the wire
    QCOMPARE(rawRecvNow(peer.get()), std::string("hello\r\n"));
}

void TestDispatcherLoop::handleConnectThrowsRunsAgain() {
    // E4: if handle_connect raises, connected stays False and connecting True,
    // so handle_connect runs again on the next event (CPython: verified).
    QFETCH_GLOBAL(Backend, backend);
    Loop loop;
    Server server(loop, engine::kAfInet);
    Probe client(&loop);
    client.createSocket();
    client.onConnect = [&] {
        if (client.n("connect") == 1) throw std::runtime_error("first connect fails");
    };
    client.onError = [] {};  // record only; do not close
    client.connect(server.address);
    QVERIFY(lwtest::runUntil(loop, [&] { return client.n("connect") >= 1; }, backend));
    QCOMPARE(client.n("error"), 1);
    QVERIFY(!client.connected);
    QVERIFY(client.connecting);
    QVERIFY(lwtest::runUntil(loop, [&] { return client.n("connect") >= 2; }, backend));
    QVERIFY(client.connected);
    QVERIFY(!client.connecting);
    QCOMPARE(client.n("error"), 1);
}

void TestDispatcherLoop::refusedConnect() {
    // E5: a refused non-blocking connect never calls handle_connect; the
    // OSError(ECONNREFUSED) goes to handle_error, whose default logs an
    // "error" and calls handle_close — on every backend (ECONNREFUSED is not a
    // disconnect errno).
    QFETCH_GLOBAL(Backend, backend);
    QFETCH(int, family);
    RefusingPort refusing(family);
    Loop loop;
    Probe client(&loop);
    client.createSocket(family);
    client.connect(refusing.addr);  // EINPROGRESS on Linux loopback
    QVERIFY(client.connecting);
    QVERIFY(lwtest::runUntil(loop, [&] { return loop.empty(); }, backend));
    QCOMPARE(client.n("connect"), 0);
    QCOMPARE(client.n("error"), 1);
    QVERIFY(errorOf(client.lastError) == std::errc::connection_refused);
    QCOMPARE(client.n("close"), 1);
    QCOMPARE(client.logs.size(), std::size_t{2});  // handle_error's line, handle_close's warning
    QCOMPARE(client.logs[0].first, std::string("error"));
    QCOMPARE(client.logs[1], (std::pair<std::string, std::string>{"warning", "unhandled close event"}));
    QVERIFY(!client.connected);
    QVERIFY(!client.connecting);
}

// =================================================================================
// Accept
// =================================================================================

void TestDispatcher::acceptNothingPending() {
    // D7/D8: accept() is None on EWOULDBLOCK; handle_accept then does not call
    // handle_accepted (also when a read event arrives spuriously).
    Loop loop;
    Probe l(&loop);
    listenOnLoopback(l);
    QVERIFY(!l.accept().has_value());
    l.handleAccept();
    l.handleReadEvent();
    QCOMPARE(l.n("accept"), 2);
    QCOMPARE(l.n("accepted"), 0);
    QCOMPARE(l.n("error"), 0);
    QVERIFY(l.accepting);
    QCOMPARE(loop.get(l.fileno()), &l);
}

void TestDispatcher::acceptReturnsConnection() {
    // D7: accept() returns (conn, addr): a non-blocking socket and the peer.
    QFETCH(int, family);
    Loop loop;
    Probe l(&loop);
    listenOnLoopback(l, family);
    Socket client = rawConnect(localOf(l.socketHandle()));
    QVERIFY(waitFd(l.socketHandle(), POLLIN));
    auto got = l.accept();
    QVERIFY(got.has_value());
    QVERIFY(got->sock.valid());
    QVERIFY(got->addr == localOf(client.get()));
#if !defined(_WIN32)
    QVERIFY(isNonBlocking(got->sock.get()));
#endif
    QCOMPARE(loop.size(), std::size_t{1});  // accepting does not register the new socket
    QVERIFY(!l.accept().has_value());
}

void TestDispatcherLoop::handleAccept() {
    // test_handle_accept: handle_accept is called when a client connects.
    QFETCH_GLOBAL(Backend, backend);
    QFETCH(int, family);
    Loop loop;
    Probe listener(&loop, nullptr, "listener");
    listenOnLoopback(listener, family);
    listener.onAccept = [] {};  // do not accept: just record
    Probe client(&loop, nullptr, "client");
    connectTo(client, localOf(listener.socketHandle()));
    QVERIFY(lwtest::runUntil(loop, [&] { return listener.n("accept") > 0; }, backend));
    QCOMPARE(listener.n("read"), 0);     // accepting: handle_accept instead of handle_read
    QCOMPARE(listener.n("write"), 0);    // accepting sockets never get write events
    QCOMPARE(listener.n("connect"), 0);
    QCOMPARE(listener.n("error"), 0);
    QCOMPARE(client.n("error"), 0);
}

void TestDispatcherLoop::handleAccepted() {
    // test_handle_accepted: the default handle_accept calls
    // handle_accepted(sock, addr) with the new connection.
    QFETCH_GLOBAL(Backend, backend);
    QFETCH(int, family);
    Loop loop;
    Probe listener(&loop, nullptr, "listener");
    listenOnLoopback(listener, family);
    Address peer;
    bool sockValid = false;
    listener.onAccepted = [&](Socket s, const Address& a) {
        sockValid = s.valid();
        peer = a;
    };
    Probe client(&loop, nullptr, "client");
    connectTo(client, localOf(listener.socketHandle()));
    QVERIFY(lwtest::runUntil(loop, [&] { return listener.n("accepted") > 0; }, backend));
    QCOMPARE(listener.n("accepted"), 1);
    QVERIFY(sockValid);
    QVERIFY(peer == localOf(client.socketHandle()));
    QCOMPARE(listener.n("error"), 0);
}

void TestDispatcher::defaultHandleAcceptedClosesAndWarns() {
    // D7: the default handle_accepted closes the socket and logs a warning.
    Loop loop;
    Probe listener(&loop);
    listenOnLoopback(listener);
    Socket client = rawConnect(localOf(listener.socketHandle()));
    QVERIFY(waitFd(listener.socketHandle(), POLLIN));
    listener.handleReadEvent();
    QCOMPARE(listener.n("accepted"), 1);
    QCOMPARE(listener.logs.size(), std::size_t{1});
    QCOMPARE(listener.logs[0], (std::pair<std::string, std::string>{"warning", "unhandled accepted event"}));
    QVERIFY(waitFd(client.get(), POLLIN));
    std::error_code ec;
    char c;
    QCOMPARE(sockops::recv(client.get(), &c, 1, ec), std::size_t{0});  // EOF: it was closed
    QVERIFY(!ec);
}

#if !defined(_WIN32)
void TestDispatcherLoop::acceptEmfileClosesListener() {
    // D9 (Edge, bug-compat, copied): EMFILE from accept() propagates;
    // handle_error runs and its default closes the *listening* socket
    // (CPython 3.11: verified). The same on every backend: EMFILE is not a
    // disconnect errno.
    QFETCH_GLOBAL(Backend, backend);
    Loop loop;
    Probe listener(&loop);
    listenOnLoopback(listener);
    loop.poll(0.0, backend);  // the backend's own descriptors exist from here on
    Socket client = rawConnect(localOf(listener.socketHandle()));
    QVERIFY(waitFd(listener.socketHandle(), POLLIN));
    const int lowestFree = ::open("/dev/null", O_RDONLY);
    QVERIFY(lowestFree >= 0);
    ::close(lowestFree);
    {
        NoFileLimit limit(static_cast<rlim_t>(lowestFree));  // no new descriptor can be made
        loop.poll(0.0, backend);
    }
    QCOMPARE(listener.n("accept"), 1);
    QCOMPARE(listener.n("accepted"), 0);
    QCOMPARE(listener.n("error"), 1);
    QVERIFY(errorOf(listener.lastError) == std::errc::too_many_files_open);
    QCOMPARE(listener.n("close"), 1);
    QVERIFY(!listener.accepting);
    QVERIFY(loop.empty());
}
#endif

void TestDispatcherLoop::quickConnect() {
    // test_quick_connect (bpo-10340): a client that resets right after
    // connecting. The handler built from the accepted socket must not raise:
    // getpeername() fails with ENOTCONN and it is simply not connected.
    // CPython 3.11 on Linux: handler connected=False, then one handle_close.
    ServedLoop t;
    bool connectedAtStart = true;
    t.server.configure = [&connectedAtStart](Probe& h) {
        connectedAtStart = h.connected;
        h.writableFn = [] { return false; };
        h.onRead = [&h] { (void)h.recv(10); };
    };
    {
        Socket c = rawConnect(t.server.address);
        abortSocket(c);
    }
    QVERIFY(lwtest::runUntil(t.loop, [&] { return !t.server.handlers.empty(); }, t.backend));
    t.loop.loop(0.01, t.backend, 5);
    QCOMPARE(t.server.probe.n("error"), 0);
    QCOMPARE(t.server.handlers.size(), std::size_t{1});
    Probe& h = *t.server.handlers[0];
    QVERIFY(!connectedAtStart);  // getpeername: ENOTCONN
    QVERIFY(h.addr.isEmpty());
    QCOMPARE(h.n("error"), 0);
    QCOMPARE(h.n("close"), 1);
    QCOMPARE(t.loop.get(h.fileno()), nullptr);
}

// =================================================================================
// Read / write / close / error through the loop
// =================================================================================

void TestDispatcherLoop::handleRead() {
    // test_handle_read: handle_read is called on data received.
    ServedLoop t;
    t.server.configure = [](Probe& h) {
        h.writableFn = [] { return false; };
        h.send(std::string(1024, 'x'));
    };
    Probe client(&t.loop);
    connectTo(client, t.server.address);
    std::string got;
    client.onRead = [&] { got += client.recv(4096); };
    QVERIFY(lwtest::runUntil(t.loop, [&] { return got.size() >= 1024; }, t.backend));
    QCOMPARE(got, std::string(1024, 'x'));
    QCOMPARE(client.n("error"), 0);
}

void TestDispatcherLoop::handleWrite() {
    // test_handle_write: a connected dispatcher is writable by default (W4).
    ServedLoop t;
    Probe client(&t.loop);
    connectTo(client, t.server.address);
    QVERIFY(lwtest::runUntil(t.loop, [&] { return client.n("write") > 0; }, t.backend));
    QCOMPARE(client.n("connect"), 1);  // E2: connect event first, then handle_write
    QCOMPARE(client.n("error"), 0);
}

void TestDispatcherLoop::handleClose() {
    // test_handle_close (and L9): the peer closes; a recv() returns b'' and
    // handle_close runs exactly once.
    ServedLoop t;
    t.server.configure = [](Probe& h) { h.close(); };
    Probe client(&t.loop);
    client.createSocket(t.family);
    client.writableFn = [&] { return !client.connected; };
    client.onRead = [&] { (void)client.recv(1024); };
    client.onClose = [&] { client.close(); };
    client.connect(t.server.address);
    QVERIFY(lwtest::runUntil(t.loop, [&] { return client.n("close") > 0; }, t.backend));
    t.loop.loop(0.01, t.backend, 3);
    QCOMPARE(client.n("close"), 1);
    QCOMPARE(client.n("error"), 0);
    QVERIFY(!client.connected);
    QCOMPARE(t.loop.get(client.fileno()), nullptr);
}

void TestDispatcherLoop::handleCloseAfterConnBroken() {
    // test_handle_close_after_conn_broken (bpo-5661, bpo-11265): sending to a
    // connection the peer has closed gives ECONNRESET/EPIPE, which closes the
    // channel instead of raising.
    const std::string data(128, '\0');
    ServedLoop t;
    t.server.configure = [&data](Probe& h) {
        h.writableFn = [] { return false; };
        h.onRead = [&h, &data] {
            (void)h.recv(data.size());
            h.close();
        };
    };
    Probe client(&t.loop);
    client.createSocket(t.family);
    bool flag = false;
    client.onWrite = [&] { (void)client.send(data); };
    client.onClose = [&] {
        flag = true;
        client.close();
    };
    client.onExpt = client.onClose;
    client.connect(t.server.address);
    QVERIFY(lwtest::runUntil(t.loop, [&] { return flag; }, t.backend));
    QCOMPARE(client.n("error"), 0);
    QCOMPARE(t.server.probe.n("error"), 0);
    QCOMPARE(client.n("close") + client.n("expt"), 1);
}

#if !defined(_WIN32)
void TestDispatcherLoop::handleExpt() {
    // test_handle_expt / E6: out-of-band data reaches handle_expt (SO_ERROR 0).
    ServedLoop t;
    t.server.configure = [](Probe& h) {
        h.writableFn = [] { return false; };
        const char oob = '\xf4';
        QCOMPARE(::send(h.socketHandle(), &oob, 1, MSG_OOB), ssize_t{1});
    };
    Probe client(&t.loop);
    client.createSocket(t.family);
    client.writableFn = [&] { return !client.connected; };
    char got = 0;
    client.onExpt = [&] { (void)::recv(client.socketHandle(), &got, 1, MSG_OOB); };
    client.connect(t.server.address);
    QVERIFY(lwtest::runUntil(t.loop, [&] { return client.n("expt") > 0; }, t.backend));
    QCOMPARE(got, '\xf4');
    QCOMPARE(client.n("close"), 0);
    QCOMPARE(client.n("error"), 0);
}

void TestDispatcherLoop::defaultHandleExptFiresAgain() {
    // E7: the default handle_expt does not read the OOB byte, so the
    // condition is reported again on every pass.
    QFETCH_GLOBAL(Backend, backend);
    Loop loop;
    auto [c, s] = tcpPair(engine::kAfInet);
    Probe d(std::move(s), &loop);
    d.writableFn = [] { return false; };
    const char oob = '!';
    QCOMPARE(::send(c.get(), &oob, 1, MSG_OOB), ssize_t{1});
    QVERIFY(waitFd(d.socketHandle(), POLLPRI));
    loop.loop(0.05, backend, 3);
    QCOMPARE(d.n("expt"), 3);
    QCOMPARE(d.n("read"), 0);
    QCOMPARE(d.logs.size(), std::size_t{3});
    QCOMPARE(d.logs[0], (std::pair<std::string, std::string>{"warning", "unhandled incoming priority event"}));
}
#endif

void TestDispatcherLoop::handleErrorInsideCatch() {
    // test_handle_error + E8: handle_error runs inside the except block, so
    // the exception can be re-raised and inspected there.
    ServedLoop t;
    Probe client(&t.loop);
    client.createSocket(t.family);
    client.onWrite = [] { throw std::domain_error("float division by zero"); };
    bool flag = false;
    bool rightType = false;
    client.onError = [&] {
        flag = true;
        try {
            throw;  // Python's bare `raise`
        } catch (const std::domain_error& e) {
            rightType = std::string(e.what()) == "float division by zero";
        } catch (...) {
        }
    };
    client.connect(t.server.address);
    QVERIFY(lwtest::runUntil(t.loop, [&] { return flag; }, t.backend));
    QVERIFY(rightType);
    QVERIFY(client.lastError != nullptr);
}

void TestDispatcherLoop::defaultHandleErrorLogsAndCloses() {
    // E8: the default handle_error logs with type "error" (the channel's repr
    // and the exception text) and then calls handle_close.
    QFETCH_GLOBAL(Backend, backend);
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Probe d(std::move(a), &loop);
    d.writableFn = [] { return false; };
    d.onRead = [] { throw std::runtime_error("I don't like spam!"); };
    const std::string repr = d.repr();
    QVERIFY(rawSend(b.get(), "x") == 1);
    loop.loop(0.05, backend, 2);
    QCOMPARE(d.n("read"), 1);
    QCOMPARE(d.n("error"), 1);
    QCOMPARE(d.n("close"), 1);
    QVERIFY(loop.empty());
    // logs: the error line, then the default handle_close's warning
    QCOMPARE(d.logs.size(), std::size_t{2});
    QCOMPARE(d.logs[0].first, std::string("error"));
    QVERIFY2(d.logs[0].second.find("I don't like spam!") != std::string::npos, d.logs[0].second.c_str());
    QVERIFY2(d.logs[0].second.find(repr) != std::string::npos, d.logs[0].second.c_str());
    QCOMPARE(d.logs[1], (std::pair<std::string, std::string>{"warning", "unhandled close event"}));
}

void TestDispatcherLoop::connectionAttributes() {
    // test_connection_attributes + D13: connected/accepting through a
    // connection's life.
    ServedLoop t;
    t.server.configure = [](Probe& h) { h.writableFn = [] { return false; }; };
    Probe client(&t.loop);
    client.createSocket(t.family);
    client.writableFn = [&] { return !client.connected; };
    client.connect(t.server.address);
    QVERIFY(!t.server.probe.connected);
    QVERIFY(t.server.probe.accepting);
    QVERIFY(!client.accepting);

    QVERIFY(lwtest::runUntil(t.loop, [&] { return client.connected && !t.server.handlers.empty(); }, t.backend));
    QVERIFY(!t.server.probe.connected);
    QVERIFY(t.server.probe.accepting);
    QVERIFY(client.connected);
    QVERIFY(!client.accepting);

    client.close();
    QVERIFY(!t.server.probe.connected);
    QVERIFY(t.server.probe.accepting);
    QVERIFY(!client.connected);
    QVERIFY(!client.accepting);

    t.server.probe.close();
    QVERIFY(!t.server.probe.connected);
    QVERIFY(!t.server.probe.accepting);
    QCOMPARE(client.n("close"), 0);  // close() never calls handle_close
    QCOMPARE(t.server.probe.n("close"), 0);
}

// =================================================================================
// send / recv / close
// =================================================================================

void TestDispatcher::sendWouldBlockReturnsZero() {
    // D10: EWOULDBLOCK → 0, nothing else happens.
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Probe d(std::move(a), &loop);
    const std::string chunk(65536, 'z');
    std::size_t total = 0;
    int zeros = 0;
    for (int i = 0; i < 10000 && zeros == 0; ++i) {
        const std::size_t n = d.send(chunk);
        total += n;
        zeros += n == 0 ? 1 : 0;
    }
    QCOMPARE(zeros, 1);
    QVERIFY(total > 0);
    QCOMPARE(d.n("close"), 0);
    QVERIFY(d.connected);
}

void TestDispatcher::sendDisconnectCallsHandleClose() {
    // D10: a disconnect errno (EPIPE here) calls handle_close and returns 0.
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Probe d(std::move(a), &loop);
    b.reset();
    QCOMPARE(d.send("data"), std::size_t{0});
    QCOMPARE(d.n("close"), 1);
    QCOMPARE(d.n("error"), 0);
    QVERIFY(loop.empty());  // the default handle_close closed it
}

void TestDispatcher::sendOtherErrorThrows() {
    // D10: anything else is re-raised. A failed connect leaves ECONNREFUSED
    // pending; send() reports it (CPython: verified).
    RefusingPort refusing(engine::kAfInet);
    Loop loop;
    Probe d(&loop);
    QVERIFY(connectRefused(d, refusing));
    QVERIFY(thrownBy([&] { (void)d.send("x"); }) == std::errc::connection_refused);
    QCOMPARE(d.n("close"), 0);
}

void TestDispatcher::recvReturnsData() {
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Probe d(std::move(a), &loop);
    QCOMPARE(rawSend(b.get(), "hello world"), std::size_t{11});
    QVERIFY(waitFd(d.socketHandle(), POLLIN));
    QCOMPARE(d.recv(5), std::string("hello"));
    char buf[64];
    QCOMPARE(d.recv(buf, sizeof buf), std::size_t{6});
    QCOMPARE(std::string(buf, 6), std::string(" world"));
    QCOMPARE(d.n("close"), 0);
}

void TestDispatcher::recvEofCallsHandleClose() {
    // D11: recv() gets b'' → handle_close() first, then b'' is returned.
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Probe d(std::move(a), &loop);
    bool connectedDuringClose = false;
    d.onClose = [&] {
        connectedDuringClose = d.connected;
        d.close();
    };
    b.reset();
    QCOMPARE(d.recv(100), std::string());
    QCOMPARE(d.n("close"), 1);
    QVERIFY(connectedDuringClose);  // handle_close ran before anything else reset state
    QVERIFY(loop.empty());
}

void TestDispatcher::recvResetCallsHandleClose() {
    // D11: ECONNRESET (a disconnect errno) → handle_close(), b''.
    auto [c, s] = tcpPair(engine::kAfInet);
    Loop loop;
    Probe d(std::move(s), &loop);
    abortSocket(c);
    QVERIFY(waitFd(d.socketHandle(), POLLIN));
    QCOMPARE(d.recv(100), std::string());
    QCOMPARE(d.n("close"), 1);
    QCOMPARE(d.n("error"), 0);
}

void TestDispatcher::recvWouldBlockThrows() {
    // D11: EWOULDBLOCK is re-raised by dispatcher.recv (only async_chat
    // ignores it): a plain dispatcher gets handle_error on a spurious wakeup.
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Probe d(std::move(a), &loop);
    const std::optional<std::error_code> e = thrownBy([&] { (void)d.recv(10); });
    QVERIFY(e && sockops::isWouldBlock(*e));
    QCOMPARE(d.n("close"), 0);
    QVERIFY(d.connected);
}

void TestDispatcher::recvOtherErrorThrows() {
    // D11: other errors re-raise (ECONNREFUSED pending after a failed connect).
    RefusingPort refusing(engine::kAfInet);
    Loop loop;
    Probe d(&loop);
    QVERIFY(connectRefused(d, refusing));
    QVERIFY(thrownBy([&] { (void)d.recv(10); }) == std::errc::connection_refused);
    QCOMPARE(d.n("close"), 0);
}

void TestDispatcher::disconnectErrnoSet() {
    // D12: _DISCONNECTED = {ECONNRESET, ENOTCONN, ESHUTDOWN, ECONNABORTED,
    // EPIPE, EBADF}; ETIMEDOUT, ECONNREFUSED, EHOSTUNREACH are not in it.
    using std::errc;
    for (errc e : {errc::connection_reset, errc::not_connected, errc::connection_aborted, errc::broken_pipe,
                   errc::bad_file_descriptor})
        QVERIFY2(sockops::isDisconnect(std::make_error_code(e)), std::make_error_code(e).message().c_str());
#if defined(ESHUTDOWN)
    QVERIFY(sockops::isDisconnect(std::error_code(ESHUTDOWN, std::generic_category())));
    QVERIFY(sockops::isDisconnect(std::error_code(ESHUTDOWN, std::system_category())));
#endif
    for (errc e : {errc::timed_out, errc::connection_refused, errc::host_unreachable,
                   errc::operation_would_block, errc::too_many_files_open, errc::interrupted})
        QVERIFY2(!sockops::isDisconnect(std::make_error_code(e)), std::make_error_code(e).message().c_str());
}

void TestDispatcher::closeResetsStateAndIsIdempotent() {
    // D13: close() clears connected/accepting/connecting, leaves the map,
    // closes the socket, never calls handle_close, and may be repeated.
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Probe d(std::move(a), &loop);
    const NativeSocket fd = d.fileno();
    d.accepting = true;
    d.connecting = true;
    QVERIFY(d.connected);
    d.close();
    QVERIFY(!d.connected);
    QVERIFY(!d.accepting);
    QVERIFY(!d.connecting);
    QVERIFY(loop.empty());
    QCOMPARE(d.fileno(), engine::kInvalidSocket);
#if !defined(_WIN32)
    QVERIFY(!fdIsOpen(fd));
#else
    (void)fd;
#endif
    d.close();
    QCOMPARE(d.n("close"), 0);
    QVERIFY(waitFd(b.get(), POLLIN));
    QCOMPARE(rawRecvNow(b.get()), std::string());  // the peer sees EOF
}

void TestDispatcher::closeWithoutSocket() {
    Loop loop;
    Probe d(&loop);
    d.close();
    d.close();
    QVERIFY(loop.empty());
    QCOMPARE(d.n("close"), 0);
}

// =================================================================================
// Event layer
// =================================================================================

void TestDispatcher::handleReadEventBranches() {
    // E1: accepting → handle_accept; not connected → (connect event if
    // connecting) + handle_read; connected → handle_read.
    Loop loop;
    Journal j;
    {
        Probe d(&loop, &j, "acc");
        listenOnLoopback(d);
        d.onAccept = [] {};
        d.handleReadEvent();
    }
    const auto read = &Probe::handleReadEvent;
    QVERIFY(eventOnSocket(loop, j, "conn", false, true, read).first);
    QVERIFY(!eventOnSocket(loop, j, "udp", false, false, read).first);  // neither connected nor connecting
    eventOnSocket(loop, j, "up", true, true, read);                      // connecting ignored once connected
    QCOMPARE(j, (Journal{"acc:accept", "conn:connect", "conn:read", "udp:read", "up:read"}));
}

void TestDispatcher::handleWriteEventBranches() {
    // E2: accepting → ignored; connecting → connect event, then handle_write;
    // otherwise handle_write.
    Loop loop;
    Journal j;
    {
        Probe d(&loop, &j, "acc");
        listenOnLoopback(d);
        d.handleWriteEvent();
    }
    const auto write = &Probe::handleWriteEvent;
    const auto [connected, connecting] = eventOnSocket(loop, j, "conn", false, true, write);
    QVERIFY(connected);
    QVERIFY(!connecting);
    eventOnSocket(loop, j, "idle", false, false, write);
    eventOnSocket(loop, j, "up", true, false, write);
    QCOMPARE(j, (Journal{"conn:connect", "conn:write", "idle:write", "up:write"}));
}

void TestDispatcher::handleExptEventBranches() {
    // E6: SO_ERROR == 0 → handle_expt; != 0 → handle_close.
    Loop loop;
    Probe ok(&loop);
    ok.createSocket();
    ok.onExpt = [] {};
    ok.handleExptEvent();
    QCOMPARE(ok.n("expt"), 1);
    QCOMPARE(ok.n("close"), 0);

    RefusingPort refusing(engine::kAfInet);
    Probe bad(&loop);
    QVERIFY(connectRefused(bad, refusing));
    bad.handleExptEvent();
    QCOMPARE(bad.n("expt"), 0);
    QCOMPARE(bad.n("close"), 1);
}

void TestDispatcher::unhandledHooksWarn() {
    // test_unhandled through logInfo: the default hooks log "warning" lines.
    Loop loop;
    Probe d(&loop);
    d.engine::Dispatcher::handleExpt();
    d.engine::Dispatcher::handleRead();
    d.engine::Dispatcher::handleWrite();
    d.engine::Dispatcher::handleConnect();
    d.engine::Dispatcher::handleClose();
    using L = std::pair<std::string, std::string>;
    QCOMPARE(d.logs, (std::vector<L>{{"warning", "unhandled incoming priority event"},
                                     {"warning", "unhandled read event"},
                                     {"warning", "unhandled write event"},
                                     {"warning", "unhandled connect event"},
                                     {"warning", "unhandled close event"}}));
}

// =================================================================================
// repr and logging
// =================================================================================

void TestDispatcher::reprForms() {
    // D15 / test_repr: "<Class [listening|connected] host:port at 0x…>", with
    // 0x… the object's address (Python: id(self)).
    Loop loop;
    engine::Dispatcher plain(&loop);
    const QString r = QString::fromStdString(plain.repr());
    const QRegularExpression shape(QStringLiteral("^<Dispatcher at 0x([0-9a-f]+)>$"));
    const auto m = shape.match(r);
    QVERIFY2(m.hasMatch(), qPrintable(r));
    bool ok = false;
    QCOMPARE(m.captured(1).toULongLong(&ok, 16), static_cast<qulonglong>(reinterpret_cast<quintptr>(&plain)));
    QVERIFY(ok);

    Probe l(&loop);
    l.createSocket();
    l.listen(5);  // accepting but addr is None: no "listening"
    QVERIFY(QString::fromStdString(l.repr()).startsWith("<Probe at 0x"));
    l.close();
    listenOnLoopback(l);
    QVERIFY2(QString::fromStdString(l.repr()).startsWith("<Probe listening 127.0.0.1:0 at 0x"), l.repr().c_str());

    Server server(loop, engine::kAfInet);
    Probe c(&loop);
    connectTo(c, server.address);
    QVERIFY(lwtest::runUntil(loop, [&] { return c.connected; }));
    const std::string hostPort = "127.0.0.1:" + std::to_string(server.address.port());
    QVERIFY2(c.repr().rfind("<Probe connected " + hostPort + " at 0x", 0) == 0, c.repr().c_str());
    c.close();
    QVERIFY2(c.repr().rfind("<Probe " + hostPort + " at 0x", 0) == 0, c.repr().c_str());  // addr is kept
}

#if !defined(_WIN32)
void TestDispatcher::logGoesToStderr() {
    // test_log: log(msg) writes "log: msg" to stderr.
    engine::Dispatcher d(nullptr);
    const std::string out = captureFd(2, [&] {
        d.log("Lovely spam! Wonderful spam!");
        d.log("I don't like spam!");
    });
    QCOMPARE(out, std::string("log: Lovely spam! Wonderful spam!\nlog: I don't like spam!\n"));
}

void TestDispatcher::logInfoGoesToStdout() {
    // test_log_info: log_info(msg, type='info') prints "type: msg" to stdout.
    engine::Dispatcher d(nullptr);
    const std::string out = captureFd(1, [&] {
        d.logInfo("Have you got anything without spam?", "EGGS");
        d.logInfo("Why can't she have egg bacon spam and sausage?");
        d.logInfo("THAT'S got spam in it!", "SPAM");
        d.logInfo("not shown", "warning");  // ignore_log_types = {'warning'}
    });
    QCOMPARE(out, std::string("EGGS: Have you got anything without spam?\n"
                              "info: Why can't she have egg bacon spam and sausage?\n"
                              "SPAM: THAT'S got spam in it!\n"));
    d.ignoreLogTypes = {"info"};
    const std::string out2 = captureFd(1, [&] {
        d.logInfo("hidden");
        d.logInfo("shown", "warning");
    });
    QCOMPARE(out2, std::string("warning: shown\n"));
}

void TestDispatcher::unhandledGoesToStdoutOnlyWhenNotIgnored() {
    // test_unhandled: with ignore_log_types emptied the default hooks print
    // their warnings; by default they are silent (D16).
    engine::Dispatcher quiet(nullptr);
    QCOMPARE(captureFd(1, [&] {
                 quiet.handleExpt();
                 quiet.handleRead();
                 quiet.handleWrite();
                 quiet.handleConnect();
             }),
             std::string());
    engine::Dispatcher d(nullptr);
    d.ignoreLogTypes.clear();
    const std::string out = captureFd(1, [&] {
        d.handleExpt();
        d.handleRead();
        d.handleWrite();
        d.handleConnect();
    });
    QCOMPARE(out, std::string("warning: unhandled incoming priority event\n"
                              "warning: unhandled read event\n"
                              "warning: unhandled write event\n"
                              "warning: unhandled connect event\n"));
}

void TestDispatcher::defaultHandleErrorPrintsErrorLine() {
    // E8/D16: the default handle_error's line (type "error") is not ignored,
    // so it reaches stdout; the default handle_close's warning does not.
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    engine::Dispatcher d(std::move(a), &loop);
    const std::string out = captureFd(1, [&] {
        try {
            throw std::runtime_error("spam, spam, spam");
        } catch (...) {
            d.handleError();
        }
    });
    QVERIFY2(QString::fromStdString(out).startsWith("error: "), out.c_str());
    QVERIFY2(out.find("spam, spam, spam") != std::string::npos, out.c_str());
    QCOMPARE(std::count(out.begin(), out.end(), '\n'), std::ptrdiff_t{1});
    QVERIFY(loop.empty());  // handle_close → close
}
#endif

void TestDispatcher::tapHearsWhatTheDispatcherDoes() {
    // Off by default: no tap, no registry.
    engine::Loop loop;
    QVERIFY(loop.registry() == nullptr);
    tapping::Registry registry;
    loop.setRegistry(&registry);
    auto [mine, theirs] = lwtest::socketPair();
    tapping::RecordingTap tap;
    {
        tapping::Liner chat(std::move(mine), &loop);
        QVERIFY(chat.tap() == nullptr);
        QCOMPARE(registry.adds, 1);
        chat.setTap(&tap);
        chat.setTerminator("\n");
        chat.acInBufferSize = 3;
        std::error_code ec;
        engine::sockops::send(theirs.get(), "ab\ncd", 5, ec);
        QVERIFY(lwtest::runUntil(loop, [&] { return std::count(tap.heard.begin(), tap.heard.end(), "found") == 1 &&
                                                   std::find(tap.heard.begin(), tap.heard.end(), "sent:ok\n") !=
                                                       tap.heard.end(); }));
        engine::sockops::shutdownWrite(theirs.get(), ec);
        QVERIFY(lwtest::runUntil(loop, [&] { return !tap.heard.empty() && tap.heard.back() == "closed"; }));
        QCOMPARE(registry.removals, 1);
    }
    // recv() in pieces of 3, the line framed, the answer sent, the peer's EOF, the close, then the end.
    const std::vector<std::string> expected{"recv:ab\n", "collect:ab", "found", "sent:ok\n", "recv:cd",
                                            "collect:cd", "recv:", "closed", "destroyed"};
    QCOMPARE(tap.heard, expected);
    loop.setRegistry(nullptr);
}

namespace {
// Whether the command line names test functions (Qt Test's `name` or
// `name:tag` arguments) and `test` has none of them: then it sits this run out.
bool namesOnlyOthers(const QObject& test, int argc, char** argv) {
    static const QStringList withValue{"-o", "-maxwarnings", "-eventdelay", "-keydelay", "-mousedelay",
                                       "-iterations", "-median", "-minimumvalue", "-minimumtotal", "-seed",
                                       "-platform"};
    bool named = false;
    for (int i = 1; i < argc; ++i) {
        const QString a = QString::fromLocal8Bit(argv[i]);
        if (a.startsWith('-') || withValue.contains(QString::fromLocal8Bit(argv[i - 1]))) continue;
        named = true;
        const QByteArray fn = a.section(':', 0, 0).toLatin1() + "()";
        if (test.metaObject()->indexOfMethod(fn.constData()) >= 0) return false;
    }
    return named;
}
}  // namespace

// Two test objects in one run: TestDispatcher once, TestDispatcherLoop once
// per backend. Test functions named on the command line run in the object
// that has them.
int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    TestDispatcher once;
    TestDispatcherLoop perBackend;
    int failed = 0;
    for (QObject* test : {static_cast<QObject*>(&once), static_cast<QObject*>(&perBackend)})
        if (!namesOnlyOthers(*test, argc, argv)) failed += QTest::qExec(test, argc, argv);
    return failed;
}

#include "tst_Dispatcher.moc"
