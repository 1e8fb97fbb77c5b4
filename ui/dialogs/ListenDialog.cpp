// ListenDialog.cpp — listening channel parameters.
#include "ui/dialogs/ListenDialog.h"

#include "ui/dialogs/AddressFields.h"
#include "ui/dialogs/DialogFit.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QSpinBox>

namespace ui {

ListenDialog::ListenDialog(QWidget* parent) : ChannelDialog(parent) {
    setWindowTitle(tr("Listen"));

    m_fields.transport = fields::newTransportBox(this, tr("TCP (listen for connections)"), tr("UDP (bind: receive datagrams from anyone)"),
                                                 tr("A bound UDP socket: every datagram is a message with its sender's address; the "
                                                    "composer replies to the sender of the selected datagram, to an address you give, "
                                                    "or to the last sender"));

    m_fields.host = fields::newListenHostBox(this);

    m_port = new QSpinBox(this);
    m_port->setRange(0, 65535);
    m_port->setValue(7000);
    m_port->setSpecialValueText(tr("0 (any free port)"));
    m_port->setToolTip(tr("0 lets the system pick a free port; the listening event shows which"));

    m_fields.terminator = new TerminatorEdit(this);

    m_echo = new QCheckBox(tr("&Echo every message back"), this);
    m_echo->setToolTip(tr("Each found_terminator() pushes the message and the terminator back (an echo server)"));

    m_fields.inBuffer = fields::newBufferBox(this, tr("ac_in_buffer_size of each accepted connection"));
    m_fields.outBuffer = fields::newBufferBox(this, tr("ac_out_buffer_size of each accepted connection"));

    addForm()->insertRow(5, QString(), m_echo);  // below the protocol
    addBelow(tr("&Listen"), true);

    setParams(ListenParams{});
    m_fields.fit->refitNow();
}

void ListenDialog::showTransport(bool udp) {
    m_echo->setText(udp ? tr("&Echo every datagram back to its sender") : tr("&Echo every message back"));
    m_fields.showTransport(this, udp, udp ? tr("&Bind") : tr("&Listen"), udp ? tr("Listen (UDP)") : tr("Listen"));
}

void ListenDialog::setParams(const ListenParams& p) {
    m_fields.set(p);
    m_fields.host->setEditText(p.host.isEmpty() ? QStringLiteral("127.0.0.1") : p.host);
    m_port->setValue(p.port);
    m_echo->setChecked(p.echo);
    showTransport(p.udp);
    validate();
}

ListenParams ListenDialog::params() const {
    ListenParams p;
    m_fields.read(p);
    p.host = m_fields.host->currentText().trimmed();
    p.port = static_cast<std::uint16_t>(m_port->value());
    p.echo = m_echo->isChecked();
    return p;
}

QString ListenDialog::problem() const {
    return m_fields.problem(tr("Enter the address to listen on (127.0.0.1 for this machine only)."),
                            m_fields.host->currentText().trimmed());
}

}  // namespace ui
