// tst_Composer.cpp — typing a message: escapes, hex, the appended
// terminator, Enter, history, and mistakes that block sending.
#include "ui/views/Composer.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/SnippetBar.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QToolButton>
#include <QLabel>
#include <QMimeData>
#include <QPaintEvent>
#include <QPushButton>
#include <QSignalSpy>
#include <QTextCursor>
#include <QMessageBox>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>

using engine::Terminator;
using ui::Composer;

class tst_Composer : public QObject {
    Q_OBJECT
private slots:
    void enterSendsWithTerminator_data();
    void enterSendsWithTerminator();
    void appendTerminatorOff();
    void countTerminatorAppendsNothing();
    void invalidEscapeBlocksSending();
    void hexMode();
    void switchingSyntaxCarriesTheBytes();
    void history();
    void noTargetNoSend();
    void cannotSendNoteFollowsTheTarget();
    void placeholderChangeIsRepainted();
    void repeatAndStop();
    void pastedLinesAreLines();
    void pastedLinesAsOneMessage();
    void shiftEnterStartsANewLine();
    void upAndDownMoveBetweenLinesBeforeHistory();
    void aMistakeOnOneLineBlocksAll();
    void fieldGrowsWithItsLines();
    void snippetClickSends();
    void snippetsFollowTheScope();
    void snippetEditorAddsEditsRemoves();
    void toAllOnlyForAListenerWithConnections();
    void pasteOfManyLinesAsks();
    void toAllCoversFileRepeatAndStop();

private:
    static void show(Composer& c) {
        c.resize(900, 80);
        c.show();
        QVERIFY(QTest::qWaitForWindowExposed(&c));
        c.editor()->setFocus();
    }
    /// show(), with #1 (connected, framed by `t`) as the target.
    static void showWithTarget1(Composer& c, const Terminator& t) {
        c.setTarget(1, QStringLiteral("#1"), t, true);
        show(c);
    }
};

void tst_Composer::enterSendsWithTerminator_data() {
    QTest::addColumn<QString>("typed");
    QTest::addColumn<QByteArray>("sent");
    QTest::newRow("plain") << "hello" << QByteArray("hello\r\n");
    QTest::newRow("escapes") << "a\\tb\\x41\\\\" << QByteArray("a\tbA\\\r\n");
    QTest::newRow("nul") << "x\\0y" << QByteArray("x\0y\r\n", 5);
    QTest::newRow("utf8") << QString::fromUtf8("h\u00e9") << QByteArray("h\xc3\xa9\r\n");
}

void tst_Composer::enterSendsWithTerminator() {
    QFETCH(QString, typed);
    QFETCH(QByteArray, sent);
    Composer c;
    c.setTarget(3, QStringLiteral("#3"), Terminator::bytes("\r\n"), true);
    show(c);
    QSignalSpy spy(&c, &Composer::sendRequested);
    bool ascii = true;
    for (const QChar ch : typed) ascii &= ch.unicode() < 0x80;
    if (ascii)
        QTest::keyClicks(c.editor(), typed);
    else
        c.editor()->insertPlainText(typed);  // QTest types ASCII only
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toByteArray(), sent);
    QCOMPARE(c.editor()->text(), QString());  // cleared for the next line
}

void tst_Composer::appendTerminatorOff() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\n"));
    c.setAppendTerminator(false);
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClicks(c.editor(), "GET / HTTP/1.0\\r\\n\\r\\n");
    QTest::keyClick(c.editor(), Qt::Key_Enter);
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toByteArray(), QByteArray("GET / HTTP/1.0\r\n\r\n"));
}

void tst_Composer::countTerminatorAppendsNothing() {
    Composer c;
    showWithTarget1(c, Terminator::count(4));
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClicks(c.editor(), "abcd");
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toByteArray(), QByteArray("abcd"));
    QVERIFY(!c.findChild<QCheckBox*>()->isEnabled());
}

void tst_Composer::invalidEscapeBlocksSending() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\r\n"));
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClicks(c.editor(), "bad \\xZ1 escape");
    QVERIFY(!c.editor()->isValid());
    QVERIFY(!c.sendButton()->isEnabled());
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 0);
    QCOMPARE(c.editor()->text(), QStringLiteral("bad \\xZ1 escape"));  // kept for fixing
    QVERIFY(c.editor()->errorMessage().contains(QLatin1String("position 5")));
    // Marked in place: the wavy underline starts at the backslash.
    bool marked = false;
    for (const QTextLayout::FormatRange& r : c.editor()->document()->firstBlock().layout()->formats())
        if (r.format.underlineStyle() == QTextCharFormat::WaveUnderline) marked = r.start == 4;
    QVERIFY(marked);
    // Completing an escape enables sending again (the button follows every keystroke).
    c.editor()->setText(QString());
    QTest::keyClicks(c.editor(), "DATA\\");
    QVERIFY(!c.sendButton()->isEnabled());
    QTest::keyClicks(c.editor(), "r");
    QVERIFY(c.editor()->isValid());
    QVERIFY(c.sendButton()->isEnabled());
}

void tst_Composer::hexMode() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\r\n"));
    c.setSyntax(ui::ByteSyntax::Hex);
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClicks(c.editor(), "68 69 00 0x7f");
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toByteArray(), QByteArray("hi\0\x7f\r\n", 6));
    QTest::keyClicks(c.editor(), "6g");
    QVERIFY(!c.editor()->isValid());
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 1);
    QTest::keyClick(c.editor(), Qt::Key_Backspace);
    QTest::keyClicks(c.editor(), "1");
    QVERIFY(c.editor()->isValid());
    QTest::keyClicks(c.editor(), "2");
    QVERIFY(!c.editor()->isValid());  // odd number of digits
    QVERIFY(c.editor()->errorMessage().contains(QLatin1String("partner")));
}

void tst_Composer::switchingSyntaxCarriesTheBytes() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\r\n"));
    QTest::keyClicks(c.editor(), "hi\\n");
    c.setSyntax(ui::ByteSyntax::Hex);
    QCOMPARE(c.editor()->text(), QStringLiteral("68 69 0a"));
    c.setSyntax(ui::ByteSyntax::Escaped);
    QCOMPARE(c.editor()->text(), QStringLiteral("hi\\n"));
}

void tst_Composer::history() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\r\n"));
    QSignalSpy changed(&c, &Composer::historyChanged);
    for (const char* line : {"one", "two", "three"}) {
        QTest::keyClicks(c.editor(), line);
        QTest::keyClick(c.editor(), Qt::Key_Return);
    }
    QCOMPARE(c.history(), QStringList({"one", "two", "three"}));
    QCOMPARE(changed.size(), 3);
    QTest::keyClicks(c.editor(), "draft");
    QTest::keyClick(c.editor(), Qt::Key_Up);
    QCOMPARE(c.editor()->text(), QStringLiteral("three"));
    QTest::keyClick(c.editor(), Qt::Key_Up);
    QTest::keyClick(c.editor(), Qt::Key_Up);
    QCOMPARE(c.editor()->text(), QStringLiteral("one"));
    QTest::keyClick(c.editor(), Qt::Key_Up);  // stays at the oldest
    QCOMPARE(c.editor()->text(), QStringLiteral("one"));
    QTest::keyClick(c.editor(), Qt::Key_Down);
    QCOMPARE(c.editor()->text(), QStringLiteral("two"));
    QTest::keyClick(c.editor(), Qt::Key_Down);
    QTest::keyClick(c.editor(), Qt::Key_Down);
    QCOMPARE(c.editor()->text(), QStringLiteral("draft"));  // back to what was being typed
    // Sending the same line twice keeps one entry.
    c.editor()->setText(QStringLiteral("three"));
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(c.history().size(), 3);
}

void tst_Composer::noTargetNoSend() {
    Composer c;
    show(c);
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClicks(c.editor(), "hello");
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 0);
    QCOMPARE(c.editor()->text(), QStringLiteral("hello"));
    // A channel that cannot send (still connecting, or a listener).
    c.setTarget(2, QStringLiteral("#2"), Terminator::bytes("\n"), false);
    QVERIFY(!c.sendButton()->isEnabled());
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 0);
}

// The note under the line, as shown ("" when none).
static QString shownNote(const Composer& c) {
    for (const QLabel* l : c.findChildren<QLabel*>())
        if (l->wordWrap() && !l->isHidden()) return l->text();
    return {};
}

// Issue 18, bug 5: "cannot send now" stayed after the channel changed state.
void tst_Composer::cannotSendNoteFollowsTheTarget() {
    Composer c;
    c.setTarget(2, QStringLiteral("#2"), Terminator::bytes("\n"), false);  // connecting
    show(c);
    QTest::keyClicks(c.editor(), "hello");
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QVERIFY2(shownNote(c).contains(QLatin1String("cannot send")), qPrintable(shownNote(c)));
    // Connected: the note goes, the text is still there to send.
    c.setTarget(2, QStringLiteral("#2"), Terminator::bytes("\n"), true);
    QCOMPARE(shownNote(c), QString());
    QCOMPARE(c.editor()->text(), QStringLiteral("hello"));
    // Closed, with the reason: the field and a refused send say it.
    c.setTarget(2, QStringLiteral("#2"), Terminator::bytes("\n"), false, QStringLiteral("#2 is closed"));
    QCOMPARE(shownNote(c), QString());  // nothing was refused yet
    QCOMPARE(c.editor()->placeholderText(), QStringLiteral("#2 is closed"));
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(shownNote(c), QStringLiteral("#2 is closed."));
    QCOMPARE(c.noteText(), shownNote(c));
    // Another channel that cannot send either: the note says why for that one.
    c.setTarget(4, QStringLiteral("#4"), Terminator::bytes("\n"), false, QStringLiteral("#4 is a listener"));
    QCOMPARE(shownNote(c), QStringLiteral("#4 is a listener."));
    // No channel at all: the note about #4 goes.
    c.setTarget(0, QString(), std::nullopt, false);
    QCOMPARE(shownNote(c), QString());
}

namespace {
// Counts the paint events a widget gets that are wider than a text cursor
// (the placeholder's words, not the cursor blinking).
class PaintCounter : public QObject {
public:
    int paints = 0;
    bool eventFilter(QObject*, QEvent* e) override {
        if (e->type() == QEvent::Paint && static_cast<QPaintEvent*>(e)->region().boundingRect().width() > 40) ++paints;
        return false;
    }
};
}  // namespace

// Issue 18, bug 5, seen under Xvfb: selecting a connection after its
// listener left "#1 is a listener…" (before: "cannot send now") on screen in
// the empty field: QPlainTextEdit does not repaint when only the
// placeholder's words change.
void tst_Composer::placeholderChangeIsRepainted() {
    Composer c;
    c.setTarget(1, QStringLiteral("#1"), Terminator::bytes("\n"), false, QStringLiteral("#1 is a listener"));
    show(c);
    QVERIFY(c.editor()->text().isEmpty());
    PaintCounter counter;
    c.editor()->viewport()->installEventFilter(&counter);
    QTRY_VERIFY(c.editor()->viewport()->isVisible());
    QCoreApplication::processEvents();
    counter.paints = 0;
    // Only the words change (nothing else around them does).
    c.setTarget(1, QStringLiteral("#1"), Terminator::bytes("\n"), false, QStringLiteral("#1 is closed"));
    QCOMPARE(c.editor()->placeholderText(), QStringLiteral("#1 is closed"));
    QTRY_VERIFY(counter.paints > 0);
    QCoreApplication::processEvents();
    counter.paints = 0;
    c.setTarget(2, QStringLiteral("#2"), Terminator::bytes("\n"), true);
    QCOMPARE(c.editor()->placeholderText(), QStringLiteral("Type a message; Enter sends, Shift+Enter starts a new line"));
    QTRY_VERIFY(counter.paints > 0);
}

void tst_Composer::repeatAndStop() {
    Composer c;
    c.setTarget(5, QStringLiteral("#5"), Terminator::bytes("\n"), true);
    show(c);
    QSignalSpy repeat(&c, &Composer::repeatRequested);
    QSignalSpy stop(&c, &Composer::stopRequested);
    c.setAppendTerminator(false);
    QVERIFY(!c.repeat(10, 0));  // nothing to repeat
    c.setAppendTerminator(true);
    QTest::keyClicks(c.editor(), "ping");
    QVERIFY(c.repeat(1000, 0));
    QVERIFY(c.repeat(0, 50));
    QCOMPARE(repeat.size(), 2);
    QCOMPARE(repeat.at(0).at(0).toByteArray(), QByteArray("ping\n"));
    QCOMPARE(repeat.at(0).at(1).value<std::uint64_t>(), std::uint64_t(1000));
    QCOMPARE(repeat.at(1).at(2).toInt(), 50);
    c.setFifo(2048, 3);
    const auto stopButtons = c.findChildren<QAbstractButton*>();
    for (QAbstractButton* b : stopButtons)
        if (b->text() == Composer::tr("S&top")) b->click();
    QCOMPARE(stop.size(), 1);
}

void tst_Composer::pastedLinesAreLines() {
    Composer c;
    c.setAskOnPaste(false);  // as after "Remember my choice": a paste follows Lines
    showWithTarget1(c, Terminator::bytes("\r\n"));
    QCOMPARE(c.linesMode(), Composer::LinesMode::EachLine);  // the default
    QApplication::clipboard()->setText(QStringLiteral("USER a\r\nPASS b\r\nQUIT\r\n"));
    c.editor()->paste();
    QCOMPARE(c.editor()->blockCount(), 3);  // the trailing break ends the last line
    QCOMPARE(c.editor()->text(), QStringLiteral("USER a\nPASS b\nQUIT"));
    QVERIFY2(c.noteText().contains(QStringLiteral("3 messages")), qPrintable(c.noteText()));
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 3);  // one push per line
    QCOMPARE(spy.at(0).at(0).toByteArray(), QByteArray("USER a\r\n"));
    QCOMPARE(spy.at(1).at(0).toByteArray(), QByteArray("PASS b\r\n"));
    QCOMPARE(spy.at(2).at(0).toByteArray(), QByteArray("QUIT\r\n"));
    QCOMPARE(c.editor()->text(), QString());
    QCOMPARE(c.editor()->blockCount(), 1);
    // A lone "\n" and a lone "\r" break lines too; other control bytes stay escapes.
    QApplication::clipboard()->setText(QStringLiteral("a\nb\rc\td"));
    c.editor()->paste();
    QCOMPARE(c.editor()->text(), QStringLiteral("a\nb\nc\\td"));
}

void tst_Composer::pastedLinesAsOneMessage() {
    Composer c;
    c.setAskOnPaste(false);
    showWithTarget1(c, Terminator::bytes("\r\n"));
    c.setLinesMode(Composer::LinesMode::OneMessage);
    QApplication::clipboard()->setText(QStringLiteral("USER a\nPASS b"));
    c.editor()->paste();
    QVERIFY2(c.noteText().contains(QStringLiteral("one message")), qPrintable(c.noteText()));
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 1);  // one push, the lines joined by the terminator
    QCOMPARE(spy.at(0).at(0).toByteArray(), QByteArray("USER a\r\nPASS b\r\n"));
    // Without the terminator appended the lines are joined by "\n".
    c.setAppendTerminator(false);
    c.editor()->paste();
    QCOMPARE(c.message().value(), QByteArray("USER a\nPASS b"));
    // The repeat producer takes the whole text.
    c.setLinesMode(Composer::LinesMode::EachLine);
    c.setAppendTerminator(true);
    QCOMPARE(c.message().value(), QByteArray("USER a\r\nPASS b\r\n"));
    QCOMPARE(c.messages().value().size(), 2);
}

void tst_Composer::shiftEnterStartsANewLine() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\n"));
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClicks(c.editor(), "SET k 1");
    QTest::keyClick(c.editor(), Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(spy.size(), 0);  // not sent
    QTest::keyClicks(c.editor(), "GET k");
    QCOMPARE(c.editor()->blockCount(), 2);
    QTest::keyClick(c.editor(), Qt::Key_Enter, Qt::KeypadModifier | Qt::ShiftModifier);
    QCOMPARE(c.editor()->blockCount(), 3);  // the keypad's Enter too
    QTest::keyClick(c.editor(), Qt::Key_Backspace);
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 2);
    QCOMPARE(spy.at(0).at(0).toByteArray(), QByteArray("SET k 1\n"));
    QCOMPARE(spy.at(1).at(0).toByteArray(), QByteArray("GET k\n"));
    // The history keeps the two lines as one entry, and gives them back as two lines.
    QCOMPARE(c.history().constLast(), QStringLiteral("SET k 1\nGET k"));
    QTest::keyClick(c.editor(), Qt::Key_Up);
    QCOMPARE(c.editor()->blockCount(), 2);
    QCOMPARE(c.editor()->text(), QStringLiteral("SET k 1\nGET k"));
}

void tst_Composer::upAndDownMoveBetweenLinesBeforeHistory() {
    Composer c;
    c.setTarget(1, QStringLiteral("#1"), Terminator::bytes("\n"), true);
    c.setHistory({QStringLiteral("old")});
    show(c);
    QTest::keyClicks(c.editor(), "one");
    QTest::keyClick(c.editor(), Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(c.editor(), "two");
    QTest::keyClick(c.editor(), Qt::Key_Up);  // to the first line, not the history
    QCOMPARE(c.editor()->textCursor().blockNumber(), 0);
    QCOMPARE(c.editor()->text(), QStringLiteral("one\ntwo"));
    QTest::keyClick(c.editor(), Qt::Key_Up);  // now the history
    QCOMPARE(c.editor()->text(), QStringLiteral("old"));
    QTest::keyClick(c.editor(), Qt::Key_Down);  // back to the draft
    QCOMPARE(c.editor()->text(), QStringLiteral("one\ntwo"));
}

void tst_Composer::aMistakeOnOneLineBlocksAll() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\n"));
    QTest::keyClicks(c.editor(), "fine");
    QTest::keyClick(c.editor(), Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(c.editor(), "bad \\xZZ");
    QVERIFY(!c.editor()->isValid());
    QVERIFY2(c.editor()->errorMessage().startsWith(QStringLiteral("Line 2")), qPrintable(c.editor()->errorMessage()));
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 0);  // not the first line alone either
    QVERIFY(!c.messages().has_value());
    QVERIFY(!c.sendButton()->isEnabled());
}

void tst_Composer::fieldGrowsWithItsLines() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\n"));
    const int one = c.editor()->height();
    QTest::keyClick(c.editor(), Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClick(c.editor(), Qt::Key_Return, Qt::ShiftModifier);
    const int three = c.editor()->height();
    QCOMPARE(three - one, 2 * c.editor()->fontMetrics().lineSpacing());
    for (int i = 0; i < 20; ++i) QTest::keyClick(c.editor(), Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(c.editor()->height(),
             one + (ui::EscapeEdit::kMaxVisibleLines - 1) * c.editor()->fontMetrics().lineSpacing());  // then it scrolls
    c.editor()->setText({});
    QCOMPARE(c.editor()->height(), one);
}

void tst_Composer::snippetClickSends() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\r\n"));
    c.snippetBar()->setSnippets({{QStringLiteral("PING"), QStringLiteral("PING"), QString()},
                                 {QStringLiteral("login"), QStringLiteral("USER a\nPASS \\x62"), QString()}});
    QCOMPARE(c.snippetBar()->buttons().size(), 2);
    QTest::keyClicks(c.editor(), "typed");
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::mouseClick(c.snippetBar()->buttons().at(0), Qt::LeftButton);
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toByteArray(), QByteArray("PING\r\n"));
    QCOMPARE(c.editor()->text(), QStringLiteral("typed"));  // the field is left alone
    QTest::mouseClick(c.snippetBar()->buttons().at(1), Qt::LeftButton);  // two lines: two messages
    QCOMPARE(spy.size(), 3);
    QCOMPARE(spy.at(1).at(0).toByteArray(), QByteArray("USER a\r\n"));
    QCOMPARE(spy.at(2).at(0).toByteArray(), QByteArray("PASS b\r\n"));
    // A target that cannot send: the buttons are disabled, and a call says why.
    c.setTarget(1, QStringLiteral("#1"), Terminator::bytes("\r\n"), false, QStringLiteral("#1 is closed"));
    QVERIFY(!c.snippetBar()->buttons().at(0)->isEnabled());
    QVERIFY(!c.sendText(QStringLiteral("PING")));
    QCOMPARE(spy.size(), 3);
    QVERIFY(c.noteText().contains(QStringLiteral("closed")));
}

void tst_Composer::snippetsFollowTheScope() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\r\n"));
    c.snippetBar()->setSnippets({{QStringLiteral("all"), QStringLiteral("A"), QString()},
                                 {QStringLiteral("redis"), QStringLiteral("PING"), QStringLiteral("protocol:redis")},
                                 {QStringLiteral("here"), QStringLiteral("H"), QStringLiteral("endpoint:127.0.0.1:6379")}});
    const auto names = [&c] {
        QStringList out;
        for (QToolButton* b : c.snippetBar()->buttons()) out << b->text();
        return out;
    };
    c.setSnippetScope(QString(), QStringLiteral("127.0.0.1:7000"));
    QCOMPARE(names(), QStringList{QStringLiteral("all")});
    c.setSnippetScope(QStringLiteral("redis"), QStringLiteral("127.0.0.1:7000"));
    QCOMPARE(names(), (QStringList{QStringLiteral("all"), QStringLiteral("redis")}));
    c.setSnippetScope(QString(), QStringLiteral("127.0.0.1:6379"));
    QCOMPARE(names(), (QStringList{QStringLiteral("all"), QStringLiteral("here")}));
    // Kept as JSON and read back; entries without a name or a text are dropped.
    const QByteArray json = ui::SnippetBar::toJson(c.snippetBar()->snippets());
    QCOMPARE(ui::SnippetBar::fromJson(json), c.snippetBar()->snippets());
    QCOMPARE(ui::SnippetBar::fromJson(R"([{"name":"","text":"x"},{"name":"n","text":""},"junk",{"name":"ok","text":"t"}])").size(), 1);
    QVERIFY(ui::SnippetBar::fromJson("not json").isEmpty());
}

void tst_Composer::snippetEditorAddsEditsRemoves() {
    Composer c;
    c.setTarget(1, QStringLiteral("#1"), Terminator::bytes("\n"), true);
    c.setSnippetScope(QStringLiteral("redis"), QStringLiteral("127.0.0.1:6379"));
    show(c);
    QSignalSpy changed(c.snippetBar(), &ui::SnippetBar::changed);
    QTest::mouseClick(c.snippetBar()->addButton(), Qt::LeftButton);
    auto* dialog = c.findChild<QDialog*>(QStringLiteral("snippetEditor"));
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible() && QApplication::activeModalWidget() == dialog);  // window-modal, not a nested loop
    auto* save = dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Save);
    QVERIFY(!save->isEnabled());  // no name, no text
    dialog->findChild<QLineEdit*>(QStringLiteral("name"))->setText(QStringLiteral("GET k"));
    auto* text = dialog->findChild<ui::EscapeEdit*>(QStringLiteral("text"));
    text->setFocus();
    QTest::keyClicks(text, "GET \\xZ");
    QVERIFY(!save->isEnabled());  // a mistake
    QTest::keyClick(text, Qt::Key_Backspace);
    QTest::keyClicks(text, "6b");
    QVERIFY(save->isEnabled());
    auto* scope = dialog->findChild<QComboBox*>(QStringLiteral("scope"));
    scope->setCurrentIndex(scope->findData(QStringLiteral("protocol:redis")));
    QTest::mouseClick(save, Qt::LeftButton);
    QTRY_VERIFY(c.findChild<QDialog*>(QStringLiteral("snippetEditor")) == nullptr);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(c.snippetBar()->snippets().size(), 1);
    QCOMPARE(c.snippetBar()->snippets().at(0),
             (ui::Snippet{QStringLiteral("GET k"), QStringLiteral("GET \\x6b"), QStringLiteral("protocol:redis")}));
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::mouseClick(c.snippetBar()->buttons().at(0), Qt::LeftButton);
    QCOMPARE(spy.at(0).at(0).toByteArray(), QByteArray("GET k\n"));
    // Edit: the dialog opens on it; renamed.
    dialog = c.snippetBar()->openEditor(0);
    QCOMPARE(dialog->findChild<QLineEdit*>(QStringLiteral("name"))->text(), QStringLiteral("GET k"));
    dialog->findChild<QLineEdit*>(QStringLiteral("name"))->setText(QStringLiteral("get"));
    dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Save)->click();
    QCOMPARE(c.snippetBar()->snippets().at(0).name, QStringLiteral("get"));
    QCOMPARE(c.snippetBar()->buttons().at(0)->text(), QStringLiteral("get"));
    // Cancel changes nothing; remove removes.
    dialog = c.snippetBar()->openEditor(0);
    dialog->findChild<QLineEdit*>(QStringLiteral("name"))->setText(QStringLiteral("nope"));
    dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Cancel)->click();
    QCOMPARE(c.snippetBar()->snippets().at(0).name, QStringLiteral("get"));
    c.snippetBar()->removeSnippet(0);
    QVERIFY(c.snippetBar()->buttons().isEmpty());
    QCOMPARE(changed.size(), 3);
}

void tst_Composer::toAllOnlyForAListenerWithConnections() {
    Composer c;
    c.setTarget(1, QStringLiteral("#1"), Terminator::bytes("\r\n"), false, QStringLiteral("#1 is a listener"));
    show(c);
    QSignalSpy spy(&c, &Composer::sendRequested);
    QVERIFY(c.toAllBox()->isHidden());  // the owner has not said it is a listener
    c.setListenerConnections(0);
    QVERIFY(!c.toAllBox()->isHidden());
    QVERIFY(!c.toAllBox()->isEnabled());  // no connection yet
    c.setListenerConnections(2);
    QVERIFY(c.toAllBox()->isEnabled());
    QVERIFY(c.toAllBox()->text().contains(QLatin1String("2")));
    QTest::keyClicks(c.editor(), "hi");
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 0);  // not checked: a listener cannot send
    QVERIFY(!c.toAll());
    c.toAllBox()->setChecked(true);
    QVERIFY(c.toAll());
    QVERIFY(c.sendButton()->isEnabled());
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toByteArray(), QByteArray("hi\r\n"));
    // Another target (a client): the box goes, and with it the fan-out.
    c.setTarget(2, QStringLiteral("#2"), Terminator::bytes("\r\n"), true);
    QVERIFY(c.toAllBox()->isHidden());
    QVERIFY(!c.toAll());
    // The listener's connections all closed: nothing goes to all.
    c.setTarget(1, QStringLiteral("#1"), Terminator::bytes("\r\n"), false, QStringLiteral("#1 is a listener"));
    c.setListenerConnections(2);
    QVERIFY(!c.toAllBox()->isChecked());  // chosen again for each selection
    c.toAllBox()->setChecked(true);
    QVERIFY(c.toAll());
    c.setListenerConnections(0);
    QVERIFY(!c.toAll());
    QVERIFY(!c.sendText(QStringLiteral("x")));
}

// A paste of many lines asks: as many messages, as one, or cancel (the
// field as it was); "Remember my choice" stops the asking.
void tst_Composer::pasteOfManyLinesAsks() {
    Composer c;
    showWithTarget1(c, Terminator::bytes("\r\n"));
    QVERIFY(c.askOnPaste());  // the default
    QSignalSpy remembered(&c, &Composer::askOnPasteChanged);
    const auto question = [&c] { return c.findChild<QMessageBox*>(QStringLiteral("pasteQuestion")); };
    const auto answer = [&](const char* button, bool remember) {
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = question()) != nullptr && box->isVisible());
        QVERIFY2(box->text().contains(QLatin1String("2 lines")), qPrintable(box->text()));
        box->checkBox()->setChecked(remember);
        auto* b = box->findChild<QPushButton*>(QString::fromLatin1(button));
        QVERIFY(b);
        b->click();
        QTRY_VERIFY(question() == nullptr);
    };
    // One line: no question.
    QApplication::clipboard()->setText(QStringLiteral("single"));
    c.editor()->paste();
    QVERIFY(question() == nullptr);
    QCOMPARE(c.editor()->text(), QStringLiteral("single"));
    c.editor()->setText(QString());

    // As one message: the mode follows the answer.
    QApplication::clipboard()->setText(QStringLiteral("USER a\r\nPASS b\r\n"));
    c.editor()->paste();
    answer("pasteOne", false);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(c.linesMode(), Composer::LinesMode::OneMessage);
    QVERIFY2(c.noteText().contains(QStringLiteral("one message")), qPrintable(c.noteText()));
    QCOMPARE(c.messages().value().size(), 1);
    QCOMPARE(c.message().value(), QByteArray("USER a\r\nPASS b\r\n"));
    QVERIFY(c.askOnPaste());
    QCOMPARE(remembered.size(), 0);

    // Cancel: the field is back as it was before the paste.
    c.editor()->setText(QStringLiteral("kept"));
    QTextCursor end = c.editor()->textCursor();
    end.movePosition(QTextCursor::End);
    c.editor()->setTextCursor(end);
    c.editor()->paste();
    QCOMPARE(c.editor()->text(), QStringLiteral("keptUSER a\nPASS b"));
    answer("pasteCancel", false);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(c.editor()->text(), QStringLiteral("kept"));
    QCOMPARE(c.linesMode(), Composer::LinesMode::OneMessage);  // unchanged
    c.editor()->setText(QString());

    // As many messages, remembered: no more questions, a paste follows Lines.
    c.editor()->paste();
    answer("pasteEach", true);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(c.linesMode(), Composer::LinesMode::EachLine);
    QCOMPARE(c.messages().value().size(), 2);
    QVERIFY(!c.askOnPaste());
    QCOMPARE(remembered.size(), 1);
    QCOMPARE(remembered.at(0).at(0).toBool(), false);
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.size(), 2);
    c.editor()->paste();
    QVERIFY(question() == nullptr);
    QVERIFY2(c.noteText().contains(QStringLiteral("2 messages")), qPrintable(c.noteText()));
}

// "to all N connections" covers Send file, Repeat and Stop, not only Enter.
void tst_Composer::toAllCoversFileRepeatAndStop() {
    Composer c;
    c.setTarget(1, QStringLiteral("#1"), Terminator::bytes("\r\n"), false, QStringLiteral("#1 is a listener"));
    show(c);
    QSignalSpy repeat(&c, &Composer::repeatRequested);
    QSignalSpy file(&c, &Composer::sendFileRequested);
    QSignalSpy stop(&c, &Composer::stopRequested);
    c.setListenerConnections(2);
    c.editor()->setText(QStringLiteral("ping"));
    const auto button = [&c](const QString& text) -> QAbstractButton* {
        for (QAbstractButton* b : c.findChildren<QAbstractButton*>())
            if (b->text() == text) return b;
        return nullptr;
    };
    QAbstractButton* repeatButton = button(Composer::tr("&Repeat"));
    QAbstractButton* fileButton = button(Composer::tr("Send &file…"));
    QAbstractButton* stopButton = button(Composer::tr("S&top"));
    QVERIFY(repeatButton && fileButton && stopButton);
    // Not checked: a listener cannot take them.
    QVERIFY(!repeatButton->isEnabled());
    QVERIFY(!fileButton->isEnabled());
    QVERIFY(!c.repeat(3, 0));
    c.sendFile(QStringLiteral("/etc/hostname"));
    QCOMPARE(repeat.size(), 0);
    QCOMPARE(file.size(), 0);
    // Checked: all three go (the owner fans them out).
    c.toAllBox()->setChecked(true);
    QVERIFY(repeatButton->isEnabled());
    QVERIFY(fileButton->isEnabled());
    QVERIFY(stopButton->isEnabled());
    QVERIFY(c.repeat(3, 0));
    QCOMPARE(repeat.size(), 1);
    QCOMPARE(repeat.at(0).at(0).toByteArray(), QByteArray("ping\r\n"));
    c.sendFile(QStringLiteral("/etc/hostname"));
    QCOMPARE(file.size(), 1);
    stopButton->click();
    QCOMPARE(stop.size(), 1);
    // The connections all closed: nothing goes.
    c.setListenerConnections(0);
    QVERIFY(!c.repeat(3, 0));
    QVERIFY(!repeatButton->isEnabled());
}

QTEST_MAIN(tst_Composer)
#include "tst_Composer.moc"
