// RepaintThrottle.h — caps how often a few busy widgets repaint while data
// pours in, without delaying what a person does.
//
// What it does: each dataArrived() (the bridge handed events on) lets the
// watched widgets repaint at once if the last repaint it let through was at
// least minGapMs ago; otherwise it holds their updates back
// (setUpdatesEnabled(false)) until minGapMs after that repaint, then lets one
// repaint through (setUpdatesEnabled(true) repaints them whole). A backlog
// drained one slice per event-loop turn thus repaints the conversation and
// the channel list at most 1000 / minGapMs times a second instead of every
// turn. While it holds, a key press, mouse press or wheel on a held widget
// (or inside one) lets them go at once, so what a person does there shows on
// the next repaint; elsewhere (the composer) nothing held is in the way.
// Window-system exposes are painted as always.
// It holds only once the repaint it let through has happened (seen as the
// window's UpdateRequest or a paint), so a held-back change is never lost.
// What it owns: a timer and, while holding or waiting for a repaint, an
// event filter on the application; not the widgets (a widget destroyed is
// forgotten).
// Threads: GUI thread.
#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QWidget>

namespace ui {

class RepaintThrottle : public QObject {
    Q_OBJECT
public:
    static constexpr int kDefaultMinGapMs = 33;  // at most ~30 repaints a second

    explicit RepaintThrottle(QObject* parent = nullptr, int minGapMs = kDefaultMinGapMs);
    ~RepaintThrottle() override;

    void watch(QWidget* widget);
    int minGapMs() const { return m_minGapMs; }

    /// New data for the watched widgets: repaint now, or hold until the gap has passed.
    void dataArrived();
    /// Lets the held widgets repaint now (what a key press on one of them does).
    void release();
    bool holding() const { return m_holding; }
    /// A change was let through and its repaint has not happened yet.
    bool waitingForRepaint() const { return m_pendingPaint; }
    /// Repaints let through after being held.
    int releases() const { return m_releases; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QList<QWidget*> live() const;  // the watched widgets not destroyed
    void letThrough();             // the next repaint goes out; note it is pending
    void listen(bool on);          // the application event filter

    int m_minGapMs;
    QList<QPointer<QWidget>> m_widgets;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastLetThroughMs = -1000000;
    bool m_holding = false;
    bool m_pendingPaint = false;  // let through, not yet repainted
    bool m_listening = false;
    int m_releases = 0;
};

}  // namespace ui
