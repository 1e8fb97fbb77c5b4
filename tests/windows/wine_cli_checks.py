#!/usr/bin/env python3
"""tests/windows/wine_cli_checks.py - linewright-cli.exe under Wine, against
native Linux peers (this Python, CPython's asynchat, tshark).

    wine_cli_checks.py CLI_EXE WORK_DIR [LINUX_CLI]

Run by tests/windows/run_wine_suite.sh (CI's Windows step) with WINEPREFIX and
WINEDEBUG set. Needs a Python with asynchat (3.11; it is gone from 3.12) and
tshark. Every wait has a deadline and waits on something (a listener's
"listening on" line, a socket, a process's end); nothing sleeps. Prints one
"ok - ..." line per check and fails at the first mismatch with what differed.
LINUX_CLI (the native linewright-cli), when given, reads the session the .exe
recorded: its summary and pcapng export must be byte-equal to the .exe's.
"""
import warnings

warnings.simplefilter("ignore", DeprecationWarning)  # asynchat/asyncore: deprecated, still there in 3.11
import asynchat  # noqa: E402
import asyncore  # noqa: E402
import json
import os
import re
import selectors
import socket
import subprocess
import sys
import threading
import time

CLI, WORK = sys.argv[1], sys.argv[2]
LINUX_CLI = sys.argv[3] if len(sys.argv) > 3 else None
TIMEOUT = 120  # any one program's whole run under Wine, generous for 2 loaded cores
passed = 0


def fail(what):
    sys.exit("wine_cli_checks: FAILED: " + what)


def ok(what):
    global passed
    passed += 1
    print("ok - " + what, flush=True)


def run(args, what, status=0, stdin=None):
    """Runs the .exe to its end; returns (stdout bytes, stderr text)."""
    try:
        p = subprocess.run(["wine", CLI] + args, input=stdin, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        fail("%s: no exit within %d s" % (what, TIMEOUT))
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != status:
        fail("%s: exit status %d, expected %d; stderr:\n%s" % (what, p.returncode, status, err[-2000:]))
    return p.stdout, err


class Server:
    """The .exe as a listener (listen, mock): started, its port read from its
    "listening on" line, then awaited."""

    def __init__(self, args, what, marker=r"listening on 127\.0\.0\.1:(\d+)"):
        self.what = what
        self.p = subprocess.Popen(["wine", CLI] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.err, self.out = [], []
        found = threading.Event()
        self.port = None

        def drain_err():
            for raw in self.p.stderr:
                line = raw.decode("utf-8", "replace")
                self.err.append(line)
                m = re.search(marker, line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    found.set()
            found.set()  # stderr closed: the program ended

        def drain_out():
            self.out.append(self.p.stdout.read())

        self.threads = [threading.Thread(target=drain_err, daemon=True),
                        threading.Thread(target=drain_out, daemon=True)]
        for t in self.threads:
            t.start()
        if not found.wait(TIMEOUT) or self.port is None:
            self.kill()
            fail("%s: no 'listening on' line; stderr:\n%s" % (what, "".join(self.err)[-2000:]))

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()

    def finish(self, status=0):
        try:
            rc = self.p.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            fail("%s: did not stop within %d s; stderr:\n%s" % (self.what, TIMEOUT, "".join(self.err)[-2000:]))
        for t in self.threads:
            t.join(TIMEOUT)
        if rc != status:
            fail("%s: exit status %d, expected %d; stderr:\n%s" % (self.what, rc, status, "".join(self.err)[-2000:]))
        return b"".join(self.out), "".join(self.err)


def exchange(port, plans, deadline_s=90):
    """Opens one connection per plan (all connected before any sends), sends
    each plan's bytes and reads until each has `expect` bytes (then compares
    them) or the peer closes. Returns the received bytes per connection."""
    socks = []
    for _ in plans:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.setblocking(False)
        socks.append(s)
    sel = selectors.DefaultSelector()
    state = []
    for s, (send, expect) in zip(socks, plans):
        st = {"out": memoryview(send), "got": bytearray(), "expect": expect, "done": False}
        state.append(st)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
    deadline = time.monotonic() + deadline_s
    pending = len(socks)
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            short = sum(1 for st in state if not st["done"])
            fail("%d of %d connections not answered in full within %d s" % (short, len(socks), deadline_s))
        for key, ev in sel.select(left):
            s, st = key.fileobj, key.data
            if ev & selectors.EVENT_WRITE and st["out"]:
                try:
                    n = s.send(st["out"][:65536])
                    st["out"] = st["out"][n:]
                except BlockingIOError:
                    pass
                if not st["out"]:
                    sel.modify(s, selectors.EVENT_READ, st)
            if ev & selectors.EVENT_READ:
                try:
                    chunk = s.recv(65536)
                except BlockingIOError:
                    continue
                if chunk:
                    st["got"] += chunk
                if not chunk or len(st["got"]) >= len(st["expect"]):
                    st["done"] = True
                    sel.unregister(s)
                    pending -= 1
    for s in socks:
        s.close()
    for i, st in enumerate(state):
        if bytes(st["got"]) != st["expect"]:
            got, exp = bytes(st["got"]), st["expect"]
            at = next((j for j in range(min(len(got), len(exp))) if got[j] != exp[j]), min(len(got), len(exp)))
            fail("connection %d: %d bytes back of %d expected, first difference at byte %d" %
                 (i + 1, len(got), len(exp), at))
    return [bytes(st["got"]) for st in state]


# --- --version, --help -------------------------------------------------------
out, _ = run(["--version"], "--version")
if not out.startswith(b"linewright-cli ") or b"\r" in out:
    fail("--version printed %r" % out[:200])
out, _ = run(["--help"], "--help")
if b"listen [HOST:]PORT" not in out or b"\r" in out:
    fail("--help: no usage line, or CR in it")
ok("--version and --help (LF line ends)")

# --- listen --echo on poll and select -----------------------------------------
big = bytes((i * 131 + i // 256) % 256 for i in range(100 * 1024)).replace(b"\r\n", b"..") + b"\r\n"
lines = [b"line %d\r\n" % i for i in range(120)]
lines.insert(60, big)
one = b"".join(lines)
N, K = 200, 5
for backend in ("poll", "select"):
    srv = Server(["listen", "127.0.0.1:0", "--echo", "-t", "\\r\\n", "--backend", backend, "--quiet",
                  "--count", str(len(lines))], "listen --echo --backend " + backend)
    exchange(srv.port, [(one, one)])
    srv.finish()
    ok("listen --echo --backend %s: one connection, %d lines (one of 100 kB, binary bytes), %d bytes "
       "echoed byte-exact" % (backend, len(lines), len(one)))

    plans = []
    for c in range(N):
        data = b"".join(b"conn %d line %d %s\n" % (c, i, b"x" * (c % 50)) for i in range(K))
        plans.append((data, data))
    srv = Server(["listen", "127.0.0.1:0", "--echo", "--backend", backend, "--quiet", "--stats",
                  "--count", str(N * K)], "listen --echo --backend %s, %d connections" % (backend, N))
    exchange(srv.port, plans)
    _, err = srv.finish()
    m = re.search(r"connections: (\d+) accepted \(peak (\d+) open", err)
    if not m or int(m.group(1)) != N:
        fail("%d concurrent connections (%s): stats say %r" % (N, backend, m.group(0) if m else err[-500:]))
    ok("listen --echo --backend %s: %d concurrent connections all served (peak %s open at once%s)" %
       (backend, N, m.group(2), "; select past 64 sockets" if backend == "select" else ""))


# --- connect to a native asynchat echo server; --json, --record ---------------
class EchoHandler(asynchat.async_chat):
    def __init__(self, sock):
        super().__init__(sock)
        self.set_terminator(b"\r\n")
        self.buf = []

    def collect_incoming_data(self, data):
        self.buf.append(data)

    def found_terminator(self):
        self.push(b"".join(self.buf) + b"\r\n")
        self.buf = []


class EchoServer(asyncore.dispatcher):
    def __init__(self):
        super().__init__()
        self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        self.set_reuse_addr()
        self.bind(("127.0.0.1", 0))
        self.listen(16)

    def handle_accepted(self, sock, addr):
        EchoHandler(sock)


echo = EchoServer()
echo_port = echo.socket.getsockname()[1]
stop_echo = threading.Event()
echo_thread = threading.Thread(
    target=lambda: [asyncore.loop(timeout=0.05, count=1) for _ in iter(stop_echo.is_set, True)], daemon=True)
echo_thread.start()

session = os.path.join(WORK, "wine.lwsession")
for f in (session,):
    if os.path.exists(f):
        os.remove(f)
requests = [b"HELLO asynchat", b"caf\xc3\xa9 \x01\x02\xff binary", b"x" * 3000, b"QUIT"]
args = ["connect", "127.0.0.1", str(echo_port), "-t", "\\r\\n", "--json", "--record", session, "--no-stdin",
        "--send", "HELLO asynchat\\r\\n", "--send", "caf\\xc3\\xa9 \\x01\\x02\\xff binary\\r\\n",
        "--send", "x" * 3000 + "\\r\\n", "--send", "QUIT\\r\\n", "--count", str(len(requests))]
out, err = run(args, "connect to the asynchat echo server")
events = []
for i, line in enumerate(out.split(b"\n")[:-1]):
    try:
        events.append(json.loads(line))
    except ValueError:
        fail("--json line %d is not JSON: %r" % (i + 1, line[:200]))
if not events or events[0].get("format") != "linewright-session" or b"\r" in out:
    fail("--json: no session header, or CR in the output: %r" % out[:300])
import base64  # noqa: E402
got = [base64.b64decode(e["data_b64"]) for e in events if e.get("event") == "collect"]
kinds = [e.get("event") for e in events[1:]]
if b"".join(got) != b"".join(requests) or "connected" not in kinds or kinds[-1] != "stopped":
    fail("--json: the collected replies or the events differ: kinds %s, %d bytes collected" %
         (kinds, len(b"".join(got))))
ok("connect to a native asynchat echo server: %d replies echoed; --json: %d events, header first, "
   "'stopped' last, LF only" % (len(requests), len(events)))

# --- the recording: summary, export --pcapng (tshark), replay, mock ----------
if not os.path.exists(session):
    fail("--record wrote no file")
summary, _ = run(["summary", session], "summary")
if (b"\r" in summary or b"bytes: 3042 received, 3042 sent" not in summary
        or b"messages: 4 received (found_terminator), 4 sent (push)" not in summary):
    fail("summary: %r" % summary[:800])
pcap = os.path.join(WORK, "wine.pcapng")
if os.path.exists(pcap):
    os.remove(pcap)
run(["export", session, "--pcapng", pcap], "export --pcapng")
t = subprocess.run(["tshark", "-r", pcap, "-q", "-z", "follow,tcp,raw,0"], capture_output=True, timeout=TIMEOUT)
if t.returncode != 0:
    fail("tshark could not read the export: %s" % t.stderr.decode("utf-8", "replace")[-500:])
sides = {b"": b"", b"\t": b""}  # tshark's raw follow: client bytes as hex lines, server bytes after a tab
for tab, h in re.findall(rb"^(\t?)([0-9a-f]+)$", t.stdout, re.M):
    sides[tab] += bytes.fromhex(h.decode())
wire = b"".join(r + b"\r\n" for r in requests)
if sides[b""] != wire or sides[b"\t"] != wire:
    fail("tshark follows %d bytes client to server and %d back in the pcapng, expected %d each way" %
         (len(sides[b""]), len(sides[b"\t"]), len(wire)))
ok("--record, then summary; export --pcapng read by tshark: the TCP stream holds the %d bytes each way" %
   len(wire))

out, err = run(["replay", session, "--to", "127.0.0.1:%d" % echo_port, "--quiet"], "replay")
if "replay passed" not in err:
    fail("replay: %s" % err[-500:])
ok("replay to the asynchat echo server: " + err.strip().splitlines()[-1].split(": ", 1)[-1])
stop_echo.set()
echo_thread.join(TIMEOUT)
echo.close()

srv = Server(["mock", session, "--listen", "127.0.0.1:0", "--clients", "1"], "mock")
exchange(srv.port, [(wire, wire)])
srv.finish()
ok("mock serves the recorded replies to a native client, byte-exact")

# --- an error recorded portably: a refused connect ----------------------------
refused = os.path.join(WORK, "refused.lwsession")
if os.path.exists(refused):
    os.remove(refused)
closed = socket.socket()
closed.bind(("127.0.0.1", 0))
closed_port = closed.getsockname()[1]
closed.close()  # nothing listens there now: a connect is refused
_, err = run(["connect", "127.0.0.1", str(closed_port), "--record", refused, "--no-stdin"], "refused connect",
             status=1)
if "Connection refused" not in err:
    fail("refused connect: %s" % err[-500:])
names = [json.loads(line).get("errno_name") for line in open(refused, "rb").read().split(b"\n")[1:] if line]
if "ECONNREFUSED" not in names:
    fail("the refused connect's session has no errno_name ECONNREFUSED: %s" % open(refused, "rb").read()[:800])
ok("a refused connect: 'Connection refused' (status 1), recorded with errno_name ECONNREFUSED")
refused_summary, _ = run(["summary", refused], "summary of the refused connect")

# --- the same sessions read by the Linux build --------------------------------
if LINUX_CLI:
    for f, text in ((session, summary), (refused, refused_summary)):
        native = subprocess.run([LINUX_CLI, "summary", f], capture_output=True, timeout=TIMEOUT)
        if native.returncode != 0 or native.stdout != text:
            fail("the Linux build's summary of %s differs:\n--- wine\n%s\n--- linux\n%s%s" %
                 (f, text.decode("utf-8", "replace"), native.stdout.decode("utf-8", "replace"),
                  native.stderr.decode("utf-8", "replace")))
    pcap_linux = os.path.join(WORK, "linux.pcapng")
    native = subprocess.run([LINUX_CLI, "export", session, "--pcapng", pcap_linux, "--force"],
                            capture_output=True, timeout=TIMEOUT)
    if native.returncode != 0 or open(pcap_linux, "rb").read() != open(pcap, "rb").read():
        fail("the Linux build's pcapng export of the Wine recording differs from the .exe's")
    ok("the sessions recorded under Wine read identically with the Linux build (summaries, pcapng byte-equal)")

print("%d passed, 0 failed" % passed)
