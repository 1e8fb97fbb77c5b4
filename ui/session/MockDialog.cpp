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
    : QDialog(parent), m_conversations(std::move(conversations)),
      m_logged(std::make_shared<std::atomic<std::size_t>>(0)) {
    setWindowTitle(tr("Serve as mock — %1").arg(sessionName));
    setObjectName(QStringLiteral("MockDialog"));
    auto* form = new QFormLayout;
    m_conversation = new QComboBox(this);
    m_conversation->addItem(tr("Every recorded connection, in turn (client k gets connection k)"));
    for (std::size_t i = 0; i < m_conversations.size(); ++i) {
        const engine::Conversation& c = m_conversations[i];
        if (!c.hasTraffic()) continue;
        m_conversation->addItem(tr("%1 — server %2, client %3")
                                    .arg(channelLabel(c.channel), qs(c.serverAddress()), qs(c.clientAddress())));
        m_choices.push_back(i);
    }
    form->addRow(tr("Ser&ve:"), m_conversation);
    m_host = new QLineEdit(QStringLiteral("127.0.0.1"), this);
    m_port = new QSpinBox(this);
    m_port->setRange(0, 65535);
    m_port->setValue(0);
    m_port->setSpecialValueText(tr("any free port"));
    addPairRow(form, this, tr("&Listen on:"), m_host, tr("port"), m_port);
    m_tls = new TlsOptionsBox(TlsOptionsBox::Mode::Server, this);
    m_tls->setConfig(serverTlsDefaults());  // no client certificates asked for, as the Listen dialog
    m_tls->setToolTip(tr("Serve over TLS from the first byte, or upgrade with STARTTLS where each recorded "
                         "connection did (its starttls event)"));
    form->addRow(m_tls);

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
    connect(m_tls, &TlsOptionsBox::changed, this, [this] { m_start->setEnabled(!m_mocker && !m_choices.empty() && m_tls->problem().isEmpty()); });

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
    });
    if (m_choices.empty()) {
        m_start->setEnabled(false);
        m_status->setText(tr("This session has no connection that carried bytes: nothing to serve."));
    }
    resize(820, 560);
}

MockDialog::~MockDialog() { m_mocker.reset(); }

quint16 MockDialog::port() const { return m_mocker ? m_mocker->port() : 0; }
engine::MockStats MockDialog::stats() const { return m_mocker ? m_mocker->stats() : engine::MockStats{}; }

bool MockDialog::start() {
    if (m_mocker || m_choices.empty()) return false;
    if (const QString why = m_tls->problem(); !why.isEmpty()) {
        m_status->setText(tr("Cannot serve: %1").arg(why.toHtmlEscaped()));
        return false;
    }
    const engine::TlsConfig tls = m_tls->config();
    const bool startTls = tls.startTls != engine::StartTlsProtocol::None;
    std::vector<engine::ReplayScript> scripts;
    QStringList skipped;
    const int pick = m_conversation->currentIndex();
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
    if (!ok) {
        m_status->setText(QStringLiteral("<b style=\"color:%2\">%1</b>").arg(qs(error).toHtmlEscaped(), ViewColors::forPalette(palette()).error.name()));
        return false;
    }
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

void MockDialog::stop() {
    if (!m_mocker) return;
    m_mocker->stop();
    m_mocker->wait(std::chrono::milliseconds(2000));
    updateFigures();
    m_mocker.reset();  // joins; pending queued calls still run (they only touch the log)
    m_status->setText(tr("Stopped."));
    setServing(false);
    emit stopped();
}

void MockDialog::setServing(bool on) {
    m_start->setEnabled(!on);
    m_stop->setEnabled(on);
    m_conversation->setEnabled(!on);
    m_host->setEnabled(!on);
    m_port->setEnabled(!on);
    m_tls->setEnabled(!on);
    if (on)
        m_tick->start();
    else
        m_tick->stop();
}

void MockDialog::updateFigures() {
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
