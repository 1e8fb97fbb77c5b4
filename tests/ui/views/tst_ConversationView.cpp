// tst_ConversationView.cpp — the conversation widget over a hand-made log:
// the delegate's pieces (escapes, terminators, cut marks, messages in
// progress), the kind / direction / text filters, find next / previous,
// copying as rows, escaped text, hex and base64, and following the tail.
#include "DataTestSupport.h"

#include "engine/capture/TlsText.h"
#include "ui/views/CompactModel.h"
#include "ui/views/ConversationView.h"
#include "ui/views/EventDelegate.h"
#include "ui/model/EventLogModel.h"
#include "ui/model/EventLogStore.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QScrollBar>
#include <QSignalSpy>
#include <QLineEdit>
#include <QFont>
#include <QTableView>
#include <QTest>

using engine::EventKind;
using engine::Terminator;
using Piece = ui::EventDelegate::Piece;

namespace {

QString describe(const QList<Piece>& pieces) {
    QStringList out;
    for (const Piece& p : pieces) {
        const char* k = p.kind == Piece::Plain ? "P" : p.kind == Piece::Escape ? "E" : p.kind == Piece::Terminator ? "T" : "M";
        out << QStringLiteral("%1[%2]").arg(QLatin1String(k), p.text);
    }
    return out.join(u' ');
}

}  // namespace

class tst_ConversationView : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void delegatePieces();
    void messagesInProgress();
    void filters();
    void filteredOutRowIsNoLongerShown();
    void findWrapsAround();
    void copyFormats();
    void followsTheTail();
    void tlsRows();
    void compactModeIsFollowStream();
    void compactModeFindsAndCopies();

private:
    int rowOf(EventKind kind, int nth = 0) const;
    std::unique_ptr<ui::EventLogStore> m_store;
    std::unique_ptr<ui::EventLogModel> m_model;
    std::unique_ptr<ui::ConversationView> m_view;
    testsupport::EventScript m_script;
};

void tst_ConversationView::init() {
    m_store = std::make_unique<ui::EventLogStore>();
    m_model = std::make_unique<ui::EventLogModel>(m_store.get());
    m_view = std::make_unique<ui::ConversationView>(m_model.get());
    m_view->delegate()->setTerminatorLookup([](engine::ChannelId) { return QByteArray("\r\n"); });
    m_view->resize(1000, 400);
    m_script = {};
    m_script.listening(1, "127.0.0.1:7000", 7000);
    m_script.accepted(3, 1, "127.0.0.1:5000", "127.0.0.1:7000");
    m_script.connected(2, "127.0.0.1:7000", "127.0.0.1:5000");
    m_script.push(2, 12);
    m_script.sent(2, "a\tb\r\nhello\r\n");
    m_script.collect(3, "a\tb");
    m_script.found(3, Terminator::bytes("\r\n"), 3);
    m_script.collect(3, "hel");
    m_script.error(2, 111, "connect to 127.0.0.1:1: Connection refused");
    auto batch = m_script.take();
    m_store->append(batch);
    m_model->appendFromStore();
}

void tst_ConversationView::cleanup() {
    m_view.reset();
    m_model.reset();
    m_store.reset();
}

int tst_ConversationView::rowOf(EventKind kind, int nth) const {
    for (int row = 0; row < m_model->rowCount(); ++row)
        if (m_model->index(row, 0).data(ui::EventLogModel::KindRole).toInt() == int(kind) && nth-- == 0) return row;
    return -1;
}

void tst_ConversationView::delegatePieces() {
    const ui::EventDelegate* d = m_view->delegate();
    auto data = [&](int row) { return m_model->index(row, ui::EventLogModel::ColData); };
    // Sent bytes: escapes apart, the channel's terminator marked wherever it is.
    QCOMPARE(describe(d->pieces(data(rowOf(EventKind::Sent)))),
             QStringLiteral("P[a] E[\\t] P[b] T[\\r\\n] P[hello] T[\\r\\n]"));
    // Collected bytes.
    QCOMPARE(describe(d->pieces(data(rowOf(EventKind::Collect)))), QStringLiteral("P[a] E[\\t] P[b]"));
    // found_terminator: just the terminator.
    QCOMPARE(describe(d->pieces(data(rowOf(EventKind::FoundTerminator)))), QStringLiteral("T[\\r\\n]"));
    // Lifecycle and errors: plain text.
    const QList<Piece> err = d->pieces(data(rowOf(EventKind::Error)));
    QCOMPARE(err.size(), 1);
    QCOMPARE(err.at(0).kind, Piece::Plain);
    QVERIFY(err.at(0).text.contains(QLatin1String("refused")));
    // The tokens of a cut preview: the mark is one token.
    qsizetype mark = -1;
    const QStringList tokens = ui::escapedTokens(QStringLiteral("ab\\x00 … (+300 bytes)\\r\\n"), &mark);
    QCOMPARE(tokens, QStringList({"a", "b", "\\x00", " … (+300 bytes)", "\\r", "\\n"}));
    QCOMPARE(mark, 3);
}

void tst_ConversationView::messagesInProgress() {
    m_view->setMessagesMode(true);
    QTRY_VERIFY(!m_model->isApplyingFilter());
    int message = -1, progress = -1;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const auto type = m_model->rowType(row);
        if (type == ui::EventLogModel::RowType::Message) message = row;
        if (type == ui::EventLogModel::RowType::InProgress) progress = row;
    }
    QVERIFY(message >= 0 && progress >= 0);
    const ui::EventDelegate* d = m_view->delegate();
    QCOMPARE(describe(d->pieces(m_model->index(message, ui::EventLogModel::ColData))),
             QStringLiteral("P[a] E[\\t] P[b] T[\\r\\n]"));
    const QList<Piece> p = d->pieces(m_model->index(progress, ui::EventLogModel::ColData));
    QCOMPARE(p.constFirst().text, QStringLiteral("hel"));
    QCOMPARE(p.constLast().kind, Piece::Muted);  // "collecting…"
    QVERIFY(m_view->messagesAction()->isChecked());
}

void tst_ConversationView::filters() {
    // Direction: in only.
    m_view->setDirection(ui::Direction::In);
    m_view->applyFilterNow();
    QTRY_VERIFY(!m_model->isApplyingFilter());
    QCOMPARE(m_model->rowCount(), 3);  // collect, found_terminator, collect
    // Kinds: errors only, direction reset.
    m_view->setDirection(std::nullopt);
    m_view->setKinds({EventKind::Error});
    m_view->applyFilterNow();
    QTRY_COMPARE(m_model->rowCount(), 1);
    // Text, with an escape: the rows holding a tab.
    m_view->setKinds({});
    m_view->setFilterText(QStringLiteral("a\\tb"));
    m_view->applyFilterNow();
    QTRY_VERIFY(!m_model->isApplyingFilter());
    QCOMPARE(m_model->rowCount(), 2);  // sent and collect
    // Scope: the selected channel only.
    m_view->setFilterText(QString());
    m_view->setSelectedChannels({3}, QStringLiteral("#3"));
    m_view->setScopeToSelection(true);
    m_view->applyFilterNow();
    QTRY_VERIFY(!m_model->isApplyingFilter());
    for (int row = 0; row < m_model->rowCount(); ++row)
        QCOMPARE(m_model->index(row, 0).data(ui::EventLogModel::ChannelRole).toUInt(), 3u);
    // The default hides snapshots only.
    QVERIFY(!ui::ConversationView::defaultKinds().contains(EventKind::ChannelState));
    QVERIFY(ui::ConversationView::defaultKinds().contains(EventKind::Collect));
}

// Issue 18, bug 5: the Bytes pane (which follows currentRowChanged) kept
// showing a row that a new filter had taken away.
void tst_ConversationView::filteredOutRowIsNoLongerShown() {
    QSignalSpy current(m_view.get(), &ui::ConversationView::currentRowChanged);
    const int error = rowOf(EventKind::Error);
    m_view->selectRow(error);
    QVERIFY(!current.isEmpty());
    QCOMPARE(current.constLast().at(0).value<QModelIndex>().row(), error);
    // A filter that keeps the row: it stays current (and is said again, at its new place).
    m_view->setKinds({EventKind::Error, EventKind::Sent});
    m_view->applyFilterNow();
    QTRY_VERIFY(!m_model->isApplyingFilter());
    QCOMPARE(m_model->rowCount(), 2);
    QVERIFY(current.constLast().at(0).value<QModelIndex>().isValid());
    QCOMPARE(current.constLast().at(0).value<QModelIndex>().data(ui::EventLogModel::KindRole).toInt(), int(EventKind::Error));
    // A filter that takes it away: nothing is current any more, and that is said.
    current.clear();
    m_view->setKinds({EventKind::Sent});
    m_view->applyFilterNow();
    QTRY_VERIFY(!m_model->isApplyingFilter());
    QCOMPARE(m_model->rowCount(), 1);
    QCOMPARE(m_view->currentRow(), -1);
    QVERIFY(!current.isEmpty());
    QVERIFY(!current.constLast().at(0).value<QModelIndex>().isValid());
}

void tst_ConversationView::findWrapsAround() {
    m_view->setFindText(QStringLiteral("\\t"));
    QVERIFY(m_view->findNext());
    const int first = m_view->currentRow();
    QCOMPARE(first, rowOf(EventKind::Sent));
    QVERIFY(m_view->findNext());
    QCOMPARE(m_view->currentRow(), rowOf(EventKind::Collect));
    QVERIFY(m_view->findNext());  // wraps to the top
    QCOMPARE(m_view->currentRow(), first);
    QVERIFY(m_view->findPrevious());  // wraps to the bottom
    QCOMPARE(m_view->currentRow(), rowOf(EventKind::Collect));
    QVERIFY(!m_view->followTail());  // finding stops following
    m_view->setFindText(QStringLiteral("no such text"));
    QVERIFY(!m_view->findNext());
}

void tst_ConversationView::copyFormats() {
    m_view->selectRow(rowOf(EventKind::Sent));
    using F = ui::ConversationView::CopyFormat;
    QCOMPARE(m_view->selectionText(F::Escaped), QStringLiteral("a\\tb\\r\\nhello\\r\\n"));
    QCOMPARE(m_view->selectionText(F::Hex), QString::fromLatin1(QByteArray("a\tb\r\nhello\r\n").toHex(' ')));
    QCOMPARE(m_view->selectionText(F::Base64), QString::fromLatin1(QByteArray("a\tb\r\nhello\r\n").toBase64()));
    QCOMPARE(m_view->selectionText(F::Text), QStringLiteral("a\tb\r\nhello\r\n"));
    const QString row = m_view->selectionText(F::Rows);
    QVERIFY2(row.contains(QLatin1String("\tsend\t")) && row.endsWith(QLatin1String("a\\tb\\r\\nhello\\r\\n")), qPrintable(row));
    m_view->copySelection(F::Escaped);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("a\\tb\\r\\nhello\\r\\n"));
}

void tst_ConversationView::followsTheTail() {
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    QVERIFY(m_view->followTail());
    for (int i = 0; i < 500; ++i) m_script.collect(3, "line");
    auto batch = m_script.take();
    m_store->append(batch);
    m_model->appendFromStore();
    QTRY_VERIFY(!m_model->isApplyingFilter());
    QScrollBar* bar = m_view->table()->verticalScrollBar();
    QTRY_COMPARE(bar->value(), bar->maximum());
    // Scrolling up stops following; new rows then leave the view alone.
    m_view->setFollowTail(false);
    bar->setValue(0);
    for (int i = 0; i < 100; ++i) m_script.collect(3, "more");
    batch = m_script.take();
    m_store->append(batch);
    m_model->appendFromStore();
    QCOMPARE(bar->value(), 0);
    // End follows again.
    m_view->table()->setFocus();
    QTest::keyClick(m_view->table(), Qt::Key_End);
    QVERIFY(m_view->followTail());
    QTRY_COMPARE(bar->value(), bar->maximum());
}

void tst_ConversationView::tlsRows() {
    m_script.startTls(2, "smtp");
    m_script.tlsHandshake(2, testsupport::sampleTls(true));
    m_script.tlsHandshake(3, testsupport::sampleTls(false));
    m_script.tlsClose(2, engine::TlsCloseKind::CloseNotify);
    m_script.tlsClose(3, engine::TlsCloseKind::Truncated);
    auto batch = m_script.take();
    m_store->append(batch);
    m_model->appendFromStore();
    // Shown with the default kinds (the Kinds menu has a TLS group).
    m_view->setKinds(ui::ConversationView::defaultKinds());
    m_view->applyFilterNow();
    QTRY_VERIFY(!m_model->isApplyingFilter());
    const int start = rowOf(EventKind::StartTls);
    const int verified = rowOf(EventKind::TlsHandshake, 0);
    const int unverified = rowOf(EventKind::TlsHandshake, 1);
    const int clean = rowOf(EventKind::TlsClose, 0);
    const int cut = rowOf(EventKind::TlsClose, 1);
    QVERIFY(start >= 0 && verified >= 0 && unverified >= 0 && clean >= 0 && cut >= 0);
    const auto text = [&](int row, int col) { return m_model->index(row, col).data().toString(); };
    QCOMPARE(text(verified, ui::EventLogModel::ColMethod), QStringLiteral("do_handshake"));
    QCOMPARE(text(verified, ui::EventLogModel::ColData),
             QString::fromStdString(engine::tlsHandshakeText(testsupport::sampleTls(true))));
    QVERIFY2(text(verified, ui::EventLogModel::ColData)
                 .startsWith(QStringLiteral("TLS 1.3 TLS_AES_256_GCM_SHA384, ALPN h2, SNI localhost, verified")),
             qPrintable(text(verified, ui::EventLogModel::ColData)));
    QVERIFY2(text(unverified, ui::EventLogModel::ColData)
                 .contains(QStringLiteral("UNVERIFIED (verification off): self-signed certificate in certificate chain")),
             qPrintable(text(unverified, ui::EventLogModel::ColData)));
    // The same lines as the CLI and the transcript (engine/capture/TlsText.h).
    QCOMPARE(text(start, ui::EventLogModel::ColData), QStringLiteral("STARTTLS (smtp): TLS handshake begins"));
    QCOMPARE(text(clean, ui::EventLogModel::ColMethod), QStringLiteral("SSL_shutdown"));
    QVERIFY2(text(clean, ui::EventLogModel::ColData).contains(QStringLiteral("(close_notify)")),
             qPrintable(text(clean, ui::EventLogModel::ColData)));
    QVERIFY2(text(cut, ui::EventLogModel::ColData).contains(QStringLiteral("truncated: no close_notify")),
             qPrintable(text(cut, ui::EventLogModel::ColData)));
    // An unverified peer and a truncated close are tinted; a verified handshake and a clean close are not.
    const auto bg = [&](int row) { return m_model->index(row, ui::EventLogModel::ColData).data(Qt::BackgroundRole); };
    QVERIFY(bg(verified).isNull());
    QVERIFY(!bg(unverified).isNull());
    QVERIFY(bg(clean).isNull());
    QVERIFY(!bg(cut).isNull());
    // The details stay with the row (saving the session keeps the chain).
    const auto storeRow = static_cast<std::size_t>(
        m_model->index(verified, 0).data(ui::EventLogModel::StoreRowRole).toLongLong());
    QVERIFY(m_store->tls(storeRow));
    QCOMPARE(m_store->tls(storeRow)->peerChain.size(), std::size_t{2});
    const engine::Event back = m_store->event(storeRow);
    QVERIFY(back.tlsInfo() && *back.tlsInfo() == testsupport::sampleTls(true));
    // The TLS kinds filter alone.
    m_view->setKinds({EventKind::TlsHandshake});
    m_view->applyFilterNow();
    QTRY_COMPARE(m_model->rowCount(), 2);
}

void tst_ConversationView::compactModeIsFollowStream() {
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    QVERIFY(!m_view->messagesMode());
    QSignalSpy changed(m_view.get(), &ui::ConversationView::compactModeChanged);
    m_view->compactAction()->trigger();
    QVERIFY(m_view->compactMode());
    QCOMPARE(changed.size(), 1);
    QVERIFY(m_view->messagesMode());  // over the model in Messages mode ...
    QTRY_VERIFY(!m_model->isApplyingFilter());
    ui::CompactModel* c = m_view->compactModel();
    QCOMPARE(c->sourceModel(), m_model.get());  // ... a filter of it, not a copy
    QVERIFY(m_view->compactTable()->isVisible());
    QVERIFY(!m_view->table()->isVisible());
    // The sent bytes once (not the push row as well), the message, the one in progress;
    // no listening / accepted / connected / error rows.
    const auto rows = [c] {
        QStringList out;
        for (int r = 0; r < c->rowCount(); ++r) {
            const QModelIndex i = c->index(r, 0);
            out << QStringLiteral("%1:%2").arg(i.data(ui::EventLogModel::ChannelRole).toUInt())
                       .arg(QString::fromLatin1(i.data(ui::EventLogModel::BytesRole).toByteArray()));
        }
        return out;
    };
    QCOMPARE(rows(), (QStringList{QStringLiteral("2:a\tb\r\nhello\r\n"), QStringLiteral("3:a\tb"),
                                  QStringLiteral("3:hel")}));
    QVERIFY(m_model->rowCount() > c->rowCount());
    // Time, channel, direction, size, data.
    QCOMPARE(c->columnCount(), 5);
    // Two colours: out and in, each a tint of the base, not the same.
    const QColor out = c->index(0, 0).data(Qt::BackgroundRole).value<QColor>();
    const QColor in = c->index(1, 0).data(Qt::BackgroundRole).value<QColor>();
    QCOMPARE(out, c->outgoingTint());
    QCOMPARE(in, c->incomingTint());
    QVERIFY(in != out);
    QVERIFY(in != m_view->palette().color(QPalette::Base));
    QCOMPARE(c->index(2, 0).data(Qt::BackgroundRole).value<QColor>(), in);  // in progress: in
    // Text reads on both tints, in a dark palette too.
    for (const bool dark : {false, true}) {
        QPalette p;
        p.setColor(QPalette::Base, dark ? QColor(30, 30, 30) : QColor(255, 255, 255));
        p.setColor(QPalette::Text, dark ? QColor(230, 230, 230) : QColor(0, 0, 0));
        p.setColor(QPalette::Window, p.color(QPalette::Base));
        c->setColors(ui::ViewColors::forPalette(p), p.color(QPalette::Base));
        QVERIFY(c->incomingTint() != c->outgoingTint());
        QVERIFY2(ui::ViewColors::contrast(p.color(QPalette::Text), c->incomingTint()) >= ui::ViewColors::kReadable,
                 dark ? "dark in" : "light in");
        QVERIFY2(ui::ViewColors::contrast(p.color(QPalette::Text), c->outgoingTint()) >= ui::ViewColors::kReadable,
                 dark ? "dark out" : "light out");
    }
    // New events arrive in it as they come.
    m_script.push(3, 4);
    m_script.sent(3, "ok\r\n");
    m_script.collect(3, "lo");
    m_script.found(3, Terminator::bytes("\r\n"), 5);
    auto batch = m_script.take();
    m_store->append(batch);
    m_model->appendFromStore();
    QTRY_COMPARE(rows(), (QStringList{QStringLiteral("2:a\tb\r\nhello\r\n"), QStringLiteral("3:a\tb"),
                                      QStringLiteral("3:ok\r\n"), QStringLiteral("3:hello")}));
    // Off: the mode it found (Events), the full table back, the filter detached.
    m_view->setCompactMode(false);
    QVERIFY(!m_view->messagesMode());
    QVERIFY(m_view->table()->isVisible());
    QVERIFY(!m_view->compactTable()->isVisible());
    QCOMPARE(c->sourceModel(), nullptr);
    QCOMPARE(changed.size(), 2);
}

// Compact mode has find (next / previous among its rows, every match marked
// while the find bar is open) and copy (the selected compact rows, escaped or hex).
void tst_ConversationView::compactModeFindsAndCopies() {
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    m_view->setCompactMode(true);
    QTRY_VERIFY(!m_model->isApplyingFilter());
    ui::CompactModel* c = m_view->compactModel();
    QTableView* t = m_view->compactTable();
    QTRY_COMPARE(c->rowCount(), 3);  // sent "a\tb\r\nhello\r\n", message "a\tb", in progress "hel"
    const auto compactRow = [&] { return t->currentIndex().isValid() ? t->currentIndex().row() : -1; };

    // Find: rows 0 and 2 hold "hel"; the model's rows compact mode hides are skipped.
    m_view->showFindBar();
    m_view->setFindText(QStringLiteral("hel"));
    QVERIFY(m_view->findNext());
    QCOMPARE(compactRow(), 0);
    QCOMPARE(m_view->currentRow(), c->mapToSource(c->index(0, 0)).row());
    QVERIFY(m_view->findNext());
    QCOMPARE(compactRow(), 2);
    QVERIFY(m_view->findNext());  // wraps around
    QCOMPARE(compactRow(), 0);
    QVERIFY(m_view->findPrevious());
    QCOMPARE(compactRow(), 2);
    m_view->setFindText(QStringLiteral("nowhere"));
    QVERIFY(!m_view->findNext());

    // Highlight: every row with a match, while the find bar is open.
    m_view->setFindText(QStringLiteral("HELLO"));  // case-insensitive by default
    QVERIFY(c->isHighlighted(c->index(0, 4)));
    QVERIFY(!c->isHighlighted(c->index(1, 4)));
    QVERIFY(!c->isHighlighted(c->index(2, 4)));  // "hel" is not "hello"
    QCOMPARE(c->index(0, 0).data(Qt::BackgroundRole).value<QColor>(), c->highlightTint());
    QVERIFY(c->index(0, 0).data(Qt::FontRole).value<QFont>().bold());
    QCOMPARE(c->index(1, 0).data(Qt::BackgroundRole).value<QColor>(), c->incomingTint());
    QVERIFY(c->highlightTint() != c->incomingTint() && c->highlightTint() != c->outgoingTint());
    // Esc closes the find bar: the marks go.
    auto* findText = m_view->findChild<QLineEdit*>(QStringLiteral("findText"));
    QVERIFY(findText);
    QTest::keyClick(findText, Qt::Key_Escape);
    QTRY_VERIFY(!c->isHighlighted(c->index(0, 4)));
    QCOMPARE(c->index(0, 0).data(Qt::BackgroundRole).value<QColor>(), c->outgoingTint());

    // Copy: the compact rows selected, with their bytes (a message with its terminator).
    t->selectionModel()->select(QItemSelection(c->index(0, 0), c->index(1, c->columnCount() - 1)),
                                QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(m_view->selectionText(ui::ConversationView::CopyFormat::Escaped),
             QStringLiteral("a\\tb\\r\\nhello\\r\\n\na\\tb\\r\\n"));
    QCOMPARE(m_view->selectionText(ui::ConversationView::CopyFormat::Hex),
             QStringLiteral("61 09 62 0d 0a 68 65 6c 6c 6f 0d 0a\n61 09 62 0d 0a"));
    // From the keyboard, with the focus in the compact table.
    t->setFocus();
    QTRY_VERIFY(t->hasFocus());
    QApplication::clipboard()->clear();
    QTest::keyClick(t, Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("a\\tb\\r\\nhello\\r\\n\na\\tb\\r\\n"));
    QTest::keyClick(t, Qt::Key_H, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("61 09 62 0d 0a 68 65 6c 6c 6f 0d 0a\n61 09 62 0d 0a"));
}

QTEST_MAIN(tst_ConversationView)
#include "tst_ConversationView.moc"
