// EchoLengthHandler.cpp — the asynchat EchoHandler, line for line.
#include "examples/EchoLengthHandler.h"

#include <stdexcept>

namespace examples {

EchoLengthHandler::EchoLengthHandler(engine::Socket sock, engine::Loop* map) : AsyncChat(std::move(sock), map) {
    // Artificially reduce buffer sizes to illustrate sending and receiving
    // partial messages.
    acInBufferSize = 64;
    acOutBufferSize = 64;
    // Start looking for the ECHO command
    m_processData = &EchoLengthHandler::processCommand;
    setTerminator("\n");
}

void EchoLengthHandler::collectIncomingData(std::string_view data) {
    logger("EchoHandler", "collect_incoming_data() -> (" + std::to_string(data.size()) + " bytes)\n\"\"\"" +
                              std::string(data) + "\"\"\"");
    m_receivedData.append(data);
}

void EchoLengthHandler::foundTerminator() {
    logger("EchoHandler", "found_terminator()");
    (this->*m_processData)();
}

void EchoLengthHandler::processCommand() {
    const std::string command = std::exchange(m_receivedData, std::string());
    logger("EchoHandler", "_process_command() \"" + command + "\"");
    // command_verb, command_arg = command.strip().split(' ')
    const auto first = command.find_first_not_of(" \t\r\n");
    const auto last = command.find_last_not_of(" \t\r\n");
    const std::string stripped = first == std::string::npos ? std::string() : command.substr(first, last - first + 1);
    const auto space = stripped.find(' ');
    if (space == std::string::npos || stripped.find(' ', space + 1) != std::string::npos)
        throw std::invalid_argument("not enough values to unpack: \"" + stripped + "\"");
    const long long expectedDataLen = std::stoll(stripped.substr(space + 1));
    setTerminator(expectedDataLen);
    m_processData = &EchoLengthHandler::processMessage;
}

void EchoLengthHandler::processMessage() {
    const std::string toEcho = std::exchange(m_receivedData, std::string());
    logger("EchoHandler", "_process_message() echoing\n\"\"\"" + toEcho + "\"\"\"");
    push(toEcho);
    // Disconnect after sending the entire response
    // since we only want to do one thing at a time
    closeWhenDone();
}

}  // namespace examples
