// EchoServer.cpp — the asyncore echo server, line for line.
#include "examples/EchoServer.h"

#include "engine/net/Address.h"


namespace examples {

void AsyncoreEchoHandler::handleRead() {
    std::string data = recv(8192);
    if (!data.empty())
        send(data);
}

AsyncoreEchoServer::AsyncoreEchoServer(const std::string& host, std::uint16_t port, engine::Loop* map)
    : Dispatcher(map) {
    createSocket(engine::kAfInet, engine::kSockStream);
    setReuseAddr();
    bind(numericAddress("EchoServer", host, port));
    listen(5);
}

void AsyncoreEchoServer::handleAccepted(engine::Socket sock, const engine::Address& peer) {
    ++m_accepted;
    logger("EchoServer", "Incoming connection from ('" + peer.host() + "', " + std::to_string(peer.port()) + ")");
    map().make<AsyncoreEchoHandler>(std::move(sock));
}

}  // namespace examples
