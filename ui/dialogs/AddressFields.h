// AddressFields.h — the address fields the Connect, Listen and Proxy dialogs
// share: made once here so the three dialogs offer the same choices.
//
// What it does: newListenHostBox() is the editable "listen on" combo box
// (IPv4 / IPv6 loopback, every interface, each with a tool tip saying who
// can connect); newTargetHostBox() the editable "connect to" combo box (a
// host name, an address or host:port; recent targets offered in a popup,
// never filled in ahead of the typing); newFamilyBox() the address family
// choice (any, IPv4 only, IPv6 only), with familyOf()/setFamily();
// newTransportBox() the TCP/UDP choice of the Connect and Listen dialogs, with
// isUdp()/setUdp(), and what both do when it changes: adaptFraming() (CRLF
// becomes no terminator for UDP, where a datagram is a message, and back) and
// showTcpOnly() (the rows that apply to TCP only, and the TLS box); and the
// checks the three share: protocolProblem(), enableOkUnless(); and their
// buttons: newOkCancel().
// What it owns: nothing (the widgets belong to `parent`).
// Threads: GUI thread only.
#pragma once

#include "ui/model/ChannelParams.h"

#include <initializer_list>

class QComboBox;
class QDialog;
class QDialogButtonBox;
class QFormLayout;
class QString;
class QWidget;

namespace ui {
class ProtocolChooser;
class TerminatorEdit;
}

namespace ui::fields {

QComboBox* newListenHostBox(QWidget* parent);
QComboBox* newTargetHostBox(QWidget* parent);
QComboBox* newFamilyBox(QWidget* parent);
Family familyOf(const QComboBox* box);
void setFamily(QComboBox* box, Family f);

// TCP (index 0) or UDP (index 1), each item with its dialog's own words.
QComboBox* newTransportBox(QWidget* parent, const QString& tcp, const QString& udp, const QString& udpToolTip);
bool isUdp(const QComboBox* transportBox);
// Sets the choice without emitting currentIndexChanged.
void setUdp(QComboBox* transportBox, bool udp);
// On a change of transport: "\r\n" framing becomes none for UDP, none
// becomes "\r\n" for TCP; any other terminator stays as chosen.
void adaptFraming(TerminatorEdit* terminator, bool udp);
// Shows the TCP-only rows of `form` and the TLS box for TCP, hides them for UDP.
void showTcpOnly(QFormLayout* form, std::initializer_list<QWidget*> rows, QWidget* tls, bool udp);

// "The protocol cannot be used: …" when the chosen protocol cannot be loaded, else empty.
QString protocolProblem(const ProtocolChooser* protocol);
// The OK button of `buttons` is enabled when `problem` is empty; otherwise it
// is disabled and says the problem as its tool tip.
void enableOkUnless(QDialogButtonBox* buttons, const QString& problem);
// OK (saying `ok`) and Cancel, which accept and reject `dialog`.
QDialogButtonBox* newOkCancel(QDialog* dialog, const QString& ok);

}  // namespace ui::fields
