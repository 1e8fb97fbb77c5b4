// LoopTracer.cpp — collect one pass, emit it at passEnd.
#include "engine/reactor/LoopTracer.h"

#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/DispatcherWithSend.h"
#include "engine/reactor/ChannelReporter.h"

#include <algorithm>
#include <memory>

namespace engine {
namespace {
Terminator terminatorOf(const Dispatcher& d) {
    if (const auto* chat = dynamic_cast<const AsyncChat*>(&d)) return chat->getTerminator();
    return Terminator::none();
}

// A hook set a new terminator — not a count terminator counting down (or
// reaching 0 as found_terminator() is called), nor the same count set again
// after it was found (`armed`: the count as it was set).
bool changed(const Terminator& from, const Terminator& armed, const Terminator& to) {
    if (from.isCount() && to.isCount())
        return to.countValue() > from.countValue() && !(armed.isCount() && armed.countValue() == to.countValue());
    return !(from == to);
}

LoopTrace::After afterOf(ChannelId id, const Dispatcher& d) {
    LoopTrace::After a;
    a.channel = id;
    a.open = d.fileno() != kInvalidSocket;
    if (const auto* chat = dynamic_cast<const AsyncChat*>(&d)) {
        a.terminator = chat->getTerminator();
        const std::string_view in = chat->inputBuffer();
        a.inBuffered = in.size();
        a.held.assign(in.substr(0, LoopTrace::kHeldShown));
        a.queuedBytes = chat->producerFifo().queuedBytes();
        a.fifoEntries = chat->producerFifo().size();
    } else if (const auto* ws = dynamic_cast<const DispatcherWithSend*>(&d)) {
        a.queuedBytes = ws->outBuffer.size();
        a.fifoEntries = ws->outBuffer.empty() ? 0 : 1;
    }
    return a;
}
}  // namespace

// A Reactor's loop: the channel id of a Reactor channel or of a hosted
// dispatcher; 0 for anything else (the Waker).
LoopTracer::LoopTracer(EventQueue& events, Loop& loop)
    : LoopTracer(loop, [](const Dispatcher& d) { return ChannelReporter::idOf(d); },
                 [&events](LoopTrace&& t) {
                     events.emplace(EventKind::Loop, kReactorChannel).trace =
                         std::make_shared<const LoopTrace>(std::move(t));
                 }) {}

void LoopTracer::passBegin(std::uint64_t pass, Backend backend) {
    m_trace = LoopTrace{};
    m_trace.pass = pass;
    m_trace.backend = backend;
    m_terminators.clear();
    m_inPass = true;
}

void LoopTracer::polled(const Dispatcher& d, bool readable, bool writable) {
    if (const ChannelId id = m_idOf(d)) {
        m_trace.polled.push_back({id, readable, writable});
        Terminator t = terminatorOf(d);
        m_terminators[id] = Seen{t, t};
    }
}

void LoopTracer::layerWants(const Dispatcher& d, bool read, bool write) {
    if (!read && !write) return;
    const ChannelId id = m_idOf(d);
    // polled() for this channel ran just before.
    if (id == 0 || m_trace.polled.empty() || m_trace.polled.back().channel != id) return;
    m_trace.polled.back().layerWantsRead = read;
    m_trace.polled.back().layerWantsWrite = write;
}

void LoopTracer::ready(const Dispatcher& d, unsigned bits) {
    if (const ChannelId id = m_idOf(d)) m_trace.ready.push_back({id, bits});
}

void LoopTracer::checkTerminator(ChannelId id, const Dispatcher& d) {
    Terminator now = terminatorOf(d);
    auto it = m_terminators.find(id);
    if (it == m_terminators.end()) {
        m_terminators.emplace(id, Seen{now, now});  // a channel made during the pass (accepted)
        return;
    }
    Seen& seen = it->second;
    if (seen.last == now) return;
    const bool countingDown = seen.last.isCount() && now.isCount() && now.countValue() < seen.last.countValue();
    if (changed(seen.last, seen.armed, now)) {
        // The change happened in the channel's last hook so far.
        const auto& ds = m_trace.dispatched;
        const auto last = std::find_if(ds.rbegin(), ds.rend(), [id](const auto& x) { return x.channel == id; });
        LoopTrace::TerminatorChange c;
        c.channel = id;
        if (last != ds.rend()) {
            c.hook = last->hook;
            c.hookIndex = static_cast<std::uint64_t>(ds.rend() - last - 1);
        }
        c.from = seen.armed;
        c.to = now;
        m_trace.terminatorChanges.push_back(std::move(c));
    }
    if (!countingDown) seen.armed = now;
    seen.last = std::move(now);
}

void LoopTracer::hook(const Dispatcher& d, Hook h) {
    if (!m_inPass) return;  // hooks run by commands between passes are not part of one
    if (const ChannelId id = m_idOf(d)) {
        checkTerminator(id, d);
        m_trace.dispatched.push_back({id, h});
    }
}

void LoopTracer::passEnd(std::uint64_t pass, std::uint64_t waitedUs) {
    m_inPass = false;
    m_trace.pass = pass;
    m_trace.waitedUs = waitedUs;
    // Every channel as the pass left it; those polled or dispatched that
    // are no longer in the Loop closed during the pass.
    std::map<ChannelId, bool> seen;
    for (const auto& p : m_trace.polled) seen.emplace(p.channel, false);
    for (const auto& x : m_trace.dispatched) seen.emplace(x.channel, false);
    for (const Dispatcher* d : m_loop.channels()) {
        const ChannelId id = m_idOf(*d);
        if (id == 0) continue;
        checkTerminator(id, *d);
        m_trace.after.push_back(afterOf(id, *d));
        seen[id] = true;
    }
    for (const auto& [id, inLoop] : seen) {
        if (inLoop) continue;
        LoopTrace::After a;
        a.channel = id;
        a.open = false;
        m_trace.after.push_back(std::move(a));
    }
    m_sink(std::move(m_trace));
    m_trace = LoopTrace{};
}

}  // namespace engine
