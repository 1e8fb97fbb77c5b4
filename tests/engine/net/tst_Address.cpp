// tst_Address.cpp — engine::Address (asyncore's `addr` tuple) and the
// "[HOST:]PORT" helpers: numeric parsing, formatting, equality, raw sockaddr
// round trips, resolution of literals and of "localhost", parsePort and
// splitHostPort.
#include "engine/net/Address.h"
#include "engine/net/Socket.h"
#include "engine/net/SocketOps.h"

#include <QTest>

#include <cstring>
#include <string>

using engine::Address;

class TestAddress : public QObject {
    Q_OBJECT

private slots:
    void emptyIsPythonsNone();
    void numericIPv4();
    void numericIPv6_data();
    void numericIPv6();
    void numericRejects_data();
    void numericRejects();
    void loopbackAndAny_data();
    void loopbackAndAny();
    void portExtremes();
    void equality();
    void sockaddrRoundTrip();
    void boundSocketReportsAddress_data();
    void boundSocketReportsAddress();
    void resolveLiterals();
    void resolveLocalhost();
    void parsePortValues_data();
    void parsePortValues();
    void splitHostPortShapes_data();
    void splitHostPortShapes();
};

void TestAddress::emptyIsPythonsNone() {
    const Address a;
    QVERIFY(a.isEmpty());
    QCOMPARE(a.family(), 0);
    QCOMPARE(a.port(), std::uint16_t{0});
    QCOMPARE(a.host(), std::string());
    QCOMPARE(a.toString(), std::string());
    QCOMPARE(a.sockaddrLen(), std::size_t{0});
    QVERIFY(a == Address());
    QVERIFY(!(a == Address::loopback(engine::kAfInet, 0)));
}

void TestAddress::numericIPv4() {
    const auto a = Address::fromNumeric("127.0.0.1", 7000);
    QVERIFY(a.has_value());
    QVERIFY(!a->isEmpty());
    QCOMPARE(a->family(), engine::kAfInet);
    QCOMPARE(a->port(), std::uint16_t{7000});
    QCOMPARE(a->host(), std::string("127.0.0.1"));
    QCOMPARE(a->toString(), std::string("127.0.0.1:7000"));
    QCOMPARE(a->sockaddrLen(), sizeof(sockaddr_in));
    QCOMPARE(static_cast<int>(a->sockaddrPtr()->sa_family), engine::kAfInet);
}

void TestAddress::numericIPv6_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("formatted");
    QTest::newRow("loopback") << "::1" << "::1" << "[::1]:7000";
    QTest::newRow("bracketed") << "[::1]" << "::1" << "[::1]:7000";
    QTest::newRow("documentation") << "2001:db8::1" << "2001:db8::1" << "[2001:db8::1]:7000";
    QTest::newRow("any") << "::" << "::" << "[::]:7000";
    QTest::newRow("mapped") << "::ffff:127.0.0.1" << "::ffff:127.0.0.1" << "[::ffff:127.0.0.1]:7000";
}

void TestAddress::numericIPv6() {
    QFETCH(QString, text);
    QFETCH(QString, host);
    QFETCH(QString, formatted);
    const auto a = Address::fromNumeric(text.toStdString(), 7000);
    QVERIFY(a.has_value());
    QCOMPARE(a->family(), engine::kAfInet6);
    QCOMPARE(a->port(), std::uint16_t{7000});
    QCOMPARE(QString::fromStdString(a->host()), host);
    QCOMPARE(QString::fromStdString(a->toString()), formatted);
    QCOMPARE(a->sockaddrLen(), sizeof(sockaddr_in6));
}

void TestAddress::numericRejects_data() {
    QTest::addColumn<QString>("text");
    QTest::newRow("name") << "localhost";
    QTest::newRow("empty") << "";
    QTest::newRow("short v4") << "1.2.3";
    QTest::newRow("octet too big") << "256.0.0.1";
    QTest::newRow("with port") << "1.2.3.4:80";
    QTest::newRow("unclosed bracket") << "[::1";
    QTest::newRow("stray bracket") << "::1]";
    QTest::newRow("v6 with port") << "[::1]:80";
    QTest::newRow("scoped v6") << "fe80::1%lo";
    QTest::newRow("spaces") << " 127.0.0.1";
}

void TestAddress::numericRejects() {
    QFETCH(QString, text);
    QVERIFY(!Address::fromNumeric(text.toStdString(), 1).has_value());
}

void TestAddress::loopbackAndAny_data() {
    QTest::addColumn<int>("family");
    QTest::addColumn<QString>("loop");
    QTest::addColumn<QString>("any");
    QTest::newRow("inet") << engine::kAfInet << "127.0.0.1:9" << "0.0.0.0:9";
    QTest::newRow("inet6") << engine::kAfInet6 << "[::1]:9" << "[::]:9";
}

void TestAddress::loopbackAndAny() {
    QFETCH(int, family);
    QFETCH(QString, loop);
    QFETCH(QString, any);
    const Address l = Address::loopback(family, 9);
    const Address w = Address::any(family, 9);
    QCOMPARE(l.family(), family);
    QCOMPARE(w.family(), family);
    QCOMPARE(QString::fromStdString(l.toString()), loop);
    QCOMPARE(QString::fromStdString(w.toString()), any);
}

void TestAddress::portExtremes() {
    QCOMPARE(Address::loopback(engine::kAfInet, 0).port(), std::uint16_t{0});
    QCOMPARE(Address::loopback(engine::kAfInet, 65535).port(), std::uint16_t{65535});
    QCOMPARE(Address::loopback(engine::kAfInet6, 65535).toString(), std::string("[::1]:65535"));
    // Network byte order is handled: 0x1234 must not come back as 0x3412.
    QCOMPARE(Address::loopback(engine::kAfInet, 0x1234).port(), std::uint16_t{0x1234});
}

void TestAddress::equality() {
    const Address a = *Address::fromNumeric("127.0.0.1", 80);
    QVERIFY(a == *Address::fromNumeric("127.0.0.1", 80));
    QVERIFY(!(a == *Address::fromNumeric("127.0.0.1", 81)));
    QVERIFY(!(a == *Address::fromNumeric("127.0.0.2", 80)));
    QVERIFY(!(a == *Address::fromNumeric("::ffff:127.0.0.1", 80)));  // other family
    QVERIFY(*Address::fromNumeric("::1", 80) == *Address::fromNumeric("[::1]", 80));
    QVERIFY(*Address::fromNumeric("::1", 80) == *Address::fromNumeric("0:0:0:0:0:0:0:1", 80));
}

void TestAddress::sockaddrRoundTrip() {
    for (const char* text : {"10.1.2.3", "2001:db8::7"}) {
        const Address a = *Address::fromNumeric(text, 4242);
        const Address b = Address::fromSockaddr(a.sockaddrPtr(), a.sockaddrLen());
        QVERIFY(b == a);
        QCOMPARE(b.toString(), a.toString());
        QCOMPARE(b.sockaddrLen(), a.sockaddrLen());
    }
    QVERIFY(Address::fromSockaddr(nullptr, 0).isEmpty());
    sockaddr_storage big{};
    QVERIFY(Address::fromSockaddr(reinterpret_cast<const sockaddr*>(&big), sizeof big + 1).isEmpty());
}

void TestAddress::boundSocketReportsAddress_data() {
    QTest::addColumn<int>("family");
    QTest::newRow("inet") << engine::kAfInet;
    QTest::newRow("inet6") << engine::kAfInet6;
}

void TestAddress::boundSocketReportsAddress() {
    // The bytes an Address hands to bind() are what the kernel reports back.
    QFETCH(int, family);
    std::error_code ec;
    engine::Socket s(engine::sockops::create(family, engine::kSockStream, ec));
    QVERIFY2(!ec, ec.message().c_str());
    engine::sockops::bind(s.get(), Address::loopback(family, 0), ec);
    QVERIFY2(!ec, ec.message().c_str());
    const Address local = engine::sockops::localAddress(s.get(), ec);
    QVERIFY(!ec);
    QCOMPARE(local.family(), family);
    QCOMPARE(local.host(), Address::loopback(family, 0).host());
    QVERIFY(local.port() != 0);
    QVERIFY(local == Address::loopback(family, local.port()));
}

void TestAddress::resolveLiterals() {
    std::string error;
    auto v = Address::resolve("127.0.0.1", 25, 0, error);
    QCOMPARE(v.size(), std::size_t{1});
    QCOMPARE(v[0].toString(), std::string("127.0.0.1:25"));
    QVERIFY(error.empty());

    v = Address::resolve("[::1]", 25, engine::kAfInet6, error);
    QCOMPARE(v.size(), std::size_t{1});
    QCOMPARE(v[0].toString(), std::string("[::1]:25"));

    // A literal of the wrong family is an error, not a silent conversion.
    v = Address::resolve("127.0.0.1", 25, engine::kAfInet6, error);
    QVERIFY(v.empty());
    QVERIFY(!error.empty());
}

void TestAddress::resolveLocalhost() {
    // "localhost" comes from /etc/hosts (no DNS involved on loopback setups).
    std::string error;
    const auto v = Address::resolve("localhost", 8080, engine::kAfInet, error);
    QVERIFY2(!v.empty(), error.c_str());
    QVERIFY(error.empty());
    bool found = false;
    for (const Address& a : v) {
        QCOMPARE(a.family(), engine::kAfInet);
        QCOMPARE(a.port(), std::uint16_t{8080});
        found = found || a.host() == "127.0.0.1";
    }
    QVERIFY(found);
}

void TestAddress::parsePortValues_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("allowZero");
    QTest::addColumn<int>("expected");  // -1 = rejected
    QTest::newRow("1") << "1" << false << 1;
    QTest::newRow("7000") << "7000" << false << 7000;
    QTest::newRow("65535") << "65535" << false << 65535;
    QTest::newRow("65536") << "65536" << false << -1;
    QTest::newRow("99999") << "99999" << false << -1;
    QTest::newRow("0 refused") << "0" << false << -1;
    QTest::newRow("0 allowed") << "0" << true << 0;
    QTest::newRow("leading zeros") << "007" << false << 7;
    QTest::newRow("six digits") << "000080" << false << -1;
    QTest::newRow("empty") << "" << true << -1;
    QTest::newRow("minus") << "-1" << false << -1;
    QTest::newRow("plus") << "+1" << false << -1;
    QTest::newRow("space") << " 1" << false << -1;
    QTest::newRow("trailing") << "80x" << false << -1;
    QTest::newRow("name") << "http" << false << -1;
}

void TestAddress::parsePortValues() {
    QFETCH(QString, text);
    QFETCH(bool, allowZero);
    QFETCH(int, expected);
    const auto p = engine::parsePort(text.toStdString(), allowZero);
    if (expected < 0) {
        QVERIFY(!p.has_value());
    } else {
        QVERIFY(p.has_value());
        QCOMPARE(static_cast<int>(*p), expected);
    }
}

void TestAddress::splitHostPortShapes_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("port");
    QTest::newRow("port only") << "7000" << true << "" << "7000";
    QTest::newRow("v4") << "127.0.0.1:7000" << true << "127.0.0.1" << "7000";
    QTest::newRow("name") << "example.org:25" << true << "example.org" << "25";
    QTest::newRow("v6 bracketed") << "[::1]:7000" << true << "::1" << "7000";
    QTest::newRow("v6 bare") << "::1:7000" << false << "" << "";
    QTest::newRow("empty") << "" << false << "" << "";
    QTest::newRow("no port") << "host:" << false << "" << "";
    QTest::newRow("no host") << ":7000" << false << "" << "";
    QTest::newRow("brackets no port") << "[::1]" << false << "" << "";
    QTest::newRow("brackets empty") << "[]:7000" << false << "" << "";
    QTest::newRow("brackets junk") << "[::1]x7000" << false << "" << "";
}

void TestAddress::splitHostPortShapes() {
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(QString, host);
    QFETCH(QString, port);
    std::string h = "stale";
    std::string p = "stale";
    QCOMPARE(engine::splitHostPort(text.toStdString(), h, p), ok);
    if (ok) {
        QCOMPARE(QString::fromStdString(h), host);
        QCOMPARE(QString::fromStdString(p), port);
    }
}

QTEST_APPLESS_MAIN(TestAddress)
#include "tst_Address.moc"
