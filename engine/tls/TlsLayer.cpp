// TlsLayer.cpp — see TlsLayer.h.
//
// OpenSSL runs over two BIOs of our own, each over a buffer of the layer's:
// ciphertext is read from the socket straight into m_inBuf, which the source
// BIO (InputSource) hands to OpenSSL as it asks; the ciphertext OpenSSL
// produces goes through the sink BIO (OutputSink) straight into m_out, which
// flush() writes to the socket as far as it takes it. No copy through an
// intermediate buffer either way. OpenSSL itself never sees EWOULDBLOCK from
// the socket: WANT_READ means "feed me" (the source is empty: a retry, or
// EOF once the socket said so), and the only back-pressure is m_out's bound
// (kMaxPendingOutput).
#include "engine/tls/TlsLayer.h"

#include "engine/asyncore/Escape.h"
#include "engine/net/SocketOps.h"
#include "engine/tls/Certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>

namespace engine::tls {
namespace {

// Ciphertext read from the socket at a time (into m_inBuf): up to four full
// records, so a stream of records costs a recv() per four, not per record.
// SSL_read still returns one record's plaintext per call, as before.
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kWriteChunk = 64 * 1024;

std::error_code wouldBlock() { return std::make_error_code(std::errc::operation_would_block); }

int createBio(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

// A source/sink BIO method of our own, called `name`, with the callbacks
// given (`read` or `write` may be null); null when OpenSSL cannot make it.
BIO_METHOD* newBioMethod(const char* name, int (*read)(BIO*, char*, int), int (*write)(BIO*, const char*, int),
                         long (*ctrl)(BIO*, int, long, void*)) {
    BIO_METHOD* meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, name);
    if (meth) {
        if (read) BIO_meth_set_read(meth, read);
        if (write) BIO_meth_set_write(meth, write);
        BIO_meth_set_ctrl(meth, ctrl);
        BIO_meth_set_create(meth, &createBio);
    }
    return meth;
}

}  // namespace

// The source OpenSSL reads ciphertext from: TlsLayer::takeInput (a retry when
// empty, EOF once the transport ended: as a memory BIO with its EOF return
// set). Made once, shared by every layer.
struct TlsLayer::InputSource {
    static int read(BIO* b, char* out, int len) {
        BIO_clear_retry_flags(b);
        auto* self = static_cast<TlsLayer*>(BIO_get_data(b));
        if (len <= 0 || !out) return 0;
        const std::size_t n = self->takeInput(out, static_cast<std::size_t>(len));
        if (n > 0) return static_cast<int>(n);
        if (self->m_transportEof) return 0;
        BIO_set_retry_read(b);
        return -1;
    }
    static long ctrl(BIO* b, int cmd, long num, void* ptr) {
        (void)num;
        (void)ptr;
        const auto* self = static_cast<const TlsLayer*>(BIO_get_data(b));
        switch (cmd) {
        case BIO_CTRL_PENDING: return self ? static_cast<long>(self->inputBuffered()) : 0;
        case BIO_CTRL_EOF: return self && self->m_transportEof && self->inputBuffered() == 0 ? 1 : 0;
        case BIO_CTRL_FLUSH: return 1;
        default: return 0;
        }
    }
    static const BIO_METHOD* method() {
        static BIO_METHOD* const m = newBioMethod("linewright TLS input", &read, nullptr, &ctrl);
        return m;
    }
};

// The sink OpenSSL writes ciphertext into: TlsLayer::takeOutput (never a
// would-block, like a memory BIO). Made once, shared by every layer.
struct TlsLayer::OutputSink {
    static int write(BIO* b, const char* data, int len) {
        BIO_clear_retry_flags(b);
        if (len <= 0) return 0;
        static_cast<TlsLayer*>(BIO_get_data(b))->takeOutput(data, static_cast<std::size_t>(len));
        return len;
    }
    static long ctrl(BIO* b, int cmd, long num, void* ptr) {
        (void)b;
        (void)num;
        (void)ptr;
        switch (cmd) {
        case BIO_CTRL_FLUSH: return 1;  // m_out is flushed by the layer, to the socket
        case BIO_CTRL_PENDING:
        case BIO_CTRL_WPENDING: return 0;
        default: return 0;
        }
    }
    static const BIO_METHOD* method() {
        static BIO_METHOD* const m = newBioMethod("linewright TLS output", nullptr, &write, &ctrl);
        return m;
    }
};

TlsLayer::TlsLayer(std::shared_ptr<const TlsContext> context, std::string host, Listener* listener)
    : m_context(std::move(context)), m_host(std::move(host)), m_listener(listener) {
    m_ssl = m_context->newSsl(m_host);  // throws
    const BIO_METHOD* source = InputSource::method();
    m_rbio = source ? BIO_new(source) : nullptr;
    const BIO_METHOD* sink = OutputSink::method();
    m_wbio = sink ? BIO_new(sink) : nullptr;
    if (!m_rbio || !m_wbio) {
        BIO_free(m_rbio);
        BIO_free(m_wbio);
        SSL_free(m_ssl);
        throw std::runtime_error("cannot create TLS buffers: " + takeErrors());
    }
    BIO_set_data(m_rbio, this);
    BIO_set_data(m_wbio, this);
    SSL_set_bio(m_ssl, m_rbio, m_wbio);  // m_ssl owns both now
    m_info.server = m_context->role() == TlsRole::Server;
    if (m_info.server)
        SSL_set_accept_state(m_ssl);
    else
        SSL_set_connect_state(m_ssl);
}

TlsLayer::~TlsLayer() { SSL_free(m_ssl); }

void TlsLayer::attach(StreamTransport& t) {
    m_transport = &t;
    const std::uint32_t ms = m_context->config().handshakeTimeoutMs;
    if (!m_handshakeDone && ms > 0) m_deadline = Clock::now() + std::chrono::milliseconds(ms);
}

void TlsLayer::prependInput(std::string_view ciphertext) {
    if (ciphertext.empty()) return;
    reserveInput(ciphertext.size());
    std::memcpy(m_inBuf.get() + m_inWr, ciphertext.data(), ciphertext.size());
    m_inWr += ciphertext.size();
    m_rbioStalled = false;
}

// --- Transport ------------------------------------------------------------------

void TlsLayer::reserveInput(std::size_t n) {
    if (m_inRd == m_inWr) m_inRd = m_inWr = 0;
    if (m_inCap - m_inWr >= n) return;
    const std::size_t live = m_inWr - m_inRd;
    if (m_inCap - live >= n) {
        // Room at the front (what OpenSSL has taken): move the rest there,
        // at most a partial record in the usual case.
        std::memmove(m_inBuf.get(), m_inBuf.get() + m_inRd, live);
    } else {
        const std::size_t cap = std::max(live + n, m_inCap * 2);
        std::unique_ptr<char[]> bigger(new char[cap]);
        if (live > 0) std::memcpy(bigger.get(), m_inBuf.get() + m_inRd, live);
        m_inBuf = std::move(bigger);
        m_inCap = cap;
    }
    m_inRd = 0;
    m_inWr = live;
}

std::size_t TlsLayer::takeInput(char* out, std::size_t len) {
    const std::size_t n = std::min(len, m_inWr - m_inRd);
    if (n == 0) return 0;
    std::memcpy(out, m_inBuf.get() + m_inRd, n);
    m_inRd += n;
    if (m_inRd == m_inWr) {
        // All taken: an idle connection keeps no buffer (a listener may hold
        // thousands of them).
        m_inBuf.reset();
        m_inCap = m_inRd = m_inWr = 0;
    }
    return n;
}

bool TlsLayer::readTransport() {
    if (m_transportEof || !m_transport) return false;
    reserveInput(kReadChunk);
    std::error_code ec;
    const std::size_t n = m_transport->transportRecv(m_inBuf.get() + m_inWr, m_inCap - m_inWr, ec);
    if (ec) {
        if (sockops::isWouldBlock(ec)) return false;
        if (!sockops::isDisconnect(ec)) throw std::system_error(ec, "recv");
        // A reset is an end without close_notify, like EOF.
    }
    if (ec || n == 0) {
        m_transportEof = true;  // now empty means EOF (InputSource)
        m_rbioStalled = false;
        return true;
    }
    m_inWr += n;
    m_rbioStalled = false;
    return true;
}

void TlsLayer::takeOutput(const char* data, std::size_t len) {
    if (m_outPos > 0) {
        if (m_outPos == m_out.size()) {
            m_out.clear();
            m_outPos = 0;
        } else if (m_outPos >= kWriteChunk) {
            m_out.erase(0, m_outPos);  // the socket is slow: keep the front from growing
            m_outPos = 0;
        }
    }
    m_out.append(data, len);
}

// Sends m_out as far as the socket takes it. Throws std::system_error on a
// transport error (a disconnect errno included: the Loop closes on it).
void TlsLayer::flush() {
    while (m_transport && m_outPos < m_out.size()) {
        std::error_code ec;
        const std::size_t n = m_transport->transportSend(m_out.data() + m_outPos, m_out.size() - m_outPos, ec);
        if (ec) {
            if (sockops::isWouldBlock(ec)) return;
            throw std::system_error(ec, "send");
        }
        if (n == 0) return;
        m_outPos += n;
    }
    if (m_outPos == m_out.size()) {
        m_out.clear();
        m_outPos = 0;
        if (m_closeNotifySent && m_shutdownWritePending && !m_transportShut && m_transport) {
            std::error_code ec;
            m_transport->transportShutdownWrite(ec);  // errors: the peer is gone; reads will say so
            m_transportShut = true;
            m_shutdownWritePending = false;
        }
    }
}

// --- Failure --------------------------------------------------------------------

void TlsLayer::fail(const std::string& reason) {
    if (!m_failed) {
        m_failed = true;
        m_failReason = reason;
        try {
            flush();  // an alert OpenSSL queued for the peer
        } catch (...) {
        }
        if (m_listener) m_listener->failed(reason);
    }
    throw StreamLayerError(m_failReason);
}

void TlsLayer::noteClosed(TlsCloseKind kind) {
    if (m_closeKind) return;
    m_closeKind = kind;
    if (m_listener) m_listener->closed(kind);
}

std::string TlsLayer::sslErrorText(int ret, int err) {
    (void)ret;
    std::string errors = takeErrors();
    const long vr = SSL_get_verify_result(m_ssl);
    if (vr != X509_V_OK && errors.find("certificate verify failed") != std::string::npos) {
        X509* leaf = SSL_get0_peer_certificate(m_ssl);
        if (!leaf) leaf = failedLeafOf(m_ssl);
        // Which certificate: the one whose check failed (the CA that expired
        // is not the server's own), else the peer's.
        const FailedCertificate failed = failedCertificateOf(m_ssl);
        const std::string which = failed.cert   ? certificateIdentity(failed.cert, failed.depth)
                                  : leaf        ? certificateIdentity(leaf, 0)
                                                : std::string();
        return "certificate verify failed: " + verifyResultText(vr, leaf) + (which.empty() ? "" : " (" + which + ")");
    }
    if (m_transportEof && (errors.empty() || errors.find("unexpected eof") != std::string::npos))
        return "the peer closed the connection";
    if (errors.empty()) {
        if (err == SSL_ERROR_SYSCALL) return "transport error";
        return "error " + std::to_string(err);
    }
    return errors;
}

// --- Handshake ------------------------------------------------------------------

void TlsLayer::driveHandshake() {
    if (m_failed) throw StreamLayerError(m_failReason);
    m_handshakeStarted = true;
    for (;;) {
        ERR_clear_error();
        const int r = SSL_do_handshake(m_ssl);
        if (r == 1) {
            flush();
            finishHandshake();
            return;
        }
        const int err = SSL_get_error(m_ssl, r);
        if (err == SSL_ERROR_WANT_READ) {
            flush();
            if (readTransport()) continue;
            m_rbioStalled = true;
            return;
        }
        if (err == SSL_ERROR_WANT_WRITE) {
            flush();
            return;
        }
        const std::string why = sslErrorText(r, err);
        fail("TLS handshake failed: " + why);
    }
}

void TlsLayer::finishHandshake() {
    m_handshakeDone = true;
    m_deadline.reset();
    const TlsConfig& cfg = m_context->config();
    m_info.version = SSL_get_version(m_ssl);
    if (const SSL_CIPHER* c = SSL_get_current_cipher(m_ssl)) m_info.cipher = SSL_CIPHER_get_name(c);
    const unsigned char* alpn = nullptr;
    unsigned alpnLen = 0;
    SSL_get0_alpn_selected(m_ssl, &alpn, &alpnLen);
    m_info.alpn = alpn ? printableAscii(std::string_view(reinterpret_cast<const char*>(alpn), alpnLen)) : "";
    const char* sni = SSL_get_servername(m_ssl, TLSEXT_NAMETYPE_host_name);
    m_info.serverName = sni ? printableAscii(sni) : "";
    m_info.resumed = SSL_session_reused(m_ssl) == 1;
    m_info.peerChain = peerChainInfo(m_ssl);
    const long vr = SSL_get_verify_result(m_ssl);
    X509* leaf = SSL_get0_peer_certificate(m_ssl);
    if (!leaf) leaf = failedLeafOf(m_ssl);
    if (!m_info.server) {
        m_info.verifySkipped = !cfg.verify;
        m_info.verified = cfg.verify && vr == X509_V_OK;
        m_info.verifyResult = leaf ? verifyResultText(vr, leaf) : "no certificate from the server";
    } else if (cfg.verify && !cfg.caFile.empty()) {
        m_info.verified = leaf && vr == X509_V_OK;
        m_info.verifyResult = leaf ? verifyResultText(vr, leaf) : "no client certificate";
    } else {
        m_info.verifyResult = "no client certificate requested";
    }
    m_info.localFingerprint = m_info.server ? m_context->localFingerprint() : "";
    if (m_listener) m_listener->handshakeDone(m_info);
    if (m_shutdownWritePending && !m_closeNotifySent) shutdownWrite();
}

// --- Application side -----------------------------------------------------------

std::size_t TlsLayer::recv(void* buf, std::size_t len, std::error_code& ec) {
    ec.clear();
    if (m_failed) throw StreamLayerError(m_failReason);
    if (m_closeKind) return 0;  // the end was already reported
    if (!m_handshakeDone) {
        driveHandshake();
        if (!m_handshakeDone) {
            ec = wouldBlock();
            return 0;
        }
    }
    if (len == 0) return 0;
    for (;;) {
        ERR_clear_error();
        std::size_t got = 0;
        const int r = SSL_read_ex(m_ssl, buf, len, &got);
        if (r == 1) {
            flush();  // anything OpenSSL answered meanwhile (KeyUpdate, renegotiation)
            return got;
        }
        const int err = SSL_get_error(m_ssl, r);
        if (err == SSL_ERROR_WANT_READ) {
            flush();
            if (readTransport()) continue;
            m_rbioStalled = true;
            if (!m_retry.empty()) retryWrite();  // a renegotiation may have freed it
            ec = wouldBlock();
            return 0;
        }
        if (err == SSL_ERROR_WANT_WRITE) {
            flush();
            ec = wouldBlock();
            return 0;
        }
        if (err == SSL_ERROR_ZERO_RETURN) {
            flush();
            noteClosed(TlsCloseKind::CloseNotify);
            return 0;
        }
        if (m_transportEof) {
            const unsigned long e = ERR_peek_error();
            if (err == SSL_ERROR_SYSCALL || ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                ERR_clear_error();
                noteClosed(TlsCloseKind::Truncated);
                return 0;
            }
        }
        const std::string why = sslErrorText(r, err);
        fail("TLS error: " + why);
    }
}

void TlsLayer::retryWrite() {
    while (!m_retry.empty()) {
        ERR_clear_error();
        std::size_t written = 0;
        const int r = SSL_write_ex(m_ssl, m_retry.data(), m_retry.size(), &written);
        if (r == 1) {
            m_retry.erase(0, written);
            m_retryWantsRead = false;
            continue;
        }
        const int err = SSL_get_error(m_ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            m_retryWantsRead = err == SSL_ERROR_WANT_READ;
            break;
        }
        const std::string why = sslErrorText(r, err);
        fail("TLS error while sending: " + why);
    }
    flush();
}

std::size_t TlsLayer::send(const void* data, std::size_t len, std::error_code& ec) {
    ec.clear();
    if (m_failed) throw StreamLayerError(m_failReason);
    if (m_closeNotifySent || m_shutdownWritePending) {
        ec = std::make_error_code(std::errc::broken_pipe);
        return 0;
    }
    try {
        if (!m_handshakeDone) {
            driveHandshake();
            if (!m_handshakeDone) {
                ec = wouldBlock();
                return 0;
            }
        }
        flush();
        if (!m_retry.empty()) {
            if (m_retryWantsRead) readTransport();
            retryWrite();
            if (!m_retry.empty()) {
                ec = wouldBlock();
                return 0;
            }
        }
        if (m_out.size() - m_outPos >= kMaxPendingOutput) {
            ec = wouldBlock();
            return 0;
        }
        if (len == 0) return 0;
        // With partial writes on, each SSL_write_ex makes one record (16 KiB
        // at most): go on to the whole chunk while the output stays under its
        // bound, so a chunk costs one pass and one send(), as over TCP.
        const std::size_t chunk = std::min(len, kWriteChunk);
        const char* bytes = static_cast<const char*>(data);
        std::size_t taken = 0;
        while (taken < chunk) {
            ERR_clear_error();
            std::size_t written = 0;
            const int r = SSL_write_ex(m_ssl, bytes + taken, chunk - taken, &written);
            if (r == 1) {
                taken += written;
                if (m_out.size() - m_outPos >= kMaxPendingOutput) break;
                continue;
            }
            const int err = SSL_get_error(m_ssl, r);
            if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
                // OpenSSL must be called again with the same bytes: keep them and
                // count them as taken, so the caller's buffer may move or change.
                m_retry.assign(bytes + taken, chunk - taken);
                m_retryWantsRead = err == SSL_ERROR_WANT_READ;
                taken = chunk;
                break;
            }
            if (err == SSL_ERROR_ZERO_RETURN) {
                if (taken > 0) break;
                ec = std::make_error_code(std::errc::broken_pipe);
                return 0;
            }
            const std::string why = sslErrorText(r, err);
            fail("TLS error while sending: " + why);
        }
        flush();
        return taken;
    } catch (const std::system_error& e) {
        // A transport error while flushing: report it as send(2) would.
        ec = e.code();
        return 0;
    }
}

void TlsLayer::shutdownWrite() {
    if (m_closeNotifySent || m_failed) return;
    if (!m_handshakeDone) {
        m_shutdownWritePending = true;  // after the handshake
        return;
    }
    ERR_clear_error();
    SSL_shutdown(m_ssl);  // queues close_notify; we do not wait for the peer's
    ERR_clear_error();
    m_closeNotifySent = true;
    m_shutdownWritePending = true;  // shut TCP's write side once flushed
    try {
        flush();
    } catch (const std::system_error&) {
        // The peer is gone; the next read says so.
    }
}

void TlsLayer::closing() noexcept {
    try {
        if (m_handshakeDone && !m_failed && !m_closeNotifySent && m_transport) {
            ERR_clear_error();
            SSL_shutdown(m_ssl);
            ERR_clear_error();
            m_closeNotifySent = true;
            flush();
        }
    } catch (...) {
    }
    m_transport = nullptr;  // the socket is about to close
}

bool TlsLayer::requestKeyUpdate(bool updatePeer, std::string* why) {
    if (!m_handshakeDone || SSL_version(m_ssl) < TLS1_3_VERSION) {
        if (why) *why = "a key update needs an established TLS 1.3 session";
        return false;
    }
    ERR_clear_error();
    if (SSL_key_update(m_ssl, updatePeer ? SSL_KEY_UPDATE_REQUESTED : SSL_KEY_UPDATE_NOT_REQUESTED) != 1) {
        if (why) *why = takeErrors();
        return false;
    }
    // The KeyUpdate message goes out with the next write; force it now.
    return sendHandshakeNow(why);
}

bool TlsLayer::renegotiate(std::string* why) {
    if (!m_handshakeDone || SSL_version(m_ssl) >= TLS1_3_VERSION) {
        if (why) *why = "renegotiation needs an established TLS 1.2 (or older) session";
        return false;
    }
    ERR_clear_error();
    if (SSL_renegotiate(m_ssl) != 1) {
        if (why) *why = takeErrors();
        return false;
    }
    return sendHandshakeNow(why);  // the ClientHello / HelloRequest
}

bool TlsLayer::sendHandshakeNow(std::string* why) {
    ERR_clear_error();
    SSL_do_handshake(m_ssl);
    ERR_clear_error();
    try {
        flush();
    } catch (const std::system_error& e) {
        if (why) *why = e.what();
        return false;
    }
    return true;
}

// --- Loop side ------------------------------------------------------------------

bool TlsLayer::wantsRead() const noexcept {
    if (m_failed || m_transportEof || !m_transport) return false;
    if (!m_handshakeDone) return m_handshakeStarted || m_info.server;
    if (!m_retry.empty() && m_retryWantsRead) return true;
    // A renegotiation or key change in progress: keep its records coming (the
    // application's reads or the kept write consume them), within a bound.
    return (SSL_in_init(m_ssl) || SSL_renegotiate_pending(m_ssl)) && inputBuffered() < kMaxBufferedInput;
}

bool TlsLayer::wantsWrite() const noexcept {
    if (m_failed || !m_transport) return false;
    if (m_outPos < m_out.size()) return true;
    if (!m_handshakeDone && !m_handshakeStarted && !m_info.server) return true;  // the ClientHello
    // Input already given (prependInput) for a handshake not yet driven: ask
    // for a pass now (the socket itself may stay idle).
    if (!m_handshakeDone && !m_rbioStalled && inputBuffered() > 0) return true;
    return !m_retry.empty() && !m_retryWantsRead;
}

std::size_t TlsLayer::pendingInput() const noexcept {
    if (!m_handshakeDone || m_failed) return 0;
    std::size_t n = static_cast<std::size_t>(std::max(0, SSL_pending(m_ssl)));
    if (!m_rbioStalled) n += inputBuffered();
    return n;
}

std::optional<StreamLayer::Clock::time_point> TlsLayer::deadline() const noexcept {
    if (m_handshakeDone || m_failed) return std::nullopt;
    return m_deadline;
}

void TlsLayer::onReady(bool readable, bool writable) {
    if (m_failed) return;
    if (writable) flush();
    if (!m_handshakeDone) {
        driveHandshake();  // reads as far as the socket has input
        return;
    }
    // Mid-session handshake records are only buffered here: SSL_read (the
    // application's next read, dispatched through pendingInput()) or the kept
    // write consumes them — SSL_do_handshake would fail on interleaved
    // application data ("unexpected record").
    if (readable) readTransport();
    if (!m_retry.empty()) retryWrite();
    flush();
}

void TlsLayer::onDeadline() {
    if (m_handshakeDone || m_failed || !m_deadline) return;
    if (Clock::now() < *m_deadline) return;
    const std::uint32_t ms = m_context->config().handshakeTimeoutMs;
    fail("TLS handshake timed out after " + std::to_string(ms) + " ms (the peer " +
         (m_handshakeStarted ? "stopped answering" : "never started it") + ")");
}

}  // namespace engine::tls
