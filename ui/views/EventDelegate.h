// EventDelegate.h — paints the Data column of the conversation: bytes as
// escaped text, with control bytes and the terminator set apart.
//
// What it does: for rows that carry bytes (collect, sent, found_terminator,
// whole messages) it splits the model's escaped text into one token per
// byte and paints escapes (`\r`, `\x00`) in the escape colour and the
// terminator (a message's own, or the channel's current one inside sent
// bytes) in the terminator colour on a tint; a message still being collected
// ends in a muted "collecting…" mark. Other rows (lifecycle, errors) are
// painted as plain text in a colour for their kind. Only the visible cell is
// ever tokenised, and only the text the model already cut for display.
// What it owns: nothing.
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"
#include "ui/views/ViewColors.h"

#include <QByteArray>
#include <QStyledItemDelegate>

#include <functional>

namespace ui {

class EventDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    /// The terminator a channel has in force (empty when none / unknown).
    using TerminatorLookup = std::function<QByteArray(engine::ChannelId)>;

    explicit EventDelegate(QObject* parent = nullptr);

    void setTerminatorLookup(TerminatorLookup lookup) { m_lookup = std::move(lookup); }
    void setColors(const ViewColors& colors) { m_colors = colors; }

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;

    /// One painted piece of a cell (exposed for tests).
    struct Piece {
        enum Kind { Plain, Escape, Terminator, Muted };
        Kind kind = Plain;
        QString text;
    };
    /// How `index`'s Data cell splits into pieces.
    QList<Piece> pieces(const QModelIndex& index) const;

private:
    ViewColors m_colors;
    TerminatorLookup m_lookup;
};

/// The escaped text split into one token per byte (`a`, `\r`, `\x00`, `\\`);
/// a " … (+N bytes)" cut mark is one token, whose index goes to `markIndex`
/// (-1 if none).
QStringList escapedTokens(const QString& escaped, qsizetype* markIndex);

}  // namespace ui
