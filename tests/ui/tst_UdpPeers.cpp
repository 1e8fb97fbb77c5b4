// tst_UdpPeers.cpp — a bound UDP channel's peers and broadcast / multicast in
// the window (issue 16). Two QUdpSocket senders on loopback from different
// ports make two peer rows beneath the bound channel with their counts;
// selecting one puts its address in the composer's To and a reply reaches
// that sender only; the rows stay, greyed, when the channel closes. 1,500
// source ports make at most ChannelModel::kMaxPeers rows plus one "other
// senders" row that counts the rest. A channel bound from the Listen
// dialog with a multicast group (239.255.x.y on interface 127.0.0.1) hears a
// datagram a QUdpSocket sends to the group (skipped, saying why, only when
// the kernel refuses to join on loopback). The Broadcast option sets
// SO_BROADCAST: a send to 127.255.255.255 leaves with it and is an `error`
// event (EACCES) without it, the channel staying open. A group that is not a
// multicast address, a bad interface, or a bound host that would not hear
// the group are refused in the dialog with a message, and nothing opens.
// With LW_UDP_SHOT_DIR set it saves the window with two peers as
// DIR/udp-peers.png (docs/images/udp-peers.png was made so, under xvfb-run).
// Every wait has a deadline.
#include "ui/ChannelsController.h"
#include "ui/MainWindow.h"
#include "ui/dialogs/ListenDialog.h"
#include "ui/dialogs/ConnectDialog.h"
#include "ui/dialogs/UdpOptionsBox.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/ChannelParams.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogStore.h"
#include "ui/views/Composer.h"
#include "ui/views/EscapeEdit.h"
#include "UdpTestSupport.h"
#include "WindowTestSupport.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkInterface>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTest>
#include <QTreeView>
#include <QUdpSocket>

#include <memory>

using namespace uitest;  // and with it ChannelId, EventKind and MainWindow

namespace {

constexpr int kWaitMs = 15000;

/// A bound UDP channel on 127.0.0.1 (any port) opened as the Listen dialog would.
ChannelId bindUdp(MainWindow& w, const ui::UdpSocketOptions& options = {}, const QString& host = QStringLiteral("127.0.0.1")) {
    ui::ListenParams p;
    p.udp = true;
    p.host = host;
    p.port = 0;
    p.terminator = engine::Terminator::none();
    p.udpOptions = options;
    return w.listenOn(p);
}

/// Waits (bounded) until `id` is bound; its port (0: it was not).
std::uint16_t boundPort(MainWindow& w, ChannelId id) {
    if (!QTest::qWaitFor([&] { return info(w, id) && (portOf(info(w, id)->local) != 0 ||
                                                      info(w, id)->phase == engine::ChannelPhase::Closed); },
                         kWaitMs))
        return 0;
    const ui::ChannelInfo* i = info(w, id);
    return i && i->phase == engine::ChannelPhase::Listening ? portOf(i->local) : 0;
}

/// The peer rows' column `column` beneath channel `id`, as shown.
QStringList peerColumn(MainWindow& w, ChannelId id, int column) {
    const ui::ChannelModel* m = w.bridge()->channelModel();
    const QModelIndex parent = m->indexForChannel(id);
    QStringList out;
    for (int row = 0; row < m->rowCount(parent); ++row) out << m->index(row, column, parent).data().toString();
    return out;
}

/// The first error event's text on `channel` at or after store row `from` ("" none).
QString errorText(MainWindow& w, ChannelId channel, qsizetype from = 0) {
    const qsizetype row = findEvent(w, channel, EventKind::Error, nullptr, from);
    if (row < 0) return QString();
    const engine::Event e = w.bridge()->store().event(static_cast<std::size_t>(row));
    return QString::fromStdString(std::string(e.message())) + QStringLiteral(" [errno %1]").arg(e.errorCode());
}

}  // namespace

class tst_UdpPeers : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { useTestSettings(QStringLiteral("linewright-test-udppeers")); }
    void init() { QSettings().clear(); }
    void twoSendersTwoPeerRowsAndAReplyToOne();
    void peerRowsStayBounded();
    void multicastGroupFromTheListenDialog();
    void broadcastNeedsTheOption();
    void badOptionsAreRefusedBeforeAnythingOpens();
};

void tst_UdpPeers::twoSendersTwoPeerRowsAndAReplyToOne() {
    MainWindow w;
    QVERIFY(shown(w));
    // Every insertion and change the rows announce is checked against what the model then says.
    QAbstractItemModelTester tester(w.bridge()->channelModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    const ChannelId bound = bindUdp(w);
    const std::uint16_t port = boundPort(w, bound);
    QVERIFY(port != 0);

    QUdpSocket a, b;
    QVERIFY(a.bind(QHostAddress::LocalHost, 0));
    QVERIFY(b.bind(QHostAddress::LocalHost, 0));
    const QString aAddress = QStringLiteral("127.0.0.1:%1").arg(a.localPort());
    const QString bAddress = QStringLiteral("127.0.0.1:%1").arg(b.localPort());
    QCOMPARE(a.writeDatagram("one from a", QHostAddress::LocalHost, port), qint64(10));
    QCOMPARE(a.writeDatagram("two from a", QHostAddress::LocalHost, port), qint64(10));
    QCOMPARE(b.writeDatagram("b", QHostAddress::LocalHost, port), qint64(1));

    ui::ChannelModel* m = w.bridge()->channelModel();
    const QModelIndex parent = m->indexForChannel(bound);
    QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(parent), 2, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(info(w, bound)->messagesIn, std::uint64_t(3), kWaitMs);
    // One row per source address, in the order they first sent, with their counts.
    QCOMPARE(peerColumn(w, bound, ui::ChannelModel::ColName), QStringList({aAddress, bAddress}));
    QCOMPARE(peerColumn(w, bound, ui::ChannelModel::ColMsgsIn), QStringList({"2", "1"}));
    QCOMPARE(peerColumn(w, bound, ui::ChannelModel::ColBytesIn), QStringList({"20", "1"}));
    QCOMPARE(peerColumn(w, bound, ui::ChannelModel::ColMsgsOut), QStringList({"0", "0"}));
    QVERIFY(peerColumn(w, bound, ui::ChannelModel::ColState).at(0).startsWith(QStringLiteral("seen ")));
    const QModelIndex bRow = m->indexForPeer(bound, bAddress);
    QVERIFY(bRow.isValid());
    QCOMPARE(bRow.data(ui::ChannelModel::PeerAddressRole).toString(), bAddress);
    QCOMPARE(bRow.data(ui::ChannelModel::ChannelIdRole).toUInt(), bound);
    QVERIFY(bRow.data(ui::ChannelModel::IsPeerRowRole).toBool());
    QVERIFY(!(m->flags(bRow) & Qt::ItemIsEditable));  // not a channel: no name to give
    QCOMPARE(m->rowCount(bRow), 0);
    QCOMPARE(m->parent(bRow), parent);
    // The channel's own figures are the totals, not doubled by its rows.
    QCOMPARE(m->index(parent.row(), ui::ChannelModel::ColMsgsIn).data().toString(), QStringLiteral("3"));

    // Selecting b's row: the channel is selected, and To is b.
    QTreeView* list = w.channelsView();
    list->setCurrentIndex(bRow);
    QCOMPARE(w.currentChannel(), bound);
    QTRY_VERIFY_WITH_TIMEOUT(!w.composer()->destinationEdit()->isHidden(), kWaitMs);
    QCOMPARE(w.composer()->destination(), bAddress);
    // The last sender was b too; make a the last sender so that only To can explain a reply to b.
    QCOMPARE(a.writeDatagram("three from a", QHostAddress::LocalHost, port), qint64(12));
    QTRY_COMPARE_WITH_TIMEOUT(info(w, bound)->lastSender, aAddress, kWaitMs);
    QCOMPARE(w.composer()->destination(), bAddress);
    QCOMPARE(sendFromComposer(w, QStringLiteral("reply to b"), b, kWaitMs), QByteArray("reply to b"));
    // The channel opened up with its first peer; collapsed, a new sender leaves it collapsed.
    QVERIFY(list->isExpanded(parent));
    list->collapse(parent);
    QUdpSocket third;
    QVERIFY(third.bind(QHostAddress::LocalHost, 0));
    QCOMPARE(third.writeDatagram("c", QHostAddress::LocalHost, port), qint64(1));
    QTRY_COMPARE_WITH_TIMEOUT(m->rowCount(parent), 3, kWaitMs);
    QVERIFY(!list->isExpanded(parent));
    list->expand(parent);
    QTRY_COMPARE_WITH_TIMEOUT(peerColumn(w, bound, ui::ChannelModel::ColMsgsOut), QStringList({"0", "1", "0"}), kWaitMs);
    QCOMPARE(peerColumn(w, bound, ui::ChannelModel::ColBytesOut), QStringList({"0", "10", "0"}));
    // Sent once, to b: the one datagram_sent names b, and a got nothing.
    QCOMPARE(bytesOf(w, bound, EventKind::DatagramSent).size(), 1);
    QVERIFY(!a.hasPendingDatagrams());

    if (const QByteArray dir = qgetenv("LW_UDP_SHOT_DIR"); !dir.isEmpty()) {
        w.resize(1600, 840);
        if (auto* dock = w.findChild<QDockWidget*>(QStringLiteral("ChannelsDock")))
            w.resizeDocks({dock}, {680}, Qt::Horizontal);
        if (auto* inspector = w.findChild<QDockWidget*>(QStringLiteral("InspectorDock")))
            w.resizeDocks({inspector}, {200}, Qt::Horizontal);
        if (auto* bytes = w.findChild<QDockWidget*>(QStringLiteral("BytesDock")))
            w.resizeDocks({bytes}, {160}, Qt::Vertical);
        list->expandAll();
        for (int c = 0; c < ui::ChannelModel::ColumnCount; ++c) list->resizeColumnToContents(c);
        list->setCurrentIndex(bRow);
        // The status bar's figures are sampled about once a second: wait (bounded) for them.
        const auto statusCaughtUp = [&w] {
            for (const QLabel* l : w.findChildren<QLabel*>())
                if (l->text() == QStringLiteral("1 channel open")) return true;
            return false;
        };
        if (!QTest::qWaitFor(statusCaughtUp, kWaitMs)) qWarning("shot: the status bar did not catch up");
        QCoreApplication::sendPostedEvents();
        QCoreApplication::processEvents();
        QVERIFY(w.grab().save(QString::fromUtf8(dir) + QStringLiteral("/udp-peers.png")));
    }

    // Closed, the rows stay, greyed and saying so.
    w.action(QStringLiteral("close"))->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(info(w, bound)->phase, engine::ChannelPhase::Closed, kWaitMs);
    QCOMPARE(m->rowCount(parent), 3);
    QTRY_VERIFY_WITH_TIMEOUT(!bRow.data(ui::ChannelModel::IsOpenRole).toBool(), kWaitMs);
    QVERIFY(peerColumn(w, bound, ui::ChannelModel::ColState).at(1).startsWith(QStringLiteral("closed")));
    QCOMPARE(bRow.data(Qt::ForegroundRole).value<QColor>(), QGuiApplication::palette().color(QPalette::PlaceholderText));
    QCOMPARE(peerColumn(w, bound, ui::ChannelModel::ColMsgsIn), QStringList({"3", "1", "1"}));
    // Removing closed channels takes their rows along.
    w.action(QStringLiteral("removeClosed"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!m->indexForChannel(bound).isValid(), kWaitMs);
    QVERIFY(!m->indexForPeer(bound, bAddress).isValid());
}

void tst_UdpPeers::peerRowsStayBounded() {
    MainWindow w;
    QAbstractItemModelTester tester(w.bridge()->channelModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    const ChannelId bound = bindUdp(w);
    const std::uint16_t port = boundPort(w, bound);
    QVERIFY(port != 0);
    // 1,500 datagrams, each from a socket bound anew (a new source port; the
    // system may give a port twice, so there are somewhat fewer addresses,
    // but far more than the bound). In bursts of 100, each received before
    // the next, so that the kernel's receive buffer drops nothing.
    constexpr int kSends = 1500;
    constexpr int kBurst = 100;
    QElapsedTimer t;
    t.start();
    for (int sent = 0; sent < kSends;) {
        for (int k = 0; k < kBurst; ++k, ++sent) {
            QUdpSocket s;
            QVERIFY(s.bind(QHostAddress::LocalHost, 0));
            QCOMPARE(s.writeDatagram("x", QHostAddress::LocalHost, port), qint64(1));
        }
        QTRY_COMPARE_WITH_TIMEOUT(info(w, bound)->messagesIn, std::uint64_t(sent), kWaitMs);
    }
    ui::ChannelModel* m = w.bridge()->channelModel();
    const QModelIndex parent = m->indexForChannel(bound);
    // kMaxPeers rows, then one that counts the rest together.
    QCOMPARE(m->rowCount(parent), ui::ChannelModel::kMaxPeers + 1);
    QCOMPARE(static_cast<int>(m->peers(bound)->size()), ui::ChannelModel::kMaxPeers);
    const ui::UdpPeer* others = m->otherSenders(bound);
    QVERIFY(others);
    std::uint64_t listed = 0;
    for (const ui::UdpPeer& p : *m->peers(bound)) listed += p.datagramsIn;
    QCOMPARE(listed + others->datagramsIn, std::uint64_t(kSends));
    QVERIFY(others->datagramsIn > 0);
    const QModelIndex last = m->index(ui::ChannelModel::kMaxPeers, ui::ChannelModel::ColName, parent);
    QVERIFY2(last.data().toString().contains(QStringLiteral("other senders")), qPrintable(last.data().toString()));
    QCOMPARE(m->index(ui::ChannelModel::kMaxPeers, ui::ChannelModel::ColMsgsIn, parent).data().toString(),
             QString::number(others->datagramsIn));
    QVERIFY(last.data(ui::ChannelModel::PeerAddressRole).toString().isEmpty());  // no address to reply to
    QVERIFY(parent.data(Qt::ToolTipRole).toString().contains(QStringLiteral("1000 peer(s) shown")));
    qInfo("1,500 source ports: %d rows (%d peers + other senders: %llu datagrams) in %lld ms", m->rowCount(parent),
          ui::ChannelModel::kMaxPeers, static_cast<unsigned long long>(others->datagramsIn),
          static_cast<long long>(t.elapsed()));
}

void tst_UdpPeers::multicastGroupFromTheListenDialog() {
    MainWindow w;
    QVERIFY(shown(w));
    const QString group = QStringLiteral("239.255.77.%1").arg(1 + QCoreApplication::applicationPid() % 200);
    auto* listen = openedBy<ui::ListenDialog>(w, QStringLiteral("listen"));
    QVERIFY(listen);
    listen->transportBox()->setCurrentIndex(1);
    QVERIFY(listen->udpBox()->isVisibleTo(listen));
    listen->portBox()->setValue(0);
    listen->udpBox()->groupEdit()->setText(group);
    listen->udpBox()->interfaceEdit()->setText(QStringLiteral("127.0.0.1"));
    // 127.0.0.1 would not hear the group: the dialog says so, and OK waits.
    QVERIFY2(listen->problem().contains(QStringLiteral("0.0.0.0")), qPrintable(listen->problem()));
    QVERIFY(!listen->udpBox()->problemLabel()->isHidden());
    listen->hostBox()->setEditText(QStringLiteral("0.0.0.0"));
    QVERIFY2(listen->problem().isEmpty(), qPrintable(listen->problem()));
    QVERIFY(listen->udpBox()->problemLabel()->isHidden());
    QCOMPARE(listen->params().udpOptions.multicastGroup, group);
    clickOk(listen);
    const ChannelId bound = w.currentChannel();
    QTRY_VERIFY_WITH_TIMEOUT(info(w, bound) && (info(w, bound)->phase == engine::ChannelPhase::Listening ||
                                                info(w, bound)->phase == engine::ChannelPhase::Closed),
                             kWaitMs);
    if (info(w, bound)->phase == engine::ChannelPhase::Closed) {
        const QString why = errorText(w, bound);
        if (why.contains(QStringLiteral("multicast"))) QSKIP(qPrintable(QStringLiteral("cannot join a multicast group on loopback here: ") + why));
        QFAIL(qPrintable(QStringLiteral("the bind failed: ") + why));
    }
    QTRY_VERIFY_WITH_TIMEOUT(portOf(info(w, bound)->local) != 0, kWaitMs);
    const std::uint16_t port = portOf(info(w, bound)->local);
    // The options show in the channel's tool tip.
    const QString tip = w.bridge()->channelModel()->indexForChannel(bound).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("multicast group %1").arg(group)) &&
                 tip.contains(QStringLiteral("multicast interface 127.0.0.1")),
             qPrintable(tip));

    // A QUdpSocket sends to the group out of the loopback interface.
    QUdpSocket tx;
    QVERIFY(tx.bind(QHostAddress::LocalHost, 0));
    QNetworkInterface lo;
    for (const QNetworkInterface& i : QNetworkInterface::allInterfaces())
        if (i.flags() & QNetworkInterface::IsLoopBack) lo = i;
    if (!lo.isValid()) QSKIP("no loopback interface found to send multicast out of");
    tx.setMulticastInterface(lo);
    tx.setSocketOption(QAbstractSocket::MulticastTtlOption, 0);
    tx.setSocketOption(QAbstractSocket::MulticastLoopbackOption, 1);
    if (tx.writeDatagram("to the group", QHostAddress(group), port) != 12)
        QSKIP(qPrintable(QStringLiteral("the kernel refused a multicast send on loopback: ") + tx.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(bytesOf(w, bound, EventKind::Datagram).size(), 1, kWaitMs);
    QCOMPARE(bytesOf(w, bound, EventKind::Datagram).at(0), QByteArray("to the group"));
    // Its sender is a peer row like any other.
    QTRY_COMPARE_WITH_TIMEOUT(peerColumn(w, bound, ui::ChannelModel::ColName),
                              QStringList({QStringLiteral("127.0.0.1:%1").arg(tx.localPort())}), kWaitMs);
}

void tst_UdpPeers::broadcastNeedsTheOption() {
    MainWindow w;
    QVERIFY(shown(w));
    // Somewhere for the broadcasts to go that belongs to this test.
    QUdpSocket sink;
    QVERIFY(sink.bind(QHostAddress::LocalHost, 0));
    const QString to = QStringLiteral("127.255.255.255:%1").arg(sink.localPort());

    for (const bool broadcast : {true, false}) {
        ui::UdpSocketOptions o;
        o.broadcast = broadcast;
        const ChannelId id = bindUdp(w, o);
        QVERIFY(boundPort(w, id) != 0);
        const QString tip = w.bridge()->channelModel()->indexForChannel(id).data(Qt::ToolTipRole).toString();
        QCOMPARE(tip.contains(QStringLiteral("broadcast (SO_BROADCAST)")), broadcast);
        w.channelsController()->selectChannel(id);
        QTRY_VERIFY_WITH_TIMEOUT(!w.composer()->destinationEdit()->isHidden(), kWaitMs);
        const qsizetype from = static_cast<qsizetype>(w.bridge()->store().size());
        w.composer()->destinationEdit()->setText(to);
        w.composer()->editor()->setText(QStringLiteral("to everyone"));
        QVERIFY(w.composer()->send());
        if (broadcast) {
            QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, id, EventKind::DatagramSent, from), kWaitMs);
            QVERIFY2(!hasEvent(w, id, EventKind::Error, from), qPrintable(errorText(w, id, from)));
        } else {
            // Linux refuses a broadcast destination without SO_BROADCAST (EACCES):
            // an error event; the channel stays open and sends elsewhere still.
            QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, id, EventKind::Error, from), kWaitMs);
            const QString why = errorText(w, id, from);
            QVERIFY2(why.contains(QStringLiteral("127.255.255.255")) && why.contains(QStringLiteral("[errno 13]")),
                     qPrintable(why));
            QVERIFY(!hasEvent(w, id, EventKind::DatagramSent, from));
            QCOMPARE(info(w, id)->phase, engine::ChannelPhase::Listening);
            w.composer()->destinationEdit()->setText(QStringLiteral("127.0.0.1:%1").arg(sink.localPort()));
            w.composer()->editor()->setText(QStringLiteral("just you"));
            QVERIFY(w.composer()->send());
            QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, id, EventKind::DatagramSent, from), kWaitMs);
            QTRY_VERIFY_WITH_TIMEOUT(sink.hasPendingDatagrams(), kWaitMs);
        }
    }
    // And from the Connect dialog: a UDP channel "connected" to the broadcast address.
    auto* connect = openedBy<ui::ConnectDialog>(w, QStringLiteral("connect"));
    QVERIFY(connect);
    connect->transportBox()->setCurrentIndex(1);
    QVERIFY(connect->udpBox()->isVisibleTo(connect));
    QVERIFY(!connect->udpBox()->groupEdit());  // a connected channel joins no group
    connect->hostBox()->setEditText(QStringLiteral("127.255.255.255"));
    connect->portBox()->setValue(sink.localPort());
    connect->udpBox()->broadcastBox()->setChecked(true);
    connect->udpBox()->ttlBox()->setValue(0);
    connect->udpBox()->loopBox()->setChecked(false);
    const ui::ConnectParams cp = connect->params();
    QVERIFY(cp.udpOptions.broadcast);
    QCOMPARE(cp.datagramOptions().multicastTtl, 0);
    QCOMPARE(cp.datagramOptions().multicastLoop, 0);
    clickOk(connect);
    const ChannelId client = w.currentChannel();
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, client), kWaitMs);
    const QString tip = w.bridge()->channelModel()->indexForChannel(client).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("multicast TTL 0")) && tip.contains(QStringLiteral("multicast loop off")),
             qPrintable(tip));
    w.composer()->editor()->setText(QStringLiteral("hello all"));
    QVERIFY(w.composer()->send());
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, client, EventKind::DatagramSent), kWaitMs);
    QVERIFY2(!hasEvent(w, client, EventKind::Error), qPrintable(errorText(w, client)));
}

void tst_UdpPeers::badOptionsAreRefusedBeforeAnythingOpens() {
    MainWindow w;
    QVERIFY(shown(w));
    const int before = w.bridge()->channelModel()->channelCount();
    auto* listen = openedBy<ui::ListenDialog>(w, QStringLiteral("listen"));
    QVERIFY(listen);
    listen->transportBox()->setCurrentIndex(1);
    listen->hostBox()->setEditText(QStringLiteral("0.0.0.0"));
    QPushButton* ok = listen->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    const struct {
        const char* group;
        const char* iface;
        const char* says;
    } cases[] = {
        {"10.1.2.3", "", "10.1.2.3 is not a multicast address"},
        {"not-a-group", "", "is not a numeric address"},
        {"239.1.2.3", "eth0", "neither an IPv4 address"},
        {"239.1.2.3", "3", "takes the interface's IPv4 address"},
        {"ff02::1:3", "", "different address families"},
    };
    for (const auto& c : cases) {
        listen->udpBox()->groupEdit()->setText(QString::fromLatin1(c.group));
        listen->udpBox()->interfaceEdit()->setText(QString::fromLatin1(c.iface));
        QVERIFY2(listen->problem().contains(QLatin1String(c.says)), qPrintable(c.group + (": " + listen->problem())));
        QVERIFY(!ok->isEnabled());
        QCOMPARE(ok->toolTip(), listen->problem());
        QCOMPARE(listen->udpBox()->problemLabel()->text(), listen->problem());
        QVERIFY(!listen->udpBox()->problemLabel()->isHidden());
    }
    // The button is off, and accept() (Enter) opens nothing either.
    listen->accept();
    QVERIFY(listen->isVisible());
    QCOMPARE(w.bridge()->channelModel()->channelCount(), before);
    listen->udpBox()->groupEdit()->setText(QStringLiteral("239.1.2.3"));
    listen->udpBox()->interfaceEdit()->clear();
    QVERIFY(ok->isEnabled());
    listen->reject();

    // Also when the parameters come another way (Recent, the command line).
    ui::UdpSocketOptions bad;
    bad.multicastGroup = QStringLiteral("10.1.2.3");
    QCOMPARE(bindUdp(w, bad, QStringLiteral("0.0.0.0")), ChannelId(0));
    QCOMPARE(w.bridge()->channelModel()->channelCount(), before);
    ui::ConnectParams cp;
    cp.udp = true;
    cp.udpOptions.multicastInterface = QStringLiteral("lo");
    QCOMPARE(w.connectTo(cp), ChannelId(0));
    QCOMPARE(w.bridge()->channelModel()->channelCount(), before);
}

QTEST_MAIN(tst_UdpPeers)
#include "tst_UdpPeers.moc"
