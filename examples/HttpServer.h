// HttpServer.h — the listening dispatcher in front of http_request_handler:
// the asyncore echo server's shape, handing each connection to an
// HttpRequestHandler.
//
//     class http_server(asyncore.dispatcher):
//         def __init__(self, host, port):
//             asyncore.dispatcher.__init__(self)
//             self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
//             self.set_reuse_addr()
//             self.bind((host, port))
//             self.listen(5)
//         def handle_accepted(self, sock, addr):
//             http_request_handler(sock, addr, self.sessions, self.log)
//
// What it owns: its listening socket; handlers are adopted by the Loop.
// Threads: loop thread only.
#pragma once
#include "engine/asyncore/Dispatcher.h"
#include "examples/ExampleLog.h"

#include <cstdint>
#include <string>

namespace examples {

class HttpServer : public engine::Dispatcher {
public:
    HttpServer(const std::string& host, std::uint16_t port, engine::Loop* map);
    void handleAccepted(engine::Socket sock, const engine::Address& peer) override;
    std::uint16_t port() const { return boundPort(*this); }
    /// Requests accepted so far.
    unsigned accepted() const noexcept { return m_accepted; }

    LogSink logger = logToStderr;

protected:
    std::string_view className() const override { return "http_server"; }

private:
    unsigned m_accepted = 0;
};

}  // namespace examples
