// DispatcherTap.h — an optional observer of one dispatcher's activity: what
// asyncore/asynchat did on it (listen, connect, accept, recv, send,
// collect_incoming_data, found_terminator, close, errors).
//
// What it does: a Dispatcher with a tap (Dispatcher::setTap) calls it at each
// of those points, after the fact and with the bytes concerned; without one
// it pays one null-pointer test per point, like the LoopObserver. The Reactor
// taps the dispatchers it hosts (Reactor::host: an example's server, client
// and the connections the server accepts), which are not Channels, so that
// their activity becomes the same event stream its own channels produce;
// its Channels are never tapped (they report for themselves). The subclass
// code being observed is unchanged: the calls are in Dispatcher and
// AsyncChat.
// What it owns: nothing; the tap is owned by whoever installed it, and must
// outlive the dispatcher or be removed first (destroyed() is the last call).
// Threads: called on the loop thread of the dispatcher.
#pragma once

#include <cstdint>
#include <string_view>

namespace engine {

class Address;
class Dispatcher;
class Terminator;

class DispatcherTap {
public:
    virtual ~DispatcherTap() = default;
    /// listen() succeeded.
    virtual void listening(const Dispatcher& d) { (void)d; }
    /// connect() to `a` started (or completed at once).
    virtual void connecting(const Dispatcher& d, const Address& a) { (void)d; (void)a; }
    /// handle_connect() ran: the connection is up.
    virtual void connected(const Dispatcher& d) { (void)d; }
    /// accept() returned a connection from `peer`.
    virtual void accepted(const Dispatcher& listener, const Address& peer) { (void)listener; (void)peer; }
    /// recv() returned `bytes`; empty: end of stream or a disconnect (the
    /// handle_close that follows is the peer's doing).
    virtual void received(const Dispatcher& d, std::string_view bytes) { (void)d; (void)bytes; }
    /// send() wrote `bytes` (possibly nothing, when the socket was full).
    virtual void sent(const Dispatcher& d, std::string_view bytes) { (void)d; (void)bytes; }
    /// async_chat: collect_incoming_data(data) is about to run.
    virtual void collected(const Dispatcher& d, std::string_view data) { (void)d; (void)data; }
    /// async_chat: found_terminator() is about to run; `matched` is the
    /// terminator that ended the message (a count: what was left of it).
    virtual void terminatorFound(const Dispatcher& d, const Terminator& matched) { (void)d; (void)matched; }
    /// handle_error() is about to run, inside the catch: std::current_exception().
    virtual void error(const Dispatcher& d) { (void)d; }
    /// close() ran (once per socket).
    virtual void closed(const Dispatcher& d) { (void)d; }
    /// The dispatcher is being destroyed; no call follows.
    virtual void destroyed(const Dispatcher& d) { (void)d; }
    /// The id under which traces and events name the dispatcher (0: none).
    virtual std::uint32_t traceId() const { return 0; }
};

}  // namespace engine
