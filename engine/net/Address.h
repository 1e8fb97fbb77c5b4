// Address.h — an IPv4 or IPv6 endpoint (asyncore's `addr` tuple).
//
// What it does: holds a sockaddr_storage, parses numeric host strings,
// formats "127.0.0.1:7000" / "[::1]:7000", and resolves names.
// What it owns: only its bytes; it is a plain value type.
// Threads: any. resolve() blocks in getaddrinfo() and must never be called
// on a loop thread (the Reactor runs it on a helper thread).
#pragma once

#include "engine/net/Platform.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace engine {

class Address {
public:
    Address() = default;  ///< An empty address (family 0): asyncore's `addr = None`.

    /// A numeric IPv4 or IPv6 literal ("127.0.0.1", "::1", "[::1]") and a port.
    /// Returns nullopt if `host` is not a numeric literal.
    static std::optional<Address> fromNumeric(std::string_view host, std::uint16_t port);
    /// Loopback of the given family on `port`.
    static Address loopback(int family, std::uint16_t port);
    /// The wildcard address of the given family on `port`.
    static Address any(int family, std::uint16_t port);
    /// Wraps raw socket address bytes (from accept/getpeername).
    static Address fromSockaddr(const sockaddr* sa, std::size_t len);

    /// Resolves `host` (a name or a literal) for stream sockets. Blocking.
    /// `family` may be 0 (any), kAfInet or kAfInet6. Results keep the
    /// resolver's order. On failure returns an empty vector and sets `error`
    /// to the resolver's message.
    static std::vector<Address> resolve(const std::string& host, std::uint16_t port, int family,
                                        std::string& error);

    bool isEmpty() const noexcept { return m_len == 0; }
    int family() const noexcept;
    std::uint16_t port() const noexcept;
    /// The host part as text, without brackets ("::1").
    std::string host() const;
    /// "127.0.0.1:7000" or "[::1]:7000"; "" for an empty address.
    std::string toString() const;

    const sockaddr* sockaddrPtr() const noexcept { return reinterpret_cast<const sockaddr*>(&m_storage); }
    std::size_t sockaddrLen() const noexcept { return m_len; }

    friend bool operator==(const Address& a, const Address& b) noexcept;

private:
    sockaddr_storage m_storage{};
    std::size_t m_len = 0;
};

/// Parses a "PORT" string: a decimal number from 1 to 65535 (0 is allowed only
/// when `allowZero`, meaning "any free port"). Returns nullopt otherwise.
std::optional<std::uint16_t> parsePort(std::string_view text, bool allowZero = false);

/// Splits "[HOST:]PORT", "HOST:PORT" or "[V6]:PORT". The host is empty when
/// absent. Returns false when the text is not of that shape.
bool splitHostPort(std::string_view text, std::string& host, std::string& port);

}  // namespace engine
