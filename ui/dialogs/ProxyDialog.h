// ProxyDialog.h — "Proxy…": the parameters of a new framing proxy.
//
// What it does: where to listen (the Listen dialog's host field, loopback by
// default; port 0: any free port), the server every accepted connection is
// proxied to (the Connect dialog's host field, host:port accepted, and its
// family choice), the terminator of each direction (client → server,
// server → client; TerminatorEdit) and a protocol preset that frames both
// (ProtocolChooser, as the other dialogs have it). The fields scroll and
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
class QSpinBox;

namespace ui {

class DialogFit;
class ProtocolChooser;
class TerminatorEdit;

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

    void accept() override;

private:
    void validate();

    QComboBox* m_host = nullptr;
    QSpinBox* m_port = nullptr;
    QComboBox* m_toHost = nullptr;
    QSpinBox* m_toPort = nullptr;
    QComboBox* m_family = nullptr;
    TerminatorEdit* m_clientTerminator = nullptr;
    TerminatorEdit* m_serverTerminator = nullptr;
    ProtocolChooser* m_protocol = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    DialogFit* m_fit = nullptr;
};

}  // namespace ui
