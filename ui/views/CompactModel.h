// CompactModel.h — the conversation as Wireshark's Follow Stream shows it:
// one row per message, the two directions in two colours.
//
// What it does: a filter (QSortFilterProxyModel) over the EventLogModel in
// Messages mode — no copy of the events: it keeps the message rows (received
// messages, complete, unterminated or still being collected), the `sent`
// rows (the bytes each send() wrote: one row per message while messages go
// out one at a time; a burst written by one send() is one row), what a
// dispatcher that is not an async_chat received, and UDP datagrams; it
// drops every other row: the `push` rows (a push only says how many bytes
// were queued: the sent row shows them), lifecycle and settings rows.
// Columns: time, channel, direction, size, data. Each row's background is
// tinted by its direction (in / out), from the palette's colours; rows
// whose data contain the find text (setHighlight()) are marked instead, in
// the colour of a highlighted line and bold.
// What it owns: nothing (not the source model).
// Threads: GUI thread.
#pragma once

#include "ui/views/ViewColors.h"

#include <QSortFilterProxyModel>

namespace ui {

class CompactModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit CompactModel(QObject* parent = nullptr);

    /// The tints behind incoming and outgoing rows, from `colors`.
    void setColors(const ViewColors& colors, const QColor& base);
    QColor incomingTint() const { return m_in; }
    QColor outgoingTint() const { return m_out; }
    QColor highlightTint() const { return m_mark; }

    /// Marks the rows whose data (as escaped text) contain `text` ("" none).
    void setHighlight(const QString& text, Qt::CaseSensitivity cs);
    QString highlightText() const { return m_highlight; }
    /// The row's data contains the highlight text.
    bool isHighlighted(const QModelIndex& index) const;

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool filterAcceptsColumn(int sourceColumn, const QModelIndex& sourceParent) const override;

private:
    QColor m_in;
    QColor m_out;
    QColor m_mark;
    QString m_highlight;
    Qt::CaseSensitivity m_highlightCase = Qt::CaseInsensitive;
};

}  // namespace ui
