// tst_DispatcherWithSend.cpp — engine::DispatcherWithSend against
// asyncore.dispatcher_with_send (conformance items F1–F4), including the port
// of test_asyncore's DispatcherWithSendTests.test_send: a client that never
// reads sends its data twice and a newline to a capture server, which must
// receive the data twice. Runs for select, poll and epoll, IPv4 and IPv6.
#include "SocketTestSupport.h"
#include "TestSupport.h"

#include "engine/net/Address.h"
#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/DispatcherWithSend.h"
#include "engine/asyncore/Loop.h"
#include "engine/net/Socket.h"
#include "engine/net/SocketOps.h"

#include <QTest>

#include <algorithm>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <poll.h>
#endif


namespace {

using namespace lwtest;

using engine::DispatcherWithSend;

/// Reads what is there now (the socketpair peers are blocking: make it not).
std::string drain(NativeSocket s) {
    std::error_code nb;
    sockops::setNonBlocking(s, true, nb);
    std::string out;
    char buf[65536];
    for (;;) {
        std::error_code ec;
        const std::size_t n = sockops::recv(s, buf, sizeof buf, ec);
        if (ec || n == 0) return out;
        out.append(buf, n);
    }
}

/// dispatcher_with_send that records logs, closes and every low-level send.
class Sender : public DispatcherWithSend {
public:
    explicit Sender(Loop* map) : DispatcherWithSend(map) {}
    Sender(Socket s, Loop* map) : DispatcherWithSend(std::move(s), map) {}

    bool reads = true;
    int closes = 0;
    int errors = 0;
    int connects = 0;
    std::vector<std::size_t> rawSends;  // length asked of each socket send
    std::vector<std::pair<std::string, std::string>> logs;

    bool readable() override { return reads; }
    void handleConnect() override { ++connects; }
    void handleRead() override {}
    void handleClose() override {
        ++closes;
        DispatcherWithSend::handleClose();
    }
    void handleError() override {
        ++errors;
        DispatcherWithSend::handleError();
    }
    void logInfo(std::string_view message, std::string_view type = "info") override {
        logs.emplace_back(std::string(type), std::string(message));
    }

protected:
    std::size_t rawSend(const void* data, std::size_t len, std::error_code& ec) override {
        rawSends.push_back(len);
        return DispatcherWithSend::rawSend(data, len, ec);
    }
};

/// The capture server of test_asyncore: accepts one connection and keeps
/// everything except newlines until a newline arrives.
class CaptureConn : public engine::Dispatcher {
public:
    CaptureConn(Socket s, Loop* map) : Dispatcher(std::move(s), map) {}
    std::string captured;
    bool done = false;
    bool writable() override { return false; }
    void handleRead() override {
        const std::string data = recv(10);
        for (char c : data) {
            if (c == '\n')
                done = true;
            else
                captured += c;
        }
        if (done) close();
    }
    void handleClose() override { close(); }
};

class CaptureServer : public engine::Dispatcher {
public:
    CaptureServer(Loop* map, int family) : Dispatcher(map) {
        createSocket(family);
        setReuseAddr();
        bind(Address::loopback(family, 0));
        listen(5);
        std::error_code ec;
        address = sockops::localAddress(socketHandle(), ec);
    }
    Address address;
    std::unique_ptr<CaptureConn> conn;
    void handleAccepted(Socket sock, const Address&) override {
        conn = std::make_unique<CaptureConn>(std::move(sock), &map());
        close();  // one connection, like capture_server
    }
};

/// Reads everything that arrives.
class Reader : public engine::Dispatcher {
public:
    Reader(Socket s, Loop* map) : Dispatcher(std::move(s), map) {}
    std::string got;
    bool writable() override { return false; }
    void handleRead() override { got += recv(65536); }
    void handleClose() override { close(); }
};

}  // namespace

class TestDispatcherWithSend : public QObject {
    Q_OBJECT

private slots:
    void startsEmptyAndWritableFollowsState();
    void sendQueuesThenSendsAtOnce();
    void debugLogsWhatIsSent();
    void initiateSendMakesOneBoundedSend();
    void initiateSendIgnoresConnectionState();
    void handleWriteIsInitiateSend();
    void sendToClosedPeerCloses();
    void captureServerGetsDataTwice_data() { backendFamilyRows(); }
    void captureServerGetsDataTwice();
    void largePayloadArrivesInOrder_data() { backendRows(); }
    void largePayloadArrivesInOrder();
};

void TestDispatcherWithSend::startsEmptyAndWritableFollowsState() {
    // F1: out_buffer starts empty. F3: writable() is (not connected) or
    // len(out_buffer).
    Loop loop;
    Sender d(&loop);
    QVERIFY(d.outBuffer.empty());
    QVERIFY(!d.connected);
    QVERIFY(d.writable());  // not connected
    d.connected = true;
    QVERIFY(!d.writable());  // connected, nothing queued
    d.outBuffer = "x";
    QVERIFY(d.writable());
    d.connected = false;
    QVERIFY(d.writable());
    static_assert(std::is_void_v<decltype(d.send(std::string_view()))>, "send() returns None");
    QCOMPARE(DispatcherWithSend::kSendChunk, std::size_t{65536});
}

void TestDispatcherWithSend::sendQueuesThenSendsAtOnce() {
    // F1: send(data) appends and calls initiate_send() at once.
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Sender d(std::move(a), &loop);
    d.send("hello ");
    QVERIFY(d.outBuffer.empty());
    QCOMPARE(d.rawSends, std::vector<std::size_t>{6});
    d.send("world");
    QCOMPARE(d.rawSends, (std::vector<std::size_t>{6, 5}));
    QVERIFY(waitFd(b.get(), POLLIN));
    QCOMPARE(drain(b.get()), std::string("hello world"));
    QVERIFY(d.logs.empty());  // debug is off
}

void TestDispatcherWithSend::debugLogsWhatIsSent() {
    // F1: with debug set, send() logs the data (type 'info').
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Sender d(std::move(a), &loop);
    d.debug = true;
    d.send("spam");
    QCOMPARE(d.logs.size(), std::size_t{1});
    QCOMPARE(d.logs[0].first, std::string("info"));
    QVERIFY2(d.logs[0].second.rfind("sending ", 0) == 0, d.logs[0].second.c_str());
    QVERIFY(d.logs[0].second.find("spam") != std::string::npos);
}

void TestDispatcherWithSend::initiateSendMakesOneBoundedSend() {
    // F2: one dispatcher.send(out_buffer[:65536]) per initiate_send; what was
    // sent is dropped from the front.
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Sender d(std::move(a), &loop);
    std::string payload(200000, '\0');
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
    d.send(payload);
    QCOMPARE(d.rawSends, std::vector<std::size_t>{65536});
    const std::size_t firstSent = payload.size() - d.outBuffer.size();
    QVERIFY(firstSent > 0 && firstSent <= 65536);
    QCOMPARE(d.outBuffer, payload.substr(firstSent));
    std::string received;
    for (int i = 0; i < 1000 && !d.outBuffer.empty(); ++i) {
        received += drain(b.get());
        const std::size_t before = d.rawSends.size();
        const std::size_t queued = d.outBuffer.size();
        d.initiateSend();
        QCOMPARE(d.rawSends.size(), before + 1);
        QCOMPARE(d.rawSends.back(), std::min<std::size_t>(queued, 65536));
    }
    QVERIFY(d.outBuffer.empty());
    QVERIFY(waitFd(b.get(), POLLIN));
    received += drain(b.get());
    QCOMPARE(received.size(), payload.size());
    QVERIFY(received == payload);
}

void TestDispatcherWithSend::initiateSendIgnoresConnectionState() {
    // F2/F4: initiate_send runs whatever the connection state; on a socket
    // that was never connected Linux answers EPIPE → handle_close
    // (CPython: verified). The data stays queued.
    Loop loop;
    Sender d(&loop);
    d.createSocket();
    d.send("x");
    QCOMPARE(d.rawSends, std::vector<std::size_t>{1});
#if defined(__linux__)
    QCOMPARE(d.closes, 1);
    QCOMPARE(d.errors, 0);
    QVERIFY(loop.empty());
#endif
    QCOMPARE(d.outBuffer, std::string("x"));
}

void TestDispatcherWithSend::handleWriteIsInitiateSend() {
    // F3: handle_write() is initiate_send().
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Sender d(std::move(a), &loop);
    d.outBuffer = "queued";
    d.handleWrite();
    QVERIFY(d.outBuffer.empty());
    QCOMPARE(d.rawSends, std::vector<std::size_t>{6});
    QVERIFY(waitFd(b.get(), POLLIN));
    QCOMPARE(drain(b.get()), std::string("queued"));
    d.handleWrite();  // empty buffer: still one send of b''
    QCOMPARE(d.rawSends, (std::vector<std::size_t>{6, 0}));
}

void TestDispatcherWithSend::sendToClosedPeerCloses() {
    // D10 through F2: EPIPE/ECONNRESET on send → handle_close, no error.
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Sender d(std::move(a), &loop);
    b.reset();
    d.send("lost");
    QCOMPARE(d.closes, 1);
    QCOMPARE(d.errors, 0);
    QVERIFY(loop.empty());
}

void TestDispatcherWithSend::captureServerGetsDataTwice() {
    // F3 / test_send: a dispatcher_with_send that never reads connects, sends
    // data, data and "\n"; the capture server gets data*2.
    QFETCH(Backend, backend);
    QFETCH(int, family);
    const std::string data = "Suppose there isn't a 16-ton weight?";
    Loop loop;
    CaptureServer server(&loop, family);
    Sender d(&loop);
    d.reads = false;  // dispatcherwithsend_noread
    d.createSocket(family);
    d.connect(server.address);
    QVERIFY(lwtest::runUntil(loop, [&] { return d.connected && server.conn; }, backend));
    QCOMPARE(d.connects, 1);
    d.send(data);
    d.send(data);
    d.send("\n");
    QVERIFY(lwtest::runUntil(loop, [&] { return d.outBuffer.empty() && server.conn->done; }, backend));
    QCOMPARE(server.conn->captured, data + data);
    QCOMPARE(d.errors, 0);
    QCOMPARE(d.closes, 0);
}

void TestDispatcherWithSend::largePayloadArrivesInOrder() {
    // 1 MiB through the loop: many partial sends, each of at most 65536 bytes.
    QFETCH(Backend, backend);
    auto [a, b] = lwtest::socketPair();
    Loop loop;
    Sender d(std::move(a), &loop);
    d.reads = false;
    Reader r(std::move(b), &loop);
    std::string payload(1 << 20, '\0');
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7 % 251);
    d.send(payload);
    QVERIFY(lwtest::runUntil(loop, [&] { return r.got.size() >= payload.size(); }, backend));
    QVERIFY(d.outBuffer.empty());
    QVERIFY(r.got == payload);
    QVERIFY(d.rawSends.size() >= 16);
    for (std::size_t n : d.rawSends) QVERIFY(n <= 65536);
    QCOMPARE(d.errors, 0);
}

QTEST_GUILESS_MAIN(TestDispatcherWithSend)
#include "tst_DispatcherWithSend.moc"
