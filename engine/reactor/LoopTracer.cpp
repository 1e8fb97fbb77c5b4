// LoopTracer.cpp — collect one pass, emit it at passEnd.
#include "engine/reactor/LoopTracer.h"

#include "engine/reactor/ChannelReporter.h"

#include <memory>

namespace engine {
namespace {
// The channel id of a Reactor channel or of a hosted dispatcher; 0 for
// anything else (the Waker).
ChannelId idOf(const Dispatcher& d) { return ChannelReporter::idOf(d); }
}  // namespace

void LoopTracer::passBegin(std::uint64_t pass, Backend backend) {
    m_trace = LoopTrace{};
    m_trace.pass = pass;
    m_trace.backend = backend;
    m_inPass = true;
}

void LoopTracer::polled(const Dispatcher& d, bool readable, bool writable) {
    if (const ChannelId id = idOf(d)) m_trace.polled.push_back({id, readable, writable});
}

void LoopTracer::layerWants(const Dispatcher& d, bool read, bool write) {
    if (!read && !write) return;
    const ChannelId id = idOf(d);
    // polled() for this channel ran just before.
    if (id == 0 || m_trace.polled.empty() || m_trace.polled.back().channel != id) return;
    m_trace.polled.back().layerWantsRead = read;
    m_trace.polled.back().layerWantsWrite = write;
}

void LoopTracer::ready(const Dispatcher& d, unsigned bits) {
    if (const ChannelId id = idOf(d)) m_trace.ready.push_back({id, bits});
}

void LoopTracer::hook(const Dispatcher& d, Hook h) {
    if (!m_inPass) return;  // hooks run by commands between passes are not part of one
    if (const ChannelId id = idOf(d)) m_trace.dispatched.push_back({id, h});
}

void LoopTracer::passEnd(std::uint64_t pass, std::uint64_t waitedUs) {
    m_inPass = false;
    m_trace.pass = pass;
    m_trace.waitedUs = waitedUs;
    m_events.emplace(EventKind::Loop, kReactorChannel).trace = std::make_shared<const LoopTrace>(std::move(m_trace));
    m_trace = LoopTrace{};
}

}  // namespace engine
