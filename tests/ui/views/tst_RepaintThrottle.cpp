// tst_RepaintThrottle.cpp — a widget fed new data on every event-loop turn
// repaints at most once per gap while the throttle watches it; without it,
// every turn; a key press on a held widget lets it repaint at once, one
// elsewhere leaves it held.
#include "ui/views/RepaintThrottle.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QKeyEvent>
#include <QLineEdit>
#include <QTest>
#include <QVBoxLayout>
#include <QWidget>

namespace {

/// A widget that counts its paints.
class Counted : public QWidget {
public:
    int paints = 0;

protected:
    void paintEvent(QPaintEvent*) override { ++paints; }
};

struct Window {
    QWidget top;
    Counted* busy = new Counted;
    QLineEdit* inside = new QLineEdit(busy);  // e.g. the conversation's filter field
    QLineEdit* field = new QLineEdit;         // e.g. the composer
    Window() {
        auto* col = new QVBoxLayout(&top);
        col->addWidget(busy);
        col->addWidget(field);
        busy->setMinimumSize(200, 100);
        top.show();
    }
};

/// For `ms`, every event-loop turn: new data (update() and, with a throttle, dataArrived()).
void feed(Window& w, ui::RepaintThrottle* throttle, int ms) {
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < ms) {
        w.busy->update();
        if (throttle) throttle->dataArrived();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
    }
}

}  // namespace

class tst_RepaintThrottle : public QObject {
    Q_OBJECT
private slots:
    void capsRepaintsWhileDataPoursIn();
    void keyPressLetsGoAtOnce();
};

void tst_RepaintThrottle::capsRepaintsWhileDataPoursIn() {
    Window w;
    QVERIFY(QTest::qWaitForWindowExposed(&w.top));
    // Without: a repaint on (nearly) every turn.
    w.busy->paints = 0;
    feed(w, nullptr, 400);
    const int unthrottled = w.busy->paints;
    // With a 50 ms gap: at most one per 50 ms (and the first at once), the last change shown.
    ui::RepaintThrottle throttle(nullptr, 50);
    throttle.watch(w.busy);
    w.busy->paints = 0;
    feed(w, &throttle, 400);
    QTRY_VERIFY(!throttle.holding());  // the held change goes out
    QTRY_VERIFY(w.busy->updatesEnabled());
    const int throttled = w.busy->paints;
    qInfo("400 ms of data every turn: %d repaints without the throttle, %d with a 50 ms gap", unthrottled, throttled);
    QVERIFY2(throttled <= 400 / 50 + 2, qPrintable(QString::number(throttled)));
    QVERIFY(throttled >= 2);
    QVERIFY2(unthrottled > 2 * throttled, qPrintable(QStringLiteral("%1 vs %2").arg(unthrottled).arg(throttled)));
    QVERIFY(throttle.releases() >= 2);
}

void tst_RepaintThrottle::keyPressLetsGoAtOnce() {
    Window w;
    QVERIFY(QTest::qWaitForWindowExposed(&w.top));
    ui::RepaintThrottle throttle(nullptr, 60000);  // only a key press can let it go in time
    throttle.watch(w.busy);
    w.busy->update();
    throttle.dataArrived();  // the first change goes through ...
    QVERIFY(throttle.waitingForRepaint());
    throttle.dataArrived();  // ... and one before its repaint is in that repaint
    QVERIFY(!throttle.holding());
    QTRY_VERIFY(!throttle.waitingForRepaint());
    throttle.dataArrived();  // the next, within the gap: held
    QVERIFY(throttle.holding());
    QVERIFY(!w.busy->updatesEnabled());
    QCoreApplication::processEvents();
    const int before = w.busy->paints;
    // A key press elsewhere: typed as always, the busy widget stays held.
    QKeyEvent press(QEvent::KeyPress, Qt::Key_A, Qt::NoModifier, QStringLiteral("a"));
    QApplication::sendEvent(w.field, &press);
    QCOMPARE(w.field->text(), QStringLiteral("a"));
    QVERIFY(throttle.holding());
    // A key press inside the held widget lets it go at once.
    QKeyEvent pressInside(QEvent::KeyPress, Qt::Key_B, Qt::NoModifier, QStringLiteral("b"));
    QApplication::sendEvent(w.inside, &pressInside);
    QVERIFY(!throttle.holding());
    QVERIFY(w.busy->updatesEnabled());
    QCOMPARE(w.inside->text(), QStringLiteral("b"));
    QTRY_VERIFY_WITH_TIMEOUT(w.busy->paints > before, 5000);  // repainted long before the 60 s gap
}

QTEST_MAIN(tst_RepaintThrottle)
#include "tst_RepaintThrottle.moc"
