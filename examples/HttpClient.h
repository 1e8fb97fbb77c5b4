// HttpClient.h — the asyncore documentation's HTTP client: a dispatcher that
// writes "GET <path> HTTP/1.0\r\n\r\n" from a buffer and prints what it reads.
//
// The Python original (asyncore docs, "asyncore Example basic HTTP client"),
// here pointed at a local server (host and port) instead of port 80:
//
//     class HTTPClient(asyncore.dispatcher):
//         def __init__(self, host, path):
//             asyncore.dispatcher.__init__(self)
//             self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
//             self.connect( (host, 80) )
//             self.buffer = bytes('GET %s HTTP/1.0\r\n\r\n' % path, 'ascii')
//         def handle_connect(self):
//             pass
//         def handle_close(self):
//             self.close()
//         def handle_read(self):
//             print(self.recv(8192))
//         def writable(self):
//             return (len(self.buffer) > 0)
//         def handle_write(self):
//             sent = self.send(self.buffer)
//             self.buffer = self.buffer[sent:]
//
// Given a body, it sends "POST <path> HTTP/1.0" with a Content-Length
// header and the body instead (the request that makes http_request_handler
// switch to a count terminator inside found_terminator()).
// What it owns: its socket, the request not yet sent, the response read.
// Threads: loop thread only.
#pragma once
#include "engine/asyncore/Dispatcher.h"
#include "examples/ExampleLog.h"

#include <cstdint>
#include <functional>
#include <string>

namespace examples {

class HttpClient : public engine::Dispatcher {
public:
    /// GET `path`; with a non-empty `body`, POST it (Content-Length: its size).
    HttpClient(const std::string& host, std::uint16_t port, const std::string& path, engine::Loop* map,
               const std::string& body = {});

    void handleConnect() override {}
    void handleClose() override;
    void handleRead() override;
    bool writable() override { return !buffer.empty(); }
    void handleWrite() override;

    std::string buffer;  ///< self.buffer: the request not yet sent
    /// Everything read so far (the Python prints each piece).
    const std::string& response() const noexcept { return m_response; }
    bool closed() const noexcept { return m_closed; }

    /// print(): each piece read, as Python's repr of bytes would show it.
    std::function<void(std::string_view)> print;

protected:
    std::string_view className() const override { return "HTTPClient"; }

private:
    std::string m_response;
    bool m_closed = false;
};

}  // namespace examples
