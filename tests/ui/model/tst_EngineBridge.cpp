// tst_EngineBridge.cpp — a real Reactor on loopback behind the bridge: a
// server and a client opened through it exchange lines; the events reach
// the store, the channel tree and the log model in order, with the signals
// in the documented order; errors, rates, clearing, shutdown and
// destruction under load. Every wait is QTRY_* or QSignalSpy::wait.
#include "ui/model/EngineBridge.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <numeric>
#include <string>

using engine::ChannelId;
using engine::EventKind;
using engine::Terminator;
using ui::EngineBridge;

namespace {

/// The port a listener got (from its `listening` event), 0 until then.
std::uint16_t listeningPort(const EngineBridge& bridge, ChannelId server) {
    const ui::EventLogStore& s = bridge.store();
    for (std::size_t i = 0; i < s.size(); ++i) {
        const ui::LogRecord& r = s.record(i);
        if (r.kind == EventKind::Listening && r.channel == server) return static_cast<std::uint16_t>(r.size);
    }
    return 0;
}

/// The store rows of `kind` on `channel`.
std::vector<std::size_t> rowsOf(const EngineBridge& bridge, EventKind kind, ChannelId channel) {
    std::vector<std::size_t> rows;
    const ui::EventLogStore& s = bridge.store();
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s.record(i).kind == kind && s.record(i).channel == channel) rows.push_back(i);
    return rows;
}

/// The first channel accepted by `listener`, 0 if none yet.
ChannelId acceptedBy(const EngineBridge& bridge, ChannelId listener) {
    const ui::EventLogStore& s = bridge.store();
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s.record(i).kind == EventKind::Accepted && s.record(i).parent == listener) return s.record(i).channel;
    return 0;
}

engine::ChannelOptions lines(bool echo = false) {
    engine::ChannelOptions o;
    o.terminator = Terminator::bytes("\n");
    o.echo = echo;
    return o;
}

/// A listener and a client connected to it.
struct Pair {
    ChannelId server = 0;
    ChannelId client = 0;
    ChannelId accepted = 0;
};

void connectPair(EngineBridge& bridge, Pair& p, bool echo) {
    p.server = bridge.openServer(QStringLiteral("127.0.0.1"), 0, lines(echo));
    QTRY_VERIFY_WITH_TIMEOUT(listeningPort(bridge, p.server) != 0, 10000);
    p.client = bridge.openClient(QStringLiteral("127.0.0.1"), listeningPort(bridge, p.server), lines());
    QTRY_VERIFY_WITH_TIMEOUT(!rowsOf(bridge, EventKind::Connected, p.client).empty(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT((p.accepted = acceptedBy(bridge, p.server)) != 0, 10000);
}

}  // namespace

// connectPair(), then stop the test function if it failed.
#define CONNECT_PAIR(bridge, pair, echo)              \
    do {                                              \
        connectPair(bridge, pair, echo);              \
        if (QTest::currentTestFailed()) return;       \
    } while (false)

class tst_EngineBridge : public QObject {
    Q_OBJECT
private slots:
    void serverAndClientExchangeLines();
    void signalsInOrder();
    void connectionRefusedEmitsChannelError();
    void floodKeepsOrderAndCounts();
    void bigBatchIsHandedOnOverManyTurns();
    void drainGateHoldsBackWithoutLoss();
    void ratesOverTheLastSecond();
    void clearLogKeepsChannels();
    void shutdownStops();
    void destroyWhileFlooding();
    void startTlsIsPostedToTheEngine();
};

void tst_EngineBridge::serverAndClientExchangeLines() {
    EngineBridge bridge;
    QAbstractItemModelTester eventTester(bridge.eventModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester channelTester(bridge.channelModel(),
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(bridge.startTime().isValid());
    QVERIFY(bridge.eventModel()->startTime().isValid());

    Pair p;
    CONNECT_PAIR(bridge, p, /*echo=*/true);
    QSignalSpy appended(&bridge, &EngineBridge::eventsAppended);
    bridge.reactor().push(p.client, "hello\n");
    // The server side collects and frames it; its echo comes back to the client.
    QTRY_VERIFY_WITH_TIMEOUT(!rowsOf(bridge, EventKind::FoundTerminator, p.accepted).empty(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!rowsOf(bridge, EventKind::FoundTerminator, p.client).empty(), 10000);
    QVERIFY(!appended.isEmpty());

    for (ChannelId side : {p.accepted, p.client}) {
        const auto collects = rowsOf(bridge, EventKind::Collect, side);
        QCOMPARE(collects.size(), std::size_t{1});
        QCOMPARE(bridge.store().data(collects[0]), std::string_view("hello"));
        const auto found = rowsOf(bridge, EventKind::FoundTerminator, side);
        QCOMPARE(bridge.store().data(found[0]), std::string_view("\n"));
        QVERIFY(found[0] > collects[0]);
    }
    // The store is in seq order without gaps.
    const ui::EventLogStore& s = bridge.store();
    for (std::size_t i = 0; i < s.size(); ++i) QCOMPARE(s.record(i).seq, std::uint64_t{i + 1});
    QCOMPARE(bridge.totalEvents(), quint64(s.size()));

    // The channel tree: the listener with its connection, the client beside it.
    ui::ChannelModel* channels = bridge.channelModel();
    const QModelIndex listener = channels->indexForChannel(p.server);
    QVERIFY(!listener.parent().isValid());
    QCOMPARE(channels->indexForChannel(p.accepted).parent(), listener);
    QVERIFY(!channels->indexForChannel(p.client).parent().isValid());
    QCOMPARE(channels->info(p.accepted)->messagesIn, std::uint64_t{1});
    QCOMPARE(channels->info(p.client)->messagesIn, std::uint64_t{1});
    QCOMPARE(channels->info(p.client)->terminator, Terminator::bytes("\n"));
    QCOMPARE(channels->info(p.accepted)->terminator, Terminator::bytes("\n"));
    QCOMPARE(channels->info(p.client)->phase, engine::ChannelPhase::Connected);
    QCOMPARE(channels->openChannels(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(channels->info(p.client)->bytesOut, std::uint64_t{6}, 10000);

    // The log model shows every event; as messages, both sides' "hello\n".
    ui::EventLogModel* log = bridge.eventModel();
    QCOMPARE(log->rowCount(), int(s.size()));
    log->setMode(ui::EventLogModel::Mode::Messages);
    QStringList messages;
    for (int r = 0; r < log->rowCount(); ++r)
        if (log->rowType(r) == ui::EventLogModel::RowType::Message)
            messages << log->index(r, ui::EventLogModel::ColData).data().toString();
    QCOMPARE(messages, (QStringList{QStringLiteral("hello\\n"), QStringLiteral("hello\\n")}));
}

void tst_EngineBridge::signalsInOrder() {
    EngineBridge bridge;
    QStringList order;
    qsizetype storeSizeAtBatch = -1;
    qsizetype rowsAtBatch = -1;
    connect(&bridge, &EngineBridge::batchReceived, this, [&](const std::vector<engine::Event>& batch) {
        order << QStringLiteral("batch");
        storeSizeAtBatch = static_cast<qsizetype>(bridge.store().size());
        rowsAtBatch = static_cast<qsizetype>(batch.size());
        QVERIFY(!batch.empty());
        // The channel model has seen the batch already.
        for (const engine::Event& e : batch)
            if (e.channel != 0) QVERIFY(bridge.channelModel()->info(e.channel) != nullptr);
    });
    qsizetype expectedFirst = 0;
    connect(&bridge, &EngineBridge::eventsAppended, this, [&](qsizetype first, qsizetype count) {
        order << QStringLiteral("appended");
        QCOMPARE(first, storeSizeAtBatch);  // batchReceived came first, before the store grew
        QCOMPARE(count, rowsAtBatch);
        QCOMPARE(first, expectedFirst);     // contiguous
        expectedFirst = first + count;
        QCOMPARE(static_cast<qsizetype>(bridge.store().size()), first + count);
        QCOMPARE(bridge.eventModel()->rowCount(), int(first + count));  // the model is up to date
    });
    Pair p;
    CONNECT_PAIR(bridge, p, false);
    bridge.reactor().push(p.client, "x\n");
    QTRY_VERIFY_WITH_TIMEOUT(!rowsOf(bridge, EventKind::FoundTerminator, p.accepted).empty(), 10000);
    QVERIFY(order.size() >= 2);
    for (qsizetype i = 0; i + 1 < order.size(); i += 2) {
        QCOMPARE(order[i], QStringLiteral("batch"));
        QCOMPARE(order[i + 1], QStringLiteral("appended"));
    }
    QCOMPARE(expectedFirst, static_cast<qsizetype>(bridge.store().size()));
}

void tst_EngineBridge::connectionRefusedEmitsChannelError() {
    EngineBridge bridge;
    // A port that was just free: listen, learn it, close.
    const ChannelId server = bridge.openServer(QStringLiteral("127.0.0.1"), 0, lines());
    QTRY_VERIFY_WITH_TIMEOUT(listeningPort(bridge, server) != 0, 10000);
    const std::uint16_t port = listeningPort(bridge, server);
    bridge.reactor().close(server);
    QTRY_VERIFY_WITH_TIMEOUT(!rowsOf(bridge, EventKind::Closed, server).empty(), 10000);

    QSignalSpy errors(&bridge, &EngineBridge::channelError);
    const ChannelId client = bridge.openClient(QStringLiteral("127.0.0.1"), port, lines());
    QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), 10000);
    QCOMPARE(errors[0][0].value<ChannelId>(), client);
    QVERIFY2(errors[0][1].toString().contains(QStringLiteral("refused"), Qt::CaseInsensitive),
             qPrintable(errors[0][1].toString()));
    // The error row is in the store by the time the signal comes.
    QVERIFY(!rowsOf(bridge, EventKind::Error, client).empty());
    QTRY_COMPARE_WITH_TIMEOUT(bridge.channelModel()->info(client)->phase, engine::ChannelPhase::Closed, 10000);
    QVERIFY(bridge.channelModel()->info(client)->lastError != 0);
}

void tst_EngineBridge::floodKeepsOrderAndCounts() {
    EngineBridge bridge;
    Pair p;
    CONNECT_PAIR(bridge, p, false);
    qsizetype sum = 0;
    int batches = 0;
    connect(&bridge, &EngineBridge::eventsAppended, this, [&](qsizetype, qsizetype count) {
        sum += count;
        ++batches;
    });
    const qsizetype before = static_cast<qsizetype>(bridge.store().size());
    // Each line makes at least two rows on the accepting side (collect, found
    // terminator), so this flood is more than one slice's worth whatever the
    // timing: it cannot all come in one batch.
    constexpr std::uint64_t kLines = 30000;
    static_assert(2 * kLines > EngineBridge::kMaxEventsPerSlice);
    bridge.reactor().pushRepeat(p.client, std::string(63, 'f') + "\n", kLines);
    QTRY_COMPARE_WITH_TIMEOUT(bridge.channelModel()->info(p.accepted)->messagesIn, kLines, 30000);
    QCOMPARE(rowsOf(bridge, EventKind::FoundTerminator, p.accepted).size(), std::size_t{kLines});
    const ui::EventLogStore& s = bridge.store();
    for (std::size_t i = 0; i < s.size(); ++i) QCOMPARE(s.record(i).seq, std::uint64_t{i + 1});
    QCOMPARE(sum, static_cast<qsizetype>(s.size()) - before);
    QVERIFY(batches > 1);  // it came in batches (at least one slice each), not all at once,
    QVERIFY(batches < int(s.size()));  // and not one by one
    QCOMPARE(bridge.eventModel()->rowCount(), int(s.size()));
    // Every byte arrived: the collects add up to the lines without terminators.
    std::uint64_t collected = 0;
    for (std::size_t r : rowsOf(bridge, EventKind::Collect, p.accepted)) collected += s.data(r).size();
    QCOMPARE(collected, kLines * 63);
}

// 200,000 events at once (a session file's, through the same slices as a
// live drain) behind a listener that costs 2 µs an event: they are handed on
// one slice per event-loop turn, each slice sized to the time budget from
// the measured cost (so far smaller than kMaxEventsPerSlice), and the model
// ends complete and in order.
void tst_EngineBridge::bigBatchIsHandedOnOverManyTurns() {
    EngineBridge bridge;
    constexpr std::size_t kEvents = 200000;
    constexpr qint64 kNsPerEvent = 2000;
    std::vector<engine::Event> events(kEvents);
    for (std::size_t i = 0; i < kEvents; ++i) {
        engine::Event& e = events[i];
        e.seq = i + 1;
        e.tUs = static_cast<std::int64_t>(i);
        e.kind = EventKind::Collect;
        e.channel = 1;
        e.data = "line " + std::to_string(i);
        e.size = static_cast<std::int64_t>(e.data.size());
    }
    std::vector<qsizetype> slices;
    int turn = 0;
    std::vector<int> turns;  // the turn each slice came in
    connect(&bridge, &EngineBridge::eventsAppended, this, [&](qsizetype first, qsizetype count) {
        QCOMPARE(first, static_cast<qsizetype>(std::accumulate(slices.begin(), slices.end(), qsizetype{0})));
        slices.push_back(count);
        turns.push_back(turn);
        QElapsedTimer busy;  // a slow listener: 2 µs an event
        busy.start();
        while (busy.nsecsElapsed() < kNsPerEvent * count) {
        }
    });
    QSignalSpy loaded(&bridge, &EngineBridge::loaded);
    bridge.loadOffline(std::move(events), QDateTime::currentDateTime());
    // Turn the loop one pass at a time until everything is in.
    QElapsedTimer deadline;
    deadline.start();
    while (loaded.isEmpty() && deadline.elapsed() < 60000) {
        ++turn;
        QCoreApplication::processEvents();
    }
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(bridge.store().size(), kEvents);
    QCOMPARE(bridge.eventModel()->rowCount(), int(kEvents));
    QCOMPARE(std::accumulate(slices.begin(), slices.end(), qsizetype{0}), qsizetype(kEvents));
    for (std::size_t i = 0; i < kEvents; i += 997) QCOMPARE(bridge.store().record(i).seq, std::uint64_t{i + 1});
    // Never all at once, never more than one slice in one pass of the loop
    // (the first came from loadOffline itself, before any pass).
    const std::size_t fit = EngineBridge::kSliceBudgetMs * 1000000 / kNsPerEvent;  // 4,000 events
    QVERIFY2(slices.size() >= kEvents / fit, qPrintable(QString::number(slices.size())));
    for (std::size_t i = 1; i < turns.size(); ++i) QVERIFY2(turns[i] > turns[i - 1], qPrintable(QString::number(i)));
    // After the first slice measured the cost, each one fits the budget.
    for (std::size_t i = 1; i < slices.size(); ++i)
        QVERIFY2(slices[i] <= qsizetype(std::max(fit, EngineBridge::kMinEventsPerSlice)),
                 qPrintable(QStringLiteral("slice %1: %2 events").arg(i).arg(slices[i])));
    QVERIFY(slices.front() <= qsizetype(EngineBridge::kMaxEventsPerSlice));
}

void tst_EngineBridge::drainGateHoldsBackWithoutLoss() {
    EngineBridge bridge;
    Pair p;
    CONNECT_PAIR(bridge, p, false);
    bool open = false;
    bridge.setDrainGate([&open] { return open; });
    const std::size_t before = bridge.store().size();
    constexpr std::uint64_t kLines = 500;
    bridge.reactor().pushRepeat(p.client, "held\n", kLines);
    // The engine takes them in; the window does not, timer tick after tick.
    QTRY_VERIFY_WITH_TIMEOUT(bridge.reactor().stats().messagesIn >= kLines, 10000);
    const quint64 held = bridge.heldBackDrains();
    QTRY_VERIFY_WITH_TIMEOUT(bridge.heldBackDrains() >= held + 3, 10000);
    QCOMPARE(bridge.store().size(), before);
    // Open: every event arrives, in order, none lost.
    open = true;
    QTRY_COMPARE_WITH_TIMEOUT(bridge.channelModel()->info(p.accepted)->messagesIn, kLines, 10000);
    QCOMPARE(rowsOf(bridge, EventKind::FoundTerminator, p.accepted).size(), std::size_t{kLines});
    const ui::EventLogStore& s = bridge.store();
    for (std::size_t i = 0; i < s.size(); ++i) QCOMPARE(s.record(i).seq, std::uint64_t{i + 1});
    bridge.setDrainGate({});
}

void tst_EngineBridge::ratesOverTheLastSecond() {
    EngineBridge bridge;
    Pair p;
    CONNECT_PAIR(bridge, p, false);
    QCOMPARE(bridge.bytesInPerSec(), 0.0);
    // A steady stream: one line every millisecond until discarded.
    bridge.reactor().pushRepeat(p.client, std::string(99, 'r') + "\n", 0, std::chrono::milliseconds(1));
    QTRY_VERIFY_WITH_TIMEOUT(bridge.bytesInPerSec() > 5000.0, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(bridge.bytesOutPerSec() > 5000.0, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(bridge.eventsPerSec() > 50.0, 10000);
    QVERIFY(bridge.bytesInPerSec() < 1e9);
    bridge.reactor().discardBuffers(p.client);
    // Quiet again: the rates fall to nothing within about a second.
    QTRY_COMPARE_WITH_TIMEOUT(bridge.bytesInPerSec(), 0.0, 10000);
}

void tst_EngineBridge::clearLogKeepsChannels() {
    EngineBridge bridge;
    Pair p;
    CONNECT_PAIR(bridge, p, false);
    const quint64 total = bridge.totalEvents();
    QSignalSpy cleared(&bridge, &EngineBridge::logCleared);
    QSignalSpy reset(bridge.eventModel(), &QAbstractItemModel::modelReset);
    bridge.clearLog();
    QCOMPARE(cleared.size(), 1);
    QCOMPARE(reset.size(), 1);
    QCOMPARE(bridge.store().size(), std::size_t{0});
    QCOMPARE(bridge.eventModel()->rowCount(), 0);
    QCOMPARE(bridge.totalEvents(), total);
    QCOMPARE(bridge.channelModel()->openChannels(), 3);
    QSignalSpy appended(&bridge, &EngineBridge::eventsAppended);
    bridge.reactor().push(p.client, "after\n");
    QTRY_VERIFY_WITH_TIMEOUT(!rowsOf(bridge, EventKind::FoundTerminator, p.accepted).empty(), 10000);
    QCOMPARE(appended[0][0].value<qsizetype>(), qsizetype(0));
    QCOMPARE(bridge.eventModel()->rowCount(), int(bridge.store().size()));
}

void tst_EngineBridge::shutdownStops() {
    EngineBridge bridge;
    Pair p;
    CONNECT_PAIR(bridge, p, false);
    QSignalSpy stopped(&bridge, &EngineBridge::reactorStopped);
    bridge.reactor().shutdown();
    QVERIFY(stopped.wait(10000));
    QVERIFY(bridge.isStopped());
    QCOMPARE(bridge.store().record(bridge.store().size() - 1).kind, EventKind::Stopped);
    QCOMPARE(bridge.channelModel()->openChannels(), 0);
    QCOMPARE(bridge.eventsPerSec(), 0.0);  // nothing more can come
    const qsizetype rows = static_cast<qsizetype>(bridge.store().size());
    bridge.drainNow();  // harmless once stopped
    QCOMPARE(static_cast<qsizetype>(bridge.store().size()), rows);
}

void tst_EngineBridge::destroyWhileFlooding() {
    auto bridge = std::make_unique<EngineBridge>();
    Pair p;
    CONNECT_PAIR(*bridge, p, /*echo=*/true);
    // A practically endless producer, echoed back.
    bridge->reactor().pushRepeat(p.client, std::string(63, 'd') + "\n", 1000000000);
    QTRY_VERIFY_WITH_TIMEOUT(bridge->channelModel()->info(p.client)->messagesIn > 1000, 30000);
    QElapsedTimer t;
    t.start();
    bridge.reset();
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
}

// Start TLS… posts cmd::StartTls through the bridge: the model shows the
// upgrade as asked for at once, and the engine answers on that channel (a
// handshake attempt, or an error while its TLS layer is not built in); a
// listener cannot be upgraded, which the engine answers with an error.
void tst_EngineBridge::startTlsIsPostedToTheEngine() {
    EngineBridge bridge;
    Pair p;
    CONNECT_PAIR(bridge, p, false);
    engine::TlsConfig tls;
    tls.enabled = true;
    tls.verify = false;
    tls.handshakeTimeoutMs = 2000;
    const std::size_t before = bridge.store().size();
    bridge.startTls(p.client, tls);
    QCOMPARE(bridge.channelModel()->info(p.client)->tlsPhase, ui::TlsPhase::Requested);
    QVERIFY(bridge.channelModel()->info(p.client)->tlsInsecure);
    const auto answered = [&] {
        for (std::size_t i = before; i < bridge.store().size(); ++i) {
            const ui::LogRecord& r = bridge.store().record(i);
            if (r.channel != p.client) continue;
            if (r.kind == EventKind::Error || r.kind == EventKind::StartTls || r.kind == EventKind::TlsHandshake ||
                r.kind == EventKind::Closed)
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(answered(), 10000);
    QSignalSpy errors(&bridge, &EngineBridge::channelError);
    bridge.startTls(p.server, tls);
    QTRY_VERIFY_WITH_TIMEOUT(!rowsOf(bridge, EventKind::Error, p.server).empty(), 10000);
}

QTEST_MAIN(tst_EngineBridge)
#include "tst_EngineBridge.moc"
