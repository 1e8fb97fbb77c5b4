// TlsTestSupport.cpp — see TlsTestSupport.h.
#include "TlsTestSupport.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <QStandardPaths>

#include <cstdio>
#include <stdexcept>
#include <vector>

#if !defined(_WIN32)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace lwtest::tls {
namespace {

[[noreturn]] void fail(const char* what) {
    char buf[256] = {};
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    throw std::runtime_error(std::string("test PKI: ") + what + ": " + buf);
}

struct Made {
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
};

void addExt(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!e) fail("extension");
    X509_add_ext(cert, e, -1);
    X509_EXTENSION_free(e);
}

// A certificate for `cn` with subjectAltName `san` (conf syntax, "" for
// none), valid from `fromSecs` to `toSecs` around now, signed by `issuer`
// (self-signed when null).
Made make(const char* cn, const char* san, long fromSecs, long toSecs, const Made* issuer, bool ca,
          const char* eku) {
    Made m;
    m.key = EVP_EC_gen("P-256");
    if (!m.key) fail("key");
    m.cert = X509_new();
    X509_set_version(m.cert, 2);
    unsigned char serial[12];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(m.cert));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(m.cert), fromSecs);
    X509_gmtime_adj(X509_getm_notAfter(m.cert), toSecs);
    X509_NAME* name = X509_get_subject_name(m.cert);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Linewright Tests"), -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509_set_issuer_name(m.cert, issuer ? X509_get_subject_name(issuer->cert) : name);
    X509_set_pubkey(m.cert, m.key);
    X509* issuerCert = issuer ? issuer->cert : m.cert;
    if (ca) {
        addExt(m.cert, issuerCert, NID_basic_constraints, "critical,CA:TRUE");
        addExt(m.cert, issuerCert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        addExt(m.cert, issuerCert, NID_basic_constraints, "critical,CA:FALSE");
        addExt(m.cert, issuerCert, NID_key_usage, "critical,digitalSignature");
        addExt(m.cert, issuerCert, NID_ext_key_usage, eku);
    }
    addExt(m.cert, issuerCert, NID_subject_key_identifier, "hash");
    if (issuer) addExt(m.cert, issuerCert, NID_authority_key_identifier, "keyid:always");
    if (san && *san) addExt(m.cert, issuerCert, NID_subject_alt_name, san);
    if (X509_sign(m.cert, issuer ? issuer->key : m.key, EVP_sha256()) <= 0) fail("sign");
    return m;
}

void save(const Made& m, const std::string& certPath, const std::string& keyPath) {
    FILE* f = std::fopen(certPath.c_str(), "wb");
    if (!f || PEM_write_X509(f, m.cert) != 1) fail("write cert");
    std::fclose(f);
    f = std::fopen(keyPath.c_str(), "wb");
    if (!f || PEM_write_PrivateKey(f, m.key, nullptr, nullptr, 0, nullptr, nullptr) != 1) fail("write key");
    std::fclose(f);
}

void release(Made& m) {
    X509_free(m.cert);
    EVP_PKEY_free(m.key);
}

// openssl's printf()s to a pipe are block-buffered: its command answers
// ("SSL_do_handshake -> 1") would arrive late. stdbuf (coreutils) unbuffers them.
void startUnbuffered(QProcess& proc, const QString& exe, const QStringList& args) {
    const QString stdbuf = QStandardPaths::findExecutable(QStringLiteral("stdbuf"));
    if (stdbuf.isEmpty())
        proc.start(exe, args);
    else
        proc.start(stdbuf, QStringList{"-o0", "-e0", exe} + args);
}

}  // namespace

TestPki::TestPki() : m_tmp(std::make_unique<QTemporaryDir>()) {
    if (!m_tmp->isValid()) throw std::runtime_error("test PKI: no temporary directory");
    dir = m_tmp->path().toStdString();
    constexpr long kDay = 24 * 3600;
    const char* names = "DNS:localhost,IP:127.0.0.1,IP:::1";
    Made ca = make("Linewright Test CA", "", -kDay, 30 * kDay, nullptr, true, nullptr);
    Made server = make("localhost", names, -3600, 30 * kDay, &ca, false, "serverAuth");
    Made expired = make("localhost", names, -10 * kDay, -kDay, &ca, false, "serverAuth");
    Made wrong = make("other.example", "DNS:other.example", -3600, 30 * kDay, &ca, false, "serverAuth");
    Made self = make("localhost", names, -3600, 30 * kDay, nullptr, false, "serverAuth");
    Made other = make("Unrelated Test CA", "", -kDay, 30 * kDay, nullptr, true, nullptr);
    Made client = make("linewright-test-client", "", -3600, 30 * kDay, &ca, false, "clientAuth");
    caCert = path("ca.pem"), caKey = path("ca.key");
    serverCert = path("server.pem"), serverKey = path("server.key");
    expiredCert = path("expired.pem"), expiredKey = path("expired.key");
    wrongNameCert = path("wrongname.pem"), wrongNameKey = path("wrongname.key");
    selfSignedCert = path("self.pem"), selfSignedKey = path("self.key");
    otherCaCert = path("otherca.pem"), otherCaKey = path("otherca.key");
    clientCert = path("client.pem"), clientKey = path("client.key");
    save(ca, caCert, caKey);
    save(server, serverCert, serverKey);
    save(expired, expiredCert, expiredKey);
    save(wrong, wrongNameCert, wrongNameKey);
    save(self, selfSignedCert, selfSignedKey);
    save(other, otherCaCert, otherCaKey);
    save(client, clientCert, clientKey);
    for (Made* m : {&ca, &server, &expired, &wrong, &self, &other, &client}) release(*m);
}

const TestPki& pki() {
    static const TestPki p;
    return p;
}

QString opensslExecutable() { return QStandardPaths::findExecutable(QStringLiteral("openssl")); }

std::uint16_t freePort() {
#if defined(_WIN32)
    return 0;
#else
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    std::uint16_t port = 0;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(s);
    return port;
#endif
}

std::unique_ptr<OpensslPeer> OpensslPeer::server(const QStringList& args, std::string* why) {
    const QString exe = opensslExecutable();
    if (exe.isEmpty()) {
        if (why) *why = "openssl is not installed";
        return nullptr;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
        std::unique_ptr<OpensslPeer> p(new OpensslPeer);
        p->m_port = freePort();
        p->m_proc.setProcessChannelMode(QProcess::MergedChannels);
        startUnbuffered(p->m_proc, exe,
                        QStringList{"s_server", "-accept", QStringLiteral("127.0.0.1:%1").arg(p->m_port)} + args);
        if (!p->m_proc.waitForStarted(5000)) {
            if (why) *why = "openssl s_server did not start";
            return nullptr;
        }
        if (p->waitForOutput("ACCEPT", std::chrono::seconds(10))) return p;
        if (why) *why = "openssl s_server did not listen: " + p->m_out.toStdString();
    }
    return nullptr;
}

std::unique_ptr<OpensslPeer> OpensslPeer::client(std::uint16_t port, const QStringList& args, std::string* why) {
    const QString exe = opensslExecutable();
    if (exe.isEmpty()) {
        if (why) *why = "openssl is not installed";
        return nullptr;
    }
    std::unique_ptr<OpensslPeer> p(new OpensslPeer);
    p->m_port = port;
    p->m_proc.setProcessChannelMode(QProcess::MergedChannels);
    startUnbuffered(p->m_proc, exe, QStringList{"s_client", "-connect", QStringLiteral("127.0.0.1:%1").arg(port)} + args);
    if (!p->m_proc.waitForStarted(5000)) {
        if (why) *why = "openssl s_client did not start";
        return nullptr;
    }
    return p;
}

OpensslPeer::~OpensslPeer() {
    if (m_proc.state() != QProcess::NotRunning) {
        m_proc.kill();
        m_proc.waitForFinished(5000);
    }
}

const QByteArray& OpensslPeer::output(int ms) {
    if (m_proc.state() == QProcess::Running && ms >= 0) m_proc.waitForReadyRead(ms);
    m_out += m_proc.readAll();
    return m_out;
}

bool OpensslPeer::waitForOutput(const QByteArray& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        m_out += m_proc.readAll();
        if (m_out.contains(text)) return true;
        if (m_proc.state() != QProcess::Running) {
            m_out += m_proc.readAll();
            return m_out.contains(text);
        }
        if (std::chrono::steady_clock::now() > deadline) return false;
        m_proc.waitForReadyRead(50);
    }
}

void OpensslPeer::write(const QByteArray& bytes) {
    m_proc.write(bytes);
    m_proc.waitForBytesWritten(2000);
}

void OpensslPeer::kill() {
    m_proc.kill();
    m_proc.waitForFinished(5000);
}

bool OpensslPeer::finished(int ms) {
    if (m_proc.state() == QProcess::NotRunning) return true;
    return m_proc.waitForFinished(ms);
}

}  // namespace lwtest::tls
