// AddressFields.h — the address fields the Connect, Listen and Proxy dialogs
// share: made once here so the three dialogs offer the same choices.
//
// What it does: newListenHostBox() is the editable "listen on" combo box
// (IPv4 / IPv6 loopback, every interface, each with a tool tip saying who
// can connect); newTargetHostBox() the editable "connect to" combo box (a
// host name, an address or host:port; recent targets offered in a popup,
// never filled in ahead of the typing); newFamilyBox() the address family
// choice (any, IPv4 only, IPv6 only), with familyOf()/setFamily().
// What it owns: nothing (the widgets belong to `parent`).
// Threads: GUI thread only.
#pragma once

#include "ui/model/ChannelParams.h"

class QComboBox;
class QWidget;

namespace ui::fields {

QComboBox* newListenHostBox(QWidget* parent);
QComboBox* newTargetHostBox(QWidget* parent);
QComboBox* newFamilyBox(QWidget* parent);
Family familyOf(const QComboBox* box);
void setFamily(QComboBox* box, Family f);

}  // namespace ui::fields
