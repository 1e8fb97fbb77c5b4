// tst_StreamLayer.cpp — the Loop and Dispatcher serving a StreamLayer, on
// every backend, with a fake layer whose wants are set by the test:
//   * a layer's read/write wants are waited on while the application's
//     readable()/writable() say no, and onReady() (not the app's hooks) runs;
//   * applicationBlocked() keeps the application's hooks away;
//   * pendingInput() makes the loop dispatch a read without blocking on an
//     idle socket (the SSL_pending trap);
//   * deadline() bounds the wait and onDeadline()'s error reaches handleError;
//   * send()/recv() go through the layer (the peer sees what it made);
//   * the LoopObserver hears layerWants().
// Nothing sleeps; every wait is bounded.
#include "SocketTestSupport.h"
#include "TestSupport.h"

#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/Loop.h"
#include "engine/asyncore/StreamLayer.h"

#include <QTest>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

using namespace engine;
using Clock = std::chrono::steady_clock;

namespace {

// Passes bytes through, each byte +1 on the way out and -1 on the way in.
class FakeLayer final : public StreamLayer {
public:
    bool wantR = false, wantW = false, blocked = false;
    std::string held;  // "decrypted" input waiting inside the layer
    std::optional<Clock::time_point> due;
    int readyReads = 0, readyWrites = 0, deadlines = 0, closings = 0;
    StreamTransport* t = nullptr;

    void attach(StreamTransport& tr) override { t = &tr; }
    std::string_view name() const noexcept override { return "fake"; }
    std::size_t send(const void* data, std::size_t len, std::error_code& ec) override {
        std::string out(static_cast<const char*>(data), len);
        for (char& c : out) c = static_cast<char>(c + 1);
        return t->transportSend(out.data(), out.size(), ec);
    }
    std::size_t recv(void* buf, std::size_t len, std::error_code& ec) override {
        ec.clear();
        if (!held.empty()) {
            const std::size_t n = std::min(len, held.size());
            std::memcpy(buf, held.data(), n);
            held.erase(0, n);
            return n;
        }
        const std::size_t n = t->transportRecv(buf, len, ec);
        auto* p = static_cast<char*>(buf);
        for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>(p[i] - 1);
        return n;
    }
    void shutdownWrite() override {}
    void closing() noexcept override { ++closings; }
    bool wantsRead() const noexcept override { return wantR; }
    bool wantsWrite() const noexcept override { return wantW; }
    bool applicationBlocked() const noexcept override { return blocked; }
    std::size_t pendingInput() const noexcept override { return held.size(); }
    std::optional<Clock::time_point> deadline() const noexcept override { return due; }
    void onReady(bool readable, bool writable) override {
        if (readable) {
            ++readyReads;
            char buf[256];
            std::error_code ec;
            t->transportRecv(buf, sizeof buf, ec);  // drain, so the socket goes idle
            wantR = false;
        }
        if (writable) {
            ++readyWrites;
            wantW = false;
        }
    }
    void onDeadline() override {
        ++deadlines;
        due.reset();
        throw StreamLayerError("fake layer: deadline passed");
    }
};

class App final : public Dispatcher {
public:
    using Dispatcher::Dispatcher;
    bool r = false, w = false;
    int reads = 0, writes = 0, errors = 0;
    std::string got, lastError;
    bool readable() override { return r; }
    bool writable() override { return w; }
    void handleRead() override {
        ++reads;
        bool wb = false;
        char buf[256];
        const std::size_t n = recvOrWouldBlock(buf, sizeof buf, wb);
        got.append(buf, n);
    }
    void handleWrite() override { ++writes; }
    void handleClose() override { close(); }
    void handleError() override {
        ++errors;
        lastError = lwtest::inFlightWhat();
        close();
    }
};

class WantsObserver final : public LoopObserver {
public:
    int readWants = 0, writeWants = 0;
    void layerWants(const Dispatcher&, bool read, bool write) override {
        readWants += read;
        writeWants += write;
    }
};

/// One test's setup, on the backend of the current row: an application on
/// one end of a loopback TCP pair, behind a FakeLayer; `peer` is the other
/// end.
struct Layered {
    Backend backend;
    Loop loop;
    Socket peer;
    std::unique_ptr<App> app;
    FakeLayer* layer = nullptr;

    Layered() : backend(currentBackend()) {
        auto [a, b] = lwtest::tcpPair();
        peer = std::move(b);
        app = std::make_unique<App>(std::move(a), &loop);
        auto l = std::make_unique<FakeLayer>();
        layer = l.get();
        app->setLayer(std::move(l));
    }
    static Backend currentBackend() {
        QFETCH_GLOBAL(Backend, backend);
        return backend;
    }
    bool runUntil(const std::function<bool()>& done) { return lwtest::runUntil(loop, done, backend); }
    void poll(double timeout) { loop.poll(timeout, backend); }
};

}  // namespace

class tst_StreamLayer : public QObject {
    Q_OBJECT
private slots:
    // Every test runs once per backend.
    void initTestCase_data() { lwtest::backendRows(); }

    void layerReadWantWhileAppDoesNotRead() {
        Layered f;
        WantsObserver obs;
        f.loop.setObserver(&obs);
        f.layer->wantR = true;
        lwtest::rawSend(f.peer.get(), "x");
        QVERIFY(f.runUntil([&] { return f.layer->readyReads > 0; }));
        QCOMPARE(f.app->reads, 0);
        QVERIFY(obs.readWants > 0);
        f.loop.setObserver(nullptr);
    }

    void layerWriteWantWhileAppDoesNotWrite() {
        Layered f;
        f.layer->wantW = true;
        QVERIFY(f.runUntil([&] { return f.layer->readyWrites > 0; }));
        QCOMPARE(f.app->writes, 0);
        // Without the layer's want, a pass with nobody wanting anything waits it out.
        const auto t0 = Clock::now();
        f.poll(0.05);
        QCOMPARE(f.layer->readyWrites, 1);
        QVERIFY(Clock::now() - t0 >= std::chrono::milliseconds(40));
    }

    void blockedLayerKeepsApplicationHooksAway() {
        Layered f;
        f.app->r = f.app->w = true;
        f.layer->blocked = true;
        f.layer->wantR = true;
        lwtest::rawSend(f.peer.get(), "y");
        QVERIFY(f.runUntil([&] { return f.layer->readyReads > 0; }));
        for (int i = 0; i < 3; ++i) f.poll(0.01);
        QCOMPARE(f.app->reads, 0);
        QCOMPARE(f.app->writes, 0);
        // Unblocked, the application's hooks run again.
        f.layer->blocked = false;
        QVERIFY(f.runUntil([&] { return f.app->writes > 0; }));
    }

    void pendingInputIsReadWithoutBlocking() {
        Layered f;
        f.app->r = true;
        f.layer->held = "inside";  // the socket itself is idle
        const auto t0 = Clock::now();
        f.poll(5.0);
        QVERIFY2(Clock::now() - t0 < std::chrono::seconds(2), "the loop blocked on an idle socket with input held");
        QCOMPARE(f.app->got, std::string("inside"));
        // Held input is not dispatched to an application that does not read.
        f.app->r = false;
        f.layer->held = "later";
        f.poll(0.02);
        QCOMPARE(f.app->got, std::string("inside"));
    }

    void deadlineBoundsTheWaitAndFails() {
        Layered f;
        f.layer->blocked = true;
        f.layer->wantR = true;
        f.layer->due = Clock::now() + std::chrono::milliseconds(100);
        const auto t0 = Clock::now();
        QVERIFY(f.runUntil([&] { return f.layer->deadlines > 0; }));
        QVERIFY(Clock::now() - t0 < std::chrono::seconds(3));
        QCOMPARE(f.app->errors, 1);
        QCOMPARE(f.app->lastError, std::string("fake layer: deadline passed"));
        QCOMPARE(f.layer->closings, 1);  // close() let the layer say goodbye
        QVERIFY(f.loop.empty());
        // A plain poll with that deadline: the wait returned early.
        Layered f2;
        f2.layer->due = Clock::now() + std::chrono::milliseconds(50);
        const auto t1 = Clock::now();
        f2.poll(10.0);
        QVERIFY2(Clock::now() - t1 < std::chrono::seconds(3), "poll() did not wake for the layer's deadline");
        QCOMPARE(f2.layer->deadlines, 1);
    }

    void sendAndRecvGoThroughTheLayer() {
        Layered f;
        QCOMPARE(f.app->send("abc"), std::size_t(3));
        QVERIFY(lwtest::waitFd(f.peer.get(), POLLIN));
        QCOMPARE(lwtest::rawRecvNow(f.peer.get()), std::string("bcd"));
        f.app->r = true;
        lwtest::rawSend(f.peer.get(), "IFMMP");
        QVERIFY(f.runUntil([&] { return f.app->got.size() >= 5; }));
        QCOMPARE(f.app->got, std::string("HELLO"));
        // Removing the layer goes back to the raw socket.
        f.app->setLayer(nullptr);
        QCOMPARE(f.app->send("abc"), std::size_t(3));
        QVERIFY(lwtest::waitFd(f.peer.get(), POLLIN));
        QCOMPARE(lwtest::rawRecvNow(f.peer.get()), std::string("abc"));
    }

    void layerIgnoredUntilConnected() {
        QFETCH_GLOBAL(Backend, backend);
        Loop loop;
        lwtest::RawListener listener(kAfInet);
        App app(&loop);
        app.createSocket();
        auto layer = std::make_unique<FakeLayer>();
        FakeLayer* l = layer.get();
        app.setLayer(std::move(layer));
        l->blocked = true;  // would hide the connect if the loop asked it before `connected`
        app.w = true;
        app.connect(listener.addr);
        QVERIFY(lwtest::runUntil(loop, [&] { return app.connected; }, backend));
        QCOMPARE(app.writes, 1);  // the connect's write event reached the application
    }
};

QTEST_APPLESS_MAIN(tst_StreamLayer)
#include "tst_StreamLayer.moc"
