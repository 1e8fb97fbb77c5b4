"""A CPython asynchat line server for tests/app/tst_CliReplay.cpp.

Listens on 127.0.0.1 (or ::1 with --ipv6) on a free port and prints the port
on stdout. Every connection gets "220 ready\r\n"; each line (terminator
\r\n) is answered "250 <line>\r\n", except QUIT ("221 bye\r\n", then
close_when_done). --change LINE answers that one line "250 CHANGED\r\n"
instead, to play a server whose behaviour changed.
"""
import argparse
import asynchat
import asyncore
import socket
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)


class Line(asynchat.async_chat):
    def __init__(self, sock, change):
        super().__init__(sock)
        self.set_terminator(b"\r\n")
        self.buf = []
        self.change = change
        self.push(b"220 ready\r\n")

    def collect_incoming_data(self, data):
        self.buf.append(data)

    def found_terminator(self):
        line = b"".join(self.buf)
        self.buf = []
        if line == b"QUIT":
            self.push(b"221 bye\r\n")
            self.close_when_done()
        elif self.change is not None and line == self.change:
            self.push(b"250 CHANGED\r\n")
        else:
            self.push(b"250 " + line + b"\r\n")


class Server(asyncore.dispatcher):
    def __init__(self, family, host, change):
        super().__init__()
        self.change = change
        self.create_socket(family, socket.SOCK_STREAM)
        self.set_reuse_addr()
        self.bind((host, 0))
        self.listen(16)
        print(self.socket.getsockname()[1], flush=True)

    def handle_accepted(self, sock, addr):
        Line(sock, self.change)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ipv6", action="store_true")
    p.add_argument("--change")
    a = p.parse_args()
    change = a.change.encode() if a.change is not None else None
    if a.ipv6:
        Server(socket.AF_INET6, "::1", change)
    else:
        Server(socket.AF_INET, "127.0.0.1", change)
    asyncore.loop(timeout=1)


if __name__ == "__main__":
    sys.exit(main())
