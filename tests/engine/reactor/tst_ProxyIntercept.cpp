// tst_ProxyIntercept.cpp — intercept on the Reactor's framing proxy
// (cmd::SetIntercept, cmd::ReleaseHeld), against real loopback sockets: a
// raw client, the proxy, a raw server, driven from the test thread.
//
// Covered: each framed message is held on the loop thread (an `intercept`
// held event with its bytes) and reaches the other side only when released:
// forwarded as it was, edited, or dropped; a Push on a leg injects a
// message in either direction; off forwards what is held, in order, and
// bytes flow as read again; turning it on mid-stream holds nothing twice;
// end-of-file waits for the held messages (an unterminated last one is held
// too); a full hold queue stops the leg reading (`full`) until releases make
// room (`room`), nothing lost; commands that cannot apply are `error`s.
// Every wait is on a condition with a deadline, never a sleep.
#include "engine/reactor/Channel.h"
#include "engine/reactor/Reactor.h"
#include "engine/net/SocketOps.h"

#include <QTest>

#include "ReactorTestSupport.h"
#include "SocketTestSupport.h"

#include <chrono>
#include <string>
#include <thread>

#if !defined(_WIN32)
#include <poll.h>
#include <sys/socket.h>
#endif

namespace {

using namespace std::chrono_literals;
using engine::ChannelId;
using engine::Event;
using engine::EventKind;
using engine::InterceptAction;
using engine::Reactor;
using engine::Terminator;
using Action = engine::cmd::ReleaseHeld::Action;

/// Reads `s` until what it has read ends with `want` (or 10 s pass); all it read.
std::string readUntil(engine::NativeSocket s, std::string& got, const std::string& want) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (got.size() < want.size() || got.compare(got.size() - want.size(), want.size(), want) != 0) {
        if (std::chrono::steady_clock::now() >= deadline) break;
        if (!lwtest::waitFd(s, POLLIN, 200)) continue;
        const std::string chunk = lwtest::rawRecvNow(s);
        if (chunk.empty()) break;  // end of file
        got += chunk;
    }
    return got;
}

/// True once `s` reads end-of-file (within 10 s); the bytes before it go to `got`.
bool readsEof(engine::NativeSocket s, std::string& got) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!lwtest::waitFd(s, POLLIN, 200)) continue;
        std::string buf(4096, '\0');
        std::error_code ec;
        const std::size_t n = engine::sockops::recv(s, buf.data(), buf.size(), ec);
        if (ec) return false;
        if (n == 0) return true;
        got.append(buf.data(), n);
    }
    return false;
}

/// A proxy in front of a raw server, and one raw client through it.
struct Rig {
    Reactor reactor;
    lwtest::Events ev{reactor};
    lwtest::RawListener server{engine::kAfInet};
    ChannelId listener = 0, clientLeg = 0, serverLeg = 0;
    engine::Socket client, serverSide;

    explicit Rig(bool intercept) {
        engine::ChannelOptions o;
        o.terminator = Terminator::bytes("\n");
        o.proxy.host = "127.0.0.1";
        o.proxy.port = server.addr.port();
        o.proxy.serverTerminator = Terminator::bytes("\n");
        o.intercept = intercept;
        listener = reactor.openServer("127.0.0.1", 0, o);
        if (!ev.waitFor(EventKind::Listening, listener)) return;
        const auto port = static_cast<std::uint16_t>(ev.first(EventKind::Listening, listener).size);
        client = lwtest::rawConnect(engine::Address::loopback(engine::kAfInet, port));
        serverSide = server.acceptOne();
        if (!ev.waitFor(EventKind::Accepted)) return;
        const Event& a = ev.first(EventKind::Accepted);
        clientLeg = a.channel;
        serverLeg = a.upstream();
        ev.waitFor(EventKind::Connected, serverLeg);
    }
    std::vector<const Event*> intercepts(ChannelId ch, InterceptAction a) const {
        std::vector<const Event*> out;
        for (const Event* e : ev.of(EventKind::Intercept, ch))
            if (e->interceptAction() == a) out.push_back(e);
        return out;
    }
    bool waitHeld(ChannelId ch, std::size_t n) {
        return ev.waitUntil([&] { return intercepts(ch, InterceptAction::Held).size() >= n; });
    }
};

}  // namespace

class tst_ProxyIntercept : public QObject {
    Q_OBJECT
private slots:
    void holdForwardEditDropInject();
    void offForwardsWhatIsHeldInOrder();
    void onMidStreamHoldsNothingTwice();
    void endOfFileWaitsForHeld();
    void fullQueueStopsReading();
    void refusedWhereItCannotApply();
};

void tst_ProxyIntercept::holdForwardEditDropInject() {
    Rig r(true);
    QVERIFY(r.serverLeg != 0);
    QVERIFY(r.ev.waitUntil([&] {
        return !r.intercepts(r.clientLeg, InterceptAction::On).empty() && !r.intercepts(r.serverLeg, InterceptAction::On).empty();
    }));
    lwtest::rawSend(r.client.get(), "one\ntwo\nthree\n");
    QVERIFY(r.waitHeld(r.clientLeg, 3));
    const auto held = r.intercepts(r.clientLeg, InterceptAction::Held);
    QCOMPARE(held[0]->data, std::string("one\n"));
    QCOMPARE(held[1]->data, std::string("two\n"));
    QCOMPARE(held[2]->data, std::string("three\n"));
    QCOMPARE(held[2]->size, std::int64_t(3));  // three held
    const std::uint64_t one = held[0]->heldMessage(), two = held[1]->heldMessage(), three = held[2]->heldMessage();
    QVERIFY(one != 0 && two != one && three != two);

    r.reactor.releaseHeld(r.clientLeg, one, Action::Forward);
    r.reactor.releaseHeld(r.clientLeg, two, Action::Edit, "TWO\n");
    r.reactor.releaseHeld(r.clientLeg, three, Action::Drop);
    r.reactor.push(r.serverLeg, "injected\n");  // to the server
    std::string atServer;
    readUntil(r.serverSide.get(), atServer, "injected\n");
    QCOMPARE(atServer, std::string("one\nTWO\ninjected\n"));  // "three" was dropped; nothing went at read time
    QVERIFY(r.ev.waitUntil([&] { return !r.intercepts(r.clientLeg, InterceptAction::Dropped).empty(); }));
    QCOMPARE(r.intercepts(r.clientLeg, InterceptAction::Edited).at(0)->data, std::string("TWO\n"));
    QCOMPARE(r.intercepts(r.clientLeg, InterceptAction::Dropped).at(0)->size, std::int64_t(0));

    // The other way: the server's reply is held on the server's leg.
    lwtest::rawSend(r.serverSide.get(), "reply\n");
    QVERIFY(r.waitHeld(r.serverLeg, 1));
    const auto reply = r.intercepts(r.serverLeg, InterceptAction::Held);
    QCOMPARE(reply[0]->data, std::string("reply\n"));
    r.reactor.push(r.clientLeg, "first\n");  // injected to the client, ahead of the held reply
    r.reactor.releaseHeld(r.serverLeg, reply[0]->heldMessage(), Action::Forward);
    std::string atClient;
    readUntil(r.client.get(), atClient, "reply\n");
    QCOMPARE(atClient, std::string("first\nreply\n"));

    // A message no longer held: an error, nothing sent.
    r.reactor.releaseHeld(r.clientLeg, one, Action::Forward);
    QVERIFY(r.ev.waitFor(EventKind::Error, r.clientLeg));
    QVERIFY(r.ev.first(EventKind::Error, r.clientLeg).info.find("holds no message") != std::string::npos);
}

void tst_ProxyIntercept::offForwardsWhatIsHeldInOrder() {
    Rig r(false);
    QVERIFY(r.serverLeg != 0);
    r.reactor.setIntercept(r.listener, true);  // the listener: every pair
    QVERIFY(r.ev.waitUntil([&] { return !r.intercepts(r.clientLeg, InterceptAction::On).empty(); }));
    lwtest::rawSend(r.client.get(), "a\nb\nc\npart");
    QVERIFY(r.waitHeld(r.clientLeg, 3));
    r.reactor.releaseHeld(r.clientLeg, r.intercepts(r.clientLeg, InterceptAction::Held)[1]->heldMessage(), Action::Drop);
    r.reactor.setIntercept(r.clientLeg, false);  // a leg: its pair
    std::string atServer;
    readUntil(r.serverSide.get(), atServer, "part");
    QCOMPARE(atServer, std::string("a\nc\npart"));  // in order, the partial message too
    QVERIFY(r.ev.waitUntil([&] { return !r.intercepts(r.serverLeg, InterceptAction::Off).empty(); }));
    // Bytes flow as read again, both ways.
    lwtest::rawSend(r.client.get(), "!\n");
    readUntil(r.serverSide.get(), atServer, "part!\n");
    QCOMPARE(atServer, std::string("a\nc\npart!\n"));
    lwtest::rawSend(r.serverSide.get(), "ok\n");
    std::string atClient;
    readUntil(r.client.get(), atClient, "ok\n");
    QCOMPARE(atClient, std::string("ok\n"));
    QCOMPARE(r.intercepts(r.serverLeg, InterceptAction::Held).size(), std::size_t(0));
}

void tst_ProxyIntercept::onMidStreamHoldsNothingTwice() {
    Rig r(false);
    QVERIFY(r.serverLeg != 0);
    lwtest::rawSend(r.client.get(), "a\nb");
    std::string atServer;
    readUntil(r.serverSide.get(), atServer, "a\nb");
    QVERIFY(r.ev.waitUntil([&] { return r.ev.collected(r.clientLeg) == "ab"; }));
    r.reactor.setIntercept(r.serverLeg, true);
    QVERIFY(r.ev.waitUntil([&] { return !r.intercepts(r.clientLeg, InterceptAction::On).empty(); }));
    lwtest::rawSend(r.client.get(), "c\nd\n");
    QVERIFY(r.waitHeld(r.clientLeg, 2));
    const auto held = r.intercepts(r.clientLeg, InterceptAction::Held);
    QCOMPARE(held[0]->data, std::string("c\n"));  // "b" went when it was read
    QCOMPARE(held[1]->data, std::string("d\n"));
    r.reactor.releaseHeld(r.clientLeg, 0, Action::Forward);  // all, in order
    readUntil(r.serverSide.get(), atServer, "d\n");
    QCOMPARE(atServer, std::string("a\nbc\nd\n"));
}

void tst_ProxyIntercept::endOfFileWaitsForHeld() {
    Rig r(true);
    QVERIFY(r.serverLeg != 0);
    lwtest::rawSend(r.client.get(), "x\nlast");
    std::error_code ec;
    engine::sockops::shutdownWrite(r.client.get(), ec);
    QVERIFY(!ec);
    QVERIFY(r.waitHeld(r.clientLeg, 2));
    QCOMPARE(r.intercepts(r.clientLeg, InterceptAction::Held)[1]->data, std::string("last"));  // unterminated, held too
    r.reactor.releaseHeld(r.clientLeg, 0, Action::Forward);
    std::string atServer;
    QVERIFY(readsEof(r.serverSide.get(), atServer));  // the half-close came after the held bytes
    QCOMPARE(atServer, std::string("x\nlast"));
}

void tst_ProxyIntercept::fullQueueStopsReading() {
    Rig r(true);
    QVERIFY(r.serverLeg != 0);
    constexpr std::size_t kMessages = engine::Channel::kMaxHeldMessages * 3;
    const std::string line = "m\n";
    std::string all;
    for (std::size_t i = 0; i < kMessages; ++i) all += line;
    // The client writes from a thread of its own: once the queue is full its sends wait in TCP.
    std::thread writer([&] {
        std::string_view rest(all);
        while (!rest.empty()) {
            std::error_code e;
            const std::size_t n = engine::sockops::send(r.client.get(), rest.data(), rest.size(), e);
            if (e && !engine::sockops::isWouldBlock(e)) return;
            if (e) {
                lwtest::waitFd(r.client.get(), POLLOUT, 200);
                continue;
            }
            rest.remove_prefix(n);
        }
    });
    // Each time the queue is full: it holds no more than the limit plus one
    // read's worth of messages; drop them all, and it reads again.
    std::size_t fulls = 0;
    bool bounded = true;
    const bool done = r.ev.waitUntil(
        [&] {
            const auto full = r.intercepts(r.clientLeg, InterceptAction::Full);
            if (full.size() > fulls) {
                if (full.back()->size > std::int64_t(engine::Channel::kMaxHeldMessages + 4096 / line.size())) bounded = false;
                fulls = full.size();
                r.reactor.releaseHeld(r.clientLeg, 0, Action::Drop);
            }
            return r.intercepts(r.clientLeg, InterceptAction::Held).size() == kMessages;
        },
        60s);
    writer.join();
    QVERIFY(done);  // every message was read and held: nothing lost while reading was stopped
    QVERIFY(fulls >= 1);
    QVERIFY(bounded);
    QVERIFY(r.ev.waitUntil([&] { return r.intercepts(r.clientLeg, InterceptAction::Room).size() >= fulls; }));
    // None of it reached the server (all dropped): it reads only what comes next.
    r.reactor.releaseHeld(r.clientLeg, 0, Action::Drop);
    r.reactor.setIntercept(r.clientLeg, false);
    // (The commands are carried out on the loop thread: "end" must come after them.)
    QVERIFY(r.ev.waitUntil([&] { return !r.intercepts(r.clientLeg, InterceptAction::Off).empty(); }));
    lwtest::rawSend(r.client.get(), "end\n");
    std::string atServer;
    readUntil(r.serverSide.get(), atServer, "end\n");
    QVERIFY2(atServer == "end\n", (std::to_string(atServer.size()) + " bytes: " + atServer.substr(0, 60)).c_str());
}

void tst_ProxyIntercept::refusedWhereItCannotApply() {
    Reactor reactor;
    lwtest::Events ev(reactor);
    const ChannelId plain = reactor.openServer("127.0.0.1", 0, {});
    QVERIFY(ev.waitFor(EventKind::Listening, plain));
    reactor.setIntercept(plain, true);
    QVERIFY(ev.waitFor(EventKind::Error, plain));
    QVERIFY(ev.first(EventKind::Error, plain).info.find("not a proxying listener") != std::string::npos);
    reactor.releaseHeld(plain, 0, Action::Edit, "x");
    QVERIFY(ev.waitUntil([&] { return ev.count(EventKind::Error, plain) == 2; }));
}

QTEST_GUILESS_MAIN(tst_ProxyIntercept)
#include "tst_ProxyIntercept.moc"
