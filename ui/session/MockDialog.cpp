// MockDialog.cpp — a recorded server side, served live.
#include "ui/session/MockDialog.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/TlsText.h"
#include "engine/replay/ReplayScript.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "ui/model/ChannelParams.h"
#include "ui/model/Formatters.h"
#include "ui/session/SessionDialogParts.h"
#include "ui/views/ViewColors.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMetaObject>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace ui {
namespace {

constexpr std::size_t kMaxLogLines = 2000;

QString qs(const std::string& s) { return QString::fromStdString(s); }

/// A request or an answer in the log: its first 160 bytes, escaped.
QString shortEscaped(const std::string& bytes) { return ui::shortEscaped(bytes, 160); }

}  // namespace

MockDialog::MockDialog(std::vector<engine::Conversation> conversations, QString sessionName, QWidget* parent)
    : MockDialog(std::move(conversations), {}, std::move(sessionName), parent) {}

MockDialog::MockDialog(std::vector<engine::Conversation> conversations, std::vector<engine::UdpScript> udp,
                       QString sessionName, QWidget* parent)
    : QDialog(parent), m_conversations(std::move(conversations)), m_udp(std::move(udp)),
      m_logged(std::make_shared<std::atomic<std::size_t>>(0)) {
    setWindowTitle(tr("Serve as mock — %1").arg(sessionName));
    setObjectName(QStringLiteral("MockDialog"));
    auto* form = new QFormLayout;
    m_conversation = new QComboBox(this);
    for (std::size_t i = 0; i < m_conversations.size(); ++i)
        if (m_conversations[i].hasTraffic()) m_choices.push_back(i);
    if (!m_choices.empty())
        m_conversation->addItem(tr("Every recorded connection, in turn (client k gets connection k)"), 0);
    for (std::size_t k = 0; k < m_choices.size(); ++k) {
        const engine::Conversation& c = m_conversations[m_choices[k]];
        m_conversation->addItem(tr("%1 — server %2, client %3")
                                    .arg(channelLabel(c.channel), qs(c.serverAddress()), qs(c.clientAddress())),
                                static_cast<int>(k + 1));
    }
    for (std::size_t i = 0; i < m_udp.size(); ++i) {
        const engine::UdpScript& u = m_udp[i];
        m_conversation->addItem(tr("%1 UDP — server %2, client %3 (%4 requests, %5 replies)")
                                    .arg(channelLabel(u.channel), qs(u.serverAddress), qs(u.clientAddress))
                                    .arg(u.requests.size())
                                    .arg(u.replies.size()),
                                entryOfUdp(i));
    }
    form->addRow(tr("Ser&ve:"), m_conversation);
    m_host = new QLineEdit(QStringLiteral("127.0.0.1"), this);
    m_port = new QSpinBox(this);
    m_port->setRange(0, 65535);
    m_port->setValue(0);
    m_port->setSpecialValueText(tr("any free port"));
    addPairRow(form, this, tr("&Listen on:"), m_host, tr("port"), m_port);
    m_copyBytes = new QLineEdit(this);
    m_copyBytes->setObjectName(QStringLiteral("copyBytes"));
    m_copyBytes->setPlaceholderText(tr("UDP: OFFSET:LENGTH of each request copied into its replies, e.g. 0:2 (DNS)"));
    m_copyBytes->setToolTip(tr("UDP only: these bytes of each request are copied into its replies at the same offsets "
                               "(DNS: 0:2, the transaction id a resolver picks anew each time). Several: 0:2, 4:2"));
    form->addRow(tr("&Copy bytes:"), m_copyBytes);
    m_tls = new TlsOptionsBox(TlsOptionsBox::Mode::Server, this);
    m_tls->setConfig(serverTlsDefaults());  // no client certificates asked for, as the Listen dialog
    form->addRow(m_tls);  // its tooltip: onChoiceChanged()

    m_status = new QLabel(tr("Not serving."), this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_figures = new QLabel(this);
    m_log = new QListWidget(this);
    m_log->setFont(monospaceFont());

    auto* buttons = new QDialogButtonBox(this);
    m_start = buttons->addButton(tr("&Start"), QDialogButtonBox::ActionRole);
    m_stop = buttons->addButton(tr("S&top"), QDialogButtonBox::ActionRole);
    QPushButton* close = buttons->addButton(QDialogButtonBox::Close);
    m_stop->setEnabled(false);
    connect(m_start, &QPushButton::clicked, this, [this] { start(); });
    connect(m_stop, &QPushButton::clicked, this, &MockDialog::stop);
    connect(close, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_tls, &TlsOptionsBox::changed, this, [this] { setServing(isServing()); });
    connect(m_conversation, &QComboBox::currentIndexChanged, this, &MockDialog::onChoiceChanged);

    auto* col = new QVBoxLayout(this);
    col->addLayout(form);
    col->addWidget(m_status);
    col->addWidget(m_figures);
    col->addWidget(m_log, 1);
    col->addWidget(buttons);
    m_tick = new QTimer(this);
    m_tick->setInterval(200);
    connect(m_tick, &QTimer::timeout, this, [this] {
        updateFigures();
        if (m_mocker && m_mocker->finished()) stop();  // it ended by itself (an error)
        if (m_udpMock && m_udpMock->wait(std::chrono::milliseconds(0))) stop();
    });
    onChoiceChanged();
    if (m_conversation->count() == 0) {
        m_start->setEnabled(false);
        m_status->setText(tr("This session has no connection that carried bytes and no UDP channel to serve: nothing "
                             "to serve."));
    }
    resize(820, 560);
}

MockDialog::~MockDialog() {
    m_mocker.reset();
    m_udpMock.reset();
}

quint16 MockDialog::port() const {
    if (m_mocker) return m_mocker->port();
    if (!m_udpMock) return 0;
    const std::string a = m_udpMock->address();  // "127.0.0.1:40123", "[::1]:40123"
    return QString::fromStdString(a.substr(a.rfind(':') + 1)).toUShort();
}
engine::MockStats MockDialog::stats() const { return m_mocker ? m_mocker->stats() : engine::MockStats{}; }
engine::UdpMockStats MockDialog::udpStats() const { return m_udpMock ? m_udpMock->stats() : engine::UdpMockStats{}; }

std::optional<std::vector<std::pair<std::size_t, std::size_t>>> MockDialog::parseCopyRanges(const QString& text,
                                                                                            QString* error) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    for (const QString& part : text.split(separators, Qt::SkipEmptyParts)) {
        const auto range = engine::parseCopyRange(part.toStdString());
        if (!range) {
            if (error) *error = tr("Copy bytes: expected OFFSET:LENGTH (bytes, e.g. 0:2), got '%1'").arg(part);
            return std::nullopt;
        }
        out.push_back(*range);
    }
    return out;
}

void MockDialog::onChoiceChanged() {
    const bool udp = m_conversation->currentData().toInt() < 0;
    m_tls->setToolTip(udp ? tr("TLS does not apply to a UDP channel")
                          : tr("Serve over TLS from the first byte, or upgrade with STARTTLS where each recorded "
                               "connection did (its starttls event)"));
    setServing(isServing());
}

bool MockDialog::startUdp(const engine::UdpScript& script) {
    QString why;
    const auto ranges = parseCopyRanges(m_copyBytes->text(), &why);
    if (!ranges) {
        m_status->setText(tr("Cannot serve: %1").arg(why.toHtmlEscaped()));
        return false;
    }
    engine::UdpMockOptions o;
    o.host = m_host->text().trimmed().toStdString();
    o.port = static_cast<std::uint16_t>(m_port->value());
    o.copyRanges = *ranges;
    auto mock = std::make_unique<engine::UdpMock>(script, o);
    m_logged = std::make_shared<std::atomic<std::size_t>>(0);
    auto logged = m_logged;
    std::string error;
    // The mock thread: a queued call per event until the log is full; the figures come from stats().
    const bool ok = mock->start(
        [this, logged](const engine::UdpMockEvent& e) {
            if (logged->fetch_add(1) < kMaxLogLines)
                QMetaObject::invokeMethod(this, [this, e] { onUdpEvent(e); }, Qt::QueuedConnection);
        },
        &error);
    if (!ok) return notStarted(error);
    m_udpMock = std::move(mock);
    m_log->clear();
    m_status->setText(tr("<b>Serving</b> UDP %1 on %2 — send it the recorded requests; each sender's n-th datagram "
                         "is answered with the replies recorded after the n-th request%3.")
                          .arg(channelLabel(script.channel), qs(m_udpMock->address()).toHtmlEscaped(),
                               ranges->empty() ? QString()
                                               : tr(" (copying %1 of each request)")
                                                     .arg(m_copyBytes->text().trimmed().toHtmlEscaped())));
    addLogLine(tr("listening on %1 (udp)").arg(qs(m_udpMock->address())));
    setServing(true);
    updateFigures();
    emit serving(port());
    return true;
}

void MockDialog::onUdpEvent(const engine::UdpMockEvent& e) {
    using K = engine::UdpMockEvent::Kind;
    switch (e.kind) {
    case K::Request: addLogLine(tr("%1 > request %2").arg(qs(e.peer)).arg(e.index)); break;
    case K::Answered:
        addLogLine(tr("%1 < request %2 answered with %n datagram(s)", nullptr, static_cast<int>(e.count))
                       .arg(qs(e.peer))
                       .arg(e.index));
        break;
    case K::Unexpected:
        addLogLine(tr("%1 ! datagram %2 is beyond the recording; not answered").arg(qs(e.peer)).arg(e.index));
        break;
    }
}

bool MockDialog::start() {
    if (isServing() || m_conversation->count() == 0) return false;
    if (const int entry = m_conversation->currentData().toInt(); entry < 0)
        return startUdp(m_udp[static_cast<std::size_t>(-entry - 1)]);
    if (const QString why = m_tls->problem(); !why.isEmpty()) {
        m_status->setText(tr("Cannot serve: %1").arg(why.toHtmlEscaped()));
        return false;
    }
    const engine::TlsConfig tls = m_tls->config();
    const bool startTls = tls.startTls != engine::StartTlsProtocol::None;
    std::vector<engine::ReplayScript> scripts;
    QStringList skipped;
    const int pick = m_conversation->currentData().toInt();
    for (std::size_t i = 0; i < m_choices.size(); ++i) {
        if (pick > 0 && static_cast<std::size_t>(pick - 1) != i) continue;
        const engine::Conversation& c = m_conversations[m_choices[i]];
        std::string why;
        auto script = engine::ReplayScript::build(c, {}, &why);
        if (script && startTls && !script->startTls)
            skipped << tr("%1: not upgraded with STARTTLS (the recording has no starttls event)").arg(channelLabel(c.channel));
        else if (script)
            scripts.push_back(std::move(*script));
        else
            skipped << tr("%1: %2").arg(channelLabel(c.channel), qs(why));
    }
    if (scripts.empty()) {
        m_status->setText(tr("Cannot serve: %1").arg(skipped.join(QStringLiteral("; "))));
        return false;
    }
    engine::MockOptions o;
    o.host = m_host->text().trimmed().toStdString();
    o.port = static_cast<std::uint16_t>(m_port->value());
    o.tls = tls;
    const std::size_t firstUpgrade = startTls && scripts.front().startTls ? scripts.front().startTls->requests : 0;
    auto mocker = std::make_unique<engine::Mocker>(std::move(scripts), o);
    m_logged = std::make_shared<std::atomic<std::size_t>>(0);
    auto logged = m_logged;
    std::string error;
    // The mock thread: a queued call per event, until the log is full (then
    // only the rare ones); the figures come from stats().
    const bool ok = mocker->start(
        [this, logged](const engine::MockEvent& e) {
            using K = engine::MockEvent::Kind;
            const bool rare = e.kind == K::Listening || e.kind == K::Error || e.kind == K::Stopped;
            if (rare || logged->fetch_add(1) < kMaxLogLines)
                QMetaObject::invokeMethod(this, [this, e] { onEvent(e); }, Qt::QueuedConnection);
        },
        &error);
    if (!ok) return notStarted(error);
    m_mocker = std::move(mocker);
    m_log->clear();
    QString text = tr("<b>Serving</b> on %1 — point a client at it; Stop ends every connection.")
                       .arg(qs(m_mocker->address()).toHtmlEscaped());
    if (startTls)
        text += tr("<br>STARTTLS where each recorded connection upgraded (the first: after request %1).")
                    .arg(firstUpgrade);
    if (const std::string fp = m_mocker->tlsFingerprint(); !fp.empty())
        text += tr("<br>TLS: no certificate given, so a self-signed one was generated; SHA-256 fingerprint %1")
                    .arg(qs(fp).toHtmlEscaped());
    if (!skipped.isEmpty()) text += tr("<br>Left out: %1").arg(skipped.join(QStringLiteral("; ")).toHtmlEscaped());
    m_status->setText(text);
    setServing(true);
    updateFigures();
    emit serving(m_mocker->port());
    return true;
}

bool MockDialog::notStarted(const std::string& error) {
    m_status->setText(QStringLiteral("<b style=\"color:%2\">%1</b>").arg(qs(error).toHtmlEscaped(), ViewColors::forPalette(palette()).error.name()));
    return false;
}

void MockDialog::stop() {
    if (!isServing()) return;
    if (m_mocker) {
        m_mocker->stop();
        m_mocker->wait(std::chrono::milliseconds(2000));
    }
    if (m_udpMock) {
        m_udpMock->stop();
        m_udpMock->wait(std::chrono::milliseconds(2000));
    }
    updateFigures();
    m_mocker.reset();  // joins; pending queued calls still run (they only touch the log)
    m_udpMock.reset();
    m_status->setText(tr("Stopped."));
    setServing(false);
    emit stopped();
}

void MockDialog::setServing(bool on) {
    const bool udp = m_conversation->currentData().toInt() < 0;
    m_start->setEnabled(!on && m_conversation->count() > 0 && (udp || m_tls->problem().isEmpty()));
    m_stop->setEnabled(on);
    m_conversation->setEnabled(!on);
    m_host->setEnabled(!on);
    m_port->setEnabled(!on);
    m_tls->setEnabled(!on && !udp);  // TLS does not apply to UDP (its tooltip says so)
    m_copyBytes->setEnabled(!on && udp);
    if (on)
        m_tick->start();
    else
        m_tick->stop();
}

void MockDialog::updateFigures() {
    if (m_udpMock) {
        const engine::UdpMockStats s = m_udpMock->stats();
        m_figures->setText(tr("Peers: %1 · requests answered: %2 · reply datagrams: %3 · beyond the recording: %4")
                               .arg(s.peers)
                               .arg(s.requests)
                               .arg(s.replies)
                               .arg(s.unexpected));
        return;
    }
    if (!m_mocker) return;
    const engine::MockStats s = m_mocker->stats();
    m_figures->setText(tr("Clients: %1 (%2 gone, %3 sent every recorded request) · requests: %4 · differing: %5 · "
                          "beyond the recording: %6 · bytes in %7, out %8%9")
                           .arg(s.clients)
                           .arg(s.clientsFinished)
                           .arg(s.clientsCompleted)
                           .arg(s.requests)
                           .arg(s.mismatches)
                           .arg(s.unexpected)
                           .arg(s.bytesIn)
                           .arg(s.bytesOut)
                           .arg(m_tls->isChecked() ? tr(" · failed TLS handshakes: %1").arg(s.tlsFailures) : QString()));
}

void MockDialog::onEvent(const engine::MockEvent& e) {
    using K = engine::MockEvent::Kind;
    QString line;
    const QString who = tr("client %1").arg(e.client);
    switch (e.kind) {
    case K::Listening: line = tr("listening on %1").arg(qs(e.text)); break;
    case K::Accepted:
        line = tr("%1 connected from %2 (serves recorded connection %3)").arg(who, qs(e.text)).arg(e.index + 1);
        if (e.tls) line += QStringLiteral(": ") + qs(engine::tlsHandshakeText(*e.tls));
        break;
    case K::Request: line = tr("%1 > %2 %3").arg(who).arg(e.index).arg(shortEscaped(e.bytes)); break;
    case K::Mismatch: line = tr("%1 ! request %2 differs: %3").arg(who).arg(e.index).arg(qs(e.text)); break;
    case K::Unexpected: line = tr("%1 ! request %2 is beyond the recording: %3").arg(who).arg(e.index).arg(shortEscaped(e.bytes)); break;
    case K::Answered: line = tr("%1 < %2 %3").arg(who).arg(e.index).arg(shortEscaped(e.bytes)); break;
    case K::Upgraded:
        line = tr("%1 upgraded with STARTTLS after request %2").arg(who).arg(e.index);
        if (e.tls) line += QStringLiteral(": ") + qs(engine::tlsHandshakeText(*e.tls));
        break;
    case K::ClientClosed: line = tr("%1 gone: %2").arg(who, qs(e.text)); break;
    case K::Error: line = tr("error: %1").arg(qs(e.text)); break;
    case K::Stopped: line = tr("stopped"); break;
    }
    addLogLine(line);
}

void MockDialog::addLogLine(const QString& line) {
    if (static_cast<std::size_t>(m_log->count()) < kMaxLogLines + 10) {
        m_log->addItem(line);
        if (static_cast<std::size_t>(m_log->count()) == kMaxLogLines) m_log->addItem(tr("… (the rest is counted above)"));
        m_log->scrollToBottom();
    }
}

void MockDialog::reject() {
    stop();
    QDialog::reject();
}

}  // namespace ui
