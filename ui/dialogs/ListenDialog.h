// ListenDialog.h — "Listen…": the parameters of a new listening channel.
//
// What it does: host (loopback by default; all interfaces only when chosen),
// port (0: any free port, the `listening` event tells which), terminator,
// echo, TCP or UDP (a bound datagram channel: no TLS, protocol or buffers, the
// terminator frames within a datagram and defaults to none; UdpOptionsBox:
// a multicast group to join, broadcast, multicast TTL / interface / loop), the buffer sizes every accepted connection inherits, and TLS or STARTTLS
// for them (TlsOptionsBox; OK stays off while its input is wrong). The dialog
// only collects parameters; the main window opens the channel. The fields it
// shares with the Connect dialog are a ChannelFields.
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "ui/dialogs/ChannelFields.h"
#include "ui/model/ChannelParams.h"
#include "ui/Settings.h"

#include <QDialog>
#include <QList>

class QCheckBox;
class QComboBox;
class QSpinBox;

namespace ui {

class ListenDialog : public QDialog {
    Q_OBJECT
public:
    explicit ListenDialog(QWidget* parent = nullptr);

    void setParams(const ListenParams& p);
    ListenParams params() const;
    bool isInputValid() const;

    QComboBox* transportBox() const { return m_fields.transport; }
    bool isUdp() const;
    QComboBox* hostBox() const { return m_fields.host; }
    QSpinBox* portBox() const { return m_port; }
    QCheckBox* echoBox() const { return m_echo; }
    TerminatorEdit* terminatorEdit() const { return m_fields.terminator; }
    TlsOptionsBox* tlsBox() const { return m_fields.tls; }
    UdpOptionsBox* udpBox() const { return m_fields.udp; }
    DialogFit* fit() const { return m_fields.fit; }
    ProtocolChooser* protocolChooser() const { return m_fields.protocol; }
    /// Why OK is off ("" when the input is valid).
    QString problem() const;

    void accept() override;

private:
    void validate();
    void showTransport(bool udp);

    ChannelFields m_fields;
    QSpinBox* m_port = nullptr;
    QCheckBox* m_echo = nullptr;
};

}  // namespace ui
