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
        // A stream layer (TLS) on a connected channel: what it waits for
        // beyond the application, as Loop::poll() will ask it.
        bool lr = false, lw = false;
        if (const StreamLayer* layer = (d->connected && !d->accepting) ? d->layer() : nullptr) {
            const bool blocked = layer->applicationBlocked();
            lr = layer->wantsRead() && (blocked || !r);
            lw = layer->wantsWrite() && (blocked || !w);
        }
        trace->polled.push_back({id, r, w, lr, lw});
        std::error_code ec;
        const unsigned bits = (r || w || lr || lw) ? sockops::readinessNow(fd, r || lr, w || lw, ec) : 0;
        if (bits) trace->ready.push_back({id, bits});
        LoopTrace::Waiting wt;
        wt.channel = id;
        wt.bytes = d->accepting ? 0 : sockops::bytesAvailable(fd, ec);
        wt.readable = r;
        wt.writable = w;
        wt.bits = bits;
        wt.layerWantsRead = lr;
        wt.layerWantsWrite = lw;
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
