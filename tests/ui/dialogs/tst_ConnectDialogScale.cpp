// tst_ConnectDialogScale.cpp — the Connect… dialog with all its TLS fields
// fits a 1600x1000 screen at QT_SCALE_FACTOR=2 (800x500 logical): its size
// is bounded by the screen, the fields scroll, the buttons stay in view; it
// grows when the TLS fields show and shrinks back when they hide.
// The offscreen platform is given that screen (its configfile), and the
// scale factor is set, before the application starts (see main()).
#include "ui/dialogs/ConnectDialog.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "../OffscreenScreen.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QTest>

using ui::ConnectDialog;
using ui::TlsOptionsBox;

class tst_ConnectDialogScale : public QObject {
    Q_OBJECT
private slots:
    void theScreenIsScaled();
    void fitsWithEveryTlsField();
    void shrinksWhenTlsIsOff();
};

namespace {

const QRect kLogicalScreen(0, 0, 800, 500);  // 1600x1000 at scale 2

}  // namespace

void tst_ConnectDialogScale::theScreenIsScaled() {
    lwtest::screenIs(kLogicalScreen, 2.0);
}

void tst_ConnectDialogScale::fitsWithEveryTlsField() {
    ConnectDialog d;
    lwtest::everyTlsField(d.tlsBox());
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QTRY_COMPARE(d.size(), d.sizeHint());  // it fitted itself to the TLS fields
    const QRect avail = d.screen()->availableGeometry();
    QVERIFY2(d.sizeHint().height() <= avail.height() && d.sizeHint().width() <= avail.width(),
             qPrintable(QStringLiteral("%1x%2").arg(d.sizeHint().width()).arg(d.sizeHint().height())));
    // Inside the screen, the buttons whole inside the dialog.
    lwtest::dialogFitsTheScreen(d);
    if (QTest::currentTestFailed()) return;
    // Every field can be reached: the last one scrolls into view.
    lwtest::lastTlsFieldScrollsIntoView(d, d.tlsBox());
    if (QTest::currentTestFailed()) return;
    QVERIFY(d.tlsBox()->insecureWarning()->isVisible());
}

void tst_ConnectDialogScale::shrinksWhenTlsIsOff() {
    ConnectDialog d;
    d.move(100, 150);  // low on the screen: grown in place, it would reach past the bottom
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    const int plain = d.height();
    lwtest::everyTlsField(d.tlsBox());
    QTRY_VERIFY(d.height() > plain);
    QVERIFY(d.height() <= d.screen()->availableGeometry().height());
    // Grown in place, it was moved back onto the screen: the buttons can be clicked.
    QTRY_VERIFY2(d.screen()->availableGeometry().contains(d.frameGeometry()),
                 qPrintable(QStringLiteral("%1,%2 %3x%4").arg(d.x()).arg(d.y()).arg(d.width()).arg(d.height())));
    d.tlsBox()->setChecked(false);
    QTRY_COMPARE(d.height(), plain);
    QCOMPARE(d.findChild<QScrollArea*>()->verticalScrollBar()->maximum(), 0);  // without TLS it all fits
}

int main(int argc, char** argv) {
    // A 1600x1000 screen at scale 2, whatever the environment says.
    return lwtest::runOnOffscreenScreen<tst_ConnectDialogScale>(argc, argv, 1600, 1000, 2);
}

#include "tst_ConnectDialogScale.moc"
