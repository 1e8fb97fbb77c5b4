// TlsTestSupport.h — what TLS tests share (library lw_tls_test_support):
// a test PKI made in-process with OpenSSL, and real peers (`openssl s_server`,
// `openssl s_client`) run on loopback with bounded waits.
//
// TestPki: in a QTemporaryDir, PEM files for a CA, a server certificate for
// localhost/127.0.0.1/::1 signed by it, the same names expired, a certificate
// for "other.example" (wrong name) signed by the CA, a self-signed
// certificate for localhost, a second unrelated CA ("wrong CA") and a client
// certificate (CN=linewright-test-client, clientAuth) signed by the CA.
// OpensslPeer: starts `openssl s_server` on a free loopback port (waits,
// bounded, until it printed ACCEPT) or `openssl s_client`; collects what it
// prints, writes to its stdin, and kills only its own process when destroyed.
// Threads: the test's thread.
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace lwtest::tls {

struct TestPki {
    std::string dir;
    std::string caCert, caKey;
    std::string serverCert, serverKey;    // localhost, 127.0.0.1, ::1 — signed by the CA
    std::string expiredCert, expiredKey;  // same names, expired yesterday
    std::string wrongNameCert, wrongNameKey;  // other.example only
    std::string selfSignedCert, selfSignedKey;  // localhost, self-signed
    std::string otherCaCert, otherCaKey;  // an unrelated CA
    std::string clientCert, clientKey;    // CN=linewright-test-client
    /// Generates all of it; throws std::runtime_error on failure.
    TestPki();
    std::string path(const std::string& name) const { return dir + "/" + name; }

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
};

/// One PKI per test process.
const TestPki& pki();

/// The `openssl` executable, or "" when it is not installed.
QString opensslExecutable();
/// A loopback TCP port free a moment ago.
std::uint16_t freePort();

class OpensslPeer {
public:
    /// `openssl s_server -accept 127.0.0.1:PORT <args>`; waits until it
    /// listens (bounded). Returns nullptr (with `why`) when it cannot start.
    static std::unique_ptr<OpensslPeer> server(const QStringList& args, std::string* why = nullptr);
    /// `openssl s_client -connect 127.0.0.1:PORT <args>` (started, not waited on).
    static std::unique_ptr<OpensslPeer> client(std::uint16_t port, const QStringList& args,
                                                std::string* why = nullptr);
    ~OpensslPeer();

    std::uint16_t port() const noexcept { return m_port; }
    /// Reads what it printed so far (stdout and stderr merged), waiting at most `ms`.
    const QByteArray& output(int ms = 0);
    /// True once output contains `text` (waits at most `timeout`).
    bool waitForOutput(const QByteArray& text, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void write(const QByteArray& bytes);
    /// Kills the process (SIGKILL: its TCP connection ends without close_notify).
    void kill();
    bool finished(int ms = 0);

private:
    OpensslPeer() = default;
    QProcess m_proc;
    QByteArray m_out;
    std::uint16_t m_port = 0;
};

}  // namespace lwtest::tls
