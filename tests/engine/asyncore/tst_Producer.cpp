// tst_Producer.cpp — the producer protocol and asynchat.simple_producer (S1).
//
// Every chunk sequence below is what CPython 3.11.7's
// asynchat.simple_producer(data, buffer_size).more() returns, call by call.
#include "engine/asyncore/Producer.h"

#include <QByteArray>
#include <QList>
#include <QTest>

#include <string>

namespace {

// A producer that only implements more(): the base defaults apply.
class Minimal final : public engine::Producer {
public:
    std::string more() override { return {}; }
};

}  // namespace

class TestProducer : public QObject {
    Q_OBJECT

private slots:
    void simpleProducerChunks_data();
    void simpleProducerChunks();
    void exhaustedStaysEmpty();
    void remainingTracksWhatIsLeft();
    void defaults();
};

// S1: while more than buffer_size remains, buffer_size bytes; then the rest;
// then b'' forever. An exact multiple ends with a full chunk before b''.
void TestProducer::simpleProducerChunks_data() {
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<qulonglong>("bufferSize");  // 0 = the default (512)
    QTest::addColumn<QList<QByteArray>>("chunks");  // up to and including the first ""
    QTest::newRow("exact multiple") << QByteArray("abcdefgh") << 4ULL
                                    << QList<QByteArray>{"abcd", "efgh", ""};
    QTest::newRow("remainder") << QByteArray("abcdefghi") << 4ULL << QList<QByteArray>{"abcd", "efgh", "i", ""};
    QTest::newRow("shorter than size") << QByteArray("abc") << 8ULL << QList<QByteArray>{"abc", ""};
    QTest::newRow("size 1") << QByteArray("abc") << 1ULL << QList<QByteArray>{"a", "b", "c", ""};
    QTest::newRow("empty") << QByteArray() << 0ULL << QList<QByteArray>{""};
    QTest::newRow("default 512, 1000 bytes")
        << QByteArray(1000, 'x') << 0ULL << QList<QByteArray>{QByteArray(512, 'x'), QByteArray(488, 'x'), ""};
    QTest::newRow("default 512, 1024 bytes")
        << QByteArray(1024, 'x') << 0ULL << QList<QByteArray>{QByteArray(512, 'x'), QByteArray(512, 'x'), ""};
    // T-chat.test_simple_producer's producer (buffer_size 8).
    QTest::newRow("test_simple_producer")
        << QByteArray("hello world\nI'm not dead yet!\nQUIT\n") << 8ULL
        << QList<QByteArray>{"hello wo", "rld\nI'm ", "not dead", " yet!\nQU", "IT\n", ""};
    QTest::newRow("binary") << QByteArray("\0\1\2\3\4", 5) << 2ULL
                            << QList<QByteArray>{QByteArray("\0\1", 2), QByteArray("\2\3", 2), QByteArray("\4", 1), ""};
}

void TestProducer::simpleProducerChunks() {
    QFETCH(QByteArray, data);
    QFETCH(qulonglong, bufferSize);
    QFETCH(QList<QByteArray>, chunks);
    engine::SimpleProducer p = bufferSize == 0
                                   ? engine::SimpleProducer(data.toStdString())
                                   : engine::SimpleProducer(data.toStdString(), static_cast<std::size_t>(bufferSize));
    QList<QByteArray> got;
    for (int i = 0; i < chunks.size(); ++i) got.append(QByteArray::fromStdString(p.more()));
    QCOMPARE(got, chunks);
}

// S1 / P10: once exhausted, more() keeps returning "".
void TestProducer::exhaustedStaysEmpty() {
    engine::SimpleProducer p("ab", 1);
    QCOMPARE(QByteArray::fromStdString(p.more()), QByteArray("a"));
    QCOMPARE(QByteArray::fromStdString(p.more()), QByteArray("b"));
    for (int i = 0; i < 5; ++i) QVERIFY(p.more().empty());
}

void TestProducer::remainingTracksWhatIsLeft() {
    engine::SimpleProducer p("abcdefghi", 4);
    QCOMPARE(p.remaining(), 9LL);
    (void)p.more();
    QCOMPARE(p.remaining(), 5LL);
    (void)p.more();
    QCOMPARE(p.remaining(), 1LL);
    (void)p.more();
    QCOMPARE(p.remaining(), 0LL);
    (void)p.more();
    QCOMPARE(p.remaining(), 0LL);
}

void TestProducer::defaults() {
    QCOMPARE(engine::SimpleProducer::kDefaultBufferSize, std::size_t{512});
    engine::SimpleProducer s("x");
    QCOMPARE(QByteArray(s.kind().data(), static_cast<qsizetype>(s.kind().size())), QByteArray("simple"));
    Minimal m;
    QCOMPARE(QByteArray(m.kind().data(), static_cast<qsizetype>(m.kind().size())), QByteArray("producer"));
    QCOMPARE(m.remaining(), -1LL);
    QVERIFY(m.more().empty());
}

QTEST_APPLESS_MAIN(TestProducer)
#include "tst_Producer.moc"
