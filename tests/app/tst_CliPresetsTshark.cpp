// tst_CliPresetsTshark.cpp — the presets frame real traffic as Wireshark's
// dissectors do. Each case captures a conversation with real peers on lo
// (tcpdump, root: CI runs as root; QSKIP otherwise), imports each TCP stream
// (linewright-cli import), re-frames both directions with the preset
// (linewright-cli reframe --preset) and compares the counts with tshark's
// dissector on the same capture:
//   * redis-cli ↔ redis-server (strings holding \r\n, LRANGE, HGETALL,
//     XRANGE nested arrays, a nil, a 20 kB value), one connection per
//     command: bulk strings and arrays per stream and direction against
//     tshark's `resp` (tshark also counts a nil `$-1` as a bulk string, of
//     length -1; the preset has no body to frame there, so nils are counted
//     apart; a reply longer than a segment is decoded by tshark partly in each
//     frame, so only its whole decode is counted);
//   * memcached, one command per segment: commands against `memcache`'s
//     commands, VALUE and STAT lines and the one-line replies against its
//     keys and responses (tshark's text dissector reads one message per
//     segment, so the client waits for each reply);
//   * curl ↔ python3 -m http.server (HTTP/1.1 keep-alive, Content-Length
//     bodies, a 404 that closes, a POST): requests, responses and bodies per
//     stream against `http`.
// Random ports; every wait is for a condition, bounded.
#include "CliTestSupport.h"
#include "PeerTestSupport.h"
#include "ProcessTestSupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMap>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <algorithm>

namespace {

constexpr int kWait = 30000;

using lwtest::Background;
using lwtest::Run;

Run runCli(const QStringList& args) { return lwtest::runProcess(kCli, args, {}, kWait, kWait); }
Run run(const QString& program, const QStringList& args, const QByteArray& input = {}) {
    return lwtest::runProcess(program, args, input, kWait, kWait);
}

using lwtest::freePort;
using lwtest::tool;

/// tcpdump on lo for one port, to a pcap file.
class Capture {
public:
    Capture(const QString& file, quint16 port)
        : m_file(file),
          m_dump(tool("tcpdump"), {"-i", "lo", "-U", "-n", "-Z", "root", "-w", file, QStringLiteral("tcp port %1").arg(port)},
                 kWait) {}
    bool listening() { return m_dump.started() && !m_dump.waitFor(QRegularExpression("(listening on lo)")).isEmpty(); }
    /// Waits until `streams` streams have both FINs in the file (tcpdump -U
    /// writes each packet as it comes), then stops tcpdump.
    bool finish(int streams) {
        QElapsedTimer t;
        t.start();
        bool done = false;
        while (!done && t.elapsed() < kWait) {
            const Run list = runCli({"import", m_file, "--list"});
            done = list.status == 0 && list.out.count("client FIN, server FIN") >= streams;
            if (!done) QTest::qWait(50);
        }
        m_dump.stop();
        return done;
    }

private:
    QString m_file;
    Background m_dump;
};

/// What reframe --preset made of one direction of one stream.
struct Reframed {
    int messages = 0;
    int groups = 0;
    QMap<QString, int> rules;  // rule name → messages it matched
    QString all;
};

Reframed reframe(const QString& session, const QString& preset, const QString& direction) {
    Reframed r;
    const Run re = runCli({"reframe", session, "--preset", preset, "--direction", direction});
    r.all = re.all();
    if (re.status != 0) return r;
    static const QRegularExpression summary(R"((\d+) messages in (\d+) groups)");
    const auto m = summary.match(QString::fromUtf8(re.err));
    if (!m.hasMatch()) return r;
    r.messages = m.captured(1).toInt();
    r.groups = m.captured(2).toInt();
    static const QRegularExpression rule(R"(  \(([A-Za-z0-9_.,-]+)\)$)");
    for (const QByteArray& line : re.out.split('\n')) {
        const auto rm = rule.match(QString::fromUtf8(line));
        if (rm.hasMatch()) ++r.rules[rm.captured(1)];
    }
    return r;
}

/// One frame as tshark dissected it: its stream, its source port and the
/// values of the fields asked for (every occurrence).
struct Frame {
    int stream = -1;
    int srcport = 0;
    QMap<QString, QStringList> values;
};

/// The frames `filter` selects, with `fields`: one tshark run per capture.
QList<Frame> tsharkFrames(const QString& capture, const QString& decodeAs, const QString& filter, const QStringList& fields) {
    QStringList args{"-r", capture, "-d", decodeAs, "-Y", filter, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;",
                     "-e", "tcp.stream", "-e", "tcp.srcport"};
    for (const QString& f : fields) args << "-e" << f;
    const Run r = run(tool("tshark"), args);
    QList<Frame> out;
    for (const QByteArray& line : r.out.split('\n')) {
        const QList<QByteArray> cols = line.split('\t');
        if (cols.size() != fields.size() + 2) continue;
        Frame f;
        f.stream = cols[0].toInt();
        f.srcport = cols[1].toInt();
        for (int i = 0; i < fields.size(); ++i)
            for (const QByteArray& v : cols[i + 2].split(';'))
                if (!v.trimmed().isEmpty()) f.values[fields[i]] << QString::fromUtf8(v.trimmed());
        out << f;
    }
    return out;
}

/// The values of `field` in the frames of `stream` (-1: any) sent from (or to) `port`.
QStringList valuesOf(const QList<Frame>& frames, int stream, quint16 port, bool fromPort, const QString& field) {
    QStringList out;
    for (const Frame& f : frames)
        if ((stream < 0 || f.stream == stream) && (f.srcport == port) == fromPort) out << f.values.value(field);
    return out;
}

#define REQUIRE_CAPTURE()                                                                        \
    do {                                                                                         \
        if (::geteuid() != 0) QSKIP("tcpdump on lo needs root (CI runs as root); not compared"); \
        if (tool("tcpdump").isEmpty()) QSKIP("tcpdump is not installed");                        \
        if (tool("tshark").isEmpty()) QSKIP("tshark is not installed");                          \
    } while (0)

}  // namespace

class TestCliPresetsTshark : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    /// Imports stream `n` of `capture` to a session.
    QString import(const QString& capture, int n) {
        const QString session = m_dir.filePath(QStringLiteral("%1-%2.jsonl").arg(QFileInfo(capture).baseName()).arg(n));
        const Run imp = runCli({"import", capture, "--stream", QString::number(n), "-o", session, "--force"});
        if (imp.status != 0) qWarning("%s", qPrintable(imp.all()));
        return imp.status == 0 ? session : QString();
    }

private slots:
    void redisAgreesWithTsharkResp() {
        REQUIRE_CAPTURE();
        if (tool("redis-server").isEmpty() || tool("redis-cli").isEmpty()) QSKIP("redis-server/redis-cli not installed");
        lwtest::RedisServer redis(kWait);
        QVERIFY(redis.start());
        const quint16 port = redis.port;
        const QString p = QString::number(port);
        const QString capture = m_dir.filePath("redis.pcap");
        Capture cap(capture, port);
        QVERIFY(cap.listening());
        // One redis-cli per command (with the command as arguments it sends
        // nothing else; reading commands from stdin it first asks COMMAND DOCS,
        // a 170 kB reply over several segments, which tshark decodes partly in
        // every frame and differently from run to run: 7,044 to 11,743 bulk
        // strings for our steady 9,687).
        const QList<QStringList> commands = {
            {"SET", "k", "a\r\nb"}, {"RPUSH", "l", "x", "y\r\n", "z"}, {"HSET", "h", "f1", "v1", "f2", "x\r\ny"},
            {"GET", "k"}, {"LRANGE", "l", "0", "-1"}, {"HGETALL", "h"}, {"GET", "nope"},
            {"XADD", "s", "1-1", "f", "v"}, {"XRANGE", "s", "-", "+"},
            {"SET", "big", QString(20000, 'B')}, {"GET", "big"}, {"PING"}};
        for (const QStringList& c : commands) {
            const Run cli = run(tool("redis-cli"), QStringList{"-p", p} + c);
            QVERIFY2(cli.status == 0 && !cli.out.startsWith("(error)"), qPrintable(cli.all()));
        }
        QVERIFY(cap.finish(int(commands.size())));

        // (A reply longer than a segment: tshark decodes what it has so far in
        // each frame and again whole in the last; only the whole decode counts.)
        const QList<Frame> frames = tsharkFrames(capture, QStringLiteral("tcp.port==%1,resp").arg(port),
                                                 "resp && !resp.reassembled_in_next_frame",
                                                 {"resp.bulk_string.length", "resp.array.length"});
        int totals[2][3] = {};  // [fromServer][bulk, array, nil]
        for (int n = 0; n < commands.size(); ++n) {
            const QString session = import(capture, n);
            QVERIFY(!session.isEmpty());
            for (const bool fromServer : {true, false}) {
                const Reframed ours = reframe(session, "redis", fromServer ? "server" : "client");
                const QStringList bulk = valuesOf(frames, n, port, fromServer, "resp.bulk_string.length");
                const QStringList arrays = valuesOf(frames, n, port, fromServer, "resp.array.length");
                const int nils = int(bulk.count(QStringLiteral("-1")));
                const QString why = QStringLiteral("stream %1 %2: tshark bulk %3, arrays %4; ours\n%5")
                                        .arg(n)
                                        .arg(fromServer ? "server" : "client", bulk.join(','), arrays.join(','),
                                             ours.all.left(2000));
                // One group: a command, or its reply.
                QVERIFY2(ours.groups == 1, qPrintable(why));
                // tshark also counts a nil ($-1) as a bulk string; there is no body to frame.
                QVERIFY2(ours.rules.value("bulk") == bulk.size() - nils, qPrintable(why));
                QVERIFY2(ours.rules.value("array") == arrays.size(), qPrintable(why));
                totals[fromServer][0] += ours.rules.value("bulk");
                totals[fromServer][1] += ours.rules.value("array");
                totals[fromServer][2] += nils;
            }
        }
        // The commands: 12 arrays of 39 bulk strings; the replies: the value
        // holding CRLF, LRANGE's 3, HGETALL's 4, XRANGE's id and pair, the big
        // value, XADD's id (…), a nil for GET nope.
        QCOMPARE(totals[0][1], 12);
        QCOMPARE(totals[0][0], 39);
        QCOMPARE(totals[1][2], 1);
        QVERIFY(totals[1][1] >= 5);
    }

    void memcachedAgreesWithTsharkMemcache() {
        REQUIRE_CAPTURE();
        if (tool("memcached").isEmpty()) QSKIP("memcached is not installed");
        const quint16 port = freePort();
        QStringList args{"-l", "127.0.0.1", "-p", QString::number(port), "-U", "0"};
        if (::geteuid() == 0) args << "-u" << "nobody";
        Background memcached(tool("memcached"), args, kWait);
        QVERIFY(memcached.started());
        // Listening (before the capture, so that its one stream is the dialogue).
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                QTcpSocket probe;
                probe.connectToHost(QHostAddress::LocalHost, port);
                return probe.waitForConnected(1000);
            }(),
            kWait);
        const QString capture = m_dir.filePath("memcached.pcap");
        Capture cap(capture, port);
        QVERIFY(cap.listening());
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(s.waitForConnected(kWait));
        // Each command in a segment of its own, after the reply before it.
        const QList<QPair<QByteArray, QByteArray>> dialogue = {
            {"set a 0 0 5\r\nx\r\nyz\r\n", "STORED\r\n"},   // a value holding CRLF
            {"set e 0 0 0\r\n\r\n", "STORED\r\n"},          // an empty value
            {"get a e nope\r\n", "END\r\n"},
            {"gets a\r\n", "END\r\n"},
            {"append a 0 0 2\r\n!!\r\n", "STORED\r\n"},
            {"delete e\r\n", "DELETED\r\n"},
            {"incr n 1\r\n", "NOT_FOUND\r\n"},
            {"stats slabs\r\n", "END\r\n"},
        };
        for (const auto& [command, end] : dialogue) {
            s.write(command);
            QByteArray reply;
            while (!reply.endsWith(end) && s.waitForReadyRead(kWait)) reply += s.readAll();
            QVERIFY2(reply.endsWith(end), reply.constData());
        }
        s.write("quit\r\n");
        QVERIFY(s.waitForDisconnected(kWait) || s.state() == QAbstractSocket::UnconnectedState);
        QVERIFY(cap.finish(1));
        const QString session = import(capture, 0);
        QVERIFY(!session.isEmpty());

        const QList<Frame> frames = tsharkFrames(capture, QStringLiteral("tcp.port==%1,memcache").arg(port), "memcache",
                                                 {"memcache.command", "memcache.response", "memcache.key"});
        // Client: one group per command (a storage command with its block).
        const Reframed client = reframe(session, "memcached", "client");
        const QStringList commands = valuesOf(frames, -1, port, false, "memcache.command");
        QVERIFY2(client.groups == commands.size(), qPrintable(client.all + "\ntshark: " + commands.join(',')));
        QCOMPARE(client.groups, 9);
        QCOMPARE(client.rules.value("store"), int(commands.count("set") + commands.count("append")));
        // Server: VALUE lines against tshark's keys in replies, STAT lines
        // against its STAT responses, one-line replies against the rest.
        const Reframed server = reframe(session, "memcached", "server");
        const QStringList keys = valuesOf(frames, -1, port, true, "memcache.key");
        const QStringList responses = valuesOf(frames, -1, port, true, "memcache.response");
        QCOMPARE(server.rules.value("value"), int(keys.size()));
        // (tshark files a STAT line under memcache.command.)
        const QStringList serverCommands = valuesOf(frames, -1, port, true, "memcache.command");
        QCOMPARE(server.rules.value("stat"), int(serverCommands.count("STAT")));
        QVERIFY(server.rules.value("stat") > 5);
        // Replies that are one line: no rule matched them (END closes a group and is not a reply of its own).
        const int oneLine = server.groups - 3;  // minus the two get replies and the stats reply
        QCOMPARE(oneLine, int(responses.size()));
        QCOMPARE(server.groups, 8);
    }

    void httpAgreesWithTsharkHttp() {
        REQUIRE_CAPTURE();
        if (tool("curl").isEmpty()) QSKIP("curl is not installed");
        const QString python = QFile::exists("/usr/bin/python3") ? QStringLiteral("/usr/bin/python3") : tool("python3");
        QDir().mkpath(m_dir.filePath("www"));
        {
            QFile a(m_dir.filePath("www/a.txt"));
            QVERIFY(a.open(QIODevice::WriteOnly));
            a.write("hello\r\n\r\nworld\n");  // a body holding the head's terminator
            QFile big(m_dir.filePath("www/big.bin"));
            QVERIFY(big.open(QIODevice::WriteOnly));
            QByteArray bytes(70000, '\0');
            for (int i = 0; i < bytes.size(); ++i) bytes[i] = char((i * 7919) >> 3);
            big.write(bytes);
        }
        const quint16 port = freePort();
        QProcess httpServer;
        httpServer.setWorkingDirectory(m_dir.filePath("www"));
        httpServer.setProcessChannelMode(QProcess::MergedChannels);
        httpServer.start(python, {"-m", "http.server", "--bind", "127.0.0.1", "--protocol", "HTTP/1.1", QString::number(port)});
        QVERIFY(httpServer.waitForStarted(kWait));
        const QString base = QStringLiteral("http://127.0.0.1:%1/").arg(port);
        QTRY_VERIFY_WITH_TIMEOUT(run(tool("curl"), {"-s", "-o", "/dev/null", base + "a.txt"}).status == 0, kWait);
        const QString capture = m_dir.filePath("http.pcap");
        Capture cap(capture, port);
        QVERIFY(cap.listening());
        // One connection (keep-alive) for three requests; the 404 closes it, so "/" takes a second.
        Run c = run(tool("curl"), {"-s", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
                                   base + "a.txt", base + "big.bin", base + "nope", base});
        QCOMPARE(c.status, 0);
        c = run(tool("curl"), {"-s", "-o", "/dev/null", "-d", "x=1&y=2", base + "a.txt"});  // 501: a POST
        QCOMPARE(c.status, 0);
        const int streams = 3;  // the keep-alive one, "/", the POST
        QVERIFY(cap.finish(streams));
        httpServer.terminate();
        httpServer.waitForFinished(kWait);

        const QList<Frame> frames = tsharkFrames(capture, QStringLiteral("tcp.port==%1,http").arg(port), "http",
                                                 {"http.request.method", "http.response.code", "http.content_length"});
        int requestsSeen = 0;
        for (int n = 0; n < streams; ++n) {
            const QString session = import(capture, n);
            QVERIFY(!session.isEmpty());
            // Content-Length per request and per response ("0" when it has none).
            QStringList requests, codes, reqLengths, respLengths;
            for (const Frame& f : frames) {
                if (f.stream != n) continue;
                const QStringList lengths = f.values.value("http.content_length");
                const QStringList methods = f.values.value("http.request.method");
                const QStringList statuses = f.values.value("http.response.code");
                requests << methods;
                codes << statuses;
                for (qsizetype i = 0; i < methods.size() + statuses.size(); ++i)
                    (methods.isEmpty() ? respLengths : reqLengths) << (i < lengths.size() ? lengths[i] : QStringLiteral("0"));
            }
            const Reframed client = reframe(session, "http", "client");
            const Reframed server = reframe(session, "http", "server");
            const QString why = QStringLiteral("stream %1: tshark %2 / %3 (%4); ours\n%5\n%6")
                                    .arg(n)
                                    .arg(requests.join(','), codes.join(','), respLengths.join(','), client.all.left(1500),
                                         server.all.left(1500));
            QVERIFY2(!requests.isEmpty(), qPrintable(why));
            requestsSeen += int(requests.size());
            // A message and its body are one group: one per request, one per response.
            QVERIFY2(client.groups == requests.size(), qPrintable(why));
            QVERIFY2(server.groups == codes.size(), qPrintable(why));
            // A head, and a body when the Content-Length is not 0.
            const auto withBody = [](const QStringList& lengths) {
                return int(std::count_if(lengths.begin(), lengths.end(), [](const QString& l) { return l.toLongLong() > 0; }));
            };
            QVERIFY2(client.messages == requests.size() + withBody(reqLengths), qPrintable(why));
            QVERIFY2(server.messages == codes.size() + withBody(respLengths), qPrintable(why));
            QCOMPARE(server.rules.value("length"), withBody(respLengths));
        }
        QCOMPARE(requestsSeen, 5);
    }
};

QTEST_GUILESS_MAIN(TestCliPresetsTshark)
#include "tst_CliPresetsTshark.moc"
