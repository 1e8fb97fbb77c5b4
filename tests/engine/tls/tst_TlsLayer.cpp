// tst_TlsLayer.cpp — engine/tls TlsLayer and TlsContext under a Dispatcher,
// on every poll backend, TLS 1.2 and 1.3:
//   * against real `openssl s_server` / `s_client` (skipped clearly when
//     openssl is absent): handshake and data both ways, verification
//     failures in words (expired, wrong host name, wrong IP, self-signed,
//     wrong CA), --insecure reporting what the check found, the server's
//     generated certificate, the peer's key update (`K`) and renegotiation
//     (`r`/`R`), close_notify (`Q`) versus a killed peer (truncation);
//   * layer against layer over loopback: plaintext held inside OpenSSL with
//     an idle socket (SSL_pending), big writes through a moving buffer while
//     keys change (write retry), half-close, ALPN/SNI/client certificate/key
//     log, a garbage record;
//   * a stalled peer (handshake timeout), a plaintext peer on a TLS port and
//     the reverse.
// Loopback only; every wait bounded; nothing sleeps.
#include "SocketTestSupport.h"
#include "TestSupport.h"
#include "TlsTestSupport.h"

#include "engine/asyncore/Dispatcher.h"
#include "engine/tls/TlsContext.h"
#include "engine/tls/TlsLayer.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>

using namespace engine;
using namespace engine::tls;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using lwtest::tls::OpensslPeer;

namespace {

class TlsApp final : public Dispatcher, public TlsLayer::Listener {
public:
    explicit TlsApp(Loop* loop) : Dispatcher(loop) {}
    TlsApp(Socket s, Loop* loop) : Dispatcher(std::move(s), loop) {}

    std::string out, got;
    std::size_t readChunk = 65536;
    bool reading = true;
    bool closeOnEof = true;
    bool eof = false;
    int errors = 0;
    std::string error;
    std::optional<TlsHandshakeInfo> hs;
    std::string failedReason;
    std::optional<TlsCloseKind> closeKind;

    void useTls(std::shared_ptr<const TlsContext> ctx, std::string host = "localhost") {
        setLayer(std::make_unique<TlsLayer>(std::move(ctx), std::move(host), this));
    }
    TlsLayer* tls() { return static_cast<TlsLayer*>(layer()); }

    bool readable() override { return reading; }
    bool writable() override { return !out.empty() || connecting; }
    void handleConnect() override {}
    void handleRead() override {
        std::string buf(readChunk, '\0');
        bool wb = false;
        const std::size_t n = recvOrWouldBlock(buf.data(), readChunk, wb);
        got.append(buf.data(), n);
    }
    void handleWrite() override {
        if (out.empty()) return;
        const std::size_t n = send(out);
        out.erase(0, n);  // the buffer moves under OpenSSL's feet
    }
    void handleClose() override {
        eof = true;
        reading = false;
        if (closeOnEof) close();
    }
    void handleError() override {
        ++errors;
        error = lwtest::inFlightWhat();
        close();
    }
    void handshakeDone(const TlsHandshakeInfo& i) override { hs = i; }
    void failed(const std::string& r) override { failedReason = r; }
    void closed(TlsCloseKind k) override { closeKind = k; }
};

TlsConfig clientConfig(int version) {
    TlsConfig c;
    c.enabled = true;
    c.caFile = lwtest::tls::pki().caCert;
    if (version) c.minVersion = c.maxVersion = version == 12 ? TlsVersion::Tls1_2 : TlsVersion::Tls1_3;
    return c;
}

TlsConfig serverConfig(int version) {
    TlsConfig c;
    c.enabled = true;
    c.certFile = lwtest::tls::pki().serverCert;
    c.keyFile = lwtest::tls::pki().serverKey;
    if (version) c.minVersion = c.maxVersion = version == 12 ? TlsVersion::Tls1_2 : TlsVersion::Tls1_3;
    return c;
}

QString versionFlag(int version) { return version == 12 ? "-tls1_2" : "-tls1_3"; }
std::string versionName(int version) { return version == 12 ? "TLSv1.2" : "TLSv1.3"; }

void backendVersionRows() {
    QTest::addColumn<Backend>("backend");
    QTest::addColumn<int>("version");
    for (auto [name, b] : lwtest::backends()) {
        QTest::addRow("%s/tls1.2", name) << b << 12;
        QTest::addRow("%s/tls1.3", name) << b << 13;
    }
}

#define NEED_OPENSSL()                                                                                    \
    do {                                                                                                  \
        if (lwtest::tls::opensslExecutable().isEmpty()) QSKIP("openssl (the command) is not installed"); \
    } while (0)

std::unique_ptr<OpensslPeer> startServer(const QStringList& args) {
    std::string why;
    auto s = OpensslPeer::server(args, &why);
    if (!s) qWarning("%s", why.c_str());
    return s;
}

// A client TlsApp connecting to `port`.
std::unique_ptr<TlsApp> connectClient(Loop& loop, std::uint16_t port, const TlsConfig& cfg,
                                      const std::string& host = "localhost") {
    auto c = std::make_unique<TlsApp>(&loop);
    c->createSocket();
    c->useTls(TlsContext::create(cfg, TlsRole::Client), host);
    c->connect(Address::loopback(kAfInet, port));
    return c;
}

// Runs the loop and reads the peer's output until it shows `text` (bounded).
bool pumpUntilPeerSays(Loop& loop, Backend backend, OpensslPeer& peer, const QByteArray& text,
                       std::chrono::milliseconds timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (peer.output(-1).contains(text)) return true;
        if (!loop.empty()) loop.poll(0.01, backend);
        if (peer.output(10).contains(text)) return true;
    }
    return false;
}

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    std::uint32_t x = 12345;
    for (char& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// A connected pair of TlsApps (client, server) over loopback.
struct Pair {
    std::unique_ptr<TlsApp> client, server;
};
Pair tlsPair(Loop& loop, const TlsConfig& ccfg, const TlsConfig& scfg) {
    auto [a, b] = lwtest::tcpPair();
    Pair p;
    p.client = std::make_unique<TlsApp>(std::move(a), &loop);
    p.server = std::make_unique<TlsApp>(std::move(b), &loop);
    p.server->useTls(TlsContext::create(scfg, TlsRole::Server));
    p.client->useTls(TlsContext::create(ccfg, TlsRole::Client));
    return p;
}

/// What a layer-against-layer case over backendVersionRows() sets up first:
/// its backend and version (the row's), a Loop, and a pair at that version.
struct VersionPair {
    static Backend rowBackend() {
        QFETCH(Backend, backend);
        return backend;
    }
    static int rowVersion() {
        QFETCH(int, version);
        return version;
    }
    /// Runs the loop until both ends have handshaken.
    bool handshaken() {
        return lwtest::runUntil(loop, [this] { return p.client->hs && p.server->hs; }, backend);
    }
    Backend backend = rowBackend();
    int version = rowVersion();
    Loop loop;
    Pair p = tlsPair(loop, clientConfig(version), serverConfig(version));
};

}  // namespace

class tst_TlsLayer : public QObject {
    Q_OBJECT
    Loop* m_loop = nullptr;
    Backend m_backend = Backend::Poll;

private slots:
    void initTestCase() { (void)lwtest::tls::pki(); }

    // --- Context --------------------------------------------------------------------
    void contextErrorsInWords() {
        TlsConfig c;
        c.certFile = "/nonexistent/cert.pem";
        try {
            TlsContext::create(c, TlsRole::Server);
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::string(e.what()).find("cannot load certificate file '/nonexistent/cert.pem'") == 0, e.what());
        }
        TlsConfig m;
        m.minVersion = TlsVersion::Tls1_3;
        m.maxVersion = TlsVersion::Tls1_2;
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, TlsContext::create(m, TlsRole::Client));
        TlsConfig k;
        k.certFile = lwtest::tls::pki().serverCert;
        k.keyFile = lwtest::tls::pki().clientKey;
        try {
            TlsContext::create(k, TlsRole::Server);
            QFAIL("no error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::string(e.what()).find("' does not match certificate '") != std::string::npos, e.what());
        }
        // A server with nothing given generates a certificate.
        auto gen = TlsContext::create(TlsConfig{}, TlsRole::Server);
        QCOMPARE(gen->localFingerprint().size(), std::size_t(95));
    }

    // --- Against openssl s_server -------------------------------------------------
    void clientTalksToOpensslServer_data() { backendVersionRows(); }
    void clientTalksToOpensslServer() {
        NEED_OPENSSL();
        QFETCH(Backend, backend);
        QFETCH(int, version);
        const auto& p = lwtest::tls::pki();
        // -client_renegotiation: OpenSSL 3's s_server refuses a client's
        // renegotiation otherwise (this end starts one below).
        auto srv = startServer({"-cert", QString::fromStdString(p.serverCert), "-key",
                                QString::fromStdString(p.serverKey), versionFlag(version), "-client_renegotiation"});
        QVERIFY(srv);
        Loop loop;
        auto c = connectClient(loop, srv->port(), clientConfig(version));
        QVERIFY2(lwtest::runUntil(loop, [&] { return c->hs || c->errors; }, backend), "no handshake");
        QVERIFY2(c->hs, c->error.c_str());
        QCOMPARE(c->hs->version, versionName(version));
        QVERIFY(c->hs->verified);
        QVERIFY(!c->hs->verifySkipped);
        QCOMPARE(c->hs->verifyResult, std::string("ok"));
        QCOMPARE(c->hs->serverName, std::string("localhost"));
        QVERIFY(!c->hs->cipher.empty());
        QVERIFY(!c->hs->peerChain.empty());
        QCOMPARE(c->hs->peerChain[0].subject, std::string("CN=localhost,O=Linewright Tests"));
        c->out = "hello from linewright\n";
        QVERIFY(pumpUntilPeerSays(loop, backend, *srv, "hello from linewright"));
        srv->write("hello from s_server\n");
        QVERIFY(lwtest::runUntil(loop, [&] { return c->got.find("hello from s_server\n") != std::string::npos; },
                                 backend));
        // The peer changes keys (TLS 1.3 KeyUpdate asking us to update too) or
        // renegotiates (TLS 1.2); data keeps flowing both ways.
        // s_server reads a command line alone (a line sent with it would be lost).
        srv->write(version == 13 ? "K\n" : "r\n");
        QVERIFY(pumpUntilPeerSays(loop, backend, *srv, "SSL_do_handshake -> "));
        srv->write("after the change\n");
        QVERIFY2(lwtest::runUntil(loop, [&] { return c->got.find("after the change\n") != std::string::npos || c->errors; },
                                  backend),
                 c->got.c_str());
        QVERIFY2(!c->errors, c->error.c_str());
        c->out = "client after the change\n";
        QVERIFY(pumpUntilPeerSays(loop, backend, *srv, "client after the change"));
        // This end starts one.
        std::string why;
        QVERIFY2(version == 13 ? c->tls()->requestKeyUpdate(true, &why) : c->tls()->renegotiate(&why), why.c_str());
        c->out = "after ours\n";
        QVERIFY2(pumpUntilPeerSays(loop, backend, *srv, "after ours"), c->error.c_str());
        srv->write("still here\n");
        QVERIFY2(lwtest::runUntil(loop, [&] { return c->got.find("still here\n") != std::string::npos || c->errors; },
                                  backend),
                 c->error.c_str());
        QVERIFY2(!c->errors, c->error.c_str());
        // A killed server: the end without close_notify is a truncation.
        srv->kill();
        QVERIFY(lwtest::runUntil(loop, [&] { return c->eof || c->errors; }, backend));
        QVERIFY2(!c->errors, c->error.c_str());
        QCOMPARE(c->closeKind, std::optional<TlsCloseKind>(TlsCloseKind::Truncated));
    }

    void verificationFailuresSayWhy_data() {
        QTest::addColumn<Backend>("backend");
        QTest::addColumn<QString>("certKind");
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("otherCa");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("which");  // the certificate the failure names
        const QString byCa = "(subject CN=localhost,O=Linewright Tests, issuer CN=Linewright Test CA,O=Linewright Tests, depth 0)";
        const QString other = "(subject CN=other.example,O=Linewright Tests, issuer CN=Linewright Test CA,O=Linewright Tests, depth 0)";
        const QString self = "(subject CN=localhost,O=Linewright Tests, issuer CN=localhost,O=Linewright Tests, depth 0)";
        for (auto [name, b] : lwtest::backends()) {
            QTest::addRow("%s/expired", name) << b << "expired" << "localhost" << false << "certificate has expired" << byCa;
            QTest::addRow("%s/wrong-name", name)
                << b << "wrong" << "localhost" << false
                << "hostname mismatch (certificate is for DNS:other.example)" << other;
            QTest::addRow("%s/wrong-ip", name) << b << "wrong" << "127.0.0.1" << false << "IP address mismatch" << other;
            QTest::addRow("%s/self-signed", name) << b << "self" << "localhost" << false << "self-signed certificate" << self;
            QTest::addRow("%s/wrong-ca", name)
                << b << "server" << "localhost" << true << "unable to get local issuer certificate" << byCa;
        }
    }
    void verificationFailuresSayWhy() {
        NEED_OPENSSL();
        QFETCH(Backend, backend);
        QFETCH(QString, certKind);
        QFETCH(QString, host);
        QFETCH(bool, otherCa);
        QFETCH(QString, expected);
        QFETCH(QString, which);
        const auto& p = lwtest::tls::pki();
        std::string cert = p.serverCert, key = p.serverKey;
        if (certKind == "expired") cert = p.expiredCert, key = p.expiredKey;
        if (certKind == "wrong") cert = p.wrongNameCert, key = p.wrongNameKey;
        if (certKind == "self") cert = p.selfSignedCert, key = p.selfSignedKey;
        auto srv = startServer({"-cert", QString::fromStdString(cert), "-key", QString::fromStdString(key)});
        QVERIFY(srv);
        Loop loop;
        TlsConfig cfg = clientConfig(0);
        if (otherCa) cfg.caFile = p.otherCaCert;
        auto c = connectClient(loop, srv->port(), cfg, host.toStdString());
        QVERIFY(lwtest::runUntil(loop, [&] { return c->hs || c->errors; }, backend));
        QVERIFY(!c->hs);
        QCOMPARE(c->errors, 1);
        QCOMPARE(c->error, c->failedReason);
        QVERIFY2(c->failedReason.find("TLS handshake failed: certificate verify failed: " + expected.toStdString()) == 0,
                 c->failedReason.c_str());
        // It names the certificate that failed, at the end of the one line.
        QVERIFY2(QString::fromStdString(c->failedReason).endsWith(" " + which), c->failedReason.c_str());
        QVERIFY(c->failedReason.find('\n') == std::string::npos);
        // With verification off the same server is accepted, and the report
        // still says what the check found.
        cfg.verify = false;
        auto d = connectClient(loop, srv->port(), cfg, host.toStdString());
        // s_server serves one connection at a time; the first one is closed.
        QVERIFY(lwtest::runUntil(loop, [&] { return d->hs || d->errors; }, backend));
        QVERIFY2(d->hs, d->error.c_str());
        QVERIFY(d->hs->verifySkipped);
        QVERIFY(!d->hs->verified);
        QVERIFY2(d->hs->verifyResult.find(expected.toStdString()) == 0, d->hs->verifyResult.c_str());
    }

    // --- Against openssl s_client -------------------------------------------------
    void serverTalksToOpensslClient_data() { backendVersionRows(); }
    void serverTalksToOpensslClient() {
        NEED_OPENSSL();
        QFETCH(Backend, backend);
        QFETCH(int, version);
        lwtest::RawListener listener(kAfInet);
        auto cli = OpensslPeer::client(listener.addr.port(), {versionFlag(version), "-servername", "localhost"});
        QVERIFY(cli);
        Loop loop;
        TlsApp s(listener.acceptOne(), &loop);
        TlsConfig cfg;
        cfg.enabled = true;  // no certificate given: a generated one
        s.useTls(TlsContext::create(cfg, TlsRole::Server));
        QVERIFY(lwtest::runUntil(loop, [&] { return s.hs || s.errors; }, backend));
        QVERIFY2(s.hs, s.error.c_str());
        QCOMPARE(s.hs->version, versionName(version));
        QVERIFY(s.hs->server);
        QCOMPARE(s.hs->serverName, std::string("localhost"));
        QCOMPARE(s.hs->localFingerprint, s.tls()->context().localFingerprint());
        QCOMPARE(s.hs->verifyResult, std::string("no client certificate requested"));
        QVERIFY(pumpUntilPeerSays(loop, backend, *cli, "Verify return code"));
        QVERIFY2(cli->output().contains("self-signed certificate") || cli->output().contains("self signed certificate"),
                 cli->output().constData());
        cli->write("ping\n");
        QVERIFY(lwtest::runUntil(loop, [&] { return s.got == "ping\n"; }, backend));
        s.out = "pong\n";
        QVERIFY(pumpUntilPeerSays(loop, backend, *cli, "pong"));
        // The client renegotiates (TLS 1.2 `R`) or updates keys (TLS 1.3 `K`).
        cli->write(version == 13 ? "K\n" : "R\n");
        QVERIFY(pumpUntilPeerSays(loop, backend, *cli, version == 13 ? "KEYUPDATE" : "RENEGOTIATING"));
        cli->write("after\n");
        QVERIFY2(lwtest::runUntil(loop, [&] { return s.got.find("after\n") != std::string::npos || s.errors; }, backend),
                 s.got.c_str());
        QVERIFY2(!s.errors, s.error.c_str());
        s.out = "server after\n";
        QVERIFY(pumpUntilPeerSays(loop, backend, *cli, "server after"));
        // `Q`: the client sends close_notify.
        cli->write("Q\n");
        QVERIFY(lwtest::runUntil(loop, [&] { return s.eof || s.errors; }, backend));
        QVERIFY2(!s.errors, s.error.c_str());
        QCOMPARE(s.closeKind, std::optional<TlsCloseKind>(TlsCloseKind::CloseNotify));
    }

    void killedClientIsATruncation_data() { lwtest::backendRows(); }
    void killedClientIsATruncation() {
        NEED_OPENSSL();
        QFETCH(Backend, backend);
        lwtest::RawListener listener(kAfInet);
        auto cli = OpensslPeer::client(listener.addr.port(), {});
        QVERIFY(cli);
        Loop loop;
        TlsApp s(listener.acceptOne(), &loop);
        s.useTls(TlsContext::create(serverConfig(0), TlsRole::Server));
        QVERIFY(lwtest::runUntil(loop, [&] { return s.hs || s.errors; }, backend));
        QVERIFY(s.hs);
        cli->kill();
        QVERIFY(lwtest::runUntil(loop, [&] { return s.eof || s.errors; }, backend));
        QVERIFY2(!s.errors, s.error.c_str());
        QCOMPARE(s.closeKind, std::optional<TlsCloseKind>(TlsCloseKind::Truncated));
    }

    // --- Against gnutls-cli (a second TLS stack) ---------------------------------------
    void serverTalksToGnutlsClient_data() { backendVersionRows(); }
    void serverTalksToGnutlsClient() {
        QFETCH(Backend, backend);
        QFETCH(int, version);
        const QString exe = QStandardPaths::findExecutable("gnutls-cli");
        if (exe.isEmpty()) QSKIP("gnutls-cli is not installed");
        lwtest::RawListener listener(kAfInet);
        QProcess cli;
        cli.setProcessChannelMode(QProcess::MergedChannels);
        const QString prio = version == 12 ? "NORMAL:-VERS-ALL:+VERS-TLS1.2" : "NORMAL:-VERS-ALL:+VERS-TLS1.3";
        cli.start(exe, {"--x509cafile", QString::fromStdString(lwtest::tls::pki().caCert), "--priority", prio, "--port",
                        QString::number(listener.addr.port()), "127.0.0.1"});
        QVERIFY(cli.waitForStarted(5000));
        QByteArray out;
        auto pump = [&](const QByteArray& text) {
            const auto deadline = Clock::now() + 10s;
            while (Clock::now() < deadline) {
                out += cli.readAll();
                if (out.contains(text)) return true;
                if (m_loop && !m_loop->empty()) m_loop->poll(0.01, m_backend);
                cli.waitForReadyRead(10);
            }
            return false;
        };
        Loop loop;
        m_loop = &loop;
        m_backend = backend;
        TlsApp s(listener.acceptOne(), &loop);
        s.useTls(TlsContext::create(serverConfig(0), TlsRole::Server));
        QVERIFY(lwtest::runUntil(loop, [&] { return s.hs || s.errors; }, backend));
        QVERIFY2(s.hs, s.error.c_str());
        QCOMPARE(s.hs->version, versionName(version));
        QVERIFY2(pump("Handshake was completed"), out.constData());
        cli.write("from gnutls\n");
        cli.waitForBytesWritten(2000);
        QVERIFY(lwtest::runUntil(loop, [&] { return s.got == "from gnutls\n" || s.errors; }, backend));
        s.out = "from linewright\n";
        QVERIFY2(pump("from linewright"), out.constData());
        cli.closeWriteChannel();  // gnutls-cli then says bye (close_notify)
        QVERIFY(lwtest::runUntil(loop, [&] { return s.eof || s.errors; }, backend));
        QVERIFY2(!s.errors, s.error.c_str());
        QCOMPARE(s.closeKind, std::optional<TlsCloseKind>(TlsCloseKind::CloseNotify));
        m_loop = nullptr;
        cli.kill();
        cli.waitForFinished(5000);
    }

    // --- Layer against layer -------------------------------------------------------
    void pendingPlaintextWithIdleSocket_data() { backendVersionRows(); }
    void pendingPlaintextWithIdleSocket() {
        VersionPair t;
        auto& [backend, version, loop, p] = t;
        QVERIFY(t.handshaken());
        // One 12 KiB record read 100 bytes at a time: after the first read the
        // rest sits decrypted inside OpenSSL while the socket is idle.
        p.client->readChunk = 100;
        const std::string data = pattern(12 * 1024);
        p.server->out = data;
        const auto t0 = Clock::now();
        while (p.client->got.size() < data.size() && Clock::now() - t0 < 20s) loop.poll(5.0, backend);
        QCOMPARE(p.client->got.size(), data.size());
        QVERIFY(p.client->got == data);
        const auto took = Clock::now() - t0;
        QVERIFY2(took < 4s, "the loop blocked while plaintext waited inside OpenSSL");
    }

    void bigTransferWhileKeysChange_data() { backendVersionRows(); }
    void bigTransferWhileKeysChange() {
        VersionPair t;
        auto& [backend, version, loop, p] = t;
        QVERIFY(t.handshaken());
        const std::string data = pattern(3 * 1024 * 1024);
        p.client->out = data;
        p.server->readChunk = 7000;
        bool changed = false;
        QVERIFY(lwtest::runUntil(
            loop,
            [&] {
                if (!changed && p.server->got.size() > data.size() / 3) {
                    changed = true;
                    std::string why;
                    const bool ok = version == 13 ? p.server->tls()->requestKeyUpdate(true, &why)
                                                  : p.server->tls()->renegotiate(&why);
                    if (!ok) qWarning("%s", why.c_str());
                }
                return p.server->got.size() >= data.size() || p.client->errors || p.server->errors;
            },
            backend, 60s));
        QVERIFY2(!p.client->errors && !p.server->errors, (p.client->error + p.server->error).c_str());
        QVERIFY(changed);
        QVERIFY(p.server->got == data);
    }

    void halfClose_data() { lwtest::backendRows(); }
    void halfClose() {
        QFETCH(Backend, backend);
        Loop loop;
        Pair p = tlsPair(loop, clientConfig(0), serverConfig(0));
        p.server->closeOnEof = false;
        p.client->closeOnEof = false;
        QVERIFY(lwtest::runUntil(loop, [&] { return p.client->hs && p.server->hs; }, backend));
        p.client->out = "last words";
        QVERIFY(lwtest::runUntil(loop, [&] { return p.client->out.empty(); }, backend));
        p.client->tls()->shutdownWrite();
        QVERIFY(p.client->tls()->closeNotifySent());
        std::error_code ec;
        QCOMPARE(p.client->tls()->send("x", 1, ec), std::size_t(0));
        QCOMPARE(ec, std::make_error_code(std::errc::broken_pipe));
        QVERIFY(lwtest::runUntil(loop, [&] { return p.server->eof; }, backend));
        QCOMPARE(p.server->got, std::string("last words"));
        QCOMPARE(p.server->closeKind, std::optional<TlsCloseKind>(TlsCloseKind::CloseNotify));
        // The other direction still works.
        p.server->out = "a reply after your close_notify";
        QVERIFY(lwtest::runUntil(loop, [&] { return p.client->got == "a reply after your close_notify"; }, backend));
        QVERIFY(!p.client->eof);
        p.server->close();  // says close_notify too
        QVERIFY(lwtest::runUntil(loop, [&] { return p.client->eof; }, backend));
        QCOMPARE(p.client->closeKind, std::optional<TlsCloseKind>(TlsCloseKind::CloseNotify));
        QCOMPARE(p.client->errors + p.server->errors, 0);
    }

    void alpnSniClientCertificateAndKeyLog_data() { backendVersionRows(); }
    void alpnSniClientCertificateAndKeyLog() {
        QFETCH(Backend, backend);
        QFETCH(int, version);
        const auto& pk = lwtest::tls::pki();
        QTemporaryDir dir;
        TlsConfig cc = clientConfig(version);
        cc.alpn = {"h2", "http/1.1"};
        cc.certFile = pk.clientCert;
        cc.keyFile = pk.clientKey;
        cc.keyLogFile = dir.filePath("keys.log").toStdString();
        TlsConfig sc = serverConfig(version);
        sc.alpn = {"http/1.1", "h2"};
        sc.caFile = pk.caCert;  // and verify (the default): ask for a client certificate
        Loop loop;
        Pair p = tlsPair(loop, cc, sc);
        QVERIFY(lwtest::runUntil(loop, [&] { return (p.client->hs && p.server->hs) || p.client->errors || p.server->errors; },
                                 backend));
        QVERIFY2(p.client->hs && p.server->hs, (p.client->error + p.server->error).c_str());
        QCOMPARE(p.client->hs->alpn, std::string("http/1.1"));
        QCOMPARE(p.server->hs->alpn, std::string("http/1.1"));
        QCOMPARE(p.server->hs->serverName, std::string("localhost"));
        QVERIFY(p.server->hs->verified);
        QVERIFY(!p.server->hs->peerChain.empty());
        QCOMPARE(p.server->hs->peerChain[0].subject, std::string("CN=linewright-test-client,O=Linewright Tests"));
        const std::string log = slurp(cc.keyLogFile);
        QVERIFY2(log.find(version == 13 ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET " : "CLIENT_RANDOM ") != std::string::npos,
                 log.c_str());
        // Without a client certificate the server refuses.
        TlsConfig noCert = clientConfig(version);
        Pair q = tlsPair(loop, noCert, sc);
        QVERIFY(lwtest::runUntil(loop, [&] { return q.server->errors > 0; }, backend));
        QVERIFY2(q.server->failedReason.find("certificate") != std::string::npos, q.server->failedReason.c_str());
    }

    void keyLogFromEnvironment() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("env.log").toStdString();
        qputenv("SSLKEYLOGFILE", QByteArray::fromStdString(path));
        auto ctx = TlsContext::create(clientConfig(0), TlsRole::Client);
        qunsetenv("SSLKEYLOGFILE");
        QVERIFY(ctx->keyLog());
        QCOMPARE(ctx->keyLog()->path(), path);
        auto plain = TlsContext::create(clientConfig(0), TlsRole::Client);
        QVERIFY(!plain->keyLog());
    }

    void garbageRecordFails_data() { lwtest::backendRows(); }
    void garbageRecordFails() {
        QFETCH(Backend, backend);
        Loop loop;
        Pair p = tlsPair(loop, clientConfig(0), serverConfig(0));
        QVERIFY(lwtest::runUntil(loop, [&] { return p.client->hs && p.server->hs; }, backend));
        // An application-data record of junk, written under the server's layer.
        std::string junk("\x17\x03\x03\x00\x40", 5);
        junk += std::string(64, 'A');
        lwtest::rawSend(p.server->socketHandle(), junk);
        QVERIFY(lwtest::runUntil(loop, [&] { return p.client->errors > 0; }, backend));
        QVERIFY2(p.client->failedReason.find("TLS error: ") == 0, p.client->failedReason.c_str());
        QVERIFY2(p.client->failedReason.find("bad record mac") != std::string::npos ||
                     p.client->failedReason.find("decryption failed") != std::string::npos,
                 p.client->failedReason.c_str());
        for (char c : p.client->failedReason) QVERIFY(static_cast<unsigned char>(c) >= 0x20);
    }

    // --- Bad peers ------------------------------------------------------------------
    void stalledPeerTimesOut_data() { lwtest::backendRows(); }
    void stalledPeerTimesOut() {
        QFETCH(Backend, backend);
        // A server that accepts and never answers the ClientHello.
        lwtest::RawListener listener(kAfInet);
        Loop loop;
        TlsConfig cfg = clientConfig(0);
        cfg.handshakeTimeoutMs = 300;
        auto c = connectClient(loop, listener.addr.port(), cfg);
        engine::Socket peer = listener.acceptOne();
        const auto t0 = Clock::now();
        QVERIFY(lwtest::runUntil(loop, [&] { return c->errors > 0; }, backend));
        QVERIFY(Clock::now() - t0 < 3s);
        QVERIFY2(c->failedReason.find("TLS handshake timed out after 300 ms") == 0, c->failedReason.c_str());
        // A client that connects and never sends a ClientHello.
        auto [a, b] = lwtest::tcpPair();
        TlsConfig sc = serverConfig(0);
        sc.handshakeTimeoutMs = 200;
        TlsApp s(std::move(b), &loop);
        s.useTls(TlsContext::create(sc, TlsRole::Server));
        QVERIFY(lwtest::runUntil(loop, [&] { return s.errors > 0; }, backend));
        QVERIFY2(s.failedReason.find("TLS handshake timed out after 200 ms") == 0, s.failedReason.c_str());
    }

    void plaintextPeers_data() { lwtest::backendRows(); }
    void plaintextPeers() {
        QFETCH(Backend, backend);
        Loop loop;
        // The TLS end `role` of a pair whose plaintext other end has sent
        // `text`: why it failed, none when it did not fail in time.
        const auto failsOnPlaintext = [&](TlsRole role, const char* text) -> std::optional<std::string> {
            auto [a, b] = lwtest::tcpPair();
            const bool client = role == TlsRole::Client;
            lwtest::rawSend((client ? b : a).get(), text);
            TlsApp t(std::move(client ? a : b), &loop);
            t.useTls(TlsContext::create(client ? clientConfig(0) : serverConfig(0), role));
            if (!lwtest::runUntil(loop, [&] { return t.errors > 0; }, backend)) return std::nullopt;
            return t.failedReason;
        };
        // A TLS client meets a plaintext server that greets first; a plaintext
        // client meets a TLS server.
        for (const auto& [role, text, what] :
             {std::tuple{TlsRole::Client, "220 mail.example ESMTP ready\r\n", "TLS client, plaintext server"},
              std::tuple{TlsRole::Server, "EHLO plain.example\r\n", "plaintext client, TLS server"}}) {
            const std::optional<std::string> reason = failsOnPlaintext(role, text);
            QVERIFY(reason);
            QVERIFY2(reason->find("TLS handshake failed: ") == 0, reason->c_str());
            qInfo("%s: %s", what, reason->c_str());
        }
        {
            // A plaintext server that closes on the ClientHello.
            auto [a, b] = lwtest::tcpPair();
            TlsApp c(std::move(a), &loop);
            c.useTls(TlsContext::create(clientConfig(0), TlsRole::Client));
            QVERIFY(lwtest::runUntil(loop, [&] { return lwtest::waitFd(b.get(), POLLIN, 0); }, backend));
            b.reset();
            QVERIFY(lwtest::runUntil(loop, [&] { return c.errors > 0; }, backend));
            QVERIFY2(c.failedReason == "TLS handshake failed: the peer closed the connection", c.failedReason.c_str());
        }
    }

    void startTlsPrependedInput_data() { lwtest::backendRows(); }
    void startTlsPrependedInput() {
        QFETCH(Backend, backend);
        // The client's first flight arrives while the server is still plaintext
        // (read in the same read as the last plaintext line): the server hands
        // it to its layer with prependInput().
        Loop loop;
        auto [a, b] = lwtest::tcpPair();
        TlsApp c(std::move(a), &loop);
        c.useTls(TlsContext::create(clientConfig(0), TlsRole::Client));
        QVERIFY(lwtest::runUntil(loop, [&] { return lwtest::waitFd(b.get(), POLLIN, 0); }, backend));
        const std::string early = lwtest::rawRecvNow(b.get());
        QVERIFY(early.size() > 5 && early[0] == '\x16');
        TlsApp s(std::move(b), &loop);
        auto layer = std::make_unique<TlsLayer>(TlsContext::create(serverConfig(0), TlsRole::Server), "", &s);
        layer->prependInput(early);
        layer->setStartTls(true);
        s.setLayer(std::move(layer));
        QVERIFY(lwtest::runUntil(loop, [&] { return (c.hs && s.hs) || c.errors || s.errors; }, backend));
        QVERIFY2(c.hs && s.hs, (c.error + s.error).c_str());
        QVERIFY(s.hs->startTls);
        c.out = "over tls";
        QVERIFY(lwtest::runUntil(loop, [&] { return s.got == "over tls"; }, backend));
    }
};

QTEST_APPLESS_MAIN(tst_TlsLayer)
#include "tst_TlsLayer.moc"
