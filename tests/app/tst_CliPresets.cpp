// tst_CliPresets.cpp — protocol presets and rules in linewright-cli, against
// real peers nobody here wrote, on loopback:
//   * connect --preset redis --json to redis-server: replies with bulk
//     strings holding CRLFs, LRANGE, HGETALL and XRANGE (nested arrays)
//     each framed as exactly one message group, messages counted;
//   * reframe --preset redis of that recording gives the same framing;
//   * listen --preset redis --rules minimal-redis.lwp acting as a minimal
//     Redis that redis-cli (PING, SET, GET, ECHO) and redis-benchmark
//     -t ping,set,get -n 10000 talk to without errors;
//   * connect --preset pop3 --json to Debian's dovecot (its own config in a
//     temporary folder, loopback, a random port): pipelined commands, each
//     reply one group, multi-line ones up to '.', dot-stuffing kept; the
//     recording reframed with the preset gives the same groups;
//   * presets lists built-in and user presets; bad programs exit 2 naming
//     the file and line.
// Each peer missing is a QSKIP naming it. Random ports; every wait bounded.
#include "CliTestSupport.h"
#include "DovecotTestSupport.h"
#include "PeerTestSupport.h"
#include "ProcessTestSupport.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSet>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTcpSocket>
#include <QTest>

namespace {

const QString kRules = QStringLiteral(LW_RULES_DIR);
constexpr int kWait = 30000;

using lwtest::Background;
using lwtest::Run;

Run runCli(const QStringList& args, const QProcessEnvironment* env = nullptr) {
    return lwtest::runProcess(kCli, args, {}, kWait, kWait, env);
}
Run run(const QString& program, const QStringList& args) { return lwtest::runProcess(program, args, {}, kWait, kWait); }

using lwtest::freePort;

struct Framing {
    int messages = 0;
    QSet<qint64> groups;
    QList<qint64> sizes;
};

Framing framingOf(const QByteArray& jsonLines) {
    Framing f;
    for (const QByteArray& line : jsonLines.split('\n')) {
        if (line.isEmpty()) continue;
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value("event").toString() != QStringLiteral("found_terminator")) continue;
        ++f.messages;
        f.groups.insert(o.value("group").toInteger());
        f.sizes.append(o.value("size").toInteger());
    }
    return f;
}

}  // namespace

class TestCliPresets : public QObject {
    Q_OBJECT

private slots:
    void presetsListsBuiltinAndUserPresets() {
        QTemporaryDir dir;
        QFile mine(dir.filePath("mine.lwp"));
        QVERIFY(mine.open(QIODevice::WriteOnly));
        mine.write("name mine\ndescription \"my own\"\nterminator \"\\n\"\n");
        mine.close();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("LINEWRIGHT_PRESETS", dir.path());
        Run r = runCli({"presets"}, &env);
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        for (const char* n : {"redis ", "memcached ", "http ", "smtp ", "imap ", "ftp ", "pop3 ", "mllp ", "stomp ", "netstring ",
                              "length-be32 ", "mine "})
            QVERIFY2(r.out.contains(n), n);
        QVERIFY(r.out.contains("my own  (" + dir.filePath("mine.lwp").toUtf8() + ")"));
        QVERIFY(r.err.contains(dir.path().toUtf8()));
        // A user preset that does not parse is listed as such, with its line; the status says so.
        QVERIFY(lwtest::writeFile(dir.filePath("broken.lwp"), "name broken\n\nrule x: regex \"(\"\n"));
        r = runCli({"presets"}, &env);
        QCOMPARE(r.status, 1);
        QVERIFY2(r.out.contains("broken.lwp:3: the regex does not compile"), qPrintable(r.all()));
        // A user preset is found by name.
        const Run usage = runCli({"connect", "127.0.0.1", "1", "--preset", "mine", "--timeout", "0.01"}, &env);
        QVERIFY2(!usage.err.contains("unknown preset"), qPrintable(usage.all()));
    }

    void badProgramsExitTwoNamingTheLine() {
        QTemporaryDir dir;
        const QString file = dir.filePath("bad.lwp");
        QVERIFY(lwtest::writeFile(
            file, "# rules\nrule ok: equals \"PING\" => reply \"+PONG\\r\\n\"\nrule bad: regex \"a(b\" => close\n"));
        Run r = runCli({"listen", "0", "--rules", file});
        QCOMPARE(r.status, 2);
        QCOMPARE(r.err, QByteArray("linewright-cli: --rules: " + file.toUtf8() + ":3: the regex does not compile: missing ): a(b\n"));
        r = runCli({"connect", "127.0.0.1", "1", "--preset", "nope"});
        QCOMPARE(r.status, 2);
        QVERIFY(r.err.startsWith("linewright-cli: --preset: unknown preset 'nope'; the presets are: ftp, http,"));
        r = runCli({"connect", "127.0.0.1", "1", "--preset", "redis", "-t", "\\n"});
        QCOMPARE(r.status, 2);
        QVERIFY(r.err.contains("both set the framing"));
    }

    void redisRepliesAreOneGroupEach() {
        REQUIRE_PROGRAM("redis-server");
        REQUIRE_PROGRAM("redis-cli");
        lwtest::RedisServer redis(kWait);
        QVERIFY(redis.start());
        const QString p = QString::number(redis.port);
        QCOMPARE(run("redis-cli", {"-p", p, "SET", "k", "a\r\nb"}).out, QByteArray("OK\n"));
        QCOMPARE(run("redis-cli", {"-p", p, "RPUSH", "l", "x", "y\r\n", "z"}).out, QByteArray("3\n"));
        QCOMPARE(run("redis-cli", {"-p", p, "HSET", "h", "f1", "v1", "f2", "x\r\ny"}).out, QByteArray("2\n"));
        QCOMPARE(run("redis-cli", {"-p", p, "XADD", "s", "1-1", "f", "v"}).out, QByteArray("1-1\n"));
        const QByteArray big(100000, 'B');
        QCOMPARE(run("redis-cli", {"-p", p, "SET", "big", QString::fromLatin1(big)}).out, QByteArray("OK\n"));

        QTemporaryDir dir;
        QFile cmds(dir.filePath("cmds.resp"));
        QVERIFY(cmds.open(QIODevice::WriteOnly));
        cmds.write("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"                                   // $4, a\r\nb\r\n: 2
                   "*4\r\n$6\r\nLRANGE\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n"         // *3 and 3 bulk: 7
                   "*2\r\n$7\r\nHGETALL\r\n$1\r\nh\r\n"                              // *4 and 4 bulk: 9
                   "*4\r\n$6\r\nXRANGE\r\n$1\r\ns\r\n$1\r\n-\r\n$1\r\n+\r\n"         // *1 *2 $ id *2 $ f $ v: 9
                   "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");                              // $100000, body: 2
        cmds.close();
        const QString record = dir.filePath("redis.lwsession");
        const Run r = runCli({"connect", "127.0.0.1", p, "--preset", "redis", "--json", "--send-file", cmds.fileName(),
                              "--count", "29", "--timeout", "20", "--record", record});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        const Framing f = framingOf(r.out);
        QCOMPARE(f.messages, 29);
        QCOMPARE(f.groups.size(), 5);  // one per reply
        QVERIFY(f.sizes.contains(6));        // "a\r\nb" and its CRLF, one message
        QVERIFY(f.sizes.contains(100002));   // the big value, one message
        QVERIFY(r.out.contains("\"rule\":\"array\""));

        // One byte per recv (--in-buffer 1): the program switches the terminator
        // between reads instead of within one; the framing is the same.
        const Run bytewise = runCli({"connect", "127.0.0.1", p, "--preset", "redis", "--json", "--send-file",
                                     cmds.fileName(), "--count", "29", "--timeout", "20", "--in-buffer", "1"});
        QVERIFY2(bytewise.status == 0, qPrintable(bytewise.all()));
        const Framing b = framingOf(bytewise.out);
        QCOMPARE(b.sizes, f.sizes);
        QCOMPARE(b.groups, f.groups);

        // The recording, framed again offline with the preset: the same messages and groups.
        const Run re = runCli({"reframe", record, "--preset", "redis"});
        QVERIFY2(re.status == 0, qPrintable(re.all()));
        QVERIFY2(re.err.contains("29 messages in 5 groups"), qPrintable(re.all()));
    }

    void pop3RepliesAreOneGroupEach() {
        // Dovecot's own configuration in a temporary folder (DovecotTestSupport.h):
        // POP3 only, on a random loopback port, any user with the password
        // "secret", one Maildir.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const quint16 port = freePort();
        lwtest::Dovecot dovecot("pop3", dir.path(), port, "From: x@y\r\nSubject: hi\r\n\r\n.dot line\r\nbody\r\n",
                                kWait);  // ".dot" goes out as "..dot"
        if (!dovecot.skipped.isEmpty()) QSKIP(qPrintable(dovecot.skipped));
        QVERIFY2(dovecot.error.isEmpty(), qPrintable(dovecot.error));
        Background& server = *dovecot.server;
        // Listening once a connection is accepted (its greeting read).
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                QTcpSocket s;
                s.connectToHost(QHostAddress::LocalHost, port);
                return s.waitForConnected(1000) && s.waitForReadyRead(2000) && s.readAll().startsWith("+OK");
            }(),
            kWait);

        // Sent at once, before the greeting: pipelined (dovecot says PIPELINING).
        QFile cmds(dir.filePath("cmds.txt"));
        QVERIFY(cmds.open(QIODevice::WriteOnly));
        cmds.write("CAPA\r\nUSER a\r\nPASS secret\r\nSTAT\r\nLIST\r\nRETR 1\r\nTOP 1 0\r\nUIDL\r\nLIST 9\r\nQUIT\r\n");
        cmds.close();
        const QString record = dir.filePath("pop3.lwsession");
        const Run r = runCli({"connect", "127.0.0.1", QString::number(port), "--preset", "pop3", "--json", "--send-file",
                              cmds.fileName(), "--timeout", "20", "--record", record});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        // group → its messages' bytes, in order.
        QMap<qint64, QList<QByteArray>> groups;
        int messages = 0;
        QByteArray pending;  // the collect events' bytes of the message under way
        for (const QByteArray& line : r.out.split('\n')) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            const QString event = o.value("event").toString();
            if (event == QStringLiteral("collect")) {
                pending += o.contains("text") ? o.value("text").toString().toUtf8()
                                              : QByteArray::fromBase64(o.value("data_b64").toString().toLatin1());
            } else if (event == QStringLiteral("found_terminator")) {
                ++messages;
                groups[o.value("group").toInteger()].append(std::exchange(pending, QByteArray()));
            }
        }
        QCOMPARE(groups.size(), 11);  // the greeting and one per command
        QStringList shapes;
        for (const auto& g : groups) {
            QVERIFY2(g.front().startsWith("+OK") || g.front().startsWith("-ERR"), g.front().constData());
            shapes << (g.size() == 1 ? QStringLiteral("1") : g.back() == "." ? QStringLiteral("multi") : QStringLiteral("?"));
        }
        // greeting CAPA USER PASS STAT LIST RETR TOP UIDL "LIST 9" QUIT
        QCOMPARE(shapes, QStringList({"1", "multi", "1", "1", "1", "multi", "multi", "multi", "multi", "1", "1"}));
        const auto retr = groups.values().at(6);
        QCOMPARE(retr.mid(1), QList<QByteArray>({"From: x@y", "Subject: hi", "", "..dot line", "body", "."}));
        QVERIFY(groups.values().at(9).front().startsWith("-ERR"));

        // The recording framed again with the preset (the client's bytes beside the server's): the same.
        const Run re = runCli({"reframe", record, "--preset", "pop3"});
        QVERIFY2(re.status == 0, qPrintable(re.all()));
        QVERIFY2(re.err.contains(QStringLiteral("%1 messages in 11 groups").arg(messages).toUtf8()), qPrintable(re.all()));
        QVERIFY2(re.out.contains("< ..dot line  (line)"), qPrintable(re.all()));
        QCOMPARE(server.stop(), 0);
    }

    void listenRulesActAsMinimalRedis() {
        REQUIRE_PROGRAM("redis-cli");
        REQUIRE_PROGRAM("redis-benchmark");
        Background server(kCli, {"listen", "0", "--preset", "redis", "--rules", kRules + "/minimal-redis.lwp", "--quiet",
                                 "--stats"},
                          kWait);
        QVERIFY(server.started());
        const quint16 port = server.port();
        QVERIFY(port != 0);
        const QString p = QString::number(port);
        QCOMPARE(run("redis-cli", {"-p", p, "PING"}).out, QByteArray("PONG\n"));
        QCOMPARE(run("redis-cli", {"-p", p, "SET", "k", "a\r\nb"}).out, QByteArray("OK\n"));
        QCOMPARE(run("redis-cli", {"-p", p, "GET", "some key"}).out, QByteArray("some key\n"));
        QCOMPARE(run("redis-cli", {"-p", p, "--no-raw", "ECHO", "x\r\ny"}).out, QByteArray("\"x\\r\\ny\"\n"));
        QVERIFY(run("redis-cli", {"-p", p, "FLUSHALL"}).out.startsWith("ERR unknown command"));
        const Run bench = run("redis-benchmark", {"-p", p, "-t", "ping,set,get", "-n", "10000", "-q"});
        QVERIFY2(bench.status == 0, qPrintable(bench.all()));
        for (const char* t : {"PING_INLINE: ", "PING_MBULK: ", "SET: ", "GET: "})
            QVERIFY2(bench.out.contains(t), qPrintable(bench.all()));
        QVERIFY2(!bench.out.contains("ERR") && !bench.err.contains("rror"), qPrintable(bench.all()));
        QCOMPARE(server.stop(), 0);
        QVERIFY2(!server.err().contains("warning"), server.err().constData());
    }
};

QTEST_GUILESS_MAIN(TestCliPresets)
#include "tst_CliPresets.moc"
