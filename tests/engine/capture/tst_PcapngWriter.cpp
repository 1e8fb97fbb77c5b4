// tst_PcapngWriter.cpp — engine::PcapngWriter: recorded connections as a
// pcapng capture.
//
// Covered (read back with PcapReader and checked here packet by packet):
// the section and interface blocks; the handshake, data and FIN segments
// with consistent sequence and acknowledgement numbers; IPv4 header and TCP
// checksums (IPv4 and IPv6); timestamps = session start + t_us; large writes
// split at maxSegment; a found_terminator comment on the segment holding
// each message's last byte (and none with comments off); a half-close; a
// reset; one channel only; several connections interleaved by time; notes
// for what cannot be exported; write errors. tshark's reading of the same
// files is checked end to end in tests/app/tst_CliReplay.cpp. A STARTTLS
// session: the plaintext streams as for any connection, the upgrade and the
// handshake noted on the first packet after them, the TLS close on the
// peer's FIN, what the certificate says escaped; tshark reads those
// comments back (skipped when tshark is not installed). writeSession(): a
// session's TCP connections and UDP datagrams in one call (what `export
// --pcapng` and the window's Export use), the notes of a channel whose
// datagrams a terminator cut first, and its summary line.
#include "engine/capture/PcapngWriter.h"
#include "engine/capture/PcapReader.h"
#include "engine/capture/TcpReassembler.h"

#include "ReplayTestSupport.h"
#include "TlsTestSupport.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {

using engine::CapturedPacket;
using engine::PcapngExportOptions;
using engine::PcapngWriter;
using engine::PcapReader;
using engine::TcpSegment;

std::uint32_t sum16(const unsigned char* p, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<std::uint32_t>((p[i] << 8) | p[i + 1]);
    if (n % 2) sum += static_cast<std::uint32_t>(p[n - 1] << 8);
    return sum;
}
bool foldsToZero(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

/// Verifies the IPv4 header and TCP checksums of an Ethernet frame.
bool checksumsOk(const std::string& frame) {
    const auto* p = reinterpret_cast<const unsigned char*>(frame.data()) + 14;
    const std::size_t n = frame.size() - 14;
    if ((p[0] >> 4) == 4) {
        const std::size_t ihl = static_cast<std::size_t>(p[0] & 15) * 4;
        if (!foldsToZero(sum16(p, ihl))) return false;
        std::uint32_t pseudo = sum16(p + 12, 8);
        pseudo += 6 + static_cast<std::uint32_t>(n - ihl);
        return foldsToZero(sum16(p + ihl, n - ihl, pseudo));
    }
    std::uint32_t pseudo = sum16(p + 8, 32);
    pseudo += static_cast<std::uint32_t>(n - 40) + 6;
    return foldsToZero(sum16(p + 40, n - 40, pseudo));
}

struct Read {
    std::vector<CapturedPacket> packets;
    std::vector<TcpSegment> segments;
    std::string error;
};

Read readBack(const std::string& bytes) {
    Read r;
    PcapReader reader;
    if (!reader.openData(bytes, "export")) {
        r.error = reader.error();
        return r;
    }
    CapturedPacket p;
    while (reader.next(p)) r.packets.push_back(p);
    r.error = reader.error();
    for (const CapturedPacket& c : r.packets) {
        TcpSegment s;
        if (PcapReader::decodeTcp(c, s) == engine::DecodeResult::Tcp) r.segments.push_back(s);
    }
    return r;
}

std::string flagsOf(const TcpSegment& s) {
    std::string f;
    if (s.has(TcpSegment::kSyn)) f += "S";
    if (s.has(TcpSegment::kFin)) f += "F";
    if (s.has(TcpSegment::kRst)) f += "R";
    if (s.has(TcpSegment::kPsh)) f += "P";
    if (s.has(TcpSegment::kAck)) f += ".";
    return f;
}

lwtest::Recorded echoSession(lwtest::ClientScript::End end = lwtest::ClientScript::End::Close, std::string host = "127.0.0.1") {
    lwtest::ScriptedServer::Options so;
    so.host = host;
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo, so);
    lwtest::ClientScript cs;
    cs.host = host;
    cs.requests = {"hello\n", "\n", "big " + std::string(100000, 'b') + "\n"};
    cs.end = end;
    return lwtest::recordClient(server.port(), cs);
}

}  // namespace

class TestPcapngWriter : public QObject {
    Q_OBJECT

private slots:
    void packetsOfAConnection();
    void ipv6();
    void halfClose();
    void commentsOff();
    void oneChannelAndSeveral();
    void notes();
    void writeErrors();
    void tlsNotes();
    void writeSessionWithDatagrams();
};

void TestPcapngWriter::packetsOfAConnection() {
    const lwtest::Recorded rec = echoSession();
    const auto cs = rec.conversations();
    PcapngExportOptions o;
    o.maxSegment = 30000;
    engine::PcapngExportStats stats;
    const std::string bytes = PcapngWriter::render(rec.header, cs, o, &stats);
    QCOMPARE(PcapngWriter::render(rec.header, cs, o), bytes);  // deterministic
    const Read r = readBack(bytes);
    QVERIFY2(r.error.empty(), r.error.c_str());
    QCOMPARE(r.segments.size(), r.packets.size());
    QCOMPARE(stats.packets, r.packets.size());
    QCOMPARE(stats.conversations, 1u);
    QCOMPARE(r.packets[0].linkType, engine::linktype::kEthernet);

    // Handshake first, FINs last.
    QCOMPARE(flagsOf(r.segments[0]), std::string("S"));
    QCOMPARE(flagsOf(r.segments[1]), std::string("S."));
    QCOMPARE(flagsOf(r.segments[2]), std::string("."));
    const std::size_t n = r.segments.size();
    QCOMPARE(flagsOf(r.segments[n - 3]), std::string("F."));  // we closed (close_when_done)
    QCOMPARE(r.segments[n - 3].source(), cs[0].clientAddress());
    QCOMPARE(flagsOf(r.segments[n - 2]), std::string("F."));
    QCOMPARE(flagsOf(r.segments[n - 1]), std::string("."));

    // Sequence numbers: each side's next byte; ACKs: the other side's.
    std::map<std::string, std::uint32_t> next;
    for (std::size_t i = 0; i < n; ++i) {
        const TcpSegment& s = r.segments[i];
        QVERIFY2(checksumsOk(r.packets[i].data), ("bad checksum in frame " + std::to_string(i + 1)).c_str());
        const std::string from = s.source(), to = s.destination();
        if (next.count(from)) QCOMPARE(s.seq, next[from]);
        if (s.has(TcpSegment::kAck) && next.count(to)) QCOMPARE(s.ack, next[to]);
        next[from] = s.seq + static_cast<std::uint32_t>(s.payload.size()) +
                     ((s.flags & (TcpSegment::kSyn | TcpSegment::kFin)) ? 1u : 0u);
        QVERIFY(s.payload.size() <= 30000);
        QVERIFY(i == 0 || r.packets[i].timestampNs >= r.packets[i - 1].timestampNs);
    }
    QCOMPARE(r.packets[0].timestampNs, (rec.header.startUnixUs + cs[0].firstUs) * 1000);

    // Reassembled, the bytes are the recorded ones.
    engine::TcpReassembler ra;
    for (std::size_t i = 0; i < n; ++i) ra.add(r.segments[i], i + 1, r.packets[i].timestampNs);
    const auto stream = ra.stream(0);
    QVERIFY(stream.info.complete());
    QCOMPARE(stream.info.retransmitted[0] + stream.info.retransmitted[1], 0u);
    std::string c2s, s2c;
    for (const auto& c : stream.chunks) (c.direction == 0 ? c2s : s2c) += c.bytes;
    QCOMPARE(c2s, cs[0].clientToServer().bytes);
    QCOMPARE(s2c, cs[0].serverToClient().bytes);

    // One comment per found_terminator, on the segment with the message's last byte.
    std::vector<std::string> comments;
    for (const CapturedPacket& p : r.packets)
        for (const std::string& c : p.comments) {
            comments.push_back(c);
            QVERIFY(p.data.size() > 54);
        }
    QCOMPARE(stats.comments, 3u);
    QCOMPARE(comments.size(), 3u);
    QCOMPARE(comments[0], "found_terminator 1 on channel " + std::to_string(cs[0].channel) +
                              ": 5-byte message, terminator '\\n'");
    QCOMPARE(comments[1], "found_terminator 2 on channel " + std::to_string(cs[0].channel) +
                              ": 0-byte message, terminator '\\n'");
}

void TestPcapngWriter::ipv6() {
    const lwtest::Recorded rec = echoSession(lwtest::ClientScript::End::Close, "::1");
    const Read r = readBack(PcapngWriter::render(rec.header, rec.conversations(), {}));
    QVERIFY(!r.segments.empty());
    for (std::size_t i = 0; i < r.segments.size(); ++i) {
        QCOMPARE(r.segments[i].family, engine::kAfInet6);
        QVERIFY(checksumsOk(r.packets[i].data));
    }
    QCOMPARE(r.segments[0].destination(), rec.conversations()[0].serverAddress());
}

void TestPcapngWriter::halfClose() {
    const lwtest::Recorded rec = echoSession(lwtest::ClientScript::End::HalfClose);
    const auto cs = rec.conversations();
    QVERIFY(cs[0].halfClosedUs >= 0);
    const Read r = readBack(PcapngWriter::render(rec.header, cs, {}));
    // The client's FIN, then the server's, then the client's ACK.
    std::vector<std::string> fins;
    for (const TcpSegment& s : r.segments)
        if (s.has(TcpSegment::kFin)) fins.push_back(s.source());
    QCOMPARE(fins, (std::vector<std::string>{cs[0].clientAddress(), cs[0].serverAddress()}));
}

void TestPcapngWriter::commentsOff() {
    const lwtest::Recorded rec = echoSession();
    PcapngExportOptions o;
    o.comments = false;
    for (const CapturedPacket& p : readBack(PcapngWriter::render(rec.header, rec.conversations(), o)).packets)
        QVERIFY(p.comments.empty());
}

void TestPcapngWriter::oneChannelAndSeveral() {
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo);
    lwtest::ClientScript a, b;
    a.requests = {"first\n"};
    b.requests = {"second\n"};
    lwtest::recordClient(server.port(), a);
    lwtest::recordClient(server.port(), b);
    const lwtest::Recorded rec = server.stop();
    const auto cs = rec.conversations();
    QCOMPARE(cs.size(), 2u);
    engine::PcapngExportStats stats;
    const Read both = readBack(PcapngWriter::render(rec.header, cs, {}, &stats));
    QCOMPARE(stats.conversations, 2u);
    engine::TcpReassembler ra;
    for (std::size_t i = 0; i < both.segments.size(); ++i) ra.add(both.segments[i], i + 1, both.packets[i].timestampNs);
    QCOMPARE(ra.streamCount(), 2u);
    QCOMPARE(ra.stream(0).info.client, cs[0].clientAddress());
    QCOMPARE(ra.stream(1).info.client, cs[1].clientAddress());
    PcapngExportOptions only;
    only.channel = cs[1].channel;
    const Read one = readBack(PcapngWriter::render(rec.header, cs, only, &stats));
    QCOMPARE(stats.conversations, 1u);
    QCOMPARE(one.segments[0].source(), cs[1].clientAddress());
}

void TestPcapngWriter::notes() {
    const lwtest::Recorded rec = echoSession();
    auto cs = engine::extractConversations(rec.events, "messages");  // no sent bytes
    engine::PcapngExportStats stats;
    std::string error;
    QVERIFY(!PcapngWriter::write("/tmp/never-written.pcapng", rec.header, cs, {}, &stats, &error));
    QVERIFY2(error.find("the session has no connection to export; channel ") == 0, error.c_str());
    QVERIFY2(error.find("left out") != std::string::npos, error.c_str());

    auto full = rec.conversations();
    full[0].peer.clear();  // an address that was never recorded
    const Read r = readBack(PcapngWriter::render(rec.header, full, {}, &stats));
    QCOMPARE(stats.notes.size(), 1u);
    QVERIFY2(stats.notes[0].find("192.0.2.2 stands in for it") != std::string::npos, stats.notes[0].c_str());
    QCOMPARE(r.segments[0].destination(), std::string("192.0.2.2:7"));
}

void TestPcapngWriter::writeErrors() {
    const lwtest::Recorded rec = echoSession();
    std::string error;
    engine::PcapngExportStats stats;
    QVERIFY(!PcapngWriter::write("/no/such/dir/x.pcapng", rec.header, rec.conversations(), {}, &stats, &error));
    QCOMPARE(error, std::string("cannot write '/no/such/dir/x.pcapng': No such file or directory"));
    QVERIFY(!PcapngWriter::write("/dev/full", rec.header, rec.conversations(), {}, &stats, &error));
    QCOMPARE(error, std::string("cannot write '/dev/full': No space left on device"));
}

void TestPcapngWriter::tlsNotes() {
    const auto header = lwtest::tlsSessionHeader();
    const auto cs = engine::extractConversations(lwtest::startTlsSession(), header.level);
    engine::PcapngExportStats stats;
    const std::string bytes = PcapngWriter::render(header, cs, {}, &stats);
    const Read r = readBack(bytes);
    QVERIFY2(r.error.empty(), r.error.c_str());
    // The plaintext, as for any connection.
    engine::TcpReassembler ra;
    for (std::size_t i = 0; i < r.segments.size(); ++i) ra.add(r.segments[i], i + 1, r.packets[i].timestampNs);
    std::string c2s, s2c;
    for (const auto& c : ra.stream(0).chunks) (c.direction == 0 ? c2s : s2c) += c.bytes;
    QCOMPARE(c2s, std::string("STARTTLS\r\nQUIT\r\n"));
    QCOMPARE(s2c, std::string("220 go ahead\r\n221 bye\r\n"));
    // Each packet's comments, with its payload and flags.
    std::vector<std::pair<std::string, std::vector<std::string>>> commented;
    for (std::size_t i = 0; i < r.packets.size(); ++i)
        if (!r.packets[i].comments.empty())
            commented.emplace_back(flagsOf(r.segments[i]) + " " + std::string(r.segments[i].payload), r.packets[i].comments);
    QCOMPARE(commented.size(), 4u);
    QCOMPARE(commented[0].first, std::string("P. 220 go ahead\r\n"));  // found_terminator 1
    QCOMPARE(commented[1].first, std::string("P. QUIT\r\n"));          // the first packet after the upgrade
    QCOMPARE(commented[1].second.size(), 2u);
    QCOMPARE(commented[1].second[0], std::string("channel 1: STARTTLS (smtp): TLS handshake begins"));
    QCOMPARE(commented[1].second[1],
             std::string("channel 1: TLS 1.3 TLS_AES_256_GCM_SHA384, after STARTTLS, SNI localhost, verified "
                         "(CN=localhost\\x1b]0;pwned\\x07,O=Evil\\xc2\\x9b2J) [the TCP payload here is the decrypted "
                         "plaintext; the TLS records are not in this capture]"));
    QCOMPARE(commented[2].first, std::string("P. 221 bye\r\n"));
    QCOMPARE(commented[3].first, std::string("F. "));  // the peer's FIN
    QCOMPARE(commented[3].second, std::vector<std::string>{"channel 1: TLS closed (close_notify)"});
    QCOMPARE(stats.comments, 5u);
    for (const auto& [what, comments] : commented)
        for (const std::string& c : comments)
            for (const char ch : c) QVERIFY2(static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f, c.c_str());
    // Without comments, none.
    PcapngExportOptions off;
    off.comments = false;
    for (const CapturedPacket& p : readBack(PcapngWriter::render(header, cs, off)).packets) QVERIFY(p.comments.empty());
    // A connection still open at the end: a close that follows the last
    // bytes is noted on the last packet there is (here the last message's).
    auto open = lwtest::startTlsSession();
    std::erase_if(open, [](const engine::Event& e) { return e.kind == engine::EventKind::Closed; });
    const Read o = readBack(PcapngWriter::render(header, engine::extractConversations(open, header.level), {}));
    std::string last;
    for (const std::string& c : o.packets.back().comments) last += c + "|";
    QVERIFY2(last == "found_terminator 2 on channel 1: 7-byte message, terminator '\\r\\n'|channel 1: TLS closed (close_notify)|",
             last.c_str());

    // tshark reads the notes.
    const QString tshark = QStandardPaths::findExecutable("tshark");
    if (tshark.isEmpty()) QSKIP("tshark is not installed (Debian: apt-get install tshark); the rest passed");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("tls.pcapng");
    std::string error;
    QVERIFY2(PcapngWriter::write(path.toStdString(), header, cs, {}, nullptr, &error), error.c_str());
    QProcess p;
    p.start(tshark, {"-r", path, "-T", "fields", "-e", "frame.number", "-e", "frame.comment", "-Y", "frame.comment"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY2(out.contains("channel 1: STARTTLS (smtp): TLS handshake begins"), qPrintable(out));
    QVERIFY2(out.contains("channel 1: TLS 1.3 TLS_AES_256_GCM_SHA384, after STARTTLS"), qPrintable(out));
    QVERIFY2(out.contains("channel 1: TLS closed (close_notify)"), qPrintable(out));
}

void TestPcapngWriter::writeSessionWithDatagrams() {
    using K = engine::EventKind;
    const std::string srv = "127.0.0.1:5300";
    lwtest::SessionBuilder b;
    b.add(K::Connecting, 100, 1, srv, {}, "127.0.0.1");
    b.add(K::Connected, 200, 1, srv, {}, "127.0.0.1:40001");
    b.add(K::DatagramSent, 300, 1, srv, "ping");
    b.add(K::Datagram, 400, 1, srv, "pong");
    b.add(K::Listening, 500, 2, "127.0.0.1:7000");
    b.add(K::Datagram, 600, 2, "127.0.0.1:9", "a").count = 4;  // a message of a 4-byte datagram a terminator cut
    const std::vector<engine::Event>& events = b.events;
    engine::SessionHeader header;
    header.startUnixUs = 1'777'636'800'000'000;
    header.level = "full";
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("udp.pcapng").toStdString();
    engine::PcapngExportStats stats;
    std::string error;
    QVERIFY2(PcapngWriter::writeSession(path, header, events, engine::extractConversations(events, header.level), {},
                                        &stats, &error),
             error.c_str());
    QCOMPARE(stats.datagrams, 2u);
    QCOMPARE(stats.summary(), std::string("0 connections, 2 packets, 0 found_terminator comments, 2 UDP datagrams"));
    QCOMPARE(stats.notes.size(), 1u);
    QVERIFY2(stats.notes[0].find("channel 2: its datagrams were cut into messages") == 0, stats.notes[0].c_str());
    PcapReader reader;
    QVERIFY2(reader.open(path), reader.error().c_str());
    CapturedPacket p;
    std::vector<std::string> seen;
    while (reader.next(p)) {
        engine::UdpDatagram d;
        QCOMPARE(PcapReader::decodeUdp(p, d), engine::DecodeResult::Udp);
        seen.push_back(d.source() + ">" + d.destination() + " " + std::string(d.payload));
    }
    QCOMPARE(seen, (std::vector<std::string>{"127.0.0.1:40001>127.0.0.1:5300 ping", "127.0.0.1:5300>127.0.0.1:40001 pong"}));
    // The summary of a TCP-only export has no UDP part.
    engine::PcapngExportStats tcp;
    tcp.conversations = 1;
    tcp.packets = 9;
    tcp.comments = 3;
    QCOMPARE(tcp.summary(), std::string("1 connection, 9 packets, 3 found_terminator comments"));
}

QTEST_GUILESS_MAIN(TestPcapngWriter)
#include "tst_PcapngWriter.moc"
