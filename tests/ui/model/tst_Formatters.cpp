// tst_Formatters.cpp — escaped text (and that it reads back), hex dumps,
// method names, directions, times and summaries.
#include "ui/model/EventLogStore.h"
#include "ui/model/Formatters.h"

#include "DataTestSupport.h"
#include "engine/asyncore/Escape.h"

#include <QTest>

using engine::EventKind;
using testsupport::EventScript;

class tst_Formatters : public QObject {
    Q_OBJECT
private slots:
    void escapedText_data();
    void escapedText();
    void escapedTextReadsBack();
    void escapedPreviewCuts();
    void hexDumpLayout();
    void hexDumpCut();
    void methodNames_data();
    void methodNames();
    void directions();
    void times();
    void deltas();
    void bytes();
    void summaries();
};

void tst_Formatters::escapedText_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QByteArray>("terminator");
    QTest::addColumn<QString>("text");
    QTest::newRow("plain") << QByteArray("hello") << QByteArray() << "hello";
    QTest::newRow("crlf") << QByteArray("a\r\nb") << QByteArray() << "a\\r\\nb";
    QTest::newRow("tab backslash") << QByteArray("a\tb\\c") << QByteArray() << "a\\tb\\\\c";
    QTest::newRow("nul and high") << QByteArray("\x00\x7f\xff", 3) << QByteArray() << "\\0\\x7f\\xff";
    QTest::newRow("utf8 is bytes") << QByteArray("h\xc3\xa9") << QByteArray() << "h\\xc3\\xa9";
    QTest::newRow("with terminator") << QByteArray("hello") << QByteArray("\r\n") << "hello\\r\\n";
    QTest::newRow("empty message") << QByteArray() << QByteArray("\n") << "\\n";
}

void tst_Formatters::escapedText() {
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, terminator);
    QFETCH(QString, text);
    QCOMPARE(ui::escapedText(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())),
                             std::string_view(terminator.constData(), static_cast<std::size_t>(terminator.size()))),
             text);
}

void tst_Formatters::escapedTextReadsBack() {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    const QString text = ui::escapedText(all);
    const QByteArray latin = text.toLatin1();
    const auto back = engine::parseEscaped(std::string_view(latin.constData(), static_cast<std::size_t>(latin.size())));
    QVERIFY(back.has_value());
    QVERIFY(*back == all);
    // Same rendering as the engine's (the CLI prints that one).
    QCOMPARE(latin.toStdString(), engine::renderEscaped(all));
}

void tst_Formatters::escapedPreviewCuts() {
    const std::string big(1000, 'a');
    QCOMPARE(ui::escapedPreview(big, 2000), QString(1000, QLatin1Char('a')));
    const QString cut = ui::escapedPreview(big, 10);
    QVERIFY(cut.startsWith(QString(10, QLatin1Char('a')) + QStringLiteral(" … (+990 bytes)")));
    QCOMPARE(ui::escapedPreview("\r\n", 1), QStringLiteral("\\r … (+1 bytes)"));
}

void tst_Formatters::hexDumpLayout() {
    QCOMPARE(ui::hexDump(""), QString());
    QCOMPARE(ui::hexDump("hello\r\n"),
             QStringLiteral("00000000  68 65 6c 6c 6f 0d 0a                              |hello..|"));
    const QString two = ui::hexDump("0123456789abcdefXY");
    const QStringList lines = two.split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines[0], QStringLiteral("00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|"));
    QCOMPARE(lines[1], QStringLiteral("00000010  58 59                                             |XY|"));
    QCOMPARE(lines[0].indexOf(QLatin1Char('|')), lines[1].indexOf(QLatin1Char('|')));  // columns line up
}

void tst_Formatters::hexDumpCut() {
    const std::string big(100, 'z');
    const QStringList lines = ui::hexDump(big, 32).split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines[2], QStringLiteral("… 68 more bytes"));
}

void tst_Formatters::methodNames_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("sub");
    QTest::addColumn<QString>("name");
    const auto row = [](const char* tag, EventKind k, int sub, const char* name) {
        QTest::newRow(tag) << static_cast<int>(k) << sub << QString::fromLatin1(name);
    };
    row("collect", EventKind::Collect, 0, "collect_incoming_data");
    row("found", EventKind::FoundTerminator, 1, "found_terminator");
    row("push bytes", EventKind::Push, static_cast<int>(engine::ProducerKind::Bytes), "push");
    row("push file", EventKind::Push, static_cast<int>(engine::ProducerKind::File), "push_with_producer");
    row("push repeat", EventKind::Push, static_cast<int>(engine::ProducerKind::Repeat), "push_with_producer");
    row("sent", EventKind::Sent, 0, "send");
    row("connected", EventKind::Connected, 0, "handle_connect");
    row("accepted", EventKind::Accepted, 0, "handle_accepted");
    row("closed peer", EventKind::Closed, static_cast<int>(engine::CloseReason::Peer), "handle_close");
    row("closed error", EventKind::Closed, static_cast<int>(engine::CloseReason::Error), "handle_close");
    row("closed local", EventKind::Closed, static_cast<int>(engine::CloseReason::Local), "close");
    row("error", EventKind::Error, 0, "handle_error");
    row("close_when_done", EventKind::CloseWhenDone, 0, "close_when_done");
    row("discarded", EventKind::Discarded, 0, "discard_buffers");
    row("terminator_set", EventKind::TerminatorSet, 1, "set_terminator");
    row("listening", EventKind::Listening, 0, "listen");
    row("connecting", EventKind::Connecting, 0, "connect");
    row("log warning", EventKind::Warning, static_cast<int>(engine::WarningCode::Log), "log_info");
}

void tst_Formatters::methodNames() {
    QFETCH(int, kind);
    QFETCH(int, sub);
    QFETCH(QString, name);
    ui::LogRecord r;
    r.kind = static_cast<EventKind>(kind);
    r.sub = static_cast<std::uint8_t>(sub);
    QCOMPARE(ui::methodName(r), name);
    // Every kind has a real name.
    for (std::size_t k = 0; k < engine::kEventKindCount; ++k)
        QVERIFY(ui::methodName(static_cast<EventKind>(k), 0) != QStringLiteral("?"));
}

void tst_Formatters::directions() {
    QCOMPARE(ui::direction(EventKind::Collect), ui::Direction::In);
    QCOMPARE(ui::direction(EventKind::FoundTerminator), ui::Direction::In);
    QCOMPARE(ui::direction(EventKind::Received), ui::Direction::In);
    QCOMPARE(ui::direction(EventKind::Push), ui::Direction::Out);
    QCOMPARE(ui::direction(EventKind::Sent), ui::Direction::Out);
    QCOMPARE(ui::direction(EventKind::Connected), ui::Direction::None);
    QCOMPARE(ui::direction(EventKind::Error), ui::Direction::None);
    QCOMPARE(ui::directionName(ui::Direction::In), QStringLiteral("in"));
    QCOMPARE(ui::directionName(ui::Direction::None), QString());
}

void tst_Formatters::times() {
    const QDateTime start(QDate(2025, 5, 1), QTime(12, 0, 0, 123), Qt::UTC);
    QCOMPARE(ui::formatTimeUs(0, start), QStringLiteral("12:00:00.123000"));
    QCOMPARE(ui::formatTimeUs(456, start), QStringLiteral("12:00:00.123456"));
    QCOMPARE(ui::formatTimeUs(1'877'000, start), QStringLiteral("12:00:02.000000"));
    QCOMPARE(ui::formatTimeUs(3'600'000'001, start), QStringLiteral("13:00:00.123001"));
    // Local time by default: same digits as QDateTime's own formatting.
    const QDateTime local = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000);
    QCOMPARE(ui::formatTimeUs(250, local), local.toString(QStringLiteral("hh:mm:ss.zzz")) + QStringLiteral("250"));
    // No start: seconds since the start.
    QCOMPARE(ui::formatTimeUs(12'345'678, QDateTime()), QStringLiteral("12.345678"));
    QCOMPARE(ui::formatTimeUs(5, QDateTime()), QStringLiteral("0.000005"));
}

void tst_Formatters::deltas() {
    QCOMPARE(ui::formatDeltaUs(0), QStringLiteral("+0.000000"));
    QCOMPARE(ui::formatDeltaUs(123), QStringLiteral("+0.000123"));
    QCOMPARE(ui::formatDeltaUs(61'000'001), QStringLiteral("+61.000001"));
    QCOMPARE(ui::formatDeltaUs(-5), QStringLiteral("-0.000005"));
}

void tst_Formatters::bytes() {
    QCOMPARE(ui::formatBytes(0), QStringLiteral("0 B"));
    QCOMPARE(ui::formatBytes(1023), QStringLiteral("1023 B"));
    QCOMPARE(ui::formatBytes(1536), QStringLiteral("1.5 KiB"));
    QCOMPARE(ui::formatBytes(5ull << 30), QStringLiteral("5.0 GiB"));
    QCOMPARE(ui::channelLabel(0), QStringLiteral("reactor"));
    QCOMPARE(ui::channelLabel(12), QStringLiteral("#12"));
    QCOMPARE(ui::terminatorText(engine::Terminator::bytes("\r\n")), QStringLiteral("\\r\\n"));
    QCOMPARE(ui::terminatorText(engine::Terminator::count(5)), QStringLiteral("count:5"));
    QCOMPARE(ui::terminatorText(engine::Terminator::none()), QStringLiteral("none"));
}

void tst_Formatters::summaries() {
    EventScript s;
    s.accepted(4, 1, "127.0.0.1:53412", "127.0.0.1:7000");
    s.error(2, 111, "connect to 127.0.0.1:9: Connection refused");
    s.closed(2, engine::CloseReason::Error, "connection refused").error = 111;
    s.push(3, 64);
    s.collect(3, "a\r\nb");
    s.terminatorSet(3, engine::Terminator::count(16));
    s.listening(5, "127.0.0.1:7443", 7443).aux = "3F:9A";  // listen --tls, generated certificate
    s.listening(6, "127.0.0.1:7000", 7000);
    engine::TlsHandshakeInfo old = testsupport::sampleTls(false);
    old.version = "TLSv1";
    old.verifySkipped = true;
    old.verifyResult = "ok";
    s.tlsHandshake(7, old);
    std::vector<engine::Event> batch = s.take();
    ui::EventLogStore store;
    store.append(batch);
    QCOMPARE(ui::eventSummary(store, 0), QStringLiteral("127.0.0.1:53412 → 127.0.0.1:7000 (listener #1)"));
    QCOMPARE(ui::eventSummary(store, 1), QStringLiteral("[errno 111] connect to 127.0.0.1:9: Connection refused"));
    QCOMPARE(ui::eventSummary(store, 2), QStringLiteral("closed on error [errno 111]: connection refused"));
    QCOMPARE(ui::eventSummary(store, 3), QStringLiteral("64 bytes"));
    QCOMPARE(ui::eventSummary(store, 4), QStringLiteral("a\\r\\nb"));
    QCOMPARE(ui::eventSummary(store, 5), QStringLiteral("count:16"));
    QCOMPARE(ui::eventSummary(store, 6),
             QStringLiteral("127.0.0.1:7443, TLS with a generated self-signed certificate, SHA-256 3F:9A"));
    QCOMPARE(ui::eventSummary(store, 7), QStringLiteral("127.0.0.1:7000"));
    // A handshake row is the engine's line (the CLI's, the transcript's).
    const QString tls = ui::eventSummary(store, 8);
    QVERIFY2(tls.startsWith(QStringLiteral("TLS 1.0 ")), qPrintable(tls));
    QVERIFY2(tls.contains(QStringLiteral("UNVERIFIED (verification off; the check would have passed)")), qPrintable(tls));
}

QTEST_GUILESS_MAIN(tst_Formatters)
#include "tst_Formatters.moc"
