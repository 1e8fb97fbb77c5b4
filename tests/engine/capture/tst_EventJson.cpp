// tst_EventJson.cpp — the session format (docs/session-format.md): header
// and event lines, exact encodings, round trips for every event kind, and
// the errors a reader gives for lines that are not what they claim to be.
// The kind table (engine/reactor/EventKinds.h) drives both directions: every
// kind, with every value of its qualifier and every field its row lists,
// round-trips and writes exactly those fields; a line without a field the
// row requires is refused naming that field, one without an optional field
// is read; and Event's accessors read what the row maps each field to.
// The compact rendering (Rendering::BytesOnly: base64 without `text`) writes
// no rendering and round-trips every kind.
#include "engine/capture/EventJson.h"

#include "engine/capture/Base64.h"
#include "engine/capture/JsonReader.h"
#include "engine/capture/JsonWriter.h"
#include "engine/net/NetErrors.h"
#include "engine/reactor/EventKinds.h"

#include <QTest>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <memory>
#include <string>

Q_DECLARE_METATYPE(std::string)

using engine::Event;
using engine::EventKind;
using engine::Terminator;
namespace ej = engine::eventjson;

namespace {

engine::CertificateInfo sampleCertificate(int i) {
    engine::CertificateInfo c;
    c.subject = "CN=host" + std::to_string(i) + ",O=Example \xc3\xa9";
    c.issuer = "CN=Example CA " + std::to_string(i + 1);
    c.notBefore = "2026-01-01T00:00:00Z";
    c.notAfter = "2027-01-01T00:00:00Z";
    c.subjectAltNames = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
    c.sha256 = "AB:CD:" + std::to_string(i);
    c.serial = "0" + std::to_string(i) + "FF";
    c.keyType = "EC P-256";
    return c;
}

/// A handshake with every field set (a chain of `chain` certificates).
std::shared_ptr<engine::TlsHandshakeInfo> sampleTls(int chain = 2) {
    auto t = std::make_shared<engine::TlsHandshakeInfo>();
    t->server = false;
    t->startTls = true;
    t->version = "TLSv1.3";
    t->cipher = "TLS_AES_256_GCM_SHA384";
    t->alpn = "h2";
    t->serverName = "localhost";
    t->resumed = true;
    for (int i = 0; i < chain; ++i) t->peerChain.push_back(sampleCertificate(i));
    t->verified = true;
    t->verifyResult = "ok";
    t->localFingerprint = "01:02";
    return t;
}

Event base(EventKind k, engine::ChannelId ch = 3) {
    Event e;
    e.seq = 42;
    e.tUs = 123456;
    e.kind = k;
    e.channel = ch;
    return e;
}

/// base(k) with its sub-kind (a producer kind, a warning code, ...) set to `c`.
template <class Code>
Event coded(EventKind k, Code c) {
    Event e = base(k);
    e.sub = static_cast<std::uint8_t>(c);
    return e;
}

// One event of every kind, with the fields that kind uses filled in.
std::vector<Event> oneOfEach() {
    std::vector<Event> v;
    Event e = base(EventKind::Listening, 1);
    e.info = "127.0.0.1:7000";
    e.size = 7000;
    v.push_back(e);
    e.aux = "AB:CD:EF";  // listen --tls with a generated certificate
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
    e = coded(EventKind::Push, engine::ProducerKind::Bytes);
    e.size = 10;
    v.push_back(e);
    e = coded(EventKind::Push, engine::ProducerKind::File);
    e.size = -1;
    e.info = "/tmp/a file";
    v.push_back(e);
    e = coded(EventKind::Push, engine::ProducerKind::Repeat);
    e.size = 300;
    e.count = 100;
    v.push_back(e);
    e = base(EventKind::Sent);
    e.data = "hello";
    e.size = 5;
    v.push_back(e);
    e = coded(EventKind::ProducerExhausted, engine::ProducerKind::Simple);
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
    e = coded(EventKind::Warning, engine::WarningCode::Residue);
    e.info = "1 byte(s) held back";
    e.size = 1;
    e.data = "\r";
    v.push_back(e);
    e = coded(EventKind::Warning, engine::WarningCode::Backlog);
    e.info = "quote \" backslash \\ tab \t";
    v.push_back(e);
    e = base(EventKind::Loop, 0);
    {
        auto t = std::make_shared<engine::LoopTrace>();
        t->pass = 17;
        t->backend = engine::Backend::Epoll;
        t->waitedUs = 250;
        t->polled = {{1, true, false}, {3, true, true}, {4, false, false, true, false}, {5, true, false, false, true}};
        t->ready = {{3, engine::kReadyIn | engine::kReadyOut}};
        t->dispatched = {{3, engine::Hook::HandleReadEvent}, {3, engine::Hook::CollectIncomingData},
                         {3, engine::Hook::FoundTerminator}};
        // What the pass did: a terminator set inside found_terminator, and
        // the channels as it left them (one held "\r" back, one closed).
        t->terminatorChanges = {{3, engine::Hook::FoundTerminator, 2, engine::Terminator::bytes("\n"),
                                 engine::Terminator::count(231)}};
        t->after = {{3, true, engine::Terminator::bytes("\r\n"), 1, "\r", 12, 2}, {4, false, {}, 0, {}, 0, 0}};
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
        t->waiting = {{7, 150, true, false, engine::kReadyIn, false, false, "handle_read: recv up to 64 of 150 waiting bytes"},
                      {5, 0, true, false, 0, false, false, "no connection waiting"},
                      {8, 0, false, false, 0, true, true, "TLS handshake"}};
        e.trace = t;
    }
    v.push_back(e);
    e = base(EventKind::TlsHandshake);
    e.tls = sampleTls();
    v.push_back(e);
    e = base(EventKind::TlsHandshake);  // a server with a generated certificate, a client without one
    {
        auto t = std::make_shared<engine::TlsHandshakeInfo>();
        t->server = true;
        t->version = "TLSv1.2";
        t->cipher = "ECDHE-RSA-AES128-GCM-SHA256";
        t->verifySkipped = true;
        t->verifyResult = "self-signed certificate";
        t->localFingerprint = "AA:BB";
        e.tls = t;
    }
    v.push_back(e);
    e = coded(EventKind::TlsClose, engine::TlsCloseKind::CloseNotify);
    v.push_back(e);
    e = coded(EventKind::TlsClose, engine::TlsCloseKind::Truncated);
    e.info = "the peer closed the connection without close_notify";
    v.push_back(e);
    e = base(EventKind::StartTls);
    e.info = "smtp";
    v.push_back(e);
    e = base(EventKind::Datagram);
    e.data = std::string("<13>hi\0", 7);
    e.size = 7;
    e.info = "[::1]:5140";
    v.push_back(e);
    e.count = 20;  // a piece of a 20-byte datagram
    v.push_back(e);
    e = base(EventKind::DatagramSent);
    e.data = "reply";
    e.size = 5;
    e.info = "127.0.0.1:40000";
    v.push_back(e);
    e = coded(EventKind::Warning, engine::WarningCode::Unreachable);
    e.info = "127.0.0.1:9 is unreachable";
    e.size = 1;
    v.push_back(e);
    e = coded(EventKind::Intercept, engine::InterceptAction::Held);  // a proxy leg holds its third message
    e.count = 3;
    e.size = 2;
    e.data = "PING\r\n";
    v.push_back(e);
    e = coded(EventKind::Intercept, engine::InterceptAction::On);
    v.push_back(e);
    return v;
}

// --- Events built from the kind table ------------------------------------------------------------

using engine::EventField;
using engine::EventKindInfo;
using engine::EventSlot;
using engine::FieldType;
using engine::Presence;

bool writtenFor(const EventField& f, std::uint8_t sub) {
    switch (f.presence) {
    case Presence::Required:
    case Presence::IfSet: return true;
    case Presence::ForSub:
    case Presence::OptionalForSub:
    case Presence::WrittenForSub: return sub == f.sub;
    }
    return false;
}

/// The values of sub a kind has: each of its names, or just 0.
std::vector<std::uint8_t> subsOf(const EventKindInfo& k) {
    for (const EventField& f : k.fields)
        if (f.type == FieldType::Name) {
            std::vector<std::uint8_t> v;
            for (std::size_t i = 0; i < f.names.size(); ++i) v.push_back(static_cast<std::uint8_t>(i));
            return v;
        }
    return {0};
}

std::shared_ptr<engine::LoopTrace> sampleTrace() {
    auto t = std::make_shared<engine::LoopTrace>();
    t->pass = 9;
    t->backend = engine::Backend::Select;
    t->waitedUs = 77;
    t->polled = {{2, true, true}};
    t->ready = {{2, engine::kReadyOut}};
    t->dispatched = {{2, engine::Hook::HandleWrite}};
    t->waiting = {{2, 3, true, true, engine::kReadyOut, false, false, "handle_write: send 3 queued bytes"}};
    return t;
}

/// An event of `k` whose qualifier is `sub` and whose every field written
/// for that qualifier holds a distinct value that is not the default.
Event filled(const EventKindInfo& k, std::uint8_t sub) {
    Event e = base(k.kind);
    e.sub = sub;
    std::int64_t n = 11;
    for (const EventField& f : k.fields) {
        if (!writtenFor(f, sub)) continue;
        n += 10;
        const std::string text = std::string(f.key) + " \xc3\xa9 \"q\"";
        switch (f.type) {
        case FieldType::Number:
            if (f.slot == EventSlot::Size) e.size = n;
            if (f.slot == EventSlot::Count) e.count = n + 1;
            if (f.slot == EventSlot::Parent) e.parent = static_cast<engine::ChannelId>(n + 2);
            if (f.slot == EventSlot::Error) e.error = static_cast<std::int32_t>(n + 3);
            break;
        case FieldType::Text: (f.slot == EventSlot::Aux ? e.aux : e.info) = text; break;
        case FieldType::Bytes: e.data = std::string("\0\xff\r\n", 4) + text; break;
        case FieldType::Flag: (f.slot == EventSlot::Count ? e.count : e.size) = 1; break;
        case FieldType::Name: break;  // sub
        case FieldType::Terminator: e.setTerminator(Terminator::bytes("\r\n.")); break;
        case FieldType::Group:
            if (f.slot == EventSlot::Trace) e.trace = sampleTrace();
            if (f.slot == EventSlot::Tls) e.tls = sampleTls(3);
            if (f.slot == EventSlot::State) {
                auto st = std::make_shared<engine::ChannelState>();
                st->role = engine::ChannelRole::Listener;
                st->phase = engine::ChannelPhase::Listening;
                st->local = "127.0.0.1:1";
                st->terminator = Terminator::count(3);
                st->fifo = {{"repeat", -1}};
                st->fifoEntries = 1;
                e.state = st;
            }
            if (f.slot == EventSlot::Counters) {
                auto st = std::make_shared<engine::ChannelState>();
                st->phase = engine::ChannelPhase::Closed;  // what a decoded `closed` keeps
                st->bytesIn = 5;
                st->bytesOut = 6;
                st->messagesIn = 7;
                st->messagesOut = 8;
                e.state = st;
            }
            break;
        }
    }
    if (k.sizeIsByteCount) e.size = static_cast<std::int64_t>(e.data.size());
    return e;
}

std::string label(const EventKindInfo& k, std::uint8_t sub) {
    std::string s(k.name);
    for (const EventField& f : k.fields)
        if (f.type == FieldType::Name) s += "/" + std::string(f.names[sub]);
    return s;
}

engine::JsonValue parsed(const std::string& line) {
    engine::JsonValue v;
    std::string error;
    if (!engine::parseJsonObjectLine(line, v, &error)) QTest::qFail(error.c_str(), __FILE__, __LINE__);
    return v;
}

void put(std::string& out, const engine::JsonValue& v) {
    using T = engine::JsonValue::Type;
    switch (v.type) {
    case T::Null: out += "null"; break;
    case T::Bool: out += v.boolean ? "true" : "false"; break;
    case T::Number: out += std::to_string(v.number); break;
    case T::String: engine::appendJsonString(out, v.string); break;
    case T::Array:
        out += '[';
        for (std::size_t i = 0; i < v.array.size(); ++i) {
            if (i) out += ',';
            put(out, v.array[i]);
        }
        out += ']';
        break;
    case T::Object:
        out += '{';
        for (std::size_t i = 0; i < v.keys.size(); ++i) {
            if (i) out += ',';
            engine::appendJsonString(out, v.keys[i]);
            out += ':';
            put(out, v.values[i]);
        }
        out += '}';
        break;
    }
}

/// `line` without its member `key`.
std::string without(const std::string& line, std::string_view key) {
    engine::JsonValue v = parsed(line);
    for (std::size_t i = 0; i < v.keys.size(); ++i)
        if (v.keys[i] == key) {
            v.keys.erase(v.keys.begin() + static_cast<std::ptrdiff_t>(i));
            v.values.erase(v.values.begin() + static_cast<std::ptrdiff_t>(i));
            break;
        }
    std::string out;
    put(out, v);
    return out;
}

/// Why decodeEvent refuses `line` (a note saying so when it accepts it).
std::string decodeError(const std::string& line) {
    std::string error;
    if (ej::decodeEvent(line, &error)) return "(decoded without an error: " + line + ")";
    return error;
}

/// The rows of decodeErrors and tlsDecodeErrors: decoding `line` fails with an
/// error that mentions `mentions` (and, given `under`, is shorter than that).
void checkDecodeError(std::size_t under = std::string::npos) {
    QFETCH(std::string, line);
    QFETCH(QString, mentions);
    const std::string error = decodeError(line);
    QVERIFY2(QString::fromStdString(error).contains(mentions), error.c_str());
    if (under != std::string::npos) QVERIFY2(error.size() < under, error.c_str());
}

/// A collect of "a\r\n\0" (seq 7, t_us 1234) and a found_terminator of "\r\n":
/// bytes that each rendering writes its own way.
Event collectOfBytes() {
    Event e = base(EventKind::Collect);
    e.seq = 7;
    e.tUs = 1234;
    e.data = std::string("a\r\n\0", 4);
    e.size = 4;
    return e;
}

Event foundCrlf() {
    Event f = base(EventKind::FoundTerminator);
    f.setTerminator(Terminator::bytes("\r\n"));
    f.size = 1;
    return f;
}

}  // namespace

class TestEventJson : public QObject {
    Q_OBJECT

private slots:
    void headerRoundTrip();
    void headerErrors();
    void exactEventLine();
    void everyKindRoundTrips();
    void bytesOnlyLeavesOutTheRendering();
    void bytesOnlyRoundTrips();
    void closedKeepsItsCounters();
    void errorNamesArePortable();
    void jsonStringsAreValid();
    void decodeErrors_data();
    void decodeErrors();
    void unknownFieldsAreIgnored();
    void kindTableRoundTrips();
    void missingRequiredFieldIsRefused();
    void optionalFieldsMayBeMissing();
    void accessorsReadWhatTheTableSays();
    void tlsLinesAreExact();
    void traceLayerWants();
    void listeningFingerprint();
    void tlsDecodeErrors_data();
    void tlsDecodeErrors();
    void tlsWriterStaysWithinTheLimits();
    void clampedUtf8();
    void tooManyValuesInOneLine();
};

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
    QVERIFY(!ej::decodeHeader(R"({"format":"linewright-session","version":3,"tool":"x","tool_version":"1",)"
                              R"("start":"","start_unix_us":0})",
                              &error));
    QVERIFY2(QString::fromStdString(error).contains("version 3 is not supported"), error.c_str());
    QVERIFY(!ej::decodeHeader(R"({"format":"linewright-session","version":1})", &error));
    QVERIFY2(QString::fromStdString(error).contains("missing field 'tool'"), error.c_str());
}

void TestEventJson::exactEventLine() {
    const Event e = collectOfBytes();
    QCOMPARE(ej::encodeEvent(e),
             std::string(R"({"seq":7,"t_us":1234,"channel":3,"event":"collect","size":4,"data_b64":"YQ0KAA==","text":"a\\r\\n\\0"})"));
    const Event f = foundCrlf();
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

void TestEventJson::bytesOnlyLeavesOutTheRendering() {
    // The compact form of docs/session-format.md ("Compact files"): the
    // exact base64 without its escaped rendering, everywhere bytes appear.
    const Event e = collectOfBytes();
    QCOMPARE(ej::encodeEvent(e, ej::Rendering::BytesOnly),
             std::string(R"({"seq":7,"t_us":1234,"channel":3,"event":"collect","size":4,"data_b64":"YQ0KAA=="})"));
    const Event f = foundCrlf();
    QCOMPARE(ej::encodeEvent(f, ej::Rendering::BytesOnly),
             std::string(R"({"seq":42,"t_us":123456,"channel":3,"event":"found_terminator",)"
                         R"("size":1,"terminator":{"kind":"bytes","data_b64":"DQo="}})"));
    // The default (what --json prints) keeps the rendering.
    QVERIFY(ej::encodeEvent(e).find("\"text\"") != std::string::npos);
}

void TestEventJson::bytesOnlyRoundTrips() {
    // Every kind, written compact, reads back as the same event, and no line
    // carries a rendering ("text", "residue") any more.
    std::size_t compact = 0;
    std::size_t full = 0;
    for (const Event& e : oneOfEach()) {
        const std::string line = ej::encodeEvent(e, ej::Rendering::BytesOnly);
        QVERIFY2(line.find("\"text\":") == std::string::npos, line.c_str());
        QVERIFY2(line.find("\"residue\":") == std::string::npos, line.c_str());
        std::string error;
        const auto back = ej::decodeEvent(line, &error);
        QVERIFY2(back.has_value(), (line + " : " + error).c_str());
        if (e.kind != EventKind::Closed) QVERIFY2(*back == e, line.c_str());
        QCOMPARE(ej::encodeEvent(*back, ej::Rendering::BytesOnly), line);
        compact += line.size();
        full += ej::encodeEvent(e).size();
    }
    QVERIFY2(compact < full, qPrintable(QString("%1 vs %2").arg(compact).arg(full)));
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

void TestEventJson::errorNamesArePortable() {
    // A reset recorded on Windows (WSAECONNRESET) carries the same name as on Linux.
    Event e = base(EventKind::Closed);
    e.sub = static_cast<std::uint8_t>(engine::CloseReason::Peer);
    e.error = 10054;
    e.aux = "ECONNRESET";
    e.info = "Connection reset by peer";
    const std::string line = ej::encodeEvent(e);
    QCOMPARE(line, std::string(R"({"seq":42,"t_us":123456,"channel":3,"event":"closed","reason":"peer",)"
                               R"("detail":"Connection reset by peer","errno":10054,"errno_name":"ECONNRESET"})"));
    const auto back = ej::decodeEvent(line);
    QVERIFY(back.has_value());
    QCOMPARE(back->errorName(), std::string_view("ECONNRESET"));
    QCOMPARE(back->errorCode(), 10054);
    QCOMPARE(ej::encodeEvent(*back), line);
    // A file written before names were recorded: the number alone, no name.
    const auto old = ej::decodeEvent(R"({"seq":2,"t_us":4179,"channel":1,"event":"error","errno":111,)"
                                     R"("message":"connect to 127.0.0.1:1: Connection refused"})");
    QVERIFY(old.has_value());
    QCOMPARE(old->errorCode(), 111);
    QVERIFY(old->errorName().empty());
    // The names the reactor gives: from an errno value, and a Winsock code on Windows.
    QCOMPARE(engine::sockops::errorName(ECONNREFUSED), std::string_view("ECONNREFUSED"));
    QCOMPARE(engine::sockops::errorName(static_cast<int>(std::errc::connection_reset)), std::string_view("ECONNRESET"));
    QVERIFY(engine::sockops::errorName(0).empty());
#if defined(_WIN32)
    QCOMPARE(engine::sockops::errorName(10061), std::string_view("ECONNREFUSED"));
#endif
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
    // The JSON itself: where an array or object goes on or ends.
    QTest::newRow("array without comma") << std::string(R"({"seq":1,"t_us":0,"channel":0,"event":"stopped","x":[1 2]})")
                                         << QString("expected ',' or ']'");
    QTest::newRow("object without comma") << std::string(R"({"seq":1,"t_us":0 "channel":0,"event":"stopped"})")
                                          << QString("expected ',' or '}'");
    QTest::newRow("unterminated array") << std::string(R"({"seq":1,"t_us":0,"channel":0,"event":"stopped","x":[1,2)")
                                        << QString("unterminated array");
    QTest::newRow("unterminated object") << std::string(R"({"seq":1,"t_us":0,"channel":0,"event":"stopped")")
                                         << QString("unterminated object");
}

void TestEventJson::decodeErrors() {
    checkDecodeError();
}

void TestEventJson::unknownFieldsAreIgnored() {
    const auto e = ej::decodeEvent(
        R"({"seq":5,"t_us":9,"channel":2,"event":"connected","peer":"a","local":"b","future":{"x":[1,null,true]}})" "\r\n");
    QVERIFY(e.has_value());
    QCOMPARE(e->kind, EventKind::Connected);
    QCOMPARE(e->info, std::string("a"));
    QCOMPARE(e->aux, std::string("b"));
}

void TestEventJson::kindTableRoundTrips() {
    QCOMPARE(engine::eventKinds().size(), engine::kEventKindCount);
    for (const EventKindInfo& k : engine::eventKinds()) {
        QCOMPARE(engine::parseEventKind(k.name), std::optional<EventKind>(k.kind));
        for (const std::uint8_t sub : subsOf(k)) {
            const Event e = filled(k, sub);
            const std::string line = ej::encodeEvent(e);
            std::string error;
            const auto back = ej::decodeEvent(line, &error);
            QVERIFY2(back.has_value(), (label(k, sub) + ": " + line + " : " + error).c_str());
            QVERIFY2(*back == e, (label(k, sub) + ": " + line + " read back as " + ej::encodeEvent(*back)).c_str());
            // It wrote the four common fields, then exactly the row's fields for this sub, in order.
            const engine::JsonValue j = parsed(line);
            std::vector<std::string> want = {"seq", "t_us", "channel", "event"};
            for (const EventField& f : k.fields) {
                if (!writtenFor(f, sub)) continue;
                want.emplace_back(f.key);
                if (f.type == FieldType::Bytes) want.emplace_back(f.textKey);
            }
            std::vector<std::string> got;
            for (const std::string& key : j.keys) got.push_back(key);
            if (std::any_of(k.fields.begin(), k.fields.end(), [](const EventField& f) { return f.type == FieldType::Group; })) {
                // A group writes several keys, starting with its own.
                for (const std::string& key : want) QVERIFY2(j.get(key), (label(k, sub) + " lacks " + key).c_str());
            } else {
                QVERIFY2(got == want, (label(k, sub) + ": " + line).c_str());
            }
        }
    }
}

void TestEventJson::missingRequiredFieldIsRefused() {
    int checked = 0;
    for (const EventKindInfo& k : engine::eventKinds()) {
        for (const std::uint8_t sub : subsOf(k)) {
            const std::string line = ej::encodeEvent(filled(k, sub));
            for (const EventField& f : k.fields) {
                if (!f.requiredFor(sub)) continue;
                std::string error;
                const std::string cut = without(line, f.key);
                QVERIFY2(!ej::decodeEvent(cut, &error).has_value(), (label(k, sub) + ": read without " + std::string(f.key)).c_str());
                QCOMPARE(error, "invalid " + std::string(k.name) + " event: missing field '" + std::string(f.key) + "'");
                ++checked;
            }
        }
    }
    QVERIFY(checked > 40);
    // The four fields every event has.
    for (const char* key : {"seq", "t_us", "channel", "event"}) {
        std::string error;
        QVERIFY(!ej::decodeEvent(without(R"({"seq":1,"t_us":2,"channel":0,"event":"paused"})", key), &error));
        QCOMPARE(error, "invalid event: missing field '" + std::string(key) + "'");
    }
}

void TestEventJson::optionalFieldsMayBeMissing() {
    for (const EventKindInfo& k : engine::eventKinds()) {
        for (const std::uint8_t sub : subsOf(k)) {
            const std::string line = ej::encodeEvent(filled(k, sub));
            for (const EventField& f : k.fields) {
                if (f.requiredFor(sub) || !writtenFor(f, sub)) continue;
                std::string error;
                const auto e = ej::decodeEvent(without(line, f.key), &error);
                QVERIFY2(e.has_value(), (label(k, sub) + " without " + std::string(f.key) + ": " + error).c_str());
                // What the field held is gone (a field written when set is then not written), nothing else.
                if (f.presence == Presence::IfSet && f.type != FieldType::Bytes && f.type != FieldType::Group)
                    QVERIFY2(ej::encodeEvent(*e) == without(line, f.key),
                             (label(k, sub) + " without " + std::string(f.key) + ": " + ej::encodeEvent(*e)).c_str());
            }
        }
    }
}

void TestEventJson::accessorsReadWhatTheTableSays() {
    // Each accessor, and the field it reads in each kind that has it. For
    // every other kind it must give nothing.
    using Get = std::function<std::string(const Event&)>;
    const auto n = [](auto v) { return std::to_string(v); };
    struct Accessor {
        const char* name;
        Get get;
        std::vector<std::pair<EventKind, std::string_view>> fields;
    };
    using K = EventKind;
    const std::vector<Accessor> accessors = {
        {"bytes", [](const Event& e) { return std::string(e.bytes()); },
         {{K::Collect, "data_b64"}, {K::Sent, "data_b64"}, {K::Received, "data_b64"}, {K::Warning, "data_b64"},
          {K::Datagram, "data_b64"}, {K::DatagramSent, "data_b64"}, {K::Intercept, "data_b64"}}},
        {"address", [](const Event& e) { return std::string(e.address()); }, {{K::Listening, "address"}, {K::Connecting, "address"}}},
        {"host", [](const Event& e) { return std::string(e.host()); }, {{K::Connecting, "host"}}},
        {"port", [&](const Event& e) { return n(e.port()); }, {{K::Listening, "port"}, {K::Connecting, "port"}, {K::Hosted, "port"}}},
        {"peer", [](const Event& e) { return std::string(e.peer()); },
         {{K::Accepted, "peer"}, {K::Connected, "peer"}, {K::Datagram, "peer"}, {K::DatagramSent, "peer"}}},
        {"datagramSize", [&](const Event& e) { return n(e.datagramSize()); }, {{K::Datagram, "datagram"}}},
        {"local", [](const Event& e) { return std::string(e.local()); }, {{K::Accepted, "local"}, {K::Connected, "local"}}},
        {"listener", [&](const Event& e) { return n(e.listener()); }, {{K::Accepted, "parent"}, {K::Hosted, "parent"}}},
        {"messageSize", [&](const Event& e) { return n(e.messageSize()); }, {{K::FoundTerminator, "size"}}},
        {"inBufferSize", [&](const Event& e) { return n(e.inBufferSize()); }, {{K::BuffersSet, "in_buffer"}}},
        {"outBufferSize", [&](const Event& e) { return n(e.outBufferSize()); }, {{K::BuffersSet, "out_buffer"}}},
        {"maxMessage", [&](const Event& e) { return n(e.maxMessage()); }, {{K::LimitsSet, "max_message"}}},
        {"highWaterMark", [&](const Event& e) { return n(e.highWaterMark()); }, {{K::LimitsSet, "high_water"}}},
        {"pushedSize", [&](const Event& e) { return n(e.pushedSize()); }, {{K::Push, "size"}}},
        {"copies", [&](const Event& e) { return n(e.copies()); }, {{K::Push, "copies"}}},
        {"path", [](const Event& e) { return std::string(e.path()); }, {{K::Push, "path"}}},
        {"droppedBytes", [&](const Event& e) { return n(e.droppedBytes()); }, {{K::Discarded, "size"}}},
        {"droppedEntries", [&](const Event& e) { return n(e.droppedEntries()); }, {{K::Discarded, "entries"}}},
        {"queued", [&](const Event& e) { return n(e.queued()); }, {{K::HighWater, "queued"}, {K::LowWater, "queued"}}},
        {"mark", [&](const Event& e) { return n(e.mark()); }, {{K::HighWater, "mark"}, {K::LowWater, "mark"}}},
        {"detail", [](const Event& e) { return std::string(e.detail()); }, {{K::Closed, "detail"}}},
        {"errorCode", [&](const Event& e) { return n(e.errorCode()); }, {{K::Error, "errno"}, {K::Closed, "errno"}}},
        {"errorName", [](const Event& e) { return std::string(e.errorName()); },
         {{K::Error, "errno_name"}, {K::Closed, "errno_name"}}},
        {"message", [](const Event& e) { return std::string(e.message()); }, {{K::Error, "message"}, {K::Warning, "message"}}},
        {"warningSize", [&](const Event& e) { return n(e.warningSize()); }, {{K::Warning, "size"}}},
        {"messageLimit", [&](const Event& e) { return n(e.messageLimit()); }, {{K::LimitReached, "messages"}}},
        {"hostId", [&](const Event& e) { return n(e.hostId()); }, {{K::Hosted, "host"}}},
        {"label", [](const Event& e) { return std::string(e.label()); }, {{K::Hosted, "label"}}},
        {"hostLabel", [](const Event& e) { return std::string(e.hostLabel()); }, {{K::Hosted, "host_label"}}},
        {"hostOk", [](const Event& e) { return std::string(e.hostOk() ? "true" : ""); }, {{K::Hosted, "ok"}}},
        {"startTlsProtocol", [](const Event& e) { return std::string(e.startTlsProtocol()); }, {{K::StartTls, "protocol"}}},
        {"localFingerprint", [](const Event& e) { return std::string(e.localFingerprint()); }, {{K::Listening, "local_fingerprint"}}},
    };
    const auto jsonValue = [](const engine::JsonValue& v, std::string_view key) -> std::string {
        using T = engine::JsonValue::Type;
        switch (v.type) {
        case T::Number: return std::to_string(v.number);
        case T::Bool: return v.boolean ? "true" : "";
        case T::String:
            return key.size() > 4 && key.substr(key.size() - 4) == "_b64" ? engine::base64::decode(v.string).value_or("?")
                                                                         : v.string;
        default: return "?";
        }
    };
    for (const EventKindInfo& k : engine::eventKinds()) {
        for (const std::uint8_t sub : subsOf(k)) {
            const Event e = filled(k, sub);
            const engine::JsonValue j = parsed(ej::encodeEvent(e));
            for (const Accessor& a : accessors) {
                std::string want;  // nothing, unless this kind has the field (and wrote it)
                for (const auto& [kind, key] : a.fields) {
                    if (kind != k.kind) continue;
                    QVERIFY2(k.field(key), (std::string(k.name) + " has no field " + std::string(key)).c_str());
                    if (const engine::JsonValue* v = j.get(key)) want = jsonValue(*v, key);
                }
                const std::string got = a.get(e);
                const bool nothing = got.empty() || got == "0";
                if (want.empty())
                    QVERIFY2(nothing, (label(k, sub) + ": " + a.name + "() gives '" + got + "'").c_str());
                else
                    QVERIFY2(got == want, (label(k, sub) + ": " + a.name + "() gives '" + got + "', the field '" + want + "'").c_str());
            }
            // The terminator, the attachments.
            if (const EventField* f = k.field("terminator")) {
                QCOMPARE(f->slot, EventSlot::Terminator);
                QCOMPARE(e.terminator(), Terminator::bytes("\r\n."));
                QCOMPARE(e.terminatorBytes(), std::string_view("\r\n."));
            } else {
                QVERIFY(e.terminatorBytes().empty());
            }
            QCOMPARE(e.loopTrace() != nullptr, k.field("pass") != nullptr);
            QCOMPARE(e.tlsInfo() != nullptr, k.field("version") != nullptr);
            if (k.kind == K::TlsClose) {
                const engine::JsonValue* v = j.get("kind");
                QVERIFY(v);
                QCOMPARE(std::string(engine::tlsCloseKindName(e.tlsCloseKind())), v->string);
            }
            QCOMPARE(e.channelState() != nullptr, k.field("role") != nullptr || k.field("bytes_in") != nullptr);
        }
    }
}

void TestEventJson::tlsLinesAreExact() {
    Event e = base(EventKind::TlsHandshake);
    e.tls = sampleTls(1);
    const std::string line = ej::encodeEvent(e);
    QCOMPARE(line, std::string(R"({"seq":42,"t_us":123456,"channel":3,"event":"tls_handshake","version":"TLSv1.3",)"
                               R"("cipher":"TLS_AES_256_GCM_SHA384","alpn":"h2","server_name":"localhost","resumed":true,)"
                               R"("server":false,"starttls":true,"verified":true,"verify_skipped":false,"verify_result":"ok",)"
                               R"("local_fingerprint":"01:02","peer_chain":[{"subject":"CN=host0,O=Example )" "\xc3\xa9" R"(",)"
                               R"("issuer":"CN=Example CA 1","not_before":"2026-01-01T00:00:00Z","not_after":"2027-01-01T00:00:00Z",)"
                               R"("san":["DNS:localhost","IP:127.0.0.1","IP:::1"],"sha256":"AB:CD:0","serial":"00FF",)"
                               R"("key_type":"EC P-256"}]})"));
    // The same line compact: nothing in it is bytes, so it is the same.
    QCOMPARE(ej::encodeEvent(e, ej::Rendering::BytesOnly), line);
    Event c = base(EventKind::TlsClose);
    c.sub = static_cast<std::uint8_t>(engine::TlsCloseKind::Truncated);
    QCOMPARE(ej::encodeEvent(c), std::string(R"({"seq":42,"t_us":123456,"channel":3,"event":"tls_close","kind":"truncated"})"));
    QCOMPARE(ej::decodeEvent(ej::encodeEvent(c))->tlsCloseKind(), engine::TlsCloseKind::Truncated);
    Event s = base(EventKind::StartTls);
    s.info = "imap";
    QCOMPARE(ej::encodeEvent(s), std::string(R"({"seq":42,"t_us":123456,"channel":3,"event":"starttls","protocol":"imap"})"));
    QCOMPARE(ej::decodeEvent(ej::encodeEvent(s))->startTlsProtocol(), std::string_view("imap"));
    // Only the fields the format requires: the optional ones read as empty / false.
    const auto minimal = ej::decodeEvent(R"({"seq":1,"t_us":0,"channel":2,"event":"tls_handshake","version":"TLSv1.2",)"
                                         R"("cipher":"AES128-SHA","server":true,"verified":false,"verify_result":"ok",)"
                                         R"("peer_chain":[{"subject":"CN=a","issuer":"CN=b","sha256":"00"}],"later":[1]})");
    QVERIFY(minimal.has_value());
    QVERIFY(minimal->tlsInfo());
    QCOMPARE(minimal->tlsInfo()->peerChain.size(), std::size_t(1));
    QVERIFY(minimal->tlsInfo()->peerChain[0].subjectAltNames.empty());
    QVERIFY(minimal->tlsInfo()->alpn.empty());
    QVERIFY(!minimal->tlsInfo()->verifySkipped);
}

void TestEventJson::traceLayerWants() {
    // What a TLS layer wants of the socket while the application does not:
    // written only when true, read back, and absent (older files) reads false.
    Event e = base(EventKind::Loop, 0);
    auto t = std::make_shared<engine::LoopTrace>();
    t->pass = 4;
    t->polled = {{2, false, false, true, false}, {3, true, false, false, true}, {5, true, false}};
    e.trace = t;
    const std::string line = ej::encodeEvent(e);
    QVERIFY2(line.find(R"({"channel":2,"readable":false,"writable":false,"layer_wants_read":true})") != std::string::npos,
             line.c_str());
    QVERIFY2(line.find(R"({"channel":3,"readable":true,"writable":false,"layer_wants_write":true})") != std::string::npos,
             line.c_str());
    QVERIFY2(line.find(R"({"channel":5,"readable":true,"writable":false})") != std::string::npos, line.c_str());
    for (const auto rendering : {ej::Rendering::WithText, ej::Rendering::BytesOnly}) {
        const auto back = ej::decodeEvent(ej::encodeEvent(e, rendering));
        QVERIFY(back && back->loopTrace());
        QCOMPARE(*back->loopTrace(), *t);
    }
    ej::CompactContext w, r;
    std::string compact;
    ej::appendCompactEvent(compact, e, w);
    compact.pop_back();  // the newline
    const auto c = ej::decodeCompactEvent(compact, r);
    QVERIFY(c && c->loopTrace());
    QCOMPARE(*c->loopTrace(), *t);
    // A preview's waiting channel carries them too.
    Event p = base(EventKind::Preview, 0);
    auto pt = std::make_shared<engine::LoopTrace>();
    pt->waiting = {{2, 0, false, false, 0, true, true, "TLS handshake: handle_read"}};
    p.trace = pt;
    const std::string pline = ej::encodeEvent(p);
    QVERIFY2(pline.find(R"("layer_wants_read":true,"layer_wants_write":true)") != std::string::npos, pline.c_str());
    const auto pback = ej::decodeEvent(pline);
    QVERIFY(pback && pback->loopTrace());
    QCOMPARE(*pback->loopTrace(), *pt);
    // A file written before the fields existed.
    const auto old = ej::decodeEvent(R"({"seq":1,"t_us":0,"channel":0,"event":"loop","pass":1,"backend":"poll",)"
                                     R"("waited_us":0,"polled":[{"channel":2,"readable":true,"writable":false}],)"
                                     R"("ready":[],"dispatched":[]})");
    QVERIFY(old && old->loopTrace());
    QCOMPARE(old->loopTrace()->polled.size(), std::size_t(1));
    QVERIFY(!old->loopTrace()->polled[0].layerWantsRead && !old->loopTrace()->polled[0].layerWantsWrite);
    // Not a boolean: refused, naming the field.
    std::string why;
    QVERIFY(!ej::decodeEvent(R"({"seq":1,"t_us":0,"channel":0,"event":"loop","pass":1,"backend":"poll",)"
                             R"("waited_us":0,"polled":[{"channel":2,"readable":true,"writable":false,)"
                             R"("layer_wants_read":"yes"}],"ready":[],"dispatched":[]})",
                             &why));
    QVERIFY2(why.find("layer_wants_read") != std::string::npos, why.c_str());
}

void TestEventJson::listeningFingerprint() {
    // listen --tls with a generated certificate: the listening event says its
    // SHA-256 fingerprint, under the name tls_handshake uses for it.
    Event e = base(EventKind::Listening, 1);
    e.info = "127.0.0.1:7000";
    e.size = 7000;
    e.aux = "3F:9A:00";
    const std::string line = ej::encodeEvent(e);
    QCOMPARE(line, std::string(R"({"seq":42,"t_us":123456,"channel":1,"event":"listening","address":"127.0.0.1:7000",)"
                               R"("port":7000,"local_fingerprint":"3F:9A:00"})"));
    const auto back = ej::decodeEvent(line);
    QVERIFY(back);
    QCOMPARE(back->localFingerprint(), std::string_view("3F:9A:00"));
    ej::CompactContext w, r;
    std::string compact;
    ej::appendCompactEvent(compact, e, w);
    compact.pop_back();  // the newline
    QVERIFY2(compact.find(R"("local_fingerprint":"3F:9A:00")") != std::string::npos, compact.c_str());
    QCOMPARE(ej::decodeCompactEvent(compact, r)->localFingerprint(), std::string_view("3F:9A:00"));
    // Without TLS (or with --cert/--key) there is none, and none is written.
    e.aux.clear();
    QVERIFY(ej::encodeEvent(e).find("fingerprint") == std::string::npos);
    const auto plain = ej::decodeEvent(R"({"seq":1,"t_us":0,"channel":1,"event":"listening","address":"127.0.0.1:7000","port":7000})");
    QVERIFY(plain);
    QVERIFY(plain->localFingerprint().empty());
}

void TestEventJson::tlsDecodeErrors_data() {
    QTest::addColumn<std::string>("line");
    QTest::addColumn<QString>("mentions");
    const std::string head = R"({"seq":1,"t_us":0,"channel":2,"event":"tls_handshake","version":"TLSv1.3","cipher":"X",)"
                             R"("server":false,"verified":true,"verify_result":"ok","peer_chain":)";
    const auto cert = [](const std::string& subject, const std::string& san = R"(["DNS:a"])") {
        std::string c = R"({"subject":)";
        engine::appendJsonString(c, subject);
        return c + R"(,"issuer":"CN=i","not_before":"","not_after":"","san":)" + san + R"(,"sha256":"00"})";
    };
    std::string chain17 = "[";
    for (int i = 0; i < 17; ++i) chain17 += (i ? "," : "") + cert("CN=" + std::to_string(i));
    chain17 += "]";
    std::string sans513 = "[";
    for (int i = 0; i < 513; ++i) sans513 += std::string(i ? "," : "") + "\"DNS:x\"";
    sans513 += "]";
    QTest::newRow("chain of 17") << head + chain17 + "}" << QString("'peer_chain' has 17 certificates, more than 16");
    QTest::newRow("513 names") << head + "[" + cert("CN=a", sans513) + "]}" << QString("'san' has 513 names, more than 512");
    QTest::newRow("long subject") << head + "[" + cert(std::string(1025, 'A')) + "]}"
                                  << QString("certificate 1: field 'subject' is longer than 1024 characters");
    QTest::newRow("long subject, 2-byte characters")
        << head + "[" + cert(std::string(1020, 'A')) + "," + cert([] {
               std::string s;
               for (int i = 0; i < 1025; ++i) s += "\xc3\xa9";
               return s;
           }()) + "]}"
        << QString("certificate 2: field 'subject' is longer than 1024 characters");
    QTest::newRow("stray continuation bytes")
        << head + "[" + cert(std::string(4097, '\x80')) + "]}" << QString("field 'subject' is longer than 1024 characters");
    QTest::newRow("long name") << head + "[" + cert("CN=a", "[\"" + std::string(1025, 'n') + "\"]") + "]}"
                               << QString("a name in 'san' is longer than 1024 characters");
    QTest::newRow("name not a string") << head + "[" + cert("CN=a", "[1]") + "]}" << QString("'san' entries must be strings");
    QTest::newRow("certificate not an object") << head + R"(["CN=a"]})" << QString("'peer_chain' entries must be objects");
    QTest::newRow("certificate without subject") << head + R"([{"issuer":"x","sha256":"00"}]})"
                                                 << QString("invalid tls_handshake event: in 'peer_chain' certificate 1: missing field 'subject'");
    QTest::newRow("chain not an array") << head + R"({}})" << QString("field 'peer_chain' has the wrong type");
    QTest::newRow("long version")
        << R"({"seq":1,"t_us":0,"channel":2,"event":"tls_handshake","version":")" + std::string(2000, 'v') +
               R"(","cipher":"X","server":false,"verified":true,"verify_result":"ok","peer_chain":[]})"
        << QString("field 'version' is longer than 1024 characters");
    QTest::newRow("verified and skipped")
        << std::string(R"({"seq":1,"t_us":0,"channel":2,"event":"tls_handshake","version":"v","cipher":"X","server":false,)"
                       R"("verified":true,"verify_skipped":true,"verify_result":"ok","peer_chain":[]})")
        << QString("'verified' and 'verify_skipped' cannot both be true");
    QTest::newRow("verified a string")
        << std::string(R"({"seq":1,"t_us":0,"channel":2,"event":"tls_handshake","version":"v","cipher":"X","server":false,)"
                       R"("verified":"yes","verify_result":"ok","peer_chain":[]})")
        << QString("field 'verified' has the wrong type");
    QTest::newRow("unknown close kind") << std::string(R"({"seq":1,"t_us":0,"channel":2,"event":"tls_close","kind":"rude"})")
                                        << QString("invalid tls_close event: field 'kind' has an unknown value 'rude'");
    QTest::newRow("starttls without protocol") << std::string(R"({"seq":1,"t_us":0,"channel":2,"event":"starttls"})")
                                               << QString("invalid starttls event: missing field 'protocol'");
}

void TestEventJson::tlsDecodeErrors() {
    checkDecodeError(400);  // says what is wrong, does not quote the file back
}

void TestEventJson::tlsWriterStaysWithinTheLimits() {
    // What the engine hands over is not bounded; what is written is, so it
    // always reads back (a peer may present a chain of 40 certificates).
    auto t = sampleTls(0);
    for (int i = 0; i < 40; ++i) {
        engine::CertificateInfo c = sampleCertificate(i);
        c.subject = "CN=" + std::string(3000, 'x') + "\xff\xfe";
        c.subjectAltNames.assign(600, "DNS:" + std::string(1100, 'd'));
        t->peerChain.push_back(c);
    }
    t->verifyResult = std::string(5000, '\xe9');  // not UTF-8: each byte becomes U+FFFD
    Event e = base(EventKind::TlsHandshake);
    e.tls = t;
    const std::string line = ej::encodeEvent(e);
    std::string error;
    const auto back = ej::decodeEvent(line, &error);
    QVERIFY2(back.has_value(), error.c_str());
    const engine::TlsHandshakeInfo* b = back->tlsInfo();
    QVERIFY(b);
    QCOMPARE(b->peerChain.size(), ej::kMaxTlsChain);
    QCOMPARE(b->peerChain[15].subjectAltNames.size(), ej::kMaxTlsSans);
    const std::string ellipsis = "\xe2\x80\xa6";
    QCOMPARE(b->peerChain[0].subject, "CN=" + std::string(1020, 'x') + ellipsis);
    QCOMPARE(b->peerChain[0].subjectAltNames[0], "DNS:" + std::string(1019, 'd') + ellipsis);
    std::string replaced;
    for (int i = 0; i < 1023; ++i) replaced += "\xef\xbf\xbd";
    QCOMPARE(b->verifyResult, replaced + ellipsis);
    // Within the limits, nothing is cut.
    Event small = base(EventKind::TlsHandshake);
    small.tls = sampleTls(16);
    QCOMPARE(*ej::decodeEvent(ej::encodeEvent(small)), small);
}

void TestEventJson::clampedUtf8() {
    QCOMPARE(engine::clampedUtf8("abc", 3), std::string("abc"));
    QCOMPARE(engine::clampedUtf8("abcd", 3), std::string("ab\xe2\x80\xa6"));
    QCOMPARE(engine::clampedUtf8("\xc3\xa9\xc3\xa9\xc3\xa9", 3), std::string("\xc3\xa9\xc3\xa9\xc3\xa9"));
    QCOMPARE(engine::clampedUtf8("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3), std::string("\xc3\xa9\xc3\xa9\xe2\x80\xa6"));
    QCOMPARE(engine::clampedUtf8("a\xff" "b", 5), std::string("a\xef\xbf\xbd" "b"));
    QCOMPARE(engine::clampedUtf8("ab", 1), std::string("\xe2\x80\xa6"));
    QCOMPARE(engine::clampedUtf8("", 1), std::string());
}

void TestEventJson::tooManyValuesInOneLine() {
    // A hostile line of many small values would cost far more parsed than its
    // size; it is refused, while a line just under the limit still reads.
    const auto line = [](std::size_t zeros) {
        std::string s = R"({"seq":1,"t_us":0,"channel":0,"event":"stopped","future":[)";
        for (std::size_t i = 0; i < zeros; ++i) s += i ? ",0" : "0";
        return s + "]}";
    };
    std::string error;
    // The object and its 5 members (the last the array) are 6 values.
    QVERIFY2(ej::decodeEvent(line(engine::kMaxJsonValues - 6), &error).has_value(), error.c_str());
    QVERIFY(!ej::decodeEvent(line(engine::kMaxJsonValues - 5), &error).has_value());
    QVERIFY2(QString::fromStdString(error).contains("more than 262144 values in one line"), error.c_str());
}

QTEST_GUILESS_MAIN(TestEventJson)
#include "tst_EventJson.moc"
