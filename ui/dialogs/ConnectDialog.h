// ConnectDialog.h — "Connect…": the parameters of a new client channel.
//
// What it does: TCP or UDP (a datagram channel connected to the host: TLS,
// protocol and buffer sizes hide, the terminator frames within a datagram and
// defaults to none; UdpOptionsBox: broadcast, and the interface, TTL and
// loop of multicast sent to a group), host (with the recent targets to pick from; "host:port" may
// be typed in one go), port, address family, terminator and the asynchat
// buffer sizes, and TLS or STARTTLS (TlsOptionsBox). The Connect button stays disabled while the input is
// invalid, and says why in a tooltip (for UDP also below the UDP options). The dialog only collects parameters;
// the main window opens the channel.
// Size: the fields and the TLS box sit in a scroll area above the buttons
// (DialogFit); the dialog asks for the size of all of it (sizeHint()),
// bounded by the screen's available area, so with a large QT_SCALE_FACTOR or
// a small screen it fits and scrolls instead of being clipped, and it is
// resizable. It grows or shrinks to that size when the TLS fields show or hide.
// The fields it shares with the Listen dialog are a ChannelFields (ChannelDialog).
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "ui/dialogs/ChannelDialog.h"
#include "ui/model/ChannelParams.h"
#include "ui/Settings.h"

#include <QList>

class QComboBox;
class QScrollArea;
class QSpinBox;

namespace ui {

class ConnectDialog : public ChannelDialog {
    Q_OBJECT
public:
    explicit ConnectDialog(QWidget* parent = nullptr);

    void setParams(const ConnectParams& p);
    /// The parameters as entered (check isInputValid() first).
    ConnectParams params() const;
    /// The connect targets the host box offers (newest first).
    void setRecentTargets(const QList<RecentTarget>& recent);

    QString problem() const override;

    /// All the fields and the buttons, bounded by the screen's available area.
    QSize sizeHint() const override;
    QScrollArea* scrollArea() const;

private:
    void recentChosen(int index);
    void showTransport(bool udp) override;

    QComboBox* m_family = nullptr;
    QList<RecentTarget> m_recent;
};

/// Splits "host:port" / "[v6]:port" into its parts; false if `text` has no port.
bool splitHostPort(const QString& text, QString& host, std::uint16_t& port);
/// The host and port a host box and a port box give: "host:port" typed in
/// the host box wins over the port box.
void targetOf(const QComboBox* hostBox, const QSpinBox* portBox, QString& host, std::uint16_t& port);

}  // namespace ui
