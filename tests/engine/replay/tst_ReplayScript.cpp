// tst_ReplayScript.cpp — engine::ReplayScript: requests, replies and their
// order, from either side of a recorded connection.
//
// Covered: a client-side recording gives requests = its pushes and replies
// = its found_terminator messages (framed as recorded); a server-side
// recording of the same connection gives the same requests and replies;
// a greeting counts as replies before the first request; pipelined requests
// (several before any reply); how the framing is chosen (recorded, the
// channel's terminator, the recorded sizes, a given terminator); the end
// (half-close, server close); what cannot be replayed; where a STARTTLS
// upgrade happened (startTls), and none without a starttls event.
#include "engine/replay/ReplayScript.h"

#include "ReplayTestSupport.h"
#include "TestSupport.h"

#include <QTest>

namespace {

using engine::ReplayScript;
using engine::ReplayScriptOptions;
using engine::Terminator;

/// The script of conversation `c`; throws when it cannot be built.
ReplayScript built(const engine::Conversation& c, const ReplayScriptOptions& o) {
    std::string why;
    auto s = ReplayScript::build(c, o, &why);
    if (!s) throw std::runtime_error(why);
    return *s;
}

ReplayScript scriptOf(const lwtest::Recorded& r, const ReplayScriptOptions& o = {}) {
    const auto cs = r.conversations();
    std::string why;
    const engine::Conversation* c = engine::selectConversation(cs, std::nullopt, &why);
    if (!c) throw std::runtime_error(why);
    return built(*c, o);
}

std::vector<std::string> requests(const ReplayScript& s) {
    return lwtest::mapped(s.requests, [](const auto& r) { return r.bytes; });
}
std::vector<std::string> replies(const ReplayScript& s) {
    return lwtest::mapped(s.replies, [](const auto& r) { return r.message.wire(); });
}
std::vector<std::size_t> repliesBefore(const ReplayScript& s) {
    return lwtest::mapped(s.requests, [](const auto& r) { return r.repliesBefore; });
}

}  // namespace

class TestReplayScript : public QObject {
    Q_OBJECT

private slots:
    void clientAndServerSideAgree();
    void greetingComesFirst();
    void pipelinedRequests();
    void typedAheadRequestsAndAGreeting();
    void typedAheadRequestsCrossTheGreeting();
    void startTlsPoint();
    void framingChoices();
    void endOfTheConversation();
    void whatCannotBeReplayed();
};

void TestReplayScript::clientAndServerSideAgree() {
    lwtest::ScriptedServer server([](std::size_t i, const std::string& b) -> std::optional<std::string> {
        return i == 2 ? std::optional<std::string>("two\nlines\n") : b + "!\n";
    });
    lwtest::ClientScript cs;
    cs.requests = {"a\n", "b\n", "c\n"};
    cs.replies = {1, 2, 1};
    const ReplayScript client = scriptOf(lwtest::recordClient(server.port(), cs));
    const ReplayScript srv = scriptOf(server.stop());

    QVERIFY(client.recordedAsClient);
    QVERIFY(!srv.recordedAsClient);
    const std::vector<std::string> req{"a\n", "b\n", "c\n"};
    const std::vector<std::string> rep{"a!\n", "two\n", "lines\n", "c!\n"};
    QCOMPARE(requests(client), req);
    QCOMPARE(requests(srv), req);
    QCOMPARE(replies(client), rep);
    QCOMPARE(replies(srv), rep);  // the channel's '\n' frames every push exactly
    QCOMPARE(repliesBefore(client), (std::vector<std::size_t>{0, 1, 3}));
    QCOMPARE(repliesBefore(srv), (std::vector<std::size_t>{0, 1, 3}));
    QCOMPARE(client.replies[2].requestsBefore, 2u);
    QCOMPARE(client.replyFraming.describe(), std::string("'\\n'"));
    QCOMPARE(srv.replyFramingSource, std::string("the channel's terminator '\\n'"));
    QCOMPARE(client.clientAddress, srv.clientAddress);
    QCOMPARE(client.serverAddress, srv.serverAddress);
    QCOMPARE(client.requestBytes(), 6u);
    QCOMPARE(client.replyBytes(), 16u);
}

void TestReplayScript::greetingComesFirst() {
    lwtest::ScriptedServer::Options so;
    so.greeting = "220 ready\n";
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo, so);
    lwtest::ClientScript cs;
    cs.greeting = 1;
    cs.requests = {"HELO\n"};
    const ReplayScript client = scriptOf(lwtest::recordClient(server.port(), cs));
    QCOMPARE(replies(client), (std::vector<std::string>{"220 ready\n", "HELO\n"}));
    QCOMPARE(repliesBefore(client), (std::vector<std::size_t>{1}));
    const ReplayScript srv = scriptOf(server.stop());
    QCOMPARE(repliesBefore(srv), (std::vector<std::size_t>{1}));
    QCOMPARE(srv.serverChunks.front().bytes, std::string("220 ready\n"));
    QVERIFY(srv.serverChunks.front().position < srv.requests.front().position);
}

void TestReplayScript::pipelinedRequests() {
    // Two requests pushed at once (one push), then one more.
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo);
    lwtest::ClientScript cs;
    cs.requests = {"p\nq\n", "r\n"};
    cs.replies = {2, 1};
    const ReplayScript client = scriptOf(lwtest::recordClient(server.port(), cs));
    QCOMPARE(requests(client), (std::vector<std::string>{"p\nq\n", "r\n"}));
    QCOMPARE(repliesBefore(client), (std::vector<std::size_t>{0, 2}));
    // The server framed them as three messages.
    const ReplayScript srv = scriptOf(server.stop());
    QCOMPARE(requests(srv), (std::vector<std::string>{"p\n", "q\n", "r\n"}));
    // For a mock, the two replies that followed the pipelined pair are dealt
    // out one per request.
    std::vector<std::size_t> answers;
    for (const auto& r : client.replies) answers.push_back(r.answers);
    QCOMPARE(answers, (std::vector<std::size_t>{1, 1, 2}));  // "p\nq\n" is one request: both its replies answer it
    // A mock of the client-side recording frames requests as recorded: the
    // first request holds the terminator inside, so by sizes.
    QCOMPARE(client.requestFramingSource, std::string("the sizes of the recorded requests"));
    QCOMPARE(client.requestFraming.forMessage(0), Terminator::count(4));
}

namespace {

// The events of a client-side recording made of `steps`, in order: ">x"
// pushes and sends x + `terminator`, "<x" receives the message x framed by
// `terminator`, "!P" is a `starttls` event for protocol P.
std::vector<engine::Event> clientSideEvents(const std::vector<std::string>& steps, const std::string& terminator = "\n") {
    std::vector<engine::Event> ev;
    auto add = [&](engine::EventKind k, std::string data = {}) {
        engine::Event e;
        e.seq = ev.size() + 1;
        e.tUs = static_cast<std::int64_t>(e.seq);
        e.channel = 1;
        e.kind = k;
        e.size = static_cast<std::int64_t>(data.size());
        e.data = std::move(data);
        ev.push_back(std::move(e));
    };
    add(engine::EventKind::Connected);
    for (const std::string& step : steps) {
        const std::string text = step.substr(1);
        if (step[0] == '>') {
            add(engine::EventKind::Push, text + terminator);
            add(engine::EventKind::Sent, text + terminator);
        } else if (step[0] == '<') {
            add(engine::EventKind::Collect, text);
            add(engine::EventKind::FoundTerminator);
            ev.back().setTerminator(Terminator::bytes(terminator));
            ev.back().size = static_cast<std::int64_t>(text.size());
        } else {
            add(engine::EventKind::StartTls);
            ev.back().info = text;
        }
    }
    return ev;
}

ReplayScript clientSideScript(const std::vector<std::string>& steps, const std::string& terminator = "\n") {
    return built(engine::extractConversations(clientSideEvents(steps, terminator)).at(0), {});
}

std::vector<std::size_t> answers(const ReplayScript& s) {
    return lwtest::mapped(s.replies, [](const auto& r) { return r.answers; });
}

}  // namespace

void TestReplayScript::typedAheadRequestsAndAGreeting() {
    // A client-side recording: three requests went out before anything came
    // back (typed ahead), then the server's greeting and three answers.
    const ReplayScript s = clientSideScript({">a", ">b", ">c", "<hi", "<a", "<b", "<c"});
    QCOMPARE(replies(s), (std::vector<std::string>{"hi\n", "a\n", "b\n", "c\n"}));
    QCOMPARE(repliesBefore(s), (std::vector<std::size_t>{0, 0, 0}));  // replay sends them as they went: at once
    std::vector<std::size_t> before;
    for (const auto& r : s.replies) before.push_back(r.requestsBefore);
    QCOMPARE(before, (std::vector<std::size_t>{3, 3, 3, 3}));
    // A mock greets first, then answers each request in turn.
    QCOMPARE(answers(s), (std::vector<std::size_t>{0, 1, 2, 3}));
}

void TestReplayScript::typedAheadRequestsCrossTheGreeting() {
    // The greeting crossed the first typed-ahead request: it came after "a"
    // went out and before "b" did. (CI once recorded this order under load,
    // and a mock that took the greeting for the answer to "a" never greeted
    // a client that waits for it.)
    QCOMPARE(answers(clientSideScript({">a", "<hi", ">b", ">c", "<a", "<b", "<c"})),
             (std::vector<std::size_t>{0, 1, 2, 3}));
    // Not when the client waited for each answer: "a" got two replies.
    QCOMPARE(answers(clientSideScript({">a", "<x", "<y", ">b", "<b"})), (std::vector<std::size_t>{1, 1, 2}));
    // Not when a reply would come before its request went out.
    QCOMPARE(answers(clientSideScript({">a", "<hi", "<a", "<b", ">b", ">c", "<c"})),
             (std::vector<std::size_t>{1, 1, 1, 2}));
}

void TestReplayScript::startTlsPoint() {
    // A client-side recording of an SMTP submission with STARTTLS: the
    // greeting, EHLO and its reply, STARTTLS and its go-ahead in plaintext,
    // the `starttls` event, then EHLO again (inside TLS) and its reply.
    std::vector<std::string> steps{"<220 mail ESMTP", ">EHLO a", "<250 STARTTLS", ">STARTTLS", "<220 go ahead"};
    QVERIFY(!clientSideScript(steps, "\r\n").startTls);  // no starttls event: none
    steps.insert(steps.end(), {"!smtp", ">EHLO a", "<250 ok"});
    const ReplayScript s = clientSideScript(steps, "\r\n");
    QCOMPARE(requests(s), (std::vector<std::string>{"EHLO a\r\n", "STARTTLS\r\n", "EHLO a\r\n"}));
    QCOMPARE(replies(s).size(), std::size_t{4});
    QVERIFY(s.startTls);
    QCOMPARE(s.startTls->requests, std::size_t{2});  // EHLO, STARTTLS
    QCOMPARE(s.startTls->replies, std::size_t{3});   // the greeting, 250, 220 go ahead
}

void TestReplayScript::framingChoices() {
    // Replies that do not end with the server's terminator: framed by their sizes.
    lwtest::ScriptedServer server([](std::size_t, const std::string&) -> std::optional<std::string> { return "OK"; });
    lwtest::ClientScript cs;
    cs.requests = {"x\n", "y\n"};
    cs.terminator = Terminator::bytes("K");  // the client frames the replies by their last byte
    lwtest::recordClient(server.port(), cs);
    const lwtest::Recorded rec = server.stop();
    const ReplayScript srv = scriptOf(rec);
    QCOMPARE(srv.replyFramingSource, std::string("the sizes of the recorded replies"));
    QCOMPARE(replies(srv), (std::vector<std::string>{"OK", "OK"}));
    QCOMPARE(srv.replyFraming.forMessage(1), Terminator::count(2));

    ReplayScriptOptions given;
    given.replyTerminator = Terminator::bytes("K");
    const ReplayScript g = scriptOf(rec, given);
    QCOMPARE(g.replyFramingSource, std::string("the given terminator 'K'"));
    QCOMPARE(replies(g), (std::vector<std::string>{"OK", "OK"}));
    QCOMPARE(g.replies[0].message.body, std::string("O"));
}

void TestReplayScript::endOfTheConversation() {
    lwtest::ScriptedServer::Options so;
    so.closeAfter = 1;
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo, so);
    lwtest::ClientScript cs;
    cs.requests = {"bye\n"};
    cs.end = lwtest::ClientScript::End::WaitForServerClose;
    const ReplayScript a = scriptOf(lwtest::recordClient(server.port(), cs));
    QVERIFY(a.serverCloses);
    QVERIFY(!a.clientHalfCloses);
    QVERIFY(scriptOf(server.stop()).serverCloses);

    lwtest::ScriptedServer server2(lwtest::ScriptedServer::echo);
    cs.end = lwtest::ClientScript::End::HalfClose;
    const ReplayScript b = scriptOf(lwtest::recordClient(server2.port(), cs));
    QVERIFY(b.clientHalfCloses);
}

void TestReplayScript::whatCannotBeReplayed() {
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo);
    lwtest::ClientScript cs;
    cs.requests = {"x\n"};
    lwtest::Recorded rec = lwtest::recordClient(server.port(), cs);
    auto cs2 = engine::extractConversations(rec.events, "messages");
    std::string why;
    QVERIFY(!ReplayScript::build(cs2.at(0), {}, &why));
    QVERIFY2(why.find("recorded below level 'full'") != std::string::npos, why.c_str());

    lwtest::ClientScript silent;
    lwtest::ScriptedServer server2(lwtest::ScriptedServer::echo);
    const auto quiet = lwtest::recordClient(server2.port(), silent).conversations();
    QVERIFY(!ReplayScript::build(quiet.at(0), {}, &why));
    QVERIFY2(why.find("carried no bytes") != std::string::npos, why.c_str());
}

QTEST_GUILESS_MAIN(TestReplayScript)
#include "tst_ReplayScript.moc"
