// TlsLayer.h — TLS under a Dispatcher: a StreamLayer on OpenSSL 3 over BIOs
// of its own (the layer's input and output buffers, no copy in between),
// non-blocking, for client and server roles.
//
// What it does: encrypts what the dispatcher sends and decrypts what it
// receives; async_chat above it sees plaintext exactly as over TCP.
//   handshake   starts with the first I/O after attach (a client sends its
//               ClientHello as soon as the socket is writable); while it runs
//               the application's hooks are not called (applicationBlocked)
//               and the Loop waits for what OpenSSL wants (wantsRead /
//               wantsWrite); it fails after config.handshakeTimeoutMs
//               (deadline(), onDeadline(): "TLS handshake timed out after …").
//   reading     ciphertext is read from the socket into OpenSSL; plaintext
//               already decrypted (SSL_pending) or complete records already
//               read are reported by pendingInput() so the Loop does not
//               block on an idle socket while data waits inside OpenSSL.
//   writing     plaintext is taken while the ciphertext not yet accepted by
//               the socket stays under a bound (then send() says would-block
//               and wantsWrite() asks the Loop to flush); one send() takes up
//               to 64 KiB (several records), like a TCP send; an SSL_write that
//               must be retried (renegotiation, WANT_READ) is retried with
//               the same bytes, which the layer keeps.
//   reading     (socket side) up to 64 KiB of ciphertext per recv; recv()
//               still returns one record's plaintext at most.
//   closing     close_notify from the peer: recv() returns 0 (end of stream)
//               and closed(CloseNotify); EOF without it: recv() returns 0 and
//               closed(Truncated). shutdownWrite() sends close_notify then
//               shuts the TCP write side (half-close); the peer may go on
//               sending and recv() keeps working. closing() (Dispatcher::close)
//               sends close_notify once if it was not sent.
//   mid-session TLS 1.2 renegotiation and TLS 1.3 KeyUpdate from the peer are
//               handled inside OpenSSL; requestKeyUpdate()/renegotiate()
//               start one from this end.
//   STARTTLS    prependInput() gives ciphertext that was already read from the
//               socket in plaintext mode (in the same read as the go-ahead),
//               before any read from the socket.
// Errors are thrown as StreamLayerError with OpenSSL's reasons in words
// (takeErrors, verifyResultText: "certificate verify failed: hostname
// mismatch (certificate is for DNS:other.example)"), after Listener::failed()
// was told the same reason. handshakeDone() gets a TlsHandshakeInfo: version,
// cipher, ALPN, SNI, resumed, peer chain, verification result (verifySkipped
// with --insecure), the server's generated certificate's fingerprint.
// What it owns: the SSL and its BIOs, the ciphertext not yet sent, the bytes
// of a write to retry; a reference to its TlsContext. Not the listener.
// Threads: the dispatcher's loop thread only (the listener is called there).
#pragma once

#include "engine/asyncore/StreamLayer.h"
#include "engine/tls/TlsContext.h"
#include "engine/tls/TlsInfo.h"

#include <openssl/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace engine::tls {

class TlsLayer final : public StreamLayer {
public:
    /// Told what happens, on the loop thread, from inside the layer's calls
    /// (do not destroy the dispatcher from these; closing it is fine).
    class Listener {
    public:
        virtual ~Listener() = default;
        /// The handshake completed (also after verification was skipped).
        virtual void handshakeDone(const TlsHandshakeInfo& info) { (void)info; }
        /// The session failed: `reason` in words (the StreamLayerError that
        /// follows carries the same text).
        virtual void failed(const std::string& reason) { (void)reason; }
        /// The session ended: the peer's close_notify, or EOF without it.
        virtual void closed(TlsCloseKind kind) { (void)kind; }
    };

    /// `host`: the host as given to connect (client; SNI and the name checked
    /// unless config.serverName is set); ignored for a server. Throws
    /// std::runtime_error if OpenSSL cannot make the SSL.
    TlsLayer(std::shared_ptr<const TlsContext> context, std::string host = {}, Listener* listener = nullptr);
    ~TlsLayer() override;
    TlsLayer(const TlsLayer&) = delete;
    TlsLayer& operator=(const TlsLayer&) = delete;

    void setListener(Listener* listener) noexcept { m_listener = listener; }
    /// Marks the handshake info as a STARTTLS upgrade.
    void setStartTls(bool on) noexcept { m_info.startTls = on; }
    /// Ciphertext already read from the socket before the layer was installed
    /// (STARTTLS); consumed before anything read from the socket.
    void prependInput(std::string_view ciphertext);

    bool handshakeDone() const noexcept { return m_handshakeDone; }
    /// Filled once handshakeDone().
    const TlsHandshakeInfo& info() const noexcept { return m_info; }
    /// How the session ended, once it did.
    std::optional<TlsCloseKind> closeKind() const noexcept { return m_closeKind; }
    bool closeNotifySent() const noexcept { return m_closeNotifySent; }
    const TlsContext& context() const noexcept { return *m_context; }

    /// TLS 1.3: sends a KeyUpdate (asking the peer to update too when
    /// `updatePeer`). TLS 1.2: renegotiate() starts a renegotiation. False
    /// (with the reason in `why`) when not possible now.
    bool requestKeyUpdate(bool updatePeer, std::string* why = nullptr);
    bool renegotiate(std::string* why = nullptr);
    /// The OpenSSL connection (tests and diagnostics).
    SSL* native() const noexcept { return m_ssl; }

    // --- StreamLayer --------------------------------------------------------------
    void attach(StreamTransport& t) override;
    std::string_view name() const noexcept override { return "tls"; }
    std::size_t send(const void* data, std::size_t len, std::error_code& ec) override;
    std::size_t recv(void* buf, std::size_t len, std::error_code& ec) override;
    void shutdownWrite() override;
    void closing() noexcept override;
    bool wantsRead() const noexcept override;
    bool wantsWrite() const noexcept override;
    bool applicationBlocked() const noexcept override { return !m_handshakeDone; }
    std::size_t pendingInput() const noexcept override;
    std::optional<Clock::time_point> deadline() const noexcept override;
    void onReady(bool readable, bool writable) override;
    void onDeadline() override;

    /// Bound on ciphertext waiting for the socket before send() says would-block.
    static constexpr std::size_t kMaxPendingOutput = 256 * 1024;
    /// Bound on ciphertext read ahead for a mid-session handshake the application does not read.
    static constexpr std::size_t kMaxBufferedInput = 256 * 1024;

private:
    void driveHandshake();
    bool readTransport();           // socket → read BIO; false on would-block
    void flush();                   // write BIO → socket, as far as it goes
    bool sendHandshakeNow(std::string* why);  // a queued handshake message out now (flush); false: why
    struct OutputSink;              // the write BIO: OpenSSL's ciphertext → m_out
    void takeOutput(const char* data, std::size_t len);
    struct InputSource;             // the read BIO: m_inBuf → OpenSSL
    std::size_t takeInput(char* out, std::size_t len);
    void reserveInput(std::size_t n);  // room for n more bytes at m_inWr
    std::size_t inputBuffered() const noexcept { return m_inWr - m_inRd; }
    void retryWrite();              // the kept write, again
    void finishHandshake();
    [[noreturn]] void fail(const std::string& reason);
    void noteClosed(TlsCloseKind kind);
    std::string sslErrorText(int ret, int err);

    std::shared_ptr<const TlsContext> m_context;
    std::string m_host;
    Listener* m_listener;
    StreamTransport* m_transport = nullptr;
    SSL* m_ssl = nullptr;
    BIO* m_rbio = nullptr;  // owned by m_ssl; an InputSource over m_inBuf
    BIO* m_wbio = nullptr;  // owned by m_ssl; an OutputSink into m_out
    std::unique_ptr<char[]> m_inBuf;  // ciphertext read, not yet taken by OpenSSL: [m_inRd, m_inWr)
    std::size_t m_inCap = 0;
    std::size_t m_inRd = 0;
    std::size_t m_inWr = 0;
    std::string m_out;      // ciphertext not yet taken by the socket
    std::size_t m_outPos = 0;
    std::string m_retry;    // plaintext of an SSL_write to be retried as is
    bool m_retryWantsRead = false;
    bool m_handshakeStarted = false;
    bool m_handshakeDone = false;
    bool m_handshakeWantsRead = false;
    bool m_rbioStalled = false;     // the read BIO holds only part of a record
    bool m_transportEof = false;
    bool m_closeNotifySent = false;
    bool m_shutdownWritePending = false;
    bool m_transportShut = false;
    bool m_failed = false;
    std::string m_failReason;
    std::optional<TlsCloseKind> m_closeKind;
    std::optional<Clock::time_point> m_deadline;
    TlsHandshakeInfo m_info;
};

}  // namespace engine::tls
