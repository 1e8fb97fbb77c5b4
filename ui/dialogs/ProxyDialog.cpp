// ProxyDialog.cpp — framing proxy parameters.
#include "ui/dialogs/ProxyDialog.h"

#include "ui/dialogs/AddressFields.h"
#include "ui/dialogs/ConnectDialog.h"
#include "ui/dialogs/DialogFit.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "engine/tls/LocalCaInfo.h"
#include "ui/protocol/ProtocolChooser.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/TerminatorEdit.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSpinBox>
#include <QVBoxLayout>

namespace ui {
namespace {

// The certificate source box's entries.
constexpr int kFromLocalCa = 0;
constexpr int kOwnCertificate = 1;

QString fromStd(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

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

    // --- TLS ---------------------------------------------------------------
    m_startTls = new QComboBox(this);
    m_startTls->addItem(tr("None"), static_cast<int>(engine::StartTlsProtocol::None));
    m_startTls->addItem(tr("SMTP (STARTTLS)"), static_cast<int>(engine::StartTlsProtocol::Smtp));
    m_startTls->addItem(tr("IMAP (a1 STARTTLS)"), static_cast<int>(engine::StartTlsProtocol::Imap));
    m_startTls->addItem(tr("POP3 (STLS)"), static_cast<int>(engine::StartTlsProtocol::Pop3));
    m_startTls->addItem(tr("FTP (AUTH TLS)"), static_cast<int>(engine::StartTlsProtocol::Ftp));
    m_startTls->setToolTip(tr("Both legs start in plaintext; when the client asks for TLS and the server agrees, "
                              "both are upgraded with the settings below"));

    m_clientTls = new QGroupBox(this);
    m_clientTls->setCheckable(true);
    m_clientTls->setChecked(false);
    m_clientTls->setToolTip(tr("The proxy is the TLS server the client talks to, as `proxy --tls`"));
    auto* clientFields = new QWidget(m_clientTls);
    m_clientFields = clientFields;
    m_certSource = new QComboBox(clientFields);
    m_certSource->addItem(tr("Issued by the local CA, one per name the client asks for"), kFromLocalCa);
    m_certSource->addItem(tr("This certificate and key"), kOwnCertificate);
    m_certFile = new QLineEdit;
    m_certFile->setPlaceholderText(tr("the certificate (PEM) the client is shown"));
    m_keyFile = new QLineEdit;
    m_keyFile->setPlaceholderText(tr("its private key (PEM)"));
    m_certRow = TlsOptionsBox::fileRow(clientFields, m_certFile, tr("Certificate (PEM)"), TlsOptionsBox::Pick::OpenFile);
    m_keyRow = TlsOptionsBox::fileRow(clientFields, m_keyFile, tr("Private key (PEM)"), TlsOptionsBox::Pick::OpenFile);
    m_caDir = new QLineEdit;
    m_caDir->setPlaceholderText(QDir::toNativeSeparators(fromStd(engine::tls::defaultLocalCaDirectory())));
    m_caDir->setToolTip(tr("The folder of Linewright's local CA (created there when missing; empty: the default)"));
    m_caDirRow = TlsOptionsBox::fileRow(clientFields, m_caDir, tr("Local CA folder"), TlsOptionsBox::Pick::Folder);
    m_caInfo = new QLabel(clientFields);
    m_caInfo->setWordWrap(true);
    m_caInfo->setTextFormat(Qt::PlainText);
    m_caInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_exportCa = new QPushButton(tr("E&xport CA certificate…"), clientFields);
    m_exportCa->setToolTip(tr("Saves the CA's certificate (PEM) for the client to trust; creates the CA if needed"));
    auto* exportRow = new QHBoxLayout;
    exportRow->setContentsMargins(0, 0, 0, 0);
    exportRow->addWidget(m_exportCa);
    exportRow->addStretch(1);
    auto* clientForm = new QFormLayout(clientFields);
    clientForm->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    clientForm->setContentsMargins(0, 0, 0, 0);
    clientForm->addRow(tr("Certificate:"), m_certSource);
    clientForm->addRow(tr("Certificate file:"), m_certRow);
    clientForm->addRow(tr("Key file:"), m_keyRow);
    clientForm->addRow(tr("CA folder:"), m_caDirRow);
    clientForm->addRow(m_caInfo);
    clientForm->addRow(exportRow);
    auto* clientCol = new QVBoxLayout(m_clientTls);
    clientCol->addWidget(clientFields);

    m_serverTls = new TlsOptionsBox(TlsOptionsBox::Mode::Upgrade, this);  // client side, no STARTTLS choice
    m_serverTls->setCheckable(true);
    m_serverTls->setChecked(false);
    m_serverTls->setToolTip(tr("The proxy is the TLS client of the server, as `proxy --to-tls`"));

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
    form->addRow(tr("STARTTLS passed t&hrough:"), m_startTls);
    form->addRow(m_clientTls);
    form->addRow(m_serverTls);
    form->addRow(note);

    m_buttons = fields::newOkCancel(this, tr("&Proxy"));
    m_fit = new DialogFit(this, dialogfit::column(form, {}), m_buttons);
    connect(m_protocol, &ProtocolChooser::changed, m_fit, &DialogFit::refit);

    connect(m_host, &QComboBox::editTextChanged, this, &ProxyDialog::validate);
    connect(m_toHost, &QComboBox::editTextChanged, this, &ProxyDialog::validate);
    connect(m_clientTerminator, &TerminatorEdit::changed, this, &ProxyDialog::validate);
    connect(m_serverTerminator, &TerminatorEdit::changed, this, &ProxyDialog::validate);
    connect(m_protocol, &ProtocolChooser::changed, this, &ProxyDialog::validate);
    auto tlsChanged = [this] {
        updateTls();
        validate();
    };
    connect(m_startTls, &QComboBox::currentIndexChanged, this, tlsChanged);
    connect(m_clientTls, &QGroupBox::toggled, this, tlsChanged);
    connect(m_certSource, &QComboBox::currentIndexChanged, this, tlsChanged);
    connect(m_certFile, &QLineEdit::textChanged, this, &ProxyDialog::validate);
    connect(m_keyFile, &QLineEdit::textChanged, this, &ProxyDialog::validate);
    connect(m_caDir, &QLineEdit::textChanged, this, [this] {
        updateCaInfo();
        validate();
    });
    connect(m_serverTls, &TlsOptionsBox::changed, this, [this] {
        validate();
        m_fit->refit();
    });
    connect(m_exportCa, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Export the CA certificate"),
                                                          QDir::home().filePath(QStringLiteral("linewright-ca.pem")),
                                                          tr("PEM files (*.pem *.crt);;All files (*)"));
        if (file.isEmpty()) return;
        const QString why = exportCaCertificate(file);
        if (!why.isEmpty()) QMessageBox::warning(this, tr("Export the CA certificate"), why);
    });
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
    {
        const QSignalBlocker block(m_startTls);
        const int i = m_startTls->findData(static_cast<int>(p.startTls));
        m_startTls->setCurrentIndex(i < 0 ? 0 : i);
    }
    updateTls();  // (the groups lose their check box while STARTTLS is chosen)
    if (m_clientTls->isCheckable()) m_clientTls->setChecked(p.clientTls.enabled);
    m_certSource->setCurrentIndex(p.clientTls.certFile.empty() ? kFromLocalCa : kOwnCertificate);
    m_certFile->setText(fromStd(p.clientTls.certFile));
    m_keyFile->setText(fromStd(p.clientTls.keyFile));
    m_caDir->setText(fromStd(p.clientTls.localCaDir));
    m_serverTls->setConfig(p.serverTls);
    updateTls();
    updateCaInfo();
    validate();
}

ProxyParams ProxyDialog::params() const {
    ProxyParams p;
    p.host = m_host->currentText().trimmed();
    p.port = static_cast<std::uint16_t>(m_port->value());
    targetOf(m_toHost, m_toPort, p.toHost, p.toPort);  // "host:port" typed in the server field
    p.family = fields::familyOf(m_family);
    if (const auto t = m_clientTerminator->terminator()) p.clientTerminator = *t;
    if (const auto t = m_serverTerminator->terminator()) p.serverTerminator = *t;
    p.protocol = m_protocol->choice();
    p.startTls = static_cast<engine::StartTlsProtocol>(m_startTls->currentData().toInt());
    const bool pass = p.startTls != engine::StartTlsProtocol::None;
    p.serverTls = m_serverTls->config();  // (enabled while STARTTLS is chosen; options() starts it in plaintext)
    p.clientTls = serverTlsDefaults();
    if (pass || m_clientTls->isChecked()) {
        p.clientTls.enabled = true;
        if (m_certSource->currentData().toInt() == kOwnCertificate) {
            p.clientTls.certFile = m_certFile->text().trimmed().toStdString();
            p.clientTls.keyFile = m_keyFile->text().trimmed().toStdString();
        } else {
            p.clientTls.localCaDir = m_caDir->text().trimmed().toStdString();
        }
        // One key log for both legs, as `proxy --keylog`.
        if (p.serverTls.wanted()) p.clientTls.keyLogFile = p.serverTls.keyLogFile;
    }
    return p;
}

void ProxyDialog::updateTls() {
    const bool pass = m_startTls->currentData().toInt() != static_cast<int>(engine::StartTlsProtocol::None);
    if (pass) {
        // Both legs upgrade: their settings apply, so they show, without a check box.
        for (QGroupBox* g : {static_cast<QGroupBox*>(m_clientTls), static_cast<QGroupBox*>(m_serverTls)}) {
            if (!g->isCheckable()) continue;
            g->setChecked(true);
            g->setCheckable(false);
        }
        m_clientTls->setTitle(tr("TLS towards the client (after STARTTLS)"));
        m_serverTls->setTitle(tr("TLS towards the server (after STARTTLS)"));
    } else {
        for (QGroupBox* g : {static_cast<QGroupBox*>(m_clientTls), static_cast<QGroupBox*>(m_serverTls)}) {
            if (g->isCheckable()) continue;
            g->setCheckable(true);
            g->setChecked(false);
        }
        m_clientTls->setTitle(tr("TLS towards the cl&ient (from the first byte)"));
        m_serverTls->setTitle(tr("TLS towar&ds the server (from the first byte)"));
    }
    const bool clientOn = !m_clientTls->isCheckable() || m_clientTls->isChecked();
    m_clientFields->setVisible(clientOn);
    const bool own = m_certSource->currentData().toInt() == kOwnCertificate;
    if (auto* form = qobject_cast<QFormLayout*>(m_certRow->parentWidget()->layout())) {
        form->setRowVisible(m_certRow, own);
        form->setRowVisible(m_keyRow, own);
        form->setRowVisible(m_caDirRow, !own);
        form->setRowVisible(m_caInfo, !own);
    }
    m_exportCa->setVisible(!own);
    if (m_fit) m_fit->refit();
}

void ProxyDialog::updateCaInfo() {
    const QString typed = m_caDir->text().trimmed();
    const std::string dir = typed.isEmpty() ? engine::tls::defaultLocalCaDirectory() : typed.toStdString();
    m_caProblem.clear();
    if (dir.empty()) {
        m_caProblem = tr("There is no default folder for the local CA (neither XDG_DATA_HOME nor HOME is set): "
                         "name one.");
        m_caInfo->setText(m_caProblem);
        return;
    }
    const engine::tls::LocalCaSummary ca = engine::tls::describeLocalCa(dir, false);
    if (!ca.error.empty()) {
        m_caProblem = tr("Local CA: %1").arg(fromStd(ca.error));
        m_caInfo->setText(m_caProblem);
    } else if (ca.exists) {
        m_caInfo->setText(tr("Local CA in %1\nSHA-256 %2\nClients trust %3 (Export CA certificate… saves a copy).")
                              .arg(QDir::toNativeSeparators(fromStd(ca.directory)), fromStd(ca.fingerprint),
                                   QDir::toNativeSeparators(fromStd(ca.certificatePath))));
    } else {
        m_caInfo->setText(tr("No local CA in %1 yet: it is created there when the proxy starts (or by Export CA "
                             "certificate…); clients then trust its certificate, %2.")
                              .arg(QDir::toNativeSeparators(fromStd(dir)),
                                   QDir::toNativeSeparators(fromStd(ca.certificatePath))));
    }
}

QString ProxyDialog::exportCaCertificate(const QString& file) {
    const QString typed = m_caDir->text().trimmed();
    const std::string dir = typed.isEmpty() ? engine::tls::defaultLocalCaDirectory() : typed.toStdString();
    const engine::tls::LocalCaSummary ca = engine::tls::describeLocalCa(dir, true);
    updateCaInfo();
    validate();
    if (!ca.error.empty()) return tr("The local CA cannot be used: %1").arg(fromStd(ca.error));
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly) ||
        out.write(ca.certificatePem.data(), static_cast<qint64>(ca.certificatePem.size())) !=
            static_cast<qint64>(ca.certificatePem.size()) ||
        !out.commit())
        return tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(file), out.errorString());
    return {};
}

QString ProxyDialog::clientTlsProblem() const {
    const bool pass = m_startTls->currentData().toInt() != static_cast<int>(engine::StartTlsProtocol::None);
    if (!pass && !m_clientTls->isChecked()) return {};
    if (m_certSource->currentData().toInt() == kOwnCertificate) {
        const QString cert = m_certFile->text().trimmed();
        const QString key = m_keyFile->text().trimmed();
        if (cert.isEmpty()) return tr("TLS towards the client: give the certificate file (or use the local CA).");
        if (key.isEmpty()) return tr("TLS towards the client: give the certificate's key file too.");
        if (QString p = TlsOptionsBox::readableFileProblem(tr("Certificate"), cert); !p.isEmpty()) return p;
        return TlsOptionsBox::readableFileProblem(tr("Key"), key);
    }
    return m_caProblem;
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
    if (QString p = clientTlsProblem(); !p.isEmpty()) return p;
    if (QString p = m_serverTls->problem(); !p.isEmpty()) return tr("TLS towards the server: %1").arg(p);
    return fields::protocolProblem(m_protocol);
}

void ProxyDialog::validate() { fields::enableOkUnless(m_buttons, problem()); }

void ProxyDialog::accept() {
    if (!isInputValid()) return;
    QDialog::accept();
}

}  // namespace ui
