// tst_ExamplePane.cpp — teaching mode's examples in the window: the pane runs
// an example paused in the window's own Reactor, one Step is one loop pass
// (one row), the source follows the hook that ran, the guided tour points at
// hooks, and the Examples menu makes the example's dispatchers channels of
// the window (channel list, conversation rows, Loop inspector passes and the
// paused preview). Every wait is QTRY_* / QSignalSpy::wait.
#include "ui/model/ChannelModel.h"
#include "ui/views/ConversationView.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"
#include "ui/teaching/ExampleHost.h"
#include "ui/teaching/ExamplePane.h"
#include "ui/teaching/LoopInspector.h"
#include "examples/ExampleRunner.h"
#include "ui/teaching/LoopPicture.h"
#include "ui/teaching/TeachingController.h"
#include "ui/MainWindow.h"
#include "ui/session/SessionController.h"
#include "ui/teaching/WalkThrough.h"
#include "../OffscreenScreen.h"
#include "WindowTestSupport.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QLabel>
#include <QPointer>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using ui::ExamplePane;

namespace {
/// The channel of the example's dispatcher of Python class `label` (0: none).
engine::ChannelId channelOf(const ui::ExampleHost& host, const QString& label) {
    for (engine::ChannelId id : host.channels())
        if (host.classOf(id) == label) return id;
    return 0;
}
}  // namespace

class TestExamplePane : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    // Each window starts from no saved layout (a window closed with the
    // example dock open would show it in the next).
    void init() { QSettings().clear(); }
    void stepsOnePassAtATimeAndHighlightsTheHook();
    void everyExampleRunsToTheEnd_data();
    void everyExampleRunsToTheEnd();
    void tourPointsAtHooks();
    void stopClosesTheExamplesChannels();
    void examplesMenuShowsChannelsAndConversation();
    void closingTheWindowWhileAnExampleRuns();
    void exampleFromAReadOnlyWindowRunsInALiveOne();
    void loopRunsAgainAfterTheExample();
    void slowMotionStopsWithTheExample();
    void pausedLoopIsShownInTheStatusBar();
    void httpPostSwitchesToACountTerminatorInThePicture();
    void teachingLayoutFitsAProjector();
};

void TestExamplePane::stepsOnePassAtATimeAndHighlightsTheHook() {
    ui::EngineBridge bridge;
    ExamplePane pane(&bridge);
    QVERIFY(pane.start(QStringLiteral("echo-length")));
    QVERIFY(pane.host()->isRunning());
    QVERIFY(pane.host()->isPaused());
    QTRY_VERIFY(pane.host()->port() != 0);
    QTRY_VERIFY(channelOf(*pane.host(), QStringLiteral("EchoClient")) != 0);
    QCOMPARE(pane.passRows(), 0);
    QCOMPARE(pane.currentFile(), QStringLiteral("EchoLengthServer.cpp"));  // the tour's first step

    // One Step, one pass, one row — and the source shows a hook of the example.
    pane.stepAction()->trigger();
    QTRY_COMPARE(pane.passRows(), 1);
    QCOMPARE(pane.host()->passes(), quint64(1));
    QVERIFY(pane.highlightedLine() > 0);
    // Step on until the handler's found_terminator has run: the pane names
    // the C++ method that implements it.
    for (int i = 2; i < 30 && !pane.hookText().contains(QStringLiteral("EchoLengthHandler::foundTerminator")); ++i) {
        pane.stepAction()->trigger();
        QTRY_COMPARE(pane.passRows(), i);
    }
    QVERIFY2(pane.hookText().contains(QStringLiteral("EchoHandler.found_terminator → EchoLengthHandler::foundTerminator")),
             qPrintable(pane.hookText()));
    QCOMPARE(pane.currentFile(), QStringLiteral("EchoLengthHandler.cpp"));
    QCOMPARE(pane.host()->passes(), quint64(pane.passRows()));

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
    ui::EngineBridge bridge;
    ExamplePane pane(&bridge);
    QSignalSpy finished(pane.host(), &ui::ExampleHost::finished);
    QVERIFY(pane.start(name, false));
    QVERIFY(finished.wait(20000));
    QVERIFY(finished.first().first().toBool());
    QVERIFY(pane.passRows() > 0);
    QVERIFY(!pane.host()->isRunning());
}

void TestExamplePane::tourPointsAtHooks() {
    ui::EngineBridge bridge;
    ExamplePane pane(&bridge);
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

void TestExamplePane::stopClosesTheExamplesChannels() {
    ui::EngineBridge bridge;
    ExamplePane pane(&bridge);
    QVERIFY(pane.start(QStringLiteral("echo")));
    QTRY_VERIFY(channelOf(*pane.host(), QStringLiteral("EchoServer")) != 0);
    const engine::ChannelId server = channelOf(*pane.host(), QStringLiteral("EchoServer"));
    QTRY_VERIFY(bridge.channelModel()->info(server) != nullptr);
    QVERIFY(bridge.channelModel()->info(server)->phase == engine::ChannelPhase::Listening);
    pane.stop();
    QTRY_COMPARE(bridge.channelModel()->info(server)->phase, engine::ChannelPhase::Closed);
}

void TestExamplePane::examplesMenuShowsChannelsAndConversation() {
    ui::MainWindow w;
    QVERIFY(uitest::shown(w));
    QVERIFY(!w.exampleDock()->isVisible());
    auto* a = w.findChild<QAction*>(QStringLiteral("example-echo-length"));
    QVERIFY(a);
    a->trigger();
    QTRY_VERIFY(w.exampleDock()->isVisible());
    QTRY_VERIFY(w.loopDock()->isVisible());
    ExamplePane* pane = w.examplePane();
    QCOMPARE(pane->exampleName(), QStringLiteral("echo-length"));
    QVERIFY(pane->host()->isRunning());
    QTRY_VERIFY(channelOf(*pane->host(), QStringLiteral("EchoClient")) != 0);

    // The example's dispatchers are channels of the window, named by class.
    ui::ChannelModel* channels = w.bridge()->channelModel();
    const engine::ChannelId server = channelOf(*pane->host(), QStringLiteral("EchoServer"));
    QTRY_VERIFY(channels->info(server) && channels->info(server)->label == QStringLiteral("EchoServer"));

    // Step (paused from the start): one pass each, in the Loop inspector too,
    // with the example's class names; the pane follows the hooks.
    ui::LoopInspector* loop = w.loopInspector();
    QVERIFY(loop->isPaused());
    for (int i = 1; i <= 3; ++i) {
        pane->stepAction()->trigger();
        QTRY_COMPARE(pane->passRows(), i);
    }
    bool named = false;
    for (int r = 0; r < loop->rowCount(); ++r) named |= loop->rowText(r).contains(QStringLiteral("EchoServer#"));
    QVERIFY(named);
    QVERIFY(!pane->hookText().isEmpty());
    // Paused: the inspector says what waits and what the next step does.
    QTRY_VERIFY(loop->previewText().contains(QStringLiteral("next: ")));

    // Run to the end: the handler's rows are in the conversation.
    QSignalSpy finished(pane->host(), &ui::ExampleHost::finished);
    pane->host()->resume();
    QVERIFY(finished.wait(20000));
    const engine::ChannelId handler = channelOf(*pane->host(), QStringLiteral("EchoHandler"));
    QVERIFY(handler != 0);
    QTRY_VERIFY(channels->info(handler) && channels->info(handler)->messagesIn == 2);
    QCOMPARE(channels->info(handler)->parent, server);
    const ui::EventLogStore& store = w.bridge()->store();
    std::size_t collects = 0, found = 0;
    for (std::size_t row = 0; row < store.size(); ++row) {
        const ui::LogRecord& r = store.record(row);
        if (r.channel != handler) continue;
        collects += r.kind == engine::EventKind::Collect;
        found += r.kind == engine::EventKind::FoundTerminator;
    }
    QVERIFY(collects >= 4);
    QCOMPARE(found, std::size_t(2));
    QTRY_VERIFY(w.conversation()->model()->rowCount() > 10);
    // The conversation names the example's channels by class.
    ui::EventLogModel* model = w.conversation()->model();
    bool labelled = false;
    for (int row = 0; row < model->rowCount() && !labelled; ++row)
        labelled = model->index(row, ui::EventLogModel::ColChannel).data().toString() ==
                   QStringLiteral("#%1 EchoHandler").arg(handler);
    QVERIFY(labelled);
}

void TestExamplePane::closingTheWindowWhileAnExampleRuns() {
    // The window's members (the engine) go before its child widgets (the
    // example pane): the pane must not reach for the engine then.
    auto* w = new ui::MainWindow;
    w->show();
    QVERIFY(QTest::qWaitForWindowExposed(w));
    QVERIFY(w->openExample(QStringLiteral("echo")));
    QTRY_VERIFY(w->examplePane()->host()->port() != 0);
    QVERIFY(w->examplePane()->host()->isRunning());
    delete w;  // ASan (CI) catches a use after free here
}

// Issue 18, bug 3: an example started from a read-only session window
// opened dead (panes up, nothing running, Step doing nothing).
void TestExamplePane::exampleFromAReadOnlyWindowRunsInALiveOne() {
    ui::MainWindow w;
    QVERIFY(uitest::shown(w));
    w.sessionController()->showSession(QStringLiteral("recorded.lwsession"), engine::LoadedSession{});
    QVERIFY(w.sessionController()->isReadOnly());
    auto* a = w.findChild<QAction*>(QStringLiteral("example-echo"));
    QVERIFY(a);
    QVERIFY2(a->toolTip().contains(QLatin1String("new window")), qPrintable(a->toolTip()));
    a->trigger();
    // A live window of its own runs it, and steps; the read-only one runs nothing.
    QPointer<ui::MainWindow> live;
    for (QWidget* top : QApplication::topLevelWidgets())
        if (auto* m = qobject_cast<ui::MainWindow*>(top); m && m != &w && m->isVisible()) live = m;
    QVERIFY(live);
    QVERIFY(!live->sessionController()->isReadOnly());
    QVERIFY(live->examplePane()->host()->isRunning());
    QTRY_VERIFY(live->examplePane()->host()->port() != 0);
    live->examplePane()->stepAction()->trigger();
    QTRY_VERIFY(live->examplePane()->passRows() >= 1);
    QVERIFY(!w.examplePane()->host()->isRunning());
    QVERIFY(!w.exampleDock()->isVisible());
    live->close();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QTRY_VERIFY(!live);
}

// Issue 18, bug 4: after an example, the loop stayed paused (and slow
// motion went on stepping idle passes): a later Connect sat on "connecting"
// until F8. The loop goes back to what it did before the example.
void TestExamplePane::loopRunsAgainAfterTheExample() {
    ui::EngineBridge bridge;
    ExamplePane pane(&bridge);
    QVERIFY(!pane.host()->isPaused());
    QSignalSpy finished(pane.host(), &ui::ExampleHost::finished);
    QVERIFY(pane.start(QStringLiteral("echo")));  // paused at its start
    QVERIFY(pane.host()->isPaused());
    pane.host()->setDelay(1);  // slow motion to the end
    QVERIFY(finished.wait(20000));
    QTRY_VERIFY(!pane.host()->isPaused());

    // A listener and a client opened now get going without anyone stepping.
    const engine::ChannelId server = bridge.openServer(QStringLiteral("127.0.0.1"), 0);
    QTRY_VERIFY(bridge.channelModel()->info(server) && !bridge.channelModel()->info(server)->local.isEmpty());
    const QString local = bridge.channelModel()->info(server)->local;
    const auto port = static_cast<std::uint16_t>(local.mid(local.lastIndexOf(u':') + 1).toUInt());
    const engine::ChannelId client = bridge.openClient(QStringLiteral("127.0.0.1"), port);
    QTRY_VERIFY(bridge.channelModel()->info(client) &&
                bridge.channelModel()->info(client)->phase == engine::ChannelPhase::Connected);

    // A loop paused before the example stays paused after it.
    pane.host()->pause();
    QTRY_VERIFY(pane.host()->isPaused());
    finished.clear();
    QVERIFY(pane.start(QStringLiteral("echo")));
    pane.host()->setDelay(1);
    QVERIFY(finished.wait(20000));
    QVERIFY(pane.host()->isPaused());
    pane.host()->resume();
}

// The same in the window, stepped to the end with the Loop menu's slow
// motion: that stops with the example, and the loop runs again.
void TestExamplePane::slowMotionStopsWithTheExample() {
    ui::MainWindow w;
    QVERIFY(uitest::shown(w));
    QSignalSpy finished(w.examplePane()->host(), &ui::ExampleHost::finished);
    QVERIFY(w.openExample(QStringLiteral("echo")));
    w.loopInspector()->setSlowMotionDelay(1);
    w.loopInspector()->setSlowMotion(true);
    QVERIFY(finished.wait(20000));
    QVERIFY(!w.loopInspector()->slowMotionAction()->isChecked());
    QTRY_VERIFY(!w.loopInspector()->isPaused());
}

// A paused loop is said in the status bar for as long as it is paused.
void TestExamplePane::pausedLoopIsShownInTheStatusBar() {
    ui::MainWindow w;
    QVERIFY(uitest::shown(w));
    auto* label = w.findChild<QLabel*>(QStringLiteral("loopPausedLabel"));
    QVERIFY(label);
    QVERIFY(!label->isVisible());
    w.loopInspector()->pause();
    QTRY_VERIFY(label->isVisible());
    QVERIFY(label->text().contains(QLatin1String("paused")));
    w.loopInspector()->resume();
    QTRY_VERIFY(!label->isVisible());
}

// The http example's second client POSTs a body: the Loop inspector shows
// set_terminator(<Content-Length>) inside found_terminator as a ★ row.
void TestExamplePane::httpPostSwitchesToACountTerminatorInThePicture() {
    ui::MainWindow w;
    QVERIFY(uitest::shown(w));
    QVERIFY(w.openExample(QStringLiteral("http")));
    ExamplePane* pane = w.examplePane();
    QSignalSpy finished(pane->host(), &ui::ExampleHost::finished);
    pane->host()->resume();
    QVERIFY(finished.wait(20000));
    QVERIFY(finished.first().first().toBool());
    ui::LoopInspector* loop = w.loopInspector();
    const QString want = QStringLiteral("set_terminator(%1) inside found_terminator — it was b\"\\r\\n\\r\\n\"")
                             .arg(examples::defaultHttpBody().size());
    int row = -1;
    QTRY_VERIFY([&] {
        for (int r = 0; r < loop->rowCount(); ++r)
            for (const QString& s : loop->keyMomentRows(r))
                if (s.startsWith(QStringLiteral("★ http_request_handler#")) && s.contains(want)) row = r;
        return row >= 0;
    }());
    loop->selectRow(row);
    QVERIFY(loop->picture()->keyMoments().join(QLatin1Char('\n')).contains(want));
}

// Loop ▸ Teaching layout at 1280×720: the example's source and the Loop
// inspector side by side, most of the height, the panels not about the loop
// closed; the loop picture's scroll area and the source get real room.
void TestExamplePane::teachingLayoutFitsAProjector() {
    ui::MainWindow w;
    w.resize(1280, 720);
    QVERIFY(uitest::shown(w));
    QAction* layout = w.findChild<QAction*>(QStringLiteral("teachingLayout"));
    QVERIFY(layout);
    QVERIFY(w.openExample(QStringLiteral("echo-length")));
    layout->trigger();
    QTRY_VERIFY(w.loopDock()->isVisible() && w.exampleDock()->isVisible());
    QVERIFY(w.tabifiedDockWidgets(w.loopDock()).isEmpty());
    QCOMPARE(w.dockWidgetArea(w.loopDock()), Qt::BottomDockWidgetArea);
    QCOMPARE(w.dockWidgetArea(w.exampleDock()), Qt::BottomDockWidgetArea);
    auto* inspectorDock = w.findChild<QDockWidget*>(QStringLiteral("InspectorDock"));
    QVERIFY(inspectorDock && !inspectorDock->isVisible());
    QTRY_VERIFY(w.exampleDock()->geometry().right() < w.loopDock()->geometry().left());
    QVERIFY2(w.loopDock()->height() >= w.height() / 2,
             qPrintable(QStringLiteral("%1 of %2").arg(w.loopDock()->height()).arg(w.height())));
    // Side by side across the window (the offscreen screen may be smaller than 1280×720).
    QVERIFY2(w.loopDock()->width() >= w.width() * 2 / 5 && w.exampleDock()->width() >= w.width() / 4,
             qPrintable(QStringLiteral("loop %1, example %2, window %3")
                            .arg(w.loopDock()->width())
                            .arg(w.exampleDock()->width())
                            .arg(w.width())));
    w.examplePane()->stop();
}

// A 1600x1000 offscreen screen (the default one is 800x600, smaller than the
// 1280x720 projector window teachingLayoutFitsAProjector() lays out: the
// window would be clamped to the screen and the test would measure that).
int main(int argc, char** argv) {
    return lwtest::runOnOffscreenScreen<TestExamplePane>(argc, argv, 1600, 1000);
}
#include "tst_ExamplePane.moc"
