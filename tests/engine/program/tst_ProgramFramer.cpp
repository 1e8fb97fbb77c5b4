// tst_ProgramFramer.cpp — every shipped preset frames a sample of its
// protocol the same way whether the bytes come whole, in 1-byte reads or in
// random splits (asynchat's own loop, with the program switching the
// terminator inside found_terminator), and as the protocol says: the
// messages, their terminators and their groups.
#include "engine/program/ProgramFramer.h"

#include "PresetFiles.h"

#include <QTest>

#include <random>

using engine::program::ProgramFramer;
using engine::program::ProgramMessage;
using engine::program::Sender;

namespace {

struct Expected {
    std::string body;
    std::uint64_t group;
};

// "body|group" per message; the tail (unterminated) as "body|tail".
std::vector<std::string> describe(const std::vector<ProgramMessage>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.body + "|" + (m.terminated ? std::to_string(m.group) : "tail"));
    return out;
}

std::vector<ProgramMessage> frameSplit(const std::string& name, Sender s, const std::string& stream,
                                       const std::vector<std::size_t>& cuts) {
    ProgramFramer f(lwtest::preset(name), s);
    std::size_t at = 0;
    for (std::size_t c : cuts) {
        f.feed(std::string_view(stream).substr(at, c - at));
        at = c;
    }
    f.feed(std::string_view(stream).substr(at));
    f.finish();
    if (!f.errors().empty()) throw std::runtime_error(f.errors().front());
    return f.messages();
}

// POP3: whether +OK has a body depends on the client's command, so the
// client's bytes are framed beside the server's and tell it (`tell`/`heard`).
std::vector<std::string> framePop3(const std::vector<std::pair<Sender, std::string>>& exchange,
                                     std::size_t readSize, bool oneByteFeeds) {
    ProgramFramer client(lwtest::preset("pop3"), Sender::Client);
    ProgramFramer server(lwtest::preset("pop3"), Sender::Server, 4u << 20, readSize);
    server.runner().shareNotes(client.runner().notes());
    for (const auto& [who, bytes] : exchange) {
        ProgramFramer& f = who == Sender::Client ? client : server;
        if (oneByteFeeds)
            for (char c : bytes) f.feed(std::string_view(&c, 1));
        else
            f.feed(bytes);
    }
    server.finish();
    if (!server.errors().empty()) throw std::runtime_error(server.errors().front());
    auto out = describe(server.messages());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += "|" + server.messages()[i].rule;
    return out;
}

}  // namespace

class TestProgramFramer : public QObject {
    Q_OBJECT

    // The same framing three ways (whole; 1-byte reads; 200 random splits), and as expected.
    static void check(const std::string& name, Sender s, const std::string& stream, const std::vector<std::string>& expected) {
        const auto whole = frameSplit(name, s, stream, {});
        QCOMPARE(describe(whole), expected);
        // 1-byte reads: ac_in_buffer_size 1.
        {
            ProgramFramer f(lwtest::preset(name), s, 4u << 20, 1);
            f.feed(stream);
            f.finish();
            QCOMPARE(f.messages(), whole);
        }
        // 1-byte feeds (each a separate read).
        {
            std::vector<std::size_t> cuts;
            for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
            QCOMPARE(frameSplit(name, s, stream, cuts), whole);
        }
        std::mt19937 rng(20261206);
        for (int round = 0; round < 200; ++round) {
            std::vector<std::size_t> cuts;
            std::uniform_int_distribution<std::size_t> pos(1, stream.size() - 1);
            const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 12)(rng);
            for (std::size_t i = 0; i < n; ++i) cuts.push_back(pos(rng));
            std::sort(cuts.begin(), cuts.end());
            cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
            const auto split = frameSplit(name, s, stream, cuts);
            if (split != whole) {
                std::string where;
                for (auto c : cuts) where += std::to_string(c) + " ";
                QFAIL(qPrintable(QString::fromStdString(name + ": cuts at " + where + "frame differently")));
            }
        }
    }

private slots:
    void redis() {
        // Replies: a status, bulk strings (one holding CRLFs, one empty), a
        // null, a nested array with a map inside (RESP3), an attribute.
        const std::string server = "+OK\r\n$5\r\nhello\r\n$12\r\nline1\r\nline2\r\n"
                                   "*3\r\n$3\r\nfoo\r\n*2\r\n:1\r\n$-1\r\n%1\r\n+k\r\n$1\r\nv\r\n"
                                   "$0\r\n\r\n*0\r\n-ERR no\r\n|1\r\n+ttl\r\n:3\r\n,1.5\r\n=8\r\ntxt:a\r\nb\r\n";
        check("redis", Sender::Server, server,
              {"+OK|1", "$5|2", "hello\r\n|2", "$12|3", "line1\r\nline2\r\n|3", "*3|4", "$3|4", "foo\r\n|4", "*2|4",
               ":1|4", "$-1|4", "%1|4", "+k|4", "$1|4", "v\r\n|4", "$0|5", "\r\n|5", "*0|6", "-ERR no|7", "|1|8",
               "+ttl|8", ":3|8", ",1.5|8", "=8|9", "txt:a\r\nb\r\n|9"});
        // A client's commands, pipelined.
        const std::string client = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n*1\r\n$4\r\nPING\r\n";
        check("redis", Sender::Client, client,
              {"*3|1", "$3|1", "SET\r\n|1", "$1|1", "k\r\n|1", "$4|1", "a\r\nb\r\n|1", "*1|2", "$4|2", "PING\r\n|2"});
    }

    void memcached() {
        const std::string server = "STORED\r\nVALUE k 0 7\r\nab\r\ncde\r\nVALUE k2 5 0 42\r\n\r\nEND\r\nEND\r\n"
                                   "STAT pid 1\r\nSTAT uptime 2\r\nEND\r\nVA 2 f1\r\nhi\r\n";
        check("memcached", Sender::Server, server,
              {"STORED|1", "VALUE k 0 7|2", "ab\r\ncde\r\n|2", "VALUE k2 5 0 42|2", "\r\n|2", "END|2", "END|3",
               "STAT pid 1|4", "STAT uptime 2|4", "END|4", "VA 2 f1|5", "hi\r\n|5"});
        const std::string client = "set k 0 0 7\r\nab\r\ncde\r\nget k k2\r\ncas k 1 0 3 99 noreply\r\nEND\r\n"
                                   "ms k 2 T0\r\nxy\r\n";
        check("memcached", Sender::Client, client,
              {"set k 0 0 7|1", "ab\r\ncde\r\n|1", "get k k2|2", "cas k 1 0 3 99 noreply|3", "END\r\n|3", "ms k 2 T0|4",
               "xy\r\n|4"});
    }

    void http() {
        const std::string server = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nhe\r\n\r\nlo"
                                   "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n"
                                   "5\r\nhello\r\n6;x=1\r\n w\r\nld\r\n0\r\nX-T: 1\r\n\r\n"
                                   "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
                                   "HTTP/1.1 304 Not Modified\r\n\r\n"
                                   "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil close\r\n\r\nmore";
        check("http", Sender::Server, server,
              {"HTTP/1.1 200 OK\r\nContent-Length: 8|1", "he\r\n\r\nlo|1",
               "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked|2", "5|2", "hello\r\n|2", "6;x=1|2", " w\r\nld\r\n|2",
               "0|2", "X-T: 1|2", "|2", "HTTP/1.1 100 Continue|3", "HTTP/1.1 204 No Content\r\nContent-Length: 0|4",
               "HTTP/1.1 304 Not Modified|5", "HTTP/1.0 200 OK\r\nServer: x|6", "until close\r\n\r\nmore|tail"});
        const std::string client = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                                   "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
                                   "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        check("http", Sender::Client, client,
              {"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3|1", "abc|1", "GET / HTTP/1.1\r\nHost: a|2",
               "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked|3", "3|3", "abc\r\n|3", "0|3", "|3"});
    }

    void smtp() {
        const std::string client = "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n"
                                   "..dot\r\n.\r\nBDAT 6 LAST\r\nab\r\ncdQUIT\r\n";
        check("smtp", Sender::Client, client,
              {"EHLO x|1", "MAIL FROM:<a@b>|2", "RCPT TO:<c@d>|3", "DATA|4", "Subject: hi\r\n\r\nbody\r\n..dot|4",
               "BDAT 6 LAST|5", "ab\r\ncd|5", "QUIT|6"});
        const std::string server = "220 hi\r\n250-a\r\n250-SIZE 1\r\n250 c\r\n354 go\r\n250 ok\r\n";
        check("smtp", Sender::Server, server,
              {"220 hi|1", "250-a|2", "250-SIZE 1|2", "250 c|2", "354 go|3", "250 ok|4"});
    }

    void imap() {
        const std::string s = "* 1 FETCH (BODY[] {12}\r\nhello\r\nworld)\r\na1 OK done\r\n"
                              "a2 APPEND box {3+}\r\n{5}abc {2}\r\nxy\r\n";
        check("imap", Sender::Server, s,
              {"* 1 FETCH (BODY[] {12}|1", "hello\r\nworld|1", ")|1", "a1 OK done|2", "a2 APPEND box {3+}|3",
               "{5}|3", "abc {2}|3", "xy|3", "|3"});
    }

    void ftp() {
        check("ftp", Sender::Server, "220-Welcome\r\n220-to x\r\n220 Ready\r\n331 Password\r\n",
              {"220-Welcome|1", "220-to x|1", "220 Ready|1", "331 Password|2"});
    }

    void pop3() {
        const std::string greeting = "+OK Dovecot ready.\r\n";
        const std::vector<std::string> commands = {"CAPA\r\n", "USER a\r\n", "PASS b\r\n", "STAT\r\n", "LIST\r\n",
                                                   "LIST 1\r\n", "RETR 1\r\n", "TOP 1 0\r\n", "UIDL\r\n", "DELE 9\r\n",
                                                   "UIDL\r\n", "QUIT\r\n"};
        const std::vector<std::string> replies = {
            "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\n.\r\n", "+OK\r\n", "+OK Logged in.\r\n", "+OK 1 25\r\n",
            "+OK 1 messages:\r\n1 25\r\n.\r\n", "+OK 1 25\r\n",
            // RETR: dot-stuffed lines stay as sent; a line "+OK" in the body is body.
            "+OK 25 octets\r\n+OK not a reply\r\n..hidden\r\n\r\n..\r\n.\r\n", "+OK\r\n+OK not a reply\r\n.\r\n",
            "+OK\r\n.\r\n",  // an empty multi-line reply
            "-ERR no such message\r\n", "-ERR not now\r\n",  // -ERR to a multi-line command has no body
            "+OK Logging out.\r\n"};
        const std::vector<std::string> expected = {
            "+OK Dovecot ready.|1|greeting",
            "+OK|2|body", "CAPA|2|line", "TOP|2|line", "UIDL|2|line", ".|2|end",
            "+OK|3|reply", "+OK Logged in.|4|reply", "+OK 1 25|5|reply",
            "+OK 1 messages:|6|body", "1 25|6|line", ".|6|end", "+OK 1 25|7|reply",
            "+OK 25 octets|8|body", "+OK not a reply|8|line", "..hidden|8|line", "|8|line", "..|8|line", ".|8|end",
            "+OK|9|body", "+OK not a reply|9|line", ".|9|end",
            "+OK|10|body", ".|10|end",
            "-ERR no such message|11|reply", "-ERR not now|12|reply", "+OK Logging out.|13|reply"};
        // Command after command, and pipelined (every command before any reply).
        std::vector<std::pair<Sender, std::string>> lockstep{{Sender::Server, greeting}}, pipelined{{Sender::Server, greeting}};
        std::string allCommands, allReplies;
        for (std::size_t i = 0; i < commands.size(); ++i) {
            lockstep.emplace_back(Sender::Client, commands[i]);
            lockstep.emplace_back(Sender::Server, replies[i]);
            allCommands += commands[i];
            allReplies += replies[i];
        }
        pipelined.emplace_back(Sender::Client, allCommands);
        pipelined.emplace_back(Sender::Server, allReplies);
        QCOMPARE(framePop3(lockstep, 65536, false), expected);
        QCOMPARE(framePop3(lockstep, 1, false), expected);   // 1-byte reads
        QCOMPARE(framePop3(lockstep, 65536, true), expected);  // 1-byte feeds
        QCOMPARE(framePop3(pipelined, 65536, false), expected);
        QCOMPARE(framePop3(pipelined, 1, true), expected);
        // Random cuttings of the server's bytes (after the pipelined commands).
        std::mt19937 rng(20261207);
        const std::string serverBytes = greeting + allReplies;
        for (int round = 0; round < 200; ++round) {
            // Typed ahead of the greeting, too: the first line is the greeting all the same.
            std::vector<std::pair<Sender, std::string>> cut{{Sender::Client, allCommands}};
            std::size_t at = 0;
            while (at < serverBytes.size()) {
                const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 40)(rng);
                cut.emplace_back(Sender::Server, serverBytes.substr(at, n));
                at += n;
            }
            QCOMPARE(framePop3(cut, 65536, false), expected);
        }
        // Without the client's bytes every line is its own message and group.
        QCOMPARE(ProgramFramer::frame(lwtest::preset("pop3"), Sender::Server, "+OK\r\nCAPA\r\n.\r\n").size(), 3u);
        QCOMPARE(ProgramFramer::frame(lwtest::preset("pop3"), Sender::Server, "+OK\r\nCAPA\r\n.\r\n").back().group, 3u);
    }

    void mllp() {
        const std::string s = "\x0bMSH|^~\\&|A\rPID|1\r\x1c\r\x0bMSH|2\r\x1c\r";
        check("mllp", Sender::Server, s, {"\x0bMSH|^~\\&|A\rPID|1\r|1", "\x0bMSH|2\r|2"});
    }

    void stomp() {
        const std::string s = std::string("CONNECTED\nversion:1.2\n\n\0\nMESSAGE\ndestination:/q\n\nhi\0", 52);
        check("stomp", Sender::Server, s, {"CONNECTED\nversion:1.2\n\n|1", "\nMESSAGE\ndestination:/q\n\nhi|2"});
    }

    void netstring() {
        check("netstring", Sender::Server, "5:hel:o,0:,12:hello world!,",
              {"5|1", "hel:o,|1", "0|2", ",|2", "12|3", "hello world!,|3"});
    }

    void lengthPrefixed() {
        using namespace std::string_literals;
        check("length-u8", Sender::Server, "\x03" "abc\x00\x01z"s, {"\x03|1", "abc|1", "\x00|2"s, "\x01|3", "z|3"});
        check("length-be16", Sender::Server, "\x00\x03" "abc\x00\x00\x01\x00"s + std::string(256, 'q'),
              {"\x00\x03|1"s, "abc|1", "\x00\x00|2"s, "\x01\x00|3"s, std::string(256, 'q') + "|3"});
        check("length-le16", Sender::Server, "\x03\x00" "abc\x00\x01"s + std::string(256, 'q'),
              {"\x03\x00|1"s, "abc|1", "\x00\x01|2"s, std::string(256, 'q') + "|2"});
        check("length-be32", Sender::Server, "\x00\x00\x00\x02" "ab\x00\x00\x00\x00"s,
              {"\x00\x00\x00\x02|1"s, "ab|1", "\x00\x00\x00\x00|2"s});
        check("length-le32", Sender::Server, "\x02\x00\x00\x00" "ab\x01\x00\x00\x00z"s,
              {"\x02\x00\x00\x00|1"s, "ab|1", "\x01\x00\x00\x00|2"s, "z|2"});
    }
};

QTEST_APPLESS_MAIN(TestProgramFramer)
#include "tst_ProgramFramer.moc"
