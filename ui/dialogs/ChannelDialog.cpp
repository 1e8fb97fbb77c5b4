// ChannelDialog.cpp — what the Connect and Listen dialogs are alike.
#include "ui/dialogs/ChannelDialog.h"

#include <QComboBox>
#include <QFormLayout>

namespace ui {

void ChannelDialog::accept() {
    if (!isInputValid()) return;
    QDialog::accept();
}

QFormLayout* ChannelDialog::addForm() {
    auto* form = new QFormLayout;
    m_fields.form = form;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->addRow(tr("Tra&nsport:"), m_fields.transport);
    form->addRow(tr("&Host:"), m_fields.host);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("&Terminator:"), m_fields.terminator);
    m_fields.protocol = new ProtocolChooser(this);
    form->addRow(tr("P&rotocol:"), m_fields.protocol);
    form->addRow(tr("&In buffer:"), m_fields.inBuffer);
    form->addRow(tr("&Out buffer:"), m_fields.outBuffer);
    return form;
}

void ChannelDialog::addBelow(const QString& ok, bool bind) {
    m_fields.addBelow(this, ok, bind, [this] { validate(); }, [this](bool udp) { showTransport(udp); });
}

}  // namespace ui
