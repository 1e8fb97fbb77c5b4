// MainWindow.h — the Linewright window: channels, conversation, composer,
// inspector and the bytes of the selected row, over one EngineBridge.
//
// What it does: lays out the panels (Channels on the left, the conversation
// with the composer under it in the middle, the channel inspector on the
// right, the selected row's bytes at the bottom, the teaching docks below),
// assembles the menus and the toolbar from its own actions (find, filter,
// focus, view, help) and its controllers', restores and saves the layout and
// the preferences (QSettings), shows the status figures, and glues the parts
// together: what a controller reports goes to the banner above the
// conversation and the status bar (never a blocking dialog), and a session
// file shown read-only turns every live part off. The work is done by three
// controllers, one per concern:
//  - ChannelsController: connect / listen / reconnect / close, the selected
//    channel, the composer's target, the commands to the engine;
//  - SessionController (ui/session): recording, open / save / export,
//    summary, replay, mock, the read-only window;
//  - TeachingController (ui/teaching): the Loop inspector and the examples.
// The script pane (ui/script/ScriptPane, in a dock) runs conversation
// scripts on a thread of its own and makes them from the window's events.
// The functions below that belong to one of them forward to it.
// What it owns: the EngineBridge (and through it the engine), every panel,
// the controllers (they go before the bridge: see the members).
// Threads: GUI thread.
#pragma once

#include "engine/capture/SessionReader.h"
#include "engine/reactor/Event.h"
#include "ui/ActionSet.h"
#include "ui/model/ChannelParams.h"

#include <QMainWindow>
#include <QKeySequence>
#include <QList>
#include <QPalette>

#include <cstdint>
#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QMessageBox;
class QTimer;
class QTreeView;

namespace ui {

enum class ExportKind;
class ChannelInspector;
class ChannelsController;
class Composer;
class ConnectDialog;
class ConversationView;
class EngineBridge;
class ExamplePane;
class ListenDialog;
class ProxyDialog;
class LoopInspector;
class MockDialog;
class NotificationBanner;
class InterceptPane;
class PayloadView;
class ReplayDialog;
class ScriptPane;
class SessionCapture;
class SessionController;
class RepaintThrottle;
class StatusBarWidgets;
class SummaryDialog;
class TeachingController;
class UiLatencyMonitor;

/// The Quit action's keys: the platform's standard Quit sequence, or Ctrl+Q
/// where the platform has none (Windows).
QList<QKeySequence> quitShortcuts(const QList<QKeySequence>& platform);

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// Starts the engine. Throws what EngineBridge's constructor throws.
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    EngineBridge* bridge() const { return m_bridge.get(); }
    /// The Intercept panel (held messages of the selected proxy) and its dock.
    InterceptPane* interceptPane() const { return m_interceptPane; }
    QDockWidget* interceptDock() const { return m_interceptDock; }
    ConversationView* conversation() const { return m_conversation; }
    Composer* composer() const { return m_composer; }
    ChannelInspector* inspector() const { return m_inspector; }
    PayloadView* payloadView() const { return m_payload; }
    NotificationBanner* banner() const { return m_banner; }
    QTreeView* channelsView() const { return m_channels; }
    StatusBarWidgets* statusFigures() const { return m_figures; }
    /// Caps the conversation's and the channel list's repaints while events pour in.
    RepaintThrottle* repaintThrottle() const { return m_repaintThrottle; }

    ChannelsController* channelsController() const { return m_channelsController.get(); }
    SessionController* sessionController() const { return m_sessionController.get(); }
    TeachingController* teachingController() const { return m_teachingController.get(); }

    // --- Teaching (TeachingController) ----------------------------------------------------
    /// The Loop inspector and its dock (hidden until opened).
    LoopInspector* loopInspector() const;
    QDockWidget* loopDock() const;
    /// The example pane ("About this example") and its dock.
    ExamplePane* examplePane() const;
    QDockWidget* exampleDock() const;
    /// Examples ▸ NAME: runs the built-in example, paused, in the example pane.
    bool openExample(const QString& name);

    // --- Scripts (ui/script) ---------------------------------------------------------------
    /// The script pane (edit, run and step a conversation script) and its dock (hidden until opened).
    ScriptPane* scriptPane() const { return m_scriptPane; }
    QDockWidget* scriptDock() const { return m_scriptDock; }

    // --- Channels (ChannelsController) ----------------------------------------------------
    /// Opens a listening channel / a client channel (what the dialogs do on
    /// OK), remembers it under Recent, and selects it.
    engine::ChannelId listenOn(const ListenParams& params);
    engine::ChannelId connectTo(const ConnectParams& params);
    /// Opens a framing proxy (what the Proxy… dialog does on OK) and selects it.
    engine::ChannelId proxyTo(const ProxyParams& params);

    void selectChannel(engine::ChannelId id);
    engine::ChannelId currentChannel() const;

    /// The Connect… / Listen… dialogs (window-modal, opened without blocking).
    ConnectDialog* openConnectDialog();
    ListenDialog* openListenDialog();
    ProxyDialog* openProxyDialog();

    /// Channel actions on the selected channel.
    void closeChannel();
    void closeChannelWhenDone();
    void discardBuffers();
    engine::ChannelId reconnectChannel();

    /// The action with this object name ("connect", "listen", "close", …),
    /// the window's or a controller's.
    QAction* action(const QString& name) const;

    // --- Session files (SessionController) --------------------------------------------------
    /// The recording of this window's live session (finished in a read-only window).
    SessionCapture* capture() const;
    // Open, show, save, export, replay, mock and summary: sessionController().

signals:
    void sessionOpened(ui::MainWindow* window);
    void sessionOpenFailed(const QString& message);
    void sessionSaved(bool ok, const QString& message);
    void sessionExported(bool ok, const QString& message);
    void replayDialogOpened(ui::ReplayDialog* dialog);
    void mockDialogOpened(ui::MockDialog* dialog);

protected:
    void closeEvent(QCloseEvent* event) override;
    /// The first show fits the window to its screen again, frame included
    /// (the frame is known only once the window is shown).
    void showEvent(QShowEvent* event) override;

private:
    void buildViews();
    void buildDocks();
    void buildControllers();
    void buildActions();
    void buildMenus();
    void buildToolBar();
    void connectParts();
    void restoreSettings();
    void saveSettings();
    /// The dock sizes a window starts with (a first run, View > Reset layout).
    void applyDefaultDockSizes();
    /// View > Reset layout: docks, toolbar and their sizes as on a first run;
    /// the saved geometry and state are forgotten.
    void resetLayout();
    /// Keeps the window inside its screen's available area (a geometry saved
    /// on a larger screen or at another scale).
    void fitToScreen();
    void showShortcuts();
    void showAbout();

    /// Quit (Ctrl+Q) or the window's close button while channels are open
    /// (not read-only, not confirmed yet): ask first.
    bool quitNeedsConfirmation() const;
    QMessageBox* askToQuit();

    void enterReadOnly();
    void updateTitle(const QString& channelTitle);
    void updateStatus();
    void revealEvent(std::uint64_t seq);
    void notify(const QString& text, int severity, std::uint64_t seq);
    void showStatus(const QString& text);

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
    RepaintThrottle* m_repaintThrottle = nullptr;
    QLabel* m_loopPaused = nullptr;  // in the status bar while the loop is paused
    QDockWidget* m_channelsDock = nullptr;
    QDockWidget* m_inspectorDock = nullptr;
    QDockWidget* m_payloadDock = nullptr;
    ScriptPane* m_scriptPane = nullptr;
    QDockWidget* m_scriptDock = nullptr;
    QDockWidget* m_interceptDock = nullptr;  // intercept on a proxy (hidden until a proxy opens)
    InterceptPane* m_interceptPane = nullptr;
    QTimer* m_statusTimer = nullptr;
    QByteArray m_defaultState;  // saveState() before the saved one is restored
    bool m_fittedOnShow = false;
    bool m_defaultDocksOnShow = false;  // no saved layout: applyDefaultDockSizes() again once shown
    bool m_quitConfirmed = false;  // "Close channels and quit" was chosen
    ActionSet m_actions{this};  // the window's own: clear log, quit, find, filter, focus, view, help

    // The controllers: children of the window, held here so that they go
    // (and their connections with them) before the bridge they use.
    std::unique_ptr<TeachingController> m_teachingController;
    std::unique_ptr<SessionController> m_sessionController;
    std::unique_ptr<ChannelsController> m_channelsController;
};

}  // namespace ui
