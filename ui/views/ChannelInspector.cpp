// ChannelInspector.cpp — terminator, input buffer, buffer sizes, fifo, counters.
#include "ui/views/ChannelInspector.h"

#include "engine/asyncore/Escape.h"
#include "ui/model/ChannelModel.h"
#include "ui/views/EscapeEdit.h"
#include "ui/model/Formatters.h"
#include "ui/protocol/ProtocolPanel.h"
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
#include <QTextDocument>
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

    // TLS (shown for channels with TLS only).
    auto* tlsBox = new QGroupBox(tr("TLS"), m_body);
    m_tlsBox = tlsBox;
    m_tlsStatus = valueLabel(tlsBox);
    m_tlsStatus->setTextFormat(Qt::RichText);
    m_tlsChain = new QTreeWidget(tlsBox);
    m_tlsChain->setColumnCount(2);
    m_tlsChain->setHeaderLabels({tr("Certificate"), tr("Value")});
    m_tlsChain->setUniformRowHeights(true);
    m_tlsChain->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tlsChain->setWordWrap(false);
    m_tlsChain->header()->setStretchLastSection(true);
    m_tlsChain->header()->resizeSection(0, fontMetrics().horizontalAdvance(QStringLiteral("Not after (expires)")) + 24);
    m_tlsChain->setMinimumHeight(fontMetrics().height() * 6);
    m_tlsChain->setToolTip(tr("The certificates the peer presented, its own first (select a value to copy it)"));
    auto* tlsCol = new QVBoxLayout(tlsBox);
    tlsCol->addWidget(m_tlsStatus);
    tlsCol->addWidget(m_tlsChain);

    // Terminator.
    auto* termBox = new QGroupBox(tr("Terminator"), m_body);
    m_termInForce = valueLabel(termBox, true);
    m_termInForce->setToolTip(tr("get_terminator(): what found_terminator() waits for now"));
    m_termEdit = new TerminatorEdit(termBox);
    m_termEdit->setStacked(true);
    m_applyTerm = new QPushButton(tr("Set &terminator"), termBox);
    m_applyTerm->setToolTip(tr("set_terminator() with the value above (a preset applies when chosen: a click, or Enter; Enter in the count or custom field applies)"));
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
    body->addWidget(tlsBox);
    body->addWidget(termBox);
    m_protocol = new ProtocolPanel(m_body);
    body->addWidget(m_protocol);
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
        m_tlsShown = nullptr;
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

    renderTls(*info);

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
    if (closed) {
        m_fifoSummary->setText(tr("Closed: nothing queued any more."));
    } else if (info->hasSnapshot) {
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
    m_snapshotNote->setText(closed              ? tr("Closed: the counters are final.")
                            : info->hasSnapshot ? tr("Figures from the latest snapshot.")
                                                : tr("No snapshot yet."));
    m_updating = false;
    updateButtons();
}

void ChannelInspector::renderInputBuffer(const ChannelInfo& info) {
    const engine::ChannelState& s = info.last;
    if (info.phase == engine::ChannelPhase::Closed) {
        // Whatever the last snapshot held went with the channel.
        m_inputBuffer->setText(QStringLiteral("<span style=\"color:%1\">%2</span>")
                                   .arg(ViewColors::forPalette(palette()).muted.name(), tr("(closed)")));
        m_inputNote->setText(tr("The channel is closed: nothing is buffered or collected any more."));
        m_inputText.clear();
        m_heldBack.clear();
        return;
    }
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

void ChannelInspector::renderTls(const ChannelInfo& info) {
    if (info.tlsPhase == TlsPhase::None) {
        m_tlsBox->setVisible(false);
        m_tlsChain->clear();
        m_tlsShown = nullptr;
        return;
    }
    m_tlsBox->setVisible(true);
    const ViewColors colors = ViewColors::forPalette(palette());
    const auto span = [](const QColor& c, const QString& text, bool bold = false) {
        return QStringLiteral("<span style=\"color:%1;%2\">%3</span>")
            .arg(c.name(), bold ? QStringLiteral(" font-weight:bold") : QString(), text.toHtmlEscaped());
    };
    const auto q = [](const std::string& s) { return QString::fromStdString(s); };
    QStringList lines;
    const engine::TlsHandshakeInfo* t = info.tls.get();
    switch (info.tlsPhase) {
    case TlsPhase::None: break;
    case TlsPhase::Requested:
        lines << (info.role == engine::ChannelRole::Listener
                      ? tr("Every connection it accepts uses TLS.").toHtmlEscaped()
                      : tr("TLS asked for; no handshake yet.").toHtmlEscaped());
        if (info.tlsInsecure)
            lines << span(colors.error, tr("⚠ Certificate verification is OFF for this channel."), true);
        break;
    case TlsPhase::Handshaking:
        lines << (info.tlsStartedBy.isEmpty() ? tr("TLS handshake under way.")
                                              : tr("STARTTLS (%1): handshake under way.").arg(info.tlsStartedBy))
                     .toHtmlEscaped();
        break;
    case TlsPhase::Established:
    case TlsPhase::Closed:
    case TlsPhase::Truncated:
        if (info.tlsPhase == TlsPhase::Closed) lines << span(colors.muted, tr("TLS ended: close_notify (cleanly)."), true);
        if (info.tlsPhase == TlsPhase::Truncated)
            lines << span(colors.warning, tr("TLS ended without close_notify: truncated, data may be missing."), true);
        if (!t) break;
        lines << tr("<b>%1</b> %2").arg(tlsVersionText(t->version).toHtmlEscaped(), q(t->cipher).toHtmlEscaped());
        if (!t->alpn.empty()) lines << tr("ALPN: %1").arg(q(t->alpn).toHtmlEscaped());
        if (!t->serverName.empty()) lines << tr("Server name (SNI): %1").arg(q(t->serverName).toHtmlEscaped());
        lines << tr("This end: TLS %1%2%3")
                     .arg(t->server ? tr("server") : tr("client"), t->startTls ? tr(", after STARTTLS") : QString(),
                          t->resumed ? tr(", session resumed") : QString())
                     .toHtmlEscaped();
        if (tlsVerified(*t))
            lines << span(colors.good, tr("✔ Peer certificate verified"), true) +
                         (t->verifyResult.empty() || t->verifyResult == "ok"
                              ? QString()
                              : QStringLiteral(" (%1)").arg(q(t->verifyResult).toHtmlEscaped()));
        else if (tlsUnverifiedPeer(*t))
            lines << span(colors.error, QStringLiteral("⚠ %1").arg(tlsVerificationText(*t)), true);
        else
            lines << span(colors.muted, tr("No client certificate asked for."));
        if (!t->localFingerprint.empty())
            lines << tr("This end's generated self-signed certificate, SHA-256:<br><tt>%1</tt>")
                         .arg(q(t->localFingerprint).toHtmlEscaped());
        break;
    }
    m_tlsStatus->setText(lines.join(QStringLiteral("<br>")));

    // The chain: rebuilt only when another handshake is shown.
    if (m_tlsShown == t) return;
    m_tlsShown = t;
    m_tlsChain->clear();
    m_tlsChain->setVisible(t && !t->peerChain.empty());
    if (!t) return;
    QList<QTreeWidgetItem*> items;
    for (std::size_t n = 0; n < t->peerChain.size(); ++n) {
        const engine::CertificateInfo& c = t->peerChain[n];
        auto* cert = new QTreeWidgetItem;
        cert->setText(0, n == 0 ? tr("%1. peer").arg(n + 1) : tr("%1. issuer").arg(n + 1));
        cert->setText(1, q(c.subject));
        cert->setToolTip(1, q(c.subject));
        const auto add = [cert](const QString& name, const QString& value) {
            auto* item = new QTreeWidgetItem(cert);
            item->setText(0, name);
            item->setText(1, value);
            item->setToolTip(1, value);
            item->setFlags(item->flags() | Qt::ItemIsSelectable);
        };
        add(tr("Subject"), q(c.subject));
        add(tr("Issuer"), q(c.issuer));
        add(tr("Not before"), q(c.notBefore));
        add(tr("Not after (expires)"), q(c.notAfter));
        QStringList sans;
        for (const std::string& san : c.subjectAltNames) sans << q(san);
        if (!sans.isEmpty()) add(tr("Alt. names"), sans.join(QStringLiteral(", ")));
        add(tr("SHA-256"), q(c.sha256));
        if (!c.keyType.empty()) add(tr("Key"), q(c.keyType));
        if (!c.serial.empty()) add(tr("Serial"), q(c.serial));
        if (n == 0 && tlsUnverifiedPeer(*t)) {
            cert->setForeground(0, colors.error);
            cert->setText(0, tr("%1. peer — UNVERIFIED").arg(n + 1));
        }
        items.append(cert);
    }
    m_tlsChain->addTopLevelItems(items);
    if (!items.isEmpty()) items.front()->setExpanded(true);
}

QString ChannelInspector::tlsStatusText() const {
    QTextDocument doc;
    doc.setHtml(m_tlsStatus->text());
    return doc.toPlainText();
}

bool ChannelInspector::tlsSectionVisible() const { return !m_tlsBox->isHidden(); }

QString ChannelInspector::terminatorInForce() const {
    return m_termInForce->text();
}

QString ChannelInspector::inputBufferText() const {
    return m_inputText;
}

QString ChannelInspector::heldBackText() const {
    return m_heldBack;
}

QString ChannelInspector::inputNoteText() const { return m_inputNote->text(); }

QString ChannelInspector::fifoSummaryText() const { return m_fifoSummary->text(); }

void ChannelInspector::updateButtons() {
    m_applyTerm->setEnabled(m_channel != 0 && m_termEdit->isEnabled() && m_termEdit->isValid());
    m_applyBuffers->setEnabled(m_channel != 0 && m_inSize->isEnabled() && m_buffersDirty);
}

}  // namespace ui
