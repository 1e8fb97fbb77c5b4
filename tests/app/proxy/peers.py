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
  peers.py reset-server       listens (prints "port N"); for one connection
                              reads one line, sends b"partial reply" (no
                              terminator) and resets the connection
                              (SO_LINGER 0).
  peers.py silent-server      listens (prints "port N"); accepts and reads
                              whatever comes, never answers; ends when stdin
                              closes.
  peers.py discard-server     listens (prints "port N"); reads one connection
                              to end-of-file, prints "got N", closes.
  peers.py blast-client P N   connects to port P, sends N bytes of b"x" (no
                              terminator anywhere), shuts down its writing
                              side, waits for end-of-file, prints "sent N".
  peers.py echo-server        listens (prints "port N"); echoes every
                              connection (threads), until stdin closes.
  peers.py many-clients P N   opens N connections to port P at once, then
                              on each sends "hello K\r\n" and reads the echo;
                              prints "ok N" when every echo came back right.
Every wait has a deadline.
"""
import socket
import struct
import sys
import threading


def listen(backlog=1):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
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
    elif mode == "reset-server":
        c, _ = listen().accept()
        c.settimeout(30)
        got = b""
        while b"\n" not in got:
            d = c.recv(65536)
            if not d:
                break
            got += d
        c.sendall(b"partial reply")
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        print("reset", flush=True)
        sys.stdin.read()
    elif mode == "silent-server":
        c, _ = listen().accept()
        c.settimeout(None)
        threading.Thread(target=lambda: [None for _ in iter(lambda: c.recv(65536), b"")], daemon=True).start()
        sys.stdin.read()
    elif mode == "discard-server":
        c, _ = listen().accept()
        c.settimeout(120)
        got = 0
        while True:
            d = c.recv(1 << 20)
            if not d:
                break
            got += len(d)
        print("got", got, flush=True)
        c.close()
        sys.stdin.read()
    elif mode == "blast-client":
        s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=120)
        n = int(sys.argv[3])
        block = b"x" * (1 << 20)
        left = n
        while left > 0:
            k = min(left, len(block))
            s.sendall(block[:k])
            left -= k
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
        print("sent", n, flush=True)
    elif mode == "echo-server":
        srv = listen(2048)
        srv.settimeout(None)

        def serve(c):
            with c:
                while True:
                    d = c.recv(65536)
                    if not d:
                        return
                    c.sendall(d)

        def accept_loop():
            while True:
                c, _ = srv.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()

        threading.Thread(target=accept_loop, daemon=True).start()
        sys.stdin.read()
    elif mode == "many-clients":
        port, n = int(sys.argv[2]), int(sys.argv[3])
        socks = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(n)]
        for k, s in enumerate(socks):
            s.sendall(b"hello %d\r\n" % k)
        ok = 0
        for k, s in enumerate(socks):
            want = b"hello %d\r\n" % k
            got = b""
            while len(got) < len(want):
                d = s.recv(65536)
                if not d:
                    break
                got += d
            ok += got == want
        for s in socks:
            s.close()
        print("ok", ok, flush=True)
    elif mode == "noread-client":
        s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        print("connected", flush=True)
        sys.stdin.read()
        s.close()


main()
