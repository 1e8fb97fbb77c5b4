// LoopPicture.h — one loop pass as a picture, for students.
//
// What it does: draws a `loop` trace (engine::LoopTrace) the way asyncore's
// loop() runs it, left to right: every channel as a box with what it
// answered to readable() / writable() (and a TLS layer's own wants), what
// the backend (select, poll or epoll) reported ready, the hooks that ran on
// it in order, and what the pass left behind (`after`: the terminator, the
// bytes the input buffer holds back — a partial terminator, the producer
// fifo, or "closed"). Below the boxes, the pass's key moments as ★ rows: a
// terminator found (found_terminator), a terminator a hook changed
// (set_terminator() inside found_terminator(): the heart of the ECHO-length
// and http examples), a channel closed during the pass. What changed since
// the pass shown before is drawn bold. lines() gives the same content as
// text (one entry per drawn row), for tests and the tool tip.
// What it owns: the trace shown (shared, immutable) and its layout.
// Threads: GUI thread.
#pragma once
#include "engine/reactor/Event.h"

#include <QStringList>
#include <QWidget>

#include <functional>
#include <memory>
#include <vector>

namespace ui {

class LoopPicture : public QWidget {
    Q_OBJECT
public:
    /// How a channel is named ("EchoHandler#7", "#3 client").
    using Namer = std::function<QString(engine::ChannelId)>;

    explicit LoopPicture(QWidget* parent = nullptr);

    void setNamer(Namer namer);
    /// Shows pass `trace` (nullptr: nothing yet).
    void setTrace(std::shared_ptr<const engine::LoopTrace> trace);
    const std::shared_ptr<const engine::LoopTrace>& trace() const noexcept { return m_trace; }

    /// The picture as text: a title, one line per channel box, then one
    /// line per key moment (each starting with "★").
    QStringList lines() const;
    /// The key moments only (the ★ rows).
    QStringList keyMoments() const { return m_stars; }
    /// The key moments of `trace`, channels named by `namer`.
    static QStringList keyMomentsOf(const engine::LoopTrace& trace, const Namer& namer);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    enum Column { ColChannel, ColAsked, ColReady, ColHooks, ColAfter, ColCount };
    struct Box {
        engine::ChannelId channel = 0;
        QStringList cells[ColCount];
        bool changed[ColCount] = {};
        bool ready = false;
        bool closed = false;
    };
    void rebuild();
    void relayout();
    int rowHeight(const Box& b) const;

    Namer m_namer;
    std::shared_ptr<const engine::LoopTrace> m_trace;
    std::shared_ptr<const engine::LoopTrace> m_previous;  // the pass shown before (what changed)
    QString m_title;
    std::vector<Box> m_boxes;
    QStringList m_stars;
    int m_colWidth[ColCount] = {};
    QSize m_size;
};

}  // namespace ui
