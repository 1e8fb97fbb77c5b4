// DatagramDispatcher.cpp — asyncore.dispatcher over a UDP socket.
#include "engine/asyncore/DatagramDispatcher.h"

#include "engine/net/SocketOps.h"

namespace engine {

DatagramDispatcher::DatagramDispatcher(Loop* map) : Dispatcher(map) {}

DatagramDispatcher::~DatagramDispatcher() = default;

void DatagramDispatcher::createDatagramSocket(int family) {
    createSocket(family, kSockDgram);
    m_family = family;
}

void DatagramDispatcher::connectPeer(const Address& a) {
    std::error_code ec;
    sockops::connect(m_socket.get(), a, ec);
    if (ec) throw std::system_error(ec, "connect " + a.toString());
    addr = a;
    connecting = false;
    connected = true;
    if (m_tap) {
        m_tap->connecting(*this, a);
        m_tap->connected(*this);
    }
}

std::size_t DatagramDispatcher::maxPayload() const noexcept { return sockops::maxUdpPayload(m_family); }

DatagramDispatcher::SendResult DatagramDispatcher::sendNow(std::string_view data, const Address& to) {
    std::error_code ec;
    sockops::sendTo(m_socket.get(), data.data(), data.size(), to, ec);
    if (!ec) {
        if (m_tap) m_tap->sent(*this, data);
        handleSent(data, to.isEmpty() ? addr : to);
        return SendResult::Sent;
    }
    if (sockops::isWouldBlock(ec) || ec == std::errc::no_buffer_space) return SendResult::WouldBlock;
    if (sockops::isPortUnreachable(ec)) {
        handleUnreachable(to.isEmpty() ? addr : to, ec);
        return SendResult::Unreachable;
    }
    if (ec == std::errc::message_size) return SendResult::TooLarge;
    handleRefused(to.isEmpty() ? addr : to, data.size(), ec);
    return SendResult::Refused;
}

DatagramDispatcher::SendResult DatagramDispatcher::sendTo(std::string_view data, const Address& to) {
    if (data.size() > maxPayload()) return SendResult::TooLarge;
    return sendNow(data, to);
}

DatagramDispatcher::SendResult DatagramDispatcher::queue(std::string data, Address to) {
    if (data.size() > maxPayload()) return SendResult::TooLarge;
    if (m_queue.empty()) {
        const SendResult r = sendNow(data, to);
        if (r != SendResult::WouldBlock) return r;
    }
    if (m_queuedBytes + data.size() > m_queueLimit && !m_queue.empty()) return SendResult::QueueFull;
    m_queuedBytes += data.size();
    m_queue.push_back({std::move(data), std::move(to)});
    return SendResult::Sent;
}

std::size_t DatagramDispatcher::discardQueue() noexcept {
    const std::size_t n = m_queue.size();
    m_queue.clear();
    m_queuedBytes = 0;
    return n;
}

void DatagramDispatcher::handleWrite() {
    while (!m_queue.empty()) {
        Outgoing& o = m_queue.front();
        const SendResult r = sendNow(o.data, o.to);
        if (r == SendResult::WouldBlock) return;
        // Sent, or refused for good (unreachable, too large): either way it leaves the queue.
        m_queuedBytes -= o.data.size();
        m_queue.pop_front();
        if (!m_socket) return;  // a hook closed us
    }
}

std::optional<DatagramDispatcher::Datagram> DatagramDispatcher::recvFrom() {
    if (m_buffer.size() != kMaxReceive + 1) m_buffer.resize(kMaxReceive + 1);
    Datagram d;
    std::error_code ec;
    const std::size_t n =
        sockops::recvFrom(m_socket.get(), m_buffer.data(), kMaxReceive, &d.peer, d.truncated, d.fullSize, ec);
    if (ec) {
        if (sockops::isWouldBlock(ec)) return std::nullopt;
        if (sockops::isPortUnreachable(ec)) {
            handleUnreachable(addr, ec);
            return std::nullopt;
        }
        throw std::system_error(ec, "recvfrom");
    }
    if (d.peer.isEmpty() && connected) d.peer = addr;
    d.data.assign(m_buffer.data(), n);
    if (m_tap) m_tap->received(*this, d.data);
    return d;
}

void DatagramDispatcher::handleRead() {
    for (std::size_t i = 0; i < maxPerRead && m_socket; ++i) {
        std::optional<Datagram> d = recvFrom();
        if (!d) return;
        if (d->truncated)
            handleOversized(*d);
        else
            handleDatagram(*d);
    }
}

void DatagramDispatcher::handleClose() {
    if (m_socket) {
        std::error_code ec;
        const int err = sockops::pendingError(m_socket.get(), ec);  // reading SO_ERROR clears it
        if (!ec && err != 0) {
            const std::error_code e = sockops::errorFromNative(err);
            if (sockops::isPortUnreachable(e) || e == std::errc::host_unreachable ||
                e == std::errc::network_unreachable || e == std::errc::message_size) {
                handleUnreachable(addr, e);
                return;
            }
        } else if (!ec && err == 0 && m_socket) {
            // POLLERR with nothing pending (the error was taken by a recv in
            // the same pass): nothing to close for.
            return;
        }
    }
    handleDatagramClose();
}

void DatagramDispatcher::handleDatagramClose() {
    logInfo("unhandled close event", "warning");
    close();
}

void DatagramDispatcher::handleDatagram(const Datagram& d) {
    const std::string_view all(d.data);
    if (!m_terminator.framesInput()) {
        handleMessage(all, d, true);
        return;
    }
    std::size_t pos = 0;
    if (m_terminator.isCount()) {
        const std::size_t n = static_cast<std::size_t>(m_terminator.countValue());
        while (pos < all.size() && m_socket) {
            const std::size_t take = all.size() - pos < n ? all.size() - pos : n;
            handleMessage(all.substr(pos, take), d, take == n);
            pos += take;
        }
        return;
    }
    const std::string& t = m_terminator.bytesValue();
    while (pos < all.size() && m_socket) {
        const std::size_t at = findTerminator(all.substr(pos), t);
        if (at == std::string_view::npos) {
            handleMessage(all.substr(pos), d, false);
            return;
        }
        handleMessage(all.substr(pos, at), d, true);
        pos += at + t.size();
    }
}

void DatagramDispatcher::handleMessage(std::string_view message, const Datagram& d, bool terminated) {
    (void)message;
    (void)d;
    (void)terminated;
    logInfo("unhandled datagram", "warning");
}

void DatagramDispatcher::handleOversized(const Datagram& d) {
    logInfo("datagram from " + d.peer.toString() + " truncated (" + std::to_string(d.fullSize) + " bytes)",
            "warning");
}

void DatagramDispatcher::handleUnreachable(const Address& peer, const std::error_code& ec) {
    logInfo("unreachable: " + peer.toString() + ": " + sockops::describe(ec), "warning");
}

void DatagramDispatcher::handleRefused(const Address& to, std::size_t size, const std::error_code& ec) {
    logInfo("a datagram of " + std::to_string(size) + " bytes to " + to.toString() + " was refused: " +
                sockops::describe(ec),
            "warning");
}

void DatagramDispatcher::handleSent(std::string_view data, const Address& to) {
    (void)data;
    (void)to;
}

namespace {
void check(const std::error_code& ec, const char* what) {
    if (ec) throw std::system_error(ec, what);
}
}  // namespace

void DatagramDispatcher::setBroadcast(bool on) {
    std::error_code ec;
    sockops::setBroadcast(m_socket.get(), on, ec);
    check(ec, "SO_BROADCAST");
}

void DatagramDispatcher::joinGroup(const Address& group, const Address& v4Interface, unsigned v6Interface) {
    std::error_code ec;
    sockops::setMulticastMembership(m_socket.get(), group, true, v4Interface, v6Interface, ec);
    check(ec, "join multicast group");
}

void DatagramDispatcher::leaveGroup(const Address& group, const Address& v4Interface, unsigned v6Interface) {
    std::error_code ec;
    sockops::setMulticastMembership(m_socket.get(), group, false, v4Interface, v6Interface, ec);
    check(ec, "leave multicast group");
}

void DatagramDispatcher::setMulticastInterface(const Address& v4Interface, unsigned v6Interface) {
    std::error_code ec;
    sockops::setMulticastInterface(m_socket.get(), m_family, v4Interface, v6Interface, ec);
    check(ec, "multicast interface");
}

void DatagramDispatcher::setMulticastTtl(int ttl) {
    std::error_code ec;
    sockops::setMulticastTtl(m_socket.get(), m_family, ttl, ec);
    check(ec, "multicast TTL");
}

void DatagramDispatcher::setMulticastLoop(bool on) {
    std::error_code ec;
    sockops::setMulticastLoop(m_socket.get(), m_family, on, ec);
    check(ec, "multicast loop");
}

void DatagramDispatcher::setReceiveBuffer(int bytes) {
    std::error_code ec;
    sockops::setReceiveBuffer(m_socket.get(), bytes, ec);
    check(ec, "SO_RCVBUF");
}

}  // namespace engine
