// MainWindow.cpp — panels, actions, engine commands and error reporting.
#include "ui/MainWindow.h"

#include "engine/asyncore/Escape.h"
#include "ui/views/ChannelInspector.h"
#include "ui/views/ColorScheme.h"
#include "ui/model/ChannelModel.h"
#include "ui/views/Composer.h"
#include "ui/dialogs/ConnectDialog.h"
#include "ui/views/ConversationView.h"
#include "ui/model/EngineBridge.h"
#include "ui/views/EventDelegate.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/Formatters.h"
#include "ui/dialogs/ListenDialog.h"
#include "ui/teaching/LoopInspector.h"
#include "ui/views/NotificationBanner.h"
#include "ui/views/PayloadView.h"
#include "ui/Settings.h"
#include "ui/views/StatusBarWidgets.h"
#include "ui/views/TerminatorEdit.h"
#include "ui/model/UiLatencyMonitor.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QComboBox>
#include <QCloseEvent>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QSpinBox>
#include <QScreen>
#include <QStatusBar>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace ui {
namespace {

constexpr int kSnapshotIntervalMs = 250;
constexpr int kStatusMessageMs = 10000;

const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kHeader = QStringLiteral("conversation/header");
const QString kChannelsHeader = QStringLiteral("channels/header");
const QString kMessagesMode = QStringLiteral("conversation/messagesMode");
const QString kScope = QStringLiteral("conversation/selectedOnly");
const QString kAppendTerm = QStringLiteral("composer/appendTerminator");
const QString kHexSyntax = QStringLiteral("composer/hex");
const QString kColorScheme = QStringLiteral("view/colorScheme");

std::string toStd(const QByteArray& b) {
    return {b.constData(), static_cast<std::size_t>(b.size())};
}

QString latin1(std::string_view s) {
    return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size()));
}

// The port a "host:port" / "[v6]:port" address ends with (0 if none).
std::uint16_t portOf(const QString& address) {
    const qsizetype colon = address.lastIndexOf(u':');
    if (colon < 0) return 0;
    bool ok = false;
    const uint p = address.mid(colon + 1).toUInt(&ok);
    return ok && p <= 65535 ? static_cast<std::uint16_t>(p) : 0;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_bridge(std::make_unique<EngineBridge>()) {
    setWindowTitle(tr("Linewright"));
    setObjectName(QStringLiteral("MainWindow"));
    setDockNestingEnabled(true);

    m_latency = new UiLatencyMonitor(this);
    m_systemPalette = QApplication::palette();

    // The conversation with the banner above it and the composer under it.
    auto* central = new QWidget(this);
    m_banner = new NotificationBanner(central);
    m_conversation = new ConversationView(m_bridge->eventModel(), central);
    m_bridge->eventModel()->setStartTime(m_bridge->startTime());
    m_composer = new Composer(central);
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_banner);
    centralLayout->addWidget(m_conversation, 1);
    auto* line = new QFrame(central);
    line->setFrameShape(QFrame::HLine);
    line->setFrameShadow(QFrame::Sunken);
    centralLayout->addWidget(line);
    centralLayout->addWidget(m_composer);
    setCentralWidget(central);

    m_conversation->delegate()->setTerminatorLookup([this](engine::ChannelId id) -> QByteArray {
        const ChannelInfo* info = m_bridge->channelModel()->info(id);
        if (!info || !info->terminatorKnown || !info->terminator.isBytes()) return {};
        const std::string& t = info->terminator.bytesValue();
        return QByteArray(t.data(), static_cast<qsizetype>(t.size()));
    });

    buildDocks();
    buildActions();
    buildMenus();
    buildToolBar();
    buildTeaching();
    buildSession();

    m_figures = new StatusBarWidgets(this);
    statusBar()->addPermanentWidget(m_figures);
    statusBar()->setSizeGripEnabled(true);

    m_snapshotTimer = new QTimer(this);
    m_snapshotTimer->setInterval(kSnapshotIntervalMs);
    connect(m_snapshotTimer, &QTimer::timeout, this, &MainWindow::requestSnapshot);
    m_snapshotTimer->start();
    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(100);
    connect(m_refreshTimer, &QTimer::timeout, this, [this] {
        m_currentTouched = false;
        refreshCurrent();
    });
    m_statusTimer = new QTimer(this);
    m_statusTimer->setInterval(1000);
    connect(m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    m_statusTimer->start();

    // Engine → window.
    connect(m_bridge.get(), &EngineBridge::batchReceived, this, &MainWindow::onBatch);
    connect(m_bridge.get(), &EngineBridge::eventsAppended, this, &MainWindow::onEventsAppended);
    connect(m_bridge.get(), &EngineBridge::channelError, this, [this](engine::ChannelId channel, const QString& message) {
        statusBar()->showMessage(channel == engine::kReactorChannel ? message
                                                                    : tr("%1: %2").arg(channelLabel(channel), message),
                                 kStatusMessageMs);
    });
    connect(m_bridge.get(), &EngineBridge::reactorStopped, this, [this] {
        notify(tr("The engine stopped; open channels are closed."), int(NotificationBanner::Severity::Warning), 0);
    });
    connect(m_banner, &NotificationBanner::showRequested, this, &MainWindow::revealEvent);

    // Channels.
    connect(m_channels->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &MainWindow::onChannelSelectionChanged);
    connect(m_bridge->channelModel(), &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex& parentIndex, int, int) {
                if (parentIndex.isValid()) m_channels->expand(parentIndex);
            });

    // Composer → engine.
    connect(m_composer, &Composer::sendRequested, this, [this](const QByteArray& bytes) {
        if (m_composer->target() != 0) m_bridge->reactor().push(m_composer->target(), toStd(bytes));
    });
    connect(m_composer, &Composer::sendFileRequested, this, [this](const QString& path) {
        if (m_composer->target() == 0) return;
        m_bridge->reactor().pushFile(m_composer->target(), path.toStdString());
        statusBar()->showMessage(tr("Sending %1 to %2").arg(path, channelLabel(m_composer->target())), kStatusMessageMs);
    });
    connect(m_composer, &Composer::repeatRequested, this,
            [this](const QByteArray& bytes, std::uint64_t copies, int intervalMs) {
                if (m_composer->target() == 0) return;
                m_bridge->reactor().pushRepeat(m_composer->target(), toStd(bytes), copies,
                                               std::chrono::milliseconds(intervalMs));
            });
    connect(m_composer, &Composer::stopRequested, this, &MainWindow::discardBuffers);
    connect(m_composer, &Composer::historyChanged, this,
            [this] { settings::setComposerHistory(m_composer->history()); });
    connect(m_composer, &Composer::notice, this,
            [this](const QString& text) { statusBar()->showMessage(text, kStatusMessageMs); });

    // Inspector → engine.
    connect(m_inspector, &ChannelInspector::terminatorApplyRequested, this,
            [this](engine::ChannelId id, const engine::Terminator& t) {
                m_bridge->reactor().setTerminator(id, t);
                statusBar()->showMessage(tr("%1: set_terminator(%2)").arg(channelLabel(id), terminatorText(t)),
                                         kStatusMessageMs);
            });
    connect(m_inspector, &ChannelInspector::bufferSizesApplyRequested, this,
            [this](engine::ChannelId id, std::size_t in, std::size_t out) {
                m_bridge->reactor().setBufferSizes(id, in, out);
            });
    connect(m_inspector, &ChannelInspector::refreshRequested, this,
            [this](engine::ChannelId id) { m_bridge->reactor().snapshot(id); });

    // Conversation.
    connect(m_conversation, &ConversationView::currentRowChanged, m_payload, &PayloadView::showRow);
    connect(m_conversation, &ConversationView::notice, this,
            [this](const QString& text) { statusBar()->showMessage(text, kStatusMessageMs); });
    connect(m_bridge.get(), &EngineBridge::logCleared, m_payload, &PayloadView::clear);

    restoreSettings();
    rebuildRecentMenu();
    onChannelSelectionChanged();
    updateStatus();
    statusBar()->showMessage(tr("Ready. Listen… (Ctrl+Shift+L) or Connect… (Ctrl+K) to start."), kStatusMessageMs);
}

MainWindow::~MainWindow() {
    shutdownSession();  // the recording ends with `stopped`; jobs are joined
    // The bridge goes last of the members but the engine may still report
    // while it shuts down: nothing of ours may hear it by then.
    m_bridge->disconnect(this);
    if (m_loopDock) m_loopDock->disconnect(m_loopInspector);  // hiding it later must not reach the bridge
    m_snapshotTimer->stop();
    m_statusTimer->stop();
    m_refreshTimer->stop();
}

// --- Building -----------------------------------------------------------------------

void MainWindow::buildDocks() {
    m_channels = new QTreeView(this);
    m_channels->setModel(m_bridge->channelModel());
    m_channels->setUniformRowHeights(true);
    m_channels->setAllColumnsShowFocus(true);
    m_channels->setSelectionMode(QAbstractItemView::SingleSelection);
    m_channels->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_channels->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_channels->setExpandsOnDoubleClick(true);
    m_channels->setAccessibleName(tr("Channels"));
    m_channels->header()->setStretchLastSection(false);
    m_channels->header()->setSectionResizeMode(QHeaderView::Interactive);
    {
        const QFontMetrics fm(m_channels->font());
        auto w = [&](const char* s) { return fm.horizontalAdvance(QString::fromLatin1(s)) + 10; };
        QHeaderView* h = m_channels->header();
        // An accepted connection sits one level down: the root decoration plus one indent.
        h->resizeSection(ChannelModel::ColName, w("#00 accepted") + 2 * m_channels->indentation() - 6);
        h->resizeSection(ChannelModel::ColState, w("connected"));
        h->resizeSection(ChannelModel::ColPeer, w("127.0.0.1:00000"));
        h->resizeSection(ChannelModel::ColBytesIn, w("000000"));
        h->resizeSection(ChannelModel::ColBytesOut, w("000000"));
        h->resizeSection(ChannelModel::ColMsgsIn, w("0000"));
        h->resizeSection(ChannelModel::ColMsgsOut, w("0000"));
        h->resizeSection(ChannelModel::ColTerminator, w("\\r\\n\\r\\n"));
    }
    m_channelsDock = new QDockWidget(tr("Channels"), this);
    m_channelsDock->setObjectName(QStringLiteral("ChannelsDock"));
    m_channelsDock->setWidget(m_channels);
    addDockWidget(Qt::LeftDockWidgetArea, m_channelsDock);

    m_inspector = new ChannelInspector(this);
    m_inspectorDock = new QDockWidget(tr("Inspector"), this);
    m_inspectorDock->setObjectName(QStringLiteral("InspectorDock"));
    m_inspectorDock->setWidget(m_inspector);
    addDockWidget(Qt::RightDockWidgetArea, m_inspectorDock);

    m_payload = new PayloadView(this);
    m_payloadDock = new QDockWidget(tr("Bytes"), this);
    m_payloadDock->setObjectName(QStringLiteral("BytesDock"));
    m_payloadDock->setWidget(m_payload);
    addDockWidget(Qt::LeftDockWidgetArea, m_payloadDock);
    splitDockWidget(m_channelsDock, m_payloadDock, Qt::Vertical);
}

void MainWindow::buildActions() {
    auto make = [this](const QString& name, const QString& text, const QKeySequence& key, const QString& tip,
                       auto slot) {
        auto* a = new QAction(text, this);
        a->setObjectName(name);
        if (!key.isEmpty()) a->setShortcut(key);
        a->setToolTip(key.isEmpty() ? tip : tr("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        a->setStatusTip(tip);
        connect(a, &QAction::triggered, this, slot);
        addAction(a);
        m_actions.insert(name, a);
        return a;
    };
    make(QStringLiteral("connect"), tr("&Connect…"), QKeySequence(Qt::CTRL | Qt::Key_K),
         tr("Open a client channel to a host and port"), [this] { openConnectDialog(); });
    make(QStringLiteral("listen"), tr("&Listen…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L),
         tr("Open a listening channel (a server)"), [this] { openListenDialog(); });
    make(QStringLiteral("sendFile"), tr("Send &file…"), QKeySequence(Qt::CTRL | Qt::Key_O),
         tr("Push a file to the selected channel (a file producer)"), [this] { m_composer->chooseFile(); });
    make(QStringLiteral("clearLog"), tr("C&lear log"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete),
         tr("Forget every logged event (channels stay open)"), [this] { m_bridge->clearLog(); });
    make(QStringLiteral("removeClosed"), tr("&Remove closed channels"), QKeySequence(),
         tr("Take closed channels off the Channels list"), [this] {
             const int n = m_bridge->channelModel()->removeClosed();
             statusBar()->showMessage(n == 1 ? tr("Removed 1 closed channel") : tr("Removed %1 closed channels").arg(n),
                                      kStatusMessageMs);
         });
    make(QStringLiteral("quit"), tr("&Quit"), QKeySequence::Quit, tr("Close every channel and quit"),
         [this] { close(); });

    make(QStringLiteral("close"), tr("&Close"), QKeySequence(Qt::CTRL | Qt::Key_W),
         tr("close() the selected channel now; queued output is dropped"), [this] { closeChannel(); });
    make(QStringLiteral("closeWhenDone"), tr("Close &when done"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W),
         tr("close_when_done(): close once everything queued is sent"), [this] { closeChannelWhenDone(); });
    make(QStringLiteral("discard"), tr("&Discard buffers"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D),
         tr("discard_buffers(): drop queued input and output, stop a paced repeat"), [this] { discardBuffers(); });
    make(QStringLiteral("reconnect"), tr("&Reconnect"), QKeySequence(Qt::CTRL | Qt::Key_R),
         tr("Open the selected client (or listener) again with the same parameters"),
         [this] { reconnectChannel(); });
    make(QStringLiteral("editTerminator"), tr("Set &terminator…"), QKeySequence(Qt::CTRL | Qt::Key_T),
         tr("Edit the selected channel's terminator in the inspector"), [this] {
             m_inspectorDock->show();
             m_inspectorDock->raise();
             m_inspector->terminatorEdit()->setFocus(Qt::ShortcutFocusReason);
         });
    make(QStringLiteral("prevChannel"), tr("&Previous channel"), QKeySequence(Qt::ALT | Qt::Key_Up),
         tr("Select the channel above"), [this] { moveChannelSelection(-1); });
    make(QStringLiteral("nextChannel"), tr("&Next channel"), QKeySequence(Qt::ALT | Qt::Key_Down),
         tr("Select the channel below"), [this] { moveChannelSelection(+1); });

    make(QStringLiteral("find"), tr("&Find…"), QKeySequence::Find, tr("Search the conversation"),
         [this] { m_conversation->showFindBar(); });
    make(QStringLiteral("findNext"), tr("Find &next"), QKeySequence::FindNext, tr("Next match"),
         [this] { m_conversation->findNext(); });
    make(QStringLiteral("findPrevious"), tr("Find pre&vious"), QKeySequence::FindPrevious, tr("Previous match"),
         [this] { m_conversation->findPrevious(); });
    make(QStringLiteral("filter"), tr("F&ilter…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F),
         tr("Filter the conversation by text"), [this] { m_conversation->focusFilter(); });
    make(QStringLiteral("focusComposer"), tr("Focus &composer"), QKeySequence(Qt::CTRL | Qt::Key_L),
         tr("Type a message"), [this] { m_composer->focusEditor(); });
    make(QStringLiteral("focusChannels"), tr("Focus c&hannels"), QKeySequence(Qt::CTRL | Qt::Key_1),
         tr("Move to the Channels list"), [this] {
             m_channelsDock->show();
             m_channels->setFocus(Qt::ShortcutFocusReason);
         });
    make(QStringLiteral("focusConversation"), tr("Focus con&versation"), QKeySequence(Qt::CTRL | Qt::Key_2),
         tr("Move to the conversation"), [this] {
             // Arrow keys then start from the newest row, not the first.
             if (m_conversation->currentRow() < 0 && m_conversation->model()->rowCount() > 0)
                 m_conversation->selectRow(m_conversation->model()->rowCount() - 1);
             m_conversation->table()->setFocus(Qt::ShortcutFocusReason);
         });
    make(QStringLiteral("focusInspector"), tr("Focus &inspector"), QKeySequence(Qt::CTRL | Qt::Key_3),
         tr("Move to the inspector"), [this] {
             m_inspectorDock->show();
             m_inspector->terminatorEdit()->setFocus(Qt::ShortcutFocusReason);
         });
    QAction* scope = make(QStringLiteral("selectedOnly"), tr("&Selected channel only"),
                          QKeySequence(Qt::CTRL | Qt::Key_E),
                          tr("Show only the selected channel (a listener: with its connections)"), [] {});
    scope->setCheckable(true);
    connect(scope, &QAction::toggled, this, [this](bool on) { m_conversation->setScopeToSelection(on); });

    make(QStringLiteral("shortcuts"), tr("&Keyboard shortcuts"), QKeySequence::HelpContents,
         tr("List the keyboard shortcuts"), [this] { showShortcuts(); });
    make(QStringLiteral("about"), tr("&About Linewright"), QKeySequence(), tr("Version and licence"),
         [this] { showAbout(); });

    // The conversation's own actions (messages mode, follow, copy) as window actions too.
    addAction(m_conversation->messagesAction());
    addAction(m_conversation->followAction());
    m_actions.insert(QStringLiteral("messages"), m_conversation->messagesAction());
    m_actions.insert(QStringLiteral("follow"), m_conversation->followAction());

    // The Channels list's context menu.
    for (const char* name : {"close", "closeWhenDone", "discard", "reconnect", "editTerminator", "sendFile"})
        m_channels->addAction(m_actions.value(QLatin1String(name)));
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(action(QStringLiteral("connect")));
    file->addAction(action(QStringLiteral("listen")));
    m_recentMenu = file->addMenu(tr("&Recent"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    file->addSeparator();
    file->addAction(action(QStringLiteral("sendFile")));
    file->addSeparator();
    file->addAction(action(QStringLiteral("clearLog")));
    file->addAction(action(QStringLiteral("removeClosed")));
    file->addSeparator();
    file->addAction(action(QStringLiteral("quit")));

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    for (QAction* a : m_conversation->copyActions()) edit->addAction(a);
    edit->addSeparator();
    edit->addAction(action(QStringLiteral("find")));
    edit->addAction(action(QStringLiteral("findNext")));
    edit->addAction(action(QStringLiteral("findPrevious")));
    edit->addAction(action(QStringLiteral("filter")));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(action(QStringLiteral("messages")));
    view->addAction(action(QStringLiteral("follow")));
    view->addAction(action(QStringLiteral("selectedOnly")));
    view->addSeparator();
    view->addAction(action(QStringLiteral("focusComposer")));
    view->addAction(action(QStringLiteral("focusChannels")));
    view->addAction(action(QStringLiteral("focusConversation")));
    view->addAction(action(QStringLiteral("focusInspector")));
    view->addSeparator();
    QAction* ch = m_channelsDock->toggleViewAction();
    ch->setText(tr("Channels panel"));
    view->addAction(ch);
    QAction* in = m_inspectorDock->toggleViewAction();
    in->setText(tr("Inspector panel"));
    view->addAction(in);
    QAction* by = m_payloadDock->toggleViewAction();
    by->setText(tr("Bytes panel"));
    view->addAction(by);
    view->addSeparator();
    QMenu* scheme = view->addMenu(tr("Colour &scheme"));
    auto* schemes = new QActionGroup(this);
    const std::pair<ColorScheme, QString> choices[] = {
        {ColorScheme::System, tr("Follow the &system")},
        {ColorScheme::Light, tr("&Light")},
        {ColorScheme::Dark, tr("&Dark")},
    };
    for (const auto& [value, text] : choices) {
        QAction* a = scheme->addAction(text);
        a->setCheckable(true);
        a->setData(static_cast<int>(value));
        a->setObjectName(QStringLiteral("scheme%1").arg(static_cast<int>(value)));
        schemes->addAction(a);
        m_actions.insert(a->objectName(), a);
        connect(a, &QAction::triggered, this, [this, value] {
            applyColorScheme(value, m_systemPalette);
            settings::setIntValue(kColorScheme, static_cast<int>(value));
        });
    }

    QMenu* channel = menuBar()->addMenu(tr("&Channel"));
    channel->addAction(action(QStringLiteral("close")));
    channel->addAction(action(QStringLiteral("closeWhenDone")));
    channel->addAction(action(QStringLiteral("discard")));
    channel->addAction(action(QStringLiteral("reconnect")));
    channel->addSeparator();
    channel->addAction(action(QStringLiteral("editTerminator")));
    channel->addAction(action(QStringLiteral("sendFile")));
    channel->addSeparator();
    channel->addAction(action(QStringLiteral("prevChannel")));
    channel->addAction(action(QStringLiteral("nextChannel")));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(action(QStringLiteral("shortcuts")));
    help->addAction(action(QStringLiteral("about")));
}

void MainWindow::buildToolBar() {
    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("MainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->setMovable(false);
    bar->addAction(action(QStringLiteral("connect")));
    bar->addAction(action(QStringLiteral("listen")));
    bar->addSeparator();
    bar->addAction(action(QStringLiteral("close")));
    bar->addAction(action(QStringLiteral("closeWhenDone")));
    bar->addAction(action(QStringLiteral("discard")));
    bar->addAction(action(QStringLiteral("reconnect")));
    bar->addSeparator();
    bar->addAction(action(QStringLiteral("messages")));
    bar->addAction(action(QStringLiteral("selectedOnly")));
    bar->addAction(action(QStringLiteral("clearLog")));
}

QAction* MainWindow::action(const QString& name) const {
    return m_actions.value(name);
}

// --- Settings -----------------------------------------------------------------------

void MainWindow::restoreSettings() {
    const QByteArray geometry = settings::bytesValue(kGeometry);
    if (geometry.isEmpty() || !restoreGeometry(geometry)) {
        const QRect avail = screen() ? screen()->availableGeometry() : QRect(0, 0, 1400, 880);
        resize(qMin(1400, avail.width()), qMin(880, avail.height()));
        const bool narrow = width() < 1450;
        resizeDocks({m_channelsDock, m_inspectorDock}, {narrow ? 325 : 345, narrow ? 280 : 320}, Qt::Horizontal);
        resizeDocks({m_channelsDock, m_payloadDock}, {height() / 2, height() / 3}, Qt::Vertical);
    }
    restoreState(settings::bytesValue(kState));
    m_conversation->restoreHeaderState(settings::bytesValue(kHeader));
    const QByteArray ch = settings::bytesValue(kChannelsHeader);
    if (!ch.isEmpty()) m_channels->header()->restoreState(ch);
    m_conversation->setMessagesMode(settings::boolValue(kMessagesMode, false));
    action(QStringLiteral("selectedOnly"))->setChecked(settings::boolValue(kScope, false));
    m_composer->setAppendTerminator(settings::boolValue(kAppendTerm, true));
    m_composer->setSyntax(settings::boolValue(kHexSyntax, false) ? ByteSyntax::Hex : ByteSyntax::Escaped);
    m_composer->setHistory(settings::composerHistory());
    const int scheme = qBound(0, settings::intValue(kColorScheme, 0), 2);
    action(QStringLiteral("scheme%1").arg(scheme))->setChecked(true);
    if (scheme != 0) applyColorScheme(static_cast<ColorScheme>(scheme), m_systemPalette);
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

void MainWindow::saveSettings() {
    settings::setBytesValue(kGeometry, saveGeometry());
    settings::setBytesValue(kState, saveState());
    settings::setBytesValue(kHeader, m_conversation->saveHeaderState());
    settings::setBytesValue(kChannelsHeader, m_channels->header()->saveState());
    settings::setBoolValue(kMessagesMode, m_conversation->messagesMode());
    settings::setBoolValue(kScope, action(QStringLiteral("selectedOnly"))->isChecked());
    settings::setBoolValue(kAppendTerm, m_composer->appendTerminator());
    settings::setBoolValue(kHexSyntax, m_composer->syntax() == ByteSyntax::Hex);
    settings::setComposerHistory(m_composer->history());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    shutdownSession();
    if (m_connectDialog) m_connectDialog->close();
    if (m_listenDialog) m_listenDialog->close();
    event->accept();
}

void MainWindow::rebuildRecentMenu() {
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
            if (t.kind == RecentTarget::Kind::Connect)
                connectTo(t.connectParams());
            else
                listenOn(t.listenParams());
        });
    }
    m_recentMenu->addSeparator();
    QAction* clear = m_recentMenu->addAction(tr("Clear recent"));
    connect(clear, &QAction::triggered, this, [] { settings::clearRecentTargets(); });
}

// --- Opening channels ----------------------------------------------------------------

ConnectParams MainWindow::defaultConnectParams() const {
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

ConnectDialog* MainWindow::openConnectDialog() {
    if (m_connectDialog) {
        m_connectDialog->raise();
        m_connectDialog->activateWindow();
        return m_connectDialog;
    }
    auto* dialog = new ConnectDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setRecentTargets(settings::recentTargets());
    dialog->setParams(defaultConnectParams());
    connect(dialog, &QDialog::accepted, this, [this, dialog] { connectTo(dialog->params()); });
    // Without a window manager nobody hands the keyboard back when the dialog goes.
    connect(dialog, &QDialog::finished, this, [this] { activateWindow(); });
    m_connectDialog = dialog;
    dialog->open();
    dialog->hostBox()->setFocus();
    dialog->hostBox()->lineEdit()->selectAll();
    return dialog;
}

ListenDialog* MainWindow::openListenDialog() {
    if (m_listenDialog) {
        m_listenDialog->raise();
        m_listenDialog->activateWindow();
        return m_listenDialog;
    }
    auto* dialog = new ListenDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setParams(m_lastListen);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { listenOn(dialog->params()); });
    connect(dialog, &QDialog::finished, this, [this] { activateWindow(); });
    m_listenDialog = dialog;
    dialog->open();
    dialog->portBox()->setFocus();
    dialog->portBox()->selectAll();
    return dialog;
}

engine::ChannelId MainWindow::listenOn(const ListenParams& params) {
    const engine::ChannelId id = m_bridge->openServer(params.host, params.port, params.options());
    m_listenParams.insert(id, params);
    m_lastListen = params;
    m_lastListener = id;
    m_listenedSinceConnect = true;
    settings::addRecentTarget(RecentTarget::from(params));
    statusBar()->showMessage(tr("%1: listening on %2…").arg(channelLabel(id), hostPort(params.host, params.port)),
                             kStatusMessageMs);
    selectChannel(id);
    return id;
}

engine::ChannelId MainWindow::connectTo(const ConnectParams& params) {
    const engine::ChannelId id =
        m_bridge->openClient(params.host, params.port, params.options(), engineFamily(params.family));
    m_clientParams.insert(id, params);
    m_lastConnect = params;
    m_listenedSinceConnect = false;
    settings::addRecentTarget(RecentTarget::from(params));
    statusBar()->showMessage(tr("%1: connecting to %2…").arg(channelLabel(id), hostPort(params.host, params.port)),
                             kStatusMessageMs);
    selectChannel(id);
    m_composer->focusEditor();
    return id;
}

// --- Channel actions -------------------------------------------------------------------

void MainWindow::closeChannel() {
    if (m_current == 0) return;
    m_bridge->reactor().close(m_current);
}

void MainWindow::closeChannelWhenDone() {
    if (m_current == 0) return;
    m_bridge->reactor().closeWhenDone(m_current);
}

void MainWindow::discardBuffers() {
    if (m_current == 0) return;
    m_bridge->reactor().discardBuffers(m_current);
    statusBar()->showMessage(tr("%1: discard_buffers()").arg(channelLabel(m_current)), kStatusMessageMs);
}

engine::ChannelId MainWindow::reconnectChannel() {
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
    statusBar()->showMessage(tr("Only clients and listeners can be reopened."), kStatusMessageMs);
    return 0;
}

void MainWindow::selectChannel(engine::ChannelId id) {
    const QModelIndex idx = m_bridge->channelModel()->indexForChannel(id);
    if (idx.isValid()) {
        m_channels->setCurrentIndex(idx);
        m_channels->scrollTo(idx);
    } else {
        m_current = id;
        onChannelSelectionChanged();
    }
}

void MainWindow::moveChannelSelection(int step) {
    QModelIndex cur = m_channels->currentIndex();
    QModelIndex next;
    if (!cur.isValid())
        next = m_bridge->channelModel()->index(0, 0);
    else
        next = step < 0 ? m_channels->indexAbove(cur) : m_channels->indexBelow(cur);
    if (next.isValid()) m_channels->setCurrentIndex(next);
}

// --- Events ---------------------------------------------------------------------------------

void MainWindow::onBatch(const std::vector<engine::Event>& batch) {
    using K = engine::EventKind;
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
            notify(tr("%1: %2").arg(where, QString::fromStdString(e.info)), int(NotificationBanner::Severity::Error), e.seq);
            break;
        }
        case K::Warning:
            if (e.warningCode() == engine::WarningCode::ProducerError ||
                e.warningCode() == engine::WarningCode::AcceptFailed || e.warningCode() == engine::WarningCode::Backlog)
                notify(tr("%1: %2").arg(channelLabel(e.channel), QString::fromStdString(e.info)),
                       int(NotificationBanner::Severity::Warning), e.seq);
            break;
        case K::Closed:
            // Closed on an error, or by the peer with an errno (a reset: asyncore
            // turns ECONNRESET into handle_close, so no `error` event precedes it).
            if ((e.closeReason() == engine::CloseReason::Error || e.error != 0) && !errored.contains(e.channel)) {
                QString detail = QString::fromStdString(e.info);
                if (detail.isEmpty()) detail = tr("closed on error");
                const QString who = e.closeReason() == engine::CloseReason::Peer ? tr("closed by the peer: ") : QString();
                notify(tr("%1: %2%3").arg(channelLabel(e.channel), who, detail), int(NotificationBanner::Severity::Error),
                       e.seq);
            }
            break;
        case K::Listening:
            if (m_listenParams.contains(e.channel))
                statusBar()->showMessage(
                    tr("%1: listening on %2").arg(channelLabel(e.channel), QString::fromStdString(e.info)),
                    kStatusMessageMs);
            break;
        case K::Connected:
            statusBar()->showMessage(tr("%1: connected to %2").arg(channelLabel(e.channel), QString::fromStdString(e.info)),
                                     kStatusMessageMs);
            break;
        default: break;
        }
    }
}

void MainWindow::onEventsAppended() {
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

void MainWindow::notify(const QString& text, int severity, std::uint64_t seq) {
    m_banner->showMessage(text, static_cast<NotificationBanner::Severity>(severity), seq);
    statusBar()->showMessage(text, kStatusMessageMs);
}

void MainWindow::revealEvent(std::uint64_t seq) {
    int row = m_bridge->eventModel()->viewRowForSeq(seq);
    if (row < 0) {
        // Filtered out: show everything (but the snapshots) and try again.
        m_conversation->setScopeToSelection(false);
        m_conversation->setKinds(ConversationView::defaultKinds());
        m_conversation->setFilterText(QString());
        m_conversation->setDirection(std::nullopt);
        m_conversation->applyFilterNow();
        row = m_bridge->eventModel()->viewRowForSeq(seq);
    }
    if (row >= 0) {
        m_conversation->setFollowTail(false);
        m_conversation->selectRow(row);
        m_conversation->table()->setFocus();
    }
}

void MainWindow::onChannelSelectionChanged() {
    const QModelIndex idx = m_channels->currentIndex();
    if (idx.isValid()) m_current = static_cast<engine::ChannelId>(idx.data(ChannelModel::ChannelIdRole).toUInt());
    m_snapshotDirty = true;
    updateScope();
    refreshCurrent();
    requestSnapshot();
}

void MainWindow::updateScope() {
    const ChannelInfo* info = currentInfo();
    if (!info) {
        m_conversation->setSelectedChannels({}, QString());
        return;
    }
    QSet<engine::ChannelId> set{info->id};
    if (info->role == engine::ChannelRole::Listener) {
        for (engine::ChannelId id : m_bridge->channelModel()->channels()) {
            const ChannelInfo* child = m_bridge->channelModel()->info(id);
            if (child && child->parent == info->id) set.insert(id);
        }
    }
    m_conversation->setSelectedChannels(set, channelLabel(info->id));
}

const ChannelInfo* MainWindow::currentInfo() const {
    return m_current == 0 ? nullptr : m_bridge->channelModel()->info(m_current);
}

QString MainWindow::channelTitle(const ChannelInfo& info) const {
    QString where = info.role == engine::ChannelRole::Listener ? info.local : info.peer;
    if (where.isEmpty()) where = info.host;
    return where.isEmpty() ? channelLabel(info.id) : tr("%1 %2").arg(channelLabel(info.id), where);
}

void MainWindow::refreshCurrent() {
    const ChannelInfo* info = currentInfo();
    m_inspector->showChannel(info);
    if (!info) {
        m_composer->setTarget(0, QString(), std::nullopt, false);
        updateChannelActions();
        setWindowTitle(m_readOnly ? sessionHeaderTitle() : tr("Linewright"));
        return;
    }
    const bool canSend = info->role != engine::ChannelRole::Listener && info->phase == engine::ChannelPhase::Connected;
    m_composer->setTarget(info->id, channelTitle(*info),
                          info->terminatorKnown ? std::optional<engine::Terminator>(info->terminator) : std::nullopt,
                          canSend);
    if (info->hasSnapshot) {
        // Buffered bytes, or what the producers still hold if they can tell (a file, a repeat).
        std::uint64_t held = 0;
        for (const engine::FifoEntryState& f : info->last.fifo)
            if (f.remaining > 0) held += static_cast<std::uint64_t>(f.remaining);
        const bool open = info->phase != engine::ChannelPhase::Closed;
        m_composer->setFifo(open ? qMax(held, info->last.queuedBytes) : 0, open ? info->last.fifoEntries : 0);
    }
    updateChannelActions();
    setWindowTitle(m_readOnly ? sessionHeaderTitle() : tr("%1 — Linewright").arg(channelTitle(*info)));
}

void MainWindow::updateChannelActions() {
    const ChannelInfo* info = currentInfo();
    const bool open = info && info->phase != engine::ChannelPhase::Closed;
    const bool stream = info && info->role != engine::ChannelRole::Listener;
    action(QStringLiteral("close"))->setEnabled(open);
    action(QStringLiteral("closeWhenDone"))->setEnabled(open && stream);
    action(QStringLiteral("discard"))->setEnabled(open && stream);
    action(QStringLiteral("reconnect"))
        ->setEnabled(info && (m_clientParams.contains(info->id) || m_listenParams.contains(info->id)));
    action(QStringLiteral("editTerminator"))->setEnabled(open);
    action(QStringLiteral("sendFile"))->setEnabled(open && stream && info->phase == engine::ChannelPhase::Connected);
    if (m_readOnly) applyReadOnly();
}

void MainWindow::requestSnapshot() {
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

void MainWindow::updateStatus() {
    StatusBarWidgets::Figures f;
    f.channelsOpen = m_bridge->channelModel()->openChannels();
    f.bytesInPerSec = m_bridge->bytesInPerSec();
    f.bytesOutPerSec = m_bridge->bytesOutPerSec();
    f.eventsPerSec = m_bridge->eventsPerSec();
    f.events = m_bridge->store().size();
    f.logBytes = m_bridge->store().memoryBytes();
    f.worstLagMs = m_latency->worstDelayMs(5);
    f.lagWindowSeconds = 5;
    m_figures->setFigures(f);
}

// --- Help ---------------------------------------------------------------------------------

void MainWindow::showShortcuts() {
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Keyboard shortcuts"));
    auto* text = new QTextBrowser(dialog);
    QString html = QStringLiteral("<table cellspacing=4>");
    auto row = [&](const QString& keys, const QString& what) {
        html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(keys.toHtmlEscaped(), what.toHtmlEscaped());
    };
    auto section = [&](const QString& title) {
        html += QStringLiteral("<tr><td colspan=2><br><i>%1</i></td></tr>").arg(title.toHtmlEscaped());
    };
    section(tr("Channels"));
    for (const char* name : {"connect", "listen", "close", "closeWhenDone", "discard", "reconnect", "editTerminator",
                             "sendFile", "prevChannel", "nextChannel"}) {
        QAction* a = action(QLatin1String(name));
        row(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(QLatin1Char('&')));
    }
    section(tr("Sessions"));
    for (const char* name : {"openSession", "saveSessionAs", "summary", "replay"})
        if (QAction* a = action(QLatin1String(name)))
            row(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(QLatin1Char('&')));
    section(tr("Composer"));
    row(QStringLiteral("Enter"), tr("Send the message (with the terminator if “+ terminator” is on)"));
    row(QStringLiteral("↑ / ↓"), tr("Earlier / later messages"));
    row(QStringLiteral("Ctrl+L"), tr("Focus the composer"));
    row(QStringLiteral("\\r \\n \\t \\0 \\\\ \\xNN"), tr("Escapes in text mode; invalid ones are underlined"));
    section(tr("Conversation"));
    for (const char* name : {"find", "findNext", "findPrevious", "filter", "messages", "follow", "selectedOnly",
                             "focusConversation", "focusChannels", "focusInspector", "clearLog"}) {
        QAction* a = action(QLatin1String(name));
        row(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(QLatin1Char('&')));
    }
    for (QAction* a : m_conversation->copyActions())
        if (!a->shortcut().isEmpty()) row(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(QLatin1Char('&')));
    row(QStringLiteral("End"), tr("Jump to the newest event and follow"));
    row(QStringLiteral("Esc"), tr("Close the find bar"));
    if (m_loopInspector) {
        section(tr("Loop"));
        for (QAction* a : {m_loopDock->toggleViewAction(), m_loopInspector->pauseAction(),
                           m_loopInspector->stepAction(), m_loopInspector->resumeAction(),
                           m_loopInspector->slowMotionAction()})
            row(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(QLatin1Char('&')));
    }
    html += QStringLiteral("</table>");
    text->setHtml(html);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    auto* col = new QVBoxLayout(dialog);
    col->addWidget(text);
    col->addWidget(buttons);
    dialog->resize(560, 640);
    dialog->show();  // not modal: it can stay open beside the window
}

void MainWindow::showAbout() {
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("About Linewright"));
    auto* label = new QLabel(dialog);
    label->setTextFormat(Qt::RichText);
    label->setWordWrap(true);
    label->setText(tr("<h3>Linewright %1</h3>"
                      "<p>A workbench for terminator-framed TCP protocols, built on a C++ "
                      "reimplementation of Python's asyncore/asynchat.</p>"
                      "<p>Qt %2 (built with Qt %3) · engine backend %4</p>"
                      "<p>Build: %5, %6, %7, %8</p>")
                       .arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion()),
                            QStringLiteral(QT_VERSION_STR),
                            latin1(engine::backendName(m_bridge->reactor().backend())),
                            QStringLiteral(LW_BUILD_TYPE), QStringLiteral(LW_COMPILER),
                            QStringLiteral(LW_BUILD_SYSTEM), QStringLiteral(__DATE__)));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    auto* col = new QVBoxLayout(dialog);
    col->addWidget(label);
    col->addWidget(buttons);
    dialog->show();
}

}  // namespace ui
