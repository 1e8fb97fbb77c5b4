// ListenDialog.cpp — listening channel parameters.
#include "ui/dialogs/ListenDialog.h"

#include "ui/dialogs/AddressFields.h"
#include "ui/dialogs/DialogFit.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "ui/dialogs/UdpOptionsBox.h"
#include "ui/protocol/ProtocolChooser.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/TerminatorEdit.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace ui {

ListenDialog::ListenDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Listen"));

    m_transport = fields::newTransportBox(this, tr("TCP (listen for connections)"), tr("UDP (bind: receive datagrams from anyone)"),
                                          tr("A bound UDP socket: every datagram is a message with its sender's address; the "
                                             "composer replies to the sender of the selected datagram, to an address you give, "
                                             "or to the last sender"));

    m_host = fields::newListenHostBox(this);

    m_port = new QSpinBox(this);
    m_port->setRange(0, 65535);
    m_port->setValue(7000);
    m_port->setSpecialValueText(tr("0 (any free port)"));
    m_port->setToolTip(tr("0 lets the system pick a free port; the listening event shows which"));

    m_terminator = new TerminatorEdit(this);

    m_echo = new QCheckBox(tr("&Echo every message back"), this);
    m_echo->setToolTip(tr("Each found_terminator() pushes the message and the terminator back (an echo server)"));

    m_inBuffer = new QSpinBox(this);
    m_inBuffer->setRange(1, 64 << 20);
    m_inBuffer->setValue(4096);
    m_inBuffer->setSuffix(tr(" bytes"));
    m_inBuffer->setToolTip(tr("ac_in_buffer_size of each accepted connection"));
    m_outBuffer = new QSpinBox(this);
    m_outBuffer->setRange(1, 64 << 20);
    m_outBuffer->setValue(4096);
    m_outBuffer->setSuffix(tr(" bytes"));
    m_outBuffer->setToolTip(tr("ac_out_buffer_size of each accepted connection"));

    auto* form = new QFormLayout;
    m_form = form;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->addRow(tr("Tra&nsport:"), m_transport);
    form->addRow(tr("&Host:"), m_host);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("&Terminator:"), m_terminator);
    m_protocol = new ProtocolChooser(this);
    form->addRow(tr("P&rotocol:"), m_protocol);
    form->addRow(QString(), m_echo);
    form->addRow(tr("&In buffer:"), m_inBuffer);
    form->addRow(tr("&Out buffer:"), m_outBuffer);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Listen"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ListenDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ListenDialog::reject);

    m_tls = new TlsOptionsBox(TlsOptionsBox::Mode::Server, this);
    m_udp = new UdpOptionsBox(true, this);

    // The fields scroll when the screen is too small for them (QT_SCALE_FACTOR=2); the buttons stay in
    // view; it grows when the TLS fields show and shrinks back when they hide.
    auto* fields = new QWidget;
    auto* col = new QVBoxLayout(fields);
    col->setContentsMargins(0, 0, 0, 0);
    col->addLayout(form);
    col->addWidget(m_tls);
    col->addWidget(m_udp);
    col->addStretch(1);
    m_fit = new DialogFit(this, fields, m_buttons);
    connect(m_tls, &TlsOptionsBox::changed, m_fit, &DialogFit::refit);
    connect(m_protocol, &ProtocolChooser::changed, m_fit, &DialogFit::refit);

    connect(m_transport, &QComboBox::currentIndexChanged, this, &ListenDialog::transportChanged);
    connect(m_host, &QComboBox::editTextChanged, this, &ListenDialog::validate);
    connect(m_terminator, &TerminatorEdit::changed, this, &ListenDialog::validate);
    connect(m_tls, &TlsOptionsBox::changed, this, &ListenDialog::validate);
    connect(m_udp, &UdpOptionsBox::changed, this, &ListenDialog::validate);
    connect(m_udp, &UdpOptionsBox::changed, m_fit, &DialogFit::refit);
    connect(m_protocol, &ProtocolChooser::changed, this, &ListenDialog::validate);
    connect(m_terminator->customEdit(), &EscapeEdit::submitted, this, &ListenDialog::accept);
    setParams(ListenParams{});
    m_fit->refitNow();
}

bool ListenDialog::isUdp() const { return fields::isUdp(m_transport); }

void ListenDialog::transportChanged() {
    const bool udp = isUdp();
    fields::adaptFraming(m_terminator, udp);
    showTransport(udp);
    validate();
    m_fit->refit();
}

void ListenDialog::showTransport(bool udp) {
    fields::showTcpOnly(m_form, {m_protocol, m_inBuffer, m_outBuffer}, m_tls, udp);
    m_udp->setVisible(udp);
    m_echo->setText(udp ? tr("&Echo every datagram back to its sender") : tr("&Echo every message back"));
    m_buttons->button(QDialogButtonBox::Ok)->setText(udp ? tr("&Bind") : tr("&Listen"));
    setWindowTitle(udp ? tr("Listen (UDP)") : tr("Listen"));
}

void ListenDialog::setParams(const ListenParams& p) {
    fields::setUdp(m_transport, p.udp);
    m_host->setEditText(p.host.isEmpty() ? QStringLiteral("127.0.0.1") : p.host);
    m_port->setValue(p.port);
    m_terminator->setTerminator(p.terminator);
    m_echo->setChecked(p.echo);
    m_inBuffer->setValue(static_cast<int>(qMin<std::size_t>(p.inBufferSize, static_cast<std::size_t>(m_inBuffer->maximum()))));
    m_outBuffer->setValue(static_cast<int>(qMin<std::size_t>(p.outBufferSize, static_cast<std::size_t>(m_outBuffer->maximum()))));
    m_tls->setConfig(p.tls);
    m_protocol->setChoice(p.protocol);
    m_udp->setOptions(p.udpOptions);
    showTransport(p.udp);
    validate();
}

ListenParams ListenDialog::params() const {
    ListenParams p;
    p.udp = isUdp();
    p.host = m_host->currentText().trimmed();
    p.port = static_cast<std::uint16_t>(m_port->value());
    if (const auto t = m_terminator->terminator()) p.terminator = *t;
    p.echo = m_echo->isChecked();
    p.inBufferSize = static_cast<std::size_t>(m_inBuffer->value());
    p.outBufferSize = static_cast<std::size_t>(m_outBuffer->value());
    p.tls = m_tls->config();
    p.protocol = m_protocol->choice();
    if (p.udp) p.udpOptions = m_udp->options();
    return p;
}

bool ListenDialog::isInputValid() const {
    return problem().isEmpty();
}

QString ListenDialog::problem() const {
    if (m_host->currentText().trimmed().isEmpty())
        return tr("Enter the address to listen on (127.0.0.1 for this machine only).");
    if (!m_terminator->isValid())
        return tr("The terminator is not valid.");
    if (isUdp()) return m_udp->problem(m_host->currentText().trimmed());  // no protocol or TLS over UDP
    if (const QString why = fields::protocolProblem(m_protocol); !why.isEmpty()) return why;
    return m_tls->problem();
}

void ListenDialog::validate() {
    const QString why = problem();
    fields::enableOkUnless(m_buttons, why);
    m_udp->showProblem(isUdp() ? why : QString());
}

void ListenDialog::accept() {
    if (!isInputValid()) return;
    QDialog::accept();
}

}  // namespace ui
