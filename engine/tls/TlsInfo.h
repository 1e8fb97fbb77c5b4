// TlsInfo.h — what a TLS handshake negotiated and what the peer presented: a
// plain value carried by the `tls_handshake` event.
//
// What it does: the negotiated protocol version, cipher, ALPN and SNI, the
// peer's certificate chain as text (subject, issuer, validity, SANs, SHA-256
// fingerprint), the verification result in words, and on a server with a
// generated certificate, that certificate's fingerprint. Filled by
// engine/tls (Certificate.h, TlsTransport); read by the CLI, the GUI and
// the session format. No OpenSSL here.
// What it owns: its strings.
// Threads: a plain value type; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engine {

/// One certificate of a chain, as text.
struct CertificateInfo {
    std::string subject;     ///< RFC 2253 one-line form, e.g. "CN=localhost,O=Example".
    std::string issuer;      ///< Same form.
    std::string notBefore;   ///< UTC, ISO 8601: "2026-12-05T17:00:00Z".
    std::string notAfter;
    std::vector<std::string> subjectAltNames;  ///< "DNS:localhost", "IP:127.0.0.1", "email:…", "URI:…".
    std::string sha256;      ///< Fingerprint of the DER, uppercase hex pairs joined by ':'.
    std::string serial;      ///< Hex.
    std::string keyType;     ///< "RSA 2048", "EC P-256", "ED25519", …
    friend bool operator==(const CertificateInfo&, const CertificateInfo&) = default;
};

/// What one handshake produced.
struct TlsHandshakeInfo {
    bool server = false;       ///< This end was the TLS server.
    bool startTls = false;     ///< The channel was upgraded (STARTTLS) rather than TLS from its first byte.
    std::string version;       ///< "TLSv1.3", "TLSv1.2", …
    std::string cipher;        ///< "TLS_AES_256_GCM_SHA384", …
    std::string alpn;          ///< The protocol agreed, "" when none.
    std::string serverName;    ///< SNI sent (client) or received (server), "" when none.
    bool resumed = false;      ///< A resumed session.
    /// The peer's chain, leaf first (a server that asked for no client
    /// certificate: empty).
    std::vector<CertificateInfo> peerChain;
    /// Verification: `verified` true when it was done and passed. When
    /// verification was off (--insecure), verified = false, verifySkipped =
    /// true and verifyResult still says what the check would have found.
    bool verified = false;
    bool verifySkipped = false;
    std::string verifyResult;  ///< "ok", or the reason in words ("certificate has expired", "hostname mismatch", …).
    /// A server using a generated self-signed certificate: its fingerprint
    /// (SHA-256, as CertificateInfo::sha256); else "".
    std::string localFingerprint;
    friend bool operator==(const TlsHandshakeInfo&, const TlsHandshakeInfo&) = default;
};

/// How a TLS session ended (`tls_close` events).
enum class TlsCloseKind : std::uint8_t {
    CloseNotify,  ///< "close_notify": the peer (or this end) said it was done; no data was cut.
    Truncated,    ///< "truncated": the connection ended without close_notify; data may be missing.
};
std::string_view tlsCloseKindName(TlsCloseKind k) noexcept;
std::optional<TlsCloseKind> parseTlsCloseKind(std::string_view s) noexcept;

}  // namespace engine
