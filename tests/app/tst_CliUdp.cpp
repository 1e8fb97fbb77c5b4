// tst_CliUdp.cpp — `linewright-cli udp listen` and `udp send`, run as a user
// runs them, on loopback: against each other (IPv4 and IPv6, echo
// byte-exact, the largest datagram and a larger one, a closed port, multicast
// on the loopback interface), against
// logger(1) (syslog over UDP) and socat both ways, the usage errors, and a
// recorded session. Waits are on outputs and exits, with deadlines.
#include "CliTestSupport.h"
#include "PeerTestSupport.h"
#include "ProcessTestSupport.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUdpSocket>

#include <memory>
#include <optional>

using namespace lwtest;

namespace {
constexpr int kWait = 10000;

Run cli(const QStringList& args, const QByteArray& input = {}, int timeoutMs = 20000) {
    return runProcess(kCli, args, input, timeoutMs, kWait);
}

// The JSON objects of stdout whose "event" is `kind`.
QList<QJsonObject> eventsOf(const QByteArray& out, const QString& kind) {
    QList<QJsonObject> found;
    for (const QString& line : lines(out)) {
        const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
        if (o.value("event").toString() == kind) found << o;
    }
    return found;
}

bool ipv6Loopback() {
    QUdpSocket s;
    return s.bind(QHostAddress::LocalHostIPv6, 0);
}

// Whether a UDP socket is bound to 127.0.0.1:`port`, read from /proc/net/udp
// (its local-address field, "0100007F:PORT" in hex). Unknown (nullopt) where
// there is no such file.
std::optional<bool> boundInProcNet(quint16 port) {
    QFile f(QStringLiteral("/proc/net/udp"));
    if (!f.open(QIODevice::ReadOnly)) return std::nullopt;
    const QByteArray want = "0100007F:" + QByteArray::number(port, 16).toUpper().rightJustified(4, '0');
    for (const QByteArray& line : f.readAll().split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() > 1 && fields.at(1) == want) return true;
    }
    return false;
}

// Waits until something holds UDP `port` on 127.0.0.1, up to the deadline.
// Where /proc/net/udp tells, it is read: probing by binding the port would
// hold it for a moment, and a peer binding it in that moment fails and ends.
// Elsewhere the probe binds (without SO_REUSEADDR, so that a holder makes it
// fail).
bool portTaken(quint16 port) {
    QDeadlineTimer deadline(kWait);
    while (!deadline.hasExpired()) {
        if (const auto bound = boundInProcNet(port)) {
            if (*bound) return true;
        } else {
            QUdpSocket s;
            if (!s.bind(QHostAddress::LocalHost, port, QAbstractSocket::DontShareAddress)) return true;
            s.close();
        }
        QThread::yieldCurrentThread();
    }
    return false;
}
}  // namespace

class TestCliUdp : public QObject {
    Q_OBJECT
private slots:
    void usageErrors() {
        for (const QStringList& args :
             {QStringList{"udp"}, QStringList{"udp", "listen"}, QStringList{"udp", "send", "127.0.0.1"},
              QStringList{"udp", "send", "127.0.0.1", "0"}, QStringList{"udp", "listen", "99999"},
              QStringList{"udp", "listen", "0", "--send", "x"}, QStringList{"udp", "send", "h", "9", "--echo"},
              QStringList{"udp", "frobnicate", "1"}, QStringList{"udp", "listen", "0", "--bogus"},
              QStringList{"udp", "send", "127.0.0.1", "9", "--repeat", "3"}}) {
            const Run r = cli(args);
            QVERIFY2(r.status == 2, qPrintable(args.join(' ') + "\n" + r.all()));
            // One line, in the style of every command.
            QVERIFY2(r.err.startsWith("linewright-cli: ") && r.err.count('\n') == 1, qPrintable(r.all()));
            QVERIFY(r.out.isEmpty());
        }
        const Run help = cli({"udp", "--help"});
        QCOMPARE(help.status, 0);
        QVERIFY(help.out.contains("udp listen [HOST:]PORT"));
    }

    // udp is a command like the others (CLI11): the shared options keep
    // their names, checks and wording; options may come before the command
    // words; each subcommand has its help, and the program's help lists udp.
    void sameCommandLineAsTheTcpCommands() {
        const QList<QPair<QStringList, QStringList>> pairs{
            {{"listen", "0", "--count", "0"}, {"udp", "listen", "0", "--count", "0"}},
            {{"listen", "0", "-w", "soon"}, {"udp", "listen", "0", "--timeout", "soon"}},
            {{"listen", "0", "-t", "\\q"}, {"udp", "listen", "0", "-t", "\\q"}},
            {{"listen", "0", "--record="}, {"udp", "listen", "0", "--record="}},
            {{"listen", "0", "--json=yes"}, {"udp", "listen", "0", "--json=yes"}},
            {{"listen", "0", "-q", "-c"}, {"udp", "listen", "0", "-q", "-c"}},
            {{"listen", "70000"}, {"udp", "listen", "70000"}},
            {{"connect", "h", "0"}, {"udp", "send", "h", "0"}},
            {{"connect", "h", "1", "--repeat", "0"}, {"udp", "send", "h", "1", "--repeat", "0"}},
            {{"connect", "h", "1", "--interval", "x"}, {"udp", "send", "h", "1", "--interval", "x"}},
            {{"connect", "h", "1", "--send", "\\xZZ"}, {"udp", "send", "h", "1", "--send", "\\xZZ"}},
            {{"connect", "h", "1", "--interval", "5"}, {"udp", "send", "h", "1", "--interval", "5"}},
        };
        for (const auto& [tcp, udp] : pairs) {
            const Run a = cli(tcp);
            const Run b = cli(udp);
            QVERIFY2(a.status == 2 && b.status == 2, qPrintable(a.all() + b.all()));
            QVERIFY2(a.err == b.err, qPrintable(tcp.join(' ') + ": " + a.err + udp.join(' ') + ": " + b.err));
        }
        const Run echo = cli({"udp", "send", "h", "9", "--echo"});
        QCOMPARE(echo.status, 2);
        QCOMPARE(echo.err, QByteArray("linewright-cli: option --echo does not apply to udp send (see linewright-cli udp "
                                      "send --help)\n"));
        const Run sub = cli({"udp", "frobnicate", "1"});
        QVERIFY2(sub.err.contains("unknown udp command 'frobnicate': expected listen or send"), sub.err.constData());

        // GNU syntax, options before the command words too.
        Background server(kCli, {"--echo", "udp", "-q", "listen", "--terminator=none", "0"}, kWait);
        const quint16 port = server.port();
        QVERIFY2(port != 0, server.err().constData());
        const Run r = cli({"-c1", "udp", "--send=hi", "send", "-w", "10", "--", "127.0.0.1", QString::number(port)});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QCOMPARE(r.out, QByteArray("< hi\n"));
        QCOMPARE(server.stop(), 0);

        for (const QStringList& args : {QStringList{"udp", "listen", "--help"}, QStringList{"udp", "send", "-h"}}) {
            const Run h = cli(args);
            QCOMPARE(h.status, 0);
            QVERIFY2(h.out.startsWith("Usage: linewright-cli udp " + args[1].toUtf8()), h.out.constData());
            QVERIFY2(h.out.contains("-c, --count N") && h.out.contains("-w, --timeout S") &&
                         h.out.contains("-r, --record FILE") && h.out.contains("-4, --ipv4"),
                     h.out.constData());
        }
        const Run top = cli({"--help"});
        QVERIFY(top.out.contains("udp send HOST PORT [options]"));
        QVERIFY(QRegularExpression(R"(\n  udp +UDP)").match(QString::fromUtf8(top.out)).hasMatch());
    }

    void echoBothFamilies_data() {
        QTest::addColumn<QString>("host");
        QTest::newRow("ipv4") << "127.0.0.1";
        if (ipv6Loopback()) QTest::newRow("ipv6") << "::1";
    }
    void echoBothFamilies() {
        QFETCH(QString, host);
        const QString bindAt = host.contains(':') ? "[" + host + "]:0" : host + ":0";
        Background server(kCli, {"udp", "listen", bindAt, "--echo"}, kWait);
        QVERIFY(server.started());
        const quint16 port = server.port();
        QVERIFY2(port != 0, server.err().constData());
        // Every byte value, escaped on the command line, comes back exactly.
        QString all;
        for (int i = 0; i < 256; ++i) all += QString::asprintf("\\x%02x", i);
        const Run r = cli({"udp", "send", host, QString::number(port), "--send", all, "--send", "second", "--count",
                           "2", "--timeout", "10", "--json"});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        const auto got = eventsOf(r.out, "datagram");
        QCOMPARE(got.size(), 2);
        QByteArray expected;
        for (int i = 0; i < 256; ++i) expected.append(static_cast<char>(i));
        QCOMPARE(QByteArray::fromBase64(got[0].value("data_b64").toString().toLatin1()), expected);
        QCOMPARE(got[1].value("text").toString(), QString("second"));
        QVERIFY(got[0].value("peer").toString().endsWith(":" + QString::number(port)));
        // The human output of the listener names each sender.
        QVERIFY(server.waitStdout(" < second"));
        const QString want = QString(host.contains(':') ? R"(^\[::1\]:\d+ < second$)" : R"(^127\.0\.0\.1:\d+ < second$)");
        QVERIFY2(QRegularExpression(want, QRegularExpression::MultilineOption).match(QString::fromUtf8(server.out())).hasMatch(),
                 server.out().constData());
        QVERIFY(server.stop() == 0);
    }

    void largestDatagramAndALargerOne() {
        Background server(kCli, {"udp", "listen", "0", "--echo", "--quiet"}, kWait);
        const quint16 port = server.port();
        QVERIFY(port != 0);
        const QString big(65507, 'B');
        const Run ok = cli({"udp", "send", "127.0.0.1", QString::number(port), "--send", big, "--count", "1",
                            "--timeout", "10", "--json"});
        QVERIFY2(ok.status == 0, qPrintable(ok.all().left(2000)));
        const auto got = eventsOf(ok.out, "datagram");
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].value("size").toInt(), 65507);
        const Run tooBig = cli({"udp", "send", "127.0.0.1", QString::number(port), "--send", big + "B"});
        QCOMPARE(tooBig.status, 1);
        QVERIFY2(tooBig.err.contains("65508 bytes") && tooBig.err.contains("at most 65507"), tooBig.err.constData());
        QCOMPARE(server.stop(), 0);
    }

    void closedPortIsUnreachable() {
        const quint16 port = freeUdpPort();
        QVERIFY(port != 0);
        const Run r = cli({"udp", "send", "127.0.0.1", QString::number(port), "--send", "anyone?", "--wait", "2"});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("unreachable") && r.err.contains("127.0.0.1:" + QByteArray::number(port)),
                 r.err.constData());
        // --json: the warning is an event.
        const Run j = cli({"udp", "send", "127.0.0.1", QString::number(port), "--send", "x", "--json", "--wait", "2"});
        QCOMPARE(j.status, 1);
        bool seen = false;
        for (const QJsonObject& w : eventsOf(j.out, "warning")) seen |= w.value("code").toString() == "unreachable";
        QVERIFY2(seen, j.out.constData());
    }

    void portInUse() {
        Background first(kCli, {"udp", "listen", "0"}, kWait);
        const quint16 port = first.port();
        QVERIFY(port != 0);
        const Run r = cli({"udp", "listen", QString::number(port)});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("in use"), r.err.constData());
        first.stop();
    }

    void loggerLinesAreMessages() {
        const QString logger = QStandardPaths::findExecutable("logger");
        if (logger.isEmpty()) QSKIP("logger (bsdutils) is not installed");
        Background server(kCli, {"udp", "listen", "0", "--json", "--count", "2", "--timeout", "20"}, kWait);
        const quint16 port = server.port();
        QVERIFY(port != 0);
        for (const char* text : {"first log line", "second log line"}) {
            const Run l = runProcess(logger, {"-n", "127.0.0.1", "-P", QString::number(port), "-d", "-t", "lwtest",
                                              QString::fromLatin1(text)},
                                     {}, kWait, kWait);
            QVERIFY2(l.status == 0, qPrintable(l.all()));
        }
        QCOMPARE(server.finish(20000), 0);
        const auto got = eventsOf(server.out(), "datagram");
        QCOMPARE(got.size(), 2);
        // RFC 5424 or 3164 framing from logger: "<13>… lwtest … first log line".
        QVERIFY2(got[0].value("text").toString().contains("lwtest") &&
                     got[0].value("text").toString().endsWith("first log line"),
                 qPrintable(got[0].value("text").toString()));
        QVERIFY(got[1].value("text").toString().endsWith("second log line"));
        QVERIFY(got[0].value("peer").toString().startsWith("127.0.0.1:"));
    }

    void socatSendsToUs() {
        const QString socat = QStandardPaths::findExecutable("socat");
        if (socat.isEmpty()) QSKIP("socat is not installed");
        Background server(kCli, {"udp", "listen", "0", "--echo"}, kWait);
        const quint16 port = server.port();
        QVERIFY(port != 0);
        // socat sends stdin as one datagram and prints what comes back.
        const Run r = runProcess(socat, {"-t", "5", "-", "UDP:127.0.0.1:" + QString::number(port)}, "ping\n", 20000,
                                 kWait);
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QCOMPARE(r.out, QByteArray("ping\n"));
        QVERIFY(server.waitStdout("< ping\\n"));
        QVERIFY2(QRegularExpression(R"(127\.0\.0\.1:\d+ < ping\\n)").match(QString::fromUtf8(server.out())).hasMatch(),
                 server.out().constData());
        server.stop();
    }

    void weSendToSocat() {
        const QString socat = QStandardPaths::findExecutable("socat");
        if (socat.isEmpty()) QSKIP("socat is not installed");
        // One datagram in, echoed back by socat's PIPE, then socat ends. A
        // port free a moment ago can be taken before socat binds it (other
        // tests run at the same time): socat then ends, and is started again
        // on another port, three times at most.
        quint16 port = 0;
        std::unique_ptr<Background> peer;
        QByteArray said;
        for (int attempt = 0; attempt < 3 && !peer; ++attempt) {
            port = freeUdpPort();
            QVERIFY(port != 0);
            auto p = std::make_unique<Background>(
                socat, QStringList{"-T", "10", "UDP-RECVFROM:" + QString::number(port) + ",bind=127.0.0.1", "PIPE"},
                kWait);
            QVERIFY(p->started());
            if (portTaken(port) && p->process().state() == QProcess::Running) {
                peer = std::move(p);
            } else {
                p->finish(kWait);
                said += "port " + QByteArray::number(port) + ": " + p->err() + "\n";
            }
        }
        QVERIFY2(peer, ("socat did not bind on three ports: " + said).constData());
        const Run r = cli({"udp", "send", "127.0.0.1", QString::number(port), "--send", "hello socat\\n", "--count",
                           "1", "--timeout", "10"});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QCOMPARE(r.out, QByteArray("< hello socat\\n\n"));
        QCOMPARE(peer->finish(kWait), 0);
    }

    void stdinLinesAndRecord() {
        QTemporaryDir dir;
        const QString rec = dir.filePath("udp.jsonl");
        Background server(kCli, {"udp", "listen", "0", "--record", rec, "--count", "3", "--timeout", "20"}, kWait);
        const quint16 port = server.port();
        QVERIFY(port != 0);
        const Run r = cli({"udp", "send", "127.0.0.1", QString::number(port)}, "one\ntwo\nthree\n");
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QCOMPARE(server.finish(20000), 0);
        QFile f(rec);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        const auto got = eventsOf(text, "datagram");
        QCOMPARE(got.size(), 3);
        QCOMPARE(got[2].value("text").toString(), QString("three\\n"));
        // The session tools read it back.
        const Run summary = cli({"summary", rec});
        QVERIFY2(summary.status == 0, qPrintable(summary.all()));
    }

    void multicastOnLoopback() {
        Background rx(kCli, {"udp", "listen", "0", "--multicast", "239.255.0.77", "--multicast-if", "127.0.0.1",
                             "--count", "1", "--timeout", "20"},
                      kWait);
        const quint16 port = rx.port();
        if (port == 0 && rx.err().contains("multicast")) QSKIP("cannot join a multicast group on loopback here");
        QVERIFY2(port != 0, rx.err().constData());
        const Run tx = cli({"udp", "send", "239.255.0.77", QString::number(port), "--multicast-if", "127.0.0.1",
                            "--multicast-ttl", "0", "--send", "to the group"});
        QVERIFY2(tx.status == 0, qPrintable(tx.all()));
        QCOMPARE(rx.finish(20000), 0);
        QVERIFY2(rx.out().contains(" < to the group"), rx.out().constData());
    }

    void exportPcapngDecodesAsSyslog() {
        const QString logger = QStandardPaths::findExecutable("logger");
        const QString tshark = QStandardPaths::findExecutable("tshark");
        if (logger.isEmpty() || tshark.isEmpty()) QSKIP("logger or tshark is not installed");
        QTemporaryDir dir;
        const QString rec = dir.filePath("syslog.jsonl");
        const QString cap = dir.filePath("syslog.pcapng");
        Background server(kCli, {"udp", "listen", "0", "--echo", "--record", rec, "--count", "1", "--timeout", "20"},
                          kWait);
        const quint16 port = server.port();
        QVERIFY(port != 0);
        const Run l = runProcess(logger, {"-n", "127.0.0.1", "-P", QString::number(port), "-d", "-t", "lwtest",
                                          "exported line"},
                                 {}, kWait, kWait);
        QVERIFY2(l.status == 0, qPrintable(l.all()));
        QCOMPARE(server.finish(20000), 0);
        const Run e = cli({"export", rec, "--pcapng", cap});
        QVERIFY2(e.status == 0, qPrintable(e.all()));
        QVERIFY2(e.err.contains("2 UDP datagrams"), e.err.constData());
        // tshark: both packets (in, and the echo out) decode as syslog, with good UDP checksums.
        const Run t = runProcess(tshark,
                                 {"-r", cap, "-o", "udp.check_checksum:TRUE", "-d",
                                  "udp.port==" + QString::number(port) + ",syslog", "-T", "fields", "-e",
                                  "udp.checksum.status", "-e", "syslog.msg"},
                                 {}, 60000, kWait);
        QVERIFY2(t.status == 0, qPrintable(t.all()));
        const QStringList rows = lines(t.out);
        QCOMPARE(rows.size(), 2);
        for (const QString& row : rows) {
            QVERIFY2(row.startsWith("1\t"), qPrintable(row));  // 1: checksum good
            QVERIFY2(row.endsWith("exported line"), qPrintable(row));
        }
    }
};

QTEST_GUILESS_MAIN(TestCliUdp)
#include "tst_CliUdp.moc"
