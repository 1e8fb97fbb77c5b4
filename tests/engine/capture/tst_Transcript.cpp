// tst_Transcript.cpp — engine::Transcript: a session as escaped text lines.
//
// Covered: the exact text of a hand-made session (listener, an accepted
// connection, a message split over reads, binary bytes, a push, a warning,
// an unterminated tail, the close, stopped), in seconds and in UTC; one
// channel only; a UTC column whose times do not fit (a corrupt header); raw bytes of each direction of a real conversation;
// writing files (and what cannot be written); a STARTTLS session's TLS
// rows (the upgrade, the handshake and each certificate, the close), with
// what the peer's certificate says escaped.
#include "engine/capture/Transcript.h"

#include "ReplayTestSupport.h"
#include "TlsTestSupport.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <limits>
#include <sstream>

namespace {

using engine::Event;
using engine::EventKind;
using engine::Terminator;
using engine::Transcript;

std::vector<Event> sample() {
    lwtest::SessionBuilder b;
    Event& l = b.add(EventKind::Listening, 412);
    l.info = "127.0.0.1:7000";
    l.size = 7000;
    Event& a = b.add(EventKind::Accepted, 90311, 2);
    a.parent = 1;
    a.info = "127.0.0.1:50412";
    a.aux = "127.0.0.1:7000";
    Event& c1 = b.add(EventKind::Collect, 90502, 2);
    c1.data = "he";
    c1.size = 2;
    Event& c2 = b.add(EventKind::Collect, 90600, 2);
    c2.data = std::string("llo\0\xff", 5);
    c2.size = 5;
    Event& f = b.add(EventKind::FoundTerminator, 90601, 2);
    f.setTerminator(Terminator::bytes("\r\n"));
    f.size = 7;
    Event& p = b.add(EventKind::Push, 90700, 2);
    p.size = 4;
    Event& s = b.add(EventKind::Sent, 90750, 2);
    s.data = "ok\r\n";
    s.size = 4;
    Event& t = b.add(EventKind::Collect, 100000, 2);
    t.data = "tail";
    t.size = 4;
    Event& w = b.add(EventKind::Warning, 5123000, 2);
    w.sub = static_cast<std::uint8_t>(engine::WarningCode::Unterminated);
    w.info = "the last message (4 bytes) never saw its terminator '\\r\\n'";
    w.size = 4;
    b.closedByPeer(5123001, 13, 4, 2);
    b.add(EventKind::Stopped, 5123007, 0);
    return b.events;
}

engine::SessionHeader header() {
    return lwtest::cliSessionHeader("2026-05-01T12:00:00.123456Z", 1777636800123456);
}

}  // namespace

class TestTranscript : public QObject {
    Q_OBJECT

private slots:
    void text();
    void tlsRows();
    void wallClockAndOneChannel();
    void wallClockOutOfRange();
    void rawBytesAndFiles();
};

void TestTranscript::text() {
    const std::string expected =
        "# linewright transcript of a session started 2026-05-01T12:00:00.123456Z (linewright-cli 0.1.0, level full)\n"
        "# '<' received by the channel, '>' sent by it; bytes escaped: \\r \\n \\t \\0 \\\\ \\xNN\n"
        "# times: seconds since the start\n"
        "    0.000412  #1  listening on 127.0.0.1:7000\n"
        "    0.090311  #2  accepted from 127.0.0.1:50412 on 127.0.0.1:7000 (listener #1)\n"
        "    0.090601  #2 < hello\\0\\xff\\r\\n\n"
        "    0.090750  #2 > ok\\r\\n\n"
        "    0.100000  #2 < tail  [unterminated]\n"
        "    5.123000  #2  warning: the last message (4 bytes) never saw its terminator '\\r\\n'\n"
        "    5.123001  #2  closed by peer (eof): 13 bytes in, 4 out\n"
        "    5.123007      stopped\n";
    QCOMPARE(Transcript::render(header(), sample()), expected);
}

void TestTranscript::tlsRows() {
    const std::string expected =
        "# linewright transcript of a session started 2026-05-01T12:00:00.000000Z (linewright-cli 0.1.0, level full)\n"
        "# '<' received by the channel, '>' sent by it; bytes escaped: \\r \\n \\t \\0 \\\\ \\xNN\n"
        "# times: seconds since the start\n"
        "    0.000100  #1  connecting to 127.0.0.1:2525 (localhost)\n"
        "    0.000200  #1  connected to 127.0.0.1:2525 from 127.0.0.1:50000\n"
        "    0.001001  #1 > STARTTLS\\r\\n\n"
        "    0.002001  #1 < 220 go ahead\\r\\n\n"
        "    0.002100  #1  STARTTLS (smtp): TLS handshake begins\n"
        "    0.003000  #1  TLS 1.3 TLS_AES_256_GCM_SHA384, after STARTTLS, SNI localhost, verified "
        "(CN=localhost\\x1b]0;pwned\\x07,O=Evil\\xc2\\x9b2J)\n"
        "    0.003000  #1     certificate 1: CN=localhost\\x1b]0;pwned\\x07,O=Evil\\xc2\\x9b2J; issuer CN=Test CA; "
        "valid 2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z; DNS:localhost, IP:127.0.0.1; EC P-256; SHA-256 AA:BB:CC\n"
        "    0.003000  #1     certificate 2: CN=Test CA; issuer CN=Test CA; valid 2026-01-01T00:00:00Z to "
        "2036-01-01T00:00:00Z; RSA 2048; SHA-256 DD:EE:FF\n"
        "    0.004001  #1 > QUIT\\r\\n\n"
        "    0.005001  #1 < 221 bye\\r\\n\n"
        "    0.006000  #1  TLS closed (close_notify)\n"
        "    0.006001  #1  closed by peer (eof): 23 bytes in, 16 out\n"
        "    0.007000      stopped\n";
    const std::string text = Transcript::render(lwtest::tlsSessionHeader(), lwtest::startTlsSession());
    QVERIFY2(text == expected, text.c_str());
    for (const char c : text) QVERIFY(static_cast<unsigned char>(c) >= 0x20 || c == '\n');
    // An unverified handshake and a truncated close say so.
    auto events = lwtest::startTlsSession(engine::TlsCloseKind::Truncated);
    for (Event& e : events)
        if (e.kind == EventKind::TlsHandshake) {
            auto t = std::make_shared<engine::TlsHandshakeInfo>(*e.tls);
            t->verified = false;
            t->verifyResult = "certificate has expired";
            e.tls = t;
        }
    const std::string bad = Transcript::render(lwtest::tlsSessionHeader(), events);
    QVERIFY2(bad.find("#1  TLS 1.3 TLS_AES_256_GCM_SHA384, after STARTTLS, SNI localhost, UNVERIFIED: certificate has "
                      "expired (CN=localhost") != std::string::npos,
             bad.c_str());
    QVERIFY2(bad.find("#1  TLS closed (truncated: no close_notify, data may be missing)\n") != std::string::npos, bad.c_str());
}

void TestTranscript::wallClockAndOneChannel() {
    engine::TranscriptOptions o;
    o.wallClock = true;
    o.channel = 1;
    const std::string expected =
        "# linewright transcript of a session started 2026-05-01T12:00:00.123456Z (linewright-cli 0.1.0, level full)\n"
        "# '<' received by the channel, '>' sent by it; bytes escaped: \\r \\n \\t \\0 \\\\ \\xNN\n"
        "# times: UTC\n"
        "2026-05-01T12:00:00.123868Z  #1  listening on 127.0.0.1:7000\n"
        "2026-05-01T12:00:05.246463Z      stopped\n";
    QCOMPARE(Transcript::render(header(), sample(), o), expected);
}

void TestTranscript::wallClockOutOfRange() {
    // A corrupt header: its start plus a time does not fit in 64 bits (nor
    // in any calendar). The UTC column says so instead of overflowing.
    engine::SessionHeader h = header();
    h.startUnixUs = std::numeric_limits<std::int64_t>::max() - 1000;
    engine::TranscriptOptions o;
    o.wallClock = true;
    o.channel = 1;
    const std::string text = Transcript::render(h, sample(), o);
    // 412 µs after the start: past the calendar's last year, but it fits.
    const std::string late = std::to_string(std::numeric_limits<std::int64_t>::max() - 1000 + 412);
    QVERIFY2(text.find("\nout-of-range time (" + late + " us since 1970)  #1  listening on 127.0.0.1:7000\n") !=
                 std::string::npos,
             text.c_str());
    // 5.123007 s after it: the sum does not fit; it stops at the largest time.
    const std::string max = std::to_string(std::numeric_limits<std::int64_t>::max());
    QVERIFY2(text.find("\nout-of-range time (" + max + " us since 1970)      stopped\n") != std::string::npos,
             text.c_str());
    h.startUnixUs = std::numeric_limits<std::int64_t>::min();
    Event before;
    before.seq = 1;
    before.tUs = -5;
    before.kind = EventKind::Paused;
    const std::string min = std::to_string(std::numeric_limits<std::int64_t>::min());
    QVERIFY2(Transcript::render(h, {before}, o).find("out-of-range time (" + min + " us since 1970)      paused") !=
                 std::string::npos,
             Transcript::render(h, {before}, o).c_str());
}

void TestTranscript::rawBytesAndFiles() {
    lwtest::ScriptedServer server([](std::size_t, const std::string& b) -> std::optional<std::string> { return "<" + b + ">\n"; });
    lwtest::ClientScript cs;
    cs.requests = {"a\n", "b\n"};
    const auto c = lwtest::recordClient(server.port(), cs).conversations().at(0);
    QCOMPARE(Transcript::rawBytes(c, true), std::string("a\nb\n"));
    QCOMPARE(Transcript::rawBytes(c, false), std::string("<a>\n<b>\n"));
    QTemporaryDir dir;
    const std::string path = dir.filePath("raw.bin").toStdString();
    std::string error;
    QVERIFY(Transcript::writeFile(path, std::string("x\0y", 3), &error));
    std::ifstream f(path, std::ios::binary);
    std::ostringstream got;
    got << f.rdbuf();
    QCOMPARE(got.str(), std::string("x\0y", 3));
    QVERIFY(!Transcript::writeFile("/no/such/dir/raw.bin", "x", &error));
    QCOMPARE(error, std::string("cannot write '/no/such/dir/raw.bin': No such file or directory"));
    QVERIFY(!Transcript::writeFile("/dev/full", std::string(1 << 20, 'x'), &error));
    QCOMPARE(error, std::string("cannot write '/dev/full': No space left on device"));
}

QTEST_GUILESS_MAIN(TestTranscript)
#include "tst_Transcript.moc"
