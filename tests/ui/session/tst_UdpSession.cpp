// tst_UdpSession.cpp — the window's session tools on a recorded UDP channel,
// end to end on loopback: a session file of a `udp send` channel (two
// datagrams sent, their two echoes received) opened in the window is
// exported to pcapng with its four datagrams as UDP packets (read back with
// the engine's reader, and with tshark where it is installed); Replay… of it
// passes against a UDP echo server, shows a divergence against a server
// that answers differently, a missing reply against a silent one — the GUI
// thread runs meanwhile (a QTimer fires during the replay) — and a closed
// port in words; Serve as mock… answers a QUdpSocket client's datagram with
// the recorded reply, its first two bytes copied from the request ("0:2"),
// and Stop stops it. A UDP channel whose datagrams a terminator cut is not
// offered, and the status bar says why.
#include "engine/capture/EventJson.h"
#include "engine/capture/PcapReader.h"
#include "ui/MainWindow.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "ui/session/DivergenceView.h"
#include "ui/session/MockDialog.h"
#include "ui/session/ReplayDialog.h"
#include "ui/session/SessionController.h"
#include "ui/session/SessionJobs.h"
#include "SessionBuilder.h"
#include "SessionTestSupport.h"
#include "WindowTestSupport.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QMetaType>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTextEdit>
#include <QTimer>
#include <QUdpSocket>

#include <functional>
#include <memory>

using namespace uitest;  // and with it ChannelId, EventKind and MainWindow

namespace {

constexpr int kWaitMs = 15000;

// The recorded dialogue: each request's echo (the first two bytes an id, as DNS has).
const QByteArray kRequest1 = "AAping 1\n";
const QByteArray kRequest2 = "BBping 2\n";

// A UDP server on 127.0.0.1 in the test's thread: echoes each datagram
// (Echo), answers it changed (Upper: its bytes upper-cased), or reads and
// answers nothing (Silent).
class UdpServer : public QObject {
public:
    enum class Mode { Echo, Upper, Silent };
    explicit UdpServer(Mode mode) : m_mode(mode) {
        m_socket.bind(QHostAddress::LocalHost, 0);
        QObject::connect(&m_socket, &QUdpSocket::readyRead, this, [this] {
            while (m_socket.hasPendingDatagrams()) {
                QByteArray data(static_cast<qsizetype>(m_socket.pendingDatagramSize()), '\0');
                QHostAddress from;
                quint16 port = 0;
                m_socket.readDatagram(data.data(), data.size(), &from, &port);
                ++received;
                if (m_mode == Mode::Silent) continue;
                m_socket.writeDatagram(m_mode == Mode::Upper ? data.toUpper() : data, from, port);
            }
        });
    }
    quint16 port() const { return m_socket.localPort(); }
    int received = 0;

private:
    Mode m_mode;
    QUdpSocket m_socket;
};

/// A session file of a connected UDP channel (`udp send` to 127.0.0.1:5300,
/// recorded as the client): the two requests sent, each echoed.
void writeEvents(const QString& path, const std::vector<engine::Event>& events) {
    std::string text =
        R"({"format":"linewright-session","version":1,"tool":"linewright-cli","tool_version":"0.1.0","start":"2026-05-01T12:00:00.000000Z","start_unix_us":1777636800000000,"backend":"epoll","level":"full"})"
        "\n";
    for (const engine::Event& e : events) engine::eventjson::appendEvent(text, e);
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(text.data(), static_cast<qint64>(text.size())), static_cast<qint64>(text.size()));
}

void writeUdpSession(const QString& path) {
    const std::string server = "127.0.0.1:5300";
    const std::string local = "127.0.0.1:40001";
    lwtest::SessionBuilder b;  // t_us 1000·seq, on channel 1
    b.add(EventKind::Connecting, 1000, 1, server, {}, "127.0.0.1").size = 5300;
    b.add(EventKind::Connected, 2000, 1, server, {}, local);
    b.add(EventKind::DatagramSent, 3000, 1, server, kRequest1.toStdString());
    b.add(EventKind::Datagram, 4000, 1, server, kRequest1.toStdString());
    b.add(EventKind::DatagramSent, 5000, 1, server, kRequest2.toStdString());
    b.add(EventKind::Datagram, 6000, 1, server, kRequest2.toStdString());
    writeEvents(path, b.events);
}

/// With LW_UDP_SESSION_SHOT_DIR set: `dialog` saved there as NAME.png (how
/// the dialogs were looked at; nothing is checked).
void shot(QWidget* dialog, const char* name) {
    const QByteArray dir = qgetenv("LW_UDP_SESSION_SHOT_DIR");
    if (dir.isEmpty()) return;
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    dialog->grab().save(QString::fromUtf8(dir) + QLatin1Char('/') + QLatin1String(name) + QStringLiteral(".png"));
}

}  // namespace

class tst_UdpSession : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void exportWritesTheDatagrams();
    void replayPassesDivergesAndMisses();
    void mockAnswersAndStops();
    void cutDatagramsAreNotOffered();

private:
    /// A window with the UDP session open (read-only), owned by the caller.
    std::unique_ptr<MainWindow> openSession();
    QTemporaryDir m_dir;
    QString m_session;
};

void tst_UdpSession::initTestCase() {
    qRegisterMetaType<ui::MainWindow*>();
    qRegisterMetaType<ui::ReplayDialog*>();
    qRegisterMetaType<ui::MockDialog*>();
    useTestSettings(QStringLiteral("linewright-test-udp-session"));
    QVERIFY(m_dir.isValid());
    m_session = m_dir.filePath(QStringLiteral("udp.lwsession"));
    writeUdpSession(m_session);
}

void tst_UdpSession::init() {
    QSettings().clear();
    QTest::failOnWarning(QRegularExpression(QStringLiteral("^QString::arg")));
}

std::unique_ptr<MainWindow> tst_UdpSession::openSession() {
    auto w = std::make_unique<MainWindow>();
    QSignalSpy opened(w.get(), &MainWindow::sessionOpened);
    w->sessionController()->openSession(m_session);
    if (!QTest::qWaitFor([&] { return opened.count() == 1; }, kWaitMs)) return nullptr;
    if (!w->sessionController()->isReadOnly()) return nullptr;
    if (!QTest::qWaitFor([&] { return w->bridge()->store().size() == 6; }, kWaitMs)) return nullptr;
    return w;
}

void tst_UdpSession::exportWritesTheDatagrams() {
    auto w = openSession();
    QVERIFY(w);
    QSignalSpy exported(w.get(), &MainWindow::sessionExported);
    const QString pcap = m_dir.filePath(QStringLiteral("udp.pcapng"));
    w->sessionController()->exportSession(ui::ExportKind::Pcapng, pcap);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, kWaitMs);
    const QString message = exported.at(0).at(1).toString();
    QVERIFY2(exported.at(0).at(0).toBool(), qPrintable(message));
    // As `linewright-cli export` says it.
    QVERIFY2(message.contains(QStringLiteral("0 connections, 4 packets, 0 found_terminator comments, 4 UDP datagrams")),
             qPrintable(message));

    // The engine's reader finds the four datagrams, each between the recorded ends.
    engine::PcapReader reader;
    QVERIFY2(reader.open(QFile::encodeName(pcap).toStdString()), reader.error().c_str());
    QList<QByteArray> payloads;
    engine::CapturedPacket p;
    while (reader.next(p)) {
        engine::UdpDatagram d;
        QCOMPARE(engine::PcapReader::decodeUdp(p, d), engine::DecodeResult::Udp);
        const bool sent = d.source() == "127.0.0.1:40001";
        QVERIFY2(sent ? d.destination() == "127.0.0.1:5300" : d.source() == "127.0.0.1:5300" && d.destination() == "127.0.0.1:40001",
                 (d.source() + " -> " + d.destination()).c_str());
        payloads << QByteArray(d.payload.data(), static_cast<qsizetype>(d.payload.size()));
    }
    QVERIFY2(!reader.failed(), reader.error().c_str());
    QCOMPARE(payloads, (QList<QByteArray>{kRequest1, kRequest1, kRequest2, kRequest2}));

    // And tshark, where it is installed, decodes them as UDP.
    const QString tshark = QStandardPaths::findExecutable(QStringLiteral("tshark"));
    if (tshark.isEmpty()) QSKIP("tshark is not installed: the capture was read back with the engine's reader only");
    QProcess t;
    t.start(tshark, {QStringLiteral("-r"), pcap, QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"),
                     QStringLiteral("udp.srcport"), QStringLiteral("-e"), QStringLiteral("udp.dstport")});
    QVERIFY(t.waitForFinished(60000));
    const QByteArray out = t.readAllStandardOutput();
    QCOMPARE(t.exitCode(), 0);
    QCOMPARE(out, QByteArray("40001\t5300\n5300\t40001\n40001\t5300\n5300\t40001\n"));
}

void tst_UdpSession::replayPassesDivergesAndMisses() {
    auto w = openSession();
    QVERIFY(w);
    auto* dialog = openReplayDialog(*w, kWaitMs);
    QVERIFY(dialog);
    QCOMPARE(dialog->conversationBox()->count(), 1);
    QVERIFY(dialog->udpChosen());
    QVERIFY2(dialog->conversationBox()->currentText().contains(QStringLiteral("UDP")),
             qPrintable(dialog->conversationBox()->currentText()));
    // The target defaults to the recorded server; TLS does not apply, and says so.
    QCOMPARE(dialog->hostEdit()->text(), QStringLiteral("127.0.0.1"));
    QCOMPARE(dialog->portBox()->value(), 5300);
    QVERIFY(!dialog->tlsBox()->isEnabled());
    QVERIFY(dialog->tlsBox()->toolTip().contains(QStringLiteral("UDP")));
    QVERIFY(dialog->scriptInfoLabel()->text().contains(QStringLiteral("2 datagrams to send, 2 replies")));
    QSignalSpy finished(dialog, &ui::ReplayDialog::finished);

    // An echo server: passes.
    {
        UdpServer echo(UdpServer::Mode::Echo);
        dialog->setTarget(QStringLiteral("127.0.0.1"), echo.port());
        QVERIFY(dialog->start());
        QVERIFY(dialog->isRunning());
        QVERIFY(!dialog->tlsBox()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kWaitMs);
        QVERIFY2(dialog->result()->status == engine::ReplayResult::Status::Passed, qPrintable(dialog->resultLabel()->text()));
        QVERIFY(dialog->resultLabel()->text().contains(QStringLiteral("PASSED")));
        QVERIFY(dialog->countersLabel()->text().contains(QStringLiteral("Requests sent: 2 of 2")));
        QVERIFY(dialog->countersLabel()->text().contains(QStringLiteral("Replies matched: 2 of 2")));
        QCOMPARE(echo.received, 2);
        QVERIFY(dialog->divergenceView()->isHidden());
        QVERIFY(!dialog->isRunning());
    }
    // A server that answers differently: the first reply diverges, side by side.
    {
        UdpServer upper(UdpServer::Mode::Upper);
        dialog->setTarget(QStringLiteral("127.0.0.1"), upper.port());
        QVERIFY(dialog->start());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kWaitMs);
        QCOMPARE(dialog->result()->status, engine::ReplayResult::Status::Diverged);
        const engine::Divergence& d = dialog->result()->divergences.front();
        QCOMPARE(d.kind, engine::Divergence::Kind::Different);
        QCOMPARE(d.reply, std::size_t(1));
        QCOMPARE(d.offset, std::size_t(2));
        QVERIFY(dialog->resultLabel()->text().contains(QStringLiteral("FAILED")));
        ui::DivergenceView* view = dialog->divergenceView();
        QVERIFY(!view->isHidden());
        QVERIFY(view->headline()->text().contains(QStringLiteral("reply 1")));
        QVERIFY(view->expectedPane()->toPlainText().contains(QStringLiteral("AAping 1")));
        QVERIFY(view->receivedPane()->toPlainText().contains(QStringLiteral("AAPING 1")));
        // An ignore rule for it makes the replay pass.
        dialog->ignoreEdit()->setPlainText(QStringLiteral("[A-Za-z]+ [0-9]"));
        QVERIFY(dialog->start());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, kWaitMs);
        QVERIFY2(dialog->result()->status == engine::ReplayResult::Status::Passed, qPrintable(dialog->resultLabel()->text()));
        dialog->ignoreEdit()->clear();
    }
    // A silent server: the first reply is missing after the timeout (1 s),
    // and the GUI thread runs meanwhile — a QTimer fires during the replay.
    {
        UdpServer silent(UdpServer::Mode::Silent);
        dialog->setTarget(QStringLiteral("127.0.0.1"), silent.port());
        dialog->timeoutBox()->setValue(1);
        int ticks = 0;
        int ticksWhileRunning = 0;
        QTimer timer;
        timer.setInterval(20);
        QObject::connect(&timer, &QTimer::timeout, [&] {
            ++ticks;
            if (dialog->isRunning()) ++ticksWhileRunning;
        });
        timer.start();
        QVERIFY(dialog->start());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 4, kWaitMs);
        QCOMPARE(dialog->result()->status, engine::ReplayResult::Status::Diverged);
        const engine::Divergence& d = dialog->result()->divergences.front();
        QCOMPARE(d.kind, engine::Divergence::Kind::Missing);
        QCOMPARE(d.reply, std::size_t(1));
        QVERIFY2(ticksWhileRunning >= 10, qPrintable(QString::number(ticksWhileRunning)));  // 1 s of 20 ms ticks
        QVERIFY(dialog->resultLabel()->text().contains(QStringLiteral("did not come within 1000 ms")));
        ui::DivergenceView* view = dialog->divergenceView();
        QVERIFY(!view->isHidden());
        QVERIFY2(view->headline()->text().contains(QStringLiteral("missing")), qPrintable(view->headline()->text()));
        QVERIFY(view->expectedPane()->toPlainText().contains(QStringLiteral("AAping 1")));
        QCOMPARE(silent.received, 1);
        shot(dialog, "udp-replay-missing");  // lockstep: the second request waits for the first reply

        // Report every divergence: both replies missing, the choice lists them.
        dialog->keepGoingBox()->setChecked(true);
        QVERIFY(dialog->start());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 5, kWaitMs);
        QCOMPARE(dialog->result()->divergences.size(), std::size_t(2));
        QCOMPARE(silent.received, 3);
        dialog->keepGoingBox()->setChecked(false);

        // Cancel ends a replay that waits.
        dialog->timeoutBox()->setValue(30);
        QVERIFY(dialog->start());
        QTRY_VERIFY_WITH_TIMEOUT(silent.received == 4, kWaitMs);
        dialog->cancel();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 6, kWaitMs);
        QCOMPARE(dialog->result()->status, engine::ReplayResult::Status::Cancelled);
        dialog->timeoutBox()->setValue(1);
    }
    // A closed port: the system says nothing listens there.
    {
        quint16 closed = 0;
        {
            QUdpSocket s;
            QVERIFY(s.bind(QHostAddress::LocalHost, 0));
            closed = s.localPort();
        }
        dialog->setTarget(QStringLiteral("127.0.0.1"), closed);
        QVERIFY(dialog->start());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 7, kWaitMs);
        QVERIFY2(dialog->result()->status == engine::ReplayResult::Status::Failed, qPrintable(dialog->resultLabel()->text()));
        QVERIFY2(dialog->resultLabel()->text().contains(QStringLiteral("nothing listens there")),
                 qPrintable(dialog->resultLabel()->text()));
    }
    dialog->close();
}

void tst_UdpSession::mockAnswersAndStops() {
    auto w = openSession();
    QVERIFY(w);
    auto* dialog = openMockDialog(*w, kWaitMs);
    QVERIFY(dialog);
    QCOMPARE(dialog->conversationBox()->count(), 1);  // the UDP channel (no TCP connection: no "every connection")
    QVERIFY(dialog->conversationBox()->currentText().contains(QStringLiteral("UDP")));
    QVERIFY(!dialog->tlsBox()->isEnabled());
    QVERIFY(dialog->copyBytesEdit()->isEnabled());

    // A bad range is refused in words.
    dialog->copyBytesEdit()->setText(QStringLiteral("0-2"));
    QVERIFY(!dialog->start());
    QVERIFY(dialog->statusLabel()->text().contains(QStringLiteral("OFFSET:LENGTH")));

    dialog->copyBytesEdit()->setText(QStringLiteral("0:2"));
    QSignalSpy serving(dialog, &ui::MockDialog::serving);
    QVERIFY(dialog->start());
    QVERIFY(dialog->isServing());
    const quint16 port = dialog->port();
    QVERIFY(port != 0);
    QCOMPARE(serving.count(), 1);
    QCOMPARE(serving.at(0).at(0).value<quint16>(), port);
    QVERIFY2(dialog->statusLabel()->text().contains(QStringLiteral("127.0.0.1:%1").arg(port)),
             qPrintable(dialog->statusLabel()->text()));
    QVERIFY(!dialog->copyBytesEdit()->isEnabled());

    // A client sends the recorded requests with ids of its own: the recorded
    // replies come back, each with the request's id.
    QUdpSocket client;
    QVERIFY(client.bind(QHostAddress::LocalHost, 0));
    auto exchange = [&](const QByteArray& request) {
        client.writeDatagram(request, QHostAddress::LocalHost, port);
        QByteArray got;
        if (QTest::qWaitFor([&] { return client.hasPendingDatagrams(); }, kWaitMs)) {
            got.resize(static_cast<qsizetype>(client.pendingDatagramSize()));
            client.readDatagram(got.data(), got.size());
        }
        return got;
    };
    QCOMPARE(exchange("XYping 1\n"), QByteArray("XYping 1\n"));
    QCOMPARE(exchange("ZWping 2\n"), QByteArray("ZWping 2\n"));
    QTRY_COMPARE_WITH_TIMEOUT(dialog->udpStats().requests, std::uint64_t(2), kWaitMs);
    QCOMPARE(dialog->udpStats().peers, std::uint64_t(1));
    QCOMPARE(dialog->udpStats().replies, std::uint64_t(2));
    QTRY_VERIFY_WITH_TIMEOUT(dialog->figuresLabel()->text().contains(QStringLiteral("requests answered: 2")), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->log()->count() >= 3, kWaitMs);
    shot(dialog, "udp-mock");

    // Stop: the port is no longer served (it can be bound again).
    QSignalSpy stopped(dialog, &ui::MockDialog::stopped);
    dialog->stop();
    QCOMPARE(stopped.count(), 1);
    QVERIFY(!dialog->isServing());
    QCOMPARE(dialog->port(), quint16(0));
    QVERIFY(dialog->statusLabel()->text().contains(QStringLiteral("Stopped")));
    QUdpSocket again;
    QVERIFY2(again.bind(QHostAddress::LocalHost, port), qPrintable(again.errorString()));
    dialog->close();
}

void tst_UdpSession::cutDatagramsAreNotOffered() {
    // `udp listen --terminator`: its datagrams were cut into messages, which cannot be rebuilt.
    const QString path = m_dir.filePath(QStringLiteral("cut.lwsession"));
    lwtest::SessionBuilder b;
    b.add(EventKind::Listening, 1000, 1, "127.0.0.1:7000").size = 7000;
    b.add(EventKind::Datagram, 2000, 1, "127.0.0.1:40002", "a").count = 4;  // a message of a 4-byte datagram
    writeEvents(path, b.events);
    MainWindow w;
    QSignalSpy opened(&w, &MainWindow::sessionOpened);
    w.sessionController()->openSession(path);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(w.bridge()->store().size(), std::size_t(2), kWaitMs);
    QSignalSpy status(w.sessionController(), &ui::SessionController::statusMessage);
    auto* dialog = openReplayDialog(w, kWaitMs);
    QVERIFY(dialog);
    QCOMPARE(dialog->conversationBox()->count(), 0);
    QVERIFY(!dialog->startButton()->isEnabled());
    QStringList said;
    for (const QList<QVariant>& args : status) said << args.at(0).toString();
    QVERIFY2(said.join(u'|').contains(QStringLiteral("Not offered: UDP channel 1: its datagrams were cut into messages")),
             qPrintable(said.join(u'|')));
    dialog->close();
}

QTEST_MAIN(tst_UdpSession)
#include "tst_UdpSession.moc"
