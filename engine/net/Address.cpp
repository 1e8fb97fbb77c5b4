// Address.cpp — parsing, formatting and resolution of socket addresses.
#include "engine/net/Address.h"

#include <charconv>
#include <cstring>

#if !defined(_WIN32)
#include <arpa/inet.h>
#include <netdb.h>
#endif

namespace engine {

int Address::family() const noexcept {
    return m_len == 0 ? 0 : static_cast<int>(m_storage.ss_family);
}

std::uint16_t Address::port() const noexcept {
    if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&m_storage)->sin_port);
    if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&m_storage)->sin6_port);
    return 0;
}

std::string Address::host() const {
    char buf[INET6_ADDRSTRLEN + 1] = {};
    if (family() == AF_INET) {
        auto* in = reinterpret_cast<const sockaddr_in*>(&m_storage);
        if (::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf)) return buf;
    } else if (family() == AF_INET6) {
        auto* in6 = reinterpret_cast<const sockaddr_in6*>(&m_storage);
        if (::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf)) return buf;
    }
    return {};
}

std::string Address::toString() const {
    if (family() == AF_INET) return host() + ":" + std::to_string(port());
    if (family() == AF_INET6) return "[" + host() + "]:" + std::to_string(port());
    return {};
}

Address Address::fromSockaddr(const sockaddr* sa, std::size_t len) {
    Address a;
    if (sa && len > 0 && len <= sizeof a.m_storage) {
        std::memcpy(&a.m_storage, sa, len);
        a.m_len = len;
    }
    return a;
}

std::optional<Address> Address::fromNumeric(std::string_view hostText, std::uint16_t port) {
    std::string h(hostText);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    sockaddr_in in{};
    if (::inet_pton(AF_INET, h.c_str(), &in.sin_addr) == 1) {
        in.sin_family = AF_INET;
        in.sin_port = htons(port);
        return fromSockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof in);
    }
    sockaddr_in6 in6{};
    if (::inet_pton(AF_INET6, h.c_str(), &in6.sin6_addr) == 1) {
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(port);
        return fromSockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
    }
    return std::nullopt;
}

Address Address::loopback(int family, std::uint16_t port) {
    return *fromNumeric(family == AF_INET6 ? "::1" : "127.0.0.1", port);
}

Address Address::any(int family, std::uint16_t port) {
    return *fromNumeric(family == AF_INET6 ? "::" : "0.0.0.0", port);
}

std::vector<Address> Address::resolve(const std::string& hostText, std::uint16_t port, int family,
                                      std::string& error) {
    ensureNetworkInitialized();
    error.clear();
    std::string h = hostText;
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    if (auto numeric = fromNumeric(h, port)) {
        if (family == 0 || numeric->family() == family) return {*numeric};
        error = "address " + hostText + " is not of the requested family";
        return {};
    }
    addrinfo hints{};
    hints.ai_family = family == 0 ? AF_UNSPEC : family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    const int rc = ::getaddrinfo(h.c_str(), service.c_str(), &hints, &res);
    if (rc != 0) {
#if defined(_WIN32)
        error = "cannot resolve " + hostText + ": " + std::system_category().message(rc);
#else
        error = "cannot resolve " + hostText + ": " + ::gai_strerror(rc);
#endif
        return {};
    }
    std::vector<Address> out;
    for (addrinfo* p = res; p; p = p->ai_next) {
        Address a = fromSockaddr(p->ai_addr, static_cast<std::size_t>(p->ai_addrlen));
        bool dup = false;
        for (const Address& b : out) dup = dup || b == a;
        if (!dup) out.push_back(a);
    }
    ::freeaddrinfo(res);
    if (out.empty()) error = "cannot resolve " + hostText + ": no addresses";
    return out;
}

bool operator==(const Address& a, const Address& b) noexcept {
    if (a.family() != b.family() || a.port() != b.port()) return false;
    if (a.m_len == 0) return true;
    return a.host() == b.host();
}

std::optional<std::uint16_t> parsePort(std::string_view text, bool allowZero) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    if (value > 65535 || (value == 0 && !allowZero)) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

bool splitHostPort(std::string_view text, std::string& hostOut, std::string& portOut) {
    hostOut.clear();
    portOut.clear();
    if (text.empty()) return false;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
        hostOut = std::string(text.substr(1, close - 1));
        portOut = std::string(text.substr(close + 2));
        return !hostOut.empty() && !portOut.empty();
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        portOut = std::string(text);
        return true;
    }
    if (text.find(':') != colon) return false;  // a bare IPv6 literal needs brackets
    hostOut = std::string(text.substr(0, colon));
    portOut = std::string(text.substr(colon + 1));
    return !hostOut.empty() && !portOut.empty();
}

}  // namespace engine
