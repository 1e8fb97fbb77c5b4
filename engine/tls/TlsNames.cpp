// TlsNames.cpp — the names of TlsConfig.h's and TlsInfo.h's enums.
#include "engine/tls/TlsConfig.h"
#include "engine/tls/TlsInfo.h"

#include <array>
#include <cctype>
#include <string>

namespace engine {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

constexpr std::array<std::string_view, 5> kVersionNames = {"any", "1.0", "1.1", "1.2", "1.3"};
constexpr std::array<std::string_view, 6> kStartTlsNames = {"none", "smtp", "imap", "pop3", "ftp", "after-match"};
constexpr std::array<std::string_view, 2> kCloseNames = {"close_notify", "truncated"};

}  // namespace

std::string_view tlsVersionName(TlsVersion v) noexcept {
    const auto i = static_cast<std::size_t>(v);
    return i < kVersionNames.size() ? kVersionNames[i] : std::string_view("?");
}

std::optional<TlsVersion> parseTlsVersion(std::string_view s) noexcept {
    std::string l;
    try {
        l = lower(s);
    } catch (...) {
        return std::nullopt;
    }
    std::string_view v = l;
    if (v.starts_with("tlsv")) v.remove_prefix(4);
    else if (v.starts_with("tls")) v.remove_prefix(3);
    for (std::size_t i = 0; i < kVersionNames.size(); ++i)
        if (v == kVersionNames[i]) return static_cast<TlsVersion>(i);
    return std::nullopt;
}

std::string_view startTlsProtocolName(StartTlsProtocol p) noexcept {
    const auto i = static_cast<std::size_t>(p);
    return i < kStartTlsNames.size() ? kStartTlsNames[i] : std::string_view("?");
}

std::optional<StartTlsProtocol> parseStartTlsProtocol(std::string_view s) noexcept {
    std::string l;
    try {
        l = lower(s);
    } catch (...) {
        return std::nullopt;
    }
    for (std::size_t i = 1; i + 1 < kStartTlsNames.size(); ++i)
        if (l == kStartTlsNames[i]) return static_cast<StartTlsProtocol>(i);
    return std::nullopt;
}

std::string_view tlsCloseKindName(TlsCloseKind k) noexcept {
    const auto i = static_cast<std::size_t>(k);
    return i < kCloseNames.size() ? kCloseNames[i] : std::string_view("?");
}

std::optional<TlsCloseKind> parseTlsCloseKind(std::string_view s) noexcept {
    for (std::size_t i = 0; i < kCloseNames.size(); ++i)
        if (s == kCloseNames[i]) return static_cast<TlsCloseKind>(i);
    return std::nullopt;
}

}  // namespace engine
