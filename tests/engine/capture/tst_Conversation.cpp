// tst_Conversation.cpp — engine::extractConversations(): the wire bytes and
// messages of each recorded connection.
//
// Covered, on sessions recorded by real Reactors over loopback (a client and
// the server it talked to): the received stream is the collect bytes with
// the terminators put back, equal to what the peer sent and to the `closed`
// byte counters; the sent stream is the sent bytes, cut into messages at the
// pushes; the client/server view of both sides; a half-close; the residue of
// a partial terminator at close. On hand-made events: a count terminator's
// records, a file push of unknown size resolved by its producer_exhausted,
// pushes never sent, levels that leave bytes out; selectConversation();
// the TLS marks of a STARTTLS session; a proxy's two legs joined into one
// conversation between the real client and the real server.
#include "engine/capture/Conversation.h"

#include "ReplayTestSupport.h"
#include "TlsTestSupport.h"

#include <QTest>

namespace {

using engine::ChannelId;
using engine::Conversation;
using engine::Event;
using engine::EventKind;
using engine::Terminator;

std::string messagesOf(const engine::StreamDirection& d) {
    std::string s;
    for (const engine::StreamMessage& m : d.messages) s += "[" + std::string(d.messageBytes(m)) + (m.terminated ? "" : "~") + "]";
    return s;
}

/// Events for hand-made sessions.
class Builder {
public:
    Event& add(EventKind k, ChannelId ch = 1) {
        Event e;
        e.seq = ++m_seq;
        e.tUs = static_cast<std::int64_t>(m_seq) * 10;
        e.channel = ch;
        e.kind = k;
        events.push_back(std::move(e));
        return events.back();
    }
    void collect(std::string data, ChannelId ch = 1) {
        Event& e = add(EventKind::Collect, ch);
        e.size = static_cast<std::int64_t>(data.size());
        e.data = std::move(data);
    }
    void found(const Terminator& t, std::int64_t size, ChannelId ch = 1) {
        Event& e = add(EventKind::FoundTerminator, ch);
        e.setTerminator(t);
        e.size = size;
    }
    void push(std::int64_t size, engine::ProducerKind kind = engine::ProducerKind::Bytes, ChannelId ch = 1) {
        Event& e = add(EventKind::Push, ch);
        e.sub = static_cast<std::uint8_t>(kind);
        e.size = size;
    }
    void sent(std::string data, ChannelId ch = 1) {
        Event& e = add(EventKind::Sent, ch);
        e.size = static_cast<std::int64_t>(data.size());
        e.data = std::move(data);
    }
    void connected(ChannelId ch = 1) {
        Event& e = add(EventKind::Connected, ch);
        e.info = "127.0.0.1:7000";
        e.aux = "127.0.0.1:50000";
    }
    std::vector<Event> events;

private:
    std::uint64_t m_seq = 0;
};

}  // namespace

class TestConversation : public QObject {
    Q_OBJECT

private slots:
    void bothSidesOfARealConnection();
    void halfCloseAndServerClose();
    void residueIsReceivedBytes();
    void countTerminatorRecords();
    void receivedBytesOfAPlainDispatcher();
    void filePushOfUnknownSize();
    void pushesNeverSentAreLeftOut();
    void levelsThatLeaveBytesOut();
    void selectingAConversation();
    void tlsMarks();
    void proxiedLegsAreOneConversation();
};

void TestConversation::bothSidesOfARealConnection() {
    lwtest::ScriptedServer server([](std::size_t i, const std::string& body) -> std::optional<std::string> {
        return "reply " + std::to_string(i) + ": " + body + "\r\n";
    });
    lwtest::ClientScript script;
    script.requests = {"alpha\r\n", "beta\r\n", "\r\n"};
    const lwtest::Recorded client = lwtest::recordClient(server.port(), script);
    const lwtest::Recorded serverSide = server.stop();

    const auto cc = client.conversations();
    QCOMPARE(cc.size(), 1u);
    const Conversation& c = cc[0];
    QCOMPARE(c.role, engine::ChannelRole::Client);
    QVERIFY(c.localIsClient());
    QCOMPARE(c.serverAddress(), "127.0.0.1:" + std::to_string(server.port()));
    QVERIFY(c.in.recorded && c.out.recorded);
    QCOMPARE(c.out.bytes, std::string("alpha\r\nbeta\r\n\r\n"));
    QCOMPARE(messagesOf(c.out), std::string("[alpha\r\n][beta\r\n][\r\n]"));
    // The client frames with '\n': the server's CR stays in the message.
    QCOMPARE(c.in.bytes, std::string("reply 1: alpha\r\r\nreply 2: beta\r\r\nreply 3: \r\r\n"));
    QCOMPARE(messagesOf(c.in), std::string("[reply 1: alpha\r\r\n][reply 2: beta\r\r\n][reply 3: \r\r\n]"));
    QCOMPARE(c.in.messages[0].terminator, Terminator::bytes("\n"));
    QCOMPARE(c.in.messages[0].terminatorSize, 1u);
    QVERIFY(c.closed);
    QCOMPARE(c.closeReason, engine::CloseReason::Local);
    QCOMPARE(c.closedBytesIn, static_cast<std::int64_t>(c.in.bytes.size()));
    QCOMPARE(c.closedBytesOut, static_cast<std::int64_t>(c.out.bytes.size()));
    QVERIFY(c.clientClosed());
    QVERIFY(!c.serverClosed());
    for (const engine::StreamMessage& m : c.out.messages) QVERIFY(m.wireSeq >= m.seq && m.wireUs >= 0);

    // The same connection seen by the server.
    const auto sc = serverSide.conversations();
    QCOMPARE(sc.size(), 1u);
    const Conversation& s = sc[0];
    QCOMPARE(s.role, engine::ChannelRole::Accepted);
    QVERIFY(!s.localIsClient());
    QCOMPARE(s.clientToServer().bytes, c.clientToServer().bytes);
    QCOMPARE(s.serverToClient().bytes, c.serverToClient().bytes);
    QCOMPARE(s.clientAddress(), c.clientAddress());
    QCOMPARE(s.serverAddress(), c.serverAddress());
    QCOMPARE(messagesOf(s.in), std::string("[alpha\r\n][beta\r\n][\r\n]"));  // framed by its '\n'
    QCOMPARE(s.out.messages.size(), 3u);                                    // one push per reply
    QVERIFY(s.clientClosed());
}

void TestConversation::halfCloseAndServerClose() {
    lwtest::ScriptedServer::Options so;
    so.closeAfter = 2;
    lwtest::ScriptedServer server(lwtest::ScriptedServer::echo, so);
    lwtest::ClientScript script;
    script.requests = {"one\n", "two\n"};
    script.end = lwtest::ClientScript::End::WaitForServerClose;
    const auto c = lwtest::recordClient(server.port(), script).conversations().at(0);
    QVERIFY(c.serverClosed());
    QVERIFY(!c.clientClosed());
    QCOMPARE(c.closeDetail, std::string("eof"));

    lwtest::ScriptedServer server2(lwtest::ScriptedServer::echo);
    script.end = lwtest::ClientScript::End::HalfClose;
    script.requests = {"x\n"};
    const auto h = lwtest::recordClient(server2.port(), script).conversations().at(0);
    QVERIFY(h.halfClosedUs >= 0);
    QVERIFY(h.clientClosed());
    const auto serverSide = server2.stop().conversations().at(0);
    QVERIFY(serverSide.clientClosed());  // it saw end of file
}

void TestConversation::residueIsReceivedBytes() {
    // The server sends a reply cut in the middle of the terminator, then closes.
    lwtest::ScriptedServer::Options so;
    so.closeAfter = 1;
    lwtest::ScriptedServer server([](std::size_t, const std::string&) -> std::optional<std::string> { return "ok\r\nhalf\r"; },
                                  so);
    lwtest::ClientScript script;
    script.requests = {"q\n"};
    script.terminator = Terminator::bytes("\r\n");
    script.end = lwtest::ClientScript::End::WaitForServerClose;
    const auto c = lwtest::recordClient(server.port(), script).conversations().at(0);
    QCOMPARE(c.in.bytes, std::string("ok\r\nhalf\r"));
    QCOMPARE(messagesOf(c.in), std::string("[ok\r\n][half\r~]"));
    QCOMPARE(c.closedBytesIn, 9);
}

void TestConversation::countTerminatorRecords() {
    Builder b;
    b.connected();
    b.collect("abc");
    b.found(Terminator::count(0), 3);  // asynchat's view inside found_terminator (R8)
    b.collect("de");
    const auto c = engine::extractConversations(b.events).at(0);
    QCOMPARE(messagesOf(c.in), std::string("[abc][de~]"));
    QCOMPARE(c.in.messages[0].terminator, Terminator::count(3));
    QCOMPARE(c.in.messages[0].terminatorSize, 0u);
}

void TestConversation::receivedBytesOfAPlainDispatcher() {
    // A hosted dispatcher that is not an async_chat (the asyncore echo
    // server's handler) reports what recv() returned as `received`.
    Builder b;
    b.connected();
    Event& r1 = b.add(EventKind::Received);
    r1.data = "hel";
    r1.size = 3;
    Event& r2 = b.add(EventKind::Received);
    r2.data = "lo\n";
    r2.size = 3;
    b.sent("hello\n");
    const auto c = engine::extractConversations(b.events).at(0);
    QCOMPARE(c.in.bytes, std::string("hello\n"));
    QVERIFY(c.in.recorded);
    QCOMPARE(c.out.bytes, std::string("hello\n"));
}

void TestConversation::filePushOfUnknownSize() {
    Builder b;
    b.connected();
    b.push(2);
    b.push(-1, engine::ProducerKind::File);
    b.push(3);
    b.sent("ab");
    b.sent("FILEDATA");
    b.add(EventKind::ProducerExhausted).sub = static_cast<std::uint8_t>(engine::ProducerKind::File);
    b.sent("xyz");
    const auto c = engine::extractConversations(b.events).at(0);
    QCOMPARE(messagesOf(c.out), std::string("[ab][FILEDATA][xyz]"));
    QCOMPARE(c.out.messages[1].wireSeq, c.out.chunks[1].seq);
}

void TestConversation::pushesNeverSentAreLeftOut() {
    Builder b;
    b.connected();
    b.push(3);
    b.push(4);
    b.sent("abc");
    b.sent("de");  // the rest was dropped at close (an `unsent` warning)
    const auto c = engine::extractConversations(b.events).at(0);
    QCOMPARE(messagesOf(c.out), std::string("[abc][de]"));
}

void TestConversation::levelsThatLeaveBytesOut() {
    Builder b;
    b.connected();
    b.collect("hi");
    b.found(Terminator::bytes("\n"), 2);
    b.push(3);
    QVERIFY(!engine::extractConversations(b.events, "messages").at(0).out.recorded);
    QVERIFY(engine::extractConversations(b.events, "messages").at(0).in.recorded);
    QVERIFY(!engine::extractConversations(b.events, "lifecycle").at(0).in.recorded);
    QVERIFY(engine::extractConversations(b.events, "full").at(0).out.recorded);
    // Not stated: a push without any `sent` means the sent bytes were not recorded.
    QVERIFY(!engine::extractConversations(b.events, "").at(0).out.recorded);
}

void TestConversation::selectingAConversation() {
    Builder b;
    b.add(EventKind::Listening, 1).info = "127.0.0.1:7000";
    b.add(EventKind::Accepted, 2).parent = 1;  // no traffic
    b.add(EventKind::Accepted, 3).parent = 1;
    b.collect("x", 3);
    const auto cs = engine::extractConversations(b.events);
    QCOMPARE(cs.size(), 2u);  // the listener is not a connection
    std::string why;
    QCOMPARE(engine::selectConversation(cs, std::nullopt, &why)->channel, 3u);
    QCOMPARE(engine::selectConversation(cs, 2u, &why)->channel, 2u);
    QVERIFY(!engine::selectConversation(cs, 9u, &why));
    QCOMPARE(why, std::string("the session has no connection on channel 9; its connections are #2 (accepted, 0 bytes), "
                              "#3 (accepted, 1 bytes)"));
    QVERIFY(!engine::selectConversation({}, std::nullopt, &why));
    QCOMPARE(why, std::string("the session has no connections"));
}

void TestConversation::tlsMarks() {
    // A STARTTLS upgrade: the streams are the plaintext, whole, and the TLS
    // events are kept with how far each stream had got.
    const auto cs = engine::extractConversations(lwtest::startTlsSession());
    QCOMPARE(cs.size(), 1u);
    const engine::Conversation& c = cs[0];
    QCOMPARE(c.out.bytes, std::string("STARTTLS\r\nQUIT\r\n"));
    QCOMPARE(c.in.bytes, std::string("220 go ahead\r\n221 bye\r\n"));
    QCOMPARE(c.tls.size(), 3u);
    QCOMPARE(c.tls[0].kind, EventKind::StartTls);
    QCOMPARE(c.tls[0].text, std::string("STARTTLS (smtp): TLS handshake begins"));
    QCOMPARE(c.tls[1].kind, EventKind::TlsHandshake);
    QCOMPARE(c.tls[1].inOffset, 14u);
    QCOMPARE(c.tls[1].outOffset, 10u);
    QCOMPARE(c.tls[1].tUs, 3000);
    QVERIFY(c.tls[1].handshake);
    QVERIFY(c.tls[1].text.find("verified (CN=localhost\\x1b]0;pwned\\x07") != std::string::npos);
    QCOMPARE(c.tls[2].kind, EventKind::TlsClose);
    QCOMPARE(c.tls[2].text, std::string("TLS closed (close_notify)"));
    QCOMPARE(c.tls[2].inOffset, 23u);
    QCOMPARE(c.tls[2].outOffset, 16u);
    QVERIFY(c.tlsHandshake());
    QCOMPARE(c.tlsHandshake()->peerChain.size(), 2u);
    // A plaintext connection has none.
    auto plain = lwtest::startTlsSession();
    std::erase_if(plain, [](const Event& e) {
        return e.kind == EventKind::StartTls || e.kind == EventKind::TlsHandshake || e.kind == EventKind::TlsClose;
    });
    const auto ps = engine::extractConversations(plain);
    QVERIFY(ps.at(0).tls.empty());
    QVERIFY(!ps.at(0).tlsHandshake());
    QCOMPARE(ps.at(0).in.bytes, c.in.bytes);
}


// A proxy's accepted leg (2: the real client on its far side) and upstream
// leg (3: the real server there) read as one conversation recorded by the
// client: out is what leg 2 received, in what leg 3 received, each framed
// as its leg framed it; the addresses are the two real parties'.
void TestConversation::proxiedLegsAreOneConversation() {
    Builder b;
    Event& listening = b.add(EventKind::Listening, 1);
    listening.info = "127.0.0.1:6000";
    Event& accepted = b.add(EventKind::Accepted, 2);
    accepted.parent = 1;
    accepted.count = 3;  // upstream leg
    accepted.info = "127.0.0.1:50000";  // the real client
    accepted.aux = "127.0.0.1:6000";    // the proxy
    Event& connecting = b.add(EventKind::Connecting, 3);
    connecting.parent = 2;
    Event& connected = b.add(EventKind::Connected, 3);
    connected.info = "127.0.0.1:7000";  // the real server
    connected.aux = "127.0.0.1:51000";  // the proxy's side
    b.collect("220 hi", 3);
    b.found(Terminator::bytes("\r\n"), 6, 3);
    b.collect("HELO x", 2);
    b.found(Terminator::bytes("\r\n"), 6, 2);
    b.sent("HELO x\r\n", 3);  // forwarded (left out of the join)
    b.collect("250 ok", 3);
    b.found(Terminator::bytes("\r\n"), 6, 3);
    b.collect("QUIT", 2);
    b.found(Terminator::bytes("\n"), 4, 2);
    b.collect("221", 3);
    Event& closed = b.add(EventKind::Closed, 3);
    closed.sub = static_cast<std::uint8_t>(engine::CloseReason::Peer);

    const auto all = engine::extractConversations(b.events);
    QCOMPARE(all.size(), std::size_t{1});
    const Conversation& c = all.front();
    QCOMPARE(c.channel, ChannelId{2});
    QCOMPARE(c.proxyUpstream, ChannelId{3});
    QVERIFY(c.localIsClient());
    QCOMPARE(c.clientAddress(), std::string("127.0.0.1:50000"));
    QCOMPARE(c.serverAddress(), std::string("127.0.0.1:7000"));
    QCOMPARE(c.proxyAddress, std::string("127.0.0.1:6000"));
    QCOMPARE(c.clientToServer().bytes, std::string("HELO x\r\nQUIT\n"));
    QCOMPARE(messagesOf(c.clientToServer()), std::string("[HELO x\r\n][QUIT\n]"));
    QCOMPARE(c.serverToClient().bytes, std::string("220 hi\r\n250 ok\r\n221"));
    QCOMPARE(messagesOf(c.serverToClient()), std::string("[220 hi\r\n][250 ok\r\n][221~]"));
    QVERIFY(c.in.recorded && c.out.recorded);
    QVERIFY(c.serverClosed());
}

QTEST_GUILESS_MAIN(TestConversation)
#include "tst_Conversation.moc"
