// tst_ProtocolPresets.cpp — the GUI side of protocol presets and rules
// (ui/protocol): the chooser lists the built-in and the user's presets and
// refuses a bad rules file with its line; the Connect and Listen dialogs
// carry the choice into the channel's options; the rules editor shows the
// engine's parse error on its line and applies only what parses; and end to
// end in one window, on loopback: a listener opened with a rules file
// answers PING, a live client channel switched to the redis preset through
// Channel ▸ Protocol preset… frames a bulk string holding CRLFs as one
// message, the inspector's Protocol section counts each rule's hits and
// shows the fields it captured, and the conversation's Method column names
// the rule that matched each message. Against a real redis-server: a channel
// opened with the redis preset counts all 19 messages of five replies and
// each rule's hits (7 bulk, 2 array) in the inspector.
#include "engine/program/Program.h"
#include "ui/ChannelsController.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/dialogs/ConnectDialog.h"
#include "ui/dialogs/ListenDialog.h"
#include "ui/model/ChannelModel.h"
#include "ui/model/EngineBridge.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"
#include "ui/protocol/ProtocolChooser.h"
#include "ui/protocol/ProtocolDialog.h"
#include "ui/protocol/ProtocolPanel.h"
#include "ui/protocol/RulesEditor.h"
#include "ui/views/ConversationView.h"
#include "ui/views/ChannelInspector.h"
#include "WindowTestSupport.h"
#include "../app/PeerTestSupport.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QStyle>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace uitest;  // and with it ChannelId, EventKind and MainWindow

namespace {

constexpr int kWaitMs = 10000;

using lwtest::writeFile;

int presetRow(const QComboBox* box, const QString& name) { return box->findData(name); }

/// The text of the Protocol table's cell in the row of rule `rule`, or a null string.
QString cell(ui::ProtocolPanel* panel, const QString& rule, int column) {
    QTableWidget* t = panel->table();
    for (int row = 0; row < t->rowCount(); ++row)
        if (t->item(row, ui::ProtocolPanel::RuleCol) && t->item(row, ui::ProtocolPanel::RuleCol)->text() == rule)
            return t->item(row, column) ? t->item(row, column)->text() : QString();
    return {};
}

}  // namespace

class tst_ProtocolPresets : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init() { QSettings().clear(); }
    void chooserListsBuiltinAndUserPresets();
    void chooserRefusesABadRulesFile();
    void dialogsCarryTheChoice();
    void rulesEditorShowsTheErrorLine();
    void listenerAnswersAndLiveChannelSwitchesPreset();
    void redisRepliesAreCountedInTheInspector();
};

void tst_ProtocolPresets::initTestCase() {
    useTestSettings();
}

void tst_ProtocolPresets::chooserListsBuiltinAndUserPresets() {
    QTemporaryDir user;
    QVERIFY(user.isValid());
    QVERIFY(!writeFile(user, QStringLiteral("ping.lwp"),
                       "name ping\ndescription \"answers PING\"\nrule ping: equals \"PING\" => reply \"+PONG\\r\\n\"\n")
                 .isEmpty());
    QVERIFY(!writeFile(user, QStringLiteral("broken.lwp"), "name broken\nrule x: regex \"(\"\n").isEmpty());
    ui::ProtocolChooser c(nullptr, user.path().toStdString());
    QComboBox* box = c.presetBox();
    for (const char* name : {"redis", "http", "memcached", "smtp", "mllp", "stomp", "netstring", "length-be16"})
        QVERIFY2(presetRow(box, QLatin1String(name)) > 0, name);
    QCOMPARE(box->currentIndex(), 0);  // none by default
    QVERIFY(c.choice().isEmpty());
    QVERIFY(c.problem().isEmpty());

    const int ping = presetRow(box, QStringLiteral("ping"));
    QVERIFY(ping > 0);
    QVERIFY(box->itemText(ping).contains(QStringLiteral("yours")));
    // A user file that does not parse is listed, but cannot be chosen, and says why.
    const int broken = presetRow(box, QStringLiteral("broken"));
    QVERIFY(broken > 0);
    auto* model = qobject_cast<QStandardItemModel*>(box->model());
    QVERIFY(model);
    QVERIFY(!model->item(broken)->isEnabled());
    QVERIFY(box->itemData(broken, Qt::ToolTipRole).toString().contains(QStringLiteral("broken.lwp:2")));

    QSignalSpy changed(&c, &ui::ProtocolChooser::changed);
    box->setCurrentIndex(presetRow(box, QStringLiteral("redis")));
    QCOMPARE(changed.count(), 1);
    const ui::ProtocolChoice redis = c.choice();
    QCOMPARE(redis.preset, QStringLiteral("redis"));
    QCOMPARE(redis.programs.size(), std::size_t(1));
    QCOMPARE(redis.programs.front()->name(), std::string("redis"));
    QCOMPARE(redis.label(), QStringLiteral("redis"));
}

void tst_ProtocolPresets::chooserRefusesABadRulesFile() {
    QTemporaryDir dir;
    const QString bad = writeFile(dir, QStringLiteral("bad.lwp"), "# answers\nrule a: equals \"x\" => cont 3\n");
    const QString good = writeFile(dir, QStringLiteral("good.lwp"), "rule a: equals \"x\" => reply \"y\"\n");
    ui::ConnectDialog d;
    ui::ProtocolChooser* c = d.protocolChooser();
    QVERIFY(c);
    c->presetBox()->setCurrentIndex(presetRow(c->presetBox(), QStringLiteral("redis")));
    c->rulesEdit()->setText(bad);
    QVERIFY(c->problem().contains(QStringLiteral("bad.lwp:2")));
    QVERIFY(c->choice().isEmpty());
    QVERIFY(c->noteLabel()->text().contains(QStringLiteral("bad.lwp:2")));
    QVERIFY(!d.isInputValid());
    QVERIFY(d.problem().contains(QStringLiteral("bad.lwp:2")));
    c->rulesEdit()->setText(dir.filePath(QStringLiteral("missing.lwp")));
    QVERIFY(c->problem().contains(QStringLiteral("cannot read")));
    c->rulesEdit()->setText(good);
    QVERIFY(c->problem().isEmpty());
    QVERIFY(d.isInputValid());
    QCOMPARE(c->choice().programs.size(), std::size_t(2));  // the preset frames, the rules answer
    QCOMPARE(c->choice().label(), QStringLiteral("redis + good.lwp"));
}

void tst_ProtocolPresets::dialogsCarryTheChoice() {
    ui::ConnectDialog cd;
    cd.protocolChooser()->presetBox()->setCurrentIndex(presetRow(cd.protocolChooser()->presetBox(), QStringLiteral("http")));
    const ui::ConnectParams cp = cd.params();
    QCOMPARE(cp.protocol.preset, QStringLiteral("http"));
    const engine::ChannelOptions co = cp.options();
    QCOMPARE(co.programs.size(), std::size_t(1));
    QCOMPARE(co.programs.front()->name(), std::string("http"));
    // setParams() brings the choice back (Recent, Reconnect).
    ui::ConnectDialog again;
    again.setParams(cp);
    QCOMPARE(again.protocolChooser()->presetBox()->currentData().toString(), QStringLiteral("http"));

    ui::ListenDialog ld;
    ld.protocolChooser()->presetBox()->setCurrentIndex(presetRow(ld.protocolChooser()->presetBox(), QStringLiteral("smtp")));
    const engine::ChannelOptions lo = ld.params().options();
    QCOMPARE(lo.programs.size(), std::size_t(1));
    QCOMPARE(lo.programs.front()->name(), std::string("smtp"));
    ld.protocolChooser()->presetBox()->setCurrentIndex(0);
    QVERIFY(ld.params().options().programs.empty());

    // File > Recent keeps the preset and loads it again.
    ui::settings::addRecentTarget(ui::RecentTarget::from(cp));
    const QList<ui::RecentTarget> recent = ui::settings::recentTargets();
    QCOMPARE(recent.size(), 1);
    QCOMPARE(recent.front().preset, QStringLiteral("http"));
    QVERIFY(recent.front().label().contains(QStringLiteral("http")));
    const ui::ConnectParams back = recent.front().connectParams();
    QCOMPARE(back.protocol.programs.size(), std::size_t(1));
    QCOMPARE(back.protocol.programs.front()->name(), std::string("http"));
}

void tst_ProtocolPresets::rulesEditorShowsTheErrorLine() {
    ui::RulesEditor e;
    int applied = 0;
    std::shared_ptr<const engine::program::Program> program;
    QObject::connect(&e, &ui::RulesEditor::applyRequested, &e, [&](std::shared_ptr<const engine::program::Program> p) {
        ++applied;
        program = std::move(p);
    });
    e.setText(QStringLiteral("rule ping: equals \"PING\" => reply \"+PONG\\r\\n\"\n"
                             "rule get: regex \"^GET (\" => reply \"$1\"\n"));
    QVERIFY(!e.isValid());
    QCOMPARE(e.errorLine(), 2);
    QVERIFY(e.error().startsWith(QStringLiteral("rules:2:")));
    QVERIFY(e.statusLabel()->text().contains(QStringLiteral("rules:2:")));
    QVERIFY(!e.applyButton()->isEnabled());
    // The line it names is marked in the editor.
    const auto marks = e.editor()->extraSelections();
    QCOMPARE(marks.size(), 1);
    QCOMPARE(marks.front().cursor.blockNumber(), 1);

    e.setText(QStringLiteral("rule ping: equals \"PING\" => reply \"+PONG\\r\\n\"\n"
                             "rule get: regex \"^GET (\\\\S+)$\" => reply \"$1\"\n"));
    QVERIFY2(e.isValid(), qPrintable(e.error()));
    QCOMPARE(e.errorLine(), 0);
    QVERIFY(e.editor()->extraSelections().isEmpty());
    QVERIFY(e.applyButton()->isEnabled());
    QTest::mouseClick(e.applyButton(), Qt::LeftButton);
    QCOMPARE(applied, 1);
    QVERIFY(program);
    QCOMPARE(program->rules().size(), std::size_t(2));
}

void tst_ProtocolPresets::listenerAnswersAndLiveChannelSwitchesPreset() {
    QTemporaryDir dir;
    const QString rules = writeFile(dir, QStringLiteral("ping.lwp"),
                                    "rule ping: equals \"PING\" => reply \"+PONG\\r\\n\"\n"
                                    "rule echo: regex \"^ECHO (.*)$\" => reply \"$1\\r\\n\"\n");
    QVERIFY(!rules.isEmpty());
    MainWindow w;
    QVERIFY(shown(w));

    // Listen with the rules file: every accepted connection answers.
    auto* listen = openedBy<ui::ListenDialog>(w, QStringLiteral("listen"));
    QVERIFY(listen);
    listen->portBox()->setValue(0);
    listen->protocolChooser()->rulesEdit()->setText(rules);
    clickOk(listen);
    const ChannelId listener = w.currentChannel();
    QTRY_VERIFY_WITH_TIMEOUT(info(w, listener) && !info(w, listener)->local.isEmpty(), kWaitMs);
    const QString local = info(w, listener)->local;
    const auto port = static_cast<std::uint16_t>(local.mid(local.lastIndexOf(u':') + 1).toUInt());
    QVERIFY(port != 0);
    ui::ConnectParams cp;
    cp.port = port;
    const ChannelId client = w.channelsController()->connectTo(cp);
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, client), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(acceptedOf(w, listener) != 0, kWaitMs);
    const ChannelId accepted = acceptedOf(w, listener);

    w.bridge()->reactor().push(client, "PING\r\nECHO hi there\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(bytesOf(w, client, EventKind::Collect).join(), QByteArray("+PONGhi there"), kWaitMs);

    // The accepted connection's inspector counts each rule's hits and shows its fields.
    w.channelsController()->selectChannel(accepted);
    ui::ProtocolPanel* panel = w.inspector()->protocolPanel();
    QTRY_COMPARE_WITH_TIMEOUT(cell(panel, QStringLiteral("ping"), ui::ProtocolPanel::HitsCol), QStringLiteral("1"), kWaitMs);
    QCOMPARE(cell(panel, QStringLiteral("echo"), ui::ProtocolPanel::HitsCol), QStringLiteral("1"));
    QCOMPARE(cell(panel, QStringLiteral("echo"), ui::ProtocolPanel::CapturesCol), QStringLiteral("$1=hi there"));
    QVERIFY(panel->summary()->text().contains(QStringLiteral("ping.lwp")));

    // Live: the client switches to the redis preset through Channel ▸ Protocol preset….
    w.channelsController()->selectChannel(client);
    QTRY_VERIFY_WITH_TIMEOUT(w.action(QStringLiteral("protocolPreset"))->isEnabled(), kWaitMs);
    w.action(QStringLiteral("protocolPreset"))->trigger();
    auto* dialog = w.findChild<ui::ProtocolDialog*>();
    QVERIFY(dialog);
    QCOMPARE(dialog->channel(), client);
    dialog->chooser()->presetBox()->setCurrentIndex(presetRow(dialog->chooser()->presetBox(), QStringLiteral("redis")));
    clickOk(dialog);
    // Posted before the bytes below: the reactor carries out commands in order.
    const qsizetype before = bytesOf(w, client, EventKind::FoundTerminator).size();
    w.bridge()->reactor().push(accepted, "$11\r\nhello\r\nworld\r\n");
    // Two messages: "$11" and the 13 bytes of the bulk string (with its CRLFs), not four lines.
    QTRY_COMPARE_WITH_TIMEOUT(bytesOf(w, client, EventKind::FoundTerminator).size(), before + 2, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(cell(w.inspector()->protocolPanel(), QStringLiteral("bulk"), ui::ProtocolPanel::HitsCol),
                              QStringLiteral("1"), kWaitMs);
    QCOMPARE(cell(w.inspector()->protocolPanel(), QStringLiteral("bulk"), ui::ProtocolPanel::CapturesCol),
             QStringLiteral("$1=11"));
    QVERIFY(bytesOf(w, client, EventKind::Collect).join().endsWith("$11hello\r\nworld\r\n"));
    // The conversation names the rule that framed each message.
    // (and the message group: the header and its bulk string are one)
    // Its group first, then the rule: "found_terminator ·5 [bulk]".
    QTRY_VERIFY_WITH_TIMEOUT(methodsOf(w, client).filter(QRegularExpression(QStringLiteral("^found_terminator ·[0-9]+ \\[bulk\\]$"))).size() == 1, kWaitMs);
    QVERIFY2(methodsOf(w, accepted).filter(QRegularExpression(QStringLiteral("^found_terminator ·2 \\[echo\\]$"))).size() == 1,
             qPrintable(methodsOf(w, accepted).join(u'|')));
}

void tst_ProtocolPresets::redisRepliesAreCountedInTheInspector() {
    // A channel opened with the redis preset (as the Connect dialog opens it)
    // to a real redis-server: the inspector's Protocol section counts every
    // message framed and each rule's hits, as soon as the messages are in.
    if (lwtest::tool("redis-server").isEmpty()) QSKIP("redis-server is not installed here");
    lwtest::RedisServer redis(kWaitMs);
    QVERIFY(redis.start());
    MainWindow w;
    QVERIFY(shown(w));
    ui::ConnectParams cp;
    cp.port = redis.port;
    cp.protocol.preset = QStringLiteral("redis");
    QCOMPARE(ui::loadProtocol(cp.protocol), QString());
    const ChannelId client = w.channelsController()->connectTo(cp);
    QTRY_VERIFY_WITH_TIMEOUT(isConnected(w, client), kWaitMs);
    ui::ProtocolPanel* panel = w.inspector()->protocolPanel();
    QTRY_VERIFY_WITH_TIMEOUT(panel->summary()->text().startsWith(QStringLiteral("redis — 0 message(s)")), kWaitMs);

    // DEL, RPUSH, HSET: :N each (no rule); LRANGE: *3 (array) and three bulk
    // strings, each a $N header (bulk) and its body (no rule); HGETALL: *4 and four.
    const auto resp = [](std::initializer_list<std::string> args) {
        std::string s = "*" + std::to_string(args.size()) + "\r\n";
        for (const std::string& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
        return s;
    };
    w.bridge()->reactor().push(client, resp({"DEL", "l", "h"}) + resp({"RPUSH", "l", "alpha", "b\r\nc", "12345"}) +
                                           resp({"HSET", "h", "f1", "v1", "f2", "v2"}) + resp({"LRANGE", "l", "0", "-1"}) +
                                           resp({"HGETALL", "h"}));
    QTRY_COMPARE_WITH_TIMEOUT(bytesOf(w, client, EventKind::FoundTerminator).size(), qsizetype(3 + 7 + 9), kWaitMs);
    // The panel follows without another event from the channel (within the
    // selected channel's refresh, at most ten times a second: right after the
    // messages are in it may still read 0, which is what a screenshot taken at
    // once showed).
    QTRY_COMPARE_WITH_TIMEOUT(panel->summary()->text(),
                              QStringLiteral("redis — 19 message(s) framed, 10 matched by no rule."), kWaitMs);
    QCOMPARE(cell(panel, QStringLiteral("bulk"), ui::ProtocolPanel::HitsCol), QStringLiteral("7"));
    QCOMPARE(cell(panel, QStringLiteral("array"), ui::ProtocolPanel::HitsCol), QStringLiteral("2"));
    QCOMPARE(cell(panel, QStringLiteral("map"), ui::ProtocolPanel::HitsCol), QStringLiteral("0"));
    QCOMPARE(cell(panel, QStringLiteral("bulk"), ui::ProtocolPanel::CapturesCol), QStringLiteral("$1=2"));  // HGETALL's last: $2 v2
    QCOMPARE(cell(panel, QStringLiteral("array"), ui::ProtocolPanel::CapturesCol), QStringLiteral("$1=4"));

    // The conversation's Method column, at its default width, shows each
    // message's group whole ("found_terminator ·4 [bulk]": the group before
    // the rule); the tooltip spells the verdict out.
    QTableView* table = w.conversation()->table();
    const QFontMetrics fm(table->font());
    const int margin = 2 * (table->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, table) + 1);
    const int width = table->columnWidth(ui::EventLogModel::ColMethod);
    const QRegularExpression grouped(QStringLiteral("^found_terminator ·([0-9]+)( \\[[a-z]+\\])?$"));
    int groups = 0;
    for (const QString& m : methodsOf(w, client)) {
        const QRegularExpressionMatch g = grouped.match(m);
        if (!g.hasMatch()) continue;
        ++groups;
        const QString shown = QStringLiteral("found_terminator ·") + g.captured(1);
        QVERIFY2(fm.horizontalAdvance(shown) + margin <= width,
                 qPrintable(QStringLiteral("%1: %2 px + %3 in a column of %4 px")
                                .arg(m).arg(fm.horizontalAdvance(shown)).arg(margin).arg(width)));
    }
    QCOMPARE(groups, 19);
    const ui::EventLogModel* model = w.bridge()->eventModel();
    QString tip;
    for (int row = 0; row < model->rowCount() && tip.isEmpty(); ++row)
        if (model->index(row, ui::EventLogModel::ColMethod).data().toString() == QStringLiteral("found_terminator ·4 [array]"))
            tip = model->index(row, ui::EventLogModel::ColMethod).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.endsWith(QStringLiteral("\nmessage group 4 (·4); rule array")), qPrintable(tip));
}

QTEST_MAIN(tst_ProtocolPresets)
#include "tst_ProtocolPresets.moc"
