// tst_Session.cpp — the GUI's session files, end to end on loopback: a live
// session is recorded by default and reopens with the identical event
// sequence; the recording toggle really stops and resumes appending; a file
// opens read-only with the same rows and the live commands disabled; a
// truncated file opens up to its last good event with a banner; a corrupt
// one gives an error naming the line, no crash; Save As and Export write
// what the engine's readers read back; the replay dialog passes against the
// recorded server and, against one that changes a reply, reports that reply
// and the byte offset side by side; the mock dialog serves over TLS (a
// generated certificate) and the replay dialog replays over TLS against it,
// both with the TLS options of the Connect/Listen dialogs, and STARTTLS for
// a recording without an upgrade is refused in words; main's FILE argument
// check.
#include "engine/capture/EventJson.h"
#include "engine/capture/SessionReader.h"
#include "ui/model/ChannelModel.h"
#include "ui/views/Composer.h"
#include "ui/session/DivergenceView.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/session/SessionController.h"
#include "ui/session/MockDialog.h"
#include "ui/views/NotificationBanner.h"
#include "ui/views/ViewColors.h"
#include "ui/session/ReplayDialog.h"
#include "ui/session/SessionCapture.h"
#include "ui/session/SessionJobs.h"
#include "ui/dialogs/SummaryDialog.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "SessionTestSupport.h"
#include "WindowTestSupport.h"

#include <QAction>
#include <QCheckBox>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSpinBox>
#include <QTextEdit>
#include <QFile>
#include <QLabel>
#include <QMessageBox>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QLocale>
#include <QFileDialog>
#include <QScopeGuard>
#include <QTimer>
#include <QFileInfo>
#include <QTest>
#include <QMetaType>
#include <QTreeWidget>

#include <functional>
#include <memory>

#ifdef __linux__
#include <csignal>
#include <sys/resource.h>
#endif

using namespace uitest;  // and with it ChannelId, EventKind and MainWindow

namespace {

constexpr int kWaitMs = 15000;

// A line server: answers each "\r\n" line with "OK <line>\r\n", except that
// reply number `changeReply` (1-based, 0: none) comes back altered.
class LineServer : public QObject {
public:
    LineServer() {
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) {
                auto count = std::make_shared<int>(0);
                auto buffer = std::make_shared<QByteArray>();
                QObject::connect(s, &QTcpSocket::readyRead, s, [this, s, count, buffer] {
                    buffer->append(s->readAll());
                    qsizetype at;
                    while ((at = buffer->indexOf("\r\n")) >= 0) {
                        const QByteArray line = buffer->left(at);
                        buffer->remove(0, at + 2);
                        ++*count;
                        QByteArray reply = "OK " + line + "\r\n";
                        if (*count == changeReply) reply = "OK " + line.toUpper() + "!\r\n";
                        s->write(reply);
                        if (line == "QUIT") s->disconnectFromHost();
                    }
                });
                QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
        m_server.listen(QHostAddress::LocalHost, 0);
    }
    quint16 port() const { return m_server.serverPort(); }
    int changeReply = 0;

private:
    QTcpServer m_server;
};

/// Connect parameters for a client of `server` (127.0.0.1).
ui::ConnectParams clientOf(const LineServer& server) {
    ui::ConnectParams p;
    p.host = QStringLiteral("127.0.0.1");
    p.port = server.port();
    return p;
}

std::optional<engine::LoadedSession> load(const QString& path) {
    std::string error;
    auto s = engine::SessionReader::load(QFile::encodeName(path).toStdString(), &error);
    if (!s) qWarning("load %s: %s", qPrintable(path), error.c_str());
    return s;
}

// Every store row of `w`, as events.
std::vector<engine::Event> storeEvents(MainWindow& w) {
    std::vector<engine::Event> out;
    const ui::EventLogStore& s = w.bridge()->store();
    for (std::size_t row = 0; row < s.size(); ++row) out.push_back(s.event(row));
    return out;
}

// The same event as the format records it (a `closed` event carries the
// channel's whole last state in memory, its counters on disk).
bool same(const engine::Event& a, const engine::Event& b) {
    return engine::eventjson::encodeEvent(a) == engine::eventjson::encodeEvent(b);
}

QString describe(const engine::Event& a, const engine::Event& b) {
    return QStringLiteral("\n file: %1\n shown: %2")
        .arg(QString::fromStdString(engine::eventjson::encodeEvent(a)), QString::fromStdString(engine::eventjson::encodeEvent(b)));
}

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

const char* const kHeader =
    R"({"format":"linewright-session","version":1,"tool":"linewright-cli","tool_version":"0.1.0","start":"2026-05-01T12:00:00.000000Z","start_unix_us":1777636800000000,"backend":"epoll","level":"full"})"
    "\n";
const char* const kBody =
    R"({"seq":1,"t_us":10,"channel":1,"event":"listening","address":"127.0.0.1:7000","port":7000})"
    "\n"
    R"({"seq":2,"t_us":20,"channel":2,"event":"accepted","parent":1,"peer":"127.0.0.1:50412","local":"127.0.0.1:7000"})"
    "\n"
    R"({"seq":3,"t_us":30,"channel":2,"event":"collect","size":5,"data_b64":"aGVsbG8=","text":"hello"})"
    "\n"
    R"({"seq":4,"t_us":40,"channel":2,"event":"found_terminator","size":5,"terminator":{"kind":"bytes","data_b64":"DQo=","text":"\\r\\n"}})"
    "\n";

}  // namespace

class tst_Session : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void recordedSessionReopensIdentical();
    void recordingToggleStopsAndResumes();
    void unwritableFolderIsReportedNotFatal();
    void writeErrorMidSessionIsReported();
    void readOnlyWindowShowsSameRows();
    void truncatedFileOpensWithBanner();
    void corruptFileGivesError();
    void saveAsAndExport();
    void pcapngExportWritesTheTlsKeyLogBeside();
    void saveAsAfterClearingTheLog();
    void replayPassesThenReportsChangedReply();
    void mockServesRecordedServer();
    void replayAndMockOverTls();
    void divergenceViewHighlights();
    void ignoreRulesParse();
    void fileArgument();
    void sessionsFolderAndName();
    void openDialogStartsInTheSessionsFolder();

private:
    // A window talking to `server`: three lines and their replies, then QUIT
    // (the server closes). Returns the client channel.
    ChannelId talk(MainWindow& w, LineServer& server);
    // talk() with the window's recording off. False if it failed.
    bool talkUnrecorded(MainWindow& w, LineServer& server);
    QTemporaryDir m_dir;
};

void tst_Session::initTestCase() {
    qRegisterMetaType<ui::MainWindow*>();
    qRegisterMetaType<ui::ReplayDialog*>();
    qRegisterMetaType<ui::MockDialog*>();
    useTestSettings(QStringLiteral("linewright-test-session"));
    QVERIFY(m_dir.isValid());
}

void tst_Session::init() {
    QSettings().clear();
    QTest::failOnWarning(QRegularExpression(QStringLiteral("^QString::arg")));
}

ChannelId tst_Session::talk(MainWindow& w, LineServer& server) {
    ui::ConnectParams p = clientOf(server);
    p.terminator = engine::Terminator::bytes("\r\n");
    const ChannelId c = w.connectTo(p);
    [&] { QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, c), kWaitMs); }();
    for (const char* line : {"alpha", "beta", "gamma"}) {
        w.bridge()->reactor().push(c, std::string(line) + "\r\n");
        const QByteArray reply = QByteArray("OK ") + line;
        [&] { QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, c, EventKind::FoundTerminator) && hasEvent(w, c, EventKind::Collect, reply), kWaitMs); }();
    }
    w.bridge()->reactor().push(c, "QUIT\r\n");
    [&] { QTRY_VERIFY_WITH_TIMEOUT(info(w, c)->phase == engine::ChannelPhase::Closed, kWaitMs); }();
    return c;
}

bool tst_Session::talkUnrecorded(MainWindow& w, LineServer& server) {
    w.capture()->setRecording(false);
    talk(w, server);
    return !QTest::currentTestFailed();
}

void tst_Session::recordedSessionReopensIdentical() {
    LineServer server;
    QVERIFY(server.port() != 0);
    QString path;
    std::vector<engine::Event> shown;
    {
        MainWindow w;
        w.capture()->setDirectory(m_dir.filePath(QStringLiteral("rec1")));
        QVERIFY(w.capture()->isRecording());  // by default
        QVERIFY(w.action(QStringLiteral("recordSession"))->isChecked());
        talk(w, server);
        if (QTest::currentTestFailed()) return;
        path = w.capture()->path();
        QVERIFY(path.startsWith(m_dir.filePath(QStringLiteral("rec1"))));
        QVERIFY(path.endsWith(QStringLiteral(".lwsession")));
        QVERIFY(w.capture()->flush());
        // The status bar says so.
        auto* indicator = w.findChild<QLabel*>(QStringLiteral("recordingIndicator"));
        QVERIFY(indicator);
        QTRY_VERIFY_WITH_TIMEOUT(indicator->text().contains(QStringLiteral("REC")), kWaitMs);
        QVERIFY(indicator->toolTip().contains(QFileInfo(path).fileName()));

        // Mid-session, the file already holds every event shown so far.
        shown = storeEvents(w);
        auto mid = load(path);
        QVERIFY(mid);
        QCOMPARE(mid->events.size(), shown.size());
        for (std::size_t i = 0; i < shown.size(); ++i)
            QVERIFY2(same(mid->events[i], shown[i]), qPrintable(describe(mid->events[i], shown[i])));
        QCOMPARE(mid->header.tool, std::string("linewright"));
        QCOMPARE(mid->header.level, std::string("full"));
        w.close();  // ends the session: `stopped` is written
        shown = storeEvents(w);
    }
    auto done = load(path);
    QVERIFY(done);
    QVERIFY(done->complete());
    QVERIFY(done->truncation.empty());
    QCOMPARE(done->events.size(), shown.size());
    for (std::size_t i = 0; i < shown.size(); ++i) QVERIFY2(same(done->events[i], shown[i]), qPrintable(describe(done->events[i], shown[i])));
    QCOMPARE(done->events.back().kind, EventKind::Stopped);
}

void tst_Session::recordingToggleStopsAndResumes() {
    LineServer server;
    MainWindow w;
    w.capture()->setDirectory(m_dir.filePath(QStringLiteral("rec2")));
    const ChannelId c = w.connectTo(clientOf(server));
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, c), kWaitMs);
    QVERIFY(w.capture()->flush());
    const std::uint64_t before = w.capture()->eventsWritten();
    QVERIFY(before > 0);

    QAction* record = w.action(QStringLiteral("recordSession"));
    record->trigger();  // off
    QVERIFY(!w.capture()->isRecording());
    w.bridge()->reactor().push(c, "off\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, c, EventKind::Collect, "OK off"), kWaitMs);
    QVERIFY(w.capture()->flush());
    QCOMPARE(w.capture()->eventsWritten(), before);  // nothing appended while off
    QVERIFY(w.capture()->hasGaps());

    record->trigger();  // on again: the same file continues
    QVERIFY(w.capture()->isRecording());
    const QString path = w.capture()->path();
    w.bridge()->reactor().push(c, "on\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, c, EventKind::Collect, "OK on"), kWaitMs);
    QVERIFY(w.capture()->flush());
    QVERIFY(w.capture()->eventsWritten() > before);
    QCOMPARE(w.capture()->path(), path);

    auto s = load(path);
    QVERIFY(s);
    bool sawOff = false, sawOn = false;
    for (const engine::Event& e : s->events) {
        if (e.kind == EventKind::Collect && e.data == "OK off") sawOff = true;
        if (e.kind == EventKind::Collect && e.data == "OK on") sawOn = true;
    }
    QVERIFY(!sawOff);
    QVERIFY(sawOn);
    QVERIFY(!s->notes.empty());  // the seq gap is noted
}

void tst_Session::unwritableFolderIsReportedNotFatal() {
    writeFile(m_dir.filePath(QStringLiteral("plainfile")), "x");
    MainWindow w;
    // A folder under a plain file cannot be created.
    w.capture()->setDirectory(m_dir.filePath(QStringLiteral("plainfile/sessions")));
    QSignalSpy failed(w.capture(), &ui::SessionCapture::failed);
    ui::ListenParams lp;
    lp.port = 0;
    const ChannelId l = w.listenOn(lp);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, l, EventKind::Listening), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kWaitMs);
    QVERIFY(w.banner()->isVisible() || !w.isVisible());
    QVERIFY(w.banner()->text().contains(QStringLiteral("Cannot record")));
    QVERIFY(!w.capture()->isRecording());
    QVERIFY(!w.action(QStringLiteral("recordSession"))->isChecked());
    QVERIFY(QApplication::activeModalWidget() == nullptr);
    // The session goes on.
    w.bridge()->reactor().close(l);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, l, EventKind::Closed), kWaitMs);
}

// A write that fails once the file is open (here: the file-size limit, as a
// full disk would) turns recording off with a banner; the session goes on.
void tst_Session::writeErrorMidSessionIsReported() {
#ifdef __linux__
    LineServer server;
    MainWindow w;
    w.capture()->setPath(m_dir.filePath(QStringLiteral("limited.lwsession")));
    QSignalSpy failed(w.capture(), &ui::SessionCapture::failed);
    const ChannelId c = w.connectTo(clientOf(server));
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, c), kWaitMs);
    QVERIFY(w.capture()->flush());
    QVERIFY(w.capture()->isOpen());
    const auto written = static_cast<rlim_t>(QFileInfo(w.capture()->path()).size());

    // From now on the process may not make a file larger than it is plus a little.
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    ::getrlimit(RLIMIT_FSIZE, &old);
    rlimit small = old;
    small.rlim_cur = written + 64;
    QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
    const std::string big(4096, 'x');
    w.bridge()->reactor().push(c, big + "\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kWaitMs);
    ::setrlimit(RLIMIT_FSIZE, &old);
    QVERIFY(w.banner()->text().contains(QStringLiteral("Recording stopped")));
    QVERIFY(!w.capture()->isRecording());
    QVERIFY(!w.action(QStringLiteral("recordSession"))->isChecked());
    auto* indicator = w.findChild<QLabel*>(QStringLiteral("recordingIndicator"));
    QVERIFY(indicator->text().contains(QStringLiteral("failed")));
    // The session goes on.
    w.bridge()->reactor().push(c, "after\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, c, EventKind::Collect, "OK after"), kWaitMs);
#else
    QSKIP("needs RLIMIT_FSIZE");
#endif
}

void tst_Session::readOnlyWindowShowsSameRows() {
    LineServer server;
    auto live = std::make_unique<MainWindow>();
    live->capture()->setDirectory(m_dir.filePath(QStringLiteral("rec3")));
    talk(*live, server);
    if (QTest::currentTestFailed()) return;
    QVERIFY(live->capture()->flush());
    const QString path = live->capture()->path();
    const int liveRows = live->bridge()->eventModel()->rowCount();
    const std::size_t liveEvents = live->bridge()->store().size();

    QSignalSpy opened(live.get(), &MainWindow::sessionOpened);
    live->sessionController()->openSession(path);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kWaitMs);
    auto* ro = opened.at(0).at(0).value<MainWindow*>();
    QVERIFY(ro);
    QVERIFY(ro != live.get());  // the live window was in use: a new one
    std::unique_ptr<MainWindow> owner(ro);
    ro->setAttribute(Qt::WA_DeleteOnClose, false);
    QVERIFY(ro->sessionController()->isReadOnly());
    QTRY_COMPARE_WITH_TIMEOUT(ro->bridge()->store().size(), liveEvents, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(ro->bridge()->eventModel()->rowCount(), liveRows, kWaitMs);
    for (int row = 0; row < liveRows; ++row)
        for (int col : {int(ui::EventLogModel::ColMethod), int(ui::EventLogModel::ColChannel)})
            QCOMPARE(ro->bridge()->eventModel()->index(row, col).data().toString(),
                     live->bridge()->eventModel()->index(row, col).data().toString());
    QCOMPARE(ro->bridge()->channelModel()->channels().size(), live->bridge()->channelModel()->channels().size());
    QVERIFY(ro->windowTitle().contains(QFileInfo(path).fileName()));
    QVERIFY(ro->windowTitle().contains(QStringLiteral("read-only")));
    for (const char* name : {"connect", "listen", "sendFile", "close", "closeWhenDone", "discard", "reconnect",
                             "editTerminator", "clearLog", "recordSession"})
        QVERIFY2(!ro->action(QLatin1String(name))->isEnabled(), name);
    // Selecting a channel does not bring them back.
    ro->selectChannel(ro->bridge()->channelModel()->channels().front());
    QVERIFY(!ro->action(QStringLiteral("close"))->isEnabled());
    QVERIFY(!ro->composer()->isVisible());
    QVERIFY(ro->action(QStringLiteral("saveSessionAs"))->isEnabled());
    QVERIFY(ro->action(QStringLiteral("replay"))->isEnabled());
    // The same filters: data only.
    const int roAll = ro->bridge()->eventModel()->rowCount();
    QVERIFY(roAll > 0);
    // No recording of its own.
    QVERIFY(ro->capture()->path().isEmpty());
    QVERIFY(!ro->capture()->isRecording());
    // The summary counts the same.
    ui::SummaryDialog* sum = ro->sessionController()->openSummary();
    QVERIFY(sum->headerText().contains(QStringLiteral("Events: %1").arg(QLocale().toString(static_cast<qulonglong>(liveEvents)))));
    QVERIFY(sum->table()->topLevelItemCount() >= 2);  // the channel and the total
    const ui::ChannelInfo* ci = info(*live, live->bridge()->channelModel()->channels().front());
    QTreeWidgetItem* first = sum->table()->topLevelItem(0);
    QCOMPARE(first->text(4).toULongLong(), ci->bytesIn);
    QCOMPARE(first->text(7).toULongLong(), ci->messagesOut);
}

void tst_Session::truncatedFileOpensWithBanner() {
    const QString path = m_dir.filePath(QStringLiteral("cut.lwsession"));
    writeFile(path, QByteArray(kHeader) + kBody + R"({"seq":5,"t_us":50,"channel":2,"event":"col)");
    MainWindow w;
    QSignalSpy opened(&w, &MainWindow::sessionOpened);
    w.sessionController()->openSession(path);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kWaitMs);
    QCOMPARE(opened.at(0).at(0).value<MainWindow*>(), &w);  // pristine: in this window
    QVERIFY(w.sessionController()->isReadOnly());
    QTRY_COMPARE_WITH_TIMEOUT(w.bridge()->store().size(), std::size_t(4), kWaitMs);
    QVERIFY(w.banner()->text().contains(QStringLiteral("Truncated")));
    QVERIFY(w.banner()->text().contains(QStringLiteral("line 6")));
    auto* strip = w.findChild<QLabel*>(QStringLiteral("readOnlyStrip"));
    QVERIFY(strip);
    QVERIFY(strip->text().contains(QStringLiteral("cut short")));
}

void tst_Session::corruptFileGivesError() {
    const QString path = m_dir.filePath(QStringLiteral("bad.lwsession"));
    writeFile(path, QByteArray(kHeader) + kBody + "this is not json\n" + kBody);
    MainWindow w;
    w.show();
    QSignalSpy failed(&w, &MainWindow::sessionOpenFailed);
    QSignalSpy opened(&w, &MainWindow::sessionOpened);
    w.sessionController()->openSession(path);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kWaitMs);
    QCOMPARE(opened.count(), 0);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(QStringLiteral("line 6")), qPrintable(message));
    auto* box = w.findChild<QMessageBox*>(QStringLiteral("openSessionError"));
    QVERIFY(box);
    QVERIFY(box->text().contains(QStringLiteral("line 6")));
    box->close();
    QVERIFY(!w.sessionController()->isReadOnly());
    // A missing file, too.
    w.sessionController()->openSession(m_dir.filePath(QStringLiteral("nothing-here.lwsession")), true);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, kWaitMs);
}

void tst_Session::saveAsAndExport() {
    LineServer server;
    MainWindow w;
    if (!talkUnrecorded(w, server)) return;
    QVERIFY(w.capture()->path().isEmpty());  // never recorded: Save As still has everything
    const auto shown = storeEvents(w);

    QSignalSpy saved(&w, &MainWindow::sessionSaved);
    const QString copy = m_dir.filePath(QStringLiteral("saved.lwsession"));
    w.sessionController()->saveSessionAs(copy);
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kWaitMs);
    QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
    auto s = load(copy);
    QVERIFY(s);
    QCOMPARE(s->events.size(), shown.size());
    for (std::size_t i = 0; i < shown.size(); ++i) QVERIFY2(same(s->events[i], shown[i]), qPrintable(describe(s->events[i], shown[i])));

    // Saving into a folder that does not exist fails with a message, not a crash.
    w.sessionController()->saveSessionAs(m_dir.filePath(QStringLiteral("no/such/dir/x.lwsession")));
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 2, kWaitMs);
    QVERIFY(!saved.at(1).at(0).toBool());
    QVERIFY(w.banner()->text().contains(QStringLiteral("Save Session As")));

    QSignalSpy exported(&w, &MainWindow::sessionExported);
    const QString pcap = m_dir.filePath(QStringLiteral("s.pcapng"));
    w.sessionController()->exportSession(ui::ExportKind::Pcapng, pcap);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, kWaitMs);
    QVERIFY2(exported.at(0).at(0).toBool(), qPrintable(exported.at(0).at(1).toString()));
    QFile f(pcap);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.read(4), QByteArray("\x0a\x0d\x0d\x0a", 4));  // a Section Header Block

    const QString text = m_dir.filePath(QStringLiteral("s.txt"));
    w.sessionController()->exportSession(ui::ExportKind::Transcript, text);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, kWaitMs);
    QVERIFY(exported.at(1).at(0).toBool());
    QFile t(text);
    QVERIFY(t.open(QIODevice::ReadOnly));
    const QByteArray transcript = t.readAll();
    QVERIFY(transcript.contains("> alpha\\r\\n"));
    QVERIFY(transcript.contains("< OK alpha\\r\\n"));

    const QString raw = m_dir.filePath(QStringLiteral("client.bin"));
    w.sessionController()->exportSession(ui::ExportKind::RawClient, raw);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 3, kWaitMs);
    QVERIFY(exported.at(2).at(0).toBool());
    QFile r(raw);
    QVERIFY(r.open(QIODevice::ReadOnly));
    QCOMPARE(r.readAll(), QByteArray("alpha\r\nbeta\r\ngamma\r\nQUIT\r\n"));
}

namespace {

/// A TLS listener (generated certificate) and a client to it in `w`, both
/// writing secrets to `keyLog` ("" for none); waits for both handshakes.
void tlsPair(MainWindow& w, const QString& keyLog) {
    engine::ChannelOptions o;
    o.terminator = engine::Terminator::bytes("\r\n");
    o.tls.enabled = true;
    o.tls.verify = false;  // the listener asks for no client certificate; the client takes the self-signed one
    o.tls.keyLogFile = keyLog.toStdString();
    const ChannelId listener = w.bridge()->openServer(QStringLiteral("127.0.0.1"), 0, o);
    QTRY_VERIFY_WITH_TIMEOUT(info(w, listener) && info(w, listener)->phase == engine::ChannelPhase::Listening &&
                                 info(w, listener)->local.contains(QLatin1Char(':')),
                             kWaitMs);
    const auto port = static_cast<std::uint16_t>(info(w, listener)->local.section(QLatin1Char(':'), -1).toUInt());
    QVERIFY(port != 0);
    const ChannelId client = w.bridge()->openClient(QStringLiteral("127.0.0.1"), port, o);
    QTRY_VERIFY_WITH_TIMEOUT(info(w, client) && info(w, client)->tlsPhase == ui::TlsPhase::Established, kWaitMs);
    w.bridge()->reactor().push(client, "hello\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, client, EventKind::Sent), kWaitMs);
}

/// tlsPair() in `w` with its recording off, then the session exported as
/// pcapng to `pcap`: `exported` (on w's sessionExported) holds the export's
/// success, checked, and its message.
void exportTlsPair(MainWindow& w, QSignalSpy& exported, const QString& keyLog, const QString& pcap) {
    w.capture()->setRecording(false);
    tlsPair(w, keyLog);
    if (QTest::currentTestFailed()) return;
    w.sessionController()->exportSession(ui::ExportKind::Pcapng, pcap);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, kWaitMs);
    QVERIFY2(exported.at(0).at(0).toBool(), qPrintable(exported.at(0).at(1).toString()));
}

}  // namespace

// A pcapng export of a session whose TLS channels wrote a key log puts this
// session's lines of it beside the capture (NAME.keys, 0600) and says so;
// without a key log it says how to get one.
void tst_Session::pcapngExportWritesTheTlsKeyLogBeside() {
    qunsetenv("SSLKEYLOGFILE");
    const QString keyLog = m_dir.filePath(QStringLiteral("secrets.log"));
    {
        QFile f(keyLog);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("# an earlier run\nCLIENT_RANDOM 0011 2233\n");  // not this session's: left out
    }
    {
        MainWindow w;
        QSignalSpy exported(&w, &MainWindow::sessionExported);
        const QString pcap = m_dir.filePath(QStringLiteral("tls.pcapng"));
        exportTlsPair(w, exported, keyLog, pcap);
        if (QTest::currentTestFailed()) return;
        const QString message = exported.at(0).at(1).toString();
        const QString keys = m_dir.filePath(QStringLiteral("tls.keys"));
        QCOMPARE(ui::keyLogPathBeside(pcap), keys);
        QVERIFY2(message.contains(QDir::toNativeSeparators(keys)) && message.contains(QStringLiteral("NSS key log")),
                 qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("decrypted plaintext")), qPrintable(message));
        QFile k(keys);
        QVERIFY(k.open(QIODevice::ReadOnly));
        const QByteArray written = k.readAll();
        QVERIFY2(!written.contains("CLIENT_RANDOM 0011 2233") && !written.contains('#'), written.constData());
        const QList<QByteArray> lines = written.trimmed().split('\n');
        QVERIFY2(lines.size() >= 2, written.constData());
        // TLS 1.3 (both ends in this engine): the traffic secrets, each once per handshake end.
        QVERIFY2(written.contains("CLIENT_TRAFFIC_SECRET_0 ") || written.contains("CLIENT_RANDOM "), written.constData());
        for (const QByteArray& line : lines) QCOMPARE(line.count(' '), 2);
        QFile source(keyLog);
        QVERIFY(source.open(QIODevice::ReadOnly));
        QVERIFY(source.readAll().endsWith(written));  // exactly what the session appended
#ifndef Q_OS_WIN
        QCOMPARE(k.permissions() & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther),
                 QFile::Permissions());
#endif
        // A transcript export has nothing to do with key logs.
        w.sessionController()->exportSession(ui::ExportKind::Transcript, m_dir.filePath(QStringLiteral("tls.txt")));
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, kWaitMs);
        QVERIFY(!exported.at(1).at(1).toString().contains(QStringLiteral("key log")));
    }
    {
        MainWindow w;
        QSignalSpy exported(&w, &MainWindow::sessionExported);
        exportTlsPair(w, exported, QString(), m_dir.filePath(QStringLiteral("nokeys.pcapng")));
        if (QTest::currentTestFailed()) return;
        const QString message = exported.at(0).at(1).toString();
        QVERIFY2(message.contains(QStringLiteral("No TLS key log was written")) &&
                     message.contains(QStringLiteral("Key log file in the TLS options")),
                 qPrintable(message));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("nokeys.keys"))));
    }
}

// The log was cleared: Save As still writes the whole session, from the
// recording; when the recording is not whole either, it says what is missing.
void tst_Session::saveAsAfterClearingTheLog() {
    LineServer server;
    MainWindow w;
    w.capture()->setDirectory(m_dir.filePath(QStringLiteral("rec-clear")));
    talk(w, server);
    if (QTest::currentTestFailed()) return;
    const std::size_t before = w.bridge()->store().size();
    w.action(QStringLiteral("clearLog"))->trigger();
    QCOMPARE(w.bridge()->store().size(), std::size_t(0));
    ui::ListenParams lp;
    const ChannelId l = w.listenOn(lp);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, l, EventKind::Listening), kWaitMs);
    const std::size_t after = w.bridge()->store().size();

    QSignalSpy saved(&w, &MainWindow::sessionSaved);
    const QString copy = m_dir.filePath(QStringLiteral("whole.lwsession"));
    w.sessionController()->saveSessionAs(copy);
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kWaitMs);
    QVERIFY2(saved.at(0).at(0).toBool(), qPrintable(saved.at(0).at(1).toString()));
    QVERIFY(saved.at(0).at(1).toString().contains(QStringLiteral("from the recording")));
    auto s = load(copy);
    QVERIFY(s);
    QVERIFY(s->truncation.empty());
    QCOMPARE(s->events.size(), before + after);
    QCOMPARE(s->events.front().seq, std::uint64_t(1));
    for (std::size_t i = 0; i < s->events.size(); ++i) QCOMPARE(s->events[i].seq, std::uint64_t(i + 1));  // no gaps

    // Not whole any more: from the log, and said so.
    w.action(QStringLiteral("recordSession"))->trigger();
    w.action(QStringLiteral("clearLog"))->trigger();
    w.bridge()->reactor().close(l);
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(w, l, EventKind::Closed), kWaitMs);
    w.sessionController()->saveSessionAs(m_dir.filePath(QStringLiteral("partial.lwsession")));
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 2, kWaitMs);
    QVERIFY(saved.at(1).at(0).toBool());
    QVERIFY(saved.at(1).at(1).toString().contains(QStringLiteral("not included")));
}

void tst_Session::replayPassesThenReportsChangedReply() {
    LineServer server;
    MainWindow w;
    if (!talkUnrecorded(w, server)) return;

    auto* dialog = openReplayDialog(w, kWaitMs);
    QVERIFY(dialog);
    QCOMPARE(dialog->conversationBox()->count(), 1);
    // The target defaults to the recorded server.
    QCOMPARE(dialog->portBox()->value(), int(server.port()));
    QCOMPARE(dialog->hostEdit()->text(), QStringLiteral("127.0.0.1"));

    QSignalSpy finished(dialog, &ui::ReplayDialog::finished);
    QVERIFY(dialog->start());
    QVERIFY(dialog->isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kWaitMs);
    QVERIFY(dialog->result());
    QCOMPARE(dialog->result()->status, engine::ReplayResult::Status::Passed);
    QVERIFY(dialog->resultLabel()->text().contains(QStringLiteral("PASSED")));
    QCOMPARE(dialog->progressBar()->value(), dialog->progressBar()->maximum());
    QVERIFY(dialog->countersLabel()->text().contains(QStringLiteral("Requests sent: 4 of 4")));
    QVERIFY(!dialog->divergenceView()->isVisible());

    // The server now changes its second reply: "OK BETA!\r\n" for "OK beta\r\n".
    server.changeReply = 2;
    QVERIFY(dialog->start());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kWaitMs);
    QCOMPARE(dialog->result()->status, engine::ReplayResult::Status::Diverged);
    const engine::Divergence& d = dialog->result()->divergences.front();
    QCOMPARE(d.reply, std::size_t(2));
    QCOMPARE(d.offset, std::size_t(3));
    QVERIFY(dialog->resultLabel()->text().contains(QStringLiteral("FAILED")));
    ui::DivergenceView* view = dialog->divergenceView();
    QVERIFY(!view->isHidden());
    QVERIFY(view->headline()->text().contains(QStringLiteral("reply 2")));
    QVERIFY(view->headline()->text().contains(QStringLiteral("byte offset 3")));
    QVERIFY(view->expectedPane()->toPlainText().contains(QStringLiteral("OK beta\\r\\n")));
    QVERIFY(view->receivedPane()->toPlainText().contains(QStringLiteral("OK BETA!")));
    QVERIFY(!view->differing().empty());
    QCOMPARE(view->differing().front(), std::size_t(3));

    // A bad ignore rule is refused in the dialog, not thrown.
    dialog->ignoreEdit()->setPlainText(QStringLiteral("(unclosed"));
    QVERIFY(!dialog->start());
    QVERIFY(!dialog->isRunning());
    // And one that ignores the change makes it pass.
    server.changeReply = 2;
    dialog->ignoreEdit()->setPlainText(QStringLiteral("2:[A-Za-z!]+$"));
    QVERIFY(dialog->start());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, kWaitMs);
    QCOMPARE(dialog->result()->status, engine::ReplayResult::Status::Passed);
    dialog->close();
}

void tst_Session::mockServesRecordedServer() {
    LineServer server;
    MainWindow w;
    if (!talkUnrecorded(w, server)) return;
    auto* dialog = openMockDialog(w, kWaitMs);
    QVERIFY(dialog);
    QCOMPARE(dialog->conversationBox()->count(), 2);  // every connection, or the one
    QVERIFY(dialog->start());
    QVERIFY(dialog->isServing());
    const quint16 port = dialog->port();
    QVERIFY(port != 0);
    QVERIFY(dialog->statusLabel()->text().contains(QString::number(port)));

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(client.waitForConnected(kWaitMs));
    QByteArray got;
    client.write("alpha\r\n");
    QTRY_VERIFY_WITH_TIMEOUT((got += client.readAll()).contains("OK alpha\r\n"), kWaitMs);
    client.write("zzz\r\n");  // not what the recording has: answered all the same, and counted
    QTRY_VERIFY_WITH_TIMEOUT((got += client.readAll()).contains("OK beta\r\n"), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(dialog->stats().mismatches, std::uint64_t(1), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->log()->count() >= 4, kWaitMs);
    dialog->stop();
    QVERIFY(!dialog->isServing());
    QCOMPARE(dialog->port(), quint16(0));
    dialog->close();
}

// The Mock dialog serves the recording over TLS (no certificate given: a
// generated one, its fingerprint shown); the Replay dialog replays it over
// TLS against the mock (verification off for the generated certificate) and
// passes. STARTTLS for a recording without an upgrade: the mock leaves it
// out and says so; the replay fails and says why.
void tst_Session::replayAndMockOverTls() {
    qunsetenv("SSLKEYLOGFILE");
    LineServer server;
    MainWindow w;
    if (!talkUnrecorded(w, server)) return;

    auto* mock = openMockDialog(w, kWaitMs);
    QVERIFY(mock);
    ui::TlsOptionsBox* serverTls = mock->tlsBox();
    QVERIFY(serverTls);
    // STARTTLS first: this recording has no starttls event.
    serverTls->setChecked(true);
    serverTls->startBox()->setCurrentIndex(serverTls->startBox()->findData(int(engine::StartTlsProtocol::AfterMatch)));
    serverTls->patternEdit()->setText(QStringLiteral("^STARTTLS"));
    QVERIFY2(serverTls->problem().isEmpty(), qPrintable(serverTls->problem()));
    QVERIFY(!mock->start());
    QVERIFY2(mock->statusLabel()->text().contains(QStringLiteral("not upgraded with STARTTLS")),
             qPrintable(mock->statusLabel()->text()));
    // TLS from the first byte, a generated certificate.
    serverTls->startBox()->setCurrentIndex(0);
    QVERIFY(mock->start());
    QVERIFY(!serverTls->isEnabled());  // not while serving
    const quint16 port = mock->port();
    QVERIFY(port != 0);
    QVERIFY2(mock->statusLabel()->text().contains(QStringLiteral("SHA-256 fingerprint")), qPrintable(mock->statusLabel()->text()));

    auto* replay = openReplayDialog(w, kWaitMs);
    QVERIFY(replay);
    replay->setTarget(QStringLiteral("127.0.0.1"), port);
    ui::TlsOptionsBox* clientTls = replay->tlsBox();
    QVERIFY(clientTls);
    QSignalSpy finished(replay, &ui::ReplayDialog::finished);
    // STARTTLS (SMTP) for a recording without an upgrade: the replay fails, in words.
    clientTls->setChecked(true);
    clientTls->startBox()->setCurrentIndex(clientTls->startBox()->findData(int(engine::StartTlsProtocol::Smtp)));
    clientTls->verifyBox()->setChecked(false);
    QVERIFY(replay->start());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kWaitMs);
    QCOMPARE(replay->result()->status, engine::ReplayResult::Status::Failed);
    QVERIFY2(replay->resultLabel()->text().contains(QStringLiteral("not upgraded with STARTTLS")),
             qPrintable(replay->resultLabel()->text()));
    // Over TLS from the first byte: it passes, and the mock served it over TLS.
    clientTls->startBox()->setCurrentIndex(0);
    QVERIFY(replay->start());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kWaitMs);
    QVERIFY2(replay->result()->status == engine::ReplayResult::Status::Passed, qPrintable(replay->resultLabel()->text()));
    QVERIFY(replay->result()->tls);
    QVERIFY(replay->result()->tls->verifySkipped);
    QTRY_COMPARE_WITH_TIMEOUT(mock->stats().clientsFinished, std::uint64_t(1), kWaitMs);
    QCOMPARE(mock->stats().tlsFailures, std::uint64_t(0));
    QTRY_VERIFY_WITH_TIMEOUT(!mock->log()->findItems(QStringLiteral("connected from"), Qt::MatchContains).isEmpty(), kWaitMs);
    const QString accepted = mock->log()->findItems(QStringLiteral("connected from"), Qt::MatchContains).first()->text();
    QVERIFY2(accepted.contains(QStringLiteral("TLS 1.")) && accepted.contains(QStringLiteral("server")), qPrintable(accepted));
    replay->close();
    mock->stop();
    QVERIFY(serverTls->isEnabled());
    mock->close();
}

void tst_Session::divergenceViewHighlights() {
    engine::Divergence d;
    d.kind = engine::Divergence::Kind::Different;
    d.reply = 4;
    d.offset = 4;
    d.expected = "250 OK\r\n";
    d.received = "250 KO\r\n";
    d.summary = "reply 4 differs from the recording at byte 4";
    ui::DivergenceView v;
    v.setDivergence(d);
    QCOMPARE(v.differing(), (std::vector<std::size_t>{4, 5}));
    // Marked with the palette's error tint (ViewColors), not a fixed light pink.
    QVERIFY(v.receivedPane()->toHtml().contains(ui::ViewColors::current().errorBg.name().mid(1)));
    // A received reply shorter than the expected one: the missing bytes differ.
    d.received = "250";
    d.offset = 3;
    v.setDivergence(d);
    QCOMPARE(v.differing().size(), std::size_t(5));
    QVERIFY(v.receivedPane()->toPlainText().contains(QStringLiteral("(ends here)")));
}

void tst_Session::ignoreRulesParse() {
    const auto rules = ui::ReplayDialog::parseIgnoreRules(QStringLiteral("Date: .*\n\n3:id=[0-9]+\n0:x\n"));
    QCOMPARE(rules.size(), std::size_t(3));
    QCOMPARE(rules[0].reply, std::size_t(0));
    QCOMPARE(rules[0].pattern, std::string("Date: .*"));
    QCOMPARE(rules[1].reply, std::size_t(3));
    QCOMPARE(rules[1].pattern, std::string("id=[0-9]+"));
    QCOMPARE(rules[2].pattern, std::string("0:x"));  // reply 0 is no reply: the whole line is the pattern
}

void tst_Session::fileArgument() {
    QVERIFY(ui::sessionFileProblem(m_dir.filePath(QStringLiteral("missing.lwsession"))).contains(QStringLiteral("no such file")));
    QVERIFY(!ui::sessionFileProblem(m_dir.path()).isEmpty());
    const QString notSession = m_dir.filePath(QStringLiteral("notes.txt"));
    writeFile(notSession, "hello\n");
    QVERIFY(!ui::sessionFileProblem(notSession).isEmpty());
    const QString good = m_dir.filePath(QStringLiteral("good.lwsession"));
    writeFile(good, QByteArray(kHeader) + kBody);
    QCOMPARE(ui::sessionFileProblem(good), QString());
#ifdef LW_GUI_PATH
    // --help (no display needed) names the argument, for help2man too.
    QProcess p;
    p.start(QStringLiteral(LW_GUI_PATH), {QStringLiteral("--help")});
    QVERIFY(p.waitForFinished(kWaitMs));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.readAllStandardOutput().contains("Usage: linewright [options] [FILE]"));
#endif
}

void tst_Session::sessionsFolderAndName() {
    const QByteArray saved = qgetenv("LINEWRIGHT_SESSIONS_DIR");
    qunsetenv("LINEWRIGHT_SESSIONS_DIR");
    QVERIFY(ui::SessionCapture::defaultDirectory().endsWith(QStringLiteral("/sessions")));
    QVERIFY(ui::SessionCapture::defaultDirectory().startsWith(
        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)));
    qputenv("LINEWRIGHT_SESSIONS_DIR", m_dir.filePath(QStringLiteral("elsewhere")).toUtf8());
    QCOMPARE(ui::SessionCapture::defaultDirectory(), m_dir.filePath(QStringLiteral("elsewhere")));
    if (saved.isEmpty())
        qunsetenv("LINEWRIGHT_SESSIONS_DIR");
    else
        qputenv("LINEWRIGHT_SESSIONS_DIR", saved);
    const QDateTime t(QDate(2026, 11, 24), QTime(14, 10, 3), Qt::UTC);
    QCOMPARE(ui::SessionCapture::defaultFileName(t), QStringLiteral("linewright-2026-11-24T14-10-03Z.lwsession"));
}

// Issue 18, bug 8: when the sessions folder did not exist yet, Open Session
// started in the folder above it with "sessions-3" as the file name.
void tst_Session::openDialogStartsInTheSessionsFolder() {
    QTemporaryDir home;
    QVERIFY(home.isValid());
    const QString sessions = home.filePath(QStringLiteral("data/sessions-3"));
    const QByteArray before = qgetenv("LINEWRIGHT_SESSIONS_DIR");
    qputenv("LINEWRIGHT_SESSIONS_DIR", QFile::encodeName(sessions));
    const auto restore = qScopeGuard([&] { qputenv("LINEWRIGHT_SESSIONS_DIR", before); });
    QVERIFY(!QFileInfo::exists(sessions));

    MainWindow w;
    QVERIFY(shown(w));
    QString shownDir, shownName;
    bool seen = false;
    // File ▸ Open Session, noting where its dialog starts. The dialog is
    // modal: look at it from the event loop it runs, then cancel.
    const auto openSession = [&] {
        seen = false;
        QTimer::singleShot(0, &w, [&] {
            QTRY_VERIFY(qobject_cast<QFileDialog*>(QApplication::activeModalWidget()));
            auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
            shownDir = dialog->directory().absolutePath();
            if (auto* name = dialog->findChild<QLineEdit*>(QStringLiteral("fileNameEdit"))) shownName = name->text();
            seen = true;
            dialog->reject();
        });
        w.action(QStringLiteral("openSession"))->trigger();
    };
    openSession();
    QVERIFY(seen);
    QCOMPARE(shownName, QString());
    QCOMPARE(shownDir, QFileInfo(sessions).absoluteFilePath());

    // A folder last opened from that is gone: the nearest one above it, no file name.
    ui::settings::setBytesValue(QStringLiteral("session/lastDirectory"),
                                home.filePath(QStringLiteral("gone/deeper")).toUtf8());
    openSession();
    QVERIFY(seen);
    QCOMPARE(shownName, QString());
    QCOMPARE(shownDir, QFileInfo(home.path()).absoluteFilePath());
}

QTEST_MAIN(tst_Session)
#include "tst_Session.moc"
