// tst_Examples.cpp — the built-in examples (examples/) on the wire: the C++
// ECHO-length server answers CPython's EchoClient, the C++ EchoClient talks
// to CPython's EchoServer, the http_request_handler parses real requests
// from curl and http.client (GET, and POST with a body), and every example
// runs from `linewright-cli example NAME`.
//
// The C++ side runs in an engine::Loop on a std::thread of its own (the Loop
// and its dispatchers are created, run and destroyed there); the other side
// is a QProcess, waited for with waitForFinished. Nothing sleeps.
#include "engine/asyncore/Loop.h"
#include "examples/EchoLengthClient.h"
#include "examples/ExampleRunner.h"

#include <QProcess>
#include <QRegularExpression>
#include <QFile>
#include <QtTest>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

namespace {

/// Runs an example's Loop on its own thread until it is done or stopped.
class ExampleThread {
public:
    ExampleThread(std::string name, examples::ExampleOptions options) {
        std::promise<std::uint16_t> portPromise;
        m_port = portPromise.get_future();
        options.logger = [this](std::string_view who, std::string_view msg) {
            std::lock_guard lock(m_mutex);
            m_log.push_back(std::string(who) + ": " + std::string(msg));
        };
        options.print = [this](std::string_view data) {
            std::lock_guard lock(m_mutex);
            m_printed.append(data);
        };
        m_thread = std::thread([this, name = std::move(name), options = std::move(options),
                                portPromise = std::move(portPromise)]() mutable {
            engine::Loop map;
            std::unique_ptr<examples::RunningExample> running;
            try {
                running = examples::startExample(name, map, options);
            } catch (...) {
                portPromise.set_exception(std::current_exception());
                return;
            }
            portPromise.set_value(running->port());
            while (!m_stop && !running->done())
                map.poll(0.05, engine::Backend::Select);
            m_done = running->done();
            m_ok = running->ok();
            running.reset();
            map.closeAll(true);
        });
    }
    ~ExampleThread() { stop(); }
    std::uint16_t port() { return m_port.get(); }
    void stop() {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    /// Joins the thread once the example says it is done (never stops it).
    void join() {
        if (m_thread.joinable())
            m_thread.join();
    }
    bool done() const { return m_done; }
    bool ok() const { return m_ok; }
    QStringList log() {
        std::lock_guard lock(m_mutex);
        QStringList out;
        for (const auto& l : m_log)
            out << QString::fromStdString(l);
        return out;
    }
    QByteArray printed() {
        std::lock_guard lock(m_mutex);
        return QByteArray::fromStdString(m_printed);
    }

private:
    std::future<std::uint16_t> m_port;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_done{false};
    std::atomic<bool> m_ok{false};
    std::mutex m_mutex;
    std::vector<std::string> m_log;
    std::string m_printed;
};

QString python() { return QStringLiteral(LW_PYTHON); }

bool runProcess(QProcess& p, const QString& program, const QStringList& args, QByteArray* out = nullptr) {
    p.start(program, args);
    if (!p.waitForStarted(10000) || !p.waitForFinished(60000))
        return false;
    if (out)
        *out = p.readAllStandardOutput();
    return p.exitStatus() == QProcess::NormalExit;
}

/// Reads the "listening on HOST:PORT" line a server prints first.
quint16 readListeningPort(QProcess& p) {
    while (!p.canReadLine())
        if (!p.waitForReadyRead(10000))
            return 0;
    const QByteArray line = p.readLine().trimmed();
    if (!line.startsWith("listening on "))
        return 0;
    return static_cast<quint16>(line.mid(line.lastIndexOf(':') + 1).toUInt());
}

}  // namespace

class TestExamples : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void registryNamesEveryExample();
    void echoLengthInProcessShowsPartialReads();
    void cppEchoServerAnswersCPythonEchoClient();
    void cppEchoClientTalksToCPythonEchoServer();
    void asyncoreEchoServerEchoes();
    void httpHandlerParsesCurlGetAndPost();
    void httpHandlerParsesHttpClient();
    void httpClientReadsTheResponse();
    void cliRunsEachExample_data();
    void cliRunsEachExample();
    void cliServerOnlyAnswersCPython();
    void cliExampleEscapesPeerBytes();
};

void TestExamples::initTestCase() {
    if (python().isEmpty())
        QSKIP("no Python 3 interpreter");
    QProcess p;
    QVERIFY(runProcess(p, python(), {"-W", "ignore", "-c", "import asynchat, asyncore"}));
    if (p.exitCode() != 0)
        QSKIP("this Python has no asynchat/asyncore");
}

void TestExamples::registryNamesEveryExample() {
    QStringList names;
    for (const auto& e : examples::allExamples()) {
        names << QString::fromUtf8(e.name.data(), static_cast<qsizetype>(e.name.size()));
        QVERIFY(!e.files.empty());
        for (auto f : e.files)
            QVERIFY2(QFile::exists(QString::fromStdString(examples::sourceDirectory() + "/" + std::string(f))),
                     std::string(f).c_str());
    }
    QCOMPARE(names, (QStringList{"echo", "echo-length", "http"}));
    QVERIFY(examples::findExample("echo-length"));
    QVERIFY(!examples::findExample("nope"));
}

void TestExamples::echoLengthInProcessShowsPartialReads() {
    ExampleThread t("echo-length", {});
    QVERIFY(t.port() != 0);
    t.join();
    QVERIFY(t.done());
    QVERIFY(t.ok());
    const QStringList log = t.log();
    QVERIFY(log.contains("EchoClient: RECEIVED COPY OF MESSAGE"));
    // The 231-byte message crosses 64-byte buffers: several collects on
    // each side, none longer than 64 bytes.
    int handlerCollects = 0;
    int clientCollects = 0;
    for (const QString& l : log) {
        if (l.startsWith("EchoHandler: collect_incoming_data() -> (")) {
            ++handlerCollects;
            QVERIFY(l.section('(', 2, 2).section(' ', 0, 0).toInt() <= 64);
        }
        if (l.startsWith("EchoClient: collect_incoming_data() -> ("))
            ++clientCollects;
    }
    QVERIFY2(handlerCollects >= 4, qPrintable(log.join('\n')));
    QVERIFY2(clientCollects >= 4, qPrintable(log.join('\n')));
    QVERIFY(log.contains("EchoHandler: _process_command() \"ECHO 231\""));
}

void TestExamples::cppEchoServerAnswersCPythonEchoClient() {
    examples::ExampleOptions o;
    o.serverOnly = true;
    ExampleThread t("echo-length", o);
    const quint16 port = t.port();
    QVERIFY(port != 0);
    const QString message = QString(300, QChar('m')) + "\n with a newline inside";
    QProcess p;
    QVERIFY(runProcess(p, python(),
                       {"-W", "ignore", LW_EXAMPLES_PY, "client", QString::number(port), message}));
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(p.exitCode() == 0, err.constData());
    QVERIFY(err.contains("EchoClient: RECEIVED COPY OF MESSAGE"));
    t.join();  // the asynchat EchoServer serves one client, then its loop is empty
    QVERIFY(t.done());
    QVERIFY(t.log().contains("EchoHandler: _process_command() \"ECHO " + QString::number(message.toUtf8().size()) +
                             "\""));
}

void TestExamples::cppEchoClientTalksToCPythonEchoServer() {
    QProcess p;
    p.start(python(), {"-W", "ignore", LW_EXAMPLES_PY, "server"});
    QVERIFY(p.waitForStarted(10000));
    const quint16 port = readListeningPort(p);
    QVERIFY(port != 0);
    examples::ExampleOptions o;
    o.connectPort = port;
    ExampleThread t("echo-length", o);
    QCOMPARE(t.port(), quint16(0));  // no server of ours
    t.join();
    QVERIFY(t.done());
    QVERIFY2(t.ok(), qPrintable(t.log().join('\n')));
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QByteArray err = p.readAllStandardError();
    QVERIFY(err.contains("EchoHandler: _process_command() b'ECHO 231'"));
}

void TestExamples::asyncoreEchoServerEchoes() {
    ExampleThread t("echo", {});
    QVERIFY(t.port() != 0);
    t.join();
    QVERIFY(t.done());
    QVERIFY(t.ok());
    QVERIFY(t.log().first().startsWith("EchoServer: Incoming connection from ('127.0.0.1', "));
}

void TestExamples::httpHandlerParsesCurlGetAndPost() {
    if (QStringLiteral(LW_CURL).isEmpty())
        QSKIP("curl is not installed (apt-get install curl)");
    examples::ExampleOptions o;
    o.serverOnly = true;
    o.count = 2;
    ExampleThread t("http", o);
    const QString base = "http://127.0.0.1:" + QString::number(t.port());
    QProcess get;
    QByteArray out;
    QVERIFY(runProcess(get, LW_CURL, {"-sS", "--max-time", "30", base + "/index.html?x=1"}, &out));
    QCOMPARE(get.exitCode(), 0);
    QCOMPARE(out, QByteArray("GET /index.html?x=1\n"));
    QProcess post;
    const QByteArray body = QByteArray("name=asynchat&terminator=%0D%0A%0D%0A&").repeated(40);
    QVERIFY(runProcess(post, LW_CURL, {"-sS", "--max-time", "30", "--data-binary", QString::fromLatin1(body),
                                       base + "/form"}, &out));
    QCOMPARE(post.exitCode(), 0);
    QCOMPARE(out, "POST /form\n" + QByteArray::number(body.size()) + " bytes: " + body + "\n");
    t.join();
    QVERIFY(t.done());
}

void TestExamples::httpHandlerParsesHttpClient() {
    examples::ExampleOptions o;
    o.serverOnly = true;
    o.count = 2;
    ExampleThread t("http", o);
    const char* script =
        "import http.client, sys\n"
        "port = int(sys.argv[1])\n"
        "c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)\n"
        "c.request('GET', '/hello')\n"
        "r = c.getresponse()\n"
        "assert r.status == 200, r.status\n"
        "assert r.read() == b'GET /hello\\n'\n"
        "c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)\n"
        "body = b'\\r\\n\\r\\n'.join([b'x' * 100] * 10)\n"
        "c.request('POST', '/post', body=body, headers={'Content-Type': 'application/octet-stream'})\n"
        "r = c.getresponse()\n"
        "assert r.status == 200, r.status\n"
        "got = r.read()\n"
        "assert got == b'POST /post\\n' + str(len(body)).encode() + b' bytes: ' + body + b'\\n', got\n"
        "print('ok')\n";
    QProcess p;
    QByteArray out;
    QVERIFY(runProcess(p, python(), {"-c", script, QString::number(t.port())}, &out));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    QCOMPARE(out, QByteArray("ok\n"));
    t.join();
    QVERIFY(t.done());
    // The body held "\r\n\r\n" — the count terminator read it as data.
    QCOMPARE(t.log().filter("http_request_handler: POST /post HTTP/1.1").size(), 1);
}

void TestExamples::httpClientReadsTheResponse() {
    // The asyncore HTTPClient against the C++ handler, both in one loop.
    ExampleThread t("http", {});
    QVERIFY(t.port() != 0);
    t.join();
    QVERIFY(t.ok());
    QVERIFY(t.printed().startsWith("HTTP/1.0 200 OK\r\n"));
    QVERIFY(t.printed().contains("\r\n\r\nGET /\n"));
    // Beside the GET, a second HTTPClient POSTs a form with a Content-Length:
    // the handler read the body with a count terminator and echoed it.
    const QByteArray body = QByteArray::fromStdString(examples::defaultHttpBody());
    QVERIFY2(t.printed().contains("\r\n\r\nPOST /\n" + QByteArray::number(body.size()) + " bytes: " + body + "\n"),
             t.printed().constData());
    QCOMPARE(t.log().filter("http_request_handler: POST / HTTP/1.0").size(), 1);
    QCOMPARE(t.log().filter("http_request_handler: GET / HTTP/1.0").size(), 1);
}

void TestExamples::cliRunsEachExample_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("echo") << "echo";
    QTest::newRow("echo-length") << "echo-length";
    QTest::newRow("http") << "http";
}

void TestExamples::cliRunsEachExample() {
    QFETCH(QString, name);
    QProcess p;
    QByteArray out;
    QVERIFY(runProcess(p, LW_CLI, {"example", name, "--trace"}, &out));
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(p.exitCode() == 0, err.constData());
    QVERIFY(out.startsWith("listening on 127.0.0.1:"));
    QVERIFY(err.contains("pass 1 [select]"));
    QVERIFY(err.contains("hooks:"));
    // What each pass did, as the window's Loop inspector shows it: every
    // channel as the pass left it (one `after:` line a pass), and each
    // terminator a hook changed, against golden/trace-NAME.txt (accepted
    // connections' ids as "#?", the lines sorted: two connections of the
    // http example may be accepted in either order).
    const QList<QByteArray> lines = err.split('\n');
    int passes = 0, afters = 0;
    QByteArray lastAfter;
    QStringList changes;
    static const QRegularExpression id(QStringLiteral("#\\d+"));
    for (const QByteArray& line : lines) {
        if (line.startsWith("pass ")) ++passes;
        if (line.startsWith("  after: ")) {
            ++afters;
            lastAfter = line;
        }
        if (line.startsWith("  set_terminator in "))
            changes << QString::fromUtf8(line).replace(id, QStringLiteral("#?"));
    }
    QVERIFY(passes > 0);
    QCOMPARE(afters, passes);
    QVERIFY2(lastAfter.contains("client(closed)"), err.right(400).constData());  // the client ended the run
    changes.sort();
    QFile golden(QStringLiteral(LW_TRACE_GOLDEN "/trace-%1.txt").arg(name));
    QVERIFY2(golden.open(QIODevice::ReadOnly), qPrintable(golden.fileName()));
    QStringList expected = QString::fromUtf8(golden.readAll()).split(u'\n', Qt::SkipEmptyParts);
    expected.sort();
    QCOMPARE(changes, expected);
}

void TestExamples::cliServerOnlyAnswersCPython() {
    QProcess server;
    server.start(LW_CLI, {"example", "echo-length", "--server-only", "--quiet"});
    QVERIFY(server.waitForStarted(10000));
    const quint16 port = readListeningPort(server);
    QVERIFY(port != 0);
    QProcess client;
    QVERIFY(runProcess(client, python(), {"-W", "ignore", LW_EXAMPLES_PY, "client", QString::number(port), "hi"}));
    QCOMPARE(client.exitCode(), 0);
    QVERIFY(server.waitForFinished(30000));
    QCOMPARE(server.exitCode(), 0);
}

// A peer's bytes reach the terminal only through engine::terminalSafe(): a
// request whose path and header carry "clear screen" and an OSC 52 clipboard
// write is logged with those bytes escaped, on the server side, and a
// response carrying them is printed escaped on the client side.
void TestExamples::cliExampleEscapesPeerBytes() {
    const QByteArray hostile = "\x1b[2J\x1b]52;c;aGk=\x07";
    QProcess server;
    // --count 1: the server ends after the one connection (without it, it ran
    // to its 30 s default timeout, as long as the wait below).
    server.start(LW_CLI, {"example", "http", "--server-only", "--count", "1"});
    QVERIFY(server.waitForStarted(10000));
    const quint16 port = readListeningPort(server);
    QVERIFY(port != 0);
    QProcess client;
    const QString send = QStringLiteral(
        "import socket,sys\n"
        "s=socket.create_connection(('127.0.0.1',%1))\n"
        "s.sendall(b'GET /a\\x1b[2J HTTP/1.0\\r\\nX-Evil: \\x1b]52;c;aGk=\\x07\\r\\n\\r\\n')\n"
        "while s.recv(65536): pass\n").arg(port);
    QVERIFY(runProcess(client, python(), {"-c", send}));
    QCOMPARE(client.exitCode(), 0);
    QVERIFY(server.waitForFinished(30000));
    const QByteArray log = server.readAllStandardError() + server.readAllStandardOutput();
    QVERIFY2(log.contains("/a\\x1b[2J"), log.constData());
    QVERIFY2(!log.contains('\x1b') && !log.contains('\x07'), "a raw escape byte reached the terminal");

    // The client side: the http example's client prints what a server sends.
    QProcess evilServer;
    const QString serve = QStringLiteral(
        "import socket,sys\n"
        "l=socket.socket(); l.bind(('127.0.0.1',0)); l.listen(1)\n"
        "print(l.getsockname()[1], flush=True)\n"
        "c,_=l.accept(); c.recv(65536)\n"
        "c.sendall(b'HTTP/1.0 200 OK\\r\\n\\r\\nbody\\x1b[2J\\x1b]52;c;aGk=\\x07\\n'); c.close()\n");
    evilServer.start(python(), {"-c", serve});
    QVERIFY(evilServer.waitForStarted(10000));
    while (!evilServer.canReadLine())
        QVERIFY(evilServer.waitForReadyRead(10000));
    const QByteArray evilPort = evilServer.readLine().trimmed();
    QProcess httpClient;
    QByteArray out;
    QVERIFY(runProcess(httpClient, LW_CLI, {"example", "http", "--connect", QString::fromLatin1(evilPort)}, &out));
    out += httpClient.readAllStandardError();
    QVERIFY(evilServer.waitForFinished(10000));
    QVERIFY2(out.contains("body\\x1b[2J"), out.constData());
    QVERIFY2(!out.contains('\x1b') && !out.contains('\x07'), "a raw escape byte reached the terminal");
}

QTEST_GUILESS_MAIN(TestExamples)
#include "tst_Examples.moc"
