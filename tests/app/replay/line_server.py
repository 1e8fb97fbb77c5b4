"""A CPython asynchat line server for tests/app/tst_CliReplay.cpp.

Listens on 127.0.0.1 (or ::1 with --ipv6) on a free port and prints the port
on stdout. Every connection gets "220 ready\r\n"; each line (terminator
\r\n) is answered "250 <line>\r\n", except QUIT ("221 bye\r\n", then
close_when_done). --change LINE answers that one line "250 CHANGED\r\n"
instead, to play a server whose behaviour changed. --flood LINE answers that
line with "250 " and then "Z" bytes without end (a producer that never runs
dry), to play a hostile server; it keeps sending after the client's
half-close and stops when the client goes.
"""
import argparse
import asynchat
import asyncore
import socket
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)


class Endless:
    """A producer that never runs dry: 64 KiB of b"Z" per more()."""

    def more(self):
        return b"Z" * 65536


class Line(asynchat.async_chat):
    def __init__(self, sock, change, flood):
        super().__init__(sock)
        self.set_terminator(b"\r\n")
        self.buf = []
        self.change = change
        self.flood = flood
        self.flooding = False
        self.half_closed = False
        self.push(b"220 ready\r\n")

    def readable(self):
        return not self.half_closed and super().readable()

    def handle_close(self):
        if self.flooding and not self.half_closed:
            self.half_closed = True  # the client half-closed: keep sending
            return
        self.close()

    def collect_incoming_data(self, data):
        self.buf.append(data)

    def found_terminator(self):
        line = b"".join(self.buf)
        self.buf = []
        if line == b"QUIT":
            self.push(b"221 bye\r\n")
            self.close_when_done()
        elif self.flood is not None and line == self.flood:
            self.flooding = True
            self.push(b"250 ")
            self.push_with_producer(Endless())
        elif self.change is not None and line == self.change:
            self.push(b"250 CHANGED\r\n")
        else:
            self.push(b"250 " + line + b"\r\n")


class Server(asyncore.dispatcher):
    def __init__(self, family, host, change, flood):
        super().__init__()
        self.change = change
        self.flood = flood
        self.create_socket(family, socket.SOCK_STREAM)
        self.set_reuse_addr()
        self.bind((host, 0))
        self.listen(16)
        print(self.socket.getsockname()[1], flush=True)

    def handle_accepted(self, sock, addr):
        Line(sock, self.change, self.flood)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ipv6", action="store_true")
    p.add_argument("--change")
    p.add_argument("--flood")
    a = p.parse_args()
    change = a.change.encode() if a.change is not None else None
    flood = a.flood.encode() if a.flood is not None else None
    if a.ipv6:
        Server(socket.AF_INET6, "::1", change, flood)
    else:
        Server(socket.AF_INET, "127.0.0.1", change, flood)
    asyncore.loop(timeout=1)


if __name__ == "__main__":
    sys.exit(main())
