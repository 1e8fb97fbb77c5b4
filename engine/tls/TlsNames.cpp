// TlsNames.cpp — the names of TlsConfig.h's and TlsInfo.h's enums.
#include "engine/tls/TlsConfig.h"
#include "engine/tls/TlsInfo.h"

#include "engine/net/EnumNames.h"

#include <array>
#include <cctype>
#include <string>

namespace engine {
namespace {

// `s` in lower case; nullopt when it cannot be copied (the parsers are noexcept).
std::optional<std::string> lower(std::string_view s) noexcept {
    try {
        std::string out(s);
        for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    } catch (...) {
        return std::nullopt;
    }
}

constexpr std::array<std::string_view, 5> kVersionNames = {"any", "1.0", "1.1", "1.2", "1.3"};
constexpr std::array<std::string_view, 6> kStartTlsNames = {"none", "smtp", "imap", "pop3", "ftp", "after-match"};
constexpr std::array<std::string_view, 2> kCloseNames = {"close_notify", "truncated"};

}  // namespace

std::string_view tlsVersionName(TlsVersion v) noexcept { return enumName(kVersionNames, v); }

std::optional<TlsVersion> parseTlsVersion(std::string_view s) noexcept {
    const std::optional<std::string> l = lower(s);
    if (!l) return std::nullopt;
    std::string_view v = *l;
    if (v.starts_with("tlsv")) v.remove_prefix(4);
    else if (v.starts_with("tls")) v.remove_prefix(3);
    return parseEnumName<TlsVersion>(kVersionNames, v);
}

std::string_view startTlsProtocolName(StartTlsProtocol p) noexcept { return enumName(kStartTlsNames, p); }

std::optional<StartTlsProtocol> parseStartTlsProtocol(std::string_view s) noexcept {
    const std::optional<std::string> l = lower(s);
    if (!l) return std::nullopt;
    // Not "none" nor "after-match" (the first and the last): a protocol's name.
    return parseEnumName<StartTlsProtocol>(kStartTlsNames, *l, 1, kStartTlsNames.size() - 1);
}

LW_ENUM_NAMES(TlsCloseKind, tlsCloseKindName, parseTlsCloseKind, kCloseNames)

}  // namespace engine
