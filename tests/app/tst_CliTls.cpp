// tst_CliTls.cpp — linewright-cli's TLS options, run as a user runs them (a
// real process, QProcess).
//
// Covered: every bad combination of TLS options is a usage error (exit 2,
// one line on stderr naming the option, nothing on stdout): TLS options
// without --tls/--starttls, --tls with --starttls, --key without --cert and
// the reverse, unreadable or empty files, a bad RE2 pattern (RE2's own
// complaint), versions and min above max, ALPN lists, SNI names, the
// handshake timeout, options that do not apply to a command (listen
// --insecure), the key log file rules (--keylog and SSLKEYLOGFILE: never a
// symbolic link, never a directory, a missing directory said so; an
// existing file appended to, not truncated; SSLKEYLOGFILE ignored when TLS
// is off); the help pages list the options per command; a --send-file
// over TLS goes out whole before the end of stdin half-closes (socat).
// Every wait has a deadline; nothing sleeps.
#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QStringList>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include "CliTestSupport.h"
#include "PeerTestSupport.h"
#include "ProcessTestSupport.h"

#include <algorithm>
#include <functional>
#include <memory>

namespace {

constexpr int kWait = 15000;

using lwtest::freePort;
using lwtest::lines;
using lwtest::Run;
using lwtest::tool;
using lwtest::writeFile;

/// Runs linewright-cli to its end; `env` entries ("NAME=value", "NAME=" to
/// remove) change its environment.
Run runCli(const QStringList& args, const QStringList& env = {}, const QByteArray& input = {}, int timeoutMs = kWait) {
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove(QStringLiteral("SSLKEYLOGFILE"));
    for (const QString& kv : env) {
        const auto eq = kv.indexOf('=');
        if (kv.mid(eq + 1).isEmpty())
            e.remove(kv.left(eq));
        else
            e.insert(kv.left(eq), kv.mid(eq + 1));
    }
    return lwtest::runProcess(kCli, args, input, timeoutMs, kWait, &e);
}

bool waitForPort(quint16 port) { return lwtest::waitForPort(port, kWait); }

/// A peer program running in the background, ended (by its PID, through
/// QProcess) when the test is done with it.
class Peer {
public:
    Peer(const QString& program, const QStringList& args, const QString& dir = {}) {
        if (!dir.isEmpty()) m_p.setWorkingDirectory(dir);
        m_p.setProcessChannelMode(QProcess::MergedChannels);
        m_p.start(program, args);
        m_p.waitForStarted(kWait);
    }
    ~Peer() {
        if (m_p.state() != QProcess::NotRunning) {
            m_p.terminate();
            if (!m_p.waitForFinished(kWait)) {
                m_p.kill();
                m_p.waitForFinished(kWait);
            }
        }
    }
    QByteArray output() {
        m_out += m_p.readAll();
        return m_out;
    }
    bool running() const { return m_p.state() == QProcess::Running; }
    QProcess& process() { return m_p; }

private:
    QProcess m_p;
    QByteArray m_out;
};

/// The port of the linewright-cli `listener` from its "listening on
/// 127.0.0.1:PORT" line, once it printed it; "" if it did not.
QString listeningPort(Peer& listener) {
    static const QRegularExpression re(R"(listening on 127\.0\.0\.1:(\d+))");
    QString port;
    const bool ended = QTest::qWaitFor(
        [&] {
            port = re.match(QString::fromUtf8(listener.output())).captured(1);
            return !port.isEmpty() || !listener.running();
        },
        kWait);
    return ended ? port : QString();
}

/// Starts swaks (`swaks`, its path) as `client`: one mail from a@example.com
/// to b@example.com over STARTTLS to 127.0.0.1:port, its outputs merged.
bool startSwaks(QProcess& client, const QString& swaks, const QString& port) {
    client.setProcessChannelMode(QProcess::MergedChannels);
    client.start(swaks, {"--server", "127.0.0.1", "--port", port, "--tls", "--from", "a@example.com", "--to",
                         "b@example.com", "--helo", "swaks.example", "--body", "sent through linewright"});
    return client.waitForStarted(kWait);
}

/// Plays the server at the `listener`'s terminal: waits for each line it
/// prints (`expect`, in order) and types the reply. "" when every line came,
/// else the line missing, the listener's output and, with `more`, what it
/// gives (the client's output).
QByteArray answerLines(Peer& listener, const QList<QPair<QByteArray, QByteArray>>& script,
                       const std::function<QByteArray()>& more = {}) {
    qsizetype from = 0;
    for (const auto& [expect, reply] : script) {
        qsizetype at = -1;
        const bool seen = QTest::qWaitFor(
                              [&] {
                                  at = listener.output().indexOf(expect + "\n", from);
                                  return at >= 0 || !listener.running();
                              },
                              kWait) &&
                          at >= 0;
        if (!seen) return expect + "\n--- listener:\n" + listener.output() + (more ? "\n--- swaks:\n" + more() : QByteArray());
        from = at + expect.size();
        listener.process().write(reply);
    }
    return {};
}

/// A person at the terminal of `linewright-cli listen --starttls-after
/// ^STARTTLS` (CRLF, "220 lw ESMTP" on accept, replies from stdin, `extra`)
/// plays the SMTP server for swaks (`swaks`, its path; startSwaks). started:
/// both run.
class SwaksAgainstListener {
public:
    SwaksAgainstListener(const QString& swaks, const QStringList& extra)
        : listener(kCli, QStringList{"listen", "0", "--starttls-after", "^STARTTLS", "-t", "\\r\\n", "--send",
                                     "220 lw ESMTP\\r\\n", "--stdin"} +
                             extra) {
        const QString port = listeningPort(listener);
        started = !port.isEmpty() && startSwaks(client, swaks, port);
    }
    Peer listener;
    QProcess client;
    bool started = false;
};

/// The listener's replies up to the upgrade: EHLO, STARTTLS, EHLO again inside TLS.
const QList<QPair<QByteArray, QByteArray>> kUpgradeDialogue = {
    {"#2 < EHLO swaks.example", "250-lw\n250 STARTTLS\n"},
    {"#2 < STARTTLS", "220 2.0.0 go ahead\n"},
    {"#2 < EHLO swaks.example", "250 lw\n"},
};

/// aiosmtpd on 127.0.0.1:port, STARTTLS required with `cert` and `key`:
/// MAIL before STARTTLS is refused ("530 Must issue a STARTTLS command first").
class Aiosmtpd : public Peer {
public:
    Aiosmtpd(quint16 port, const QString& cert, const QString& key)
        : Peer(QStringLiteral("/usr/bin/python3"),
               {"-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + QString::number(port), "--tlscert", cert, "--tlskey", key}) {}
};

}  // namespace

class TestCliTls : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void usageErrors_data();
    void usageErrors();
    void keyLogFileRules();
    void keyLogEnvironmentIgnoredWithoutTls();
    void helpListsTlsOptionsPerCommand();
    void toolsRefuseStartTls_data();
    void toolsRefuseStartTls();
    // Against real peers on loopback.
    void opensslServer_data();
    void opensslServer();
    void verificationFailuresExitOne();
    void verificationFailureNamesTheCertificate();
    void keyLogForWireshark();
    void redisOverTls();
    void smtpStartTlsWithAiosmtpd();
    void startTlsRefused454();
    void curlAgainstListenTls();
    void swaksAgainstListenStartTls();
    void countSkipsStartTlsDialogueClient();
    void countSkipsStartTlsDialogueListener();
    void startTlsListenerTimesOutWithoutClientHello();
    void sendFileThenEndOfStdinOverTls();

private:
    /// Makes a CA, a server certificate for localhost/127.0.0.1 signed by it,
    /// and an unrelated CA, with the openssl command; false when it is missing.
    bool makeCertificates();
    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    QTemporaryDir m_dir;
    bool m_certs = false;
    QString m_pem;    ///< a readable, non-empty file
    QString m_empty;  ///< an empty file
};

void TestCliTls::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_pem = m_dir.filePath("some.pem");
    m_empty = m_dir.filePath("empty.pem");
    QVERIFY(writeFile(m_pem, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"));
    QVERIFY(writeFile(m_empty, {}));
}

void TestCliTls::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("line");  // the whole line after "linewright-cli: ", or a regex when it starts with ^
    auto row = [](const char* name, QStringList args, QString line) { QTest::newRow(name) << args << line; };

    // TLS options without TLS.
    row("cafile without tls", {"connect", "h", "1", "--cafile", "@PEM"},
        "--cafile configures TLS, but TLS is not on: add --tls, --starttls PROTO or --starttls-after REGEX");
    row("insecure without tls", {"connect", "h", "1", "--insecure"},
        "--insecure configures TLS, but TLS is not on: add --tls, --starttls PROTO or --starttls-after REGEX");
    row("sni without tls", {"connect", "h", "1", "--sni", "example.com", "--alpn", "h2"},
        "--sni configures TLS, but TLS is not on: add --tls, --starttls PROTO or --starttls-after REGEX");
    row("keylog without tls", {"connect", "h", "1", "--keylog", "k.log"},
        "--keylog configures TLS, but TLS is not on: add --tls, --starttls PROTO or --starttls-after REGEX");
    row("tls-timeout without tls", {"connect", "h", "1", "--tls-timeout", "500"},
        "--tls-timeout configures TLS, but TLS is not on: add --tls, --starttls PROTO or --starttls-after REGEX");
    row("listen cert without tls", {"listen", "0", "--cert", "@PEM", "--key", "@PEM"},
        "--cert configures TLS, but TLS is not on: add --tls or --starttls-after REGEX");
    row("listen tls-min without tls", {"listen", "0", "--tls-min", "1.2"},
        "--tls-min configures TLS, but TLS is not on: add --tls or --starttls-after REGEX");

    // Two ways of starting TLS at once.
    row("tls and starttls", {"connect", "h", "1", "--tls", "--starttls", "smtp"},
        "--tls starts TLS with the first byte, --starttls upgrades a plaintext connection later: give one of them");
    row("tls and starttls-after", {"listen", "0", "--starttls-after", "^STARTTLS", "--tls"},
        "--tls starts TLS with the first byte, --starttls-after upgrades a plaintext connection later: give one of "
        "them");
    row("starttls and starttls-after", {"connect", "h", "1", "--starttls", "imap", "--starttls-after", "OK"},
        "--starttls runs the protocol's own dialogue, --starttls-after waits for a message: give one of them");

    // Certificate and key.
    row("key without cert", {"connect", "h", "1", "--tls", "--key", "@PEM"},
        "--key is the private key of a certificate: add --cert FILE");
    row("cert without key", {"listen", "0", "--tls", "--cert", "@PEM"}, "--cert needs its private key: add --key FILE");
    row("missing cafile", {"connect", "h", "1", "--tls", "--cafile", "/no/such/ca.pem"},
        "--cafile: cannot read '/no/such/ca.pem': No such file or directory");
    row("missing cert", {"listen", "0", "--tls", "--cert", "/no/such/cert.pem", "--key", "@PEM"},
        "--cert: cannot read '/no/such/cert.pem': No such file or directory");
    row("missing key", {"listen", "0", "--tls", "--cert", "@PEM", "--key", "/no/such/key.pem"},
        "--key: cannot read '/no/such/key.pem': No such file or directory");
    row("directory as cafile", {"connect", "h", "1", "--tls", "--cafile", "/"}, "--cafile: cannot read '/': it is a directory");
    row("empty key", {"connect", "h", "1", "--tls", "--cert", "@PEM", "--key", "@EMPTY"}, "^--key: '.*empty\\.pem' is empty$");

    // STARTTLS.
    row("unknown starttls", {"connect", "h", "1", "--starttls", "http"},
        "--starttls: unknown protocol 'http'; expected smtp, imap, pop3 or ftp");
    row("bad pattern", {"connect", "h", "1", "--starttls-after", "220 (ready"},
        "--starttls-after: '220 (ready' is not a valid regular expression: missing ): 220 (ready");
    row("lookahead pattern", {"listen", "0", "--starttls-after", "(?=STARTTLS)"},
        "^--starttls-after: '\\(\\?=STARTTLS\\)' is not a valid regular expression: .+");
    row("empty pattern", {"listen", "0", "--starttls-after", ""}, "--starttls-after: the regular expression is empty");

    // Versions, ALPN, SNI, timeout.
    row("tls-min 1.4", {"connect", "h", "1", "--tls", "--tls-min", "1.4"},
        "--tls-min: expected a TLS version: 1.0, 1.1, 1.2 or 1.3, got '1.4'");
    row("tls-max any", {"connect", "h", "1", "--tls", "--tls-max", "any"},
        "--tls-max: expected a TLS version: 1.0, 1.1, 1.2 or 1.3, got 'any'");
    row("min above max", {"connect", "h", "1", "--tls", "--tls-min", "1.3", "--tls-max", "TLSv1.2"},
        "--tls-min 1.3 is above --tls-max 1.2");
    row("alpn empty item", {"connect", "h", "1", "--tls", "--alpn", "h2,,http/1.1"},
        "--alpn: expected protocol names separated by commas (e.g. h2,http/1.1), got 'h2,,http/1.1'");
    row("alpn trailing comma", {"connect", "h", "1", "--tls", "--alpn", "h2,"},
        "--alpn: expected protocol names separated by commas (e.g. h2,http/1.1), got 'h2,'");
    row("alpn space", {"connect", "h", "1", "--tls", "--alpn", "h2, http/1.1"},
        "--alpn: expected protocol names separated by commas (e.g. h2,http/1.1), got 'h2, http/1.1'");
    row("alpn too long", {"connect", "h", "1", "--tls", "--alpn", QString(256, 'a')},
        "^--alpn: the protocol name 'a{16}…' is longer than 255 bytes$");
    row("sni with space", {"connect", "h", "1", "--tls", "--sni", "a b"},
        "--sni: expected a host name (e.g. mail.example.com), got 'a b'");
    row("sni empty", {"connect", "h", "1", "--tls", "--sni", ""},
        "--sni: expected a host name (e.g. mail.example.com), got ''");
    row("timeout 0", {"connect", "h", "1", "--tls", "--tls-timeout", "0"},
        "--tls-timeout: expected milliseconds from 1 to 3600000, got '0'");
    row("timeout text", {"listen", "0", "--tls", "--tls-timeout", "5s"},
        "--tls-timeout: expected milliseconds from 1 to 3600000, got '5s'");
    row("timeout too long", {"listen", "0", "--tls", "--tls-timeout", "3600001"},
        "--tls-timeout: expected milliseconds from 1 to 3600000, got '3600001'");

    // Options that only a client has.
    row("listen starttls", {"listen", "0", "--starttls", "smtp"},
        "option --starttls does not apply to listen (see linewright-cli listen --help)");
    row("listen insecure", {"listen", "0", "--tls", "--insecure"},
        "option --insecure does not apply to listen (see linewright-cli listen --help)");
    row("listen sni", {"listen", "0", "--tls", "--sni", "x"},
        "option --sni does not apply to listen (see linewright-cli listen --help)");
    row("mock starttls", {"mock", "f", "--listen", "0", "--starttls", "pop3"},
        "option --starttls does not apply to mock (see linewright-cli mock --help)");
    row("value missing", {"connect", "h", "1", "--tls", "--cafile"}, "option --cafile needs a value");
    row("tls takes no value", {"connect", "h", "1", "--tls=yes"}, "option --tls takes no value");
}

void TestCliTls::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, line);
    for (QString& a : args) {
        if (a == "@PEM") a = m_pem;
        if (a == "@EMPTY") a = m_empty;
    }
    const Run r = runCli(args);
    const QString l = lwtest::usageError(r);
    QVERIFY2(l.startsWith("linewright-cli: "), qPrintable(r.all()));
    const QString said = l.mid(16);
    if (line.startsWith('^'))
        QVERIFY2(QRegularExpression(line).match(said).hasMatch(), r.err.constData());
    else
        QCOMPARE(said, line);
}

void TestCliTls::keyLogFileRules() {
    const QString real = m_dir.filePath("keys.log");
    const QString link = m_dir.filePath("link.log");
    QVERIFY(writeFile(real, "CLIENT_RANDOM 00 11\n"));
    QVERIFY(QFile::link(real, link));
    const QString dangling = m_dir.filePath("dangling.log");
    QVERIFY(QFile::link(m_dir.filePath("nowhere.log"), dangling));

    struct Case {
        QStringList args;
        QStringList env;
        QString line;
    };
    const QList<Case> cases = {
        {{"connect", "h", "1", "--tls", "--keylog", link}, {}, "--keylog: '" + link + "' is a symbolic link; links are not followed (name the file itself)"},
        {{"listen", "0", "--tls", "--keylog", dangling}, {}, "--keylog: '" + dangling + "' is a symbolic link; links are not followed (name the file itself)"},
        {{"connect", "h", "1", "--tls", "--keylog", m_dir.path()}, {}, "--keylog: cannot write '" + m_dir.path() + "': it is a directory"},
        {{"connect", "h", "1", "--tls", "--keylog", "/no/such/dir/k.log"}, {}, "--keylog: cannot create '/no/such/dir/k.log': there is no directory '/no/such/dir'"},
        {{"connect", "h", "1", "--starttls", "smtp"}, {"SSLKEYLOGFILE=" + link}, "SSLKEYLOGFILE: '" + link + "' is a symbolic link; links are not followed (name the file itself)"},
        {{"listen", "0", "--starttls-after", "x"}, {"SSLKEYLOGFILE=/no/such/dir/k.log"}, "SSLKEYLOGFILE: cannot create '/no/such/dir/k.log': there is no directory '/no/such/dir'"},
    };
    for (const Case& c : cases) {
        const Run r = runCli(c.args, c.env);
        QCOMPARE(r.status, 2);
        QVERIFY2(lines(r.err) == QStringList{"linewright-cli: " + c.line}, r.err.constData());
    }
    // Nothing was created through the links, and the real file is as it was.
    QVERIFY(!QFile::exists(m_dir.filePath("nowhere.log")));
    QFile f(real);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("CLIENT_RANDOM 00 11\n"));
}

void TestCliTls::keyLogEnvironmentIgnoredWithoutTls() {
    // SSLKEYLOGFILE pointing at a link is refused only when TLS is used:
    // a plaintext run does not look at it.
    const QString link = m_dir.filePath("env-link.log");
    QVERIFY(QFile::link(m_dir.filePath("env-target.log"), link));
    const Run r = runCli({"listen", "0", "--timeout", "0.1", "--quiet"}, {"SSLKEYLOGFILE=" + link});
    QCOMPARE(r.status, 0);
    QVERIFY2(!r.err.contains("SSLKEYLOGFILE") && !r.err.contains("key log"), r.err.constData());
    QVERIFY(!QFile::exists(m_dir.filePath("env-target.log")));
}

void TestCliTls::helpListsTlsOptionsPerCommand() {
    const QStringList client = {"--tls", "--starttls PROTO", "--starttls-after REGEX", "--insecure", "--cafile FILE",
                                "--cert FILE", "--key FILE", "--alpn LIST", "--sni NAME", "--tls-min V",
                                "--tls-max V", "--keylog FILE", "--tls-timeout MS"};
    const QStringList clientOnly = {"--starttls PROTO", "--insecure", "--sni NAME"};
    for (const QStringList& cmd : {QStringList{"--help"}, QStringList{"connect", "--help"}, QStringList{"replay", "--help"},
                                   QStringList{"listen", "--help"}, QStringList{"mock", "--help"}}) {
        const Run r = runCli(cmd);
        QCOMPARE(r.status, 0);
        const QString help = QString::fromUtf8(r.out);
        QVERIFY2(help.contains("\nTLS:\n"), r.out.constData());
        const bool server = cmd.first() == "listen" || cmd.first() == "mock";
        for (const QString& o : client) {
            const bool expected = !(server && clientOnly.contains(o));
            const QRegularExpression line("^      " + QRegularExpression::escape(o) + "( |$)",
                                          QRegularExpression::MultilineOption);
            QVERIFY2(line.match(help).hasMatch() == expected, qPrintable(cmd.join(' ') + ": " + o));
        }
    }
}

// mock and replay run TLS from the first byte and STARTTLS
// (tst_CliReplayTls), one at a time; a bad pattern is refused as it is read.
void TestCliTls::toolsRefuseStartTls_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("line");
    QTest::newRow("mock --tls --starttls-after")
        << QStringList{"mock", "@FILE", "--listen", "0", "--tls", "--starttls-after", "^STARTTLS"}
        << "--tls starts TLS with the first byte, --starttls-after upgrades a plaintext connection later: give one of "
           "them";
    QTest::newRow("mock --starttls-after (")
        << QStringList{"mock", "@FILE", "--listen", "0", "--starttls-after", "("}
        << "--starttls-after: '(' is not a valid regular expression: missing ): (";
    // The other checks come first.
    QTest::newRow("mock --key alone") << QStringList{"mock", "@FILE", "--listen", "0", "--tls", "--key", "@FILE"}
                                      << "--key is the private key of a certificate: add --cert FILE";
}

void TestCliTls::toolsRefuseStartTls() {
    QFETCH(QStringList, args);
    QFETCH(QString, line);
    for (QString& a : args)
        if (a == "@FILE") a = m_pem;
    const Run r = runCli(args);
    QCOMPARE(r.status, 2);
    QVERIFY2(lines(r.err) == QStringList{"linewright-cli: " + line}, r.err.constData());
}

bool TestCliTls::makeCertificates() {
    if (m_certs) return true;
    const QString openssl = tool("openssl");
    if (openssl.isEmpty()) return false;
    const QString failed = lwtest::makeTestPki(openssl, m_dir.path(), false, kWait);
    if (!failed.isEmpty()) {
        qWarning("%s", qPrintable(failed));
        return false;
    }
    m_certs = true;
    return true;
}

void TestCliTls::opensslServer_data() {
    QTest::addColumn<QString>("version");
    QTest::newRow("TLS 1.2") << "-tls1_2";
    QTest::newRow("TLS 1.3") << "-tls1_3";
}

void TestCliTls::opensslServer() {
    QFETCH(QString, version);
    if (!makeCertificates()) QSKIP("openssl (Debian package openssl) is needed");
    const quint16 port = freePort();
    // -rev: every line comes back reversed, over TLS of that version only.
    Peer server(tool("openssl"), {"s_server", "-accept", "127.0.0.1:" + QString::number(port), "-cert", path("server.pem"),
                                  "-key", path("server.key"), version, "-rev", "-quiet"});
    QVERIFY2(waitForPort(port), server.output().constData());
    const Run r = runCli({"connect", "localhost", QString::number(port), "--tls", "--cafile", path("ca.pem"), "--send",
                          "hello\\n", "--count", "1", "--json"});
    QVERIFY2(r.status == 0, r.err.constData());
    QVERIFY2(r.out.contains("\"event\":\"tls_handshake\""), r.out.constData());
    const QByteArray expected = version == "-tls1_3" ? "\"version\":\"TLSv1.3\"" : "\"version\":\"TLSv1.2\"";
    QVERIFY2(r.out.contains(expected) && r.out.contains("\"verified\":true"), r.out.constData());
    QVERIFY2(r.out.contains("\"text\":\"olleh\""), r.out.constData());
    QVERIFY2(r.err.isEmpty(), r.err.constData());

    // The version bounds reach the handshake: a 1.2-only client cannot talk
    // to a 1.3-only server, and the reverse.
    const QStringList bound = version == "-tls1_3" ? QStringList{"--tls-max", "1.2"} : QStringList{"--tls-min", "1.3"};
    const Run v = runCli(QStringList{"connect", "localhost", QString::number(port), "--tls", "--cafile", path("ca.pem"),
                                     "--send", "x\\n", "--count", "1", "--quiet"} + bound);
    QCOMPARE(v.status, 1);
    QVERIFY2(lines(v.err).size() == 1 && v.err.startsWith("linewright-cli: TLS handshake failed: "), v.err.constData());
}

void TestCliTls::verificationFailuresExitOne() {
    if (!makeCertificates()) QSKIP("openssl (Debian package openssl) is needed");
    const quint16 port = freePort();
    Peer server(tool("openssl"), {"s_server", "-accept", "127.0.0.1:" + QString::number(port), "-cert", path("server.pem"),
                                  "-key", path("server.key"), "-rev", "-quiet"});
    QVERIFY2(waitForPort(port), server.output().constData());
    const QString p = QString::number(port);
    struct Case {
        QStringList args;
        QString why;
    };
    const QList<Case> cases = {
        {{"localhost", p, "--tls", "--cafile", path("wrongca.pem")}, "unable to get local issuer certificate"},
        {{"localhost", p, "--tls"}, "unable to get local issuer certificate"},  // the system store does not know our CA
        {{"127.0.0.1", p, "--tls", "--cafile", path("ca.pem"), "--sni", "mail.example.com"}, "hostname mismatch"},
    };
    for (const Case& c : cases) {
        // Quiet or not, JSON or not: status 1, and the last line says why.
        for (const QString& mode : {QString("--quiet"), QString("--json"), QString()}) {
            QStringList args = QStringList{"connect"} + c.args + QStringList{"--send", "x\\n", "--count", "1"};
            if (!mode.isEmpty()) args << mode;
            const Run r = runCli(args);
            QCOMPARE(r.status, 1);
            const QStringList l = lines(r.err);
            QVERIFY2(!l.isEmpty(), r.err.constData());
            if (!mode.isEmpty()) QVERIFY2(l.size() == 1, r.err.constData());
            QVERIFY2(std::any_of(l.begin(), l.end(),
                                 [&](const QString& x) {
                                     return x.startsWith("linewright-cli: TLS handshake failed: certificate verify failed: " + c.why);
                                 }),
                     r.err.constData());
        }
    }
    // --insecure: the exchange goes on, with a warning saying what verification would have found.
    const Run r = runCli({"connect", "localhost", p, "--tls", "--insecure", "--cafile", path("wrongca.pem"), "--send",
                          "abc\\n", "--count", "1"});
    QVERIFY2(r.status == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("< cba\n"));
    QVERIFY2(r.err.contains("UNVERIFIED"), r.err.constData());
    QVERIFY2(r.err.contains("not verified") && r.err.contains("unable to get local issuer certificate"), r.err.constData());
}

void TestCliTls::verificationFailureNamesTheCertificate() {
    // Certificates made by the openssl command: an expired server
    // certificate, a server certificate signed by an expired CA, a
    // certificate for another host, a self-signed one. The one line on
    // stderr says why and names the certificate that failed: its subject,
    // its issuer and its depth in the chain (0 the server's own, 1 its CA).
    if (!makeCertificates()) QSKIP("openssl (Debian package openssl) is needed");
    const QString openssl = tool("openssl");
    const QStringList ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"};
    QVERIFY(writeFile(path("ca.cnf"), "[ca]\ndefault_ca = lw\n[lw]\ndatabase = index.txt\nnew_certs_dir = .\n"
                                      "serial = serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
                                      "[any]\ncommonName = supplied\norganizationName = optional\n"));
    QVERIFY(writeFile(path("index.txt"), {}));
    QVERIFY(writeFile(path("serial"), "1000\n"));
    QVERIFY(writeFile(path("caext.cnf"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"));
    QVERIFY(writeFile(path("other.cnf"), "subjectAltName=DNS:other.example\n"));
    const QStringList past = {"-startdate", "20200101000000Z", "-enddate", "20200201000000Z"};
    const QList<QStringList> steps = {
        // The server's own certificate (localhost), expired; signed by the good CA.
        QStringList{"ca", "-batch", "-config", path("ca.cnf"), "-cert", path("ca.pem"), "-keyfile", path("ca.key"), "-in",
                    path("server.csr"), "-out", path("expired.pem"), "-notext", "-extfile", path("ext.cnf")} + past,
        // A CA that expired, and a valid server certificate it signed.
        QStringList{"req"} + ec + QStringList{"-keyout", path("oldca.key"), "-out", path("oldca.csr"), "-subj", "/CN=Expired Test CA"},
        QStringList{"ca", "-batch", "-config", path("ca.cnf"), "-selfsign", "-keyfile", path("oldca.key"), "-in",
                    path("oldca.csr"), "-out", path("oldca.pem"), "-notext", "-extfile", path("caext.cnf")} + past,
        QStringList{"x509", "-req", "-in", path("server.csr"), "-CA", path("oldca.pem"), "-CAkey", path("oldca.key"),
                    "-CAcreateserial", "-out", path("byoldca.pem"), "-days", "2", "-extfile", path("ext.cnf")},
        // Valid, signed by the good CA, for another host.
        QStringList{"x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                    "-CAcreateserial", "-out", path("other.pem"), "-days", "2", "-extfile", path("other.cnf")},
        // Self-signed, for localhost.
        QStringList{"req", "-x509"} + ec + QStringList{"-keyout", path("self.key"), "-out", path("self.pem"), "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"},
    };
    for (const QStringList& args : steps) {
        QProcess p;
        p.setWorkingDirectory(m_dir.path());
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(openssl, args);
        QVERIFY2(p.waitForFinished(kWait) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 qPrintable("openssl " + args.join(' ') + ": " + QString::fromUtf8(p.readAll())));
    }
    const QString server = "subject O=Linewright Test,CN=localhost, ";
    struct Case {
        const char* cert;
        const char* key;
        const char* cafile;
        QString line;
    };
    const QList<Case> cases = {
        {"expired.pem", "server.key", "ca.pem",
         "certificate has expired (" + server + "issuer CN=Linewright Test CA, depth 0)"},
        {"byoldca.pem", "server.key", "oldca.pem", "certificate has expired (subject CN=Expired Test CA, issuer CN=Expired Test CA, depth 1)"},
        {"other.pem", "server.key", "ca.pem",
         "hostname mismatch (certificate is for DNS:other.example) (" + server + "issuer CN=Linewright Test CA, depth 0)"},
        {"self.pem", "self.key", "ca.pem", "self-signed certificate (subject CN=localhost, issuer CN=localhost, depth 0)"},
    };
    for (const Case& c : cases) {
        const quint16 port = freePort();
        Peer peer(openssl, {"s_server", "-accept", "127.0.0.1:" + QString::number(port), "-cert", path(c.cert), "-key",
                            path(c.key), "-rev", "-quiet"});
        QVERIFY2(waitForPort(port), peer.output().constData());
        for (const QString& mode : {QString("--quiet"), QString("--json")}) {
            const Run r = runCli({"connect", "localhost", QString::number(port), "--tls", "--cafile", path(c.cafile),
                                  "--send", "x\\n", "--count", "1", mode});
            QCOMPARE(r.status, 1);
            QCOMPARE(lines(r.err),
                     QStringList{"linewright-cli: TLS handshake failed: certificate verify failed: " + c.line});
        }
    }
}

void TestCliTls::keyLogForWireshark() {
    if (!makeCertificates()) QSKIP("openssl (Debian package openssl) is needed");
    const quint16 port = freePort();
    Peer server(tool("openssl"), {"s_server", "-accept", "127.0.0.1:" + QString::number(port), "-cert", path("server.pem"),
                                  "-key", path("server.key"), "-tls1_3", "-rev", "-quiet"});
    QVERIFY2(waitForPort(port), server.output().constData());
    const QString log = path("wireshark.keys");
    const QStringList args = {"connect", "localhost", QString::number(port), "--tls", "--cafile", path("ca.pem"),
                              "--send", "x\\n", "--count", "1"};
    const Run first = runCli(args + QStringList{"--keylog", log});
    QVERIFY2(first.status == 0, first.err.constData());
    QVERIFY2(first.err.contains("TLS key log: appending session secrets to " + log.toUtf8()), first.err.constData());
    QFile f(log);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray one = f.readAll();
    f.close();
    QVERIFY2(one.contains("CLIENT_HANDSHAKE_TRAFFIC_SECRET ") && one.contains("CLIENT_TRAFFIC_SECRET_0 "), one.constData());
    QCOMPARE(f.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup |
                                QFileDevice::WriteOther),
             QFileDevice::Permissions());
    // A second run through SSLKEYLOGFILE appends: both sessions are in the file.
    const Run second = runCli(args, {"SSLKEYLOGFILE=" + log});
    QVERIFY2(second.status == 0, second.err.constData());
    QVERIFY2(second.err.contains("(from SSLKEYLOGFILE)"), second.err.constData());
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray both = f.readAll();
    QVERIFY(both.startsWith(one));
    QCOMPARE(both.count("CLIENT_TRAFFIC_SECRET_0 "), 2);
}

void TestCliTls::redisOverTls() {
    if (!makeCertificates()) QSKIP("openssl (Debian package openssl) is needed");
    const QString redis = tool("redis-server");
    if (redis.isEmpty()) QSKIP("redis-server (Debian package redis-server) is needed");
    const quint16 port = freePort();
    Peer server(redis, {"--port", "0", "--tls-port", QString::number(port), "--tls-cert-file", path("server.pem"),
                        "--tls-key-file", path("server.key"), "--tls-ca-cert-file", path("ca.pem"), "--tls-auth-clients",
                        "no", "--save", "", "--appendonly", "no", "--dir", m_dir.path()});
    QVERIFY2(waitForPort(port), server.output().constData());
    const QString p = QString::number(port);
    const Run ok = runCli({"connect", "localhost", p, "--tls", "--cafile", path("ca.pem"), "-t", "\\r\\n", "--send",
                           "PING\\r\\nSET lw:key hello\\r\\nGET lw:key\\r\\n", "--count", "4"});
    QVERIFY2(ok.status == 0, ok.err.constData());
    QCOMPARE(ok.out, QByteArray("< +PONG\n< +OK\n< $5\n< hello\n"));
    const Run wrong = runCli({"connect", "localhost", p, "--tls", "--cafile", path("wrongca.pem"), "-t", "\\r\\n",
                              "--send", "PING\\r\\n", "--count", "1", "--quiet"});
    QCOMPARE(wrong.status, 1);
    QVERIFY2(lines(wrong.err).size() == 1 &&
                 wrong.err.startsWith("linewright-cli: TLS handshake failed: certificate verify failed: "),
             wrong.err.constData());
    QVERIFY(wrong.out.isEmpty());
}

void TestCliTls::smtpStartTlsWithAiosmtpd() {
    if (!makeCertificates()) QSKIP("openssl (Debian package openssl) is needed");
    REQUIRE_AIOSMTPD(kWait);
    const quint16 port = freePort();
    Aiosmtpd server(port, path("server.pem"), path("server.key"));
    QVERIFY2(waitForPort(port), server.output().constData());

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("SSLKEYLOGFILE");
    // Typed as a person would, after the upgrade; stdin stays open until the
    // server's goodbye (an asyncio TLS server takes close_notify for the end).
    const Run r = lwtest::typeUntil(kCli,
                                    {"connect", "localhost", QString::number(port), "--starttls", "smtp", "--cafile",
                                     path("ca.pem"), "-t", "\\r\\n", "--json"},
                                    "EHLO client.example\nMAIL FROM:<a@example.com>\nRCPT TO:<b@example.com>\nDATA\n"
                                    "Subject: over STARTTLS\n\nlinewright body line\n.\nQUIT\n",
                                    "\"text\":\"221 Bye\"", kWait, &env);
    QVERIFY2(r.status == 0, qPrintable(r.all()));
    const QByteArray& out = r.out;
    // The dialogue in plaintext, then the handshake, then the mail inside TLS.
    const qsizetype starttls = out.indexOf("\"event\":\"starttls\"");
    const qsizetype handshake = out.indexOf("\"event\":\"tls_handshake\"");
    const qsizetype mail = out.indexOf("\"text\":\"MAIL FROM:<a@example.com>\\\\r\\\\n\"");
    QVERIFY2(out.contains("\"text\":\"220 Ready to start TLS\""), out.constData());
    QVERIFY2(starttls > 0 && handshake > starttls && mail > handshake, out.constData());
    QVERIFY2(out.contains("\"text\":\"354 End data with <CR><LF>.<CR><LF>\""), out.constData());
    QVERIFY2(QTest::qWaitFor([&] { return server.output().contains("linewright body line"); }, kWait),
             server.output().constData());
}

void TestCliTls::startTlsRefused454() {
    // An SMTP server that offers STARTTLS and then refuses it.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    std::unique_ptr<QTcpSocket> peer;
    QByteArray got;  // not yet answered
    QByteArray all;  // everything the client sent
    connect(&server, &QTcpServer::newConnection, this, [&] {
        peer.reset(server.nextPendingConnection());
        peer->write("220 refuser ESMTP\r\n");
        connect(peer.get(), &QTcpSocket::readyRead, this, [&] {
            const QByteArray bytes = peer->readAll();
            got += bytes;
            all += bytes;
            while (got.contains("\r\n")) {
                const QByteArray line = got.left(got.indexOf("\r\n"));
                got.remove(0, line.size() + 2);
                if (line.startsWith("EHLO")) peer->write("250-refuser\r\n250 STARTTLS\r\n");
                if (line == "STARTTLS") peer->write("454 4.7.0 TLS not available due to temporary reason\r\n");
            }
        });
    });
    for (const QString& mode : {QString("--quiet"), QString()}) {
        QProcess cli;
        QStringList args{"connect", "127.0.0.1", QString::number(server.serverPort()), "--starttls", "smtp",
                         "--send", "MAIL FROM:<a@example.com>\\r\\n", "-t", "\\r\\n"};
        if (!mode.isEmpty()) args << mode;
        cli.start(kCli, args);
        QVERIFY(cli.waitForStarted(kWait));
        QVERIFY(QTest::qWaitFor([&] { return cli.state() == QProcess::NotRunning; }, kWait));
        const QByteArray err = cli.readAllStandardError();
        QCOMPARE(cli.exitCode(), 1);
        QVERIFY2(err.contains("454 4.7.0 TLS not available"), err.constData());
        if (!mode.isEmpty()) QVERIFY2(lines(err).size() == 1, err.constData());
        // Nothing of the user's went out in plaintext.
        QVERIFY2(all.contains("STARTTLS\r\n") && !all.contains("MAIL FROM"), all.constData());
        peer.reset();
        got.clear();
        all.clear();
    }
}

void TestCliTls::curlAgainstListenTls() {
    if (!makeCertificates()) QSKIP("openssl (Debian package openssl) is needed");
    const QString curl = tool("curl");
    if (curl.isEmpty()) QSKIP("curl (Debian package curl) is needed");
    Peer listener(kCli, {"listen", "0", "--tls", "--cert", path("server.pem"), "--key", path("server.key"), "-t", "\\r\\n",
                         "--send", "HTTP/1.1 200 OK\\r\\nContent-Length: 15\\r\\nConnection: close\\r\\n\\r\\nhello over tls\\n",
                         "--count", "5"});
    const QString port = listeningPort(listener);
    QVERIFY2(!port.isEmpty(), listener.output().constData());
    QProcess c;
    c.start(curl, {"-sS", "--cacert", path("ca.pem"), "https://localhost:" + port + "/canned"});
    QVERIFY(c.waitForFinished(kWait));
    QVERIFY2(c.exitCode() == 0, c.readAllStandardError().constData());
    QCOMPARE(c.readAllStandardOutput(), QByteArray("hello over tls\n"));
    QVERIFY(QTest::qWaitFor([&] { return !listener.running(); }, kWait));
    QVERIFY2(listener.output().contains("#2 < GET /canned HTTP/1.1"), listener.output().constData());
    QCOMPARE(listener.process().exitCode(), 0);

    // The same listener without --cert: a generated certificate, which curl
    // refuses until told not to verify; its fingerprint is printed.
    Peer selfSigned(kCli, {"listen", "0", "--tls", "--send", "HTTP/1.1 204 No Content\\r\\nConnection: close\\r\\n\\r\\n"});
    QVERIFY(QTest::qWaitFor([&] { return selfSigned.output().contains("fingerprint"); }, kWait));
    const QString text = QString::fromUtf8(selfSigned.output());
    const auto fp = QRegularExpression(R"(SHA-256 fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})\n)").match(text);
    QVERIFY2(fp.hasMatch(), qPrintable(text));
    const auto selfSignedPort = QRegularExpression(R"(listening on 127\.0\.0\.1:(\d+))").match(text).captured(1);
    QProcess refused;
    refused.start(curl, {"-sS", "https://127.0.0.1:" + selfSignedPort + "/"});
    QVERIFY(refused.waitForFinished(kWait));
    QCOMPARE(refused.exitCode(), 60);  // CURLE_PEER_FAILED_VERIFICATION
    QProcess insecure;
    insecure.start(curl, {"-sS", "-k", "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:" + selfSignedPort + "/"});
    QVERIFY(insecure.waitForFinished(kWait));
    QCOMPARE(insecure.readAllStandardOutput(), QByteArray("204"));
}

void TestCliTls::swaksAgainstListenStartTls() {
    const QString swaks = tool("swaks");
    if (swaks.isEmpty()) QSKIP("swaks (Debian package swaks) is needed");
    // A person at the listener's terminal plays the SMTP server: the greeting
    // on accept, then each reply typed on stdin. The upgrade happens after
    // the client's STARTTLS line matched and the next reply (220) went out.
    SwaksAgainstListener smtp(swaks, {});
    QVERIFY2(smtp.started, smtp.listener.output().constData());
    // What to answer to each command the listener prints.
    const QList<QPair<QByteArray, QByteArray>> script = kUpgradeDialogue + QList<QPair<QByteArray, QByteArray>>{
        {"#2 < MAIL FROM:<a@example.com>", "250 ok\n"},
        {"#2 < RCPT TO:<b@example.com>", "250 ok\n"},
        {"#2 < DATA", "354 go on\n"},
        {"#2 < .", "250 queued\n"},
        {"#2 < QUIT", "221 bye\n"},
    };
    QByteArray said;  // what swaks said
    const QByteArray missing = answerLines(smtp.listener, script, [&] { return said += smtp.client.readAll(); });
    QVERIFY2(missing.isEmpty(), missing.constData());
    QVERIFY(QTest::qWaitFor([&] { return smtp.client.state() == QProcess::NotRunning; }, kWait));
    said += smtp.client.readAll();
    QVERIFY2(smtp.client.exitCode() == 0, said.constData());
    QVERIFY2(said.contains("TLS started"), said.constData());
    QVERIFY2(said.contains("sent through linewright"), said.constData());
    QVERIFY2(smtp.listener.output().contains("#2 < sent through linewright"), smtp.listener.output().constData());
}

void TestCliTls::countSkipsStartTlsDialogueClient() {
    // --count counts the session's messages, not the STARTTLS dialogue's
    // lines (the 220 greeting, the EHLO replies, "220 Ready to start TLS"):
    // with --count 1 the run ends at the first line after the upgrade.
    if (!makeCertificates()) QSKIP("openssl (Debian package openssl) is needed");
    REQUIRE_AIOSMTPD(kWait);
    const quint16 port = freePort();
    Aiosmtpd server(port, path("server.pem"), path("server.key"));
    QVERIFY2(waitForPort(port), server.output().constData());
    const Run r = runCli({"connect", "localhost", QString::number(port), "--starttls", "smtp", "--cafile", path("ca.pem"),
                          "-t", "\\r\\n", "--send", "NOOP\\r\\n", "--count", "1", "--json", "--stats"});
    QVERIFY2(r.status == 0, r.err.constData());
    // The dialogue's lines were delivered (and are in the output) …
    QVERIFY2(r.out.contains("\"text\":\"220 Ready to start TLS\""), r.out.constData());
    // … and the one counted message is the answer to NOOP, inside TLS.
    const qsizetype handshake = r.out.indexOf("\"event\":\"tls_handshake\"");
    const qsizetype noop = r.out.indexOf("\"text\":\"250 OK\"");
    QVERIFY2(handshake > 0 && noop > handshake, r.out.constData());
    QVERIFY2(r.out.contains("\"event\":\"limit_reached\""), r.out.constData());
    QVERIFY2(r.err.contains("messages: 1 in"), r.err.constData());
}

void TestCliTls::countSkipsStartTlsDialogueListener() {
    const QString swaks = tool("swaks");
    if (swaks.isEmpty()) QSKIP("swaks (Debian package swaks) is needed");
    // The listener's side: EHLO and STARTTLS before the upgrade are the
    // dialogue; --count 2 ends the run at the second command inside TLS
    // (MAIL FROM), not at STARTTLS.
    SwaksAgainstListener smtp(swaks, {"--count", "2", "--stats"});
    QVERIFY2(smtp.started, smtp.listener.output().constData());
    const QByteArray missing = answerLines(smtp.listener, kUpgradeDialogue);
    QVERIFY2(missing.isEmpty(), missing.constData());
    // MAIL FROM is the second message: the listener stops by itself.
    QVERIFY2(QTest::qWaitFor([&] { return !smtp.listener.running(); }, kWait), smtp.listener.output().constData());
    QCOMPARE(smtp.listener.process().exitStatus(), QProcess::NormalExit);
    QVERIFY2(smtp.listener.process().exitCode() == 0, smtp.listener.output().constData());
    const QByteArray out = smtp.listener.output();
    QVERIFY2(out.contains("#2 < MAIL FROM:<a@example.com>") && !out.contains("RCPT TO"), out.constData());
    QVERIFY2(out.contains("messages: 2 in"), out.constData());
    QVERIFY(smtp.client.state() == QProcess::NotRunning || smtp.client.waitForFinished(kWait));
}

void TestCliTls::startTlsListenerTimesOutWithoutClientHello() {
    // After the match the listener sends its go-ahead (here the --echo of
    // the STARTTLS line) and waits for the client's ClientHello. A client
    // that never sends it is dropped after --tls-timeout, with one line
    // saying so; the listener goes on serving.
    Peer listener(kCli, {"listen", "0", "--starttls-after", "^STARTTLS", "-t", "\\r\\n", "--echo", "--tls-timeout",
                         "300"});
    const QString port = listeningPort(listener);
    QVERIFY2(!port.isEmpty(), listener.output().constData());
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port.toUShort());
    QVERIFY(s.waitForConnected(kWait));
    s.write("STARTTLS\r\n");
    QByteArray got;
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     got += s.readAll();
                     return got.contains("STARTTLS\r\n");
                 },
                 kWait),
             got.constData());
    // Silence: no ClientHello. The listener closes the connection …
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     got += s.readAll();
                     return s.state() == QAbstractSocket::UnconnectedState;
                 },
                 kWait),
             listener.output().constData());
    // … and says why, naming the timeout.
    QVERIFY2(QTest::qWaitFor([&] { return listener.output().contains("TLS handshake timed out after 300 ms"); }, kWait),
             listener.output().constData());
    QVERIFY2(listener.output().contains("the peer never started it"), listener.output().constData());
    QVERIFY(listener.running());
}

// `connect --tls --send-file FILE --stdin </dev/null`: the whole file goes
// out through TLS, and only then does the end of stdin half-close (the way
// tests/bench/tls_bench.sh feeds its bulk sender). 9 MiB take ~150 chunks
// and loop passes, so a half-close that did not wait for the producer would
// cut the file short. The peer is socat, writing what it decrypts to a file
// and closing at end-of-file (`fork`: the port probe gets a child of its own).
void TestCliTls::sendFileThenEndOfStdinOverTls() {
    if (!makeCertificates()) QSKIP("openssl (Debian package openssl) is needed");
    const QString socat = tool("socat");
    if (socat.isEmpty()) QSKIP("socat (Debian package socat) is needed");
    QByteArray data;
    data.reserve(9 << 20);
    for (int i = 0; i < (9 << 20) / 256; ++i)
        for (int b = 0; b < 256; ++b) data.append(static_cast<char>(b));
    data.append("\r\nlast line without a newline");
    const QString in = path("sendfile.in"), out = path("sendfile.out");
    QVERIFY(writeFile(in, data));
    const quint16 port = freePort();
    Peer server(socat, {"-u",
                        "OPENSSL-LISTEN:" + QString::number(port) + ",bind=127.0.0.1,reuseaddr,fork,cert=" + path("server.pem") +
                            ",key=" + path("server.key") + ",verify=0",
                        "CREATE:" + out});
    QVERIFY2(waitForPort(port), server.output().constData());
    const Run r = runCli({"connect", "localhost", QString::number(port), "--tls", "--cafile", path("ca.pem"),
                          "--terminator", "none", "--send-file", in, "--stdin"});
    QVERIFY2(r.status == 0, r.err.constData());
    // The client ends when socat closes, which it does at end-of-file: the
    // half-close came after the last byte.
    QVERIFY2(r.err.contains("sent end-of-file (half-closed)") && r.err.contains("connection closed by peer"),
             r.err.constData());
    QFile got(out);
    QVERIFY2(got.open(QIODevice::ReadOnly), qPrintable(out));
    const QByteArray received = got.readAll();
    QCOMPARE(received.size(), data.size());
    QVERIFY(received == data);
}

QTEST_GUILESS_MAIN(TestCliTls)
#include "tst_CliTls.moc"
