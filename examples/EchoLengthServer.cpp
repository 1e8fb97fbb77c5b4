// EchoLengthServer.cpp — the asynchat EchoServer, line for line.
#include "examples/EchoLengthServer.h"

#include "examples/EchoLengthHandler.h"


namespace examples {

EchoLengthServer::EchoLengthServer(const std::string& host, std::uint16_t port, engine::Loop* map)
    : Dispatcher(map) {
    createSocket(engine::kAfInet, engine::kSockStream);
    bind(numericAddress("EchoServer", host, port));
    m_port = boundPort(*this);
    listen(1);
}

void EchoLengthServer::handleAccept() {
    // Called when a client connects to our socket
    auto clientInfo = accept();
    if (!clientInfo)
        return;  // accept() returned None
    auto& handler = map().make<EchoLengthHandler>(std::move(clientInfo->sock));
    handler.logger = logger;
    // We only want to deal with one client at a time,
    // so close as soon as we set up the handler.
    handleClose();
}

}  // namespace examples
