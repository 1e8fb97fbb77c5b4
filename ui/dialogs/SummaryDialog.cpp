// SummaryDialog.cpp — the numbers of a session.
#include "ui/dialogs/SummaryDialog.h"

#include "ui/model/ChannelModel.h"
#include "ui/model/EventLogStore.h"
#include "ui/model/Formatters.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ui {
namespace {

QString sv(std::string_view s) { return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size())); }

QString seconds(std::int64_t us) { return QStringLiteral("%1 s").arg(static_cast<double>(us) / 1e6, 0, 'f', 3); }

// A count with the locale's thousands separators, as the inspector shows them.
QString num(std::uint64_t v) { return QLocale().toString(static_cast<qulonglong>(v)); }

}  // namespace

SessionFigures SessionFigures::gather(const ChannelModel& model, const EventLogStore& store, const QDateTime& start) {
    SessionFigures f;
    f.start = start;
    f.events = store.size();
    if (!store.empty()) f.durationUs = store.record(store.size() - 1).tUs - store.record(0).tUs;
    for (engine::ChannelId id : model.channels()) {
        const ChannelInfo* info = model.info(id);
        if (!info) continue;
        Channel c;
        c.id = id;
        c.role = sv(engine::channelRoleName(info->role));
        c.state = sv(engine::channelPhaseName(info->phase));
        c.address = info->role == engine::ChannelRole::Listener ? info->local : info->peer;
        if (c.address.isEmpty()) c.address = info->host;
        c.bytesIn = info->bytesIn;
        c.bytesOut = info->bytesOut;
        c.messagesIn = info->messagesIn;
        c.messagesOut = info->messagesOut;
        c.openedUs = info->openedUs;
        c.closedUs = info->closedUs;
        if (info->lastError != 0 || !info->lastErrorText.isEmpty()) ++f.errors;
        f.channels.push_back(c);
    }
    return f;
}

SummaryDialog::SummaryDialog(const SessionFigures& f, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Summary — %1").arg(f.title));
    setObjectName(QStringLiteral("SummaryDialog"));

    std::uint64_t bi = 0, bo = 0, mi = 0, mo = 0, connections = 0, listeners = 0;
    for (const auto& c : f.channels) {
        bi += c.bytesIn;
        bo += c.bytesOut;
        mi += c.messagesIn;
        mo += c.messagesOut;
        if (c.role == QLatin1String("listener"))
            ++listeners;
        else
            ++connections;
    }
    QStringList lines;
    lines << tr("Session: %1").arg(f.title);
    if (!f.tool.isEmpty()) lines << tr("Recorded by: %1").arg(f.tool);
    lines << tr("Started: %1 (UTC)").arg(f.start.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
    lines << tr("Duration: %1").arg(seconds(f.durationUs));
    lines << tr("Events: %1%2").arg(num(f.events), f.complete ? QString() : tr(" (incomplete: no `stopped` event)"));
    lines << tr("Channels: %1 (%2 connections, %3 listeners)").arg(num(f.channels.size()), num(connections), num(listeners));
    lines << tr("Bytes: %1 in, %2 out").arg(num(bi), num(bo));
    lines << tr("Messages: %1 in (found_terminator), %2 out (push)").arg(num(mi), num(mo));
    if (f.errors || f.warnings) lines << tr("Errors: %1, warnings: %2").arg(num(f.errors), num(f.warnings));
    for (const QString& n : f.notes) lines << tr("Note: %1").arg(n);
    m_headerText = lines.join(QLatin1Char('\n'));

    auto* head = new QLabel(this);
    head->setTextInteractionFlags(Qt::TextSelectableByMouse);
    head->setWordWrap(true);
    head->setText(m_headerText.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>")));

    m_table = new QTreeWidget(this);
    m_table->setRootIsDecorated(false);
    m_table->setAlternatingRowColors(true);
    m_table->setHeaderLabels({tr("Channel"), tr("Role"), tr("State"), tr("Address"), tr("Bytes in"), tr("Bytes out"),
                              tr("Messages in"), tr("Messages out"), tr("Opened"), tr("Lasted")});
    auto add = [&](const QStringList& cells) {
        auto* item = new QTreeWidgetItem(m_table, cells);
        for (int col = 4; col < 8; ++col) item->setTextAlignment(col, Qt::AlignRight | Qt::AlignVCenter);
        return item;
    };
    for (const auto& c : f.channels) {
        const QString lasted = c.openedUs >= 0 && c.closedUs >= 0 ? seconds(c.closedUs - c.openedUs) : tr("still open");
        add({channelLabel(c.id), c.role, c.state, c.address, num(c.bytesIn), num(c.bytesOut), num(c.messagesIn),
             num(c.messagesOut),
             c.openedUs >= 0 ? seconds(c.openedUs) : QString(), lasted});
    }
    QTreeWidgetItem* total = add({tr("total"), QString(), QString(), QString(), num(bi), num(bo), num(mi), num(mo),
                                  QString(), seconds(f.durationUs)});
    QFont bold = total->font(0);
    bold.setBold(true);
    for (int col = 0; col < m_table->columnCount(); ++col) total->setFont(col, bold);
    for (int col = 0; col < m_table->columnCount(); ++col) m_table->resizeColumnToContents(col);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* copy = buttons->addButton(tr("&Copy"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this, [this] {
        QString text = m_headerText + QStringLiteral("\n\n");
        QStringList titles;
        for (int col = 0; col < m_table->columnCount(); ++col) titles << m_table->headerItem()->text(col);
        text += titles.join(QLatin1Char('\t')) + QLatin1Char('\n');
        for (int row = 0; row < m_table->topLevelItemCount(); ++row) {
            QStringList cells;
            for (int col = 0; col < m_table->columnCount(); ++col) cells << m_table->topLevelItem(row)->text(col);
            text += cells.join(QLatin1Char('\t')) + QLatin1Char('\n');
        }
        QApplication::clipboard()->setText(text);
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto* col = new QVBoxLayout(this);
    col->addWidget(head);
    col->addWidget(m_table, 1);
    col->addWidget(buttons);
    resize(900, 420);
}

}  // namespace ui
