// NotificationBanner.cpp — the inline error bar.
#include "ui/views/NotificationBanner.h"

#include "ui/views/ViewColors.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

namespace ui {

NotificationBanner::NotificationBanner(QWidget* parent) : QFrame(parent) {
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setFocusPolicy(Qt::NoFocus);
    m_icon = new QLabel(this);
    m_text = new QLabel(this);
    m_text->setTextFormat(Qt::PlainText);
    m_text->setWordWrap(false);
    m_text->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_show = new QToolButton(this);
    m_show->setText(tr("Show"));
    m_show->setToolTip(tr("Select the event in the conversation"));
    m_show->setAutoRaise(true);
    m_show->setFocusPolicy(Qt::NoFocus);
    m_close = new QToolButton(this);
    m_close->setText(QStringLiteral("✕"));
    m_close->setToolTip(tr("Dismiss"));
    m_close->setAutoRaise(true);
    m_close->setFocusPolicy(Qt::NoFocus);
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(8, 2, 4, 2);
    row->addWidget(m_icon);
    row->addWidget(m_text, 1);
    row->addWidget(m_show);
    row->addWidget(m_close);
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setInterval(kShowMs);
    connect(m_timer, &QTimer::timeout, this, &NotificationBanner::dismiss);
    connect(m_close, &QToolButton::clicked, this, &NotificationBanner::dismiss);
    connect(m_show, &QToolButton::clicked, this, [this] {
        if (m_seq != 0) emit showRequested(m_seq);
    });
    hide();
}

void NotificationBanner::showMessage(const QString& text, Severity severity, std::uint64_t seq) {
    ++m_count;
    m_severity = severity;
    m_seq = seq;
    QString shown = text;
    if (m_count > 1) shown = tr("%1   (%2 messages)").arg(text).arg(m_count);
    m_text->setText(shown);
    m_text->setToolTip(text);
    m_show->setVisible(seq != 0);
    const QStyle::StandardPixmap icon = severity == Severity::Error     ? QStyle::SP_MessageBoxCritical
                                        : severity == Severity::Warning ? QStyle::SP_MessageBoxWarning
                                                                        : QStyle::SP_MessageBoxInformation;
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_icon->setPixmap(style()->standardIcon(icon, nullptr, this).pixmap(QSize(size, size), devicePixelRatioF()));
    applyColors();
    show();
    m_timer->start();
}

void NotificationBanner::dismiss() {
    m_timer->stop();
    m_count = 0;
    hide();
}

QString NotificationBanner::text() const {
    return m_text->text();
}

void NotificationBanner::applyColors() {
    const ViewColors c = ViewColors::forPalette(parentWidget() ? parentWidget()->palette() : palette());
    QPalette p = parentWidget() ? parentWidget()->palette() : palette();
    const QColor accent = m_severity == Severity::Error ? c.error : (m_severity == Severity::Warning ? c.warning : c.incoming);
    const QColor base = p.color(QPalette::Window);
    const float t = c.dark ? 0.30f : 0.18f;
    const QColor bg = QColor::fromRgbF(base.redF() * (1 - t) + accent.redF() * t, base.greenF() * (1 - t) + accent.greenF() * t,
                                       base.blueF() * (1 - t) + accent.blueF() * t);
    p.setColor(QPalette::Window, bg);
    setPalette(p);
    QPalette ip = m_icon->palette();
    ip.setColor(QPalette::WindowText, accent);
    m_icon->setPalette(ip);
}

void NotificationBanner::changeEvent(QEvent* event) {
    if (event->type() == QEvent::ApplicationPaletteChange && isVisible()) applyColors();
    QFrame::changeEvent(event);
}

}  // namespace ui
