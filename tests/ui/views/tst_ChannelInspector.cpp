// tst_ChannelInspector.cpp — the inspector's TLS section: hidden for a
// plaintext channel; the negotiated version, cipher, ALPN and SNI, the
// verification result (UNVERIFIED said in words), the peer's chain (subject,
// issuer, validity, SANs, SHA-256), and the end of TLS. Synthetic events
// through the channel model, as the window feeds it.
#include "ui/views/ChannelInspector.h"

#include "DataTestSupport.h"
#include "ui/model/ChannelModel.h"

#include <QApplication>
#include <QTest>
#include <QTreeWidget>

using ui::ChannelModel;

namespace {

// Every "name: value" pair of a chain entry.
QStringList entryLines(QTreeWidgetItem* cert) {
    QStringList out;
    for (int i = 0; i < cert->childCount(); ++i)
        out << cert->child(i)->text(0) + QStringLiteral(": ") + cert->child(i)->text(1);
    return out;
}

// Channel 1 connected to 127.0.0.1:7443 and through a TLS handshake,
// verified or not (testsupport::sampleTls).
testsupport::EventScript tlsClient(bool verified) {
    testsupport::EventScript script;
    script.connected(1, "127.0.0.1:7443", "127.0.0.1:50000");
    script.tlsHandshake(1, testsupport::sampleTls(verified));
    return script;
}

}  // namespace

class tst_ChannelInspector : public QObject {
    Q_OBJECT
private slots:
    void plaintextHasNoTlsSection();
    void verifiedChain();
    void unverifiedIsSaid();
    void tlsEnded();
    void closedChannelShowsNoStaleBuffers();
};

void tst_ChannelInspector::plaintextHasNoTlsSection() {
    ChannelModel model;
    testsupport::EventScript script;
    script.connected(1, "127.0.0.1:7000", "127.0.0.1:50000");
    model.applyEvents(script.take());
    ui::ChannelInspector inspector;
    inspector.showChannel(model.info(1));
    QVERIFY(!inspector.tlsSectionVisible());
}

void tst_ChannelInspector::verifiedChain() {
    ChannelModel model;
    model.applyEvents(tlsClient(true).take());
    ui::ChannelInspector inspector;
    inspector.showChannel(model.info(1));
    QVERIFY(inspector.tlsSectionVisible());
    const QString status = inspector.tlsStatusText();
    QVERIFY2(status.contains(QStringLiteral("TLS 1.3 TLS_AES_256_GCM_SHA384")), qPrintable(status));
    QVERIFY(status.contains(QStringLiteral("ALPN: h2")));
    QVERIFY(status.contains(QStringLiteral("Server name (SNI): localhost")));
    QVERIFY(status.contains(QStringLiteral("Peer certificate verified")));
    QVERIFY(!status.contains(QStringLiteral("UNVERIFIED")));
    QTreeWidget* chain = inspector.tlsChain();
    QCOMPARE(chain->topLevelItemCount(), 2);
    QCOMPARE(chain->topLevelItem(0)->text(1), QStringLiteral("CN=localhost,O=Linewright Test"));
    const QStringList leaf = entryLines(chain->topLevelItem(0));
    QVERIFY2(leaf.contains(QStringLiteral("Issuer: CN=Linewright Test CA")), qPrintable(leaf.join('\n')));
    QVERIFY(leaf.contains(QStringLiteral("Not before: 2026-12-01T00:00:00Z")));
    QVERIFY(leaf.contains(QStringLiteral("Not after (expires): 2027-12-01T00:00:00Z")));
    QVERIFY(leaf.contains(QStringLiteral("Alt. names: DNS:localhost, IP:127.0.0.1")));
    QVERIFY(leaf.contains(QStringLiteral("SHA-256: AB:CD:EF:01")));
    QVERIFY(leaf.contains(QStringLiteral("Key: EC P-256")));
    QVERIFY(entryLines(chain->topLevelItem(1)).contains(QStringLiteral("SHA-256: 12:34:56:78")));
    // Refreshing the same channel keeps the chain (not rebuilt: the user's selection stays).
    chain->setCurrentItem(chain->topLevelItem(0)->child(5));
    inspector.showChannel(model.info(1));
    QVERIFY(chain->currentItem() && chain->currentItem()->text(0) == QStringLiteral("SHA-256"));
}

void tst_ChannelInspector::unverifiedIsSaid() {
    ChannelModel model;
    model.applyEvents(tlsClient(false).take());
    ui::ChannelInspector inspector;
    inspector.showChannel(model.info(1));
    const QString status = inspector.tlsStatusText();
    QVERIFY2(status.contains(QStringLiteral(
                 "⚠ UNVERIFIED (verification off): self-signed certificate in certificate chain")),
             qPrintable(status));
    QVERIFY(inspector.tlsChain()->topLevelItem(0)->text(0).contains(QStringLiteral("UNVERIFIED")));
}

void tst_ChannelInspector::tlsEnded() {
    ChannelModel model;
    testsupport::EventScript script = tlsClient(true);
    script.tlsClose(1, engine::TlsCloseKind::Truncated);
    model.applyEvents(script.take());
    ui::ChannelInspector inspector;
    inspector.showChannel(model.info(1));
    QVERIFY(inspector.tlsStatusText().contains(QStringLiteral("without close_notify")));
    QCOMPARE(inspector.tlsChain()->topLevelItemCount(), 2);  // what was negotiated stays
}

// Issue 18, bug 5: a closed channel's inspector went on showing its last
// snapshot ("Message being collected: 49 bytes", the input buffer, the fifo).
void tst_ChannelInspector::closedChannelShowsNoStaleBuffers() {
    ChannelModel model;
    testsupport::EventScript script;
    script.connected(1, "127.0.0.1:7000", "127.0.0.1:50000");
    auto state = std::make_shared<engine::ChannelState>();
    state->role = engine::ChannelRole::Client;
    state->phase = engine::ChannelPhase::Connected;
    state->terminator = engine::Terminator::bytes("\r\n");
    state->residue = "abc\r";
    state->pendingMessage = 49;
    state->fifoEntries = 1;
    state->queuedBytes = 10;
    state->fifo = {engine::FifoEntryState{"bytes", 10}};
    script.add(engine::EventKind::ChannelState, 1).state = state;
    model.applyEvents(script.take());
    ui::ChannelInspector inspector;
    inspector.showChannel(model.info(1));
    QCOMPARE(inspector.inputBufferText(), QStringLiteral("abc\\r"));
    QVERIFY2(inspector.inputNoteText().contains(QLatin1String("being collected")), qPrintable(inspector.inputNoteText()));

    script.add(engine::EventKind::Closed, 1).sub = static_cast<std::uint8_t>(engine::CloseReason::Peer);
    model.applyEvents(script.take());
    QCOMPARE(model.info(1)->phase, engine::ChannelPhase::Closed);
    inspector.showChannel(model.info(1));
    QCOMPARE(inspector.inputBufferText(), QString());
    QCOMPARE(inspector.heldBackText(), QString());
    QVERIFY2(!inspector.inputNoteText().contains(QLatin1String("being collected")), qPrintable(inspector.inputNoteText()));
    QVERIFY2(inspector.inputNoteText().contains(QLatin1String("closed")), qPrintable(inspector.inputNoteText()));
    QVERIFY2(inspector.fifoSummaryText().startsWith(QLatin1String("Closed")), qPrintable(inspector.fifoSummaryText()));
}

QTEST_MAIN(tst_ChannelInspector)
#include "tst_ChannelInspector.moc"
