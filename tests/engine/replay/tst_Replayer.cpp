// tst_Replayer.cpp — engine::Replayer against real servers on loopback.
//
// Covered: a session recorded against a server replays against the same
// server with every reply matching, at every pacing (lockstep, fast,
// original with a speed factor), from a client-side and from a server-side
// recording; against a server that changes one reply it stops at exactly
// that reply, with the byte offset and both versions; ignore rules (for all
// replies, for one); a server that closes early, says too much, stays silent,
// does not close when the recording shows it closing; keep-going; early
// detection of a reply that has already gone wrong; a refused connection;
// cancel(); the progress events and the report's format.
// Hostile servers and patterns: 60,000-byte replies under `[0-9]+`,
// `Date: .*` and 50 KB under `Z+` (std::regex overflowed the stack); a
// 100,000-byte pattern and 30,000 '(' refused with a message; a reply past
// maxReplyBytes ends the replay with a divergence (keepGoing too); a reply
// that keeps streaming is ended by the timeout (keepGoing too);
// maxDivergences ends a keepGoing replay.
#include "engine/replay/Replayer.h"

#include "ReplayTestSupport.h"

#include <QTest>

Q_DECLARE_METATYPE(engine::Pacing)

namespace {

using engine::Divergence;
using engine::Pacing;
using engine::ReplayEvent;
using engine::ReplayOptions;
using engine::ReplayResult;
using engine::Replayer;
using engine::ReplayScript;

ReplayScript scriptOf(const lwtest::Recorded& r) {
    const auto cs = r.conversations();
    std::string why;
    const engine::Conversation* c = engine::selectConversation(cs, std::nullopt, &why);
    if (!c) throw std::runtime_error(why);
    auto s = ReplayScript::build(*c, {}, &why);
    if (!s) throw std::runtime_error(why);
    return *s;
}

/// "reply N: <body>" to every message.
std::optional<std::string> numbered(std::size_t i, const std::string& body) {
    return "reply " + std::to_string(i) + ": " + body + "\n";
}

/// A recording of four requests against the numbered server.
lwtest::Recorded recordFour(lwtest::ScriptedServer::Options so = {}, lwtest::ClientScript::End end = lwtest::ClientScript::End::Close) {
    lwtest::ScriptedServer server(numbered, so);
    lwtest::ClientScript cs;
    cs.requests = {"one\n", "two\n", "three\n", "four\n"};
    cs.end = end;
    return lwtest::recordClient(server.port(), cs);
}

ReplayResult replay(const ReplayScript& s, std::uint16_t port, ReplayOptions o = {},
                    std::vector<ReplayEvent>* events = nullptr) {
    o.host = "127.0.0.1";
    o.port = port;
    Replayer r(s, o);
    return r.run([events](const ReplayEvent& e) {
        if (events) events->push_back(e);
    });
}

/// A line server whose answer to every message is `copies` copies of
/// `chunk`, one every `interval` (Reactor::pushRepeat): a reply that keeps
/// streaming, bounded in time and size.
class StreamingServer {
public:
    StreamingServer(std::string chunk, std::uint64_t copies, std::chrono::milliseconds interval)
        : m_chunk(std::move(chunk)), m_copies(copies), m_interval(interval) {
        m_listener = m_reactor.openServer("127.0.0.1", 0);
        std::promise<std::uint16_t> port;
        auto portFuture = port.get_future();
        m_thread = std::thread([this, p = std::move(port)]() mutable { run(std::move(p)); });
        if (portFuture.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
            throw std::runtime_error("the server did not start");
        m_port = portFuture.get();
    }
    ~StreamingServer() {
        m_reactor.shutdown();
        m_thread.join();
    }
    std::uint16_t port() const { return m_port; }

private:
    void run(std::promise<std::uint16_t> port) {
        std::vector<engine::Event> batch;
        bool portSet = false;
        for (bool stopped = false; !stopped;) {
            if (!m_reactor.waitAndDrain(batch, std::chrono::milliseconds(100))) continue;
            for (const engine::Event& e : batch) {
                if (e.kind == engine::EventKind::Listening && !portSet) {
                    port.set_value(static_cast<std::uint16_t>(e.size));
                    portSet = true;
                }
                if (e.kind == engine::EventKind::FoundTerminator) m_reactor.pushRepeat(e.channel, m_chunk, m_copies, m_interval);
                if (e.kind == engine::EventKind::Stopped) stopped = true;
            }
        }
        if (!portSet) port.set_value(0);
    }

    std::string m_chunk;
    std::uint64_t m_copies;
    std::chrono::milliseconds m_interval;
    engine::Reactor m_reactor;
    engine::ChannelId m_listener = 0;
    std::uint16_t m_port = 0;
    std::thread m_thread;
};

std::string describe(const ReplayResult& r) {
    std::string s = std::string(engine::replayStatusName(r.status)) + ": " + r.summary() + " " + r.error;
    for (const Divergence& d : r.divergences) s += "\n" + d.report();
    return s;
}

}  // namespace

class TestReplayer : public QObject {
    Q_OBJECT

private slots:
    void passesAgainstTheSameServer_data();
    void passesAgainstTheSameServer();
    void serverSideRecordingReplays();
    void stopsAtTheChangedReply();
    void ignoreRules();
    void keepGoingReportsEveryDivergence();
    void serverClosesEarly();
    void serverSaysTooMuch();
    void silentServerTimesOut();
    void serverDoesNotCloseAsRecorded();
    void wrongReplyIsReportedBeforeItEnds();
    void refusedConnection();
    void cancel();
    void progressEvents();
    void originalPacingKeepsTheRecordedGaps();
    void unframedRepliesCompleteWhenTheyStop();
    void badOptions();
    void longRepliesUnderIgnoreRules();
    void hostilePatternsAreRefused();
    void replyOverTheLimitEndsTheReplay();
    void streamingReplyEndsAtTheTimeout();
    void keepGoingStopsAtTheDivergenceLimit();
};

void TestReplayer::passesAgainstTheSameServer_data() {
    QTest::addColumn<Pacing>("pacing");
    QTest::newRow("lockstep") << Pacing::Lockstep;
    QTest::newRow("fast") << Pacing::Fast;
    QTest::newRow("original") << Pacing::Original;
}

void TestReplayer::passesAgainstTheSameServer() {
    QFETCH(Pacing, pacing);
    const ReplayScript s = scriptOf(recordFour());
    lwtest::ScriptedServer again(numbered);
    ReplayOptions o;
    o.pacing = pacing;
    o.speed = 4.0;
    const ReplayResult r = replay(s, again.port(), o);
    QVERIFY2(r.status == ReplayResult::Status::Passed, describe(r).c_str());
    QCOMPARE(r.requestsSent, 4u);
    QCOMPARE(r.repliesMatched, 4u);
    QCOMPARE(r.repliesReceived, 4u);
    QCOMPARE(r.bytesSent, s.requestBytes());
    QCOMPARE(r.bytesReceived, s.replyBytes());
    QCOMPARE(r.target, "127.0.0.1:" + std::to_string(again.port()));
}

void TestReplayer::serverSideRecordingReplays() {
    lwtest::ScriptedServer server(numbered);
    lwtest::ClientScript cs;
    cs.requests = {"a\n", "b\n"};
    lwtest::recordClient(server.port(), cs);
    const ReplayScript s = scriptOf(server.stop());
    QVERIFY(!s.recordedAsClient);
    lwtest::ScriptedServer again(numbered);
    const ReplayResult r = replay(s, again.port());
    QVERIFY2(r.status == ReplayResult::Status::Passed, describe(r).c_str());
    QCOMPARE(r.repliesMatched, 2u);
}

void TestReplayer::stopsAtTheChangedReply() {
    const ReplayScript s = scriptOf(recordFour());
    lwtest::ScriptedServer changed([](std::size_t i, const std::string& body) -> std::optional<std::string> {
        if (i == 3) return "reply 3: THREE\n";
        return numbered(i, body);
    });
    const ReplayResult r = replay(s, changed.port());
    QVERIFY2(r.status == ReplayResult::Status::Diverged, describe(r).c_str());
    QCOMPARE(r.divergences.size(), 1u);
    const Divergence& d = r.divergences[0];
    QCOMPARE(d.kind, Divergence::Kind::Different);
    QCOMPARE(d.reply, 3u);
    QCOMPARE(d.offset, 9u);  // "reply 3: " is the same
    QCOMPARE(d.expected, std::string("reply 3: three\n"));
    QCOMPARE(d.received.substr(0, 10), std::string("reply 3: T"));
    QCOMPARE(d.requestsSent, 3u);
    QCOMPARE(r.repliesMatched, 2u);
    QCOMPARE(r.requestsSent, 3u);  // lockstep: the fourth was never sent
    QVERIFY2(d.summary.rfind("reply 3 of 4 differs from the recording at byte 9", 0) == 0, d.summary.c_str());
}

void TestReplayer::ignoreRules() {
    const ReplayScript s = scriptOf(recordFour());
    lwtest::ScriptedServer changed([](std::size_t i, const std::string& body) -> std::optional<std::string> {
        return "reply " + std::to_string(i) + ": " + (i == 2 ? std::string("TWO-2024") : body) + "\n";
    });
    ReplayOptions all;
    all.ignore = {{0, "[A-Za-z0-9-]+$"}};  // everything after "reply N: "
    QVERIFY(replay(s, changed.port(), all).status == ReplayResult::Status::Passed);

    ReplayOptions justTwo;
    justTwo.ignore = {{2, ": .*"}};
    const ReplayResult r2 = replay(s, changed.port(), justTwo);
    QVERIFY2(r2.status == ReplayResult::Status::Passed, describe(r2).c_str());

    // Digits ignored, letters not: still different, and the ignored parts
    // are reported for display.
    ReplayOptions digits;
    digits.ignore = {{0, "[0-9]+"}};
    const ReplayResult rd = replay(s, changed.port(), digits);
    QCOMPARE(rd.status, ReplayResult::Status::Diverged);
    const Divergence& dd = rd.divergences.at(0);
    QCOMPARE(dd.reply, 2u);
    QCOMPARE(dd.received, std::string("reply 2: TWO-2024\n"));
    QCOMPARE(dd.offset, 9u);
    QCOMPARE(dd.ignoredExpected, (std::vector<std::pair<std::size_t, std::size_t>>{{6, 7}}));
    QCOMPARE(dd.ignoredReceived, (std::vector<std::pair<std::size_t, std::size_t>>{{6, 7}, {13, 17}}));

    ReplayOptions wrongOne;
    wrongOne.ignore = {{3, ": .*"}};
    const ReplayResult r3 = replay(s, changed.port(), wrongOne);
    QCOMPARE(r3.status, ReplayResult::Status::Diverged);
    QCOMPARE(r3.divergences.at(0).reply, 2u);
    QCOMPARE(r3.divergences.at(0).offset, 9u);
}

void TestReplayer::keepGoingReportsEveryDivergence() {
    const ReplayScript s = scriptOf(recordFour());
    lwtest::ScriptedServer changed([](std::size_t i, const std::string& body) -> std::optional<std::string> {
        if (i == 1 || i == 4) return "other\n";
        return numbered(i, body);
    });
    ReplayOptions o;
    o.keepGoing = true;
    const ReplayResult r = replay(s, changed.port(), o);
    QCOMPARE(r.status, ReplayResult::Status::Diverged);
    QCOMPARE(r.divergences.size(), 2u);
    QCOMPARE(r.divergences[0].reply, 1u);
    QCOMPARE(r.divergences[1].reply, 4u);
    QCOMPARE(r.repliesMatched, 2u);
    QCOMPARE(r.requestsSent, 4u);
}

void TestReplayer::serverClosesEarly() {
    const ReplayScript s = scriptOf(recordFour());
    lwtest::ScriptedServer::Options so;
    so.closeAfter = 2;
    lwtest::ScriptedServer early(numbered, so);
    const ReplayResult r = replay(s, early.port());
    QCOMPARE(r.status, ReplayResult::Status::Diverged);
    const Divergence& d = r.divergences.at(0);
    QCOMPARE(d.kind, Divergence::Kind::Missing);
    QCOMPARE(d.reply, 3u);
    // "closed the connection", or "reset the connection" when request 3 hit
    // the closed socket first: either way, before reply 3.
    QVERIFY2(d.summary.find("the connection") != std::string::npos &&
                 d.summary.find(" before reply 3 of 4") != std::string::npos,
             d.summary.c_str());
}

void TestReplayer::serverSaysTooMuch() {
    // Recorded: the server closes after the second reply.
    lwtest::ScriptedServer::Options so;
    so.closeAfter = 2;
    lwtest::ScriptedServer server(numbered, so);
    lwtest::ClientScript cs;
    cs.requests = {"a\n", "b\n"};
    cs.end = lwtest::ClientScript::End::WaitForServerClose;
    const ReplayScript s = scriptOf(lwtest::recordClient(server.port(), cs));
    QVERIFY(s.serverCloses);
    // Now it answers the second message twice before closing.
    lwtest::ScriptedServer chatty([](std::size_t i, const std::string& body) -> std::optional<std::string> {
        return i == 2 ? numbered(i, body).value() + "and more\n" : numbered(i, body);
    },
                                  so);
    const ReplayResult r = replay(s, chatty.port());
    QCOMPARE(r.status, ReplayResult::Status::Diverged);
    QCOMPARE(r.divergences.at(0).kind, Divergence::Kind::Unexpected);
    QCOMPARE(r.divergences.at(0).reply, 3u);
    QCOMPARE(r.divergences.at(0).received, std::string("and more\n"));
    // And against the same server: the close is waited for, and it passes.
    lwtest::ScriptedServer same(numbered, so);
    QVERIFY(replay(s, same.port()).status == ReplayResult::Status::Passed);
}

void TestReplayer::silentServerTimesOut() {
    const ReplayScript s = scriptOf(recordFour());
    lwtest::ScriptedServer silent([](std::size_t i, const std::string& body) -> std::optional<std::string> {
        if (i == 2) return std::nullopt;
        return numbered(i, body);
    });
    ReplayOptions o;
    o.timeout = std::chrono::milliseconds(300);
    const ReplayResult r = replay(s, silent.port(), o);
    QCOMPARE(r.status, ReplayResult::Status::Diverged);
    const Divergence& d = r.divergences.at(0);
    QCOMPARE(d.kind, Divergence::Kind::Missing);
    QCOMPARE(d.reply, 2u);
    QVERIFY2(d.summary.find("did not come within 0.300 s") != std::string::npos, d.summary.c_str());
}

void TestReplayer::serverDoesNotCloseAsRecorded() {
    lwtest::ScriptedServer::Options so;
    so.closeAfter = 1;
    lwtest::ScriptedServer server(numbered, so);
    lwtest::ClientScript cs;
    cs.requests = {"a\n"};
    cs.end = lwtest::ClientScript::End::WaitForServerClose;
    const ReplayScript s = scriptOf(lwtest::recordClient(server.port(), cs));
    lwtest::ScriptedServer open(numbered);
    ReplayOptions o;
    o.timeout = std::chrono::milliseconds(300);
    const ReplayResult r = replay(s, open.port(), o);
    QCOMPARE(r.status, ReplayResult::Status::Diverged);
    QCOMPARE(r.divergences.at(0).kind, Divergence::Kind::NotClosed);
    QCOMPARE(r.repliesMatched, 1u);
}

void TestReplayer::wrongReplyIsReportedBeforeItEnds() {
    const ReplayScript s = scriptOf(recordFour());
    // The first reply starts wrong and never ends.
    lwtest::ScriptedServer wrong([](std::size_t, const std::string&) -> std::optional<std::string> { return "ERR"; });
    ReplayOptions o;
    o.timeout = std::chrono::milliseconds(30000);
    const auto start = std::chrono::steady_clock::now();
    const ReplayResult r = replay(s, wrong.port(), o);
    QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    QCOMPARE(r.status, ReplayResult::Status::Diverged);
    QCOMPARE(r.divergences.at(0).reply, 1u);
    QCOMPARE(r.divergences.at(0).offset, 0u);
    QCOMPARE(r.divergences.at(0).received, std::string("ERR"));
}

void TestReplayer::refusedConnection() {
    const ReplayScript s = scriptOf(recordFour());
    std::uint16_t port = 0;
    {
        lwtest::ScriptedServer gone(numbered);
        port = gone.port();
    }
    const ReplayResult r = replay(s, port);
    QCOMPARE(r.status, ReplayResult::Status::Failed);
    QCOMPARE(r.error, "connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
    QCOMPARE(r.requestsSent, 0u);
}

void TestReplayer::cancel() {
    const ReplayScript s = scriptOf(recordFour());
    lwtest::ScriptedServer silent([](std::size_t, const std::string&) -> std::optional<std::string> { return std::nullopt; });
    ReplayOptions o;
    o.host = "127.0.0.1";
    o.port = silent.port();
    o.timeout = std::chrono::milliseconds(60000);
    Replayer r(s, o);
    std::atomic<bool> sent{false};
    r.start([&](const ReplayEvent& e) {
        if (e.kind == ReplayEvent::Kind::RequestSent) sent = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(sent.load(), 10000);
    QVERIFY(!r.finished());
    r.cancel();
    QVERIFY(r.wait(std::chrono::seconds(10)));
    QCOMPARE(r.result().status, ReplayResult::Status::Cancelled);
}

void TestReplayer::progressEvents() {
    const ReplayScript s = scriptOf(recordFour());
    lwtest::ScriptedServer again(numbered);
    std::vector<ReplayEvent> events;
    const ReplayResult r = replay(s, again.port(), {}, &events);
    QCOMPARE(r.status, ReplayResult::Status::Passed);
    std::string kinds;
    for (const ReplayEvent& e : events) {
        switch (e.kind) {
        case ReplayEvent::Kind::Connecting: kinds += "C"; break;
        case ReplayEvent::Kind::Connected: kinds += "c"; break;
        case ReplayEvent::Kind::RequestSent: kinds += ">" + std::to_string(e.index); break;
        case ReplayEvent::Kind::ReplyMatched: kinds += "<" + std::to_string(e.index); break;
        case ReplayEvent::Kind::Diverged: kinds += "!"; break;
        case ReplayEvent::Kind::Finished: kinds += "F"; break;
        }
    }
    QCOMPARE(kinds, std::string("Cc>1<1>2<2>3<3>4<4F"));  // lockstep: strictly alternating
    QCOMPARE(events[2].bytes, std::string("one\n"));
    QCOMPARE(events[3].bytes, std::string("reply 1: one\n"));
    QVERIFY(events.back().elapsedUs >= events.front().elapsedUs);
}

void TestReplayer::originalPacingKeepsTheRecordedGaps() {
    // A hand-made client recording: two requests 400 ms apart.
    lwtest::ScriptedServer server(numbered);
    lwtest::ClientScript cs;
    cs.requests = {"a\n", "b\n"};
    ReplayScript s = scriptOf(lwtest::recordClient(server.port(), cs));
    s.requests[1].tUs = s.requests[0].tUs + 400000;
    s.requests[0].tUs = s.connectedUs;
    for (Pacing p : {Pacing::Original, Pacing::Fast}) {
        ReplayOptions o;
        o.pacing = p;
        o.speed = 2.0;  // 200 ms
        const ReplayResult r = replay(s, server.port(), o);
        QVERIFY2(r.status == ReplayResult::Status::Passed, describe(r).c_str());
        if (p == Pacing::Original)
            QVERIFY2(r.elapsedUs >= 200000, std::to_string(r.elapsedUs).c_str());
        else
            QVERIFY2(r.elapsedUs < 200000, std::to_string(r.elapsedUs).c_str());
    }
}

void TestReplayer::unframedRepliesCompleteWhenTheyStop() {
    // Recorded with terminator none: the server's bytes are one unterminated
    // message. Against a server that sends them and stays open, the reply is
    // complete once the bytes stop coming (the timeout), and it matches.
    lwtest::ScriptedServer::Options so;
    so.closeAfter = 1;
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo, so);
    lwtest::ClientScript cs;
    cs.terminator = engine::Terminator::none();
    cs.requests = {"raw bytes\n"};
    cs.replies = {0};
    cs.end = lwtest::ClientScript::End::WaitForServerClose;
    ReplayScript s = scriptOf(lwtest::recordClient(server.port(), cs));
    QCOMPARE(s.replies.size(), 1u);
    QVERIFY(!s.replies[0].message.terminated);
    QVERIFY(s.serverCloses);
    lwtest::ScriptedServer closes(lwtest::ScriptedServer::echo, so);
    QVERIFY(replay(s, closes.port()).status == ReplayResult::Status::Passed);  // complete at the close
    s.serverCloses = false;
    lwtest::ScriptedServer open(lwtest::ScriptedServer::echo);
    ReplayOptions o;
    o.timeout = std::chrono::milliseconds(300);
    const ReplayResult r = replay(s, open.port(), o);
    QVERIFY2(r.status == ReplayResult::Status::Passed, describe(r).c_str());
    QCOMPARE(r.repliesMatched, 1u);
}

void TestReplayer::badOptions() {
    ReplayOptions o;
    o.ignore = {{0, "(unclosed"}};
    const auto why = Replayer::checkOptions(o);
    QVERIFY(why);
    QVERIFY2(why->find("'(unclosed' is not a valid regular expression") != std::string::npos, why->c_str());
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Replayer(ReplayScript{}, o));
    ReplayOptions slow;
    slow.speed = 0;
    QVERIFY(Replayer::checkOptions(slow));

    Divergence d;
    d.kind = Divergence::Kind::Different;
    d.summary = "reply 1 differs";
    d.expected = "abc\r\n";
    d.received = "abX\r\n";
    d.offset = 2;
    QCOMPARE(d.report(), std::string("reply 1 differs\n"
                                     "  expected: abc\\r\\n\n"
                                     "  received: abX\\r\\n\n"
                                     "              ^ byte 2\n"));
}

void TestReplayer::longRepliesUnderIgnoreRules() {
    // Recorded replies of 60,000 bytes (and 50 KB); the server now sends
    // other bytes where the rules allow it. std::regex crashed the replay
    // thread (stack overflow) on each of these.
    auto server = [](bool again) {
        return [again](std::size_t i, const std::string&) -> std::optional<std::string> {
            switch (i) {
            case 1: return "id " + std::string(60000 - 3, again ? '2' : '1') + "\n";
            case 2: return "Date: " + std::string(60000 - 6, again ? 'b' : 'a') + "\n";
            default: return std::string(50 * 1024 + (again ? 3 : 0), 'Z') + "\n";
            }
        };
    };
    lwtest::ScriptedServer first(server(false));
    lwtest::ClientScript cs;
    cs.requests = {"1\n", "2\n", "3\n"};
    const ReplayScript s = scriptOf(lwtest::recordClient(first.port(), cs));
    QCOMPARE(s.replies.at(0).message.body.size(), 60000u);
    lwtest::ScriptedServer second(server(true));
    const auto start = std::chrono::steady_clock::now();
    ReplayOptions o;
    o.ignore = {{1, "[0-9]+"}, {2, "Date: .*"}, {3, "Z+"}};
    const ReplayResult r = replay(s, second.port(), o);
    QVERIFY2(r.status == ReplayResult::Status::Passed, describe(r).c_str());
    QCOMPARE(r.repliesMatched, 3u);
    // Without the rules, each differs.
    o.ignore = {{0, "Z+"}};
    o.keepGoing = true;
    const ReplayResult d = replay(s, second.port(), o);
    QCOMPARE(d.status, ReplayResult::Status::Diverged);
    QCOMPARE(d.divergences.size(), 2u);
    QCOMPARE(d.divergences[0].offset, 3u);
    QCOMPARE(d.divergences[1].offset, 6u);
    QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

void TestReplayer::hostilePatternsAreRefused() {
    for (const std::string& p : {std::string(100000, 'a'), std::string(30000, '(')}) {
        ReplayOptions o;
        o.ignore = {{0, p}};
        const auto why = Replayer::checkOptions(o);
        QVERIFY(why);
        QVERIFY2(why->find("is not a valid regular expression: pattern too long (" + std::to_string(p.size()) +
                           " bytes; the limit is 4096)") != std::string::npos,
                 why->c_str());
        QVERIFY2(why->size() < 200, why->c_str());  // the pattern is cut short in the message
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Replayer(ReplayScript{}, o));
    }
    // RE2 syntax: no backreferences.
    ReplayOptions backref;
    backref.ignore = {{2, "(a)\\1"}};
    const auto why = Replayer::checkOptions(backref);
    QVERIFY(why);
    QCOMPARE(*why, std::string("the ignore pattern '(a)\\1' is not a valid regular expression: invalid escape "
                               "sequence: \\1"));
    ReplayOptions limits;
    limits.maxReplyBytes = 0;
    QVERIFY(Replayer::checkOptions(limits));
    limits.maxReplyBytes = 1;
    limits.maxDivergences = 0;
    QVERIFY(Replayer::checkOptions(limits));
}

void TestReplayer::replyOverTheLimitEndsTheReplay() {
    const ReplayScript s = scriptOf(recordFour());
    // Reply 2 is a megabyte with no end; an ignore rule is in force, so no
    // early mismatch stops it: only the limit does.
    lwtest::ScriptedServer endless([](std::size_t i, const std::string& body) -> std::optional<std::string> {
        if (i == 2) return std::string(1 << 20, 'A');
        return numbered(i, body);
    });
    for (const bool keepGoing : {false, true}) {
        ReplayOptions o;
        o.ignore = {{0, "[0-9]+"}};
        o.maxReplyBytes = 64 * 1024;
        o.keepGoing = keepGoing;
        o.timeout = std::chrono::milliseconds(3000);
        const auto start = std::chrono::steady_clock::now();
        const ReplayResult r = replay(s, endless.port(), o);
        QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2500));
        QCOMPARE(r.status, ReplayResult::Status::Diverged);
        QCOMPARE(r.divergences.size(), 1u);
        QCOMPARE(r.repliesMatched, 1u);
        const Divergence& d = r.divergences[0];
        QCOMPARE(d.kind, Divergence::Kind::Different);
        QCOMPARE(d.reply, 2u);
        QVERIFY2(d.summary.rfind("reply 2 of 4 exceeds the limit of 65536 bytes: ", 0) == 0, d.summary.c_str());
        QVERIFY2(d.summary.find(" bytes came without its end (after 2 of 4 requests)") != std::string::npos,
                 d.summary.c_str());
        QCOMPARE(d.offset, 0u);
        QVERIFY(d.received.size() <= 64 * 1024);  // a part of it is kept, not all
        QVERIFY(d.received.find_first_not_of('A') == std::string::npos);
    }
}

void TestReplayer::streamingReplyEndsAtTheTimeout() {
    const ReplayScript s = scriptOf(recordFour());
    // One byte every 5 ms for up to 20 s: the reply never ends, and it keeps
    // coming, which used to push the timeout back again and again.
    StreamingServer trickle("x", 4000, std::chrono::milliseconds(5));
    ReplayOptions o;
    o.timeout = std::chrono::milliseconds(300);
    o.ignore = {{0, "x+"}};  // no early mismatch: only the timeout can end it
    auto start = std::chrono::steady_clock::now();
    ReplayResult r = replay(s, trickle.port(), o);
    QVERIFY2(std::chrono::steady_clock::now() - start < std::chrono::seconds(5), describe(r).c_str());
    QCOMPARE(r.status, ReplayResult::Status::Diverged);
    QCOMPARE(r.divergences.size(), 1u);
    QCOMPARE(r.divergences[0].kind, Divergence::Kind::Missing);
    QCOMPARE(r.divergences[0].reply, 1u);
    QVERIFY2(r.divergences[0].summary.find("reply 1 of 4 did not end within 0.300 s (after 1 of 4 requests); only "
                                           "part of it arrived: ") != std::string::npos,
             r.divergences[0].summary.c_str());
    // keepGoing without rules: the reply differs at once (reported), and the
    // timeout still ends the wait for its end.
    o.ignore.clear();
    o.keepGoing = true;
    start = std::chrono::steady_clock::now();
    r = replay(s, trickle.port(), o);
    QVERIFY2(std::chrono::steady_clock::now() - start < std::chrono::seconds(5), describe(r).c_str());
    QCOMPARE(r.status, ReplayResult::Status::Diverged);
    QCOMPARE(r.divergences.size(), 2u);
    QCOMPARE(r.divergences[0].kind, Divergence::Kind::Different);
    QCOMPARE(r.divergences[1].kind, Divergence::Kind::Missing);
}

void TestReplayer::keepGoingStopsAtTheDivergenceLimit() {
    const ReplayScript s = scriptOf(recordFour());
    lwtest::ScriptedServer other([](std::size_t, const std::string&) -> std::optional<std::string> { return "other\n"; });
    ReplayOptions o;
    o.keepGoing = true;
    o.maxDivergences = 2;
    const ReplayResult r = replay(s, other.port(), o);
    QCOMPARE(r.status, ReplayResult::Status::Diverged);
    QCOMPARE(r.divergences.size(), 2u);
    QVERIFY2(r.divergences[1].summary.find("that makes 2 divergences, the limit: the replay stops here") !=
                 std::string::npos,
             r.divergences[1].summary.c_str());
    QVERIFY(r.requestsSent < 4u);
}

QTEST_GUILESS_MAIN(TestReplayer)
#include "tst_Replayer.moc"
