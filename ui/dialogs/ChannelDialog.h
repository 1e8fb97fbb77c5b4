// ChannelDialog.h — what the Connect and Listen dialogs are alike: a dialog
// over a ChannelFields and a port box.
//
// What it does: gives the shared widgets to tests and the main window
// (transportBox(), hostBox(), portBox(), …); addForm() lays out the rows the
// two dialogs share (transport, host, port, terminator, protocol, buffer
// sizes; the dialog inserts its own rows), addBelow() adds the buttons and the
// TLS and UDP boxes below it (ChannelFields::addBelow()), validating with
// problem() and showing the transport with showTransport(); OK and accept()
// do nothing while problem() says what is wrong.
// What it owns: its child widgets.
// Threads: GUI thread.
#pragma once

#include "ui/dialogs/ChannelFields.h"

#include <QDialog>

class QComboBox;
class QFormLayout;
class QSpinBox;

namespace ui {

class ChannelDialog : public QDialog {
    Q_OBJECT
public:
    /// TCP or UDP.
    QComboBox* transportBox() const { return m_fields.transport; }
    bool isUdp() const { return m_fields.isUdp(); }
    QComboBox* hostBox() const { return m_fields.host; }
    QSpinBox* portBox() const { return m_port; }
    TerminatorEdit* terminatorEdit() const { return m_fields.terminator; }
    TlsOptionsBox* tlsBox() const { return m_fields.tls; }
    UdpOptionsBox* udpBox() const { return m_fields.udp; }
    DialogFit* fit() const { return m_fields.fit; }
    ProtocolChooser* protocolChooser() const { return m_fields.protocol; }

    bool isInputValid() const { return problem().isEmpty(); }
    /// Why OK is off ("" when the input is valid).
    virtual QString problem() const = 0;

    void accept() override;

protected:
    explicit ChannelDialog(QWidget* parent) : QDialog(parent) {}

    /// The form with the shared rows (making the protocol chooser); the
    /// transport box, host box, port box, terminator and buffer boxes are made.
    QFormLayout* addForm();
    /// ChannelFields::addBelow() with OK saying `ok`, validate() and showTransport().
    void addBelow(const QString& ok, bool bind);
    void validate() { m_fields.showProblem(problem()); }
    virtual void showTransport(bool udp) = 0;

    ChannelFields m_fields;
    QSpinBox* m_port = nullptr;
};

}  // namespace ui
