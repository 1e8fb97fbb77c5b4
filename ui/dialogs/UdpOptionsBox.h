// UdpOptionsBox.h — the UDP part of the Connect… and Listen… dialogs:
// broadcast and multicast, filling a UdpSocketOptions.
//
// What it does: "Broadcast (SO_BROADCAST)", and for multicast the group to
// join (Listen only: a bound channel joins it), the interface (an IPv4
// address or an IPv6 interface index), the TTL of multicast sent (the
// system's default, 1, or 0–255) and whether our own multicast comes back
// (loop). problem() says in words what is wrong (udpOptionsProblem(): a
// group that is not a multicast address, a bad interface, a bound host that
// would not hear the group); the owning dialog shows it and keeps OK off.
// The dialogs show it for UDP only.
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "ui/model/ChannelParams.h"

#include <QGroupBox>
#include <QString>

class QCheckBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace ui {

class UdpOptionsBox : public QGroupBox {
    Q_OBJECT
public:
    /// `bind`: a bound channel's (Listen…), with the group to join; else a
    /// connected channel's (Connect…): what it sends with.
    explicit UdpOptionsBox(bool bind, QWidget* parent = nullptr);

    void setOptions(const UdpSocketOptions& o);
    UdpSocketOptions options() const;
    /// What is wrong for a channel on `host` ("" when nothing).
    QString problem(const QString& host) const;
    /// Shows `text` (the dialog's problem, "" none) below the fields.
    void showProblem(const QString& text);
    QLabel* problemLabel() const { return m_problem; }

    QCheckBox* broadcastBox() const { return m_broadcast; }
    QLineEdit* groupEdit() const { return m_group; }  ///< nullptr in a Connect… dialog.
    QLineEdit* interfaceEdit() const { return m_interface; }
    QSpinBox* ttlBox() const { return m_ttl; }
    QCheckBox* loopBox() const { return m_loop; }

signals:
    void changed();

private:
    bool m_bind;
    QCheckBox* m_broadcast = nullptr;
    QLineEdit* m_group = nullptr;
    QLineEdit* m_interface = nullptr;
    QSpinBox* m_ttl = nullptr;
    QCheckBox* m_loop = nullptr;
    QLabel* m_problem = nullptr;
};

}  // namespace ui
