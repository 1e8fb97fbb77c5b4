// tst_ViewColors.cpp — the colours the views add to the palette read on it:
// every text colour reaches the WCAG contrast ratio for text (4.5:1) on the
// backgrounds it is drawn on, in the light and the dark palette and in a
// system palette we cannot predict (a mid-grey one); the highlighted source
// line stays readable and visible (issue 18, item 7: idle-pass rows and the
// example's current line were nearly unreadable in the dark palette).
#include "ui/views/ColorScheme.h"
#include "ui/views/ViewColors.h"

#include <QApplication>
#include <QTest>

using ui::ViewColors;

class tst_ViewColors : public QObject {
    Q_OBJECT
private slots:
    void contrastRatio();
    void readableOnMovesOnlyWhatItMust();
    void textRolesAreReadable_data();
    void textRolesAreReadable();
};

namespace {

QPalette greyPalette() {
    QPalette p;
    p.setColor(QPalette::Base, QColor(0x90, 0x90, 0x90));
    p.setColor(QPalette::Window, QColor(0x88, 0x88, 0x88));
    p.setColor(QPalette::Text, Qt::black);
    p.setColor(QPalette::WindowText, Qt::black);
    p.setColor(QPalette::Highlight, QColor(0x30, 0x60, 0xc0));
    return p;
}

QPalette lowContrastDark() {  // a dark theme with a pale highlight and grey text
    QPalette p = ui::darkPalette();
    p.setColor(QPalette::Text, QColor(0xb0, 0xb0, 0xb0));
    p.setColor(QPalette::Highlight, QColor(0x9a, 0xc0, 0xff));
    return p;
}

QString ratio(const QColor& a, const QColor& b) {
    return QStringLiteral("%1 on %2: %3").arg(a.name(), b.name()).arg(ViewColors::contrast(a, b), 0, 'f', 2);
}

}  // namespace

void tst_ViewColors::contrastRatio() {
    QCOMPARE(qRound(ViewColors::contrast(Qt::black, Qt::white) * 100), 2100);
    QCOMPARE(ViewColors::contrast(Qt::white, Qt::black), ViewColors::contrast(Qt::black, Qt::white));
    QCOMPARE(ViewColors::contrast(QColor(0x77, 0x77, 0x77), QColor(0x77, 0x77, 0x77)), 1.0);
    // #767676 on white is the classic 4.54:1.
    QCOMPARE(qRound(ViewColors::contrast(QColor(0x76, 0x76, 0x76), Qt::white) * 100), 454);
}

void tst_ViewColors::readableOnMovesOnlyWhatItMust() {
    const QColor navy(0x10, 0x20, 0x80);
    QCOMPARE(ViewColors::readableOn(navy, Qt::white), navy);  // already readable: untouched
    const QColor darkOnDark(0x30, 0x30, 0x50);
    const QColor bg(0x1e, 0x1f, 0x22);
    const QColor moved = ViewColors::readableOn(darkOnDark, bg);
    QVERIFY2(ViewColors::contrast(moved, bg) >= ViewColors::kReadable, qPrintable(ratio(moved, bg)));
    QVERIFY(moved.lightness() > darkOnDark.lightness());  // lighter on a dark background
    const QColor paleOnLight(0xd0, 0xd0, 0xff);
    const QColor darker = ViewColors::readableOn(paleOnLight, Qt::white);
    QVERIFY2(ViewColors::contrast(darker, Qt::white) >= ViewColors::kReadable, qPrintable(ratio(darker, Qt::white)));
    QVERIFY(darker.lightness() < paleOnLight.lightness());
}

void tst_ViewColors::textRolesAreReadable_data() {
    QTest::addColumn<QPalette>("palette");
    QTest::newRow("light") << ui::lightPalette();
    QTest::newRow("dark") << ui::darkPalette();
    QTest::newRow("grey system") << greyPalette();
    QTest::newRow("low-contrast dark") << lowContrastDark();
}

void tst_ViewColors::textRolesAreReadable() {
    QFETCH(QPalette, palette);
    const ViewColors c = ViewColors::forPalette(palette);
    const QColor base = palette.color(QPalette::Base);
    const QColor window = palette.color(QPalette::Window);
    const struct {
        const char* name;
        QColor color;
    } roles[] = {{"escape", c.escape},   {"incoming", c.incoming}, {"outgoing", c.outgoing}, {"error", c.error},
                 {"warning", c.warning}, {"muted", c.muted},       {"good", c.good},         {"quiet", c.quiet}};
    for (const auto& r : roles) {
        QVERIFY2(ViewColors::contrast(r.color, base) >= ViewColors::kReadable,
                 qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(r.name), ratio(r.color, base))));
        QVERIFY2(ViewColors::contrast(r.color, window) >= ViewColors::kReadable,
                 qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(r.name), ratio(r.color, window))));
    }
    QVERIFY2(ViewColors::contrast(c.terminator, c.terminatorBg) >= ViewColors::kReadable,
             qPrintable(ratio(c.terminator, c.terminatorBg)));
    QVERIFY2(ViewColors::contrast(c.error, c.errorBg) >= ViewColors::kReadable, qPrintable(ratio(c.error, c.errorBg)));
    // The highlighted line: the text reads on it, and it shows.
    const QColor text = palette.color(QPalette::Text);
    QVERIFY2(ViewColors::contrast(text, c.lineHighlight) >= ViewColors::kReadable, qPrintable(ratio(text, c.lineHighlight)));
    QVERIFY2(c.lineHighlight != base, qPrintable(c.lineHighlight.name()));
    // Quiet rows are quieter than text, not the same.
    QVERIFY(ViewColors::contrast(c.quiet, base) < ViewColors::contrast(text, base));
}

QTEST_MAIN(tst_ViewColors)
#include "tst_ViewColors.moc"
