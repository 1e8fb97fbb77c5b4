// tst_ReactorPrograms.cpp — cmd::SetPrograms: a live channel's protocol
// programs changed through the reactor's one command door (what the GUI's
// Channel ▸ Protocol preset… and the rules editor's Apply post). A
// connection starts framing and answering with the new program at once,
// goes back to plain framing when the programs are cleared; a listener hands
// them to the connections it accepts afterwards; a UDP channel refuses.
// Loopback only; every wait is on a condition with a timeout.
#include "engine/program/Presets.h"
#include "engine/program/Program.h"
#include "engine/reactor/Reactor.h"

#include <QTest>

#include "ReactorTestSupport.h"

#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using engine::ChannelId;
using engine::Event;
using engine::EventKind;
using engine::Reactor;
using Events = lwtest::Events;
using Programs = std::vector<std::shared_ptr<const engine::program::Program>>;

std::shared_ptr<const engine::program::Program> parse(const std::string& text) {
    std::string error;
    auto p = engine::program::Program::parse(text, "test.lwp", &error);
    if (!p) QTest::qFail(("the test program does not parse: " + error).c_str(), __FILE__, __LINE__);
    return p ? std::make_shared<const engine::program::Program>(std::move(*p)) : nullptr;
}

// A program that answers PING and frames `$N` bulk strings by count (their bytes may hold CRLFs).
const char* const kPingProgram =
    "name pingbulk\n"
    "terminator \"\\r\\n\"\n"
    "rule ping: equals \"PING\" => reply \"+PONG\\r\\n\"\n"
    "rule bulk: regex \"^[$]([0-9]+)$\" => count $1+2\n";

std::uint16_t listen(Reactor& r, Events& ev, ChannelId& server, engine::ChannelOptions o = {}) {
    o.terminator = engine::Terminator::bytes("\r\n");
    server = r.openServer("127.0.0.1", 0, o);
    if (!ev.waitFor(EventKind::Listening, server)) return 0;
    return static_cast<std::uint16_t>(ev.first(EventKind::Listening, server).size);
}

ChannelId accepted(Events& ev, std::size_t nth) {
    ev.waitUntil([&] { return ev.count(EventKind::Accepted) > nth; });
    const auto v = ev.of(EventKind::Accepted);
    return v.size() > nth ? v[nth]->channel : 0;
}

/// The found_terminator events of `ch`: (message size, rule).
std::vector<std::pair<std::int64_t, std::string>> found(const Events& ev, ChannelId ch) {
    std::vector<std::pair<std::int64_t, std::string>> out;
    for (const Event* e : ev.of(EventKind::FoundTerminator, ch)) out.emplace_back(e->size, e->info);
    return out;
}

ChannelId connectClient(Reactor& r, Events& ev, std::uint16_t port) {
    engine::ChannelOptions o;
    o.terminator = engine::Terminator::bytes("\r\n");
    const ChannelId c = r.openClient("127.0.0.1", port, o);
    ev.waitFor(EventKind::Connected, c);
    return c;
}

// A reactor with a CRLF listener on loopback (`server` on `port`) and one
// client connected to it: `client` ours, `conn` the listener's side.
struct Loopback {
    Reactor r;
    Events ev{r};
    ChannelId server = 0;
    std::uint16_t port = 0;
    ChannelId client = 0;
    ChannelId conn = 0;

    Loopback() {
        port = listen(r, ev, server);
        if (port == 0) return;
        client = connectClient(r, ev, port);
        conn = accepted(ev, 0);
    }
    /// Listening, connected and accepted.
    bool ok() const { return port != 0 && conn != 0; }
};

}  // namespace

class TestReactorPrograms : public QObject {
    Q_OBJECT
private slots:
    void connectionGetsProgramLive();
    void clearedProgramsFrameAsBefore();
    void listenerHandsProgramsToNewConnections();
    void presetByNameRunsLive();
    void refusedWhereItCannotApply();
};

void TestReactorPrograms::connectionGetsProgramLive() {
    Loopback t;
    QVERIFY(t.ok());
    auto& [r, ev, server, port, client, conn] = t;

    // Before: plain CRLF framing, nobody answers.
    r.push(client, "PING\r\n");
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::FoundTerminator, conn) == 1; }));
    QCOMPARE(found(ev, conn).back().second, std::string());

    const auto prog = parse(kPingProgram);
    QVERIFY(prog);
    r.setPrograms(conn, {prog});
    QVERIFY(ev.waitFor(EventKind::TerminatorSet, conn));
    QCOMPARE(ev.first(EventKind::TerminatorSet, conn).terminator(), engine::Terminator::bytes("\r\n"));

    // After: PING is answered, and a bulk string with CRLFs inside is one message (2 + 5+2 bytes, not 2+2+1).
    r.push(client, "PING\r\n$5\r\nab\r\nc\r\n");
    QVERIFY(ev.waitUntil([&] { return ev.collected(client) == "+PONG"; }));
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::FoundTerminator, conn) == 4; }));
    const auto f = found(ev, conn);
    QCOMPARE(f[1].first, std::int64_t(4));
    QCOMPARE(f[1].second, std::string("ping"));
    QCOMPARE(f[2].first, std::int64_t(2));
    QCOMPARE(f[2].second, std::string("bulk"));
    QCOMPARE(f[3].first, std::int64_t(7));
}

void TestReactorPrograms::clearedProgramsFrameAsBefore() {
    Loopback t;
    QVERIFY(t.ok());
    auto& [r, ev, server, port, client, conn] = t;
    r.setPrograms(conn, {parse(kPingProgram)});
    r.push(client, "PING\r\n");
    QVERIFY(ev.waitUntil([&] { return ev.collected(client) == "+PONG"; }));

    r.setPrograms(conn, {});
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::TerminatorSet, conn) == 2; }));
    r.push(client, "$5\r\nPING\r\n");
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::FoundTerminator, conn) == 3; }));
    const auto f = found(ev, conn);
    QCOMPARE(f[1].first, std::int64_t(2));  // "$5" no longer sets a count
    QCOMPARE(f[1].second, std::string(""));
    QCOMPARE(f[2].first, std::int64_t(4));  // nor is PING answered
    QCOMPARE(f[2].second, std::string(""));
    // Nothing more arrives at the client: a second PONG would have come before this line.
    r.push(conn, "done\r\n");
    QVERIFY(ev.waitUntil([&] { return ev.collected(client) == "+PONGdone"; }));
}

void TestReactorPrograms::listenerHandsProgramsToNewConnections() {
    Loopback t;
    QVERIFY(t.ok());
    auto& [r, ev, server, port, before, first] = t;

    r.setPrograms(server, {parse(kPingProgram)});
    QVERIFY(ev.waitFor(EventKind::TerminatorSet, server));
    const ChannelId after = connectClient(r, ev, port);
    QVERIFY(accepted(ev, 1) != 0);

    r.push(after, "PING\r\n");
    QVERIFY(ev.waitUntil([&] { return ev.collected(after) == "+PONG"; }));
    // The connection accepted before keeps plain framing.
    r.push(before, "PING\r\n");
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::FoundTerminator, first) == 1; }));
    QCOMPARE(found(ev, first).front().second, std::string());
    QCOMPARE(ev.collected(before), std::string());
}

void TestReactorPrograms::presetByNameRunsLive() {
    // A shipped preset, as the GUI's chooser loads it: redis frames a bulk reply holding CRLFs as one message.
    std::string error;
    auto redis = engine::program::loadPreset("redis", "/nonexistent-user-dir", &error);
    QVERIFY2(redis, error.c_str());
    Loopback t;
    QVERIFY(t.ok());
    auto& [r, ev, server, port, client, conn] = t;
    r.setPrograms(client, {redis});
    QVERIFY(ev.waitFor(EventKind::TerminatorSet, client));
    r.push(conn, "$11\r\nhello\r\nworld\r\n");
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::FoundTerminator, client) == 2; }));
    const auto f = found(ev, client);
    QCOMPARE(f[0].first, std::int64_t(3));
    QCOMPARE(f[0].second, std::string("bulk"));
    QCOMPARE(f[1].first, std::int64_t(13));
}

void TestReactorPrograms::refusedWhereItCannotApply() {
    Reactor r;
    Events ev(r);
    const ChannelId udp = r.openDatagram(engine::cmd::OpenDatagram::Mode::Bind, "127.0.0.1", 0);
    QVERIFY(ev.waitFor(EventKind::Listening, udp));
    r.setPrograms(udp, {parse(kPingProgram)});
    QVERIFY(ev.waitFor(EventKind::Error, udp));
    r.setPrograms(9999, {parse(kPingProgram)});
    QVERIFY(ev.waitFor(EventKind::Error, 9999));
}

QTEST_GUILESS_MAIN(TestReactorPrograms)
#include "tst_ReactorPrograms.moc"
