// tst_Certificate.cpp — engine/tls/Certificate: the generated self-signed
// certificate, certificates as text, verification results and OpenSSL
// errors in words, and the key log file (0600, appended, never a symlink).
#include "TlsTestSupport.h"

#include "engine/tls/Certificate.h"
#include "engine/tls/LocalCa.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

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

    // The local CA: created once (key 0600), loaded again the same; each
    // issued certificate verifies against it (OpenSSL's X509_verify_cert,
    // strict), for its own name only, with the extensions a server
    // certificate needs; each name issued once.
    void localCaIssuesVerifiableCertificates() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string caDir = dir.filePath("ca").toStdString();
        auto ca = LocalCa::open(caDir);
        QVERIFY(ca->created());
        QCOMPARE(X509_check_ca(ca->certificate()), 1);
#if !defined(_WIN32)
        struct stat st {};
        QCOMPARE(::stat(ca->keyPath().c_str(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0600u);
        QCOMPARE(::stat(caDir.c_str(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0700u);
#endif
        QCOMPARE(LocalCa::open(caDir).get(), ca.get());  // while one is held, the same one
        const std::string fingerprint = ca->fingerprint();
        const std::string pem = ca->certificatePem();
        ca.reset();
        ca = LocalCa::open(caDir);  // loaded again from the folder
        QVERIFY(!ca->created());
        QCOMPARE(ca->fingerprint(), fingerprint);
        const auto again = ca;
        QCOMPARE(slurp(ca->certificatePath()), pem);

        X509_STORE* store = X509_STORE_new();
        QVERIFY(X509_STORE_add_cert(store, again->certificate()) == 1);
        for (const std::string name : {"localhost", "db.internal.example", "127.0.0.1"}) {
            X509* leaf = ca->leafFor(name);
            QVERIFY(leaf);
            X509_STORE_CTX* vctx = X509_STORE_CTX_new();
            QVERIFY(X509_STORE_CTX_init(vctx, store, leaf, nullptr) == 1);
            X509_VERIFY_PARAM* vp = X509_STORE_CTX_get0_param(vctx);
            X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_X509_STRICT);
            X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_SSL_SERVER);
            if (name == "127.0.0.1")
                X509_VERIFY_PARAM_set1_ip_asc(vp, name.c_str());
            else
                X509_VERIFY_PARAM_set1_host(vp, name.c_str(), 0);
            const int ok = X509_verify_cert(vctx);
            QVERIFY2(ok == 1, (name + ": " + verifyResultText(X509_STORE_CTX_get_error(vctx))).c_str());
            X509_STORE_CTX_free(vctx);
            const CertificateInfo info = certificateInfo(leaf);
            QCOMPARE(info.subjectAltNames.size(), std::size_t(1));
            QCOMPARE(info.subjectAltNames[0], (name == "127.0.0.1" ? "IP:" : "DNS:") + name);
            QCOMPARE(X509_check_ca(leaf), 0);
            QVERIFY(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER);
            QVERIFY(ASN1_TIME_compare(X509_get0_notAfter(leaf), X509_get0_notAfter(ca->certificate())) <= 0);
            QVERIFY(X509_check_private_key(leaf, ca->leafKey()) == 1);
            X509_free(leaf);
        }
        // Another name does not verify with the localhost certificate.
        X509* leaf = ca->leafFor("localhost");
        X509_STORE_CTX* vctx = X509_STORE_CTX_new();
        QVERIFY(X509_STORE_CTX_init(vctx, store, leaf, nullptr) == 1);
        X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(vctx), "other.example", 0);
        QCOMPARE(X509_verify_cert(vctx), 0);
        QCOMPARE(X509_STORE_CTX_get_error(vctx), X509_V_ERR_HOSTNAME_MISMATCH);
        X509_STORE_CTX_free(vctx);
        X509_free(leaf);
        X509_STORE_free(store);
        QCOMPARE(ca->issued(), std::size_t(3));  // "localhost" came from the cache the second time

        QVERIFY(LocalCa::plainHostName("a-b_c.example"));
        QVERIFY(!LocalCa::plainHostName(""));
        QVERIFY(!LocalCa::plainHostName("bad name"));
        QVERIFY(!LocalCa::plainHostName("evil\r\nname"));
        QVERIFY(!LocalCa::plainHostName(std::string(254, 'a')));
    }
};

QTEST_APPLESS_MAIN(tst_Certificate)
#include "tst_Certificate.moc"
