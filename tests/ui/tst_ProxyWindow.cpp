// tst_ProxyWindow.cpp — the framing proxy in the window, end to end against
// real peers nobody here wrote, on loopback: File ▸ Proxy… opens the dialog,
// OK starts the engine's proxy (the command the CLI posts) in front of a
// redis-server, and redis-cli talks to the server through it; the dialog's
// checks (a server is needed, host:port in the server field). The pair: the
// client's leg and the server's leg of one proxied connection are grouped in
// the channel list (the server leg beneath the client leg, each naming the
// other and its direction), and selecting either shows one conversation of
// both, client → server and server → client interleaved in order, framed.
// Intercept, driven through the Intercept panel's widgets: messages held in
// the engine both ways, forwarded, edited then forwarded, dropped, injected
// to either side, and off forwarding again. A peer
// program missing is a QSKIP naming it. Every wait has a deadline.
#include "ui/MainWindow.h"
#include "ui/dialogs/ProxyDialog.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"
#include "ui/views/ConversationView.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/InterceptPane.h"
#include "ui/views/TerminatorEdit.h"
#include "../app/PeerTestSupport.h"
#include "WindowTestSupport.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QTreeWidget>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>

using namespace uitest;  // and with it ChannelId, EventKind and MainWindow

namespace {

constexpr int kWaitMs = 20000;

#define REQUIRE_PROGRAM(name)                                                     \
    do {                                                                          \
        if (lwtest::tool(name).isEmpty()) QSKIP(name " is not installed here");   \
    } while (false)

QPushButton* okOf(QDialog* d) { return d->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok); }

lwtest::Run redisCli(quint16 port, const QStringList& args) {
    return lwtest::runProcess(QStringLiteral("redis-cli"), QStringList{"-p", QString::number(port)} + args, {}, kWaitMs,
                              kWaitMs);
}

}  // namespace

class tst_ProxyWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void dialogChecksItsInput();
    void proxyDialogStartsTheEngineProxy();
    void pairIsShownAsOne();
    void interceptInTheWindow();
};

void tst_ProxyWindow::initTestCase() {
    useTestSettings();
}

void tst_ProxyWindow::init() { QSettings().clear(); }

void tst_ProxyWindow::dialogChecksItsInput() {
    ui::ProxyDialog d;
    QCOMPARE(d.hostBox()->currentText(), QStringLiteral("127.0.0.1"));  // loopback unless asked
    QVERIFY(okOf(&d)->isEnabled());
    d.toHostBox()->setEditText(QString());
    QVERIFY(!okOf(&d)->isEnabled());
    QVERIFY(d.problem().contains(QStringLiteral("server")));
    d.toHostBox()->setEditText(QStringLiteral("example.org:6380"));
    QVERIFY(okOf(&d)->isEnabled());
    d.clientTerminatorEdit()->setTerminator(engine::Terminator::bytes("\n"));
    const ui::ProxyParams p = d.params();
    QCOMPARE(p.toHost, QStringLiteral("example.org"));
    QCOMPARE(p.toPort, std::uint16_t(6380));
    QCOMPARE(p.clientTerminator.bytesValue(), std::string("\n"));
    QCOMPARE(p.serverTerminator.bytesValue(), std::string("\r\n"));
    const engine::ChannelOptions o = p.options();
    QVERIFY(o.proxy.wanted());
    QCOMPARE(o.proxy.host, std::string("example.org"));
    QCOMPARE(o.proxy.port, std::uint16_t(6380));
    QCOMPARE(o.terminator.bytesValue(), std::string("\n"));
    QCOMPARE(o.proxy.serverTerminator.bytesValue(), std::string("\r\n"));
    // Round trip.
    ui::ProxyDialog again;
    again.setParams(p);
    QCOMPARE(again.params().toPort, std::uint16_t(6380));
    QCOMPARE(again.params().clientTerminator.bytesValue(), std::string("\n"));
}

namespace {

// Opens a proxy through File ▸ Proxy… to 127.0.0.1:`to` (typed as host:port);
// the listener, and its port through `port`.
ChannelId openProxy(MainWindow& w, quint16 to, std::uint16_t& port) {
    port = 0;
    w.action(QStringLiteral("proxy"))->trigger();
    auto* d = w.findChild<ui::ProxyDialog*>();
    if (!d) return 0;
    d->portBox()->setValue(0);
    d->toHostBox()->setEditText(QStringLiteral("127.0.0.1:%1").arg(to));
    if (!okOf(d)->isEnabled()) return 0;
    QTest::mouseClick(okOf(d), Qt::LeftButton);
    const ChannelId listener = w.currentChannel();
    if (!QTest::qWaitFor([&] { return hasEvent(w, listener, EventKind::Listening); }, kWaitMs)) return 0;
    port = portOf(info(w, listener)->local);
    return listener;
}

// A redis-server and a shown window whose proxy listens on `port` and
// forwards to it; the window goes before the server.
struct ProxiedRedis {
    lwtest::RedisServer redis{kWaitMs};
    MainWindow w;
    std::uint16_t port = 0;
    ChannelId listener = 0;
    /// Starts both and opens the proxy; false when any step failed.
    bool open() {
        if (!redis.start()) return false;
        w.show();
        if (!QTest::qWaitForWindowExposed(&w)) return false;
        listener = openProxy(w, redis.port, port);
        return listener != 0;
    }
};

}  // namespace

void tst_ProxyWindow::proxyDialogStartsTheEngineProxy() {
    REQUIRE_PROGRAM("redis-server");
    REQUIRE_PROGRAM("redis-cli");
    ProxiedRedis p;
    QVERIFY(p.open());
    auto& [redis, w, port, listener] = p;
    QVERIFY(port != 0);
    QCOMPARE(info(w, listener)->role, engine::ChannelRole::Listener);

    // A real client through the window's proxy to a real server.
    QCOMPARE(redisCli(port, {"PING"}).out, QByteArray("PONG\n"));
    QCOMPARE(redisCli(port, {"SET", "viaGui", "a\r\nb"}).out, QByteArray("OK\n"));
    QCOMPARE(redisCli(port, {"--no-raw", "GET", "viaGui"}).out, QByteArray("\"a\\r\\nb\"\n"));
    // The server saw the client's bytes: the value is there directly too.
    QCOMPARE(redisCli(redis.port, {"--no-raw", "GET", "viaGui"}).out, QByteArray("\"a\\r\\nb\"\n"));

    // Each client connection became an accepted leg with an upstream leg; both framed by \r\n.
    QTRY_VERIFY_WITH_TIMEOUT(childrenOf(w, listener, engine::ChannelRole::Accepted).size() == 3, kWaitMs);
    const ChannelId first = childrenOf(w, listener, engine::ChannelRole::Accepted).first();
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, first, EventKind::Collect, "PING"), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, first, EventKind::Closed), kWaitMs);
    bool pong = false;
    for (ChannelId id : w.bridge()->channelModel()->channels())
        if (hasEvent(w, id, EventKind::Collect, "+PONG")) pong = info(w, id)->role == engine::ChannelRole::Client;
    QVERIFY(pong);  // the server's reply framed on the upstream leg
}

void tst_ProxyWindow::pairIsShownAsOne() {
    REQUIRE_PROGRAM("redis-server");
    ProxiedRedis p;
    QVERIFY(p.open());
    auto& [redis, w, port, listener] = p;

    // One client connection, three requests one after the other (redis's inline commands).
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(client.waitForConnected(kWaitMs));
    QByteArray got;
    const auto ask = [&](const QByteArray& request, const QByteArray& reply) {
        client.write(request);
        return QTest::qWaitFor([&] {
            got += client.readAll();
            return got.endsWith(reply);
        }, kWaitMs);
    };
    QVERIFY(ask("PING\r\n", "+PONG\r\n"));
    QVERIFY(ask("ECHO hi\r\n", "$2\r\nhi\r\n"));
    QVERIFY(ask("PING\r\n", "+PONG\r\n"));

    // The pair in the channel list: the server leg beneath the client leg.
    ui::ChannelModel* model = w.bridge()->channelModel();
    QTRY_VERIFY_WITH_TIMEOUT(childrenOf(w, listener, engine::ChannelRole::Accepted).size() == 1, kWaitMs);
    const ChannelId clientLeg = childrenOf(w, listener, engine::ChannelRole::Accepted).first();
    const ChannelId serverLeg = info(w, clientLeg)->proxyPeer;
    QVERIFY(serverLeg != 0);
    QTRY_VERIFY_WITH_TIMEOUT(info(w, serverLeg) != nullptr, kWaitMs);
    QCOMPARE(info(w, serverLeg)->proxyPeer, clientLeg);
    QVERIFY(info(w, serverLeg)->proxyUpstream);
    QCOMPARE(model->indexForChannel(serverLeg).parent(), model->indexForChannel(clientLeg));
    QCOMPARE(model->indexForChannel(clientLeg).parent(), model->indexForChannel(listener));
    QVERIFY(model->indexForChannel(clientLeg).data().toString().contains(QStringLiteral("client → server")));
    QVERIFY(model->indexForChannel(serverLeg).data().toString().contains(QStringLiteral("server → client")));
    QCOMPARE(info(w, serverLeg)->peer, QStringLiteral("127.0.0.1:%1").arg(redis.port));

    // Selecting the server leg shows the pair's conversation, messages only.
    w.selectChannel(serverLeg);
    ui::ConversationView* view = w.conversation();
    view->setScopeToSelection(true);
    view->setMessagesMode(true);
    view->applyFilterNow();
    const ui::EventLogModel* m = w.bridge()->eventModel();
    const QStringList want = {"C→S PING", "S→C +PONG", "C→S ECHO hi", "S→C $2", "S→C hi", "C→S PING", "S→C +PONG"};
    QStringList seen;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            seen.clear();
            for (int row = 0; row < m->rowCount(); ++row) {
                const ChannelId ch = m->index(row, 0).data(ui::EventLogModel::ChannelRole).toUInt();
                if (ch != clientLeg && ch != serverLeg) return false;  // only the pair
                if (m->index(row, 0).data(ui::EventLogModel::RowTypeRole).toInt() != int(ui::EventLogModel::RowType::Message))
                    continue;
                seen << m->index(row, ui::EventLogModel::ColDirection).data().toString() + QLatin1Char(' ') +
                            m->index(row, 0).data(ui::EventLogModel::BytesRole).toByteArray();
            }
            return seen == want;
        }(),
        kWaitMs);
    // The Channel column names the legs.
    QVERIFY(m->index(0, ui::EventLogModel::ColChannel).data().toString().contains(QStringLiteral("client")));
}

void tst_ProxyWindow::interceptInTheWindow() {
    REQUIRE_PROGRAM("redis-server");
    ProxiedRedis p;
    QVERIFY(p.open());
    auto& [redis, w, port, listener] = p;
    ui::InterceptPane* pane = w.interceptPane();
    QTRY_VERIFY(w.interceptDock()->isVisible());  // a proxy opened: the panel shows
    QCOMPARE(pane->target(), listener);           // the proxy is selected
    QVERIFY(pane->interceptBox()->isEnabled());
    QTest::mouseClick(pane->interceptBox(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, listener, EventKind::Intercept), kWaitMs);  // the engine said "on"

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(client.waitForConnected(kWaitMs));
    QByteArray got;
    const auto receives = [&](const QByteArray& want) {
        return QTest::qWaitFor([&] {
            got += client.readAll();
            return got == want;
        }, kWaitMs);
    };
    const auto click = [&](const char* name) {
        QPushButton* b = pane->button(QLatin1String(name));
        QVERIFY2(b && b->isEnabled(), name);
        QTest::mouseClick(b, Qt::LeftButton);
    };
    const auto rowText = [&](int row, int column) { return pane->list()->topLevelItem(row)->text(column); };

    // Held, then edited and forwarded: the server answers the edited command.
    client.write("PING\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(pane->heldCount(), 1, kWaitMs);
    QCOMPARE(rowText(0, 1), QStringLiteral("C→S"));
    QCOMPARE(rowText(0, 2), QStringLiteral("PING\\r\\n"));
    click("edit");
    QCOMPARE(pane->editor()->text(), QStringLiteral("PING\\r\\n"));
    pane->editor()->setText(QStringLiteral("ECHO edited\\r\\n"));
    click("forwardEdited");
    // The reply is held the other way: two framed messages, S→C.
    QTRY_COMPARE_WITH_TIMEOUT(pane->heldCount(), 2, kWaitMs);
    QCOMPARE(rowText(0, 1), QStringLiteral("S→C"));
    QCOMPARE(rowText(0, 2), QStringLiteral("$6\\r\\n"));
    QCOMPARE(rowText(1, 2), QStringLiteral("edited\\r\\n"));
    QVERIFY(client.readAll().isEmpty());
    click("forwardAll");
    QVERIFY(receives("$6\r\nedited\r\n"));
    QTRY_COMPARE_WITH_TIMEOUT(pane->heldCount(), 0, kWaitMs);

    // Dropped: the server never sees it. Injected to the server instead; its
    // reply is the only one (had PING gone, +PONG would come first).
    got.clear();
    client.write("PING\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(pane->heldCount(), 1, kWaitMs);
    click("drop");
    QTRY_COMPARE_WITH_TIMEOUT(pane->heldCount(), 0, kWaitMs);
    pane->injectTo()->setCurrentIndex(0);  // to the server
    pane->injectEdit()->setText(QStringLiteral("ECHO x\\r\\n"));
    click("inject");
    QTRY_COMPARE_WITH_TIMEOUT(pane->heldCount(), 2, kWaitMs);  // "$1", "x" held S→C
    click("forward");
    QTRY_COMPARE_WITH_TIMEOUT(pane->heldCount(), 1, kWaitMs);  // gone once the engine says so
    click("forward");
    QVERIFY(receives("$1\r\nx\r\n"));
    // Injected to the client.
    pane->injectTo()->setCurrentIndex(1);
    pane->injectEdit()->setText(QStringLiteral("+INJECTED\\r\\n"));
    click("inject");
    QVERIFY(receives("$1\r\nx\r\n+INJECTED\r\n"));

    // Off: forwarded as read again.
    got.clear();
    QTest::mouseClick(pane->interceptBox(), Qt::LeftButton);
    QTRY_VERIFY(!pane->interceptBox()->isChecked());
    client.write("PING\r\n");
    QVERIFY(receives("+PONG\r\n"));
    // The PING may have been read before the engine took "off" in: then it
    // was held and forwarded by the resume, and the pane learns so one event
    // later than the client gets its reply.
    QTRY_COMPARE_WITH_TIMEOUT(pane->heldCount(), 0, kWaitMs);
}

QTEST_MAIN(tst_ProxyWindow)
#include "tst_ProxyWindow.moc"
