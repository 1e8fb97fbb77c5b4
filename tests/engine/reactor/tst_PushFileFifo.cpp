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
#include <vector>

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

/// Stops the reactor when it goes and waits (bounded) for its end; while it
/// waits it opens and closes the FIFOs for writing between drains, so that a
/// loop thread blocked in opening one (the defect) returns and the reactor
/// ends instead of hanging the test.
struct Unblocker {
    ~Unblocker() {
        r.shutdown();
        ev.waitUntil([&] {
            for (const std::string& f : fifos) {
                const int w = ::open(f.c_str(), O_WRONLY | O_NONBLOCK);
                if (w >= 0) ::close(w);
            }
            return ev.find(EventKind::Stopped) != nullptr;
        });
    }
    Reactor& r;
    Events& ev;
    std::vector<std::string> fifos;
};
#endif

ChannelOptions rawOptions(bool echo) {
    ChannelOptions o;
    o.terminator = Terminator::none();
    o.echo = echo;
    return o;
}

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
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string fifo = dir.filePath("pipe").toStdString();
    QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);

    Reactor r;
    Events ev(r);
    const Unblocker unblock{r, ev, {fifo}};
    FifoWriter writer(fifo);
    const ChannelId server = r.openServer("127.0.0.1", 0, rawOptions(true));
    QVERIFY(ev.waitFor(EventKind::Listening, server));
    const auto port = static_cast<std::uint16_t>(ev.first(EventKind::Listening, server).size);
    const ChannelId a = r.openClient("127.0.0.1", port, rawOptions(false));
    const ChannelId b = r.openClient("127.0.0.1", port, rawOptions(false));
    QVERIFY(ev.waitUntil([&] { return ev.find(EventKind::Connected, a) && ev.find(EventKind::Connected, b); }));

    r.pushFile(a, fifo);
    // Nobody writes to the FIFO: another channel of the reactor still echoes.
    r.push(b, "ping");
    QVERIFY2(ev.waitUntil([&] { return ev.collected(b) == "ping"; }, 3s), "the loop is stuck on the FIFO");

    // The writer comes; its bytes (more than the read-ahead) arrive whole.
    std::string content;
    for (int i = 0; i < 200000; ++i) content.push_back(static_cast<char>('a' + i * 7 % 26));
    QVERIFY(ev.waitUntil([&] { return writer.open(); }, 5s));
    QVERIFY(writer.write(content.substr(0, 1000)));
    QVERIFY(ev.waitUntil([&] { return ev.collected(a).size() == 1000; }, 5s));
    QVERIFY(writer.write(content.substr(1000)));
    writer.close();
    QVERIFY(ev.waitUntil([&] { return ev.collected(a).size() >= content.size(); }, 10s));
    QCOMPARE(ev.collected(a), content);
    QVERIFY(ev.waitFor(EventKind::ProducerExhausted, a));
    QCOMPARE(ev.count(EventKind::Error, a), std::size_t(0));
    QCOMPARE(ev.first(EventKind::Push, a).size, std::int64_t(-1));  // a pipe has no size
#endif
}

void TestPushFileFifo::closedWhileTheFifoWaits() {
#if defined(_WIN32)
    QSKIP("no named pipes here");
#else
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string fifo = dir.filePath("pipe").toStdString();
    QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);

    Reactor r;
    Events ev(r);
    const Unblocker unblock{r, ev, {fifo}};
    const ChannelId server = r.openServer("127.0.0.1", 0, rawOptions(true));
    QVERIFY(ev.waitFor(EventKind::Listening, server));
    const auto port = static_cast<std::uint16_t>(ev.first(EventKind::Listening, server).size);
    const ChannelId a = r.openClient("127.0.0.1", port, rawOptions(false));
    const ChannelId b = r.openClient("127.0.0.1", port, rawOptions(false));
    QVERIFY(ev.waitUntil([&] { return ev.find(EventKind::Connected, a) && ev.find(EventKind::Connected, b); }));

    // One channel closed while its FIFO waits, one left waiting at the stop.
    r.pushFile(a, fifo);
    r.pushFile(b, fifo);
    r.close(a);
    QVERIFY2(ev.waitFor(EventKind::Closed, a, 3s), "the loop is stuck on the FIFO");
    r.shutdown();
    QVERIFY2(ev.waitStopped(3s), "the reactor did not stop while a FIFO waited");
    QTRY_VERIFY_WITH_TIMEOUT(r.finished(), 3000);
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

    Reactor r;
    Events ev(r);
    const ChannelId server = r.openServer("127.0.0.1", 0, rawOptions(true));
    QVERIFY(ev.waitFor(EventKind::Listening, server));
    const auto port = static_cast<std::uint16_t>(ev.first(EventKind::Listening, server).size);
    const ChannelId a = r.openClient("127.0.0.1", port, rawOptions(false));
    QVERIFY(ev.waitFor(EventKind::Connected, a));
    r.pushFile(a, path);
    QVERIFY(ev.waitFor(EventKind::Error, a));
    const auto& e = ev.first(EventKind::Error, a);
    QCOMPARE(e.error, ENXIO);
    QCOMPARE(e.info, "cannot read '" + path + "': " + std::strerror(ENXIO));
    r.push(a, "still here");
    QVERIFY(ev.waitUntil([&] { return ev.collected(a) == "still here"; }));
    ::close(s);
#endif
}

QTEST_GUILESS_MAIN(TestPushFileFifo)
#include "tst_PushFileFifo.moc"
