// ConversationView.cpp — the event table, its filter bar and find bar.
#include "ui/views/ConversationView.h"

#include "ui/views/ColumnWidths.h"
#include "ui/views/CompactModel.h"
#include "ui/views/EventDelegate.h"
#include "ui/views/FlowLayout.h"
#include "ui/model/Formatters.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMouseEvent>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace ui {
namespace {

using K = engine::EventKind;

struct KindGroup {
    const char* title;
    std::initializer_list<K> kinds;
};

const KindGroup kGroups[] = {
    {QT_TRANSLATE_NOOP("ui::ConversationView", "Data"),
     {K::Collect, K::FoundTerminator, K::Received, K::Push, K::Sent, K::ProducerExhausted, K::Datagram,
      K::DatagramSent}},
    {QT_TRANSLATE_NOOP("ui::ConversationView", "Connection"),
     {K::Listening, K::Accepted, K::Connecting, K::Connected, K::CloseWhenDone, K::HalfClosed, K::Closed}},
    {QT_TRANSLATE_NOOP("ui::ConversationView", "Settings and flow"),
     {K::TerminatorSet, K::BuffersSet, K::LimitsSet, K::Discarded, K::HighWater, K::LowWater}},
    {QT_TRANSLATE_NOOP("ui::ConversationView", "TLS"), {K::StartTls, K::TlsHandshake, K::TlsClose}},
    {QT_TRANSLATE_NOOP("ui::ConversationView", "Problems"), {K::Error, K::Warning}},
    {QT_TRANSLATE_NOOP("ui::ConversationView", "Reactor"),
     {K::LimitReached, K::Paused, K::Resumed, K::Stopped, K::ChannelState, K::Loop, K::Preview, K::Hosted}},
};

QSet<K> allKinds() {
    QSet<K> s;
    for (std::size_t k = 0; k < engine::kEventKindCount; ++k) s.insert(static_cast<K>(k));
    return s;
}

QToolButton* toolButton(const QString& text, const QString& tip, QWidget* parent, bool checkable = false) {
    auto* b = new QToolButton(parent);
    b->setText(text);
    b->setToolTip(tip);
    b->setCheckable(checkable);
    b->setAutoRaise(true);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return b;
}

// What the conversation's two tables share: whole rows of one line, no grid,
// no row numbers, a fixed row height, the last column stretched; Tab leaves.
void setUpRows(QTableView* t) {
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setWordWrap(false);
    t->setShowGrid(false);
    t->setTextElideMode(Qt::ElideRight);
    t->setTabKeyNavigation(false);
    t->verticalHeader()->setVisible(false);
    t->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    t->horizontalHeader()->setHighlightSections(false);
    t->horizontalHeader()->setStretchLastSection(true);
}

}  // namespace

ConversationView::ConversationView(EventLogModel* model, QWidget* parent) : QWidget(parent), m_model(model) {
    m_table = new QTableView(this);
    m_table->setModel(m_model);
    m_delegate = new EventDelegate(m_table);
    m_table->setItemDelegate(m_delegate);
    setUpRows(m_table);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setAccessibleName(tr("Conversation"));
    m_table->installEventFilter(this);
    m_table->viewport()->installEventFilter(this);
    setColumnWidths();

    m_filterTimer = new QTimer(this);
    m_filterTimer->setSingleShot(true);
    m_filterTimer->setInterval(150);
    connect(m_filterTimer, &QTimer::timeout, this, &ConversationView::applyFilter);

    buildFilterBar();
    buildFindBar();

    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(0, 0, 0, 0);
    col->setSpacing(0);
    col->addWidget(m_filterBar);
    col->addWidget(m_table, 1);

    // Compact (Follow Stream): its own table over a filter of the same model, shown instead.
    m_compact = new CompactModel(this);
    m_compactTable = new QTableView(this);
    m_compactTable->setObjectName(QStringLiteral("compactTable"));
    m_compactTable->setModel(m_compact);
    setUpRows(m_compactTable);
    m_compactTable->setAccessibleName(tr("Conversation, one row per message"));
    m_compactTable->setVisible(false);
    connect(m_compact, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow && m_compactOn) m_compactTable->scrollToBottom();
    });
    col->addWidget(m_compactTable, 1);
    col->addWidget(m_findBar);

    // Actions (the main window puts them in menus; they work here too).
    m_messagesAction = new QAction(tr("&Messages view"), this);
    m_messagesAction->setCheckable(true);
    m_messagesAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    m_messagesAction->setToolTip(
        tr("One row per complete message (everything between two found_terminator calls) (Ctrl+M)"));
    connect(m_messagesAction, &QAction::toggled, this, &ConversationView::setMessagesMode);
    m_modeButton->setDefaultAction(m_messagesAction);

    m_compactAction = new QAction(tr("&Compact (Follow Stream)"), this);
    m_compactAction->setCheckable(true);
    m_compactAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
    m_compactAction->setToolTip(tr("One row per message, in and out in two colours, without the send rows that "
                                   "repeat a push (Ctrl+Shift+M)"));
    connect(m_compactAction, &QAction::toggled, this, &ConversationView::setCompactMode);
    m_compactButton->setDefaultAction(m_compactAction);

    m_followAction = new QAction(tr("&Follow new events"), this);
    m_followAction->setCheckable(true);
    m_followAction->setChecked(true);
    m_followAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_End));
    connect(m_followAction, &QAction::toggled, this, &ConversationView::setFollowTail);

    struct CopyDef {
        CopyFormat format;
        const char* text;
        QKeySequence key;
    };
    const CopyDef copies[] = {
        {CopyFormat::Rows, QT_TR_NOOP("&Copy rows"), QKeySequence::Copy},
        {CopyFormat::Escaped, QT_TR_NOOP("Copy bytes as &escaped text"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C)},
        {CopyFormat::Text, QT_TR_NOOP("Copy bytes as &text"), {}},
        {CopyFormat::Hex, QT_TR_NOOP("Copy bytes as &hex"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_H)},
        {CopyFormat::Base64, QT_TR_NOOP("Copy bytes as &base64"), {}},
    };
    for (const CopyDef& c : copies) {
        auto* a = new QAction(tr(c.text), this);
        a->setShortcut(c.key);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        const CopyFormat f = c.format;
        connect(a, &QAction::triggered, this, [this, f] { copySelection(f); });
        m_table->addAction(a);
        m_compactTable->addAction(a);  // Compact mode copies the same way
        m_copyActions.append(a);
    }
    m_compactTable->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_compactTable, &QTableView::customContextMenuRequested, this, &ConversationView::showContextMenu);
    m_compactTable->installEventFilter(this);

    connect(m_table, &QTableView::customContextMenuRequested, this, &ConversationView::showContextMenu);
    connect(m_table->horizontalHeader(), &QHeaderView::customContextMenuRequested, this, [this](const QPoint& pos) {
        QMenu menu(this);
        for (int c = 0; c < EventLogModel::ColData; ++c) {
            QAction* a = menu.addAction(m_model->headerData(c, Qt::Horizontal).toString());
            a->setCheckable(true);
            a->setChecked(!m_table->isColumnHidden(c));
            connect(a, &QAction::toggled, this, [this, c](bool on) { m_table->setColumnHidden(c, !on); });
        }
        menu.exec(m_table->horizontalHeader()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current, const QModelIndex&) { emit currentRowChanged(current); });
    connect(m_table->verticalScrollBar(), &QScrollBar::actionTriggered, this, [this](int) {
        // A user scroll: follow the tail exactly when it ends at the bottom.
        QTimer::singleShot(0, this, [this] {
            const QScrollBar* bar = m_table->verticalScrollBar();
            setFollowTail(bar->value() >= bar->maximum());
        });
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &ConversationView::onRowsInserted);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &ConversationView::updateCountLabel);
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
        const QModelIndex cur = m_table->currentIndex();
        m_keepSeq = cur.isValid() ? cur.data(EventLogModel::SeqRole).toULongLong() : 0;
        m_hadCurrent = cur.isValid();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        updateCountLabel();
        bool kept = false;
        if (m_keepSeq != 0) {
            const int row = m_model->viewRowForSeq(m_keepSeq);
            if (row >= 0) {
                m_table->selectionModel()->setCurrentIndex(m_model->index(row, 0), QItemSelectionModel::ClearAndSelect |
                                                                                        QItemSelectionModel::Rows);
                if (!m_follow) m_table->scrollTo(m_model->index(row, 0), QAbstractItemView::PositionAtCenter);
                kept = true;
            }
        }
        // The row shown is gone (filtered out, another session): a reset
        // drops the current index without a word, so say it here, or the
        // Bytes pane goes on showing a row that is not there.
        if (m_hadCurrent && !kept) emit currentRowChanged(QModelIndex());
        m_hadCurrent = false;
        if (m_follow) m_table->scrollToBottom();
    });
    connect(m_model, &EventLogModel::filterApplied, this, &ConversationView::onFilterApplied);
    connect(m_model, &EventLogModel::filterProgress, this, [this](int percent) {
        m_count->setText(tr("filtering… %1%").arg(percent));
    });

    setKinds(defaultKinds());
    applyFilterNow();
}

void ConversationView::buildFilterBar() {
    m_filterBar = new QWidget(this);
    // Wraps onto a second line where the window is narrow (a small screen,
    // QT_SCALE_FACTOR=2) instead of setting the window's minimum width.
    auto* row = new FlowLayout(m_filterBar, 4, 3);
    row->setContentsMargins(4, 3, 4, 3);

    // Its action (messagesAction(), made with the other actions) is set on it
    // there: one toggle, the same in the View menu.
    m_modeButton = toolButton(tr("Messages view"), tr("Show one row per complete message (Ctrl+M)"), m_filterBar, true);
    m_compactButton = toolButton(tr("Compact"), tr("Follow Stream: one row per message (Ctrl+Shift+M)"), m_filterBar, true);

    m_kindsButton = toolButton(tr("Kinds"), tr("Which event kinds to show"), m_filterBar);
    m_kindsButton->setPopupMode(QToolButton::InstantPopup);
    buildKindsMenu();
    m_kindsButton->setMenu(m_kindsMenu);

    m_direction = new QComboBox(m_filterBar);
    m_direction->addItem(tr("In and out"));
    m_direction->addItem(tr("In only"));
    m_direction->addItem(tr("Out only"));
    m_direction->setToolTip(tr("Direction: in = collect/found_terminator, out = push/sent"));
    connect(m_direction, &QComboBox::currentIndexChanged, this, &ConversationView::scheduleFilter);

    m_filterText = new QLineEdit(m_filterBar);
    m_filterText->setPlaceholderText(tr("Filter"));
    m_filterText->setClearButtonEnabled(true);
    m_filterText->setToolTip(
        tr("Show rows whose bytes, addresses or messages contain this text; escapes like \\r\\n work (Ctrl+Shift+F)"));
    m_filterText->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("x")) * 8);
    connect(m_filterText, &QLineEdit::textChanged, this, &ConversationView::scheduleFilter);
    connect(m_filterText, &QLineEdit::returnPressed, this, &ConversationView::applyFilterNow);

    m_caseButton = toolButton(tr("Aa"), tr("Match case"), m_filterBar, true);
    connect(m_caseButton, &QToolButton::toggled, this, &ConversationView::scheduleFilter);

    m_scope = new QComboBox(m_filterBar);
    m_scope->addItem(tr("All channels"));
    m_scope->addItem(tr("Selected channel"));
    m_scope->setToolTip(tr("Show every channel, or the one selected under Channels (a listener: with its connections)"));
    m_scope->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_scope->setMinimumContentsLength(9);
    connect(m_scope, &QComboBox::currentIndexChanged, this, &ConversationView::applyFilterNow);

    m_followButton = toolButton(tr("Follow"), tr("Keep the newest event in view (End)"), m_filterBar, true);
    m_followButton->setChecked(true);
    connect(m_followButton, &QToolButton::toggled, this, &ConversationView::setFollowTail);

    m_count = new QLabel(m_filterBar);
    m_count->setTextFormat(Qt::PlainText);
    m_count->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_count->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("99 of 99")));

    row->addWidget(m_modeButton);
    row->addWidget(m_compactButton);
    row->addWidget(m_kindsButton);
    row->addWidget(m_direction);
    row->addWidget(m_filterText);  // expanding: takes what its line leaves
    row->addWidget(m_caseButton);
    row->addWidget(m_scope);
    row->addWidget(m_followButton);
    row->addWidget(m_count);
}

void ConversationView::buildKindsMenu() {
    m_kindsMenu = new QMenu(this);
    m_kindsMenu->setToolTipsVisible(true);
    QAction* all = m_kindsMenu->addAction(tr("Show all kinds"));
    connect(all, &QAction::triggered, this, [this] { setKinds({}); });
    QAction* def = m_kindsMenu->addAction(tr("Default (all but snapshots and loop traces)"));
    connect(def, &QAction::triggered, this, [this] { setKinds(defaultKinds()); });
    QAction* dataOnly = m_kindsMenu->addAction(tr("Data only"));
    connect(dataOnly, &QAction::triggered, this, [this] {
        setKinds({K::Collect, K::FoundTerminator, K::Push, K::Sent, K::ProducerExhausted, K::Datagram, K::DatagramSent});
    });
    QAction* problems = m_kindsMenu->addAction(tr("Problems only"));
    connect(problems, &QAction::triggered, this, [this] { setKinds({K::Error, K::Warning}); });
    for (const KindGroup& g : kGroups) {
        m_kindsMenu->addSection(tr(g.title));
        for (K k : g.kinds) {
            QAction* a = m_kindsMenu->addAction(kindName(k));
            a->setCheckable(true);
            a->setData(static_cast<int>(k));
            connect(a, &QAction::toggled, this, [this] {
                updateKindsButton();
                scheduleFilter();
            });
            m_kindActions.append(a);
        }
    }
}

void ConversationView::buildFindBar() {
    m_findBar = new QWidget(this);
    auto* row = new QHBoxLayout(m_findBar);
    row->setContentsMargins(4, 3, 4, 3);
    row->setSpacing(4);
    auto* label = new QLabel(tr("Find:"), m_findBar);
    m_findText = new QLineEdit(m_findBar);
    m_findText->setObjectName(QStringLiteral("findText"));
    m_findText->setPlaceholderText(tr("Text or escapes (\\r\\n); Enter/F3 next, Shift+F3 previous"));
    m_findText->setClearButtonEnabled(true);
    label->setBuddy(m_findText);
    auto* prev = toolButton(tr("Previous"), tr("Find previous (Shift+F3)"), m_findBar);
    auto* next = toolButton(tr("Next"), tr("Find next (F3)"), m_findBar);
    m_findCase = toolButton(tr("Aa"), tr("Match case"), m_findBar, true);
    m_findStatus = new QLabel(m_findBar);
    m_findStatus->setTextFormat(Qt::PlainText);
    m_findStatus->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("Wrapped to the top")));
    auto* close = toolButton(tr("✕"), tr("Close the find bar (Esc)"), m_findBar);
    row->addWidget(label);
    row->addWidget(m_findText, 1);
    row->addWidget(m_findCase);
    row->addWidget(prev);
    row->addWidget(next);
    row->addWidget(m_findStatus);
    row->addWidget(close);
    connect(next, &QToolButton::clicked, this, &ConversationView::findNext);
    connect(prev, &QToolButton::clicked, this, &ConversationView::findPrevious);
    connect(m_findText, &QLineEdit::returnPressed, this, &ConversationView::findNext);
    connect(m_findText, &QLineEdit::textChanged, this, [this] {
        m_findStatus->clear();
        updateHighlight();
    });
    connect(m_findCase, &QToolButton::toggled, this, [this] { updateHighlight(); });
    connect(close, &QToolButton::clicked, this, [this] { hideFindBar(); });
    m_findText->installEventFilter(this);
    m_findBar->hide();
}

QSet<engine::EventKind> ConversationView::defaultKinds() {
    QSet<K> s = allKinds();
    s.remove(K::ChannelState);
    s.remove(K::Loop);
    s.remove(K::Preview);
    return s;
}

void ConversationView::setKinds(const QSet<engine::EventKind>& kinds) {
    const QSet<K> shown = kinds.isEmpty() ? allKinds() : kinds;
    for (QAction* a : std::as_const(m_kindActions)) {
        const QSignalBlocker block(a);
        a->setChecked(shown.contains(static_cast<K>(a->data().toInt())));
    }
    updateKindsButton();
    scheduleFilter();
}

QSet<engine::EventKind> ConversationView::kinds() const {
    QSet<K> s;
    for (QAction* a : m_kindActions)
        if (a->isChecked()) s.insert(static_cast<K>(a->data().toInt()));
    if (s.size() == static_cast<qsizetype>(engine::kEventKindCount)) return {};
    return s;
}

void ConversationView::updateKindsButton() {
    const QSet<K> k = kinds();
    QString text;
    if (k.isEmpty())
        text = tr("Kinds: all");
    else if (k == defaultKinds())
        text = tr("Kinds: default");
    else
        text = tr("Kinds: %1 of %2").arg(k.size()).arg(engine::kEventKindCount);
    m_kindsButton->setText(text + QStringLiteral("   "));  // room for the menu arrow
}

void ConversationView::setSelectedChannels(const QSet<engine::ChannelId>& channels, const QString& label) {
    m_selected = channels;
    m_selectedLabel = label;
    m_scope->setItemText(1, channels.isEmpty() ? tr("Selected channel") : tr("Only %1").arg(label));
    if (m_scope->currentIndex() == 1) applyFilterNow();
}

void ConversationView::setScopeToSelection(bool on) {
    m_scope->setCurrentIndex(on ? 1 : 0);
}

bool ConversationView::scopeToSelection() const {
    return m_scope->currentIndex() == 1;
}

void ConversationView::setMessagesMode(bool on) {
    if (m_modeButton->isChecked() != on) m_modeButton->setChecked(on);
    if (m_messagesAction && m_messagesAction->isChecked() != on) m_messagesAction->setChecked(on);
    const EventLogModel::Mode mode = on ? EventLogModel::Mode::Messages : EventLogModel::Mode::Events;
    if (m_model->mode() == mode) return;
    m_model->setMode(mode);
    emit messagesModeChanged(on);
}

bool ConversationView::messagesMode() const {
    return m_model->mode() == EventLogModel::Mode::Messages;
}

void ConversationView::setCompactMode(bool on) {
    if (m_compactAction->isChecked() != on) m_compactAction->setChecked(on);
    if (on == m_compactOn) return;
    m_compactOn = on;
    if (on) {
        m_messagesBeforeCompact = messagesMode();
        setMessagesMode(true);
        m_compact->setColors(ViewColors::forPalette(palette()), palette().color(QPalette::Base));
        m_compact->setSourceModel(m_model);
        const QFontMetrics fm(m_compactTable->font());
        m_compactTable->verticalHeader()->setDefaultSectionSize(fm.height() + 4);
        // Time, Channel, direction, Size: as wide as their text; Data takes the rest.
        fitColumns(m_compactTable->horizontalHeader(), fm, 12,
                   {{0, "00:00:00.000000"}, {1, "#0000 Accepted"}, {2, "→→"}, {3, "000000"}});
    } else {
        m_compact->setSourceModel(nullptr);  // costs nothing while off
        setMessagesMode(m_messagesBeforeCompact);
    }
    m_table->setVisible(!on);
    m_compactTable->setVisible(on);
    m_modeButton->setEnabled(!on);
    m_messagesAction->setEnabled(!on);
    if (on && m_follow) m_compactTable->scrollToBottom();
    updateHighlight();
    emit compactModeChanged(on);
}

void ConversationView::setFollowTail(bool on) {
    m_follow = on;
    if (m_followButton->isChecked() != on) m_followButton->setChecked(on);
    if (m_followAction && m_followAction->isChecked() != on) m_followAction->setChecked(on);
    if (on) m_table->scrollToBottom();
    if (on && m_compactOn) m_compactTable->scrollToBottom();
}

void ConversationView::setFilterText(const QString& text) {
    m_filterText->setText(text);
}

void ConversationView::setDirection(std::optional<Direction> d) {
    m_direction->setCurrentIndex(!d ? 0 : (*d == Direction::In ? 1 : 2));
}

EventFilter ConversationView::currentFilter() const {
    EventFilter f;
    if (m_scope->currentIndex() == 1) {
        f.channels = m_selected;
        // Nothing selected: no channel matches (an empty set would mean "all").
        if (f.channels.isEmpty()) f.channels.insert(std::numeric_limits<engine::ChannelId>::max());
    }
    f.kinds = kinds();
    if (m_direction->currentIndex() == 1) f.direction = Direction::In;
    if (m_direction->currentIndex() == 2) f.direction = Direction::Out;
    f.text = m_filterText->text();
    f.caseSensitive = m_caseButton->isChecked();
    return f;
}

void ConversationView::scheduleFilter() {
    m_filterTimer->start();
}

void ConversationView::applyFilterNow() {
    m_filterTimer->stop();
    applyFilter();
}

void ConversationView::applyFilter() {
    const EventFilter f = currentFilter();
    if (f == m_model->filter()) return;
    m_model->setFilter(f);
    if (m_model->isApplyingFilter()) m_count->setText(tr("filtering…"));
}

void ConversationView::onFilterApplied(qint64 ms, qsizetype matches) {
    updateCountLabel();
    if (ms >= 100) emit notice(tr("Filter applied in %1 ms: %2 rows").arg(ms).arg(matches));
}

void ConversationView::updateCountLabel() {
    if (m_model->isApplyingFilter()) return;
    const qsizetype total = static_cast<qsizetype>(m_model->store()->size());
    const int shown = m_model->rowCount();
    const QLocale locale;
    if (m_model->filter().isEmpty() && m_model->mode() == EventLogModel::Mode::Events)
        m_count->setText(tr("%1 rows").arg(locale.toString(shown)));
    else
        m_count->setText(tr("%1 of %2").arg(locale.toString(shown), locale.toString(total)));
    m_count->setToolTip(tr("Rows shown, of events logged"));
}

void ConversationView::onRowsInserted() {
    if (m_follow) m_table->scrollToBottom();
    updateCountLabel();
}

void ConversationView::focusFilter() {
    m_filterText->setFocus(Qt::ShortcutFocusReason);
    m_filterText->selectAll();
}

void ConversationView::showFindBar() {
    m_findBar->show();
    m_findText->setFocus(Qt::ShortcutFocusReason);
    m_findText->selectAll();
    updateHighlight();
}

void ConversationView::hideFindBar() {
    m_findBar->hide();
    updateHighlight();
    (m_compactOn ? m_compactTable : m_table)->setFocus();
}

void ConversationView::updateHighlight() {
    // Compact mode marks every row with a match while the find bar is open.
    const bool on = m_compactOn && !m_findBar->isHidden();
    m_compact->setHighlight(on ? m_findText->text() : QString(),
                            m_findCase->isChecked() ? Qt::CaseSensitive : Qt::CaseInsensitive);
}

void ConversationView::setFindText(const QString& text) {
    m_findText->setText(text);
}

bool ConversationView::findNext() {
    return find(false);
}

bool ConversationView::findPrevious() {
    return find(true);
}

bool ConversationView::find(bool backwards) {
    const QString text = m_findText->text();
    if (text.isEmpty()) {
        showFindBar();
        return false;
    }
    updateHighlight();
    const int current = currentRow();
    const int from = current >= 0 ? current : (backwards ? m_model->rowCount() : -1);
    // Compact mode: the next match among the rows it shows (rows of the
    // model, found in the model, skipped while compact hides them).
    const auto next = [&](int start) {
        int row = m_model->findNext(text, start, backwards, m_findCase->isChecked());
        while (m_compactOn && row >= 0 && !m_compact->mapFromSource(m_model->index(row, 0)).isValid())
            row = m_model->findNext(text, row, backwards, m_findCase->isChecked());
        return row;
    };
    int row = next(from);
    QString status;
    if (row < 0) {
        row = next(backwards ? m_model->rowCount() : -1);
        if (row >= 0) status = backwards ? tr("Wrapped to the bottom") : tr("Wrapped to the top");
    }
    if (row < 0) {
        m_findStatus->setText(tr("Not found"));
        emit notice(tr("“%1” not found").arg(text));
        return false;
    }
    m_findStatus->setText(status);
    setFollowTail(false);
    selectRow(row);
    return true;
}

void ConversationView::selectRow(int viewRow) {
    if (viewRow < 0 || viewRow >= m_model->rowCount()) return;
    if (m_compactOn) {
        const QModelIndex at = m_compact->mapFromSource(m_model->index(viewRow, EventLogModel::ColData));
        if (!at.isValid()) return;  // a row compact mode does not show
        m_compactTable->selectionModel()->setCurrentIndex(at, QItemSelectionModel::ClearAndSelect |
                                                                  QItemSelectionModel::Rows);
        m_compactTable->scrollTo(at, QAbstractItemView::EnsureVisible);
        return;
    }
    const QModelIndex idx = m_model->index(viewRow, EventLogModel::ColData);
    m_table->selectionModel()->setCurrentIndex(idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(idx, QAbstractItemView::EnsureVisible);
}

int ConversationView::currentRow() const {
    if (m_compactOn) {
        const QModelIndex cur = m_compactTable->currentIndex();
        return cur.isValid() ? m_compact->mapToSource(cur).row() : -1;
    }
    const QModelIndex cur = m_table->currentIndex();
    return cur.isValid() ? cur.row() : -1;
}

QList<int> ConversationView::selectedRows() const {
    QList<int> rows;
    if (m_compactOn) {  // the model's rows behind the compact rows selected
        const QItemSelection sel = m_compactTable->selectionModel()->selection();
        for (const QItemSelectionRange& r : sel) {
            for (int row = r.top(); row <= r.bottom() && rows.size() < kMaxCopyRows; ++row)
                rows.append(m_compact->mapToSource(m_compact->index(row, 0)).row());
        }
        std::sort(rows.begin(), rows.end());
        rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
        if (rows.isEmpty() && currentRow() >= 0) rows.append(currentRow());
        return rows;
    }
    const QItemSelection sel = m_table->selectionModel()->selection();
    for (const QItemSelectionRange& r : sel) {
        for (int row = r.top(); row <= r.bottom() && rows.size() < kMaxCopyRows; ++row) rows.append(row);
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    if (rows.isEmpty() && m_table->currentIndex().isValid()) rows.append(m_table->currentIndex().row());
    return rows;
}

QString ConversationView::selectionText(CopyFormat format) const {
    const QList<int> rows = selectedRows();
    QStringList lines;
    lines.reserve(rows.size());
    QByteArray raw;
    for (const int row : rows) {
        if (format == CopyFormat::Rows) {
            QStringList cells;
            for (int c = 0; c < EventLogModel::ColData; ++c) {
                if (m_table->isColumnHidden(c)) continue;
                cells << m_model->index(row, c).data().toString();
            }
            const QModelIndex cell = m_model->index(row, EventLogModel::ColData);
            const auto kind = static_cast<engine::EventKind>(cell.data(EventLogModel::KindRole).toInt());
            const bool bytesRow = m_model->rowType(row) != EventLogModel::RowType::Event ||
                                  kind == K::Collect || kind == K::Sent || kind == K::FoundTerminator;
            QString text = bytesRow ? cell.data(EventLogModel::EscapedRole).toString() : cell.data().toString();
            cells << text;
            lines << cells.join(QLatin1Char('\t'));
            continue;
        }
        QByteArray wire = m_model->rowBytes(row);
        if (m_model->rowType(row) == EventLogModel::RowType::Message) wire += m_model->rowTerminator(row);
        switch (format) {
        case CopyFormat::Text: raw += wire; break;
        case CopyFormat::Escaped:
            lines << escapedText(std::string_view(wire.constData(), static_cast<std::size_t>(wire.size())));
            break;
        case CopyFormat::Hex: lines << QString::fromLatin1(wire.toHex(' ')); break;
        case CopyFormat::Base64: lines << QString::fromLatin1(wire.toBase64()); break;
        case CopyFormat::Rows: break;
        }
    }
    if (format == CopyFormat::Text) return QString::fromUtf8(raw);
    return lines.join(QLatin1Char('\n'));
}

void ConversationView::copySelection(CopyFormat format) {
    const QList<int> rows = selectedRows();
    if (rows.isEmpty()) {
        emit notice(tr("Nothing selected to copy"));
        return;
    }
    QApplication::clipboard()->setText(selectionText(format));
    QString what;
    switch (format) {
    case CopyFormat::Rows: what = tr("rows"); break;
    case CopyFormat::Text: what = tr("text"); break;
    case CopyFormat::Escaped: what = tr("escaped text"); break;
    case CopyFormat::Hex: what = tr("hex"); break;
    case CopyFormat::Base64: what = tr("base64"); break;
    }
    QString note = rows.size() == 1 ? tr("Copied 1 row as %1").arg(what)
                                    : tr("Copied %1 rows as %2").arg(rows.size()).arg(what);
    if (rows.size() >= kMaxCopyRows) note += tr(" (selection cut at %1 rows)").arg(kMaxCopyRows);
    emit notice(note);
}

void ConversationView::showContextMenu(const QPoint& pos) {
    QMenu menu(this);
    for (QAction* a : std::as_const(m_copyActions)) menu.addAction(a);
    menu.addSeparator();
    menu.addAction(m_messagesAction);
    menu.addAction(m_followAction);
    if (m_compactOn) {
        menu.addAction(tr("&Find…"), this, &ConversationView::showFindBar);
        menu.exec(m_compactTable->viewport()->mapToGlobal(pos));
        return;
    }
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void ConversationView::setColumnWidths() {
    const QFontMetrics fm(m_table->font());
    QHeaderView* h = m_table->horizontalHeader();
    fitColumns(h, fm, fm.horizontalAdvance(QLatin1Char('x')) * 2,
               {{EventLogModel::ColTime, "00:00:00.000000"},
                {EventLogModel::ColDelta, "+00.000000"},
                {EventLogModel::ColChannel, "#0000"},
                {EventLogModel::ColDirection, "out"},
                {EventLogModel::ColMethod, "collect_incoming_data"},
                {EventLogModel::ColSize, "0000000"}});
    h->setMinimumSectionSize(fm.horizontalAdvance(QStringLiteral("xx")) + 4);
    m_table->verticalHeader()->setDefaultSectionSize(qMax(fm.height(), QFontMetrics(m_table->font()).height()) + 6);
    m_table->verticalHeader()->setMinimumSectionSize(fm.height() + 2);
}

QByteArray ConversationView::saveHeaderState() const {
    return m_table->horizontalHeader()->saveState();
}

void ConversationView::restoreHeaderState(const QByteArray& state) {
    if (!state.isEmpty()) m_table->horizontalHeader()->restoreState(state);
}

bool ConversationView::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::FocusIn && watched == m_table && !m_table->currentIndex().isValid() &&
        m_model->rowCount() > 0) {
        // Arrow keys then start from the newest row (a view would pick the first).
        m_table->selectionModel()->setCurrentIndex(m_model->index(m_model->rowCount() - 1, EventLogModel::ColData),
                                                   QItemSelectionModel::NoUpdate);
    }
    if (event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (watched == m_findText && key->key() == Qt::Key_Escape) {
            hideFindBar();
            return true;
        }
        if (watched == m_compactTable && key->key() == Qt::Key_Escape && m_findBar->isVisible()) {
            hideFindBar();
            return true;
        }
        if (watched == m_findText && (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) &&
            (key->modifiers() & Qt::ShiftModifier)) {
            findPrevious();
            return true;
        }
        if (watched == m_table) {
            if (key->key() == Qt::Key_End && key->modifiers() == Qt::NoModifier) {
                setFollowTail(true);
                if (m_model->rowCount() > 0) selectRow(m_model->rowCount() - 1);
                return true;
            }
            if (key->key() == Qt::Key_Escape && m_findBar->isVisible()) {
                hideFindBar();
                return true;
            }
            // Moving the selection away from the last row stops following.
            if (key->key() == Qt::Key_Up || key->key() == Qt::Key_PageUp || key->key() == Qt::Key_Home)
                setFollowTail(false);
        }
    } else if (event->type() == QEvent::MouseButtonPress && watched == m_table->viewport()) {
        // Picking a row above the newest one stops following, so it stays in view.
        const QPoint pos = static_cast<QMouseEvent*>(event)->position().toPoint();
        const QModelIndex at = m_table->indexAt(pos);
        if (at.isValid() && at.row() < m_model->rowCount() - 1) setFollowTail(false);
    }
    return QWidget::eventFilter(watched, event);
}

void ConversationView::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) {
        m_delegate->setColors(ViewColors::forPalette(palette()));
        m_table->viewport()->update();
        if (m_compact) m_compact->setColors(ViewColors::forPalette(palette()), palette().color(QPalette::Base));
    } else if (event->type() == QEvent::FontChange) {
        setColumnWidths();
    }
    QWidget::changeEvent(event);
}

}  // namespace ui
