// tst_Escape.cpp — escaped text (parse with positions, render reversibly)
// and terminator specs, as the CLI and the GUI take them.
#include "engine/asyncore/Escape.h"

#include <QTest>

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

QTEST_GUILESS_MAIN(TestEscape)
#include "tst_Escape.moc"
