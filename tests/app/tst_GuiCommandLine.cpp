// tst_GuiCommandLine.cpp — the `linewright` GUI's command line, run as a
// user runs it (QProcess): what it answers without a window, and the
// mistakes it refuses before opening one (each with one line on stderr and
// exit status 2). The window itself is tested in tests/ui.
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kGui = QStringLiteral(LW_GUI_PATH);

struct Result {
    int code = -1;
    QByteArray out, err;
};

/// Runs the GUI with `args` (bounded: 20 s) in the environment `env`.
Result run(const QStringList& args, const QProcessEnvironment& env) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(kGui, args);
    Result r;
    if (!p.waitForStarted(10000)) return r;
    p.closeWriteChannel();
    if (!p.waitForFinished(20000)) {
        p.kill();
        p.waitForFinished(5000);
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QProcessEnvironment offscreen(const QString& sessions) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("LINEWRIGHT_SESSIONS_DIR"), sessions);
    return env;
}

}  // namespace

class TestGuiCommandLine : public QObject {
    Q_OBJECT
private slots:
    void helpAndVersionNeedNoDisplay();
    void noDisplayIsSaidPlainly();
    void badArguments_data();
    void badArguments();
};

void TestGuiCommandLine::helpAndVersionNeedNoDisplay() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    const Result help = run({QStringLiteral("--help")}, env);
    QCOMPARE(help.code, 0);
    QVERIFY(help.out.startsWith("Usage: linewright [options] [FILE]"));
    QVERIFY(help.out.contains("--example NAME"));
    const Result version = run({QStringLiteral("--version")}, env);
    QCOMPARE(version.code, 0);
    QVERIFY(version.out.startsWith("linewright "));
}

void TestGuiCommandLine::noDisplayIsSaidPlainly() {
#if !defined(__unix__) || defined(__APPLE__)
    QSKIP("DISPLAY/WAYLAND_DISPLAY are an X11/Wayland matter");
#else
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    const Result r = run({}, env);
    QCOMPARE(r.code, 1);  // not Qt's abort (-2 here)
    QVERIFY2(r.err.contains("linewright: no display to open a window on"), r.err.constData());
    QVERIFY(r.err.contains("linewright-cli"));
#endif
}

void TestGuiCommandLine::badArguments_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("says");
    QTest::newRow("unknown example") << QStringList{QStringLiteral("--example"), QStringLiteral("nope")}
                                     << "--example: no example named 'nope' (there are: echo, echo-length, http)";
    QTest::newRow("example with a file") << QStringList{QStringLiteral("--example"), QStringLiteral("echo"), QStringLiteral("x.lwsession")}
                                         << "--example runs live";
    QTest::newRow("two files") << QStringList{QStringLiteral("a.lwsession"), QStringLiteral("b.lwsession")}
                               << "one session file at a time";
    QTest::newRow("bad terminator") << QStringList{QStringLiteral("--terminator"), QStringLiteral("\\xZZ")}
                                    << "--terminator:";
    QTest::newRow("bad listen") << QStringList{QStringLiteral("--listen"), QStringLiteral("host:port")}
                                << "--listen wants [HOST:]PORT";
    QTest::newRow("unknown option") << QStringList{QStringLiteral("--frob")} << "Unknown option 'frob'";
}

void TestGuiCommandLine::badArguments() {
    QFETCH(QStringList, args);
    QFETCH(QString, says);
    QTemporaryDir sessions;
    const Result r = run(args, offscreen(sessions.path()));
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(says.toUtf8()), r.err.constData());
}

QTEST_GUILESS_MAIN(TestGuiCommandLine)
#include "tst_GuiCommandLine.moc"
