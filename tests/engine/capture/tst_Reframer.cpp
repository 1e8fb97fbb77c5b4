// tst_Reframer.cpp — engine::Reframer: offline framing on asynchat's own loop.
//
// Covered: the messages are those a live AsyncChat frames from the same
// bytes over a real socket, whatever the chunking (whole, 1-byte, 10-byte;
// the live side reads 3 bytes at a time); a terminator split across chunks
// and the held-back prefix at the end (the residue, R10/R15); count
// terminators set again per record; a schedule that changes terminator per
// message; none; the collect/found_terminator hooks as asynchat calls them;
// offsets, tags and times; schedule descriptions.
#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Loop.h"
#include "engine/capture/Reframer.h"
#include "engine/net/SocketOps.h"

#include "ReplayTestSupport.h"
#include "TestSupport.h"

#include <QTest>

#include <string>
#include <vector>

Q_DECLARE_METATYPE(engine::TerminatorSchedule)

namespace {

using engine::FramedMessage;
using engine::Reframer;
using engine::Terminator;
using engine::TerminatorSchedule;

struct Msg {
    std::string body;
    std::string term;
    bool terminated;
    friend bool operator==(const Msg&, const Msg&) = default;
};

std::vector<Msg> simplify(const std::vector<FramedMessage>& ms) {
    std::vector<Msg> out;
    for (const FramedMessage& m : ms) out.push_back({m.body, m.terminatorBytes, m.terminated});
    return out;
}

char* toString(const std::vector<Msg>& ms) {
    std::string s;
    for (const Msg& m : ms) s += "[" + m.body + "|" + m.term + (m.terminated ? "" : "|tail") + "]";
    return qstrdup(s.c_str());
}

/// A live AsyncChat with the same schedule logic, fed through a socket pair.
class LiveChat : public engine::AsyncChat {
public:
    LiveChat(engine::Socket s, engine::Loop* loop, TerminatorSchedule schedule)
        : AsyncChat(std::move(s), loop), m_schedule(std::move(schedule)) {
        acInBufferSize = 3;
        setTerminator(m_schedule.forMessage(0));
    }
    void collectIncomingData(std::string_view d) override { m_body.append(d); }
    void foundTerminator() override {
        const Terminator t = getTerminator();
        messages.push_back({m_body, t.isBytes() ? t.bytesValue() : std::string(), true});
        m_body.clear();
        setTerminator(m_schedule.forMessage(messages.size()));
    }
    void handleClose() override {
        const std::string tail = m_body + std::string(inputBuffer());
        if (!tail.empty()) messages.push_back({tail, "", false});
        m_body.clear();
        closed = true;
        close();
    }
    std::vector<Msg> messages;
    bool closed = false;

private:
    TerminatorSchedule m_schedule;
    std::string m_body;
};

std::vector<Msg> live(const std::string& input, const TerminatorSchedule& schedule) {
    auto [a, b] = lwtest::socketPair();
    engine::Loop loop;
    LiveChat chat(std::move(a), &loop, schedule);
    std::error_code ec;
    std::size_t sent = 0;
    while (sent < input.size()) sent += engine::sockops::send(b.get(), input.data() + sent, input.size() - sent, ec);
    engine::sockops::shutdownWrite(b.get(), ec);
    lwtest::runUntil(loop, [&] { return chat.closed; });
    return chat.messages;
}

std::vector<Msg> offline(const std::string& input, const TerminatorSchedule& schedule, std::size_t chunk) {
    Reframer r(schedule, 7);
    for (std::size_t i = 0; i < input.size(); i += chunk) r.feed(std::string_view(input).substr(i, chunk));
    r.finish();
    return simplify(r.messages());
}

}  // namespace

class TestReframer : public QObject {
    Q_OBJECT

private slots:
    void sameAsLiveAsyncChat_data();
    void sameAsLiveAsyncChat();
    void residueIsHeldBackThenEndsTheTail();
    void hooksSeeWhatAsynchatCalls();
    void countTerminatorIsSetAgainPerRecord();
    void offsetsTagsAndTimes();
    void scheduleDescriptions();
    void feedAfterFinishIsIgnored();
    void recordedEventsAreReproduced();
};

void TestReframer::sameAsLiveAsyncChat_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<TerminatorSchedule>("schedule");
    const TerminatorSchedule crlf(Terminator::bytes("\r\n"));
    const TerminatorSchedule lf(Terminator::bytes("\n"));
    QTest::newRow("crlf lines") << QByteArray("hello\r\nworld\r\n\r\nlast") << crlf;
    QTest::newRow("crlf split, ends in a prefix") << QByteArray("ab\r\ncd\r") << crlf;
    QTest::newRow("lf frames crlf lines") << QByteArray("a\r\nb\r\n") << lf;
    QTest::newRow("long terminator") << QByteArray("xEN\nDyENDzEND") << TerminatorSchedule(Terminator::bytes("END"));
    QTest::newRow("count") << QByteArray("0123456789abc") << TerminatorSchedule(Terminator::count(4));
    QTest::newRow("none") << QByteArray("anything\nat all") << TerminatorSchedule();
    QTest::newRow("binary with NULs") << QByteArray("a\0b\0\0c", 6) << TerminatorSchedule(Terminator::bytes(std::string(1, '\0')));
    QTest::newRow("schedule: a header line, then a 5-byte body, then lines")
        << QByteArray("LEN 5\r\nhelloNEXT\r\ntail\r\n")
        << TerminatorSchedule({Terminator::bytes("\r\n"), Terminator::count(5)}, Terminator::bytes("\r\n"));
}

void TestReframer::sameAsLiveAsyncChat() {
    QFETCH(QByteArray, input);
    QFETCH(TerminatorSchedule, schedule);
    const std::string in(input.constData(), static_cast<std::size_t>(input.size()));
    const std::vector<Msg> expected = live(in, schedule);
    QVERIFY(!expected.empty());
    for (std::size_t chunk : {std::size_t{1}, std::size_t{10}, in.size()}) {
        QCOMPARE(offline(in, schedule, chunk), expected);
    }
    QCOMPARE(simplify(Reframer::frame(in, schedule)), expected);
}

void TestReframer::residueIsHeldBackThenEndsTheTail() {
    Reframer r(TerminatorSchedule(Terminator::bytes("\r\n")));
    r.feed("one\r\ntwo\r");
    QCOMPARE(r.terminatedCount(), 1u);
    QCOMPARE(r.residue(), std::string_view("\r"));  // R10: a possible start of the terminator
    QCOMPARE(r.pendingBytes(), 3u);                 // "two" collected
    r.feed("\n");
    QCOMPARE(r.terminatedCount(), 2u);
    r.feed("three\r");
    r.finish();
    QCOMPARE(r.messages().size(), 3u);
    const FramedMessage& tail = r.messages().back();
    QVERIFY(!tail.terminated);
    QCOMPARE(tail.body, std::string("three\r"));  // the held-back byte belongs to the tail
    QCOMPARE(tail.offset, 10u);
}

void TestReframer::hooksSeeWhatAsynchatCalls() {
    Reframer r(TerminatorSchedule(Terminator::bytes("\n")), 4);
    std::vector<std::string> calls;
    r.setHooks({[&](std::string_view d) { calls.push_back("collect " + std::string(d)); },
                [&](const Terminator& t, std::uint64_t size) {
                    calls.push_back("found " + t.describe() + " " + std::to_string(size));
                }});
    r.setKeepMessages(false);
    r.feed("abcdefg\nhi\n");  // read 4 bytes at a time: "abcd" "efg\n" "hi\n"
    r.finish();
    QVERIFY(r.messages().empty());
    const std::vector<std::string> expected{"collect abcd", "collect efg", "found b'\\n' 7", "collect hi", "found b'\\n' 2"};
    QCOMPARE(calls, expected);
}

void TestReframer::countTerminatorIsSetAgainPerRecord() {
    Reframer r(TerminatorSchedule(Terminator::count(3)));
    std::vector<std::string> found;
    r.setHooks({{}, [&](const Terminator& t, std::uint64_t size) { found.push_back(t.describe() + "/" + std::to_string(size)); }});
    r.feed("ab");
    r.feed("cdef");
    r.feed("gh");
    r.finish();
    // asynchat reports count 0 inside found_terminator (R8); the schedule sets 3 again.
    QCOMPARE(found, (std::vector<std::string>{"count:0/3", "count:0/3"}));
    QCOMPARE(r.messages().size(), 3u);
    QCOMPARE(r.messages()[0].terminator, Terminator::count(3));
    QCOMPARE(r.messages()[2].body, std::string("gh"));
    QVERIFY(!r.messages()[2].terminated);
}

void TestReframer::offsetsTagsAndTimes() {
    Reframer r(TerminatorSchedule(Terminator::bytes("\n")));
    r.feed("ab", 100, 1);
    r.feed("c\nd", 200, 2);
    r.feed("e\n\n", 300, 3);
    r.finish();
    const auto& m = r.messages();
    QCOMPARE(m.size(), 3u);
    QCOMPARE(m[0].offset, 0u);
    QCOMPARE(m[0].startTag, 1u);
    QCOMPARE(m[0].tag, 2u);
    QCOMPARE(m[0].tUs, 200);
    QCOMPARE(m[0].wire(), std::string("abc\n"));
    QCOMPARE(m[1].offset, 4u);
    QCOMPARE(m[1].startUs, 200);
    QCOMPARE(m[1].tag, 3u);
    QCOMPARE(m[2].offset, 7u);  // the empty line
    QCOMPARE(m[2].wireSize(), 1u);
    QCOMPARE(r.bytesFed(), 8u);
}

void TestReframer::scheduleDescriptions() {
    QCOMPARE(TerminatorSchedule(Terminator::bytes("\r\n")).describe(), std::string("'\\r\\n'"));
    QCOMPARE(TerminatorSchedule(Terminator::count(5)).describe(), std::string("count:5"));
    QCOMPARE(TerminatorSchedule().describe(), std::string("none"));
    const TerminatorSchedule mixed({Terminator::bytes("\n"), Terminator::bytes("\n"), Terminator::count(4)},
                                   Terminator::bytes("\n"));
    QVERIFY(!mixed.isConstant());
    QCOMPARE(mixed.describe(), std::string("per message: '\\n' x2, count:4, then '\\n'"));
    QVERIFY(TerminatorSchedule({Terminator::bytes("\n")}, Terminator::bytes("\n")).isConstant());
}

void TestReframer::feedAfterFinishIsIgnored() {
    Reframer r(TerminatorSchedule(Terminator::bytes("\n")));
    r.feed("a\nb");
    r.finish();
    r.feed("c\n");
    QCOMPARE(r.messages().size(), 2u);
    QCOMPARE(r.messages()[1].body, std::string("b"));
    QVERIFY(r.finished());
}

void TestReframer::recordedEventsAreReproduced() {
    // A live session, received 3 bytes at a time through a 4-byte
    // terminator: collects split anywhere, prefixes held back. Feeding the
    // recorded bytes back through the Reframer, piece by piece as the events
    // carried them, gives the very same collect/found_terminator sequence.
    const Terminator term = Terminator::bytes("\r\n.\n");
    lwtest::ScriptedServer::Options so;
    so.terminator = term;
    lwtest::ScriptedServer server(
        [](std::size_t i, const std::string& body) -> std::optional<std::string> {
            return "#" + std::to_string(i) + " " + body + "\r\n \r\n.x\r\n.\n";  // near-terminators inside
        },
        so);
    lwtest::ClientScript cs;
    cs.terminator = term;
    cs.inBuffer = 3;
    cs.requests = {"one\r\n.\n", "a longer line of text\r\n.\n", "\r\n.\n"};
    const lwtest::Recorded rec = lwtest::recordClient(server.port(), cs);
    std::vector<std::string> recorded;
    for (const engine::Event& e : rec.events) {
        if (e.kind == engine::EventKind::Collect) recorded.push_back("collect " + e.data);
        if (e.kind == engine::EventKind::FoundTerminator)
            recorded.push_back("found " + e.terminator().describe() + " " + std::to_string(e.size));
    }
    QVERIFY(recorded.size() > 10);
    const auto c = rec.conversations().at(0);
    std::vector<std::string> again;
    Reframer r(TerminatorSchedule(term), 3);
    r.setHooks({[&](std::string_view d) { again.push_back("collect " + std::string(d)); },
                [&](const Terminator& t, std::uint64_t size) { again.push_back("found " + t.describe() + " " + std::to_string(size)); }});
    for (const engine::StreamChunk& ch : c.in.chunks)
        r.feed(std::string_view(c.in.bytes).substr(static_cast<std::size_t>(ch.offset), static_cast<std::size_t>(ch.size)));
    QCOMPARE(again, recorded);
}

QTEST_GUILESS_MAIN(TestReframer)
#include "tst_Reframer.moc"
