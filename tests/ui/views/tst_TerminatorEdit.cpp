// tst_TerminatorEdit.cpp — the terminator editor: presets, count, none,
// custom escaped bytes, and invalid escapes marked in place.
#include "engine/asyncore/Escape.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/TerminatorEdit.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <QTextBlock>
#include <QTextLayout>
#include <QVBoxLayout>

using engine::Terminator;
using ui::TerminatorEdit;

class tst_TerminatorEdit : public QObject {
    Q_OBJECT
private slots:
    void presets_data();
    void presets();
    void roundTrip_data();
    void roundTrip();
    void customInvalidEscapeIsMarkedInPlace();
    void customEmptyIsInvalid();
    void presetChosenByKeyboardCommits();
    void browsingPresetsAppliesOnlyWhenChosen();
    void enterInCustomCommits();
    void enterInCountCommits();
};

void tst_TerminatorEdit::presets_data() {
    QTest::addColumn<int>("choice");
    QTest::addColumn<QString>("spec");
    QTest::newRow("crlf") << int(TerminatorEdit::Crlf) << "\\r\\n";
    QTest::newRow("lf") << int(TerminatorEdit::Lf) << "\\n";
    QTest::newRow("blank line") << int(TerminatorEdit::BlankLine) << "\\r\\n\\r\\n";
    QTest::newRow("nul") << int(TerminatorEdit::Nul) << "\\0";
    QTest::newRow("count") << int(TerminatorEdit::Count) << "count:16";
    QTest::newRow("none") << int(TerminatorEdit::None) << "none";
}

void tst_TerminatorEdit::presets() {
    QFETCH(int, choice);
    QFETCH(QString, spec);
    TerminatorEdit edit;
    edit.setChoice(static_cast<TerminatorEdit::Choice>(choice));
    QVERIFY(edit.isValid());
    QCOMPARE(edit.spec(), spec);
}

void tst_TerminatorEdit::roundTrip_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("choice");
    QTest::newRow("crlf") << "\\r\\n" << int(TerminatorEdit::Crlf);
    QTest::newRow("nul") << "\\0" << int(TerminatorEdit::Nul);
    QTest::newRow("count 5") << "count:5" << int(TerminatorEdit::Count);
    QTest::newRow("none") << "none" << int(TerminatorEdit::None);
    QTest::newRow("custom") << "END\\n" << int(TerminatorEdit::Custom);
    QTest::newRow("custom hex") << "\\xff\\xfe" << int(TerminatorEdit::Custom);
}

void tst_TerminatorEdit::roundTrip() {
    QFETCH(QString, spec);
    QFETCH(int, choice);
    TerminatorEdit edit;
    const QByteArray utf8 = spec.toUtf8();
    const auto t = engine::parseTerminatorSpec(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())));
    QVERIFY(t);
    edit.setTerminator(*t);
    QCOMPARE(int(edit.choice()), choice);
    QVERIFY(edit.terminator().has_value());
    QVERIFY(*edit.terminator() == *t);
    QCOMPARE(edit.spec(), spec);
}

void tst_TerminatorEdit::customInvalidEscapeIsMarkedInPlace() {
    TerminatorEdit edit;
    edit.show();
    QVERIFY(QTest::qWaitForWindowExposed(&edit));
    QSignalSpy validity(&edit, &TerminatorEdit::validityChanged);
    edit.setChoice(TerminatorEdit::Custom);
    edit.customEdit()->setFocus();
    QTest::keyClicks(edit.customEdit(), "ab\\q");
    QVERIFY(!edit.isValid());
    QVERIFY(!edit.terminator());
    QCOMPARE(edit.spec(), QString());
    QVERIFY2(edit.errorMessage().contains(QLatin1String("position 3")), qPrintable(edit.errorMessage()));
    QVERIFY(!validity.isEmpty());
    QCOMPARE(validity.constLast().at(0).toBool(), false);
    // The error note is shown under the fields.
    const auto labels = edit.findChildren<QLabel*>();
    bool noteShown = false;
    for (QLabel* l : labels) noteShown |= l->isVisible() && l->text() == edit.errorMessage();
    QVERIFY(noteShown);
    // The offending "\q" (characters 2..3) carries a wavy underline.
    const QTextLayout* layout = edit.customEdit()->document()->firstBlock().layout();
    bool marked = false;
    for (const QTextLayout::FormatRange& r : layout->formats()) {
        if (r.format.underlineStyle() == QTextCharFormat::WaveUnderline) {
            QCOMPARE(r.start, 2);
            QCOMPARE(r.length, 2);
            marked = true;
        }
    }
    QVERIFY(marked);
    // Fixing it makes the value valid again.
    QTest::keyClick(edit.customEdit(), Qt::Key_Backspace);
    QTest::keyClicks(edit.customEdit(), "r\\n");
    QVERIFY(edit.isValid());
    QCOMPARE(edit.spec(), QStringLiteral("ab\\r\\n"));
    QCOMPARE(validity.constLast().at(0).toBool(), true);
}

void tst_TerminatorEdit::customEmptyIsInvalid() {
    TerminatorEdit edit;
    edit.setChoice(TerminatorEdit::Custom);
    QVERIFY(!edit.isValid());
    QVERIFY(!edit.errorMessage().isEmpty());
}

void tst_TerminatorEdit::presetChosenByKeyboardCommits() {
    TerminatorEdit edit;
    edit.setChoice(TerminatorEdit::Crlf);
    edit.show();
    QVERIFY(QTest::qWaitForWindowActive(&edit));
    QSignalSpy committed(&edit, &TerminatorEdit::committed);
    edit.presetBox()->setFocus();
    QTest::keyClick(edit.presetBox(), Qt::Key_Down);  // \r\n -> \n: passed over, not chosen
    QCOMPARE(committed.size(), 0);
    QTest::keyClick(edit.presetBox(), Qt::Key_Return);  // chosen
    QCOMPARE(committed.size(), 1);
    QVERIFY(committed.at(0).at(0).value<Terminator>() == Terminator::bytes("\n"));
}

// Issue 18, bug 2: arrowing through the closed list applied every preset it
// passed over. It applies what is chosen, once: Enter, leaving the list, or
// a pick in the open list.
void tst_TerminatorEdit::browsingPresetsAppliesOnlyWhenChosen() {
    QWidget window;
    auto* edit = new TerminatorEdit(&window);
    auto* elsewhere = new QLineEdit(&window);
    auto* col = new QVBoxLayout(&window);
    col->addWidget(edit);
    col->addWidget(elsewhere);
    edit->setChoice(TerminatorEdit::Crlf);
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QSignalSpy committed(edit, &TerminatorEdit::committed);
    QComboBox* presets = edit->presetBox();
    presets->setFocus();
    QVERIFY(presets->hasFocus());

    // Down, Down, Down: \n, \r\n\r\n, \0 — shown, none applied.
    for (int i = 0; i < 3; ++i) QTest::keyClick(presets, Qt::Key_Down);
    QCOMPARE(edit->choice(), TerminatorEdit::Nul);
    QCOMPARE(committed.size(), 0);
    // Up: \r\n\r\n. Enter applies it, once.
    QTest::keyClick(presets, Qt::Key_Up);
    QCOMPARE(committed.size(), 0);
    QTest::keyClick(presets, Qt::Key_Return);
    QCOMPARE(committed.size(), 1);
    QVERIFY(committed.at(0).at(0).value<Terminator>() == Terminator::bytes("\r\n\r\n"));
    QTest::keyClick(presets, Qt::Key_Return);
    elsewhere->setFocus();
    QCOMPARE(committed.size(), 1);

    // Browsing, then leaving the list: the value left on applies, once.
    presets->setFocus();
    QTest::keyClick(presets, Qt::Key_Up);  // \n
    QTest::keyClick(presets, Qt::Key_Up);  // \r\n
    QCOMPARE(committed.size(), 1);
    elsewhere->setFocus();
    QCOMPARE(committed.size(), 2);
    QVERIFY(committed.at(1).at(0).value<Terminator>() == Terminator::bytes("\r\n"));
    presets->setFocus();
    elsewhere->setFocus();
    QCOMPARE(committed.size(), 2);

    // Browsing onto Byte count only shows the count; Enter there applies it.
    presets->setFocus();
    for (int i = 0; i < 4; ++i) QTest::keyClick(presets, Qt::Key_Down);
    QCOMPARE(edit->choice(), TerminatorEdit::Count);
    QVERIFY(presets->hasFocus());  // the focus did not jump into the count while passing
    QTest::keyClick(presets, Qt::Key_Return);
    QCOMPARE(committed.size(), 2);

    // The open list: a pick applies at once.
    presets->showPopup();
    QAbstractItemView* list = presets->view();
    QTRY_VERIFY(list->isVisible());
    list->setCurrentIndex(list->model()->index(int(TerminatorEdit::Lf), 0));
    QTest::keyClick(list, Qt::Key_Return);
    QCOMPARE(committed.size(), 3);
    QVERIFY(committed.at(2).at(0).value<Terminator>() == Terminator::bytes("\n"));
    elsewhere->setFocus();
    QCOMPARE(committed.size(), 3);
}

void tst_TerminatorEdit::enterInCustomCommits() {
    TerminatorEdit edit;
    edit.show();
    QVERIFY(QTest::qWaitForWindowExposed(&edit));
    QSignalSpy committed(&edit, &TerminatorEdit::committed);
    edit.setChoice(TerminatorEdit::Custom);
    edit.customEdit()->setFocus();
    QTest::keyClicks(edit.customEdit(), "\\x");
    QTest::keyClick(edit.customEdit(), Qt::Key_Return);
    QCOMPARE(committed.size(), 0);  // invalid: nothing committed
    QTest::keyClicks(edit.customEdit(), "04");
    QTest::keyClick(edit.customEdit(), Qt::Key_Return);
    QCOMPARE(committed.size(), 1);
    QVERIFY(committed.at(0).at(0).value<Terminator>() == Terminator::bytes("\x04"));
}

void tst_TerminatorEdit::enterInCountCommits() {
    TerminatorEdit edit;
    edit.show();
    QVERIFY(QTest::qWaitForWindowExposed(&edit));
    QSignalSpy committed(&edit, &TerminatorEdit::committed);
    edit.setChoice(TerminatorEdit::Count);
    edit.countBox()->setFocus();
    edit.countBox()->selectAll();
    QTest::keyClicks(edit.countBox(), "42");
    QTest::keyClick(edit.countBox(), Qt::Key_Enter);
    QCOMPARE(committed.size(), 1);
    QVERIFY(committed.at(0).at(0).value<Terminator>() == Terminator::count(42));
}

QTEST_MAIN(tst_TerminatorEdit)
#include "tst_TerminatorEdit.moc"
