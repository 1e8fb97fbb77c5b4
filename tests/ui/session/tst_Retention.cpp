// tst_Retention — recordings do not grow without bound (issue 18, bug 9):
// the retention policy (RecordingRetention), Edit ▸ Preferences, File ▸
// Recorded sessions…, and a window's recording that warns and stops at a size.
#include "ui/MainWindow.h"
#include "ui/dialogs/PreferencesDialog.h"
#include "ui/session/RecordingRetention.h"
#include "ui/session/RecordingsDialog.h"
#include "ui/session/SessionCapture.h"
#include "ui/session/SessionController.h"
#include "ui/views/NotificationBanner.h"
#include "WindowTestSupport.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <algorithm>

using ui::RecordingFile;
using ui::RetentionPolicy;

namespace {

constexpr int kWaitMs = 15000;
constexpr std::int64_t kMiB = RetentionPolicy::kMiB;

const QDateTime kNow = QDateTime(QDate(2026, 12, 7), QTime(0, 0), Qt::UTC);

RecordingFile file(const QString& name, std::int64_t size, qint64 ageSecs) {
    return {QStringLiteral("/rec/") + name, size, kNow.addSecs(-ageSecs)};
}

QStringList names(const std::vector<RecordingFile>& files) {
    QStringList out;
    for (const RecordingFile& f : files) out << QFileInfo(f.path).fileName();
    return out;
}

// Writes `size` bytes to dir/name, last written `ageSecs` ago.
QString makeFile(const QString& dir, const QString& name, qint64 size, qint64 ageSecs) {
    const QString path = QDir(dir).filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(QByteArray(size, 'x'));
    f.flush();  // written now: the close must not move the time set below
    f.setFileTime(QDateTime::currentDateTimeUtc().addSecs(-ageSecs), QFileDevice::FileModificationTime);
    return path;
}

constexpr qint64 kDay = 86400;

}  // namespace

class tst_Retention : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        uitest::useTestSettings(QStringLiteral("linewright-test-retention"));
    }
    void planRemovesExpiredThenOldestUntilTheTotalFits();
    void planNeverRemovesOpenOrRecentFiles();
    void planWithoutLimitsRemovesNothing();
    void enforceDeletesInTheFolderOnly();
    void preferencesSaveThePolicy();
    void recordingsDialogListsAndDeletes();
    void windowDeletesOldRecordingsWhenItOpens();
    void recordingWarnsThenStopsAtItsSize();
};

void tst_Retention::planRemovesExpiredThenOldestUntilTheTotalFits() {
    RetentionPolicy p;
    p.maxAgeDays = 30;
    p.maxTotalBytes = 100 * kMiB;
    const std::vector<RecordingFile> files = {
        file(QStringLiteral("new.lwsession"), 40 * kMiB, 1 * kDay),
        file(QStringLiteral("mid.lwsession"), 40 * kMiB, 5 * kDay),
        file(QStringLiteral("old.lwsession"), 40 * kMiB, 10 * kDay),
        file(QStringLiteral("ancient.lwsession"), 1 * kMiB, 31 * kDay),
    };
    // 121 MiB: the expired one goes, then the oldest until ≤ 100 MiB.
    QCOMPARE(names(ui::planRemoval(files, p, kNow)),
             QStringList({QStringLiteral("ancient.lwsession"), QStringLiteral("old.lwsession")}));
    p.maxTotalBytes = 200 * kMiB;
    QCOMPARE(names(ui::planRemoval(files, p, kNow)), QStringList({QStringLiteral("ancient.lwsession")}));
    p.maxTotalBytes = 30 * kMiB;  // even the newest alone is too much: all but... all go, oldest first
    QCOMPARE(names(ui::planRemoval(files, p, kNow)),
             QStringList({QStringLiteral("ancient.lwsession"), QStringLiteral("old.lwsession"),
                          QStringLiteral("mid.lwsession"), QStringLiteral("new.lwsession")}));
}

void tst_Retention::planNeverRemovesOpenOrRecentFiles() {
    RetentionPolicy p;
    p.maxAgeDays = 1;
    p.maxTotalBytes = 1 * kMiB;
    const std::vector<RecordingFile> files = {
        file(QStringLiteral("live.lwsession"), 50 * kMiB, 60),          // being written by another process
        file(QStringLiteral("open.lwsession"), 50 * kMiB, 3 * kDay),    // a window records into it (paused)
        file(QStringLiteral("old.lwsession"), 50 * kMiB, 3 * kDay + 1),
    };
    QCOMPARE(names(ui::planRemoval(files, p, kNow, {QStringLiteral("/rec/open.lwsession")})),
             QStringList({QStringLiteral("old.lwsession")}));
}

void tst_Retention::planWithoutLimitsRemovesNothing() {
    RetentionPolicy p;
    p.maxAgeDays = 0;
    p.maxTotalBytes = 0;
    const std::vector<RecordingFile> files = {file(QStringLiteral("a.lwsession"), 900 * kMiB, 900 * kDay)};
    QVERIFY(ui::planRemoval(files, p, kNow).empty());
}

void tst_Retention::enforceDeletesInTheFolderOnly() {
    QTemporaryDir dir, outside;
    QVERIFY(dir.isValid() && outside.isValid());
    makeFile(dir.path(), QStringLiteral("fresh.lwsession"), 100, 3600);
    makeFile(dir.path(), QStringLiteral("old.lwsession"), 100, 40 * kDay);
    makeFile(dir.path(), QStringLiteral("old.jsonl"), 100, 40 * kDay);
    makeFile(dir.path(), QStringLiteral("notes.txt"), 100, 40 * kDay);  // not a session file
    const QString target = makeFile(outside.path(), QStringLiteral("elsewhere.lwsession"), 100, 40 * kDay);
    QVERIFY(QFile::link(target, dir.filePath(QStringLiteral("link.lwsession"))));

    const std::vector<RecordingFile> listed = ui::listRecordings(dir.path());
    QCOMPARE(names(listed), QStringList({QStringLiteral("fresh.lwsession"), QStringLiteral("old.jsonl"),
                                         QStringLiteral("old.lwsession")}));
    RetentionPolicy p;  // the defaults: 30 days
    const ui::RetentionResult r = ui::enforceRetention(dir.path(), p, QDateTime::currentDateTimeUtc());
    QCOMPARE(r.removed, 2);
    QCOMPARE(r.bytesFreed, std::int64_t{200});
    QVERIFY(r.errors.isEmpty());
    QVERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("fresh.lwsession"))));
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("old.lwsession"))));
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("old.jsonl"))));
    QVERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("notes.txt"))));
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("link.lwsession"))).isSymLink());
    QVERIFY(QFileInfo::exists(target));
    // A folder that is not there: nothing, no error.
    QCOMPARE(ui::enforceRetention(dir.filePath(QStringLiteral("none")), p, QDateTime::currentDateTimeUtc()).removed, 0);
}

void tst_Retention::preferencesSaveThePolicy() {
    RetentionPolicy defaults;
    defaults.save();
    QCOMPARE(RetentionPolicy::fromSettings(), defaults);
    // Sensible defaults: bounded, and a warning before the stop.
    QVERIFY(defaults.maxTotalBytes > 0 && defaults.maxAgeDays > 0);
    QVERIFY(defaults.warnBytes > 0 && defaults.warnBytes < defaults.stopBytes);

    ui::PreferencesDialog d(RetentionPolicy::fromSettings());
    QSignalSpy changed(&d, &ui::PreferencesDialog::policyChanged);
    d.totalField()->setValue(300);
    d.ageField()->setValue(0);  // no age limit
    d.warnField()->setValue(10);
    d.stopField()->setValue(20);
    d.accept();
    QCOMPARE(changed.count(), 1);
    const RetentionPolicy saved = RetentionPolicy::fromSettings();
    QCOMPARE(saved.maxTotalBytes, 300 * kMiB);
    QCOMPARE(saved.maxAgeDays, 0);
    QCOMPARE(saved.warnBytes, 10 * kMiB);
    QCOMPARE(saved.stopBytes, 20 * kMiB);
    QCOMPARE(d.ageField()->text(), QStringLiteral("no limit"));
    defaults.save();
}

void tst_Retention::recordingsDialogListsAndDeletes() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString a = makeFile(dir.path(), QStringLiteral("a.lwsession"), 3000, 3 * kDay);
    const QString b = makeFile(dir.path(), QStringLiteral("b.lwsession"), 2000, 2 * kDay);
    const QString live = makeFile(dir.path(), QStringLiteral("live.lwsession"), 1000, 10);
    ui::RecordingsDialog d(dir.path(), {live});
    d.setConfirmDeletes(false);
    QSignalSpy listed(&d, &ui::RecordingsDialog::listed);
    QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 1, kWaitMs);
    QTreeWidget* t = d.table();
    QCOMPARE(t->topLevelItemCount(), 3);
    QCOMPARE(t->topLevelItem(0)->text(0), QStringLiteral("live.lwsession"));  // newest first
    QCOMPARE(t->topLevelItem(0)->text(3), QStringLiteral("recording"));
    QVERIFY(!(t->topLevelItem(0)->flags() & Qt::ItemIsSelectable));
    QVERIFY(!t->topLevelItem(1)->text(1).isEmpty());  // a size
    QVERIFY(!t->topLevelItem(1)->text(2).isEmpty());  // a date
    QVERIFY(d.totalLabel()->text().contains(QStringLiteral("3 recordings")));
    QVERIFY(!d.deleteButton()->isEnabled());

    t->selectAll();
    QCOMPARE(t->selectedItems().size(), 2);  // the live one cannot be selected
    QVERIFY(d.deleteButton()->isEnabled());
    QSignalSpy removed(&d, &ui::RecordingsDialog::removed);
    QTest::mouseClick(d.deleteButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(removed.count(), 1, kWaitMs);
    QCOMPARE(removed.at(0).at(0).toInt(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 2, kWaitMs);
    QVERIFY(!QFileInfo::exists(a));
    QVERIFY(!QFileInfo::exists(b));
    QVERIFY(QFileInfo::exists(live));
    QCOMPARE(t->topLevelItemCount(), 1);
}

void tst_Retention::windowDeletesOldRecordingsWhenItOpens() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray before = qgetenv("LINEWRIGHT_SESSIONS_DIR");
    qputenv("LINEWRIGHT_SESSIONS_DIR", QFile::encodeName(dir.path()));
    const auto restore = qScopeGuard([&] { qputenv("LINEWRIGHT_SESSIONS_DIR", before); });
    const QString old = makeFile(dir.path(), QStringLiteral("linewright-old.lwsession"), 100, 45 * kDay);
    const QString recent = makeFile(dir.path(), QStringLiteral("linewright-recent.lwsession"), 100, 2 * kDay);
    RetentionPolicy().save();

    ui::MainWindow w;
    QSignalSpy applied(w.sessionController(), &ui::SessionController::retentionApplied);
    QTRY_COMPARE_WITH_TIMEOUT(applied.count(), 1, kWaitMs);
    QCOMPARE(applied.at(0).at(0).toInt(), 1);
    QVERIFY(!QFileInfo::exists(old));
    QVERIFY(QFileInfo::exists(recent));
    // Edit ▸ Preferences is in the window, and File ▸ Recorded sessions… lists what is left.
    QVERIFY(w.action(QStringLiteral("preferences")));
    ui::RecordingsDialog* list = w.sessionController()->openRecordingsDialog();
    QSignalSpy listed(list, &ui::RecordingsDialog::listed);
    QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 1, kWaitMs);
    QCOMPARE(list->files().size(), std::size_t{1});
    list->close();
}

// A window's recording says when it passes the warning size, and stops at
// the stop size; File ▸ Record session continues it past the limit.
void tst_Retention::recordingWarnsThenStopsAtItsSize() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    ui::MainWindow w;
    ui::SessionCapture* capture = w.capture();
    capture->setPath(dir.filePath(QStringLiteral("capped.lwsession")));
    capture->setSizeLimits(8 * 1024, 256 * 1024);
    QSignalSpy warned(capture, &ui::SessionCapture::sizeWarning);
    QSignalSpy stopped(capture, &ui::SessionCapture::stoppedAtLimit);
    ui::ConnectParams p;
    p.host = QStringLiteral("127.0.0.1");
    p.port = server.serverPort();
    w.connectTo(p);
    QTRY_VERIFY_WITH_TIMEOUT(server.hasPendingConnections(), kWaitMs);
    QTcpSocket* peer = server.nextPendingConnection();
    const QByteArray line = QByteArray(90, 'a') + "\r\n";
    const auto send = [&](int lines) {
        for (int i = 0; i < lines; ++i) peer->write(line);
        QTRY_COMPARE_WITH_TIMEOUT(peer->bytesToWrite(), qint64{0}, kWaitMs);
    };
    // 9 KiB of lines (twice that recorded at most: a recv and a collect each): past the warning, not the stop.
    send(100);
    QTRY_COMPARE_WITH_TIMEOUT(warned.count(), 1, kWaitMs);
    QCOMPARE(stopped.count(), 0);
    QVERIFY(capture->isRecording());
    QVERIFY(w.banner()->text().contains(QStringLiteral("has passed")));
    // Keep sending until it stops.
    for (int round = 0; round < 200 && stopped.isEmpty(); ++round) {
        const std::uint64_t before = capture->eventsAppended();
        send(100);
        QTRY_VERIFY_WITH_TIMEOUT(!stopped.isEmpty() || capture->eventsAppended() > before, kWaitMs);
    }
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, kWaitMs);
    QCOMPARE(warned.count(), 1);
    QVERIFY(!capture->isRecording());
    QVERIFY(!w.action(QStringLiteral("recordSession"))->isChecked());
    QVERIFY(w.banner()->text().contains(QStringLiteral("Recording stopped")));
    // What comes next is not written.
    QVERIFY(capture->flush());
    const std::uint64_t appended = capture->eventsAppended();
    send(50);
    QTRY_VERIFY_WITH_TIMEOUT(capture->hasGaps(), kWaitMs);
    QCOMPARE(capture->eventsAppended(), appended);
    // Turned on again: the same file grows past the limit.
    w.action(QStringLiteral("recordSession"))->setChecked(true);
    send(50);
    QTRY_VERIFY_WITH_TIMEOUT(capture->eventsAppended() > appended, kWaitMs);
    QVERIFY(capture->isRecording());
    QCOMPARE(stopped.count(), 1);
}

QTEST_MAIN(tst_Retention)
#include "tst_Retention.moc"
