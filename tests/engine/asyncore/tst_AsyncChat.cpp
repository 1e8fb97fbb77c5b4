// tst_AsyncChat.cpp — engine::AsyncChat against CPython 3.11.7's asynchat:
// the input path (A3, R1–R5, R10, R13, R16, R17, R19, R20), the output path
// (P2–P16), the predicates and discard_buffers (W1–W4), ports of
// Lib/test/test_asynchat.py, and a differential test that replays 238
// streams × 4 read sizes whose exact event sequences CPython produced
// (cpython_oracle/framing_cases.inc, made by gen_framing_cases.py) — once
// through get_terminator() and once with the terminator read in place
// (useStoredTerminator), which must frame alike.
//
// Expected values come from cpython_oracle/check_chat.py (scenarios) and
// check_targeted.py (three-way framing); each test names the checklist item
// it pins. Socket-level behaviour runs on a real socketpair; errors and short
// writes are injected by overriding the protected rawSend()/rawRecv() — the
// same place CPython's socket.send/recv sit under dispatcher.send/recv.
#include "engine/net/Address.h"
#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/DispatcherTap.h"
#include "engine/asyncore/Fifo.h"
#include "engine/asyncore/Loop.h"
#include "engine/asyncore/Producer.h"
#include "engine/net/SocketOps.h"
#include "engine/asyncore/Terminator.h"

#include "ChatTestSupport.h"
#include "TestSupport.h"

#include <QByteArray>
#include <QTest>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <exception>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

using engine::Terminator;
using namespace std::string_literals;

namespace {

using lwtest::esc;
using lwtest::kWhole;
using lwtest::modeName;
using lwtest::qb;
using lwtest::Step;
using lwtest::tdesc;

// ---- The oracle's token format (cpython_oracle/oracle.py) -----------------------

std::string unesc(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 2, 2)), nullptr, 16));
            i += 4;
        } else {
            out += s[i++];
        }
    }
    return out;
}

Terminator parseTerm(std::string_view s) {
    if (s == "N") return Terminator::none();
    if (s.front() == '#') return Terminator::count(std::stoll(std::string(s.substr(1))));
    return Terminator::bytes(unesc(s.substr(1)));
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = s.find(sep, start);
        out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += sep;
        out += v[i];
    }
    return out;
}

Step parseStep(std::string_view s) {
    if (s == "K") return {Step::Keep, {}};
    if (s == "X") return {Step::Close, {}};
    if (s == "D") return {Step::Discard, {}};
    return {Step::Set, parseTerm(s)};
}

std::error_code err(std::errc e) { return std::make_error_code(e); }

// ---- The probe channel ---------------------------------------------------------

class Probe : public engine::AsyncChat {
public:
    using AsyncChat::AsyncChat;

    // Input observations.
    struct Record {
        std::string payload;
        Terminator term;
        bool connected;
    };
    std::vector<Record> records;
    std::string pending;
    std::vector<std::string> events;  // c:<esc> f F h E — the check_chat.py form
    std::vector<std::string> tokens;  // oracle.py's exact token stream (differential)
    std::string lastReadTerm = "?";
    bool emptyCollect = false;
    bool useDefaultCollect = false;
    std::vector<Step> schedule;
    std::function<void(Probe&, std::string_view)> onCollect;
    std::function<void(Probe&)> onFound;
    std::optional<Terminator> terminatorOverride;
    std::size_t bytesIn = 0;

    // Output observations and injections.
    struct SendStep {
        std::error_code ec;
        std::size_t cap = std::numeric_limits<std::size_t>::max();
    };
    std::vector<std::string> sendCalls;  // every rawSend(), zero-length ones included
    std::vector<std::string> sentLog;    // onSent()
    std::deque<SendStep> sendScript;
    struct RecvStep {
        std::error_code ec;
        std::string data;  // empty and no error: EOF
    };
    std::vector<std::size_t> recvSizes;
    std::deque<RecvStep> recvScript;
    int closes = 0;
    int errors = 0;
    int exhausted = 0;
    std::string lastError;

    void collectIncomingData(std::string_view d) override {
        if (d.empty()) emptyCollect = true;
        events.push_back("c:" + esc(d));
        tokens.push_back("c" + esc(d));
        if (useDefaultCollect) collectIncomingDataDefault(d);
        pending.append(d);
        if (onCollect) onCollect(*this, d);
    }
    void foundTerminator() override {
        const Terminator t = getTerminator();
        events.emplace_back(connected ? "f" : "F");
        tokens.push_back((connected ? "f" : "F") + tdesc(t));
        records.push_back({std::exchange(pending, std::string()), t, connected});
        const std::size_t i = records.size() - 1;
        if (i < schedule.size()) {
            const Step& s = schedule[i];
            s.applyTo(*this);
        }
        if (onFound) onFound(*this);
    }
    Terminator getTerminator() const override {
        return terminatorOverride ? *terminatorOverride : AsyncChat::getTerminator();
    }
    void handleRead() override {
        const std::string t = tdesc(getTerminator());
        tokens.push_back(t == lastReadTerm ? "R" : "R" + t);
        lastReadTerm = t;
        AsyncChat::handleRead();
    }
    void handleClose() override {
        ++closes;
        events.emplace_back("h");
        tokens.emplace_back("h");
        AsyncChat::handleClose();
    }
    // What the default does (log, then handle_close), minus the log line.
    void handleError() override {
        ++errors;
        events.emplace_back("E");
        if (const std::exception_ptr e = std::current_exception()) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                lastError = x.what();
            } catch (...) {
                lastError = "?";
            }
        }
        handleClose();
    }

    std::string takeData() { return getData(); }
    void collectDefault(std::string_view d) { collectIncomingDataDefault(d); }
    // Probe overrides getTerminator() but, without terminatorOverride, returns
    // the stored one: reading it in place must frame exactly the same.
    using AsyncChat::useStoredTerminator;

    std::string summary() const {
        std::string out;
        for (const Record& r : records) out += esc(r.payload) + "@" + tdesc(r.term) + (r.connected ? "" : "!") + " ";
        return out + "tail:" + esc(pending) + " rest:" + esc(inputBuffer());
    }
    std::string logText() const { return join(events, " "); }

protected:
    std::size_t rawSend(const void* data, std::size_t len, std::error_code& ec) override {
        sendCalls.emplace_back(static_cast<const char*>(data), len);
        if (!sendScript.empty()) {
            const SendStep s = sendScript.front();
            sendScript.pop_front();
            if (s.ec) {
                ec = s.ec;
                return 0;
            }
            len = std::min(len, s.cap);
        }
        return AsyncChat::rawSend(data, len, ec);
    }
    std::size_t rawRecv(void* buf, std::size_t len, std::error_code& ec) override {
        recvSizes.push_back(len);
        if (!recvScript.empty()) {
            RecvStep s = std::move(recvScript.front());
            recvScript.pop_front();
            if (s.ec) {
                ec = s.ec;
                return 0;
            }
            const std::size_t n = std::min(len, s.data.size());
            if (n) std::memcpy(buf, s.data.data(), n);
            bytesIn += n;
            return n;
        }
        const std::size_t n = AsyncChat::rawRecv(buf, len, ec);
        if (!ec) bytesIn += n;
        return n;
    }
    void onSent(std::string_view written) override { sentLog.emplace_back(written); }
    void onProducerExhausted(const engine::Producer& p) override {
        (void)p;
        ++exhausted;
    }
};

// A producer that hands out a fixed list of chunks ("" included), then "".
class ScriptProducer final : public engine::Producer {
public:
    /// `ready`, if given, is what ready() says (a file producer's "not read yet").
    ScriptProducer(std::vector<std::string> chunks, int* calls, const bool* ready = nullptr)
        : m_chunks(std::move(chunks)), m_calls(calls), m_ready(ready) {}
    std::string more() override {
        ++*m_calls;
        if (m_next >= m_chunks.size()) return {};
        return m_chunks[m_next++];
    }
    bool ready() const override { return !m_ready || *m_ready; }

private:
    std::vector<std::string> m_chunks;
    std::size_t m_next = 0;
    int* m_calls;
    const bool* m_ready;
};

std::vector<std::string> fifoView(const engine::Fifo& f) {
    std::vector<std::string> out;
    for (const auto& e : f) {
        switch (e.kind) {
        case engine::Fifo::Entry::Kind::Data: out.emplace_back(e.pending()); break;
        case engine::Fifo::Entry::Kind::Producer: out.emplace_back("<producer>"); break;
        case engine::Fifo::Entry::Kind::Close: out.emplace_back("<close>"); break;
        }
    }
    return out;
}

QByteArray fifoText(const engine::Fifo& f) {
    std::vector<std::string> v;
    for (const auto& s : fifoView(f)) v.push_back(esc(s));
    return qb(join(v, ","));
}

QByteArray callsText(const std::vector<std::string>& calls) {
    std::vector<std::string> v;
    for (const auto& s : calls) v.push_back(esc(s));
    return qb(join(v, ","));
}

// ---- Raw-socket helpers for the peer end -----------------------------------------

constexpr auto kDeadline = std::chrono::seconds(5);

bool sendAll(engine::NativeSocket s, std::string_view data) {
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    std::size_t off = 0;
    while (off < data.size()) {
        std::error_code ec;
        off += engine::sockops::send(s, data.data() + off, data.size() - off, ec);
        if (ec && !engine::sockops::isWouldBlock(ec)) return false;
        if (ec) {
            if (std::chrono::steady_clock::now() > until) return false;
            std::this_thread::yield();
        }
    }
    return true;
}

// Everything readable right now (the socket must be non-blocking); "<EOF>" is
// appended when the peer has shut down.
std::string drain(engine::NativeSocket s) {
    std::string out;
    char buf[4096];
    for (;;) {
        std::error_code ec;
        const std::size_t n = engine::sockops::recv(s, buf, sizeof buf, ec);
        if (ec) return out;
        if (n == 0) return out + "<EOF>";
        out.append(buf, n);
    }
}

void makeNonBlocking(engine::NativeSocket s) {
    std::error_code ec;
    engine::sockops::setNonBlocking(s, true, ec);
}


// A Probe on one end of a socketpair; the test holds the other end.
struct Pair {
    engine::Loop loop;
    engine::Socket peer;
    std::unique_ptr<Probe> chat;

    Pair() {
        auto [a, b] = lwtest::socketPair();
        peer = std::move(b);
        makeNonBlocking(peer.get());
        chat = std::make_unique<Probe>(std::move(a), &loop);
    }
    Pair(const Pair&) = delete;
    Pair& operator=(const Pair&) = delete;
    ~Pair() = default;

    // Writes `data`, shuts the peer's write side, runs until the chat closed.
    bool feedAndClose(std::string_view data) {
        if (!sendAll(peer.get(), data)) return false;
        std::error_code ec;
        engine::sockops::shutdownWrite(peer.get(), ec);
        return !ec && lwtest::runUntil(loop, [this] { return !chat->connected; });
    }
    // Writes `data` and runs until the chat has received all of it.
    bool feed(std::string_view data) {
        const std::size_t target = chat->bytesIn + data.size();
        return sendAll(peer.get(), data) && lwtest::runUntil(loop, [this, target] { return chat->bytesIn >= target; });
    }
    std::string peerReads() { return drain(peer.get()); }
    // Pushes each of `data` while the chat counts as not connected (queued
    // only, P5), then counts it as connected again.
    void queueThenConnect(std::initializer_list<std::string_view> data) {
        chat->connected = false;
        for (const std::string_view d : data) chat->push(d);
        chat->connected = true;
    }
};

// ---- The differential oracle ---------------------------------------------------

struct OracleCase {
    const char* stream;
    const char* init;
    const char* schedule;
    const char* at1;
    const char* at3;
    const char* at10;
    const char* atWhole;
};

const OracleCase kOracleCases[] = {
#include "cpython_oracle/framing_cases.inc"
};

constexpr std::size_t kReadSizes[] = {1, 3, 10, kWhole};

}  // namespace

class TestAsyncChat : public QObject {
    Q_OBJECT

private slots:
    // ---- A3, R1: defaults -------------------------------------------------------
    void defaultTerminatorIsNone();
    void defaultBufferSizes();

    // ---- R: the input path ------------------------------------------------------
    void oneRecvPerHandleRead();
    void blockingRecvIsIgnored();
    void recvErrors_data();
    void recvErrors();
    void eofClosesBeforeParsing();
    void getTerminatorOverrideIsHonoured();
    void falsyTerminatorCollectsWholeBuffer_data();
    void falsyTerminatorCollectsWholeBuffer();
    void prefixHoldBackCases();
    void terminatorChangedInsideCollect();
    void collectSeesStateBeforeUpdate_data();
    void collectSeesStateBeforeUpdate();
    void parseContinuesAfterClose_data();
    void parseContinuesAfterClose();
    void exceptionFromHook_data();
    void exceptionFromHook();
    void readableAlways();
    void incomingHelpers();
    void countReplacedInsideCollect_data();
    void countReplacedInsideCollect();
    void storedTerminatorFramesAsTheHook_data();
    void storedTerminatorFramesAsTheHook();
    void storedTerminatorTapHearsTheMatchedTerminator_data();
    void storedTerminatorTapHearsTheMatchedTerminator();

    // ---- P: the output path -----------------------------------------------------
    void pushSlicesByOutBufferSize();
    void pushSendsAtOnce();
    void pushWithProducerSendsAtOnce();
    void closeWhenDoneDoesNotSend();
    void closeWhenDoneWaitsForQueuedData();
    void noSendWhileConnecting();
    void noSendAfterClose();
    void entriesAfterCloseMarkerNeverSent();
    void emptyPushCostsOneSend();
    void atMostOneSendPerInitiateSend();
    void producersLazyAndDroppedAtFirstEmpty();
    void producerChunkLongerThanOutBuffer();
    void partialSendKeepsRemainder();
    void sendErrors_data();
    void sendErrors();
    void handleWriteAndHandleClose();
    void pushCopies();
    void loweringOutBufferSize();

    // ---- W --------------------------------------------------------------------
    void writablePredicate();
    void notReadyProducerWaitsAtTheHead();
    void discardBuffersClearsEverything();
    void dispatcherDefaults();

    // ---- Lib/test/test_asynchat.py, ported ---------------------------------------
    void cpythonLineTerminator_data();
    void cpythonLineTerminator();
    void cpythonNumericTerminator_data();
    void cpythonNumericTerminator();
    void cpythonNoneTerminator();
    void cpythonSimpleProducer();
    void cpythonStringProducer();
    void cpythonEmptyLine();
    void cpythonCloseWhenDone();
    void cpythonPush();

    // ---- CPython differential ------------------------------------------------------
    void differential_data();
    void differential();
    void differentialStoredTerminator_data() { differential_data(); }
    void differentialStoredTerminator();
    // takeWholeRecords(): a subclass that takes the records of a read at once frames as the loop would.
    void takeWholeRecordsFramesAsTheLoop();

    // ---- Fast by construction: a 1 GiB message in bounded memory --------------------
    void gibibyteStreamsInBoundedMemory_data();
    void gibibyteStreamsInBoundedMemory();
};

// A3 (fixed): the default terminator is None, so input before any
// set_terminator() is collected whole; CPython raises AttributeError here.
void TestAsyncChat::defaultTerminatorIsNone() {
    Pair p;
    QVERIFY(p.chat->getTerminator().isNone());
    QVERIFY(p.feedAndClose("abc\ndef"));
    QCOMPARE(p.chat->errors, 0);
    QCOMPARE(p.chat->records.size(), std::size_t{0});
    QCOMPARE(qb(p.chat->pending), QByteArray("abc\ndef"));
}

// R1 (fixed): 4096 as the documentation says; CPython's code says 65536.
void TestAsyncChat::defaultBufferSizes() {
    engine::Loop loop;
    Probe chat(&loop);
    QCOMPARE(engine::AsyncChat::kAcInBufferSize, std::size_t{4096});
    QCOMPARE(engine::AsyncChat::kAcOutBufferSize, std::size_t{4096});
    QCOMPARE(chat.acInBufferSize, std::size_t{4096});
    QCOMPARE(chat.acOutBufferSize, std::size_t{4096});
}

// R1: each handle_read() makes exactly one recv(ac_in_buffer_size), the size
// read when the call is made.
void TestAsyncChat::oneRecvPerHandleRead() {
    Pair p;
    QVERIFY(sendAll(p.peer.get(), std::string(10000, 'z')));
    p.chat->handleRead();
    QCOMPARE(p.chat->recvSizes, (std::vector<std::size_t>{4096}));
    QCOMPARE(p.chat->pending.size(), std::size_t{4096});
    p.chat->acInBufferSize = 100;
    p.chat->handleRead();
    p.chat->acInBufferSize = 1;
    p.chat->handleRead();
    QCOMPARE(p.chat->recvSizes, (std::vector<std::size_t>{4096, 100, 1}));
    QCOMPARE(p.chat->pending.size(), std::size_t{4197});
}

// R2 (T-chat.TestAsynchatMocked.test_blockingioerror, bpo-16133): EWOULDBLOCK
// from recv returns silently: no handle_error, no state change.
void TestAsyncChat::blockingRecvIsIgnored() {
    Pair p;
    p.chat->setTerminator("\r\n");
    p.chat->recvScript.push_back({{}, "ab\r"});
    p.chat->recvScript.push_back({err(std::errc::operation_would_block), {}});
    p.chat->handleRead();
    QCOMPARE(qb(p.chat->inputBuffer()), QByteArray("\r"));
    p.chat->handleRead();
    QCOMPARE(p.chat->errors, 0);
    QCOMPARE(p.chat->closes, 0);
    QVERIFY(p.chat->connected);
    QCOMPARE(qb(p.chat->logText()), QByteArray("c:ab"));
    QCOMPARE(qb(p.chat->inputBuffer()), QByteArray("\r"));
}

// R3: any other recv error goes to handle_error() inside handle_read (the call
// does not throw); the disconnect errnos are absorbed by recv (D11) and end
// in handle_close() instead.
void TestAsyncChat::recvErrors_data() {
    QTest::addColumn<int>("errc");
    QTest::addColumn<int>("errors");
    QTest::addColumn<QByteArray>("log");
    QTest::newRow("ETIMEDOUT") << static_cast<int>(std::errc::timed_out) << 1 << QByteArray("E h");
    QTest::newRow("EHOSTUNREACH") << static_cast<int>(std::errc::host_unreachable) << 1 << QByteArray("E h");
    QTest::newRow("ECONNREFUSED") << static_cast<int>(std::errc::connection_refused) << 1 << QByteArray("E h");
    QTest::newRow("ECONNRESET") << static_cast<int>(std::errc::connection_reset) << 0 << QByteArray("h");
    QTest::newRow("ENOTCONN") << static_cast<int>(std::errc::not_connected) << 0 << QByteArray("h");
}

void TestAsyncChat::recvErrors() {
    QFETCH(int, errc);
    QFETCH(int, errors);
    QFETCH(QByteArray, log);
    Pair p;
    p.chat->setTerminator("\n");
    p.chat->recvScript.push_back({err(static_cast<std::errc>(errc)), {}});
    try {
        p.chat->handleRead();
    } catch (...) {
        QFAIL("handleRead() let the recv error escape");
    }
    QCOMPARE(p.chat->errors, errors);
    QCOMPARE(qb(p.chat->logText()), log);
    QVERIFY(!p.chat->connected);
}

// R4: at EOF, handle_close() (close()) runs first, then the parse loop runs
// over what is buffered — so a record completed by that parse is found on a
// closed channel. check_chat.py: ['cab', 'h', 'F'].
void TestAsyncChat::eofClosesBeforeParsing() {
    Pair p;
    p.chat->setTerminator("\r\n");
    QVERIFY(p.feed("ab\r"));
    QCOMPARE(qb(p.chat->inputBuffer()), QByteArray("\r"));
    p.chat->setTerminator("\r");
    QVERIFY(p.feedAndClose(""));
    QCOMPARE(qb(p.chat->logText()), QByteArray("c:ab h F"));
    QCOMPARE(qb(p.chat->inputBuffer()), QByteArray(""));
}

// R5: the loop calls get_terminator() at every step, so an override wins over
// the stored value. check_chat.py: ['cx', 'f', 'cy', 'f', 'cz', 'h'].
void TestAsyncChat::getTerminatorOverrideIsHonoured() {
    Pair p;
    p.chat->terminatorOverride = Terminator::bytes(",");  // stored: None
    QVERIFY(p.feedAndClose("x,y,z"));
    QCOMPARE(qb(p.chat->logText()), QByteArray("c:x f c:y f c:z h"));
}

// R6: None, b'' and 0 pass each whole buffer to one collect call.
void TestAsyncChat::falsyTerminatorCollectsWholeBuffer_data() {
    lwtest::addModeRows("which", {"none", "empty-bytes", "count0"});
}

void TestAsyncChat::falsyTerminatorCollectsWholeBuffer() {
    QFETCH(int, which);
    QFETCH(qulonglong, readSize);
    Pair p;
    p.chat->setTerminator(which == 0 ? Terminator::none() : which == 1 ? Terminator::bytes("") : Terminator::count(0));
    p.chat->acInBufferSize = static_cast<std::size_t>(readSize);
    const std::string data = "hello world, I'm not dead yet!\n";  // 31 bytes
    QVERIFY(p.feedAndClose(data));
    QCOMPARE(qb(p.chat->pending), qb(data));
    QCOMPARE(p.chat->records.size(), std::size_t{0});
    const std::size_t reads = readSize >= data.size() ? 1 : (data.size() + readSize - 1) / readSize;
    QCOMPARE(p.chat->events.size(), reads + 1);  // one collect per data read, then "h"
}

// R10: the three outcomes of find_prefix_at_end, term \r\n\r\n, reads
// "ab\r\n", "\r", "x". check_chat.py prints the same states.
void TestAsyncChat::prefixHoldBackCases() {
    Pair p;
    p.chat->setTerminator("\r\n\r\n");
    p.chat->recvScript.push_back({{}, "ab\r\n"});
    p.chat->recvScript.push_back({{}, "\r"});
    p.chat->recvScript.push_back({{}, "x"});
    p.chat->handleRead();  // 0 < k < lb: collect up to the prefix
    QCOMPARE(qb(p.chat->logText()), QByteArray("c:ab"));
    QCOMPARE(qb(p.chat->inputBuffer()), QByteArray("\r\n"));
    p.chat->handleRead();  // k == lb: collect nothing, keep all
    QCOMPARE(qb(p.chat->logText()), QByteArray("c:ab"));
    QCOMPARE(qb(p.chat->inputBuffer()), QByteArray("\r\n\r"));
    p.chat->handleRead();  // k == 0: collect everything
    QCOMPARE(qb(p.chat->logText()), QByteArray("c:ab c:\\x0d\\x0a\\x0dx"));
    QCOMPARE(qb(p.chat->inputBuffer()), QByteArray(""));
}

// R13: a terminator set inside collect_incoming_data() applies at once; the
// bytes of the record being delivered are still cut by the old terminator.
// check_chat.py: ['cab,cd', 'f', 'cef', 'f', 'cgh\n', 'h'].
void TestAsyncChat::terminatorChangedInsideCollect() {
    Pair p;
    p.chat->setTerminator("\n");
    p.chat->onCollect = [](Probe& c, std::string_view) {
        if (c.getTerminator() == Terminator::bytes("\n")) c.setTerminator(",");
    };
    QVERIFY(p.feedAndClose("ab,cd\nef,gh\n"));
    QCOMPARE(qb(p.chat->logText()), QByteArray("c:ab,cd f c:ef f c:gh\\x0a h"));
}

// R7, R14 order: CPython calls collect_incoming_data() *before* it updates
// ac_in_buffer and, for a partial count, before it decrements the terminator.
// So inside collect, get_terminator() is still n and the buffer still holds
// the bytes being collected; a terminator set there is decremented by lb.
void TestAsyncChat::collectSeesStateBeforeUpdate_data() {
    lwtest::addIndexRows("which", {"count 25 in 10-byte reads", "set count inside partial-count collect",
                                   "none: buffer inside collect", "bytes, no prefix: buffer inside collect",
                                   "bytes, found: buffer inside collect"});
}

void TestAsyncChat::collectSeesStateBeforeUpdate() {
    QFETCH(int, which);
    Pair p;
    std::vector<std::string> seen;
    auto watch = [&seen](Probe& c, std::string_view) {
        seen.push_back(tdesc(c.getTerminator()) + "/" + std::to_string(c.inputBuffer().size()));
    };
    switch (which) {
    case 0:
        // check_chat.py: [(25, 10), (15, 10), (5, 10), (0, 5)], final 0
        p.chat->setTerminator(25);
        p.chat->acInBufferSize = 10;
        p.chat->onCollect = watch;
        QVERIFY(p.feedAndClose(std::string(30, 'x')));
        QCOMPARE(qb(join(seen, " ")), QByteArray("#25/10 #15/10 #5/10 #0/5"));
        QVERIFY(p.chat->getTerminator() == Terminator::count(0));
        break;
    case 1: {
        // check_chat.py: set_terminator(100) inside the first collect of a
        // count of 25 met by 10 bytes leaves 100 - 10 = 90.
        p.chat->setTerminator(25);
        p.chat->acInBufferSize = 10;
        bool once = false;
        p.chat->onCollect = [&once](Probe& c, std::string_view) {
            if (!std::exchange(once, true)) c.setTerminator(100);
        };
        QVERIFY(p.feed(std::string(10, 'y')));
        QVERIFY(p.chat->getTerminator() == Terminator::count(90));
        break;
    }
    case 2:
    case 3:
    case 4:
        // check_chat.py: None and b'\n' over "abc" both see b'abc' inside collect.
        p.chat->setTerminator(which == 2 ? Terminator::none() : Terminator::bytes("\n"));
        p.chat->onCollect = [&seen](Probe& c, std::string_view) { seen.emplace_back(c.inputBuffer()); };
        QVERIFY(p.feed(which == 4 ? "abc\n" : "abc"));
        QCOMPARE(seen.size(), std::size_t{1});
        QCOMPARE(qb(seen[0]), which == 4 ? QByteArray("abc\n") : QByteArray("abc"));
        break;
    default: break;
    }
}

// R16 (copied): close() inside found_terminator() does not stop the parse of
// what is already buffered; the records after it are found with connected
// false. discard_buffers() does stop it. Each case whole / 1-byte / 10-byte;
// expected from check_targeted.py ('!' = found while closed).
void TestAsyncChat::parseContinuesAfterClose_data() {
    QTest::addColumn<bool>("discard");
    QTest::addColumn<qulonglong>("readSize");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("close/1-byte") << false << 1ULL << QByteArray(R"(QUIT@B\x0a tail: rest:)");
    QTest::newRow("close/10-byte") << false << 10ULL << QByteArray(R"(QUIT@B\x0a NOOP@B\x0a! tail: rest:)");
    QTest::newRow("close/whole") << false << qulonglong{kWhole}
                                 << QByteArray(R"(QUIT@B\x0a NOOP@B\x0a! NOOP@B\x0a! tail: rest:)");
    QTest::newRow("discard/1-byte") << true << 1ULL
                                    << QByteArray(R"(QUIT@B\x0a NOOP@B\x0a NOOP@B\x0a tail: rest:)");
    QTest::newRow("discard/10-byte") << true << 10ULL << QByteArray(R"(QUIT@B\x0a NOOP@B\x0a tail: rest:)");
    QTest::newRow("discard/whole") << true << qulonglong{kWhole} << QByteArray(R"(QUIT@B\x0a tail: rest:)");
}

void TestAsyncChat::parseContinuesAfterClose() {
    QFETCH(bool, discard);
    QFETCH(qulonglong, readSize);
    QFETCH(QByteArray, expected);
    Pair p;
    p.chat->setTerminator("\n");
    p.chat->acInBufferSize = static_cast<std::size_t>(readSize);
    p.chat->schedule = {Step{discard ? Step::Discard : Step::Close, {}}};
    QVERIFY(p.feedAndClose("QUIT\nNOOP\nNOOP\n"));
    QCOMPARE(qb(p.chat->summary()), expected);
    QCOMPARE(p.chat->errors, 0);
}

// R17: an exception from collect_incoming_data() or found_terminator() leaves
// handle_read; the loop calls handle_error(). What was consumed before the
// hook ran stays consumed (the terminator too, for found_terminator); a
// collect that throws has consumed nothing, because CPython updates the
// buffer only after collect returns. check_chat.py gives every row.
void TestAsyncChat::exceptionFromHook_data() {
    QTest::addColumn<QByteArray>("terminator");  // "#n" / "N" / bytes
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<bool>("inFound");
    QTest::addColumn<QByteArray>("log");
    QTest::addColumn<QByteArray>("rest");
    QTest::addColumn<QByteArray>("termAfter");
    QTest::newRow("found throws") << QByteArray("\n") << QByteArray("a\nb\nc\n") << true
                                  << QByteArray("c:a f E h") << QByteArray("b\nc\n") << QByteArray("B\\x0a");
    QTest::newRow("collect throws, found") << QByteArray("\n") << QByteArray("abc\ndef\n") << false
                                           << QByteArray("c:abc E h") << QByteArray("abc\ndef\n") << QByteArray("B\\x0a");
    QTest::newRow("collect throws, count >= n") << QByteArray("#4") << QByteArray("0123456789") << false
                                                << QByteArray("c:0123 E h") << QByteArray("0123456789") << QByteArray("#4");
    QTest::newRow("collect throws, count < n") << QByteArray("#40") << QByteArray("0123456789") << false
                                               << QByteArray("c:0123456789 E h") << QByteArray("0123456789")
                                               << QByteArray("#40");
    QTest::newRow("collect throws, none") << QByteArray("N") << QByteArray("abc\ndef") << false
                                          << QByteArray("c:abc\\x0adef E h") << QByteArray("abc\ndef") << QByteArray("N");
    QTest::newRow("collect throws, no prefix") << QByteArray("\n") << QByteArray("abcdef") << false
                                               << QByteArray("c:abcdef E h") << QByteArray("abcdef") << QByteArray("B\\x0a");
    QTest::newRow("collect throws, prefix") << QByteArray("\r\n") << QByteArray("abc\r") << false
                                            << QByteArray("c:abc E h") << QByteArray("abc\r") << QByteArray("B\\x0d\\x0a");
}

void TestAsyncChat::exceptionFromHook() {
    QFETCH(QByteArray, terminator);
    QFETCH(QByteArray, data);
    QFETCH(bool, inFound);
    QFETCH(QByteArray, log);
    QFETCH(QByteArray, rest);
    QFETCH(QByteArray, termAfter);
    Pair p;
    const std::string t = terminator.toStdString();
    p.chat->setTerminator(t == "N" ? Terminator::none() : t[0] == '#' ? parseTerm(t) : Terminator::bytes(t));
    auto boom = [](auto&&...) { throw std::runtime_error("boom"); };
    if (inFound)
        p.chat->onFound = boom;
    else
        p.chat->onCollect = boom;
    QVERIFY(sendAll(p.peer.get(), data.toStdString()));
    p.loop.poll(5.0, engine::Backend::Poll);  // one pass: the read, the throw, handle_error
    QCOMPARE(qb(p.chat->logText()), log);
    QCOMPARE(qb(p.chat->lastError), QByteArray("boom"));
    QCOMPARE(qb(p.chat->inputBuffer()), rest);
    QCOMPARE(qb(tdesc(p.chat->getTerminator())), termAfter);
    QVERIFY(!p.chat->connected);
}

// R18 / W2: readable() is always true — no input back-pressure.
void TestAsyncChat::readableAlways() {
    Pair p;
    QVERIFY(p.chat->readable());
    p.chat->setTerminator("\r\n");
    p.chat->acInBufferSize = 1;
    QVERIFY(p.feed(std::string(500, 'a') + "\r"));
    QVERIFY(p.chat->readable());
    p.chat->close();
    QVERIFY(p.chat->readable());
    engine::Loop loop;
    Probe unconnected(&loop);
    QVERIFY(unconnected.readable());
}

// R19: _collect_incoming_data appends to `incoming`; _get_data joins and clears.
void TestAsyncChat::incomingHelpers() {
    engine::Loop loop;
    Probe chat(&loop);
    chat.collectDefault("ab");
    chat.collectDefault("cd");
    QCOMPARE(qb(chat.takeData()), QByteArray("abcd"));
    QCOMPARE(qb(chat.takeData()), QByteArray(""));
    Pair p;
    p.chat->useDefaultCollect = true;
    p.chat->setTerminator("\n");
    p.chat->onFound = [](Probe& c) { c.records.back().payload = "got:" + c.takeData(); };
    QVERIFY(p.feedAndClose("one\ntwo\n"));
    QCOMPARE(qb(p.chat->records.at(0).payload), QByteArray("got:one"));
    QCOMPARE(qb(p.chat->records.at(1).payload), QByteArray("got:two"));
}

// R20 (fixed): collect_incoming_data() replaces a count terminator that the
// buffer only partly meets (count 25, 10-byte reads) with bytes or None.
// CPython then computes `terminator - lb` on the new value, raises TypeError,
// calls handle_error and closes (check_chat.py: ['c0123456789', 'E', 'h'] for
// each). The engine keeps the new terminator and frames the rest by it, as a
// change made anywhere else would (R13).
void TestAsyncChat::countReplacedInsideCollect_data() {
    QTest::addColumn<QByteArray>("replacement");  // "N" = None, else bytes
    QTest::addColumn<QByteArray>("log");
    QTest::addColumn<QByteArray>("termAfter");
    QTest::newRow("bytes \\n") << QByteArray("\n") << QByteArray("c:0123456789 c:ab f c:cd f h")
                               << QByteArray("B\\x0a");
    QTest::newRow("None") << QByteArray("N") << QByteArray("c:0123456789 c:ab\\x0acd\\x0a h") << QByteArray("N");
    QTest::newRow("empty bytes") << QByteArray("") << QByteArray("c:0123456789 c:ab\\x0acd\\x0a h")
                                 << QByteArray("B");
}

void TestAsyncChat::countReplacedInsideCollect() {
    QFETCH(QByteArray, replacement);
    QFETCH(QByteArray, log);
    QFETCH(QByteArray, termAfter);
    for (const bool stored : {false, true}) {
        Pair p;
        p.chat->useStoredTerminator(stored);
        p.chat->setTerminator(25);
        p.chat->acInBufferSize = 10;
        const Terminator next = replacement == "N" ? Terminator::none() : Terminator::bytes(replacement.toStdString());
        bool once = false;
        p.chat->onCollect = [&once, next](Probe& c, std::string_view) {
            if (!std::exchange(once, true)) c.setTerminator(next);
        };
        QVERIFY(p.feedAndClose("0123456789ab\ncd\n"));
        QCOMPARE(qb(p.chat->logText()), log);
        QCOMPARE(p.chat->errors, 0);
        QCOMPARE(qb(tdesc(p.chat->getTerminator())), termAfter);
    }
}

// useStoredTerminator() reads the stored terminator in place instead of
// calling get_terminator() at each step. Whatever the hooks do to the
// terminator, the buffer or the channel, the framing must be the hook's:
// each scenario runs both ways and every event, the records' terminators,
// the rest of the buffer and the final terminator must be the same. (The
// hook's side is pinned against CPython by the tests above.)
void TestAsyncChat::storedTerminatorFramesAsTheHook_data() {
    lwtest::addModeRows("scenario",
                {"bytes->bytes in collect", "count 25, state inside collect", "count set inside collect",
                 "count -> bytes in collect", "bytes -> count in collect", "close in found", "discard in found",
                 "collect throws", "found throws", "crlfcrlf held back", "bytes -> None in found",
                 "collect changes it twice"},
                {1, 3, 10, kWhole});
}

void TestAsyncChat::storedTerminatorFramesAsTheHook() {
    QFETCH(int, scenario);
    QFETCH(qulonglong, readSize);
    auto run = [scenario, readSize](bool stored) {
        Pair p;
        Probe& c = *p.chat;
        c.useStoredTerminator(stored);
        c.acInBufferSize = static_cast<std::size_t>(readSize);
        std::vector<std::string> seen;  // inside collect: terminator / buffered bytes
        c.onCollect = [&seen](Probe& ch, std::string_view) {
            seen.push_back(tdesc(ch.getTerminator()) + "/" + esc(ch.inputBuffer()));
        };
        std::string data = "ab,cd\nef,gh\nij\n";
        switch (scenario) {
        case 0:
            c.setTerminator("\n");
            c.onCollect = [&seen](Probe& ch, std::string_view) {
                seen.push_back(tdesc(ch.getTerminator()));
                if (ch.getTerminator() == Terminator::bytes("\n")) ch.setTerminator(",");
            };
            break;
        case 1:
            c.setTerminator(25);
            data = std::string(30, 'x');
            break;
        case 2:
            c.setTerminator(7);
            c.onCollect = [](Probe& ch, std::string_view) {
                if (ch.getTerminator().countValue() == 7) ch.setTerminator(3);
            };
            break;
        case 3:
            c.setTerminator(9);
            c.onCollect = [](Probe& ch, std::string_view) {
                if (ch.getTerminator().isCount()) ch.setTerminator("\n");
            };
            break;
        case 4:
            c.setTerminator("\n");
            c.onCollect = [](Probe& ch, std::string_view) {
                if (ch.getTerminator().isBytes()) ch.setTerminator(4);
            };
            break;
        case 5:
            c.setTerminator("\n");
            c.schedule = {Step{Step::Close, {}}};
            break;
        case 6:
            c.setTerminator("\n");
            c.schedule = {Step{Step::Discard, {}}};
            break;
        case 7:
            c.setTerminator("\n");
            c.onCollect = [](Probe&, std::string_view) { throw std::runtime_error("boom"); };
            break;
        case 8:
            c.setTerminator("\n");
            c.onFound = [](Probe&) { throw std::runtime_error("boom"); };
            break;
        case 9:
            c.setTerminator("\r\n\r\n");
            data = "GET / HTTP/1.0\r\nHost: x\r\n\r\nbody\r\n\r\r\n\r\n\r\n";
            break;
        case 10:
            c.setTerminator("\n");
            c.schedule = {Step{Step::Set, Terminator::none()}};
            break;
        case 11:
            c.setTerminator("\n");
            c.onCollect = [](Probe& ch, std::string_view) {
                // A long terminator, then the short one again: the record in
                // hand is still cut by the one in force when it was found.
                ch.setTerminator(std::string(40, '#'));
                ch.setTerminator(",,");
            };
            data = "ab,,cd\nef,,gh\nij\n";
            break;
        default: break;
        }
        if (!sendAll(p.peer.get(), data)) return std::string("send failed");
        std::error_code ec;
        engine::sockops::shutdownWrite(p.peer.get(), ec);
        lwtest::runUntil(p.loop, [&c] { return !c.connected; });
        return join(c.tokens, "|") + " rest:" + esc(c.inputBuffer()) + " term:" + tdesc(c.getTerminator()) +
               " errors:" + std::to_string(c.errors) + " seen:" + join(seen, ",") + " " + c.summary();
    };
    const std::string hook = run(false);
    const std::string inPlace = run(true);
    QCOMPARE(qb(inPlace), qb(hook));
}

namespace {

// Records what a DispatcherTap hears of the input path.
class InputTap final : public engine::DispatcherTap {
public:
    std::vector<std::string> heard;
    void collected(const engine::Dispatcher&, std::string_view data) override { heard.push_back("c:" + esc(data)); }
    void terminatorFound(const engine::Dispatcher&, const Terminator& matched) override {
        heard.push_back("f:" + tdesc(matched));
    }
};

}  // namespace

// A tap hears the terminator that ended each record, even when the hook that
// installed the tap (collect_incoming_data, in the middle of a step read in
// place) changed the stored terminator at the same time.
void TestAsyncChat::storedTerminatorTapHearsTheMatchedTerminator_data() {
    QTest::addColumn<bool>("stored");
    QTest::newRow("get_terminator() at each step") << false;
    QTest::newRow("stored terminator in place") << true;
}

void TestAsyncChat::storedTerminatorTapHearsTheMatchedTerminator() {
    QFETCH(bool, stored);
    Pair p;
    InputTap tap;
    p.chat->useStoredTerminator(stored);
    p.chat->setTerminator("\r\n");
    p.chat->onCollect = [&tap](Probe& c, std::string_view) {
        if (c.tap() == nullptr) {
            c.setTap(&tap);
            c.setTerminator(";");
        }
    };
    QVERIFY(p.feedAndClose("ab\r\ncd;ef;"));
    p.chat->setTap(nullptr);
    QCOMPARE(qb(join(tap.heard, " ")), QByteArray("f:B\\x0d\\x0a c:cd f:B; c:ef f:B;"));
    QCOMPARE(qb(p.chat->logText()), QByteArray("c:ab f c:cd f c:ef f h"));
}

// P2: a push longer than ac_out_buffer_size is queued in slices of that size;
// a push of at most that size (an empty one too) is one entry.
// check_chat.py: [b'abcd', b'efgh', b'ij', b'wxyz', b''].
void TestAsyncChat::pushSlicesByOutBufferSize() {
    Pair p;
    p.chat->acOutBufferSize = 4;
    p.chat->connected = false;  // queue only (P5)
    p.chat->push("abcdefghij");
    p.chat->push("wxyz");
    p.chat->push("");
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("abcd,efgh,ij,wxyz,"));
    QCOMPARE(p.chat->sendCalls.size(), std::size_t{0});
    QCOMPARE(p.chat->producerFifo().queuedBytes(), std::size_t{14});
}

// P2/P3: push() calls initiate_send(), so a connected channel sends at once.
void TestAsyncChat::pushSendsAtOnce() {
    Pair p;
    p.chat->push("hello");
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("hello"));
    QCOMPARE(callsText(p.chat->sentLog), QByteArray("hello"));
    QVERIFY(p.chat->producerFifo().empty());
    QCOMPARE(qb(p.peerReads()), QByteArray("hello"));
}

void TestAsyncChat::pushWithProducerSendsAtOnce() {
    Pair p;
    int calls = 0;
    p.chat->pushWithProducer(std::make_unique<ScriptProducer>(std::vector<std::string>{"one", "two"}, &calls));
    QCOMPARE(calls, 1);
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("one"));
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("<producer>"));
    QCOMPARE(qb(p.peerReads()), QByteArray("one"));
}

// P4 (T-chat.test_close_when_done): close_when_done() only queues the marker;
// with nothing else queued the channel closes on the next write event.
void TestAsyncChat::closeWhenDoneDoesNotSend() {
    Pair p;
    p.chat->closeWhenDone();
    QVERIFY(p.chat->connected);
    QCOMPARE(p.chat->closes, 0);
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("<close>"));
    QVERIFY(p.chat->writable());
    p.loop.poll(5.0, engine::Backend::Poll);  // one pass: the write event
    QVERIFY(!p.chat->connected);
    QCOMPARE(p.chat->closes, 1);
    QCOMPARE(p.chat->sendCalls.size(), std::size_t{0});
    QCOMPARE(qb(p.peerReads()), QByteArray("<EOF>"));
}

// P4 + P8: with an entry held back (EWOULDBLOCK), close_when_done() sends
// nothing; the first write event sends the entry, the second closes.
// check_chat.py: sends [abc] / [abc] / [abc, abc] then close.
void TestAsyncChat::closeWhenDoneWaitsForQueuedData() {
    Pair p;
    p.chat->sendScript.push_back({err(std::errc::operation_would_block), 0});
    p.chat->push("abc");
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("abc"));
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("abc"));
    p.chat->closeWhenDone();
    QCOMPARE(p.chat->sendCalls.size(), std::size_t{1});
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("abc,<close>"));
    p.chat->handleWrite();
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("abc,abc"));
    QVERIFY(p.chat->connected);
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("<close>"));
    p.chat->handleWrite();
    QVERIFY(!p.chat->connected);
    QCOMPARE(p.chat->closes, 1);
    QCOMPARE(qb(p.peerReads()), QByteArray("abc<EOF>"));
}

// P5 + W1: while a connect is in progress, push() only queues and the channel
// is writable; the data goes out once the loop completes the connect.
void TestAsyncChat::noSendWhileConnecting() {
    std::error_code ec;
    engine::Socket listener(engine::sockops::create(engine::kAfInet, engine::kSockStream, ec));
    QVERIFY(!ec);
    engine::sockops::bind(listener.get(), engine::Address::loopback(engine::kAfInet, 0), ec);
    QVERIFY(!ec);
    engine::sockops::listen(listener.get(), 5, ec);
    QVERIFY(!ec);
    const engine::Address where = engine::sockops::localAddress(listener.get(), ec);
    QVERIFY(!ec);

    engine::Loop loop;
    Probe chat(&loop);
    chat.setTerminator("\n");
    chat.createSocket(engine::kAfInet, engine::kSockStream);
    chat.connect(where);
    if (chat.connected) QSKIP("the loopback connect completed synchronously");
    QVERIFY(chat.connecting);
    QVERIFY(chat.writable());
    chat.push("hello\n");
    QCOMPARE(chat.sendCalls.size(), std::size_t{0});
    QCOMPARE(fifoText(chat.producerFifo()), QByteArray("hello\\x0a"));
    chat.initiateSend();
    QCOMPARE(chat.sendCalls.size(), std::size_t{0});

    QVERIFY(lwtest::runUntil(loop, [&] { return chat.connected && chat.producerFifo().empty(); }));
    QCOMPARE(callsText(chat.sendCalls), QByteArray("hello\\x0a"));
    engine::Socket server;
    const auto until = std::chrono::steady_clock::now() + kDeadline;
    while (!server && std::chrono::steady_clock::now() < until) {
        server = engine::Socket(engine::sockops::accept(listener.get(), nullptr, ec));
        if (!server) std::this_thread::yield();
    }
    QVERIFY(server.valid());
    std::string got;
    while (got.size() < 6 && std::chrono::steady_clock::now() < until) got += drain(server.get());
    QCOMPARE(qb(got), QByteArray("hello\n"));
}

// P5: a closed channel only queues too.
void TestAsyncChat::noSendAfterClose() {
    Pair p;
    p.chat->close();
    p.chat->push("late");
    p.chat->initiateSend();
    QCOMPARE(p.chat->sendCalls.size(), std::size_t{0});
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("late"));
    QVERIFY(p.chat->writable());  // W1: not connected
}

// P6: the close marker closes the channel when it reaches the head; what was
// queued after it is never sent. check_chat.py: sends [a], fifo [b], peer a<EOF>.
void TestAsyncChat::entriesAfterCloseMarkerNeverSent() {
    Pair p;
    p.chat->push("a");
    p.chat->closeWhenDone();
    p.chat->push("b");
    QVERIFY(!p.chat->connected);
    QCOMPARE(p.chat->closes, 1);
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("a"));
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("b"));
    p.chat->initiateSend();
    QCOMPARE(p.chat->sendCalls.size(), std::size_t{1});
    QCOMPARE(qb(p.peerReads()), QByteArray("a<EOF>"));
}

// P7: push("") costs one zero-length send and ends that initiate_send();
// what is queued behind it waits for the next call. check_chat.py:
// [b''] [b'x'] then [b'', b'x'] [].
void TestAsyncChat::emptyPushCostsOneSend() {
    Pair p;
    p.queueThenConnect({"", "x"});
    p.chat->initiateSend();
    QCOMPARE(p.chat->sendCalls.size(), std::size_t{1});
    QCOMPARE(p.chat->sendCalls[0].size(), std::size_t{0});
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("x"));
    p.chat->initiateSend();
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray(",x"));
    QVERIFY(p.chat->producerFifo().empty());
    QCOMPARE(qb(p.peerReads()), QByteArray("x"));

    Pair q;  // connected: the empty push is sent (as nothing) at once
    q.chat->push("");
    QCOMPARE(q.chat->sendCalls.size(), std::size_t{1});
    QVERIFY(q.chat->producerFifo().empty());
    QVERIFY(q.chat->connected);
}

// P8: initiate_send() makes exactly one send() per call. check_chat.py:
// [b'a'] [b'b', b'c'].
void TestAsyncChat::atMostOneSendPerInitiateSend() {
    Pair p;
    p.queueThenConnect({"a", "b", "c"});
    p.chat->initiateSend();
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("a"));
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("b,c"));
    // A write event is one initiate_send(): one entry per loop pass.
    p.loop.poll(5.0, engine::Backend::Poll);
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("a,b"));
    p.loop.poll(5.0, engine::Backend::Poll);
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("a,b,c"));
    QVERIFY(!p.chat->writable());
    QCOMPARE(qb(p.peerReads()), QByteArray("abc"));
}

// P9/P10: more() is called only when the producer is at the head; a chunk is
// sent in the same call; the first empty more() drops the producer (its
// later data is lost) and the loop moves on to the next entry in that call.
// check_chat.py: calls 0,1,2,3,3; sends head,p1,p2,tail.
void TestAsyncChat::producersLazyAndDroppedAtFirstEmpty() {
    Pair p;
    int calls = 0;
    p.chat->connected = false;
    p.chat->push("head");
    p.chat->pushWithProducer(std::make_unique<ScriptProducer>(std::vector<std::string>{"p1", "p2", "", "late"}, &calls));
    p.chat->push("tail");
    QCOMPARE(calls, 0);
    p.chat->connected = true;
    const int wantCalls[] = {0, 1, 2, 3, 3};
    const char* wantSends[] = {"head", "head,p1", "head,p1,p2", "head,p1,p2,tail", "head,p1,p2,tail"};
    const char* wantFifo[] = {"<producer>,tail", "<producer>,tail", "<producer>,tail", "", ""};
    for (int i = 0; i < 5; ++i) {
        p.chat->initiateSend();
        QCOMPARE(calls, wantCalls[i]);
        QCOMPARE(callsText(p.chat->sendCalls), QByteArray(wantSends[i]));
        QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray(wantFifo[i]));
    }
    QCOMPARE(p.chat->exhausted, 1);
    QCOMPARE(qb(p.peerReads()), QByteArray("headp1p2tail"));
}

// P9 + P11: a producer chunk longer than ac_out_buffer_size goes out one
// slice per call, the rest staying at the head ahead of the producer.
void TestAsyncChat::producerChunkLongerThanOutBuffer() {
    Pair p;
    p.chat->acOutBufferSize = 4;
    int calls = 0;
    p.chat->pushWithProducer(std::make_unique<ScriptProducer>(std::vector<std::string>{"0123456789"}, &calls));
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("0123"));
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("456789,<producer>"));
    p.chat->initiateSend();
    p.chat->initiateSend();
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("0123,4567,89"));
    p.chat->initiateSend();  // more() -> "" drops it; nothing left to send
    QCOMPARE(calls, 2);
    QVERIFY(p.chat->producerFifo().empty());
    QCOMPARE(qb(p.peerReads()), QByteArray("0123456789"));
}

// P11: a short send keeps the remainder at the head; n == 0 leaves the fifo
// untouched. check_chat.py: [abcdef] [ef] peer abcd; then EAGAIN; then ef.
void TestAsyncChat::partialSendKeepsRemainder() {
    Pair p;
    p.chat->sendScript.push_back({{}, 4});
    p.chat->push("abcdef");
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("abcdef"));
    QCOMPARE(callsText(p.chat->sentLog), QByteArray("abcd"));
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("ef"));
    QCOMPARE(p.chat->producerFifo().queuedBytes(), std::size_t{2});
    QCOMPARE(qb(p.peerReads()), QByteArray("abcd"));
    p.chat->sendScript.push_back({err(std::errc::operation_would_block), 0});
    p.chat->initiateSend();
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("abcdef,ef"));
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("ef"));
    p.chat->initiateSend();
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("abcdef,ef,ef"));
    QVERIFY(p.chat->producerFifo().empty());
    QCOMPARE(qb(p.peerReads()), QByteArray("ef"));
}

// P12: EWOULDBLOCK → nothing; a disconnect errno → handle_close() (D10);
// any other error → handle_error(). The fifo is untouched in every case.
// check_chat.py: EAGAIN [] / EPIPE ['h'] / ECONNRESET ['h'] / EHOSTUNREACH ['E','h'].
void TestAsyncChat::sendErrors_data() {
    QTest::addColumn<int>("errc");
    QTest::addColumn<QByteArray>("log");
    QTest::addColumn<bool>("connectedAfter");
    QTest::newRow("EAGAIN") << static_cast<int>(std::errc::operation_would_block) << QByteArray("") << true;
    QTest::newRow("EPIPE") << static_cast<int>(std::errc::broken_pipe) << QByteArray("h") << false;
    QTest::newRow("ECONNRESET") << static_cast<int>(std::errc::connection_reset) << QByteArray("h") << false;
    QTest::newRow("EHOSTUNREACH") << static_cast<int>(std::errc::host_unreachable) << QByteArray("E h") << false;
    QTest::newRow("ETIMEDOUT") << static_cast<int>(std::errc::timed_out) << QByteArray("E h") << false;
}

void TestAsyncChat::sendErrors() {
    QFETCH(int, errc);
    QFETCH(QByteArray, log);
    QFETCH(bool, connectedAfter);
    Pair p;
    p.chat->sendScript.push_back({err(static_cast<std::errc>(errc)), 0});
    try {
        p.chat->push("abc");
    } catch (...) {
        QFAIL("push() let the send error escape");
    }
    QCOMPARE(qb(p.chat->logText()), log);
    QCOMPARE(p.chat->connected, connectedAfter);
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("abc"));
}

// P13: handle_write() is initiate_send(); handle_close() is close(), and what
// is still queued is not flushed.
void TestAsyncChat::handleWriteAndHandleClose() {
    Pair p;
    p.queueThenConnect({"one", "two"});
    p.chat->handleWrite();
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("one"));
    p.chat->handleClose();
    QVERIFY(!p.chat->connected);
    p.chat->handleWrite();
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("one"));
    QCOMPARE(qb(p.peerReads()), QByteArray("one<EOF>"));
}

// P14 (fixed): push() copies; changing the caller's buffer later changes
// nothing. (CPython keeps a reference to a bytearray/memoryview.)
void TestAsyncChat::pushCopies() {
    Pair p;
    p.chat->connected = false;
    std::string buffer = "abc";
    p.chat->push(buffer);
    buffer[0] = 'X';
    buffer += "def";
    p.chat->connected = true;
    p.chat->initiateSend();
    QCOMPARE(qb(p.peerReads()), QByteArray("abc"));
}

// P16: lowering ac_out_buffer_size after a push sends the entry in slices of
// the new size, writing the rest back to the head. check_chat.py:
// [abcd] [efghij] / [abcd, efgh] [ij] / [abcd, efgh, ij] [].
void TestAsyncChat::loweringOutBufferSize() {
    Pair p;
    p.chat->connected = false;
    p.chat->push("abcdefghij");
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("abcdefghij"));
    p.chat->acOutBufferSize = 4;
    p.chat->connected = true;
    const char* sends[] = {"abcd", "abcd,efgh", "abcd,efgh,ij"};
    const char* fifo[] = {"efghij", "ij", ""};
    for (int i = 0; i < 3; ++i) {
        p.chat->initiateSend();
        QCOMPARE(callsText(p.chat->sendCalls), QByteArray(sends[i]));
        QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray(fifo[i]));
    }
    QCOMPARE(qb(p.peerReads()), QByteArray("abcdefghij"));
}

// W1: writable() is `fifo non-empty or not connected`.
void TestAsyncChat::writablePredicate() {
    Pair p;
    QVERIFY(!p.chat->writable());  // idle and connected
    p.chat->sendScript.push_back({err(std::errc::operation_would_block), 0});
    p.chat->push("x");
    QVERIFY(p.chat->writable());  // something queued
    p.chat->initiateSend();
    QVERIFY(!p.chat->writable());
    p.chat->close();
    QVERIFY(p.chat->writable());  // closed: not connected
    engine::Loop loop;
    Probe noSocket(&loop);
    QVERIFY(noSocket.writable());  // never connected
}

// W1, extended: a producer that is not ready (a file still being read on its
// reader thread) is not asked for more(), stays at the head with what follows
// it (the close marker too), and does not make the channel writable, so the
// loop does not spin; once ready, it is sent as any producer.
void TestAsyncChat::notReadyProducerWaitsAtTheHead() {
    Pair p;
    int calls = 0;
    bool ready = false;
    p.chat->pushWithProducer(std::make_unique<ScriptProducer>(std::vector<std::string>{"one"}, &calls, &ready));
    p.chat->closeWhenDone();
    QCOMPARE(calls, 0);
    QCOMPARE(fifoText(p.chat->producerFifo()), QByteArray("<producer>,<close>"));
    QVERIFY(!p.chat->writable());
    p.chat->initiateSend();
    QCOMPARE(calls, 0);
    QCOMPARE(p.chat->closes, 0);
    QVERIFY(p.chat->sendCalls.empty());
    ready = true;
    QVERIFY(p.chat->writable());
    p.chat->initiateSend();
    QCOMPARE(calls, 1);
    QCOMPARE(callsText(p.chat->sendCalls), QByteArray("one"));
    QCOMPARE(qb(p.peerReads()), QByteArray("one"));
}

// W3: discard_buffers() empties the input buffer, `incoming` and the whole
// fifo — the close marker too — and leaves the terminator and the connection
// alone. check_chat.py: b'' b'' [] b'\r\n' True False, then still connected.
void TestAsyncChat::discardBuffersClearsEverything() {
    Pair p;
    p.chat->setTerminator("\r\n");
    QVERIFY(p.feed("ab\r"));
    QCOMPARE(qb(p.chat->inputBuffer()), QByteArray("\r"));
    p.chat->collectDefault("zz");
    p.chat->connected = false;
    p.chat->push("q");
    p.chat->closeWhenDone();
    p.chat->connected = true;
    p.chat->discardBuffers();
    QCOMPARE(qb(p.chat->inputBuffer()), QByteArray(""));
    QCOMPARE(qb(p.chat->takeData()), QByteArray(""));
    QVERIFY(p.chat->producerFifo().empty());
    QCOMPARE(p.chat->producerFifo().queuedBytes(), std::size_t{0});
    QVERIFY(p.chat->getTerminator() == Terminator::bytes("\r\n"));
    QVERIFY(p.chat->connected);
    QVERIFY(!p.chat->writable());
    p.chat->handleWrite();
    QVERIFY(p.chat->connected);
    QCOMPARE(p.chat->sendCalls.size(), std::size_t{0});
    // Input after the discard frames normally.
    QVERIFY(p.feed("\ncd\r\n"));
    QCOMPARE(p.chat->records.size(), std::size_t{1});
    QCOMPARE(qb(p.chat->records[0].payload), QByteArray("ab\ncd"));
}

// W4: a plain dispatcher is readable and writable.
void TestAsyncChat::dispatcherDefaults() {
    engine::Loop loop;
    engine::Dispatcher d(&loop);
    QVERIFY(d.readable());
    QVERIFY(d.writable());
}

// ---- Lib/test/test_asynchat.py ----------------------------------------------------
//
// CPython's echo_server collects what the client sends until "QUIT\n", then
// echoes the rest back `chunk` bytes per send(). Here the test plays that
// server on the raw end of a socketpair, letting the client's loop consume
// each chunk before the next is written, so every read is exactly one chunk.
namespace {
const std::string kQuit = "QUIT\n";

bool echoServer(Pair& p, std::size_t chunk) {
    std::string got;
    if (!lwtest::runUntil(p.loop, [&] {
            got += p.peerReads();
            return got.find(kQuit) != std::string::npos;
        }))
        return false;
    got.erase(got.find(kQuit), kQuit.size());
    for (std::size_t off = 0; off < got.size(); off += chunk) {
        if (!p.feed(std::string_view(got).substr(off, chunk))) return false;
    }
    return p.feedAndClose("");
}

std::vector<std::string> contents(const Probe& c) {
    return lwtest::mapped(c.records, [](const auto& r) { return r.payload; });
}
}  // namespace

void TestAsyncChat::cpythonLineTerminator_data() {
    QTest::addColumn<QByteArray>("terminator");
    QTest::addColumn<int>("chunk");
    for (const char* t : {"\n", "\r\n", "qqq"})
        for (int l = 1; l <= 3; ++l) QTest::addRow("%s/chunk%d", esc(t).c_str(), l) << QByteArray(t) << l;
}

void TestAsyncChat::cpythonLineTerminator() {
    QFETCH(QByteArray, terminator);
    QFETCH(int, chunk);
    const std::string term = terminator.toStdString();
    Pair p;
    p.chat->setTerminator(term);
    p.chat->push("hello ");
    p.chat->push("world" + term);
    p.chat->push("I'm not dead yet!" + term);
    p.chat->push(kQuit);
    QVERIFY(echoServer(p, static_cast<std::size_t>(chunk)));
    QCOMPARE(contents(*p.chat), (std::vector<std::string>{"hello world", "I'm not dead yet!"}));
}

void TestAsyncChat::cpythonNumericTerminator_data() {
    QTest::addColumn<int>("termlen");
    QTest::newRow("1") << 1;
    QTest::newRow("6") << 6;
}

void TestAsyncChat::cpythonNumericTerminator() {
    QFETCH(int, termlen);
    Pair p;
    p.chat->setTerminator(termlen);
    const std::string data = "hello world, I'm not dead yet!\n";
    p.chat->push(data);
    p.chat->push(kQuit);
    QVERIFY(echoServer(p, 1));
    QCOMPARE(contents(*p.chat), (std::vector<std::string>{data.substr(0, static_cast<std::size_t>(termlen))}));
}

void TestAsyncChat::cpythonNoneTerminator() {
    Pair p;
    p.chat->setTerminator(nullptr);
    const std::string data = "hello world, I'm not dead yet!\n";
    p.chat->push(data);
    p.chat->push(kQuit);
    QVERIFY(echoServer(p, 1));
    QCOMPARE(contents(*p.chat).size(), std::size_t{0});
    QCOMPARE(qb(p.chat->pending), qb(data));
}

void TestAsyncChat::cpythonSimpleProducer() {
    Pair p;
    p.chat->setTerminator("\n");
    const std::string data = "hello world\nI'm not dead yet!\n";
    p.chat->pushWithProducer(std::make_unique<engine::SimpleProducer>(data + kQuit, 8));
    QVERIFY(echoServer(p, 1));
    QCOMPARE(contents(*p.chat), (std::vector<std::string>{"hello world", "I'm not dead yet!"}));
}

// test_string_producer pushes bytes as a producer (P15: anything sliceable is
// data). C++ has no such thing; the nearest is a producer that yields the
// whole string once.
void TestAsyncChat::cpythonStringProducer() {
    Pair p;
    p.chat->setTerminator("\n");
    int calls = 0;
    p.chat->pushWithProducer(
        std::make_unique<ScriptProducer>(std::vector<std::string>{"hello world\nI'm not dead yet!\n" + kQuit}, &calls));
    QVERIFY(echoServer(p, 1));
    QCOMPARE(contents(*p.chat), (std::vector<std::string>{"hello world", "I'm not dead yet!"}));
}

void TestAsyncChat::cpythonEmptyLine() {
    Pair p;
    p.chat->setTerminator("\n");
    p.chat->push("hello world\n\nI'm not dead yet!\n");
    p.chat->push(kQuit);
    QVERIFY(echoServer(p, 1));
    QCOMPARE(contents(*p.chat), (std::vector<std::string>{"hello world", "", "I'm not dead yet!"}));
    // R9: the empty record had a found_terminator() and no collect call.
    QVERIFY(!p.chat->emptyCollect);
}

void TestAsyncChat::cpythonCloseWhenDone() {
    Pair p;
    p.chat->setTerminator("\n");
    p.chat->push("hello world\nI'm not dead yet!\n");
    p.chat->push(kQuit);
    p.chat->closeWhenDone();
    QVERIFY(lwtest::runUntil(p.loop, [&] { return !p.chat->connected; }));
    QCOMPARE(contents(*p.chat).size(), std::size_t{0});
    QCOMPARE(qb(p.peerReads()), QByteArray("hello world\nI'm not dead yet!\nQUIT\n<EOF>"));
}

// test_push: bytes, bytearray and memoryview are all accepted; str and int
// raise TypeError (P1: not expressible in C++ — push() takes bytes only).
void TestAsyncChat::cpythonPush() {
    Pair p;
    p.chat->setTerminator("\n");
    const std::string data = "bytes\n";
    const std::vector<char> asVector(data.begin(), data.end());
    p.chat->push(data);
    p.chat->push(std::string_view(asVector.data(), asVector.size()));
    p.chat->push("bytes\n");
    p.chat->push(kQuit);
    QVERIFY(echoServer(p, 1));
    QCOMPARE(contents(*p.chat), (std::vector<std::string>{"bytes", "bytes", "bytes"}));
}

// ---- Differential ------------------------------------------------------------------
//
// Each row replays one stream with its initial terminator and schedule on the
// engine, with acInBufferSize 1, 3, 10 or 1<<20, and compares every event —
// each handle_read (with the terminator it starts with), each collect call
// and its bytes, each found_terminator (with get_terminator() inside it, and
// whether the channel was still connected), handle_close, and the input
// buffer left at the end — with what CPython 3.11.7 did on the same
// socketpair setup (cpython_oracle/gen_framing_cases.py).
void TestAsyncChat::differential_data() {
    QTest::addColumn<int>("index");
    QTest::addColumn<int>("size");
    for (std::size_t i = 0; i < std::size(kOracleCases); ++i) {
        for (std::size_t s = 0; s < std::size(kReadSizes); ++s)
            QTest::addRow("case%03zu/%s", i, modeName(kReadSizes[s])) << static_cast<int>(i) << static_cast<int>(s);
    }
}

namespace {

// One oracle case fed through a Pair in reads of kReadSizes[size] (the
// terminator read in place if `storedTerminator`): the event tokens must be
// CPython's, with no empty collect and no error.
void checkOracleCase(int index, int size, bool storedTerminator) {
    const OracleCase& c = kOracleCases[index];
    const char* expected[] = {c.at1, c.at3, c.at10, c.atWhole};
    Pair p;
    if (storedTerminator) p.chat->useStoredTerminator();
    p.chat->acInBufferSize = kReadSizes[size];
    p.chat->setTerminator(parseTerm(c.init));
    for (const std::string& s : split(c.schedule, '|')) p.chat->schedule.push_back(parseStep(s));
    QVERIFY(p.feedAndClose(unesc(c.stream)));
    p.chat->tokens.push_back("r" + esc(p.chat->inputBuffer()));
    QCOMPARE(qb(join(p.chat->tokens, "|")), QByteArray(expected[size]));
    QVERIFY(!p.chat->emptyCollect);
    QCOMPARE(p.chat->errors, 0);
}

}  // namespace

void TestAsyncChat::differential() {
    QFETCH(int, index);
    QFETCH(int, size);
    checkOracleCase(index, size, false);
}

// The whole differential table again with the terminator read in place
// (useStoredTerminator): every CPython event sequence must come out the same.
void TestAsyncChat::differentialStoredTerminator() {
    QFETCH(int, index);
    QFETCH(int, size);
    checkOracleCase(index, size, true);
}

namespace {

// Counts records; with `take`, takes the whole records of each read at once
// (AsyncChat::takeWholeRecords) as a subclass whose hooks only count would.
class Counting : public engine::AsyncChat {
public:
    Counting(engine::Socket s, engine::Loop* loop, bool take) : AsyncChat(std::move(s), loop), m_take(take) {
        useStoredTerminator();
    }
    std::uint64_t records = 0;
    std::uint64_t taken = 0;
    std::string pending;  // collected since the last record
    void collectIncomingData(std::string_view d) override { pending.append(d); }
    void foundTerminator() override {
        ++records;
        pending.clear();
    }

protected:
    std::size_t takeWholeRecords(std::string_view live, std::string_view t) override {
        if (!m_take) return 0;
        std::size_t pos = 0, n = 0;
        for (;;) {
            const std::size_t i = engine::findTerminator(live.substr(pos), t);
            if (i == std::string_view::npos) break;
            pos += i + t.size();
            ++n;
        }
        if (n) {
            records += n;
            taken += n;
            pending.clear();
        }
        return pos;
    }

private:
    bool m_take;
};

}  // namespace

// The same random streams, cut into the same random reads, through a chat
// that frames record by record and one that takes the whole records of
// each read at once (the held-back partial terminator included in what it
// is offered): the same record count after every read, the same
// bytes collected of the record under way, the same held-back partial
// terminator (inputBuffer()); and the fast path took every record.
void TestAsyncChat::takeWholeRecordsFramesAsTheLoop() {
    std::mt19937 rng(20261207);
    for (const std::string term : {"\n", "\r\n", "abcab", "\r\n.\r\n"}) {
        engine::Loop loop;
        auto [a1, b1] = lwtest::socketPair();
        auto [a2, b2] = lwtest::socketPair();
        Counting slow(std::move(a1), &loop, false), fast(std::move(a2), &loop, true);
        slow.setTerminator(Terminator::bytes(term));
        fast.setTerminator(Terminator::bytes(term));
        std::string alphabet = term + "x";
        for (int chunk = 0; chunk < 3000; ++chunk) {
            std::string data;
            const std::size_t n = 1 + rng() % 300;
            for (std::size_t i = 0; i < n; ++i) {
                if (rng() % 9 == 0)
                    data += term;  // whole terminators often
                else
                    data += alphabet[rng() % alphabet.size()];
            }
            QVERIFY(data.size() < engine::AsyncChat::kAcInBufferSize);
            QVERIFY(sendAll(b1.get(), data) && sendAll(b2.get(), data));
            slow.handleRead();
            fast.handleRead();
            QCOMPARE(fast.records, slow.records);
            QCOMPARE(qb(fast.pending), qb(slow.pending));
            QCOMPARE(qb(fast.inputBuffer()), qb(slow.inputBuffer()));
        }
        // Every record went through the fast path (what is left after the
        // last terminator of a read never holds a whole one).
        QVERIFY2(fast.taken == fast.records, term.c_str());
        QVERIFY(slow.records > 1000);
    }
}

namespace {

// Peak resident memory of this process (VmHWM), in KiB; 0 where /proc is missing.
long peakRssKiB() {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    long kib = 0;
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::strtol(line + 6, nullptr, 10);
    std::fclose(f);
    return kib;
}

// Counts what it is given, keeps nothing.
class Sink : public engine::AsyncChat {
public:
    using AsyncChat::AsyncChat;
    std::uint64_t collected = 0;
    std::size_t largestCollect = 0;
    int found = 0;
    void collectIncomingData(std::string_view data) override {
        collected += data.size();
        largestCollect = std::max(largestCollect, data.size());
    }
    void foundTerminator() override { ++found; }
};

}  // namespace

void TestAsyncChat::gibibyteStreamsInBoundedMemory_data() {
    QTest::addColumn<QByteArray>("terminator");  // empty: count:1 GiB
    QTest::newRow("no terminator in sight (\\r\\n)") << QByteArray("\r\n");
    QTest::newRow("behind count:1073741824") << QByteArray();
}

// Issue requirement: a 1 GiB message with no terminator, or behind a count
// terminator, streams through in memory bounded by the buffer sizes. A writer
// thread pushes 1 GiB of 'x' through a socketpair; the channel must see every
// byte, never be handed more than one recv's worth at once, and the process's
// peak memory must not grow by anything near the message size.
void TestAsyncChat::gibibyteStreamsInBoundedMemory() {
    QFETCH(QByteArray, terminator);
    constexpr std::uint64_t kTotal = std::uint64_t(1) << 30;
    constexpr std::size_t kChunk = 1 << 16;
    auto [mine, theirs] = lwtest::socketPair();
    engine::Loop loop;
    Sink chat(std::move(mine), &loop);
    chat.acInBufferSize = kChunk;
    if (terminator.isEmpty())
        chat.setTerminator(static_cast<long long>(kTotal));
    else
        chat.setTerminator(std::string_view(terminator.constData(), static_cast<std::size_t>(terminator.size())));

    const long before = peakRssKiB();
    std::thread writer([fd = theirs.get()] {
        const std::string block(kChunk, 'x');
        std::uint64_t sent = 0;
        std::error_code ec;
        while (sent < kTotal) {
            const std::size_t n = engine::sockops::send(fd, block.data(), block.size(), ec);
            if (ec) return;
            sent += n;
        }
        engine::sockops::shutdownWrite(fd, ec);
    });
    const bool done = lwtest::runUntil(loop, [&] { return chat.collected >= kTotal || loop.empty(); },
                                       engine::Backend::Poll, std::chrono::seconds(240));
    writer.join();
    QVERIFY(done);
    QCOMPARE(chat.collected, kTotal);
    QCOMPARE(chat.found, terminator.isEmpty() ? 1 : 0);
    QVERIFY2(chat.largestCollect <= kChunk + 2, "a collect call was handed more than one recv's worth");
    QVERIFY(chat.inputBuffer().size() < 2);  // at most the held-back "\r"
    const long grownKiB = peakRssKiB() - before;
    qInfo("peak memory grew by %ld KiB while 1 GiB streamed through", grownKiB);
    QVERIFY2(grownKiB < 64 * 1024, "memory grew with the message");
}

QTEST_GUILESS_MAIN(TestAsyncChat)
#include "tst_AsyncChat.moc"
