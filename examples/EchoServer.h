// EchoServer.h — the asyncore documentation's "basic echo server": an
// EchoHandler (dispatcher_with_send) per connection, made by an EchoServer
// (dispatcher) that listens.
//
// The Python original (asyncore docs, "asyncore Example basic echo server"):
//
//     class EchoHandler(asyncore.dispatcher_with_send):
//         def handle_read(self):
//             data = self.recv(8192)
//             if data:
//                 self.send(data)
//
//     class EchoServer(asyncore.dispatcher):
//         def __init__(self, host, port):
//             asyncore.dispatcher.__init__(self)
//             self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
//             self.set_reuse_addr()
//             self.bind((host, port))
//             self.listen(5)
//         def handle_accepted(self, sock, addr):
//             print('Incoming connection from %s' % repr(addr))
//             handler = EchoHandler(sock)
//
// What it owns: EchoServer owns its listening socket; each EchoHandler is
// adopted by the Loop (Python's fire-and-forget `EchoHandler(sock)`), which
// deletes it once it has closed.
// Threads: loop thread only.
#pragma once
#include "engine/asyncore/DispatcherWithSend.h"
#include "examples/ExampleLog.h"

#include <cstdint>
#include <string>

namespace examples {

class AsyncoreEchoHandler : public engine::DispatcherWithSend {
public:
    explicit AsyncoreEchoHandler(engine::Socket sock, engine::Loop* map)
        : DispatcherWithSend(std::move(sock), map) {}
    void handleRead() override;

protected:
    std::string_view className() const override { return "EchoHandler"; }
};

class AsyncoreEchoServer : public engine::Dispatcher {
public:
    /// Listens on host:port (port 0: any free port; see port()).
    AsyncoreEchoServer(const std::string& host, std::uint16_t port, engine::Loop* map);
    void handleAccepted(engine::Socket sock, const engine::Address& peer) override;
    std::uint16_t port() const { return boundPort(*this); }
    /// Connections accepted so far (not in the Python; for the runner).
    unsigned accepted() const noexcept { return m_accepted; }

    LogSink logger = logToStderr;  // print()

protected:
    std::string_view className() const override { return "EchoServer"; }

private:
    unsigned m_accepted = 0;
};

}  // namespace examples
