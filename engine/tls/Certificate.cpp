// Certificate.cpp — see Certificate.h.
#include "engine/tls/Certificate.h"

#include "engine/asyncore/Escape.h"
#include "engine/net/FileOps.h"
#include "engine/tls/X509Build.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace engine::tls {
namespace {

using x509::BioPtr;
using x509::BnPtr;
using x509::fail;
using x509::GensPtr;
using x509::PkeyPtr;
using x509::X509Ptr;
using x509::bioText;

// Printable ASCII only: anything else as \xHH, so peer text is safe to show.
std::string printable(const unsigned char* p, std::size_t n) {
    return printableAscii(std::string_view(reinterpret_cast<const char*>(p), n));
}

std::string nameText(const X509_NAME* name) {
    if (!name) return {};
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!b) return {};
    // RFC 2253 with control and non-ASCII bytes escaped.
    X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    const std::string raw = bioText(b.get());
    return printable(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string timeText(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string ipText(const unsigned char* p, int n) {
    char buf[64];
    if (n == 4) {
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
        return buf;
    }
    if (n != 16) return "?";
    unsigned short w[8];
    for (int i = 0; i < 8; ++i) w[i] = static_cast<unsigned short>((p[2 * i] << 8) | p[2 * i + 1]);
    int bestAt = -1, bestLen = 0;
    for (int i = 0; i < 8;) {
        if (w[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && w[j] == 0) ++j;
        if (j - i > bestLen && j - i >= 2) {
            bestAt = i;
            bestLen = j - i;
        }
        i = j;
    }
    std::string out;
    for (int i = 0; i < 8; ++i) {
        if (i == bestAt) {
            out += "::";
            i += bestLen - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        std::snprintf(buf, sizeof buf, "%x", w[i]);
        out += buf;
    }
    return out;
}

std::string asn1Text(const ASN1_STRING* s) {
    if (!s) return {};
    return printable(ASN1_STRING_get0_data(s), static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::vector<std::string> altNames(X509* cert) {
    std::vector<std::string> out;
    GensPtr gens(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!gens) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(gens.get()); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(gens.get(), i);
        switch (g->type) {
        case GEN_DNS: out.push_back("DNS:" + asn1Text(g->d.dNSName)); break;
        case GEN_IPADD:
            out.push_back("IP:" + ipText(ASN1_STRING_get0_data(g->d.iPAddress), ASN1_STRING_length(g->d.iPAddress)));
            break;
        case GEN_EMAIL: out.push_back("email:" + asn1Text(g->d.rfc822Name)); break;
        case GEN_URI: out.push_back("URI:" + asn1Text(g->d.uniformResourceIdentifier)); break;
        default: break;
        }
    }
    return out;
}

std::string keyTypeText(X509* cert) {
    EVP_PKEY* pk = X509_get0_pubkey(cert);
    if (!pk) return "?";
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA: return "RSA " + std::to_string(EVP_PKEY_get_bits(pk));
    case EVP_PKEY_RSA_PSS: return "RSA-PSS " + std::to_string(EVP_PKEY_get_bits(pk));
    case EVP_PKEY_ED25519: return "ED25519";
    case EVP_PKEY_ED448: return "ED448";
    case EVP_PKEY_EC: {
        char group[64] = {};
        std::size_t len = 0;
        if (EVP_PKEY_get_group_name(pk, group, sizeof group, &len) != 1) return "EC";
        const std::string g(group, len);
        if (g == "prime256v1" || g == "P-256") return "EC P-256";
        if (g == "secp384r1" || g == "P-384") return "EC P-384";
        if (g == "secp521r1" || g == "P-521") return "EC P-521";
        return "EC " + g;
    }
    default: {
        const char* n = EVP_PKEY_get0_type_name(pk);
        return n ? std::string(n) : "?";
    }
    }
}

std::string lowerFirst(std::string s) {
    // OpenSSL's strings are sentences ("Hostname mismatch"); we use them inside ours.
    if (!s.empty() && !(s.size() > 1 && std::isupper(static_cast<unsigned char>(s[1]))))
        s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

int keyLogIndex() {
    static const int index = SSL_CTX_get_ex_new_index(
        0, nullptr, nullptr, nullptr,
        [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<std::shared_ptr<KeyLog>*>(ptr); });
    return index;
}

void keyLogCallback(const SSL* ssl, const char* line) {
    SSL_CTX* ctx = SSL_get_SSL_CTX(ssl);
    auto* log = static_cast<std::shared_ptr<KeyLog>*>(SSL_CTX_get_ex_data(ctx, keyLogIndex()));
    if (log && *log && line) (*log)->write(line);
}

}  // namespace

GeneratedCertificate generateSelfSigned(const std::vector<std::string>& names, std::chrono::hours validity) {
    if (names.empty()) throw std::invalid_argument("generateSelfSigned: no names");
    PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) fail("cannot generate an EC P-256 key");
    const long secs = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(validity).count());
    X509Ptr x = x509::newCertificate(secs, "cannot make a certificate");
    X509_NAME* name = X509_get_subject_name(x.get());
    x509::addName(name, "O", "Linewright");
    x509::addName(name, "CN", names[0]);
    if (X509_set_issuer_name(x.get(), name) != 1 || X509_set_pubkey(x.get(), key.get()) != 1)
        fail("cannot set issuer or key");
    x509::addSubjectAltNames(x.get(), names);
    x509::addExtensions(x.get(), x.get(),
                        {{NID_basic_constraints, "critical,CA:FALSE"},
                         {NID_key_usage, "critical,digitalSignature"},
                         {NID_ext_key_usage, "serverAuth,clientAuth"},
                         {NID_subject_key_identifier, "hash"}});
    if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) fail("cannot sign the certificate");

    GeneratedCertificate out;
    BioPtr cb(BIO_new(BIO_s_mem())), kb(BIO_new(BIO_s_mem()));
    if (!cb || !kb || PEM_write_bio_X509(cb.get(), x.get()) != 1 ||
        PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        fail("cannot write the certificate as PEM");
    out.certPem = bioText(cb.get());
    out.keyPem = bioText(kb.get());
    out.sha256 = sha256Fingerprint(x.get());
    return out;
}

void useCertificate(SSL_CTX* ctx, const GeneratedCertificate& cert) {
    BioPtr cb(BIO_new_mem_buf(cert.certPem.data(), static_cast<int>(cert.certPem.size())));
    BioPtr kb(BIO_new_mem_buf(cert.keyPem.data(), static_cast<int>(cert.keyPem.size())));
    if (!cb || !kb) fail("out of memory");
    X509Ptr x(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
    if (!x) fail("cannot read the certificate");
    PkeyPtr key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
    if (!key) fail("cannot read the private key");
    if (SSL_CTX_use_certificate(ctx, x.get()) != 1) fail("cannot use the certificate");
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) fail("cannot use the private key");
    if (SSL_CTX_check_private_key(ctx) != 1) fail("the private key does not match the certificate");
}

std::string sha256Fingerprint(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!cert || X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(len * 3);
    for (unsigned i = 0; i < len; ++i) {
        if (i) out += ':';
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

CertificateInfo certificateInfo(X509* cert) {
    CertificateInfo info;
    if (!cert) return info;
    info.subject = nameText(X509_get_subject_name(cert));
    info.issuer = nameText(X509_get_issuer_name(cert));
    info.notBefore = timeText(X509_get0_notBefore(cert));
    info.notAfter = timeText(X509_get0_notAfter(cert));
    info.subjectAltNames = altNames(cert);
    info.sha256 = sha256Fingerprint(cert);
    if (BnPtr bn{ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)}) {
        if (char* hex = BN_bn2hex(bn.get())) {
            info.serial = hex;
            OPENSSL_free(hex);
        }
    }
    info.keyType = keyTypeText(cert);
    return info;
}

std::vector<CertificateInfo> peerChainInfo(const SSL* ssl) {
    std::vector<CertificateInfo> out;
    if (!ssl) return out;
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
    if (SSL_is_server(ssl)) {
        // A server's chain leaves the client's leaf out.
        if (X509* leaf = SSL_get0_peer_certificate(ssl)) out.push_back(certificateInfo(leaf));
    }
    if (chain) {
        for (int i = 0; i < sk_X509_num(chain); ++i) out.push_back(certificateInfo(sk_X509_value(chain, i)));
    }
    return out;
}

std::string verifyResultText(long result, X509* leaf) {
    if (result == X509_V_OK) return "ok";
    const char* s = X509_verify_cert_error_string(result);
    std::string text = lowerFirst(s ? s : "unknown verification error " + std::to_string(result));
    if (leaf && (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH)) {
        const std::vector<std::string> names = altNames(leaf);
        std::string list;
        for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
        if (list.empty()) list = nameText(X509_get_subject_name(leaf));
        text += " (certificate is for " + list + ")";
    }
    return text;
}

std::string certificateIdentity(X509* cert, int depth) {
    if (!cert) return "depth " + std::to_string(depth);
    return "subject " + nameText(X509_get_subject_name(cert)) + ", issuer " + nameText(X509_get_issuer_name(cert)) +
           ", depth " + std::to_string(depth);
}

std::string takeErrors() {
    std::string out;
    std::string last;
    for (;;) {
        const char* data = nullptr;
        int flags = 0;
        const unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags);
        if (e == 0) break;
        std::string one;
        if (const char* r = ERR_reason_error_string(e)) {
            one = r;
        } else {
            char buf[256];
            ERR_error_string_n(e, buf, sizeof buf);
            one = buf;
        }
        if (data && (flags & ERR_TXT_STRING) && *data) {
            const std::string d = printable(reinterpret_cast<const unsigned char*>(data), std::strlen(data));
            one += " (" + d.substr(0, 200) + ")";
        }
        if (one == last) continue;
        last = one;
        if (!out.empty()) out += "; ";
        out += one;
    }
    return out;
}

std::shared_ptr<KeyLog> KeyLog::open(const std::string& path) {
    const fileops::OpenedFile f = fileops::openAppendNoFollow(path, 0600);
    if (f.outcome == fileops::OpenOutcome::Symlink)
        throw std::system_error(std::make_error_code(std::errc::too_many_symbolic_link_levels),
                                "key log " + path + " is a symbolic link; refused");
    if (f.outcome != fileops::OpenOutcome::Opened)
        throw std::system_error(std::error_code(f.error ? f.error : EIO, std::generic_category()),
                                "cannot open key log " + path);
    return std::shared_ptr<KeyLog>(new KeyLog(path, f.file));
}

void KeyLog::write(std::string_view line) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_file) return;
    std::fwrite(line.data(), 1, line.size(), m_file);
    std::fputc('\n', m_file);
    std::fflush(m_file);
}

void KeyLog::attach(SSL_CTX* ctx, std::shared_ptr<KeyLog> log) {
    const int idx = keyLogIndex();
    delete static_cast<std::shared_ptr<KeyLog>*>(SSL_CTX_get_ex_data(ctx, idx));
    SSL_CTX_set_ex_data(ctx, idx, log ? new std::shared_ptr<KeyLog>(std::move(log)) : nullptr);
    SSL_CTX_set_keylog_callback(ctx, SSL_CTX_get_ex_data(ctx, idx) ? keyLogCallback : nullptr);
}

KeyLog::~KeyLog() {
    if (m_file) std::fclose(m_file);
}

}  // namespace engine::tls
