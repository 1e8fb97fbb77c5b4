// tst_CliReplay.cpp — linewright-cli's session tools end to end, run as a
// user runs them, against real peers on loopback: CPython asynchat servers
// and clients (tests/app/replay/*.py), linewright-cli itself, tshark and
// tcpdump.
//
// Covered: record a session against a CPython asynchat server, replay it
// against the same server (exit 0) and against one that changes one reply
// (exit 1, naming exactly that reply and byte); a server-side recording
// replayed against a fresh linewright echo server; mock a recorded server
// for a CPython client; export to pcapng and read it with tshark (Follow TCP
// Stream byte-identical in both directions, checksums valid, no expert
// warnings, one frame comment per found_terminator; IPv4 and IPv6); capture
// a conversation with tcpdump on lo, import it, replay it; a recorder killed
// with kill -9 (and a file cut mid-line) still reads, summarises and
// replays; corrupted session files and captures are clear errors; reframe;
// usage errors.
// tshark, tcpdump (run as root, on lo only, filtered on the test's port,
// bounded by a packet count) and Python 3.11 with asynchat are required:
// when one is missing the test fails and says which package to install.
// Every wait has a deadline; nothing sleeps.
#include <QByteArray>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QStringList>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include "CliTestSupport.h"
#include "PeerTestSupport.h"
#include "ProcessTestSupport.h"

#if !defined(_WIN32)
#include <unistd.h>
#endif

namespace {

constexpr int kWait = 15000;

using lwtest::lines;
using lwtest::readFile;
using lwtest::Run;
using lwtest::tool;

Run run(const QString& program, const QStringList& args, const QByteArray& input = {}, int timeoutMs = kWait) {
    return lwtest::runProcess(program, args, input, timeoutMs, kWait);
}

Run cli(const QStringList& args, const QByteArray& input = {}) { return run(kCli, args, input); }

/// A process in the background: a server, a mock, tcpdump.
class Background : public lwtest::Background {
public:
    Background(const QString& program, const QStringList& args) : lwtest::Background(program, args, kWait) {}
};

/// The CPython asynchat line server (replay/line_server.py).
class PythonServer : public lwtest::PythonServer {
public:
    explicit PythonServer(const QStringList& extra = {}) : lwtest::PythonServer(kPython, kScripts, kWait, extra) {}
};

/// tshark's "follow,tcp,raw" output, as the bytes of each node.
struct Follow {
    QByteArray fromNode0, fromNode1;
    QString node0, node1;
};
Follow follow(const QString& capture, int stream) {
    Follow f;
    const Run r = run(tool("tshark"), {"-r", capture, "-q", "-z", QString("follow,tcp,raw,%1").arg(stream)});
    for (const QString& l : lines(r.out)) {
        if (l.startsWith("Node 0: ")) f.node0 = l.mid(8);
        else if (l.startsWith("Node 1: ")) f.node1 = l.mid(8);
        else if (l.startsWith('\t')) f.fromNode1 += QByteArray::fromHex(l.trimmed().toLatin1());
        else if (!l.isEmpty() && QRegularExpression("^[0-9a-f]+$").match(l).hasMatch()) f.fromNode0 += QByteArray::fromHex(l.toLatin1());
    }
    return f;
}

}  // namespace

class TestCliReplay : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void recordThenReplayAgainstCPython();
    void replayBoundsAStreamingServer();
    void serverSideRecordingReplays();
    void mockServedToCPythonClient();
    void mockMatchAnswersRedisCliInAnyOrder();
    void exportReadByTshark();
    void exportIpv6ReadByTshark();
    void tcpdumpCaptureImportedAndReplayed();
    void killDashNine();
    void corruptedInputs();
    void reframe();
    void usageErrors_data();
    void usageErrors();

private:
    /// Records a dialogue with the CPython line server; returns the file.
    QString recordAgainstPython(quint16 port, const QString& name);
    QTemporaryDir m_dir;
};

void TestCliReplay::initTestCase() {
    QVERIFY(m_dir.isValid());
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring: install python3 (Debian: apt-get install python3)");
    const Run py = run(kPython, {"-c", "import asynchat, asyncore"});
    QVERIFY2(py.status == 0, ("Python's asynchat module is needed (Python 3.11; Debian 12's python3): " + py.err).constData());
    QVERIFY2(!tool("tshark").isEmpty(), "tshark is not installed (Debian: apt-get install tshark)");
    QVERIFY2(!tool("tcpdump").isEmpty(), "tcpdump is not installed (Debian: apt-get install tcpdump)");
}

QString TestCliReplay::recordAgainstPython(quint16 port, const QString& name) {
    // Each line of stdin goes out with the terminator; at the end of stdin the
    // client half-closes; the server answers QUIT and closes.
    return lwtest::recordWithCli(kCli, port, m_dir.filePath(name),
                                 "HELO linewright\nMAIL FROM:<a@b.c>\nRCPT TO:<d@e.f>\nDATA\nQUIT\n", kWait);
}

void TestCliReplay::recordThenReplayAgainstCPython() {
    PythonServer server;
    QVERIFY(server.port);
    const QString session = recordAgainstPython(server.port, "smtp.jsonl");
    QVERIFY(!session.isEmpty());

    // Against the same server: every reply matches.
    const Run same = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(server.port)});
    QVERIFY2(same.status == 0, same.all().toUtf8().constData());
    QVERIFY2(same.err.contains("replay passed: 5 of 5 requests sent, 6 of 6 replies matched, 0 divergences"),
             same.all().toUtf8().constData());
    QVERIFY2(same.out.contains("> 2 MAIL FROM:<a@b.c>\\r\\n"), same.out.constData());
    QVERIFY2(same.out.contains("< 3 250 MAIL FROM:<a@b.c>\\r\\n"), same.out.constData());
    for (const char* pace : {"fast", "original"}) {
        const Run r = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(server.port), "--pace", pace, "-q"});
        QVERIFY2(r.status == 0, r.all().toUtf8().constData());
        QVERIFY(r.out.isEmpty());
    }

    // Against a server whose answer to the RCPT line changed: reply 4 (the
    // greeting is reply 1), at byte 4, and nothing after it.
    PythonServer changed({"--change", "RCPT TO:<d@e.f>"});
    QVERIFY(changed.port);
    const Run diff = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(changed.port)});
    QCOMPARE(diff.status, 1);
    const QStringList err = lines(diff.err);
    QVERIFY2(err.filter("divergence: reply 4 of 6 differs from the recording at byte 4").size() == 1,
             diff.all().toUtf8().constData());
    QVERIFY2(err.contains("  expected: 250 RCPT TO:<d@e.f>\\r\\n"), diff.all().toUtf8().constData());
    QVERIFY2(err.contains("  received: 250 CHANGED\\r\\n"), diff.all().toUtf8().constData());
    QVERIFY2(err.last().startsWith("linewright-cli: replay failed: "), diff.all().toUtf8().constData());
    QVERIFY2(!diff.out.contains("< 4 "), diff.out.constData());

    // The change is a legitimate one: ignore it, and it passes.
    const Run ignored = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(changed.port), "--ignore-reply",
                             "4:^250 .*$", "-q"});
    QVERIFY2(ignored.status == 0, ignored.all().toUtf8().constData());
}

// A server that answers one request with bytes that never end: the replay
// stops at --max-reply with a divergence that says so (exit 1), in bounded
// time and memory, with or without ignore rules (an --ignore 'Z+' over a long
// reply once overflowed std::regex's stack).
void TestCliReplay::replayBoundsAStreamingServer() {
    PythonServer server;
    QVERIFY(server.port);
    const QString session = recordAgainstPython(server.port, "flood.jsonl");
    QVERIFY(!session.isEmpty());
    PythonServer flood({"--flood", "RCPT TO:<d@e.f>"});
    QVERIFY(flood.port);
    const QString to = QString("127.0.0.1:%1").arg(flood.port);
    // Without rules the first differing byte ends it at once.
    const Run differs = cli({"replay", session, "--to", to, "--max-reply", "256K", "-q"});
    QVERIFY2(differs.status == 1, differs.all().toUtf8().constData());
    QVERIFY2(differs.err.contains("reply 4 of 6 differs from the recording at byte 4"), differs.all().toUtf8().constData());
    // A rule that takes the flood out leaves the reply growing: the limit ends it.
    for (const QStringList& extra : {QStringList{"--ignore", "Z+"}, QStringList{"--ignore", "Z+", "-k", "--ignore", "[0-9]+"}}) {
        QElapsedTimer t;
        t.start();
        const Run r = cli(QStringList{"replay", session, "--to", to, "--max-reply", "256K", "-q"} + extra);
        QVERIFY2(r.status == 1, r.all().toUtf8().constData());
        QVERIFY2(r.err.contains("reply 4 of 6 exceeds the limit of 262144 bytes"), r.all().toUtf8().constData());
        QVERIFY2(t.elapsed() < kWait, r.all().toUtf8().constData());
    }
}

void TestCliReplay::serverSideRecordingReplays() {
    // linewright-cli listen --echo records the server side while a CPython client talks to it.
    const QString session = m_dir.filePath("server-side.jsonl");
    Background echo(kCli, {"listen", "0", "--echo", "-t", "\\r\\n", "--record", session, "--quiet", "--send", "220 ready\\r\\n"});
    const quint16 port = echo.waitFor(QRegularExpression(R"(listening on 127\.0\.0\.1:(\d+))")).toUShort();
    QVERIFY(port);
    const Run client = run(kPython, {kScripts + "/line_client.py", "--close", QString::number(port), "one", "two", "three"});
    QVERIFY2(client.status == 0, client.all().toUtf8().constData());
    QCOMPARE(lines(client.out), (QStringList{"220 ready", "one", "two", "three"}));
    QCOMPARE(echo.stop(), 0);

    Background fresh(kCli, {"listen", "0", "--echo", "-t", "\\r\\n", "--quiet", "--send", "220 ready\\r\\n"});
    const quint16 freshPort = fresh.waitFor(QRegularExpression(R"(listening on 127\.0\.0\.1:(\d+))")).toUShort();
    QVERIFY(freshPort);
    const Run r = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(freshPort)});
    QVERIFY2(r.status == 0, r.all().toUtf8().constData());
    QVERIFY2(r.err.contains("(recorded on the server side): 3 requests, 4 replies"), r.all().toUtf8().constData());
}

void TestCliReplay::mockServedToCPythonClient() {
    PythonServer server;
    const QString session = recordAgainstPython(server.port, "for-mock.jsonl");
    QVERIFY(!session.isEmpty());
    Background mock(kCli, {"mock", session, "--listen", "0", "--clients", "2"});
    const quint16 port = mock.waitFor(QRegularExpression(R"(mock listening on 127\.0\.0\.1:(\d+))")).toUShort();
    QVERIFY(port);
    // Two CPython clients, one after the other, each served the whole dialogue.
    for (int i = 0; i < 2; ++i) {
        const Run c = run(kPython, {kScripts + "/line_client.py", QString::number(port), "HELO linewright",
                                    "MAIL FROM:<a@b.c>", "RCPT TO:<d@e.f>", "DATA", "QUIT"});
        QVERIFY2(c.status == 0, c.all().toUtf8().constData());  // the mock closed after 221, as recorded
        QCOMPARE(lines(c.out), (QStringList{"220 ready", "250 HELO linewright", "250 MAIL FROM:<a@b.c>",
                                            "250 RCPT TO:<d@e.f>", "250 DATA", "221 bye"}));
    }
    QCOMPARE(mock.finish(), 0);  // --clients 2: it stops by itself
    QVERIFY2(mock.err().contains("client 2 (127.0.0.1:"), mock.err().constData());
    QVERIFY2(mock.err().contains("5 of 5 recorded requests, as recorded"), mock.err().constData());
}

// mock --match: a dialogue recorded against a real redis-server (PING, SET
// k v, GET k, GET other; sent in lockstep by a rules file, each reply
// sending the next command), served to redis-cli in another order: each
// command gets the reply recorded for it, not the next one in the recording.
void TestCliReplay::mockMatchAnswersRedisCliInAnyOrder() {
    if (tool("redis-server").isEmpty() || tool("redis-cli").isEmpty()) QSKIP("redis-server or redis-cli is not installed");
    lwtest::RedisServer redis(kWait);
    QVERIFY(redis.start());
    const quint16 rport = redis.port;
    const QString rules = m_dir.filePath("drive.lwp");
    QVERIFY(lwtest::writeFile(
        rules, "# each reply sends the next command, as redis-cli would\n"
               "rule pong: equals \"+PONG\" => reply \"*3\\r\\n$$3\\r\\nSET\\r\\n$$1\\r\\nk\\r\\n$$1\\r\\nv\\r\\n\"\n"
               "rule ok: equals \"+OK\" => reply \"*2\\r\\n$$3\\r\\nGET\\r\\n$$1\\r\\nk\\r\\n\"\n"
               "rule value: regex \"^v\" => reply \"*2\\r\\n$$3\\r\\nGET\\r\\n$$5\\r\\nother\\r\\n\"\n"
               "rule nil: regex \"^.-1$\" => close\n"));
    const QString session = m_dir.filePath("redis-match.jsonl");
    const Run rec = cli({"connect", "127.0.0.1", QString::number(rport), "--preset", "redis", "--rules", rules, "--send",
                         "*1\\r\\n$4\\r\\nPING\\r\\n", "--no-stdin", "--timeout", "10", "--record", session, "-q"});
    QVERIFY2(rec.status == 0, rec.all().toUtf8().constData());

    Background mock(kCli, {"mock", session, "--listen", "0", "--match"});
    const quint16 port = mock.waitFor(QRegularExpression(R"(mock listening on 127\.0\.0\.1:(\d+))")).toUShort();
    QVERIFY(port);
    const QString p = QString::number(port);
    const auto ask = [&](const QStringList& command) { return run(tool("redis-cli"), QStringList{"-p", p} + command).out; };
    QCOMPARE(ask({"GET", "k"}), QByteArray("v\n"));  // in recorded order this would be PONG
    QCOMPARE(ask({"GET", "other"}), QByteArray("\n"));
    QCOMPARE(ask({"SET", "k", "v"}), QByteArray("OK\n"));
    QCOMPARE(ask({"PING"}), QByteArray("PONG\n"));
    // A command the recording does not have: a note naming it, and no answer
    // (redis-cli waits on; it is ended once the note is there).
    {
        Background waiting(tool("redis-cli"), {"-p", p, "GET", "nope"});
        QVERIFY(!mock.waitFor(QRegularExpression(R"((client 5: request 1 "\*2\\r\\n\$3\\r\\nGET\\r\\n\$4\\r\\nnope\\r\\n" matches no recorded request; not answered))"))
                     .isEmpty());
    }
    QVERIFY(!mock.waitFor(QRegularExpression(R"((client 5 \(127\.0\.0\.1:\d+, conversation 1\): 1 request, 0 answered by match, 1 matching no recorded request))"))
                 .isEmpty());
    QVERIFY2(mock.err().contains("client 1 (127.0.0.1:"), mock.err().constData());
    QVERIFY2(mock.err().contains("1 request, 1 answered by match"), mock.err().constData());
}

void TestCliReplay::exportReadByTshark() {
    PythonServer server;
    const QString session = recordAgainstPython(server.port, "for-export.jsonl");
    QVERIFY(!session.isEmpty());
    const QString pcapng = m_dir.filePath("export.pcapng");
    const QString client = m_dir.filePath("client.bin");
    const QString srv = m_dir.filePath("server.bin");
    const Run e = cli({"export", session, "--pcapng", pcapng, "--raw-client", client, "--raw-server", srv});
    QVERIFY2(e.status == 0, e.all().toUtf8().constData());
    QVERIFY2(e.err.contains("1 connection, "), e.err.constData());
    const QByteArray c2s = readFile(client);
    const QByteArray s2c = readFile(srv);
    QCOMPARE(c2s, QByteArray("HELO linewright\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nQUIT\r\n"));
    QVERIFY(s2c.startsWith("220 ready\r\n250 HELO linewright\r\n") && s2c.endsWith("221 bye\r\n"));

    // Follow TCP Stream: byte for byte, each direction (node 0 is the client).
    const Follow f = follow(pcapng, 0);
    QVERIFY2(f.node0.startsWith("127.0.0.1:"), qPrintable(f.node0));
    QCOMPARE(f.node1, QString("127.0.0.1:%1").arg(server.port));
    QCOMPARE(f.fromNode0, c2s);
    QCOMPARE(f.fromNode1, s2c);

    // Checksums: none bad when checked; no expert warnings or errors.
    const Run bad = run(tool("tshark"), {"-r", pcapng, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                                         "-Y", "tcp.checksum.status == 0 || ip.checksum.status == 0 || _ws.expert.severity >= 6291456"});
    QCOMPARE(bad.status, 0);
    QVERIFY2(bad.out.isEmpty(), bad.out.constData());
    const Run good = run(tool("tshark"), {"-r", pcapng, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                                          "-Y", "tcp.checksum.status == 1 && ip.checksum.status == 1"});
    const Run all = run(tool("tshark"), {"-r", pcapng});
    QCOMPARE(lines(good.out).size(), lines(all.out).size());
    QVERIFY(lines(all.out).size() >= 10);
    QVERIFY2(lines(all.out).first().contains("[SYN]"), all.out.constData());
    QVERIFY2(all.out.contains("[FIN, ACK]"), all.out.constData());

    // One comment per found_terminator (the client framed 6 replies), on
    // the frames that carry the last byte of each (a frame may carry several).
    const Run comments = run(tool("tshark"), {"-r", pcapng, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|",
                                              "-e", "frame.comment", "-Y", "frame.comment"});
    const QStringList cl = QString::fromUtf8(comments.out).trimmed().split(QRegularExpression("[|\\n]"));
    QCOMPARE(cl.size(), 6);
    QVERIFY2(cl.first().startsWith("found_terminator 1 on channel 1: 9-byte message, terminator '\\r\\n'"), qPrintable(cl.first()));
    QVERIFY2(cl.last().startsWith("found_terminator 6 on channel 1: 7-byte message"), qPrintable(cl.last()));
    // The timestamps are the session's (microseconds).
    const Run times = run(tool("tshark"), {"-r", pcapng, "-T", "fields", "-e", "frame.time_epoch", "-c", "1"});
    QVERIFY2(QRegularExpression(R"(^\d{10}\.\d{6}000\n$)").match(QString::fromUtf8(times.out)).hasMatch(), times.out.constData());
}

void TestCliReplay::exportIpv6ReadByTshark() {
    const QString session = m_dir.filePath("v6.jsonl");
    Background echo(kCli, {"listen", "[::1]:0", "--echo", "--quiet"});
    const quint16 port = echo.waitFor(QRegularExpression(R"(listening on \[::1\]:(\d+))")).toUShort();
    QVERIFY(port);
    const Run c = cli({"connect", "::1", QString::number(port), "--send", "six\\nfour\\n", "--count", "2", "--record", session, "-q"});
    QVERIFY2(c.status == 0, c.all().toUtf8().constData());
    const QString pcapng = m_dir.filePath("v6.pcapng");
    QCOMPARE(cli({"export", session, "--pcapng", pcapng}).status, 0);
    const Follow f = follow(pcapng, 0);
    QCOMPARE(f.node1, QString("[::1]:%1").arg(port));
    QCOMPARE(f.fromNode0, QByteArray("six\nfour\n"));
    QCOMPARE(f.fromNode1, QByteArray("six\nfour\n"));
    const Run bad = run(tool("tshark"), {"-r", pcapng, "-o", "tcp.check_checksum:TRUE", "-Y", "tcp.checksum.status != 1"});
    QVERIFY2(bad.out.isEmpty(), bad.out.constData());
}

void TestCliReplay::tcpdumpCaptureImportedAndReplayed() {
#if !defined(_WIN32)
    QVERIFY2(::geteuid() == 0, "tcpdump on lo needs root (CI runs as root)");
#endif
    PythonServer server;
    QVERIFY(server.port);
    const QString capture = m_dir.filePath("lo.pcap");
    // On lo only, only this server's port, at most 200 packets.
    Background tcpdump(tool("tcpdump"), {"-i", "lo", "-U", "-n", "-Z", "root", "-c", "200", "-w", capture,
                                         QString("tcp port %1").arg(server.port)});
    QVERIFY(!tcpdump.waitFor(QRegularExpression("(listening on lo)")).isEmpty());
    const Run c = run(kPython, {kScripts + "/line_client.py", QString::number(server.port), "HELO tcpdump", "NOOP", "QUIT"});
    QVERIFY2(c.status == 0, c.all().toUtf8().constData());
    // Wait until the capture holds both FINs (tcpdump -U writes each packet as it comes).
    QElapsedTimer t;
    t.start();
    Run list;
    while (t.elapsed() < kWait) {
        list = cli({"import", capture, "--list"});
        if (list.status == 0 && list.out.contains("client FIN, server FIN")) break;
        QTest::qWait(50);
    }
    QVERIFY2(list.out.contains("client FIN, server FIN"), list.all().toUtf8().constData());
    tcpdump.stop();
    list = cli({"import", capture, "--list"});
    QCOMPARE(list.status, 0);
    QVERIFY2(list.out.startsWith("capture: " + capture.toUtf8() + " (pcap, Ethernet)"), list.out.constData());
    QVERIFY2(list.out.contains(QString("stream 0: 127.0.0.1:").toUtf8()) &&
                 list.out.contains(QString(" -> 127.0.0.1:%1").arg(server.port).toUtf8()),
             list.out.constData());
    QVERIFY2(list.out.contains("26 bytes from the client, 48 from the server"), list.out.constData());

    const QString session = m_dir.filePath("imported.jsonl");
    const Run imp = cli({"import", capture, "--stream", "0", "-o", session, "-t", "\\r\\n"});
    QVERIFY2(imp.status == 0, imp.all().toUtf8().constData());
    QVERIFY2(imp.err.contains("26 bytes in 3 messages from the client, 48 bytes in 4 messages"), imp.err.constData());
    const Run text = cli({"export", session, "--text", "-"});
    QVERIFY2(text.out.contains("#1 > NOOP\\r\\n") && text.out.contains("#1 < 250 NOOP\\r\\n"), text.out.constData());

    PythonServer again;
    const Run r = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(again.port)});
    QVERIFY2(r.status == 0, r.all().toUtf8().constData());
    QVERIFY2(r.err.contains("4 of 4 replies matched"), r.all().toUtf8().constData());
}

void TestCliReplay::killDashNine() {
    const QString session = m_dir.filePath("killed.jsonl");
    Background echo(kCli, {"listen", "0", "--echo", "--record", session, "--quiet"});
    const quint16 port = echo.waitFor(QRegularExpression(R"(listening on 127\.0\.0\.1:(\d+))")).toUShort();
    QVERIFY(port);
    QTcpSocket s;
    s.connectToHost(QStringLiteral("127.0.0.1"), port);
    QVERIFY(s.waitForConnected(kWait));
    s.write("alpha\nbeta\ngamma\n");
    QByteArray got;
    while (got.size() < 17 && s.waitForReadyRead(kWait)) got += s.readAll();
    QCOMPARE(got, QByteArray("alpha\nbeta\ngamma\n"));
    // The recorder writes each batch as it comes: wait for the third message on disk.
    QTRY_VERIFY_WITH_TIMEOUT(readFile(session).count("\"event\":\"found_terminator\"") == 3, kWait);
    echo.process().kill();  // SIGKILL
    QCOMPARE(echo.finish(), -1);

    Run sum = cli({"summary", session});
    QVERIFY2(sum.status == 0, sum.all().toUtf8().constData());
    QVERIFY2(sum.out.contains("(incomplete: no 'stopped' event)"), sum.out.constData());
    QVERIFY2(sum.out.contains("messages: 3 received"), sum.out.constData());
    QVERIFY2(sum.err.contains("note: " + session.toUtf8() + ": the session has no 'stopped' event"), sum.err.constData());

    // A writer killed in the middle of a line leaves half of it.
    QByteArray text = readFile(session);
    const qsizetype lastLine = text.lastIndexOf('\n', text.size() - 2) + 1;
    const QString cut = m_dir.filePath("cut.jsonl");
    {
        QFile f(cut);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text.left(lastLine + 20));
    }
    const qsizetype lineNumber = text.left(lastLine).count('\n') + 1;
    sum = cli({"summary", cut});
    QVERIFY2(sum.status == 0, sum.all().toUtf8().constData());
    QVERIFY2(sum.out.contains("(incomplete: the file was cut short)"), sum.out.constData());
    QVERIFY2(sum.err.contains(QString("note: %1: line %2 is incomplete (the file ends 20 bytes into it, at byte offset %3)")
                                  .arg(cut)
                                  .arg(lineNumber)
                                  .arg(lastLine + 20)
                                  .toUtf8()),
             sum.err.constData());

    // What was recorded still replays.
    Background fresh(kCli, {"listen", "0", "--echo", "--quiet"});
    const quint16 freshPort = fresh.waitFor(QRegularExpression(R"(listening on 127\.0\.0\.1:(\d+))")).toUShort();
    const Run r = cli({"replay", session, "--to", QString("127.0.0.1:%1").arg(freshPort), "-q"});
    QVERIFY2(r.status == 0, r.all().toUtf8().constData());
    QVERIFY2(r.err.contains("3 of 3 replies matched"), r.all().toUtf8().constData());
}

void TestCliReplay::corruptedInputs() {
    const QString bad = m_dir.filePath("bad.jsonl");
    {
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format":"linewright-session","version":1,"tool":"t","tool_version":"1","start":"1970-01-01T00:00:00.000000Z","start_unix_us":0})"
                "\n"
                R"({"seq":1,"t_us":0,"channel":1,"event":"collect","size":3,"data_b64":"@@@@","text":"x"})"
                "\n");
    }
    for (const QStringList& args : {QStringList{"summary", bad}, QStringList{"replay", bad, "--to", "127.0.0.1:9"},
                                    QStringList{"export", bad, "--text", "-"}, QStringList{"mock", bad, "--listen", "0"},
                                    QStringList{"reframe", bad, "-t", "\\n"}}) {
        const Run r = cli(args);
        QCOMPARE(r.status, 1);
        QCOMPARE(lines(r.err), QStringList{"linewright-cli: " + bad +
                                           ": line 2 (byte offset 130): invalid collect event: field 'data_b64' is not valid base64"});
    }
    const QString cap = m_dir.filePath("bad.pcap");
    {
        QFile f(cap);
        QVERIFY(f.open(QIODevice::WriteOnly));
        // A pcap header, then a record that claims more than there is.
        QByteArray h = QByteArray::fromHex("d4c3b2a1020004000000000000000000ffff000001000000");
        h += QByteArray::fromHex("00000000000000000010000000100000") + QByteArray(40, 'x');
        f.write(h);
    }
    for (const QStringList& args : {QStringList{"import", cap, "--list"}, QStringList{"import", cap, "--stream", "0", "-o", m_dir.filePath("x.jsonl")}}) {
        const Run r = cli(args);
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains(": packet 1 at byte offset 24: the record says 4096 captured bytes, but only 40 remain: the capture is truncated"),
                 r.err.constData());
        QCOMPARE(lines(r.err).size(), 1);
    }
}

void TestCliReplay::reframe() {
    PythonServer server;
    const QString session = recordAgainstPython(server.port, "for-reframe.jsonl");
    QVERIFY(!session.isEmpty());
    const Run r = cli({"reframe", session, "-t", "0 "});
    QCOMPARE(r.status, 0);
    QCOMPARE(lines(r.out).first(), QString("< 22"));
    QVERIFY2(r.err.contains("messages from the 95 bytes received on channel 1 with '0 '"), r.err.constData());
    QVERIFY2(r.err.contains("as recorded ('\\r\\n'): 6 found_terminator"), r.err.constData());
    const Run c = cli({"reframe", session, "-t", "count:4", "--direction", "client"});
    QCOMPARE(c.status, 0);
    QCOMPARE(lines(c.out).first(), QString("< HELO"));
}

void TestCliReplay::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mentions");
    const QString f = QStringLiteral(LW_REPLAY_SCRIPTS "/line_server.py");  // a file that exists
    QTest::newRow("replay without --to") << QStringList{"replay", f} << "replay needs the server to replay against: --to HOST:PORT";
    QTest::newRow("replay no file") << QStringList{"replay", "--to", "1"} << "replay needs a file";
    QTest::newRow("missing file") << QStringList{"summary", "/no/such.jsonl"} << "cannot read '/no/such.jsonl': No such file or directory";
    QTest::newRow("bad pace") << QStringList{"replay", f, "--to", "1", "--pace", "slow"} << "unknown pacing 'slow'";
    QTest::newRow("speed without original") << QStringList{"replay", f, "--to", "1", "--speed", "2"} << "--speed scales the original timing";
    QTest::newRow("bad regex") << QStringList{"replay", f, "--to", "1", "--ignore", "(x"} << "is not a valid regular expression";
    QTest::newRow("ignore too long") << QStringList{"replay", f, "--to", "1", "--ignore", QString(5000, 'a')} << "pattern too long (5000 bytes; the limit is 4096)";
    QTest::newRow("ignore too deep") << QStringList{"replay", f, "--to", "1", "--ignore", QString(3000, '(')} << "is not a valid regular expression";
    QTest::newRow("max-reply 0") << QStringList{"replay", f, "--to", "1", "--max-reply", "0"} << "--max-reply: expected a size of at least 1 byte";
    QTest::newRow("max-reply 2G") << QStringList{"replay", f, "--to", "1", "--max-reply", "2G"} << "--max-reply: '2G' is too large: at most 1G";
    QTest::newRow("max-divergences 0") << QStringList{"replay", f, "--to", "1", "--max-divergences", "0"} << "expected a number of divergences from 1 to 1000000";
    QTest::newRow("max-request of replay") << QStringList{"replay", f, "--to", "1", "--max-request", "1M"} << "option --max-request does not apply to replay";
    QTest::newRow("max-request bad") << QStringList{"mock", f, "--listen", "0", "--max-request", "12Q"} << "--max-request: expected a size";
    QTest::newRow("bad ignore-reply") << QStringList{"replay", f, "--to", "1", "--ignore-reply", "x"} << "expected N:REGEX";
    QTest::newRow("port 0") << QStringList{"replay", f, "--to", "127.0.0.1:0"} << "invalid port '0'";
    QTest::newRow("option of another tool") << QStringList{"replay", f, "--to", "1", "--pcapng", "x"} << "option --pcapng does not apply to replay";
    QTest::newRow("mock without --listen") << QStringList{"mock", f} << "mock needs an address to listen on";
    QTest::newRow("export nothing") << QStringList{"export", f} << "export needs at least one output";
    QTest::newRow("import neither") << QStringList{"import", f} << "import needs --list";
    QTest::newRow("import without -o") << QStringList{"import", f, "--stream", "0"} << "import --stream needs the session file to write";
    QTest::newRow("reframe without -t") << QStringList{"reframe", f} << "reframe needs the terminator to try";
    QTest::newRow("bad terminator") << QStringList{"reframe", f, "-t", "\\q"} << "--terminator: unknown escape";
    QTest::newRow("two files") << QStringList{"summary", f, f} << "summary takes one file";
}

void TestCliReplay::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, mentions);
    const Run r = cli(args);
    QVERIFY2(lwtest::usageError(r).contains(mentions), qPrintable(r.all()));
    const Run help = cli({args.first(), "--help"});
    QCOMPARE(help.status, 0);
    QVERIFY(help.out.startsWith("Usage: linewright-cli " + args.first().toUtf8()));
}

QTEST_GUILESS_MAIN(TestCliReplay)
#include "tst_CliReplay.moc"
