// tst_UdpWindow.cpp — UDP in the window (issue 16): the Connect and Listen
// dialogs offer UDP (send to / bind) and carry it into the channel and the
// Recent list; datagram channels show in the Channels list; each datagram is
// one row of the conversation with its peer's address; the composer sends
// datagrams (a bound channel to the "To" address, which the selected
// datagram's sender fills, else to the last sender). Against real peers on
// loopback: `logger -n 127.0.0.1 -P PORT -d` (syslog over UDP, util-linux)
// into a bound channel, and dnsmasq answering a DNS query typed in hex in
// the composer of a UDP channel opened with the Connect dialog.
#include "ui/ChannelsController.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/dialogs/ConnectDialog.h"
#include "ui/dialogs/ListenDialog.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"
#include "ui/protocol/ProtocolChooser.h"
#include "ui/views/Composer.h"
#include "ui/views/ConversationView.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/TerminatorEdit.h"
#include "../app/PeerTestSupport.h"
#include "UdpTestSupport.h"
#include "WindowTestSupport.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QUdpSocket>

using namespace uitest;  // and with it ChannelId, EventKind and MainWindow

namespace {

constexpr int kWaitMs = 15000;

/// The conversation's rows of `kind` on `channel`: their Data column.
QStringList rowsOf(MainWindow& w, ChannelId channel, EventKind kind) {
    QStringList out;
    const ui::EventLogModel* m = w.bridge()->eventModel();
    for (int row = 0; row < m->rowCount(); ++row) {
        const QModelIndex i = m->index(row, ui::EventLogModel::ColData);
        if (i.data(ui::EventLogModel::ChannelRole).toUInt() != channel) continue;
        if (i.data(ui::EventLogModel::KindRole).toInt() != static_cast<int>(kind)) continue;
        out << i.data().toString();
    }
    return out;
}

/// A DNS query (RFC 1035) for `name`, type A, class IN, with id `id`.
QByteArray dnsQuery(quint16 id, const QByteArray& name) {
    QByteArray q;
    q.append(static_cast<char>(id >> 8)).append(static_cast<char>(id & 0xff));
    q.append("\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);  // RD; one question
    for (const QByteArray& label : name.split('.')) q.append(static_cast<char>(label.size())).append(label);
    q.append("\x00\x00\x01\x00\x01", 5);
    return q;
}

}  // namespace

class tst_UdpWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init() { QSettings().clear(); }
    void dialogsOfferUdp();
    void recentTargetKeepsUdp();
    void loggerIntoABoundChannelAndRepliesFromTheComposer();
    void dnsmasqAnswersAQueryTypedInTheComposer();
};

void tst_UdpWindow::initTestCase() {
    useTestSettings();
}

void tst_UdpWindow::dialogsOfferUdp() {
    ui::ListenDialog listen;
    QCOMPARE(listen.transportBox()->count(), 2);
    QVERIFY(!listen.params().udp);
    listen.transportBox()->setCurrentIndex(1);
    QVERIFY(listen.isUdp());
    const ui::ListenParams lp = listen.params();
    QVERIFY(lp.udp);
    // A datagram is the message: the CRLF default gives way to none.
    QVERIFY(lp.terminator.isNone());
    QVERIFY(listen.tlsBox()->isHidden());
    QVERIFY(listen.protocolChooser()->isHidden());
    QCOMPARE(listen.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->text(), QStringLiteral("&Bind"));
    QVERIFY(listen.isInputValid());
    listen.transportBox()->setCurrentIndex(0);
    QVERIFY(!listen.params().udp);
    QVERIFY(listen.params().terminator == engine::Terminator::bytes("\r\n"));
    QVERIFY(!listen.tlsBox()->isHidden());

    ui::ConnectDialog connect;
    QVERIFY(!connect.params().udp);
    connect.transportBox()->setCurrentIndex(1);
    const ui::ConnectParams cp = connect.params();
    QVERIFY(cp.udp);
    QVERIFY(cp.terminator.isNone());
    QVERIFY(connect.tlsBox()->isHidden());
    QVERIFY(connect.protocolChooser()->isHidden());
    // setParams brings a UDP target back as UDP.
    ui::ConnectDialog again;
    again.setParams(cp);
    QVERIFY(again.isUdp());
    QVERIFY(again.tlsBox()->isHidden());
}

void tst_UdpWindow::recentTargetKeepsUdp() {
    ui::ListenParams lp;
    lp.udp = true;
    lp.port = 5514;
    lp.terminator = engine::Terminator::none();
    ui::settings::addRecentTarget(ui::RecentTarget::from(lp));
    ui::ConnectParams cp;
    cp.udp = true;
    cp.port = 53;
    ui::settings::addRecentTarget(ui::RecentTarget::from(cp));
    // The same endpoint over TCP is another target.
    ui::ConnectParams tcp;
    tcp.port = 53;
    ui::settings::addRecentTarget(ui::RecentTarget::from(tcp));
    const QList<ui::RecentTarget> recent = ui::settings::recentTargets();
    QCOMPARE(recent.size(), 3);
    QVERIFY(!recent.at(0).udp);
    QVERIFY(recent.at(1).udp);
    QVERIFY(recent.at(1).connectParams().udp);
    QVERIFY(recent.at(1).label().startsWith(QStringLiteral("UDP to 127.0.0.1:53")));
    QVERIFY(recent.at(2).listenParams().udp);
    QVERIFY(recent.at(2).label().startsWith(QStringLiteral("UDP bind 127.0.0.1:5514")));
}

void tst_UdpWindow::loggerIntoABoundChannelAndRepliesFromTheComposer() {
    const QString logger = QStandardPaths::findExecutable(QStringLiteral("logger"));
    if (logger.isEmpty()) QSKIP("logger (util-linux) is not installed");
    MainWindow w;
    QVERIFY(shown(w));

    auto* listen = openedBy<ui::ListenDialog>(w, QStringLiteral("listen"));
    QVERIFY(listen);
    listen->transportBox()->setCurrentIndex(1);
    listen->portBox()->setValue(0);
    clickOk(listen);
    const ChannelId bound = w.currentChannel();
    QTRY_VERIFY_WITH_TIMEOUT(info(w, bound) && info(w, bound)->phase == engine::ChannelPhase::Listening, kWaitMs);
    QVERIFY(info(w, bound)->udp);
    QTRY_VERIFY_WITH_TIMEOUT(portOf(info(w, bound)->local) != 0, kWaitMs);
    const std::uint16_t port = portOf(info(w, bound)->local);
    // The Channels list says what it is.
    const QModelIndex nameCell = w.bridge()->channelModel()->indexForChannel(bound);
    QVERIFY(nameCell.data().toString().contains(QStringLiteral("UDP bound")));
    // A bound channel can send (to the "To" address or the last sender).
    QVERIFY(!w.composer()->destinationEdit()->isHidden());

    // syslog over UDP from util-linux's logger: each line one datagram, one row.
    QProcess p;
    p.start(logger, {QStringLiteral("-n"), QStringLiteral("127.0.0.1"), QStringLiteral("-P"), QString::number(port),
                     QStringLiteral("-d"), QStringLiteral("-t"), QStringLiteral("lwtest"),
                     QStringLiteral("first line from logger")});
    QVERIFY(p.waitForFinished(kWaitMs));
    QCOMPARE(p.exitCode(), 0);
    p.start(logger, {QStringLiteral("-n"), QStringLiteral("127.0.0.1"), QStringLiteral("-P"), QString::number(port),
                     QStringLiteral("-d"), QStringLiteral("-t"), QStringLiteral("lwtest"),
                     QStringLiteral("second line")});
    QVERIFY(p.waitForFinished(kWaitMs));
    QCOMPARE(p.exitCode(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(rowsOf(w, bound, EventKind::Datagram).size(), 2, kWaitMs);
    const QStringList rows = rowsOf(w, bound, EventKind::Datagram);
    QVERIFY2(rows.at(0).startsWith(QStringLiteral("127.0.0.1:")) && rows.at(0).contains(QStringLiteral("lwtest")) &&
                 rows.at(0).contains(QStringLiteral("first line from logger")),
             qPrintable(rows.at(0)));
    QVERIFY2(rows.at(1).contains(QStringLiteral("second line")), qPrintable(rows.at(1)));
    QTRY_COMPARE_WITH_TIMEOUT(info(w, bound)->messagesIn, std::uint64_t(2), kWaitMs);
    // In the Messages view too, one row per datagram.
    w.conversation()->setMessagesMode(true);
    QTRY_COMPARE_WITH_TIMEOUT(rowsOf(w, bound, EventKind::Datagram).size(), 2, kWaitMs);
    w.conversation()->setMessagesMode(false);

    // A peer to reply to: its datagram selected in the conversation fills "To".
    QUdpSocket peer;
    QVERIFY(peer.bind(QHostAddress::LocalHost, 0));
    QCOMPARE(peer.writeDatagram("who is there?", QHostAddress::LocalHost, port), qint64(13));
    const QString peerAddress = QStringLiteral("127.0.0.1:%1").arg(peer.localPort());
    QTRY_COMPARE_WITH_TIMEOUT(rowsOf(w, bound, EventKind::Datagram).size(), 3, kWaitMs);
    // A later logger line: now the last sender is logger, not the peer.
    p.start(logger, {QStringLiteral("-n"), QStringLiteral("127.0.0.1"), QStringLiteral("-P"), QString::number(port),
                     QStringLiteral("-d"), QStringLiteral("third line")});
    QVERIFY(p.waitForFinished(kWaitMs));
    QTRY_COMPARE_WITH_TIMEOUT(rowsOf(w, bound, EventKind::Datagram).size(), 4, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(info(w, bound)->lastSender != peerAddress && !info(w, bound)->lastSender.isEmpty(), kWaitMs);

    const ui::EventLogModel* m = w.bridge()->eventModel();
    int peerRow = -1;
    for (int row = 0; row < m->rowCount() && peerRow < 0; ++row) {
        const QModelIndex i = m->index(row, ui::EventLogModel::ColData);
        if (i.data(ui::EventLogModel::KindRole).toInt() == static_cast<int>(EventKind::Datagram) &&
            i.data().toString().startsWith(peerAddress))
            peerRow = row;
    }
    QVERIFY(peerRow >= 0);
    QTableView* table = w.conversation()->table();
    table->setCurrentIndex(table->model()->index(peerRow, ui::EventLogModel::ColData));
    QCOMPARE(w.composer()->destination(), peerAddress);

    QCOMPARE(sendFromComposer(w, QStringLiteral("hello back"), peer, kWaitMs), QByteArray("hello back"));
    QTRY_COMPARE_WITH_TIMEOUT(rowsOf(w, bound, EventKind::DatagramSent).size(), 1, kWaitMs);
    QVERIFY(rowsOf(w, bound, EventKind::DatagramSent).at(0).startsWith(peerAddress));
}

void tst_UdpWindow::dnsmasqAnswersAQueryTypedInTheComposer() {
    const QString dnsmasq = QStandardPaths::findExecutable(QStringLiteral("dnsmasq"),
                                                           {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    if (dnsmasq.isEmpty()) QSKIP("dnsmasq is not installed (dnsmasq-base, in installer/bootstrap.sh)");
    // dnsmasq on a free port, ready once it answers a query (asked again until
    // then: UDP may be dropped before it binds). A port that was free a moment
    // ago can be taken before dnsmasq binds it (other tests run at the same
    // time), so a start that is not answering after a few seconds is stopped
    // and tried again on another port, three times at most.
    QProcess server;
    server.setProcessChannelMode(QProcess::MergedChannels);
    struct Stop {
        QProcess& p;
        ~Stop() {
            p.terminate();
            if (!p.waitForFinished(5000)) p.kill();
            p.waitForFinished(5000);
        }
    } stop{server};
    std::uint16_t port = 0;
    QByteArray dnsmasqSaid;
    for (int attempt = 0; attempt < 3 && port == 0; ++attempt) {
        const std::uint16_t tryPort = lwtest::freeUdpPort();  // dnsmasq binds it next
        QVERIFY(tryPort != 0);
        server.start(dnsmasq, {QStringLiteral("--no-daemon"), QStringLiteral("--port=%1").arg(tryPort),
                               QStringLiteral("--listen-address=127.0.0.1"), QStringLiteral("--no-resolv"),
                               QStringLiteral("--no-hosts"), QStringLiteral("--address=/test.lan/10.1.2.3"),
                               QStringLiteral("--bind-interfaces"), QStringLiteral("--pid-file"),
                               QStringLiteral("--log-facility=-"), QStringLiteral("-C"), QStringLiteral("/dev/null")});
        QVERIFY(server.waitForStarted(kWaitMs));
        QUdpSocket probe;
        QVERIFY(probe.bind(QHostAddress::LocalHost, 0));
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < kWaitMs / 3 && server.state() == QProcess::Running) {
            probe.writeDatagram(dnsQuery(0x0101, "test.lan"), QHostAddress::LocalHost, tryPort);
            if (probe.waitForReadyRead(200)) {
                port = tryPort;
                break;
            }
        }
        if (port != 0) break;
        server.terminate();
        if (!server.waitForFinished(5000)) server.kill();
        server.waitForFinished(5000);
        dnsmasqSaid += "port " + QByteArray::number(tryPort) + ": " + server.readAll() + "\n";
    }
    QVERIFY2(port != 0, ("dnsmasq did not answer on three ports: " + dnsmasqSaid).constData());

    MainWindow w;
    QVERIFY(shown(w));
    auto* connect = openedBy<ui::ConnectDialog>(w, QStringLiteral("connect"));
    QVERIFY(connect);
    connect->transportBox()->setCurrentIndex(1);
    connect->hostBox()->setEditText(QStringLiteral("127.0.0.1"));
    connect->portBox()->setValue(port);
    clickOk(connect);
    const ChannelId channel = w.currentChannel();
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, channel), kWaitMs);
    QVERIFY(info(w, channel)->udp);
    QVERIFY(w.bridge()->channelModel()->indexForChannel(channel).data().toString().contains(QStringLiteral("UDP")));
    // A connected UDP channel needs no "To": it sends to its peer.
    QVERIFY(w.composer()->destinationEdit()->isHidden());

    // The query typed in hex, sent with Enter's path.
    const QByteArray query = dnsQuery(0x4c57, "test.lan");
    w.composer()->setSyntax(ui::ByteSyntax::Hex);
    w.composer()->editor()->setText(ui::bytesToText(query, ui::ByteSyntax::Hex));
    QCOMPARE(w.composer()->message().value_or(QByteArray()), query);
    QVERIFY(w.composer()->send());
    QTRY_COMPARE_WITH_TIMEOUT(bytesOf(w, channel, EventKind::Datagram).size(), 1, kWaitMs);
    const QByteArray answer = bytesOf(w, channel, EventKind::Datagram).at(0);
    QVERIFY(answer.size() > query.size());
    QCOMPARE(answer.left(2), query.left(2));                          // the query's id
    QVERIFY(static_cast<unsigned char>(answer.at(2)) & 0x80);         // a response
    QCOMPARE(static_cast<unsigned char>(answer.at(3)) & 0x0f, 0);     // NOERROR
    QCOMPARE(answer.mid(6, 2), QByteArray("\x00\x01", 2));            // one answer
    QVERIFY2(answer.endsWith(QByteArray("\x0a\x01\x02\x03", 4)), answer.toHex(' ').constData());  // A 10.1.2.3
    // One row, with dnsmasq's address.
    const QStringList rows = rowsOf(w, channel, EventKind::Datagram);
    QCOMPARE(rows.size(), 1);
    QVERIFY2(rows.at(0).startsWith(QStringLiteral("127.0.0.1:%1 <").arg(port)), qPrintable(rows.at(0)));
    QCOMPARE(rowsOf(w, channel, EventKind::DatagramSent).size(), 1);
}

QTEST_MAIN(tst_UdpWindow)
#include "tst_UdpWindow.moc"
