// OffscreenScreen.h — a Qt Test main() on an offscreen screen of a chosen
// size (and scale), whatever the environment says: the layout tests measure
// the window against the screen, and the offscreen platform's default screen
// (800x600) is not the one they are about. The platform takes the screen from
// a JSON configfile (Qt 6's offscreen plugin); the file lives as long as the
// test run.
#pragma once

#include <QApplication>
#include <QByteArray>
#include <QFile>
#include <QString>
#include <QTemporaryDir>
#include <QTest>

namespace lwtest {

// Runs the test class T on one WIDTHxHEIGHT (physical pixels) offscreen
// screen at QT_SCALE_FACTOR `scale`; returns what QTest::qExec returns, 2 when
// the configfile cannot be written.
template <class T>
int runOnOffscreenScreen(int argc, char** argv, int width, int height, int scale = 1) {
    QTemporaryDir dir;
    const QString config = dir.filePath(QStringLiteral("screen.json"));
    QFile f(config);
    if (!dir.isValid() || !f.open(QIODevice::WriteOnly)) return 2;
    f.write(QStringLiteral(R"({"screens":[{"name":"test","x":0,"y":0,"width":%1,"height":%2,)"
                           R"("logicalDpi":96,"logicalBaseDpi":96,"dpr":1}]})")
                .arg(width)
                .arg(height)
                .toUtf8());
    f.close();
    qputenv("QT_QPA_PLATFORM", ("offscreen:configfile=" + config).toLocal8Bit());
    qputenv("QT_SCALE_FACTOR", QByteArray::number(scale));
    QApplication app(argc, argv);
    T t;
    return QTest::qExec(&t, argc, argv);
}

}  // namespace lwtest
