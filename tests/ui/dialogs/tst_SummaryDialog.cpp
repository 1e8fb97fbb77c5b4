// tst_SummaryDialog.cpp — the session summary (ui/dialogs/SummaryDialog):
// its counts carry the locale's thousands separators, as the inspector's
// counters do (issue 18, bug 8: "12345678" beside the inspector's "12,345,678").
#include "ui/dialogs/SummaryDialog.h"

#include <QLocale>
#include <QTest>
#include <QTreeWidget>

using ui::SessionFigures;
using ui::SummaryDialog;

class tst_SummaryDialog : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void countsHaveThousandsSeparators();
};

void tst_SummaryDialog::initTestCase() {
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

void tst_SummaryDialog::cleanupTestCase() {
    QLocale::setDefault(QLocale::system());
}

void tst_SummaryDialog::countsHaveThousandsSeparators() {
    SessionFigures f;
    f.title = QStringLiteral("live session");
    f.events = 23456;
    SessionFigures::Channel c;
    c.id = 2;
    c.role = QStringLiteral("client");
    c.state = QStringLiteral("connected");
    c.address = QStringLiteral("127.0.0.1:7000");
    c.bytesIn = 12345678;
    c.bytesOut = 999;
    c.messagesIn = 4321;
    c.messagesOut = 1000;
    f.channels.push_back(c);
    SummaryDialog d(f);
    const QString head = d.headerText();
    QVERIFY2(head.contains(QStringLiteral("Events: 23,456")), qPrintable(head));
    QVERIFY2(head.contains(QStringLiteral("Bytes: 12,345,678 in, 999 out")), qPrintable(head));
    QVERIFY2(head.contains(QStringLiteral("Messages: 4,321 in (found_terminator), 1,000 out (push)")), qPrintable(head));
    QTreeWidget* t = d.table();
    QCOMPARE(t->topLevelItemCount(), 2);  // the channel, the total
    for (int row = 0; row < 2; ++row) {
        QCOMPARE(t->topLevelItem(row)->text(4), QStringLiteral("12,345,678"));
        QCOMPARE(t->topLevelItem(row)->text(5), QStringLiteral("999"));
        QCOMPARE(t->topLevelItem(row)->text(6), QStringLiteral("4,321"));
        QCOMPARE(t->topLevelItem(row)->text(7), QStringLiteral("1,000"));
    }
}

QTEST_MAIN(tst_SummaryDialog)
#include "tst_SummaryDialog.moc"
