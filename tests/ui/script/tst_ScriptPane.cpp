// tst_ScriptPane.cpp — the window's script pane (ui/script) against a real
// redis-server nobody here wrote, on loopback: run a script and see every
// step pass, click a result and land on its message in the run's
// conversation; step (the run holds before each step until Step); a failing
// expect shows what was expected and what came; a bad script names its line
// and runs nothing; Stop interrupts an expect that waits; "Make from
// channel" in the window turns a channel's conversation with redis (typed
// in the composer) into a script that then passes, and takes the channel's
// rows of a large log fast; in the window the run is hosted in the window's
// loop: pausing it pauses the script (no timeout runs out), its Step
// advances the script, and a result jumps in the window's conversation too;
// the highlighter colours statements, strings and escapes. The run works on
// a loop thread (the window's Reactor, or the pane's own): the test's (GUI)
// thread keeps turning while it runs (QTRY waits).
// redis-server missing: QSKIP. Random ports; every wait bounded.
#include "ui/MainWindow.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "engine/reactor/HostedWork.h"
#include "ui/script/ScriptHighlighter.h"
#include "ui/script/ScriptPane.h"
#include "ui/views/Composer.h"
#include "ui/views/ConversationView.h"
#include "ui/views/EscapeEdit.h"
#include "../../app/PeerTestSupport.h"
#include "WindowTestSupport.h"

#include <QAction>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QTreeWidget>

using ui::ScriptPane;

namespace {

constexpr int kWaitMs = 30000;

QString column(QTreeWidget* t, int row, int col) {
    QTreeWidgetItem* i = t->topLevelItem(row);
    return i ? i->text(col) : QString();
}

// The text of the conversation's current row (its Data column).
QString currentMessage(ScriptPane& pane) {
    QTableView* t = pane.conversation()->table();
    const QModelIndex i = t->currentIndex();
    return i.isValid() ? pane.conversation()->model()->data(i.siblingAtColumn(ui::EventLogModel::ColData)).toString()
                       : QString();
}

}  // namespace

class tst_ScriptPane : public QObject {
    Q_OBJECT

    lwtest::RedisServer m_redis{kWaitMs};

    QByteArray pingScript() const {
        return "# ping, set, get\n"
               "connect " + m_redis.to() + "\n"
               "send \"PING\"\n"
               "expect \"+PONG\"\n"
               "send \"SET pane-key hello\"\n"
               "expect \"+OK\"\n"
               "send \"GET pane-key\"\n"
               "expect regex \"^\\$([0-9]+)$\" as len\n"
               "expect \"hello\"\n"
               "close\n";
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        if (!m_redis.start()) QSKIP("redis-server is not installed or did not start");
    }

    void runShowsEachStepAndJumpsToItsMessage() {
        ScriptPane pane;
        pane.resize(900, 800);
        pane.show();
        QSignalSpy done(&pane, &ScriptPane::runFinished);
        pane.setScriptText(QString::fromUtf8(pingScript()));
        QVERIFY(pane.run());
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, kWaitMs);
        QVERIFY2(done.at(0).at(0).toBool(), qPrintable(pane.statusText()));
        QVERIFY2(pane.statusText().startsWith(QLatin1String("Passed: 9 steps")), qPrintable(pane.statusText()));
        QTreeWidget* r = pane.results();
        QCOMPARE(r->topLevelItemCount(), 9);
        for (int i = 0; i < 9; ++i) QCOMPARE(column(r, i, ScriptPane::ColResult), QStringLiteral("passed"));
        QCOMPARE(column(r, 0, ScriptPane::ColLine), QStringLiteral("2"));
        QVERIFY(column(r, 0, ScriptPane::ColDetail).startsWith(QLatin1String("to 127.0.0.1:")));
        QCOMPARE(column(r, 2, ScriptPane::ColStatement), QStringLiteral("expect \"+PONG\""));
        QCOMPARE(column(r, 2, ScriptPane::ColDetail), QStringLiteral("'+PONG'"));
        QCOMPARE(column(r, 7, ScriptPane::ColDetail), QStringLiteral("'hello'"));

        // A result jumps to its message in the run's conversation.
        QVERIFY(pane.jumpTo(r->topLevelItem(2)));
        QVERIFY2(currentMessage(pane).startsWith(QLatin1String("+PONG")), qPrintable(currentMessage(pane)));
        QVERIFY(pane.jumpTo(r->topLevelItem(7)));
        QVERIFY2(currentMessage(pane).startsWith(QLatin1String("hello")), qPrintable(currentMessage(pane)));
        // A send jumps to its push (the row says how much: "SET pane-key hello\r\n"); a click does the same.
        const QRect rect = r->visualItemRect(r->topLevelItem(3));
        QTest::mouseClick(r->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(currentMessage(pane), QStringLiteral("20 bytes"));
    }

    void stepHoldsBeforeEachStep() {
        ScriptPane pane;
        pane.show();
        QSignalSpy done(&pane, &ScriptPane::runFinished);
        pane.setScriptText(QString::fromUtf8(pingScript()));
        QVERIFY(pane.step());
        QTRY_VERIFY2_WITH_TIMEOUT(pane.statusText().startsWith(QLatin1String("Paused before line 3")),
                                  qPrintable(pane.statusText()), kWaitMs);
        QCOMPARE(pane.results()->topLevelItemCount(), 1);  // the connect, and nothing after it
        QCOMPARE(column(pane.results(), 0, ScriptPane::ColResult), QStringLiteral("passed"));
        QVERIFY(pane.editor()->isReadOnly());
        // The editor marks the line the run holds before.
        QCOMPARE(pane.editor()->textCursor().blockNumber(), 2);
        QVERIFY(pane.step());
        QTRY_VERIFY2_WITH_TIMEOUT(pane.statusText().startsWith(QLatin1String("Paused before line 4")),
                                  qPrintable(pane.statusText()), kWaitMs);
        QCOMPARE(pane.results()->topLevelItemCount(), 2);
        QVERIFY(pane.step());
        QTRY_VERIFY2_WITH_TIMEOUT(pane.statusText().startsWith(QLatin1String("Paused before line 5")),
                                  qPrintable(pane.statusText()), kWaitMs);
        QCOMPARE(column(pane.results(), 2, ScriptPane::ColDetail), QStringLiteral("'+PONG'"));
        QCOMPARE(done.size(), 0);
        // Run: the rest, to the end.
        QVERIFY(pane.run());
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, kWaitMs);
        QVERIFY(done.at(0).at(0).toBool());
        QCOMPARE(pane.results()->topLevelItemCount(), 9);
        QVERIFY(!pane.editor()->isReadOnly());
    }

    void failingExpectShowsExpectedAndGot() {
        ScriptPane pane;
        QSignalSpy done(&pane, &ScriptPane::runFinished);
        pane.setScriptText(QStringLiteral("connect %1\nsend \"PING\"\nexpect \"+PANG\"\n").arg(QString::fromUtf8(m_redis.to())));
        QVERIFY(pane.run());
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, kWaitMs);
        QVERIFY(!done.at(0).at(0).toBool());
        QCOMPARE(pane.results()->topLevelItemCount(), 3);
        QCOMPARE(column(pane.results(), 2, ScriptPane::ColResult), QStringLiteral("failed"));
        const QString detail = column(pane.results(), 2, ScriptPane::ColDetail);
        QVERIFY2(detail.contains(QLatin1String("the next message did not match")) &&
                     detail.contains(QLatin1String("expected equals '+PANG'")) &&
                     detail.contains(QLatin1String("got '+PONG'")),
                 qPrintable(detail));
        QVERIFY2(pane.statusText().startsWith(QLatin1String("Failed at script.lws:3")), qPrintable(pane.statusText()));
        // The failed step jumps to the message that came instead.
        QVERIFY(pane.jumpTo(pane.results()->topLevelItem(2)));
        QVERIFY2(currentMessage(pane).startsWith(QLatin1String("+PONG")), qPrintable(currentMessage(pane)));
    }

    void badScriptNamesItsLineAndRunsNothing() {
        ScriptPane pane;
        pane.setScriptText(QStringLiteral("connect 127.0.0.1:1\n\nsned \"x\"\n"));
        QVERIFY(!pane.run());
        QVERIFY(!pane.running());
        QVERIFY2(pane.statusText().startsWith(QLatin1String("script.lws:3: unknown statement 'sned'")),
                 qPrintable(pane.statusText()));
        QCOMPARE(pane.results()->topLevelItemCount(), 0);
        QCOMPARE(pane.editor()->textCursor().blockNumber(), 2);  // the bad line, marked
        pane.setScriptText(QStringLiteral("connect 127.0.0.1:1\n"));
        pane.targetEdit()->setText(QStringLiteral("nowhere"));
        QVERIFY(!pane.run());
        QVERIFY2(pane.statusText().contains(QLatin1String("is not HOST:PORT")), qPrintable(pane.statusText()));
    }

    void stopInterruptsAWaitingExpect() {
        ScriptPane pane;
        QSignalSpy done(&pane, &ScriptPane::runFinished);
        // The target replaces the script's (a port nothing listens on).
        pane.setScriptText(QStringLiteral("connect 127.0.0.1:1\nexpect \"never\" timeout 600\n"));
        pane.targetEdit()->setText(QString::fromUtf8(m_redis.to()));
        QVERIFY(pane.run());
        QTRY_VERIFY_WITH_TIMEOUT(pane.results()->topLevelItemCount() == 2 &&
                                     column(pane.results(), 1, ScriptPane::ColResult) == QStringLiteral("running…"),
                                 kWaitMs);
        QVERIFY(pane.stopAction()->isEnabled());
        pane.stop();
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, kWaitMs);
        QCOMPARE(column(pane.results(), 1, ScriptPane::ColResult), QStringLiteral("failed"));
        QVERIFY(column(pane.results(), 1, ScriptPane::ColDetail).startsWith(QLatin1String("interrupted")));
    }

    void makeFromWindowChannelThenRun() {
        ui::MainWindow w;
        QVERIFY(uitest::shown(w));
        ui::ConnectParams params;
        params.host = QStringLiteral("127.0.0.1");
        params.port = m_redis.port;
        const engine::ChannelId id = w.connectTo(params);
        QVERIFY(id != 0);
        w.selectChannel(id);
        QTRY_VERIFY_WITH_TIMEOUT(w.bridge()->channelModel()->info(id) &&
                                     w.bridge()->channelModel()->info(id)->phase == engine::ChannelPhase::Connected,
                                 kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(w.composer()->target(), id, kWaitMs);
        w.composer()->editor()->setFocus();
        QTest::keyClicks(w.composer()->editor(), "PING");
        QVERIFY(w.composer()->send());
        const auto gotPong = [&] {
            const ui::EventLogStore& s = w.bridge()->store();
            for (std::size_t row = 0; row < s.size(); ++row)
                if (s.record(row).channel == id && s.record(row).kind == engine::EventKind::Collect && s.data(row) == "+PONG")
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(gotPong(), kWaitMs);

        QVERIFY(!w.scriptDock()->isVisible());
        QAction* make = w.action(QStringLiteral("makeScript"));
        QVERIFY(make);
        make->trigger();
        QVERIFY(w.scriptDock()->isVisible());  // the menu's action shows the pane
        ScriptPane* pane = w.scriptPane();
        const QString text = pane->scriptText();
        QVERIFY2(text.contains(QStringLiteral("connect 127.0.0.1:%1\n").arg(m_redis.port)), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("send raw \"PING\\r\\n\"\n")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("expect \"+PONG\"\n")), qPrintable(text));
        QSignalSpy done(pane, &ScriptPane::runFinished);
        w.action(QStringLiteral("scriptRun"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, kWaitMs);
        QVERIFY2(done.at(0).at(0).toBool(), qPrintable(pane->statusText()));
        // The window's own conversation is not touched by the script's run.
        QVERIFY(pane->conversation() != w.conversation());
        if (const QByteArray dir = qgetenv("LW_SCRIPT_SHOT_DIR"); !dir.isEmpty()) {
            if (qgetenv("LW_SCRIPT_SHOT_SCHEME") == "dark") w.action(QStringLiteral("scheme2"))->trigger();
            w.resize(1400, 880);
            w.scriptDock()->raise();
            QVERIFY(pane->jumpTo(pane->results()->topLevelItem(2)));
            QCoreApplication::sendPostedEvents();
            QCoreApplication::processEvents();
            w.grab().save(QString::fromUtf8(dir) + QStringLiteral("/script-pane-%1.png")
                                                   .arg(QString::fromUtf8(qgetenv("LW_SCRIPT_SHOT_SCHEME"))));
        }
    }

    // The run is hosted in the window's loop: pausing that loop (the Loop
    // inspector's Pause, F6) holds the script — an expect waiting does not
    // time out while paused — and Resume (F8) lets it go on, its timeout
    // counted without the pause.
    void pausingTheWindowsLoopPausesTheScript() {
        ui::MainWindow w;
        QVERIFY(uitest::shown(w));
        ScriptPane* pane = w.scriptPane();
        QSignalSpy done(pane, &ScriptPane::runFinished);
        pane->setScriptText(QStringLiteral("connect %1\nsend \"PING\"\nexpect \"+PONG\"\nexpect \"never\" timeout 3s\n")
                                .arg(QString::fromUtf8(m_redis.to())));
        QVERIFY(pane->run());
        QTRY_VERIFY_WITH_TIMEOUT(pane->results()->topLevelItemCount() == 4 &&
                                     column(pane->results(), 3, ScriptPane::ColResult) == QStringLiteral("running…"),
                                 kWaitMs);
        auto* pause = w.findChild<QAction*>(QStringLiteral("loopPause"));
        auto* resume = w.findChild<QAction*>(QStringLiteral("loopResume"));
        QVERIFY(pause && resume);
        pause->trigger();
        QTRY_VERIFY2_WITH_TIMEOUT(pane->statusText().startsWith(QLatin1String("The window's loop is paused")),
                                  qPrintable(pane->statusText()), kWaitMs);
        // Longer than the expect's timeout: nothing may end while paused.
        QElapsedTimer paused;
        paused.start();
        QVERIFY(QTest::qWaitFor([&] { return done.size() > 0 || paused.elapsed() > 4000; }, kWaitMs));
        QCOMPARE(done.size(), 0);
        QCOMPARE(column(pane->results(), 3, ScriptPane::ColResult), QStringLiteral("running…"));
        resume->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, kWaitMs);
        QVERIFY(!done.at(0).at(0).toBool());
        QCOMPARE(column(pane->results(), 3, ScriptPane::ColResult), QStringLiteral("failed"));
        QVERIFY2(column(pane->results(), 3, ScriptPane::ColDetail).startsWith(QLatin1String("timed out after 3000 ms")),
                 qPrintable(column(pane->results(), 3, ScriptPane::ColDetail)));
        // The time it waited is the expect's own, without the four paused seconds.
        const double waited = column(pane->results(), 3, ScriptPane::ColTime).section(QLatin1Char(' '), 0, 0).toDouble();
        QVERIFY2(waited >= 2990 && waited < 3900, qPrintable(column(pane->results(), 3, ScriptPane::ColTime)));
    }

    // With the window's loop paused a script does not even connect; each
    // Step of the loop (F7) runs one pass, and stepping carries the script
    // to its end while the loop stays paused.
    void theLoopsStepAdvancesAPausedScript() {
        ui::MainWindow w;
        QVERIFY(uitest::shown(w));
        auto* pause = w.findChild<QAction*>(QStringLiteral("loopPause"));
        auto* step = w.findChild<QAction*>(QStringLiteral("loopStep"));
        auto* resume = w.findChild<QAction*>(QStringLiteral("loopResume"));
        QVERIFY(pause && step && resume);
        pause->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(resume->isEnabled(), kWaitMs);  // the inspector heard the loop paused
        ScriptPane* pane = w.scriptPane();
        QSignalSpy done(pane, &ScriptPane::runFinished);
        pane->setScriptText(QString::fromUtf8(pingScript()));
        QVERIFY(pane->run());
        QTRY_VERIFY2_WITH_TIMEOUT(pane->statusText().startsWith(QLatin1String("The window's loop is paused")),
                                  qPrintable(pane->statusText()), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(pane->results()->topLevelItemCount(), 1, kWaitMs);  // the connect began
        QElapsedTimer held;
        held.start();
        QVERIFY(QTest::qWaitFor([&] { return pane->results()->topLevelItemCount() > 1 || held.elapsed() > 1000; }, kWaitMs));
        QCOMPARE(pane->results()->topLevelItemCount(), 1);
        QCOMPARE(column(pane->results(), 0, ScriptPane::ColResult), QStringLiteral("running…"));
        // Step the loop, one pass at a time, until the script is done.
        int steps = 0;
        QVERIFY(QTest::qWaitFor(
            [&] {
                if (done.size() > 0) return true;
                if (!step->isEnabled()) return false;
                step->trigger();
                ++steps;
                return false;
            },
            kWaitMs));
        QVERIFY2(done.at(0).at(0).toBool(), qPrintable(pane->statusText()));
        QCOMPARE(pane->results()->topLevelItemCount(), 9);
        QVERIFY(resume->isEnabled());  // still paused
        qInfo("the script ran in %d loop steps", steps);
        resume->trigger();
    }

    // In the window a result also shows its bytes in the main conversation:
    // the script's connection is a channel of the window.
    void aResultJumpsInTheWindowsConversation() {
        ui::MainWindow w;
        QVERIFY(uitest::shown(w));
        ScriptPane* pane = w.scriptPane();
        QSignalSpy done(pane, &ScriptPane::runFinished);
        pane->setScriptText(QString::fromUtf8(pingScript()));
        QVERIFY(pane->run());
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, kWaitMs);
        QVERIFY2(done.at(0).at(0).toBool(), qPrintable(pane->statusText()));
        const engine::HostId host = pane->lastHostId();
        QVERIFY(host != 0);
        const ui::EventLogStore& store = w.bridge()->store();
        // The store holds the script's channel; wait until its last bytes are in.
        const auto rowOfMain = [&]() -> std::size_t {
            const QModelIndex i = w.conversation()->table()->currentIndex();
            if (!i.isValid()) return store.size();
            return store.rowForSeq(i.data(ui::EventLogModel::SeqRole).toULongLong());
        };
        QTRY_VERIFY_WITH_TIMEOUT(ScriptPane::seqForStepBytes(store, host, 1, false, 0) != 0, kWaitMs);
        QTreeWidget* r = pane->results();
        // expect "+PONG": the collect that brought it, in the script's channel.
        QVERIFY(pane->jumpTo(r->topLevelItem(2)));
        std::size_t row = rowOfMain();
        QVERIFY(row < store.size());
        const engine::ChannelId channel = store.record(row).channel;
        QVERIFY(channel != 0);
        QCOMPARE(store.record(row).kind, engine::EventKind::Collect);
        QVERIFY2(store.data(row).find("+PONG") != std::string_view::npos,
                 qPrintable(QString::fromUtf8(store.data(row).data(), static_cast<int>(store.data(row).size()))));
        // expect "hello" (after "$5"): the collect holding it.
        QVERIFY(pane->jumpTo(r->topLevelItem(7)));
        row = rowOfMain();
        QVERIFY(row < store.size());
        QCOMPARE(store.record(row).channel, channel);
        QVERIFY(store.data(row).find("hello") != std::string_view::npos);
        // send "SET pane-key hello": the `sent` that carried it.
        QVERIFY(pane->jumpTo(r->topLevelItem(3)));
        row = rowOfMain();
        QVERIFY(row < store.size());
        QCOMPARE(store.record(row).channel, channel);
        QCOMPARE(store.record(row).kind, engine::EventKind::Sent);
        QVERIFY(store.data(row).find("SET pane-key hello") != std::string_view::npos);
        // The pane's own view went to the same step.
        QCOMPARE(currentMessage(*pane), QStringLiteral("20 bytes"));
    }

    // Make from channel takes the channel's rows through an EventIndex: a
    // large log (a million events on 100 channels) gives exactly the
    // channel's events, fast, and the script made from them.
    void makeFromChannelOfALargeLogIsFast() {
        ui::EventLogStore store;
        constexpr engine::ChannelId kTarget = 77;
        std::uint64_t seq = 0;
        std::size_t targetEvents = 0;
        const auto add = [&](std::vector<engine::Event>& batch, engine::ChannelId ch, engine::EventKind kind,
                             std::string data, std::string info = {}) {
            engine::Event e;
            e.seq = ++seq;
            e.tUs = static_cast<std::int64_t>(seq);
            e.channel = ch;
            e.kind = kind;
            e.size = static_cast<std::int64_t>(data.size());
            e.data = std::move(data);
            e.info = std::move(info);
            if (ch == kTarget) ++targetEvents;
            batch.push_back(std::move(e));
        };
        std::vector<engine::Event> batch;
        for (engine::ChannelId ch = 1; ch <= 100; ++ch) {
            add(batch, ch, engine::EventKind::Connecting, {}, "127.0.0.1:6379");
            add(batch, ch, engine::EventKind::Connected, {}, "127.0.0.1:6379");
        }
        store.append(batch);
        for (int round = 0; round < 2500; ++round) {
            batch.clear();
            for (engine::ChannelId ch = 1; ch <= 100; ++ch) {
                const std::string n = std::to_string(round);
                add(batch, ch, engine::EventKind::Push, "INCR c" + n + "\r\n");
                add(batch, ch, engine::EventKind::Sent, "INCR c" + n + "\r\n");
                add(batch, ch, engine::EventKind::Collect, ":" + n);
                engine::Event& t = batch.emplace_back();
                t.seq = ++seq;
                t.channel = ch;
                t.kind = engine::EventKind::FoundTerminator;
                t.setTerminator(engine::Terminator::bytes("\r\n"));
                t.size = static_cast<std::int64_t>(n.size() + 1);
                if (ch == kTarget) ++targetEvents;
            }
            store.append(batch);
        }
        QVERIFY(store.size() >= 1000000);

        std::optional<engine::ChannelId> channel = kTarget;
        QElapsedTimer timer;
        timer.start();
        const std::vector<engine::Event> events = ScriptPane::channelEvents(store, channel);
        const qint64 took = timer.elapsed();
        QCOMPARE(events.size(), targetEvents);
        for (const engine::Event& e : events) QCOMPARE(e.channel, kTarget);
        QCOMPARE(events.front().kind, engine::EventKind::Connecting);
        qInfo("channelEvents: %zu of %zu events in %lld ms", events.size(), store.size(), took);
        QVERIFY2(took < 3000, qPrintable(QString::number(took)));

        // No channel given: the first that carried bytes (channel 1).
        std::optional<engine::ChannelId> first;
        QCOMPARE(ScriptPane::channelEvents(store, first).size(), targetEvents);
        QCOMPARE(first, std::optional<engine::ChannelId>(1));

        ScriptPane pane;
        QVERIFY2(pane.makeFromEvents(events, channel, QStringLiteral("a large log")), qPrintable(pane.statusText()));
        const QString text = pane.scriptText();
        QVERIFY2(text.contains(QLatin1String("send raw \"INCR c2499\\r\\n\"")), qPrintable(text.right(300)));
        QCOMPARE(text.count(QLatin1String("send raw")), 2500);
    }

    void highlighterColoursTheParts() {
        ScriptPane pane;
        pane.setScriptText(QStringLiteral("send \"a\\r\\n${x}\"  # note\nsned 1\n"));
        const QTextBlock first = pane.editor()->document()->firstBlock();
        const auto formats = first.layout()->formats();
        auto at = [&](int pos) -> QTextCharFormat {
            for (const auto& r : formats)
                if (pos >= r.start && pos < r.start + r.length) return r.format;
            return {};
        };
        QCOMPARE(at(0).fontWeight(), int(QFont::Bold));             // send
        QVERIFY(at(6).hasProperty(QTextFormat::ForegroundBrush));     // the string's text
        QVERIFY(at(6).fontWeight() != int(QFont::Bold));
        QCOMPARE(at(7).fontWeight(), int(QFont::Bold));               // \r
        QVERIFY(at(11).background().style() != Qt::NoBrush);          // ${x}
        QVERIFY(at(19).fontItalic());                                 // the comment
        const auto second = pane.editor()->document()->findBlockByNumber(1).layout()->formats();
        QVERIFY(!second.isEmpty());
        QCOMPARE(second.first().format.underlineStyle(), QTextCharFormat::WaveUnderline);  // unknown statement
        QVERIFY(ui::ScriptHighlighter::isStatement(QStringLiteral("starttls")));
    }
};

QTEST_MAIN(tst_ScriptPane)
#include "tst_ScriptPane.moc"
