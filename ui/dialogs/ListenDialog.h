// ListenDialog.h — "Listen…": the parameters of a new listening channel.
//
// What it does: host (loopback by default; all interfaces only when chosen),
// port (0: any free port, the `listening` event tells which), terminator,
// echo, TCP or UDP (a bound datagram channel: no TLS, protocol or buffers, the
// terminator frames within a datagram and defaults to none; UdpOptionsBox:
// a multicast group to join, broadcast, multicast TTL / interface / loop), the buffer sizes every accepted connection inherits, and TLS or STARTTLS
// for them (TlsOptionsBox; OK stays off while its input is wrong). The dialog
// only collects parameters; the main window opens the channel.
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "ui/model/ChannelParams.h"
#include "ui/Settings.h"

#include <QDialog>
#include <QList>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QDialogButtonBox;
class QSpinBox;

namespace ui {

class TerminatorEdit;
class TlsOptionsBox;
class UdpOptionsBox;
class DialogFit;
class ProtocolChooser;

class ListenDialog : public QDialog {
    Q_OBJECT
public:
    explicit ListenDialog(QWidget* parent = nullptr);

    void setParams(const ListenParams& p);
    ListenParams params() const;
    bool isInputValid() const;

    QComboBox* transportBox() const { return m_transport; }
    bool isUdp() const;
    QComboBox* hostBox() const { return m_host; }
    QSpinBox* portBox() const { return m_port; }
    QCheckBox* echoBox() const { return m_echo; }
    TerminatorEdit* terminatorEdit() const { return m_terminator; }
    TlsOptionsBox* tlsBox() const { return m_tls; }
    UdpOptionsBox* udpBox() const { return m_udp; }
    DialogFit* fit() const { return m_fit; }
    ProtocolChooser* protocolChooser() const { return m_protocol; }
    /// Why OK is off ("" when the input is valid).
    QString problem() const;

    void accept() override;

private:
    void validate();
    void transportChanged();
    void showTransport(bool udp);

    QComboBox* m_transport = nullptr;
    QFormLayout* m_form = nullptr;
    QComboBox* m_host = nullptr;
    QSpinBox* m_port = nullptr;
    TerminatorEdit* m_terminator = nullptr;
    QCheckBox* m_echo = nullptr;
    QSpinBox* m_inBuffer = nullptr;
    QSpinBox* m_outBuffer = nullptr;
    TlsOptionsBox* m_tls = nullptr;
    UdpOptionsBox* m_udp = nullptr;
    ProtocolChooser* m_protocol = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    DialogFit* m_fit = nullptr;
};

}  // namespace ui
