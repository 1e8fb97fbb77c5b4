// tst_CliUdpReplay.cpp — UDP sessions imported from captures, replayed and
// mocked by linewright-cli, against real peers on loopback: logger(1)
// captured by tcpdump and imported (tshark reads the export as syslog);
// a dig(1) query to dnsmasq captured and imported, replayed against that
// dnsmasq (passes) and one with another hosts file (diverges at the
// address), served by `mock` to dig (the recorded answer; the DNS id copied
// with --copy-bytes 0:2, refused by dig without it); `udp send` and `udp
// listen --echo` recordings replayed against an echo server and a closed
// port; a reply that never comes (the per-reply timeout). Waits are on
// outputs and exits, with deadlines; nothing sleeps.
#include "CliTestSupport.h"
#include "PeerTestSupport.h"
#include "ProcessTestSupport.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

#include <memory>

#if !defined(_WIN32)
#include <unistd.h>
#endif

using namespace lwtest;

namespace {
constexpr int kWait = 15000;

Run cli(const QStringList& args, const QByteArray& input = {}) { return runProcess(kCli, args, input, 30000, kWait); }
Run run(const QString& program, const QStringList& args) { return runProcess(program, args, {}, 30000, kWait); }

QString sbin(const QString& name) {
    return QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"),
                                                 QStringLiteral("/usr/bin"), QStringLiteral("/bin")});
}

/// dnsmasq on 127.0.0.1:port answering from `hosts` only.
class Dnsmasq : public Background {
public:
    Dnsmasq(quint16 port, const QString& hosts)
        : Background(sbin("dnsmasq"),
                     {"--no-daemon", QString("--port=%1").arg(port), "--listen-address=127.0.0.1", "--bind-interfaces",
                      "--no-resolv", "--no-hosts", "--addn-hosts=" + hosts, "--pid-file", "--log-facility=-", "-C",
                      "/dev/null"},
                     kWait),
          m_port(port) {}
    quint16 port() const { return m_port; }
    /// Asks until it answers `name` (it may not have bound yet) or `ms`
    /// pass: the answer, or "".
    QString ready(const QString& name, int ms = kWait) {
        QDeadlineTimer deadline(ms);
        while (!deadline.hasExpired() && process().state() == QProcess::Running) {
            const Run d = run(sbin("dig"), {"@127.0.0.1", "-p", QString::number(m_port), name, "+short", "+tries=1",
                                            "+timeout=1"});
            if (d.status == 0 && !d.out.trimmed().isEmpty()) return QString::fromUtf8(d.out.trimmed());
        }
        return {};
    }

private:
    quint16 m_port;
};

/// dnsmasq answering `name` from `hosts`, on a port free a moment ago. That
/// port can be taken before dnsmasq binds it (other tests run at the same
/// time, and dnsmasq binds TCP on the same number too), so a start that does
/// not answer is stopped and tried on another port, four times at most.
/// Null, with what each try said in `why`, when none answered.
std::unique_ptr<Dnsmasq> startDnsmasq(const QString& hosts, const QString& name, const QString& answer,
                                      QByteArray* why, quint16 notPort = 0) {
    for (int attempt = 0; attempt < 4; ++attempt) {
        const quint16 port = freeUdpPort();
        if (port == 0 || port == notPort) continue;
        auto dns = std::make_unique<Dnsmasq>(port, hosts);
        const QString got = dns->ready(name, kWait / 3);
        if (got == answer) return dns;
        dns->stop();
        *why += "port " + QByteArray::number(port) + ": answered \"" + got.toUtf8() + "\"; " + dns->err() + "\n";
    }
    return nullptr;
}

/// tcpdump on lo, UDP port `port` only, into `file`; started once it listens.
class Tcpdump : public Background {
public:
    Tcpdump(const QString& file, quint16 port)
        : Background(sbin("tcpdump"), {"-i", "lo", "-U", "-n", "-Z", "root", "-c", "50", "-w", file,
                                       QString("udp port %1").arg(port)},
                     kWait) {}
    bool listening() { return !waitFor(QRegularExpression("(listening on lo)")).isEmpty(); }
};

/// `import --list` of `capture` until it shows `udpPackets` UDP packets.
Run listUntil(const QString& capture, int udpPackets) {
    QDeadlineTimer deadline(kWait);
    Run list;
    const QByteArray want = QByteArray::number(udpPackets) + " UDP,";
    while (!deadline.hasExpired()) {
        list = cli({"import", capture, "--list"});
        if (list.status == 0 && list.out.contains(want)) break;
        QTest::qWait(50);
    }
    return list;
}

bool root() {
#if !defined(_WIN32)
    return ::geteuid() == 0;
#else
    return false;
#endif
}
}  // namespace

class TestCliUdpReplay : public QObject {
    Q_OBJECT

private slots:
    void loggerCaptureImported();
    void dnsRecordedReplayedAndMocked();
    void udpSendRecordingReplayed();
    void serverSideRecordingReplayedAndMocked();
    void missingReplyTimesOut();
    void usage();

private:
    QTemporaryDir m_dir;
};

void TestCliUdpReplay::loggerCaptureImported() {
    if (sbin("tcpdump").isEmpty() || sbin("logger").isEmpty() || sbin("tshark").isEmpty())
        QSKIP("tcpdump, logger or tshark is not installed");
    QVERIFY2(root(), "tcpdump on lo needs root (CI runs as root)");
    Background listener(kCli, {"udp", "listen", "0", "--count", "2", "--timeout", "30"}, kWait);
    const quint16 port = listener.port();
    QVERIFY(port != 0);
    const QString capture = m_dir.filePath("syslog.pcap");
    Tcpdump tcpdump(capture, port);
    QVERIFY(tcpdump.listening());
    for (const char* line : {"first line", "second line"}) {
        const Run l = run(sbin("logger"), {"-n", "127.0.0.1", "-P", QString::number(port), "-d", "-t", "lwtest", line});
        QVERIFY2(l.status == 0, qPrintable(l.all()));
    }
    QCOMPARE(listener.finish(kWait), 0);
    const Run list = listUntil(capture, 2);
    tcpdump.stop();
    QVERIFY2(list.out.contains("2 packets, 0 TCP, 2 UDP, 0 other"), qPrintable(list.all()));
    // Two logger runs, two source ports: two flows, one datagram each.
    const QRegularExpression flow(QString(R"(udp flow (\d): 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:%1, frames \d-\d, 1 datagrams \((\d+) bytes\) from the client, 0 \(0 bytes\) from the server)").arg(port));
    QCOMPARE(flow.globalMatch(QString::fromUtf8(list.out)).hasNext(), true);
    auto it = flow.globalMatch(QString::fromUtf8(list.out));
    int flows = 0;
    while (it.hasNext()) {
        it.next();
        ++flows;
    }
    QCOMPARE(flows, 2);

    const QString session = m_dir.filePath("syslog.jsonl");
    const Run imp = cli({"import", capture, "--udp-flow", "1", "-o", session});
    QVERIFY2(imp.status == 0, qPrintable(imp.all()));
    QVERIFY2(imp.err.contains("UDP flow 1 as a session of 5 events: 1 datagrams ("), imp.err.constData());
    QFile f(session);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY2(text.contains("\"event\":\"datagram_sent\"") && text.contains("lwtest - - ") &&
                 text.contains("second line\"") && !text.contains("first line"),
             text.constData());
    QVERIFY2(text.contains(QString("\"peer\":\"127.0.0.1:%1\"").arg(port).toUtf8()), text.constData());

    // Exported again: one UDP packet, syslog to tshark, no TCP made up.
    const QString pcapng = m_dir.filePath("syslog.pcapng");
    const Run e = cli({"export", session, "--pcapng", pcapng});
    QVERIFY2(e.status == 0 && e.err.contains("0 connections, 1 packets"), qPrintable(e.all()));
    const Run t = run(sbin("tshark"), {"-r", pcapng, "-d", QString("udp.port==%1,syslog").arg(port), "-T", "fields",
                                       "-e", "syslog.msg"});
    QVERIFY2(t.status == 0, qPrintable(t.all()));
    QCOMPARE(lines(t.out).size(), 1);
    QVERIFY2(t.out.trimmed().endsWith("second line"), t.out.constData());

    const Run none = cli({"import", capture, "--udp-flow", "2", "-o", m_dir.filePath("none.jsonl")});
    QCOMPARE(none.status, 1);
    QVERIFY2(none.err.contains("the capture has 2 UDP flows (0 to 1); there is no flow 2"), none.err.constData());
}

void TestCliUdpReplay::dnsRecordedReplayedAndMocked() {
    if (sbin("dnsmasq").isEmpty() || sbin("dig").isEmpty() || sbin("tcpdump").isEmpty() || sbin("tshark").isEmpty())
        QSKIP("dnsmasq, dig (dnsutils), tcpdump or tshark is not installed");
    QVERIFY2(root(), "tcpdump on lo needs root (CI runs as root)");
    const QString hosts1 = m_dir.filePath("hosts1"), hosts2 = m_dir.filePath("hosts2");
    QVERIFY(writeFile(hosts1, "10.1.2.3 alpha.lan\n"));
    QVERIFY(writeFile(hosts2, "10.9.9.9 alpha.lan\n"));
    QByteArray why;
    const auto dns1 = startDnsmasq(hosts1, "alpha.lan", "10.1.2.3", &why);
    QVERIFY2(dns1, ("dnsmasq did not answer on four ports: " + why).constData());
    const auto dns2 = startDnsmasq(hosts2, "alpha.lan", "10.9.9.9", &why, dns1->port());
    QVERIFY2(dns2, ("dnsmasq did not answer on four ports: " + why).constData());
    const quint16 port1 = dns1->port(), port2 = dns2->port();

    // Record: dig's query and dnsmasq's answer, captured on lo.
    const QString capture = m_dir.filePath("dns.pcap");
    {
        Tcpdump tcpdump(capture, port1);
        QVERIFY(tcpdump.listening());
        const Run d = run(sbin("dig"), {"@127.0.0.1", "-p", QString::number(port1), "alpha.lan", "+short", "+tries=1"});
        QCOMPARE(d.out.trimmed(), QByteArray("10.1.2.3"));
        const Run list = listUntil(capture, 2);
        QVERIFY2(list.out.contains(QString(" -> 127.0.0.1:%1, frames 1-2, 1 datagrams").arg(port1).toUtf8()),
                 qPrintable(list.all()));
        tcpdump.stop();
    }
    const QString session = m_dir.filePath("dns.jsonl");
    const Run imp = cli({"import", capture, "--udp-flow", "0", "-o", session});
    QVERIFY2(imp.status == 0, qPrintable(imp.all()));

    // tshark reads the session's export as DNS: the recorded answer.
    const QString pcapng = m_dir.filePath("dns.pcapng");
    QCOMPARE(cli({"export", session, "--pcapng", pcapng}).status, 0);
    const Run t = run(sbin("tshark"), {"-r", pcapng, "-d", QString("udp.port==%1,dns").arg(port1), "-Y",
                                       "dns.flags.response == 1", "-T", "fields", "-e", "dns.a"});
    QCOMPARE(t.out.trimmed(), QByteArray("10.1.2.3"));

    // Replay: the same dnsmasq gives the same answer (its id is the query's).
    const Run same = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(port1)});
    QVERIFY2(same.status == 0, qPrintable(same.all()));
    QVERIFY2(same.err.contains("replay passed: 1 of 1 requests sent, 1 of 1 replies matched"), same.err.constData());
    // Another hosts file: the address differs, at its first byte (offset 40 of the answer with EDNS).
    const Run other = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(port2)});
    QCOMPARE(other.status, 1);
    QVERIFY2(other.err.contains("divergence: reply 1 of 1 differs from the recording at byte 40"), other.err.constData());
    QVERIFY2(other.err.contains("\\n\\x01\\x02\\x03") && other.err.contains("\\n\\t\\t\\t"), other.err.constData());
    // ... unless the address is ignored (RE2 on bytes, after the answer's TTL and length).
    const Run ignored = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(port2), "--ignore",
                             R"((?s)\x00\x04.{4}\x00\x00\x29)"});
    QVERIFY2(ignored.status == 0, qPrintable(ignored.all()));

    // Mock: dig gets the recorded answer, with its own id copied in.
    {
        Background mock(kCli, {"mock", session, "--listen", "0", "--copy-bytes", "0:2", "--timeout", "60"}, kWait);
        const quint16 port = mock.port();
        QVERIFY2(port != 0, mock.err().constData());
        QVERIFY2(mock.err().contains("(udp)"), mock.err().constData());
        const Run d = run(sbin("dig"), {"@127.0.0.1", "-p", QString::number(port), "alpha.lan", "+tries=1", "+timeout=3"});
        QVERIFY2(d.status == 0, qPrintable(d.all()));
        QVERIFY2(d.out.contains("status: NOERROR") && QRegularExpression(R"(alpha\.lan\.\s+0\s+IN\s+A\s+10\.1\.2\.3)")
                                                          .match(QString::fromUtf8(d.out))
                                                          .hasMatch(),
                 d.out.constData());
        QCOMPARE(mock.stop(), 0);
        QVERIFY2(mock.err().contains("request 1 answered with 1 datagram"), mock.err().constData());
        QVERIFY2(mock.err().contains("mock stopped: 1 peers, 1 requests answered with 1 datagrams"),
                 mock.err().constData());
    }
    // Without --copy-bytes the recorded id goes back, and dig refuses the answer.
    {
        Background mock(kCli, {"mock", session, "--listen", "0", "--timeout", "60"}, kWait);
        const quint16 port = mock.port();
        QVERIFY(port != 0);
        const Run d = run(sbin("dig"), {"@127.0.0.1", "-p", QString::number(port), "alpha.lan", "+tries=1", "+timeout=1"});
        QVERIFY2(d.out.contains("ID mismatch") || d.err.contains("ID mismatch"), qPrintable(d.all()));
        QCOMPARE(mock.stop(), 0);
    }
}

void TestCliUdpReplay::udpSendRecordingReplayed() {
    Background echo(kCli, {"udp", "listen", "0", "--echo", "--quiet", "--timeout", "60"}, kWait);
    const quint16 port = echo.port();
    QVERIFY(port != 0);
    const QString session = m_dir.filePath("send.jsonl");
    const Run s = cli({"udp", "send", "127.0.0.1", QString::number(port), "--send", "ping\\n", "--repeat", "3",
                       "--count", "3", "--timeout", "10", "--record", session});
    QVERIFY2(s.status == 0, qPrintable(s.all()));
    const Run r = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(port)});
    QVERIFY2(r.status == 0, qPrintable(r.all()));
    QVERIFY2(r.err.contains("3 datagrams to send, 3 replies to compare"), r.err.constData());
    QVERIFY2(r.err.contains("3 of 3 requests sent, 3 of 3 replies matched, 0 divergences"), r.err.constData());
    QVERIFY2(r.out.contains("> 1 ping\\n") && r.out.contains("< 3 ping\\n"), r.out.constData());
    for (const char* pace : {"fast", "original"}) {
        const Run p = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(port), "--pace", pace});
        QVERIFY2(p.status == 0, qPrintable(p.all()));
    }
    // Nothing listens: ICMP port unreachable fails the replay, in one line.
    const quint16 closed = freeUdpPort();
    const Run c = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(closed), "--timeout", "5"});
    QCOMPARE(c.status, 1);
    QVERIFY2(c.err.contains("ICMP port unreachable"), c.err.constData());
}

void TestCliUdpReplay::serverSideRecordingReplayedAndMocked() {
    const QString session = m_dir.filePath("server.jsonl");
    {
        Background echo(kCli, {"udp", "listen", "0", "--echo", "--quiet", "--count", "2", "--timeout", "30", "--record",
                               session},
                        kWait);
        const quint16 port = echo.port();
        QVERIFY(port != 0);
        const Run s = cli({"udp", "send", "127.0.0.1", QString::number(port), "--send", "one", "--repeat", "2",
                           "--count", "2", "--timeout", "10"});
        QVERIFY2(s.status == 0, qPrintable(s.all()));
        QCOMPARE(echo.finish(kWait), 0);
    }
    // The echo server's side, served as a mock, answers a client as it did.
    Background mock(kCli, {"mock", session, "--listen", "0", "--timeout", "60"}, kWait);
    const quint16 port = mock.port();
    QVERIFY(port != 0);
    const Run s = cli({"udp", "send", "127.0.0.1", QString::number(port), "--send", "two", "--repeat", "3", "--count",
                       "2", "--wait", "0.5", "--timeout", "10"});
    QVERIFY2(s.status == 0, qPrintable(s.all()));
    // Answers are the recorded ones ("one"), to the first two requests; the third is beyond the recording.
    QCOMPARE(s.out, QByteArray("< one\n< one\n"));
    // Replaying the server-side recording against the mock: the client's datagrams, the echoes compared.
    const Run r = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(port)});
    QVERIFY2(r.status == 0, qPrintable(r.all()));
    QVERIFY2(r.err.contains("(recorded on the server side)") && r.err.contains("2 of 2 replies matched"),
             r.err.constData());
    QCOMPARE(mock.stop(), 0);
    QVERIFY2(mock.err().contains("datagram 3 is beyond the recording (2 requests); not answered"), mock.err().constData());
}

void TestCliUdpReplay::missingReplyTimesOut() {
    // A bound socket that never answers: each reply is waited for --timeout, then missing.
    QUdpSocket silent;
    QVERIFY(silent.bind(QHostAddress::LocalHost, 0));
    const QString session = m_dir.filePath("twice.jsonl");
    {
        Background echo(kCli, {"udp", "listen", "0", "--echo", "--quiet", "--timeout", "30"}, kWait);
        const quint16 port = echo.port();
        QVERIFY(port != 0);
        QCOMPARE(cli({"udp", "send", "127.0.0.1", QString::number(port), "--send", "x", "--repeat", "2", "--count", "2",
                      "--timeout", "10", "--record", session})
                     .status,
                 0);
    }
    QElapsedTimer t;
    t.start();
    const Run r = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(silent.localPort()), "--timeout", "0.3",
                       "--keep-going"});
    QCOMPARE(r.status, 1);
    QVERIFY2(r.err.contains("divergence: reply 1 of 2 did not come within 300 ms (UDP may have dropped it)") &&
                 r.err.contains("divergence: reply 2 of 2 did not come within 300 ms"),
             r.err.constData());
    QVERIFY2(r.err.contains("2 of 2 requests sent, 0 of 2 replies matched, 2 divergences"), r.err.constData());
    QVERIFY(t.elapsed() < 10000);
    QVERIFY(silent.waitForReadyRead(kWait));  // they were sent
}

void TestCliUdpReplay::usage() {
    const Run both = cli({"import", "x.pcap", "--stream", "0", "--udp-flow", "0", "-o", "y"});
    QCOMPARE(both.status, 2);
    QVERIFY2(both.err.contains("--stream and --udp-flow both name what to import; give one"), both.err.constData());
    const Run bad = cli({"mock", "x.jsonl", "--listen", "0", "--copy-bytes", "2"});
    QCOMPARE(bad.status, 2);
    QVERIFY2(bad.err.contains("expected OFFSET:LENGTH (bytes, e.g. 0:2), got '2'") ||
                 bad.err.contains("expected OFFSET:LENGTH (bytes, e.g. 0:2), got \"2\""),
             bad.err.constData());
}

QTEST_GUILESS_MAIN(TestCliUdpReplay)
#include "tst_CliUdpReplay.moc"
