// ConnectDialog.cpp — client channel parameters.
#include "ui/dialogs/ConnectDialog.h"

#include "ui/dialogs/AddressFields.h"
#include "ui/dialogs/DialogFit.h"

#include <QComboBox>
#include <QFormLayout>
#include <QSpinBox>

namespace ui {

bool splitHostPort(const QString& text, QString& host, std::uint16_t& port) {
    const QString t = text.trimmed();
    qsizetype colon = -1;
    if (t.startsWith(u'[')) {
        const qsizetype close = t.indexOf(u']');
        if (close < 0 || close + 1 >= t.size() || t.at(close + 1) != u':') return false;
        host = t.mid(1, close - 1);
        colon = close + 1;
    } else {
        colon = t.lastIndexOf(u':');
        if (colon <= 0 || t.indexOf(u':') != colon) return false;  // none, or a bare IPv6 address
        host = t.left(colon);
    }
    bool ok = false;
    const uint p = t.mid(colon + 1).toUInt(&ok);
    if (!ok || p == 0 || p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
    return true;
}

void targetOf(const QComboBox* hostBox, const QSpinBox* portBox, QString& host, std::uint16_t& port) {
    const QString text = hostBox->currentText().trimmed();
    if (splitHostPort(text, host, port)) return;
    host = text;
    port = static_cast<std::uint16_t>(portBox->value());
}

ConnectDialog::ConnectDialog(QWidget* parent) : ChannelDialog(parent) {
    setWindowTitle(tr("Connect"));

    m_fields.transport = fields::newTransportBox(this, tr("TCP (connect)"), tr("UDP (send datagrams to the host)"),
                                                 tr("A UDP socket connected to the host and port: each send is one datagram, each "
                                                    "datagram from there is one message; a closed port is reported as unreachable"));

    m_fields.host = fields::newTargetHostBox(this);

    m_port = new QSpinBox(this);
    m_port->setRange(1, 65535);
    m_port->setValue(7000);

    m_family = fields::newFamilyBox(this);

    m_fields.terminator = new TerminatorEdit(this);

    m_fields.inBuffer = fields::newBufferBox(this, tr("ac_in_buffer_size: the most one recv() reads"));
    m_fields.outBuffer = fields::newBufferBox(this, tr("ac_out_buffer_size: the most one send() is given"));

    addForm()->insertRow(3, tr("&Family:"), m_family);  // below the port
    addBelow(tr("&Connect"), false);

    connect(m_fields.host, &QComboBox::activated, this, &ConnectDialog::recentChosen);
    setParams(ConnectParams{});
    m_fields.fit->refitNow();
}

QSize ConnectDialog::sizeHint() const {
    return m_fields.fit ? m_fields.fit->fittedSize() : QDialog::sizeHint();
}

QScrollArea* ConnectDialog::scrollArea() const { return m_fields.fit->scrollArea(); }

void ConnectDialog::setRecentTargets(const QList<RecentTarget>& recent) {
    m_recent.clear();
    const QString current = m_fields.host->currentText();
    m_fields.host->clear();
    for (const RecentTarget& t : recent) {
        if (t.kind != RecentTarget::Kind::Connect) continue;
        m_recent.append(t);
        m_fields.host->addItem(hostPort(t.host, t.port));
    }
    m_fields.host->setEditText(current);
}

void ConnectDialog::recentChosen(int index) {
    if (index < 0 || index >= m_recent.size()) return;
    setParams(m_recent.at(index).connectParams());
}

void ConnectDialog::showTransport(bool udp) {
    m_fields.showTransport(this, udp, udp ? tr("&Open UDP") : tr("&Connect"), udp ? tr("Connect (UDP)") : tr("Connect"));
}

void ConnectDialog::setParams(const ConnectParams& p) {
    m_fields.set(p);
    m_fields.host->setEditText(p.host);
    m_port->setValue(p.port == 0 ? 7000 : p.port);
    fields::setFamily(m_family, p.family);
    showTransport(p.udp);
    validate();
}

ConnectParams ConnectDialog::params() const {
    ConnectParams p;
    m_fields.read(p);
    targetOf(m_fields.host, m_port, p.host, p.port);
    p.family = fields::familyOf(m_family);
    return p;
}

QString ConnectDialog::problem() const {
    return m_fields.problem(tr("Enter the host to connect to."), params().host);
}

}  // namespace ui
