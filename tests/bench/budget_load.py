#!/usr/bin/env python3
"""budget_load.py — many loopback connections, each sending a long message
without its terminator (docs/performance.md, "A listener's memory under its
input budget").

    tests/bench/budget_load.py --port P [--host 127.0.0.1] [--conns 200]
        [--bytes 4194304] [--byte x] [--idle 3] [--timeout 60] [--hold 1]
        [--hold-file PATH]

Opens --conns connections to HOST:PORT and sends --bytes bytes of --byte
(default 'x', never a newline) on each, non-blocking, as fast as the server
takes them. A server under an input budget stops reading from some of them
(backpressure): the run ends when every byte was sent, or when nothing moved
for --idle seconds, or after --timeout seconds. The connections are then
held open (the server's memory is at its peak while they are open): --hold
seconds, or with --hold-file until PATH exists (at most --timeout seconds
more), and closed. Prints one line: bytes sent, connections that sent
everything, seconds. Exit status 0, or 1 if it could not connect.
Loopback only; it starts no process.
"""
import argparse
import os
import selectors
import socket
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--conns", type=int, default=200)
    ap.add_argument("--bytes", type=int, default=4 << 20)
    ap.add_argument("--byte", default="x")
    ap.add_argument("--idle", type=float, default=3.0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--hold", type=float, default=1.0)
    ap.add_argument("--hold-file", default="")
    a = ap.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        print("budget_load.py: loopback only", file=sys.stderr)
        return 2
    chunk = a.byte.encode()[:1] * (256 << 10)
    sel = selectors.DefaultSelector()
    socks = []
    left = {}
    try:
        for _ in range(a.conns):
            s = socket.create_connection((a.host, a.port), timeout=5)
            s.setblocking(False)
            socks.append(s)
            left[s] = a.bytes
            sel.register(s, selectors.EVENT_WRITE)
    except OSError as e:
        print(f"budget_load.py: connect: {e}", file=sys.stderr)
        return 1
    start = time.monotonic()
    last_progress = start
    sent = 0
    while left:
        now = time.monotonic()
        if now - last_progress > a.idle or now - start > a.timeout:
            break
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                n = s.send(chunk[: min(len(chunk), left[s])])
            except BlockingIOError:
                continue
            except OSError as e:
                print(f"budget_load.py: send: {e}", file=sys.stderr)
                sel.unregister(s)
                del left[s]
                continue
            if n > 0:
                sent += n
                left[s] -= n
                last_progress = time.monotonic()
            if left[s] == 0:
                sel.unregister(s)
                del left[s]
    elapsed = time.monotonic() - start
    complete = a.conns - len(left)
    print(f"sent {sent} bytes of {a.conns * a.bytes}; {complete} of {a.conns} connections sent everything; "
          f"{elapsed:.1f} s", flush=True)
    if a.hold_file:
        until = time.monotonic() + a.timeout
        while not os.path.exists(a.hold_file) and time.monotonic() < until:
            time.sleep(0.1)
    else:
        time.sleep(a.hold)
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
