// tst_ReactorHost.cpp — Reactor::host(): the built-in examples run in the
// Reactor's own loop, their dispatchers reported as channels (through the
// DispatcherTap), named in the loop trace, stepped one pass at a time; and
// the paused preview (bytes waiting in the socket, what the next step does).
// Loopback only; every wait is on a condition with a timeout.
#include "engine/capture/Conversation.h"
#include "engine/asyncore/Dispatcher.h"
#include "engine/capture/EventJson.h"
#include "engine/asyncore/Loop.h"
#include "engine/reactor/Reactor.h"
#include "engine/net/SocketOps.h"
#include "engine/capture/Transcript.h"
#include "examples/ExampleRunner.h"

#include <QTest>

#include "ReactorTestSupport.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using engine::ChannelId;
using engine::Event;
using engine::EventKind;
using engine::HostPhase;
using engine::Reactor;
using engine::ReactorOptions;

/// A reactor's events, with the `hosted` ones found by phase.
class Events : public lwtest::Events {
public:
    using lwtest::Events::Events;
    const Event* hosted(HostPhase p) const {
        for (const Event& e : all)
            if (e.kind == EventKind::Hosted && static_cast<HostPhase>(e.sub) == p) return &e;
        return nullptr;
    }
    /// The `hosted` event of phase `p`; an empty event (and a failure) if none.
    const Event& the(HostPhase p) const {
        if (const Event* e = hosted(p)) return *e;
        QTest::qFail("no such hosted event", __FILE__, __LINE__);
        static const Event none;
        return none;
    }
    /// The channel of the hosted dispatcher of class `label` (0: none yet).
    ChannelId channelOf(const std::string& label) const {
        for (const Event& e : all)
            if (e.kind == EventKind::Hosted && static_cast<HostPhase>(e.sub) == HostPhase::Dispatcher && e.info == label)
                return e.channel;
        return 0;
    }
    bool waitHosted(HostPhase p, std::chrono::milliseconds timeout = 10s) {
        return waitUntil([&] { return hosted(p) != nullptr; }, timeout);
    }
};

engine::HostFactory example(const std::string& name, bool serverOnly = false) {
    return [name, serverOnly](engine::Loop& loop) -> std::unique_ptr<engine::HostedWork> {
        examples::ExampleOptions o;
        o.logger = [](std::string_view, std::string_view) {};
        o.print = [](std::string_view) {};
        o.serverOnly = serverOnly;
        return examples::startExample(name, loop, o);
    };
}

/// The messages of `ch`: the bytes collected between found_terminators.
std::vector<std::string> messages(const Events& ev, ChannelId ch) {
    std::vector<std::string> out;
    std::string cur;
    for (const Event& e : ev.all) {
        if (e.channel != ch) continue;
        if (e.kind == EventKind::Collect) cur += e.data;
        if (e.kind == EventKind::FoundTerminator) {
            if (static_cast<std::size_t>(e.size) != cur.size()) return {"size mismatch: " + std::to_string(e.size)};
            out.push_back(std::exchange(cur, {}));
        }
    }
    return out;
}

/// Reactor options with the loop trace on.
ReactorOptions tracingLoop() {
    ReactorOptions o;
    o.traceLoop = true;
    return o;
}

}  // namespace

class TestReactorHost : public QObject {
    Q_OBJECT
private slots:
    void echoLengthAsEvents();
    void everyExampleFinishes_data();
    void everyExampleFinishes();
    void traceNamesHostedDispatchers();
    void traceShowsTerminatorChangedInAHook_data();
    void traceShowsTerminatorChangedInAHook();
    void stepIsOnePassWithAnExampleHosted();
    void previewCountsWaitingBytes();
    void previewOfAHostedHandler();
    void nothingWhenOff();
    void stopClosesTheDispatchers();
    void factoryFailureIsReported();
};

void TestReactorHost::echoLengthAsEvents() {
    Reactor r;
    Events ev(r);
    const engine::HostId id = r.host("echo-length", example("echo-length"));
    QVERIFY(id != 0);
    QVERIFY(ev.waitHosted(HostPhase::Done));
    const Event* started = &ev.the(HostPhase::Started);
    QCOMPARE(started->count, static_cast<std::int64_t>(id));
    QVERIFY(started->size > 0);  // the port
    QCOMPARE(ev.the(HostPhase::Done).size, 1);  // ok()

    const ChannelId server = ev.channelOf("EchoServer");
    const ChannelId client = ev.channelOf("EchoClient");
    const ChannelId handler = ev.channelOf("EchoHandler");
    QVERIFY(server && client && handler);
    QCOMPARE(ev.of(EventKind::Listening, server).size(), std::size_t(1));
    QCOMPARE(ev.of(EventKind::Listening, server).front()->size, started->size);
    QCOMPARE(ev.of(EventKind::Connecting, client).size(), std::size_t(1));
    QCOMPARE(ev.of(EventKind::Connected, client).size(), std::size_t(1));
    const auto accepted = ev.of(EventKind::Accepted, handler);
    QCOMPARE(accepted.size(), std::size_t(1));
    QCOMPARE(accepted.front()->parent, server);

    // The handler: "ECHO 231" with the terminator "\n", then the 231-byte
    // body framed by the count the handler set in found_terminator().
    const std::string body = examples::defaultEchoMessage();
    const auto handlerMessages = messages(ev, handler);
    QCOMPARE(handlerMessages.size(), std::size_t(2));
    QCOMPARE(handlerMessages[0], "ECHO " + std::to_string(body.size()));
    QCOMPARE(handlerMessages[1], body);
    const auto found = ev.of(EventKind::FoundTerminator, handler);
    QCOMPARE(found[0]->terminator(), engine::Terminator::bytes("\n"));
    QCOMPARE(found[1]->terminator(), engine::Terminator::count(0));  // get_terminator() in the call (R8)
    QCOMPARE(found[1]->size, static_cast<std::int64_t>(body.size()));
    for (const Event* c : ev.of(EventKind::Collect, handler)) QVERIFY(c->size <= 64);  // ac_in_buffer_size
    QVERIFY(ev.of(EventKind::Received, handler).empty());  // an async_chat's reads are its collects
    QVERIFY(ev.of(EventKind::Collect, handler).size() >= 4);  // 231 bytes in 64-byte reads

    // What the handler sent is the body, in sends of at most 64 bytes.
    std::string echoed;
    for (const Event* s : ev.of(EventKind::Sent, handler)) {
        QVERIFY(s->size <= 64);
        echoed += s->data;
    }
    QCOMPARE(echoed, body);
    // The client's own framing: the echo back as one message.
    QCOMPARE(messages(ev, client), std::vector<std::string>{body});
    // Every hosted channel closed, the last event of each.
    for (ChannelId ch : {server, client, handler}) {
        QCOMPARE(ev.of(EventKind::Closed, ch).size(), std::size_t(1));
        const Event* last = nullptr;
        for (const Event& e : ev.all)
            if (e.channel == ch) last = &e;
        QCOMPARE(last->kind, EventKind::Closed);
    }
    QCOMPARE(ev.of(EventKind::Closed, handler).front()->state->bytesOut, body.size());
}

void TestReactorHost::everyExampleFinishes_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("reader");  // a hosted dispatcher that must have read something
    QTest::newRow("echo") << "echo" << "EchoHandler";
    QTest::newRow("echo-length") << "echo-length" << "EchoHandler";
    QTest::newRow("http") << "http" << "http_request_handler";
}

void TestReactorHost::everyExampleFinishes() {
    QFETCH(QString, name);
    QFETCH(QString, reader);
    Reactor r;
    Events ev(r);
    r.host(name.toStdString(), example(name.toStdString()));
    QVERIFY(ev.waitHosted(HostPhase::Done, 20s));
    QCOMPARE(ev.the(HostPhase::Done).size, 1);
    const ChannelId ch = ev.channelOf(reader.toStdString());
    QVERIFY(ch != 0);
    if (name == QLatin1String("echo")) {
        // asyncore's EchoHandler is a dispatcher_with_send: recv, no collect.
        QVERIFY(!ev.of(EventKind::Received, ch).empty());
        QVERIFY(ev.of(EventKind::Collect, ch).empty());
    } else {
        QVERIFY(!ev.of(EventKind::Collect, ch).empty());
        QVERIFY(ev.of(EventKind::Received, ch).empty());
    }
    QVERIFY(!ev.of(EventKind::Sent, ch).empty());
    // What replay, export and the transcript see of it: the handler's bytes
    // in both directions (an echo gives back exactly what it read).
    const auto conversations = engine::extractConversations(ev.all);
    const auto c = std::find_if(conversations.begin(), conversations.end(),
                                [ch](const engine::Conversation& x) { return x.channel == ch; });
    QVERIFY(c != conversations.end());
    QVERIFY(c->in.recorded && c->out.recorded);
    QVERIFY(!c->in.bytes.empty());
    if (name == QLatin1String("echo")) QCOMPARE(c->out.bytes, c->in.bytes);
    if (name == QLatin1String("echo-length")) {  // "ECHO <n>\n" then the n bytes it echoes
        QVERIFY(c->in.bytes.starts_with("ECHO " + std::to_string(c->out.bytes.size()) + "\n"));
        QVERIFY(c->in.bytes.ends_with(c->out.bytes));
    }
    const std::string text = engine::Transcript::render(
        engine::eventjson::makeHeader("tst", "1", r.startedAt()), ev.all, engine::TranscriptOptions{});
    QVERIFY2(text.find("example started") != std::string::npos, text.c_str());
}

void TestReactorHost::traceShowsTerminatorChangedInAHook_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("from");      // the string terminator set in __init__
    QTest::addColumn<qlonglong>("count");   // the count set inside found_terminator()
    QTest::newRow("echo-length") << "echo-length" << "\n" << qlonglong(examples::defaultEchoMessage().size());
    QTest::newRow("http POST") << "http" << "\r\n\r\n" << qlonglong(examples::defaultHttpBody().size());
}

// set_terminator() inside found_terminator() — the switch from the command
// line (or the headers) to a count terminator — is in the trace of the pass
// it happened in, with the hook it happened in; and the handler's `after`
// says it closed in the pass that closed it.
void TestReactorHost::traceShowsTerminatorChangedInAHook() {
    QFETCH(QString, name);
    QFETCH(QString, from);
    QFETCH(qlonglong, count);
    Reactor r(tracingLoop());
    Events ev(r);
    r.host(name.toStdString(), example(name.toStdString()));
    QVERIFY(ev.waitHosted(HostPhase::Done, 20s));
    std::vector<ChannelId> handlers;
    const std::string handlerClass = name == QLatin1String("http") ? "http_request_handler" : "EchoHandler";
    for (const Event& e : ev.all)
        if (e.kind == EventKind::Hosted && static_cast<HostPhase>(e.sub) == HostPhase::Dispatcher &&
            e.info == handlerClass)
            handlers.push_back(e.channel);
    QVERIFY(!handlers.empty());
    const auto isHandler = [&](ChannelId c) { return std::find(handlers.begin(), handlers.end(), c) != handlers.end(); };
    bool switched = false, closed = false;
    for (const Event* e : ev.of(EventKind::Loop)) {
        const engine::LoopTrace& t = *e->trace;
        for (const auto& c : t.terminatorChanges) {
            QVERIFY(c.hookIndex < t.dispatched.size());
            QCOMPARE(t.dispatched[c.hookIndex].channel, c.channel);
            QCOMPARE(t.dispatched[c.hookIndex].hook, c.hook);
            if (isHandler(c.channel) && c.hook == engine::Hook::FoundTerminator &&
                c.from == engine::Terminator::bytes(from.toStdString()) && c.to == engine::Terminator::count(count))
                switched = true;
        }
        for (const auto& a : t.after)
            if (isHandler(a.channel) && !a.open) closed = true;
    }
    QVERIFY(switched);
    QVERIFY(closed);
}

void TestReactorHost::traceNamesHostedDispatchers() {
    Reactor r(tracingLoop());
    Events ev(r);
    r.host("echo-length", example("echo-length"));
    QVERIFY(ev.waitHosted(HostPhase::Done));
    const ChannelId server = ev.channelOf("EchoServer");
    const ChannelId handler = ev.channelOf("EchoHandler");
    bool accept = false, found = false, polled = false;
    for (const Event* e : ev.of(EventKind::Loop)) {
        for (const auto& d : e->trace->dispatched) {
            accept |= d.channel == server && d.hook == engine::Hook::HandleAccept;
            found |= d.channel == handler && d.hook == engine::Hook::FoundTerminator;
            QVERIFY(d.channel != 0);
        }
        for (const auto& p : e->trace->polled) polled |= p.channel == handler && p.readable;
    }
    QVERIFY(accept);
    QVERIFY(found);
    QVERIFY(polled);
}

void TestReactorHost::stepIsOnePassWithAnExampleHosted() {
    Reactor r(tracingLoop());
    Events ev(r);
    r.pause();
    QVERIFY(ev.waitUntil([&] { return !ev.of(EventKind::Paused).empty(); }));
    // (the pass that the Pause command woke up may have been traced)
    const std::size_t before = ev.of(EventKind::Loop).size();
    r.host("echo-length", example("echo-length"));
    QVERIFY(ev.waitHosted(HostPhase::Started));
    QVERIFY(ev.waitUntil([&] { return ev.channelOf("EchoClient") != 0; }));
    QCOMPARE(ev.of(EventKind::Loop).size(), before);  // paused: no pass
    std::size_t busy = 0;
    for (std::size_t i = 1; i <= 6; ++i) {
        r.step();
        QVERIFY(ev.waitUntil([&] { return ev.of(EventKind::Loop).size() == before + i; }));
        // A round trip through the command door: no further pass ran meanwhile.
        const std::size_t states = ev.of(EventKind::ChannelState).size();
        r.snapshot();
        QVERIFY(ev.waitUntil([&] { return ev.of(EventKind::ChannelState).size() > states; }));
        QCOMPARE(ev.of(EventKind::Loop).size(), before + i);
        if (!ev.of(EventKind::Loop).back()->trace->dispatched.empty()) ++busy;
    }
    QVERIFY(busy >= 5);  // each step waited for readiness and dispatched it
    QVERIFY(ev.channelOf("EchoHandler") != 0);  // the server accepted in one of them
    QVERIFY(!ev.hosted(HostPhase::Done));
    r.resume();
    QVERIFY(ev.waitHosted(HostPhase::Done));
    QCOMPARE(ev.the(HostPhase::Done).size, 1);
}

void TestReactorHost::previewCountsWaitingBytes() {
    Reactor r(tracingLoop());
    Events ev(r);
    engine::ChannelOptions opts;
    opts.inBufferSize = 64;
    const ChannelId server = r.openServer("127.0.0.1", 0, opts);
    QVERIFY(ev.waitUntil([&] { return !ev.of(EventKind::Listening, server).empty(); }));
    const auto port = static_cast<std::uint16_t>(ev.of(EventKind::Listening, server).front()->size);
    std::error_code ec;
    engine::Socket peer(engine::sockops::create(engine::kAfInet, engine::kSockStream, ec));
    QVERIFY(!ec);
    engine::sockops::setNonBlocking(peer.get(), false, ec);
    engine::sockops::connect(peer.get(), *engine::Address::fromNumeric("127.0.0.1", port), ec);
    QVERIFY2(!ec, ec.message().c_str());
    QVERIFY(ev.waitUntil([&] { return !ev.of(EventKind::Accepted).empty(); }));
    const ChannelId conn = ev.of(EventKind::Accepted).front()->channel;
    r.pause();
    QVERIFY(ev.waitUntil([&] { return !ev.of(EventKind::Paused).empty(); }));
    const std::size_t passes = ev.of(EventKind::Loop).size();
    const std::string data(150, 'x');
    QCOMPARE(engine::sockops::send(peer.get(), data.data(), data.size(), ec), data.size());
    // The preview (refreshed while paused) sees the 150 bytes in the socket.
    const engine::LoopTrace::Waiting* seen = nullptr;
    QVERIFY(ev.waitUntil([&] {
        for (const Event* p : ev.of(EventKind::Preview))
            for (const auto& w : p->trace->waiting)
                if (w.channel == conn && w.bytes == 150) seen = &w;
        return seen != nullptr;
    }));
    QVERIFY(seen->readable);
    QVERIFY(seen->bits & engine::kReadyIn);
    QCOMPARE(QString::fromStdString(seen->next), QStringLiteral("handle_read: recv up to 64 of 150 waiting bytes"));
    QCOMPARE(ev.of(EventKind::Loop).size(), passes);  // nothing was dispatched
    QVERIFY(ev.of(EventKind::Collect, conn).empty());
    // One step takes 64 of them; the preview then says 86.
    r.step();
    QVERIFY(ev.waitUntil([&] {
        for (const Event* p : ev.of(EventKind::Preview))
            for (const auto& w : p->trace->waiting)
                if (w.channel == conn && w.bytes == 86) return true;
        return false;
    }));
    QCOMPARE(ev.of(EventKind::Collect, conn).size(), std::size_t(1));
    QCOMPARE(ev.of(EventKind::Collect, conn).front()->size, 64);
    r.resume();
}

void TestReactorHost::previewOfAHostedHandler() {
    Reactor r(tracingLoop());
    Events ev(r);
    r.pause();
    r.host("echo-length", example("echo-length"));
    QVERIFY(ev.waitHosted(HostPhase::Started));
    // Step until the handler has data waiting: the preview names it and
    // says what its next handle_read will take.
    bool said = false;
    for (int i = 0; i < 20 && !said; ++i) {
        r.step();
        const std::size_t n = ev.of(EventKind::Loop).size();
        QVERIFY(ev.waitUntil([&] { return ev.of(EventKind::Loop).size() > n; }));
        const ChannelId handler = ev.channelOf("EchoHandler");
        ev.waitUntil([&] {
            for (const Event* p : ev.of(EventKind::Preview))
                for (const auto& w : p->trace->waiting)
                    if (handler && w.channel == handler && w.bytes > 0 &&
                        w.next.find("handle_read: recv up to 64 of " + std::to_string(w.bytes) + " waiting bytes") == 0)
                        said = true;
            return said;
        }, 300ms);
    }
    QVERIFY(said);
    r.resume();
    QVERIFY(ev.waitHosted(HostPhase::Done));
}

void TestReactorHost::nothingWhenOff() {
    // A dispatcher has no tap and a loop no registry unless someone sets one.
    engine::Loop loop;
    engine::Dispatcher d(&loop);
    QVERIFY(d.tap() == nullptr);
    QVERIFY(loop.registry() == nullptr);
    // No trace: no `loop` and no `preview` events, paused or not.
    Reactor r;
    Events ev(r);
    r.host("echo-length", example("echo-length"));
    QVERIFY(ev.waitHosted(HostPhase::Done));
    r.pause();
    QVERIFY(ev.waitUntil([&] { return !ev.of(EventKind::Paused).empty(); }));
    const std::size_t states = ev.of(EventKind::ChannelState).size();
    r.snapshot();
    QVERIFY(ev.waitUntil([&] { return ev.of(EventKind::ChannelState).size() > states || states == 0; }));
    QVERIFY(ev.of(EventKind::Loop).empty());
    QVERIFY(ev.of(EventKind::Preview).empty());
    // The reactor's own channels are not hosted: no `hosted` / `received` for them.
    const ChannelId server = r.openServer("127.0.0.1", 0);
    r.resume();
    QVERIFY(ev.waitUntil([&] { return !ev.of(EventKind::Listening, server).empty(); }));
    QVERIFY(ev.of(EventKind::Hosted, server).empty());
}

void TestReactorHost::stopClosesTheDispatchers() {
    Reactor r;
    Events ev(r);
    const engine::HostId id = r.host("echo", example("echo", /*serverOnly=*/true));
    QVERIFY(ev.waitUntil([&] { return ev.channelOf("EchoServer") != 0; }));
    const ChannelId server = ev.channelOf("EchoServer");
    r.stopHost(id);
    QVERIFY(ev.waitHosted(HostPhase::Stopped));
    QVERIFY(ev.waitUntil([&] { return !ev.of(EventKind::Closed, server).empty(); }));
    QVERIFY(!ev.hosted(HostPhase::Done));
    // Commands about a stopped example's channel are errors, not crashes.
    r.close(server);
    QVERIFY(ev.waitUntil([&] { return !ev.of(EventKind::Error, server).empty(); }));
}

void TestReactorHost::factoryFailureIsReported() {
    Reactor r;
    Events ev(r);
    r.host("nope", [](engine::Loop& loop) -> std::unique_ptr<engine::HostedWork> {
        return examples::startExample("no-such-example", loop, {});
    });
    QVERIFY(ev.waitHosted(HostPhase::Failed));
    QVERIFY(ev.the(HostPhase::Failed).info.find("no such example") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestReactorHost)
#include "tst_ReactorHost.moc"
