// LoopPreview.cpp — a zero-timeout look at every channel of the Loop.
#include "engine/reactor/LoopPreview.h"

#include "engine/asyncore/Dispatcher.h"
#include "engine/net/SocketOps.h"
#include "engine/reactor/ChannelReporter.h"

#include <utility>

namespace engine {

void LoopPreview::update(Loop& loop, Backend backend) {
    auto trace = std::make_shared<LoopTrace>();
    trace->pass = loop.passes() + 1;
    trace->backend = backend;
    for (Dispatcher* d : loop.channels()) {
        const ChannelId id = ChannelReporter::idOf(*d);
        if (id == 0) continue;
        const NativeSocket fd = d->fileno();
        if (fd == kInvalidSocket) continue;
        const bool r = d->readable();
        const bool w = d->writable();
        trace->polled.push_back({id, r, w});
        std::error_code ec;
        const unsigned bits = (r || w) ? sockops::readinessNow(fd, r, w, ec) : 0;
        if (bits) trace->ready.push_back({id, bits});
        LoopTrace::Waiting wt;
        wt.channel = id;
        wt.bytes = d->accepting ? 0 : sockops::bytesAvailable(fd, ec);
        wt.readable = r;
        wt.writable = w;
        wt.bits = bits;
        wt.next = ChannelReporter::nextStep(*d, r, w, bits, wt.bytes);
        trace->waiting.push_back(std::move(wt));
    }
    if (m_last && m_last->polled == trace->polled && m_last->ready == trace->ready &&
        m_last->waiting == trace->waiting && m_last->pass == trace->pass)
        return;  // nothing changed since the last one
    m_last = trace;
    m_events.emplace(EventKind::Preview, kReactorChannel).trace = std::move(trace);
}

}  // namespace engine
