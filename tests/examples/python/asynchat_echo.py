"""PyMOTW's asynchat echo example (EchoServer, EchoHandler, EchoClient,
EchoProducer), as in the tutorial, ported to Python 3 bytes. Run against the
C++ examples by tests/examples/tst_Examples.cpp.

    asynchat_echo.py server [PORT]     serve one client; prints "listening on HOST:PORT"
    asynchat_echo.py client PORT MSG   exit 0 when the echo matches
"""
import asynchat
import asyncore
import logging
import socket
import sys


class EchoServer(asyncore.dispatcher):
    """Receives connections and establishes handlers for each client."""

    def __init__(self, address):
        asyncore.dispatcher.__init__(self)
        self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        self.bind(address)
        self.address = self.socket.getsockname()
        self.listen(1)

    def handle_accept(self):
        # Called when a client connects to our socket
        client_info = self.accept()
        EchoHandler(sock=client_info[0])
        # We only want to deal with one client at a time,
        # so close as soon as we set up the handler.
        self.handle_close()

    def handle_close(self):
        self.close()


class EchoHandler(asynchat.async_chat):
    """Handles echoing messages from a single client."""

    # Artificially reduce buffer sizes to illustrate
    # sending and receiving partial messages.
    ac_in_buffer_size = 64
    ac_out_buffer_size = 64

    def __init__(self, sock):
        self.received_data = []
        self.logger = logging.getLogger('EchoHandler')
        asynchat.async_chat.__init__(self, sock)
        # Start looking for the ECHO command
        self.process_data = self._process_command
        self.set_terminator(b'\n')

    def collect_incoming_data(self, data):
        self.logger.debug('collect_incoming_data() -> (%d bytes) %r', len(data), data)
        self.received_data.append(data)

    def found_terminator(self):
        self.logger.debug('found_terminator()')
        self.process_data()

    def _process_command(self):
        command = b''.join(self.received_data)
        self.logger.debug('_process_command() %r', command)
        command_verb, command_arg = command.strip().split(b' ')
        expected_data_len = int(command_arg)
        self.set_terminator(expected_data_len)
        self.process_data = self._process_message
        self.received_data = []

    def _process_message(self):
        to_echo = b''.join(self.received_data)
        self.logger.debug('_process_message() echoing %r', to_echo)
        self.push(to_echo)
        # Disconnect after sending the entire response
        # since we only want to do one thing at a time
        self.close_when_done()


class EchoClient(asynchat.async_chat):
    """Sends messages to the server and receives responses."""

    ac_in_buffer_size = 64
    ac_out_buffer_size = 64

    def __init__(self, host, port, message):
        self.message = message
        self.received_data = []
        self.ok = False
        self.logger = logging.getLogger('EchoClient')
        asynchat.async_chat.__init__(self)
        self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        self.logger.debug('connecting to %s', (host, port))
        self.connect((host, port))

    def handle_connect(self):
        self.logger.debug('handle_connect()')
        # Send the command
        self.push(b'ECHO %d\n' % len(self.message))
        # Send the data
        self.push_with_producer(EchoProducer(self.message, buffer_size=self.ac_out_buffer_size))
        # We expect the data to come back as-is,
        # so set a length-based terminator
        self.set_terminator(len(self.message))

    def collect_incoming_data(self, data):
        self.logger.debug('collect_incoming_data() -> (%d) %r', len(data), data)
        self.received_data.append(data)

    def found_terminator(self):
        self.logger.debug('found_terminator()')
        received_message = b''.join(self.received_data)
        if received_message == self.message:
            self.ok = True
            self.logger.debug('RECEIVED COPY OF MESSAGE')
        else:
            self.logger.debug('ERROR IN TRANSMISSION')
            self.logger.debug('EXPECTED %r', self.message)
            self.logger.debug('RECEIVED %r', received_message)


class EchoProducer(asynchat.simple_producer):
    logger = logging.getLogger('EchoProducer')

    def more(self):
        response = asynchat.simple_producer.more(self)
        self.logger.debug('more() -> (%s bytes) %r', len(response), response)
        return response


def main():
    logging.basicConfig(level=logging.DEBUG, format='%(name)s: %(message)s')
    if sys.argv[1] == 'server':
        port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
        server = EchoServer(('127.0.0.1', port))
        print('listening on %s:%d' % server.address, flush=True)
        asyncore.loop(timeout=1)
        return 0
    client = EchoClient('127.0.0.1', int(sys.argv[2]), sys.argv[3].encode())
    asyncore.loop(timeout=1)
    return 0 if client.ok else 1


if __name__ == '__main__':
    sys.exit(main())
