// UiLatencyMonitor.h — how responsive the GUI event loop is.
//
// What it does: a 20 ms timer (Qt::PreciseTimer) measures how late each of
// its own timeouts arrives; the lateness is the time the event loop was busy
// with something else (a long slot, a huge model reset, a slow paint). It
// keeps the worst delay of each of the last 60 seconds, answers
// worstDelayMs(lastSeconds), and once a second emits updated() with the
// worst delay of the second that just ended (for a status-bar "UI lag").
// What it owns: its timer.
// Threads: the thread it lives in (the GUI thread); not thread-safe.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <array>
#include <cstdint>

namespace ui {

class UiLatencyMonitor : public QObject {
    Q_OBJECT

public:
    static constexpr int kIntervalMs = 20;
    static constexpr int kHistorySeconds = 60;

    /// Starts measuring at once.
    explicit UiLatencyMonitor(QObject* parent = nullptr);
    ~UiLatencyMonitor() override;

    /// The worst delay (ms) over the last `lastSeconds` seconds (1…60), the
    /// second in progress included.
    qint64 worstDelayMs(int lastSeconds = 5) const;
    /// The worst delay since start() (or the last reset()).
    qint64 worstEverMs() const noexcept { return m_worstEver; }
    /// The delay of the latest tick.
    qint64 lastDelayMs() const noexcept { return m_last; }
    /// Ticks measured since start() / reset().
    quint64 ticks() const noexcept { return m_ticks; }

    void start();
    void stop();
    bool isRunning() const { return m_timer.isActive(); }
    /// Forgets every measurement.
    void reset();

signals:
    /// Once a second: the worst delay of the second that just ended (ms).
    void updated(qint64 worstMs);

private:
    void tick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_expected = 0;   // when the next tick is due (ms on m_clock)
    qint64 m_second = 0;     // the second (on m_clock) being filled
    std::array<qint64, kHistorySeconds> m_worst{};  // worst delay per second, ring
    qint64 m_last = 0;
    qint64 m_worstEver = 0;
    quint64 m_ticks = 0;
};

}  // namespace ui
