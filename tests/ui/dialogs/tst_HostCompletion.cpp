// tst_HostCompletion.cpp — the host fields of the Connect… and Listen…
// dialogs (ui/dialogs/ConnectDialog, ListenDialog): what they offer to
// complete (the recent targets, the usual listen addresses) shows in a list
// under the field and never changes what is typed unless the person picks
// it (issue 18, bug 1: "127.0.0.1:1" silently became "127.0.0.1:16379").
#include "ui/dialogs/ConnectDialog.h"
#include "ui/dialogs/ListenDialog.h"
#include "ui/Settings.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QComboBox>
#include <QCompleter>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using ui::ConnectDialog;
using ui::ListenDialog;
using ui::RecentTarget;

namespace {

// Where the keyboard goes: an open completion list takes it (and hands the
// keys it does not use to the field), else the field.
QWidget* keyTarget(QComboBox* box) {
    if (QWidget* popup = QApplication::activePopupWidget()) return popup;
    return box->lineEdit();
}

// Types `text` key by key, as a person would.
void type(QComboBox* box, const QString& text) {
    for (const QChar c : text) QTest::keyClicks(keyTarget(box), QString(c));
}

void press(QComboBox* box, Qt::Key key) {
    QTest::keyClick(keyTarget(box), key);
}

RecentTarget connectTarget(const QString& host, std::uint16_t port) {
    RecentTarget t;
    t.kind = RecentTarget::Kind::Connect;
    t.host = host;
    t.port = port;
    t.terminatorSpec = QStringLiteral("\\r\\n");
    return t;
}

// Shows `d` and gives its host field, emptied, the focus: a user about to
// type. The field, or nullptr if the dialog never became active.
template <class Dialog>
QComboBox* readyToType(Dialog& d) {
    d.show();
    if (!QTest::qWaitForWindowActive(&d)) return nullptr;
    QComboBox* host = d.hostBox();
    host->setFocus();
    host->lineEdit()->clear();
    return host;
}

}  // namespace

class tst_HostCompletion : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void connectKeepsWhatIsTyped();
    void connectOffersRecentTargetsToChoose();
    void listenKeepsWhatIsTyped();
};

void tst_HostCompletion::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
}

void tst_HostCompletion::connectKeepsWhatIsTyped() {
    ConnectDialog d;
    d.setRecentTargets({connectTarget(QStringLiteral("127.0.0.1"), 16379)});
    QComboBox* host = readyToType(d);
    QVERIFY(host);
    QSignalSpy accepted(&d, &QDialog::accepted);

    type(host, QStringLiteral("127.0.0.1:1"));
    // Nothing was filled in ahead of the typing, not even as a selection.
    QCOMPARE(host->currentText(), QStringLiteral("127.0.0.1:1"));
    QVERIFY2(!host->lineEdit()->hasSelectedText(), qPrintable(host->lineEdit()->selectedText()));

    // Enter (the first may only close the list of suggestions) connects to
    // what was typed: port 1, not the recent 16379.
    press(host, Qt::Key_Return);
    QCOMPARE(host->currentText(), QStringLiteral("127.0.0.1:1"));
    if (accepted.isEmpty()) press(host, Qt::Key_Return);
    QCOMPARE(accepted.size(), 1);
    QCOMPARE(d.params().host, QStringLiteral("127.0.0.1"));
    QCOMPARE(d.params().port, std::uint16_t(1));
}

void tst_HostCompletion::connectOffersRecentTargetsToChoose() {
    ConnectDialog d;
    d.setRecentTargets({connectTarget(QStringLiteral("127.0.0.1"), 16379),
                        connectTarget(QStringLiteral("example.invalid"), 25)});
    QComboBox* host = readyToType(d);
    QVERIFY(host);

    // A part of a target (here its port) offers it, in a list.
    type(host, QStringLiteral("6379"));
    QCOMPARE(host->currentText(), QStringLiteral("6379"));
    QCompleter* completer = host->lineEdit()->completer();
    QVERIFY(completer);
    QTRY_VERIFY(completer->popup() && completer->popup()->isVisible());
    QCOMPARE(completer->completionCount(), 1);
    // Choosing it (Down, Enter) is what fills it in.
    press(host, Qt::Key_Down);
    press(host, Qt::Key_Return);
    QTRY_VERIFY(!completer->popup()->isVisible());
    QCOMPARE(host->currentText(), QStringLiteral("127.0.0.1:16379"));
    QCOMPARE(d.params().port, std::uint16_t(16379));
}

void tst_HostCompletion::listenKeepsWhatIsTyped() {
    ListenDialog d;
    QComboBox* host = readyToType(d);
    QVERIFY(host);
    QSignalSpy accepted(&d, &QDialog::accepted);

    // "::" (every IPv6 interface) must not become the offered "::1".
    type(host, QStringLiteral("::"));
    QCOMPARE(host->currentText(), QStringLiteral("::"));
    QVERIFY(!host->lineEdit()->hasSelectedText());
    press(host, Qt::Key_Return);
    if (accepted.isEmpty()) press(host, Qt::Key_Return);
    QCOMPARE(accepted.size(), 1);
    QCOMPARE(d.params().host, QStringLiteral("::"));
}

QTEST_MAIN(tst_HostCompletion)
#include "tst_HostCompletion.moc"
