// ChannelTls.h — inside a Channel: its TLS state, the layer it gives its
// dispatcher and the upgrade marker (ChannelTls.cpp says how they work).
// Internal to engine/reactor (Channel.cpp and ChannelTls.cpp); includes
// engine/tls's OpenSSL-facing headers, which Channel.h does not.
// What it owns: Channel::Tls owns the context's share, the dialogue and the
// bytes kept for the layer; PlainCounter owns the TlsLayer.
// Threads: the channel's loop thread only.
#pragma once

#include "engine/asyncore/StreamLayer.h"
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
    tls::TlsLayer* layer = nullptr;  // inside the PlainCounter the dispatcher owns
    bool closeReported = false;

    void handshakeDone(const TlsHandshakeInfo& info) override { ch.tlsHandshakeDone(info); }
    void failed(const std::string& reason) override {
        (void)reason;  // the StreamLayerError that follows says it: handleError reports it
        stage = Stage::Done;
    }
    void closed(TlsCloseKind kind) override { ch.tlsClosed(kind); }
};

// The layer the dispatcher is given: the TlsLayer, plus the channel's
// counting of the plaintext it receives (Channel::rawRecv sees ciphertext
// once a layer is in place).
class Channel::PlainCounter final : public StreamLayer {
public:
    PlainCounter(Channel& ch, std::unique_ptr<tls::TlsLayer> inner) : m_ch(ch), m_inner(std::move(inner)) {}
    tls::TlsLayer& inner() noexcept { return *m_inner; }

    void attach(::engine::StreamTransport& t) override { m_inner->attach(t); }
    std::string_view name() const noexcept override { return m_inner->name(); }
    std::size_t send(const void* data, std::size_t len, std::error_code& ec) override {
        return m_inner->send(data, len, ec);
    }
    std::size_t recv(void* buf, std::size_t len, std::error_code& ec) override {
        const std::size_t n = m_inner->recv(buf, len, ec);
        if (!ec) {
            if (n > 0)
                m_ch.m_report.received(n);
            else if (len > 0)
                m_ch.m_peerEof = true;
        }
        return n;
    }
    void shutdownWrite() override { m_inner->shutdownWrite(); }
    void closing() noexcept override { m_inner->closing(); }
    bool wantsRead() const noexcept override { return m_inner->wantsRead(); }
    bool wantsWrite() const noexcept override { return m_inner->wantsWrite(); }
    bool applicationBlocked() const noexcept override { return m_inner->applicationBlocked(); }
    std::size_t pendingInput() const noexcept override { return m_inner->pendingInput(); }
    std::optional<Clock::time_point> deadline() const noexcept override { return m_inner->deadline(); }
    void onReady(bool readable, bool writable) override { m_inner->onReady(readable, writable); }
    void onDeadline() override { m_inner->onDeadline(); }

private:
    Channel& m_ch;
    std::unique_ptr<tls::TlsLayer> m_inner;
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
