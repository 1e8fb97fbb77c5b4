// ChannelsController.cpp — opening channels, following the selected one,
// channel commands, and what the user must hear about from each batch.
#include "ui/ChannelsController.h"

#include "engine/capture/TlsText.h"

#include "ui/Settings.h"
#include "ui/dialogs/ConnectDialog.h"
#include "ui/dialogs/ListenDialog.h"
#include "ui/dialogs/ProxyDialog.h"
#include "ui/views/InterceptPane.h"
#include "ui/dialogs/TlsUpgradeDialog.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/Formatters.h"
#include "ui/protocol/ProtocolDialog.h"
#include "ui/protocol/ProtocolPanel.h"
#include "ui/views/ChannelInspector.h"
#include "ui/views/Composer.h"
#include "ui/views/ConversationView.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QLineEdit>
#include <QMenu>
#include <QSpinBox>
#include <QTimer>
#include <QTableView>
#include <QTreeView>

#include <chrono>
#include <string>

namespace ui {
namespace {

constexpr int kSnapshotIntervalMs = 250;
constexpr int kRefreshMs = 100;

using Severity = NotificationBanner::Severity;

std::string toStd(const QByteArray& b) {
    return {b.constData(), static_cast<std::size_t>(b.size())};
}

// The port a "host:port" / "[v6]:port" address ends with (0 if none).
std::uint16_t portOf(const QString& address) {
    const qsizetype colon = address.lastIndexOf(u':');
    if (colon < 0) return 0;
    bool ok = false;
    const uint p = address.mid(colon + 1).toUInt(&ok);
    return ok && p <= 65535 ? static_cast<std::uint16_t>(p) : 0;
}

// The actions that change the live session: off in a read-only window.
const char* const kLiveActions[] = {"connect",   "listen",   "proxy",    "sendFile",       "close",       "closeWhenDone",
                                    "discard",   "reconnect", "editTerminator", "removeClosed", "startTls",
                                    "protocolPreset"};

// The dialog in `slot` raised (and returned) when there is one, else nullptr.
template <class Dialog>
Dialog* raised(const QPointer<Dialog>& slot) {
    if (!slot) return nullptr;
    slot->raise();
    slot->activateWindow();
    return slot;
}

}  // namespace

ChannelsController::ChannelsController(EngineBridge* bridge, QWidget* window, const Views& views, QObject* parent)
    : QObject(parent), m_bridge(bridge), m_window(window), m_views(views), m_actions(window) {
    buildActions();
    m_recentMenu = new QMenu(tr("&Recent"), window);
    connect(m_recentMenu, &QMenu::aboutToShow, this, &ChannelsController::rebuildRecentMenu);
    rebuildRecentMenu();

    m_snapshotTimer = new QTimer(this);
    m_snapshotTimer->setInterval(kSnapshotIntervalMs);
    connect(m_snapshotTimer, &QTimer::timeout, this, &ChannelsController::requestSnapshot);
    m_snapshotTimer->start();
    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(kRefreshMs);
    connect(m_refreshTimer, &QTimer::timeout, this, [this] {
        m_currentTouched = false;
        refreshCurrent();
    });

    // Engine → channels.
    connect(m_bridge, &EngineBridge::batchReceived, this, &ChannelsController::onBatch);
    if (InterceptPane* pane = m_views.intercept) {
        // Intercept: the pane asks, the engine holds; nothing here waits for it.
        connect(m_bridge, &EngineBridge::batchReceived, pane, &InterceptPane::applyEvents);
        connect(pane, &InterceptPane::interceptRequested, this,
                [this](engine::ChannelId target, bool on) { m_bridge->reactor().setIntercept(target, on); });
        connect(pane, &InterceptPane::releaseRequested, this,
                [this](engine::ChannelId leg, std::uint64_t message, engine::cmd::ReleaseHeld::Action action,
                       const QByteArray& data) { m_bridge->reactor().releaseHeld(leg, message, action, data.toStdString()); });
        connect(pane, &InterceptPane::injectRequested, this,
                [this](engine::ChannelId leg, const QByteArray& data) { m_bridge->reactor().push(leg, data.toStdString()); });
    }
    connect(m_bridge, &EngineBridge::eventsAppended, this, &ChannelsController::onEventsAppended);

    // The Channels list.
    QTreeView* list = m_views.channels;
    connect(list->selectionModel(), &QItemSelectionModel::currentChanged, this, &ChannelsController::selectionChanged);
    // A listener (or a bound UDP channel) opens up when its first child row
    // comes; one the person collapsed stays collapsed as more come.
    connect(m_bridge->channelModel(), &QAbstractItemModel::rowsInserted, this,
            [list](const QModelIndex& parentIndex, int first, int last) {
                if (parentIndex.isValid() && first == 0 && list->model()->rowCount(parentIndex) == last + 1)
                    list->expand(parentIndex);
            });

    // Composer → engine.
    Composer* composer = m_views.composer;
    connect(composer, &Composer::sendRequested, this, [this, composer](const QByteArray& bytes) {
        if (composer->target() == 0) return;
        if (composer->toAll()) {  // a listener: to every connection it accepted that is open
            for (const engine::ChannelId id : openConnectionsOf(composer->target()))
                m_bridge->reactor().push(id, toStd(bytes));
            return;
        }
        // A bound UDP channel: to the address in "To", else (empty) to the last sender.
        const QString to = composer->destination();
        if (!to.isEmpty()) {
            m_bridge->reactor().pushTo(composer->target(), toStd(bytes), to.toStdString());
            return;
        }
        m_bridge->reactor().push(composer->target(), toStd(bytes));
    });
    connect(composer, &Composer::sendFileRequested, this, [this, composer](const QString& path) {
        if (composer->target() == 0) return;
        if (composer->toAll()) {
            const auto ids = openConnectionsOf(composer->target());
            for (const engine::ChannelId id : ids) m_bridge->reactor().pushFile(id, path.toStdString());
            emit statusMessage(tr("Sending %1 to all %2 connections of %3")
                                   .arg(path)
                                   .arg(ids.size())
                                   .arg(channelLabel(composer->target())));
            return;
        }
        m_bridge->reactor().pushFile(composer->target(), path.toStdString());
        emit statusMessage(tr("Sending %1 to %2").arg(path, channelLabel(composer->target())));
    });
    connect(composer, &Composer::repeatRequested, this,
            [this, composer](const QByteArray& bytes, std::uint64_t copies, int intervalMs) {
                if (composer->target() == 0) return;
                if (composer->toAll()) {
                    for (const engine::ChannelId id : openConnectionsOf(composer->target()))
                        m_bridge->reactor().pushRepeat(id, toStd(bytes), copies, std::chrono::milliseconds(intervalMs));
                    return;
                }
                m_bridge->reactor().pushRepeat(composer->target(), toStd(bytes), copies,
                                               std::chrono::milliseconds(intervalMs));
            });
    connect(composer, &Composer::stopRequested, this, [this, composer] {
        if (composer->toAll()) {  // Stop ends the repeats and files sent to all
            for (const engine::ChannelId id : openConnectionsOf(composer->target()))
                m_bridge->reactor().discardBuffers(id);
            emit statusMessage(tr("%1: discard_buffers() on all its connections").arg(channelLabel(composer->target())));
            return;
        }
        discardBuffers();
    });

    // A datagram selected in the conversation: replies go to its sender.
    connect(m_views.conversation->table()->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) { replyToSelectedDatagram(current); });

    // Inspector → engine.
    connect(m_views.inspector, &ChannelInspector::terminatorApplyRequested, this,
            [this](engine::ChannelId id, const engine::Terminator& t) {
                m_bridge->reactor().setTerminator(id, t);
                // Set by hand, the terminator replaces a connection's programs (the engine drops them).
                const ChannelInfo* info = m_bridge->channelModel()->info(id);
                if (info && info->role != engine::ChannelRole::Listener) m_protocols.setChoice(id, {});
                emit statusMessage(tr("%1: set_terminator(%2)").arg(channelLabel(id), terminatorText(t)));
            });
    connect(m_views.inspector, &ChannelInspector::bufferSizesApplyRequested, this,
            [this](engine::ChannelId id, std::size_t in, std::size_t out) {
                m_bridge->reactor().setBufferSizes(id, in, out);
            });
    connect(m_views.inspector->protocolPanel(), &ProtocolPanel::changeRequested, this, [this] { openProtocolDialog(); });
    connect(m_views.inspector, &ChannelInspector::refreshRequested, this,
            [this](engine::ChannelId id) { m_bridge->reactor().snapshot(id); });
}

ChannelsController::~ChannelsController() {
    m_snapshotTimer->stop();
    m_refreshTimer->stop();
}

void ChannelsController::buildActions() {
    const auto make = [this](const QString& name, const QString& text, const QKeySequence& key, const QString& tip,
                             auto slot) { return m_actions.add(name, text, key, tip, this, slot); };
    make(QStringLiteral("connect"), tr("&Connect…"), QKeySequence(Qt::CTRL | Qt::Key_K),
         tr("Open a client channel to a host and port"), [this] { openConnectDialog(); });
    make(QStringLiteral("listen"), tr("&Listen…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L),
         tr("Open a listening channel (a server)"), [this] { openListenDialog(); });
    make(QStringLiteral("proxy"), tr("&Proxy…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X),
         tr("Stand between a real client and a real server: listen, connect each client to the server, frame both ways"),
         [this] { openProxyDialog(); });
    // Ctrl+O opens a session (as everywhere): Send file… is Ctrl+Shift+O.
    make(QStringLiteral("sendFile"), tr("Send &file…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
         tr("Push a file to the selected channel (a file producer)"), [this] { m_views.composer->chooseFile(); });
    make(QStringLiteral("removeClosed"), tr("&Remove closed channels"), QKeySequence(),
         tr("Take closed channels off the Channels list"), [this] {
             const int n = m_bridge->channelModel()->removeClosed();
             emit statusMessage(n == 1 ? tr("Removed 1 closed channel") : tr("Removed %1 closed channels").arg(n));
         });

    make(QStringLiteral("close"), tr("&Close"), QKeySequence(Qt::CTRL | Qt::Key_W),
         tr("close() the selected channel now; queued output is dropped"), [this] { closeChannel(); });
    make(QStringLiteral("closeWhenDone"), tr("Close &when done"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W),
         tr("close_when_done(): close once everything queued is sent"), [this] { closeChannelWhenDone(); });
    make(QStringLiteral("discard"), tr("&Discard buffers"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D),
         tr("discard_buffers(): drop queued input and output, stop a paced repeat"), [this] { discardBuffers(); });
    make(QStringLiteral("reconnect"), tr("&Reconnect"), QKeySequence(Qt::CTRL | Qt::Key_R),
         tr("Open the selected client (or listener) again with the same parameters"),
         [this] { reconnectChannel(); });
    make(QStringLiteral("startTls"), tr("Start T&LS…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T),
         tr("Upgrade the selected connection to TLS now (STARTTLS by hand): as the TLS client if it connected, "
            "as the server if it was accepted"),
         [this] { openStartTlsDialog(); });
    make(QStringLiteral("protocolPreset"), tr("Protocol &preset…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P),
         tr("Frame the selected channel as a protocol does (a preset) and answer with rules, from its next message"),
         [this] { openProtocolDialog(); });
    make(QStringLiteral("editTerminator"), tr("Set &terminator…"), QKeySequence(Qt::CTRL | Qt::Key_T),
         tr("Edit the selected channel's terminator in the inspector"), [this] { emit terminatorEditRequested(); });
    make(QStringLiteral("renameChannel"), tr("Re&name…"), QKeySequence(Qt::Key_F2),
         tr("Give the selected channel a name of your own (shown under Channels; not recorded)"),
         [this] { renameCurrentChannel(); });
    make(QStringLiteral("prevChannel"), tr("&Previous channel"), QKeySequence(Qt::ALT | Qt::Key_Up),
         tr("Select the channel above"), [this] { moveChannelSelection(-1); });
    make(QStringLiteral("nextChannel"), tr("&Next channel"), QKeySequence(Qt::ALT | Qt::Key_Down),
         tr("Select the channel below"), [this] { moveChannelSelection(+1); });

    // The Channels list's context menu.
    for (const char* name : {"close", "closeWhenDone", "discard", "reconnect", "startTls", "protocolPreset", "editTerminator",
                             "sendFile", "renameChannel"})
        m_views.channels->addAction(action(QLatin1String(name)));
}

void ChannelsController::restoreLastTargets() {
    const QList<RecentTarget> recent = settings::recentTargets();
    for (const RecentTarget& t : recent) {
        if (t.kind == RecentTarget::Kind::Connect) {
            m_lastConnect = t.connectParams();
            break;
        }
    }
    for (const RecentTarget& t : recent) {
        if (t.kind == RecentTarget::Kind::Listen) {
            m_lastListen = t.listenParams();
            break;
        }
    }
}

void ChannelsController::rebuildRecentMenu() {
    m_recentMenu->clear();
    const QList<RecentTarget> recent = settings::recentTargets();
    if (recent.isEmpty()) {
        QAction* none = m_recentMenu->addAction(tr("(none yet)"));
        none->setEnabled(false);
        return;
    }
    int n = 0;
    for (const RecentTarget& t : recent) {
        ++n;
        QString label = t.label();
        label.replace(QLatin1Char('&'), QStringLiteral("&&"));
        if (n <= 9) label = QStringLiteral("&%1  %2").arg(n).arg(label);
        QAction* a = m_recentMenu->addAction(label);
        connect(a, &QAction::triggered, this, [this, t] {
            // A preset or rules file that no longer loads: the dialog, which says why, instead of a channel without them.
            const auto broken = [](const ProtocolChoice& c) {
                return (!c.preset.isEmpty() || !c.rulesFile.isEmpty()) && c.programs.empty();
            };
            if (t.kind == RecentTarget::Kind::Connect) {
                const ConnectParams p = t.connectParams();
                if (!broken(p.protocol)) connectTo(p);
                else if (ConnectDialog* d = openConnectDialog()) d->setParams(p);
            } else {
                const ListenParams p = t.listenParams();
                if (!broken(p.protocol)) listenOn(p);
                else if (ListenDialog* d = openListenDialog()) d->setParams(p);
            }
        });
    }
    m_recentMenu->addSeparator();
    QAction* clear = m_recentMenu->addAction(tr("Clear recent"));
    connect(clear, &QAction::triggered, this, [] { settings::clearRecentTargets(); });
}

void ChannelsController::setReadOnly() {
    m_readOnly = true;
    m_snapshotTimer->stop();
    // Nothing may reach the (idle) engine of this window.
    m_views.composer->disconnect(this);
    m_views.inspector->disconnect(this);
    m_views.composer->hide();
    if (m_views.intercept) m_views.intercept->setEnabled(false);
    for (QWidget* w : m_views.inspector->findChildren<QWidget*>())
        if (qobject_cast<QAbstractButton*>(w) || qobject_cast<QAbstractSpinBox*>(w) || qobject_cast<QLineEdit*>(w) ||
            qobject_cast<QComboBox*>(w))
            w->setEnabled(false);
    m_recentMenu->setEnabled(false);
    updateChannelActions();
}

void ChannelsController::closeDialogs() {
    if (m_connectDialog) m_connectDialog->close();
    if (m_listenDialog) m_listenDialog->close();
    if (m_proxyDialog) m_proxyDialog->close();
    if (m_startTlsDialog) m_startTlsDialog->close();
    if (m_protocolDialog) m_protocolDialog->close();
}

// --- Opening channels ----------------------------------------------------------------

ConnectParams ChannelsController::defaultConnectParams() const {
    ConnectParams p = m_lastConnect;
    // Just listened? Offer to connect to that listener.
    if (m_listenedSinceConnect && m_lastListener != 0) {
        if (const ChannelInfo* info = m_bridge->channelModel()->info(m_lastListener)) {
            const std::uint16_t port = portOf(info->local);
            const ListenParams lp = m_listenParams.value(m_lastListener);
            if (port != 0) {
                QString host = lp.host;
                if (host == QLatin1String("0.0.0.0") || host.isEmpty()) host = QStringLiteral("127.0.0.1");
                if (host == QLatin1String("::")) host = QStringLiteral("::1");
                p.host = host;
                p.port = port;
                p.terminator = lp.terminator;
            }
        }
    }
    return p;
}

template <class Dialog>
Dialog* ChannelsController::openAsOnly(QPointer<Dialog>& slot, Dialog* dialog) {
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // Without a window manager nobody hands the keyboard back when the dialog goes.
    connect(dialog, &QDialog::finished, this, [this] { m_window->activateWindow(); });
    slot = dialog;
    dialog->open();
    return dialog;
}

ConnectDialog* ChannelsController::openConnectDialog() {
    if (ConnectDialog* open = raised(m_connectDialog)) return open;
    auto* dialog = new ConnectDialog(m_window);
    dialog->setRecentTargets(settings::recentTargets());
    dialog->setParams(defaultConnectParams());
    connect(dialog, &QDialog::accepted, this, [this, dialog] { connectTo(dialog->params()); });
    openAsOnly(m_connectDialog, dialog);
    dialog->hostBox()->setFocus();
    dialog->hostBox()->lineEdit()->selectAll();
    return dialog;
}

template <class Dialog, class Params, class Use>
Dialog* ChannelsController::openPortFirst(QPointer<Dialog>& slot, const Params& params, Use use) {
    if (Dialog* open = raised(slot)) return open;
    auto* dialog = new Dialog(m_window);
    dialog->setParams(params);
    connect(dialog, &QDialog::accepted, this, [dialog, use] { use(dialog->params()); });
    openAsOnly(slot, dialog);
    dialog->portBox()->setFocus();
    dialog->portBox()->selectAll();
    return dialog;
}

ListenDialog* ChannelsController::openListenDialog() {
    return openPortFirst(m_listenDialog, m_lastListen, [this](const ListenParams& p) { listenOn(p); });
}

ProxyDialog* ChannelsController::openProxyDialog() {
    return openPortFirst(m_proxyDialog, m_lastProxy, [this](const ProxyParams& p) { proxyTo(p); });
}

engine::ChannelId ChannelsController::proxyTo(const ProxyParams& params) {
    const engine::ChannelId id = m_bridge->openServer(params.host, params.port, params.options());
    m_protocols.setChoice(id, params.protocol, true);
    m_lastProxy = params;
    m_proxies.insert(id);
    // Its held messages show in the Intercept panel.
    if (m_views.intercept)
        if (QWidget* dock = m_views.intercept->parentWidget()) dock->show();
    emit statusMessage(tr("%1: proxying %2 to %3…")
                           .arg(channelLabel(id), hostPort(params.host, params.port), hostPort(params.toHost, params.toPort)));
    selectChannel(id);
    return id;
}

void ChannelsController::replyToSelectedDatagram(const QModelIndex& current) {
    if (!current.isValid() || m_current == 0) return;
    const ChannelInfo* info = currentInfo();
    if (!info || !info->udp || info->role != engine::ChannelRole::Listener) return;
    const auto kind = static_cast<engine::EventKind>(current.data(EventLogModel::KindRole).toInt());
    if (kind != engine::EventKind::Datagram && kind != engine::EventKind::DatagramSent) return;
    if (current.data(EventLogModel::ChannelRole).toUInt() != info->id) return;
    const qlonglong row = current.data(EventLogModel::StoreRowRole).toLongLong();
    if (row < 0 || static_cast<std::size_t>(row) >= m_bridge->store().size()) return;
    const engine::Event e = m_bridge->store().event(static_cast<std::size_t>(row));
    if (e.peer().empty()) return;
    m_views.composer->setDestination(QString::fromUtf8(e.peer().data(), static_cast<qsizetype>(e.peer().size())));
}

void ChannelsController::opened(engine::ChannelId id, const RecentTarget& target, const QString& status) {
    settings::addRecentTarget(target);
    emit statusMessage(status.arg(channelLabel(id), hostPort(target.host, target.port)));
    selectChannel(id);
}

bool ChannelsController::udpOptionsRefused(const UdpSocketOptions& options, bool bind, const QString& host) {
    // The dialog checks these; Recent and the command line come here directly.
    const QString why = udpOptionsProblem(options, bind, host);
    if (why.isEmpty()) return false;
    emit notice(tr("Nothing was opened: %1").arg(why), NotificationBanner::Severity::Error, 0);
    return true;
}

engine::ChannelId ChannelsController::listenOn(const ListenParams& params) {
    if (params.udp && udpOptionsRefused(params.udpOptions, true, params.host)) return 0;
    const engine::ChannelId id =
        params.udp ? m_bridge->openDatagram(true, params.host, params.port, params.datagramOptions())
                   : m_bridge->openServer(params.host, params.port, params.options());
    m_listenParams.insert(id, params);
    m_protocols.setChoice(id, params.protocol, true);
    m_lastListen = params;
    m_lastListener = id;
    m_listenedSinceConnect = true;
    opened(id, RecentTarget::from(params), params.udp ? tr("%1: binding UDP %2…") : tr("%1: listening on %2…"));
    return id;
}

engine::ChannelId ChannelsController::connectTo(const ConnectParams& params) {
    if (params.udp && udpOptionsRefused(params.udpOptions, false, params.host)) return 0;
    const engine::ChannelId id =
        params.udp
            ? m_bridge->openDatagram(false, params.host, params.port, params.datagramOptions(), engineFamily(params.family))
            : m_bridge->openClient(params.host, params.port, params.options(), engineFamily(params.family));
    m_clientParams.insert(id, params);
    m_protocols.setChoice(id, params.protocol);
    m_lastConnect = params;
    m_listenedSinceConnect = false;
    opened(id, RecentTarget::from(params), params.udp ? tr("%1: UDP to %2…") : tr("%1: connecting to %2…"));
    m_views.composer->focusEditor();
    return id;
}

// --- Channel actions -------------------------------------------------------------------

void ChannelsController::closeChannel() {
    if (m_current == 0) return;
    m_bridge->reactor().close(m_current);
}

void ChannelsController::closeChannelWhenDone() {
    if (m_current == 0) return;
    m_bridge->reactor().closeWhenDone(m_current);
}

void ChannelsController::discardBuffers() {
    if (m_current == 0) return;
    m_bridge->reactor().discardBuffers(m_current);
    emit statusMessage(tr("%1: discard_buffers()").arg(channelLabel(m_current)));
}

engine::ChannelId ChannelsController::reconnectChannel() {
    const ChannelInfo* info = currentInfo();
    if (!info) return 0;
    const engine::ChannelId old = info->id;
    const bool open = info->phase != engine::ChannelPhase::Closed;
    if (m_clientParams.contains(old)) {
        if (open) m_bridge->reactor().close(old);
        return connectTo(m_clientParams.value(old));
    }
    if (m_listenParams.contains(old)) {
        ListenParams p = m_listenParams.value(old);
        // A listener on "any free port" comes back on the port it had.
        if (p.port == 0) p.port = portOf(info->local);
        if (open) m_bridge->reactor().close(old);
        return listenOn(p);
    }
    emit statusMessage(tr("Only clients and listeners can be reopened."));
    return 0;
}

namespace {
// Whether `info` is a live connection that Start TLS can upgrade.
bool canStartTls(const ChannelInfo* info) {
    return info && !info->udp && info->role != engine::ChannelRole::Listener && info->phase == engine::ChannelPhase::Connected &&
           info->tlsPhase != TlsPhase::Established && info->tlsPhase != TlsPhase::Handshaking;
}
}  // namespace

TlsUpgradeDialog* ChannelsController::openStartTlsDialog() {
    if (m_readOnly) return nullptr;
    const ChannelInfo* info = currentInfo();
    if (!canStartTls(info)) {
        emit statusMessage(tr("Start TLS needs a connected channel that is not a listener and not in TLS yet."));
        return nullptr;
    }
    if (m_startTlsDialog) m_startTlsDialog->close();
    const bool server = info->role == engine::ChannelRole::Accepted;
    auto* dialog = new TlsUpgradeDialog(info->id, channelTitle(*info), server, m_window);
    // What the channel was opened with (a STARTTLS client, a listener's connection), else the last upgrade's.
    engine::TlsConfig offer = m_lastUpgrade;
    if (m_clientParams.contains(info->id) && m_clientParams.value(info->id).tls.wanted())
        offer = m_clientParams.value(info->id).tls;
    else if (server && m_listenParams.contains(info->parent) && m_listenParams.value(info->parent).tls.wanted())
        offer = m_listenParams.value(info->parent).tls;
    if (server && offer == m_lastUpgrade && m_lastUpgrade == engine::TlsConfig{}) offer = serverTlsDefaults();
    dialog->setConfig(offer);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { startTls(dialog->channel(), dialog->config()); });
    return openAsOnly(m_startTlsDialog, dialog);
}

void ChannelsController::startTls(engine::ChannelId channel, const engine::TlsConfig& tls) {
    if (m_readOnly || channel == 0) return;
    m_lastUpgrade = tls;
    m_bridge->startTls(channel, tls);
    emit statusMessage(tr("%1: starting TLS…").arg(channelLabel(channel)));
}

ProtocolDialog* ChannelsController::openProtocolDialog() {
    if (m_readOnly) return nullptr;
    const ChannelInfo* info = currentInfo();
    if (!info || info->phase == engine::ChannelPhase::Closed) {
        emit statusMessage(tr("Protocol preset… needs an open channel."));
        return nullptr;
    }
    if (m_protocolDialog) m_protocolDialog->close();
    const bool listener = info->role == engine::ChannelRole::Listener;
    auto* dialog = new ProtocolDialog(info->id, channelTitle(*info), listener, m_window);
    if (const ChannelProtocol* p = m_protocols.find(info->id)) dialog->setChoice(p->choice);
    connect(dialog, &ProtocolDialog::applyRequested, this, &ChannelsController::applyProtocol);
    return openAsOnly(m_protocolDialog, dialog);
}

void ChannelsController::applyProtocol(engine::ChannelId channel, const ProtocolChoice& choice) {
    if (m_readOnly || channel == 0) return;
    const ChannelInfo* info = m_bridge->channelModel()->info(channel);
    const bool listener = info && info->role == engine::ChannelRole::Listener;
    m_bridge->reactor().setPrograms(channel, choice.programs);
    m_protocols.setChoice(channel, choice, listener);
    // Reconnect opens it again with what it runs now.
    if (listener && m_listenParams.contains(channel)) m_listenParams[channel].protocol = choice;
    if (!listener && m_clientParams.contains(channel)) m_clientParams[channel].protocol = choice;
    emit statusMessage(choice.isEmpty() ? tr("%1: no preset or rules").arg(channelLabel(channel))
                                        : tr("%1: protocol %2").arg(channelLabel(channel), choice.label()));
    if (channel == m_current) refreshCurrent();
}

void ChannelsController::selectChannel(engine::ChannelId id) {
    const QModelIndex idx = m_bridge->channelModel()->indexForChannel(id);
    if (idx.isValid()) {
        m_views.channels->setCurrentIndex(idx);
        m_views.channels->scrollTo(idx);
    } else {
        m_current = id;
        selectionChanged();
    }
}

void ChannelsController::moveChannelSelection(int step) {
    QTreeView* list = m_views.channels;
    const QModelIndex cur = list->currentIndex();
    QModelIndex next;
    if (!cur.isValid())
        next = m_bridge->channelModel()->index(0, 0);
    else
        next = step < 0 ? list->indexAbove(cur) : list->indexBelow(cur);
    if (next.isValid()) list->setCurrentIndex(next);
}

// --- Events ---------------------------------------------------------------------------------

void ChannelsController::onBatch(const std::vector<engine::Event>& batch) {
    using K = engine::EventKind;
    m_protocols.feed(batch);
    QSet<engine::ChannelId> errored;
    for (const engine::Event& e : batch) {
        if (e.channel == m_current && m_current != 0) {
            m_currentTouched = true;
            // Busy: ask for a fresh snapshot (not in answer to a snapshot, though).
            if (e.kind != K::ChannelState) m_snapshotDirty = true;
            // What changes what the user may do next is shown at once.
            switch (e.kind) {
            case K::Listening:
            case K::Connected:
            case K::Closed:
            case K::TerminatorSet:
            case K::BuffersSet:
            case K::HalfClosed:
            case K::StartTls:
            case K::TlsHandshake:
            case K::TlsClose:
            case K::Error: m_refreshNow = true; break;
            default: break;
            }
        }
        if (e.kind == K::Accepted && e.parent == m_current && m_current != 0) m_scopeDirty = true;
        if (e.kind == K::ChannelState) m_snapshotsInFlight.remove(e.channel);
        if (e.kind == K::Listening || e.kind == K::Connected || e.kind == K::Accepted) m_established.insert(e.channel);
        switch (e.kind) {
        case K::Error: {
            errored.insert(e.channel);
            // Our own snapshot request met a channel that had just closed: not the user's business.
            if (e.info.rfind("cannot take a snapshot", 0) == 0 && m_snapshotsInFlight.remove(e.channel)) break;
            const QString where = e.channel == engine::kReactorChannel ? tr("Engine") : channelLabel(e.channel);
            emit notice(tr("%1: %2").arg(where, QString::fromStdString(e.info)), Severity::Error, e.seq);
            break;
        }
        case K::Warning:
            if (e.warningCode() == engine::WarningCode::ProducerError ||
                e.warningCode() == engine::WarningCode::AcceptFailed || e.warningCode() == engine::WarningCode::Backlog)
                emit notice(tr("%1: %2").arg(channelLabel(e.channel), QString::fromStdString(e.info)), Severity::Warning,
                            e.seq);
            break;
        case K::Closed: {
            // Closed on an error, or by the peer with an errno (a reset: asyncore
            // turns ECONNRESET into handle_close, so no `error` event precedes it).
            const bool onError = e.closeReason() == engine::CloseReason::Error || e.error != 0;
            if (onError && !errored.contains(e.channel)) {
                QString detail = QString::fromStdString(e.info);
                if (detail.isEmpty()) detail = tr("closed on error");
                const QString who = e.closeReason() == engine::CloseReason::Peer ? tr("closed by the peer: ") : QString();
                emit notice(tr("%1: %2%3").arg(channelLabel(e.channel), who, detail), Severity::Error, e.seq);
            } else if (!onError && m_established.contains(e.channel)) {
                // The status bar may still say "connected": it is not any more.
                emit statusMessage(e.closeReason() == engine::CloseReason::Peer
                                       ? tr("%1: closed by the peer").arg(channelLabel(e.channel))
                                       : tr("%1: closed").arg(channelLabel(e.channel)));
            }
            break;
        }
        case K::Listening:
            if (m_listenParams.contains(e.channel))
                emit statusMessage(tr("%1: listening on %2").arg(channelLabel(e.channel), QString::fromStdString(e.info)));
            break;
        case K::Connected:
            emit statusMessage(tr("%1: connected to %2").arg(channelLabel(e.channel), QString::fromStdString(e.info)));
            break;
        case K::TlsHandshake:
            if (const engine::TlsHandshakeInfo* t = e.tlsInfo()) {
                const QString line = tr("%1: %2").arg(channelLabel(e.channel), tlsHandshakeSummary(*t));
                if (tlsUnverifiedPeer(*t))
                    emit notice(line, Severity::Warning, e.seq);
                else
                    emit statusMessage(line);
            }
            break;
        case K::TlsClose:
            if (e.tlsCloseKind() == engine::TlsCloseKind::Truncated)
                emit notice(tr("%1: %2").arg(channelLabel(e.channel), QString::fromStdString(engine::tlsEventText(e))),
                            Severity::Warning, e.seq);
            break;
        default: break;
        }
    }
}

void ChannelsController::onEventsAppended() {
    if (m_scopeDirty) {
        m_scopeDirty = false;
        updateScope();
    }
    // The selected channel's panels follow at most ten times a second, but
    // a change of phase or terminator shows at once.
    if (m_refreshNow) {
        m_refreshNow = false;
        m_currentTouched = false;
        m_refreshTimer->stop();
        refreshCurrent();
    } else if (m_currentTouched && !m_refreshTimer->isActive()) {
        m_refreshTimer->start();
    }
}

// --- The selected channel ----------------------------------------------------------------------

void ChannelsController::selectionChanged() {
    const QModelIndex idx = m_views.channels->currentIndex();
    const engine::ChannelId before = m_current;
    if (idx.isValid()) m_current = static_cast<engine::ChannelId>(idx.data(ChannelModel::ChannelIdRole).toUInt());
    if (m_current != before) m_views.composer->setDestination(QString());  // another channel's peer is no reply address
    m_snapshotDirty = true;
    updateScope();
    refreshCurrent();
    // A peer row of a bound UDP channel: replies go to that peer.
    if (const QString peer = idx.data(ChannelModel::PeerAddressRole).toString(); !peer.isEmpty())
        m_views.composer->setDestination(peer);
    requestSnapshot();
}

void ChannelsController::updateScope() {
    const ChannelInfo* info = currentInfo();
    if (!info) {
        m_views.conversation->setSelectedChannels({}, QString());
        if (m_views.intercept) m_views.intercept->showScope(0, {});
        return;
    }
    QSet<engine::ChannelId> set{info->id};
    QString label = channelLabel(info->id);
    if (info->proxyPeer != 0) {
        // A leg of a proxied connection: the pair, both directions interleaved.
        set.insert(info->proxyPeer);
        const engine::ChannelId client = info->proxyUpstream ? info->proxyPeer : info->id;
        const engine::ChannelId server = info->proxyUpstream ? info->id : info->proxyPeer;
        label = tr("%1 ⇄ %2").arg(channelLabel(client), channelLabel(server));
    }
    if (info->role == engine::ChannelRole::Listener) {
        for (engine::ChannelId id : m_bridge->channelModel()->channels()) {
            const ChannelInfo* child = m_bridge->channelModel()->info(id);
            if (!child || child->parent != info->id) continue;
            set.insert(id);
            if (child->proxyPeer != 0) set.insert(child->proxyPeer);  // a proxy's upstream legs too
        }
    }
    m_views.conversation->setSelectedChannels(set, label);
    if (m_views.intercept) {
        // Intercept acts on a proxy (all its pairs) or on one pair.
        const bool proxy = info->proxyPeer != 0 ||
                           (info->role == engine::ChannelRole::Listener &&
                            (m_proxies.contains(info->id) || std::any_of(set.begin(), set.end(), [this](engine::ChannelId id) {
                                 const ChannelInfo* c = m_bridge->channelModel()->info(id);
                                 return c && c->proxyPeer != 0;
                             })));
        QSet<engine::ChannelId> legs = set;
        legs.remove(info->role == engine::ChannelRole::Listener ? info->id : 0);
        m_views.intercept->showScope(proxy ? info->id : 0, proxy ? legs : QSet<engine::ChannelId>{});
    }
}

const ChannelInfo* ChannelsController::currentInfo() const {
    return m_current == 0 ? nullptr : m_bridge->channelModel()->info(m_current);
}

QString ChannelsController::channelTitle(const ChannelInfo& info) const {
    QString where = info.role == engine::ChannelRole::Listener ? info.local : info.peer;
    if (where.isEmpty()) where = info.host;
    const QString title = where.isEmpty() ? channelLabel(info.id) : tr("%1 %2").arg(channelLabel(info.id), where);
    return info.userLabel.isEmpty() ? title : tr("%1 · %2").arg(info.userLabel, title);
}

void ChannelsController::renameCurrentChannel() {
    const ChannelInfo* info = currentInfo();
    if (!info) {
        emit statusMessage(tr("Select a channel to name first"));
        return;
    }
    // Edited in place, in the Name column (Enter keeps it, Esc does not; empty: no name).
    const QModelIndex idx = m_bridge->channelModel()->indexForChannel(info->id);
    if (!idx.isValid()) return;
    m_views.channels->setFocus(Qt::ShortcutFocusReason);
    m_views.channels->setCurrentIndex(idx);
    m_views.channels->edit(idx.siblingAtColumn(ChannelModel::ColName));
}

std::vector<engine::ChannelId> ChannelsController::openConnectionsOf(engine::ChannelId listener) const {
    std::vector<engine::ChannelId> out;
    const ChannelModel* model = m_bridge->channelModel();
    for (const engine::ChannelId id : model->channels()) {
        const ChannelInfo* c = model->info(id);
        if (c && c->parent == listener && c->role != engine::ChannelRole::Listener &&
            c->phase == engine::ChannelPhase::Connected)
            out.push_back(id);
    }
    return out;
}

void ChannelsController::refreshCurrent() {
    const ChannelInfo* info = currentInfo();
    Composer* composer = m_views.composer;
    m_views.inspector->showChannel(info);
    m_views.inspector->protocolPanel()->showChannel(
        info ? m_protocols.find(info->id) : nullptr,
        !m_readOnly && info && info->phase != engine::ChannelPhase::Closed);
    if (!info) {
        composer->setTarget(0, QString(), std::nullopt, false);
        composer->setDestinationShown(false);
        composer->setSnippetScope(QString(), QString());
        updateChannelActions();
        emit currentTitleChanged(QString());
        return;
    }
    // A bound UDP channel sends too: to the "To" address or the last sender.
    const bool boundUdp = info->udp && info->role == engine::ChannelRole::Listener;
    const bool canSend = boundUdp ? info->phase == engine::ChannelPhase::Listening
                                  : info->role != engine::ChannelRole::Listener &&
                                        info->phase == engine::ChannelPhase::Connected;
    QString whyNot;
    if (boundUdp && info->phase == engine::ChannelPhase::Closed)
        whyNot = tr("%1 is closed: Reconnect (Ctrl+R) or select another channel").arg(channelLabel(info->id));
    else if (boundUdp && !canSend)
        whyNot = tr("%1 is not bound yet").arg(channelLabel(info->id));
    else if (info->role == engine::ChannelRole::Listener)
        whyNot = tr("%1 is a listener: select one of its connections to send").arg(channelLabel(info->id));
    else if (info->phase == engine::ChannelPhase::Closed)
        whyNot = m_clientParams.contains(info->id)
                     ? tr("%1 is closed: Reconnect (Ctrl+R) or select another channel").arg(channelLabel(info->id))
                     : tr("%1 is closed: select another channel").arg(channelLabel(info->id));
    else if (!canSend)
        whyNot = tr("%1 is not connected yet").arg(channelLabel(info->id));
    composer->setTarget(info->id, channelTitle(*info),
                        info->terminatorKnown ? std::optional<engine::Terminator>(info->terminator) : std::nullopt,
                        canSend, whyNot);
    composer->setDestinationShown(boundUdp && canSend, info->lastSender);
    const bool tcpListener = info->role == engine::ChannelRole::Listener && !info->udp && !m_readOnly;
    composer->setListenerConnections(
        tcpListener && info->phase != engine::ChannelPhase::Closed ? static_cast<int>(openConnectionsOf(info->id).size())
        : tcpListener                                             ? 0
                                                                  : -1);
    {
        // Snippets kept for a protocol or an endpoint: a connection counts as its listener's.
        const ChannelProtocol* proto = m_protocols.find(info->id);
        if (!proto && info->parent != 0) proto = m_protocols.find(info->parent);
        const ChannelInfo* owner = info->parent != 0 ? m_bridge->channelModel()->info(info->parent) : nullptr;
        const QString endpoint = info->role == engine::ChannelRole::Listener ? info->local
                                 : owner                                  ? owner->local
                                                                          : info->peer;
        composer->setSnippetScope(proto ? proto->choice.preset : QString(), endpoint);
    }
    if (info->hasSnapshot) {
        // Buffered bytes, or what the producers still hold if they can tell (a file, a repeat).
        std::uint64_t held = 0;
        for (const engine::FifoEntryState& f : info->last.fifo)
            if (f.remaining > 0) held += static_cast<std::uint64_t>(f.remaining);
        const bool open = info->phase != engine::ChannelPhase::Closed;
        composer->setFifo(open ? qMax(held, info->last.queuedBytes) : 0, open ? info->last.fifoEntries : 0);
    }
    updateChannelActions();
    emit currentTitleChanged(channelTitle(*info));
}

void ChannelsController::updateChannelActions() {
    if (m_readOnly) {
        for (const char* name : kLiveActions) action(QLatin1String(name))->setEnabled(false);
        return;
    }
    const ChannelInfo* info = currentInfo();
    const bool open = info && info->phase != engine::ChannelPhase::Closed;
    const bool stream = info && info->role != engine::ChannelRole::Listener && !info->udp;
    action(QStringLiteral("close"))->setEnabled(open);
    action(QStringLiteral("closeWhenDone"))->setEnabled(open && stream);
    action(QStringLiteral("discard"))->setEnabled(open && stream);
    action(QStringLiteral("reconnect"))
        ->setEnabled(info && (m_clientParams.contains(info->id) || m_listenParams.contains(info->id)));
    action(QStringLiteral("editTerminator"))->setEnabled(open);
    action(QStringLiteral("startTls"))->setEnabled(canStartTls(info));
    action(QStringLiteral("protocolPreset"))->setEnabled(open && !info->udp);
    action(QStringLiteral("sendFile"))->setEnabled(open && stream && info->phase == engine::ChannelPhase::Connected);
}

void ChannelsController::requestSnapshot() {
    if (!m_snapshotDirty || m_current == 0 || m_readOnly) return;
    const ChannelInfo* info = currentInfo();
    m_snapshotDirty = false;
    // Only channels that got going (listening, connected or accepted) and are
    // not closed: a snapshot of one still connecting may well meet it closed
    // (refused), and the engine answers that with an error event.
    if (!info || !m_established.contains(m_current) || info->phase == engine::ChannelPhase::Closed) return;
    m_snapshotsInFlight.insert(m_current);
    m_bridge->reactor().snapshot(m_current);
}

}  // namespace ui
