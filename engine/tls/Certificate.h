// Certificate.h — the OpenSSL glue the TLS layer needs besides the
// connection itself: certificates as text, a generated self-signed
// certificate, verification results and OpenSSL errors in words, and the
// NSS key log.
//
// What it does:
//   generateSelfSigned()  an ephemeral EC P-256 certificate and key for a
//                         server started with no --cert/--key.
//   certificateInfo()     one X509 as a CertificateInfo (TlsInfo.h).
//   peerChainInfo()       the peer's chain of a connection, leaf first.
//   verifyResultText()    an X509_V_* result in words ("ok" for X509_V_OK).
//   certificateIdentity() which certificate: subject, issuer, depth in the chain.
//   takeErrors()          OpenSSL's error queue of this thread in words,
//                         emptied ("wrong version number; …"); "" when empty.
//   KeyLog                one NSS key log file ("CLIENT_RANDOM …" lines),
//                         shared by the contexts that write to it.
// What it owns: GeneratedCertificate and KeyLog own their data / file.
// Threads: the free functions are reentrant. A KeyLog may be written from
// any thread (a mutex orders the lines).
#pragma once

#include "engine/tls/TlsInfo.h"

#include <openssl/types.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace engine::tls {

struct GeneratedCertificate {
    std::string certPem;  ///< PEM "-----BEGIN CERTIFICATE-----…".
    std::string keyPem;   ///< PEM "-----BEGIN PRIVATE KEY-----…" (PKCS#8, unencrypted).
    std::string sha256;   ///< As CertificateInfo::sha256.
};
/// A self-signed certificate for `names` (each a DNS name or an IP address
/// literal, all in the subjectAltName; the first is the CN), valid from one
/// hour ago for `validity`. Throws std::runtime_error (with takeErrors()) on failure.
GeneratedCertificate generateSelfSigned(const std::vector<std::string>& names = {"localhost", "127.0.0.1", "::1"},
                                        std::chrono::hours validity = std::chrono::hours(24 * 30));

/// Loads into `ctx` a certificate and key given as PEM text (a generated one).
/// Throws std::runtime_error on failure.
void useCertificate(SSL_CTX* ctx, const GeneratedCertificate& cert);

CertificateInfo certificateInfo(X509* cert);
/// SSL_get_peer_cert_chain (plus the leaf on a server, where the chain
/// leaves it out), leaf first; empty when the peer sent none.
std::vector<CertificateInfo> peerChainInfo(const SSL* ssl);
std::string sha256Fingerprint(X509* cert);

/// X509_verify_cert_error_string in lower-case words, "ok" for X509_V_OK;
/// hostname mismatch reads "hostname mismatch (certificate is for DNS:a, DNS:b)"
/// when `leaf` is given.
std::string verifyResultText(long result, X509* leaf = nullptr);

/// Which certificate: "subject CN=a, issuer CN=b, depth 0" (names in RFC 2253,
/// escaped; depth 0 is the peer's own certificate, 1 the one that signed it, …).
std::string certificateIdentity(X509* cert, int depth);

/// ERR_get_error() until empty, each as its reason string ("wrong version
/// number", "certificate verify failed"), joined with "; ". "" when empty.
std::string takeErrors();

class KeyLog {
public:
    /// Opens `path` for appending (created 0600; not a symlink: O_NOFOLLOW).
    /// Throws std::system_error with the path on failure.
    static std::shared_ptr<KeyLog> open(const std::string& path);
    /// Writes one line (OpenSSL's keylog callback gives it without "\n") and flushes.
    void write(std::string_view line);
    /// Makes every handshake of `ctx` write its secrets to `log`
    /// (SSL_CTX_set_keylog_callback; the context keeps `log` alive).
    static void attach(SSL_CTX* ctx, std::shared_ptr<KeyLog> log);
    const std::string& path() const noexcept { return m_path; }
    ~KeyLog();
    KeyLog(const KeyLog&) = delete;
    KeyLog& operator=(const KeyLog&) = delete;

private:
    KeyLog(std::string path, std::FILE* f) : m_path(std::move(path)), m_file(f) {}
    std::string m_path;
    std::FILE* m_file;
    std::mutex m_mutex;
};

}  // namespace engine::tls
