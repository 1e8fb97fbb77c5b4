// TlsTestSupport.h — a hand-made session of a client that upgrades with
// STARTTLS, for the tests of what stores and shows TLS events (Conversation,
// Transcript, PcapngWriter, the CLI's printer). The peer's certificate says
// hostile things (an ESC sequence, a BEL, a C1 CSI) that must come out escaped.
// Made with the SessionBuilder of tests/support/SessionBuilder.h.
#pragma once

#include "engine/capture/EventJson.h"
#include "engine/reactor/Event.h"
#include "engine/tls/TlsInfo.h"
#include "SessionBuilder.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lwtest {

/// A verified TLS 1.3 handshake of a client, with a chain of two.
inline std::shared_ptr<engine::TlsHandshakeInfo> tlsClientHandshake() {
    auto t = std::make_shared<engine::TlsHandshakeInfo>();
    t->version = "TLSv1.3";
    t->cipher = "TLS_AES_256_GCM_SHA384";
    t->serverName = "localhost";
    t->startTls = true;
    t->verified = true;
    t->verifyResult = "ok";
    engine::CertificateInfo leaf = certificate("CN=localhost\x1b]0;pwned\x07,O=Evil\xc2\x9b" "2J", "CN=Test CA",
                                               "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "AA:BB:CC");
    leaf.subjectAltNames = {"DNS:localhost", "IP:127.0.0.1"};
    leaf.serial = "01";
    leaf.keyType = "EC P-256";
    engine::CertificateInfo ca =
        certificate("CN=Test CA", "CN=Test CA", "2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z", "DD:EE:FF");
    ca.serial = "02";
    ca.keyType = "RSA 2048";
    t->peerChain = {leaf, ca};
    return t;
}

/// connect, "STARTTLS", "220 go ahead", starttls smtp, the handshake,
/// "QUIT", "221 bye", tls_close (close_notify), closed by peer, stopped.
inline std::vector<engine::Event> startTlsSession(engine::TlsCloseKind close = engine::TlsCloseKind::CloseNotify) {
    using K = engine::EventKind;
    SessionBuilder b;
    engine::Event& cg = b.add(K::Connecting, 100);
    cg.info = "127.0.0.1:2525";
    cg.aux = "localhost";
    cg.size = 2525;
    engine::Event& cd = b.add(K::Connected, 200);
    cd.info = "127.0.0.1:2525";
    cd.aux = "127.0.0.1:50000";
    b.sent(1000, "STARTTLS\r\n");
    b.received(2000, "220 go ahead");
    b.add(K::StartTls, 2100).info = "smtp";
    b.add(K::TlsHandshake, 3000).tls = tlsClientHandshake();
    b.sent(4000, "QUIT\r\n");
    b.received(5000, "221 bye");
    engine::Event& tc = b.add(K::TlsClose, 6000);
    tc.sub = static_cast<std::uint8_t>(close);
    b.closedByPeer(6001, 23, 16);
    b.add(K::Stopped, 7000, 0);
    return b.events;
}

/// The header linewright-cli writes for a session at the full level that
/// started at `start` (`startUnixUs`: the same instant).
inline engine::SessionHeader cliSessionHeader(std::string start, std::int64_t startUnixUs) {
    engine::SessionHeader h;
    h.tool = "linewright-cli";
    h.toolVersion = "0.1.0";
    h.start = std::move(start);
    h.startUnixUs = startUnixUs;
    h.level = "full";
    return h;
}

inline engine::SessionHeader tlsSessionHeader() {
    return cliSessionHeader("2026-05-01T12:00:00.000000Z", 1777636800000000);
}

}  // namespace lwtest
