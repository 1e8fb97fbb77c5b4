// tst_ExamplePane.cpp — teaching mode's examples in the window: the pane runs
// an example paused, one Step is one busy pass (one row), the source follows
// the hook that ran, the guided tour points at hooks, and the Examples menu
// opens the pane. Every wait is QTRY_* / QSignalSpy::wait.
#include "ui/ExampleHost.h"
#include "ui/ExamplePane.h"
#include "ui/MainWindow.h"
#include "ui/WalkThrough.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using ui::ExamplePane;

class TestExamplePane : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void stepsOnePassAtATimeAndHighlightsTheHook();
    void everyExampleRunsToTheEnd_data();
    void everyExampleRunsToTheEnd();
    void tourPointsAtHooks();
    void examplesMenuOpensThePane();
};

void TestExamplePane::stepsOnePassAtATimeAndHighlightsTheHook() {
    ExamplePane pane;
    QVERIFY(pane.start(QStringLiteral("echo-length")));
    QVERIFY(pane.host()->isRunning());
    QVERIFY(pane.host()->isPaused());
    QCOMPARE(pane.passRows(), 0);
    QCOMPARE(pane.currentFile(), QStringLiteral("EchoLengthServer.cpp"));  // the tour's first step

    pane.stepAction()->trigger();
    QTRY_COMPARE(pane.passRows(), 1);
    // The first pass: the server accepts, the client connects and sends.
    QTRY_COMPARE(pane.host()->passes(), quint64(1));
    QVERIFY2(pane.hookText().contains(QStringLiteral("EchoLengthClient::handleConnect")), qPrintable(pane.hookText()));
    QCOMPARE(pane.currentFile(), QStringLiteral("EchoLengthClient.cpp"));
    QVERIFY(pane.highlightedLine() > 0);

    pane.stepAction()->trigger();
    QTRY_COMPARE(pane.passRows(), 2);
    pane.stepAction()->trigger();
    QTRY_COMPARE(pane.passRows(), 3);
    QCOMPARE(pane.host()->passes(), quint64(3));

    QSignalSpy finished(pane.host(), &ui::ExampleHost::finished);
    pane.host()->resume();
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.first().first().toBool(), true);
}

void TestExamplePane::everyExampleRunsToTheEnd_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("echo") << "echo";
    QTest::newRow("echo-length") << "echo-length";
    QTest::newRow("http") << "http";
}

void TestExamplePane::everyExampleRunsToTheEnd() {
    QFETCH(QString, name);
    ExamplePane pane;
    QSignalSpy finished(pane.host(), &ui::ExampleHost::finished);
    QVERIFY(pane.start(name, false));
    QVERIFY(finished.wait(20000));
    QVERIFY(finished.first().first().toBool());
    QVERIFY(pane.passRows() > 0);
}

void TestExamplePane::tourPointsAtHooks() {
    ExamplePane pane;
    QVERIFY(pane.start(QStringLiteral("echo-length")));
    ui::WalkThrough* tour = pane.walkThrough();
    QCOMPARE(tour->stepCount(), 5);
    QCOMPARE(tour->stepIndex(), 0);
    QCOMPARE(pane.currentFile(), QStringLiteral("EchoLengthServer.cpp"));  // handle_accept
    tour->next();
    QCOMPARE(pane.currentFile(), QStringLiteral("EchoLengthClient.cpp"));  // handle_connect
    tour->next();
    QVERIFY(tour->currentText().contains(QStringLiteral("set_terminator(231)")));
    QCOMPARE(pane.currentFile(), QStringLiteral("EchoLengthHandler.cpp"));  // found_terminator
    QVERIFY(pane.highlightedLine() > 0);
    for (const char* n : {"echo", "http"}) QVERIFY(!ui::tour(QLatin1String(n)).empty());
    pane.stop();
    QVERIFY(!pane.host()->isRunning());
}

void TestExamplePane::examplesMenuOpensThePane() {
    ui::MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(!w.exampleDock()->isVisible());
    auto* a = w.findChild<QAction*>(QStringLiteral("example-http"));
    QVERIFY(a);
    a->trigger();
    QTRY_VERIFY(w.exampleDock()->isVisible());
    QCOMPARE(w.examplePane()->exampleName(), QStringLiteral("http"));
    QVERIFY(w.examplePane()->host()->isRunning());
    w.examplePane()->stepAction()->trigger();
    QTRY_COMPARE(w.examplePane()->passRows(), 1);
}

QTEST_MAIN(TestExamplePane)
#include "tst_ExamplePane.moc"
