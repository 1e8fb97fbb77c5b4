// EchoServer.cpp — the asyncore echo server, line for line.
#include "examples/EchoServer.h"

#include "engine/net/Address.h"

#include <stdexcept>

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
    const auto a = engine::Address::fromNumeric(host, port);
    if (!a)
        throw std::invalid_argument("EchoServer: not a numeric address: " + host);
    bind(*a);
    listen(5);
}

void AsyncoreEchoServer::handleAccepted(engine::Socket sock, const engine::Address& peer) {
    ++m_accepted;
    logger("EchoServer", "Incoming connection from ('" + peer.host() + "', " + std::to_string(peer.port()) + ")");
    map().make<AsyncoreEchoHandler>(std::move(sock));
}

}  // namespace examples
