// tst_Program.cpp — the program file format: what it reads, and every
// mistake refused as "FILE:LINE: what is wrong".
#include "engine/program/Program.h"
#include "engine/program/ProgramRunner.h"

#include "PresetFiles.h"

#include <QDir>
#include <QTest>

using engine::program::Action;
using engine::program::Program;
using engine::program::Rule;
using engine::program::Sender;
using engine::program::TerminatorSpec;

class TestProgram : public QObject {
    Q_OBJECT

    static std::string refusal(const std::string& text) {
        std::string error;
        if (Program::parse(text, "bad.lwp", &error)) return "(accepted)";
        return error;
    }

private slots:
    void readsAProgram() {
        const std::string text = "# a comment\n"
                                 "name demo   # trailing comment\n"
                                 "description \"a demo # not a comment\"\n"
                                 "terminator \"\\r\\n\"\r\n"
                                 "\n"
                                 "rule ping: from client, equals \"PING\" => reply \"+PONG\\r\\n\"\n"
                                 "rule bulk: regex \"^\\$([0-9]+)$\" => count $1+2; mark \"bulk\"\n"
                                 "rule head: in start group prefix \"x\" => state body; group open\n"
                                 "rule body: in body, any => terminator none; state start; group close; close\n"
                                 "rule lp: suffix \"#\" => next count be32($0)*2-1 ; \n";
        std::string error;
        auto p = Program::parse(text, "demo.lwp", &error);
        QVERIFY2(p, error.c_str());
        QCOMPARE(p->name(), std::string("demo"));
        QCOMPARE(p->description(), std::string("a demo # not a comment"));
        QCOMPARE(p->initialTerminator().bytes, std::string("\r\n"));
        QCOMPARE(p->rules().size(), std::size_t{5});
        const Rule& ping = p->rules()[0];
        QCOMPARE(ping.line, std::size_t{6});
        QCOMPARE(ping.from, Sender::Client);
        QCOMPARE(ping.match, Rule::Match::Equals);
        QCOMPARE(ping.literal, std::string("PING"));
        QCOMPARE(ping.actions.size(), std::size_t{1});
        QCOMPARE(ping.actions[0].kind, Action::Kind::Reply);
        const Rule& bulk = p->rules()[1];
        QVERIFY(bulk.pattern);
        QCOMPARE(bulk.actions[0].kind, Action::Kind::Next);
        QCOMPARE(bulk.actions[0].terminator.kind, TerminatorSpec::Kind::Count);
        QCOMPARE(bulk.actions[0].terminator.count.evaluate({"$5", "5"}, nullptr), std::optional<std::int64_t>(7));
        QCOMPARE(bulk.actions[1].text, std::string("bulk"));
        QVERIFY(p->rules()[2].onGroup);
        QCOMPARE(p->rules()[2].state, std::string("start"));
        QCOMPARE(p->rules()[3].actions.size(), std::size_t{4});
        QCOMPARE(p->rules()[4].actions[0].terminator.count.evaluate({std::string_view("\0\0\0\x03#", 5)}, nullptr),
                 std::optional<std::int64_t>(5));
        QVERIFY(p->answers());
        QVERIFY(p->matchesGroups());
    }

    void countShortcutAnswersAsTheGeneralPath() {
        // `$1+K` / `$1-K` take a shortcut; `1*$1+K` is the same value through the general loop.
        for (const char* k : {"2", "0", "9007199254740992", "9999999999999999"})
            for (const char* sign : {"+", "-"}) {
                const std::string fast = std::string("$1") + sign + k, slow = std::string("1*$1") + sign + k;
                auto parse = [](const std::string& e) {
                    return Program::parse("rule r: regex \"^(.*)$\" => count " + e + "\n", "e.lwp", nullptr);
                };
                auto pf = parse(fast), ps = parse(slow);
                QVERIFY(pf && ps);
                const engine::program::Expr& ef = pf->rules()[0].actions[0].terminator.count;
                const engine::program::Expr& es = ps->rules()[0].actions[0].terminator.count;
                for (const char* cap : {"5", "0", "007", "999999999999999", "1000000000000000", "", "12a", "-3", " 4",
                                        "9007199254740990", "\xff"}) {
                    const std::vector<std::string_view> caps = {cap, cap};
                    std::string whyF, whyS;
                    const auto vf = ef.evaluate(caps, &whyF), vs = es.evaluate(caps, &whyS);
                    QVERIFY2(vf == vs, qPrintable(QString::fromStdString(fast + " on '" + cap + "'")));
                    QCOMPARE(whyF.empty(), whyS.empty());
                }
                QVERIFY(!ef.evaluate({"x"}, nullptr));  // no $1 at all
            }
    }

    void everyShippedPresetParses() {
        const QStringList files = QDir(QStringLiteral(LW_PRESETS_DIR)).entryList({QStringLiteral("*.lwp")});
        QVERIFY(files.size() >= 10);
        for (const QString& f : files) {
            const std::string name = f.chopped(4).toStdString();
            std::string error;
            auto p = Program::parse(lwtest::readPresetText(name), f.toStdString(), &error);
            QVERIFY2(p, error.c_str());
            QCOMPARE(p->name(), name);
            QVERIFY2(!p->description().empty(), name.c_str());
            QVERIFY2(!p->answers(), name.c_str());  // presets frame; they never answer
        }
    }

    void mistakesNameTheirLine() {
        QCOMPARE(refusal("name x\nfoo bar\n"),
                 std::string("bad.lwp:2: unknown statement 'foo'; use name, description, terminator, max-count or rule"));
        QCOMPARE(refusal("\n\nrule a: regex \"(ab\"\n"),
                 std::string("bad.lwp:3: the regex does not compile: missing ): (ab"));
        QCOMPARE(refusal("rule a: regex \"(?=x)\"\n").substr(0, 38), std::string("bad.lwp:1: the regex does not compile:"));
        QCOMPARE(refusal("rule a: equals \"x\" => count $1\n"),
                 std::string("bad.lwp:1: the count uses $1 but the matcher has only $0 (use a regex for captures)"));
        QCOMPARE(refusal("rule a: regex \"(x)\" => reply \"$2\"\n"),
                 std::string("bad.lwp:1: the reply uses $2 but the regex has 1 group"));
        QCOMPARE(refusal("rule a: any => count abc\n"),
                 std::string("bad.lwp:1: count: 'abc' is not a count expression; write a number, a capture ($1), a "
                             "function of a capture (dec hex len u8 be16 le16 be32 le32, as hex($1)), joined by + - *"));
        QCOMPARE(refusal("rule a: any => count $1 +\n"), std::string("bad.lwp:1: count: '$1 +' is not a count expression; write a number, a capture ($1), a function of a capture (dec hex len u8 be16 le16 be32 le32, as hex($1)), joined by + - *"));
        QCOMPARE(refusal("rule a: any => jump\n"),
                 std::string("bad.lwp:1: unknown action 'jump'; use terminator, next, count, state, group, reply, close, mark or tell"));
        QCOMPARE(refusal("rule a: any close\n"), std::string("bad.lwp:1: '=>' expected before the actions"));
        QCOMPARE(refusal("rule a any\n"), std::string("bad.lwp:1: ':' expected after the rule's name 'a'"));
        QCOMPARE(refusal("rule a: equals \"x\n"),
                 std::string("bad.lwp:1: equals: the quoted string is not closed (a '\"' is missing)"));
        QCOMPARE(refusal("rule a: equals \"\\q\"\n"),
                 std::string("bad.lwp:1: unknown escape '\\q' at column 1; use \\r \\n \\t \\0 \\\\ \\\" or \\xNN"));
        QCOMPARE(refusal("rule a: whatever \"x\"\n"),
                 std::string("bad.lwp:1: 'whatever' is not a matcher; use any, equals, prefix, suffix, contains or "
                             "regex (after optional in STATE, from client|server, heard WORD, group)"));
        QCOMPARE(refusal("rule a: from nobody, any\n"), std::string("bad.lwp:1: from needs client or server"));
        QCOMPARE(refusal("rule a: any => state body\nrule b: in bdoy, any\n"),
                 std::string("bad.lwp:2: state 'bdoy' is never entered (no rule has 'state bdoy'; the first state is 'start')"));
        QCOMPARE(refusal("rule a: any\nterminator \"\\n\"\n"),
                 std::string("bad.lwp:2: the starting terminator goes before the first rule"));
        QCOMPARE(refusal("terminator \"\"\n"), std::string("bad.lwp:1: terminator: an empty terminator frames nothing; write none"));
        QCOMPARE(refusal("terminator count $1\n"), std::string("bad.lwp:1: terminator: the starting terminator cannot use a capture"));
        QCOMPARE(refusal("rule a: any => next none\n"), std::string("bad.lwp:1: next: a terminator is \"bytes\" or count EXPR"));
        QCOMPARE(refusal("rule a: any => reply \"{{bogus}}\"\n"),
                 std::string("bad.lwp:1: reply: unknown macro {{bogus}} at column 1; use {{N}} {{len N}} {{counter}} "
                             "{{date}} {{time}} {{unixtime}} {{random}} {{uuid}}"));
        QCOMPARE(refusal("rule a: any => close extra\n"), std::string("bad.lwp:1: ';' expected between actions, found 'extra'"));
        QCOMPARE(refusal("rule a: any => tell multi\nrule b: heard mutli, any\n"),
                 std::string("bad.lwp:2: note 'mutli' is never told (no rule has 'tell mutli')"));
        QCOMPARE(refusal("rule a: any => tell any\n"), std::string("bad.lwp:1: tell needs a note's name (a word)"));
        QCOMPARE(refusal("rule a: heard, any\n"), std::string("bad.lwp:1: heard needs a note's name (or any)"));
        // A control byte in a mistake is shown escaped, never raw.
        QCOMPARE(refusal("\x1b[2J x\n"), std::string("bad.lwp:1: a statement is expected (name, description, terminator, max-count or rule)"));
        QCOMPARE(refusal("rule a: \x1b[2J\n"),
                 std::string("bad.lwp:1: a matcher is expected; use any, equals, prefix, suffix, contains or regex "
                             "(after optional in STATE, from client|server, heard WORD, group)"));
        // A regex over Pattern's limits.
        QCOMPARE(refusal("rule a: regex \"" + std::string(5000, 'a') + "\"\n").substr(0, 58),
                 std::string("bad.lwp:1: the regex does not compile: pattern too long (5"));
    }

    void firstBytePrefilterIsConservative() {
        auto firstBytes = [](const std::string& regex) -> std::string {
            std::string error;
            auto p = Program::parse("rule r: regex \"" + regex + "\"\n", "f.lwp", &error);
            if (!p) return "(refused) " + error;
            const auto& f = p->rules()[0].firstBytes;
            if (!f) return "(any)";
            std::string out;
            for (int b = 0; b < 256; ++b)
                if ((*f)[static_cast<std::size_t>(b)]) out += static_cast<char>(b);
            return out;
        };
        QCOMPARE(firstBytes("^[$=!]([0-9]+)$"), std::string("!$="));
        QCOMPARE(firstBytes("^\\$([0-9]+)$"), std::string("$"));
        QCOMPARE(firstBytes("(?is)^get"), std::string("Gg"));
        QCOMPARE(firstBytes("^[0-3x]"), std::string("0123x"));
        QCOMPARE(firstBytes("^\\x0b"), std::string("\x0b"));
        QCOMPARE(firstBytes("^\\d+"), std::string("0123456789"));
        // A '|' in a class or escaped is no alternation (the redis preset's attribute rule).
        QCOMPARE(firstBytes("^[|]([0-9]+)$"), std::string("|"));
        QCOMPARE(firstBytes("^\\|x"), std::string("|"));
        QCOMPARE(firstBytes("^[]|]x"), std::string("]|"));
        for (const char* any : {"^a?b", "^a*b", "^a{0,2}b", "^(a)", "a|^b", "(?m)^x", "x", "^[^a]", "^\\w", "^.", "^[[:digit:]]",
                                "^[a]|b", "^a[|]|b", "^[[:alpha:]|]x|y", "^\\\\|x"})
            QVERIFY2(firstBytes(any) == "(any)", any);
        // The prefilter never hides a match: case-insensitive, and a class with escapes.
        auto p = lwtest::program("rule get: regex \"(?i)^get (.*)$\" => mark \"$1\"\n");
        engine::program::ProgramRunner r(p, Sender::Any);
        r.collect("GeT x");
        QCOMPARE(r.found("\n").mark, std::string("$1"));
    }

    void manyRulesStayBounded() {
        std::string text;
        for (int i = 0; i < 5000; ++i) text += "rule r" + std::to_string(i) + ": prefix \"x" + std::to_string(i) + "\" => mark \"m\"\n";
        std::string error;
        auto p = Program::parse(text, "many.lwp", &error);
        QVERIFY2(p, error.c_str());
        QCOMPARE(p->rules().size(), std::size_t{5000});
    }
};

QTEST_APPLESS_MAIN(TestProgram)
#include "tst_Program.moc"
