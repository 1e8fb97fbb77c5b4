// HttpRequestHandler.h — the asynchat documentation's http_request_handler:
// reads the headers up to "\r\n\r\n", then a POST body with a count
// terminator (its Content-Length), then answers.
//
// The Python original (asynchat docs, "asynchat Example"):
//
//     class http_request_handler(asynchat.async_chat):
//         def __init__(self, sock, addr, sessions, log):
//             asynchat.async_chat.__init__(self, sock=sock)
//             self.addr = addr
//             self.sessions = sessions
//             self.ibuffer = []
//             self.obuffer = b""
//             self.set_terminator(b"\r\n\r\n")
//             self.reading_headers = True
//             self.handling = False
//             self.cgi_data = None
//             self.log = log
//
//         def collect_incoming_data(self, data):
//             """Buffer the data"""
//             self.ibuffer.append(data)
//
//         def found_terminator(self):
//             if self.reading_headers:
//                 self.reading_headers = False
//                 self.parse_headers(b"".join(self.ibuffer))
//                 self.ibuffer = []
//                 if self.op.upper() == b"POST":
//                     clen = self.headers.getheader("content-length")
//                     self.set_terminator(int(clen))
//                 else:
//                     self.handling = True
//                     self.set_terminator(None)
//                     self.handle_request()
//             elif not self.handling:
//                 self.set_terminator(None)  # browsers sometimes over-send
//                 self.cgi_data = parse(self.headers, b"".join(self.ibuffer))
//                 self.handling = True
//                 self.ibuffer = []
//                 self.handle_request()
//
// The documentation leaves parse_headers() and handle_request() to the
// reader; here parseHeaders() splits the request line and the header fields,
// and handleRequest() answers "200 OK" with a plain-text summary of the
// request (method, path, and for a POST the body), then closes when done.
// What it owns: its socket and the request read so far. Adopted by the Loop.
// Threads: loop thread only.
#pragma once
#include "engine/asyncore/AsyncChat.h"
#include "examples/ExampleLog.h"

#include <map>
#include <string>
#include <string_view>

namespace examples {

class HttpRequestHandler : public engine::AsyncChat {
public:
    HttpRequestHandler(engine::Socket sock, engine::Loop* map);

    void collectIncomingData(std::string_view data) override;
    void foundTerminator() override;

    // What the request said (self.op, self.path, self.headers, self.cgi_data).
    const std::string& op() const noexcept { return m_op; }
    const std::string& path() const noexcept { return m_path; }
    /// Header value by lower-case name; "" if absent (headers.getheader()).
    std::string header(const std::string& lowerName) const;
    const std::string& body() const noexcept { return m_cgiData; }

    LogSink logger = logToStderr;  // self.log

protected:
    std::string_view className() const override { return "http_request_handler"; }

private:
    void parseHeaders(const std::string& text);
    void handleRequest();

    std::string m_ibuffer;
    bool m_readingHeaders = true;
    bool m_handling = false;
    std::string m_op;
    std::string m_path;
    std::string m_version;
    std::map<std::string, std::string> m_headers;  // lower-case names
    std::string m_cgiData;
};

}  // namespace examples
