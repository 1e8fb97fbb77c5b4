// tst_UtcTime.cpp — engine::formatUtc: ISO 8601 UTC with microseconds, from
// <chrono>'s calendar, across leap days, centuries, before 1970, at the ends
// of the calendar's years, and out of them (a corrupt file's times).
#include "engine/capture/UtcTime.h"

#include <QTest>

#include <cstdint>
#include <limits>
#include <string>

Q_DECLARE_METATYPE(std::string)

namespace {
std::string atUs(std::int64_t us) {
    return engine::formatUtc(std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(us)));
}
}  // namespace

class TestUtcTime : public QObject {
    Q_OBJECT
private slots:
    void systemClock();
    void micros_data();
    void micros();
    void outOfRange();
};

void TestUtcTime::systemClock() {
    using namespace std::chrono;
    QCOMPARE(engine::formatUtc(system_clock::time_point{}), std::string("1970-01-01T00:00:00.000000Z"));
    QCOMPARE(engine::formatUtc(system_clock::time_point{seconds(951782400) + microseconds(7)}),
             std::string("2000-02-29T00:00:00.000007Z"));
    QCOMPARE(engine::formatUtc(system_clock::time_point{seconds(4102444799) + microseconds(999999)}),
             std::string("2099-12-31T23:59:59.999999Z"));
    // Below the microsecond it truncates (as the header's start_unix_us does).
    QCOMPARE(engine::formatUtc(system_clock::time_point{duration_cast<system_clock::duration>(nanoseconds(1999))}),
             std::string("1970-01-01T00:00:00.000001Z"));
}

void TestUtcTime::micros_data() {
    QTest::addColumn<qlonglong>("us");
    QTest::addColumn<std::string>("text");
    // Values checked against Python: datetime(1970,1,1) + timedelta(microseconds=us).
    QTest::newRow("epoch") << 0LL << std::string("1970-01-01T00:00:00.000000Z");
    QTest::newRow("just before") << -1LL << std::string("1969-12-31T23:59:59.999999Z");
    QTest::newRow("recorded") << 1796461794386725LL << std::string("2026-12-05T09:09:54.386725Z");
    QTest::newRow("1900 not leap") << -2203891200000000LL << std::string("1900-03-01T00:00:00.000000Z");
    QTest::newRow("2000 leap") << 951868799999999LL << std::string("2000-02-29T23:59:59.999999Z");
    QTest::newRow("year 1") << -62135596800000000LL << std::string("0001-01-01T00:00:00.000000Z");
    QTest::newRow("year 9999") << 253402300799999999LL << std::string("9999-12-31T23:59:59.999999Z");
    QTest::newRow("year 10000") << 253402300800000000LL << std::string("10000-01-01T00:00:00.000000Z");
}

void TestUtcTime::micros() {
    QFETCH(qlonglong, us);
    QFETCH(std::string, text);
    QCOMPARE(atUs(us), text);
}

void TestUtcTime::outOfRange() {
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    QCOMPARE(atUs(kMax), "out-of-range time (" + std::to_string(kMax) + " us since 1970)");
    QCOMPARE(atUs(kMin), "out-of-range time (" + std::to_string(kMin) + " us since 1970)");
    // The last microsecond of year 32767, and the first after it.
    QCOMPARE(atUs(971890963199999999LL), std::string("32767-12-31T23:59:59.999999Z"));
    QCOMPARE(atUs(971890963200000000LL), std::string("out-of-range time (971890963200000000 us since 1970)"));
    // The first microsecond of year -32767, and the one before it.
    QCOMPARE(atUs(-1096193779200000000LL), std::string("-32767-01-01T00:00:00.000000Z"));
    QCOMPARE(atUs(-1096193779200000001LL), std::string("out-of-range time (-1096193779200000001 us since 1970)"));
}

QTEST_GUILESS_MAIN(TestUtcTime)
#include "tst_UtcTime.moc"
