// ScriptPane.cpp — the script pane: editor, results, the run's conversation.
#include "ui/script/ScriptPane.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/Conversation.h"
#include "engine/net/Address.h"
#include "engine/reactor/Reactor.h"
#include "engine/script/Script.h"
#include "engine/script/ScriptMaker.h"
#include "engine/script/ScriptRunner.h"
#include "ui/model/EventIndex.h"
#include "ui/model/EventLogModel.h"
#include "ui/script/ScriptHighlighter.h"
#include "ui/script/ScriptJob.h"
#include "ui/views/ConversationView.h"
#include "ui/views/ViewColors.h"

#include <QAction>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QSplitter>
#include <QTableView>
#include <QTextBlock>
#include <QToolBar>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ui {

namespace {

constexpr qint64 kMaxScriptFile = 1 << 20;

QString printable(const std::string& s) { return QString::fromStdString(engine::printableAscii(s)); }

QString ms(double v) { return v < 10 ? QString::number(v, 'f', 2) + QStringLiteral(" ms") : QString::number(v, 'f', 0) + QStringLiteral(" ms"); }

// The event a step's batch jumps to: the message it matched (its last
// collect), else what it sent, else what it began with.
std::uint64_t jumpSeq(const std::vector<engine::Event>& events) {
    std::uint64_t sent = 0;
    std::uint64_t collect = 0;
    for (const engine::Event& e : events) {
        if (e.kind == engine::EventKind::Collect) collect = e.seq;
        if (e.kind == engine::EventKind::Sent && !sent) sent = e.seq;
        if (e.kind == engine::EventKind::Push && !sent) sent = e.seq;
    }
    if (collect) return collect;
    if (sent) return sent;
    return events.empty() ? 0 : events.front().seq;
}

}  // namespace

ScriptPane::ScriptPane(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("ScriptPane"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);

    auto* bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_open = bar->addAction(tr("Open…"));
    m_open->setObjectName(QStringLiteral("scriptOpen"));
    m_save = bar->addAction(tr("Save…"));
    m_save->setObjectName(QStringLiteral("scriptSave"));
    bar->addSeparator();
    m_run = bar->addAction(tr("Run"));
    m_run->setObjectName(QStringLiteral("scriptRun"));
    m_run->setToolTip(tr("Run the script against the target (Ctrl+Enter in the pane)"));
    m_run->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_run->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_step = bar->addAction(tr("Step"));
    m_step->setObjectName(QStringLiteral("scriptStep"));
    m_step->setToolTip(tr("Run one step, then hold before the next (F10 in the pane)"));
    m_step->setShortcut(QKeySequence(Qt::Key_F10));
    m_step->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_stop = bar->addAction(tr("Stop"));
    m_stop->setObjectName(QStringLiteral("scriptStop"));
    bar->addSeparator();
    m_make = bar->addAction(tr("Make from channel"));
    m_make->setObjectName(QStringLiteral("makeScript"));
    m_make->setToolTip(tr("Make a script from the selected channel's recorded conversation: each request a send, "
                          "each reply an expect"));
    addActions({m_run, m_step});
    layout->addWidget(bar);

    auto* targetRow = new QHBoxLayout;
    auto* targetLabel = new QLabel(tr("&Target:"), this);
    m_target = new QLineEdit(this);
    m_target->setPlaceholderText(tr("HOST:PORT — empty: the script's connect"));
    m_target->setClearButtonEnabled(true);
    m_target->setAccessibleName(tr("Target"));
    targetLabel->setBuddy(m_target);
    targetRow->addWidget(targetLabel);
    targetRow->addWidget(m_target, 1);
    layout->addLayout(targetRow);

    auto* split = new QSplitter(Qt::Vertical, this);
    m_editor = new QPlainTextEdit(split);
    m_editor->setObjectName(QStringLiteral("scriptEditor"));
    m_editor->setAccessibleName(tr("Script"));
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_editor->setFont(mono);
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setTabStopDistance(QFontMetricsF(mono).horizontalAdvance(QLatin1Char(' ')) * 4);
    m_editor->setPlaceholderText(tr("connect 127.0.0.1:6379\nsend \"PING\"\nexpect \"+PONG\""));
    m_highlighter = new ScriptHighlighter(m_editor->document());

    m_results = new QTreeWidget(split);
    m_results->setObjectName(QStringLiteral("scriptResults"));
    m_results->setAccessibleName(tr("Step results"));
    m_results->setRootIsDecorated(false);
    m_results->setUniformRowHeights(true);
    m_results->setAllColumnsShowFocus(true);
    m_results->setColumnCount(ColumnCount);
    m_results->setHeaderLabels({tr("Line"), tr("Step"), tr("Result"), tr("Detail"), tr("Time")});
    {
        const QFontMetrics fm(m_results->font());
        QHeaderView* h = m_results->header();
        h->setStretchLastSection(false);
        h->resizeSection(ColLine, fm.horizontalAdvance(QStringLiteral("00000")) + 12);
        h->resizeSection(ColStatement, fm.horizontalAdvance(QStringLiteral("expect prefix \"+OK\" as x")) + 12);
        h->resizeSection(ColResult, fm.horizontalAdvance(QStringLiteral("running…")) + 16);
        h->setSectionResizeMode(ColDetail, QHeaderView::Stretch);
        h->resizeSection(ColTime, fm.horizontalAdvance(QStringLiteral("00000 ms")) + 12);
    }

    m_model = new EventLogModel(&m_store, this);
    m_conversation = new ConversationView(m_model, split);
    m_conversation->setObjectName(QStringLiteral("scriptConversation"));
    m_conversation->setMessagesMode(true);
    split->addWidget(m_editor);
    split->addWidget(m_results);
    split->addWidget(m_conversation);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setStretchFactor(2, 2);
    layout->addWidget(split, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("scriptStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setText(tr("Write a script, or make one from a channel; then Run or Step."));
    layout->addWidget(m_status);

    m_job = new ScriptJob(this);
    connect(m_job, &ScriptJob::stepBegun, this, &ScriptPane::onBegun);
    connect(m_job, &ScriptJob::stepPassed, this, [this](const ScriptJob::Passed& p, const std::vector<engine::Event>& events) {
        QTreeWidgetItem* item = rowFor(p.index, true);
        item->setText(ColResult, tr("passed"));
        item->setForeground(ColResult, ViewColors::current().good);
        item->setText(ColDetail, p.detail);
        item->setToolTip(ColDetail, p.detail);
        item->setText(ColTime, ms(p.ms));
        item->setData(ColStatement, kConnectionRole, QVariant::fromValue<qulonglong>(p.connection));
        item->setData(ColStatement, kOutRole, QVariant::fromValue<qlonglong>(p.outOffset));
        item->setData(ColStatement, kInRole, QVariant::fromValue<qlonglong>(p.inOffset));
        appendEvents(events, item);
    });
    connect(m_job, &ScriptJob::held, this, [this](qulonglong index) {
        if (!m_script || index >= m_script->steps().size()) return;
        const auto& st = m_script->steps()[index];
        markLine(st.line, false);
        setStatus(tr("Paused before line %1 (%2): Step runs it, Run runs the rest.")
                      .arg(st.line)
                      .arg(QString::fromStdString(engine::script::describeStep(st))),
                  false);
    });
    connect(m_job, &ScriptJob::finished, this, &ScriptPane::onFinished);
    connect(m_run, &QAction::triggered, this, [this] { run(); });
    connect(m_step, &QAction::triggered, this, [this] { step(); });
    connect(m_stop, &QAction::triggered, this, [this] { stop(); });
    connect(m_make, &QAction::triggered, this, [this] { makeFromSource(); });
    connect(m_open, &QAction::triggered, this, [this] {
        auto* d = new QFileDialog(this, tr("Open a script"), QString(), tr("Scripts (*.lws);;All files (*)"));
        d->setAttribute(Qt::WA_DeleteOnClose);
        d->setFileMode(QFileDialog::ExistingFile);
        connect(d, &QFileDialog::fileSelected, this, [this](const QString& f) { loadFile(f); });
        d->open();
    });
    connect(m_save, &QAction::triggered, this, [this] {
        auto* d = new QFileDialog(this, tr("Save the script"), m_name, tr("Scripts (*.lws);;All files (*)"));
        d->setAttribute(Qt::WA_DeleteOnClose);
        d->setAcceptMode(QFileDialog::AcceptSave);
        d->setDefaultSuffix(QStringLiteral("lws"));
        connect(d, &QFileDialog::fileSelected, this, [this](const QString& f) { saveFile(f); });
        d->open();
    });
    connect(m_results, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) { jumpTo(item); });
    connect(m_results, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) { jumpTo(item); });
    updateActions();
}

ScriptPane::~ScriptPane() { m_job->detach(); }

void ScriptPane::setLoopPaused(bool paused) {
    if (paused == m_loopPaused) return;
    m_loopPaused = paused;
    if (!m_job->running()) return;
    if (paused)
        setStatus(tr("The window's loop is paused: the script waits with it (F7 steps the loop, F8 resumes)."), false);
    else
        setStatus(m_stepping ? tr("Stepping…") : tr("Running…"), false);
}

void ScriptPane::setReactor(engine::Reactor* reactor) {
    if (reactor == m_reactor) return;
    if (m_job->running()) {
        m_job->detach();
        m_current = nullptr;
        m_stepping = false;
        setStatus(tr("Stopped: the window's loop went away."), true);
        updateActions();
    }
    m_reactor = reactor;
}

QString ScriptPane::statusText() const { return m_status->text(); }

void ScriptPane::setScriptText(const QString& text, const QString& name) {
    m_editor->setPlainText(text);
    if (!name.isEmpty()) m_name = name;
}

QString ScriptPane::scriptText() const { return m_editor->toPlainText(); }

bool ScriptPane::loadFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        setStatus(tr("Cannot read %1: %2").arg(path, f.errorString()), true);
        return false;
    }
    if (f.size() > kMaxScriptFile) {
        setStatus(tr("%1: a script is at most 1 MiB").arg(path), true);
        return false;
    }
    setScriptText(QString::fromUtf8(f.read(kMaxScriptFile)), QFileInfo(path).fileName());
    setStatus(tr("Opened %1.").arg(path), false);
    return true;
}

bool ScriptPane::saveFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(scriptText().toUtf8()) < 0) {
        setStatus(tr("Cannot write %1: %2").arg(path, f.errorString()), true);
        return false;
    }
    m_name = QFileInfo(path).fileName();
    setStatus(tr("Saved %1.").arg(path), false);
    return true;
}

std::optional<engine::script::Script> ScriptPane::parseEditor() {
    std::string why;
    const QByteArray text = scriptText().toUtf8();
    const std::string name = m_name.toStdString();
    auto s = engine::script::Script::parse(std::string_view(text.constData(), static_cast<std::size_t>(text.size())),
                                           name, &why);
    if (!s) {
        setStatus(QString::fromStdString(why), true);
        // "NAME:LINE: what": mark the line.
        const std::string prefix = name + ":";
        if (why.rfind(prefix, 0) == 0) {
            const std::size_t line = std::strtoull(why.c_str() + prefix.size(), nullptr, 10);
            if (line > 0) markLine(line, true);
        }
    }
    return s;
}

bool ScriptPane::run() {
    if (m_job->running()) {
        m_job->resume();
        m_stepping = false;
        setStatus(tr("Running…"), false);
        updateActions();
        return true;
    }
    return begin(false);
}

bool ScriptPane::step() {
    if (m_job->running()) {
        m_stepping = true;
        m_job->step();
        return true;
    }
    return begin(true);
}

void ScriptPane::stop() {
    if (m_job->running()) m_job->stop();
}

bool ScriptPane::running() const { return m_job->running(); }

bool ScriptPane::begin(bool stepping) {
    auto script = parseEditor();
    if (!script) return false;
    engine::script::RunOptions options;
    const QString target = m_target->text().trimmed();
    if (!target.isEmpty()) {
        std::string host, port;
        const std::string t = target.toStdString();
        const auto p = engine::splitHostPort(t, host, port) ? engine::parsePort(port) : std::nullopt;
        if (!p || host.empty()) {
            setStatus(tr("The target '%1' is not HOST:PORT").arg(printable(t)), true);
            return false;
        }
        options.host = host;
        options.port = *p;
    }
    m_script = std::make_unique<engine::script::Script>(*script);
    m_results->clear();
    m_current = nullptr;
    m_store.clear();
    m_model->appendFromStore();
    m_editor->setExtraSelections({});
    m_stepping = stepping;
    engine::Reactor* reactor = m_reactor;
    if (!reactor) {
        if (!m_ownReactor) {
            try {
                m_ownReactor = std::make_unique<engine::Reactor>();
            } catch (const std::exception& e) {
                setStatus(tr("Cannot start a loop for the script: %1").arg(printable(e.what())), true);
                return false;
            }
        }
        reactor = m_ownReactor.get();
    }
    if (!m_job->start(*reactor, std::move(*script), options, stepping, reactor == m_ownReactor.get())) return false;
    m_host = m_job->hostId();
    if (m_loopPaused)
        setStatus(tr("The window's loop is paused: the script waits with it (F7 steps the loop, F8 resumes)."), false);
    else
        setStatus(stepping ? tr("Stepping…") : tr("Running…"), false);
    updateActions();
    return true;
}

QTreeWidgetItem* ScriptPane::rowFor(std::size_t index, bool create) {
    if (m_current && m_currentIndex == index) return m_current;
    if (!create || !m_script || index >= m_script->steps().size()) return m_current;
    const auto& st = m_script->steps()[index];
    auto* item = new QTreeWidgetItem(m_results);
    item->setText(ColLine, QString::number(st.line));
    item->setTextAlignment(ColLine, Qt::AlignRight | Qt::AlignVCenter);
    item->setText(ColStatement, QString::fromStdString(engine::script::describeStep(st)));
    item->setToolTip(ColStatement, item->text(ColStatement));
    item->setText(ColResult, tr("running…"));
    item->setForeground(ColResult, ViewColors::current().muted);
    item->setTextAlignment(ColTime, Qt::AlignRight | Qt::AlignVCenter);
    m_current = item;
    m_currentIndex = index;
    m_results->scrollToItem(item);
    return item;
}

void ScriptPane::onBegun(qulonglong index) {
    rowFor(static_cast<std::size_t>(index), true);
    if (m_script && index < m_script->steps().size()) markLine(m_script->steps()[index].line, false);
    if (!m_stepping && !m_loopPaused) setStatus(tr("Running…"), false);
}

void ScriptPane::onFinished(const engine::script::RunResult& result, const std::vector<engine::Event>& events) {
    if (result.failure) {
        const auto& f = *result.failure;
        QTreeWidgetItem* item = m_script && f.step >= 1 ? rowFor(f.step - 1, true) : m_current;
        QString detail = QString::fromStdString(f.reason);
        if (!f.expected.empty()) detail += tr(" — expected %1").arg(printable(f.expected));
        if (!f.got.empty()) detail += tr(", got %1").arg(printable(f.got));
        if (item) {
            item->setText(ColResult, tr("failed"));
            item->setForeground(ColResult, ViewColors::current().error);
            item->setText(ColDetail, detail);
            item->setToolTip(ColDetail, detail);
            item->setText(ColTime, ms(f.waitedMs));
            m_results->setCurrentItem(item);
        }
        appendEvents(events, item);
        if (f.line) markLine(f.line, true);
        setStatus(tr("Failed at %1:%2 (%3): %4").arg(m_name).arg(f.line).arg(printable(f.statement), detail), true);
    } else {
        appendEvents(events, nullptr);
        m_editor->setExtraSelections({});
        setStatus(tr("Passed: %1 steps in %2, %3 bytes sent, %4 received.")
                      .arg(result.stepsRun)
                      .arg(ms(result.elapsedMs))
                      .arg(result.bytesSent)
                      .arg(result.bytesReceived),
                  false);
    }
    m_current = nullptr;
    m_stepping = false;
    updateActions();
    emit runFinished(result.passed);
}

void ScriptPane::appendEvents(const std::vector<engine::Event>& events, QTreeWidgetItem* item) {
    if (events.empty()) return;
    if (item && !item->data(ColLine, kSeqRole).toULongLong())
        item->setData(ColLine, kSeqRole, QVariant::fromValue<qulonglong>(jumpSeq(events)));
    m_store.appendCopy(events);
    m_model->appendFromStore();
}

bool ScriptPane::jumpTo(QTreeWidgetItem* result) {
    if (!result) return false;
    if (m_mainJump && m_host) {
        const auto connection = result->data(ColStatement, kConnectionRole).toULongLong();
        const auto out = result->data(ColStatement, kOutRole).toLongLong();
        const auto in = result->data(ColStatement, kInRole).toLongLong();
        if (connection > 0 && (in >= 0 || out >= 0))
            m_mainJump(m_host, static_cast<std::size_t>(connection), in < 0, in >= 0 ? in : out);
    }
    const auto seq = result->data(ColLine, kSeqRole).toULongLong();
    if (!seq) return false;
    const int row = m_model->viewRowForSeq(seq);
    if (row < 0) return false;
    QTableView* t = m_conversation->table();
    t->selectRow(row);
    t->scrollTo(m_model->index(row, 0), QAbstractItemView::PositionAtCenter);
    return true;
}

bool ScriptPane::makeFromEvents(const std::vector<engine::Event>& events, std::optional<engine::ChannelId> channel,
                                const QString& sourceName) {
    const auto conversations = engine::extractConversations(events);
    std::string why;
    const engine::Conversation* c = engine::selectConversation(conversations, channel, &why);
    if (!c) {
        setStatus(tr("No script made: %1").arg(printable(why)), true);
        return false;
    }
    engine::script::MakeOptions mo;
    mo.source = sourceName.toStdString();
    setScriptText(QString::fromStdString(engine::script::makeScript(*c, mo)), QStringLiteral("channel.lws"));
    setStatus(tr("Made a script from channel #%1 (%2): Run it to check the server answers the same.")
                  .arg(c->channel)
                  .arg(QString::fromStdString(c->peer)),
              false);
    return true;
}

std::vector<engine::Event> ScriptPane::channelEvents(const EventLogStore& store,
                                                    std::optional<engine::ChannelId>& channel) {
    const std::size_t n = store.size();
    if (!channel) {  // the first connection that carried bytes
        for (std::size_t row = 0; row < n; ++row) {
            const LogRecord& r = store.record(row);
            if (r.channel != 0 && (r.kind == engine::EventKind::Collect || r.kind == engine::EventKind::Sent ||
                                   r.kind == engine::EventKind::Received)) {
                channel = r.channel;
                break;
            }
        }
        if (!channel) return {};
    }
    EventMatcher::Spec spec;
    spec.channels.push_back(*channel);
    for (std::size_t row = 0; row < n; ++row) {  // a proxied connection: its upstream leg too
        const LogRecord& r = store.record(row);
        if (r.channel == *channel && r.kind == engine::EventKind::Accepted) {
            if (const engine::ChannelId up = store.event(row).upstream()) spec.channels.push_back(up);
            break;
        }
    }
    EventIndex index(EventIndex::Mode::Events, std::make_shared<const EventMatcher>(spec), store.generation());
    index.scan(store, n);
    std::vector<engine::Event> events;
    events.reserve(index.entries().size());
    for (const EventIndex::Entry& e : index.entries()) events.push_back(store.event(static_cast<std::size_t>(e.row)));
    return events;
}

std::uint64_t ScriptPane::seqForStepBytes(const EventLogStore& store, engine::HostId host, std::size_t connection,
                                          bool out, std::int64_t offset) {
    if (host == 0 || connection == 0 || offset < 0) return 0;
    const std::size_t n = store.size();
    // The channel: the connection-th `hosted dispatcher` event of the work.
    engine::ChannelId channel = 0;
    {
        EventMatcher::Spec spec;
        spec.kinds = {engine::EventKind::Hosted};
        EventIndex index(EventIndex::Mode::Events, std::make_shared<const EventMatcher>(spec), store.generation());
        index.scan(store, n);
        std::size_t seen = 0;
        for (const EventIndex::Entry& e : index.entries()) {
            const LogRecord& r = store.record(static_cast<std::size_t>(e.row));
            if (static_cast<engine::HostPhase>(r.sub) != engine::HostPhase::Dispatcher ||
                static_cast<engine::HostId>(r.count) != host)
                continue;
            if (++seen == connection) {
                channel = r.channel;
                break;
            }
        }
    }
    if (channel == 0) return 0;
    EventMatcher::Spec spec;
    spec.channels = {channel};
    spec.kinds = {out ? engine::EventKind::Sent : engine::EventKind::Collect};
    EventIndex index(EventIndex::Mode::Events, std::make_shared<const EventMatcher>(spec), store.generation());
    index.scan(store, n);
    std::int64_t at = 0;
    std::uint64_t last = 0;
    for (const EventIndex::Entry& e : index.entries()) {
        const LogRecord& r = store.record(static_cast<std::size_t>(e.row));
        last = r.seq;
        at += static_cast<std::int64_t>(r.dataLength);
        if (offset < at) return r.seq;
    }
    return last;
}

bool ScriptPane::makeFromSource() {
    if (!m_source) {
        setStatus(tr("No recording to make a script from."), true);
        return false;
    }
    std::optional<engine::ChannelId> channel;
    const std::vector<engine::Event> events = m_source(channel);
    return makeFromEvents(events, channel, tr("the window's session"));
}

void ScriptPane::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    QPalette p = m_status->palette();
    p.setColor(QPalette::WindowText, error ? ViewColors::current().error : palette().color(QPalette::WindowText));
    m_status->setPalette(p);
}

void ScriptPane::markLine(std::size_t line, bool error) {
    const QTextBlock block = m_editor->document()->findBlockByNumber(static_cast<int>(line) - 1);
    if (!block.isValid()) return;
    QTextEdit::ExtraSelection sel;
    sel.cursor = QTextCursor(block);
    sel.format.setProperty(QTextFormat::FullWidthSelection, true);
    const ViewColors c = ViewColors::current();
    sel.format.setBackground(error ? c.errorBg : c.lineHighlight);
    m_editor->setExtraSelections({sel});
    QTextCursor cur(block);
    m_editor->setTextCursor(cur);
    m_editor->ensureCursorVisible();
}

void ScriptPane::updateActions() {
    const bool busy = m_job->running();
    m_stop->setEnabled(busy);
    m_open->setEnabled(!busy);
    m_make->setEnabled(!busy);
    m_editor->setReadOnly(busy);
}

void ScriptPane::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) m_highlighter->setPalette(palette());
    QWidget::changeEvent(event);
}

}  // namespace ui
