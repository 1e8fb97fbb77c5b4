#!/usr/bin/env python3
"""Loopback peers for tst_CliProxy (linewright-cli proxy).

  peers.py halfclose-server   listens on a free port (printed as "port N"),
                              reads one connection until end-of-file, then
                              answers "got N\\n" followed by 1 MiB of b"x"
                              and closes.
  peers.py halfclose-client P connects to port P, sends two lines, shuts
                              down its writing side, reads to end-of-file and
                              prints "reply LEN FIRSTLINE".
  peers.py flood-server       listens (prints "port N"); for one connection
                              sends 64 KiB blocks until a send has been
                              blocked for 3 s (prints "blocked after N") or
                              256 MiB went out (prints "all N sent").
  peers.py noread-client P    connects to port P, prints "connected", and
                              never reads; it ends when stdin closes.
Every wait has a deadline.
"""
import socket
import sys


def listen():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    s.settimeout(30)
    print("port", s.getsockname()[1], flush=True)
    return s


def main():
    mode = sys.argv[1]
    if mode == "halfclose-server":
        c, _ = listen().accept()
        c.settimeout(30)
        got = 0
        while True:
            d = c.recv(65536)
            if not d:
                break
            got += len(d)
        c.sendall(b"got %d\n" % got + b"x" * (1 << 20))
        c.close()
    elif mode == "halfclose-client":
        s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30)
        s.sendall(b"abc\ndef\n")
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            reply += d
        print("reply", len(reply), reply.split(b"\n")[0].decode(), flush=True)
    elif mode == "flood-server":
        c, _ = listen().accept()
        c.settimeout(3)
        block = b"y" * 65536
        sent = 0
        try:
            while sent < (256 << 20):
                sent += c.send(block)
        except socket.timeout:
            print("blocked after", sent, flush=True)
        else:
            print("all", sent, "sent", flush=True)
        sys.stdin.read()  # hold the connection until the test is done
    elif mode == "noread-client":
        s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        print("connected", flush=True)
        sys.stdin.read()
        s.close()


main()
