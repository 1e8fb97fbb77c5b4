// TlsUpgradeDialog.cpp — the options of a TLS upgrade of a live channel.
#include "ui/dialogs/TlsUpgradeDialog.h"

#include "ui/dialogs/AddressFields.h"
#include "ui/dialogs/DialogFit.h"
#include "ui/dialogs/TlsOptionsBox.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace ui {

TlsUpgradeDialog::TlsUpgradeDialog(engine::ChannelId channel, const QString& title, bool server, QWidget* parent)
    : QDialog(parent), m_channel(channel) {
    setWindowTitle(tr("Start TLS on %1").arg(title));
    auto* intro = new QLabel(this);
    intro->setWordWrap(true);
    intro->setText(server ? tr("Upgrade %1 to TLS now, as the TLS server (the peer connected to a listener of "
                               "yours): send the go-ahead your protocol uses first (e.g. <tt>220 Ready to start "
                               "TLS</tt>). Output already queued goes out in plaintext; then the handshake starts.")
                                .arg(title.toHtmlEscaped())
                          : tr("Upgrade %1 to TLS now, as the TLS client: do it once the server has said go ahead "
                               "(e.g. <tt>220</tt> after <tt>STARTTLS</tt>). Output already queued goes out in "
                               "plaintext; then the handshake starts.")
                                .arg(title.toHtmlEscaped()));
    m_tls = new TlsOptionsBox(TlsOptionsBox::Mode::Upgrade, this);
    m_tls->setServerSide(server);
    m_buttons = fields::newOkCancel(this, tr("&Start TLS"));
    connect(m_tls, &TlsOptionsBox::changed, this, &TlsUpgradeDialog::validate);
    // The fields scroll when the screen is too small for them (QT_SCALE_FACTOR=2); the buttons stay in view.
    m_fit = new DialogFit(this, dialogfit::column(nullptr, {intro, m_tls}), m_buttons);
    connect(m_tls, &TlsOptionsBox::changed, m_fit, &DialogFit::refit);
    validate();
    m_fit->refitNow();
}

void TlsUpgradeDialog::setConfig(const engine::TlsConfig& config) {
    m_tls->setConfig(config);
    validate();
}

engine::TlsConfig TlsUpgradeDialog::config() const {
    engine::TlsConfig c = m_tls->config();
    c.enabled = true;
    c.startTls = engine::StartTlsProtocol::None;
    c.startTlsAfter.clear();
    return c;
}

QString TlsUpgradeDialog::problem() const { return m_tls->problem(); }

void TlsUpgradeDialog::validate() {
    const QString p = problem();
    QPushButton* ok = m_buttons->button(QDialogButtonBox::Ok);
    ok->setEnabled(p.isEmpty());
    ok->setToolTip(p);
}

void TlsUpgradeDialog::accept() {
    if (!problem().isEmpty()) return;
    QDialog::accept();
}

}  // namespace ui
