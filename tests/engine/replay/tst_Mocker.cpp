// tst_Mocker.cpp — engine::Mocker: recorded server sides served to real
// clients on loopback.
//
// Covered: a client that says what the recorded client said gets what the
// recorded server answered, greeting first, lockstep, and the close when the
// server closed; the Replayer against a mock of the same recording passes
// (record → mock → replay); several clients at once, each on its own
// position; several recorded conversations served in turn; a client
// message that differs (answered and reported) or goes beyond the recording
// (not answered); an unterminated last message answered at end of file;
// maxClients; a port in use; the progress events.
// Hostile clients: one whose request passes maxRequestBytes is told off and
// closed; 10,000 requests beyond the recording give a few warnings one by
// one and summaries for the rest (every one counted), not 10,000 events.
#include "engine/replay/Mocker.h"
#include "engine/replay/Replayer.h"
#include "engine/net/Address.h"
#include "engine/net/Socket.h"
#include "engine/net/SocketOps.h"

#include "ReplayTestSupport.h"

#include <QTest>

#include <algorithm>
#include <map>
#include <mutex>

namespace {

using engine::MockEvent;
using engine::Mocker;
using engine::MockOptions;
using engine::ReplayScript;
using engine::Socket;
namespace sockops = engine::sockops;

ReplayScript scriptOf(const engine::Conversation& c) {
    std::string why;
    auto s = ReplayScript::build(c, {}, &why);
    if (!s) throw std::runtime_error(why);
    return *s;
}

ReplayScript scriptOf(const lwtest::Recorded& r) {
    const auto cs = r.conversations();
    std::string why;
    const engine::Conversation* c = engine::selectConversation(cs, std::nullopt, &why);
    if (!c) throw std::runtime_error(why);
    return scriptOf(*c);
}

/// The script of one client that sent `request` to an echo server.
ReplayScript recordedEcho(std::string request) {
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo);
    lwtest::ClientScript cs;
    cs.requests = {std::move(request)};
    return scriptOf(lwtest::recordClient(server.port(), cs));
}

/// A blocking loopback client driven from the test thread.
class Client {
public:
    explicit Client(std::uint16_t port) {
        std::error_code ec;
        m_s = Socket(sockops::create(engine::kAfInet, engine::kSockStream, ec));
        sockops::setNonBlocking(m_s.get(), false, ec);
        sockops::connect(m_s.get(), *engine::Address::fromNumeric("127.0.0.1", port), ec);
        if (ec) throw std::system_error(ec, "connect");
    }
    void send(std::string_view data) {
        std::error_code ec;
        std::size_t at = 0;
        while (at < data.size() && !ec) at += sockops::send(m_s.get(), data.data() + at, data.size() - at, ec);
    }
    /// Reads until `n` bytes in all have come, or end of file.
    std::string read(std::size_t n) {
        std::error_code ec;
        char buf[4096];
        while (m_got.size() < n) {
            const std::size_t k = sockops::recv(m_s.get(), buf, sizeof buf, ec);
            if (ec || k == 0) {
                m_eof = !ec;
                break;
            }
            m_got.append(buf, k);
        }
        return m_got;
    }
    /// Reads until the server closes; true if it did.
    bool waitForClose() {
        read(static_cast<std::size_t>(-1));
        return m_eof;
    }
    void halfClose() {
        std::error_code ec;
        sockops::shutdownWrite(m_s.get(), ec);
    }
    const std::string& received() const { return m_got; }

private:
    Socket m_s;
    std::string m_got;
    bool m_eof = false;
};

/// Records a greeting, two requests and the server's close.
lwtest::Recorded smtpLike() {
    lwtest::ScriptedServer::Options so;
    so.greeting = "220 hi\r\n";
    so.closeAfter = 2;
    so.terminator = engine::Terminator::bytes("\r\n");
    lwtest::ScriptedServer server(
        [](std::size_t i, const std::string& body) -> std::optional<std::string> {
            return i == 1 ? "250 hello " + body + "\r\n" : std::string("221 bye\r\n");
        },
        so);
    lwtest::ClientScript cs;
    cs.terminator = engine::Terminator::bytes("\r\n");
    cs.greeting = 1;
    cs.requests = {"HELO me\r\n", "QUIT\r\n"};
    cs.end = lwtest::ClientScript::End::WaitForServerClose;
    return lwtest::recordClient(server.port(), cs);
}

class EventLog {
public:
    Mocker::Observer observer() {
        return [this](const MockEvent& e) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_events.push_back(e);
        };
    }
    std::vector<MockEvent> events() {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_events;
    }
    std::size_t count(MockEvent::Kind k) {
        std::size_t n = 0;
        for (const MockEvent& e : events()) n += e.kind == k;
        return n;
    }

private:
    std::mutex m_mutex;
    std::vector<MockEvent> m_events;
};

/// A Mocker (options `o`) serving the recorded echo of "ping\n", started
/// with its events in `log`: `started` says whether it listens, `error` why not.
struct PingMock {
    explicit PingMock(const MockOptions& o = {}) : mock({recordedEcho("ping\n")}, o) {
        started = mock.start(log.observer(), &error);
    }
    EventLog log;
    Mocker mock;
    std::string error;
    bool started = false;
};

}  // namespace

class TestMocker : public QObject {
    Q_OBJECT

private slots:
    void servesTheRecordedServerSide();
    void recordMockReplay();
    void clientsAreIndependent();
    void conversationsInTurn();
    void differingAndExtraMessages();
    void unterminatedLastMessageAtEndOfFile();
    void maxClientsStopsIt();
    void portInUse();
    void clientOverItsLimitIsClosed();
    void repeatedWarningsAreSummarised();
    void answersByMatch();
    void matchRefusesStartTls();
};

void TestMocker::servesTheRecordedServerSide() {
    EventLog log;  // outlives the mock, which reports until it is destroyed
    Mocker mock({scriptOf(smtpLike())}, {});
    std::string error;
    QVERIFY2(mock.start(log.observer(), &error), error.c_str());
    QVERIFY(mock.port() != 0);
    QCOMPARE(mock.address(), "127.0.0.1:" + std::to_string(mock.port()));
    Client c(mock.port());
    QCOMPARE(c.read(8), std::string("220 hi\r\n"));
    c.send("HELO me\r\n");
    QCOMPARE(c.read(8 + 19), std::string("220 hi\r\n250 hello HELO me\r\n"));
    c.send("QUIT\r\n");
    QVERIFY(c.waitForClose());  // the recorded server closed after its reply
    QCOMPARE(c.received(), std::string("220 hi\r\n250 hello HELO me\r\n221 bye\r\n"));
    QTRY_COMPARE_WITH_TIMEOUT(mock.stats().clientsFinished, 1u, 10000);
    const engine::MockStats s = mock.stats();
    QCOMPARE(s.clients, 1u);
    QCOMPARE(s.clientsCompleted, 1u);
    QCOMPARE(s.requests, 2u);
    QCOMPARE(s.mismatches, 0u);
    QCOMPARE(s.bytesIn, 15u);
    mock.stop();
    QVERIFY(mock.wait(std::chrono::seconds(10)));
    QCOMPARE(log.count(MockEvent::Kind::Listening), 1u);
    QCOMPARE(log.count(MockEvent::Kind::Accepted), 1u);
    QCOMPARE(log.count(MockEvent::Kind::Request), 2u);
    QCOMPARE(log.count(MockEvent::Kind::Answered), 3u);  // greeting + 2 replies
    QCOMPARE(log.count(MockEvent::Kind::Stopped), 1u);
    for (const MockEvent& e : log.events())
        if (e.kind == MockEvent::Kind::ClientClosed)
            QVERIFY2(e.text.find("2 of 2 recorded requests, as recorded") != std::string::npos, e.text.c_str());
}

void TestMocker::recordMockReplay() {
    const ReplayScript s = scriptOf(smtpLike());
    Mocker mock({s}, {});
    std::string error;
    QVERIFY(mock.start({}, &error));
    engine::ReplayOptions o;
    o.host = "127.0.0.1";
    o.port = mock.port();
    engine::Replayer r(s, o);
    const engine::ReplayResult res = r.run();
    QVERIFY2(res.status == engine::ReplayResult::Status::Passed, res.summary().c_str());
    QCOMPARE(res.repliesMatched, 3u);
}

void TestMocker::clientsAreIndependent() {
    Mocker mock({scriptOf(smtpLike())}, {});
    std::string error;
    QVERIFY(mock.start({}, &error));
    Client a(mock.port());
    Client b(mock.port());
    QCOMPARE(a.read(8), std::string("220 hi\r\n"));
    QCOMPARE(b.read(8), std::string("220 hi\r\n"));
    a.send("HELO a\r\n");
    QCOMPARE(a.read(27), std::string("220 hi\r\n250 hello HELO me\r\n"));
    b.send("HELO b\r\n");  // b is at its own first request
    QCOMPARE(b.read(27).substr(8), std::string("250 hello HELO me\r\n"));
    a.send("QUIT\r\n");
    QVERIFY(a.waitForClose());
    b.send("QUIT\r\n");
    QVERIFY(b.waitForClose());
    QTRY_COMPARE_WITH_TIMEOUT(mock.stats().clientsFinished, 2u, 10000);
    QCOMPARE(mock.stats().mismatches, 2u);  // "HELO a"/"HELO b" are not "HELO me"
}

void TestMocker::conversationsInTurn() {
    // A server session with two connections, each different.
    lwtest::ScriptedServer server(
        [](std::size_t, const std::string& body) -> std::optional<std::string> { return "echo " + body + "\n"; });
    lwtest::ClientScript one, two;
    one.requests = {"first\n"};
    two.requests = {"second\n"};
    lwtest::recordClient(server.port(), one);
    lwtest::recordClient(server.port(), two);
    const auto cs = server.stop().conversations();
    QCOMPARE(cs.size(), 2u);
    Mocker mock({scriptOf(cs[0]), scriptOf(cs[1])}, {});
    std::string error;
    QVERIFY(mock.start({}, &error));
    for (const char* expected : {"echo first\n", "echo second\n", "echo first\n"}) {
        Client c(mock.port());
        c.send("anything\n");
        QCOMPARE(c.read(std::strlen(expected)), std::string(expected));
    }
}

void TestMocker::differingAndExtraMessages() {
    PingMock m;
    QVERIFY(m.started);
    auto& [log, mock, error, started] = m;
    Client c(mock.port());
    c.send("pong\n");
    QCOMPARE(c.read(5), std::string("ping\n"));  // answered as recorded all the same
    c.send("more\n");
    c.halfClose();
    QVERIFY(c.waitForClose());
    QCOMPARE(c.received(), std::string("ping\n"));  // nothing for the extra message
    QTRY_COMPARE_WITH_TIMEOUT(mock.stats().clientsFinished, 1u, 10000);
    QCOMPARE(mock.stats().mismatches, 1u);
    QCOMPARE(mock.stats().unexpected, 1u);
    bool sawMismatch = false;
    for (const MockEvent& e : log.events())
        if (e.kind == MockEvent::Kind::Mismatch) {
            sawMismatch = true;
            QCOMPARE(e.index, 1u);
            QVERIFY2(e.text.find("differs from the recording at byte 1: expected \"ping\\n\", received \"pong\\n\"") !=
                         std::string::npos,
                     e.text.c_str());
        }
    QVERIFY(sawMismatch);
}

void TestMocker::unterminatedLastMessageAtEndOfFile() {
    // A last request without its terminator, answered after the client's
    // end of file (a recorded linewright server closes at end of file, so
    // the script is extended by hand).
    ReplayScript s = recordedEcho("a\n");
    s.requests.push_back({"tail", s.requests[0].tUs + 1, s.serverChunks.back().position + 1, 1});
    engine::ScriptReply extra;
    extra.message.body = "for the tail\n";
    extra.requestsBefore = extra.answers = 2;
    s.replies.push_back(extra);
    Mocker mock({s}, {});
    std::string error;
    QVERIFY(mock.start({}, &error));
    Client c(mock.port());
    c.send("a\ntail");
    c.halfClose();  // end of file ends the last message
    QVERIFY(c.waitForClose());
    QCOMPARE(c.received(), std::string("a\nfor the tail\n"));
}

void TestMocker::maxClientsStopsIt() {
    MockOptions o;
    o.maxClients = 2;
    Mocker mock({scriptOf(smtpLike())}, o);
    std::string error;
    QVERIFY(mock.start({}, &error));
    for (int i = 0; i < 2; ++i) {
        Client c(mock.port());
        c.send("HELO me\r\nQUIT\r\n");
        QVERIFY(c.waitForClose());
    }
    QVERIFY(mock.wait(std::chrono::seconds(10)));
    QCOMPARE(mock.stats().clientsCompleted, 2u);
}

void TestMocker::portInUse() {
    Mocker first({scriptOf(smtpLike())}, {});
    std::string error;
    QVERIFY(first.start({}, &error));
    MockOptions o;
    o.port = first.port();
    Mocker second({scriptOf(smtpLike())}, o);
    QVERIFY(!second.start({}, &error));
    QCOMPARE(error, "cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": Address already in use");
    QVERIFY(second.finished());
}

void TestMocker::clientOverItsLimitIsClosed() {
    MockOptions o;
    o.maxRequestBytes = 64 * 1024;
    PingMock m(o);
    QVERIFY(m.started);
    auto& [log, mock, error, started] = m;
    Client c(mock.port());
    c.send(std::string(1 << 20, 'A'));  // a megabyte, no terminator (the send fails once the mock closes)
    QTRY_COMPARE_WITH_TIMEOUT(mock.stats().clientsFinished, 1u, 10000);
    c.waitForClose();  // end of file or a reset: either way it returns
    std::string errors, closed;
    for (const MockEvent& e : log.events()) {
        if (e.kind == MockEvent::Kind::Error) errors += e.text + "\n";
        if (e.kind == MockEvent::Kind::ClientClosed) closed += e.text;
    }
    QVERIFY2(errors.rfind("client 1 (127.0.0.1:", 0) == 0, errors.c_str());
    QVERIFY2(errors.find("): request 1 exceeds the limit of 65536 bytes (") != std::string::npos, errors.c_str());
    QVERIFY2(errors.find(" bytes came without its terminator); closing the connection\n") != std::string::npos,
             errors.c_str());
    QCOMPARE(std::count(errors.begin(), errors.end(), '\n'), 1);
    QVERIFY2(closed.find("closed by the mock: request 1 exceeds the limit of 65536 bytes") != std::string::npos,
             closed.c_str());
    QCOMPARE(mock.stats().requests, 0u);
    // The mock goes on serving others.
    Client next(mock.port());
    next.send("ping\n");
    QCOMPARE(next.read(5), std::string("ping\n"));
}

void TestMocker::repeatedWarningsAreSummarised() {
    PingMock m;
    QVERIFY(m.started);
    auto& [log, mock, error, started] = m;
    const auto start = std::chrono::steady_clock::now();
    constexpr std::size_t kExtra = 10000;
    Client c(mock.port());
    std::string flood = "pong\n";
    for (std::size_t i = 0; i < kExtra; ++i) flood += "x\n";
    c.send(flood);
    c.halfClose();
    QVERIFY(c.waitForClose());
    QCOMPARE(c.received(), std::string("ping\n"));
    QTRY_COMPARE_WITH_TIMEOUT(mock.stats().clientsFinished, 1u, 10000);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
    QCOMPARE(mock.stats().mismatches, 1u);
    QCOMPARE(mock.stats().unexpected, kExtra);
    std::size_t oneByOne = 0, summaries = 0;
    std::uint64_t summarised = 0;
    std::string closed, last;
    for (const MockEvent& e : log.events()) {
        if (e.kind == MockEvent::Kind::Mismatch || e.kind == MockEvent::Kind::Unexpected) {
            if (e.summarised) {
                ++summaries;
                summarised += e.summarised;
                last = e.text;
                QVERIFY(e.bytes.empty());
            } else {
                ++oneByOne;
            }
        }
        if (e.kind == MockEvent::Kind::ClientClosed) closed = e.text;
    }
    QCOMPARE(oneByOne, MockOptions{}.warningsPerClient);  // the mismatch and 4 extra requests
    QCOMPARE(oneByOne + summarised, kExtra + 1);         // every one accounted for
    QVERIFY2(summaries >= 1 && summaries <= 2 + static_cast<std::size_t>(seconds.count()), std::to_string(summaries).c_str());
    QVERIFY2(last.find(" more requests beyond the recording (the last: request 10001); not answered") !=
                 std::string::npos,
             last.c_str());
    QVERIFY2(closed.find("1 of 1 recorded requests, 1 differing (first: request 1 differs") != std::string::npos &&
                 closed.find("10000 beyond the recording") != std::string::npos,
             closed.c_str());
}

void TestMocker::answersByMatch() {
    // A redis-like recording: PING, GET k (nil), SET k v, GET k (v).
    lwtest::ScriptedServer::Options so;
    so.terminator = engine::Terminator::bytes("\r\n");
    lwtest::ScriptedServer server(
        [](std::size_t i, const std::string& body) -> std::optional<std::string> {
            if (body == "PING") return std::string("+PONG\r\n");
            if (body.starts_with("SET")) return std::string("+OK\r\n");
            return i == 2 ? std::string("$-1\r\n") : std::string("$1\r\nv\r\n");
        },
        so);
    lwtest::ClientScript cs;
    cs.terminator = engine::Terminator::bytes("\r\n");
    cs.requests = {"PING\r\n", "GET k\r\n", "SET k v\r\n", "GET k\r\n"};
    const ReplayScript script = scriptOf(lwtest::recordClient(server.port(), cs));
    QCOMPARE(script.requests.size(), 4u);

    EventLog log;
    engine::MockOptions o;
    o.match = true;
    Mocker mock({script}, o);
    std::string error;
    QVERIFY2(mock.start(log.observer(), &error), error.c_str());
    Client c(mock.port());
    std::string expected;
    const auto ask = [&](std::string_view request, std::string_view reply) {
        c.send(request);
        expected += reply;
        return c.read(expected.size());
    };
    QCOMPARE(ask("GET k\r\n", "$-1\r\n"), expected);        // the first recorded GET k, not the reply to PING
    QCOMPARE(ask("PING\r\n", "+PONG\r\n"), expected);
    QCOMPARE(ask("GET k\r\n", "$1\r\nv\r\n"), expected);   // the second occurrence answers next…
    QCOMPARE(ask("GET k\r\n", "$-1\r\n"), expected);        // …then the first again
    QCOMPARE(ask("GET zz\r\n", ""), expected);               // no recorded match: no answer
    QCOMPARE(ask("PING\r\nSET k v\r\n", "+PONG\r\n+OK\r\n"), expected);  // pipelined in one read
    QCOMPARE(ask("GET k", ""), expected);                     // not complete yet
    QCOMPARE(ask("\r\n", "$1\r\nv\r\n"), expected);
    c.halfClose();
    QVERIFY(c.waitForClose());
    QCOMPARE(c.received(), expected);
    QTRY_COMPARE_WITH_TIMEOUT(mock.stats().clientsFinished, 1u, 10000);
    const engine::MockStats s = mock.stats();
    QCOMPARE(s.requests, 8u);
    QCOMPARE(s.unexpected, 1u);
    QCOMPARE(s.mismatches, 0u);
    bool noted = false;
    for (const MockEvent& e : log.events()) {
        if (e.kind == MockEvent::Kind::Unexpected) {
            noted = true;
            QCOMPARE(e.index, 5u);
            QCOMPARE(e.bytes, std::string("GET zz\r\n"));
            QVERIFY2(e.text == "request 5 \"GET zz\\r\\n\" matches no recorded request; not answered", e.text.c_str());
        }
        if (e.kind == MockEvent::Kind::ClientClosed)
            QVERIFY2(e.text.find("8 requests, 7 answered by match, 1 matching no recorded request") != std::string::npos,
                     e.text.c_str());
    }
    QVERIFY(noted);
}

void TestMocker::matchRefusesStartTls() {
    engine::MockOptions o;
    o.match = true;
    o.tls.startTls = engine::StartTlsProtocol::Smtp;
    Mocker mock({recordedEcho("a\n")}, o);
    std::string error;
    QVERIFY(!mock.start({}, &error));
    QVERIFY2(error.find("answering by match and a STARTTLS upgrade exclude each other") != std::string::npos,
             error.c_str());
}

QTEST_GUILESS_MAIN(TestMocker)
#include "tst_Mocker.moc"
