// EchoLengthHandler.h — PyMOTW's asynchat EchoHandler: reads "ECHO <n>\n",
// then n bytes, echoes them back and closes when done.
//
// The Python original (asynchat_echo_handler.py):
//
//     class EchoHandler(asynchat.async_chat):
//         # Artificially reduce buffer sizes to illustrate
//         # sending and receiving partial messages.
//         ac_in_buffer_size = 64
//         ac_out_buffer_size = 64
//
//         def __init__(self, sock):
//             self.received_data = []
//             self.logger = logging.getLogger('EchoHandler')
//             asynchat.async_chat.__init__(self, sock)
//             # Start looking for the ECHO command
//             self.process_data = self._process_command
//             self.set_terminator('\n')
//
//         def collect_incoming_data(self, data):
//             self.received_data.append(data)
//
//         def found_terminator(self):
//             self.process_data()
//
//         def _process_command(self):
//             command = ''.join(self.received_data)
//             command_verb, command_arg = command.strip().split(' ')
//             expected_data_len = int(command_arg)
//             self.set_terminator(expected_data_len)
//             self.process_data = self._process_message
//             self.received_data = []
//
//         def _process_message(self):
//             to_echo = ''.join(self.received_data)
//             self.push(to_echo)
//             # Disconnect after sending the entire response
//             self.close_when_done()
//
// The terminator switches from the string "\n" to a count inside
// found_terminator(), and applies at once to the bytes already buffered.
// What it owns: its socket and the bytes received so far. Adopted by the Loop.
// Threads: loop thread only.
#pragma once
#include "engine/asyncore/AsyncChat.h"
#include "examples/ExampleLog.h"

#include <string>
#include <string_view>

namespace examples {

class EchoLengthHandler : public engine::AsyncChat {
public:
    EchoLengthHandler(engine::Socket sock, engine::Loop* map);

    void collectIncomingData(std::string_view data) override;
    void foundTerminator() override;

    LogSink logger = logToStderr;  // logging.getLogger('EchoHandler')

protected:
    std::string_view className() const override { return "EchoHandler"; }

private:
    void processCommand();
    void processMessage();

    std::string m_receivedData;                       // self.received_data
    void (EchoLengthHandler::*m_processData)() = nullptr;  // self.process_data
};

}  // namespace examples
