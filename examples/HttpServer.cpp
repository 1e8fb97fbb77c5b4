// HttpServer.cpp — accepts and hands over to http_request_handler.
#include "examples/HttpServer.h"

#include "examples/HttpRequestHandler.h"


namespace examples {

HttpServer::HttpServer(const std::string& host, std::uint16_t port, engine::Loop* map) : Dispatcher(map) {
    createSocket(engine::kAfInet, engine::kSockStream);
    setReuseAddr();
    bind(numericAddress("http_server", host, port));
    listen(5);
}

void HttpServer::handleAccepted(engine::Socket sock, const engine::Address& peer) {
    ++m_accepted;
    logger("http_server", "Incoming connection from ('" + peer.host() + "', " + std::to_string(peer.port()) + ")");
    map().make<HttpRequestHandler>(std::move(sock)).logger = logger;
}

}  // namespace examples
