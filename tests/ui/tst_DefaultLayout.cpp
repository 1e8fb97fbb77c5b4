// tst_DefaultLayout.cpp — the main window at its default size (1400x880) on a
// 1920x1080 screen. Issue 18, item 6: the Bytes panel's Hex tab was too
// narrow for one 16-byte row of its dump (it shared the left column, a fifth
// of the window: 280 px); it now sits along the bottom, under the conversation.
// The offscreen platform is given the screen (its configfile) before the
// application starts (see main()).
#include "ui/MainWindow.h"
#include "ui/model/Formatters.h"
#include "ui/views/PayloadView.h"

#include "OffscreenScreen.h"
#include "WindowTestSupport.h"

#include <QApplication>
#include <QDockWidget>
#include <QPlainTextEdit>
#include <QSettings>
#include <QStyle>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>

using ui::MainWindow;

class tst_DefaultLayout : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void hexTabShowsAWholeRow();
};

void tst_DefaultLayout::initTestCase() {
    uitest::useTestSettings(QStringLiteral("linewright-test-layout"));
}

void tst_DefaultLayout::init() { QSettings().clear(); }

void tst_DefaultLayout::hexTabShowsAWholeRow() {
    MainWindow w;
    QVERIFY(uitest::shown(w));
    QCOMPARE(w.size(), QSize(1400, 880));  // the default size, nothing restored
    auto* bytes = w.findChild<ui::PayloadView*>();
    QVERIFY(bytes);
    auto* tabs = bytes->findChild<QTabWidget*>();
    QVERIFY(tabs);
    QPlainTextEdit* hex = nullptr;
    for (int i = 0; i < tabs->count(); ++i)
        if (tabs->tabText(i) == ui::PayloadView::tr("Hex")) hex = qobject_cast<QPlainTextEdit*>(tabs->widget(i));
    QVERIFY(hex);
    tabs->setCurrentWidget(hex);
    // One row of the dump, as the tab shows it, and the room it has (a vertical scroll bar included).
    const QString row = ui::hexDump(std::string_view("0123456789abcdef", 16)).section(QLatin1Char('\n'), 0, 0);
    QCOMPARE(row.size(), qsizetype(78));  // hexdump -C
    const int need = QFontMetrics(hex->font()).horizontalAdvance(row) + 2 * int(hex->document()->documentMargin());
    const int scrollBar = hex->style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, hex);
    QTRY_VERIFY2(hex->viewport()->width() - scrollBar >= need,
                 qPrintable(QStringLiteral("viewport %1 - scroll bar %2 < row %3")
                                .arg(hex->viewport()->width()).arg(scrollBar).arg(need)));
    // The conversation keeps more than half the window's width, and the side columns theirs.
    QVERIFY2(w.centralWidget()->width() > w.width() / 2, qPrintable(QString::number(w.centralWidget()->width())));
    auto* channels = w.findChild<QDockWidget*>(QStringLiteral("ChannelsDock"));
    QVERIFY(channels);
    QVERIFY2(channels->width() >= 250 && channels->width() <= w.width() / 4, qPrintable(QString::number(channels->width())));
    // The Bytes panel is along the bottom, under the conversation, not in the Channels column.
    auto* bytesDock = w.findChild<QDockWidget*>(QStringLiteral("BytesDock"));
    QVERIFY(bytesDock);
    QCOMPARE(w.dockWidgetArea(bytesDock), Qt::BottomDockWidgetArea);
    QVERIFY(bytesDock->geometry().top() >= w.centralWidget()->geometry().bottom());
    QVERIFY2(channels->height() > w.height() / 2, qPrintable(QString::number(channels->height())));
}

int main(int argc, char** argv) {
    return lwtest::runOnOffscreenScreen<tst_DefaultLayout>(argc, argv, 1920, 1080);
}

#include "tst_DefaultLayout.moc"
