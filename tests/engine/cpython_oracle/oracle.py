"""Shared CPython 3.11 asynchat harness for Linewright's engine tests.

Runs the real asynchat.async_chat on one end of a socket.socketpair(): the
other end is written in full and shut down, and ac_in_buffer_size fixes the
chunking exactly. Every observable step is recorded as a token so the C++
tests (tst_AsyncChat.cpp, differential) can compare event for event:

    R[<term>] handle_read() starts; <term> = get_terminator() at that moment,
              written only when it differs from the previous R token's
    c<bytes>  collect_incoming_data(bytes)
    f<term>   found_terminator(); <term> = get_terminator() inside it (R8)
    F<term>   the same, called while connected is already False (R16)
    h         handle_close()
    r<bytes>  (last token) ac_in_buffer left after the loop ended (R15/R16)

<term> is N (None), B<bytes> (bytes) or #<int>. <bytes> is escaped: printable
ASCII 0x21..0x7e except '\\' and '|' as-is, everything else as \\xHH. Tokens
are joined with '|'.

A schedule step (applied inside found_terminator number i, in order; after
the schedule runs out nothing is set) is a terminator spec or one of
K (keep: set nothing), X (close()), D (discard_buffers()).
"""
import socket
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asynchat
    import asyncore

HUGE = 1 << 20


def esc(b):
    out = []
    for x in b:
        if 0x21 <= x <= 0x7E and x not in (0x5C, 0x7C):
            out.append(chr(x))
        else:
            out.append("\\x%02x" % x)
    return "".join(out)


def unesc(s):
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == "\\":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(ord(s[i]))
            i += 1
    return bytes(out)


def tdesc(t):
    if t is None:
        return "N"
    if isinstance(t, int):
        return "#%d" % t
    return "B" + esc(t)


def parse_spec(s):
    """A spec string -> a terminator value or an action letter."""
    if s == "N":
        return None
    if s[0] == "#":
        return int(s[1:])
    if s[0] == "B":
        return unesc(s[1:])
    assert s in ("K", "X", "D"), s
    return s


class Recorder(asynchat.async_chat):
    def __init__(self, sock, smap, schedule):
        asynchat.async_chat.__init__(self, sock, smap)
        self.ev = []
        self.schedule = list(schedule)
        self.nfound = 0
        self.last_read_term = object()

    def handle_read(self):
        t = tdesc(self.get_terminator())
        self.ev.append("R" if t == self.last_read_term else "R" + t)
        self.last_read_term = t
        asynchat.async_chat.handle_read(self)

    def collect_incoming_data(self, data):
        self.ev.append("c" + esc(data))

    def found_terminator(self):
        self.ev.append(("f" if self.connected else "F") + tdesc(self.get_terminator()))
        i = self.nfound
        self.nfound += 1
        if i < len(self.schedule):
            step = self.schedule[i]
            if step == "K":
                pass
            elif step == "X":
                self.close()
            elif step == "D":
                self.discard_buffers()
            else:
                self.set_terminator(step)

    def handle_close(self):
        self.ev.append("h")
        asynchat.async_chat.handle_close(self)

    def handle_error(self):
        raise  # never expected in the generated cases


def run(stream, init, schedule, read_size):
    """Returns the token string for one stream/terminator/schedule/read size."""
    a, b = socket.socketpair()
    smap = {}
    ch = Recorder(a, smap, [parse_spec(s) for s in schedule])
    ch.ac_in_buffer_size = read_size
    ch.set_terminator(parse_spec(init))
    b.sendall(stream)
    b.shutdown(socket.SHUT_WR)
    passes = 0
    while smap:
        asyncore.loop(timeout=1.0, use_poll=True, map=smap, count=1)
        passes += 1
        assert passes < 100000
    b.close()
    return "|".join(ch.ev + ["r" + esc(ch.ac_in_buffer)])


def summarize(tokens):
    """Chunking-independent view of a token string (R11): the records as
    payload@term (payload escaped, '!' after the term if found while closed),
    then tail:<collected after the last record> rest:<ac_in_buffer left>."""
    recs, pending = [], []
    rest = ""
    for t in tokens.split("|"):
        if t.startswith("c"):
            pending.append(unesc(t[1:]))
        elif t[:1] in ("f", "F"):
            recs.append(esc(b"".join(pending)) + "@" + t[1:] + ("!" if t[0] == "F" else ""))
            pending = []
        elif t.startswith("r"):
            rest = t[1:]
    return " ".join(recs + ["tail:" + esc(b"".join(pending)), "rest:" + rest])
