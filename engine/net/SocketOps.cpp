// SocketOps.cpp — POSIX and Winsock2 implementations of the socket syscalls.
// Together with Platform.h this is the only file with platform #ifdefs for
// sockets.
#include "engine/net/SocketOps.h"

#include "engine/net/Address.h"
#include "engine/net/NetErrors.h"
#include "engine/net/ReadyBits.h"
#include "engine/net/Socket.h"

#include <cerrno>
#include <cstring>
#include <mutex>

#if defined(_MSC_VER)
#pragma comment(lib, "ws2_32.lib")  // MSVC only; CMake links ws2_32 for every compiler
#endif
#if !defined(_WIN32)
#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>
#endif

namespace engine {

void ensureNetworkInitialized() {
    static std::once_flag once;
    std::call_once(once, [] {
#if defined(_WIN32)
        WSADATA data;
        WSAStartup(MAKEWORD(2, 2), &data);
#else
        // A write to a socket whose peer has gone must come back as EPIPE,
        // never as a process-killing SIGPIPE. send() also passes MSG_NOSIGNAL
        // where it exists; ignoring the signal covers write(2) on pipes and
        // platforms without that flag.
        std::signal(SIGPIPE, SIG_IGN);
#endif
    });
}

void Socket::reset() noexcept {
    if (m_fd != kInvalidSocket) {
        std::error_code ec;
        sockops::close(m_fd, ec);
        m_fd = kInvalidSocket;
    }
}

namespace sockops {

namespace {

#if defined(_WIN32)
using SockLen = int;
// Winsock numbers in their own category, which maps them to std::errc
// (NetErrors.h): MinGW's system_category() does not.
inline std::error_code fromNative(int e) { return std::error_code(e, winsockCategory()); }
#else
using SockLen = socklen_t;
inline std::error_code fromNative(int e) { return std::error_code(e, std::generic_category()); }
#endif

// Where the platform has SO_NOSIGPIPE (BSD, macOS): a send on `s` to a
// closed peer fails with EPIPE instead of raising SIGPIPE.
void setNoSigPipe([[maybe_unused]] NativeSocket s) {
#if defined(SO_NOSIGPIPE)
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

// Retries a syscall while it fails with EINTR (PEP 475 semantics).
template <class F>
auto retryEintr(F f) {
    for (;;) {
        auto r = f();
#if defined(_WIN32)
        return r;
#else
        if (r == -1 && errno == EINTR) continue;
        return r;
#endif
    }
}

}  // namespace

std::error_code lastError() {
#if defined(_WIN32)
    return fromNative(WSAGetLastError());
#else
    return fromNative(errno);
#endif
}

namespace {

// What a send or receive call returned, as a byte count: 0 with `ec` set
// when it failed (-1; SOCKET_ERROR on Windows).
template <class N>
std::size_t byteCount(N n, std::error_code& ec) {
    if (n < 0) {
        ec = lastError();
        return 0;
    }
    return static_cast<std::size_t>(n);
}

#if defined(_WIN32)
// Winsock takes an int length: at most INT_MAX bytes a call.
int winLen(std::size_t len) { return static_cast<int>(len > 0x7fffffff ? 0x7fffffff : len); }
#elif defined(MSG_NOSIGNAL)
constexpr int kSendFlags = MSG_NOSIGNAL;  // EPIPE, not SIGPIPE (see ensureNetworkInitialized())
#else
constexpr int kSendFlags = 0;
#endif

}  // namespace

bool isWouldBlock(const std::error_code& ec) {
    return ec == std::errc::operation_would_block || ec == std::errc::resource_unavailable_try_again;
}

bool isConnectInProgress(const std::error_code& ec) {
    if (ec == std::errc::operation_in_progress || ec == std::errc::connection_already_in_progress ||
        isWouldBlock(ec))
        return true;
#if defined(_WIN32)
    if (ec == std::error_code(WSAEINVAL, winsockCategory())) return true;  // asyncore treats WSAEINVAL as "in progress" on Windows
#endif
    return false;
}

bool isDisconnect(const std::error_code& ec) {
    // ESHUTDOWN has no std::errc: by name, errno and WSAESHUTDOWN alike.
    return ec == std::errc::connection_reset || ec == std::errc::not_connected || errorName(ec) == "ESHUTDOWN" ||
           ec == std::errc::connection_aborted || ec == std::errc::broken_pipe ||
           ec == std::errc::bad_file_descriptor;
}

std::string describe(const std::error_code& ec) {
    return ec.message();
}

NativeSocket create(int family, int type, std::error_code& ec) {
    ensureNetworkInitialized();
    ec.clear();
#if defined(_WIN32)
    NativeSocket s = ::WSASocketW(family, type, 0, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT | WSA_FLAG_OVERLAPPED);
    if (s == INVALID_SOCKET) {
        ec = lastError();
        return kInvalidSocket;
    }
#elif defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    NativeSocket s = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
        ec = lastError();
        return kInvalidSocket;
    }
#else
    NativeSocket s = ::socket(family, type, 0);
    if (s < 0) {
        ec = lastError();
        return kInvalidSocket;
    }
    ::fcntl(s, F_SETFD, FD_CLOEXEC);
#endif
    setNoSigPipe(s);
    setNonBlocking(s, true, ec);
    if (ec) {
        std::error_code ignored;
        close(s, ignored);
        return kInvalidSocket;
    }
    return s;
}

void close(NativeSocket s, std::error_code& ec) {
    ec.clear();
#if defined(_WIN32)
    if (::closesocket(s) != 0) ec = lastError();
#else
    // close() is not retried on EINTR: the descriptor is gone either way on Linux.
    if (::close(s) != 0) ec = lastError();
#endif
}

void setNonBlocking(NativeSocket s, bool on, std::error_code& ec) {
    ec.clear();
#if defined(_WIN32)
    u_long mode = on ? 1 : 0;
    if (::ioctlsocket(s, static_cast<long>(FIONBIO), &mode) != 0) ec = lastError();
#else
    int flags = ::fcntl(s, F_GETFL, 0);
    if (flags < 0) {
        ec = lastError();
        return;
    }
    const int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (wanted != flags && ::fcntl(s, F_SETFL, wanted) < 0) ec = lastError();
#endif
}

namespace {
// setsockopt() with `value` as the option's bytes (an int for most options).
template <class T>
void setRawOption(NativeSocket s, int level, int name, const T& value, std::error_code& ec) {
    ec.clear();
#if defined(_WIN32)
    const char* p = reinterpret_cast<const char*>(&value);
#else
    const void* p = &value;
#endif
    if (::setsockopt(s, level, name, p, static_cast<SockLen>(sizeof value)) != 0) ec = lastError();
}
}  // namespace

void setReuseAddr(NativeSocket s, std::error_code& ec) {
    setRawOption(s, SOL_SOCKET, SO_REUSEADDR, 1, ec);
}

void setNoDelay(NativeSocket s, bool on, std::error_code& ec) {
    setRawOption(s, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0, ec);
}

void setV6Only(NativeSocket s, bool on, std::error_code& ec) {
    setRawOption(s, IPPROTO_IPV6, IPV6_V6ONLY, on ? 1 : 0, ec);
}

void bind(NativeSocket s, const Address& a, std::error_code& ec) {
    ec.clear();
    if (::bind(s, a.sockaddrPtr(), static_cast<SockLen>(a.sockaddrLen())) != 0) ec = lastError();
}

void listen(NativeSocket s, int backlog, std::error_code& ec) {
    ec.clear();
    if (::listen(s, backlog) != 0) ec = lastError();
}

void connect(NativeSocket s, const Address& a, std::error_code& ec) {
    ec.clear();
    int r = retryEintr([&] { return ::connect(s, a.sockaddrPtr(), static_cast<SockLen>(a.sockaddrLen())); });
    if (r != 0) ec = lastError();
}

NativeSocket accept(NativeSocket s, Address* peer, std::error_code& ec) {
    ec.clear();
    sockaddr_storage ss{};
    SockLen len = sizeof ss;
#if defined(__linux__)
    NativeSocket c = retryEintr(
        [&] { return ::accept4(s, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC); });
#else
    NativeSocket c = retryEintr([&] { return ::accept(s, reinterpret_cast<sockaddr*>(&ss), &len); });
#endif
    if (c == kInvalidSocket) {
        ec = lastError();
        return kInvalidSocket;
    }
#if !defined(__linux__)
#if !defined(_WIN32)
    ::fcntl(c, F_SETFD, FD_CLOEXEC);
#endif
    setNoSigPipe(c);
    std::error_code nb;
    setNonBlocking(c, true, nb);
#endif
    if (peer) *peer = Address::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), static_cast<std::size_t>(len));
    return c;
}

std::size_t send(NativeSocket s, const void* data, std::size_t len, std::error_code& ec) {
    ec.clear();
#if defined(_WIN32)
    return byteCount(::send(s, static_cast<const char*>(data), winLen(len), 0), ec);
#else
    return byteCount(retryEintr([&] { return ::send(s, data, len, kSendFlags); }), ec);
#endif
}

std::size_t recv(NativeSocket s, void* buf, std::size_t len, std::error_code& ec) {
    ec.clear();
#if defined(_WIN32)
    return byteCount(::recv(s, static_cast<char*>(buf), winLen(len), 0), ec);
#else
    return byteCount(retryEintr([&] { return ::recv(s, buf, len, 0); }), ec);
#endif
}

int pendingError(NativeSocket s, std::error_code& ec) {
    ec.clear();
    int err = 0;
    SockLen len = sizeof err;
#if defined(_WIN32)
    char* p = reinterpret_cast<char*>(&err);
#else
    void* p = &err;
#endif
    if (::getsockopt(s, SOL_SOCKET, SO_ERROR, p, &len) != 0) {
        ec = lastError();
        return 0;
    }
    return err;
}

std::error_code errorFromNative(int err) {
    return fromNative(err);
}

std::size_t bytesAvailable(NativeSocket s, std::error_code& ec) {
    ec.clear();
#if defined(_WIN32)
    u_long n = 0;
    if (::ioctlsocket(s, FIONREAD, &n) != 0) {
        ec = lastError();
        return 0;
    }
#else
    int n = 0;
    if (::ioctl(s, FIONREAD, &n) != 0) {
        ec = lastError();
        return 0;
    }
    if (n < 0) n = 0;
#endif
    return static_cast<std::size_t>(n);
}

unsigned readinessNow(NativeSocket s, bool read, bool write, std::error_code& ec) {
    ec.clear();
#if defined(_WIN32)
    WSAPOLLFD p{};
    p.fd = s;
    p.events = static_cast<SHORT>((read ? POLLRDNORM : 0) | (write ? POLLWRNORM : 0));
    const int r = ::WSAPoll(&p, 1, 0);
#else
    pollfd p{};
    p.fd = s;
    p.events = static_cast<short>((read ? POLLIN | POLLPRI : 0) | (write ? POLLOUT : 0));
    int r = 0;
    do {
        r = ::poll(&p, 1, 0);
    } while (r < 0 && errno == EINTR);
#endif
    if (r < 0) {
        ec = lastError();
        return 0;
    }
    if (r == 0) return 0;
    return readyFromPoll(p.revents);
}

unsigned readyFromPoll(int revents) noexcept {
    unsigned bits = 0;
    if (revents & (POLLIN | POLLRDNORM)) bits |= kReadyIn;
#if !defined(_WIN32)
    if (revents & POLLPRI) bits |= kReadyPri;
#endif
    if (revents & (POLLOUT | POLLWRNORM)) bits |= kReadyOut;
    if (revents & POLLERR) bits |= kReadyErr;
#if defined(_WIN32)
    // WSAPoll reports a peer's FIN (an orderly shutdown) as POLLHUP, where
    // poll() on Linux reports it as POLLIN: readable, so the read returns 0
    // and the channel ends with `eof` on both. With POLLERR it stays a hangup.
    if (revents & POLLHUP) bits |= (revents & POLLERR) ? kReadyHup : kReadyIn;
#else
    if (revents & POLLHUP) bits |= kReadyHup;
#endif
    if (revents & POLLNVAL) bits |= kReadyNval;
    return bits;
}

namespace {

// The address getsockname() or getpeername() (`query`) gives for `s`.
template <class Query>
Address queryAddress(NativeSocket s, std::error_code& ec, Query query) {
    ec.clear();
    sockaddr_storage ss{};
    SockLen len = sizeof ss;
    if (query(s, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        ec = lastError();
        return {};
    }
    return Address::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), static_cast<std::size_t>(len));
}

}  // namespace

Address localAddress(NativeSocket s, std::error_code& ec) { return queryAddress(s, ec, ::getsockname); }

Address peerAddress(NativeSocket s, std::error_code& ec) { return queryAddress(s, ec, ::getpeername); }

void shutdownWrite(NativeSocket s, std::error_code& ec) {
    ec.clear();
#if defined(_WIN32)
    if (::shutdown(s, SD_SEND) != 0) ec = lastError();
#else
    if (::shutdown(s, SHUT_WR) != 0) ec = lastError();
#endif
}

// --- Datagrams ------------------------------------------------------------------------------------

std::size_t maxUdpPayload(int family) noexcept {
    return family == AF_INET6 ? kMaxUdpPayloadV6 : kMaxUdpPayloadV4;
}

std::size_t sendTo(NativeSocket s, const void* data, std::size_t len, const Address& to, std::error_code& ec) {
    if (to.isEmpty()) return send(s, data, len, ec);
    ec.clear();
#if defined(_WIN32)
    return byteCount(::sendto(s, static_cast<const char*>(data), winLen(len), 0, to.sockaddrPtr(),
                              static_cast<SockLen>(to.sockaddrLen())),
                     ec);
#else
    return byteCount(retryEintr([&] {
                         return ::sendto(s, data, len, kSendFlags, to.sockaddrPtr(),
                                         static_cast<SockLen>(to.sockaddrLen()));
                     }),
                     ec);
#endif
}

std::size_t recvFrom(NativeSocket s, void* buf, std::size_t len, Address* peer, bool& truncated,
                     std::size_t& fullSize, std::error_code& ec) {
    ec.clear();
    truncated = false;
    fullSize = 0;
    sockaddr_storage ss{};
#if defined(_WIN32)
    SockLen slen = sizeof ss;
    const int n = ::recvfrom(s, static_cast<char*>(buf), winLen(len), 0,
                             reinterpret_cast<sockaddr*>(&ss), &slen);
    std::size_t got = 0;
    if (n == SOCKET_ERROR) {
        ec = lastError();
        if (ec != std::error_code(WSAEMSGSIZE, winsockCategory())) return 0;
        // The buffer holds the first `len` bytes; the rest is gone.
        ec.clear();
        truncated = true;
        got = len;
        fullSize = len + 1;
    } else {
        got = static_cast<std::size_t>(n);
        fullSize = got;
    }
#else
    iovec iov{buf, len};
    msghdr msg{};
    msg.msg_name = &ss;
    msg.msg_namelen = sizeof ss;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
#if defined(__linux__)
    constexpr int flags = MSG_TRUNC;  // Linux: the return value is the datagram's real size
#else
    constexpr int flags = 0;
#endif
    const ssize_t n = retryEintr([&] { return ::recvmsg(s, &msg, flags); });
    if (n < 0) {
        ec = lastError();
        return 0;
    }
    const SockLen slen = msg.msg_namelen;
    std::size_t got = static_cast<std::size_t>(n);
    if ((msg.msg_flags & MSG_TRUNC) != 0 || got > len) {
        truncated = true;
        fullSize = got > len ? got : len + 1;
        got = len;
    } else {
        fullSize = got;
    }
#endif
    if (peer) {
        *peer = slen > 0 ? Address::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), static_cast<std::size_t>(slen))
                         : Address();
    }
    return got;
}

bool isPortUnreachable(const std::error_code& ec) {
#if defined(_WIN32)
    if (ec == std::error_code(WSAECONNRESET, winsockCategory())) return true;
#endif
    return ec == std::errc::connection_refused;
}

void setBroadcast(NativeSocket s, bool on, std::error_code& ec) {
    setRawOption(s, SOL_SOCKET, SO_BROADCAST, on ? 1 : 0, ec);
}

void setReceiveBuffer(NativeSocket s, int bytes, std::error_code& ec) {
    setRawOption(s, SOL_SOCKET, SO_RCVBUF, bytes, ec);
}

void setSendBuffer(NativeSocket s, int bytes, std::error_code& ec) {
    setRawOption(s, SOL_SOCKET, SO_SNDBUF, bytes, ec);
}

namespace {
in_addr v4Of(const Address& a) {
    in_addr out{};
    if (a.family() == AF_INET) out = reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr())->sin_addr;
    else out.s_addr = htonl(INADDR_ANY);
    return out;
}
// macOS takes an unsigned char for the IPv4 multicast TTL and loop options;
// Linux takes either; Windows takes a DWORD.
#if defined(__APPLE__)
using McastByte = unsigned char;
#else
using McastByte = int;
#endif
}  // namespace

void setMulticastMembership(NativeSocket s, const Address& group, bool join, const Address& v4Interface,
                            unsigned v6Interface, std::error_code& ec) {
    if (group.family() == AF_INET) {
        ip_mreq m{};
        m.imr_multiaddr = v4Of(group);
        m.imr_interface = v4Of(v4Interface);
        setRawOption(s, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, m, ec);
    } else if (group.family() == AF_INET6) {
        ipv6_mreq m{};
        m.ipv6mr_multiaddr = reinterpret_cast<const sockaddr_in6*>(group.sockaddrPtr())->sin6_addr;
        m.ipv6mr_interface = v6Interface;
        setRawOption(s, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, m, ec);
    } else {
        ec = std::make_error_code(std::errc::address_family_not_supported);
    }
}

void setMulticastInterface(NativeSocket s, int family, const Address& v4Interface, unsigned v6Interface,
                           std::error_code& ec) {
    if (family == AF_INET6) {
        setRawOption(s, IPPROTO_IPV6, IPV6_MULTICAST_IF, v6Interface, ec);
    } else {
        setRawOption(s, IPPROTO_IP, IP_MULTICAST_IF, v4Of(v4Interface), ec);
    }
}

void setMulticastTtl(NativeSocket s, int family, int ttl, std::error_code& ec) {
    if (ttl < 0 || ttl > 255) {
        ec = std::make_error_code(std::errc::invalid_argument);
        return;
    }
    if (family == AF_INET6)
        setRawOption(s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl, ec);
    else
        setRawOption(s, IPPROTO_IP, IP_MULTICAST_TTL, static_cast<McastByte>(ttl), ec);
}

void setMulticastLoop(NativeSocket s, int family, bool on, std::error_code& ec) {
    if (family == AF_INET6)
        setRawOption(s, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, static_cast<unsigned>(on ? 1 : 0), ec);
    else
        setRawOption(s, IPPROTO_IP, IP_MULTICAST_LOOP, static_cast<McastByte>(on ? 1 : 0), ec);
}

bool isMulticast(const Address& a) noexcept {
    if (a.family() == AF_INET) {
        const auto addr = ntohl(reinterpret_cast<const sockaddr_in*>(a.sockaddrPtr())->sin_addr.s_addr);
        return (addr >> 28) == 0xE;
    }
    if (a.family() == AF_INET6)
        return reinterpret_cast<const sockaddr_in6*>(a.sockaddrPtr())->sin6_addr.s6_addr[0] == 0xff;
    return false;
}

bool socketPair(NativeSocket out[2], std::error_code& ec) {
    ensureNetworkInitialized();
    ec.clear();
#if defined(_WIN32)
    // Windows has no socketpair(): connect two TCP sockets over loopback.
    NativeSocket listener = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listener == INVALID_SOCKET) {
        ec = lastError();
        return false;
    }
    Socket guard(listener);
    Address a = Address::loopback(AF_INET, 0);
    if (::bind(listener, a.sockaddrPtr(), static_cast<int>(a.sockaddrLen())) != 0 || ::listen(listener, 1) != 0) {
        ec = lastError();
        return false;
    }
    std::error_code e2;
    Address bound = localAddress(listener, e2);
    if (e2) {
        ec = e2;
        return false;
    }
    NativeSocket c = ::socket(AF_INET, SOCK_STREAM, 0);
    if (c == INVALID_SOCKET || ::connect(c, bound.sockaddrPtr(), static_cast<int>(bound.sockaddrLen())) != 0) {
        ec = lastError();
        if (c != INVALID_SOCKET) ::closesocket(c);
        return false;
    }
    NativeSocket d = ::accept(listener, nullptr, nullptr);
    if (d == INVALID_SOCKET) {
        ec = lastError();
        ::closesocket(c);
        return false;
    }
    out[0] = c;
    out[1] = d;
    return true;
#else
    int sv[2];
#if defined(SOCK_CLOEXEC)
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
#else
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
#endif
        ec = lastError();
        return false;
    }
#if defined(SO_NOSIGPIPE)
    int one = 1;
    ::setsockopt(sv[0], SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
    ::setsockopt(sv[1], SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    out[0] = sv[0];
    out[1] = sv[1];
    return true;
#endif
}

}  // namespace sockops
}  // namespace engine
