// tst_CliScriptTls.cpp — TLS in conversation scripts (`connect … tls`,
// `starttls`), run by `linewright-cli run` against real peers nobody here
// wrote, on loopback, with a certificate made by openssl in the test:
//   * `openssl s_server -tls1_3 -rev` (it sends each line back reversed):
//     verified against the test's CA file, refused without it (the system
//     store does not know the certificate) and with a wrong sni, passed
//     with `insecure` (and said so);
//   * Debian's aiosmtpd with --tlscert/--tlskey, which requires STARTTLS
//     before MAIL (checked first: a plaintext MAIL gets 530): a whole
//     transaction after `starttls smtp` (the built-in dialogue), and after
//     send "STARTTLS" / expect "220" / a plain `starttls` — that script also
//     exported to Python (pwntools and asyncio) and run by /usr/bin/python3;
//   * a peer that sends bytes after its STARTTLS go-ahead: the upgrade is
//     refused (they would pass as protected).
// Each peer missing is a QSKIP naming it. Random ports; every wait bounded.
#include "CliTestSupport.h"
#include "PeerTestSupport.h"

#include <QFile>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr int kWait = 60000;

using lwtest::Background;
using lwtest::Run;

Run runCli(const QStringList& args) { return lwtest::runProcess(kCli, args, {}, kWait, kWait); }
Run runPython(const QStringList& args) { return lwtest::runProcess(kDebianPython, args, {}, kWait, kWait); }

using lwtest::freePort;
bool waitForPort(quint16 port) { return lwtest::waitForPort(port, kWait); }

using lwtest::writeFile;

}  // namespace

class tst_CliScriptTls : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_cert;
    QString m_key;

    // A self-signed certificate for localhost and 127.0.0.1 (its own CA file).
    bool makeCertificate() {
        m_cert = m_dir.filePath("cert.pem");
        m_key = m_dir.filePath("key.pem");
        const Run r = lwtest::runProcess(
            QStringLiteral("openssl"),
            {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", m_key, "-out",
             m_cert, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"},
            {}, kWait, kWait);
        return r.status == 0 && QFile::exists(m_cert);
    }
    QByteArray q(const QString& path) const { return "\"" + path.toUtf8() + "\""; }

    struct SmtpTls {
        quint16 port = freePort();
        Background server;
        SmtpTls(const QString& cert, const QString& key)
            : server(kDebianPython,
                     {"-m", "aiosmtpd", "-n", "-l", QStringLiteral("127.0.0.1:%1").arg(port), "--tlscert", cert,
                      "--tlskey", key},
                     kWait) {}
        QString to() const { return QStringLiteral("127.0.0.1:%1").arg(port); }
    };

    QByteArray mailAfterUpgrade() const {
        return "send \"EHLO linewright.test\"\n"
               "expect regex \"^250 \" within 20\n"
               "send \"MAIL FROM:<alice@example.org>\"\n"
               "expect prefix \"250\"\n"
               "send \"RCPT TO:<bob@example.org>\"\n"
               "expect prefix \"250\"\n"
               "send \"DATA\"\n"
               "expect prefix \"354\"\n"
               "send \"Subject: over STARTTLS\"\n"
               "send \"\"\n"
               "send \"protected\"\n"
               "send \".\"\n"
               "expect prefix \"250\"\n"
               "send \"QUIT\"\n"
               "expect prefix \"221\"\n";
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        REQUIRE_PROGRAM("openssl");
        QVERIFY(makeCertificate());
    }

    void connectTlsToSServer() {
        const quint16 port = freePort();
        Background server(QStringLiteral("openssl"),
                          {"s_server", "-accept", QStringLiteral("127.0.0.1:%1").arg(port), "-cert", m_cert, "-key",
                           m_key, "-tls1_3", "-rev"},
                          kWait);
        QVERIFY(server.started());
        QVERIFY2(waitForPort(port), server.err().constData());  // (its "ACCEPT" is block-buffered in a pipe)
        const QByteArray to = "127.0.0.1:" + QByteArray::number(port);
        const QByteArray body = "terminator \"\\n\"\nsend \"hello over tls\"\nexpect \"slt revo olleh\"\nclose\n";

        // Verified against the CA file: passes, over TLS 1.3.
        const Run ok = runCli({"run", writeFile(m_dir, "ok.lws", "connect " + to + " tls cafile " + q(m_cert) + "\n" + body)});
        QVERIFY2(ok.status == 0, qPrintable(ok.all()));
        QVERIFY2(ok.out.contains("over TLSv1.3 (TLS_"), qPrintable(ok.all()));
        QVERIFY2(ok.out.contains("slt revo olleh"), qPrintable(ok.all()));

        // The system store does not know the certificate: the connect step fails, saying why.
        const Run unknown = runCli({"run", writeFile(m_dir, "unknown.lws", "connect " + to + " tls\n" + body)});
        QCOMPARE(unknown.status, 1);
        QVERIFY2(unknown.all().contains("TLS handshake failed") && unknown.all().contains("certificate verify failed"),
                 qPrintable(unknown.all()));
        QVERIFY2(unknown.all().contains("(line 1) failed: connect"), qPrintable(unknown.all()));

        // A name the certificate is not for.
        const Run name = runCli({"run", writeFile(m_dir, "name.lws",
                                                  "connect " + to + " tls cafile " + q(m_cert) + " sni \"other.example\"\n" + body)});
        QCOMPARE(name.status, 1);
        QVERIFY2(name.all().contains("hostname mismatch"), qPrintable(name.all()));

        // insecure: passes and says it was not verified.
        const Run insecure = runCli({"run", writeFile(m_dir, "insecure.lws", "connect " + to + " tls insecure\n" + body)});
        QVERIFY2(insecure.status == 0, qPrintable(insecure.all()));
        QVERIFY2(insecure.out.contains("not verified (insecure)"), qPrintable(insecure.all()));
    }

    void smtpStartTlsBuiltIn() {
        if (!QFile::exists(kDebianPython)) QSKIP("/usr/bin/python3 (Debian's, with python3-aiosmtpd) is not installed");
        SmtpTls smtp(m_cert, m_key);
        QVERIFY(smtp.server.started());
        if (!waitForPort(smtp.port)) QSKIP("python3-aiosmtpd is not installed (/usr/bin/python3 -m aiosmtpd did not start)");
        // The server requires STARTTLS: a plaintext MAIL is refused.
        const Run plain = runCli({"run", writeFile(m_dir, "plain.lws",
                                                   "connect " + smtp.to().toUtf8() +
                                                       "\nexpect prefix \"220\"\nsend \"EHLO x\"\nexpect regex \"^250 \" within 20\n"
                                                       "send \"MAIL FROM:<a@b.c>\"\nexpect prefix \"250\"\n")});
        QCOMPARE(plain.status, 1);
        QVERIFY2(plain.all().contains("530"), qPrintable(plain.all()));

        const Run r = runCli({"run", writeFile(m_dir, "builtin.lws",
                                               "connect " + smtp.to().toUtf8() + "\nstarttls smtp cafile " + q(m_cert) +
                                                   "\n" + mailAfterUpgrade())});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(r.out.contains("upgraded to TLSv1.3"), qPrintable(r.all()));
        QVERIFY2(smtp.server.waitStdout("Subject: over STARTTLS"), smtp.server.out().constData());
    }

    void smtpStartTlsByHandAndExported() {
        if (!QFile::exists(kDebianPython)) QSKIP("/usr/bin/python3 (Debian's, with python3-aiosmtpd) is not installed");
        SmtpTls smtp(m_cert, m_key);
        QVERIFY(smtp.server.started());
        if (!waitForPort(smtp.port)) QSKIP("python3-aiosmtpd is not installed (/usr/bin/python3 -m aiosmtpd did not start)");
        const QString script = writeFile(m_dir, "byhand.lws",
                                         "connect " + smtp.to().toUtf8() +
                                             "\ntimeout 10\nexpect prefix \"220\"\nsend \"EHLO linewright.test\"\n"
                                             "expect regex \"^250-STARTTLS|^250 STARTTLS\" within 20\n"
                                             "expect regex \"^250 \" within 20\n"
                                             "send \"STARTTLS\"\nexpect prefix \"220\"\nstarttls cafile " +
                                             q(m_cert) + "\n" + mailAfterUpgrade());
        const Run r = runCli({"run", script});
        QVERIFY2(r.status == 0, qPrintable(r.all()));
        QVERIFY2(smtp.server.waitStdout("Subject: over STARTTLS"), smtp.server.out().constData());

        const bool pwn = lwtest::runProcess(kDebianPython, {"-c", "import pwn"}, {}, kWait, kWait).status == 0;
        for (const QString& flavor : {QStringLiteral("asyncio"), QStringLiteral("pwntools")}) {
            if (flavor == "pwntools" && !pwn) {
                qWarning("python3-pwntools is not installed: the pwntools export is not run");
                continue;
            }
            const QString py = m_dir.filePath("byhand-" + flavor + ".py");
            const Run e = runCli({"script", script, "--python", flavor, "-o", py});
            QVERIFY2(e.status == 0, qPrintable(e.all()));
            const Run p = runPython({py});
            QVERIFY2(p.status == 0, qPrintable(flavor + ": " + p.all()));
            QVERIFY2(p.out.contains("passed"), qPrintable(p.all()));
            // Without the CA file the program's handshake fails, naming the step's line.
            QFile f(py);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QByteArray text = f.readAll();
            f.close();
            QVERIFY(text.contains("tls_context(False, '" + m_cert.toUtf8() + "'"));
            text.replace("tls_context(False, '" + m_cert.toUtf8() + "'", "tls_context(False, None");
            const Run bad = runPython({writeFile(m_dir, "bad-" + flavor + ".py", text)});
            QCOMPARE(bad.status, 1);
            QVERIFY2(bad.err.contains("byhand.lws:9: TLS handshake failed") && bad.err.contains("CERTIFICATE_VERIFY_FAILED"),
                     qPrintable(flavor + ": " + bad.all()));
        }
    }

    void bytesBeforeTheHandshakeAreRefused() {
        if (!QFile::exists(kDebianPython)) QSKIP("/usr/bin/python3 is not installed");
        // A peer that answers STARTTLS with its go-ahead and, in the same
        // write, a reply the client never asked for (CVE-2011-0411's injection).
        const quint16 port = freePort();
        Background peer(kDebianPython,
                        {"-c", QStringLiteral("import socket\n"
                                              "s = socket.create_server(('127.0.0.1', %1))\n"
                                              "print('ready', flush=True)\n"
                                              "c, _ = s.accept()\n"
                                              "c.sendall(b'220 hi\\r\\n')\n"
                                              "f = c.makefile('rb')\n"
                                              "f.readline()\n"
                                              "c.sendall(b'220 go ahead\\r\\n250 injected\\r\\n')\n"
                                              "f.read()\n")
                                   .arg(port)},
                        kWait);
        QVERIFY(peer.started());
        QVERIFY(peer.waitStdout("ready"));
        const Run r = runCli({"run", writeFile(m_dir, "inject.lws",
                                               "connect 127.0.0.1:" + QByteArray::number(port) +
                                                   "\nexpect prefix \"220\"\nsend \"STARTTLS\"\nexpect prefix \"220\"\n"
                                                   "starttls insecure\n")});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.all().contains("(line 5) failed: starttls") && r.all().contains("were not read") &&
                     r.all().contains("250 injected"),
                 qPrintable(r.all()));
    }

    void badTlsOptionsNameTheLine() {
        const Run r = runCli({"run", writeFile(m_dir, "bad.lws", "connect 127.0.0.1:1 tls cafile \"/nonexistent/ca.pem\"\n")});
        QCOMPARE(r.status, 1);
        QVERIFY2(r.all().contains("(line 1) failed: connect") && r.all().contains("cannot load CA file '/nonexistent/ca.pem'"), qPrintable(r.all()));
        const Run s = runCli({"run", writeFile(m_dir, "bad2.lws", "connect 127.0.0.1:1\nstarttls smtps\n")});
        QCOMPARE(s.status, 2);
        QVERIFY2(s.all().contains("bad2.lws:2: starttls: unknown TLS option 'smtps'"), qPrintable(s.all()));
    }
};

QTEST_GUILESS_MAIN(tst_CliScriptTls)
#include "tst_CliScriptTls.moc"
