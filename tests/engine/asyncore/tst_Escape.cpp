// tst_Escape.cpp — escaped text (parse with positions, render reversibly)
// and terminator specs, as the CLI and the GUI take them.
#include "engine/asyncore/Escape.h"

#include <QTest>

#include <cstdint>

#include <string>

Q_DECLARE_METATYPE(std::string)
Q_DECLARE_METATYPE(engine::Terminator)

using engine::Terminator;

class TestEscape : public QObject {
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void parseErrors_data();
    void parseErrors();
    void render_data();
    void render();
    void roundTripsEveryByte();
    void terminatorSpec_data();
    void terminatorSpec();
    void terminatorSpecErrors_data();
    void terminatorSpecErrors();
    void terminatorSpecRoundTrip();
    void terminalSafe_data();
    void terminalSafe();
    void terminalSafeLetsNoControlByteThrough();
};

void TestEscape::parse_data() {
    QTest::addColumn<std::string>("text");
    QTest::addColumn<std::string>("bytes");
    QTest::newRow("plain") << std::string("hello") << std::string("hello");
    QTest::newRow("crlf") << std::string("\\r\\n") << std::string("\r\n");
    QTest::newRow("double crlf") << std::string("\\r\\n\\r\\n") << std::string("\r\n\r\n");
    QTest::newRow("tab") << std::string("a\\tb") << std::string("a\tb");
    QTest::newRow("nul") << std::string("\\0") << std::string(1, '\0');
    QTest::newRow("nul then digit") << std::string("\\01") << std::string("\0" "1", 2);
    QTest::newRow("backslash") << std::string("a\\\\b") << std::string("a\\b");
    QTest::newRow("hex lower") << std::string("\\x00\\x7f\\xff") << std::string("\x00\x7f\xff", 3);
    QTest::newRow("hex upper") << std::string("\\xAB\\xcD") << std::string("\xab\xcd");
    QTest::newRow("empty") << std::string() << std::string();
    QTest::newRow("quotes stay") << std::string("'\"") << std::string("'\"");
}

void TestEscape::parse() {
    QFETCH(std::string, text);
    QFETCH(std::string, bytes);
    engine::EscapeError e;
    const auto got = engine::parseEscaped(text, &e);
    QVERIFY2(got.has_value(), e.message.c_str());
    QCOMPARE(*got, bytes);
}

void TestEscape::parseErrors_data() {
    QTest::addColumn<std::string>("text");
    QTest::addColumn<int>("position");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("unknown escape") << std::string("ab\\q") << 3 << QString("unknown escape '\\q' at position 3");
    QTest::newRow("trailing backslash") << std::string("abc\\") << 4 << QString("lone backslash");
    QTest::newRow("short hex") << std::string("\\x4") << 1 << QString("two hex digits");
    QTest::newRow("bad hex") << std::string("x\\xg0") << 2 << QString("two hex digits");
    QTest::newRow("unprintable escape") << std::string("\\\x01") << 1 << QString("'\\\\x01'");
}

void TestEscape::parseErrors() {
    QFETCH(std::string, text);
    QFETCH(int, position);
    QFETCH(QString, mentions);
    engine::EscapeError e;
    QVERIFY(!engine::parseEscaped(text, &e).has_value());
    QCOMPARE(e.position, static_cast<std::size_t>(position));
    QVERIFY2(QString::fromStdString(e.message).contains(mentions), e.message.c_str());
    QVERIFY(!engine::parseEscaped(text).has_value());  // no error object needed
}

void TestEscape::render_data() {
    QTest::addColumn<std::string>("bytes");
    QTest::addColumn<std::string>("text");
    QTest::newRow("printable") << std::string("GET / HTTP/1.0") << std::string("GET / HTTP/1.0");
    QTest::newRow("controls") << std::string("\r\n\t") << std::string("\\r\\n\\t");
    QTest::newRow("nul") << std::string(1, '\0') << std::string("\\0");
    QTest::newRow("backslash") << std::string("\\") << std::string("\\\\");
    QTest::newRow("high bytes") << std::string("\xc3\xa9\x7f") << std::string("\\xc3\\xa9\\x7f");
    QTest::newRow("escape char") << std::string("\x1b[0m") << std::string("\\x1b[0m");
}

void TestEscape::render() {
    QFETCH(std::string, bytes);
    QFETCH(std::string, text);
    QCOMPARE(engine::renderEscaped(bytes), text);
}

void TestEscape::roundTripsEveryByte() {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    all += "\\0" "1\\x";  // sequences that look like escapes once rendered
    const std::string text = engine::renderEscaped(all);
    for (char c : text) QVERIFY(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f);
    QCOMPARE(engine::parseEscaped(text).value_or("<error>"), all);
}

void TestEscape::terminatorSpec_data() {
    QTest::addColumn<std::string>("spec");
    QTest::addColumn<Terminator>("terminator");
    QTest::newRow("crlf") << std::string("\\r\\n") << Terminator::bytes("\r\n");
    QTest::newRow("lf") << std::string("\\n") << Terminator::bytes("\n");
    QTest::newRow("nul") << std::string("\\x00") << Terminator::bytes(std::string(1, '\0'));
    QTest::newRow("blank line") << std::string("\\r\\n\\r\\n") << Terminator::bytes("\r\n\r\n");
    QTest::newRow("count") << std::string("count:5") << Terminator::count(5);
    QTest::newRow("none") << std::string("none") << Terminator::none();
    QTest::newRow("word none, escaped") << std::string("\\x6eone") << Terminator::bytes("none");
    QTest::newRow("literal text") << std::string("END") << Terminator::bytes("END");
}

void TestEscape::terminatorSpec() {
    QFETCH(std::string, spec);
    QFETCH(Terminator, terminator);
    std::string why;
    const auto t = engine::parseTerminatorSpec(spec, &why);
    QVERIFY2(t.has_value(), why.c_str());
    QCOMPARE(*t, terminator);
}

void TestEscape::terminatorSpecErrors_data() {
    QTest::addColumn<std::string>("spec");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("empty") << std::string() << QString("empty; write 'none'");
    QTest::newRow("count zero") << std::string("count:0") << QString("count:0 frames nothing");
    QTest::newRow("count negative") << std::string("count:-1") << QString("not a count");
    QTest::newRow("count text") << std::string("count:abc") << QString("not a count");
    QTest::newRow("count empty") << std::string("count:") << QString("not a count");
    QTest::newRow("count huge") << std::string("count:99999999999999999999") << QString("not a count");
    QTest::newRow("bad escape") << std::string("\\r\\q") << QString("position 3");
}

void TestEscape::terminatorSpecErrors() {
    QFETCH(std::string, spec);
    QFETCH(QString, mentions);
    std::string why;
    QVERIFY(!engine::parseTerminatorSpec(spec, &why).has_value());
    QVERIFY2(QString::fromStdString(why).contains(mentions), why.c_str());
}

void TestEscape::terminatorSpecRoundTrip() {
    for (const Terminator& t : {Terminator::bytes("\r\n"), Terminator::bytes("none"), Terminator::bytes("count:3"),
                                Terminator::bytes(std::string("\0\xff", 2)), Terminator::count(7), Terminator::none()}) {
        const std::string spec = engine::terminatorSpec(t);
        QCOMPARE(engine::parseTerminatorSpec(spec).value_or(Terminator::bytes("<error>")), t);
    }
    QCOMPARE(engine::terminatorSpec(Terminator::bytes("\r\n")), std::string("\\r\\n"));
    QCOMPARE(engine::terminatorSpec(Terminator::count(4)), std::string("count:4"));
}

void TestEscape::terminalSafe_data() {
    QTest::addColumn<QByteArray>("in");
    QTest::addColumn<bool>("multiline");
    QTest::addColumn<QByteArray>("out");
    QTest::newRow("plain") << QByteArray("GET / HTTP/1.1") << false << QByteArray("GET / HTTP/1.1");
    QTest::newRow("clear screen") << QByteArray("\x1b[2J\x1b[H") << false << QByteArray("\\x1b[2J\\x1b[H");
    QTest::newRow("OSC 52 clipboard") << QByteArray("\x1b]52;c;aGk=\x07") << false
                                      << QByteArray("\\x1b]52;c;aGk=\\x07");
    QTest::newRow("CR LF one line") << QByteArray("a\r\nb\tc") << false << QByteArray("a\\r\\nb\\tc");
    QTest::newRow("CR LF multiline") << QByteArray("a\r\nb\tc") << true << QByteArray("a\\r\nb\tc");
    QTest::newRow("NUL and DEL") << QByteArray("a\0b\x7f", 4) << false << QByteArray("a\\x00b\\x7f");
    QTest::newRow("UTF-8 kept") << QByteArray("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") << false
                                << QByteArray("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    QTest::newRow("C1 CSI as UTF-8") << QByteArray("\xc2\x9b" "2J") << false << QByteArray("\\xc2\\x9b2J");
    QTest::newRow("lone C1 byte") << QByteArray("\x9b" "31m") << false << QByteArray("\\x9b31m");
    QTest::newRow("overlong") << QByteArray("\xc0\x9b") << false << QByteArray("\\xc0\\x9b");
    QTest::newRow("truncated") << QByteArray("\xe2\x82") << false << QByteArray("\\xe2\\x82");
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << false << QByteArray("\\xed\\xa0\\x80");
    QTest::newRow("backslash as is") << QByteArray("a\\b") << false << QByteArray("a\\b");
}

void TestEscape::terminalSafe() {
    QFETCH(QByteArray, in);
    QFETCH(bool, multiline);
    QFETCH(QByteArray, out);
    const auto got = engine::terminalSafe(std::string_view(in.constData(), static_cast<std::size_t>(in.size())),
                                          multiline ? engine::TerminalText::Multiline : engine::TerminalText::Line);
    QCOMPARE(QByteArray::fromStdString(got), out);
}

// Every 1- and 2-byte string and a spread of 3-byte ones: nothing below 0x20
// but (in multiline mode) LF and TAB, no DEL, and no C1 control reaches the output.
void TestEscape::terminalSafeLetsNoControlByteThrough() {
    // The output may hold printable ASCII, LF/TAB in multiline mode, and
    // whole UTF-8 sequences (decoded here independently of the escaper) for
    // code points from U+00A0 up: no C0, no DEL, no C1, no stray byte.
    auto check = [](const std::string& in) {
        for (const auto mode : {engine::TerminalText::Line, engine::TerminalText::Multiline}) {
            const std::string out = engine::terminalSafe(in, mode);
            for (std::size_t i = 0; i < out.size();) {
                const auto u = static_cast<unsigned char>(out[i]);
                if (u < 0x80) {
                    const bool layout = mode == engine::TerminalText::Multiline && (out[i] == '\n' || out[i] == '\t');
                    if ((u < 0x20 && !layout) || u == 0x7f)
                        return false;
                    ++i;
                    continue;
                }
                std::size_t n = 0;
                std::uint32_t cp = 0;
                if (u >= 0xc2 && u <= 0xdf) { n = 2; cp = u & 0x1fu; }
                else if (u >= 0xe0 && u <= 0xef) { n = 3; cp = u & 0x0fu; }
                else if (u >= 0xf0 && u <= 0xf4) { n = 4; cp = u & 0x07u; }
                else return false;  // a continuation byte or an invalid lead
                if (i + n > out.size())
                    return false;
                for (std::size_t k = 1; k < n; ++k) {
                    const auto c = static_cast<unsigned char>(out[i + k]);
                    if ((c & 0xc0u) != 0x80u)
                        return false;
                    cp = (cp << 6) | (c & 0x3fu);
                }
                if (cp < 0xa0)
                    return false;  // C1 controls (or an overlong form)
                i += n;
            }
        }
        return true;
    };
    for (int a = 0; a < 256; ++a) {
        QVERIFY(check(std::string(1, static_cast<char>(a))));
        for (int b = 0; b < 256; ++b)
            QVERIFY(check(std::string{static_cast<char>(a), static_cast<char>(b)}));
    }
    for (int a = 0xc0; a < 256; a += 3)
        for (int b = 0x70; b < 0xc0; b += 5)
            for (int c = 0; c < 256; c += 7)
                QVERIFY(check(std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)}));
}

QTEST_GUILESS_MAIN(TestEscape)
#include "tst_Escape.moc"
