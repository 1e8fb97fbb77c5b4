// tst_Fifo.cpp — engine::Fifo, async_chat's producer_fifo.
//
// S4: CPython 3.11 has no asynchat.fifo class (removed in 3.6); async_chat
// uses a collections.deque with append, appendleft, [0] (get, replace, del),
// clear() and truthiness. Fifo is that deque with typed entries (data,
// producer, the close marker `None`) plus a running count of queued data
// bytes. These tests pin the operations AsyncChat relies on; the way
// initiate_send() walks the fifo is tested in tst_AsyncChat (P2–P16).
#include "engine/asyncore/Fifo.h"
#include "engine/asyncore/Producer.h"

#include <QByteArray>
#include <QTest>

#include <memory>
#include <string>
#include <vector>

namespace {

using Kind = engine::Fifo::Entry::Kind;

// A producer that reports its destruction, to check ownership.
class Tracked final : public engine::Producer {
public:
    explicit Tracked(int* destroyed) : m_destroyed(destroyed) {}
    ~Tracked() override { ++*m_destroyed; }
    Tracked(const Tracked&) = delete;
    Tracked& operator=(const Tracked&) = delete;
    std::string more() override { return {}; }

private:
    int* m_destroyed;
};

QByteArray describe(const engine::Fifo& f) {
    QByteArray out;
    for (const auto& e : f) {
        if (!out.isEmpty()) out += ',';
        switch (e.kind) {
        case Kind::Data: out += QByteArray::fromStdString(std::string(e.pending())); break;
        case Kind::Producer: out += "<producer>"; break;
        case Kind::Close: out += "<close>"; break;
        }
    }
    return out;
}

}  // namespace

class TestFifo : public QObject {
    Q_OBJECT

private slots:
    void startsEmpty();
    void appendKeepsOrder();
    void prependPutsDataAtHead();
    void queuedBytesCountsPendingData();
    void consumeFrontKeepsRemainder();
    void consumeFrontAllRemovesEntry();
    void popFrontAfterPartialConsume();
    void emptyDataEntryIsKept();
    void clearEmptiesEverything();
    void ownsProducers();
};

void TestFifo::startsEmpty() {
    engine::Fifo f;
    QVERIFY(f.empty());
    QCOMPARE(f.size(), std::size_t{0});
    QCOMPARE(f.queuedBytes(), std::size_t{0});
    QVERIFY(f.begin() == f.end());
}

// deque.append for all three kinds of entry.
void TestFifo::appendKeepsOrder() {
    engine::Fifo f;
    int destroyed = 0;
    f.appendData("one");
    f.appendProducer(std::make_unique<Tracked>(&destroyed));
    f.appendClose();
    f.appendData("two");
    QCOMPARE(f.size(), std::size_t{4});
    QCOMPARE(describe(f), QByteArray("one,<producer>,<close>,two"));
    QVERIFY(f.front().kind == Kind::Data);
    QCOMPARE(QByteArray::fromStdString(std::string(f.front().pending())), QByteArray("one"));
}

// deque.appendleft: a producer's chunk goes ahead of the producer (P9).
void TestFifo::prependPutsDataAtHead() {
    engine::Fifo f;
    int destroyed = 0;
    f.appendProducer(std::make_unique<Tracked>(&destroyed));
    f.prependData("chunk");
    QCOMPARE(describe(f), QByteArray("chunk,<producer>"));
    QCOMPARE(f.queuedBytes(), std::size_t{5});
}

// Data bytes queued and not yet sent; producers and the marker count nothing.
void TestFifo::queuedBytesCountsPendingData() {
    engine::Fifo f;
    int destroyed = 0;
    f.appendData("abc");
    f.appendData("");
    f.appendProducer(std::make_unique<Tracked>(&destroyed));
    f.appendClose();
    f.prependData("xy");
    QCOMPARE(f.queuedBytes(), std::size_t{5});
    f.popFront();
    QCOMPARE(f.queuedBytes(), std::size_t{3});
}

// P11's `producer_fifo[0] = first[n:]`.
void TestFifo::consumeFrontKeepsRemainder() {
    engine::Fifo f;
    f.appendData("abcdef");
    f.appendData("gh");
    f.consumeFront(4);
    QCOMPARE(f.size(), std::size_t{2});
    QCOMPARE(describe(f), QByteArray("ef,gh"));
    QCOMPARE(f.front().offset, std::size_t{4});
    QCOMPARE(f.queuedBytes(), std::size_t{4});
}

// P11's `del producer_fifo[0]` once the whole entry is sent: an empty
// remainder never stays behind.
void TestFifo::consumeFrontAllRemovesEntry() {
    engine::Fifo f;
    f.appendData("abc");
    f.appendData("d");
    f.consumeFront(1);
    f.consumeFront(2);
    QCOMPARE(f.size(), std::size_t{1});
    QCOMPARE(describe(f), QByteArray("d"));
    QCOMPARE(f.queuedBytes(), std::size_t{1});
}

void TestFifo::popFrontAfterPartialConsume() {
    engine::Fifo f;
    f.appendData("abcdef");
    f.consumeFront(2);
    f.popFront();
    QVERIFY(f.empty());
    QCOMPARE(f.queuedBytes(), std::size_t{0});
}

// push(b'') queues an empty entry (P2, P7); the fifo keeps it as given.
void TestFifo::emptyDataEntryIsKept() {
    engine::Fifo f;
    f.appendData("");
    QVERIFY(!f.empty());
    QCOMPARE(f.size(), std::size_t{1});
    QVERIFY(f.front().kind == Kind::Data);
    QVERIFY(f.front().pending().empty());
}

// deque.clear (discard_buffers, W3): the close marker goes too.
void TestFifo::clearEmptiesEverything() {
    engine::Fifo f;
    int destroyed = 0;
    f.appendData("abc");
    f.appendProducer(std::make_unique<Tracked>(&destroyed));
    f.appendClose();
    f.clear();
    QVERIFY(f.empty());
    QCOMPARE(f.queuedBytes(), std::size_t{0});
    QCOMPARE(destroyed, 1);
}

void TestFifo::ownsProducers() {
    int destroyed = 0;
    {
        engine::Fifo f;
        f.appendProducer(std::make_unique<Tracked>(&destroyed));
        f.appendProducer(std::make_unique<Tracked>(&destroyed));
        f.popFront();
        QCOMPARE(destroyed, 1);
    }
    QCOMPARE(destroyed, 2);
}

QTEST_APPLESS_MAIN(TestFifo)
#include "tst_Fifo.moc"
