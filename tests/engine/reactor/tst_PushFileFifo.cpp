// tst_PushFileFifo.cpp — a pushed file is opened and read off the loop
// thread: pushing a named pipe (FIFO) nobody writes to yet must not freeze
// the reactor's other channels, its bytes arrive complete once a writer
// comes, and a channel closed (or a reactor stopped) while its FIFO waits
// ends at once. Every wait is bounded; the writer side is opened and closed
// before the reactor goes, so a loop thread blocked on the FIFO (the defect)
// is released and the test fails instead of hanging.
#include "engine/reactor/Reactor.h"

#include <QTemporaryDir>
#include <QTest>

#include "ReactorTestSupport.h"

#include <chrono>
#include <cerrno>
#include <cstring>
#include <string>

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

using engine::ChannelId;
using engine::ChannelOptions;
using engine::EventKind;
using engine::Reactor;
using engine::Terminator;
using lwtest::Events;
using namespace std::chrono_literals;

namespace {

#if !defined(_WIN32)
/// Opens the FIFO for writing (never blocking: it fails while no reader has it
/// open), writes to it and closes it.
struct FifoWriter {
    explicit FifoWriter(std::string p) : path(std::move(p)) {}
    ~FifoWriter() { close(); }
    bool open() {
        if (fd < 0) fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        return fd >= 0;
    }
    bool write(const std::string& s) {
        std::size_t done = 0;
        while (done < s.size()) {
            const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }
    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    std::string path;
    int fd = -1;
};

#endif

ChannelOptions rawOptions(bool echo) {
    ChannelOptions o;
    o.terminator = Terminator::none();
    o.echo = echo;
    return o;
}

#if !defined(_WIN32)
/// What each test starts with: a named pipe (FIFO) in a temporary directory,
/// a reactor with an echo server, and two clients of it (`a`, `b`) connected.
/// When it goes it stops the reactor and waits (bounded) for its end; while
/// it waits it opens and closes the FIFO for writing between drains, so that
/// a loop thread blocked in opening it (the defect) returns and the reactor
/// ends instead of hanging the test.
struct Echoed {
    Echoed() : ev(r) {
        if (!dir.isValid() || ::mkfifo(fifo.c_str(), 0600) != 0) return;
        const ChannelId server = r.openServer("127.0.0.1", 0, rawOptions(true));
        if (!ev.waitFor(EventKind::Listening, server)) return;
        const auto port = static_cast<std::uint16_t>(ev.first(EventKind::Listening, server).size);
        a = r.openClient("127.0.0.1", port, rawOptions(false));
        b = r.openClient("127.0.0.1", port, rawOptions(false));
        ready = ev.waitUntil([&] { return ev.find(EventKind::Connected, a) && ev.find(EventKind::Connected, b); });
    }
    ~Echoed() {
        r.shutdown();
        ev.waitUntil([&] {
            const int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
            if (w >= 0) ::close(w);
            return ev.find(EventKind::Stopped) != nullptr;
        });
    }
    QTemporaryDir dir;
    const std::string fifo = dir.filePath("pipe").toStdString();
    Reactor r;
    Events ev;
    ChannelId a = 0;
    ChannelId b = 0;
    bool ready = false;  // the FIFO made and both clients connected
};
#endif

}  // namespace

class TestPushFileFifo : public QObject {
    Q_OBJECT

private slots:
    void fifoDoesNotFreezeTheLoop();
    void closedWhileTheFifoWaits();
    void openErrorIsAnErrorEvent();
};

void TestPushFileFifo::fifoDoesNotFreezeTheLoop() {
#if defined(_WIN32)
    QSKIP("no named pipes here");
#else
    Echoed f;
    QVERIFY(f.ready);
    FifoWriter writer(f.fifo);
    f.r.pushFile(f.a, f.fifo);
    // Nobody writes to the FIFO: another channel of the reactor still echoes.
    f.r.push(f.b, "ping");
    QVERIFY2(f.ev.waitUntil([&] { return f.ev.collected(f.b) == "ping"; }, 3s), "the loop is stuck on the FIFO");

    // The writer comes; its bytes (more than the read-ahead) arrive whole.
    std::string content;
    for (int i = 0; i < 200000; ++i) content.push_back(static_cast<char>('a' + i * 7 % 26));
    QVERIFY(f.ev.waitUntil([&] { return writer.open(); }, 5s));
    QVERIFY(writer.write(content.substr(0, 1000)));
    QVERIFY(f.ev.waitUntil([&] { return f.ev.collected(f.a).size() == 1000; }, 5s));
    QVERIFY(writer.write(content.substr(1000)));
    writer.close();
    QVERIFY(f.ev.waitUntil([&] { return f.ev.collected(f.a).size() >= content.size(); }, 10s));
    QCOMPARE(f.ev.collected(f.a), content);
    QVERIFY(f.ev.waitFor(EventKind::ProducerExhausted, f.a));
    QCOMPARE(f.ev.count(EventKind::Error, f.a), std::size_t(0));
    QCOMPARE(f.ev.first(EventKind::Push, f.a).size, std::int64_t(-1));  // a pipe has no size
#endif
}

void TestPushFileFifo::closedWhileTheFifoWaits() {
#if defined(_WIN32)
    QSKIP("no named pipes here");
#else
    Echoed f;
    QVERIFY(f.ready);

    // One channel closed while its FIFO waits, one left waiting at the stop.
    f.r.pushFile(f.a, f.fifo);
    f.r.pushFile(f.b, f.fifo);
    f.r.close(f.a);
    QVERIFY2(f.ev.waitFor(EventKind::Closed, f.a, 3s), "the loop is stuck on the FIFO");
    f.r.shutdown();
    QVERIFY2(f.ev.waitStopped(3s), "the reactor did not stop while a FIFO waited");
    QTRY_VERIFY_WITH_TIMEOUT(f.r.finished(), 3000);
#endif
}

// A path that exists but cannot be opened (a Unix socket: open() fails with
// ENXIO, even for root) is found on the reader thread, after the push; it is
// still reported as an Error event in the words of a missing file's, and the
// channel goes on.
void TestPushFileFifo::openErrorIsAnErrorEvent() {
#if defined(_WIN32)
    QSKIP("no Unix sockets here");
#else
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("sock").toStdString();
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    QVERIFY(path.size() < sizeof sun.sun_path);
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    QVERIFY(s >= 0);
    QCOMPARE(::bind(s, reinterpret_cast<const sockaddr*>(&sun), sizeof sun), 0);

    Echoed f;
    QVERIFY(f.ready);
    f.r.pushFile(f.a, path);
    QVERIFY(f.ev.waitFor(EventKind::Error, f.a));
    const auto& e = f.ev.first(EventKind::Error, f.a);
    QCOMPARE(e.error, ENXIO);
    QCOMPARE(e.info, "cannot read '" + path + "': " + std::strerror(ENXIO));
    f.r.push(f.a, "still here");
    QVERIFY(f.ev.waitUntil([&] { return f.ev.collected(f.a) == "still here"; }));
    ::close(s);
#endif
}

QTEST_GUILESS_MAIN(TestPushFileFifo)
#include "tst_PushFileFifo.moc"
