// ChannelInspector.cpp — terminator, input buffer, buffer sizes, fifo, counters.
#include "ui/views/ChannelInspector.h"

#include "engine/asyncore/Escape.h"
#include "ui/model/ChannelModel.h"
#include "ui/views/EscapeEdit.h"
#include "ui/model/Formatters.h"
#include "ui/views/TerminatorEdit.h"
#include "ui/views/ViewColors.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ui {
namespace {

QString esc(std::string_view bytes) {
    return QString::fromStdString(engine::renderEscaped(bytes));
}

QLabel* valueLabel(QWidget* parent, bool mono = false) {
    auto* l = new QLabel(parent);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->setWordWrap(true);
    if (mono) l->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return l;
}

QString phaseText(engine::ChannelPhase p) {
    return QString::fromLatin1(engine::channelPhaseName(p).data(), static_cast<qsizetype>(engine::channelPhaseName(p).size()));
}

QString roleText(engine::ChannelRole r) {
    switch (r) {
    case engine::ChannelRole::Client: return ChannelInspector::tr("client");
    case engine::ChannelRole::Listener: return ChannelInspector::tr("listener");
    case engine::ChannelRole::Accepted: return ChannelInspector::tr("accepted connection");
    }
    return {};
}

}  // namespace

ChannelInspector::ChannelInspector(QWidget* parent) : QWidget(parent) {
    m_empty = new QLabel(tr("Select a channel under Channels to inspect its terminator, buffers and producer fifo."), this);
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_empty->setMargin(8);

    m_body = new QWidget;
    m_title = new QLabel(m_body);
    QFont tf = m_title->font();
    tf.setBold(true);
    m_title->setFont(tf);
    m_title->setWordWrap(true);
    m_addresses = valueLabel(m_body);

    // Terminator.
    auto* termBox = new QGroupBox(tr("Terminator"), m_body);
    m_termInForce = valueLabel(termBox, true);
    m_termInForce->setToolTip(tr("get_terminator(): what found_terminator() waits for now"));
    m_termEdit = new TerminatorEdit(termBox);
    m_termEdit->setStacked(true);
    m_applyTerm = new QPushButton(tr("Set &terminator"), termBox);
    m_applyTerm->setToolTip(tr("set_terminator() with the value above (presets apply at once; Enter in the field applies)"));
    auto* termCol = new QVBoxLayout(termBox);
    auto* forceRow = new QHBoxLayout;
    forceRow->addWidget(new QLabel(tr("In force:"), termBox));
    forceRow->addWidget(m_termInForce, 1);
    termCol->addLayout(forceRow);
    termCol->addWidget(m_termEdit);
    auto* applyRow = new QHBoxLayout;
    applyRow->addStretch(1);
    applyRow->addWidget(m_applyTerm);
    termCol->addLayout(applyRow);

    // Input buffer.
    auto* inBox = new QGroupBox(tr("Input buffer (ac_in_buffer)"), m_body);
    m_inputBuffer = valueLabel(inBox, true);
    m_inputBuffer->setTextFormat(Qt::RichText);
    m_inputNote = valueLabel(inBox);
    auto* inCol = new QVBoxLayout(inBox);
    inCol->addWidget(m_inputBuffer);
    inCol->addWidget(m_inputNote);

    // Buffer sizes and readiness.
    auto* bufBox = new QGroupBox(tr("Buffers and readiness"), m_body);
    m_inSize = new QSpinBox(bufBox);
    m_inSize->setRange(1, 64 << 20);
    m_inSize->setSuffix(tr(" B"));
    m_inSize->setToolTip(tr("ac_in_buffer_size: the most one recv() reads"));
    m_outSize = new QSpinBox(bufBox);
    m_outSize->setRange(1, 64 << 20);
    m_outSize->setSuffix(tr(" B"));
    m_outSize->setToolTip(tr("ac_out_buffer_size: the most one send() is given"));
    m_applyBuffers = new QPushButton(tr("Set &buffer sizes"), bufBox);
    m_readable = valueLabel(bufBox);
    m_writable = valueLabel(bufBox);
    m_readable->setToolTip(tr("readable(): whether the loop asks this channel to read"));
    m_writable->setToolTip(tr("writable(): whether the loop waits to send (output queued, or still connecting)"));
    auto* bufForm = new QFormLayout(bufBox);
    bufForm->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    bufForm->addRow(tr("ac_in_buffer_size:"), m_inSize);
    bufForm->addRow(tr("ac_out_buffer_size:"), m_outSize);
    bufForm->addRow(QString(), m_applyBuffers);
    bufForm->addRow(tr("readable():"), m_readable);
    bufForm->addRow(tr("writable():"), m_writable);

    // Producer fifo.
    auto* fifoBox = new QGroupBox(tr("Producer fifo"), m_body);
    m_fifo = new QTreeWidget(fifoBox);
    m_fifo->setColumnCount(3);
    m_fifo->setHeaderLabels({tr("#"), tr("Kind"), tr("Remaining")});
    m_fifo->setRootIsDecorated(false);
    m_fifo->setUniformRowHeights(true);
    m_fifo->setSelectionMode(QAbstractItemView::NoSelection);
    m_fifo->setFocusPolicy(Qt::NoFocus);
    m_fifo->header()->setStretchLastSection(true);
    m_fifo->header()->resizeSection(0, fontMetrics().horizontalAdvance(QStringLiteral("000")) + 12);
    m_fifo->header()->resizeSection(1, fontMetrics().horizontalAdvance(QStringLiteral("simple  ")) + 16);
    m_fifo->setMinimumHeight(fontMetrics().height() * 5);
    m_fifo->setMaximumHeight(fontMetrics().height() * 9);
    m_fifoSummary = valueLabel(fifoBox);
    auto* fifoCol = new QVBoxLayout(fifoBox);
    fifoCol->addWidget(m_fifoSummary);
    fifoCol->addWidget(m_fifo);

    // Counters.
    auto* countBox = new QGroupBox(tr("Counters"), m_body);
    m_counters = valueLabel(countBox);
    m_counters->setTextFormat(Qt::RichText);
    auto* countCol = new QVBoxLayout(countBox);
    countCol->addWidget(m_counters);

    m_snapshotNote = valueLabel(m_body);
    auto* refresh = new QPushButton(tr("&Refresh"), m_body);
    refresh->setToolTip(tr("Take a fresh snapshot of the channel"));
    auto* refreshRow = new QHBoxLayout;
    refreshRow->addWidget(m_snapshotNote, 1);
    refreshRow->addWidget(refresh);

    auto* body = new QVBoxLayout(m_body);
    body->setContentsMargins(6, 6, 6, 6);
    body->addWidget(m_title);
    body->addWidget(m_addresses);
    body->addWidget(termBox);
    body->addWidget(inBox);
    body->addWidget(bufBox);
    body->addWidget(fifoBox);
    body->addWidget(countBox);
    body->addLayout(refreshRow);
    body->addStretch(1);

    m_scroll = new QScrollArea(this);
    m_scroll->setWidget(m_body);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);

    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(0, 0, 0, 0);
    col->addWidget(m_empty);
    col->addWidget(m_scroll, 1);
    m_scroll->setVisible(false);

    // Never narrower than the content: nothing is cut, the panel takes the room it needs.
    m_scroll->setMinimumWidth(m_body->minimumSizeHint().width() + m_scroll->verticalScrollBar()->sizeHint().width() +
                              2 * m_scroll->frameWidth());

    connect(m_termEdit, &TerminatorEdit::changed, this, [this] {
        if (!m_updating) m_termDirty = true;
        updateButtons();
    });
    connect(m_termEdit, &TerminatorEdit::committed, this, [this](const engine::Terminator&) { applyTerminator(); });
    connect(m_applyTerm, &QPushButton::clicked, this, &ChannelInspector::applyTerminator);
    auto buffersEdited = [this] {
        if (!m_updating) m_buffersDirty = true;
        updateButtons();
    };
    connect(m_inSize, &QSpinBox::valueChanged, this, buffersEdited);
    connect(m_outSize, &QSpinBox::valueChanged, this, buffersEdited);
    connect(m_applyBuffers, &QPushButton::clicked, this, [this] {
        if (m_channel == 0) return;
        m_buffersDirty = false;
        emit bufferSizesApplyRequested(m_channel, static_cast<std::size_t>(m_inSize->value()),
                                       static_cast<std::size_t>(m_outSize->value()));
        updateButtons();
    });
    connect(refresh, &QPushButton::clicked, this, [this] {
        if (m_channel != 0) emit refreshRequested(m_channel);
    });
    showChannel(nullptr);
}

bool ChannelInspector::applyTerminator() {
    if (m_channel == 0) return false;
    const auto t = m_termEdit->terminator();
    if (!t) return false;
    m_termDirty = false;
    emit terminatorApplyRequested(m_channel, *t);
    updateButtons();
    return true;
}

void ChannelInspector::showChannel(const ChannelInfo* info) {
    if (!info) {
        m_channel = 0;
        m_empty->setVisible(true);
        m_scroll->setVisible(false);
        return;
    }
    const bool same = info->id == m_channel;
    if (!same) {
        m_termDirty = false;
        m_buffersDirty = false;
    }
    m_channel = info->id;
    m_empty->setVisible(false);
    m_scroll->setVisible(true);
    m_updating = true;

    const engine::ChannelState& s = info->last;
    const bool closed = info->phase == engine::ChannelPhase::Closed;
    m_title->setText(tr("%1  %2 · %3").arg(channelLabel(info->id), roleText(info->role), phaseText(info->phase)));
    QStringList addr;
    if (!info->local.isEmpty()) addr << tr("local %1").arg(info->local);
    if (!info->peer.isEmpty()) addr << tr("peer %1").arg(info->peer);
    if (info->role == engine::ChannelRole::Accepted) addr << tr("accepted by %1").arg(channelLabel(info->parent));
    if (info->lastError != 0 || !info->lastErrorText.isEmpty()) addr << tr("last error: %1").arg(info->lastErrorText);
    m_addresses->setText(addr.join(QLatin1Char('\n')));

    // Terminator.
    m_termInForce->setText(info->terminatorKnown ? terminatorText(info->terminator) : tr("(not known yet)"));
    if (info->role == engine::ChannelRole::Listener)
        m_termInForce->setToolTip(tr("What this listener hands to the connections it accepts"));
    if (!m_termDirty && info->terminatorKnown) m_termEdit->setTerminator(info->terminator);
    m_termEdit->setEnabled(!closed);

    // Buffers.
    if (info->hasSnapshot && !m_buffersDirty) {
        m_inSize->setValue(static_cast<int>(qMin<std::uint64_t>(s.inBufferSize, static_cast<std::uint64_t>(m_inSize->maximum()))));
        m_outSize->setValue(static_cast<int>(qMin<std::uint64_t>(s.outBufferSize, static_cast<std::uint64_t>(m_outSize->maximum()))));
    }
    m_inSize->setEnabled(!closed);
    m_outSize->setEnabled(!closed);
    const ViewColors colors = ViewColors::forPalette(palette());
    auto yesNo = [&](QLabel* l, bool on) {
        if (!info->hasSnapshot) {
            l->setText(tr("—"));
            return;
        }
        l->setText(on ? tr("● yes") : tr("○ no"));
        QPalette p = l->palette();
        p.setColor(QPalette::WindowText, on ? colors.good : colors.muted);
        l->setPalette(p);
    };
    yesNo(m_readable, s.readable && !closed);
    yesNo(m_writable, s.writable && !closed);

    renderInputBuffer(*info);

    // Fifo.
    m_fifo->clear();
    const QLocale locale;
    if (info->hasSnapshot) {
        QList<QTreeWidgetItem*> items;
        int n = 0;
        for (const engine::FifoEntryState& f : s.fifo) {
            auto* item = new QTreeWidgetItem;
            item->setText(0, QString::number(++n));
            item->setText(1, QString::fromStdString(f.kind));
            item->setText(2, f.remaining < 0 ? tr("unknown") : locale.formattedDataSize(f.remaining));
            item->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
            items.append(item);
        }
        m_fifo->addTopLevelItems(items);
        QString summary = s.fifoEntries == 0
                              ? tr("Empty: nothing queued.")
            : s.fifoEntries == 1
                ? tr("1 entry, %1 queued").arg(locale.formattedDataSize(static_cast<qint64>(s.queuedBytes)))
                : tr("%1 entries, %2 queued")
                      .arg(locale.toString(static_cast<qulonglong>(s.fifoEntries)),
                           locale.formattedDataSize(static_cast<qint64>(s.queuedBytes)));
        if (s.fifoEntries > s.fifo.size()) summary += tr(" (first %1 shown)").arg(s.fifo.size());
        m_fifoSummary->setText(summary);
    } else {
        m_fifoSummary->setText(tr("No snapshot yet."));
    }

    // Counters.
    const QString row = QStringLiteral("<tr><td>%1</td><td align=right>&nbsp;&nbsp;%2</td></tr>");
    auto num = [&](std::uint64_t v) { return locale.toString(static_cast<qulonglong>(v)); };
    m_counters->setText(QStringLiteral("<table>") + row.arg(tr("bytes in"), num(info->bytesIn)) +
                        row.arg(tr("bytes out"), num(info->bytesOut)) + row.arg(tr("messages in"), num(info->messagesIn)) +
                        row.arg(tr("messages out"), num(info->messagesOut)) + QStringLiteral("</table>"));
    m_snapshotNote->setText(info->hasSnapshot ? tr("Figures from the latest snapshot.") : tr("No snapshot yet."));
    m_updating = false;
    updateButtons();
}

void ChannelInspector::renderInputBuffer(const ChannelInfo& info) {
    const engine::ChannelState& s = info.last;
    if (!info.hasSnapshot) {
        m_inputBuffer->setText(tr("<i>unknown</i>"));
        m_inputNote->setText(QString());
        m_inputText.clear();
        m_heldBack.clear();
        return;
    }
    const std::string& residue = s.residue;
    std::size_t held = 0;
    if (info.terminator.isBytes() && info.terminator.bytesValue().size() > 1)
        held = engine::findPrefixAtEnd(residue, info.terminator.bytesValue());
    const std::string_view head(residue.data(), residue.size() - held);
    const std::string_view tail(residue.data() + (residue.size() - held), held);
    m_inputText = esc(residue);
    m_heldBack = esc(tail);
    const ViewColors colors = ViewColors::forPalette(palette());
    QString html;
    if (residue.empty()) {
        html = QStringLiteral("<span style=\"color:%1\">%2</span>").arg(colors.muted.name(), tr("(empty)"));
    } else {
        constexpr std::size_t kShown = 512;
        QString headText = esc(head.size() > kShown ? head.substr(head.size() - kShown) : head);
        if (head.size() > kShown) headText.prepend(QStringLiteral("…"));
        html = headText.toHtmlEscaped();
        if (held > 0)
            html += QStringLiteral("<span style=\"color:%1; background-color:%2\">%3</span>")
                        .arg(colors.terminator.name(), colors.terminatorBg.name(), m_heldBack.toHtmlEscaped());
    }
    m_inputBuffer->setText(html);
    QStringList notes;
    notes << (residue.size() == 1 ? tr("1 byte received, not yet passed to collect_incoming_data().")
                                  : tr("%1 bytes received, not yet passed to collect_incoming_data().")
                                        .arg(static_cast<qulonglong>(residue.size())));
    if (held > 0)
        notes << (held == 1 ? tr("The last byte may start the terminator: held back (find_prefix_at_end).")
                            : tr("The last %1 bytes may start the terminator: held back (find_prefix_at_end).").arg(held));
    if (s.pendingMessage > 0)
        notes << tr("Message being collected: %1 so far.").arg(QLocale().formattedDataSize(static_cast<qint64>(s.pendingMessage)));
    m_inputNote->setText(notes.join(QLatin1Char('\n')));
}

QString ChannelInspector::terminatorInForce() const {
    return m_termInForce->text();
}

QString ChannelInspector::inputBufferText() const {
    return m_inputText;
}

QString ChannelInspector::heldBackText() const {
    return m_heldBack;
}

void ChannelInspector::updateButtons() {
    m_applyTerm->setEnabled(m_channel != 0 && m_termEdit->isEnabled() && m_termEdit->isValid());
    m_applyBuffers->setEnabled(m_channel != 0 && m_inSize->isEnabled() && m_buffersDirty);
}

}  // namespace ui
