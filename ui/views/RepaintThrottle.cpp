// RepaintThrottle.cpp — hold a few widgets' updates back between repaints.
#include "ui/views/RepaintThrottle.h"

#include <QCoreApplication>
#include <QEvent>

namespace ui {

RepaintThrottle::RepaintThrottle(QObject* parent, int minGapMs) : QObject(parent), m_minGapMs(minGapMs) {
    m_clock.start();
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &RepaintThrottle::release);
}

RepaintThrottle::~RepaintThrottle() {
    listen(false);
    // Widgets that outlive it must not stay frozen.
    for (QWidget* w : live())
        if (!w->updatesEnabled()) w->setUpdatesEnabled(true);
}

QList<QWidget*> RepaintThrottle::live() const {
    QList<QWidget*> out;
    for (const QPointer<QWidget>& p : m_widgets)
        if (QWidget* w = p.data(); w != nullptr) out.append(w);
    return out;
}

void RepaintThrottle::watch(QWidget* widget) {
    if (widget) m_widgets.append(widget);
}

void RepaintThrottle::dataArrived() {
    if (m_holding) return;       // the timer lets them go
    if (m_pendingPaint) return;  // a repaint is on its way: it shows this change too
    const qint64 now = m_clock.elapsed();
    const qint64 since = now - m_lastLetThroughMs;
    if (since >= m_minGapMs) {
        letThrough();  // this change repaints on the next turn, as usual
        return;
    }
    m_holding = true;
    for (QWidget* w : live()) w->setUpdatesEnabled(false);
    listen(true);
    m_timer.start(static_cast<int>(m_minGapMs - since));
}

void RepaintThrottle::release() {
    if (!m_holding) return;
    m_holding = false;
    m_timer.stop();
    ++m_releases;
    for (QWidget* w : live()) w->setUpdatesEnabled(true);  // repaints it whole on the next turn
    letThrough();
}

void RepaintThrottle::letThrough() {
    m_lastLetThroughMs = m_clock.elapsed();
    // Holding again before that repaint has happened would swallow it.
    m_pendingPaint = true;
    listen(true);
}

void RepaintThrottle::listen(bool on) {
    if (on == m_listening) return;
    m_listening = on;
    if (on)
        QCoreApplication::instance()->installEventFilter(this);
    else
        QCoreApplication::instance()->removeEventFilter(this);
}

bool RepaintThrottle::eventFilter(QObject* watched, QEvent* event) {
    switch (event->type()) {
    case QEvent::UpdateRequest:
    case QEvent::Paint:
        // The window of a watched widget repaints now: the change let through is shown.
        if (m_pendingPaint) {
            if (auto* target = qobject_cast<QWidget*>(watched)) {
                for (QWidget* w : live()) {
                    if (target == w->window() || target == w || w->isAncestorOf(target)) {
                        m_pendingPaint = false;
                        if (!m_holding) listen(false);
                        break;
                    }
                }
            }
        }
        break;
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonDblClick:
    case QEvent::Wheel:
        // What a person does to a held widget shows on the next repaint;
        // elsewhere (the composer) nothing held is in the way.
        if (auto* target = qobject_cast<QWidget*>(watched)) {
            for (QWidget* w : live()) {
                if (w == target || w->isAncestorOf(target)) {
                    release();
                    break;
                }
            }
        }
        break;
    default: break;
    }
    return QObject::eventFilter(watched, event);
}

}  // namespace ui
