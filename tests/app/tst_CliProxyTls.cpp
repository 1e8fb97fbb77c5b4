// tst_CliProxyTls.cpp — `linewright-cli proxy` with TLS on its legs, end to
// end against real peers nobody here wrote, on loopback:
//   * towards the server (--to-tls): a cleartext CPython client → proxy →
//     `openssl s_server -rev` (TLS 1.2 and 1.3), and redis-cli → proxy →
//     redis-server --tls-port with the test's own CA (PING/SET/GET); a wrong
//     CA: one error line naming the verification failure, the client's
//     connection closed, the proxy still serving.
//   * towards the client (--tls): openssl s_client, curl --cacert and
//     gnutls-cli through the proxy to a cleartext python3 -m http.server;
//     the generated certificate's fingerprint printed and presented.
//   * the local CA (proxy --tls without --cert/--key, linewright-cli ca):
//     created once (key 0600), exported; curl --cacert and openssl s_client
//     -verify_return_error verify the certificates issued for two names (SNI);
//     a second run reuses the CA; a key readable by others is refused.
//   * STARTTLS passed through (--starttls smtp): swaks --tls --tls-verify
//     through the proxy to Debian's aiosmtpd requiring STARTTLS, both legs
//     upgraded, the mail delivered; a server that refuses STARTTLS: the
//     dialogue goes on in plaintext; curl --ssl-reqd pop3:// through
//     --starttls pop3 to Debian's dovecot (STLS), the message retrieved.
//   * bad input: a plaintext client on the TLS leg, a plaintext server on
//     the TLS upstream, an upstream that never answers the handshake
//     (--tls-timeout): each one error line, nothing hangs.
//   * a proxied TLS recording holds the plaintext and the TLS events, and
//     replays against a plaintext server.
// The certificates are made with the openssl command (lwtest::makeTestPki).
// A peer program missing is a QSKIP naming it. Every wait has a deadline.
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include "CliTestSupport.h"
#include "DovecotTestSupport.h"
#include "PeerTestSupport.h"
#include "ProcessTestSupport.h"

#include <optional>

namespace {

constexpr int kWait = 20000;

using lwtest::Background;
using lwtest::freePort;
using lwtest::Run;
using lwtest::tool;

/// A cleartext CPython client: connects to 127.0.0.1:PORT, sends LINE + "\n",
/// prints the first line that comes back (or nothing at end of stream).
const char* kLineClient = R"(import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while b"\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.decode("latin-1").split("\n")[0])
)";

Run runCli(const QStringList& args) { return lwtest::runProcess(kCli, args, {}, kWait, kWait); }

/// kLineClient to 127.0.0.1:`port`, sending `line`.
Run lineClient(quint16 port, const QString& line) {
    return lwtest::runProcess(kPython, {"-c", kLineClient, QString::number(port), line}, {}, kWait, kWait);
}

/// `linewright-cli proxy 0 --to 127.0.0.1:TO EXTRA…` in the background.
struct Proxy : Background {
    Proxy(quint16 to, const QStringList& extra)
        : Background(kCli, QStringList{"proxy", "0", "--to", QStringLiteral("127.0.0.1:%1").arg(to)} + extra, kWait) {
        listenPort = port();
    }
    quint16 listenPort = 0;
};

/// python3 -m http.server on a free loopback port, serving a temporary
/// folder `www` that holds one file, `name` with `body`; `up` once the file
/// is written and the server accepts.
struct HttpServer {
    HttpServer(const QString& name, const QByteArray& body)
        : written(lwtest::writeFile(www.filePath(name), body)),
          http(kPython, {"-m", "http.server", "--bind", "127.0.0.1", "--directory", www.path(), QString::number(port)},
               kWait),
          up(written && lwtest::waitForPort(port, kWait)) {}
    QTemporaryDir www;
    const bool written;
    const quint16 port = freePort();
    Background http;
    const bool up;
};

/// `count` numbers (i * `factor`), separated by spaces, a newline after every `perLine`.
QByteArray numbers(int count, int factor, int perLine) {
    QByteArray body;
    for (int i = 0; i < count; ++i) body += QByteArray::number(i * factor) + (i % perLine ? ' ' : '\n');
    return body;
}

/// redis-server serving TLS only on a free loopback port with the test PKI
/// in `pki` (no client certificates asked, no persistence), and a proxy
/// --to-tls to it that verifies it against `cafile`, with `extra`. ready():
/// redis accepts and the proxy listens. cli(): redis-cli ARGS through the
/// proxy.
struct RedisTlsBehindProxy {
    RedisTlsBehindProxy(const QString& pki, const QString& cafile, const QStringList& extra)
        : redis(tool("redis-server"),
                {"--port", "0", "--tls-port", QString::number(port), "--bind", "127.0.0.1", "--tls-cert-file",
                 pki + "/server.pem", "--tls-key-file", pki + "/server.key", "--tls-ca-cert-file", pki + "/ca.pem",
                 "--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", pki},
                kWait),
          up(lwtest::waitForPort(port, kWait)),
          proxy(port, QStringList{"--to-tls", "--to-cafile", cafile} + extra) {}
    bool ready() const { return up && proxy.listenPort != 0; }
    Run cli(const QStringList& args) const {
        const QStringList to{"-h", "127.0.0.1", "-p", QString::number(proxy.listenPort)};
        return lwtest::runProcess(tool("redis-cli"), to + args, {}, kWait, kWait);
    }
    const quint16 port = freePort();
    Background redis;
    const bool up;
    Proxy proxy;
};

}  // namespace

class TestCliProxyTls : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void usageErrors_data();
    void usageErrors();
    void upstreamOpensslServer_data();
    void upstreamOpensslServer();
    void upstreamRedisTls();
    void upstreamWrongCa();
    void upstreamHandshakeFails_data();
    void upstreamHandshakeFails();
    void clientTlsCurl();
    void clientTlsOpensslAndGnutls();
    void clientTlsGeneratedCertificateRecordReplay();
    void clientPlaintextOnTlsLeg();
    void localCaIssuesPerName();
    void localCaRefusesBadFolders();
    void startTlsSmtpSwaks();
    void startTlsRefusedStaysPlaintext();
    void startTlsCurlDovecot_data();
    void startTlsCurlDovecot();
    void clientSniPassedUpstream_data();
    void clientSniPassedUpstream();
    void startTlsFtpPyftpdlib();

private:
    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }
    QTemporaryDir m_dir;
    bool m_pki = false;
};

void TestCliProxyTls::initTestCase() {
    QVERIFY(m_dir.isValid());
    const QString openssl = tool("openssl");
    if (openssl.isEmpty()) return;  // each case that needs it skips
    const QString failed = lwtest::makeTestPki(openssl, m_dir.path(), false, kWait);
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
    m_pki = true;
}

void TestCliProxyTls::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("to-cafile without to-tls") << QStringList{"--to-cafile", "ca.pem"}
                                              << "--to-cafile configures TLS, but TLS is not on: add --to-tls";
    QTest::newRow("to-key without to-cert") << QStringList{"--to-tls", "--to-key", "server.key"}
                                            << "--to-key is the private key of a certificate: add --to-cert FILE";
    QTest::newRow("to-tls-min above max") << QStringList{"--to-tls", "--to-tls-min", "1.3", "--to-tls-max", "1.2"}
                                          << "--to-tls-min 1.3 is above --to-tls-max 1.2";
    QTest::newRow("cert without tls") << QStringList{"--cert", "server.pem", "--key", "server.key"}
                                      << "--cert configures TLS, but TLS is not on: add --tls";
    QTest::newRow("keylog without any tls") << QStringList{"--keylog", "k.log"}
                                            << "--keylog records TLS secrets, but TLS is not on";
    QTest::newRow("ca-dir with cert") << QStringList{"--tls", "--cert", "server.pem", "--key", "server.key", "--ca-dir", "cadir"}
                                      << "--ca-dir names the local CA that issues certificates when --cert/--key are not "
                                         "given: give one or the other";
    QTest::newRow("ca-dir without tls") << QStringList{"--ca-dir", "cadir"}
                                        << "--ca-dir configures TLS, but TLS is not on: add --tls";
    QTest::newRow("starttls with tls") << QStringList{"--starttls", "smtp", "--tls"}
                                       << "--starttls upgrades both legs of a plaintext connection when the client asks; "
                                          "--tls starts TLS with the first byte: give one or the other";
    QTest::newRow("starttls with to-tls") << QStringList{"--starttls", "imap", "--to-tls"}
                                          << "--to-tls starts TLS with the first byte: give one or the other";
    QTest::newRow("bad starttls") << QStringList{"--starttls", "http"}
                                  << "unknown protocol 'http'; expected smtp, imap, pop3 or ftp";
    QTest::newRow("bad to-tls-max") << QStringList{"--to-tls", "--to-tls-max", "2.0"}
                                    << "expected a TLS version: 1.0, 1.1, 1.2 or 1.3";
}

void TestCliProxyTls::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    if (!m_pki) QSKIP("openssl (Debian package openssl) is needed");
    for (QString& a : args)
        if (a.endsWith(".pem") || a.endsWith(".key") || a.endsWith(".log")) a = m_dir.filePath(a);
    const Run r = runCli(QStringList{"proxy", "0", "--to", "127.0.0.1:1"} + args);
    QCOMPARE(r.status, 2);
    QVERIFY2(QString::fromUtf8(r.err).contains(message), qPrintable(r.all()));
    QCOMPARE(lwtest::lines(r.err).size(), 1);
}

// A cleartext CPython client → proxy --to-tls → openssl s_server -rev, in TLS 1.2 and 1.3.
void TestCliProxyTls::upstreamOpensslServer_data() {
    QTest::addColumn<QString>("version");
    QTest::addColumn<QString>("flag");
    QTest::newRow("TLS 1.2") << "1.2" << "-tls1_2";
    QTest::newRow("TLS 1.3") << "1.3" << "-tls1_3";
}

void TestCliProxyTls::upstreamOpensslServer() {
    QFETCH(QString, version);
    QFETCH(QString, flag);
    if (!m_pki) QSKIP("openssl (Debian package openssl) is needed");
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring");
    const quint16 port = freePort();
    Background server(tool("openssl"), {"s_server", "-accept", "127.0.0.1:" + QString::number(port), "-cert",
                                        path("server.pem"), "-key", path("server.key"), "-rev", flag},
                      kWait);
    QVERIFY(server.waitStdout("ACCEPT"));
    Proxy proxy(port, {"--to-tls", "--to-cafile", path("ca.pem"), "--to-sni", "localhost", "--to-tls-min", version,
                       "--to-tls-max", version, "--json"});
    QVERIFY(proxy.listenPort != 0);
    const Run c = lineClient(proxy.listenPort, "hello proxy");
    QVERIFY2(c.status == 0, qPrintable(c.all()));
    QCOMPARE(c.out.trimmed(), QByteArray("yxorp olleh"));
    // The upstream leg's handshake, in the version asked for, verified; the
    // plaintext of both directions framed.
    QVERIFY2(proxy.waitStdout("\"tls_handshake\""), qPrintable(proxy.out() + proxy.err()));
    QVERIFY2(proxy.waitStdout("\"TLSv" + version.toLatin1() + "\""), qPrintable(proxy.out()));
    QVERIFY2(proxy.waitStdout("\"text\":\"hello proxy\""), qPrintable(proxy.out()));
    QVERIFY2(proxy.waitStdout("\"text\":\"yxorp olleh\""), qPrintable(proxy.out()));
    QVERIFY2(!proxy.out().contains("\"tls_unverified\""), qPrintable(proxy.out()));
    QCOMPARE(proxy.stop(), 0);
}

// redis-cli (cleartext) → proxy --to-tls → redis-server --tls-port, verified against the test's CA.
void TestCliProxyTls::upstreamRedisTls() {
    if (!m_pki) QSKIP("openssl (Debian package openssl) is needed");
    REQUIRE_PROGRAM("redis-server");
    REQUIRE_PROGRAM("redis-cli");
    RedisTlsBehindProxy server(m_dir.path(), path("ca.pem"), {"-t", "\\r\\n"});
    QVERIFY(server.ready());
    Proxy& proxy = server.proxy;
    Run r = server.cli({"PING"});
    QVERIFY2(r.status == 0 && r.out.trimmed() == "PONG", qPrintable(r.all()));
    r = server.cli({"SET", "proxied", "over tls"});
    QVERIFY2(r.status == 0 && r.out.trimmed() == "OK", qPrintable(r.all()));
    r = server.cli({"GET", "proxied"});
    QVERIFY2(r.status == 0 && r.out.trimmed() == "over tls", qPrintable(r.all()));
    // The proxy's plain output: the messages of both directions, in plaintext.
    QVERIFY2(proxy.waitStdout("> GET\n"), qPrintable(proxy.out() + proxy.err()));
    QVERIFY2(proxy.waitStdout("< over tls\n"), qPrintable(proxy.out()));
    QCOMPARE(proxy.stop(), 0);
}

// The server's certificate is not from the CA given: one error line, the
// client's connection closed (redis-cli fails), the proxy serves on.
void TestCliProxyTls::upstreamWrongCa() {
    if (!m_pki) QSKIP("openssl (Debian package openssl) is needed");
    REQUIRE_PROGRAM("redis-server");
    REQUIRE_PROGRAM("redis-cli");
    RedisTlsBehindProxy server(m_dir.path(), path("wrongca.pem"), {});
    QVERIFY(server.ready());
    Proxy& proxy = server.proxy;
    const Run r = server.cli({"PING"});
    QVERIFY2(r.status != 0 || !r.out.contains("PONG"), qPrintable(r.all()));
    QVERIFY2(proxy.waitFor(QRegularExpression("(certificate verify failed|unable to get local issuer)")).size() > 0,
             qPrintable(proxy.err()));
    QStringList errorLines;
    for (const QString& l : QString::fromUtf8(proxy.err()).split('\n'))
        if (l.contains("error: TLS handshake failed: certificate verify failed")) errorLines << l;
    QVERIFY2(errorLines.size() == 1, qPrintable(proxy.err()));
    // Still serving: the next client gets the same clear failure, not a hang.
    const Run again = server.cli({"PING"});
    QVERIFY2(again.status != 0 || !again.out.contains("PONG"), qPrintable(again.all()));
    QCOMPARE(proxy.stop(), 0);
}

// An upstream leg whose handshake fails, --to-tls towards
//   * a plaintext server (a CPython line server that greets), or
//   * a server that accepts the connection and never answers the handshake
//     (--tls-timeout fails it):
// one error line, the client's connection closes with nothing read.
void TestCliProxyTls::upstreamHandshakeFails_data() {
    QTest::addColumn<bool>("silent");  // the upstream never answers (else it is the plaintext line server)
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("line");   // what the client sends
    QTest::addColumn<QString>("error");  // the proxy's error line (a regex)
    QTest::newRow("plaintext server") << false << QStringList{} << "HELO x"
                                      << "(error.*(TLS|SSL|handshake|wrong version)[^\\n]*)";
    QTest::newRow("handshake stall") << true << QStringList{"--tls-timeout", "500"} << "hello"
                                     << "(error[^\\n]*(timed out|timeout)[^\\n]*)";
}

void TestCliProxyTls::upstreamHandshakeFails() {
    QFETCH(bool, silent);
    QFETCH(QStringList, extra);
    QFETCH(QString, line);
    QFETCH(QString, error);
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring");
    std::optional<lwtest::PythonServer> server;
    QTcpServer quiet;
    if (silent)
        QVERIFY(quiet.listen(QHostAddress::LocalHost));
    else
        server.emplace(kPython, kScripts, kWait);
    const quint16 port = silent ? quiet.serverPort() : server->port;
    QVERIFY(port != 0);
    Proxy proxy(port, QStringList{"--to-tls", "--to-insecure"} + extra);
    QVERIFY(proxy.listenPort != 0);
    const Run c = lineClient(proxy.listenPort, line);
    QVERIFY2(c.status == 0 && c.out.trimmed().isEmpty(), qPrintable(c.all()));
    QVERIFY2(proxy.waitFor(QRegularExpression(error)).size() > 0, qPrintable(proxy.err()));
    QCOMPARE(proxy.stop(), 0);
}

// curl --cacert → proxy --tls --cert/--key → python3 -m http.server (cleartext):
// the body byte for byte.
void TestCliProxyTls::clientTlsCurl() {
    if (!m_pki) QSKIP("openssl (Debian package openssl) is needed");
    REQUIRE_PROGRAM("curl");
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring");
    const QByteArray body = numbers(40000, 7919, 13);
    const HttpServer http("body.txt", body);
    QVERIFY(http.up);
    Proxy proxy(http.port, {"--tls", "--cert", path("server.pem"), "--key", path("server.key"), "--quiet"});
    QVERIFY(proxy.listenPort != 0);
    const QString out = http.www.filePath("got.txt");
    const Run c = lwtest::runProcess(tool("curl"), {"-sS", "--fail", "--cacert", path("ca.pem"), "-o", out,
                                                    QStringLiteral("https://localhost:%1/body.txt").arg(proxy.listenPort)},
                                     {}, kWait, kWait);
    QVERIFY2(c.status == 0, qPrintable(c.all() + proxy.err()));
    QVERIFY(lwtest::readFile(out) == body);
    QCOMPARE(proxy.stop(), 0);
}

// openssl s_client and gnutls-cli verify the proxy's certificate (--cert/--key,
// from the test's CA) and get the cleartext server's reply through it.
void TestCliProxyTls::clientTlsOpensslAndGnutls() {
    if (!m_pki) QSKIP("openssl (Debian package openssl) is needed");
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring");
    const HttpServer http("hello.txt", "hello through the TLS proxy\n");
    QVERIFY(http.up);
    Proxy proxy(http.port, {"--tls", "--cert", path("server.pem"), "--key", path("server.key"), "--json"});
    QVERIFY(proxy.listenPort != 0);
    const QByteArray request = "GET /hello.txt HTTP/1.0\r\nHost: localhost\r\n\r\n";
    const Run s = lwtest::runProcess(tool("openssl"),
                                     {"s_client", "-connect", QStringLiteral("127.0.0.1:%1").arg(proxy.listenPort),
                                      "-servername", "localhost", "-CAfile", path("ca.pem"), "-verify_return_error",
                                      "-verify_hostname", "localhost", "-ign_eof"},
                                     request, kWait, kWait);
    QVERIFY2(s.status == 0, qPrintable(s.all()));
    QVERIFY2(s.out.contains("Verify return code: 0 (ok)"), qPrintable(s.all()));
    QVERIFY2(s.out.contains("hello through the TLS proxy"), qPrintable(s.all()));
    // The accepted leg's handshake (this end the server), and the request in plaintext.
    QVERIFY2(proxy.waitStdout("\"tls_handshake\""), qPrintable(proxy.out() + proxy.err()));
    QVERIFY2(proxy.waitStdout("\"text\":\"GET /hello.txt HTTP/1.0"), qPrintable(proxy.out()));

    if (tool("gnutls-cli").isEmpty()) return;  // openssl's check above stands; gnutls-cli is optional here
    Background g(tool("gnutls-cli"), {"--x509cafile", path("ca.pem"), "-p", QString::number(proxy.listenPort), "localhost"},
                 kWait);
    QVERIFY(g.process().waitForStarted(kWait));
    g.process().write(request);
    QVERIFY2(g.waitStdout("hello through the TLS proxy"), qPrintable(g.out() + g.err()));
    QCOMPARE(g.finish(), 0);  // the server closes after its reply (HTTP/1.0)
    QCOMPARE(proxy.stop(), 0);
}

// proxy --tls without --cert/--key: a certificate from the local CA, which a
// Python ssl client verifies against the CA's certificate; the session recorded through the
// TLS leg holds the plaintext and the TLS events, and replays against a
// plaintext server.
void TestCliProxyTls::clientTlsGeneratedCertificateRecordReplay() {
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring");
    lwtest::PythonServer server(kPython, kScripts, kWait);
    QVERIFY(server.port != 0);
    const QString file = m_dir.filePath("proxied-tls.lwsession");
    QString fingerprint;
    {
        const QString caDir = m_dir.filePath("record-ca");
        Proxy proxy(server.port, {"--tls", "--ca-dir", caDir, "-t", "\\r\\n", "--record", file, "--force"});
        QVERIFY(proxy.listenPort != 0);
        fingerprint = proxy.waitFor(QRegularExpression("issued by the local CA in [^\n]*SHA-256 ([0-9A-F:]+)"));
        QVERIFY2(!fingerprint.isEmpty(), qPrintable(proxy.err()));
        // A Python ssl client verifies the certificate issued for "localhost" against the CA.
        const Run c = lwtest::runProcess(kPython,
                                         {kScripts + "/tls_line_client.py", "--cafile", caDir + "/linewright-ca.pem",
                                          QString::number(proxy.listenPort), "HELO linewright", "QUIT"},
                                         {}, kWait, kWait);
        QVERIFY2(c.status == 0, qPrintable(c.all() + proxy.err()));
        const QStringList got = QString::fromUtf8(c.out).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(got, QStringList({"220 ready", "250 HELO linewright", "221 bye"}));
        QVERIFY(proxy.waitFor(QRegularExpression("(#\\d+ closed)")).size() > 0);
        QCOMPARE(proxy.stop(), 0);
    }
    const QByteArray recorded = lwtest::readFile(file);
    QVERIFY2(recorded.contains("\"tls_handshake\""), recorded.left(2000).constData());
    QVERIFY2(recorded.contains("HELO linewright"), recorded.left(2000).constData());
    lwtest::PythonServer fresh(kPython, kScripts, kWait);
    QVERIFY(fresh.port != 0);
    const Run replay = runCli({"replay", file, "--to", QStringLiteral("127.0.0.1:%1").arg(fresh.port)});
    QVERIFY2(replay.status == 0, qPrintable(replay.all()));
    QVERIFY2(replay.err.contains("2 of 2 requests sent, 3 of 3 replies matched, 0 divergences"), qPrintable(replay.all()));
}

// A plaintext client on the proxy's TLS leg: one error line, its connection
// closed (the client sees the end of the stream), the upstream leg closed,
// the proxy serving on.
void TestCliProxyTls::clientPlaintextOnTlsLeg() {
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring");
    lwtest::PythonServer server(kPython, kScripts, kWait);
    QVERIFY(server.port != 0);
    Proxy proxy(server.port, {"--tls", "--ca-dir", m_dir.filePath("plain-ca")});
    QVERIFY(proxy.listenPort != 0);
    const Run c = lineClient(proxy.listenPort, "HELO plain");
    QVERIFY2(c.status == 0, qPrintable(c.all()));
    QVERIFY2(!c.out.contains("220 ready"), qPrintable(c.all()));
    QVERIFY2(proxy.waitFor(QRegularExpression("(error[^\\n]*(TLS|SSL|handshake|http request|wrong version)[^\\n]*)")).size() > 0,
             qPrintable(proxy.err()));
    // Both legs of that connection closed.
    QVERIFY2(proxy.waitFor(QRegularExpression("(#2 upstream: closed)")).size() > 0, qPrintable(proxy.err()));
    QCOMPARE(proxy.stop(), 0);
}

// The local CA: `ca --export` creates it (key 0600, folder 0700) and writes
// its certificate; proxy --tls (no --cert/--key) issues a certificate per
// name the client asks for (SNI), which curl --cacert and openssl s_client
// -verify_return_error verify, each for its own name, the body coming
// through; a second proxy run reuses the same CA (no "created", the same
// fingerprint, the exported certificate still verifies).
void TestCliProxyTls::localCaIssuesPerName() {
    REQUIRE_PROGRAM("curl");
    REQUIRE_PROGRAM("openssl");
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring");
    QTemporaryDir home;
    const QString caDir = home.filePath("ca");
    const QString caPem = home.filePath("exported-ca.pem");
    const Run created = runCli({"ca", "--ca-dir", caDir, "--export", caPem});
    QVERIFY2(created.status == 0, qPrintable(created.all()));
    QVERIFY2(created.err.contains("created a new local CA in"), qPrintable(created.all()));
    const QString fingerprint =
        QRegularExpression("SHA-256: +([0-9A-F:]+)").match(QString::fromUtf8(created.out)).captured(1);
    QVERIFY2(fingerprint.size() == 95, qPrintable(created.all()));
    QCOMPARE(QFileInfo(caDir + "/linewright-ca-key.pem").permissions() &
                 (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther),
             QFileDevice::Permissions());
    QCOMPARE(QFileInfo(caDir).permissions() & (QFileDevice::ReadOther | QFileDevice::ExeOther | QFileDevice::ReadGroup),
             QFileDevice::Permissions());
    QCOMPARE(lwtest::readFile(caPem), lwtest::readFile(caDir + "/linewright-ca.pem"));
    // The exported certificate is a CA.
    const Run text = lwtest::runProcess(tool("openssl"), {"x509", "-in", caPem, "-noout", "-text"}, {}, kWait, kWait);
    QVERIFY2(text.out.contains("CA:TRUE") && text.out.contains("Certificate Sign"), qPrintable(text.all()));

    const QByteArray body = numbers(20000, 7907, 11);
    const HttpServer http("body.txt", body);
    QVERIFY(http.up);
    for (int run = 0; run < 2; ++run) {
        Proxy proxy(http.port, {"--tls", "--ca-dir", caDir, "--quiet"});
        QVERIFY2(proxy.listenPort != 0, qPrintable(proxy.err()));
        QVERIFY2(proxy.err().contains("issued by the local CA in"), qPrintable(proxy.err()));
        QVERIFY2(proxy.err().contains(fingerprint.toUtf8()), qPrintable(proxy.err()));
        QVERIFY2(!proxy.err().contains("created now"), qPrintable(proxy.err()));  // made by `ca` above: reused
        // curl asks for "localhost".
        const QString out = http.www.filePath(QStringLiteral("got%1.txt").arg(run));
        const Run c = lwtest::runProcess(tool("curl"), {"-sS", "--fail", "--cacert", caPem, "-o", out,
                                                        QStringLiteral("https://localhost:%1/body.txt").arg(proxy.listenPort)},
                                         {}, kWait, kWait);
        QVERIFY2(c.status == 0, qPrintable(c.all() + proxy.err()));
        QVERIFY(lwtest::readFile(out) == body);
        // openssl s_client asks for another name, and checks the certificate is for it.
        const QString name = run == 0 ? "db.internal.example" : "Mail.Example.ORG";
        const Run s = lwtest::runProcess(tool("openssl"),
                                         {"s_client", "-connect", QStringLiteral("127.0.0.1:%1").arg(proxy.listenPort),
                                          "-servername", name, "-verify_hostname", name.toLower(), "-CAfile", caPem,
                                          "-verify_return_error", "-ign_eof"},
                                         "GET /body.txt HTTP/1.0\r\n\r\n", kWait, kWait);
        QVERIFY2(s.status == 0, qPrintable(s.all() + proxy.err()));
        QVERIFY2(s.out.contains("Verify return code: 0 (ok)"), qPrintable(s.all()));
        QVERIFY2(s.out.contains(("Verified peername: " + name.toLower()).toUtf8()), qPrintable(s.all()));
        QVERIFY2(s.out.contains("CN = Linewright local CA"), qPrintable(s.all()));
        QVERIFY2(s.out.contains(body.right(200)), qPrintable(s.all()));
        // The name curl asked for is not the one s_client's certificate is for.
        const Run wrong = lwtest::runProcess(tool("openssl"),
                                             {"s_client", "-connect", QStringLiteral("127.0.0.1:%1").arg(proxy.listenPort),
                                              "-servername", name, "-verify_hostname", "localhost", "-CAfile", caPem,
                                              "-verify_return_error"},
                                             "", kWait, kWait);
        QVERIFY2(wrong.status != 0, qPrintable(wrong.all()));
        QVERIFY2(wrong.all().contains("hostname mismatch"), qPrintable(wrong.all()));
        QCOMPARE(proxy.stop(), 0);
    }
    // Still the same CA on disk.
    QCOMPARE(lwtest::readFile(caPem), lwtest::readFile(caDir + "/linewright-ca.pem"));
}

// What the local CA refuses: a key readable by others, a key without its
// certificate, a folder that is a file; each one line, status 1.
void TestCliProxyTls::localCaRefusesBadFolders() {
    QTemporaryDir home;
    const QString caDir = home.filePath("ca");
    QCOMPARE(runCli({"ca", "--ca-dir", caDir}).status, 0);
    const QString key = caDir + "/linewright-ca-key.pem";
    QVERIFY(QFile::setPermissions(key, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
    Run r = runCli({"proxy", "0", "--to", "127.0.0.1:1", "--tls", "--ca-dir", caDir});
    QCOMPARE(r.status, 1);
    QVERIFY2(r.err.contains("can be read by others; make it readable by its owner only (chmod 600)"), qPrintable(r.all()));
    QCOMPARE(lwtest::lines(r.err).size(), 1);
    QVERIFY(QFile::remove(caDir + "/linewright-ca.pem"));
    r = runCli({"ca", "--ca-dir", caDir});
    QCOMPARE(r.status, 1);
    QVERIFY2(r.err.contains("is incomplete: linewright-ca-key.pem without linewright-ca.pem"), qPrintable(r.all()));
    QVERIFY(lwtest::writeFile(home.filePath("file"), "x"));
    r = runCli({"ca", "--ca-dir", home.filePath("file"), "--export", "-"});
    QCOMPARE(r.status, 1);
    QVERIFY2(r.err.contains("is not a folder"), qPrintable(r.all()));
    QVERIFY(r.out.isEmpty());
}

namespace {

/// A plaintext SMTP client: sends each line after reading the reply to the
/// one before (multi-line replies read whole), prints every reply line.
const char* kSmtpClient = R"(import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline()
        if not line:
            print("EOF"); return
        print(line.decode("latin-1").rstrip("\r\n"), flush=True)
        if len(line) < 4 or line[3:4] != b"-":
            return
reply()
for cmd in sys.argv[2:]:
    s.sendall(cmd.encode() + b"\r\n")
    reply()
)";

}  // namespace

// swaks --tls (STARTTLS) with verification against the local CA → proxy
// --starttls smtp → aiosmtpd requiring STARTTLS (MAIL before it is refused),
// verified against the test's CA: the mail goes through, both legs say
// STARTTLS and their handshake, the dialogue after the upgrade is framed in
// plaintext, the server got the body.
void TestCliProxyTls::startTlsSmtpSwaks() {
    if (!m_pki) QSKIP("openssl (Debian package openssl) is needed");
    REQUIRE_PROGRAM("swaks");
    REQUIRE_AIOSMTPD(kWait);
    const quint16 smtpPort = freePort();
    Background smtp(QStringLiteral("/usr/bin/python3"),
                    {"-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + QString::number(smtpPort), "--tlscert",
                     path("server.pem"), "--tlskey", path("server.key")},
                    kWait);
    QVERIFY(lwtest::waitForPort(smtpPort, kWait));
    const QString caDir = m_dir.filePath("starttls-ca");
    Proxy proxy(smtpPort, {"--starttls", "smtp", "--to-cafile", path("ca.pem"), "--ca-dir", caDir, "-t", "\\r\\n"});
    QVERIFY2(proxy.listenPort != 0, qPrintable(proxy.err()));
    const Run s = lwtest::runProcess(tool("swaks"),
                                     {"--server", QStringLiteral("127.0.0.1:%1").arg(proxy.listenPort), "--tls",
                                      "--tls-verify", "--tls-ca-path", caDir + "/linewright-ca.pem", "--to",
                                      "rcpt@example.org", "--from", "sender@example.org", "--body",
                                      "through the STARTTLS proxy", "--timeout", "15"},
                                     {}, kWait, kWait);
    QVERIFY2(s.status == 0, qPrintable(s.all() + proxy.err()));
    QVERIFY2(s.out.contains("<-  220 Ready to start TLS"), qPrintable(s.all()));
    QVERIFY2(s.out.contains("=== TLS started with cipher"), qPrintable(s.all()));
    QVERIFY2(s.out.contains("<~  250 OK"), qPrintable(s.all()));  // after TLS: "~" lines
    QVERIFY2(s.out.contains("<~  221 Bye"), qPrintable(s.all()));
    // Both legs upgraded; the server's certificate verified against the test's CA.
    QVERIFY2(proxy.waitFor(QRegularExpression("(#2 TLS 1\\.[23] \\S+, server, after STARTTLS)")).size() > 0,
             qPrintable(proxy.err()));
    QVERIFY2(proxy.waitFor(QRegularExpression("(#2 upstream: TLS 1\\.[23] \\S+, after STARTTLS, verified)")).size() > 0,
             qPrintable(proxy.err()));
    // Plaintext framing before and after the upgrade.
    QVERIFY2(proxy.waitStdout("#2 > STARTTLS\n#2 < 220 Ready to start TLS\n"), qPrintable(proxy.out()));
    QVERIFY2(proxy.waitStdout("#2 > MAIL FROM:<sender@example.org>\n#2 < 250 OK\n"), qPrintable(proxy.out()));
    QVERIFY2(proxy.waitStdout("#2 > through the STARTTLS proxy\n"), qPrintable(proxy.out()));
    // openssl s_client -starttls smtp asks for another name, twice: verified
    // for it, and the same certificate both times (the connections share the
    // local CA and the certificates it issued).
    QByteArray firstCert;
    for (int i = 0; i < 2; ++i) {
        const Run o = lwtest::runProcess(tool("openssl"),
                                         {"s_client", "-connect", QStringLiteral("127.0.0.1:%1").arg(proxy.listenPort),
                                          "-starttls", "smtp", "-servername", "mx.example", "-verify_hostname",
                                          "mx.example", "-CAfile", caDir + "/linewright-ca.pem", "-verify_return_error"},
                                         "QUIT\r\n", kWait, kWait);
        QVERIFY2(o.status == 0 && o.out.contains("Verify return code: 0 (ok)"), qPrintable(o.all() + proxy.err()));
        const qsizetype from = o.out.indexOf("-----BEGIN CERTIFICATE-----");
        const qsizetype to = o.out.indexOf("-----END CERTIFICATE-----");
        QVERIFY(from >= 0 && to > from);
        const QByteArray cert = o.out.mid(from, to - from);
        if (i == 0)
            firstCert = cert;
        else
            QCOMPARE(cert, firstCert);
    }
    QCOMPARE(proxy.stop(), 0);
    QVERIFY2(smtp.waitStdout("through the STARTTLS proxy"), qPrintable(smtp.out() + smtp.err()));
}

// A server that refuses STARTTLS (aiosmtpd without a certificate): the
// refusal reaches the client, the proxy's client leg reads on in plaintext,
// and a whole transaction follows through the proxy.
void TestCliProxyTls::startTlsRefusedStaysPlaintext() {
    REQUIRE_AIOSMTPD(kWait);
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring");
    const quint16 smtpPort = freePort();
    Background smtp(QStringLiteral("/usr/bin/python3"),
                    {"-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + QString::number(smtpPort)}, kWait);
    QVERIFY(lwtest::waitForPort(smtpPort, kWait));
    Proxy proxy(smtpPort, {"--starttls", "smtp", "--ca-dir", m_dir.filePath("refused-ca"), "-t", "\\r\\n"});
    QVERIFY2(proxy.listenPort != 0, qPrintable(proxy.err()));
    const Run c = lwtest::runProcess(kPython,
                                     {"-c", kSmtpClient, QString::number(proxy.listenPort), "EHLO plain.example",
                                      "STARTTLS", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "QUIT"},
                                     {}, kWait, kWait);
    QVERIFY2(c.status == 0, qPrintable(c.all() + proxy.err()));
    const QStringList got = QString::fromUtf8(c.out).split('\n', Qt::SkipEmptyParts);
    QVERIFY2(got.size() >= 6, qPrintable(c.all()));
    QVERIFY2(!got.filter(QRegularExpression("^(454|502|500) ")).isEmpty(), qPrintable(c.all()));  // STARTTLS refused
    QVERIFY2(got.contains("250 OK"), qPrintable(c.all()));
    QCOMPARE(got.last(), QString("221 Bye"));
    QVERIFY2(proxy.waitStdout("#2 > RCPT TO:<b@example.org>\n"), qPrintable(proxy.out()));
    QVERIFY2(!proxy.err().contains("TLS handshake"), qPrintable(proxy.err()));
    QCOMPARE(proxy.stop(), 0);
}

// curl --ssl-reqd pop3:// (CAPA, STLS, then AUTH and RETR inside TLS) and
// imap:// (CAPABILITY, "A002 STARTTLS", then LOGIN and FETCH inside TLS),
// verified against the local CA → proxy --starttls pop3 or imap → Debian's
// dovecot (dovecot-pop3d, dovecot-imapd) offering STARTTLS with the test's
// certificate (verified with --to-cafile): the message comes back whole, and
// the proxy framed the dialogue in plaintext on both sides of the upgrade.
void TestCliProxyTls::startTlsCurlDovecot_data() {
    QTest::addColumn<QString>("protocol");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QString>("url");            // curl's, after localhost:PORT
    QTest::addColumn<QString>("upgrade");        // the STARTTLS exchange in the proxy's output (a regex), or ""
    QTest::addColumn<QByteArrayList>("framed");  // the proxy's stdout has each
    QTest::newRow("pop3") << "pop3"
                          << QByteArray("From: x@y\r\nSubject: stls\r\n\r\nthe body, through STLS and the proxy\r\n")
                          << "/1" << ""
                          << QByteArrayList{"#2 > STLS\n#2 < +OK Begin TLS negotiation now.\n",
                                            "#2 > RETR 1\n",  // inside TLS, in plaintext here
                                            "#2 < the body, through STLS and the proxy\n"};
    QTest::newRow("imap") << "imap"
                          << QByteArray("From: x@y\r\nSubject: imap\r\n\r\nthe body, through IMAP STARTTLS and the proxy\r\n")
                          << "/INBOX;MAILINDEX=1" << "(#2 > (\\w+) STARTTLS\\n#2 < \\2 OK)"
                          << QByteArrayList{"#2 < Subject: imap\n"};  // inside TLS, in plaintext here
}

void TestCliProxyTls::startTlsCurlDovecot() {
    QFETCH(QString, protocol);
    QFETCH(QByteArray, message);
    QFETCH(QString, url);
    QFETCH(QString, upgrade);
    QFETCH(QByteArrayList, framed);
    if (!m_pki) QSKIP("openssl (Debian package openssl) is needed");
    REQUIRE_PROGRAM("curl");
    // Dovecot's own configuration in a temporary folder (DovecotTestSupport.h):
    // the one protocol with STARTTLS, any user with the password "secret", one Maildir.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const quint16 port = freePort();
    lwtest::Dovecot dovecot(protocol, dir.path(), port, message, kWait, path("server.pem"), path("server.key"));
    if (!dovecot.skipped.isEmpty()) QSKIP(qPrintable(dovecot.skipped));
    QVERIFY2(dovecot.error.isEmpty(), qPrintable(dovecot.error));
    Background& server = *dovecot.server;
    QVERIFY(lwtest::waitForPort(port, kWait));

    const QString caDir = m_dir.filePath(protocol + "-ca");
    Proxy proxy(port, {"--starttls", protocol, "--to-cafile", path("ca.pem"), "--ca-dir", caDir, "-t", "\\r\\n"});
    QVERIFY2(proxy.listenPort != 0, qPrintable(proxy.err()));
    const Run c = lwtest::runProcess(tool("curl"),
                                     {"-sS", "--ssl-reqd", "--cacert", caDir + "/linewright-ca.pem", "-u", "a:secret",
                                      protocol + "://localhost:" + QString::number(proxy.listenPort) + url},
                                     {}, kWait, kWait);
    QVERIFY2(c.status == 0, qPrintable(c.all() + proxy.out() + proxy.err() + server.err()));
    QCOMPARE(c.out, message);
    if (!upgrade.isEmpty())
        QVERIFY2(!proxy.waitFor(QRegularExpression(upgrade)).isEmpty(), qPrintable(proxy.out()));
    for (const QByteArray& line : framed) QVERIFY2(proxy.waitStdout(line), qPrintable(proxy.out()));
    QVERIFY2(proxy.waitFor(QRegularExpression("(#2 upstream: TLS 1\\.[23] \\S+, after STARTTLS, [^\\n]*verified)"))
                     .size() > 0,
             qPrintable(proxy.err()));
    QCOMPARE(proxy.stop(), 0);
    QCOMPARE(server.stop(), 0);
}

namespace {

// A TLS server (CPython's ssl) that says which name it was asked for:
// argv PORT DIR MODE (MODE "tls": TLS from the first byte; "starttls": "220
// sni test", then "220 go ahead" to a STARTTLS line, then TLS). It presents
// DIR/server.pem (CN=localhost) unless the client's SNI is db.example, then
// DIR/db.pem; to the first line inside TLS it answers "250 sni=NAME" (or
// "250 sni=none") and closes. Prints READY once listening; serves one
// connection at a time, forever.
const char* kSniServer = R"(import socket, ssl, sys
port, d, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def ctx(name):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.load_cert_chain(d + "/" + name + ".pem", d + "/" + name + ".key")
    return c
default, named = ctx("server"), ctx("db")
asked = []
def pick(sock, name, c):
    asked.append(name)
    if name == "db.example":
        sock.context = named
default.sni_callback = pick
srv = socket.create_server(("127.0.0.1", port))
print("READY", flush=True)
while True:
    conn, _ = srv.accept()
    conn.settimeout(15)
    try:
        if mode == "starttls":
            conn.sendall(b"220 sni test\r\n")
            line = b""
            while not line.endswith(b"\n"):
                b = conn.recv(1)
                if not b: raise EOFError()
                line += b
            if line.strip().upper() != b"STARTTLS":
                conn.sendall(b"502 no\r\n")
                continue
            conn.sendall(b"220 go ahead\r\n")
        del asked[:]
        t = default.wrap_socket(conn, server_side=True)
        data = b""
        while b"\n" not in data:
            b = t.recv(4096)
            if not b: break
            data += b
        t.sendall(b"250 sni=" + (asked[0] or "none").encode() + b"\r\n")
        t.close()
    except Exception as e:
        print("server:", e, flush=True)
        conn.close()
)";

// Its client: argv PORT CAFILE NAME MODE; in "starttls" reads the greeting,
// sends STARTTLS and reads the yes; then TLS asking for NAME, verified against
// CAFILE; sends "HELLO" and prints the line that comes back, then the
// certificate's CN.
const char* kSniClient = R"(import socket, ssl, sys
port, cafile, name, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port), timeout=15)
def line(sock):
    got = b""
    while not got.endswith(b"\n"):
        b = sock.recv(1)
        if not b: break
        got += b
    return got.decode("latin-1").strip()
if mode == "starttls":
    print(line(s))
    s.sendall(b"STARTTLS\r\n")
    print(line(s))
t = ssl.create_default_context(cafile=cafile).wrap_socket(s, server_hostname=name)
t.sendall(b"HELLO\r\n")
print(line(t))
print(dict(x[0] for x in t.getpeercert()["subject"])["commonName"])
)";

}  // namespace

void TestCliProxyTls::clientSniPassedUpstream_data() {
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QString>("sni");  // --to-sni, or "" for none
    QTest::addColumn<QString>("upstreamGot");
    QTest::newRow("starttls: the client's name") << "starttls" << "" << "db.example";
    QTest::newRow("starttls: --to-sni wins") << "starttls" << "localhost" << "localhost";
    QTest::newRow("tls: the client's name") << "tls" << "" << "db.example";
    QTest::newRow("tls: --to-sni wins") << "tls" << "localhost" << "localhost";
}

// The name the client asks the proxy for (SNI) is the name the proxy asks
// the server for, after STARTTLS (`--starttls smtp`) and with `--tls
// --to-tls`, unless --to-sni names one: a CPython TLS server that presents a
// second certificate for db.example and answers with the SNI it got; the
// upstream leg verifies that certificate against the name (the test CA), the
// client the local CA's certificate for db.example.
void TestCliProxyTls::clientSniPassedUpstream() {
    QFETCH(QString, mode);
    QFETCH(QString, sni);
    QFETCH(QString, upstreamGot);
    if (!m_pki) QSKIP("openssl (Debian package openssl) is needed");
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring");
    // The second certificate, for db.example, from the test CA.
    if (!QFile::exists(path("db.pem"))) {
        QVERIFY(lwtest::writeFile(path("db-ext.cnf"), "subjectAltName=DNS:db.example\n"));
        for (const QStringList& args :
             {QStringList{"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("db.key"),
                          "-out", path("db.csr"), "-subj", "/CN=db.example"},
              QStringList{"x509", "-req", "-in", path("db.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                          "-CAcreateserial", "-out", path("db.pem"), "-days", "2", "-extfile", path("db-ext.cnf")}}) {
            const Run r = lwtest::runProcess(tool("openssl"), args, {}, kWait, kWait);
            QVERIFY2(r.status == 0, qPrintable(r.all()));
        }
    }
    const quint16 port = freePort();
    Background server(kPython, {"-c", kSniServer, QString::number(port), m_dir.path(), mode}, kWait);
    QVERIFY2(server.waitStdout("READY"), qPrintable(server.out() + server.err()));
    const QString caDir = m_dir.filePath("sni-ca");
    QStringList args = {"--ca-dir", caDir, "--to-cafile", path("ca.pem"), "-t", "\\r\\n"};
    args += mode == "starttls" ? QStringList{"--starttls", "smtp"} : QStringList{"--tls", "--to-tls"};
    if (!sni.isEmpty()) args += QStringList{"--to-sni", sni};
    Proxy proxy(port, args);
    QVERIFY2(proxy.listenPort != 0, qPrintable(proxy.err()));
    const Run c = lwtest::runProcess(kPython,
                                     {"-c", kSniClient, QString::number(proxy.listenPort),
                                      caDir + "/linewright-ca.pem", "db.example", mode},
                                     {}, kWait, kWait);
    QVERIFY2(c.status == 0, qPrintable(c.all() + proxy.err() + server.out()));
    QStringList got = QString::fromUtf8(c.out).split('\n', Qt::SkipEmptyParts);
    if (mode == "starttls") {
        QCOMPARE(got.value(0), QString("220 sni test"));
        QCOMPARE(got.value(1), QString("220 go ahead"));
        got = got.mid(2);
    }
    QCOMPARE(got.value(0), "250 sni=" + upstreamGot);  // what the server was asked for
    QCOMPARE(got.value(1), QString("db.example"));        // the proxy's certificate for the client's name
    // The upstream leg verified the certificate for that name.
    const QString subject = proxy.waitFor(QRegularExpression(R"(upstream: TLS [^\n]*verified \(([^)\n]*)\))"));
    QVERIFY2(subject.contains("CN=" + upstreamGot), qPrintable(proxy.err()));
    QCOMPARE(proxy.stop(), 0);
}

// CPython's ftplib.FTP_TLS (AUTH TLS, then USER, PASS, PROT P and RETR inside
// TLS, the control connection verified against the local CA) → proxy
// --starttls ftp → Debian's pyftpdlib (python3-pyftpdlib, TLS_FTPHandler on
// python3-openssl, TLS required on control and data) with the test's
// certificate. The data connection goes from the client to the server
// directly (the proxy carries the control connection), so the client trusts
// both CAs. (curl --ssl-reqd ftp:// does not work with pyftpdlib even
// directly: its data channel's handshake is reset, so curl falls back from
// EPSV to PASV and misreads the replies; ftplib is the client here.)
void TestCliProxyTls::startTlsFtpPyftpdlib() {
    if (!m_pki) QSKIP("openssl (Debian package openssl) is needed");
    const QString python = QStringLiteral("/usr/bin/python3");
    if (lwtest::runProcess(python, {"-c", "import pyftpdlib.handlers, OpenSSL; pyftpdlib.handlers.TLS_FTPHandler"}, {},
                           kWait, kWait)
            .status != 0)
        QSKIP("pyftpdlib with TLS for /usr/bin/python3 (Debian packages python3-pyftpdlib python3-openssl) is needed");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QByteArray body;
    for (int i = 0; i < 5000; ++i) body += "line " + QByteArray::number(i) + " of the file, through FTP over TLS\r\n";
    QVERIFY(QDir().mkpath(dir.filePath("root")));
    QVERIFY(lwtest::writeFile(dir.filePath("root/file.txt"), body));
    const char* ftpServer = R"(import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_FTPHandler
from pyftpdlib.servers import FTPServer
port, root, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
a = DummyAuthorizer()
a.add_user("a", "secret", root, perm="elr")
class H(TLS_FTPHandler):
    pass
H.certfile, H.keyfile, H.authorizer = cert, key, a
H.tls_control_required = True
H.tls_data_required = True
s = FTPServer(("127.0.0.1", port), H)
print("READY", flush=True)
s.serve_forever()
)";
    const quint16 port = freePort();
    Background server(python, {"-c", ftpServer, QString::number(port), dir.filePath("root"), path("server.pem"),
                               path("server.key")},
                      kWait);
    QVERIFY2(server.waitStdout("READY"), qPrintable(server.out() + server.err()));
    const QString caDir = m_dir.filePath("ftp-ca");
    Proxy proxy(port, {"--starttls", "ftp", "--to-cafile", path("ca.pem"), "--ca-dir", caDir, "-t", "\\r\\n"});
    QVERIFY2(proxy.listenPort != 0, qPrintable(proxy.err()));
    const QString bundle = dir.filePath("both-cas.pem");
    QVERIFY(lwtest::writeFile(bundle, lwtest::readFile(caDir + "/linewright-ca.pem") + lwtest::readFile(path("ca.pem"))));
    const QString out = dir.filePath("got.txt");
    const char* ftpClient = R"(import ftplib, ssl, sys
port, cafile, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
f = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=cafile), timeout=15)
f.connect("localhost", port)
f.auth()
f.login("a", "secret")
f.prot_p()
with open(out, "wb") as o:
    print(f.retrbinary("RETR file.txt", o.write))
print(f.quit())
)";
    const Run c = lwtest::runProcess(python, {"-c", ftpClient, QString::number(proxy.listenPort), bundle, out}, {}, kWait,
                                     kWait);
    QVERIFY2(c.status == 0, qPrintable(c.all() + proxy.out() + proxy.err() + server.err()));
    QVERIFY2(c.out.startsWith("226 "), qPrintable(c.all()));
    QVERIFY(lwtest::readFile(out) == body);
    QVERIFY2(!proxy.waitFor(QRegularExpression("(#2 > AUTH TLS\\n#2 < 234)")).isEmpty(), qPrintable(proxy.out()));
    QVERIFY2(proxy.waitStdout("#2 > PROT P\n"), qPrintable(proxy.out()));  // inside TLS, in plaintext here
    QVERIFY2(proxy.waitStdout("#2 > RETR file.txt\n"), qPrintable(proxy.out()));
    QVERIFY2(proxy.waitFor(QRegularExpression("(#2 upstream: TLS 1\\.[23] \\S+, after STARTTLS, [^\\n]*verified)"))
                     .size() > 0,
             qPrintable(proxy.err()));
    QCOMPARE(proxy.stop(), 0);
}

QTEST_GUILESS_MAIN(TestCliProxyTls)
#include "tst_CliProxyTls.moc"
