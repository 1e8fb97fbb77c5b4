// tst_UiLatencyMonitor.cpp — the event-loop lag meter: a deliberate stall of
// the GUI thread shows up as a delay of about its length, in the right
// second, and updated() comes once a second.
#include "ui/model/UiLatencyMonitor.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using ui::UiLatencyMonitor;

namespace {

/// Keeps the GUI thread busy (the stall being measured; not a wait).
void stall(int ms) {
    QElapsedTimer t;
    t.start();
    volatile unsigned spin = 0;
    while (t.elapsed() < ms) spin = spin + 1;
}

}  // namespace

class tst_UiLatencyMonitor : public QObject {
    Q_OBJECT
private slots:
    void measuresAStall();
    void updatedOncePerSecond();
    void resetAndStop();
};

void tst_UiLatencyMonitor::measuresAStall() {
    UiLatencyMonitor m;
    QVERIFY(m.isRunning());
    QTRY_VERIFY(m.ticks() >= 3);  // running, the loop is free
    stall(250);
    QTRY_VERIFY(m.ticks() >= 5);
    // The tick due during the stall came ~230 ms late (250 minus up to one interval).
    QVERIFY2(m.worstDelayMs(5) >= 200, qPrintable(QString::number(m.worstDelayMs(5))));
    QVERIFY2(m.worstDelayMs(5) < 2000, qPrintable(QString::number(m.worstDelayMs(5))));
    QCOMPARE(m.worstEverMs(), m.worstDelayMs(60));
    QVERIFY(m.worstDelayMs(0) <= m.worstDelayMs(60));  // clamped to at least one second
}

void tst_UiLatencyMonitor::updatedOncePerSecond() {
    UiLatencyMonitor m;
    QSignalSpy updated(&m, &UiLatencyMonitor::updated);
    QVERIFY(updated.wait(3000));
    stall(150);
    // The second that contained the stall reports it (now or at the next rollover).
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(updated.begin(), updated.end(),
                                         [](const QList<QVariant>& a) { return a[0].toLongLong() >= 100; }),
                             4000);
    QVERIFY(updated.size() <= 5);  // once a second, not once a tick
}

void tst_UiLatencyMonitor::resetAndStop() {
    UiLatencyMonitor m;
    QTRY_VERIFY(m.ticks() >= 1);
    stall(120);
    QTRY_VERIFY(m.worstEverMs() >= 80);
    m.reset();
    QCOMPARE(m.worstEverMs(), qint64(0));
    QCOMPARE(m.ticks(), quint64(0));
    m.stop();
    QVERIFY(!m.isRunning());
    stall(60);
    QCoreApplication::processEvents();
    QCOMPARE(m.ticks(), quint64(0));  // stopped: nothing measured
    m.start();
    QVERIFY(m.isRunning());
}

QTEST_GUILESS_MAIN(tst_UiLatencyMonitor)
#include "tst_UiLatencyMonitor.moc"
