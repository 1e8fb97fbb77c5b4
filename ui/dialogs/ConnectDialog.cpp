// ConnectDialog.cpp — client channel parameters.
#include "ui/dialogs/ConnectDialog.h"

#include "ui/dialogs/AddressFields.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "ui/dialogs/UdpOptionsBox.h"
#include "ui/protocol/ProtocolChooser.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/TerminatorEdit.h"

#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSpinBox>
#include <QStyle>
#include <QTimer>
#include <QVBoxLayout>

namespace ui {

bool splitHostPort(const QString& text, QString& host, std::uint16_t& port) {
    const QString t = text.trimmed();
    qsizetype colon = -1;
    if (t.startsWith(u'[')) {
        const qsizetype close = t.indexOf(u']');
        if (close < 0 || close + 1 >= t.size() || t.at(close + 1) != u':') return false;
        host = t.mid(1, close - 1);
        colon = close + 1;
    } else {
        colon = t.lastIndexOf(u':');
        if (colon <= 0 || t.indexOf(u':') != colon) return false;  // none, or a bare IPv6 address
        host = t.left(colon);
    }
    bool ok = false;
    const uint p = t.mid(colon + 1).toUInt(&ok);
    if (!ok || p == 0 || p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
    return true;
}

ConnectDialog::ConnectDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Connect"));

    m_transport = fields::newTransportBox(this, tr("TCP (connect)"), tr("UDP (send datagrams to the host)"),
                                          tr("A UDP socket connected to the host and port: each send is one datagram, each "
                                             "datagram from there is one message; a closed port is reported as unreachable"));

    m_host = fields::newTargetHostBox(this);

    m_port = new QSpinBox(this);
    m_port->setRange(1, 65535);
    m_port->setValue(7000);

    m_family = fields::newFamilyBox(this);

    m_terminator = new TerminatorEdit(this);

    m_inBuffer = new QSpinBox(this);
    m_inBuffer->setRange(1, 64 << 20);
    m_inBuffer->setValue(4096);
    m_inBuffer->setSuffix(tr(" bytes"));
    m_inBuffer->setToolTip(tr("ac_in_buffer_size: the most one recv() reads"));
    m_outBuffer = new QSpinBox(this);
    m_outBuffer->setRange(1, 64 << 20);
    m_outBuffer->setValue(4096);
    m_outBuffer->setSuffix(tr(" bytes"));
    m_outBuffer->setToolTip(tr("ac_out_buffer_size: the most one send() is given"));

    auto* form = new QFormLayout;
    m_form = form;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->addRow(tr("Tra&nsport:"), m_transport);
    form->addRow(tr("&Host:"), m_host);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("&Family:"), m_family);
    form->addRow(tr("&Terminator:"), m_terminator);
    m_protocol = new ProtocolChooser(this);
    form->addRow(tr("P&rotocol:"), m_protocol);
    form->addRow(tr("&In buffer:"), m_inBuffer);
    form->addRow(tr("&Out buffer:"), m_outBuffer);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Connect"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ConnectDialog::reject);

    m_tls = new TlsOptionsBox(TlsOptionsBox::Mode::Client, this);
    m_udp = new UdpOptionsBox(false, this);

    // The fields scroll when the screen is too small for them (a large
    // QT_SCALE_FACTOR); the buttons stay in view below.
    auto* content = new QWidget;
    auto* fields = new QVBoxLayout(content);
    fields->setContentsMargins(0, 0, 0, 0);
    fields->addLayout(form);
    fields->addWidget(m_tls);
    fields->addWidget(m_udp);
    fields->addStretch(1);
    m_scroll = new QScrollArea(this);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setWidgetResizable(true);
    m_scroll->setWidget(content);
    auto* col = new QVBoxLayout(this);
    col->addWidget(m_scroll, 1);
    col->addWidget(m_buttons);

    connect(m_transport, &QComboBox::currentIndexChanged, this, &ConnectDialog::transportChanged);
    connect(m_host, &QComboBox::editTextChanged, this, &ConnectDialog::validate);
    connect(m_host, &QComboBox::activated, this, &ConnectDialog::recentChosen);
    connect(m_terminator, &TerminatorEdit::changed, this, &ConnectDialog::validate);
    connect(m_tls, &TlsOptionsBox::changed, this, &ConnectDialog::validate);
    connect(m_udp, &UdpOptionsBox::changed, this, &ConnectDialog::validate);
    connect(m_udp, &UdpOptionsBox::changed, this, [this] { QTimer::singleShot(0, this, &ConnectDialog::fitToContents); });
    connect(m_protocol, &ProtocolChooser::changed, this, &ConnectDialog::validate);
    connect(m_protocol, &ProtocolChooser::changed, this, [this] { QTimer::singleShot(0, this, &ConnectDialog::fitToContents); });
    // Once the box has shown or hidden its fields (the layouts settle first).
    connect(m_tls, &TlsOptionsBox::changed, this, [this] { QTimer::singleShot(0, this, &ConnectDialog::fitToContents); });
    connect(m_terminator->customEdit(), &EscapeEdit::submitted, this, &ConnectDialog::accept);
    setParams(ConnectParams{});
    m_fittedHint = sizeHint();
    resize(m_fittedHint);
}

QSize ConnectDialog::sizeHint() const {
    QWidget* content = m_scroll->widget();
    const QMargins m = layout()->contentsMargins();
    const int spacing = qMax(0, layout()->spacing());
    const int scrollBar = style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, m_scroll);
    const QSize c = content->sizeHint().expandedTo(content->minimumSizeHint());
    const QSize b = m_buttons->sizeHint();
    int w = qMax(c.width() + scrollBar, b.width()) + m.left() + m.right();
    int h = c.height() + spacing + b.height() + m.top() + m.bottom();
    if (const QScreen* s = screen()) {
        // Room for the window frame and title bar, which sizeHint() does not include.
        const QRect avail = s->availableGeometry();
        const int frame = 2 * style()->pixelMetric(QStyle::PM_TitleBarHeight);
        w = qMin(w, avail.width() - frame / 2);
        h = qMin(h, avail.height() - frame);
    }
    return {w, h};
}

void ConnectDialog::fitToContents() {
    const QSize hint = sizeHint();
    if (hint == m_fittedHint) return;  // typing in a field changes nothing here
    m_fittedHint = hint;
    resize(hint);
    // Grown in place, it may now reach past the screen's edge: move it back in.
    const QScreen* s = screen();
    if (!isVisible() || !s) return;
    const QRect avail = s->availableGeometry();
    const QRect frame = frameGeometry();
    QPoint to = pos();
    if (frame.bottom() > avail.bottom()) to.ry() -= qMin(frame.bottom() - avail.bottom(), frame.top() - avail.top());
    if (frame.right() > avail.right()) to.rx() -= qMin(frame.right() - avail.right(), frame.left() - avail.left());
    if (to != pos()) move(to);
}

void ConnectDialog::setRecentTargets(const QList<RecentTarget>& recent) {
    m_recent.clear();
    const QString current = m_host->currentText();
    m_host->clear();
    for (const RecentTarget& t : recent) {
        if (t.kind != RecentTarget::Kind::Connect) continue;
        m_recent.append(t);
        m_host->addItem(hostPort(t.host, t.port));
    }
    m_host->setEditText(current);
}

void ConnectDialog::recentChosen(int index) {
    if (index < 0 || index >= m_recent.size()) return;
    setParams(m_recent.at(index).connectParams());
}

bool ConnectDialog::isUdp() const { return fields::isUdp(m_transport); }

void ConnectDialog::transportChanged() {
    const bool udp = isUdp();
    fields::adaptFraming(m_terminator, udp);
    showTransport(udp);
    validate();
    QTimer::singleShot(0, this, &ConnectDialog::fitToContents);
}

void ConnectDialog::showTransport(bool udp) {
    fields::showTcpOnly(m_form, {m_protocol, m_inBuffer, m_outBuffer}, m_tls, udp);
    m_udp->setVisible(udp);
    m_buttons->button(QDialogButtonBox::Ok)->setText(udp ? tr("&Open UDP") : tr("&Connect"));
    setWindowTitle(udp ? tr("Connect (UDP)") : tr("Connect"));
}

void ConnectDialog::setParams(const ConnectParams& p) {
    fields::setUdp(m_transport, p.udp);
    m_host->setEditText(p.host);
    m_port->setValue(p.port == 0 ? 7000 : p.port);
    fields::setFamily(m_family, p.family);
    m_terminator->setTerminator(p.terminator);
    m_inBuffer->setValue(static_cast<int>(qMin<std::size_t>(p.inBufferSize, static_cast<std::size_t>(m_inBuffer->maximum()))));
    m_outBuffer->setValue(static_cast<int>(qMin<std::size_t>(p.outBufferSize, static_cast<std::size_t>(m_outBuffer->maximum()))));
    m_tls->setConfig(p.tls);
    m_protocol->setChoice(p.protocol);
    m_udp->setOptions(p.udpOptions);
    showTransport(p.udp);
    validate();
}

ConnectParams ConnectDialog::params() const {
    ConnectParams p;
    p.udp = isUdp();
    QString host = m_host->currentText().trimmed();
    std::uint16_t port = static_cast<std::uint16_t>(m_port->value());
    QString splitHost;
    std::uint16_t splitPort = 0;
    if (splitHostPort(host, splitHost, splitPort)) {
        host = splitHost;
        port = splitPort;
    }
    p.host = host;
    p.port = port;
    p.family = fields::familyOf(m_family);
    if (const auto t = m_terminator->terminator()) p.terminator = *t;
    p.inBufferSize = static_cast<std::size_t>(m_inBuffer->value());
    p.outBufferSize = static_cast<std::size_t>(m_outBuffer->value());
    p.tls = m_tls->config();
    p.protocol = m_protocol->choice();
    if (p.udp) p.udpOptions = m_udp->options();
    return p;
}

bool ConnectDialog::isInputValid() const {
    return problem().isEmpty();
}

QString ConnectDialog::problem() const {
    if (m_host->currentText().trimmed().isEmpty())
        return tr("Enter the host to connect to.");
    if (!m_terminator->isValid())
        return tr("The terminator is not valid.");
    if (isUdp()) return m_udp->problem(params().host);  // no protocol or TLS over UDP
    if (const QString why = fields::protocolProblem(m_protocol); !why.isEmpty()) return why;
    return m_tls->problem();
}

void ConnectDialog::validate() {
    const QString why = problem();
    fields::enableOkUnless(m_buttons, why);
    m_udp->showProblem(isUdp() ? why : QString());
}

void ConnectDialog::accept() {
    if (!isInputValid()) return;
    QDialog::accept();
}

}  // namespace ui
