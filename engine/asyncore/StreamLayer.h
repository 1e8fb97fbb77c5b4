// StreamLayer.h — a byte-stream layer under a Dispatcher (TLS is one), and
// what the Loop asks it so every backend (select, poll, epoll) serves it.
//
// What it does: a Dispatcher given a layer (Dispatcher::setLayer) sends and
// receives through it: Dispatcher::send()/recv() (and async_chat above them)
// see plaintext, the layer reads and writes the dispatcher's socket through
// the StreamTransport it is attached to. Each pass, for a connected
// dispatcher with a layer, the Loop
//   - ORs wantsRead()/wantsWrite() into the readiness it waits for, even when
//     the application's readable()/writable() say no (a handshake, a write
//     that needs a read first, ciphertext still to flush);
//   - while applicationBlocked() (handshake not finished) waits only for the
//     layer's wants and calls none of the application's read/write hooks;
//   - when the application is readable() and pendingInput() > 0 (plaintext
//     already decrypted inside the layer: SSL_pending), does not block in the
//     wait and dispatches a read event to the application;
//   - calls onReady(readable, writable) when the socket is ready for what the
//     layer wanted, before the application's hooks of that pass;
//   - waits at most until deadline(), and calls onDeadline() once it passed.
// Fatal layer errors (a failed handshake, a bad record, a timeout) are thrown
// as StreamLayerError (a message in words) from send/recv/onReady/onDeadline;
// the Loop routes them to the dispatcher's handleError(), like any exception
// from a hook. End of stream is recv() returning 0 with no error, as for a
// socket; Dispatcher then calls handleClose().
// What it owns: its own state; not the transport (the dispatcher owns both
// the socket and the layer).
// Threads: the dispatcher's loop thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace engine {

/// A fatal error of a stream layer, in words ("TLS handshake failed:
/// certificate verify failed (certificate has expired)").
struct StreamLayerError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// What a layer writes to and reads from: the dispatcher's socket (or file).
/// Implemented by Dispatcher; calls go straight to its raw transport.
class StreamTransport {
public:
    virtual ~StreamTransport() = default;
    /// Non-blocking send: bytes written; ec = would-block when none could be;
    /// any other ec is an error (a disconnect errno included).
    virtual std::size_t transportSend(const void* data, std::size_t len, std::error_code& ec) = 0;
    /// Non-blocking recv: bytes read; 0 with ec clear is the peer's EOF.
    virtual std::size_t transportRecv(void* buf, std::size_t len, std::error_code& ec) = 0;
    /// shutdown(SHUT_WR) of the transport (half-close).
    virtual void transportShutdownWrite(std::error_code& ec) = 0;
};

class StreamLayer {
public:
    using Clock = std::chrono::steady_clock;
    virtual ~StreamLayer() = default;

    /// Called by Dispatcher::setLayer(); `t` outlives the layer.
    virtual void attach(StreamTransport& t) = 0;
    /// A short name for traces ("tls").
    virtual std::string_view name() const noexcept = 0;

    // --- Application side (Dispatcher::send/recv) ------------------------------
    /// Plaintext to send: bytes taken (they will reach the transport, in order);
    /// ec = would-block when none can be taken now. Throws StreamLayerError.
    virtual std::size_t send(const void* data, std::size_t len, std::error_code& ec) = 0;
    /// Plaintext received into `buf`; 0 with ec clear: end of stream (the
    /// layer's orderly close or the transport's EOF); ec = would-block when
    /// nothing is available yet. Throws StreamLayerError.
    virtual std::size_t recv(void* buf, std::size_t len, std::error_code& ec) = 0;
    /// Half-close: ends this direction at the layer's level (TLS: close_notify),
    /// then shuts the transport's write side once everything is flushed.
    /// Further send() calls fail with ec = broken pipe.
    virtual void shutdownWrite() = 0;
    /// The dispatcher is closing: best effort, never blocks, never throws
    /// (TLS: one attempt to send close_notify).
    virtual void closing() noexcept = 0;

    // --- Loop side --------------------------------------------------------------
    /// The layer needs the socket readable / writable for itself.
    virtual bool wantsRead() const noexcept = 0;
    virtual bool wantsWrite() const noexcept = 0;
    /// True while the application cannot do I/O (handshake not finished).
    virtual bool applicationBlocked() const noexcept = 0;
    /// Plaintext (or complete input) the layer holds that recv() can return
    /// without reading the socket; the Loop then treats the dispatcher as
    /// readable without blocking.
    virtual std::size_t pendingInput() const noexcept = 0;
    /// When onDeadline() must run (a handshake timeout); nullopt: none.
    virtual std::optional<Clock::time_point> deadline() const noexcept = 0;
    /// The socket is ready for (some of) what the layer wanted. Throws StreamLayerError.
    virtual void onReady(bool readable, bool writable) = 0;
    /// deadline() has passed. Throws StreamLayerError when it is fatal.
    virtual void onDeadline() = 0;
};

}  // namespace engine
