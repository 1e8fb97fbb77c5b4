// tst_Certificate.cpp — engine/tls/Certificate: the generated self-signed
// certificate, certificates as text, verification results and OpenSSL
// errors in words, and the key log file (0600, appended, never a symlink).
#include "TlsTestSupport.h"

#include "engine/tls/Certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <sstream>

#if !defined(_WIN32)
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace engine;
using namespace engine::tls;

namespace {

X509* readCert(const std::string& pem) {
    BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    return x;
}

X509* readCertFile(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return readCert(ss.str());
}

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace

class tst_Certificate : public QObject {
    Q_OBJECT
private slots:
    void generatedSelfSignedHasNamesAndKey() {
        const GeneratedCertificate g = generateSelfSigned({"localhost", "127.0.0.1", "::1"}, std::chrono::hours(48));
        QVERIFY(g.certPem.starts_with("-----BEGIN CERTIFICATE-----"));
        QVERIFY(g.keyPem.starts_with("-----BEGIN PRIVATE KEY-----"));
        X509* x = readCert(g.certPem);
        QVERIFY(x);
        const CertificateInfo info = certificateInfo(x);
        QCOMPARE(info.keyType, std::string("EC P-256"));
        QVERIFY2(info.subject.find("CN=localhost") != std::string::npos, info.subject.c_str());
        QCOMPARE(info.subject, info.issuer);
        QCOMPARE(info.subjectAltNames,
                 (std::vector<std::string>{"DNS:localhost", "IP:127.0.0.1", "IP:::1"}));
        QCOMPARE(info.sha256, g.sha256);
        QCOMPARE(info.sha256.size(), std::size_t(32 * 3 - 1));
        QVERIFY(info.notBefore.ends_with("Z") && info.notBefore.size() == 20);
        QVERIFY(info.notBefore < info.notAfter);
        QVERIFY(!info.serial.empty());
        // Valid now: from an hour ago.
        QVERIFY(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);
        QVERIFY(X509_cmp_current_time(X509_get0_notAfter(x)) > 0);
        // Usable by a server context, and each call makes a new one.
        SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
        useCertificate(ctx, g);
        SSL_CTX_free(ctx);
        QVERIFY(generateSelfSigned().sha256 != g.sha256);
        X509_free(x);
    }

    void mismatchedKeyIsRefused() {
        GeneratedCertificate a = generateSelfSigned();
        const GeneratedCertificate b = generateSelfSigned();
        a.keyPem = b.keyPem;
        SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
        bool threw = false;
        try {
            useCertificate(ctx, a);
        } catch (const std::runtime_error& e) {
            threw = true;
            QVERIFY2(std::string(e.what()).find("does not match") != std::string::npos ||
                         std::string(e.what()).find("mismatch") != std::string::npos,
                     e.what());
        }
        SSL_CTX_free(ctx);
        QVERIFY(threw);
        QCOMPARE(takeErrors(), std::string());  // the queue was emptied into the message
    }

    void caSignedCertificateInfo() {
        const auto& p = lwtest::tls::pki();
        X509* x = readCertFile(p.serverCert);
        QVERIFY(x);
        const CertificateInfo info = certificateInfo(x);
        QCOMPARE(info.subject, std::string("CN=localhost,O=Linewright Tests"));
        QCOMPARE(info.issuer, std::string("CN=Linewright Test CA,O=Linewright Tests"));
        QCOMPARE(sha256Fingerprint(x), info.sha256);
        X509_free(x);
    }

    void verifyResultsInWords() {
        QCOMPARE(verifyResultText(X509_V_OK), std::string("ok"));
        QCOMPARE(verifyResultText(X509_V_ERR_CERT_HAS_EXPIRED), std::string("certificate has expired"));
        QVERIFY(verifyResultText(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT).find("self") != std::string::npos);
        QCOMPARE(verifyResultText(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
                 std::string("unable to get local issuer certificate"));
        const auto& p = lwtest::tls::pki();
        X509* wrong = readCertFile(p.wrongNameCert);
        QCOMPARE(verifyResultText(X509_V_ERR_HOSTNAME_MISMATCH, wrong),
                 std::string("hostname mismatch (certificate is for DNS:other.example)"));
        QCOMPARE(verifyResultText(X509_V_ERR_HOSTNAME_MISMATCH), std::string("hostname mismatch"));
        X509_free(wrong);
    }

    void opensslErrorsInWords() {
        QCOMPARE(takeErrors(), std::string());
        SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
        QVERIFY(SSL_CTX_use_certificate_file(ctx, "/nonexistent/x.pem", SSL_FILETYPE_PEM) != 1);
        const std::string e = takeErrors();
        QVERIFY2(!e.empty(), "no error text");
        QVERIFY2(e.find("No such file") != std::string::npos || e.find("no such file") != std::string::npos, e.c_str());
        QCOMPARE(takeErrors(), std::string());
        SSL_CTX_free(ctx);
    }

    void keyLogAppendsWithPrivateMode() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("keys.log").toStdString();
        {
            auto log = KeyLog::open(path);
            log->write("CLIENT_RANDOM aa bb");
        }
        {
            auto log = KeyLog::open(path);
            log->write("CLIENT_RANDOM cc dd");
            QCOMPARE(log->path(), path);
        }
        QCOMPARE(slurp(path), std::string("CLIENT_RANDOM aa bb\nCLIENT_RANDOM cc dd\n"));
#if !defined(_WIN32)
        struct stat st {};
        QCOMPARE(::stat(path.c_str(), &st), 0);
        QCOMPARE(st.st_mode & 0777, mode_t(0600));
#endif
    }

#if !defined(_WIN32)
    void keyLogRefusesSymlink() {
        QTemporaryDir dir;
        const std::string target = dir.filePath("target").toStdString();
        const std::string link = dir.filePath("link.log").toStdString();
        { std::ofstream(target) << "keep\n"; }
        QCOMPARE(::symlink(target.c_str(), link.c_str()), 0);
        bool threw = false;
        try {
            KeyLog::open(link);
        } catch (const std::system_error& e) {
            threw = true;
            QVERIFY2(std::string(e.what()).find("link.log") != std::string::npos, e.what());
        }
        QVERIFY(threw);
        QCOMPARE(slurp(target), std::string("keep\n"));
    }
#endif

    void keyLogAttachedToAContextOutlivesTheCaller() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("k.log").toStdString();
        SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
        KeyLog::attach(ctx, KeyLog::open(path));
        QVERIFY(SSL_CTX_get_keylog_callback(ctx) != nullptr);
        KeyLog::attach(ctx, nullptr);
        QVERIFY(SSL_CTX_get_keylog_callback(ctx) == nullptr);
        KeyLog::attach(ctx, KeyLog::open(path));
        SSL_CTX_free(ctx);  // frees the log with it (no leak under ASan)
    }
};

QTEST_APPLESS_MAIN(tst_Certificate)
#include "tst_Certificate.moc"
