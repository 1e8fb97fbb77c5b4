// SessionController.cpp — recording, session files (open read-only, save,
// export), summary, replay and mock. Everything slow runs on BackgroundJobs;
// the GUI thread only hands batches over and shows results.
#include "ui/session/SessionController.h"

#include "engine/capture/Conversation.h"
#include "engine/replay/UdpReplay.h"
#include "ui/Settings.h"
#include "ui/dialogs/SummaryDialog.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/Formatters.h"
#include "ui/session/MockDialog.h"
#include "ui/session/RecordingRetention.h"
#include "ui/session/RecordingsDialog.h"
#include "ui/session/ReplayDialog.h"
#include "ui/dialogs/PreferencesDialog.h"
#include "ui/session/SessionCapture.h"
#include "ui/session/SessionJobs.h"
#include "ui/views/ViewColors.h"

#include <QAction>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QUrl>
#include <QVBoxLayout>

namespace ui {
namespace {

const QString kRecordByDefault = QStringLiteral("session/recordByDefault");
const QString kLastSessionDir = QStringLiteral("session/lastDirectory");
// The recording indicator is at most this many average characters wide.
constexpr int kRecordLabelChars = 36;
const QString kSessionFilter = QObject::tr("Linewright sessions (*.lwsession *.jsonl);;All files (*)");

QString qs(const std::string& s) { return QString::fromStdString(s); }

using Severity = NotificationBanner::Severity;

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

SessionController::SessionController(EngineBridge* bridge, QMainWindow* window,
                                     std::function<engine::ChannelId()> currentChannel, QObject* parent)
    : QObject(parent), m_bridge(bridge), m_window(window), m_currentChannel(std::move(currentChannel)),
      m_actions(window) {
    m_jobs = new BackgroundJobs(this);
    m_capture = new SessionCapture(m_bridge, settings::boolValue(kRecordByDefault, true), this);
    connect(m_capture, &SessionCapture::stateChanged, this, &SessionController::updateRecordingStatus);
    connect(m_capture, &SessionCapture::failed, this, [this](const QString& message) {
        emit notice(message, Severity::Error, 0);
        if (QAction* a = action(QStringLiteral("recordSession"))) a->setChecked(false);
    });
    connect(m_capture, &SessionCapture::sizeWarning, this,
            [this](const QString& message) { emit notice(message, Severity::Warning, 0); });
    connect(m_capture, &SessionCapture::stoppedAtLimit, this, [this](const QString& message) {
        emit notice(message, Severity::Warning, 0);
        if (QAction* a = action(QStringLiteral("recordSession"))) a->setChecked(false);
    });
    const RetentionPolicy policy = RetentionPolicy::fromSettings();
    m_capture->setSizeLimits(static_cast<std::uint64_t>(policy.warnBytes), static_cast<std::uint64_t>(policy.stopBytes));
    buildActions();
    m_recordLabel = new QLabel(window);
    m_recordLabel->setObjectName(QStringLiteral("recordingIndicator"));
    // Capped: a long session name is elided (the tooltip has it whole), so the
    // status bar's messages keep their room beside it.
    m_recordLabel->setMaximumWidth(m_recordLabel->fontMetrics().horizontalAdvance(QLatin1Char('x')) * kRecordLabelChars);
    updateRecordingStatus();
    applyRetention(policy);
}

SessionController::~SessionController() = default;

void SessionController::applyRetention(const RetentionPolicy& policy) {
    const QString dir = m_capture->directoryForNewFiles();
    const QSet<QString> keep = SessionCapture::openPaths();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_jobs->run<RetentionResult>(
        [dir, policy, keep, now](const std::atomic<bool>&, const BackgroundJobs::Progress&) {
            return enforceRetention(dir, policy, now, keep);
        },
        [this](RetentionResult& r) {
            if (r.removed > 0)
                emit statusMessage(tr("Deleted %1 (%2), as Edit ▸ Preferences says")
                                       .arg(r.removed == 1 ? tr("1 old recording") : tr("%1 old recordings").arg(r.removed),
                                            formatBytes(static_cast<std::uint64_t>(r.bytesFreed))));
            if (!r.errors.isEmpty()) emit statusMessage(r.errors.join(QStringLiteral("; ")));
            emit retentionApplied(r.removed);
        });
}

RecordingsDialog* SessionController::openRecordingsDialog() {
    auto* d = new RecordingsDialog(m_capture->directoryForNewFiles(), SessionCapture::openPaths(), m_window);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &RecordingsDialog::openRequested, this, [this](const QString& path) { openSession(path); });
    d->show();
    return d;
}

PreferencesDialog* SessionController::openPreferences() {
    auto* d = new PreferencesDialog(RetentionPolicy::fromSettings(), m_window);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &PreferencesDialog::policyChanged, this, [this](const RetentionPolicy& p) {
        m_capture->setSizeLimits(static_cast<std::uint64_t>(p.warnBytes), static_cast<std::uint64_t>(p.stopBytes));
        applyRetention(p);
    });
    d->show();
    return d;
}

void SessionController::buildActions() {
    const auto make = [this](const QString& name, const QString& text, const QKeySequence& key, const QString& tip) {
        return m_actions.add(name, text, key, tip);
    };
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
    m_exportMenu = new QMenu(tr("&Export"), m_window);
    for (const Exp& e : exports) {
        QAction* a = make(QLatin1String(e.name), e.text, QKeySequence(), tr("Export the session: %1").arg(QString(e.text).remove(u'&').remove(u'…')));
        const ExportKind kind = e.kind;
        connect(a, &QAction::triggered, this, [this, kind] { exportSession(kind); });
        m_exportMenu->addAction(a);
    }
    if (QAction* pcapng = action(QStringLiteral("exportPcapng")))
        pcapng->setToolTip(tr("Export the session: pcapng (Wireshark). When its TLS channels wrote a key log (Key log "
                              "file in the TLS options), this session's secrets go beside it as NAME.keys"));
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
        emit statusMessage(on ? tr("Recording the session") : tr("Recording paused: new events are not written"));
    });
    QAction* byDefault = make(QStringLiteral("recordByDefault"), tr("Record new sessions by &default"), QKeySequence(),
                              tr("Whether a new window records its session"));
    byDefault->setCheckable(true);
    byDefault->setChecked(settings::boolValue(kRecordByDefault, true));
    connect(byDefault, &QAction::toggled, this, [](bool on) { settings::setBoolValue(kRecordByDefault, on); });
    connect(make(QStringLiteral("showSessions"), tr("Recorded sessio&ns…"), QKeySequence(),
                 tr("The recorded sessions with their sizes and dates; delete old ones")),
            &QAction::triggered, this, [this] { openRecordingsDialog(); });
    QAction* prefs = make(QStringLiteral("preferences"), tr("&Preferences…"), QKeySequence::Preferences,
                          tr("How much the recorded sessions may keep"));
    prefs->setMenuRole(QAction::PreferencesRole);
    connect(prefs, &QAction::triggered, this, [this] { openPreferences(); });
}

void SessionController::shutdown() {
    if (!m_readOnly && m_capture->isOpen()) m_bridge->shutdownAndDrain();  // the file ends with `stopped`
    m_capture->finish();
    m_jobs->shutdown();
}

bool SessionController::isPristine() const {
    return !m_readOnly && m_bridge->store().empty() && m_bridge->channelModel()->channels().empty() &&
           m_capture->path().isEmpty();
}

QString SessionController::readOnlyTitle() const {
    return tr("%1 — read-only — Linewright").arg(QFileInfo(m_sessionFile).fileName());
}

void SessionController::updateRecordingStatus() {
    if (!m_recordLabel) return;
    if (m_readOnly) {
        const QFontMetrics fm(m_recordLabel->font());
        const QString prefix = tr("READ-ONLY");
        const int room = m_recordLabel->maximumWidth() - fm.horizontalAdvance(prefix + QStringLiteral("  ")) * 6 / 5;
        const QString name = fm.elidedText(QFileInfo(m_sessionFile).fileName(), Qt::ElideMiddle, qMax(room, 0));
        m_recordLabel->setText(QStringLiteral("<b>%1</b> %2").arg(prefix.toHtmlEscaped(), name.toHtmlEscaped()));
        m_recordLabel->setToolTip(QDir::toNativeSeparators(m_sessionFile));
        return;
    }
    const QString file = QDir::toNativeSeparators(m_capture->path());
    if (m_capture->hasFailed()) {
        m_recordLabel->setText(QStringLiteral("<span style=\"color:%1\">●</span> %2")
                                   .arg(ViewColors::forPalette(m_recordLabel->palette()).error.name(),
                                        tr("not recording (failed)")));
        m_recordLabel->setToolTip(m_capture->errorText());
    } else if (m_capture->isRecording()) {
        m_recordLabel->setText(
            QStringLiteral("<span style=\"color:%1\">●</span> %2")
                .arg(ViewColors::forPalette(m_recordLabel->palette()).error.name(),
                     tr("REC %1").arg(formatBytes(m_capture->bytesWritten()))));
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

void SessionController::showSession(const QString& path, engine::LoadedSession session) {
    m_readOnly = true;
    m_sessionFile = QFileInfo(path).absoluteFilePath();
    m_capture->finish();
    // The window turns its live parts off: the channels, the composer and
    // the inspector, the loop controls, the live actions.
    emit readOnlyStarted();
    m_loadedHeader = session.header;
    m_loadedSummary = session.summary;
    m_loadedNotes.clear();
    for (const std::string& n : session.notes) m_loadedNotes << qs(n);
    if (!session.truncation.empty()) m_loadedNotes.prepend(qs(session.truncation));

    if (QAction* a = action(QStringLiteral("recordSession"))) {
        const QSignalBlocker block(a);
        a->setChecked(false);
        a->setEnabled(false);
    }

    // A strip above the conversation that says what this is.
    if (!m_readOnlyStrip) {
        m_readOnlyStrip = new QLabel(m_window->centralWidget());
        m_readOnlyStrip->setObjectName(QStringLiteral("readOnlyStrip"));
        m_readOnlyStrip->setWordWrap(true);
        m_readOnlyStrip->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_readOnlyStrip->setMargin(6);
        m_readOnlyStrip->setStyleSheet(QStringLiteral("QLabel{background:#fff4ce;color:#3a2c00;border-bottom:1px solid #e0c870}"));
        if (auto* layout = qobject_cast<QVBoxLayout*>(m_window->centralWidget()->layout()))
            layout->insertWidget(0, m_readOnlyStrip);
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
        emit notice(tr("Truncated session: %1").arg(qs(session.truncation)), Severity::Warning, 0);
    else if (!session.complete())
        emit statusMessage(tr("The session has no `stopped` event: it was still running when the file was last written"));
    else
        emit statusMessage(tr("Opened %1 read-only").arg(QDir::toNativeSeparators(m_sessionFile)));

    m_bridge->loadOffline(std::move(session.events), start);
    updateRecordingStatus();
    emit sessionShown();
}

QString SessionController::openDialogDirectory() const {
    const QByteArray last = settings::bytesValue(kLastSessionDir);
    QString dir = last.isEmpty() ? SessionCapture::defaultDirectory() : QString::fromUtf8(last);
    // The sessions folder is made with the first recording: make it now, so
    // that the dialog opens in it. A path that is not there would be taken as
    // the folder above it with its name as the file name.
    if (last.isEmpty() && !QFileInfo(dir).isDir()) QDir().mkpath(dir);
    // The folder last used may be gone: the nearest one above that is there.
    QFileInfo info(dir);
    while (!info.isDir()) {
        const QString up = info.absolutePath();
        if (up == info.absoluteFilePath()) return QDir::homePath();
        info.setFile(up);
    }
    return info.absoluteFilePath();
}

void SessionController::openSession(const QString& requested, bool quietErrors) {
    QString path = requested;
    if (path.isEmpty()) {
        path = QFileDialog::getOpenFileName(m_window, tr("Open Session"), openDialogDirectory(), kSessionFilter);
        if (path.isEmpty()) return;
        settings::setBytesValue(kLastSessionDir, QFileInfo(path).absolutePath().toUtf8());
    }
    QPointer<QProgressDialog> progress = makeProgress(m_window, tr("Reading %1…").arg(QFileInfo(path).fileName()));
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
                    emit statusMessage(tr("Opening %1 cancelled").arg(path));
                    return;
                }
                const QString message = tr("Cannot open the session %1:\n%2").arg(QDir::toNativeSeparators(path), qs(o.error));
                if (!quietErrors) {
                    auto* box =
                        new QMessageBox(QMessageBox::Critical, tr("Open Session"), message, QMessageBox::Ok, m_window);
                    box->setObjectName(QStringLiteral("openSessionError"));
                    box->setAttribute(Qt::WA_DeleteOnClose);
                    box->open();
                }
                emit statusMessage(message);
                emit sessionOpenFailed(message);
                return;
            }
            SessionController* target = isPristine() || !m_newWindow ? this : m_newWindow();
            target->showSession(path, std::move(*o.session));
            target->host()->show();
            target->host()->raise();
            target->host()->activateWindow();
            emit sessionOpened(target->host());
        },
        [progress](int permille) {
            if (progress) progress->setValue(permille);
        });
    connect(progress, &QProgressDialog::canceled, this, [flag] { flag->store(true); });
}

// --- Save, export ------------------------------------------------------------------------

void SessionController::saveSessionAs(const QString& requested) {
    QString path = requested;
    if (path.isEmpty()) {
        const QString base = m_readOnly ? QFileInfo(m_sessionFile).completeBaseName() + QStringLiteral("-copy")
                                        : SessionCapture::defaultFileName(m_bridge->startTime()).chopped(10);
        path = QFileDialog::getSaveFileName(m_window, tr("Save Session As"),
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
    QPointer<QProgressDialog> progress = makeProgress(m_window, tr("Saving %1…").arg(QFileInfo(path).fileName()));
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
                emit notice(message, Severity::Error, 0);
                emit sessionSaved(false, message);
                return;
            }
            QString message = tr("Saved %1 events to %2").arg(o.events).arg(QDir::toNativeSeparators(path));
            if (recorder)
                message += tr(" (from the recording: the log had been cleared)");
            else if (generation != 0 && !m_readOnly)
                message += tr(" (the log had been cleared and the recording is not whole: earlier events are not included)");
            emit statusMessage(message);
            emit sessionSaved(true, message);
        },
        [progress](int permille) {
            if (progress) progress->setValue(permille);
        });
    connect(progress, &QProgressDialog::canceled, this, [flag] { flag->store(true); });
}

void SessionController::exportSession(ExportKind kind, const QString& requested) {
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
        path = QFileDialog::getSaveFileName(m_window, tr("Export"), QDir(QDir::homePath()).filePath(base + suffix), filter);
        if (path.isEmpty()) return;
    }
    const EventLogStore& store = m_bridge->store();
    const engine::SessionHeader header = m_readOnly ? m_loadedHeader : m_capture->header();
    const std::uint64_t generation = store.generation();
    const std::size_t rows = store.size();
    // Raw bytes: the selected connection, if one is selected.
    engine::ChannelId channel = 0;
    if (kind == ExportKind::RawClient || kind == ExportKind::RawServer)
        if (const ChannelInfo* info = m_bridge->channelModel()->info(m_currentChannel());
            info && info->role != engine::ChannelRole::Listener)
            channel = info->id;
    // The key logs the live session's TLS channels wrote (a session file records none).
    std::vector<TlsKeyLog> keyLogs;
    if (kind == ExportKind::Pcapng && !m_readOnly) keyLogs = m_bridge->tlsKeyLogs();
    QPointer<QProgressDialog> progress = makeProgress(m_window, tr("Exporting to %1…").arg(QFileInfo(path).fileName()));
    auto flag = m_jobs->run<ExportResult>(
        [&store, kind, path, header, generation, rows, channel, keyLogs](const std::atomic<bool>& cancel,
                                                                           const BackgroundJobs::Progress& report) {
            std::string error;
            auto events = collectEvents(store, generation, rows, cancel, report, &error);
            if (!events) {
                ExportResult r;
                r.message = qs(error);
                return r;
            }
            return exportEvents(kind, path, header, *events, channel, keyLogs);
        },
        [this, progress](ExportResult& r) {
            if (progress) progress->close();
            for (const QString& n : r.notes) emit statusMessage(n);
            if (r.ok)
                emit statusMessage(r.message);
            else
                emit notice(tr("Export: %1").arg(r.message), Severity::Error, 0);
            emit sessionExported(r.ok, r.message);
        },
        [progress](int permille) {
            if (progress) progress->setValue(permille);
        });
    connect(progress, &QProgressDialog::canceled, this, [flag] { flag->store(true); });
}

// --- Summary, replay ---------------------------------------------------------------------

SummaryDialog* SessionController::openSummary() {
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
    auto* dialog = new SummaryDialog(f, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

void SessionController::gatherConversations(
    std::function<void(std::vector<engine::Conversation>&&, std::vector<engine::UdpScript>&&)> done) {
    const EventLogStore& store = m_bridge->store();
    const std::string level = m_readOnly ? m_loadedHeader.level : m_capture->header().level;
    const std::uint64_t generation = store.generation();
    const std::size_t rows = store.size();
    struct Outcome {
        std::vector<engine::Conversation> conversations;
        std::vector<engine::UdpScript> udp;
        std::vector<std::string> udpLeftOut;  // why a UDP channel cannot be replayed
        std::string error;
    };
    QPointer<QProgressDialog> progress = makeProgress(m_window, tr("Gathering the conversations…"));
    auto flag = m_jobs->run<Outcome>(
        [&store, level, generation, rows](const std::atomic<bool>& cancel, const BackgroundJobs::Progress& report) {
            Outcome o;
            auto events = collectEvents(store, generation, rows, cancel, report, &o.error);
            if (!events) return o;
            o.conversations = engine::extractConversations(*events, level);
            // UDP channels: their datagrams, as `linewright-cli replay` and `mock` read them.
            for (const engine::ChannelId id : engine::UdpScript::channels(*events)) {
                std::string why;
                if (auto script = engine::UdpScript::build(*events, id, &why)) o.udp.push_back(std::move(*script));
                else o.udpLeftOut.push_back(std::move(why));
            }
            return o;
        },
        [this, progress, done = std::move(done)](Outcome& o) {
            if (progress) progress->close();
            if (!o.error.empty()) {
                emit statusMessage(tr("Cannot gather the conversations: %1").arg(qs(o.error)));
                return;
            }
            for (const std::string& why : o.udpLeftOut)
                emit statusMessage(tr("Not offered: UDP %1").arg(qs(why)));  // "channel 3: its datagrams were cut…"
            done(std::move(o.conversations), std::move(o.udp));
        },
        [progress](int permille) {
            if (progress) progress->setValue(permille);
        });
    connect(progress, &QProgressDialog::canceled, this, [flag] { flag->store(true); });
}

QString SessionController::sessionName() const {
    return m_readOnly ? QFileInfo(m_sessionFile).fileName() : tr("live session");
}

void SessionController::openReplayDialog() {
    gatherConversations([this](std::vector<engine::Conversation>&& conversations, std::vector<engine::UdpScript>&& udp) {
        auto* dialog = new ReplayDialog(std::move(conversations), std::move(udp), sessionName(), m_window);
        if (const engine::ChannelId current = m_currentChannel(); current != 0) dialog->selectChannel(current);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
        emit replayDialogOpened(dialog);
    });
}

void SessionController::openMockDialog() {
    gatherConversations([this](std::vector<engine::Conversation>&& conversations, std::vector<engine::UdpScript>&& udp) {
        auto* dialog = new MockDialog(std::move(conversations), std::move(udp), sessionName(), m_window);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
        emit mockDialogOpened(dialog);
    });
}

}  // namespace ui
