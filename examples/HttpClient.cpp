// HttpClient.cpp — the asyncore HTTP client, line for line.
#include "examples/HttpClient.h"

#include "engine/net/Address.h"
#include "engine/asyncore/Escape.h"

#include <cstdio>

namespace examples {

HttpClient::HttpClient(const std::string& host, std::uint16_t port, const std::string& path, engine::Loop* map,
                       const std::string& body)
    : Dispatcher(map) {
    createSocket(engine::kAfInet, engine::kSockStream);
    connect(numericAddress("HTTPClient", host, port));
    if (body.empty())
        buffer = "GET " + path + " HTTP/1.0\r\n\r\n";
    else
        buffer = "POST " + path + " HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body;
}

void HttpClient::handleClose() {
    m_closed = true;
    close();
}

void HttpClient::handleRead() {
    const std::string data = recv(8192);
    m_response += data;
    if (print)
        print(data);
    else if (!data.empty()) {
        const std::string safe = engine::terminalSafe(data, engine::TerminalText::Multiline);
        std::fwrite(safe.data(), 1, safe.size(), stdout);
    }
}

void HttpClient::handleWrite() {
    const std::size_t sent = send(buffer);
    buffer.erase(0, sent);
}

}  // namespace examples
