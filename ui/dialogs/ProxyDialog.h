// ProxyDialog.h — "Proxy…": the parameters of a new framing proxy.
//
// What it does: where to listen (the Listen dialog's host field, loopback by
// default; port 0: any free port), the server every accepted connection is
// proxied to (the Connect dialog's host field, host:port accepted, and its
// family choice), the terminator of each direction (client → server,
// server → client; TerminatorEdit) and a protocol preset that frames both
// (ProtocolChooser, as the other dialogs have it). TLS on either leg, as
// `proxy --tls / --to-tls / --starttls` have it: "TLS towards the client"
// (the proxy is the TLS server: a certificate and key, or one certificate
// per name the client asks for from Linewright's local CA; the CA's folder,
// its SHA-256 fingerprint and where its certificate is show, and "Export CA
// certificate…" saves it for the client to trust, creating the CA if
// needed), "TLS towards the server" (the Connect dialog's TlsOptionsBox:
// verification, CA file, SNI, …) and STARTTLS passed through (SMTP, IMAP,
// POP3, FTP: both legs start in plaintext and are upgraded with those two
// groups' settings when the client asks and the server agrees; the groups
// then show without their check box). The fields scroll and
// the buttons stay in view on a small screen (DialogFit). OK stays off while
// the input is wrong, and says why. The dialog only collects parameters;
// the window opens the proxy (ChannelsController::proxyTo).
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "ui/model/ChannelParams.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace ui {

class DialogFit;
class ProtocolChooser;
class TerminatorEdit;
class TlsOptionsBox;

class ProxyDialog : public QDialog {
    Q_OBJECT
public:
    explicit ProxyDialog(QWidget* parent = nullptr);

    void setParams(const ProxyParams& p);
    ProxyParams params() const;
    bool isInputValid() const { return problem().isEmpty(); }
    /// Why OK is off ("" when the input is valid).
    QString problem() const;

    QComboBox* hostBox() const { return m_host; }
    QSpinBox* portBox() const { return m_port; }
    QComboBox* toHostBox() const { return m_toHost; }
    QSpinBox* toPortBox() const { return m_toPort; }
    TerminatorEdit* clientTerminatorEdit() const { return m_clientTerminator; }
    TerminatorEdit* serverTerminatorEdit() const { return m_serverTerminator; }
    ProtocolChooser* protocolChooser() const { return m_protocol; }
    DialogFit* fit() const { return m_fit; }
    // TLS (see above).
    QComboBox* startTlsBox() const { return m_startTls; }
    QGroupBox* clientTlsBox() const { return m_clientTls; }
    /// "From the local CA" (0) or "This certificate and key" (1).
    QComboBox* certificateSourceBox() const { return m_certSource; }
    QLineEdit* certFileEdit() const { return m_certFile; }
    QLineEdit* keyFileEdit() const { return m_keyFile; }
    QLineEdit* caDirEdit() const { return m_caDir; }
    /// Where the CA is, its fingerprint (or that it is created on first use).
    QLabel* caInfoLabel() const { return m_caInfo; }
    QPushButton* exportCaButton() const { return m_exportCa; }
    TlsOptionsBox* serverTlsBox() const { return m_serverTls; }

    /// Writes the local CA's certificate (PEM) to `file`, creating the CA in
    /// the folder shown if it is not there yet; "" on success, else why not.
    /// (Export CA certificate… asks for the file, then calls this.)
    QString exportCaCertificate(const QString& file);

    void accept() override;

private:
    void validate();
    void updateTls();
    void updateCaInfo();
    QString clientTlsProblem() const;

    QComboBox* m_host = nullptr;
    QSpinBox* m_port = nullptr;
    QComboBox* m_toHost = nullptr;
    QSpinBox* m_toPort = nullptr;
    QComboBox* m_family = nullptr;
    TerminatorEdit* m_clientTerminator = nullptr;
    TerminatorEdit* m_serverTerminator = nullptr;
    ProtocolChooser* m_protocol = nullptr;
    QComboBox* m_startTls = nullptr;
    QGroupBox* m_clientTls = nullptr;
    QWidget* m_clientFields = nullptr;
    QComboBox* m_certSource = nullptr;
    QWidget* m_certRow = nullptr;
    QWidget* m_keyRow = nullptr;
    QLineEdit* m_certFile = nullptr;
    QLineEdit* m_keyFile = nullptr;
    QWidget* m_caDirRow = nullptr;
    QLineEdit* m_caDir = nullptr;
    QLabel* m_caInfo = nullptr;
    QPushButton* m_exportCa = nullptr;
    QString m_caProblem;
    TlsOptionsBox* m_serverTls = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    DialogFit* m_fit = nullptr;
};

}  // namespace ui
