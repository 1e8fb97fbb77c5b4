// FieldView.cpp — a message group from the store, parsed into a field tree.
#include "ui/views/FieldView.h"

#include "engine/program/FieldParse.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"
#include "ui/model/Formatters.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace ui {
namespace {

using engine::EventKind;
namespace fp = engine::program;

void addFields(QTreeWidgetItem* parent, QTreeWidget* tree, const std::vector<fp::Field>& fields) {
    for (const fp::Field& f : fields) {
        auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree);
        item->setText(0, QString::fromUtf8(f.name.data(), static_cast<qsizetype>(f.name.size())));
        QString value = escapedText(f.value);
        if (f.cut) value += QStringLiteral(" …");
        item->setText(1, value);
        item->setToolTip(1, value.left(2048));
        addFields(item, tree, f.children);
    }
}

void lines(const QTreeWidgetItem* item, int depth, QStringList& out) {
    QString s = QString(depth * 2, QLatin1Char(' ')) + item->text(0);
    if (!item->text(1).isEmpty()) s += QStringLiteral(" = ") + item->text(1);
    out << s;
    for (int i = 0; i < item->childCount(); ++i) lines(item->child(i), depth + 1, out);
}

}  // namespace

FieldView::FieldView(QWidget* parent) : QWidget(parent) {
    m_note = new QLabel(this);
    m_note->setTextFormat(Qt::PlainText);
    m_note->setWordWrap(true);
    m_note->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Minimum);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_tree = new QTreeWidget(this);
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({tr("Field"), tr("Value")});
    m_tree->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(true);
    m_select = new QPushButton(tr("Select group"), this);
    m_select->setToolTip(tr("Select this group's messages in the conversation"));
    connect(m_select, &QPushButton::clicked, this, &FieldView::selectGroupRequested);
    auto* top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(m_note, 1);
    top->addWidget(m_select, 0, Qt::AlignTop);
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(0, 2, 0, 0);
    col->setSpacing(2);
    col->addLayout(top);
    col->addWidget(m_tree, 1);
    clear();
}

bool FieldView::groupAt(const EventLogStore& store, std::size_t row, StoredGroup& out) {
    out = StoredGroup{};
    const std::size_t size = store.size();
    if (row >= size) return false;
    const engine::ChannelId channel = store.record(row).channel;
    // The message's found_terminator: this row, or the channel's next one.
    std::size_t end = row;
    for (; end < size && end - row < kMaxScanRows; ++end) {
        const LogRecord& r = store.record(end);
        if (r.channel == channel && r.kind == EventKind::FoundTerminator) break;
    }
    if (end >= size || end - row >= kMaxScanRows) return false;
    const LogRecord& last = store.record(end);
    const std::uint64_t group = last.parent;  // (ChannelReporter: the group id, 0 for none)
    out.channel = channel;
    out.group = group;
    // Back to the channel's previous found_terminator that is not of this
    // group (group 0: any previous one): the bytes start after it.
    std::size_t first = end;  // the group's first found_terminator
    std::size_t from = 0;     // where its bytes start being collected
    for (std::size_t i = end; i-- > 0;) {
        if (end - i >= kMaxScanRows) {
            from = i + 1;
            break;
        }
        const LogRecord& r = store.record(i);
        if (r.channel != channel || r.kind != EventKind::FoundTerminator) continue;
        if (group == 0 || r.parent != group) {
            from = i + 1;
            break;
        }
        first = i;
    }
    out.firstRow = first;
    std::string current;
    auto add = [&](std::string_view b) {
        if (out.bytes.size() + b.size() > kMaxGroupBytes) {
            out.bytes.append(b.substr(0, kMaxGroupBytes - out.bytes.size()));
            out.cut = true;
        } else {
            out.bytes.append(b);
        }
    };
    for (std::size_t i = from; i < size && i - from < 2 * kMaxScanRows; ++i) {
        const LogRecord& r = store.record(i);
        if (r.channel != channel) continue;
        if (r.kind == EventKind::Collect) {
            if (current.size() < kMaxGroupBytes) current.append(store.data(i).substr(0, kMaxGroupBytes - current.size()));
        } else if (r.kind == EventKind::FoundTerminator) {
            if (group == 0 ? i == end : r.parent == group) {
                add(current);
                add(store.data(i));  // the terminator's bytes ("" for a count)
                ++out.messages;
                out.lastRow = i;
            } else if (i > end) {
                break;
            }
            current.clear();
            if (group == 0) break;  // (i == end: the only found_terminator after `from`)
        }
    }
    return out.messages > 0;
}

std::vector<std::size_t> FieldView::groupRows(const EventLogStore& store) const {
    std::vector<std::size_t> rows;
    if (m_group.messages == 0) return rows;
    for (std::size_t i = m_group.firstRow; i <= m_group.lastRow && i < store.size(); ++i) {
        const LogRecord& r = store.record(i);
        if (r.channel == m_group.channel && r.kind == EventKind::FoundTerminator &&
            (m_group.group == 0 ? i == m_group.lastRow : r.parent == m_group.group))
            rows.push_back(i);
    }
    return rows;
}

void FieldView::clear() {
    m_group = StoredGroup{};
    m_select->setEnabled(false);
    m_tree->clear();
    m_note->setText(tr("Select a message: its group (a RESP reply, an HTTP message, an SMTP reply) is parsed here."));
}

void FieldView::showRow(const EventLogModel* model, int viewRow) {
    if (!model || viewRow < 0) {
        clear();
        return;
    }
    const qsizetype row = model->storeRow(viewRow);
    StoredGroup g;
    if (row < 0 || !groupAt(*model->store(), static_cast<std::size_t>(row), g)) {
        clear();
        m_note->setText(tr("No framed message here (fields are shown for messages a terminator ended)."));
        return;
    }
    m_group = std::move(g);
    m_select->setEnabled(m_group.messages > 1);
    fp::FieldProtocol protocol = fp::FieldProtocol::Auto;
    if (m_preset) protocol = fp::protocolForPreset(m_preset(m_group.channel).toStdString());
    const fp::FieldTree t = fp::parseFields(m_group.bytes, protocol);
    m_tree->clear();
    addFields(nullptr, m_tree, t.fields);
    m_tree->expandToDepth(2);
    m_tree->resizeColumnToContents(0);
    QString note = m_group.group ? tr("group %1").arg(m_group.group) : tr("no group (one message)");
    note += m_group.messages == 1 ? tr("  ·  1 message") : tr("  ·  %1 messages").arg(m_group.messages);
    note += tr("  ·  %1 bytes").arg(m_group.bytes.size());
    if (m_group.cut) note += tr(" (cut)");
    const std::string_view name = fp::protocolName(t.protocol);
    note += name.empty() ? tr("  ·  not RESP, HTTP or SMTP") : tr("  ·  %1").arg(QString::fromLatin1(name.data(), static_cast<qsizetype>(name.size())));
    if (!t.error.empty()) note += tr("  ·  stopped at %1").arg(escapedText(t.error));
    m_note->setText(note);
}

QString FieldView::noteText() const {
    return m_note->text();
}

QString FieldView::treeText() const {
    QStringList out;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) lines(m_tree->topLevelItem(i), 0, out);
    return out.join(QLatin1Char('\n'));
}

}  // namespace ui
