// EngineBridge.cpp — the Reactor's events, drained onto the GUI thread.
#include "ui/model/EngineBridge.h"

#include "ui/model/Formatters.h"

#include <QFileInfo>
#include <QMetaObject>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <utility>

namespace ui {

EngineBridge::EngineBridge(engine::ReactorOptions options, QObject* parent) : QObject(parent) {
    m_clock.start();
    m_channels = new ChannelModel(this);
    m_events = new EventLogModel(&m_store, this);

    // Called on the loop thread whenever the reactor's queue goes from empty to
    // non-empty: post one queued call, and no more until it has run.
    std::function<void()> userCallback = std::move(options.eventsAvailable);
    options.eventsAvailable = [this, userCallback = std::move(userCallback)] {
        if (userCallback) userCallback();
        onEventsAvailable();
    };
    m_reactor = std::make_unique<engine::Reactor>(std::move(options));
    m_startTime = toDateTime(m_reactor->startedAt());
    m_events->setStartTime(m_startTime);
    m_channels->setStartTime(m_startTime);

    m_timer.setInterval(kDrainIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        scheduleDrain();  // the same pace as prompt drains
        sampleRates();
    });
    m_timer.start();
    m_soon.setSingleShot(true);
    connect(&m_soon, &QTimer::timeout, this, &EngineBridge::drainNow);
}

EngineBridge::~EngineBridge() {
    m_timer.stop();
    m_soon.stop();
    // Joins the loop thread: no callback can touch us afterwards.
    m_reactor.reset();
    // The models read m_store (the event model's worker thread too): they go
    // before it does, not later with the QObject children.
    delete m_events;
    m_events = nullptr;
    delete m_channels;
    m_channels = nullptr;
}

void EngineBridge::onEventsAvailable() {
    // Loop thread. postEvent is thread-safe; `this` outlives the loop thread.
    if (m_drainPosted.exchange(true, std::memory_order_acq_rel)) return;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_drainPosted.store(false, std::memory_order_release);
            scheduleDrain();
        },
        Qt::QueuedConnection);
}

void EngineBridge::scheduleDrain() {
    // Slices pending: the next one (and a drain) comes on the next turn anyway.
    if (m_backlogEvents > 0 && m_soon.isActive()) return;
    const qint64 since = m_clock.elapsed() - m_lastDrainMs;
    if (since >= kMinDrainGapMs) {
        drainNow();
    } else if (!m_soon.isActive()) {
        m_soon.start(static_cast<int>(kMinDrainGapMs - since));
    }
}

void EngineBridge::drainNow() {
    if (!m_reactor) return;
    if (m_offline) {
        processSlice();
        return;
    }
    if (m_gate && !m_gate()) {
        ++m_heldBack;  // the timer asks again in kDrainIntervalMs
        return;
    }
    drainReactor();
    processSlice();
}

void EngineBridge::drainReactor() {
    if (m_backlogEvents >= kMaxBacklogEvents) return;
    m_drained.clear();
    m_reactor->drain(m_drained);
    if (!m_drained.empty()) pushBacklog(std::move(m_drained));
    m_drained = {};
}

void EngineBridge::pushBacklog(std::vector<engine::Event>&& events) {
    if (events.empty()) return;
    m_backlogEvents += events.size();
    m_backlog.push_back(std::move(events));
}

void EngineBridge::takeSlice(std::size_t n) {
    m_slice.clear();
    // The common case: the oldest drain, whole, fits.
    if (m_backlogPos == 0 && !m_backlog.empty() && m_backlog.front().size() <= n) {
        m_slice.swap(m_backlog.front());
        m_backlog.pop_front();
        m_backlogEvents -= m_slice.size();
        if (m_backlog.empty() || m_slice.size() == n) return;
    }
    // Else (and to fill it up) move events over, from one drain or several.
    m_slice.reserve(std::min(n, m_slice.size() + m_backlogEvents));
    while (m_slice.size() < n && !m_backlog.empty()) {
        std::vector<engine::Event>& front = m_backlog.front();
        const std::size_t k = std::min(n - m_slice.size(), front.size() - m_backlogPos);
        const auto first = front.begin() + static_cast<std::ptrdiff_t>(m_backlogPos);
        std::move(first, first + static_cast<std::ptrdiff_t>(k), std::back_inserter(m_slice));
        m_backlogPos += k;
        m_backlogEvents -= k;
        if (m_backlogPos >= front.size()) {
            m_backlog.pop_front();
            m_backlogPos = 0;
        }
    }
}

void EngineBridge::processSlice() {
    if (m_backlogEvents == 0) return;
    m_lastDrainMs = m_clock.elapsed();  // the pace applies to drains that bring work (and a repaint)
    QElapsedTimer cost;
    cost.start();
    takeSlice(m_sliceEvents);
    const std::size_t taken = m_slice.size();
    if (m_backlogEvents > 0) m_soon.start(0);  // the next slice on the next event-loop turn

    std::vector<engine::Event>& batch = m_slice;
    m_channels->applyEvents(batch);
    if (!m_offline) emit batchReceived(batch);

    std::vector<std::pair<engine::ChannelId, QString>> errors;
    bool stopped = false;
    for (const engine::Event& e : batch) {
        if (e.kind == engine::EventKind::Error)
            errors.emplace_back(e.channel, QString::fromUtf8(e.info.data(), static_cast<qsizetype>(e.info.size())));
        else if (e.kind == engine::EventKind::Stopped)
            stopped = true;
    }
    const auto first = static_cast<qsizetype>(m_store.size());
    const auto count = static_cast<qsizetype>(batch.size());
    m_totalEvents += static_cast<quint64>(count);
    if (m_sink && !m_offline) {
        m_store.appendCopy(batch);
        m_sink(std::move(batch));
        batch.clear();
    } else {
        m_store.append(batch);  // leaves `batch` empty
    }
    m_events->appendFromStore();
    emit eventsAppended(first, count);
    measureSlice(taken, cost.nsecsElapsed());
    if (m_offline) {
        if (m_backlogEvents == 0) emit loaded();
        return;
    }
    for (const auto& [channel, message] : errors) emit channelError(channel, message);
    if (stopped && !m_stopped) {
        m_stopped = true;
        emit reactorStopped();
    }
    // Nothing more can come: stop waking up; the rates drop to zero.
    if (m_stopped && m_backlogEvents == 0 && m_reactor->finished()) {
        m_timer.stop();
        m_samples.clear();
    }
}

void EngineBridge::measureSlice(std::size_t events, qint64 ns) {
    // Too few events say little about the cost of many (a fixed cost per
    // slice dominates them).
    if (events < kMinEventsPerSlice / 2) return;
    const double per = static_cast<double>(std::max<qint64>(ns, 1)) / static_cast<double>(events);
    // Smoothed, but a slower slice counts at once: the next one must not overrun as well.
    m_nsPerEvent = m_nsPerEvent <= 0 || per > m_nsPerEvent ? per : 0.7 * m_nsPerEvent + 0.3 * per;
    const double fit = static_cast<double>(kSliceBudgetMs) * 1e6 / m_nsPerEvent;
    m_sliceEvents = static_cast<std::size_t>(
        std::clamp(fit, static_cast<double>(kMinEventsPerSlice), static_cast<double>(kMaxEventsPerSlice)));
}

void EngineBridge::noteKeyLog(const engine::TlsConfig& tls, bool on) {
    if (!on) return;
    QString path = QString::fromStdString(tls.keyLogFile);
    if (path.isEmpty()) path = qEnvironmentVariable("SSLKEYLOGFILE");
    if (path.isEmpty()) return;
    path = QFileInfo(path).absoluteFilePath();
    for (const TlsKeyLog& k : m_keyLogs)
        if (k.path == path) return;
    // Measured before the command is posted: the engine appends only later,
    // at a handshake.
    const QFileInfo file(path);
    m_keyLogs.push_back({path, file.exists() ? file.size() : 0});
}

engine::ChannelId EngineBridge::openClient(const QString& host, std::uint16_t port,
                                           const engine::ChannelOptions& options, int family) {
    noteKeyLog(options.tls, options.tls.wanted());
    const engine::ChannelId id = m_reactor->openClient(host.toStdString(), port, options, family);
    m_channels->setOptions(id, engine::ChannelRole::Client, options, host);
    return id;
}

engine::ChannelId EngineBridge::openServer(const QString& host, std::uint16_t port,
                                           const engine::ChannelOptions& options, int backlog) {
    noteKeyLog(options.tls, options.tls.wanted());
    const engine::ChannelId id = m_reactor->openServer(host.toStdString(), port, options, backlog);
    m_channels->setOptions(id, engine::ChannelRole::Listener, options,
                           port ? QStringLiteral("%1:%2").arg(host).arg(port) : QString());
    return id;
}

engine::ChannelId EngineBridge::openDatagram(bool bind, const QString& host, std::uint16_t port,
                                             const engine::DatagramOptions& options, int family) {
    using Mode = engine::cmd::OpenDatagram::Mode;
    const engine::ChannelId id =
        m_reactor->openDatagram(bind ? Mode::Bind : Mode::Connect, host.toStdString(), port, options, family);
    const engine::ChannelRole role = bind ? engine::ChannelRole::Listener : engine::ChannelRole::Client;
    m_channels->setDatagram(id, role, options,
                            !bind ? host : (port ? QStringLiteral("%1:%2").arg(host).arg(port) : QString()));
    return id;
}

void EngineBridge::startTls(engine::ChannelId channel, const engine::TlsConfig& tls) {
    noteKeyLog(tls, true);  // Start TLS: TLS now, whatever `enabled` says
    m_reactor->post(engine::cmd::StartTls{channel, tls});
    m_channels->setTlsRequested(channel, tls);
}

void EngineBridge::loadOffline(std::vector<engine::Event> events, const QDateTime& start) {
    m_offline = true;
    m_timer.stop();
    m_soon.stop();
    m_samples.clear();
    m_startTime = start;
    m_events->setStartTime(start);
    m_channels->setStartTime(start);
    m_backlog.clear();
    m_backlogPos = 0;
    m_backlogEvents = 0;
    if (events.empty()) {
        emit loaded();
        return;
    }
    pushBacklog(std::move(events));
    processSlice();
}

void EngineBridge::shutdownAndDrain(int timeoutMs) {
    if (m_offline || !m_reactor || m_stopped) return;
    m_reactor->shutdown();
    QElapsedTimer clock;
    clock.start();
    while (!m_stopped && clock.elapsed() < timeoutMs) {
        while (m_backlogEvents > 0) processSlice();
        if (m_stopped) break;
        m_drained.clear();
        if (m_reactor->waitAndDrain(m_drained, std::chrono::milliseconds(50))) pushBacklog(std::move(m_drained));
        m_drained = {};
    }
    while (m_backlogEvents > 0) processSlice();
}

void EngineBridge::clearLog() {
    m_store.clear();
    m_events->appendFromStore();  // sees the new generation: resets
    emit logCleared();
}

void EngineBridge::sampleRates() {
    const qint64 now = m_clock.elapsed();
    if (!m_samples.empty() && now - m_samples.back().ms < 100) return;
    const engine::ReactorStats s = m_reactor->stats();
    m_samples.push_back({now, s.bytesIn, s.bytesOut, m_totalEvents});
    while (m_samples.size() > 2 && now - m_samples[1].ms >= 1000) m_samples.pop_front();
}

double EngineBridge::rate(std::uint64_t Sample::*field) const {
    if (m_samples.size() < 2) return 0.0;
    const Sample& a = m_samples.front();
    const Sample& b = m_samples.back();
    const double dt = static_cast<double>(b.ms - a.ms) / 1000.0;
    return dt > 0 ? static_cast<double>(b.*field - a.*field) / dt : 0.0;
}

double EngineBridge::bytesInPerSec() const { return rate(&Sample::bytesIn); }
double EngineBridge::bytesOutPerSec() const { return rate(&Sample::bytesOut); }
double EngineBridge::eventsPerSec() const { return rate(&Sample::events); }

}  // namespace ui
