// EngineBridge.h — where the engine meets Qt: owns the Reactor, drains its
// events into the log and the models on the GUI thread.
//
// What it does: starts an engine::Reactor (its own loop thread) and drains
// its events on the GUI thread — promptly when the reactor says events are
// available (a queued call, coalesced by an atomic flag, so a flood leaves
// at most one call pending), and every kDrainIntervalMs anyway; drains that
// bring events are at least kMinDrainGapMs apart, so a flood is handed on
// about 60 times a second. For each drained batch, in this order:
//   1. channelModel()->applyEvents(batch);
//   2. emit batchReceived(batch) — the events are still whole (strings,
//      snapshots); they are NOT in the store yet;
//   3. the batch moves into store(); eventModel()->appendFromStore();
//   4. emit eventsAppended(firstRow, count) — store rows [first, first+count);
//   5. emit channelError(channel, message) for each `error` event of the
//      batch, and reactorStopped() after the `stopped` event.
// Work per event-loop turn is bounded in time: a drain is handed on in
// slices, one slice per turn (the window repaints and takes key presses in
// between), each sized so that steps 1–5 take about kSliceBudgetMs — the
// size follows the measured cost per event (between kMinEventsPerSlice and
// kMaxEventsPerSlice). While slices are pending the reactor is drained
// every turn as well (at most kMaxBacklogEvents held here, beyond that the
// events wait in the reactor, whose backlog limit slows the peers), so its
// queue never grows large: publishing into a large queue reallocates it
// under the lock a drain waits for.
// A batch sink (setBatchSink, the session recorder) gets each batch after
// step 3, whole: the store copies from it instead of moving out of it. A
// drain gate (setDrainGate) holds live drains back while the sink is behind.
// A window showing a session file (loadOffline) gets its events through the
// same steps (slices, models, eventsAppended), but no batchReceived, sink,
// channelError or reactorStopped: nothing happens live there; the reactor
// is then never drained.
// Rates for the status bar come from Reactor::stats() (exact at every
// event level) and the event count, over the last second.
//
// What it owns: the Reactor (and so its thread), the EventLogStore, one
// ChannelModel and one EventLogModel over the store. The destructor shuts
// the reactor down and joins its thread (fast: closing sockets).
// Threads: GUI thread only, except reactor(), whose commands may be posted
// from any thread. This is the only translation unit that holds a Reactor
// and is a QObject.
#pragma once

#include "engine/reactor/Command.h"
#include "engine/reactor/Event.h"
#include "engine/reactor/Reactor.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace ui {

/// A TLS key log file (NSS format) a window's channels were opened with:
/// TlsConfig::keyLogFile, or $SSLKEYLOGFILE where that was empty (the
/// engine's rule). `from`: its size before the first of them was opened —
/// the lines before it are not this session's (the file is appended to, and
/// may be shared with other programs).
struct TlsKeyLog {
    QString path;
    qint64 from = 0;
    friend bool operator==(const TlsKeyLog&, const TlsKeyLog&) = default;
};

class EngineBridge : public QObject {
    Q_OBJECT

public:
    /// The drain timer's period.
    static constexpr int kDrainIntervalMs = 30;
    /// Prompt drains come at most this often (about 60 a second): each one
    /// ends in a repaint of the log, and repainting at 120 Hz during a flood
    /// cost the GUI thread half a core (docs/performance.md, "GUI flood").
    static constexpr int kMinDrainGapMs = 16;
    /// The most events handed on per event-loop turn.
    static constexpr std::size_t kMaxEventsPerSlice = 50000;
    /// The fewest a slice takes when there are that many (whatever a slow
    /// turn measured: a flood still moves on).
    static constexpr std::size_t kMinEventsPerSlice = 1000;
    /// The time one slice (the models, the store, the recorder, every
    /// listener of the signals) should take.
    static constexpr int kSliceBudgetMs = 8;
    /// Drained events held here, not yet handed on, above which the reactor
    /// is not drained until they are.
    static constexpr std::size_t kMaxBacklogEvents = 2 * kMaxEventsPerSlice;

    /// Starts the reactor. Throws what engine::Reactor's constructor throws
    /// (std::system_error, engine::BackendError). A `eventsAvailable` in
    /// `options` is kept and called as well.
    explicit EngineBridge(engine::ReactorOptions options = {}, QObject* parent = nullptr);
    ~EngineBridge() override;

    engine::Reactor& reactor() noexcept { return *m_reactor; }
    EventLogStore& store() noexcept { return m_store; }
    const EventLogStore& store() const noexcept { return m_store; }
    ChannelModel* channelModel() noexcept { return m_channels; }
    EventLogModel* eventModel() noexcept { return m_events; }

    /// Reactor::openClient / openServer, also telling the channel model what
    /// the channel starts with (its terminator shows at once).
    engine::ChannelId openClient(const QString& host, std::uint16_t port, const engine::ChannelOptions& options = {},
                                 int family = 0);
    engine::ChannelId openServer(const QString& host, std::uint16_t port, const engine::ChannelOptions& options = {},
                                 int backlog = engine::cmd::OpenServer::kDefaultBacklog);

    /// Reactor::openDatagram (a UDP channel: `bind` true → bound to HOST:PORT,
    /// else connected to it), also telling the channel model it is one.
    engine::ChannelId openDatagram(bool bind, const QString& host, std::uint16_t port,
                                   const engine::DatagramOptions& options, int family = 0);

    /// Every TLS key log file this window's channels were opened with, in
    /// the order first asked (see TlsKeyLog).
    const std::vector<TlsKeyLog>& tlsKeyLogs() const noexcept { return m_keyLogs; }

    /// Posts cmd::StartTls: upgrade live channel `channel` to TLS now (it is
    /// the TLS client if it connected, the server if it was accepted), and
    /// tells the channel model a handshake is asked for (a pending padlock
    /// until the `tls_handshake` event, or an `error` event if the engine
    /// refuses: a listener, a closed channel, one already in TLS).
    void startTls(engine::ChannelId channel, const engine::TlsConfig& tls);

    /// The wall-clock time of t_us = 0.
    QDateTime startTime() const { return m_startTime; }

    /// Over the last second (bytes: as the reactor counts them, at any level).
    double bytesInPerSec() const;
    double bytesOutPerSec() const;
    double eventsPerSec() const;
    /// Events received since the start (clearLog() does not reset it).
    quint64 totalEvents() const noexcept { return m_totalEvents; }
    /// True once the `stopped` event came.
    bool isStopped() const noexcept { return m_stopped; }

    /// Called with every live batch once it is in the store (moved: the
    /// callee keeps it). GUI thread. An empty function removes it.
    void setBatchSink(std::function<void(std::vector<engine::Event>&&)> sink) { m_sink = std::move(sink); }
    /// Asked before each live drain: while it says no (the recorder is far
    /// behind the disk), nothing is drained or handed on — the events wait
    /// in the reactor, which stops reading once they pile up — and the
    /// drain timer asks again. The GUI thread never waits. Empty: always yes.
    void setDrainGate(std::function<bool()> ready) { m_gate = std::move(ready); }
    /// Live drains the gate has held back so far.
    quint64 heldBackDrains() const noexcept { return m_heldBack; }
    /// Shows `events` (a session file's) instead of the reactor's: they go
    /// through the models in slices, as a flood would; loaded() follows.
    /// The reactor is no longer drained. `start` is the session's t_us = 0.
    void loadOffline(std::vector<engine::Event> events, const QDateTime& start);
    /// True after loadOffline().
    bool isOffline() const noexcept { return m_offline; }

    /// Shuts the reactor down and hands on every event up to `stopped`
    /// (through the models and the sink, so a recording ends complete),
    /// waiting at most `timeoutMs`. For closing the window. GUI thread.
    void shutdownAndDrain(int timeoutMs = 2000);

    /// Empties the store (and so the log views); channels stay.
    void clearLog();
    /// Drains now (normally the timer and the reactor's notifications do).
    void drainNow();
    /// The size of the next slice (the cost per event measured so far).
    std::size_t sliceEvents() const noexcept { return m_sliceEvents; }
    /// Events drained and not yet handed on.
    std::size_t backlogEvents() const noexcept { return m_backlogEvents; }

signals:
    /// Store rows [firstRow, firstRow + count) are new.
    void eventsAppended(qsizetype firstRow, qsizetype count);
    /// A batch, before it moves into the store (direct connections only:
    /// the reference is valid during the emission).
    void batchReceived(const std::vector<engine::Event>& batch);
    /// An `error` event (after it is in the store and the models).
    void channelError(engine::ChannelId channel, QString message);
    /// clearLog() ran.
    void logCleared();
    /// The reactor stopped (its `stopped` event was handled).
    void reactorStopped();
    /// loadOffline()'s events are all in the store and the models.
    void loaded();

private:
    /// Records the key log a channel opened with `tls` writes to (TLS `on`).
    void noteKeyLog(const engine::TlsConfig& tls, bool on);
    void onEventsAvailable();
    void scheduleDrain();
    void processSlice();
    /// Sizes the next slice from what the last one cost.
    void measureSlice(std::size_t events, qint64 ns);
    void sampleRates();

    struct Sample {
        qint64 ms = 0;
        std::uint64_t bytesIn = 0;
        std::uint64_t bytesOut = 0;
        std::uint64_t events = 0;
    };
    double rate(std::uint64_t Sample::*field) const;

    EventLogStore m_store;
    ChannelModel* m_channels = nullptr;
    std::vector<TlsKeyLog> m_keyLogs;
    EventLogModel* m_events = nullptr;
    QTimer m_timer;
    QTimer m_soon;  // single-shot: the next drain, kept kMinDrainGapMs after the last
    QElapsedTimer m_clock;
    qint64 m_lastDrainMs = -1000;
    /// Takes what the reactor has, unless kMaxBacklogEvents are held already.
    void drainReactor();
    /// Appends a drained (or loaded) batch to the backlog.
    void pushBacklog(std::vector<engine::Event>&& events);
    /// Moves up to `n` backlog events into m_slice.
    void takeSlice(std::size_t n);

    std::deque<std::vector<engine::Event>> m_backlog;  // drained, not yet handed on, oldest first
    std::size_t m_backlogPos = 0;                       // handed on of m_backlog.front()
    std::size_t m_backlogEvents = 0;                    // not yet handed on, in all of m_backlog
    std::vector<engine::Event> m_drained;               // the reactor's drain target
    std::size_t m_sliceEvents = 5000;                   // the next slice's size (adapts)
    double m_nsPerEvent = 0;                            // measured cost of a slice, per event (0: none yet)
    std::vector<engine::Event> m_slice;
    std::deque<Sample> m_samples;
    quint64 m_totalEvents = 0;
    bool m_stopped = false;
    QDateTime m_startTime;
    std::atomic<bool> m_drainPosted{false};
    std::function<void(std::vector<engine::Event>&&)> m_sink;
    std::function<bool()> m_gate;
    quint64 m_heldBack = 0;
    bool m_offline = false;
    std::unique_ptr<engine::Reactor> m_reactor;  // last: its thread may call back into the members above
};

}  // namespace ui
