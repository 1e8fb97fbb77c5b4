// tst_EventLogStore.cpp — records, the payload arena, the side table,
// reconstruction, seq/time lookup, memory accounting, clear(), and a
// reader thread working while the owner appends.
#include "ui/model/EventLogStore.h"

#include "DataTestSupport.h"

#include <QTest>

#include <atomic>
#include <string>
#include <thread>

using testsupport::EventScript;
using ui::EventLogStore;
using ui::LogRecord;

namespace {

// Bytes that say which row they belong to, `len` long.
std::string patterned(std::uint64_t seq, std::size_t len) {
    std::string s(len, '\0');
    for (std::size_t i = 0; i < len; ++i) s[i] = static_cast<char>((seq * 131 + i * 7) & 0xff);
    return s;
}

}  // namespace

class tst_EventLogStore : public QObject {
    Q_OBJECT
private slots:
    void appendMovesAndReadsBack();
    void eventRoundTripsEveryField();
    void payloadsAcrossChunksAndLargeOnes();
    void viewsStayValidWhileAppending();
    void seqAndTimeLookup();
    void memoryIsCompact();
    void clearForgetsAndBumpsGeneration();
    void readerThreadWhileAppending();
};

void tst_EventLogStore::appendMovesAndReadsBack() {
    EventLogStore store;
    QVERIFY(store.empty());
    EventScript s;
    s.connected(3, "127.0.0.1:7000", "127.0.0.1:5555");
    s.collect(3, std::string("he\0llo", 6));
    s.found(3, engine::Terminator::bytes("\r\n"), 6);
    s.error(3, 104, "recv: Connection reset by peer");
    std::vector<engine::Event> batch = s.take();
    store.append(batch);
    QVERIFY(batch.empty());
    QCOMPARE(store.size(), std::size_t{4});

    const LogRecord& c = store.record(0);
    QCOMPARE(c.kind, engine::EventKind::Connected);
    QCOMPARE(c.channel, engine::ChannelId{3});
    QCOMPARE(c.seq, std::uint64_t{1});
    QCOMPARE(c.tUs, std::int64_t{1000});
    QVERIFY(c.hasAttachment());
    QCOMPARE(store.info(0), std::string_view("127.0.0.1:7000"));
    QCOMPARE(store.aux(0), std::string_view("127.0.0.1:5555"));
    QVERIFY(store.data(0).empty());

    QCOMPARE(store.data(1), std::string_view("he\0llo", 6));
    QVERIFY(!store.record(1).hasAttachment());  // bytes alone need no side table
    QCOMPARE(store.info(1), std::string_view());
    QCOMPARE(store.record(1).size, std::int64_t{6});

    QCOMPARE(store.data(2), std::string_view("\r\n"));
    QCOMPARE(store.record(2).terminatorKind(), engine::Terminator::Kind::Bytes);

    QCOMPARE(store.record(3).error, 104);
    QCOMPARE(store.info(3), std::string_view("recv: Connection reset by peer"));
    QVERIFY(store.state(3) == nullptr);
    QVERIFY(store.trace(3) == nullptr);
}

void tst_EventLogStore::eventRoundTripsEveryField() {
    EventScript s;
    engine::ChannelState st;
    st.role = engine::ChannelRole::Accepted;
    st.phase = engine::ChannelPhase::Connected;
    st.parent = 1;
    st.peer = "127.0.0.1:40000";
    st.bytesIn = 12;
    st.terminator = engine::Terminator::count(5);
    st.fifo.push_back({"bytes", 3});
    s.snapshot(2, st);
    engine::Event& loop = s.add(engine::EventKind::Loop, 0);
    auto trace = std::make_shared<engine::LoopTrace>();
    trace->pass = 7;
    trace->waitedUs = 120;
    trace->polled.push_back({2, true, false});
    loop.trace = trace;
    engine::Event& w = s.add(engine::EventKind::Warning, 2);
    w.sub = static_cast<std::uint8_t>(engine::WarningCode::Residue);
    w.size = 1;
    w.data = "\r";
    w.info = "a partial terminator was held back";
    s.closed(2, engine::CloseReason::Peer, "eof", std::make_shared<const engine::ChannelState>(st));
    s.add(engine::EventKind::Accepted, 4).parent = 1;

    std::vector<engine::Event> original = s.take();
    std::vector<engine::Event> batch = original;
    EventLogStore store;
    store.append(batch);
    QCOMPARE(store.size(), original.size());
    for (std::size_t i = 0; i < original.size(); ++i) QVERIFY2(store.event(i) == original[i], std::to_string(i).c_str());
    QVERIFY(store.state(0) != nullptr);
    QCOMPARE(store.state(0)->peer, std::string("127.0.0.1:40000"));
    QCOMPARE(store.sharedState(0).get(), store.state(0));
    QVERIFY(store.trace(1) != nullptr);
    QCOMPARE(store.trace(1)->pass, std::uint64_t{7});
    QCOMPARE(store.record(4).parent, engine::ChannelId{1});
}

void tst_EventLogStore::payloadsAcrossChunksAndLargeOnes() {
    EventLogStore store;
    EventScript s;
    // Enough 1000-byte payloads to fill several 1 MiB chunks, with big ones
    // (own chunk) and empty ones in between.
    std::vector<std::size_t> lengths;
    for (int i = 0; i < 5000; ++i) {
        std::size_t len = 1000;
        if (i % 1000 == 500) len = EventLogStore::kLargePayload + 1;  // a chunk of its own
        if (i % 1000 == 501) len = EventLogStore::kArenaChunkBytes * 2;  // larger than a chunk
        if (i % 7 == 0) len = 0;
        lengths.push_back(len);
        s.collect(1, patterned(s.lastSeq() + 1, len));
    }
    std::vector<engine::Event> batch = s.take();
    store.append(batch);
    QCOMPARE(store.size(), lengths.size());
    std::size_t total = 0;
    for (std::size_t row = 0; row < lengths.size(); ++row) {
        const std::string_view d = store.data(row);
        QCOMPARE(d.size(), lengths[row]);
        QVERIFY2(d == patterned(store.record(row).seq, lengths[row]), std::to_string(row).c_str());
        total += lengths[row];
    }
    QCOMPARE(store.payloadBytes(), total);
    // Small payloads share chunks: the arena is not much bigger than what it holds.
    QVERIFY(store.memoryBytes() < total + total / 4 + (4u << 20));
}

void tst_EventLogStore::viewsStayValidWhileAppending() {
    EventLogStore store;
    EventScript s;
    s.collect(1, patterned(1, 64));
    std::vector<engine::Event> batch = s.take();
    store.append(batch);
    const std::string_view first = store.data(0);
    const LogRecord* firstRecord = &store.record(0);
    for (int round = 0; round < 40; ++round) {
        for (int i = 0; i < 5000; ++i) s.collect(1, patterned(s.lastSeq() + 1, 64));
        batch = s.take();
        store.append(batch);
    }
    QCOMPARE(store.size(), std::size_t{200001});
    QCOMPARE(first.data(), store.data(0).data());  // never moved
    QCOMPARE(firstRecord, &store.record(0));
    QVERIFY(first == patterned(1, 64));
    QVERIFY(store.data(200000) == patterned(200001, 64));
}

void tst_EventLogStore::seqAndTimeLookup() {
    EventLogStore store;
    EventScript s;
    for (int i = 0; i < 1000; ++i) s.collect(1, "x");
    std::vector<engine::Event> batch = s.take();
    store.append(batch);
    QCOMPARE(store.rowForSeq(1), std::size_t{0});
    QCOMPARE(store.rowForSeq(500), std::size_t{499});
    QCOMPARE(store.rowForSeq(1000), std::size_t{999});
    QCOMPARE(store.rowForSeq(0), store.size());
    QCOMPARE(store.rowForSeq(1001), store.size());
    QCOMPARE(store.rowForTime(0), std::size_t{0});
    QCOMPARE(store.rowForTime(1500), std::size_t{1});  // t_us = 1000·seq: row 1 has 2000
    QCOMPARE(store.rowForTime(2000), std::size_t{1});
    QCOMPARE(store.rowForTime(10'000'000), store.size());
}

void tst_EventLogStore::memoryIsCompact() {
    EventLogStore store;
    QCOMPARE(store.memoryBytes(), std::size_t{0});
    EventScript s;
    constexpr std::size_t kRows = 100000;
    for (std::size_t i = 0; i < kRows; ++i) s.collect(1, patterned(i, 64));
    std::vector<engine::Event> batch = s.take();
    store.append(batch);
    const std::size_t used = kRows * (sizeof(LogRecord) + 64);
    QVERIFY2(store.memoryBytes() >= used, std::to_string(store.memoryBytes()).c_str());
    // At most a chunk of each kind of slack, plus the directories.
    QVERIFY2(store.memoryBytes() < used + (4u << 20), std::to_string(store.memoryBytes()).c_str());
}

void tst_EventLogStore::clearForgetsAndBumpsGeneration() {
    EventLogStore store;
    EventScript s;
    s.connected(1, "a", "b");
    s.collect(1, "abc");
    std::vector<engine::Event> batch = s.take();
    store.append(batch);
    const std::uint64_t g = store.generation();
    QVERIFY(static_cast<bool>(store.lockForReading(g)));
    store.clear();
    QCOMPARE(store.size(), std::size_t{0});
    QCOMPARE(store.memoryBytes(), std::size_t{0});
    QCOMPARE(store.payloadBytes(), std::size_t{0});
    QCOMPARE(store.generation(), g + 1);
    QVERIFY(!store.lockForReading(g));
    QVERIFY(static_cast<bool>(store.lockForReading(g + 1)));
    s.collect(2, "after");
    batch = s.take();
    store.append(batch);
    QCOMPARE(store.size(), std::size_t{1});
    QCOMPARE(store.data(0), std::string_view("after"));
    QCOMPARE(store.record(0).channel, engine::ChannelId{2});
}

void tst_EventLogStore::readerThreadWhileAppending() {
    // The model's worker reads published rows while the GUI thread appends
    // (and at the end clears): every row it sees must be whole.
    EventLogStore store;
    const std::uint64_t generation = store.generation();
    std::atomic<bool> done{false};
    std::atomic<std::size_t> checked{0};
    std::atomic<bool> bad{false};
    std::thread reader([&] {
        std::size_t next = 0;
        for (;;) {
            // `done` first: once it is seen, the size read after it is final.
            const bool finished = done.load(std::memory_order_acquire);
            const EventLogStore::ReadGuard guard = store.lockForReading(generation);
            if (!guard) break;
            const std::size_t n = store.publishedSize();
            for (; next < n; ++next) {
                const LogRecord& r = store.record(next);
                const std::string_view d = store.data(next);
                if (r.seq != next + 1 || d != patterned(r.seq, 16 + r.seq % 50)) bad = true;
                if (r.seq % 100 == 0 && store.info(next) != std::to_string(r.seq)) bad = true;
            }
            checked.store(next, std::memory_order_release);
            if (finished) break;
        }
    });
    EventScript s;
    for (int round = 0; round < 100; ++round) {
        for (int i = 0; i < 2000; ++i) {
            engine::Event& e = s.collect(1, patterned(s.lastSeq() + 1, 16 + (s.lastSeq() + 1) % 50));
            if (e.seq % 100 == 0) e.info = std::to_string(e.seq);
        }
        std::vector<engine::Event> batch = s.take();
        store.append(batch);
    }
    done.store(true, std::memory_order_release);
    reader.join();
    QVERIFY(!bad.load());
    QCOMPARE(checked.load(), std::size_t{200000});
    store.clear();  // no reader left: returns at once
    QCOMPARE(store.size(), std::size_t{0});
}

QTEST_GUILESS_MAIN(tst_EventLogStore)
#include "tst_EventLogStore.moc"
