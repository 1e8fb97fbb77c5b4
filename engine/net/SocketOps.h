// SocketOps.h — thin, error-code-returning wrappers over the socket syscalls.
//
// What it does: every function performs one system call (retrying EINTR),
// never throws, and reports failure through a std::error_code out-parameter
// in std::system_category(), so the value compares equal to std::errc
// conditions on POSIX and Windows alike. "Would block" is reported as
// std::errc::operation_would_block (EAGAIN / EWOULDBLOCK / WSAEWOULDBLOCK).
// What it owns: nothing; handles are owned by Socket or by the caller.
// Threads: the functions are reentrant; a given handle must only be used by
// one thread at a time (in practice: its loop's thread).
#pragma once

#include "engine/net/NetErrors.h"
#include "engine/net/Platform.h"

#include <cstddef>
#include <string>
#include <system_error>

namespace engine {

class Address;

namespace sockops {

/// A new non-blocking, non-inheritable socket; kInvalidSocket on failure.
NativeSocket create(int family, int type, std::error_code& ec);
/// Closes the handle. EBADF/ENOTCONN are reported but callers may ignore them.
void close(NativeSocket s, std::error_code& ec);
void setNonBlocking(NativeSocket s, bool on, std::error_code& ec);
void setReuseAddr(NativeSocket s, std::error_code& ec);
void setNoDelay(NativeSocket s, bool on, std::error_code& ec);
/// IPV6_V6ONLY; used so that "::" listens on IPv6 only unless asked.
void setV6Only(NativeSocket s, bool on, std::error_code& ec);

void bind(NativeSocket s, const Address& a, std::error_code& ec);
void listen(NativeSocket s, int backlog, std::error_code& ec);
/// connect_ex(): the raw result; EINPROGRESS/EWOULDBLOCK come back in ec.
void connect(NativeSocket s, const Address& a, std::error_code& ec);
/// accept4(..., SOCK_NONBLOCK | SOCK_CLOEXEC) where available.
NativeSocket accept(NativeSocket s, Address* peer, std::error_code& ec);

/// Bytes sent; 0 with ec set on failure. MSG_NOSIGNAL on Linux, SO_NOSIGPIPE
/// on macOS, so a closed peer gives EPIPE rather than SIGPIPE.
std::size_t send(NativeSocket s, const void* data, std::size_t len, std::error_code& ec);
/// Bytes received; 0 with ec clear means orderly shutdown by the peer.
std::size_t recv(NativeSocket s, void* buf, std::size_t len, std::error_code& ec);

/// getsockopt(SOL_SOCKET, SO_ERROR): the pending error, 0 if none.
int pendingError(NativeSocket s, std::error_code& ec);
/// Bytes waiting to be read from the socket's receive buffer (FIONREAD:
/// POSIX ioctl, Winsock ioctlsocket); 0 on error, with ec set.
std::size_t bytesAvailable(NativeSocket s, std::error_code& ec);
/// Readiness now, without waiting (poll() / WSAPoll() with a zero timeout),
/// for reading and/or writing: ReadyBits (ReadyBits.h), 0 when nothing is ready.
unsigned readinessNow(NativeSocket s, bool read, bool write, std::error_code& ec);
/// ReadyBits for poll()/WSAPoll() `revents`, the same on every platform: on
/// Windows a POLLHUP without POLLERR (WSAPoll's report of a peer's FIN) is
/// readable, as poll() reports a FIN on Linux, so it reads as `eof`.
unsigned readyFromPoll(int revents) noexcept;
Address localAddress(NativeSocket s, std::error_code& ec);
Address peerAddress(NativeSocket s, std::error_code& ec);
/// shutdown(SHUT_WR).
void shutdownWrite(NativeSocket s, std::error_code& ec);

/// A connected pair of stream sockets (socketpair on POSIX, a loopback TCP
/// pair on Windows). Both ends are blocking, as socket.socketpair() returns
/// them; dispatchers make their end non-blocking when they adopt it.
bool socketPair(NativeSocket out[2], std::error_code& ec);

// --- Datagrams (UDP) -----------------------------------------------------------

/// The largest UDP payload over IPv4 (65,535 - 20 - 8) and over IPv6 without
/// jumbograms (65,535 - 8).
inline constexpr std::size_t kMaxUdpPayloadV4 = 65507;
inline constexpr std::size_t kMaxUdpPayloadV6 = 65527;
/// kMaxUdpPayloadV4 or kMaxUdpPayloadV6 for `family`.
std::size_t maxUdpPayload(int family) noexcept;

/// sendto(); `to` empty means send() on a connected socket. Bytes sent (a
/// datagram goes whole or not at all); 0 with ec set on failure.
std::size_t sendTo(NativeSocket s, const void* data, std::size_t len, const Address& to, std::error_code& ec);
/// One datagram: recvmsg()/recvfrom(). Fills at most `len` bytes of `buf`,
/// the sender into `peer` (when not null). `fullSize` is the datagram's real
/// size where the system tells it (Linux), else `len` + 1 when it did not
/// fit; `truncated` says the datagram was larger than `len` (MSG_TRUNC,
/// WSAEMSGSIZE): the rest is lost. Returns the bytes stored.
std::size_t recvFrom(NativeSocket s, void* buf, std::size_t len, Address* peer, bool& truncated,
                     std::size_t& fullSize, std::error_code& ec);
/// True for the error a connected UDP socket reports after an ICMP port
/// unreachable: ECONNREFUSED (WSAECONNRESET on Windows).
bool isPortUnreachable(const std::error_code& ec);
/// SO_BROADCAST.
void setBroadcast(NativeSocket s, bool on, std::error_code& ec);
/// SO_RCVBUF / SO_SNDBUF (the system may round or cap the value).
void setReceiveBuffer(NativeSocket s, int bytes, std::error_code& ec);
void setSendBuffer(NativeSocket s, int bytes, std::error_code& ec);
/// Joins (or leaves) multicast group `group` (its port is ignored). IPv4:
/// on the interface whose address is `v4Interface` (empty: the system's
/// choice); IPv6: on interface index `v6Interface` (0: the system's choice).
void setMulticastMembership(NativeSocket s, const Address& group, bool join, const Address& v4Interface,
                            unsigned v6Interface, std::error_code& ec);
/// The interface outgoing multicast leaves by (IP_MULTICAST_IF /
/// IPV6_MULTICAST_IF), for a socket of `family`.
void setMulticastInterface(NativeSocket s, int family, const Address& v4Interface, unsigned v6Interface,
                           std::error_code& ec);
/// IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS (0..255).
void setMulticastTtl(NativeSocket s, int family, int ttl, std::error_code& ec);
/// IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP: whether our own multicast comes back to us.
void setMulticastLoop(NativeSocket s, int family, bool on, std::error_code& ec);
/// True when `a` is a multicast address (224.0.0.0/4, ff00::/8).
bool isMulticast(const Address& a) noexcept;

/// The last socket error as an error_code (errno, or WSAGetLastError()).
std::error_code lastError();
/// An errno / WSA error number (e.g. from pendingError()) as an error_code.
std::error_code errorFromNative(int err);
/// True for EAGAIN/EWOULDBLOCK (and WSAEWOULDBLOCK).
bool isWouldBlock(const std::error_code& ec);
/// True for connect()'s "in progress" results: EINPROGRESS, EALREADY,
/// EWOULDBLOCK, and WSAEINVAL on Windows (asyncore's list, D6).
bool isConnectInProgress(const std::error_code& ec);
/// asyncore._DISCONNECTED: ECONNRESET, ENOTCONN, ESHUTDOWN, ECONNABORTED,
/// EPIPE, EBADF (D12). ETIMEDOUT, ECONNREFUSED, EHOSTUNREACH are not in it.
bool isDisconnect(const std::error_code& ec);
/// Human-readable text for an error code ("Connection refused"); Winsock
/// codes get the Linux texts (NetErrors.h). errorName() (NetErrors.h) gives
/// the portable symbolic name ("ECONNREFUSED").
std::string describe(const std::error_code& ec);

}  // namespace sockops
}  // namespace engine
