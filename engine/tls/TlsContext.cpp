// TlsContext.cpp — see TlsContext.h.
#include "engine/tls/TlsContext.h"

#include "engine/tls/LocalCa.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

namespace engine::tls {
namespace {

[[noreturn]] void fail(const std::string& what) {
    const std::string why = takeErrors();
    throw std::runtime_error(why.empty() ? what : what + ": " + why);
}

bool isIpLiteral(const std::string& host) {
    if (host.empty()) return false;
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
    ERR_clear_error();
    if (!ip) return false;
    ASN1_OCTET_STRING_free(ip);
    return true;
}

// The server's ALPN choice: the first of our list the client offers.
int selectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
               void* arg) {
    const auto* ours = static_cast<const std::string*>(arg);
    unsigned char* sel = nullptr;
    unsigned char selLen = 0;
    if (SSL_select_next_proto(&sel, &selLen, reinterpret_cast<const unsigned char*>(ours->data()),
                              static_cast<unsigned>(ours->size()), in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    *outlen = selLen;
    return SSL_TLSEXT_ERR_OK;
}

int leafIndex() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr,
                                                  [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
                                                      X509_free(static_cast<X509*>(ptr));
                                                  });
    return index;
}

// The first failed check's certificate and depth (a FailedCertificate the SSL owns).
int failedIndex() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr,
                                                  [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
                                                      auto* f = static_cast<FailedCertificate*>(ptr);
                                                      if (f) X509_free(f->cert);
                                                      delete f;
                                                  });
    return index;
}

// Keeps the leaf certificate of a failed verification, so that the reason can
// name what the certificate is for (the session drops it on failure), and the
// certificate of the first failed check at any depth, so that it can say
// which one failed.
int keepFailedLeaf(int ok, X509_STORE_CTX* store) {
    if (ok) return ok;
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    const int depth = X509_STORE_CTX_get_error_depth(store);
    if (!ssl) return ok;
    if (depth == 0 && cert && !SSL_get_ex_data(ssl, leafIndex()) && X509_up_ref(cert) == 1)
        SSL_set_ex_data(ssl, leafIndex(), cert);
    if (!SSL_get_ex_data(ssl, failedIndex())) {
        auto* f = new (std::nothrow) FailedCertificate;
        if (f) {
            f->depth = depth;
            if (cert && X509_up_ref(cert) == 1) f->cert = cert;
            if (SSL_set_ex_data(ssl, failedIndex(), f) != 1) {
                X509_free(f->cert);
                delete f;
            }
        }
    }
    return ok;
}

// Verification off (--insecure): the check still runs, for the report, but
// the system's bundle file (what SSL_CTX_set_default_verify_paths loads) is
// parsed whole, every certificate in it, a fixed ~0.1 s of CPU per client.
// The system's hashed directory holds the same certificates where there is
// one (Debian's /etc/ssl/certs) and is read lazily, only the files named by
// the hash of a subject looked for. So: that directory (SSL_CERT_DIR, else
// OpenSSL's default) alone when it has hashed entries, and the report is
// made against it; false (load the default paths, file too) otherwise.
bool useHashedSystemDir(SSL_CTX* ctx) {
    std::string dirs;
    if (const char* env = std::getenv(X509_get_default_cert_dir_env()); env && *env)
        dirs = env;
    else if (const char* d = X509_get_default_cert_dir())
        dirs = d;
#if defined(_WIN32)
    constexpr char kSeparator = ';';
#else
    constexpr char kSeparator = ':';
#endif
    bool hashed = false;
    for (std::size_t at = 0; at <= dirs.size() && !hashed;) {
        const std::size_t end = std::min(dirs.find(kSeparator, at), dirs.size());
        const std::string one = dirs.substr(at, end - at);
        at = end + 1;
        if (one.empty()) continue;
        std::error_code ec;
        for (std::filesystem::directory_iterator it(one, ec), last; !ec && it != last; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            // <8 hex digits>.<digit>: what c_rehash / openssl rehash make.
            if (name.size() >= 10 && name[8] == '.' && std::isdigit(static_cast<unsigned char>(name[9])) &&
                std::all_of(name.begin(), name.begin() + 8, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
                hashed = true;
                break;
            }
        }
    }
    if (!hashed) return false;
    X509_LOOKUP* lookup = X509_STORE_add_lookup(SSL_CTX_get_cert_store(ctx), X509_LOOKUP_hash_dir());
    const bool ok = lookup && X509_LOOKUP_add_dir(lookup, nullptr, X509_FILETYPE_DEFAULT) == 1;
    ERR_clear_error();
    return ok;
}

}  // namespace

X509* failedLeafOf(const SSL* ssl) noexcept { return static_cast<X509*>(SSL_get_ex_data(ssl, leafIndex())); }

FailedCertificate failedCertificateOf(const SSL* ssl) noexcept {
    const auto* f = static_cast<const FailedCertificate*>(SSL_get_ex_data(ssl, failedIndex()));
    return f ? *f : FailedCertificate{};
}

int opensslVersion(TlsVersion v) noexcept {
    switch (v) {
    case TlsVersion::Any: return 0;
    case TlsVersion::Tls1_0: return TLS1_VERSION;
    case TlsVersion::Tls1_1: return TLS1_1_VERSION;
    case TlsVersion::Tls1_2: return TLS1_2_VERSION;
    case TlsVersion::Tls1_3: return TLS1_3_VERSION;
    }
    return 0;
}

TlsContext::TlsContext(const TlsConfig& config, TlsRole role) : m_config(config), m_role(role) {}

TlsContext::~TlsContext() {
    if (m_ctx) SSL_CTX_free(m_ctx);
}

std::shared_ptr<TlsContext> TlsContext::create(const TlsConfig& config, TlsRole role) {
    ERR_clear_error();
    std::shared_ptr<TlsContext> self(new TlsContext(config, role));
    const bool server = role == TlsRole::Server;
    self->m_ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!self->m_ctx) fail("cannot create a TLS context");
    SSL_CTX* ctx = self->m_ctx;
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

    if (config.minVersion != TlsVersion::Any && config.maxVersion != TlsVersion::Any &&
        config.minVersion > config.maxVersion)
        throw std::runtime_error("TLS minimum version " + std::string(tlsVersionName(config.minVersion)) +
                                 " is above the maximum " + std::string(tlsVersionName(config.maxVersion)));
    if (config.minVersion != TlsVersion::Any) {
        // TLS 1.0/1.1 need OpenSSL's security level 0 on Debian's defaults.
        if (config.minVersion < TlsVersion::Tls1_2) SSL_CTX_set_security_level(ctx, 0);
        if (SSL_CTX_set_min_proto_version(ctx, opensslVersion(config.minVersion)) != 1)
            fail("cannot set the minimum TLS version " + std::string(tlsVersionName(config.minVersion)));
    }
    if (config.maxVersion != TlsVersion::Any) {
        if (config.maxVersion < TlsVersion::Tls1_2) SSL_CTX_set_security_level(ctx, 0);
        if (SSL_CTX_set_max_proto_version(ctx, opensslVersion(config.maxVersion)) != 1)
            fail("cannot set the maximum TLS version " + std::string(tlsVersionName(config.maxVersion)));
    }

    // Trust: a CA file, else (client) the system store.
    if (!config.caFile.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, config.caFile.c_str(), nullptr) != 1)
            fail("cannot load CA file '" + config.caFile + "'");
    } else if (!server) {
        if (config.verify || !useHashedSystemDir(ctx)) {
            if (SSL_CTX_set_default_verify_paths(ctx) != 1) fail("cannot load the system's trusted certificates");
        }
    }

    // Our certificate: given, or (server) generated.
    if (!config.certFile.empty() || !config.keyFile.empty()) {
        if (config.certFile.empty()) throw std::runtime_error("a TLS key was given without its certificate (--cert)");
        const std::string& keyFile = config.keyFile.empty() ? config.certFile : config.keyFile;
        if (SSL_CTX_use_certificate_chain_file(ctx, config.certFile.c_str()) != 1)
            fail("cannot load certificate file '" + config.certFile + "'");
        if (SSL_CTX_use_PrivateKey_file(ctx, keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
            if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
                ERR_clear_error();
                throw std::runtime_error("key '" + keyFile + "' does not match certificate '" + config.certFile + "'");
            }
            fail("cannot load key file '" + keyFile + "'");
        }
        if (SSL_CTX_check_private_key(ctx) != 1)
            fail("key '" + keyFile + "' does not match certificate '" + config.certFile + "'");
    } else if (server && !config.localCaDir.empty()) {
        LocalCa::open(config.localCaDir)->attach(ctx, config.localCaFallbackName);
    } else if (server) {
        const GeneratedCertificate gen = generateSelfSigned();
        useCertificate(ctx, gen);
        self->m_localFingerprint = gen.sha256;
    }

    // Verification mode. A client always runs the check so that the result
    // can be reported, and fails the handshake on it only when verify is on.
    if (server) {
        if (config.verify && !config.caFile.empty()) {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, keepFailedLeaf);
            STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.caFile.c_str());
            if (names) SSL_CTX_set_client_CA_list(ctx, names);
            ERR_clear_error();
        } else {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        }
        // TLS 1.2 clients may renegotiate (s_client's `R`), as most servers allow.
        SSL_CTX_set_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
        // Some session resumption for repeated connections to one listener.
        SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>("linewright"), 10);
    } else {
        SSL_CTX_set_verify(ctx, config.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, keepFailedLeaf);
    }

    // ALPN.
    if (!config.alpn.empty()) {
        for (const std::string& p : config.alpn) {
            if (p.empty() || p.size() > 255) throw std::runtime_error("ALPN protocol name '" + p + "' is not 1..255 bytes");
            self->m_alpnWire += static_cast<char>(p.size());
            self->m_alpnWire += p;
        }
        if (server) {
            SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, &self->m_alpnWire);
        } else if (SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(self->m_alpnWire.data()),
                                           static_cast<unsigned>(self->m_alpnWire.size())) != 0) {
            fail("cannot set the ALPN list");
        }
    }

    // Key log: the file asked for, else $SSLKEYLOGFILE.
    std::string keyLog = config.keyLogFile;
    if (keyLog.empty()) {
        if (const char* env = std::getenv("SSLKEYLOGFILE"); env && *env) keyLog = env;
    }
    if (!keyLog.empty()) {
        self->m_keyLog = KeyLog::open(keyLog);  // throws std::system_error, a runtime_error
        KeyLog::attach(ctx, self->m_keyLog);
    }
    return self;
}

std::string TlsContext::peerName(const std::string& host) const {
    return m_config.serverName.empty() ? host : m_config.serverName;
}

SSL* TlsContext::newSsl(const std::string& host) const {
    ERR_clear_error();
    SSL* ssl = SSL_new(m_ctx);
    if (!ssl) fail("cannot create a TLS connection");
    if (m_role == TlsRole::Client) {
        const std::string name = peerName(host);
        if (!name.empty()) {
            bool ok = true;
            if (isIpLiteral(name)) {
                // No SNI for an address; the certificate must name the IP.
                X509_VERIFY_PARAM* vp = SSL_get0_param(ssl);
                ok = X509_VERIFY_PARAM_set1_ip_asc(vp, name.c_str()) == 1;
            } else {
                ok = SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                              const_cast<char*>(name.c_str())) == 1 && SSL_set1_host(ssl, name.c_str()) == 1;
            }
            if (!ok) {
                SSL_free(ssl);
                fail("cannot use '" + name + "' as the TLS server name");
            }
        }
    }
    return ssl;
}

}  // namespace engine::tls
