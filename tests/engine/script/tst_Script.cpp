// tst_Script.cpp — engine/script/Script: the script format's parser (every
// statement, the errors naming the line), and ScriptRunner's results that
// need no peer (a refused connect, percentiles). The runs against real
// peers are in tests/app/tst_CliScript.cpp.
#include "engine/script/Script.h"
#include "engine/script/ScriptMaker.h"
#include "engine/script/ScriptRunner.h"

#include "engine/net/Address.h"

#include <QTcpServer>
#include <QTest>

using engine::script::Script;
using engine::script::Step;

class tst_Script : public QObject {
    Q_OBJECT

    static Script parse(const char* text) {
        std::string why;
        auto s = Script::parse(text, "t.lws", &why);
        if (!s) qFatal("parse failed: %s", why.c_str());
        return *s;
    }
    static std::string error(const char* text) {
        std::string why;
        auto s = Script::parse(text, "t.lws", &why);
        return s ? std::string("(parsed)") : why;
    }

private slots:
    void everyStatement() {
        const Script s = parse(
            "# a comment\n"
            "connect 127.0.0.1:6379   # trailing comment\n"
            "timeout 2.5\n"
            "terminator \"\\r\\n\"\n"
            "preset redis\n"
            "terminator none\n"
            "terminator count 5\n"
            "terminator count ${len}\n"
            "send \"PING # not a comment\"\n"
            "send raw \"A\\x00${x}B\"\n"
            "expect \"+PONG\"\n"
            "expect prefix \"+O\" as whole\n"
            "expect regex \"^\\$(\\d+)$\" as len within 3 timeout 200ms\n"
            "expect close\n"
            "wait 0.1\n"
            "set x \"v${len}\"\n"
            "assert \"${x}\" == \"v5\"\n"
            "assert \"${x}\" =~ \"^v[0-9]$\"\n"
            "repeat 3 {\n"
            "  repeat 0 {\n"
            "  }\n"
            "}\n"
            "close\n");
        const auto& st = s.steps();
        QCOMPARE(st.size(), std::size_t{22});
        QCOMPARE(st[0].kind, Step::Kind::Connect);
        QCOMPARE(st[0].host, std::string("127.0.0.1"));
        QCOMPARE(st[0].port, std::uint16_t{6379});
        QCOMPARE(st[0].line, std::size_t{2});
        QCOMPARE(st[1].ms, std::int64_t{2500});
        QCOMPARE(st[2].terminator.bytesValue(), std::string("\r\n"));
        QVERIFY(st[3].program);
        QVERIFY(st[4].terminator.isNone());
        QCOMPARE(st[5].terminator.countValue(), std::uint64_t{5});
        QCOMPARE(st[6].countVariable, std::string("len"));
        QCOMPARE(st[7].text.parts.size(), std::size_t{1});
        QCOMPARE(st[7].text.parts[0].text, std::string("PING # not a comment"));
        QVERIFY(st[8].raw);
        QCOMPARE(st[8].text.parts.size(), std::size_t{3});
        QCOMPARE(st[8].text.parts[0].text, std::string("A\0", 2));
        QVERIFY(st[8].text.parts[1].variable);
        QCOMPARE(st[9].rule.match, engine::program::Rule::Match::Equals);
        QCOMPARE(st[9].rule.literal, std::string("+PONG"));
        QCOMPARE(st[10].rule.match, engine::program::Rule::Match::Prefix);
        QCOMPARE(st[10].captures, std::vector<std::string>{"whole"});
        QCOMPARE(st[11].rule.match, engine::program::Rule::Match::Regex);
        QCOMPARE(st[11].within, std::size_t{3});
        QCOMPARE(st[11].ms, std::int64_t{200});
        QCOMPARE(st[12].kind, Step::Kind::ExpectClose);
        QCOMPARE(st[13].ms, std::int64_t{100});
        QCOMPARE(st[16].compare, Step::Compare::Matches);
        QCOMPARE(st[17].kind, Step::Kind::RepeatBegin);
        QCOMPARE(st[17].jump, std::size_t{20});
        QCOMPARE(st[18].jump, std::size_t{19});
        QCOMPARE(st[20].jump, std::size_t{17});
    }

    void errorsNameTheLine_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown") << "connect a:1\nsned \"x\"\n"
                                 << "t.lws:2: unknown statement 'sned'; the statements are connect, starttls, timeout, terminator, preset, send, expect, wait, set, assert, repeat, close";
        QTest::newRow("no connect") << "send \"x\"\n" << "t.lws:1: send before any connect";
        QTest::newRow("never connects") << "# nothing\nwait 1\n" << "t.lws:2: the script never connects (write 'connect HOST:PORT' first)";
        QTest::newRow("port") << "connect host:99999\n" << "t.lws:1: connect: '99999' is not a port (1 to 65535)";
        QTest::newRow("unclosed quote") << "connect a:1\n\nsend \"abc\n" << "t.lws:3: send: the quoted string is not closed (a '\"' is missing)";
        QTest::newRow("bad escape") << "connect a:1\nsend \"a\\qb\"\n" << "t.lws:2: send: unknown escape '\\q' at column 2; use \\r \\n \\t \\0 \\\\ \\\" or \\xNN";
        QTest::newRow("bad regex") << "connect a:1\nexpect regex \"a(b\"\n" << "t.lws:2: expect regex: missing ): a(b";
        QTest::newRow("too many captures") << "connect a:1\nexpect regex \"(a)\" as x, y\n"
                                           << "t.lws:2: expect … as: 2 variables but the regex has 1 group(s)";
        QTest::newRow("repeat not closed") << "connect a:1\nrepeat 2 {\nsend \"x\"\n" << "t.lws:2: this repeat's block is not closed (a '}' is missing)";
        QTest::newRow("stray brace") << "connect a:1\n}\n" << "t.lws:2: '}' without a repeat";
        QTest::newRow("bad variable") << "connect a:1\nsend \"${1x}\"\n"
                                      << "t.lws:2: send: '${1x}' is not a variable name (letters, digits, '_' and '-', not starting with a digit)";
        QTest::newRow("unknown preset") << "connect a:1\npreset nope\n" << "t.lws:2: unknown preset 'nope'";
        QTest::newRow("timeout") << "connect a:1\ntimeout soon\n" << "t.lws:2: timeout needs a number of seconds above 0 (e.g. 5, 0.5, 200ms)";
        QTest::newRow("trailing") << "connect a:1\nsend \"x\" \"y\"\n" << "t.lws:2: unexpected '\"y\"' at the end of the line";
        QTest::newRow("assert op") << "connect a:1\nassert \"a\" < \"b\"\n" << "t.lws:2: assert \"A\" takes ==, != or =~ then \"B\"";
        QTest::newRow("tls option") << "connect a:1 tls verify\n"
                                    << "t.lws:1: connect … tls: unknown TLS option 'verify' (the options are insecure, cafile \"FILE\", sni \"NAME\", cert \"FILE\", key \"FILE\")";
        QTest::newRow("tls cafile") << "connect a:1 tls cafile\n" << "t.lws:1: connect … tls: cafile: a quoted string \"…\" is expected";
        QTest::newRow("tls key alone") << "connect a:1 tls key \"k.pem\"\n"
                                       << "t.lws:1: connect … tls: key \"FILE\" is the private key of a certificate: add cert \"FILE\"";
        QTest::newRow("starttls first") << "starttls smtp\nconnect a:1\n" << "t.lws:1: starttls before any connect";
        QTest::newRow("starttls proto") << "connect a:1\nstarttls smtps\n"
                                        << "t.lws:2: starttls: unknown TLS option 'smtps'";
        QTest::newRow("control bytes") << "connect a:1\n\x1b[2J\n" << "t.lws:2: unknown statement '\\x1b[2J'; the statements are connect, starttls, timeout, terminator, preset, send, expect, wait, set, assert, repeat, close";
    }
    void tlsOptions() {
        const Script s = parse(
            "connect localhost:465 tls cafile \"/tmp/ca.pem\" sni \"mail.example\"\n"
            "close\n"
            "connect 127.0.0.1:25\n"
            "starttls smtp insecure\n"
            "send \"STARTTLS\"\n"
            "starttls cert \"c.pem\" key \"k.pem\"\n");
        const auto& st = s.steps();
        QCOMPARE(st.size(), std::size_t{6});
        QVERIFY(st[0].tls);
        QVERIFY(st[0].tlsConfig.enabled);
        QVERIFY(st[0].tlsConfig.verify);
        QCOMPARE(st[0].tlsConfig.caFile, std::string("/tmp/ca.pem"));
        QCOMPARE(st[0].tlsConfig.serverName, std::string("mail.example"));
        QVERIFY(!st[2].tls);
        QCOMPARE(st[3].kind, Step::Kind::StartTls);
        QCOMPARE(st[3].tlsConfig.startTls, engine::StartTlsProtocol::Smtp);
        QVERIFY(!st[3].tlsConfig.verify);
        QCOMPARE(st[5].kind, Step::Kind::StartTls);
        QCOMPARE(st[5].tlsConfig.startTls, engine::StartTlsProtocol::None);
        QCOMPARE(st[5].tlsConfig.certFile, std::string("c.pem"));
        QCOMPARE(st[5].tlsConfig.keyFile, std::string("k.pem"));
    }

    void errorsNameTheLine() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        const std::string got = error(text.toUtf8().constData());
        QVERIFY2(QString::fromStdString(got).startsWith(message), got.c_str());
    }

    void refusedConnectFailsTheConnectStep() {
        quint16 port = 0;
        {
            QTcpServer s;  // a port that was free a moment ago
            QVERIFY(s.listen(QHostAddress::LocalHost, 0));
            port = s.serverPort();
        }
        const std::string text = "timeout 2\nconnect 127.0.0.1:" + std::to_string(port) + "\nsend \"x\"\n";
        std::string why;
        auto s = Script::parse(text, "t.lws", &why);
        QVERIFY2(s, why.c_str());
        engine::script::ScriptRunner runner(*s, {});
        const auto r = runner.run();
        QVERIFY(!r.passed);
        QVERIFY(r.failure);
        QCOMPARE(r.failure->step, std::size_t{2});
        QCOMPARE(r.failure->line, std::size_t{2});
        QVERIFY2(r.failure->reason.find("connect failed") == 0, r.failure->reason.c_str());
    }

    void quotedTextReadsBack() {
        std::string bytes;
        for (int c = 0; c < 256; ++c) bytes += static_cast<char>(c);
        bytes += "${x} \"q\" \\ $$ {";
        const std::string text = "connect a:1\nsend raw \"" + engine::script::quoteText(bytes) + "\"\n";
        const Script s = parse(text.c_str());
        QCOMPARE(s.steps()[1].text.parts.size(), std::size_t{1});
        QVERIFY(s.steps()[1].text.parts[0].text == bytes);
    }

    void variablesAreBounded() {
        // Doubling a variable in a repeat: refused at the max message, before any connect.
        const Script s = parse("set x \"abcd\"\nrepeat 40 {\n  set x \"${x}${x}\"\n}\nconnect 127.0.0.1:9\n");
        engine::script::ScriptRunner runner(s, {});
        const auto r = runner.run();
        QVERIFY(!r.passed);
        QVERIFY(r.failure);
        QCOMPARE(r.failure->line, std::size_t{3});
        // 4 bytes doubled 18 times is exactly 1 MiB (allowed); the 19th doubling is refused.
        QCOMPARE(r.failure->reason, std::string("${x} would be 2097152 bytes, above the max message (1048576 bytes)"));
    }

    void percentiles() {
        std::vector<std::uint32_t> v;
        for (std::uint32_t i = 1; i <= 100; ++i) v.push_back(i);
        using R = engine::script::ScriptRunner;
        QCOMPARE(R::percentile(v, 50), 50u);
        QCOMPARE(R::percentile(v, 90), 90u);
        QCOMPARE(R::percentile(v, 99), 99u);
        QCOMPARE(R::percentile(v, 100), 100u);
        QCOMPARE(R::percentile({}, 50), 0u);
        QCOMPARE(R::percentile({7}, 99), 7u);
    }
};

QTEST_GUILESS_MAIN(tst_Script)
#include "tst_Script.moc"
