// TlsOptionsBox.h — the TLS part of the Connect…, Listen… and Start TLS
// dialogs: fills an engine::TlsConfig.
//
// What it does: "Use TLS" (a checkable box; its fields show only when it is
// on) and, inside it, how TLS starts — from the first byte, or by a STARTTLS
// dialogue (client: SMTP, IMAP, POP3, FTP, or after a received message
// matches a regular expression; server: after a match) — certificate
// verification (on by default for a client; turning it off shows a warning
// that stays in view), the CA file, the certificate and key (file
// pickers), SNI, ALPN, the minimum and maximum protocol versions and the key
// log file. problem() says, in words, what is wrong with the input (a
// regular expression that does not compile, a file that does not exist, a
// key without its certificate, a minimum above the maximum, …); the owning
// dialog shows it and keeps its OK button off meanwhile. In Upgrade mode
// (Channel ▸ Start TLS…) TLS is on and the STARTTLS choice is not offered:
// the upgrade happens now.
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "engine/tls/TlsConfig.h"

#include <QGroupBox>
#include <QString>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QWidget;

namespace ui {

class TlsOptionsBox : public QGroupBox {
    Q_OBJECT
public:
    /// Client: a client channel (verification of the server). Server: a
    /// listener (its own certificate; optional client certificates).
    /// Upgrade: a live channel upgraded now (client or server per `server`).
    enum class Mode { Client, Server, Upgrade };

    explicit TlsOptionsBox(Mode mode, QWidget* parent = nullptr);

    /// Upgrade mode: whether this end is the TLS server (an accepted channel).
    void setServerSide(bool server);

    void setConfig(const engine::TlsConfig& config);
    /// The configuration as entered (check problem() first). TLS off: a
    /// default TlsConfig (wanted() false).
    engine::TlsConfig config() const;
    /// What is wrong with the input, in words; empty when it is fine.
    QString problem() const;

    // The fields, for tests and for the dialogs' focus handling.
    QComboBox* startBox() const { return m_start; }
    QLineEdit* patternEdit() const { return m_pattern; }
    QCheckBox* verifyBox() const { return m_verify; }
    QLabel* insecureWarning() const { return m_insecure; }
    QLineEdit* caFileEdit() const { return m_caFile; }
    QLineEdit* certFileEdit() const { return m_certFile; }
    QLineEdit* keyFileEdit() const { return m_keyFile; }
    QLineEdit* serverNameEdit() const { return m_serverName; }
    QLineEdit* alpnEdit() const { return m_alpn; }
    QComboBox* minVersionBox() const { return m_minVersion; }
    QComboBox* maxVersionBox() const { return m_maxVersion; }
    QLineEdit* keyLogEdit() const { return m_keyLog; }
    QLabel* problemLabel() const { return m_problem; }

    /// "h2, http/1.1" → {"h2", "http/1.1"} (commas or spaces separate).
    static std::vector<std::string> splitAlpn(const QString& text);
    /// What is wrong with a file the TLS layer must read, called `what` in
    /// the message ("" if nothing, or if `path` is empty).
    static QString readableFileProblem(const QString& what, const QString& path);
    /// What the "…" button of a fileRow() picks.
    enum class Pick { OpenFile, SaveFile, Folder };
    /// `edit` in a new row (a child of `parent`) with a "…" button that picks
    /// a file or a folder into it (dialogs titled `title`; PEM files offered first).
    static QWidget* fileRow(QWidget* parent, QLineEdit* edit, const QString& title, Pick pick);

signals:
    /// Any field changed (the dialog validates again).
    void changed();

private:
    void updateVisibility();
    void emitChanged();
    bool serverSide() const { return m_mode == Mode::Server || (m_mode == Mode::Upgrade && m_serverSide); }

    Mode m_mode;
    bool m_serverSide = false;
    QWidget* m_fields = nullptr;
    QComboBox* m_start = nullptr;
    QLabel* m_patternLabel = nullptr;
    QLineEdit* m_pattern = nullptr;
    QCheckBox* m_verify = nullptr;
    QLabel* m_insecure = nullptr;
    QLineEdit* m_caFile = nullptr;
    QLineEdit* m_certFile = nullptr;
    QLineEdit* m_keyFile = nullptr;
    QLabel* m_serverNameLabel = nullptr;
    QLineEdit* m_serverName = nullptr;
    QLineEdit* m_alpn = nullptr;
    QComboBox* m_minVersion = nullptr;
    QComboBox* m_maxVersion = nullptr;
    QLineEdit* m_keyLog = nullptr;
    QLabel* m_problem = nullptr;
};

}  // namespace ui
