// tst_ChannelModel.cpp — the channel tree folded from events: listeners and
// their connections, clients, counters, snapshots, terminators, closing and
// forgetting. A QAbstractItemModelTester watches the model in every test.
#include "ui/model/ChannelModel.h"

#include "DataTestSupport.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QIcon>
#include <QImage>
#include <QSignalSpy>
#include <QTest>

using engine::ChannelPhase;
using engine::ChannelRole;
using engine::Terminator;
using testsupport::EventScript;
using ui::ChannelModel;

namespace {

struct Fixture {
    ChannelModel model;
    QAbstractItemModelTester tester{&model, QAbstractItemModelTester::FailureReportingMode::QtTest};
    EventScript script;

    void feed() {
        const std::vector<engine::Event> batch = script.take();
        model.applyEvents(batch);
    }
    QString cell(engine::ChannelId id, int column) const {
        const QModelIndex i = model.indexForChannel(id);
        return i.sibling(i.row(), column).data().toString();
    }
};

}  // namespace

class tst_ChannelModel : public QObject {
    Q_OBJECT
private slots:
    void listenerWithAcceptedChildren();
    void clientsAtTopLevel();
    void oneInsertPerParentPerBatch();
    void countersFromEvents();
    void snapshotsReplaceCounters();
    void terminators();
    void closingCountsAndDims();
    void removeClosed();
    void errorsAreKept();
    void unknownChannelsStillShow();
    void clear();
    void tlsHandshakeShowsPadlockAndVersion();
    void tlsUnverifiedIsMarked();
    void tlsCloseShowsEnded();
    void tlsListenerPassesItOn();
    void tlsStartTlsAndRequested();
    void proxiedPairIsGrouped();
    void userLabelIsShownOnly();
};

void tst_ChannelModel::listenerWithAcceptedChildren() {
    Fixture f;
    f.script.listening(1, "127.0.0.1:7000", 7000);
    f.script.accepted(2, 1, "127.0.0.1:50001", "127.0.0.1:7000");
    f.script.accepted(3, 1, "127.0.0.1:50002", "127.0.0.1:7000");
    f.feed();
    QCOMPARE(f.model.rowCount(), 1);
    const QModelIndex listener = f.model.index(0, 0);
    QCOMPARE(listener.data(ChannelModel::ChannelIdRole).toUInt(), 1u);
    QCOMPARE(listener.data().toString(), QStringLiteral("#1 listener"));
    QCOMPARE(f.model.rowCount(listener), 2);
    const QModelIndex child = f.model.index(1, 0, listener);
    QCOMPARE(child.data(ChannelModel::ChannelIdRole).toUInt(), 3u);
    QCOMPARE(child.data().toString(), QStringLiteral("#3 accepted"));
    QCOMPARE(child.parent(), listener);
    QCOMPARE(f.model.indexForChannel(3), child);
    QCOMPARE(f.model.indexForChannel(1), listener);
    QVERIFY(!f.model.indexForChannel(99).isValid());
    QCOMPARE(f.cell(1, ChannelModel::ColPeer), QStringLiteral("127.0.0.1:7000"));  // a listener: where it listens
    QCOMPARE(f.cell(3, ChannelModel::ColPeer), QStringLiteral("127.0.0.1:50002"));
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("listening"));
    QCOMPARE(f.cell(2, ChannelModel::ColState), QStringLiteral("connected"));
    const ui::ChannelInfo* info = f.model.info(2);
    QVERIFY(info);
    QCOMPARE(info->role, ChannelRole::Accepted);
    QCOMPARE(info->parent, engine::ChannelId{1});
    QCOMPARE(info->local, QStringLiteral("127.0.0.1:7000"));
    QCOMPARE(f.model.openChannels(), 3);
    QCOMPARE(f.model.channelCount(), 3);
    QCOMPARE(f.model.headerData(ChannelModel::ColBytesIn, Qt::Horizontal).toString(), QStringLiteral("Bytes in"));
}

void tst_ChannelModel::clientsAtTopLevel() {
    Fixture f;
    f.script.listening(1, "127.0.0.1:7000", 7000);
    f.script.connecting(2, "127.0.0.1:7000", "localhost");
    f.script.accepted(3, 1, "127.0.0.1:50001", "127.0.0.1:7000");
    f.feed();
    QCOMPARE(f.model.rowCount(), 2);
    QCOMPARE(f.model.index(1, 0).data(ChannelModel::ChannelIdRole).toUInt(), 2u);
    QCOMPARE(f.cell(2, ChannelModel::ColState), QStringLiteral("connecting"));
    QCOMPARE(f.cell(2, ChannelModel::ColPeer), QStringLiteral("127.0.0.1:7000 (localhost)"));
    f.script.connected(2, "127.0.0.1:7000", "127.0.0.1:50001");
    f.feed();
    QCOMPARE(f.cell(2, ChannelModel::ColState), QStringLiteral("connected"));
    QCOMPARE(f.cell(2, ChannelModel::ColPeer), QStringLiteral("127.0.0.1:7000"));
    QCOMPARE(f.model.info(2)->host, QStringLiteral("localhost"));
    QCOMPARE(f.model.rowCount(f.model.index(1, 0)), 0);
}

void tst_ChannelModel::oneInsertPerParentPerBatch() {
    Fixture f;
    QSignalSpy inserted(&f.model, &QAbstractItemModel::rowsInserted);
    f.script.listening(1, "l", 1);
    for (engine::ChannelId c = 2; c < 12; ++c) f.script.accepted(c, 1, "p", "l");
    f.script.connecting(20, "x", "x");
    f.feed();
    // Top level (listener + client) once, the ten children once.
    QCOMPARE(inserted.size(), 2);
    QVERIFY(!inserted[0][0].value<QModelIndex>().isValid());
    QCOMPARE(inserted[0][1].toInt(), 0);
    QCOMPARE(inserted[0][2].toInt(), 1);
    QCOMPARE(inserted[1][0].value<QModelIndex>(), f.model.index(0, 0));
    QCOMPARE(inserted[1][1].toInt(), 0);
    QCOMPARE(inserted[1][2].toInt(), 9);
    // Updates: one dataChanged per run of adjacent rows.
    QSignalSpy changed(&f.model, &QAbstractItemModel::dataChanged);
    for (engine::ChannelId c = 2; c < 7; ++c) f.script.collect(c, "abc");
    f.script.collect(9, "x");
    f.feed();
    // Rows 0-4 and row 7 under the listener, then the listener's own totals.
    QCOMPARE(changed.size(), 3);
    QCOMPARE(changed[0][0].value<QModelIndex>().row(), 0);
    QCOMPARE(changed[0][1].value<QModelIndex>().row(), 4);
    QCOMPARE(changed[1][0].value<QModelIndex>().row(), 7);
    QCOMPARE(changed[2][0].value<QModelIndex>(), f.model.index(0, ChannelModel::ColBytesIn));
}

void tst_ChannelModel::countersFromEvents() {
    Fixture f;
    f.script.listening(1, "l", 1);
    f.script.accepted(2, 1, "p", "l");
    f.script.collect(2, "hel");
    f.script.collect(2, "lo");
    f.script.found(2, Terminator::bytes("\r\n"), 5);
    f.script.push(2, 7);
    f.script.sent(2, "hello\r\n");
    engine::Event& repeat = f.script.push(2, 64);
    repeat.sub = static_cast<std::uint8_t>(engine::ProducerKind::Repeat);
    repeat.count = 10;
    f.feed();
    const ui::ChannelInfo* i = f.model.info(2);
    QCOMPARE(i->bytesIn, std::uint64_t{7});  // the message and its terminator
    QCOMPARE(i->messagesIn, std::uint64_t{1});
    QCOMPARE(i->bytesOut, std::uint64_t{7});
    QCOMPARE(i->messagesOut, std::uint64_t{11});
    QCOMPARE(f.cell(2, ChannelModel::ColBytesIn), QStringLiteral("7"));
    QCOMPARE(f.cell(2, ChannelModel::ColMsgsOut), QStringLiteral("11"));
    // The listener shows its connections' totals.
    QCOMPARE(f.cell(1, ChannelModel::ColBytesIn), QStringLiteral("7"));
    QCOMPARE(f.model.index(0, ChannelModel::ColMsgsOut).data(ChannelModel::SortRole).toULongLong(), 11ull);
    QCOMPARE(f.model.index(0, ChannelModel::ColBytesIn).data(Qt::TextAlignmentRole).value<Qt::Alignment>(),
             Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
}

void tst_ChannelModel::snapshotsReplaceCounters() {
    Fixture f;
    f.script.connecting(5, "127.0.0.1:9000", "127.0.0.1");
    f.script.collect(5, "abc");
    f.feed();
    engine::ChannelState s;
    s.role = ChannelRole::Client;
    s.phase = ChannelPhase::Connected;
    s.peer = "127.0.0.1:9000";
    s.local = "127.0.0.1:40404";
    s.bytesIn = 1000;
    s.bytesOut = 2000;
    s.messagesIn = 3;
    s.messagesOut = 4;
    s.terminator = Terminator::bytes("\n");
    s.queuedBytes = 12;
    f.script.snapshot(5, s);
    f.script.collect(5, "de");  // counted on top of the snapshot
    f.feed();
    const ui::ChannelInfo* i = f.model.info(5);
    QCOMPARE(i->bytesIn, std::uint64_t{1002});
    QCOMPARE(i->bytesOut, std::uint64_t{2000});
    QCOMPARE(i->messagesIn, std::uint64_t{3});
    QCOMPARE(i->messagesOut, std::uint64_t{4});
    QVERIFY(i->hasSnapshot);
    QCOMPARE(i->last.queuedBytes, std::uint64_t{12});
    QCOMPARE(i->local, QStringLiteral("127.0.0.1:40404"));
    QCOMPARE(i->phase, ChannelPhase::Connected);
    QCOMPARE(f.cell(5, ChannelModel::ColTerminator), QStringLiteral("\\n"));
}

void tst_ChannelModel::terminators() {
    Fixture f;
    engine::ChannelOptions opts;
    opts.terminator = Terminator::bytes("\r\n");
    f.model.setOptions(1, ChannelRole::Listener, opts, QStringLiteral("127.0.0.1:7000"));
    QCOMPARE(f.model.rowCount(), 1);  // known before any event
    QCOMPARE(f.cell(1, ChannelModel::ColTerminator), QStringLiteral("\\r\\n"));
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("listening"));
    f.script.listening(1, "127.0.0.1:7000", 7000);
    f.script.accepted(2, 1, "p", "l");  // inherits the listener's terminator
    f.feed();
    QCOMPARE(f.cell(2, ChannelModel::ColTerminator), QStringLiteral("\\r\\n"));
    f.script.terminatorSet(2, Terminator::count(16));
    f.feed();
    QCOMPARE(f.cell(2, ChannelModel::ColTerminator), QStringLiteral("count:16"));
    // found_terminator of a count reports count:0 (R8): the count stays shown.
    f.script.found(2, Terminator::count(0), 16);
    f.feed();
    QCOMPARE(f.cell(2, ChannelModel::ColTerminator), QStringLiteral("count:16"));
    QCOMPARE(f.model.info(2)->messagesIn, std::uint64_t{1});
    // A client with unknown options learns its terminator from found_terminator.
    f.script.connecting(3, "a", "a");
    f.feed();
    QCOMPARE(f.cell(3, ChannelModel::ColTerminator), QString());
    f.script.found(3, Terminator::bytes("\n"), 0);
    f.feed();
    QCOMPARE(f.cell(3, ChannelModel::ColTerminator), QStringLiteral("\\n"));
}

void tst_ChannelModel::closingCountsAndDims() {
    Fixture f;
    f.script.connecting(1, "a", "a");
    f.script.connected(1, "a", "b");
    f.script.connecting(2, "c", "c");
    f.feed();
    QCOMPARE(f.model.openChannels(), 2);
    QVERIFY(!f.model.indexForChannel(1).data(Qt::ForegroundRole).isValid());
    f.script.add(engine::EventKind::CloseWhenDone, 1);
    f.feed();
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("closing"));
    engine::ChannelState final;
    final.phase = ChannelPhase::Closed;
    final.bytesIn = 10;
    final.bytesOut = 20;
    final.messagesIn = 1;
    final.messagesOut = 2;
    f.script.closed(1, engine::CloseReason::Local, "close", std::make_shared<const engine::ChannelState>(final));
    f.feed();
    QCOMPARE(f.model.openChannels(), 1);
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("closed"));
    QCOMPARE(f.model.info(1)->bytesOut, std::uint64_t{20});
    QVERIFY(f.model.info(1)->closedUs > 0);
    QVERIFY(f.model.indexForChannel(1).data(Qt::ForegroundRole).isValid());  // dimmed
    QCOMPARE(f.model.indexForChannel(1).data(ChannelModel::IsOpenRole).toBool(), false);
    f.script.add(engine::EventKind::HalfClosed, 2);
    f.feed();
    QCOMPARE(f.cell(2, ChannelModel::ColState), QStringLiteral("connecting (half-closed)"));
}

void tst_ChannelModel::removeClosed() {
    Fixture f;
    f.script.listening(1, "l", 1);
    for (engine::ChannelId c = 2; c <= 6; ++c) f.script.accepted(c, 1, "p", "l");
    f.script.connecting(7, "x", "x");
    f.script.connecting(8, "y", "y");
    f.feed();
    for (engine::ChannelId c : {2u, 3u, 5u, 7u}) f.script.closed(c, engine::CloseReason::Peer);
    f.feed();
    QSignalSpy removed(&f.model, &QAbstractItemModel::rowsRemoved);
    QCOMPARE(f.model.removeClosed(), 4);
    QCOMPARE(removed.size(), 3);  // child row 3 (#5), child rows 0-1 (#2 #3), top row 1 (#7)
    QCOMPARE(f.model.channelCount(), 4);
    const QModelIndex listener = f.model.indexForChannel(1);
    QCOMPARE(f.model.rowCount(listener), 2);
    QCOMPARE(f.model.index(0, 0, listener).data(ChannelModel::ChannelIdRole).toUInt(), 4u);
    QCOMPARE(f.model.index(1, 0, listener).data(ChannelModel::ChannelIdRole).toUInt(), 6u);
    QCOMPARE(f.model.indexForChannel(6).row(), 1);
    QCOMPARE(f.model.indexForChannel(8).row(), 1);
    QVERIFY(f.model.info(3) == nullptr);
    // A closed listener stays while it has children; goes with the last one.
    f.script.closed(1, engine::CloseReason::Local);
    f.script.closed(4, engine::CloseReason::Local);
    f.feed();
    QCOMPARE(f.model.removeClosed(), 1);  // #4; the listener still has #6
    QCOMPARE(f.model.indexForChannel(1).isValid(), true);
    f.script.closed(6, engine::CloseReason::Local);
    f.feed();
    QCOMPARE(f.model.removeClosed(), 2);
    QVERIFY(!f.model.indexForChannel(1).isValid());
    QCOMPARE(f.model.rowCount(), 1);
    QCOMPARE(f.model.openChannels(), 1);
    // Later events still land (a fresh channel after removals).
    f.script.accepted(9, 1, "p", "l");  // its listener is gone: top level
    f.feed();
    QCOMPARE(f.model.rowCount(), 2);
}

void tst_ChannelModel::errorsAreKept() {
    Fixture f;
    f.script.connecting(1, "127.0.0.1:9", "127.0.0.1");
    f.script.error(1, 111, "connect to 127.0.0.1:9: Connection refused");
    f.feed();
    QCOMPARE(f.model.info(1)->lastError, 111);
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("connecting (error)"));
    QVERIFY(f.model.indexForChannel(1).data(Qt::ToolTipRole).toString().contains(QStringLiteral("Connection refused")));
}

void tst_ChannelModel::unknownChannelsStillShow() {
    // A log that starts mid-session (or reactor events): never a crash.
    Fixture f;
    f.script.collect(4, "x");
    f.script.add(engine::EventKind::Paused, 0);
    f.feed();
    QCOMPARE(f.model.rowCount(), 1);
    QCOMPARE(f.model.info(4)->bytesIn, std::uint64_t{1});
    QVERIFY(f.model.info(0) == nullptr);
    engine::ChannelState s;
    s.role = ChannelRole::Accepted;
    s.phase = ChannelPhase::Connected;
    s.parent = 77;
    f.script.snapshot(10, s);
    f.feed();
    QCOMPARE(f.model.info(10)->role, ChannelRole::Accepted);
    QCOMPARE(f.model.rowCount(), 2);
    QCOMPARE(f.model.channels(), (std::vector<engine::ChannelId>{4, 10}));
}

void tst_ChannelModel::clear() {
    Fixture f;
    f.script.connecting(1, "a", "a");
    f.feed();
    QSignalSpy reset(&f.model, &QAbstractItemModel::modelReset);
    f.model.clear();
    QCOMPARE(reset.size(), 1);
    QCOMPARE(f.model.rowCount(), 0);
    QCOMPARE(f.model.openChannels(), 0);
    QVERIFY(f.model.info(1) == nullptr);
}

void tst_ChannelModel::tlsHandshakeShowsPadlockAndVersion() {
    Fixture f;
    f.script.connecting(1, "127.0.0.1:7443", "localhost");
    f.script.connected(1, "127.0.0.1:7443", "127.0.0.1:50000");
    f.feed();
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("connected"));
    const QModelIndex state = f.model.indexForChannel(1).siblingAtColumn(ChannelModel::ColState);
    QVERIFY(state.data(Qt::DecorationRole).isNull());  // plaintext: no padlock
    QSignalSpy changed(&f.model, &QAbstractItemModel::dataChanged);
    f.script.tlsHandshake(1, testsupport::sampleTls());
    f.feed();
    QCOMPARE(changed.size(), 1);
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("connected · TLS 1.3"));
    QVERIFY(!state.data(Qt::DecorationRole).value<QIcon>().isNull());
    QCOMPARE(state.data(ChannelModel::TlsPhaseRole).toInt(), static_cast<int>(ui::TlsPhase::Established));
    QVERIFY(state.data(ChannelModel::TlsVerifiedRole).toBool());
    const ui::ChannelInfo* info = f.model.info(1);
    QVERIFY(info && info->tls);
    QCOMPARE(info->tls->peerChain.size(), std::size_t{2});
    const QString tip = state.data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("TLS 1.3 TLS_AES_256_GCM_SHA384, ALPN h2")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("peer certificate: verified")), qPrintable(tip));
    // Rows after the handshake cost nothing TLS-wise: the info is the event's, shared.
    f.script.line(1, "hello");
    f.feed();
    QCOMPARE(f.model.info(1)->tls.get(), info->tls.get());
}

void tst_ChannelModel::tlsUnverifiedIsMarked() {
    Fixture f;
    f.script.connected(1, "127.0.0.1:7443", "127.0.0.1:50000");
    f.script.tlsHandshake(1, testsupport::sampleTls(false));
    f.script.connected(2, "127.0.0.1:7443", "127.0.0.1:50001");
    f.script.tlsHandshake(2, testsupport::sampleTls(true));
    f.feed();
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("connected · TLS 1.3 — UNVERIFIED"));
    const QModelIndex s1 = f.model.indexForChannel(1).siblingAtColumn(ChannelModel::ColState);
    const QModelIndex s2 = f.model.indexForChannel(2).siblingAtColumn(ChannelModel::ColState);
    QVERIFY(!s1.data(ChannelModel::TlsVerifiedRole).toBool());
    // A distinct padlock: not the verified one.
    const QImage unverified = s1.data(Qt::DecorationRole).value<QIcon>().pixmap(16, 16).toImage();
    const QImage verified = s2.data(Qt::DecorationRole).value<QIcon>().pixmap(16, 16).toImage();
    QVERIFY(!unverified.isNull() && !verified.isNull());
    QVERIFY(unverified != verified);
    QVERIFY(s1.data(Qt::ToolTipRole).toString().contains(QStringLiteral("peer certificate: UNVERIFIED (verification off)")));
    // A server that asked for no client certificate is not "unverified".
    engine::TlsHandshakeInfo server = testsupport::sampleTls(false);
    server.server = true;
    server.peerChain.clear();
    f.script.listening(3, "127.0.0.1:7443", 7443);
    f.script.accepted(4, 3, "127.0.0.1:50002", "127.0.0.1:7443");
    f.script.tlsHandshake(4, server);
    f.feed();
    QCOMPARE(f.cell(4, ChannelModel::ColState), QStringLiteral("connected · TLS 1.3"));
}

void tst_ChannelModel::tlsCloseShowsEnded() {
    Fixture f;
    f.script.connected(1, "127.0.0.1:7443", "127.0.0.1:50000");
    f.script.tlsHandshake(1, testsupport::sampleTls());
    f.script.connected(2, "127.0.0.1:7443", "127.0.0.1:50001");
    f.script.tlsHandshake(2, testsupport::sampleTls());
    f.feed();
    f.script.tlsClose(1, engine::TlsCloseKind::CloseNotify);
    f.script.tlsClose(2, engine::TlsCloseKind::Truncated);
    f.script.closed(2, engine::CloseReason::Peer);
    f.feed();
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("connected · TLS closed"));
    QCOMPARE(f.cell(2, ChannelModel::ColState), QStringLiteral("closed · TLS truncated"));
    QCOMPARE(f.model.info(2)->tlsPhase, ui::TlsPhase::Truncated);
    QVERIFY(f.model.info(2)->tls);  // what was negotiated stays for the inspector
}

void tst_ChannelModel::tlsListenerPassesItOn() {
    Fixture f;
    engine::ChannelOptions o;
    o.tls.enabled = true;
    o.tls.verify = false;
    f.model.setOptions(1, ChannelRole::Listener, o, QStringLiteral("127.0.0.1:7443"));
    f.script.listening(1, "127.0.0.1:7443", 7443);
    f.script.accepted(2, 1, "127.0.0.1:50001", "127.0.0.1:7443");
    f.feed();
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("listening · TLS"));
    QCOMPARE(f.cell(2, ChannelModel::ColState), QStringLiteral("connected · TLS…"));
    QVERIFY(!f.model.info(2)->tlsInsecure);  // a server's "verify" is about client certificates
    // A client asking for TLS without verification says so before the handshake.
    engine::ChannelOptions c;
    c.tls.enabled = true;
    c.tls.verify = false;
    f.model.setOptions(3, ChannelRole::Client, c, QStringLiteral("localhost"));
    QVERIFY(f.model.info(3)->tlsInsecure);
    QVERIFY(f.model.indexForChannel(3).siblingAtColumn(ChannelModel::ColState).data(Qt::ToolTipRole).toString().contains(
        QStringLiteral("verification OFF")));
}

void tst_ChannelModel::tlsStartTlsAndRequested() {
    Fixture f;
    f.script.connected(1, "127.0.0.1:7025", "127.0.0.1:50000");
    f.feed();
    engine::TlsConfig tls;
    tls.enabled = true;
    f.model.setTlsRequested(1, tls);
    QCOMPARE(f.model.info(1)->tlsPhase, ui::TlsPhase::Requested);
    f.model.setTlsRequested(99, tls);  // unknown: ignored
    QVERIFY(f.model.info(99) == nullptr);
    f.script.startTls(1, "smtp");
    f.feed();
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("connected · TLS handshake…"));
    QCOMPARE(f.model.info(1)->tlsStartedBy, QStringLiteral("smtp"));
    // The handshake failed: the channel closed before tls_handshake.
    f.script.error(1, 0, "TLS handshake failed: certificate verify failed");
    f.script.closed(1, engine::CloseReason::Error);
    f.feed();
    QCOMPARE(f.cell(1, ChannelModel::ColState), QStringLiteral("closed · TLS failed"));
}


// A proxied connection (the engine's `accepted` naming its upstream leg, the
// upstream leg's `connecting` naming the accepted one): the server leg sits
// beneath the client leg, each names the other and the way its messages go;
// removeClosed() takes a closed pair as a whole. Also when the upstream
// leg's first event is not its `connecting` (a name that does not resolve).
void tst_ChannelModel::proxiedPairIsGrouped() {
    Fixture f;
    f.script.listening(1, "127.0.0.1:7001", 7001);
    f.script.accepted(2, 1, "127.0.0.1:50001", "127.0.0.1:7001").count = 3;
    f.script.connecting(3, "127.0.0.1:6379", "127.0.0.1").parent = 2;
    f.script.accepted(4, 1, "127.0.0.1:50002", "127.0.0.1:7001").count = 5;
    f.feed();
    f.script.add(engine::EventKind::Error, 5).info = "no such host";  // #5's first event
    f.feed();
    const QModelIndex listener = f.model.indexForChannel(1);
    QCOMPARE(f.model.rowCount(listener), 2);  // the client legs
    const QModelIndex client = f.model.indexForChannel(2);
    const QModelIndex server = f.model.indexForChannel(3);
    QCOMPARE(client.parent(), listener);
    QCOMPARE(server.parent(), client);
    QCOMPARE(f.model.rowCount(client), 1);
    QCOMPARE(f.model.indexForChannel(5).parent(), f.model.indexForChannel(4));
    QCOMPARE(f.model.info(2)->proxyPeer, engine::ChannelId{3});
    QVERIFY(!f.model.info(2)->proxyUpstream);
    QCOMPARE(f.model.info(3)->proxyPeer, engine::ChannelId{2});
    QVERIFY(f.model.info(3)->proxyUpstream);
    QCOMPARE(client.data(ChannelModel::ProxyPeerRole).toUInt(), 3u);
    QCOMPARE(client.data().toString(), QStringLiteral("#2 client → server ⇄ #3"));
    QCOMPARE(server.data().toString(), QStringLiteral("#3 server → client"));
    QVERIFY(server.data(Qt::ToolTipRole).toString().contains(QStringLiteral("real server")));
    // A closed pair goes as a whole; an open one stays.
    f.script.closed(2, engine::CloseReason::Peer);
    f.script.closed(3, engine::CloseReason::Peer);
    f.feed();
    QCOMPARE(f.model.removeClosed(), 2);
    QVERIFY(f.model.info(2) == nullptr && f.model.info(3) == nullptr);
    QCOMPARE(f.model.rowCount(listener), 1);
    QCOMPARE(f.model.indexForChannel(5).parent(), f.model.indexForChannel(4));
}

void tst_ChannelModel::userLabelIsShownOnly() {
    Fixture f;
    f.script.listening(1, "127.0.0.1:7000", 7000);
    f.script.accepted(2, 1, "127.0.0.1:50001", "127.0.0.1:7000");
    f.feed();
    const QModelIndex listener = f.model.index(0, ChannelModel::ColName);
    const QModelIndex child = f.model.index(0, ChannelModel::ColName, listener);
    QVERIFY(f.model.flags(child) & Qt::ItemIsEditable);
    QVERIFY(!(f.model.flags(f.model.index(0, ChannelModel::ColPeer)) & Qt::ItemIsEditable));
    QSignalSpy changed(&f.model, &QAbstractItemModel::dataChanged);
    // Edited in the list (F2): the name goes before the channel's own.
    QVERIFY(f.model.setData(child, QStringLiteral("  alice  ")));
    QCOMPARE(child.data().toString(), QStringLiteral("alice · #2 accepted"));
    QCOMPARE(child.data(Qt::EditRole).toString(), QStringLiteral("alice"));
    QCOMPARE(f.model.info(2)->userLabel, QStringLiteral("alice"));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex(), child);
    // Control characters become spaces; the length is capped.
    QVERIFY(f.model.setUserLabel(1, QStringLiteral("smtp\r\n\x1b[31mx")));
    QCOMPARE(listener.data().toString(), QStringLiteral("smtp   [31mx · #1 listener"));
    QVERIFY(f.model.setUserLabel(1, QString(500, u'n')));
    QCOMPARE(f.model.info(1)->userLabel.size(), ChannelModel::kMaxUserLabel);
    // Events keep it (it is the model's, not the engine's); empty removes it.
    f.script.line(2, "hello");
    f.feed();
    QCOMPARE(child.data().toString(), QStringLiteral("alice · #2 accepted"));
    QVERIFY(f.model.setUserLabel(2, QString()));
    QCOMPARE(child.data().toString(), QStringLiteral("#2 accepted"));
    QVERIFY(!f.model.setUserLabel(99, QStringLiteral("nobody")));
}

QTEST_MAIN(tst_ChannelModel)
#include "tst_ChannelModel.moc"
