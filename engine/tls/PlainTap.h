// PlainTap.h — the layer a dispatcher over TLS is given: the TlsLayer, plus
// a report of the plaintext it delivers (bytes received, end of stream).
//
// What it does: once a layer is in place a dispatcher's rawRecv sees
// ciphertext, so the counting and the end of file the reactor's channels
// (engine/reactor ChannelTls.cpp), the replayer and the mock
// (engine/replay Replayer.cpp, Mocker.cpp) need move here. Every other call
// goes straight to the TlsLayer.
// What it owns: the TlsLayer.
// Threads: the connection's loop thread only.
#pragma once

#include "engine/asyncore/StreamLayer.h"
#include "engine/tls/TlsLayer.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>

namespace engine::tls {

class PlainTap final : public StreamLayer {
public:
    /// `received(n)` after each plaintext read that did not fail: n bytes,
    /// or 0 for the end of stream (a read of 0 bytes asks nothing: no call).
    PlainTap(std::unique_ptr<TlsLayer> inner, std::function<void(std::size_t)> received)
        : m_inner(std::move(inner)), m_received(std::move(received)) {}
    TlsLayer& inner() noexcept { return *m_inner; }
    /// `plain(bytes)` after `received`, with the plaintext each read delivered
    /// (a proxy leg forwards it to the other leg); none by default.
    void onPlain(std::function<void(std::string_view)> plain) { m_plain = std::move(plain); }

    void attach(StreamTransport& t) override { m_inner->attach(t); }
    std::string_view name() const noexcept override { return m_inner->name(); }
    std::size_t send(const void* data, std::size_t len, std::error_code& ec) override {
        return m_inner->send(data, len, ec);
    }
    std::size_t recv(void* buf, std::size_t len, std::error_code& ec) override {
        const std::size_t n = m_inner->recv(buf, len, ec);
        if (!ec && (n > 0 || len > 0) && m_received) m_received(n);
        if (!ec && n > 0 && m_plain) m_plain(std::string_view(static_cast<const char*>(buf), n));
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
    std::unique_ptr<TlsLayer> m_inner;
    std::function<void(std::size_t)> m_received;
    std::function<void(std::string_view)> m_plain;
};

}  // namespace engine::tls
