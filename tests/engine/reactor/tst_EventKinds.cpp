// tst_EventKinds.cpp — the kind table (engine/reactor/EventKinds.h): one row
// per kind in enum order, names that parse back (and nothing else does), the
// qualifier names each row writes, the method names by qualifier and the
// direction of the bytes. (That encoding and decoding follow the table, and
// that Event's accessors read what it says, is tst_EventJson's.)
#include "engine/reactor/EventKinds.h"

#include <QTest>

#include <set>
#include <string>

using engine::EventKind;

class TestEventKinds : public QObject {
    Q_OBJECT
private slots:
    void oneRowPerKind();
    void namesParseBack();
    void qualifierNames();
    void methodsAndFlows();
};

void TestEventKinds::oneRowPerKind() {
    QCOMPARE(engine::eventKinds().size(), engine::kEventKindCount);
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < engine::kEventKindCount; ++i) {
        const auto k = static_cast<EventKind>(i);
        const engine::EventKindInfo& info = engine::eventKindInfo(k);
        QCOMPARE(info.kind, k);
        QCOMPARE(&info, &engine::eventKinds()[i]);
        QVERIFY(names.insert(info.name).second);
        QCOMPARE(engine::eventKindName(k), info.name);
    }
    const auto outside = static_cast<EventKind>(engine::kEventKindCount);
    QCOMPARE(engine::eventKindName(outside), std::string_view("?"));
    QVERIFY(engine::eventKindInfo(outside).fields.empty());
}

void TestEventKinds::namesParseBack() {
    for (const engine::EventKindInfo& k : engine::eventKinds())
        QCOMPARE(engine::parseEventKind(k.name), std::optional<EventKind>(k.kind));
    for (const char* bad : {"", "?", "Collect", "collect ", "teleport", "found-terminator"})
        QVERIFY2(!engine::parseEventKind(bad), bad);
    // The session format's names, as docs/session-format.md lists them.
    QCOMPARE(engine::eventKindName(EventKind::FoundTerminator), std::string_view("found_terminator"));
    QCOMPARE(engine::eventKindName(EventKind::ChannelState), std::string_view("channel_state"));
    QCOMPARE(engine::eventKindName(EventKind::Preview), std::string_view("preview"));
}

void TestEventKinds::qualifierNames() {
    // A Name field writes sub with the same names as the enum's own name functions.
    const auto names = [](EventKind k) { return engine::eventKindInfo(k).fields.front().names; };
    for (std::uint8_t i = 0; i < names(EventKind::Push).size(); ++i)
        QCOMPARE(names(EventKind::Push)[i], engine::producerKindName(static_cast<engine::ProducerKind>(i)));
    for (std::uint8_t i = 0; i < names(EventKind::Closed).size(); ++i)
        QCOMPARE(names(EventKind::Closed)[i], engine::closeReasonName(static_cast<engine::CloseReason>(i)));
    for (std::uint8_t i = 0; i < names(EventKind::Warning).size(); ++i)
        QCOMPARE(names(EventKind::Warning)[i], engine::warningCodeName(static_cast<engine::WarningCode>(i)));
    for (std::uint8_t i = 0; i < names(EventKind::Hosted).size(); ++i)
        QCOMPARE(names(EventKind::Hosted)[i], engine::hostPhaseName(static_cast<engine::HostPhase>(i)));
    const engine::EventField* producer = engine::eventKindInfo(EventKind::Push).field("producer");
    QVERIFY(producer != nullptr && producer->type == engine::FieldType::Name);
    QVERIFY(engine::eventKindInfo(EventKind::Push).field("nonsense") == nullptr);
}

void TestEventKinds::methodsAndFlows() {
    using engine::eventMethodName;
    const auto sub = [](auto e) { return static_cast<std::uint8_t>(e); };
    QCOMPARE(eventMethodName(EventKind::Push, sub(engine::ProducerKind::Bytes)), std::string_view("push"));
    QCOMPARE(eventMethodName(EventKind::Push, sub(engine::ProducerKind::Other)), std::string_view("push_with_producer"));
    QCOMPARE(eventMethodName(EventKind::Closed, sub(engine::CloseReason::Local)), std::string_view("close"));
    QCOMPARE(eventMethodName(EventKind::Closed, sub(engine::CloseReason::Error)), std::string_view("handle_close"));
    QCOMPARE(eventMethodName(EventKind::Warning, sub(engine::WarningCode::Log)), std::string_view("log_info"));
    QCOMPARE(eventMethodName(EventKind::Warning, sub(engine::WarningCode::ProducerError)), std::string_view("warning"));
    QCOMPARE(eventMethodName(EventKind::Hosted, sub(engine::HostPhase::Dispatcher)), std::string_view("add_channel"));
    QCOMPARE(eventMethodName(EventKind::Hosted, 200), std::string_view("hosted"));
    QCOMPARE(eventMethodName(EventKind::Connected, 7), std::string_view("handle_connect"));
    for (const engine::EventKindInfo& k : engine::eventKinds()) QVERIFY(!eventMethodName(k.kind, 0).empty());

    std::set<EventKind> in, out;
    for (const engine::EventKindInfo& k : engine::eventKinds()) {
        if (k.flow == engine::EventFlow::In) in.insert(k.kind);
        if (k.flow == engine::EventFlow::Out) out.insert(k.kind);
        QCOMPARE(engine::eventFlow(k.kind), k.flow);
    }
    QCOMPARE(in, (std::set<EventKind>{EventKind::Collect, EventKind::FoundTerminator, EventKind::Received,
                                            EventKind::Datagram}));
    QCOMPARE(out, (std::set<EventKind>{EventKind::Push, EventKind::Sent, EventKind::ProducerExhausted,
                                             EventKind::DatagramSent}));
}

QTEST_GUILESS_MAIN(TestEventKinds)
#include "tst_EventKinds.moc"
