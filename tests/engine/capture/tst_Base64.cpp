// tst_Base64.cpp — engine::base64: RFC 4648's test vectors both ways, every
// byte value, and strict refusal of what is not padded base64.
#include "engine/capture/Base64.h"

#include <QTest>

#include <string>

Q_DECLARE_METATYPE(std::string)

class TestBase64 : public QObject {
    Q_OBJECT
private slots:
    void vectors_data();
    void vectors();
    void everyByte();
    void invalid();
};

void TestBase64::vectors_data() {
    QTest::addColumn<std::string>("plain");
    QTest::addColumn<std::string>("encoded");
    // RFC 4648, section 10.
    QTest::newRow("empty") << std::string() << std::string();
    QTest::newRow("f") << std::string("f") << std::string("Zg==");
    QTest::newRow("fo") << std::string("fo") << std::string("Zm8=");
    QTest::newRow("foo") << std::string("foo") << std::string("Zm9v");
    QTest::newRow("foob") << std::string("foob") << std::string("Zm9vYg==");
    QTest::newRow("fooba") << std::string("fooba") << std::string("Zm9vYmE=");
    QTest::newRow("foobar") << std::string("foobar") << std::string("Zm9vYmFy");
    QTest::newRow("binary") << std::string("\0\xff\xfe\x80", 4) << std::string("AP/+gA==");
}

void TestBase64::vectors() {
    QFETCH(std::string, plain);
    QFETCH(std::string, encoded);
    QCOMPARE(engine::base64::encode(plain), encoded);
    QCOMPARE(engine::base64::decode(encoded).value_or("<error>"), plain);
    std::string appended = "x";
    engine::base64::append(appended, plain);
    QCOMPARE(appended, "x" + encoded);
}

void TestBase64::everyByte() {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t n = 0; n <= all.size(); n += 37) {
        const std::string part = all.substr(0, n) + all.substr(all.size() - n % 3);
        const std::string text = engine::base64::encode(part);
        QCOMPARE(text.size() % 4, std::size_t(0));
        QCOMPARE(engine::base64::decode(text).value_or("<error>"), part);
    }
}

void TestBase64::invalid() {
    for (const char* bad : {"Zg=", "Z===", "Zm9v!", "Zg==Zg==", "Zm=v", "Z", "Zm9v\n", "=Zm9"})
        QVERIFY2(!engine::base64::decode(bad), bad);
}

QTEST_GUILESS_MAIN(TestBase64)
#include "tst_Base64.moc"
