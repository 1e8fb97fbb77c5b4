// tst_FieldParse.cpp — the Fields tab's parsers: RESP type trees, HTTP start
// line + headers + body (dechunked), SMTP replies; bounded on bad input.
#include "engine/program/FieldParse.h"
#include "engine/program/Presets.h"
#include "engine/program/ProgramFramer.h"

#include <QtTest>

#include <chrono>
#include <random>

using namespace engine::program;

namespace {

std::string dump(const Field& f, int depth = 0) {
    std::string s(static_cast<std::size_t>(depth) * 2, ' ');
    s += f.name;
    if (!f.value.empty()) s += " = " + f.value;
    s += "\n";
    for (const Field& c : f.children) s += dump(c, depth + 1);
    return s;
}

std::string dump(const FieldTree& t) {
    std::string s;
    for (const Field& f : t.fields) s += dump(f);
    if (!t.error.empty()) s += "! " + t.error + "\n";
    return s;
}

std::size_t countFields(const std::vector<Field>& fs) {
    std::size_t n = 0;
    for (const Field& f : fs) n += 1 + countFields(f.children);
    return n;
}

std::size_t depthOf(const std::vector<Field>& fs) {
    std::size_t d = 0;
    for (const Field& f : fs) d = std::max(d, 1 + depthOf(f.children));
    return d;
}

}  // namespace

class TestFieldParse : public QObject {
    Q_OBJECT

private slots:
    void respNestedArraysAndBulkStringsWithCrlf() {
        const std::string b = "*3\r\n$5\r\nhe\r\nl\r\n*2\r\n:42\r\n$-1\r\n+OK\r\n";
        const FieldTree t = parseFields(b);
        QCOMPARE(t.protocol, FieldProtocol::Resp);
        QCOMPARE(dump(t), std::string("array (3 elements)\n"
                                      "  bulk string (5 bytes) = he\r\nl\n"
                                      "  array (2 elements)\n"
                                      "    integer = 42\n"
                                      "    null bulk string\n"
                                      "  simple string = OK\n"));
        QVERIFY(t.error.empty());
    }

    void resp3MapsSetsAndScalars() {
        const std::string b = "%2\r\n+a\r\n:1\r\n+b\r\n~1\r\n#t\r\n_\r\n,3.5\r\n(12345678901234567890\r\n=7\r\ntxt:abc\r\n"
                              "-ERR no\r\n!3\r\nbad\r\n|1\r\n+ttl\r\n:5\r\n:9\r\n";
        const FieldTree t = parseResp(b);
        QCOMPARE(dump(t), std::string("map (2 pairs)\n"
                                      "  pair\n    simple string = a\n    integer = 1\n"
                                      "  pair\n    simple string = b\n    set (1 element)\n      boolean = t\n"
                                      "null\n"
                                      "double = 3.5\n"
                                      "big number = 12345678901234567890\n"
                                      "verbatim string (7 bytes) = txt:abc\n"
                                      "error = ERR no\n"
                                      "blob error (3 bytes) = bad\n"
                                      "attribute (1 pair)\n  pair\n    simple string = ttl\n    integer = 5\n"
                                      "integer = 9\n"));
    }

    void respErrorsSayWhere() {
        QCOMPARE(parseResp("*2\r\n:1\r\n").error, std::string("byte 8: array announced 2, the group ends after 1"));
        QCOMPARE(parseResp("$10\r\nabc\r\n").error, std::string("byte 0: bulk string of 10 bytes: the group ends early"));
        QCOMPARE(parseResp("$x\r\n").error, std::string("byte 0: bulk string length is not a number"));
        QCOMPARE(parseResp("+OK\r\n?\r\n").error, std::string("byte 5: not a RESP type byte"));
        QCOMPARE(parseResp(":1").error, std::string("byte 0: no CRLF after the type byte (the group ends early)"));
        QCOMPARE(parseResp("$3\r\nabcd\r\n").error, std::string("byte 7: bulk string not followed by CRLF"));
        QCOMPARE(parseResp("+OK\r\n").fields.size(), std::size_t{1});  // what was read stays
    }

    void httpResponseWithContentLength() {
        const std::string b = "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6\r\nContent-Length: 5\r\n"
                              "Content-type: text/plain\r\n\r\nhello";
        const FieldTree t = parseFields(b);
        QCOMPARE(t.protocol, FieldProtocol::Http);
        QCOMPARE(dump(t), std::string("response = HTTP/1.0 200 OK\n"
                                      "  start line = HTTP/1.0 200 OK\n"
                                      "    version = HTTP/1.0\n    status = 200\n    reason = OK\n"
                                      "  headers (3)\n"
                                      "    Server = SimpleHTTP/0.6\n    Content-Length = 5\n    Content-type = text/plain\n"
                                      "  body (5 bytes) = hello\n"));
    }

    void httpChunkedBodyIsDechunked() {
        const std::string b = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n";
        const FieldTree t = parseHttp(b);
        QVERIFY2(t.error.empty(), t.error.c_str());
        const Field& body = t.fields.at(0).children.at(2);
        QCOMPARE(body.name, std::string("body (12 bytes, dechunked from 2 chunks)"));
        QCOMPARE(body.value, std::string("hello, world"));
        const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        const std::string at = "byte " + std::to_string(head.size()) + ": ";
        QCOMPARE(parseHttp(head + "zz\r\n").error, at + "chunk size is not a hexadecimal number");
        QCOMPARE(parseHttp(head + "ffff\r\nab").error, at + "chunk of 65535 bytes: the group ends early");
    }

    void httpRequestLineAndShortBody() {
        const std::string head = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n";
        const FieldTree t = parseFields(head + "abc");
        QCOMPARE(t.protocol, FieldProtocol::Http);
        QCOMPARE(t.fields.at(0).children.at(0).children.at(0).value, std::string("POST"));
        QCOMPARE(t.fields.at(0).children.at(0).children.at(1).value, std::string("/x"));
        QCOMPARE(t.error, "byte " + std::to_string(head.size()) + ": Content-Length 10, the group has 3 bytes of body");
        QCOMPARE(parseHttp("GET / HTTP/1.1\r\nHost: a\r\n").error, std::string("byte 25: the headers end early (no empty line)"));
    }

    void smtpMultiLineReply() {
        const FieldTree t = parseFields("250-mail.example Hello\r\n250-SIZE 33554432\r\n250 HELP\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
        QCOMPARE(t.protocol, FieldProtocol::Smtp);
        QCOMPARE(dump(t), std::string("reply 250\n  code = 250\n  class = 2xx: completed\n"
                                      "  line = mail.example Hello\n  line = SIZE 33554432\n  line = HELP\n"
                                      "reply 354\n  code = 354\n  class = 3xx: more input expected\n"
                                      "  line = End data with <CR><LF>.<CR><LF>\n"));
        QCOMPARE(parseSmtp("EHLO me\r\n").fields.at(0).value, std::string("EHLO me"));
    }

    void longValuesAreCutButSized() {
        const std::string big(1 << 20, 'x');
        const FieldTree t = parseResp("$" + std::to_string(big.size()) + "\r\n" + big + "\r\n");
        QCOMPARE(t.fields.at(0).name, std::string("bulk string (1048576 bytes)"));
        QCOMPARE(t.fields.at(0).value.size(), kMaxValue);
        QVERIFY(t.fields.at(0).cut);
    }

    void hostileInputStaysBounded() {
        // Deep nesting, a huge announced count, too many fields.
        std::string deep;
        for (int i = 0; i < 100000; ++i) deep += "*1\r\n";
        FieldTree t = parseResp(deep);
        QVERIFY(t.error.find("nested deeper than") != std::string::npos);
        QVERIFY(depthOf(t.fields) <= kMaxDepth);
        t = parseResp("*999999999999999999\r\n:1\r\n");
        QCOMPARE(t.error, std::string("byte 25: array announced 999999999999999999, the group ends after 1"));
        std::string many = "*30000\r\n";
        for (int i = 0; i < 30000; ++i) many += ":1\r\n";
        t = parseResp(many);
        QVERIFY(t.error.find("more than 20000 fields") != std::string::npos);
        QVERIFY(countFields(t.fields) <= kMaxFields + 1);
        std::string headers = "GET / HTTP/1.1\r\n";
        for (int i = 0; i < 30000; ++i) headers += "A: b\r\n";
        t = parseHttp(headers + "\r\n");
        QVERIFY(t.error.find("more than 20000 fields") != std::string::npos);
        QVERIFY(countFields(t.fields) <= kMaxFields + 1);
    }

    void everyPrefixAndRandomBytesParseWithoutHarm() {
        // Fuzz-like: every prefix of valid groups, random mutations of them,
        // and random bytes, through every parser; bounded in time.
        const std::vector<std::string> seeds = {
            "*3\r\n$5\r\nhe\r\nl\r\n*2\r\n:42\r\n$-1\r\n+OK\r\n",
            "%1\r\n+a\r\n~2\r\n#t\r\n|1\r\n+k\r\n:1\r\n_\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
            "250-a\r\n250 b\r\n",
        };
        std::mt19937 rng(14);
        const auto start = std::chrono::steady_clock::now();
        std::size_t runs = 0;
        auto all = [&](std::string_view b) {
            for (FieldProtocol p : {FieldProtocol::Auto, FieldProtocol::Resp, FieldProtocol::Http, FieldProtocol::Smtp}) {
                const FieldTree t = parseFields(b, p);
                QVERIFY(countFields(t.fields) <= kMaxFields + 1);
                QVERIFY(t.error.find('\n') == std::string::npos);
                ++runs;
            }
        };
        for (const std::string& s : seeds)
            for (std::size_t n = 0; n <= s.size(); ++n) all(std::string_view(s).substr(0, n));
        for (int i = 0; i < 20000; ++i) {
            std::string s = seeds[rng() % seeds.size()];
            for (unsigned k = 0, edits = 1 + rng() % 4; k < edits; ++k) {
                const std::size_t at = rng() % s.size();
                switch (rng() % 3) {
                case 0: s[at] = static_cast<char>(rng()); break;
                case 1: s.erase(at, 1 + rng() % 4); break;
                default: s.insert(at, 1, "\r\n*$%:0123456789-|~"[rng() % 19]); break;
                }
                if (s.empty()) s = "*";
            }
            all(s);
        }
        for (int i = 0; i < 2000; ++i) {
            std::string s(rng() % 200, '\0');
            for (char& c : s) c = static_cast<char>(rng());
            all(s);
        }
        QVERIFY(runs > 80000);
        QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
    }

    void theRedisPresetsGroupsParseAsOneValueEach() {
        // What the window does: a group's messages joined with their terminators, parsed.
        std::string error;
        auto redis = loadPreset("redis", {}, &error);
        QVERIFY2(redis, error.c_str());
        const std::string stream = "*2\r\n$5\r\nfirst\r\n*2\r\n$1\r\na\r\n$4\r\nb\r\nc\r\n+OK\r\n%1\r\n$1\r\nk\r\n:7\r\n";
        const auto msgs = ProgramFramer::frame(redis, Sender::Server, stream, 3);
        std::map<std::uint64_t, std::string> groups;
        for (const auto& m : msgs) groups[m.group] += m.body + m.terminatorBytes;
        QCOMPARE(groups.size(), std::size_t{3});
        for (const auto& [id, bytes] : groups) {
            const FieldTree t = parseResp(bytes);
            QVERIFY2(t.error.empty(), t.error.c_str());
            QCOMPARE(t.fields.size(), std::size_t{1});
        }
        QCOMPARE(dump(parseResp(groups[1])), std::string("array (2 elements)\n  bulk string (5 bytes) = first\n"
                                                         "  array (2 elements)\n    bulk string (1 byte) = a\n"
                                                         "    bulk string (4 bytes) = b\r\nc\n"));
    }
};

QTEST_GUILESS_MAIN(TestFieldParse)
#include "tst_FieldParse.moc"
