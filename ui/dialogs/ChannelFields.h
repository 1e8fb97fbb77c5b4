// ChannelFields.h — what the Connect and Listen dialogs ask alike of a new
// channel: the TCP/UDP choice, the host, the terminator, the protocol, the
// asynchat buffer sizes, the TLS and UDP options and the OK / Cancel buttons;
// laid out, filled, read and checked once here, while each dialog keeps its
// own fields (port, family; echo).
//
// What it does: newBufferBox() makes an in or out buffer size box. A
// ChannelFields holds the shared widgets: the dialog makes the transport box,
// host box, terminator, buffer boxes and protocol chooser itself (in its own
// tab order) and adds them to its form; addBelow() makes the buttons and the
// TLS and UDP boxes, lays the form and the boxes out in a DialogFit above the
// buttons, refits the dialog when a box changes, validates it on every change
// and shows the TCP or the UDP fields when the transport changes. set() and
// read() are the fields ConnectParams and ListenParams share (but the host
// and the port); problem() says what is wrong (no host, then the shared
// fields), showProblem() says it (OK off with a tool tip; for UDP also below
// the UDP options), showTransport() shows the TCP or the UDP fields.
// What it owns: nothing (the widgets belong to the dialog).
// Threads: GUI thread only.
#pragma once

#include "ui/dialogs/AddressFields.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "ui/dialogs/UdpOptionsBox.h"
#include "ui/protocol/ProtocolChooser.h"
#include "ui/views/TerminatorEdit.h"

#include <QSpinBox>
#include <QtGlobal>

#include <cstddef>
#include <functional>

class QDialog;

namespace ui {

class DialogFit;

namespace fields {
/// An asynchat buffer size box (1 byte to 64 MiB, 4096 at first) saying `toolTip`.
QSpinBox* newBufferBox(QWidget* parent, const QString& toolTip);
}  // namespace fields

struct ChannelFields {
    QComboBox* transport = nullptr;
    QComboBox* host = nullptr;
    QFormLayout* form = nullptr;
    TerminatorEdit* terminator = nullptr;
    QSpinBox* inBuffer = nullptr;
    QSpinBox* outBuffer = nullptr;
    ProtocolChooser* protocol = nullptr;
    QDialogButtonBox* buttons = nullptr;
    TlsOptionsBox* tls = nullptr;
    UdpOptionsBox* udp = nullptr;
    DialogFit* fit = nullptr;

    /// Makes the buttons (OK says `ok`; they accept or reject `dialog`), the
    /// TLS box and the UDP box (`bind`: a listener's: TLS server, a bound
    /// socket) and lays out `dialog`: the form and the boxes scrolling above
    /// the buttons. `validate` runs when the host, the terminator, the
    /// protocol or a box changes; the dialog refits when the protocol or a
    /// box changes; Enter in the custom terminator field accepts. A change of transport
    /// adapts the terminator (fields::adaptFraming()), calls `show` with
    /// whether UDP is chosen, validates and refits.
    void addBelow(QDialog* dialog, const QString& ok, bool bind, const std::function<void()>& validate,
                  const std::function<void(bool udp)>& show);

    bool isUdp() const { return fields::isUdp(transport); }
    /// The TCP-only rows and the TLS box for TCP, the UDP box for UDP; the OK
    /// button says `ok` and `dialog` is titled `title`.
    void showTransport(QDialog* dialog, bool udpChosen, const QString& ok, const QString& title) const;
    /// What is wrong with the shared fields ("" when nothing is): `noHost`
    /// when no host is given; `udpHost` is the host the UDP options are
    /// checked against.
    QString problem(const QString& noHost, const QString& udpHost) const;
    /// OK enabled when `why` is empty, else disabled saying why (for UDP also below the UDP options).
    void showProblem(const QString& why) const;

    /// The fields ConnectParams and ListenParams (`Params`) share, shown.
    template <class Params>
    void set(const Params& p) const {
        fields::setUdp(transport, p.udp);
        terminator->setTerminator(p.terminator);
        setBufferSize(inBuffer, p.inBufferSize);
        setBufferSize(outBuffer, p.outBufferSize);
        tls->setConfig(p.tls);
        protocol->setChoice(p.protocol);
        udp->setOptions(p.udpOptions);
    }
    /// The fields ConnectParams and ListenParams (`Params`) share, as entered.
    template <class Params>
    void read(Params& p) const {
        p.udp = isUdp();
        if (const auto t = terminator->terminator()) p.terminator = *t;
        p.inBufferSize = static_cast<std::size_t>(inBuffer->value());
        p.outBufferSize = static_cast<std::size_t>(outBuffer->value());
        p.tls = tls->config();
        p.protocol = protocol->choice();
        if (p.udp) p.udpOptions = udp->options();
    }

private:
    static void setBufferSize(QSpinBox* box, std::size_t size) {
        box->setValue(static_cast<int>(qMin<std::size_t>(size, static_cast<std::size_t>(box->maximum()))));
    }
};

}  // namespace ui
