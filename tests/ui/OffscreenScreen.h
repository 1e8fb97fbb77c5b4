// OffscreenScreen.h — a Qt Test main() on an offscreen screen of a chosen
// size (and scale), whatever the environment says: the layout tests measure
// the window against the screen, and the offscreen platform's default screen
// (800x600) is not the one they are about. The platform takes the screen from
// a JSON configfile (Qt 6's offscreen plugin); the file lives as long as the
// test run. Beside it, what the layout tests check on that screen:
// screenIs() (the screen is the one asked for), everyTlsField() (a TLS box
// at its tallest), dialogFitsTheScreen() and lastTlsFieldScrollsIntoView().
#pragma once

#include "ui/dialogs/TlsOptionsBox.h"

#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QDialog>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QRect>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QByteArray>
#include <QFile>
#include <QString>
#include <QTemporaryDir>
#include <QTest>

namespace lwtest {

// The layout tests' first check: the primary screen is the one asked for,
// `logical` in logical pixels at device pixel ratio `dpr`.
inline void screenIs(const QRect& logical, qreal dpr) {
    QScreen* s = QGuiApplication::primaryScreen();
    QVERIFY(s);
    QCOMPARE(s->devicePixelRatio(), dpr);
    QCOMPARE(s->availableGeometry(), logical);
}

// The tallest a dialog's TLS box gets: TLS on, STARTTLS after a match (the
// pattern row) where the box offers it, verification off (the warning).
inline void everyTlsField(ui::TlsOptionsBox* tls) {
    tls->setChecked(true);
    const int match = tls->startBox()->findData(int(engine::StartTlsProtocol::AfterMatch));
    if (match >= 0) tls->startBox()->setCurrentIndex(match);
    tls->patternEdit()->setText(QStringLiteral("^220"));
    tls->verifyBox()->setChecked(false);
}

// The layout tests' check that dialog `d` fits its screen: no larger than the
// available area, its OK button whole inside it, and (once the dialog has
// refitted itself) its frame on the screen. QVERIFY/QTRY inside: call it
// straight from a test function (a failure returns from this helper only,
// which QTest still records as the test's failure).
inline void dialogFitsTheScreen(QDialog& d) {
    const QRect avail = d.screen()->availableGeometry();
    QVERIFY2(d.height() <= avail.height() && d.width() <= avail.width(),
             qPrintable(QStringLiteral("%1x%2").arg(d.width()).arg(d.height())));
    QPushButton* ok = d.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    const QRect okRect(ok->mapTo(&d, QPoint(0, 0)), ok->size());
    QVERIFY2(d.rect().contains(okRect), qPrintable(QStringLiteral("OK at %1,%2 in %3x%4")
                                                        .arg(okRect.right()).arg(okRect.bottom()).arg(d.width()).arg(d.height())));
    QTRY_VERIFY2(avail.contains(d.frameGeometry()),
                 qPrintable(QStringLiteral("%1,%2 %3x%4").arg(d.x()).arg(d.y()).arg(d.width()).arg(d.height())));
}

// The layout tests' check that every field of dialog `d` can be reached on
// a screen too small for it: its scroll area scrolls, and the last TLS field
// (`tls`'s key-log file) scrolls into view. QVERIFY inside, as above.
inline void lastTlsFieldScrollsIntoView(QDialog& d, ui::TlsOptionsBox* tls) {
    auto* scroll = d.findChild<QScrollArea*>();
    QVERIFY(scroll);
    QVERIFY(scroll->verticalScrollBar()->maximum() > 0);  // it does not all fit at this scale
    QLineEdit* last = tls->keyLogEdit();
    scroll->ensureWidgetVisible(last);
    const QRect inViewport(last->mapTo(scroll->viewport(), QPoint(0, 0)), last->size());
    QVERIFY(scroll->viewport()->rect().contains(inViewport));
}

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
