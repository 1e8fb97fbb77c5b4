// TlsOptionsBox.cpp — TLS and STARTTLS options, checked as they are typed.
#include "ui/dialogs/TlsOptionsBox.h"

#include "engine/asyncore/Pattern.h"
#include "ui/views/ViewColors.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QToolButton>
#include <QVBoxLayout>

namespace ui {
namespace {

// The start combo's item data: how TLS begins.
constexpr int kFromFirstByte = -1;

std::string toStd(const QString& s) { return s.trimmed().toStdString(); }
QString fromStd(const std::string& s) { return QString::fromStdString(s); }

void fillVersions(QComboBox* box, const QString& anyText) {
    box->addItem(anyText, static_cast<int>(engine::TlsVersion::Any));
    for (engine::TlsVersion v : {engine::TlsVersion::Tls1_0, engine::TlsVersion::Tls1_1, engine::TlsVersion::Tls1_2,
                                 engine::TlsVersion::Tls1_3}) {
        const std::string_view name = engine::tlsVersionName(v);
        box->addItem(QStringLiteral("TLS %1").arg(QLatin1String(name.data(), static_cast<qsizetype>(name.size()))),
                     static_cast<int>(v));
    }
}

void selectData(QComboBox* box, int data) {
    const int i = box->findData(data);
    box->setCurrentIndex(i < 0 ? 0 : i);
}

}  // namespace

QString TlsOptionsBox::readableFileProblem(const QString& what, const QString& path) {
    if (path.isEmpty()) return {};
    const QFileInfo fi(path);
    if (!fi.exists()) return tr("%1: %2 does not exist.").arg(what, QDir::toNativeSeparators(path));
    if (fi.isDir()) return tr("%1: %2 is a folder, not a file.").arg(what, QDir::toNativeSeparators(path));
    if (!fi.isReadable()) return tr("%1: %2 cannot be read.").arg(what, QDir::toNativeSeparators(path));
    return {};
}

std::vector<std::string> TlsOptionsBox::splitAlpn(const QString& text) {
    std::vector<std::string> out;
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    for (const QString& part : text.split(separators, Qt::SkipEmptyParts)) out.push_back(part.toStdString());
    return out;
}

TlsOptionsBox::TlsOptionsBox(Mode mode, QWidget* parent) : QGroupBox(parent), m_mode(mode) {
    if (mode == Mode::Upgrade) {
        setTitle(tr("TLS"));
    } else {
        setTitle(tr("Use &TLS"));
        setCheckable(true);
        setChecked(false);
    }
    m_fields = new QWidget(this);

    m_start = new QComboBox(m_fields);
    m_start->addItem(tr("From the first byte"), kFromFirstByte);
    if (mode == Mode::Client) {
        m_start->addItem(tr("STARTTLS: SMTP (EHLO, STARTTLS)"), static_cast<int>(engine::StartTlsProtocol::Smtp));
        m_start->addItem(tr("STARTTLS: IMAP (a1 STARTTLS)"), static_cast<int>(engine::StartTlsProtocol::Imap));
        m_start->addItem(tr("STARTTLS: POP3 (STLS)"), static_cast<int>(engine::StartTlsProtocol::Pop3));
        m_start->addItem(tr("STARTTLS: FTP (AUTH TLS)"), static_cast<int>(engine::StartTlsProtocol::Ftp));
        m_start->addItem(tr("STARTTLS after a received message matches…"),
                         static_cast<int>(engine::StartTlsProtocol::AfterMatch));
    } else if (mode == Mode::Server) {
        m_start->addItem(tr("STARTTLS after a received message matches…"),
                         static_cast<int>(engine::StartTlsProtocol::AfterMatch));
    }
    m_start->setToolTip(tr("TLS from the first byte (as HTTPS, IMAPS), or plaintext first and an upgrade by a "
                           "STARTTLS dialogue; bytes that arrive with the go-ahead are not lost"));
    m_patternLabel = new QLabel(tr("&Message matches:"), m_fields);
    m_pattern = new QLineEdit(m_fields);
    m_pattern->setPlaceholderText(tr("regular expression (RE2), e.g. ^STARTTLS"));
    m_pattern->setToolTip(tr("The upgrade starts after the first received message (framed by the terminator) "
                             "that this regular expression matches (RE2 syntax, partial match)"));
    m_patternLabel->setBuddy(m_pattern);

    m_verify = new QCheckBox(m_fields);
    m_insecure = new QLabel(m_fields);
    m_insecure->setWordWrap(true);
    m_insecure->setText(tr("⚠ Certificate verification is OFF: anybody between you and the server can read and "
                           "change this traffic. The channel will be marked UNVERIFIED."));
    QFont bold = m_insecure->font();
    bold.setBold(true);
    m_insecure->setFont(bold);
    m_insecure->setAutoFillBackground(true);
    m_insecure->setMargin(4);
    {
        const ViewColors c = ViewColors::forPalette(palette());
        QPalette p = m_insecure->palette();
        p.setColor(QPalette::WindowText, c.error);
        p.setColor(QPalette::Window, c.errorBg);
        m_insecure->setPalette(p);
    }

    m_caFile = new QLineEdit(m_fields);
    m_certFile = new QLineEdit(m_fields);
    m_keyFile = new QLineEdit(m_fields);
    m_serverNameLabel = new QLabel(tr("Server &name (SNI):"), m_fields);
    m_serverName = new QLineEdit(m_fields);
    m_serverName->setPlaceholderText(tr("the host name connected to"));
    m_serverName->setToolTip(tr("Sent as SNI and checked against the certificate; empty: the host as given "
                                "(an IP address is checked as an address, without SNI)"));
    m_serverNameLabel->setBuddy(m_serverName);
    m_alpn = new QLineEdit(m_fields);
    m_alpn->setPlaceholderText(tr("none, or e.g. h2, http/1.1"));
    m_alpn->setToolTip(tr("ALPN protocols in order of preference, separated by commas"));
    m_minVersion = new QComboBox(m_fields);
    m_maxVersion = new QComboBox(m_fields);
    fillVersions(m_minVersion, tr("lowest allowed"));
    fillVersions(m_maxVersion, tr("highest available"));
    m_minVersion->setToolTip(tr("The oldest protocol version accepted (OpenSSL's default: TLS 1.2 on most systems)"));
    m_maxVersion->setToolTip(tr("The newest protocol version offered"));
    m_keyLog = new QLineEdit(m_fields);
    m_keyLog->setPlaceholderText(tr("none (or $SSLKEYLOGFILE)"));
    m_keyLog->setToolTip(tr("Appends the session keys in NSS key log format, so Wireshark can decrypt a capture "
                            "of this traffic. Keep the file private: it unlocks the conversation."));

    const bool server = mode == Mode::Server;
    if (server) {
        m_caFile->setPlaceholderText(tr("none (needed to verify client certificates)"));
        m_certFile->setPlaceholderText(tr("none: a self-signed certificate is generated"));
        m_keyFile->setPlaceholderText(tr("the certificate's private key (PEM)"));
    } else {
        m_caFile->setPlaceholderText(tr("the system's trusted CAs"));
        m_certFile->setPlaceholderText(tr("none (a client certificate, if the server asks)"));
        m_keyFile->setPlaceholderText(tr("the client certificate's private key (PEM)"));
    }

    auto* versions = new QHBoxLayout;
    versions->setContentsMargins(0, 0, 0, 0);
    versions->addWidget(m_minVersion, 1);
    versions->addWidget(new QLabel(tr("to"), m_fields));
    versions->addWidget(m_maxVersion, 1);

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->setContentsMargins(0, 0, 0, 0);
    if (mode != Mode::Upgrade) form->addRow(tr("&Start:"), m_start);
    form->addRow(m_patternLabel, m_pattern);
    form->addRow(QString(), m_verify);
    form->addRow(m_insecure);
    form->addRow(tr("C&A file:"), fileRow(m_fields, m_caFile, tr("CA certificates (PEM)"), Pick::OpenFile));
    form->addRow(tr("Cer&tificate:"), fileRow(m_fields, m_certFile, tr("Certificate (PEM)"), Pick::OpenFile));
    form->addRow(tr("&Key:"), fileRow(m_fields, m_keyFile, tr("Private key (PEM)"), Pick::OpenFile));
    form->addRow(m_serverNameLabel, m_serverName);
    form->addRow(tr("A&LPN:"), m_alpn);
    // Two boxes in a layout: the label needs its buddy set by hand, or its
    // mnemonic shows as a literal "&".
    auto* versionsLabel = new QLabel(tr("&Versions:"), this);
    versionsLabel->setBuddy(m_minVersion);
    form->addRow(versionsLabel, versions);
    form->addRow(tr("Key lo&g file:"), fileRow(m_fields, m_keyLog, tr("Key log file (NSS format)"), Pick::SaveFile));
    m_fields->setLayout(form);
    if (mode == Mode::Upgrade) m_start->hide();

    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    m_problem->setTextFormat(Qt::PlainText);
    {
        QPalette p = m_problem->palette();
        p.setColor(QPalette::WindowText, ViewColors::forPalette(palette()).error);
        m_problem->setPalette(p);
    }

    auto* col = new QVBoxLayout(this);
    col->addWidget(m_fields);
    col->addWidget(m_problem);

    const auto showAndEmit = [this] {
        updateVisibility();
        emitChanged();
    };
    connect(this, &QGroupBox::toggled, this, showAndEmit);
    connect(m_start, &QComboBox::currentIndexChanged, this, showAndEmit);
    connect(m_verify, &QCheckBox::toggled, this, showAndEmit);
    for (QLineEdit* e : {m_pattern, m_caFile, m_certFile, m_keyFile, m_serverName, m_alpn, m_keyLog})
        connect(e, &QLineEdit::textChanged, this, &TlsOptionsBox::emitChanged);
    for (QComboBox* b : {m_minVersion, m_maxVersion})
        connect(b, &QComboBox::currentIndexChanged, this, &TlsOptionsBox::emitChanged);

    setServerSide(server);
    setConfig(engine::TlsConfig{});
}

QWidget* TlsOptionsBox::fileRow(QWidget* parent, QLineEdit* edit, const QString& title, Pick pick) {
    auto* row = new QWidget(parent);
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    edit->setParent(row);
    h->addWidget(edit, 1);
    auto* button = new QToolButton(row);
    button->setText(tr("…"));
    button->setToolTip(pick == Pick::Folder ? tr("Choose a folder") : tr("Choose a file"));
    h->addWidget(button);
    connect(button, &QToolButton::clicked, row, [row, edit, title, pick] {
        const QString start = edit->text().trimmed().isEmpty() ? QDir::homePath() : edit->text().trimmed();
        QString path;
        if (pick == Pick::Folder)
            path = QFileDialog::getExistingDirectory(row, title, start);
        else if (pick == Pick::SaveFile)
            path = QFileDialog::getSaveFileName(row, title, start, QString(), nullptr, QFileDialog::DontConfirmOverwrite);
        else
            path = QFileDialog::getOpenFileName(row, title, start, tr("PEM files (*.pem *.crt *.cer *.key);;All files (*)"));
        if (!path.isEmpty()) edit->setText(QDir::toNativeSeparators(path));
    });
    return row;
}

void TlsOptionsBox::setServerSide(bool server) {
    m_serverSide = server;
    if (serverSide()) {
        m_verify->setText(tr("Ask for a client certificate and &verify it (against the CA file)"));
        m_verify->setToolTip(tr("Off: any client may connect without a certificate"));
    } else {
        m_verify->setText(tr("&Verify the server's certificate and host name"));
        m_verify->setToolTip(tr("Against the CA file (or the system's trusted CAs), and the server name"));
    }
    updateVisibility();
    emitChanged();
}

void TlsOptionsBox::setConfig(const engine::TlsConfig& c) {
    {
        const QSignalBlocker block(this);
        if (isCheckable()) setChecked(c.wanted());
        selectData(m_start, c.startTls == engine::StartTlsProtocol::None ? kFromFirstByte : static_cast<int>(c.startTls));
        m_pattern->setText(fromStd(c.startTlsAfter));
        m_verify->setChecked(c.verify);
        m_caFile->setText(fromStd(c.caFile));
        m_certFile->setText(fromStd(c.certFile));
        m_keyFile->setText(fromStd(c.keyFile));
        m_serverName->setText(fromStd(c.serverName));
        QStringList alpn;
        for (const std::string& a : c.alpn) alpn << fromStd(a);
        m_alpn->setText(alpn.join(QStringLiteral(", ")));
        selectData(m_minVersion, static_cast<int>(c.minVersion));
        selectData(m_maxVersion, static_cast<int>(c.maxVersion));
        m_keyLog->setText(fromStd(c.keyLogFile));
    }
    updateVisibility();
    emitChanged();
}

engine::TlsConfig TlsOptionsBox::config() const {
    engine::TlsConfig c;
    if (isCheckable() && !isChecked()) return c;
    const int start = m_mode == Mode::Upgrade ? kFromFirstByte : m_start->currentData().toInt();
    c.enabled = start == kFromFirstByte;
    c.startTls = start == kFromFirstByte ? engine::StartTlsProtocol::None : static_cast<engine::StartTlsProtocol>(start);
    if (c.startTls == engine::StartTlsProtocol::AfterMatch) c.startTlsAfter = m_pattern->text().toStdString();
    c.verify = m_verify->isChecked();
    c.caFile = toStd(m_caFile->text());
    c.certFile = toStd(m_certFile->text());
    c.keyFile = toStd(m_keyFile->text());
    if (!serverSide()) c.serverName = toStd(m_serverName->text());
    c.alpn = splitAlpn(m_alpn->text());
    c.minVersion = static_cast<engine::TlsVersion>(m_minVersion->currentData().toInt());
    c.maxVersion = static_cast<engine::TlsVersion>(m_maxVersion->currentData().toInt());
    c.keyLogFile = toStd(m_keyLog->text());
    return c;
}

QString TlsOptionsBox::problem() const {
    if (isCheckable() && !isChecked()) return {};
    const engine::TlsConfig c = config();
    if (c.startTls == engine::StartTlsProtocol::AfterMatch) {
        if (c.startTlsAfter.empty()) return tr("Enter the regular expression a received message must match to start TLS.");
        std::string error;
        if (!engine::Pattern::compile(c.startTlsAfter, &error))
            return tr("The regular expression does not compile: %1").arg(QString::fromStdString(error));
    }
    for (const auto& [what, path] : {std::pair{tr("CA file"), fromStd(c.caFile)},
                                     std::pair{tr("Certificate"), fromStd(c.certFile)},
                                     std::pair{tr("Key"), fromStd(c.keyFile)}}) {
        const QString p = readableFileProblem(what, path);
        if (!p.isEmpty()) return p;
    }
    if (!c.certFile.empty() && c.keyFile.empty()) return tr("Give the certificate's private key too (Key).");
    if (c.certFile.empty() && !c.keyFile.empty()) return tr("A key needs its certificate (Certificate).");
    if (serverSide() && c.verify && c.caFile.empty())
        return tr("To verify client certificates, give the CA file that issued them.");
    for (const QChar ch : m_serverName->text().trimmed())
        if (ch.isSpace() || ch.category() == QChar::Other_Control)
            return tr("The server name (SNI) may not contain spaces or control characters.");
    for (const std::string& a : c.alpn) {
        if (a.size() > 255) return tr("An ALPN protocol name is at most 255 bytes.");
        for (const char ch : a)
            if (static_cast<unsigned char>(ch) < 0x21 || static_cast<unsigned char>(ch) > 0x7e)
                return tr("ALPN protocol names are printable ASCII, separated by commas.");
    }
    if (c.minVersion != engine::TlsVersion::Any && c.maxVersion != engine::TlsVersion::Any && c.minVersion > c.maxVersion)
        return tr("The lowest TLS version allowed is above the highest.");
    if (!c.keyLogFile.empty()) {
        const QFileInfo fi(fromStd(c.keyLogFile));
        if (fi.isDir()) return tr("Key log file: %1 is a folder.").arg(QDir::toNativeSeparators(fi.filePath()));
        if (fi.exists() && !fi.isWritable())
            return tr("Key log file: %1 cannot be written.").arg(QDir::toNativeSeparators(fi.filePath()));
        if (!fi.exists() && !fi.absoluteDir().exists())
            return tr("Key log file: the folder %1 does not exist.").arg(QDir::toNativeSeparators(fi.absolutePath()));
    }
    return {};
}

void TlsOptionsBox::updateVisibility() {
    const bool on = !isCheckable() || isChecked();
    m_fields->setVisible(on);
    const bool afterMatch = m_mode != Mode::Upgrade &&
                            m_start->currentData().toInt() == static_cast<int>(engine::StartTlsProtocol::AfterMatch);
    m_patternLabel->setVisible(on && afterMatch);
    m_pattern->setVisible(on && afterMatch);
    m_insecure->setVisible(on && !serverSide() && !m_verify->isChecked());
    m_serverNameLabel->setVisible(on && !serverSide());
    m_serverName->setVisible(on && !serverSide());
}

void TlsOptionsBox::emitChanged() {
    const QString p = problem();
    m_problem->setText(p);
    m_problem->setVisible(!p.isEmpty());
    emit changed();
}

}  // namespace ui
