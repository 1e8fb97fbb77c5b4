// LoopInspector.cpp — the loop's passes as rows, and the controls.
#include "ui/teaching/LoopInspector.h"

#include "engine/asyncore/Escape.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EngineBridge.h"
#include "ui/teaching/LoopPicture.h"
#include "ui/views/ViewColors.h"

#include <QAction>
#include <QComboBox>
#include <QFont>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QSpinBox>
#include <QTimer>
#include <QToolBar>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ui {

namespace {

enum Column { ColPass, ColTime, ColBackend, ColReadable, ColWritable, ColReady, ColHooks, ColCount };

QString hookText(engine::Hook h) {
    const std::string_view n = engine::hookName(h);
    return QString::fromLatin1(n.data(), static_cast<qsizetype>(n.size()));
}

QString bitsText(unsigned bits) {
    QStringList out;
    for (std::string_view n : engine::readyBitNames(bits))
        out << QString::fromLatin1(n.data(), static_cast<qsizetype>(n.size()));
    return out.join(QLatin1Char(','));
}

/// Why a channel shows "TLS wants read/write" (the tool tip of those cells).
QString layerWantsTip() {
    return LoopInspector::tr(
        "TLS wants read / TLS wants write: the channel's TLS layer needs the socket readable or writable for "
        "itself (to go on with the handshake, to read the rest of a TLS record, to send records it has "
        "written) although the application's readable() / writable() answered False, or while the handshake "
        "holds the application back. The loop still asks the "
        "backend about the socket for the layer, and when it is ready the layer does its part first; "
        "handle_read / handle_write run only when there is application data for them.");
}

QString timeText(std::int64_t tUs) {
    return QString::number(static_cast<double>(tUs) / 1e6, 'f', 6) + QStringLiteral(" s");
}

/// An action of the loop's tool bar: its shortcut works anywhere in the
/// application, not only when the inspector has the focus.
QAction* newAction(QObject* parent, const QString& text, const QString& name, const QKeySequence& key,
                   const QString& tip) {
    auto* a = new QAction(text, parent);
    a->setObjectName(name);
    a->setShortcut(key);
    a->setToolTip(tip);
    a->setShortcutContext(Qt::ApplicationShortcut);
    return a;
}

}  // namespace

LoopInspector::LoopInspector(EngineBridge* bridge, QWidget* parent)
    : QWidget(parent),
      m_bridge(bridge),
      m_toolBar(new QToolBar(tr("Loop"), this)),
      m_delay(new QSpinBox(this)),
      m_backend(new QComboBox(this)),
      m_picture(new LoopPicture(this)),
      m_status(new QLabel(this)),
      m_view(new QTreeWidget(this)),
      m_slowTimer(new QTimer(this)) {
    setObjectName(QStringLiteral("loopInspector"));
    m_pause = newAction(this, tr("&Pause loop"), QStringLiteral("loopPause"), QKeySequence(Qt::Key_F6),
                        tr("Stop dispatching after the current pass (F6)"));
    m_step = newAction(this, tr("&Step one pass"), QStringLiteral("loopStep"), QKeySequence(Qt::Key_F7),
                       tr("Let exactly one loop pass run: wait, then dispatch what is ready (F7)"));
    m_resume = newAction(this, tr("&Resume loop"), QStringLiteral("loopResume"), QKeySequence(Qt::Key_F8),
                         tr("Run freely again (F8)"));
    m_slow = newAction(this, tr("S&low motion"), QStringLiteral("loopSlow"), QKeySequence(Qt::SHIFT | Qt::Key_F7),
                       tr("One pass every few hundred milliseconds (Shift+F7)"));
    m_slow->setCheckable(true);

    m_delay->setRange(50, 5000);
    m_delay->setSingleStep(50);
    m_delay->setValue(500);
    m_delay->setSuffix(tr(" ms/pass"));
    m_delay->setToolTip(tr("Slow motion: the delay per loop pass"));
    m_delay->setObjectName(QStringLiteral("loopDelay"));

    m_toolBar->setObjectName(QStringLiteral("loopToolBar"));
    m_toolBar->addAction(m_pause);
    m_toolBar->addAction(m_step);
    m_toolBar->addAction(m_resume);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_slow);
    m_toolBar->addWidget(m_delay);
    m_toolBar->addSeparator();
    m_backend->setObjectName(QStringLiteral("loopBackend"));
    m_backend->setToolTip(tr("The backend the loop waits in: select (asyncore's default), poll, or epoll. "
                             "Changing it takes effect at the next pass, on the same channels."));
    for (engine::Backend b : {engine::Backend::Select, engine::Backend::Poll, engine::Backend::Epoll}) {
        if (!engine::backendAvailable(b)) continue;
        const std::string_view n = engine::backendName(b);
        m_backend->addItem(QString::fromLatin1(n.data(), static_cast<qsizetype>(n.size())), static_cast<int>(b));
    }
    m_backend->setCurrentIndex(m_backend->findData(static_cast<int>(m_bridge->reactor().backend())));
    m_toolBar->addWidget(m_backend);
    connect(m_backend, qOverload<int>(&QComboBox::activated), this, [this](int index) {
        setBackend(static_cast<engine::Backend>(m_backend->itemData(index).toInt()));
    });

    m_view->setColumnCount(ColCount);
    m_view->setHeaderLabels({tr("Pass"), tr("Time"), tr("Backend"), tr("readable()"), tr("writable()"),
                             tr("Ready"), tr("Hooks, in order")});
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->header()->setStretchLastSection(true);
    m_view->setObjectName(QStringLiteral("loopPasses"));
    connect(m_view, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (!item) return;
        if (item->parent()) item = item->parent();
        const auto it = m_traces.find(item->data(ColPass, Qt::UserRole).toULongLong());
        if (it != m_traces.end()) m_picture->setTrace(it->second);
    });

    m_picture->setNamer([this](engine::ChannelId id) { return channelName(id); });
    auto* pictureArea = new QScrollArea(this);
    pictureArea->setObjectName(QStringLiteral("loopPictureArea"));
    pictureArea->setWidget(m_picture);
    pictureArea->setWidgetResizable(true);
    pictureArea->setBackgroundRole(QPalette::Base);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("loopSplit"));
    split->setChildrenCollapsible(false);
    split->addWidget(pictureArea);
    split->addWidget(m_view);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    // The picture is the point: room for a few channel boxes and their ★
    // rows before the table gets any (the table scrolls).
    pictureArea->setMinimumHeight(fontMetrics().height() * 9);
    m_view->setMinimumHeight(fontMetrics().height() * 4);

    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_toolBar);
    layout->addWidget(m_status);
    layout->addWidget(split, 1);

    connect(m_pause, &QAction::triggered, this, &LoopInspector::pause);
    connect(m_step, &QAction::triggered, this, &LoopInspector::step);
    connect(m_resume, &QAction::triggered, this, &LoopInspector::resume);
    connect(m_slow, &QAction::toggled, this, &LoopInspector::setSlowMotion);
    connect(m_delay, qOverload<int>(&QSpinBox::valueChanged), this, [this](int ms) { m_slowTimer->setInterval(ms); });
    m_slowTimer->setInterval(m_delay->value());
    connect(m_slowTimer, &QTimer::timeout, this, [this] {
        if (m_paused) m_bridge->reactor().step();
    });
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this,
            [this](int v) { m_follow = v == m_view->verticalScrollBar()->maximum(); });
    connect(m_bridge, &EngineBridge::batchReceived, this, &LoopInspector::onBatch);
    updateState();
}

void LoopInspector::setTracing(bool on) {
    if (on == m_tracing) return;
    m_tracing = on;
    m_bridge->reactor().setLoopTrace(on);
    updateState();
}

void LoopInspector::setSlowMotionDelay(int ms) { m_delay->setValue(ms); }

void LoopInspector::pause() {
    if (!m_tracing) setTracing(true);
    m_bridge->reactor().pause();
    m_paused = true;  // the `paused` event confirms it
    updateState();
}

void LoopInspector::step() {
    if (!m_paused) pause();
    m_bridge->reactor().step();
}

void LoopInspector::resume() {
    if (m_slow->isChecked()) m_slow->setChecked(false);
    m_bridge->reactor().resume();
    m_paused = false;
    updateState();
}

void LoopInspector::setSlowMotion(bool on) {
    if (m_slow->isChecked() != on) {
        m_slow->setChecked(on);  // re-enters through toggled
        return;
    }
    if (on) {
        if (!m_paused) pause();
        m_slowTimer->start();
    } else {
        m_slowTimer->stop();
    }
    updateState();
}

void LoopInspector::setBackend(engine::Backend backend) {
    m_bridge->reactor().setBackend(backend);
    const int i = m_backend->findData(static_cast<int>(backend));
    if (i >= 0) m_backend->setCurrentIndex(i);
}

void LoopInspector::clear() {
    m_view->clear();
    m_traces.clear();
    m_picture->setTrace(nullptr);
    m_idleRow = nullptr;
    m_idleCount = 0;
}

int LoopInspector::rowCount() const { return m_view->topLevelItemCount(); }

QString LoopInspector::rowText(int row) const {
    const QTreeWidgetItem* it = m_view->topLevelItem(row);
    if (!it) return {};
    QStringList cols;
    for (int c = 0; c < ColCount; ++c) cols << it->text(c);
    return cols.join(QStringLiteral(" | "));
}

QStringList LoopInspector::keyMomentRows(int row) const {
    QStringList out;
    if (const QTreeWidgetItem* it = m_view->topLevelItem(row))
        for (int i = 0; i < it->childCount(); ++i) out << it->child(i)->text(ColHooks);
    return out;
}

void LoopInspector::selectRow(int row) {
    if (QTreeWidgetItem* it = m_view->topLevelItem(row)) m_view->setCurrentItem(it);
}

QString LoopInspector::channelName(engine::ChannelId id) const {
    if (const ChannelInfo* info = m_bridge->channelModel()->info(id)) {
        if (!info->label.isEmpty()) return QStringLiteral("%1#%2").arg(info->label).arg(id);  // an example's
        const char* role = info->role == engine::ChannelRole::Listener   ? "listener"
                           : info->role == engine::ChannelRole::Accepted ? "accepted"
                                                                          : "client";
        return QStringLiteral("#%1 %2").arg(id).arg(QLatin1String(role));
    }
    return QStringLiteral("#%1").arg(id);
}

void LoopInspector::onBatch(const std::vector<engine::Event>& batch) {
    bool added = false;
    for (const engine::Event& e : batch) {
        switch (e.kind) {
        case engine::EventKind::Loop:
            if (e.trace) {
                addPass(e);
                added = true;
            }
            break;
        case engine::EventKind::Paused:
            m_paused = true;
            m_bridge->reactor().snapshot();  // what is waiting, for the next-step line
            updateState();
            break;
        case engine::EventKind::ChannelState:
            if (e.state && e.channel != 0) {
                m_states[e.channel] = e.state;
                if (m_paused) updateState();
            }
            break;
        case engine::EventKind::Closed: m_states.erase(e.channel); break;
        case engine::EventKind::Resumed:
            m_paused = false;
            m_preview.reset();
            updateState();
            break;
        case engine::EventKind::Preview:
            m_preview = e.trace;
            if (m_paused) updateState();
            break;
        default: break;
        }
    }
    if (added) {
        while (m_view->topLevelItemCount() > kMaxRows) {
            QTreeWidgetItem* first = m_view->takeTopLevelItem(0);
            if (first == m_idleRow) m_idleRow = nullptr;
            m_traces.erase(m_traces.begin(), m_traces.upper_bound(first->data(ColPass, Qt::UserRole).toULongLong()));
            delete first;
        }
        if (m_follow) m_view->scrollToBottom();
        if (m_paused) {
            m_bridge->reactor().snapshot();  // the state after the step
            updateState();
        }
    }
}

void LoopInspector::addPass(const engine::Event& e) {
    const engine::LoopTrace& t = *e.trace;
    ++m_passesSeen;
    m_last = e.trace;
    m_traces[t.pass] = e.trace;
    // The picture follows the latest pass that did something (idle passes
    // fold, as in the table) unless an older row is being looked at.
    if (!(t.ready.empty() && t.dispatched.empty() && m_picture->trace())) {
        QTreeWidgetItem* cur = m_view->currentItem();
        if (cur && cur->parent()) cur = cur->parent();
        const int n = m_view->topLevelItemCount();
        if (!cur || (n > 0 && cur == m_view->topLevelItem(n - 1))) m_picture->setTrace(e.trace);
    }
    if (const int i = m_backend->findData(static_cast<int>(t.backend)); i >= 0 && i != m_backend->currentIndex())
        m_backend->setCurrentIndex(i);
    const QString backend = [&] {
        const std::string_view n = engine::backendName(t.backend);
        return QString::fromLatin1(n.data(), static_cast<qsizetype>(n.size()));
    }();
    const PolledSets sets = polledSets(t.polled);
    QStringList ready, hooks;
    for (const auto& r : t.ready) ready << QStringLiteral("%1 (%2)").arg(channelName(r.channel), bitsText(r.bits));
    for (const auto& d : t.dispatched) {
        hooks << QStringLiteral("%1 %2").arg(shortName(d.channel), hookText(d.hook));
        emit hookRan(d.channel, d.hook);
    }
    const bool idle = t.ready.empty() && t.dispatched.empty();
    if (idle && m_idleRow) {
        ++m_idleCount;
        m_idleRow->setText(ColPass, QStringLiteral("%1–%2").arg(m_idleFirst).arg(t.pass));
        m_idleRow->setText(ColTime, timeText(e.tUs));
        m_idleRow->setText(ColHooks, tr("%1 idle passes: nothing ready, no hook").arg(m_idleCount));
        // The run shows its last pass; the ones before it are let go.
        m_traces.erase(m_idleRow->data(ColPass, Qt::UserRole).toULongLong());
        m_idleRow->setData(ColPass, Qt::UserRole, QVariant::fromValue<qulonglong>(t.pass));
        return;
    }
    auto* item = new QTreeWidgetItem;
    item->setText(ColPass, QString::number(t.pass));
    item->setData(ColPass, Qt::UserRole, QVariant::fromValue<qulonglong>(t.pass));
    item->setText(ColTime, timeText(e.tUs));
    item->setText(ColBackend, backend);
    item->setText(ColReadable, sets.readable.join(QStringLiteral(", ")));
    item->setText(ColWritable, sets.writable.join(QStringLiteral(", ")));
    if (sets.layerRead) item->setToolTip(ColReadable, layerWantsTip());
    if (sets.layerWrite) item->setToolTip(ColWritable, layerWantsTip());
    for (const auto& [col, marked] : {std::pair{ColReadable, sets.layerRead}, std::pair{ColWritable, sets.layerWrite}}) {
        if (!marked) continue;
        QFont f = item->font(col);
        f.setItalic(true);
        item->setFont(col, f);
        item->setForeground(col, palette().color(QPalette::Link));
    }
    item->setText(ColReady, ready.join(QStringLiteral(", ")));
    item->setText(ColHooks, idle ? tr("1 idle pass: nothing ready, no hook") : hooks.join(QStringLiteral(" → ")));
    item->setToolTip(ColHooks, hooks.join(QLatin1Char('\n')));
    item->setToolTip(ColPass, tr("waited %1 µs in the backend").arg(t.waitedUs));
    if (idle) {
        item->setForeground(ColHooks, ViewColors::current().quiet);  // readable in dark palettes too
        m_idleRow = item;
        m_idleFirst = t.pass;
        m_idleCount = 1;
    } else {
        m_idleRow = nullptr;
    }
    m_view->addTopLevelItem(item);
    // The pass's key moments, as ★ rows under it (the picture draws them too).
    if (!idle) {
        const QStringList stars =
            LoopPicture::keyMomentsOf(t, [this](engine::ChannelId id) { return channelName(id); });
        for (const QString& s : stars) {
            auto* star = new QTreeWidgetItem(item);
            star->setText(ColPass, QStringLiteral("★"));
            star->setText(ColHooks, s);
            star->setToolTip(ColHooks, s);
            QFont f = star->font(ColHooks);
            f.setBold(true);
            star->setFont(ColHooks, f);
        }
        if (!stars.isEmpty()) item->setExpanded(true);
    }
}

LoopInspector::PolledSets LoopInspector::polledSets(const std::vector<engine::LoopTrace::Polled>& polled) const {
    PolledSets s;
    for (const auto& p : polled) {
        const QString name = channelName(p.channel);
        // The layer's want is marked whether or not the application said
        // yes too: during a handshake its yes is held back.
        if (p.layerWantsRead)
            s.readable << tr("%1 (TLS wants read)").arg(name);
        else if (p.readable)
            s.readable << name;
        if (p.layerWantsWrite)
            s.writable << tr("%1 (TLS wants write)").arg(name);
        else if (p.writable)
            s.writable << name;
        s.layerRead = s.layerRead || p.layerWantsRead;
        s.layerWrite = s.layerWrite || p.layerWantsWrite;
    }
    return s;
}

QString LoopInspector::shortName(engine::ChannelId id) const {
    if (const ChannelInfo* info = m_bridge->channelModel()->info(id); info && !info->label.isEmpty())
        return QStringLiteral("%1#%2").arg(info->label).arg(id);
    return QStringLiteral("#%1").arg(id);
}

QString LoopInspector::previewText() const {
    if (!m_paused || !m_preview) return {};
    QStringList lines;
    for (const auto& w : m_preview->waiting) {
        QStringList what;
        if (w.bytes) what << tr("%n byte(s) waiting in the socket", nullptr, static_cast<int>(w.bytes));
        QStringList answers;
        answers << (w.readable ? tr("readable") : tr("not readable"));
        answers << (w.writable ? tr("writable") : tr("not writable"));
        if (w.layerWantsRead) answers << tr("its TLS layer wants the socket readable");
        if (w.layerWantsWrite) answers << tr("its TLS layer wants the socket writable");
        if (w.bits) answers << tr("ready: %1").arg(bitsText(w.bits));
        what << answers.join(QStringLiteral(", "));
        if (!w.next.empty()) what << tr("next: %1").arg(QString::fromStdString(w.next));
        lines << QStringLiteral("%1 — %2").arg(channelName(w.channel), what.join(QStringLiteral("; ")));
    }
    if (lines.isEmpty()) return tr("Next step (pass %1): no channel.").arg(m_preview->pass);
    return tr("Next step (pass %1), as the sockets stand now:\n").arg(m_preview->pass) +
           lines.join(QLatin1Char('\n'));
}

QString LoopInspector::nextStepText() const {
    if (!m_paused) return {};
    QString text = tr("Paused. Peers can keep sending: their bytes wait in the socket until the next step. ");
    if (const QString p = previewText(); !p.isEmpty()) text += QLatin1Char('\n') + p + QLatin1Char('\n');
    if (!m_last) return text + tr("Step (F7) runs one pass: it waits in the backend, then dispatches what is ready.");
    const PolledSets last = polledSets(m_last->polled);
    const QStringList& r = last.readable;
    const QStringList& w = last.writable;
    QStringList waiting;
    for (const auto& [id, st] : m_states) {
        if (!st || st->phase == engine::ChannelPhase::Closed) continue;
        QStringList what;
        if (!st->residue.empty())
            what << tr("%1 B in ac_in_buffer held back (\"%2\", a possible start of the terminator: "
                       "find_prefix_at_end)")
                        .arg(st->residue.size())
                        .arg(QString::fromStdString(engine::renderEscaped(st->residue)));
        if (st->pendingMessage != 0)
            what << tr("%1 B of a message collected, waiting for its terminator").arg(st->pendingMessage);
        if (st->queuedBytes != 0 || st->fifoEntries != 0)
            what << tr("%1 B in %2 producer(s) queued → writable() is true: the next step runs handle_write → "
                       "initiate_send → send")
                        .arg(st->queuedBytes)
                        .arg(st->fifoEntries);
        if (!what.isEmpty())
            waiting << QStringLiteral("%1 [terminator %2]: %3")
                           .arg(channelName(id), QString::fromStdString(engine::terminatorSpec(st->terminator)),
                                what.join(QStringLiteral("; ")));
    }
    if (!waiting.isEmpty())
        text += tr("Waiting: %1. Bytes a peer has sent since are in the socket; the next recv() takes them. ")
                    .arg(waiting.join(QStringLiteral(" · ")));
    if (last.layerRead || last.layerWrite)
        text += tr("A channel marked \"TLS wants read/write\" is watched for its TLS layer although the application "
                   "said no: the layer has work of its own on the socket (a handshake, a partial record). ");
    return text + tr("The next step asks every channel readable()/writable() again (last time: readable %1; "
                     "writable %2), waits until one is ready, and dispatches it: handle_read → "
                     "collect_incoming_data → found_terminator for data that has arrived, handle_write → "
                     "initiate_send → send for queued output.")
                      .arg(r.isEmpty() ? tr("none") : r.join(QStringLiteral(", ")),
                           w.isEmpty() ? tr("none") : w.join(QStringLiteral(", ")));
}

void LoopInspector::updateState() {
    m_pause->setEnabled(!m_paused);
    m_resume->setEnabled(m_paused);
    m_step->setEnabled(true);
    if (m_paused)
        m_status->setText(m_slow->isChecked() ? tr("Slow motion: one pass every %1 ms. ").arg(m_delay->value()) +
                                                    nextStepText()
                                              : nextStepText());
    else
        m_status->setText(m_tracing ? tr("Running; every pass is traced (idle passes fold into one row).")
                                    : tr("Trace off (the inspector is closed)."));
}

}  // namespace ui
