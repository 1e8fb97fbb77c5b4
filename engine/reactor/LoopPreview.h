// LoopPreview.h — while the Reactor is paused with the loop trace on: what
// waits in each channel's socket, and what the next step will do with it.
//
// What it does: update() looks at every channel in the Loop — the Reactor's
// Channels and hosted dispatchers alike (ChannelReporter::idOf() names them;
// the Waker is left out) — without dispatching anything: what readable() and
// writable() answer, the readiness a zero-timeout poll reports, the bytes
// waiting in the socket (FIONREAD), and in asyncore's terms what the next
// pass will do (ChannelReporter::nextStep()). It emits that as a `preview`
// event (a LoopTrace with `polled`, `ready` and `waiting`, `pass` being the
// pass the next step will be), unless nothing changed since the last one.
// The Reactor calls it once per pass while paused, and every 200 ms while it
// waits paused, so bytes a peer sends meanwhile show up.
// What it owns: the last preview sent.
// Threads: loop thread only.
#pragma once

#include "engine/asyncore/Loop.h"
#include "engine/reactor/Event.h"
#include "engine/reactor/EventQueue.h"

#include <memory>

namespace engine {

class LoopPreview {
public:
    explicit LoopPreview(EventQueue& events) : m_events(events) {}

    /// A `preview` of `loop` (waited on with `backend`), if it differs from the last one.
    void update(Loop& loop, Backend backend);
    /// Forget the last preview (the trace went off): the next update() is sent.
    void reset() noexcept { m_last.reset(); }

private:
    EventQueue& m_events;
    std::shared_ptr<const LoopTrace> m_last;
};

}  // namespace engine
