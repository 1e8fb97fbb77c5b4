// Dispatcher.h — asyncore.dispatcher: a non-blocking socket in a channel map,
// turned into handle_*() callbacks.
//
// What it does: wraps one socket and registers it in a Loop (the map). The
// loop asks readable()/writable() each pass and calls the *_event methods,
// which turn readiness into the hooks a subclass overrides: handleRead,
// handleWrite, handleExpt, handleConnect, handleAccept/handleAccepted,
// handleClose, handleError. Socket operations follow asyncore to the letter:
//   connect()  non-blocking; completion arrives as the first read/write
//              event, and handleConnect() runs *before* `connected` is set
//              (E3); 0/EISCONN completes synchronously (D6).
//   accept()   nullopt on EWOULDBLOCK/ECONNABORTED (D7); other errors throw.
//   send()     0 on EWOULDBLOCK; a disconnect errno calls handleClose() and
//              returns 0 (D10); other errors throw std::system_error.
//   recv()     0 at orderly EOF or on a disconnect errno, after calling
//              handleClose() (D11); other errors, EWOULDBLOCK included, throw.
//   close()    idempotent, never calls handleClose() (D13).
// Errors from the socket layer surface as std::system_error, which the Loop
// routes to handleError() (or to handleClose() for disconnect errnos on the
// poll/epoll backends), just as asyncore routes OSError.
// Python's public attributes (connected, accepting, connecting, addr, debug,
// ignore_log_types) are public fields with the same meaning.
// A StreamLayer (StreamLayer.h; TLS) may be installed with setLayer(), also on
// a live dispatcher (STARTTLS): send()/recv() then go through it, the tap
// sees plaintext, and the Loop asks the layer what it needs (see
// StreamLayer.h). close() lets the layer say goodbye (close_notify) first.
// An optional DispatcherTap hears what happened (one null test per point when
// none is set); the Reactor taps the dispatchers it hosts.
// What it owns: its socket, which close() and the destructor close. It does
// not own its Loop; the Loop does not own it unless it was adopt()ed.
// Threads: loop thread only (the thread that runs its Loop).
#pragma once

#include "engine/net/Address.h"
#include "engine/asyncore/DispatcherTap.h"
#include "engine/asyncore/Loop.h"
#include "engine/asyncore/StreamLayer.h"
#include "engine/net/Platform.h"
#include "engine/net/Socket.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>

namespace engine {

class Dispatcher : private StreamTransport {
public:
    /// dispatcher(sock=None, map=None): no socket yet, not in the map.
    /// `map` nullptr means the thread's default map (asyncore.socket_map).
    explicit Dispatcher(Loop* map = nullptr);
    /// dispatcher(sock): adopts a socket (e.g. one end of a socketpair(), or
    /// an accepted connection), takes ownership, makes it non-blocking,
    /// registers it, sets connected = true and addr = getpeername(); if that
    /// fails with ENOTCONN/EINVAL it stays unconnected (D2).
    explicit Dispatcher(Socket sock, Loop* map = nullptr);
    explicit Dispatcher(NativeSocket sock, Loop* map = nullptr) : Dispatcher(Socket(sock), map) {}
    virtual ~Dispatcher();  ///< Leaves the map and closes the socket.
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    // --- Python's attributes ---------------------------------------------------
    bool connected = false;
    bool accepting = false;
    bool connecting = false;
    bool debug = false;
    Address addr;  ///< Peer (connect/adopt) or local (bind) address; empty = None.
    std::set<std::string, std::less<>> ignoreLogTypes{"warning"};

    Loop& map() const noexcept { return *m_map; }
    /// The socket handle (`self.socket`), kInvalidSocket if none.
    NativeSocket socketHandle() const noexcept { return m_socket.get(); }
    /// The fd under which it is registered (`_fileno`); kInvalidSocket when not
    /// in the map.
    NativeSocket fileno() const noexcept { return m_fileno; }
    /// A stable id for logs and events: unique per Dispatcher for the process.
    std::uint64_t id() const noexcept { return m_id; }

    // --- Socket operations (asyncore names in camelCase) ----------------------
    void createSocket(int family = kAfInet, int type = kSockStream);
    void setSocket(Socket sock);
    void addChannel();
    void delChannel();
    void setReuseAddr();
    /// asyncore's listen(): on Windows the backlog is capped at 5, as Python does.
    void listen(int backlog);
    /// listen() without that cap, for servers that take many clients at once
    /// (the reactor's Channel, the Mocker); the same as listen() elsewhere.
    void listenUncapped(int backlog);
    void bind(const Address& a);
    void connect(const Address& a);
    struct Accepted {
        Socket sock;
        Address addr;
    };
    std::optional<Accepted> accept();
    std::size_t send(std::string_view data);
    std::size_t recv(void* buf, std::size_t n);
    std::string recv(std::size_t n);
    /// Leaves the map and closes the socket. Errors other than ENOTCONN/EBADF
    /// from closing throw std::system_error (after the channel has left the map).
    void close();
    /// close(), with any error swallowed (for destructors and error paths).
    void closeNoThrow() noexcept;

    // --- Predicates ------------------------------------------------------------
    virtual bool readable() { return true; }   // W4
    virtual bool writable() { return true; }   // W4

    // --- Event layer (called by the Loop) -------------------------------------
    virtual void handleReadEvent();
    virtual void handleWriteEvent();
    virtual void handleExptEvent();
    virtual void handleConnectEvent();

    // --- Hooks -----------------------------------------------------------------
    virtual void handleRead();
    virtual void handleWrite();
    virtual void handleExpt();
    virtual void handleConnect();
    virtual void handleAccept();
    virtual void handleAccepted(Socket sock, const Address& peer);
    virtual void handleClose();
    /// Called from inside a catch block: std::current_exception() is the error.
    /// Default: logInfo("uncaptured python exception…" equivalent, "error"),
    /// then handleClose() (E8).
    virtual void handleError();

    // --- Logging (D16) ----------------------------------------------------------
    /// "log: msg" to stderr.
    virtual void log(std::string_view message);
    /// "type: msg" to stdout unless `type` is in ignoreLogTypes.
    virtual void logInfo(std::string_view message, std::string_view type = "info");

    /// "<ClassName [listening|connected] host:port at 0x…>" (D15).
    std::string repr() const;
    /// The class name repr() shows (Python's class name for the examples).
    std::string_view pythonClassName() const { return className(); }

    // --- Tap (DispatcherTap.h) -----------------------------------------------------
    /// Installs an observer of this dispatcher's activity (nullptr: none).
    void setTap(DispatcherTap* tap) noexcept { m_tap = tap; }
    DispatcherTap* tap() const noexcept { return m_tap; }

    // --- Stream layer (StreamLayer.h) ---------------------------------------------
    /// Installs `layer` under send()/recv() (nullptr removes the current one,
    /// which is destroyed). Attaches it to this dispatcher's transport.
    void setLayer(std::unique_ptr<StreamLayer> layer);
    StreamLayer* layer() const noexcept { return m_layer.get(); }

protected:
    /// Names the class in repr(); subclasses may override.
    virtual std::string_view className() const { return "Dispatcher"; }
    /// Records that hook `h` is about to run, when the Loop has an observer.
    void trace(Hook h) const {
        if (LoopObserver* o = m_map->observer()) o->hook(*this, h);  // m_map is never null
    }

    // The transport under the dispatcher (`self.socket`). FileDispatcher
    // overrides these to read and write a file descriptor instead.
    virtual std::size_t rawSend(const void* data, std::size_t len, std::error_code& ec);
    virtual std::size_t rawRecv(void* buf, std::size_t len, std::error_code& ec);
    virtual int rawPendingError(std::error_code& ec);
    virtual void rawClose(std::error_code& ec);

    /// recv() for async_chat: like recv() but reports EWOULDBLOCK through
    /// `wouldBlock` instead of throwing (R2). Returns 0 at EOF/disconnect
    /// after handleClose(), like recv().
    std::size_t recvOrWouldBlock(void* buf, std::size_t n, bool& wouldBlock);

    Socket m_socket;
    std::unique_ptr<StreamLayer> m_layer;  // null unless setLayer()
    DispatcherTap* m_tap = nullptr;  // see DispatcherTap.h; null unless hosted

private:
    friend class Loop;
    // StreamTransport: the layer's way down to rawSend/rawRecv.
    std::size_t transportSend(const void* data, std::size_t len, std::error_code& ec) override;
    std::size_t transportRecv(void* buf, std::size_t len, std::error_code& ec) override;
    void transportShutdownWrite(std::error_code& ec) override;
    /// The socket's pending error (getsockopt SO_ERROR); throws when it
    /// cannot be read.
    int pendingError();
    Loop* m_map;  // never null: the constructor falls back to the thread's default map
    NativeSocket m_fileno = kInvalidSocket;
    std::uint64_t m_serial = 0;  // registration serial in m_map, 0 when not registered
    std::uint64_t m_id;
    bool m_closed = false;  // close() ran and no socket was set since
};

}  // namespace engine
