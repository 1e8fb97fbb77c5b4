// TlsConfig.h — what a user asks of TLS on one channel: a plain value.
//
// What it does: describes TLS for a client, a listener (and the connections
// it accepts) or a STARTTLS upgrade: verification, CA file, certificate and
// key, SNI, ALPN, protocol versions, key log, handshake timeout. The CLI
// (connect/listen/replay/mock --tls …), the GUI dialogs and the Reactor's
// commands all fill this one struct; engine/tls/TlsContext turns it into an
// OpenSSL context. No OpenSSL here, so every layer above may include it.
// What it owns: its strings.
// Threads: a plain value type; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engine {

/// A TLS protocol version bound (--tls-min / --tls-max). Any: OpenSSL's default.
enum class TlsVersion : std::uint8_t { Any, Tls1_0, Tls1_1, Tls1_2, Tls1_3 };
/// "any", "1.0", "1.1", "1.2", "1.3".
std::string_view tlsVersionName(TlsVersion v) noexcept;
/// Accepts "1.0" … "1.3", "tls1.2", "TLSv1.2" and "any"; nullopt otherwise.
std::optional<TlsVersion> parseTlsVersion(std::string_view s) noexcept;

/// A built-in STARTTLS dialogue (client side), or an upgrade after a match.
enum class StartTlsProtocol : std::uint8_t {
    None,        ///< No STARTTLS: TLS from the first byte (if enabled) or never.
    Smtp,        ///< read 220 greeting, EHLO, expect 250, STARTTLS, expect 220.
    Imap,        ///< read * OK greeting, "a1 STARTTLS", expect "a1 OK".
    Pop3,        ///< read +OK greeting, STLS, expect +OK.
    Ftp,         ///< read 220 greeting, AUTH TLS, expect 234.
    AfterMatch,  ///< Upgrade after a received message matches TlsConfig::startTlsAfter (client or server side).
};
/// "none", "smtp", "imap", "pop3", "ftp", "after-match".
std::string_view startTlsProtocolName(StartTlsProtocol p) noexcept;
/// Accepts "smtp", "imap", "pop3", "ftp" (any case); nullopt otherwise.
std::optional<StartTlsProtocol> parseStartTlsProtocol(std::string_view s) noexcept;

struct TlsConfig {
    /// TLS from the first byte (connect --tls, listen --tls). With
    /// startTls != None the channel starts in plaintext and upgrades later.
    bool enabled = false;
    StartTlsProtocol startTls = StartTlsProtocol::None;
    /// AfterMatch: an RE2 pattern; the upgrade happens after the first
    /// received message (framed by the channel's terminator) that it matches
    /// (partial match, like RE2::PartialMatch).
    std::string startTlsAfter;
    /// Client: verify the server's chain and host name (on by default;
    /// --insecure turns it off, and every handshake event then says so).
    /// Server: ask for and verify a client certificate against caFile.
    bool verify = true;
    /// PEM file of trusted CAs; empty: the system store (client), none (server).
    std::string caFile;
    /// Client: the certificate and key it presents (optional). Server: its
    /// certificate and key; both empty: an ephemeral self-signed certificate
    /// is generated and its SHA-256 fingerprint reported.
    std::string certFile;
    std::string keyFile;
    /// Server without certFile/keyFile: instead of a self-signed certificate,
    /// a certificate per server name the client asks for (SNI), issued by
    /// Linewright's local CA kept in this folder (engine/tls/LocalCa.h;
    /// created there when missing). Empty: not used.
    std::string localCaDir;
    /// With localCaDir: the name the certificate is issued for when the
    /// client sends no SNI (a proxy: its --to host); empty: "localhost".
    std::string localCaFallbackName;
    /// Client: SNI and the name checked against the certificate; empty: the
    /// host as given to connect (no SNI when that is an IP address literal,
    /// which is then checked as an IP address).
    std::string serverName;
    /// ALPN protocols in preference order ("h2", "http/1.1").
    std::vector<std::string> alpn;
    TlsVersion minVersion = TlsVersion::Any;
    TlsVersion maxVersion = TlsVersion::Any;
    /// NSS key log file (as SSLKEYLOGFILE) appended to; empty: the
    /// SSLKEYLOGFILE environment variable if set, else none.
    std::string keyLogFile;
    /// A handshake not done after this many milliseconds fails the channel.
    std::uint32_t handshakeTimeoutMs = 10000;

    /// enabled || startTls != None.
    bool wanted() const noexcept { return enabled || startTls != StartTlsProtocol::None; }
    friend bool operator==(const TlsConfig&, const TlsConfig&) = default;
};

}  // namespace engine
