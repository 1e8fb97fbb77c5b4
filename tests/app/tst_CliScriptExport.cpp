// tst_CliScriptExport.cpp — `linewright-cli script … --python pwntools|asyncio`:
// the exported programs run with Debian's /usr/bin/python3 against real
// peers on loopback and pass, and fail (exit 1, the script's line named)
// when the peer does not answer as the script expects:
//   * examples/scripts/redis.lws against redis-server --requirepass (AUTH,
//     captures used in later sends, a count-framed INFO bulk string); the
//     same program against a server with another password fails at AUTH;
//   * examples/scripts/smtp.lws against aiosmtpd (/usr/bin/python3 -m
//     aiosmtpd), which prints the message it was given;
//   * examples/scripts/http.lws (two requests on one keep-alive connection,
//     bodies framed by Content-Length) against /usr/bin/python3 -m
//     http.server; a 404 fails the status assert;
//   * a recording whose bytes hold quotes, backslashes, newlines, a NUL and
//     Python code: the program made from it is printable ASCII, compiles,
//     runs against the same echo peer (socat) and passes, and the code in
//     the bytes never runs.
// The pwntools cases are a QSKIP only when `/usr/bin/python3 -c 'import
// pwn'` fails (python3-pwntools); each peer missing is a QSKIP naming it.
#include "CliTestSupport.h"
#include "PeerTestSupport.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kScripts = QStringLiteral(LW_SCRIPTS_DIR);
constexpr int kWait = 60000;

using lwtest::Background;
using lwtest::Run;

Run runCli(const QStringList& args) { return lwtest::runProcess(kCli, args, {}, kWait, kWait); }
Run runPython(const QStringList& args) { return lwtest::runProcess(kDebianPython, args, {}, kWait, kWait); }

using lwtest::freePort;
bool waitForPort(quint16 port) { return lwtest::waitForPort(port, kWait); }

using lwtest::readFile;

bool printableAscii(const QByteArray& text) {
    for (const char c : text)
        if (c != '\n' && (c < 0x20 || c > 0x7e)) return false;
    return true;
}

#define REQUIRE_FLAVOR(flavor)                                                                            \
    do {                                                                                                  \
        if (!QFile::exists(kDebianPython)) QSKIP("/usr/bin/python3 (Debian's) is not installed");          \
        if (flavor == QLatin1String("pwntools") && runPython({"-c", "import pwn"}).status != 0)           \
            QSKIP("python3-pwntools is not installed (/usr/bin/python3 -c 'import pwn' failed)");          \
    } while (0)

}  // namespace

class tst_CliScriptExport : public QObject {
    Q_OBJECT

    struct Redis : lwtest::RedisServer {
        explicit Redis(const QString& password) : lwtest::RedisServer(kWait, password) {}
    };

    static void flavors() {
        QTest::addColumn<QString>("flavor");
        QTest::newRow("pwntools") << QStringLiteral("pwntools");
        QTest::newRow("asyncio") << QStringLiteral("asyncio");
    }

private slots:
    void redisProgramPasses_data() { flavors(); }
    void redisProgramPasses() {
        QFETCH(QString, flavor);
        REQUIRE_PROGRAM("redis-server");
        REQUIRE_FLAVOR(flavor);
        QTemporaryDir dir;
        const QString program = dir.filePath("redis.py");
        Run r = runCli({"script", kScripts + "/redis.lws", "--python", flavor, "-o", program});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.err.contains("wrote " + program.toUtf8() + " (" + flavor.toUtf8() + ")"), qPrintable(r.all()));
        const QByteArray text = readFile(program);
        QVERIFY(printableAscii(text));
        if (flavor == QLatin1String("pwntools")) {
            QVERIFY(text.contains("from pwn import context, remote"));
            QVERIFY(text.contains("self.io.sendline(data)"));
            QVERIFY(text.contains("self.io.recvuntil(self.framing"));
        } else {
            QVERIFY(text.contains("asyncio.open_connection("));
            QVERIFY(text.contains("readuntil(self.framing)"));
            QVERIFY(text.contains("readexactly(n)"));
            QVERIFY(!text.contains("pwn"));
        }
        // Sends that use captured variables: AUTH ${password}, SET … ${value}.
        QVERIFY(text.contains("s.send(b'AUTH ' + s.var('password'), True,"));

        Redis redis(QStringLiteral("linewright-test"));
        QVERIFY(redis.start());
        r = runPython({program, redis.to()});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QCOMPARE(r.out, QByteArray("passed: " + kScripts.toUtf8() + "/redis.lws\n"));

        // Another password: the first failing expect (AUTH's +OK, line 15) ends it.
        Redis other(QStringLiteral("another-password"));
        QVERIFY(other.start());
        r = runPython({program, other.to()});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("redis.lws:15: the next message did not match"), qPrintable(r.all()));
        QVERIFY2(r.err.contains("expected: expect \"+OK\""), qPrintable(r.all()));
        QVERIFY2(r.err.contains("got:      b'-WRONGPASS"), qPrintable(r.all()));
        QVERIFY(!r.out.contains("passed"));

        // Nobody listening: a clear message, exit 1.
        r = runPython({program, QStringLiteral("127.0.0.1:%1").arg(freePort())});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("redis.lws:6: could not connect to 127.0.0.1:"), qPrintable(r.all()));
    }

    void smtpProgramPasses_data() { flavors(); }
    void smtpProgramPasses() {
        QFETCH(QString, flavor);
        REQUIRE_FLAVOR(flavor);
        QTemporaryDir dir;
        const QString program = dir.filePath("smtp.py");
        Run r = runCli({"script", kScripts + "/smtp.lws", "--python", flavor, "-o", program});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        const quint16 port = freePort();
        Background smtpd(kDebianPython, {"-m", "aiosmtpd", "-n", "-l", QStringLiteral("127.0.0.1:%1").arg(port)}, kWait);
        QVERIFY(smtpd.started());
        if (!waitForPort(port)) QSKIP("python3-aiosmtpd is not installed (/usr/bin/python3 -m aiosmtpd did not start)");
        r = runPython({program, QStringLiteral("127.0.0.1:%1").arg(port)});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.out.startsWith("passed: "), qPrintable(r.all()));
        // aiosmtpd's Debugging handler prints the message it was given, with
        // the name captured from EHLO's reply in its body.
        QVERIFY2(smtpd.waitStdout("Subject: a conversation script"), smtpd.out().constData());
        QVERIFY2(smtpd.waitStdout("Sent by linewright-cli run, from "), smtpd.out().constData());
    }

    void httpProgramPasses_data() { flavors(); }
    void httpProgramPasses() {
        QFETCH(QString, flavor);
        REQUIRE_FLAVOR(flavor);
        QTemporaryDir root;
        QVERIFY(QDir(root.path()).mkdir("www"));
        const QString www = root.filePath("www");
        QFile page(www + "/a.txt");
        QVERIFY(page.open(QIODevice::WriteOnly));
        page.write("hello\r\nworld\r\n");
        page.close();
        const QString program = root.filePath("http.py");
        Run r = runCli({"script", kScripts + "/http.lws", "--python", flavor, "-o", program});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        const quint16 port = freePort();
        Background http(kDebianPython,
                        {"-m", "http.server", "--protocol", "HTTP/1.1", "--bind", "127.0.0.1", "--directory", www,
                         QString::number(port)},
                        kWait);
        QVERIFY(waitForPort(port));
        r = runPython({program, QStringLiteral("127.0.0.1:%1").arg(port)});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.out.startsWith("passed: "), qPrintable(r.all()));
        // Without the directory the server answers 404: the assert on the status fails.
        QVERIFY(QDir(www).removeRecursively());
        r = runPython({program, QStringLiteral("127.0.0.1:%1").arg(port)});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("http.lws:") && r.err.contains(": assertion failed"), qPrintable(r.all()));
        QVERIFY2(r.err.contains("got:      b'404'"), qPrintable(r.all()));
    }

    void hostileRecordingIsSafe_data() { flavors(); }
    void hostileRecordingIsSafe() {
        QFETCH(QString, flavor);
        REQUIRE_PROGRAM("socat");
        REQUIRE_FLAVOR(flavor);
        QTemporaryDir dir;
        const quint16 port = freePort();
        Background echo(QStringLiteral("socat"),
                        {QStringLiteral("TCP-LISTEN:%1,bind=127.0.0.1,reuseaddr,fork").arg(port), "PIPE"}, kWait);
        QVERIFY(echo.started());
        QVERIFY(waitForPort(port));
        // Quotes of every kind, backslashes, a bare newline, a NUL, a digit (so
        // the reply becomes a regex), and Python that must never run.
        const QString marker = dir.filePath("PWNED");
        const QString hostile = QStringLiteral(R"(q'"\\'''""" \n#\0 v7 ');__import__('os').system('touch %1')#\x7f\xff\r\n)")
                                    .arg(marker);
        const QString session = dir.filePath("h.lwsession");
        Run r = runCli({"connect", "127.0.0.1", QString::number(port), "-t", "\\r\\n", "--send", hostile, "--count", "1",
                        "--record", session, "--quiet", "--timeout", "10"});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        const QString program = dir.filePath("h.py");
        r = runCli({"script", session, "--python", flavor, "-o", program});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.err.contains("from " + session.toUtf8() + " channel 1"), qPrintable(r.all()));
        const QByteArray text = readFile(program);
        QVERIFY2(printableAscii(text), text.constData());
        QVERIFY2(text.contains(R"(\x00)"), text.constData());
        QVERIFY2(text.contains(R"(\\')"), text.constData());
        QVERIFY2(text.contains(R"(\n#)"), text.constData());
        QVERIFY(!QFile::exists(marker));
        r = runPython({"-m", "py_compile", program});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        r = runPython({program, QStringLiteral("127.0.0.1:%1").arg(port)});
        QVERIFY2(r.status == 0, qPrintable(r.all() + "\n" + QString::fromUtf8(text)));
        QVERIFY(r.out.startsWith("passed: "));
        QVERIFY2(!QFile::exists(marker), "the recording's bytes ran as code");
    }

    void refusedAndBadArguments() {
        QTemporaryDir dir;
        Run r = runCli({"script", kScripts + "/redis.lws", "--python", "perl", "-o", dir.filePath("x.py")});
        QCOMPARE(r.status, 2);
        QVERIFY2(r.err.contains("expected pwntools or asyncio (got 'perl')"), qPrintable(r.all()));
        r = runCli({"script", kScripts + "/redis.lws", "-o", dir.filePath("x.lws")});
        QCOMPARE(r.status, 2);
        QVERIFY2(r.err.contains("is a script already"), qPrintable(r.all()));
        const QString preset = dir.filePath("p.lws");
        QFile f(preset);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("connect 127.0.0.1:1\npreset redis\nsend \"PING\"\n");
        f.close();
        r = runCli({"script", preset, "--python", "asyncio", "-o", dir.filePath("p.py")});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.err.contains("p.lws:2: preset (framing by a protocol program) cannot be exported to Python"),
                 qPrintable(r.all()));
        QVERIFY(!QFile::exists(dir.filePath("p.py")));
    }
};

QTEST_GUILESS_MAIN(tst_CliScriptExport)
#include "tst_CliScriptExport.moc"
