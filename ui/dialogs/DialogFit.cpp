// DialogFit.cpp — scrolling fields, buttons in view, bounded by the screen.
#include "ui/dialogs/DialogFit.h"

#include <QDialog>
#include <QScreen>
#include <QScrollArea>
#include <QStyle>
#include <QTimer>
#include <QVBoxLayout>

namespace ui {

QSize dialogfit::boundedToScreen(const QWidget* w, QSize wanted) {
    const QScreen* s = w->screen();
    if (!s) return wanted;
    const QRect avail = s->availableGeometry();
    const int title = w->style()->pixelMetric(QStyle::PM_TitleBarHeight);
    return {qMin(wanted.width(), avail.width() - title), qMin(wanted.height(), avail.height() - 2 * title)};
}

QWidget* dialogfit::column(QLayout* form, std::initializer_list<QWidget*> below) {
    auto* fields = new QWidget;
    auto* col = new QVBoxLayout(fields);
    col->setContentsMargins(0, 0, 0, 0);
    if (form) col->addLayout(form);
    for (QWidget* w : below) col->addWidget(w);
    col->addStretch(1);
    return fields;
}

DialogFit::DialogFit(QDialog* dialog, QWidget* fields, QWidget* buttons)
    : QObject(dialog), m_dialog(dialog), m_buttons(buttons) {
    m_scroll = new QScrollArea(dialog);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setWidgetResizable(true);
    m_scroll->setWidget(fields);
    auto* col = new QVBoxLayout(dialog);
    col->addWidget(m_scroll, 1);
    col->addWidget(buttons);
}

QSize DialogFit::fittedSize() const {
    const QWidget* content = m_scroll->widget();
    const QLayout* l = m_dialog->layout();
    const QMargins m = l->contentsMargins();
    const int spacing = qMax(0, l->spacing());
    const int scrollBar = m_dialog->style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, m_scroll);
    const QSize c = content->sizeHint().expandedTo(content->minimumSizeHint());
    const QSize b = m_buttons->sizeHint();
    const int w = qMax(c.width() + scrollBar, b.width()) + m.left() + m.right();
    const int h = c.height() + spacing + b.height() + m.top() + m.bottom();
    return dialogfit::boundedToScreen(m_dialog, {w, h});
}

void DialogFit::refit() {
    if (m_pending) return;
    m_pending = true;
    QTimer::singleShot(0, this, [this] {
        m_pending = false;
        refitNow();
    });
}

void DialogFit::refitNow() {
    const QSize size = fittedSize();
    if (size == m_fitted && m_dialog->size() == size) return;
    m_fitted = size;
    m_dialog->resize(size);
    const QScreen* s = m_dialog->screen();
    if (!m_dialog->isVisible() || !s) return;
    // Grown in place, it may now reach past the screen's edge: move it back in.
    const QRect avail = s->availableGeometry();
    const QRect frame = m_dialog->frameGeometry();
    QPoint to = m_dialog->pos();
    if (frame.bottom() > avail.bottom()) to.ry() -= qMin(frame.bottom() - avail.bottom(), frame.top() - avail.top());
    if (frame.right() > avail.right()) to.rx() -= qMin(frame.right() - avail.right(), frame.left() - avail.left());
    if (to != m_dialog->pos()) m_dialog->move(to);
}

}  // namespace ui
