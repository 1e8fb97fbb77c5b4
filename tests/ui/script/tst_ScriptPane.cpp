// tst_ScriptPane.cpp — the window's script pane (ui/script) against a real
// redis-server nobody here wrote, on loopback: run a script and see every
// step pass, click a result and land on its message in the run's
// conversation; step (the run holds before each step until Step); a failing
// expect shows what was expected and what came; a bad script names its line
// and runs nothing; Stop interrupts an expect that waits; "Make from
// channel" in the window turns a channel's conversation with redis (typed
// in the composer) into a script that then passes; the highlighter colours
// statements, strings and escapes. The runner works on a thread of its own:
// the test's (GUI) thread keeps turning while it runs (QTRY waits).
// redis-server missing: QSKIP. Random ports; every wait bounded.
#include "ui/MainWindow.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/script/ScriptHighlighter.h"
#include "ui/script/ScriptPane.h"
#include "ui/views/Composer.h"
#include "ui/views/ConversationView.h"
#include "ui/views/EscapeEdit.h"

#include <QAction>
#include <QDockWidget>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTcpServer>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QTreeWidget>

using ui::ScriptPane;

namespace {

constexpr int kWaitMs = 30000;

quint16 freePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

// redis-server on a free loopback port, stopped (by its pid, SIGTERM) with the object.
struct Redis {
    quint16 port = freePort();
    QProcess p;
    QByteArray out;
    bool start() {
        if (QStandardPaths::findExecutable(QStringLiteral("redis-server")).isEmpty()) return false;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral("redis-server"), {"--port", QString::number(port), "--bind", "127.0.0.1", "--save", "",
                                                 "--appendonly", "no"});
        if (!p.waitForStarted(kWaitMs)) return false;
        return QTest::qWaitFor(
            [this] {
                out += p.readAll();
                return out.contains("Ready to accept connections") || p.state() == QProcess::NotRunning;
            },
            kWaitMs) &&
               out.contains("Ready to accept connections");
    }
    ~Redis() {
        if (p.state() != QProcess::NotRunning) {
            p.terminate();
            if (!p.waitForFinished(kWaitMs)) p.kill();
            p.waitForFinished(kWaitMs);
        }
    }
    QByteArray to() const { return "127.0.0.1:" + QByteArray::number(port); }
};

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

    Redis m_redis;

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
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
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
