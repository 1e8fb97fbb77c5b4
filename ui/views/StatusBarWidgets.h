// StatusBarWidgets.h — the permanent figures at the right of the status bar:
// channels open, bytes/s in and out, events/s, log size, and the UI's own
// responsiveness (the worst event-loop delay of the last seconds).
//
// What it does: a row of fixed-width labels (so the bar does not jump as
// numbers change) refreshed from the outside once a second; the lag label
// turns amber above 100 ms and red above 500 ms.
// What it owns: its labels.
// Threads: GUI thread.
#pragma once

#include <QWidget>

#include <cstdint>

class QLabel;

namespace ui {

class StatusBarWidgets : public QWidget {
    Q_OBJECT
public:
    explicit StatusBarWidgets(QWidget* parent = nullptr);

    struct Figures {
        int channelsOpen = 0;
        double bytesInPerSec = 0;
        double bytesOutPerSec = 0;
        double eventsPerSec = 0;
        std::uint64_t events = 0;
        std::uint64_t logBytes = 0;
        std::int64_t worstLagMs = 0;
        int lagWindowSeconds = 5;
    };
    void setFigures(const Figures& f);

    /// All the figures (what the bar asks for when there is room).
    QSize sizeHint() const override;
    /// Channels open and UI lag only: on a narrow window the rates, events/s
    /// and the log size are left out (right to left) rather than widening it.
    QSize minimumSizeHint() const override;

    QString channelsText() const;
    QString lagText() const;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    int widthOf(bool all) const;
    QLabel* m_channels = nullptr;
    QLabel* m_in = nullptr;
    QLabel* m_out = nullptr;
    QLabel* m_events = nullptr;
    QLabel* m_log = nullptr;
    QLabel* m_lag = nullptr;
};

}  // namespace ui
