// tst_Terminator.cpp — the Terminator value (A1, A2, A5), find_prefix_at_end
// (S2, S3), the terminator search, and how each kind of terminator frames a
// real byte stream (R5–R13, R15) when the stream arrives whole, in 1-byte
// reads and in 10-byte reads.
//
// Every expected framing was produced by CPython 3.11.7's asynchat on a
// socketpair: tests/engine/cpython_oracle/check_targeted.py prints them.
// The summary form is "payload@term … tail:<bytes> rest:<bytes>": each record
// is the payload collected before a found_terminator() and the value of
// get_terminator() inside it; tail is what was collected after the last
// record; rest is the input buffer left after EOF (the held-back prefix).
#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Loop.h"
#include "engine/net/SocketOps.h"
#include "engine/asyncore/Terminator.h"

#include "ChatTestSupport.h"
#include "TestSupport.h"

#include <QByteArray>
#include <QTest>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using engine::Terminator;
using namespace std::string_literals;

namespace {

using lwtest::esc;
using lwtest::qb;
using lwtest::Step;
using lwtest::tdesc;

Step set(Terminator t) { return Step{Step::Set, std::move(t)}; }
Step keep() { return Step{Step::Keep, {}}; }

// A channel that records what the framing delivers.
class Framer final : public engine::AsyncChat {
public:
    Framer(engine::Socket s, engine::Loop* l) : AsyncChat(std::move(s), l) {}
    explicit Framer(engine::Loop* l) : AsyncChat(l) {}

    struct Record {
        std::string payload;
        Terminator term;  // get_terminator() inside found_terminator()
        bool connected;
        int read;         // which handleRead() delivered it
    };
    std::vector<Record> records;
    std::string pending;               // collected since the last record
    std::vector<std::string> collects;  // every collect_incoming_data() call
    std::vector<Terminator> readTerms;  // get_terminator() as each handleRead() starts
    std::vector<Step> schedule;
    int reads = 0;
    int errors = 0;
    bool emptyCollect = false;
    bool foundWithoutPriorData = false;

    void collectIncomingData(std::string_view d) override {
        if (d.empty()) emptyCollect = true;  // R14: never allowed
        collects.emplace_back(d);
        pending.append(d);
    }
    void foundTerminator() override {
        records.push_back({std::exchange(pending, std::string()), getTerminator(), connected, reads});
        const std::size_t i = records.size() - 1;
        if (i >= schedule.size()) return;
        const Step& s = schedule[i];
        s.applyTo(*this);
    }
    void handleRead() override {
        ++reads;
        readTerms.push_back(getTerminator());
        AsyncChat::handleRead();
    }
    void handleError() override {
        ++errors;
        AsyncChat::handleError();
    }

    std::string summary() const {
        std::string out;
        for (const Record& r : records) {
            out += esc(r.payload) + "@" + tdesc(r.term) + (r.connected ? "" : "!") + " ";
        }
        return out + "tail:" + esc(pending) + " rest:" + esc(inputBuffer());
    }
};

// One end of a socketpair framed by a Framer; the other end is written in full
// and shut down, so acInBufferSize alone decides how the stream is cut.
struct Channel {
    engine::Loop loop;
    engine::Socket peer;
    std::unique_ptr<Framer> chat;

    Channel(const Terminator& init, std::vector<Step> schedule, std::size_t readSize) {
        auto [a, b] = lwtest::socketPair();
        peer = std::move(b);
        chat = std::make_unique<Framer>(std::move(a), &loop);
        chat->acInBufferSize = readSize;
        chat->setTerminator(init);
        chat->schedule = std::move(schedule);
    }
    ~Channel() { chat.reset(); }
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    // Writes the whole stream, shuts the peer's write side and runs the loop
    // until the channel has closed (at EOF, or earlier if a hook closed it).
    bool feed(std::string_view data) {
        std::error_code ec;
        std::size_t off = 0;
        while (off < data.size()) {
            off += engine::sockops::send(peer.get(), data.data() + off, data.size() - off, ec);
            if (ec) return false;
        }
        engine::sockops::shutdownWrite(peer.get(), ec);
        if (ec) return false;
        return lwtest::runUntil(loop, [this] { return !chat->connected; });
    }
};

struct FramingCase {
    const char* name;
    std::string stream;
    Terminator init;
    std::vector<Step> schedule;
    std::string expected;  // CPython's summary, the same for every read size
};

const std::vector<FramingCase>& framingCases() {
    static const std::vector<FramingCase> cases = {
        {"lf", "hello world\nI'm not dead yet!\n", Terminator::bytes("\n"), {},
         R"(hello\x20world@B\x0a I'm\x20not\x20dead\x20yet!@B\x0a tail: rest:)"},
        {"crlf-split", "abc\r\ndef\r\n\r\nxyz", Terminator::bytes("\r\n"), {},
         R"(abc@B\x0d\x0a def@B\x0d\x0a @B\x0d\x0a tail:xyz rest:)"},
        {"qqq-held", "aqqbqqqcqqqq", Terminator::bytes("qqq"), {}, R"(aqqb@Bqqq c@Bqqq tail: rest:q)"},
        {"abab-overlap", "xxabababyyababab", Terminator::bytes("abab"), {},
         R"(xx@Babab abyy@Babab tail: rest:ab)"},
        {"aab-overlap", "aaabaab-aaaab", Terminator::bytes("aab"), {}, R"(a@Baab @Baab -aa@Baab tail: rest:)"},
        {"crlfcrlf-header-body", "GET / HTTP/1.0\r\nHost: x\r\n\r\nhelloPOST\r\n\r\r\n\r\n",
         Terminator::bytes("\r\n\r\n"), {set(Terminator::count(5)), set(Terminator::bytes("\r\n\r\n"))},
         R"(GET\x20/\x20HTTP/1.0\x0d\x0aHost:\x20x@B\x0d\x0a\x0d\x0a hello@#0 POST\x0d\x0a\x0d@B\x0d\x0a\x0d\x0a tail: rest:)"},
        {"bytes-count-none-bytes", "A\n1234rest\nmore", Terminator::bytes("\n"),
         {set(Terminator::count(4)), set(Terminator::none()), set(Terminator::bytes("\n"))},
         R"(A@B\x0a 1234@#0 tail:rest\x0amore rest:)"},
        {"count-many-reads", "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmno",
         Terminator::count(37), {keep()},
         R"(0123456789:;<=>?@ABCDEFGHIJKLMNOPQRST@#0 tail:UVWXYZ[\x5c]^_`abcdefghijklmno rest:)"},
        {"count-repeated", "01234567890123456789012345678901234567890123456789", Terminator::count(12),
         {set(Terminator::count(12)), set(Terminator::count(12)), set(Terminator::count(12))},
         R"(012345678901@#0 234567890123@#0 456789012345@#0 678901234567@#0 tail:89 rest:)"},
        {"count-then-bytes", "abcdefg\nhij\n", Terminator::count(3),
         {set(Terminator::bytes("\n")), set(Terminator::count(2))}, R"(abc@#0 defg@B\x0a hi@#0 tail:j\x0a rest:)"},
        {"eof-partial-crlf", "line one\r\nline two\r", Terminator::bytes("\r\n"), {},
         R"(line\x20one@B\x0d\x0a tail:line\x20two rest:\x0d)"},
        {"eof-partial-abab", "zzababa", Terminator::bytes("abab"), {}, R"(zz@Babab tail: rest:a)"},
        {"empty-records", "\n\nx\n\n", Terminator::bytes("\n"), {}, R"(@B\x0a @B\x0a x@B\x0a @B\x0a tail: rest:)"},
        {"empty-records-crlf", "\r\n\r\n\r\n", Terminator::bytes("\r\n"), {},
         R"(@B\x0d\x0a @B\x0d\x0a @B\x0d\x0a tail: rest:)"},
        {"falsy-count0", "abc\ndef", Terminator::count(0), {}, R"(tail:abc\x0adef rest:)"},
        {"falsy-empty-bytes", "abc\ndef", Terminator::bytes(""), {}, R"(tail:abc\x0adef rest:)"},
        {"falsy-none", "abc\ndef", Terminator::none(), {}, R"(tail:abc\x0adef rest:)"},
        {"many-records", "a\nb\nc\nd\ne\nf\ng\n", Terminator::bytes("\n"), {},
         R"(a@B\x0a b@B\x0a c@B\x0a d@B\x0a e@B\x0a f@B\x0a g@B\x0a tail: rest:)"},
        {"binary-nul", "ab\0\xff" "cd\0\0\xff\0"s, Terminator::bytes("\0\xff"s), {},
         R"(ab@B\x00\xff cd\x00@B\x00\xff tail: rest:\x00)"},
        {"switch-to-longer", "k:v\r\nk2:v2\r\n\r\nBODY", Terminator::bytes("\n"),
         {set(Terminator::bytes("\r\n")), set(Terminator::bytes("\r\n\r\n"))},
         R"(k:v\x0d@B\x0a k2:v2@B\x0d\x0a tail:\x0d\x0aBODY rest:)"},
    };
    return cases;
}

}  // namespace

class TestTerminator : public QObject {
    Q_OBJECT

private slots:
    // ---- A: the value --------------------------------------------------------
    void kindsAndValues();
    void setTerminatorStoresAsGiven_data();
    void setTerminatorStoresAsGiven();
    void negativeCountRaises();
    void boolIsCountOne();
    void describe();

    // ---- S2/S3 and the search -------------------------------------------------
    void findPrefixAtEnd_data();
    void findPrefixAtEnd();
    void findPrefixAtEndMatchesDefinition();
    void findTerminator_data();
    void findTerminator();
    void findTerminatorMatchesFind();

    // ---- R: framing a stream three ways ----------------------------------------
    void framing_data();
    void framing();
    void countTerminatorDecrements_data();
    void countTerminatorDecrements();
    void countIsZeroInsideFoundTerminator_data();
    void countIsZeroInsideFoundTerminator();
    void manyRecordsInOneRecv_data();
    void manyRecordsInOneRecv();
    void terminatorSplitAcrossReadsIsFound_data();
    void terminatorSplitAcrossReadsIsFound();
};

// A1: the three kinds, and b'' / 0 stay distinct from None although they frame alike.
void TestTerminator::kindsAndValues() {
    const Terminator none;
    QVERIFY(none.isNone());
    QVERIFY(!none.framesInput());
    QCOMPARE(none, Terminator::none());

    const Terminator crlf = Terminator::bytes("\r\n");
    QVERIFY(crlf.isBytes());
    QCOMPARE(qb(crlf.bytesValue()), QByteArray("\r\n"));
    QVERIFY(crlf.framesInput());

    const Terminator empty = Terminator::bytes("");
    QVERIFY(empty.isBytes());
    QVERIFY(!empty.framesInput());
    QVERIFY(!(empty == none));

    const Terminator zero = Terminator::count(0);  // A2: 0 is accepted
    QVERIFY(zero.isCount());
    QCOMPARE(zero.countValue(), std::uint64_t{0});
    QVERIFY(!zero.framesInput());
    QVERIFY(!(zero == none));
    QVERIFY(!(zero == empty));

    const Terminator five = Terminator::count(5);
    QCOMPARE(five.countValue(), std::uint64_t{5});
    QVERIFY(five.framesInput());
    QVERIFY(!(five == Terminator::count(6)));

    const Terminator big = Terminator::bytes(std::string(1000, 'x'));  // any length
    QCOMPARE(big.bytesValue().size(), std::size_t{1000});
}

// A1: set_terminator() stores any accepted value as given; get_terminator()
// returns it unchanged (no normalisation of b'' or 0 to None).
void TestTerminator::setTerminatorStoresAsGiven_data() {
    lwtest::addIndexRows("which", {"const char*", "string_view with NUL", "empty bytes", "int", "long long", "zero",
                                   "nullptr", "Terminator"});
}

void TestTerminator::setTerminatorStoresAsGiven() {
    QFETCH(int, which);
    engine::Loop loop;
    Framer chat(&loop);
    chat.setTerminator(Terminator::bytes("seed"));
    Terminator want;
    switch (which) {
    case 0: chat.setTerminator("\r\n"); want = Terminator::bytes("\r\n"); break;
    case 1: chat.setTerminator(std::string_view("a\0b", 3)); want = Terminator::bytes("a\0b"s); break;
    case 2: chat.setTerminator(""); want = Terminator::bytes(""); break;
    case 3: chat.setTerminator(7); want = Terminator::count(7); break;
    case 4: chat.setTerminator(1LL << 40); want = Terminator::count(1LL << 40); break;
    case 5: chat.setTerminator(0); want = Terminator::count(0); break;
    case 6: chat.setTerminator(nullptr); want = Terminator::none(); break;
    default: chat.setTerminator(Terminator::bytes("END")); want = Terminator::bytes("END"); break;
    }
    QCOMPARE(qb(tdesc(chat.getTerminator())), qb(tdesc(want)));
    QVERIFY(chat.getTerminator() == want);
}

// A2 (bpo-11259): a negative count raises with CPython's message, and the old
// terminator stays in place.
void TestTerminator::negativeCountRaises() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Terminator::count(-1));
    try {
        (void)Terminator::count(-5);
        QFAIL("no exception");
    } catch (const std::invalid_argument& e) {
        QCOMPARE(QByteArray(e.what()), QByteArray("the number of received bytes must be positive"));
    }
    engine::Loop loop;
    Framer chat(&loop);
    chat.setTerminator("\n");
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, chat.setTerminator(-1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, chat.setTerminator(-1LL));
    QVERIFY(chat.getTerminator() == Terminator::bytes("\n"));
    chat.setTerminator(0);  // 0 is accepted although the message says "positive"
    QVERIFY(chat.getTerminator() == Terminator::count(0));
}

// A5: bool is an int in Python, so set_terminator(True) is a count of 1; in
// C++ a bool promotes to the int overload and behaves the same.
void TestTerminator::boolIsCountOne() {
    engine::Loop loop;
    Framer chat(&loop);
    chat.setTerminator(true);
    QVERIFY(chat.getTerminator() == Terminator::count(1));
    chat.setTerminator(false);
    QVERIFY(chat.getTerminator() == Terminator::count(0));
}

void TestTerminator::describe() {
    QCOMPARE(QByteArray::fromStdString(Terminator::none().describe()), QByteArray("none"));
    QCOMPARE(QByteArray::fromStdString(Terminator::count(5).describe()), QByteArray("count:5"));
    QCOMPARE(QByteArray::fromStdString(Terminator::bytes("\r\n").describe()), QByteArray("b'\\r\\n'"));
    QCOMPARE(QByteArray::fromStdString(Terminator::bytes("END").describe()), QByteArray("b'END'"));
}

// S2 (T-chat.TestHelperFunctions.test_find_prefix_at_end plus more) and S3.
// Every value is asynchat.find_prefix_at_end()'s answer in CPython 3.11.7,
// except the empty needle: CPython returns -1 there and we return 0 (S3, fixed).
void TestTerminator::findPrefixAtEnd_data() {
    QTest::addColumn<QByteArray>("haystack");
    QTest::addColumn<QByteArray>("needle");
    QTest::addColumn<qulonglong>("expected");
    auto row = [](const char* name, const QByteArray& h, const QByteArray& n, qulonglong want) {
        QTest::newRow(name) << h << n << want;
    };
    row("cpython qwerty\\r", "qwerty\r", "\r\n", 1);
    row("cpython no prefix", "qwertydkjf", "\r\n", 0);
    row("empty haystack", "", "\r\n", 0);
    row("whole haystack is prefix", "\r", "\r\n", 1);
    row("crlfcrlf 3", "x\r\n\r", "\r\n\r\n", 3);
    row("crlfcrlf 2", "x\r\n", "\r\n\r\n", 2);
    row("crlfcrlf 1", "x\r", "\r\n\r\n", 1);
    row("abab 3", "aba", "abab", 3);
    row("abab 2", "ab", "abab", 2);
    row("abab 1", "xa", "abab", 1);
    row("full match is not a prefix", "abab", "abab", 2);
    row("aab 2", "aa", "aab", 2);
    row("aab 1", "a", "aab", 1);
    row("aab full", "aab", "aab", 0);
    row("qqq 2", "qq", "qqq", 2);
    row("qqq longer run", "qqqq", "qqq", 2);
    row("one-byte needle", "abc\n", "\n", 0);
    row("one-byte needle at end", "abc", "c", 0);
    row("binary", QByteArray("\0", 1), QByteArray("\0\xff", 2), 1);
    row("ababab 4", "ababab", "ababab", 4);
    row("abababx 5", "abababa", "abababx", 5);
    row("xyzxyzq 3", "xyz", "xyzxyzq", 3);
    row("empty needle (S3: 0, CPython -1)", "anything", "", 0);
    row("empty needle, empty haystack", "", "", 0);
}

void TestTerminator::findPrefixAtEnd() {
    QFETCH(QByteArray, haystack);
    QFETCH(QByteArray, needle);
    QFETCH(qulonglong, expected);
    const std::string_view h(haystack.constData(), static_cast<std::size_t>(haystack.size()));
    const std::string_view n(needle.constData(), static_cast<std::size_t>(needle.size()));
    QCOMPARE(static_cast<qulonglong>(engine::findPrefixAtEnd(h, n)), expected);
}

// S2 literally: the largest l in 1..len(n)-1 with h.endswith(n[:l]), else 0,
// over every pair of short strings on a two-letter alphabet.
void TestTerminator::findPrefixAtEndMatchesDefinition() {
    std::vector<std::string> words{""};
    for (std::size_t len = 1; len <= 6; ++len) {
        for (unsigned bits = 0; bits < (1u << len); ++bits) {
            std::string w;
            for (std::size_t i = 0; i < len; ++i) w += ((bits >> i) & 1u) ? 'b' : 'a';
            words.push_back(w);
        }
    }
    for (const std::string& h : words) {
        for (const std::string& n : words) {
            if (n.empty()) continue;
            std::size_t want = 0;
            for (std::size_t l = n.size() - 1; l > 0; --l) {
                if (h.size() >= l && h.compare(h.size() - l, l, n, 0, l) == 0) {
                    want = l;
                    break;
                }
            }
            const std::size_t got = engine::findPrefixAtEnd(h, n);
            if (got != want) {
                QFAIL(qPrintable(QStringLiteral("find_prefix_at_end(%1, %2) = %3, want %4")
                                     .arg(QString::fromStdString(h), QString::fromStdString(n))
                                     .arg(got)
                                     .arg(want)));
            }
        }
    }
}

// The leftmost match (bytes.find), as R9 requires.
void TestTerminator::findTerminator_data() {
    QTest::addColumn<QByteArray>("haystack");
    QTest::addColumn<QByteArray>("needle");
    QTest::addColumn<qlonglong>("expected");  // -1 = npos
    QTest::newRow("lf") << QByteArray("abc\ndef\n") << QByteArray("\n") << 3LL;
    QTest::newRow("crlf leftmost") << QByteArray("a\r\nb\r\n") << QByteArray("\r\n") << 1LL;
    QTest::newRow("overlapping abab") << QByteArray("xabababab") << QByteArray("abab") << 1LL;
    QTest::newRow("at start") << QByteArray("\r\n\r\nx") << QByteArray("\r\n\r\n") << 0LL;
    QTest::newRow("absent") << QByteArray("abc\r") << QByteArray("\r\n") << -1LL;
    QTest::newRow("needle longer") << QByteArray("ab") << QByteArray("abc") << -1LL;
    QTest::newRow("binary") << QByteArray("a\0\0\xff", 4) << QByteArray("\0\xff", 2) << 2LL;
    QTest::newRow("qqq in qqqq") << QByteArray("aqqqq") << QByteArray("qqq") << 1LL;
    const QByteArray longHay = QByteArray(5000, 'a') + "aaab" + QByteArray(100, 'a');
    QTest::newRow("long periodic") << longHay << QByteArray("aaab") << 5000LL;
}

void TestTerminator::findTerminator() {
    QFETCH(QByteArray, haystack);
    QFETCH(QByteArray, needle);
    QFETCH(qlonglong, expected);
    const std::size_t got = engine::findTerminator(
        std::string_view(haystack.constData(), static_cast<std::size_t>(haystack.size())),
        std::string_view(needle.constData(), static_cast<std::size_t>(needle.size())));
    QCOMPARE(got == std::string_view::npos ? -1LL : static_cast<qlonglong>(got), expected);
}

// findTerminator() against std::string_view::find on every needle length
// from 1 to 24 (the inline memchr path up to 16 bytes, memmem past it), on
// haystacks over a small alphabet so that near-misses are common; a fixed
// seed keeps it reproducible. An empty needle finds nothing.
void TestTerminator::findTerminatorMatchesFind() {
    QCOMPARE(engine::findTerminator("abc", ""), std::string_view::npos);
    QCOMPARE(engine::findTerminator("", "a"), std::string_view::npos);
    std::uint32_t state = 12345;
    auto next = [&state] {
        state = state * 1664525u + 1013904223u;
        return state >> 16;
    };
    const char alphabet[] = {'a', 'b', '\r', '\n'};
    int checked = 0;
    for (std::size_t n = 1; n <= 24; ++n) {
        for (int round = 0; round < 300; ++round) {
            std::string needle;
            for (std::size_t i = 0; i < n; ++i) needle += alphabet[next() % (n > 4 ? 2 : 4)];
            std::string hay;
            const std::size_t len = next() % 120;
            for (std::size_t i = 0; i < len; ++i) hay += alphabet[next() % (n > 4 ? 2 : 4)];
            if (round % 3 == 0 && len > n) hay.replace(next() % (len - n), n, needle);  // plant one
            const std::size_t want = std::string_view(hay).find(needle);
            const std::size_t got = engine::findTerminator(hay, needle);
            if (got != want)
                QFAIL(qPrintable(QStringLiteral("findTerminator(%1, %2) = %3, want %4")
                                     .arg(QString::fromStdString(esc(hay)), QString::fromStdString(esc(needle)))
                                     .arg(static_cast<qlonglong>(got))
                                     .arg(static_cast<qlonglong>(want))));
            ++checked;
        }
    }
    QCOMPARE(checked, 24 * 300);
}

// R5–R13, R15 through a real socket: each case whole, in 1-byte reads and in
// 10-byte reads. The records, the terminator seen in each found_terminator(),
// the tail and the held-back rest are CPython's, and do not depend on the
// chunking (R11). R14: collect_incoming_data() never gets empty bytes.
void TestTerminator::framing_data() {
    std::vector<const char*> names;
    for (const auto& c : framingCases()) names.push_back(c.name);
    lwtest::addModeRows("index", names);
}

void TestTerminator::framing() {
    QFETCH(int, index);
    QFETCH(qulonglong, readSize);
    const FramingCase& c = framingCases()[static_cast<std::size_t>(index)];
    Channel ch(c.init, c.schedule, static_cast<std::size_t>(readSize));
    QVERIFY(ch.feed(c.stream));
    QCOMPARE(qb(ch.chat->summary()), qb(c.expected));
    QVERIFY(!ch.chat->emptyCollect);
    QCOMPARE(ch.chat->errors, 0);
    if (readSize == 1) {
        // One recv of acInBufferSize per handleRead (R1): stream + the EOF read.
        QCOMPARE(static_cast<std::size_t>(ch.chat->reads), c.stream.size() + 1);
    }
}

// R7: a count n meets a buffer of lb < n bytes: everything is collected and
// the terminator becomes n - lb, visible at the start of the next read.
void TestTerminator::countTerminatorDecrements_data() {
    lwtest::addModeRows("index", {"count25"});
}

void TestTerminator::countTerminatorDecrements() {
    QFETCH(qulonglong, readSize);
    const auto k = static_cast<std::size_t>(readSize);
    Channel ch(Terminator::count(25), {set(Terminator::bytes("\n"))}, k);
    const std::string body = "abcdefghijklmnopqrstuvwxy";  // 25 bytes
    QVERIFY(ch.feed(body + "after\n"));
    // Terminator at the start of each read while the count is still open.
    std::vector<std::string> want;
    for (std::size_t left = 25;; left -= k) {
        want.push_back(tdesc(Terminator::count(static_cast<long long>(left))));
        if (left <= k) break;
    }
    std::vector<std::string> got;
    for (std::size_t i = 0; i < want.size() && i < ch.chat->readTerms.size(); ++i)
        got.push_back(tdesc(ch.chat->readTerms[i]));
    QCOMPARE(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) QCOMPARE(qb(got[i]), qb(want[i]));
    QCOMPARE(ch.chat->records.size(), std::size_t{2});
    QCOMPARE(qb(ch.chat->records[0].payload), qb(body));
    QCOMPARE(qb(ch.chat->records[1].payload), QByteArray("after"));
    if (k == 1) {
        // 25 separate collects; never a found_terminator before the 25th byte.
        QCOMPARE(ch.chat->records[0].read, 25);
    }
}

// R8 (T-chat.numeric_terminator_check): inside found_terminator() a count
// terminator already reads 0; with nothing new set, all later input is
// collected and found_terminator() is never called again.
void TestTerminator::countIsZeroInsideFoundTerminator_data() {
    lwtest::addModeRows("index", {"count6"});
}

void TestTerminator::countIsZeroInsideFoundTerminator() {
    QFETCH(qulonglong, readSize);
    Channel ch(Terminator::count(6), {}, static_cast<std::size_t>(readSize));
    const std::string data = "hello world, I'm not dead yet!\n";
    QVERIFY(ch.feed(data));
    QCOMPARE(ch.chat->records.size(), std::size_t{1});
    QCOMPARE(qb(ch.chat->records[0].payload), qb(data.substr(0, 6)));
    QVERIFY(ch.chat->records[0].term == Terminator::count(0));
    QVERIFY(ch.chat->getTerminator() == Terminator::count(0));
    QCOMPARE(qb(ch.chat->pending), qb(data.substr(6)));
}

// R12: one handle_read() delivers every complete record its recv brought in.
void TestTerminator::manyRecordsInOneRecv_data() {
    lwtest::addModeRows("index", {"7-lines"});
}

void TestTerminator::manyRecordsInOneRecv() {
    QFETCH(qulonglong, readSize);
    Channel ch(Terminator::bytes("\n"), {}, static_cast<std::size_t>(readSize));
    QVERIFY(ch.feed("a\nb\nc\nd\ne\nf\ng\n"));
    const auto& recs = ch.chat->records;
    QCOMPARE(recs.size(), std::size_t{7});
    std::vector<int> readOf;
    for (const auto& r : recs) readOf.push_back(r.read);
    if (readSize == 1) {
        for (std::size_t i = 0; i < 7; ++i) QCOMPARE(readOf[i], static_cast<int>(2 * i + 2));
    } else if (readSize == 10) {
        // "a\nb\nc\nd\ne\n" then "f\ng\n": five records in the first read.
        QCOMPARE(readOf, (std::vector<int>{1, 1, 1, 1, 1, 2, 2}));
    } else {
        QCOMPARE(readOf, (std::vector<int>(7, 1)));
        QCOMPARE(ch.chat->reads, 2);  // the data, then EOF
    }
}

// R11/R13: a multi-byte terminator split at every possible point between two
// reads is found, and the held-back prefix never reaches the payload.
void TestTerminator::terminatorSplitAcrossReadsIsFound_data() {
    QTest::addColumn<QByteArray>("terminator");
    QTest::addColumn<qulonglong>("readSize");
    for (const char* t : {"\r\n", "\r\n\r\n", "abab", "aab", "qqq"}) {
        for (qulonglong k = 1; k <= 9; ++k) QTest::addRow("%s/read%llu", qPrintable(esc(t).c_str()), k) << QByteArray(t) << k;
    }
}

void TestTerminator::terminatorSplitAcrossReadsIsFound() {
    QFETCH(QByteArray, terminator);
    QFETCH(qulonglong, readSize);
    const std::string t = terminator.toStdString();
    const std::string stream = "xy" + t + "a" + t + t + "zzz" + t.substr(0, t.size() - 1);
    Channel ch(Terminator::bytes(t), {}, static_cast<std::size_t>(readSize));
    QVERIFY(ch.feed(stream));
    const auto& recs = ch.chat->records;
    QCOMPARE(recs.size(), std::size_t{3});
    QCOMPARE(qb(recs[0].payload), QByteArray("xy"));
    QCOMPARE(qb(recs[1].payload), QByteArray("a"));
    QCOMPARE(qb(recs[2].payload), QByteArray(""));
    QCOMPARE(qb(ch.chat->pending), QByteArray("zzz"));  // R15: the prefix stays held back
    QCOMPARE(qb(ch.chat->inputBuffer()), qb(t.substr(0, t.size() - 1)));
    QVERIFY(!ch.chat->emptyCollect);
}

QTEST_GUILESS_MAIN(TestTerminator)
#include "tst_Terminator.moc"
