// LocalCa.cpp — see LocalCa.h.
#include "engine/tls/LocalCa.h"

#include "engine/asyncore/Escape.h"
#include "engine/net/FileOps.h"
#include "engine/tls/X509Build.h"

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
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace engine::tls {
namespace {

namespace fs = std::filesystem;

using x509::addExtensions;
using x509::addName;
using x509::bioText;
using x509::BioPtr;
using x509::fail;
using x509::PkeyPtr;
using x509::X509Ptr;

constexpr long kCaDays = 3650;
constexpr long kLeafDays = 397;

std::string quote(const std::string& s) { return "'" + printableAscii(s) + "'"; }

std::string readSmallFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + quote(p.string()) + ": " + std::strerror(errno ? errno : EIO));
    std::ostringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    if (text.size() > 1 << 20) throw std::runtime_error(quote(p.string()) + " is too large for a CA file");
    return text;
}

// A new file with `text`, created with `mode`, never through a link, never over an existing file.
void writeNewFile(const fs::path& p, const std::string& text, unsigned mode) {
    const fileops::OpenedFile f = fileops::openNoFollow(p.string(), false, mode);
    switch (f.outcome) {
    case fileops::OpenOutcome::Opened: break;
    case fileops::OpenOutcome::Exists:
        throw std::runtime_error(quote(p.string()) + " appeared while the local CA was being created (another run?); "
                                                     "try again");
    case fileops::OpenOutcome::Symlink:
        throw std::runtime_error(quote(p.string()) + " is a symbolic link; refused");
    case fileops::OpenOutcome::Failed:
        throw std::runtime_error("cannot create " + quote(p.string()) + ": " + std::strerror(f.error ? f.error : EIO));
    }
    const bool ok = std::fwrite(text.data(), 1, text.size(), f.file) == text.size();
    const bool closed = std::fclose(f.file) == 0;
    if (!ok || !closed) throw std::runtime_error("cannot write " + quote(p.string()));
}

// The CA files are regular files, not links; the key is readable by its owner only.
void checkFile(const fs::path& p, bool secret) {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(p, ec);
    if (ec) throw std::runtime_error("cannot read " + quote(p.string()) + ": " + ec.message());
    if (fs::is_symlink(st)) throw std::runtime_error(quote(p.string()) + " is a symbolic link; refused");
    if (!fs::is_regular_file(st)) throw std::runtime_error(quote(p.string()) + " is not a regular file");
#if !defined(_WIN32)
    if (secret && (st.permissions() & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none)
        throw std::runtime_error(quote(p.string()) + " (the local CA's private key) can be read by others; "
                                                     "make it readable by its owner only (chmod 600)");
#else
    (void)secret;
#endif
}

struct Attached {
    std::shared_ptr<LocalCa> ca;
    std::string fallback;
    STACK_OF(X509) * chain = nullptr;
    ~Attached() {
        if (chain) sk_X509_pop_free(chain, X509_free);
    }
};

int attachedIndex() {
    static const int index = SSL_CTX_get_ex_new_index(
        0, nullptr, nullptr, nullptr,
        [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<Attached*>(ptr); });
    return index;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Before the server's certificate is chosen: the leaf for the client's SNI.
int chooseLeaf(SSL* ssl, void* arg) {
    const auto* a = static_cast<const Attached*>(arg);
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    const std::string asked = sni ? std::string(sni) : std::string();
    const std::string name = LocalCa::plainHostName(asked) ? lower(asked) : a->fallback;
    X509Ptr leaf;
    try {
        leaf.reset(a->ca->leafFor(name));
    } catch (const std::exception&) {
        return 0;  // the handshake fails (OpenSSL's error queue says why)
    }
    if (SSL_use_certificate(ssl, leaf.get()) != 1 || SSL_use_PrivateKey(ssl, a->ca->leafKey()) != 1 ||
        SSL_set1_chain(ssl, a->chain) != 1)
        return 0;
    return 1;
}

}  // namespace

std::string LocalCa::defaultDirectory() {
#if defined(_WIN32)
    if (const char* d = std::getenv("LOCALAPPDATA"); d && *d) return (fs::path(d) / "linewright" / "ca").string();
    return {};
#else
    if (const char* d = std::getenv("XDG_DATA_HOME"); d && *d && d[0] == '/')
        return (fs::path(d) / "linewright" / "ca").string();
    if (const char* h = std::getenv("HOME"); h && *h)
        return (fs::path(h) / ".local" / "share" / "linewright" / "ca").string();
    return {};
#endif
}

bool LocalCa::plainHostName(const std::string& name) {
    if (name.empty() || name.size() > 253) return false;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (!std::isalnum(u) && c != '.' && c != '-' && c != '_') return false;
    }
    return true;
}

std::string LocalCa::certificatePath() const { return (fs::path(m_dir) / kCertFileName).string(); }
std::string LocalCa::keyPath() const { return (fs::path(m_dir) / kKeyFileName).string(); }

std::shared_ptr<LocalCa> LocalCa::open(const std::string& dir) {
    if (dir.empty())
        throw std::runtime_error("no folder for the local CA: set XDG_DATA_HOME or HOME, or name one (--ca-dir)");
    // One instance per folder while any user holds it: the contexts of a
    // listener and of each STARTTLS upgrade share its issued certificates.
    static std::mutex openMutex;
    static std::map<std::string, std::weak_ptr<LocalCa>> opened;
    {
        std::lock_guard<std::mutex> lock(openMutex);
        if (const auto it = opened.find(dir); it != opened.end())
            if (std::shared_ptr<LocalCa> held = it->second.lock()) return held;
    }
    std::shared_ptr<LocalCa> self = load(dir);
    std::lock_guard<std::mutex> lock(openMutex);
    for (auto it = opened.begin(); it != opened.end();) it = it->second.expired() ? opened.erase(it) : std::next(it);
    opened[dir] = self;
    return self;
}

std::shared_ptr<LocalCa> LocalCa::load(const std::string& dir) {
    ERR_clear_error();
    std::shared_ptr<LocalCa> self(new LocalCa());
    self->m_dir = dir;
    const fs::path certPath = self->certificatePath(), keyPath = self->keyPath();
    std::error_code ec;
    const fs::file_status dst = fs::status(dir, ec);
    if (fs::exists(dst) && !fs::is_directory(dst)) throw std::runtime_error(quote(dir) + " is not a folder");
    if (!fs::exists(dst)) {
        if (!fs::create_directories(dir, ec) && ec)
            throw std::runtime_error("cannot create the local CA's folder " + quote(dir) + ": " + ec.message());
        fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);  // 0700: it holds a key
    }
    const bool haveCert = fs::exists(fs::symlink_status(certPath, ec));
    const bool haveKey = fs::exists(fs::symlink_status(keyPath, ec));
    if (haveCert != haveKey)
        throw std::runtime_error("the local CA in " + quote(dir) + " is incomplete: " +
                                 (haveCert ? std::string(kCertFileName) + " without " + kKeyFileName
                                           : std::string(kKeyFileName) + " without " + kCertFileName) +
                                 " (remove it to make a new CA, or restore the missing file)");

    if (!haveCert) {
        // A new CA: EC P-256, self-signed, CA:TRUE.
        PkeyPtr key(EVP_EC_gen("P-256"));
        if (!key) fail("cannot generate the local CA's key");
        X509Ptr x = x509::newCertificate(kCaDays * 24 * 3600, "cannot make the local CA's certificate");
        X509_NAME* name = X509_get_subject_name(x.get());
        addName(name, "O", "Linewright");
        addName(name, "OU", "local CA for linewright-cli proxy --tls");
        addName(name, "CN", "Linewright local CA");
        if (X509_set_issuer_name(x.get(), name) != 1 || X509_set_pubkey(x.get(), key.get()) != 1)
            fail("cannot set issuer or key");
        addExtensions(x.get(), x.get(),
                      {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                       {NID_key_usage, "critical,keyCertSign,cRLSign"},
                       {NID_subject_key_identifier, "hash"}});
        addExtensions(x.get(), x.get(), {{NID_authority_key_identifier, "keyid:always"}});
        if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) fail("cannot sign the local CA's certificate");
        BioPtr cb(BIO_new(BIO_s_mem())), kb(BIO_new(BIO_s_mem()));
        if (!cb || !kb || PEM_write_bio_X509(cb.get(), x.get()) != 1 ||
            PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
            fail("cannot write the local CA as PEM");
        // The key first: a certificate alone never looks like a usable CA.
        writeNewFile(keyPath, bioText(kb.get()), 0600);
        writeNewFile(certPath, bioText(cb.get()), 0644);
        self->m_created = true;
    }

    checkFile(certPath, false);
    checkFile(keyPath, true);
    const std::string certPem = readSmallFile(certPath), keyPem = readSmallFile(keyPath);
    BioPtr cb(BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size())));
    BioPtr kb(BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())));
    if (!cb || !kb) fail("out of memory");
    X509Ptr cert(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
    if (!cert) fail("cannot read the local CA's certificate " + quote(certPath.string()));
    PkeyPtr key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
    if (!key) fail("cannot read the local CA's key " + quote(keyPath.string()));
    if (X509_check_ca(cert.get()) < 1)
        throw std::runtime_error(quote(certPath.string()) + " is not a CA certificate (no basicConstraints CA:TRUE)");
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        throw std::runtime_error(quote(keyPath.string()) + " is not the key of " + quote(certPath.string()));
    }
    PkeyPtr leafKey(EVP_EC_gen("P-256"));
    if (!leafKey) fail("cannot generate the key of the issued certificates");
    self->m_certPem = certPem;
    self->m_fingerprint = sha256Fingerprint(cert.get());
    self->m_cert = cert.release();
    self->m_key = key.release();
    self->m_leafKey = leafKey.release();
    return self;
}

LocalCa::~LocalCa() {
    for (auto& [name, x] : m_leaves) X509_free(x);
    X509_free(m_cert);
    EVP_PKEY_free(m_key);
    EVP_PKEY_free(m_leafKey);
}

std::size_t LocalCa::issued() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_issued;
}

X509* LocalCa::leafFor(const std::string& name) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (const auto it = m_leaves.find(name); it != m_leaves.end()) {
        X509_up_ref(it->second);
        return it->second;
    }
    X509* x = issue(name);
    if (m_leaves.size() >= kMaxCachedLeaves) {
        for (auto& [n, old] : m_leaves) X509_free(old);
        m_leaves.clear();
    }
    m_leaves.emplace(name, x);
    ++m_issued;
    X509_up_ref(x);
    return x;
}

X509* LocalCa::issue(const std::string& name) {
    if (name.empty()) throw std::runtime_error("no server name to issue a certificate for");
    X509Ptr x = x509::newCertificate(kLeafDays * 24 * 3600, "cannot make a certificate");
    if (ASN1_TIME_compare(X509_get0_notAfter(x.get()), X509_get0_notAfter(m_cert)) > 0 &&
        X509_set1_notAfter(x.get(), X509_get0_notAfter(m_cert)) != 1)
        fail("cannot set the validity");
    X509_NAME* subject = X509_get_subject_name(x.get());
    addName(subject, "O", "Linewright");
    if (name.size() <= 64) addName(subject, "CN", name);  // ub-common-name; the SAN carries it anyway
    if (X509_set_issuer_name(x.get(), X509_get_subject_name(m_cert)) != 1 || X509_set_pubkey(x.get(), m_leafKey) != 1)
        fail("cannot set issuer or key");
    x509::addSubjectAltNames(x.get(), {name});
    addExtensions(x.get(), m_cert,
                  {{NID_basic_constraints, "critical,CA:FALSE"},
                   {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                   {NID_ext_key_usage, "serverAuth"},
                   {NID_subject_key_identifier, "hash"},
                   {NID_authority_key_identifier, "keyid:always"}});
    if (X509_sign(x.get(), m_key, EVP_sha256()) <= 0) fail("cannot sign a certificate for " + quote(name));
    return x.release();
}

void LocalCa::attach(SSL_CTX* ctx, const std::string& fallback) {
    std::string fb = fallback;
    if (fb.size() >= 2 && fb.front() == '[' && fb.back() == ']') fb = fb.substr(1, fb.size() - 2);
    if (fb.empty()) fb = "localhost";
    auto a = std::make_unique<Attached>();
    a->ca = shared_from_this();
    a->fallback = lower(fb);
    a->chain = sk_X509_new_null();
    if (!a->chain || X509_up_ref(m_cert) != 1) fail("out of memory");
    if (sk_X509_push(a->chain, m_cert) <= 0) {
        X509_free(m_cert);
        fail("out of memory");
    }
    // The default certificate (before any callback): the fallback's leaf.
    X509Ptr leaf(leafFor(a->fallback));
    if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1 || SSL_CTX_use_PrivateKey(ctx, m_leafKey) != 1)
        fail("cannot use the certificate issued for " + quote(a->fallback));
    const int idx = attachedIndex();
    delete static_cast<Attached*>(SSL_CTX_get_ex_data(ctx, idx));
    if (SSL_CTX_set_ex_data(ctx, idx, a.get()) != 1) fail("out of memory");
    SSL_CTX_set_cert_cb(ctx, chooseLeaf, a.release());
}

}  // namespace engine::tls
