// MainWindow.cpp — the layout, the window's own actions, menus and toolbar,
// the settings, the status bar, and the glue between the controllers.
#include "ui/MainWindow.h"
#include "ui/views/RepaintThrottle.h"

#include "ui/ChannelsController.h"
#include "ui/Settings.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/Formatters.h"
#include "ui/model/UiLatencyMonitor.h"
#include "ui/session/MockDialog.h"
#include "ui/session/ReplayDialog.h"
#include "ui/script/ScriptPane.h"
#include "ui/session/SessionController.h"
#include "ui/teaching/LoopInspector.h"
#include "ui/teaching/TeachingController.h"
#include "ui/views/ChannelInspector.h"
#include "ui/views/InterceptPane.h"
#include "ui/views/ColorScheme.h"
#include "ui/views/ColumnWidths.h"
#include "ui/views/Composer.h"
#include "ui/views/SnippetBar.h"
#include "ui/views/ConversationView.h"
#include "ui/views/EventDelegate.h"
#include "ui/views/FieldView.h"
#include "ui/views/NotificationBanner.h"
#include "ui/views/PayloadView.h"
#include "ui/views/StatusBarWidgets.h"
#include "ui/views/TerminatorEdit.h"

#include <QAction>
#include <QItemSelection>
#include <QItemSelectionModel>
#include <QTableView>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QShowEvent>
#include <QStatusBar>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

#include <initializer_list>

namespace ui {
namespace {

constexpr int kStatusMessageMs = 10000;

const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kHeader = QStringLiteral("conversation/header");
const QString kChannelsHeader = QStringLiteral("channels/header");
const QString kMessagesMode = QStringLiteral("conversation/messagesMode");
const QString kScope = QStringLiteral("conversation/selectedOnly");
const QString kAppendTerm = QStringLiteral("composer/appendTerminator");
const QString kHexSyntax = QStringLiteral("composer/hex");
const QString kLinesOneMessage = QStringLiteral("composer/linesAsOneMessage");
const QString kAskOnPaste = QStringLiteral("composer/askOnPaste");
const QString kSnippets = QStringLiteral("composer/snippets");
// From this screen width on, the Bytes panel starts under the conversation.
constexpr int kBytesUnderFrom = 1280;
const QString kColorScheme = QStringLiteral("view/colorScheme");

QString latin1(std::string_view s) {
    return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size()));
}

// The window's actions named in `names` added to `to` (a menu or a tool bar)
// in order; "-" adds a separator.
template <class Bar>
void addNamed(Bar* to, const ui::MainWindow* window, std::initializer_list<const char*> names) {
    for (const char* name : names) {
        if (qstrcmp(name, "-") == 0)
            to->addSeparator();
        else
            to->addAction(window->action(QString::fromLatin1(name)));
    }
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_bridge(std::make_unique<EngineBridge>()) {
    setWindowTitle(tr("Linewright"));
    setObjectName(QStringLiteral("MainWindow"));
    setDockNestingEnabled(true);

    m_latency = new UiLatencyMonitor(this);
    m_systemPalette = QApplication::palette();

    buildViews();
    buildDocks();
    buildControllers();
    buildActions();
    buildMenus();
    buildToolBar();

    statusBar()->insertPermanentWidget(0, m_sessionController->recordingIndicator());
    // A paused loop moves nothing (a Connect stays "connecting"): always say so.
    m_loopPaused = new QLabel(tr("<b>Loop paused</b> (F8 resumes)"), this);
    m_loopPaused->setObjectName(QStringLiteral("loopPausedLabel"));
    m_loopPaused->setToolTip(tr("The engine's loop is paused: nothing is read, sent or connected until you step "
                                "(F7) or resume (F8)"));
    m_loopPaused->hide();
    statusBar()->insertPermanentWidget(0, m_loopPaused);
    m_figures = new StatusBarWidgets(this);
    statusBar()->addPermanentWidget(m_figures);
    statusBar()->setSizeGripEnabled(true);
    m_statusTimer = new QTimer(this);
    m_statusTimer->setInterval(1000);
    connect(m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    m_statusTimer->start();

    // While a backlog drains (a slice every event-loop turn) the busy views
    // repaint at most ~30 times a second; a key press still shows at once.
    // (Not the status bar: its figures change once a second, and a release
    // would repaint it whole.)
    m_repaintThrottle = new RepaintThrottle(this);
    m_repaintThrottle->watch(m_conversation);
    m_repaintThrottle->watch(m_channels);
    connect(m_bridge.get(), &EngineBridge::eventsAppended, m_repaintThrottle, &RepaintThrottle::dataArrived);

    connectParts();
    restoreSettings();
    m_channelsController->selectionChanged();
    updateStatus();
    showStatus(tr("Ready. Listen… (Ctrl+Shift+L) or Connect… (Ctrl+K) to start."));
}

MainWindow::~MainWindow() {
    m_sessionController->shutdown();  // the recording ends with `stopped`; jobs are joined
    m_scriptPane->setReactor(nullptr);  // a script running in the window's loop is stopped before it goes
    // The bridge goes last of the members but the engine may still report
    // while it shuts down: nothing of ours may hear it by then (the
    // controllers go before it, and their connections with them).
    m_bridge->disconnect(this);
    m_statusTimer->stop();
}

// --- Building -----------------------------------------------------------------------

void MainWindow::buildViews() {
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
}

void MainWindow::buildDocks() {
    m_channels = new QTreeView(this);
    m_channels->setModel(m_bridge->channelModel());
    m_channels->setUniformRowHeights(true);
    m_channels->setAllColumnsShowFocus(true);
    m_channels->setSelectionMode(QAbstractItemView::SingleSelection);
    m_channels->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_channels->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_channels->setExpandsOnDoubleClick(true);
    // A channel's name is edited with F2 (Channel ▸ Rename…), not by a double-click (it expands).
    m_channels->setEditTriggers(QAbstractItemView::EditKeyPressed);
    m_channels->setAccessibleName(tr("Channels"));
    m_channels->header()->setStretchLastSection(false);
    m_channels->header()->setSectionResizeMode(QHeaderView::Interactive);
    {
        const QFontMetrics fm(m_channels->font());
        const int pad = 10;
        QHeaderView* h = m_channels->header();
        // An accepted connection sits one level down: the root decoration plus one indent.
        h->resizeSection(ChannelModel::ColName,
                         fm.horizontalAdvance(QStringLiteral("#00 accepted")) + pad + 2 * m_channels->indentation() - 6);
        fitColumns(h, fm, pad,
                   {{ChannelModel::ColState, "connected"},
                    {ChannelModel::ColPeer, "127.0.0.1:00000"},
                    {ChannelModel::ColBytesIn, "000000"},
                    {ChannelModel::ColBytesOut, "000000"},
                    {ChannelModel::ColMsgsIn, "0000"},
                    {ChannelModel::ColMsgsOut, "0000"},
                    {ChannelModel::ColTerminator, "\\r\\n\\r\\n"}});
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
    // Along the bottom of the window, under the conversation and the composer
    // (Wireshark's bytes pane): one whole 16-byte row of its Hex tab fits
    // there, where the side column (a fifth of the window) was too narrow.
    // (The corners stay the bottom area's, as Loop ▸ Teaching layout expects.)
    // On a small screen (narrower than kBytesUnderFrom) the height is worth
    // more: there it shares the left column with Channels, as before.
    const QRect avail = screen() ? screen()->availableGeometry() : QRect(0, 0, 1400, 880);
    if (avail.width() >= kBytesUnderFrom) {
        addDockWidget(Qt::BottomDockWidgetArea, m_payloadDock);
    } else {
        addDockWidget(Qt::LeftDockWidgetArea, m_payloadDock);
        splitDockWidget(m_channelsDock, m_payloadDock, Qt::Vertical);
    }

    m_scriptPane = new ScriptPane(this);
    m_scriptDock = new QDockWidget(tr("Script"), this);
    m_scriptDock->setObjectName(QStringLiteral("ScriptDock"));
    m_scriptDock->setWidget(m_scriptPane);
    addDockWidget(Qt::RightDockWidgetArea, m_scriptDock);
    tabifyDockWidget(m_inspectorDock, m_scriptDock);  // the right column's full height, a tab beside the inspector
    m_scriptDock->hide();
    // Make from channel: the conversation of the selected channel (or the
    // first that carried bytes), its rows taken from the store through an
    // EventIndex (not a copy of every event the window holds).
    m_scriptPane->setEventSource([this](std::optional<engine::ChannelId>& channel) {
        if (const engine::ChannelId id = currentChannel()) channel = id;
        return ScriptPane::channelEvents(m_bridge->store(), channel);
    });
    // Scripts run in the window's own loop (a channel of the window; the
    // Loop inspector's pause and step apply), and a result shows its bytes
    // in the main conversation too.
    m_scriptPane->setReactor(&m_bridge->reactor());
    m_scriptPane->setMainJump([this](engine::HostId host, std::size_t connection, bool out, std::int64_t offset) {
        const std::uint64_t seq = ScriptPane::seqForStepBytes(m_bridge->store(), host, connection, out, offset);
        if (seq == 0) return false;
        revealEvent(seq);
        return true;
    });
    m_interceptPane = new InterceptPane(this);
    m_interceptDock = new QDockWidget(tr("Intercept"), this);
    m_interceptDock->setObjectName(QStringLiteral("InterceptDock"));
    m_interceptDock->setWidget(m_interceptPane);
    addDockWidget(Qt::BottomDockWidgetArea, m_interceptDock);
    m_interceptDock->hide();  // File ▸ Proxy… shows it
}

void MainWindow::buildControllers() {
    // Teaching first: its inspector and examples hear each batch before the
    // channels do, as they always have.
    m_teachingController = std::make_unique<TeachingController>(m_bridge.get(), this, this);
    addDockWidget(Qt::BottomDockWidgetArea, m_teachingController->loopDock());
    m_teachingController->loopDock()->hide();
    addDockWidget(Qt::BottomDockWidgetArea, m_teachingController->exampleDock());
    m_teachingController->exampleDock()->hide();

    m_sessionController = std::make_unique<SessionController>(
        m_bridge.get(), this, [this] { return currentChannel(); }, this);
    // A session opened in a window that was used already gets a window of its own.
    m_sessionController->setWindowFactory([] {
        auto* window = new MainWindow;
        window->setAttribute(Qt::WA_DeleteOnClose);
        return window->sessionController();
    });
    // An example asked for in a read-only window runs in a new live one.
    m_teachingController->setWindowFactory([] {
        auto* window = new MainWindow;
        window->setAttribute(Qt::WA_DeleteOnClose);
        window->show();
        window->raise();
        window->activateWindow();
        return window->teachingController();
    });

    ChannelsController::Views views;
    views.channels = m_channels;
    views.conversation = m_conversation;
    views.composer = m_composer;
    views.inspector = m_inspector;
    views.intercept = m_interceptPane;
    m_channelsController = std::make_unique<ChannelsController>(m_bridge.get(), this, views, this);
    // The Fields tab parses a channel's groups with its preset's parser (RESP for redis, …).
    m_payload->fieldView()->setPresetLookup([this](engine::ChannelId ch) {
        const ChannelProtocol* p = m_channelsController->protocols().find(ch);
        return p ? p->choice.preset : QString();
    });
    // Fields ▸ Select group: the group's messages selected in the conversation (the current row stays).
    connect(m_payload->fieldView(), &FieldView::selectGroupRequested, this, [this] {
        const EventLogModel* model = m_bridge->eventModel();
        QItemSelection sel;
        for (std::size_t row : m_payload->fieldView()->groupRows(m_bridge->store())) {
            const int v = model->viewRowForSeq(m_bridge->store().record(row).seq);
            if (v >= 0) sel.select(model->index(v, 0), model->index(v, model->columnCount() - 1));
        }
        if (!sel.isEmpty())
            m_conversation->table()->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect);
    });
}

void MainWindow::buildActions() {
    const auto make = [this](const QString& name, const QString& text, const QKeySequence& key, const QString& tip,
                             auto slot) { return m_actions.add(name, text, key, tip, this, slot); };
    make(QStringLiteral("clearLog"), tr("C&lear log"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete),
         tr("Forget every logged event (channels stay open)"), [this] { m_bridge->clearLog(); });
    QAction* quit = make(QStringLiteral("quit"), tr("&Quit"), QKeySequence::Quit, tr("Close every channel and quit"),
         [this] {
             if (quitNeedsConfirmation())
                 askToQuit();
             else
                 close();
         });
    quit->setShortcuts(quitShortcuts(QKeySequence::keyBindings(QKeySequence::Quit)));
    make(QStringLiteral("resetLayout"), tr("&Reset layout"), QKeySequence(),
         tr("Panels, toolbar and their sizes as on a first run"), [this] { resetLayout(); });

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
    addAction(m_conversation->compactAction());
    m_actions.insert(QStringLiteral("compact"), m_conversation->compactAction());
    m_actions.insert(QStringLiteral("follow"), m_conversation->followAction());
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    addNamed(file, this, {"openSession", "saveSessionAs"});
    file->addMenu(m_sessionController->exportMenu());
    addNamed(file, this, {"-", "summary", "replay", "mock", "-", "recordSession", "recordByDefault", "showSessions", "-",
                          "connect", "listen", "proxy"});
    file->addMenu(m_channelsController->recentMenu());
    addNamed(file, this, {"-", "sendFile", "-", "clearLog", "removeClosed", "-", "quit"});

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    for (QAction* a : m_conversation->copyActions()) edit->addAction(a);
    addNamed(edit, this, {"-", "find", "findNext", "findPrevious", "filter", "-", "preferences"});

    QMenu* view = menuBar()->addMenu(tr("&View"));
    addNamed(view, this, {"messages", "compact", "follow", "selectedOnly", "-", "focusComposer", "focusChannels",
                          "focusConversation", "focusInspector", "-"});
    const std::pair<QDockWidget*, QString> panels[] = {
        {m_channelsDock, tr("Channels panel")},
        {m_inspectorDock, tr("Inspector panel")},
        {m_payloadDock, tr("Bytes panel")},
        {m_interceptDock, tr("Intercept panel")},
    };
    for (const auto& [dock, text] : panels) {
        QAction* toggle = dock->toggleViewAction();
        toggle->setText(text);
        view->addAction(toggle);
    }
    addNamed(view, this, {"resetLayout", "-"});
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

    QMenu* script = menuBar()->addMenu(tr("&Script"));
    {
        QAction* pane = m_scriptDock->toggleViewAction();
        pane->setText(tr("Script &pane"));
        pane->setObjectName(QStringLiteral("scriptPane"));
        m_actions.insert(pane->objectName(), pane);
        script->addAction(pane);
        script->addSeparator();
        for (QAction* a : {m_scriptPane->runAction(), m_scriptPane->stepAction(), m_scriptPane->stopAction(),
                           m_scriptPane->makeAction()}) {
            m_actions.insert(a->objectName(), a);
            script->addAction(a);
        }
        // From the menu, the pane shows first (its shortcuts stay the pane's own).
        connect(script, &QMenu::triggered, this, [this](QAction* a) {
            if (a != m_scriptDock->toggleViewAction()) m_scriptDock->show();
        });
    }

    QMenu* channel = menuBar()->addMenu(tr("&Channel"));
    addNamed(channel, this, {"close", "closeWhenDone", "discard", "reconnect", "renameChannel", "-", "editTerminator",
                             "protocolPreset"});
    channel->addAction(m_composer->appendTerminatorAction());
    addNamed(channel, this, {"sendFile", "startTls", "-", "prevChannel", "nextChannel"});

    menuBar()->addMenu(m_teachingController->loopMenu());
    menuBar()->addMenu(m_teachingController->examplesMenu());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    addNamed(help, this, {"shortcuts", "about"});
}

void MainWindow::buildToolBar() {
    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("MainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->setMovable(false);
    // "Messages view" is not here: the conversation's filter bar has it.
    addNamed(bar, this, {"connect", "listen", "proxy", "-", "close", "closeWhenDone", "discard", "reconnect", "-",
                         "selectedOnly", "clearLog"});
}

// --- The glue ------------------------------------------------------------------------

void MainWindow::connectParts() {
    // Engine → window.
    connect(m_bridge.get(), &EngineBridge::channelError, this, [this](engine::ChannelId channel, const QString& message) {
        showStatus(channel == engine::kReactorChannel ? message : tr("%1: %2").arg(channelLabel(channel), message));
    });
    connect(m_bridge.get(), &EngineBridge::reactorStopped, this, [this] {
        notify(tr("The engine stopped; open channels are closed."), int(NotificationBanner::Severity::Warning), 0);
    });
    connect(m_banner, &NotificationBanner::showRequested, this, &MainWindow::revealEvent);
    connect(m_bridge.get(), &EngineBridge::batchReceived, this, [this](const std::vector<engine::Event>& batch) {
        for (const engine::Event& e : batch) {
            if (e.kind == engine::EventKind::Paused) {
                m_loopPaused->show();
                m_scriptPane->setLoopPaused(true);
            }
            if (e.kind == engine::EventKind::Resumed) {
                m_loopPaused->hide();
                m_scriptPane->setLoopPaused(false);
            }
        }
    });

    // What the controllers report: the banner and the status bar.
    const auto noticeToBanner = [this](const QString& text, NotificationBanner::Severity severity, std::uint64_t seq) {
        notify(text, static_cast<int>(severity), seq);
    };
    connect(m_channelsController.get(), &ChannelsController::notice, this, noticeToBanner);
    connect(m_channelsController.get(), &ChannelsController::statusMessage, this, &MainWindow::showStatus);
    connect(m_sessionController.get(), &SessionController::notice, this, noticeToBanner);
    connect(m_sessionController.get(), &SessionController::statusMessage, this, &MainWindow::showStatus);
    connect(m_teachingController.get(), &TeachingController::statusMessage, this, &MainWindow::showStatus);

    // Channels.
    connect(m_channelsController.get(), &ChannelsController::currentTitleChanged, this, &MainWindow::updateTitle);
    connect(m_channelsController.get(), &ChannelsController::terminatorEditRequested, this, [this] {
        m_inspectorDock->show();
        m_inspectorDock->raise();
        m_inspector->terminatorEdit()->setFocus(Qt::ShortcutFocusReason);
    });

    // Session files: a read-only window turns its live parts off.
    SessionController* session = m_sessionController.get();
    connect(session, &SessionController::readOnlyStarted, this, &MainWindow::enterReadOnly);
    connect(session, &SessionController::sessionShown, this, [this] {
        updateTitle(QString());
        m_channelsController->selectionChanged();
    });
    connect(session, &SessionController::sessionOpened, this,
            [this](QMainWindow* window) { emit sessionOpened(qobject_cast<MainWindow*>(window)); });
    connect(session, &SessionController::sessionOpenFailed, this, &MainWindow::sessionOpenFailed);
    connect(session, &SessionController::sessionSaved, this, &MainWindow::sessionSaved);
    connect(session, &SessionController::sessionExported, this, &MainWindow::sessionExported);
    connect(session, &SessionController::replayDialogOpened, this, &MainWindow::replayDialogOpened);
    connect(session, &SessionController::mockDialogOpened, this, &MainWindow::mockDialogOpened);

    // Composer: its history is remembered, its notices shown.
    connect(m_composer, &Composer::historyChanged, this,
            [this] { settings::setComposerHistory(m_composer->history()); });
    connect(m_composer, &Composer::notice, this, &MainWindow::showStatus);
    // Snippets are kept as soon as they change (a crash keeps them too).
    connect(m_composer->snippetBar(), &SnippetBar::changed, this,
            [this] { settings::setBytesValue(kSnippets, SnippetBar::toJson(m_composer->snippetBar()->snippets())); });

    // Conversation.
    connect(m_conversation, &ConversationView::currentRowChanged, m_payload, &PayloadView::showRow);
    connect(m_conversation, &ConversationView::notice, this, &MainWindow::showStatus);
    connect(m_bridge.get(), &EngineBridge::logCleared, m_payload, &PayloadView::clear);
}

void MainWindow::enterReadOnly() {
    // The window shows another session now: nothing from before stays in the Bytes pane.
    m_payload->clear();
    m_channelsController->setReadOnly();
    m_composer->disconnect(this);
    m_teachingController->setReadOnly();
    for (const char* name : {"clearLog", "focusComposer"}) action(QLatin1String(name))->setEnabled(false);
}

void MainWindow::updateTitle(const QString& channelTitle) {
    if (m_sessionController->isReadOnly())
        setWindowTitle(m_sessionController->readOnlyTitle());
    else
        setWindowTitle(channelTitle.isEmpty() ? tr("Linewright") : tr("%1 — Linewright").arg(channelTitle));
}

void MainWindow::notify(const QString& text, int severity, std::uint64_t seq) {
    m_banner->showMessage(text, static_cast<NotificationBanner::Severity>(severity), seq);
    showStatus(text);
}

void MainWindow::showStatus(const QString& text) { statusBar()->showMessage(text, kStatusMessageMs); }

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

QAction* MainWindow::action(const QString& name) const {
    if (QAction* a = m_actions.value(name)) return a;
    if (QAction* a = m_channelsController->action(name)) return a;
    return m_sessionController->action(name);
}

// --- Settings -----------------------------------------------------------------------

QList<QKeySequence> quitShortcuts(const QList<QKeySequence>& platform) {
    if (!platform.isEmpty()) return platform;
    return {QKeySequence(Qt::CTRL | Qt::Key_Q)};
}

void MainWindow::applyDefaultDockSizes() {
    const bool narrow = width() < 1450;
    const int side = qMax(160, width() / 5);
    const int left = qMin(narrow ? 325 : 345, side);
    resizeDocks({m_channelsDock, m_inspectorDock}, {left, qMin(narrow ? 280 : 320, side)}, Qt::Horizontal);
    if (dockWidgetArea(m_payloadDock) == Qt::BottomDockWidgetArea)
        resizeDocks({m_payloadDock}, {height() / 4}, Qt::Vertical);
    else
        resizeDocks({m_channelsDock, m_payloadDock}, {height() / 2, height() / 3}, Qt::Vertical);
}

void MainWindow::fitToScreen() {
    QScreen* s = screen();
    if (!s) return;
    const QRect avail = s->availableGeometry();
    // The frame (title bar, borders) counts: it is what must stay on screen.
    const QMargins frame(geometry().left() - frameGeometry().left(), geometry().top() - frameGeometry().top(),
                         frameGeometry().right() - geometry().right(),
                         frameGeometry().bottom() - geometry().bottom());
    const QRect area = avail.marginsRemoved(frame);
    if (area.isEmpty()) return;
    QRect g = geometry();
    if (isMaximized() || isFullScreen() || area.contains(g)) return;
    g.setWidth(qMin(g.width(), area.width()));
    g.setHeight(qMin(g.height(), area.height()));
    g.moveLeft(qBound(area.left(), g.left(), area.right() - g.width() + 1));
    g.moveTop(qBound(area.top(), g.top(), area.bottom() - g.height() + 1));
    setGeometry(g);
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (m_fittedOnShow) return;
    m_fittedOnShow = true;
    fitToScreen();
    // The first-run dock widths again once the layout has its real size (before
    // the first show, resizeDocks() cannot give the Bytes column its hex row).
    if (m_defaultDocksOnShow) {
        m_defaultDocksOnShow = false;
        QTimer::singleShot(0, this, [this] { applyDefaultDockSizes(); });
    }
}

void MainWindow::resetLayout() {
    settings::removeValue(kGeometry);
    settings::removeValue(kState);
    restoreState(m_defaultState);
    for (QDockWidget* d : {m_channelsDock, m_inspectorDock, m_payloadDock}) d->show();
    if (!isMaximized() && !isFullScreen()) {
        const QRect avail = screen() ? screen()->availableGeometry() : QRect(0, 0, 1400, 880);
        resize(qMin(1400, avail.width()), qMin(880, avail.height()));
        fitToScreen();
    }
    applyDefaultDockSizes();
    showStatus(tr("Layout reset."));
}

void MainWindow::restoreSettings() {
    m_defaultState = saveState();
    const QByteArray geometry = settings::bytesValue(kGeometry);
    if (geometry.isEmpty() || !restoreGeometry(geometry)) {
        const QRect avail = screen() ? screen()->availableGeometry() : QRect(0, 0, 1400, 880);
        resize(qMin(1400, avail.width()), qMin(880, avail.height()));
        applyDefaultDockSizes();
    } else {
        fitToScreen();
    }
    const QByteArray state = settings::bytesValue(kState);
    m_defaultDocksOnShow = state.isEmpty();
    restoreState(state);
    m_conversation->restoreHeaderState(settings::bytesValue(kHeader));
    const QByteArray ch = settings::bytesValue(kChannelsHeader);
    if (!ch.isEmpty()) m_channels->header()->restoreState(ch);
    m_conversation->setMessagesMode(settings::boolValue(kMessagesMode, false));
    action(QStringLiteral("selectedOnly"))->setChecked(settings::boolValue(kScope, false));
    m_composer->setAppendTerminator(settings::boolValue(kAppendTerm, true));
    m_composer->setSyntax(settings::boolValue(kHexSyntax, false) ? ByteSyntax::Hex : ByteSyntax::Escaped);
    m_composer->setLinesMode(settings::boolValue(kLinesOneMessage, false) ? Composer::LinesMode::OneMessage
                                                                          : Composer::LinesMode::EachLine);
    m_composer->setAskOnPaste(settings::boolValue(kAskOnPaste, true));
    m_composer->setHistory(settings::composerHistory());
    m_composer->snippetBar()->setSnippets(SnippetBar::fromJson(settings::bytesValue(kSnippets)));
    const int scheme = qBound(0, settings::intValue(kColorScheme, 0), 2);
    action(QStringLiteral("scheme%1").arg(scheme))->setChecked(true);
    if (scheme != 0) applyColorScheme(static_cast<ColorScheme>(scheme), m_systemPalette);
    m_channelsController->restoreLastTargets();
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
    settings::setBoolValue(kLinesOneMessage, m_composer->linesMode() == Composer::LinesMode::OneMessage);
    settings::setBoolValue(kAskOnPaste, m_composer->askOnPaste());
    settings::setComposerHistory(m_composer->history());
}

bool MainWindow::quitNeedsConfirmation() const {
    return !m_quitConfirmed && !m_sessionController->isReadOnly() && m_bridge->channelModel()->openChannels() > 0;
}

QMessageBox* MainWindow::askToQuit() {
    if (auto* open = findChild<QMessageBox*>(QStringLiteral("quitConfirm"))) {
        open->raise();
        return open;
    }
    const int n = m_bridge->channelModel()->openChannels();
    auto* box = new QMessageBox(QMessageBox::Question, tr("Quit Linewright"),
                                n == 1 ? tr("1 channel is open. Close it and quit?")
                                       : tr("%1 channels are open. Close them and quit?").arg(n),
                                QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("quitConfirm"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton* quit = box->addButton(tr("Close channels and &quit"), QMessageBox::AcceptRole);
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(quit);
    connect(box, &QMessageBox::finished, this, [this, box, quit] {
        if (box->clickedButton() != quit) return;
        m_quitConfirmed = true;
        close();
    });
    box->open();  // window-modal, not blocking
    return box;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    // The window's close button asks too; a close() from the program does not.
    if (event->spontaneous() && quitNeedsConfirmation()) {
        event->ignore();
        askToQuit();
        return;
    }
    saveSettings();
    m_sessionController->shutdown();
    m_channelsController->closeDialogs();
    event->accept();
}

// --- Forwarded to the controllers -----------------------------------------------------

LoopInspector* MainWindow::loopInspector() const { return m_teachingController->loopInspector(); }
QDockWidget* MainWindow::loopDock() const { return m_teachingController->loopDock(); }
ExamplePane* MainWindow::examplePane() const { return m_teachingController->examplePane(); }
QDockWidget* MainWindow::exampleDock() const { return m_teachingController->exampleDock(); }
bool MainWindow::openExample(const QString& name) { return m_teachingController->openExample(name); }

engine::ChannelId MainWindow::listenOn(const ListenParams& params) { return m_channelsController->listenOn(params); }
engine::ChannelId MainWindow::connectTo(const ConnectParams& params) { return m_channelsController->connectTo(params); }
void MainWindow::selectChannel(engine::ChannelId id) { m_channelsController->selectChannel(id); }
engine::ChannelId MainWindow::currentChannel() const { return m_channelsController->currentChannel(); }
ConnectDialog* MainWindow::openConnectDialog() { return m_channelsController->openConnectDialog(); }
ListenDialog* MainWindow::openListenDialog() { return m_channelsController->openListenDialog(); }
ProxyDialog* MainWindow::openProxyDialog() { return m_channelsController->openProxyDialog(); }
engine::ChannelId MainWindow::proxyTo(const ProxyParams& params) { return m_channelsController->proxyTo(params); }
void MainWindow::closeChannel() { m_channelsController->closeChannel(); }
void MainWindow::closeChannelWhenDone() { m_channelsController->closeChannelWhenDone(); }
void MainWindow::discardBuffers() { m_channelsController->discardBuffers(); }
engine::ChannelId MainWindow::reconnectChannel() { return m_channelsController->reconnectChannel(); }

SessionCapture* MainWindow::capture() const { return m_sessionController->capture(); }

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
    for (const char* name : {"connect", "listen", "proxy", "close", "closeWhenDone", "discard", "reconnect", "editTerminator",
                             "protocolPreset", "sendFile", "startTls", "prevChannel", "nextChannel"}) {
        QAction* a = action(QLatin1String(name));
        row(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(QLatin1Char('&')));
    }
    section(tr("Sessions"));
    for (const char* name : {"openSession", "saveSessionAs", "summary", "replay"})
        if (QAction* a = action(QLatin1String(name)))
            row(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(QLatin1Char('&')));
    section(tr("Composer"));
    row(QStringLiteral("Enter"), tr("Send the message (with the terminator if “+ terminator” is on)"));
    row(QStringLiteral("Shift+Enter"), tr("A new line (the “Lines” setting says how many lines go out)"));
    row(QStringLiteral("↑ / ↓"), tr("Earlier / later messages"));
    row(QStringLiteral("Ctrl+L"), tr("Focus the composer"));
    row(QStringLiteral("\\r \\n \\t \\0 \\\\ \\xNN"), tr("Escapes in text mode; invalid ones are underlined"));
    section(tr("Conversation"));
    for (const char* name : {"find", "findNext", "findPrevious", "filter", "messages", "compact", "follow", "selectedOnly",
                             "focusConversation", "focusChannels", "focusInspector", "clearLog"}) {
        QAction* a = action(QLatin1String(name));
        row(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(QLatin1Char('&')));
    }
    for (QAction* a : m_conversation->copyActions())
        if (!a->shortcut().isEmpty()) row(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(QLatin1Char('&')));
    row(QStringLiteral("End"), tr("Jump to the newest event and follow"));
    row(QStringLiteral("Esc"), tr("Close the find bar"));
    section(tr("Loop"));
    for (QAction* a : m_teachingController->loopActions())
        row(a->shortcut().toString(QKeySequence::NativeText), a->text().remove(QLatin1Char('&')));
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
