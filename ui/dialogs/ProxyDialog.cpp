// ProxyDialog.cpp — framing proxy parameters.
#include "ui/dialogs/ProxyDialog.h"

#include "ui/dialogs/AddressFields.h"
#include "ui/dialogs/ConnectDialog.h"
#include "ui/dialogs/DialogFit.h"
#include "ui/protocol/ProtocolChooser.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/TerminatorEdit.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace ui {

ProxyDialog::ProxyDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Proxy"));

    m_host = fields::newListenHostBox(this);
    m_port = new QSpinBox(this);
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("0 (any free port)"));
    m_port->setToolTip(tr("Where the real client connects; 0 lets the system pick a free port"));

    m_toHost = fields::newTargetHostBox(this);
    m_toHost->setToolTip(tr("The real server: every client that connects gets its own connection to it"));
    m_toPort = new QSpinBox(this);
    m_toPort->setRange(1, 65535);
    m_family = fields::newFamilyBox(this);

    m_clientTerminator = new TerminatorEdit(this);
    m_clientTerminator->setToolTip(tr("Where the client's messages to the server end"));
    m_serverTerminator = new TerminatorEdit(this);
    m_serverTerminator->setToolTip(tr("Where the server's replies to the client end"));
    m_protocol = new ProtocolChooser(this);
    m_protocol->setToolTip(tr("A preset frames both directions (a proxy only frames and marks: it answers nothing)"));

    auto* note = new QLabel(tr("Bytes are forwarded exactly as received; the terminators only decide where "
                               "messages are cut for display and recording."),
                            this);
    note->setWordWrap(true);

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->addRow(tr("&Listen on:"), m_host);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("&Server:"), m_toHost);
    form->addRow(tr("Server p&ort:"), m_toPort);
    form->addRow(tr("&Family:"), m_family);
    form->addRow(tr("&Client → server:"), m_clientTerminator);
    form->addRow(tr("Ser&ver → client:"), m_serverTerminator);
    form->addRow(tr("P&rotocol:"), m_protocol);
    form->addRow(note);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Proxy"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ProxyDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ProxyDialog::reject);

    auto* fieldsWidget = new QWidget;
    auto* col = new QVBoxLayout(fieldsWidget);
    col->setContentsMargins(0, 0, 0, 0);
    col->addLayout(form);
    col->addStretch(1);
    m_fit = new DialogFit(this, fieldsWidget, m_buttons);
    connect(m_protocol, &ProtocolChooser::changed, m_fit, &DialogFit::refit);

    connect(m_host, &QComboBox::editTextChanged, this, &ProxyDialog::validate);
    connect(m_toHost, &QComboBox::editTextChanged, this, &ProxyDialog::validate);
    connect(m_clientTerminator, &TerminatorEdit::changed, this, &ProxyDialog::validate);
    connect(m_serverTerminator, &TerminatorEdit::changed, this, &ProxyDialog::validate);
    connect(m_protocol, &ProtocolChooser::changed, this, &ProxyDialog::validate);
    connect(m_clientTerminator->customEdit(), &EscapeEdit::submitted, this, &ProxyDialog::accept);
    connect(m_serverTerminator->customEdit(), &EscapeEdit::submitted, this, &ProxyDialog::accept);
    setParams(ProxyParams{});
    m_fit->refitNow();
}

void ProxyDialog::setParams(const ProxyParams& p) {
    m_host->setEditText(p.host.isEmpty() ? QStringLiteral("127.0.0.1") : p.host);
    m_port->setValue(p.port);
    m_toHost->setEditText(p.toHost);
    m_toPort->setValue(p.toPort == 0 ? 7000 : p.toPort);
    fields::setFamily(m_family, p.family);
    m_clientTerminator->setTerminator(p.clientTerminator);
    m_serverTerminator->setTerminator(p.serverTerminator);
    m_protocol->setChoice(p.protocol);
    validate();
}

ProxyParams ProxyDialog::params() const {
    ProxyParams p;
    p.host = m_host->currentText().trimmed();
    p.port = static_cast<std::uint16_t>(m_port->value());
    QString to = m_toHost->currentText().trimmed();
    std::uint16_t toPort = static_cast<std::uint16_t>(m_toPort->value());
    QString splitHost;
    std::uint16_t splitPort = 0;
    if (splitHostPort(to, splitHost, splitPort)) {  // "host:port" typed in the server field
        to = splitHost;
        toPort = splitPort;
    }
    p.toHost = to;
    p.toPort = toPort;
    p.family = fields::familyOf(m_family);
    if (const auto t = m_clientTerminator->terminator()) p.clientTerminator = *t;
    if (const auto t = m_serverTerminator->terminator()) p.serverTerminator = *t;
    p.protocol = m_protocol->choice();
    return p;
}

QString ProxyDialog::problem() const {
    if (m_host->currentText().trimmed().isEmpty())
        return tr("Enter the address to listen on (127.0.0.1 for this machine only).");
    if (m_toHost->currentText().trimmed().isEmpty())
        return tr("Enter the server to proxy to.");
    if (!m_clientTerminator->isValid())
        return tr("The client → server terminator is not valid.");
    if (!m_serverTerminator->isValid())
        return tr("The server → client terminator is not valid.");
    return fields::protocolProblem(m_protocol);
}

void ProxyDialog::validate() { fields::enableOkUnless(m_buttons, problem()); }

void ProxyDialog::accept() {
    if (!isInputValid()) return;
    QDialog::accept();
}

}  // namespace ui
