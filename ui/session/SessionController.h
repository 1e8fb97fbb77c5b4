// SessionController.h — the window's session files: recording the live
// session, Open Session (read-only), Save Session As, Export, Summary,
// Replay and Serve as mock.
//
// What it does: records the live session (SessionCapture; File ▸ Record
// session, Record new sessions by default, Show recorded sessions, and the
// REC indicator for the status bar; the retention policy of Edit ▸
// Preferences: size limits for the recording, old recordings deleted on a
// worker when the window opens, File ▸ Recorded sessions… lists them), and runs everything slow on
// BackgroundJobs with a progress dialog — reading a session, saving, exporting
// (pcapng, transcript, raw bytes), gathering the conversations for the
// Replay… and Serve as mock… dialogs — the GUI thread only handing batches
// over and showing results. Opening a session shows it read-only in this
// window if nothing happened in it yet, else in a new window (made by the
// factory the window gives): showSession() finishes the recording, emits
// readOnlyStarted() for the window to turn its live parts off, puts a strip
// above the conversation that says what the file is, loads the events and
// emits sessionShown(). Errors are reported through notice(), passing news
// through statusMessage(); neither ever blocks.
// What it owns: the recording, the background jobs, its actions (children
// of the window, see ActionSet), the Export menu, the indicator and the
// strip (children of the window), and what it read from the file shown.
// Threads: GUI thread.
#pragma once

#include "engine/capture/Conversation.h"
#include "engine/capture/EventJson.h"
#include "engine/capture/SessionReader.h"
#include "engine/reactor/Event.h"
#include "ui/ActionSet.h"
#include "ui/session/RecordingRetention.h"
#include "ui/views/NotificationBanner.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <functional>
#include <vector>

class QAction;
class QLabel;
class QMainWindow;
class QMenu;

namespace engine {
struct UdpScript;
}

namespace ui {

enum class ExportKind;
class BackgroundJobs;
class EngineBridge;
class MockDialog;
class PreferencesDialog;
class RecordingsDialog;
class ReplayDialog;
class SessionCapture;
class SummaryDialog;

class SessionController : public QObject {
    Q_OBJECT
public:
    /// Starts recording (if recording new sessions is on). `currentChannel`
    /// tells which channel is selected (raw exports and Replay start there).
    SessionController(EngineBridge* bridge, QMainWindow* window, std::function<engine::ChannelId()> currentChannel,
                      QObject* parent = nullptr);
    ~SessionController() override;

    /// Makes the window a session opened in a new window is shown in (one
    /// that deletes itself on close) and gives its SessionController.
    void setWindowFactory(std::function<SessionController*()> factory) { m_newWindow = std::move(factory); }
    QMainWindow* host() const { return m_window; }

    /// The recording of the live session (finished in a read-only window).
    SessionCapture* capture() const { return m_capture; }
    /// The window shows a session file; live commands are disabled.
    bool isReadOnly() const { return m_readOnly; }
    /// The file a read-only window shows.
    QString sessionFile() const { return m_sessionFile; }
    /// "NAME — read-only — Linewright": the title of a read-only window.
    QString readOnlyTitle() const;

    /// File ▸ Open Session…: loads `path` (asks for it when empty) on a
    /// worker with a progress dialog, then shows it read-only — in this
    /// window if nothing happened in it yet, else in a new one. Returns at
    /// once; sessionOpened() or sessionOpenFailed() follows. `quietErrors`:
    /// no dialog (the caller reports the failure).
    void openSession(const QString& path = QString(), bool quietErrors = false);
    /// Where Open Session's file dialog starts: the folder last opened from,
    /// else the sessions folder (made if it is not there yet); a folder
    /// that is gone gives the nearest one above it. Always a folder that
    /// exists, so the dialog never takes its name for a file name.
    QString openDialogDirectory() const;
    /// Shows a loaded session read-only in this window.
    void showSession(const QString& path, engine::LoadedSession session);
    /// File ▸ Save Session As…: the whole log so far, on a worker.
    void saveSessionAs(const QString& path = QString());
    /// File ▸ Export: pcapng, transcript, raw bytes, on a worker.
    void exportSession(ExportKind kind, const QString& path = QString());
    /// File ▸ Replay…: gathers the conversations on a worker, then opens the dialog.
    void openReplayDialog();
    /// File ▸ Serve as mock…: the same gathering, then the mock dialog.
    void openMockDialog();
    /// File ▸ Summary…
    SummaryDialog* openSummary();
    /// Deletes, on a worker, the recordings `policy` no longer keeps (never
    /// one a window records into); retentionApplied() follows.
    void applyRetention(const RetentionPolicy& policy);
    /// File ▸ Recorded sessions…: the sessions folder's files (not modal).
    RecordingsDialog* openRecordingsDialog();
    /// Edit ▸ Preferences… (not modal); OK applies the new limits to this window's recording and the folder.
    PreferencesDialog* openPreferences();
    /// Ends the recording (the live file ends with `stopped`) and joins the jobs.
    void shutdown();

    /// openSession, saveSessionAs, exportPcapng, exportTranscript,
    /// exportRawClient, exportRawServer, summary, replay, mock,
    /// recordSession, recordByDefault, showSessions, preferences; or nullptr.
    QAction* action(const QString& name) const { return m_actions.value(name); }
    QMenu* exportMenu() const { return m_exportMenu; }
    /// "● REC 1.2 MiB" / "○ not recording" / "READ-ONLY name", for the status bar.
    QLabel* recordingIndicator() const { return m_recordLabel; }

signals:
    void sessionOpened(QMainWindow* window);
    void sessionOpenFailed(const QString& message);
    void sessionSaved(bool ok, const QString& message);
    void sessionExported(bool ok, const QString& message);
    void replayDialogOpened(ui::ReplayDialog* dialog);
    void mockDialogOpened(ui::MockDialog* dialog);
    /// Something the user must hear about (the banner and the status bar).
    void notice(const QString& text, ui::NotificationBanner::Severity severity, std::uint64_t seq);
    /// A passing message (the status bar).
    void statusMessage(const QString& text);
    /// showSession() began: the window turns its live parts off.
    void readOnlyStarted();
    /// showSession() loaded the events.
    void sessionShown();
    /// applyRetention() is done: `removed` files were deleted.
    void retentionApplied(int removed);

private:
    void buildActions();
    void updateRecordingStatus();
    bool isPristine() const;
    QString sessionName() const;
    /// Rebuilds the log's conversations and the scripts of its UDP channels
    /// (those that can be replayed) on a worker; `done` on the GUI thread.
    void gatherConversations(
        std::function<void(std::vector<engine::Conversation>&&, std::vector<engine::UdpScript>&&)> done);

    EngineBridge* m_bridge;
    QMainWindow* m_window;
    std::function<engine::ChannelId()> m_currentChannel;
    std::function<SessionController*()> m_newWindow;
    ActionSet m_actions;
    QMenu* m_exportMenu = nullptr;
    SessionCapture* m_capture = nullptr;
    BackgroundJobs* m_jobs = nullptr;
    QLabel* m_recordLabel = nullptr;
    QLabel* m_readOnlyStrip = nullptr;
    bool m_readOnly = false;
    QString m_sessionFile;
    engine::SessionHeader m_loadedHeader;
    engine::SessionSummary m_loadedSummary;
    QStringList m_loadedNotes;
};

}  // namespace ui
