// ChannelTls.h — inside a Channel: its TLS state, the layer it gives its
// dispatcher and the upgrade marker (ChannelTls.cpp says how they work).
// Internal to engine/reactor (Channel.cpp and ChannelTls.cpp); includes
// engine/tls's OpenSSL-facing headers, which Channel.h does not.
// What it owns: Channel::Tls owns the context's share, the dialogue and the
// bytes kept for the layer; the tls::PlainTap the dispatcher is given owns
// the TlsLayer.
// Threads: the channel's loop thread only.
#pragma once

#include "engine/reactor/Channel.h"
#include "engine/tls/StartTlsDialog.h"
#include "engine/tls/TlsContext.h"
#include "engine/tls/TlsLayer.h"

#include <memory>
#include <optional>
#include <string>

namespace engine {

struct Channel::Tls final : tls::TlsLayer::Listener {
    enum class Stage { Pending, Dialogue, AwaitReply, Flushing, Handshake, Up, Done };

    explicit Tls(Channel& c) : ch(c) {}

    Channel& ch;
    TlsConfig config;
    bool server = false;
    std::shared_ptr<tls::TlsContext> context;
    std::unique_ptr<tls::StartTlsDialog> dialog;
    Stage stage = Stage::Pending;
    std::string protocol;          // the `starttls` event's info
    std::string line;              // a dialogue line not complete yet
    std::string stash;             // bytes after the go-ahead, for the layer
    std::string toSend;            // the dialogue's sends of this read
    std::string failure;           // the dialogue's failure of this read
    bool upgradeAfterRead = false; // the dialogue finished in this read
    tls::TlsLayer* layer = nullptr;  // inside the tls::PlainTap the dispatcher owns
    bool closeReported = false;
    // A proxy passes the name its client asked for (SNI) on to the server
    // (ChannelTls.cpp, "The client's SNI, upstream").
    std::string hostOverride;      // an upstream leg: that name, instead of the --to host
    std::string receivedSni;       // a TLS server leg: what its client sent, once the handshake is done
    bool peerAwaitsSni = false;    // a client leg: its upstream leg's TLS starts when this handshake is done
    bool peerStartTls = false;     // … as a STARTTLS upgrade (else TLS from the first byte)
    std::string peerStash;         // … and the upstream's bytes after the server's yes, for its layer

    void handshakeDone(const TlsHandshakeInfo& info) override { ch.tlsHandshakeDone(info); }
    void failed(const std::string& reason) override {
        (void)reason;  // the StreamLayerError that follows says it: handleError reports it
        stage = Stage::Done;
    }
    void closed(TlsCloseKind kind) override { ch.tlsClosed(kind); }
};

// The upgrade marker in the fifo: it gives nothing, so initiate_send drops it
// (onProducerExhausted) once everything queued before it has been sent.
class Channel::UpgradeMarker final : public Producer {
public:
    std::string more() override { return {}; }
    std::string_view kind() const override { return "starttls"; }
    long long remaining() const override { return 0; }
};

}  // namespace engine
