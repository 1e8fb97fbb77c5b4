// SessionBuilder.h — the events of a hand-made session, built by the tests
// of what stores, exports and shows sessions (engine tests and UI tests alike:
// tests/support is on the include path of every Qt test), and certificate(),
// one certificate of a hand-made TLS chain. Qt-free: engine types only.
// Single-threaded, a value the test owns.
#pragma once

#include "engine/reactor/Event.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lwtest {

/// The events of a hand-made session, numbered in the order they are added.
class SessionBuilder {
public:
    engine::Event& add(engine::EventKind k, std::int64_t tUs, engine::ChannelId ch = 1) {
        engine::Event e;
        e.seq = ++m_seq;
        e.tUs = tUs;
        e.channel = ch;
        e.kind = k;
        events.push_back(std::move(e));
        return events.back();
    }
    /// An event with its address (info), the other address where it has one
    /// (aux), and its bytes (data) with their size.
    engine::Event& add(engine::EventKind k, std::int64_t tUs, engine::ChannelId ch, std::string info,
                       std::string data = {}, std::string aux = {}) {
        engine::Event& e = add(k, tUs, ch);
        e.info = std::move(info);
        e.aux = std::move(aux);
        e.size = static_cast<std::int64_t>(data.size());
        e.data = std::move(data);
        return e;
    }
    void sent(std::int64_t tUs, const std::string& bytes) {
        engine::Event& p = add(engine::EventKind::Push, tUs);
        p.size = static_cast<std::int64_t>(bytes.size());
        engine::Event& s = add(engine::EventKind::Sent, tUs + 1);
        s.data = bytes;
        s.size = static_cast<std::int64_t>(bytes.size());
    }
    void received(std::int64_t tUs, const std::string& line) {  // without its "\r\n"
        engine::Event& c = add(engine::EventKind::Collect, tUs);
        c.data = line;
        c.size = static_cast<std::int64_t>(line.size());
        engine::Event& f = add(engine::EventKind::FoundTerminator, tUs + 1);
        f.setTerminator(engine::Terminator::bytes("\r\n"));
        f.size = static_cast<std::int64_t>(line.size());
    }
    /// Closed by the peer ("eof"), with the bytes received and sent in its state.
    engine::Event& closedByPeer(std::int64_t tUs, std::uint64_t bytesIn, std::uint64_t bytesOut,
                                engine::ChannelId ch = 1) {
        engine::Event& cl = add(engine::EventKind::Closed, tUs, ch);
        cl.sub = static_cast<std::uint8_t>(engine::CloseReason::Peer);
        cl.info = "eof";
        auto st = std::make_shared<engine::ChannelState>();
        st->bytesIn = bytesIn;
        st->bytesOut = bytesOut;
        cl.state = st;
        return cl;
    }
    /// The seq of the last event added (0 before the first).
    std::uint64_t lastSeq() const { return m_seq; }
    std::vector<engine::Event> events;

private:
    std::uint64_t m_seq = 0;
};

/// A certificate of a hand-made chain: whom it names, who signed it, when it
/// is valid and its SHA-256 fingerprint (the other fields left empty).
inline engine::CertificateInfo certificate(std::string subject, std::string issuer, std::string notBefore,
                                           std::string notAfter, std::string sha256) {
    engine::CertificateInfo c;
    c.subject = std::move(subject);
    c.issuer = std::move(issuer);
    c.notBefore = std::move(notBefore);
    c.notAfter = std::move(notAfter);
    c.sha256 = std::move(sha256);
    return c;
}

}  // namespace lwtest
