// tst_CliScript.cpp — `linewright-cli run SCRIPT` against real peers nobody
// here wrote, on loopback, and against hostile ones:
//   * examples/scripts/redis.lws against redis-server --requirepass (AUTH,
//     SET/GET with captures, INCR in a repeat, an INFO field read from a
//     count-framed bulk string), also with --json, and as a load
//     (--parallel/--iterations: throughput and latency percentiles);
//   * examples/scripts/smtp.lws, a whole SMTP transaction with Debian's
//     aiosmtpd (/usr/bin/python3 -m aiosmtpd), which prints the message;
//   * examples/scripts/http.lws, two requests on one HTTP/1.1 keep-alive
//     connection to /usr/bin/python3 -m http.server, bodies framed by
//     Content-Length;
//   * a bad script: exit 2 naming the file and line; an expect that times
//     out, a peer that closes mid-script: exit 1 with the step's report; a
//     peer that floods while an expect waits: a clear failure, the
//     process's memory bounded (its peak RSS read from /proc while it runs).
// Each peer missing is a QSKIP naming it. Random ports; every wait bounded.
#include "CliTestSupport.h"
#include "PeerTestSupport.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kScripts = QStringLiteral(LW_SCRIPTS_DIR);
constexpr int kWait = 30000;

using lwtest::Background;
using lwtest::Run;

Run runCli(const QStringList& args) { return lwtest::runProcess(kCli, args, {}, kWait, kWait); }

using lwtest::freePort;
bool waitForPort(quint16 port) { return lwtest::waitForPort(port, kWait); }

QString writeScript(const QTemporaryDir& dir, const QByteArray& text) { return lwtest::writeFile(dir, "t.lws", text); }

/// linewright-cli running while this thread serves peers (QTcpServer): the
/// events are processed while it runs. `watch` is called on each turn with its pid.
Run runCliServing(const QStringList& args, const std::function<void(qint64)>& watch = {}) {
    QProcess p;
    p.start(kCli, args);
    Run r;
    if (!p.waitForStarted(kWait)) return r;
    const bool done = QTest::qWaitFor(
        [&] {
            if (watch && p.state() == QProcess::Running) watch(p.processId());
            return p.state() == QProcess::NotRunning;
        },
        kWait);
    if (!done) {
        p.kill();
        p.waitForFinished(kWait);
        r.err = "(killed: did not finish in time)";
        return r;
    }
    r.status = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// Under AddressSanitizer a process's resident size holds the shadow memory
// and the quarantine of freed blocks (256 MB by default), not just what it
// buffers: the memory bounds are checked in the plain build only (the other
// checks of those tests still run).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssBounded = false;
#else
constexpr bool kRssBounded = true;
#endif
/// The peak resident set of a process, in KiB (Linux /proc; -1 elsewhere).
qint64 peakRssKiB(qint64 pid) { return lwtest::statusKiB(pid, "VmHWM"); }

}  // namespace

class tst_CliScript : public QObject {
    Q_OBJECT

    struct Redis : lwtest::RedisServer {
        Redis() : lwtest::RedisServer(kWait, QStringLiteral("linewright-test")) {}
    };

private slots:
    void redisLoginSetGetInfo() {
        REQUIRE_PROGRAM("redis-server");
        Redis redis;
        QVERIFY(redis.start());
        Run r = runCli({"run", kScripts + "/redis.lws", "--to", redis.to()});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("expect \"${value}\""), qPrintable(r.all()));
        QVERIFY2(r.out.contains("'hello-from-linewright'"), qPrintable(r.all()));
        QVERIFY2(r.out.contains("assert \"${n}\" == \"3\""), qPrintable(r.all()));
        QVERIFY2(r.out.contains("\npassed: "), qPrintable(r.all()));
        QVERIFY2(r.out.contains("to " + redis.to() + "\n"), qPrintable(r.all()));
        QVERIFY(r.err.isEmpty());

        // --json: one object per passed step, then the result.
        r = runCli({"run", kScripts + "/redis.lws", "--to", redis.to(), "--json"});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        QVERIFY(lines.size() > 20);
        const QJsonObject last = QJsonDocument::fromJson(lines.last()).object();
        QCOMPARE(last.value("result").toString(), QStringLiteral("passed"));
        const QJsonObject first = QJsonDocument::fromJson(lines.first()).object();
        QCOMPARE(first.value("status").toString(), QStringLiteral("passed"));
        QCOMPARE(first.value("line").toInt(), 6);

        // The wrong password: the AUTH expect fails with the server's words.
        QTemporaryDir dir;
        const QString bad = writeScript(dir, "connect 127.0.0.1:1\nsend \"AUTH nope\"\nexpect \"+OK\"\n");
        r = runCli({"run", bad, "--to", redis.to()});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("linewright-cli: step 3 (line 3) failed: expect \"+OK\""), qPrintable(r.all()));
        QVERIFY2(r.err.contains("expected: equals '+OK'"), qPrintable(r.all()));
        QVERIFY2(r.err.contains("got:      '-WRONGPASS"), qPrintable(r.all()));
    }

    void redisPresetFramesBulkStrings() {
        REQUIRE_PROGRAM("redis-server");
        Redis redis;
        QVERIFY(redis.start());
        QTemporaryDir dir;
        // A value with a CRLF inside: by lines it would be two messages; the
        // redis preset frames the bulk string's body by its length, as one.
        const QString path = writeScript(dir,
            "connect 127.0.0.1:1\n"
            "send \"AUTH linewright-test\"\n"
            "expect \"+OK\"\n"
            "send raw \"*3\\r\\n$3\\r\\nSET\\r\\n$7\\r\\nlw:crlf\\r\\n$4\\r\\na\\r\\nb\\r\\n\"\n"
            "expect \"+OK\"\n"
            "preset redis\n"
            "send \"GET lw:crlf\"\n"
            "expect \"$4\"\n"
            "expect \"a\\r\\nb\\r\\n\" as body\n"
            "assert \"${body}\" =~ \"^a\\r\\nb\"\n"
            "terminator \"\\r\\n\"\n"
            "send \"GET lw:crlf\"\n"
            "expect \"$4\"\n"
            "expect \"a\"\n"
            "expect \"b\"\n");
        const Run r = runCli({"run", path, "--to", redis.to()});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("'a\\r\\nb\\r\\n'"), qPrintable(r.all()));
    }

    void scriptFromRecording() {
        REQUIRE_PROGRAM("redis-server");
        Redis redis;
        QVERIFY(redis.start());
        QTemporaryDir dir;
        const QString session = dir.filePath("s.lwsession");
        const QString port = QString::number(redis.port);
        Run r = runCli({"connect", "127.0.0.1", port, "-t", "\\r\\n", "--send", "AUTH linewright-test\\r\\n", "--send",
                        "INCR lw:c\\r\\n", "--send", "SET lw:k x\\r\\ny\\r\\n", "--send", "GET lw:k\\r\\n", "--count", "5",
                        "--record", session, "--quiet", "--timeout", "10"});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        const QString script = dir.filePath("s.lws");
        r = runCli({"script", session, "-o", script});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QCOMPARE(r.err, "linewright-cli: wrote " + script.toUtf8() + " from channel 1 (4 sends)\n");
        QFile made(script);
        QVERIFY(made.open(QIODevice::ReadOnly));
        const QByteArray text = made.readAll();
        QVERIFY2(text.contains("connect 127.0.0.1:" + port.toUtf8() + "\n"), text.constData());
        QVERIFY2(text.contains("send raw \"INCR lw:c\\r\\n\"\n"), text.constData());
        QVERIFY2(text.contains("expect regex \"^:[0-9]+$\"\n"), text.constData());  // the counter, loosened
        QVERIFY2(text.contains("expect \"+OK\"\n"), text.constData());
        // The counter has moved on since the recording: the script still passes
        // (run twice), the --exact one fails on it.
        for (int i = 0; i < 2; ++i) {
            r = runCli({"run", script, "--quiet"});
            QVERIFY2(r.status == 0, qPrintable(r.all()));
        }
        const QString exact = dir.filePath("exact.lws");
        QCOMPARE(runCli({"script", session, "-o", exact, "--exact"}).status, 0);
        r = runCli({"run", exact});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("expected: equals ':1'"), qPrintable(r.all()));
        // An existing output is kept unless --force; a channel that is not there is said.
        r = runCli({"script", session, "-o", script});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("already exists; it is not overwritten (--force overwrites it)"), qPrintable(r.all()));
        QCOMPARE(runCli({"script", session, "-o", script, "--force"}).status, 0);
        r = runCli({"script", session, "-o", dir.filePath("x.lws"), "--channel", "9"});
        QCOMPARE(r.status, 1);
        QCOMPARE(runCli({"script", session}).status, 2);
    }

    void recordedRunMakesAScriptThatPasses() {
        REQUIRE_PROGRAM("redis-server");
        Redis redis;
        QVERIFY(redis.start());
        QTemporaryDir dir;
        const QString session = dir.filePath("run.lwsession");
        Run r = runCli({"run", kScripts + "/redis.lws", "--to", redis.to(), "--quiet", "--record", session});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        r = runCli({"summary", session});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("complete: it ends with 'stopped'"), qPrintable(r.all()));
        QVERIFY2(r.out.contains("10 sent (push)"), qPrintable(r.all()));   // PING AUTH SET GET DEL INCRx3 INFO QUIT
        QVERIFY2(r.out.contains("closed by peer (eof)"), qPrintable(r.all()));
        // The recording, made a script again, passes against the same server.
        const QString script = dir.filePath("again.lws");
        QCOMPARE(runCli({"script", session, "-o", script}).status, 0);
        r = runCli({"run", script, "--quiet"});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.out.startsWith("passed: 26 steps"), qPrintable(r.all()));
        // It exports for Wireshark like any recording.
        r = runCli({"export", session, "--pcapng", dir.filePath("run.pcapng")});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(!r.err.contains("is not recorded"), qPrintable(r.all()));  // both addresses are
        // An existing file is kept; a load is not recorded.
        r = runCli({"run", kScripts + "/redis.lws", "--to", redis.to(), "--quiet", "--record", session});
        QCOMPARE(r.status, 2);
        QVERIFY(r.out.isEmpty());  // refused before the run
        QVERIFY2(r.err.contains("--record: '" + session.toUtf8() + "' already exists"), qPrintable(r.all()));
        r = runCli({"run", kScripts + "/redis.lws", "--record", session, "--parallel", "2"});
        QCOMPARE(r.status, 2);
        QVERIFY2(r.err.contains("--record records one run, not a load"), qPrintable(r.all()));
    }

    void redisLoad() {
        REQUIRE_PROGRAM("redis-server");
        Redis redis;
        QVERIFY(redis.start());
        const Run r = runCli({"run", kScripts + "/redis-bench.lws", "--to", redis.to(), "--parallel", "4",
                              "--iterations", "5"});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("4 connections x 5 iterations: 20 passed, 0 failed"), qPrintable(r.all()));
        QVERIFY2(r.out.contains("throughput: "), qPrintable(r.all()));
        QVERIFY2(QRegularExpression(QStringLiteral("p50 [0-9.]+ ms  p90 [0-9.]+ ms  p99 [0-9.]+ ms  max [0-9.]+ ms"))
                     .match(QString::fromUtf8(r.out))
                     .hasMatch(),
                 qPrintable(r.all()));
        const Run j = runCli({"run", kScripts + "/redis-bench.lws", "--to", redis.to(), "--parallel", "3",
                              "--iterations", "2", "--json"});
        QVERIFY2(j.status == 0, qPrintable(j.all()));
        const QJsonObject o = QJsonDocument::fromJson(j.out.trimmed()).object();
        QCOMPARE(o.value("passed").toInt(), 6);
        QCOMPARE(o.value("expects").toInt(), 6 * 31);  // AUTH + 10 x (SET, $3, xyz)
    }

    void smtpTransaction() {
        if (!QFile::exists(kDebianPython)) QSKIP("/usr/bin/python3 (Debian's, with python3-aiosmtpd) is not installed");
        const quint16 port = freePort();
        Background smtpd(kDebianPython, {"-m", "aiosmtpd", "-n", "-l", QStringLiteral("127.0.0.1:%1").arg(port)}, kWait);
        QVERIFY(smtpd.started());
        if (!waitForPort(port)) QSKIP("python3-aiosmtpd is not installed (/usr/bin/python3 -m aiosmtpd did not start)");
        const Run r = runCli({"run", kScripts + "/smtp.lws", "--to", QStringLiteral("127.0.0.1:%1").arg(port)});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("expect close"), qPrintable(r.all()));
        // aiosmtpd's Debugging handler prints the message it was given.
        QVERIFY2(smtpd.waitStdout("Subject: a conversation script"), smtpd.out().constData());
    }

    void httpKeepAlive() {
        if (!QFile::exists(kDebianPython)) QSKIP("/usr/bin/python3 is not installed");
        QTemporaryDir root;
        QVERIFY(lwtest::runProcess(kDebianPython, {"-c", "pass"}, {}, kWait, kWait).status == 0);
        QFile page(root.filePath("a.txt"));
        QVERIFY(page.open(QIODevice::WriteOnly));
        page.write("hello\r\nworld\r\n");
        page.close();
        const quint16 port = freePort();
        Background http(kDebianPython,
                        {"-m", "http.server", "--protocol", "HTTP/1.1", "--bind", "127.0.0.1", "--directory",
                         root.path(), QString::number(port)},
                        kWait);
        QVERIFY(waitForPort(port));
        const Run r = runCli({"run", kScripts + "/http.lws", "--to", QStringLiteral("127.0.0.1:%1").arg(port)});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        // Both requests went over one connection (one connect step ran).
        QCOMPARE(r.out.count("ok   line 5 "), 1);
        QCOMPARE(r.out.count("terminator count ${length}"), 2);
    }

    void badScriptExitsTwoNamingTheLine() {
        QTemporaryDir dir;
        const QString path = writeScript(dir, "connect 127.0.0.1:7\n# fine so far\nexpect regex \"a(b\"\n");
        const Run r = runCli({"run", path});
        QCOMPARE(r.status, 2);
        QCOMPARE(r.err, "linewright-cli: " + path.toUtf8() + ":3: expect regex: missing ): a(b\n");
        QVERIFY(r.out.isEmpty());
        const Run missing = runCli({"run", dir.filePath("none.lws")});
        QCOMPARE(missing.status, 2);
        QVERIFY2(missing.err.contains("cannot read"), qPrintable(missing.all()));
        const Run usage = runCli({"run"});
        QCOMPARE(usage.status, 2);
        QVERIFY2(usage.err.contains("which script?"), qPrintable(usage.all()));
    }

    void expectTimeoutReportsTheStep() {
        QTcpServer peer;
        QVERIFY(peer.listen(QHostAddress::LocalHost, 0));
        connect(&peer, &QTcpServer::newConnection, &peer, [&peer] {
            QTcpSocket* s = peer.nextPendingConnection();
            s->write("hello\r\nhalf a li\x1b[2J");
        });
        QTemporaryDir dir;
        const QString path = writeScript(dir, "connect 127.0.0.1:1\nexpect \"hello\"\n\nexpect prefix \"more\" timeout 300ms\n");
        const Run r = runCliServing({"run", path, "--to", QStringLiteral("127.0.0.1:%1").arg(peer.serverPort())});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.out.contains("ok   line 2 "), qPrintable(r.all()));
        QVERIFY2(r.err.startsWith("linewright-cli: step 3 (line 4) failed: expect prefix \"more\" timeout 300ms\n"
                                  "  reason:   timed out after 300 ms\n"
                                  "  expected: prefix 'more'\n"
                                  "  got:      'half a li\\x1b[2J' (no complete message)\n"
                                  "  waited:   "),
                 qPrintable(r.all()));
        QVERIFY(!r.err.contains('\x1b'));
    }

    void sigtermStopsTheStepWaiting() {
#if defined(Q_OS_WIN)
        QSKIP("QProcess::terminate() sends no signal on Windows");
#endif
        QTcpServer peer;
        QVERIFY(peer.listen(QHostAddress::LocalHost, 0));
        QTemporaryDir dir;
        const QString path = writeScript(dir, "connect 127.0.0.1:1\nexpect \"never\" timeout 60\n");
        QProcess p;
        p.start(kCli, {"run", path, "--to", QStringLiteral("127.0.0.1:%1").arg(peer.serverPort())});
        QVERIFY(p.waitForStarted(kWait));
        QVERIFY(peer.waitForNewConnection(kWait));
        QVERIFY(p.waitForReadyRead(kWait));  // the connect step's line: the expect waits now
        p.terminate();
        QVERIFY(p.waitForFinished(10000));   // not the expect's 60 s
        QCOMPARE(p.exitCode(), 1);
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.contains("step 2 (line 2) failed: expect \"never\" timeout 60\n  reason:   interrupted"), err.constData());
    }

    void peerThatDoesNotReadHoldsTheSends() {
        // A script that sends 100 MB in a repeat to a peer that reads
        // nothing: the sends wait (1 MiB queued at most), the step fails
        // when the timeout passes, the memory stays small.
        QTcpServer peer;
        QVERIFY(peer.listen(QHostAddress::LocalHost, 0));
        peer.pauseAccepting();  // the kernel completes the connection; nobody reads it
        QTemporaryDir dir;
        const QString path = writeScript(dir,
            "connect 127.0.0.1:1\ntimeout 1\nrepeat 100000 {\n  send raw \"" + QByteArray(1000, 'x') + "\"\n}\n");
        qint64 peak = 0;
        const Run r = runCliServing({"run", path, "--quiet", "--to", QStringLiteral("127.0.0.1:%1").arg(peer.serverPort())},
                                    [&](qint64 pid) { peak = std::max(peak, peakRssKiB(pid)); });
        QVERIFY2(r.status == 1, qPrintable(r.all()));
        QVERIFY2(r.err.contains("(line 4) failed: send raw"), qPrintable(r.all()));
        QVERIFY2(r.err.contains("reason:   the peer did not read for 1000 ms ("), qPrintable(r.all()));
        if (peak && kRssBounded) QVERIFY2(peak < 48 * 1024, qPrintable(QStringLiteral("peak RSS %1 KiB").arg(peak)));
    }

    void peerClosesMidScript() {
        QTcpServer peer;
        QVERIFY(peer.listen(QHostAddress::LocalHost, 0));
        connect(&peer, &QTcpServer::newConnection, &peer, [&peer] {
            QTcpSocket* s = peer.nextPendingConnection();
            s->write("one\r\n");
            s->disconnectFromHost();
        });
        QTemporaryDir dir;
        const QString path = writeScript(dir, "connect 127.0.0.1:1\nexpect \"one\"\nexpect \"two\"\nsend \"x\"\n");
        const Run r = runCliServing({"run", path, "--to", QStringLiteral("127.0.0.1:%1").arg(peer.serverPort())});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("step 3 (line 3) failed: expect \"two\"\n  reason:   the peer closed the connection (closed)"),
                 qPrintable(r.all()));
    }

    void floodWhileExpectWaits_data() {
        QTest::addColumn<QByteArray>("chunk");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("no terminator") << QByteArray(65536, 'A')
                                       << QByteArray("reason:   no terminator '\\r\\n' in the first 1048576 bytes");
        QByteArray lines;
        while (lines.size() < 65536) lines += "flood line\r\n";
        QTest::newRow("lines") << lines << QByteArray("reason:   timed out after 1500 ms");
    }
    void floodWhileExpectWaits() {
        QFETCH(QByteArray, chunk);
        QFETCH(QByteArray, reason);
        QTcpServer peer;
        QVERIFY(peer.listen(QHostAddress::LocalHost, 0));
        qint64 sent = 0;
        QList<QTcpSocket*> clients;
        connect(&peer, &QTcpServer::newConnection, &peer, [&] {
            QTcpSocket* s = peer.nextPendingConnection();
            clients << s;
            auto more = [s, &sent, chunk] {
                while (s->state() == QAbstractSocket::ConnectedState && s->bytesToWrite() < 4 * chunk.size()) {
                    s->write(chunk);
                    sent += chunk.size();
                }
            };
            connect(s, &QTcpSocket::bytesWritten, s, more);
            more();
        });
        QTemporaryDir dir;
        const QString path =
            writeScript(dir, "connect 127.0.0.1:1\nexpect \"never\" within 1000000000 timeout 1500ms\n");
        qint64 peak = 0;
        const Run r = runCliServing({"run", path, "--to", QStringLiteral("127.0.0.1:%1").arg(peer.serverPort())},
                                    [&](qint64 pid) { peak = std::max(peak, peakRssKiB(pid)); });
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("step 2 (line 2) failed"), qPrintable(r.all()));
        QVERIFY2(r.err.contains(reason), qPrintable(r.all()));
        QVERIFY(sent > 1 << 20);
        if (peak && kRssBounded) QVERIFY2(peak < 48 * 1024, qPrintable(QStringLiteral("peak RSS %1 KiB after %2 bytes").arg(peak).arg(sent)));
    }
};

QTEST_GUILESS_MAIN(tst_CliScript)
#include "tst_CliScript.moc"
