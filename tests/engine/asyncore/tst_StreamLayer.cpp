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
        try {
            throw;
        } catch (const std::exception& e) {
            lastError = e.what();
        }
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

}  // namespace

class tst_StreamLayer : public QObject {
    Q_OBJECT
private slots:
    void layerReadWantWhileAppDoesNotRead_data() { lwtest::backendRows(); }
    void layerReadWantWhileAppDoesNotRead() {
        QFETCH(Backend, backend);
        Loop loop;
        auto [a, b] = lwtest::tcpPair();
        App app(std::move(a), &loop);
        auto layer = std::make_unique<FakeLayer>();
        FakeLayer* l = layer.get();
        app.setLayer(std::move(layer));
        WantsObserver obs;
        loop.setObserver(&obs);
        l->wantR = true;
        lwtest::rawSend(b.get(), "x");
        QVERIFY(lwtest::runUntil(loop, [&] { return l->readyReads > 0; }, backend));
        QCOMPARE(app.reads, 0);
        QVERIFY(obs.readWants > 0);
        loop.setObserver(nullptr);
    }

    void layerWriteWantWhileAppDoesNotWrite_data() { lwtest::backendRows(); }
    void layerWriteWantWhileAppDoesNotWrite() {
        QFETCH(Backend, backend);
        Loop loop;
        auto [a, b] = lwtest::tcpPair();
        App app(std::move(a), &loop);
        auto layer = std::make_unique<FakeLayer>();
        FakeLayer* l = layer.get();
        app.setLayer(std::move(layer));
        l->wantW = true;
        QVERIFY(lwtest::runUntil(loop, [&] { return l->readyWrites > 0; }, backend));
        QCOMPARE(app.writes, 0);
        // Without the layer's want, a pass with nobody wanting anything waits it out.
        const auto t0 = Clock::now();
        loop.poll(0.05, backend);
        QCOMPARE(l->readyWrites, 1);
        QVERIFY(Clock::now() - t0 >= std::chrono::milliseconds(40));
    }

    void blockedLayerKeepsApplicationHooksAway_data() { lwtest::backendRows(); }
    void blockedLayerKeepsApplicationHooksAway() {
        QFETCH(Backend, backend);
        Loop loop;
        auto [a, b] = lwtest::tcpPair();
        App app(std::move(a), &loop);
        auto layer = std::make_unique<FakeLayer>();
        FakeLayer* l = layer.get();
        app.setLayer(std::move(layer));
        app.r = app.w = true;
        l->blocked = true;
        l->wantR = true;
        lwtest::rawSend(b.get(), "y");
        QVERIFY(lwtest::runUntil(loop, [&] { return l->readyReads > 0; }, backend));
        for (int i = 0; i < 3; ++i) loop.poll(0.01, backend);
        QCOMPARE(app.reads, 0);
        QCOMPARE(app.writes, 0);
        // Unblocked, the application's hooks run again.
        l->blocked = false;
        QVERIFY(lwtest::runUntil(loop, [&] { return app.writes > 0; }, backend));
    }

    void pendingInputIsReadWithoutBlocking_data() { lwtest::backendRows(); }
    void pendingInputIsReadWithoutBlocking() {
        QFETCH(Backend, backend);
        Loop loop;
        auto [a, b] = lwtest::tcpPair();
        App app(std::move(a), &loop);
        auto layer = std::make_unique<FakeLayer>();
        FakeLayer* l = layer.get();
        app.setLayer(std::move(layer));
        app.r = true;
        l->held = "inside";  // the socket itself is idle
        const auto t0 = Clock::now();
        loop.poll(5.0, backend);
        QVERIFY2(Clock::now() - t0 < std::chrono::seconds(2), "the loop blocked on an idle socket with input held");
        QCOMPARE(app.got, std::string("inside"));
        // Held input is not dispatched to an application that does not read.
        app.r = false;
        l->held = "later";
        loop.poll(0.02, backend);
        QCOMPARE(app.got, std::string("inside"));
    }

    void deadlineBoundsTheWaitAndFails_data() { lwtest::backendRows(); }
    void deadlineBoundsTheWaitAndFails() {
        QFETCH(Backend, backend);
        Loop loop;
        auto [a, b] = lwtest::tcpPair();
        App app(std::move(a), &loop);
        auto layer = std::make_unique<FakeLayer>();
        FakeLayer* l = layer.get();
        app.setLayer(std::move(layer));
        l->blocked = true;
        l->wantR = true;
        l->due = Clock::now() + std::chrono::milliseconds(100);
        const auto t0 = Clock::now();
        QVERIFY(lwtest::runUntil(loop, [&] { return l->deadlines > 0; }, backend));
        QVERIFY(Clock::now() - t0 < std::chrono::seconds(3));
        QCOMPARE(app.errors, 1);
        QCOMPARE(app.lastError, std::string("fake layer: deadline passed"));
        QCOMPARE(l->closings, 1);  // close() let the layer say goodbye
        QVERIFY(loop.empty());
        // A plain poll with that deadline: the wait returned early.
        Loop loop2;
        auto [c, d] = lwtest::tcpPair();
        App app2(std::move(c), &loop2);
        auto layer2 = std::make_unique<FakeLayer>();
        FakeLayer* l2 = layer2.get();
        app2.setLayer(std::move(layer2));
        l2->due = Clock::now() + std::chrono::milliseconds(50);
        const auto t1 = Clock::now();
        loop2.poll(10.0, backend);
        QVERIFY2(Clock::now() - t1 < std::chrono::seconds(3), "poll() did not wake for the layer's deadline");
        QCOMPARE(l2->deadlines, 1);
    }

    void sendAndRecvGoThroughTheLayer_data() { lwtest::backendRows(); }
    void sendAndRecvGoThroughTheLayer() {
        QFETCH(Backend, backend);
        Loop loop;
        auto [a, b] = lwtest::tcpPair();
        App app(std::move(a), &loop);
        app.setLayer(std::make_unique<FakeLayer>());
        QCOMPARE(app.send("abc"), std::size_t(3));
        QVERIFY(lwtest::waitFd(b.get(), POLLIN));
        QCOMPARE(lwtest::rawRecvNow(b.get()), std::string("bcd"));
        app.r = true;
        lwtest::rawSend(b.get(), "IFMMP");
        QVERIFY(lwtest::runUntil(loop, [&] { return app.got.size() >= 5; }, backend));
        QCOMPARE(app.got, std::string("HELLO"));
        // Removing the layer goes back to the raw socket.
        app.setLayer(nullptr);
        QCOMPARE(app.send("abc"), std::size_t(3));
        QVERIFY(lwtest::waitFd(b.get(), POLLIN));
        QCOMPARE(lwtest::rawRecvNow(b.get()), std::string("abc"));
    }

    void layerIgnoredUntilConnected_data() { lwtest::backendRows(); }
    void layerIgnoredUntilConnected() {
        QFETCH(Backend, backend);
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
