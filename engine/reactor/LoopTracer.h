// LoopTracer.h — the opt-in loop trace: one `loop` event per loop pass.
//
// What it does: a LoopObserver that records, for one pass, what each channel
// answered to readable()/writable() (and, for a channel with a TLS layer, when
// that layer wants the socket while the application does not), which channels the wait reported ready
// (and with which bits), and every hook dispatched, then emits it all as one
// `loop` event when the pass ends. Channels are named by their id, and so are
// hosted dispatchers (Reactor::host; their DispatcherTap gives the id); the
// Reactor's own Waker is left out. Installed on the Loop only while the trace is on, so
// with the trace off the loop pays one null-pointer test per hook.
// What it owns: the trace of the pass in progress.
// Threads: loop thread only.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/reactor/EventQueue.h"
#include "engine/asyncore/Loop.h"

namespace engine {

class LoopTracer final : public LoopObserver {
public:
    explicit LoopTracer(EventQueue& events) : m_events(events) {}

    void passBegin(std::uint64_t pass, Backend backend) override;
    void polled(const Dispatcher& d, bool readable, bool writable) override;
    void layerWants(const Dispatcher& d, bool read, bool write) override;
    void ready(const Dispatcher& d, unsigned bits) override;
    void hook(const Dispatcher& d, Hook h) override;
    void passEnd(std::uint64_t pass, std::uint64_t waitedUs) override;

private:
    EventQueue& m_events;
    LoopTrace m_trace;
    bool m_inPass = false;
};

}  // namespace engine
