// tst_TcpReassembler.cpp — engine::TcpReassembler: connections and their
// bytes put back in order.
//
// Covered: a clean connection (handshake, data both ways, FINs); segments
// out of order; retransmissions, identical and conflicting; overlapping
// segments; a hole nobody fills; bytes lost to the snap length; 32-bit
// sequence wrap-around; a capture that starts mid-connection (the client by
// port); a SYN-ACK without its SYN; a second connection on the same 4-tuple;
// a reset; keepOnly(); delivery times.
#include "engine/capture/TcpReassembler.h"

#include <QTest>

#include <deque>

namespace {

using engine::ReassembledStream;
using engine::TcpReassembler;
using engine::TcpSegment;

constexpr std::uint8_t SYN = TcpSegment::kSyn, ACK = TcpSegment::kAck, FIN = TcpSegment::kFin,
                       RST = TcpSegment::kRst, PSH = TcpSegment::kPsh;

/// Feeds segments of one connection between 127.0.0.1:c and 127.0.0.1:s.
class Wire {
public:
    explicit Wire(TcpReassembler& r, std::uint16_t cport = 50000, std::uint16_t sport = 7000) : m_r(r), m_c(cport), m_s(sport) {}
    /// A segment from the client (true) or the server.
    void send(bool fromClient, std::uint32_t seq, std::uint8_t flags, std::string payload = {}, std::int64_t ns = -1,
              std::uint32_t claimed = 0) {
        m_payloads.push_back(std::move(payload));
        TcpSegment s;
        s.family = engine::kAfInet;
        s.src = {{127, 0, 0, 1}};
        s.dst = {{127, 0, 0, 1}};
        s.srcPort = fromClient ? m_c : m_s;
        s.dstPort = fromClient ? m_s : m_c;
        s.seq = seq;
        s.flags = flags;
        s.payload = m_payloads.back();
        s.payloadLength = claimed ? claimed : static_cast<std::uint32_t>(s.payload.size());
        const std::uint64_t frame = ++m_frame;
        m_r.add(s, frame, ns >= 0 ? ns : static_cast<std::int64_t>(frame) * 1000);
    }

private:
    TcpReassembler& m_r;
    std::uint16_t m_c, m_s;
    std::uint64_t m_frame = 0;
    std::deque<std::string> m_payloads;  // segments point into these
};

std::string direction(const ReassembledStream& s, int d) {
    std::string out;
    for (const auto& c : s.chunks)
        if (c.direction == d) out += c.bytes;
    return out;
}

std::string order(const ReassembledStream& s) {
    std::string out;
    for (const auto& c : s.chunks) out += (c.direction == 0 ? ">" : "<") + c.bytes;
    return out;
}

}  // namespace

class TestTcpReassembler : public QObject {
    Q_OBJECT

private slots:
    void cleanConnection();
    void outOfOrderAndRetransmitted();
    void conflictingRetransmission();
    void holesAreReported();
    void snapLengthLosses();
    void sequenceWrapAround();
    void midConnectionCapture();
    void synAckWithoutSyn();
    void secondConnectionOnTheSameTuple();
    void reset();
    void keepOnly();
};

void TestTcpReassembler::cleanConnection() {
    TcpReassembler r;
    Wire w(r);
    w.send(true, 100, SYN);
    w.send(false, 900, SYN | ACK);
    w.send(true, 101, ACK);
    w.send(true, 101, ACK | PSH, "hello\n");
    w.send(false, 901, ACK | PSH, "HELLO\n");
    w.send(true, 107, FIN | ACK);
    w.send(false, 907, FIN | ACK);
    QCOMPARE(r.streamCount(), 1u);
    const ReassembledStream s = r.stream(0);
    QCOMPARE(s.info.client, std::string("127.0.0.1:50000"));
    QCOMPARE(s.info.server, std::string("127.0.0.1:7000"));
    QCOMPARE(s.info.clientRule, std::string("it sent the SYN"));
    QVERIFY(s.info.handshake);
    QVERIFY(s.info.complete());
    QCOMPARE(order(s), std::string(">hello\n<HELLO\n"));
    QCOMPARE(s.info.bytes[0], 6u);
    QCOMPARE(s.info.packets, 7u);
    QCOMPARE(s.synNs, 1000);
    QCOMPARE(s.establishedNs, 2000);
    QCOMPARE(s.finNs[0], 6000);
    QCOMPARE(s.finNs[1], 7000);
    QVERIFY(s.info.fin[0] && s.info.fin[1]);
    QVERIFY(s.info.problems.empty());
}

void TestTcpReassembler::outOfOrderAndRetransmitted() {
    TcpReassembler r;
    Wire w(r);
    w.send(true, 100, SYN);
    w.send(false, 900, SYN | ACK);
    w.send(true, 107, ACK, "world\n");   // arrives first
    w.send(true, 101, ACK, "hello\n");   // fills the gap
    w.send(true, 101, ACK, "hello\n");   // a retransmission
    w.send(true, 104, ACK, "lo\nwor");   // overlaps both
    w.send(true, 113, ACK, "!");
    const ReassembledStream s = r.stream(0);
    QCOMPARE(direction(s, 0), std::string("hello\nworld\n!"));
    QVERIFY(s.info.complete());
    QCOMPARE(s.info.retransmitted[0], 2u);
    QCOMPARE(s.info.outOfOrder[0], 1u);
    // "world" became available only once "hello" came: its time is the later one.
    QCOMPARE(s.chunks[0].bytes, std::string("hello\n"));
    QCOMPARE(s.chunks[1].bytes, std::string("world\n"));
    QCOMPARE(s.chunks[1].timestampNs, 4000);
}

void TestTcpReassembler::conflictingRetransmission() {
    TcpReassembler r;
    Wire w(r);
    w.send(true, 100, SYN);
    w.send(true, 101, ACK, "abc");
    w.send(true, 101, ACK, "xyz");
    const ReassembledStream s = r.stream(0);
    QCOMPARE(direction(s, 0), std::string("abc"));
    QCOMPARE(s.info.problems.size(), 1u);
    QCOMPARE(s.info.problems[0],
             std::string("client to server: frame 3 retransmits bytes 0–3 with different content; the first copy was kept"));
}

void TestTcpReassembler::holesAreReported() {
    TcpReassembler r;
    Wire w(r);
    w.send(true, 100, SYN);
    w.send(true, 101, ACK, "abc");
    w.send(true, 110, ACK, "xyz");  // 6 bytes never seen
    w.send(true, 113, FIN | ACK);
    w.send(false, 900, SYN | ACK);
    w.send(false, 901, ACK, "ok");
    w.send(false, 905, FIN | ACK);  // 2 bytes missing before the FIN
    const ReassembledStream s = r.stream(0);
    QVERIFY(!s.info.complete());
    QCOMPARE(s.info.missing[0], 6u);
    QCOMPARE(s.info.missing[1], 2u);
    QCOMPARE(direction(s, 0), std::string("abcxyz"));
    QCOMPARE(s.info.problems.at(0),
             std::string("client to server: 6 bytes missing at stream offset 3 (before frame 3): the capture lost them"));
    QCOMPARE(s.info.problems.at(1),
             std::string("server to client: 2 bytes missing at stream offset 2 (before the FIN): the capture lost them"));
}

void TestTcpReassembler::snapLengthLosses() {
    TcpReassembler r;
    Wire w(r);
    w.send(true, 100, SYN);
    w.send(true, 101, ACK, "abcd", -1, 10);  // 10 bytes on the wire, 4 captured
    w.send(true, 111, ACK, "next");
    const ReassembledStream s = r.stream(0);
    QCOMPARE(s.info.missing[0], 6u);
    QCOMPARE(direction(s, 0), std::string("abcdnext"));
    QVERIFY2(s.info.problems.at(0).find("lost 6 bytes to the capture's snap length") != std::string::npos,
             s.info.problems.at(0).c_str());
}

void TestTcpReassembler::sequenceWrapAround() {
    TcpReassembler r;
    Wire w(r);
    w.send(true, 0xfffffffdu, SYN);
    w.send(true, 0xfffffffeu, ACK, "ab");
    w.send(true, 0u, ACK, "cd");  // wrapped
    w.send(true, 2u, ACK, "ef");
    const ReassembledStream s = r.stream(0);
    QCOMPARE(direction(s, 0), std::string("abcdef"));
    QVERIFY(s.info.complete());
}

void TestTcpReassembler::midConnectionCapture() {
    TcpReassembler r;
    Wire w(r, 7000, 50000);  // the "client" of the wire helper has the lower port
    w.send(false, 5000, ACK, "request\n");
    w.send(true, 800, ACK, "reply\n");
    w.send(false, 5008, ACK, "more\n");
    const ReassembledStream s = r.stream(0);
    QCOMPARE(s.info.client, std::string("127.0.0.1:50000"));  // the higher port
    QCOMPARE(s.info.clientRule, std::string("no handshake in the capture: the side with the higher port"));
    QVERIFY(!s.info.handshake);
    QCOMPARE(direction(s, 0), std::string("request\nmore\n"));
    QCOMPARE(direction(s, 1), std::string("reply\n"));
    QCOMPARE(s.info.problems.at(0),
             std::string("the capture starts in the middle of the connection (no SYN): earlier bytes are not in it"));
}

void TestTcpReassembler::synAckWithoutSyn() {
    TcpReassembler r;
    Wire w(r, 7000, 9000);
    w.send(false, 900, SYN | ACK);  // from port 9000: the server, although its port is higher
    w.send(true, 101, ACK, "x");
    const ReassembledStream s = r.stream(0);
    QCOMPARE(s.info.client, std::string("127.0.0.1:7000"));
    QCOMPARE(s.info.clientRule, std::string("the other side sent the SYN-ACK"));
}

void TestTcpReassembler::secondConnectionOnTheSameTuple() {
    TcpReassembler r;
    Wire w(r);
    w.send(true, 100, SYN);
    w.send(true, 101, ACK, "first");
    w.send(true, 106, FIN | ACK);
    w.send(true, 5000, SYN);  // the port is reused
    w.send(true, 5001, ACK, "second");
    QCOMPARE(r.streamCount(), 2u);
    QCOMPARE(direction(r.stream(0), 0), std::string("first"));
    QCOMPARE(direction(r.stream(1), 0), std::string("second"));
    QCOMPARE(r.streams().at(1).index, 1u);
}

void TestTcpReassembler::reset() {
    TcpReassembler r;
    Wire w(r);
    w.send(true, 100, SYN);
    w.send(false, 900, SYN | ACK);
    w.send(true, 101, ACK, "q");
    w.send(false, 901, RST | ACK);
    const ReassembledStream s = r.stream(0);
    QVERIFY(s.info.reset);
    QCOMPARE(s.resetFrom, 1);
    QCOMPARE(s.resetNs, 4000);
}

void TestTcpReassembler::keepOnly() {
    TcpReassembler r;
    r.keepOnly(1);
    Wire a(r, 50000), b(r, 50001);
    a.send(true, 100, SYN);
    a.send(true, 101, ACK, "aaa");
    b.send(true, 300, SYN);
    b.send(true, 301, ACK, "bbb");
    const auto infos = r.streams();
    QCOMPARE(infos.size(), 2u);
    QCOMPARE(infos[0].bytes[0], 3u);  // counted…
    QCOMPARE(direction(r.stream(0), 0), std::string());  // …but not kept
    QCOMPARE(direction(r.stream(1), 0), std::string("bbb"));
}

QTEST_GUILESS_MAIN(TestTcpReassembler)
#include "tst_TcpReassembler.moc"
