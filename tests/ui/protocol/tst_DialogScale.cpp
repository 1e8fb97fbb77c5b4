// tst_DialogScale.cpp — the Listen, Proxy, Start TLS and Protocol dialogs, with
// every field showing (TLS on, STARTTLS after a match, verification off, a
// protocol chooser with its note), fit a 1600x1000 screen at
// QT_SCALE_FACTOR=2 (800x500 logical) through DialogFit: bounded by the
// screen, the fields scroll, the buttons stay whole and in view, and the
// Listen dialog shrinks back when the TLS fields hide.
// The offscreen platform is given that screen (its configfile), and the
// scale factor is set, before the application starts (see main()).
#include "ui/dialogs/DialogFit.h"
#include "ui/dialogs/ListenDialog.h"
#include "ui/dialogs/ProxyDialog.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "ui/dialogs/TlsUpgradeDialog.h"
#include "ui/protocol/ProtocolChooser.h"
#include "ui/protocol/ProtocolDialog.h"
#include "../OffscreenScreen.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QTest>

using ui::TlsOptionsBox;

class tst_DialogScale : public QObject {
    Q_OBJECT
private slots:
    void theScreenIsScaled();
    void listenFitsWithEveryField();
    void listenShrinksWhenTlsIsOff();
    void startTlsFits();
    void protocolDialogFits();
    void proxyDialogFits();
};

namespace {

const QRect kLogicalScreen(0, 0, 800, 500);  // 1600x1000 at scale 2


}  // namespace

void tst_DialogScale::theScreenIsScaled() {
    lwtest::screenIs(kLogicalScreen, 2.0);
}

void tst_DialogScale::listenFitsWithEveryField() {
    ui::ListenDialog d;
    d.move(100, 150);  // low on the screen: grown in place, it would reach past the bottom
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    lwtest::everyTlsField(d.tlsBox());
    d.protocolChooser()->rulesEdit()->setText(QStringLiteral("/nonexistent/rules.lwp"));  // its note shows
    QVERIFY(d.fit());
    QTRY_COMPARE(d.size(), d.fit()->fittedSize());
    lwtest::dialogFitsTheScreen(d);
    lwtest::lastTlsFieldScrollsIntoView(d, d.tlsBox());
}

void tst_DialogScale::listenShrinksWhenTlsIsOff() {
    ui::ListenDialog d;
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    const int plain = d.height();
    lwtest::everyTlsField(d.tlsBox());
    QTRY_VERIFY(d.height() > plain);
    d.tlsBox()->setChecked(false);
    QTRY_COMPARE(d.height(), plain);
}

void tst_DialogScale::startTlsFits() {
    for (const bool server : {false, true}) {
        ui::TlsUpgradeDialog d(7, QStringLiteral("#7 127.0.0.1:25"), server);
        d.move(50, 120);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        lwtest::everyTlsField(d.tlsBox());
        QTRY_COMPARE(d.size(), d.fit()->fittedSize());
        lwtest::dialogFitsTheScreen(d);
    }
}

void tst_DialogScale::protocolDialogFits() {
    ui::ProtocolDialog d(3, QStringLiteral("#3 127.0.0.1:6379"), false);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    lwtest::dialogFitsTheScreen(d);
}

void tst_DialogScale::proxyDialogFits() {
    ui::ProxyDialog d;
    d.move(100, 150);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    d.protocolChooser()->rulesEdit()->setText(QStringLiteral("/nonexistent/rules.lwp"));  // its note shows
    QTRY_COMPARE(d.size(), d.fit()->fittedSize());
    lwtest::dialogFitsTheScreen(d);
    auto* scroll = d.findChild<QScrollArea*>();
    QVERIFY(scroll);
    QWidget* last = d.protocolChooser()->rulesEdit();  // the last field
    scroll->ensureWidgetVisible(last);
    const QRect inViewport(last->mapTo(scroll->viewport(), QPoint(0, 0)), last->size());
    QVERIFY(scroll->viewport()->rect().contains(inViewport));

    // TLS on both legs (STARTTLS: both groups show whole), verification off
    // (its warning shows): still on the screen, and the last TLS field reachable.
    d.startTlsBox()->setCurrentIndex(1);
    d.serverTlsBox()->verifyBox()->setChecked(false);
    QVERIFY(d.serverTlsBox()->insecureWarning()->isVisibleTo(&d));
    QVERIFY(d.caDirEdit()->isVisibleTo(&d));
    QTRY_COMPARE(d.size(), d.fit()->fittedSize());
    lwtest::dialogFitsTheScreen(d);
    QWidget* keyLog = d.serverTlsBox()->keyLogEdit();
    scroll->ensureWidgetVisible(keyLog);
    const QRect keyLogInViewport(keyLog->mapTo(scroll->viewport(), QPoint(0, 0)), keyLog->size());
    QVERIFY(scroll->viewport()->rect().contains(keyLogInViewport));
    QVERIFY(d.exportCaButton()->isVisibleTo(&d));
}

int main(int argc, char** argv) {
    // A 1600x1000 screen at scale 2, whatever the environment says.
    return lwtest::runOnOffscreenScreen<tst_DialogScale>(argc, argv, 1600, 1000, 2);
}

#include "tst_DialogScale.moc"
