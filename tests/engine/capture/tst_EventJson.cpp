// tst_EventJson.cpp — the session format (docs/session-format.md): header
// and event lines, exact encodings, round trips for every event kind, and
// the errors a reader gives for lines that are not what they claim to be.
#include "engine/capture/EventJson.h"

#include <QTest>

#include <memory>
#include <string>

Q_DECLARE_METATYPE(std::string)

using engine::Event;
using engine::EventKind;
using engine::Terminator;
namespace ej = engine::eventjson;

namespace {

Event base(EventKind k, engine::ChannelId ch = 3) {
    Event e;
    e.seq = 42;
    e.tUs = 123456;
    e.kind = k;
    e.channel = ch;
    return e;
}

// One event of every kind, with the fields that kind uses filled in.
std::vector<Event> oneOfEach() {
    std::vector<Event> v;
    Event e = base(EventKind::Listening, 1);
    e.info = "127.0.0.1:7000";
    e.size = 7000;
    v.push_back(e);
    e = base(EventKind::Accepted);
    e.parent = 1;
    e.info = "127.0.0.1:50000";
    e.aux = "127.0.0.1:7000";
    v.push_back(e);
    e = base(EventKind::Connecting);
    e.info = "[::1]:7000";
    e.aux = "localhost";
    e.size = 7000;
    v.push_back(e);
    e = base(EventKind::Connected);
    e.info = "[::1]:7000";
    e.aux = "[::1]:41234";
    v.push_back(e);
    e = base(EventKind::Collect);
    e.data = std::string("ab\r\n\0\xff", 6);
    e.size = 6;
    v.push_back(e);
    e = base(EventKind::FoundTerminator);
    e.setTerminator(Terminator::bytes("\r\n"));
    e.size = 12;
    v.push_back(e);
    e = base(EventKind::FoundTerminator);
    e.setTerminator(Terminator::count(0));
    e.size = 4;
    v.push_back(e);
    e = base(EventKind::TerminatorSet);
    e.setTerminator(Terminator::none());
    v.push_back(e);
    e = base(EventKind::TerminatorSet);
    e.setTerminator(Terminator::count(10));
    v.push_back(e);
    e = base(EventKind::BuffersSet);
    e.size = 4096;
    e.count = 512;
    v.push_back(e);
    e = base(EventKind::LimitsSet);
    e.size = 1 << 20;
    e.count = 1 << 22;
    v.push_back(e);
    e = base(EventKind::Push);
    e.sub = static_cast<std::uint8_t>(engine::ProducerKind::Bytes);
    e.size = 10;
    v.push_back(e);
    e = base(EventKind::Push);
    e.sub = static_cast<std::uint8_t>(engine::ProducerKind::File);
    e.size = -1;
    e.info = "/tmp/a file";
    v.push_back(e);
    e = base(EventKind::Push);
    e.sub = static_cast<std::uint8_t>(engine::ProducerKind::Repeat);
    e.size = 300;
    e.count = 100;
    v.push_back(e);
    e = base(EventKind::Sent);
    e.data = "hello";
    e.size = 5;
    v.push_back(e);
    e = base(EventKind::ProducerExhausted);
    e.sub = static_cast<std::uint8_t>(engine::ProducerKind::Simple);
    v.push_back(e);
    v.push_back(base(EventKind::CloseWhenDone));
    v.push_back(base(EventKind::HalfClosed));
    e = base(EventKind::Discarded);
    e.size = 99;
    e.count = 3;
    v.push_back(e);
    e = base(EventKind::HighWater);
    e.size = 5000000;
    e.count = 4194304;
    v.push_back(e);
    e = base(EventKind::LowWater);
    e.size = 0;
    e.count = 4194304;
    v.push_back(e);
    e = base(EventKind::Error);
    e.error = 111;
    e.info = "connect to 127.0.0.1:9: Connection refused";
    v.push_back(e);
    e = base(EventKind::Warning);
    e.sub = static_cast<std::uint8_t>(engine::WarningCode::Residue);
    e.info = "1 byte(s) held back";
    e.size = 1;
    e.data = "\r";
    v.push_back(e);
    e = base(EventKind::Warning);
    e.sub = static_cast<std::uint8_t>(engine::WarningCode::Backlog);
    e.info = "quote \" backslash \\ tab \t";
    v.push_back(e);
    e = base(EventKind::Loop, 0);
    {
        auto t = std::make_shared<engine::LoopTrace>();
        t->pass = 17;
        t->backend = engine::Backend::Epoll;
        t->waitedUs = 250;
        t->polled = {{1, true, false}, {3, true, true}};
        t->ready = {{3, engine::kReadyIn | engine::kReadyOut}};
        t->dispatched = {{3, engine::Hook::HandleReadEvent}, {3, engine::Hook::CollectIncomingData}};
        e.trace = t;
    }
    v.push_back(e);
    e = base(EventKind::ChannelState);
    {
        auto s = std::make_shared<engine::ChannelState>();
        s->role = engine::ChannelRole::Accepted;
        s->phase = engine::ChannelPhase::Closing;
        s->parent = 1;
        s->peer = "127.0.0.1:50000";
        s->local = "127.0.0.1:7000";
        s->bytesIn = 10;
        s->bytesOut = 20;
        s->messagesIn = 1;
        s->messagesOut = 2;
        s->terminator = Terminator::bytes("\r\n");
        s->inBufferSize = 4096;
        s->outBufferSize = 4096;
        s->maxMessage = 1 << 22;
        s->highWater = 1 << 22;
        s->echo = true;
        s->readable = true;
        s->writable = true;
        s->residue = "\r";
        s->pendingMessage = 3;
        s->queuedBytes = 7;
        s->fifoEntries = 3;
        s->fifo = {{"bytes", 7}, {"file", -1}, {"close", 0}};
        e.state = s;
    }
    v.push_back(e);
    e = base(EventKind::LimitReached, 0);
    e.count = 1000;
    v.push_back(e);
    v.push_back(base(EventKind::Paused, 0));
    v.push_back(base(EventKind::Resumed, 0));
    v.push_back(base(EventKind::Stopped, 0));
    e = base(EventKind::Received);
    e.size = 5;
    e.data = std::string("a\0b\r\n", 5);
    v.push_back(e);
    for (const engine::HostPhase p : {engine::HostPhase::Started, engine::HostPhase::Dispatcher,
                                      engine::HostPhase::Done, engine::HostPhase::Stopped, engine::HostPhase::Failed}) {
        e = base(EventKind::Hosted, p == engine::HostPhase::Dispatcher ? 7 : 0);
        e.sub = static_cast<std::uint8_t>(p);
        e.count = 2;
        e.info = p == engine::HostPhase::Dispatcher ? "EchoHandler" : "echo-length";
        if (p == engine::HostPhase::Dispatcher) {
            e.aux = "echo-length";
            e.parent = 5;
        }
        if (p == engine::HostPhase::Started) e.size = 40123;
        if (p == engine::HostPhase::Done) e.size = 1;
        v.push_back(e);
    }
    e = base(EventKind::Preview, 0);
    {
        auto t = std::make_shared<engine::LoopTrace>();
        t->pass = 18;
        t->backend = engine::Backend::Poll;
        t->polled = {{7, true, false}};
        t->ready = {{7, engine::kReadyIn}};
        t->waiting = {{7, 150, true, false, engine::kReadyIn, "handle_read: recv up to 64 of 150 waiting bytes"},
                      {5, 0, true, false, 0, "no connection waiting"}};
        e.trace = t;
    }
    v.push_back(e);
    return v;
}

}  // namespace

class TestEventJson : public QObject {
    Q_OBJECT

private slots:
    void base64_data();
    void base64();
    void base64Invalid();
    void formatUtc();
    void headerRoundTrip();
    void headerErrors();
    void exactEventLine();
    void everyKindRoundTrips();
    void closedKeepsItsCounters();
    void jsonStringsAreValid();
    void decodeErrors_data();
    void decodeErrors();
    void unknownFieldsAreIgnored();
};

void TestEventJson::base64_data() {
    QTest::addColumn<std::string>("plain");
    QTest::addColumn<std::string>("encoded");
    // RFC 4648, section 10.
    QTest::newRow("empty") << std::string() << std::string();
    QTest::newRow("f") << std::string("f") << std::string("Zg==");
    QTest::newRow("fo") << std::string("fo") << std::string("Zm8=");
    QTest::newRow("foo") << std::string("foo") << std::string("Zm9v");
    QTest::newRow("foob") << std::string("foob") << std::string("Zm9vYg==");
    QTest::newRow("fooba") << std::string("fooba") << std::string("Zm9vYmE=");
    QTest::newRow("foobar") << std::string("foobar") << std::string("Zm9vYmFy");
    QTest::newRow("binary") << std::string("\0\xff\xfe\x80", 4) << std::string("AP/+gA==");
}

void TestEventJson::base64() {
    QFETCH(std::string, plain);
    QFETCH(std::string, encoded);
    QCOMPARE(ej::base64Encode(plain), encoded);
    QCOMPARE(ej::base64Decode(encoded).value_or("<error>"), plain);
}

void TestEventJson::base64Invalid() {
    for (const char* bad : {"Zg=", "Z===", "Zm9v!", "Zg==Zg==", "Zm=v", "Z"}) QVERIFY2(!ej::base64Decode(bad), bad);
}

void TestEventJson::formatUtc() {
    using namespace std::chrono;
    QCOMPARE(ej::formatUtc(system_clock::time_point{}), std::string("1970-01-01T00:00:00.000000Z"));
    QCOMPARE(ej::formatUtc(system_clock::time_point{seconds(951782400) + microseconds(7)}),
             std::string("2000-02-29T00:00:00.000007Z"));
    QCOMPARE(ej::formatUtc(system_clock::time_point{seconds(4102444799) + microseconds(999999)}),
             std::string("2099-12-31T23:59:59.999999Z"));
}

void TestEventJson::headerRoundTrip() {
    const auto start = std::chrono::system_clock::time_point{std::chrono::microseconds(1700000000123456LL)};
    const engine::SessionHeader h = ej::makeHeader("linewright-cli", "0.1.0", start, "epoll", "full");
    std::string line;
    ej::appendHeader(line, h);
    QCOMPARE(line, std::string("{\"format\":\"linewright-session\",\"version\":1,\"tool\":\"linewright-cli\","
                               "\"tool_version\":\"0.1.0\",\"start\":\"2023-11-14T22:13:20.123456Z\","
                               "\"start_unix_us\":1700000000123456,\"backend\":\"epoll\",\"level\":\"full\"}\n"));
    std::string error;
    const auto back = ej::decodeHeader(line, &error);
    QVERIFY2(back.has_value(), error.c_str());
    QCOMPARE(*back, h);
}

void TestEventJson::headerErrors() {
    std::string error;
    QVERIFY(!ej::decodeHeader("not json", &error));
    QVERIFY(QString::fromStdString(error).contains("not valid JSON"));
    QVERIFY(!ej::decodeHeader(R"({"format":"something-else","version":1})", &error));
    QVERIFY(QString::fromStdString(error).contains("not a linewright session"));
    QVERIFY(!ej::decodeHeader(R"({"format":"linewright-session","version":2,"tool":"x","tool_version":"1",)"
                              R"("start":"","start_unix_us":0})",
                              &error));
    QVERIFY2(QString::fromStdString(error).contains("version 2 is not supported"), error.c_str());
    QVERIFY(!ej::decodeHeader(R"({"format":"linewright-session","version":1})", &error));
    QVERIFY2(QString::fromStdString(error).contains("missing field 'tool'"), error.c_str());
}

void TestEventJson::exactEventLine() {
    Event e = base(EventKind::Collect);
    e.seq = 7;
    e.tUs = 1234;
    e.data = std::string("a\r\n\0", 4);
    e.size = 4;
    QCOMPARE(ej::encodeEvent(e),
             std::string(R"({"seq":7,"t_us":1234,"channel":3,"event":"collect","size":4,"data_b64":"YQ0KAA==","text":"a\\r\\n\\0"})"));
    Event f = base(EventKind::FoundTerminator);
    f.setTerminator(Terminator::bytes("\r\n"));
    f.size = 1;
    QCOMPARE(ej::encodeEvent(f), std::string(R"({"seq":42,"t_us":123456,"channel":3,"event":"found_terminator",)"
                                             R"("size":1,"terminator":{"kind":"bytes","data_b64":"DQo=","text":"\\r\\n"}})"));
    std::string line;
    ej::appendEvent(line, e);
    QCOMPARE(line.back(), '\n');
    QCOMPARE(std::count(line.begin(), line.end(), '\n'), 1);
}

void TestEventJson::everyKindRoundTrips() {
    const auto events = oneOfEach();
    std::vector<bool> seen(engine::kEventKindCount, false);
    for (const Event& e : events) {
        seen[static_cast<std::size_t>(e.kind)] = true;
        const std::string line = ej::encodeEvent(e);
        std::string error;
        const auto back = ej::decodeEvent(line, &error);
        QVERIFY2(back.has_value(), (line + " : " + error).c_str());
        if (e.kind == EventKind::Closed) continue;
        QVERIFY2(*back == e, line.c_str());
    }
    for (std::size_t k = 0; k < seen.size(); ++k)
        if (static_cast<EventKind>(k) != EventKind::Closed)
            QVERIFY2(seen[k], std::string(engine::eventKindName(static_cast<EventKind>(k))).c_str());
}

void TestEventJson::closedKeepsItsCounters() {
    Event e = base(EventKind::Closed);
    e.sub = static_cast<std::uint8_t>(engine::CloseReason::Peer);
    e.error = 104;
    e.info = "Connection reset by peer";
    auto s = std::make_shared<engine::ChannelState>();
    s->bytesIn = 1;
    s->bytesOut = 2;
    s->messagesIn = 3;
    s->messagesOut = 4;
    s->peer = "not written";
    e.state = s;
    const std::string line = ej::encodeEvent(e);
    QCOMPARE(line, std::string(R"({"seq":42,"t_us":123456,"channel":3,"event":"closed","reason":"peer",)"
                               R"("detail":"Connection reset by peer","errno":104,"bytes_in":1,"bytes_out":2,)"
                               R"("messages_in":3,"messages_out":4})"));
    const auto back = ej::decodeEvent(line);
    QVERIFY(back.has_value());
    QCOMPARE(ej::encodeEvent(*back), line);
    QVERIFY(back->state);
    QCOMPARE(back->state->messagesOut, 4u);
    QCOMPARE(back->closeReason(), engine::CloseReason::Peer);
}

void TestEventJson::jsonStringsAreValid() {
    Event e = base(EventKind::Error);
    e.info = "ctl \x01 quote \" bs \\ utf8 \xc3\xa9 bad \xff end";
    const std::string line = ej::encodeEvent(e);
    QVERIFY2(line.find("\\u0001") != std::string::npos, line.c_str());
    QVERIFY2(line.find("\xc3\xa9") != std::string::npos, line.c_str());  // valid UTF-8 stays
    QVERIFY2(line.find("\\ufffd") != std::string::npos, line.c_str());   // invalid becomes U+FFFD
    for (char c : line) QVERIFY(static_cast<unsigned char>(c) >= 0x20);
    const auto back = ej::decodeEvent(line);
    QVERIFY(back.has_value());
    QCOMPARE(back->info, std::string("ctl \x01 quote \" bs \\ utf8 \xc3\xa9 bad \xef\xbf\xbd end"));
}

void TestEventJson::decodeErrors_data() {
    QTest::addColumn<std::string>("line");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not json") << std::string("{\"seq\":") << QString("not valid JSON");
    QTest::newRow("array") << std::string("[1,2]") << QString("must be a JSON object");
    QTest::newRow("garbage after") << std::string(R"({"seq":1} x)") << QString("after the JSON value");
    QTest::newRow("unknown kind") << std::string(R"({"seq":1,"t_us":0,"channel":0,"event":"teleport"})")
                                  << QString("unknown event kind 'teleport'");
    QTest::newRow("missing seq") << std::string(R"({"t_us":0,"channel":0,"event":"stopped"})")
                                 << QString("missing field 'seq'");
    QTest::newRow("wrong type") << std::string(R"({"seq":"1","t_us":0,"channel":0,"event":"stopped"})")
                                << QString("'seq' has the wrong type");
    QTest::newRow("bad base64") << std::string(R"({"seq":1,"t_us":0,"channel":1,"event":"collect","size":1,"data_b64":"!!!!","text":""})")
                                << QString("not valid base64");
    QTest::newRow("size mismatch") << std::string(R"({"seq":1,"t_us":0,"channel":1,"event":"sent","size":9,"data_b64":"YQ==","text":"a"})")
                                   << QString("does not match");
    QTest::newRow("bad reason") << std::string(R"({"seq":1,"t_us":0,"channel":1,"event":"closed","reason":"aliens","detail":""})")
                                << QString("unknown value 'aliens'");
    QTest::newRow("bad terminator") << std::string(R"({"seq":1,"t_us":0,"channel":1,"event":"terminator_set","terminator":{"kind":"regex"}})")
                                    << QString("unknown terminator kind 'regex'");
    QTest::newRow("float") << std::string(R"({"seq":1.5,"t_us":0,"channel":0,"event":"stopped"})")
                           << QString("whole numbers");
    QTest::newRow("negative channel") << std::string(R"({"seq":1,"t_us":0,"channel":-1,"event":"stopped"})")
                                      << QString("out of range");
}

void TestEventJson::decodeErrors() {
    QFETCH(std::string, line);
    QFETCH(QString, mentions);
    std::string error;
    QVERIFY(!ej::decodeEvent(line, &error).has_value());
    QVERIFY2(QString::fromStdString(error).contains(mentions), error.c_str());
}

void TestEventJson::unknownFieldsAreIgnored() {
    const auto e = ej::decodeEvent(
        R"({"seq":5,"t_us":9,"channel":2,"event":"connected","peer":"a","local":"b","future":{"x":[1,null,true]}})" "\r\n");
    QVERIFY(e.has_value());
    QCOMPARE(e->kind, EventKind::Connected);
    QCOMPARE(e->info, std::string("a"));
    QCOMPARE(e->aux, std::string("b"));
}

QTEST_GUILESS_MAIN(TestEventJson)
#include "tst_EventJson.moc"
