// tst_MainWindow.cpp — end to end, in one window: listen on 127.0.0.1:0,
// connect to it, talk both ways through the composer, change the terminator
// in the inspector and see the next found_terminator honour it, and provoke
// errors (connection refused, port in use, an unreadable file), which must
// show as error rows and a non-modal banner, never as a modal dialog.
#include "ui/views/ChannelInspector.h"
#include "ui/model/ChannelModel.h"
#include "ui/views/Composer.h"
#include "ui/views/CompactModel.h"
#include "ui/views/ConversationView.h"
#include "ui/views/SnippetBar.h"
#include "ui/dialogs/ConnectDialog.h"
#include "ui/model/EngineBridge.h"
#include "ui/views/EscapeEdit.h"
#include "ui/model/EventLogModel.h"
#include "ui/dialogs/ListenDialog.h"
#include "ui/MainWindow.h"
#include "ui/views/NotificationBanner.h"
#include "ui/views/PayloadView.h"
#include "ui/views/StatusBarWidgets.h"
#include "ui/views/TerminatorEdit.h"
#include "WindowTestSupport.h"

#include <QAction>
#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDockWidget>
#include <QFile>
#include <QScreen>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QLayout>
#include <QMenu>
#include <QMessageBox>
#include <QMenuBar>
#include <QSpinBox>
#include <QStatusBar>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace uitest;  // and with it ChannelId, EventKind and MainWindow

namespace {

constexpr int kWaitMs = 10000;

// 127.0.0.1:port as a sockaddr.
sockaddr_in loopbackV4(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

// A loopback port nothing listens on (bound, read, closed).
std::uint16_t closedPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopbackV4(0);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

// Opens a listener on 127.0.0.1, any free port, straight through the window
// (no dialog) and waits until it listens: its id, or 0 if it never did.
ChannelId listenAnywhere(MainWindow& w) {
    ui::ListenParams lp;
    lp.port = 0;
    const ChannelId listener = w.listenOn(lp);
    return QTest::qWaitFor([&] { return hasEvent(w, listener, EventKind::Listening); }, kWaitMs) ? listener : 0;
}

// Types `text` into the composer and presses `key` (Return: send).
void typeInComposer(MainWindow& w, const char* text, Qt::Key key = Qt::Key_Return) {
    QTest::keyClicks(w.composer()->editor(), text);
    QTest::keyClick(w.composer()->editor(), key);
}

// Unticks "+ terminator" and sends `text` from the composer as typed: the
// bytes go without the channel's terminator.
void sendUnterminated(MainWindow& w, const char* text) {
    w.composer()->setAppendTerminator(false);
    w.composer()->editor()->setFocus();
    typeInComposer(w, text);
}

// Selects `channel`, picks a custom terminator in the inspector and types `text` into it.
void typeCustomTerminator(MainWindow& w, ChannelId channel, ui::TerminatorEdit* edit, const char* text) {
    w.selectChannel(channel);
    edit->setChoice(ui::TerminatorEdit::Custom);
    edit->customEdit()->setFocus();
    edit->customEdit()->selectAll();
    QTest::keyClicks(edit->customEdit(), text);
}

}  // namespace

class tst_MainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void listenConnectAndTalkBothWays();
    void terminatorChangeIsHonoured();
    void terminatorAppliesOnlyWhenChosen();
    void closedChannelViewsAreNotStale();
    void connectionRefusedIsNonModal();
    void portInUseAndUnreadableFile();
    void messagesModeFindAndCopy();
    void repeatEveryIntervalUntilStop();
    void peerResetIsReported();
    void settingsPersist();
    void quitAsksWhileChannelsAreOpen();
    void oneMessagesToggle();
    void tabAroundTheMessageFieldSkipsTheTerminatorBox();
    void restoredGeometryFitsTheScreen();
    void statusBarDoesNotSetTheMinimumWidth();
    void resetLayoutRestoresDefaults();
    void quitHasCtrlQ();
    void toAllConnectionsSnippetsAndNames();

private:
    // Shows the window, listens through the dialog on 127.0.0.1:0, connects
    // through the dialog; returns {listener, client, accepted}.
    struct Pair {
        ChannelId listener = 0, client = 0, accepted = 0;
    };
    void openPair(MainWindow& w, Pair& p);
};

void tst_MainWindow::initTestCase() {
    useTestSettings();
}

void tst_MainWindow::init() {
    QSettings().clear();
    // Formatting slips (a missing %n) must not pass unnoticed.
    QTest::failOnWarning(QRegularExpression(QStringLiteral("^QString::arg")));
}

void tst_MainWindow::openPair(MainWindow& w, Pair& p) {
    QVERIFY(shown(w));
    auto* listen = openedBy<ui::ListenDialog>(w, QStringLiteral("listen"));
    QVERIFY(listen);
    QCOMPARE(listen->hostBox()->currentText(), QStringLiteral("127.0.0.1"));  // the default host
    listen->portBox()->setValue(0);
    clickOk(listen);
    p.listener = w.currentChannel();
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.listener, EventKind::Listening), kWaitMs);
    const std::uint16_t port = portOf(info(w, p.listener)->local);
    QVERIFY(port != 0);

    auto* dialog = openedBy<ui::ConnectDialog>(w, QStringLiteral("connect"));
    QVERIFY(dialog);
    // Offered: the listener just opened.
    QCOMPARE(dialog->portBox()->value(), int(port));
    QCOMPARE(dialog->hostBox()->currentText(), QStringLiteral("127.0.0.1"));
    clickOk(dialog);
    p.client = w.currentChannel();
    QVERIFY(p.client != p.listener);
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, p.client), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(acceptedOf(w, p.listener) != 0, kWaitMs);
    p.accepted = acceptedOf(w, p.listener);
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, p.accepted), kWaitMs);
}

void tst_MainWindow::listenConnectAndTalkBothWays() {
    MainWindow w;
    Pair p;
    openPair(w, p);
    if (QTest::currentTestFailed()) return;
    QVERIFY(QApplication::activeModalWidget() == nullptr);

    // The client is selected: type, press Enter.
    QCOMPARE(w.currentChannel(), p.client);
    QCOMPARE(w.composer()->target(), p.client);
    w.composer()->editor()->setFocus();
    typeInComposer(w, "hello\\tworld");
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::Push), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::Sent, QByteArray("hello\tworld\r\n")), kWaitMs);
    // The other side collected it and found the terminator.
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::Collect, QByteArray("hello\tworld")), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::FoundTerminator, QByteArray("\r\n")), kWaitMs);

    // Reply from the accepted side: select it under Channels.
    w.selectChannel(p.accepted);
    QCOMPARE(w.composer()->target(), p.accepted);
    w.action(QStringLiteral("focusComposer"))->trigger();
    typeInComposer(w, "250 OK", Qt::Key_Enter);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::Sent, QByteArray("250 OK\r\n")), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::Collect, QByteArray("250 OK")), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::FoundTerminator, QByteArray("\r\n")), kWaitMs);

    // The conversation shows both sides with their asynchat method names.
    QTRY_VERIFY_WITH_TIMEOUT(methodsOf(w, p.accepted).contains(QStringLiteral("found_terminator")), kWaitMs);
    const QStringList client = methodsOf(w, p.client);
    QVERIFY2(client.contains(QStringLiteral("push")), qPrintable(client.join(u',')));
    QVERIFY2(client.contains(QStringLiteral("send")), qPrintable(client.join(u',')));
    QVERIFY2(client.contains(QStringLiteral("collect_incoming_data")), qPrintable(client.join(u',')));
    const QStringList accepted = methodsOf(w, p.accepted);
    QVERIFY2(accepted.contains(QStringLiteral("collect_incoming_data")), qPrintable(accepted.join(u',')));
    QVERIFY2(accepted.contains(QStringLiteral("handle_accepted")), qPrintable(accepted.join(u',')));

    // Channel counters reach the Channels panel and the status bar.
    QTRY_VERIFY_WITH_TIMEOUT(info(w, p.client)->messagesIn >= 1 && info(w, p.accepted)->messagesIn >= 1, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(w.statusFigures()->channelsText().startsWith(QLatin1String("3 ")), kWaitMs);

    // "Selected channel only" narrows the conversation to the accepted side.
    w.action(QStringLiteral("selectedOnly"))->setChecked(true);
    QTRY_VERIFY_WITH_TIMEOUT(methodsOf(w, p.client).isEmpty(), kWaitMs);
    QVERIFY(!methodsOf(w, p.accepted).isEmpty());
    w.action(QStringLiteral("selectedOnly"))->setChecked(false);
    QTRY_VERIFY_WITH_TIMEOUT(!methodsOf(w, p.client).isEmpty(), kWaitMs);

    // Close the client: both sides see it end.
    w.selectChannel(p.client);
    w.action(QStringLiteral("close"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(info(w, p.client)->phase == engine::ChannelPhase::Closed, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(info(w, p.accepted)->phase == engine::ChannelPhase::Closed, kWaitMs);
    // Reconnect opens a new client to the same listener.
    const ChannelId again = w.reconnectChannel();
    QVERIFY(again != 0 && again != p.client);
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, again), kWaitMs);
    QVERIFY(QApplication::activeModalWidget() == nullptr);
}

void tst_MainWindow::terminatorChangeIsHonoured() {
    MainWindow w;
    Pair p;
    openPair(w, p);
    if (QTest::currentTestFailed()) return;

    // On the accepted side, pick the "\n" preset in the inspector (keyboard).
    w.selectChannel(p.accepted);
    ui::TerminatorEdit* edit = w.inspector()->terminatorEdit();
    QTRY_COMPARE(edit->choice(), ui::TerminatorEdit::Crlf);
    const qsizetype before = static_cast<qsizetype>(w.bridge()->store().size());
    edit->presetBox()->setFocus();
    QTest::keyClick(edit->presetBox(), Qt::Key_Down);    // \r\n -> \n
    QTest::keyClick(edit->presetBox(), Qt::Key_Return);  // chosen
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::TerminatorSet, QByteArray("\n"), before), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(w.inspector()->terminatorInForce(), QStringLiteral("\\n"), kWaitMs);

    // The client still appends \r\n: the accepted side now frames on \n alone,
    // so the message it found ends with the \r.
    w.selectChannel(p.client);
    w.composer()->editor()->setFocus();
    typeInComposer(w, "one");
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::FoundTerminator, QByteArray("\n"), before), kWaitMs);
    const qsizetype found = findEvent(w, p.accepted, EventKind::FoundTerminator, nullptr, before);
    QCOMPARE(w.bridge()->store().record(static_cast<std::size_t>(found)).size, 4);  // "one\r"
    QVERIFY(hasEvent(w, p.accepted, EventKind::Collect, QByteArray("one\r"), before));

    // A custom terminator, typed with an escape and applied with Enter.
    typeCustomTerminator(w, p.accepted, edit, "END\\x21");
    QTest::keyClick(edit->customEdit(), Qt::Key_Return);
    const qsizetype mid = static_cast<qsizetype>(w.bridge()->store().size());
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::TerminatorSet, QByteArray("END!"), before), kWaitMs);
    w.selectChannel(p.client);
    sendUnterminated(w, "abcEND!xy");
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::FoundTerminator, QByteArray("END!"), mid), kWaitMs);
    QVERIFY(hasEvent(w, p.accepted, EventKind::Collect, QByteArray("abc"), mid));

    // An invalid custom escape is marked and nothing is applied.
    typeCustomTerminator(w, p.accepted, edit, "\\z");
    QVERIFY(!edit->isValid());
    QVERIFY(!w.inspector()->applyTerminatorButton()->isEnabled());
    const qsizetype end = static_cast<qsizetype>(w.bridge()->store().size());
    QTest::keyClick(edit->customEdit(), Qt::Key_Return);
    QTest::qWait(0);
    w.bridge()->drainNow();
    QVERIFY(!hasEvent(w, p.accepted, EventKind::TerminatorSet, end));
}

// Issue 18, bug 2: Ctrl+T then the arrow keys applied every preset passed
// over (a set_terminator row each, the composer's "+ terminator" following).
void tst_MainWindow::terminatorAppliesOnlyWhenChosen() {
    MainWindow w;
    Pair p;
    openPair(w, p);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(w.currentChannel(), p.client);
    ui::TerminatorEdit* edit = w.inspector()->terminatorEdit();
    QTRY_COMPARE(edit->choice(), ui::TerminatorEdit::Crlf);
    auto* append = w.composer()->findChild<QCheckBox*>();
    QVERIFY(append);
    QCOMPARE(append->text(), QStringLiteral("+ \\r\\n"));
    const qsizetype before = static_cast<qsizetype>(w.bridge()->store().size());

    // Ctrl+T from the composer, then pass over \n, \r\n\r\n, \0 and back to \n.
    w.composer()->editor()->setFocus();
    QTest::keyClick(w.composer()->editor(), Qt::Key_T, Qt::ControlModifier);
    QCOMPARE(QApplication::focusWidget(), edit->presetBox());
    for (Qt::Key k : {Qt::Key_Down, Qt::Key_Down, Qt::Key_Down, Qt::Key_Up, Qt::Key_Up})
        QTest::keyClick(QApplication::focusWidget(), k);
    QCOMPARE(edit->choice(), ui::TerminatorEdit::Lf);
    // Enter chooses it: one set_terminator, \n (the engine runs commands in
    // order, so any earlier one would be logged before it).
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::TerminatorSet, QByteArray("\n"), before), kWaitMs);
    int sets = 0;
    const ui::EventLogStore& store = w.bridge()->store();
    for (std::size_t row = static_cast<std::size_t>(before); row < store.size(); ++row)
        sets += store.record(row).kind == EventKind::TerminatorSet ? 1 : 0;
    QCOMPARE(sets, 1);
    QTRY_COMPARE_WITH_TIMEOUT(append->text(), QStringLiteral("+ \\n"), kWaitMs);
    // Leaving the editor afterwards applies nothing more.
    w.composer()->editor()->setFocus();
    w.composer()->editor()->setText(QStringLiteral("ping"));
    QTest::keyClick(w.composer()->editor(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::Sent, QByteArray("ping\n"), before), kWaitMs);
    sets = 0;
    for (std::size_t row = static_cast<std::size_t>(before); row < store.size(); ++row)
        sets += store.record(row).kind == EventKind::TerminatorSet ? 1 : 0;
    QCOMPARE(sets, 1);
}

// Issue 18, bug 5: after a channel closed, the inspector still said "Message
// being collected", the status bar "connected", the composer "cannot send now".
void tst_MainWindow::closedChannelViewsAreNotStale() {
    MainWindow w;
    Pair p;
    openPair(w, p);
    if (QTest::currentTestFailed()) return;
    // Half a message reaches the accepted side.
    sendUnterminated(w, "partial");
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::Collect, QByteArray("partial")), kWaitMs);
    w.selectChannel(p.accepted);
    QTRY_VERIFY2_WITH_TIMEOUT(w.inspector()->inputNoteText().contains(QLatin1String("being collected")),
                              qPrintable(w.inspector()->inputNoteText()), kWaitMs);
    // The client goes (the accepted side is closed by its peer); then the status bar says so.
    w.selectChannel(p.client);
    QVERIFY2(w.statusBar()->currentMessage().contains(QLatin1String("connected")), qPrintable(w.statusBar()->currentMessage()));
    w.closeChannel();
    QTRY_VERIFY_WITH_TIMEOUT(info(w, p.accepted)->phase == engine::ChannelPhase::Closed, kWaitMs);
    QTRY_VERIFY2_WITH_TIMEOUT(w.statusBar()->currentMessage().contains(QLatin1String("closed")),
                              qPrintable(w.statusBar()->currentMessage()), kWaitMs);
    QVERIFY(!w.statusBar()->currentMessage().contains(QLatin1String("connected")));
    // The client's composer says why it cannot send.
    QVERIFY2(w.composer()->editor()->placeholderText().contains(QLatin1String("closed")),
             qPrintable(w.composer()->editor()->placeholderText()));
    // The accepted side: nothing buffered or being collected any more.
    w.selectChannel(p.accepted);
    QVERIFY2(!w.inspector()->inputNoteText().contains(QLatin1String("being collected")),
             qPrintable(w.inspector()->inputNoteText()));
    QCOMPARE(w.inspector()->inputBufferText(), QString());
    QVERIFY2(w.composer()->editor()->placeholderText().contains(QLatin1String("closed")),
             qPrintable(w.composer()->editor()->placeholderText()));
}

void tst_MainWindow::connectionRefusedIsNonModal() {
    MainWindow w;
    QVERIFY(shown(w));
    const std::uint16_t port = closedPort();
    // Ctrl+K works even from the composer (a text edit would take it as "delete to end of line").
    w.composer()->editor()->setFocus();
    QTest::keyClick(w.composer()->editor(), Qt::Key_K, Qt::ControlModifier);
    auto* dialog = w.findChild<ui::ConnectDialog*>();
    QVERIFY(dialog);
    dialog->hostBox()->setEditText(QStringLiteral("127.0.0.1:%1").arg(port));  // host:port in one go
    clickOk(dialog);
    const ChannelId id = w.currentChannel();
    QVERIFY(id != 0);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, id, EventKind::Error), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(info(w, id)->phase == engine::ChannelPhase::Closed, kWaitMs);
    // A banner, not a dialog.
    QTRY_VERIFY_WITH_TIMEOUT(w.banner()->isVisible(), kWaitMs);
    QVERIFY2(w.banner()->text().contains(QLatin1String("refused"), Qt::CaseInsensitive), qPrintable(w.banner()->text()));
    QVERIFY(QApplication::activeModalWidget() == nullptr);
    // The error row is in the conversation.
    const ui::EventLogModel* m = w.bridge()->eventModel();
    bool errorRow = false;
    for (int row = 0; row < m->rowCount(); ++row)
        errorRow |= m->index(row, 0).data(ui::EventLogModel::KindRole).toInt() == int(EventKind::Error) &&
                    m->index(row, 0).data(ui::EventLogModel::ChannelRole).toUInt() == id;
    QVERIFY(errorRow);
    // The window still responds: the composer refuses to send to a closed channel.
    QVERIFY(!w.composer()->sendButton()->isEnabled());
    // Reconnect tries again (and fails again, without blocking).
    const ChannelId again = w.reconnectChannel();
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, again, EventKind::Error), kWaitMs);
    QVERIFY(QApplication::activeModalWidget() == nullptr);
}

void tst_MainWindow::portInUseAndUnreadableFile() {
    MainWindow w;
    QVERIFY(shown(w));
    ui::ListenParams lp;
    lp.port = 0;
    const ChannelId first = w.listenOn(lp);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, first, EventKind::Listening), kWaitMs);
    lp.port = portOf(info(w, first)->local);
    const ChannelId second = w.listenOn(lp);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, second, EventKind::Error), kWaitMs);
    QTRY_VERIFY2_WITH_TIMEOUT(w.banner()->text().contains(QLatin1String("in use"), Qt::CaseInsensitive), qPrintable(w.banner()->text()), kWaitMs);
    QVERIFY(QApplication::activeModalWidget() == nullptr);

    // A file that cannot be read: an error on the channel, the channel lives on.
    ui::ConnectParams cp;
    cp.port = lp.port;
    const ChannelId client = w.connectTo(cp);
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, client), kWaitMs);
    QTemporaryDir dir;
    w.composer()->sendFile(dir.filePath(QStringLiteral("missing.bin")));
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, client, EventKind::Error), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(w.banner()->text().contains(QLatin1String("missing.bin")), kWaitMs);
    QCOMPARE(info(w, client)->phase, engine::ChannelPhase::Connected);
    QVERIFY(QApplication::activeModalWidget() == nullptr);

    // A readable file goes through a file producer.
    QFile f(dir.filePath(QStringLiteral("lines.txt")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("line one\r\nline two\r\n");
    f.close();
    w.composer()->sendFile(f.fileName());
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, client, EventKind::ProducerExhausted), kWaitMs);
    const ChannelId accepted = acceptedOf(w, first);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, accepted, EventKind::Collect, QByteArray("line two")), kWaitMs);
}

void tst_MainWindow::messagesModeFindAndCopy() {
    MainWindow w;
    Pair p;
    openPair(w, p);
    if (QTest::currentTestFailed()) return;
    // A message split over two pushes: "par" then "tial" + \r\n.
    sendUnterminated(w, "par");
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::Collect, QByteArray("par")), kWaitMs);
    w.composer()->setAppendTerminator(true);
    typeInComposer(w, "tial");
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::FoundTerminator), kWaitMs);

    // Messages view: one row "partial" + \r\n.
    w.action(QStringLiteral("messages"))->trigger();
    QVERIFY(w.conversation()->messagesMode());
    ui::EventLogModel* m = w.bridge()->eventModel();
    int messageRow = -1;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int row = 0; row < m->rowCount(); ++row)
                if (m->rowType(row) == ui::EventLogModel::RowType::Message && m->rowBytes(row) == "partial")
                    messageRow = row;
            return messageRow >= 0;
        }(),
        kWaitMs);
    QCOMPARE(m->rowTerminator(messageRow), QByteArray("\r\n"));

    // Find it, show its bytes, copy it.
    w.conversation()->setFindText(QStringLiteral("partial"));
    QVERIFY(w.conversation()->findNext());
    QCOMPARE(w.conversation()->currentRow(), messageRow);
    QTRY_VERIFY(w.payloadView()->escapedText().startsWith(QLatin1String("partial\\r\\n")));
    QVERIFY(w.payloadView()->hexText().contains(QLatin1String("70 61 72 74 69 61 6c 0d  0a")) ||
            w.payloadView()->hexText().contains(QLatin1String("70 61 72 74 69 61 6c 0d 0a")));
    w.conversation()->copySelection(ui::ConversationView::CopyFormat::Escaped);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("partial\\r\\n"));
    w.conversation()->copySelection(ui::ConversationView::CopyFormat::Hex);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("70 61 72 74 69 61 6c 0d 0a"));
    w.conversation()->copySelection(ui::ConversationView::CopyFormat::Base64);
    QCOMPARE(QApplication::clipboard()->text(), QString::fromLatin1(QByteArray("partial\r\n").toBase64()));
    QVERIFY(!w.conversation()->findNext() || w.conversation()->currentRow() == messageRow);  // wraps to itself

    // Back to events: the kind filter narrows to found_terminator rows.
    w.action(QStringLiteral("messages"))->trigger();
    w.conversation()->setKinds({EventKind::FoundTerminator});
    w.conversation()->applyFilterNow();
    QTRY_VERIFY_WITH_TIMEOUT(!m->isApplyingFilter() && m->rowCount() >= 1, kWaitMs);
    for (int row = 0; row < m->rowCount(); ++row)
        QCOMPARE(m->index(row, 0).data(ui::EventLogModel::KindRole).toInt(), int(EventKind::FoundTerminator));
}

void tst_MainWindow::repeatEveryIntervalUntilStop() {
    MainWindow w;
    Pair p;
    openPair(w, p);
    if (QTest::currentTestFailed()) return;
    // A burst through one repeat producer…
    w.composer()->editor()->setText(QStringLiteral("burst"));
    QVERIFY(w.composer()->repeat(1000, 0));
    QTRY_VERIFY_WITH_TIMEOUT(info(w, p.accepted)->messagesIn >= 1000, kWaitMs);
    // …then one every 10 ms until Stop.
    w.composer()->editor()->setText(QStringLiteral("tick"));
    QVERIFY(!w.composer()->repeat(0, 0));  // "until Stop" needs an interval
    QVERIFY(w.composer()->repeat(0, 10));
    QTRY_VERIFY_WITH_TIMEOUT(info(w, p.accepted)->messagesIn >= 1005, kWaitMs);
    w.discardBuffers();  // what Stop does
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::Discarded), kWaitMs);
    // No more ticks once the channel has drained.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const std::uint64_t before = info(w, p.accepted)->messagesIn;
            QTest::qWait(100);
            return info(w, p.accepted)->messagesIn == before;
        }(),
        kWaitMs);
}

void tst_MainWindow::peerResetIsReported() {
    MainWindow w;
    QVERIFY(shown(w));
    const ChannelId listener = listenAnywhere(w);
    QVERIFY(listener != 0);
    // A peer of our own that aborts the connection (SO_LINGER 0: RST, not FIN).
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in a = loopbackV4(portOf(info(w, listener)->local));
    QCOMPARE(::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
    QTRY_VERIFY_WITH_TIMEOUT(acceptedOf(w, listener) != 0, kWaitMs);
    const ChannelId accepted = acceptedOf(w, listener);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, accepted, EventKind::Accepted), kWaitMs);
    linger off{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof off);
    ::close(fd);
    QTRY_VERIFY_WITH_TIMEOUT(info(w, accepted)->phase == engine::ChannelPhase::Closed, kWaitMs);
    QTRY_VERIFY2_WITH_TIMEOUT(w.banner()->isVisible() &&
                                  w.banner()->text().contains(QLatin1String("reset"), Qt::CaseInsensitive),
                              qPrintable(w.banner()->text()), kWaitMs);
    QVERIFY(QApplication::activeModalWidget() == nullptr);
}

void tst_MainWindow::settingsPersist() {
    {
        MainWindow w;
        QVERIFY(shown(w));
        ui::ListenParams lp;
        lp.port = 0;
        lp.echo = true;
        w.listenOn(lp);
        w.composer()->setHistory({QStringLiteral("earlier line")});
        w.action(QStringLiteral("messages"))->setChecked(true);
        w.close();
    }
    MainWindow again;
    QVERIFY(again.conversation()->messagesMode());
    QCOMPARE(again.composer()->history(), QStringList{QStringLiteral("earlier line")});
    auto* dialog = again.openListenDialog();
    QVERIFY(dialog->echoBox()->isChecked());  // the last Listen… is offered again
    dialog->reject();
}

// Issue 18, bug 8: Shift+Tab / Tab around the message field landed on the
// "+ terminator" box, where typed spaces toggled it (Tab goes there first).
void tst_MainWindow::tabAroundTheMessageFieldSkipsTheTerminatorBox() {
    MainWindow w;
    QVERIFY(shown(w));
    QVERIFY(QTest::qWaitForWindowActive(&w));
    const ChannelId listener = listenAnywhere(w);
    QVERIFY(listener != 0);
    ui::ConnectParams cp;
    cp.port = portOf(info(w, listener)->local);
    const ChannelId client = w.connectTo(cp);
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, client), kWaitMs);
    auto* append = w.composer()->findChild<QCheckBox*>();
    QVERIFY(append);
    QTRY_VERIFY(append->isEnabled());
    QVERIFY(append->isChecked());
    QWidget* field = w.composer()->editor();
    QWidget* send = w.composer()->sendButton();
    QTRY_VERIFY(send->isEnabled());

    // Tab out of the field and Shift+Tab back from Send: the box is passed over.
    field->setFocus();
    QTest::keyClicks(field, "abc");
    QTest::keyClick(field, Qt::Key_Tab);
    QVERIFY(QApplication::focusWidget() != append);
    QCOMPARE(QApplication::focusWidget(), send);
    QTest::keyClick(send, Qt::Key_Backtab, Qt::ShiftModifier);
    QCOMPARE(QApplication::focusWidget(), field);
    QTest::keyClicks(field, " d");
    QVERIFY(append->isChecked());
    QCOMPARE(w.composer()->editor()->text(), QStringLiteral("abc d"));
    // The keyboard still reaches it: Channel ▸ Append the terminator.
    QAction* toggle = w.composer()->appendTerminatorAction();
    QVERIFY(w.menuBar()->findChildren<QMenu*>().size() > 0);
    bool inMenu = false;
    for (QMenu* m : w.menuBar()->findChildren<QMenu*>()) inMenu |= m->actions().contains(toggle);
    QVERIFY(inMenu);
    toggle->trigger();
    QVERIFY(!append->isChecked());
    QVERIFY(!w.composer()->appendTerminator());
    append->click();
    QVERIFY(toggle->isChecked());
}

// Issue 18, bug 8: Ctrl+Q quit at once while channels were open.
void tst_MainWindow::quitAsksWhileChannelsAreOpen() {
    {
        // Nothing open: Ctrl+Q closes the window, no question.
        MainWindow w;
        QVERIFY(shown(w));
        QVERIFY(QTest::qWaitForWindowActive(&w));
        w.action(QStringLiteral("quit"))->trigger();  // Ctrl+Q (QKeySequence::Quit: none on offscreen)
        QTRY_VERIFY(!w.isVisible());
        QVERIFY(!w.findChild<QMessageBox*>(QStringLiteral("quitConfirm")));
    }
    MainWindow w;
    QVERIFY(shown(w));
    QVERIFY(QTest::qWaitForWindowActive(&w));
    const ChannelId listener = listenAnywhere(w);
    QVERIFY(listener != 0);
    QTRY_COMPARE(w.bridge()->channelModel()->openChannels(), 1);

    // Ctrl+Q asks; Cancel keeps the window and the channel.
    w.action(QStringLiteral("quit"))->trigger();
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("quitConfirm"))) && box->isVisible());
    QVERIFY(w.isVisible());
    QVERIFY2(box->text().contains(QLatin1String("1 channel is open")), qPrintable(box->text()));
    box->button(QMessageBox::Cancel)->click();
    QTRY_VERIFY(!w.findChild<QMessageBox*>(QStringLiteral("quitConfirm")));
    QVERIFY(w.isVisible());
    QCOMPARE(info(w, listener)->phase, engine::ChannelPhase::Listening);

    // Again, and quit: the window closes.
    w.action(QStringLiteral("quit"))->trigger();
    QTRY_VERIFY((box = w.findChild<QMessageBox*>(QStringLiteral("quitConfirm"))) && box->isVisible());
    QVERIFY(w.isVisible());
    box->defaultButton()->click();
    QTRY_VERIFY(!w.isVisible());
}

// Issue 18, bug 8: "Messages" (filter bar) and "Messages view" (toolbar) were
// two toggles for one thing.
void tst_MainWindow::oneMessagesToggle() {
    MainWindow w;
    QVERIFY(shown(w));
    QAction* messages = w.action(QStringLiteral("messages"));
    QVERIFY(messages);
    QList<QAbstractButton*> toggles;
    for (QAbstractButton* b : w.findChildren<QAbstractButton*>())
        if (b->isVisibleTo(&w) && b->isCheckable() && b->text().remove(u'&').startsWith(QLatin1String("Messages")))
            toggles << b;
    QCOMPARE(toggles.size(), 1);
    auto* button = qobject_cast<QToolButton*>(toggles.front());
    QVERIFY(button);
    QCOMPARE(button->defaultAction(), messages);
    QCOMPARE(button->text().remove(u'&'), messages->text().remove(u'&'));
    // Button, action and view agree whichever is used.
    button->click();
    QVERIFY(messages->isChecked());
    QVERIFY(w.conversation()->messagesMode());
    messages->trigger();
    QVERIFY(!button->isChecked());
    QVERIFY(!w.conversation()->messagesMode());
    w.conversation()->setMessagesMode(true);
    QVERIFY(button->isChecked() && messages->isChecked());
}

// Issue 18, bug 6: a geometry saved on a larger screen (or at another scale)
// came back larger than the screen and could not be shrunk.
void tst_MainWindow::restoredGeometryFitsTheScreen() {
    {
        MainWindow w;
        QVERIFY(shown(w));
        w.setGeometry(QRect(QPoint(-400, -300), QSize(4000, 3000)));
        w.close();  // saves the geometry
    }
    MainWindow again;
    QVERIFY(shown(again));
    const QRect avail = again.screen()->availableGeometry();
    // Offscreen's screen (800 px) is narrower than the window's minimum
    // width (the composer's tools and the filter bar set it): no wider than that minimum.
    const QRect g = again.geometry();
    QVERIFY2(g.top() >= avail.top() && g.left() >= avail.left() && g.bottom() <= avail.bottom() &&
                 g.width() <= qMax(avail.width(), again.layout()->totalMinimumSize().width()),
             qPrintable(QStringLiteral("window %1,%2 %3x%4 on %5x%6")
                            .arg(again.x()).arg(again.y()).arg(again.width()).arg(again.height())
                            .arg(avail.width()).arg(avail.height()) + QStringLiteral(" min %1 g %2,%3 %4x%5 avail %6,%7").arg(again.layout()->totalMinimumSize().width()).arg(g.x()).arg(g.y()).arg(g.width()).arg(g.height()).arg(avail.x()).arg(avail.y())));
}

// Issue 18, bug 6: the window could not be narrower than 1,080 px: the status
// bar's six fixed-width figures set the minimum.
void tst_MainWindow::statusBarDoesNotSetTheMinimumWidth() {
    MainWindow w;
    QVERIFY(shown(w));
    // The status bar's figures forced it (all six at full width); now they
    // give way to the panels: the status bar is not what sets the minimum
    // (the panels beside each other do; the central part alone no longer
    // does either since its rows wrap, see tst_WindowScale).
    QVERIFY2(w.statusBar()->minimumSizeHint().width() < w.minimumSizeHint().width(),
             qPrintable(QStringLiteral("status bar %1, window %2")
                            .arg(w.statusBar()->minimumSizeHint().width())
                            .arg(w.minimumSizeHint().width())));
    QVERIFY(w.statusFigures()->sizeHint().width() > w.statusFigures()->minimumSizeHint().width());
}

// Issue 18, bug 6: View > Reset layout brings the docks back as they start and
// forgets the saved state.
void tst_MainWindow::resetLayoutRestoresDefaults() {
    MainWindow w;
    QVERIFY(shown(w));
    auto* channels = w.findChild<QDockWidget*>(QStringLiteral("ChannelsDock"));
    QVERIFY(channels);
    QVERIFY(channels->isVisible());
    const int defaultWidth = channels->width();
    channels->hide();
    w.close();  // saves the layout with the panel hidden
    QVERIFY(QSettings().contains(QStringLiteral("window/state")));
    MainWindow again;
    QVERIFY(shown(again));
    auto* ch2 = again.findChild<QDockWidget*>(QStringLiteral("ChannelsDock"));
    QVERIFY(!ch2->isVisible());
    QAction* reset = again.action(QStringLiteral("resetLayout"));
    QVERIFY(reset);
    reset->trigger();
    QTRY_VERIFY(ch2->isVisible());
    QTRY_VERIFY(qAbs(ch2->width() - defaultWidth) <= 4);
    QVERIFY(!QSettings().contains(QStringLiteral("window/state")));
    QVERIFY(!QSettings().contains(QStringLiteral("window/geometry")));
}

// Issue 18, bug 8 / docs/gui.md: Quit is Ctrl+Q on every platform (Windows'
// standard Quit sequence is empty).
void tst_MainWindow::quitHasCtrlQ() {
    MainWindow w;
    QVERIFY(w.action(QStringLiteral("quit"))->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Q)));
    QVERIFY(ui::quitShortcuts({}).contains(QKeySequence(Qt::CTRL | Qt::Key_Q)));
    QCOMPARE(ui::quitShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Q)}).size(), 1);
}

// A listener with two connections: "to all" pushes to both; a snippet sends
// with one click and is kept for the next window; a channel's name shows.
void tst_MainWindow::toAllConnectionsSnippetsAndNames() {
    {
        MainWindow w;
        Pair p;
        openPair(w, p);
        if (QTest::currentTestFailed()) return;
        // A second client to the same listener.
        auto* dialog = openedBy<ui::ConnectDialog>(w, QStringLiteral("connect"));
        QVERIFY(dialog);
        dialog->hostBox()->setCurrentText(QStringLiteral("127.0.0.1"));
        dialog->portBox()->setValue(int(portOf(info(w, p.listener)->local)));
        clickOk(dialog);
        const ChannelId second = w.currentChannel();
        QVERIFY(second != 0 && second != p.client && second != p.listener);
        QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, second), kWaitMs);
        ChannelId accepted2 = 0;
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     for (ChannelId id : w.bridge()->channelModel()->channels())
                                         if (info(w, id)->parent == p.listener && id != p.accepted &&
                                             info(w, id)->phase == engine::ChannelPhase::Connected)
                                             accepted2 = id;
                                     return accepted2 != 0;
                                 }()),
                                 kWaitMs);

        // The listener: "to all 2 connections".
        w.selectChannel(p.listener);
        ui::Composer* c = w.composer();
        QCOMPARE(c->target(), p.listener);
        QTRY_VERIFY_WITH_TIMEOUT(!c->toAllBox()->isHidden() && c->toAllBox()->isEnabled(), kWaitMs);
        QVERIFY2(c->toAllBox()->text().contains(QLatin1String("2")), qPrintable(c->toAllBox()->text()));
        c->toAllBox()->setChecked(true);
        c->editor()->setFocus();
        typeInComposer(w, "hi all");
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.accepted, EventKind::Sent, QByteArray("hi all\r\n")), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, accepted2, EventKind::Sent, QByteArray("hi all\r\n")), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::Collect, QByteArray("hi all")), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, second, EventKind::Collect, QByteArray("hi all")), kWaitMs);
        // Repeat and Send file go to all of them too.
        QVERIFY(c->sendButton()->isEnabled());
        c->editor()->setText(QStringLiteral("rep"));
        QVERIFY(c->repeat(2, 0));
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::Collect, QByteArray("rep")), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, second, EventKind::Collect, QByteArray("rep")), kWaitMs);
        QTemporaryDir files;
        QFile file(files.filePath(QStringLiteral("all.txt")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("FILE TO ALL\r\n");
        file.close();
        c->sendFile(file.fileName());
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::Collect, QByteArray("FILE TO ALL")), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, second, EventKind::Collect, QByteArray("FILE TO ALL")), kWaitMs);
        c->editor()->setText(QString());
        // One closes: the count follows, and only the open one gets the next message.
        w.selectChannel(second);
        w.action(QStringLiteral("close"))->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(info(w, accepted2)->phase == engine::ChannelPhase::Closed, kWaitMs);
        w.selectChannel(p.listener);
        QTRY_VERIFY_WITH_TIMEOUT(c->toAllBox()->text().contains(QLatin1String("1 connection")), kWaitMs);
        QVERIFY(!c->toAll());  // chosen again for each selection of the listener
        c->toAllBox()->setChecked(true);
        QVERIFY(c->toAll());

        // A snippet for this listener's endpoint: one click sends it to all.
        c->snippetBar()->addSnippet({QStringLiteral("bye"), QStringLiteral("BYE"),
                                     QStringLiteral("endpoint:") + info(w, p.listener)->local});
        QCOMPARE(c->snippetBar()->buttons().size(), 1);
        QTest::mouseClick(c->snippetBar()->buttons().at(0), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, p.client, EventKind::Collect, QByteArray("BYE")), kWaitMs);
        // Its connections count as the listener's endpoint; the client (another peer address) too.
        w.selectChannel(p.accepted);
        QCOMPARE(c->snippetBar()->buttons().size(), 1);
        w.selectChannel(p.client);
        QCOMPARE(c->snippetBar()->buttons().size(), 1);  // the client's peer is the listener's address

        // A name: in the Channels list and the composer's title, not in the log.
        QVERIFY(w.bridge()->channelModel()->setUserLabel(p.client, QStringLiteral("alice")));
        const QModelIndex idx = w.bridge()->channelModel()->indexForChannel(p.client);
        QCOMPARE(idx.data().toString(), QStringLiteral("alice · #%1 client").arg(p.client));
        w.selectChannel(p.listener);
        w.selectChannel(p.client);
        QVERIFY(w.action(QStringLiteral("renameChannel")));
        QVERIFY(!w.action(QStringLiteral("renameChannel"))->shortcut().isEmpty());

        // Compact mode from the keyboard, with the typing in the composer, and back.
        w.activateWindow();
        c->editor()->setFocus();
        QTRY_VERIFY(c->editor()->hasFocus());
        QTest::keyClick(c->editor(), Qt::Key_M, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(w.conversation()->compactMode());
        QVERIFY(w.action(QStringLiteral("compact"))->isChecked());
        QTRY_VERIFY_WITH_TIMEOUT(w.conversation()->compactModel()->rowCount() >= 2, kWaitMs);
        QTest::keyClick(c->editor(), Qt::Key_M, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(!w.conversation()->compactMode());
    }
    // The snippet is kept.
    MainWindow again;
    QCOMPARE(again.composer()->snippetBar()->snippets().size(), 1);
    QCOMPARE(again.composer()->snippetBar()->snippets().at(0).text, QStringLiteral("BYE"));
}

QTEST_MAIN(tst_MainWindow)
#include "tst_MainWindow.moc"
