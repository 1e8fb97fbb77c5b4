// tst_LoopInspector.cpp — the Loop inspector against a live Reactor: pause,
// one step is exactly one new pass (one new row, with the hooks in order),
// the trace is empty while off, idle passes fold, and in the main window the
// trace follows the dock's visibility. The peer is a QTcpSocket; every wait
// is QTRY_* or a blocking wait on the peer's socket, never a sleep.
#include "ui/model/EngineBridge.h"
#include "ui/teaching/LoopInspector.h"
#include "ui/teaching/LoopPicture.h"
#include "ui/MainWindow.h"
#include "WindowTestSupport.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTreeWidget>

#include <memory>

using ui::EngineBridge;
using ui::LoopInspector;

namespace {

/// Counts what the bridge hands on: `loop`, `paused`, `channel_state`.
struct Counter {
    int loops = 0;
    int paused = 0;
    int snapshots = 0;
    Counter(EngineBridge& b, QObject* ctx) { attach(b, ctx); }
    void attach(EngineBridge& b, QObject* ctx) {
        QObject::connect(&b, &EngineBridge::batchReceived, ctx, [this](const std::vector<engine::Event>& batch) {
            for (const auto& e : batch) {
                if (e.kind == engine::EventKind::Loop) ++loops;
                if (e.kind == engine::EventKind::Paused) ++paused;
                if (e.kind == engine::EventKind::ChannelState) ++snapshots;
            }
        });
    }
};

/// A client channel of the bridge connected to a QTcpServer peer.
struct Pair {
    QTcpServer server;
    std::unique_ptr<QTcpSocket> peer;
    engine::ChannelId client = 0;
};

bool connectPair(EngineBridge& bridge, Pair& p) {
    if (!p.server.listen(QHostAddress::LocalHost, 0)) return false;
    p.client = bridge.openClient(QStringLiteral("127.0.0.1"), p.server.serverPort());
    if (!p.server.waitForNewConnection(10000)) return false;
    p.peer.reset(p.server.nextPendingConnection());
    return p.peer != nullptr;
}

/// Waits (QTRY_*'s default five seconds) for the bridge's client to be connected.
bool clientConnects(EngineBridge& bridge, const Pair& p) {
    return QTest::qWaitFor([&] {
        const ui::ChannelInfo* i = bridge.channelModel()->info(p.client);
        return i && i->phase == engine::ChannelPhase::Connected;
    });
}

/// Round trip through the reactor's command door: once the snapshot is
/// back, every pass that ran before it has been reported.
bool barrier(EngineBridge& bridge, Counter& c) {
    const int before = c.snapshots;
    bridge.reactor().snapshot();
    return QTest::qWaitFor([&] { return c.snapshots > before; }, 10000);
}

/// A bridge with a tracing inspector (and a Counter of its events) whose
/// client channel connects to a QTcpServer peer; built in this order.
struct TracedClient {
    EngineBridge bridge;
    Counter c;
    LoopInspector inspector;
    Pair p;
    explicit TracedClient(QObject* ctx) : c(bridge, ctx), inspector(&bridge) { inspector.setTracing(true); }
    bool connect() { return connectPair(bridge, p) && clientConnects(bridge, p); }
};

/// An event of `kind` (a loop pass, or a preview while paused) carrying `trace`.
engine::Event traceEvent(std::shared_ptr<const engine::LoopTrace> trace,
                         engine::EventKind kind = engine::EventKind::Loop) {
    engine::Event e;
    e.kind = kind;
    e.trace = std::move(trace);
    return e;
}

}  // namespace

class TestLoopInspector : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void traceIsEmptyWhileOff();
    void stepRunsExactlyOnePass();
    void idlePassesFold();
    void slowMotionSteps();
    void mainWindowTracesOnlyWhileTheDockIsOpen();
    void tlsLayerWantsAreMarked();
    void pictureShowsOnePassAndItsKeyMoments();
    void terminatorChangedInAHookIsAKeyMoment();
    void backendChosenLive();
    void tlsHandshakeShowsLayerWants();
};

void TestLoopInspector::traceIsEmptyWhileOff() {
    EngineBridge bridge;
    Counter c(bridge, this);
    LoopInspector inspector(&bridge);
    QVERIFY(!inspector.isTracing());
    Pair p;
    QVERIFY(connectPair(bridge, p));
    p.peer->write("hello\nworld\n");
    QVERIFY(p.peer->waitForBytesWritten(10000));
    QVERIFY(barrier(bridge, c));
    QTRY_VERIFY(bridge.channelModel()->info(p.client) && bridge.channelModel()->info(p.client)->messagesIn == 2);
    QVERIFY(barrier(bridge, c));
    QCOMPARE(c.loops, 0);
    QCOMPARE(inspector.rowCount(), 0);
    QCOMPARE(inspector.passesSeen(), std::uint64_t(0));
}

void TestLoopInspector::stepRunsExactlyOnePass() {
    TracedClient traced(this);
    QVERIFY(traced.connect());
    auto& [bridge, c, inspector, p] = traced;

    inspector.pause();
    QTRY_COMPARE(c.paused, 1);
    QVERIFY(barrier(bridge, c));
    const int rows = inspector.rowCount();
    const std::uint64_t passes = inspector.passesSeen();
    QVERIFY(inspector.nextStepText().contains(QStringLiteral("Paused")));

    // While paused, the peer keeps sending; nothing is dispatched.
    p.peer->write("PING\n");
    QVERIFY(p.peer->waitForBytesWritten(10000));
    QVERIFY(barrier(bridge, c));
    QCOMPARE(inspector.passesSeen(), passes);
    QCOMPARE(bridge.channelModel()->info(p.client)->messagesIn, std::uint64_t(0));

    // One step: exactly one pass, one new row, the read hooks in order.
    inspector.step();
    QTRY_COMPARE(inspector.passesSeen(), passes + 1);
    QVERIFY(barrier(bridge, c));
    QCOMPARE(inspector.passesSeen(), passes + 1);
    QCOMPARE(inspector.rowCount(), rows + 1);
    const QString row = inspector.rowText(rows);
    const qsizetype read = row.indexOf(QStringLiteral("handle_read"));
    const qsizetype collect = row.indexOf(QStringLiteral("collect_incoming_data"));
    const qsizetype found = row.indexOf(QStringLiteral("found_terminator"));
    QVERIFY2(read >= 0 && collect > read && found > collect, qPrintable(row));
    QVERIFY2(row.contains(QStringLiteral("(in)")), qPrintable(row));

    // A second step, a second pass.
    p.peer->write("PONG\n");
    QVERIFY(p.peer->waitForBytesWritten(10000));
    inspector.step();
    QTRY_COMPARE(inspector.passesSeen(), passes + 2);
    QVERIFY(barrier(bridge, c));
    QCOMPARE(inspector.passesSeen(), passes + 2);
    QCOMPARE(bridge.channelModel()->info(p.client)->messagesIn, std::uint64_t(2));

    // Half a message while paused: after its step the next-step line says
    // what is collected and waiting for the terminator.
    p.peer->write("PARTIAL");
    QVERIFY(p.peer->waitForBytesWritten(10000));
    inspector.step();
    QTRY_COMPARE(inspector.passesSeen(), passes + 3);
    QVERIFY(barrier(bridge, c));
    QTRY_VERIFY2(inspector.nextStepText().contains(QStringLiteral("7 B of a message collected")),
                 qPrintable(inspector.nextStepText()));

    inspector.resume();
    QVERIFY(!inspector.isPaused());
    QVERIFY(inspector.resumeAction() && !inspector.resumeAction()->isEnabled());
}

// The picture of a stepped pass: the channel's box with its answers, what
// the backend reported, the hooks, what the input buffer holds back; the
// key moments (terminator found, closed) as ★ rows in the picture and under
// the pass's row.
void TestLoopInspector::pictureShowsOnePassAndItsKeyMoments() {
    EngineBridge bridge;
    Counter c(bridge, this);
    LoopInspector inspector(&bridge);
    inspector.setTracing(true);
    Pair p;
    QVERIFY(p.server.listen(QHostAddress::LocalHost, 0));
    engine::ChannelOptions o;
    o.terminator = engine::Terminator::bytes("\r\n");
    p.client = bridge.openClient(QStringLiteral("127.0.0.1"), p.server.serverPort(), o);
    QVERIFY(p.server.waitForNewConnection(10000));
    p.peer.reset(p.server.nextPendingConnection());
    QVERIFY(p.peer && clientConnects(bridge, p));
    inspector.pause();
    QTRY_COMPARE(c.paused, 1);
    QVERIFY(barrier(bridge, c));

    p.peer->write("PING\r\nHALF\r");
    QVERIFY(p.peer->waitForBytesWritten(10000));
    const std::uint64_t passes = inspector.passesSeen();
    inspector.step();
    QTRY_COMPARE(inspector.passesSeen(), passes + 1);
    QVERIFY(barrier(bridge, c));
    const QString name = QStringLiteral("#%1 client").arg(p.client);
    const QString all = inspector.picture()->lines().join(QLatin1Char('\n'));
    QString box;
    for (const QString& l : inspector.picture()->lines())
        if (l.startsWith(name + QStringLiteral(" → "))) box = l;
    QVERIFY2(box.contains(QStringLiteral(" → readable() True, writable() False → ready: in → handle_read_event, handle_read, ")),
             qPrintable(all));
    QVERIFY2(box.contains(QStringLiteral("found_terminator, collect_incoming_data")), qPrintable(all));
    QVERIFY2(box.endsWith(QStringLiteral(" → terminator b\"\\r\\n\", in buffer: 1 B \"\\r\", fifo empty")),
             qPrintable(all));
    QVERIFY2(inspector.picture()->keyMoments().join(QLatin1Char('\n')).contains(name + QStringLiteral(": found_terminator")),
             qPrintable(all));
    const int row = inspector.rowCount() - 1;
    QVERIFY(!inspector.keyMomentRows(row).isEmpty());
    QVERIFY(inspector.keyMomentRows(row).first().startsWith(QStringLiteral("★")));
    QVERIFY(inspector.picture()->sizeHint().width() > 300);

    // The peer goes away: the pass that reads the end of file closes it.
    p.peer->close();
    bool closed = false;
    for (int i = 0; i < 5 && !closed; ++i) {
        const std::uint64_t before = inspector.passesSeen();
        inspector.step();
        QTRY_COMPARE(inspector.passesSeen(), before + 1);
        closed = inspector.picture()->keyMoments().join(QLatin1Char('\n')).contains(name + QStringLiteral(": closed"));
    }
    QVERIFY2(closed, qPrintable(inspector.picture()->lines().join(QLatin1Char('\n'))));
    // Selecting an older row shows that pass.
    inspector.selectRow(row);
    QVERIFY(inspector.picture()->lines().join(QLatin1Char('\n')).contains(QStringLiteral("in buffer: 1 B")));
    inspector.resume();
}

// set_terminator() inside found_terminator(), from the trace's
// terminatorChanges: a ★ row right after the found_terminator one.
void TestLoopInspector::terminatorChangedInAHookIsAKeyMoment() {
    EngineBridge bridge;
    LoopInspector inspector(&bridge);
    auto t = std::make_shared<engine::LoopTrace>();
    t->pass = 7;
    t->polled.push_back({9, true, false});
    t->ready.push_back({9, engine::kReadyIn});
    t->dispatched = {{9, engine::Hook::HandleRead}, {9, engine::Hook::CollectIncomingData},
                     {9, engine::Hook::FoundTerminator}};
    engine::LoopTrace::TerminatorChange change;
    change.channel = 9;
    change.hook = engine::Hook::FoundTerminator;
    change.hookIndex = 2;
    change.from = engine::Terminator::bytes("\n");
    change.to = engine::Terminator::count(231);
    t->terminatorChanges.push_back(change);
    engine::LoopTrace::After after;
    after.channel = 9;
    after.terminator = engine::Terminator::count(231);
    t->after.push_back(after);
    emit bridge.batchReceived({traceEvent(t)});
    QCOMPARE(inspector.rowCount(), 1);
    const QStringList stars = inspector.keyMomentRows(0);
    QCOMPARE(stars.size(), 2);
    QVERIFY2(stars[0].contains(QStringLiteral("#9: found_terminator")), qPrintable(stars.join(QLatin1Char('\n'))));
    QCOMPARE(stars[1], QStringLiteral("★ #9: set_terminator(231) inside found_terminator — it was b\"\\n\""));
    QCOMPARE(inspector.picture()->keyMoments(), stars);
    QVERIFY(inspector.picture()->lines().join(QLatin1Char('\n')).contains(QStringLiteral("terminator 231")));
}

// The backend chooser switches the Reactor's backend: the next passes wait
// in it (the Backend column says so) on the same channel.
void TestLoopInspector::backendChosenLive() {
    TracedClient traced(this);
    QVERIFY(traced.connect());
    auto& [bridge, c, inspector, p] = traced;
    QComboBox* chooser = inspector.backendChooser();
    QVERIFY(chooser->findText(QStringLiteral("select")) >= 0);
    QVERIFY(chooser->findText(QStringLiteral("poll")) >= 0);
    QCOMPARE(chooser->currentText(), QString::fromLatin1(engine::backendName(bridge.reactor().backend()).data()));
    int lines = 0;
    for (int i = 0; i < chooser->count(); ++i) {
        const QString name = chooser->itemText(i);
        chooser->setCurrentIndex(i);
        emit chooser->activated(i);
        QTRY_COMPARE(QString::fromLatin1(engine::backendName(bridge.reactor().backend()).data()), name);
        p.peer->write("line\n");
        QVERIFY(p.peer->waitForBytesWritten(10000));
        ++lines;
        QTRY_VERIFY(bridge.channelModel()->info(p.client)->messagesIn == std::uint64_t(lines));
        QVERIFY(barrier(bridge, c));
        bool seen = false;
        for (int r = 0; r < inspector.rowCount(); ++r)
            seen |= inspector.rowText(r).contains(QStringLiteral(" | ") + name + QStringLiteral(" | ")) &&
                    inspector.rowText(r).contains(QStringLiteral("found_terminator"));
        QVERIFY2(seen, qPrintable(name));
        QCOMPARE(chooser->currentText(), name);
    }
}

void TestLoopInspector::idlePassesFold() {
    // A client that is not yet connected is writable; once connected and
    // quiet, passes are idle only when a timeout ends the wait. Rather than
    // wait for timeouts, feed the inspector idle passes through the bridge's
    // own signal.
    EngineBridge bridge;
    LoopInspector inspector(&bridge);
    std::vector<engine::Event> batch;
    for (std::uint64_t pass = 1; pass <= 50; ++pass) {
        auto t = std::make_shared<engine::LoopTrace>();
        t->pass = pass;
        if (pass == 10) t->ready.push_back({1, engine::kReadyIn});
        batch.push_back(traceEvent(t));
    }
    emit bridge.batchReceived(batch);
    // 1–9 idle, 10 busy, 11–50 idle: three rows for fifty passes.
    QCOMPARE(inspector.passesSeen(), std::uint64_t(50));
    QCOMPARE(inspector.rowCount(), 3);
    QVERIFY2(inspector.rowText(0).startsWith(QStringLiteral("1–9 |")), qPrintable(inspector.rowText(0)));
    QVERIFY(inspector.rowText(0).contains(QStringLiteral("9 idle passes")));
    QVERIFY(inspector.rowText(1).startsWith(QStringLiteral("10 |")));
    QVERIFY(inspector.rowText(2).contains(QStringLiteral("40 idle passes")));
    // The picture keeps the last pass that did something.
    QVERIFY2(inspector.picture()->lines().first().startsWith(QStringLiteral("Pass 10 ")),
             qPrintable(inspector.picture()->lines().first()));
}

void TestLoopInspector::slowMotionSteps() {
    TracedClient traced(this);
    QVERIFY(traced.connect());
    auto& [bridge, c, inspector, p] = traced;
    inspector.setSlowMotionDelay(50);
    inspector.setSlowMotion(true);
    QVERIFY(inspector.isPaused());
    QTRY_COMPARE(c.paused, 1);
    p.peer->write("one\ntwo\n");
    QVERIFY(p.peer->waitForBytesWritten(10000));
    // The timer steps the loop: the messages arrive without a resume.
    QTRY_COMPARE(bridge.channelModel()->info(p.client)->messagesIn, std::uint64_t(2));
    QVERIFY(inspector.isPaused());
    inspector.resume();
    QVERIFY(!inspector.slowMotionAction()->isChecked());
}

void TestLoopInspector::mainWindowTracesOnlyWhileTheDockIsOpen() {
    ui::MainWindow w;
    QVERIFY(uitest::shown(w));
    QVERIFY(w.loopDock());
    QVERIFY(!w.loopDock()->isVisible());
    QVERIFY(!w.loopInspector()->isTracing());
    w.loopDock()->show();
    QTRY_VERIFY(w.loopInspector()->isTracing());
    w.loopDock()->hide();
    QTRY_VERIFY(!w.loopInspector()->isTracing());
    // Step from the menu opens the inspector (and pauses the loop).
    w.loopInspector()->stepAction()->trigger();
    QTRY_VERIFY(w.loopDock()->isVisible());
    QVERIFY(w.loopInspector()->isPaused());
    QVERIFY(w.loopInspector()->isTracing());
    w.loopInspector()->resume();
}

void TestLoopInspector::tlsLayerWantsAreMarked() {
    // A pass in which channel 2's TLS layer wants the socket readable and
    // channel 3's wants it writable, though neither application does: both
    // are listed, marked, with a tool tip that says why; a plain channel is not.
    EngineBridge bridge;
    LoopInspector inspector(&bridge);
    auto t = std::make_shared<engine::LoopTrace>();
    t->pass = 7;
    t->polled = {{2, false, false, true, false}, {3, true, false, false, true}, {4, true, false}};
    t->ready = {{3, engine::kReadyOut}};
    emit bridge.batchReceived({traceEvent(t)});
    QCOMPARE(inspector.rowCount(), 1);
    const QString row = inspector.rowText(0);
    QVERIFY2(row.contains(QStringLiteral("| #2 (TLS wants read), #3, #4 |")), qPrintable(row));
    QVERIFY2(row.contains(QStringLiteral("| #3 (TLS wants write) |")), qPrintable(row));
    auto* view = inspector.findChild<QTreeWidget*>(QStringLiteral("loopPasses"));
    QVERIFY(view && view->topLevelItem(0));
    const QString tip = view->topLevelItem(0)->toolTip(3);  // readable()
    QVERIFY2(tip.contains(QStringLiteral("TLS layer needs the socket")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("readable() / writable() answered False")), qPrintable(tip));
    QCOMPARE(view->topLevelItem(0)->toolTip(4), tip);  // writable()
    // A pass without any: no mark, no tip.
    t = std::make_shared<engine::LoopTrace>(*t);
    t->pass = 8;
    t->polled = {{4, true, false}};
    emit bridge.batchReceived({traceEvent(t)});
    QCOMPARE(inspector.rowCount(), 2);
    QVERIFY(!inspector.rowText(1).contains(QStringLiteral("TLS")));
    QVERIFY(view->topLevelItem(1)->toolTip(3).isEmpty());
    // Paused, the preview says it of a waiting channel.
    inspector.pause();
    auto pt = std::make_shared<engine::LoopTrace>();
    pt->pass = 9;
    pt->waiting = {{2, 0, false, false, 0, true, false, "the TLS layer reads"}};
    emit bridge.batchReceived({traceEvent(pt, engine::EventKind::Preview)});
    QVERIFY2(inspector.previewText().contains(QStringLiteral("its TLS layer wants the socket readable")),
             qPrintable(inspector.previewText()));
    inspector.resume();
}

void TestLoopInspector::tlsHandshakeShowsLayerWants() {
    // A live TLS handshake (a listener with a generated certificate and a
    // client to it, in the same loop): while it runs the application is held
    // back and only the TLS layers want the sockets, which the inspector shows.
    EngineBridge bridge;
    LoopInspector inspector(&bridge);
    inspector.setTracing(true);
    std::uint16_t port = 0;
    int handshakes = 0;
    connect(&bridge, &EngineBridge::batchReceived, this, [&](const std::vector<engine::Event>& batch) {
        for (const auto& e : batch) {
            if (e.kind == engine::EventKind::Listening) port = static_cast<std::uint16_t>(e.port());
            if (e.kind == engine::EventKind::TlsHandshake) ++handshakes;
        }
    });
    engine::ChannelOptions server;
    server.tls.enabled = true;
    server.tls.verify = false;  // no client certificate asked for
    bridge.openServer(QStringLiteral("127.0.0.1"), 0, server);
    QTRY_VERIFY_WITH_TIMEOUT(port != 0, 10000);
    engine::ChannelOptions client;
    client.tls.enabled = true;
    client.tls.verify = false;  // the generated certificate is self-signed
    bridge.openClient(QStringLiteral("127.0.0.1"), port, client);
    QTRY_COMPARE_WITH_TIMEOUT(handshakes, 2, 20000);
    bool marked = false;
    for (int r = 0; r < inspector.rowCount() && !marked; ++r)
        marked = inspector.rowText(r).contains(QStringLiteral("(TLS wants read)"));
    QVERIFY2(marked, "no pass showed a TLS layer wanting to read during the handshake");
}

QTEST_MAIN(TestLoopInspector)
#include "tst_LoopInspector.moc"
