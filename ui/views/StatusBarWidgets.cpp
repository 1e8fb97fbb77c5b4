// StatusBarWidgets.cpp — rates and responsiveness in the status bar.
#include "ui/views/StatusBarWidgets.h"

#include "ui/views/ViewColors.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QResizeEvent>

namespace ui {
namespace {

QLabel* figure(QWidget* parent, const QString& widest, const QString& tip) {
    auto* l = new QLabel(parent);
    l->setTextFormat(Qt::PlainText);
    l->setToolTip(tip);
    l->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    l->setMinimumWidth(l->fontMetrics().horizontalAdvance(widest) + 8);
    return l;
}

QFrame* separator(QWidget* parent) {
    auto* f = new QFrame(parent);
    f->setFrameShape(QFrame::VLine);
    f->setFrameShadow(QFrame::Sunken);
    return f;
}

QString rate(double bytesPerSec) {
    return QLocale().formattedDataSize(static_cast<qint64>(bytesPerSec), 1) + QStringLiteral("/s");
}

}  // namespace

StatusBarWidgets::StatusBarWidgets(QWidget* parent) : QWidget(parent) {
    m_channels = figure(this, tr("9999 channels open"), tr("Channels open now"));
    m_in = figure(this, tr("in 999.9 MiB/s"), tr("Bytes received per second (recv), over the last second"));
    m_out = figure(this, tr("out 999.9 MiB/s"), tr("Bytes sent per second (send), over the last second"));
    m_events = figure(this, tr("9,999,999 events/s"), tr("Engine events per second, over the last second"));
    m_log = figure(this, tr("99,999,999 events · 9999.9 MiB"), tr("Events in the log, and the memory they take"));
    m_lag = figure(this, tr("UI lag 9999 ms"), QString());
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(6);
    row->addWidget(m_channels);
    row->addWidget(separator(this));
    row->addWidget(m_in);
    row->addWidget(m_out);
    row->addWidget(separator(this));
    row->addWidget(m_events);
    row->addWidget(m_log);
    row->addWidget(separator(this));
    row->addWidget(m_lag);
    setFigures({});
}

void StatusBarWidgets::setFigures(const Figures& f) {
    const QLocale locale;
    m_channels->setText(f.channelsOpen == 1 ? tr("1 channel open") : tr("%1 channels open").arg(f.channelsOpen));
    m_in->setText(tr("in %1").arg(rate(f.bytesInPerSec)));
    m_out->setText(tr("out %1").arg(rate(f.bytesOutPerSec)));
    m_events->setText(tr("%1 events/s").arg(locale.toString(static_cast<qlonglong>(f.eventsPerSec + 0.5))));
    m_log->setText(tr("%1 events · %2")
                       .arg(locale.toString(static_cast<qulonglong>(f.events)),
                            locale.formattedDataSize(static_cast<qint64>(f.logBytes), 1)));
    m_lag->setText(tr("UI lag %1 ms").arg(f.worstLagMs));
    m_lag->setToolTip(tr("The longest the window's event loop was busy in the last %1 s (under 100 ms feels instant)")
                          .arg(f.lagWindowSeconds));
    const ViewColors c = ViewColors::forPalette(palette());
    QPalette p = palette();
    if (f.worstLagMs > 500)
        p.setColor(QPalette::WindowText, c.error);
    else if (f.worstLagMs > 100)
        p.setColor(QPalette::WindowText, c.warning);
    m_lag->setPalette(p);
}

int StatusBarWidgets::widthOf(bool all) const {
    const int spacing = layout()->spacing();
    // Three separators, each with the spacing on both sides.
    int w = m_channels->minimumWidth() + m_lag->minimumWidth() + 3 * (2 + 2 * spacing);
    if (all)
        for (const QLabel* l : {m_in, m_out, m_events, m_log}) w += l->minimumWidth() + spacing;
    return w;
}

QSize StatusBarWidgets::sizeHint() const { return {widthOf(true), QWidget::sizeHint().height()}; }

QSize StatusBarWidgets::minimumSizeHint() const { return {widthOf(false), QWidget::minimumSizeHint().height()}; }

void StatusBarWidgets::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    const int spacing = layout()->spacing();
    int used = widthOf(false);
    for (QLabel* l : {m_in, m_out, m_events, m_log}) {
        const bool fits = used + l->minimumWidth() + spacing <= event->size().width();
        if (fits) used += l->minimumWidth() + spacing;
        l->setVisible(fits);
    }
}

QString StatusBarWidgets::channelsText() const {
    return m_channels->text();
}

QString StatusBarWidgets::lagText() const {
    return m_lag->text();
}

}  // namespace ui
