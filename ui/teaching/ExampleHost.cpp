// ExampleHost.cpp — an example hosted in the window's Reactor, seen through
// the bridge's event batches.
#include "ui/teaching/ExampleHost.h"

#include "engine/reactor/Reactor.h"
#include "examples/ExampleRunner.h"
#include "ui/model/EngineBridge.h"

#include <QTimer>

#include <mutex>

namespace ui {

namespace {
QString latin1(std::string_view s) { return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size())); }
QString utf8(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }
}  // namespace

/// The example's log lines, written on the loop thread, read on the GUI thread.
struct ExampleHost::LogQueue {
    std::mutex mutex;
    QStringList lines;
    void add(QString line) {
        std::lock_guard lock(mutex);
        lines << std::move(line);
    }
    QStringList take() {
        std::lock_guard lock(mutex);
        return std::exchange(lines, {});
    }
};

ExampleHost::ExampleHost(EngineBridge* bridge, QObject* parent)
    : QObject(parent),
      m_bridge(bridge),
      m_reactor(&bridge->reactor()),
      m_slow(new QTimer(this)),
      m_log(std::make_shared<LogQueue>()) {
    qRegisterMetaType<ui::ExamplePass>();
    connect(bridge, &EngineBridge::batchReceived, this, &ExampleHost::onBatch);
    connect(m_slow, &QTimer::timeout, this, [this] {
        if (m_running && m_bridge) m_reactor->step();
    });
}

ExampleHost::~ExampleHost() { stopHosted(); }

bool ExampleHost::start(const QString& name, bool paused, QString* error) {
    stopHosted();
    if (!m_bridge) {
        if (error) *error = tr("the engine has stopped");
        return false;
    }
    if (!examples::findExample(name.toStdString())) {
        if (error) *error = tr("no such example: %1").arg(name);
        return false;
    }
    m_name = name;
    m_passes = 0;
    m_port = 0;
    m_labels.clear();
    m_order.clear();
    m_log->take();
    engine::Reactor& r = *m_reactor;
    r.setLoopTrace(true);  // the passes are what the pane shows
    // What the loop was doing before the first of a run of examples comes back when they end.
    if (!m_restorePending) {
        m_pausedBefore = m_paused;
        m_restorePending = true;
    }
    if (paused) {
        r.pause();
        m_paused = true;
    }
    // The example's logging and the HTTP client's print() run on the loop
    // thread: they only queue lines (the queue outlives this object if need be).
    std::weak_ptr<LogQueue> log = m_log;
    m_hostId = r.host(name.toStdString(), [n = name.toStdString(), log](engine::Loop& loop) {
        examples::ExampleOptions o;
        o.logger = [log](std::string_view who, std::string_view msg) {
            if (auto q = log.lock()) q->add(utf8(who) + QStringLiteral(": ") + utf8(msg));
        };
        o.print = [log](std::string_view data) {
            if (auto q = log.lock()) q->add(QStringLiteral("print: ") + utf8(data));
        };
        return std::unique_ptr<engine::HostedWork>(examples::startExample(n, loop, o));
    });
    m_running = true;
    return true;
}

void ExampleHost::stop() {
    stopHosted();
    restoreLoop();
}

void ExampleHost::stopHosted() {
    m_slow->stop();
    // (with the bridge gone, so is its Reactor, which stopped the example)
    if (m_running && m_bridge) m_reactor->stopHost(m_hostId);
    m_running = false;
}

void ExampleHost::restoreLoop() {
    m_slow->stop();
    if (!m_restorePending) return;
    m_restorePending = false;
    // The example paused the loop (or it was stepped through): a loop that
    // ran before runs again, or a later Connect would wait for F8.
    if (!m_pausedBefore && m_paused && m_bridge) resume();
}

void ExampleHost::pause() {
    m_slow->stop();
    if (!m_bridge) return;
    m_reactor->pause();
    m_paused = true;
}

void ExampleHost::resume() {
    m_slow->stop();
    if (!m_bridge) return;
    m_reactor->resume();
    m_paused = false;
}

void ExampleHost::step() {
    if (!m_bridge) return;
    if (!m_paused) pause();
    m_reactor->step();
}

void ExampleHost::setDelay(int ms) {
    if (ms <= 0) {
        m_slow->stop();
        return;
    }
    if (!m_paused) pause();
    m_slow->start(ms);
}

QString ExampleHost::label(engine::ChannelId id) const {
    return m_labels.value(id) + QLatin1Char('#') + QString::number(id);
}

void ExampleHost::flushLog() {
    for (const QString& line : m_log->take()) emit logLine(line);
}

void ExampleHost::onBatch(const std::vector<engine::Event>& batch) {
    using K = engine::EventKind;
    for (const engine::Event& e : batch) {
        switch (e.kind) {
        case K::Hosted: {
            if (static_cast<engine::HostId>(e.count) != m_hostId || m_hostId == 0) break;
            switch (static_cast<engine::HostPhase>(e.sub)) {
            case engine::HostPhase::Started:
                m_port = static_cast<quint16>(e.size);
                emit started(m_port);
                break;
            case engine::HostPhase::Dispatcher:
                if (!m_labels.contains(e.channel)) m_order.push_back(e.channel);
                m_labels.insert(e.channel, utf8(e.info));
                break;
            case engine::HostPhase::Done:
                flushLog();
                m_running = false;
                restoreLoop();
                emit finished(e.size != 0);
                break;
            case engine::HostPhase::Failed:
                flushLog();
                m_running = false;
                restoreLoop();
                emit logLine(tr("Could not start: %1").arg(utf8(e.info)));
                emit finished(false);
                break;
            case engine::HostPhase::Stopped:
                m_running = false;
                m_slow->stop();
                break;
            }
            break;
        }
        case K::Paused: m_paused = true; break;
        case K::Resumed: m_paused = false; break;
        case K::Loop: {
            if (!e.trace || m_labels.isEmpty()) break;
            const engine::LoopTrace& t = *e.trace;
            ExamplePass p;
            p.pass = t.pass;
            p.backend = latin1(engine::backendName(t.backend));
            for (const auto& q : t.polled) {
                if (!m_labels.contains(q.channel)) continue;
                if (q.readable) p.readable << label(q.channel);
                if (q.writable) p.writable << label(q.channel);
            }
            for (const auto& r : t.ready) {
                if (!m_labels.contains(r.channel)) continue;
                QStringList bits;
                for (std::string_view b : engine::readyBitNames(r.bits)) bits << latin1(b);
                p.ready << QStringLiteral("%1 (%2)").arg(label(r.channel), bits.join(QLatin1Char(',')));
            }
            for (const auto& d : t.dispatched)
                if (m_labels.contains(d.channel))
                    p.hooks.push_back({m_labels.value(d.channel), latin1(engine::hookName(d.hook)), d.channel});
            if (p.idle()) break;  // a pass about other channels, or a wait that timed out
            flushLog();
            ++m_passes;
            emit passDone(p);
            break;
        }
        default: break;
        }
    }
    flushLog();
}

}  // namespace ui
