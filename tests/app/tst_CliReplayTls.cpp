// tst_CliReplayTls.cpp — `linewright-cli replay --tls` and `mock --tls` end
// to end, run as a user runs them, against real TLS peers on loopback:
// openssl s_server and s_client, Python's ssl module, linewright-cli
// listen --tls, and the mock itself.
//
// Covered: a session recorded over TLS against openssl s_server replayed
// with --tls against it (verified against the test CA, host name checked),
// the handshake's line and --keylog; a cleartext recording (CPython asynchat
// server) replayed over TLS against `listen --tls --echo`; the bad cases,
// each exit 1 with one line naming the reason in the TLS layer's words: the
// wrong CA, a host name (--sni) the certificate is not for, a peer that
// speaks no TLS; --insecure then passes with a warning. A recording served
// by `mock --tls` to openssl s_client (verified), to a plaintext client
// (an error line for that client, not served, and the mock goes on) and to
// the replayer; `mock --tls` without a certificate prints the generated
// one's fingerprint, which a Python client sees, and which a verifying
// replay refuses. A session recorded with `connect --starttls smtp` against
// aiosmtpd replayed with --starttls at every pace: the dialogue in
// plaintext, the upgrade where the recording has it, the mail inside TLS;
// a wrong CA there, and --starttls for a recording that has no upgrade, end
// it with one line. `mock --starttls-after` serving a STARTTLS conversation
// recorded on the server side (listen --starttls-after, typed replies, swaks
// as the client): swaks --tls and openssl s_client -starttls smtp complete
// the mail over it, verified; a client that stays in plaintext after the
// go-ahead, and one that does not ask for the upgrade where the recording
// did, each get one error line and the mock goes on; a recording without
// an upgrade is refused with one line.
// openssl and Python 3 with asynchat are required: when one is missing the
// test fails and says which package to install. Every wait has a deadline;
// nothing sleeps.
#include <QByteArray>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include "CliTestSupport.h"
#include "PeerTestSupport.h"
#include "ProcessTestSupport.h"

namespace {

constexpr int kWait = 15000;

using lwtest::freePort;
using lwtest::lines;
using lwtest::readFile;
using lwtest::Run;
using lwtest::tool;

bool waitForPort(quint16 port) { return lwtest::waitForPort(port, kWait); }

Run run(const QString& program, const QStringList& args, const QByteArray& input = {}) {
    // No key log from the environment: only what a test asks for.
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove(QStringLiteral("SSLKEYLOGFILE"));
    return lwtest::runProcess(program, args, input, kWait, kWait, &e);
}

Run cli(const QStringList& args, const QByteArray& input = {}) { return run(kCli, args, input); }

/// The CPython asynchat line server (replay/line_server.py).
class PythonServer : public lwtest::PythonServer {
public:
    PythonServer() : lwtest::PythonServer(kPython, kScripts, kWait) {}
};

/// linewright-cli in the background (listen, mock); port() once it listens.
class Cli : public lwtest::Background {
public:
    explicit Cli(const QStringList& args) : lwtest::Background(kCli, args, kWait) {}
};

/// `linewright-cli listen --tls --echo` (CRLF lines) with `cert` and `key`.
class TlsEcho : public Cli {
public:
    TlsEcho(const QString& cert, const QString& key)
        : Cli({"listen", "0", "--tls", "--cert", cert, "--key", key, "--echo", "-t", "\\r\\n", "--quiet"}) {}
};

}  // namespace

class TestCliReplayTls : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void replayOverTlsAgainstOpensslServer();
    void replayRefusesWhatItCannotVerify();
    void cleartextRecordingReplayedOverTls();
    void mockServesTlsClients();
    void mockWithGeneratedCertificate();
    void clientCertificates();
    void replayStartTlsAgainstAiosmtpd();
    void mockServesStartTls();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    /// A test CA, a server certificate it signed (localhost, 127.0.0.1) and
    /// an unrelated CA, made with the openssl command.
    void makeCertificates();
    /// Records HELO and QUIT with the CPython line server, in cleartext.
    QString recordCleartext(const QString& name);
    /// Records "one" and "two" with `linewright-cli listen --echo`, in cleartext.
    QString recordEcho(const QString& name);
    QTemporaryDir m_dir;
};

void TestCliReplayTls::initTestCase() {
    QVERIFY(m_dir.isValid());
    QVERIFY2(!tool("openssl").isEmpty(), "openssl is not installed (Debian: apt-get install openssl)");
    QVERIFY2(!kPython.isEmpty(), "Python 3 was not found when configuring: install python3 (Debian: apt-get install python3)");
    const Run py = run(kPython, {"-c", "import asynchat, asyncore, ssl"});
    QVERIFY2(py.status == 0, ("Python's asynchat and ssl modules are needed (Python 3.11; Debian 12's python3): " + py.err).constData());
    makeCertificates();
}

void TestCliReplayTls::makeCertificates() {
    const QString failed = lwtest::makeTestPki(tool("openssl"), m_dir.path(), true, kWait);
    QVERIFY2(failed.isEmpty(), qPrintable(failed));
}

QString TestCliReplayTls::recordCleartext(const QString& name) {
    PythonServer server;
    if (!server.port) {
        QTest::qFail("the CPython line server did not start", __FILE__, __LINE__);
        return {};
    }
    return lwtest::recordWithCli(kCli, server.port, path(name), "HELO linewright\nQUIT\n", kWait);
}

QString TestCliReplayTls::recordEcho(const QString& name) {
    Cli echo({"listen", "0", "--echo", "-t", "\\r\\n", "--quiet"});
    const quint16 port = echo.port();
    if (!port) {
        QTest::qFail("linewright-cli listen --echo did not start", __FILE__, __LINE__);
        return {};
    }
    // Each line of stdin is one request; at its end the client half-closes
    // and the echo server closes.
    return lwtest::recordWithCli(kCli, port, path(name), "one\ntwo\n", kWait);
}

// Recorded over TLS against openssl s_server -rev (each line comes back
// reversed), replayed over TLS against it: verified, the plaintext compared.
void TestCliReplayTls::replayOverTlsAgainstOpensslServer() {
    const quint16 port = freePort();
    lwtest::Background server(tool("openssl"),
                              {"s_server", "-accept", "127.0.0.1:" + QString::number(port), "-cert", path("server.pem"),
                               "-key", path("server.key"), "-rev", "-quiet"},
                              kWait);
    QVERIFY(waitForPort(port));
    const QString session = path("rev.jsonl");
    const Run rec = cli({"connect", "localhost", QString::number(port), "--tls", "--cafile", path("ca.pem"), "--send",
                         "hello\\nworld\\n", "--count", "2", "--record", session, "--quiet"});
    QVERIFY2(rec.status == 0, qPrintable(rec.all()));

    const QString keylog = path("replay.keys");
    const Run r = cli({"replay", session, "--to", "localhost:" + QString::number(port), "--tls", "--cafile",
                       path("ca.pem"), "--keylog", keylog});
    QVERIFY2(r.status == 0, qPrintable(r.all()));
    QVERIFY2(r.err.contains("over TLS\n"), qPrintable(r.all()));
    QVERIFY2(r.err.contains("linewright-cli: replay passed: 1 of 1 requests sent, 2 of 2 replies matched, 0 divergences"),
             qPrintable(r.all()));
    // The handshake's line: the version, verified, the server's certificate.
    QVERIFY2(QRegularExpression(R"(linewright-cli: TLS 1\.[23] \S+.*verified \(O=Linewright Test,CN=localhost\))").match(QString::fromUtf8(r.err)).hasMatch(),
             qPrintable(r.all()));
    QVERIFY2(r.out.contains("> 1 hello\\n") && r.out.contains("< 1 olleh\\n") && r.out.contains("< 2 dlrow\\n"),
             qPrintable(r.all()));
    // The key log holds this handshake's secrets (NSS format).
    QVERIFY2(readFile(keylog).contains("CLIENT_TRAFFIC_SECRET_0 ") || readFile(keylog).contains("CLIENT_RANDOM "),
             readFile(keylog).constData());

    // Without --tls the recording says it ran TLS, and the replay fails.
    const Run plain = cli({"replay", session, "--to", "127.0.0.1:" + QString::number(port), "--timeout", "2"});
    QCOMPARE(plain.status, 1);
    QVERIFY2(plain.err.contains("note: the recorded connection ran TLS; add --tls to replay over TLS"), qPrintable(plain.all()));
}

// What the replayer cannot verify ends it before the first request: exit
// 1, one line (with -q) in the TLS layer's words. --insecure then runs,
// with a warning.
void TestCliReplayTls::replayRefusesWhatItCannotVerify() {
    const QString session = recordEcho("refuse.jsonl");
    QVERIFY(!session.isEmpty());
    TlsEcho tls(path("server.pem"), path("server.key"));
    const quint16 port = tls.port();
    QVERIFY(port);
    const QString to = "127.0.0.1:" + QString::number(port);

    struct Case {
        QStringList args;
        QString reason;
    };
    const QList<Case> cases = {
        {{"--cafile", path("wrongca.pem")}, "TLS handshake failed: certificate verify failed: unable to get local issuer certificate"},
        {{"--cafile", path("ca.pem"), "--sni", "other.example"}, "TLS handshake failed: certificate verify failed: hostname mismatch"},
    };
    for (const Case& c : cases) {
        const Run r = cli(QStringList{"replay", session, "--to", to, "--tls", "-q"} + c.args);
        QVERIFY2(r.status == 1, qPrintable(r.all()));
        const QStringList err = lines(r.err);
        QVERIFY2(err.size() == 1 && err.first().startsWith("linewright-cli: connect to " + to + ": " + c.reason),
                 qPrintable(r.all()));
        QVERIFY2(r.out.isEmpty(), qPrintable(r.all()));  // no request went out
    }

    // --insecure: the same wrong CA, the replay runs, and says it did not verify.
    const Run insecure = cli({"replay", session, "--to", to, "--tls", "--insecure", "--cafile", path("wrongca.pem"), "-q"});
    QVERIFY2(insecure.status == 0, qPrintable(insecure.all()));
    QVERIFY2(insecure.err.contains("warning: the server's certificate was not verified (--insecure); the check would "
                                   "have said: unable to get local issuer certificate"),
             qPrintable(insecure.all()));

    // A peer that speaks no TLS (the CPython line server): the handshake fails.
    PythonServer plain;
    QVERIFY(plain.port);
    const Run noTls = cli({"replay", session, "--to", "127.0.0.1:" + QString::number(plain.port), "--tls", "--insecure", "-q"});
    QVERIFY2(noTls.status == 1, qPrintable(noTls.all()));
    const QStringList err = lines(noTls.err);
    QVERIFY2(err.size() == 1 && err.first().startsWith("linewright-cli: connect to 127.0.0.1:" +
                                                       QString::number(plain.port) + ": TLS handshake failed: "),
             qPrintable(noTls.all()));
}

// A cleartext recording (an echo server) replayed over TLS against an echo
// server with TLS: the plaintext matches, at every pace, the half-close
// (close_notify) and the server's close included.
void TestCliReplayTls::cleartextRecordingReplayedOverTls() {
    const QString session = recordEcho("echo.jsonl");
    QVERIFY(!session.isEmpty());
    TlsEcho tls(path("server.pem"), path("server.key"));
    const quint16 port = tls.port();
    QVERIFY(port);
    for (const char* pace : {"lockstep", "fast", "original"}) {
        const Run r = cli({"replay", session, "--to", "localhost:" + QString::number(port), "--tls", "--cafile",
                           path("ca.pem"), "--pace", pace});
        QVERIFY2(r.status == 0, qPrintable(QString(pace) + ": " + r.all()));
        QVERIFY2(r.err.contains("replay passed: 2 of 2 requests sent, 2 of 2 replies matched"), qPrintable(r.all()));
        QVERIFY2(r.err.contains("note: the recorded connection did not run TLS"), qPrintable(r.all()));
    }
}

// mock --tls with a certificate: openssl s_client verifies it and gets the
// recorded dialogue; a plaintext client gets an error line of its own and
// is not served; the mock goes on and serves the replayer over TLS.
void TestCliReplayTls::mockServesTlsClients() {
    const QString session = recordCleartext("mock.jsonl");
    QVERIFY(!session.isEmpty());
    Cli mock({"mock", session, "--listen", "0", "--tls", "--cert", path("server.pem"), "--key", path("server.key"),
              "--clients", "2"});
    const quint16 port = mock.port();
    QVERIFY(port);
    QVERIFY2(!mock.err().contains("fingerprint"), mock.err().constData());  // its own certificate

    // 1: openssl s_client, verifying (it stops at a verification error).
    const Run sc = run(tool("openssl"), {"s_client", "-connect", "127.0.0.1:" + QString::number(port), "-CAfile",
                                         path("ca.pem"), "-verify_return_error", "-verify_hostname", "localhost",
                                         "-crlf", "-quiet"},
                       "HELO linewright\nQUIT\n");
    QVERIFY2(sc.status == 0, qPrintable(sc.all()));
    QCOMPARE(sc.out, QByteArray("220 ready\r\n250 HELO linewright\r\n221 bye\r\n"));

    // 2: a client that speaks no TLS: the mock closes it, says why, and goes on.
    {
        QTcpSocket plain;
        plain.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(plain.waitForConnected(kWait));
        plain.write("HELO linewright\r\n");
        QVERIFY(plain.state() == QAbstractSocket::UnconnectedState || plain.waitForDisconnected(kWait));
        const QByteArray got = plain.readAll();
        QVERIFY2(!got.contains("220 ready"), got.constData());  // nothing in plaintext
    }
    QVERIFY2(!mock.waitFor(QRegularExpression(R"(error: (client 2 \(127\.0\.0\.1:\d+\): TLS handshake failed: [^\n]+; not served))")).isEmpty(),
             mock.err().constData());

    // 3: the replayer, over TLS, verifying: every reply matches.
    const Run r = cli({"replay", session, "--to", "localhost:" + QString::number(port), "--tls", "--cafile", path("ca.pem"), "-q"});
    QVERIFY2(r.status == 0, qPrintable(r.all()));
    QVERIFY2(r.err.contains("replay passed: 2 of 2 requests sent, 3 of 3 replies matched"), qPrintable(r.all()));

    QCOMPARE(mock.finish(), 0);  // --clients 2: the two served; the plaintext one does not count
    const QString err = QString::fromUtf8(mock.err());
    QVERIFY2(QRegularExpression(R"(client 1 connected from 127\.0\.0\.1:\d+ \(recorded conversation 1\): TLS 1\.[23] )").match(err).hasMatch(),
             qPrintable(err));
    QVERIFY2(err.contains("client 3 connected from"), qPrintable(err));
    QVERIFY2(!err.contains("client 2 connected from"), qPrintable(err));
    QVERIFY2(err.contains("2 clients served (2 sent every recorded message)") && err.contains("1 failed TLS handshake\n"),
             qPrintable(err));
}

// mock --tls without --cert/--key: a generated certificate, its fingerprint
// printed; a client sees that very certificate; a verifying replay refuses
// it, --insecure accepts it.
void TestCliReplayTls::mockWithGeneratedCertificate() {
    const QString session = recordCleartext("generated.jsonl");
    QVERIFY(!session.isEmpty());
    Cli mock({"mock", session, "--listen", "0", "--tls", "--quiet"});
    const quint16 port = mock.port();
    QVERIFY(port);
    const QString fp = mock.waitFor(QRegularExpression(R"(SHA-256 fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})\n)"));
    QVERIFY2(!fp.isEmpty(), mock.err().constData());

    const Run py = run(kPython, {kScripts + "/tls_line_client.py", "--fingerprint", QString::number(port),
                                 "HELO linewright", "QUIT"});
    QVERIFY2(py.status == 0, qPrintable(py.all()));
    QCOMPARE(lines(py.out), (QStringList{"sha256 " + fp, "220 ready", "250 HELO linewright", "221 bye"}));

    const Run verified = cli({"replay", session, "--to", "127.0.0.1:" + QString::number(port), "--tls", "-q"});
    QVERIFY2(verified.status == 1, qPrintable(verified.all()));
    QVERIFY2(lines(verified.err).size() == 1 &&
                 verified.err.contains(": TLS handshake failed: certificate verify failed: self-signed certificate"),
             qPrintable(verified.all()));
    const Run insecure = cli({"replay", session, "--to", "127.0.0.1:" + QString::number(port), "--tls", "--insecure", "-q"});
    QVERIFY2(insecure.status == 0, qPrintable(insecure.all()));
    QCOMPARE(mock.stop(), 0);
}

// mock --tls --cafile asks every client for a certificate: the replayer
// presents one with --cert/--key and is served; one that presents none is
// not, and the mock says why.
void TestCliReplayTls::clientCertificates() {
    const QString session = recordEcho("client-cert.jsonl");
    QVERIFY(!session.isEmpty());
    Cli mock({"mock", session, "--listen", "0", "--tls", "--cert", path("server.pem"), "--key", path("server.key"),
              "--cafile", path("ca.pem"), "--clients", "1"});
    const quint16 port = mock.port();
    QVERIFY(port);
    const QString to = "localhost:" + QString::number(port);
    const Run without = cli({"replay", session, "--to", to, "--tls", "--cafile", path("ca.pem"), "-q"});
    QCOMPARE(without.status, 1);
    QVERIFY2(!mock.waitFor(QRegularExpression(R"(error: client 1 \(127\.0\.0\.1:\d+\): (TLS handshake failed: [^\n]*certificate[^\n]*); not served)")).isEmpty(),
             mock.err().constData());
    const Run with = cli({"replay", session, "--to", to, "--tls", "--cafile", path("ca.pem"), "--cert",
                          path("client.pem"), "--key", path("client.key"), "-q"});
    QVERIFY2(with.status == 0, qPrintable(with.all()));
    QCOMPARE(mock.finish(), 0);  // --clients 1: the one served
    QVERIFY2(QRegularExpression(R"(client 2 connected from [^\n]*, verified \(CN=replayer\))").match(QString::fromUtf8(mock.err())).hasMatch(),
             mock.err().constData());
}

void TestCliReplayTls::replayStartTlsAgainstAiosmtpd() {
    const QString python = QStringLiteral("/usr/bin/python3");
    REQUIRE_AIOSMTPD(kWait);
    const quint16 port = freePort();
    // STARTTLS offered (and required before MAIL), with the test CA's certificate.
    lwtest::Background server(python, {"-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + QString::number(port), "--tlscert",
                                       path("server.pem"), "--tlskey", path("server.key")},
                              kWait);
    QVERIFY(waitForPort(port));

    // Recorded with connect --starttls smtp; stdin (after the upgrade) stays
    // open until the goodbye, as a person would type it.
    const QString session = path("starttls.jsonl");
    {
        QProcess c;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("SSLKEYLOGFILE");
        c.setProcessEnvironment(env);
        c.start(kCli, {"connect", "localhost", QString::number(port), "--starttls", "smtp", "--cafile", path("ca.pem"),
                       "-t", "\\r\\n", "--record", session});
        QVERIFY(c.waitForStarted(kWait));
        c.write("EHLO client.example\nMAIL FROM:<a@example.com>\nRCPT TO:<b@example.com>\nDATA\n"
                "Subject: replayed\n\nover STARTTLS\n.\nQUIT\n");
        QByteArray out;
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         out += c.readAllStandardOutput();
                         return out.contains("221 Bye") || c.state() == QProcess::NotRunning;
                     },
                     kWait),
                 out.constData());
        c.closeWriteChannel();
        QVERIFY(c.state() == QProcess::NotRunning || c.waitForFinished(kWait));
        QVERIFY2(c.exitCode() == 0 && out.contains("221 Bye"), (out + c.readAllStandardError()).constData());
    }

    const QString to = "localhost:" + QString::number(port);
    for (const char* pace : {"lockstep", "fast", "original"}) {
        const Run r = cli({"replay", session, "--to", to, "--starttls", "smtp", "--cafile", path("ca.pem"), "--pace", pace});
        QVERIFY2(r.status == 0, qPrintable(QString(pace) + ": " + r.all()));
        QVERIFY2(r.err.contains("; STARTTLS after request 2 and reply 6, as recorded\n"), qPrintable(r.all()));
        QVERIFY2(QRegularExpression(R"(linewright-cli: STARTTLS: TLS 1\.[23] \S+, after STARTTLS, SNI localhost, verified)")
                     .match(QString::fromUtf8(r.err))
                     .hasMatch(),
                 qPrintable(r.all()));
        QVERIFY2(r.err.contains("replay passed: 11 of 11 requests sent, 15 of 15 replies matched, 0 divergences"),
                 qPrintable(r.all()));
        // The dialogue went out in plaintext before the handshake, the mail after it.
        const qsizetype goAhead = r.out.indexOf("< 6 220 Ready to start TLS");
        QVERIFY2(r.out.indexOf("> 2 STARTTLS\\r\\n") >= 0 && goAhead >= 0 &&
                     r.out.indexOf("> 3 EHLO client.example") > goAhead,
                 qPrintable(r.all()));
    }

    // The wrong CA: the upgrade fails, one line, after the dialogue.
    const Run wrong = cli({"replay", session, "--to", to, "--starttls", "smtp", "--cafile", path("wrongca.pem"), "-q"});
    QVERIFY2(wrong.status == 1, qPrintable(wrong.all()));
    QVERIFY2(lines(wrong.err) == QStringList{"linewright-cli: STARTTLS with 127.0.0.1:" + QString::number(port) +
                                             " (after 2 of 11 requests): TLS handshake failed: certificate verify "
                                             "failed: unable to get local issuer certificate (subject O=Linewright Test,"
                                             "CN=localhost, issuer CN=Linewright Test CA, depth 0)"},
             qPrintable(wrong.all()));

    // A recording without an upgrade cannot be replayed with one.
    const QString plain = recordEcho("no-starttls.jsonl");
    QVERIFY(!plain.isEmpty());
    const Run none = cli({"replay", plain, "--to", to, "--starttls", "smtp", "-q"});
    QCOMPARE(none.status, 1);
    QVERIFY2(lines(none.err) == QStringList{"linewright-cli: " + plain +
                                            ": channel 1 was not upgraded with STARTTLS (the recording has no starttls "
                                            "event); replay it without --starttls, or with --tls against a TLS port"},
             qPrintable(none.all()));
}

// Recorded on the server side, where each reply's request is known: listen
// --starttls-after with the replies typed on stdin as swaks's commands come.
// Then the mock serves that conversation to real STARTTLS clients.
void TestCliReplayTls::mockServesStartTls() {
    const QString swaks = tool("swaks");
    if (swaks.isEmpty() || run(QStringLiteral("/usr/bin/perl"), {"-MNet::SSLeay", "-e", "1"}).status != 0)
        QSKIP("swaks and Net::SSLeay (Debian packages swaks, libnet-ssleay-perl) are needed");
    const QStringList swaksArgs = {"--to", "b@example.com", "--from", "a@example.com", "--helo", "client.example",
                                   "--data", "Subject: mock\\n\\nover STARTTLS\\n", "--tls", "--tls-verify",
                                   "--tls-ca-path", path("ca.pem"), "--timeout", "10"};
    const QString session = path("smtp-server.jsonl");
    {
        Cli server({"listen", "0", "--starttls-after", "^STARTTLS", "-t", "\\r\\n", "--send", "220 lw ESMTP\\r\\n",
                    "--stdin", "--cert", path("server.pem"), "--key", path("server.key"), "--record", session});
        const quint16 port = server.port();
        QVERIFY(port);
        lwtest::Background client(swaks, QStringList{"--server", "127.0.0.1:" + QString::number(port)} + swaksArgs, kWait);
        // (what the server received so far, the reply to type then)
        const QList<QPair<QString, QByteArray>> dialogue = {
            {R"(< EHLO client\.example\n)", "250-lw\n250 STARTTLS\n"},
            {R"(< STARTTLS\n)", "220 go ahead\n"},
            {R"((?s)EHLO.*< EHLO client\.example\n)", "250-lw\n250 AUTH PLAIN\n"},
            {R"(< MAIL FROM:<a@example\.com>\n)", "250 OK\n"},
            {R"(< RCPT TO:<b@example\.com>\n)", "250 OK\n"},
            {R"(< DATA\n)", "354 go on\n"},
            {R"(< \.\n)", "250 queued\n"},
            {R"(< QUIT\n)", "221 bye\n"},
        };
        for (const auto& [received, reply] : dialogue) {
            QVERIFY2(server.waitFor(QRegularExpression("(" + received + ")")).size() > 0,
                     qPrintable(received + "\n" + server.out() + server.err()));
            server.process().write(reply);
            QVERIFY(server.process().waitForBytesWritten(kWait));
        }
        QCOMPARE(client.finish(), 0);
        QVERIFY2(client.out().contains("<~  221 bye"), (client.out() + server.out() + server.err()).constData());
        QVERIFY(server.waitFor(QRegularExpression("(closed by peer)")).size() > 0);
        QCOMPARE(server.stop(), 0);
    }

    Cli mock({"mock", session, "--listen", "0", "--starttls-after", "^STARTTLS", "--cert", path("server.pem"), "--key",
              path("server.key"), "--clients", "4"});
    const quint16 port = mock.port();
    QVERIFY(port);
    QVERIFY2(mock.waitFor(QRegularExpression(R"((; STARTTLS after request 2 and reply 4, as recorded\) of ))")).size() > 0,
             mock.err().constData());

    // 1: swaks, the same mail: every reply as recorded, the upgrade verified.
    const Run s = run(swaks, QStringList{"--server", "127.0.0.1:" + QString::number(port)} + swaksArgs);
    QVERIFY2(s.status == 0, qPrintable(s.all()));
    QVERIFY2(s.out.contains("=== TLS started with cipher") && s.out.contains("<~  250 queued") &&
                 s.out.contains("<~  221 bye"),
             qPrintable(s.all()));
    QVERIFY2(mock.waitFor(QRegularExpression(R"((client 1 \(127\.0\.0\.1:\d+, conversation 1\): 12 of 12 recorded requests, as recorded))"))
                 .size() > 0,
             mock.err().constData());

    // 2: openssl s_client -starttls smtp: its own EHLO (differs, answered),
    // STARTTLS, the handshake verified, then the mail typed inside TLS.
    const Run o = run(tool("openssl"),
                      {"s_client", "-connect", "127.0.0.1:" + QString::number(port), "-starttls", "smtp", "-CAfile",
                       path("ca.pem"), "-verify_return_error", "-crlf", "-quiet", "-no_ign_eof"},
                      "EHLO client.example\nMAIL FROM:<a@example.com>\nRCPT TO:<b@example.com>\nDATA\n"
                      "Subject: mock\n\nover STARTTLS\n\n.\nQUIT\n");
    QVERIFY2(o.status == 0, qPrintable(o.all()));
    QVERIFY2(!mock.waitFor(QRegularExpression(R"((client 2 \(127\.0\.0\.1:\d+, conversation 1\): 12 of 12 recorded requests, 1 differing))"))
                  .isEmpty(),
             mock.err().constData());

    // 3: a client that goes on in plaintext after the go-ahead (in the same
    // write as STARTTLS): the handshake fails, one error line.
    {
        QTcpSocket c;
        QVERIFY(lwtest::connectAndSend(c, port, "EHLO x\r\nSTARTTLS\r\nEHLO again\r\n", kWait));
        QVERIFY2(!mock.waitFor(QRegularExpression(R"(error: (client 3 \(127\.0\.0\.1:\d+\): STARTTLS: TLS handshake failed: [^\n]+)\n)"))
                      .isEmpty(),
                 mock.err().constData());
    }
    // 4: a client whose second request is not STARTTLS: told off and closed.
    {
        QTcpSocket c;
        QVERIFY(lwtest::connectAndSend(c, port, "EHLO x\r\nMAIL FROM:<a@b>\r\n", kWait));
        QVERIFY2(!mock.waitFor(QRegularExpression(R"((error: client 4 \(127\.0\.0\.1:\d+\): request 2 "MAIL FROM:<a@b>\\r\\n" does not ask for the upgrade \(it does not match the STARTTLS pattern '\^STARTTLS')[^\n]*; closing the connection\n)"))
                      .isEmpty(),
                 mock.err().constData());
        QVERIFY(c.state() == QAbstractSocket::UnconnectedState || c.waitForDisconnected(kWait));
    }
    // --clients 4: it ends by itself (perhaps already).
    QVERIFY2(!mock.waitFor(QRegularExpression(R"((mock stopped: [^\n]*)\n)")).isEmpty(), mock.err().constData());
    QVERIFY(mock.process().state() == QProcess::NotRunning || mock.process().waitForFinished(kWait));
    QCOMPARE(mock.process().exitCode(), 0);
    QVERIFY2(mock.err().contains("4 clients served (2 sent every recorded message), ") &&
                 mock.err().contains(", 1 failed TLS handshake\n"),
             mock.err().constData());
    QVERIFY2(QRegularExpression(R"(client 1: STARTTLS after request 2: TLS 1\.[23] \S+, server, after STARTTLS)")
                 .match(QString::fromUtf8(mock.err()))
                 .hasMatch(),
             mock.err().constData());

    // A recording without an upgrade cannot be served with one.
    const QString plain = recordEcho("no-starttls-mock.jsonl");
    QVERIFY(!plain.isEmpty());
    const Run none = cli({"mock", plain, "--listen", "0", "--starttls-after", "^STARTTLS", "--channel", "1", "-q"});
    QCOMPARE(none.status, 1);
    QVERIFY2(lines(none.err) == QStringList{"linewright-cli: " + plain +
                                            ": channel 1 was not upgraded with STARTTLS (the recording has no starttls "
                                            "event); serve it without --starttls-after, or with --tls"},
             qPrintable(none.all()));
}

QTEST_GUILESS_MAIN(TestCliReplayTls)
#include "tst_CliReplayTls.moc"
