// tst_Reactor.cpp — engine::Reactor: the loop on its own thread, driven by
// commands from other threads, reporting events in batches.
//
// Covered: the order of commands and events (sequence numbers without gaps,
// each channel's life from listening/connecting to closed); echo at every
// event level and on every backend; what asynchat would lose at close
// (R15's held-back terminator prefix, an unterminated message, unsent
// output); the message limit; a listener's input budget (its largest
// holders of unframed input stop reading, then resume); backpressure (high water, and an undrained
// event queue); files and repeated producers; pause / step / resume and the
// loop trace; names and IPv6; commands naming channels that are gone;
// shutdown with channels open; commands racing with peer closes and with
// each other (these run under ThreadSanitizer in CI: label `threaded`).
// Peers are raw loopback sockets driven from the test thread; every wait is
// on a condition with a deadline, never a sleep.
#include "engine/reactor/Channel.h"
#include "engine/asyncore/Escape.h"
#include "engine/reactor/Reactor.h"
#include "engine/net/SocketOps.h"

#include <QTest>

#include "ReactorTestSupport.h"
#include "SocketTestSupport.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sys/socket.h>
#endif

Q_DECLARE_METATYPE(engine::EventLevel)

namespace {

using namespace std::chrono_literals;
using engine::Address;
using engine::Backend;
using engine::ChannelId;
using engine::ChannelOptions;
using engine::Event;
using engine::EventKind;
using engine::EventLevel;
using engine::Reactor;
using engine::ReactorOptions;
using engine::Socket;
using engine::Terminator;
namespace sockops = engine::sockops;

constexpr ChannelId kAny = lwtest::kAnyChannel;

using lwtest::backends;
using lwtest::Events;
using lwtest::ipv6Available;
using lwtest::waitFd;

std::uint16_t listeningPort(Events& ev, ChannelId server) {
    if (!ev.waitFor(EventKind::Listening, server)) return 0;
    return static_cast<std::uint16_t>(ev.first(EventKind::Listening, server).size);
}

const engine::ChannelState& stateOf(const Event& e) {
    static const engine::ChannelState none;
    if (e.state) return *e.state;
    QTest::qFail("event without a channel state", __FILE__, __LINE__);
    return none;
}

const engine::LoopTrace& traceOf(const Event& e) {
    static const engine::LoopTrace none;
    if (e.trace) return *e.trace;
    QTest::qFail("event without a loop trace", __FILE__, __LINE__);
    return none;
}

ChannelId acceptedId(Events& ev, std::size_t nth = 0) {
    ev.waitUntil([&] { return ev.count(EventKind::Accepted) > nth; });
    const auto v = ev.of(EventKind::Accepted);
    return v.size() > nth ? v[nth]->channel : 0;
}

// --- Raw peers ----------------------------------------------------------------------

/// A loopback client socket, driven by the test thread.
class Peer {
public:
    Peer(std::uint16_t port, int family = engine::kAfInet)
        : m_sock(lwtest::rawConnect(Address::loopback(family, port))) {}
    explicit Peer(Socket s) : m_sock(std::move(s)) {}

    /// Sends everything (waiting for room); on failure the test fails.
    void send(std::string_view data) {
        while (!data.empty()) {
            std::error_code ec;
            const std::size_t n = sockops::send(m_sock.get(), data.data(), data.size(), ec);
            if (ec && !sockops::isWouldBlock(ec)) {
                QTest::qFail(("peer send: " + ec.message()).c_str(), __FILE__, __LINE__);
                return;
            }
            if (ec) {
                if (!waitFd(m_sock.get(), POLLOUT, 10000)) {
                    QTest::qFail("peer send: no room for 10 s", __FILE__, __LINE__);
                    return;
                }
                continue;
            }
            data.remove_prefix(n);
        }
    }
    /// Sends what fits without waiting; returns the bytes sent.
    std::size_t sendSome(std::string_view data) {
        std::error_code ec;
        const std::size_t n = sockops::send(m_sock.get(), data.data(), data.size(), ec);
        return ec ? 0 : n;
    }
    /// Reads until `n` bytes arrived in all (or EOF, or the deadline).
    std::string receive(std::size_t n, int ms = 10000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (m_in.size() < n && !m_eof && std::chrono::steady_clock::now() < deadline) {
            if (!waitFd(m_sock.get(), POLLIN, 200)) continue;
            readAvailable();
        }
        return m_in;
    }
    /// Reads until the peer closes (or the deadline). True on EOF.
    bool receiveToEof(int ms = 10000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (!m_eof && std::chrono::steady_clock::now() < deadline) {
            if (!waitFd(m_sock.get(), POLLIN, 200)) continue;
            readAvailable();
        }
        return m_eof;
    }
    void closeNow() { m_sock.reset(); }
    /// An abortive close: the other side sees a reset (RST).
    void reset() { lwtest::abortSocket(m_sock); }
    void shutdownWrite() {
        std::error_code ec;
        sockops::shutdownWrite(m_sock.get(), ec);
    }
    const std::string& received() const { return m_in; }
    bool eof() const { return m_eof; }
    engine::NativeSocket handle() const { return m_sock.get(); }

    /// Writes `unit` over and over, without reading, until the other side
    /// stops taking bytes (no room for 500 ms) or `cap` bytes went out.
    /// Returns the bytes written; `rest` is what remains of the unit cut
    /// short, so the stream can be completed.
    std::size_t floodUntilStuck(std::string_view unit, std::size_t cap, std::string_view& rest) {
        std::size_t sent = 0;
        rest = unit;
        while (sent < cap) {
            const std::size_t n = sendSome(rest);
            if (n > 0) {
                sent += n;
                rest.remove_prefix(n);
                if (rest.empty()) rest = unit;
                continue;
            }
            if (!waitFd(m_sock.get(), POLLOUT, 500)) break;
        }
        if (rest.size() == unit.size()) rest = {};
        return sent;
    }

private:
    void readAvailable() {
        char buf[65536];
        for (;;) {
            std::error_code ec;
            const std::size_t n = sockops::recv(m_sock.get(), buf, sizeof buf, ec);
            if (ec) return;  // would block, or reset
            if (n == 0) {
                m_eof = true;
                return;
            }
            m_in.append(buf, n);
        }
    }
    Socket m_sock;
    std::string m_in;
    bool m_eof = false;
};

ReactorOptions options(Backend b = engine::defaultBackend(), EventLevel level = EventLevel::Full) {
    ReactorOptions o;
    o.backend = b;
    o.level = level;
    return o;
}

ChannelOptions lineOptions(std::string_view terminator = "\n", bool echo = false) {
    ChannelOptions o;
    o.terminator = Terminator::bytes(terminator);
    o.echo = echo;
    return o;
}

/// What most tests start with: a reactor (`ro`), its events, a server
/// (127.0.0.1, any port, `o`), one raw peer connected to it and the
/// server's channel for that peer (ch).
struct Served {
    explicit Served(const ChannelOptions& o = lineOptions(), const ReactorOptions& ro = options())
        : r(ro), ev(r), server(r.openServer("127.0.0.1", 0, o)), p(listeningPort(ev, server)), ch(acceptedId(ev)) {}
    Reactor r;
    Events ev;
    ChannelId server;
    Peer p;
    ChannelId ch;
};

std::string tempPath(const char* name) {
    return (std::filesystem::temp_directory_path() /
            (std::string("lw-reactor-") + std::to_string(QCoreApplication::applicationPid()) + "-" + name))
        .string();
}

}  // namespace

class TestReactor : public QObject {
    Q_OBJECT

private slots:
    void startAndShutdown();
    void echo_data();
    void echo();
    void clientToOwnServer();
    void pushBeforeConnectIsSentAfter();
    void commandsOnGoneChannels();
    void closeWhenDoneFlushesFirst();
    void residueAndUnterminatedAtEof();
    void peerReset();
    void countTerminatorFramesRecords();
    void noneTerminatorEchoesChunks();
    void maxMessagePassesBytesOn();
    void highWaterStopsAnEchoFromReading();
    void undrainedEventsPauseReading();
    void pushFileAndRepeat();
    void pushFileMissing();
    void pacedRepeatStopsOnDiscard();
    void pauseStepResumeWithTrace();
    void traceShowsTheHeldBackPartialTerminator();
    void backendChosenWhileRunning();
    void selectRefusedPastFdSetSize();
    void snapshotShowsState();
    void halfCloseAfterQueueDrains();
    void namesAndIpv6();
    void unresolvableName();
    void connectRefusedTriesEveryAddress();
    void shutdownWithChannelsOpen();
    void commandsRaceWithPeerClose();
    void concurrentPostersKeepTheirOrder();
    void notifierRunsOnEmptyToNonEmpty();
    void messageLimitReported();
    void inputBudgetPausesLargestHolders();
};

void TestReactor::startAndShutdown() {
    Reactor r;
    Events ev(r);
    r.shutdown();
    QVERIFY(ev.waitStopped());
    QCOMPARE(ev.all.back().kind, EventKind::Stopped);
    for (std::size_t i = 0; i < ev.all.size(); ++i) QCOMPARE(ev.all[i].seq, i + 1);
    QTRY_VERIFY_WITH_TIMEOUT(r.finished(), 10000);
    // A command after the end is dropped quietly.
    r.push(1, "late");
}

void TestReactor::echo_data() {
    QTest::addColumn<Backend>("backend");
    QTest::addColumn<EventLevel>("level");
    for (auto [name, b] : backends()) {
        QTest::addRow("%s/full", name) << b << EventLevel::Full;
        QTest::addRow("%s/messages", name) << b << EventLevel::Messages;
        QTest::addRow("%s/lifecycle", name) << b << EventLevel::Lifecycle;
    }
}

void TestReactor::echo() {
    QFETCH(Backend, backend);
    QFETCH(EventLevel, level);
    Reactor r(options(backend, level));
    Events ev(r);
    const ChannelId server = r.openServer("127.0.0.1", 0, lineOptions("\r\n", true));
    const std::uint16_t port = listeningPort(ev, server);
    QVERIFY(port != 0);
    QCOMPARE(ev.first(EventKind::Listening).info, "127.0.0.1:" + std::to_string(port));

    Peer p(port);
    const std::string lines = "hello\r\n\r\nworld, split\r";
    p.send(lines);
    p.send("\n");
    const std::string expected = "hello\r\n\r\nworld, split\r\n";
    QCOMPARE(p.receive(expected.size()), expected);

    const ChannelId ch = acceptedId(ev);
    QCOMPARE(ev.first(EventKind::Accepted).parent, server);
    QVERIFY(ch != server);
    p.closeNow();
    QVERIFY(ev.waitFor(EventKind::Closed, ch));
    const Event& closed = ev.first(EventKind::Closed, ch);
    QCOMPARE(closed.closeReason(), engine::CloseReason::Peer);
    QCOMPARE(closed.info, std::string("eof"));
    QVERIFY(closed.state);
    QCOMPARE(closed.state->messagesIn, 3u);
    QCOMPARE(closed.state->messagesOut, 3u);
    QCOMPARE(closed.state->bytesIn, expected.size());
    QCOMPARE(closed.state->bytesOut, expected.size());

    if (level >= EventLevel::Messages) {
        QCOMPARE(ev.collected(ch), std::string("helloworld, split"));
        const auto found = ev.of(EventKind::FoundTerminator, ch);
        QCOMPARE(found.size(), std::size_t(3));
        QCOMPARE(found[0]->size, 5);
        QCOMPARE(found[1]->size, 0);  // an empty line: found_terminator without collect (R9)
        QCOMPARE(found[2]->size, 12);
        QCOMPARE(found[2]->terminator(), Terminator::bytes("\r\n"));
    } else {
        QCOMPARE(ev.count(EventKind::Collect), std::size_t(0));
        QCOMPARE(ev.count(EventKind::FoundTerminator), std::size_t(0));
    }
    if (level == EventLevel::Full) {
        // One push per found_terminator, as CPython's echo server does.
        QCOMPARE(ev.count(EventKind::Push, ch), std::size_t(3));
        std::string sent;
        for (const Event* e : ev.of(EventKind::Sent, ch)) sent += e->data;
        QCOMPARE(sent, expected);
    } else {
        QCOMPARE(ev.count(EventKind::Sent), std::size_t(0));
    }
    // Within one channel: accepted first, closed last.
    std::vector<const Event*> mine;
    for (const Event& e : ev.all)
        if (e.channel == ch) mine.push_back(&e);
    QCOMPARE(mine.front()->kind, EventKind::Accepted);
    QCOMPARE(mine.back()->kind, EventKind::Closed);

    r.shutdown();
    QVERIFY(ev.waitStopped());
    for (std::size_t i = 0; i < ev.all.size(); ++i) QCOMPARE(ev.all[i].seq, i + 1);
    const auto stats = r.stats();
    QCOMPARE(stats.messagesIn, 3u);
    QCOMPARE(stats.accepted, 1u);
    QCOMPARE(stats.bytesIn, expected.size());
    QCOMPARE(stats.channelsOpen, 0u);
}

void TestReactor::clientToOwnServer() {
    Reactor r;
    Events ev(r);
    const ChannelId server = r.openServer("127.0.0.1", 0, lineOptions("\n", true));
    const std::uint16_t port = listeningPort(ev, server);
    const ChannelId client = r.openClient("127.0.0.1", port, lineOptions("\n"));
    QVERIFY(ev.waitFor(EventKind::Connected, client));
    QCOMPARE(ev.first(EventKind::Connecting, client).info, "127.0.0.1:" + std::to_string(port));
    QCOMPARE(ev.first(EventKind::Connected, client).info, "127.0.0.1:" + std::to_string(port));
    r.push(client, "ping\n");
    r.push(client, "pong\n");
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::FoundTerminator, client) == 2; }));
    QCOMPARE(ev.collected(client), std::string("pingpong"));
    const ChannelId accepted = acceptedId(ev);
    QCOMPARE(ev.collected(accepted), std::string("pingpong"));
    // The client's events come in the order of its life.
    std::vector<EventKind> kinds;
    for (const Event& e : ev.all)
        if (e.channel == client && (e.kind == EventKind::Connecting || e.kind == EventKind::Connected ||
                                    e.kind == EventKind::Push))
            kinds.push_back(e.kind);
    QCOMPARE(kinds, (std::vector<EventKind>{EventKind::Connecting, EventKind::Connected, EventKind::Push,
                                            EventKind::Push}));
    r.close(client);
    QVERIFY(ev.waitFor(EventKind::Closed, client));
    QCOMPARE(ev.first(EventKind::Closed, client).closeReason(), engine::CloseReason::Local);
    QVERIFY(ev.waitFor(EventKind::Closed, accepted));
    QCOMPARE(ev.first(EventKind::Closed, accepted).closeReason(), engine::CloseReason::Peer);
}

void TestReactor::pushBeforeConnectIsSentAfter() {
    // Commands about a channel that is still connecting only queue (P5); the
    // bytes go out after handle_connect (E3). Paused, the loop cannot finish
    // the connect before the push is queued.
    Reactor r;
    Events ev(r);
    const ChannelId server = r.openServer("127.0.0.1", 0, lineOptions());
    const std::uint16_t port = listeningPort(ev, server);
    r.pause();
    const ChannelId client = r.openClient("127.0.0.1", port, lineOptions());
    r.push(client, "queued before connect\n");
    r.snapshot(client);
    QVERIFY(ev.waitFor(EventKind::ChannelState, client));
    const engine::ChannelState& s = stateOf(ev.first(EventKind::ChannelState, client));
    QCOMPARE(s.phase, engine::ChannelPhase::Connecting);
    QVERIFY(s.writable);  // W1: a connecting channel is writable
    QCOMPARE(s.queuedBytes, 22u);
    QCOMPARE(s.fifo, (std::vector<engine::FifoEntryState>{{"bytes", 22}}));
    r.resume();
    const ChannelId accepted = acceptedId(ev);
    QVERIFY(ev.waitFor(EventKind::FoundTerminator, accepted));
    QCOMPARE(ev.collected(accepted), std::string("queued before connect"));
    QVERIFY(ev.first(EventKind::Push, client).seq < ev.first(EventKind::Connected, client).seq);
    QVERIFY(ev.first(EventKind::Connected, client).seq < ev.first(EventKind::Sent, client).seq);
}

void TestReactor::commandsOnGoneChannels() {
    Reactor r;
    Events ev(r);
    r.push(999, "x");
    QVERIFY(ev.waitFor(EventKind::Error, 999));
    QVERIFY(QString::fromStdString(ev.first(EventKind::Error, 999).info).contains("there is no channel 999"));

    const ChannelId server = r.openServer("127.0.0.1", 0, lineOptions());
    listeningPort(ev, server);
    r.push(server, "to a listener");
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Error, server) == 1; }));
    QVERIFY(QString::fromStdString(ev.first(EventKind::Error, server).info).contains("listener"));
    r.close(server);
    QVERIFY(ev.waitFor(EventKind::Closed, server));
    r.push(server, "x");
    r.setTerminator(server, Terminator::none());
    r.closeWhenDone(server);
    r.discardBuffers(server);
    r.snapshot(server);  // a query racing with the close: no error, no state
    r.close(server);
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Error, server) == 6; }));
    for (const Event* e : ev.of(EventKind::Error, server))
        if (e->seq > ev.first(EventKind::Closed, server).seq)
            QVERIFY2(QString::fromStdString(e->info).contains("is closed"), e->info.c_str());
    r.snapshot(999);  // but a channel that never existed is an error
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Error, 999) == 2; }));
    r.shutdown();
    QVERIFY(ev.waitStopped());
    QCOMPARE(ev.count(EventKind::Error, server), std::size_t(6));
    QCOMPARE(ev.count(EventKind::ChannelState, server), std::size_t(0));
}

void TestReactor::closeWhenDoneFlushesFirst() {
    Served f(lineOptions());
    const std::string big(300000, 'z');
    f.r.push(f.ch, big);
    f.r.closeWhenDone(f.ch);
    QVERIFY(f.p.receiveToEof());
    QCOMPARE(f.p.received().size(), big.size());
    QVERIFY(f.ev.waitFor(EventKind::Closed, f.ch));
    const Event& c = f.ev.first(EventKind::Closed, f.ch);
    QCOMPARE(c.closeReason(), engine::CloseReason::Local);
    QCOMPARE(c.info, std::string("close_when_done"));
    QVERIFY(f.ev.first(EventKind::CloseWhenDone, f.ch).seq < c.seq);
    QCOMPARE(f.ev.count(EventKind::Warning, f.ch), std::size_t(0));  // nothing left unsent
}

void TestReactor::residueAndUnterminatedAtEof() {
    // R15: at EOF asynchat keeps the held-back "\r" of "abc\r" in its input
    // buffer and never delivers it. The reactor reports it, bytes included.
    Served f(lineOptions("\r\n"));
    f.p.send("one\r\nabc\r");
    QVERIFY(f.ev.waitUntil([&] { return f.ev.collected(f.ch) == "oneabc"; }));
    f.p.closeNow();
    QVERIFY(f.ev.waitFor(EventKind::Closed, f.ch));
    const auto warnings = f.ev.of(EventKind::Warning, f.ch);
    QCOMPARE(warnings.size(), std::size_t(2));
    QCOMPARE(warnings[0]->warningCode(), engine::WarningCode::Residue);
    QCOMPARE(warnings[0]->data, std::string("\r"));
    QCOMPARE(warnings[1]->warningCode(), engine::WarningCode::Unterminated);
    QCOMPARE(warnings[1]->size, 3);
    QVERIFY(warnings[1]->seq < f.ev.first(EventKind::Closed, f.ch).seq);
}

void TestReactor::peerReset() {
    Served f(lineOptions());
    f.p.send("partial");
    QVERIFY(f.ev.waitUntil([&] { return f.ev.collected(f.ch) == "partial"; }));
    f.p.reset();
    QVERIFY(f.ev.waitFor(EventKind::Closed, f.ch));
    const Event& c = f.ev.first(EventKind::Closed, f.ch);
    QCOMPARE(c.closeReason(), engine::CloseReason::Peer);
    QCOMPARE(c.error, static_cast<int>(std::errc::connection_reset));
    QCOMPARE(f.ev.first(EventKind::Warning, f.ch).warningCode(), engine::WarningCode::Unterminated);
}

void TestReactor::countTerminatorFramesRecords() {
    Reactor r;
    Events ev(r);
    ChannelOptions o;
    o.terminator = Terminator::count(4);
    o.echo = true;
    const ChannelId server = r.openServer("127.0.0.1", 0, o);
    Peer p(listeningPort(ev, server));
    p.send("abcdefghij");
    QCOMPARE(p.receive(8), std::string("abcdefgh"));  // two records; "ij" waits for two more bytes
    const ChannelId ch = acceptedId(ev);
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::FoundTerminator, ch) == 2; }));
    for (const Event* e : ev.of(EventKind::FoundTerminator, ch)) {
        QCOMPARE(e->size, 4);
        QCOMPARE(e->terminator(), Terminator::count(0));  // R8: 0 inside found_terminator
    }
    p.send("kl");
    QCOMPARE(p.receive(12), std::string("abcdefghijkl"));
}

void TestReactor::noneTerminatorEchoesChunks() {
    Reactor r(options(engine::defaultBackend(), EventLevel::Lifecycle));
    Events ev(r);
    ChannelOptions o;
    o.terminator = Terminator::none();
    o.echo = true;
    const ChannelId server = r.openServer("127.0.0.1", 0, o);
    Peer p(listeningPort(ev, server));
    p.send(std::string("raw\0bytes", 9));
    QCOMPARE(p.receive(9), std::string("raw\0bytes", 9));
}

void TestReactor::maxMessagePassesBytesOn() {
    Reactor r;
    Events ev(r);
    ChannelOptions o = lineOptions("\n", true);
    o.maxMessage = 16;
    const ChannelId server = r.openServer("127.0.0.1", 0, o);
    Peer p(listeningPort(ev, server));
    const std::string blob(40, 'q');
    p.send(blob);
    // Nothing is lost: the echo passes the bytes on without a terminator.
    QCOMPARE(p.receive(blob.size()), blob);
    const ChannelId ch = acceptedId(ev);
    QVERIFY(ev.waitFor(EventKind::Warning, ch));
    const Event& w = ev.first(EventKind::Warning, ch);
    QCOMPARE(w.warningCode(), engine::WarningCode::NoTerminator);
    QVERIFY(w.size > 16);
    QVERIFY(QString::fromStdString(w.info).contains("'\\n'"));
    p.send("end\n");
    QCOMPARE(p.receive(blob.size() + 4), blob + "end\n");
}

void TestReactor::highWaterStopsAnEchoFromReading() {
    Reactor r(options(engine::defaultBackend(), EventLevel::Lifecycle));
    Events ev(r);
    ChannelOptions o = lineOptions("\n", true);
    o.highWater = 64 * 1024;
    const ChannelId server = r.openServer("127.0.0.1", 0, o);
    Peer p(listeningPort(ev, server));
    const ChannelId ch = acceptedId(ev);

    // The peer writes and never reads. The echo's replies pile up in its
    // fifo; past the mark it must stop reading, so the peer gets stuck long
    // before the cap.
    const std::string line = std::string(1023, 'x') + "\n";
    constexpr std::size_t kCap = 256u << 20;
    std::string_view rest;
    const std::size_t sent = p.floodUntilStuck(line, kCap, rest);
    QVERIFY2(sent < kCap, "the echo never stopped reading");
    QVERIFY(ev.waitFor(EventKind::HighWater, ch));
    r.snapshot(ch);
    QVERIFY(ev.waitFor(EventKind::ChannelState, ch));
    const auto& state = stateOf(ev.first(EventKind::ChannelState, ch));
    QVERIFY(!state.readable);
    QVERIFY(state.queuedBytes > o.highWater);
    QVERIFY(state.queuedBytes <= o.highWater + 2 * state.inBufferSize + 2 * line.size());

    // Reading the replies drains the fifo: low water, reading resumes, and
    // every byte comes back.
    const std::size_t whole = rest.empty() ? sent : sent - (line.size() - rest.size());
    QCOMPARE(p.receive(whole, 60000).size(), whole);  // the echo holds back a line cut short
    p.send(rest);
    const std::size_t total = sent + rest.size();
    QCOMPARE(p.receive(total, 60000).size(), total);
    QVERIFY(ev.waitFor(EventKind::LowWater, ch));
}

void TestReactor::undrainedEventsPauseReading() {
    ReactorOptions o = options(engine::defaultBackend(), EventLevel::Full);
    o.eventBacklogLimit = 64 * 1024;
    std::atomic<int> notified{0};
    o.eventsAvailable = [&notified] { ++notified; };
    Served f(lineOptions(), o);

    // Nothing drains the events now: the reactor must stop reading, so the
    // peer's writes get stuck.
    constexpr std::size_t kCap = 256u << 20;
    std::string_view rest;
    const std::string block(64 * 1024, 'b');
    const std::size_t sent = f.p.floodUntilStuck(block, kCap, rest);
    QVERIFY2(sent < kCap, "the reactor kept reading into an undrained event queue");
    QVERIFY(f.r.stats().bytesIn < sent);
    // Draining lets it read again, and everything arrives.
    QVERIFY(f.ev.waitUntil([&] { return f.r.stats().bytesIn == sent; }, 60s));
    QVERIFY(f.ev.waitUntil([&] { return f.ev.collected(f.ch).size() == sent; }));
    QCOMPARE(f.ev.first(EventKind::Warning, engine::kReactorChannel).warningCode(), engine::WarningCode::Backlog);
    QVERIFY(notified.load() > 0);
}

void TestReactor::pushFileAndRepeat() {
    const std::string path = tempPath("file.bin");
    std::string content;
    for (int i = 0; i < 100000; ++i) content.push_back(static_cast<char>(i * 7 % 251));
    {
        std::ofstream f(path, std::ios::binary);
        f << content;
    }
    Served f(lineOptions());
    f.r.pushFile(f.ch, path);
    f.r.pushRepeat(f.ch, "ab", 1000);
    QCOMPARE(f.p.receive(content.size() + 2000), content + [] {
        std::string s;
        for (int i = 0; i < 1000; ++i) s += "ab";
        return s;
    }());
    QVERIFY(f.ev.waitUntil([&] { return f.ev.count(EventKind::ProducerExhausted, f.ch) == 2; }));
    const auto pushes = f.ev.of(EventKind::Push, f.ch);
    QCOMPARE(pushes.size(), std::size_t(2));
    QCOMPARE(pushes[0]->producerKind(), engine::ProducerKind::File);
    QCOMPARE(pushes[0]->size, static_cast<std::int64_t>(content.size()));
    QCOMPARE(pushes[0]->info, path);
    QCOMPARE(pushes[1]->producerKind(), engine::ProducerKind::Repeat);
    QCOMPARE(pushes[1]->size, 2000);
    QCOMPARE(pushes[1]->count, 1000);
    // Files stream in ac_out_buffer_size chunks: one send() never exceeds it.
    for (const Event* s : f.ev.of(EventKind::Sent, f.ch)) QVERIFY(s->size <= 4096);
    std::filesystem::remove(path);
}

void TestReactor::pushFileMissing() {
    Served f(lineOptions());
    f.r.pushFile(f.ch, "/nonexistent/dir/file.txt");
    QVERIFY(f.ev.waitFor(EventKind::Error, f.ch));
    const Event& e = f.ev.first(EventKind::Error, f.ch);
    QCOMPARE(e.error, static_cast<int>(std::errc::no_such_file_or_directory));
    QVERIFY(QString::fromStdString(e.info).contains("/nonexistent/dir/file.txt"));
    // The channel is unharmed.
    f.r.push(f.ch, "still here");
    QCOMPARE(f.p.receive(10), std::string("still here"));
}

void TestReactor::pacedRepeatStopsOnDiscard() {
    Served f(lineOptions());
    f.r.pushRepeat(f.ch, "tick\n", 3, 5ms);
    QCOMPARE(f.p.receive(15), std::string("tick\ntick\ntick\n"));
    const auto pushes = f.ev.of(EventKind::Push, f.ch);
    QVERIFY(f.ev.waitUntil([&] { return f.ev.count(EventKind::Push, f.ch) == 3; }));
    for (std::size_t i = 0; i < 3; ++i) QCOMPARE(f.ev.of(EventKind::Push, f.ch)[i]->count, std::int64_t(i + 1));

    f.r.pushRepeat(f.ch, "tock\n", 0, 5ms);  // until stopped
    QVERIFY(f.p.receive(15 + 10).size() >= 25);
    f.r.discardBuffers(f.ch);
    QVERIFY(f.ev.waitFor(EventKind::Discarded, f.ch));
    const std::size_t pushed = f.ev.count(EventKind::Push, f.ch);
    // A snapshot round trip later, no more pushes have come.
    f.r.snapshot(f.ch);
    QVERIFY(f.ev.waitFor(EventKind::ChannelState, f.ch));
    f.r.snapshot(f.ch);
    QVERIFY(f.ev.waitUntil([&] { return f.ev.count(EventKind::ChannelState, f.ch) == 2; }));
    QCOMPARE(f.ev.count(EventKind::Push, f.ch), pushed);
}

void TestReactor::pauseStepResumeWithTrace() {
    Served f(lineOptions());
    f.r.pause();
    f.r.setLoopTrace(true);
    QVERIFY(f.ev.waitFor(EventKind::Paused));
    f.p.send("while paused\n");
    // Commands still run while paused; the loop does not.
    f.r.snapshot(f.ch);
    QVERIFY(f.ev.waitFor(EventKind::ChannelState, f.ch));
    QCOMPARE(stateOf(f.ev.first(EventKind::ChannelState, f.ch)).bytesIn, 0u);
    QCOMPARE(f.ev.count(EventKind::Collect), std::size_t(0));
    QCOMPARE(f.ev.count(EventKind::Loop), std::size_t(0));

    // One step: exactly one pass, which waits for the data and dispatches it.
    f.r.step();
    QVERIFY(f.ev.waitFor(EventKind::Loop));
    QVERIFY(f.ev.waitFor(EventKind::FoundTerminator, f.ch));
    QCOMPARE(f.ev.count(EventKind::Loop), std::size_t(1));
    const engine::LoopTrace& t = traceOf(f.ev.first(EventKind::Loop));
    bool polledCh = false, readyCh = false, read = false, found = false;
    for (const auto& x : t.polled) polledCh = polledCh || (x.channel == f.ch && x.readable && !x.writable);
    for (const auto& x : t.ready) readyCh = readyCh || (x.channel == f.ch && (x.bits & engine::kReadyIn));
    for (const auto& x : t.dispatched) {
        read = read || (x.channel == f.ch && x.hook == engine::Hook::HandleRead);
        found = found || (x.channel == f.ch && x.hook == engine::Hook::FoundTerminator);
    }
    QVERIFY(polledCh);
    QVERIFY(readyCh);
    QVERIFY(read);
    QVERIFY(found);
    // The loop event closes its pass: it comes after the pass's own events.
    QVERIFY(f.ev.first(EventKind::FoundTerminator, f.ch).seq < f.ev.first(EventKind::Loop).seq);

    f.r.step();  // a step while nothing is ready waits; a command ends it
    f.r.resume();
    QVERIFY(f.ev.waitFor(EventKind::Resumed));
    f.r.setLoopTrace(false);
    f.p.send("after\n");
    QVERIFY(f.ev.waitUntil([&] { return f.ev.count(EventKind::FoundTerminator, f.ch) == 2; }));
    const std::size_t loops = f.ev.count(EventKind::Loop);
    f.p.send("more\n");
    QVERIFY(f.ev.waitUntil([&] { return f.ev.count(EventKind::FoundTerminator, f.ch) == 3; }));
    QCOMPARE(f.ev.count(EventKind::Loop), loops);  // trace off: no more loop events

    f.r.step();  // not paused: refused
    QVERIFY(f.ev.waitFor(EventKind::Error, engine::kReactorChannel));
}

// The `after` part of a pass: what the input buffer holds back. "abc\r" with
// the terminator "\r\n": "abc" is collected, the "\r" (a prefix of the
// terminator) stays in the buffer until the rest comes.
void TestReactor::traceShowsTheHeldBackPartialTerminator() {
    // Traced from the start: a trace turned on by command (setLoopTrace) is
    // on from the pass after the one that runs it, and bytes sent at once can
    // be read in that very pass, which no trace shows.
    ReactorOptions traced = options();
    traced.traceLoop = true;
    Served f(lineOptions("\r\n"), traced);
    f.p.send("abc\r");
    const auto heldBack = [&](std::string_view held) {
        for (const Event* e : f.ev.of(EventKind::Loop))
            for (const auto& a : traceOf(*e).after)
                if (a.channel == f.ch && a.open && a.held == held && a.inBuffered == held.size() &&
                    a.terminator == Terminator::bytes("\r\n"))
                    return true;
        return false;
    };
    QVERIFY(f.ev.waitUntil([&] { return heldBack("\r"); }));
    QCOMPARE(f.ev.collected(f.ch), std::string("abc"));
    f.p.send("\n");
    QVERIFY(f.ev.waitFor(EventKind::FoundTerminator, f.ch));
    // The pass that found it left the buffer empty.
    QVERIFY(f.ev.waitUntil([&] {
        const auto loops = f.ev.of(EventKind::Loop);
        for (const Event* e : loops) {
            const auto& t = traceOf(*e);
            const bool found = std::any_of(t.dispatched.begin(), t.dispatched.end(), [&](const auto& d) {
                return d.channel == f.ch && d.hook == engine::Hook::FoundTerminator;
            });
            if (found)
                return std::any_of(t.after.begin(), t.after.end(),
                                   [&](const auto& a) { return a.channel == f.ch && a.inBuffered == 0; });
        }
        return false;
    }));
    // Commands change terminators between passes: not a hook's change. The
    // bytes go out once the change is in force (terminator_set): sent at once
    // they can be read in the pass that runs the command, before it, and a
    // count set after they were buffered frames them only at the next read.
    const std::size_t sets = f.ev.count(EventKind::TerminatorSet, f.ch);
    f.r.setTerminator(f.ch, Terminator::count(5));
    QVERIFY(f.ev.waitUntil([&] { return f.ev.count(EventKind::TerminatorSet, f.ch) > sets; }));
    f.p.send("12345");
    QVERIFY(f.ev.waitUntil([&] { return f.ev.count(EventKind::FoundTerminator, f.ch) == 2; }));
    for (const Event* e : f.ev.of(EventKind::Loop)) QVERIFY(traceOf(*e).terminatorChanges.empty());
}

// Reactor::setBackend: the loop waits in another backend from the next pass
// on, on the same channels, and says so in its trace.
void TestReactor::backendChosenWhileRunning() {
    Served f(lineOptions("\n", /*echo=*/true));
    f.r.setLoopTrace(true);
    int lines = 0;
    std::string echoed;
    for (auto [name, b] : backends()) {
        f.r.setBackend(b);
        // The line goes out once the switch is made (backend() says so): sent
        // at once it can arrive in the very pass that runs the command, which
        // still waited in the old backend.
        QVERIFY(f.ev.waitUntil([&] { return f.r.backend() == b; }));
        // A pass in `b` happens once the peer sends something.
        const std::string line = "line in " + std::string(engine::backendName(b)) + "\n";
        f.p.send(line);
        ++lines;
        QVERIFY(f.ev.waitUntil([&] { return f.ev.count(EventKind::FoundTerminator, f.ch) == std::size_t(lines); }));
        QCOMPARE(f.r.backend(), b);
        const Event* found = f.ev.of(EventKind::FoundTerminator, f.ch).back();
        QVERIFY(f.ev.waitUntil([&] {
            for (const Event* e : f.ev.of(EventKind::Loop))
                if (e->seq > found->seq) return true;
            return false;
        }));
        // The pass that dispatched it waited in `b`.
        const Event* pass = nullptr;
        for (const Event* e : f.ev.of(EventKind::Loop))
            if (!pass && e->seq > found->seq) pass = e;
        QVERIFY(pass != nullptr);
        QCOMPARE(engine::backendName(traceOf(*pass).backend), engine::backendName(b));
        echoed += line;
        QCOMPARE(f.p.receive(echoed.size()), echoed);
    }
    QVERIFY(lines >= 2);
}

// Reactor::setBackend(select) while a channel's descriptor is at or past
// FD_SETSIZE: refused with an error event that says why and what to use
// instead; the loop stays in its backend and the channels keep working.
void TestReactor::selectRefusedPastFdSetSize() {
#if defined(_WIN32)
    QSKIP("Winsock's select has no per-descriptor bound");
#else
    rlimit saved{};
    QCOMPARE(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    const rlim_t want = FD_SETSIZE + 256;
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < want) QSKIP("RLIMIT_NOFILE's hard limit is below FD_SETSIZE + 256");
    rlimit raised = saved;
    if (raised.rlim_cur < want) raised.rlim_cur = want;
    QCOMPARE(::setrlimit(RLIMIT_NOFILE, &raised), 0);
    // Every descriptor below FD_SETSIZE taken: the reactor's sockets land past it.
    std::vector<int> fillers;
    const auto release = [&] {
        for (int fd : fillers) ::close(fd);
        fillers.clear();
        ::setrlimit(RLIMIT_NOFILE, &saved);
    };
    for (;;) {
        const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) break;
        fillers.push_back(fd);
        if (fd >= FD_SETSIZE - 1) break;
    }
    if (fillers.empty() || fillers.back() < FD_SETSIZE - 1) {
        release();
        QFAIL("could not take the descriptors below FD_SETSIZE");
    }
    {
        Served f(lineOptions("\n", /*echo=*/true), options(Backend::Poll));
        f.r.setBackend(Backend::Select);
        QVERIFY(f.ev.waitFor(EventKind::Error, engine::kReactorChannel));
        const QString why = QString::fromStdString(f.ev.first(EventKind::Error, engine::kReactorChannel).info);
        QVERIFY2(why.contains(QStringLiteral("cannot switch to select")), qPrintable(why));
        QVERIFY2(why.contains(QStringLiteral("FD_SETSIZE (%1)").arg(FD_SETSIZE)), qPrintable(why));
        QVERIFY2(why.contains(QStringLiteral("poll")), qPrintable(why));
        QCOMPARE(engine::backendName(f.r.backend()), engine::backendName(Backend::Poll));
        // The channels go on in poll.
        f.p.send("still here\n");
        QCOMPARE(f.p.receive(11), std::string("still here\n"));
        QCOMPARE(engine::backendName(f.r.backend()), engine::backendName(Backend::Poll));
    }
    release();
#endif
}

void TestReactor::snapshotShowsState() {
    Served f(lineOptions("\r\n"), options(engine::defaultBackend(), EventLevel::Lifecycle));
    f.r.setBufferSizes(f.ch, 100, 200);
    f.r.setLimits(f.ch, 1000, 2000);
    f.p.send("abc\r\nde\r");
    QVERIFY(f.ev.waitUntil([&] { return f.r.stats().bytesIn == 8; }));
    f.r.snapshot();
    QVERIFY(f.ev.waitUntil([&] { return f.ev.count(EventKind::ChannelState) == 2; }));
    const auto& s = stateOf(f.ev.first(EventKind::ChannelState, f.ch));
    QCOMPARE(s.role, engine::ChannelRole::Accepted);
    QCOMPARE(s.phase, engine::ChannelPhase::Connected);
    QCOMPARE(s.parent, f.server);
    QCOMPARE(s.bytesIn, 8u);
    QCOMPARE(s.messagesIn, 1u);
    QCOMPARE(s.residue, std::string("\r"));  // the held-back terminator prefix
    QCOMPARE(s.pendingMessage, 2u);
    QCOMPARE(s.inBufferSize, 100u);
    QCOMPARE(s.outBufferSize, 200u);
    QCOMPARE(s.maxMessage, 1000u);
    QCOMPARE(s.highWater, 2000u);
    QCOMPARE(s.terminator, Terminator::bytes("\r\n"));
    QVERIFY(s.readable);
    QVERIFY(!s.writable);
    QVERIFY(!s.peer.empty());
    const auto& l = stateOf(f.ev.first(EventKind::ChannelState, f.server));
    QCOMPARE(l.role, engine::ChannelRole::Listener);
    QCOMPARE(l.phase, engine::ChannelPhase::Listening);
    QVERIFY(!l.writable);
    QVERIFY(f.ev.find(EventKind::BuffersSet, f.ch));
    QVERIFY(f.ev.find(EventKind::LimitsSet, f.ch));
}

void TestReactor::halfCloseAfterQueueDrains() {
    Reactor r;
    Events ev(r);
    const ChannelId server = r.openServer("127.0.0.1", 0, lineOptions("\n", true));
    const std::uint16_t port = listeningPort(ev, server);
    const ChannelId client = r.openClient("127.0.0.1", port, lineOptions());
    r.push(client, "last words\n");
    r.halfClose(client);
    // The server echoes, sees EOF, closes; the client reads the echo, then EOF.
    QVERIFY(ev.waitFor(EventKind::Closed, client));
    QCOMPARE(ev.collected(client), std::string("last words"));
    QCOMPARE(ev.first(EventKind::Closed, client).info, std::string("eof"));
    QVERIFY(ev.first(EventKind::HalfClosed, client).seq > ev.first(EventKind::Sent, client).seq);
}

void TestReactor::namesAndIpv6() {
    Reactor r;
    Events ev(r);
    const ChannelId server = r.openServer("localhost", 0, lineOptions("\n", true));
    const std::uint16_t port = listeningPort(ev, server);
    QVERIFY(port != 0);
    const ChannelId client = r.openClient("localhost", port, lineOptions());
    QVERIFY(ev.waitFor(EventKind::Connected, client));
    QCOMPARE(ev.first(EventKind::Connecting, client).aux, std::string("localhost"));
    if (!ipv6Available()) QSKIP("no IPv6 loopback here");
    const ChannelId server6 = r.openServer("::1", 0, lineOptions("\n", true));
    const std::uint16_t port6 = listeningPort(ev, server6);
    QCOMPARE(ev.first(EventKind::Listening, server6).info, "[::1]:" + std::to_string(port6));
    const ChannelId client6 = r.openClient("[::1]", port6, lineOptions());
    r.push(client6, "six\n");
    QVERIFY(ev.waitFor(EventKind::FoundTerminator, client6));
    QCOMPARE(ev.collected(client6), std::string("six"));
}

void TestReactor::unresolvableName() {
    Reactor r;
    Events ev(r);
    const ChannelId c = r.openClient("no-such-host.invalid", 7, lineOptions());
    r.push(c, "queued while resolving");
    QVERIFY(ev.waitFor(EventKind::Closed, c, 30s));
    QCOMPARE(ev.first(EventKind::Closed, c).closeReason(), engine::CloseReason::Error);
    QVERIFY(QString::fromStdString(ev.first(EventKind::Error, c).info).contains("no-such-host.invalid"));
    QCOMPARE(ev.first(EventKind::Warning, c).warningCode(), engine::WarningCode::Unsent);
}

void TestReactor::connectRefusedTriesEveryAddress() {
    // A port nobody listens on: take one, then free it.
    std::uint16_t port = 0;
    {
        std::error_code ec;
        Socket s(sockops::create(engine::kAfInet, engine::kSockStream, ec));
        sockops::bind(s.get(), Address::loopback(engine::kAfInet, 0), ec);
        port = sockops::localAddress(s.get(), ec).port();
    }
    Reactor r;
    Events ev(r);
    const ChannelId c = r.openClient("127.0.0.1", port, lineOptions());
    QVERIFY(ev.waitFor(EventKind::Closed, c));
    const Event& closed = ev.first(EventKind::Closed, c);
    QCOMPARE(closed.closeReason(), engine::CloseReason::Error);
    QCOMPARE(closed.error, static_cast<int>(std::errc::connection_refused));
    QVERIFY(QString::fromStdString(ev.first(EventKind::Error, c).info)
                .contains(QString("connect to 127.0.0.1:%1").arg(port)));
    QCOMPARE(ev.count(EventKind::Connected, c), std::size_t(0));
}

void TestReactor::shutdownWithChannelsOpen() {
    Events* evp = nullptr;
    std::vector<Peer> peers;
    {
        Reactor r;
        Events ev(r);
        evp = &ev;
        const ChannelId server = r.openServer("127.0.0.1", 0, lineOptions("\n", true));
        const std::uint16_t port = listeningPort(ev, server);
        for (int i = 0; i < 8; ++i) peers.emplace_back(port);
        const ChannelId client = r.openClient("127.0.0.1", port, lineOptions());
        r.push(client, std::string(1 << 20, 'u'));  // much of it still queued
        QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Accepted) == 9; }));
        r.shutdown();
        QVERIFY(ev.waitStopped());
        // Every channel closed locally ("shutdown"), and `stopped` is last.
        QCOMPARE(ev.count(EventKind::Closed), std::size_t(11));
        for (const Event* c : ev.of(EventKind::Closed)) {
            QCOMPARE(c->closeReason(), engine::CloseReason::Local);
            QCOMPARE(c->info, std::string("shutdown"));
        }
        QCOMPARE(ev.all.back().kind, EventKind::Stopped);
        QCOMPARE(r.stats().channelsOpen, 0u);
    }  // the destructor joins a thread that has already stopped
    for (Peer& p : peers) QVERIFY(p.receiveToEof());
    Q_UNUSED(evp);
}

void TestReactor::commandsRaceWithPeerClose() {
    for (int round = 0; round < 20; ++round) {
        Served f(lineOptions("\n", true),
                 options(engine::defaultBackend(), round % 2 ? EventLevel::Lifecycle : EventLevel::Full));
        std::atomic<bool> go{true};
        std::thread poster([&] {
            for (int i = 0; go.load() && i < 2000; ++i) {
                f.r.push(f.ch, "x\n");
                if (i % 100 == 0) f.r.snapshot(f.ch);
                if (i == 1500) f.r.closeWhenDone(f.ch);
            }
        });
        f.p.send("a\nb\nc\n");
        if (round % 2)
            f.p.reset();
        else
            f.p.closeNow();
        QVERIFY(f.ev.waitFor(EventKind::Closed, f.ch));
        go = false;
        poster.join();
        f.r.push(f.ch, "after close\n");
        f.r.shutdown();
        QVERIFY(f.ev.waitStopped());
        QCOMPARE(f.ev.count(EventKind::Closed, f.ch), std::size_t(1));
        // After `closed` only command errors, and (R16: asynchat goes on
        // parsing what it had read when a send inside found_terminator hit
        // the reset) the rest of that read's collect / found_terminator.
        const std::uint64_t closedSeq = f.ev.first(EventKind::Closed, f.ch).seq;
        for (const Event& e : f.ev.all)
            if (e.channel == f.ch && e.seq > closedSeq)
                QVERIFY2(e.kind == EventKind::Error || e.kind == EventKind::Collect ||
                             e.kind == EventKind::FoundTerminator,
                         std::string(engine::eventKindName(e.kind)).c_str());
    }
}

void TestReactor::concurrentPostersKeepTheirOrder() {
    Reactor r(options(engine::defaultBackend(), EventLevel::Messages));
    Events ev(r);
    const ChannelId server = r.openServer("127.0.0.1", 0, lineOptions());
    const std::uint16_t port = listeningPort(ev, server);
    const ChannelId client = r.openClient("127.0.0.1", port, lineOptions());
    constexpr int kThreads = 4, kEach = 500;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&r, client, t] {
            for (int i = 0; i < kEach; ++i) r.push(client, std::to_string(t) + ":" + std::to_string(i) + "\n");
        });
    for (auto& t : threads) t.join();
    const ChannelId accepted = acceptedId(ev);
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::FoundTerminator, accepted) == kThreads * kEach; }, 30s));
    // Reassemble the messages: each thread's appear in the order it posted them.
    std::vector<int> next(kThreads, 0);
    std::string message;
    for (const Event& e : ev.all) {
        if (e.channel != accepted) continue;
        if (e.kind == EventKind::Collect) message += e.data;
        if (e.kind != EventKind::FoundTerminator) continue;
        const auto colon = message.find(':');
        const int t = std::stoi(message.substr(0, colon));
        QCOMPARE(std::stoi(message.substr(colon + 1)), next[static_cast<std::size_t>(t)]++);
        message.clear();
    }
    for (int n : next) QCOMPARE(n, kEach);
}

void TestReactor::notifierRunsOnEmptyToNonEmpty() {
    std::atomic<int> calls{0};
    std::atomic<bool> onLoopThread{true};
    const auto caller = std::this_thread::get_id();
    ReactorOptions o = options();
    o.eventsAvailable = [&] {
        ++calls;
        if (std::this_thread::get_id() == caller) onLoopThread = false;
    };
    Reactor r(o);
    Events ev(r);
    const ChannelId server = r.openServer("127.0.0.1", 0, lineOptions());
    listeningPort(ev, server);
    QTRY_VERIFY_WITH_TIMEOUT(calls.load() >= 1, 10000);  // it runs just after the publish
    const int before = calls.load();
    // Nothing drained: many more events, no more notifications.
    for (int i = 0; i < 5; ++i) r.snapshot(server);
    QTRY_VERIFY_WITH_TIMEOUT(r.stats().events >= 6, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(calls.load(), before + 1, 10000);  // one empty → non-empty transition
    QVERIFY(onLoopThread.load());
}

void TestReactor::messageLimitReported() {
    Reactor r(options(engine::defaultBackend(), EventLevel::Lifecycle));
    Events ev(r);
    r.setMessageLimit(5);
    const ChannelId server = r.openServer("127.0.0.1", 0, lineOptions("\n", true));
    Peer p(listeningPort(ev, server));
    p.send("1\n2\n3\n4\n");
    QCOMPARE(p.receive(8), std::string("1\n2\n3\n4\n"));
    QCOMPARE(ev.count(EventKind::LimitReached), std::size_t(0));
    p.send("5\n6\n");
    QVERIFY(ev.waitFor(EventKind::LimitReached));
    QCOMPARE(ev.first(EventKind::LimitReached).count, 5);
    QCOMPARE(p.receive(12), std::string("1\n2\n3\n4\n5\n6\n"));
    QCOMPARE(ev.count(EventKind::LimitReached), std::size_t(1));
}

QTEST_GUILESS_MAIN(TestReactor)
void TestReactor::inputBudgetPausesLargestHolders() {
    // A 64 KiB budget, 8 connections each sending 12 KiB (more than budget/8)
    // without a terminator, read 2 KiB at a time: the listener must stop
    // reading from the largest holders, keep the total within the budget plus
    // one read per connection, then, once the terminators come, resume and
    // frame every byte.
    constexpr std::size_t kBudget = 64 * 1024;
    constexpr std::size_t kRead = 2048;
    constexpr std::size_t kClients = 8;
    constexpr std::size_t kBody = 12 * 1024;
    Reactor r(options(engine::defaultBackend(), EventLevel::Full));
    Events ev(r);
    ChannelOptions o = lineOptions("\n");
    o.maxBuffered = kBudget;
    o.inBufferSize = kRead;
    const ChannelId server = r.openServer("127.0.0.1", 0, o);
    const std::uint16_t port = listeningPort(ev, server);
    QVERIFY(port != 0);
    std::vector<std::unique_ptr<Peer>> peers;
    std::vector<std::string> bodies;
    for (std::size_t i = 0; i < kClients; ++i) {
        peers.push_back(std::make_unique<Peer>(port));
        bodies.emplace_back(kBody, static_cast<char>('a' + i));
    }
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Accepted) == kClients; }));
    for (std::size_t i = 0; i < kClients; ++i) peers[i]->send(bodies[i]);

    const auto isBudget = [](const Event& e, engine::WarningCode c) {
        return e.kind == EventKind::Warning && e.warningCode() == c;
    };
    const auto countWarnings = [&](engine::WarningCode c) {
        return std::count_if(ev.all.begin(), ev.all.end(), [&](const Event& e) { return isBudget(e, c); });
    };
    QVERIFY(ev.waitUntil([&] { return countWarnings(engine::WarningCode::InputBudget) > 0; }));
    // Over budget, the stalled connections are served one at a time: one of
    // them reads its whole body.
    QVERIFY(ev.waitUntil([&] {
        for (const Event* a : ev.of(EventKind::Accepted))
            if (ev.collected(a->channel).size() == kBody) return true;
        return false;
    }));
    // Over budget and nothing framed yet: some connections do not read.
    r.snapshot();
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::ChannelState) >= kClients + 1; }));
    std::size_t notReading = 0;
    std::uint64_t pendingNow = 0;
    for (const Event* st : ev.of(EventKind::ChannelState)) {
        if (stateOf(*st).role != engine::ChannelRole::Accepted) continue;
        if (!stateOf(*st).readable) ++notReading;
        pendingNow += stateOf(*st).pendingMessage;
    }
    QVERIFY(notReading > 0);
    QVERIFY(notReading < kClients);  // the one holder served alone reads on
    QVERIFY(pendingNow > kBudget && pendingNow <= kBudget + kClients * kRead);
    for (auto& p : peers) p->send("\n");
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::FoundTerminator) == kClients; }));
    QVERIFY(ev.waitUntil([&] { return countWarnings(engine::WarningCode::InputResumed) > 0; }));

    // Every byte framed, nothing lost, each message whole.
    std::vector<std::string> seen;
    for (const Event* a : ev.of(EventKind::Accepted)) {
        QCOMPARE(ev.count(EventKind::FoundTerminator, a->channel), std::size_t{1});
        seen.push_back(ev.collected(a->channel));
        QCOMPARE(ev.first(EventKind::FoundTerminator, a->channel).size, static_cast<std::int64_t>(kBody));
    }
    std::sort(seen.begin(), seen.end());
    QCOMPARE(seen, bodies);

    // Replay the stream: what each connection holds, the total, and what the
    // `input_budget` warning says at the moment it is emitted.
    std::map<ChannelId, std::size_t> held;
    std::size_t total = 0;
    std::size_t peak = 0;
    int crossings = 0;
    bool over = false;  // by the warnings: they alternate, one per crossing each way
    for (const Event& e : ev.all) {
        if (e.kind == EventKind::Collect) {
            held[e.channel] += e.data.size();
            total += e.data.size();
            peak = std::max(peak, total);
        } else if (e.kind == EventKind::FoundTerminator) {
            total -= held[e.channel];
            held[e.channel] = 0;
        } else if (isBudget(e, engine::WarningCode::InputBudget)) {
            ++crossings;
            QVERIFY2(!over, "input_budget twice without input_resumed between");
            over = true;
            QCOMPARE(e.channel, server);
            QCOMPARE(static_cast<std::size_t>(e.size), total);  // the figures are the engine's own
            QVERIFY(total > kBudget);
            // It names the largest holders with what they hold; everyone
            // else holds no more than the smallest of them.
            const std::regex named(R"((\d+) \((\d+) bytes\))");
            std::size_t smallestNamed = SIZE_MAX;
            std::vector<ChannelId> paused;
            for (std::sregex_iterator it(e.info.begin(), e.info.end(), named), end; it != end; ++it) {
                const auto id = static_cast<ChannelId>(std::stoul((*it)[1].str()));
                const auto bytes = static_cast<std::size_t>(std::stoull((*it)[2].str()));
                QCOMPARE(held[id], bytes);
                smallestNamed = std::min(smallestNamed, bytes);
                paused.push_back(id);
            }
            QVERIFY2(!paused.empty(), e.info.c_str());
            QVERIFY2(paused.size() < kClients, "not every connection should be paused at once");
            for (const auto& [id, bytes] : held)
                if (std::find(paused.begin(), paused.end(), id) == paused.end()) QVERIFY(bytes <= smallestNamed);
        } else if (isBudget(e, engine::WarningCode::InputResumed)) {
            QVERIFY2(over, "input_resumed without input_budget before");
            over = false;
            QCOMPARE(e.channel, server);
            QCOMPARE(static_cast<std::size_t>(e.size), total);
            QVERIFY(total < kBudget - kBudget / 4);
        }
    }
    // Once per crossing, not per read (a second crossing may follow the
    // resume, when the connections read the rest of their messages).
    QVERIFY(crossings >= 1);
    QVERIFY(!over);
    QVERIFY2(peak <= kBudget + kClients * kRead,
             ("peak " + std::to_string(peak) + " > budget + one read per connection").c_str());
    QVERIFY(peak > kBudget);
}

#include "tst_Reactor.moc"
