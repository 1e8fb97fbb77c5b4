// TlsContext.h — an OpenSSL SSL_CTX made from a TlsConfig, for one client
// channel or one listener (shared by the connections it accepts).
//
// What it does: create() turns what the user asked (TlsConfig.h) into a
// context:
//   client — verification on unless config.verify is false (--insecure):
//            against config.caFile, else the system store
//            (SSL_CTX_set_default_verify_paths); the host name is checked
//            per connection (SSL_set1_host, or the IP address for a literal)
//            and sent as SNI unless it is an IP literal; optional client
//            certificate and key; ALPN list; min/max protocol version.
//            With verification off the handshake still completes and the
//            result the check would have given is reported (verifySkipped).
//   server — config.certFile/keyFile, or with both empty an ephemeral
//            self-signed certificate (generateSelfSigned) whose SHA-256
//            fingerprint localFingerprint() gives, or with config.localCaDir
//            a certificate per SNI name from the local CA (LocalCa.h); with config.verify and a
//            caFile, asks for and verifies a client certificate; ALPN is
//            chosen from the client's list in config.alpn's order (any of the
//            client's when config.alpn is empty: none selected); min/max
//            version; TLS 1.2 renegotiation initiated by a client is allowed
//            (SSL_OP_ALLOW_CLIENT_RENEGOTIATION), as servers commonly do.
//   both   — key log to config.keyLogFile, else to $SSLKEYLOGFILE when set
//            (NSS format, Certificate.h KeyLog; files opened 0600, no symlinks).
// Every failure throws std::runtime_error with the reason in words ("cannot
// load certificate file 'x.pem': no such file", "key does not match the
// certificate", "unknown TLS version bound").
// What it owns: the SSL_CTX (freed with the last shared_ptr; each SSL made
// from it holds its own reference), the key log, the generated certificate.
// Threads: create() on any thread; afterwards the context is read-only and
// may be shared by layers on one loop thread (OpenSSL's SSL_CTX is safe to
// share for SSL_new).
#pragma once

#include "engine/tls/Certificate.h"
#include "engine/tls/TlsConfig.h"

#include <openssl/types.h>

#include <memory>
#include <string>
#include <vector>

namespace engine::tls {

enum class TlsRole : std::uint8_t { Client, Server };

class TlsContext {
public:
    /// Builds the context; throws std::runtime_error with the reason in words.
    static std::shared_ptr<TlsContext> create(const TlsConfig& config, TlsRole role);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    TlsRole role() const noexcept { return m_role; }
    const TlsConfig& config() const noexcept { return m_config; }
    /// The OpenSSL context (owned by this object).
    SSL_CTX* native() const noexcept { return m_ctx; }
    /// Server with a generated certificate: its SHA-256 fingerprint
    /// (uppercase hex pairs joined by ':'); else "".
    const std::string& localFingerprint() const noexcept { return m_localFingerprint; }
    /// The key log in use (config.keyLogFile or $SSLKEYLOGFILE), or null.
    const std::shared_ptr<KeyLog>& keyLog() const noexcept { return m_keyLog; }

    /// A new SSL for one connection, in the context's role; `host` is the
    /// name the client connected to (ignored on a server): config.serverName
    /// wins when set. Sets SNI (not for IP literals) and the name/IP to check.
    /// The caller owns the result (SSL_free). Throws std::runtime_error.
    SSL* newSsl(const std::string& host) const;
    /// The name a client checks and sends as SNI for `host` (config.serverName
    /// when set, else `host`).
    std::string peerName(const std::string& host) const;

private:
    TlsContext(const TlsConfig& config, TlsRole role);
    TlsConfig m_config;
    TlsRole m_role;
    SSL_CTX* m_ctx = nullptr;
    std::string m_localFingerprint;
    std::shared_ptr<KeyLog> m_keyLog;
    std::string m_alpnWire;  // ALPN list in wire format (length-prefixed)
};

/// The peer's leaf certificate when its verification failed at depth 0 (kept
/// by the context's verify callback: the session drops it), else null. Owned by `ssl`.
X509* failedLeafOf(const SSL* ssl) noexcept;

/// The certificate whose check failed first, at any depth of the peer's chain
/// (0: the peer's own, 1: the one that signed it, …), kept by the context's
/// verify callback; cert is null when no check failed. Owned by `ssl`.
struct FailedCertificate {
    X509* cert = nullptr;
    int depth = -1;
};
FailedCertificate failedCertificateOf(const SSL* ssl) noexcept;

/// OpenSSL's version constant for a bound (0 for Any).
int opensslVersion(TlsVersion v) noexcept;

}  // namespace engine::tls
