// tst_FieldView.cpp — the Bytes panel's Fields tab against real peers nobody
// here wrote, on loopback, in one window: a channel to a redis-server with the
// redis preset (LRANGE and HGETALL replies: arrays whose elements are framed
// as several messages of one group, a value holding CRLF) shows the whole
// reply as one RESP type tree whichever of its messages is selected, and the
// conversation's Method column names the group; a channel to `python3 -m
// http.server` with the http preset shows the response's start line, header
// table and body; against aiosmtpd (python3-aiosmtpd) with the smtp preset,
// EHLO's multi-line 250 reply is one group: code, class and its lines. Select group selects the group's messages. Peer programs
// missing are a QSKIP naming them. Every wait has a deadline. With
// LW_FIELD_SHOT_DIR (and LW_FIELD_SHOT_SCHEME=light|dark) it also saves the
// window with the Fields tab open (docs/images/fields-*.png were made so,
// under xvfb-run).
#include "ui/ChannelsController.h"
#include "ui/MainWindow.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/ChannelParams.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"
#include "ui/views/ConversationView.h"
#include "ui/views/FieldView.h"
#include "ui/views/PayloadView.h"
#include "ui/protocol/ProtocolPanel.h"
#include "ui/protocol/ProtocolTracker.h"
#include "ui/views/ChannelInspector.h"
#include "../app/PeerTestSupport.h"
#include "WindowTestSupport.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QItemSelectionModel>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace uitest;  // and with it ChannelId, EventKind and MainWindow

namespace {

constexpr int kWaitMs = 20000;

int foundCount(MainWindow& w, ChannelId channel) {
    int n = 0;
    const ui::EventLogStore& s = w.bridge()->store();
    for (std::size_t row = 0; row < s.size(); ++row)
        if (s.record(row).channel == channel && s.record(row).kind == EventKind::FoundTerminator) ++n;
    return n;
}

/// The conversation row (the model's) of `channel` whose message is exactly `data`, or -1
/// (a bulk string counted with its CRLF: the CRLF is part of the message).
int rowOf(MainWindow& w, ChannelId channel, const QString& data) {
    const ui::EventLogModel* m = w.bridge()->eventModel();
    for (int row = 0; row < m->rowCount(); ++row) {
        if (m->index(row, 0).data(ui::EventLogModel::ChannelRole).toUInt() != channel) continue;
        if (m->index(row, 0).data(ui::EventLogModel::KindRole).toInt() != static_cast<int>(EventKind::FoundTerminator))
            continue;
        if (m->index(row, 0).data(ui::EventLogModel::BytesRole).toByteArray() == data.toUtf8()) return row;
    }
    return -1;
}

/// With LW_FIELD_SHOT_DIR set: the window, Fields tab open on `row`, saved
/// as DIR/fields-NAME-SCHEME.png (LW_FIELD_SHOT_SCHEME: light or dark).
void shot(MainWindow& w, int row, const char* name) {
    const QByteArray dir = qgetenv("LW_FIELD_SHOT_DIR");
    if (dir.isEmpty()) return;
    const QByteArray scheme = qgetenv("LW_FIELD_SHOT_SCHEME");
    w.action(scheme == "dark" ? QStringLiteral("scheme2") : QStringLiteral("scheme1"))->trigger();
    w.resize(1400, 880);
    if (auto* bytes = w.findChild<QDockWidget*>(QStringLiteral("BytesDock")))
        w.resizeDocks({bytes}, {400}, Qt::Vertical);
    w.conversation()->selectRow(row);
    w.payloadView()->showFieldsTab();
    w.payloadView()->fieldView()->tree()->expandAll();
    // The inspector follows the selected channel at most ten times a second:
    // wait (bounded) until its Protocol section shows what was counted.
    const auto counted = [&w] {
        const ui::ChannelProtocol* p = w.channelsController()->protocols().find(w.currentChannel());
        return !p || w.inspector()->protocolPanel()->summary()->text().contains(
                         QStringLiteral(" %1 message(s)").arg(p->messages));
    };
    if (!QTest::qWaitFor(counted, kWaitMs)) qWarning("shot: the Protocol section did not catch up");
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    w.grab().save(QString::fromUtf8(dir) + QStringLiteral("/fields-%1-%2.png")
                                           .arg(QLatin1String(name), QString::fromUtf8(scheme.isEmpty() ? "light" : scheme)));
}

/// Selects `row` in the conversation and opens the Fields tab; the tree's text.
QString fieldsOf(MainWindow& w, int row) {
    w.conversation()->selectRow(row);
    w.payloadView()->showFieldsTab();
    return w.payloadView()->fieldView()->treeText();
}

ChannelId connectWith(MainWindow& w, quint16 port, const QString& preset) {
    ui::ConnectParams cp;
    cp.port = port;
    cp.protocol.preset = preset;
    if (!ui::loadProtocol(cp.protocol).isEmpty()) return 0;
    return w.channelsController()->connectTo(cp);
}

std::string resp(const QStringList& args) {
    std::string s = "*" + std::to_string(args.size()) + "\r\n";
    for (const QString& a : args) {
        const QByteArray b = a.toUtf8();
        s += "$" + std::to_string(b.size()) + "\r\n" + b.toStdString() + "\r\n";
    }
    return s;
}

}  // namespace

class tst_FieldView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { useTestSettings(); }
    void init() { QSettings().clear(); }
    void groupAtJoinsOneChannelsGroup();
    void redisRepliesAreOneTypeTree();
    void httpResponseHasStartLineHeadersAndBody();
    void smtpMultiLineReplyIsOneGroup();
};

void tst_FieldView::groupAtJoinsOneChannelsGroup() {
    // Two channels interleaved; channel 1's group 1 is *2, $1, "a\r\n" (by
    // count: no terminator bytes), $1, "b\r\n"; then :5 in group 2;
    // channel 2 runs no program (group 0).
    std::vector<engine::Event> batch;
    std::uint64_t seq = 0;
    auto add = [&](ChannelId ch, EventKind k, std::string data, ChannelId group = 0) {
        engine::Event e;
        e.seq = ++seq;
        e.channel = ch;
        e.kind = k;
        e.data = std::move(data);
        e.parent = group;
        batch.push_back(std::move(e));
    };
    add(1, EventKind::Collect, "*");
    add(2, EventKind::Collect, "+O");
    add(1, EventKind::Collect, "2");
    add(1, EventKind::FoundTerminator, "\r\n", 1);        // row 3
    add(2, EventKind::Collect, "K");
    add(2, EventKind::FoundTerminator, "\r\n");           // row 5
    add(1, EventKind::Collect, "$1");
    add(1, EventKind::FoundTerminator, "\r\n", 1);
    add(1, EventKind::Collect, "a\r\n");
    add(1, EventKind::FoundTerminator, "", 1);
    add(2, EventKind::Collect, "-ERR");
    add(1, EventKind::Collect, "$1");
    add(1, EventKind::FoundTerminator, "\r\n", 1);
    add(2, EventKind::FoundTerminator, "\r\n");           // row 13
    add(1, EventKind::Collect, "b\r\n");
    add(1, EventKind::FoundTerminator, "", 1);              // row 15
    add(1, EventKind::Collect, ":5");
    add(1, EventKind::FoundTerminator, "\r\n", 2);        // row 17
    ui::EventLogStore store;
    store.append(batch);
    for (std::size_t row : {std::size_t{0}, std::size_t{3}, std::size_t{8}, std::size_t{15}}) {
        ui::StoredGroup g;
        QVERIFY(ui::FieldView::groupAt(store, row, g));
        QCOMPARE(g.channel, ChannelId{1});
        QCOMPARE(g.group, std::uint64_t{1});
        QCOMPARE(g.messages, std::size_t{5});
        QCOMPARE(g.bytes, std::string("*2\r\n$1\r\na\r\n$1\r\nb\r\n"));
        QCOMPARE(g.firstRow, std::size_t{3});
        QCOMPARE(g.lastRow, std::size_t{15});
    }
    ui::StoredGroup g;
    QVERIFY(ui::FieldView::groupAt(store, 16, g));
    QCOMPARE(g.bytes, std::string(":5\r\n"));
    QCOMPARE(g.group, std::uint64_t{2});
    // No group id: the message alone.
    QVERIFY(ui::FieldView::groupAt(store, 10, g));
    QCOMPARE(g.channel, ChannelId{2});
    QCOMPARE(g.bytes, std::string("-ERR\r\n"));
    QCOMPARE(g.messages, std::size_t{1});
    QVERIFY(ui::FieldView::groupAt(store, 1, g));
    QCOMPARE(g.bytes, std::string("+OK\r\n"));
    // A collect with no found_terminator after it, and past the end.
    add(2, EventKind::Collect, "half");
    std::vector<engine::Event> more(batch.end() - 1, batch.end());
    store.append(more);
    QVERIFY(!ui::FieldView::groupAt(store, 18, g));
    QVERIFY(!ui::FieldView::groupAt(store, 99, g));
}

void tst_FieldView::redisRepliesAreOneTypeTree() {
    REQUIRE_PROGRAM("redis-server");
    lwtest::RedisServer redis(kWaitMs);
    QVERIFY(redis.start());
    MainWindow w;
    QVERIFY(shown(w));
    w.conversation()->setMessagesMode(true);
    const ChannelId client = connectWith(w, redis.port, QStringLiteral("redis"));
    QVERIFY(client != 0);
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, client), kWaitMs);

    std::string cmds = resp({"DEL", "l", "h"}) + resp({"RPUSH", "l", "alpha", "b\r\nc", "12345"}) +
                       resp({"HSET", "h", "f1", "v1", "f2", "v2"}) + resp({"LRANGE", "l", "0", "-1"}) +
                       resp({"HGETALL", "h"});
    w.bridge()->reactor().push(client, cmds);
    // :0 :3 :2, then *3 with 3 bulk strings (header + body each), then *4 with 4.
    QTRY_COMPARE_WITH_TIMEOUT(foundCount(w, client), 3 + 7 + 9, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(w, client, QStringLiteral("b\r\nc\r\n")) >= 0, kWaitMs);

    // Whichever message of the LRANGE reply is selected, the tree is the whole reply.
    const QString lrange = QStringLiteral("array (3 elements)\n"
                                          "  bulk string (5 bytes) = alpha\n"
                                          "  bulk string (4 bytes) = b\\r\\nc\n"
                                          "  bulk string (5 bytes) = 12345");
    QCOMPARE(fieldsOf(w, rowOf(w, client, QStringLiteral("b\r\nc\r\n"))), lrange);
    const ui::FieldView* fv = w.payloadView()->fieldView();
    QCOMPARE(fv->shown().messages, std::size_t{7});
    QVERIFY2(fv->noteText().contains(QStringLiteral("7 messages")) && fv->noteText().contains(QStringLiteral("RESP")),
             qPrintable(fv->noteText()));
    QCOMPARE(fieldsOf(w, rowOf(w, client, QStringLiteral("*3"))), lrange);
    QCOMPARE(fieldsOf(w, rowOf(w, client, QStringLiteral("alpha\r\n"))), lrange);
    // HGETALL: RESP2 gives a flat array of field, value, field, value.
    QCOMPARE(fieldsOf(w, rowOf(w, client, QStringLiteral("v2\r\n"))),
             QStringLiteral("array (4 elements)\n"
                            "  bulk string (2 bytes) = f1\n  bulk string (2 bytes) = v1\n"
                            "  bulk string (2 bytes) = f2\n  bulk string (2 bytes) = v2"));
    // A reply alone in its group.
    QCOMPARE(fieldsOf(w, rowOf(w, client, QStringLiteral(":3"))), QStringLiteral("integer = 3"));
    shot(w, rowOf(w, client, QStringLiteral("b\r\nc\r\n")), "resp");
    // The conversation names the group in the Method column (DEL, RPUSH, HSET, then LRANGE: group 4).
    const ui::EventLogModel* m = w.bridge()->eventModel();
    const int row = rowOf(w, client, QStringLiteral("b\r\nc\r\n"));
    QCOMPARE(m->index(row, ui::EventLogModel::ColMethod).data().toString(), QStringLiteral("found_terminator ·4"));
    // The reply's messages are one band (a background of their own); a reply alone in its group has none.
    const QVariant band = m->index(row, ui::EventLogModel::ColData).data(Qt::BackgroundRole);
    QVERIFY(band.isValid());
    QCOMPARE(m->index(rowOf(w, client, QStringLiteral("*3")), ui::EventLogModel::ColTime).data(Qt::BackgroundRole), band);
    QVERIFY(!m->index(rowOf(w, client, QStringLiteral(":3")), ui::EventLogModel::ColData).data(Qt::BackgroundRole).isValid());
    // HGETALL's group (5, odd) and LRANGE's (4, even) alternate.
    QVERIFY(m->index(rowOf(w, client, QStringLiteral("v2\r\n")), ui::EventLogModel::ColData).data(Qt::BackgroundRole) != band);
    // Select group: the reply's seven messages are selected in the conversation.
    w.conversation()->selectRow(row);
    w.payloadView()->showFieldsTab();
    QVERIFY(w.payloadView()->fieldView()->selectGroupButton()->isEnabled());
    w.payloadView()->fieldView()->selectGroupButton()->click();
    const QModelIndexList selected = w.conversation()->table()->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 7);
    QStringList bytes;
    for (const QModelIndex& i : selected) bytes << i.data(ui::EventLogModel::EscapedRole).toString();
    bytes.sort();
    QCOMPARE(bytes.join(u'|'), QStringLiteral("$4\\r\\n|$5\\r\\n|$5\\r\\n|*3\\r\\n|12345\\r\\n|alpha\\r\\n|b\\r\\nc\\r\\n"));
}

void tst_FieldView::httpResponseHasStartLineHeadersAndBody() {
    REQUIRE_PROGRAM("python3");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray body = "hello from the field view\r\nsecond line\n";
    QVERIFY(lwtest::writeFile(dir.filePath(QStringLiteral("f.txt")), body));
    lwtest::Background http(QStringLiteral("/usr/bin/python3"),
                            {"-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir.path()}, kWaitMs);
    const QString p = http.waitFor(QRegularExpression(QStringLiteral("port ([0-9]+)")));
    QVERIFY2(!p.isEmpty(), "python3 -m http.server did not say its port");
    MainWindow w;
    QVERIFY(shown(w));
    w.conversation()->setMessagesMode(true);
    const ChannelId client = connectWith(w, static_cast<quint16>(p.toUInt()), QStringLiteral("http"));
    QVERIFY(client != 0);
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, client), kWaitMs);
    w.bridge()->reactor().push(client, "GET /f.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(w, client, QString::fromUtf8(body)) >= 0, kWaitMs);

    const QString tree = fieldsOf(w, rowOf(w, client, QString::fromUtf8(body)));
    QVERIFY2(tree.startsWith(QStringLiteral("response = HTTP/1.0 200 OK\n"
                                            "  start line = HTTP/1.0 200 OK\n"
                                            "    version = HTTP/1.0\n    status = 200\n    reason = OK\n"
                                            "  headers (5)\n    Server = SimpleHTTP/")),
             qPrintable(tree));
    QVERIFY2(tree.contains(QStringLiteral("\n    Content-Length = %1\n").arg(body.size())), qPrintable(tree));
    QVERIFY2(tree.endsWith(QStringLiteral("\n  body (%1 bytes) = hello from the field view\\r\\nsecond line\\n").arg(body.size())),
             qPrintable(tree));
    shot(w, rowOf(w, client, QString::fromUtf8(body)), "http");
    // The header table: one row per header, name and value in two columns.
    const QTreeWidget* t = w.payloadView()->fieldView()->tree();
    const QTreeWidgetItem* headers = t->topLevelItem(0)->child(1);
    QCOMPARE(headers->childCount(), 5);
    QCOMPARE(headers->child(2)->text(0), QStringLiteral("Content-type"));
    QCOMPARE(headers->child(2)->text(1), QStringLiteral("text/plain"));
}

void tst_FieldView::smtpMultiLineReplyIsOneGroup() {
    // aiosmtpd (Debian's python3-aiosmtpd) answers EHLO with a multi-line 250 reply.
    REQUIRE_AIOSMTPD(kWaitMs);
    const quint16 port = lwtest::freePort();
    lwtest::Background smtp(QStringLiteral("/usr/bin/python3"),
                            {"-m", "aiosmtpd", "-n", "-l", QStringLiteral("127.0.0.1:%1").arg(port)}, kWaitMs);
    QVERIFY(lwtest::waitForPort(port, kWaitMs));
    MainWindow w;
    QVERIFY(shown(w));
    w.conversation()->setMessagesMode(true);
    const ChannelId client = connectWith(w, port, QStringLiteral("smtp"));
    QVERIFY(client != 0);
    QTRY_VERIFY_WITH_TIMEOUT(foundCount(w, client) >= 1, kWaitMs);  // the 220 greeting
    w.bridge()->reactor().push(client, "EHLO field.test\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(w, client, QStringLiteral("250 HELP")) >= 0, kWaitMs);
    const int row = rowOf(w, client, QStringLiteral("250-8BITMIME"));
    QVERIFY(row >= 0);
    const QString tree = fieldsOf(w, row);
    QVERIFY2(tree.startsWith(QStringLiteral("reply 250\n  code = 250\n  class = 2xx: completed\n  line = ")), qPrintable(tree));
    QVERIFY2(tree.contains(QStringLiteral("\n  line = 8BITMIME\n")) && tree.endsWith(QStringLiteral("\n  line = HELP")),
             qPrintable(tree));
    QVERIFY2(!tree.contains(QStringLiteral("reply 220")), qPrintable(tree));  // the greeting is a group of its own
    const ui::FieldView* fv = w.payloadView()->fieldView();
    QVERIFY2(fv->shown().messages >= 3 && fv->noteText().contains(QStringLiteral("SMTP")), qPrintable(fv->noteText()));
    QCOMPARE(fieldsOf(w, rowOf(w, client, QStringLiteral("250 HELP"))), tree);
}

QTEST_MAIN(tst_FieldView)
#include "tst_FieldView.moc"
