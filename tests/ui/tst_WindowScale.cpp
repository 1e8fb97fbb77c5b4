// tst_WindowScale.cpp — the main window on a small logical screen: 800x500
// logical pixels, as a 1600x1000 screen is at QT_SCALE_FACTOR=2 (built twice:
// LW_TEST_SCALE 1 on an 800x500 screen, 2 on a 1600x1000 one). Issue 18,
// item 6: the window's minimum was 897 px wide (the conversation's filter bar
// and the composer's tools in one row each, beside the side panels), so it
// could not fit; now those rows wrap (FlowLayout), the READ-ONLY indicator is
// capped, and the Bytes panel's Hex tab asks for one 16-byte row by a size
// hint, not a minimum.
// The offscreen platform is given the screen (its configfile), and the scale
// factor is set, before the application starts (see main()).
#include "ui/MainWindow.h"
#include "ui/views/Composer.h"
#include "ui/views/ConversationView.h"
#include "ui/views/FlowLayout.h"
#include "ui/views/PayloadView.h"
#include "OffscreenScreen.h"
#include "WindowTestSupport.h"

#include <QApplication>
#include <QDockWidget>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTest>

#ifndef LW_TEST_SCALE
#error "LW_TEST_SCALE (1 or 2) is set by tests/ui/CMakeLists.txt"
#endif

using ui::MainWindow;

class tst_WindowScale : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void theScreenIsSmall();
    void minimumFitsTheScreen();
    void rowsWrapInsteadOfClipping();
    void readOnlyIndicatorIsCapped();
    void hexTabHintIsNotAMinimum();
};

namespace {

const QRect kLogicalScreen(0, 0, 800, 500);

using uitest::shown;

QString sizeText(const QSize& s) {
    return QStringLiteral("%1x%2").arg(s.width()).arg(s.height());
}

// Every visible child widget of `parent` lies inside it, whole, and no two overlap.
QString clipped(QWidget* parent) {
    QList<QRect> seen;
    for (QWidget* c : parent->findChildren<QWidget*>(Qt::FindDirectChildrenOnly)) {
        if (!c->isVisible() || c->isWindow()) continue;
        if (!parent->rect().contains(c->geometry()))
            return QStringLiteral("%1 at %2,%3 %4 outside %5")
                .arg(c->metaObject()->className())
                .arg(c->x())
                .arg(c->y())
                .arg(sizeText(c->size()), sizeText(parent->size()));
        for (const QRect& r : seen)
            if (r.intersects(c->geometry())) return QStringLiteral("%1 overlaps another").arg(c->metaObject()->className());
        seen.append(c->geometry());
    }
    return {};
}

}  // namespace

void tst_WindowScale::initTestCase() {
    uitest::useTestSettings(QStringLiteral("linewright-test-scale"));
}

void tst_WindowScale::init() {
    QSettings().clear();
}

void tst_WindowScale::theScreenIsSmall() {
    lwtest::screenIs(kLogicalScreen, qreal(LW_TEST_SCALE));
}

// Failed before: the minimum was 897x318 (logical) at either scale.
void tst_WindowScale::minimumFitsTheScreen() {
    MainWindow w;
    QVERIFY(shown(w));
    const QSize min = w.minimumSize().expandedTo(w.minimumSizeHint());
    QVERIFY2(min.width() <= kLogicalScreen.width() && min.height() <= kLogicalScreen.height(),
             qPrintable(QStringLiteral("minimum %1 on %2").arg(sizeText(min), sizeText(kLogicalScreen.size()))));
    QVERIFY2(kLogicalScreen.contains(w.frameGeometry()),
             qPrintable(QStringLiteral("window %1,%2 %3").arg(w.x()).arg(w.y()).arg(sizeText(w.frameGeometry().size()))));
}

// At the screen's size the filter bar and the composer's tools wrap onto
// more lines; nothing in them is cut or overlaps; the message field stays usable.
void tst_WindowScale::rowsWrapInsteadOfClipping() {
    MainWindow w;
    QVERIFY(shown(w));
    w.resize(kLogicalScreen.size() - QSize(20, 40));  // less the frame
    auto* conversation = w.conversation();  // the window's (the script pane has one of its own)
    auto* composer = w.findChild<ui::Composer*>();
    QVERIFY(conversation && composer);
    QWidget* filterBar = nullptr;
    for (QWidget* c : conversation->findChildren<QWidget*>(Qt::FindDirectChildrenOnly))
        if (dynamic_cast<ui::FlowLayout*>(c->layout())) filterBar = c;
    QVERIFY(filterBar);
    QList<ui::FlowLayout*> rows;  // the message line, the tools (not the snippet strip's, a widget of its own)
    for (ui::FlowLayout* l : composer->findChildren<ui::FlowLayout*>())
        if (l->parentWidget() == composer) rows << l;
    QCOMPARE(rows.size(), 2);
    ui::FlowLayout* tools = rows.last();
    QTRY_VERIFY(w.centralWidget()->width() < 600);
    QTRY_VERIFY2(clipped(filterBar).isEmpty(), qPrintable(clipped(filterBar)));
    QTRY_VERIFY2(clipped(composer).isEmpty(), qPrintable(clipped(composer)));
    auto* bar = static_cast<ui::FlowLayout*>(filterBar->layout());
    QVERIFY2(bar->lineCount() > 1 || tools->lineCount() > 1,
             qPrintable(QStringLiteral("central %1").arg(w.centralWidget()->width())));
    // The wrapped lines have their height: the filter bar is as tall as its lines need.
    QTRY_VERIFY2(filterBar->height() >= bar->heightForWidth(filterBar->width()),
                 qPrintable(QStringLiteral("%1 < %2").arg(filterBar->height()).arg(bar->heightForWidth(filterBar->width()))));
    auto* filter = filterBar->findChild<QLineEdit*>();
    QVERIFY(filter);
    QVERIFY2(filter->width() >= filter->minimumSizeHint().width(), qPrintable(QString::number(filter->width())));

    // Wide again: one line each, as a QHBoxLayout would have them.
    w.resize(1500, 480);
    QTRY_VERIFY(w.centralWidget()->width() > bar->sizeHint().width() + 20);
    QTRY_COMPARE(bar->lineCount(), 1);
    for (ui::FlowLayout* r : rows) QTRY_COMPARE(r->lineCount(), 1);
    QVERIFY(clipped(filterBar).isEmpty());
    QVERIFY(clipped(composer).isEmpty());
}

// The status bar's recording indicator ("READ-ONLY <session name>") does not
// grow with the name: the messages keep their room.
void tst_WindowScale::readOnlyIndicatorIsCapped() {
    MainWindow w;
    QVERIFY(shown(w));
    auto* indicator = w.findChild<QLabel*>(QStringLiteral("recordingIndicator"));
    QVERIFY(indicator);
    const int cap = indicator->maximumWidth();
    QVERIFY2(cap <= kLogicalScreen.width() / 2, qPrintable(QString::number(cap)));
    indicator->setText(QStringLiteral("<b>READ-ONLY</b> ") + QString(200, u'n') + QStringLiteral(".lwsession"));
    QTRY_VERIFY(indicator->width() <= cap);
    w.statusBar()->showMessage(QStringLiteral("Ready."));
    QVERIFY(w.statusBar()->width() - indicator->width() > kLogicalScreen.width() / 3);
}

// The Hex tab's 16-byte row is the Bytes panel's size hint, not its minimum
// (a minimum pushed the window's to 1,365 px).
void tst_WindowScale::hexTabHintIsNotAMinimum() {
    MainWindow w;
    QVERIFY(shown(w));
    auto* bytes = w.findChild<ui::PayloadView*>();
    QVERIFY(bytes);
    const int row = bytes->hexRowWidth();
    QVERIFY(row > 300);
    QVERIFY2(bytes->sizeHint().width() >= row, qPrintable(QStringLiteral("%1 < %2").arg(bytes->sizeHint().width()).arg(row)));
    QVERIFY(bytes->minimumSizeHint().width() < row);
    QVERIFY(w.minimumSizeHint().width() <= kLogicalScreen.width());
}

int main(int argc, char** argv) {
    // An 800x500 logical screen, whatever the environment says.
    return lwtest::runOnOffscreenScreen<tst_WindowScale>(argc, argv, 800 * LW_TEST_SCALE, 500 * LW_TEST_SCALE, LW_TEST_SCALE);
}

#include "tst_WindowScale.moc"
