// FlowLayout.h — a row of widgets that wraps onto more lines when narrow.
//
// What it does: lays its items out left to right at their size hints and
// starts a new line when the next one does not fit (after Qt's "Flow Layout"
// example). Items whose horizontal size policy expands (a filter field) count
// at their minimum width and share what is left of their line, so on a wide window it looks like a QHBoxLayout
// and on a narrow one (a small screen, QT_SCALE_FACTOR=2) it costs height
// instead of setting the window's minimum width. Its minimum width is its
// widest item's; its height follows the width (heightForWidth).
// What it owns: its layout items (and so the QWidgetItems of its widgets;
// the widgets belong to their parent widget, as with any QLayout).
// Threads: GUI thread.
#pragma once

#include <QLayout>
#include <QList>
#include <QStyle>

namespace ui {

class FlowLayout : public QLayout {
    Q_OBJECT
public:
    explicit FlowLayout(QWidget* parent = nullptr, int hSpacing = -1, int vSpacing = -1);
    ~FlowLayout() override;

    /// A fixed gap of `width` pixels (a QHBoxLayout::addSpacing): kept only
    /// between two items of one line, dropped where a line wraps.
    void addSpacing(int width);

    void addItem(QLayoutItem* item) override;
    int horizontalSpacing() const;
    int verticalSpacing() const;
    Qt::Orientations expandingDirections() const override;
    bool hasHeightForWidth() const override;
    int heightForWidth(int width) const override;
    int count() const override;
    QLayoutItem* itemAt(int index) const override;
    QSize minimumSize() const override;
    void setGeometry(const QRect& rect) override;
    QSize sizeHint() const override;
    QLayoutItem* takeAt(int index) override;
    void invalidate() override;

    /// How many lines the items take at the current geometry (1 when they fit in one).
    int lineCount() const { return m_lines; }

private:
    int doLayout(const QRect& rect, bool testOnly) const;
    int smartSpacing(QStyle::PixelMetric pm) const;

    QList<QLayoutItem*> m_items;
    int m_hSpace;
    int m_vSpace;
    mutable int m_lines = 1;
    mutable int m_hfwWidth = -1;
    mutable int m_hfwHeight = -1;
};

}  // namespace ui
