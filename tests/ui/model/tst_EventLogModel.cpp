// tst_EventLogModel.cpp — the event log table: events and messages modes,
// filters (on the spot and on the worker thread), incremental appends, the
// in-progress rows, lookups and search. A QAbstractItemModelTester watches
// the model in every test.
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"

#include "DataTestSupport.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QColor>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using engine::EventKind;
using engine::Terminator;
using testsupport::EventScript;
using ui::EventFilter;
using ui::EventLogModel;
using Mode = ui::EventLogModel::Mode;
using RowType = ui::EventLogModel::RowType;

namespace {

/// A store, a model over it and the model tester, torn down in the right order.
struct Fixture {
    ui::EventLogStore store;
    EventLogModel model{&store};
    QAbstractItemModelTester tester{&model, QAbstractItemModelTester::FailureReportingMode::QtTest};
    EventScript script;

    Fixture() = default;
    /// A model that starts in `mode` (set once the tester watches it).
    explicit Fixture(Mode mode) { model.setMode(mode); }

    /// Moves what `script` holds into the store and tells the model.
    void feed() {
        std::vector<engine::Event> batch = script.take();
        store.append(batch);
        model.appendFromStore();
    }
    QString text(int row, int column) const { return model.index(row, column).data().toString(); }
    QVariant role(int row, int r, int column = EventLogModel::ColData) const {
        return model.index(row, column).data(r);
    }
    EventKind kind(int row) const { return static_cast<EventKind>(role(row, EventLogModel::KindRole).toInt()); }
    RowType type(int row) const { return static_cast<RowType>(role(row, EventLogModel::RowTypeRole).toInt()); }
    /// Every row's Data text, top to bottom.
    QStringList dataColumn() const {
        QStringList out;
        for (int r = 0; r < model.rowCount(); ++r) out << text(r, EventLogModel::ColData);
        return out;
    }
};

EventFilter textFilter(const QString& text, bool caseSensitive = false) {
    EventFilter f;
    f.text = text;
    f.caseSensitive = caseSensitive;
    return f;
}

}  // namespace

class tst_EventLogModel : public QObject {
    Q_OBJECT
private slots:
    void eventsModeShowsEveryEvent();
    void oneInsertPerBatch();
    void columnsAndRoles();
    void messagesModeCollapsesCollects();
    void messagesModeInProgressRows();
    void messagesModeUnterminatedMessages();
    void messagesModeLongMessageIsCut();
    void filterByChannelKindDirection();
    void filterText_data();
    void filterText();
    void filterTextAcrossCollects();
    void filterAppliesToNewRows();
    void filterInMessagesModeWithNewRows();
    void unchangedFilterStillAnswers();
    void workerBuildsLargeIndex();
    void newerFilterSupersedesOlder();
    void workerCatchesUpWithAppends();
    void storeClearedResets();
    void viewRowForSeq();
    void findNext();
    void coloursFollowKinds();
    void timeAndDelta();
    void outOfRangeIsEmpty();
};

void tst_EventLogModel::eventsModeShowsEveryEvent() {
    Fixture f;
    QCOMPARE(f.model.rowCount(), 0);
    QCOMPARE(f.model.columnCount(), int(EventLogModel::ColumnCount));
    f.script.connected(1, "127.0.0.1:7000", "127.0.0.1:5000");
    f.script.line(1, "hello");
    f.script.push(1, 7);
    f.script.sent(1, "hello\r\n");
    f.feed();
    QCOMPARE(f.model.rowCount(), 5);
    QCOMPARE(f.kind(0), EventKind::Connected);
    QCOMPARE(f.kind(1), EventKind::Collect);
    QCOMPARE(f.kind(2), EventKind::FoundTerminator);
    QCOMPARE(f.kind(3), EventKind::Push);
    QCOMPARE(f.kind(4), EventKind::Sent);
    QCOMPARE(f.text(1, EventLogModel::ColMethod), QStringLiteral("collect_incoming_data"));
    QCOMPARE(f.text(2, EventLogModel::ColMethod), QStringLiteral("found_terminator"));
    QCOMPARE(f.text(3, EventLogModel::ColMethod), QStringLiteral("push"));
    QCOMPARE(f.text(4, EventLogModel::ColMethod), QStringLiteral("send"));
    QCOMPARE(f.text(0, EventLogModel::ColMethod), QStringLiteral("handle_connect"));
    QCOMPARE(f.dataColumn(), (QStringList{QStringLiteral("127.0.0.1:5000 → 127.0.0.1:7000"), QStringLiteral("hello"),
                                          QStringLiteral("\\r\\n"), QStringLiteral("7 bytes"),
                                          QStringLiteral("hello\\r\\n")}));
    for (int r = 0; r < 5; ++r) QCOMPARE(f.model.storeRow(r), qsizetype(r));
}

void tst_EventLogModel::oneInsertPerBatch() {
    Fixture f;
    QSignalSpy inserted(&f.model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&f.model, &QAbstractItemModel::modelReset);
    for (int i = 0; i < 100; ++i) f.script.collect(1, "x");
    f.feed();
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted[0][1].toInt(), 0);
    QCOMPARE(inserted[0][2].toInt(), 99);  // `last` is inclusive
    for (int i = 0; i < 50; ++i) f.script.collect(1, "y");
    f.feed();
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted[1][1].toInt(), 100);
    QCOMPARE(inserted[1][2].toInt(), 149);
    f.model.appendFromStore();  // nothing new: no signal
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(reset.size(), 0);

    // The same with a filter: one insertion, only the matching rows.
    f.model.setFilter(textFilter(QStringLiteral("z")));
    QCOMPARE(f.model.rowCount(), 0);
    for (int i = 0; i < 30; ++i) f.script.collect(1, i % 3 ? "a" : "z");
    f.feed();
    QCOMPARE(inserted.size(), 3);
    QCOMPARE(inserted[2][1].toInt(), 0);
    QCOMPARE(inserted[2][2].toInt(), 9);
    QCOMPARE(f.model.rowCount(), 10);
}

void tst_EventLogModel::columnsAndRoles() {
    Fixture f;
    f.script.collect(2, std::string("a\0b", 3));
    f.script.found(2, Terminator::bytes("\r\n"), 3);
    f.feed();
    QCOMPARE(f.text(0, EventLogModel::ColChannel), QStringLiteral("#2"));
    QCOMPARE(f.text(0, EventLogModel::ColDirection), QStringLiteral("in"));
    QCOMPARE(f.text(0, EventLogModel::ColSize), QStringLiteral("3"));
    QCOMPARE(f.text(0, EventLogModel::ColData), QStringLiteral("a\\0b"));
    QCOMPARE(f.role(0, EventLogModel::BytesRole).toByteArray(), QByteArray("a\0b", 3));
    QCOMPARE(f.role(0, EventLogModel::EscapedRole).toString(), QStringLiteral("a\\0b"));
    QCOMPARE(f.role(0, EventLogModel::Base64Role).toString(), QStringLiteral("YQBi"));
    QVERIFY(f.role(0, EventLogModel::HexRole).toString().startsWith(QStringLiteral("00000000  61 00 62")));
    QCOMPARE(f.role(0, EventLogModel::ChannelRole).toUInt(), 2u);
    QCOMPARE(f.role(0, EventLogModel::StoreRowRole).toLongLong(), 0);
    QCOMPARE(f.role(0, EventLogModel::SeqRole).toULongLong(), 1ull);
    QCOMPARE(f.role(0, EventLogModel::IsTerminatorRole).toBool(), false);
    QCOMPARE(f.role(0, EventLogModel::InProgressRole).toBool(), false);
    QCOMPARE(f.role(0, EventLogModel::DirectionRole).toInt(), int(ui::Direction::In));
    // The found_terminator row: its bytes are the terminator's, for a delegate.
    QCOMPARE(f.role(1, EventLogModel::IsTerminatorRole).toBool(), true);
    QCOMPARE(f.role(1, EventLogModel::BytesRole).toByteArray(), QByteArray("\r\n"));
    QCOMPARE(f.role(1, EventLogModel::TerminatorBytesRole).toByteArray(), QByteArray("\r\n"));
    QCOMPARE(f.kind(1), EventKind::FoundTerminator);
    QCOMPARE(f.text(1, EventLogModel::ColSize), QStringLiteral("3"));  // the message's size
    // Headers.
    QCOMPARE(f.model.headerData(EventLogModel::ColMethod, Qt::Horizontal).toString(), QStringLiteral("Method"));
    QVERIFY(!f.model.headerData(EventLogModel::ColData, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
    QVERIFY(!f.model.headerData(0, Qt::Vertical).isValid());
    // Alignment: numbers right.
    QCOMPARE(f.role(0, Qt::TextAlignmentRole, EventLogModel::ColSize).value<Qt::Alignment>(),
             Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
}

void tst_EventLogModel::messagesModeCollapsesCollects() {
    Fixture f(Mode::Messages);
    f.script.connected(1, "p", "l");
    f.script.collect(1, "hel");
    f.script.collect(2, "other ");   // interleaved channel
    f.script.collect(1, "lo");
    f.script.found(1, Terminator::bytes("\r\n"), 5);
    f.script.collect(2, "line");
    f.script.found(2, Terminator::bytes("\n"), 10);
    f.script.found(1, Terminator::bytes("\r\n"), 0);  // an empty line
    f.script.push(1, 5);
    f.feed();
    QCOMPARE(f.model.rowCount(), 5);
    QCOMPARE(f.type(0), RowType::Event);
    QCOMPARE(f.type(1), RowType::Message);
    QCOMPARE(f.type(2), RowType::Message);
    QCOMPARE(f.type(3), RowType::Message);
    QCOMPARE(f.type(4), RowType::Event);
    QCOMPARE(f.dataColumn(), (QStringList{QStringLiteral("l → p"), QStringLiteral("hello\\r\\n"),
                                          QStringLiteral("other line\\n"), QStringLiteral("\\r\\n"),
                                          QStringLiteral("5 bytes")}));
    QCOMPARE(f.role(1, EventLogModel::BytesRole).toByteArray(), QByteArray("hello"));
    QCOMPARE(f.role(1, EventLogModel::TerminatorBytesRole).toByteArray(), QByteArray("\r\n"));
    QCOMPARE(f.role(1, EventLogModel::IsTerminatorRole).toBool(), true);
    QCOMPARE(f.role(1, EventLogModel::EscapedRole).toString(), QStringLiteral("hello\\r\\n"));
    QCOMPARE(f.kind(1), EventKind::FoundTerminator);
    QCOMPARE(f.text(1, EventLogModel::ColMethod), QStringLiteral("found_terminator"));
    QCOMPARE(f.text(1, EventLogModel::ColSize), QStringLiteral("5"));
    QCOMPARE(f.text(2, EventLogModel::ColChannel), QStringLiteral("#2"));
    QCOMPARE(f.model.storeRow(1), qsizetype(4));  // the found_terminator's row
    QCOMPARE(f.role(1, EventLogModel::MessageFirstRowRole).toLongLong(), 1);
    QCOMPARE(f.role(2, EventLogModel::BytesRole).toByteArray(), QByteArray("other line"));
    QCOMPARE(f.model.rowBytes(3), QByteArray());
    QCOMPARE(f.model.rowTerminator(3), QByteArray("\r\n"));

    // Back to events: every event again.
    QSignalSpy applied(&f.model, &EventLogModel::filterApplied);
    f.model.setMode(Mode::Events);
    QCOMPARE(applied.size(), 1);
    QCOMPARE(applied[0][1].value<qsizetype>(), qsizetype(9));
    QCOMPARE(f.model.rowCount(), 9);
}

void tst_EventLogModel::messagesModeInProgressRows() {
    Fixture f(Mode::Messages);
    f.script.collect(1, "par");
    f.script.collect(3, "xy");
    f.feed();
    // Two channels collecting: one in-progress row each, by channel.
    QCOMPARE(f.model.rowCount(), 2);
    QCOMPARE(f.type(0), RowType::InProgress);
    QCOMPARE(f.role(0, EventLogModel::InProgressRole).toBool(), true);
    QCOMPARE(f.role(0, EventLogModel::IsTerminatorRole).toBool(), false);
    QCOMPARE(f.kind(0), EventKind::Collect);
    QCOMPARE(f.text(0, EventLogModel::ColData), QStringLiteral("par"));
    QCOMPARE(f.text(1, EventLogModel::ColData), QStringLiteral("xy"));
    QCOMPARE(f.text(0, EventLogModel::ColMethod), QStringLiteral("collect_incoming_data …"));

    // More bytes for channel 1: the row changes in place.
    QSignalSpy changed(&f.model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&f.model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&f.model, &QAbstractItemModel::rowsRemoved);
    f.script.collect(1, "tial");
    f.feed();
    QCOMPARE(f.model.rowCount(), 2);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(f.text(0, EventLogModel::ColData), QStringLiteral("partial"));
    QCOMPARE(f.text(0, EventLogModel::ColSize), QStringLiteral("7"));

    // Channel 1's message completes: a message row above the in-progress ones.
    f.script.found(1, Terminator::bytes("\n"), 7);
    f.feed();
    QCOMPARE(f.model.rowCount(), 2);
    QCOMPARE(f.type(0), RowType::Message);
    QCOMPARE(f.text(0, EventLogModel::ColData), QStringLiteral("partial\\n"));
    QCOMPARE(f.type(1), RowType::InProgress);
    QCOMPARE(f.text(1, EventLogModel::ColData), QStringLiteral("xy"));
    QVERIFY(removed.size() >= 1);
    // A channel filter hides the other channel's in-progress row.
    EventFilter only1;
    only1.channels = {1};
    f.model.setFilter(only1);
    QCOMPARE(f.model.rowCount(), 1);
    f.script.collect(1, "next");
    f.feed();
    QCOMPARE(f.model.rowCount(), 2);
    QCOMPARE(f.type(1), RowType::InProgress);
    QCOMPARE(f.text(1, EventLogModel::ColData), QStringLiteral("next"));
}

void tst_EventLogModel::messagesModeUnterminatedMessages() {
    Fixture f(Mode::Messages);
    f.script.collect(1, "no end");
    f.script.closed(1, engine::CloseReason::Peer, "eof");
    f.script.collect(2, "dropped");
    engine::Event& d = f.script.add(EventKind::Discarded, 2);
    d.size = 7;
    f.feed();
    QCOMPARE(f.model.rowCount(), 4);
    QCOMPARE(f.type(0), RowType::Unterminated);
    QCOMPARE(f.text(0, EventLogModel::ColData), QStringLiteral("no end"));
    QCOMPARE(f.role(0, EventLogModel::IsTerminatorRole).toBool(), false);
    QCOMPARE(f.role(0, EventLogModel::BytesRole).toByteArray(), QByteArray("no end"));
    QCOMPARE(f.type(1), RowType::Event);
    QCOMPARE(f.kind(1), EventKind::Closed);
    QCOMPARE(f.type(2), RowType::Unterminated);
    QCOMPARE(f.text(2, EventLogModel::ColData), QStringLiteral("dropped"));
    QCOMPARE(f.kind(3), EventKind::Discarded);
    QVERIFY(f.role(0, Qt::BackgroundRole).value<QColor>().isValid());
}

void tst_EventLogModel::messagesModeLongMessageIsCut() {
    Fixture f(Mode::Messages);
    const std::string chunk(4096, 'm');
    for (int i = 0; i < 10; ++i) f.script.collect(1, chunk);
    f.script.found(1, Terminator::bytes("\r\n"), 40960);
    f.feed();
    QCOMPARE(f.model.rowCount(), 1);
    const QString shown = f.text(0, EventLogModel::ColData);
    QVERIFY2(shown.size() < 400, qPrintable(QString::number(shown.size())));
    QVERIFY(shown.endsWith(QStringLiteral(" … (+40704 bytes)\\r\\n")));
    QCOMPARE(f.role(0, EventLogModel::BytesRole).toByteArray().size(), 40960);
    QCOMPARE(f.text(0, EventLogModel::ColSize), QStringLiteral("40960"));
}

void tst_EventLogModel::filterByChannelKindDirection() {
    Fixture f;
    f.script.connected(1, "a", "b");
    f.script.line(1, "one");
    f.script.line(2, "two");
    f.script.push(2, 3);
    f.script.sent(2, "two\r\n");
    f.script.error(2, 32, "send: Broken pipe");
    f.feed();
    QCOMPARE(f.model.rowCount(), 8);

    EventFilter byChannel;
    byChannel.channels = {2};
    f.model.setFilter(byChannel);
    QCOMPARE(f.model.rowCount(), 5);
    for (int r = 0; r < 5; ++r) QCOMPARE(f.role(r, EventLogModel::ChannelRole).toUInt(), 2u);

    EventFilter byKind;
    byKind.kinds = {EventKind::FoundTerminator, EventKind::Error};
    f.model.setFilter(byKind);
    QCOMPARE(f.model.rowCount(), 3);
    QCOMPARE(f.kind(2), EventKind::Error);

    EventFilter out;
    out.direction = ui::Direction::Out;
    f.model.setFilter(out);
    QCOMPARE(f.model.rowCount(), 2);
    QCOMPARE(f.kind(0), EventKind::Push);
    QCOMPARE(f.kind(1), EventKind::Sent);

    EventFilter none;
    none.direction = ui::Direction::None;
    none.channels = {1};
    f.model.setFilter(none);
    QCOMPARE(f.model.rowCount(), 1);
    QCOMPARE(f.kind(0), EventKind::Connected);

    f.model.setFilter(EventFilter{});
    QCOMPARE(f.model.rowCount(), 8);
    QVERIFY(EventFilter{}.isEmpty());
    QVERIFY(!byKind.isEmpty());
}

void tst_EventLogModel::filterText_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("caseSensitive");
    QTest::addColumn<int>("mode");
    QTest::addColumn<QStringList>("rows");
    QTest::newRow("plain") << "world" << false << 0 << QStringList{"Hello World"};
    QTest::newRow("case-sensitive miss") << "world" << true << 0 << QStringList{};
    QTest::newRow("case-sensitive hit") << "World" << true << 0 << QStringList{"Hello World"};
    QTest::newRow("escaped crlf") << "\\r\\n" << false << 0 << QStringList{"\\r\\n", "\\r\\n"};
    QTest::newRow("hex escape") << "\\x57orld" << true << 0 << QStringList{"Hello World"};
    QTest::newRow("not escaped text: literal") << "\\" << false << 0 << QStringList{};
    QTest::newRow("method name") << "found_term" << false << 0 << QStringList{"\\r\\n", "\\r\\n"};
    QTest::newRow("info string") << "refused" << false << 0
                                 << QStringList{"[errno 111] connect: Connection refused"};
    QTest::newRow("messages: whole message") << "hello world" << false << 1 << QStringList{"Hello World\\r\\n"};
    QTest::newRow("messages: terminator") << "e\\r\\n" << false << 1 << QStringList{"bye\\r\\n"};
}

void tst_EventLogModel::filterText() {
    QFETCH(QString, text);
    QFETCH(bool, caseSensitive);
    QFETCH(int, mode);
    QFETCH(QStringList, rows);
    Fixture f;
    f.script.line(1, "Hello World");
    f.script.line(1, "bye");
    f.script.error(2, 111, "connect: Connection refused");
    f.feed();
    f.model.setMode(mode ? Mode::Messages : Mode::Events);
    QSignalSpy applied(&f.model, &EventLogModel::filterApplied);
    f.model.setFilter(textFilter(text, caseSensitive));
    QCOMPARE(applied.size(), 1);  // small log: on the spot
    QCOMPARE(applied[0][1].value<qsizetype>(), qsizetype(rows.size()));
    QStringList shown = f.dataColumn();
    if (mode) shown.removeIf([](const QString& s) { return s.startsWith(QStringLiteral("[errno")); });
    QCOMPARE(shown, rows);
}

void tst_EventLogModel::filterTextAcrossCollects() {
    Fixture f(Mode::Messages);
    f.model.setFilter(textFilter(QStringLiteral("lo wo")));
    f.script.collect(1, "hel");
    f.script.collect(2, "lo wo");  // another channel: its own match
    f.script.collect(1, "lo w");
    f.script.collect(1, "orld");
    f.feed();
    // Both in progress and both matching.
    QCOMPARE(f.model.rowCount(), 2);
    f.script.found(1, Terminator::bytes("\n"), 11);
    f.script.collect(3, "lo");
    f.script.collect(3, " ");
    f.script.collect(3, "w");
    f.script.found(3, Terminator::bytes("\n"), 4);  // "lo w": no match
    f.script.collect(4, "l");
    f.script.collect(4, "o");
    f.script.collect(4, " ");
    f.script.collect(4, "w");
    f.script.collect(4, "o");
    f.script.found(4, Terminator::bytes("\n"), 5);  // one byte at a time: a match
    f.feed();
    QCOMPARE(f.dataColumn(), (QStringList{QStringLiteral("hello world\\n"), QStringLiteral("lo wo\\n"),
                                          QStringLiteral("lo wo")}));
    QCOMPARE(f.type(2), RowType::InProgress);
}

void tst_EventLogModel::filterAppliesToNewRows() {
    Fixture f;
    EventFilter fl;
    fl.channels = {7};
    fl.text = QStringLiteral("ping");
    f.model.setFilter(fl);
    QSignalSpy inserted(&f.model, &QAbstractItemModel::rowsInserted);
    f.script.collect(7, "ping 1");
    f.script.collect(8, "ping 2");
    f.script.collect(7, "pong");
    f.feed();
    QCOMPARE(f.model.rowCount(), 1);
    QCOMPARE(inserted.size(), 1);
    f.script.collect(8, "ping 3");
    f.feed();
    QCOMPARE(inserted.size(), 1);  // nothing matched: no signal
    f.script.collect(7, "PING 4");
    f.feed();
    QCOMPARE(f.dataColumn(), (QStringList{QStringLiteral("ping 1"), QStringLiteral("PING 4")}));
}

void tst_EventLogModel::filterInMessagesModeWithNewRows() {
    Fixture f(Mode::Messages);
    EventFilter fl;
    fl.channels = {1};
    f.model.setFilter(fl);
    for (int i = 0; i < 5; ++i) {
        f.script.line(1, "m" + std::to_string(i));
        f.script.line(2, "n" + std::to_string(i));
        f.feed();
        QCOMPARE(f.model.rowCount(), i + 1);
    }
    QCOMPARE(f.text(4, EventLogModel::ColData), QStringLiteral("m4\\r\\n"));
}

void tst_EventLogModel::unchangedFilterStillAnswers() {
    Fixture f;
    f.script.collect(1, "a");
    f.feed();
    QSignalSpy applied(&f.model, &EventLogModel::filterApplied);
    QSignalSpy reset(&f.model, &QAbstractItemModel::modelReset);
    f.model.setFilter(EventFilter{});
    QCOMPARE(applied.size(), 1);
    QCOMPARE(applied[0][1].value<qsizetype>(), qsizetype(1));
    QCOMPARE(reset.size(), 0);  // nothing rebuilt
    f.model.setMode(Mode::Events);
    QCOMPARE(applied.size(), 2);
}

void tst_EventLogModel::workerBuildsLargeIndex() {
    Fixture f;
    f.model.setSyncThreshold(0);  // everything goes to the worker
    for (int i = 0; i < 30000; ++i) {
        f.script.collect(static_cast<engine::ChannelId>(1 + i % 3), "line " + std::to_string(i));
        f.script.found(static_cast<engine::ChannelId>(1 + i % 3), Terminator::bytes("\n"), 0);
    }
    f.feed();
    QSignalSpy applied(&f.model, &EventLogModel::filterApplied);
    QSignalSpy reset(&f.model, &QAbstractItemModel::modelReset);
    f.model.setFilter(textFilter(QStringLiteral("line 1")));  // line 1, 10…19, 100…199, 1000…1999, 10000…19999
    QVERIFY(f.model.isApplyingFilter());
    QCOMPARE(f.model.rowCount(), 60000);  // the old index stays until the new one is ready
    QVERIFY(applied.wait(10000));
    QVERIFY(!f.model.isApplyingFilter());
    QCOMPARE(reset.size(), 1);
    const qsizetype expected = 1 + 10 + 100 + 1000 + 10000;
    QCOMPARE(applied[0][1].value<qsizetype>(), expected);
    QCOMPARE(f.model.rowCount(), int(expected));
    QCOMPARE(f.text(0, EventLogModel::ColData), QStringLiteral("line 1"));
    QCOMPARE(f.text(int(expected) - 1, EventLogModel::ColData), QStringLiteral("line 19999"));

    // Messages mode on the worker too.
    applied.clear();
    f.model.setMode(Mode::Messages);
    QVERIFY(applied.wait(10000));
    QCOMPARE(f.model.rowCount(), int(expected));
    QCOMPARE(f.text(1, EventLogModel::ColData), QStringLiteral("line 10\\n"));
}

void tst_EventLogModel::newerFilterSupersedesOlder() {
    Fixture f;
    f.model.setSyncThreshold(0);
    for (int i = 0; i < 40000; ++i) f.script.collect(1, i % 2 ? "odd" : "even");
    f.feed();
    QSignalSpy applied(&f.model, &EventLogModel::filterApplied);
    f.model.setFilter(textFilter(QStringLiteral("odd")));
    f.model.setFilter(textFilter(QStringLiteral("even")));
    QTRY_VERIFY_WITH_TIMEOUT(!f.model.isApplyingFilter(), 10000);
    // The first job was cancelled (or its result dropped): one answer, the second filter's.
    QCOMPARE(applied.size(), 1);
    QCOMPARE(applied.last()[1].value<qsizetype>(), qsizetype(20000));
    QCOMPARE(f.model.rowCount(), 20000);
    QCOMPARE(f.text(0, EventLogModel::ColData), QStringLiteral("even"));
    QCOMPARE(f.model.filter().text, QStringLiteral("even"));
}

void tst_EventLogModel::workerCatchesUpWithAppends() {
    Fixture f;
    f.model.setSyncThreshold(0);
    for (int i = 0; i < 20000; ++i) f.script.collect(1, i % 10 ? "noise" : "signal");
    f.feed();
    QSignalSpy applied(&f.model, &EventLogModel::filterApplied);
    f.model.setFilter(textFilter(QStringLiteral("signal")));
    // Rows keep coming while the worker runs; the old (identity) index takes them.
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 1000; ++i) f.script.collect(1, i % 10 ? "noise" : "signal");
        f.feed();
    }
    QVERIFY(applied.size() == 1 || applied.wait(10000));
    QCOMPARE(f.model.rowCount(), 2500);
    f.script.collect(1, "signal again");
    f.feed();
    QCOMPARE(f.model.rowCount(), 2501);
}

void tst_EventLogModel::storeClearedResets() {
    Fixture f(Mode::Messages);
    f.script.line(1, "a");
    f.script.collect(1, "b");
    f.feed();
    QCOMPARE(f.model.rowCount(), 2);
    f.store.clear();
    QVERIFY(!f.model.index(0, 0).data().isValid());  // nothing shown for rows gone
    QSignalSpy reset(&f.model, &QAbstractItemModel::modelReset);
    f.script.line(3, "c");
    f.feed();
    QCOMPARE(reset.size(), 1);
    QCOMPARE(f.model.rowCount(), 1);
    QCOMPARE(f.text(0, EventLogModel::ColData), QStringLiteral("c\\r\\n"));
    f.store.clear();
    f.model.reload();
    QCOMPARE(f.model.rowCount(), 0);
}

void tst_EventLogModel::viewRowForSeq() {
    Fixture f;
    f.script.connected(1, "a", "b");   // seq 1
    f.script.collect(1, "x");          // 2
    f.script.collect(2, "y");          // 3
    f.script.found(1, Terminator::bytes("\n"), 1);  // 4
    f.script.collect(2, "z");          // 5
    f.feed();
    QCOMPARE(f.model.viewRowForSeq(4), 3);
    QCOMPARE(f.model.viewRowForSeq(99), -1);
    f.model.setMode(Mode::Messages);
    // Rows: connected, message(ch1), in-progress(ch2).
    QCOMPARE(f.model.rowCount(), 3);
    QCOMPARE(f.model.viewRowForSeq(1), 0);
    QCOMPARE(f.model.viewRowForSeq(2), 1);  // a collect: its message
    QCOMPARE(f.model.viewRowForSeq(4), 1);
    QCOMPARE(f.model.viewRowForSeq(3), 2);  // in progress
    QCOMPARE(f.model.viewRowForSeq(5), 2);
    EventFilter only2;
    only2.channels = {2};
    f.model.setFilter(only2);
    QCOMPARE(f.model.viewRowForSeq(1), -1);  // filtered out
    QCOMPARE(f.model.viewRowForSeq(5), 0);
    QCOMPARE(f.model.storeRow(0), qsizetype(4));
    QCOMPARE(f.model.storeRow(1), qsizetype(-1));
}

void tst_EventLogModel::findNext() {
    Fixture f;
    f.script.collect(1, "alpha");
    f.script.collect(1, "beta");
    f.script.error(1, 0, "Alpha failure");
    f.script.collect(1, "gamma");
    f.feed();
    QCOMPARE(f.model.findNext(QStringLiteral("alpha"), -1, false, false), 0);
    QCOMPARE(f.model.findNext(QStringLiteral("alpha"), 0, false, false), 2);
    QCOMPARE(f.model.findNext(QStringLiteral("alpha"), 2, false, false), -1);
    QCOMPARE(f.model.findNext(QStringLiteral("alpha"), 0, false, true), -1);
    QCOMPARE(f.model.findNext(QStringLiteral("alpha"), f.model.rowCount(), true, false), 2);
    QCOMPARE(f.model.findNext(QStringLiteral("alpha"), 2, true, false), 0);
    QCOMPARE(f.model.findNext(QStringLiteral("handle_error"), -1, false, false), 2);
    QCOMPARE(f.model.findNext(QString(), -1, false, false), -1);
    // Messages: the whole message, across collects.
    f.model.setMode(Mode::Messages);
    f.script.found(1, Terminator::bytes("\n"), 0);
    f.feed();
    // Rows: alpha…gamma was one message cut by nothing: the error stays an event.
    QCOMPARE(f.model.findNext(QStringLiteral("betag"), -1, false, false), f.model.rowCount() - 1);
}

void tst_EventLogModel::coloursFollowKinds() {
    Fixture f;
    f.script.collect(1, "in");
    f.script.sent(1, "out");
    f.script.connected(1, "p", "l");
    f.script.error(1, 5, "bad");
    f.script.found(1, Terminator::bytes("\n"), 2);
    f.script.closed(1, engine::CloseReason::Peer, "eof");
    f.script.closed(2, engine::CloseReason::Peer, "connection reset by peer").error = 104;
    f.feed();
    const auto fg = [&](int row, int col = EventLogModel::ColMethod) {
        return f.role(row, Qt::ForegroundRole, col).value<QColor>();
    };
    QVERIFY(fg(0).isValid());
    QVERIFY(fg(0) != fg(1));
    QVERIFY(fg(1) != fg(2));
    QVERIFY(fg(2) != fg(3));
    QVERIFY(fg(4, EventLogModel::ColData) != fg(0, EventLogModel::ColData));  // the terminator stands out
    QVERIFY(f.role(3, Qt::BackgroundRole).value<QColor>().isValid());        // errors are tinted
    QVERIFY(!f.role(0, Qt::BackgroundRole).isValid());
    // An orderly close is lifecycle; a reset by the peer reads as an error.
    QCOMPARE(fg(5), fg(2));
    QCOMPARE(fg(6), fg(3));
    QVERIFY(f.role(6, Qt::BackgroundRole).value<QColor>().isValid());
    QVERIFY(!f.role(5, Qt::BackgroundRole).isValid());
    // Dark palette: different, still valid colours.
    const QPalette old = QGuiApplication::palette();
    QPalette dark;
    dark.setColor(QPalette::Base, QColor(30, 30, 30));
    dark.setColor(QPalette::Text, QColor(220, 220, 220));
    QGuiApplication::setPalette(dark);
    const QColor darkIn = fg(0);
    QGuiApplication::setPalette(old);
    QVERIFY(darkIn.isValid());
    QVERIFY(darkIn.lightness() > fg(0).lightness());
}

void tst_EventLogModel::timeAndDelta() {
    Fixture f;
    f.script.collect(1, "a");  // t = 1000 µs
    f.script.collect(1, "b");  // 2000
    f.script.collect(2, "c");  // 3000
    f.feed();
    QCOMPARE(f.text(0, EventLogModel::ColTime), QStringLiteral("0.001000"));
    QCOMPARE(f.text(0, EventLogModel::ColDelta), QString());
    QCOMPARE(f.text(1, EventLogModel::ColDelta), QStringLiteral("+0.001000"));
    EventFilter two;
    two.kinds = {EventKind::Collect};
    two.channels = {2};
    f.model.setFilter(two);
    QCOMPARE(f.model.rowCount(), 1);
    f.model.setFilter(EventFilter{});
    f.script.collect(1, "d");  // 4000
    f.feed();
    // Δt is to the row above as shown: with channel 1 only, d follows b.
    EventFilter one;
    one.channels = {1};
    f.model.setFilter(one);
    QCOMPARE(f.text(2, EventLogModel::ColDelta), QStringLiteral("+0.002000"));
    QSignalSpy changed(&f.model, &QAbstractItemModel::dataChanged);
    f.model.setStartTime(QDateTime(QDate(2025, 1, 2), QTime(3, 4, 5), Qt::UTC));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(f.text(0, EventLogModel::ColTime), QStringLiteral("03:04:05.001000"));
    QCOMPARE(f.role(0, EventLogModel::TimeUsRole, EventLogModel::ColTime).toLongLong(), 1000);
}

void tst_EventLogModel::outOfRangeIsEmpty() {
    Fixture f;
    f.script.collect(1, "a");
    f.feed();
    QVERIFY(!f.model.index(5, 0).isValid());
    QVERIFY(!f.model.data(QModelIndex()).isValid());
    QCOMPARE(f.model.storeRow(-1), qsizetype(-1));
    QCOMPARE(f.model.storeRow(1), qsizetype(-1));
    QCOMPARE(f.model.rowBytes(3), QByteArray());
    QCOMPARE(f.model.rowCount(f.model.index(0, 0)), 0);  // a table: no children
    QVERIFY(!f.role(0, Qt::UserRole + 500).isValid());
}

QTEST_MAIN(tst_EventLogModel)
#include "tst_EventLogModel.moc"
