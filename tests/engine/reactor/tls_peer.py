#!/usr/bin/env python3
"""tls_peer.py — small TLS / STARTTLS peers for tst_ChannelTls, on Python's ssl module only.

Servers listen on 127.0.0.1, port 0, print "PORT <n>" on stdout, serve one
connection and exit 0 when it went as expected (1 and a message on stderr
otherwise). Every socket has a timeout: nothing waits forever.

  smtp CERT KEY          an SMTP server offering STARTTLS (multi-line EHLO
                         reply); after the upgrade: EHLO -> 250, PING -> PONG,
                         QUIT -> 221 then close_notify.
  refuse                 an SMTP server that answers STARTTLS with 454.
  close CERT KEY HOW     TLS from the first byte; sends "bye\\r\\n", then ends
                         with close_notify (HOW=notify) or without (truncate).
  pipeline PORT CAFILE   a client of a Linewright STARTTLS listener (after-match
                         ^STARTTLS, echo): sends "STARTTLS\\r\\n" and its
                         ClientHello in ONE send, waits for the echoed go-ahead,
                         completes the handshake, sends "ping\\r\\n" over TLS and
                         expects it back.
"""
import socket
import ssl
import sys

TIMEOUT = 10


def fail(msg):
    sys.stderr.write("tls_peer: " + msg + "\n")
    sys.exit(1)


def listen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    s.settimeout(TIMEOUT)
    print("PORT %d" % s.getsockname()[1], flush=True)
    c, _ = s.accept()
    c.settimeout(TIMEOUT)
    s.close()
    return c


def read_line_raw(c):
    """One line from a plaintext socket, byte by byte (nothing read past it)."""
    out = b""
    while not out.endswith(b"\n"):
        b = c.recv(1)
        if not b:
            fail("peer closed in plaintext after %r" % out)
        out += b
    return out


def server_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def smtp(cert, key, refuse=False):
    c = listen()
    c.sendall(b"220 peer.example ESMTP ready\r\n")
    while True:
        line = read_line_raw(c)
        if line.upper().startswith(b"EHLO"):
            c.sendall(b"250-peer.example\r\n250-SIZE 1000000\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
        elif line.upper().startswith(b"STARTTLS"):
            break
        else:
            c.sendall(b"503 5.5.1 EHLO first\r\n")
    if refuse:
        c.sendall(b"454 4.7.0 TLS not available due to local problem\r\n")
        c.recv(100)  # until the client goes
        return
    c.sendall(b"220 2.0.0 Ready to start TLS\r\n")
    t = server_context(cert, key).wrap_socket(c, server_side=True)
    f = t.makefile("rb")
    while True:
        line = f.readline()
        if not line:
            fail("client left without QUIT")
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO"):
            t.sendall(b"250 peer.example at your service over TLS\r\n")
        elif cmd == b"PING":
            t.sendall(b"PONG\r\n")
        elif cmd == b"QUIT":
            t.sendall(b"221 2.0.0 bye\r\n")
            f.close()
            t.unwrap()
            t.close()
            return
        else:
            t.sendall(b"500 what\r\n")


def close(cert, key, how):
    c = listen()
    t = server_context(cert, key).wrap_socket(c, server_side=True)
    t.sendall(b"bye\r\n")
    if how == "notify":
        t.unwrap()  # close_notify, then the client's
        t.close()
    else:
        t.shutdown(socket.SHUT_RDWR)  # the TCP connection ends; no close_notify
        t.close()


def pipeline(port, cafile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    if not hello:
        fail("no ClientHello")
    c = socket.create_connection(("127.0.0.1", int(port)), timeout=TIMEOUT)
    c.sendall(b"STARTTLS\r\n" + hello)  # one send: the ClientHello rides behind the command
    buf = b""
    while b"\n" not in buf:
        d = c.recv(65536)
        if not d:
            fail("server closed before the go-ahead")
        buf += d
    line, rest = buf.split(b"\n", 1)
    if line.strip() != b"STARTTLS":
        fail("unexpected go-ahead %r" % line)
    inc.write(rest)

    def pump_until(done):
        while not done():
            o = out.read()
            if o:
                c.sendall(o)
                continue
            d = c.recv(65536)
            if not d:
                fail("server closed during TLS")
            inc.write(d)

    def handshake_done():
        try:
            obj.do_handshake()
            return True
        except ssl.SSLWantReadError:
            return False

    pump_until(handshake_done)
    c.sendall(out.read())
    obj.write(b"ping\r\n")
    c.sendall(out.read())
    got = b""

    def have_echo():
        nonlocal got
        try:
            got += obj.read(65536)
        except ssl.SSLWantReadError:
            pass
        return b"\n" in got

    pump_until(have_echo)
    if got != b"ping\r\n":
        fail("echo over TLS was %r" % got)
    print("OK", flush=True)
    c.close()


def main():
    a = sys.argv[1:]
    if not a:
        fail("usage: tls_peer.py MODE ...")
    try:
        if a[0] == "smtp":
            smtp(a[1], a[2])
        elif a[0] == "refuse":
            smtp(None, None, refuse=True)
        elif a[0] == "close":
            close(a[1], a[2], a[3])
        elif a[0] == "pipeline":
            pipeline(a[1], a[2])
        else:
            fail("unknown mode " + a[0])
    except (OSError, ssl.SSLError) as e:
        fail("%s: %s" % (a[0], e))


if __name__ == "__main__":
    main()
