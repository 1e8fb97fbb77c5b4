// TlsUpgradeDialog.h — Channel ▸ Start TLS…: upgrade a live plaintext
// channel to TLS now (STARTTLS done by hand, after the dialogue you typed).
//
// What it does: the TLS options of the upgrade (TlsOptionsBox in Upgrade
// mode: this end is the TLS client on a channel it connected, the server on
// one a listener accepted), checked as they are typed; the Start button
// stays off while the input is wrong. The dialog only collects the options;
// the channels controller posts cmd::StartTls.
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/tls/TlsConfig.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;

namespace ui {

class TlsOptionsBox;
class DialogFit;

class TlsUpgradeDialog : public QDialog {
    Q_OBJECT
public:
    /// `title`: the channel as the window names it ("#3 127.0.0.1:7000");
    /// `server`: this end is the TLS server (an accepted channel).
    TlsUpgradeDialog(engine::ChannelId channel, const QString& title, bool server, QWidget* parent = nullptr);

    engine::ChannelId channel() const { return m_channel; }
    void setConfig(const engine::TlsConfig& config);
    /// enabled = true, startTls = None: the upgrade is now.
    engine::TlsConfig config() const;
    TlsOptionsBox* tlsBox() const { return m_tls; }
    DialogFit* fit() const { return m_fit; }
    QString problem() const;

    void accept() override;

private:
    void validate();

    engine::ChannelId m_channel;
    TlsOptionsBox* m_tls = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    DialogFit* m_fit = nullptr;
};

}  // namespace ui
