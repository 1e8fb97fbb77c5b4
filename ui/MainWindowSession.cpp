// MainWindowSession.cpp — the window's session files: recording the live
// session, Open Session (read-only), Save Session As, Export, Summary and
// Replay. Everything slow runs on BackgroundJobs; the UI thread only hands
// batches over and shows results.
#include "ui/MainWindow.h"

#include "engine/capture/Conversation.h"
#include "ui/views/ChannelInspector.h"
#include "ui/model/ChannelModel.h"
#include "ui/views/Composer.h"
#include "ui/views/ConversationView.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/Formatters.h"
#include "ui/teaching/LoopInspector.h"
#include "ui/session/MockDialog.h"
#include "ui/views/NotificationBanner.h"
#include "ui/session/ReplayDialog.h"
#include "ui/session/SessionCapture.h"
#include "ui/session/SessionJobs.h"
#include "ui/Settings.h"
#include "ui/dialogs/SummaryDialog.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QAction>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressDialog>
#include <QStatusBar>
#include <QUrl>
#include <QVBoxLayout>

#include <cstdio>

namespace ui {
namespace {

constexpr int kStatusMs = 10000;
const QString kRecordByDefault = QStringLiteral("session/recordByDefault");
const QString kLastSessionDir = QStringLiteral("session/lastDirectory");
const QString kSessionFilter = QObject::tr("Linewright sessions (*.lwsession *.jsonl);;All files (*)");

QString qs(const std::string& s) { return QString::fromStdString(s); }

// The actions that change the live session: off in a read-only window.
const char* const kLiveActions[] = {"connect",       "listen",     "sendFile",       "close",       "closeWhenDone",
                                    "discard",       "reconnect",  "editTerminator", "clearLog",    "removeClosed",
                                    "recordSession", "focusComposer"};

QProgressDialog* makeProgress(QWidget* parent, const QString& label) {
    auto* p = new QProgressDialog(label, QObject::tr("Cancel"), 0, 1000, parent);
    p->setWindowModality(Qt::WindowModal);
    p->setMinimumDuration(400);
    p->setAutoClose(false);
    p->setAutoReset(false);
    p->setAttribute(Qt::WA_DeleteOnClose);
    p->setValue(0);
    return p;
}

}  // namespace

void MainWindow::buildSession() {
    m_jobs = new BackgroundJobs(this);
    m_capture = new SessionCapture(m_bridge.get(), settings::boolValue(kRecordByDefault, true), this);
    connect(m_capture, &SessionCapture::stateChanged, this, &MainWindow::updateRecordingStatus);
    connect(m_capture, &SessionCapture::failed, this, [this](const QString& message) {
        notify(message, int(NotificationBanner::Severity::Error), 0);
        if (QAction* a = action(QStringLiteral("recordSession"))) a->setChecked(false);
    });

    auto make = [this](const QString& name, const QString& text, const QKeySequence& key, const QString& tip) {
        auto* a = new QAction(text, this);
        a->setObjectName(name);
        if (!key.isEmpty()) a->setShortcut(key);
        a->setToolTip(key.isEmpty() ? tip : tr("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        a->setStatusTip(tip);
        addAction(a);
        m_actions.insert(name, a);
        return a;
    };
    // Ctrl+O opens a session (as everywhere); Send file… moves to Ctrl+Shift+O.
    if (QAction* send = action(QStringLiteral("sendFile"))) {
        send->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
        send->setToolTip(tr("%1 (%2)").arg(send->statusTip(), send->shortcut().toString(QKeySequence::NativeText)));
    }
    connect(make(QStringLiteral("openSession"), tr("&Open Session…"), QKeySequence::Open,
                 tr("Open a recorded session file, read-only")),
            &QAction::triggered, this, [this] { openSession(); });
    connect(make(QStringLiteral("saveSessionAs"), tr("Save Session &As…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S),
                 tr("Write this session, complete up to now, to a session file")),
            &QAction::triggered, this, [this] { saveSessionAs(); });
    struct Exp {
        const char* name;
        QString text;
        ExportKind kind;
    };
    const Exp exports[] = {
        {"exportPcapng", tr("&pcapng (Wireshark)…"), ExportKind::Pcapng},
        {"exportTranscript", tr("Text &transcript…"), ExportKind::Transcript},
        {"exportRawClient", tr("Raw bytes the &client sent…"), ExportKind::RawClient},
        {"exportRawServer", tr("Raw bytes the &server sent…"), ExportKind::RawServer},
    };
    QMenu* exportMenu = new QMenu(tr("&Export"), this);
    for (const Exp& e : exports) {
        QAction* a = make(QLatin1String(e.name), e.text, QKeySequence(), tr("Export the session: %1").arg(QString(e.text).remove(u'&').remove(u'…')));
        const ExportKind kind = e.kind;
        connect(a, &QAction::triggered, this, [this, kind] { exportSession(kind); });
        exportMenu->addAction(a);
    }
    connect(make(QStringLiteral("summary"), tr("Session s&ummary…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I),
                 tr("Channels, duration, bytes and messages per channel and direction")),
            &QAction::triggered, this, [this] { openSummary(); });
    connect(make(QStringLiteral("replay"), tr("Re&play…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
                 tr("Replay a recorded conversation against a server and compare the replies")),
            &QAction::triggered, this, [this] { openReplayDialog(); });
    connect(make(QStringLiteral("mock"), tr("Serve as &mock…"), QKeySequence(),
                 tr("Serve the recorded server side to clients that connect")),
            &QAction::triggered, this, [this] { openMockDialog(); });
    QAction* record = make(QStringLiteral("recordSession"), tr("&Record session"), QKeySequence(),
                           tr("Append this session's events to its session file"));
    record->setCheckable(true);
    record->setChecked(m_capture->isRecording());
    connect(record, &QAction::toggled, this, [this](bool on) {
        m_capture->setRecording(on);
        statusBar()->showMessage(on ? tr("Recording the session") : tr("Recording paused: new events are not written"),
                                 kStatusMs);
    });
    QAction* byDefault = make(QStringLiteral("recordByDefault"), tr("Record new sessions by &default"), QKeySequence(),
                              tr("Whether a new window records its session"));
    byDefault->setCheckable(true);
    byDefault->setChecked(settings::boolValue(kRecordByDefault, true));
    connect(byDefault, &QAction::toggled, this, [](bool on) { settings::setBoolValue(kRecordByDefault, on); });
    connect(make(QStringLiteral("showSessions"), tr("Show recorded sessions…"), QKeySequence(),
                 tr("Open the folder the sessions are recorded in")),
            &QAction::triggered, this, [this] {
                const QString dir = SessionCapture::defaultDirectory();
                QDir().mkpath(dir);
                if (!QDesktopServices::openUrl(QUrl::fromLocalFile(dir)))
                    statusBar()->showMessage(tr("Sessions are recorded in %1").arg(QDir::toNativeSeparators(dir)), kStatusMs);
            });

    // File menu: the session entries first.
    QMenu* file = menuBar()->actions().isEmpty() ? nullptr : menuBar()->actions().first()->menu();
    if (file) {
        QAction* first = file->actions().isEmpty() ? nullptr : file->actions().first();
        file->insertAction(first, action(QStringLiteral("openSession")));
        file->insertAction(first, action(QStringLiteral("saveSessionAs")));
        file->insertMenu(first, exportMenu);
        file->insertSeparator(first);
        file->insertAction(first, action(QStringLiteral("summary")));
        file->insertAction(first, action(QStringLiteral("replay")));
        file->insertAction(first, action(QStringLiteral("mock")));
        file->insertSeparator(first);
        file->insertAction(first, record);
        file->insertAction(first, byDefault);
        file->insertAction(first, action(QStringLiteral("showSessions")));
        file->insertSeparator(first);
    }

    m_recordLabel = new QLabel(this);
    m_recordLabel->setObjectName(QStringLiteral("recordingIndicator"));
    statusBar()->insertPermanentWidget(0, m_recordLabel);
    updateRecordingStatus();
}

void MainWindow::shutdownSession() {
    if (!m_capture) return;
    if (!m_readOnly && m_capture->isOpen()) m_bridge->shutdownAndDrain();  // the file ends with `stopped`
    m_capture->finish();
    m_jobs->shutdown();
}

bool MainWindow::isPristine() const {
    return !m_readOnly && m_bridge->store().empty() && m_bridge->channelModel()->channels().empty() &&
           m_capture->path().isEmpty();
}

QString MainWindow::sessionHeaderTitle() const {
    return tr("%1 — read-only — Linewright").arg(QFileInfo(m_sessionFile).fileName());
}

void MainWindow::updateRecordingStatus() {
    if (!m_recordLabel) return;
    if (m_readOnly) {
        m_recordLabel->setText(tr("<b>READ-ONLY</b> %1").arg(QFileInfo(m_sessionFile).fileName().toHtmlEscaped()));
        m_recordLabel->setToolTip(QDir::toNativeSeparators(m_sessionFile));
        return;
    }
    const QString file = QDir::toNativeSeparators(m_capture->path());
    if (m_capture->hasFailed()) {
        m_recordLabel->setText(tr("<span style=\"color:#c00\">●</span> not recording (failed)"));
        m_recordLabel->setToolTip(m_capture->errorText());
    } else if (m_capture->isRecording()) {
        m_recordLabel->setText(
            tr("<span style=\"color:#d00\">●</span> REC %1").arg(formatBytes(m_capture->bytesWritten())));
        m_recordLabel->setToolTip(file.isEmpty() ? tr("Recording: the file is created with the first event, in %1")
                                                       .arg(QDir::toNativeSeparators(SessionCapture::defaultDirectory()))
                                                 : tr("Recording to %1 (%2 events written)")
                                                       .arg(file)
                                                       .arg(m_capture->eventsWritten()));
    } else {
        m_recordLabel->setText(tr("○ not recording"));
        m_recordLabel->setToolTip(file.isEmpty() ? tr("File ▸ Record session turns recording on")
                                                 : tr("Paused; %1 holds what was recorded").arg(file));
    }
}

// --- Read-only ---------------------------------------------------------------------------

void MainWindow::applyReadOnly() {
    for (const char* name : kLiveActions)
        if (QAction* a = action(QLatin1String(name))) a->setEnabled(false);
}

void MainWindow::showSession(const QString& path, engine::LoadedSession session) {
    m_readOnly = true;
    m_sessionFile = QFileInfo(path).absoluteFilePath();
    m_capture->finish();
    m_snapshotTimer->stop();
    m_loadedHeader = session.header;
    m_loadedSummary = session.summary;
    m_loadedNotes.clear();
    for (const std::string& n : session.notes) m_loadedNotes << qs(n);
    if (!session.truncation.empty()) m_loadedNotes.prepend(qs(session.truncation));

    // Nothing may reach the (idle) engine of this window.
    m_composer->disconnect(this);
    m_inspector->disconnect(this);
    m_composer->hide();
    for (QWidget* w : m_inspector->findChildren<QWidget*>())
        if (qobject_cast<QAbstractButton*>(w) || qobject_cast<QAbstractSpinBox*>(w) || qobject_cast<QLineEdit*>(w) ||
            qobject_cast<QComboBox*>(w))
            w->setEnabled(false);
    if (m_loopDock) m_loopDock->hide();
    if (m_loopInspector)
        for (QAction* a : {m_loopDock->toggleViewAction(), m_loopInspector->pauseAction(), m_loopInspector->stepAction(),
                           m_loopInspector->resumeAction(), m_loopInspector->slowMotionAction()})
            a->setEnabled(false);
    if (m_recentMenu) m_recentMenu->setEnabled(false);
    if (QAction* a = action(QStringLiteral("recordSession"))) {
        const QSignalBlocker block(a);
        a->setChecked(false);
    }
    applyReadOnly();

    // A strip above the conversation that says what this is.
    if (!m_readOnlyStrip) {
        m_readOnlyStrip = new QLabel(centralWidget());
        m_readOnlyStrip->setObjectName(QStringLiteral("readOnlyStrip"));
        m_readOnlyStrip->setWordWrap(true);
        m_readOnlyStrip->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_readOnlyStrip->setMargin(6);
        m_readOnlyStrip->setStyleSheet(QStringLiteral("QLabel{background:#fff4ce;color:#3a2c00;border-bottom:1px solid #e0c870}"));
        if (auto* layout = qobject_cast<QVBoxLayout*>(centralWidget()->layout())) layout->insertWidget(0, m_readOnlyStrip);
    }
    const QDateTime start = QDateTime::fromMSecsSinceEpoch(m_loadedHeader.startUnixUs / 1000, Qt::UTC);
    QString strip = tr("<b>Read-only</b> — %1, recorded by %2 %3 on %4 UTC; %5 events%6. Live commands are disabled; "
                       "filters, find, copy, export, summary and replay work.")
                        .arg(QDir::toNativeSeparators(m_sessionFile).toHtmlEscaped(),
                             qs(m_loadedHeader.tool).toHtmlEscaped(), qs(m_loadedHeader.toolVersion).toHtmlEscaped(),
                             start.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")))
                        .arg(session.events.size())
                        .arg(session.complete() ? QString() : tr(" (incomplete: no <code>stopped</code> event)"));
    if (!session.truncation.empty())
        strip += tr("<br><b>The file was cut short:</b> %1").arg(qs(session.truncation).toHtmlEscaped());
    m_readOnlyStrip->setText(strip);
    m_readOnlyStrip->show();
    if (!session.truncation.empty())
        notify(tr("Truncated session: %1").arg(qs(session.truncation)), int(NotificationBanner::Severity::Warning), 0);
    else if (!session.complete())
        statusBar()->showMessage(tr("The session has no `stopped` event: it was still running when the file was last written"),
                                 kStatusMs);
    else
        statusBar()->showMessage(tr("Opened %1 read-only").arg(QDir::toNativeSeparators(m_sessionFile)), kStatusMs);

    m_bridge->loadOffline(std::move(session.events), start);
    setWindowTitle(sessionHeaderTitle());
    updateRecordingStatus();
    onChannelSelectionChanged();
}

void MainWindow::openSession(const QString& requested, bool quietErrors) {
    QString path = requested;
    if (path.isEmpty()) {
        QString dir = settings::bytesValue(kLastSessionDir).isEmpty()
                          ? SessionCapture::defaultDirectory()
                          : QString::fromUtf8(settings::bytesValue(kLastSessionDir));
        path = QFileDialog::getOpenFileName(this, tr("Open Session"), dir, kSessionFilter);
        if (path.isEmpty()) return;
        settings::setBytesValue(kLastSessionDir, QFileInfo(path).absolutePath().toUtf8());
    }
    QPointer<QProgressDialog> progress = makeProgress(this, tr("Reading %1…").arg(QFileInfo(path).fileName()));
    struct Outcome {
        std::optional<engine::LoadedSession> session;
        std::string error;
    };
    const std::string file = QFile::encodeName(path).toStdString();
    auto flag = m_jobs->run<Outcome>(
        [file](const std::atomic<bool>& cancel, const BackgroundJobs::Progress& report) {
            Outcome o;
            o.session = engine::SessionReader::load(file, &o.error, [&](std::uint64_t done, std::uint64_t total) {
                if (total) report(static_cast<int>(done * 1000 / total));
                return !cancel.load();
            });
            return o;
        },
        [this, path, progress, quietErrors](Outcome& o) {
            const bool cancelled = progress && progress->wasCanceled();
            if (progress) progress->close();
            if (!o.session) {
                if (cancelled) {
                    statusBar()->showMessage(tr("Opening %1 cancelled").arg(path), kStatusMs);
                    return;
                }
                const QString message = tr("Cannot open the session %1:\n%2").arg(QDir::toNativeSeparators(path), qs(o.error));
                if (!quietErrors) {
                    auto* box = new QMessageBox(QMessageBox::Critical, tr("Open Session"), message, QMessageBox::Ok, this);
                    box->setObjectName(QStringLiteral("openSessionError"));
                    box->setAttribute(Qt::WA_DeleteOnClose);
                    box->open();
                }
                statusBar()->showMessage(message, kStatusMs);
                emit sessionOpenFailed(message);
                return;
            }
            MainWindow* target = this;
            if (!isPristine()) {
                target = new MainWindow;
                target->setAttribute(Qt::WA_DeleteOnClose);
            }
            target->showSession(path, std::move(*o.session));
            target->show();
            target->raise();
            target->activateWindow();
            emit sessionOpened(target);
        },
        [progress](int permille) {
            if (progress) progress->setValue(permille);
        });
    connect(progress, &QProgressDialog::canceled, this, [flag] { flag->store(true); });
}

// --- Save, export ------------------------------------------------------------------------

void MainWindow::saveSessionAs(const QString& requested) {
    QString path = requested;
    if (path.isEmpty()) {
        const QString base = m_readOnly ? QFileInfo(m_sessionFile).completeBaseName() + QStringLiteral("-copy")
                                        : SessionCapture::defaultFileName(m_bridge->startTime()).chopped(10);
        path = QFileDialog::getSaveFileName(this, tr("Save Session As"),
                                            QDir(QDir::homePath()).filePath(base + QStringLiteral(".lwsession")),
                                            kSessionFilter);
        if (path.isEmpty()) return;
    }
    const EventLogStore& store = m_bridge->store();
    const engine::SessionHeader header = m_readOnly ? m_loadedHeader : m_capture->header();
    const std::uint64_t generation = store.generation();
    const std::size_t rows = store.size();
    // The log was cleared, but the recording has every event: copy that.
    const bool fromRecording = !m_readOnly && generation != 0 && m_capture->isWhole();
    const auto recorder = fromRecording ? m_capture->recorder() : nullptr;
    const QString recording = m_capture->path();
    struct Outcome {
        std::string error;
        std::uint64_t events = 0;
    };
    QPointer<QProgressDialog> progress = makeProgress(this, tr("Saving %1…").arg(QFileInfo(path).fileName()));
    auto flag = m_jobs->run<Outcome>(
        [&store, path, header, generation, rows, recorder, recording](const std::atomic<bool>& cancel,
                                                                       const BackgroundJobs::Progress& report) {
            Outcome o;
            const bool ok = recorder ? copyRecording(recorder, recording, path, cancel, report, &o.events, &o.error)
                                     : saveStore(path, header, store, generation, rows, cancel, report, &o.error);
            if (!ok && o.error.empty()) o.error = "failed";
            if (ok && !recorder) o.events = rows;
            return o;
        },
        [this, path, progress, generation, recorder](Outcome& o) {
            if (progress) progress->close();
            if (!o.error.empty()) {
                const QString message = tr("Save Session As: %1").arg(qs(o.error));
                notify(message, int(NotificationBanner::Severity::Error), 0);
                emit sessionSaved(false, message);
                return;
            }
            QString message = tr("Saved %1 events to %2").arg(o.events).arg(QDir::toNativeSeparators(path));
            if (recorder)
                message += tr(" (from the recording: the log had been cleared)");
            else if (generation != 0 && !m_readOnly)
                message += tr(" (the log had been cleared and the recording is not whole: earlier events are not included)");
            statusBar()->showMessage(message, kStatusMs);
            emit sessionSaved(true, message);
        },
        [progress](int permille) {
            if (progress) progress->setValue(permille);
        });
    connect(progress, &QProgressDialog::canceled, this, [flag] { flag->store(true); });
}

void MainWindow::exportSession(ExportKind kind, const QString& requested) {
    QString path = requested;
    if (path.isEmpty()) {
        QString filter, suffix;
        switch (kind) {
        case ExportKind::Pcapng: filter = tr("pcapng captures (*.pcapng)"); suffix = QStringLiteral(".pcapng"); break;
        case ExportKind::Transcript: filter = tr("Text (*.txt)"); suffix = QStringLiteral(".txt"); break;
        case ExportKind::RawClient: filter = tr("All files (*)"); suffix = QStringLiteral("-client.bin"); break;
        case ExportKind::RawServer: filter = tr("All files (*)"); suffix = QStringLiteral("-server.bin"); break;
        }
        const QString base = m_readOnly ? QFileInfo(m_sessionFile).completeBaseName()
                                        : SessionCapture::defaultFileName(m_bridge->startTime()).chopped(10);
        path = QFileDialog::getSaveFileName(this, tr("Export"), QDir(QDir::homePath()).filePath(base + suffix), filter);
        if (path.isEmpty()) return;
    }
    const EventLogStore& store = m_bridge->store();
    const engine::SessionHeader header = m_readOnly ? m_loadedHeader : m_capture->header();
    const std::uint64_t generation = store.generation();
    const std::size_t rows = store.size();
    // Raw bytes: the selected connection, if one is selected.
    engine::ChannelId channel = 0;
    if (kind == ExportKind::RawClient || kind == ExportKind::RawServer)
        if (const ChannelInfo* info = currentInfo(); info && info->role != engine::ChannelRole::Listener) channel = info->id;
    QPointer<QProgressDialog> progress = makeProgress(this, tr("Exporting to %1…").arg(QFileInfo(path).fileName()));
    auto flag = m_jobs->run<ExportResult>(
        [&store, kind, path, header, generation, rows, channel](const std::atomic<bool>& cancel,
                                                                  const BackgroundJobs::Progress& report) {
            std::string error;
            auto events = collectEvents(store, generation, rows, cancel, report, &error);
            if (!events) {
                ExportResult r;
                r.message = qs(error);
                return r;
            }
            return exportEvents(kind, path, header, *events, channel);
        },
        [this, progress](ExportResult& r) {
            if (progress) progress->close();
            for (const QString& n : r.notes) statusBar()->showMessage(n, kStatusMs);
            if (r.ok)
                statusBar()->showMessage(r.message, kStatusMs);
            else
                notify(tr("Export: %1").arg(r.message), int(NotificationBanner::Severity::Error), 0);
            emit sessionExported(r.ok, r.message);
        },
        [progress](int permille) {
            if (progress) progress->setValue(permille);
        });
    connect(progress, &QProgressDialog::canceled, this, [flag] { flag->store(true); });
}

// --- Summary, replay ---------------------------------------------------------------------

SummaryDialog* MainWindow::openSummary() {
    SessionFigures f = SessionFigures::gather(*m_bridge->channelModel(), m_bridge->store(),
                                              m_bridge->eventModel() ? m_bridge->startTime() : QDateTime());
    if (m_readOnly) {
        f.title = QDir::toNativeSeparators(m_sessionFile);
        f.tool = qs(m_loadedHeader.tool + " " + m_loadedHeader.toolVersion);
        f.start = QDateTime::fromMSecsSinceEpoch(m_loadedHeader.startUnixUs / 1000, Qt::UTC);
        f.durationUs = m_loadedSummary.durationUs();
        f.events = m_loadedSummary.events;
        f.errors = m_loadedSummary.errors;
        f.warnings = m_loadedSummary.warnings;
        f.complete = m_loadedSummary.stopped;
        f.notes = m_loadedNotes;
    } else {
        f.title = tr("live session");
        if (!m_capture->path().isEmpty()) f.notes << tr("recorded to %1").arg(QDir::toNativeSeparators(m_capture->path()));
        if (m_bridge->store().generation() != 0) f.notes << tr("the log was cleared: figures of events are since then");
    }
    auto* dialog = new SummaryDialog(f, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

void MainWindow::gatherConversations(std::function<void(std::vector<engine::Conversation>&&)> done) {
    const EventLogStore& store = m_bridge->store();
    const std::string level = m_readOnly ? m_loadedHeader.level : m_capture->header().level;
    const std::uint64_t generation = store.generation();
    const std::size_t rows = store.size();
    struct Outcome {
        std::vector<engine::Conversation> conversations;
        std::string error;
    };
    QPointer<QProgressDialog> progress = makeProgress(this, tr("Gathering the conversations…"));
    auto flag = m_jobs->run<Outcome>(
        [&store, level, generation, rows](const std::atomic<bool>& cancel, const BackgroundJobs::Progress& report) {
            Outcome o;
            auto events = collectEvents(store, generation, rows, cancel, report, &o.error);
            if (events) o.conversations = engine::extractConversations(*events, level);
            return o;
        },
        [this, progress, done = std::move(done)](Outcome& o) {
            if (progress) progress->close();
            if (!o.error.empty()) {
                statusBar()->showMessage(tr("Cannot gather the conversations: %1").arg(qs(o.error)), kStatusMs);
                return;
            }
            done(std::move(o.conversations));
        },
        [progress](int permille) {
            if (progress) progress->setValue(permille);
        });
    connect(progress, &QProgressDialog::canceled, this, [flag] { flag->store(true); });
}

QString MainWindow::sessionName() const {
    return m_readOnly ? QFileInfo(m_sessionFile).fileName() : tr("live session");
}

void MainWindow::openReplayDialog() {
    gatherConversations([this](std::vector<engine::Conversation>&& conversations) {
        auto* dialog = new ReplayDialog(std::move(conversations), sessionName(), this);
        if (m_current != 0) dialog->selectChannel(m_current);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
        emit replayDialogOpened(dialog);
    });
}

void MainWindow::openMockDialog() {
    gatherConversations([this](std::vector<engine::Conversation>&& conversations) {
        auto* dialog = new MockDialog(std::move(conversations), sessionName(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
        emit mockDialogOpened(dialog);
    });
}

}  // namespace ui
