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
// to either side, and off forwarding again. TLS: the dialog's TLS options
// reach the engine's options as `proxy --tls / --to-tls / --starttls` set
// them (the local CA shown, created and exported; wrong input refused); a
// CPython TLS client trusting only the exported CA through the window's
// proxy to `openssl s_server` (both legs TLS); STARTTLS passed through while
// intercept holds every message, the server's yes among them. A peer
// program missing is a QSKIP naming it. Every wait has a deadline.
#include "ui/MainWindow.h"
#include "ui/dialogs/ProxyDialog.h"
#include "ui/dialogs/TlsOptionsBox.h"
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
#include <QDir>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QTemporaryDir>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>

using namespace uitest;  // and with it ChannelId, EventKind and MainWindow

namespace {

constexpr int kWaitMs = 20000;

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
    void dialogTlsOnBothLegs();
    void tlsBothLegsThroughTheWindow();
    void startTlsWhileInterceptHolds();
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

// Shows `w` and opens File ▸ Proxy… with 127.0.0.1:`to` typed in (as
// host:port) and any free port to listen on; the dialog, or null when the
// window was not exposed or no dialog came.
ui::ProxyDialog* showProxyDialog(MainWindow& w, quint16 to) {
    w.show();
    if (!QTest::qWaitForWindowExposed(&w)) return nullptr;
    w.action(QStringLiteral("proxy"))->trigger();
    auto* d = w.findChild<ui::ProxyDialog*>();
    if (!d) return nullptr;
    d->portBox()->setValue(0);
    d->toHostBox()->setEditText(QStringLiteral("127.0.0.1:%1").arg(to));
    return d;
}

// Presses the proxy dialog's OK; the listener once it listens, and its
// port through `port` (0, and 0, when OK was disabled or it never listened).
ChannelId startProxy(MainWindow& w, ui::ProxyDialog* d, std::uint16_t& port) {
    port = 0;
    if (!okOf(d)->isEnabled()) return 0;
    QTest::mouseClick(okOf(d), Qt::LeftButton);
    const ChannelId listener = w.currentChannel();
    if (!QTest::qWaitFor([&] { return hasEvent(w, listener, EventKind::Listening); }, kWaitMs)) return 0;
    port = portOf(info(w, listener)->local);
    return listener;
}

// A test PKI (lwtest::makeTestPki) in a temporary folder of its own;
// `failed` says why there is none.
struct TempPki {
    QTemporaryDir dir;
    const QString failed = dir.isValid() ? lwtest::makeTestPki(lwtest::tool("openssl"), dir.path(), false, kWaitMs)
                                         : QStringLiteral("no temporary folder");
    QString path() const { return dir.path(); }
    QString filePath(const QString& name) const { return dir.filePath(name); }
};

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
        ui::ProxyDialog* d = showProxyDialog(w, redis.port);
        if (!d) return false;
        listener = startProxy(w, d, port);
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

// The dialog's TLS: each leg's settings reach the engine's options as
// `proxy --tls / --to-tls / --starttls` set them; the local CA is shown,
// created and exported; wrong input keeps OK off and says why.
void tst_ProxyWindow::dialogTlsOnBothLegs() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString caDir = tmp.filePath(QStringLiteral("ca"));
    ui::ProxyDialog d;
    d.toHostBox()->setEditText(QStringLiteral("mail.example:25"));
    // Off by default: plaintext both ways, as `proxy` without TLS options.
    QVERIFY(d.clientTlsBox()->isCheckable() && !d.clientTlsBox()->isChecked());
    QVERIFY(d.serverTlsBox()->isCheckable() && !d.serverTlsBox()->isChecked());
    QVERIFY(!d.certFileEdit()->isVisibleTo(&d) && !d.caDirEdit()->isVisibleTo(&d));
    engine::ChannelOptions o = d.params().options();
    QVERIFY(!o.tls.wanted());
    QVERIFY(!o.proxy.tls.wanted());
    QCOMPARE(o.proxy.startTls, engine::StartTlsProtocol::None);

    // Towards the client, from the local CA in a folder of its own.
    d.clientTlsBox()->setChecked(true);
    QVERIFY(d.caDirEdit()->isVisibleTo(&d) && !d.certFileEdit()->isVisibleTo(&d));
    d.caDirEdit()->setText(caDir);
    QVERIFY2(d.caInfoLabel()->text().contains(QStringLiteral("No local CA in")), qPrintable(d.caInfoLabel()->text()));
    QVERIFY2(okOf(&d)->isEnabled(), qPrintable(d.problem()));
    o = d.params().options();
    QVERIFY(o.tls.enabled);
    QVERIFY(!o.tls.verify);  // no client certificate asked for
    QCOMPARE(o.tls.localCaDir, caDir.toStdString());
    QCOMPARE(o.tls.localCaFallbackName, std::string("mail.example"));
    QVERIFY(o.tls.certFile.empty());
    // Export creates the CA and writes its certificate; the label then shows it.
    const QString exported = tmp.filePath(QStringLiteral("exported.pem"));
    QCOMPARE(d.exportCaCertificate(exported), QString());
    const QByteArray pem = lwtest::readFile(exported);
    QVERIFY(pem.startsWith("-----BEGIN CERTIFICATE-----"));
    QCOMPARE(pem, lwtest::readFile(caDir + QStringLiteral("/linewright-ca.pem")));
    QVERIFY2(d.caInfoLabel()->text().contains(QStringLiteral("SHA-256 ")), qPrintable(d.caInfoLabel()->text()));
    QVERIFY(d.caInfoLabel()->text().contains(QDir::toNativeSeparators(caDir + QStringLiteral("/linewright-ca.pem"))));
    // A folder the CA refuses: a file where the folder should be.
    QVERIFY(lwtest::writeFile(tmp.filePath(QStringLiteral("afile")), "x"));
    d.caDirEdit()->setText(tmp.filePath(QStringLiteral("afile")));
    QVERIFY(!okOf(&d)->isEnabled());
    QVERIFY2(d.problem().startsWith(QStringLiteral("Local CA: ")), qPrintable(d.problem()));
    d.caDirEdit()->setText(caDir);
    QVERIFY(okOf(&d)->isEnabled());

    // Its own certificate instead: both files needed, and they must exist.
    d.certificateSourceBox()->setCurrentIndex(1);
    QVERIFY(d.certFileEdit()->isVisibleTo(&d) && !d.caDirEdit()->isVisibleTo(&d));
    QVERIFY(!okOf(&d)->isEnabled());
    d.certFileEdit()->setText(exported);
    QVERIFY2(d.problem().contains(QStringLiteral("key")), qPrintable(d.problem()));
    d.keyFileEdit()->setText(tmp.filePath(QStringLiteral("missing.key")));
    QVERIFY2(d.problem().contains(QStringLiteral("does not exist")), qPrintable(d.problem()));
    d.keyFileEdit()->setText(caDir + QStringLiteral("/linewright-ca-key.pem"));
    QVERIFY2(okOf(&d)->isEnabled(), qPrintable(d.problem()));
    o = d.params().options();
    QCOMPARE(o.tls.certFile, exported.toStdString());
    QVERIFY(o.tls.localCaDir.empty());

    // Towards the server: the Connect dialog's options.
    d.serverTlsBox()->setChecked(true);
    QVERIFY(d.serverTlsBox()->verifyBox()->isChecked());
    d.serverTlsBox()->serverNameEdit()->setText(QStringLiteral("smtp.example"));
    d.serverTlsBox()->caFileEdit()->setText(exported);
    QVERIFY2(okOf(&d)->isEnabled(), qPrintable(d.problem()));
    o = d.params().options();
    QVERIFY(o.proxy.tls.enabled);
    QVERIFY(o.proxy.tls.verify);
    QCOMPARE(o.proxy.tls.serverName, std::string("smtp.example"));
    QCOMPARE(o.proxy.tls.caFile, exported.toStdString());
    d.serverTlsBox()->caFileEdit()->setText(tmp.filePath(QStringLiteral("nope.pem")));
    QVERIFY(!okOf(&d)->isEnabled());
    QVERIFY2(d.problem().startsWith(QStringLiteral("TLS towards the server: ")), qPrintable(d.problem()));
    d.serverTlsBox()->caFileEdit()->setText(exported);

    // STARTTLS passed through: both legs plaintext until the upgrade, with these settings.
    d.startTlsBox()->setCurrentIndex(d.startTlsBox()->findData(static_cast<int>(engine::StartTlsProtocol::Imap)));
    QVERIFY(!d.clientTlsBox()->isCheckable() && !d.serverTlsBox()->isCheckable());  // both apply: no check box
    QVERIFY(d.certFileEdit()->isVisibleTo(&d));
    QVERIFY(d.serverTlsBox()->serverNameEdit()->isVisibleTo(&d));
    const ui::ProxyParams p = d.params();
    o = p.options();
    QCOMPARE(o.proxy.startTls, engine::StartTlsProtocol::Imap);
    QVERIFY(!o.tls.enabled && !o.proxy.tls.enabled);
    QCOMPARE(o.tls.certFile, exported.toStdString());
    QCOMPARE(o.proxy.tls.serverName, std::string("smtp.example"));
    QVERIFY(o.proxy.tls.verify);
    // Round trip, and back to none: the check boxes return, off.
    ui::ProxyDialog again;
    again.setParams(p);
    QCOMPARE(again.startTlsBox()->currentData().toInt(), static_cast<int>(engine::StartTlsProtocol::Imap));
    QCOMPARE(again.params().options().tls.certFile, exported.toStdString());
    QCOMPARE(again.params().options().proxy.tls.serverName, std::string("smtp.example"));
    d.startTlsBox()->setCurrentIndex(0);
    QVERIFY(d.clientTlsBox()->isCheckable() && !d.clientTlsBox()->isChecked());
    QVERIFY(d.serverTlsBox()->isCheckable() && !d.serverTlsBox()->isChecked());
    QVERIFY(!d.params().options().tls.wanted() && !d.params().options().proxy.tls.wanted());
}

// A proxied TLS connection through the window, both legs TLS: a CPython TLS
// client that trusts only the CA the dialog exported, asking for a name of
// its own (SNI) → the window's proxy (a certificate for that name from the
// local CA) → openssl s_server -rev (the test PKI's localhost certificate,
// verified against its CA). The reply comes back reversed; both legs'
// handshakes are in the window's log and the plaintext framed on both legs.
void tst_ProxyWindow::tlsBothLegsThroughTheWindow() {
    REQUIRE_PROGRAM("openssl");
    REQUIRE_PROGRAM("python3");
    const TempPki tmp;
    QVERIFY2(tmp.failed.isEmpty(), qPrintable(tmp.failed));
    const quint16 upstreamPort = lwtest::freePort();
    lwtest::Background server(lwtest::tool("openssl"),
                              {"s_server", "-accept", QStringLiteral("127.0.0.1:%1").arg(upstreamPort), "-cert",
                               tmp.filePath("server.pem"), "-key", tmp.filePath("server.key"), "-rev"},
                              kWaitMs);
    QVERIFY(server.waitStdout("ACCEPT"));

    MainWindow w;
    ui::ProxyDialog* d = showProxyDialog(w, upstreamPort);
    QVERIFY(d);
    d->clientTerminatorEdit()->setTerminator(engine::Terminator::bytes("\n"));
    d->serverTerminatorEdit()->setTerminator(engine::Terminator::bytes("\n"));
    d->clientTlsBox()->setChecked(true);
    d->caDirEdit()->setText(tmp.filePath(QStringLiteral("localca")));
    const QString trusted = tmp.filePath(QStringLiteral("trust-this.pem"));
    QCOMPARE(d->exportCaCertificate(trusted), QString());
    d->serverTlsBox()->setChecked(true);
    d->serverTlsBox()->caFileEdit()->setText(tmp.filePath("ca.pem"));
    d->serverTlsBox()->serverNameEdit()->setText(QStringLiteral("localhost"));
    QVERIFY2(okOf(d)->isEnabled(), qPrintable(d->problem()));
    std::uint16_t port = 0;
    const ChannelId listener = startProxy(w, d, port);
    QVERIFY(listener != 0);
    QVERIFY(port != 0);

    const char* client = R"(import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
raw = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
s = ctx.wrap_socket(raw, server_hostname=sys.argv[3])
s.sendall(b"hello proxy\n")
buf = b""
while b"\n" not in buf:
    d = s.recv(4096)
    if not d: break
    buf += d
subject = dict(x[0] for x in s.getpeercert()["subject"])
issuer = dict(x[0] for x in s.getpeercert()["issuer"])
print(buf.decode("latin-1").split("\n")[0])
print(subject["commonName"] + " / " + issuer["commonName"])
)";
    const lwtest::Run c = lwtest::runProcess(lwtest::tool("python3"),
                                             {"-c", client, QString::number(port), trusted, "db.example"}, {},
                                             kWaitMs, kWaitMs);
    QVERIFY2(c.status == 0, qPrintable(c.all() + server.out()));
    const QList<QByteArray> lines = c.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines[0], QByteArray("yxorp olleh"));
    QCOMPARE(lines[1], QByteArray("db.example / Linewright local CA"));  // issued for the name asked

    // Both legs' handshakes and the plaintext framed on each leg.
    QTRY_VERIFY_WITH_TIMEOUT(childrenOf(w, listener, engine::ChannelRole::Accepted).size() == 1, kWaitMs);
    const ChannelId accepted = childrenOf(w, listener, engine::ChannelRole::Accepted).first();
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, accepted, EventKind::TlsHandshake), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, accepted, EventKind::Collect, "hello proxy"), kWaitMs);
    ChannelId upstream = 0;
    for (ChannelId id : w.bridge()->channelModel()->channels())
        if (info(w, id)->role == engine::ChannelRole::Client) upstream = id;
    QVERIFY(upstream != 0);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, upstream, EventKind::TlsHandshake), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, upstream, EventKind::Collect, "yxorp olleh"), kWaitMs);
}

// STARTTLS passed through while intercept holds every message, the server's
// yes among them: a CPython STARTTLS server (the test PKI's certificate) and
// a CPython client that trusts only the exported local CA, through the
// window's proxy (--starttls smtp); the test forwards what the Intercept
// panel holds (Forward all) until the client is done. The client's leg
// upgrades only once the held yes has gone out in plaintext; before, it
// upgraded at once and the client, waiting for the yes, never got it.
void tst_ProxyWindow::startTlsWhileInterceptHolds() {
    REQUIRE_PROGRAM("openssl");
    REQUIRE_PROGRAM("python3");
    const TempPki tmp;
    QVERIFY2(tmp.failed.isEmpty(), qPrintable(tmp.failed));
    // Both peers' Python begins with the imports and line(s): one line read
    // byte by byte (nothing after it taken from the socket), its "\n"
    // included, or what came before the end of the stream.
    const QString head = QStringLiteral(R"(import socket, ssl, sys
def line(s):
    got = b""
    while not got.endswith(b"\n"):
        b = s.recv(1)
        if not b: break
        got += b
    return got
)");
    const QString serverScript = head + R"(port, d = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(d + "/server.pem", d + "/server.key")
srv = socket.create_server(("127.0.0.1", port))
print("READY", flush=True)
conn, _ = srv.accept()
conn.settimeout(20)
conn.sendall(b"220 ready\r\n")
if line(conn).strip().upper() != b"STARTTLS":
    conn.sendall(b"502 no\r\n")
    sys.exit(1)
conn.sendall(b"220 go ahead\r\n")
t = ctx.wrap_socket(conn, server_side=True)
t.sendall(b"250 got " + line(t).strip() + b"\r\n")
t.close()
)";
    const QString clientScript = head + R"(port, cafile = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=20)
def text(b): return b.decode("latin-1").strip()
print(text(line(s)), flush=True)
s.sendall(b"STARTTLS\r\n")
print(text(line(s)), flush=True)
t = ssl.create_default_context(cafile=cafile).wrap_socket(s, server_hostname="localhost")
t.sendall(b"HELLO\r\n")
print(text(line(t)))
print("DONE", flush=True)
)";
    const quint16 upstreamPort = lwtest::freePort();
    lwtest::Background server(lwtest::tool("python3"), {"-c", serverScript, QString::number(upstreamPort), tmp.path()},
                              kWaitMs);
    QVERIFY2(server.waitStdout("READY"), qPrintable(server.err()));

    MainWindow w;
    ui::ProxyDialog* d = showProxyDialog(w, upstreamPort);
    QVERIFY(d);
    d->startTlsBox()->setCurrentIndex(d->startTlsBox()->findData(static_cast<int>(engine::StartTlsProtocol::Smtp)));
    d->caDirEdit()->setText(tmp.filePath(QStringLiteral("localca")));
    const QString trusted = tmp.filePath(QStringLiteral("trust-this.pem"));
    QCOMPARE(d->exportCaCertificate(trusted), QString());
    d->serverTlsBox()->caFileEdit()->setText(tmp.filePath("ca.pem"));
    QVERIFY2(okOf(d)->isEnabled(), qPrintable(d->problem()));
    std::uint16_t port = 0;
    const ChannelId listener = startProxy(w, d, port);
    QVERIFY(listener != 0);
    ui::InterceptPane* pane = w.interceptPane();
    QCOMPARE(pane->target(), listener);
    QTest::mouseClick(pane->interceptBox(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, listener, EventKind::Intercept), kWaitMs);

    lwtest::Background client(lwtest::tool("python3"), {"-c", clientScript, QString::number(port), trusted}, kWaitMs);
    QVERIFY(client.started());
    QByteArray out;
    int forwarded = 0;
    const bool done = QTest::qWaitFor([&] {
        out += client.process().readAllStandardOutput();
        QPushButton* all = pane->button(QStringLiteral("forwardAll"));
        if (pane->heldCount() > 0 && all && all->isEnabled()) {
            forwarded += pane->heldCount();
            QTest::mouseClick(all, Qt::LeftButton);
        }
        return out.contains("DONE") || client.process().state() == QProcess::NotRunning;
    }, kWaitMs);
    out += client.process().readAllStandardOutput();
    QVERIFY2(done && out.contains("DONE"),
             qPrintable(out + client.process().readAllStandardError() + server.out() + server.err()));
    QCOMPARE(out, QByteArray("220 ready\n220 go ahead\n250 got HELLO\nDONE\n"));
    QVERIFY2(forwarded >= 5, qPrintable(QString::number(forwarded)));  // greeting, STARTTLS, yes, HELLO, reply: each held
    // The plaintext on both sides of the upgrade, framed and held like the rest.
    bool sawHello = false, sawYes = false;
    for (ChannelId id : w.bridge()->channelModel()->channels()) {
        sawHello = sawHello || hasEvent(w, id, EventKind::Collect, "HELLO");
        sawYes = sawYes || hasEvent(w, id, EventKind::Collect, "220 go ahead");
    }
    QVERIFY(sawHello && sawYes);
}

QTEST_MAIN(tst_ProxyWindow)
#include "tst_ProxyWindow.moc"
