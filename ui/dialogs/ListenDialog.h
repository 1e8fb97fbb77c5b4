// ListenDialog.h — "Listen…": the parameters of a new listening channel.
//
// What it does: host (loopback by default; all interfaces only when chosen),
// port (0: any free port, the `listening` event tells which), terminator,
// echo, TCP or UDP (a bound datagram channel: no TLS, protocol or buffers, the
// terminator frames within a datagram and defaults to none; UdpOptionsBox:
// a multicast group to join, broadcast, multicast TTL / interface / loop), the buffer sizes every accepted connection inherits, and TLS or STARTTLS
// for them (TlsOptionsBox; OK stays off while its input is wrong). The dialog
// only collects parameters; the main window opens the channel. The fields it
// shares with the Connect dialog are a ChannelFields (ChannelDialog).
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "ui/dialogs/ChannelDialog.h"
#include "ui/model/ChannelParams.h"

class QCheckBox;

namespace ui {

class ListenDialog : public ChannelDialog {
    Q_OBJECT
public:
    explicit ListenDialog(QWidget* parent = nullptr);

    void setParams(const ListenParams& p);
    ListenParams params() const;

    QCheckBox* echoBox() const { return m_echo; }
    QString problem() const override;

private:
    void showTransport(bool udp) override;

    QCheckBox* m_echo = nullptr;
};

}  // namespace ui
