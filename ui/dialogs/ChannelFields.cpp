// ChannelFields.cpp — the channel fields the Connect and Listen dialogs share.
#include "ui/dialogs/ChannelFields.h"

#include "ui/dialogs/DialogFit.h"
#include "ui/views/EscapeEdit.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QPushButton>

namespace ui {

QSpinBox* fields::newBufferBox(QWidget* parent, const QString& toolTip) {
    auto* box = new QSpinBox(parent);
    box->setRange(1, 64 << 20);
    box->setValue(4096);
    box->setSuffix(QSpinBox::tr(" bytes"));
    box->setToolTip(toolTip);
    return box;
}

void ChannelFields::addBelow(QDialog* dialog, const QString& ok, bool bind, const std::function<void()>& validate,
                             const std::function<void(bool udp)>& show) {
    buttons = fields::newOkCancel(dialog, ok);

    tls = new TlsOptionsBox(bind ? TlsOptionsBox::Mode::Server : TlsOptionsBox::Mode::Client, dialog);
    udp = new UdpOptionsBox(bind, dialog);

    // The fields scroll when the screen is too small for them (a large
    // QT_SCALE_FACTOR); the buttons stay in view below; the dialog grows when
    // the TLS fields show and shrinks back when they hide.
    fit = new DialogFit(dialog, dialogfit::column(form, {tls, udp}), buttons);

    QObject::connect(host, &QComboBox::editTextChanged, dialog, validate);
    QObject::connect(terminator, &TerminatorEdit::changed, dialog, validate);
    QObject::connect(tls, &TlsOptionsBox::changed, dialog, validate);
    QObject::connect(udp, &UdpOptionsBox::changed, dialog, validate);
    QObject::connect(protocol, &ProtocolChooser::changed, dialog, validate);
    QObject::connect(tls, &TlsOptionsBox::changed, fit, &DialogFit::refit);
    QObject::connect(udp, &UdpOptionsBox::changed, fit, &DialogFit::refit);
    QObject::connect(protocol, &ProtocolChooser::changed, fit, &DialogFit::refit);
    QObject::connect(terminator->customEdit(), &EscapeEdit::submitted, dialog, &QDialog::accept);
    QObject::connect(transport, &QComboBox::currentIndexChanged, dialog, [this, validate, show] {
        const bool udpChosen = isUdp();
        fields::adaptFraming(terminator, udpChosen);
        show(udpChosen);
        validate();
        fit->refit();
    });
}

void ChannelFields::showTransport(QDialog* dialog, bool udpChosen, const QString& ok, const QString& title) const {
    fields::showTcpOnly(form, {protocol, inBuffer, outBuffer}, tls, udpChosen);
    udp->setVisible(udpChosen);
    buttons->button(QDialogButtonBox::Ok)->setText(ok);
    dialog->setWindowTitle(title);
}

QString ChannelFields::problem(const QString& noHost, const QString& udpHost) const {
    if (host->currentText().trimmed().isEmpty())
        return noHost;
    if (!terminator->isValid())
        return QDialog::tr("The terminator is not valid.");
    if (isUdp()) return udp->problem(udpHost);  // no protocol or TLS over UDP
    if (const QString why = fields::protocolProblem(protocol); !why.isEmpty()) return why;
    return tls->problem();
}

void ChannelFields::showProblem(const QString& why) const {
    fields::enableOkUnless(buttons, why);
    udp->showProblem(isUdp() ? why : QString());
}

}  // namespace ui
