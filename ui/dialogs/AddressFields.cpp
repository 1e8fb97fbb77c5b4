// AddressFields.cpp — the address fields the Connect, Listen and Proxy dialogs share.
#include "ui/dialogs/AddressFields.h"

#include "ui/protocol/ProtocolChooser.h"
#include "ui/views/TerminatorEdit.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDialog>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>

namespace ui::fields {

namespace {
// An editable host box `minChars` characters wide. Its items (addresses,
// recent targets) are offered in a list under the field, never filled in
// ahead of the typing: what is typed stays as typed until one is chosen.
QComboBox* newHostBox(QWidget* parent, int minChars) {
    auto* box = new QComboBox(parent);
    box->setEditable(true);
    box->setInsertPolicy(QComboBox::NoInsert);
    box->setMinimumContentsLength(minChars);
    box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    box->completer()->setCompletionMode(QCompleter::PopupCompletion);
    box->completer()->setFilterMode(Qt::MatchContains);
    return box;
}
}  // namespace

QComboBox* newListenHostBox(QWidget* parent) {
    QComboBox* box = newHostBox(parent, 20);
    box->addItem(QStringLiteral("127.0.0.1"));
    box->addItem(QStringLiteral("::1"));
    box->addItem(QStringLiteral("0.0.0.0"));
    box->addItem(QStringLiteral("::"));
    box->setItemData(0, QComboBox::tr("IPv4 loopback: only this machine can connect"), Qt::ToolTipRole);
    box->setItemData(1, QComboBox::tr("IPv6 loopback: only this machine can connect"), Qt::ToolTipRole);
    box->setItemData(2, QComboBox::tr("Every IPv4 interface: other machines can connect"), Qt::ToolTipRole);
    box->setItemData(3, QComboBox::tr("Every IPv6 interface: other machines can connect"), Qt::ToolTipRole);
    return box;
}

QComboBox* newTargetHostBox(QWidget* parent) {
    QComboBox* box = newHostBox(parent, 28);
    box->lineEdit()->setPlaceholderText(QComboBox::tr("host name or address, or host:port"));
    return box;
}

QComboBox* newFamilyBox(QWidget* parent) {
    auto* box = new QComboBox(parent);
    box->addItem(QComboBox::tr("Any (try every address)"));
    box->addItem(QComboBox::tr("IPv4 only"));
    box->addItem(QComboBox::tr("IPv6 only"));
    return box;
}

Family familyOf(const QComboBox* box) {
    switch (box->currentIndex()) {
    case 1: return Family::IPv4;
    case 2: return Family::IPv6;
    default: return Family::Any;
    }
}

void setFamily(QComboBox* box, Family f) {
    box->setCurrentIndex(f == Family::IPv4 ? 1 : (f == Family::IPv6 ? 2 : 0));
}

QComboBox* newTransportBox(QWidget* parent, const QString& tcp, const QString& udp, const QString& udpToolTip) {
    auto* box = new QComboBox(parent);
    box->setObjectName(QStringLiteral("transport"));
    box->addItem(tcp);
    box->addItem(udp);
    box->setItemData(1, udpToolTip, Qt::ToolTipRole);
    return box;
}

bool isUdp(const QComboBox* transportBox) { return transportBox->currentIndex() == 1; }

void setUdp(QComboBox* transportBox, bool udp) {
    const QSignalBlocker block(transportBox);
    transportBox->setCurrentIndex(udp ? 1 : 0);
}

void adaptFraming(TerminatorEdit* terminator, bool udp) {
    const auto t = terminator->terminator();
    if (!t) return;
    if (udp && *t == engine::Terminator::bytes("\r\n")) terminator->setTerminator(engine::Terminator::none());
    if (!udp && t->isNone()) terminator->setTerminator(engine::Terminator::bytes("\r\n"));
}

void showTcpOnly(QFormLayout* form, std::initializer_list<QWidget*> rows, QWidget* tls, bool udp) {
    for (QWidget* row : rows) form->setRowVisible(row, !udp);
    tls->setVisible(!udp);
}

QString protocolProblem(const ProtocolChooser* protocol) {
    const QString why = protocol->problem();
    return why.isEmpty() ? QString() : QCoreApplication::translate("ui::fields", "The protocol cannot be used: %1").arg(why);
}

void enableOkUnless(QDialogButtonBox* buttons, const QString& problem) {
    QPushButton* ok = buttons->button(QDialogButtonBox::Ok);
    ok->setEnabled(problem.isEmpty());
    ok->setToolTip(problem);
}

QDialogButtonBox* newOkCancel(QDialog* dialog, const QString& ok) {
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(ok);
    QObject::connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    return buttons;
}

}  // namespace ui::fields
