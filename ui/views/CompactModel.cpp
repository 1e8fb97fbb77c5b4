// CompactModel.cpp — the Follow Stream filter over the conversation.
#include "ui/views/CompactModel.h"

#include "engine/reactor/Event.h"
#include "ui/model/EventIndex.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/Formatters.h"

#include <QFont>

namespace ui {

namespace {

QColor mix(const QColor& base, const QColor& accent, double amount) {
    const auto blend = [amount](int b, int a) {
        return static_cast<int>(b + (a - b) * amount + 0.5);
    };
    return QColor(blend(base.red(), accent.red()), blend(base.green(), accent.green()),
                  blend(base.blue(), accent.blue()));
}

}  // namespace

CompactModel::CompactModel(QObject* parent) : QSortFilterProxyModel(parent) {
    setDynamicSortFilter(false);  // rows are filtered as they come; never sorted
    setColors(ViewColors::current(), QPalette().color(QPalette::Base));
}

void CompactModel::setColors(const ViewColors& colors, const QColor& base) {
    // A tint the palette's Text still reads on (the accent at a fifth, a
    // quarter on a dark Base where tints show less).
    const double amount = colors.dark ? 0.28 : 0.18;
    m_in = mix(base, colors.incoming, amount);
    m_out = mix(base, colors.outgoing, amount);
    m_mark = colors.lineHighlight;
    if (sourceModel() && rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1), {Qt::BackgroundRole});
}

void CompactModel::setHighlight(const QString& text, Qt::CaseSensitivity cs) {
    if (text == m_highlight && cs == m_highlightCase) return;
    m_highlight = text;
    m_highlightCase = cs;
    if (sourceModel() && rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1), {Qt::BackgroundRole, Qt::FontRole});
}

bool CompactModel::isHighlighted(const QModelIndex& index) const {
    if (m_highlight.isEmpty() || !index.isValid() || !sourceModel()) return false;
    const QModelIndex src = sourceModel()->index(mapToSource(index).row(), EventLogModel::ColData);
    QString text = src.data(EventLogModel::EscapedRole).toString();
    if (text.isEmpty()) text = src.data().toString();
    return text.contains(m_highlight, m_highlightCase);
}

bool CompactModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
    const auto type = static_cast<EventIndex::RowType>(i.data(EventLogModel::RowTypeRole).toInt());
    if (type != EventIndex::RowType::Event) return true;  // a message, whole, cut or in progress
    const auto kind = static_cast<engine::EventKind>(i.data(EventLogModel::KindRole).toInt());
    // Out: the bytes each send() wrote (a `push` row only says how many were
    // queued); in, beside the messages: what a dispatcher that is not an
    // async_chat received; UDP: the datagrams each way.
    return kind == engine::EventKind::Sent || kind == engine::EventKind::Received ||
           kind == engine::EventKind::Datagram || kind == engine::EventKind::DatagramSent;
}

bool CompactModel::filterAcceptsColumn(int sourceColumn, const QModelIndex&) const {
    return sourceColumn == EventLogModel::ColTime || sourceColumn == EventLogModel::ColChannel ||
           sourceColumn == EventLogModel::ColDirection || sourceColumn == EventLogModel::ColSize ||
           sourceColumn == EventLogModel::ColData;
}

QVariant CompactModel::data(const QModelIndex& index, int role) const {
    if ((role == Qt::BackgroundRole || role == Qt::FontRole) && isHighlighted(index)) {
        if (role == Qt::BackgroundRole) return m_mark;
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (role == Qt::BackgroundRole && index.isValid()) {
        const auto d = static_cast<Direction>(index.data(EventLogModel::DirectionRole).toInt());
        if (d == Direction::In) return m_in;
        if (d == Direction::Out) return m_out;
    }
    return QSortFilterProxyModel::data(index, role);
}

}  // namespace ui
