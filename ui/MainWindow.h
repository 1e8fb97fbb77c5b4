// MainWindow.h — the Linewright window: channels, conversation, composer,
// inspector and the bytes of the selected row, over one EngineBridge.
//
// What it does: lays out the panels (Channels on the left, the conversation
// with the composer under it in the middle, the channel inspector on the
// right, the selected row's bytes at the bottom), owns the actions (menus,
// toolbar, shortcuts), turns what the user asks into engine commands
// (connect, listen, push, push a file, repeat, set the terminator or the
// buffer sizes, close, close when done, discard, reconnect), asks for
// channel snapshots while the selected channel is busy, and reports errors
// without ever blocking: an error row in the conversation, a banner above
// it and a status-bar message. Layout, recent targets and preferences
// persist (QSettings).
// What it owns: the EngineBridge (and through it the engine), every panel.
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/capture/Conversation.h"
#include "engine/capture/EventJson.h"
#include "engine/capture/SessionReader.h"
#include "ui/model/ChannelParams.h"

#include <QHash>
#include <QMainWindow>
#include <QPalette>
#include <QPointer>
#include <QSet>

#include <functional>
#include <memory>
#include <vector>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QTimer;
class QTreeView;

namespace ui {

enum class ExportKind;
class BackgroundJobs;
class MockDialog;
class ReplayDialog;
class SessionCapture;
class SummaryDialog;
class ChannelInspector;
class Composer;
class ConnectDialog;
class ConversationView;
class EngineBridge;
class ExamplePane;
class ListenDialog;
class LoopInspector;
class NotificationBanner;
class PayloadView;
class StatusBarWidgets;
class UiLatencyMonitor;
struct ChannelInfo;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// Starts the engine. Throws what EngineBridge's constructor throws.
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    EngineBridge* bridge() const { return m_bridge.get(); }
    ConversationView* conversation() const { return m_conversation; }
    Composer* composer() const { return m_composer; }
    ChannelInspector* inspector() const { return m_inspector; }
    PayloadView* payloadView() const { return m_payload; }
    NotificationBanner* banner() const { return m_banner; }
    QTreeView* channelsView() const { return m_channels; }
    StatusBarWidgets* statusFigures() const { return m_figures; }
    /// Teaching mode: the Loop inspector and its dock (hidden until opened).
    LoopInspector* loopInspector() const { return m_loopInspector; }
    QDockWidget* loopDock() const { return m_loopDock; }
    /// Teaching mode: the example pane ("About this example") and its dock.
    ExamplePane* examplePane() const { return m_examplePane; }
    QDockWidget* exampleDock() const { return m_exampleDock; }
    /// Examples ▸ NAME: runs the built-in example, paused, in the example pane.
    bool openExample(const QString& name);

    /// Opens a listening channel / a client channel (what the dialogs do on
    /// OK), remembers it under Recent, and selects it.
    engine::ChannelId listenOn(const ListenParams& params);
    engine::ChannelId connectTo(const ConnectParams& params);

    void selectChannel(engine::ChannelId id);
    engine::ChannelId currentChannel() const { return m_current; }

    /// The Connect… / Listen… dialogs (window-modal, opened without blocking).
    ConnectDialog* openConnectDialog();
    ListenDialog* openListenDialog();

    /// Channel actions on the selected channel.
    void closeChannel();
    void closeChannelWhenDone();
    void discardBuffers();
    engine::ChannelId reconnectChannel();

    /// The action with this object name ("connect", "listen", "close", …).
    QAction* action(const QString& name) const;

    // --- Session files (MainWindowSession.cpp) ---------------------------------------
    /// The recording of this window's live session (finished in a read-only window).
    SessionCapture* capture() const { return m_capture; }
    /// The window shows a session file; live commands are disabled.
    bool isReadOnly() const { return m_readOnly; }
    /// The file a read-only window shows.
    QString sessionFile() const { return m_sessionFile; }
    /// File ▸ Open Session…: loads `path` (asks for it when empty) on a
    /// worker with a progress dialog, then shows it read-only — in this
    /// window if nothing happened in it yet, else in a new one. Returns at
    /// once; sessionOpened() or sessionOpenFailed() follows. `quietErrors`:
    /// no dialog (the caller reports the failure).
    void openSession(const QString& path = QString(), bool quietErrors = false);
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

signals:
    void sessionOpened(ui::MainWindow* window);
    void sessionOpenFailed(const QString& message);
    void sessionSaved(bool ok, const QString& message);
    void sessionExported(bool ok, const QString& message);
    void replayDialogOpened(ui::ReplayDialog* dialog);
    void mockDialogOpened(ui::MockDialog* dialog);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildTeaching();  // LoopInspector dock + Loop menu (MainWindowTeaching.cpp)
    void buildSession();   // recording, session files, replay (MainWindowSession.cpp)
    void shutdownSession();
    void updateRecordingStatus();
    void applyReadOnly();
    bool isPristine() const;
    QString sessionHeaderTitle() const;
    QString sessionName() const;
    /// Rebuilds the log's conversations on a worker; `done` on the GUI thread.
    void gatherConversations(std::function<void(std::vector<engine::Conversation>&&)> done);
    void buildActions();
    void buildMenus();
    void buildToolBar();
    void buildDocks();
    void restoreSettings();
    void saveSettings();
    void rebuildRecentMenu();
    void showShortcuts();
    void showAbout();

    void onBatch(const std::vector<engine::Event>& batch);
    void onEventsAppended();
    void onChannelSelectionChanged();
    void refreshCurrent();
    void updateChannelActions();
    void updateScope();
    void requestSnapshot();
    void updateStatus();
    void moveChannelSelection(int step);
    void revealEvent(std::uint64_t seq);
    void notify(const QString& text, int severity, std::uint64_t seq);
    const ChannelInfo* currentInfo() const;
    QString channelTitle(const ChannelInfo& info) const;
    ConnectParams defaultConnectParams() const;

    std::unique_ptr<EngineBridge> m_bridge;
    QPalette m_systemPalette;  // the palette the application started with
    UiLatencyMonitor* m_latency = nullptr;

    QTreeView* m_channels = nullptr;
    ConversationView* m_conversation = nullptr;
    Composer* m_composer = nullptr;
    ChannelInspector* m_inspector = nullptr;
    PayloadView* m_payload = nullptr;
    NotificationBanner* m_banner = nullptr;
    StatusBarWidgets* m_figures = nullptr;
    QDockWidget* m_channelsDock = nullptr;
    QDockWidget* m_inspectorDock = nullptr;
    LoopInspector* m_loopInspector = nullptr;
    QDockWidget* m_loopDock = nullptr;
    ExamplePane* m_examplePane = nullptr;
    QDockWidget* m_exampleDock = nullptr;
    QDockWidget* m_payloadDock = nullptr;
    QMenu* m_recentMenu = nullptr;
    QTimer* m_snapshotTimer = nullptr;
    QTimer* m_statusTimer = nullptr;
    QTimer* m_refreshTimer = nullptr;
    QHash<QString, QAction*> m_actions;

    engine::ChannelId m_current = 0;
    bool m_currentTouched = false;  // the selected channel had events since the last refresh
    bool m_refreshNow = false;      // ... and one of them changes what can be done
    bool m_snapshotDirty = false;   // ... since the last snapshot request
    bool m_scopeDirty = false;      // a connection was accepted under the selected listener
    QSet<engine::ChannelId> m_established;        // listening / connected / accepted seen
    QSet<engine::ChannelId> m_snapshotsInFlight;  // snapshot() posted, channel_state not back yet
    QHash<engine::ChannelId, ConnectParams> m_clientParams;
    QHash<engine::ChannelId, ListenParams> m_listenParams;
    engine::ChannelId m_lastListener = 0;
    bool m_listenedSinceConnect = false;
    ConnectParams m_lastConnect;
    ListenParams m_lastListen;
    QPointer<ConnectDialog> m_connectDialog;
    QPointer<ListenDialog> m_listenDialog;

    // Session files (MainWindowSession.cpp).
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
