// ChannelInspector.h — one channel's asynchat state, and its controls.
//
// What it does: for the channel selected under Channels it shows the
// terminator in force, with an editor to change it (presets, a count, none,
// custom escaped bytes); the input buffer with the bytes held back because
// they may start the terminator (find_prefix_at_end) marked;
// ac_in_buffer_size / ac_out_buffer_size with an editor; what readable() and
// writable() answer; the producer fifo entry by entry; and the counters.
// A channel with TLS gets a TLS section: the negotiated version, cipher,
// ALPN and SNI, the verification result (an unverified peer in red, in
// words), and the peer's certificate chain, leaf first (subject, issuer,
// validity, SANs, SHA-256 fingerprint), or that TLS has ended.
// The figures come from the channel's latest snapshot (the owner asks the
// engine for one when the channel has been busy); once the channel has
// closed, the buffers and the fifo say so instead of showing that snapshot.
// The inspector only emits what the user asks for.
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/asyncore/Terminator.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QTreeWidget;

namespace ui {

struct ChannelInfo;
class TerminatorEdit;
class ProtocolPanel;

class ChannelInspector : public QWidget {
    Q_OBJECT
public:
    explicit ChannelInspector(QWidget* parent = nullptr);

    /// Shows `info` (nullptr: no channel). Called again whenever it changes;
    /// fields the user is editing are left alone.
    void showChannel(const ChannelInfo* info);
    engine::ChannelId channel() const { return m_channel; }

    TerminatorEdit* terminatorEdit() const { return m_termEdit; }
    /// The Protocol section (ui/protocol/ProtocolPanel: preset, rules, hits); the channels controller fills it.
    ProtocolPanel* protocolPanel() const { return m_protocol; }
    QPushButton* applyTerminatorButton() const { return m_applyTerm; }
    /// The terminator text in force, as shown ("\r\n", "count:5", "none").
    QString terminatorInForce() const;
    /// The input buffer as shown (escaped), and the held-back part.
    QString inputBufferText() const;
    QString heldBackText() const;
    /// The notes under the input buffer and the fifo, as shown.
    QString inputNoteText() const;
    QString fifoSummaryText() const;
    /// The TLS section as shown (plain text of the status; the chain widget).
    QString tlsStatusText() const;
    QTreeWidget* tlsChain() const { return m_tlsChain; }
    bool tlsSectionVisible() const;

    /// Applies what the terminator editor holds (what Apply / Enter do).
    bool applyTerminator();

signals:
    void terminatorApplyRequested(engine::ChannelId channel, const engine::Terminator& terminator);
    void bufferSizesApplyRequested(engine::ChannelId channel, std::size_t inBufferSize, std::size_t outBufferSize);
    void refreshRequested(engine::ChannelId channel);

private:
    void updateButtons();
    void renderInputBuffer(const ChannelInfo& info);
    void renderTls(const ChannelInfo& info);

    engine::ChannelId m_channel = 0;
    bool m_termDirty = false;
    bool m_buffersDirty = false;
    bool m_updating = false;

    QScrollArea* m_scroll = nullptr;
    QWidget* m_body = nullptr;
    QLabel* m_empty = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_addresses = nullptr;
    QWidget* m_tlsBox = nullptr;
    QLabel* m_tlsStatus = nullptr;
    QTreeWidget* m_tlsChain = nullptr;
    const void* m_tlsShown = nullptr;  // the handshake info the chain shows (rebuilt only when it changes)
    QLabel* m_termInForce = nullptr;
    TerminatorEdit* m_termEdit = nullptr;
    QPushButton* m_applyTerm = nullptr;
    ProtocolPanel* m_protocol = nullptr;
    QLabel* m_inputBuffer = nullptr;
    QLabel* m_inputNote = nullptr;
    QSpinBox* m_inSize = nullptr;
    QSpinBox* m_outSize = nullptr;
    QPushButton* m_applyBuffers = nullptr;
    QLabel* m_readable = nullptr;
    QLabel* m_writable = nullptr;
    QTreeWidget* m_fifo = nullptr;
    QLabel* m_fifoSummary = nullptr;
    QLabel* m_counters = nullptr;
    QLabel* m_snapshotNote = nullptr;
    QString m_heldBack;
    QString m_inputText;
};

}  // namespace ui
