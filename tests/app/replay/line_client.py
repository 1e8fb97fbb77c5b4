"""A CPython asynchat client for tests/app/tst_CliReplay.cpp.

line_client.py [--close] PORT LINE... connects to 127.0.0.1:PORT, waits for
the greeting, then sends each LINE (with \r\n) once the previous reply has
come, and prints every reply on stdout, one per line. Without --close it
waits for the server to close the connection after the last reply; with
--close it closes it itself once that reply is in. Exit status 0 when every
line got its reply and the connection ended so, 1 otherwise.
"""
import asynchat
import asyncore
import socket
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)


class Client(asynchat.async_chat):
    def __init__(self, port, lines, close_at_end):
        super().__init__()
        self.lines = list(lines)
        self.expected = len(lines) + 1  # the greeting, then one reply per line
        self.replies = 0
        self.close_at_end = close_at_end
        self.buf = []
        self.closed = False
        self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        self.set_terminator(b"\r\n")
        self.connect(("127.0.0.1", port))

    def collect_incoming_data(self, data):
        self.buf.append(data)

    def found_terminator(self):
        print(b"".join(self.buf).decode("latin-1"), flush=True)
        self.buf = []
        self.replies += 1
        if self.lines:
            self.push(self.lines.pop(0).encode("latin-1") + b"\r\n")
        elif self.close_at_end and self.replies == self.expected:
            self.closed = True
            self.close()

    def handle_close(self):
        self.closed = True
        self.close()


def main():
    args = sys.argv[1:]
    close_at_end = bool(args) and args[0] == "--close"
    if close_at_end:
        args = args[1:]
    c = Client(int(args[0]), args[1:], close_at_end)
    asyncore.loop(timeout=1, count=30)
    return 0 if c.closed and c.replies == c.expected else 1


if __name__ == "__main__":
    sys.exit(main())
