// tst_EventIndex.cpp — the event log's index without Qt: the filter
// predicate (EventMatcher), the index in both modes built in one go and
// incrementally, lookups and text search over its rows, each checked against
// a brute-force scan of the store, and the worker thread (results equal to
// building on the spot, superseded and cancelled jobs, a store that grows
// or is cleared meanwhile). Qt Test is only the harness here (no
// application object, no Qt type in what is tested); the worker runs real
// std::threads, so this runs under ThreadSanitizer too (label `threaded`).
#include "ui/model/EventIndex.h"
#include "ui/model/EventLogStore.h"

#include "DataTestSupport.h"

#include <QTest>

#include <algorithm>
#include <bitset>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

using engine::ChannelId;
using engine::EventKind;
using engine::Terminator;
using testsupport::EventScript;
using ui::EventIndex;
using ui::EventIndexWorker;
using ui::EventLogStore;
using ui::EventMatcher;
using ui::LogRecord;
using Entry = EventIndex::Entry;
using Mode = EventIndex::Mode;
using RowType = EventIndex::RowType;
using Spec = EventMatcher::Spec;
using KindSet = std::bitset<engine::kEventKindCount>;

namespace {

constexpr auto kWait = std::chrono::seconds(60);

/// Method names as the GUI's formatters give them, for a few kinds whose
/// name depends on `sub` (the rest: a name of its own).
std::string methodNameOf(EventKind k, std::uint8_t sub) {
    switch (k) {
    case EventKind::Collect: return "collect_incoming_data";
    case EventKind::FoundTerminator: return "found_terminator";
    case EventKind::Push: return sub == 0 ? "push" : "push_with_producer";
    case EventKind::Closed: return sub == static_cast<std::uint8_t>(engine::CloseReason::Local) ? "close" : "handle_close";
    case EventKind::Warning: return sub == static_cast<std::uint8_t>(engine::WarningCode::Log) ? "log_info" : "warning";
    case EventKind::Sent: return "send";
    default: return "method_" + std::to_string(static_cast<int>(k));
    }
}

KindSet kindsOf(std::initializer_list<EventKind> kinds) {
    KindSet s;
    for (EventKind k : kinds) s.set(static_cast<std::size_t>(k));
    return s;
}
const KindSet kIn = kindsOf({EventKind::Collect, EventKind::Received, EventKind::FoundTerminator});
const KindSet kOut = kindsOf({EventKind::Push, EventKind::Sent, EventKind::ProducerExhausted});
const KindSet kNone = ~(kIn | kOut);

std::shared_ptr<const EventMatcher> matcher(const Spec& spec) {
    return std::make_shared<const EventMatcher>(spec, methodNameOf);
}

Spec textSpec(std::string text, bool caseSensitive = false) {
    Spec s;
    s.text = std::move(text);
    s.caseSensitive = caseSensitive;
    return s;
}

/// The index of the whole store, built in one go.
std::unique_ptr<EventIndex> built(const EventLogStore& store, Mode mode, const Spec& spec) {
    auto idx = std::make_unique<EventIndex>(mode, matcher(spec), store.generation());
    idx->catchUp(store, store.size());
    return idx;
}

void feed(EventLogStore& store, EventScript& script) {
    std::vector<engine::Event> batch = script.take();
    store.append(batch);
}

// --- The brute-force scan -------------------------------------------------------------------------

/// The same filter, read literally: every condition evaluated on its own,
/// the text looked for with std::search in whole strings.
struct Oracle {
    Spec spec;

    static unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; }
    bool contains(std::string_view hay) const {
        if (spec.text.empty()) return true;
        const auto eq = [this](char a, char b) {
            return spec.caseSensitive ? a == b
                                      : fold(static_cast<unsigned char>(a)) == fold(static_cast<unsigned char>(b));
        };
        return std::search(hay.begin(), hay.end(), spec.text.begin(), spec.text.end(), eq) != hay.end();
    }
    bool hasText() const { return !spec.text.empty(); }
    bool channelOk(ChannelId c) const {
        return spec.channels.empty() || std::find(spec.channels.begin(), spec.channels.end(), c) != spec.channels.end();
    }
    bool kindOk(EventKind k) const {
        return spec.kinds.empty() || std::find(spec.kinds.begin(), spec.kinds.end(), k) != spec.kinds.end();
    }
    bool directionOk(EventKind k) const { return !spec.direction || spec.direction->test(static_cast<std::size_t>(k)); }
    bool nameMatches(EventKind k, std::uint8_t sub) const {
        return hasText() && (contains(engine::eventKindName(k)) ||
                             contains(methodNameOf(k, std::min<std::uint8_t>(sub, EventMatcher::kSubSlots - 1))));
    }
    bool eventText(const EventLogStore& s, std::size_t row) const {
        if (!hasText()) return true;
        const LogRecord& r = s.record(row);
        if (nameMatches(r.kind, r.sub) || contains(s.data(row)) || contains(s.info(row)) || contains(s.aux(row)))
            return true;
        const engine::ChannelState* st = s.state(row);
        return st && (contains(st->peer) || contains(st->local));
    }
    bool eventOk(const EventLogStore& s, std::size_t row) const {
        const LogRecord& r = s.record(row);
        return channelOk(r.channel) && kindOk(r.kind) && directionOk(r.kind) && eventText(s, row);
    }
    bool messageHeaderOk(ChannelId c) const {
        return channelOk(c) && (kindOk(EventKind::Collect) || kindOk(EventKind::FoundTerminator)) &&
               directionOk(EventKind::Collect);
    }
    static bool endsMessage(const LogRecord& r) {
        return r.kind == EventKind::Closed || r.kind == EventKind::Discarded ||
               (r.kind == EventKind::Warning && (r.warningCode() == engine::WarningCode::NoTerminator ||
                                                 r.warningCode() == engine::WarningCode::Unterminated));
    }

    /// The rows of store rows [0, end): entries and trailer.
    std::pair<std::vector<Entry>, std::vector<Entry>> rows(const EventLogStore& s, Mode mode, std::size_t end) const {
        std::vector<Entry> out, trailer;
        if (mode == Mode::Events) {
            for (std::size_t i = 0; i < end; ++i)
                if (eventOk(s, i)) out.push_back({i, 0, RowType::Event});
            return {out, trailer};
        }
        struct Msg {
            std::uint64_t first = 0, last = 0;
            std::string bytes;
        };
        std::map<ChannelId, Msg> open;
        for (std::size_t i = 0; i < end; ++i) {
            const LogRecord& r = s.record(i);
            auto it = open.find(r.channel);
            if (r.kind == EventKind::Collect) {
                if (it == open.end()) it = open.emplace(r.channel, Msg{i, i, {}}).first;
                it->second.last = i;
                it->second.bytes += s.data(i);
                continue;
            }
            if (r.kind == EventKind::FoundTerminator) {
                const std::uint64_t first = it == open.end() ? i : it->second.first;
                const std::string all = (it == open.end() ? std::string() : it->second.bytes) + std::string(s.data(i));
                if (messageHeaderOk(r.channel) &&
                    (!hasText() || nameMatches(EventKind::FoundTerminator, r.sub) ||
                     nameMatches(EventKind::Collect, 0) || contains(all)))
                    out.push_back({i, static_cast<std::uint32_t>(i - first), RowType::Message});
                if (it != open.end()) open.erase(it);
                continue;
            }
            if (endsMessage(r) && it != open.end()) {
                if (messageHeaderOk(r.channel) &&
                    (!hasText() || contains(it->second.bytes) || nameMatches(EventKind::Collect, 0)))
                    out.push_back({i, static_cast<std::uint32_t>(i - it->second.first), RowType::Unterminated});
                open.erase(it);
            }
            if (eventOk(s, i)) out.push_back({i, 0, RowType::Event});
        }
        for (const auto& [channel, m] : open)
            if (messageHeaderOk(channel) && (!hasText() || contains(m.bytes) || nameMatches(EventKind::Collect, 0)))
                trailer.push_back({m.last, static_cast<std::uint32_t>(m.last - m.first), RowType::InProgress});
        return {out, trailer};
    }

    /// What find-next looks at in a row: its text only.
    bool rowText(const EventLogStore& s, const Entry& e) const {
        if (e.type == RowType::Event) return eventText(s, e.row);
        if (!hasText() || nameMatches(EventKind::Collect, 0)) return true;
        if (e.type == RowType::Message && nameMatches(EventKind::FoundTerminator, 0)) return true;
        const LogRecord& last = s.record(e.row);
        std::string all;
        for (std::uint64_t i = e.first(); i <= e.row; ++i)
            if (s.record(i).kind == EventKind::Collect && s.record(i).channel == last.channel) all += s.data(i);
        if (e.type == RowType::Message && last.kind == EventKind::FoundTerminator) all += s.data(e.row);
        return contains(all);
    }
};

/// The view row that shows store row `row`: its own, or (a collect in
/// Messages mode) the row of the message of its channel that spans it.
std::size_t oracleViewRow(const EventLogStore& s, Mode mode, const std::vector<Entry>& rows, std::size_t row) {
    const LogRecord& r = s.record(row);
    for (std::size_t v = 0; v < rows.size(); ++v) {
        const Entry& e = rows[v];
        if (mode == Mode::Messages && r.kind == EventKind::Collect) {
            if (e.type != RowType::Event && e.first() <= row && row <= e.row && s.record(e.row).channel == r.channel)
                return v;
        } else if (e.row == row && (e.type == RowType::Event ||
                                    (r.kind == EventKind::FoundTerminator && e.type == RowType::Message))) {
            return v;
        }
    }
    return EventIndex::npos;
}

// --- A random log and random filters ----------------------------------------------------------------

struct RandomLog {
    std::mt19937 rng;
    explicit RandomLog(std::uint32_t seed) : rng(seed) {}

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
    std::string bytes(int maxLen) {
        static const char alphabet[] = "abcABC xyz\r\n:.0127";
        std::string s(static_cast<std::size_t>(pick(maxLen + 1)), ' ');
        for (char& c : s) c = alphabet[pick(static_cast<int>(sizeof alphabet - 1))];
        return s;
    }
    ChannelId channel() { return static_cast<ChannelId>(pick(5)); }  // 0 is the reactor

    void add(EventScript& script, int events) {
        for (int i = 0; i < events; ++i) {
            const ChannelId ch = channel();
            const int what = pick(100);
            if (what < 40) {
                script.collect(ch, bytes(8));
            } else if (what < 58) {
                if (pick(6) == 0)
                    script.found(ch, Terminator::count(4), 4);
                else
                    script.found(ch, Terminator::bytes(pick(2) ? "\r\n" : "\n"), pick(20));
            } else if (what < 63) {
                script.connected(ch, "127.0.0.1:" + std::to_string(7000 + pick(3)), "127.0.0.1:5" + bytes(3));
            } else if (what < 68) {
                std::shared_ptr<const engine::ChannelState> state;
                if (pick(2)) {
                    engine::ChannelState st;
                    st.peer = "10.0.0." + std::to_string(pick(9)) + ":80";
                    st.local = "local " + bytes(4);
                    state = std::make_shared<const engine::ChannelState>(st);
                }
                script.closed(ch, static_cast<engine::CloseReason>(pick(3)), pick(2) ? "detail " + bytes(4) : "", state);
            } else if (what < 72) {
                script.add(EventKind::Discarded, ch);
            } else if (what < 78) {
                engine::Event& e = script.add(EventKind::Warning, ch);
                const engine::WarningCode codes[] = {engine::WarningCode::NoTerminator, engine::WarningCode::Unterminated,
                                                     engine::WarningCode::Log, engine::WarningCode::Backlog};
                e.sub = static_cast<std::uint8_t>(codes[pick(4)]);
                e.info = "warned " + bytes(5);
            } else if (what < 84) {
                script.push(ch, pick(50)).sub = static_cast<std::uint8_t>(pick(3));
            } else if (what < 90) {
                script.sent(ch, bytes(8));
            } else if (what < 94) {
                script.error(ch, 104, "reset " + bytes(4));
            } else if (what < 97) {
                engine::ChannelState st;
                st.peer = "192.168.1." + std::to_string(pick(9)) + ":7000";
                st.local = "0.0.0.0:" + bytes(2);
                script.snapshot(ch, st);
            } else {
                script.add(EventKind::Received, ch).data = bytes(6);
            }
        }
    }

    Spec spec(const EventLogStore& store) {
        Spec s;
        if (pick(2))
            for (ChannelId c = 0; c < 5; ++c)
                if (pick(2)) s.channels.push_back(c);
        if (pick(2))
            for (std::size_t k = 0; k < engine::kEventKindCount; ++k)
                if (pick(3) == 0) s.kinds.push_back(static_cast<EventKind>(k));
        switch (pick(5)) {
        case 0: s.direction = kIn; break;
        case 1: s.direction = kOut; break;
        case 2: s.direction = kNone; break;
        default: break;
        }
        switch (pick(6)) {
        case 0: break;  // no text
        case 1: s.text = bytes(3); break;
        case 2: {  // a piece of some row's bytes: it straddles collects now and then
            const std::string_view d = store.data(static_cast<std::size_t>(pick(static_cast<int>(store.size()))));
            if (!d.empty()) {
                const std::size_t at = static_cast<std::size_t>(pick(static_cast<int>(d.size())));
                s.text = std::string(d.substr(at, 1 + static_cast<std::size_t>(pick(4))));
            }
            break;
        }
        case 3: {
            const char* names[] = {"collect", "FOUND", "push_with", "handle_close", "log_info", "send", "term", "snap"};
            s.text = names[pick(8)];
            break;
        }
        case 4: {
            const char* addresses[] = {"127.0.0.1:7001", "10.0.0.3", "192.168", "local", "Reset", "warned a", "detail"};
            s.text = addresses[pick(7)];
            break;
        }
        default: s.text = "\r\n"; break;
        }
        s.caseSensitive = pick(3) == 0;
        return s;
    }
};

QByteArray describe(const Spec& s, Mode mode, std::uint32_t seed, int round) {
    std::string d = "seed " + std::to_string(seed) + " round " + std::to_string(round) +
                    (mode == Mode::Events ? " events" : " messages") + " channels:";
    for (ChannelId c : s.channels) d += " " + std::to_string(c);
    d += " kinds:";
    for (EventKind k : s.kinds) d += " " + std::string(engine::eventKindName(k));
    d += s.direction ? " direction:" + s.direction->to_string() : std::string(" any direction");
    d += " text: '";
    for (char c : s.text) {
        const auto u = static_cast<unsigned char>(c);
        static const char hex[] = "0123456789abcdef";
        if (u >= 0x20 && u < 0x7f && u != '\\')
            d += c;
        else
            d += std::string("\\x") + hex[u >> 4] + hex[u & 15];
    }
    d += std::string("'") + (s.caseSensitive ? " (case)" : "");
    return QByteArray::fromStdString(d);
}

}  // namespace

class tst_EventIndex : public QObject {
    Q_OBJECT
private slots:
    void matcherConditions();
    void eventsMode();
    void messagesMode();
    void textAcrossCollects();
    void sameAsBruteForce();
    void incrementalAppend();
    void workerBuildsIndex();
    void workerCatchesUpWithAppends();
    void newerJobSupersedesOlder();
    void cancelledJobGivesNothing();
    void clearedStoreGivesNothing();
    void workerStopsWhenDestroyed();
};

void tst_EventIndex::matcherConditions() {
    // Nothing asked: everything passes, and the index is the identity.
    const EventMatcher all(Spec{}, methodNameOf);
    QVERIFY(!all.active());
    QVERIFY(all.find("anything"));
    EventLogStore store;
    EventIndex identity(Mode::Events, matcher(Spec{}), store.generation());
    QVERIFY(identity.identity());
    QVERIFY(!EventIndex(Mode::Messages, matcher(Spec{}), 0).identity());

    Spec s;
    s.channels = {2, 70};  // a channel far above the others
    s.kinds = {EventKind::Sent, EventKind::Collect};
    s.direction = kOut;
    const EventMatcher m(s, methodNameOf);
    QVERIFY(m.active());
    QVERIFY(m.channelOk(2) && m.channelOk(70) && !m.channelOk(1) && !m.channelOk(0) && !m.channelOk(71));
    QVERIFY(m.kindOk(EventKind::Sent) && !m.kindOk(EventKind::Push));
    QVERIFY(m.directionOk(EventKind::Sent) && !m.directionOk(EventKind::Collect));
    QVERIFY(!m.messageHeaderOk(2));  // a message comes in

    // Text: ASCII case folded unless asked, Horspool over every position.
    const EventMatcher folded(textSpec("HeLLo"), methodNameOf);
    QVERIFY(folded.find("say hello") && folded.find("HELLO") && !folded.find("hell") && !folded.find(""));
    const EventMatcher exact(textSpec("HeLLo", true), methodNameOf);
    QVERIFY(exact.find("xHeLLo") && !exact.find("hello"));
    const EventMatcher one(textSpec("\n", true), methodNameOf);
    QVERIFY(one.find("a\nb") && !one.find("ab"));
    const EventMatcher binary(textSpec(std::string("\0\xff", 2)), methodNameOf);
    QVERIFY(binary.find(std::string("a\0\xff", 3)) && !binary.find(std::string("a\0\xfe", 3)));
    // Not-ASCII bytes do not fold.
    QVERIFY(!EventMatcher(textSpec("\xc3\xa9"), methodNameOf).find("\xc3\x89"));

    // Names: the kind's session-format name and the method name (per sub).
    const EventMatcher producer(textSpec("push_with"), methodNameOf);
    QVERIFY(producer.nameMatches(EventKind::Push, 1) && !producer.nameMatches(EventKind::Push, 0));
    QVERIFY(producer.nameMatches(EventKind::Push, 200));  // large subs share the last slot
    const EventMatcher kindName(textSpec("FOUND_term"), {});  // no method names: the kind's name still counts
    QVERIFY(kindName.nameMatches(EventKind::FoundTerminator, 0) && !kindName.nameMatches(EventKind::Collect, 0));
    QVERIFY(!EventMatcher(textSpec("collect_incoming"), {}).nameMatches(EventKind::Collect, 0));
    QVERIFY(EventMatcher(textSpec("collect_incoming"), methodNameOf).nameMatches(EventKind::Collect, 0));
}

void tst_EventIndex::eventsMode() {
    EventLogStore store;
    EventScript script;
    script.connected(1, "127.0.0.1:7000", "127.0.0.1:50001");  // 0
    script.collect(1, "Hello");                                 // 1
    script.found(1, Terminator::bytes("\r\n"), 5);              // 2
    script.push(2, 3);                                          // 3
    script.sent(2, "abc");                                      // 4
    engine::ChannelState st;
    st.peer = "10.1.2.3:80";
    script.snapshot(2, st);                                     // 5
    script.closed(1, engine::CloseReason::Peer, "gone");        // 6
    feed(store, script);

    const auto rows = [&](const Spec& s) {
        std::vector<std::uint64_t> out;
        const auto idx = built(store, Mode::Events, s);
        for (const Entry& e : idx->entries()) {
            if (e.type != RowType::Event || e.back != 0) return std::vector<std::uint64_t>{999};
            out.push_back(e.row);
        }
        return out;
    };
    using Rows = std::vector<std::uint64_t>;
    Spec s;
    s.channels = {2};
    QCOMPARE(rows(s), (Rows{3, 4, 5}));
    s = {};
    s.kinds = {EventKind::Collect, EventKind::Closed};
    QCOMPARE(rows(s), (Rows{1, 6}));
    s = {};
    s.direction = kIn;
    QCOMPARE(rows(s), (Rows{1, 2}));
    s.direction = kOut;
    QCOMPARE(rows(s), (Rows{3, 4}));
    QCOMPARE(rows(textSpec("hello")), (Rows{1}));                  // bytes, case folded
    QCOMPARE(rows(textSpec("hello", true)), Rows{});
    QCOMPARE(rows(textSpec("\r\n")), (Rows{2}));                   // a terminator's bytes
    QCOMPARE(rows(textSpec("50001")), (Rows{0}));                  // aux: the local address
    QCOMPARE(rows(textSpec("10.1.2")), (Rows{5}));                 // a snapshot's peer
    QCOMPARE(rows(textSpec("gone")), (Rows{6}));                   // info
    QCOMPARE(rows(textSpec("handle_close")), (Rows{6}));           // the method name
    QCOMPARE(rows(textSpec("channel_state")), (Rows{5}));          // the kind name
    s = textSpec("c");
    s.channels = {2};
    s.kinds = {EventKind::Sent, EventKind::Push};
    QCOMPARE(rows(s), (Rows{4}));  // every condition at once: "abc" is sent on 2; the push has no "c"

    // No filter: the identity, every row, nothing stored.
    auto identity = built(store, Mode::Events, Spec{});
    QVERIFY(identity->identity());
    QCOMPARE(identity->rows(), store.size());
    QVERIFY(identity->entries().empty());
    Entry scratch;
    QCOMPARE(identity->entry(4, scratch)->row, std::uint64_t(4));
    QVERIFY(identity->entry(7, scratch) == nullptr);
    QCOMPARE(identity->viewRowOf(store, 6), std::size_t(6));
    QCOMPARE(identity->viewRowOf(store, 7), EventIndex::npos);
}

void tst_EventIndex::messagesMode() {
    EventLogStore store;
    EventScript script;
    script.collect(1, "GET ");                              // 0
    script.collect(2, "other");                             // 1
    script.collect(1, "/index");                            // 2
    script.found(1, Terminator::bytes("\r\n"), 10);         // 3: message 0..3
    script.push(1, 4);                                      // 4
    script.collect(2, " half");                             // 5
    script.closed(2, engine::CloseReason::Peer);            // 6: ends 1..5 unterminated, then its own row
    script.collect(3, "line");                              // 7
    script.add(EventKind::Discarded, 3);                    // 8: ends 7 unterminated
    script.collect(1, "par");                               // 9
    script.collect(4, "tial");                              // 10
    script.found(5, Terminator::bytes("\n"), 0);            // 11: a terminator with nothing collected
    feed(store, script);

    auto idx = built(store, Mode::Messages, Spec{});
    const std::vector<Entry> expected{
        {3, 3, RowType::Message}, {4, 0, RowType::Event}, {6, 5, RowType::Unterminated},
        {6, 0, RowType::Event},   {8, 1, RowType::Unterminated}, {8, 0, RowType::Event},
        {11, 0, RowType::Message},
    };
    QCOMPARE(idx->entries(), expected);
    const std::vector<Entry> trailer{{9, 0, RowType::InProgress}, {10, 0, RowType::InProgress}};  // by channel
    QCOMPARE(idx->trailer(), trailer);
    QCOMPARE(idx->rows(), std::size_t(9));

    // Lookups: a collect shows as its message's row.
    QCOMPARE(idx->viewRowOf(store, 0), std::size_t(0));
    QCOMPARE(idx->viewRowOf(store, 2), std::size_t(0));
    QCOMPARE(idx->viewRowOf(store, 3), std::size_t(0));  // its found_terminator too
    QCOMPARE(idx->viewRowOf(store, 1), std::size_t(2));
    QCOMPARE(idx->viewRowOf(store, 6), std::size_t(3));  // the close itself, after the message it ended
    QCOMPARE(idx->viewRowOf(store, 9), std::size_t(7));  // in progress
    QCOMPARE(idx->viewRowOf(store, 10), std::size_t(8));
    QCOMPARE(idx->viewRowOf(store, 12), EventIndex::npos);

    // A filter: messages count as collect and found_terminator, coming in.
    Spec s;
    s.kinds = {EventKind::FoundTerminator};
    s.channels = {1};
    idx = built(store, Mode::Messages, s);
    QCOMPARE(idx->entries(), (std::vector<Entry>{{3, 3, RowType::Message}}));
    QCOMPARE(idx->trailer(), (std::vector<Entry>{{9, 0, RowType::InProgress}}));
    QCOMPARE(idx->viewRowOf(store, 4), EventIndex::npos);  // the push is filtered out
    s = {};
    s.direction = kOut;
    idx = built(store, Mode::Messages, s);
    QCOMPARE(idx->entries(), (std::vector<Entry>{{4, 0, RowType::Event}}));
    QVERIFY(idx->trailer().empty());

    // Text in a message, across its collects and its terminator.
    idx = built(store, Mode::Messages, textSpec("t /ind"));
    QCOMPARE(idx->entries(), (std::vector<Entry>{{3, 3, RowType::Message}}));
    idx = built(store, Mode::Messages, textSpec("index\r"));
    QCOMPARE(idx->entries(), (std::vector<Entry>{{3, 3, RowType::Message}}));
    idx = built(store, Mode::Messages, textSpec("r half"));
    QCOMPARE(idx->entries(), (std::vector<Entry>{{6, 5, RowType::Unterminated}}));
    idx = built(store, Mode::Messages, textSpec("TIAL"));
    QVERIFY(idx->entries().empty());
    QCOMPARE(idx->trailer(), (std::vector<Entry>{{10, 0, RowType::InProgress}}));
    // The method's name: every message is collect_incoming_data calls.
    idx = built(store, Mode::Messages, textSpec("collect_inc"));
    QCOMPARE(idx->rows(), std::size_t(4 + 2));

    // Text search over rows (find next).
    const EventMatcher find(textSpec("T /I"), methodNameOf);
    idx = built(store, Mode::Messages, Spec{});
    Entry scratch;
    QVERIFY(find.textMatchesRow(store, *idx->entry(0, scratch)));
    QVERIFY(!find.textMatchesRow(store, *idx->entry(2, scratch)));
    QVERIFY(EventMatcher(textSpec("x/index\r\nGET"), methodNameOf).textMatchesRow(store, *idx->entry(0, scratch)) == false);
    QVERIFY(EventMatcher(textSpec("/index\r\n"), methodNameOf).textMatchesRow(store, *idx->entry(0, scratch)));
    QVERIFY(EventMatcher(textSpec("ther ha"), methodNameOf).textMatchesRow(store, *idx->entry(2, scratch)));
}

void tst_EventIndex::textAcrossCollects() {
    // A needle split over many one-byte collects, and over a collect and its
    // terminator, is found; one with a byte of another channel in between is not.
    EventLogStore store;
    EventScript script;
    for (char c : std::string("abcdefgh")) script.collect(1, std::string(1, c));
    script.found(1, Terminator::bytes("XY"), 8);
    script.collect(2, "ab");
    script.collect(3, "c");
    script.collect(2, "d");
    script.found(2, Terminator::bytes("\n"), 3);
    feed(store, script);
    for (const char* needle : {"bcdefg", "abcdefghX", "hXY", "ABCDEFGHXY"}) {
        auto idx = built(store, Mode::Messages, textSpec(needle));
        QVERIFY2(idx->entries() == (std::vector<Entry>{{8, 8, RowType::Message}}), needle);
    }
    QVERIFY(built(store, Mode::Messages, textSpec("abcd"))->entries().size() == 1);  // channel 1 only
    QVERIFY(built(store, Mode::Messages, textSpec("abd\n"))->entries() == (std::vector<Entry>{{12, 3, RowType::Message}}));
    QVERIFY(built(store, Mode::Messages, textSpec("ABCDEFGHXY", true))->entries().empty());
}

void tst_EventIndex::sameAsBruteForce() {
    for (std::uint32_t seed : {1u, 2u, 3u}) {
        RandomLog gen(seed);
        EventLogStore store;
        EventScript script;
        gen.add(script, 1500);
        feed(store, script);
        for (int round = 0; round < 60; ++round) {
            const Spec spec = gen.spec(store);
            const Oracle oracle{spec};
            for (Mode mode : {Mode::Events, Mode::Messages}) {
                const QByteArray what = describe(spec, mode, seed, round);
                auto idx = built(store, mode, spec);
                const auto [entries, trailer] = oracle.rows(store, mode, store.size());
                QVERIFY2(idx->entries() == entries || (idx->identity() && idx->rows() == entries.size()), what);
                QVERIFY2(idx->trailer() == trailer, what);
                // Every row as Find next reads it.
                const EventMatcher find(textSpec(spec.text, spec.caseSensitive), methodNameOf);
                std::vector<Entry> all = entries;
                all.insert(all.end(), trailer.begin(), trailer.end());
                QCOMPARE(idx->rows(), all.size());
                for (std::size_t v = 0; v < all.size(); ++v) {
                    Entry scratch;
                    const Entry* e = idx->entry(v, scratch);
                    QVERIFY2(e && *e == all[v], what);
                    QVERIFY2(find.textMatchesRow(store, *e) == oracle.rowText(store, *e), what);
                }
                // Every store row's view row.
                for (std::size_t row = 0; row < store.size(); ++row)
                    QVERIFY2(idx->viewRowOf(store, row) == oracleViewRow(store, mode, all, row),
                             what + " row " + QByteArray::number(qulonglong(row)));
            }
        }
    }
}

void tst_EventIndex::incrementalAppend() {
    // The store grows in batches; the index scans after each, in pieces of
    // random size: always the same as the brute-force scan of what is there.
    RandomLog gen(7);
    for (int round = 0; round < 25; ++round) {
        EventLogStore store;
        EventScript script;
        gen.add(script, 50);
        feed(store, script);
        const Spec spec = gen.spec(store);
        const Oracle oracle{spec};
        for (Mode mode : {Mode::Events, Mode::Messages}) {
            const QByteArray what = describe(spec, mode, 7, round);
            EventLogStore grown;
            EventScript more;
            RandomLog events(static_cast<std::uint32_t>(100 + round));
            EventIndex idx(mode, matcher(spec), grown.generation());
            for (int batch = 0; batch < 30; ++batch) {
                events.add(more, events.pick(40));
                feed(grown, more);
                std::size_t end = idx.scanned();
                while (end < grown.size()) {
                    end = std::min(grown.size(), end + static_cast<std::size_t>(events.pick(9)));
                    if (events.pick(2)) {
                        idx.scan(grown, end);
                    } else {
                        std::vector<Entry> fresh;
                        idx.scan(grown, end, fresh);
                        idx.append(fresh);
                    }
                    QCOMPARE(idx.scanned(), end);
                }
                idx.setTrailer(idx.inProgress());
                const auto [entries, trailer] = oracle.rows(grown, mode, grown.size());
                QVERIFY2(idx.identity() ? idx.rows() == grown.size() : idx.entries() == entries, what);
                QVERIFY2(idx.trailer() == trailer, what);
            }
            // And the same as building it in one go.
            auto once = built(grown, mode, spec);
            QVERIFY2(once->entries() == idx.entries() && once->trailer() == idx.trailer(), what);
        }
    }
}

namespace {

/// A log of `lines` lines on three channels: "line N" + "\n".
void lines(EventLogStore& store, int from, int to) {
    EventScript script;
    for (int i = from; i < to; ++i) script.line(static_cast<ChannelId>(1 + i % 3), "line " + std::to_string(i), "\n");
    feed(store, script);
}

}  // namespace

void tst_EventIndex::workerBuildsIndex() {
    EventLogStore store;
    lines(store, 0, 60000);  // 120000 rows: several slices
    EventIndexWorker worker(&store);
    for (Mode mode : {Mode::Events, Mode::Messages}) {
        const Spec spec = textSpec("line 1");
        auto job = std::make_shared<EventIndex>(mode, matcher(spec), store.generation());
        worker.submit(1 + static_cast<std::uint64_t>(mode), job);
        job.reset();  // the worker's now
        std::shared_ptr<EventIndex> result = worker.waitForResult(1 + static_cast<std::uint64_t>(mode), kWait);
        QVERIFY(result);
        QCOMPARE(worker.progress(), 100);
        QCOMPARE(result->scanned(), store.size());
        QVERIFY(result->trailer().empty());  // the owner sets it
        result->setTrailer(result->inProgress());
        auto expected = built(store, mode, spec);
        QVERIFY(result->entries() == expected->entries());
        // 1 + 10 + 100 + 1000 + 10000 lines (events: the collect only; the
        // found_terminator's bytes are "\n").
        QCOMPARE(result->rows(), std::size_t(11111));
        QVERIFY(!worker.takeResult(1 + static_cast<std::uint64_t>(mode)));  // taken once
    }
}

void tst_EventIndex::workerCatchesUpWithAppends() {
    // The owner appends while the worker reads: the worker takes what was
    // there (and one more round), the owner catches up with the rest.
    EventLogStore store;
    lines(store, 0, 40000);
    EventIndexWorker worker(&store);
    const Spec spec = textSpec("7");
    worker.submit(5, std::make_shared<EventIndex>(Mode::Messages, matcher(spec), store.generation()));
    for (int batch = 0; batch < 20; ++batch) lines(store, 40000 + batch * 500, 40000 + (batch + 1) * 500);
    std::shared_ptr<EventIndex> result = worker.waitForResult(5, kWait);
    QVERIFY(result);
    QVERIFY(result->scanned() >= 80000 && result->scanned() <= store.size());
    result->catchUp(store, store.size());
    auto expected = built(store, Mode::Messages, spec);
    QVERIFY(result->entries() == expected->entries());
    QVERIFY(result->trailer() == expected->trailer());
}

void tst_EventIndex::newerJobSupersedesOlder() {
    EventLogStore store;
    lines(store, 0, 50000);
    EventIndexWorker worker(&store);
    worker.submit(1, std::make_shared<EventIndex>(Mode::Events, matcher(textSpec("odd")), store.generation()));
    worker.submit(2, std::make_shared<EventIndex>(Mode::Events, matcher(textSpec("line 4")), store.generation()));
    QVERIFY(!worker.waitForResult(1, kWait));  // not the current job: at once, nothing
    QVERIFY(!worker.takeResult(1));
    std::shared_ptr<EventIndex> result = worker.waitForResult(2, kWait);
    QVERIFY(result);
    QVERIFY(result->entries() == built(store, Mode::Events, textSpec("line 4"))->entries());
    QVERIFY(!worker.takeResult(1));  // the first never shows up
}

void tst_EventIndex::cancelledJobGivesNothing() {
    EventLogStore store;
    lines(store, 0, 50000);
    EventIndexWorker worker(&store);
    worker.submit(1, std::make_shared<EventIndex>(Mode::Messages, matcher(textSpec("9")), store.generation()));
    worker.cancel();
    QVERIFY(!worker.waitForResult(1, kWait));
    QVERIFY(!worker.takeResult(1));
    // The worker goes on with the next job.
    worker.submit(2, std::make_shared<EventIndex>(Mode::Messages, matcher(textSpec("9")), store.generation()));
    std::shared_ptr<EventIndex> result = worker.waitForResult(2, kWait);
    QVERIFY(result);
    QVERIFY(result->entries() == built(store, Mode::Messages, textSpec("9"))->entries());
}

void tst_EventIndex::clearedStoreGivesNothing() {
    EventLogStore store;
    lines(store, 0, 50000);
    EventIndexWorker worker(&store);
    const std::uint64_t generation = store.generation();
    worker.submit(1, std::make_shared<EventIndex>(Mode::Messages, matcher(textSpec("5")), generation));
    store.clear();  // waits for the worker's read guard, if it holds one
    lines(store, 0, 10);
    // Either the job ended before the clear (its index is of the old
    // generation: the owner rebuilds), or it stopped: no result. It never hangs.
    std::shared_ptr<EventIndex> result = worker.waitForResult(1, kWait);
    QVERIFY(!result || result->generation() == generation);
    QVERIFY(store.generation() != generation);
}

void tst_EventIndex::workerStopsWhenDestroyed() {
    EventLogStore store;
    lines(store, 0, 50000);
    {
        EventIndexWorker worker(&store);
        worker.submit(1, std::make_shared<EventIndex>(Mode::Messages, matcher(textSpec("zz")), store.generation()));
    }  // joins: the job stops at its next slice
    EventIndexWorker idle(&store);  // and one that never had a job
    QCOMPARE(idle.progress(), 0);
}

QTEST_APPLESS_MAIN(tst_EventIndex)
#include "tst_EventIndex.moc"
