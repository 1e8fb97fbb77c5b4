// ExampleRunner.cpp — the examples' registry and their start-up.
#include "examples/ExampleRunner.h"

#include "engine/asyncore/DispatcherWithSend.h"
#include "examples/EchoLengthClient.h"
#include "examples/EchoLengthServer.h"
#include "examples/EchoServer.h"
#include "examples/HttpClient.h"
#include "examples/HttpServer.h"

#include <stdexcept>

#ifndef LW_EXAMPLES_SOURCE_DIR
#define LW_EXAMPLES_SOURCE_DIR ""
#endif

namespace examples {

namespace {

/// A client for the asyncore echo server, in the same style: sends its
/// message with dispatcher_with_send and reads until it has it all back.
class EchoSendClient : public engine::DispatcherWithSend {
public:
    EchoSendClient(const std::string& host, std::uint16_t port, std::string message, engine::Loop* map)
        : DispatcherWithSend(map), m_message(std::move(message)) {
        createSocket(engine::kAfInet, engine::kSockStream);
        connect(numericAddress("", host, port));
    }
    void handleConnect() override { send(m_message); }
    void handleRead() override {
        m_received += recv(8192);
        if (m_received.size() >= m_message.size())
            handleClose();
    }
    void handleClose() override {
        m_closed = true;
        close();
    }
    bool closed() const noexcept { return m_closed; }
    bool ok() const noexcept { return m_received == m_message; }

protected:
    std::string_view className() const override { return "EchoClient"; }

private:
    std::string m_message;
    std::string m_received;
    bool m_closed = false;
};

template <class Server, class Client>
class Running final : public RunningExample {
public:
    std::unique_ptr<Server> server;
    std::unique_ptr<Client> client;
    std::unique_ptr<Client> second;  ///< a second client beside the first (the http example's POST)
    engine::Loop* map = nullptr;
    unsigned count = 0;
    std::function<bool(const Client&)> clientDone;
    std::function<bool(const Client&)> clientOk;
    std::function<unsigned(const Server&)> served;

    bool done() const override {
        if (client)
            return clientDone(*client) && (!second || clientDone(*second));
        if (!server)
            return true;
        // Server only: done once it closed (the asynchat EchoServer does after
        // one accept) and its handlers are gone, or after `count` connections
        // once every handler has finished.
        if (server->fileno() == engine::kInvalidSocket)
            return map->empty();
        return count != 0 && served && served(*server) >= count && map->size() == 1;
    }
    bool ok() const override {
        return client ? clientOk(*client) && (!second || clientOk(*second)) : done();
    }
    std::uint16_t port() const override { return m_port; }
    std::vector<engine::Dispatcher*> dispatchers() const override {
        std::vector<engine::Dispatcher*> out;
        if (server)
            out.push_back(server.get());
        if (client)
            out.push_back(client.get());
        if (second)
            out.push_back(second.get());
        return out;
    }
    std::uint16_t m_port = 0;
};

/// An example running in `map`: its server (logging to o.logger) listening on
/// o.host:o.port when `wantServer`; the client is the caller's to add.
template <class Server, class Client>
std::unique_ptr<Running<Server, Client>> withServer(engine::Loop& map, const ExampleOptions& o, bool wantServer) {
    auto r = std::make_unique<Running<Server, Client>>();
    r->map = &map;
    r->count = o.count;
    if (wantServer) {
        r->server = std::make_unique<Server>(o.host, o.port, &map);
        r->server->logger = o.logger;
        r->m_port = r->server->port();
    }
    return r;
}

}  // namespace

std::string defaultEchoMessage() {
    // PyMOTW's asynchat_echo_main.py sends a long line of Lorem ipsum.
    return "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
           "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis "
           "nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.";
}

std::string defaultHttpBody() { return "name=linewright&loop=asyncore&terminator=count"; }

std::string sourceDirectory() { return LW_EXAMPLES_SOURCE_DIR; }

const std::vector<ExampleInfo>& allExamples() {
    static const std::vector<ExampleInfo> all{
        {"echo", "asyncore echo server (dispatcher_with_send)",
         "The asyncore documentation's basic echo server: an EchoServer dispatcher listens and makes an "
         "EchoHandler (a dispatcher_with_send) for each connection; handle_read() reads up to 8192 bytes and "
         "send() queues them in out_buffer, which handle_write() drains. A client sends one message and reads it "
         "back.",
         {"EchoServer.h", "EchoServer.cpp"},
         {{"EchoServer", "AsyncoreEchoServer", "EchoServer.cpp"},
          {"EchoHandler", "AsyncoreEchoHandler", "EchoServer.cpp"},
          {"EchoClient", "EchoSendClient", "ExampleRunner.cpp"}}},
        {"echo-length", "asynchat ECHO-length protocol (EchoServer / EchoHandler / EchoClient)",
         "PyMOTW's asynchat tutorial: the client sends \"ECHO <n>\\n\" then n bytes; the handler reads the command "
         "with the string terminator \"\\n\", switches to the count terminator n inside found_terminator(), "
         "echoes the message and closes when done. Both ends use 64-byte buffers, so every message arrives and "
         "leaves in pieces.",
         {"EchoLengthHandler.h", "EchoLengthHandler.cpp", "EchoLengthServer.h", "EchoLengthServer.cpp",
          "EchoLengthClient.h", "EchoLengthClient.cpp"},
         {{"EchoServer", "EchoLengthServer", "EchoLengthServer.cpp"},
          {"EchoHandler", "EchoLengthHandler", "EchoLengthHandler.cpp"},
          {"EchoClient", "EchoLengthClient", "EchoLengthClient.cpp"}}},
        {"http", "asynchat http_request_handler and the asyncore HTTP client",
         "The asynchat documentation's http_request_handler reads the request headers up to \"\\r\\n\\r\\n\", "
         "then a POST body with a count terminator (its Content-Length), and answers. The asyncore "
         "documentation's HTTPClient, pointed at it, writes \"GET / HTTP/1.0\\r\\n\\r\\n\" from its buffer and "
         "prints what it reads until the server closes; a second HTTPClient POSTs a small form with a "
         "Content-Length, so the handler switches to a count terminator inside found_terminator().",
         {"HttpRequestHandler.h", "HttpRequestHandler.cpp", "HttpServer.h", "HttpServer.cpp", "HttpClient.h",
          "HttpClient.cpp"},
         {{"http_server", "HttpServer", "HttpServer.cpp"},
          {"http_request_handler", "HttpRequestHandler", "HttpRequestHandler.cpp"},
          {"HTTPClient", "HttpClient", "HttpClient.cpp"}}},
    };
    return all;
}

const ExampleInfo* findExample(std::string_view name) {
    for (const ExampleInfo& e : allExamples())
        if (e.name == name)
            return &e;
    return nullptr;
}

std::unique_ptr<RunningExample> startExample(std::string_view name, engine::Loop& map, const ExampleOptions& o) {
    const bool wantServer = !o.connectPort;
    const bool wantClient = !o.serverOnly;
    const std::string message = o.message.empty() ? defaultEchoMessage() : o.message;

    if (name == "echo") {
        auto r = withServer<AsyncoreEchoServer, EchoSendClient>(map, o, wantServer);
        if (wantClient)
            r->client = std::make_unique<EchoSendClient>(o.host, o.connectPort.value_or(r->m_port), message, &map);
        r->clientDone = [](const EchoSendClient& c) { return c.closed(); };
        r->clientOk = [](const EchoSendClient& c) { return c.ok(); };
        // The asyncore echo server never closes; count its handlers instead.
        r->served = [](const AsyncoreEchoServer& s) { return s.accepted(); };
        return r;
    }
    if (name == "echo-length") {
        auto r = withServer<EchoLengthServer, EchoLengthClient>(map, o, wantServer);
        if (wantClient) {
            r->client =
                std::make_unique<EchoLengthClient>(o.host, o.connectPort.value_or(r->m_port), message, &map, o.logger);
        }
        // The client is done when the echo came back and the server closed.
        r->clientDone = [](const EchoLengthClient& c) { return c.fileno() == engine::kInvalidSocket; };
        r->clientOk = [](const EchoLengthClient& c) { return c.receivedCopy(); };
        return r;
    }
    if (name == "http") {
        auto r = withServer<HttpServer, HttpClient>(map, o, wantServer);
        if (wantClient) {
            r->client = std::make_unique<HttpClient>(o.host, o.connectPort.value_or(r->m_port), o.path, &map);
            r->client->print = o.print;
            if (wantServer && !o.body.empty()) {
                r->second = std::make_unique<HttpClient>(o.host, r->m_port, o.path, &map, o.body);
                r->second->print = o.print;
            }
        }
        r->clientDone = [](const HttpClient& c) { return c.closed(); };
        r->clientOk = [](const HttpClient& c) { return c.response().rfind("HTTP/1.", 0) == 0; };
        r->served = [](const HttpServer& s) { return s.accepted(); };
        return r;
    }
    throw std::invalid_argument("no such example: " + std::string(name));
}

}  // namespace examples
