// EchoLengthClient.h — PyMOTW's asynchat EchoClient: sends "ECHO <n>\n" and
// the message through an EchoProducer, then reads n bytes back.
//
// The Python original (asynchat_echo_client.py):
//
//     class EchoClient(asynchat.async_chat):
//         ac_in_buffer_size = 64
//         ac_out_buffer_size = 64
//
//         def __init__(self, host, port, message):
//             self.message = message
//             self.received_data = []
//             asynchat.async_chat.__init__(self)
//             self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
//             self.connect((host, port))
//
//         def handle_connect(self):
//             # Send the command
//             self.push('ECHO %d\n' % len(self.message))
//             # Send the data
//             self.push_with_producer(EchoProducer(self.message,
//                                     buffer_size=self.ac_out_buffer_size))
//             # We expect the data to come back as-is,
//             # so set a length-based terminator
//             self.set_terminator(len(self.message))
//
//         def collect_incoming_data(self, data):
//             self.received_data.append(data)
//
//         def found_terminator(self):
//             received_message = ''.join(self.received_data)
//             if received_message == self.message:
//                 self.logger.debug('RECEIVED COPY OF MESSAGE')
//             else:
//                 self.logger.debug('ERROR IN TRANSMISSION')
//
//     class EchoProducer(asynchat.simple_producer):
//         def more(self):
//             response = asynchat.simple_producer.more(self)
//             self.logger.debug('more() -> (%s bytes)', len(response))
//             return response
//
// What it owns: its socket, the message and the bytes received.
// Threads: loop thread only.
#pragma once
#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Producer.h"
#include "examples/ExampleLog.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace examples {

/// asynchat.simple_producer that logs each more().
class EchoProducer : public engine::SimpleProducer {
public:
    EchoProducer(std::string data, std::size_t bufferSize, LogSink logger)
        : SimpleProducer(std::move(data), bufferSize), m_logger(std::move(logger)) {}
    std::string more() override;

private:
    LogSink m_logger;
};

class EchoLengthClient : public engine::AsyncChat {
public:
    /// Connects to host:port (a numeric address) and, once connected, sends
    /// "ECHO <len>\n" + message.
    EchoLengthClient(const std::string& host, std::uint16_t port, std::string message, engine::Loop* map,
                     LogSink log = logToStderr);

    void handleConnect() override;
    void collectIncomingData(std::string_view data) override;
    void foundTerminator() override;

    const std::string& message() const noexcept { return m_message; }
    const std::string& receivedData() const noexcept { return m_receivedData; }
    /// found_terminator() ran and the echo matched the message.
    bool receivedCopy() const noexcept { return m_receivedCopy; }
    bool finished() const noexcept { return m_finished; }

    LogSink logger = logToStderr;  // logging.getLogger('EchoClient')

protected:
    std::string_view className() const override { return "EchoClient"; }

private:
    std::string m_message;
    std::string m_receivedData;
    bool m_receivedCopy = false;
    bool m_finished = false;
};

}  // namespace examples
