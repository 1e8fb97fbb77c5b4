// DatagramOptions.h — what a UDP channel starts with, and what is wrong with it.
//
// What it does: DatagramOptions are the options of a UDP channel
// (DatagramChannel.h, cmd::OpenDatagram): framing within a datagram, echo,
// broadcast, the multicast group, interface, TTL and loop, the send queue's
// limit. datagramOptionsProblem() says in one sentence what is wrong with
// them: DatagramChannel refuses to open with it, and the window and
// linewright-cli say it before anything opens.
// What it owns: its strings.
// Threads: plain values and pure functions; any thread.
#pragma once

#include "engine/asyncore/Terminator.h"
#include "engine/net/Address.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace engine {

/// What a UDP channel (DatagramChannel.h) starts with.
struct DatagramOptions {
    static constexpr std::size_t kDefaultQueueLimit = 4u << 20;  // 4 MiB
    /// Framing within a datagram: none (each datagram one message), bytes,
    /// or a count. Nothing carries over from one datagram to the next.
    Terminator terminator = Terminator::none();
    /// Each datagram received goes back, byte for byte, to its sender.
    bool echo = false;
    /// SO_BROADCAST (needed to send to a broadcast address).
    bool broadcast = false;
    /// A bound channel joins this multicast group (a numeric address; "": none).
    std::string multicastGroup;
    /// The interface for the group and for outgoing multicast: an IPv4
    /// address, or an IPv6 interface index as a number ("": the system's choice).
    std::string multicastInterface;
    /// IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS (-1: the system's default, 1).
    int multicastTtl = -1;
    /// IP_MULTICAST_LOOP (-1: the system's default, on; 0 off; 1 on).
    int multicastLoop = -1;
    /// Datagrams waiting for the socket, in bytes, at most; an echoing
    /// channel stops reading while its replies fill half of it, and a push
    /// past it is dropped with an `error`.
    std::size_t queueLimit = kDefaultQueueLimit;
};

/// What is wrong with `o` for a UDP channel, in one sentence ("" when
/// nothing): a TTL over 255, a multicast interface that is neither an IPv4
/// address nor an interface index and — bound (`bind`), with a group — a
/// group that is not a numeric multicast address, an interface of the kind
/// the group's family does not take, and a host (`host`, numeric, as given)
/// that would not hear the group (not the wildcard 0.0.0.0 / :: or the
/// group itself) or of another family than the group.
std::string datagramOptionsProblem(const DatagramOptions& o, bool bind, std::string_view host);

/// The multicast interface as given: an IPv4 address (into `v4`), or an
/// IPv6 interface index (into `v6index`); "" is the system's choice (true,
/// nothing set). False when it is neither.
bool parseMulticastInterface(const std::string& text, Address& v4, unsigned& v6index);

}  // namespace engine
