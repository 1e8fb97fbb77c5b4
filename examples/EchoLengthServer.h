// EchoLengthServer.h — PyMOTW's asynchat EchoServer: accepts one client,
// hands it to an EchoLengthHandler, and closes.
//
// The Python original (asynchat_echo_server.py):
//
//     class EchoServer(asyncore.dispatcher):
//         def __init__(self, address):
//             asyncore.dispatcher.__init__(self)
//             self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
//             self.bind(address)
//             self.address = self.socket.getsockname()
//             self.listen(1)
//
//         def handle_accept(self):
//             # Called when a client connects to our socket
//             client_info = self.accept()
//             EchoHandler(sock=client_info[0])
//             # We only want to deal with one client at a time,
//             # so close as soon as we set up the handler.
//             self.handle_close()
//
//         def handle_close(self):
//             self.close()
//
// What it owns: its listening socket until the first accept; the handler is
// adopted by the Loop.
// Threads: loop thread only.
#pragma once
#include "engine/asyncore/Dispatcher.h"
#include "examples/ExampleLog.h"

#include <cstdint>
#include <string>

namespace examples {

class EchoLengthServer : public engine::Dispatcher {
public:
    /// Binds host:port (port 0: any free port) and listens.
    EchoLengthServer(const std::string& host, std::uint16_t port, engine::Loop* map);

    void handleAccept() override;
    void handleClose() override { close(); }

    /// self.address = self.socket.getsockname() (the port part).
    std::uint16_t port() const noexcept { return m_port; }

    LogSink logger = logToStderr;  // handed to each EchoHandler

protected:
    std::string_view className() const override { return "EchoServer"; }

private:
    std::uint16_t m_port = 0;
};

}  // namespace examples
