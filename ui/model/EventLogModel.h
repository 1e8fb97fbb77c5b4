// EventLogModel.h — the event log as a table: every event, or every message.
//
// What it does: presents an EventLogStore (not owned) to a QTableView, one
// row per event (Mode::Events) or one row per complete message
// (Mode::Messages: every `collect` of a channel between two
// `found_terminator`s becomes one row, shown with its terminator; each
// channel still collecting has one "in progress" row at the end; every other
// event keeps a row of its own). A filter (channels, kinds, direction, text)
// selects rows.
//
// Rows are never formatted ahead of time: data() formats the cells the view
// asks for, from the store. Which store rows the view rows are is an
// EventIndex (ui/model/EventIndex.h, Qt-free: the filter predicate, the
// index, the worker thread): with no filter in Events mode the view row is
// the store row (no entries at all); otherwise 16 bytes a row. Changing the
// mode or the filter builds a new index on the EventIndexWorker's thread
// (cancelled when another change comes; small logs are done on the spot),
// then swaps it in with one model reset and emits filterApplied(). The GUI
// thread picks the result up every kPollMs: the worker shares a mutex and
// atomics with it, nothing of Qt.
// appendFromStore() — call it after the store grew — filters only the new
// rows and announces them with one
// beginInsertRows()/endInsertRows() (plus, in Messages mode, at most one
// remove + insert or one dataChanged for the in-progress rows).
//
// Text filter and search: the text is read as escaped text (`\r\n`, `\x00`,
// as the Data column shows bytes; if it is not valid escaped text, its
// UTF-8 bytes) and looked for in an event's bytes, its info / aux strings
// (messages, addresses), its method and kind names; in Messages mode in the
// whole message (across collect boundaries) and its terminator.
// Case-insensitive compares ASCII letters without case.
//
// What it owns: the index and the worker (started on first need).
// Threads: GUI thread only (the worker is internal; see EventLogStore for
// how it reads the store safely). If the store is cleared, the model shows
// nothing until appendFromStore() or reload() runs, which rebuild it.
#pragma once

#include "engine/reactor/Event.h"
#include "ui/model/EventIndex.h"
#include "ui/model/EventLogStore.h"
#include "ui/model/Formatters.h"

#include <QAbstractTableModel>
#include <QByteArray>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QString>
#include <QTimer>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace engine {
/// QSet<engine::EventKind> needs a qHash found by argument-dependent lookup
/// (Qt 6.4 has none for enums).
inline size_t qHash(EventKind kind, size_t seed = 0) noexcept {
    return ::qHash(static_cast<unsigned>(kind), seed);
}
}  // namespace engine

namespace ui {

/// Which rows to show. Every part left empty / unset shows everything.
struct EventFilter {
    QSet<engine::ChannelId> channels;  ///< Empty: all channels. Channel 0 is the reactor's own events.
    QSet<engine::EventKind> kinds;     ///< Empty: all kinds. A message row counts as collect and found_terminator.
    std::optional<Direction> direction;
    QString text;                      ///< Escaped text; see the header comment.
    bool caseSensitive = false;

    bool isEmpty() const { return channels.isEmpty() && kinds.isEmpty() && !direction && text.isEmpty(); }
    friend bool operator==(const EventFilter& a, const EventFilter& b) {
        return a.channels == b.channels && a.kinds == b.kinds && a.direction == b.direction && a.text == b.text &&
               (a.text.isEmpty() || a.caseSensitive == b.caseSensitive);
    }
};

class EventLogModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { ColTime, ColDelta, ColChannel, ColDirection, ColMethod, ColSize, ColData, ColumnCount };
    enum Role {
        StoreRowRole = Qt::UserRole + 1,  ///< qlonglong: the store row (a message: its last row).
        KindRole,             ///< int (engine::EventKind); a message row: FoundTerminator, in progress: Collect.
        ChannelRole,          ///< uint (engine::ChannelId).
        BytesRole,            ///< QByteArray: the exact bytes (a message: all of it, without the
                              ///< terminator; a found_terminator event: the terminator's bytes).
        EscapedRole,          ///< QString: the escaped bytes, whole (Display is cut at 256 bytes).
        HexRole,              ///< QString: hexDump() of BytesRole.
        Base64Role,           ///< QString: BytesRole in base64.
        IsTerminatorRole,     ///< bool: a found_terminator event, or a message that ended with its terminator.
        InProgressRole,       ///< bool: a message still being collected.
        // --- additions ---
        TerminatorBytesRole,  ///< QByteArray: the terminator of a found_terminator event / terminated message.
        RowTypeRole,          ///< int (RowType).
        SeqRole,              ///< qulonglong: the event's seq (a message: its last event's).
        TimeUsRole,           ///< qlonglong: microseconds since the reactor started.
        DirectionRole,        ///< int (Direction).
        MessageFirstRowRole,  ///< qlonglong: a message's first store row (an event: its own row).
    };
    Q_ENUM(Role)
    using Mode = EventIndex::Mode;
    /// What a row stands for (Event, Message, Unterminated, InProgress: see EventIndex).
    using RowType = EventIndex::RowType;

    /// Bytes of a message or event the Display role shows before cutting.
    static constexpr std::size_t kDisplayBytes = 256;
    /// Bytes the tool tip shows.
    static constexpr std::size_t kToolTipBytes = 2048;
    /// How often the GUI thread looks for the worker's result.
    static constexpr int kPollMs = 8;

    explicit EventLogModel(const EventLogStore* store, QObject* parent = nullptr);
    ~EventLogModel() override;

    const EventLogStore* store() const noexcept { return m_store; }

    void setMode(Mode mode);
    Mode mode() const noexcept { return m_mode; }
    /// Applies `filter`: on the spot for small logs, else on the worker
    /// thread. Either way filterApplied() follows once it is in effect (at
    /// once if `filter` is the one already in effect).
    void setFilter(const EventFilter& filter);
    /// The filter requested last (it may still be being applied).
    const EventFilter& filter() const noexcept { return m_filter; }
    /// True while a new index is being built on the worker thread.
    bool isApplyingFilter() const noexcept { return m_pendingJob != 0; }
    /// Logs up to this many rows are re-indexed on the spot (default 20000);
    /// 0 sends every change to the worker (tests use it).
    void setSyncThreshold(qsizetype rows) { m_syncThreshold = rows; }

    /// The wall-clock time of t_us = 0 (for the Time column). Invalid: the
    /// Time column shows seconds since the start.
    void setStartTime(const QDateTime& start);
    QDateTime startTime() const { return m_startTime; }

    /// Takes in the rows the store gained since the last call. If the store
    /// was cleared since, rebuilds instead (reset).
    void appendFromStore();
    /// Rebuilds the index from the whole store (a reset; on the worker
    /// thread for a large log, like setFilter()).
    void reload();

    /// The store row of a view row (a message: its last row), or -1.
    qsizetype storeRow(int viewRow) const;
    /// The view row showing the event `seq` (for a collect or
    /// found_terminator in Messages mode, its message's row), or -1 when it
    /// is filtered out or unknown.
    int viewRowForSeq(std::uint64_t seq) const;
    /// The first row after `fromRow` (before it when `backwards`) whose
    /// content contains `text` (read as the filter text is), or -1. Pass -1
    /// (or rowCount() backwards) to search from the start (the end).
    int findNext(const QString& text, int fromRow, bool backwards, bool caseSensitive) const;
    RowType rowType(int viewRow) const;
    /// The exact bytes of a row (see BytesRole) and its terminator.
    QByteArray rowBytes(int viewRow) const;
    QByteArray rowTerminator(int viewRow) const;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    /// A filter or mode change is in effect: it took `ms` from the request,
    /// and `matches` rows are shown.
    void filterApplied(qint64 ms, qsizetype matches);
    /// While a large log is re-indexed: 0…100.
    void filterProgress(int percent);

private:
    using ViewEntry = EventIndex::Entry;

    /// The filter, compiled for EventIndex (the names and directions come from Formatters).
    static std::shared_ptr<const EventMatcher> compile(const EventFilter& filter);
    std::shared_ptr<EventIndex> newIndex() const;
    /// After setMode() or setFilter(): the index built again when the mode or
    /// the filter `changed`, else filterApplied() said again.
    void reindex(bool changed);
    void rebuild();
    void installIndex(std::shared_ptr<EventIndex> index, qint64 ms);
    void resetEmpty();
    void pollJob();
    void onJobDone(std::uint64_t jobId, std::shared_ptr<EventIndex> index);
    void updateTrailer();
    const ViewEntry* entry(int viewRow, ViewEntry& scratch) const;
    QVariant cellText(const ViewEntry& e, int column, int viewRow) const;
    /// `method`, with the protocol rules that matched the message when `row` is a found_terminator a program judged.
    QString withRule(const QString& method, std::uint64_t row) const;
    QByteArray entryBytes(const ViewEntry& e, std::size_t maxBytes, bool* cut = nullptr) const;
    QByteArray entryTerminator(const ViewEntry& e) const;
    std::int64_t entryTime(const ViewEntry& e) const;

    const EventLogStore* m_store;
    Mode m_mode = Mode::Events;
    EventFilter m_filter;
    std::shared_ptr<EventIndex> m_index;
    std::unique_ptr<EventIndexWorker> m_worker;
    std::uint64_t m_jobSerial = 0;
    std::uint64_t m_pendingJob = 0;
    QElapsedTimer m_jobClock;
    QTimer m_poll;  // while a job runs: takes its result, reports progress
    int m_lastProgress = -1;
    qsizetype m_syncThreshold = 20000;
    QDateTime m_startTime;
    // Hosted examples' channels: channel → Python class name (scanLabels()).
    void scanLabels();
    QHash<engine::ChannelId, QString> m_labels;
    /// The legs of proxied connections (from `accepted` with an upstream):
    /// true for the upstream leg (to the real server), false for the client's.
    QHash<engine::ChannelId, bool> m_proxyLegs;
    std::size_t m_labelScanned = 0;
    std::uint64_t m_labelGeneration = ~std::uint64_t(0);
};

}  // namespace ui
