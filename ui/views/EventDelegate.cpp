// EventDelegate.cpp — escaped bytes with escapes and terminators coloured.
#include "ui/views/EventDelegate.h"

#include "engine/asyncore/Escape.h"
#include "ui/model/EventLogModel.h"

#include <QApplication>
#include <QPainter>

namespace ui {
namespace {

bool carriesBytes(engine::EventKind kind) {
    using K = engine::EventKind;
    return kind == K::Collect || kind == K::Sent || kind == K::FoundTerminator;
}

QString escapedOf(const QByteArray& bytes) {
    return QString::fromStdString(
        engine::renderEscaped(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size()))));
}

}  // namespace

QStringList escapedTokens(const QString& escaped, qsizetype* markIndex) {
    // A cut preview reads "<bytes> … (+N bytes)<terminator>": the mark is one token.
    QStringList tokens;
    if (markIndex) *markIndex = -1;
    const qsizetype n = escaped.size();
    tokens.reserve(n);
    qsizetype markStart = escaped.indexOf(QStringLiteral(" … (+"));
    qsizetype markEnd = -1;
    if (markStart >= 0) {
        const qsizetype close = escaped.indexOf(QStringLiteral(" bytes)"), markStart);
        if (close >= 0)
            markEnd = close + 7;
        else
            markStart = -1;
    }
    for (qsizetype i = 0; i < n; ++i) {
        if (i == markStart) {
            if (markIndex) *markIndex = tokens.size();
            tokens.append(escaped.mid(markStart, markEnd - markStart));
            i = markEnd - 1;
            continue;
        }
        if (escaped.at(i) == u'\\' && i + 1 < n) {
            const qsizetype len = escaped.at(i + 1) == u'x' ? 4 : 2;
            tokens.append(escaped.mid(i, qMin(len, n - i)));
            i += len - 1;
        } else {
            tokens.append(QString(escaped.at(i)));
        }
    }
    return tokens;
}

EventDelegate::EventDelegate(QObject* parent) : QStyledItemDelegate(parent), m_colors(ViewColors::current()) {}

QList<EventDelegate::Piece> EventDelegate::pieces(const QModelIndex& index) const {
    QList<Piece> out;
    const QString display = index.data(Qt::DisplayRole).toString();
    const auto rowType = static_cast<EventLogModel::RowType>(index.data(EventLogModel::RowTypeRole).toInt());
    const auto kind = static_cast<engine::EventKind>(index.data(EventLogModel::KindRole).toInt());
    const bool message = rowType != EventLogModel::RowType::Event;
    if (!message && !carriesBytes(kind)) {
        out.append({Piece::Plain, display});
        return out;
    }

    qsizetype mark = -1;
    const QStringList tokens = escapedTokens(display, &mark);
    // The terminator to set apart: the row's own (found_terminator, a
    // terminated message), else the channel's current one (inside sent bytes).
    QByteArray term = index.data(EventLogModel::TerminatorBytesRole).toByteArray();
    bool ownTerminator = !term.isEmpty();
    if (!ownTerminator && m_lookup && (kind == engine::EventKind::Sent || kind == engine::EventKind::Collect))
        term = m_lookup(static_cast<engine::ChannelId>(index.data(EventLogModel::ChannelRole).toUInt()));
    const QStringList termTokens = term.isEmpty() ? QStringList() : escapedTokens(escapedOf(term), nullptr);

    QList<bool> isTerm(tokens.size(), false);
    if (!termTokens.isEmpty()) {
        if (ownTerminator) {
            // Only at the very end (found_terminator shows just the terminator).
            const qsizetype start = tokens.size() - termTokens.size();
            if (start > mark && tokens.mid(start) == termTokens)
                for (qsizetype k = start; k < tokens.size(); ++k) isTerm[k] = true;
        } else {
            for (qsizetype i = 0; i + termTokens.size() <= tokens.size();) {
                bool match = true;
                for (qsizetype k = 0; k < termTokens.size() && match; ++k) match = tokens.at(i + k) == termTokens.at(k);
                if (match) {
                    for (qsizetype k = 0; k < termTokens.size(); ++k) isTerm[i + k] = true;
                    i += termTokens.size();
                } else {
                    ++i;
                }
            }
        }
    }

    for (qsizetype i = 0; i < tokens.size(); ++i) {
        const QString& t = tokens.at(i);
        const Piece::Kind k = i == mark      ? Piece::Muted
                              : isTerm.at(i) ? Piece::Terminator
                                             : ((t.size() > 1 && t.at(0) == u'\\') ? Piece::Escape : Piece::Plain);
        if (!out.isEmpty() && out.constLast().kind == k)
            out.last().text += t;
        else
            out.append({k, t});
    }
    if (rowType == EventLogModel::RowType::InProgress)
        out.append({Piece::Muted, tr("  collecting…")});
    else if (rowType == EventLogModel::RowType::Unterminated)
        out.append({Piece::Muted, tr("  (no terminator)")});
    return out;
}

void EventDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    if (index.column() != EventLogModel::ColData) {
        // Times, channel and size read as plain text; the direction and the
        // method keep the model's colour for their kind.
        const int c = index.column();
        if (c == EventLogModel::ColTime || c == EventLogModel::ColDelta || c == EventLogModel::ColChannel ||
            c == EventLogModel::ColSize) {
            QStyleOptionViewItem opt = option;
            initStyleOption(&opt, index);
            const QColor text = option.palette.color(QPalette::Text);  // before the model's foreground
            opt.palette.setBrush(QPalette::Text, c == EventLogModel::ColDelta ? QBrush(m_colors.muted) : QBrush(text));
            const QWidget* w = opt.widget;
            (w ? w->style() : QApplication::style())->drawControl(QStyle::CE_ItemViewItem, &opt, painter, w);
            return;
        }
        if (c == EventLogModel::ColMethod) {
            // A message still collecting (or cut short) says so in its Data cell;
            // the method stays the one asynchat calls.
            const auto type = static_cast<EventLogModel::RowType>(index.data(EventLogModel::RowTypeRole).toInt());
            if (type == EventLogModel::RowType::InProgress || type == EventLogModel::RowType::Unterminated) {
                QStyleOptionViewItem opt = option;
                initStyleOption(&opt, index);
                opt.text = QStringLiteral("collect_incoming_data");
                const QWidget* w = opt.widget;
                (w ? w->style() : QApplication::style())->drawControl(QStyle::CE_ItemViewItem, &opt, painter, w);
                return;
            }
        }
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget* widget = opt.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const QRect textRect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget).adjusted(2, 0, -2, 0);
    const bool selected = opt.state & QStyle::State_Selected;
    const QPalette::ColorGroup group = (opt.state & QStyle::State_Enabled) ? QPalette::Normal : QPalette::Disabled;
    const QColor normal = opt.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text);
    // An explicit foreground from the model (errors, warnings) wins for plain rows.
    const QVariant modelFg = index.data(Qt::ForegroundRole);

    painter->save();
    painter->setClipRect(textRect);
    painter->setFont(opt.font);
    const QFontMetrics fm(opt.font);
    const int baseline = textRect.top() + (textRect.height() - fm.height()) / 2 + fm.ascent();
    int x = textRect.left();
    const int right = textRect.right();

    const QList<Piece> parts = pieces(index);
    for (const Piece& p : parts) {
        if (x >= right) break;
        QColor color = normal;
        switch (p.kind) {
        case Piece::Plain:
            if (!selected && modelFg.canConvert<QBrush>() && parts.size() == 1)
                color = modelFg.value<QBrush>().color();
            break;
        case Piece::Escape: color = selected ? normal : m_colors.escape; break;
        case Piece::Terminator: color = selected ? normal : m_colors.terminator; break;
        case Piece::Muted: color = selected ? normal : m_colors.muted; break;
        }
        QString text = p.text;
        int w = fm.horizontalAdvance(text);
        bool cut = false;
        if (x + w > right) {
            text = fm.elidedText(text, Qt::ElideRight, qMax(0, right - x));
            if (text.isEmpty()) text = QStringLiteral("…");
            w = fm.horizontalAdvance(text);
            cut = true;
        }
        if (p.kind == Piece::Terminator) {
            const QRect bg(x - 1, textRect.top() + 2, w + 2, textRect.height() - 4);
            painter->fillRect(bg, selected ? QColor(normal.red(), normal.green(), normal.blue(), 60) : m_colors.terminatorBg);
        }
        painter->setPen(color);
        painter->drawText(x, baseline, text);
        x += w;
        if (cut) break;
    }
    painter->restore();
}

}  // namespace ui
