// DataTestSupport.h — building engine::Events by hand for the data-layer
// tests (store, models), with seq and t_us numbered like a Reactor does.
#pragma once

#include "engine/reactor/Event.h"
#include "engine/asyncore/Terminator.h"
#include "SessionBuilder.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace testsupport {

/// A TLS 1.3 handshake as a client sees it: a two-certificate chain,
/// verified unless `verified` is false (then verification was off).
inline engine::TlsHandshakeInfo sampleTls(bool verified = true) {
    engine::TlsHandshakeInfo t;
    t.version = "TLSv1.3";
    t.cipher = "TLS_AES_256_GCM_SHA384";
    t.alpn = "h2";
    t.serverName = "localhost";
    engine::CertificateInfo leaf = lwtest::certificate("CN=localhost,O=Linewright Test", "CN=Linewright Test CA",
                                                       "2026-12-01T00:00:00Z", "2027-12-01T00:00:00Z", "AB:CD:EF:01");
    leaf.subjectAltNames = {"DNS:localhost", "IP:127.0.0.1"};
    leaf.keyType = "EC P-256";
    t.peerChain = {leaf, lwtest::certificate("CN=Linewright Test CA", "CN=Linewright Test CA", "2026-01-01T00:00:00Z",
                                             "2036-01-01T00:00:00Z", "12:34:56:78")};
    t.verified = verified;
    t.verifySkipped = !verified;
    t.verifyResult = verified ? "ok" : "self-signed certificate in certificate chain";
    return t;
}

/// Appends events with consecutive seq numbers (from 1) and t_us 1000·seq
/// (a lwtest::SessionBuilder that numbers the times itself).
class EventScript {
public:
    std::vector<engine::Event> take() {
        std::vector<engine::Event> out;
        out.swap(m_builder.events);
        return out;
    }
    std::uint64_t lastSeq() const { return m_builder.lastSeq(); }

    engine::Event& add(engine::EventKind kind, engine::ChannelId channel) {
        return m_builder.add(kind, static_cast<std::int64_t>(lastSeq() + 1) * 1000, channel);
    }
    engine::Event& listening(engine::ChannelId ch, std::string local, std::int64_t port) {
        engine::Event& e = add(engine::EventKind::Listening, ch);
        e.info = std::move(local);
        e.size = port;
        return e;
    }
    engine::Event& accepted(engine::ChannelId ch, engine::ChannelId listener, std::string peer, std::string local) {
        engine::Event& e = addInfoAux(engine::EventKind::Accepted, ch, std::move(peer), std::move(local));
        e.parent = listener;
        return e;
    }
    engine::Event& connecting(engine::ChannelId ch, std::string address, std::string host) {
        return addInfoAux(engine::EventKind::Connecting, ch, std::move(address), std::move(host));
    }
    engine::Event& connected(engine::ChannelId ch, std::string peer, std::string local) {
        return addInfoAux(engine::EventKind::Connected, ch, std::move(peer), std::move(local));
    }
    engine::Event& collect(engine::ChannelId ch, std::string bytes) {
        return addBytes(engine::EventKind::Collect, ch, std::move(bytes));
    }
    engine::Event& found(engine::ChannelId ch, const engine::Terminator& t, std::int64_t messageBytes) {
        engine::Event& e = add(engine::EventKind::FoundTerminator, ch);
        e.setTerminator(t);
        e.size = messageBytes;
        return e;
    }
    /// collect(bytes) + found_terminator(t).
    void line(engine::ChannelId ch, const std::string& bytes, const std::string& term = "\r\n") {
        collect(ch, bytes);
        found(ch, engine::Terminator::bytes(term), static_cast<std::int64_t>(bytes.size()));
    }
    engine::Event& push(engine::ChannelId ch, std::int64_t bytes) {
        engine::Event& e = add(engine::EventKind::Push, ch);
        e.sub = static_cast<std::uint8_t>(engine::ProducerKind::Bytes);
        e.size = bytes;
        return e;
    }
    engine::Event& sent(engine::ChannelId ch, std::string bytes) {
        return addBytes(engine::EventKind::Sent, ch, std::move(bytes));
    }
    engine::Event& error(engine::ChannelId ch, int err, std::string message) {
        engine::Event& e = add(engine::EventKind::Error, ch);
        e.error = err;
        e.info = std::move(message);
        return e;
    }
    /// tls_handshake with `info` attached (as the engine's TLS layer sends it).
    engine::Event& tlsHandshake(engine::ChannelId ch, engine::TlsHandshakeInfo info) {
        engine::Event& e = add(engine::EventKind::TlsHandshake, ch);
        e.tls = std::make_shared<const engine::TlsHandshakeInfo>(std::move(info));
        return e;
    }
    engine::Event& tlsClose(engine::ChannelId ch, engine::TlsCloseKind kind) {
        engine::Event& e = add(engine::EventKind::TlsClose, ch);
        e.sub = static_cast<std::uint8_t>(kind);
        return e;
    }
    engine::Event& startTls(engine::ChannelId ch, std::string protocol) {
        engine::Event& e = add(engine::EventKind::StartTls, ch);
        e.info = std::move(protocol);
        return e;
    }
    engine::Event& closed(engine::ChannelId ch, engine::CloseReason why, std::string detail = {},
                          std::shared_ptr<const engine::ChannelState> state = nullptr) {
        engine::Event& e = add(engine::EventKind::Closed, ch);
        e.sub = static_cast<std::uint8_t>(why);
        e.info = std::move(detail);
        e.state = std::move(state);
        return e;
    }
    engine::Event& terminatorSet(engine::ChannelId ch, const engine::Terminator& t) {
        engine::Event& e = add(engine::EventKind::TerminatorSet, ch);
        e.setTerminator(t);
        return e;
    }
    engine::Event& snapshot(engine::ChannelId ch, engine::ChannelState s) {
        engine::Event& e = add(engine::EventKind::ChannelState, ch);
        e.state = std::make_shared<const engine::ChannelState>(std::move(s));
        return e;
    }

private:
    /// An event of `kind` with two addresses (or an address and a host name).
    engine::Event& addInfoAux(engine::EventKind kind, engine::ChannelId ch, std::string info, std::string aux) {
        engine::Event& e = add(kind, ch);
        e.info = std::move(info);
        e.aux = std::move(aux);
        return e;
    }
    /// An event of `kind` that carries `bytes` (collect, sent).
    engine::Event& addBytes(engine::EventKind kind, engine::ChannelId ch, std::string bytes) {
        engine::Event& e = add(kind, ch);
        e.size = static_cast<std::int64_t>(bytes.size());
        e.data = std::move(bytes);
        return e;
    }

    lwtest::SessionBuilder m_builder;
};

}  // namespace testsupport
