// ChannelReporter.cpp — the events of a channel's life, and what a snapshot
// and the preview say of any dispatcher.
#include "engine/reactor/ChannelReporter.h"

#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/DispatcherTap.h"
#include "engine/asyncore/DispatcherWithSend.h"
#include "engine/net/Address.h"
#include "engine/net/NetErrors.h"
#include "engine/reactor/Channel.h"

#include <utility>

namespace engine {

namespace {

// Fifo entries a snapshot lists one by one (the rest are only counted).
constexpr std::size_t kListedFifoEntries = 64;

/// "20 queued bytes", "20 queued bytes and 1 producer", "1 producer (its more() gives the next piece)".
std::string queuedText(const Fifo& fifo) {
    std::size_t producers = 0;
    for (const Fifo::Entry& e : fifo)
        if (e.kind == Fifo::Entry::Kind::Producer) ++producers;
    const std::size_t bytes = fifo.queuedBytes();
    std::string out;
    if (bytes || !producers) out = std::to_string(bytes) + " queued bytes";
    if (producers) {
        out += (out.empty() ? "" : " and ") + std::to_string(producers) + (producers == 1 ? " producer" : " producers");
        if (!bytes) out += " (its more() gives the next piece)";
    }
    return out;
}

}  // namespace

void ChannelReporter::listening(std::string local, std::uint16_t port, std::string fingerprint) {
    Event& e = emit(EventKind::Listening);
    e.size = port;
    e.info = std::move(local);
    e.aux = std::move(fingerprint);
}

void ChannelReporter::connecting(const Address& to, std::string host, ChannelId proxyFor) {
    Event& e = emit(EventKind::Connecting);
    e.parent = proxyFor;
    e.size = to.port();
    e.info = to.toString();
    e.aux = std::move(host);
}

void ChannelReporter::connected(std::string peer, std::string local) {
    Event& e = emit(EventKind::Connected);
    e.info = std::move(peer);
    e.aux = std::move(local);
}

void ChannelReporter::accepted(std::string peer, std::string local, ChannelId upstream) {
    Event& e = emit(EventKind::Accepted);
    e.count = upstream;
    e.parent = m_parent;
    e.info = std::move(peer);
    e.aux = std::move(local);
}

void ChannelReporter::datagram(std::string_view message, std::string peer, std::size_t wholeSize) {
    ++m_counters.messagesIn;
    ++m_ctx.totals.messagesIn;
    if (m_ctx.level < EventLevel::Messages) return;
    Event& e = emit(EventKind::Datagram);
    e.size = static_cast<std::int64_t>(message.size());
    e.count = static_cast<std::int64_t>(wholeSize);
    e.data.assign(message);
    e.info = std::move(peer);
}

void ChannelReporter::datagramSent(std::string_view bytes, std::string peer) {
    m_counters.bytesOut += bytes.size();
    m_ctx.totals.bytesOut += bytes.size();
    ++m_counters.messagesOut;
    ++m_ctx.totals.messagesOut;
    if (m_ctx.level < EventLevel::Full) return;
    Event& e = emit(EventKind::DatagramSent);
    e.size = static_cast<std::int64_t>(bytes.size());
    e.data.assign(bytes);
    e.info = std::move(peer);
}

void ChannelReporter::terminatorFound(const Terminator& inForce, bool counted) { foundEvent(inForce, counted); }

Event* ChannelReporter::foundEvent(const Terminator& inForce, bool counted) {
    if (counted) {
        ++m_counters.messagesIn;
        ++m_ctx.totals.messagesIn;
    }
    const std::uint64_t size = std::exchange(m_counters.pending, 0);
    if (m_ctx.level < EventLevel::Messages) return nullptr;
    Event& e = emit(EventKind::FoundTerminator);
    e.setTerminator(inForce.isCount() ? Terminator::count(0) : inForce);
    e.size = static_cast<std::int64_t>(size);
    return &e;
}

void ChannelReporter::terminatorFound(const Terminator& inForce, bool counted, std::uint64_t group,
                                      std::string_view rule, std::string_view mark) {
    Event* found = foundEvent(inForce, counted);
    if (!found) return;
    Event& e = *found;
    // Kept in Event::parent (32 bits): past 2^32 - 1 groups on one channel the id is left out.
    e.parent = group <= 0xffffffffu ? static_cast<ChannelId>(group) : 0;
    e.info.assign(rule);
    e.aux.assign(mark);
}

void ChannelReporter::pushed(ProducerKind kind, std::int64_t size, std::int64_t copies, std::string_view info,
                             std::uint64_t messages) {
    Event& e = emit(EventKind::Push);
    e.sub = static_cast<std::uint8_t>(kind);
    e.size = size;
    e.count = copies;
    e.info.assign(info);
    messagesSent(messages);
}

void ChannelReporter::error(int code, std::string message) {
    Event& e = emit(EventKind::Error);
    e.error = code;
    e.aux = sockops::errorName(code);
    e.info = std::move(message);
}

void ChannelReporter::warning(WarningCode code, std::string message, std::int64_t size, std::string_view data) {
    Event& e = emit(EventKind::Warning);
    e.sub = static_cast<std::uint8_t>(code);
    e.info = std::move(message);
    e.size = size;
    e.data.assign(data);
}

ChannelState ChannelReporter::state(ChannelPhase phase) const {
    ChannelState st;
    st.role = m_role;
    st.phase = phase;
    st.parent = m_parent;
    st.bytesIn = m_counters.bytesIn;
    st.bytesOut = m_counters.bytesOut;
    st.messagesIn = m_counters.messagesIn;
    st.messagesOut = m_counters.messagesOut;
    st.pendingMessage = m_counters.pending;
    return st;
}

void ChannelReporter::snapshot(ChannelState state) {
    emit(EventKind::ChannelState).state = std::make_shared<const ChannelState>(std::move(state));
}

void ChannelReporter::closed(CloseReason reason, int error, std::string detail, ChannelState last) {
    Event& e = emit(EventKind::Closed);
    e.sub = static_cast<std::uint8_t>(reason);
    e.error = error;
    e.aux = sockops::errorName(error);
    e.info = std::move(detail);
    e.state = std::make_shared<const ChannelState>(std::move(last));
}

ChannelId ChannelReporter::idOf(const Dispatcher& d) {
    if (const DispatcherTap* t = d.tap()) return t->traceId();
    const auto* c = dynamic_cast<const Channel*>(&d);
    return c ? c->channelId() : 0;
}

void ChannelReporter::describe(ChannelState& st, const Dispatcher& d) {
    if (const auto* chat = dynamic_cast<const AsyncChat*>(&d)) {
        st.terminator = chat->getTerminator();
        st.inBufferSize = chat->acInBufferSize;
        st.outBufferSize = chat->acOutBufferSize;
        st.residue.assign(chat->inputBuffer());
        const Fifo& fifo = chat->producerFifo();
        st.queuedBytes = fifo.queuedBytes();
        st.fifoEntries = fifo.size();
        st.fifo.clear();
        for (const Fifo::Entry& entry : fifo) {
            if (st.fifo.size() == kListedFifoEntries) break;
            switch (entry.kind) {
            case Fifo::Entry::Kind::Data:
                st.fifo.push_back({"bytes", static_cast<long long>(entry.pending().size())});
                break;
            case Fifo::Entry::Kind::Producer:
                st.fifo.push_back({std::string(entry.producer->kind()), entry.producer->remaining()});
                break;
            case Fifo::Entry::Kind::Close:
                st.fifo.push_back({"close", 0});
                break;
            }
        }
    } else if (const auto* ws = dynamic_cast<const DispatcherWithSend*>(&d)) {
        st.terminator = Terminator::none();
        st.queuedBytes = ws->outBuffer.size();
        st.fifoEntries = ws->outBuffer.empty() ? 0 : 1;
    } else {
        st.terminator = Terminator::none();
    }
}

std::string ChannelReporter::nextStep(const Dispatcher& d, bool r, bool w, unsigned bits, std::uint64_t waiting) {
    const auto* chat = dynamic_cast<const AsyncChat*>(&d);
    std::string out;
    auto add = [&](std::string s) {
        if (!out.empty()) out += "; then ";
        out += std::move(s);
    };
    const bool in = r && (bits & (kReadyIn | kReadyHup | kReadyErr));
    const bool wr = w && (bits & kReadyOut);
    if (in) {
        if (d.accepting)
            add("handle_accept: a connection is waiting");
        else if (d.connecting && !d.connected)
            add("handle_connect_event → handle_connect");
        else if (waiting == 0)
            add("handle_read: recv returns b'' (the peer closed) → handle_close");
        else if (chat)
            add("handle_read: recv up to " + std::to_string(chat->acInBufferSize) + " of " + std::to_string(waiting) +
                " waiting bytes");
        else
            add("handle_read: " + std::to_string(waiting) + " bytes waiting for recv");
    }
    if (wr) {
        if (d.connecting && !d.connected && !in)
            add("handle_connect_event → handle_connect, then handle_write");
        else if (chat)
            add("handle_write: initiate_send " + queuedText(chat->producerFifo()) + " (one send of at most " +
                std::to_string(chat->acOutBufferSize) + ")");
        else if (const auto* ws = dynamic_cast<const DispatcherWithSend*>(&d))
            add("handle_write: initiate_send " + std::to_string(ws->outBuffer.size()) + " queued bytes");
        else
            add("handle_write");
    }
    if (out.empty()) {
        if (r && waiting == 0 && !d.accepting)
            out = "nothing waiting: handle_read when bytes arrive";
        else if (d.accepting)
            out = "no connection waiting";
        else if (!r && !w)
            out = "neither readable() nor writable(): not waited on";
    }
    return out;
}

}  // namespace engine
