// tst_EventPrinterTls.cpp — linewright-cli's human output (app/cli/EventPrinter)
// for the TLS events: the STARTTLS upgrade, the handshake with each
// certificate of the peer's chain, an unverified peer, the TLS close
// (close_notify and truncated), in connect and listen mode; what a peer's
// certificate says reaches the terminal escaped (no ESC, BEL or C1 byte);
// the plaintext messages print as for any channel.
#include "app/cli/EventPrinter.h"

#include "../engine/TlsTestSupport.h"

#include <QTest>

#include <cstdio>
#include <string>

namespace {

struct Printed {
    std::string out;
    std::string err;
};

std::string slurp(std::FILE* f) {
    std::string s;
    std::rewind(f);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
    return s;
}

Printed print(const std::vector<engine::Event>& events, bool listen) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    if (!out || !err) return {"", "tmpfile() failed"};
    {
        cli::EventPrinter p(out, err, listen, true);
        p.print(events);
    }
    return {slurp(out), slurp(err)};
}

bool terminalClean(const std::string& s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        if ((u < 0x20 && s[i] != '\n') || u == 0x7f) return false;
        if (u == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(s[i + 1]) < 0xa0)
            return false;  // a C1 control in UTF-8
    }
    return true;
}

}  // namespace

class TestEventPrinterTls : public QObject {
    Q_OBJECT

private slots:
    void connectMode();
    void listenMode();
    void unverifiedAndTruncated();
};

void TestEventPrinterTls::connectMode() {
    const Printed p = print(lwtest::startTlsSession(), false);
    QCOMPARE(p.out, std::string("< 220 go ahead\n< 221 bye\n"));
    const std::string expected =
        "linewright-cli: connected to 127.0.0.1:2525 (from 127.0.0.1:50000)\n"
        "linewright-cli: STARTTLS (smtp): TLS handshake begins\n"
        "linewright-cli: TLS 1.3 TLS_AES_256_GCM_SHA384, after STARTTLS, SNI localhost, verified "
        "(CN=localhost\\x1b]0;pwned\\x07,O=Evil\\xc2\\x9b2J)\n"
        "linewright-cli:   certificate 1: CN=localhost\\x1b]0;pwned\\x07,O=Evil\\xc2\\x9b2J; issuer CN=Test CA; valid "
        "2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z; DNS:localhost, IP:127.0.0.1; EC P-256; SHA-256 AA:BB:CC\n"
        "linewright-cli:   certificate 2: CN=Test CA; issuer CN=Test CA; valid 2026-01-01T00:00:00Z to "
        "2036-01-01T00:00:00Z; RSA 2048; SHA-256 DD:EE:FF\n"
        "linewright-cli: TLS closed (close_notify)\n"
        "linewright-cli: connection closed by peer\n";
    QCOMPARE(p.err, expected);
    QVERIFY(terminalClean(p.err));
}

void TestEventPrinterTls::listenMode() {
    // An accepted channel, server side, with a generated certificate and no
    // client certificate: its lines carry the channel.
    auto events = lwtest::startTlsSession();
    for (engine::Event& e : events) {
        if (e.channel == 1) e.channel = 4;
        if (e.kind == engine::EventKind::TlsHandshake) {
            auto t = std::make_shared<engine::TlsHandshakeInfo>();
            t->server = true;
            t->version = "TLSv1.2";
            t->cipher = "ECDHE-RSA-AES256-GCM-SHA384";
            t->alpn = "smtp";
            t->verifyResult = "ok";
            t->localFingerprint = "12:34:56";
            e.tls = t;
        }
    }
    const Printed p = print(events, true);
    QCOMPARE(p.out, std::string("#4 < 220 go ahead\n#4 < 221 bye\n"));
    QVERIFY2(p.err.find("linewright-cli: #4 STARTTLS (smtp): TLS handshake begins\n"
                        "linewright-cli: #4 TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384, server, ALPN smtp, no client "
                        "certificate, own certificate SHA-256 12:34:56\n") != std::string::npos,
             p.err.c_str());
    QVERIFY2(p.err.find("linewright-cli: #4 TLS closed (close_notify)\n") != std::string::npos, p.err.c_str());
    QVERIFY2(p.err.find("certificate 1") == std::string::npos, p.err.c_str());
}

void TestEventPrinterTls::unverifiedAndTruncated() {
    auto events = lwtest::startTlsSession(engine::TlsCloseKind::Truncated);
    for (engine::Event& e : events)
        if (e.kind == engine::EventKind::TlsHandshake) {
            auto t = std::make_shared<engine::TlsHandshakeInfo>(*e.tls);
            t->verified = false;
            t->verifySkipped = true;
            t->verifyResult = "self-signed certificate\r\n\x1b[31m";
            t->peerChain.resize(1);
            e.tls = t;
        }
    const Printed p = print(events, false);
    QVERIFY2(p.err.find("linewright-cli: TLS 1.3 TLS_AES_256_GCM_SHA384, after STARTTLS, SNI localhost, UNVERIFIED "
                        "(verification off): self-signed certificate\\r\\n\\x1b[31m (CN=localhost") != std::string::npos,
             p.err.c_str());
    QVERIFY2(p.err.find("linewright-cli: TLS closed (truncated: no close_notify, data may be missing)\n") != std::string::npos,
             p.err.c_str());
    QVERIFY2(p.err.find("certificate 2") == std::string::npos, p.err.c_str());
    QVERIFY(terminalClean(p.err));
}

QTEST_GUILESS_MAIN(TestEventPrinterTls)
#include "tst_EventPrinterTls.moc"
