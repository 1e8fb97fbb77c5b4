// SummaryDialog.h — a session in numbers: when, how long, how many events,
// and per channel the bytes and messages in each direction.
//
// What it does: shows the figures a SessionFigures holds (gathered on the
// GUI thread from the window's ChannelModel and EventLogStore, plus the
// SessionReader's summary for a file) in a header block and a table, one
// row per channel, with a totals row. Not modal; Copy puts the table on the
// clipboard as tab-separated text.
// What it owns: its widgets and a copy of the figures.
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"

#include <QDateTime>
#include <QDialog>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

class QTreeWidget;

namespace ui {

class ChannelModel;
class EventLogStore;

struct SessionFigures {
    QString title;  ///< The file, or "live session".
    QString tool;   ///< Who wrote it (a file).
    QDateTime start;
    std::int64_t durationUs = 0;
    std::uint64_t events = 0;
    std::uint64_t errors = 0;
    std::uint64_t warnings = 0;
    bool complete = true;  ///< The `stopped` event is there (a file), or the session is live.
    QStringList notes;     ///< Truncation, gaps.
    struct Channel {
        engine::ChannelId id = 0;
        QString role;
        QString state;
        QString address;
        std::uint64_t bytesIn = 0, bytesOut = 0, messagesIn = 0, messagesOut = 0;
        std::int64_t openedUs = -1, closedUs = -1;
    };
    std::vector<Channel> channels;

    /// Gathers them from a window's models (GUI thread).
    static SessionFigures gather(const ChannelModel& channels, const EventLogStore& store, const QDateTime& start);
};

class SummaryDialog : public QDialog {
    Q_OBJECT
public:
    explicit SummaryDialog(const SessionFigures& figures, QWidget* parent = nullptr);

    QTreeWidget* table() const { return m_table; }
    /// The header block as plain text (for tests and Copy).
    QString headerText() const { return m_headerText; }

private:
    QTreeWidget* m_table = nullptr;
    QString m_headerText;
};

}  // namespace ui
