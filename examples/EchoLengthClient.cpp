// EchoLengthClient.cpp — the asynchat EchoClient, line for line.
#include "examples/EchoLengthClient.h"

#include "engine/net/Address.h"

#include <memory>

namespace examples {

std::string EchoProducer::more() {
    std::string response = SimpleProducer::more();
    m_logger("EchoProducer", "more() -> (" + std::to_string(response.size()) + " bytes)\n\"\"\"" + response + "\"\"\"");
    return response;
}

EchoLengthClient::EchoLengthClient(const std::string& host, std::uint16_t port, std::string message,
                                   engine::Loop* map, LogSink log)
    : AsyncChat(map), logger(std::move(log)), m_message(std::move(message)) {
    // Artificially reduce buffer sizes to illustrate sending and receiving
    // partial messages.
    acInBufferSize = 64;
    acOutBufferSize = 64;
    createSocket(engine::kAfInet, engine::kSockStream);
    const engine::Address a = numericAddress("EchoClient", host, port);
    logger("EchoClient", "connecting to ('" + host + "', " + std::to_string(port) + ")");
    connect(a);
}

void EchoLengthClient::handleConnect() {
    logger("EchoClient", "handle_connect()");
    // Send the command
    push("ECHO " + std::to_string(m_message.size()) + "\n");
    // Send the data
    pushWithProducer(std::make_unique<EchoProducer>(m_message, acOutBufferSize, logger));
    // We expect the data to come back as-is,
    // so set a length-based terminator
    setTerminator(static_cast<long long>(m_message.size()));
}

void EchoLengthClient::collectIncomingData(std::string_view data) {
    logger("EchoClient", "collect_incoming_data() -> (" + std::to_string(data.size()) + ")\n\"\"\"" +
                             std::string(data) + "\"\"\"");
    m_receivedData.append(data);
}

void EchoLengthClient::foundTerminator() {
    logger("EchoClient", "found_terminator()");
    m_finished = true;
    if (m_receivedData == m_message) {
        m_receivedCopy = true;
        logger("EchoClient", "RECEIVED COPY OF MESSAGE");
    } else {
        logger("EchoClient", "ERROR IN TRANSMISSION");
        logger("EchoClient", "EXPECTED \"" + m_message + "\"");
        logger("EchoClient", "RECEIVED \"" + m_receivedData + "\"");
    }
}

}  // namespace examples
