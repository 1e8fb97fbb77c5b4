// FlowLayout.cpp — after Qt's "Flow Layout" example (BSD licence), with
// expanding items sharing each line's spare width and spacers that vanish at
// a wrap.
#include "ui/views/FlowLayout.h"

#include <QSpacerItem>
#include <QStyle>
#include <QWidget>

#include <algorithm>

namespace ui {

FlowLayout::FlowLayout(QWidget* parent, int hSpacing, int vSpacing)
    : QLayout(parent), m_hSpace(hSpacing), m_vSpace(vSpacing) {}

FlowLayout::~FlowLayout() {
    while (QLayoutItem* item = takeAt(0)) delete item;
}

void FlowLayout::addSpacing(int width) {
    addItem(new QSpacerItem(width, 0, QSizePolicy::Fixed, QSizePolicy::Minimum));
}

void FlowLayout::addItem(QLayoutItem* item) {
    m_items.append(item);
    invalidate();
}

int FlowLayout::horizontalSpacing() const {
    return m_hSpace >= 0 ? m_hSpace : smartSpacing(QStyle::PM_LayoutHorizontalSpacing);
}

int FlowLayout::verticalSpacing() const {
    return m_vSpace >= 0 ? m_vSpace : smartSpacing(QStyle::PM_LayoutVerticalSpacing);
}

int FlowLayout::count() const {
    return static_cast<int>(m_items.size());
}

QLayoutItem* FlowLayout::itemAt(int index) const {
    return m_items.value(index);
}

QLayoutItem* FlowLayout::takeAt(int index) {
    if (index < 0 || index >= m_items.size()) return nullptr;
    QLayoutItem* item = m_items.takeAt(index);
    invalidate();
    return item;
}

void FlowLayout::invalidate() {
    m_hfwWidth = -1;
    QLayout::invalidate();
}

Qt::Orientations FlowLayout::expandingDirections() const {
    return {};
}

bool FlowLayout::hasHeightForWidth() const {
    return true;
}

int FlowLayout::heightForWidth(int width) const {
    if (width != m_hfwWidth) {
        m_hfwHeight = doLayout(QRect(0, 0, width, 0), true);
        m_hfwWidth = width;
    }
    return m_hfwHeight;
}

void FlowLayout::setGeometry(const QRect& rect) {
    QLayout::setGeometry(rect);
    doLayout(rect, false);
}

QSize FlowLayout::sizeHint() const {
    // All on one line.
    int width = 0;
    int height = 0;
    int shown = 0;
    for (QLayoutItem* item : m_items) {
        if (item->isEmpty() && !item->spacerItem()) continue;
        const QSize s = item->sizeHint();
        width += s.width();
        height = std::max(height, s.height());
        ++shown;
    }
    if (shown > 1) width += (shown - 1) * horizontalSpacing();
    const QMargins m = contentsMargins();
    return QSize(width + m.left() + m.right(), height + m.top() + m.bottom());
}

QSize FlowLayout::minimumSize() const {
    // The widest item alone on its line; the height of one line (the rest
    // comes from heightForWidth).
    QSize size;
    for (QLayoutItem* item : m_items) {
        if (item->isEmpty()) continue;
        const QSize s = item->minimumSize();
        size = size.expandedTo(QSize(s.width(), std::max(s.height(), item->sizeHint().height())));
    }
    const QMargins m = contentsMargins();
    return size + QSize(m.left() + m.right(), m.top() + m.bottom());
}

int FlowLayout::doLayout(const QRect& rect, bool testOnly) const {
    const QMargins m = contentsMargins();
    const QRect area = rect.marginsRemoved(m);
    const int avail = std::max(1, area.width());
    const int hs = horizontalSpacing();
    const int vs = verticalSpacing();

    struct Placed {
        QLayoutItem* item;
        int width;
    };
    QList<Placed> line;
    int lineWidth = 0;  // items and spacing so far
    int y = area.y();
    int lines = 0;

    auto flush = [&] {
        while (!line.isEmpty() && line.last().item->spacerItem()) {
            lineWidth -= line.last().width + hs;
            line.removeLast();
        }
        if (line.isEmpty()) return;
        ++lines;
        int height = 0;
        int expanders = 0;
        for (const Placed& p : line) {
            height = std::max(height, p.item->sizeHint().height());
            if (!p.item->spacerItem() && (p.item->expandingDirections() & Qt::Horizontal)) ++expanders;
        }
        int spare = std::max(0, avail - lineWidth);
        if (!testOnly) {
            int x = area.x();
            for (const Placed& p : line) {
                int w = p.width;
                if (expanders > 0 && !p.item->spacerItem() && (p.item->expandingDirections() & Qt::Horizontal)) {
                    const int share = spare / expanders;
                    const int grown = std::min(w + share, p.item->maximumSize().width());
                    spare -= grown - w;
                    --expanders;
                    w = grown;
                }
                const bool fill = p.item->expandingDirections() & Qt::Vertical;
                const int h = fill ? height : std::min(height, p.item->sizeHint().height());
                p.item->setGeometry(QRect(x, y + (height - h) / 2, w, h));
                x += w + hs;
            }
        }
        y += height + vs;
        line.clear();
        lineWidth = 0;
    };

    for (QLayoutItem* item : m_items) {
        const bool spacer = item->spacerItem() != nullptr;
        if (item->isEmpty() && !spacer) continue;
        if (spacer && line.isEmpty()) continue;  // no gap at the start of a line
        // At its size hint, or narrower down to its minimum when alone it would
        // not fit. An expanding item counts at its minimum (it takes the spare
        // width of its line anyway), as in a QHBoxLayout: it wraps only when
        // even that does not fit.
        const int minW = item->minimumSize().width();
        const bool expands = !spacer && (item->expandingDirections() & Qt::Horizontal);
        const int w = expands ? minW : std::clamp(avail, minW, std::max(minW, item->sizeHint().width()));
        const int need = line.isEmpty() ? w : lineWidth + hs + w;
        if (!line.isEmpty() && need > avail) {
            flush();
            if (spacer) continue;
        }
        lineWidth = line.isEmpty() ? w : lineWidth + hs + w;
        line.append({item, w});
    }
    flush();
    if (!testOnly) m_lines = std::max(1, lines);
    const int used = lines > 0 ? y - vs - area.y() : 0;
    return used + m.top() + m.bottom();
}

int FlowLayout::smartSpacing(QStyle::PixelMetric pm) const {
    QObject* parent = this->parent();
    if (!parent) return -1;
    if (parent->isWidgetType()) {
        auto* pw = static_cast<QWidget*>(parent);
        return pw->style()->pixelMetric(pm, nullptr, pw);
    }
    return static_cast<QLayout*>(parent)->spacing();
}

}  // namespace ui
