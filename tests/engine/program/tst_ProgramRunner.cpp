// tst_ProgramRunner.cpp — a program at run time: a terminator switched in
// found_terminator applies to the bytes already buffered (as CPython's
// asynchat does), one-shot and lasting terminators, groups, replies from
// templates, runtime errors naming the line (a capture that is not a number,
// a count over the max message size), and a catastrophic regex on a 1 MB
// message matched promptly (RE2: linear time).
#include "engine/program/ProgramFramer.h"
#include "engine/program/ProgramRunner.h"

#include "PresetFiles.h"

#include <QTest>

#include <chrono>

using engine::Terminator;
using engine::program::ProgramFramer;
using engine::program::ProgramRunner;
using engine::program::Sender;

class TestProgramRunner : public QObject {
    Q_OBJECT

private slots:
    void switchAppliesToBufferedBytes() {
        // All in one read: the count set for "$5" frames the bytes that came with it.
        auto p = lwtest::program("rule bulk: regex \"^\\$([0-9]+)$\" => count $1+2\n");
        QVERIFY(p);
        ProgramFramer f(p, Sender::Server);
        f.feed("$5\r\na\r\nbc\r\n+OK\r\n");
        QCOMPARE(f.messages().size(), std::size_t{3});
        QCOMPARE(f.messages()[1].body, std::string("a\r\nbc\r\n"));
        QCOMPARE(f.messages()[1].terminatorBytes, std::string());
        QCOMPARE(f.messages()[2].body, std::string("+OK"));
        QCOMPARE(f.messages()[2].terminatorBytes, std::string("\r\n"));
        QCOMPARE(f.messages()[0].rule, std::string("bulk"));
        QCOMPARE(f.messages()[2].rule, std::string());
    }

    void lastingAndOneShotTerminators() {
        auto p = lwtest::program("terminator \"\\n\"\n"
                                 "rule to-nul: equals \"NUL\" => terminator \"\\0\"\n"
                                 "rule once: equals \"DOT\" => next \".\"\n"
                                 "rule back: equals \"NL\" => terminator \"\\n\"\n"
                                 "rule raw: equals \"RAW\" => terminator none\n");
        QVERIFY(p);
        using namespace std::string_literals;
        const auto ms = ProgramFramer::frame(p, Sender::Any, "DOT\nab.c\nNUL\nx\0NL\0y\nRAW\nrest\n"s);
        std::vector<std::string> bodies;
        for (const auto& m : ms) bodies.push_back(m.body);
        QCOMPARE(bodies, (std::vector<std::string>{"DOT", "ab", "c", "NUL", "x", "NL", "y", "RAW", "rest\n"}));
        QVERIFY(!ms.back().terminated);
    }

    void repliesFromTemplates() {
        auto p = lwtest::program("rule ping: from client, regex \"(?i)^PING( (.*))?$\" => reply \"+PONG $2\\r\\n\"; mark \"ping\"\n"
                                 "rule n: from client, equals \"N\" => reply \"{{counter}}\\n\"\n"
                                 "rule bye: from client, equals \"BYE\" => reply \"bye\\n\"; close\n"
                                 "rule server-only: from server, any => reply \"never\"\n");
        QVERIFY(p);
        ProgramRunner r(p, Sender::Client);
        r.collect("ping hi");
        auto v = r.found("\r\n");
        QCOMPARE(v.replies, std::vector<std::string>{"+PONG hi\r\n"});
        QCOMPARE(v.mark, std::string("ping"));
        r.collect("N");
        QCOMPARE(r.found("\r\n").replies, std::vector<std::string>{"1\n"});
        r.collect("N");
        QCOMPARE(r.found("\r\n").replies, std::vector<std::string>{"2\n"});
        r.collect("other");
        QVERIFY(r.found("\r\n").replies.empty());
        r.collect("BYE");
        v = r.found("\r\n");
        QVERIFY(v.close);
        QCOMPARE(v.replies, std::vector<std::string>{"bye\n"});
    }

    void groupRulesSeeTheWholeGroup() {
        // A minimal Redis: a command is an array; the group rule sees it whole.
        auto p = lwtest::program(lwtest::readPresetText("redis") +
                                 "rule get: group regex \"(?s)^\\*2\\r\\n\\$3\\r\\n(?i:GET)\\r\\n\\$[0-9]+\\r\\n(.*)\\r\\n$\" => reply \"$${{len 1}}\\r\\n$1\\r\\n\"\n");
        QVERIFY(p);
        ProgramFramer f(p, Sender::Client);
        f.feed("*2\r\n$3\r\nGET\r\n$5\r\nk\r\ney\r\n");
        std::vector<std::string> replies;
        for (const auto& m : f.messages())
            for (const auto& r : m.replies) replies.push_back(r);
        QCOMPARE(replies, std::vector<std::string>{"$5\r\nk\r\ney\r\n"});
        QCOMPARE(f.messages().back().group, std::uint64_t{1});
    }

    void layersEachRunTheirFirstMatch() {
        // The smtp preset frames (DATA sets CRLF.CRLF); a rules file answers the same messages.
        auto rules = lwtest::program("rule hello: from client, regex \"(?i)^EHLO (.*)$\" => reply \"250 hi $1\\r\\n\"\n"
                                     "rule data: from client, regex \"(?i)^DATA$\" => reply \"354 go\\r\\n\"\n"
                                     "rule queued: from client, contains \"\\r\\n\" => reply \"250 queued\\r\\n\"\n");
        QVERIFY(rules);
        ProgramFramer f({lwtest::preset("smtp"), rules}, Sender::Client);
        f.feed("EHLO me\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");
        QCOMPARE(f.messages().size(), std::size_t{3});
        QCOMPARE(f.messages()[0].replies, std::vector<std::string>{"250 hi me\r\n"});
        QCOMPARE(f.messages()[1].rule, std::string("data,data"));
        QCOMPARE(f.messages()[1].replies, std::vector<std::string>{"354 go\r\n"});
        QCOMPARE(f.messages()[2].body, std::string("Subject: x\r\n\r\nbody"));
        QCOMPARE(f.messages()[2].replies, std::vector<std::string>{"250 queued\r\n"});
        QCOMPARE(f.messages()[2].group, f.messages()[1].group);
    }

    void headerFastPathAnswersAsRe2() {
        // ^X([0-9]+)$ is matched by hand (Rule::digitsTail); every subject gets RE2's answer.
        for (const char* re : {"^[$=!]([0-9]+)$", "^\\*(\\d+)$", "^%([0-9]+)$", "(?i)^[a]([0-9]+)$", "^[|]([0-9]+)$"}) {
            std::string error;
            auto fast = engine::program::Program::parse(std::string("rule r: regex \"") + re + "\" => mark \"m\"\n", "f.lwp", &error);
            QVERIFY2(fast, error.c_str());
            QVERIFY2(fast->rules()[0].digitsTail, re);
            auto pattern = engine::Pattern::compile(re);
            QVERIFY(pattern);
            auto p = std::make_shared<const engine::program::Program>(std::move(*fast));
            ProgramRunner r(p, Sender::Any);
            const std::vector<std::string> subjects = {"", "$", "$5", "$05", "=12", "!0", "$-1", "$5 ", "$5\r", "*3", "*",
                                                       "%2", "a7", "A7", "$12345678901234567890", "x5", "$5x", "$\n5",
                                                       std::string("$5\0", 3), "\xff" "5", "|2", "|", "|x"};
            for (const std::string& subject : subjects) {
                std::vector<std::string_view> viaRe2;
                const bool expected = pattern->findViews(subject, viaRe2);
                r.collect(subject);
                const auto& v = r.found("\r\n");
                QVERIFY2((v.rule != nullptr) == expected, qPrintable(QString::fromStdString(std::string(re) + " on " + subject)));
            }
        }
        // Near misses keep RE2: not digitsTail.
        for (const char* re : {"^[$]([0-9]+)", "^[$]([0-9]*)$", "^[$]([0-9]+)$x", "^[$]([1-9]+)$"}) {
            auto p = engine::program::Program::parse(std::string("rule r: regex \"") + re + "\"\n", "f.lwp", nullptr);
            QVERIFY(p);
            QVERIFY2(!p->rules()[0].digitsTail, re);
        }
    }

    void nonNumericCaptureIsAnErrorNamingTheLine() {
        auto p = lwtest::program("# line 1\nrule bulk: regex \"^\\$(.*)$\" => count $1+2\n");
        QVERIFY(p);
        ProgramFramer f(p, Sender::Server);
        f.feed("$abc\r\n+OK\r\n");
        QCOMPARE(f.errors(), std::vector<std::string>{
            "test.lwp:2: rule bulk: count capture $1 is 'abc', not a decimal number (up to 15 digits); the terminator stays as it was"});
        QCOMPARE(f.messages().size(), std::size_t{2});  // framing goes on by lines
        QCOMPARE(f.messages()[1].body, std::string("+OK"));
    }

    void countOverTheMaxMessageIsAnError() {
        auto p = lwtest::program("rule bulk: regex \"^\\$([0-9]+)$\" => count $1+2\n");
        QVERIFY(p);
        ProgramFramer f(p, Sender::Server, 1000);
        f.feed("$998\r\n");
        f.feed(std::string(1000, 'x'));
        QCOMPARE(f.errors(), std::vector<std::string>{});
        QCOMPARE(f.messages().size(), std::size_t{2});
        f.feed("$5000\r\n");
        QCOMPARE(f.errors(), std::vector<std::string>{
            "test.lwp:1: rule bulk: count '$1+2' is 5002, over the max message size 1000; the terminator stays as it was"});
        // A program's max-count bounds it further.
        auto q = lwtest::program("max-count 10\nrule bulk: regex \"^\\$([0-9]+)$\" => count $1\n");
        ProgramFramer g(q, Sender::Server);
        g.feed("$11\r\n");
        QCOMPARE(g.errors().size(), std::size_t{1});
        QVERIFY(g.errors()[0].find("test.lwp:2: rule bulk: count '$1' is 11, over the max message size 10") == 0);
    }

    void hugeCaptureDoesNotOverflow() {
        auto p = lwtest::program("rule bulk: regex \"^\\$([0-9]+)$\" => count $1*1000000+2\n");
        ProgramFramer f(p, Sender::Server);
        f.feed("$9999999999999\r\n");
        QCOMPARE(f.errors().size(), std::size_t{1});
        QVERIFY2(f.errors()[0].find("is too large") != std::string::npos, f.errors()[0].c_str());
    }

    void catastrophicRegexOnOneMegabyteIsPrompt() {
        // (a+)+$ and (a|aa)*c backtrack exponentially in a backtracking engine;
        // RE2 matches in time linear in the message.
        auto p = lwtest::program("terminator \"\\n\"\nrule evil: regex \"^(a+)+$\" => mark \"evil\"\n"
                                 "rule evil2: regex \"^(a|aa)*c\" => mark \"evil2\"\n"
                                 "rule nested: regex \"((a*)*)*b\" => mark \"nested\"\n");
        QVERIFY(p);
        ProgramFramer f(p, Sender::Server, 2u << 20);
        const std::string message = std::string(1u << 20, 'a') + "!\n";
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < 3; ++i) f.feed(message);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
        QCOMPARE(f.messages().size(), std::size_t{3});
        QCOMPARE(f.messages()[0].mark, std::string());
        qInfo("3 × 1 MiB messages against 3 catastrophic regexes: %lld ms", static_cast<long long>(ms));
        QVERIFY2(ms < 5000, qPrintable(QString::number(ms)));
    }

    void memoryStaysBounded() {
        // A message longer than the max message size is matched on its first
        // maxMessage bytes; the runner never holds more.
        auto p = lwtest::program("terminator none\nrule a: any\n");
        ProgramRunner r(p, Sender::Server, 1000);
        const std::string chunk(1000, 'x');  // collect()'s data stays valid until found() or detach()
        for (int i = 0; i < 100; ++i) r.collect(chunk);
        QVERIFY(r.heldBytes() <= 1000);
    }
};

QTEST_APPLESS_MAIN(TestProgramRunner)
#include "tst_ProgramRunner.moc"
