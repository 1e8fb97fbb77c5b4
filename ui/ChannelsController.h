// ChannelsController.h — the window's channels: opening them, following the
// selected one, and the commands sent to it.
//
// What it does: opens listening and client channels (the Connect… and
// Listen… dialogs, the Proxy… dialog, File ▸ Recent, the command line through MainWindow),
// remembers how each was opened so that Reconnect opens it again, and turns
// the Channel menu (close, close when done, discard buffers, reconnect,
// previous / next channel, rename), the composer (push — to every open
// connection of a listener when its "to all" is chosen —, push a file, a
// paced repeat, stop) and the inspector (set_terminator, buffer sizes, snapshot)
// into engine commands. It follows the channel selected in the Channels
// list (a peer row beneath a bound UDP channel selects that channel and puts
// the peer's address in the composer's To): the composer's target (and the protocol and endpoint its snippets
// are kept for, the count of a listener's open connections), the inspector, the conversation's "selected
// channel only" scope and which channel actions are enabled; while that
// channel is busy it asks for a snapshot (at most every 250 ms) and
// refreshes those panels at most ten times a second (at once when its phase
// or terminator changes). It reads every batch for what the user must hear
// about (errors, resets, failed accepts, producer errors, listening,
// connected) and says it through notice() and statusMessage(); the window
// shows them. In a read-only window (setReadOnly()) it sends nothing.
// What it owns: its actions (children of the window, see ActionSet), the
// Recent menu, its timers, and the Connect… / Listen… dialogs while open
// (window-modal, deleted on close). Not owned: the bridge and the views it
// drives (the window lays them out).
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"
#include "ui/ActionSet.h"
#include "ui/model/ChannelParams.h"
#include "ui/protocol/ProtocolTracker.h"
#include "ui/views/NotificationBanner.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>

#include <cstdint>
#include <vector>

class QAction;
class QMenu;
class QModelIndex;
class QTimer;
class QTreeView;
class QWidget;

namespace ui {

class ChannelInspector;
class InterceptPane;
class Composer;
class ConnectDialog;
class ConversationView;
class EngineBridge;
class ListenDialog;
class ProxyDialog;
class TlsUpgradeDialog;
class ProtocolDialog;
struct ChannelInfo;
struct RecentTarget;

class ChannelsController : public QObject {
    Q_OBJECT
public:
    /// The views it drives (the window's).
    struct Views {
        QTreeView* channels = nullptr;
        ConversationView* conversation = nullptr;
        Composer* composer = nullptr;
        ChannelInspector* inspector = nullptr;
        InterceptPane* intercept = nullptr;  ///< Held messages of the selected proxy (may be null).
    };

    /// Makes its actions and the Recent menu in `window` and starts following
    /// the selection and the engine's batches.
    ChannelsController(EngineBridge* bridge, QWidget* window, const Views& views, QObject* parent = nullptr);
    ~ChannelsController() override;

    /// Opens a listening channel / a client channel (what the dialogs do on
    /// OK), remembers it under Recent, and selects it.
    engine::ChannelId listenOn(const ListenParams& params);
    engine::ChannelId connectTo(const ConnectParams& params);
    /// Opens a framing proxy (a proxying listener, cmd::OpenServer with
    /// ChannelOptions::proxy: what `linewright-cli proxy` posts) and selects it.
    engine::ChannelId proxyTo(const ProxyParams& params);
    /// The Connect… / Listen… / Proxy… dialogs (window-modal, opened without blocking).
    ConnectDialog* openConnectDialog();
    ListenDialog* openListenDialog();
    ProxyDialog* openProxyDialog();

    void selectChannel(engine::ChannelId id);
    engine::ChannelId currentChannel() const { return m_current; }
    /// The selected channel's row in the channel model, or nullptr.
    const ChannelInfo* currentInfo() const;
    /// The selection changed (or what is shown for it may have): follow it.
    void selectionChanged();

    /// Channel actions on the selected channel.
    void closeChannel();
    void closeChannelWhenDone();
    void discardBuffers();
    engine::ChannelId reconnectChannel();
    /// Channel ▸ Start TLS…: the dialog for the selected channel (connected,
    /// not a listener, not already in TLS); nullptr if it cannot be upgraded.
    TlsUpgradeDialog* openStartTlsDialog();
    /// Posts the upgrade (what the dialog's Start does).
    void startTls(engine::ChannelId channel, const engine::TlsConfig& tls);

    /// Channel ▸ Protocol preset…: the selected open channel's preset and
    /// rules, changed live; nullptr if none is selected or it is closed.
    ProtocolDialog* openProtocolDialog();
    /// Posts cmd::SetPrograms (what the dialog's Apply does) and follows the new choice.
    void applyProtocol(engine::ChannelId channel, const ProtocolChoice& choice);
    /// The programs each channel runs, their rules' hits and last captures.
    const ProtocolTracker& protocols() const { return m_protocols; }

    /// connect, listen, proxy, sendFile, removeClosed, close, closeWhenDone,
    /// discard, reconnect, startTls, protocolPreset, editTerminator, prevChannel, nextChannel; or nullptr.
    QAction* action(const QString& name) const { return m_actions.value(name); }
    /// File ▸ Recent (rebuilt each time it opens).
    QMenu* recentMenu() const { return m_recentMenu; }

    /// The Connect… / Listen… defaults: the newest recent targets.
    void restoreLastTargets();
    /// The window shows a session file: no snapshots, nothing reaches the
    /// engine from the composer or the inspector, which become read-only;
    /// the Recent menu and the channel actions stay off.
    void setReadOnly();
    /// The window closes: so do the dialogs.
    void closeDialogs();

signals:
    /// Something the user must hear about (the banner and the status bar).
    void notice(const QString& text, ui::NotificationBanner::Severity severity, std::uint64_t seq);
    /// A passing message (the status bar).
    void statusMessage(const QString& text);
    /// What the selected channel is called now ("#3 127.0.0.1:7000"; empty:
    /// none), after every refresh (the window's title says it).
    void currentTitleChanged(const QString& title);
    /// Channel ▸ Set terminator…: the window brings the inspector's editor up.
    void terminatorEditRequested();

private:
    void buildActions();
    void rebuildRecentMenu();
    void onBatch(const std::vector<engine::Event>& batch);
    void onEventsAppended();
    void refreshCurrent();
    void updateChannelActions();
    void updateScope();
    void requestSnapshot();
    void moveChannelSelection(int step);
    /// A datagram of the selected bound UDP channel became current in the
    /// conversation: the composer's "To" takes its sender (or destination).
    void replyToSelectedDatagram(const QModelIndex& current);
    QString channelTitle(const ChannelInfo& info) const;
    /// Edits the selected channel's name (F2) in the Channels list.
    void renameCurrentChannel();
    /// The connections `listener` accepted that are connected now.
    std::vector<engine::ChannelId> openConnectionsOf(engine::ChannelId listener) const;
    ConnectParams defaultConnectParams() const;
    /// True, with a notice saying why, when `options` cannot be used on a UDP
    /// socket (`bind`: a bound one) for `host`.
    bool udpOptionsRefused(const UdpSocketOptions& options, bool bind, const QString& host);
    /// A channel opened as `id` from `target`'s parameters: `target` becomes
    /// the newest recent target, the status bar says `status` (%1 the channel,
    /// %2 host:port) and the channel is selected.
    void opened(engine::ChannelId id, const RecentTarget& target, const QString& status);
    /// Opens `dialog` window-modal as the one in `slot`, deleted when it
    /// closes; the window gets the keyboard back when it goes.
    template <class Dialog>
    Dialog* openAsOnly(QPointer<Dialog>& slot, Dialog* dialog);
    /// The Listen or Proxy dialog in `slot` raised when it is open; otherwise
    /// a new `Dialog` showing `params`, its parameters given to `use` when it
    /// is accepted, opened (openAsOnly()) with its port selected.
    template <class Dialog, class Params, class Use>
    Dialog* openPortFirst(QPointer<Dialog>& slot, const Params& params, Use use);

    EngineBridge* m_bridge;
    QWidget* m_window;
    Views m_views;
    ActionSet m_actions;
    QMenu* m_recentMenu = nullptr;
    QTimer* m_snapshotTimer = nullptr;
    QTimer* m_refreshTimer = nullptr;
    bool m_readOnly = false;

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
    QPointer<ProxyDialog> m_proxyDialog;
    QSet<engine::ChannelId> m_proxies;  // the proxying listeners opened here
    ProxyParams m_lastProxy;
    QPointer<TlsUpgradeDialog> m_startTlsDialog;
    QPointer<ProtocolDialog> m_protocolDialog;
    ProtocolTracker m_protocols;
    engine::TlsConfig m_lastUpgrade;  // what Start TLS… offers when the channel has nothing better
};

}  // namespace ui
