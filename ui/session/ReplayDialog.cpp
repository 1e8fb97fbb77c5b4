// ReplayDialog.cpp — replay with live progress and a side-by-side result.
#include "ui/session/ReplayDialog.h"

#include "engine/asyncore/Escape.h"
#include "engine/capture/TlsText.h"
#include "engine/replay/ReplayScript.h"
#include "ui/dialogs/ConnectDialog.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "ui/session/DivergenceView.h"
#include "ui/model/Formatters.h"
#include "ui/session/SessionDialogParts.h"
#include "ui/session/SessionJobs.h"
#include "ui/views/ViewColors.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMetaObject>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

#include <stdexcept>

namespace ui {
namespace {

constexpr std::size_t kMaxLogLines = 2000;

QString qs(const std::string& s) { return QString::fromStdString(s); }

/// A request or a reply in the log: its first 200 bytes, escaped.
QString shortEscaped(const std::string& bytes) { return ui::shortEscaped(bytes, 200); }

QString tlsToolTip() {
    return ReplayDialog::tr("Replay over TLS from the first byte, or with a STARTTLS upgrade where the recording has "
                            "it (the recorded dialogue is replayed, whichever protocol is chosen)");
}

}  // namespace

std::vector<engine::IgnoreRule> ReplayDialog::parseIgnoreRules(const QString& text) {
    std::vector<engine::IgnoreRule> rules;
    for (const QString& raw : text.split(QLatin1Char('\n'))) {
        const QString line = raw.trimmed();
        if (line.isEmpty()) continue;
        engine::IgnoreRule rule;
        const qsizetype colon = line.indexOf(QLatin1Char(':'));
        bool numbered = false;
        if (colon > 0) {
            const uint n = line.left(colon).toUInt(&numbered);
            if (numbered && n > 0) rule.reply = n;
            else numbered = false;
        }
        rule.pattern = (numbered ? line.mid(colon + 1) : line).toStdString();
        rules.push_back(std::move(rule));
    }
    return rules;
}

ReplayDialog::ReplayDialog(std::vector<engine::Conversation> conversations, QString sessionName, QWidget* parent)
    : ReplayDialog(std::move(conversations), {}, std::move(sessionName), parent) {}

ReplayDialog::ReplayDialog(std::vector<engine::Conversation> conversations, std::vector<engine::UdpScript> udp,
                           QString sessionName, QWidget* parent)
    : QDialog(parent), m_conversations(std::move(conversations)), m_udp(std::move(udp)),
      m_sessionName(std::move(sessionName)), m_shared(std::make_shared<Shared>()), m_jobs(new BackgroundJobs(this)) {
    setWindowTitle(tr("Replay — %1").arg(m_sessionName));
    setObjectName(QStringLiteral("ReplayDialog"));

    // --- The form ---
    auto* form = new QFormLayout;
    m_conversation = new QComboBox(this);
    for (std::size_t i = 0; i < m_conversations.size(); ++i) {
        const engine::Conversation& c = m_conversations[i];
        if (!c.hasTraffic()) continue;
        const QString side = c.localIsClient() ? tr("recorded as client") : tr("recorded as server");
        const QString who = c.localIsClient() ? tr("to %1").arg(qs(c.peer)) : tr("from %1").arg(qs(c.peer));
        m_conversation->addItem(tr("%1 %2 (%3): %4 bytes out, %5 in")
                                    .arg(channelLabel(c.channel), who, side)
                                    .arg(c.clientToServer().bytes.size())
                                    .arg(c.serverToClient().bytes.size()));
        m_choices.push_back({false, i});
    }
    for (std::size_t i = 0; i < m_udp.size(); ++i) {
        const engine::UdpScript& u = m_udp[i];
        const QString who = u.recordedAsClient ? tr("to %1").arg(qs(u.serverAddress)) : tr("from %1").arg(qs(u.clientAddress));
        m_conversation->addItem(tr("%1 UDP %2 (%3): %4 datagrams to send, %5 replies")
                                    .arg(channelLabel(u.channel), who,
                                         u.recordedAsClient ? tr("recorded as client") : tr("recorded as server"))
                                    .arg(u.requests.size())
                                    .arg(u.replies.size()));
        m_choices.push_back({true, i});
    }
    form->addRow(tr("&Conversation:"), m_conversation);
    m_scriptInfo = new QLabel(this);
    m_scriptInfo->setWordWrap(true);
    form->addRow(QString(), m_scriptInfo);

    m_host = new QLineEdit(QStringLiteral("127.0.0.1"), this);
    m_host->setObjectName(QStringLiteral("host"));
    m_port = new QSpinBox(this);
    m_port->setRange(1, 65535);
    m_port->setValue(7000);
    m_port->setObjectName(QStringLiteral("port"));
    addPairRow(form, this, tr("&Target host:"), m_host, tr("port"), m_port);

    m_pacing = new QComboBox(this);
    m_pacing->addItem(tr("Lockstep (wait for the replies that came before)"), int(engine::Pacing::Lockstep));
    m_pacing->addItem(tr("Fast (every request at once)"), int(engine::Pacing::Fast));
    m_pacing->addItem(tr("Original timing"), int(engine::Pacing::Original));
    m_speed = new QDoubleSpinBox(this);
    m_speed->setRange(0.01, 1000.0);
    m_speed->setValue(1.0);
    m_speed->setSuffix(QStringLiteral(" ×"));
    m_speed->setToolTip(tr("Original timing: recorded delays are divided by this (2 is twice as fast)"));
    addPairRow(form, this, tr("&Pacing:"), m_pacing, tr("speed"), m_speed);
    m_timeout = new QSpinBox(this);
    m_timeout->setRange(1, 3600);
    m_timeout->setValue(5);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setToolTip(tr("The longest wait for the connection, a reply that is due, or a recorded close (UDP: "
                             "for each reply once it is due; one that does not come is missing)"));
    form->addRow(tr("&Timeout:"), m_timeout);
    m_ignore = new QPlainTextEdit(this);
    m_ignore->setPlaceholderText(tr("One regular expression per line, e.g. Date: [^\\r]*   —   N:REGEX for reply N only"));
    m_ignore->setFixedHeight(m_ignore->fontMetrics().lineSpacing() * 4 + 12);
    form->addRow(tr("&Ignore:"), m_ignore);
    m_keepGoing = new QCheckBox(tr("Report every divergence (do not stop at the first)"), this);
    form->addRow(QString(), m_keepGoing);
    m_tls = new TlsOptionsBox(TlsOptionsBox::Mode::Client, this);
    m_tls->setToolTip(tlsToolTip());
    form->addRow(m_tls);

    // --- Progress ---
    auto* progressBox = new QGroupBox(tr("Progress"), this);
    m_counters = new QLabel(progressBox);
    m_elapsed = new QLabel(progressBox);
    m_progress = new QProgressBar(progressBox);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_log = new QListWidget(progressBox);
    m_log->setUniformItemSizes(true);
    m_log->setFont(monospaceFont());
    auto* pl = new QVBoxLayout(progressBox);
    auto* line = new QHBoxLayout;
    line->addWidget(m_counters, 1);
    line->addWidget(m_elapsed);
    pl->addLayout(line);
    pl->addWidget(m_progress);
    pl->addWidget(m_log, 1);

    // --- Result ---
    auto* resultBox = new QGroupBox(tr("Result"), this);
    m_result = new QLabel(tr("Not run yet."), resultBox);
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_divergenceChoice = new QComboBox(resultBox);
    m_divergenceChoice->hide();
    m_divergence = new DivergenceView(resultBox);
    m_divergence->hide();
    auto* rl = new QVBoxLayout(resultBox);
    rl->addWidget(m_result);
    rl->addWidget(m_divergenceChoice);
    rl->addWidget(m_divergence, 1);

    auto* buttons = new QDialogButtonBox(this);
    m_start = buttons->addButton(tr("&Start"), QDialogButtonBox::ActionRole);
    m_cancel = buttons->addButton(tr("C&ancel replay"), QDialogButtonBox::ActionRole);
    m_close = buttons->addButton(QDialogButtonBox::Close);
    m_cancel->setEnabled(false);
    m_start->setDefault(true);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(progressBox);
    split->addWidget(resultBox);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    split->setSizes({260, 420});
    auto* col = new QVBoxLayout(this);
    col->addLayout(form);
    col->addWidget(split, 1);
    col->addWidget(buttons);

    m_tick = new QTimer(this);
    m_tick->setInterval(100);
    connect(m_tick, &QTimer::timeout, this, &ReplayDialog::updateCounters);
    connect(m_start, &QPushButton::clicked, this, [this] { start(); });
    connect(m_cancel, &QPushButton::clicked, this, &ReplayDialog::cancel);
    connect(m_close, &QPushButton::clicked, this, &QDialog::close);
    connect(m_pacing, &QComboBox::currentIndexChanged, this,
            [this] { m_speed->setEnabled(m_pacing->currentData().toInt() == int(engine::Pacing::Original)); });
    m_speed->setEnabled(false);
    connect(m_conversation, &QComboBox::currentIndexChanged, this, &ReplayDialog::onConversationChanged);
    connect(m_tls, &TlsOptionsBox::changed, this, [this] { setRunning(m_running); });
    connect(m_divergenceChoice, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (m_lastResult && i >= 0 && static_cast<std::size_t>(i) < m_lastResult->divergences.size())
            m_divergence->setDivergence(m_lastResult->divergences[static_cast<std::size_t>(i)]);
    });
    onConversationChanged();
    if (m_choices.empty()) {
        m_start->setEnabled(false);
        m_result->setText(tr("This session has no connection that carried bytes and no UDP datagrams to send: "
                             "nothing to replay."));
    }
    resize(980, 820);
}

ReplayDialog::~ReplayDialog() {
    // Cancels and joins: no observer call can come after this.
    m_replayer.reset();
    m_jobs->shutdown();
}

const ReplayDialog::Choice* ReplayDialog::chosen() const {
    const int i = m_conversation->currentIndex();
    return i < 0 || static_cast<std::size_t>(i) >= m_choices.size() ? nullptr : &m_choices[static_cast<std::size_t>(i)];
}

bool ReplayDialog::udpChosen() const {
    const Choice* c = chosen();
    return c && c->udp;
}

void ReplayDialog::selectChannel(engine::ChannelId channel) {
    for (std::size_t i = 0; i < m_choices.size(); ++i) {
        const Choice& c = m_choices[i];
        if ((c.udp ? m_udp[c.index].channel : m_conversations[c.index].channel) == channel)
            m_conversation->setCurrentIndex(static_cast<int>(i));
    }
}

void ReplayDialog::setTarget(const QString& host, quint16 port) {
    m_host->setText(host);
    m_port->setValue(port);
}

void ReplayDialog::onConversationChanged() {
    const Choice* choice = chosen();
    if (!choice) return;
    QString host;
    std::uint16_t port = 0;
    if (choice->udp) {
        const engine::UdpScript& u = m_udp[choice->index];
        if (splitHostPort(qs(u.serverAddress), host, port) && port != 0) setTarget(host, port);
        m_requestsTotal = u.requests.size();
        m_repliesTotal = u.replies.size();
        if (!m_running) updateCounters();
        m_tls->setToolTip(tr("TLS does not apply to a UDP channel"));
        m_scriptInfo->setText(tr("UDP: %1 datagrams to send, %2 replies to compare, each waited for the timeout at "
                                 "most once it is due (UDP may drop it: a missing reply is a divergence). TLS does "
                                 "not apply.")
                                  .arg(u.requests.size())
                                  .arg(u.replies.size()));
        setRunning(m_running);
        return;
    }
    m_tls->setToolTip(tlsToolTip());
    setRunning(m_running);
    const engine::Conversation& c = m_conversations[choice->index];
    if (splitHostPort(qs(c.serverAddress()), host, port) && port != 0) setTarget(host, port);
    std::string why;
    const auto script = engine::ReplayScript::build(c, {}, &why);
    m_requestsTotal = script ? script->requests.size() : 0;
    m_repliesTotal = script ? script->replies.size() : 0;
    if (!m_running) updateCounters();
    if (script) {
        QString tls;
        if (script->startTls)
            tls = tr(" Upgraded with STARTTLS after request %1 and reply %2: choose a STARTTLS start under TLS to "
                     "replay the upgrade.")
                      .arg(script->startTls->requests)
                      .arg(script->startTls->replies);
        else if (c.tlsHandshake())
            tls = tr(" Recorded over TLS: turn TLS on to replay it over TLS.");
        m_scriptInfo->setText(tr("%1 requests, %2 replies framed by %3; the server %4.%5")
                                  .arg(script->requests.size())
                                  .arg(script->replies.size())
                                  .arg(qs(script->replyFramingSource))
                                  .arg(script->serverCloses ? tr("closes at the end") : tr("does not close"))
                                  .arg(tls));
    } else
        m_scriptInfo->setText(tr("Cannot be replayed: %1").arg(qs(why)));
}

void ReplayDialog::showError(const QString& text) {
    m_result->setText(QStringLiteral("<b style=\"color:%2\">%1</b>").arg(text.toHtmlEscaped(), ViewColors::forPalette(palette()).error.name()));
}

engine::ReplayOptions ReplayDialog::formOptions() const {
    engine::ReplayOptions o;
    o.host = m_host->text().trimmed().toStdString();
    o.port = static_cast<std::uint16_t>(m_port->value());
    o.pacing = static_cast<engine::Pacing>(m_pacing->currentData().toInt());
    o.speed = m_speed->value();
    o.timeout = std::chrono::milliseconds(m_timeout->value() * 1000);
    o.ignore = parseIgnoreRules(m_ignore->toPlainText());
    o.keepGoing = m_keepGoing->isChecked();
    return o;
}

void ReplayDialog::beginRun(const QString& what, std::uint16_t port) {
    m_shared = std::make_shared<Shared>();
    m_lastResult.reset();
    m_log->clear();
    m_divergence->hide();
    m_divergence->clear();
    m_divergenceChoice->hide();
    m_divergenceChoice->clear();
    m_result->setText(tr("Replaying %1 to %2:%3…").arg(what, m_host->text()).arg(port));
    m_progress->setRange(0, static_cast<int>(qMax<std::size_t>(1, m_requestsTotal + m_repliesTotal)));
    m_progress->setValue(0);
    setRunning(true);
    m_clock.start();
}

engine::Replayer::Observer ReplayDialog::makeObserver() {
    // The replay's thread: counters, and a queued call for what the log shows.
    std::shared_ptr<Shared> shared = m_shared;
    return [this, shared](const engine::ReplayEvent& e) {
        using K = engine::ReplayEvent::Kind;
        if (e.kind == K::RequestSent) shared->sent.store(e.index);
        if (e.kind == K::ReplyMatched) shared->matched.fetch_add(1);
        const bool rare = e.kind != K::RequestSent && e.kind != K::ReplyMatched;
        if (rare || shared->logged.fetch_add(1) < kMaxLogLines)
            QMetaObject::invokeMethod(this, [this, e] { onEvent(e); }, Qt::QueuedConnection);
    };
}

std::optional<engine::ReplayOptions> ReplayDialog::checked(engine::ReplayOptions o) {
    if (o.host.empty()) {
        showError(tr("Which host? Type the server's address."));
        return std::nullopt;
    }
    if (const auto bad = engine::Replayer::checkOptions(o)) {
        showError(qs(*bad));
        return std::nullopt;
    }
    return o;
}

bool ReplayDialog::startUdp(const engine::UdpScript& script) {
    const auto form = checked(formOptions());
    if (!form) return false;
    const engine::ReplayOptions& o = *form;
    m_replayer.reset();  // a TCP replay before this one: its result is not this one's
    m_requestsTotal = script.requests.size();
    m_repliesTotal = script.replies.size();
    beginRun(tr("UDP %1").arg(channelLabel(script.channel)), o.port);
    // runUdpReplay() runs on the worker with a Loop of its own; its observer
    // (there) is the Replayer's. The result comes back with the job.
    engine::Replayer::Observer observer = makeObserver();
    m_udpCancel = m_jobs->run<engine::ReplayResult>(
        [script, o, observer](const std::atomic<bool>& cancel, const BackgroundJobs::Progress&) {
            return engine::runUdpReplay(script, o, observer, &cancel);
        },
        [this](engine::ReplayResult& r) { showResult(r); });
    updateCounters();
    return true;
}

bool ReplayDialog::start() {
    if (m_running) return false;
    const Choice* choice = chosen();
    if (!choice) return false;
    if (choice->udp) return startUdp(m_udp[choice->index]);
    const engine::Conversation& c = m_conversations[choice->index];
    std::string why;
    auto script = engine::ReplayScript::build(c, {}, &why);
    if (!script) {
        showError(tr("Cannot replay %1: %2").arg(channelLabel(c.channel), qs(why)));
        return false;
    }
    engine::ReplayOptions o = formOptions();
    if (const QString tlsProblem = m_tls->problem(); !tlsProblem.isEmpty()) {
        showError(tlsProblem);
        return false;
    }
    o.tls = m_tls->config();
    if (!checked(o)) return false;
    m_requestsTotal = script->requests.size();
    m_repliesTotal = script->replies.size();
    try {
        m_replayer = std::make_unique<engine::Replayer>(std::move(*script), o);
    } catch (const std::exception& e) {
        showError(QString::fromLocal8Bit(e.what()));
        return false;
    }
    beginRun(channelLabel(c.channel), o.port);

    m_replayer->start(makeObserver());
    updateCounters();
    return true;
}

void ReplayDialog::cancel() {
    if (!m_running) return;
    if (m_replayer) m_replayer->cancel();
    if (m_udpCancel) m_udpCancel->store(true);
}

void ReplayDialog::setRunning(bool on) {
    m_running = on;
    const bool udp = udpChosen();
    m_start->setEnabled(!on && !m_choices.empty() && (udp || m_tls->problem().isEmpty()));
    m_cancel->setEnabled(on);
    for (QWidget* w : {static_cast<QWidget*>(m_conversation), static_cast<QWidget*>(m_host),
                       static_cast<QWidget*>(m_port), static_cast<QWidget*>(m_pacing), static_cast<QWidget*>(m_timeout),
                       static_cast<QWidget*>(m_ignore), static_cast<QWidget*>(m_keepGoing)})
        w->setEnabled(!on);
    m_tls->setEnabled(!on && !udp);  // TLS does not apply to UDP (its tooltip says so)
    m_speed->setEnabled(!on && m_pacing->currentData().toInt() == int(engine::Pacing::Original));
    if (on)
        m_tick->start();
    else
        m_tick->stop();
}

void ReplayDialog::onEvent(const engine::ReplayEvent& e) {
    using K = engine::ReplayEvent::Kind;
    const QString at = QStringLiteral("%1 s").arg(static_cast<double>(e.elapsedUs) / 1e6, 8, 'f', 3);
    auto log = [&](const QString& text) {
        if (static_cast<std::size_t>(m_log->count()) < kMaxLogLines + 20) m_log->addItem(at + QStringLiteral("  ") + text);
    };
    switch (e.kind) {
    case K::Connecting: log(tr("connecting to %1").arg(qs(e.text))); break;
    case K::Connected:
        log(tr("connected to %1").arg(qs(e.text)) +
            (e.tls ? QStringLiteral(": ") + qs(engine::tlsHandshakeText(*e.tls)) : QString()));
        break;
    case K::RequestSent: log(QStringLiteral("> %1 %2").arg(e.index).arg(shortEscaped(e.bytes))); break;
    case K::ReplyMatched: log(QStringLiteral("< %1 %2").arg(e.index).arg(shortEscaped(e.bytes))); break;
    case K::Diverged: log(QStringLiteral("! %1 %2").arg(e.index).arg(qs(e.text))); break;
    case K::Finished:
        log(qs(e.text));
        onFinished();
        break;
    }
    if (static_cast<std::size_t>(m_log->count()) == kMaxLogLines)
        m_log->addItem(tr("… (the rest is counted, not listed)"));
    m_log->scrollToBottom();
}

void ReplayDialog::updateCounters() {
    const std::size_t sent = m_shared->sent.load();
    const std::size_t matched = m_shared->matched.load();
    m_counters->setText(tr("Requests sent: %1 of %2    Replies matched: %3 of %4")
                            .arg(sent)
                            .arg(m_requestsTotal)
                            .arg(matched)
                            .arg(m_repliesTotal));
    m_progress->setValue(static_cast<int>(qMin<std::size_t>(sent + matched, static_cast<std::size_t>(m_progress->maximum()))));
    if (m_clock.isValid())
        m_elapsed->setText(tr("%1 s").arg(static_cast<double>(m_lastResult ? m_lastResult->elapsedUs / 1000
                                                                           : m_clock.elapsed()) / 1000.0, 0, 'f', 1));
}

void ReplayDialog::onFinished() {
    if (!m_replayer) return;  // a UDP replay: its result comes with its job (showResult)
    m_replayer->wait(std::chrono::milliseconds(2000));  // Finished is its last word: at once
    showResult(m_replayer->result());
}

void ReplayDialog::showResult(const engine::ReplayResult& r) {
    m_lastResult = r;
    setRunning(false);
    // The counters from the result (exact).
    m_shared->sent.store(r.requestsSent);
    m_shared->matched.store(r.repliesMatched);
    updateCounters();
    const QString summary = qs(r.summary()).toHtmlEscaped();
    switch (r.status) {
    case engine::ReplayResult::Status::Passed:
        m_result->setText(QStringLiteral("<b style=\"color:%3\">%1</b><br>%2").arg(tr("PASSED"), summary, ViewColors::forPalette(palette()).good.name()));
        break;
    case engine::ReplayResult::Status::Diverged: {
        m_result->setText(QStringLiteral("<b style=\"color:%4\">%1</b> — %2<br>%3")
                              .arg(tr("FAILED"), qs(r.divergences.front().summary).toHtmlEscaped(), summary,
                                   ViewColors::forPalette(palette()).error.name()));
        if (r.divergences.size() > 1) {
            for (const engine::Divergence& d : r.divergences) m_divergenceChoice->addItem(qs(d.summary));
            m_divergenceChoice->show();
        }
        m_divergence->setDivergence(r.divergences.front());
        m_divergence->show();
        break;
    }
    case engine::ReplayResult::Status::Failed:
        m_result->setText(QStringLiteral("<b style=\"color:%3\">%1</b> %2").arg(tr("Could not replay:"),
                                                                                   qs(r.error).toHtmlEscaped(),
                                                                                   ViewColors::forPalette(palette()).error.name()));
        break;
    case engine::ReplayResult::Status::Cancelled:
        m_result->setText(QStringLiteral("<b>%1</b><br>%2").arg(tr("Cancelled."), summary));
        break;
    }
    emit finished(r.status);
}

void ReplayDialog::closeEvent(QCloseEvent* event) {
    cancel();
    QDialog::closeEvent(event);
}

void ReplayDialog::reject() {
    cancel();
    QDialog::reject();
}

}  // namespace ui
