// tst_PythonExport.cpp — engine/script PythonExport: the literals are
// printable ASCII whatever the bytes, RE2 patterns become Python's, steps
// become the calls a reader expects, and what cannot be exported is refused
// with its line. (The programs run against real peers in tests/app
// tst_CliScriptExport.)
#include "engine/script/PythonExport.h"

#include <QTest>

using namespace engine::script;

namespace {

Script parse(const char* text) {
    std::string why;
    auto s = Script::parse(text, "t.lws", &why);
    if (!s) qFatal("parse: %s", why.c_str());
    return *s;
}

}  // namespace

class tst_PythonExport : public QObject {
    Q_OBJECT
private slots:
    void literalsArePrintable() {
        QCOMPARE(pythonBytes(std::string("a'b\\c\n\0\x7f\xff\"", 10)), std::string("b'a\\'b\\\\c\\x0a\\x00\\x7f\\xff\"'"));
        QCOMPARE(pythonBytes(""), std::string("b''"));
        QCOMPARE(pythonStr("x'\r"), std::string("'x\\'\\x0d'"));
    }

    void regexesBecomePython() {
        QCOMPARE(pythonRegex("^:(\\d+)$"), std::string("^:(\\d+)\\Z"));
        QCOMPARE(pythonRegex("a\\$[$]\\z"), std::string("a\\$[$]\\Z"));
        QCOMPARE(pythonRegex("(?m)^v:([0-9.]+)$"), std::string("(?m)^v:([0-9.]+)$"));
        QCOMPARE(pythonRegex("[]$]$"), std::string("[]$]\\Z"));
    }

    void stepsBecomeCalls() {
        const Script s = parse("connect 127.0.0.1:7\ntimeout 2\nset k \"v\"\nsend \"GET ${k}\"\n"
                               "expect regex \"^\\$(\\d+)$\" as n\nterminator count ${n}\nexpect contains \"x\" within 3\n"
                               "repeat 2 {\n}\nsend raw \"q\"\nassert \"${n}\" != \"0\"\nexpect close\n");
        std::string why;
        const auto py = exportPython(s, PythonFlavor::Asyncio, &why);
        QVERIFY2(py, why.c_str());
        for (const char* want :
             {"await s.connect('127.0.0.1', 7, 't.lws:1')", "s.timeout = 2.000", "s.vars['k'] = b'v'",
              "await s.send(b'GET ' + s.var('k'), True, 't.lws:4')", "R0 = regex(b'^\\\\$(\\\\d+)\\\\Z', 't.lws:5')",
              "await s.expect('regex', R0, ['n'], 1, None,", "s.count('n', 't.lws:6')",
              "await s.expect('contains', b'x', [], 3, None,", "for _ in range(2):\n", "        pass\n",
              "await s.send(b'q', False, 't.lws:10')", "s.check(s.var('n'), '!=', b'0',",
              "await s.expect_close(None, 't.lws:12',", "asyncio.run(main())"})
            QVERIFY2(py->find(want) != std::string::npos, want);
        QVERIFY(py->find("pwn") == std::string::npos);
        const auto pw = exportPython(s, PythonFlavor::Pwntools, &why);
        QVERIFY(pw);
        QVERIFY(pw->find("from pwn import context, remote") != std::string::npos);
        QVERIFY(pw->find("    s.connect('127.0.0.1', 7, 't.lws:1')") != std::string::npos);
        QVERIFY(pw->find("await") == std::string::npos);
    }

    void commentsKeepPrintableAscii() {
        // A statement with a carriage return (Python's tokenizer ends a comment there).
        const Script s = parse("connect 127.0.0.1:7\nset k \"a\rb\x01\" \r\n");
        std::string why;
        const auto py = exportPython(s, PythonFlavor::Pwntools, &why);
        QVERIFY2(py, why.c_str());
        for (const char c : *py) QVERIFY(c == '\n' || (c >= 0x20 && c <= 0x7e));
        QVERIFY(py->find("# t.lws:2  set k \"a?b?\"\n") != std::string::npos);
        QVERIFY(py->find("s.vars['k'] = b'a\\x0db\\x01'") != std::string::npos);
    }

    void refusals() {
        std::string why;
        QVERIFY(!exportPython(parse("connect 127.0.0.1:7\npreset redis\n"), PythonFlavor::Pwntools, &why));
        QCOMPARE(why, std::string("t.lws:2: preset (framing by a protocol program) cannot be exported to Python"));
        for (const PythonFlavor f : {PythonFlavor::Pwntools, PythonFlavor::Asyncio}) {
            QVERIFY(!exportPython(parse("connect 127.0.0.1:25\n\nstarttls smtp\n"), f, &why));
            QCOMPARE(why, std::string("t.lws:3: starttls smtp (the built-in dialogue) cannot be exported to Python; "
                                      "write the dialogue as send and expect steps followed by a plain 'starttls'"));
        }
    }

    void tlsBecomesAnSslContext() {
        std::string why;
        const auto py = exportPython(parse("connect 127.0.0.1:465 tls cafile \"/tmp/c'a.pem\" sni \"mx\"\n"
                                           "close\nconnect 127.0.0.1:25\nstarttls insecure\n"),
                                     PythonFlavor::Asyncio, &why);
        QVERIFY2(py, why.c_str());
        QVERIFY(py->find("await s.connect('127.0.0.1', 465, 't.lws:1', tls_context(False, '/tmp/c\\'a.pem', None, "
                         "None, 't.lws:1'), 'mx')") != std::string::npos);
        QVERIFY(py->find("await s.starttls(tls_context(True, None, None, None, 't.lws:4'), None, 't.lws:4')") !=
                std::string::npos);
        QVERIFY(pythonFlavor("pwntools") && pythonFlavor("asyncio") && !pythonFlavor("Pwntools"));
    }
};

QTEST_GUILESS_MAIN(tst_PythonExport)
#include "tst_PythonExport.moc"
