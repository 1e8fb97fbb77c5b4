// tst_UdpReplay.cpp — engine::UdpScript, runUdpReplay and UdpMock on
// loopback.
//
// Covered: a script from a client-side recording (udp send: sent datagrams
// are requests) and from a server-side one (udp listen: the first peer's
// datagrams are requests, other peers left out), with each reply's
// requestsBefore; refusals (no datagrams, datagrams cut by a terminator);
// a replay against a mock of the same script passes in every pacing; a
// reply that differs is reported at its first differing byte, and an
// ignore rule (RE2) hides it; copyRanges puts the request's bytes into the
// reply; a datagram past the recording is Unexpected at the mock; a closed
// port fails the replay (ICMP); a port in use refused. The mock serves on
// its own LoopThread; every wait has a deadline. channels() lists the UDP
// channels of a session; parseCopyRange() reads OFFSET:LENGTH.
#include "engine/replay/UdpReplay.h"

#include <QTest>


namespace {

using engine::ChannelId;
using engine::Event;
using engine::EventKind;
using engine::ReplayResult;
using engine::UdpMock;
using engine::UdpScript;

Event ev(std::uint64_t seq, ChannelId ch, EventKind kind, std::string data = {}, std::string info = {},
         std::string aux = {}) {
    Event e;
    e.seq = seq;
    e.tUs = static_cast<std::int64_t>(seq) * 100;
    e.channel = ch;
    e.kind = kind;
    e.size = static_cast<std::int64_t>(data.size());
    e.data = std::move(data);
    e.info = std::move(info);
    e.aux = std::move(aux);
    return e;
}

/// udp send: two queries, the first answered twice, the second once.
std::vector<Event> clientSide() {
    const std::string srv = "127.0.0.1:53";
    return {ev(1, 1, EventKind::Connecting, {}, srv, "127.0.0.1"),
            ev(2, 1, EventKind::Connected, {}, srv, "127.0.0.1:40000"),
            ev(3, 1, EventKind::DatagramSent, "\x01\x01q1", srv),
            ev(4, 1, EventKind::Datagram, "\x01\x01" "a1", srv),
            ev(5, 1, EventKind::Datagram, "\x01\x01" "a1bis", srv),
            ev(6, 1, EventKind::DatagramSent, "\x02\x02q2", srv),
            ev(7, 1, EventKind::Datagram, "\x02\x02" "a2", srv),
            ev(8, 1, EventKind::Closed)};
}

/// Serves `script` on its thread until the end of the scope.
class MockThread {
public:
    explicit MockThread(UdpScript script, engine::UdpMockOptions o = {}) : m_mock(std::move(script), std::move(o)) {
        std::string error;
        m_open = m_mock.start({}, &error);
    }
    void stop() {
        m_mock.stop();
        m_mock.wait(std::chrono::milliseconds(10000));
    }
    bool open() const { return m_open; }
    std::uint16_t port() const {
        const std::string a = m_mock.address();
        return static_cast<std::uint16_t>(std::stoi(a.substr(a.rfind(':') + 1)));
    }
    engine::UdpMockStats stats() const { return m_mock.stats(); }

private:
    UdpMock m_mock;
    bool m_open = false;
};

engine::ReplayOptions to(std::uint16_t port) {
    engine::ReplayOptions o;
    o.port = port;
    o.timeout = std::chrono::milliseconds(3000);
    return o;
}

}  // namespace

class TestUdpReplay : public QObject {
    Q_OBJECT

private slots:
    void clientSideScript() {
        std::string error;
        const auto s = UdpScript::build(clientSide(), 0, &error);
        QVERIFY2(s, error.c_str());
        QVERIFY(s->recordedAsClient);
        QCOMPARE(s->channel, ChannelId{1});
        QCOMPARE(s->serverAddress, std::string("127.0.0.1:53"));
        QCOMPARE(s->clientAddress, std::string("127.0.0.1:40000"));
        QCOMPARE(s->requests.size(), 2u);
        QCOMPARE(s->requests[1].bytes, std::string("\x02\x02q2"));
        QCOMPARE(s->requests[1].repliesBefore, 2u);
        QCOMPARE(s->replies.size(), 3u);
        QCOMPARE(s->replies[1].bytes, std::string("\x01\x01" "a1bis"));
        QCOMPARE(s->replies[1].requestsBefore, 1u);
        QCOMPARE(s->replies[2].requestsBefore, 2u);
        QVERIFY(UdpScript::isUdp(clientSide()));
        QVERIFY(!UdpScript::isUdp(clientSide(), 2));
    }

    void serverSideScript() {
        const std::string a = "127.0.0.1:40001", b = "127.0.0.1:40002";
        const std::vector<Event> events{ev(1, 3, EventKind::Listening, {}, "127.0.0.1:7000"),
                                        ev(2, 3, EventKind::Datagram, "hi", a),
                                        ev(3, 3, EventKind::Datagram, "other", b),
                                        ev(4, 3, EventKind::DatagramSent, "HI", a),
                                        ev(5, 3, EventKind::DatagramSent, "OTHER", b),
                                        ev(6, 3, EventKind::Datagram, "bye", a)};
        std::string error;
        const auto s = UdpScript::build(events, 3, &error);
        QVERIFY2(s, error.c_str());
        QVERIFY(!s->recordedAsClient);
        QCOMPARE(s->clientAddress, a);
        QCOMPARE(s->requests.size(), 2u);
        QCOMPARE(s->requests[1].bytes, std::string("bye"));
        QCOMPARE(s->requests[1].repliesBefore, 1u);
        QCOMPARE(s->replies.size(), 1u);
        QCOMPARE(s->replies[0].bytes, std::string("HI"));
        QCOMPARE(s->replies[0].requestsBefore, 1u);
    }

    void refusals() {
        std::string error;
        QVERIFY(!UdpScript::build({ev(1, 1, EventKind::Closed)}, 0, &error));
        QCOMPARE(error, std::string("the session has no UDP datagrams"));
        Event framed = ev(2, 1, EventKind::Datagram, "a", "127.0.0.1:9");
        framed.count = 4;  // a message of a 4-byte datagram cut by a terminator
        QVERIFY(!UdpScript::build({ev(1, 1, EventKind::Listening, {}, "127.0.0.1:7"), framed}, 0, &error));
        QVERIFY2(error.find("cut into messages by a terminator") != std::string::npos, error.c_str());
        QVERIFY(!UdpScript::build({ev(1, 1, EventKind::Connected, {}, "127.0.0.1:9", "127.0.0.1:8"),
                                   ev(2, 1, EventKind::Datagram, "x", "127.0.0.1:9")},
                                  0, &error));
        QVERIFY2(error.find("has no datagrams sent") != std::string::npos, error.c_str());
    }

    void channelsAndCopyRanges() {
        std::vector<Event> events = clientSide();
        events.push_back(ev(9, 4, EventKind::Collect, "tcp bytes"));
        events.push_back(ev(10, 3, EventKind::Datagram, "x", "127.0.0.1:9"));
        events.push_back(ev(11, 1, EventKind::DatagramSent, "again", "127.0.0.1:53"));
        QCOMPARE(UdpScript::channels(events), (std::vector<ChannelId>{1, 3}));
        QVERIFY(UdpScript::channels({ev(1, 1, EventKind::Collect, "x")}).empty());
        using Range = std::optional<std::pair<std::size_t, std::size_t>>;
        QCOMPARE(engine::parseCopyRange("0:2"), (Range{{0u, 2u}}));
        QCOMPARE(engine::parseCopyRange("65535:65535"), (Range{{65535u, 65535u}}));
        for (const char* bad : {"", "0", "0:", ":2", "0:0", "0-2", "a:2", "65536:1", "0:65536", " 0:2", "-1:2", "0:2x"})
            QVERIFY2(!engine::parseCopyRange(bad), bad);
    }

    void replayAgainstItsMock() {
        std::string error;
        const auto s = UdpScript::build(clientSide(), 0, &error);
        QVERIFY(s);
        MockThread mock(*s);
        QVERIFY(mock.open());
        for (engine::Pacing p : {engine::Pacing::Lockstep, engine::Pacing::Fast, engine::Pacing::Original}) {
            engine::ReplayOptions o = to(mock.port());
            o.pacing = p;
            std::vector<std::string> seen;
            const ReplayResult r = engine::runUdpReplay(*s, o, [&](const engine::ReplayEvent& e) {
                if (e.kind == engine::ReplayEvent::Kind::ReplyMatched) seen.push_back(e.bytes);
            });
            QVERIFY2(r.status == ReplayResult::Status::Passed, r.summary().c_str());
            QCOMPARE(r.repliesMatched, 3u);
            QCOMPARE(r.requestsSent, 2u);
            QCOMPARE(seen.size(), 3u);
            QCOMPARE(seen[1], std::string("\x01\x01" "a1bis"));
        }
        mock.stop();
        QCOMPARE(mock.stats().requests, 6u);
        QCOMPARE(mock.stats().replies, 9u);
        QCOMPARE(mock.stats().peers, 3u);
    }

    void divergenceAndIgnore() {
        std::string error;
        auto served = UdpScript::build(clientSide(), 0, &error);
        QVERIFY(served);
        served->replies[2].bytes = "\x02\x02" "b2";  // the server now answers the second query otherwise
        MockThread mock(*served);
        QVERIFY(mock.open());
        const auto s = UdpScript::build(clientSide(), 0, &error);
        ReplayResult r = engine::runUdpReplay(*s, to(mock.port()));
        QCOMPARE(r.status, ReplayResult::Status::Diverged);
        QCOMPARE(r.divergences.size(), 1u);
        QCOMPARE(r.divergences[0].reply, 3u);
        QCOMPARE(r.divergences[0].offset, 2u);
        QCOMPARE(r.divergences[0].summary, std::string("reply 3 of 3 differs from the recording at byte 2"));
        engine::ReplayOptions o = to(mock.port());
        o.ignore = {{3, "[ab]2"}};
        r = engine::runUdpReplay(*s, o);
        QVERIFY2(r.status == ReplayResult::Status::Passed, r.summary().c_str());
        // A rule for another reply does not hide it.
        o.ignore = {{2, "[ab]2"}};
        QCOMPARE(engine::runUdpReplay(*s, o).status, ReplayResult::Status::Diverged);
    }

    void copyRangesAndUnexpected() {
        std::string error;
        const auto s = UdpScript::build(clientSide(), 0, &error);
        QVERIFY(s);
        engine::UdpMockOptions mo;
        mo.copyRanges = {{0, 2}};
        MockThread mock(*s, mo);
        QVERIFY(mock.open());
        // The requests with other ids: the replies carry them (as a DNS server's would).
        UdpScript asked = *s;
        asked.requests[0].bytes = "\x07\x07q1";
        asked.requests[1].bytes = "\x08\x08q2";
        asked.replies[0].bytes = "\x07\x07" "a1";
        asked.replies[1].bytes = "\x07\x07" "a1bis";
        asked.replies[2].bytes = "\x08\x08" "a2";
        ReplayResult r = engine::runUdpReplay(asked, to(mock.port()));
        QVERIFY2(r.status == ReplayResult::Status::Passed, r.summary().c_str());
        // One request more than recorded: the mock does not answer it, the replay misses its reply.
        asked.requests.push_back({"\x09\x09q3", 900, 9, 3});
        asked.replies.push_back({"\x09\x09" "a3", 1000, 3});
        engine::ReplayOptions o = to(mock.port());
        o.timeout = std::chrono::milliseconds(200);
        r = engine::runUdpReplay(asked, o);
        QCOMPARE(r.status, ReplayResult::Status::Diverged);
        QCOMPARE(r.divergences.at(0).kind, engine::Divergence::Kind::Missing);
        QCOMPARE(r.divergences.at(0).reply, 4u);
        mock.stop();
        QCOMPARE(mock.stats().unexpected, 1u);
    }

    void closedPortFails() {
        std::string error;
        const auto s = UdpScript::build(clientSide(), 0, &error);
        std::uint16_t port = 0;
        {
            MockThread gone(*s);  // bound, then released
            QVERIFY(gone.open());
            port = gone.port();
        }
        const ReplayResult r = engine::runUdpReplay(*s, to(port));
        QCOMPARE(r.status, ReplayResult::Status::Failed);
        QVERIFY2(r.error.find("ICMP port unreachable") != std::string::npos, r.error.c_str());
    }

    void portInUse() {
        std::string error;
        const auto s = UdpScript::build(clientSide(), 0, &error);
        MockThread first(*s);
        QVERIFY(first.open());
        engine::UdpMockOptions o;
        o.port = first.port();
        UdpMock second(*s, o);
        QVERIFY(!second.start({}, &error));
        QCOMPARE(error, "cannot bind UDP 127.0.0.1:" + std::to_string(first.port()) + ": the port is in use");
        QVERIFY(second.wait(std::chrono::milliseconds(1000)));
        const ReplayResult r = engine::runUdpReplay(*s, to(first.port()));
        QCOMPARE(r.status, ReplayResult::Status::Passed);
    }
};

QTEST_GUILESS_MAIN(TestUdpReplay)
#include "tst_UdpReplay.moc"
