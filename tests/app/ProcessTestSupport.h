// ProcessTestSupport.h — running a program as a user runs it, for the
// end-to-end tests in tests/app (tst_Cli, tst_CliProxy, tst_CliTls,
// tst_CliReplay, tst_CliReplayTls; PeerTestSupport.h for their peers).
//
// lines(): text split into lines (no empty last one). Run: a finished run's
// exit status and both outputs; usageError(): the one line a run refused
// as a usage error said. runProcess(): runs a program to its end with
// some input on stdin, bounded by a deadline (killed when it passes);
// typeUntil(): the same with stdin held open until a reply has come.
// Background: a program left running (a server, a mock, tcpdump) whose
// outputs are collected while the test waits for something to appear in
// them; killed when it goes out of scope. statusKiB(): a memory figure of a
// running process (Linux). Each object owns its QProcess;
// every wait has a deadline, nothing sleeps.
// Threads: the test's thread.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <functional>

namespace lwtest {

/// A figure of /proc/PID/status in KiB (Linux): VmRSS (now) or VmHWM (the
/// peak); -1 if there is none.
inline qint64 statusKiB(qint64 pid, const char* field) {
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    const auto m = QRegularExpression(QString::fromLatin1(field) + QStringLiteral(":\\s+(\\d+) kB"))
                       .match(QString::fromLatin1(f.readAll()));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

inline QStringList lines(const QByteArray& text) {
    QStringList out = QString::fromUtf8(text).split('\n');
    if (!out.isEmpty() && out.last().isEmpty()) out.removeLast();
    return out;
}

/// A finished run: exit status (-1: did not start, did not finish in time,
/// or crashed) and both outputs.
struct Run {
    int status = -1;
    QByteArray out;
    QByteArray err;
    QString all() const { return QString::fromUtf8(out + "\n---stderr---\n" + err); }
};

/// A usage error's one line: what a run that ended with exit status 2,
/// printed nothing on stdout and one line on stderr said; a null string when
/// the run is not that.
inline QString usageError(const Run& r) {
    const QStringList l = lines(r.err);
    return r.status == 2 && r.out.isEmpty() && l.size() == 1 ? l.first() : QString();
}

/// Runs `program` with `args`, writes `input` to its stdin and closes it,
/// and waits up to `timeoutMs` for it to end (`waitMs` for it to start and,
/// when killed, to go). `env`, when given, is the program's environment.
/// With `until`, stdin stays open (as a person typing would hold it) until
/// the program's stdout shows `until` or it ends, for up to `waitMs`: the
/// run is killed (-1) when neither came.
inline Run runProcess(const QString& program, const QStringList& args, const QByteArray& input, int timeoutMs,
                      int waitMs, const QProcessEnvironment* env = nullptr, const QByteArray& until = {}) {
    QProcess p;
    if (env) p.setProcessEnvironment(*env);
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(waitMs)) {
        r.err = "(could not start " + program.toUtf8() + ")";
        return r;
    }
    if (!input.isEmpty()) p.write(input);
    QElapsedTimer t;
    t.start();
    const auto came = [&] { return until.isEmpty() || r.out.contains(until) || p.state() == QProcess::NotRunning; };
    while (!came() && t.elapsed() < waitMs) {
        p.waitForReadyRead(100);
        r.out += p.readAllStandardOutput();
    }
    const bool cameInTime = came();
    p.closeWriteChannel();
    if (!cameInTime || !(p.state() == QProcess::NotRunning || p.waitForFinished(timeoutMs))) {
        p.kill();
        p.waitForFinished(waitMs);
        r.err = (cameInTime ? "(killed: did not finish in time)\n" : "(killed: '" + until + "' did not come in time)\n") +
                p.readAllStandardError();
        return r;
    }
    r.status = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out += p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

/// runProcess() as a person types to a program: stdin held open until its
/// stdout shows `until` (a dialogue's last reply); every wait `waitMs`.
inline Run typeUntil(const QString& program, const QStringList& args, const QByteArray& input, const QByteArray& until,
                     int waitMs, const QProcessEnvironment* env = nullptr) {
    return runProcess(program, args, input, waitMs, waitMs, env, until);
}

/// A program running in the background: a server, a mock, tcpdump.
class Background {
public:
    /// Starts `program`; every wait of this object is bounded by `waitMs`.
    Background(const QString& program, const QStringList& args, int waitMs) : m_wait(waitMs) {
        m_p.start(program, args);
        m_started = m_p.waitForStarted(m_wait);
    }
    ~Background() {
        if (m_p.state() != QProcess::NotRunning) {
            m_p.kill();
            m_p.waitForFinished(m_wait);
        }
    }
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    bool started() const { return m_started; }

    /// Reads both outputs until `re` matches one of them; its first capture,
    /// or "" (the deadline passed, or the program ended first).
    QString waitFor(const QRegularExpression& re) {
        QString captured;
        pumpUntil([&] {
            for (const QByteArray* b : {&m_out, &m_err}) {
                const auto m = re.match(QString::fromUtf8(*b));
                if (m.hasMatch()) {
                    captured = m.captured(1);
                    return true;
                }
            }
            return false;
        });
        return captured;
    }

    /// Waits for linewright-cli's "listening on HOST:PORT" line on stderr;
    /// the port, or 0 if it never came.
    quint16 port() {
        static const QRegularExpression re(R"(listening on (\S+):(\d+))");
        quint16 port = 0;
        pumpUntil([&] {
            const auto m = re.match(QString::fromUtf8(m_err));
            if (m.hasMatch()) port = m.captured(2).toUShort();
            return m.hasMatch();
        });
        return port;
    }

    /// Reads stdout until it contains `what` (or the deadline).
    bool waitStdout(const QByteArray& what) {
        return pumpUntil([&] { return m_out.contains(what); });
    }

    /// Stops it with SIGTERM (where there are signals) and collects the rest.
    int stop() {
        m_p.terminate();
        return finish();
    }
    /// Waits for its end and collects the rest; its exit code, or -1.
    int finish(int timeoutMs = -1) {
        if (!m_p.waitForFinished(timeoutMs < 0 ? m_wait : timeoutMs)) return -1;
        m_out += m_p.readAllStandardOutput();
        m_err += m_p.readAllStandardError();
        return m_p.exitStatus() == QProcess::NormalExit ? m_p.exitCode() : -1;
    }

    QProcess& process() { return m_p; }
    const QByteArray& out() const { return m_out; }
    const QByteArray& err() const { return m_err; }

private:
    /// Collects both outputs until `done()` holds (true), the program ends
    /// without it, or the deadline passes (false).
    bool pumpUntil(const std::function<bool()>& done) {
        QElapsedTimer t;
        t.start();
        for (;;) {
            m_out += m_p.readAllStandardOutput();
            m_err += m_p.readAllStandardError();
            if (done()) return true;
            if (m_p.state() == QProcess::NotRunning || t.elapsed() >= m_wait) return false;
            m_p.waitForReadyRead(100);
        }
    }

    QProcess m_p;
    int m_wait;
    bool m_started = false;
    QByteArray m_out;
    QByteArray m_err;
};

}  // namespace lwtest
