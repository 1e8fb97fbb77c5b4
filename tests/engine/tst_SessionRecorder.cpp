// tst_SessionRecorder.cpp — engine::SessionRecorder: a live session written
// off the caller's thread, in batches, and read back identical.
//
// Covered: record → reopen round trip of a real Reactor session, batch by
// batch as a consumer drains them, giving the identical event sequence;
// flush() puts everything appended so far on disk (read by another reader
// while recording goes on); the queue bound (a tiny one still writes every
// event, in order); a file that cannot be created; a disk that fills up
// (/dev/full); appends after close; writeFile(). The kill -9 case is
// tests/app/tst_CliReplay.cpp's (a real process killed).
#include "engine/SessionReader.h"
#include "engine/SessionRecorder.h"

#include "ReplayTestSupport.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <sstream>

namespace {

using engine::Event;
using engine::SessionReader;
using engine::SessionRecorder;
namespace eventjson = engine::eventjson;

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

/// Runs an echo conversation with a Reactor client and hands each drained
/// batch to `sink` as it comes, the way the GUI and the CLI do.
lwtest::Recorded liveSession(const std::function<void(const std::vector<Event>&)>& sink) {
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo);
    engine::ReactorOptions ro;
    ro.level = engine::EventLevel::Full;
    engine::Reactor r(ro);
    lwtest::Recorded rec;
    rec.header = eventjson::makeHeader("tst", "1", r.startedAt(), "poll", "full");
    const engine::ChannelId ch = r.openClient("127.0.0.1", server.port());
    for (int i = 0; i < 50; ++i) r.push(ch, "line " + std::to_string(i) + "\n");
    std::vector<Event> batch;
    std::size_t found = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool stopped = false;
    while (!stopped && std::chrono::steady_clock::now() < deadline) {
        if (!r.waitAndDrain(batch, std::chrono::milliseconds(100))) continue;
        sink(batch);
        for (Event& e : batch) {
            if (e.kind == engine::EventKind::FoundTerminator && ++found == 50) r.closeWhenDone(ch);  // every echo is back
            if (e.kind == engine::EventKind::Closed && e.channel == ch) r.shutdown();
            if (e.kind == engine::EventKind::Stopped) stopped = true;
            rec.events.push_back(std::move(e));
        }
    }
    return rec;
}

}  // namespace

class TestSessionRecorder : public QObject {
    Q_OBJECT

private slots:
    void recordThenReopenIsIdentical();
    void flushPutsItOnDisk();
    void tinyQueueBound();
    void cannotCreate();
    void diskFull();
    void afterClose();
    void writeFile();
};

void TestSessionRecorder::recordThenReopenIsIdentical() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("s.jsonl").toStdString();
    SessionRecorder rec;
    lwtest::Recorded live;
    std::string error;
    bool opened = false;
    live = liveSession([&](const std::vector<Event>& batch) {
        if (!opened) {
            // The header needs the session's start; open on the first batch.
            opened = true;
            QVERIFY(rec.open(path, eventjson::makeHeader("tst", "1", std::chrono::system_clock::now()), &error));
        }
        rec.append(batch);
    });
    QVERIFY(rec.close());
    QVERIFY(!rec.failed());
    QCOMPARE(rec.eventsWritten(), live.events.size());
    QCOMPARE(rec.bytesWritten(), static_cast<std::uint64_t>(slurp(path).size()));

    const auto s = SessionReader::load(path, &error);
    QVERIFY2(s, error.c_str());
    QVERIFY(s->complete());
    QCOMPARE(s->events.size(), live.events.size());
    for (std::size_t i = 0; i < live.events.size(); ++i) {
        QCOMPARE(eventjson::encodeEvent(s->events[i]), eventjson::encodeEvent(live.events[i]));
        if (live.events[i].kind != engine::EventKind::Closed) QVERIFY(s->events[i] == live.events[i]);
    }
    QCOMPARE(s->summary.messagesIn, 50u);
}

void TestSessionRecorder::flushPutsItOnDisk() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("s.jsonl").toStdString();
    SessionRecorder rec;
    QVERIFY(rec.open(path, eventjson::makeHeader("tst", "1", std::chrono::system_clock::now())));
    QVERIFY(rec.isOpen());
    QCOMPARE(rec.path(), path);
    std::vector<Event> batch(3);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i].seq = i + 1;
        batch[i].kind = engine::EventKind::Paused;
    }
    rec.append(batch);
    QVERIFY(rec.flush());
    // Another reader sees the three events while the recorder is still open.
    const auto s = SessionReader::load(path, nullptr);
    QVERIFY(s);
    QCOMPARE(s->events.size(), 3u);
    QVERIFY(!s->complete());
    QVERIFY(rec.close());
}

void TestSessionRecorder::tinyQueueBound() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("s.jsonl").toStdString();
    SessionRecorder::Options o;
    o.maxQueuedBytes = 1;  // every append waits for the writer
    SessionRecorder rec(o);
    QVERIFY(rec.open(path, eventjson::makeHeader("tst", "1", std::chrono::system_clock::now())));
    std::uint64_t seq = 0;
    for (int b = 0; b < 200; ++b) {
        std::vector<Event> batch(5);
        for (Event& e : batch) {
            e.seq = ++seq;
            e.kind = engine::EventKind::Sent;
            e.data = std::string(100, static_cast<char>('a' + b % 26));
            e.size = 100;
        }
        rec.append(std::move(batch));
    }
    QVERIFY(rec.close());
    const auto s = SessionReader::load(path, nullptr);
    QVERIFY(s);
    QCOMPARE(s->events.size(), 1000u);
    for (std::size_t i = 0; i < s->events.size(); ++i) QCOMPARE(s->events[i].seq, i + 1);
}

void TestSessionRecorder::cannotCreate() {
    SessionRecorder rec;
    std::string error;
    QVERIFY(!rec.open("/no/such/dir/s.jsonl", eventjson::makeHeader("tst", "1", std::chrono::system_clock::now()), &error));
    QCOMPARE(error, std::string("cannot write '/no/such/dir/s.jsonl': No such file or directory"));
    QVERIFY(!rec.isOpen());
    rec.append(std::vector<Event>(1));  // ignored
    QVERIFY(rec.close());
}

void TestSessionRecorder::diskFull() {
    SessionRecorder rec;
    std::string error;
    QVERIFY(!rec.open("/dev/full", eventjson::makeHeader("tst", "1", std::chrono::system_clock::now()), &error));
    QCOMPARE(error, std::string("cannot write '/dev/full': No space left on device"));
}

void TestSessionRecorder::afterClose() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("s.jsonl").toStdString();
    SessionRecorder rec;
    QVERIFY(rec.open(path, eventjson::makeHeader("tst", "1", std::chrono::system_clock::now())));
    QVERIFY(rec.close());
    rec.append(std::vector<Event>(1));
    QVERIFY(rec.close());
    QCOMPARE(rec.eventsWritten(), 0u);
    // Closed, it can record another file.
    const std::string second = dir.filePath("t.jsonl").toStdString();
    std::string error;
    QVERIFY2(rec.open(second, eventjson::makeHeader("tst", "1", std::chrono::system_clock::now()), &error), error.c_str());
    QVERIFY(!rec.open(second, eventjson::makeHeader("tst", "1", std::chrono::system_clock::now()), &error));
    QCOMPARE(error, "the recorder is already writing '" + second + "'");
    std::vector<Event> one(1);
    one[0].seq = 1;
    one[0].kind = engine::EventKind::Stopped;
    rec.append(one);
    QVERIFY(rec.close());
    const auto s = SessionReader::load(second, &error);
    QVERIFY2(s, error.c_str());
    QVERIFY(s->complete());
}

void TestSessionRecorder::writeFile() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("w.jsonl").toStdString();
    const lwtest::Recorded live = liveSession([](const std::vector<Event>&) {});
    std::string error;
    QVERIFY2(SessionRecorder::writeFile(path, live.header, live.events, &error), error.c_str());
    const auto s = SessionReader::load(path, &error);
    QVERIFY2(s, error.c_str());
    QCOMPARE(s->header, live.header);
    QCOMPARE(s->events.size(), live.events.size());
    QVERIFY(!SessionRecorder::writeFile("/dev/full", live.header, live.events, &error));
    QCOMPARE(error, std::string("cannot write '/dev/full': No space left on device"));
}

QTEST_GUILESS_MAIN(TestSessionRecorder)
#include "tst_SessionRecorder.moc"
