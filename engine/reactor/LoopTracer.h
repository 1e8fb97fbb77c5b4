// LoopTracer.h — the opt-in loop trace: one `loop` event per loop pass.
//
// What it does: a LoopObserver that records, for one pass, what each channel
// answered to readable()/writable() (and, for a channel with a TLS layer, when
// that layer wants the socket while the application does not), which channels the wait reported ready
// (and with which bits), and every hook dispatched, then emits it all as one
// `loop` event when the pass ends. It also records what the pass did: each
// terminator a hook changed (set_terminator() inside found_terminator(),
// found by comparing get_terminator() before and after the channel's hooks;
// a count terminator counting down, or set again to the same count once it
// was found — a channel reading fixed-size records — is not a change), and, at the end, every
// channel as the pass left it (`after`: its terminator, the input buffer's
// held-back bytes, the producer fifo, or closed). Channels are named by their id, and so are
// hosted dispatchers (Reactor::host; their DispatcherTap gives the id); the
// Reactor's own Waker is left out. Installed on the Loop only while the trace is on, so
// with the trace off the loop pays one null-pointer test per hook.
// The second constructor serves a loop outside any Reactor (the CLI's
// `example --trace`): the ids come from a function of its own (0: leave the
// dispatcher out) and each pass's trace goes to a function instead of a queue.
// What it owns: the trace of the pass in progress; not the Loop.
// Threads: loop thread only.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/reactor/EventQueue.h"
#include "engine/asyncore/Loop.h"

#include <functional>
#include <map>

namespace engine {

class LoopTracer final : public LoopObserver {
public:
    using IdOf = std::function<ChannelId(const Dispatcher&)>;
    using Sink = std::function<void(LoopTrace&&)>;
    /// A Reactor's loop: channels named by ChannelReporter::idOf, each pass a `loop` event on `events`.
    LoopTracer(EventQueue& events, Loop& loop);
    /// Any loop: channels named by `idOf`, each pass handed to `sink` at its end.
    LoopTracer(Loop& loop, IdOf idOf, Sink sink) : m_loop(loop), m_idOf(std::move(idOf)), m_sink(std::move(sink)) {}

    void passBegin(std::uint64_t pass, Backend backend) override;
    void polled(const Dispatcher& d, bool readable, bool writable) override;
    void layerWants(const Dispatcher& d, bool read, bool write) override;
    void ready(const Dispatcher& d, unsigned bits) override;
    void hook(const Dispatcher& d, Hook h) override;
    void passEnd(std::uint64_t pass, std::uint64_t waitedUs) override;

private:
    /// Records a change of `d`'s terminator since it was last seen.
    void checkTerminator(ChannelId id, const Dispatcher& d);

    Loop& m_loop;
    IdOf m_idOf;
    Sink m_sink;
    LoopTrace m_trace;
    struct Seen {
        Terminator last;   // as last seen this pass
        Terminator armed;  // as last set (a count before it counted down)
    };
    std::map<ChannelId, Seen> m_terminators;
    bool m_inPass = false;
};

}  // namespace engine
