// tst_DatagramChannel.cpp — UDP channels in a Reactor (DatagramChannel):
// bound and connected, IPv4 and IPv6, `datagram` events with the peer, echo
// byte-exact, replies to the last sender, PushTo, the largest datagram and a
// larger one refused, a broadcast send refused without SO_BROADCAST (an
// error, the channel open) and sent with it, ICMP port unreachable as a warning that does not close,
// a port in use, terminator framing within a datagram, paced repeats, the
// session format's round trip of the new kinds, and a flood that stays within
// the event backlog. Waits are on events, with deadlines; nothing sleeps.
#include "ReactorTestSupport.h"
#include "SocketTestSupport.h"

#include "engine/capture/EventJson.h"
#include "engine/reactor/EventKinds.h"
#include "engine/reactor/Reactor.h"

#include <QTest>
#include <QThread>

#include <string>

using namespace lwtest;
using engine::ChannelId;
using engine::DatagramOptions;
using engine::EventKind;
using engine::Reactor;
using Mode = engine::cmd::OpenDatagram::Mode;

namespace {
std::uint16_t boundPort(Events& ev, ChannelId id) {
    if (!ev.waitUntil([&] { return ev.find(EventKind::Listening, id) || ev.find(EventKind::Closed, id); })) return 0;
    const auto* e = ev.find(EventKind::Listening, id);
    return e ? static_cast<std::uint16_t>(e->port()) : 0;
}

/// A datagram channel bound on `host`, port 0 (the system picks), and the
/// port its `listening` event reports (0: it closed instead, or no event).
struct Bound {
    ChannelId id;
    std::uint16_t port;
};
Bound bindDatagram(Reactor& r, Events& ev, const std::string& host = "127.0.0.1", const DatagramOptions& o = {}) {
    const ChannelId id = r.openDatagram(Mode::Bind, host, 0, o);
    return {id, boundPort(ev, id)};
}
}  // namespace

class TestDatagramChannel : public QObject {
    Q_OBJECT
private slots:
    void echoBothFamilies_data() { familyRows(); }
    void echoBothFamilies() {
        QFETCH(int, family);
        const std::string host = family == engine::kAfInet6 ? "::1" : "127.0.0.1";
        Reactor r;
        Events ev(r);
        DatagramOptions echo;
        echo.echo = true;
        const auto [server, port] = bindDatagram(r, ev, host, echo);
        QVERIFY(port != 0);
        const ChannelId client = r.openDatagram(Mode::Connect, host, port);
        QVERIFY(ev.waitFor(EventKind::Connected, client));
        std::string all;
        for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
        r.push(client, all);
        r.push(client, "second");
        QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Datagram, client) == 2; }));
        const auto got = ev.of(EventKind::Datagram, client);
        QCOMPARE(got[0]->data, all);
        QCOMPARE(got[1]->data, std::string("second"));
        QCOMPARE(std::string(got[0]->peer()), ev.first(EventKind::Connected, client).info);
        // The server saw the client's address as the sender.
        const auto atServer = ev.of(EventKind::Datagram, server);
        QCOMPARE(atServer.size(), std::size_t(2));
        QCOMPARE(std::string(atServer[0]->peer()), std::string(ev.first(EventKind::Connected, client).local()));
        QCOMPARE(ev.count(EventKind::DatagramSent, server), std::size_t(2));
        r.close(server);
        QVERIFY(ev.waitFor(EventKind::Closed, server));
        const auto* st = ev.first(EventKind::Closed, server).channelState();
        QVERIFY(st);
        QCOMPARE(st->messagesIn, std::uint64_t(2));
        QCOMPARE(st->messagesOut, std::uint64_t(2));
        QCOMPARE(st->bytesIn, std::uint64_t(all.size() + 6));
    }

    void bigDatagramsAndPushTo() {
        Reactor r;
        Events ev(r);
        const auto [server, port] = bindDatagram(r, ev);
        QVERIFY(port != 0);
        const auto [sender, senderPort] = bindDatagram(r, ev);
        QVERIFY(senderPort != 0);
        const std::string to = "127.0.0.1:" + std::to_string(port);
        r.pushTo(sender, std::string(65507, 'M'), to);
        QVERIFY(ev.waitFor(EventKind::Datagram, server));
        QCOMPARE(ev.first(EventKind::Datagram, server).data.size(), std::size_t(65507));
        r.pushTo(sender, std::string(65508, 'M'), to);
        QVERIFY(ev.waitFor(EventKind::Error, sender));
        const std::string msg(ev.first(EventKind::Error, sender).message());
        QVERIFY2(msg.find("65508") != std::string::npos && msg.find("65507") != std::string::npos, msg.c_str());
        QVERIFY(!ev.find(EventKind::Closed, sender));  // the channel stays open
        // The server replies to its last sender with a plain Push.
        r.push(server, "reply");
        QVERIFY(ev.waitFor(EventKind::Datagram, sender));
        QCOMPARE(ev.first(EventKind::Datagram, sender).data, std::string("reply"));
        // A bad destination is an error, not a crash.
        r.pushTo(sender, "x", "not-an-address");
        QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Error, sender) == 2; }));
    }

    void broadcastNeedsSoBroadcast() {
        // Linux refuses a send to a broadcast address (127.255.255.255 is one
        // on lo) without SO_BROADCAST: EACCES, an `error` on the channel, which
        // stays open (before, the exception stopped the whole reactor).
        Reactor r;
        Events ev(r);
        const auto [sink, port] = bindDatagram(r, ev);
        QVERIFY(port != 0);
        const std::string to = "127.255.255.255:" + std::to_string(port);
        const auto [plain, plainPort] = bindDatagram(r, ev);
        QVERIFY(plainPort != 0);
        r.pushTo(plain, "all?", to);
        QVERIFY(ev.waitFor(EventKind::Error, plain));
        const engine::Event& e = ev.first(EventKind::Error, plain);
        const std::string msg(e.message());
        QCOMPARE(e.errorCode(), EACCES);
        QVERIFY2(msg.find("SO_BROADCAST") != std::string::npos && msg.find("127.255.255.255") != std::string::npos,
                 msg.c_str());
        QVERIFY(!ev.find(EventKind::Closed, plain));
        r.pushTo(plain, "you", "127.0.0.1:" + std::to_string(port));
        QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Datagram, sink) == 1; }));
        // With the option the same send leaves.
        DatagramOptions o;
        o.broadcast = true;
        const auto [loud, loudPort] = bindDatagram(r, ev, "127.0.0.1", o);
        QVERIFY(loudPort != 0);
        r.pushTo(loud, "all!", to);
        QVERIFY(ev.waitFor(EventKind::DatagramSent, loud));
        QVERIFY(!ev.find(EventKind::Error, loud));
    }

    void unreachableIsAWarning() {
        Reactor r;
        Events ev(r);
        // A port bound and closed again: nothing listens there.
        const auto [gone, port] = bindDatagram(r, ev);
        QVERIFY(port != 0);
        r.close(gone);
        QVERIFY(ev.waitFor(EventKind::Closed, gone));
        const ChannelId client = r.openDatagram(Mode::Connect, "127.0.0.1", port);
        QVERIFY(ev.waitFor(EventKind::Connected, client));
        r.push(client, "anyone?");
        QVERIFY(ev.waitUntil([&] {
            for (const auto* w : ev.of(EventKind::Warning, client))
                if (w->warningCode() == engine::WarningCode::Unreachable) return true;
            return false;
        }));
        QVERIFY(!ev.find(EventKind::Closed, client));
        r.push(client, "still open");
        QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::DatagramSent, client) >= 1; }));
        QVERIFY(!ev.find(EventKind::Closed, client));
    }

    void portInUse() {
        Reactor r;
        Events ev(r);
        const auto [a, port] = bindDatagram(r, ev);
        QVERIFY(port != 0);
        const ChannelId b = r.openDatagram(Mode::Bind, "127.0.0.1", port);
        QVERIFY(ev.waitFor(EventKind::Closed, b));
        const std::string msg(ev.first(EventKind::Error, b).message());
        QVERIFY2(msg.find("in use") != std::string::npos, msg.c_str());
    }

    void terminatorAndRepeat() {
        Reactor r;
        Events ev(r);
        DatagramOptions lines;
        lines.terminator = engine::Terminator::bytes("\n");
        const auto [server, port] = bindDatagram(r, ev, "127.0.0.1", lines);
        const ChannelId client = r.openDatagram(Mode::Connect, "localhost", port, {}, engine::kAfInet);
        QVERIFY(ev.waitFor(EventKind::Connected, client));
        r.push(client, "a\nb\nc");
        QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Datagram, server) == 3; }));
        const auto got = ev.of(EventKind::Datagram, server);
        QCOMPARE(got[0]->data, std::string("a"));
        QCOMPARE(got[2]->data, std::string("c"));
        QCOMPARE(got[2]->datagramSize(), std::int64_t(5));
        r.pushRepeat(client, "tick", 5, std::chrono::milliseconds(1));
        QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Datagram, server) == 8; }));
        r.pushRepeat(client, "burst", 2000);
        QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::DatagramSent, client) == 2006; }));
    }

    void sessionFormatRoundTrip() {
        engine::Event e;
        e.seq = 7;
        e.kind = EventKind::Datagram;
        e.channel = 3;
        e.data = std::string("a\0b\n", 4);
        e.size = 4;
        e.count = 9;
        e.info = "[::1]:5353";
        const std::string line = engine::eventjson::encodeEvent(e);
        QVERIFY2(line.find("\"event\":\"datagram\"") != std::string::npos, line.c_str());
        QVERIFY2(line.find("\"peer\":\"[::1]:5353\"") != std::string::npos, line.c_str());
        std::string err;
        const auto back = engine::eventjson::decodeEvent(line, &err);
        QVERIFY2(back.has_value(), err.c_str());
        QCOMPARE(back->data, e.data);
        QCOMPARE(std::string(back->peer()), e.info);
        QCOMPARE(back->datagramSize(), std::int64_t(9));
    }

    void floodStaysBounded() {
        // The consumer drains nothing while a sender floods: reading pauses at
        // the event backlog limit and the kernel drops the rest.
        engine::ReactorOptions o;
        o.eventBacklogLimit = 1u << 20;
        o.level = engine::EventLevel::Messages;  // datagram events, no datagram_sent
        Reactor r(o);
        Events ev(r);
        const auto [server, port] = bindDatagram(r, ev);
        const ChannelId client = r.openDatagram(Mode::Connect, "127.0.0.1", port);
        QVERIFY(ev.waitFor(EventKind::Connected, client));
        r.pushRepeat(client, std::string(1000, 'f'), 20000);
        // Wait until every datagram has left, without draining.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (r.stats().messagesOut < 20000 && std::chrono::steady_clock::now() < deadline)
            QThread::yieldCurrentThread();
        QCOMPARE(r.stats().messagesOut, std::uint64_t(20000));
        // Held back: at most the backlog limit plus one pass of reads (64 datagrams).
        QVERIFY2(r.stats().messagesIn * 1000 <= (1u << 20) + 2 * 64 * 1100,
                 std::to_string(r.stats().messagesIn).c_str());
        QVERIFY(ev.waitUntil([&] {
            for (const auto* w : ev.of(EventKind::Warning))
                if (w->warningCode() == engine::WarningCode::Backlog) return true;
            return false;
        }));
    }
};

QTEST_GUILESS_MAIN(TestDatagramChannel)
#include "tst_DatagramChannel.moc"
