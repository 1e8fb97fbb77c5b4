// LocalCa.h — Linewright's own certificate authority, as mitmproxy keeps
// one: created once in the user's data folder, trusted by the user once
// (its certificate exported), then used to issue a certificate for each
// server name a TLS client asks for (SNI).
//
// What it does:
//   LocalCa::open(dir)   loads the CA from `dir` (linewright-ca.pem, the
//                        certificate, and linewright-ca-key.pem, its key), or
//                        creates it there when neither exists: an EC P-256
//                        key and a self-signed certificate with
//                        basicConstraints critical CA:TRUE, pathlen:0,
//                        keyUsage critical keyCertSign, cRLSign and a
//                        subjectKeyIdentifier, valid ten years. The folder is
//                        created 0700, the key 0600 (never through a symbolic
//                        link); a key readable by others, a symbolic link, a
//                        key without its certificate (or the reverse) or a
//                        certificate that is not a CA is refused with the
//                        reason in words (std::runtime_error).
//   leafFor(name)        a certificate for `name` (a DNS name or an IP
//                        address literal, in the subjectAltName; CN = name)
//                        signed by the CA: basicConstraints critical CA:FALSE,
//                        keyUsage critical digitalSignature, keyEncipherment,
//                        extendedKeyUsage serverAuth, subject and authority key
//                        identifiers; valid from one hour ago for 397 days (at
//                        most until the CA expires). Every leaf shares one key,
//                        generated per LocalCa. Issued once per name and
//                        cached (at most kMaxCachedLeaves names; past that the
//                        cache starts over).
//   attach(ctx, fallback) makes a server SSL_CTX present, on each handshake,
//                        the leaf for the name the client sent as SNI, or for
//                        `fallback` when it sent none (or a name that is not
//                        a plain host name: [A-Za-z0-9._-], at most 253
//                        bytes, which is then not used). The CA certificate is
//                        sent as the chain.
//   defaultDirectory()   $XDG_DATA_HOME/linewright/ca, else
//                        $HOME/.local/share/linewright/ca (Windows:
//                        %LOCALAPPDATA%\linewright\ca); "" when none is set.
// What it owns: the CA certificate and key, the leaves' key, the leaf cache.
// Threads: open() and defaultDirectory() on any thread; leafFor() and the
// attached callback may run on any threads at once (a mutex guards the
// cache). attach() keeps the LocalCa alive as long as the context.
#pragma once

#include "engine/tls/Certificate.h"

#include <openssl/types.h>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace engine::tls {

class LocalCa : public std::enable_shared_from_this<LocalCa> {
public:
    static constexpr const char* kCertFileName = "linewright-ca.pem";
    static constexpr const char* kKeyFileName = "linewright-ca-key.pem";
    static constexpr std::size_t kMaxCachedLeaves = 4096;

    /// Loads or creates the CA in `dir`. While a LocalCa of `dir` is alive,
    /// open() returns that one (its created() as it was, its cache shared).
    /// Throws std::runtime_error.
    static std::shared_ptr<LocalCa> open(const std::string& dir);
    static std::string defaultDirectory();

    ~LocalCa();
    LocalCa(const LocalCa&) = delete;
    LocalCa& operator=(const LocalCa&) = delete;

    const std::string& directory() const noexcept { return m_dir; }
    std::string certificatePath() const;
    std::string keyPath() const;
    /// open() created the CA (it did not exist before).
    bool created() const noexcept { return m_created; }
    /// The CA certificate as PEM, for the user to trust.
    const std::string& certificatePem() const noexcept { return m_certPem; }
    /// The CA certificate's SHA-256 fingerprint (uppercase hex pairs joined by ':').
    const std::string& fingerprint() const noexcept { return m_fingerprint; }
    /// The CA certificate (owned by this object).
    X509* certificate() const noexcept { return m_cert; }

    /// The leaf for `name`, issued now or from the cache; the caller gets a
    /// new reference (X509_free it). Throws std::runtime_error.
    X509* leafFor(const std::string& name);
    /// The key every leaf certifies (owned by this object).
    EVP_PKEY* leafKey() const noexcept { return m_leafKey; }
    /// How many leaves were issued (not taken from the cache) so far.
    std::size_t issued() const;

    /// See above. Sets the context's default certificate (the fallback's
    /// leaf) too, so a client that sends no SNI gets it. Throws std::runtime_error.
    void attach(SSL_CTX* ctx, const std::string& fallback);

    /// `name` is usable as SNI here: [A-Za-z0-9._-], 1..253 bytes.
    static bool plainHostName(const std::string& name);

private:
    LocalCa() = default;
    static std::shared_ptr<LocalCa> load(const std::string& dir);
    X509* issue(const std::string& name);

    std::string m_dir;
    bool m_created = false;
    X509* m_cert = nullptr;
    EVP_PKEY* m_key = nullptr;
    EVP_PKEY* m_leafKey = nullptr;
    std::string m_certPem;
    std::string m_fingerprint;
    mutable std::mutex m_mutex;
    std::map<std::string, X509*> m_leaves;  // owned references
    std::size_t m_issued = 0;
};

}  // namespace engine::tls
