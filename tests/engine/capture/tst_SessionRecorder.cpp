// tst_SessionRecorder.cpp — engine::SessionRecorder: a live session written
// off the caller's thread, in batches, compact (base64 without the `text`
// rendering), and read back identical.
//
// Covered: record → reopen round trip of a real Reactor session, batch by
// batch as a consumer drains them, giving the identical event sequence;
// flush() puts everything appended so far on disk (read by another reader
// while recording goes on); the queue bound (a tiny one still writes every
// event, in order); a file that cannot be created; a disk that fills up
// (/dev/full); appends after close; writeFile(); the event-time bound
// (maxLagUs: once append() returns, every event more than maxLag older than
// its batch is on disk, so a busy recording never trails by more; written
// in chunks, a long batch reaches the file piece by piece). The kill -9 case is
// tests/app/tst_CliReplay.cpp's (a real process killed).
#include "engine/capture/SessionReader.h"
#include "engine/capture/SessionRecorder.h"

#include "ReplayTestSupport.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

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

/// `n` `sent` events of `bytes` bytes (`fill`) each, numbered on from `seq`.
std::vector<Event> sentBatch(std::size_t n, std::size_t bytes, std::uint64_t& seq, char fill = 'x') {
    std::vector<Event> batch(n);
    for (Event& e : batch) {
        e.seq = ++seq;
        e.kind = engine::EventKind::Sent;
        e.data = std::string(bytes, fill);
        e.size = static_cast<std::int64_t>(bytes);
    }
    return batch;
}

#if !defined(_WIN32)
/// A named pipe in a temporary folder with its reading end open (without
/// waiting for a writer; rfd -1 if that failed). It owns the folder and the
/// descriptor, closed when it goes.
struct NamedPipe {
    QTemporaryDir dir;
    std::string path = dir.filePath("pipe").toStdString();
    int rfd = ::mkfifo(path.c_str(), 0600) == 0 ? ::open(path.c_str(), O_RDONLY | O_NONBLOCK) : -1;

    NamedPipe() = default;
    ~NamedPipe() {
        if (rfd >= 0) ::close(rfd);
    }
    NamedPipe(const NamedPipe&) = delete;
    NamedPipe& operator=(const NamedPipe&) = delete;
};

/// Reads `rfd` (switched to blocking) into `received` until end of file.
void readToEof(int rfd, std::string& received) {
    ::fcntl(rfd, F_SETFL, ::fcntl(rfd, F_GETFL) & ~O_NONBLOCK);
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(rfd, buf, sizeof buf);
        if (n <= 0) break;
        received.append(buf, static_cast<std::size_t>(n));
    }
}
#endif

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
    void lagIsBoundedInEventTime();
    void longBatchIsWrittenInChunks();
    void neverWaitLeavesTheBoundToTheCaller();
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
    const std::string text = slurp(path);
    QCOMPARE(rec.bytesWritten(), static_cast<std::uint64_t>(text.size()));
    // Version 2 by default: lines leave out what the lines before say
    // (no seq, dt for t_us), printable bytes as their rendering.
    QVERIFY(text.starts_with(R"({"format":"linewright-session","version":2,)"));
    QVERIFY(text.find("\"seq\":") == std::string::npos);
    QVERIFY(text.find("\"t_us\":") == std::string::npos);
    QVERIFY(text.find("\"dt\":") != std::string::npos);
    QVERIFY(text.find("\"text\":") != std::string::npos);

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
    for (int b = 0; b < 200; ++b) rec.append(sentBatch(5, 100, seq, static_cast<char>('a' + b % 26)));
    QVERIFY(rec.close());
    const auto s = SessionReader::load(path, nullptr);
    QVERIFY(s);
    QCOMPARE(s->events.size(), 1000u);
    for (std::size_t i = 0; i < s->events.size(); ++i) QCOMPARE(s->events[i].seq, i + 1);
}

void TestSessionRecorder::lagIsBoundedInEventTime() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("s.jsonl").toStdString();
    SessionRecorder::Options o;
    o.maxLagUs = 100'000;  // the default
    SessionRecorder rec(o);
    QVERIFY(rec.open(path, eventjson::makeHeader("tst", "1", std::chrono::system_clock::now())));
    // Batches made beforehand, so that appending is much faster than
    // encoding: batch k spans 50 ms of event time from k seconds on.
    constexpr int kBatches = 8;
    constexpr int kPerBatch = 2000;
    std::vector<std::vector<Event>> batches;
    std::uint64_t seq = 0;
    for (int b = 0; b < kBatches; ++b) {
        std::vector<Event> batch(kPerBatch);
        for (int i = 0; i < kPerBatch; ++i) {
            Event& e = batch[static_cast<std::size_t>(i)];
            e.seq = ++seq;
            e.tUs = b * 1'000'000 + i * 25;
            e.channel = 2;
            e.kind = engine::EventKind::Sent;
            e.data = std::string(500, static_cast<char>('a' + b));
            e.size = 500;
        }
        batches.push_back(std::move(batch));
    }
    std::uint64_t appended = 0;
    for (std::vector<Event>& batch : batches) {
        const std::uint64_t before = appended;
        appended += batch.size();
        rec.append(std::move(batch));
        // Everything appended before this batch is more than 100 ms older
        // than it: on disk by the time append() returns.
        QVERIFY2(rec.eventsWritten() >= before,
                 qPrintable(QString("%1 of %2 written").arg(rec.eventsWritten()).arg(before)));
        const std::string text = slurp(path);
        const auto lines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
        QVERIFY(lines >= before + 1);  // the header, and those events, are in the file
    }
    QVERIFY(rec.close());
    const auto s = SessionReader::load(path, nullptr);
    QVERIFY(s);
    QCOMPARE(s->events.size(), std::size_t{kBatches * kPerBatch});
}

void TestSessionRecorder::longBatchIsWrittenInChunks() {
#if defined(_WIN32)
    QSKIP("needs a named pipe (POSIX mkfifo)");
#else
    // One batch far larger than a chunk, written into a pipe read a piece at
    // a time: the first bytes arrive while the writer is still encoding the
    // batch, and eventsWritten() grows chunk by chunk, not only at its end.
    NamedPipe pipe;
    QVERIFY(pipe.rfd >= 0);
    SessionRecorder::Options o;
    o.writeChunkBytes = 16u << 10;
    SessionRecorder rec(o);
    QVERIFY(rec.open(pipe.path, eventjson::makeHeader("tst", "1", std::chrono::system_clock::now())));
    std::uint64_t seq = 0;
    rec.append(sentBatch(400, 1000, seq));  // about 560 KB of JSON; a pipe holds 64 KiB
    // The writer is blocked on the full pipe in the middle of the batch; what
    // it reports written is a whole number of chunks, more than none.
    std::uint64_t written = 0;
    for (const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         written == 0 && std::chrono::steady_clock::now() < deadline;)
        written = rec.eventsWritten();
    const bool midway = written > 0 && written < 400;
    std::string received;
    std::thread reader([&] { readToEof(pipe.rfd, received); });
    const bool closed = rec.close();
    reader.join();
    QVERIFY2(midway, qPrintable(QString::number(written)));
    QVERIFY(closed);
    QCOMPARE(rec.eventsWritten(), 400u);
    QCOMPARE(static_cast<std::size_t>(std::count(received.begin(), received.end(), '\n')), std::size_t{401});
#endif
}

void TestSessionRecorder::neverWaitLeavesTheBoundToTheCaller() {
#if defined(_WIN32)
    QSKIP("needs a named pipe (POSIX mkfifo)");
#else
    // The file is a pipe nobody reads yet: the writer thread blocks on it,
    // as it would on a disk that cannot keep up.
    NamedPipe pipe;
    QVERIFY(pipe.rfd >= 0);
    SessionRecorder::Options o;
    o.maxQueuedBytes = 64u << 10;
    o.neverWait = true;
    SessionRecorder rec(o);
    // The reader, started once the test has seen the backlog (or, if a check
    // fails first, on the way out, so that the writer is never left stuck).
    std::string received;
    std::thread reader;
    bool reading = false;
    const auto startReading = [&] {
        reading = true;
        reader = std::thread([&] { readToEof(pipe.rfd, received); });
    };
    struct Unstick {
        std::function<void()> f;
        ~Unstick() { f(); }
    } unstick{[&] {
        if (!reading) startReading();
        rec.close();
        if (reader.joinable()) reader.join();
    }};

    QVERIFY(rec.open(pipe.path, eventjson::makeHeader("tst", "1", std::chrono::system_clock::now())));
    std::uint64_t seq = 0;
    const auto batchOf = [&seq](std::size_t n) { return sentBatch(n, 10000, seq); };
    rec.append(batchOf(100));  // about 1.3 MB of JSON: far more than a pipe holds
    // Once the writer has begun on it, it is stuck in that batch until
    // someone reads: wait (bounded) for its first bytes in the pipe.
    int inPipe = 0;
    for (const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         std::chrono::steady_clock::now() < deadline;) {
        if (::ioctl(pipe.rfd, FIONREAD, &inPipe) == 0 && inPipe > 200) break;  // past the header line
        std::this_thread::yield();
    }
    QVERIFY2(inPipe > 200, qPrintable(QString::number(inPipe)));
    QVERIFY(!rec.backlogged());  // that batch is with the writer, not queued
    // append() returns at once (waiting, it would never return: nobody
    // reads), and the queue past its bound shows.
    for (int b = 0; b < 10; ++b) rec.append(batchOf(10));
    QVERIFY(rec.backlogged());
    // A reader comes: everything reaches it, in order, and the backlog clears.
    startReading();
    QVERIFY(rec.flush());
    QVERIFY(!rec.backlogged());
    QVERIFY(rec.close());
    reader.join();
    const std::string copy = pipe.dir.filePath("copy.jsonl").toStdString();
    std::ofstream(copy, std::ios::binary) << received;
    const auto s = SessionReader::load(copy, nullptr);
    QVERIFY(s);
    QCOMPARE(s->events.size(), 200u);
    for (std::size_t i = 0; i < s->events.size(); ++i) QCOMPARE(s->events[i].seq, i + 1);
#endif
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
    // Version 1 lines, so the header says 1 even when the events were read
    // from a version 2 file.
    engine::SessionHeader v2 = live.header;
    v2.version = engine::SessionHeader::kCompactVersion;
    const std::string again = dir.filePath("w2.jsonl").toStdString();
    QVERIFY2(SessionRecorder::writeFile(again, v2, live.events, &error), error.c_str());
    QVERIFY(slurp(again).starts_with(R"({"format":"linewright-session","version":1,)"));
    QVERIFY(slurp(again).find("\"seq\":1,\"t_us\":") != std::string::npos);
    QVERIFY(!SessionRecorder::writeFile("/dev/full", live.header, live.events, &error));
    QCOMPARE(error, std::string("cannot write '/dev/full': No space left on device"));
}

QTEST_GUILESS_MAIN(TestSessionRecorder)
#include "tst_SessionRecorder.moc"
