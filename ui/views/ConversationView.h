// ConversationView.h — the conversation: every event of the chosen
// channels in order, one row each, or one row per complete message.
//
// What it does: a QTableView over the EventLogModel with fixed row heights,
// fixed column widths (never resized to contents on live data) and the
// EventDelegate for the Data column; it follows the tail while the user is
// at the bottom. Above it a filter bar: Events / Messages, kinds,
// direction, text (escaped, e.g. `\r\n`), case, and the channel scope (all
// channels, or the one selected under Channels, with a listener's accepted
// connections). Below it a find bar (next / previous, wraps around).
// Compact (Follow Stream) mode shows, in place of the table, a second table
// over a CompactModel (a filter over the same model in Messages mode, not a
// copy): one row per message, the two directions in two colours, no `send`
// rows repeating the pushes; turning it off restores the mode it found. Find
// and copy work there too: find moves among the compact rows and, while the
// find bar is open, marks every row with a match. Rows can be copied as
// lines, as raw text, escaped text, hex or base64.
// What it owns: its child widgets; not the model.
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"
#include "ui/model/EventLogModel.h"

#include <QSet>
#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QTableView;
class QTimer;
class QToolButton;

namespace ui {

class CompactModel;
class EventDelegate;

class ConversationView : public QWidget {
    Q_OBJECT
public:
    enum class CopyFormat { Rows, Text, Escaped, Hex, Base64 };
    /// Rows copied at most (a larger selection is cut, and the status says so).
    static constexpr int kMaxCopyRows = 200000;

    explicit ConversationView(EventLogModel* model, QWidget* parent = nullptr);

    QTableView* table() const { return m_table; }
    EventLogModel* model() const { return m_model; }
    EventDelegate* delegate() const { return m_delegate; }

    /// The channels selected under Channels (empty: none) and their label.
    void setSelectedChannels(const QSet<engine::ChannelId>& channels, const QString& label);
    /// Show only the selected channels (true) or all (false).
    void setScopeToSelection(bool on);
    bool scopeToSelection() const;

    void setMessagesMode(bool on);
    bool messagesMode() const;
    /// Compact (Follow Stream) mode: on, Messages mode and the compact table.
    void setCompactMode(bool on);
    bool compactMode() const { return m_compactOn; }
    QTableView* compactTable() const { return m_compactTable; }
    CompactModel* compactModel() const { return m_compact; }
    void setFollowTail(bool on);
    bool followTail() const { return m_follow; }

    /// The kinds shown; empty: every kind.
    void setKinds(const QSet<engine::EventKind>& kinds);
    QSet<engine::EventKind> kinds() const;
    /// The kinds hidden by default (channel snapshots and loop traces).
    static QSet<engine::EventKind> defaultKinds();
    void setFilterText(const QString& text);
    void setDirection(std::optional<Direction> d);
    /// The filter the controls stand for.
    EventFilter currentFilter() const;
    /// Applies the controls' filter now (otherwise text edits wait ~150 ms).
    void applyFilterNow();

    void focusFilter();
    void showFindBar();
    /// Finds the next (previous) row containing the find text; false if none.
    bool findNext();
    bool findPrevious();
    void setFindText(const QString& text);

    void copySelection(CopyFormat format);
    /// The text copySelection() would put on the clipboard.
    QString selectionText(CopyFormat format) const;
    /// Selects `viewRow` (a row of model()) and scrolls to it; in compact
    /// mode, its compact row (none if compact mode does not show it).
    void selectRow(int viewRow);
    /// The current row of model() (in compact mode: behind the compact row).
    int currentRow() const;

    /// The actions (copy, find, filter, messages, follow) for menus and shortcuts.
    QAction* messagesAction() const { return m_messagesAction; }
    QAction* compactAction() const { return m_compactAction; }
    QAction* followAction() const { return m_followAction; }
    QList<QAction*> copyActions() const { return m_copyActions; }

    QByteArray saveHeaderState() const;
    void restoreHeaderState(const QByteArray& state);

signals:
    void currentRowChanged(const QModelIndex& index);
    void messagesModeChanged(bool on);
    void compactModeChanged(bool on);
    /// A short note for the status bar.
    void notice(const QString& text);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void buildFilterBar();
    void buildFindBar();
    void buildKindsMenu();
    void updateKindsButton();
    void scheduleFilter();
    void applyFilter();
    void onRowsInserted();
    void onFilterApplied(qint64 ms, qsizetype matches);
    void updateCountLabel();
    bool find(bool backwards);
    void setColumnWidths();
    void showContextMenu(const QPoint& pos);
    void hideFindBar();
    void updateHighlight();
    QList<int> selectedRows() const;

    EventLogModel* m_model;
    QTableView* m_table = nullptr;
    EventDelegate* m_delegate = nullptr;

    QWidget* m_filterBar = nullptr;
    QToolButton* m_modeButton = nullptr;
    QToolButton* m_compactButton = nullptr;
    QTableView* m_compactTable = nullptr;
    CompactModel* m_compact = nullptr;
    QAction* m_compactAction = nullptr;
    bool m_compactOn = false;
    bool m_messagesBeforeCompact = false;
    QToolButton* m_kindsButton = nullptr;
    QMenu* m_kindsMenu = nullptr;
    QList<QAction*> m_kindActions;
    QComboBox* m_direction = nullptr;
    QLineEdit* m_filterText = nullptr;
    QToolButton* m_caseButton = nullptr;
    QComboBox* m_scope = nullptr;
    QLabel* m_count = nullptr;
    QToolButton* m_followButton = nullptr;
    QTimer* m_filterTimer = nullptr;

    QWidget* m_findBar = nullptr;
    QLineEdit* m_findText = nullptr;
    QToolButton* m_findCase = nullptr;
    QLabel* m_findStatus = nullptr;

    QAction* m_messagesAction = nullptr;
    QAction* m_followAction = nullptr;
    QList<QAction*> m_copyActions;

    QSet<engine::ChannelId> m_selected;
    QString m_selectedLabel;
    bool m_follow = true;
    bool m_applying = false;
    std::uint64_t m_keepSeq = 0;  // the selected row's seq across a filter change
    bool m_hadCurrent = false;    // a row was current before the reset
};

}  // namespace ui
