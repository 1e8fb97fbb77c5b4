// UdpOptionsBox.cpp — broadcast and multicast fields of a UDP channel.
#include "ui/dialogs/UdpOptionsBox.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>

namespace ui {

UdpOptionsBox::UdpOptionsBox(bool bind, QWidget* parent) : QGroupBox(tr("UDP options"), parent), m_bind(bind) {
    m_broadcast = new QCheckBox(tr("&Broadcast (SO_BROADCAST)"), this);
    m_broadcast->setToolTip(tr("Allow sending to a broadcast address (255.255.255.255, 127.255.255.255, a subnet's "
                               "last address); without it the system refuses such a send (EACCES)"));
    if (bind) {
        m_group = new QLineEdit(this);
        m_group->setPlaceholderText(tr("none (e.g. 239.255.0.1 or ff02::1:3)"));
        m_group->setToolTip(tr("Join this multicast group: its datagrams arrive on this channel. Bind 0.0.0.0 "
                               "(or :: for IPv6) or the group itself to hear them"));
        m_group->setClearButtonEnabled(true);
    }
    m_interface = new QLineEdit(this);
    m_interface->setPlaceholderText(tr("the system's choice (e.g. 127.0.0.1)"));
    m_interface->setToolTip(tr("The interface for the group and for multicast sent: an IPv4 address of this machine, "
                               "or an IPv6 interface index"));
    m_interface->setClearButtonEnabled(true);
    m_ttl = new QSpinBox(this);
    m_ttl->setRange(-1, 255);
    m_ttl->setValue(-1);
    m_ttl->setSpecialValueText(tr("default (1)"));
    m_ttl->setToolTip(tr("IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS of multicast sent: 0 stays on this host, 1 this "
                         "network"));
    m_loop = new QCheckBox(tr("Receive our own multicast (&loop)"), this);
    m_loop->setChecked(true);
    m_loop->setToolTip(tr("IP_MULTICAST_LOOP: multicast this socket sends comes back to this host's members of "
                          "the group"));

    auto* form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->addRow(QString(), m_broadcast);
    if (m_group) form->addRow(tr("Multicast &group:"), m_group);
    form->addRow(tr("Multicast &interface:"), m_interface);
    form->addRow(tr("Multicast &TTL:"), m_ttl);
    form->addRow(QString(), m_loop);
    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #c0392b;"));
    m_problem->hide();
    form->addRow(m_problem);

    connect(m_broadcast, &QCheckBox::toggled, this, &UdpOptionsBox::changed);
    if (m_group) connect(m_group, &QLineEdit::textChanged, this, &UdpOptionsBox::changed);
    connect(m_interface, &QLineEdit::textChanged, this, &UdpOptionsBox::changed);
    connect(m_ttl, &QSpinBox::valueChanged, this, &UdpOptionsBox::changed);
    connect(m_loop, &QCheckBox::toggled, this, &UdpOptionsBox::changed);
}

void UdpOptionsBox::setOptions(const UdpSocketOptions& o) {
    m_broadcast->setChecked(o.broadcast);
    if (m_group) m_group->setText(o.multicastGroup);
    m_interface->setText(o.multicastInterface);
    m_ttl->setValue(o.multicastTtl < 0 ? -1 : qMin(o.multicastTtl, 255));
    m_loop->setChecked(o.multicastLoop);
}

UdpSocketOptions UdpOptionsBox::options() const {
    UdpSocketOptions o;
    o.broadcast = m_broadcast->isChecked();
    if (m_group) o.multicastGroup = m_group->text().trimmed();
    o.multicastInterface = m_interface->text().trimmed();
    o.multicastTtl = m_ttl->value();
    o.multicastLoop = m_loop->isChecked();
    return o;
}

void UdpOptionsBox::showProblem(const QString& text) {
    m_problem->setText(text);
    m_problem->setVisible(!text.isEmpty());
}

QString UdpOptionsBox::problem(const QString& host) const { return udpOptionsProblem(options(), m_bind, host); }

}  // namespace ui
