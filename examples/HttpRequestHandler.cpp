// HttpRequestHandler.cpp — http_request_handler, line for line, with the
// parse_headers() and handle_request() the documentation leaves out.
#include "examples/HttpRequestHandler.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace examples {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(" \t");
    return std::string(s.substr(first, last - first + 1));
}

}  // namespace

HttpRequestHandler::HttpRequestHandler(engine::Socket sock, engine::Loop* map) : AsyncChat(std::move(sock), map) {
    setTerminator("\r\n\r\n");
}

void HttpRequestHandler::collectIncomingData(std::string_view data) {
    // Buffer the data
    m_ibuffer.append(data);
}

void HttpRequestHandler::foundTerminator() {
    if (m_readingHeaders) {
        m_readingHeaders = false;
        parseHeaders(std::exchange(m_ibuffer, std::string()));
        if (lower(m_op) == "post") {
            const std::string clen = header("content-length");
            setTerminator(std::stoll(clen.empty() ? std::string("0") : clen));
        } else {
            m_handling = true;
            setTerminator(nullptr);
            handleRequest();
        }
    } else if (!m_handling) {
        setTerminator(nullptr);  // browsers sometimes over-send
        m_cgiData = std::exchange(m_ibuffer, std::string());
        m_handling = true;
        handleRequest();
    }
}

std::string HttpRequestHandler::header(const std::string& lowerName) const {
    const auto it = m_headers.find(lowerName);
    return it == m_headers.end() ? std::string() : it->second;
}

void HttpRequestHandler::parseHeaders(const std::string& text) {
    std::string_view rest(text);
    bool first = true;
    while (!rest.empty()) {
        const auto eol = rest.find("\r\n");
        const std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
        if (first) {
            first = false;
            // "GET /path HTTP/1.1"
            const auto sp1 = line.find(' ');
            const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
            if (sp1 == std::string_view::npos)
                throw std::invalid_argument("bad request line");
            m_op = std::string(line.substr(0, sp1));
            m_path = std::string(line.substr(sp1 + 1, sp2 == std::string_view::npos ? sp2 : sp2 - sp1 - 1));
            m_version = sp2 == std::string_view::npos ? std::string() : std::string(line.substr(sp2 + 1));
            continue;
        }
        const auto colon = line.find(':');
        if (colon != std::string_view::npos)
            m_headers[lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    }
    logger("http_request_handler", m_op + " " + m_path + " " + m_version + " (" + std::to_string(m_headers.size()) +
                                       " header fields)");
}

void HttpRequestHandler::handleRequest() {
    std::string body = m_op + " " + m_path + "\n";
    if (lower(m_op) == "post")
        body += std::to_string(m_cgiData.size()) + " bytes: " + m_cgiData + "\n";
    logger("http_request_handler", "handle_request() -> 200, " + std::to_string(body.size()) + " bytes");
    push("HTTP/1.0 200 OK\r\n"
         "Content-Type: text/plain\r\n"
         "Content-Length: " +
         std::to_string(body.size()) +
         "\r\n"
         "Connection: close\r\n"
         "\r\n" +
         body);
    closeWhenDone();
}

}  // namespace examples
