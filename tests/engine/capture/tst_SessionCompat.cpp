// tst_SessionCompat.cpp — session files written by earlier builds read back
// exactly as they did then.
//
// tests/engine/capture/data/v1/ holds real session files (format version 1)
// recorded by linewright-cli and by the engine at commit c9d8acd (see the
// README there), each with a `.golden` file beside it: what the reader of that
// build made of it. For every file this test reads it with SessionReader and
// renders, as text: the header and every event field by field (the Event's own
// members, not only their JSON), each event encoded again, the reader's
// summary, notes and truncation, the conversations and the transcript — and
// compares that with the golden file line by line. So a change in how a kind
// is decoded, stored in Event, encoded, counted, cut into conversations or
// shown in a transcript shows up as the first line that differs.
// Every .lwsession needs its .golden and every .golden its .lwsession.
//
// LW_UPDATE_GOLDEN=1 writes the golden files instead of comparing (only when
// the format's reading is meant to change, which within version 1 it is not).
#include "engine/capture/Conversation.h"
#include "engine/capture/EventJson.h"
#include "engine/capture/SessionReader.h"
#include "engine/capture/Transcript.h"
#include "engine/asyncore/Escape.h"

#include <QDir>
#include <QFile>
#include <QTest>

#include <sstream>
#include <string>
#include <vector>

#ifndef LW_SESSION_DATA
#error "LW_SESSION_DATA must name tests/engine/capture/data/v1"
#endif

namespace {

using engine::Event;

std::string esc(std::string_view s) { return engine::renderEscaped(s); }

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    if (from.empty()) return s;
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

void describeState(std::ostringstream& o, const engine::ChannelState& s) {
    o << "  state role=" << engine::channelRoleName(s.role) << " phase=" << engine::channelPhaseName(s.phase)
      << " parent=" << s.parent << " peer=" << esc(s.peer) << " local=" << esc(s.local) << " in=" << s.bytesIn
      << " out=" << s.bytesOut << " msgs_in=" << s.messagesIn << " msgs_out=" << s.messagesOut
      << " terminator=" << engine::terminatorSpec(s.terminator) << " in_buffer=" << s.inBufferSize
      << " out_buffer=" << s.outBufferSize << " max_message=" << s.maxMessage << " high_water=" << s.highWater
      << " echo=" << s.echo << " readable=" << s.readable << " writable=" << s.writable
      << " residue=" << esc(s.residue) << " pending=" << s.pendingMessage << " queued=" << s.queuedBytes
      << " fifo_entries=" << s.fifoEntries << " fifo=[";
    for (const auto& f : s.fifo) o << ' ' << f.kind << ':' << f.remaining;
    o << " ]\n";
}

void describeTrace(std::ostringstream& o, const engine::LoopTrace& t) {
    o << "  trace pass=" << t.pass << " backend=" << engine::backendName(t.backend) << " waited_us=" << t.waitedUs
      << " polled=[";
    for (const auto& p : t.polled) o << ' ' << p.channel << ':' << p.readable << p.writable;
    o << " ] ready=[";
    for (const auto& r : t.ready) o << ' ' << r.channel << ':' << r.bits;
    o << " ] dispatched=[";
    for (const auto& d : t.dispatched) o << ' ' << d.channel << ':' << engine::hookName(d.hook);
    o << " ] waiting=[";
    for (const auto& w : t.waiting)
        o << ' ' << w.channel << ':' << w.bytes << ':' << w.readable << w.writable << ':' << w.bits << ':'
          << esc(w.next);
    o << " ]\n";
}

void describeEvent(std::ostringstream& o, const Event& e) {
    o << "event seq=" << e.seq << " t_us=" << e.tUs << " channel=" << e.channel
      << " kind=" << engine::eventKindName(e.kind) << " sub=" << static_cast<int>(e.sub) << " size=" << e.size
      << " count=" << e.count << " parent=" << e.parent << " error=" << e.error << " data=" << esc(e.data)
      << " info=" << esc(e.info) << " aux=" << esc(e.aux) << '\n';
    if (e.state) describeState(o, *e.state);
    if (e.trace) describeTrace(o, *e.trace);
    o << "  json " << engine::eventjson::encodeEvent(e) << '\n';
}

void describeDirection(std::ostringstream& o, const char* name, const engine::StreamDirection& d) {
    o << "  " << name << " recorded=" << d.recorded << " bytes=" << esc(d.bytes) << '\n';
    for (const auto& c : d.chunks)
        o << "    chunk offset=" << c.offset << " size=" << c.size << " t_us=" << c.tUs << " seq=" << c.seq << '\n';
    for (const auto& m : d.messages)
        o << "    message offset=" << m.offset << " size=" << m.size << " t_us=" << m.tUs << " seq=" << m.seq
          << " wire_us=" << m.wireUs << " wire_seq=" << m.wireSeq << " terminated=" << m.terminated
          << " terminator=" << engine::terminatorSpec(m.terminator) << " terminator_size=" << m.terminatorSize << '\n';
}

void describeConversation(std::ostringstream& o, const engine::Conversation& c) {
    o << "conversation channel=" << c.channel << " role=" << engine::channelRoleName(c.role) << " parent=" << c.parent
      << " local=" << esc(c.local) << " peer=" << esc(c.peer) << " first=" << c.firstUs << '/' << c.firstSeq
      << " connected=" << c.connectedUs << '/' << c.connectedSeq << " half_closed=" << c.halfClosedUs << '/'
      << c.halfClosedSeq << " closed=" << c.closed << " reason=" << engine::closeReasonName(c.closeReason)
      << " detail=" << esc(c.closeDetail) << " errno=" << c.closeErrno << " closed_at=" << c.closedUs << '/'
      << c.closedSeq << " closed_bytes=" << c.closedBytesIn << '/' << c.closedBytesOut << " last=" << c.lastUs
      << " input_terminator=" << (c.inputTerminator ? engine::terminatorSpec(*c.inputTerminator) : "?")
      << " server_closed=" << c.serverClosed() << " client_closed=" << c.clientClosed() << '\n';
    describeDirection(o, "in", c.in);
    describeDirection(o, "out", c.out);
}

/// What the reader makes of the session file at `path`, as text. Messages
/// name the file by `name` (not its path), so the text does not depend on
/// where the tree is.
std::string describeSession(const std::string& path, const std::string& name) {
    std::ostringstream o;
    engine::SessionReader r;
    if (!r.open(path)) {
        o << "open failed: " << replaceAll(r.error(), path, name) << '\n';
        return o.str();
    }
    std::string header;
    engine::eventjson::appendHeader(header, r.header());
    o << "header " << header;
    std::vector<Event> events;
    Event e;
    while (r.next(e)) {
        describeEvent(o, e);
        events.push_back(e);
    }
    if (r.failed()) o << "error: " << replaceAll(r.error(), path, name) << '\n';
    if (!r.truncation().empty()) o << "truncation: " << replaceAll(r.truncation(), path, name) << '\n';
    for (const std::string& note : r.notes()) o << "note: " << replaceAll(note, path, name) << '\n';
    const engine::SessionSummary& s = r.summary();
    o << "summary events=" << s.events << " channels=" << s.channels << " connections=" << s.connections
      << " listeners=" << s.listeners << " first_us=" << s.firstUs << " last_us=" << s.lastUs
      << " bytes_in=" << s.bytesIn << " bytes_out=" << s.bytesOut << " messages_in=" << s.messagesIn
      << " messages_out=" << s.messagesOut << " errors=" << s.errors << " warnings=" << s.warnings
      << " stopped=" << s.stopped << " complete=" << r.complete() << '\n';
    const engine::SessionSummary again = engine::SessionReader::summarize(events);
    o << "summarize bytes_in=" << again.bytesIn << " bytes_out=" << again.bytesOut
      << " messages_in=" << again.messagesIn << " messages_out=" << again.messagesOut << '\n';
    for (const engine::Conversation& c : engine::extractConversations(events, r.header().level))
        describeConversation(o, c);
    o << "transcript\n" << engine::Transcript::render(r.header(), events);
    engine::TranscriptOptions wall;
    wall.wallClock = true;
    o << "transcript (UTC)\n" << engine::Transcript::render(r.header(), events, wall);
    return o.str();
}

std::vector<std::string> splitLines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

bool updating() { return qEnvironmentVariableIntValue("LW_UPDATE_GOLDEN") == 1; }

}  // namespace

class TestSessionCompat : public QObject {
    Q_OBJECT
private slots:
    void everyFileHasItsGolden();
    void readsAsBefore_data();
    void readsAsBefore();
};

void TestSessionCompat::everyFileHasItsGolden() {
    const QDir dir(QStringLiteral(LW_SESSION_DATA));
    const QStringList sessions = dir.entryList({QStringLiteral("*.lwsession")}, QDir::Files, QDir::Name);
    QVERIFY2(sessions.size() >= 10, "the v1 session files are missing");
    if (updating()) return;
    for (const QString& s : sessions) {
        const QString golden = s.chopped(int(sizeof("lwsession") - 1)) + QStringLiteral("golden");
        QVERIFY2(dir.exists(golden), qPrintable(s + QStringLiteral(" has no ") + golden));
    }
    for (const QString& g : dir.entryList({QStringLiteral("*.golden")}, QDir::Files, QDir::Name)) {
        const QString session = g.chopped(int(sizeof("golden") - 1)) + QStringLiteral("lwsession");
        QVERIFY2(dir.exists(session), qPrintable(g + QStringLiteral(" has no ") + session));
    }
}

void TestSessionCompat::readsAsBefore_data() {
    QTest::addColumn<QString>("file");
    const QDir dir(QStringLiteral(LW_SESSION_DATA));
    for (const QString& s : dir.entryList({QStringLiteral("*.lwsession")}, QDir::Files, QDir::Name))
        QTest::newRow(qPrintable(s)) << s;
}

void TestSessionCompat::readsAsBefore() {
    QFETCH(QString, file);
    const QDir dir(QStringLiteral(LW_SESSION_DATA));
    const QString goldenPath = dir.filePath(file.chopped(int(sizeof("lwsession") - 1)) + QStringLiteral("golden"));
    const std::string now = describeSession(dir.filePath(file).toStdString(), file.toStdString());
    if (updating()) {
        QFile f(goldenPath);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(f.write(now.data(), static_cast<qint64>(now.size())), static_cast<qint64>(now.size()));
        return;
    }
    const QByteArray golden = readAll(goldenPath);
    QVERIFY2(!golden.isEmpty(), qPrintable(goldenPath + QStringLiteral(" is missing or empty")));
    const std::vector<std::string> want = splitLines(golden.toStdString());
    const std::vector<std::string> got = splitLines(now);
    for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
        if (want[i] == got[i]) continue;
        const std::string why = "line " + std::to_string(i + 1) + " differs\n   got: " + got[i] + "\n  want: " + want[i];
        QFAIL(why.c_str());
    }
    QCOMPARE(got.size(), want.size());
}

QTEST_GUILESS_MAIN(TestSessionCompat)
#include "tst_SessionCompat.moc"
