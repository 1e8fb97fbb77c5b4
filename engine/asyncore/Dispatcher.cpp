// Dispatcher.cpp — asyncore.dispatcher.
#include "engine/asyncore/Dispatcher.h"

#include "engine/net/SocketOps.h"

#include <atomic>
#include <cstdio>
#include <exception>
#include <typeinfo>

namespace engine {
namespace {
std::atomic<std::uint64_t> g_nextId{1};
}  // namespace

Dispatcher::Dispatcher(Loop* map) : m_map(map ? map : &Loop::threadDefault()), m_id(g_nextId++) {
    ensureNetworkInitialized();
}

Dispatcher::Dispatcher(Socket sock, Loop* map) : Dispatcher(map) {
    if (!sock) return;
    std::error_code ec;
    sockops::setNonBlocking(sock.get(), true, ec);
    if (ec) throw std::system_error(ec, "setblocking(False)");
    setSocket(std::move(sock));
    connected = true;
    // The connection may already be gone (bpo-10340): then it is simply not
    // connected. Any other failure is a real error.
    addr = sockops::peerAddress(m_socket.get(), ec);
    if (ec) {
        if (ec == std::errc::not_connected || ec == std::errc::invalid_argument) {
            connected = false;
        } else {
            delChannel();
            throw std::system_error(ec, "getpeername");
        }
    }
}

Dispatcher::~Dispatcher() {
    if (m_tap) m_tap->destroyed(*this);
    if (m_map && m_serial != 0) m_map->delChannel(m_fileno, m_serial);
    // m_socket closes itself.
}

void Dispatcher::createSocket(int family, int type) {
    std::error_code ec;
    NativeSocket s = sockops::create(family, type, ec);
    if (ec) throw std::system_error(ec, "socket");
    setSocket(Socket(s));
}

void Dispatcher::setSocket(Socket sock) {
    m_socket = std::move(sock);
    addChannel();
}

void Dispatcher::addChannel() {
    if (!m_map) return;
    m_closed = false;
    m_fileno = m_socket.get();
    m_serial = m_map->addChannel(this, m_fileno);
}

void Dispatcher::delChannel() {
    if (m_map && m_serial != 0) m_map->delChannel(m_fileno, m_serial);
    m_serial = 0;
    m_fileno = kInvalidSocket;
}

void Dispatcher::setReuseAddr() {
    std::error_code ec;
    sockops::setReuseAddr(m_socket.get(), ec);  // errors ignored, as in asyncore
}

void Dispatcher::listen(int backlog) {
    // asyncore caps the backlog at 5 on Windows (D-list conformance).
    listenUncapped(kIsWindows && backlog > 5 ? 5 : backlog);
}

void Dispatcher::listenUncapped(int backlog) {
    accepting = true;
    std::error_code ec;
    sockops::listen(m_socket.get(), backlog, ec);
    if (ec) throw std::system_error(ec, "listen");
    if (m_tap) m_tap->listening(*this);
}

void Dispatcher::bind(const Address& a) {
    addr = a;
    std::error_code ec;
    sockops::bind(m_socket.get(), a, ec);
    if (ec) throw std::system_error(ec, "bind " + a.toString());
}

void Dispatcher::connect(const Address& a) {
    connected = false;
    connecting = true;
    std::error_code ec;
    sockops::connect(m_socket.get(), a, ec);
    if (ec && sockops::isConnectInProgress(ec)) {
        addr = a;
        if (m_tap) m_tap->connecting(*this, a);
        return;
    }
    if (!ec || ec == std::errc::already_connected) {
        addr = a;
        if (m_tap) m_tap->connecting(*this, a);
        trace(Hook::HandleConnectEvent);
        handleConnectEvent();
        return;
    }
    throw std::system_error(ec, "connect " + a.toString());
}

std::optional<Dispatcher::Accepted> Dispatcher::accept() {
    if (!m_socket) return std::nullopt;
    Accepted out;
    std::error_code ec;
    NativeSocket c = sockops::accept(m_socket.get(), &out.addr, ec);
    if (ec) {
        if (sockops::isWouldBlock(ec) || ec == std::errc::connection_aborted) return std::nullopt;
        throw std::system_error(ec, "accept");
    }
    out.sock = Socket(c);
    if (m_tap) m_tap->accepted(*this, out.addr);
    return out;
}

std::size_t Dispatcher::send(std::string_view data) {
    std::error_code ec;
    const std::size_t n =
        m_layer ? m_layer->send(data.data(), data.size(), ec) : rawSend(data.data(), data.size(), ec);
    if (!ec) {
        if (m_tap) m_tap->sent(*this, data.substr(0, n));
        return n;
    }
    if (sockops::isWouldBlock(ec)) return 0;
    if (sockops::isDisconnect(ec)) {
        if (m_tap) m_tap->received(*this, {});  // the peer has gone
        trace(Hook::HandleClose);
        handleClose();
        return 0;
    }
    throw std::system_error(ec, "send");
}

std::size_t Dispatcher::recv(void* buf, std::size_t n) {
    bool wouldBlock = false;
    const std::size_t got = recvOrWouldBlock(buf, n, wouldBlock);
    if (wouldBlock)
        throw std::system_error(std::make_error_code(std::errc::operation_would_block), "recv");
    return got;
}

std::string Dispatcher::recv(std::size_t n) {
    std::string out(n, '\0');
    out.resize(recv(out.data(), n));
    return out;
}

std::size_t Dispatcher::recvOrWouldBlock(void* buf, std::size_t n, bool& wouldBlock) {
    wouldBlock = false;
    std::error_code ec;
    const std::size_t got = m_layer ? m_layer->recv(buf, n, ec) : rawRecv(buf, n, ec);
    if (!ec) {
        if (m_tap && n > 0) m_tap->received(*this, std::string_view(static_cast<const char*>(buf), got));
        if (got == 0 && n > 0) {
            // A closed connection is indicated by signaling a read condition
            // and having recv() return 0.
            trace(Hook::HandleClose);
            handleClose();
        }
        return got;
    }
    if (sockops::isWouldBlock(ec)) {
        wouldBlock = true;
        return 0;
    }
    if (sockops::isDisconnect(ec)) {
        if (m_tap) m_tap->received(*this, {});
        trace(Hook::HandleClose);
        handleClose();
        return 0;
    }
    throw std::system_error(ec, "recv");
}

void Dispatcher::close() {
    connected = false;
    accepting = false;
    connecting = false;
    delChannel();
    const bool wasClosed = m_closed;
    m_closed = true;
    if (m_map && !wasClosed) m_map->retire(this);
    if (m_layer && !wasClosed) m_layer->closing();
    std::error_code ec;
    rawClose(ec);
    if (m_tap && !wasClosed) m_tap->closed(*this);
    if (ec && ec != std::errc::not_connected && ec != std::errc::bad_file_descriptor)
        throw std::system_error(ec, "close");
}

void Dispatcher::closeNoThrow() noexcept {
    try {
        close();
    } catch (...) {
    }
}

void Dispatcher::handleReadEvent() {
    if (accepting) {
        // accepting sockets are never connected, they "spawn" new sockets
        // that are connected
        trace(Hook::HandleAccept);
        handleAccept();
    } else if (!connected) {
        if (connecting) {
            trace(Hook::HandleConnectEvent);
            handleConnectEvent();
        }
        trace(Hook::HandleRead);
        handleRead();
    } else {
        trace(Hook::HandleRead);
        handleRead();
    }
}

int Dispatcher::pendingError() {
    std::error_code ec;
    const int err = rawPendingError(ec);
    if (ec) throw std::system_error(ec, "getsockopt(SO_ERROR)");
    return err;
}

void Dispatcher::handleConnectEvent() {
    const int err = pendingError();
    if (err != 0) throw std::system_error(sockops::errorFromNative(err), "connect");
    if (m_tap) m_tap->connected(*this);
    trace(Hook::HandleConnect);
    handleConnect();
    connected = true;
    connecting = false;
}

void Dispatcher::handleWriteEvent() {
    if (accepting) return;  // Accepting sockets shouldn't get a write event.
    if (!connected && connecting) {
        trace(Hook::HandleConnectEvent);
        handleConnectEvent();
    }
    trace(Hook::HandleWrite);
    handleWrite();
}

void Dispatcher::handleExptEvent() {
    // handle_expt_event() is called if there might be an error on the socket,
    // or if there is OOB data; check for the error condition first.
    if (pendingError() != 0) {
        // we can get here when select.select() says that there is an
        // exceptional condition on the socket; with the error set, close it.
        trace(Hook::HandleClose);
        handleClose();
    } else {
        trace(Hook::HandleExpt);
        handleExpt();
    }
}

void Dispatcher::handleRead() { logInfo("unhandled read event", "warning"); }
void Dispatcher::handleWrite() { logInfo("unhandled write event", "warning"); }
void Dispatcher::handleExpt() { logInfo("unhandled incoming priority event", "warning"); }
void Dispatcher::handleConnect() { logInfo("unhandled connect event", "warning"); }

void Dispatcher::handleAccept() {
    if (auto pair = accept()) {
        trace(Hook::HandleAccepted);
        handleAccepted(std::move(pair->sock), pair->addr);
    }
}

void Dispatcher::handleAccepted(Socket sock, const Address& peer) {
    (void)peer;
    sock.reset();
    logInfo("unhandled accepted event", "warning");
}

void Dispatcher::handleClose() {
    logInfo("unhandled close event", "warning");
    close();
}

void Dispatcher::handleError() {
    // The equivalent of asyncore's compact traceback: the exception's type and
    // message. Called from inside a catch handler.
    std::string what = "unknown exception";
    std::string type = "?";
    if (auto ep = std::current_exception()) {
        try {
            std::rethrow_exception(ep);
        } catch (const std::system_error& e) {
            type = "system_error";
            what = e.what();
        } catch (const std::exception& e) {
            type = typeid(e).name();
            what = e.what();
        } catch (...) {
        }
    }
    logInfo("uncaptured exception, closing channel " + repr() + " (" + type + ": " + what + ")", "error");
    trace(Hook::HandleClose);
    handleClose();
}

void Dispatcher::log(std::string_view message) {
    std::fprintf(stderr, "log: %.*s\n", static_cast<int>(message.size()), message.data());
}

void Dispatcher::logInfo(std::string_view message, std::string_view type) {
    if (ignoreLogTypes.find(type) != ignoreLogTypes.end()) return;
    std::fprintf(stdout, "%.*s: %.*s\n", static_cast<int>(type.size()), type.data(),
                 static_cast<int>(message.size()), message.data());
    std::fflush(stdout);
}

std::string Dispatcher::repr() const {
    std::string status(className());
    if (accepting && !addr.isEmpty())
        status += " listening";
    else if (connected)
        status += " connected";
    if (!addr.isEmpty()) status += " " + addr.host() + ":" + std::to_string(addr.port());
    char ptr[32];
    std::snprintf(ptr, sizeof ptr, "0x%llx",
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(this)));
    return "<" + status + " at " + ptr + ">";
}

void Dispatcher::setLayer(std::unique_ptr<StreamLayer> layer) {
    m_layer = std::move(layer);
    if (m_layer) m_layer->attach(*this);
}

std::size_t Dispatcher::transportSend(const void* data, std::size_t len, std::error_code& ec) {
    return rawSend(data, len, ec);
}

std::size_t Dispatcher::transportRecv(void* buf, std::size_t len, std::error_code& ec) {
    return rawRecv(buf, len, ec);
}

void Dispatcher::transportShutdownWrite(std::error_code& ec) {
    ec.clear();
    if (!m_socket) {
        ec = std::make_error_code(std::errc::bad_file_descriptor);
        return;
    }
    sockops::shutdownWrite(m_socket.get(), ec);
}

std::size_t Dispatcher::rawSend(const void* data, std::size_t len, std::error_code& ec) {
    if (!m_socket) {
        ec = std::make_error_code(std::errc::bad_file_descriptor);
        return 0;
    }
    return sockops::send(m_socket.get(), data, len, ec);
}

std::size_t Dispatcher::rawRecv(void* buf, std::size_t len, std::error_code& ec) {
    if (!m_socket) {
        ec = std::make_error_code(std::errc::bad_file_descriptor);
        return 0;
    }
    return sockops::recv(m_socket.get(), buf, len, ec);
}

int Dispatcher::rawPendingError(std::error_code& ec) {
    if (!m_socket) {
        ec = std::make_error_code(std::errc::bad_file_descriptor);
        return 0;
    }
    return sockops::pendingError(m_socket.get(), ec);
}

void Dispatcher::rawClose(std::error_code& ec) {
    ec.clear();
    if (!m_socket) return;
    sockops::close(m_socket.release(), ec);
}

}  // namespace engine
