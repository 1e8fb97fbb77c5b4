// PeerTestSupport.h — what the end-to-end tests in tests/app (tst_Cli,
// tst_CliProxy, tst_CliTls, tst_CliReplay, tst_CliReplayTls) need around
// the programs they run: peer programs from PATH, loopback ports, files, a
// test PKI made with the openssl command, the CPython line server and a
// recording made with `linewright-cli connect --record`.
//
// tool(): a program from PATH, or "". REQUIRE_PROGRAM(name): the test
// function QSKIPs when the program is not on PATH. hasAiosmtpd(),
// REQUIRE_AIOSMTPD(waitMs): whether Debian's Python has aiosmtpd, and the
// QSKIP when it has not. freePort(), freeUdpPort(): a TCP or UDP port that
// was free a moment ago. waitForPort(): waits until something accepts on it.
// connectAndSend(): a client socket connected there, bytes sent.
// writeFile()/readFile(): a whole file (writeFile also by its name in a
// folder). makeTestPki(): a test CA, a server certificate it signed
// (localhost, 127.0.0.1), an unrelated CA and, when asked, a client
// certificate. PythonServer: replay/line_server.py in the
// background. RedisServer: a redis-server on a free loopback port, with a
// password when asked (tests/app, and also tests/engine/script/tst_HostedRun,
// tests/ui/script/tst_ScriptPane and tests/ui/tst_ProxyWindow).
// recordWithCli(): a session recorded by linewright-cli.
// Every wait has a deadline, nothing sleeps.
// Threads: the test's thread.
#pragma once

#include "ProcessTestSupport.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QList>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QUdpSocket>
#include <QTest>

#include <optional>

namespace lwtest {

/// A program from PATH, or "" (the test then says which package to install).
inline QString tool(const char* name) { return QStandardPaths::findExecutable(QString::fromLatin1(name)); }

/// In a test function: QSKIP naming the program `name` (a string literal) when it is not on PATH.
#define REQUIRE_PROGRAM(name)                                                                  \
    do {                                                                                       \
        if (lwtest::tool(name).isEmpty()) QSKIP(name " is not installed");                     \
    } while (0)

/// Whether /usr/bin/python3 (Debian's, not the one first on PATH) has
/// aiosmtpd (Debian package python3-aiosmtpd); asked within `waitMs`.
inline bool hasAiosmtpd(int waitMs) {
    QProcess probe;
    probe.start(QStringLiteral("/usr/bin/python3"), {"-c", "import aiosmtpd"});
    return probe.waitForFinished(waitMs) && probe.exitCode() == 0;
}

/// In a test function: QSKIP when /usr/bin/python3 has no aiosmtpd.
#define REQUIRE_AIOSMTPD(waitMs)                                                                    \
    do {                                                                                            \
        if (!lwtest::hasAiosmtpd(waitMs))                                                           \
            QSKIP("aiosmtpd for /usr/bin/python3 (Debian package python3-aiosmtpd) is needed");     \
    } while (0)

/// A port that was free a moment ago (for peers that cannot say which they took).
inline quint16 freePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

/// A UDP port that was free a moment ago (bound and released), 0 when none
/// could be bound (for peers that cannot say which they took).
inline quint16 freeUdpPort() {
    QUdpSocket s;
    if (!s.bind(QHostAddress::LocalHost, 0)) return 0;
    return s.localPort();
}

/// Waits up to `waitMs` until something accepts connections on 127.0.0.1:port.
inline bool waitForPort(quint16 port, int waitMs) {
    return QTest::qWaitFor(
        [port] {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, port);
            return s.waitForConnected(200);
        },
        waitMs);
}

/// Connects `c` to 127.0.0.1:`port` and sends `bytes`, each step waiting
/// up to `waitMs`; whether both happened.
inline bool connectAndSend(QTcpSocket& c, quint16 port, const QByteArray& bytes, int waitMs) {
    c.connectToHost(QHostAddress::LocalHost, port);
    if (!c.waitForConnected(waitMs)) return false;
    c.write(bytes);
    return c.waitForBytesWritten(waitMs);
}

inline bool writeFile(const QString& path, const QByteArray& data) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    return f.write(data) == data.size();
}

/// Writes `data` to the file `name` in `dir`; its path, or "" when it could not be written.
inline QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& data) {
    const QString path = dir.filePath(name);
    return writeFile(path, data) ? path : QString();
}

inline QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// Makes, with `openssl` (its path), the test PKI in `dir`: ca.pem/.key
/// (Linewright Test CA), wrongca.pem/.key (an unrelated CA), server.pem/.key
/// (CN=localhost, signed by ca.pem, for localhost and 127.0.0.1) and, with
/// `clientCertificate`, client.pem/.key (CN=replayer, signed by ca.pem).
/// "" when done, else what failed (the openssl command line and its output).
inline QString makeTestPki(const QString& openssl, const QString& dir, bool clientCertificate, int waitMs) {
    const auto path = [&dir](const char* name) { return QDir(dir).filePath(QString::fromLatin1(name)); };
    const QStringList ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"};
    QList<QStringList> steps = {
        QStringList{"req", "-x509"} + ec + QStringList{"-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=Linewright Test CA"},
        QStringList{"req", "-x509"} + ec + QStringList{"-keyout", path("wrongca.key"), "-out", path("wrongca.pem"), "-days", "2", "-subj", "/CN=Some Other CA"},
        QStringList{"req"} + ec + QStringList{"-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost/O=Linewright Test"},
        QStringList{"x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
                    "-out", path("server.pem"), "-days", "2", "-extfile", path("ext.cnf")},
    };
    if (clientCertificate) {
        steps += QStringList{"req"} + ec + QStringList{"-keyout", path("client.key"), "-out", path("client.csr"), "-subj", "/CN=replayer"};
        steps += QStringList{"x509", "-req", "-in", path("client.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
                             "-out", path("client.pem"), "-days", "2"};
    }
    if (!writeFile(path("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n")) return "cannot write " + path("ext.cnf");
    for (const QStringList& args : steps) {
        const Run r = runProcess(openssl, args, {}, waitMs, waitMs);
        if (r.status != 0) return "openssl " + args.join(' ') + ": " + r.all();
    }
    return {};
}

/// The CPython asynchat line server (replay/line_server.py in `scripts`, run
/// by `python`): "220 ready", "250 <line>" for each line, "221 bye" and close
/// for QUIT; `extra` are its arguments. port is 0 when it did not start.
class PythonServer : public Background {
public:
    PythonServer(const QString& python, const QString& scripts, int waitMs, const QStringList& extra = {})
        : Background(python, QStringList{scripts + "/line_server.py"} + extra, waitMs) {
        port = waitFor(QRegularExpression(R"(^(\d+)\n)")).toUShort();
    }
    quint16 port = 0;
};

/// A redis-server on a free loopback port, no persistence, asking for
/// `password` (--requirepass) when one is given; stopped (by its pid,
/// SIGTERM, then SIGKILL if it stays) when the object goes. Every wait is
/// bounded by `waitMs`.
class RedisServer {
public:
    explicit RedisServer(int waitMs, const QString& password = {}) : m_wait(waitMs), m_password(password) {}
    ~RedisServer() {
        if (m_proc && m_proc->process().state() != QProcess::NotRunning) m_proc->stop();
    }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    /// Starts it and waits for "Ready to accept connections"; false when
    /// redis-server is not installed, did not start or never said it.
    bool start() {
        if (tool("redis-server").isEmpty()) return false;
        m_proc.emplace(QStringLiteral("redis-server"),
                       QStringList{"--port", QString::number(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"} +
                           (m_password.isEmpty() ? QStringList() : QStringList{"--requirepass", m_password}),
                       m_wait);
        return m_proc->started() &&
               !m_proc->waitFor(QRegularExpression(QStringLiteral("(Ready to accept connections)"))).isEmpty();
    }
    /// "127.0.0.1:PORT", as a script's `connect` names it.
    QByteArray to() const { return "127.0.0.1:" + QByteArray::number(port); }

    const quint16 port = freePort();

private:
    int m_wait;
    QString m_password;
    std::optional<Background> m_proc;
};

/// Records into `file` a dialogue with 127.0.0.1:port: `linewright-cli
/// connect -t \r\n --record file --quiet` (`cli`, its path), each line of
/// `input` one request, its end a half-close. `file`, or "" after a QTest
/// failure that says why.
inline QString recordWithCli(const QString& cli, quint16 port, const QString& file, const QByteArray& input,
                             int waitMs) {
    const Run r = runProcess(cli, {"connect", "127.0.0.1", QString::number(port), "-t", "\\r\\n", "--record", file, "--quiet"},
                             input, waitMs, waitMs);
    if (r.status != 0) {
        QTest::qFail(("recording failed: " + r.all()).toUtf8().constData(), __FILE__, __LINE__);
        return {};
    }
    return file;
}

}  // namespace lwtest
