#!/usr/bin/env python3
"""CPython 3.11.7's answers for the scenario tests of tst_AsyncChat.cpp.

Each scenario mirrors one C++ test (named in the heading it prints); the
C++ tests embed the values printed here. Sends are observed by wrapping
dispatcher.send, the way the C++ tests override rawSend().
"""
import errno
import socket
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asynchat
    import asyncore


class Probe(asynchat.async_chat):
    def __init__(self, sock=None, smap=None):
        asynchat.async_chat.__init__(self, sock, smap)
        self.ev = []
        self.sends = []
        self.send_script = []
        self.on_found = None
        self.on_collect = None

    def collect_incoming_data(self, data):
        self.ev.append("c" + data.decode("latin-1"))
        if self.on_collect:
            self.on_collect(self)

    def found_terminator(self):
        self.ev.append(("f" if self.connected else "F"))
        if self.on_found:
            self.on_found(self)

    def handle_close(self):
        self.ev.append("h")
        asynchat.async_chat.handle_close(self)

    def handle_error(self):
        self.ev.append("E")
        self.err = repr(sys.exc_info()[1])
        self.handle_close()

    def send(self, data):
        self.sends.append(bytes(data))
        return asynchat.async_chat.send(self, data)


class SockWrap:
    """Stands in for the channel's socket so an errno or a short write can be
    injected below dispatcher.send (the C++ tests override rawSend())."""

    def __init__(self, sock, ch):
        self._sock = sock
        self._ch = ch

    def send(self, data):
        if self._ch.send_script:
            step = self._ch.send_script.pop(0)
            if step < 0:
                raise OSError(-step, "injected")
            data = data[:step]
        return self._sock.send(data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def pair():
    a, b = socket.socketpair()
    m = {}
    ch = Probe(a, m)
    ch.socket = SockWrap(ch.socket, ch)
    return ch, b, m


def drain(b):
    b.setblocking(False)
    out = b""
    try:
        while True:
            d = b.recv(65536)
            if not d:
                return out + b"<EOF>"
            out += d
    except BlockingIOError:
        return out


def head(ch):
    return [x if not hasattr(x, "more") else "<producer>" for x in ch.producer_fifo]


def title(s):
    print("\n== " + s)


title("R4 eofClosesBeforeParsing: 'ab\\r' with \\r\\n, then terminator \\r, then EOF")
c, b, m = pair(); c.set_terminator(b"\r\n")
b.send(b"ab\r"); asyncore.loop(map=m, count=1, use_poll=True)
c.set_terminator(b"\r"); b.shutdown(socket.SHUT_WR)
while m: asyncore.loop(map=m, count=1, use_poll=True)
print(c.ev, repr(c.ac_in_buffer))

title("R5 getTerminatorOverride: stored None, override returns b','")
class P5(Probe):
    def get_terminator(self):
        return b","
a, b = socket.socketpair(); m = {}; c = P5(a, m)
b.sendall(b"x,y,z"); b.shutdown(socket.SHUT_WR)
while m: asyncore.loop(map=m, count=1, use_poll=True)
print(c.ev, repr(c.ac_in_buffer))

title("R10 three prefix cases, term \\r\\n\\r\\n, reads 'ab\\r\\n' '\\r' 'x'")
c, b, m = pair(); c.set_terminator(b"\r\n\r\n")
for chunk in (b"ab\r\n", b"\r", b"x"):
    b.send(chunk); asyncore.loop(map=m, count=1, use_poll=True)
    print(c.ev, repr(c.ac_in_buffer))

title("R13 terminator changed inside collect: 'ab,cd\\nef,gh\\n' whole, \\n -> ',' at first collect")
c, b, m = pair(); c.set_terminator(b"\n")
def oc(ch):
    if ch.get_terminator() == b"\n":
        ch.set_terminator(b",")
c.on_collect = oc
b.sendall(b"ab,cd\nef,gh\n"); b.shutdown(socket.SHUT_WR)
while m: asyncore.loop(map=m, count=1, use_poll=True)
print(c.ev, repr(c.ac_in_buffer))

title("R17 found_terminator raises on first record; 'a\\nb\\nc\\n' whole")
c, b, m = pair(); c.set_terminator(b"\n")
def boom(ch): raise RuntimeError("boom")
c.on_found = boom
b.sendall(b"a\nb\nc\n")
asyncore.loop(map=m, count=1, use_poll=True)
print(c.ev, repr(c.ac_in_buffer), c.connected)
title("R17 collect raises on first call; 'abc\\ndef\\n' whole")
c, b, m = pair(); c.set_terminator(b"\n")
c.on_collect = boom
b.sendall(b"abc\ndef\n")
asyncore.loop(map=m, count=1, use_poll=True)
print(c.ev, repr(c.ac_in_buffer), c.connected)
title("R17 count branch: collect raises; '0123456789' count 4")
c, b, m = pair(); c.set_terminator(4)
c.on_collect = boom
b.sendall(b"0123456789")
asyncore.loop(map=m, count=1, use_poll=True)
print(c.ev, repr(c.ac_in_buffer), c.terminator)

title("P2 slicing: obs=4, push while disconnected")
c, b, m = pair(); c.ac_out_buffer_size = 4; c.connected = False
c.push(b"abcdefghij"); c.push(b"wxyz"); c.push(b"")
print(head(c))

title("P4 close_when_done with a blocked entry")
c, b, m = pair()
c.send_script = [-errno.EAGAIN]
c.push(b"abc"); print("after push", head(c), c.sends)
c.close_when_done(); print("after cwd", head(c), c.sends, c.connected)
c.handle_write(); print("write1", head(c), c.sends, c.connected, c.ev)
c.handle_write(); print("write2", head(c), c.sends, c.connected, c.ev)
print(repr(drain(b)))
title("P4 close_when_done with empty fifo")
c, b, m = pair()
c.close_when_done(); print(head(c), c.connected, c.writable())
asyncore.loop(map=m, count=1, use_poll=True); print(c.connected, c.ev)

title("P6 entries after the close marker")
c, b, m = pair()
c.push(b"a"); c.close_when_done(); c.push(b"b")
print(c.sends, c.connected, c.ev, head(c), repr(drain(b)))

title("P7 push(b'') then push(b'x') queued, then initiate_send twice")
c, b, m = pair(); c.connected = False
c.push(b""); c.push(b"x"); c.connected = True
c.initiate_send(); print(c.sends, head(c))
c.initiate_send(); print(c.sends, head(c), repr(drain(b)))
c, b, m = pair(); c.push(b""); print("connected push('')", c.sends, head(c))

title("P8 one send per initiate_send")
c, b, m = pair(); c.connected = False
c.push(b"a"); c.push(b"b"); c.push(b"c"); c.connected = True
c.initiate_send(); print(c.sends, head(c))

class Script:
    def __init__(self, chunks):
        self.chunks = list(chunks); self.calls = 0
    def more(self):
        self.calls += 1
        return self.chunks.pop(0) if self.chunks else b""

title("P9 producer lazily, chunk sent in the same call; P10 dropped at first empty")
c, b, m = pair(); c.connected = False
p = Script([b"p1", b"p2", b"", b"late"])
c.push(b"head"); c.push_with_producer(p); c.push(b"tail")
c.connected = True
for i in range(5):
    c.initiate_send(); print(i, c.sends, head(c), p.calls)
print(repr(drain(b)))

title("P11 partial send and n == 0")
c, b, m = pair()
c.send_script = [4]
c.push(b"abcdef"); print(c.sends, head(c), repr(drain(b)))
c.send_script = [-errno.EAGAIN]
c.initiate_send(); print(c.sends, head(c))
c.initiate_send(); print(c.sends, head(c), repr(drain(b)))

title("P12 errors")
for err in (errno.EAGAIN, errno.EPIPE, errno.ECONNRESET, errno.EHOSTUNREACH):
    c, b, m = pair(); c.send_script = [-err]
    c.push(b"abc"); print(errno.errorcode[err], c.ev, c.connected, head(c))

title("P16 lowering ac_out_buffer_size after push")
c, b, m = pair(); c.connected = False
c.push(b"abcdefghij"); c.ac_out_buffer_size = 4; c.connected = True
for i in range(3):
    c.initiate_send(); print(c.sends, head(c))

title("W1 writable")
c, b, m = pair(); print("idle connected", bool(c.writable()))
c2 = Probe(); print("no socket", bool(c2.writable()))
c.close(); print("closed", bool(c.writable()))

title("W3 discard_buffers")
c, b, m = pair(); c.set_terminator(b"\r\n")
b.send(b"ab\r"); asyncore.loop(map=m, count=1, use_poll=True)
c._collect_incoming_data(b"zz")
c.connected = False; c.push(b"q"); c.close_when_done(); c.connected = True
c.discard_buffers()
print(repr(c.ac_in_buffer), c._get_data(), head(c), c.get_terminator(), c.connected, bool(c.writable()))
c.handle_write(); print(c.connected)

title("R19 _collect_incoming_data/_get_data")
c = Probe(); c._collect_incoming_data(b"ab"); c._collect_incoming_data(b"cd")
print(c._get_data(), c._get_data())

title("R17 collect raises, other branches (whole reads)")
for name, term, data in (("count<n", 40, b"0123456789"), ("none", None, b"abc\ndef"),
                         ("bytes-no-prefix", b"\n", b"abcdef"), ("bytes-prefix", b"\r\n", b"abc\r")):
    c, b, m = pair(); c.set_terminator(term); c.on_collect = boom
    b.sendall(data)
    asyncore.loop(map=m, count=1, use_poll=True)
    print(name, c.ev, repr(c.ac_in_buffer), c.terminator)

title("R7 order: get_terminator() and ac_in_buffer inside collect, count 25, 10-byte reads")
c, b, m = pair(); c.set_terminator(25); c.ac_in_buffer_size = 10
seen = []
c.on_collect = lambda ch: seen.append((ch.get_terminator(), len(ch.ac_in_buffer)))
b.sendall(b"x" * 30); b.shutdown(socket.SHUT_WR)
while m: asyncore.loop(map=m, count=1, use_poll=True)
print(seen, c.terminator)

title("R7/R13: set_terminator(100) inside the collect of a partial count (25, 10-byte reads)")
c, b, m = pair(); c.set_terminator(25); c.ac_in_buffer_size = 10
def once(ch):
    if not getattr(ch, "done", False):
        ch.done = True; ch.set_terminator(100)
c.on_collect = once
b.sendall(b"y" * 10)
asyncore.loop(map=m, count=1, use_poll=True)
print(c.ev, c.terminator)

title("inputBuffer inside collect, none and no-prefix branches")
for term in (None, b"\n"):
    c, b, m = pair(); c.set_terminator(term)
    seen = []
    c.on_collect = lambda ch: seen.append(bytes(ch.ac_in_buffer))
    b.sendall(b"abc")
    asyncore.loop(map=m, count=1, use_poll=True)
    print(term, seen)

title("R20 count replaced by bytes/None inside the collect of a partial count "
      "(25, 10-byte reads, '0123456789ab\\ncd\\n')")
for new in (b"\n", None, b""):
    c, b, m = pair(); c.set_terminator(25); c.ac_in_buffer_size = 10
    def replace(ch, new=new):
        if not getattr(ch, "done", False):
            ch.done = True; ch.set_terminator(new)
    c.on_collect = replace
    b.sendall(b"0123456789ab\ncd\n"); b.shutdown(socket.SHUT_WR)
    while m: asyncore.loop(map=m, count=1, use_poll=True)
    print(repr(new), c.ev, repr(c.ac_in_buffer), repr(c.terminator), getattr(c, "err", None))
