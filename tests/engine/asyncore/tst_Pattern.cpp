// tst_Pattern.cpp — engine::Pattern, the matcher for untrusted bytes (RE2).
//
// Covered: matching bytes of every value (Latin-1: \xff, NUL, bytes that are
// not UTF-8), every non-empty match in order (empty ones skipped), the first
// match from a position with its capture groups (one that takes no part is
// nullopt), anchors seeing the whole subject, contains()/fullMatch(); long
// subjects that made std::regex overflow the stack (60,000 digits with
// `[0-9]+`, a 60,000-byte `Date: .*`, 50 KB with `Z+`, a backtracking bomb)
// matched in bounded time; refused patterns with a clear one-line message: a
// 100,000-byte pattern, 30,000 '(' (too long; with the length limit raised,
// RE2's own "missing )"), a program over the memory limit, backreferences
// and lookahead (not RE2 syntax), control bytes escaped in the message; 30,000
// balanced nested groups compile and match (no recursion).
#include "engine/asyncore/Pattern.h"

#include <QTest>

#include <chrono>
#include <string>

using engine::ByteRange;
using engine::Pattern;
using engine::PatternLimits;
using Ranges = std::vector<ByteRange>;

namespace {

Pattern compiled(std::string_view p, const PatternLimits& limits = {}) {
    std::string error;
    auto pattern = Pattern::compile(p, &error, limits);
    if (!pattern) throw std::runtime_error("refused: " + error);
    return *pattern;
}

std::string refusal(std::string_view p, const PatternLimits& limits = {}) {
    std::string error;
    if (Pattern::compile(p, &error, limits)) return "(accepted)";
    return error;
}

bool printable(const std::string& s) {
    for (const char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    return true;
}

}  // namespace

class TestPattern : public QObject {
    Q_OBJECT

private slots:
    void matchesBytes();
    void findAllSkipsEmptyMatches();
    void findWithGroups();
    void anchorsSeeTheWholeSubject();
    void longSubjectsInLinearTime();
    void tooLongPatternIsRefused();
    void deepNesting();
    void programOverTheMemoryLimitIsRefused();
    void re2SyntaxErrors();
    void excerpt();
};

void TestPattern::matchesBytes() {
    const Pattern high = compiled("\\xff+");
    QCOMPARE(high.findAll(std::string("a\xff\xff" "b\xff", 5)), (Ranges{{1, 3}, {4, 5}}));
    // Not UTF-8, and NUL inside: one byte is one character.
    const std::string bytes("\xc3(\0\x80\n", 5);
    QCOMPARE(compiled(".").findAll(bytes), (Ranges{{0, 1}, {1, 2}, {2, 3}, {3, 4}}));  // '.' stops at '\n' only
    QCOMPARE(compiled("\\x00\\x80").findAll(bytes), (Ranges{{2, 4}}));
    QVERIFY(compiled("[\\x80-\\xff]").contains(bytes));
    // A pattern's own non-ASCII bytes stand for themselves (é is two bytes).
    QCOMPARE(compiled("é").findAll("café"), (Ranges{{3, 5}}));
    QVERIFY(compiled("a.c").fullMatch("a\rc"));
    QVERIFY(!compiled("a.c").fullMatch("a\nc"));
    QVERIFY(!compiled("b").fullMatch("abc"));
    QVERIFY(compiled("b").contains("abc"));
}

void TestPattern::findAllSkipsEmptyMatches() {
    QCOMPARE(compiled("[0-9]+").findAll("a12b345c"), (Ranges{{1, 3}, {4, 7}}));
    QCOMPARE(compiled("x*").findAll("axxbx"), (Ranges{{1, 3}, {4, 5}}));
    QCOMPARE(compiled("").findAll("abc"), Ranges{});
    QCOMPARE(compiled("q").findAll(""), Ranges{});
    // Leftmost-first, like ECMAScript and Perl: the first alternative wins.
    QCOMPARE(compiled("a|ab").findAll("ab"), (Ranges{{0, 1}}));
}

void TestPattern::findWithGroups() {
    const Pattern p = compiled("(\\w+)=(\\d+)|(z)");
    QCOMPARE(p.groupCount(), 3u);
    const auto m = p.find("  id=42; z");
    QVERIFY(m);
    QCOMPARE(m->range, (ByteRange{2, 7}));
    QCOMPARE(m->groups.size(), 3u);
    QCOMPARE(m->groups[0], std::optional<ByteRange>(ByteRange{2, 4}));
    QCOMPARE(m->groups[1], std::optional<ByteRange>(ByteRange{5, 7}));
    QVERIFY(!m->groups[2]);
    const auto next = p.find("  id=42; z", m->range.second);
    QVERIFY(next);
    QCOMPARE(next->range, (ByteRange{9, 10}));
    QVERIFY(!next->groups[0]);
    QCOMPARE(next->groups[2], std::optional<ByteRange>(ByteRange{9, 10}));
    QVERIFY(!p.find("nothing here"));
    QVERIFY(!p.find("id=1", 5));  // past the end
    QCOMPARE(compiled("x").find("x", 1).has_value(), false);
}

void TestPattern::anchorsSeeTheWholeSubject() {
    const Pattern start = compiled("^a");
    QVERIFY(start.find("aa", 0));
    QVERIFY(!start.find("aa", 1));  // position 1 is not the start of the subject
    QCOMPARE(compiled("a$").findAll("aaa"), (Ranges{{2, 3}}));
    QCOMPARE(compiled("\\bab").findAll("ab xab ab"), (Ranges{{0, 2}, {7, 9}}));
}

void TestPattern::longSubjectsInLinearTime() {
    // Each of these overflowed the stack in std::regex (the replayer thread
    // crashed); RE2 does not recurse.
    const auto start = std::chrono::steady_clock::now();
    const std::string digits(60000, '7');
    QCOMPARE(compiled("[0-9]+").findAll(digits), (Ranges{{0, 60000}}));
    const std::string date = "Date: " + std::string(60000 - 6, 'x');
    QCOMPARE(compiled("Date: .*").findAll(date), (Ranges{{0, 60000}}));
    const std::string zs(50 * 1024, 'Z');
    QCOMPARE(compiled("Z+").findAll(zs), (Ranges{{0, zs.size()}}));
    // Exponential for a backtracking engine; linear here.
    const std::string as(100000, 'a');
    QVERIFY(!compiled("(a|aa)*b").contains(as));
    QVERIFY(!compiled("(a*)*b").contains(as));
    const auto took = std::chrono::steady_clock::now() - start;
    QVERIFY2(took < std::chrono::seconds(5),
             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()).c_str());
}

void TestPattern::tooLongPatternIsRefused() {
    const std::string big(100000, 'a');
    QCOMPARE(refusal(big), std::string("pattern too long (100000 bytes; the limit is 4096)"));
    PatternLimits small;
    small.maxPatternBytes = 3;
    QCOMPARE(refusal("abcd", small), std::string("pattern too long (4 bytes; the limit is 3)"));
    QVERIFY(Pattern::compile("abc", nullptr, small));
    QVERIFY(Pattern::compile(std::string(PatternLimits::kDefaultMaxPatternBytes, 'a')));
}

void TestPattern::deepNesting() {
    const std::string parens(30000, '(');
    QCOMPARE(refusal(parens), std::string("pattern too long (30000 bytes; the limit is 4096)"));
    // Past the length limit, RE2's parser refuses it itself, without recursing.
    PatternLimits roomy;
    roomy.maxPatternBytes = 1 << 20;
    const std::string why = refusal(parens, roomy);
    QVERIFY2(why.rfind("missing ): ((((", 0) == 0, why.c_str());
    QVERIFY2(why.size() < 200 && printable(why), why.c_str());
    QVERIFY2(why.find("(30000 bytes)") != std::string::npos, why.c_str());
    // Balanced, 30,000 deep: RE2 parses, compiles and matches it with
    // explicit stacks (std::regex's recursive compiler crashed).
    const std::string nested = std::string(30000, '(') + "a" + std::string(30000, ')');
    const auto p = Pattern::compile(nested, nullptr, roomy);
    QVERIFY(p);
    QCOMPARE(p->findAll("xax"), (Ranges{{1, 2}}));
}

void TestPattern::programOverTheMemoryLimitIsRefused() {
    PatternLimits tight;
    tight.maxMemory = 4096;
    const std::string why = refusal("\\w{1000}\\d{1000}", tight);
    QCOMPARE(why, std::string("pattern too large: its compiled program needs more than the limit of 4096 bytes"));
    QVERIFY(Pattern::compile("\\w{1000}\\d{1000}"));  // fits the default
}

void TestPattern::re2SyntaxErrors() {
    const std::string unclosed = refusal("(x");
    QVERIFY2(unclosed.rfind("missing )", 0) == 0, unclosed.c_str());
    // Not RE2: backreferences and lookaround.
    const std::string backref = refusal("(a)\\1");
    QCOMPARE(backref, std::string("invalid escape sequence: \\1"));
    const std::string lookahead = refusal("a(?=b)");
    QCOMPARE(lookahead, std::string("invalid perl operator: (?="));
    QCOMPARE(refusal("x{1001}"), std::string("invalid repetition size: {1001}"));
    // The pattern's bytes are escaped in the message: no raw control bytes.
    const std::string ctl = refusal(std::string("[\x01\x1b[2J", 6));
    QVERIFY2(printable(ctl), ctl.c_str());
    QCOMPARE(ctl, std::string("missing ]: [\\x01\\x1b[2J"));
    std::string error = "untouched";
    QVERIFY(Pattern::compile("ok", &error));
    QCOMPARE(error, std::string("untouched"));
}

void TestPattern::excerpt() {
    QCOMPARE(Pattern::excerpt("a\r\nb\\d\xff"), std::string("a\\r\\nb\\d\\xff"));
    QCOMPARE(Pattern::excerpt(std::string(100, 'x'), 5), std::string("xxxxx…(100 bytes)"));
}

QTEST_GUILESS_MAIN(TestPattern)
#include "tst_Pattern.moc"
