// UiLatencyMonitor.cpp — timer lateness, per second.
#include "ui/model/UiLatencyMonitor.h"

#include <algorithm>

namespace ui {

UiLatencyMonitor::UiLatencyMonitor(QObject* parent) : QObject(parent) {
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(kIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &UiLatencyMonitor::tick);
    start();
}

UiLatencyMonitor::~UiLatencyMonitor() = default;

void UiLatencyMonitor::start() {
    reset();
    m_timer.start();
}

void UiLatencyMonitor::stop() { m_timer.stop(); }

void UiLatencyMonitor::reset() {
    m_clock.start();
    m_expected = kIntervalMs;
    m_second = 0;
    m_worst.fill(0);
    m_last = 0;
    m_worstEver = 0;
    m_ticks = 0;
}

void UiLatencyMonitor::tick() {
    const qint64 now = m_clock.elapsed();
    const qint64 delay = std::max<qint64>(0, now - m_expected);
    m_expected = now + kIntervalMs;
    m_last = delay;
    m_worstEver = std::max(m_worstEver, delay);
    ++m_ticks;
    const qint64 second = now / 1000;
    if (second != m_second) {
        // Report the second that ended; clear the ones skipped (a stall longer
        // than a second is charged to the second in which it ended).
        const qint64 ended = m_worst[static_cast<std::size_t>(m_second % kHistorySeconds)];
        for (qint64 s = m_second + 1; s <= second && s <= m_second + kHistorySeconds; ++s)
            m_worst[static_cast<std::size_t>(s % kHistorySeconds)] = 0;
        m_second = second;
        m_worst[static_cast<std::size_t>(m_second % kHistorySeconds)] = delay;
        emit updated(ended);
        return;
    }
    qint64& w = m_worst[static_cast<std::size_t>(m_second % kHistorySeconds)];
    w = std::max(w, delay);
}

qint64 UiLatencyMonitor::worstDelayMs(int lastSeconds) const {
    const int n = std::clamp(lastSeconds, 1, kHistorySeconds);
    qint64 worst = 0;
    for (int i = 0; i < n && i <= m_second; ++i)
        worst = std::max(worst, m_worst[static_cast<std::size_t>((m_second - i) % kHistorySeconds)]);
    return worst;
}

}  // namespace ui
