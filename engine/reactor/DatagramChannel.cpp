// DatagramChannel.cpp — the Reactor's UDP channel.
#include "engine/reactor/DatagramChannel.h"

#include "engine/net/SocketOps.h"
#include "engine/reactor/CurrentException.h"
#include "engine/reactor/EventQueue.h"

#include <exception>
#include <stdexcept>
#include <system_error>

namespace engine {

DatagramChannel::DatagramChannel(ChannelContext& ctx, Loop& loop, ChannelId id, ChannelRole role,
                                 const DatagramOptions& options, std::function<void(DatagramChannel&)> onClosed)
    : DatagramDispatcher(&loop), m_ctx(ctx), m_report(ctx, id, role, 0), m_opts(options),
      m_onClosed(std::move(onClosed)) {
    m_traceTap.id = id;
    setTap(&m_traceTap);
    setTerminator(m_opts.terminator);
    setQueueLimit(m_opts.queueLimit);
    ignoreLogTypes.insert("info");
}

DatagramChannel::~DatagramChannel() {
    if (socketHandle() != kInvalidSocket) closeNoThrow();
    setTap(nullptr);
}

void DatagramChannel::setup(const Address* bound) {
    // The options that apply to both modes; any refusal is an error that closes.
    if (std::string why = datagramOptionsProblem(m_opts, bound != nullptr, bound ? bound->host() : std::string());
        !why.empty())
        throw std::runtime_error(why);
    if (m_opts.broadcast) setBroadcast(true);
    Address v4If;
    unsigned v6If = 0;
    parseMulticastInterface(m_opts.multicastInterface, v4If, v6If);
    if (!m_opts.multicastInterface.empty()) setMulticastInterface(v4If, v6If);
    if (m_opts.multicastTtl >= 0) setMulticastTtl(m_opts.multicastTtl);
    if (m_opts.multicastLoop >= 0) setMulticastLoop(m_opts.multicastLoop != 0);
}

void DatagramChannel::bindTo(const Address& address) {
    try {
        createDatagramSocket(address.family());
        if (!m_opts.multicastGroup.empty()) setReuseAddr();  // several receivers of one group on one host
        setup(&address);
        // With a group (of the address's family: setup() checked it), bound to
        // the wildcard or the group itself so that the group's datagrams arrive.
        bind(address);
        if (!m_opts.multicastGroup.empty()) {
            Address v4If;
            unsigned v6If = 0;
            parseMulticastInterface(m_opts.multicastInterface, v4If, v6If);
            joinGroup(*Address::fromNumeric(m_opts.multicastGroup, 0), v4If, v6If);
        }
        std::error_code ec;
        const Address local = sockops::localAddress(socketHandle(), ec);
        m_local = local.toString();
        addr = local;
        m_phase = ChannelPhase::Listening;
        m_report.listening(m_local, local.port());
    } catch (const std::system_error& e) {
        std::string what = e.code() == std::errc::address_in_use
                               ? "cannot bind UDP " + address.toString() + ": the port is in use"
                               : std::string("cannot open UDP ") + address.toString() + ": " + e.what();
        fail(e.code().value(), std::move(what));
    } catch (const std::exception& e) {
        fail(0, std::string("cannot open UDP ") + address.toString() + ": " + e.what());
    }
}

void DatagramChannel::connectToPeer(const Address& peer, const std::string& host) {
    try {
        createDatagramSocket(peer.family());
        setup(nullptr);
        m_phase = ChannelPhase::Connecting;
        m_report.connecting(peer, host);
        connectPeer(peer);
        std::error_code ec;
        m_local = sockops::localAddress(socketHandle(), ec).toString();
        m_peer = peer.toString();
        m_phase = ChannelPhase::Connected;
        m_report.connected(m_peer, m_local);
    } catch (const std::system_error& e) {
        fail(e.code().value(), std::string("cannot open UDP to ") + peer.toString() + ": " + e.what());
    } catch (const std::exception& e) {
        fail(0, std::string("cannot open UDP to ") + peer.toString() + ": " + e.what());
    }
}

void DatagramChannel::openFailed(std::string message) { fail(0, std::move(message)); }

void DatagramChannel::fail(int code, std::string message) {
    m_report.error(code, message);
    finish(CloseReason::Error, code, std::move(message));
}

void DatagramChannel::finish(CloseReason reason, int error, std::string detail) {
    if (isClosed()) return;
    const bool hadSocket = socketHandle() != kInvalidSocket;
    ChannelState last = snapshot();
    if (hadSocket) closeNoThrow();
    m_phase = ChannelPhase::Closed;
    last.phase = ChannelPhase::Closed;
    last.readable = last.writable = false;
    m_report.closed(reason, error, std::move(detail), std::move(last));
    if (m_onClosed) m_onClosed(*this);
}

void DatagramChannel::closeLocally(std::string detail) {
    if (const std::size_t n = queuedDatagrams(); n > 0)
        m_report.warning(WarningCode::Unsent,
                         std::to_string(n) + " datagram(s) of " + std::to_string(queuedBytes()) +
                             " bytes were never sent",
                         static_cast<std::int64_t>(queuedBytes()));
    finish(CloseReason::Local, 0, std::move(detail));
}

void DatagramChannel::pushDatagram(std::string data, const Address& to) {
    if (isClosed() || socketHandle() == kInvalidSocket) {
        m_report.error(0, "cannot send: the UDP channel is not open");
        return;
    }
    Address dest = to;
    if (dest.isEmpty() && !connected) {
        if (m_lastSender.isEmpty()) {
            m_report.error(0, "cannot send: this UDP channel is bound and has received nothing yet, so there is no "
                              "one to reply to; give an address");
            return;
        }
        dest = m_lastSender;
    }
    if (!dest.isEmpty() && dest.family() != family()) {
        m_report.error(0, "cannot send to " + dest.toString() + ": not an address of the channel's family");
        return;
    }
    const std::size_t size = data.size();
    switch (queue(std::move(data), dest)) {
    case SendResult::Sent:
    case SendResult::WouldBlock:  // (queue() does not return it)
        return;
    case SendResult::Unreachable:
    case SendResult::Refused:
        return;  // reported by handleUnreachable() / handleRefused()
    case SendResult::TooLarge:
        m_report.error(static_cast<int>(std::errc::message_size),
                       "cannot send a datagram of " + std::to_string(size) + " bytes: UDP over " +
                           (family() == kAfInet6 ? "IPv6 carries at most 65527" : "IPv4 carries at most 65507") +
                           " bytes; nothing was sent");
        return;
    case SendResult::QueueFull:
        m_report.error(static_cast<int>(std::errc::no_buffer_space),
                       "cannot send a datagram of " + std::to_string(size) + " bytes: " +
                           std::to_string(queuedBytes()) + " bytes already wait for the socket (the limit is " +
                           std::to_string(m_opts.queueLimit) + "); it was dropped");
        return;
    }
}

void DatagramChannel::applyTerminator(const Terminator& t) {
    m_opts.terminator = t;
    setTerminator(t);
    m_report.emit(EventKind::TerminatorSet).setTerminator(t);
}

void DatagramChannel::discard() {
    const std::size_t bytes = queuedBytes();
    const std::size_t n = discardQueue();
    Event& e = m_report.emit(EventKind::Discarded);
    e.size = static_cast<std::int64_t>(bytes);
    e.count = static_cast<std::int64_t>(n);
}

ChannelState DatagramChannel::snapshot() {
    ChannelState s = m_report.state(m_phase);
    s.peer = m_peer;
    s.local = m_local;
    s.terminator = m_opts.terminator;
    s.inBufferSize = kMaxReceive;
    s.outBufferSize = kMaxReceive;
    s.highWater = m_opts.queueLimit;
    s.echo = m_opts.echo;
    s.queuedBytes = queuedBytes();
    s.fifoEntries = queuedDatagrams();
    if (!isClosed() && socketHandle() != kInvalidSocket) {
        s.readable = readable();
        s.writable = writable();
    }
    return s;
}

bool DatagramChannel::readable() {
    if (m_ctx.inputPaused) return false;
    // An echo server whose replies cannot leave stops taking more.
    if (m_opts.echo && queuedBytes() > m_opts.queueLimit / 2) return false;
    return true;
}

void DatagramChannel::handleDatagram(const Datagram& d) {
    m_report.received(d.data.size());
    if (!connected) m_lastSender = d.peer;
    DatagramDispatcher::handleDatagram(d);  // the messages, reported
    if (m_opts.echo && !isClosed()) pushDatagram(d.data, d.peer);
}

void DatagramChannel::handleMessage(std::string_view message, const Datagram& d, bool terminated) {
    (void)terminated;
    m_report.datagram(message, d.peer.toString(), terminator().framesInput() ? d.data.size() : 0);
    m_ctx.checkMessageLimit();
}

void DatagramChannel::handleOversized(const Datagram& d) {
    m_report.received(d.data.size());
    m_report.warning(WarningCode::Oversized,
                     "a datagram from " + d.peer.toString() + " of " + std::to_string(d.fullSize) +
                         " bytes did not fit the " + std::to_string(kMaxReceive) +
                         "-byte receive buffer; it was dropped",
                     static_cast<std::int64_t>(d.fullSize));
}

void DatagramChannel::handleUnreachable(const Address& peer, const std::error_code& ec) {
    ++m_unreachable;
    const std::string who = peer.isEmpty() ? std::string("the peer") : peer.toString();
    m_report.warning(WarningCode::Unreachable,
                     who + " is unreachable (ICMP: " + sockops::describe(ec) +
                         (sockops::isPortUnreachable(ec) ? ", nothing listens on that port" : "") +
                         "); the channel stays open",
                     static_cast<std::int64_t>(m_unreachable));
}

void DatagramChannel::handleRefused(const Address& to, std::size_t size, const std::error_code& ec) {
    // The system refused this one datagram (EACCES: a broadcast address
    // without SO_BROADCAST; EADDRNOTAVAIL, ENETUNREACH, …), sent at once or
    // from the queue: an `error`; the channel stays open, as for a datagram
    // too large.
    std::string why = "cannot send a datagram of " + std::to_string(size) + " bytes: sendto " + to.toString() + ": " +
                      sockops::describe(ec);
    if (ec == std::errc::permission_denied) why += " (a broadcast address needs SO_BROADCAST: the broadcast option)";
    m_report.error(ec.value(), why + "; nothing was sent");
}

void DatagramChannel::handleSent(std::string_view data, const Address& to) { m_report.datagramSent(data, to.toString()); }

void DatagramChannel::handleDatagramClose() {
    std::error_code ec;
    const int err = socketHandle() != kInvalidSocket ? sockops::pendingError(socketHandle(), ec) : 0;
    fail(err, "the UDP socket failed" + (err ? ": " + sockops::describe(sockops::errorFromNative(err)) : std::string()));
}

void DatagramChannel::handleError() {
    int code = 0;
    std::string what = currentExceptionMessage(code, "unknown error");
    fail(code, std::move(what));
}

}  // namespace engine
