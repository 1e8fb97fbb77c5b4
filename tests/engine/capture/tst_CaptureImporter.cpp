// tst_CaptureImporter.cpp — engine::CaptureImporter: a capture's TCP streams
// listed, and one of them turned into a session.
//
// Covered: the listing (formats, link types, packets by kind, streams with
// their endpoints, sizes and problems); the imported session's events
// (connecting/connected at the handshake, a push per client message before
// its bytes go out, collect/found_terminator framed by asynchat from the
// server's bytes, the half-close and close from the FINs, the residue and
// unterminated warnings, closed with counters, stopped), the packets' times;
// out-of-order and retransmitted segments; a stream with holes refused (and
// imported with allowGaps); a reset; a missing stream; the round trip
// session → pcapng (PcapngWriter) → import, which gives back the same bytes
// and the same messages. UDP flows: listed beside the TCP streams (one per
// pair of endpoints, numbered in the order of their first datagram, IPv4 and
// IPv6); one imported as the session `udp send` records (datagram_sent,
// datagram); UDP lengths that do not fit refused as malformed; datagrams cut
// by the snap length refused (left out with allowGaps); a missing flow; the
// round trip session → pcapng → import, with no TCP packets made up for it.
#include "engine/capture/CaptureImporter.h"
#include "engine/capture/PcapngWriter.h"
#include "engine/capture/SessionReader.h"
#include "engine/capture/SessionRecorder.h"

#include "CaptureTestSupport.h"
#include "ReplayTestSupport.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdio>

namespace {

using engine::CaptureImporter;
using engine::CaptureImportOptions;
using engine::Event;
using engine::EventKind;
using engine::TcpSegment;
using lwtest::Frame;
using lwtest::TcpPacket;
namespace lt = engine::linktype;

constexpr std::int64_t kT0 = 1777636800000000000;
constexpr std::uint8_t SYN = TcpSegment::kSyn, ACK = TcpSegment::kAck, FIN = TcpSegment::kFin, PSH = TcpSegment::kPsh,
                       RST = TcpSegment::kRst;

/// Frames of one connection on Linux cooked v2 (what tcpdump -i any writes).
class Conn {
public:
    void send(bool fromClient, std::uint32_t seq, std::uint8_t flags, std::string payload = {}) {
        TcpPacket p;
        p.sport = fromClient ? 41000 : 6379;
        p.dport = fromClient ? 6379 : 41000;
        p.seq = seq;
        p.flags = flags;
        p.payload = std::move(payload);
        frames.push_back({kT0 + static_cast<std::int64_t>(frames.size()) * 1000000, lt::kLinuxSll2, p.frame(lt::kLinuxSll2)});
    }
    std::string pcap() const { return lwtest::pcapFile(frames, lt::kLinuxSll2); }
    std::vector<Frame> frames;
};

/// A conversation with everything: handshake, two requests (the second in
/// two segments, out of order, one retransmitted), replies, FINs.
Conn sample() {
    Conn c;
    c.send(true, 1000, SYN);
    c.send(false, 5000, SYN | ACK);
    c.send(true, 1001, ACK);
    c.send(true, 1001, PSH | ACK, "GET a\r\n");
    c.send(false, 5001, PSH | ACK, "+OK 1\r\n");
    c.send(true, 1012, PSH | ACK, "b\r\n");    // the end of the second request, first
    c.send(true, 1008, PSH | ACK, "GET ");     // its start
    c.send(true, 1008, PSH | ACK, "GET ");     // retransmitted
    c.send(false, 5008, PSH | ACK, "+OK 2\r\n+PART");
    c.send(true, 1015, FIN | ACK);             // the client half-closes
    c.send(false, 5020, FIN | ACK);
    return c;
}

std::vector<std::string> kinds(const std::vector<Event>& events) {
    std::vector<std::string> out;
    for (const Event& e : events) out.emplace_back(engine::eventKindName(e.kind));
    return out;
}

}  // namespace

class TestCaptureImporter : public QObject {
    Q_OBJECT

private slots:
    void listing();
    void importedSession();
    void holesAreRefused();
    void resetByTheServer();
    void noSuchStream();
    void roundTripThroughPcapng();
    void roundTripIpv6();
    void progressAndCancel();
    void udpFlowsListed();
    void udpFlowImported();
    void udpBadLengthsAreMalformed();
    void udpTruncatedRefused();
    void udpRoundTripThroughPcapng();
};

void TestCaptureImporter::listing() {
    Conn other;
    other.send(true, 1, SYN);
    other.frames.back().bytes[20 + 9] = 47;  // a GRE packet
    const std::string data = lwtest::pcapFile(sample().frames, lt::kLinuxSll2);
    std::string error;
    const auto l = CaptureImporter::listData(data, "cap", &error);
    QVERIFY2(l, error.c_str());
    QCOMPARE(l->format, engine::CaptureFormat::Pcap);
    QCOMPARE(l->linkTypes, std::vector<std::uint32_t>{lt::kLinuxSll2});
    QCOMPARE(l->packets, 11u);
    QCOMPARE(l->tcpPackets, 11u);
    QCOMPARE(l->streams.size(), 1u);
    const engine::TcpStreamInfo& s = l->streams[0];
    QCOMPARE(s.client, std::string("127.0.0.1:41000"));
    QCOMPARE(s.server, std::string("127.0.0.1:6379"));
    QCOMPARE(s.bytes[0], 14u);
    QCOMPARE(s.bytes[1], 19u);
    QCOMPARE(s.retransmitted[0], 1u);
    QCOMPARE(s.outOfOrder[0], 1u);
    QVERIFY(s.complete());
    QVERIFY(s.fin[0] && s.fin[1]);

    const auto l2 = CaptureImporter::listData(lwtest::pcapFile(other.frames, lt::kLinuxSll2), "cap", &error);
    QCOMPARE(l2->otherPackets, 1u);
    QVERIFY(l2->streams.empty());
}

void TestCaptureImporter::importedSession() {
    CaptureImportOptions o;
    o.terminator = engine::Terminator::bytes("\r\n");
    o.toolVersion = "9.9";
    std::string error;
    const auto s = CaptureImporter::importData(sample().pcap(), "cap", 0, o, &error);
    QVERIFY2(s, error.c_str());
    QCOMPARE(s->header.tool, std::string("linewright-cli"));
    QCOMPARE(s->header.level, std::string("full"));
    QCOMPARE(s->header.startUnixUs, kT0 / 1000);
    QCOMPARE(s->header.start, std::string("2026-05-01T12:00:00.000000Z"));
    const std::vector<std::string> expected{
        "connecting", "connected",                                   // SYN, SYN-ACK
        "push",       "sent",                                        // GET a\r\n
        "collect",    "found_terminator",                            // +OK 1
        "push",       "sent", "sent",                                // "GET " then "b\r\n", put in order
        "collect",    "found_terminator", "collect",                 // +OK 2, +PART
        "half_closed",                                               // the client's FIN
        "warning",    "closed",                                      // +PART never terminated
        "stopped"};
    QCOMPARE(kinds(s->events), expected);
    for (std::size_t i = 0; i < s->events.size(); ++i) QCOMPARE(s->events[i].seq, i + 1);
    const Event& connecting = s->events[0];
    QCOMPARE(connecting.info, std::string("127.0.0.1:6379"));
    QCOMPARE(connecting.aux, std::string("127.0.0.1"));
    QCOMPARE(connecting.size, 6379);
    QCOMPARE(s->events[1].aux, std::string("127.0.0.1:41000"));
    QCOMPARE(s->events[1].tUs, 1000);  // the SYN-ACK, 1 ms after the SYN
    QCOMPARE(s->events[6].size, 7);  // the second push: "GET b\r\n"
    QCOMPARE(s->events[7].data, std::string("GET "));
    QCOMPARE(s->events[7].tUs, 6000);
    QCOMPARE(s->events[8].data, std::string("b\r\n"));
    QCOMPARE(s->events[8].tUs, 6000);  // it came first (5 ms), but was in order only after "GET " (6 ms)
    QCOMPARE(s->events[11].data, std::string("+PART"));
    QCOMPARE(s->events[13].warningCode(), engine::WarningCode::Unterminated);
    const Event& closed = s->events[14];
    QCOMPARE(closed.closeReason(), engine::CloseReason::Peer);
    QCOMPARE(closed.info, std::string("eof"));
    QVERIFY(closed.state);
    QCOMPARE(closed.state->bytesIn, 19u);
    QCOMPARE(closed.state->bytesOut, 14u);
    QCOMPARE(closed.state->messagesIn, 2u);
    QCOMPARE(closed.state->messagesOut, 2u);
    QCOMPARE(s->summary.connections, 1u);
    QVERIFY(s->summary.stopped);

    // What replay will take from it.
    const auto cs = engine::extractConversations(s->events, s->header.level);
    QCOMPARE(cs.at(0).clientToServer().bytes, std::string("GET a\r\nGET b\r\n"));
    QCOMPARE(cs.at(0).serverToClient().bytes, std::string("+OK 1\r\n+OK 2\r\n+PART"));
    QVERIFY(cs.at(0).serverClosed());
    QVERIFY(cs.at(0).clientClosed());
}

void TestCaptureImporter::holesAreRefused() {
    Conn c;
    c.send(true, 1000, SYN);
    c.send(true, 1001, PSH | ACK, "a\n");
    c.send(true, 1010, PSH | ACK, "z\n");  // 7 bytes lost
    std::string error;
    QVERIFY(!CaptureImporter::importData(c.pcap(), "cap", 0, {}, &error));
    QCOMPARE(error, std::string("stream 0 is incomplete; client to server: 7 bytes missing at stream offset 2 (before "
                                "frame 3): the capture lost them. Import it anyway with --allow-gaps (the missing bytes "
                                "are left out)"));
    CaptureImportOptions gaps;
    gaps.allowGaps = true;
    const auto s = CaptureImporter::importData(c.pcap(), "cap", 0, gaps, &error);
    QVERIFY2(s, error.c_str());
    QCOMPARE(engine::extractConversations(s->events).at(0).out.bytes, std::string("a\nz\n"));
}

void TestCaptureImporter::resetByTheServer() {
    Conn c;
    c.send(true, 1000, SYN);
    c.send(false, 5000, SYN | ACK);
    c.send(true, 1001, PSH | ACK, "x\n");
    c.send(false, 5001, RST | ACK);
    std::string error;
    const auto s = CaptureImporter::importData(c.pcap(), "cap", 0, {}, &error);
    QVERIFY2(s, error.c_str());
    const Event& closed = s->events.at(s->events.size() - 2);
    QCOMPARE(closed.kind, EventKind::Closed);
    QCOMPARE(closed.closeReason(), engine::CloseReason::Peer);
    QCOMPARE(closed.error, static_cast<int>(std::errc::connection_reset));
}

void TestCaptureImporter::noSuchStream() {
    std::string error;
    QVERIFY(!CaptureImporter::importData(sample().pcap(), "cap", 3, {}, &error));
    QCOMPARE(error, std::string("the capture has 1 TCP stream (0); there is no stream 3"));
    QVERIFY(!CaptureImporter::importData("garbage!", "cap", 0, {}, &error));
    QCOMPARE(error, std::string("cap: not a pcap or pcapng capture (it starts with 67 61 72 62)"));
}

void TestCaptureImporter::roundTripThroughPcapng() {
    lwtest::ScriptedServer::Options so;
    so.greeting = "hello\n";
    so.closeAfter = 3;
    lwtest::ScriptedServer server([](std::size_t i, const std::string& b) -> std::optional<std::string> {
        return std::to_string(i) + ":" + b + "\n" + (i == 2 ? std::string(70000, 'x') + "\n" : std::string());
    },
                                  so);
    lwtest::ClientScript cs;
    cs.greeting = 1;
    cs.requests = {"one\n", "two\n", "three\n"};
    cs.replies = {1, 2, 1};
    cs.end = lwtest::ClientScript::End::WaitForServerClose;
    const lwtest::Recorded rec = lwtest::recordClient(server.port(), cs);
    const auto original = rec.conversations();

    engine::PcapngExportStats stats;
    const std::string capture = engine::PcapngWriter::render(rec.header, original, {}, &stats);
    QCOMPARE(stats.conversations, 1u);
    std::string error;
    const auto imported = CaptureImporter::importData(capture, "export", 0, {}, &error);
    QVERIFY2(imported, error.c_str());
    const auto back = engine::extractConversations(imported->events, imported->header.level);
    QCOMPARE(back.size(), 1u);
    QCOMPARE(back[0].clientToServer().bytes, original[0].clientToServer().bytes);
    QCOMPARE(back[0].serverToClient().bytes, original[0].serverToClient().bytes);
    QCOMPARE(back[0].in.messages.size(), original[0].in.messages.size());
    QCOMPARE(back[0].clientAddress(), original[0].clientAddress());
    QCOMPARE(back[0].serverAddress(), original[0].serverAddress());
    QVERIFY(back[0].serverClosed());
    QCOMPARE(imported->header.startUnixUs, rec.header.startUnixUs + original[0].firstUs);
}

void TestCaptureImporter::roundTripIpv6() {
    lwtest::ScriptedServer::Options so;
    so.host = "::1";
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo, so);
    lwtest::ClientScript cs;
    cs.host = "::1";
    cs.requests = {"v6\n"};
    const lwtest::Recorded rec = lwtest::recordClient(server.port(), cs);
    const std::string capture = engine::PcapngWriter::render(rec.header, rec.conversations(), {});
    std::string error;
    const auto l = CaptureImporter::listData(capture, "v6", &error);
    QVERIFY2(l, error.c_str());
    QCOMPARE(l->streams.at(0).family, engine::kAfInet6);
    QCOMPARE(l->streams.at(0).server, "[::1]:" + std::to_string(server.port()));
    const auto imported = CaptureImporter::importData(capture, "v6", 0, {}, &error);
    QCOMPARE(engine::extractConversations(imported->events).at(0).in.bytes, std::string("v6\n"));
}

void TestCaptureImporter::progressAndCancel() {
    // A 3 MB capture on disk: progress is reported; returning false cancels.
    Conn c;
    c.send(true, 1000, SYN);
    for (std::uint32_t i = 0; i < 3000; ++i) c.send(true, 1001 + i * 1000, PSH | ACK, std::string(1000, 'a'));
    QTemporaryDir dir;
    const std::string path = dir.filePath("big.pcap").toStdString();
    {
        std::FILE* f = std::fopen(path.c_str(), "wb");
        const std::string bytes = c.pcap();
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
    }
    std::vector<std::uint64_t> seen;
    std::string error;
    const auto l = CaptureImporter::list(path, &error, [&](std::uint64_t done, std::uint64_t total) {
        seen.push_back(done);
        return done <= total;
    });
    QVERIFY2(l, error.c_str());
    QCOMPARE(l->streams.at(0).bytes[0], 3000000u);
    QVERIFY(seen.size() >= 3);
    QVERIFY(std::is_sorted(seen.begin(), seen.end()));
    QVERIFY(!CaptureImporter::importStream(path, 0, {}, &error, [](std::uint64_t, std::uint64_t) { return false; }));
    QCOMPARE(error, std::string("cancelled"));
}

namespace {

Frame udpFrame(std::int64_t ns, std::uint16_t sport, std::uint16_t dport, std::string payload, bool ipv6 = false,
               int udpLength = -1) {
    TcpPacket p;
    p.udp = true;
    p.ipv6 = ipv6;
    if (ipv6) {
        p.src = {};
        p.dst = {};
        p.src[15] = 1;
        p.dst[15] = 1;
    }
    p.sport = sport;
    p.dport = dport;
    p.payload = std::move(payload);
    p.udpLength = udpLength;
    return {ns, lt::kEthernet, p.frame(lt::kEthernet)};
}

/// A DNS-like exchange, a syslog line from another port, an IPv6 exchange,
/// and the TCP sample in between.
std::vector<Frame> udpSample() {
    std::vector<Frame> f;
    f.push_back(udpFrame(kT0, 40000, 53, std::string("\x12\x34" "query\0", 8)));
    f.push_back(udpFrame(kT0 + 1000000, 40001, 514, "<13>hello syslog"));
    f.push_back(udpFrame(kT0 + 2000000, 53, 40000, std::string("\x12\x34" "answer\0", 9)));
    f.push_back(udpFrame(kT0 + 3000000, 40000, 53, "again"));
    f.push_back(udpFrame(kT0 + 4000000, 50000, 7000, "v6 ping", true));
    f.push_back(udpFrame(kT0 + 5000000, 7000, 50000, "v6 pong", true));
    return f;
}

}  // namespace

void TestCaptureImporter::udpFlowsListed() {
    std::vector<Frame> frames = udpSample();
    for (Frame f : sample().frames) {
        f.bytes = std::string(12, '\x02') + std::string("\x08\x00", 2) + f.bytes.substr(20);
        f.linkType = lt::kEthernet;
        frames.push_back(f);
    }
    std::string error;
    const auto l = CaptureImporter::listData(lwtest::pcapFile(frames, lt::kEthernet), "cap", &error);
    QVERIFY2(l, error.c_str());
    QCOMPARE(l->packets, 17u);
    QCOMPARE(l->udpPackets, 6u);
    QCOMPARE(l->tcpPackets, 11u);
    QCOMPARE(l->malformed, 0u);
    QCOMPARE(l->streams.size(), 1u);
    QCOMPARE(l->udpFlows.size(), 3u);
    const engine::UdpFlowInfo& dns = l->udpFlows[0];
    QCOMPARE(dns.index, 0u);
    QCOMPARE(dns.client, std::string("127.0.0.1:40000"));
    QCOMPARE(dns.server, std::string("127.0.0.1:53"));
    QCOMPARE(dns.datagrams[0], 2u);
    QCOMPARE(dns.datagrams[1], 1u);
    QCOMPARE(dns.bytes[0], 13u);
    QCOMPARE(dns.bytes[1], 9u);
    QCOMPARE(dns.firstFrame, 1u);
    QCOMPARE(dns.lastFrame, 4u);
    QCOMPARE(dns.durationSeconds(), 0.003);
    QCOMPARE(l->udpFlows[1].client, std::string("127.0.0.1:40001"));
    QCOMPARE(l->udpFlows[1].datagrams[1], 0u);
    QCOMPARE(l->udpFlows[2].client, std::string("[::1]:50000"));
    QCOMPARE(l->udpFlows[2].server, std::string("[::1]:7000"));
}

void TestCaptureImporter::udpFlowImported() {
    const std::string data = lwtest::pcapFile(udpSample(), lt::kEthernet);
    std::string error;
    const auto s = CaptureImporter::importUdpData(data, "cap", 0, {}, &error);
    QVERIFY2(s, error.c_str());
    QCOMPARE(kinds(s->events), (std::vector<std::string>{"connecting", "connected", "datagram_sent", "datagram",
                                                          "datagram_sent", "closed", "stopped"}));
    const auto& ev = s->events;
    QCOMPARE(ev[0].info, std::string("127.0.0.1:53"));
    QCOMPARE(ev[0].aux, std::string("127.0.0.1"));
    QCOMPARE(ev[0].size, 53);
    QCOMPARE(ev[1].info, std::string("127.0.0.1:53"));
    QCOMPARE(ev[1].aux, std::string("127.0.0.1:40000"));
    QCOMPARE(ev[2].data, std::string("\x12\x34" "query\0", 8));
    QCOMPARE(ev[2].info, std::string("127.0.0.1:53"));
    QCOMPARE(ev[3].data, std::string("\x12\x34" "answer\0", 9));
    QCOMPARE(ev[3].size, 9);
    QCOMPARE(ev[3].tUs, 2000);
    QCOMPARE(ev[4].data, std::string("again"));
    QCOMPARE(ev[4].tUs, 3000);
    QVERIFY(ev[5].state);
    QCOMPARE(ev[5].state->bytesOut, 13u);
    QCOMPARE(ev[5].state->bytesIn, 9u);
    QCOMPARE(ev[5].state->messagesOut, 2u);
    QCOMPARE(ev[5].state->messagesIn, 1u);
    QCOMPARE(ev[6].channel, engine::kReactorChannel);
    QCOMPARE(s->header.startUnixUs, kT0 / 1000);

    // Written and read back as any session.
    QTemporaryDir dir;
    const std::string path = dir.filePath("udp.jsonl").toStdString();
    QVERIFY2(engine::SessionRecorder::writeFile(path, s->header, s->events, &error), error.c_str());
    const auto back = engine::SessionReader::load(path, &error);
    QVERIFY2(back, error.c_str());
    QCOMPARE(kinds(back->events), kinds(s->events));
    QCOMPARE(back->events[3].data, ev[3].data);
    QCOMPARE(back->events[3].info, ev[3].info);

    const auto v6 = CaptureImporter::importUdpData(data, "cap", 2, {}, &error);
    QVERIFY2(v6, error.c_str());
    QCOMPARE(v6->events[0].aux, std::string("::1"));
    QCOMPARE(v6->events[3].data, std::string("v6 pong"));

    QVERIFY(!CaptureImporter::importUdpData(data, "cap", 3, {}, &error));
    QCOMPARE(error, std::string("the capture has 3 UDP flows (0 to 2); there is no flow 3"));
    QVERIFY(!CaptureImporter::importUdpData(lwtest::pcapFile(sample().frames, lt::kLinuxSll2), "cap", 0, {}, &error));
    QCOMPARE(error, std::string("the capture has no UDP flows"));
}

void TestCaptureImporter::udpBadLengthsAreMalformed() {
    std::vector<Frame> f;
    f.push_back(udpFrame(kT0, 40000, 53, "short", false, 7));    // under its own header
    f.push_back(udpFrame(kT0, 40000, 53, "long", false, 4000));  // past the IP packet
    f.push_back(udpFrame(kT0, 40000, 53, "long", true, 65535));
    f.push_back(udpFrame(kT0, 40000, 53, "fine", false, 10));   // shorter than the IP payload: 2 bytes, the rest padding
    {
        Frame cut = udpFrame(kT0, 40000, 53, "");  // the IP payload shorter than a UDP header
        cut.bytes.resize(14 + 20 + 4);
        cut.bytes[14 + 3] = 24;  // IPv4 total length 24
        f.push_back(cut);
    }
    std::string error;
    const std::string data = lwtest::pcapFile(f, lt::kEthernet);
    const auto l = CaptureImporter::listData(data, "cap", &error);
    QVERIFY2(l, error.c_str());
    QCOMPARE(l->malformed, 4u);
    QCOMPARE(l->udpPackets, 1u);
    QCOMPARE(l->notes.size(), 4u);
    QVERIFY2(l->notes[0].find("frame 1 (byte offset 24): UDP length 7 is less than its header") == 0, l->notes[0].c_str());
    QVERIFY2(l->notes[1].find("UDP length 4000 runs past the IP payload of 12 bytes") != std::string::npos,
             l->notes[1].c_str());
    QVERIFY2(l->notes[3].find("too short for a UDP header") != std::string::npos, l->notes[3].c_str());
    const auto s = CaptureImporter::importUdpData(data, "cap", 0, {}, &error);
    QVERIFY2(s, error.c_str());
    QCOMPARE(s->events.at(2).data, std::string("fi"));
}

void TestCaptureImporter::udpTruncatedRefused() {
    std::vector<Frame> f = udpSample();
    // The answer cut by a snap length of 14 + 20 + 8 + 3.
    f[2].originalLength = static_cast<std::uint32_t>(f[2].bytes.size());
    f[2].bytes.resize(14 + 20 + 8 + 3);
    const std::string data = lwtest::pcapFile(f, lt::kEthernet);
    std::string error;
    const auto l = CaptureImporter::listData(data, "cap", &error);
    QVERIFY2(l, error.c_str());
    QCOMPARE(l->udpFlows.at(0).truncated, 1u);
    QCOMPARE(l->udpFlows.at(0).bytes[1], 9u);  // as the UDP header says
    QVERIFY(!CaptureImporter::importUdpData(data, "cap", 0, {}, &error));
    QCOMPARE(error, std::string("UDP flow 0 is incomplete: 1 datagram was cut short by the capture's snap length (the "
                                "first in frame 3). Import it anyway with --allow-gaps (those datagrams are left out)"));
    CaptureImportOptions o;
    o.allowGaps = true;
    const auto s = CaptureImporter::importUdpData(data, "cap", 0, o, &error);
    QVERIFY2(s, error.c_str());
    QCOMPARE(kinds(s->events), (std::vector<std::string>{"connecting", "connected", "datagram_sent", "datagram_sent",
                                                          "closed", "stopped"}));
}

void TestCaptureImporter::udpRoundTripThroughPcapng() {
    const std::string data = lwtest::pcapFile(udpSample(), lt::kEthernet);
    std::string error;
    const auto s = CaptureImporter::importUdpData(data, "cap", 0, {}, &error);
    QVERIFY2(s, error.c_str());
    std::vector<std::string> notes;
    const auto datagrams = engine::extractDatagrams(s->events, &notes);
    QCOMPARE(datagrams.size(), 3u);
    engine::PcapngExportStats stats;
    const std::string capture =
        engine::PcapngWriter::render(s->header, engine::extractConversations(s->events), {}, &stats, datagrams);
    QCOMPARE(stats.datagrams, 3u);
    QCOMPARE(stats.conversations, 0u);  // a connected UDP channel: no TCP packets made up
    QCOMPARE(stats.packets, 3u);
    const auto l = CaptureImporter::listData(capture, "export", &error);
    QVERIFY2(l, error.c_str());
    QCOMPARE(l->tcpPackets, 0u);
    QCOMPARE(l->udpFlows.size(), 1u);
    const auto back = CaptureImporter::importUdpData(capture, "export", 0, {}, &error);
    QVERIFY2(back, error.c_str());
    QCOMPARE(kinds(back->events), kinds(s->events));
    for (std::size_t i = 0; i < s->events.size(); ++i) {
        QCOMPARE(back->events[i].data, s->events[i].data);
        QCOMPARE(back->events[i].info, s->events[i].info);
        QCOMPARE(back->events[i].tUs, s->events[i].tUs);
    }
}

QTEST_GUILESS_MAIN(TestCaptureImporter)
#include "tst_CaptureImporter.moc"
