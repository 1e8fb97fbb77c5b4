// tst_DatagramDispatcher.cpp — engine::DatagramDispatcher on loopback, for
// every backend and IPv4 / IPv6: datagrams as messages with their peer,
// byte-exact echo, the largest datagram and a larger one refused, terminator
// framing within a datagram, truncation, ICMP port unreachable as an event,
// multicast and broadcast options. Loops run bounded
// passes until what is awaited has happened; nothing sleeps.
#include "SocketTestSupport.h"
#include "TestSupport.h"

#include "engine/asyncore/DatagramDispatcher.h"
#include "engine/asyncore/Loop.h"
#include "engine/net/Address.h"
#include "engine/net/SocketOps.h"

#include <QTest>

#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace lwtest;
using engine::Address;
using engine::Backend;
using engine::DatagramDispatcher;
using engine::Loop;

struct Message {
    std::string bytes;
    std::string peer;
    bool terminated = false;
};

// Records what arrives; optionally echoes each datagram back to its sender.
class Recorder : public DatagramDispatcher {
public:
    explicit Recorder(Loop* map) : DatagramDispatcher(map) {}
    void handleMessage(std::string_view m, const Datagram& d, bool terminated) override {
        messages.push_back({std::string(m), d.peer.toString(), terminated});
    }
    void handleDatagram(const Datagram& d) override {
        ++datagrams;
        if (echo) queue(d.data, d.peer);
        DatagramDispatcher::handleDatagram(d);
    }
    void handleOversized(const Datagram& d) override { oversized.push_back(d.fullSize); }
    void handleUnreachable(const Address& peer, const std::error_code& ec) override {
        unreachable.push_back(peer.toString() + " " + ec.message());
    }
    void handleDatagramClose() override {
        closedByTrouble = true;
        close();
    }
    bool echo = false;
    int datagrams = 0;
    bool closedByTrouble = false;
    std::vector<Message> messages;
    std::vector<std::size_t> oversized;
    std::vector<std::string> unreachable;
};

Address boundLoopback(DatagramDispatcher& d, int family) {
    d.createDatagramSocket(family);
    d.bind(Address::loopback(family, 0));
    return localOf(d.socketHandle());
}

/// What a case sets up first: its backend (the global row's) and family (its
/// row's, or given), and a server and a client Recorder on their own Loop,
/// both bound on loopback: `at` is the server's address, `from` the client's.
struct BoundPair {
    BoundPair() : BoundPair(rowFamily()) {}
    explicit BoundPair(int f) : family(f), at(boundLoopback(server, f)), from(boundLoopback(client, f)) {}
    Backend backend = rowBackend();
    int family;
    Loop loop;
    Recorder server{&loop}, client{&loop};
    Address at, from;
};

}  // namespace

class TestDatagramDispatcher : public QObject {
    Q_OBJECT
private slots:
    void initTestCase_data() { backendRows(); }

    void messagesCarryTheirPeer_data() { familyRows(); }
    void messagesCarryTheirPeer() {
        BoundPair bound;
        auto& [backend, family, loop, server, client, at, from] = bound;
        QCOMPARE(client.sendTo("one", at), DatagramDispatcher::SendResult::Sent);
        QCOMPARE(client.sendTo("two\nlines\n", at), DatagramDispatcher::SendResult::Sent);
        QCOMPARE(client.sendTo("", at), DatagramDispatcher::SendResult::Sent);  // an empty datagram is one too
        QVERIFY(runUntil(loop, [&] { return server.datagrams == 3; }, backend));
        QCOMPARE(server.messages.size(), std::size_t(3));
        QCOMPARE(server.messages[0].bytes, std::string("one"));
        QCOMPARE(server.messages[1].bytes, std::string("two\nlines\n"));
        QCOMPARE(server.messages[2].bytes, std::string());
        for (const Message& m : server.messages) QCOMPARE(m.peer, from.toString());
    }

    void echoIsByteExact_data() { familyRows(); }
    void echoIsByteExact() {
        BoundPair bound;
        auto& [backend, family, loop, server, client, at, from] = bound;
        server.echo = true;
        client.connectPeer(at);
        std::string all;
        for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
        const std::vector<std::string> sent{all, std::string("\r\n\0x", 4), std::string(1000, '\xff')};
        for (const std::string& s : sent) QCOMPARE(client.queue(s), DatagramDispatcher::SendResult::Sent);
        QVERIFY(runUntil(loop, [&] { return client.messages.size() == sent.size(); }, backend));
        for (std::size_t i = 0; i < sent.size(); ++i) {
            QCOMPARE(client.messages[i].bytes, sent[i]);
            QCOMPARE(client.messages[i].peer, at.toString());
        }
    }

    void largestDatagramAndALargerOne_data() { familyRows(); }
    void largestDatagramAndALargerOne() {
        BoundPair bound;
        auto& [backend, family, loop, server, client, at, from] = bound;
        const std::size_t max = engine::sockops::maxUdpPayload(family);
        QCOMPARE(max, std::size_t(family == engine::kAfInet ? 65507 : 65527));
        std::string big(65507, 'x');
        big[0] = 'a';
        big.back() = 'z';
        QCOMPARE(client.sendTo(big, at), DatagramDispatcher::SendResult::Sent);
        QVERIFY(runUntil(loop, [&] { return server.datagrams == 1; }, backend));
        QCOMPARE(server.messages.at(0).bytes, big);
        QVERIFY(server.oversized.empty());
        // One byte more than the family allows: refused before any system call.
        QCOMPARE(client.sendTo(std::string(max + 1, 'y'), at), DatagramDispatcher::SendResult::TooLarge);
        QCOMPARE(client.queue(std::string(max + 1, 'y'), at), DatagramDispatcher::SendResult::TooLarge);
        QCOMPARE(client.queuedDatagrams(), std::size_t(0));
    }

    void terminatorFramesWithinADatagram() {
        BoundPair bound(engine::kAfInet);
        auto& [backend, family, loop, server, client, at, from] = bound;
        server.setTerminator(engine::Terminator::bytes("\r\n"));
        client.sendTo("a\r\nbb\r\nrest", at);
        client.sendTo("\r\n", at);  // a terminator alone: one empty message
        QVERIFY(runUntil(loop, [&] { return server.datagrams == 2; }, backend));
        QCOMPARE(server.messages.size(), std::size_t(4));
        QCOMPARE(server.messages[0].bytes, std::string("a"));
        QVERIFY(server.messages[0].terminated);
        QCOMPARE(server.messages[1].bytes, std::string("bb"));
        // Nothing carries over to the next datagram: the rest is a message of its own.
        QCOMPARE(server.messages[2].bytes, std::string("rest"));
        QVERIFY(!server.messages[2].terminated);
        QCOMPARE(server.messages[3].bytes, std::string());
        QVERIFY(server.messages[3].terminated);

        server.messages.clear();
        server.setTerminator(engine::Terminator::count(4));
        client.sendTo("abcdefghij", at);
        QVERIFY(runUntil(loop, [&] { return server.datagrams == 3; }, backend));
        QCOMPARE(server.messages.size(), std::size_t(3));
        QCOMPARE(server.messages[2].bytes, std::string("ij"));
        QVERIFY(!server.messages[2].terminated);
    }

    void closedPortIsAnEventNotAClose_data() { familyRows(); }
    void closedPortIsAnEventNotAClose() {
        QFETCH_GLOBAL(Backend, backend);
        QFETCH(int, family);
        Loop loop;
        // A port that was bound and is closed again: nothing listens there.
        Address closedPort;
        {
            Recorder gone(&loop);
            closedPort = boundLoopback(gone, family);
            gone.close();
        }
        Recorder client(&loop);
        boundLoopback(client, family);
        client.connectPeer(closedPort);
        QCOMPARE(client.sendTo("hello?"), DatagramDispatcher::SendResult::Sent);
        QVERIFY(runUntil(loop, [&] { return !client.unreachable.empty(); }, backend));
        QVERIFY2(client.unreachable[0].rfind(closedPort.toString(), 0) == 0, client.unreachable[0].c_str());
        QVERIFY(!client.closedByTrouble);
        QVERIFY(client.socketHandle() != engine::kInvalidSocket);
        // The channel still works: a second try is reported again.
        const auto r = client.sendTo("again?");
        QVERIFY(r == DatagramDispatcher::SendResult::Sent || r == DatagramDispatcher::SendResult::Unreachable);
        QVERIFY(runUntil(loop, [&] { return client.unreachable.size() >= 2; }, backend));
        QVERIFY(!client.closedByTrouble);
    }

    void truncatedDatagramIsReported() {
        LW_BACKEND_INDEPENDENT();
        // A datagram larger than the receive buffer cannot come over UDP/IPv4
        // loopback (65,507 fits); a raw recvFrom with a small buffer shows
        // the same path the dispatcher takes.
        BoundPair bound(engine::kAfInet);
        auto& [backend, family, loop, server, client, at, from] = bound;
        client.sendTo(std::string(100, 'q'), at);
        QVERIFY(waitFd(server.socketHandle(), POLLIN));
        char buf[10];
        bool truncated = false;
        std::size_t full = 0;
        std::error_code ec;
        Address peer;
        const std::size_t n = engine::sockops::recvFrom(server.socketHandle(), buf, sizeof buf, &peer, truncated, full, ec);
        QVERIFY(!ec);
        QCOMPARE(n, sizeof buf);
        QVERIFY(truncated);
#if defined(__linux__)
        QCOMPARE(full, std::size_t(100));
#else
        QVERIFY(full > sizeof buf);
#endif
    }

    void socketOptions_data() { familyRows(); }
    void socketOptions() {
        LW_BACKEND_INDEPENDENT();
        QFETCH(int, family);
        Loop loop;
        Recorder d(&loop);
        d.createDatagramSocket(family);
        d.bind(Address::any(family, 0));
        if (family == engine::kAfInet) {
            d.setBroadcast(true);
            QCOMPARE(intOption(d.socketHandle(), SOL_SOCKET, SO_BROADCAST), 1);
        }
        d.setMulticastTtl(3);
        d.setMulticastLoop(true);
        QVERIFY(engine::sockops::isMulticast(*Address::fromNumeric(family == engine::kAfInet ? "239.1.2.3" : "ff02::1:3", 0)));
        QVERIFY(!engine::sockops::isMulticast(Address::loopback(family, 0)));
        bool threw = false;
        try {
            d.setMulticastTtl(300);
        } catch (const std::system_error&) {
            threw = true;
        }
        QVERIFY(threw);
    }

    void multicastOnLoopback() {
        QFETCH_GLOBAL(Backend, backend);
        // IPv4 multicast over the loopback interface: join on 127.0.0.1, send
        // out of 127.0.0.1 with loop on.
        Loop loop;
        Recorder rx(&loop), tx(&loop);
        rx.createDatagramSocket(engine::kAfInet);
        rx.setReuseAddr();
        rx.bind(Address::any(engine::kAfInet, 0));
        const std::uint16_t port = localOf(rx.socketHandle()).port();
        const Address group = *Address::fromNumeric("239.255.77.1", port);
        const Address lo = Address::loopback(engine::kAfInet, 0);
        try {
            rx.joinGroup(group, lo);
        } catch (const std::system_error& e) {
            QSKIP(qPrintable(QString("cannot join a group on loopback here: ") + e.what()));
        }
        tx.createDatagramSocket(engine::kAfInet);
        tx.setMulticastInterface(lo);
        tx.setMulticastLoop(true);
        tx.setMulticastTtl(0);
        const auto r = tx.sendTo("to the group", group);
        if (r != DatagramDispatcher::SendResult::Sent) QSKIP("multicast send refused on loopback");
        QVERIFY(runUntil(loop, [&] { return rx.datagrams == 1; }, backend, std::chrono::seconds(5)));
        QCOMPARE(rx.messages.at(0).bytes, std::string("to the group"));
        rx.leaveGroup(group, lo);
    }
};

QTEST_GUILESS_MAIN(TestDatagramDispatcher)
#include "tst_DatagramDispatcher.moc"
