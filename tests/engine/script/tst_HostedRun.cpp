// tst_HostedRun.cpp — a conversation script hosted in a Reactor's loop
// (engine::script::HostedRun, the window's way), against a real
// redis-server nobody here wrote, on loopback: the run passes and its
// connection is a channel of the Reactor (its collect and sent events),
// each step says where its bytes are in that connection; a paused Reactor
// stops the script's clock (an expect's timeout does not run out while
// paused, and the time it waited leaves the pause out); Stop ends a paused
// run; the Reactor ending the work (stopHost) ends the run with a report.
// redis-server missing: QSKIP. Every wait is on a condition with a deadline.
#include "engine/reactor/Reactor.h"
#include "engine/script/Script.h"
#include "engine/script/ScriptRunner.h"

#include "../../app/PeerTestSupport.h"

#include <QElapsedTimer>
#include <QTest>

#include <optional>
#include <string>
#include <vector>

namespace {

using engine::Event;
using engine::EventKind;
using engine::script::HostedRun;
using Report = HostedRun::Report;

constexpr int kWaitMs = 30000;

engine::script::Script parse(const std::string& text) {
    std::string why;
    auto s = engine::script::Script::parse(text, "hosted.lws", &why);
    if (!s) qFatal("bad test script: %s", why.c_str());
    return std::move(*s);
}

// The run's reports and the Reactor's events, gathered as they come.
struct Watch {
    engine::Reactor& reactor;
    HostedRun& run;
    std::vector<Report> reports;
    std::vector<Event> events;
    void gather() {
        std::vector<Report> r;
        run.take(r);
        for (auto& x : r) reports.push_back(std::move(x));
        std::vector<Event> e;
        reactor.drain(e);
        for (auto& x : e) events.push_back(std::move(x));
    }
    const Report* finished() const {
        for (const Report& r : reports)
            if (r.kind == Report::Kind::Finished) return &r;
        return nullptr;
    }
    /// The Finished report (an empty one if none came).
    Report last() const {
        for (const Report& r : reports)
            if (r.kind == Report::Kind::Finished) return r;
        return {};
    }
    bool began(std::size_t index) const {
        for (const Report& r : reports)
            if (r.kind == Report::Kind::Begun && r.index == index) return true;
        return false;
    }
    const Report* passed(std::size_t index) const {
        for (const Report& r : reports)
            if (r.kind == Report::Kind::Passed && r.index == index) return &r;
        return nullptr;
    }
    bool sawEvent(EventKind k) const {
        for (const Event& e : events)
            if (e.kind == k) return true;
        return false;
    }
    template <class F>
    bool waitFor(F f, int ms = kWaitMs) {
        return QTest::qWaitFor(
            [&] {
                gather();
                return f();
            },
            ms);
    }
};

/// A Reactor hosting a run of `script` (not stopping at the first failure),
/// watched: `host` is the run's host.
struct Hosted {
    explicit Hosted(engine::script::Script script)
        : run(std::move(script), {}, false), host(reactor.host("script", run.factory())) {}
    engine::Reactor reactor;
    HostedRun run;
    Watch w{reactor, run, {}, {}};
    engine::HostId host;
};

}  // namespace

class tst_HostedRun : public QObject {
    Q_OBJECT

    lwtest::RedisServer m_redis{kWaitMs};
    /// The script that connects to the test's redis-server, then `steps`.
    engine::script::Script redisScript(const std::string& steps) const {
        return parse("connect " + m_redis.to().toStdString() + "\n" + steps);
    }

private slots:
    void initTestCase() {
        if (!m_redis.start()) QSKIP("redis-server is not installed or did not start");
    }

    void passesAsAChannelOfTheReactor() {
        Hosted h(redisScript("send \"PING\"\nexpect \"+PONG\"\nsend \"SET hosted-key hi\"\nexpect \"+OK\"\nclose\n"));
        auto& [reactor, run, w, host] = h;
        QVERIFY(w.waitFor([&] { return w.finished() != nullptr; }));
        const Report end = w.last();
        QVERIFY2(end.result.passed, end.result.failure ? end.result.failure->reason.c_str() : "not passed");
        QCOMPARE(end.result.stepsRun, std::uint64_t{6});
        // Where each step's bytes are in the connection.
        QVERIFY(w.passed(2) && w.passed(3) && w.passed(4));
        QCOMPARE(w.passed(2)->step.connection, std::size_t{1});
        QCOMPARE(w.passed(2)->step.inOffset, std::int64_t{0});   // "+PONG", the first reply
        QCOMPARE(w.passed(3)->step.outOffset, std::int64_t{6});  // after "PING\r\n"
        QCOMPARE(w.passed(4)->step.inOffset, std::int64_t{7});   // after "+PONG\r\n"
        // The connection is a channel of the Reactor: hosted dispatcher, its bytes.
        QVERIFY(w.waitFor([&] {
            for (const Event& e : w.events)
                if (e.kind == EventKind::Hosted && static_cast<engine::HostPhase>(e.sub) == engine::HostPhase::Done &&
                    static_cast<engine::HostId>(e.count) == host)
                    return true;
            return false;
        }));
        engine::ChannelId channel = 0;
        for (const Event& e : w.events)
            if (e.kind == EventKind::Hosted && static_cast<engine::HostPhase>(e.sub) == engine::HostPhase::Dispatcher &&
                static_cast<engine::HostId>(e.count) == host)
                channel = e.channel;
        QVERIFY(channel != 0);
        std::string in, out;
        for (const Event& e : w.events) {
            if (e.channel != channel) continue;
            if (e.kind == EventKind::Collect) in += e.data;
            if (e.kind == EventKind::Sent) out += e.data;
        }
        QCOMPARE(in, std::string("+PONG\r\n+OK\r\n"));
        QCOMPARE(out, std::string("PING\r\nSET hosted-key hi\r\n"));
    }

    void aPausedReactorStopsTheScriptsClock() {
        Hosted h(redisScript("send \"PING\"\nexpect \"+PONG\"\nexpect \"never\" timeout 500ms\n"));
        auto& [reactor, run, w, host] = h;
        QVERIFY(w.waitFor([&] { return w.began(3) || w.finished(); }));
        reactor.pause();
        QVERIFY(w.waitFor([&] { return w.sawEvent(EventKind::Paused); }));
        // Three times the timeout, paused: the expect must still wait, though
        // the loop's hooks run (and tick the script) at every wake.
        QElapsedTimer paused;
        paused.start();
        QVERIFY(w.waitFor([&] {
            reactor.wake();
            return w.finished() != nullptr || paused.elapsed() > 1500;
        }));
        QVERIFY(w.finished() == nullptr);
        reactor.resume();
        QVERIFY(w.waitFor([&] { return w.finished() != nullptr; }));
        const Report end = w.last();
        const auto& f = end.result.failure;
        QVERIFY(f);
        QCOMPARE(f->reason, std::string("timed out after 500 ms"));
        QCOMPARE(f->line, std::size_t{4});
        QVERIFY2(f->waitedMs >= 490 && f->waitedMs < 1400, std::to_string(f->waitedMs).c_str());
    }

    void stopEndsAPausedRun() {
        Hosted h(redisScript("expect \"never\" timeout 60s\n"));
        auto& [reactor, run, w, host] = h;
        QVERIFY(w.waitFor([&] { return w.began(1); }));
        reactor.pause();
        QVERIFY(w.waitFor([&] { return w.sawEvent(EventKind::Paused); }));
        run.stop();
        reactor.wake();
        QVERIFY(w.waitFor([&] { return w.finished() != nullptr; }));
        const Report end = w.last();
        QVERIFY(end.result.failure);
        QCOMPARE(end.result.failure->reason, std::string("interrupted"));
    }

    void theReactorEndingTheWorkEndsTheRun() {
        Hosted h(redisScript("expect \"never\" timeout 60s\n"));
        auto& [reactor, run, w, host] = h;
        QVERIFY(w.waitFor([&] { return w.began(1); }));
        reactor.stopHost(host);
        QVERIFY(w.waitFor([&] { return w.finished() != nullptr; }));
        const Report end = w.last();
        QVERIFY(!end.result.passed);
        QVERIFY(end.result.failure);
        QCOMPARE(end.result.failure->reason, std::string("stopped: the window's loop ended the script"));
    }
};

QTEST_GUILESS_MAIN(tst_HostedRun)
#include "tst_HostedRun.moc"
