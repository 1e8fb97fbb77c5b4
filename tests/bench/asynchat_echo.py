#!/usr/bin/env python3
"""CPython asynchat echo server: the peer users would otherwise pick.

Same semantics as `linewright-cli listen --echo`: terminator b"\\r\\n"; on
found_terminator, push the collected message + b"\\r\\n".

    asynchat_echo.py [--host 127.0.0.1] [--port 0] [--poll] [--count-terminator N]

Binds HOST:PORT (0 picks a free port), prints the bound port on stdout as a
line of its own, then runs asyncore.loop() until SIGINT/SIGTERM. --poll uses
asyncore's poll() loop instead of select() (select cannot watch descriptors
past FD_SETSIZE, so the 10,000-connection scenario needs --poll).

--count-terminator N: no echo; the terminator is the integer N (a `count:`
terminator) and the incoming bytes are counted and dropped (the handler of
scenario (d)). The connection is closed when the peer closes, as asyncore
does by default.
"""

import argparse
import resource
import signal
import socket
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asynchat
    import asyncore


class EchoHandler(asynchat.async_chat):
    def __init__(self, sock, sockmap):
        super().__init__(sock, map=sockmap)
        self.set_terminator(b"\r\n")
        self._incoming = []

    def collect_incoming_data(self, data):
        self._incoming.append(data)

    def found_terminator(self):
        message = b"".join(self._incoming)
        self._incoming = []
        self.push(message + b"\r\n")

    def handle_error(self):
        # A peer resetting a connection is part of the load, not a crash.
        self.handle_close()


class CountSink(asynchat.async_chat):
    def __init__(self, sock, sockmap, count):
        super().__init__(sock, map=sockmap)
        self.count = count
        self.set_terminator(count)
        self.received = 0
        self.messages = 0

    def collect_incoming_data(self, data):
        self.received += len(data)

    def found_terminator(self):
        self.messages += 1
        self.set_terminator(self.count)

    def handle_error(self):
        self.handle_close()


class Server(asyncore.dispatcher):
    def __init__(self, host, port, sockmap, make_handler):
        super().__init__(map=sockmap)
        self._sockmap = sockmap
        self._make_handler = make_handler
        self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        self.set_reuse_addr()
        self.bind((host, port))
        self.listen(socket.SOMAXCONN)

    def handle_accepted(self, sock, addr):
        self._make_handler(sock, self._sockmap)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--poll", action="store_true", help="use poll() instead of select()")
    ap.add_argument("--count-terminator", type=int, default=0, metavar="N")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sockmap = {}
    if args.count_terminator > 0:
        def make(sock, m):
            return CountSink(sock, m, args.count_terminator)
    else:
        make = EchoHandler
    server = Server(args.host, args.port, sockmap, make)
    print(server.socket.getsockname()[1], flush=True)
    try:
        asyncore.loop(timeout=1.0, use_poll=args.poll, map=sockmap)
    finally:
        asyncore.close_all(map=sockmap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
