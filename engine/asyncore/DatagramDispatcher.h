// DatagramDispatcher.h — asyncore.dispatcher over a datagram (UDP) socket:
// `create_socket(AF_INET, SOCK_DGRAM)`, datagrams read in handle_read.
//
// What it does: a Dispatcher whose socket is SOCK_DGRAM (IPv4 or IPv6).
// Each readable event reads up to `maxPerRead` datagrams with recvfrom()
// (so one busy socket cannot starve the rest of the map), each with the
// address it came from, and hands each to handleDatagram(). A datagram is
// one message; with a terminator (setTerminator(): bytes or a count) it is
// cut into several messages, each handed to handleMessage() with whether it
// ended with the terminator — nothing carries over from one datagram to the
// next (a datagram is never a piece of a stream). Sending: sendTo() sends
// one datagram now; queue() keeps datagrams (bounded by setQueueLimit()) for
// when the socket is writable again, and writable() is true only while some
// wait, so an idle datagram socket never spins the loop.
// What is not fatal, as asyncore would make it (a datagram socket has no
// connection to lose):
//   * a datagram larger than the receive buffer (MSG_TRUNC / WSAEMSGSIZE):
//     handleOversized() with the size the system reports; the bytes that
//     fitted are not framed.
//   * ICMP port unreachable on a connected socket (ECONNREFUSED from recv,
//     send or the pending error behind POLLERR — the poll backends call
//     handleClose() on POLLERR, which is therefore filtered here):
//     handleUnreachable(); the socket stays open.
//   * a datagram larger than UDP can carry (65,507 bytes over IPv4, 65,527
//     over IPv6): sendTo()/queue() refuse it with SendResult::TooLarge,
//     before any system call.
//   * a datagram the system refuses to send (EACCES: a broadcast address
//     without SO_BROADCAST; EADDRNOTAVAIL, ENETUNREACH, …), at once or from
//     the queue: handleRefused(), SendResult::Refused; it is dropped and the
//     socket stays open.
// Options: SO_BROADCAST, multicast join/leave (an interface address for
// IPv4, an interface index for IPv6), the outgoing multicast interface,
// TTL / hop limit and loop; socket buffer sizes. All go through
// engine/net/SocketOps.h.
// What it owns: its socket (as Dispatcher), the receive buffer (one
// datagram's worth, allocated once), and the datagrams queued for sending.
// Threads: loop thread only (the thread that runs its Loop).
#pragma once

#include "engine/asyncore/Dispatcher.h"
#include "engine/asyncore/Terminator.h"
#include "engine/net/Address.h"

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace engine {

class DatagramDispatcher : public Dispatcher {
public:
    /// One datagram as recvfrom() returned it.
    struct Datagram {
        std::string data;           ///< The bytes (the first kMaxReceive when truncated).
        Address peer;               ///< Who sent it (empty if the system did not say).
        bool truncated = false;     ///< It did not fit: the rest was lost.
        std::size_t fullSize = 0;   ///< Its real size where the system tells (Linux), else data.size() + 1 when truncated.
    };
    enum class SendResult {
        Sent,        ///< Sent (sendTo) or queued (queue).
        WouldBlock,  ///< sendTo: the socket buffer is full; nothing was sent.
        TooLarge,    ///< Larger than a UDP datagram can be; refused before any system call.
        Unreachable, ///< The peer's port is closed (ICMP); handleUnreachable() has run.
        QueueFull,   ///< queue: the queue is at its limit; the datagram was dropped.
        Refused,     ///< The system refused this one datagram (EACCES: a broadcast address without
                     ///< SO_BROADCAST; EADDRNOTAVAIL, …); handleRefused() has run. The socket stays open.
    };
    /// Receive buffer: one datagram of the largest size UDP carries, plus one
    /// byte, so that a larger one (possible over IPv6 jumbograms or other
    /// transports) is seen as truncated.
    static constexpr std::size_t kMaxReceive = 65535;
    static constexpr std::size_t kDefaultQueueLimit = 4u << 20;

    explicit DatagramDispatcher(Loop* map = nullptr);
    ~DatagramDispatcher() override;

    /// create_socket(family, SOCK_DGRAM).
    void createDatagramSocket(int family = kAfInet);
    /// connect() on a datagram socket: fixes the default destination and
    /// filters what is received to that peer; completes at once (connected
    /// = true, addr = a). The system then reports ICMP port unreachable.
    void connectPeer(const Address& a);

    /// Sends one datagram now (`to` empty: the connected peer).
    SendResult sendTo(std::string_view data, const Address& to = {});
    /// Queues one datagram to be sent when the socket is writable (`to`
    /// empty: the connected peer). Sends at once when nothing waits and the
    /// socket takes it.
    SendResult queue(std::string data, Address to = {});
    std::size_t queuedBytes() const noexcept { return m_queuedBytes; }
    std::size_t queuedDatagrams() const noexcept { return m_queue.size(); }
    void setQueueLimit(std::size_t bytes) noexcept { m_queueLimit = bytes; }
    /// Drops whatever is queued; returns the datagrams dropped.
    std::size_t discardQueue() noexcept;

    /// Reads one datagram. nullopt when none waits (EWOULDBLOCK) or after
    /// handleUnreachable() (ICMP). Other errors throw std::system_error.
    std::optional<Datagram> recvFrom();

    /// Framing within a datagram: none (each datagram one message), bytes,
    /// or a count (fixed-size records).
    void setTerminator(Terminator t) { m_terminator = std::move(t); }
    const Terminator& terminator() const noexcept { return m_terminator; }
    /// The largest datagram this socket's family can send.
    std::size_t maxPayload() const noexcept;

    // --- Options -----------------------------------------------------------------
    /// Each throws std::system_error when the system refuses.
    void setBroadcast(bool on);
    void joinGroup(const Address& group, const Address& v4Interface = {}, unsigned v6Interface = 0);
    void leaveGroup(const Address& group, const Address& v4Interface = {}, unsigned v6Interface = 0);
    void setMulticastInterface(const Address& v4Interface, unsigned v6Interface = 0);
    void setMulticastTtl(int ttl);
    void setMulticastLoop(bool on);
    void setReceiveBuffer(int bytes);

    /// Datagrams read per readable event at most.
    std::size_t maxPerRead = 64;
    /// The socket's family (0 before createDatagramSocket()).
    int family() const noexcept { return m_family; }

    // --- asyncore -------------------------------------------------------------------
    bool readable() override { return true; }
    bool writable() override { return !m_queue.empty(); }
    /// Reads up to maxPerRead datagrams: handleOversized() or handleDatagram() for each.
    void handleRead() override;
    /// Sends what is queued, until the socket would block.
    void handleWrite() override;
    /// Filters POLLERR that carries an ICMP error (handleUnreachable());
    /// anything else goes to handleDatagramClose().
    void handleClose() final;

    // --- Hooks ---------------------------------------------------------------------------
    /// One datagram. Default: cut it by the terminator into handleMessage() calls.
    virtual void handleDatagram(const Datagram& d);
    /// One message of a datagram; `terminated`: it ended with the terminator
    /// (always true without one, or for a complete count record).
    virtual void handleMessage(std::string_view message, const Datagram& d, bool terminated);
    /// A datagram that did not fit. Default: logInfo (warning).
    virtual void handleOversized(const Datagram& d);
    /// ICMP port unreachable for `peer` (the connected peer; empty if not connected).
    virtual void handleUnreachable(const Address& peer, const std::error_code& ec);
    /// The system refused to send one datagram of `size` bytes to `to` (sent
    /// at once or from the queue), for `ec`; it is dropped. Default: logInfo.
    virtual void handleRefused(const Address& to, std::size_t size, const std::error_code& ec);
    /// A datagram sent (by sendTo or from the queue).
    virtual void handleSent(std::string_view data, const Address& to);
    /// The socket really is in trouble (not an ICMP error). Default: as
    /// asyncore's handle_close: logInfo, close().
    virtual void handleDatagramClose();

protected:
    std::string_view className() const override { return "DatagramDispatcher"; }

private:
    struct Outgoing {
        std::string data;
        Address to;
    };
    SendResult sendNow(std::string_view data, const Address& to);

    int m_family = 0;
    Terminator m_terminator;
    std::string m_buffer;  // kMaxReceive + 1 bytes once the first read happens
    std::deque<Outgoing> m_queue;
    std::size_t m_queuedBytes = 0;
    std::size_t m_queueLimit = kDefaultQueueLimit;
};

}  // namespace engine
