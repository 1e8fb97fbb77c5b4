// tst_SessionReader.cpp — engine::SessionReader: session files read back,
// cut short, and corrupted.
//
// Covered: a real session (a Reactor's events, encoded) reads back event for
// event; a file cut anywhere in its last line reads up to the line before,
// and says which line and byte; a file cut between lines reads whole, and
// says it has no `stopped`; every kind of corruption — not JSON, not an
// event, a bad header, a newer version, seq out of order, an event after
// `stopped`, a line over the limit, a read of a directory — is an error
// naming the line; seq gaps and blank lines; CRLF line ends; the summary;
// load() with progress and cancel; and, cut at every byte and with bytes
// flipped everywhere, no crash. A STARTTLS session written by
// SessionRecorder (compact) reads back event for event, the handshake's
// chain included; a hostile tls_handshake line (a chain of 17, a subject
// with control bytes beyond the limit) is an error naming the line, quoted
// escaped.
#include "engine/capture/SessionReader.h"

#include "ReplayTestSupport.h"
#include "TlsTestSupport.h"

#include "engine/capture/SessionRecorder.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

namespace {

using engine::Event;
using engine::EventKind;
using engine::LoadedSession;
using engine::SessionReader;
namespace eventjson = engine::eventjson;

std::string encode(const lwtest::Recorded& r) {
    std::string text;
    eventjson::appendHeader(text, r.header);
    for (const Event& e : r.events) eventjson::appendEvent(text, e);
    return text;
}

std::optional<LoadedSession> loadText(std::string text, std::string* error = nullptr) {
    std::string why;
    auto s = SessionReader::loadData(std::move(text), "s.jsonl", &why);
    if (error) *error = why;
    return s;
}

const std::string kHeader =
    R"({"format":"linewright-session","version":1,"tool":"t","tool_version":"1","start":"2026-05-01T12:00:00.000000Z","start_unix_us":1777636800000000})"
    "\n";
std::string line(int seq, const std::string& rest = R"("channel":0,"event":"paused")") {
    return "{\"seq\":" + std::to_string(seq) + ",\"t_us\":" + std::to_string(seq * 10) + "," + rest + "}\n";
}

const lwtest::Recorded& sample() {
    static const lwtest::Recorded r = [] {
        lwtest::ScriptedServer server(lwtest::ScriptedServer::echo);
        lwtest::ClientScript cs;
        cs.requests = {"one\n", std::string("two \xff\0\n", 7)};
        return lwtest::recordClient(server.port(), cs);
    }();
    return r;
}

}  // namespace

class TestSessionReader : public QObject {
    Q_OBJECT

private slots:
    void readsBackEventForEvent();
    void cutInTheLastLine();
    void cutBetweenLines();
    void corruptions_data();
    void corruptions();
    void gapsBlankLinesAndCrlf();
    void gapsAndNegativeTimesAreSaidOnce();
    void headerIsChecked_data();
    void headerIsChecked();
    void errorsAreEscaped();
    void headerLineIsBounded();
    void lineLimit();
    void files();
    void summary();
    void progressAndCancel();
    void neverCrashes();
    void tlsSessionReadsBack();
    void hostileTlsLines();
};

void TestSessionReader::readsBackEventForEvent() {
    const lwtest::Recorded& r = sample();
    std::string error;
    const auto s = loadText(encode(r), &error);
    QVERIFY2(s, error.c_str());
    QCOMPARE(s->header, r.header);
    QCOMPARE(s->events.size(), r.events.size());
    for (std::size_t i = 0; i < r.events.size(); ++i) {
        QCOMPARE(eventjson::encodeEvent(s->events[i]), eventjson::encodeEvent(r.events[i]));
        if (r.events[i].kind != EventKind::Closed) QVERIFY(s->events[i] == r.events[i]);
    }
    QVERIFY(s->complete());
    QVERIFY(s->truncation.empty());
    QVERIFY(s->notes.empty());
}

void TestSessionReader::cutInTheLastLine() {
    const std::string full = encode(sample());
    // Cut inside the last line (`stopped`), then inside a data line.
    const std::size_t lastStart = full.rfind('\n', full.size() - 2) + 1;
    const std::size_t lines = static_cast<std::size_t>(std::count(full.begin(), full.end(), '\n'));
    for (std::size_t cut = lastStart + 1; cut < full.size() - 1; ++cut) {
        std::string error;
        const auto s = loadText(full.substr(0, cut), &error);
        QVERIFY2(s, error.c_str());
        QCOMPARE(s->events.size(), sample().events.size() - 1);
        QVERIFY(!s->complete());
        const std::string expected = "s.jsonl: line " + std::to_string(lines) + " is incomplete (the file ends " +
                                     std::to_string(cut - lastStart) + " bytes into it, at byte offset " +
                                     std::to_string(cut) + "): the session was cut short there; " +
                                     std::to_string(sample().events.size() - 1) + " events read";
        QCOMPARE(s->truncation, expected);
        QCOMPARE(s->notes.size(), 1u);
        QVERIFY2(s->notes[0].find("no 'stopped' event") != std::string::npos, s->notes[0].c_str());
    }
    // A collect line cut in the middle of its base64.
    const std::size_t collect = full.find("\"event\":\"collect\"");
    const std::size_t cut = full.find("data_b64", collect) + 14;
    const auto s = loadText(full.substr(0, cut));
    QVERIFY(s);
    QVERIFY(!s->truncation.empty());
    const auto linesBefore = static_cast<std::size_t>(std::count(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(collect), '\n'));
    QCOMPARE(s->events.size(), linesBefore - 1);  // every event before the cut line (the header is not one)
}

void TestSessionReader::cutBetweenLines() {
    const std::string full = encode(sample());
    const std::size_t end = full.rfind('\n', full.size() - 2) + 1;  // without the `stopped` line
    const auto s = loadText(full.substr(0, end));
    QVERIFY(s);
    QVERIFY(s->truncation.empty());
    QVERIFY(!s->complete());
    QCOMPARE(s->notes.size(), 1u);
    // A last line that is complete but has no newline is a normal line.
    const auto t = loadText(full.substr(0, full.size() - 1));
    QVERIFY(t && t->complete() && t->truncation.empty());
}

void TestSessionReader::corruptions_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error");
    const QByteArray h = QByteArray::fromStdString(kHeader);
    QTest::newRow("empty") << QByteArray() << "s.jsonl: the file is empty; a session starts with a header line";
    QTest::newRow("not a session") << QByteArray("{\"hello\":1}\n")
                                   << "s.jsonl: line 1: not a linewright session (the header's \"format\" is not \"linewright-session\")";
    QTest::newRow("binary") << QByteArray("\x89PNG\r\n\x1a\n", 8) << "s.jsonl: line 1: not valid JSON: invalid number at offset 0";
    QTest::newRow("newer version")
        << QByteArray("{\"format\":\"linewright-session\",\"version\":7}\n")
        << "s.jsonl: line 1: session format version 7 is not supported (this build reads 1 to 1)";
    QTest::newRow("header cut short") << QByteArray("{\"format\":\"linewright-ses")
                                      << "s.jsonl: line 1 is incomplete (the file ends 25 bytes into the header): not valid JSON: unterminated string at offset 25";
    QTest::newRow("bad json in the middle")
        << h + QByteArray::fromStdString(line(1)) + "{\"seq\":2,\n" + QByteArray::fromStdString(line(3))
        << "s.jsonl: line 3 (byte offset " + QString::number(kHeader.size() + line(1).size()) +
               "): not valid JSON: expected a field name at offset 9";
    QTest::newRow("missing field")
        << h + QByteArray::fromStdString(line(1, R"("channel":1,"event":"collect","data_b64":"YQ==","text":"a")")) + QByteArray::fromStdString(line(2))
        << "s.jsonl: line 2 (byte offset " + QString::number(kHeader.size()) + "): invalid collect event: missing field 'size'";
    QTest::newRow("unknown event")
        << h + QByteArray::fromStdString(line(1, R"("channel":1,"event":"teleported")")) + QByteArray::fromStdString(line(2))
        << "s.jsonl: line 2 (byte offset " + QString::number(kHeader.size()) + "): unknown event kind 'teleported'";
    QTest::newRow("seq backwards") << h + QByteArray::fromStdString(line(2) + line(1))
                                   << "s.jsonl: line 3: seq 1 does not follow 2 (events must be in increasing seq order)";
    QTest::newRow("seq 0") << h + QByteArray::fromStdString(line(0)) << "s.jsonl: line 2: seq 0; events are numbered from 1";
    QTest::newRow("after stopped")
        << h + QByteArray::fromStdString(line(1, R"("channel":0,"event":"stopped")") + line(2))
        << "s.jsonl: line 3: a 'paused' event follows 'stopped', which must be the last event";
    QTest::newRow("size lies")
        << h + QByteArray::fromStdString(line(1, R"("channel":1,"event":"sent","size":5,"data_b64":"YQ==","text":"a")")) + "\n"
        << "s.jsonl: line 2 (byte offset " + QString::number(kHeader.size()) + "): invalid sent event: 'size' does not match the bytes";
}

void TestSessionReader::corruptions() {
    QFETCH(QByteArray, text);
    QFETCH(QString, error);
    std::string why;
    QVERIFY(!loadText(text.toStdString(), &why));
    QCOMPARE(QString::fromStdString(why), error);
}

void TestSessionReader::gapsBlankLinesAndCrlf() {
    std::string text = kHeader + line(1) + "\n   \n" + line(5);
    text.insert(text.size() - 1, "\r");  // a CRLF line end
    const auto s = loadText(text);
    QVERIFY(s);
    QCOMPARE(s->events.size(), 2u);
    QCOMPARE(s->notes.size(), 2u);
    QCOMPARE(s->notes[0], std::string("s.jsonl: warning: seq has 1 gap (3 events are not in the file; the first at "
                                      "line 5: seq jumps from 1 to 5)"));
}

void TestSessionReader::gapsAndNegativeTimesAreSaidOnce() {
    // Many gaps and many negative times: one warning line each, with a count.
    std::string text = kHeader;
    for (int seq = 1; seq <= 200; seq += 2)
        text += "{\"seq\":" + std::to_string(seq) + ",\"t_us\":" + std::to_string(-seq) +
                ",\"channel\":0,\"event\":\"paused\"}\n";
    const auto s = loadText(text);
    QVERIFY(s);
    QCOMPARE(s->events.size(), 100u);
    QCOMPARE(s->notes.size(), 3u);
    QCOMPARE(s->notes[0], std::string("s.jsonl: warning: seq has 99 gaps (99 events are not in the file; the first "
                                      "at line 3: seq jumps from 1 to 3)"));
    QCOMPARE(s->notes[1], std::string("s.jsonl: warning: 100 events have a negative t_us, a time before the session "
                                      "started (the first at line 2: t_us -1)"));
}

void TestSessionReader::headerIsChecked_data() {
    QTest::addColumn<QByteArray>("field");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QString>("error");
    const QString prefix = "s.jsonl: line 1: invalid session header: ";
    QTest::newRow("level unknown") << QByteArray("level") << QByteArray("everything")
                                   << prefix + "field 'level' is 'everything'; expected full, messages or lifecycle";
    QTest::newRow("backend unknown") << QByteArray("backend") << QByteArray("kqueue")
                                     << prefix + "field 'backend' is 'kqueue'; expected select, poll or epoll";
    QTest::newRow("start not a time") << QByteArray("start") << QByteArray("yesterday")
                                      << prefix + "field 'start' is not an ISO 8601 UTC time like "
                                                  "2026-05-01T12:00:00.123456Z ('yesterday')";
    QTest::newRow("start no such day") << QByteArray("start") << QByteArray("2026-02-30T12:00:00.000000Z")
                                       << prefix + "field 'start' is not an ISO 8601 UTC time like "
                                                   "2026-05-01T12:00:00.123456Z ('2026-02-30T12:00:00.000000Z')";
    QTest::newRow("tool too long") << QByteArray("tool") << QByteArray(300, 'x')
                                   << prefix + "field 'tool' is 300 bytes long (at most 256)";
    // Control bytes are refused, and quoted escaped: ESC, OSC 52, BEL, CSI (C1), DEL.
    QTest::newRow("tool ESC") << QByteArray("tool") << QByteArray("\\u001b[2J")
                              << prefix + "field 'tool' holds control bytes or bytes that are not UTF-8 ('\\x1b[2J')";
    QTest::newRow("tool_version OSC 52") << QByteArray("tool_version") << QByteArray("\\u001b]52;c;aGk=\\u0007")
                                         << prefix + "field 'tool_version' holds control bytes or bytes that are not "
                                                     "UTF-8 ('\\x1b]52;c;aGk=\\x07')";
    QTest::newRow("backend C1 CSI") << QByteArray("backend") << QByteArray("\\u009b2J")
                                    << prefix + "field 'backend' holds control bytes or bytes that are not UTF-8 "
                                                "('\\xc2\\x9b2J')";
    QTest::newRow("level DEL") << QByteArray("level") << QByteArray("full\\u007f")
                               << prefix + "field 'level' holds control bytes or bytes that are not UTF-8 ('full\\x7f')";
    QTest::newRow("start newline") << QByteArray("start") << QByteArray("2026-05-01T12:00:00Z\\n")
                                   << prefix + "field 'start' holds control bytes or bytes that are not UTF-8 "
                                               "('2026-05-01T12:00:00Z\\n')";
}

void TestSessionReader::headerIsChecked() {
    QFETCH(QByteArray, field);
    QFETCH(QByteArray, value);
    QFETCH(QString, error);
    QMap<QByteArray, QByteArray> fields{{"tool", "t"},
                                        {"tool_version", "1"},
                                        {"start", "2026-05-01T12:00:00.000000Z"},
                                        {"backend", "poll"},
                                        {"level", "full"}};
    fields[field] = value;
    std::string text = R"({"format":"linewright-session","version":1,"start_unix_us":1777636800000000)";
    for (auto it = fields.cbegin(); it != fields.cend(); ++it)
        text += ",\"" + it.key().toStdString() + "\":\"" + it.value().toStdString() + "\"";
    text += "}\n" + line(1);
    std::string why;
    QVERIFY(!loadText(text, &why));
    QCOMPARE(QString::fromStdString(why), error);
    // The same header with the good value reads.
    fields[field] = field == "tool" ? "t" : field == "tool_version" ? "1" : field == "start" ? "2026-05-01T12:00:00Z"
                                          : field == "backend"                               ? "epoll"
                                                                                             : "lifecycle";
    text = R"({"format":"linewright-session","version":1,"start_unix_us":1777636800000000)";
    for (auto it = fields.cbegin(); it != fields.cend(); ++it)
        text += ",\"" + it.key().toStdString() + "\":\"" + it.value().toStdString() + "\"";
    text += "}\n" + line(1);
    QVERIFY2(loadText(text, &why), why.c_str());
}

void TestSessionReader::errorsAreEscaped() {
    // An unknown event name quoted in the error, and the file's name: no control byte gets through.
    std::string why;
    QVERIFY(!SessionReader::loadData(kHeader + line(1, R"("channel":0,"event":"x\u001b]52;c;aGk=\u0007\u001b[2J")"),
                                     "n\x1b[1m.jsonl", &why));
    QCOMPARE(why, std::string("n\\x1b[1m.jsonl: line 2 (byte offset ") + std::to_string(kHeader.size()) +
                      "): unknown event kind 'x\\x1b]52;c;aGk=\\x07\\x1b[2J'");
}

void TestSessionReader::headerLineIsBounded() {
    // A file that is not a session (a device's zeros) is refused after
    // kMaxHeaderLine bytes, not after the 512 MiB a data line may take.
    SessionReader r;
    QVERIFY(!r.openData(std::string(SessionReader::kMaxHeaderLine * 4, '\0'), "zeros"));
    QCOMPARE(r.error(), "zeros: line 1 is longer than " + std::to_string(SessionReader::kMaxHeaderLine) +
                            " bytes (at byte offset 0); this is not a session file");
    QVERIFY(r.bytesRead() == 0);
}

void TestSessionReader::lineLimit() {
    SessionReader r;
    r.setMaxLineBytes(200);
    QVERIFY(r.openData(kHeader + line(1) + "{\"seq\":2" + std::string(300, ' ') + "}\n", "big"));
    engine::Event e;
    QVERIFY(r.next(e));
    QVERIFY(!r.next(e));
    QVERIFY(r.failed());
    QCOMPARE(r.error(), "big: line 3 is longer than 200 bytes (at byte offset " +
                            std::to_string(kHeader.size() + line(1).size()) + "); this is not a session file");
}

void TestSessionReader::files() {
    std::string error;
    QVERIFY(!SessionReader::load("/no/such/session.jsonl", &error));
    QCOMPARE(error, std::string("/no/such/session.jsonl: cannot open it: No such file or directory"));
    QVERIFY(!SessionReader::load("/", &error));
    QVERIFY2(error.find("/: ") == 0, error.c_str());
}

void TestSessionReader::summary() {
    const auto s = loadText(encode(sample()));
    const engine::SessionSummary& m = s->summary;
    QCOMPARE(m.events, sample().events.size());
    QCOMPARE(m.channels, 1u);
    QCOMPARE(m.connections, 1u);
    QCOMPARE(m.listeners, 0u);
    QCOMPARE(m.bytesOut, 11u);   // "one\n" + "two \xff\0\n"
    QCOMPARE(m.bytesIn, 11u);    // echoed
    QCOMPARE(m.messagesIn, 2u);
    QCOMPARE(m.messagesOut, 2u);
    QVERIFY(m.stopped);
    QVERIFY(m.durationUs() > 0);
    QCOMPARE(m.durationUs(), sample().events.back().tUs - sample().events.front().tUs);
    QCOMPARE(SessionReader::summarize(sample().events).bytesIn, 11u);
}

void TestSessionReader::progressAndCancel() {
    // A large file: the progress callback runs; returning false cancels.
    QTemporaryDir dir;
    const std::string path = dir.filePath("big.jsonl").toStdString();
    {
        std::string text = kHeader;
        for (int i = 1; i <= 40000; ++i) text += line(i, R"("channel":1,"event":"collect","size":64,"data_b64":")" + std::string(84, 'A') + R"(8=","text":"x")");
        std::FILE* f = std::fopen(path.c_str(), "wb");
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
    }
    std::string error;
    std::vector<std::uint64_t> seen;
    // (The base64 above does not decode to 64 bytes: the first event is an error.)
    QVERIFY(!SessionReader::load(path, &error));
    QVERIFY2(error.find("line 2") != std::string::npos, error.c_str());
    {
        std::string text = kHeader;
        for (int i = 1; i <= 40000; ++i) text += line(i, R"("channel":1,"event":"collect","size":48,"data_b64":")" + std::string(64, 'A') + R"(","text":"x")");
        std::FILE* f = std::fopen(path.c_str(), "wb");
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
    }
    const auto s = SessionReader::load(path, &error, [&](std::uint64_t done, std::uint64_t total) {
        seen.push_back(done);
        return total > 0;
    });
    QVERIFY2(s, error.c_str());
    QCOMPARE(s->events.size(), 40000u);
    QVERIFY(seen.size() >= 3);
    QVERIFY(std::is_sorted(seen.begin(), seen.end()));
    QVERIFY(!SessionReader::load(path, &error, [](std::uint64_t, std::uint64_t) { return false; }));
    QCOMPARE(error, std::string("cancelled"));
}

void TestSessionReader::neverCrashes() {
    const std::string full = encode(sample());
    for (std::size_t cut = 0; cut <= full.size(); cut += 7) {
        std::string error;
        loadText(full.substr(0, cut), &error);
    }
    for (std::size_t i = 0; i < full.size(); i += 3) {
        for (char c : {'\0', '"', '{', '}', '\n', '9', '\xff', '\\'}) {
            std::string bad = full;
            bad[i] = c;
            std::string error;
            if (!loadText(bad, &error)) QVERIFY(!error.empty());
        }
    }
}

void TestSessionReader::tlsSessionReadsBack() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("tls.lwsession").toStdString();
    const auto events = lwtest::startTlsSession();
    std::string error;
    QVERIFY2(engine::SessionRecorder::writeFile(path, lwtest::tlsSessionHeader(), events, &error), error.c_str());
    SessionReader r;
    QVERIFY2(r.open(path), r.error().c_str());
    std::vector<Event> back;
    Event e;
    while (r.next(e)) back.push_back(e);
    QVERIFY2(!r.failed(), r.error().c_str());
    QVERIFY(r.complete());
    QCOMPARE(back.size(), events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        QCOMPARE(eventjson::encodeEvent(back[i]), eventjson::encodeEvent(events[i]));
        if (events[i].kind != EventKind::Closed) QVERIFY(back[i] == events[i]);
    }
    const auto hs = std::find_if(back.begin(), back.end(), [](const Event& x) { return x.kind == EventKind::TlsHandshake; });
    QVERIFY(hs != back.end());
    const engine::TlsHandshakeInfo* info = hs->tlsInfo();
    QVERIFY(info);
    QCOMPARE(info->peerChain.size(), 2u);
    QCOMPARE(info->peerChain[0].subject, lwtest::tlsClientHandshake()->peerChain[0].subject);
    // The summary counts the plaintext.
    QCOMPARE(r.summary().bytesIn, 23u);
    QCOMPARE(r.summary().bytesOut, 16u);
}

void TestSessionReader::hostileTlsLines() {
    std::string chain = "[";
    for (int i = 0; i < 17; ++i) chain += std::string(i ? "," : "") + R"({"subject":"a","issuer":"b","sha256":"c"})";
    chain += "]";
    const std::string head = R"("channel":1,"event":"tls_handshake","version":"TLSv1.3","cipher":"X","server":false,)"
                             R"("verified":false,"verify_result":"x",)";
    std::string why;
    QVERIFY(!loadText(kHeader + line(1, head + R"("peer_chain":)" + chain), &why));
    QCOMPARE(why, "s.jsonl: line 2 (byte offset " + std::to_string(kHeader.size()) +
                      "): invalid tls_handshake event: field 'peer_chain' has 17 certificates, more than 16");
    // A subject of control bytes over the limit: refused, and the message
    // does not carry the bytes.
    std::string subject;
    for (int i = 0; i < 600; ++i) subject += "\\u001b[2J";
    QVERIFY(!loadText(kHeader + line(1, head + R"("peer_chain":[{"subject":")" + subject + R"(","issuer":"b","sha256":"c"}])"), &why));
    QCOMPARE(why, "s.jsonl: line 2 (byte offset " + std::to_string(kHeader.size()) +
                      "): invalid tls_handshake event: in 'peer_chain' certificate 1: field 'subject' is longer than 1024 "
                      "characters");
    // Within the limits the same bytes read, kept as they are (escaped where shown).
    const auto ok = loadText(kHeader + line(1, head + R"("peer_chain":[{"subject":"\u001b[2J\u0007","issuer":"b","sha256":"c"}])"), &why);
    QVERIFY2(ok, why.c_str());
    const engine::TlsHandshakeInfo* info = ok->events.at(0).tlsInfo();
    QVERIFY(info);
    QCOMPARE(info->peerChain.at(0).subject, std::string("\x1b[2J\x07"));
}

QTEST_GUILESS_MAIN(TestSessionReader)
#include "tst_SessionReader.moc"
