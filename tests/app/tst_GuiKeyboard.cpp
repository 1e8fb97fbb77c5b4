// tst_GuiKeyboard.cpp — the `linewright` window on a real X server (Xvfb, no
// window manager), driven by real key presses (xdotool), as a person at a
// bare X display or a kiosk uses it.
//
// What it checks: a window shortcut typed while the composer's field has the
// keyboard works. On a bare X server nothing activates a new window; X still
// sends the keys to it, so typed text reached the field but Qt matched none
// of the window's shortcuts (Ctrl+W, Ctrl+2, Ctrl+M... did nothing) until the
// window was clicked once. The window now asks for activation when it starts.
// The peer is a QTcpServer on 127.0.0.1: what the field sends arrives there,
// and Ctrl+W (Close) is seen as the connection's end.
// Needs Xvfb and xdotool (QSKIP when one is missing).
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

const QString kGui = QStringLiteral(LW_GUI_PATH);

/// Ends a process this test started (by its own handle), bounded.
void stop(QProcess& p) {
    if (p.state() == QProcess::NotRunning) return;
    p.terminate();
    if (!p.waitForFinished(5000)) {
        p.kill();
        p.waitForFinished(5000);
    }
}

/// Runs xdotool with `args` on `display` (bounded: 15 s); true when it exited 0.
bool xdotool(const QString& display, const QStringList& args, QByteArray* out = nullptr) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("DISPLAY"), display);
    p.setProcessEnvironment(env);
    p.start(QStringLiteral("xdotool"), args);
    if (!p.waitForStarted(5000)) return false;
    if (!p.waitForFinished(15000)) {
        stop(p);
        return false;
    }
    if (out) *out = p.readAllStandardOutput();
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

}  // namespace

class TestGuiKeyboard : public QObject {
    Q_OBJECT
private slots:
    void windowShortcutFromTheComposerFieldOnBareX();
};

void TestGuiKeyboard::windowShortcutFromTheComposerFieldOnBareX() {
    if (QStandardPaths::findExecutable(QStringLiteral("Xvfb")).isEmpty()) QSKIP("Xvfb is not installed (apt-get install xvfb)");
    if (QStandardPaths::findExecutable(QStringLiteral("xdotool")).isEmpty())
        QSKIP("xdotool is not installed (apt-get install xdotool)");

    // Xvfb picks a free display and writes its number on stdout (-displayfd 1).
    QProcess xvfb;
    xvfb.start(QStringLiteral("Xvfb"), {QStringLiteral("-displayfd"), QStringLiteral("1"), QStringLiteral("-screen"),
                                        QStringLiteral("0"), QStringLiteral("1280x800x24"), QStringLiteral("-nolisten"),
                                        QStringLiteral("tcp")});
    QVERIFY2(xvfb.waitForStarted(10000), "Xvfb did not start");
    QByteArray number;
    QElapsedTimer clock;
    clock.start();
    while (!number.contains('\n') && clock.elapsed() < 20000 && xvfb.state() == QProcess::Running) {
        xvfb.waitForReadyRead(500);
        number += xvfb.readAllStandardOutput();
    }
    if (!number.contains('\n')) {
        const QByteArray err = xvfb.readAllStandardError();
        stop(xvfb);
        QFAIL(qPrintable(QStringLiteral("Xvfb gave no display number: %1").arg(QString::fromLocal8Bit(err.right(400)))));
    }
    const QString display = QStringLiteral(":") + QString::fromLatin1(number.trimmed());
    const auto stopXvfb = qScopeGuard([&] { stop(xvfb); });

    QTcpServer peer;
    QVERIFY(peer.listen(QHostAddress::LocalHost, 0));

    QTemporaryDir home;
    QVERIFY(home.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("DISPLAY"), display);
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
    env.insert(QStringLiteral("HOME"), home.path());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), home.path());
    env.insert(QStringLiteral("LINEWRIGHT_SESSIONS_DIR"), home.filePath(QStringLiteral("sessions")));
    QProcess gui;
    gui.setProcessEnvironment(env);
    gui.setProcessChannelMode(QProcess::MergedChannels);
    gui.start(kGui, {QStringLiteral("--connect"), QStringLiteral("127.0.0.1:%1").arg(peer.serverPort())});
    QVERIFY2(gui.waitForStarted(10000), "linewright did not start");
    const auto stopGui = qScopeGuard([&] { stop(gui); });

    QVERIFY2(peer.waitForNewConnection(20000), "the window never connected to the peer");
    std::unique_ptr<QTcpSocket> conn(peer.nextPendingConnection());
    QVERIFY(conn);
    QByteArray windows;
    QVERIFY2(xdotool(display, {QStringLiteral("search"), QStringLiteral("--sync"), QStringLiteral("--onlyvisible"),
                               QStringLiteral("--name"), QStringLiteral("Linewright")},
                     &windows),
             "no Linewright window appeared on the X display");

    // Typed text reaches the composer's field (it has the keyboard after a
    // connect): Enter sends it. Typed again if the first keys came before the
    // field was ready.
    QByteArray received;
    for (int attempt = 0; attempt < 3 && !received.contains("hello\r\n"); ++attempt) {
        QVERIFY(xdotool(display, {QStringLiteral("type"), QStringLiteral("--delay"), QStringLiteral("20"),
                                  QStringLiteral("hello")}));
        QVERIFY(xdotool(display, {QStringLiteral("key"), QStringLiteral("Return")}));
        clock.restart();
        while (!received.contains("hello\r\n") && clock.elapsed() < 5000) {
            conn->waitForReadyRead(200);
            received += conn->readAll();
        }
    }
    QVERIFY2(received.contains("hello\r\n"),
             qPrintable(QStringLiteral("the field's Enter sent nothing; got '%1'; window says: %2")
                            .arg(QString::fromLatin1(received.toHex()), QString::fromLocal8Bit(gui.readAll().right(400)))));

    // The shortcut, with the field still holding the keyboard: Ctrl+W closes the channel.
    QVERIFY(xdotool(display, {QStringLiteral("key"), QStringLiteral("ctrl+w")}));
    clock.restart();
    while (conn->state() == QAbstractSocket::ConnectedState && clock.elapsed() < 10000) {
        conn->waitForReadyRead(200);
        received += conn->readAll();
    }
    QVERIFY2(conn->state() != QAbstractSocket::ConnectedState,
             "Ctrl+W typed in the composer's field did not close the channel within 10 s");
}

QTEST_GUILESS_MAIN(TestGuiKeyboard)
#include "tst_GuiKeyboard.moc"
