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
// is off); the help pages list the options per command.
// Every wait has a deadline; nothing sleeps.
#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kCli = QStringLiteral(LW_CLI_PATH);
constexpr int kWait = 15000;

QStringList lines(const QByteArray& text) {
    QStringList out = QString::fromUtf8(text).split('\n');
    if (!out.isEmpty() && out.last().isEmpty()) out.removeLast();
    return out;
}

struct Run {
    int status = -1;
    QByteArray out;
    QByteArray err;
};

/// Runs linewright-cli to its end; `env` entries ("NAME=value", "NAME=" to
/// remove) change its environment.
Run runCli(const QStringList& args, const QStringList& env = {}, const QByteArray& input = {}, int timeoutMs = kWait) {
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove(QStringLiteral("SSLKEYLOGFILE"));
    for (const QString& kv : env) {
        const auto eq = kv.indexOf('=');
        if (kv.mid(eq + 1).isEmpty())
            e.remove(kv.left(eq));
        else
            e.insert(kv.left(eq), kv.mid(eq + 1));
    }
    p.setProcessEnvironment(e);
    p.start(kCli, args);
    Run r;
    if (!p.waitForStarted(kWait)) return r;
    if (!input.isEmpty()) p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(kWait);
        r.err = "(killed: did not finish in time)\n" + p.readAllStandardError();
        return r;
    }
    r.status = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

bool writeFile(const QString& path, const QByteArray& data) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    return f.write(data) == data.size();
}

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
    void toolsRefuseTlsForNow_data();
    void toolsRefuseTlsForNow();

private:
    QTemporaryDir m_dir;
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
    QCOMPARE(r.status, 2);
    QVERIFY(r.out.isEmpty());
    const QStringList l = lines(r.err);
    QVERIFY2(l.size() == 1, r.err.constData());
    QVERIFY2(l.first().startsWith("linewright-cli: "), r.err.constData());
    const QString said = l.first().mid(16);
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

void TestCliTls::toolsRefuseTlsForNow_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("line");
    QTest::newRow("replay --tls") << QStringList{"replay", "@FILE", "--to", "127.0.0.1:7", "--tls"}
                                  << "replay --tls is not supported yet: the replayer and the mock server have no TLS "
                                     "channel yet (see docs/tls.md)";
    QTest::newRow("replay --starttls") << QStringList{"replay", "@FILE", "--to", "127.0.0.1:7", "--starttls", "smtp"}
                                       << "replay --starttls is not supported yet: the replayer and the mock server "
                                          "have no TLS channel yet (see docs/tls.md)";
    QTest::newRow("mock --starttls-after")
        << QStringList{"mock", "@FILE", "--listen", "0", "--starttls-after", "^STARTTLS"}
        << "mock --starttls-after is not supported yet: the replayer and the mock server have no TLS channel yet (see "
           "docs/tls.md)";
    // The other checks come first.
    QTest::newRow("mock --key alone") << QStringList{"mock", "@FILE", "--listen", "0", "--tls", "--key", "@FILE"}
                                      << "--key is the private key of a certificate: add --cert FILE";
}

void TestCliTls::toolsRefuseTlsForNow() {
    QFETCH(QStringList, args);
    QFETCH(QString, line);
    for (QString& a : args)
        if (a == "@FILE") a = m_pem;
    const Run r = runCli(args);
    QCOMPARE(r.status, 2);
    QVERIFY2(lines(r.err) == QStringList{"linewright-cli: " + line}, r.err.constData());
}

QTEST_GUILESS_MAIN(TestCliTls)
#include "tst_CliTls.moc"
